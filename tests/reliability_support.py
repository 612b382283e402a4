"""Real repositories for the reliability tests: a Glue estate of many jobs, a Databricks repo synced from it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .helpers import commit_all, g2l, git, new_repo, write

JOB = '''import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["run_date"])
glueContext = GlueContext(SparkContext.getOrCreate())
frame = glueContext.create_dynamic_frame.from_catalog(database="risk_db", table_name="positions_{i}")
df = frame.toDF()
limit = {v}
df = df.filter(df["amount"] > limit)
df.write.mode("overwrite").saveAsTable("risk_db.out_{i}")
'''

DBX_LINE = "# Databricks team: tuned partitioning for job {i}\n"


def estate(tmp: Path, jobs: int = 40) -> tuple[Path, Path]:
    """A Glue repo of ``jobs`` jobs, a Databricks repo initialised from it with Databricks edits, and a
    Glue commit changing every job that the next sync brings in."""
    glue = new_repo(tmp / "glue")
    for i in range(jobs):
        write(glue, f"jobs{i % 4}/job_{i}.py", JOB.format(i=i, v=1))
    commit_all(glue, "glue v1")
    dbx = new_repo(tmp / "dbx")
    result = g2l(dbx, "init", "--glue", str(glue), "--workers", "1")
    assert result.returncode == 0, result.stderr
    for i in range(0, jobs, 5):  # Databricks edits on every fifth job, away from the lines Glue changes
        path = dbx / f"jobs{i % 4}/job_{i}.py"
        path.write_text(path.read_text() + DBX_LINE.format(i=i))
    write(dbx, "process_d.py", "# Databricks only\nprint('process d')\n")
    commit_all(dbx, "databricks work")
    for i in range(jobs):
        write(glue, f"jobs{i % 4}/job_{i}.py", JOB.format(i=i, v=2))
    commit_all(glue, "glue v2")
    return glue, dbx


def copy_repo(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def databricks_lines(repo: Path, jobs: int) -> list[str]:
    """The Databricks-only lines that every sync must keep."""
    return [DBX_LINE.format(i=i) for i in range(0, jobs, 5)] + ["print('process d')\n"]


def lost_lines(repo: Path, jobs: int) -> list[str]:
    lost = []
    for i in range(0, jobs, 5):
        text = git(repo, "show", f"HEAD:jobs{i % 4}/job_{i}.py", check=False)
        if DBX_LINE.format(i=i) not in text:
            lost.append(f"jobs{i % 4}/job_{i}.py")
    if "print('process d')" not in git(repo, "show", "HEAD:process_d.py", check=False):
        lost.append("process_d.py")
    return lost


def merges_of(repo: Path, glue_commit: str) -> list[str]:
    """Merge commits on the current branch's history that merged the snapshot of ``glue_commit``."""
    out = git(repo, "log", "--merges", "--format=%H%x00%B%x01", "HEAD")
    found = []
    for record in out.split("\x01"):
        oid, _, body = record.strip().partition("\x00")
        if oid and f"Glue-Commit: {glue_commit}" in body:
            found.append(oid)
    return found


def consistent(repo: Path) -> list[str]:
    """What is wrong with the repository as git sees it (empty when fsck, the index and the work tree agree)."""
    problems = []
    fsck = subprocess.run(["git", "fsck", "--no-progress", "--no-dangling"], cwd=repo, capture_output=True, text=True)
    if fsck.returncode != 0:
        problems.append("fsck: " + (fsck.stderr or fsck.stdout).strip())
    for name in ("index.lock", "g2l.lock", "g2l-journal.json"):
        if (repo / ".git" / name).exists():
            problems.append(f".git/{name} left behind")
    locks = [str(p) for p in (repo / ".git" / "refs").rglob("*.lock")]
    if locks:
        problems.append(f"ref locks left: {locks}")
    status = git(repo, "status", "--porcelain=v1", "--untracked-files=all")
    if status.strip():
        problems.append("work tree differs from HEAD: " + status.strip().replace("\n", "; ")[:300])
    return problems


def head_tree(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD^{tree}").strip()


def run_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(extra)
    return env


def g2l_popen(repo: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "glue2lakehouse", *args], cwd=repo, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60.0) -> str:
    """Wait until the process announces a pause point in ``path`` (returns the event) or exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            text = path.read_text()
            if text.endswith("\n"):
                return text.split()[0]
        if proc.poll() is not None:
            return ""
        time.sleep(0.01)
    raise AssertionError("the g2l process never reached its pause point")


def load_json(text: str) -> dict:
    return json.loads(text)
