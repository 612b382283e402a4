"""python-hcl2's parser kept built in .git/g2l-cache (``estate/hclparse.py``): what it parses is what ``hcl2.loads``
parses, for every Terraform fixture, the files of a generated estate and text that is not HCL; a kept file that is
damaged, of another version, or whose parser no longer parses its canary as recorded is built again."""

from __future__ import annotations

import pickle
import random

import hcl2
import pytest

from glue2lakehouse.estate import hclparse
from glue2lakehouse.estate.cache import EstateCache, activated

from .conftest import FIXTURES
from .estategen import estate

NOT_HCL = ['resource "aws_glue_job" "x" {\n  name = \n}\n', 'locals {\n  a = "unterminated\n}\n', "}}}\n",
           'resource "aws_glue_job" {\n']


def _texts() -> list[str]:
    texts = [path.read_text() for path in sorted(FIXTURES.rglob("*.tf"))]
    generated = estate(random.Random(3), 60, per_domain_jobs=8)
    texts += [text for path, text in sorted(generated.items()) if path.endswith(".tf")]
    texts += [f"g2l_value = {{ \"--conf\" = \"spark.x=1\", \"--datalake-formats\" = \"delta\" }}\n"]
    return texts


@pytest.fixture
def kept(tmp_path):
    """A parser kept in a folder by one process and loaded back, as the next process loads it."""
    assert hclparse._parser(tmp_path) is None          # nothing kept yet: hcl2 builds its own, and it is kept
    assert (tmp_path / hclparse.FILE).is_file()
    parser = hclparse._parser(tmp_path)
    assert parser is not None
    return parser


def test_the_kept_parser_parses_what_hcl2_parses(kept):
    texts = _texts()
    assert len(texts) > 30
    failed = 0
    for text in texts:
        try:
            expected = hcl2.loads(text)
        except Exception as error:  # noqa: BLE001 - a fixture of HCL that is not valid (bad input cases)
            with pytest.raises(type(error)):
                hclparse._document(kept, text)
            failed += 1
            continue
        assert hclparse._document(kept, text) == expected
    assert failed < 3


@pytest.mark.parametrize("text", NOT_HCL)
def test_text_that_is_not_hcl_fails_as_hcl2_fails(kept, text):
    with pytest.raises(Exception) as expected:
        hcl2.loads(text)
    with pytest.raises(Exception) as found:
        hclparse._document(kept, text)
    assert type(found.value) is type(expected.value)
    assert str(found.value) == str(expected.value)


@pytest.mark.parametrize("damage", ["garbage", "another version", "canary"])
def test_a_kept_parser_that_cannot_be_trusted_is_built_again(tmp_path, damage):
    hclparse._parser(tmp_path)
    file = tmp_path / hclparse.FILE
    if damage == "garbage":
        file.write_bytes(b"\x80\x05not a pickle")
    else:
        kept = pickle.loads(file.read_bytes())
        if damage == "another version":
            kept["key"] = kept["key"][:-1] + ("0.0.0",)
        else:   # a parser that no longer parses the canary as it did when it was kept
            kept["canary"] = {"variable": []}
        file.write_bytes(pickle.dumps(kept))
    assert hclparse._parser(tmp_path) is None           # not used; built as hcl2 builds it, and kept again
    assert hclparse._parser(tmp_path) is not None


def test_loads_uses_the_kept_parser_of_the_active_cache(tmp_path, monkeypatch):
    cache = EstateCache.for_git_dir(tmp_path)
    text = _texts()[-2]
    monkeypatch.setattr(hclparse, "_state", {})        # this process has not chosen its parser yet
    with activated(cache):
        assert hclparse.loads(text) == hcl2.loads(text)   # the first: kept for the next process
    assert (tmp_path / "g2l-cache" / hclparse.FILE).is_file()
    monkeypatch.setattr(hclparse, "_state", {})        # the next process
    with activated(cache):
        assert hclparse.loads(text) == hcl2.loads(text)
    assert hclparse._state["parser"] is not None
