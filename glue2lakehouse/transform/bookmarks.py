"""Job bookmarks: which Job object a file's bookmarked reads go through.

Glue bookmarks a read that carries a ``transformation_ctx`` when the job calls ``job.init`` and
``job.commit`` (and its ``--job-bookmark-option`` enables them at run time). The converted job keeps
that Job as a ``GlueJob`` (``runtime.py``): ``job.init`` reads the option and the job's state,
each bookmarked read becomes a call on the job (``job.bookmarked_files``, ``job.bookmarked_table``,
``job.bookmarked_rows``), and ``job.commit()`` saves the state in one write. This module decides,
from the whole file, whether that is possible: one Job name, both calls made on it, and every
bookmarked read able to see the name where it runs.
"""

from __future__ import annotations

import ast

from glue2lakehouse.transform.analysis import Roles, is_job_call
from glue2lakehouse.transform.nodes import all_nodes

READS = ("create_dynamic_frame.from_options", "create_dynamic_frame.from_catalog",
         "create_dynamic_frame_from_options", "create_dynamic_frame_from_catalog")


def _is_bookmarked_read(node: ast.Call) -> bool:
    """A read with a non-empty ``transformation_ctx`` (one Glue bookmarks)."""
    func = node.func
    if type(func) is not ast.Attribute:
        return False
    name = func.attr
    if isinstance(func.value, ast.Attribute):
        name = f"{func.value.attr}.{name}"
    if not name.endswith(READS):
        return False
    for keyword in node.keywords:
        if keyword.arg == "transformation_ctx":
            if not (isinstance(keyword.value, ast.Constant) and keyword.value.value in ("", None)):
                return True
    return False


def bookmarked_reads(tree: ast.AST) -> list[ast.Call]:
    """Reads with a non-empty ``transformation_ctx`` (the ones Glue bookmarks)."""
    return [node for node in all_nodes(tree) if type(node) is ast.Call and _is_bookmarked_read(node)]


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _inside(node: ast.AST, scope: ast.AST) -> bool:
    return scope.lineno <= node.lineno and node.end_lineno <= scope.end_lineno


def bookmark_job(tree: ast.AST, roles: Roles) -> str | None:
    """The name of the Job the file's bookmarked reads go through, or None when they cannot (no Job with both
    ``init`` and ``commit``, several Job names, or a read that cannot see the Job's name)."""
    if not roles.uses_bookmarks or len(roles.jobs) != 1:
        return None
    name = next(iter(roles.jobs))
    # One walk: the bookmarked reads, the functions (scopes) and the assignments of the Job name.
    reads, functions, bindings = [], [], []
    for node in all_nodes(tree):
        kind = type(node)
        if kind is ast.Call:
            if _is_bookmarked_read(node):
                reads.append(node)
        elif kind in _SCOPES:
            functions.append(node)
        elif (kind is ast.Assign and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
              and node.targets[0].id == name and is_job_call(node.value)):
            bindings.append(node)
    if not reads:
        return None
    for node in bindings:
        scopes = [f for f in functions if _inside(node, f)]
        if scopes:  # bound inside a function: only reads in that function see it
            innermost = max(scopes, key=lambda f: f.lineno)
            if not all(_inside(read, innermost) for read in reads):
                return None
    return name


def state_table(settings) -> str:
    """The bookmark state table of the estate: ``[bookmarks] table``, else ``<catalog>.default.g2l_job_bookmarks``."""
    return settings.bookmark_table or f"{settings.catalog}.default.g2l_job_bookmarks"
