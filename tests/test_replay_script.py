"""scripts/replay.py: a Glue estate's history replayed through g2l init and weekly g2l syncs, on real repositories.

The history is a generated estate (tests/estategen.py through the benchmark's helpers) with five weeks of Glue
work: scripts edited, a Terraform definition changed, a job added (script and definition), a review pass that
touches every job script (it overlaps the Databricks team's edits: a conflicted week), a job retired.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402
import replay  # noqa: E402

SCRIPT = ROOT / "scripts" / "replay.py"


def run_replay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT)


def _git(repo: Path, *args: str) -> str:
    return bench._git(repo, *args)


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


def _review_pass(glue: Path, names: list[str]) -> list[str]:
    """A team-wide review of every job script: a comment line above each top-level statement, and one at the end of
    each line of a statement that can take one (it reaches into any protected region of a job's code)."""
    changed = []
    for name in names:
        path = glue / name
        if not (name.endswith(".py") and "_job_" in name and path.exists()):
            continue
        text = path.read_text()
        lines = text.split("\n")
        body = ast.parse(text).body
        for node in body:
            for index in range(node.lineno - 1, node.end_lineno):
                if not lines[index].rstrip().endswith(("\\", ",", "(", "[", "{", ":")) and '"""' not in lines[index]:
                    lines[index] += "  # reviewed"
        starts = sorted({min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) for n in body})
        for start in reversed(starts):
            lines.insert(start - 1, "# reviewed for the lakehouse move")
        path.write_text("\n".join(lines))
        changed.append(name)
    return changed


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The Glue clone and, per commit, the files it changed (what the test expects the replay to count)."""
    glue = tmp_path_factory.mktemp("estate") / "glue"
    names = bench.make_estate_repo(glue, 60, seed=23)
    commits = [_git(glue, "rev-parse", "HEAD").strip()]
    changed: list[list[str]] = []

    changed.append(bench.change_estate(glue, names, 4, seed=101))
    commits.append(_git(glue, "rev-parse", "HEAD").strip())
    changed.append(bench.change_estate(glue, names, 1, seed=102, terraform=True))
    commits.append(_git(glue, "rev-parse", "HEAD").strip())

    script = next(n for n in names if n.endswith("_job_003.py"))
    definition = next(n for n in names if n.endswith("_job_003.tf"))
    added = []
    for name in (script, definition):
        new = name.replace("_job_003", "_job_900")
        text = (glue / name).read_text().replace("job_003", "job_900").replace("job-003", "job-900")
        (glue / new).write_text(text)
        added.append(new)
    commits.append(_commit(glue, "new job: risk_00_job_900"))
    changed.append(added)

    changed.append(_review_pass(glue, names + added))
    commits.append(_commit(glue, "review pass over every job script"))

    retired = [next(n for n in names if n.endswith("_job_005.py")), next(n for n in names if n.endswith("_job_005.tf"))]
    _git(glue, "rm", "-q", *retired)
    commits.append(_commit(glue, "retire risk_00_job_005"))
    changed.append(retired)
    return glue, commits, changed


def _state(glue: Path) -> tuple[str, str, str, list[str]]:
    """What a replay must not change in the user's clone: HEAD, status, refs, and the clone's .git entries."""
    return (_git(glue, "rev-parse", "HEAD"), _git(glue, "status", "--porcelain", "--untracked-files=all"),
            _git(glue, "for-each-ref"), sorted(p.name for p in (glue / ".git").iterdir()))


def _split(names: list[str]) -> dict:
    python = sum(n.endswith(".py") for n in names)
    terraform = sum(n.endswith(".tf") for n in names)
    return {"python": python, "terraform": terraform, "other": len(names) - python - terraform, "total": len(names)}


@pytest.fixture(scope="module")
def full_replay(history, tmp_path_factory):
    glue, commits, _ = history
    before = _state(glue)
    base = tmp_path_factory.mktemp("replay")
    work, out = base / "work", base / "replay.json"
    done = run_replay("--glue", str(glue), "--from", commits[0], "--to", commits[-1], "--workdir", str(work),
                      "--json", str(out), "--max-seconds", "120")
    return done, json.loads(out.read_text()) if out.exists() else None, work, before


def test_every_week_is_synced_counted_and_nothing_is_lost(history, full_replay):
    glue, commits, changed = history
    done, report, work, before = full_replay
    assert done.returncode == 0, done.stderr + done.stdout
    assert report["exit_code"] == 0
    assert report["init"]["commit"] == commits[0] and report["init"]["outcome"] == "migrated"
    weeks = report["weeks"]
    assert [w["commit"] for w in weeks] == commits[1:]
    assert [w["week"] for w in weeks] == [1, 2, 3, 4, 5]
    assert all(w["glue_commits"] == 1 for w in weeks)
    # The changed-file counts are the files each Glue commit changed.
    assert [w["files_changed"] for w in weeks] == [_split(names) for names in changed]
    assert weeks[0]["files_changed"]["python"] == 4 and weeks[1]["files_changed"]["terraform"] == 1
    # Every week the team added four lines (an edited file, two in a new file, one in the protected region), and
    # every line of every earlier week is still there after each sync.
    assert [w["lines_added"] for w in weeks] == [4, 8, 12, 16, 20]
    assert all(w["lines_kept"] == w["lines_added"] and w["lost"] == [] for w in weeks)
    assert {line["kind"] for line in report["databricks_lines"]} == {
        "edited converted file", "Databricks-only file", "protected region"}
    assert report["protected_region_file"]
    assert report["summary"]["lines_lost"] == 0 and report["summary"]["slow_weeks"] == []
    assert all(w["wall_s"] > 0 and w["cpu_s"] > 0 for w in weeks)
    assert all(w["sync"]["files_synced"] >= 1 and w["sync"]["snapshot"] for w in weeks)
    # The review pass overlaps the team's edits: a conflicted week, finished keeping the Databricks side, and the
    # following week syncs again.
    review = weeks[3]
    assert review["status"] == "conflicts" and review["conflicts"]
    assert review["outcome"].startswith(f"conflicts ({len({c['file'] for c in review['conflicts']})}):")
    assert set(review["finished_keeping_databricks"]) >= {c["file"] for c in review["conflicts"]}
    reasons = {c["file"]: c["reason"] for c in review["conflicts"]}
    assert "protected region" in reasons[report["protected_region_file"]]
    assert "the same lines" in reasons[weeks[3]["databricks_edits"]["edited"]]
    assert weeks[4]["status"] in ("merged", "conflicts")
    assert report["summary"]["conflicted_weeks"] == [w["week"] for w in weeks if w["conflicts"]]
    # The user's clone is as it was.
    assert _state(glue) == before


def test_the_added_lines_are_in_the_databricks_tree(full_replay):
    """Checked here without the script's own check: each line the team added is a line of the final tree."""
    _, report, work, _ = full_replay
    dbx = work / "databricks"
    tracked = set(_git(dbx, "ls-files").split("\n"))
    for line in report["databricks_lines"]:
        assert line["file"] in tracked, line
        assert line["line"] in (dbx / line["file"]).read_text().split("\n"), line
    assert _git(dbx, "status", "--porcelain") == ""
    assert not re.search(r"^(<<<<<<<|>>>>>>>)", "".join((dbx / n).read_text() for n in tracked if n.endswith(".py")),
                         re.MULTILINE)
    # Each week's Glue commit was snapshotted and merged into the branch (the conflicted week too, once finished).
    merged = _git(dbx, "log", "--merges", "--format=%s").splitlines()
    assert merged == [f"g2l sync: merge Glue {w['commit'][:12]} into main" for w in reversed(report["weeks"])]
    snapshots = _git(dbx, "log", "--first-parent", "--format=%s", "glue-upstream").splitlines()
    assert snapshots == [f"g2l snapshot of Glue {c[:12]}" for c in [w["commit"] for w in reversed(report["weeks"])]
                         + [report["init"]["commit"]]]


