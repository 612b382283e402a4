"""Cheap walks: statements in source order in both trees, and passes that never enter expressions.

A libcst pass rebuilds every node it enters, which costs about as much as parsing. The
conversion enters only what can change:

- ``statement_order`` lists the statements of a group in the order libcst visits them, for
  Python's ``ast`` and for libcst alike, so the rewriter can tell from the ``ast`` (cheap)
  which statement lines mention Glue at all and which file line each statement is on;
  when the two lists do not line up (they always do for code Python parses, but the
  check is cheap) the rewriter enters every statement and asks libcst for positions;
- ``StatementsOnly`` is for passes that change whole statements (session set-up, Job
  lines, imports, removed statements): they never enter an expression or a small
  statement's parts;
- ``plain`` tells an argument made only of literals and names (nothing a rule rewrites).
"""

from __future__ import annotations

import ast

import libcst as cst

_AST_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")


_AST_TO_CST = {"Delete": "Del"}


def _ast_kind(node: ast.AST) -> str:
    name = type(node).__name__.replace("Async", "")
    return _AST_TO_CST.get(name, name)


def ast_statements(nodes: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement under ``nodes``, in source order (pre-order)."""
    out: list[ast.stmt] = []
    _ast_walk(nodes, out)
    return out


def _ast_walk(statements, out: list) -> None:
    # A module-level function, not a closure: a closure that calls itself is a reference cycle, which would keep
    # ``out`` and every tree it points into alive until the garbage collector's next full pass.
    for node in statements:
        if isinstance(node, ast.stmt):
            out.append(node)
        for name in _AST_BLOCKS:
            block = getattr(node, name, None)
            if isinstance(block, list):
                _ast_walk(block, out)


def _cst_blocks(node: cst.CSTNode):
    """The statement blocks of a libcst compound statement (or of a clause of one), in source order."""
    if isinstance(node, cst.If):
        return [node.body, node.orelse]
    if isinstance(node, (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)):
        return [node.body]
    if isinstance(node, (cst.Try, cst.TryStar)):
        return [node.body, *node.handlers, node.orelse, node.finalbody]
    if isinstance(node, (cst.For, cst.While)):
        return [node.body, node.orelse]
    if isinstance(node, cst.Match):
        return list(node.cases)
    body = getattr(node, "body", None)
    return [body] if isinstance(body, cst.BaseSuite) else []


def cst_statements(module: cst.Module) -> list[cst.CSTNode]:
    """Every small and compound statement of a libcst module, in the order a visitor meets them."""
    out: list[cst.CSTNode] = []
    _cst_walk(module.body, out)  # module-level functions, not closures: see _ast_walk
    return out


def _cst_suite_or_clause(item, out: list) -> None:
    if item is None:
        return
    if isinstance(item, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        _cst_walk(item.body, out)
    elif isinstance(item, cst.BaseCompoundStatement):  # an elif
        _cst_walk([item], out)
    else:  # a clause: else, except, finally, case
        for inner in _cst_blocks(item):
            _cst_suite_or_clause(inner, out)


def _cst_walk(body, out: list) -> None:
    for node in body:
        if isinstance(node, cst.SimpleStatementLine):
            out.extend(node.body)
        elif isinstance(node, cst.BaseSmallStatement):
            out.append(node)
        else:
            out.append(node)
            for inner in _cst_blocks(node):
                _cst_suite_or_clause(inner, out)


def aligned(ast_list: list[ast.stmt], cst_list: list[cst.CSTNode]) -> bool:
    return len(ast_list) == len(cst_list) and all(
        _ast_kind(a) == type(c).__name__ for a, c in zip(ast_list, cst_list))


_PLAIN_LEAVES = frozenset({cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Name, cst.Ellipsis})
_PLAIN_SEQUENCES = frozenset({cst.List, cst.Tuple, cst.Set})


def plain(node: cst.BaseExpression) -> bool:
    """Literals, names and containers of them only: no call, attribute, lambda or subscript inside.

    Exact types (none of these node classes has subclasses): ``isinstance`` against libcst's classes goes
    through ``ABCMeta.__instancecheck__``, and this is asked of every argument of every call the rules see."""
    kind = type(node)
    if kind in _PLAIN_LEAVES:
        return True
    if kind in _PLAIN_SEQUENCES:
        return all(type(e) is not cst.StarredElement and plain(e.value) for e in node.elements)
    if kind is cst.Dict:
        return all(type(e) is cst.DictElement and plain(e.key) and plain(e.value) for e in node.elements)
    if kind is cst.ConcatenatedString:
        return plain(node.left) and plain(node.right)
    if kind is cst.UnaryOperation:
        return plain(node.expression)
    return False


def _classes(base: type) -> frozenset:
    """Every libcst node class deriving from ``base`` (node types are looked up by ``type()``: ABC checks cost).

    Read from each class's MRO: ``issubclass`` against libcst's abstract bases fills the ABC caches class by
    class, a fifth of a second at every start for these few sets (libcst registers no virtual subclasses)."""
    return frozenset(t for t in vars(cst).values() if isinstance(t, type) and base in t.__mro__)


COMPOUND = _classes(cst.BaseCompoundStatement)
SMALL = _classes(cst.BaseSmallStatement)
EXPRESSION = _classes(cst.BaseExpression)
# Nodes no rule rewrites and that hold nothing a rule rewrites: never entered.
OPAQUE = frozenset({
    cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis, cst.Comma, cst.Dot,
    cst.AssignEqual, cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.Newline,
    cst.EmptyLine, cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Colon, cst.Semicolon, cst.ImportAlias, cst.AsName, cst.ImportStar,
}) | _classes(cst.BaseBinaryOp) | _classes(cst.BaseBooleanOp) | _classes(cst.BaseCompOp) \
    | _classes(cst.BaseUnaryOp) | _classes(cst.BaseAugOp)
ARGUMENTS = frozenset({cst.Arg, cst.Element, cst.DictElement})


class FastTransformer(cst.CSTTransformer):
    """A transformer without libcst's per-field hooks (``visit_<Node>_<field>``), which these passes do not use."""

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


class StatementsOnly(FastTransformer):
    """A pass over whole statements: it never enters an expression or the parts of a small statement."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        super().on_visit(node)
        kind = type(node)
        return kind not in SMALL and kind not in EXPRESSION and kind not in OPAQUE


# ---------------------------------------------------------------- a lighter traversal for the rewriter
# For each node type: the fields that can hold something a rule rewrites, with how they hold it
# ("one" node, "maybe" a node or nothing, "many" nodes). Other fields (whitespace, punctuation,
# names, assignment targets, keywords) are never entered; node types missing here are handed
# to libcst's own traversal, with the same transformer.
_ONE, _MAYBE, _MANY = 1, 2, 3
FIELDS: dict[type, tuple[tuple[str, int], ...]] = {
    cst.Module: (("body", _MANY),),
    cst.SimpleStatementLine: (("body", _MANY),),
    cst.SimpleStatementSuite: (("body", _MANY),),
    cst.IndentedBlock: (("body", _MANY),),
    cst.Assign: (("value", _ONE),),
    cst.AugAssign: (("value", _ONE),),
    cst.AnnAssign: (("annotation", _ONE), ("value", _MAYBE)),
    cst.Expr: (("value", _ONE),),
    cst.Return: (("value", _MAYBE),),
    cst.Call: (("func", _ONE), ("args", _MANY)),
    cst.Arg: (("value", _ONE),),
    cst.Attribute: (("value", _ONE),),
    cst.Subscript: (("value", _ONE), ("slice", _MANY)),
    cst.SubscriptElement: (("slice", _ONE),),
    cst.Index: (("value", _ONE),),
    cst.BinaryOperation: (("left", _ONE), ("right", _ONE)),
    cst.BooleanOperation: (("left", _ONE), ("right", _ONE)),
    cst.UnaryOperation: (("expression", _ONE),),
    cst.Comparison: (("left", _ONE), ("comparisons", _MANY)),
    cst.ComparisonTarget: (("comparator", _ONE),),
    cst.IfExp: (("test", _ONE), ("body", _ONE), ("orelse", _ONE)),
    cst.List: (("elements", _MANY),),
    cst.Tuple: (("elements", _MANY),),
    cst.Set: (("elements", _MANY),),
    cst.Element: (("value", _ONE),),
    cst.StarredElement: (("value", _ONE),),
    cst.Dict: (("elements", _MANY),),
    cst.DictElement: (("key", _ONE), ("value", _ONE)),
    cst.FormattedString: (("parts", _MANY),),
    cst.FormattedStringExpression: (("expression", _ONE),),
    cst.ConcatenatedString: (("left", _ONE), ("right", _ONE)),
    cst.Annotation: (("annotation", _ONE),),
    cst.FunctionDef: (("params", _ONE), ("returns", _MAYBE), ("body", _ONE)),
    cst.Parameters: (("params", _MANY), ("kwonly_params", _MANY), ("posonly_params", _MANY)),
    cst.Param: (("annotation", _MAYBE), ("default", _MAYBE)),
    cst.ClassDef: (("body", _ONE),),
    cst.If: (("test", _ONE), ("body", _ONE), ("orelse", _MAYBE)),
    cst.Else: (("body", _ONE),),
    cst.For: (("iter", _ONE), ("body", _ONE), ("orelse", _MAYBE)),
    cst.While: (("test", _ONE), ("body", _ONE), ("orelse", _MAYBE)),
    cst.Try: (("body", _ONE), ("handlers", _MANY), ("orelse", _MAYBE), ("finalbody", _MAYBE)),
    cst.ExceptHandler: (("body", _ONE),),
    cst.Finally: (("body", _ONE),),
    cst.With: (("items", _MANY), ("body", _ONE)),
    cst.WithItem: (("item", _ONE),),
}
_LEAVES = frozenset({cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis,
                     cst.FormattedStringText, cst.Pass, cst.Break, cst.Continue, cst.Import, cst.ImportFrom,
                     cst.Global, cst.Nonlocal})


def fast_visit(transformer: cst.CSTTransformer, node: cst.CSTNode):
    """``node.visit(transformer)`` entering only the fields in ``FIELDS`` (same hooks, same result for them).

    A node nothing changed under is returned as the same object, so a caller can tell an
    untouched statement by identity and keep its original text.
    """
    if not transformer.on_visit(node):
        return transformer.on_leave(node, node)
    kind = type(node)
    fields = FIELDS.get(kind)
    if fields is None:
        updated = node if kind in _LEAVES else node._visit_and_replace_children(transformer)
    else:
        changes = {}
        for name, shape in fields:
            value = getattr(node, name)
            if shape is _MANY:
                new_items, changed = [], False
                for child in value:
                    result = fast_visit(transformer, child)
                    if result is child:
                        new_items.append(child)
                        continue
                    changed = True
                    if type(result) is cst.FlattenSentinel:
                        new_items.extend(result.nodes)
                    elif not isinstance(result, cst.RemovalSentinel):
                        new_items.append(result)
                if changed:
                    changes[name] = new_items
            elif value is not None and not isinstance(value, cst.MaybeSentinel):
                result = fast_visit(transformer, value)
                if result is not value:
                    changes[name] = None if isinstance(result, cst.RemovalSentinel) else result
        updated = node.with_changes(**changes) if changes else node
    return transformer.on_leave(node, updated)
