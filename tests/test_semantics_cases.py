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


def test_changed_facts_read_whole_files_when_a_module_constant_changed():
    """Only changed statements are read, unless a constant that unchanged statements use changed."""
    from glue2lakehouse.review.semantics import changed_facts

    job = ('DATABASE = "{db}"\n'
           'loans = glueContext.create_dynamic_frame.from_catalog(database=DATABASE, table_name="loans")\n'
           'rates = glueContext.create_dynamic_frame.from_catalog(database="fx", table_name="{table}")\n')
    old, new = changed_facts("job.py", job.format(db="risk", table="rates").encode(),
                             "job.py", job.format(db="risk_v2", table="rates").encode())
    assert "risk.loans" in old.reads and "risk_v2.loans" in new.reads
    old, new = changed_facts("job.py", job.format(db="risk", table="rates").encode(),
                             "job.py", job.format(db="risk", table="rates_eod").encode())
    assert set(old.reads) == {"fx.rates"} and set(new.reads) == {"fx.rates_eod"}  # the unchanged read cancels out
