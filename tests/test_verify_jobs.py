"""g2l verify on every runnable fixture job, and on deliberately wrong Databricks versions."""

from __future__ import annotations

import json

import pytest

from glue2lakehouse.verify.verify import job_arguments, verify

from .conftest import FIXTURES

DATA = FIXTURES / "glue_jobs_data"
JOBS = FIXTURES / "glue_jobs"
EXPECTED = FIXTURES / "glue_jobs_expected"
RUNNABLE = sorted(p.name for p in DATA.iterdir() if p.is_dir())


def _args(name: str) -> list[str]:
    return job_arguments(json.loads((DATA / name / "args.json").read_text()))


@pytest.mark.parametrize("name", RUNNABLE)
def test_converted_job_computes_what_the_glue_job_computes(spark, name):
    report = verify(JOBS / f"{name}.py", DATA / name, _args(name), spark=spark)
    assert not report.errors, report.render_text()
    assert report.outputs, "the job wrote nothing"
    assert all(o["status"] == "match" and o["glue_rows"] > 0 for o in report.outputs), report.render_text()
    assert report.exit_code == 0


# A plain cast is wrong only where ANSI mode is on (Spark 4, the default there: the job fails on a value that does
# not convert); on Spark 3.5 (16.4 LTS) with ANSI off it gives null like Glue, so the same version computes the same.
ANSI = "fails under ANSI mode, else the same"

MUTANTS = [
    # (job, what the wrong Databricks version does, text replaced, replacement, expected exit code)
    ("studio_catalog_to_catalog", "cast where try_cast is needed", 'F.expr("try_cast(`market_value` AS double)")',
     'F.expr("cast(`market_value` AS double)")', ANSI),
    ("studio_catalog_to_catalog", "overwrite for an append", '.write.mode("append")', '.write.mode("overwrite")', 1),
    ("studio_join_filter", "inner join made left", 'condition, "inner")', 'condition, "left")', 1),
    ("studio_join_filter", "a dropped filter",
     'Filter_node4 = Join_node3.filter((F.col("`principal`") > 250000) & (F.col("`status`") == "ACTIVE"))',
     "Filter_node4 = Join_node3", 1),
    ("method_form_exposures", "the CSV separator of a method-form read dropped", '.option("sep", ";")', "", 2),
    ("studio_split_limits", "SplitRows with the null rows on neither side",
     '~F.coalesce((F.col("`utilisation`") >= 1000000), F.lit(False))', '~(F.col("`utilisation`") >= 1000000)', 1),
    ("studio_split_limits", "SplitFields keeping a listed field in the rest", '.drop("limit_id", "counterparty", "utilisation", "limit_amount")',
     '.drop("limit_id", "counterparty", "utilisation")', 1),
    ("map_transform_job", "Map keeping the records its function raised on", "            return []",
     "            return [row]", 1),
    ("options_passed_around", "the separator of a format_options argument not mapped",
     '"separator": "sep", ', "", 2),
    ("legislators_relationalize", "Relationalize with a child key off by one",
     'keyed.select(F.col("__glue_row_id").alias("id")', 'keyed.select((F.col("__glue_row_id") + 1).alias("id")', 1),
    ("unbox_payment_events", "Unbox failing on a malformed payload instead of a null struct",
     'F.from_json(F.col("`" + column + "`"), schema)', 'F.from_json(F.col("`" + column + "`"), schema, {"mode": "FAILFAST"})', 2),
    ("refresh_limit_tables", "purge_table dropped (the old rows stay)", 'spark.sql(f"TRUNCATE TABLE prod.{TARGET}.{table}")',
     "None", 1),
    ("resolve_choice_catalog_types", "match_catalog with cast where try_cast is needed",
     'F.expr("try_cast(`{}` AS {})".format(', 'F.expr("cast(`{}` AS {})".format(', ANSI),
    ("collection_per_rating", "MapToCollection calling with a label other than Glue's <ctx>:<key>",
     'f"rating_split:{key}"', 'f"rating_split{key}"', 1),
    ("resolve_choice_cleanup", "a dropped column kept", '.drop("ingest_ts", "source_file")', '.drop("ingest_ts")', 1),
    # JDBC through the run's in-memory Derby database: the source table's rows from DATA/jdbc/
    ("jdbc_postgres_extract", "a JDBC read of another table", '.option("dbtable", "public.credit_limits")',
     '.option("dbtable", "public.credit_limit_history")', 2),
    ("jdbc_postgres_extract", "the rename after a JDBC read dropped",
     'renamed = typed.withColumnRenamed("limit_amount", "credit_limit")', "renamed = typed", 1),
]


@pytest.mark.parametrize("job, what, old, new, code", MUTANTS, ids=[f"{m[0]}: {m[1]}" for m in MUTANTS])
def test_wrong_databricks_versions_are_caught(spark, tmp_path, job, what, old, new, code):
    text = (EXPECTED / f"{job}.py").read_text()
    assert old in text, f"the mutant no longer applies to {job}"
    wrong = tmp_path / f"{job}.py"
    wrong.write_text(text.replace(old, new))
    report = verify(JOBS / f"{job}.py", DATA / job, _args(job), against=wrong, spark=spark)
    if code == ANSI:
        code = 2 if spark.conf.get("spark.sql.ansi.enabled") == "true" else 0
    assert report.exit_code == code, report.render_text()
    if code == 0:
        assert report.outputs and all(o["status"] == "match" for o in report.outputs), report.render_text()
    elif code == 2:
        assert report.errors[0]["job"] == "databricks"
    else:
        assert any(o["status"] != "match" for o in report.outputs)


def test_the_faithful_version_passes_against(spark):
    report = verify(JOBS / "studio_join_filter.py", DATA / "studio_join_filter", _args("studio_join_filter"),
                    against=EXPECTED / "studio_join_filter.py", spark=spark)
    assert report.exit_code == 0, report.render_text()


def test_the_risk_engine_job_with_its_helper_modules(spark):
    engine = FIXTURES / "glue_risk_engine"
    data = FIXTURES / "glue_risk_engine_data"
    args = job_arguments(json.loads((data / "args.json").read_text()))
    report = verify(engine / "jobs" / "daily_risk_job.py", data, args, spark=spark, root=engine)
    assert report.exit_code == 0, report.render_text()
    assert {o["name"] for o in report.outputs} == {"risk_db.risk_scores", "risk_db.risk_summary",
                                                   "risk_db.collateral_coverage"}
