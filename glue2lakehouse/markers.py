"""SOURCE headers and PROTECTED regions: parse, validate, insert.

Pure functions over bytes (regions) and text (headers). Imported by the merge
driver, so it must stay free of heavy imports.
"""

from __future__ import annotations

import re
from typing import NamedTuple

SOURCE_GLUE = "GLUE"
SOURCE_NATIVE = "DATABRICKS_NATIVE"
START_MARKER = "# PROTECTED: START - DO NOT OVERWRITE"
END_MARKER = "# PROTECTED: END"

_START_RE = re.compile(rb"^[ \t]*# PROTECTED: START\b")
_END_RE = re.compile(rb"^[ \t]*# PROTECTED: END\b")
_SOURCE_RE = re.compile(r"^# SOURCE: (\S+)[ \t]*$")
_CODING_RE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


class RegionError(ValueError):
    """Malformed markers; ``line`` is 1-based."""

    def __init__(self, line: int, what: str):
        super().__init__(f"line {line}: {what}")
        self.line = line
        self.what = what


class Region(NamedTuple):
    """A protected region: ``start``/``end`` are the 1-based lines of its markers."""

    start: int
    end: int

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end}


def has_markers(data: bytes) -> bool:
    return b"# PROTECTED:" in data


def find_regions(data: bytes) -> list[Region]:
    """Return the protected regions of a file, or raise RegionError naming the line."""
    if b"# PROTECTED:" not in data:
        return []
    regions: list[Region] = []
    open_at: int | None = None
    for number, line in enumerate(data.splitlines(), start=1):
        if _START_RE.match(line):
            if open_at is not None:
                raise RegionError(
                    number, f"'# PROTECTED: START' nested inside the region opened at line {open_at}"
                )
            open_at = number
        elif _END_RE.match(line):
            if open_at is None:
                raise RegionError(number, "'# PROTECTED: END' without a '# PROTECTED: START' before it")
            regions.append(Region(open_at, number))
            open_at = None
    if open_at is not None:
        raise RegionError(open_at, "'# PROTECTED: START' without a matching '# PROTECTED: END'")
    return regions


def _newline_of(lines: list[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


def protect_lines(text: str, start: int, end: int) -> str:
    """Wrap lines start..end (1-based, inclusive) in PROTECTED markers.

    The markers take the indentation of line ``start`` (of the first non-blank
    line of the range when ``start`` is blank). Raises ValueError for a range
    that leaves the file or overlaps an existing region.
    """
    lines = text.splitlines(keepends=True)
    if start < 1 or end < start:
        raise ValueError(f"lines {start}-{end} are not a range: START must be >= 1 and END >= START")
    if end > len(lines):
        raise ValueError(f"lines {start}-{end} leave the file, which has {len(lines)} lines")
    for region in find_regions(text.encode("utf-8", "surrogateescape")):
        if start <= region.end and end >= region.start:
            raise ValueError(
                f"lines {start}-{end} overlap the protected region at lines {region.start}-{region.end}"
            )
    newline = _newline_of(lines)
    chosen = next((line for line in lines[start - 1 : end] if line.strip()), lines[start - 1])
    indent = chosen[: len(chosen) - len(chosen.lstrip(" \t"))]
    if not lines[end - 1].endswith(("\n", "\r")):
        lines[end - 1] += newline
    out = lines[: start - 1] + [indent + START_MARKER + newline] + lines[start - 1 : end]
    out += [indent + END_MARKER + newline] + lines[end:]
    return "".join(out)


def header_index(lines: list[str]) -> int:
    """Index where a SOURCE header belongs: after a shebang and an encoding line."""
    index = 0
    if lines and lines[0].startswith("#!"):
        index = 1
    if len(lines) > index and index < 2 and _CODING_RE.match(lines[index]):
        index += 1
    return index


def source_of(text: str) -> str | None:
    """The SOURCE kind named in a file's header, or None."""
    lines = text.splitlines()[:3]
    for line in lines:
        match = _SOURCE_RE.match(line)
        if match:
            return match.group(1)
    return None


def set_source_header(text: str, kind: str) -> str:
    """Set (replace or insert) the ``# SOURCE: KIND`` header line."""
    lines = text.splitlines(keepends=True)
    newline = _newline_of(lines)
    for i, line in enumerate(lines[:3]):
        if _SOURCE_RE.match(line.rstrip("\r\n")):
            ending = line[len(line.rstrip("\r\n")) :] or newline
            lines[i] = f"# SOURCE: {kind}{ending}"
            return "".join(lines)
    index = header_index(lines)
    if index and not lines[index - 1].endswith(("\n", "\r")):
        lines[index - 1] += newline
    lines.insert(index, f"# SOURCE: {kind}{newline}")
    return "".join(lines)


def unprotect_line(text: str, line: int) -> tuple[str, Region]:
    """Remove the markers of the protected region holding ``line`` (1-based; its code stays).

    Raises ValueError when no region holds the line (RegionError for malformed markers).
    """
    for region in find_regions(text.encode("utf-8", "surrogateescape")):
        if region.start <= line <= region.end:
            lines = text.splitlines(keepends=True)
            del lines[region.end - 1]
            del lines[region.start - 1]
            return "".join(lines), region
    raise ValueError(f"line {line} is not inside a protected region")


def remove_source_header(text: str) -> str:
    """Drop the ``# SOURCE: KIND`` header line, if any."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines[:3]):
        if _SOURCE_RE.match(line.rstrip("\r\n")):
            del lines[i]
            return "".join(lines)
    return text
