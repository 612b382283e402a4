"""Glue repositories as they are in the wild: partial clones (promised blobs) and missing objects."""

from __future__ import annotations

import os

from .helpers import commit_all, g2l, git, new_repo, write
from .reliability_support import consistent

BIG = bytes(range(256)) * 800  # a 200 kB binary file, as the estates' jars and zips


def _served(tmp_path):
    """A Glue repo with a binary blob, pushed to a bare repository that serves partial clones."""
    glue = new_repo(tmp_path / "glue-origin")
    write(glue, "jobs/daily.py", "x = 1\n")
    write(glue, "libs/deps.zip", BIG)
    commit_all(glue, "glue")
    bare = tmp_path / "glue.git"
    git(tmp_path, "clone", "-q", "--bare", str(glue), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    git(bare, "config", "uploadpack.allowAnySHA1InWant", "true")
    return glue, bare


def _missing_blobs(repo):
    out = git(repo, "rev-list", "--objects", "--missing=print", "--all")
    return [line[1:] for line in out.splitlines() if line.startswith("?")]


def test_partial_clone_blobs_are_fetched_on_demand(tmp_path):
    glue, bare = _served(tmp_path)
    clone = tmp_path / "glue-clone"
    git(tmp_path, "clone", "-q", "--no-checkout", "--filter=blob:none", f"file://{bare}", str(clone))
    assert len(_missing_blobs(clone)) == 2  # nothing but the promise is here
    dbx = new_repo(tmp_path / "dbx")
    result = g2l(dbx, "init", "--glue", str(clone))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (dbx / "libs/deps.zip").read_bytes() == BIG
    assert "x = 1" in (dbx / "jobs/daily.py").read_text()
    assert consistent(dbx) == []


def test_partial_clone_with_a_size_filter_after_an_update(tmp_path):
    glue, bare = _served(tmp_path)
    clone = tmp_path / "glue-clone"
    git(tmp_path, "clone", "-q", "--filter=blob:limit=1k", f"file://{bare}", str(clone))
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(clone)).returncode == 0
    write(glue, "libs/deps.zip", BIG[::-1])
    write(glue, "jobs/daily.py", "x = 2\n")
    commit_all(glue, "glue v2")
    git(glue, "push", "-q", str(bare), "HEAD:main")
    git(clone, "fetch", "-q", "origin")
    git(clone, "update-ref", "HEAD", "origin/main")  # the Glue ref moves; the new big blob is only promised
    assert git(clone, "rev-parse", "HEAD:libs/deps.zip").strip() in _missing_blobs(clone)
    result = g2l(dbx, "sync")
    assert result.returncode == 0, result.stderr
    assert (dbx / "libs/deps.zip").read_bytes() == BIG[::-1]


def test_a_missing_blob_is_one_line_naming_the_file(tmp_path):
    glue = new_repo(tmp_path / "glue")
    write(glue, "jobs/daily.py", "x = 1\n")
    write(glue, "libs/deps.zip", BIG)
    commit_all(glue, "glue")
    oid = git(glue, "rev-parse", "HEAD:libs/deps.zip").strip()
    os.remove(glue / ".git" / "objects" / oid[:2] / oid[2:])
    dbx = new_repo(tmp_path / "dbx")
    result = g2l(dbx, "init", "--glue", str(glue))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "does not have the content of libs/deps.zip" in result.stderr
    assert oid[:12] in result.stderr and "run again" in result.stderr
    assert git(dbx, "for-each-ref") == ""  # nothing changed
