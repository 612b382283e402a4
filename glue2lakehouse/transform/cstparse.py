"""libcst's parse of a file's statements, without validating each node the parser makes.

Every libcst node checks its fields when it is made (``CSTNode.__post_init__`` calls ``_validate``): for the nodes
a rule builds, that catches a malformed rewrite, but for the nodes the parser builds from source that parses it
checks what the grammar already guarantees (libcst's own comment there calls it avoidable work when parsing a
file). ``parse_module`` parses with that check off: the same tree (``tests/test_cstparse.py`` compares them
node for node), about a tenth less time. Nodes made at any other time, by the rules or by anyone else using
libcst in the process, are checked as always.

The check is switched by a flag that ``CSTNode.__post_init__`` reads, installed once when this module is
imported: assigning ``__post_init__`` around each parse instead would invalidate the attribute caches of every
libcst node class twice per parse, which costs more than the check.
"""

from __future__ import annotations

import libcst as cst
from libcst._nodes.base import CSTNode

_trusting = False
_CHECK = CSTNode.__dict__.get("__post_init__")   # libcst's own check (None: a libcst that checks elsewhere)


def _post_init(self) -> None:
    if not _trusting:
        _CHECK(self)


if _CHECK is not None:
    CSTNode.__post_init__ = _post_init


def parse_module(text: str) -> cst.Module:
    """``libcst.parse_module(text)``, its nodes not validated one by one (the parser made them)."""
    global _trusting
    _trusting = True
    try:
        return cst.parse_module(text)
    finally:
        _trusting = False
