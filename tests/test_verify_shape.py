"""What verify reads from a job's code (no Spark): inputs, columns and types, literals, join keys, reasons."""

from __future__ import annotations

import pytest

from glue2lakehouse.verify.inputs import candidates, generate
from glue2lakehouse.verify.shape import analyze

from .conftest import FIXTURES


def _columns(shape, name):
    return {c.path: c.type for c in shape.input(name).columns.values()}


def test_the_done_when_job():
    shape = analyze((FIXTURES / "verify" / "done_when" / "large_trades.py").read_text())
    assert [i.name for i in shape.inputs] == ["risk_db.trades", "risk_db.counterparties"]
    assert _columns(shape, "risk_db.trades") == {"trade_id": "string", "counterparty_id": "string",
                                                  "notional": "string", "trade_date": "string"}
    assert set(_columns(shape, "risk_db.counterparties")) == {"cpty_id", "rating"}
    assert shape.literals == {"notional": {100}}
    assert shape.join_keys == [(("risk_db.trades", "counterparty_id"), ("risk_db.counterparties", "cpty_id"))]
    assert shape.argument_values == {"JOB_NAME": "g2l_verify"}


def test_ddl_types_come_first_and_sql_over_views_is_read():
    source = (
        "from awsglue.context import GlueContext\n"
        "glueContext = GlueContext(sc)\nspark = glueContext.spark_session\n"
        "dyf = glueContext.create_dynamic_frame.from_catalog(database='risk_db', table_name='loans')\n"
        "dyf.toDF().createOrReplaceTempView('loans')\n"
        "out = spark.sql(\"SELECT l.loan_id, SUM(l.principal) AS total FROM loans l WHERE l.status = 'OPEN' "
        "AND l.principal >= 5000 GROUP BY l.loan_id\")\n"
    )
    shape = analyze(source, {"risk_db.loans": [("loan_id", "bigint"), ("principal", "decimal(18,2)")]})
    columns = _columns(shape, "risk_db.loans")
    assert columns["loan_id"] == "bigint" and columns["principal"] == "decimal(18,2)"
    assert "status" not in columns      # the DDL names every column of the table
    assert shape.literals["status"] == {"OPEN"} and shape.literals["principal"] == {5000}


@pytest.mark.parametrize("code, reason", [
    ("glueContext.create_dynamic_frame.from_options(connection_type='dynamodb', connection_options={})",
     "reads DynamoDB: not emulated"),
    ("glueContext.create_dynamic_frame.from_options(connection_type='postgresql', connection_options={})",
     "reads JDBC (postgresql) from a table named at run time or a subquery: not emulated"),
    ("glueContext.create_dynamic_frame.from_options(connection_type='mysql', connection_options={"
     "'connectionName': 'core-banking', 'dbtable': 'transactions'})", "reads JDBC (mysql) through a Glue connection"),
    ("glueContext.create_dynamic_frame.from_catalog(database=args['db'] + x, table_name='t')",
     "reads a catalog table named at run time"),
    ("print 'hello'", "is not Python 3"),
])
def test_what_cannot_be_verified_is_said_in_one_line(code, reason):
    shape = analyze("import sys\nargs = {}\n" + code + "\n")
    assert shape.unsupported and shape.unsupported[0].startswith(reason) and "\n" not in shape.unsupported[0]


def test_values_tell_right_from_wrong():
    shape = analyze((FIXTURES / "verify" / "done_when" / "large_trades.py").read_text())
    notional = shape.input("risk_db.trades").columns["notional"]
    values = candidates(notional, "string", shape)
    assert {"99", "100", "101", "abc", "", None} <= set(values)   # the literal's neighbours, not castable, null
    dataset = generate(shape, seed=1)
    trades, counterparties = dataset.tables["risk_db.trades"].rows, dataset.tables["risk_db.counterparties"].rows
    keys, other = {r["counterparty_id"] for r in trades}, [r["cpty_id"] for r in counterparties]
    assert keys & set(other) and keys - set(other) and set(other) - keys   # some match, some do not
    assert any(other.count(k) > 1 for k in keys & set(other))              # some match twice
    assert generate(shape, seed=1).tables["risk_db.trades"].rows == trades   # deterministic for a seed
    assert generate(shape, seed=2).tables["risk_db.trades"].rows != trades
