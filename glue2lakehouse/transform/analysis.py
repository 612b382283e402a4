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
COLLECTION_TRANSFORMS = {"Relationalize", "SplitFields", "SplitRows", "ErrorsAsDynamicFrame", "MapToCollection"}
FRAME_TRANSFORMS = {
    "ApplyMapping", "ResolveChoice", "DropNullFields", "SelectFields", "DropFields", "RenameField", "Join",
    "Filter", "Map", "Spigot", "Unbox", "UnnestFrame", "FillMissingValues", "FlatMap", "Union", "Coalesce",
    "Repartition", "SelectFromCollection", "DropDuplicates", "EvaluateDataQuality",
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
    assignments: list = field(default_factory=list)       # (name, value) of every single-name assignment
    imported: set[str] = field(default_factory=set)       # names bound by import statements anywhere

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
                if attr.startswith("create_dynamic_frame_from_") and self.is_glue(receiver):
                    return True  # GlueContext's method form
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
            if attribute is not None and attribute[1] == "process_rows" and \
                    (call_name(attribute[0]) or "").rsplit(".", 1)[-1] == "EvaluateDataQuality":
                return True     # awsgluedq: a collection of ruleOutcomes and rowLevelOutcomes
        return False


# ---------------------------------------------------------------- one view of ast and libcst nodes
# These are asked of every call and name the rules look at, libcst's and ast's: the exact type is tested
# (``type(x) is``), since libcst's node classes are abstract-base-class instances whose isinstance checks go
# through ABCMeta, and none of these classes has subclasses.
_CST_NAME, _AST_NAME, _CST_ATTRIBUTE, _AST_ATTRIBUTE = cst.Name, ast.Name, cst.Attribute, ast.Attribute
_CST_CALL, _AST_CALL = cst.Call, ast.Call


def name_of(node) -> str | None:
    kind = type(node)
    if kind is _CST_NAME:
        return node.value
    if kind is _AST_NAME:
        return node.id
    return None


def attribute_of(node):
    """(receiver, attribute name) of an attribute access, else None."""
    kind = type(node)
    if kind is _CST_ATTRIBUTE:
        return node.value, node.attr.value
    if kind is _AST_ATTRIBUTE:
        return node.value, node.attr
    return None


def call_func(node):
    kind = type(node)
    return node.func if kind is _CST_CALL or kind is _AST_CALL else None


def subscript_value(node):
    return node.value if isinstance(node, (cst.Subscript, ast.Subscript)) else None


def dotted(node) -> str | None:
    """'a.b.c' for a Name/Attribute chain (ast or libcst), else None."""
    parts = []
    kind = type(node)
    while True:
        if kind is _CST_ATTRIBUTE:
            parts.append(node.attr.value)
        elif kind is _AST_ATTRIBUTE:
            parts.append(node.attr)
        else:
            break
        node = node.value
        kind = type(node)
    if kind is _CST_NAME:
        parts.append(node.value)
    elif kind is _AST_NAME:
        parts.append(node.id)
    else:
        return None
    return ".".join(reversed(parts)) if len(parts) > 1 else parts[0]


def call_name(node) -> str | None:
    func = call_func(node)
    return dotted(func) if func is not None else None


SPARK_CONTEXT_CALLS = ("SparkContext", "SparkContext.getOrCreate", "pyspark.SparkContext", "pyspark.context.SparkContext")
GLUE_CONTEXT_CALLS = ("GlueContext", "awsglue.context.GlueContext")
JOB_CALLS = ("Job", "awsglue.job.Job")


def is_spark_context_call(node) -> bool:
    return call_name(node) in SPARK_CONTEXT_CALLS


def is_glue_context_call(node) -> bool:
    return call_name(node) in GLUE_CONTEXT_CALLS


def is_job_call(node) -> bool:
    return call_name(node) in JOB_CALLS


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


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def analyse(tree: ast.AST) -> Roles:
    """The roles of the names in a parsed module (Python's ``ast``).

    One walk collects the facts (assignments, returns, parameters, calls on names); the
    roles are then worked out over those facts to a fixpoint, since helper functions and
    aliases feed each other.
    """
    roles = Roles()
    assignments: list[tuple[str, ast.expr]] = []
    returns: list[tuple[str, ast.expr]] = []
    calls: list[tuple[str, str]] = []
    todo: list[tuple[list, str | None]] = [(tree.body, None)]
    while todo:  # statements only: what the roles come from is said in statements (and lambdas are rare)
        statements, function = todo.pop()
        for node in statements:
            kind = type(node)
            if kind in _FUNCTIONS:
                annotation = _annotation(node.returns)
                if annotation in ("DynamicFrame", "awsglue.dynamicframe.DynamicFrame"):
                    roles.frame_functions.add(node.name)
                elif annotation in ("DynamicFrameCollection", "awsglue.dynamicframe.DynamicFrameCollection"):
                    roles.collection_functions.add(node.name)
                _params(roles, node.args)
                todo.append((node.body, node.name))
                continue
            if kind is ast.Return:
                if function is not None and node.value is not None:
                    returns.append((function, node.value))
            elif kind is ast.Assign:
                name = single_target(node)
                if name is not None:
                    assignments.append((name, node.value))
            elif kind is ast.Import or kind is ast.ImportFrom:
                roles.imported.update(alias.asname or alias.name.split(".")[0] for alias in node.names
                                      if alias.name != "*")
            elif kind is ast.Expr and type(node.value) is ast.Call:
                attribute = attribute_of(node.value.func)
                if attribute is not None and type(attribute[0]) is ast.Name:
                    calls.append((attribute[0].id, attribute[1]))
            for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, block, None)
                if inner:
                    todo.append((inner if block not in ("handlers", "cases")
                                 else [s for clause in inner for s in clause.body], function))
    pending = []
    for name, value in assignments:  # what a constructor call makes does not depend on other names
        called = call_name(value)  # once: the tests below all look at the called name
        if called in GLUE_CONTEXT_CALLS:
            roles.glue.add(name)
        elif called in SPARK_CONTEXT_CALLS:
            roles.spark_context.add(name)
        elif called in JOB_CALLS:
            roles.jobs.add(name)
        elif (called or "").startswith("SparkSession.builder"):
            roles.spark = roles.spark or name
            roles.spark_names.add(name)
        else:
            pending.append((name, value, *_root(value)))
    for _ in range(6):  # a fixpoint: helper functions and aliases feed each other
        before = _size(roles)
        for function, value in returns:
            if roles.is_frame(value):
                roles.frame_functions.add(function)
            elif roles.is_collection(value):
                roles.collection_functions.add(function)
        # A value can only hold a Glue object through a name with a role, a Glue class or an RDD method.
        known = roles.names() | _GLUE_ROOTS
        pending = [item for item in pending
                   if not ((item[2] in known or item[3]) and _assignment(roles, item[0], item[1]))]
        if _size(roles) == before:
            break
    roles.glue_params -= roles.glue
    roles.uses_bookmarks = {"init", "commit"} <= {attr for name, attr in calls if name in roles.jobs}
    roles.assignments = assignments
    return roles


