"""Rule: drop Glue imports nothing uses any more; import what the converted code uses."""

from __future__ import annotations

import ast
import sys
from collections import Counter

import libcst as cst

from glue2lakehouse.transform.analysis import GLUE_TRANSFORMS, dotted
from glue2lakehouse.transform.edits import KeepsLeadingLines
from glue2lakehouse.transform.walk import fast_visit

_DROPPABLE = ("awsglue", "pyspark.context")
# Names converted code may use -> the import that binds them (added in this order).
NEEDED = {
    "argparse": "import argparse",
    "logging": "import logging",
    "DataFrame": "from pyspark.sql import DataFrame",
    "SparkSession": "from pyspark.sql import SparkSession",
    "F": "from pyspark.sql import functions as F",
    "Row": "from pyspark.sql import Row",
    "Window": "from pyspark.sql import Window",
}


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return alias.asname.name.value
    return (dotted(alias.name) or "").split(".")[0]


class _Tidy(KeepsLeadingLines):
    def __init__(self, counts):
        super().__init__()
        self.counts = counts  # rewrite.NameCounts
        self.dropped = False

    def leave_Import(self, original: cst.Import, updated: cst.Import):
        return self._keep(updated, lambda alias: (dotted(alias.name) or "").startswith("awsglue"))

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        module = dotted(original.module) if original.module else ""
        droppable = module.startswith(_DROPPABLE)
        if isinstance(updated.names, cst.ImportStar):
            if droppable and not any(self.counts.used(name) for name in GLUE_TRANSFORMS):
                self.dropped = True
                return cst.RemoveFromParent()
            return updated
        return self._keep(updated, lambda alias: droppable)

    def _keep(self, updated, droppable):
        """The statement with the droppable names nothing uses removed (or removed itself when none is left)."""
        kept = [a for a in updated.names if not droppable(a) or self.counts.used(_bound_name(a))]
        if len(kept) != len(updated.names):
            self.dropped = True
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) != len(updated.names):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(names=kept)
        return updated


def bound_names(module: cst.Module) -> set[str]:
    """Names bound by a statement group's top-level import statements."""
    bound: set[str] = set()
    for line in module.body:
        if isinstance(line, cst.SimpleStatementLine):
            for small in line.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    bound.update(_bound_name(alias) for alias in small.names)
    return bound


def tidy(module: cst.Module, counts) -> tuple[cst.Module, bool]:
    """Drop the Glue imports of one statement group that nothing uses; (module, whether any went)."""
    tidier = _Tidy(counts)
    if len(module.body) == 1 and isinstance(module.body[0], cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in module.body[0].body):
        line = module.body[0]  # a top-level import line (the usual case): no need to walk the group
        kept = []
        for small in line.body:
            result = (tidier.leave_Import if isinstance(small, cst.Import) else tidier.leave_ImportFrom)(small, small)
            if not isinstance(result, cst.RemovalSentinel):
                kept.append(result)
        if not tidier.dropped:
            return module, False
        if not kept:  # the statement went; the comments and blank lines above it stay
            return module.with_changes(body=[], footer=[*line.leading_lines, *module.footer]), True
        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return module.with_changes(body=[line.with_changes(body=kept)]), True
    new = fast_visit(tidier, module)
    return new, tidier.dropped


# ---------------------------------------------------------------- where added imports go
STDLIB = "stdlib"
THIRD_PARTY = "third-party"
LOCAL = "local"
# Packages Glue jobs import besides the standard library: third party, never the job's own modules.
KNOWN_THIRD_PARTY = {
    "pyspark", "awsglue", "boto3", "botocore", "pandas", "numpy", "pyarrow", "requests", "delta", "s3fs",
    "sqlalchemy", "psycopg2", "pymysql", "redshift_connector", "yaml", "dateutil", "pytz", "great_expectations",
    "databricks", "py4j", "scipy", "sklearn", "awswrangler", "jinja2", "pydantic",
}
# The group of each import the conversion adds.
NEEDED_GROUP = {"argparse": STDLIB, "logging": STDLIB, "DataFrame": THIRD_PARTY, "SparkSession": THIRD_PARTY,
                "F": THIRD_PARTY, "Row": THIRD_PARTY,
                "Window": THIRD_PARTY}


def module_group(node: ast.stmt) -> str:
    """Standard library, third party or local, for a top-level import statement."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return LOCAL
        top = (node.module or "").split(".")[0]
    else:
        top = node.names[0].name.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return STDLIB
    return THIRD_PARTY if top in KNOWN_THIRD_PARTY else LOCAL
