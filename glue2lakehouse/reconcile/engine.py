"""Compare what Glue wrote with what Databricks wrote, where the data is (Spark).

``compare_frames(glue_df, databricks_df, keys=..., thresholds=..., where=...)`` is the one
entry point (``g2l reconcile``, the bundle's reconcile task and any other caller use it). It
works on two DataFrames of any Spark (local, Spark Connect, Databricks) and never collects a
whole table: one aggregate row comes back, plus a few sample rows when something differs.

- With keys: a full outer join on the keys (null-safe: a null key matches a null key), then one
  aggregation counts the rows missing on either side and, per column, the rows whose values
  differ beyond the column's threshold.
- Without keys: both sides go through one hash aggregate (row hash -> copies on each side), and
  the counts say how many copies of each row one side lacks (rows as multisets; no pairing, so
  no per-column figures and no thresholds).

Nulls are equal to nulls everywhere. Keyed row counts come from ``count()`` of each side (for
Delta and Parquet without a filter Spark answers them from metadata).
"""

from __future__ import annotations

import datetime
import decimal
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce

from glue2lakehouse.errors import G2LError

SAMPLE_SIZE = 5
EQUAL, DIFFERS = "equal", "differs"
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
_THRESHOLD = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(%?)\s*$")


class ReconcileError(G2LError):
    """A comparison that cannot be made as asked (unknown column, bad threshold, keys that repeat...)."""


@dataclass(frozen=True)
class Threshold:
    value: float
    percent: bool = False

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{self.value:g}"


def parse_threshold(text: str, column: str = "") -> Threshold:
    """'0.01' (absolute: the column's unit; days for dates, seconds for timestamps) or '0.5%' (of the Glue value)."""
    match = _THRESHOLD.match(str(text))
    if not match:
        raise ReconcileError(f"threshold {column + '=' if column else ''}{text!r} is not a number or a percentage",
                             "write it as COL=0.01 (absolute) or COL=0.5% (relative to the Glue value)")
    return Threshold(float(match.group(1)), bool(match.group(2)))


def parse_thresholds(items) -> dict[str, Threshold]:
    """['amount=0.01', 'ead=1%'] or {'amount': '0.01'} -> {column: Threshold}."""
    if not items:
        return {}
    if isinstance(items, dict):
        pairs = list(items.items())
    else:
        pairs = []
        for item in items:
            column, sep, value = str(item).partition("=")
            if not sep or not column.strip():
                raise ReconcileError(f"--threshold {item!r} is not COL=VALUE", "write it as --threshold amount=0.01")
            pairs.append((column.strip(), value))
    return {column: value if isinstance(value, Threshold) else parse_threshold(value, column) for column, value in pairs}


def _kind(type_name: str) -> str:
    base = type_name.split("(")[0]
    if base in _NUMERIC:
        return "numeric"
    if base in ("date", "timestamp", "timestamp_ntz"):
        return base if base == "date" else "timestamp"
    return "other"


def _json_value(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if hasattr(value, "asDict"):
        return {k: _json_value(v) for k, v in value.asDict().items()}
    return value


def _schema(df) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in df.schema.fields]


def schema_differences(glue: list[tuple[str, str]], dbx: list[tuple[str, str]]) -> list[dict]:
    """Samples saying how two schemas differ: columns on one side only, types, order."""
    out = []
    glue_types = {n.lower(): t for n, t in glue}
    dbx_types = {n.lower(): t for n, t in dbx}
    for name, kind in glue:
        if name.lower() not in dbx_types:
            out.append({"kind": "schema", "column": name, "glue": kind, "databricks": None})
        elif dbx_types[name.lower()] != kind:
            out.append({"kind": "schema", "column": name, "glue": kind, "databricks": dbx_types[name.lower()]})
    for name, kind in dbx:
        if name.lower() not in glue_types:
            out.append({"kind": "schema", "column": name, "glue": None, "databricks": kind})
    if not out and [n for n, _ in glue] != [n for n, _ in dbx]:
        out.append({"kind": "schema", "order": {"glue": [n for n, _ in glue], "databricks": [n for n, _ in dbx]}})
    return out


def _comparable(F, column, glue_type: str, dbx_type: str, side_type: str):
    """The column as both sides compare it: as it is when the types agree, else double (numbers) or string."""
    if glue_type == dbx_type:
        if _kind(side_type) == "numeric" and side_type in ("float", "double"):
            return column + F.lit(0.0)      # -0.0 and 0.0 are the same value (and hash the same)
        return column
    if _kind(glue_type) == _kind(dbx_type) == "numeric":
        return column.cast("double") + F.lit(0.0)
    return column.cast("string")


