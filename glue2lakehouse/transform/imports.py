"""Rule: drop Glue imports nothing uses any more; import SparkSession where it is used."""

from __future__ import annotations

from collections import Counter

import libcst as cst

from glue2lakehouse.transform.analysis import dotted
from glue2lakehouse.transform.edits import KeepsLeadingLines

_DROPPABLE = ("awsglue", "pyspark.context")


class _Tidy(KeepsLeadingLines):
    def __init__(self, counts: Counter[str]):
        super().__init__()
        self.counts = counts
        self.has_spark_session = False

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        module = dotted(original.module) if original.module else ""
        if isinstance(updated.names, cst.ImportStar):
            return updated
        for alias in updated.names:
            if (alias.asname.name.value if alias.asname else alias.name.value) == "SparkSession":
                self.has_spark_session = True
        if not module.startswith(_DROPPABLE):
            return updated
        kept = [a for a in updated.names
                if self.counts[(a.asname.name.value if a.asname else a.name.value)] > 0]
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) != len(updated.names):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(names=kept)
        return updated


def tidy_imports(module: cst.Module, counts: Counter[str]) -> cst.Module:
    tidy = _Tidy(counts)
    module = module.visit(tidy)
    if counts["SparkSession"] and not tidy.has_spark_session:
        body = list(module.body)
        last_import = -1
        for index, statement in enumerate(body):
            if isinstance(statement, cst.SimpleStatementLine) and any(
                isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
            ):
                last_import = index
        line = cst.parse_statement("from pyspark.sql import SparkSession\n")
        body.insert(last_import + 1, line)
        module = module.with_changes(body=body)
    return module
