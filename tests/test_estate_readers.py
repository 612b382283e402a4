"""The readers of hand-kept estate files: key spellings, workflow documents, job configs."""

from __future__ import annotations

import json

import pytest

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.estate import convert_estate
from glue2lakehouse.estate.discover import kind_of
from glue2lakehouse.estate.readers.keys import pascal
from glue2lakehouse.estate.readers.job_config import parse as parse_job_config

from .conftest import FIXTURES

SAMPLE = FIXTURES / "estate" / "jobs" / "risk_platform" / "before"
WORKFLOW = "workflows/daily_risk_workflow.json"


def _convert(files: dict[str, bytes]):
    return convert_estate(sorted(files), files.__getitem__, TransformSettings(catalog="prod"), EstateSettings())


def _sample() -> dict[str, bytes]:
    return {p.relative_to(SAMPLE).as_posix(): p.read_bytes() for p in SAMPLE.rglob("*") if p.is_file()}


def test_pascal_respells_field_names_and_keeps_the_users_keys():
    data = {"name": "j", "defaultArguments": {"--source_path": "s3://x/", "--enable-metrics": "true"},
            "targets": {"s3Targets": [{"path": "s3://p/"}]}, "tags": {"costCenter": "cc-1"},
            "dependsOn": [{"jobName": "a", "state": "SUCCEEDED"}]}
    assert pascal(data) == {"Name": "j", "DefaultArguments": {"--source_path": "s3://x/", "--enable-metrics": "true"},
                            "Targets": {"S3Targets": [{"Path": "s3://p/"}]}, "Tags": {"costCenter": "cc-1"},
                            "DependsOn": [{"JobName": "a", "State": "SUCCEEDED"}]}


def test_a_workflow_document_in_pascal_case_gives_the_same_bundle():
    files = _sample()
    camel = _convert(files)
    files[WORKFLOW] = json.dumps(pascal(json.loads(files[WORKFLOW])), indent=2).encode()
    assert b'"DependsOn"' in files[WORKFLOW] and b'"dependsOn"' not in files[WORKFLOW]
    pascal_case = _convert(files)
    assert kind_of(WORKFLOW, files[WORKFLOW]) == "workflow"
    assert camel.files == pascal_case.files


@pytest.mark.parametrize("text, kind", [
    ('{"jobs": [{"name": "a", "script": "s3://b/a.py"}]}', "workflow"),
    ('{"Jobs": [{"Name": "a", "Command": {"ScriptLocation": "s3://b/a.py"}}]}', "api"),
    ('{"jobs": [{"name": "a", "command": {"scriptLocation": "s3://b/a.py"}}]}', "api"),
    ('{"job": {"name": "a", "command": {"name": "glueetl", "scriptLocation": "s3://b/a.py"}}}', "api"),
    ('{"jobs": ["not", "a", "definition"]}', None),
])
def test_discovery_tells_workflow_documents_from_api_json(text, kind):
    assert kind_of("deploy/x.json", text.encode()) == kind


def test_job_config_keys_without_a_clear_meaning_are_one_finding():
    text = (SAMPLE / "config/job_config.yaml").read_text() + "notifications:\n  email: risk@acme.example\n"
    config = parse_job_config(text, "config/job_config.yaml")
    assert list(config.environments) == ["dev", "staging", "production"]
    assert config.unclear == ["notifications"]
    files = _sample()
    files["config/job_config.yaml"] = text.encode()
    issues = [i for i in _convert(files).issues if "meaning is not clear" in i.message]
    assert len(issues) == 1 and "notifications" in issues[0].message


def test_a_broken_job_config_is_a_finding_and_nothing_else_changes():
    files = _sample()
    good = _convert(files)
    files["config/job_config.yaml"] = b"environments:\n  dev: {raw_database: [unclosed\n"
    broken = _convert(files)
    assert "resources/glue_targets.yml" not in broken.files
    assert broken.files["resources/daily_risk_workflow.job.yml"] != good.files["resources/daily_risk_workflow.job.yml"]
    assert any(i.rule == "estate-parse" and i.path == "config/job_config.yaml" for i in broken.issues) or \
        kind_of("config/job_config.yaml", files["config/job_config.yaml"]) is None
