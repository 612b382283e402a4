"""The reconcile task of a bundle job: runs after the converted task, on the job's Spark.

    g2l-reconcile-task --job daily_risk_job --run-id 123 --report-table prod.g2l.reconcile_runs \\
        --table '{"glue": "glue.risk_db.risk_scores", "databricks": "prod.risk_db.risk_scores", "keys": ["id"]}'

(the bundle runs it as a ``python_wheel_task``; ``python -m glue2lakehouse.reconcile.task`` is the
same). Each ``--table`` is one pair as JSON (``glue``, ``databricks``, optional ``keys``,
``where``, ``thresholds``, ``glue_format``, ``databricks_format``). The result of every table
is appended to the report table; the task fails (exit 1) when a table differs, 2 on errors.
"""

from __future__ import annotations

import argparse
import json
import sys

from glue2lakehouse.errors import EXIT_ERROR, G2LError
from glue2lakehouse.reconcile.run import Pair, reconcile_pairs, session


def main(argv: list[str] | None = None, spark=None) -> int:
    parser = argparse.ArgumentParser(prog="g2l-reconcile-task")
    parser.add_argument("--job", required=True)
    parser.add_argument("--run-id", default="")
    parser.add_argument("--report-table")
    parser.add_argument("--table", action="append", default=[], required=True)
    options = parser.parse_args(argv)
    try:
        pairs = [Pair.from_dict(json.loads(item)) for item in options.table]
    except (ValueError, KeyError, TypeError) as error:
        print(f"g2l-reconcile-task: error: a --table is not a pair as JSON ({error})", file=sys.stderr)
        return EXIT_ERROR
    try:
        spark = spark or session()
        report = reconcile_pairs(spark, pairs)
    except G2LError as error:
        print(f"g2l-reconcile-task: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(report.render_text())
    if options.report_table:
        from glue2lakehouse.reconcile.history import append_report, report_rows

        append_report(spark, options.report_table, report_rows(options.job, options.run_id, report.tables))
    return report.exit_code


def entry() -> None:
    """Console entry point (``g2l-reconcile-task``): a non-zero exit fails the Databricks task."""
    code = main()
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    entry()
