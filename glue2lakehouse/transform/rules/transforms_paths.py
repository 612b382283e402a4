"""Glue field paths: 'a.b' is nested, '`a.b`' is one name with a dot."""

from __future__ import annotations


def split_path(path: str) -> list[str] | None:
    """Glue field path -> segments: 'a.b' -> ['a', 'b']; '`a.b`' -> ['a.b']. None if malformed."""
    segments, current, quoted, i = [], "", False, 0
    while i < len(path):
        ch = path[i]
        if ch == "`":
            quoted = not quoted
        elif ch == "." and not quoted:
            segments.append(current)
            current = ""
        else:
            current += ch
        i += 1
    if quoted:
        return None
    segments.append(current)
    return segments if all(segments) else None


def sql_ref(segments: list[str]) -> str:
    return ".".join("`" + s.replace("`", "``") + "`" for s in segments)
