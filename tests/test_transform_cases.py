"""Before/after transform cases: fixtures/transform/<case>/{before.py, after.py}[, case.toml]."""

from __future__ import annotations

from dataclasses import replace

import pytest

from glue2lakehouse.config import TransformSettings, load_toml_text, transform_settings
from glue2lakehouse.transform import transform_file

from .conftest import FIXTURES

CASES = sorted(p for p in (FIXTURES / "transform").iterdir() if p.is_dir())


def _case(case):
    options = load_toml_text((case / "case.toml").read_text()) if (case / "case.toml").exists() else {}
    expected_rules = options.pop("findings", [])
    # job_bookmark_option: the case's job definition is known and sets this bookmark option
    option = options.pop("job_bookmark_option", None)
    settings = transform_settings(options)
    if option is not None:
        settings = replace(settings, bookmarks={f"{case.name}.py": option})
    return settings, expected_rules


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_transform_case(case):
    settings, expected_rules = _case(case)
    before = (case / "before.py").read_bytes()
    result = transform_file(before, f"{case.name}.py", settings)
    assert result.data.decode() == (case / "after.py").read_text()
    assert sorted(f.rule for f in result.findings) == sorted(expected_rules)
    compile(result.data, case.name, "exec")
    # Deterministic and idempotent.
    assert transform_file(before, f"{case.name}.py", settings).data == result.data
    assert transform_file(result.data, f"{case.name}.py", settings).data == result.data


@pytest.mark.parametrize("data, rule", [
    (b"print 'python 2'\n", "syntax-error"),
    (b"def broken(:\n", "syntax-error"),
    (b"x = '\xff\xfe'\n", "not-utf8"),
])
def test_unreadable_python_is_carried_over_unchanged(data, rule):
    result = transform_file(data, "job.py", TransformSettings())
    assert result.data == data
    assert [f.rule for f in result.findings] == [rule]


@pytest.mark.parametrize("data", [b"", b"\n\n", b"   \n"])
def test_empty_files_are_unchanged(data):
    assert transform_file(data, "empty.py", TransformSettings()).data == data


def test_other_files_are_byte_for_byte():
    data = b"\x00\x01binary\r\n"
    assert transform_file(data, "model.bin", TransformSettings()).data == data
    assert transform_file(b'{"a": 1}', "conf.json", TransformSettings()).data == b'{"a": 1}'
