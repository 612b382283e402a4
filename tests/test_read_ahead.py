"""Reading the estate ahead on worker processes (``estate/ahead.py``): what an initial migration parses on every
core before the serial estate read.

On real-shaped estates (``tests/estategen.py``): after the read ahead on two workers, reading the estate parses no
Terraform text and no Python script in the main process, and converts to exactly what a read without any cache
gives (bundle files, findings in order, bookmark options).
"""

from __future__ import annotations

import ast
import random

import hcl2
import pytest

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.estate import convert_estate, parse_ahead
from glue2lakehouse.estate.ahead import merge_literals
from glue2lakehouse.estate.cache import EstateCache, activated, blob_id

from .estategen import estate

TRANSFORM = TransformSettings(catalog="prod")


def _outputs(result) -> tuple:
    return (result.files, result.replaced, [(i.path, i.line, i.rule, i.message) for i in result.issues],
            result.bookmarks)


def _estate(seed: int) -> dict[str, bytes]:
    files = {path: text.encode() for path, text in estate(random.Random(seed), 60, per_domain_jobs=5).items()}
    # A file python-hcl2 cannot parse and a script Python cannot: the reader reports them as without the read ahead.
    files["infra/broken/broken.tf"] = b'resource "aws_glue_job" "broken" {\n  name = \n'
    files["glue/legacy/py2_job.py"] = b"print 'hello'\n"
    return files


@pytest.mark.parametrize("seed", [3, 29])
def test_read_ahead_leaves_no_parse_to_the_main_process_and_changes_nothing(seed, monkeypatch):
    files = _estate(seed)
    paths = sorted(files)
    ids = lambda p: blob_id(files[p])  # noqa: E731
    cache = EstateCache()
    with activated(cache):
        parsed_ahead = parse_ahead(paths, files.__getitem__, ids, 2)
        assert parsed_ahead >= sum(p.endswith((".tf", ".py")) for p in paths) - 1   # all but the broken .tf

        # From here on, count what the main process still parses.
        calls = {"hcl2": 0, "ast": 0}
        loads, parse = hcl2.loads, ast.parse

        def counted_loads(text, *args, **kwargs):
            calls["hcl2"] += 1
            return loads(text, *args, **kwargs)

        def counted_parse(source, *args, **kwargs):
            calls["ast"] += 1
            return parse(source, *args, **kwargs)

        monkeypatch.setattr(hcl2, "loads", counted_loads)
        monkeypatch.setattr(ast, "parse", counted_parse)
        ahead = convert_estate(paths, files.__getitem__, TRANSFORM, EstateSettings(), ids)
        monkeypatch.undo()
    # Only the file that does not parse is parsed again (to report it); the scripts' facts are all there.
    assert calls == {"hcl2": 1, "ast": 0}, calls
    with activated(None):
        full = convert_estate(paths, files.__getitem__, TRANSFORM, EstateSettings())
    assert _outputs(ahead) == _outputs(full)
    assert any(i.path == "infra/broken/broken.tf" and i.rule == "estate-parse" for i in ahead.issues)
    assert ahead.files and ahead.bookmarks


def test_one_worker_or_few_files_are_left_to_the_reader():
    files = _estate(5)
    paths = sorted(files)
    cache = EstateCache()
    with activated(cache):
        assert parse_ahead(paths, files.__getitem__, lambda p: blob_id(files[p]), 1) == 0
        few = [p for p in paths if p.endswith(".tf")][:3]
        assert parse_ahead(few, files.__getitem__, lambda p: blob_id(files[p]), 2) == 0
    assert not cache.used


JOB = ('resource "aws_glue_job" "a" {{\n  name = "a"\n  command {{\n    script_location = "s3://b/a.py"\n  }}\n'
       '{body}}}\n')


@pytest.mark.parametrize("text", [
    # The shape the generated and real estates use: shared arguments merged with the job's own map.
    JOB.format(body='  default_arguments = merge(local.common, {\n    "--x" = "1"\n  })\n')
    + 'locals {\n  common = {\n    "--y" = "2"\n  }\n}\n',
    # A local that merges, inside a string's interpolation, and a map holding a merge of its own.
    JOB.format(body='  default_arguments = local.args\n  description = "${merge(local.tags, {"k" = "v"})}"\n')
    + 'locals {\n  tags = {"t" = "1"}\n  args = merge({"--a" = "1"}, {"--b" = merge(local.tags, {"z" = "1"})})\n}\n',
    # No literal map: nothing to parse.
    JOB.format(body='  default_arguments = merge(local.b, local.c)\n  description = "merge(not a call)"\n')
    + 'locals {\n  b = {"x" = "1"}\n  c = {"y" = "2"}\n}\n',
])
def test_merge_literals_are_the_texts_the_reader_parses(text, monkeypatch):
    """The worker finds, from the file's document alone, every literal map the Terraform reader parses."""
    from glue2lakehouse.estate.model import Estate
    from glue2lakehouse.estate.readers.terraform import read_module

    found, todo = [], [hcl2.loads(text)]
    while todo:   # as the worker does: the maps' own merges too
        for snippet in merge_literals(todo.pop(0)):
            found.append(snippet)
            todo.append(hcl2.loads(snippet))
    read: list[str] = []
    loads = hcl2.loads

    def recorded(source, *args, **kwargs):
        read.append(source)
        return loads(source, *args, **kwargs)

    monkeypatch.setattr(hcl2, "loads", recorded)
    estate = Estate()
    with activated(None):
        read_module([("infra/a.tf", text)], estate)
    monkeypatch.undo()
    assert estate.jobs
    assert read[0] == text
    assert set(read[1:]) == set(found), (read[1:], found)
    assert len(found) == len(set(found))
    assert bool(found) == ("merge(local.b, local.c)" not in text)
