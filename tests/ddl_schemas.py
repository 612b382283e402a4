"""Run Hive DDL and its converted DDL in a local Spark with Hive support; print each table's schema.

Run as a script in its own process (the test session's Spark has no Hive support, and a JVM has one
session catalog): ``python tests/ddl_schemas.py IN.json OUT.json`` where IN.json is
{"warehouse": dir, "runs": {"name": {"statements": [sql, ...], "tables": ["db.t", ...]}, ...}}.
Each run starts from an empty catalog; OUT.json gets, per run and table, its columns (name, type)
and partition columns, or the error Spark raised.
"""

from __future__ import annotations

import json
import sys


def main(source: str, target: str) -> None:
    from pyspark.sql import SparkSession

    job = json.loads(open(source).read())
    warehouse = job["warehouse"]
    spark = (SparkSession.builder.master("local[1]").appName("g2l-ddl")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.warehouse.dir", warehouse + "/warehouse")
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
             .config("javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={warehouse}/metastore;create=true")
             .enableHiveSupport().getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    out = {}
    for run, spec in job["runs"].items():
        result = {"errors": []}
        for statement in spec["statements"]:
            try:
                spark.sql(statement)
            except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
                result["errors"].append(f"{statement[:80]}: {str(error).splitlines()[0]}")
        for name in spec["tables"]:
            try:
                schema = spark.table(name).schema
                partitions = [c.name for c in spark.catalog.listColumns(name) if c.isPartition]
                result[name] = {"columns": [[f.name, f.dataType.simpleString()] for f in schema.fields],
                                "partitions": partitions}
            except Exception as error:  # noqa: BLE001
                result[name] = {"error": str(error).splitlines()[0]}
        for database in sorted({n.split(".")[-2] for n in spec["tables"]}):
            spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
        out[run] = result
    open(target, "w").write(json.dumps(out, indent=1))
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
