"""Three-way line merge that keeps PROTECTED regions of the Databricks side intact.

Pure: bytes in, bytes out. No git, no file I/O, no heavy imports (the merge
driver runs this for every file git asks it to merge; NamedTuples rather than
dataclasses keep its start-up short).

``ours`` is the Databricks side, ``theirs`` the new Glue snapshot, ``base`` the
snapshot merged last. The result follows git's diff3 conflict style.

How protected regions are kept: each region of ``ours`` (markers included) is
mapped to the span of base lines it stands for. Glue hunks that touch a span
are taken out of ``theirs`` (and reported as overlaps); then the region is
replaced by one sentinel line in all three texts, so the ordinary merge sees a
line that nobody changed and cannot cut through it. The sentinel is replaced
by the region's original bytes at the end. Glue insertions right at a region's
edge land outside it: before the region at its top edge, after it at its
bottom edge (and after it when the region covers no base line at all).
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

import merge3

from glue2lakehouse.markers import Region, find_regions

OVERLAP_CONFLICT = "conflict"
OVERLAP_KEEP = "keep-databricks"
OVERLAP_MODES = (OVERLAP_CONFLICT, OVERLAP_KEEP)

REASON_OVERLAP = "Glue and Databricks changed the same lines"
REASON_PROTECTED = "Glue changed code covered by a protected region"


class _Matcher(difflib.SequenceMatcher):
    """difflib without the 'popular line' heuristic, which misaligns code with many blank lines."""

    def __init__(self, isjunk=None, a="", b="", autojunk=False):  # noqa: ARG002 - merge3 passes autojunk
        super().__init__(isjunk, a, b, autojunk=False)


class Conflict(NamedTuple):
    """A conflict block in the merged text (``line`` is the 1-based line of its opening marker)."""

    reason: str
    line: int
    ours: bytes
    base: bytes
    theirs: bytes

    def as_dict(self) -> dict:
        return {
            "reason": self.reason,
            "line": self.line,
            "ours": self.ours.decode("utf-8", "replace"),
            "base": self.base.decode("utf-8", "replace"),
            "theirs": self.theirs.decode("utf-8", "replace"),
        }


class ProtectedOverlap(NamedTuple):
    """A Glue hunk that touched code covered by a protected region of the Databricks side."""

    region: Region
    base: bytes
    glue: bytes

    def as_dict(self) -> dict:
        return {
            "region": self.region.as_dict(),
            "base": self.base.decode("utf-8", "replace"),
            "glue": self.glue.decode("utf-8", "replace"),
        }


class MergeOutcome(NamedTuple):
    data: bytes
    conflicts: list
    overlaps: list

    @property
    def clean(self) -> bool:
        return not self.conflicts


class Labels(NamedTuple):
    ours: str = "HEAD"
    base: str = "base"
    theirs: str = "glue-upstream"


def _newline(lines: list[bytes]) -> bytes:
    for line in lines:
        if line.endswith(b"\r\n"):
            return b"\r\n"
        if line.endswith(b"\n"):
            return b"\n"
    return b"\n"


class _Output:
    """Collects output lines; a line without an ending gets one when more follows."""

    def __init__(self, newline: bytes):
        self.lines: list[bytes] = []
        self.newline = newline

    def extend(self, lines) -> None:
        for line in lines:
            if self.lines and not self.lines[-1].endswith((b"\n", b"\r")):
                self.lines[-1] += self.newline
            self.lines.append(line)

    def marker(self, text: bytes) -> None:
        self.extend([text + self.newline])

    def data(self) -> bytes:
        return b"".join(self.lines)


def _base_span(opcodes, region: Region, ours_len: int) -> tuple[int, int]:
    """The base lines [bs, be) that a region of ours (markers included) stands for."""
    first, last = region.start - 1, region.end - 1  # 0-based indices of the marker lines
    start = end = None
    for tag, i1, i2, j1, j2 in opcodes:
        if start is None and j1 <= first < j2:
            start = i1 + (first - j1) if tag == "equal" else i1
        if j1 <= last < j2:
            end = i1 + (last - j1) + 1 if tag == "equal" else i2
            break
    if start is None or end is None:  # pragma: no cover - opcodes always cover ours
        raise AssertionError(f"region {region} outside ours ({ours_len} lines)")
    return start, max(start, end)


def _touches(i1: int, i2: int, bs: int, be: int) -> bool:
    """Does the base range [i1, i2) of a Glue hunk touch the span [bs, be) of a region?"""
    if i1 == i2:  # pure insertion: only strictly inside the span
        return bs < i1 < be
    if bs == be:  # region stands for no base line: touched when the hunk surrounds it
        return i1 < bs < i2
    return i1 < be and i2 > bs


def _rebuild(base: list[bytes], hunks, spans, sentinels) -> list[bytes]:
    """Base with ``hunks`` (i1, i2, lines) applied and each span replaced by its sentinel."""
    items = []
    for order, (i1, i2, lines) in enumerate(hunks):
        items.append(((i1, 1, order), "hunk", i1, i2, lines))
    for order, ((bs, be), sentinel) in enumerate(zip(spans, sentinels)):
        items.append(((bs, 2 if bs < be else 0, order), "span", bs, be, [sentinel]))
    items.sort(key=lambda item: item[0])
    out: list[bytes] = []
    pos = 0
    for _, _, start, stop, lines in items:
        out.extend(base[pos:start])
        out.extend(lines)
        pos = max(pos, stop)
    out.extend(base[pos:])
    return out


def merge(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    *,
    protected_overlap: str = OVERLAP_CONFLICT,
    favor_theirs: bool = False,
    labels: Labels = Labels(),
    marker_size: int = 7,
) -> MergeOutcome:
    """Merge ``theirs`` (Glue) into ``ours`` (Databricks) from ``base``.

    Raises ``markers.RegionError`` when the markers of ``ours`` are malformed.
    ``favor_theirs`` resolves ordinary overlaps for Glue; protected regions
    still win (their overlaps are then kept as with ``keep-databricks``).
    """
    if protected_overlap not in OVERLAP_MODES:
        raise ValueError(f"protected_overlap must be one of {OVERLAP_MODES}, not {protected_overlap!r}")
    regions = find_regions(ours)
    base_l = base.splitlines(keepends=True)
    ours_l = ours.splitlines(keepends=True)
    theirs_l = theirs.splitlines(keepends=True)
    overlaps: list[ProtectedOverlap] = []
    region_bytes: dict[bytes, bytes] = {}
    overlaps_after: dict[bytes, list[ProtectedOverlap]] = {}

    if regions:
        ours_ops = _Matcher(None, base_l, ours_l).get_opcodes()
        spans = [_base_span(ours_ops, region, len(ours_l)) for region in regions]
        sentinels = [b"\x00g2l-protected-region-%d\x00\n" % k for k in range(len(regions))]
        kept_hunks = []
        for tag, i1, i2, j1, j2 in _Matcher(None, base_l, theirs_l).get_opcodes():
            if tag == "equal":
                continue
            touched = [k for k, (bs, be) in enumerate(spans) if _touches(i1, i2, bs, be)]
            if not touched:
                kept_hunks.append((i1, i2, theirs_l[j1:j2]))
                continue
            overlap = ProtectedOverlap(regions[touched[0]], b"".join(base_l[i1:i2]), b"".join(theirs_l[j1:j2]))
            overlaps.append(overlap)
            overlaps_after.setdefault(sentinels[touched[-1]], []).append(overlap)
        theirs_l = _rebuild(base_l, kept_hunks, spans, sentinels)
        base_l = _rebuild(base_l, [], spans, sentinels)
        new_ours: list[bytes] = []
        pos = 0
        for region, sentinel in zip(regions, sentinels):
            new_ours.extend(ours_l[pos : region.start - 1])
            new_ours.append(sentinel)
            region_bytes[sentinel] = b"".join(ours_l[region.start - 1 : region.end])
            pos = region.end
        new_ours.extend(ours_l[pos:])
        ours_l = new_ours

    keep_overlaps = protected_overlap == OVERLAP_KEEP or favor_theirs
    out = _Output(_newline(ours.splitlines(keepends=True) or theirs.splitlines(keepends=True)))
    conflicts: list[Conflict] = []

    def emit(lines, blocks: bool = True) -> None:
        for line in lines:
            if line in region_bytes:
                out.extend(region_bytes[line].splitlines(keepends=True))
                if blocks and not keep_overlaps:
                    for overlap in overlaps_after.get(line, []):
                        conflict_block(REASON_PROTECTED, [], overlap.base.splitlines(True), overlap.glue.splitlines(True))
            else:
                out.extend([line])

    def conflict_block(reason, ours_part, base_part, theirs_part) -> None:
        size = marker_size
        line = len(out.lines) + 1
        out.marker(b"<" * size + b" " + labels.ours.encode())
        emit(ours_part, blocks=False)
        out.marker(b"|" * size + b" " + labels.base.encode())
        emit(base_part, blocks=False)
        out.marker(b"=" * size)
        emit(theirs_part, blocks=False)
        out.marker(b">" * size + b" " + labels.theirs.encode())
        conflicts.append(
            Conflict(reason, line, _plain(ours_part, region_bytes), _plain(base_part, region_bytes),
                     _plain(theirs_part, region_bytes))
        )

    m3 = merge3.Merge3(base_l, ours_l, theirs_l, sequence_matcher=_Matcher)
    for region in m3.merge_regions():
        what = region[0]
        if what == "unchanged":
            emit(base_l[region[1] : region[2]])
        elif what in ("same", "a"):
            emit(ours_l[region[1] : region[2]])
        elif what == "b":
            emit(theirs_l[region[1] : region[2]])
        else:
            _, z1, z2, a1, a2, b1, b2 = region
            if favor_theirs:
                emit(theirs_l[b1:b2])
            else:
                conflict_block(REASON_OVERLAP, ours_l[a1:a2], base_l[z1:z2], theirs_l[b1:b2])
    return MergeOutcome(out.data(), conflicts, overlaps)


def _plain(lines: list[bytes], region_bytes: dict[bytes, bytes]) -> bytes:
    return b"".join(region_bytes.get(line, line) for line in lines)
