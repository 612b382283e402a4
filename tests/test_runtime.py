"""The run-time helpers that converted jobs carry (transform/runtime.py), on local Spark."""

from __future__ import annotations

from glue2lakehouse.transform import runtime


def test_glue_map_applies_the_record_function_and_drops_the_records_it_raises_on(spark):
    frame = spark.createDataFrame([("A1", "4111111111111111"), ("A2", None)], "id string, pan string")

    def mask(record):
        record["pan"] = "****" + record["pan"][-4:]
        record["masked"] = True
        return record

    out = runtime.glue_map(frame, mask)
    assert sorted(out.columns) == ["id", "masked", "pan"]
    assert [r.asDict() for r in out.collect()] == [{"id": "A1", "pan": "****1111", "masked": True}]


def test_glue_s3_options_maps_glue_names_and_refuses_what_spark_cannot_do():
    import pytest

    assert runtime.glue_s3_options({"paths": ["s3://b/k/"], "recurse": True}, "csv",
                                   {"withHeader": True, "separator": ";"}) == {
        "recursiveFileLookup": True, "header": True, "sep": ";"}
    with pytest.raises(ValueError, match="skipFirst"):
        runtime.glue_s3_options({"paths": ["s3://b/k/"]}, "csv", {"skipFirst": True})
