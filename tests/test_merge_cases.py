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


def _driver(tmp_path, base: bytes, ours: bytes, theirs: bytes, *extra: str):
    paths = {}
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    args = [sys.executable, "-m", "glue2lakehouse.merge.driver", *extra,
            str(paths["base"]), str(paths["ours"]), str(paths["theirs"]), "file.py", "7"]
    result = subprocess.run(args, cwd=tmp_path, capture_output=True)
    return result.returncode, paths["ours"].read_bytes()


def test_driver_falls_back_to_git_line_merge_on_bad_markers(tmp_path):
    base = b"a\nb\nc\n"
    ours = b"a\n# PROTECTED: START - DO NOT OVERWRITE\nB1\nc\n"  # START without END
    theirs = b"a\nB2\nc\n"
    code, merged = _driver(tmp_path, base, ours, theirs, "protected")
    expected_dir = tmp_path / "git"
    expected_dir.mkdir()
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        (expected_dir / name).write_bytes(data)
    subprocess.run(["git", "merge-file", "--diff3", "-L", "HEAD", "-L", "base", "-L", "glue-upstream",
                    "ours", "base", "theirs"], cwd=expected_dir)
    assert code == 1
    assert merged == (expected_dir / "ours").read_bytes()
    assert b"<<<<<<< HEAD" in merged


def test_native_driver_keeps_ours(tmp_path):
    code, merged = _driver(tmp_path, b"a\n", b"mine\n", b"glue\n", "native")
    assert code == 0 and merged == b"mine\n"


def test_driver_reads_the_overlap_setting_from_g2l_toml(tmp_path):
    case = FIXTURES / "merge" / "protected_overlap_keep_databricks"
    (tmp_path / ".g2l.toml").write_text('[sync]\nprotected_overlap = "keep-databricks"\n')
    code, merged = _driver(tmp_path, *((case / n).read_bytes() for n in ("base", "ours", "theirs")), "protected")
    assert code == 0 and merged == (case / "expected").read_bytes()


def test_driver_imports_nothing_heavy(tmp_path):
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['driver', 'native', 'b', 'o', 't', 'p']\n"
        "try:\n    runpy.run_module('glue2lakehouse.merge.driver', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "import glue2lakehouse.merge.core\n"
        "print(sorted(m for m in ('libcst', 'pygit2', 'typer', 'rich', 'click') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
