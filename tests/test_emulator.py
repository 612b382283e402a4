"""The Glue emulator pinned to the semantics page (glue-semantics.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from glue2lakehouse.verify import environment
from glue2lakehouse.verify.environment import Environment
from glue2lakehouse.verify.runner import EMULATOR, reset_catalog, spark_patches


@pytest.fixture
def glue(spark, tmp_path):
    """The awsglue emulator importable, a GlueContext, and a recording environment."""
    sys.path.insert(0, str(EMULATOR))
    for name in [n for n in sys.modules if n.startswith("awsglue")]:
        sys.modules.pop(name)
    from awsglue.context import GlueContext

    reset_catalog(spark)
    env = Environment(tmp_path / "data", tmp_path / "scratch")
    environment.CURRENT = env
    try:
        with spark_patches(env):
            yield GlueContext(spark.sparkContext), env
    finally:
        environment.CURRENT = None
        sys.path.remove(str(EMULATOR))


def _frame(spark, rows, schema):
    from awsglue.dynamicframe import DynamicFrame

    return DynamicFrame.fromDF(spark.createDataFrame(rows, schema), None, "t")


def test_apply_mapping_keeps_only_mapped_fields_and_nulls_failed_casts(spark, glue):
    from awsglue.transforms import ApplyMapping

    frame = _frame(spark, [("1", "x", "a"), ("two", "y", "b")], "id string, name string, extra string")
    out = ApplyMapping.apply(frame=frame, mappings=[("ID", "string", "id", "long"),
                                                    ("name", "string", "who.name", "string")]).toDF()
    assert out.columns == ["id", "who"]
    assert [(r.id, r.who.name) for r in out.collect()] == [(1, "x"), (None, "y")]


def test_join_keeps_both_keys_and_prefixes_clashing_names(spark, glue):
    from awsglue.transforms import Join

    left = _frame(spark, [(1, "a")], "id long, v string")
    right = _frame(spark, [(1, "b"), (2, "c")], "pid long, v string")
    out = Join.apply(left, right, "id", "pid").toDF()
    assert out.columns == ["id", "v", "pid", ".v"]
    assert [tuple(r) for r in out.collect()] == [(1, "a", 1, "b")]


def test_drop_null_fields_drops_all_null_columns(spark, glue):
    from awsglue.transforms import DropNullFields

    frame = _frame(spark, [(1, None, None), (2, "x", None)], "id long, some string, none string")
    assert DropNullFields.apply(frame=frame).toDF().columns == ["id", "some"]


def test_filter_drops_records_whose_function_raises(spark, glue):
    from awsglue.transforms import Filter

    frame = _frame(spark, [(1, 5), (2, None), (3, 50)], "id long, amount long")
    kept = Filter.apply(frame=frame, f=lambda r: r["amount"] > 10 or r["missing"] == 1).toDF()
    assert [r.id for r in kept.collect()] == [3]  # None > 10 raises TypeError, r["missing"] KeyError


def test_get_resolved_options_follows_argparse(glue):
    from awsglue.utils import getResolvedOptions

    argv = ["job.py", "--JOB_NAME", "j", "--run-date=2026-01-31", "--unknown", "u", "--JOB_NAME", "last"]
    assert getResolvedOptions(argv, ["JOB_NAME", "run-date"]) == {"JOB_NAME": "last", "run_date": "2026-01-31"}
    with pytest.raises(SystemExit):
        getResolvedOptions(["job.py"], ["JOB_NAME"])


def test_appends_never_overwrite(spark, glue):
    context, env = glue
    frame = _frame(spark, [(1,)], "id long")
    spark.sql("CREATE DATABASE IF NOT EXISTS db")
    context.write_dynamic_frame.from_catalog(frame=frame, database="db", table_name="t")
    context.write_dynamic_frame.from_catalog(frame=frame, database="db", table_name="t")
    assert spark.table("db.t").count() == 2
    for _ in range(2):
        context.write_dynamic_frame.from_options(frame=frame, connection_type="s3",
                                                 connection_options={"path": "s3://b/out/"}, format="json")
    assert spark.read.json(str(Path(env.write_path("s3://b/out/")))).count() == 2
    assert set(env.outputs) == {"table:db.t", "path:s3://b/out"}


def test_transforms_not_emulated_stop_with_a_clear_error(glue):
    """A job that uses a transform the emulator does not have stops naming it (not with an ImportError)."""
    import awsglue.transforms as transforms

    for name in transforms.NOT_EMULATED:
        assert name in transforms.__all__  # what a Studio script's "from awsglue.transforms import *" brings
        with pytest.raises(NotImplementedError, match=name):
            getattr(transforms, name).apply(frame=None, f=len, transformation_ctx="x")
