"""Filter functions -> Column expressions, keeping Glue's record semantics.

Glue calls ``f(record)`` and keeps the record when it returns a true value; a
record for which ``f`` raises KeyError, ValueError or TypeError is dropped. A
lambda made of comparisons, ``and`` / ``or`` / ``not``, ``in`` and ``is None``
on fields translates exactly, with care for nulls: ``None > 5`` raises in
Python (record dropped) where Spark gives null; ``None != 5`` is True in
Python where Spark gives null. Anything else keeps the Python function as a
UDF that reproduces the dropping rule, and is flagged for review.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from glue2lakehouse.transform.context import Context, literal, py
from glue2lakehouse.transform.rules.transforms_paths import sql_ref

ORDER = {cst.LessThan: "<", cst.LessThanEqual: "<=", cst.GreaterThan: ">", cst.GreaterThanEqual: ">="}
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


class Unsupported(Exception):
    pass


@dataclass
class Expr:
    value: str                 # a Column expression
    raises: str | None = None  # a Column that is true where Python would raise (None: never)


def _or(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return f"({a}) | ({b})"


class _Translator:
    def __init__(self, param: str, negations: bool):
        self.param = param
        self.negations = negations  # the tree has 'not' or '!=': equality must be null-safe

    def column(self, node: cst.BaseExpression) -> str | None:
        segments = []
        while True:
            if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                key = literal(node.slice[0].slice.value)
                node = node.value
            elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"
                  and len(node.args) == 1):
                key = literal(node.args[0].value)
                node = node.func.value
            else:
                break
            if not isinstance(key, str):
                raise Unsupported("non-string field key")
            segments.insert(0, key)
        if segments and isinstance(node, cst.Name) and node.value == self.param:
            return f"F.col({py(sql_ref(segments))})"
        return None

    def operand(self, node: cst.BaseExpression) -> tuple[str, bool]:
        """(code, is_column)."""
        column = self.column(node)
        if column is not None:
            return column, True
        try:
            value = literal(node)
        except ValueError:
            raise Unsupported("operand is neither a field nor a literal") from None
        return py(value), False

    def expr(self, node: cst.BaseExpression) -> Expr:
        if isinstance(node, cst.BooleanOperation):
            left, right = self.expr(node.left), self.expr(node.right)
            if isinstance(node.operator, cst.And):
                raises = _or(left.raises, f"({left.value}) & ({right.raises})" if right.raises else None)
                return Expr(f"({left.value}) & ({right.value})", raises)
            raises = _or(left.raises, f"~({left.value}) & ({right.raises})" if right.raises else None)
            return Expr(f"({left.value}) | ({right.value})", raises)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner = self.expr(node.expression)
            return Expr(f"~({inner.value})", inner.raises)
        if isinstance(node, cst.Comparison):
            parts = []
            left = node.left
            for target in node.comparisons:
                parts.append(self.compare(left, target.operator, target.comparator))
                left = target.comparator
            result = parts[0]
            for part in parts[1:]:
                result = Expr(f"({result.value}) & ({part.value})", _or(result.raises, part.raises))
            return result
        column = self.column(node)
        if column is not None:
            raise Unsupported("truthiness of a field")
        raise Unsupported(type(node).__name__)

    def compare(self, left_node, operator, right_node) -> Expr:
        if isinstance(operator, (cst.Is, cst.IsNot)):
            column = self.column(left_node)
            if column is None or not (isinstance(right_node, cst.Name) and right_node.value == "None"):
                raise Unsupported("'is' other than 'field is None'")
            return Expr(f"{column}.isNull()" if isinstance(operator, cst.Is) else f"{column}.isNotNull()")
        if isinstance(operator, (cst.In, cst.NotIn)):
            column = self.column(left_node)
            try:
                values = literal(right_node)
            except ValueError:
                raise Unsupported("'in' over something other than a literal list") from None
            if column is None or not isinstance(values, list) or None in values:
                raise Unsupported("'in' other than 'field in [literals]'")
            test = f"F.coalesce({column}.isin({py(values)}), F.lit(False))"
            return Expr(test if isinstance(operator, cst.In) else f"~{test}")
        left, left_is_column = self.operand(left_node)
        right, right_is_column = self.operand(right_node)
        if not (left_is_column or right_is_column):
            raise Unsupported("comparison without a field")
        if isinstance(operator, (cst.Equal, cst.NotEqual)):
            if not left_is_column:
                left, right = right, left
            if right == "None":
                test = f"{left}.isNull()"
            elif self.negations or isinstance(operator, cst.NotEqual):
                test = f"{left}.eqNullSafe({right})"
            else:
                test = f"{left} == {right}"
            return Expr(test if isinstance(operator, cst.Equal) else f"~{test}")
        symbol = ORDER.get(type(operator))
        if symbol is None:
            raise Unsupported(type(operator).__name__)
        if "None" in (left, right):
            raise Unsupported("ordering comparison with None")
        if not left_is_column:
            left, right, symbol = right, left, FLIP[symbol]
        raises = f"{left}.isNull()"
        if right_is_column:
            raises = f"{left}.isNull() | {right}.isNull()"
        return Expr(f"{left} {symbol} {right}", raises)


def _has(node: cst.CSTNode, kinds) -> bool:
    """Whether a node of ``kinds`` or a ``not`` is anywhere in ``node`` (itself included).

    A walk over the nodes' fields: libcst's own ``visit`` rebuilds every node it enters, several times the cost
    of looking."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, kinds) or (type(current) is cst.UnaryOperation and type(current.operator) is cst.Not):
            return True
        for name in current.__dataclass_fields__:
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                todo.append(value)
            elif isinstance(value, (list, tuple)):
                todo.extend(item for item in value if isinstance(item, cst.CSTNode))
    return False


def translate(ctx: Context, function: cst.BaseExpression) -> str | None:
    """A Column expression for a Glue filter function, or None (then a UDF fallback is returned by ``fallback``)."""
    if (isinstance(function, cst.Lambda) and len(function.params.params) == 1
            and not isinstance(function.params.star_arg, cst.Param) and function.params.star_kwarg is None):
        body = function.body
        param = function.params.params[0].name.value
        negations = _has(body, (cst.NotEqual,))
        try:
            result = _Translator(param, negations).expr(body)
        except (Unsupported, ValueError):
            result = None
        if result is not None:
            guarded = _has(body, (cst.Or,))
            if result.raises and guarded:
                return f"F.when({result.raises}, F.lit(False)).otherwise({result.value})"
            return result.value
    return None


def fallback(ctx: Context, function: cst.BaseExpression, frame_code: str) -> str:
    """Keep the Python function, through the helper that drops records the way Glue does."""
    ctx.flag("filter", "filter function kept as a Python UDF (slow): rewrite it as a Column expression")
    return f"{ctx.helper('glue_filter')}({frame_code}, {ctx.code(function)})"
