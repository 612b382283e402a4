"""Properties of the transformer on generated jobs shaped like real ones (tests/jobgen.py).

Each generated job mixes Glue Studio and hand-written shapes: helper functions with
whitespace-only lines after them, ``if __name__`` blocks, top-level ``try``, an import in
the middle of the file, tabs, CRLF, no newline at the end. The properties are the
contract of the splice: statements the conversion does not change keep their text and
their order, no internal text reaches the output, the output parses and converts to
itself, and nothing the conversion adds is used above its import.
"""

from __future__ import annotations

import ast
import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glue2lakehouse.config import transform_settings
from glue2lakehouse.transform import transform_file
from glue2lakehouse.transform.helpers import NEEDS as HELPERS
from glue2lakehouse.transform.imports import NEEDED
from glue2lakehouse.transform.rewrite import rewrite_module

from .jobgen import job, layout

SETTINGS = transform_settings({"catalog": "prod"})
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def jobs(draw) -> str:
    rng = random.Random(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    return layout(job(rng), rng)


def _convert(text: str) -> str:
    return transform_file(text.encode(), "job.py", SETTINGS).data.decode()


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def _plain_statements(text: str) -> list[str]:
    """Source of the top-level statements the generator made plain (nothing in them for a rule)."""
    lines = _lines(text)
    out = []
    for node in ast.parse(text).body:
        source = "".join(lines[node.lineno - 1:node.end_lineno])
        if re.search(r"\bplain_\w+", source) and not re.search(r"glue|Glue|DynamicFrame|job\b|args", source):
            out.append(source)
    return out


def _in_order(needles: list[str], haystack: str) -> bool:
    at = 0
    for needle in needles:
        found = haystack.find(needle, at)
        if found < 0:
            return False
        at = found + len(needle)
    return True


def _compound_outline(text: str) -> list[tuple[str, str]]:
    """Top-level definitions and blocks in order: (kind, name or test)."""
    out = []
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name not in HELPERS:  # a run-time helper the conversion adds
                out.append((type(node).__name__, node.name))
        elif isinstance(node, (ast.If, ast.Try, ast.For, ast.While, ast.With)):
            test = node.test if isinstance(node, (ast.If, ast.While)) else None
            out.append((type(node).__name__, ast.unparse(test) if test is not None else ""))
    return out


@PROPERTY
@given(jobs())
def test_unchanged_statements_keep_their_text_and_order(source):
    output = _convert(source)
    plain = _plain_statements(source)
    assert _in_order(plain, output), "a plain top-level statement moved or changed"
    notes = re.findall(r"# note \d+", source)
    assert re.findall(r"# note \d+", output) == notes, "a comment moved or went missing"
    assert _compound_outline(output) == _compound_outline(source), "top-level definitions or blocks moved"


@PROPERTY
@given(jobs())
def test_output_parses_has_no_internal_text_and_converts_to_itself(source):
    first = transform_file(source.encode(), "job.py", SETTINGS)
    output = first.data.decode()
    assert "__g2l" not in output
    ast.parse(output)
    assert not [f for f in first.findings if f.rule in ("internal-error", "syntax-error")]
    assert transform_file(source.encode(), "job.py", SETTINGS).data == first.data            # deterministic
    assert transform_file(first.data, "job.py", SETTINGS).data == first.data                # idempotent


def _module_level_uses(tree: ast.Module, name: str) -> list[int]:
    """Lines where code that runs at import time reads ``name`` (function and lambda bodies left out)."""
    lines = []

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Name) and child.id == name and isinstance(child.ctx, ast.Load):
                lines.append(child.lineno)
            walk(child)

    walk(tree)
    return lines


def _bound_at(tree: ast.Module, name: str) -> int | None:
    """First line of a top-level import or definition binding ``name``."""
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names):
                return node.lineno
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:   # GlueJob is a class
            return node.lineno
    return None


@PROPERTY
@given(jobs())
def test_every_name_the_conversion_adds_is_bound_above_its_uses(source):
    output = _convert(source)
    before, after = ast.parse(source), ast.parse(output)
    for name in [*NEEDED, *HELPERS]:
        if _bound_at(before, name) is not None or not _module_level_uses(after, name):
            continue
        line = _bound_at(after, name)
        assert line is not None, f"{name} is used but not imported or defined"
        assert min(_module_level_uses(after, name)) > line, f"{name} is used above its import or definition"


@PROPERTY
@given(jobs())
def test_the_fast_traversal_gives_what_libcst_traversal_gives(source):
    fast = rewrite_module(source, "job.py", SETTINGS)
    reference = rewrite_module(source, "job.py", SETTINGS, visit=lambda transformer, node: node.visit(transformer))
    assert fast[0] == reference[0]
    assert fast[1] == reference[1]
