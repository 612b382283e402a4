"""The conversion of one file: analyse it once, rewrite the statement groups that touch Glue.

Steps, in order:
1. ``analysis`` (Python's ``ast``, whole file): roles of names (GlueContext, DynamicFrame, ...).
2. ``splice.groups``: the file as top-level statement groups; the groups that mention Glue
   (or a name holding a Glue object) are parsed with libcst, each on its own; the others keep
   their text.
3. ``GlueRewriter``, one libcst pass per group: every Glue call to its rule
   (``rules.REGISTRY``), the getResolvedOptions statement, getSink chains, DynamicFrame
   annotations; review comments (``# G2L-REVIEW:``) above the statements left for review.
4. ``session``: Job lines go; GlueContext / SparkContext set-up becomes the SparkSession
   (only in the groups that hold those lines).
5. ``imports``: Glue imports nothing uses any more go; the imports the converted code needs
   go into the first import block (``splice.Assembly``).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from typing import NamedTuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.transform import Finding
from glue2lakehouse.transform.code import Code, code_statement
from glue2lakehouse.transform.codegen import Printer
from glue2lakehouse.transform.cstparse import parse_module
from glue2lakehouse.transform.analysis import GLUE_TRANSFORMS, analyse, dotted, single_target
from glue2lakehouse.transform.bookmarks import bookmark_job, state_table
from glue2lakehouse.transform.context import REVIEW_PREFIX, Context, bind, literal, py
from glue2lakehouse.transform.rules.data_quality import OUTCOME_KEYS
from glue2lakehouse.transform.edits import collapse_removed, has_placeholder, placeholder
from glue2lakehouse.transform.helpers import NEEDS as HELPER_NEEDS
from glue2lakehouse.transform.helpers import source as helper_source
from glue2lakehouse.transform.imports import NEEDED, bound_names, tidy
from glue2lakehouse.transform.layout import fluent
from glue2lakehouse.transform.rules import REGISTRY
from glue2lakehouse.transform.rules.writers import SinkFinder, sink_write
from glue2lakehouse.transform.session import SPARK_BUILDER, job_lines, plan_session, session_lines, session_rewriter
from glue2lakehouse.transform.splice import Assembly, Group, groups, newline_of, split_lines
from glue2lakehouse.transform.triggers import TRIGGERS, has_triggers, parse_python
from glue2lakehouse.transform.words import words_in
from glue2lakehouse.transform.walk import (
    ARGUMENTS,
    fast_visit,
    COMPOUND,
    OPAQUE,
    SMALL,
    FastTransformer,
    aligned,
    ast_statements,
    cst_statements,
    plain,
)

# EvaluateDataQuality's collection keys (transform/rules/data_quality.py).
DQ_KEYS = {f"EvaluateDataQuality.{name}": key for name, key in OUTCOME_KEYS.items()}
# Method names that only a DynamicFrame has.
FRAME_ONLY = {"apply_mapping", "drop_fields", "select_fields", "rename_field", "resolveChoice", "spigot", "unbox",
              "relationalize", "split_fields", "split_rows", "drop_null_fields", "unnest"}
FRAME_SHARED = {"toDF", "filter", "join", "map"}
GLUE_READERS = ("create_dynamic_frame", "create_data_frame", "write_dynamic_frame")
# GlueContext's method forms: the same call as the attribute form (same parameters, same order).
METHOD_FORMS = {
    "create_dynamic_frame_from_catalog": "create_dynamic_frame.from_catalog",
    "create_dynamic_frame_from_options": "create_dynamic_frame.from_options",
    "create_dynamic_frame_from_rdd": "create_dynamic_frame.from_rdd",
    "create_data_frame_from_catalog": "create_data_frame.from_catalog",
    "create_data_frame_from_options": "create_data_frame.from_options",
    "write_dynamic_frame_from_catalog": "write_dynamic_frame.from_catalog",
    "write_dynamic_frame_from_options": "write_dynamic_frame.from_options",
    "write_dynamic_frame_from_jdbc_conf": "write_dynamic_frame.from_jdbc_conf",
    "write_from_options": "write_dynamic_frame.from_options",
    "write_from_jdbc_conf": "write_dynamic_frame.from_jdbc_conf",
}
# What a converted GlueContext parameter (now a SparkSession) may be asked for.
SESSION_METHODS = {"table", "sql", "read", "readStream", "createDataFrame", "range", "catalog", "conf", "udf",
                   "sparkContext", "stop", "newSession", "streams", "getActiveSession"}


def call_shape(roles: Roles, node: cst.Call) -> str | None:
    func = node.func
    if isinstance(func, cst.Name):
        return "DynamicFrameCollection" if func.value == "DynamicFrameCollection" else None
    if not isinstance(func, cst.Attribute):
        return None
    attr, receiver = func.attr.value, func.value
    if isinstance(receiver, cst.Attribute) and receiver.attr.value in GLUE_READERS:
        return f"{receiver.attr.value}.{attr}"
    name = dotted(func) or ""
    if attr == "apply":
        cls = (dotted(receiver) or "").rsplit(".", 1)[-1]
        if cls in GLUE_TRANSFORMS:
            return f"{cls}.apply"
    if name in ("DynamicFrame.fromDF", "awsglue.dynamicframe.DynamicFrame.fromDF"):
        return "DynamicFrame.fromDF"
    if attr == "process_rows" and isinstance(receiver, cst.Call) and \
            (dotted(receiver.func) or "").rsplit(".", 1)[-1] == "EvaluateDataQuality":
        return "EvaluateDataQuality.process_rows"
    if roles.is_glue(receiver):
        if attr in METHOD_FORMS:
            return METHOD_FORMS[attr]
        if attr in ("get_logger", "purge_s3_path", "purge_table", "tableNames", "extract_jdbc_conf"):
            return f"glue.{attr}"
        if attr == "getSink" or attr in SESSION_METHODS:
            return None  # getSink: handled with its chain; a SparkSession method: the name holds a session now
        return "glue.*"
    if isinstance(receiver, cst.Name):
        if attr == "warn" and receiver.value in roles.loggers:
            return "logger.warn"
        if attr in ("sql", "table") and (receiver.value in roles.spark_names or receiver.value == "spark"):
            return f"spark.{attr}"
    if attr in ("saveAsTable", "insertInto"):
        return f"writer.{attr}"
    if attr == "table" and isinstance(receiver, cst.Attribute) and receiver.attr.value == "read":
        return "spark.table"
    if attr == "select" and roles.is_collection(receiver):
        return "collection.select"
    if attr in FRAME_ONLY or (attr in FRAME_SHARED and roles.is_frame(receiver)):
        return f"frame.{attr}"
    if attr == "toDF" and not node.args and not roles.is_rdd(receiver):
        # A zero-argument toDF() is a DynamicFrame's (or an error on a Spark 4 DataFrame): the identity.
        return "frame.toDF"
    return None


class GlueRewriter(FastTransformer):
    """One pass over a statement group: every Glue construct to its rule."""

    def __init__(self, ctx: Context, sinks: dict):
        super().__init__()
        self.ctx = ctx
        self.sinks = sinks
        self._stack: list[tuple] = []
        self._indents: list[int] = []
        self._statement_calls: set[int] = set()  # calls that are a whole statement's value
        self._writes: dict[int, str] = {}        # converted writes: the code of the frame they wrote
        self._relevant: list[bool] | None = None  # per statement of the group (walk.statement order)
        self._lines: list[int] = []
        self._next = 0
        self.lines: dict[cst.CSTNode, int] = {}   # statement -> file line, for findings

    def start(self, relevant: list[bool] | None, lines: list[int]) -> None:
        """A new group: which of its statements mention Glue, and their file lines (None: enter all)."""
        self._relevant, self._lines, self._next = relevant, lines, 0
        self.lines = {}

    def _skip(self, node: cst.CSTNode, kind: type) -> bool:
        """Count the statement in source order; True when nothing in it can change."""
        relevant = self._relevant
        if relevant is None:
            return False
        if kind is cst.SimpleStatementLine:
            first, count = self._next, len(node.body)
            self._next += count
            self.lines[node] = self._lines[first]
            return not any(relevant[first:first + count])
        if kind in COMPOUND:
            self.lines[node] = self._lines[self._next]
            self._next += 1
        elif kind in SMALL and type(self._parent_line) is not cst.SimpleStatementLine:
            self._next += 1  # a statement of a one-line suite (``if x: y``)
        return False

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        indent = node.indent if node.indent is not None else self.ctx.module.default_indent
        self._indents.append(len(indent))

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self._indents.pop()
        return updated

    # ---- statement bookkeeping: review comments and helper statements go above the statement
    _parent_line: cst.CSTNode | None = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind in OPAQUE:
            return False
        if kind in ARGUMENTS:
            if plain(node.value) and (kind is not cst.DictElement or plain(node.key)):
                return False  # literals and names only: nothing here changes
            return True
        if kind is cst.SimpleStatementLine or kind in COMPOUND:
            skip = self._skip(node, kind)
            self._parent_line = node
            ctx = self.ctx
            self._stack.append((ctx.statement, ctx.indent, ctx.pending_reviews, ctx.pre_statements,
                                ctx.post_statements, ctx.touched))
            ctx.statement, ctx.indent = node, sum(self._indents)
            ctx.pending_reviews, ctx.pre_statements, ctx.post_statements, ctx.touched = [], [], [], False
            if skip:
                return False
            if kind is cst.SimpleStatementLine and len(node.body) == 1:
                small = node.body[0]
                if type(small) in (cst.Assign, cst.Expr) and type(small.value) is cst.Call:
                    self._statement_calls.add(id(small.value))
            elif kind is cst.FunctionDef:
                params = node.params
                ctx.function_params.append({p.name.value for p in params.params + params.kwonly_params
                                            + params.posonly_params})
        elif kind is cst.SimpleStatementSuite:
            self._parent_line = node
        elif kind in SMALL:
            self._skip(node, kind)
        return super().on_visit(node)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        kind = type(original)
        if kind in OPAQUE or kind in ARGUMENTS:
            return updated
        result = super().on_leave(original, updated)
        if kind is cst.SimpleStatementLine or kind in COMPOUND:
            if kind is cst.FunctionDef:
                self.ctx.function_params.pop()
            reviews, pre, post = self.ctx.pending_reviews, self.ctx.pre_statements, self.ctx.post_statements
            (self.ctx.statement, self.ctx.indent, self.ctx.pending_reviews, self.ctx.pre_statements,
             self.ctx.post_statements, self.ctx.touched) = self._stack.pop()
            if reviews and isinstance(result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                result = _with_reviews(result, reviews)
            if (pre or post) and isinstance(result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                statements = [code_statement(code) for code in pre]
                if statements and result.leading_lines:
                    statements[0] = statements[0].with_changes(leading_lines=result.leading_lines)
                    result = result.with_changes(leading_lines=[])
                return cst.FlattenSentinel([*statements, result, *(code_statement(code) for code in post)])
        return result

    # ---- calls
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        before = len(self.ctx.findings) - self.ctx.notes
        if (dotted(original.func) or "").endswith("getResolvedOptions") and id(original) not in self._statement_calls:
            return self._site("getResolvedOptions", before, self._resolved_options_expression(updated), updated)
        shape = call_shape(self.ctx.roles, original)
        if shape is None:
            updated = self._glue_arguments(original, updated)
            result = self._sink_call(original, updated)
            if result is not updated:
                return self._site("sink.writeFrame", before, result, updated)
            return result
        handler = REGISTRY.get(shape)
        if handler is None:
            return updated
        result = handler(self.ctx, original, updated)
        if shape.startswith("write_dynamic_frame.") and result is not None and result is not updated:
            frame = bind(updated, ("frame",)).get("frame")
            if frame is not None:
                self._writes[id(original)] = self.ctx.code(frame)
        if shape in ("spark.sql", "spark.table", "writer.saveAsTable", "writer.insertInto", "logger.warn"):
            # Spark and logging calls: rewritten where needed, but not Glue call sites
            if result is None:
                return updated
            self.ctx.touched = True
            return result
        return self._site(shape, before, result, updated)

    def _site(self, shape: str, before: int, result, updated):
        """Count a Glue call site: converted without a review flag, or not."""
        converted = result is not None and result is not updated
        self.ctx.sites.append((shape, converted and len(self.ctx.findings) - self.ctx.notes == before))
        if not converted:
            return updated
        self.ctx.touched = True
        return result

    def _glue_arguments(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        """A GlueContext handed to another function (a helper) is handed over as the SparkSession."""
        roles = self.ctx.roles
        if (dotted(original.func) or "").rsplit(".", 1)[-1] in ("GlueContext", "Job", "DynamicFrameCollection"):
            return updated
        if isinstance(original.func, cst.Attribute) and roles.is_glue(original.func.value):
            return updated
        args = list(updated.args)
        changed = False
        for index, arg in enumerate(original.args):
            if roles.is_glue(arg.value) and not arg.star:
                args[index] = args[index].with_changes(value=self.ctx.parse(self.ctx.session(arg.value)))
                changed = True
        if changed:
            self.ctx.touched = True
            return updated.with_changes(args=args)
        return updated

    def _sink_call(self, original: cst.Call, updated: cst.Call):
        func = original.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return updated
        sink = self.sinks.get(func.value.value)
        if sink is None:
            return updated
        if func.attr.value == "getSink" or not sink.convertible:
            return updated
        if func.attr.value == "writeFrame":
            args = bind(updated, ("frame", "callDeleteObjectsOnCancel"))
            code = sink_write(self.ctx, sink, args.get("frame")) if args.get("frame") is not None else None
            if code is None:
                self.ctx.flag("sink", "getSink write not converted: write with .write.mode(\"append\") by hand")
                return updated
            return self.ctx.parse(code)
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if original.attr.value == "spark_session" and self.ctx.roles.is_glue(original.value):
            self.ctx.imports.add("SparkSession")
            return self.ctx.parse("SparkSession.builder.getOrCreate()")
        if dotted(original) in DQ_KEYS:                        # awsgluedq's collection keys
            return self.ctx.parse(py(DQ_KEYS[dotted(original)]))
        return updated

    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation) -> cst.Annotation:
        value = original.annotation
        name = dotted(value)
        if isinstance(value, cst.SimpleString) and literal(value) == "DynamicFrame":
            name = "DynamicFrame"
        if isinstance(value, cst.SimpleString) and literal(value) == "GlueContext":
            name = "GlueContext"
        if name in ("DynamicFrame", "awsglue.dynamicframe.DynamicFrame"):
            return updated.with_changes(annotation=cst.Name("DataFrame"))
        if name in ("GlueContext", "awsglue.context.GlueContext"):
            return updated.with_changes(annotation=cst.Name("SparkSession"))
        if name in ("DynamicFrameCollection", "awsglue.dynamicframe.DynamicFrameCollection"):
            return updated.with_changes(annotation=cst.Name("dict"))  # a collection is a dict of DataFrames
        return updated

    # ---- statements
    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        if len(original.body) != 1:
            return updated
        result = self._statement(original, updated)
        result = self._write_statement(original, result)
        if self.ctx.touched and isinstance(result, cst.SimpleStatementLine) and len(result.body) == 1:
            small = result.body[0]
            if isinstance(small, (cst.Assign, cst.Expr)) and isinstance(small.value, (cst.Call, Code)):
                prefix = len(_text(self.ctx, small.targets[0].target)) + 3 if isinstance(small, cst.Assign) else 0
                laid_out = fluent(_text(self.ctx, small.value), self.ctx.indent, prefix)
                if laid_out is not None:
                    result = result.with_changes(body=[small.with_changes(value=self.ctx.parse(laid_out))])
        return result

    def _write_statement(self, original: cst.SimpleStatementLine, result):
        """``x = glue.write_dynamic_frame...`` -> the write as a statement (a DataFrame write returns None);
        ``x`` stays bound to the frame Glue returned, the frame written, only where later code uses it."""
        statement = original.body[0]
        target = single_target(statement) if isinstance(statement, cst.Assign) else None
        frame = self._writes.get(id(statement.value)) if target else None
        if frame is None or not isinstance(result, cst.SimpleStatementLine) or len(result.body) != 1 \
                or not isinstance(result.body[0], cst.Assign):
            return result
        result = result.with_changes(body=[cst.Expr(result.body[0].value)])
        if target != frame and self.ctx.reads(target):
            self.ctx.post_statements.append(f"{target} = {frame}\n")
        return result

    def _statement(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        statement = original.body[0]
        kind = type(statement)   # exact types: see walk.plain
        value = statement.value if kind is cst.Assign or kind is cst.Expr else None
        call = type(value) is cst.Call
        if call and (dotted(value.func) or "").endswith("getResolvedOptions"):
            before = len(self.ctx.findings)
            result = self._resolved_options(original, updated)
            self.ctx.sites.append(("getResolvedOptions", result is not updated and len(self.ctx.findings) == before))
            return result
        if kind is cst.Assign and self.sinks:
            sink = self.sinks.get(single_target(statement) or "")
            if sink is not None and call and (dotted(value.func) or "").endswith(".getSink"):
                if sink.convertible:
                    return placeholder(original)
                self.ctx.flag("sink", "getSink chain not converted: write the frame with "
                                      ".write.mode(\"append\").saveAsTable(...) by hand")
                return updated
        if call and self.sinks and type(value.func) is cst.Attribute and type(value.func.value) is cst.Name:
            sink = self.sinks.get(value.func.value.value)
            if sink is not None and sink.convertible and value.func.attr.value in ("setCatalogInfo", "setFormat"):
                return placeholder(original)
        return updated

    def _resolved_options_expression(self, updated: cst.Call):
        ctx = self.ctx
        args = bind(updated, ("args", "options"))
        if args.star or not {"args", "options"} <= set(args.values):
            ctx.flag("arguments", "getResolvedOptions with unusual arguments: convert by hand to argparse")
            return updated
        names = ctx.code(args.get("options"))
        self.ctx.touched = True
        if ctx.settings.args_style == "widgets":
            return ctx.parse(f"{{_name.replace(\"-\", \"_\"): dbutils.widgets.get(_name) for _name in {names}}}")
        return ctx.parse(f"{ctx.helper('glue_resolved_options')}({ctx.code(args.get('args'))}, {names})")

    def _resolved_options(self, original, updated):
        ctx = self.ctx
        call = updated.body[0].value
        args = bind(call, ("args", "options"))
        if args.star or not {"args", "options"} <= set(args.values):
            ctx.flag("arguments", "getResolvedOptions with unusual arguments: convert by hand to argparse")
            return updated
        names = ctx.code(args.get("options"))
        if ctx.settings.args_style == "widgets":
            expression = ctx.parse(f"{{_name.replace(\"-\", \"_\"): dbutils.widgets.get(_name) for _name in {names}}}")
            return updated.with_changes(body=[updated.body[0].with_changes(value=expression)])
        statement = updated.body[0]
        if not isinstance(statement, cst.Assign):
            ctx.flag("arguments", "getResolvedOptions outside an assignment: convert by hand to argparse")
            return updated
        value = ctx.parse(f"{ctx.helper('glue_resolved_options')}({ctx.code(args.get('args'))}, {names})")
        return updated.with_changes(body=[statement.with_changes(value=value)])


def _text(ctx: Context, node: cst.BaseExpression) -> str:
    """``ctx.code(node)``; a rule's one-line output or a bare name without printing it (what it prints as)."""
    kind = type(node)
    if kind is Code or kind is cst.Name:
        value = node.value
        if not node.lpar and not node.rpar and "\n" not in value and "\r" not in value:
            return value
    return ctx.code(node)