def _equal(F, glue, dbx, kind: str, threshold: Threshold | None):
    """Null-safe equality, within the threshold when the column has one."""
    same = glue.eqNullSafe(dbx)
    if threshold is None:
        return same
    if kind == "numeric":
        gap = F.abs(glue.cast("double") - dbx.cast("double"))
        limit = F.abs(glue.cast("double")) * F.lit(threshold.value / 100.0) if threshold.percent \
            else F.lit(threshold.value)
    elif kind == "date":
        gap, limit = F.abs(F.datediff(dbx, glue)), F.lit(threshold.value)
    else:
        gap = F.abs(F.unix_micros(dbx.cast("timestamp")) - F.unix_micros(glue.cast("timestamp"))) / F.lit(1e6)
        limit = F.lit(threshold.value)
    return same | F.coalesce(gap <= limit, F.lit(False))


def _resolve(names: list[str], available: list[str], side: str, what: str) -> list[str]:
    lookup = {n.lower(): n for n in available}
    out = []
    for name in names:
        if name.lower() not in lookup:
            raise ReconcileError(f"{what} column {name!r} is not in the {side} table (columns: {', '.join(available)})",
                                 "name a column both sides have")
        out.append(lookup[name.lower()])
    return out


def compare_frames(glue_df, databricks_df, keys=None, thresholds=None, where: str | None = None,
                   sample_size: int = SAMPLE_SIZE, glue_name: str = "glue", databricks_name: str = "databricks") -> dict:
    """One table pair's result, in the shape ``g2l reconcile --json`` prints for each table."""
    from pyspark.sql import functions as F

    keys = list(keys or [])
    thresholds = parse_thresholds(thresholds)
    if where:
        glue_df, databricks_df = _scoped(glue_df, where, "Glue"), _scoped(databricks_df, where, "Databricks")
    glue_schema, dbx_schema = _schema(glue_df), _schema(databricks_df)
    dbx_lookup = {n.lower(): (n, t) for n, t in dbx_schema}
    common = [(n, dbx_lookup[n.lower()][0], t, dbx_lookup[n.lower()][1]) for n, t in glue_schema
              if n.lower() in dbx_lookup]
    glue_keys = _resolve(keys, [n for n, _ in glue_schema], "Glue", "key")
    dbx_keys = _resolve(keys, [n for n, _ in dbx_schema], "Databricks", "key")
    _resolve(list(thresholds), [c[0] for c in common], "compared (both sides')", "threshold")
    by_lower = {k.lower(): v for k, v in thresholds.items()}
    for glue_col, _, glue_type, dbx_type in common:
        limit = by_lower.get(glue_col.lower())
        if limit is None:
            continue
        kind = _kind(glue_type) if _kind(glue_type) == _kind(dbx_type) else "other"
        if kind == "other" or (kind != "numeric" and limit.percent):
            raise ReconcileError(f"threshold on {glue_col!r} ({glue_type}): only numbers take a tolerance, and "
                                 "dates (days) and timestamps (seconds) an absolute one",
                                 "drop that --threshold or compare the column exactly")
    if thresholds and not keys:
        raise ReconcileError("thresholds need keys: without them rows are compared whole and cannot be paired",
                             "give the columns that identify a row with --key")
    result = {
        "glue": glue_name, "databricks": databricks_name, "verdict": EQUAL,
        "schema": EQUAL if glue_schema == dbx_schema else DIFFERS,
        "rows_glue": 0, "rows_databricks": 0, "missing_in_databricks": 0, "missing_in_glue": 0,
        "mismatched_rows": 0, "mismatched_columns": {}, "samples": [],
    }
    if result["schema"] == DIFFERS:
        result["samples"].extend(schema_differences(glue_schema, dbx_schema))
    if keys:
        _keyed(F, result, glue_df, databricks_df, common, glue_keys, dbx_keys, by_lower, sample_size)
    else:
        _hashed(F, result, glue_df, databricks_df, common, sample_size)
    if result["schema"] == DIFFERS or result["rows_glue"] != result["rows_databricks"] or \
            result["missing_in_databricks"] or result["missing_in_glue"] or result["mismatched_rows"]:
        result["verdict"] = DIFFERS
    return result


@contextmanager
def quiet_analysis_errors():
    """PySpark logs every analysis error with its query context on stderr; here the error becomes one line."""
    try:   # PySpark's own logger class: a plain logging.Logger of that name would break PySpark's calls to it
        from pyspark.logger import PySparkLogger

        logger = PySparkLogger.getLogger("SQLQueryContextLogger")
    except ImportError:  # PySpark before 4.0 has no such logger
        yield
        return
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _scoped(df, where: str, side: str):
    try:
        with quiet_analysis_errors():
            scoped = df.where(where)
            scoped.limit(0).collect()   # analysed now (Spark Connect caches a filter's schema, so .schema would not)
        return scoped
    except Exception as error:  # AnalysisException / ParseException (classic and Connect have their own classes)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReconcileError(f"--where {where!r} does not apply to the {side} side: {first}",
                             "write a Spark SQL condition on columns both sides have") from None


