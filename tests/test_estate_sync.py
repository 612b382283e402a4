"""The estate through the weekly sync, on real repositories: the Databricks team edits the generated bundle
job, the Glue team edits the job definition; g2l sync merges both; the same key on both sides conflicts."""

from __future__ import annotations

import shutil

import pytest
from ruamel.yaml import YAML

from glue2lakehouse.sync import initialize, sync

from .conftest import FIXTURES
from .helpers import commit_all, edit, git, g2l, new_repo, write

JOB_FILE = "resources/risk_engine_daily.job.yml"
PROCESS_D_TASK = """        - task_key: process_d
          depends_on:
            - task_key: risk_data_quality
          existing_cluster_id: "0123-456789-process-d"
          spark_python_task:
            python_file: "../risk_calculations/process_d.py"
"""
PROCESS_D_JOB = """resources:
  jobs:
    process_d_backfill:
      name: process-d-backfill
      tasks:
        - task_key: backfill
          existing_cluster_id: "0123-456789-process-d"
          spark_python_task:
            python_file: "../risk_calculations/process_d.py"
"""


def _job(repo, path=JOB_FILE):
    from databricks.bundles.jobs import Job

    document = YAML(typ="safe", pure=True).load((repo / path).read_text())
    (key, job), = document["resources"]["jobs"].items()
    Job.from_dict(job)          # still a valid bundle job after the merge
    return job


@pytest.fixture
def estate(tmp_path):
    glue = tmp_path / "glue"
    shutil.copytree(FIXTURES / "glue_risk_engine", glue)
    shutil.copytree(FIXTURES / "estate" / "risk_engine" / "common", glue, dirs_exist_ok=True)
    shutil.copytree(FIXTURES / "estate" / "risk_engine" / "terraform", glue, dirs_exist_ok=True)
    new_repo(glue)
    commit_all(glue, "glue estate")
    dbx = new_repo(tmp_path / "dbx")
    result = initialize(dbx, glue, catalog="prod")
    assert result.status == "merged"
    return glue, dbx


def test_init_writes_the_bundle_and_its_root(estate):
    glue, dbx = estate
    assert git(dbx, "status", "--porcelain") == ""
    job = _job(dbx)
    assert [t["task_key"] for t in job["tasks"]] == ["daily_risk_job", "risk_data_quality"]
    root = (dbx / "databricks.yml").read_text()
    assert "include:\n  - \"resources/*.yml\"" in root and "prod:" in root and "dev:" in root
    assert "databricks.yml" not in git(dbx, "ls-tree", "-r", "--name-only", "glue-upstream")
    assert JOB_FILE in git(dbx, "ls-tree", "-r", "--name-only", "glue-upstream")
    # data_quality's bookmarked reads go through its GlueJob, which the bundle task tells to enable bookmarks.
    quality = (dbx / "jobs/data_quality.py").read_text()
    assert quality.count("job.bookmarked_table(") == 2 and "G2L-REVIEW: job bookmarks" not in quality
    assert "job-bookmark-enable" in (dbx / "resources/risk_engine_daily.job.yml").read_text()
    ddl = (dbx / "ddl/risk_db.sql").read_text()
    assert "CREATE TABLE IF NOT EXISTS prod.risk_db.customers (" in ddl and "USING DELTA" in ddl
    listed = g2l(dbx, "conflicts")
    assert "estate-crawler" in listed.stdout
    # what needs no action is no finding in the default view, and kept in the detail
    assert "estate-argument-dropped" not in listed.stdout and "ddl-partitions" not in listed.stdout
    detail = g2l(dbx, "conflicts", "--all")
    assert "estate-argument-dropped" in detail.stdout and "ddl-partitions" in detail.stdout


def test_databricks_edits_and_glue_changes_both_land(estate):
    glue, dbx = estate
    # Databricks: a bigger node type, an extra task, a Databricks-only job.
    edit(dbx, JOB_FILE, "node_type_id: m5.2xlarge", "node_type_id: r5.4xlarge")
    text = (dbx / JOB_FILE).read_text()
    write(dbx, JOB_FILE, text + PROCESS_D_TASK)
    write(dbx, "resources/process_d_backfill.job.yml", PROCESS_D_JOB)
    write(dbx, "risk_calculations/process_d.py", "print('process d')\n")
    commit_all(dbx, "databricks: bigger nodes, process D")
    # Glue: a new argument and a new schedule.
    edit(glue, "infra/glue.tf", '"--run_date"                         = "latest"',
         '"--run_date"                         = "latest"\n    "--risk_threshold"                   = "0.7"')
    edit(glue, "infra/glue.tf", 'schedule      = "cron(0 2 ? * MON-FRI *)"', 'schedule      = "cron(30 3 ? * MON-SAT *)"')
    commit_all(glue, "glue: threshold argument, later schedule")

    result = sync(dbx)
    assert result.status == "merged", result.conflicts
    job = _job(dbx)
    assert job["schedule"]["quartz_cron_expression"] == "0 30 3 ? * MON-SAT"
    clusters = {c["job_cluster_key"]: c["new_cluster"] for c in job["job_clusters"]}
    assert clusters["daily_risk_job_cluster"]["node_type_id"] == "r5.4xlarge"
    assert [t["task_key"] for t in job["tasks"]] == ["daily_risk_job", "risk_data_quality", "process_d"]
    assert job["tasks"][0]["spark_python_task"]["parameters"] == [
        "--JOB_NAME", "daily-risk-job", "--job-bookmark-option", "job-bookmark-disable", "--risk_threshold", "0.7",
        "--run_date", "latest"]
    assert (dbx / "resources/process_d_backfill.job.yml").read_text() == PROCESS_D_JOB
    message = git(dbx, "log", "-1", "--format=%B")
    assert "Glue job changes (bundle resources):" in message
    assert (f"{JOB_FILE}: schedule 0 0 2 ? * MON-FRI UTC -> 0 30 3 ? * MON-SAT UTC" in message)
    assert f"{JOB_FILE}: task daily_risk_job argument --risk_threshold = '0.7' added" in message
    assert git(dbx, "status", "--porcelain") == ""
    # The Glue side of the merge holds exactly Glue's version: the snapshot is still the generated file.
    upstream = git(dbx, "show", f"glue-upstream:{JOB_FILE}")
    assert "r5.4xlarge" not in upstream and "0 30 3 ? * MON-SAT" in upstream
    assert sync(dbx).status == "up-to-date"


