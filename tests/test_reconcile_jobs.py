"""Reconcile for converted jobs, on real repositories: the opt-in reconcile task in the bundle job (validated by
databricks-bundles, merged week after week like the rest of the job YAML), and `g2l reconcile JOB` on local Spark
pairing a job's outputs the way the conversion maps them."""

from __future__ import annotations

import json
import shutil

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from glue2lakehouse.cli import app
from glue2lakehouse.sync import initialize, sync

from .conftest import FIXTURES
from .helpers import commit_all, edit, new_repo, write

JOB_FILE = "resources/risk_engine_daily.job.yml"
RECONCILE = """
[reconcile]
glue_catalog = "glue"
report_table = "prod.g2l.reconcile_runs"

[reconcile.jobs.daily-risk-job]
keys = ["customer_id"]
where = "run_date = '{run_date}'"
thresholds = { expected_loss = "0.01" }
"""


def _job(repo, path=JOB_FILE):
    from databricks.bundles.jobs import Job

    document = YAML(typ="safe", pure=True).load((repo / path).read_text())
    (key, job), = document["resources"]["jobs"].items()
    Job.from_dict(job)          # a valid bundle job
    return job


def _tables(task) -> list[dict]:
    parameters = task["python_wheel_task"]["parameters"]
    return [json.loads(parameters[i + 1]) for i, p in enumerate(parameters) if p == "--table"]


@pytest.fixture
def estate(tmp_path):
    glue = tmp_path / "glue"
    shutil.copytree(FIXTURES / "glue_risk_engine", glue)
    shutil.copytree(FIXTURES / "estate" / "risk_engine" / "common", glue, dirs_exist_ok=True)
    shutil.copytree(FIXTURES / "estate" / "risk_engine" / "terraform", glue, dirs_exist_ok=True)
    new_repo(glue)
    commit_all(glue, "glue estate")
    dbx = new_repo(tmp_path / "dbx")
    assert initialize(dbx, glue, catalog="prod").status == "merged"
    return glue, dbx


def test_the_reconcile_task_follows_the_converted_task_and_merges_week_after_week(estate):
    glue, dbx = estate
    assert "_reconcile" not in (dbx / JOB_FILE).read_text()          # opt-in: nothing without [reconcile]
    write(dbx, ".g2l.toml", (dbx / ".g2l.toml").read_text() + RECONCILE)
    commit_all(dbx, "reconcile the daily risk job")
    result = sync(dbx)
    assert result.status == "merged", result.conflicts
    job = _job(dbx)
    assert [t["task_key"] for t in job["tasks"]] == ["daily_risk_job", "daily_risk_job_reconcile", "risk_data_quality"]
    task = job["tasks"][1]
    assert task["depends_on"] == [{"task_key": "daily_risk_job"}]
    assert task["job_cluster_key"] == "daily_risk_job_cluster"
    assert task["python_wheel_task"]["package_name"] == "glue2lakehouse"
    assert task["python_wheel_task"]["entry_point"] == "g2l-reconcile-task"
    parameters = task["python_wheel_task"]["parameters"]
    assert parameters[:6] == ["--job", "daily-risk-job", "--run-id", "{{job.run_id}}",
                              "--report-table", "prod.g2l.reconcile_runs"]
    # The three tables the Glue job appends to, each with the Unity Catalog table its conversion writes; the
    # scope takes the value the converted task passes for --run_date.
    scope = "run_date = 'latest'"
    assert _tables(task) == [
        {"glue": f"glue.risk_db.{t}", "databricks": f"prod.risk_db.{t}", "keys": ["customer_id"], "where": scope,
         "thresholds": {"expected_loss": "0.01"}}
        for t in ("risk_scores", "risk_summary", "collateral_coverage")]
    converted = (dbx / "jobs/daily_risk_job.py").read_text()
    assert all(f'"prod.risk_db.{t}"' in converted for t in ("risk_scores", "risk_summary", "collateral_coverage"))

    # Week 2: the Databricks team gives the task a timeout and per-run keys of its own; Glue writes a fourth table.
    edit(dbx, JOB_FILE, "        - task_key: daily_risk_job_reconcile\n",
         "        - task_key: daily_risk_job_reconcile\n          timeout_seconds: 1800\n")
    commit_all(dbx, "databricks: reconcile within half an hour")
    edit(glue, "jobs/daily_risk_job.py", 'covered.write.mode("append").saveAsTable("risk_db.collateral_coverage")\n',
         'covered.write.mode("append").saveAsTable("risk_db.collateral_coverage")\n'
         'flag_high_risk(losses).write.mode("append").saveAsTable("risk_db.high_risk")\n')
    commit_all(glue, "glue: high-risk table")
    result = sync(dbx)
    assert result.status == "merged", result.conflicts
    job = _job(dbx)
    task = job["tasks"][1]
    assert task["task_key"] == "daily_risk_job_reconcile" and task["timeout_seconds"] == 1800
    assert [t["glue"] for t in _tables(task)][-1] == "glue.risk_db.high_risk"
    assert sync(dbx).status == "up-to-date"