def _keyed(F, result, glue_df, dbx_df, common, glue_keys, dbx_keys, thresholds, sample_size) -> None:
    key_set = {k.lower() for k in glue_keys}
    values = [c for c in common if c[0].lower() not in key_set]
    types = {c[0]: c for c in common}
    g = glue_df.select(
        *[_comparable(F, F.col(f"`{k}`"), types[k][2], types[k][3], types[k][2]).alias(f"gk{i}")
          for i, k in enumerate(glue_keys)],
        *[_comparable(F, F.col(f"`{g_}`"), gt, dt, gt).alias(f"gv{i}") for i, (g_, _, gt, dt) in enumerate(values)],
        F.lit(True).alias("_g"))
    d = dbx_df.select(
        *[_comparable(F, F.col(f"`{k}`"), types[gk][2], types[gk][3], types[gk][3]).alias(f"dk{i}")
          for i, (k, gk) in enumerate(zip(dbx_keys, glue_keys))],
        *[_comparable(F, F.col(f"`{d_}`"), gt, dt, dt).alias(f"dv{i}") for i, (_, d_, gt, dt) in enumerate(values)],
        F.lit(True).alias("_d"))
    condition = reduce(lambda a, b: a & b, [F.col(f"gk{i}").eqNullSafe(F.col(f"dk{i}")) for i in range(len(glue_keys))])
    joined = g.join(d, condition, "full_outer")
    both = F.col("_g").isNotNull() & F.col("_d").isNotNull()
    differs = []
    for i, (glue_col, _, gt, dt) in enumerate(values):
        kind = _kind(gt) if _kind(gt) == _kind(dt) else "other"
        equal = _equal(F, F.col(f"gv{i}"), F.col(f"dv{i}"), kind, thresholds.get(glue_col.lower()))
        differs.append(both & ~equal)
    any_differs = reduce(lambda a, b: a | b, differs) if differs else F.lit(False)
    missing_dbx = F.col("_d").isNull()
    missing_glue = F.col("_g").isNull()

    def count(condition):
        return F.sum(F.when(condition, 1).otherwise(0))

    aggregates = [count(F.col("_g").isNotNull()).alias("joined_glue"), count(F.col("_d").isNotNull()).alias("joined_dbx"),
                  count(missing_dbx).alias("missing_dbx"), count(missing_glue).alias("missing_glue"),
                  count(any_differs).alias("mismatched")] + [count(c).alias(f"c{i}") for i, c in enumerate(differs)]
    totals = joined.agg(*aggregates).collect()[0]
    rows_glue, rows_dbx = glue_df.count(), dbx_df.count()
    result.update(rows_glue=rows_glue, rows_databricks=rows_dbx)
    if (totals["joined_glue"] or 0) != rows_glue or (totals["joined_dbx"] or 0) != rows_dbx:
        side = "Databricks" if (totals["joined_glue"] or 0) != rows_glue else "Glue"
        raise ReconcileError(f"the key {', '.join(glue_keys)} does not identify one row: the {side} side has several "
                             "rows with the same key as a row of the other side",
                             "add key columns until each row has its own key, or compare whole rows (no --key)")
    result["missing_in_databricks"] = totals["missing_dbx"] or 0
    result["missing_in_glue"] = totals["missing_glue"] or 0
    result["mismatched_rows"] = totals["mismatched"] or 0
    result["mismatched_columns"] = {c[0]: totals[f"c{i}"] or 0 for i, c in enumerate(values)}
    if not (result["missing_in_databricks"] or result["missing_in_glue"] or result["mismatched_rows"]):
        return
    # Samples: a second pass, only when something differs. The differing rows are tagged with their kinds
    # (missing on one side, or the columns that differ) and numbered within each kind by key: the first
    # sample_size of each kind come back.
    kinds = []
    if result["missing_in_databricks"]:
        kinds.append(("missing_in_databricks", missing_dbx, None))
    if result["missing_in_glue"]:
        kinds.append(("missing_in_glue", missing_glue, None))
    for i, c in enumerate(values):
        if result["mismatched_columns"][c[0]]:
            kinds.append(("mismatch", differs[i], i))
    from pyspark.sql import Window

    tags = F.array(*[F.when(condition, F.lit(n)) for n, (_, condition, _) in enumerate(kinds)])
    order = [F.coalesce(*pair) for pair in zip([F.col(f"gk{i}") for i in range(len(glue_keys))],
                                               [F.col(f"dk{i}") for i in range(len(glue_keys))])]
    tagged = (joined.where(reduce(lambda a, b: a | b, [c for _, c, _ in kinds]))
              .withColumn("_kind", F.explode(F.filter(tags, lambda t: t.isNotNull())))
              .withColumn("_n", F.row_number().over(Window.partitionBy("_kind").orderBy(*order))))
    rows = tagged.where(F.col("_n") <= sample_size).orderBy("_kind", "_n").collect()
    for row in rows:
        name, _, column = kinds[row["_kind"]]
        if name == "missing_in_glue":
            key = {k: _json_value(row[f"dk{i}"]) for i, k in enumerate(glue_keys)}
            sample = {"kind": name, "key": key,
                      "databricks": {c[1]: _json_value(row[f"dv{i}"]) for i, c in enumerate(values)}}
        else:
            key = {k: _json_value(row[f"gk{i}"]) for i, k in enumerate(glue_keys)}
            if name == "missing_in_databricks":
                sample = {"kind": name, "key": key,
                          "glue": {c[0]: _json_value(row[f"gv{i}"]) for i, c in enumerate(values)}}
            else:
                sample = {"kind": name, "column": values[column][0], "key": key,
                          "glue": _json_value(row[f"gv{column}"]), "databricks": _json_value(row[f"dv{column}"])}
        result["samples"].append(sample)