def test_the_table_shows_each_week(history, full_replay):
    _, commits, _ = history
    done, report, _, _ = full_replay
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["week", "commit", "commits"]
    for week in report["weeks"]:
        row = next(line for line in lines if line.split()[:2] == [str(week["week"]), week["short"]])
        assert f"{week['wall_s']:.2f}" in row and f"{week['lines_kept']}/{week['lines_added']}" in row
        assert week["outcome"].split(":")[0] in row
    assert lines[1].split()[:2] == ["0", commits[0][:12]]
    assert "5 syncs" in lines[-1] and "0 Databricks lines lost" in lines[-1]


def test_a_sync_slower_than_the_limit_exits_1_and_still_reports(history, tmp_path):
    """From a bare clone (a mirror is a common way to keep an estate), commits chosen by short and full id."""
    glue, commits, changed = history
    bare = tmp_path / "estate.git"
    _git(tmp_path, "clone", "-q", "--bare", str(glue), str(bare))
    before = _git(bare, "for-each-ref")
    out = tmp_path / "slow.json"
    done = run_replay("--glue", str(bare), "--commits", f"{commits[0][:10]},{commits[2]}", "--max-seconds", "0",
                      "--json", str(out))
    assert _git(bare, "for-each-ref") == before
    assert done.returncode == 1, done.stderr
    report = json.loads(out.read_text())
    assert report["exit_code"] == 1 and report["summary"]["slow_weeks"] == [1]
    (week,) = report["weeks"]
    assert week["commit"] == commits[2] and week["slow"] and week["status"] == "merged"
    assert week["files_changed"] == _split(sorted(set(changed[0] + changed[1])))
    assert "slower than --max-seconds" in done.stdout
    assert not Path(report["workdir"]).exists()     # no --workdir: a temporary folder, removed


