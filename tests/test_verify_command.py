"""g2l verify from the command line and inside a dual-track repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from glue2lakehouse.sync import initialize
from glue2lakehouse.verify.verify import verify

from .conftest import FIXTURES
from .helpers import commit_all, edit, g2l, git, new_repo

DATA = FIXTURES / "glue_jobs_data"
JOBS = FIXTURES / "glue_jobs"


def test_command_runs_each_side_in_its_own_session(tmp_path):
    result = g2l(tmp_path, "verify", str(JOBS / "resolve_choice_cleanup.py"), "--data",
                 str(DATA / "resolve_choice_cleanup"), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["outputs"][0]["name"] == "risk_db.payments" and report["outputs"][0]["status"] == "match"
    assert "significant digits" in report["tolerance"]


def test_bad_input_is_one_line_and_exit_two(tmp_path):
    job = str(JOBS / "resolve_choice_cleanup.py")
    cases = [
        (["verify", job, "--data", str(tmp_path / "none")], "the data folder"),
        (["verify", job, "--data", str(DATA / "resolve_choice_cleanup"), "--arg", "novalue"], "is not NAME=VALUE"),
        (["verify", job, "--data", "x", "--master", "local", "--remote", "sc://h"], "both given"),
        (["verify", str(tmp_path / "missing.py"), "--data", str(DATA / "resolve_choice_cleanup")], "does not exist"),
    ]
    for args, expect in cases:
        result = g2l(tmp_path, *args)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and expect in result.stderr, result.stderr


def test_missing_java_is_named(tmp_path):
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    result = subprocess.run([sys.executable, "-m", "glue2lakehouse", "verify", str(JOBS / "rdd_enrichment.py"),
                             "--data", str(DATA / "rdd_enrichment")], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "PySpark 4 needs Java 17" in result.stderr


def test_the_job_raising_is_reported_with_its_traceback(spark, tmp_path):
    job = tmp_path / "broken.py"
    job.write_text("from awsglue.context import GlueContext\nraise RuntimeError('boom in the job')\n")
    report = verify(job, DATA / "rdd_enrichment", [], spark=spark)
    assert report.exit_code == 2
    assert report.errors[0]["job"] == "glue" and "boom in the job" in report.errors[0]["traceback"]


def test_inside_a_dual_track_repo_glue_source_is_compared_with_the_repository(spark, tmp_path, monkeypatch):
    glue = new_repo(tmp_path / "glue")
    shutil.copy(JOBS / "studio_catalog_to_catalog.py", glue / "collateral_job.py")
    commit_all(glue)
    dbx = new_repo(tmp_path / "dbx")
    initialize(dbx, glue, catalog="production")
    data = DATA / "studio_catalog_to_catalog"
    args = ["--JOB_NAME", "x"]
    monkeypatch.chdir(dbx)
    assert verify(Path("collateral_job.py"), data, args, spark=spark).exit_code == 0
    # A hand edit on the Databricks side that changes the numbers is caught before the sync branch merges.
    edit(dbx, "collateral_job.py", '.write.mode("append")', '.write.mode("overwrite")')
    commit_all(dbx, "overwrite instead")
    report = verify(dbx / "collateral_job.py", data, args, spark=spark)
    assert report.exit_code == 1, report.render_text()
    assert report.glue_job.endswith("collateral_job.py") and "/glue/" in report.glue_job
    assert git(dbx, "status", "--porcelain") == ""


def test_remote_runs_the_databricks_side_on_spark_connect(tmp_path):
    """A local Spark Connect endpoint stands in for a cluster's: the Databricks job runs there."""
    result = g2l(tmp_path, "verify", str(JOBS / "studio_join_filter.py"), "--data", str(DATA / "studio_join_filter"),
                 "--arg", "JOB_NAME=x", "--remote", "local[2]", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["outputs"][0]["status"] == "match"