def _row_hash(F, columns):
    """Two independent 64-bit hashes of the row; a null and its column's null flag are both hashed, so
    (null, 1) and (1, null) hash apart."""
    parts = []
    for column in columns:
        parts += [column, column.isNull()]
    if not parts:
        parts = [F.lit(0)]
    return F.xxhash64(*parts).alias("h1"), F.hash(*parts).alias("h2")


def _hashed(F, result, glue_df, dbx_df, common, sample_size) -> None:
    glue_cols = [_comparable(F, F.col(f"`{g}`"), gt, dt, gt) for g, _, gt, dt in common]
    dbx_cols = [_comparable(F, F.col(f"`{d}`"), gt, dt, dt) for _, d, gt, dt in common]
    # Both sides in one hash aggregate (one shuffle, partial counts before it): per row hash, the copies on each side.
    g = glue_df.select(*_row_hash(F, glue_cols), F.lit(1).alias("g"), F.lit(0).alias("d"))
    d = dbx_df.select(*_row_hash(F, dbx_cols), F.lit(0).alias("g"), F.lit(1).alias("d"))
    joined = g.unionByName(d).groupBy("h1", "h2").agg(F.sum("g").alias("gn"), F.sum("d").alias("dn"))
    totals = joined.agg(F.sum("gn").alias("rows_glue"), F.sum("dn").alias("rows_dbx"),
                        F.sum(F.greatest(F.col("gn") - F.col("dn"), F.lit(0))).alias("missing_dbx"),
                        F.sum(F.greatest(F.col("dn") - F.col("gn"), F.lit(0))).alias("missing_glue")).collect()[0]
    result.update(rows_glue=totals["rows_glue"] or 0, rows_databricks=totals["rows_dbx"] or 0,
                  missing_in_databricks=totals["missing_dbx"] or 0, missing_in_glue=totals["missing_glue"] or 0)
    if not (result["missing_in_databricks"] or result["missing_in_glue"]):
        return
    # Samples, only when something differs: the first hashes each side lacks (one pass over the aggregates),
    # then the rows with those hashes (one filtered pass over each side that has extra rows).
    from pyspark.sql import Window

    lacking = (joined.where(F.col("gn") != F.col("dn"))
               .withColumn("_side", F.when(F.col("gn") > F.col("dn"), 0).otherwise(1))
               .withColumn("_n", F.row_number().over(Window.partitionBy("_side").orderBy("h1", "h2")))
               .where(F.col("_n") <= sample_size).collect())
    for number, (name, side, frame, cols, names) in enumerate((
            ("missing_in_databricks", "glue", glue_df, glue_cols, [c[0] for c in common]),
            ("missing_in_glue", "databricks", dbx_df, dbx_cols, [c[1] for c in common]))):
        copies = {(r["h1"], r["h2"]): abs(r["gn"] - r["dn"]) for r in lacking if r["_side"] == number}
        if not copies:
            continue
        hashed = frame.select(*_row_hash(F, cols), *[c.alias(f"v{i}") for i, c in enumerate(cols)])
        rows = hashed.where(F.col("h1").isin([h1 for h1, _ in copies])).collect()
        seen = set()
        for row in sorted(rows, key=lambda r: (r["h1"], r["h2"])):
            found = (row["h1"], row["h2"])
            if found in copies and found not in seen:
                seen.add(found)
                result["samples"].append({"kind": name, "copies": copies[found],
                                          side: {n: _json_value(row[f"v{i}"]) for i, n in enumerate(names)}})
