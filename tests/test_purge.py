"""purge_s3_path: the emulator keeps Glue's retention, and a purge right before a write to the same path converts to
an overwrite that leaves the folder holding what Glue's purge-then-append leaves."""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest

from glue2lakehouse.transform.purges import overwritten_paths
from tests.test_emulator import glue  # noqa: F401 - the fixture: the emulator importable, a GlueContext

WRITE = ('glueContext.write_dynamic_frame.from_options(frame=f, connection_type="s3", '
         'connection_options={{"path": "{path}"}}, format="parquet")')
PURGE = 'glueContext.purge_s3_path("{path}", {options})'


@pytest.mark.parametrize("lines, expected", [
    # the pair, with and without the trailing slash on either side
    ([PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 0}'), WRITE.format(path="s3://b/out")], {"s3://b/out"}),
    # Glue's default retention (168 hours) keeps the week's files: not an overwrite
    ([PURGE.format(path="s3://b/out/", options="{}"), WRITE.format(path="s3://b/out/")], set()),
    ([PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 24}'), WRITE.format(path="s3://b/out/")], set()),
    # a statement between the purge and the write, or the write to another path
    ([PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 0}'), "print('purged')",
      WRITE.format(path="s3://b/out/")], set()),
    ([PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 0}'), WRITE.format(path="s3://b/other/")], set()),
    # a second write to the purged folder appends on Glue as well: the first must not overwrite it away
    ([PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 0}'), WRITE.format(path="s3://b/out/"),
      WRITE.format(path="s3://b/out/")], set()),
    # a purge of the same folder elsewhere, not followed by its write
    ([PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 0}'), WRITE.format(path="s3://b/out/"),
      "if x:", "    " + PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 0}')], set()),
    # the pair inside a function body and inside an except handler
    (["def run(f):", "    " + PURGE.format(path="s3://b/out/", options='{"retentionPeriod": 0}'),
      "    " + WRITE.format(path="s3://b/out/")], {"s3://b/out"}),
    (["try:", "    pass", "except Exception:", "    " + PURGE.format(path="s3://b/x/", options='{"retentionPeriod": 0}'),
      "    " + WRITE.format(path="s3://b/x/")], {"s3://b/x"}),
])
def test_a_purge_pairs_with_the_write_right_after_it(lines, expected):
    assert overwritten_paths(ast.parse("\n".join(lines) + "\n")) == expected


def _touch(path: Path, age_hours: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    then = time.time() - age_hours * 3600
    os.utime(path, (then, then))


def test_the_emulated_purge_keeps_files_younger_than_the_retention(glue):  # noqa: F811
    """AWS: purge_s3_path deletes files recursively; files newer than retentionPeriod hours (default 168) are kept."""
    context, env = glue
    root = Path(env.write_path("s3://b/out/"))
    _touch(root / "old.parquet", 200)
    _touch(root / "day=1" / "old.parquet", 30)
    _touch(root / "day=1" / "new.parquet", 1)
    context.purge_s3_path("s3://b/out/", {"retentionPeriod": 24})
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == ["day=1/new.parquet"]
    _touch(root / "week.parquet", 100)
    context.purge_s3_path("s3://b/out/")   # 168 hours
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["new.parquet", "week.parquet"]
    context.purge_s3_path("s3://b/out/", {"retentionPeriod": 0})
    assert not [p for p in root.rglob("*") if p.is_file()]
    with pytest.raises(NotImplementedError, match="manifestFilePath"):
        context.purge_s3_path("s3://b/out/", {"retentionPeriod": 0, "manifestFilePath": "s3://b/manifest/"})
