"""The risk platform sample estate (fixtures/estate/jobs/risk_platform/before): scripts, DDL, crawlers, a job
config and a hand-kept workflow document, through g2l init and a weekly sync on real repositories."""

from __future__ import annotations

import re
import shutil

import pytest
from ruamel.yaml import YAML

from glue2lakehouse.review.actions import breakdown, group
from glue2lakehouse.sync import initialize, sync

from .conftest import FIXTURES
from .helpers import commit_all, edit, g2l, git, new_repo

SAMPLE = FIXTURES / "estate" / "jobs" / "risk_platform" / "before"
JOB_FILE = "resources/daily_risk_workflow.job.yml"
WORKFLOW = "workflows/daily_risk_workflow.json"


def _load(path):
    return YAML(typ="safe", pure=True).load(path.read_text())


def _job(repo):
    from databricks.bundles.jobs import Job

    (key, job), = _load(repo / JOB_FILE)["resources"]["jobs"].items()
    Job.from_dict(job)
    return job


@pytest.fixture
def platform(tmp_path):
    glue = tmp_path / "glue"
    shutil.copytree(SAMPLE, glue)
    new_repo(glue)
    commit_all(glue, "risk platform")
    dbx = new_repo(tmp_path / "dbx")
    result = initialize(dbx, glue, catalog="prod")
    assert result.status == "merged"
    return glue, dbx, result


def test_init_gives_one_bundle_job_with_a_task_per_glue_job(platform):
    glue, dbx, _ = platform
    job = _job(dbx)
    assert job["name"] == "daily-risk-workflow"
    assert job["schedule"] == {"quartz_cron_expression": "0 30 1 ? * MON-FRI", "timezone_id": "UTC",
                               "pause_status": "UNPAUSED"}
    deps = {t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])] for t in job["tasks"]}
    # the crawler between load_positions and calculate_exposures is dropped, the order kept
    assert deps == {"load_market_data": [], "load_positions": [],
                    "calculate_exposures": ["load_market_data", "load_positions"],
                    "publish_risk_report": ["calculate_exposures"]}
    files = {t["task_key"]: t["spark_python_task"]["python_file"] for t in job["tasks"]}
    assert files["calculate_exposures"] == "../transforms/calculate_exposures.py"
    for path in files.values():
        assert (dbx / "resources" / path).resolve().is_file()
    # no generated job names an unsupported runtime
    for cluster in job["job_clusters"]:
        assert cluster["new_cluster"]["spark_version"] == "16.4.x-scala2.12"
    # the converted Studio job no longer needs awsgluedq
    assert "awsgluedq" not in (dbx / "etl/publish_risk_report.py").read_text()


