"""Properties of the transformer over the fixture jobs: deterministic, idempotent, local."""

from __future__ import annotations

import ast
import difflib
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glue2lakehouse.config import transform_settings
from glue2lakehouse.transform import transform_file
from glue2lakehouse.transform.helpers import NEEDS as HELPER_NEEDS

from .conftest import FIXTURES

SETTINGS = transform_settings({"catalog": "prod"})
JOBS = sorted(p for p in (FIXTURES / "glue_jobs").rglob("*.py") if p.read_text().strip())
PARSABLE = []
for _path in JOBS:
    try:
        ast.parse(_path.read_text())
        PARSABLE.append(_path)
    except SyntaxError:
        pass


def _import_lines(text: str) -> set[int]:
    """Indices of the lines of top-level import statements and of the run-time helpers copied below them
    (a helper comes and goes with the last construct that needs it, like an import)."""
    tree = ast.parse(text)
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.FunctionDef) and node.name in HELPER_NEEDS):
            lines.update(range(node.lineno - 1, node.end_lineno))
    return lines


SESSION = re.compile(r"GlueContext|SparkContext|SparkSession\.builder|sparkContext")


def _changed_hunks(old: str, new: str) -> list[tuple[int, int]]:
    """Line ranges of ``new`` that differ from ``old``, leaving out the import block and the session set-up.

    The set-up lines (GlueContext / SparkContext / SparkSession) change when an edit makes a construct
    convertible or not, since the GlueContext stays only while something unconverted still uses it.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    ignorable_old = _import_lines(old) | {i for i, line in enumerate(old_lines) if SESSION.search(line) or not line}
    ignorable_new = _import_lines(new) | {i for i, line in enumerate(new_lines) if SESSION.search(line) or not line}
    hunks = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if set(range(i1, i2)) <= ignorable_old and set(range(j1, j2)) <= ignorable_new:
            continue
        hunks.append((j1, j2))
    return _by_statement(new, hunks)


def _by_statement(text: str, hunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge hunks that fall in the same top-level statement (its review comments included)."""
    lines = text.splitlines()
    spans = []
    for node in ast.parse(text).body:
        start = node.lineno - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        spans.append((start, node.end_lineno))
    merged: dict[int, tuple[int, int]] = {}
    for j1, j2 in hunks:
        # A hunk inside a statement belongs to it; a deletion right at a boundary (a review comment gone from
        # above a statement) to the statement that starts there, else to the one that ends there.
        owner = next((k for k, (a, b) in enumerate(spans) if a <= j1 < b),
                     next((k for k, (a, b) in enumerate(spans) if j1 == j2 and a <= j1 <= b), -1 - j1))
        low, high = merged.get(owner, (j1, j2))
        merged[owner] = (min(low, j1), max(high, j2))
    return sorted(merged.values())


def _bound_on_line(text: str, line: int) -> set[str]:
    """Names of dicts (or DQDL rulesets) assigned (or item-assigned) by the statement on ``line``."""
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Assign) and node.lineno <= line <= node.end_lineno and len(node.targets) == 1:
            target = node.targets[0]
            ruleset = isinstance(node.value, ast.Constant) and "Rules" in str(node.value.value)
            if isinstance(target, ast.Name) and (isinstance(node.value, ast.Dict) or ruleset):
                names.add(target.id)
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                names.add(target.value.id)
    return names


def _unbound(text: str) -> set[str]:
    """Names the code reads that it never binds (nor imports, defines or takes as a parameter)."""
    import builtins

    tree = ast.parse(text)
    bound, read = set(dir(builtins)), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read - bound


def _statements_naming(text: str, names: set[str]) -> list[tuple[int, int]]:
    """(first, last) 0-based line ranges of the simple statements whose text names one of ``names``."""
    lines = text.splitlines()
    spans = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)):
            segment = "\n".join(lines[node.lineno - 1:node.end_lineno])
            if any(re.search(rf"\b{re.escape(n)}\b", segment) for n in names):
                spans.append((node.lineno - 1, node.end_lineno))
    return spans


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_transform_is_deterministic_and_idempotent(data):
    path = data.draw(st.sampled_from(JOBS))
    source = path.read_bytes()
    first = transform_file(source, path.name, SETTINGS)
    assert transform_file(source, path.name, SETTINGS).data == first.data
    assert transform_file(first.data, path.name, SETTINGS).data == first.data


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_local_edit_changes_only_the_matching_lines(data):
    """Changing a digit or a letter inside one line's literal or name changes one region of the output."""
    path = data.draw(st.sampled_from(PARSABLE))
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    candidates = [i for i, line in enumerate(lines)
                  if re.search(r"[0-9]|\"[a-z_]+\"", line) and not line.lstrip().startswith(("import", "from"))]
    index = data.draw(st.sampled_from(candidates))
    line = lines[index]
    spots = [m.start() for m in re.finditer(r"[0-9]", line)] or [m.start() + 1 for m in re.finditer(r"\"[a-z_]", line)]
    spot = data.draw(st.sampled_from(spots))
    old_char = line[spot]
    new_char = data.draw(st.sampled_from([c for c in ("7", "3") if c != old_char] if old_char.isdigit()
                                         else [c for c in ("q", "z") if c != old_char]))
    edited_lines = list(lines)
    edited_lines[index] = line[:spot] + new_char + line[spot + 1:]
    edited = "".join(edited_lines)
    try:
        ast.parse(edited)
    except SyntaxError:
        return  # e.g. a digit that started a name: not an edit a Glue developer could commit
    if _unbound(edited) - _unbound(text):
        return  # a name renamed where it is bound but not where it is used: the job would stop with a NameError
    before = transform_file(text.encode(), path.name, SETTINGS).data.decode()
    after = transform_file(edited.encode(), path.name, SETTINGS).data.decode()
    hunks = _changed_hunks(before, after)
    # An options dict or a DQDL ruleset bound on the edited line is resolved where it is passed: those statements
    # change too.
    bound = _bound_on_line(edited, index + 1) | _bound_on_line(text, index + 1)   # its name before and after
    after_lines = after.splitlines()
    if bound and len(hunks) > 1:
        naming = _statements_naming(after, bound)
        hunks = hunks[:1] + [h for h in hunks[1:]
                             if not any(re.search(rf"\b{re.escape(n)}\b", "\n".join(after_lines[h[0]:h[1]]))
                                        or re.search(rf"\b{re.escape(n)}\b", "\n".join(before.splitlines()[h[0]:h[1]]))
                                        for n in bound)
                             and not any(start <= h[0] and h[1] <= end for start, end in naming)]
    # A purge_s3_path with no retention right before a write to the same path converts, with that write, to one
    # overwrite: an edit of the purge's path or retention, or of the write's path, changes both statements.
    if "purge_s3_path" in text and len(hunks) > 1:
        def says(hunk, pattern):
            return any(re.search(pattern, "\n".join(side[hunk[0]:hunk[1]]))
                       for side in (after_lines, before.splitlines()))

        purge = r"\.purge_\w+\("   # the call as edited too (purge_s7_path)
        if any(says(h, purge) for h in hunks):
            hunks = [h for h in hunks if says(h, purge) or not says(h, r"\.mode\(|\.write\b")]
    assert len(hunks) <= 1, (path.name, index + 1, hunks)
    for start, end in hunks:
        assert end - start <= 16, (path.name, index + 1, hunks)
