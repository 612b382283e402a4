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

import ast
import re
from collections import Counter
from typing import NamedTuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.transform import Finding
from glue2lakehouse.transform.analysis import GLUE_TRANSFORMS, Roles, analyse, dotted, single_target
from glue2lakehouse.transform.context import REVIEW_PREFIX, Context, bind, literal
from glue2lakehouse.transform.edits import ANCHOR_PREFIX, collapse_removed, placeholder
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


def rewrite_module(text: str, path: str, settings: TransformSettings) -> tuple[str, list[Finding], list]:
    """Rewrite the top-level statements that touch Glue; every other statement is carried over as it is.

    Python's own parser splits the file into top-level statements (each with the comments
    and blank lines above it). Only the statements that mention Glue, or a name that holds
    a Glue object, go through libcst and the rules; the others keep their exact text. That
    keeps the output local to the edited statements and the cost proportional to the Glue
    code in a file rather than to its size.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        line, column = error.lineno or 1, error.offset or 1
        raise SyntaxError(f"invalid syntax at line {line}, column {column}", (path, line, column, "")) from None
    except ValueError as error:  # a NUL byte, for one
        raise SyntaxError(str(error), (path, 1, 1, "")) from None
    if not any(trigger in text for trigger in TRIGGERS):
        return text, [], []
    literals = _module_literals(tree)
    chunks = _chunks(text, tree)
    if chunks is None:  # statements sharing a line: rewrite the module as a whole
        module, ctx, _ = _pipeline(_parse(text, path), settings, path, literals)
        return module.code, _findings(ctx, path, None), ctx.sites
    words = _glue_words(tree)
    chosen = _choose(chunks, words)
    for _ in range(3):  # names found to hold Glue objects pull in the statements that use them
        words |= _role_names(analyse(_parse(_reduced(chunks, chosen)[0], path)))
        more = _choose(chunks, words)
        if more == chosen:
            break
        chosen = more
    reduced, starts = _reduced(chunks, chosen)
    module = _parse(reduced, path)
    if module.header:  # comments above the first statement: libcst reads them as the module's header
        first = module.body[0]
        module = module.with_changes(header=[], body=[
            first.with_changes(leading_lines=[*module.header, *first.leading_lines]), *module.body[1:]])
    module, ctx, missing = _pipeline(module, settings, path, literals, chunked=True)
    groups = _groups(module)
    out = [groups.get(index, "") if index in chosen else chunk.text for index, chunk in enumerate(chunks)]
    if missing:
        imports = "".join(line + "\n" for line in missing)
        at = max((i for i, chunk in enumerate(chunks) if isinstance(chunk.node, (ast.Import, ast.ImportFrom))),
                 default=None)
        if at is not None:  # where the last import of the file stood (kept or not)
            out[at] += imports
        elif _is_docstring(chunks[0].node):
            out[0] += "\n" + imports
        else:
            out[0] = imports + ("\n" if not out[0].startswith(("\n", "\r")) else "") + out[0]
    for index in range(len(out) - 1):  # a removed statement's blank lines, where the next one brings its own
        if index in chosen and out[index] and not out[index].strip() and out[index + 1][:1] in ("\n", "\r"):
            out[index] = ""
    out.append(_tail(text, chunks))
    return "".join(out), _findings(ctx, path, starts), ctx.sites


def _parse(text: str, path: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message = f"invalid syntax at line {error.raw_line}, column {error.raw_column + 1}"
        raise SyntaxError(message, (path, error.raw_line, error.raw_column, "")) from None


def _pipeline(module: cst.Module, settings: TransformSettings, path: str, literals: dict, chunked: bool = False):
    """Every pass over one libcst module: analysis, rules, session boilerplate, imports.

    ``chunked``: the module holds only some statements of the file; the imports to add
    come back as lines (the caller places them) instead of being inserted.
    """
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    roles = analyse(wrapper.module)
    ctx = Context(roles, settings, path, wrapper.module)
    ctx.literals = literals
    finder = SinkFinder(ctx)
    wrapper.module.visit(finder)
    module = wrapper.visit(GlueRewriter(ctx, finder.sinks))
    module = SessionBoilerplate(roles, name_counts, needs_spark=ctx.used_spark).apply(module)
    module = collapse_removed(module)
    if chunked:
        module, missing = tidy_imports(module, name_counts(module), insert=False)
        return collapse_removed(module), ctx, missing
    module = tidy_imports(module, name_counts(module))
    module = collapse_removed(module)
    return module, ctx, []


def _findings(ctx: Context, path: str, starts) -> list[Finding]:
    findings = {Finding(path, _original_line(line, starts), rule, message) for line, rule, message in ctx.findings}
    return sorted(findings, key=lambda f: (f.line, f.rule, f.message))


# ---------------------------------------------------------------- statement-level splicing
ANCHOR = ANCHOR_PREFIX + "{}__"
_ANCHOR = re.compile(r"^# __g2l_statement_(\d+)__$")
CHUNK_TRIGGERS = TRIGGERS + ("getSink", "toDF(", "SparkSession", "spark_session", "writeFrame", "setCatalogInfo",
                             "setFormat", "DynamicFrame")


class Chunk(NamedTuple):
    start: int   # first line (0-based), comments and blank lines above the statement included
    end: int     # one past the statement's last line
    node: ast.stmt
    text: str


def _chunks(text: str, tree: ast.Module) -> list[Chunk] | None:
    lines = text.splitlines(keepends=True)
    chunks: list[Chunk] = []
    previous_end = 0
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        if first < previous_end or node.end_lineno is None:
            return None
        chunks.append(Chunk(previous_end, node.end_lineno, node, "".join(lines[previous_end:node.end_lineno])))
        previous_end = node.end_lineno
    if not chunks or not chunks[-1].text.endswith(("\n", "\r")):
        return None  # no line break after the last statement: the whole-module path keeps that layout
    return chunks


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _tail(text: str, chunks: list[Chunk]) -> str:
    return "".join(text.splitlines(keepends=True)[chunks[-1].end:])


def _glue_words(tree: ast.Module) -> set[str]:
    """Names imported from awsglue (every transform for a star import)."""
    words: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("awsglue"):
            for alias in node.names:
                words |= GLUE_TRANSFORMS if alias.name == "*" else {alias.asname or alias.name}
    return words


def _role_names(roles: Roles) -> set[str]:
    return {name for name in (roles.glue | roles.glue_params | roles.spark_context | roles.jobs | roles.spark_names
                              | roles.frames | roles.collections | roles.loggers | roles.frame_functions
                              | roles.collection_functions | roles.rdds) if name}


def _choose(chunks: list[Chunk], words: set[str]) -> set[int]:
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words)) + r")\b") if words else None
    chosen = set()
    for index, chunk in enumerate(chunks):
        if (isinstance(chunk.node, (ast.Import, ast.ImportFrom))
                or any(trigger in chunk.text for trigger in CHUNK_TRIGGERS)
                or (pattern is not None and pattern.search(chunk.text))):
            chosen.add(index)
    return chosen


def _reduced(chunks: list[Chunk], chosen: set[int]) -> tuple[str, list[tuple[int, int, int]]]:
    """The chosen statements, each behind an anchor comment; and (reduced start, length, original start)."""
    parts, starts, line = [], [], 1
    for index in sorted(chosen):
        chunk = chunks[index]
        parts.append(ANCHOR.format(index) + "\n" + chunk.text)
        starts.append((line + 1, chunk.end - chunk.start, chunk.start + 1))
        line += 1 + chunk.end - chunk.start
    return "".join(parts), starts


def _original_line(line: int, starts) -> int:
    if starts is None:
        return line
    for reduced_start, length, original_start in starts:
        if reduced_start <= line < reduced_start + length:
            return line - reduced_start + original_start
    return line


def _groups(module: cst.Module) -> dict[int, str]:
    """The rewritten code of each chosen statement, found by its anchor (a removed one keeps its comments)."""
    groups: dict[int, list[str]] = {}
    current = None
    for statement in module.body:
        pending: list[cst.EmptyLine] = []
        for line in statement.leading_lines:
            match = _ANCHOR.match(line.comment.value) if line.comment is not None else None
            if match:
                if current is not None and pending:
                    groups.setdefault(current, []).append("".join(module.code_for_node(l) for l in pending))
                current, pending = int(match.group(1)), []
            else:
                pending.append(line)
        code = module.code_for_node(statement.with_changes(leading_lines=pending))
        groups.setdefault(-1 if current is None else current, []).append(code)
    prefix = groups.pop(-1, [])
    out = {index: "".join(parts) for index, parts in groups.items()}
    if prefix:
        first = min(out) if out else 0
        out[first] = "".join(prefix) + out.get(first, "")
    return out


def _module_literals(tree: ast.Module) -> dict[str, object]:
    """Module-level NAME = <literal>, for names assigned once."""
    seen: Counter[str] = Counter()
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            seen[name] += 1
            try:
                values[name] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                values.pop(name, None)
    return {name: value for name, value in values.items() if seen[name] == 1}


__all__ = ["rewrite_module", "call_shape"]
