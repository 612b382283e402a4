"""Hive / Athena DDL -> Unity Catalog DDL.

Data-driven cases in fixtures/estate/ddl/<case>/{before/, after/, case.toml}; every converted statement
parses with sqlglot's Databricks dialect; and for the risk engine's tables, local Spark creates the same
columns, types and partition columns from the converted DDL as from the Hive DDL (catalog mapped to the
local session catalog, Delta swapped for Parquet, which local Spark has).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.convert import convert
from glue2lakehouse.estate.cases import run_case
from glue2lakehouse.estate.ddl import convert_ddl_file, split_statements, strip_comments

from .conftest import FIXTURES
from .helpers import assert_same_files

CASES = sorted(p for p in (FIXTURES / "estate" / "ddl").iterdir() if p.is_dir())
RISK_DDL = FIXTURES / "estate" / "risk_engine" / "common" / "ddl" / "risk_db.sql"


def converted_statements(text: str) -> list[str]:
    """The statements the converter wrote (not the ones it kept for review or dropped)."""
    out = []
    for _, statement in split_statements(text):
        if "-- G2L-REVIEW:" in statement:
            continue
        body = strip_comments(statement).strip()
        if body:
            out.append(body)
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_ddl_case(case):
    outputs = run_case(case)
    assert_same_files(outputs, case / "after")
    assert run_case(case) == outputs
    for path, data in outputs.items():
        if path != "findings.txt":
            statements = converted_statements(data.decode())
            assert statements
            for statement in statements:
                parsed = sqlglot.parse(statement, read="databricks")
                assert len(parsed) == 1 and parsed[0] is not None, statement
                assert not isinstance(parsed[0], sqlglot.exp.Command) or statement.upper().startswith(
                    ("MSCK", "ALTER TABLE")), statement


def test_conversion_is_idempotent_on_its_output():
    text = RISK_DDL.read_text()
    once, _ = convert_ddl_file(text, "risk_db.sql", TransformSettings(catalog="prod"), EstateSettings())
    again, _ = convert_ddl_file(once, "risk_db.sql", TransformSettings(catalog="prod"), EstateSettings())
    assert again == once


def test_g2l_convert_handles_a_ddl_file(tmp_path):
    report, data = convert(RISK_DDL, None, TransformSettings(catalog="prod"), EstateSettings(tables="external"))
    text = data.decode()
    assert "CREATE TABLE IF NOT EXISTS prod.risk_db.customers (" in text and "USING PARQUET" in text
    assert {f["rule"] for f in report.findings} >= {"ddl-schema", "ddl-properties"}


FORMATS_DDL = FIXTURES / "estate" / "ddl" / "formats_and_serdes" / "before" / "catalog" / "tables.hql"
# Tables of formats_and_serdes local Spark can create on both sides (its SerDe on the classpath; Avro is an
# external package of Spark, so orders_avro is left out).
FORMAT_TABLES = ["orders_orc", "orders_csv", "orders_tsv", "orders_pipe", "orders_default"]


def _spark_schemas(tmp_path: Path, runs: dict[str, dict]) -> dict:
    job = tmp_path / "in.json"
    out = tmp_path / "out.json"
    job.write_text(json.dumps({"warehouse": str(tmp_path), "runs": runs}))
    result = subprocess.run([sys.executable, str(Path(__file__).parent / "ddl_schemas.py"), str(job), str(out)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


def test_local_spark_creates_the_same_tables_from_hive_and_converted_ddl(tmp_path):
    lake = f"file://{tmp_path}/lake/"
    local = TransformSettings(catalog="spark_catalog", paths={"s3://risk-lake/": lake})
    runs: dict[str, dict] = {}
    # The risk engine: managed (Delta swapped for Parquet) and external. On the Hive side the data sits in a
    # local folder, and the openx JSON SerDe (not on Spark's classpath) is Hive's own LazySimpleSerDe: the
    # schema comes from the column list either way.
    hive = RISK_DDL.read_text()
    risk_tables = ["risk_db.customers", "risk_db.exposures", "risk_db.collateral", "risk_db.ratings",
                   "risk_db.risk_scores", "risk_db.high_risk_customers"]
    hive_local = hive.replace("s3://risk-lake/", lake).replace("org.openx.data.jsonserde.JsonSerDe",
                                                               "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
    managed, _ = convert_ddl_file(hive, "risk_db.sql", local, EstateSettings())
    external, _ = convert_ddl_file(hive, "risk_db.sql", local, EstateSettings(tables="external"))
    runs["hive"] = {"statements": [strip_comments(s) for _, s in split_statements(hive_local)], "tables": risk_tables}
    runs["managed"] = {"statements": [s.replace("USING DELTA", "USING PARQUET") for s in converted_statements(managed)],
                       "tables": risk_tables}
    runs["external"] = {"statements": converted_statements(external), "tables": risk_tables}
    # Formats and SerDes, as external tables.
    formats = FORMATS_DDL.read_text()
    keep = [s for _, s in split_statements(formats) if any(f"sales.{t} " in s or f"`{t}`" in s for t in FORMAT_TABLES)]
    format_tables = [f"sales.{t}" for t in FORMAT_TABLES]
    create = "CREATE DATABASE IF NOT EXISTS sales"
    converted_formats, _ = convert_ddl_file(";\n".join(keep), "tables.hql", local, EstateSettings(tables="external"))
    runs["hive_formats"] = {"statements": [create] + [strip_comments(s).replace("s3://risk-lake/", lake) for s in keep],
                            "tables": format_tables}
    runs["external_formats"] = {"statements": [create] + converted_statements(converted_formats),
                                "tables": format_tables}

    schemas = _spark_schemas(tmp_path, runs)
    for run in runs:
        assert schemas[run]["errors"] == [], (run, schemas[run]["errors"])
    for table in risk_tables:
        assert "error" not in schemas["hive"][table], schemas["hive"][table]
        assert schemas["managed"][table] == schemas["hive"][table], table
        assert schemas["external"][table] == schemas["hive"][table], table
    for table in format_tables:
        assert "error" not in schemas["hive_formats"][table], schemas["hive_formats"][table]
        assert schemas["external_formats"][table] == schemas["hive_formats"][table], table
    assert schemas["hive"]["risk_db.customers"]["partitions"] == ["snapshot_date"]
    assert schemas["hive"]["risk_db.exposures"]["columns"][2] == ["ead", "decimal(18,2)"]
