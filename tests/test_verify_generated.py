"""g2l verify with no data given: inputs made from the job, four wrong hand conversions caught, each with a
small example (fixtures/verify/done_when: a catalog read, ApplyMapping to double, Filter > 100, Join, SelectFields)."""

from __future__ import annotations

import json

import pytest

from glue2lakehouse.verify.batch import DIFFERS, EQUAL, verify_paths

from .conftest import FIXTURES

CASE = FIXTURES / "verify" / "done_when"
WRONG = sorted(p.name for p in (CASE / "wrong").glob("*.py"))


def test_the_right_conversion_is_equal_with_no_data(spark):
    report = verify_paths([CASE / "large_trades.py"], spark=spark)
    [job] = report.jobs
    assert job.verdict == EQUAL, report.render_text()
    [output] = job.outputs
    assert output["output"] == "risk_db.large_trades"
    assert output["rows_glue"] == output["rows_databricks"] > 0
    assert report.exit_code == 0


@pytest.mark.parametrize("wrong", WRONG)
def test_a_wrong_hand_conversion_differs_with_a_small_example(spark, wrong):
    report = verify_paths([CASE / "large_trades.py"], spark=spark, against=CASE / "wrong" / wrong)
    [job] = report.jobs
    assert job.verdict == DIFFERS, report.render_text()
    assert report.exit_code == 1
    assert job.example is not None and job.example["shrunk"], report.render_text()
    rows_in = sum(len(t["rows"]) for t in job.example["inputs"].values())
    assert 1 <= rows_in <= 6, report.render_text()
    [shown] = job.example["outputs"]
    # the rows each side wrote differ as printed (201.0 and 201 are equal to Python, not in a double column)
    assert json.dumps(shown["glue"]) != json.dumps(shown["databricks"]), report.render_text()
    assert "Smallest example found" in report.render_text()
