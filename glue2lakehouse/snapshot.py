"""Glue source -> transformed tree -> snapshot commit on the glue-upstream branch.

A snapshot is built without touching the working tree or moving any ref (the
caller moves refs once the whole sync is known to succeed). Besides the
transformed tree, the raw Glue tree is kept as a commit under
``refs/g2l/glue-source``: it lets the next sync transform only the Glue files
whose content changed, and it is the Glue version of every file as of the sync.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from glue2lakehouse import __version__, gcpause
from glue2lakehouse.config import Config
from glue2lakehouse.estate import ESTATE_RULES, convert_estate, parse_ahead, resume
from glue2lakehouse.estate.cache import EstateCache, activated, blob_id, keep_report, kept_report
from glue2lakehouse.errors import G2LError
from glue2lakehouse.gitrepo import NOTES_REF, Change, GitRepo, SourceRepo, TreeEntry, edit_tree, is_git_worktree_root
from glue2lakehouse.jsontext import dumps_indented, items_text, list_text
from glue2lakehouse.parallel import InitialPool, transform_blobs
from glue2lakehouse.review.actions import action_keys
from glue2lakehouse.transform import Finding, default_workers

SOURCE_REF = "refs/g2l/glue-source"
# Paths glue2lakehouse owns in the Databricks repo: never taken from Glue.
OWNED_PATHS = {".gitattributes", ".g2l.toml"}
_SKIP_DIRS = {".git", "__pycache__", ".ipynb_checkpoints"}
_TRAILER = re.compile(r"^([A-Za-z0-9-]+): (.+)$")


def trailers(message: str) -> dict[str, str]:
    """The ``Key: value`` lines of a commit message, wherever they are (a later one wins). Only lines holding
    ": " can be one: an initial migration's message lists every file of the estate, and the walk back to the last
    sync reads it."""
    out = {}
    for line in [line for line in message.splitlines() if ": " in line]:
        match = _TRAILER.match(line.strip())
        if match:
            out[match.group(1)] = match.group(2)
    return out


@dataclass
class GlueSource:
    commit: str                          # the Glue commit, or "folder:<hash>" for a plain folder
    files: dict[str, TreeEntry]          # path -> blob already in the Databricks repo's object store
    skipped: list[str] = field(default_factory=list)
    changed: set[str] | None = None      # the paths whose entry differs from ``base`` (None: no base given)


def read_source(repo: GitRepo, path: Path, ref: str,
                base: tuple[str, dict[str, TreeEntry]] | None = None) -> GlueSource:
    """Read the Glue source (a git repo at ``ref``, or a plain folder) into the repo's object store.

    ``base``: (tree, its files) of the last sync's source tree; a Glue repository is then read as the diff of
    that tree and the Glue commit's, so that what a sync reads follows what changed."""
    if not path.exists():
        raise G2LError(f"the Glue source {path} does not exist",
                       "fix [glue] source in .g2l.toml (or pass the right path)")
    if not path.is_dir():
        raise G2LError(f"the Glue source {path} is not a folder", "point [glue] source at the Glue repository")
    if not os.access(path, os.R_OK | os.X_OK):
        raise G2LError(f"the Glue source {path} is not readable", "check its permissions")
    if path.resolve() == repo.root:
        raise G2LError("the Glue source is the Databricks repository itself", "point [glue] source at the Glue repository")
    if is_git_worktree_root(path):
        source = SourceRepo(path, ref)
        tree = source.copy_into(repo) if base is not None else None
        if tree is not None:
            base_tree, base_files = base
            files = dict(base_files)
            skipped, changed = [], set()
            for name, entry in repo.diff_entries(base_tree, tree).items():
                if entry is not None and (name in OWNED_PATHS or entry.mode == 0o160000):
                    skipped.append(name)
                    entry = None
                if entry is None:
                    if files.pop(name, None) is not None:
                        changed.add(name)
                else:
                    files[name] = entry
                    changed.add(name)
            for name in OWNED_PATHS & files.keys():   # a base listed before they were skipped
                del files[name]
                changed.add(name)
            return GlueSource(source.commit, files, sorted(skipped), changed)
        files: dict[str, TreeEntry] = {}
        skipped = []
        listed = source.files()
        source.prefetch([e.oid for e in listed.values() if e.mode != 0o160000 and not repo.has_object(e.oid)])
        for name, entry in listed.items():
            if name in OWNED_PATHS or entry.mode == 0o160000:
                skipped.append(name)
                continue
            if not repo.has_object(entry.oid):
                repo.write_blob(source.read(entry.oid))
            files[name] = entry
        return GlueSource(source.commit, files, skipped, _changed(base, files))
    files = {}
    skipped = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for filename in sorted(filenames):
            full = Path(dirpath) / filename
            rel = full.relative_to(path).as_posix()
            if filename.endswith(".pyc") or rel in OWNED_PATHS:
                skipped.append(rel)
                continue
            try:
                if full.is_symlink():
                    data, mode = os.readlink(full).encode(), 0o120000
                else:
                    data = full.read_bytes()
                    mode = 0o100755 if os.access(full, os.X_OK) else 0o100644
            except OSError as error:
                raise G2LError(f"cannot read {full}: {error.strerror}", "check the Glue source's permissions") from None
            files[rel] = TreeEntry(repo.write_blob(data), mode)
    digest = hashlib.sha256("".join(f"{p}\0{e.oid}\0" for p, e in sorted(files.items())).encode()).hexdigest()
    return GlueSource(f"folder:{digest[:16]}", files, skipped, _changed(base, files))


