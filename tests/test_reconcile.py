"""g2l reconcile on local PySpark: the cases in fixtures/reconcile/<case>/ (a Glue and a Databricks output
as JSON lines with their schema, the command's arguments, the expected table document and exit code),
written as Parquet folders and compared through the CLI; then the engine's refusals."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from glue2lakehouse.cli import app
from glue2lakehouse.reconcile import ReconcileError, compare_frames

from .conftest import FIXTURES

CASES = sorted(p.name for p in (FIXTURES / "reconcile").iterdir() if (p / "case.json").is_file())


def _write(spark, source, schema, target):
    spark.read.schema(schema).json(str(source)).write.mode("overwrite").parquet(str(target))
    return str(target)


def _canonical(table: dict) -> dict:
    return {**table, "samples": sorted(json.dumps(s, sort_keys=True) for s in table["samples"])}


@pytest.mark.parametrize("case", CASES)
def test_reconcile_case(case, spark, tmp_path):
    folder = FIXTURES / "reconcile" / case
    spec = json.loads((folder / "case.json").read_text())
    glue = _write(spark, folder / "glue.jsonl", spec["schema"], tmp_path / "glue" / "exposures")
    dbx = _write(spark, folder / "databricks.jsonl", spec.get("databricks_schema", spec["schema"]),
                 tmp_path / "dbx" / "exposures")
    result = CliRunner().invoke(app, ["reconcile", "--glue", glue, "--databricks", dbx, *spec["args"], "--json"])
    assert result.exit_code == spec["exit"], result.output
    document = json.loads(result.stdout)
    assert list(document) == ["tables"] and len(document["tables"]) == 1
    expected = {"glue": glue, "databricks": dbx, **spec["expected"]}
    assert list(document["tables"][0]) == list(expected)          # the documented keys, in their order
    assert _canonical(document["tables"][0]) == _canonical(expected)


def test_text_output_names_what_differs(spark, tmp_path):
    folder = FIXTURES / "reconcile" / "keyed_differs"
    spec = json.loads((folder / "case.json").read_text())
    glue = _write(spark, folder / "glue.jsonl", spec["schema"], tmp_path / "g")
    dbx = _write(spark, folder / "databricks.jsonl", spec["schema"], tmp_path / "d")
    result = CliRunner().invoke(app, ["reconcile", "--glue", glue, "--databricks", dbx, *spec["args"]])
    assert result.exit_code == 1
    assert "DIFFERS" in result.stdout and "missing in Databricks 1, missing in Glue 1, mismatched rows 1" in result.stdout
    assert "amount (1)" in result.stdout and "99.99 (Glue) vs 100.49 (Databricks)" in result.stdout


def test_tables_by_name_and_a_column_only_on_one_side(spark):
    spark.sql("CREATE DATABASE IF NOT EXISTS recon_glue")
    spark.sql("CREATE DATABASE IF NOT EXISTS recon_dbx")
    spark.createDataFrame([(1, "A", 0.5)], "id INT, rating STRING, pd DOUBLE").write.mode("overwrite") \
        .saveAsTable("recon_glue.limits")
    spark.createDataFrame([(1, "A")], "id INT, rating STRING").write.mode("overwrite").saveAsTable("recon_dbx.limits")
    result = CliRunner().invoke(app, ["reconcile", "--glue", "recon_glue.limits", "--databricks", "recon_dbx.limits",
                                      "--key", "id", "--json"])
    assert result.exit_code == 1, result.output
    table = json.loads(result.stdout)["tables"][0]
    assert table["schema"] == "differs" and table["mismatched_rows"] == 0 and table["rows_glue"] == 1
    assert table["samples"] == [{"kind": "schema", "column": "pd", "glue": "double", "databricks": None}]


@pytest.mark.parametrize("args, message", [
    (["--key", "nope"], "key column 'nope' is not in the Glue table"),
    (["--threshold", "amount=0.01"], "thresholds need keys"),
    (["--key", "id", "--threshold", "amount=lots"], "is not a number or a percentage"),
    (["--key", "id", "--threshold", "customer=1"], "only numbers take a tolerance"),
    (["--key", "id", "--where", "no_such_column > 1"], "does not apply to the Glue side"),
    (["--key", "rating"], "does not identify one row"),
])
def test_bad_requests_are_one_line_and_exit_2(args, message, spark, tmp_path):
    folder = FIXTURES / "reconcile" / "keyed_differs"
    spec = json.loads((folder / "case.json").read_text())
    glue = _write(spark, folder / "glue.jsonl", spec["schema"], tmp_path / "g")
    spark.createDataFrame([(1, "C-001", 1.0, "A"), (2, "C-002", 2.0, "A")], spec["schema"]) \
        .write.mode("overwrite").parquet(str(tmp_path / "d"))
    result = CliRunner().invoke(app, ["reconcile", "--glue", glue, "--databricks", str(tmp_path / "d"), *args])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_inputs_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["reconcile", "--glue", "a.b"])
    assert result.exit_code == 2 and "nothing to compare" in result.stderr
    result = CliRunner().invoke(app, ["reconcile", "--glue", "a.b", "--databricks", "a.b"])
    assert result.exit_code == 2 and "on both sides" in result.stderr


def test_compare_frames_is_a_function_on_two_frames(spark):
    glue = spark.createDataFrame([(1, 1.0), (2, None)], "id INT, amount DOUBLE")
    dbx = spark.createDataFrame([(2, None), (1, 1.004)], "id INT, amount DOUBLE")
    result = compare_frames(glue, dbx, keys=["ID"], thresholds={"amount": "0.01"})
    assert result["verdict"] == "equal" and result["mismatched_columns"] == {"amount": 0}
    assert compare_frames(glue, dbx, keys=["id"])["mismatched_columns"] == {"amount": 1}
    with pytest.raises(ReconcileError):
        compare_frames(glue, dbx, keys=["id"], thresholds=["amount"])


def test_a_path_is_delta_when_it_holds_a_delta_log_else_parquet(tmp_path):
    from glue2lakehouse.reconcile.sources import is_path, path_format

    (tmp_path / "delta_table" / "_delta_log").mkdir(parents=True)
    (tmp_path / "parquet_table").mkdir()
    assert path_format(None, str(tmp_path / "delta_table")) == "delta"
    assert path_format(None, f"file:{tmp_path / 'delta_table'}") == "delta"
    assert path_format(None, str(tmp_path / "parquet_table")) == "parquet"
    assert path_format(None, str(tmp_path / "parquet_table"), "glueparquet") == "parquet"
    assert path_format(None, str(tmp_path / "parquet_table"), "CSV") == "csv"
    assert [is_path(n) for n in ("prod.risk.exposures", "risk.exposures", "s3://b/p/", "/Volumes/prod/r/o/",
                                 "out/daily")] == [False, False, True, True, True]
