"""Replay a Glue estate's git history through g2l, week by week, and time every sync.

    python scripts/replay.py --glue ~/src/some-glue-estate --from v1.0 --to main --weeks 12 --workdir /tmp/replay
    python scripts/replay.py --glue ~/src/some-glue-estate --commits 1a2b3c,4d5e6f,7a8b9c --json replay.json

The first snapshot is migrated with ``g2l init`` into a new Databricks repository; for each following week the
Databricks team edits its repository (an edited converted file, a new Databricks-only file, a line inside a protected
region; seeded, committed as a user commits), the Glue copy moves to the week's commit, and ``g2l sync`` runs as a
process in the Databricks repository, as a user runs it. Per week: wall and CPU seconds of the sync (the g2l process
and every process it starts), the Glue files changed that week (Python / Terraform / other, from git), the sync's
outcome (from ``g2l sync --json``) and whether every line the Databricks team added in earlier weeks is still in the
Databricks tree (as it was, or inside conflict markers). A conflicted week is finished as a team keeping its own side
would finish it (the Databricks side of each conflict block kept, committed) so that the next week can sync.

The user's clone is only read: the replay clones it into ``--workdir`` and works there.

Exit codes: 0 every week synced, nothing lost, each sync within --max-seconds; 1 a sync took longer than
--max-seconds (everything still printed); 2 bad input (one line saying what is wrong), nothing replayed;
3 a sync failed or lost a line the Databricks team had added.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import ROOT, _children_cpu, compiled  # noqa: E402  (bench puts the repository on sys.path)

EXIT_OK, EXIT_SLOW, EXIT_INPUT, EXIT_FAILED = 0, 1, 2, 3
MAX_WEEKS = 52          # without --weeks, a longer range is grouped into a year of weekly snapshots
TERRAFORM = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".hcl")
SOURCE_HEADER = "# SOURCE: GLUE"
END_MARKER = "# PROTECTED: END"
IDENTITY = {"GIT_AUTHOR_NAME": "Databricks team", "GIT_AUTHOR_EMAIL": "databricks-team@example.com",
            "GIT_COMMITTER_NAME": "Databricks team", "GIT_COMMITTER_EMAIL": "databricks-team@example.com"}


class InputError(Exception):
    """Bad input: what is wrong and how to fix it, one line."""


# ---------------------------------------------------------------- git
def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The replay's own git steps: no signing prompt or hook from the user's global configuration gets in the way
    (g2l's own git runs are left as the user's configuration makes them)."""
    done = subprocess.run(["git", "-c", "gc.autoDetach=false", "-c", "commit.gpgSign=false", "-c",
                           "core.hooksPath=/dev/null", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **IDENTITY})
    if check and done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} in {cwd} exited {done.returncode}: {done.stderr.strip()[-1000:]}")
    return done


def out(cwd: Path, *args: str) -> str:
    return git(cwd, *args).stdout.strip()


# ---------------------------------------------------------------- input
@dataclass
class Plan:
    glue: Path                      # the user's clone (only read)
    snapshots: list[str]            # full commit ids: the first is migrated, each other one is a week's sync
    week_commits: list[int]         # Glue commits each week brings (index 0: the migrated commit, 1)
    note: str = ""


