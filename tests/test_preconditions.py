"""Each precondition is one clear line on stderr, exit code 2, and nothing changed."""

from __future__ import annotations

import pytest

from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo, snapshot_state, write


@pytest.fixture
def pair(tmp_path):
    glue = glue_repo(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    edit(glue, "a.py", "x = 1", "x = 2")
    commit_all(glue)
    return glue, dbx


def _fails(repo, *args, expect: str):
    before = snapshot_state(repo) if (repo / ".git").exists() else None
    result = g2l(repo, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("g2l: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert expect in result.stderr, result.stderr
    if before is not None:
        assert snapshot_state(repo) == before
    return result.stderr


def test_not_a_git_repo(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    _fails(folder, "sync", expect="is not a git repository")
    _fails(folder, "status", expect="is not a git repository")


def test_not_initialised(tmp_path):
    repo = new_repo(tmp_path / "r")
    write(repo, "x.txt", "x\n")
    commit_all(repo)
    _fails(repo, "sync", expect="not initialised")
    _fails(repo, "native", "x.txt", expect="not initialised")
    _fails(repo, "protect", "x.txt", "1", "1", expect="not initialised")


def test_uncommitted_changes(pair):
    glue, dbx = pair
    write(dbx, "b.py", "changed\n")
    _fails(dbx, "sync", expect="uncommitted changes to tracked files (b.py)")


def test_merge_in_progress(pair):
    glue, dbx = pair
    git(dbx, "checkout", "-q", "-b", "other")
    write(dbx, "b.py", "# SOURCE: GLUE\ny = 2\n")
    commit_all(dbx)
    git(dbx, "checkout", "-q", "main")
    write(dbx, "b.py", "# SOURCE: GLUE\ny = 3\n")
    commit_all(dbx)
    git(dbx, "merge", "other", check=False)
    _fails(dbx, "sync", expect="a merge is in progress")


def test_detached_head(pair):
    glue, dbx = pair
    git(dbx, "checkout", "-q", "--detach")
    _fails(dbx, "sync", expect="HEAD is detached")


def test_glue_source_missing(pair, tmp_path):
    glue, dbx = pair
    _fails(dbx, "sync", "--glue", str(tmp_path / "nowhere"), expect="does not exist")


def test_glue_ref_missing(pair):
    glue, dbx = pair
    edit(dbx, ".g2l.toml", 'ref = "HEAD"', 'ref = "no-such-branch"')
    commit_all(dbx)
    _fails(dbx, "sync", expect="has no commit 'no-such-branch'")


@pytest.mark.parametrize("text, expect", [
    ("[glue\nsource = 1", "is not valid TOML"),
    ('[glue]\nsource = "../glue"\n[sync]\nprotected_overlap = "sometimes"\n', "is not a known mode"),
    ('[glue]\nsource = "../glue"\n[extra]\n', "unknown table [extra]"),
    ('[transform]\ncatalog = "x"\n', "[glue] has no 'source'"),
])
def test_bad_config(pair, text, expect):
    glue, dbx = pair
    write(dbx, ".g2l.toml", text)
    commit_all(dbx)
    _fails(dbx, "sync", expect=expect)


def test_bad_branch_name(pair):
    glue, dbx = pair
    _fails(dbx, "sync", "--branch", "bad..name", expect="is not a valid branch name")


def test_native_path_outside_or_missing(pair, tmp_path):
    glue, dbx = pair
    _fails(dbx, "native", "missing.py", expect="does not exist")
    outside = tmp_path / "outside.py"
    outside.write_text("x\n")
    _fails(dbx, "native", str(outside), expect="outside the Databricks repository")


def test_old_git_is_refused(pair, tmp_path, monkeypatch):
    glue, dbx = pair
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text("#!/bin/sh\necho 'git version 2.30.1'\n")
    (fake / "git").chmod(0o755)
    import os
    import subprocess
    import sys

    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    result = subprocess.run([sys.executable, "-m", "glue2lakehouse", "sync"], cwd=dbx, capture_output=True,
                            text=True, env=env)
    assert result.returncode == 2
    assert "git 2.30 is too old" in result.stderr and result.stderr.count("\n") == 1


def test_untracked_file_in_the_way_leaves_everything_as_it_was(pair):
    glue, dbx = pair
    write(glue, "new.py", "n = 1\n")
    commit_all(glue)
    write(dbx, "new.py", "my local scratch\n")
    before = snapshot_state(dbx)
    result = g2l(dbx, "sync")
    assert result.returncode == 2 and "untracked files are in the way of the sync: new.py" in result.stderr, result.stderr
    assert snapshot_state(dbx) == before