def test_serverless_jobs_get_the_package_in_their_environment(tmp_path):
    from glue2lakehouse.config import parse_config
    from glue2lakehouse.estate import convert_estate

    root = FIXTURES / "reconcile_estate"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    config = parse_config('[glue]\nsource = "../glue"\n[transform]\ncatalog = "prod"\n[transform.paths]\n'
                          '"s3://risk-out/" = "/Volumes/prod/risk/out/"\n[jobs]\ncompute = "serverless"\n'
                          '[reconcile]\nglue_catalog = "glue"\npackage = "glue2lakehouse==0.1.0"\n'
                          '[reconcile.jobs."jobs/exposure_snapshot.py"]\nkeys = ["exposure_id"]\n'
                          '[reconcile.jobs.exposure_snapshot]\n')
    result = convert_estate(sorted(files), files.__getitem__, config.transform, config.estate)
    path = "resources/exposure_snapshot.job.yml"
    write(tmp_path, path, result.files[path])
    job = _job(tmp_path, path)
    task = job["tasks"][1]
    assert task["environment_key"] == "default" and "libraries" not in task
    assert job["environments"][0]["spec"]["dependencies"] == ["glue2lakehouse==0.1.0"]
    # The S3 sink: Glue's path and the mapped Volume, Parquet on both sides; its partition key is the job's
    # argument, so each run compares its own slice.
    assert _tables(task) == [
        {"glue": "glue.risk_db.exposures", "databricks": "prod.risk_db.exposures", "keys": ["exposure_id"]},
        {"glue": "s3://risk-out/exposures_daily/", "databricks": "/Volumes/prod/risk/out/exposures_daily/",
         "keys": ["exposure_id"], "where": "run_date = '{{job.parameters.run_date}}'", "glue_format": "parquet",
         "databricks_format": "parquet"}]
    messages = [i.message for i in result.issues if i.rule == "estate-reconcile"]
    assert any("no report_table" in m for m in messages)
    assert any("risk_db.exposures is appended to by every run" in m for m in messages)
    assert "[reconcile.jobs.exposure_snapshot] names no Glue job of this repository" in messages[-1]


