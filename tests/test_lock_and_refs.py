"""One writer per repository, compare-and-swap ref updates, and git lock files left behind: each is one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from .helpers import commit_all, g2l, git, glue_repo, new_repo, snapshot_state, write
from .reliability_support import consistent, g2l_popen, run_env, wait_for


@pytest.fixture
def pair(tmp_path):
    glue = glue_repo(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    write(dbx, "a.txt", "notes\n")
    commit_all(dbx, "databricks notes")
    write(glue, "a.py", "x = 2\n")
    commit_all(glue)
    return glue, dbx


def _pause(repo, tmp_path, event, *args):
    marker = tmp_path / f"pause-{event}"
    proc = g2l_popen(repo, *args, env=run_env(G2L_TEST_PAUSE_AT=event, G2L_TEST_PAUSE_FILE=str(marker)))
    assert wait_for(marker, proc) == event
    return proc, marker


def _one_line_error(result, *expect):
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("g2l: error: ") and result.stderr.count("\n") == 1, result.stderr
    for text in expect:
        assert text in result.stderr, result.stderr


def test_second_writer_is_refused_at_once_and_readers_still_work(pair, tmp_path):
    glue, dbx = pair
    proc, marker = _pause(dbx, tmp_path, "lock", "sync")
    for args in (["sync"], ["native", "a.txt"], ["protect", "a.py", "1", "1"], ["install"],
                 ["init", "--glue", str(glue)]):
        result = g2l(dbx, *args)
        _one_line_error(result, "another g2l command is running in this repository", f"pid {proc.pid}",
                        "'g2l sync'", "wait for it to finish", "g2l.lock")
    status = g2l(dbx, "status")
    assert status.returncode == 0 and f"a g2l command is running now: 'g2l sync' (pid {proc.pid}" in status.stdout
    assert g2l(dbx, "sync", "--dry-run").returncode == 0
    assert g2l(dbx, "conflicts").returncode == 0
    marker.unlink()  # let the first run go on
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Glue changes merged" in out
    assert consistent(dbx) == []


def test_lock_of_a_dead_process_is_taken_over_and_said(pair):
    glue, dbx = pair
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (dbx / ".git" / "g2l.lock").write_text(json.dumps({"pid": dead.pid, "command": "g2l sync", "since": "then"}))
    status = g2l(dbx, "status")
    assert "a stale g2l lock of 'g2l sync' (pid %d" % dead.pid in status.stdout, status.stdout
    result = g2l(dbx, "sync")
    assert result.returncode == 0, result.stderr
    assert f"took over the lock of 'g2l sync' (pid {dead.pid}" in result.stderr
    assert consistent(dbx) == []


def test_lock_after_sigkill_is_taken_over(pair, tmp_path):
    glue, dbx = pair
    proc, _ = _pause(dbx, tmp_path, "lock", "native", "a.txt")
    proc.kill()
    proc.wait()
    result = g2l(dbx, "native", "a.txt")
    assert result.returncode == 0, result.stderr
    assert f"took over the lock of 'g2l native' (pid {proc.pid}" in result.stderr


def test_branch_moved_during_the_sync_stops_it_and_keeps_the_other_commit(pair, tmp_path):
    glue, dbx = pair
    proc, marker = _pause(dbx, tmp_path, "object", "sync")
    write(dbx, "c.txt", "committed by someone else meanwhile\n")
    other = commit_all(dbx, "a commit made while g2l ran")
    marker.unlink()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, out + err
    assert err.count("\n") == 1 and "main was moved by another process while g2l ran" in err, err
    assert git(dbx, "rev-parse", "HEAD").strip() == other
    assert git(dbx, "rev-parse", "glue-upstream").strip() != "" and consistent(dbx) == []
    assert g2l(dbx, "sync").returncode == 0  # run again: it merges on top of the other commit
    assert git(dbx, "merge-base", "--is-ancestor", other, "HEAD", check=False) == ""


def test_rollback_restores_only_refs_that_still_hold_what_it_wrote(pair, tmp_path):
    glue, dbx = pair
    start = git(dbx, "rev-parse", "HEAD").strip()
    proc, marker = _pause(dbx, tmp_path, "ref", "sync")
    # Someone moves glue-upstream elsewhere after the run moved it; then the run is interrupted.
    elsewhere = git(dbx, "rev-parse", "glue-upstream~0^{tree}").strip()
    foreign = git(dbx, "commit-tree", "-m", "someone else's snapshot", elsewhere).strip()
    git(dbx, "update-ref", "refs/heads/glue-upstream", foreign)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert git(dbx, "rev-parse", "HEAD").strip() == start  # its own move of the branch is undone
    assert git(dbx, "rev-parse", "glue-upstream").strip() == foreign  # the other move is kept
    assert consistent(dbx) == []


def test_ref_lock_left_behind_is_one_line_with_the_way_out(pair):
    glue, dbx = pair
    lock = dbx / ".git" / "refs" / "heads" / "glue-upstream.lock"
    lock.write_text("")
    before = snapshot_state(dbx)
    result = g2l(dbx, "sync")
    _one_line_error(result, "glue-upstream.lock exists", "delete", "Traceback" if False else "run again")
    assert "Traceback" not in result.stderr
    assert snapshot_state(dbx) == before
    lock.unlink()
    assert g2l(dbx, "sync").returncode == 0


def test_index_lock_left_behind_is_one_line(pair):
    glue, dbx = pair
    (dbx / ".git" / "index.lock").write_text("")
    result = g2l(dbx, "sync")
    _one_line_error(result, "index.lock", "delete")


def test_status_names_a_snapshot_committed_but_not_merged(pair):
    glue, dbx = pair
    assert g2l(dbx, "sync", "--no-commit").returncode == 0
    git(dbx, "merge", "--abort")
    status = g2l(dbx, "status")
    assert "is on glue-upstream but not merged into main: run 'g2l sync'" in status.stdout, status.stdout
    assert g2l(dbx, "sync").returncode == 0
    assert "Attention" not in g2l(dbx, "status").stdout


def test_api_calls_nest_under_one_lock(pair):
    from glue2lakehouse.dual_track import DualTrackManager

    glue, dbx = pair
    manager = DualTrackManager(glue, dbx)
    assert manager.sync_glue_changes().success
    assert manager.mark_as_databricks_native("a.txt") == ["a.txt"]
    assert not (dbx / ".git" / "g2l.lock").exists()
    assert os.getpid()  # the lock was this process's and is gone


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_protect_interrupted_puts_the_file_back(pair, tmp_path, sig, code):
    glue, dbx = pair
    before = snapshot_state(dbx)
    proc, _ = _pause(dbx, tmp_path, "worktree", "protect", "a.txt", "1", "1")
    assert "PROTECTED" in (dbx / "a.txt").read_text()  # the edit was written
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code and "rolled back" in err, err
    assert snapshot_state(dbx) == before


def test_messages_longer_than_a_command_line_move_refs_and_commit(tmp_path):
    """A sync of thousands of files writes a message no command line holds: refs and commits still work."""
    from glue2lakehouse.gitrepo import GitRepo

    repo_path = new_repo(tmp_path / "r")
    write(repo_path, "a.txt", "a\n")
    commit_all(repo_path, "first")
    repo = GitRepo(repo_path)
    long = "g2l sync: merge Glue 0123\n\n" + "".join(f"  modified jobs/{i:05d}/job_{i:05d}.py\n" for i in range(40000))
    assert len(long.encode()) > 131072  # over Linux's limit for one command-line argument (MAX_ARG_STRLEN)
    write(repo_path, "b.txt", "b\n")
    first = repo.head()
    second = repo.commit_paths(["b.txt"], long)
    assert git(repo_path, "log", "-1", "--format=%B", second).strip() == long.strip()
    repo.update_refs({"refs/heads/side": (None, first)}, long)
    assert git(repo_path, "rev-parse", "refs/heads/side").strip() == first
