"""What ``g2l reconcile`` does, behind the thin CLI: choose the pairs, open Spark, compare or summarise."""

from __future__ import annotations

from pathlib import Path

from glue2lakehouse.errors import EXIT_OK, G2LError
from glue2lakehouse.reconcile.engine import parse_thresholds
from glue2lakehouse.reconcile.run import Pair, reconcile_pairs, session


def _configured_report_table(repo: Path) -> str | None:
    from glue2lakehouse.gitrepo import worktree_of
    from glue2lakehouse.sync import load_config

    root = worktree_of(repo)
    if root is None or not (root / ".g2l.toml").exists():
        return None
    from glue2lakehouse.gitrepo import GitRepo

    return load_config(GitRepo(root)).estate.reconcile.report_table


def run(*, job, glue, databricks, keys, where, thresholds, fmt, args, report, report_table, master, remote,
        repo: Path) -> tuple[dict, str, int]:
    """(JSON document, text, exit code)."""
    if report:
        if job or glue or databricks:
            raise G2LError("--report summarises the report table; it takes no JOB, --glue or --databricks",
                           "run 'g2l reconcile --report' on its own")
        table = report_table or _configured_report_table(repo)
        if not table:
            raise G2LError("no report table to summarise", "pass --report-table or set report_table under [reconcile]")
        from glue2lakehouse.reconcile.history import render_summary, summarise

        jobs = summarise(session(master, remote), table)
        return {"report_table": table, "jobs": jobs}, render_summary(table, jobs), EXIT_OK
    overrides = parse_thresholds(thresholds)
    if job:
        if glue or databricks or fmt:
            raise G2LError("JOB and --glue / --databricks / --format both given",
                           "compare a job's outputs (JOB) or one pair (--glue and --databricks)")
        from glue2lakehouse.reconcile.jobs import job_pairs

        pairs, notes = job_pairs(repo, job, args)
        for pair in pairs:
            if keys:
                pair.keys = list(keys)
            if where:
                pair.where, pair.note = where, None
            pair.thresholds = {**pair.thresholds, **overrides}
    else:
        if not glue or not databricks:
            raise G2LError("nothing to compare", "give JOB, or both --glue TABLE_OR_PATH and --databricks TABLE_OR_PATH")
        if args:
            raise G2LError("--arg applies to JOB only", "write the scope with --where")
        pairs, notes = [Pair(glue, databricks, list(keys), where, overrides, fmt, fmt)], []
    for pair in pairs:
        if pair.glue == pair.databricks:
            raise G2LError(f"{pair.glue} is on both sides", "name the Glue output and its Databricks counterpart")
    result = reconcile_pairs(session(master, remote), pairs)
    result.notes = notes + result.notes
    return result.to_dict(), result.render_text(), result.exit_code
