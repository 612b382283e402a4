"""Inputs read through the job's own helper modules, push-down predicates, Unbox, Map, getSink partitions and split
frames: generated so that every frame the job writes gets rows and columns (no Spark)."""

from __future__ import annotations

import json

from glue2lakehouse.verify.failure import exception_line
from glue2lakehouse.verify.inputs import generate
from glue2lakehouse.verify.modules import imported_modules
from glue2lakehouse.verify.shape import analyze, rest_field

from .conftest import FIXTURES

JOBS = FIXTURES / "glue_jobs"


def _columns(shape, name):
    return {c.path: c.type for c in shape.input(name).columns.values()}


def test_tables_read_by_a_helper_module_beside_the_job():
    source = (JOBS / "hand_written_etl_with_helpers.py").read_text()
    modules = imported_modules(JOBS / "hand_written_etl_with_helpers.py", [JOBS])
    assert {"helpers.io_helpers", "helpers.quality_checks"} <= set(modules)   # pyspark, awsglue: not the job's
    assert not any(name.startswith(("pyspark", "awsglue")) for name in modules)
    shape = analyze(source, modules=modules)
    assert [i.name for i in shape.inputs] == ["risk_db.exposures_raw", "risk_db.customers"]
    # the push-down predicate names the partition column, and its value is the run's argument
    assert "run_date" in _columns(shape, "risk_db.exposures_raw")
    assert shape.literals["run_date"] == {shape.argument_values["run_date"]}
    rows = generate(shape).tables["risk_db.exposures_raw"].rows
    assert any(r["run_date"] == shape.argument_values["run_date"] for r in rows)
    assert analyze(source).inputs == []     # without the module, nothing is known of the reads


def test_a_module_constant_builds_the_path_a_helper_reads(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "readers.py").write_text(
        'RAW = "s3://bank-risk-raw"\n\n'
        "def read_feed(glue_context, feed):\n"
        "    return glue_context.create_dynamic_frame.from_options(connection_type='s3',\n"
        "        connection_options={'paths': [f'{RAW}/{feed}/']}, format='json')\n")
    source = ("from shared.readers import read_feed as feed_of\n"
              "trades = feed_of(glueContext, 'trades').toDF().where('notional > 100')\n")
    (tmp_path / "job.py").write_text(source)
    shape = analyze(source, modules=imported_modules(tmp_path / "job.py", [tmp_path]))
    assert [(i.kind, i.name, i.fmt) for i in shape.inputs] == [("path", "s3://bank-risk-raw/trades/", "json")]


def test_unbox_makes_the_column_a_json_string_of_the_fields_read():
    shape = analyze((JOBS / "unbox_payment_events.py").read_text())
    table = generate(shape).tables["payments.gateway_events"]
    assert table.columns == [("event_id", "string"), ("payload", "string")]
    parsed = [json.loads(r["payload"]) for r in table.rows if r["payload"] is not None]
    assert parsed and all(set(p) == {"amount", "currency", "card"} and set(p["card"]) == {"brand"} for p in parsed)


def test_the_fields_a_map_function_reads():
    assert set(_columns(analyze((JOBS / "map_transform_job.py").read_text()), "risk_db.card_accounts")) == \
        {"pan", "balance", "status"}


def test_partition_keys_of_a_sink_and_the_rest_of_a_split_are_columns_too():
    shape = analyze((JOBS / "getsink_update_catalog.py").read_text())
    # the partition key, and a field beside it: Spark writes no table of partition columns only
    assert _columns(shape, "risk_db.ratings_staging") == {"agency": None, "other_ratings_staging": "string"}
    shape = analyze((JOBS / "collections_split.py").read_text())
    assert list(_columns(shape, "risk_db.customers")) == ["customer_id", "name", "email", "other_customers"]
    # declared tables keep their declared columns only
    shape = analyze((JOBS / "collections_split.py").read_text(), {"risk_db.customers": [("customer_id", "string")]})
    assert list(_columns(shape, "risk_db.customers")) == ["customer_id"]
    assert rest_field("s3://bucket/raw/Limits-2024/") == "other_limits_2024"


PY4J = """Traceback (most recent call last):
  File "/jobs/collections_split.py", line 11, in <module>
    glueContext.write_dynamic_frame.from_catalog(frame=rest, database="risk_db", table_name="customers_no_pii")
  File "/site-packages/py4j/protocol.py", line 327, in get_return_value
    raise Py4JJavaError(
py4j.protocol.Py4JJavaError: An error occurred while calling o2748.saveAsTable.
: org.apache.spark.SparkException: [TASK_WRITE_FAILED] Task failed while writing rows to file:/tmp/w/customers_no_pii. SQLSTATE: 58030
\tat org.apache.spark.sql.errors.QueryExecutionErrors$.taskFailedWhileWritingRowsError(QueryExecutionErrors.scala:774)
\tat java.base/java.lang.Thread.run(Thread.java:840)
Caused by: org.apache.parquet.schema.InvalidSchemaException: Cannot write a schema with an empty group: message spark_schema {
}
\t... 1 more
"""


def test_a_java_failure_is_named_by_its_own_exception_and_cause():
    line = exception_line(PY4J)
    assert line == ("SparkException: [TASK_WRITE_FAILED] Task failed while writing rows to file:/tmp/w/customers_no_pii."
                    " (caused by InvalidSchemaException: Cannot write a schema with an empty group: message "
                    "spark_schema {)")
    assert exception_line(PY4J.replace("o2748", "o11")) == line      # stable across runs
    assert exception_line("Traceback\n  File x\nValueError: RDD is empty\n") == "ValueError: RDD is empty"
    bare = "py4j.protocol.Py4JJavaError: An error occurred while calling o81.saveAsTable.\n"
    assert exception_line(bare) == "Py4JJavaError: An error occurred while calling saveAsTable."
