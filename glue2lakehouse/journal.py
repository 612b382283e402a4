"""What a g2l run is about to do, written down before it does it, so that an interrupted run can be finished or undone.

A run that moves refs or touches the work tree first writes ``.git/g2l-journal.json``:
the branch and its old and new commit, every ref it will move (old and new value),
and for a merge left in progress the paths the merge may write. The next g2l
command that takes the writer lock reads a journal left by a dead process and

- rolls it forward when the run had already moved its branch (a clean merge whose
  work tree was being written: the merge commit is the result, only the index and
  the work tree have to catch up), or
- rolls it back otherwise (nothing was reported; the next sync does it again).

Either way only g2l's own half-written files are touched: a work-tree file is
rewritten only when it holds the old or the new version of that path, and a ref
is restored only while it still holds what the run wrote.

Ctrl-C and SIGTERM roll back through the same code (``undo``).

Test instrumentation: ``checkpoint(event)`` does nothing unless ``G2L_TEST_PAUSE_AT``
names the event (comma-separated) and ``G2L_TEST_PAUSE_FILE`` a file; then the process
writes ``<event> <pid>`` to that file and waits until the file is removed (or the
process is killed). The tests use it to kill a run at an exact point. Events:
``lock`` (writer lock taken), ``object`` (snapshot and merge commits written, refs not
yet moved), ``journal`` (journal written), ``ref`` (refs moved, work tree not yet
touched), ``index`` (index updated), ``worktree`` (work tree half written).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from glue2lakehouse.errors import G2LError
from glue2lakehouse.gitrepo import GitRepo, RefLocked, TreeEntry

JOURNAL_NAME = "g2l-journal.json"
EVENTS = ("lock", "object", "journal", "ref", "index", "worktree")


def armed(event: str) -> bool:
    """Whether a kill test pauses the process at ``event`` (G2L_TEST_PAUSE_AT)."""
    wanted = os.environ.get("G2L_TEST_PAUSE_AT")
    return bool(wanted) and event in wanted.split(",")


def checkpoint(event: str) -> None:
    if not armed(event):
        return
    marker = Path(os.environ["G2L_TEST_PAUSE_FILE"])
    marker.write_text(f"{event} {os.getpid()}\n")
    while marker.exists():
        time.sleep(0.01)


@contextmanager
def signals_deferred():
    """Ctrl-C and SIGTERM wait until the block (a rollback, a recovery) is done."""
    mask = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    except (AttributeError, ValueError):  # not the main thread, or no pthread_sigmask
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def path(repo: GitRepo) -> Path:
    return repo.git_dir / JOURNAL_NAME


def read(repo: GitRepo) -> dict | None:
    try:
        return json.loads(path(repo).read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        return {}  # torn write: the run died before its journal was complete, so before it changed anything


def write(repo: GitRepo, record: dict) -> None:
    record = {"pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "started": time.time(), **record}
    scratch = repo.git_dir / f"{JOURNAL_NAME}.{os.getpid()}"
    with open(scratch, "w") as handle:
        json.dump(record, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, path(repo))
    checkpoint("journal")


def clear(repo: GitRepo) -> None:
    path(repo).unlink(missing_ok=True)


# ------------------------------------------------------------------ the work-tree step, forward and back
def _changed_paths(repo: GitRepo, old: str | None, new: str | None) -> list[str]:
    return repo.changed_paths(old, new)


def move_worktree(repo: GitRepo, old: str | None, new: str | None, paths: list[str] | None = None,
                  pause: bool = True, since: float | None = None) -> None:
    """Bring the index and work tree from commit ``old`` to commit ``new`` on ``paths`` (default: every path that
    differs), from any mix of the two: each file must hold the old or the new version (or be absent where that
    version is), else it is someone's edit and nothing is written. When finishing or undoing an interrupted run
    that started at ``since``, a file written after that is also taken as the run's (a git killed while writing
    it leaves it cut short)."""
    if paths is None:
        paths = _changed_paths(repo, old, new)
    if not paths:
        return
    old_files = {p: repo.entry_at(old, p) for p in paths}
    new_files = {p: repo.entry_at(new, p) for p in paths}
    found = repo.worktree_blobs(paths)
    foreign = [p for p in paths if found[p] not in {_oid(old_files[p]), _oid(new_files[p])}
               and not (since is not None and _mtime(repo.root / p) >= since)]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise G2LError(f"files the sync writes were changed meanwhile ({foreign[0]}{more})",
                       "move those edits aside (copy the files elsewhere), then run 'git checkout -- .' and run again")
    # Only these paths' entries are set and their files written with their stat data: git reads the rest of the
    # index but stats none of its files (a whole-index refresh costs as much as the estate is large).
    repo.set_index_entries(new_files)
    if pause:
        checkpoint("index")
    keep = [p for p in paths if new_files[p] is not None]
    gone = [p for p in paths if new_files[p] is None]
    # One git process writes the files (each checkout-index reads and writes the whole index). A kill test that
    # pauses at "worktree" gets a work tree half written: the first half by one process, then the pause.
    half = len(keep) // 2 if pause and armed("worktree") else len(keep)
    repo.checkout_index_paths(keep[:half], stat=True)
    if pause and keep[:half]:
        checkpoint("worktree")
    repo.checkout_index_paths(keep[half:], stat=True)
    repo.delete_worktree_files(gone)


def _oid(entry: TreeEntry | None) -> str | None:
    return entry.oid if entry else None


def precheck_worktree(repo: GitRepo, old: str | None, new: str | None) -> list[str]:
    """Paths the move from ``old`` to ``new`` would write over something that is neither version (untracked files
    in the way, edits made since the run started)."""
    paths = _changed_paths(repo, old, new)
    found = repo.worktree_blobs(paths)
    return [p for p in paths if found[p] not in {_oid(repo.entry_at(old, p)), _oid(repo.entry_at(new, p))}]


def undo_merge_paths(repo: GitRepo, old: str | None, paths: list[str], written: dict[str, list[str]],
                     since: float) -> list[str]:
    """Put ``paths`` back to commit ``old`` in the index and work tree after a merge left in progress (or half
    set up). A file absent from ``old`` is deleted only if it holds a version the merge wrote (``written``).
    Returns the files kept because they hold something else."""
    old_files = {p: repo.entry_at(old, p) for p in paths}
    repo.clear_merge_state()
    repo.reset_index_paths(old, paths)
    restore = [p for p in paths if old_files[p] is not None]
    repo.checkout_index_paths(restore)
    absent = [p for p in paths if old_files[p] is None]
    found = repo.worktree_blobs(absent)
    remove = [p for p in absent if found[p] is None or found[p] in written.get(p, [])
              or _mtime(repo.root / p) >= since]  # written while the run ran: a merge cut short
    repo.delete_worktree_files(remove)
    repo.refresh_index()
    return [p for p in absent if p not in remove]


# ------------------------------------------------------------------ finishing or undoing a run
def _restore_refs(repo: GitRepo, refs: dict[str, list]) -> list[str]:
    """Put back each ref that still holds what the run wrote; returns the refs someone else moved meanwhile."""
    moved, updates = [], {}
    for name, (old, new) in refs.items():
        now = repo.ref(name)
        if now == new and old != new:
            updates[name] = (new, old)
        elif now != old:
            moved.append(name)
    if updates:
        repo.update_refs(updates, "g2l: roll back an interrupted run")
    return moved


def _switch_back(repo: GitRepo, record: dict) -> None:
    start = record.get("start_branch")
    if start and repo.head_branch() != start:
        repo.set_head_branch(start)


def undo(repo: GitRepo, record: dict) -> str:
    """Roll a run back: refs it moved (while they hold what it wrote), its index and work-tree writes."""
    branch_ref = record["branch_ref"]
    old, new = record.get("old"), record.get("new")
    now = repo.ref(branch_ref)
    kept: list[str] = []
    if record["kind"] == "commit":
        if new is not None and now == new:
            move_worktree(repo, new, old, pause=False, since=record.get("started", 0) - 1)
    else:
        kept = undo_merge_paths(repo, old, record.get("paths", []), record.get("written", {}),
                                record.get("started", 0) - 1)
    _switch_back(repo, record)
    refs = dict(record.get("refs", {}))
    refs[branch_ref] = [record.get("branch_old"), new if record["kind"] == "commit" else old]
    moved = _restore_refs(repo, refs)
    clear(repo)
    notes = []
    if moved:
        notes.append(f"left {', '.join(moved)} as another process moved them")
    if kept:
        notes.append(f"kept {', '.join(kept)} (not written by g2l)")
    return "; ".join(notes)


def forward(repo: GitRepo, record: dict) -> None:
    """Finish a clean merge whose branch already moved: bring the index and work tree to the merge commit."""
    target = record.get("head_branch")
    if target and repo.head_branch() != target:
        repo.set_head_branch(target)
    # A git killed inside the ref transaction may have moved some refs and not the others: complete them.
    behind = {name: (old, new) for name, (old, new) in record.get("refs", {}).items()
              if old != new and repo.ref(name) == old}
    if behind:
        repo.update_refs(behind, "g2l: finish an interrupted run")
    move_worktree(repo, record.get("old"), record["new"], pause=False, since=record.get("started", 0) - 1)
    clear(repo)


def recover(repo: GitRepo, stale_lock: dict | None) -> str | None:
    """Finish or undo the run a dead process left (called with the writer lock held). Returns one line, or None."""
    record = read(repo)
    if record is None:
        return None
    if not record:
        clear(repo)
        return "g2l: removed the unfinished journal of a g2l run that stopped before changing anything"
    what = f"'{record.get('command', 'g2l')}' (pid {record.get('pid')}, started {record.get('since')})"
    with signals_deferred():
        refs = list(record.get("refs", {})) + [record["branch_ref"]]
        # The dead run's own git lock files: wait a moment for a git command it started to finish, then remove them.
        deadline = time.monotonic() + 2.0
        while repo.stale_git_locks(refs) and time.monotonic() < deadline:
            time.sleep(0.05)
        started = record.get("started", 0) - 1
        removed = [p for p in repo.stale_git_locks(refs) if _mtime(p) >= started]  # made while the dead run ran
        for lock in removed:
            lock.unlink(missing_ok=True)
        for temporary in repo.merge_temp_files():  # git's merge-driver files of the dead run
            if _mtime(temporary) >= started:
                temporary.unlink(missing_ok=True)
        extra = f" (removed its stale {', '.join(p.name for p in removed)})" if removed else ""
        branch_now = repo.ref(record["branch_ref"])
        if record["kind"] == "commit" and record.get("new") and branch_now == record["new"]:
            forward(repo, record)
            return f"g2l: finished the interrupted {what}: {record['branch_ref'].removeprefix('refs/heads/')} " \
                   f"is at {record['new'][:12]} and the work tree matches it{extra}"
        if record["kind"] == "merge":
            refs_now = {name: repo.ref(name) for name in record.get("refs", {})}
            if refs_now and all(refs_now[n] == new for n, (old, new) in record["refs"].items()):
                clear(repo)  # its last step (moving the Glue refs) was done: the merge is in progress, as reported
                return f"g2l: the interrupted {what} had finished; its merge is left for resolution{extra}"
        note = undo(repo, record)
        return f"g2l: rolled back the interrupted {what}; the repository is as it was before it{extra}" + \
               (f" ({note})" if note else "")


@contextmanager
def exclusive(repo: GitRepo, command: str):
    """The writer lock for ``command``; on taking it, finish or undo what a dead run left."""
    from glue2lakehouse.lock import is_held, writer_lock

    nested = is_held(repo.git_dir)
    with writer_lock(repo.git_dir, command) as stale:
        if not nested:
            notice(recover(repo, stale))
            for name in repo.scratch_refs():  # a dead run's scratch refs (no g2l runs but this one)
                repo.update_refs({name: (repo.ref(name), None)}, "g2l: remove a scratch ref")
            checkpoint("lock")
        yield


def land_commit(repo: GitRepo, record: dict, refs: dict[str, tuple], message: str) -> None:
    """Move the branch to a merge commit and the other refs with it (one compare-and-swap transaction), then the
    index and work tree; journaled, so a kill at any point is finished or undone by the next command."""
    old, new = record["old"], record["new"]
    in_way = precheck_worktree(repo, old, new)
    untracked = [p for p in in_way if repo.entry_at(old, p) is None]
    if untracked:
        raise G2LError(f"untracked files are in the way of the sync: {', '.join(untracked)}",
                       "move them out of the way (or commit them) and run again")
    if in_way:
        raise G2LError(f"local changes are in the way of the sync: {', '.join(in_way)}",
                       "commit or stash them and run again")
    record = {**record, "kind": "commit", "refs": {k: list(v) for k, v in refs.items()}}
    _check_git_locks(repo, list(refs) + [record["branch_ref"]])
    checkpoint("object")
    write(repo, record)
    try:
        repo.update_refs({record["branch_ref"]: (record["branch_old"], new), **refs}, message)
        checkpoint("ref")
        if repo.head_branch() != record["head_branch"]:
            repo.set_head_branch(record["head_branch"])
        move_worktree(repo, old, new)
        clear(repo)
    except BaseException as error:
        _undo_after(repo, record, error)
        raise


def land_merge(repo: GitRepo, record: dict, refs_after, message: str, do_merge) -> None:
    """Leave a merge in progress (``do_merge``; it returns the commit when it committed the merge with its
    conflicts on a new sync branch), then move the Glue refs (``refs_after()``, computed once the merge is known),
    checking the branch did not move meanwhile."""
    old = record["old"]
    record = {**record, "kind": "merge", "new": None, "refs": {}}
    _check_git_locks(repo, [record["branch_ref"]])
    checkpoint("object")
    write(repo, record)
    try:
        if record["branch_old"] is None and old is not None:  # --branch: the new branch starts at HEAD
            repo.update_refs({record["branch_ref"]: (None, old)}, message)
        if repo.head_branch() != record["head_branch"]:
            repo.set_head_branch(record["head_branch"])
        committed = do_merge()  # the commit of a merge committed with its conflicts (on a new sync branch), or None
        refs = refs_after()
        record["refs"] = {k: list(v) for k, v in refs.items()}
        write(repo, record)
        tip = committed or old
        repo.update_refs({**refs, record["branch_ref"]: (tip, tip)} if tip else dict(refs), message)
        checkpoint("ref")
        clear(repo)
    except BaseException as error:
        _undo_after(repo, record, error)
        raise


def _check_git_locks(repo: GitRepo, refs: list[str]) -> None:
    """Stop before changing anything when a git lock file is in the way (a killed git, or git running now)."""
    found = repo.stale_git_locks(refs)
    if found:
        raise RefLocked(str(found[0]))


def _undo_after(repo: GitRepo, record: dict, error: BaseException) -> None:
    """Roll back after ``error``; if that fails too, keep the journal for the next command and say so in one line."""
    with signals_deferred():
        try:
            undo(repo, record)
        except G2LError as second:
            raise G2LError(f"{error if isinstance(error, G2LError) else type(error).__name__}, and rolling back "
                           f"failed too ({second.problem})",
                           "fix that, then run 'g2l sync' (or any g2l command that writes): it finishes or undoes "
                           "the interrupted run") from None


def interrupted(repo: GitRepo) -> str | None:
    """A journal left by a run whose process is gone (None when there is none, or its run is still going)."""
    from glue2lakehouse import lock

    record = read(repo)
    if record is None:
        return None
    found = lock.holder(repo.git_dir)
    if found and found[1]:
        return None
    return (f"an interrupted '{(record or {}).get('command', 'g2l')}' (pid {(record or {}).get('pid')}) left the "
            "repository half updated")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def status_line(repo: GitRepo) -> str | None:
    """For read-only commands: a journal left by a run that is not running any more."""
    from glue2lakehouse import lock

    record = read(repo)
    if record is None:
        return None
    found = lock.holder(repo.git_dir)
    if found and found[1]:
        return f"a g2l command is running: {lock.describe(found[0])}"
    return (f"an interrupted '{(record or {}).get('command', 'g2l')}' (pid {(record or {}).get('pid')}) left the "
            "repository half updated: run 'g2l sync' (or any g2l command that writes) to finish or undo it")


def notice(line: str | None) -> None:
    if line:
        sys.stderr.write(line.rstrip("\n") + "\n")