def _changed(base: tuple[str, dict[str, TreeEntry]] | None, files: dict[str, TreeEntry]) -> set[str] | None:
    if base is None:
        return None
    old = base[1]
    return {p for p, e in files.items() if old.get(p) != e} | (old.keys() - files.keys())


class FindingsTail(NamedTuple):
    """The last findings of a snapshot's report (the estate's, the same thousands from week to week): how many,
    their text as the report writes them (empty when carried over: the notes tree has their blob, and the text is
    made from them again only if it lacks it), the id of the blob the note names for them, the keys of the actions
    they ask for."""
    count: int = 0
    text: str = ""
    blob: str = ""
    actions: frozenset = frozenset()


@dataclass
class Snapshot:
    commit: str
    previous: str | None
    glue_commit: str
    glue_previous: str | None
    source_commit: str
    changes: list[Change]
    files: int
    transformed: int
    finding_dicts: list[dict]            # the findings as the report holds them (file, line, rule, message)
    skipped: list[str]
    new: bool                            # False: nothing changed since ``previous``
    job_changes: list[str] = field(default_factory=list)   # what Glue changed in the generated bundle jobs
    findings_tail: FindingsTail = FindingsTail()

    @property
    def tree_changed(self) -> bool:
        return self.new

    @property
    def findings(self) -> list[Finding]:
        return [Finding(f["file"], f["line"], f["rule"], f["message"]) for f in self.finding_dicts]


def snapshot_info(repo: GitRepo, commit: str | None) -> dict[str, str]:
    if commit is None:
        return {}
    message, _, _ = repo.commit_info(commit)
    return trailers(message)


_read_findings: dict[tuple, tuple[str, list[dict]]] = {}
ESTATE_FINDINGS = "estate_findings"   # the note's key naming the blob of the estate's findings


def note_findings(repo: GitRepo, report: dict, missing_ok: bool = True) -> list[dict]:
    """Every finding of a report read from its note: its own ``findings``, then the estate's from the blob that
    ``estate_findings`` names (a note written before that key existed holds them all). Estate findings whose blob
    is not in this clone are left out (``missing_ok``), or raise a G2LError that says so."""
    findings = report.get("findings", [])
    named = report.get(ESTATE_FINDINGS)
    if not isinstance(findings, list) or not isinstance(named, dict) or not isinstance(named.get("blob"), str):
        return findings
    try:
        estate = json.loads(repo.read_blob(named["blob"]))
    except (KeyError, ValueError, TypeError, AttributeError):   # not in this clone, not a blob, not JSON
        if missing_ok:
            return findings
        raise G2LError(f"the estate's findings of the last snapshot (blob {named['blob'][:12]}) are not in this clone",
                       "fetch the notes: 'g2l install', then 'git fetch'") from None
    return findings + estate if isinstance(estate, list) else findings


