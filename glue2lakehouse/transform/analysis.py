"""Which names hold a GlueContext, SparkContext, Job, SparkSession, DynamicFrame or collection.

Worked out from the code, never from a fixed list of variable names alone:
constructors and assignments (``glueContext = GlueContext(sc)``, ``dyf =
glueContext.create_dynamic_frame...``), function parameters annotated with or
named like a Glue type, and the return values of helper functions in the same
file. Names are tracked per module (a name reused with two roles in one file
takes both).

The analysis reads Python's own ``ast`` (a fraction of libcst's cost, and the
whole file is analysed before any statement is rewritten); the questions the
rules ask about an expression (``is_frame``, ``is_glue``, ...) accept ast and
libcst nodes alike.
"""

from __future__ import annotations

import ast
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

    def names(self) -> set[str]:
        """Every name the analysis gave a role."""
        return {name for name in (self.glue | self.glue_params | self.spark_context | self.jobs | self.spark_names
                                  | self.frames | self.collections | self.loggers | self.frame_functions
                                  | self.collection_functions | self.rdds) if name}

    def is_glue(self, node) -> bool:
        return name_of(node) in (self.glue | self.glue_params)

    # ---- what an expression holds (ast or libcst nodes)
    def is_frame(self, node) -> bool:
        name = name_of(node)
        if name is not None:
            return name in self.frames
        func = call_func(node)
        if func is not None:
            called = dotted(func) or ""
            head = called.rpartition(".")[0]
            if called.endswith(".apply") and head.rsplit(".", 1)[-1] in FRAME_TRANSFORMS:
                return True
            if called in ("DynamicFrame.fromDF", "DynamicFrame", "awsglue.dynamicframe.DynamicFrame.fromDF"):
                return True
            if called in self.frame_functions:
                return True
            attribute = attribute_of(func)
            if attribute is not None:
                receiver, attr = attribute
                inner = attribute_of(receiver)
                if inner is not None and inner[1] == "create_dynamic_frame":
                    return True
                if attr in FRAME_METHODS and self.is_frame(receiver):
                    return True
                if attr == "select" and self.is_collection(receiver):
                    return True
        value = subscript_value(node)
        if value is not None:
            return self.is_collection(value)
        return False

    def is_rdd(self, node) -> bool:
        """An RDD, as far as the code shows: built by parallelize / textFile / .rdd / RDD-only methods."""
        while True:
            name = name_of(node)
            if name is not None:
                return name in self.rdds
            func = call_func(node)
            if func is not None:
                node = func
                continue
            attribute = attribute_of(node)
            if attribute is None:
                return False
            if attribute[1] in RDD_MARKERS:
                return True
            node = attribute[0]

    def is_collection(self, node) -> bool:
        name = name_of(node)
        if name is not None:
            return name in self.collections
        func = call_func(node)
        if func is not None:
            called = dotted(func) or ""
            head = called[: -len(".apply")] if called.endswith(".apply") else ""
            if head.rsplit(".", 1)[-1] in COLLECTION_TRANSFORMS or called == "DynamicFrameCollection":
                return True
            if called in self.collection_functions:
                return True
            attribute = attribute_of(func)
            if attribute is not None and attribute[1] in COLLECTION_METHODS:
                return self.is_frame(attribute[0])
        return False


# ---------------------------------------------------------------- one view of ast and libcst nodes
def name_of(node) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, ast.Name):
        return node.id
    return None


def attribute_of(node):
    """(receiver, attribute name) of an attribute access, else None."""
    if isinstance(node, cst.Attribute):
        return node.value, node.attr.value
    if isinstance(node, ast.Attribute):
        return node.value, node.attr
    return None


def call_func(node):
    return node.func if isinstance(node, (cst.Call, ast.Call)) else None


def subscript_value(node):
    return node.value if isinstance(node, (cst.Subscript, ast.Subscript)) else None


def dotted(node) -> str | None:
    """'a.b.c' for a Name/Attribute chain (ast or libcst), else None."""
    parts = []
    attribute = attribute_of(node)
    while attribute is not None:
        node, attr = attribute
        parts.append(attr)
        attribute = attribute_of(node)
    name = name_of(node)
    if name is None:
        return None
    parts.append(name)
    return ".".join(reversed(parts))


