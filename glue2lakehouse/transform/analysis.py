"""Which names hold a GlueContext, SparkContext, Job, SparkSession, DynamicFrame or collection.

Worked out from the code, never from a fixed list of variable names alone:
constructors and assignments (``glueContext = GlueContext(sc)``, ``dyf =
glueContext.create_dynamic_frame...``), function parameters annotated with or
named like a Glue type, and the return values of helper functions in the same
file. Names are tracked per module (a name reused with two roles in one file
takes both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

_GLUE_PARAM = re.compile(r"^(glue_?context|glue_?ctx|gc|glue_?c)$", re.IGNORECASE)
_DYF_PARAM = re.compile(r"^(dyf|dynf|dynamic_?frame|.*_dyf|dyf_.*|.*_dynamic_?frame|.*_dynf)$", re.IGNORECASE)
_DFC_PARAM = re.compile(r"^(dfc|.*_dfc|dynamic_?frame_?collection)$", re.IGNORECASE)

# awsglue.transforms classes: those returning a DynamicFrameCollection, and the rest.
COLLECTION_TRANSFORMS = {"Relationalize", "SplitFields", "SplitRows", "ErrorsAsDynamicFrame"}
FRAME_TRANSFORMS = {
    "ApplyMapping", "ResolveChoice", "DropNullFields", "SelectFields", "DropFields", "RenameField", "Join",
    "Filter", "Map", "Spigot", "Unbox", "UnnestFrame", "FillMissingValues", "FlatMap", "Union", "Coalesce",
    "Repartition", "SelectFromCollection", "MapToCollection", "DropDuplicates",
}
GLUE_TRANSFORMS = COLLECTION_TRANSFORMS | FRAME_TRANSFORMS | {"GlueTransform"}
FRAME_METHODS = {
    "apply_mapping", "drop_fields", "select_fields", "rename_field", "resolveChoice", "spigot", "unbox",
    "unnest", "drop_null_fields", "filter", "join", "map", "repartition", "coalesce", "errorsAsDynamicFrame",
}
COLLECTION_METHODS = {"relationalize", "split_fields", "split_rows"}
# Attributes that make an expression an RDD (rdd.toDF() builds a DataFrame and must stay).
RDD_MARKERS = {"parallelize", "textFile", "wholeTextFiles", "rdd", "flatMap", "mapPartitions", "zipWithIndex",
               "mapValues", "reduceByKey", "groupByKey", "sortByKey", "keyBy", "emptyRDD"}


@dataclass
class Roles:
    glue: set[str] = field(default_factory=set)           # names assigned a GlueContext
    glue_params: set[str] = field(default_factory=set)    # parameters holding a GlueContext
    spark_context: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    spark: str | None = None                              # a name assigned the SparkSession
    spark_names: set[str] = field(default_factory=set)    # every name holding a SparkSession
    frames: set[str] = field(default_factory=set)         # DynamicFrames
    collections: set[str] = field(default_factory=set)    # DynamicFrameCollections
    loggers: set[str] = field(default_factory=set)        # glueContext.get_logger()
    frame_functions: set[str] = field(default_factory=set)       # local functions returning a DynamicFrame
    collection_functions: set[str] = field(default_factory=set)  # ... returning a collection
    rdds: set[str] = field(default_factory=set)           # names holding an RDD
    uses_bookmarks: bool = False                          # job.init(...) and job.commit() both present

    def any_glue(self) -> bool:
        return bool(self.glue or self.glue_params or self.spark_context or self.jobs or self.frames
                    or self.collections)

    def is_glue(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value in (self.glue | self.glue_params)

    # ---- what an expression holds
    def is_frame(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return node.value in self.frames
        if isinstance(node, cst.Call):
            name = dotted(node.func) or ""
            head, _, last = name.rpartition(".")
            if name.endswith(".apply") and head.rsplit(".", 1)[-1] in FRAME_TRANSFORMS:
                return True
            if name in ("DynamicFrame.fromDF", "DynamicFrame", "awsglue.dynamicframe.DynamicFrame.fromDF"):
                return True
            if name in self.frame_functions:
                return True
            if isinstance(node.func, cst.Attribute):
                receiver = node.func.value
                attr = node.func.attr.value
                if isinstance(receiver, cst.Attribute) and receiver.attr.value == "create_dynamic_frame":
                    return True
                if attr in FRAME_METHODS and self.is_frame(receiver):
                    return True
                if attr == "select" and self.is_collection(receiver):
                    return True
        if isinstance(node, cst.Subscript):
            return self.is_collection(node.value)
        return False

    def is_rdd(self, node: cst.BaseExpression) -> bool:
        """An RDD, as far as the code shows: built by parallelize / textFile / .rdd / RDD-only methods."""
        while True:
            if isinstance(node, cst.Name):
                return node.value in self.rdds
            if isinstance(node, cst.Call):
                node = node.func
            elif isinstance(node, cst.Attribute):
                if node.attr.value in RDD_MARKERS:
                    return True
                node = node.value
            else:
                return False

    def is_collection(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return node.value in self.collections
        if isinstance(node, cst.Call):
            name = dotted(node.func) or ""
            head = name[: -len(".apply")] if name.endswith(".apply") else ""
            if head.rsplit(".", 1)[-1] in COLLECTION_TRANSFORMS or name == "DynamicFrameCollection":
                return True
            if name in self.collection_functions:
                return True
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in COLLECTION_METHODS:
                return self.is_frame(node.func.value)
        return False


def dotted(node: cst.BaseExpression | None) -> str | None:
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


def _annotation(node: cst.Annotation | None) -> str | None:
    if node is None:
        return None
    value = node.annotation
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        return text if isinstance(text, str) else None
    return dotted(value)


class _Analyser(cst.CSTVisitor):
    def __init__(self, roles: Roles) -> None:
        self.roles = roles
        self.changed = False
        self._functions: list[str] = []
        self.job_methods: set[str] = set()

    def _add(self, group: set, name: str) -> None:
        if name not in group:
            group.add(name)
            self.changed = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)
        returns = _annotation(node.returns)
        if returns in ("DynamicFrame", "awsglue.dynamicframe.DynamicFrame"):
            self._add(self.roles.frame_functions, node.name.value)
        elif returns in ("DynamicFrameCollection", "awsglue.dynamicframe.DynamicFrameCollection"):
            self._add(self.roles.collection_functions, node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if not self._functions or node.value is None:
            return
        if self.roles.is_frame(node.value):
            self._add(self.roles.frame_functions, self._functions[-1])
        elif self.roles.is_collection(node.value):
            self._add(self.roles.collection_functions, self._functions[-1])

    def visit_Assign(self, node: cst.Assign) -> None:
        name = single_target(node)
        if name is None:
            return
        value = node.value
        roles = self.roles
        if is_glue_context_call(value):
            self._add(roles.glue, name)
        elif is_spark_context_call(value):
            self._add(roles.spark_context, name)
        elif is_job_call(value):
            self._add(roles.jobs, name)
        elif isinstance(value, cst.Attribute) and value.attr.value == "spark_session" and roles.is_glue(value.value):
            roles.spark = roles.spark or name
            self._add(roles.spark_names, name)
        elif (call_name(value) or "").startswith("SparkSession.builder"):
            roles.spark = roles.spark or name
            self._add(roles.spark_names, name)
        elif (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
              and value.func.attr.value == "get_logger" and roles.is_glue(value.func.value)):
            self._add(roles.loggers, name)
        elif roles.is_frame(value):
            self._add(roles.frames, name)
        elif roles.is_rdd(value):
            self._add(roles.rdds, name)
        elif roles.is_collection(value):
            self._add(roles.collections, name)

    def visit_Param(self, node: cst.Param) -> None:
        name = node.name.value
        annotation = _annotation(node.annotation)
        if annotation in ("GlueContext", "awsglue.context.GlueContext") or (
            annotation is None and _GLUE_PARAM.match(name)
        ):
            self._add(self.roles.glue_params, name)
        elif annotation in ("DynamicFrame", "awsglue.dynamicframe.DynamicFrame") or (
            annotation is None and _DYF_PARAM.match(name)
        ):
            self._add(self.roles.frames, name)
        elif annotation in ("DynamicFrameCollection", "awsglue.dynamicframe.DynamicFrameCollection") or (
            annotation is None and _DFC_PARAM.match(name)
        ):
            self._add(self.roles.collections, name)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in self.roles.jobs:
            self.job_methods.add(func.attr.value)


def analyse(module: cst.Module) -> Roles:
    roles = Roles()
    for _ in range(6):  # a fixpoint: helper functions and aliases feed each other
        analyser = _Analyser(roles)
        module.visit(analyser)
        if not analyser.changed:
            break
    roles.glue_params -= roles.glue
    roles.uses_bookmarks = {"init", "commit"} <= analyser.job_methods
    return roles