def stored_findings(repo: GitRepo, commit: str | None) -> list[dict]:
    """The findings of a snapshot's report (its note); a sync reads the last one several times (the snapshot, the
    summary): it is read and parsed once while the note is the same blob. Callers must not change the dicts."""
    if commit is None:
        return []
    note_id = repo.note_id(commit)
    if note_id is None:
        return []
    key = (str(repo.git_dir), commit)
    known = _read_findings.get(key)
    if known is not None and known[0] == note_id:
        return list(known[1])
    findings = kept_report(repo.git_dir, note_id)   # the last report this repository's syncs wrote
    if findings is not None:
        _read_findings.clear()
        _read_findings[key] = (note_id, findings)
        return list(findings)
    note = repo.note(commit)
    if not note:
        return []
    try:
        findings = note_findings(repo, json.loads(note))
    except (ValueError, AttributeError):
        return []
    if isinstance(findings, list):
        _read_findings.clear()   # the last note read is the one read again
        _read_findings[key] = (note_id, findings)
    return list(findings) if isinstance(findings, list) else findings


def _rebookmarked(settings, last: dict | None, last_fingerprint: str | None) -> set[str] | None:
    """The scripts whose job's bookmark option changed since the last snapshot, when nothing else of the transform
    settings did (a job added or retired, its option edited); None when more changed, or the last options are not
    known. A file's transform reads only its own job's option (``TransformSettings.bookmarks``): only those
    scripts need transforming again, not every file of the estate."""
    if last is None or last_fingerprint is None or replace(settings, bookmarks=last).fingerprint() != last_fingerprint:
        return None
    now = settings.bookmarks
    return {path for path in now.keys() | last.keys() if now.get(path) != last.get(path)}


def build_snapshot(repo: GitRepo, config: Config, glue_path: Path, kind: str, progress=None,
                   workers: int | None = None) -> Snapshot:
    """Build (but do not publish) the next snapshot commit; files are transformed on ``workers`` processes.

    What a sync reads and writes follows what changed: the Glue tree is read as its diff with the last source
    tree, the file listings of the last snapshot and source trees come from the cache (``_listing``), only changed
    files are transformed, and the findings of the others are carried over from the last report."""
    workers = default_workers() if workers is None else max(1, workers)
    with InitialPool(repo, config.transform, workers) as pool:
        return _build_snapshot(repo, config, glue_path, kind, progress, workers, pool)


