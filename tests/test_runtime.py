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


def test_glue_relationalize_flattens_structs_and_splits_arrays_keyed_by_id(spark):
    frame = spark.createDataFrame(
        [("p1", ("a@x", "1"), [("email", "a@y")], ["x", "y"]), ("p2", ("b@x", None), [], None)],
        "id string, contact struct<email:string, phone:string>, details array<struct<type:string, value:string>>, "
        "tags array<string>")
    frames = runtime.glue_relationalize(frame, "root")
    assert list(frames) == ["root", "root_details", "root_tags"]
    root = {r["id"]: r.asDict() for r in frames["root"].collect()}
    assert frames["root"].columns == ["id", "contact.email", "contact.phone", "details", "tags"]
    details = frames["root_details"].collect()
    assert frames["root_details"].columns == ["id", "index", "details.type", "details.value"]
    assert [(r["id"], r["index"], r["details.type"]) for r in details] == [(root["p1"]["details"], 0, "email")]
    tags = sorted((r["id"], r["index"], r["tags.val"]) for r in frames["root_tags"].collect())
    assert tags == [(root["p1"]["tags"], 0, "x"), (root["p1"]["tags"], 1, "y")]


def test_glue_unbox_infers_the_schema_from_the_whole_column_and_glue_unnest_flattens(spark):
    frame = spark.createDataFrame([("e1", '{"a": 1, "c": {"d": "x"}}'), ("e2", '{"a": "n/a", "b": true}'),
                                   ("e3", None)], "id string, payload string")
    out = runtime.glue_unnest(runtime.glue_unbox(frame, "payload"))
    assert out.columns == ["id", "payload.a", "payload.b", "payload.c.d"]
    assert dict(out.dtypes)["payload.a"] == "string"  # long in one row, string in another: Spark's JSON inference
    rows = {r["id"]: r.asDict() for r in out.collect()}
    assert rows["e1"] == {"id": "e1", "payload.a": "1", "payload.b": None, "payload.c.d": "x"}
    assert rows["e3"]["payload.a"] is None


def test_glue_apply_mapping_builds_structs_for_dotted_targets_and_keeps_backticked_dots(spark):
    frame = spark.createDataFrame([("1", "x", "2.5", "bad")], "`a.b` string, id string, amount string, n string")
    out = runtime.glue_apply_mapping(frame, [
        ("id", "string", "key.id", "string"), ("`a.b`", "string", "ab", "int"),
        ("amount", "string", "key.amount", "double"), ("n", "string", "n", "int")])
    assert out.columns == ["key", "ab", "n"]
    assert out.first().asDict(recursive=True) == {"key": {"id": "x", "amount": 2.5}, "ab": 1, "n": None}


def test_glue_match_catalog_casts_to_the_catalog_types(spark, tmp_path):
    spark.createDataFrame([("C0", 1.0)], "id string, value double").write.mode("overwrite").saveAsTable(
        "default.g2l_match_catalog_target")
    try:
        frame = spark.createDataFrame([("C1", "2.5", "x"), ("C2", "n/a", "y")], "id string, value string, note string")
        out = runtime.glue_match_catalog(frame, "default.g2l_match_catalog_target")
        assert out.dtypes == [("id", "string"), ("value", "double"), ("note", "string")]
        assert [r["value"] for r in out.orderBy("id").collect()] == [2.5, None]
    finally:
        spark.sql("DROP TABLE IF EXISTS default.g2l_match_catalog_target")
