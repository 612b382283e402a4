"""Reset and rewind a converted job's bookmarks (Glue's ``reset-job-bookmark``), and show its committed runs.

The state table (``[bookmarks] table``, by default ``<catalog>.default.g2l_job_bookmarks``) is
append-only: each ``job.commit()`` adds one row per bookmarked read. A reset adds a ``reset`` row
(the next run reads everything), a rewind a ``rewind`` row naming an earlier run (the next run
reads what came after that run), so the history stays readable and nothing is deleted. Both are
one write, through any SparkSession that reaches the table (Databricks, Databricks Connect, or
local Spark); the same rows can be added with SQL (README: job bookmarks).
"""

from __future__ import annotations

import time

from glue2lakehouse.errors import G2LError
from glue2lakehouse.transform.runtime import GlueJob


def runs(spark, table: str, job: str) -> list[tuple[str, dict]]:
    """The job's committed runs, oldest first, each with its state after it: [(run id, {context: state})]."""
    spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({GlueJob.SCHEMA})")
    return GlueJob.history(spark, table, job)


def reset(spark, table: str, job: str, to_run: str | None = None) -> str:
    """Clear the job's bookmarks (``to_run``: go back to the state that run committed). Returns what was done."""
    history = runs(spark, table, job)
    if to_run is not None and to_run not in dict(history):
        known = ", ".join(run for run, _ in history[-5:]) or "none"
        raise G2LError(f"job {job!r} has no committed run {to_run!r} in {table}",
                       f"pass one of its runs (last ones: {known})")
    now = int(time.time() * 1000000)
    action = "rewind" if to_run is not None else "reset"
    GlueJob.append(spark, table, [(job, f"{action}-{now}", action, None, None, None, [], None, to_run, now)])
    return f"job {job!r}: " + (f"rewound to run {to_run}" if to_run else "bookmarks reset: the next run reads everything")


def show(spark, table: str, job: str) -> str:
    """The job's committed runs, oldest first, with each bookmarked read's state after it."""
    import datetime

    lines = [f"job {job!r} in {table}:"]
    for run, state in runs(spark, table, job):
        reads = []
        for context, read in sorted(state.items()):
            if read["last_keys"] is not None:
                reads.append(f"{context}: last keys {read['last_keys']}")
            else:
                mark = datetime.datetime.fromtimestamp(read["high_mark"] / 1e6, datetime.timezone.utc)
                reads.append(f"{context}: files up to {mark:%Y-%m-%d %H:%M:%S} UTC")
        lines.append(f"  {run}: " + ("; ".join(reads) or "nothing bookmarked"))
    if len(lines) == 1:
        lines.append("  no committed run")
    return "\n".join(lines)


def default_table() -> str:
    """[bookmarks] table of ./.g2l.toml, else <catalog>.default.g2l_job_bookmarks of its [transform] catalog."""
    from pathlib import Path

    from glue2lakehouse.config import CONFIG_FILE, load_toml_text, transform_settings, with_bookmark_table
    from glue2lakehouse.transform.bookmarks import state_table

    document = load_toml_text(Path(CONFIG_FILE).read_text()) if Path(CONFIG_FILE).is_file() else {}
    settings = with_bookmark_table(transform_settings(dict(document.get("transform", {}))),
                                   dict(document.get("bookmarks", {})))
    return state_table(settings)


def command(action: str, job: str, *, to: str | None = None, table: str | None = None, remote: str | None = None,
            spark=None) -> str:
    """``g2l bookmarks show|reset|rewind JOB``."""
    if action not in ("show", "reset", "rewind"):
        raise G2LError(f"unknown action {action!r}", "use show, reset or rewind")
    if (action == "rewind") != (to is not None):
        raise G2LError("rewind needs --to RUN_ID (and only rewind takes it)",
                       "g2l bookmarks rewind JOB --to RUN_ID, or g2l bookmarks reset JOB")
    table = table or default_table()
    if len(table.split(".")) != 3:
        raise G2LError(f"--table {table!r} is not a three-part name", "write <catalog>.<schema>.<table>")
    if spark is None:
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.remote(remote) if remote else SparkSession.builder).getOrCreate()
    if action == "show":
        return show(spark, table, job)
    return reset(spark, table, job, to)
