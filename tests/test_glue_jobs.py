"""Whole Glue jobs and helper modules (fixtures/glue_jobs/) through the transformer."""

from __future__ import annotations

import ast

import pytest

from glue2lakehouse.config import transform_settings
from glue2lakehouse.transform import transform_file
from glue2lakehouse.transform.context import REVIEW_PREFIX

from .conftest import FIXTURES

JOBS = FIXTURES / "glue_jobs"
EXPECTED = FIXTURES / "glue_jobs_expected"
FILES = sorted(p for p in JOBS.rglob("*.py") if "__pycache__" not in p.parts)
SETTINGS = transform_settings({"catalog": "prod"})


def _run(path):
    return transform_file(path.read_bytes(), path.relative_to(JOBS).as_posix(), SETTINGS)


def test_there_are_at_least_twenty_jobs_and_helpers():
    assert len([p for p in FILES if p.read_text().strip()]) >= 20


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(JOBS).as_posix() for p in FILES])
def test_job_converts_as_expected(path):
    result = _run(path)
    assert result.data == (EXPECTED / path.relative_to(JOBS)).read_bytes()
    rules = {f.rule for f in result.findings}
    if "syntax-error" in rules:
        assert result.data == path.read_bytes()
        return
    tree = ast.parse(result.data)  # the output parses
    glue_imports = [node for node in ast.walk(tree)
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    and any((getattr(node, "module", None) or alias.name).startswith("awsglue") for alias in node.names)]
    assert not glue_imports or result.findings, "awsglue imported although nothing was left for review"
    text = result.data.decode()
    review_lines = {line.strip() for line in text.splitlines() if line.strip().startswith(REVIEW_PREFIX)}
    for finding in result.findings:
        assert REVIEW_PREFIX + finding.message in review_lines, finding
    # Deterministic and idempotent.
    assert _run(path).data == result.data
    assert transform_file(result.data, path.name, SETTINGS).data == result.data


def test_share_of_call_sites_converted_without_review():
    sites = clean = 0
    for path in FILES:
        result = _run(path)
        sites += result.sites
        clean += result.clean_sites
    assert sites >= 90
    assert clean / sites >= 0.8, f"{clean}/{sites}"
