"""Edits in the Databricks repository: mark native files, protect regions, read the state.

Native files are named in .gitattributes (``merge=g2l-native``); protected
regions are the markers in the files; the sync history is the glue-upstream
branch. The state document is derived from these every time.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from glue2lakehouse import __version__, attributes, journal
from glue2lakehouse.errors import G2LError, MarkerError
from glue2lakehouse.gitrepo import GitRepo
from glue2lakehouse.markers import (SOURCE_GLUE, SOURCE_NATIVE, RegionError, find_regions, protect_lines,
                                    remove_source_header, set_source_header, source_of, unprotect_line)
from glue2lakehouse.snapshot import note_findings, snapshot_info
from glue2lakehouse.sync import GITATTRIBUTES, load_config

STATE_VERSION = "1.0.0"


def resolve_in_repo(repo: GitRepo, path: str | os.PathLike) -> str:
    """A path relative to the repo root, from one relative to the root, absolute, or relative to the cwd."""
    raw = Path(path).expanduser()
    candidates = [raw] if raw.is_absolute() else [repo.root / raw, Path.cwd() / raw]
    for candidate in candidates:
        if candidate.exists():
            full = candidate.resolve()
            try:
                rel = full.relative_to(repo.root)
            except ValueError:
                raise G2LError(f"{path} is outside the Databricks repository {repo.root}",
                               "name a file or folder inside it") from None
            if not rel.parts:
                raise G2LError("the repository root itself cannot be marked", "name a file or folder inside it")
            return rel.as_posix()
    raise G2LError(f"{path} does not exist in the Databricks repository {repo.root}",
                   "create the file first, or give its path relative to the repository root")


def _check_no_merge(repo: GitRepo) -> None:
    operation = repo.operation_in_progress()
    if operation:
        raise G2LError(f"{operation} is in progress", "finish or abort it first")


def mark_native(repo: GitRepo, paths: list[str], commit: bool = True) -> list[str]:
    """Mark files or folders Databricks-native. Returns the repo-relative paths marked."""
    with journal.exclusive(repo, "g2l native"):
        return _mark_native(repo, paths, commit)


def _mark_native(repo: GitRepo, paths: list[str], commit: bool) -> list[str]:
    load_config(repo)
    _check_no_merge(repo)
    if not paths:
        raise G2LError("no path given", "name the files or folders to mark, e.g. 'g2l native process_d.py'")
    gitattributes = repo.root / GITATTRIBUTES
    text = gitattributes.read_text(encoding="utf-8") if gitattributes.exists() else ""
    marked, touched = [], [GITATTRIBUTES]
    edits: dict[Path, str] = {}
    for path in paths:
        rel = resolve_in_repo(repo, path)
        full = repo.root / rel
        text = attributes.add_native(text, attributes.native_pattern(rel, full.is_dir()))
        for file, content in _python_sources(full):
            new = set_source_header(content, SOURCE_NATIVE)
            if new != content:
                edits[file] = new
                touched.append(file.relative_to(repo.root).as_posix())
        marked.append(rel)
    with _all_or_nothing(repo, [GITATTRIBUTES] + [f.relative_to(repo.root).as_posix() for f in edits], commit):
        gitattributes.write_text(text, encoding="utf-8")
        for file, content in edits.items():
            file.write_bytes(content.encode("utf-8"))
        if commit:
            repo.commit_paths(sorted(set(touched) | set(marked)),
                              f"g2l native: mark {', '.join(marked)} Databricks-native")
    return marked


def _python_sources(full: Path):
    """(file, text) of the UTF-8 Python files a marked path covers (the file, or those in the folder)."""
    files = sorted(p for p in full.rglob("*.py") if ".git" not in p.parts) if full.is_dir() else [full]
    for file in files:
        if file.suffix != ".py":
            continue
        try:
            yield file, file.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue


def unmark_native(repo: GitRepo, paths: list[str], commit: bool = True) -> list[str]:
    """Undo 'g2l native': the paths follow Glue again from the next sync, which also brings Glue's
    changes made while they were native (see unmarked.py). Returns the repo-relative paths unmarked."""
    with journal.exclusive(repo, "g2l native --remove"):
        return _unmark_native(repo, paths, commit)


def _unmark_native(repo: GitRepo, paths: list[str], commit: bool) -> list[str]:
    config = load_config(repo)
    _check_no_merge(repo)
    if not paths:
        raise G2LError("no path given", "name the files or folders to unmark, e.g. 'g2l native --remove process_b.py'")
    gitattributes = repo.root / GITATTRIBUTES
    text = gitattributes.read_text(encoding="utf-8") if gitattributes.exists() else ""
    synced = last_synced(repo, config.branch)
    unmarked, touched = [], [GITATTRIBUTES]
    edits: dict[Path, str] = {}
    for path in paths:
        rel = resolve_in_repo(repo, path)
        full = repo.root / rel
        text, found = attributes.remove_native(text, attributes.native_pattern(rel, full.is_dir()))
        if not found:
            raise G2LError(f"{rel} is not marked Databricks-native",
                           "'g2l native --list' shows the native files; unmark a folder by the name it was marked with")
        for file, content in _python_sources(full):
            if source_of(content) != SOURCE_NATIVE:
                continue
            name = file.relative_to(repo.root).as_posix()
            from_glue = synced is not None and repo.entry_at(synced, name) is not None
            edits[file] = set_source_header(content, SOURCE_GLUE) if from_glue else remove_source_header(content)
            touched.append(name)
        unmarked.append(rel)
    with _all_or_nothing(repo, sorted(set(touched)), commit):
        gitattributes.write_text(text, encoding="utf-8")
        for file, content in edits.items():
            file.write_bytes(content.encode("utf-8"))
        if commit:
            repo.commit_paths(sorted(set(touched)), f"g2l native --remove: {', '.join(unmarked)} follows Glue again")
    return unmarked


def unprotect(repo: GitRepo, file: str, line: int, commit: bool = True) -> dict:
    """Remove the markers of the protected region holding ``line``; its code stays."""
    with journal.exclusive(repo, "g2l protect --remove"):
        return _unprotect(repo, file, line, commit)


def _unprotect(repo: GitRepo, file: str, line: int, commit: bool) -> dict:
    load_config(repo)
    _check_no_merge(repo)
    rel = resolve_in_repo(repo, file)
    full = repo.root / rel
    try:
        text = full.read_bytes().decode("utf-8")
    except (IsADirectoryError, UnicodeDecodeError):
        raise G2LError(f"{rel} is not a UTF-8 text file", "name the file that holds the region") from None
    try:
        new, region = unprotect_line(text, line)
    except RegionError as error:
        raise MarkerError(rel, error.line, error.what) from None
    except ValueError as error:
        raise G2LError(f"{rel}: {error}", "'g2l status' lists the protected regions and their lines") from None
    with _all_or_nothing(repo, [rel], commit):
        full.write_bytes(new.encode("utf-8"))
        if commit:
            repo.commit_paths([rel], f"g2l protect --remove: {rel} lines {region.start}-{region.end} follow Glue again")
    return {"file": rel, "start": region.start, "end": region.end}


@contextmanager
def _all_or_nothing(repo: GitRepo, paths: list[str], staged: bool):
    """Interrupted (Ctrl-C, SIGTERM, an error) before its commit, an edit puts the files it wrote back."""
    head = repo.head()
    saved = {path: repo.read_worktree(path) for path in paths}
    try:
        yield
    except BaseException:
        if repo.head() == head:
            with journal.signals_deferred():
                for path, data in saved.items():
                    if data is None:
                        (repo.root / path).unlink(missing_ok=True)
                    else:
                        (repo.root / path).write_bytes(data)
                if staged:
                    repo.reset_index_paths(head, list(saved))
        raise


def native_patterns(repo: GitRepo) -> list[str]:
    path = repo.root / GITATTRIBUTES
    return attributes.native_patterns(path.read_text(encoding="utf-8")) if path.exists() else []


def list_native(repo: GitRepo) -> list[str]:
    patterns = native_patterns(repo)
    if not patterns:
        return []
    files = set(repo.tracked_files())
    for pattern in patterns:  # a marked file that is not committed yet is still native
        if not pattern.endswith("/**") and (repo.root / pattern.lstrip("/")).is_file():
            files.add(pattern.lstrip("/"))
    return sorted(p for p in files if attributes.is_native(p, patterns))


def protect(repo: GitRepo, file: str, start: int, end: int, commit: bool = True) -> dict:
    with journal.exclusive(repo, "g2l protect"):
        return _protect(repo, file, start, end, commit)


def _protect(repo: GitRepo, file: str, start: int, end: int, commit: bool) -> dict:
    load_config(repo)
    _check_no_merge(repo)
    rel = resolve_in_repo(repo, file)
    full = repo.root / rel
    if not full.is_file():
        raise G2LError(f"{rel} is not a file", "name a file to protect lines in")
    try:
        text = full.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise G2LError(f"{rel} is not UTF-8 text", "protect regions only in UTF-8 source files") from None
    try:
        find_regions(text.encode("utf-8"))
    except RegionError as error:
        raise MarkerError(rel, error.line, error.what) from None
    try:
        new = protect_lines(text, start, end)
    except ValueError as error:
        raise G2LError(f"{rel}: {error}", "choose START and END inside the file, outside existing regions") from None
    with _all_or_nothing(repo, [rel], commit):
        full.write_bytes(new.encode("utf-8"))
        journal.checkpoint("worktree")
        if commit:
            repo.commit_paths([rel], f"g2l protect: {rel} lines {start}-{end}")
    return {"file": rel, "start": start, "end": end + 2}


def protected_regions(repo: GitRepo) -> dict[str, list[dict]]:
    """Regions in the working tree's tracked files (found with git grep, then parsed)."""
    result = repo.git("grep", "-l", "-I", "-F", "# PROTECTED:", "--", "*.py", check=False)
    out: dict[str, list[dict]] = {}
    for path in sorted(result.stdout.decode("utf-8", "surrogateescape").split("\n")):
        if not path:
            continue
        data = (repo.root / path).read_bytes()
        try:
            regions = find_regions(data)
        except RegionError as error:
            out[path] = [{"error": f"line {error.line}: {error.what}"}]
            continue
        if regions:
            out[path] = [r.as_dict() for r in regions]
    return out


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=0).isoformat()