def _with_reviews(statement, reviews: list[str]):
    existing = {line.comment.value for line in statement.leading_lines if line.comment is not None}
    new_lines = []
    for message in dict.fromkeys(reviews):
        comment = REVIEW_PREFIX + message
        if comment not in existing:
            new_lines.append(cst.EmptyLine(indent=True, comment=cst.Comment(comment)))
    if not new_lines:
        return statement
    return statement.with_changes(leading_lines=[*statement.leading_lines, *new_lines])


def rewrite_module(text: str, path: str, settings: TransformSettings,
                   visit=fast_visit) -> tuple[str, list[Finding], list]:
    """Rewrite the top-level statement groups that touch Glue; every other group keeps its exact text.

    The file is analysed once with Python's own parser. Only the groups that mention Glue, or a
    name that holds a Glue object, go through libcst and the rules, each group parsed on its own,
    so the output is local to the edited statements, the cost follows the Glue code in a file,
    and no group can move: the file is put back together in the order of its groups.

    ``visit`` walks a group with a pass: ``walk.fast_visit`` (enters only what rules rewrite and
    keeps untouched statements as they are, so their text is reused) or libcst's own traversal
    (``lambda transformer, node: node.visit(transformer)``), which gives the same output.
    """
    tree = parse_python(text, path)
    if not has_triggers(text):
        return text, [], []
    roles = analyse(tree)
    parts, tail = groups(text, tree)
    if not parts:
        return text, [], []
    words = _glue_words(tree) | roles.names()
    chosen = _choose(parts, words)
    mentions = _mentions(words)
    lines = split_lines(text)
    ctx = Context(roles, settings, path)
    ctx.literals = _module_literals(tree)
    ctx.tree = tree
    ctx.bookmark_job = bookmark_job(tree, roles)
    ctx.text = text
    newline, indent = newline_of(text), _indent(text)
    modules = _parse_groups(parts, chosen, path, newline, indent)
    originals = dict(modules)
    rewriter = GlueRewriter(ctx, _sinks(ctx, parts, modules))
    kept_job = None
    if ctx.bookmark_job is not None:
        kept_job = (ctx.bookmark_job, f"{ctx.helper('GlueJob')}({ctx.session()}, {py(state_table(settings))})")
    jobs, job_step = job_lines(roles, kept_job), session_lines(roles, None)
    findings: list[Finding] = []
    for i in chosen:
        module = ctx.module = modules[i]
        statements = ast_statements(parts[i].nodes)
        if aligned(statements, cst_statements(module)):
            rewriter.start([not _is_simple(s) or mentions(lines, s) for s in statements],
                           [s.lineno for s in statements])
        else:
            rewriter.start(None, [])
        before = len(ctx.findings)
        module = visit(rewriter, module)
        if len(ctx.findings) > before:
            findings += _located(modules[i], ctx.findings[before:], parts[i].start, path, rewriter.lines)
        if job_step.search(parts[i].text):
            module = visit(jobs, module)
        modules[i] = module
    printer = Printer()   # a group printed again prints only the statements a later step changed
    codes = {i: parts[i].text if modules[i] is originals[i] else _code(modules[i], printer) for i in chosen}
    counts = NameCounts(parts, codes, _counted_names(roles), path)
    plan = plan_session(roles, counts, ctx.used_spark)
    session, session_step = session_rewriter(roles, plan, kept_job), session_lines(roles, plan)
    for i in chosen:
        if session_step.search(codes[i]):
            modules[i] = visit(session, modules[i])
            codes[i] = _code(modules[i], printer)
            counts.changed(i)
    for i in chosen:
        if "awsglue" in codes[i] or "pyspark.context" in codes[i]:
            modules[i], dropped = tidy(modules[i], counts)
            if dropped:
                codes[i] = _code(modules[i], printer)
        if has_placeholder(codes[i]):
            modules[i] = collapse_removed(modules[i])
            codes[i] = _code(modules[i], printer)
    outputs = [codes.get(i, part.text) for i, part in enumerate(parts)]
    removed = {i for i in chosen if not modules[i].body}
    bound = set()
    for i, part in enumerate(parts):
        if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in part.nodes):
            bound |= bound_names(modules[i]) if i in modules else _bound(part.nodes)
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    helpers = [name for name in ctx.helpers if name not in defined]  # a file that defines one keeps its own
    needs = {need for name in helpers for need in HELPER_NEEDS[name]}
    missing = [name for name in NEEDED if name not in bound and (name in needs or counts.used(name))]
    assembly = Assembly(text, parts, tail, outputs, removed)
    assembly.add_imports(missing, [f"spark = {SPARK_BUILDER}"] if plan.add_spark else [],
                         [helper_source(name) for name in helpers])
    findings = sorted(set(findings), key=lambda f: (f.line, f.rule, f.message))
    return assembly.text(), findings, ctx.sites


