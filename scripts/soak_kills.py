"""Soak test: kill g2l syncs (SIGKILL) hundreds of times at every step, then check nothing was lost.

Each round copies a prepared Databricks repository, starts ``g2l sync`` in its own process group and kills
the whole group (g2l and the git it runs) either exactly at a pause point (``G2L_TEST_PAUSE_AT``: lock,
object, journal, ref, index, worktree) or a random 1-150 ms after it, so that the kill also lands inside git
commands (ref transactions, index writes, checkouts). Then:

- ``git fsck`` must accept the repository;
- the next ``g2l sync`` must succeed and leave exactly what an uninterrupted sync leaves (same tree, one merge
  of the snapshot, clean work tree, no lock files), or, for the conflicting estate, the same conflicts;
- every Databricks-only line must still be there.

    python scripts/soak_kills.py --kills 240 [--jobs 24] [--json result.json]

Exit code 0 when every round was consistent, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EVENTS = ["lock", "object", "journal", "ref", "index", "worktree"]
COMBINATIONS = [(kind, event, jitter) for kind in ("clean", "conflicting") for event in EVENTS for jitter in (False, True)]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability_support import DBX_LINE, JOB, merges_of  # noqa: E402  (the estate the tests use)

ENV = {**os.environ, "GIT_AUTHOR_NAME": "Soak", "GIT_AUTHOR_EMAIL": "soak@example.com",
       "GIT_COMMITTER_NAME": "Soak", "GIT_COMMITTER_EMAIL": "soak@example.com"}


def git(repo: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=ENV)
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr}")
    return result.stdout


def g2l(repo: Path, *args: str, env: dict | None = None, group: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "glue2lakehouse", *args], cwd=repo, env=env or ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=group)


def run(repo: Path, *args: str) -> tuple[int, str, str]:
    proc = g2l(repo, *args)
    out, err = proc.communicate()
    return proc.returncode, out, err


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=Soak", "-c", "user.email=soak@example.com", "commit", "-q", "-m", message)


def prepare(root: Path, jobs: int) -> dict:
    glue = root / "glue"
    glue.mkdir()
    git(glue, "init", "-q", "-b", "main")
    for i in range(jobs):
        (glue / f"jobs{i % 4}").mkdir(exist_ok=True)
        (glue / f"jobs{i % 4}/job_{i}.py").write_text(JOB.format(i=i, v=1))
    commit_all(glue, "glue v1")
    dbx = root / "dbx"
    dbx.mkdir()
    git(dbx, "init", "-q", "-b", "main")
    git(dbx, "config", "user.name", "Soak")
    git(dbx, "config", "user.email", "soak@example.com")
    code, out, err = run(dbx, "init", "--glue", str(glue), "--workers", "1")
    assert code == 0, err
    for i in range(0, jobs, 5):
        path = dbx / f"jobs{i % 4}/job_{i}.py"
        path.write_text(path.read_text() + DBX_LINE.format(i=i))
    (dbx / "process_d.py").write_text("# Databricks only\nprint('process d')\n")
    commit_all(dbx, "databricks work")
    conflicting = root / "dbx-conflicting"
    shutil.copytree(dbx, conflicting, symlinks=True)
    path = conflicting / "jobs1/job_1.py"
    path.write_text(path.read_text().replace("limit = 1", "limit = 100"))
    commit_all(conflicting, "databricks raises a limit")
    for i in range(jobs):
        (glue / f"jobs{i % 4}/job_{i}.py").write_text(JOB.format(i=i, v=2))
    (glue / "jobs0/new_job.py").write_text(JOB.format(i="new", v=7))
    (glue / f"jobs{(jobs - 1) % 4}/job_{jobs - 1}.py").unlink()
    commit_all(glue, "glue v2")
    expected = {}
    for name, template in (("clean", dbx), ("conflicting", conflicting)):
        reference = root / f"reference-{name}"
        shutil.copytree(template, reference, symlinks=True)
        start = time.monotonic()
        code, out, err = run(reference, "sync", "--glue", str(glue), "--workers", "1")
        expected[name] = {"template": template, "code": code, "seconds": time.monotonic() - start,
                          "tree": git(reference, "rev-parse", "HEAD^{tree}").strip(),
                          "status": git(reference, "status", "--porcelain"),
                          "unmerged": git(reference, "diff", "--name-only", "--diff-filter=U")}
    return {"glue": glue, "jobs": jobs, "expected": expected,
            "glue_commit": git(glue, "rev-parse", "HEAD").strip()}


def lost_lines(repo: Path, jobs: int) -> list[str]:
    lost = []
    for i in range(0, jobs, 5):
        path = f"jobs{i % 4}/job_{i}.py"
        if DBX_LINE.format(i=i) not in (repo / path).read_text(errors="replace"):
            lost.append(path)
    if "print('process d')" not in (repo / "process_d.py").read_text():
        lost.append("process_d.py")
    return lost


def check(repo: Path, setup: dict, kind: str) -> list[str]:
    problems = []
    fsck = subprocess.run(["git", "fsck", "--no-progress", "--no-dangling"], cwd=repo, capture_output=True, text=True)
    if fsck.returncode != 0:
        problems.append("fsck after the kill: " + fsck.stderr.strip()[:300])
    code, out, err = run(repo, "sync", "--glue", str(setup["glue"]), "--workers", "1")
    if "Traceback" in err:
        problems.append("traceback: " + err.strip()[-300:])
    expected = setup["expected"][kind]
    if kind == "clean":
        if code != 0:
            problems.append(f"rerun exit {code}: {err.strip()}")
        if git(repo, "rev-parse", "HEAD^{tree}").strip() != expected["tree"]:
            problems.append("the tree differs from an uninterrupted sync's")
        merged = len(merges_of(repo, setup["glue_commit"]))
        if merged != 1:
            problems.append(f"the snapshot is merged {merged} times")
    else:
        finished = code == 2 and "a merge is in progress" in err  # the killed run had finished its last step
        if code != 1 and not finished:
            problems.append(f"rerun exit {code}: {err.strip()}")
        if git(repo, "diff", "--name-only", "--diff-filter=U") != expected["unmerged"]:
            problems.append("the conflicts differ from an uninterrupted sync's")
    status = git(repo, "status", "--porcelain")
    if status != expected["status"]:
        extra = sorted(set(status.splitlines()) ^ set(expected["status"].splitlines()))
        problems.append("git status differs from an uninterrupted sync's: " + "; ".join(extra)[:300])
    for name in ("g2l.lock", "g2l-journal.json", "index.lock"):
        if (repo / ".git" / name).exists():
            problems.append(f".git/{name} left behind")
    if any((repo / ".git" / "refs").rglob("*.lock")):
        problems.append("ref lock files left behind")
    fsck = subprocess.run(["git", "fsck", "--no-progress", "--no-dangling"], cwd=repo, capture_output=True, text=True)
    if fsck.returncode != 0:
        problems.append("fsck after the rerun: " + fsck.stderr.strip()[:300])
    lost = lost_lines(repo, setup["jobs"])
    return problems, lost


def one_round(root: Path, setup: dict, number: int, rng: random.Random) -> dict:
    kind, event, jitter = COMBINATIONS[number % len(COMBINATIONS)]
    delay = rng.uniform(0.001, 0.15) if jitter else 0.0
    repo = root / f"round-{number}"
    shutil.copytree(setup["expected"][kind]["template"], repo, symlinks=True)
    marker = root / f"marker-{number}"
    env = {**ENV, "G2L_TEST_PAUSE_AT": event, "G2L_TEST_PAUSE_FILE": str(marker)}
    proc = g2l(repo, "sync", "--glue", str(setup["glue"]), "--workers", "1", env=env, group=True)
    reached = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if marker.exists() and marker.read_text().endswith("\n"):
            reached = True
            break
        time.sleep(0.005)
    if reached and delay:
        marker.unlink()  # let it go on, then kill it (and its git) a moment later, wherever it is
        time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    problems, lost = check(repo, setup, kind)
    shutil.rmtree(repo, ignore_errors=True)
    marker.unlink(missing_ok=True)
    return {"round": number, "kind": kind, "event": event, "delay_ms": round(delay * 1000, 1), "killed": killed,
            "reached": reached, "problems": problems, "lost": lost}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=240)
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="g2l-soak-") as tmp:
        root = Path(tmp)
        setup = prepare(root, options.jobs)
        rounds = []
        for number in range(options.kills):
            rounds.append(one_round(root, setup, number, rng))
            done = rounds[-1]
            if done["problems"] or done["lost"]:
                print(f"round {number}: {done}", flush=True)
            if (number + 1) % 20 == 0:
                bad = sum(1 for r in rounds if r["problems"] or r["lost"])
                print(f"{number + 1} rounds, {sum(r['killed'] for r in rounds)} kills, {bad} inconsistent so far",
                      flush=True)
    kills = [r for r in rounds if r["killed"]]
    by_step: dict[str, int] = {}
    for r in kills:
        key = f"{r['kind']}:{r['event']}" + ("+jitter" if r["delay_ms"] else "")
        by_step[key] = by_step.get(key, 0) + 1
    summary = {
        "rounds": len(rounds), "kills": len(kills), "kills_by_step": dict(sorted(by_step.items())),
        "inconsistent": sum(1 for r in rounds if r["problems"]),
        "databricks_lines_lost": sum(len(r["lost"]) for r in rounds),
        "seconds": round(time.monotonic() - started, 1), "jobs": options.jobs,
        "failures": [r for r in rounds if r["problems"] or r["lost"]],
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, indent=1))
    if options.json:
        options.json.write_text(json.dumps(summary, indent=1))
    return 0 if not summary["failures"] and summary["kills"] else 1


if __name__ == "__main__":
    sys.exit(main())
