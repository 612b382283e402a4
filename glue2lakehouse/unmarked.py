"""Files that were Databricks-native at the last sync and are not any more ('g2l native --remove').

While a file was native, every sync kept the Databricks version and skipped Glue's
changes to it, and the merge base moved on past them. So the sync after the unmark
merges Glue's current version into the file with the base it had when it was marked
native: the snapshot merged at the commit that added the mark (the snapshot history
has it). Glue's changes since then land, or conflict, like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue2lakehouse import attributes
from glue2lakehouse.gitrepo import GitRepo, TreeEntry
from glue2lakehouse.merge.core import REASON_PROTECTED, Labels, merge
from glue2lakehouse.snapshot import trailers

GITATTRIBUTES = ".gitattributes"
REASON = "Glue changed this file while it was Databricks-native, and so did Databricks"


@dataclass
class CatchUp:
    path: str
    marked_at: str          # the commit that marked it native
    base_snapshot: str      # the snapshot merged then
    data: bytes             # the merged file (diff3 markers when conflicted)
    conflicted: bool
    reason: str
    lines: list[int]
    ours: TreeEntry | None
    base: bytes | None
    theirs: bytes | None


def _patterns(repo: GitRepo, commit: str) -> list[str]:
    data = repo.file_at(commit, GITATTRIBUTES)
    return attributes.native_patterns(data.decode("utf-8", "replace")) if data else []


def last_sync_commit(repo: GitRepo, head: str) -> str | None:
    """The newest commit on HEAD's first-parent line that merged a snapshot: one with a snapshot
    commit among its other parents (however its message was edited), or one naming its snapshot."""
    for oid, message, _, parents in repo.first_parent_history(head):
        if "G2L-Snapshot" in message and "G2L-Snapshot" in trailers(message) or any(
                "G2L-Kind" in trailers(repo.commit_info(p)[0]) for p in parents[1:]):
            return oid
    return None


def _marked_at(repo: GitRepo, path: str, since: str) -> str:
    """The first-parent commit from which ``path`` was native without a break up to ``since``."""
    marked = since
    for oid, _, _, _ in repo.first_parent_history(since):
        if not attributes.is_native(path, _patterns(repo, oid)):
            break
        marked = oid
    return marked


def catch_ups(repo: GitRepo, head: str, snapshot: str, protected_overlap: str,
              favor_theirs: bool = False) -> list[CatchUp]:
    last = last_sync_commit(repo, head)
    if last is None:
        return []
    then, now = _patterns(repo, last), _patterns(repo, head)
    gone = [p for p in then if p not in now]
    if not gone:
        return []
    candidates: set[str] = set()
    for pattern in gone:
        anchored = pattern.lstrip("/")
        for commit in (head, snapshot):
            if anchored.endswith("/**"):
                candidates.update(repo.files_under(commit, anchored[:-3]))
            elif repo.entry_at(commit, anchored) is not None:
                candidates.add(anchored)
    out = []
    for path in sorted(candidates):
        if attributes.is_native(path, now) or not attributes.is_native(path, then):
            continue
        marked = _marked_at(repo, path, last)
        base_snapshot = repo.merge_base(marked, snapshot)
        base = repo.file_at(base_snapshot, path) if base_snapshot else None
        theirs = repo.file_at(snapshot, path)
        ours_entry = repo.entry_at(head, path)
        ours = repo.read_blob(ours_entry.oid) if ours_entry else None
        if theirs is None or ours is None or base == theirs:
            continue  # Glue has no version, Databricks removed it, or Glue did not change it meanwhile
        outcome = merge(base or b"", ours, theirs, protected_overlap=protected_overlap, favor_theirs=favor_theirs,
                        labels=Labels("HEAD", f"glue-when-marked-native {(base_snapshot or 'none')[:12]}",
                                      "glue-upstream"))
        reasons = {c.reason for c in outcome.conflicts}
        reason = REASON_PROTECTED if REASON_PROTECTED in reasons else REASON if reasons else ""
        out.append(CatchUp(path, marked, base_snapshot or "", outcome.data, not outcome.clean, reason,
                           [c.line for c in outcome.conflicts], ours_entry, base, theirs))
    return out