def _build_snapshot(repo: GitRepo, config: Config, glue_path: Path, kind: str, progress, workers: int,
                    pool: InitialPool) -> Snapshot:
    previous = repo.branch_ref(config.branch)
    info = snapshot_info(repo, previous)
    # The estate (job definitions, DDL) is converted whole each time, its outputs depend on several files; what
    # unchanged files parse to is kept between syncs in .git (estate/cache.py).
    cache = EstateCache.for_git_dir(repo.git_dir)
    named_source = info.get("G2L-Source")
    prev_source = named_source if named_source and repo.has_object(named_source) else None
    prev_source_tree = repo.commit_tree(prev_source) if prev_source else None
    prev_source_files = _listing(repo, cache, prev_source_tree)
    source = read_source(repo, glue_path, config.glue_ref,
                         (prev_source_tree, prev_source_files) if prev_source_tree else None)
    prev_tree = repo.commit_tree(previous) if previous else None
    prev_out = _listing(repo, cache, prev_tree)
    initial = pool if previous is None else None   # an initial migration: its one pool of workers
    # The last sync's estate, when nothing that changed since can change it (estate/resume.py).
    keys = resume.settings_keys(config.transform, config.estate)
    kept = resume.load(cache, prev_source_tree, prev_tree, keys)
    # The last report's findings, the estate's (by rule) and the scripts', split once (thousands of the estate's).
    last_estate, last_scripts = _split_findings(stored_findings(repo, previous))
    kept_findings = kept.findings(last_estate) if kept is not None else None
    # The bookmark options the last snapshot was transformed with, when the kept estate is that snapshot's.
    last_bookmarks = kept.bookmarks if kept is not None else None
    parsed: dict = {}
    if kept_findings is None or not (prev_out.keys() >= set(kept.outputs) and resume.carried(
            kept, source.changed, prev_source_files, source.files, lambda p: repo.read_blob(source.files[p].oid),
            parsed)):
        kept = None
    carried_from = None   # (source tree, tree) the kept estate was loaded under, when carried over unchanged
    if kept is not None:
        carried_from = (prev_source_tree, prev_tree)
        resume.remember_parsed(cache, parsed)
        estate = None
        settings = replace(config.transform, bookmarks=kept.bookmarks)
        fingerprint = kept.fingerprint
    else:
        cache.live = {entry.oid for entry in source.files.values()}
        with activated(cache), gcpause.collecting():   # parsers of changed definitions: the collector as usual
            resume.seed(cache)
            paths = sorted(p for p, e in source.files.items() if e.mode in (0o100644, 0o100755))
            if initial is None and prev_source_files:   # a sync: its changed scripts transform while this reads
                pool.overlap(_changed_scripts(source, prev_source_files))
            # Definition files new to the cache (an initial migration) are parsed on every core first.
            parse_ahead(paths, lambda p: repo.read_blob(source.files[p].oid), lambda p: source.files[p].oid,
                        workers, initial)
            if initial is not None:   # an initial migration: the workers transform while the estate is read
                initial.transform_ahead([(p, e.oid) for p, e in sorted(source.files.items()) if e.mode != 0o120000])
            estate = convert_estate(paths, lambda p: repo.read_blob(source.files[p].oid), config.transform,
                                    config.estate, lambda p: source.files[p].oid)
        settings = replace(config.transform, bookmarks=estate.bookmarks)
        fingerprint = settings.fingerprint()
    reuse = previous is not None and info.get("G2L-Settings") == fingerprint
    rebookmarked: set[str] = set()   # scripts transformed again although their blob is the same
    if previous is not None and not reuse:
        changed_options = _rebookmarked(settings, last_bookmarks, info.get("G2L-Settings"))
        if changed_options is not None:
            reuse, rebookmarked = True, changed_options

    out: dict[str, TreeEntry] = {}
    findings: list[dict] = []
    transformed = 0
    touched: list[str] = []   # the paths whose entry may differ from the last snapshot's
    if reuse and prev_source_files:
        changed = source.changed
        if changed is None:
            changed = {p for p, e in source.files.items() if prev_source_files.get(p) != e}
        todo = []
        for path in changed:
            entry = source.files.get(path)
            if entry is None:
                continue
            old = prev_source_files.get(path)
            if (old is not None and old.oid == entry.oid and path in prev_out and path not in rebookmarked
                    and 0o120000 not in (old.mode, entry.mode)):   # a file made executable (or not): same output
                out[path] = TreeEntry(prev_out[path].oid, entry.mode)
                touched.append(path)
            else:
                todo.append((path, entry))
        todo += [(p, e) for p, e in source.files.items() if p not in changed and p not in prev_out]
        todo += [(p, source.files[p]) for p in rebookmarked if p in source.files and p not in changed and p in prev_out]
        todo.sort()
        out.update({p: prev_out[p] for p in source.files
                    if p not in out and p in prev_out and p not in changed and p not in rebookmarked})
        # The findings of the files not transformed again, from the last report, in path order.
        by_file: dict[str, list[dict]] = {}
        for item in last_scripts:
            by_file.setdefault(item["file"], []).append(item)
        for path in sorted(by_file.keys() & out.keys()):
            findings += [{"file": f["file"], "line": f["line"], "message": f["message"], "rule": f["rule"]}
                         for f in by_file[path]]
    else:
        todo = sorted(source.files.items())
    links = [(path, entry) for path, entry in todo if entry.mode == 0o120000]
    files = [(path, entry) for path, entry in todo if entry.mode != 0o120000]
    out.update(links)
    # The work started ahead: an initial migration's, or the overlap of a sync whose plan stayed the few files
    # that changed (with every file to transform again, they go to a pool of every core instead).
    ahead = initial if initial is not None else pool if reuse and pool.ahead else None
    results = transform_blobs(repo, [(path, entry.oid) for path, entry in files], settings, workers, ahead)
    with gcpause.collecting():   # a sync pauses the collector (gcpause.py); the transformer runs as before
        for index, ((path, entry), (oid, found)) in enumerate(zip(files, results)):
            out[path] = TreeEntry(oid, entry.mode)
            findings += [f.as_dict() for f in found]
            transformed += 1
            if progress:
                progress(index + 1, len(files))
    touched += [path for path, _ in todo]
    if kept is not None:   # the generated files are the last snapshot's
        out.update({path: prev_out[path] for path in kept.outputs})
        findings += kept_findings
        findings_tail = FindingsTail(len(kept_findings), "", kept.text_id, kept.actions)
    else:
        for path, data in sorted(estate.replaced.items()):
            out[path] = TreeEntry(_blob(repo, prev_out.get(path), data), source.files[path].mode)
            touched.append(path)
        for path, data in sorted(estate.files.items()):
            out[path] = TreeEntry(_blob(repo, prev_out.get(path), data), 0o100644)
            touched.append(path)
        estate_findings = [{"file": i.path, "line": i.line, "message": i.message, "rule": i.rule}
                           for i in estate.issues]
        findings += estate_findings
        text = items_text(estate_findings, 1)
        findings_tail = FindingsTail(len(estate_findings), text, blob_id(list_text(text).encode("utf-8")) if text else "",
                                     action_keys(estate_findings))

    # The trees: the last ones with only what changed edited in.
    edits: dict[str, TreeEntry | None] | None = None
    if prev_tree is None:
        tree = repo.build_tree(out)
    else:
        edits = {p: out[p] for p in touched if prev_out.get(p) != out[p]}
        edits.update(dict.fromkeys(prev_out.keys() - out.keys()))
        tree = edit_tree(repo, prev_tree, edits)
    source_edits: dict[str, TreeEntry | None] | None = None
    if prev_source_files:
        changed = source.changed if source.changed is not None else _changed((prev_source_tree, prev_source_files),
                                                                              source.files)
        source_edits = {p: source.files.get(p) for p in changed}
        source_tree = edit_tree(repo, prev_source_tree, source_edits)
    else:
        source_tree = repo.build_tree(source.files)
    _keep_listings(cache, [(prev_source_tree, prev_source_files, source_tree, source.files, source_edits),
                           (prev_tree, prev_out, tree, out, edits)])
    if kept is None:
        depended = resume.depended(cache, lambda p: source.files[p].oid, lambda p: repo.read_blob(source.files[p].oid),
                                   config.estate)
        if depended is not None:
            ends = (estate_findings[0], estate_findings[-1]) if estate_findings else ()
            kept = resume.Kept(tuple(sorted(estate.files.keys() | estate.replaced.keys())), len(estate_findings),
                               ends, estate.bookmarks, fingerprint, *depended, text_id=findings_tail.blob,
                               actions=findings_tail.actions)
    if kept is not None:
        resume.keep(cache, source_tree, tree, keys, kept, carried_from)
    cache.save()
    glue_previous = info.get("Glue-Commit")
    if previous is not None and prev_tree == tree:
        return Snapshot(previous, previous, glue_previous or source.commit, glue_previous, named_source or "",
                        [], len(out), 0, findings, source.skipped, new=False)
    changes = repo.diff_trees(prev_tree, tree)
    job_changes = _job_changes(repo, prev_out, out, changes)
    source_parents = [prev_source] if prev_source else []
    source_commit = repo.create_commit(source_tree, source_parents,
                                       f"Glue source {source.commit}\n\nGlue-Commit: {source.commit}\n")
    counts = {}
    for change in changes:
        counts[change.status] = counts.get(change.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no file changes"
    lines = [
        f"g2l snapshot of Glue {source.commit[:12]}",
        "",
        f"{len(out)} files; {summary}; {transformed} transformed"
        + ("" if reuse or previous is None else " (transform settings or version changed: all files transformed again)"),
        "",
        f"Glue-Commit: {source.commit}",
    ]
    if glue_previous:
        lines.append(f"Glue-Previous: {glue_previous}")
    lines += [f"G2L-Source: {source_commit}", f"G2L-Version: {__version__}", f"G2L-Settings: {fingerprint}",
              f"G2L-Kind: {kind}"]
    commit = repo.create_commit(tree, [previous] if previous else [], "\n".join(lines) + "\n")
    return Snapshot(commit, previous, source.commit, glue_previous, source_commit, changes, len(out), transformed,
                    findings, source.skipped, new=True, job_changes=job_changes, findings_tail=findings_tail)


def _split_findings(findings: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the findings of the estate's rules, the others), each in report order."""
    estate, others = [], []
    for finding in findings:
        (estate if finding["rule"].startswith(ESTATE_RULES) else others).append(finding)
    return estate, others


def _changed_scripts(source, prev_files: dict[str, TreeEntry]) -> list[tuple[str, str]]:
    """(path, blob id) of the files of ``source`` whose content is new since the last source tree, in path order:
    what a sync that reuses the last snapshot transforms (short of scripts whose bookmark option changed)."""
    if source.changed is None:
        return []
    out = []
    for path in sorted(source.changed):
        entry = source.files.get(path)
        old = prev_files.get(path)
        if entry is not None and entry.mode != 0o120000 and (old is None or old.oid != entry.oid):
            out.append((path, entry.oid))
    return out


LISTING = "listing"
CHAIN = 32   # a listing is kept as the changes from a listing kept whole for at most this many syncs in a row ...
SHARE = 8    # ... and while those changes are at most 1/SHARE of its files (or FEW) ...
FEW = 64     # ... then it is kept whole


def _listing(repo: GitRepo, cache: EstateCache, tree: str | None) -> dict[str, TreeEntry]:
    """The files of ``tree``: kept in the cache by the sync that built it, else listed from git (never a source of
    truth: a tree id names one content). A listing is kept whole, or as what changed since a listing kept whole
    (``_keep_listings``), applied to that one."""
    if tree is None:
        return {}
    packed = cache.take(LISTING, tree)
    changes = None
    if isinstance(packed, tuple) and len(packed) == 7 and packed[0] == "changes":
        changes = packed
        packed = cache.take(LISTING, changes[1])
    if not (isinstance(packed, tuple) and len(packed) == 3):
        return repo.tree_files(tree)
    paths, oids, modes = packed
    files = dict(zip(paths, map(TreeEntry, oids, modes)))
    if changes is None:
        cache.listings[tree] = (tree, {}, 0)
        return files
    _, base, syncs, paths, oids, modes, removed = changes
    changed = dict(zip(paths, map(TreeEntry, oids, modes)))
    for path in removed:
        files.pop(path, None)
    files.update(changed)
    cache.listings[tree] = (base, {**changed, **dict.fromkeys(removed)}, syncs)
    return files


def _keep_listings(cache: EstateCache, trees) -> None:
    """Keep the file listings of the trees just built (and of the last ones, in case this snapshot is not
    published: a dry run) for the next sync. ``trees``: (last tree, its files, new tree, its files, what changed
    from the last files to the new: path -> entry, or None for a path removed; None when not known). A new
    listing is kept as what changed since the listing the last one was kept against (a few entries a week) while
    that stays short; a listing kept whole goes to the cache's stable file, which is written only when one is."""
    for old, old_files, new, files, delta in trees:
        known = cache.listings.get(old) if old is not None else None
        if old is not None:
            base = known[0] if known is not None else None
            if known is not None and (base != old or cache.is_stable(LISTING, old)):
                cache.touch([(LISTING, old), (LISTING, base)])   # base is old when old is kept whole
            else:   # listed from git, or kept whole in the per-sync file (by an older glue2lakehouse)
                _keep_whole(cache, old, old_files)
                known = (old, {}, 0)
        if new == old:
            continue
        if known is not None and delta is not None:
            base, changes, syncs = known
            changes = {**changes, **delta}
            if syncs < CHAIN and len(changes) <= max(len(files) // SHARE, FEW):
                changed = {path: entry for path, entry in changes.items() if entry is not None}
                cache.put(LISTING, new, ("changes", base, syncs + 1, tuple(changed),
                                         tuple(e.oid for e in changed.values()),
                                         tuple(e.mode for e in changed.values()),
                                         tuple(path for path, entry in changes.items() if entry is None)))
                cache.listings[new] = (base, changes, syncs + 1)
                continue
        _keep_whole(cache, new, files)


def _keep_whole(cache: EstateCache, tree: str, files: dict[str, TreeEntry]) -> None:
    cache.put_stable(LISTING, tree, _packed(files), cid=f"listing-{tree}")   # a tree id names its files
    cache.listings[tree] = (tree, {}, 0)


def _packed(files: dict[str, TreeEntry]) -> tuple:
    """A listing as three tuples (paths, blob ids, modes): plain values pickle and load several times faster than
    thousands of TreeEntry objects."""
    entries = files.values()
    return tuple(files), tuple(e.oid for e in entries), tuple(e.mode for e in entries)


def _blob(repo: GitRepo, previous: TreeEntry | None, data: bytes) -> str:
    """The blob of ``data``: the previous snapshot's when it is the same (thousands of unchanged bundle jobs are
    not written to the object store again), else written."""
    if previous is not None and previous.oid == blob_id(data):
        return previous.oid
    return repo.write_blob(data)


def _job_changes(repo: GitRepo, old: dict[str, TreeEntry], new: dict[str, TreeEntry], changes: list[Change]) -> list[str]:
    """Schedules, arguments, tasks and clusters Glue changed in the bundle jobs (for the sync message)."""
    from glue2lakehouse.estate.review import describe

    lines: list[str] = []
    if not old:
        return lines
    for change in changes:
        if change.path.startswith("resources/") and change.path.endswith(".job.yml"):
            before = old.get(change.old_path or change.path)
            after = new.get(change.path)
            lines += describe(change.path, repo.read_blob(before.oid).decode("utf-8", "replace") if before else None,
                              repo.read_blob(after.oid).decode("utf-8", "replace") if after else None)
    return lines


def _tree_from(repo: GitRepo, old_tree: str | None, old: dict[str, TreeEntry], new: dict[str, TreeEntry]) -> str:
    """The tree of ``new``: the old tree with only what changed edited in (git does the rest), else built whole."""
    if old_tree is None:
        return repo.build_tree(new)
    edits: dict[str, TreeEntry | None] = {path: entry for path, entry in new.items() if old.get(path) != entry}
    edits.update({path: None for path in old if path not in new})
    return edit_tree(repo, old_tree, edits)


def watched_refs(config: Config) -> list[str]:
    """The refs a sync moves besides the branch it merges into."""
    return [f"refs/heads/{config.branch}", SOURCE_REF, NOTES_REF]


def publish_refs(repo: GitRepo, config: Config, snapshot: Snapshot, report: dict,
                 at_start: dict[str, str | None]) -> dict[str, tuple[str | None, str | None]]:
    """The ref updates (old, new) that publish the snapshot, its source tree and its report (a git note); the
    objects are written, the refs are moved by the caller in one compare-and-swap transaction. The report's
    findings are kept in the cache under the note's blob id (``keep_report``): harmless if the refs never move."""
    count, text, blob, _ = snapshot.findings_tail
    findings = report.get("findings")
    apart = bool(count and blob and isinstance(findings, list)
                 and findings[-count:] == snapshot.finding_dicts[-count:])
    if apart:
        # The estate's findings (thousands, the same from week to week) are a blob of their own that the note names:
        # a week that leaves them as they were writes only the report's own few kilobytes (their id is carried
        # over, not hashed again; their text is made only for a notes tree that lacks the blob).
        head = {**report, "findings": findings[:-count], ESTATE_FINDINGS: {"blob": blob, "count": count}}
        note = repo.note_commit(snapshot.commit, dumps_indented(head),
                                kept={blob: lambda: list_text(text or items_text(findings[-count:], 1))})
    else:
        note = repo.note_commit(snapshot.commit, dumps_indented(report))
    note_id = repo.note_id(snapshot.commit, note)
    if note_id and isinstance(findings, list):   # the next sync reads them there, not from the note
        keep_report(repo.git_dir, note_id, findings, count if apart else 0, blob if apart else "")
    new = {f"refs/heads/{config.branch}": snapshot.commit, SOURCE_REF: snapshot.source_commit, NOTES_REF: note}
    return {name: (at_start.get(name), value or at_start.get(name)) for name, value in new.items()}
