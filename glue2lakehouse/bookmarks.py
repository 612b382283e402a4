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
