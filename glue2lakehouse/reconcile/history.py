"""The report table: one row per compared table per run, and its summary per job.

Columns: ``run_at`` (timestamp, UTC), ``job``, ``run_id``, ``glue``, ``databricks``, ``verdict``,
``schema``, ``rows_glue``, ``rows_databricks``, ``missing_in_databricks``, ``missing_in_glue``,
``mismatched_rows``, ``mismatched_columns`` (JSON text), ``samples`` (JSON text).

``summarise`` answers what a team asks before switching a Glue job off: per job, how many days
in a row (the most recent days with a run) every table was equal, and when and where it last
differed. It aggregates per job and day in Spark and brings back one row per job and day.
"""

from __future__ import annotations

import datetime
import json

SCHEMA = ("run_at timestamp, job string, run_id string, glue string, databricks string, verdict string, "
          "schema string, rows_glue long, rows_databricks long, missing_in_databricks long, missing_in_glue long, "
          "mismatched_rows long, mismatched_columns string, samples string")


def report_rows(job: str, run_id: str, tables: list[dict], at: datetime.datetime | None = None) -> list[tuple]:
    at = at or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return [(at, job, run_id, t["glue"], t["databricks"], t["verdict"], t["schema"], t["rows_glue"],
             t["rows_databricks"], t["missing_in_databricks"], t["missing_in_glue"], t["mismatched_rows"],
             json.dumps(t["mismatched_columns"], sort_keys=True), json.dumps(t["samples"], default=str))
            for t in tables]


def append_report(spark, table: str, rows: list[tuple]) -> None:
    spark.createDataFrame(rows, SCHEMA).write.mode("append").saveAsTable(table)


def summarise(spark, table: str) -> list[dict]:
    from pyspark.sql import functions as F

    from glue2lakehouse.reconcile.engine import ReconcileError

    try:
        frame = spark.table(table)
        frame.schema
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReconcileError(f"cannot read the report table {table}: {first[:300]}",
                             "check the name; the reconcile task creates it on its first run") from None
    differs = F.col("verdict") != F.lit("equal")
    days = (frame.groupBy("job", F.to_date("run_at").alias("day"))
            .agg(F.count(F.lit(1)).alias("tables"), F.max(F.when(differs, 1).otherwise(0)).alias("differs"),
                 F.sort_array(F.collect_set(F.when(differs, F.col("glue")))).alias("differing"),
                 F.max("run_at").alias("last_run"))
            .collect())
    per_job: dict[str, list] = {}
    for row in days:
        per_job.setdefault(row["job"], []).append(row)
    out = []
    for job in sorted(per_job):
        rows = sorted(per_job[job], key=lambda r: r["day"], reverse=True)
        streak = 0
        for row in rows:
            if row["differs"]:
                break
            streak += 1
        last = next((r for r in rows if r["differs"]), None)
        out.append({
            "job": job, "days_with_runs": len(rows), "days_equal_in_a_row": streak,
            "first_run": rows[-1]["day"].isoformat(), "last_run": rows[0]["last_run"].isoformat(sep=" ", timespec="seconds"),
            "last_difference": None if last is None else {"day": last["day"].isoformat(),
                                                          "tables": list(last["differing"])},
        })
    return out


def render_summary(table: str, jobs: list[dict]) -> str:
    if not jobs:
        return f"{table}: no runs recorded yet"
    header = ("job", "days with runs", "equal days in a row", "last difference", "last run")
    rows = [header]
    for job in jobs:
        last = job["last_difference"]
        rows.append((job["job"], str(job["days_with_runs"]), str(job["days_equal_in_a_row"]),
                     f"{last['day']} ({', '.join(last['tables'])})" if last else "never", job["last_run"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [f"report table {table} (days are UTC days with a reconcile run):"]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    return "\n".join(lines)