def test_weeks_group_the_range(history):
    glue, commits, _ = history
    options = argparse.Namespace(glue=str(glue), start=commits[0], end=commits[-1], commits=None, weeks=2)
    plan = replay.plan(options)
    assert plan.snapshots == [commits[0], commits[3], commits[5]]
    assert plan.week_commits == [1, 3, 2]
    options.weeks = None
    assert replay.plan(options).snapshots == commits


def test_the_lost_line_check_finds_a_line_gone(tmp_path):
    dbx = tmp_path / "dbx"
    dbx.mkdir()
    _git(dbx, "init", "-q", "-b", "main")
    (dbx / "a.py").write_text("x = 1\n")
    (dbx / "b.py").write_text("y = 2\n")
    _commit(dbx, "files")
    team = replay.Team(dbx, seed=1)
    team._remember("a.py", "x = 1", 1, "edited converted file")
    team._remember("b.py", "y = 2", 1, "edited converted file")
    assert team.lost() == []
    (dbx / "c.py").write_text("x = 1\n")            # moved to another file: still in the tree
    (dbx / "a.py").unlink()
    _commit(dbx, "move")
    (dbx / "b.py").write_text("y = 3\n")
    assert [line["line"] for line in team.lost()] == ["y = 2"]


def test_conflict_blocks_keep_the_databricks_side():
    text = ("a\n<<<<<<< ours\nmine\n||||||| base\nold\n=======\ntheirs\n>>>>>>> glue-upstream\nb\n"
            "<<<<<<< ours\nmine 2\n=======\ntheirs 2\n>>>>>>> glue-upstream\n")
    assert replay._keep_ours(text) == "a\nmine\nb\nmine 2\n"


def test_a_line_is_inserted_with_the_files_own_line_ends():
    assert replay._insert("a\r\nb\r\n", 1, "x") == "a\r\nx\r\nb\r\n"
    assert replay._insert("a\nb", 2, "x") == "a\nb\nx"
    assert replay._insert("a\nb\n", 0, "x") == "x\na\nb\n"


def _bad_cases(glue: Path, commits: list[str], tmp: Path) -> list[tuple[list[str], str]]:
    plain = tmp / "plain"
    plain.mkdir()
    full = tmp / "full"
    full.mkdir()
    (full / "x.txt").write_text("x")
    return [
        (["--glue", str(plain), "--from", "HEAD"], "is not a git repository"),
        (["--glue", str(tmp / "missing"), "--from", "HEAD"], "no such folder"),
        (["--glue", str(glue / "glue"), "--from", "HEAD"], "is a folder inside the repository"),
        (["--glue", str(glue), "--from", "no-such-tag"], "unknown revision 'no-such-tag'"),
        (["--glue", str(glue), "--from", commits[2], "--to", commits[2]], "empty range"),
        (["--glue", str(glue), "--from", commits[3], "--to", commits[1]], "empty range"),
        (["--glue", str(glue), "--commits", commits[0]], "at least two commits"),
        (["--glue", str(glue), "--commits", f"{commits[0]},{commits[0]}"], "same commit"),
        (["--glue", str(glue)], "nothing to replay"),
        (["--glue", str(glue), "--to", commits[1]], "--to without --from"),
        (["--glue", str(glue), "--from", commits[0], "--commits", f"{commits[0]},{commits[1]}"], "both given"),
        (["--glue", str(glue), "--from", commits[0], "--workdir", str(full)], "is not empty"),
        (["--glue", str(glue), "--from", commits[0], "--workdir", str(glue / "replay")], "is inside the Glue clone"),
        (["--glue", str(glue), "--from", commits[0], "--weeks", "0"], "--weeks 0"),
        (["--glue", str(glue), "--from", commits[0], "--max-seconds", "-1"], "--max-seconds -1"),
        (["--glue", str(glue), "--from", commits[0], "--json", str(tmp / "no" / "r.json")], "does not exist"),
        (["--glue", str(glue), "--from", commits[0], "--weeks", "two"], "invalid int value"),
    ]


