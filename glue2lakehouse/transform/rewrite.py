"""The libcst pass: analyse which names hold Glue objects, then apply the rules.

First-pass rules (each in its own module):
- ``session``: GlueContext / SparkContext / Job boilerplate -> SparkSession.
- ``catalog``: ``create_dynamic_frame.from_catalog`` -> ``spark.table("<catalog>.<db>.<table>")``.
- ``imports``: drop the Glue imports nothing needs any more, add SparkSession.
"""

from __future__ import annotations

from collections import Counter

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.transform import Finding
from glue2lakehouse.transform.analysis import Roles, analyse
from glue2lakehouse.transform.catalog import CatalogReads
from glue2lakehouse.transform.edits import collapse_removed
from glue2lakehouse.transform.imports import tidy_imports
from glue2lakehouse.transform.session import SessionBoilerplate


class _NameCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def visit_Name(self, node: cst.Name) -> None:
        self.counts[node.value] += 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        return False


def name_counts(module: cst.Module) -> Counter[str]:
    counter = _NameCounter()
    module.visit(counter)
    return counter.counts


def rewrite_module(text: str, path: str, settings: TransformSettings) -> tuple[str, list[Finding]]:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise SyntaxError(error.message.splitlines()[0] if error.message else "invalid syntax", (path, error.raw_line, error.raw_column, "")) from None
    wrapper = MetadataWrapper(module)
    roles: Roles = analyse(wrapper.module)
    if not roles.any_glue():
        return text, []
    findings: list[Finding] = []
    reads = CatalogReads(roles, settings, path, findings, wrapper.module)
    module = wrapper.visit(reads)
    module = SessionBoilerplate(roles, name_counts, needs_spark=reads.used_spark).apply(module)
    module = collapse_removed(module)
    module = tidy_imports(module, name_counts(module))
    module = collapse_removed(module)
    return module.code, sorted(findings, key=lambda f: (f.line, f.rule))


__all__ = ["rewrite_module", "PositionProvider"]
