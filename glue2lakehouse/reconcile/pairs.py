"""A converted job's outputs on both sides, as the conversion maps them.

The Glue side is read from the Glue script with the sync review's ``ast`` reader
(``review/semantics.py``), extended here to keep what a comparison needs and the review does
not: the format and ``partitionKeys`` of each write, and ``getSink`` + ``setCatalogInfo``. The
Databricks side is what the transformer writes for it, through the same transform settings:
``<db>.<table>`` -> ``TransformSettings.table`` (``rules/writers.py``, ``rules/misc.py``), an S3
path -> ``TransformSettings.map_path`` (``rules/readers.py``), Delta when ``s3_writes = "delta"``.

Where Databricks (or this Spark) sees the Glue side is the ``[reconcile]`` setting
``glue_catalog`` (the Glue Data Catalog federated into Unity Catalog: ``<glue_catalog>.<db>.<table>``)
and ``glue_paths`` (S3 prefix -> where that data is readable; default: the S3 path itself).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.reconcile.run import Pair
from glue2lakehouse.reconcile.settings import ReconcileSettings
from glue2lakehouse.review import semantics

_FILE_FORMATS = {"glueparquet": "parquet", "parquet": "parquet", "csv": "csv", "json": "json", "orc": "orc",
                 "avro": "avro"}
_COMPUTED = re.compile(r"[\[\]{}()'\"+%]|^\?$")   # a target the code computes at run time (ast.unparse text)
_TWO_PART = re.compile(r"^`?([A-Za-z_][A-Za-z0-9_]*)`?\.`?([A-Za-z_][A-Za-z0-9_]*)`?$")


@dataclass
class Output:
    """One thing a Glue job writes."""

    target: str                              # 'db.table' or 's3://bucket/prefix/'
    kind: str                                # 'catalog' or 'path'
    fmt: str | None = None                   # for paths: the file format Glue writes
    partition_keys: list[str] = field(default_factory=list)
    modes: set[str] = field(default_factory=set)


class _WriteReader(semantics._Reader):
    """The review's reader, keeping each write's format, partition keys and getSink catalog info."""

    def __init__(self, tree: ast.Module):
        self.outputs: dict[str, Output] = {}
        self.sink_keys: list[str] = []
        super().__init__(tree)

    def output(self, target: str, kind: str, mode: str, fmt: str | None = None, keys=()) -> None:
        entry = self.outputs.setdefault(target, Output(target, kind))
        entry.modes.add(mode)
        entry.fmt = entry.fmt or fmt
        for key in keys:
            if key not in entry.partition_keys:
                entry.partition_keys.append(key)

    def _call(self, call: ast.Call) -> None:
        super()._call(call)
        name = semantics._callee(call)
        if name == "getSink":
            self.sink_keys = self.strings(self.arg(call, 99, "partitionKeys"))
        elif name == "setCatalogInfo":
            database = self.value(self.arg(call, 0, "catalogDatabase"))
            table = self.value(self.arg(call, 1, "catalogTableName"))
            self.output(f"{database}.{table}", "catalog", semantics.GLUE_SINK_MODE, keys=self.sink_keys)

    def _glue_write(self, name: str, call: ast.Call) -> None:
        super()._glue_write(name, call)
        if name == "from_catalog":
            target = f"{self.value(self.arg(call, 1, 'database'))}.{self.value(self.arg(call, 2, 'table_name'))}"
            keys = self.option(call, 5, "additional_options", "partitionKeys")
            self.output(target, "catalog", semantics.GLUE_SINK_MODE, keys=keys)
        elif name == "from_options":
            kind = self.value(self.arg(call, 1, "connection_type")) or ""
            if kind != "s3":
                return
            fmt = (self.value(self.arg(call, 3, "format")) or "").lower()
            keys = self.option(call, 2, "connection_options", "partitionKeys")
            for target in self.option(call, 2, "connection_options", "path"):
                self.output(target, "path", semantics.GLUE_SINK_MODE, _FILE_FORMATS.get(fmt, fmt or None), keys)

    def _spark_write(self, name: str, call: ast.Call) -> None:
        before = {k: set(v) for k, v in self.facts.writes.items()}
        super()._spark_write(name, call)
        keys = []
        fmt = name if name in _FILE_FORMATS else None
        for method, inner in semantics._chain_calls(call.func.value):
            if method == "partitionBy":
                for node in inner.args:
                    keys += self.strings(node.value if isinstance(node, ast.Starred) else node)
            elif method == "format" and inner.args:
                fmt = fmt or self.value(inner.args[0])
        for target, modes in self.facts.writes.items():
            for mode in modes - before.get(target, set()):
                kind = "catalog" if name in ("saveAsTable", "insertInto") else "path"
                self.output(target, kind, mode, fmt if kind == "path" else None, keys)


def job_outputs(source: bytes | str) -> list[Output]:
    """What a Glue script writes to catalog tables and S3 (JDBC targets are not compared), in code order."""
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    reader = _WriteReader(tree)
    return [o for o in reader.outputs.values() if o.kind == "catalog" or o.target.startswith(("s3://", "s3a://", "s3n://"))
            or o.kind == "path" and "/" in o.target]


def suggested_scope(output: Output, arguments: list[str] | None) -> str | None:
    """A run's slice of an appended output: a partition key the job also takes as an argument
    (``run_date`` partitions, ``--run_date`` argument) -> ``run_date = '{run_date}'``."""
    if "append" not in output.modes or not output.partition_keys:
        return None
    names = {a.lower(): a for a in (arguments or [])}
    for key in output.partition_keys:
        if key.lower() in names:
            return f"{key} = '{{{names[key.lower()]}}}'"
    return None


def pairs_for(outputs: list[Output], transform: TransformSettings, settings: ReconcileSettings,
              job: str, arguments: list[str] | None = None, values: dict[str, str] | None = None,
              aliases: tuple[str, ...] = ()) -> tuple[list[Pair], list[str]]:
    """The comparison of each output, and notes on what cannot be compared or how to scope it.

    ``values``: the job's argument values (placeholders ``{name}`` in a scope are filled from them)."""
    pairs, notes = [], []
    options = settings.for_job(job, *aliases)
    for output in outputs:
        if _COMPUTED.search(output.target):
            notes.append(f"{job}: the output {output.target} is computed at run time: compare it with "
                         "--glue and --databricks")
            continue
        per_table = options.tables.get(output.target, {})
        keys = list(per_table.get("keys", options.keys))
        where = per_table.get("where", options.where)
        thresholds = {**options.thresholds, **per_table.get("thresholds", {})}
        if output.kind == "catalog":
            match = _TWO_PART.match(output.target)
            if not match:
                notes.append(f"{job}: the output {output.target} is not a <database>.<table> name: compare it by hand")
                continue
            database, table = match.groups()
            glue = f"{settings.glue_catalog}.{database}.{table}" if settings.glue_catalog else f"{database}.{table}"
            pair = Pair(glue, transform.table(database, table), keys, None, thresholds)
        else:
            dbx_format = "delta" if transform.s3_writes == "delta" else output.fmt
            pair = Pair(settings.map_glue_path(output.target), transform.map_path(output.target), keys, None,
                        thresholds, output.fmt, dbx_format)
        if pair.glue == pair.databricks:
            notes.append(f"{job}: the conversion writes {output.target} to the same place as Glue ({pair.glue}), so "
                         "there is nothing to compare: map it elsewhere ([transform.paths] or [transform.schemas]), "
                         "or set [reconcile] glue_paths / glue_catalog to where Glue's copy is")
            continue
        suggestion = suggested_scope(output, arguments)
        if where is None and suggestion is not None:
            where = suggestion
            pair.note = f"{output.target} is appended to, partitioned by {', '.join(output.partition_keys)}: " \
                        f"compared for one run's slice, {suggestion} (set where under [reconcile.jobs.{job}] " \
                        "to choose another)"
        elif where is None and "append" in output.modes:
            pair.note = f"{output.target} is appended to by every run: the whole table is compared; scope it " \
                        f"to one run with --where or where under [reconcile.jobs.{job}]" + \
                        (f" (it is partitioned by {', '.join(output.partition_keys)})" if output.partition_keys else "")
        pair.where = fill(where, values) if where and values is not None else where
        pairs.append(pair)
    return pairs, notes


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(where: str, values: dict[str, str]) -> str:
    """'run_date = '{run_date}'' with {'run_date': '2026-01-31'} -> 'run_date = '2026-01-31''."""
    from glue2lakehouse.reconcile.engine import ReconcileError

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise ReconcileError(f"the scope {where!r} needs the job argument {name!r}",
                                 f"pass --arg {name}=VALUE (the run to compare), or --where")
        return values[name]

    return _PLACEHOLDER.sub(replace, where)