def test_bookmarks_and_environments(platform):
    glue, dbx, _ = platform
    from glue2lakehouse.estate import convert_estate
    from glue2lakehouse.config import EstateSettings, TransformSettings

    paths = sorted(p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*") if p.is_file())
    result = convert_estate(paths, lambda p: (SAMPLE / p).read_bytes(), TransformSettings(), EstateSettings())
    # jobBookmark: ENABLE is the job's --job-bookmark-option, for the script and the modules it imports
    assert result.bookmarks["etl/load_positions.py"] == "job-bookmark-enable"
    assert result.bookmarks["transforms/calculate_exposures.py"] == "job-bookmark-disable"
    targets = _load(dbx / "resources/glue_targets.yml")["targets"]
    assert list(targets) == ["dev", "staging", "production"]
    assert targets["staging"]["variables"] == {"curated_database": "risk_curated_stg", "raw_database": "risk_raw_stg",
                                               "s3_prefix": "s3://acme-risk-staging"}
    clusters = targets["staging"]["resources"]["jobs"]["daily_risk_workflow"]["job_clusters"]
    assert {c["new_cluster"]["num_workers"] for c in clusters} == {4}      # 5 workers, one the driver
    declared = _load(dbx / "resources/glue_variables.yml")["variables"]
    used = set(re.findall(r"\$\{var\.(\w+)\}", (dbx / JOB_FILE).read_text()))
    assert used <= set(declared) and declared["s3_prefix"]["default"] == "s3://acme-risk"
    # every target's job cluster override names a job cluster of the job
    cluster_keys = {c["job_cluster_key"] for c in _job(dbx)["job_clusters"]}
    for target in targets.values():
        for job in target["resources"]["jobs"].values():
            assert {c["job_cluster_key"] for c in job["job_clusters"]} <= cluster_keys


def test_findings_each_name_an_action_and_none_repeats_per_table(platform):
    glue, dbx, result = platform
    actions = group(result.findings)
    # the bookmarked job's reads are converted to incremental reads: no bookmark action is left
    assert breakdown(actions) == {"ddl-table": 1, "estate-config": 2, "estate-connection": 1,
                                  "estate-crawler": 2, "estate-field": 1}
    assert len(actions) == 7 < len(result.findings)
    tables = next(a for a in actions if a.rule == "ddl-table")
    assert len(tables.items) == 7 and tables.action.startswith("load the existing data of these tables once")
    listed = g2l(dbx, "conflicts")
    assert "7 action(s) from the last snapshot's" in listed.stdout
    assert "Glue table properties dropped" not in listed.stdout
    assert "Glue table properties dropped" in g2l(dbx, "conflicts", "--all").stdout


def test_a_weekly_glue_change_to_the_workflow_document_merges_like_code(platform):
    glue, dbx, _ = platform
    # Databricks: a bigger node for the exposure calculation, an alert on failure.
    edit(dbx, JOB_FILE, "node_type_id: m5.2xlarge", "node_type_id: r5.4xlarge")
    edit(dbx, JOB_FILE, "      schedule:\n", "      email_notifications:\n        on_failure:\n"
                                              "          - risk-oncall@acme.example\n      schedule:\n")
    commit_all(dbx, "databricks: bigger exposure nodes, failure alert")
    # Glue: one more job after the report, and more workers for the market data load.
    edit(glue, WORKFLOW, '"numberOfWorkers": 5,', '"numberOfWorkers": 8,')
    edit(glue, WORKFLOW, '''  ],
  "crawlers": [''', '''    ,{
      "name": "archive_risk_report",
      "script": "s3://acme-risk-glue-scripts/etl/archive_risk_report.py",
      "glueVersion": "4.0",
      "workerType": "G.1X",
      "numberOfWorkers": 2,
      "jobBookmark": "DISABLE",
      "dependsOn": [{"jobName": "publish_risk_report", "state": "SUCCEEDED"}]
    }
  ],
  "crawlers": [''')
    (glue / "etl/archive_risk_report.py").write_text(
        "from awsglue.context import GlueContext\nfrom pyspark.context import SparkContext\n\n"
        "glueContext = GlueContext(SparkContext.getOrCreate())\n"
        "glueContext.spark_session.table(\"risk_reporting.risk_report\").write.mode(\"append\")"
        ".saveAsTable(\"risk_reporting.risk_report_archive\")\n")
    commit_all(glue, "glue: archive job, more market data workers")

    result = sync(dbx)
    assert result.status == "merged", result.conflicts
    job = _job(dbx)
    clusters = {c["job_cluster_key"]: c["new_cluster"] for c in job["job_clusters"]}
    assert clusters["load_market_data_cluster"]["num_workers"] == 7
    assert clusters["calculate_exposures_cluster"]["node_type_id"] == "r5.4xlarge"
    assert job["email_notifications"] == {"on_failure": ["risk-oncall@acme.example"]}
    archive = next(t for t in job["tasks"] if t["task_key"] == "archive_risk_report")
    assert archive["depends_on"] == [{"task_key": "publish_risk_report"}]
    assert git(dbx, "status", "--porcelain") == ""
