"""The libcst pass: analyse which names hold Glue objects, dispatch each call to its rule.

Passes, in order:
1. ``analysis``: roles of names (GlueContext, DynamicFrame, collections, ...).
2. ``GlueRewriter``: every Glue call to its rule (``rules.REGISTRY``), the
   getResolvedOptions statement, getSink chains, DynamicFrame annotations;
   review comments (``# G2L-REVIEW:``) above the statements left for review.
3. ``session``: GlueContext / SparkContext / Job boilerplate -> SparkSession.
4. ``imports``: Glue imports nothing uses any more go, needed imports come in.
"""

from __future__ import annotations

from collections import Counter

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.transform import Finding
from glue2lakehouse.transform.analysis import GLUE_TRANSFORMS, Roles, analyse, dotted, single_target
from glue2lakehouse.transform.context import REVIEW_PREFIX, Context, bind, literal
from glue2lakehouse.transform.edits import collapse_removed, placeholder
from glue2lakehouse.transform.imports import tidy_imports
from glue2lakehouse.transform.layout import fluent
from glue2lakehouse.transform.rules import REGISTRY
from glue2lakehouse.transform.rules.writers import SinkFinder, sink_write
from glue2lakehouse.transform.session import SessionBoilerplate

# A file none of these appear in has nothing for the rules to do.
TRIGGERS = ("awsglue", "GlueContext", "DynamicFrame", "getResolvedOptions", ".sql(", "create_dynamic_frame",
            "write_dynamic_frame", "SparkContext", "get_logger", "Job(", "saveAsTable", "insertInto", ".table(")
# Method names that only a DynamicFrame has.
FRAME_ONLY = {"apply_mapping", "drop_fields", "select_fields", "rename_field", "resolveChoice", "spigot", "unbox",
              "relationalize", "split_fields", "split_rows", "drop_null_fields", "unnest"}
FRAME_SHARED = {"toDF", "filter", "join", "map"}
GLUE_READERS = ("create_dynamic_frame", "create_data_frame", "write_dynamic_frame")
# What a converted GlueContext parameter (now a SparkSession) may be asked for.
SESSION_METHODS = {"table", "sql", "read", "readStream", "createDataFrame", "range", "catalog", "conf", "udf",
                   "sparkContext", "stop", "newSession", "streams", "getActiveSession"}


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
    if roles.is_glue(receiver):
        if attr in ("get_logger", "purge_s3_path", "purge_table"):
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
    if attr in FRAME_ONLY or (attr in FRAME_SHARED and roles.is_frame(receiver)):
        return f"frame.{attr}"
    if attr == "toDF" and not node.args and not roles.is_rdd(receiver):
        # A zero-argument toDF() is a DynamicFrame's (or an error on a Spark 4 DataFrame): the identity.
        return "frame.toDF"
    return None


class GlueRewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, ctx: Context, sinks: dict):
        super().__init__()
        self.ctx = ctx
        self.sinks = sinks
        self._stack: list[tuple] = []
        self._statement_calls: set[int] = set()  # calls that are a whole statement's value

    # ---- statement bookkeeping: review comments and helper statements go above the statement
    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            position = self.get_metadata(PositionProvider, node)
            self._stack.append((self.ctx.line, self.ctx.indent, self.ctx.pending_reviews, self.ctx.pre_statements,
                                self.ctx.touched))
            self.ctx.line, self.ctx.indent = position.start.line, position.start.column
            self.ctx.pending_reviews, self.ctx.pre_statements, self.ctx.touched = [], [], False
        if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
            small = node.body[0]
            if isinstance(small, (cst.Assign, cst.Expr)) and isinstance(small.value, cst.Call):
                self._statement_calls.add(id(small.value))
        if isinstance(node, cst.FunctionDef):
            params = node.params
            self.ctx.function_params.append({p.name.value for p in params.params + params.kwonly_params
                                             + params.posonly_params})
        return super().on_visit(node)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        result = super().on_leave(original, updated)
        if isinstance(original, cst.FunctionDef):
            self.ctx.function_params.pop()
        if isinstance(original, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            reviews, pre = self.ctx.pending_reviews, self.ctx.pre_statements
            (self.ctx.line, self.ctx.indent, self.ctx.pending_reviews, self.ctx.pre_statements,
             self.ctx.touched) = self._stack.pop()
            if reviews and isinstance(result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                result = _with_reviews(result, reviews)
            if pre and isinstance(result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                statements = [cst.parse_statement(code) for code in pre]
                if result.leading_lines:
                    statements[0] = statements[0].with_changes(leading_lines=result.leading_lines)
                    result = result.with_changes(leading_lines=[])
                return cst.FlattenSentinel([*statements, result])
        return result

    # ---- calls
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        before = len(self.ctx.findings)
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
        self.ctx.sites.append((shape, converted and len(self.ctx.findings) == before))
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
        return updated

    # ---- statements
    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        if len(original.body) != 1:
            return updated
        result = self._statement(original, updated)
        if self.ctx.touched and isinstance(result, cst.SimpleStatementLine) and len(result.body) == 1:
            small = result.body[0]
            if isinstance(small, (cst.Assign, cst.Expr)) and isinstance(small.value, cst.Call):
                prefix = len(self.ctx.code(small.targets[0].target)) + 3 if isinstance(small, cst.Assign) else 0
                laid_out = fluent(self.ctx.code(small.value), self.ctx.indent, prefix)
                if laid_out is not None:
                    result = result.with_changes(body=[small.with_changes(value=self.ctx.parse(laid_out))])
        return result

    def _statement(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        statement = original.body[0]
        value = statement.value if isinstance(statement, (cst.Assign, cst.Expr)) else None
        if isinstance(value, cst.Call) and (dotted(value.func) or "").endswith("getResolvedOptions"):
            before = len(self.ctx.findings)
            result = self._resolved_options(original, updated)
            self.ctx.sites.append(("getResolvedOptions", result is not updated and len(self.ctx.findings) == before))
            return result
        if isinstance(statement, cst.Assign):
            sink = self.sinks.get(single_target(statement) or "")
            if sink is not None and isinstance(value, cst.Call) and (dotted(value.func) or "").endswith(".getSink"):
                if sink.convertible:
                    return placeholder(original)
                self.ctx.flag("sink", "getSink chain not converted: write the frame with "
                                      ".write.mode(\"append\").saveAsTable(...) by hand")
                return updated
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(value.func.value, cst.Name):
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
        ctx.imports.add("argparse")
        argv = ctx.receiver(args.get("args"))
        return ctx.parse(
            "vars((lambda _p, _names: ([_p.add_argument(\"--\" + _n, required=True) for _n in _names], "
            f"_p.parse_known_args({argv}[1:])[0])[1])(argparse.ArgumentParser(allow_abbrev=False), {names}))")

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
        ctx.imports.add("argparse")
        target = ctx.code(statement.targets[0].target)
        argv = ctx.receiver(args.get("args"))
        code = (
            "_g2l_parser = argparse.ArgumentParser(allow_abbrev=False)\n"
            f"for _g2l_name in {names}:\n"
            "    _g2l_parser.add_argument(\"--\" + _g2l_name, required=True)\n"
            f"{target} = vars(_g2l_parser.parse_known_args({argv}[1:])[0])\n"
        )
        body = cst.parse_module(code).body
        indent_fixed = [body[0].with_changes(leading_lines=updated.leading_lines), *body[1:]]
        return cst.FlattenSentinel(indent_fixed)


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


def _module_literals(module: cst.Module) -> dict[str, object]:
    seen: Counter[str] = Counter()
    values: dict[str, object] = {}
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    name = single_target(small)
                    if name:
                        seen[name] += 1
                        try:
                            values[name] = literal(small.value)
                        except ValueError:
                            values.pop(name, None)
    return {name: value for name, value in values.items() if seen[name] == 1}


def rewrite_module(text: str, path: str, settings: TransformSettings) -> tuple[str, list[Finding], list]:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message = f"invalid syntax at line {error.raw_line}, column {error.raw_column + 1}"
        raise SyntaxError(message, (path, error.raw_line, error.raw_column, "")) from None
    if not any(trigger in text for trigger in TRIGGERS):
        return text, [], []
    wrapper = MetadataWrapper(module)
    roles = analyse(wrapper.module)
    ctx = Context(roles, settings, path, wrapper.module)
    ctx.literals = _module_literals(wrapper.module)
    finder = SinkFinder(ctx)
    wrapper.module.visit(finder)
    module = wrapper.visit(GlueRewriter(ctx, finder.sinks))
    module = SessionBoilerplate(roles, name_counts, needs_spark=ctx.used_spark).apply(module)
    module = collapse_removed(module)
    module = tidy_imports(module, name_counts(module))
    module = collapse_removed(module)
    findings = [Finding(path, line, rule, message) for line, rule, message in ctx.findings]
    return module.code, sorted(set(findings), key=lambda f: (f.line, f.rule, f.message)), ctx.sites


__all__ = ["rewrite_module", "call_shape"]
