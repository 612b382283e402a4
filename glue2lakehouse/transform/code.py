"""Generated code as a libcst expression node that holds its text.

The rules build their output as Python source text. Parsing that text back into libcst
nodes only to print it again costs more than the rest of a rule; ``Code`` carries the
text into the tree instead. It prints as written, with the enclosing block's indentation
added to its continuation lines (as libcst does for parsed code inside brackets), except
for lines inside a multi-line string, which stay byte for byte.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Sequence

import libcst as cst
from libcst._add_slots import add_slots
from libcst._nodes.internal import CodegenState, visit_sequence

from glue2lakehouse.transform.layout import top_level

_BREAK = re.compile(r"\r\n|\r|\n")
_NAME_CHARS = re.compile(r"[\w.]")


def _verbatim_lines(text: str) -> set[int]:
    """Indices of the lines that start inside a multi-line token (a triple-quoted string)."""
    if '"""' not in text and "'''" not in text:
        return set()
    rows: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.end[0] > token.start[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
                rows.update(range(token.start[0], token.end[0]))  # 0-based index of the lines after the first
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set(range(1, text.count("\n") + 1))  # unsure: add nothing to any line
    return rows


def is_primary(text: str) -> bool:
    """A name, literal, call, attribute or subscript chain (or a bracketed expression): safe before ``.method()``."""
    for _, ch, depth in top_level(text):
        if depth == 0 and ch not in "([{)]}" and not _NAME_CHARS.match(ch):
            return False
    return bool(text) and not text.startswith(("lambda", "not", "await", "yield"))


@add_slots
@dataclass(frozen=True)
class Code(cst.BaseExpression):
    """An expression given as source text."""

    value: str
    lpar: Sequence[cst.LeftParen] = ()
    rpar: Sequence[cst.RightParen] = ()

    def _visit_and_replace_children(self, visitor) -> "Code":
        return Code(value=self.value, lpar=visit_sequence(self, "lpar", self.lpar, visitor),
                    rpar=visit_sequence(self, "rpar", self.rpar, visitor))

    def _codegen_impl(self, state: CodegenState) -> None:
        with self._parenthesize(state):
            lines = _BREAK.split(self.value)
            verbatim = _verbatim_lines(self.value) if len(lines) > 1 else set()
            state.add_token(lines[0])
            for index, line in enumerate(lines[1:], 1):
                state.add_token(state.default_newline)
                if line and index not in verbatim:
                    state.add_indent_tokens()
                state.add_token(line)


def code_statement(code: str) -> cst.SimpleStatementLine:
    """One or more statements given as source text, as one libcst statement line (printed as written)."""
    return cst.SimpleStatementLine(body=[cst.Expr(Code(code.rstrip("\r\n")))])
