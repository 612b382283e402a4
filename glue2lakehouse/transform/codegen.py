"""A group's code again after a later step changed a few of its statements, without printing the rest again.

After the rewriting pass a group is printed (its code is counted for names); the session step, the import
tidying and the removal of placeholder statements then each change a few statements of some groups and print
those groups again. libcst trees are immutable and a step returns the statements it did not change as the same
objects, so the text of such a statement is the text printed the first time: ``Printer`` remembers the tokens of
every statement it printed (by identity, with the indentation and newline it was printed under) and gives them
back instead of walking the statement again. A statement's text depends on nothing else (libcst prints a node
from its fields, the default indentation and newline, and the indentation of the blocks around it), so the
code is the same as ``module.code``, byte for byte.

The memory is per file (one ``Printer`` per conversion) and keeps the statements it printed alive while the file
is converted. It is only consulted by ``Printer.code``: libcst's own printing (``module.code``, positions, other
libcst users in the process) goes through the same statement classes and prints as always.
"""

from __future__ import annotations

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst._nodes.internal import CodegenState

# The statements whose printing is remembered: every statement a block holds (small statements are printed by
# their line; a clause, an else or an except, with its statement).
_STATEMENTS = (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.Try,
               cst.With) + tuple(getattr(cst, name) for name in ("TryStar", "Match") if hasattr(cst, name))
_PRINT = CSTNode._codegen


class _NoPosition:
    """What libcst's ``CodegenState.record_syntactic_position`` does (nothing: positions are recorded by the
    metadata's own state), as a plain context manager instead of a generator: every expression enters it."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> bool:
        return False


_NO_POSITION = _NoPosition()


class _State(CodegenState):
    """libcst's code generation state, with the statements printed so far (None: libcst's own state)."""

    def __init__(self, default_indent: str, default_newline: str, printed: dict):
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.printed = printed

    def record_syntactic_position(self, node, *, start_node=None, end_node=None) -> _NoPosition:
        return _NO_POSITION


def _codegen(self, state: CodegenState, **kwargs) -> None:
    printed = getattr(state, "printed", None)
    if printed is None or kwargs:  # libcst's own state, or an elif (printed with is_elif by its if)
        _PRINT(self, state, **kwargs)
        return
    key = (id(self), state.default_indent, state.default_newline, tuple(state.indent_tokens))
    known = printed.get(key)
    tokens = state.tokens
    if known is not None and known[0] is self:
        tokens.extend(known[1])
        return
    start = len(tokens)
    _PRINT(self, state)
    printed[key] = (self, tokens[start:])


for _kind in _STATEMENTS:
    if "_codegen" not in _kind.__dict__:
        _kind._codegen = _codegen


class Printer:
    """``module.code`` for the groups of one file, statements printed once."""

    def __init__(self) -> None:
        self._printed: dict = {}

    def code(self, module: cst.Module) -> str:
        state = _State(module.default_indent, module.default_newline, self._printed)
        module._codegen(state)
        return "".join(state.tokens)
