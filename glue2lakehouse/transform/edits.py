"""Removing whole statements without losing the comments and blank lines above them.

A rule that empties a statement line (all its small statements removed) leaves
a placeholder that keeps the line's ``leading_lines``; ``collapse_removed``
then drops the placeholders and hands their comments and blank lines to the
next statement of the same block (an emptied block gets ``pass``).
"""

from __future__ import annotations

import libcst as cst

from glue2lakehouse.transform.walk import StatementsOnly, fast_visit

_MARK = "__g2l_removed__"
REMOVED = _MARK   # a rule that returns this name as a statement's whole value removes the statement


def placeholder(original: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(cst.Name(_MARK))], leading_lines=original.leading_lines)


def is_placeholder(node: cst.CSTNode) -> bool:
    return (isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1
            and isinstance(node.body[0], cst.Expr) and isinstance(node.body[0].value, cst.Name)
            and node.body[0].value.value == _MARK)


class KeepsLeadingLines(StatementsOnly):
    """A pass over whole statements; a statement line it empties becomes a placeholder."""

    def leave_SimpleStatementLine(self, original, updated):
        if not updated.body:
            return placeholder(original)
        return updated


def _merge_leading(carried: list[cst.EmptyLine], own: tuple) -> list[cst.EmptyLine]:
    """The removed lines' comments and blanks, then the statement's own, without doubling a blank line."""
    own_lines = list(own)
    if carried and own_lines and carried[-1].comment is None and own_lines[0].comment is None:
        own_lines = own_lines[1:]
    return list(carried) + own_lines


def _collapse(body, block: bool):
    out = []
    carried: list[cst.EmptyLine] = []
    for statement in body:
        if is_placeholder(statement):
            carried.extend(statement.leading_lines)
            continue
        if carried and hasattr(statement, "leading_lines"):
            statement = statement.with_changes(leading_lines=_merge_leading(carried, statement.leading_lines))
            carried = []
        out.append(statement)
    if block and not out:
        out.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=carried))
        carried = []
    return out, carried


class _Collapse(StatementsOnly):
    def leave_Module(self, original, updated):
        # Comments above a removed last statement stay where they were: they become the footer.
        body, carried = _collapse(updated.body, block=False)
        return updated.with_changes(body=body, footer=[*carried, *updated.footer])

    def leave_IndentedBlock(self, original, updated):
        # Comments above a removed last statement of a block stay, at the block's indentation.
        body, carried = _collapse(updated.body, block=True)
        return updated.with_changes(body=body, footer=[*carried, *updated.footer])


def collapse_removed(module: cst.Module) -> cst.Module:
    if len(module.body) == 1 and is_placeholder(module.body[0]):  # a removed top-level statement
        return module.with_changes(body=[], footer=[*module.body[0].leading_lines, *module.footer])
    return fast_visit(_Collapse(), module)


def has_placeholder(code: str) -> bool:
    return _MARK in code
