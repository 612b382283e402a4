"""JDBC sources and sinks under g2l verify: an in-memory Derby database (inside PySpark's jars) stands in for the
job's database, for both sides, and no run connects to a real one."""

from __future__ import annotations

import pytest

from glue2lakehouse.verify.batch import EQUAL, NOT_VERIFIED, verify_paths
from glue2lakehouse.verify.jdbc import DRIVER, USER, Database, derby_table, local, rewrite, table_key
from glue2lakehouse.verify.shape import analyze

from .conftest import FIXTURES

JOB = FIXTURES / "verify" / "jdbc" / "exposures_to_warehouse.py"


@pytest.mark.parametrize("given, key, derby", [
    ("public.credit_limits", "public.credit_limits", '"public"."credit_limits"'),
    ('"Lending"."Exposures"', "lending.exposures", '"lending"."exposures"'),
    ("`risk`.`daily_summary`", "risk.daily_summary", '"risk"."daily_summary"'),
    ("transactions", "transactions", '"transactions"'),
    ("finance.risk.limits", "finance.risk.limits", '"finance"."risk"."limits"'),
    ("(SELECT * FROM limits WHERE active) AS t", None, "(SELECT * FROM limits WHERE active) AS t"),
])
def test_table_names_as_the_run_database_has_them(given, key, derby):
    assert table_key(given) == key
    assert derby_table(given) == derby


def test_options_are_taken_to_the_run_database():
    database = Database()
    options = rewrite({"url": "jdbc:postgresql://core-banking.internal:5432/core", "dbtable": "lending.exposures",
                       "user": "glue_reader", "password": "secret", "driver": "org.postgresql.Driver",
                       "fetchsize": "1000"}, database)
    assert options == {"url": database.url + ";create=true", "dbtable": '"lending"."exposures"', "user": USER,
                       "driver": DRIVER, "fetchsize": "1000", "pushdownpredicate": "false"}
    assert "pushdownpredicate" not in rewrite({"url": "jdbc:mysql://h/db", "dbtable": "t"}, database, read=False)
    assert Database().url != database.url      # one database a run
    # a Derby URL is a database of this JVM already (a test's own): the job's options are used as they are
    assert local("jdbc:derby:memory:ledger") and not local("jdbc:postgresql://h/db") and not local(None)


GLUE_HEAD = ("from awsglue.context import GlueContext\nglueContext = GlueContext(sc)\n"
             "spark = glueContext.spark_session\n")


@pytest.mark.parametrize("code, inputs, reason", [
    ("df = glueContext.create_dynamic_frame.from_options(connection_type='postgresql', connection_options={"
     "'url': args['db_url'], 'dbtable': 'public.credit_limits', 'user': 'u', 'password': 'p'})\n",
     [("jdbc", "public.credit_limits")], None),
    ("opts = {'url': 'jdbc:mysql://h/db', 'dbtable': 'Loans'}\n"
     "df = glueContext.create_dynamic_frame.from_options('mysql', opts)\n", [("jdbc", "loans")], None),
    ("df = spark.read.format('jdbc').option('url', URL).option('dbtable', 'risk.limits').load()\n",
     [("jdbc", "risk.limits")], None),
    ("df = spark.read.jdbc(URL, 'risk.ratings', properties={'user': 'u'})\n", [("jdbc", "risk.ratings")], None),
    ("df = glueContext.create_dynamic_frame.from_options(connection_type='mysql', connection_options={"
     "'useConnectionProperties': 'true', 'connectionName': 'core', 'dbtable': 'transactions'})\n",
     [], "through a Glue connection"),
    ("df = spark.read.format('jdbc').option('url', URL).option('query', 'SELECT * FROM t WHERE a > 1').load()\n",
     [], "with a query in the source database's SQL"),
    ("df = glueContext.create_dynamic_frame.from_options(connection_type='oracle', connection_options={"
     "'url': URL, 'dbtable': args['table']})\n", [], "a table named at run time"),
])
def test_what_a_jdbc_read_makes_the_shape(code, inputs, reason):
    shape = analyze(GLUE_HEAD + code)
    assert [(i.kind, i.name) for i in shape.inputs] == inputs
    if reason is None:
        assert shape.unsupported == []
    else:
        assert reason in shape.unsupported[0]


def test_the_columns_a_job_reads_from_a_jdbc_table():
    shape = analyze(JOB.read_text())
    assert [(i.kind, i.name) for i in shape.inputs] == [("jdbc", "lending.exposures")]
    columns = {c.path for c in shape.input("lending.exposures").columns.values()}
    assert {"ead", "status", "exposure_id", "customer_id", "rating"} <= columns
    assert shape.literals["ead"] == {100000}


def test_a_job_from_postgres_to_a_warehouse_is_verified_without_data(spark, tmp_path):
    report = verify_paths([JOB], spark=spark)
    [verdict] = report.jobs
    assert verdict.verdict == EQUAL, verdict.reason
    [output] = verdict.outputs
    assert (output["kind"], output["output"]) == ("jdbc", "risk.large_exposures")
    # the filter keeps some rows and drops others: the comparison is on rows, not on two empty tables
    assert output["rows_glue"] > 0


def test_a_wrong_databricks_version_of_a_jdbc_job_differs(spark, tmp_path):
    from glue2lakehouse.config import TransformSettings
    from glue2lakehouse.transform import transform_file

    converted = transform_file(JOB.read_bytes(), JOB.name, TransformSettings()).data.decode()
    wrong = tmp_path / "exposures_to_warehouse.py"
    old = '(F.col("`ead`") > 100000)'
    assert old in converted
    wrong.write_text(converted.replace(old, '(F.col("`ead`") >= 100000)'))
    [verdict] = verify_paths([JOB], against=wrong, spark=spark).jobs
    assert verdict.verdict != EQUAL and verdict.verdict != NOT_VERIFIED, verdict.reason


def test_a_jdbc_read_through_a_glue_connection_is_named_not_verified(spark):
    [verdict] = verify_paths([FIXTURES / "glue_jobs" / "jdbc_incremental_bookmarks.py"], spark=spark).jobs
    assert verdict.verdict == NOT_VERIFIED
    assert "through a Glue connection" in verdict.reason
