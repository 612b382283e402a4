"""Rule: GlueContext / SparkContext / Job boilerplate -> ``SparkSession.builder.getOrCreate()``.

- ``job.init(...)`` / ``job.commit()`` and ``job = Job(glueContext)`` go, for names
  that hold a Job only (``conn.commit()`` stays);
- ``glueContext = GlueContext(sc)`` goes once nothing uses it; where the code
  needs ``spark`` and nothing defines it, that line becomes the SparkSession line
  (and, in a file with no GlueContext, one is added after the imports);
- ``sc = SparkContext(...)`` goes once nothing uses it, else it becomes
  ``spark.sparkContext`` of the session.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

import libcst as cst

from glue2lakehouse.transform.analysis import (
    Roles,
    is_glue_context_call,
    is_job_call,
    is_spark_context_call,
    single_target,
)
from glue2lakehouse.transform.edits import KeepsLeadingLines, placeholder

SPARK_BUILDER = "SparkSession.builder.getOrCreate()"


def _is_job_method(node: cst.BaseSmallStatement, jobs: set[str]) -> bool:
    if not isinstance(node, cst.Expr) or not isinstance(node.value, cst.Call):
        return False
    func = node.value.func
    return (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
            and func.value.value in jobs and func.attr.value in ("init", "commit"))


class _Rewrite(KeepsLeadingLines):
    def __init__(self, roles: Roles, remove: set[str] | None, spark_at: str | None, spark_mode: str):
        super().__init__()
        self.jobs_only = remove is None  # first phase: only the Job lines go
        remove = remove or set()
        self.roles = roles
        self.remove = remove          # names whose defining assignments go
        self.spark_at = spark_at      # GlueContext name whose line gives the spark line
        self.spark_mode = spark_mode  # "replace", "after" or "none"
        self.spark_done = False

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign):
        name = single_target(original)
        value = original.value
        if name is None:
            return updated
        if is_job_call(value) and name in self.roles.jobs:
            return cst.RemoveFromParent()
        if self.jobs_only:
            return updated
        if is_spark_context_call(value) and name in self.roles.spark_context and name not in self.remove:
            return updated.with_changes(value=cst.parse_expression(f"{SPARK_BUILDER}.sparkContext"))
        if name in self.remove and (is_glue_context_call(value) or is_spark_context_call(value)):
            if name == self.spark_at and self.spark_mode == "replace" and not self.spark_done:
                self.spark_done = True
                return cst.parse_statement(f"spark = {SPARK_BUILDER}\n").body[0]
            return cst.RemoveFromParent()
        return updated

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr):
        if _is_job_method(original, self.roles.jobs):
            return cst.RemoveFromParent()
        return updated

    def leave_SimpleStatementLine(self, original, updated):
        if not updated.body:
            return placeholder(original)
        if (self.spark_mode == "after" and not self.spark_done and len(original.body) == 1
                and isinstance(original.body[0], cst.Assign) and single_target(original.body[0]) == self.spark_at
                and is_glue_context_call(original.body[0].value)):
            self.spark_done = True
            return cst.FlattenSentinel([updated, cst.parse_statement(f"spark = {SPARK_BUILDER}\n")])
        return updated


class _Definitions(cst.CSTVisitor):
    """GlueContext / SparkContext definitions: how many per name, and the names their values use."""

    def __init__(self) -> None:
        self.defs: Counter[str] = Counter()
        self.value_uses: dict[str, Counter[str]] = {}
        self.assigned: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        name = single_target(node)
        if not name:
            return
        self.assigned.add(name)
        if is_glue_context_call(node.value) or is_spark_context_call(node.value):
            self.defs[name] += 1
            uses = self.value_uses.setdefault(name, Counter())
            node.value.visit(_Names(uses))


class _Names(cst.CSTVisitor):
    def __init__(self, counts: Counter[str]):
        self.counts = counts

    def visit_Name(self, node: cst.Name) -> None:
        self.counts[node.value] += 1


class SessionBoilerplate:
    def __init__(self, roles: Roles, counts: Callable[[cst.Module], Counter[str]], needs_spark: bool):
        self.roles = roles
        self.counts = counts
        self.needs_spark = needs_spark

    def apply(self, module: cst.Module) -> cst.Module:
        module = module.visit(_Rewrite(self.roles, None, None, "none"))
        definitions = _Definitions()
        module.visit(definitions)
        counts = self.counts(module)
        # A name goes when only its own definitions, and definitions that go, use it.
        remove: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name in sorted(self.roles.glue | self.roles.spark_context):
                if name in remove:
                    continue
                inside_removed = sum(definitions.value_uses.get(d, Counter())[name] for d in remove)
                if counts[name] - definitions.defs[name] - inside_removed <= 0:
                    remove.add(name)
                    changed = True
        spark_defined = self.roles.spark is not None or "spark" in definitions.assigned
        spark_at, mode = None, "none"
        if self.roles.glue and not spark_defined and (self.needs_spark or remove & self.roles.glue):
            spark_at = sorted(self.roles.glue)[0]
            mode = "replace" if spark_at in remove else "after"
        module = module.visit(_Rewrite(self.roles, remove, spark_at, mode))
        if self.needs_spark and not spark_defined and not self.roles.glue:
            from glue2lakehouse.transform.imports import import_position

            body = list(module.body)
            body.insert(import_position(body), cst.parse_statement(f"spark = {SPARK_BUILDER}\n"))
            module = module.with_changes(body=body)
        return module
