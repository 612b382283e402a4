"""What every rule needs: roles, settings, code generation, findings, review flags, imports."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

import libcst as cst

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.transform.analysis import Roles
from glue2lakehouse.transform.code import Code, is_primary
from glue2lakehouse.transform.nodes import all_nodes

REVIEW_PREFIX = "# G2L-REVIEW: "
_SIMPLE = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer, cst.Float,
           cst.List, cst.Tuple, cst.Dict, cst.FormattedString, cst.ConcatenatedString)


def _fstring_safe(code: str, quote: str) -> bool:
    """Whether an expression can stand inside an f-string's braces (on every Python from 3.10)."""
    return not any(c in code for c in (quote, "\\", "\n", "\r", "#", "{", "}", "!", ":")) and code.strip() == code

@dataclass
class Args:
    """Arguments of a call bound to parameter names (keyword, or positional by the API's order)."""

    values: dict[str, cst.BaseExpression]
    extra: list[str] = field(default_factory=list)   # arguments that could not be bound
    star: bool = False

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def unknown(self, handled: set[str]) -> list[str]:
        return sorted(set(self.values) - handled) + self.extra


def bind(call: cst.Call, positional: tuple[str, ...], aliases: dict[str, str] | None = None) -> Args:
    values: dict[str, cst.BaseExpression] = {}
    extra: list[str] = []
    star = False
    for index, arg in enumerate(call.args):
        if arg.star:
            star = True
            continue
        if arg.keyword is not None:
            key = arg.keyword.value
        elif index < len(positional):
            key = positional[index]
        else:
            extra.append(f"argument {index + 1}")
            continue
        values[(aliases or {}).get(key, key)] = arg.value
    return Args(values, extra, star)


def _plain_string(code: str) -> str | None:
    """The value of a string literal without escapes, read directly (libcst's evaluation compiles it)."""
    quote = code[-3:] if code[-3:] in ('"""', "'''") else code[-1:]
    prefix = code[:code.index(quote[0])]
    if prefix.lower() not in ("", "u", "r") or "\r" in code or ("\\" in code and prefix.lower() != "r"):
        return None
    return code[len(prefix) + len(quote):-len(quote)]


def literal(node: cst.BaseExpression | None):
    """The Python value of a literal (strings, numbers, bools, None, lists/tuples/dicts of them), else raise."""
    if node is None:
        raise ValueError("no value")
    if isinstance(node, cst.SimpleString):
        value = _plain_string(node.value)
        if value is None:
            value = node.evaluated_value
        if isinstance(value, bytes):
            raise ValueError("bytes")
        return value
    if isinstance(node, cst.ConcatenatedString):
        value = node.evaluated_value
        if isinstance(value, bytes):
            raise ValueError("bytes")
        return value
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return -literal(node.expression)
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.List, cst.Tuple)):
        return [literal(element.value) for element in node.elements if not isinstance(element, cst.StarredElement)]
    if isinstance(node, cst.Dict):
        out = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                raise ValueError("** in dict")
            out[literal(element.key)] = literal(element.value)
        return out
    raise ValueError("not a literal")


def literal_or(node: cst.BaseExpression | None, default=None):
    """The literal's value, or ``default`` when the node is missing or not a literal."""
    try:
        return literal(node)
    except ValueError:
        return default


