"""Conflict-marker blocks in a file's bytes. Pure."""

from __future__ import annotations

import re

START = re.compile(rb"^<{7}(?: |$)")
BASE = re.compile(rb"^\|{7}(?: |$)")
MIDDLE = re.compile(rb"^={7}$")
END = re.compile(rb"^>{7}(?: |$)")


def conflict_blocks(data: bytes) -> list[tuple[int, int]]:
    """(first, last) 1-based lines of each ``<<<<<<<`` ... ``>>>>>>>`` block; an unclosed block ends at EOF."""
    blocks = []
    start = None
    lines = data.splitlines()
    for number, line in enumerate(lines, start=1):
        if START.match(line) and start is None:
            start = number
        elif END.match(line) and start is not None:
            blocks.append((start, number))
            start = None
    if start is not None:
        blocks.append((start, len(lines)))
    return blocks


def stray_markers(data: bytes) -> list[tuple[int, str]]:
    """Lines that are conflict markers: (line, what). ``=======`` counts only inside a block."""
    out = []
    inside = False
    for number, line in enumerate(data.splitlines(), start=1):
        if START.match(line):
            out.append((number, "conflict marker '<<<<<<<' left in the file"))
            inside = True
        elif END.match(line):
            out.append((number, "conflict marker '>>>>>>>' left in the file"))
            inside = False
        elif inside and BASE.match(line):
            out.append((number, "conflict marker '|||||||' left in the file"))
        elif inside and MIDDLE.match(line):
            out.append((number, "conflict marker '=======' left in the file"))
    return out
