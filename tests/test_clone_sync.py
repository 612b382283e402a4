"""A fresh clone syncs incrementally: 'g2l install' makes git fetch and push carry
glue-upstream, the raw Glue trees (refs/g2l/*) and the snapshot reports (refs/notes/g2l)."""

from __future__ import annotations

import json
import subprocess

from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo


def _clone(remote, path):
    subprocess.run(["git", "clone", "-q", remote.as_uri(), str(path)], check=True, capture_output=True)
    return path


def _transformed(repo) -> str:
    return git(repo, "log", "-1", "--format=%b", "glue-upstream").splitlines()[0]


def test_a_clones_first_sync_transforms_only_changed_files(tmp_path):
    glue = glue_repo(tmp_path)  # the risk engine: 10 files
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    first = new_repo(tmp_path / "first")
    assert g2l(first, "init", "--glue", str(glue)).returncode == 0
    git(first, "remote", "add", "origin", remote.as_uri())
    install = g2l(first, "install")
    assert install.returncode == 0 and "refs/notes/g2l" in install.stdout, install.stderr
    assert git(first, "config", "--get-all", "remote.origin.push").split() == [
        "HEAD", "refs/heads/glue-upstream:refs/heads/glue-upstream", "refs/g2l/glue-source:refs/g2l/glue-source",
        "refs/notes/g2l:refs/notes/g2l"]
    git(first, "push", "-q")  # the push refspecs: the branch, the snapshot branch, the source tree, the notes
    assert git(remote, "for-each-ref", "--format=%(refname)").split() == [
        "refs/g2l/glue-source", "refs/heads/glue-upstream", "refs/heads/main", "refs/notes/g2l"]
    edit(glue, "data_loader.py", '    "risk_score",\n', '    "risk_score",\n    "risk_score_v2",\n')
    commit_all(glue, "risk_score_v2")

    # A clone without the refspecs has no raw Glue tree: its sync transforms every file again.
    plain = _clone(remote, tmp_path / "plain")
    git(plain, "branch", "glue-upstream", "origin/glue-upstream")
    assert g2l(plain, "sync", "--glue", str(glue)).returncode == 0
    assert _transformed(plain).endswith("; 10 transformed")

    clone = _clone(remote, tmp_path / "clone")
    assert g2l(clone, "install").returncode == 0
    git(clone, "fetch", "-q")
    assert git(clone, "rev-parse", "refs/g2l/glue-source") == git(first, "rev-parse", "refs/g2l/glue-source")
    run = g2l(clone, "sync", "--glue", str(glue), "--json")
    assert run.returncode == 0, run.stderr
    assert _transformed(clone) == "10 files; 1 modified; 1 transformed"
    assert json.loads(run.stdout)["changes"] == [{"change": "modified", "path": "data_loader.py"}]
    # The reports came along: the clone reads the first sync's report, and pushes its own.
    history = json.loads(g2l(clone, "status", "--json").stdout)["sync_history"]
    assert [h["type"] for h in history] == ["initial_migration", "sync"] and history[0]["files_migrated"] == 10
    git(clone, "push", "-q")
    assert git(remote, "rev-parse", "refs/notes/g2l") == git(clone, "rev-parse", "refs/notes/g2l")
    assert git(remote, "rev-parse", "glue-upstream") == git(clone, "rev-parse", "glue-upstream")


def test_install_without_a_remote_says_so(tmp_path):
    repo = new_repo(tmp_path / "r")
    commit_all(repo, "x")
    run = g2l(repo, "install")
    assert run.returncode == 0 and "no remote 'origin'" in run.stdout