def last_synced(repo: GitRepo, branch: str) -> str | None:
    tip = repo.branch_ref(branch)
    head = repo.head()
    if not tip or not head:
        return None
    return tip if repo.is_ancestor(tip, head) else repo.merge_base(tip, head)


def state(repo: GitRepo) -> dict:
    """The guide's .dual_track_state.json document, derived from git."""
    try:
        config = load_config(repo)
    except G2LError:
        return {"version": STATE_VERSION, "initialized": False, "last_sync": None, "glue_file_hashes": {},
                "databricks_native_files": [], "protected_regions": {}, "sync_history": []}
    synced = last_synced(repo, config.branch)
    history = []
    for oid, message, when, _ in repo.first_parent_history(synced):
        info = snapshot_info(repo, oid)
        note = repo.note(oid)
        report = json.loads(note) if note else {}
        entry = {"type": info.get("G2L-Kind", "sync"), "timestamp": _iso(when),
                 "glue_commit": info.get("Glue-Commit"), "snapshot": oid}
        if entry["type"] == "initial_migration":
            entry["files_migrated"] = report.get("files_synced", 0)
        else:
            entry["files_synced"] = report.get("files_synced", 0)
            entry["conflicts"] = len(report.get("conflicts", []))
        history.append(entry)
    history.reverse()
    info = snapshot_info(repo, synced)
    source = info.get("G2L-Source")
    hashes = ({p: e.oid for p, e in sorted(repo.tree_files(source).items())}
              if source and repo.has_object(source) else {})
    return {
        "version": STATE_VERSION,
        "tool_version": __version__,
        "initialized": synced is not None,
        "last_sync": history[-1]["timestamp"] if history else None,
        "last_glue_commit": info.get("Glue-Commit"),
        "glue_source": config.glue_source,
        "catalog": config.transform.catalog,
        "total_files": len(repo.tree_files(synced)) if synced else 0,
        "glue_file_hashes": hashes,
        "databricks_native_files": list_native(repo),
        "protected_regions": protected_regions(repo),
        "sync_history": history,
    }


