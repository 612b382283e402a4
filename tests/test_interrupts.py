"""A sync killed (SIGKILL) or interrupted (SIGINT, SIGTERM) at each of its steps, on real repositories.

Kills are driven by events, not sleeps: G2L_TEST_PAUSE_AT makes the run stop at a named point and say so in a
file; the test then signals it there. After a SIGKILL the repository must pass git fsck, the next g2l sync must
finish (or undo) the interrupted run and end where an uninterrupted sync ends, and no Databricks line is lost.
After SIGINT / SIGTERM everything is as it was before the run.
"""

from __future__ import annotations

import signal

import pytest

from .helpers import g2l, git, snapshot_state
from .reliability_support import (consistent, copy_repo, estate, g2l_popen, head_tree, lost_lines, merges_of,
                                  run_env, wait_for)

JOBS = 8
EVENTS = ["lock", "object", "journal", "ref", "index", "worktree"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kills")
    glue, dbx = estate(tmp, JOBS)
    reference = copy_repo(dbx, tmp / "reference")
    result = g2l(reference, "sync", "--glue", str(glue), "--workers", "1")
    assert result.returncode == 0, result.stderr
    return glue, dbx, head_tree(reference)


def _paused(repo, glue, event, tmp_path, *args):
    marker = tmp_path / f"pause-{event}"
    env = run_env(G2L_TEST_PAUSE_AT=event, G2L_TEST_PAUSE_FILE=str(marker))
    proc = g2l_popen(repo, "sync", "--glue", str(glue), "--workers", "1", *args, env=env)
    reached = wait_for(marker, proc)
    assert reached == event, (reached, proc.communicate())
    return proc, marker


def _fsck_ok(repo):
    result = git(repo, "fsck", "--no-progress", "--no-dangling", check=False)
    assert "error" not in result.lower() and "missing" not in result.lower(), result


@pytest.mark.parametrize("event", EVENTS)
def test_sigkill_then_next_sync_finishes_like_an_uninterrupted_run(template, tmp_path, event):
    glue, dbx, expected_tree = template
    glue_commit = git(glue, "rev-parse", "HEAD").strip()
    repo = copy_repo(dbx, tmp_path / "dbx")
    proc, _ = _paused(repo, glue, event, tmp_path)
    proc.kill()
    proc.wait()
    _fsck_ok(repo)
    if event in ("index", "worktree"):  # the half-written state is real: git sees changes against HEAD
        assert git(repo, "status", "--porcelain", "--untracked-files=no").strip()
    status = g2l(repo, "status")
    assert status.returncode == 0 and "Traceback" not in status.stderr
    assert "Attention: " in status.stdout, status.stdout
    rerun = g2l(repo, "sync", "--glue", str(glue), "--workers", "1")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert "took over the lock" in rerun.stderr
    if event in ("ref", "index", "worktree"):
        assert "finished the interrupted 'g2l sync'" in rerun.stderr, rerun.stderr
        assert "up to date" in rerun.stdout.lower()
    elif event == "journal":
        assert "rolled back the interrupted 'g2l sync'" in rerun.stderr, rerun.stderr
    assert consistent(repo) == []
    assert head_tree(repo) == expected_tree
    assert len(merges_of(repo, glue_commit)) == 1
    assert lost_lines(repo, JOBS) == []


@pytest.mark.parametrize("event,sig,code", [
    ("lock", signal.SIGINT, 130), ("ref", signal.SIGTERM, 143), ("index", signal.SIGINT, 130),
    ("worktree", signal.SIGTERM, 143),
])
def test_sigint_sigterm_roll_back_everything(template, tmp_path, event, sig, code):
    glue, dbx, _ = template
    repo = copy_repo(dbx, tmp_path / "dbx")
    before = snapshot_state(repo)
    proc, _ = _paused(repo, glue, event, tmp_path)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (out, err)
    assert err.count("\n") == 1 and "rolled back" in err and "Traceback" not in err, err
    assert snapshot_state(repo) == before
    assert consistent(repo) == []


@pytest.fixture(scope="module")
def conflicting(template, tmp_path_factory):
    """The estate with a Databricks edit on the very line Glue changes in one job: the sync conflicts. Also the
    repository an uninterrupted sync leaves."""
    glue, dbx, _ = template
    tmp = tmp_path_factory.mktemp("conflicting")
    repo = copy_repo(dbx, tmp / "dbx")
    path = repo / "jobs1/job_1.py"
    path.write_text(path.read_text().replace("limit = 1", "limit = 100"))
    git(repo, "commit", "-qam", "databricks raises the limit")
    reference = copy_repo(repo, tmp / "reference")
    expected = g2l(reference, "sync", "--glue", str(glue), "--workers", "1")
    assert expected.returncode == 1, expected.stderr
    return glue, repo, reference


@pytest.mark.parametrize("event", ["worktree", "ref"])
def test_sigkill_during_a_conflicted_sync(conflicting, tmp_path, event):
    glue, template_repo, reference = conflicting
    repo = copy_repo(template_repo, tmp_path / "dbx")
    proc, _ = _paused(repo, glue, event, tmp_path)
    proc.kill()
    proc.wait()
    _fsck_ok(repo)
    rerun = g2l(repo, "sync", "--glue", str(glue), "--workers", "1")
    if event == "ref":  # its last step was done: the merge is left for resolution, as an uninterrupted run leaves it
        assert rerun.returncode == 2 and "a merge is in progress" in rerun.stderr, rerun.stderr
        assert "had finished" in rerun.stderr
    else:
        assert rerun.returncode == 1, rerun.stdout + rerun.stderr
        assert "rolled back the interrupted" in rerun.stderr
    for name in ("g2l.lock", "g2l-journal.json", "index.lock"):
        assert not (repo / ".git" / name).exists()
    assert git(repo, "diff", "--name-only", "--diff-filter=U") == git(reference, "diff", "--name-only", "--diff-filter=U")
    assert git(repo, "status", "--porcelain") == git(reference, "status", "--porcelain")
    assert (repo / "jobs1/job_1.py").read_text() == (reference / "jobs1/job_1.py").read_text().replace(
        git(reference, "rev-parse", "MERGE_HEAD").strip(), git(repo, "rev-parse", "MERGE_HEAD").strip())


def test_sigint_during_a_conflicted_sync_leaves_nothing(conflicting, tmp_path):
    glue, template_repo, _ = conflicting
    repo = copy_repo(template_repo, tmp_path / "dbx")
    before = snapshot_state(repo)
    proc, _ = _paused(repo, glue, "index", tmp_path)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert snapshot_state(repo) == before


def test_sigkill_during_init(tmp_path):
    from .helpers import commit_all, new_repo, write

    glue = new_repo(tmp_path / "glue")
    for i in range(6):
        write(glue, f"job_{i}.py", f"x = {i}\n")
    commit_all(glue)
    reference = new_repo(tmp_path / "reference")
    assert g2l(reference, "init", "--glue", str(glue)).returncode == 0
    dbx = new_repo(tmp_path / "dbx")
    marker = tmp_path / "pause"
    proc = g2l_popen(dbx, "init", "--glue", str(glue), env=run_env(G2L_TEST_PAUSE_AT="worktree",
                                                                       G2L_TEST_PAUSE_FILE=str(marker)))
    assert wait_for(marker, proc) == "worktree"
    proc.kill()
    proc.wait()
    rerun = g2l(dbx, "status")
    assert "interrupted 'g2l init'" in rerun.stdout, rerun.stdout
    again = g2l(dbx, "init", "--glue", str(glue))
    assert "finished the interrupted 'g2l init'" in again.stderr, again.stderr
    assert again.returncode == 2 and "already initialised" in again.stderr
    assert consistent(dbx) == []
    assert head_tree(dbx) == head_tree(reference)


def test_branch_option_interrupted_and_killed(template, tmp_path):
    glue, dbx, expected_tree = template
    repo = copy_repo(dbx, tmp_path / "dbx")
    before = snapshot_state(repo)
    proc, _ = _paused(repo, glue, "index", tmp_path, "--branch", "glue-sync-week-42")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert snapshot_state(repo) == before  # the new branch is gone, HEAD is back on main
    proc, _ = _paused(repo, glue, "worktree", tmp_path, "--branch", "glue-sync-week-42")
    proc.kill()
    proc.wait()
    status = g2l(repo, "status")
    assert "interrupted 'g2l sync'" in status.stdout, status.stdout
    rerun = g2l(repo, "sync", "--glue", str(glue), "--workers", "1")
    assert "finished the interrupted 'g2l sync'" in rerun.stderr, rerun.stderr
    assert rerun.returncode == 0 and "up to date" in rerun.stdout.lower()
    assert git(repo, "symbolic-ref", "--short", "HEAD").strip() == "glue-sync-week-42"
    assert git(repo, "rev-parse", "main").strip() == git(dbx, "rev-parse", "main").strip()
    assert head_tree(repo) == expected_tree
    assert consistent(repo) == []
