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


def test_command_verifies_a_folder_with_no_data_and_prints_the_json_format(tmp_path):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    shutil.copy(FIXTURES / "verify" / "done_when" / "large_trades.py", jobs / "large_trades.py")
    shutil.copy(JOBS / "jdbc_incremental_bookmarks.py", jobs / "jdbc_incremental_bookmarks.py")
    (jobs / "README.md").write_text("not a job\n")
    result = g2l(tmp_path, "verify", "jobs", "--json", "--seed", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["jobs"]
    by_job = {job["job"]: job for job in report["jobs"]}
    assert set(by_job) == {"jobs/large_trades.py", "jobs/jdbc_incremental_bookmarks.py"}
    equal = by_job["jobs/large_trades.py"]
    assert list(equal) == ["job", "verdict", "outputs"] and equal["verdict"] == "equal"
    [output] = equal["outputs"]
    assert output["output"] == "risk_db.large_trades" and output["rows_glue"] == output["rows_databricks"] > 0
    skipped = by_job["jobs/jdbc_incremental_bookmarks.py"]
    assert skipped["verdict"] == "not verified" and skipped["reason"] == (
        "reads JDBC (mysql) through a Glue connection: the converted job takes its credentials from a secret scope; "
        "not emulated")
    assert "[2/2]" in result.stderr   # progress, one line per job


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
    [job] = json.loads(result.stdout)["jobs"]
    assert job["verdict"] == "equal" and job["outputs"][0]["equal"]


def test_changed_verifies_what_the_last_sync_touched_and_reads_intended_differences(spark, tmp_path):
    from glue2lakehouse.verify.changed import verify_changed

    glue = new_repo(tmp_path / "glue")
    shutil.copy(FIXTURES / "verify" / "done_when" / "large_trades.py", glue / "large_trades.py")
    shutil.copy(JOBS / "jdbc_postgres_extract.py", glue / "extract.py")
    commit_all(glue)
    dbx = new_repo(tmp_path / "dbx")
    initialize(dbx, glue, catalog="production")
    report = verify_changed(None, spark=spark, start=dbx)
    # the JDBC job too: its source table is generated into the run's in-memory Derby database
    assert {(j.job, j.verdict) for j in report.jobs} == {("large_trades.py", "equal"), ("extract.py", "equal")}
    # A Databricks edit that changes the result shows as a difference, with its example...
    edit(dbx, "large_trades.py", '.filter(F.col("`notional`") > 100)', '.filter(F.col("`notional`") >= 100)')
    commit_all(dbx, "large trades from 100 on")
    report = verify_changed(None, spark=spark, start=dbx)
    trades = next(j for j in report.jobs if j.job == "large_trades.py")
    assert trades.verdict == "differs" and trades.example is not None, report.render_text()
    assert report.exit_code == 1
    # ... and, once the team records it as intended, as "differs as intended".
    config = (dbx / ".g2l.toml").read_text()
    (dbx / ".g2l.toml").write_text(config + '\n[[verify.intended]]\njob = "large_trades.py"\n'
                                   'output = "risk_db.large_trades"\nreason = "the desk counts 100 as large"\n')
    report = verify_changed(None, spark=spark, start=dbx)
    trades = next(j for j in report.jobs if j.job == "large_trades.py")
    assert trades.verdict == "differs as intended" and trades.reason == "the desk counts 100 as large"
    assert report.exit_code == 0
    assert git(dbx, "status", "--porcelain").strip() == "M .g2l.toml"


def test_sync_verify_puts_a_verified_section_in_the_body_and_the_report_shows_it(spark, tmp_path):
    from glue2lakehouse.review.collect import report as sync_report
    from glue2lakehouse.gitrepo import GitRepo
    from glue2lakehouse.sync import sync
    from glue2lakehouse.verify.sync_verify import verifier

    glue = new_repo(tmp_path / "glue")
    shutil.copy(FIXTURES / "verify" / "done_when" / "large_trades.py", glue / "large_trades.py")
    commit_all(glue)
    dbx = new_repo(tmp_path / "dbx")
    initialize(dbx, glue, catalog="production")
    # The Databricks team drops a column; Glue then raises its threshold.
    edit(dbx, "large_trades.py", ', F.col("`rating`")', "")
    commit_all(dbx, "rating is not needed downstream")
    edit(glue, "large_trades.py", 'row["notional"] > 100', 'row["notional"] > 200')
    commit_all(glue, "large means over 200")
    body = tmp_path / "body.md"
    result = sync(dbx, pr_body=body, verify=verifier(spark=spark))
    assert result.status == "merged", result.render_text()
    [job] = result.verified
    assert job["job"] == "large_trades.py" and job["verdict"] == "differs" and "rating" in job["reason"]
    # One merge commit, made after verification: its message carries the verdict and the example.
    message = git(dbx, "log", "-1", "--format=%B")
    assert git(dbx, "rev-list", "--count", "--merges", "HEAD").strip() == "1"   # this sync's, nothing amended
    assert len(git(dbx, "log", "-1", "--format=%P").split()) == 2
    assert "  large_trades.py: differs: risk_db.large_trades: column missing: rating" in message
    assert "Smallest example found" in message and message.index("Verified") < message.index("Glue-Commit:")
    text = body.read_text()
    assert "## Verified" in text and "- `large_trades.py`: **differs**: risk_db.large_trades: column missing: rating" in text
    assert "Smallest example found" in text
    assert sync_report(GitRepo(dbx)).markdown().rstrip("\n") == text.rstrip("\n")