_GLUE_ROOTS = GLUE_TRANSFORMS | {"DynamicFrame", "DynamicFrameCollection", "awsglue"}


def _root(value: ast.expr) -> tuple[str | None, bool]:
    """The name a chain of calls, attributes and subscripts starts from, and whether it uses an RDD method."""
    rdd = False
    node = value
    while True:
        kind = type(node)
        if kind is ast.Call:
            node = node.func
        elif kind is ast.Attribute:
            rdd = rdd or node.attr in RDD_MARKERS
            node = node.value
        elif kind is ast.Subscript:
            node = node.value
        else:
            return (node.id if kind is ast.Name else None), rdd


def _size(roles: Roles) -> tuple:
    return (len(roles.glue), len(roles.spark_context), len(roles.jobs), len(roles.spark_names), len(roles.frames),
            len(roles.collections), len(roles.loggers), len(roles.frame_functions), len(roles.collection_functions),
            len(roles.rdds))


def _assignment(roles: Roles, name: str, value: ast.expr) -> bool:
    """Give ``name`` the role of the value it is assigned; whether a role was found."""
    attribute = attribute_of(value)
    func = call_func(value)
    func_attribute = attribute_of(func) if func is not None else None
    if attribute is not None and attribute[1] == "spark_session" and roles.is_glue(attribute[0]):
        roles.spark = roles.spark or name
        roles.spark_names.add(name)
    elif func_attribute is not None and func_attribute[1] == "get_logger" and roles.is_glue(func_attribute[0]):
        roles.loggers.add(name)
    elif roles.is_frame(value):
        roles.frames.add(name)
    elif roles.is_rdd(value):
        roles.rdds.add(name)
    elif roles.is_collection(value):
        roles.collections.add(name)
    else:
        return False
    return True


def _params(roles: Roles, arguments: ast.arguments) -> None:
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        name, annotation = arg.arg, _annotation(arg.annotation)
        if annotation in ("GlueContext", "awsglue.context.GlueContext") or (
            annotation is None and _GLUE_PARAM.match(name)
        ):
            roles.glue_params.add(name)
        elif annotation in ("DynamicFrame", "awsglue.dynamicframe.DynamicFrame") or (
            annotation is None and _DYF_PARAM.match(name)
        ):
            roles.frames.add(name)
        elif annotation in ("DynamicFrameCollection", "awsglue.dynamicframe.DynamicFrameCollection") or (
            annotation is None and _DFC_PARAM.match(name)
        ):
            roles.collections.add(name)
