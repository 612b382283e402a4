"""libcst's parse of a file's statements, without validating each node the parser makes.

Every libcst node checks its fields when it is made (``CSTNode.__post_init__`` calls ``_validate``): for the nodes
a rule builds, that catches a malformed rewrite, but for the nodes the parser builds from source that parses it
checks what the grammar already guarantees (libcst's own comment there calls it avoidable work when parsing a
file). ``parse_module`` parses with that check off: the same tree (``tests/test_cstparse.py`` compares them
node for node), about a tenth less time. Nodes made afterwards, by the rules, are checked as always.
"""

from __future__ import annotations

import libcst as cst
from libcst._nodes.base import CSTNode

_VALIDATE = CSTNode.__dict__["__post_init__"]


def _trusted(self) -> None:
    """No check: the node comes from the parser."""


def parse_module(text: str) -> cst.Module:
    """``libcst.parse_module(text)``, its nodes not validated one by one (the parser made them)."""
    CSTNode.__post_init__ = _trusted
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = _VALIDATE
