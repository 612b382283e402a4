"""Data-driven merge cases: fixtures/merge/<case>/{base,ours,theirs,expected}[, case.toml]."""

from __future__ import annotations

import subprocess
import sys

import pytest

from glue2lakehouse.config import load_toml_text
from glue2lakehouse.markers import find_regions
from glue2lakehouse.merge.core import merge

from .conftest import FIXTURES

CASES = sorted(p for p in (FIXTURES / "merge").iterdir() if p.is_dir())


def _options(case):
    path = case / "case.toml"
    return load_toml_text(path.read_text()) if path.exists() else {}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_merge_case(case):
    base, ours, theirs, expected = ((case / name).read_bytes() for name in ("base", "ours", "theirs", "expected"))
    options = _options(case)
    outcome = merge(
        base, ours, theirs,
        protected_overlap=options.get("protected_overlap", "conflict"),
        favor_theirs=options.get("favor_theirs", False),
    )
    assert outcome.data == expected
    assert len(outcome.conflicts) == options.get("conflicts", 0)
    if "overlaps" in options:
        assert len(outcome.overlaps) == options["overlaps"]
    if "reasons" in options:
        assert [c.reason for c in outcome.conflicts] == options["reasons"]
    # Every protected region of the Databricks side is in the result byte for byte.
    ours_lines = ours.splitlines(keepends=True)
    for region in find_regions(ours):
        assert b"".join(ours_lines[region.start - 1 : region.end]) in outcome.data


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_merge_case_through_driver(case, tmp_path):
    """The git merge-driver entry writes the same bytes to %A and exits 0 or 1 as git expects."""
    options = _options(case)
    paths = {}
    for name in ("base", "ours", "theirs"):
        paths[name] = tmp_path / name
        paths[name].write_bytes((case / name).read_bytes())
    args = [sys.executable, "-m", "glue2lakehouse.merge.driver", "protected",
            "--overlap", options.get("protected_overlap", "conflict")]
    if options.get("favor_theirs"):
        args.append("--favor-theirs")
    args += [str(paths["base"]), str(paths["ours"]), str(paths["theirs"]), "file.py", "7"]
    result = subprocess.run(args, cwd=tmp_path, capture_output=True)
    assert result.returncode == (1 if options.get("conflicts", 0) else 0), result.stderr
    assert paths["ours"].read_bytes() == (case / "expected").read_bytes()
