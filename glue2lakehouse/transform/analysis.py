"""Which names hold a GlueContext, SparkContext, Job or SparkSession, worked out from the code.

Constructors and assignments (``glueContext = GlueContext(sc)``,
``spark = glueContext.spark_session``) and function parameters annotated with
or named like a GlueContext; never a fixed list of variable names alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

_GLUE_PARAM = re.compile(r"^(glue_?context|glue_?ctx|gc|glue)$", re.IGNORECASE)


@dataclass
class Roles:
    glue: set[str] = field(default_factory=set)          # names assigned a GlueContext
    glue_params: set[str] = field(default_factory=set)   # parameters holding a GlueContext
    spark_context: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    spark: str | None = None                             # a name assigned the SparkSession

    def any_glue(self) -> bool:
        return bool(self.glue or self.glue_params or self.spark_context or self.jobs)

    def is_glue(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value in (self.glue | self.glue_params)


def dotted(node: cst.BaseExpression) -> str | None:
    """'a.b.c' for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def call_name(node: cst.BaseExpression) -> str | None:
    return dotted(node.func) if isinstance(node, cst.Call) else None


def is_spark_context_call(node: cst.BaseExpression) -> bool:
    return call_name(node) in ("SparkContext", "SparkContext.getOrCreate", "pyspark.SparkContext",
                               "pyspark.context.SparkContext")


def is_glue_context_call(node: cst.BaseExpression) -> bool:
    return call_name(node) in ("GlueContext", "awsglue.context.GlueContext")


def is_job_call(node: cst.BaseExpression) -> bool:
    return call_name(node) in ("Job", "awsglue.job.Job")


def single_target(node: cst.Assign) -> str | None:
    if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
        return node.targets[0].target.value
    return None


class _Analyser(cst.CSTVisitor):
    def __init__(self) -> None:
        self.roles = Roles()

    def visit_Assign(self, node: cst.Assign) -> None:
        name = single_target(node)
        if name is None:
            return
        value = node.value
        if is_glue_context_call(value):
            self.roles.glue.add(name)
        elif is_spark_context_call(value):
            self.roles.spark_context.add(name)
        elif is_job_call(value):
            self.roles.jobs.add(name)
        elif isinstance(value, cst.Attribute) and value.attr.value == "spark_session" and self.roles.is_glue(value.value):
            self.roles.spark = self.roles.spark or name
        elif (call_name(value) or "").startswith("SparkSession.builder"):
            self.roles.spark = self.roles.spark or name

    def visit_Param(self, node: cst.Param) -> None:
        annotation = dotted(node.annotation.annotation) if node.annotation else None
        if annotation in ("GlueContext", "awsglue.context.GlueContext") or (
            annotation is None and _GLUE_PARAM.match(node.name.value)
        ):
            self.roles.glue_params.add(node.name.value)


def analyse(module: cst.Module) -> Roles:
    analyser = _Analyser()
    module.visit(analyser)
    # A parameter that is also assigned a GlueContext somewhere is the same kind of name.
    analyser.roles.glue_params -= analyser.roles.glue
    return analyser.roles