def test_bad_input_is_one_line_exit_2_and_nothing_written(history, tmp_path):
    glue, commits, _ = history
    before = _state(glue)
    for args, message in _bad_cases(glue, commits, tmp_path):
        done = run_replay(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, (args, done.stderr)
        assert done.stderr.startswith("replay: ") and done.stdout == ""
        assert _state(glue) == before, args
        assert not (glue / "replay").exists()
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["x.txt"]


def test_a_merge_off_the_first_parent_history_is_refused(tmp_path):
    glue = tmp_path / "glue"
    glue.mkdir()
    _git(glue, "init", "-q", "-b", "main")
    (glue / "job.py").write_text("x = 1\n")
    _commit(glue, "one")
    _git(glue, "checkout", "-q", "-b", "feature")
    (glue / "other.py").write_text("y = 1\n")
    side = _commit(glue, "side")
    _git(glue, "checkout", "-q", "main")
    (glue / "job.py").write_text("x = 2\n")
    _commit(glue, "two")
    _git(glue, "merge", "-q", "--no-edit", "feature")
    done = run_replay("--glue", str(glue), "--from", side)
    assert done.returncode == 2 and "is not on the first-parent history" in done.stderr, done.stderr
    shutil.rmtree(glue)


def test_a_partial_clone_is_refused_before_anything_is_fetched(history, tmp_path):
    """A clone made with --filter=blob:none lacks the contents the replay reads: one line, exit 2, nothing fetched."""
    glue, commits, _ = history
    source = tmp_path / "source"
    _git(tmp_path, "clone", "-q", str(glue), str(source))
    _git(source, "config", "uploadpack.allowFilter", "true")
    partial = tmp_path / "partial"
    _git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{source}", str(partial))
    before = _state(partial), _git(partial, "count-objects", "-v")
    done = run_replay("--glue", str(partial), "--commits", f"{commits[0]},{commits[1]}")
    assert done.returncode == 2 and "is a partial clone" in done.stderr and "without --filter" in done.stderr, \
        done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (_state(partial), _git(partial, "count-objects", "-v")) == before


GENERATE = ROOT / "scripts" / "generated_history.py"


def test_a_generated_history_is_seeded_and_replays(tmp_path):
    """scripts/generated_history.py: weeks of 3 to 15 changed scripts and definitions on a generated estate, the
    same trees for the same seed; the replay syncs every week of it without losing a Databricks line."""
    runs, histories = [], []
    for name in ("a", "b"):
        done = subprocess.run([sys.executable, str(GENERATE), str(tmp_path / name), "--files", "60", "--weeks", "2"],
                              capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        commits = done.stdout.strip().split(",")
        assert len(commits) == 3
        histories.append(commits)
        runs.append([_git(tmp_path / name, "rev-parse", f"{c}^{{tree}}").strip() for c in commits])
        for old, new in zip(commits, commits[1:]):
            changed = _git(tmp_path / name, "diff", "--name-only", old, new).split()
            assert 3 <= len(changed) <= 15 and all(p.endswith((".py", ".tf")) for p in changed), changed
    assert runs[0] == runs[1]
    done = run_replay("--glue", str(tmp_path / "a"), "--commits", ",".join(histories[0]), "--workdir", str(tmp_path / "w"),
                      "--max-seconds", "120", "--json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    weeks = json.loads((tmp_path / "r.json").read_text())["weeks"]
    assert [w["status"] for w in weeks] == ["merged", "merged"]
    assert all(w["lines_kept"] == w["lines_added"] > 0 for w in weeks)


def test_a_generated_history_can_keep_every_definition_in_one_module(tmp_path):
    done = subprocess.run([sys.executable, str(GENERATE), str(tmp_path / "one"), "--files", "60", "--weeks", "1",
                           "--jobs-per-module", "1000"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    folders = {p.rsplit("/", 1)[0] for p in _git(tmp_path / "one", "ls-files").split() if p.endswith(".tf")}
    assert len(folders) == 1 and len(_git(tmp_path / "one", "ls-files", "--", "*.tf").split()) > 20


@pytest.mark.parametrize("args, message", [
    (["--files", "5"], "--files 5: give at least 20"),
    (["--weeks", "0"], "--weeks 0: give at least 1"),
    (["--jobs-per-module", "0"], "--jobs-per-module 0: give at least 1"),
])
def test_a_generated_history_refuses_bad_input(tmp_path, args, message):
    done = subprocess.run([sys.executable, str(GENERATE), str(tmp_path / "x"), *args], capture_output=True, text=True)
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    done = subprocess.run([sys.executable, str(GENERATE), str(tmp_path / "full")], capture_output=True, text=True)
    assert done.returncode == 2 and "is not empty" in done.stderr
    assert (tmp_path / "full" / "f").read_text() == "x"