def call_name(node) -> str | None:
    func = call_func(node)
    return dotted(func) if func is not None else None


def is_spark_context_call(node) -> bool:
    return call_name(node) in ("SparkContext", "SparkContext.getOrCreate", "pyspark.SparkContext",
                               "pyspark.context.SparkContext")


def is_glue_context_call(node) -> bool:
    return call_name(node) in ("GlueContext", "awsglue.context.GlueContext")


def is_job_call(node) -> bool:
    return call_name(node) in ("Job", "awsglue.job.Job")


def single_target(node) -> str | None:
    """The name an assignment binds when it has exactly one plain-name target."""
    if isinstance(node, cst.Assign):
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            return node.targets[0].target.value
        return None
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def _annotation(node: ast.expr | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    return dotted(node)


class _Analyser(ast.NodeVisitor):
    def __init__(self, roles: Roles) -> None:
        self.roles = roles
        self.changed = False
        self._functions: list[str] = []
        self.job_methods: set[str] = set()

    def _add(self, group: set, name: str) -> None:
        if name not in group:
            group.add(name)
            self.changed = True

    def visit_FunctionDef(self, node) -> None:
        self._functions.append(node.name)
        returns = _annotation(node.returns)
        if returns in ("DynamicFrame", "awsglue.dynamicframe.DynamicFrame"):
            self._add(self.roles.frame_functions, node.name)
        elif returns in ("DynamicFrameCollection", "awsglue.dynamicframe.DynamicFrameCollection"):
            self._add(self.roles.collection_functions, node.name)
        self._params(node.args)
        self.generic_visit(node)
        self._functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._params(node.args)
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if self._functions and node.value is not None:
            if self.roles.is_frame(node.value):
                self._add(self.roles.frame_functions, self._functions[-1])
            elif self.roles.is_collection(node.value):
                self._add(self.roles.collection_functions, self._functions[-1])
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        name = single_target(node)
        if name is None:
            return
        value = node.value
        roles = self.roles
        attribute = attribute_of(value)
        func_attribute = attribute_of(call_func(value)) if call_func(value) is not None else None
        if is_glue_context_call(value):
            self._add(roles.glue, name)
        elif is_spark_context_call(value):
            self._add(roles.spark_context, name)
        elif is_job_call(value):
            self._add(roles.jobs, name)
        elif attribute is not None and attribute[1] == "spark_session" and roles.is_glue(attribute[0]):
            roles.spark = roles.spark or name
            self._add(roles.spark_names, name)
        elif (call_name(value) or "").startswith("SparkSession.builder"):
            roles.spark = roles.spark or name
            self._add(roles.spark_names, name)
        elif func_attribute is not None and func_attribute[1] == "get_logger" and roles.is_glue(func_attribute[0]):
            self._add(roles.loggers, name)
        elif roles.is_frame(value):
            self._add(roles.frames, name)
        elif roles.is_rdd(value):
            self._add(roles.rdds, name)
        elif roles.is_collection(value):
            self._add(roles.collections, name)

    def _params(self, arguments: ast.arguments) -> None:
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            self._param(arg.arg, _annotation(arg.annotation))

    def _param(self, name: str, annotation: str | None) -> None:
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

    def visit_Call(self, node: ast.Call) -> None:
        attribute = attribute_of(node.func)
        if attribute is not None and name_of(attribute[0]) in self.roles.jobs:
            self.job_methods.add(attribute[1])
        self.generic_visit(node)


def analyse(tree: ast.AST) -> Roles:
    """The roles of the names in a parsed module (Python's ``ast``)."""
    roles = Roles()
    for _ in range(6):  # a fixpoint: helper functions and aliases feed each other
        analyser = _Analyser(roles)
        analyser.visit(tree)
        if not analyser.changed:
            break
    roles.glue_params -= roles.glue
    roles.uses_bookmarks = {"init", "commit"} <= analyser.job_methods
    return roles
