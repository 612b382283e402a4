"""Layout of generated code: long method chains go one call per line, the way Black writes them."""

from __future__ import annotations

MAX_LINE = 100


def top_level(code: str):
    """(index, character, bracket depth) for every character of ``code`` outside string literals."""
    depth, i = 0, 0
    quote = None
    while i < len(code):
        ch = code[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if code.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if ch in "\"'":
            quote = code[i:i + 3] if code[i:i + 3] in ('"""', "'''") else ch
            i += len(quote)
            continue
        if ch in ")]}":
            depth -= 1
        yield i, ch, depth
        if ch in "([{":
            depth += 1
        i += 1


def split_chain(code: str) -> list[str]:
    """Split ``a.b(x).c(y).d(z)`` at the top-level dots that follow a call: ['a.b(x)', '.c(y)', '.d(z)']."""
    segments, start = [], 0
    for i, ch, depth in top_level(code):
        if ch == "." and depth == 0 and i > 0 and code[i - 1] == ")":
            segments.append(code[start:i])
            start = i
    segments.append(code[start:])
    return segments


def fluent(code: str, indent: int, prefix: int = 0) -> str | None:
    """The chain laid out one call per line inside parentheses, or None when it fits or is no chain.

    ``indent`` is the statement's column, ``prefix`` the width of what stands before the expression.
    The lines are indented relative to the statement: libcst adds the block's indentation.
    """
    if "\n" in code or indent + prefix + len(code) <= MAX_LINE:
        return None
    segments = split_chain(code)
    if len(segments) < 3:
        return None
    return "(\n" + "".join(f"    {segment}\n" for segment in segments) + ")"
