"""Glue Studio's data-quality step: DQDL rulesets become Spark checks with Glue's outcomes, on local PySpark.

The expected outcomes and metrics are worked out by hand from the rules' definitions (Glue's DQDL
reference and its open-source engine, awslabs/deequ dqdl/translation), never taken from our output.
"""

from __future__ import annotations

import math

import pytest

from glue2lakehouse.config import transform_settings
from glue2lakehouse.transform import transform_file
from glue2lakehouse.transform.dqdl import DQDLError, check_of, convert_ruleset, rules_of
from glue2lakehouse.transform.runtime_dq import glue_evaluate_data_quality
from glue2lakehouse.verify.runner import run_job

from .conftest import FIXTURES

JOBS = FIXTURES / "glue_jobs"
DATA = FIXTURES / "data_quality"
SETTINGS = transform_settings({"catalog": "prod"})

# (rule, metric name, measure, condition, row predicate)
RULES = [
    ("ColumnCount > 0", "Dataset.*.ColumnCount", "column count", (">", 0), None),
    ("RowCount between 10 and 1000", "Dataset.*.RowCount", "count(*)", ("between", 10, 1000), None),
    ('IsComplete "id"', "Column.id.Completeness", "count(`id`) / count(*)", ("=", 1.0), "`id` IS NOT NULL"),
    ('Completeness "id" > 0.95', "Column.id.Completeness", "count(`id`) / count(*)", (">", 0.95), "`id` IS NOT NULL"),
    ('IsUnique "id"', "Column.id.Uniqueness", "uniqueness of `id`", ("=", 1.0),
     "`id` IS NULL OR count(1) OVER (PARTITION BY `id`) = 1"),
    ('Uniqueness "id" >= 0.9', "Column.id.Uniqueness", "uniqueness of `id`", (">=", 0.9),
     "`id` IS NULL OR count(1) OVER (PARTITION BY `id`) = 1"),
    ('ColumnValues "amount" between 0 and 100', "Column.amount.ColumnValues.Compliance",
     "avg(CASE WHEN `amount` IS NULL OR (`amount` >= 0 AND `amount` <= 100) THEN 1.0 ELSE 0.0 END)", ("=", 1.0),
     "`amount` IS NULL OR (`amount` >= 0 AND `amount` <= 100)"),
    ('ColumnValues "ccy" in ["USD", "EUR"] with threshold > 0.9', "Column.ccy.ColumnValues.Compliance",
     "avg(CASE WHEN `ccy` IS NULL OR (`ccy` IN ('USD', 'EUR')) THEN 1.0 ELSE 0.0 END)", (">", 0.9),
     "`ccy` IS NULL OR (`ccy` IN ('USD', 'EUR'))"),
    ('Mean "amount" < 50', "Column.amount.Mean", "avg(`amount`)", ("<", 50), None),
]


@pytest.mark.parametrize("rule, metric, measure, condition, row", RULES, ids=[r[0] for r in RULES])
def test_dqdl_rule_to_check(rule, metric, measure, condition, row):
    assert check_of(rule) == (rule, {metric: measure}, condition, row)


@pytest.mark.parametrize("rule, why", [
    ('(IsComplete "a") and (IsComplete "b")', "composite"),
    ('CustomSql "select count(*) from primary" > 0', "CustomSql"),
    ('Completeness "x" > 0.5 where "y > 1"', "where"),
    ('ColumnLength "x" > 3', "ColumnLength"),
    ('IsUnique "a" "b"', "several columns"),
])
def test_rules_with_no_conversion_are_named(rule, why):
    with pytest.raises(DQDLError, match=why):
        check_of(rule)


def test_ruleset_reading_keeps_order_comments_and_commas_inside_values():
    ruleset = '''# checks
    Rules = [
        # the key
        IsComplete "id",
        ColumnValues "ccy" in ["USD", "EUR"],
        CustomSql "select 1, 2" > 0
    ]'''
    assert rules_of(ruleset) == ['IsComplete "id"', 'ColumnValues "ccy" in ["USD", "EUR"]', 'CustomSql "select 1, 2" > 0']
    checks, unsupported = convert_ruleset(ruleset)
    assert [c[0] for c in checks] == rules_of(ruleset)
    assert unsupported == ['CustomSql "select 1, 2" > 0 (rule type CustomSql has no conversion)']
    assert checks[2][1] == {} and checks[2][2][0] == "not converted"


def _outcomes(spark, rows, ruleset):
    frame = spark.createDataFrame(rows, "id string, amount double, ccy string")
    checks, _ = convert_ruleset(ruleset)
    return {r["Rule"]: r.asDict() for r in glue_evaluate_data_quality(frame, checks).collect()}


RULESET = '''Rules = [
    ColumnCount > 0,
    RowCount between 3 and 10,
    IsComplete "id",
    Completeness "ccy" >= 0.75,
    IsUnique "id",
    ColumnValues "amount" between 0 and 100,
    ColumnValues "ccy" in ["USD", "EUR"],
    CustomSql "select count(*) from primary" > 0
]'''