def py(value) -> str:
    """Python source for a literal value (strings in double quotes)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items()) + "}"
    return repr(value)


class Context:
    def __init__(self, roles: Roles, settings: TransformSettings, path: str, module: cst.Module | None = None):
        self.roles = roles
        self.settings = settings
        self.path = path
        self.module = module or cst.Module(body=[])    # the statement group being rewritten (code generation)
        self.findings: list[tuple[cst.CSTNode | None, str, str]] = []   # (statement, rule, message)
        self.imports: set[str] = set()                   # "F", "SparkSession", "argparse", "logging", "DataFrame", "sys"
        self.used_spark = False
        self.function_params: list[set[str]] = []
        self.statement: cst.CSTNode | None = None        # the statement being rewritten (its line, for findings)
        self.indent = 0                                  # its column
        self.pending_reviews: list[str] = []             # review comments for that statement
        self.pre_statements: list[str] = []              # code to insert before that statement
        self.post_statements: list[str] = []             # ... and after it
        self.tree = None                                 # the whole file (Python's ast)
        self._reads: set[str] | None = None
        self.text = ""                                   # the whole file's text
        self._option_dicts: dict | None = None
        self.literals: dict[str, object] = {}            # module-level NAME = <literal>, assigned once
        self.touched = False                             # a rule rewrote part of the current statement
        self.notes = 0                                   # findings that are notes (converted, worth knowing)
        self.sites: list[tuple[str, bool]] = []          # Glue call sites: (shape, converted without a flag)
        self.helpers: dict[str, None] = {}               # run-time helpers the converted code calls, in order
        self.bookmark_job: str | None = None             # the Job bookmarked reads go through (transform/bookmarks.py)
        self._overwritten: set[str] | None = None        # paths purged right before their writes (purges.py)

    # ---- code generation
    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def receiver(self, node: cst.BaseExpression) -> str:
        """Code of an expression, parenthesised when a method call on it needs it."""
        code = self.code(node)
        if isinstance(node, Code):
            return code if is_primary(code) else f"({code})"
        if isinstance(node, _SIMPLE) and not code.lstrip().startswith(("lambda", "not ")):
            return code
        return f"({code})"

    @staticmethod
    def parse(code: str) -> cst.BaseExpression:
        """Generated code as an expression node (kept as text: see ``code.Code``)."""
        return Code(code)

    def session(self, glue_node: cst.BaseExpression | None = None) -> str:
        """The SparkSession expression to use where a GlueContext was used."""
        name = glue_node.value if isinstance(glue_node, cst.Name) else None
        if name and name in self.roles.glue_params and any(name in p for p in self.function_params):
            return name  # the parameter now holds the SparkSession (callers pass it in place of the GlueContext)
        if not self.roles.glue and not self.roles.spark and self.function_params:
            self.imports.add("SparkSession")
            return "SparkSession.builder.getOrCreate()"
        self.used_spark = True
        return self.roles.spark or "spark"

    def table_name_code(self, database: cst.BaseExpression, table: cst.BaseExpression) -> str:
        """Code for '<catalog>.<schema>.<table>': a plain string, an f-string, or a concatenation."""
        settings = self.settings
        pieces: list[tuple[str | None, str | None]] = [(settings.catalog, None)]
        for index, node in enumerate((database, table)):
            try:
                value = literal(node)
                if not isinstance(value, str):
                    raise ValueError
                pieces.append((settings.schema(value) if index == 0 else value, None))
            except ValueError:
                code = self.code(node)
                if index == 0 and settings.schemas:
                    code = f"{py(settings.schemas)}.get({code}, {code})"
                pieces.append((None, code))
        if all(code is None for _, code in pieces):
            return py(".".join(text for text, _ in pieces))
        codes = [code for _, code in pieces if code is not None]
        texts = [text for text, code in pieces if code is None]
        for quote in ('"', "'"):  # an f-string, in a quote the expressions and names do not use
            if all(_fstring_safe(code, quote) for code in codes) and not any(quote in t or "\\" in t for t in texts):
                return "f" + quote + ".".join(
                    text.replace("{", "{{").replace("}", "}}") if code is None else "{" + code + "}"
                    for text, code in pieces) + quote
        return '".".join([' + ", ".join(py(text) if code is None else f"str({code})" for text, code in pieces) + "])"

    def reads(self, name: str) -> bool:
        """Whether any code in the file reads ``name``."""
        if self._reads is None:
            self._reads = {node.id for node in all_nodes(self.tree)
                           if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)} if self.tree else set()
        return name in self._reads

    def option_dict(self, name: str) -> list[tuple[str, cst.BaseExpression]] | None:
        """The entries of an options dict given as a variable, when the code fixes them (``option_dicts``)."""
        if self._option_dicts is None:
            from glue2lakehouse.transform.option_dicts import option_dicts

            self._option_dicts = option_dicts(self.tree, self.text) if self.tree is not None else {}
        entries = self._option_dicts.get(name)
        if entries is None:
            return None
        try:
            return [(key, cst.parse_expression(source)) for key, source in entries]
        except cst.ParserSyntaxError:
            return None

    def overwritten_paths(self) -> set[str]:
        """S3 paths purged right before each write to them: those writes overwrite (``purges.py``)."""
        if self._overwritten is None:
            from glue2lakehouse.transform.purges import overwritten_paths

            self._overwritten = overwritten_paths(self.tree)
        return self._overwritten

    def helper(self, name: str) -> str:
        """The name of a run-time helper (``runtime.py``) the converted code calls; it goes into the file."""
        self.helpers[name] = None
        return name

    # ---- findings and review comments
    def note(self, rule: str, message: str) -> None:
        """A converted construct worth knowing about (e.g. slow): a finding and a comment like ``flag``, but the
        call site still counts as converted."""
        self.flag(rule, message)
        self.notes += 1

    def flag(self, rule: str, message: str) -> None:
        """A construct left for review: a finding and a '# G2L-REVIEW:' comment above the statement."""
        self.findings.append((self.statement, rule, message))
        self.pending_reviews.append(message)
