"""g2l check: conflict markers, PROTECTED markers, native headers; on its own and through pre-commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .helpers import g2l, git, glue_repo, new_repo, package_copy, write

JOB = "from awsglue.context import GlueContext\n\nx = 1\ny = 2\nz = 3\n"


@pytest.fixture
def repo(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": JOB, "other.py": "a = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    write(dbx, "process_d.py", "def d():\n    return 1\n")
    assert g2l(dbx, "native", "process_d.py").returncode == 0
    return dbx


def _break_things(dbx: Path) -> None:
    text = (dbx / "job.py").read_text()
    write(dbx, "job.py", text.replace("y = 2\n", "<<<<<<< HEAD\ny = 2\n||||||| base\ny = 0\n=======\ny = 3\n>>>>>>> glue\n"))
    write(dbx, "other.py", "a = 1\n# PROTECTED: START - DO NOT OVERWRITE\nb = 2\n")
    write(dbx, "process_d.py", "def d():\n    return 1\n")  # header gone
    write(dbx, "notes.md", "Title\n=======\n")  # a heading underline is not a marker
    git(dbx, "add", "-A")


def test_check_names_every_problem_with_file_and_line(repo):
    clean = g2l(repo, "check")
    assert clean.returncode == 0, clean.stdout
    _break_things(repo)
    run = g2l(repo, "check")
    assert run.returncode == 1
    lines = (ROOT / "fixtures" / "review" / "check_expected.txt").read_text().splitlines()
    assert run.stdout.splitlines() == lines
    only = g2l(repo, "check", "other.py")
    assert only.returncode == 1 and only.stdout.splitlines() == [l for l in lines if l.startswith("other.py")]


def test_check_runs_through_pre_commit(repo, tmp_path):
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit, "pre-commit is in the test extra: pip install -e '.[test]'"
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    # This checkout as a hooks repository, committed as it is now (pre-commit installs it from a commit).
    hooks = package_copy(tmp_path / "hooks")
    rev = git(hooks, "rev-parse", "HEAD").strip()
    write(repo, ".pre-commit-config.yaml",
          f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: g2l-check\n")
    git(repo, "add", ".pre-commit-config.yaml")

    def run_hook():
        return subprocess.run([pre_commit, "run", "--all-files"], cwd=repo, capture_output=True, text=True, env=env)

    ok = run_hook()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    _break_things(repo)
    failed = run_hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    for line in (ROOT / "fixtures" / "review" / "check_expected.txt").read_text().splitlines():
        assert line in failed.stdout
