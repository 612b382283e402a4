"""A purge of an S3 path followed by a write to that path: Glue's usual way to overwrite.

``glueContext.purge_s3_path(path, {"retentionPeriod": 0})`` deletes every file under the
prefix, recursively (a retention of N hours keeps the files younger than that; the default is
168). When the very next statement of the same block writes to the same path, the two
together replace the folder's contents: on Databricks that is one write with
``mode("overwrite")``, and the purge goes.

The pairing is decided on the whole file, by path: a path qualifies only when every purge of
it is paired with the write right after it and every S3 write to it follows such a purge. So
the rewriter, which sees one call at a time, can drop the purge and turn the write into an
overwrite by the path alone, and no unrelated write to the same folder changes mode.
"""

from __future__ import annotations

import ast

from glue2lakehouse.transform.nodes import all_nodes

_WRITES = {"write_dynamic_frame_from_options", "write_from_options"}


def _literal(node: ast.AST | None):
    try:
        return ast.literal_eval(node) if node is not None else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _argument(call: ast.Call, index: int, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    return positional[index] if index < len(positional) and len(positional) == len(call.args) else None


def _call(statement: ast.stmt) -> ast.Call | None:
    value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
    return value if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) else None


def normal(path) -> str | None:
    """The path as the pairing compares it (no trailing slash), None for anything but a non-empty string."""
    return path.rstrip("/") if isinstance(path, str) and path.rstrip("/") else None


def purge_path(call: ast.Call) -> tuple[str | None, bool]:
    """(path, overwrite-shaped) of a purge_s3_path call: overwrite-shaped when its only option is retentionPeriod 0."""
    path = normal(_literal(_argument(call, 0, "s3_path")))
    options = _argument(call, 1, "options")
    value = _literal(options) if options is not None else None
    shaped = isinstance(value, dict) and set(value) == {"retentionPeriod"} and value["retentionPeriod"] in (0, "0")
    return path, shaped and path is not None and not any(k.arg is None for k in call.keywords)


def write_path(call: ast.Call) -> str | None:
    """The path an S3 write_dynamic_frame.from_options (or its method forms) writes, when the code fixes it."""
    func = call.func
    is_write = func.attr in _WRITES or (func.attr == "from_options" and isinstance(func.value, ast.Attribute)
                                        and func.value.attr == "write_dynamic_frame")
    if not is_write or _literal(_argument(call, 1, "connection_type")) != "s3":
        return None
    options = _literal(_argument(call, 2, "connection_options"))
    return normal(options.get("path")) if isinstance(options, dict) else None


def _blocks(tree: ast.Module):
    """Every statement list of the file: the module's, and each body, else, finally and handler of its statements."""
    yield tree.body
    for node in all_nodes(tree):
        if isinstance(node, (ast.stmt, ast.ExceptHandler, ast.match_case)) and node is not tree:
            for name in ("body", "orelse", "finalbody"):
                block = getattr(node, name, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    yield block


def overwritten_paths(tree: ast.Module | None) -> set[str]:
    """The paths whose every purge is followed by a write to them, and every write preceded by such a purge."""
    if tree is None:
        return set()
    paired: set[str] = set()
    broken: set[str] = set()
    paired_calls: set[int] = set()
    for block in _blocks(tree):
        for index, node in enumerate(block):
            call = _call(node) if isinstance(node, ast.Expr) else None
            if call is None or call.func.attr != "purge_s3_path":
                continue
            path, shaped = purge_path(call)
            following = _call(block[index + 1]) if index + 1 < len(block) else None
            if path is None:
                continue
            if shaped and following is not None and write_path(following) == path:
                paired.add(path)
                paired_calls |= {id(call), id(following)}
            else:
                broken.add(path)
    for call in (n for n in all_nodes(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)):
        if id(call) in paired_calls:
            continue
        if call.func.attr == "purge_s3_path":
            path = purge_path(call)[0]      # a purge inside an expression, or not before its write
        elif call.func.attr == "getSink":
            path = normal(_literal(_argument(call, 99, "path")))
        else:
            path = write_path(call)
        if path is not None:
            broken.add(path)
    return paired - broken
