"""g2l blame: where every line of a Databricks file came from, derived from git.

git blame over the merge history names the commit that last wrote each line. A line
last written by a snapshot commit on glue-upstream is *Glue*: its Glue commit is the
snapshot's ``Glue-Commit`` and its Glue file:line comes from aligning the snapshot's
converted file with the raw Glue file of the same snapshot (``G2L-Source``), a
difflib alignment computed here rather than stored. A line written by a sync's own
commit (a merge resolved by hand), or by the commit that resolved conflict markers a
sync committed, is *resolution*. Every other line is *Databricks*.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timezone
from pathlib import Path

from glue2lakehouse.gitrepo import GitRepo, GlueHistory
from glue2lakehouse.review.conflicts import conflict_blocks
from glue2lakehouse.snapshot import trailers

GLUE, DATABRICKS, RESOLUTION = "glue", "databricks", "resolution"
_UNCOMMITTED = "0" * 40


def line_map(glue: list[str], converted: list[str]) -> list[tuple[int, int] | None]:
    """For each converted line (0-based index), the 1-based Glue lines (first, last) it was converted
    from, or None for a line the conversion added (the SOURCE header, a new import)."""
    out: list[tuple[int, int] | None] = [None] * len(converted)
    matcher = difflib.SequenceMatcher(None, glue, converted, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            if tag == "equal":
                out[j] = (i1 + (j - j1) + 1,) * 2
            elif tag == "replace":
                out[j] = (i1 + 1, i2)
    for j, line in enumerate(converted[:3]):
        if line.startswith("# SOURCE: "):  # the header is the conversion's own line
            out[j] = None
    return out


class Blamer:
    def __init__(self, repo: GitRepo, glue: GlueHistory | None = None):
        self.repo = repo
        self.glue = glue
        self._messages: dict[str, tuple[str, list[str]]] = {}
        self._maps: dict[tuple[str, str], list] = {}

    def _commit(self, oid: str) -> tuple[dict[str, str], list[str]]:
        if oid not in self._messages:
            message, _, parents = self.repo.commit_info(oid)
            self._messages[oid] = (message, parents)
        message, parents = self._messages[oid]
        return trailers(message), parents

    def _glue_lines(self, snapshot: str, source: str | None, path: str) -> list:
        key = (snapshot, path)
        if key not in self._maps:
            converted = (self.repo.file_at(snapshot, path) or b"").decode("utf-8", "replace").splitlines()
            raw = self.repo.file_at(source, path) if source and self.repo.has_object(source) else None
            self._maps[key] = line_map(raw.decode("utf-8", "replace").splitlines(), converted) if raw else \
                [None] * len(converted)
        return self._maps[key]

    def _resolves_markers(self, parents: list[str], path: str) -> bool:
        """The first parent is a sync commit that committed conflict markers in ``path``."""
        if not parents:
            return False
        info, _ = self._commit(parents[0])
        data = self.repo.file_at(parents[0], path) if "G2L-Snapshot" in info else None
        return bool(data and conflict_blocks(data))

    def label(self, item: dict, path: str) -> dict:
        commit = item["commit"]
        out = {"line": item["line"], "text": item["text"], "commit": commit}
        if commit == _UNCOMMITTED:
            return {**out, "label": DATABRICKS, "commit": None, "author": "not committed yet", "date": None}
        info, parents = self._commit(commit)
        source_path = item.get("path", path)
        if "G2L-Kind" in info:  # a snapshot commit on glue-upstream
            mapped = self._glue_lines(commit, info.get("G2L-Source"), source_path)
            lines = mapped[item["orig_line"] - 1] if item["orig_line"] <= len(mapped) else None
            snapshot_glue = info.get("Glue-Commit")
            glue_commit = snapshot_glue
            exact = self.glue.line_commits(snapshot_glue, source_path) if self.glue and snapshot_glue else None
            if exact and lines:  # the Glue repository is at hand: the commit that last changed that line
                changed = {exact[n - 1] for n in range(lines[0], lines[1] + 1) if n <= len(exact)}
                if len(changed) == 1:
                    glue_commit = changed.pop()
            return {**out, "label": GLUE, "glue_commit": glue_commit, "snapshot_glue_commit": snapshot_glue,
                    "glue_file": source_path, "glue_lines": list(lines) if lines else None}
        if "G2L-Snapshot" in info or self._resolves_markers(parents, source_path):
            return {**out, "label": RESOLUTION, "author": item.get("author"), "date": _iso(item.get("author_time"))}
        return {**out, "label": DATABRICKS, "author": item.get("author"), "date": _iso(item.get("author_time")),
                "summary": item.get("summary")}

    def blame(self, path: str, rev: str | None = None) -> list[dict]:
        return [self.label(item, path) for item in self.repo.blame(path, rev)]


def _iso(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=0).isoformat()


def blame(repo: GitRepo, path: str, rev: str | None = None, glue_path: Path | None = None) -> list[dict]:
    """Label every line of ``path``; with the Glue repository at ``glue_path``, Glue lines name the Glue
    commit that last changed them (else the Glue commit of the snapshot that brought them)."""
    return Blamer(repo, GlueHistory(glue_path) if glue_path else None).blame(path, rev)


def shares(repo: GitRepo, synced: str | None, head: str | None, skip: set[str]) -> dict[str, dict[str, int]]:
    """Lines per label for each file HEAD changed from the last merged snapshot ``synced`` (git blame
    runs only on those: a file equal to its snapshot version is all Glue, a file Glue never had all
    Databricks, and both are counted without blame)."""
    if head is None:
        return {}
    head_files = repo.tree_files(head)
    snap_files = repo.tree_files(synced) if synced else {}
    blamer = Blamer(repo)
    out: dict[str, dict[str, int]] = {}
    for path, entry in sorted(head_files.items()):
        if path in skip or entry.mode == 0o120000:
            continue
        data = repo.read_blob(entry.oid)
        if b"\0" in data[:8000]:
            continue
        count = len(data.splitlines())
        if snap_files.get(path) is not None and snap_files[path].oid == entry.oid:
            out[path] = {GLUE: count, DATABRICKS: 0, RESOLUTION: 0}
        elif path not in snap_files:
            out[path] = {GLUE: 0, DATABRICKS: count, RESOLUTION: 0}
        else:
            tally = {GLUE: 0, DATABRICKS: 0, RESOLUTION: 0}
            for line in blamer.blame(path, head):
                tally[line["label"]] += 1
            out[path] = tally
    return out

