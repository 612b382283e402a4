"""The semantic summary of a sync, gathered from git: the raw Glue trees of two snapshots
(their ``G2L-Source`` commits), their findings (notes) and the sync's conflicts."""

from __future__ import annotations

import json

from glue2lakehouse.errors import G2LError
from glue2lakehouse.gitrepo import GitRepo
from glue2lakehouse.review.conflicts import conflict_blocks
from glue2lakehouse.review.summary import Summary, summarize
from glue2lakehouse.snapshot import snapshot_info, stored_findings, trailers


def _source_or_self(repo: GitRepo, snapshot: str | None) -> str | None:
    """The raw Glue tree's commit of a snapshot (the snapshot itself for one without a source commit)."""
    if snapshot is None:
        return None
    source = snapshot_info(repo, snapshot).get("G2L-Source")
    return source if source and repo.has_object(source) else snapshot


def sync_summary(repo: GitRepo, base: str | None, snapshot: str, conflicts: list[dict], preserved: list[dict],
                 findings: list[dict] | None = None) -> Summary:
    """What merging ``snapshot`` brings over the last merged snapshot ``base``."""
    old_source, new_source = _source_or_self(repo, base), _source_or_self(repo, snapshot)
    changes = [c.as_dict() for c in repo.diff_trees(repo.commit_tree(old_source) if old_source else None,
                                                     repo.commit_tree(new_source))]
    old_files = {c.get("old_path") or c["path"]: repo.file_at(old_source, c.get("old_path") or c["path"])
                 for c in changes}
    new_files = {c["path"]: repo.file_at(new_source, c["path"]) for c in changes}
    old_findings = stored_findings(repo, base) if base else []
    new_findings = findings if findings is not None else stored_findings(repo, snapshot)
    info, old_info = snapshot_info(repo, snapshot), snapshot_info(repo, base)
    return summarize(changes, old_files, new_files, old_findings, new_findings, conflicts, preserved,
                     glue_commit=info.get("Glue-Commit"), glue_previous=old_info.get("Glue-Commit"))


def with_ranges(conflicts: list[dict], read) -> list[dict]:
    """Conflicts with the line ranges of their marker blocks, read from ``read(path) -> bytes | None``."""
    out = []
    for conflict in conflicts:
        data = read(conflict["file"])
        ranges = conflict_blocks(data) if data else []
        out.append({**conflict, "ranges": [list(r) for r in ranges]} if ranges else dict(conflict))
    return out


def find_sync_commit(repo: GitRepo, rev: str) -> str:
    """``rev`` if it is a sync (or init) commit, else the nearest one on its first-parent line."""
    oid = repo.resolve(rev)
    if oid is None:
        raise G2LError(f"'{rev}' is not a commit in {repo.root}", "name a sync merge commit (default: HEAD)")
    for commit, message, _, _ in repo.first_parent_history(oid):
        if "G2L-Snapshot" in trailers(message):
            return commit
    raise G2LError(f"no sync commit at or before '{rev}'", "run 'g2l sync' first, or name a sync merge commit")


def report(repo: GitRepo, rev: str = "HEAD") -> Summary:
    """The summary of the sync merge commit at (or before) ``rev``, derived again from git."""
    commit = find_sync_commit(repo, rev)
    message, _, parents = repo.commit_info(commit)
    snapshot = trailers(message)["G2L-Snapshot"]
    if not repo.has_object(snapshot):
        raise G2LError(f"the snapshot {snapshot[:12]} of {commit[:12]} is not in this clone",
                       "fetch it: 'g2l install' then 'git fetch'")
    ours = parents[0] if parents and parents[0] != snapshot else None
    base = repo.merge_base(ours, snapshot) if ours else None
    if base == snapshot:  # a catch-up commit: the snapshot was merged before
        base = None
    note = repo.note(snapshot)
    stored = json.loads(note) if note else {}
    conflicts = with_ranges(stored.get("conflicts", []), lambda path: repo.file_at(commit, path))
    summary = sync_summary(repo, base, snapshot, conflicts, stored.get("preserved", []))
    summary.verified = stored.get("verified")
    return summary