def _resolve(glue: Path, rev: str) -> str:
    done = git(glue, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise InputError(f"unknown revision '{rev}' in {glue}: give a commit id, branch or tag of that repository "
                         f"(git -C {glue} log --oneline)")
    return done.stdout.strip()


def _group(commits: list[str], weeks: int) -> tuple[list[str], list[int]]:
    """Consecutive groups of nearly equal size, as many as ``weeks``: each group's last commit is its snapshot."""
    weeks = min(weeks, len(commits))
    size, extra = divmod(len(commits), weeks)
    snapshots, counts, at = [], [], 0
    for index in range(weeks):
        count = size + (1 if index < extra else 0)
        at += count
        snapshots.append(commits[at - 1])
        counts.append(count)
    return snapshots, counts


def plan(options: argparse.Namespace) -> Plan:
    glue = Path(options.glue).expanduser()
    if not glue.is_dir():
        raise InputError(f"--glue {glue}: no such folder: give the path of a clone of the Glue estate's repository")
    probe = git(glue, "rev-parse", "--is-bare-repository", check=False)
    if probe.returncode != 0:
        raise InputError(f"--glue {glue} is not a git repository: clone the Glue estate (git clone URL) and give "
                         f"the clone's folder")
    if probe.stdout.strip() == "false":
        top = out(glue, "rev-parse", "--show-toplevel")
        if Path(top).resolve() != glue.resolve():
            raise InputError(f"--glue {glue} is a folder inside the repository {top}: give the repository's top "
                             f"folder")
    elif Path(out(glue, "rev-parse", "--absolute-git-dir")).resolve() != glue.resolve():
        raise InputError(f"--glue {glue} is a folder inside a bare repository: give the repository's folder")
    if options.weeks is not None and options.weeks < 1:
        raise InputError(f"--weeks {options.weeks}: give a number of weeks of at least 1")
    ranged = options.start is not None or options.end is not None
    if ranged and options.commits:
        raise InputError("--commits and --from/--to both given: replay either a range or a list of commits")
    if not ranged and not options.commits:
        raise InputError("nothing to replay: give --from REV (and --to REV, default HEAD) or --commits A,B,C")
    if options.commits:
        revs = [rev.strip() for rev in options.commits.split(",") if rev.strip()]
        commits = [_resolve(glue, rev) for rev in revs]
        if len(commits) < 2:
            raise InputError("--commits needs at least two commits: the first is migrated, each other one synced")
        for before, after, name in zip(commits, commits[1:], revs[1:]):
            if before == after:
                raise InputError(f"--commits: '{name}' is the same commit as the one before it: list each week's "
                                 f"commit once")
        first, rest = commits[0], commits[1:]
    else:
        if options.start is None:
            raise InputError("--to without --from: give the commit to migrate first as --from REV")
        first = _resolve(glue, options.start)
        end = _resolve(glue, options.end or "HEAD")
        rest = out(glue, "rev-list", "--first-parent", "--reverse", f"{first}..{end}").split()
        if not rest:
            raise InputError(f"empty range {options.start}..{options.end or 'HEAD'}: --to must be a later commit "
                             f"than --from on the same history (git -C {glue} log --first-parent --oneline)")
        parent = git(glue, "rev-parse", "--verify", "--quiet", f"{rest[0]}^1", check=False).stdout.strip()
        if parent != first:
            raise InputError(f"--from {options.start} is not on the first-parent history of "
                             f"{options.end or 'HEAD'}: choose --from from git -C {glue} log --first-parent --oneline "
                             f"{options.end or 'HEAD'}")
    note = ""
    weeks = options.weeks
    if weeks is None and len(rest) > MAX_WEEKS:
        weeks = MAX_WEEKS
        note = f"{len(rest)} commits grouped into {MAX_WEEKS} weeks (--weeks N to choose)"
    snapshots, counts = _group(rest, weeks or len(rest))
    # A partial clone (--filter) lacks file contents that only its remote holds: listed without fetching them.
    listing = git(glue, "rev-list", "--objects", "--no-walk", "--missing=print", first, *snapshots).stdout
    missing = sum(1 for line in listing.splitlines() if line.startswith("?"))
    if missing:
        raise InputError(f"--glue {glue} is a partial clone: {missing} objects of the commits to replay are not in it "
                         f"(only its remote has them): clone the estate without --filter (git clone URL) and give "
                         f"that clone")
    return Plan(glue, [first, *snapshots], [1, *counts], note)


def prepare_workdir(options: argparse.Namespace, glue: Path) -> tuple[Path, bool]:
    """The replay's folder: the one given (new or empty, outside the Glue clone), or a new temporary one."""
    if options.workdir is None:
        return Path(tempfile.mkdtemp(prefix="g2l-replay-")), True
    work = Path(options.workdir).expanduser().resolve()
    if work.exists() and (not work.is_dir() or any(work.iterdir())):
        raise InputError(f"--workdir {work} is not empty (or not a folder): give a new or empty folder (the replay "
                         f"makes its Glue copy and its Databricks repository there)")
    repo_dir = Path(out(glue, "rev-parse", "--absolute-git-dir")).resolve()
    top = git(glue, "rev-parse", "--show-toplevel", check=False).stdout.strip()
    for inside in [repo_dir] + ([Path(top).resolve()] if top else []):
        if work == inside or inside in work.parents:
            raise InputError(f"--workdir {work} is inside the Glue clone {inside}: give a folder outside it (the "
                             f"clone is only read)")
    work.mkdir(parents=True, exist_ok=True)
    return work, False


# ---------------------------------------------------------------- the Databricks team's week
@dataclass
class Team:
    """The Databricks team's edits: seeded, one of each kind a week, every added line remembered."""

    dbx: Path
    seed: int
    protected: str | None = None
    added: list[dict] = field(default_factory=list)      # {"file", "line", "week", "kind"}

    def converted(self) -> list[str]:
        names = [n for n in out(self.dbx, "ls-files", "-z", "--", "*.py").split("\0") if n]
        result = []
        for name in names:
            try:
                with open(self.dbx / name, encoding="utf-8", errors="replace") as handle:
                    if handle.readline().startswith(SOURCE_HEADER):
                        result.append(name)
            except OSError:
                continue
        return result

    def protect(self, g2l: list[str], glue: Path) -> None:
        """Once, after the migration: a region around one top-level statement of a converted file (g2l protect),
        one the conversion kept as Glue wrote it (the job's own logic, not code the converter added)."""
        rng = random.Random(self.seed)
        for name in rng.sample(self.converted(), min(20, len(self.converted()))):
            try:
                original = {line.strip() for line in _read(glue / name).splitlines()}
            except OSError:
                continue
            lines = _read(self.dbx / name).splitlines()
            spans = [(start, end) for start, end in _statements(self.dbx / name, code=True)
                     if all(lines[i].strip() in original for i in range(start - 1, end))]
            if not spans:
                continue
            start, end = spans[rng.randrange(len(spans))]
            done = subprocess.run([*g2l, "protect", name, str(start), str(end)], cwd=self.dbx, capture_output=True,
                                  text=True, env=_env())
            if done.returncode == 0:
                self.protected = name
                return

    def edit(self, week: int) -> dict:
        rng = random.Random(self.seed * 1000 + week)
        edits = {}
        candidates = [n for n in self.converted() if n != self.protected]
        if candidates:
            name = rng.choice(sorted(candidates))
            text = _read(self.dbx / name)
            spans = _statements(self.dbx / name)
            line = f"# Databricks week {week}: partitions tuned for the cluster (replay {self.seed}-{week}-edit)"
            if spans:
                at = spans[rng.randrange(len(spans))][0] - 1      # before a top-level statement
            else:
                at = len(text.splitlines())                       # not Python 3: at the end
            (self.dbx / name).write_bytes(_insert(text, at, line).encode("utf-8", "surrogateescape"))
            self._remember(name, line, week, "edited converted file")
            edits["edited"] = name
        name = f"databricks_only/week_{week:03d}.py"
        while (self.dbx / name).exists():
            name = name[:-3] + "_dbx.py"
        body = [f"# Databricks-only feature of week {week} (replay {self.seed}-{week}-new)",
                "from pyspark.sql import functions as F", "", "",
                f"def feature_week_{week}(df):",
                f"    return df.withColumn(\"week_{week}\", F.lit({rng.randint(1, 999)}))  # replay {self.seed}-{week}"]
        (self.dbx / name).parent.mkdir(parents=True, exist_ok=True)
        (self.dbx / name).write_text("\n".join(body) + "\n")
        for text_line in body:
            if "replay" in text_line:
                self._remember(name, text_line, week, "Databricks-only file")
        edits["new"] = name
        if self.protected and (self.dbx / self.protected).exists():
            text = _read(self.dbx / self.protected)
            lines = text.splitlines()
            ends = [i for i, l in enumerate(lines) if l.lstrip().startswith(END_MARKER)]
            if ends:
                indent = lines[ends[0]][: len(lines[ends[0]]) - len(lines[ends[0]].lstrip())]
                line = f"{indent}# Databricks week {week}: kept as reviewed (replay {self.seed}-{week}-protected)"
                (self.dbx / self.protected).write_bytes(_insert(text, ends[0], line).encode("utf-8", "surrogateescape"))
                self._remember(self.protected, line, week, "protected region")
                edits["protected"] = self.protected
        git(self.dbx, "add", "-A")
        git(self.dbx, "commit", "-q", "-m", f"Databricks: week {week} changes (tuning, a new feature, a reviewed "
                                             f"region)")
        return edits

    def _remember(self, name: str, line: str, week: int, kind: str) -> None:
        self.added.append({"file": name, "line": line.rstrip("\r\n"), "week": week, "kind": kind})

    def lost(self) -> list[dict]:
        """The added lines no longer in the Databricks tree: not in their file, nor (after a rename) anywhere."""
        cache: dict[str, set[str]] = {}

        def lines_of(name: str) -> set[str]:
            if name not in cache:
                try:
                    cache[name] = {l.rstrip("\r") for l in _read(self.dbx / name).split("\n")}
                except OSError:
                    cache[name] = set()
            return cache[name]

        missing = [a for a in self.added if a["line"] not in lines_of(a["file"])]
        if not missing:
            return []
        everywhere: set[str] = set()
        for name in out(self.dbx, "ls-files", "-z").split("\0"):
            if name:
                everywhere |= lines_of(name)
        return [a for a in missing if a["line"] not in everywhere]


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "surrogateescape")


