"""Reading back the generated bundle files (``estate/yamlout.load``): on anything ``yamlout.dump`` writes it gives
what ruamel.yaml's safe loader gives, types included, or declines (ValueError) so that the caller uses ruamel; it
reads every generated job file of the fixtures; YAML laid out otherwise is declined."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from ruamel.yaml import YAML

from glue2lakehouse.estate import yamlout
from glue2lakehouse.estate.bundle import HEADER
from glue2lakehouse.estate.review import describe

from .conftest import FIXTURES


def ruamel(text: str):
    return YAML(typ="safe", pure=True).load(text)


def same(a, b) -> bool:
    """Equal, with the same types all the way down (1 == True and 1 == 1.0 in Python, not in YAML)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b or a != a and b != b


# Scalars as job files hold them, and any text at all.
WORDS = st.sampled_from(["UTC", "SINGLE_USER", "m5.2xlarge", "--JOB_NAME", "job-bookmark-enable", "s3://lake/raw/x/",
                         "16.4.x-scala2.12", "0 20 18 * * ?", "yes", "No", "null", "~", "on", "1.5", "0x10", "-",
                         "a: b", "x #y", "_1", "1_000", "1e3", ".5", "+1", "0o7", "12:30", "", " lead", "trail "])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), WORDS, st.text(max_size=12))
KEYS = st.one_of(WORDS, st.text(max_size=8), st.integers(-5, 5))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=24)


@settings(max_examples=400, deadline=None)
@given(value=st.dictionaries(KEYS, VALUES, min_size=1, max_size=4))
def test_what_dump_writes_reads_back_as_ruamel_reads_it(value):
    text = HEADER + yamlout.dump(value)
    try:
        found = yamlout.load(text)
    except ValueError:
        return   # declined: the caller reads it with ruamel
    assert same(found, ruamel(text)), text


@settings(max_examples=200, deadline=None)
@given(value=st.dictionaries(st.sampled_from(["name", "tasks", "schedule", "parameters", "max_retries"]),
                             st.recursive(st.one_of(st.integers(0, 10 ** 6), st.booleans(), WORDS.filter(
                                 lambda w: w not in ("", " lead", "trail "))),
                                 lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3),
                                                         st.dictionaries(st.sampled_from(["a", "b", "task_key"]),
                                                                         inner, min_size=1, max_size=3)),
                                 max_leaves=12), min_size=1))
def test_job_shaped_values_are_read_without_ruamel(value):
    text = HEADER + yamlout.dump(value)
    assert same(yamlout.load(text), ruamel(text)), text


def test_every_generated_job_file_of_the_fixtures_reads_as_ruamel_reads_it():
    files = sorted(FIXTURES.rglob("*.job.yml")) + sorted(FIXTURES.rglob("glue_variables.yml"))
    assert len(files) > 20
    for path in files:
        text = path.read_text()
        if not text.startswith(HEADER):
            continue
        assert same(yamlout.load(text), ruamel(text)), path


@pytest.mark.parametrize("text", [
    "resources: {jobs: {a: 1}}\n",                      # flow style
    "resources:\n  jobs:\n    a: 1  # a note\n",        # a comment after a value
    "script: |\n  line one\n  line two\n",              # a block scalar
    "a: &x 1\nb: *x\n",                                 # an anchor
    "a:\n\tb: 1\n",                                     # a tab
    "---\na: 1\n",                                      # a document marker
    "a:\n    b: 1\n",                                   # four columns in
    "a:\nb: 1\n",                                       # a key with no value
    'a: "x\u2028y"\n',                                  # a line break YAML folds
    "a: 1e3\n",                                         # a float dump does not write
    "a: 1\na: 2\n",                                     # a key twice
])
def test_yaml_laid_out_otherwise_is_declined(text):
    with pytest.raises(ValueError):
        yamlout.load(text)


def test_a_hand_edited_job_file_is_still_described():
    """The reader declines it; the description comes from ruamel, as before."""
    old = HEADER + yamlout.dump({"resources": {"jobs": {"daily": {"name": "daily", "schedule": {
        "quartz_cron_expression": "0 0 1 * * ?", "timezone_id": "UTC"}}}}})
    new = "resources:\n  jobs:\n    daily: {name: daily, schedule: {quartz_cron_expression: '0 0 2 * * ?', timezone_id: UTC}}\n"
    assert describe("resources/daily.job.yml", old, new) == [
        "resources/daily.job.yml: schedule 0 0 1 * * ? UTC -> 0 0 2 * * ? UTC"]
