"""Job definitions -> Databricks Asset Bundle jobs.

Data-driven: fixtures/estate/jobs/<case>/{before/, after/, case.toml} (one case per mapping row), run
by one parametrized test; scripts/regen_estate_cases.py rewrites after/ for review. Every generated job
validates with the databricks-bundles typed model (Job.from_dict rejects unknown fields).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.estate import convert_estate
from glue2lakehouse.estate import yamlout
from glue2lakehouse.estate.cases import run_case
from glue2lakehouse.transform import transform_file

from .conftest import FIXTURES
from .helpers import assert_same_files

CASES = sorted(p for p in (FIXTURES / "estate" / "jobs").iterdir() if p.is_dir())
RISK = FIXTURES / "estate" / "risk_engine"
FORMS = ["api", "cloudformation", "terraform"]


def load_yaml(text: str):
    return YAML(typ="safe", pure=True).load(text)


def validate_jobs(files: dict[str, bytes]) -> int:
    """Every resources/*.job.yml through databricks-bundles' Job.from_dict; returns how many jobs."""
    from databricks.bundles.jobs import Job

    count = 0
    for path, data in files.items():
        if path.endswith(".job.yml"):
            document = load_yaml(data.decode())
            assert set(document) == {"resources"} and set(document["resources"]) == {"jobs"}
            for key, job in document["resources"]["jobs"].items():
                assert re.fullmatch(r"[a-z0-9_]+", key)
                Job.from_dict(job)
                count += 1
    return count


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_job_case(case):
    outputs = run_case(case)
    assert_same_files(outputs, case / "after")
    assert validate_jobs(outputs) == sum(1 for p in outputs if p.endswith(".job.yml"))
    # Deterministic, and the YAML is the emitter's fixed point (parse + dump gives the same bytes).
    assert run_case(case) == outputs
    for path, data in outputs.items():
        if path.endswith(".yml"):
            text = data.decode()
            body = "".join(line for line in text.splitlines(True) if not line.startswith("#"))
            assert yamlout.dump(load_yaml(body)) == body


def risk_tree(tmp_path: Path, form: str) -> Path:
    root = tmp_path / form
    shutil.copytree(FIXTURES / "glue_risk_engine", root)
    shutil.copytree(RISK / "common", root, dirs_exist_ok=True)
    shutil.copytree(RISK / form, root, dirs_exist_ok=True)
    return root


def convert_tree(root: Path, transform=TransformSettings(catalog="prod"), estate=EstateSettings()):
    paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return convert_estate(paths, lambda p: (root / p).read_bytes(), transform, estate)


def _without_description(text: str) -> str:
    return "".join(line for line in text.splitlines(True) if not line.lstrip().startswith("description:"))


def test_risk_engine_three_forms_give_the_same_bundle_job(tmp_path):
    jobs = {}
    for form in FORMS:
        result = convert_tree(risk_tree(tmp_path, form))
        assert sorted(p for p in result.files if p.endswith(".job.yml")) == ["resources/risk_engine_daily.job.yml"]
        assert validate_jobs(result.files) == 1
        jobs[form] = _without_description(result.files["resources/risk_engine_daily.job.yml"].decode())
        assert result.bookmarks == {"jobs/daily_risk_job.py": "job-bookmark-disable",
                                    "jobs/data_quality.py": "job-bookmark-enable",
                                    # the modules the daily job imports run under its option
                                    "data_loader.py": "job-bookmark-disable",
                                    "risk_calculations/process_a.py": "job-bookmark-disable",
                                    "risk_calculations/process_b.py": "job-bookmark-disable",
                                    "risk_calculations/process_c.py": "job-bookmark-disable"}
    assert jobs["api"] == jobs["cloudformation"] == jobs["terraform"]


def _parser_names(converted: str) -> list[str]:
    match = re.search(r"= glue_resolved_options\(sys\.argv, (\[.*?\])\)", converted)
    assert match, "the converted script has no argument parser"
    return eval(match.group(1))  # noqa: S307 - a list literal the transformer wrote


def test_risk_engine_tasks_run_the_converted_scripts_with_their_parameters(tmp_path):
    import argparse

    root = risk_tree(tmp_path, "terraform")
    result = convert_tree(root)
    job = load_yaml(result.files["resources/risk_engine_daily.job.yml"].decode())["resources"]["jobs"]["risk_engine_daily"]
    assert job["schedule"] == {"quartz_cron_expression": "0 0 2 ? * MON-FRI", "timezone_id": "UTC",
                               "pause_status": "UNPAUSED"}
    assert [t["task_key"] for t in job["tasks"]] == ["daily_risk_job", "risk_data_quality"]
    assert job["tasks"][1]["depends_on"] == [{"task_key": "daily_risk_job"}]
    clusters = {c["job_cluster_key"]: c["new_cluster"] for c in job["job_clusters"]}
    assert clusters["daily_risk_job_cluster"]["num_workers"] == 9          # 10 G.2X workers, one is the driver
    assert clusters["daily_risk_job_cluster"]["node_type_id"] == "m5.2xlarge"
    assert clusters["daily_risk_job_cluster"]["spark_conf"] == {"spark.sql.shuffle.partitions": "64"}
    assert job["tasks"][0]["libraries"] == [{"pypi": {"package": "scipy==1.11.4"}}]
    assert job["tasks"][0]["max_retries"] == 1 and job["tasks"][0]["timeout_seconds"] == 180 * 60
    for task in job["tasks"]:
        script = (Path(root / "resources") / task["spark_python_task"]["python_file"]).resolve()
        assert script.is_file()
        converted = transform_file(script.read_bytes(), script.relative_to(root.resolve()).as_posix(),
                                   TransformSettings(catalog="prod")).data.decode()
        parser = argparse.ArgumentParser(allow_abbrev=False)
        for name in _parser_names(converted):
            parser.add_argument("--" + name, required=True)
        values = task["spark_python_task"]["parameters"]
        args = vars(parser.parse_known_args(values)[0])     # raises SystemExit if a required one is missing
        assert args["JOB_NAME"] in ("daily-risk-job", "risk-data-quality")
    assert job["tasks"][0]["spark_python_task"]["parameters"] == [
        "--JOB_NAME", "daily-risk-job", "--job-bookmark-option", "job-bookmark-disable", "--run_date", "latest"]
    assert job["tasks"][1]["spark_python_task"]["parameters"][:6] == [
        "--JOB_NAME", "risk-data-quality", "--JOB_RUN_ID", "{{job.run_id}}", "--job-bookmark-option",
        "job-bookmark-enable"]
    assert job["parameters"] == [{"name": "run_date", "default": ""}]
    rules = sorted({i.rule for i in result.issues})
    assert {"estate-argument", "estate-argument-dropped", "estate-connection", "estate-crawler"} <= set(rules)


def test_serverless_and_settings_tables(tmp_path):
    root = risk_tree(tmp_path, "api")
    result = convert_tree(root, estate=EstateSettings(compute="serverless"))
    job = load_yaml(result.files["resources/risk_engine_daily.job.yml"].decode())["resources"]["jobs"]["risk_engine_daily"]
    assert "job_clusters" not in job
    assert job["environments"] == [{"environment_key": "default",
                                    "spec": {"client": "2", "dependencies": ["scipy==1.11.4"]}}]
    assert validate_jobs(result.files) == 1


DEFINITION_NAMES = st.sampled_from(["deploy/job.json", "infra/glue.yaml", "infra/main.tf", "ddl/tables.sql",
                                    "cfn/stack.template"])
GARBAGE = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.sampled_from([b'{"Job": {"Name": 1, "Command": "x", "DefaultArguments": []}}',
                     b'{"Jobs": [null, 3, {"Name": "j", "NumberOfWorkers": "many"}]}',
                     b'{"Triggers": [{"Name": "t", "Type": "SCHEDULED", "Schedule": "cron(* * * * * *)"}]}',
                     b"Resources:\n  J:\n    Type: AWS::Glue::Job\n    Properties: !Ref\n",
                     b"Resources: [AWS::Glue::Job]\n",
                     b'resource "aws_glue_job" "x" { command { script_location = 3 } default_arguments = 7 }\n',
                     b'resource "aws_glue_trigger" "t" { predicate { conditions { job_name = 1 } } }\n',
                     b"CREATE TABLE (\n", b"CREATE EXTERNAL TABLE db.t (a int) LOCATION\n"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(DEFINITION_NAMES, GARBAGE, min_size=1, max_size=3))
def test_bad_definitions_give_findings_never_a_traceback(files):
    result = convert_estate(sorted(files), files.__getitem__, TransformSettings(), EstateSettings())
    for path, data in result.files.items():
        assert path.startswith("resources/") or path.endswith(".sql")
        data.decode("utf-8")
    validate_jobs(result.files)


def test_readme_lists_every_mapping_row():
    from glue2lakehouse.estate.bundle import GLUE_ARGUMENTS, NODE_TYPES, RUNTIMES

    readme = (FIXTURES.parent / "README.md").read_text()
    section = readme[readme.index("## The estate"):readme.index("## Verify")]
    for argument in GLUE_ARGUMENTS:
        assert f"`{argument}`" in section, argument
    for worker, node in NODE_TYPES.items():
        assert f"| {worker} |" in section or f" {worker} |" in section, worker
        assert node in section
    for version, runtime in RUNTIMES.items():
        assert version in section and runtime in section


HELPER = """def load(glueContext):
    return glueContext.create_dynamic_frame.from_catalog(database="sales", table_name="orders",
                                                         transformation_ctx="orders").toDF()
"""
JOB = """import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from lib.helpers import load

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
first = glueContext.create_dynamic_frame.from_catalog(database="sales", table_name="a", transformation_ctx="a")
second = glueContext.create_dynamic_frame.from_catalog(database="sales", table_name="b", transformation_ctx="b")
load(glueContext).write.mode("append").saveAsTable("sales.copy")
job.commit()
"""


@pytest.mark.parametrize("option, per_job, per_helper", [
    ("job-bookmark-enable", 0, 1),       # the job's reads go through its GlueJob; the helper's has no Job in reach
    ("job-bookmark-disable", 0, 0),      # Glue reads everything too: nothing to flag
    (None, 0, 0),                        # no definition: the GlueJob follows the option the run is given
])
def test_bookmark_findings_follow_the_job_definition(tmp_path, option, per_job, per_helper):
    from glue2lakehouse.convert import convert

    source = tmp_path / "glue"
    (source / "jobs").mkdir(parents=True)
    (source / "lib").mkdir()
    (source / "jobs" / "orders.py").write_text(JOB)
    (source / "lib" / "helpers.py").write_text(HELPER)
    if option:
        arguments = {"--job-bookmark-option": option}
        (source / "job.json").write_text(json.dumps({"Job": {"Name": "orders", "Command": {
            "ScriptLocation": "s3://b/jobs/orders.py"}, "DefaultArguments": arguments}}))
    report, _ = convert(source, tmp_path / "out", TransformSettings())
    bookmark = [f["file"] for f in report.findings if f["rule"] == "bookmark"]
    assert bookmark.count("jobs/orders.py") == per_job
    assert bookmark.count("lib/helpers.py") == per_helper
    job = (tmp_path / "out" / "jobs" / "orders.py").read_text()
    assert job.count("# G2L-REVIEW: job bookmarks") == per_job
    assert 'first = job.bookmarked_table("a", "main.sales.a")' in job and "job.commit()" in job
    helper = (tmp_path / "out" / "lib" / "helpers.py").read_text()
    assert helper.count("# G2L-REVIEW: job bookmarks") == per_helper


def test_review_lines_say_what_changed_in_words(tmp_path):
    from glue2lakehouse.estate.review import describe

    root = risk_tree(tmp_path, "api")
    before = convert_tree(root).files["resources/risk_engine_daily.job.yml"].decode()
    jobs = json.loads((root / "definitions/jobs.json").read_text())
    jobs["Jobs"][0]["NumberOfWorkers"] = 20
    jobs["Jobs"][0]["DefaultArguments"]["--run_date"] = "yesterday"
    del jobs["Jobs"][0]["DefaultArguments"]["--conf"]
    (root / "definitions/jobs.json").write_text(json.dumps(jobs))
    after = convert_tree(root).files["resources/risk_engine_daily.job.yml"].decode()
    path = "resources/risk_engine_daily.job.yml"
    assert describe(path, before, after) == [
        f"{path}: task daily_risk_job argument --run_date 'latest' -> 'yesterday'",
        f"{path}: cluster daily_risk_job_cluster num_workers 9 -> 19",
        f"{path}: cluster daily_risk_job_cluster spark_conf {{'spark.sql.shuffle.partitions': '64'}} -> None",
    ]
    assert describe(path, None, after) == [f"{path}: new job risk_engine_daily, schedule 0 0 2 ? * MON-FRI UTC"]
    assert describe(path, after, None) == [f"{path}: job risk_engine_daily removed"]
    assert describe(path, "{not: [yaml", after)[0].startswith(f"{path}: new job")