def test_a_change_of_the_same_key_on_both_sides_is_a_normal_conflict(estate):
    glue, dbx = estate
    edit(dbx, JOB_FILE, '"0 0 2 ? * MON-FRI"', '"0 0 1 ? * MON-FRI"')
    commit_all(dbx, "databricks: earlier")
    edit(glue, "infra/glue.tf", 'schedule      = "cron(0 2 ? * MON-FRI *)"', 'schedule      = "cron(0 4 ? * MON-FRI *)"')
    commit_all(glue, "glue: later")
    result = sync(dbx)
    assert result.status == "conflicts" and result.exit_code == 1
    assert [c["file"] for c in result.conflicts] == [JOB_FILE]
    text = (dbx / JOB_FILE).read_text()
    assert '<<<<<<< HEAD\n        quartz_cron_expression: "0 0 1 ? * MON-FRI"\n' in text
    assert '=======\n        quartz_cron_expression: "0 0 4 ? * MON-FRI"\n>>>>>>> ' in text
    assert JOB_FILE in git(dbx, "diff", "--name-only", "--diff-filter=U")


def test_glue_removing_a_job_removes_its_generated_file(estate):
    glue, dbx = estate
    shutil.rmtree(glue / "infra")
    commit_all(glue, "glue: definitions moved elsewhere")
    result = sync(dbx)
    assert result.status == "merged"
    assert not (dbx / JOB_FILE).exists()
    assert (dbx / "databricks.yml").exists()      # the Databricks team's file


def test_settings_tables_apply_at_the_next_sync_and_bad_definitions_only_give_findings(estate):
    glue, dbx = estate
    config = (dbx / ".g2l.toml").read_text()
    write(dbx, ".g2l.toml", config + '\n[jobs]\ncompute = "serverless"\n\n[ddl]\ntables = "external"\n')
    commit_all(dbx, "serverless jobs, external tables")
    write(glue, "deploy/broken.json", '{"Job": {"Name": "x", "Command": {')
    write(glue, "deploy/broken.yaml", "Resources:\n  J:\n    Type: AWS::Glue::Job\n    Properties: [\n")
    write(glue, "infra/broken.tf", 'resource "aws_glue_job" "x" {\n')
    commit_all(glue, "glue: some broken files")
    result = sync(dbx)
    assert result.status == "merged", result.conflicts
    job = _job(dbx)
    assert "job_clusters" not in job and job["environments"][0]["environment_key"] == "default"
    assert "USING PARQUET" in (dbx / "ddl/risk_db.sql").read_text()
    assert {f["file"] for f in result.findings if f["rule"] == "estate-parse"} == {
        "deploy/broken.json", "deploy/broken.yaml", "infra/broken.tf"}


@pytest.mark.parametrize("table, message", [
    ('[jobs]\ncompute = "gpu"\n', "[jobs] compute = 'gpu' is not known"),
    ('[ddl]\ntables = "iceberg"\n', "[ddl] tables = 'iceberg' is not known"),
    ('[jobs.node_types]\n"G.1X" = 4\n', "[jobs.node_types] must map strings to strings"),
    ('[jobs]\nbundle = "x"\n', "unknown key 'bundle' in [jobs]"),
    ('[jobs]\nspark_version = "12.2.x-scala2.12"\n', "[jobs] spark_version: '12.2.x-scala2.12' is not a supported LTS"),
    ('[jobs.runtimes]\n"4.0" = "13.3.x-scala2.12"\n', "[jobs.runtimes] '4.0': '13.3.x-scala2.12' is not a supported"),
    ('[jobs]\nspark_version = "latest"\n', "'latest' is not a Databricks runtime version"),
])
def test_bad_estate_settings_are_one_line_errors(table, message):
    from glue2lakehouse.config import parse_config
    from glue2lakehouse.errors import G2LError

    with pytest.raises(G2LError) as error:
        parse_config('[glue]\nsource = "../glue"\n' + table)
    assert message in str(error.value)


def test_estate_settings_round_trip():
    from glue2lakehouse.config import Config, EstateSettings, parse_config, render_config

    config = Config(glue_source="../glue", estate=EstateSettings(compute="serverless", node_types={"G.1X": "i3.xlarge"},
                                                                 runtimes={"4.0": "17.3.x-scala2.13"}, spark_version="15.4.x-scala2.12",
                                                                 tables="external"))
    assert parse_config(render_config(config)) == config
    assert "[jobs]" not in render_config(Config(glue_source="../glue"))
