"""Reconcile: compare what a Glue job wrote with what its Databricks conversion wrote.

``compare_frames`` (engine.py) compares two DataFrames where they are; ``sources`` reads a
table or a path; ``pairs`` finds a converted job's outputs on both sides from the conversion;
``bundle`` adds the reconcile task to a bundle job; ``task`` is that task's entry point on
Databricks; ``history`` writes and summarises the report table.
Nothing here imports PySpark at import time, and the package imports the engine only when one of its names is
asked for: the settings module is read by every g2l command (the configuration), the engine by few.
"""

__all__ = ["ReconcileError", "compare_frames", "parse_thresholds"]


def __getattr__(name: str):
    if name in __all__:
        from glue2lakehouse.reconcile import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
