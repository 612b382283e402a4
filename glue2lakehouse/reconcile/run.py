"""``g2l reconcile``: table pairs in, a report out (JSON document, text, exit code).

The CLI stays thin: it parses, opens a Spark session and calls ``reconcile_pairs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glue2lakehouse.errors import EXIT_CONFLICTS, EXIT_OK
from glue2lakehouse.reconcile.engine import DIFFERS, compare_frames, parse_thresholds
from glue2lakehouse.reconcile.sources import read_side


@dataclass
class Pair:
    """One output on both sides, and how to compare it."""

    glue: str
    databricks: str
    keys: list[str] = field(default_factory=list)
    where: str | None = None
    thresholds: dict = field(default_factory=dict)
    glue_format: str | None = None
    databricks_format: str | None = None
    note: str | None = None          # e.g. the scope the job's partition keys suggest

    def to_dict(self) -> dict:
        out = {"glue": self.glue, "databricks": self.databricks}
        for name in ("keys", "where", "thresholds", "glue_format", "databricks_format"):
            value = getattr(self, name)
            if value:
                out[name] = {k: str(v) for k, v in value.items()} if name == "thresholds" else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Pair":
        return cls(glue=data["glue"], databricks=data["databricks"], keys=list(data.get("keys") or []),
                   where=data.get("where") or None, thresholds=dict(data.get("thresholds") or {}),
                   glue_format=data.get("glue_format"), databricks_format=data.get("databricks_format"))


@dataclass
class ReconcileReport:
    tables: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CONFLICTS if any(t["verdict"] == DIFFERS for t in self.tables) else EXIT_OK

    def to_dict(self) -> dict:
        return {"tables": self.tables}

    def render_text(self) -> str:
        lines = []
        for table in self.tables:
            lines.append(f"{table['glue']} -> {table['databricks']}: {table['verdict'].upper()}")
            lines.append(f"  schema {table['schema']}; rows: Glue {table['rows_glue']}, "
                         f"Databricks {table['rows_databricks']}")
            lines.append(f"  missing in Databricks {table['missing_in_databricks']}, missing in Glue "
                         f"{table['missing_in_glue']}, mismatched rows {table['mismatched_rows']}")
            differing = {c: n for c, n in table["mismatched_columns"].items() if n}
            if differing:
                lines.append("  columns that differ: " + ", ".join(f"{c} ({n})" for c, n in differing.items()))
            if not table["rows_glue"] and not table["rows_databricks"]:
                lines.append("  no rows on either side: check the scope (--where) selects the run")
            for sample in table["samples"]:
                lines.append(f"    {_sample_text(sample)}")
        lines += [f"note: {n}" for n in self.notes]
        equal = sum(t["verdict"] != DIFFERS for t in self.tables)
        lines.append(f"{equal} of {len(self.tables)} table(s) equal")
        return "\n".join(lines)


def _sample_text(sample: dict) -> str:
    kind = sample["kind"]
    if kind == "schema":
        if "order" in sample:
            return f"schema: column order {sample['order']['glue']} (Glue) vs {sample['order']['databricks']}"
        return f"schema: {sample['column']}: {sample['glue'] or '(none)'} (Glue) vs " \
               f"{sample['databricks'] or '(none)'} (Databricks)"
    if kind == "mismatch":
        return f"{sample['column']} at {sample['key']}: {sample['glue']!r} (Glue) vs {sample['databricks']!r} (Databricks)"
    where = sample.get("key") or sample.get("glue") or sample.get("databricks")
    copies = f" x{sample['copies']}" if sample.get("copies", 1) != 1 else ""
    detail = sample.get("glue") if "key" in sample and kind == "missing_in_databricks" else \
        sample.get("databricks") if "key" in sample else None
    return f"{kind.replace('_', ' ')}: {where}{copies}" + (f" {detail}" if detail else "")


def compare_pair(spark, pair: Pair) -> dict:
    glue_df = read_side(spark, pair.glue, pair.glue_format, "Glue")
    dbx_df = read_side(spark, pair.databricks, pair.databricks_format, "Databricks")
    return compare_frames(glue_df, dbx_df, keys=pair.keys, thresholds=parse_thresholds(pair.thresholds),
                          where=pair.where, glue_name=pair.glue, databricks_name=pair.databricks)


def reconcile_pairs(spark, pairs: list[Pair]) -> ReconcileReport:
    return ReconcileReport([compare_pair(spark, pair) for pair in pairs], [p.note for p in pairs if p.note])


def session(master: str | None = None, remote: str | None = None):
    """The active session (on Databricks, the job's), else a new one: Spark Connect, a master, or local."""
    from pyspark.sql import SparkSession

    if remote:
        return SparkSession.builder.remote(remote).getOrCreate()
    active = SparkSession.getActiveSession()
    if active is not None and not master:
        return active
    builder = SparkSession.builder
    if master:
        builder = builder.master(master).appName("g2l-reconcile").config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    try:
        spark.sparkContext.setLogLevel("ERROR")
    except Exception:  # shared and serverless compute give no SparkContext; their logs stay as they are
        pass
    return spark