def test_outcomes_on_passing_data(spark):
    out = _outcomes(spark, [("a", 0.0, "USD"), ("b", 100.0, "EUR"), ("c", None, None), ("d", 50.0, "USD")], RULESET)
    expected = {
        "ColumnCount > 0": ("Passed", {"Dataset.*.ColumnCount": 3.0}),
        "RowCount between 3 and 10": ("Passed", {"Dataset.*.RowCount": 4.0}),
        'IsComplete "id"': ("Passed", {"Column.id.Completeness": 1.0}),
        'Completeness "ccy" >= 0.75': ("Passed", {"Column.ccy.Completeness": 0.75}),
        'IsUnique "id"': ("Passed", {"Column.id.Uniqueness": 1.0}),
        # the bounds are in the range, a null value passes
        'ColumnValues "amount" between 0 and 100': ("Passed", {"Column.amount.ColumnValues.Compliance": 1.0}),
        'ColumnValues "ccy" in ["USD", "EUR"]': ("Passed", {"Column.ccy.ColumnValues.Compliance": 1.0}),
    }
    for rule, (outcome, metrics) in expected.items():
        assert (out[rule]["Outcome"], out[rule]["EvaluatedMetrics"], out[rule]["FailureReason"]) == (outcome, metrics, None)
    # a rule with no conversion never passes silently
    custom = out['CustomSql "select count(*) from primary" > 0']
    assert custom["Outcome"] == "Failed" and custom["FailureReason"].startswith("not evaluated: rule type CustomSql")


def test_outcomes_on_failing_data(spark):
    rows = [("a", 10.0, "USD"), ("a", 101.0, "EUR"), (None, -1.0, "JPY"), ("d", None, None)]
    out = _outcomes(spark, rows, RULESET)
    assert out["RowCount between 3 and 10"]["Outcome"] == "Passed"
    assert out['IsComplete "id"']["Outcome"] == "Failed"
    assert out['IsComplete "id"']["FailureReason"] == "Value: 0.75 does not meet the constraint requirement!"
    assert out['Completeness "ccy" >= 0.75']["Outcome"] == "Passed"
    # non-null ids a, a, d: only d occurs once
    unique = out['IsUnique "id"']
    assert unique["Outcome"] == "Failed" and math.isclose(unique["EvaluatedMetrics"]["Column.id.Uniqueness"], 1 / 3)
    # 10 and null pass, 101 and -1 do not
    assert out['ColumnValues "amount" between 0 and 100']["EvaluatedMetrics"] == {
        "Column.amount.ColumnValues.Compliance": 0.5}
    assert out['ColumnValues "ccy" in ["USD", "EUR"]']["Outcome"] == "Failed"


def test_between_on_a_metric_excludes_its_bounds(spark):
    out = _outcomes(spark, [("a", 1.0, "USD"), ("b", 2.0, "USD"), ("c", 3.0, "USD")],
                    "Rules = [ RowCount between 3 and 10, RowCount between 2 and 4, RowCount > 3 ]")
    assert {rule: o["Outcome"] for rule, o in out.items()} == {
        "RowCount between 3 and 10": "Failed", "RowCount between 2 and 4": "Passed", "RowCount > 3": "Failed"}


def _data(tmp_path, which):
    """The inputs, and the schema the job writes to (created by the job's deployment, not by the job)."""
    import shutil

    data = tmp_path / which
    shutil.copytree(DATA / which, data)
    (data / "risk_reporting").mkdir()
    return data


def _convert(tmp_path, name):
    result = transform_file((JOBS / name).read_bytes(), name, SETTINGS)
    text = result.data.decode()
    assert "awsgluedq" not in text and "EvaluateDataQuality" not in text.split('"""')[0]
    assert result.data == (FIXTURES / "glue_jobs_expected" / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(result.data)
    return path


def test_studio_default_ruleset_job_runs_and_writes(spark, tmp_path):
    job = _convert(tmp_path, "studio_data_quality_default.py")
    result = run_job(spark, job, _data(tmp_path, "failing"), ["--JOB_NAME", "report"], glue=False)
    assert result.error is None, result.error
    (output,) = result.outputs.values()
    assert len(output["rows"]) == 4          # ColumnCount > 0 holds: the frame is written as it is


def test_studio_job_with_rules_passes_on_passing_data_and_writes_row_level_outcomes(spark, tmp_path):
    job = _convert(tmp_path, "studio_data_quality_rules.py")
    result = run_job(spark, job, _data(tmp_path, "passing"), ["--JOB_NAME", "checks"], glue=False)
    assert result.error is None, result.error
    (output,) = result.outputs.values()
    rows = {r["counterparty_id"]: r for r in output["rows"]}
    # every rule passes on the frame; row by row, the one row without a currency fails the completeness rule
    assert {k: r["DataQualityEvaluationResult"] for k, r in rows.items()} == {
        "CP-001": "Passed", "CP-002": "Passed", "CP-003": "Passed", "CP-004": "Failed"}
    assert rows["CP-004"]["DataQualityRulesFail"] == ['Completeness "currency" >= 0.75']
    assert 'Completeness "currency" >= 0.75' in rows["CP-001"]["DataQualityRulesPass"]
    assert rows["CP-001"]["DataQualityRulesSkip"] == ["RowCount between 2 and 100000"]


def test_studio_job_with_rules_fails_on_failing_data_before_writing(spark, tmp_path):
    job = _convert(tmp_path, "studio_data_quality_rules.py")
    result = run_job(spark, job, _data(tmp_path, "failing"), ["--JOB_NAME", "checks"], glue=False)
    assert result.error is not None and "The job failed due to failing DQ rules" in result.error
    assert result.outputs == {}
