"""The Glue emulator against cases whose expected outputs were worked out by hand from Glue's documented
behaviour (fixtures/emulator/<case>.json, each quoting the rule that decides it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_emulator import glue  # noqa: F401 - the fixture: the emulator importable, a GlueContext

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "emulator"


def _plain(value):
    if hasattr(value, "asDict"):
        return {k: _plain(v) for k, v in value.asDict().items()}
    return value


def _frame_of(df) -> dict:
    rows = sorted((json.dumps([_plain(v) for v in row], sort_keys=True, default=str) for row in df.collect()))
    return {"columns": df.columns, "rows": rows}


def _expected(frame: dict) -> dict:
    return {"columns": frame["columns"],
            "rows": sorted(json.dumps(row, sort_keys=True, default=str) for row in frame["rows"])}


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.json")))
def test_emulator_matches_the_hand_worked_case(case, spark, glue):  # noqa: F811
    import awsglue.transforms as transforms
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    data = json.loads((CASES / f"{case}.json").read_text())
    assert data["rule"], "every case names the documented rule it pins"
    context, _ = glue
    names = {name: getattr(transforms, name) for name in dir(transforms) if not name.startswith("_")}
    names["EvaluateDataQuality"] = EvaluateDataQuality
    for var, key in (("frame", "input"), ("frame2", "input2")):
        if key in data:
            rows = [tuple(row) for row in data[key]["rows"]]
            names[var] = DynamicFrame.fromDF(spark.createDataFrame(rows, data[key]["schema"]), context, var)
    result = eval(data["call"], names)  # noqa: S307 - the case's Glue call, written by hand in the fixture
    expected = data["expected"]
    if "columns" in expected:
        assert _frame_of(result.toDF()) == _expected(expected)
    else:
        assert sorted(result.keys()) == sorted(expected)
        for key, frame in expected.items():
            assert _frame_of(result.select(key).toDF()) == _expected(frame), key