def test_reconcile_job_on_local_spark_pairs_outputs_as_the_conversion_maps_them(spark, tmp_path):
    glue = tmp_path / "glue"
    shutil.copytree(FIXTURES / "reconcile_estate", glue)
    new_repo(glue)
    commit_all(glue, "glue: exposure snapshot")
    dbx = new_repo(tmp_path / "dbx")
    assert initialize(dbx, glue, catalog="spark_catalog").status == "merged"
    glue_out, dbx_out = tmp_path / "glue-out", tmp_path / "dbx-out"
    config = (dbx / ".g2l.toml").read_text()
    write(dbx, ".g2l.toml", config + f"""
[transform.schemas]
risk_db = "risk_dbx"

[transform.paths]
"s3://risk-out/" = "{dbx_out.as_posix()}/"

[reconcile]
glue_catalog = "spark_catalog"

[reconcile.glue_paths]
"s3://risk-out/" = "{glue_out.as_posix()}/"

[reconcile.jobs.exposure-snapshot]
keys = ["exposure_id"]

[reconcile.jobs.exposure-snapshot.tables."risk_db.exposures"]
where = "run_date = '{{run_date}}'"
""")
    commit_all(dbx, "local reconcile settings")
    assert sync(dbx).status == "merged"
    converted = (dbx / "jobs/exposure_snapshot.py").read_text()
    assert '"spark_catalog.risk_dbx.exposures"' in converted and f"{dbx_out.as_posix()}/exposures_daily/" in converted

    schema = "exposure_id STRING, customer_id STRING, ead DOUBLE, run_date STRING"
    rows = [("E1", "C1", 100.0, "2026-01-30"), ("E2", "C1", 250.0, "2026-01-31"), ("E3", "C2", 75.5, "2026-01-31")]
    spark.sql("CREATE DATABASE IF NOT EXISTS risk_db")
    spark.sql("CREATE DATABASE IF NOT EXISTS risk_dbx")
    spark.createDataFrame(rows, schema).write.mode("overwrite").saveAsTable("risk_db.exposures")
    spark.createDataFrame(rows[1:], schema).write.mode("overwrite").saveAsTable("risk_dbx.exposures")
    spark.createDataFrame(rows[1:], schema).write.mode("overwrite").partitionBy("run_date") \
        .parquet(str(glue_out / "exposures_daily"))
    changed = [rows[1], ("E3", "C2", 80.0, "2026-01-31")]
    spark.createDataFrame(changed, schema).write.mode("overwrite").partitionBy("run_date") \
        .parquet(str(dbx_out / "exposures_daily"))

    result = CliRunner().invoke(app, ["reconcile", "exposure-snapshot", "--repo", str(dbx), "--arg",
                                      "run_date=2026-01-31", "--json"])
    assert result.exit_code == 1, result.output
    tables = json.loads(result.stdout)["tables"]
    assert [(t["glue"], t["databricks"], t["verdict"]) for t in tables] == [
        ("spark_catalog.risk_db.exposures", "spark_catalog.risk_dbx.exposures", "equal"),
        (f"{glue_out.as_posix()}/exposures_daily/", f"{dbx_out.as_posix()}/exposures_daily/", "differs")]
    assert tables[1]["mismatched_columns"]["ead"] == 1 and tables[1]["rows_glue"] == 2
    # The script path names the same job; text output says how the S3 output was scoped.
    result = CliRunner().invoke(app, ["reconcile", "jobs/exposure_snapshot.py", "--repo", str(dbx), "--arg",
                                      "run_date=2026-01-31"])
    assert result.exit_code == 1
    assert "partitioned by run_date: compared for one run's slice, run_date = '{run_date}'" in result.stdout
    # Without the run's date, the scope cannot be filled: one line, exit 2.
    result = CliRunner().invoke(app, ["reconcile", "exposure-snapshot", "--repo", str(dbx)])
    assert result.exit_code == 2 and "needs the job argument 'run_date'" in result.stderr
    result = CliRunner().invoke(app, ["reconcile", "no-such-job", "--repo", str(dbx)])
    assert result.exit_code == 2 and "neither a Glue script of the last sync nor a Glue job name" in result.stderr


def test_an_output_written_to_the_same_place_is_not_compared_with_itself():
    from glue2lakehouse.config import TransformSettings
    from glue2lakehouse.reconcile.pairs import job_outputs, pairs_for
    from glue2lakehouse.reconcile.settings import reconcile_settings

    source = (FIXTURES / "reconcile_estate" / "jobs" / "exposure_snapshot.py").read_text()
    settings = reconcile_settings({"glue_catalog": "glue", "jobs": {"exposure-snapshot": {}}})
    pairs, notes = pairs_for(job_outputs(source), TransformSettings(catalog="prod"), settings, "exposure-snapshot")
    assert [(p.glue, p.databricks) for p in pairs] == [("glue.risk_db.exposures", "prod.risk_db.exposures")]
    assert len(notes) == 1 and "writes s3://risk-out/exposures_daily/ to the same place as Glue" in notes[0]