def _code(module: cst.Module, printer: Printer) -> str:
    """The module's code; nothing at all for a group whose statement and lines all went."""
    if not module.body and not module.header and not module.footer:
        return ""
    return printer.code(module)


def _indent(text: str) -> str:
    """The file's indentation unit (its first indented code line), four spaces when it has none."""
    match = re.search(r"^([ \t]+)[^ \t\r\n#]", text, re.MULTILINE)
    return match.group(1) if match else "    "


def _batches(parts: list[Group], chosen: list[int]) -> list[list[int]]:
    """Runs of adjacent chosen groups, each ending at a compound statement.

    libcst gives the lines below an indented block that are indented deeper than the next
    statement to the block; after a simple statement every line belongs to the next group,
    exactly as the groups are cut. So a run parses as one module whose statements are the
    groups, one each, with the groups' own text.
    """
    batches: list[list[int]] = []
    previous = None
    for index in chosen:
        if batches and previous == index - 1 and _is_simple(parts[previous].nodes[-1]):
            batches[-1].append(index)
        else:
            batches.append([index])
        previous = index
    return batches


def _parse_groups(parts: list[Group], chosen: list[int], path: str, newline: str, indent: str) -> dict[int, cst.Module]:
    """One libcst module per chosen group (parsed a run of groups at a time: a parse has a fixed cost)."""
    modules: dict[int, cst.Module] = {}
    for batch in _batches(parts, chosen):
        module = _parse_text("".join(parts[i].text for i in batch), parts[batch[0]].start, path, newline, indent)
        if len(module.body) != len(batch):  # not one statement per group: parse them one by one
            for index in batch:
                modules[index] = _parse_text(parts[index].text, parts[index].start, path, newline, indent)
            continue
        last = len(batch) - 1
        for position, index in enumerate(batch):
            modules[index] = module.with_changes(
                body=[module.body[position]], header=[], footer=[],
                has_trailing_newline=module.has_trailing_newline if position == last else True)
    return modules


