"""One side of a comparison: a table name or a path, read as a DataFrame.

A path is read as Delta when it holds a ``_delta_log`` folder, else as Parquet (what Glue's
``parquet`` / ``glueparquet`` sinks write); ``fmt`` names any other format (csv with a header
row, json, orc, avro...).
"""

from __future__ import annotations

import os
import re

from glue2lakehouse.reconcile.engine import ReconcileError, quiet_analysis_errors

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_path(name: str) -> bool:
    """A table name has no slash; anything with one (or a scheme) is a path."""
    return bool(_SCHEME.match(name)) or "/" in name or name.startswith(("~", "file:"))


def _has_delta_log(spark, path: str) -> bool | None:
    """True / False when it can be told, None when this session cannot look (Spark Connect on a remote store)."""
    local = path[len("file:"):] if path.startswith("file:") else path
    if not _SCHEME.match(path) or path.startswith("file:"):
        return os.path.isdir(os.path.join(os.path.expanduser(local), "_delta_log"))
    jvm = getattr(spark, "_jvm", None)
    if jvm is None:
        return None
    try:
        hadoop_path = jvm.org.apache.hadoop.fs.Path(path.rstrip("/") + "/_delta_log")
        return bool(hadoop_path.getFileSystem(spark._jsc.hadoopConfiguration()).exists(hadoop_path))
    except Exception:  # py4j errors: no filesystem for the scheme, no credentials
        return None


def path_format(spark, path: str, fmt: str | None = None) -> str:
    if fmt:
        return {"glueparquet": "parquet"}.get(fmt.lower(), fmt.lower())
    found = _has_delta_log(spark, path)
    return "delta" if found or found is None and path.startswith(("s3://", "s3a://", "abfss://", "gs://")) \
        and _delta_readable(spark, path) else "parquet"


def _delta_readable(spark, path: str) -> bool:
    try:
        spark.read.format("delta").load(path).schema
        return True
    except Exception:
        return False


def read_side(spark, name: str, fmt: str | None = None, side: str = "Glue"):
    """The DataFrame of a table name (catalog.schema.table, schema.table) or a path."""
    try:
        with quiet_analysis_errors():
            if not is_path(name):
                if fmt:
                    raise ReconcileError(f"--format {fmt} given for the table {name}", "--format applies to paths only")
                frame = spark.table(name)
                frame.schema
                return frame
            chosen = path_format(spark, name, fmt)
            reader = spark.read.format(chosen)
            if chosen == "csv":
                reader = reader.option("header", True)
            frame = reader.load(name)
            frame.schema
            return frame
    except ReconcileError:
        raise
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReconcileError(f"cannot read the {side} side {name}: {first[:300]}",
                             "check the table name or path (and --format for a path that is not Delta or Parquet)") \
            from None
