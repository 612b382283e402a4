"""The transformer's parse without per-node validation gives libcst's tree, and leaves validation on after it."""

from __future__ import annotations

import libcst as cst
import pytest

from glue2lakehouse.transform.cstparse import parse_module

from .conftest import FIXTURES

SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if "glue_jobs_data" not in p.parts)


def test_every_fixture_parses_to_the_same_tree():
    compared = 0
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        try:
            expected = cst.parse_module(text)
        except cst.ParserSyntaxError:
            with pytest.raises(cst.ParserSyntaxError):
                parse_module(text)
            continue
        module = parse_module(text)
        assert module.deep_equals(expected), path
        assert module.code == text
        compared += 1
    assert compared > 100


def test_nodes_made_after_a_parse_are_validated():
    parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_a_failed_parse_leaves_validation_on():
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("def (:\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