def _parse_text(text: str, start: int, path: str, newline: str, indent: str) -> cst.Module:
    try:
        module = parse_module(text)
    except cst.ParserSyntaxError as error:
        line = start + error.raw_line
        raise SyntaxError(f"invalid syntax at line {line}, column {error.raw_column + 1}",
                          (path, line, error.raw_column, "")) from None
    changes: dict = {}
    if module.header and module.body:
        # Comments above the statement: libcst reads them as the module's header; they are the statement's.
        first = module.body[0]
        changes["header"] = []
        changes["body"] = [first.with_changes(leading_lines=[*module.header, *first.leading_lines]),
                           *module.body[1:]]
    if not re.search(r"\r\n|\r|\n", text):
        changes["default_newline"] = newline  # a last line without a line break: generated lines follow the file
    if not re.search(r"^[ \t]+[^ \t\r\n#]", text, re.MULTILINE):
        changes["default_indent"] = indent    # no block of its own: generated blocks indent as the file does
    return module.with_changes(**changes) if changes else module


def _reparse(code: str, path: str) -> list[ast.stmt]:
    try:
        return ast.parse(code).body
    except SyntaxError as error:
        raise ValueError(f"converted code does not parse ({error.msg})") from None


class NameCounts:
    """How often names are used outside import statements in the converted file, counted only when asked.

    Only the names the later steps ask about are looked for (a regular expression finds the
    groups that may use them); those groups are parsed with Python's ``ast`` and counted
    exactly, so a name in a comment or a string does not count.
    """

    def __init__(self, parts: list[Group], codes: dict[int, str], names: set[str], path: str):
        self.parts, self.codes, self.path = parts, codes, path
        self.found = words_in(names)
        self._groups: dict[int, Counter[str]] = {}
        self._where: dict[str, list[int]] | None = None
        self._cache: dict[str, int] = {}

    def changed(self, index: int) -> None:
        self._groups.pop(index, None)  # parsed again when a count asks for it
        self._where = None
        self._cache.clear()

    def _group(self, index: int) -> Counter[str]:
        """The name uses of one group: a group whose text is the Glue file's keeps the statements of the file's
        parse; a group a rule changed is parsed on its own, only when a count asks about a name its text shows
        (most questions are answered by a few groups: ``used`` stops at the first use)."""
        counts = self._groups.get(index)
        if counts is None:
            code = self.codes.get(index)
            if code is None or code == self.parts[index].text:
                nodes = self.parts[index].nodes
            else:
                nodes = _reparse(code, self.path)
            counts = self._groups[index] = _names(nodes)
        return counts

    def _groups_with(self, name: str) -> list[int]:
        if self._where is None:
            self._where = {}
            for index, part in enumerate(self.parts):
                for word in self.found(self.codes.get(index, part.text)):
                    self._where.setdefault(word, []).append(index)
        return self._where.get(name, [])

    def __getitem__(self, name: str) -> int:
        """How often ``name`` is used."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = sum(self._group(index)[name] for index in self._groups_with(name))
        return cached

    def used(self, name: str) -> bool:
        """Whether ``name`` is used at all (stops at the first use)."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached > 0
        return any(self._group(index)[name] for index in self._groups_with(name))