def _statements(path: Path, code: bool = False) -> list[tuple[int, int]]:
    """(first line, last line) of each top-level statement, decorators included; none if not Python 3. ``code``:
    only the job's own code (no imports, no docstrings), what a team protects."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return []
    spans = []
    for node in tree.body:
        if code and (isinstance(node, (ast.Import, ast.ImportFrom)) or
                     isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        spans.append((first, node.end_lineno or node.lineno))
    return spans


def _insert(text: str, index: int, line: str) -> str:
    """``line`` inserted as line ``index`` (0-based), with the file's own line ends; a file without a final newline
    keeps none."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    final = lines[-1] == ""
    if final:
        lines.pop()
    lines.insert(min(index, len(lines)), line)
    return newline.join(lines) + (newline if final else "")


def finish_conflicts(dbx: Path, reported: list[str]) -> list[str]:
    """A conflicted merge finished keeping the Databricks side of each conflict block (a file Glue deleted and
    Databricks edited stays), committed: the next week starts from a finished merge. ``reported``: the files the
    sync named, finished too if git does not list them as unmerged."""
    unmerged = [n for n in out(dbx, "diff", "--name-only", "--diff-filter=U", "-z").split("\0") if n]
    names = sorted(set(unmerged) | set(reported))
    for name in names:
        path = dbx / name
        if path.exists():
            path.write_bytes(_keep_ours(_read(path)).encode("utf-8", "surrogateescape"))
            git(dbx, "add", "--", name)
        elif name in unmerged:
            git(dbx, "rm", "-q", "--cached", "--", name)
    merging = git(dbx, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode == 0
    if merging or git(dbx, "diff", "--cached", "--quiet", check=False).returncode != 0:
        git(dbx, "commit", "-q", *(["--no-edit"] if merging else ["-m", "Finish the sync"]))
    return names


def _keep_ours(text: str) -> str:
    kept, state = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<<"):
            state = "ours"
        elif state and line.startswith("|||||||"):
            state = "base"
        elif state and line.startswith("======="):
            state = "theirs"
        elif state and line.startswith(">>>>>>>"):
            state = None
        elif state in (None, "ours"):
            kept.append(line)
    return "".join(kept)


# ---------------------------------------------------------------- measuring
def _env() -> dict:
    return {**os.environ, **IDENTITY, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}


def timed(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds, CPU seconds (the process and every process it waited for), the finished process."""
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - start
    return wall, _children_cpu() - before, done


def changed_files(glue: Path, old: str, new: str) -> dict:
    names = [n for n in out(glue, "diff", "--name-only", "--no-renames", "-z", old, new).split("\0") if n]
    python = sum(1 for n in names if n.endswith(".py"))
    terraform = sum(1 for n in names if n.endswith(TERRAFORM))
    return {"python": python, "terraform": terraform, "other": len(names) - python - terraform, "total": len(names)}


def _result(done: subprocess.CompletedProcess) -> dict:
    try:
        return json.loads(done.stdout)
    except ValueError:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return {"status": "error", "errors": [lines[-1] if lines else f"exited {done.returncode}"], "conflicts": []}


def outcome(result: dict) -> str:
    status = result.get("status")
    if status == "merged":
        return "clean"
    if status == "up-to-date":
        return "up to date"
    if result.get("conflicts"):
        files = sorted({c.get("file", "?") for c in result["conflicts"]})
        return f"conflicts ({len(files)}): " + ", ".join(files)
    return "error: " + "; ".join(result.get("errors") or [str(status)])


def replay(work_plan: Plan, work: Path, seed: int, max_seconds: float, progress) -> dict:
    compiled()      # an installed g2l has its bytecode; a source checkout gets it once here, not in the first sync
    g2l = [sys.executable, "-m", "glue2lakehouse"]
    glue_copy, dbx = work / "glue", work / "databricks"
    git(work, "clone", "-q", "--no-checkout", str(work_plan.glue.resolve()), str(glue_copy))
    for commit in work_plan.snapshots:
        if git(glue_copy, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode != 0:
            git(glue_copy, "fetch", "-q", "origin", commit)
    dbx.mkdir()
    git(dbx, "init", "-q", "-b", "main")
    for key, value in (("user.name", IDENTITY["GIT_AUTHOR_NAME"]), ("user.email", IDENTITY["GIT_AUTHOR_EMAIL"])):
        git(dbx, "config", key, value)

    first = work_plan.snapshots[0]
    git(glue_copy, "checkout", "-q", "--detach", first)
    wall, cpu, done = timed([*g2l, "init", "--glue", str(glue_copy), "--json", "--quiet"], dbx)
    result = _result(done)
    files = len([n for n in out(glue_copy, "ls-files", "-z").split("\0") if n])
    report: dict = {"glue": str(work_plan.glue.resolve()), "workdir": str(work), "seed": seed,
                    "max_seconds": max_seconds, "note": work_plan.note,
                    "init": {"commit": first, "short": first[:12], "files": files, "wall_s": round(wall, 3),
                             "cpu_s": round(cpu, 3), "exit_code": done.returncode,
                             "outcome": "migrated" if done.returncode == 0 else outcome(result)},
                    "weeks": []}
    progress(row_init(report["init"]))
    if done.returncode != 0:
        report["failed"] = f"g2l init failed: {report['init']['outcome']}"
        return report
    team = Team(dbx, seed)
    team.protect(g2l, glue_copy)
    report["protected_region_file"] = team.protected
    for week, (previous, commit, count) in enumerate(
            zip(work_plan.snapshots, work_plan.snapshots[1:], work_plan.week_commits[1:]), start=1):
        edits = team.edit(week)
        git(glue_copy, "checkout", "-q", "--detach", commit)
        wall, cpu, done = timed([*g2l, "sync", "--json", "--quiet"], dbx)
        result = _result(done)
        lost = team.lost()
        row = {"week": week, "commit": commit, "short": commit[:12], "glue_commits": count,
               "files_changed": changed_files(glue_copy, previous, commit), "wall_s": round(wall, 3),
               "cpu_s": round(cpu, 3), "exit_code": done.returncode, "status": result.get("status"),
               "outcome": outcome(result), "conflicts": [{"file": c.get("file"), "reason": c.get("reason")}
                                                         for c in result.get("conflicts") or []],
               "lines_added": len(team.added), "lines_kept": len(team.added) - len(lost), "lost": lost,
               "databricks_edits": edits, "slow": wall > max_seconds,
               "sync": {key: result.get(key) for key in ("files_synced", "glue_changes_applied",
                                                         "databricks_code_preserved", "snapshot", "merge_commit")}}
        report["weeks"].append(row)
        progress(row_week(row))
        if done.returncode == 1 and result.get("conflicts"):
            row["finished_keeping_databricks"] = finish_conflicts(dbx, [c["file"] for c in row["conflicts"]])
        elif done.returncode != 0:
            report["failed"] = f"week {week}: g2l sync exited {done.returncode}: {row['outcome']}"
            break
    report["databricks_lines"] = team.added
    return report


# ---------------------------------------------------------------- output
HEADER = ("week", "commit", "commits", "files changed (py/tf/other)", "wall s", "CPU s", "lines kept", "outcome")
WIDTHS = (4, 12, 7, 27, 7, 7, 10, 0)


def _line(cells) -> str:
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, WIDTHS)).rstrip()


def row_init(init: dict) -> str:
    return _line(("0", init["short"], "1", f"{init['files']} files (init)", f"{init['wall_s']:.2f}",
                  f"{init['cpu_s']:.2f}", "-", init["outcome"]))


def row_week(row: dict) -> str:
    f = row["files_changed"]
    flag = " (slower than --max-seconds)" if row["slow"] else ""
    return _line((row["week"], row["short"], row["glue_commits"],
                  f"{f['total']} ({f['python']}/{f['terraform']}/{f['other']})", f"{row['wall_s']:.2f}",
                  f"{row['cpu_s']:.2f}", f"{row['lines_kept']}/{row['lines_added']}", row["outcome"] + flag))


def summarise(report: dict) -> int:
    weeks = report["weeks"]
    walls = sorted(w["wall_s"] for w in weeks)
    lost = sum(len(w["lost"]) for w in weeks)
    slow = [w["week"] for w in weeks if w["slow"]]
    report["summary"] = {"weeks": len(weeks), "max_wall_s": walls[-1] if walls else None,
                         "median_wall_s": walls[len(walls) // 2] if walls else None,
                         "total_cpu_s": round(sum(w["cpu_s"] for w in weeks), 3),
                         "conflicted_weeks": [w["week"] for w in weeks if w["conflicts"]],
                         "slow_weeks": slow, "lines_lost": lost}
    if report.get("failed") or lost:
        code = EXIT_FAILED
    elif slow:
        code = EXIT_SLOW
    else:
        code = EXIT_OK
    report["exit_code"] = code
    return code


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        print(f"replay: {message}: see python scripts/replay.py --help", file=sys.stderr)
        sys.exit(EXIT_INPUT)


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                    epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--glue", required=True, help="a clone of the Glue estate's git repository (only read)")
    parser.add_argument("--from", dest="start", metavar="REV", help="the commit migrated first")
    parser.add_argument("--to", dest="end", metavar="REV", help="the last commit (default HEAD); the commits between "
                                                                "are walked along the first-parent history")
    parser.add_argument("--commits", metavar="A,B,C", help="the commits to replay, in order (instead of a range)")
    parser.add_argument("--weeks", type=int, metavar="N",
                        help="group the commits after the first into N weekly snapshots (default: one a commit, "
                             f"at most {MAX_WEEKS})")
    parser.add_argument("--workdir", metavar="DIR", help="a new or empty folder for the replay's Glue copy and "
                                                         "Databricks repository (kept); default a temporary folder, "
                                                         "removed at the end")
    parser.add_argument("--json", dest="json_out", metavar="FILE", help="write the figures as JSON to this file")
    parser.add_argument("--max-seconds", type=float, default=1.0, metavar="S",
                        help="the most wall seconds a sync may take (default 1.0)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the Databricks team's edits (default 7)")
    options = parser.parse_args(argv)
    try:
        if options.max_seconds < 0:
            raise InputError(f"--max-seconds {options.max_seconds}: give a number of seconds of 0 or more")
        if options.json_out and not Path(options.json_out).expanduser().resolve().parent.is_dir():
            raise InputError(f"--json {options.json_out}: its folder does not exist: create it or give another file")
        work_plan = plan(options)
        work, temporary = prepare_workdir(options, work_plan.glue)
    except InputError as error:
        print(f"replay: {error}", file=sys.stderr)
        return EXIT_INPUT
    if work_plan.note:
        print(f"note: {work_plan.note}", file=sys.stderr)
    print(_line(HEADER), flush=True)
    try:
        report = replay(work_plan, work, options.seed, options.max_seconds, lambda line: print(line, flush=True))
    except RuntimeError as error:      # a git step of the replay itself failed
        print(f"replay: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)
    code = summarise(report)
    s = report["summary"]
    if s["weeks"]:
        print(f"{s['weeks']} syncs: slowest {s['max_wall_s']:.2f} s wall, median {s['median_wall_s']:.2f} s, "
              f"{s['total_cpu_s']:.2f} s CPU in all; limit {options.max_seconds:g} s; "
              f"{len(s['conflicted_weeks'])} conflicted; {s['lines_lost']} Databricks lines lost")
    if report.get("failed"):
        print(f"replay: {report['failed']}", file=sys.stderr)
    if options.json_out:
        Path(options.json_out).expanduser().write_text(json.dumps(report, indent=1) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
