"""Preconditions, snapshot, merge, native enforcement, report: ``init`` and ``sync``.

Every path here is all or nothing: refs move and the working tree changes
only once the outcome is known, and an error on the way leaves the
repository as it was. Writers hold the repository's lock, and the last
steps (refs, index, work tree) are journaled (journal.py), so that a run
killed on the way is finished or undone by the next command.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from glue2lakehouse import attributes, gcpause, journal, unmarked
from glue2lakehouse.config import CONFIG_FILE, Config, TransformSettings, parse_config, render_config
from glue2lakehouse.errors import G2LError, MarkerError
from glue2lakehouse.gitrepo import GitRepo, TreeEntry, driver_command, edit_tree
from glue2lakehouse.markers import RegionError, find_regions, has_markers
from glue2lakehouse.merge.core import REASON_OVERLAP, REASON_PROTECTED
from glue2lakehouse.report import SyncResult
from glue2lakehouse.estate.bundle import BUNDLE_FILE, bundle_root
from glue2lakehouse.review import collect as review
from glue2lakehouse.snapshot import OWNED_PATHS, Snapshot, build_snapshot, publish_refs, watched_refs

GITATTRIBUTES = ".gitattributes"


# ------------------------------------------------------------------ context
def open_repo(path: str | os.PathLike) -> GitRepo:
    return GitRepo(path)


def load_config(repo: GitRepo) -> Config:
    path = repo.root / CONFIG_FILE
    if not path.exists():
        raise G2LError(f"{repo.root} is not initialised for glue2lakehouse (no {CONFIG_FILE})",
                       "run 'g2l init --glue PATH' first")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise G2LError(f"cannot read {CONFIG_FILE}: {error}", "restore it with 'git checkout -- .g2l.toml'") from None
    return parse_config(text)


def check_ready(repo: GitRepo, allow_unborn: bool = False) -> None:
    """The repository is in a state where a sync can run and be undone."""
    operation = repo.operation_in_progress()
    if operation:
        raise G2LError(f"{operation} is in progress in {repo.root}",
                       "finish it ('git commit') or abandon it ('git merge --abort' / 'git rebase --abort') first")
    if repo.head_detached:
        raise G2LError("HEAD is detached", "check out a branch first ('git switch BRANCH')")
    if repo.head_unborn and not allow_unborn:
        raise G2LError("the repository has no commit yet", "run 'g2l init --glue PATH' first")
    dirty = repo.dirty_tracked()
    if dirty:
        more = f" and {len(dirty) - 1} more" if len(dirty) > 1 else ""
        raise G2LError(f"uncommitted changes to tracked files ({dirty[0]}{more})",
                       "commit or stash them first ('git stash')")


def check_identity(repo: GitRepo) -> None:
    if repo.identity() is None:
        raise G2LError("git has no user identity for the merge commit",
                       "run 'git config user.name \"NAME\"' and 'git config user.email EMAIL'")


def install_drivers(repo: GitRepo) -> None:
    """Write the merge-driver entries to .git/config (a fresh clone needs this, as git-lfs does)."""
    repo.set_config("merge.g2l.name", "glue2lakehouse: keep PROTECTED regions byte for byte")
    repo.set_config("merge.g2l.driver", driver_command("protected"))
    repo.set_config("merge.g2l-native.name", "glue2lakehouse: Databricks-native files keep their version")
    repo.set_config("merge.g2l-native.driver", driver_command("native"))


def install(repo: GitRepo, remote: str = "origin") -> tuple[str, dict]:
    """``g2l install``, under the writer lock: the merge-driver entries, and ``remote``'s refspecs for the
    snapshot branch, refs/g2l/* and refs/notes/g2l. Returns (snapshot branch, what was set on the remote:
    empty when there is no such remote)."""
    from glue2lakehouse.remote import install_refspecs

    with journal.exclusive(repo, "g2l install"):
        install_drivers(repo)
        branch = load_config(repo).branch if (repo.root / CONFIG_FILE).exists() else "glue-upstream"
        return branch, install_refspecs(repo, remote, branch)


def _driver_overrides(config: Config, force: bool, report_file: str) -> dict[str, str]:
    extra = ["--overlap", config.protected_overlap, "--report", report_file]
    if force:
        extra.append("--favor-theirs")
    return {
        "merge.conflictStyle": "diff3",
        "merge.g2l.driver": driver_command("protected", extra),
        "merge.g2l-native.driver": driver_command("native", ["--report", report_file]),
    }


def _read_reports(report_file: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    try:
        with open(report_file, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    out[record["path"]] = record
    except FileNotFoundError:
        pass
    return out


# ------------------------------------------------------------------ the plan
@dataclass
class Plan:
    """What merging a snapshot into HEAD gives, before anything is changed."""

    tree: str
    conflicts: list[dict]
    preserved: list[dict]
    overlaps: list[dict]
    skipped: list[dict]
    native_restore: list[str]
    native_remove: list[str]
    force_edits: dict[str, TreeEntry | None]
    changes: list[dict]
    applied: int
    databricks_files: list[str]
    catch_ups: list = field(default_factory=list)  # unmarked native files (unmarked.py)


def _native_patterns(repo: GitRepo, commit: str | None) -> list[str]:
    data = repo.file_at(commit, GITATTRIBUTES)
    return attributes.native_patterns(data.decode("utf-8", "replace")) if data else []


def _conflict_reason(path: str, stages: dict, record: dict | None, kinds: list[str]) -> tuple[str, list[int]]:
    lines = [c["line"] for c in (record or {}).get("conflicts", [])]
    if record and record.get("conflicts"):
        reasons = {c["reason"] for c in record["conflicts"]}
        return (REASON_PROTECTED if REASON_PROTECTED in reasons else REASON_OVERLAP), lines
    if 3 not in stages and 2 in stages:
        return "Glue deleted a file that Databricks changed", lines
    if 2 not in stages and 3 in stages:
        return "Databricks deleted a file that Glue changed", lines
    if record and record.get("error"):
        return f"protected markers could not be read ({record['error']}); merged by git's line merge", lines
    if any("add/add" in kind for kind in kinds):
        return "Glue and Databricks both added this file with different content", lines
    if kinds:
        return f"{REASON_OVERLAP} ({', '.join(sorted(set(kinds)))})", lines
    return REASON_OVERLAP, lines


def plan_merge(repo: GitRepo, config: Config, snapshot_commit: str, force: bool, report_file: str,
               allow_unrelated: bool = False) -> Plan:
    head = repo.head()
    base = repo.merge_base(head, snapshot_commit) if head else None
    glue_changes = repo.diff_trees(repo.commit_tree(base) if base else None, repo.commit_tree(snapshot_commit))
    patterns = _native_patterns(repo, head)
    # Files both sides may touch: validate their markers before anything changes.
    regions: dict[str, list[bytes]] = {}
    for change in glue_changes:
        for path in {change.path, change.old_path} - {None}:
            data = repo.file_at(head, path)
            if data is None or not has_markers(data) or attributes.is_native(path, patterns):
                continue
            try:
                found = find_regions(data)
            except RegionError as error:
                raise MarkerError(path, error.line, error.what) from None
            lines = data.splitlines(keepends=True)
            regions[path] = [b"".join(lines[r.start - 1 : r.end]) for r in found]
    result = repo.merge_tree(head or snapshot_commit, snapshot_commit, _driver_overrides(config, force, report_file),
                             allow_unrelated=allow_unrelated) if head else None
    reports = _read_reports(report_file)
    tree = result.tree if result else repo.commit_tree(snapshot_commit)
    stages = result.stages if result else {}
    kinds: dict[str, list[str]] = {}
    for paths, kind, _message in (result.messages if result else []):
        if kind.startswith("CONFLICT"):
            for path in paths:
                kinds.setdefault(path, []).append(kind)

    head_tree = _Lookup(repo, head)
    base_tree = _Lookup(repo, base)
    edits: dict[str, TreeEntry | None] = {}
    native_restore, native_remove = [], []
    preserved, skipped, change_dicts = [], [], []
    touched_native: set[str] = set()
    for change in glue_changes:
        change_dicts.append(change.as_dict())
        targets = [change.path] + ([change.old_path] if change.old_path else [])
        native_targets = [p for p in targets if attributes.is_native(p, patterns)]
        for path in native_targets:
            touched_native.add(path)
            if path in head_tree:
                edits[path] = head_tree[path]
                native_restore.append(path)
            else:
                edits[path] = None
                native_remove.append(path)
        if native_targets:
            what = change.status + (f" from {change.old_path}" if change.old_path else "")
            skipped.append({"path": change.path, "change": change.status})
            for path in native_targets:
                preserved.append({"path": path, "why": f"Databricks-native: Glue {what}; Databricks version kept"})
            continue
        if change.path in head_tree and change.path in base_tree and head_tree[change.path].oid != base_tree[change.path].oid:
            preserved.append({"path": change.path, "why": "Databricks edits kept, Glue changes merged around them"})
    for path, kept in regions.items():
        preserved.append({"path": path, "why": f"{len(kept)} protected region(s) kept byte for byte"})

    overlaps = []
    for path, record in sorted(reports.items()):
        for overlap in record.get("overlaps", []):
            overlaps.append({"file": path, **overlap})
    conflicts = []
    for path in sorted(stages):
        if path in touched_native:
            continue
        if force:
            entry = stages[path]
            if path in regions:  # protected regions win over --force-overwrite
                edits[path] = entry.get(2)
            elif 3 in entry:
                edits[path] = entry[3]
            else:
                edits[path] = None
            continue
        reason, lines = _conflict_reason(path, stages[path], reports.get(path), kinds.get(path, []))
        conflict = {"file": path, "reason": reason}
        if lines:
            conflict["lines"] = lines
        conflicts.append(conflict)
    force_edits = {p: e for p, e in edits.items() if p in stages and p not in touched_native}
    tree = edit_tree(repo, tree, edits)

    # The guarantee, checked on the result: every protected region is still there, byte for byte.
    for path, kept in regions.items():
        entry = repo.entry_at(tree, path)
        data = repo.read_blob(entry.oid) if entry else b""
        for region in kept:
            if region not in data:
                raise G2LError(f"the merge would lose a protected region of {path}; nothing was changed",
                               "report this with the two commits; resolve by hand with 'git merge glue-upstream'")
    conflicted = {c["file"] for c in conflicts}
    preserved = [item for item in preserved if item["path"] not in conflicted]
    ours_changes = repo.diff_trees(repo.commit_tree(base), repo.commit_tree(head)) if base and head else []
    databricks_files = sorted({c.path for c in ours_changes if c.path not in OWNED_PATHS} - conflicted)
    applied = sum(1 for c in glue_changes if c.path not in conflicted and not attributes.is_native(c.path, patterns))
    return Plan(tree, conflicts, preserved, overlaps, skipped, native_restore, native_remove, force_edits,
                change_dicts, applied, databricks_files)


def _message(title: str, snapshot: Snapshot, plan: Plan, semantic: list[str] | None = None,
             verified: list[dict] | None = None) -> str:
    lines = [title, ""]
    if semantic:
        lines += semantic + [""]
    if verified is not None:
        from glue2lakehouse.verify.verified import message_lines   # plain text; no Spark here

        lines += message_lines(verified) + [""]
    if plan.changes:
        lines.append("Glue changed:")
        for change in plan.changes:
            old = f" (from {change['old_path']})" if change.get("old_path") else ""
            lines.append(f"  {change['change']} {change['path']}{old}")
        lines.append("")
    if getattr(snapshot, "job_changes", None):
        lines.append("Glue job changes (bundle resources):")
        lines += [f"  {line}" for line in snapshot.job_changes]
        lines.append("")
    if plan.preserved:
        lines.append("Preserved:")
        lines += [f"  {item['path']}: {item['why']}" for item in plan.preserved]
        lines.append("")
    if plan.overlaps:
        lines.append("Glue changes not applied inside protected regions (protected_overlap = keep-databricks):")
        lines += [f"  {o['file']} (region at lines {o['region']['start']}-{o['region']['end']})" for o in plan.overlaps]
        lines.append("")
    if plan.conflicts:
        lines.append("Conflicts:")
        for c in plan.conflicts:
            where = ", ".join(f"lines {a}-{b}" for a, b in c.get("ranges", []))
            lines.append(f"  {c['file']}{f' ({where})' if where else ''}: {c['reason']}")
        lines.append("")
    lines.append(f"Glue-Commit: {snapshot.glue_commit}")
    if snapshot.glue_previous:
        lines.append(f"Glue-Previous: {snapshot.glue_previous}")
    lines.append(f"G2L-Snapshot: {snapshot.commit}")
    return "\n".join(lines) + "\n"


def _fill(result: SyncResult, snapshot: Snapshot, plan: Plan, native_count: int) -> None:
    result.glue_commit = snapshot.glue_commit
    result.glue_previous = snapshot.glue_previous
    result.snapshot = snapshot.commit
    result.changes = plan.changes
    result.files_synced = len(plan.changes) - len(plan.skipped)
    result.files_skipped = len(plan.skipped)
    result.files_protected = native_count
    result.glue_changes_applied = plan.applied
    result.preserved = plan.preserved
    result.databricks_code_preserved = len(plan.databricks_files)
    result.conflicts = plan.conflicts
    result.overlaps = plan.overlaps
    result.findings = list(snapshot.finding_dicts)
    tail = snapshot.findings_tail
    if tail.count:
        result.estate_actions = (tail.count, tail.actions)


def _native_count(repo: GitRepo, commit: str | None) -> int:
    """Files named native in .gitattributes (found by their patterns, not by walking the whole tree)."""
    patterns = _native_patterns(repo, commit)
    if not patterns or commit is None:
        return 0
    files: set[str] = set()
    for pattern in patterns:
        anchored = pattern.lstrip("/")
        if anchored.endswith("/**"):
            files.update(repo.files_under(commit, anchored[:-3]))
        elif "/" in pattern or not any(ch in pattern for ch in "*?["):
            if repo.entry_at(commit, anchored) is not None:
                files.add(anchored)
        else:  # an unanchored glob: the only case that needs every path
            files.update(p for p in repo.tree_files(commit) if attributes.is_native(p, [pattern]))
    return len(files)


class _Lookup:
    """Dict-like access to a commit's files by path, without walking the whole tree."""

    def __init__(self, repo: GitRepo, commit: str | None):
        self.repo = repo
        self.commit = commit
        self.cache: dict[str, TreeEntry | None] = {}

    def get(self, path: str) -> TreeEntry | None:
        if path not in self.cache:
            self.cache[path] = self.repo.entry_at(self.commit, path)
        return self.cache[path]

    def __contains__(self, path: str) -> bool:
        return self.get(path) is not None

    def __getitem__(self, path: str) -> TreeEntry:
        entry = self.get(path)
        if entry is None:
            raise KeyError(path)
        return entry


def _apply_in_worktree(repo: GitRepo, plan: Plan, snapshot: Snapshot, config: Config, force: bool,
                       report_file: str, message: str, allow_unrelated: bool = False) -> None:
    """Run the real merge, leave it in progress, then enforce natives and --force-overwrite on it."""
    repo.merge_no_commit(snapshot.commit, message, _driver_overrides(config, force, report_file),
                         allow_unrelated=allow_unrelated)
    if plan.catch_ups and repo.merge_head() is None:
        # The snapshot was merged before (git saw nothing to do): the catch-up of unmarked files is
        # still finished as a merge of it, so the commit that resolves it counts as that sync.
        repo.begin_merge(snapshot.commit)
    journal.checkpoint("worktree")
    repo.restore_from_head(plan.native_restore)
    repo.remove_paths(plan.native_remove)
    journal.checkpoint("index")
    for path, entry in plan.force_edits.items():
        if entry is None:
            repo.remove_paths([path])
        else:
            (repo.root / path).write_bytes(repo.read_blob(entry.oid))
            repo.add_paths([path])
    for item in plan.catch_ups:
        (repo.root / item.path).write_bytes(item.data)
        if item.conflicted:
            repo.set_unmerged(item.path, {1: item.base, 2: repo.read_blob(item.ours.oid), 3: item.theirs},
                              item.ours.mode)
        else:
            repo.add_paths([item.path])
    repo.write_merge_msg(message)


def _add_catch_ups(repo: GitRepo, plan: Plan, items: list) -> None:
    """Fold the merges of unmarked native files into the plan."""
    plan.catch_ups = items
    clean = {i.path: TreeEntry(repo.write_blob(i.data), i.ours.mode) for i in items if not i.conflicted}
    plan.tree = edit_tree(repo, plan.tree, clean)
    for item in items:
        since = f"snapshot {item.base_snapshot[:12]}" if item.base_snapshot else "its first sync"
        if item.conflicted:
            conflict = {"file": item.path, "reason": f"{item.reason} (Glue changes since {since})"}
            if item.lines:
                conflict["lines"] = item.lines
            plan.conflicts.append(conflict)
        else:
            plan.applied += 1
            plan.preserved.append({"path": item.path, "why": "no longer Databricks-native: Glue's changes since "
                                                             f"it was marked ({since}) merged around Databricks edits"})


def _merge_paths(repo: GitRepo, head: str | None, plan: Plan, snapshot: Snapshot,
                 extra: list[str] = ()) -> tuple[list[str], dict[str, list[str]]]:
    """The paths a merge left in progress may write, and for paths new to HEAD the versions it may write there."""
    head_tree = repo.commit_tree(head) if head else None
    changes = repo.diff_trees(head_tree, plan.tree)
    paths = {c.path for c in changes} | {c.old_path for c in changes if c.old_path}
    paths |= set(plan.native_restore) | set(plan.native_remove) | set(plan.force_edits) | set(extra)
    paths |= {c["file"] for c in plan.conflicts}
    written: dict[str, list[str]] = {}
    for path in paths:
        if repo.entry_at(head, path) is None:
            versions = [repo.entry_at(plan.tree, path), repo.entry_at(snapshot.commit, path)]
            written[path] = sorted({v.oid for v in versions if v is not None})
    return sorted(paths), written


def _record(repo: GitRepo, command: str, head: str | None, start_branch: str, target: str, created: bool,
            new: str | None = None) -> dict:
    return {"command": command, "old": head, "new": new, "start_branch": start_branch, "head_branch": target,
            "branch_ref": f"refs/heads/{target}", "branch_old": None if created else head}


# ------------------------------------------------------------------ sync
def sync(path: str | os.PathLike, *, glue_source: str | os.PathLike | None = None, dry_run: bool = False,
         force_overwrite: bool = False, branch: str | None = None, no_commit: bool = False,
         progress=None, workers: int | None = None, pr_body: str | os.PathLike | None = None,
         commit_conflicts: bool = False, verify=None) -> SyncResult:
    """``verify``: a callable ``verify(repo, snapshot, tree, conflicted) -> list[dict]`` (the verdicts, see
    verify/verified.py), called with the tree the sync is about to commit (or leave staged) and the files in
    conflict, before any ref moves; its verdicts go into the merge message, the snapshot's note and the
    pull-request body (``glue2lakehouse.verify.sync_verify.verifier()`` makes one)."""
    repo = open_repo(path)
    options = dict(glue_source=glue_source, dry_run=dry_run, force_overwrite=force_overwrite, branch=branch,
                   no_commit=no_commit, progress=progress, workers=workers, pr_body=pr_body,
                   commit_conflicts=commit_conflicts, verify=verify)
    with gcpause.paused():
        if dry_run:
            return _sync(repo, **options)
        with journal.exclusive(repo, "g2l sync"):
            return _sync(repo, **options)


def _sync(repo: GitRepo, *, glue_source, dry_run: bool, force_overwrite: bool, branch: str | None, no_commit: bool,
          progress, workers: int | None, pr_body, commit_conflicts: bool, verify=None) -> SyncResult:
    if dry_run:
        interrupted = journal.interrupted(repo)
        if interrupted:
            raise G2LError(interrupted, "run 'g2l sync' to finish or undo it, then the dry run")
    config = load_config(repo)
    if commit_conflicts and not branch:
        raise G2LError("--commit-conflicts needs --branch NAME",
                       "conflict markers are only ever committed on a new sync branch, never on the current one")
    if commit_conflicts and no_commit:
        raise G2LError("--commit-conflicts and --no-commit both given", "use one of them")
    if pr_body and not Path(pr_body).expanduser().resolve().parent.is_dir():
        raise G2LError(f"the folder of --pr-body {pr_body} does not exist", "create it or pass another path")
    check_ready(repo)
    refs_at_start = {name: repo.ref(name) for name in watched_refs(config)}
    if not repo.branch_ref(config.branch):
        raise G2LError(f"the snapshot branch '{config.branch}' does not exist",
                       "fetch it ('git fetch origin glue-upstream:glue-upstream') or run 'g2l init' in a new repository")
    if not dry_run:
        check_identity(repo)
    if branch is not None:
        if not repo.valid_branch_name(branch):
            raise G2LError(f"'{branch}' is not a valid branch name", "pick another name for --branch")
        if repo.branch_ref(branch):
            raise G2LError(f"branch '{branch}' already exists", "pick a new name for --branch")
    glue_path = Path(glue_source).expanduser().resolve() if glue_source else config.glue_path(repo.root)
    result = SyncResult(kind="sync", dry_run=dry_run)
    snapshot = build_snapshot(repo, config, glue_path, kind="sync", progress=progress, workers=workers)
    head = repo.head()
    already_merged = not snapshot.new and repo.is_ancestor(snapshot.commit, head)
    catch_ups = unmarked.catch_ups(repo, head, snapshot.commit, config.protected_overlap, force_overwrite)
    if already_merged and not catch_ups:
        result.status = "up-to-date"
        result.glue_commit = snapshot.glue_commit
        result.snapshot = snapshot.commit
        result.files_protected = _native_count(repo, head)
        if pr_body:
            _write_pr_body(pr_body, review.sync_summary(repo, snapshot.commit, snapshot.commit, [], []))
        return result

    with tempfile.TemporaryDirectory(prefix="g2l-") as tmp:
        report_file = str(Path(tmp) / "drivers.jsonl")
        plan = plan_merge(repo, config, snapshot.commit, force_overwrite, report_file)
        _add_catch_ups(repo, plan, catch_ups)
        _fill(result, snapshot, plan, _native_count(repo, head))
        summary = review.sync_summary(repo, repo.merge_base(head, snapshot.commit), snapshot.commit,
                                      plan.conflicts, plan.preserved, result.findings)
        if verify is not None:
            result.verified = summary.verified = _verified(repo, verify, snapshot.commit, plan)
        if dry_run:
            result.status = "would-conflict" if plan.conflicts else "would-merge"
            if pr_body:
                _write_pr_body(pr_body, summary)
            return result

        start_branch = repo.head_branch()
        target = branch or start_branch
        title = f"g2l sync: merge Glue {snapshot.glue_commit[:12]} into {target}"
        message = _message(title, snapshot, plan, summary.text_lines(), result.verified)
        record = _record(repo, "g2l sync", head, start_branch, target, created=branch is not None)

        def glue_refs() -> dict:
            # The report of the sync that merged a snapshot is kept: a catch-up of an old one moves no Glue ref.
            return {} if already_merged else publish_refs(repo, config, snapshot, result.to_dict(copy=False),
                                                          refs_at_start)

        install_drivers(repo)
        if branch:
            result.branch = branch
        if plan.conflicts or no_commit:
            paths, written = _merge_paths(repo, head, plan, snapshot, [i.path for i in catch_ups])

            def do_merge():
                Path(report_file).unlink(missing_ok=True)
                _apply_in_worktree(repo, plan, snapshot, config, force_overwrite, report_file, message)
                unmerged = repo.unmerged()
                if set(unmerged) != {c["file"] for c in plan.conflicts}:
                    reports = _read_reports(report_file)
                    result.conflicts = [
                        {"file": p, "reason": _conflict_reason(p, s, reports.get(p), [])[0]}
                        for p, s in sorted(unmerged.items())
                    ]
                result.status = "conflicts" if result.conflicts else "staged"
                if commit_conflicts and result.conflicts:
                    # On the new sync branch only: the pull request shows the markers where they are.
                    repo.add_paths([c["file"] for c in result.conflicts])
                    plan.conflicts = review.with_ranges(result.conflicts, repo.read_worktree)
                    result.merge_commit = repo.commit_staged(_message(title, snapshot, plan, summary.text_lines(),
                                                                      result.verified))
                    result.status = "conflicts-committed"
                    return result.merge_commit
                return None

            journal.land_merge(repo, {**record, "paths": paths, "written": written}, glue_refs, message, do_merge)
        else:
            commit = repo.create_commit(plan.tree, [head, snapshot.commit], message, author=repo.identity())
            result.merge_commit = commit
            result.status = "merged"
            journal.land_commit(repo, {**record, "new": commit}, glue_refs(), message)
    if pr_body:
        summary.conflicts = review.with_ranges(result.conflicts, repo.read_worktree)
        _write_pr_body(pr_body, summary)
    return result


def _verified(repo: GitRepo, verify, snapshot: str, plan: Plan) -> list[dict]:
    """The verdicts of the ``verify`` hook on the tree about to be committed. An error of the verification
    itself does not lose the merge: the verdicts then say why nothing was verified."""
    from glue2lakehouse.verify.verified import failed

    try:
        verdicts = verify(repo, snapshot, plan.tree, sorted(c["file"] for c in plan.conflicts))
    except G2LError as error:
        return failed(error.problem)
    except Exception as error:   # a bug or a broken environment in verification: reported, the sync goes on
        return failed(f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
                      .rstrip(": "))
    return json.loads(json.dumps(list(verdicts), default=str, sort_keys=True))   # as the note keeps them


def _write_pr_body(path: str | os.PathLike, summary) -> None:
    try:
        Path(path).write_text(summary.markdown(), encoding="utf-8")
    except OSError as error:
        raise G2LError(f"cannot write the pull request body to {path}: {error.strerror}",
                       "pass a writable path to --pr-body") from None


# ------------------------------------------------------------------ init
def initialize(path: str | os.PathLike, glue: str | os.PathLike, *, ref: str = "HEAD", catalog: str = "main",
               progress=None, workers: int | None = None) -> SyncResult:
    repo = open_repo(path)
    with journal.exclusive(repo, "g2l init"):
        return _initialize(repo, glue, ref, catalog, progress, workers)


def _initialize(repo: GitRepo, glue, ref: str, catalog: str, progress, workers: int | None) -> SyncResult:
    if (repo.root / CONFIG_FILE).exists() or repo.file_at(repo.head(), CONFIG_FILE) is not None:
        raise G2LError(f"{repo.root} is already initialised ({CONFIG_FILE} exists)",
                       "run 'g2l sync' to bring in Glue changes")
    check_ready(repo, allow_unborn=True)
    check_identity(repo)
    if not catalog or not catalog.replace("_", "").replace("-", "").isalnum():
        raise G2LError(f"'{catalog}' is not a catalog name", "use letters, digits, '_' or '-' (for example production)")
    glue_path = Path(glue).expanduser().resolve()
    try:
        stored = os.path.relpath(glue_path, repo.root)
    except ValueError:
        stored = str(glue_path)
    config = Config(glue_source=Path(stored).as_posix(), glue_ref=ref, transform=TransformSettings(catalog=catalog))
    if repo.branch_ref(config.branch):
        raise G2LError(f"a branch '{config.branch}' already exists", "delete it or initialise another repository")
    refs_at_start = {name: repo.ref(name) for name in watched_refs(config)}

    snapshot = build_snapshot(repo, config, glue_path, kind="initial_migration", progress=progress, workers=workers)
    head = repo.head()
    start_branch = repo.head_branch()
    existing = repo.file_at(head, GITATTRIBUTES) or b""
    settings = {
        CONFIG_FILE: render_config(config).encode(),
        GITATTRIBUTES: attributes.ensure_driver_lines(existing.decode("utf-8", "replace")).encode(),
    }
    if (any(c.path.startswith("resources/") and c.path.endswith(".job.yml") for c in snapshot.changes)
            and repo.file_at(head, BUNDLE_FILE) is None and repo.file_at(snapshot.commit, BUNDLE_FILE) is None):
        settings[BUNDLE_FILE] = bundle_root(repo.root.name).encode()   # the Databricks team's from now on
    result = SyncResult(kind="initial_migration")
    with tempfile.TemporaryDirectory(prefix="g2l-") as tmp:
        report_file = str(Path(tmp) / "drivers.jsonl")
        plan = plan_merge(repo, config, snapshot.commit, False, report_file, allow_unrelated=True)
        _fill(result, snapshot, plan, 0)
        result.files_synced = snapshot.files
        result.glue_changes_applied = snapshot.files - len(plan.conflicts)
        result.preserved = []
        result.databricks_code_preserved = 0
        title = f"g2l init: initial migration of Glue {snapshot.glue_commit[:12]} (catalog {catalog})"
        message = _message(title, snapshot, plan)
        settings_edits = {name: TreeEntry(repo.write_blob(data), 0o100644) for name, data in settings.items()}
        record = _record(repo, "g2l init", head, start_branch, start_branch, created=head is None)
        install_drivers(repo)
        if plan.conflicts:
            paths, written = _merge_paths(repo, head, plan, snapshot, list(settings))
            for name, entry in settings_edits.items():
                written.setdefault(name, []).append(entry.oid)

            def do_merge():
                _apply_in_worktree(repo, plan, snapshot, config, False, report_file, message, allow_unrelated=True)
                for name, data in settings.items():
                    (repo.root / name).write_bytes(data)
                repo.add_paths(list(settings))
                result.status = "conflicts"

            journal.land_merge(repo, {**record, "paths": paths, "written": written},
                               lambda: publish_refs(repo, config, snapshot, result.to_dict(), refs_at_start),
                               message, do_merge)
        else:
            tree = edit_tree(repo, plan.tree, settings_edits)
            parents = [head, snapshot.commit] if head else [snapshot.commit]
            commit = repo.create_commit(tree, parents, message, author=repo.identity())
            result.merge_commit = commit
            result.status = "merged"
            journal.land_commit(repo, {**record, "new": commit},
                                publish_refs(repo, config, snapshot, result.to_dict(), refs_at_start), message)
    return result