def _counted_names(roles) -> set[str]:
    """The names later steps ask about: set-up names, names imports bind, names the conversion may add."""
    return set(roles.glue) | set(roles.spark_context) | set(NEEDED) | set(GLUE_TRANSFORMS) | roles.imported


def _names(nodes: list[ast.stmt]) -> Counter[str]:
    """Uses of each name outside import statements (a parameter of the same name is another binding)."""
    names: list[str] = []
    todo = [node for node in nodes if not isinstance(node, (ast.Import, ast.ImportFrom))]
    pop, push, found = todo.pop, todo.append, names.append
    name_type, node_type = ast.Name, ast.AST
    while todo:  # every node below the statements (ast.walk's nodes, in another order: only counted)
        node = pop()
        if type(node) is name_type:
            found(node.id)
            continue  # a Name's only child is its context
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    return Counter(names)


def _bound(nodes: list[ast.stmt]) -> set[str]:
    """Names bound by top-level import statements."""
    bound: set[str] = set()
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*")
    return bound


def _sinks(ctx: Context, parts: list[Group], modules: dict[int, cst.Module]) -> dict:
    """getSink chains, from the groups that mention a sink."""
    finder = SinkFinder(ctx)
    for i in sorted(modules):
        text = parts[i].text
        if "getSink" in text or any(name in text for name in finder.sinks):
            ctx.module = modules[i]
            modules[i].visit(finder)
    return finder.sinks