def line_provenance(repo: GitRepo) -> dict[str, dict[str, int]]:
    """Lines per file that come from Glue, from Databricks, and from conflict resolutions (review/blame.py)."""
    from glue2lakehouse.review.blame import shares
    from glue2lakehouse.snapshot import OWNED_PATHS

    config = load_config(repo)
    return shares(repo, last_synced(repo, config.branch), repo.head(), OWNED_PATHS)


def attention(repo: GitRepo) -> list[str]:
    """What a person should know before the next command: a run going on or interrupted, a stale lock, a snapshot
    committed on the snapshot branch but not merged."""
    from glue2lakehouse import lock

    out = []
    found = lock.holder(repo.git_dir)
    if found and found[1]:
        out.append(f"a g2l command is running now: {lock.describe(found[0])}")
    elif found:
        out.append(f"a stale g2l lock of {lock.describe(found[0])}, which is no longer running: the next g2l "
                   f"command takes it over (or delete {repo.git_dir / lock.LOCK_NAME})")
    line = journal.interrupted(repo)
    if line:
        out.append(f"{line}: run 'g2l sync' (or any g2l command that writes) to finish or undo it")
    try:
        config = load_config(repo)
    except G2LError:
        return out
    tip = repo.branch_ref(config.branch)
    head = repo.head()
    if tip and head and not line and not repo.operation_in_progress() and not repo.is_ancestor(tip, head):
        glue = snapshot_info(repo, tip).get("Glue-Commit", "?")
        out.append(f"the snapshot of Glue {glue[:12]} is on {config.branch} but not merged into "
                   f"{repo.head_branch()}: run 'g2l sync' to merge it")
    return out


def conflicts_now(repo: GitRepo) -> list[dict]:
    """Files unmerged in the index, each with the reason recorded by the sync that left them."""
    unmerged = repo.unmerged()
    if not unmerged:
        return []
    reasons = {}
    merge_head = repo.merge_head()
    note = repo.note(merge_head) if merge_head else None
    if note:
        for conflict in json.loads(note).get("conflicts", []):
            reasons[conflict["file"]] = conflict
    out = []
    for path in sorted(unmerged):
        known = reasons.get(path, {})
        item = {"file": path, "reason": known.get("reason", "unmerged in the index: both sides changed it")}
        if known.get("lines"):
            item["lines"] = known["lines"]
        out.append(item)
    return out


def last_findings(repo: GitRepo) -> list[dict]:
    try:
        config = load_config(repo)
    except G2LError:
        return []
    tip = repo.branch_ref(config.branch)
    note = repo.note(tip) if tip else None
    return note_findings(repo, json.loads(note), missing_ok=False) if note else []
