"""Semantic diff cases as data: fixtures/review/semantics/<case>/{before,after}.{py,json} + expected.json."""

from __future__ import annotations

import json

import pytest

from glue2lakehouse.review.semantics import facts_of
from glue2lakehouse.review.summary import diff_facts

from .conftest import FIXTURES

CASES = sorted(p for p in (FIXTURES / "review" / "semantics").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_semantic_diff(case):
    before = next(case.glob("before.*"))
    after = next(case.glob("after.*"))
    items = diff_facts(facts_of(before.name, before.read_bytes()), facts_of(after.name, after.read_bytes()))
    assert [i.as_dict() for i in items] == json.loads((case / "expected.json").read_text())


def test_unchanged_code_has_no_items_and_broken_code_is_said():
    text = (FIXTURES / "glue_risk_engine" / "jobs" / "daily_risk_job.py").read_bytes()
    assert diff_facts(facts_of("a.py", text), facts_of("a.py", text + b"\n# comment\n")) == []
    assert facts_of("a.py", b"print 'py2'\n").parsed is False