def _located(module: cst.Module, entries, offset: int, path: str, known: dict) -> list[Finding]:
    """Findings with their file lines: from the ast where the statements lined up, else from libcst positions."""
    positions = None
    out = []
    for node, rule, message in entries:
        if node in known:
            out.append(Finding(path, known[node], rule, message))
            continue
        if positions is None:
            positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        position = positions.get(node) if node is not None else None
        out.append(Finding(path, offset + (position.start.line if position else 1), rule, message))
    return out


_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try,
             ast.With, ast.AsyncWith, ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def _is_simple(node: ast.stmt) -> bool:
    return not isinstance(node, _COMPOUND)


def _mentions(words: set[str]):
    """A test: does a statement's text mention Glue (the same words that choose the groups)?"""
    found = words_in(words)

    def test(lines: list[str], node: ast.stmt) -> bool:
        segment = "".join(lines[node.lineno - 1:node.end_lineno])
        return any(t in segment for t in CHUNK_TRIGGERS) or bool(found(segment))

    return test


# ---------------------------------------------------------------- which groups to rewrite
CHUNK_TRIGGERS = TRIGGERS + ("getSink", "toDF(", "SparkSession", "spark_session", "writeFrame", "setCatalogInfo",
                             "setFormat", "DynamicFrame")


def _glue_words(tree: ast.Module) -> set[str]:
    """Names imported from awsglue (every transform for a star import)."""
    words: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("awsglue"):
            for alias in node.names:
                words |= GLUE_TRANSFORMS if alias.name == "*" else {alias.asname or alias.name}
    return words


def _choose(parts: list[Group], words: set[str]) -> list[int]:
    found = words_in(words)
    chosen = []
    for index, part in enumerate(parts):
        if any(trigger in part.text for trigger in CHUNK_TRIGGERS) or found(part.text):
            chosen.append(index)
    return chosen


_LITERAL_NODES = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.UnaryOp)


def _module_literals(tree: ast.Module) -> dict[str, object]:
    """Module-level NAME = <literal>, for names assigned once."""
    seen: Counter[str] = Counter()
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            seen[name] += 1
            if not isinstance(node.value, _LITERAL_NODES):
                values.pop(name, None)
                continue
            try:
                values[name] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                values.pop(name, None)
    return {name: value for name, value in values.items() if seen[name] == 1}


__all__ = ["rewrite_module", "call_shape"]
