"""Rule: drop Glue imports nothing uses any more; import what the converted code uses."""

from __future__ import annotations

from collections import Counter

import libcst as cst

from glue2lakehouse.transform.analysis import GLUE_TRANSFORMS, dotted
from glue2lakehouse.transform.edits import KeepsLeadingLines

_DROPPABLE = ("awsglue", "pyspark.context")
# Names converted code may use -> the import that binds them (added in this order).
NEEDED = {
    "argparse": "import argparse",
    "logging": "import logging",
    "DataFrame": "from pyspark.sql import DataFrame",
    "SparkSession": "from pyspark.sql import SparkSession",
    "F": "from pyspark.sql import functions as F",
}


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return alias.asname.name.value
    return (dotted(alias.name) or "").split(".")[0]


class _Tidy(KeepsLeadingLines):
    def __init__(self, counts: Counter[str]):
        super().__init__()
        self.counts = counts
        self.bound: set[str] = set()

    def leave_Import(self, original: cst.Import, updated: cst.Import):
        return self._keep(updated, lambda alias: (dotted(alias.name) or "").startswith("awsglue"))

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        module = dotted(original.module) if original.module else ""
        droppable = module.startswith(_DROPPABLE)
        if isinstance(updated.names, cst.ImportStar):
            if droppable and not any(self.counts[name] for name in GLUE_TRANSFORMS):
                return cst.RemoveFromParent()
            return updated
        return self._keep(updated, lambda alias: droppable)

    def _keep(self, updated, droppable):
        """The statement with the droppable names nothing uses removed (or removed itself when none is left)."""
        kept = [a for a in updated.names if not droppable(a) or self.counts[_bound_name(a)] > 0]
        self.bound.update(_bound_name(a) for a in kept)
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) != len(updated.names):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(names=kept)
        return updated


def _is_import(statement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)


def import_position(body) -> int:
    """Index after the top-level import block (after a docstring and __future__ imports at least)."""
    position = 0
    for index, statement in enumerate(body):
        if _is_import(statement):
            position = index + 1
        elif index == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(
                statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.SimpleString):
            position = 1
    return position


def tidy_imports(module: cst.Module, counts: Counter[str], insert: bool = True):
    """Drop unused Glue imports and add the imports the converted code needs.

    With ``insert=False`` the needed import lines are returned instead of inserted:
    ``(module, lines)``, for a caller that places them itself.
    """
    tidy = _Tidy(counts)
    module = module.visit(tidy)
    missing = [line for name, line in NEEDED.items() if counts[name] and name not in tidy.bound]
    if not insert:
        return module, missing
    if missing:
        body = list(module.body)
        at = import_position(body)
        new = [cst.parse_statement(line + "\n") for line in missing]
        if at == 0 and body and body[0].leading_lines:
            # The file's opening comments go above the new imports; one blank line then separates them.
            leading = list(body[0].leading_lines)
            blanks = []
            while leading and leading[-1].comment is None:
                blanks.insert(0, leading.pop())
            new[0] = new[0].with_changes(leading_lines=leading)
            body[0] = body[0].with_changes(leading_lines=blanks or [cst.EmptyLine()])
        elif at > 0 and at == 1 and not _is_import(body[0]):
            new[0] = new[0].with_changes(leading_lines=[cst.EmptyLine()])
        body[at:at] = new
        module = module.with_changes(body=body)
    return module