def test_the_task_appends_each_run_and_the_report_says_how_long_a_job_has_been_equal(spark):
    import datetime

    from glue2lakehouse.reconcile import task
    from glue2lakehouse.reconcile.history import append_report, report_rows

    spark.sql("CREATE DATABASE IF NOT EXISTS recon_report")
    schema = "loan_id INT, ead DOUBLE"
    spark.createDataFrame([(1, 10.0), (2, 20.0)], schema).write.mode("overwrite").saveAsTable("recon_report.glue_ead")
    spark.createDataFrame([(1, 10.0), (2, 20.5)], schema).write.mode("overwrite").saveAsTable("recon_report.dbx_ead")
    spark.sql("DROP TABLE IF EXISTS recon_report.runs")
    pair = json.dumps({"glue": "recon_report.glue_ead", "databricks": "recon_report.dbx_ead", "keys": ["loan_id"]})
    # Earlier runs: the ECL job differed on the 28th, then was equal three days running; the limits job never differed.
    equal = {"glue": "g.t", "databricks": "d.t", "verdict": "equal", "schema": "equal", "rows_glue": 2,
             "rows_databricks": 2, "missing_in_databricks": 0, "missing_in_glue": 0, "mismatched_rows": 0,
             "mismatched_columns": {}, "samples": []}
    history = []
    for day, verdict in ((27, "equal"), (28, "differs"), (29, "equal"), (30, "equal"), (31, "equal")):
        at = datetime.datetime(2026, 1, day, 6, 0)
        history += report_rows("ecl-job", f"r{day}", [{**equal, "glue": "glue.risk.ecl", "verdict": verdict},
                                                     {**equal, "glue": "glue.risk.stage"}], at)
        history += report_rows("limits-job", f"l{day}", [equal], at)
    append_report(spark, "recon_report.runs", history)

    code = task.main(["--job", "ead-job", "--run-id", "77", "--report-table", "recon_report.runs", "--table", pair],
                     spark=spark)
    assert code == 1
    runs = spark.table("recon_report.runs").where("job = 'ead-job'").collect()
    assert [(r["run_id"], r["glue"], r["verdict"], r["mismatched_rows"]) for r in runs] == [
        ("77", "recon_report.glue_ead", "differs", 1)]
    assert json.loads(runs[0]["mismatched_columns"]) == {"ead": 1}
    assert task.main(["--job", "x", "--table", "{not json"], spark=spark) == 2

    result = CliRunner().invoke(app, ["reconcile", "--report", "--report-table", "recon_report.runs", "--json"])
    assert result.exit_code == 0, result.output
    jobs = {j["job"]: j for j in json.loads(result.stdout)["jobs"]}
    assert jobs["ecl-job"]["days_equal_in_a_row"] == 3 and jobs["ecl-job"]["days_with_runs"] == 5
    assert jobs["ecl-job"]["last_difference"] == {"day": "2026-01-28", "tables": ["glue.risk.ecl"]}
    assert jobs["limits-job"]["days_equal_in_a_row"] == 5 and jobs["limits-job"]["last_difference"] is None
    assert jobs["ead-job"]["days_equal_in_a_row"] == 0
    text = CliRunner().invoke(app, ["reconcile", "--report", "--report-table", "recon_report.runs"]).stdout
    assert "ecl-job" in text and "2026-01-28 (glue.risk.ecl)" in text and "never" in text
    missing = CliRunner().invoke(app, ["reconcile", "--report", "--report-table", "recon_report.nope"])
    assert missing.exit_code == 2 and "cannot read the report table recon_report.nope" in missing.stderr
