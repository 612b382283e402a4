"""Reconcile: compare what a Glue job wrote with what its Databricks conversion wrote.

``compare_frames`` (engine.py) compares two DataFrames where they are; ``sources`` reads a
table or a path; ``pairs`` finds a converted job's outputs on both sides from the conversion;
``bundle`` adds the reconcile task to a bundle job; ``task`` is that task's entry point on
Databricks; ``history`` writes and summarises the report table.
Nothing here imports PySpark at import time.
"""

from glue2lakehouse.reconcile.engine import ReconcileError, compare_frames, parse_thresholds

__all__ = ["ReconcileError", "compare_frames", "parse_thresholds"]
