"""Inputs made from the job itself: values chosen to tell a right conversion from a wrong one.

For every column of every input the job reads (``shape.JobShape``), a list of candidate values:
the job's own literals and their neighbours (a comparison with 100 gets 99, 100 and 101), nulls,
empty strings, strings that do not cast (ApplyMapping's try_cast), decimals where the code casts
to integers, dates at month and year edges; join keys come from one shared domain so that some
rows match, some match more than once and some match nothing. A dataset is a few rows per input
(every candidate appears at least once), in an order decided by the seed.

``write`` puts a dataset where the runner reads inputs (``DATA/<database>/<table>.parquet``,
``DATA/s3/<bucket>/<key>``). ``shrink`` asks Hypothesis for the smallest subset of the rows on
which a difference still shows.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from glue2lakehouse.verify.shape import Input, JobShape, is_numeric

ROWS = 16
MAX_ROWS = 40
DEFAULT_COLUMNS = [("id", "bigint"), ("name", "string"), ("amount", "double"), ("event_date", "date")]
_DATES = [datetime.date(2024, 1, 31), datetime.date(2024, 2, 1), datetime.date(2023, 12, 31),
          datetime.date(2024, 1, 1), datetime.date(2024, 2, 29)]
_S3 = re.compile(r"^s3[an]?://([^/]+)/?(.*)$")


@dataclass
class Table:
    """One input's generated rows: ``columns`` are (path, Spark type), ``rows`` dicts keyed by top-level name."""
    input: Input
    columns: list
    rows: list = field(default_factory=list)


@dataclass
class Dataset:
    tables: dict = field(default_factory=dict)     # input name -> Table

    def subset(self, keep: dict) -> "Dataset":
        """The rows whose flag is true in ``keep`` (input name -> list of booleans)."""
        return Dataset({name: Table(t.input, t.columns, [r for r, k in zip(t.rows, keep[name]) if k])
                        for name, t in self.tables.items()})

    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())


# ---------------------------------------------------------------- types and candidate values
def column_type(column, shape: JobShape) -> str:
    if column.type:
        return column.type
    key = column.path.split(".")[-1].lower()
    literals = shape.literals.get(key, set())
    if key in shape.numeric:
        return "double" if any(isinstance(v, float) for v in literals) else "bigint"
    return "string"


def _numbers_near(literals) -> list:
    out = []
    for value in sorted(v for v in literals if isinstance(v, (int, float)) and not isinstance(v, bool)):
        # the value and its neighbours, and as many values past it on each side: rows on both sides of a test
        out += [value - 1, value, value + 1, value * 2 + 1 if value >= 0 else value * 2 - 1,
                value // 2 if isinstance(value, int) else value / 2]
        if isinstance(value, float) or value != int(value):
            out += [value - 0.5, value + 0.5]
    return out


def candidates(column, type_name: str, shape: JobShape) -> list:
    key = column.path.split(".")[-1].lower()
    literals = shape.literals.get(key, set())
    base = type_name.split("(")[0]
    if base in ("tinyint", "smallint", "int", "bigint"):
        limit = {"tinyint": 127, "smallint": 32767, "int": 2**31 - 1}.get(base)
        values = [int(v) for v in _numbers_near(literals)] + [0, 1, -1, 7, 250, None]
        return _unique([v for v in values if v is None or limit is None or -limit <= v <= limit])
    if base in ("double", "float"):
        return _unique([float(v) for v in _numbers_near(literals)] + [0.0, 1.5, -2.25, 12.5, 1000000.75, None])
    if base == "decimal":
        scale = int(re.search(r",\s*(\d+)", type_name).group(1)) if "," in type_name else 0
        quantum = decimal.Decimal(1).scaleb(-scale)
        values = [decimal.Decimal(str(v)).quantize(quantum) for v in _numbers_near(literals)]
        values += [decimal.Decimal(x).quantize(quantum) for x in ("0", "1.5", "-2.25", "12.5")]
        return _unique(values + [None])
    if base == "boolean":
        return [True, False, None]
    if base == "date":
        return [*_DATES, None]
    if base in ("timestamp", "timestamp_ntz"):
        return [datetime.datetime(d.year, d.month, d.day, h, 30, tzinfo=datetime.timezone.utc)
                for d, h in zip(_DATES, (23, 0, 12, 0, 6))] + [None]
    # strings: the literals they are compared with, numbers written as text when the job reads them as numbers
    values = [v for v in sorted(literals, key=str) if isinstance(v, str)] * 2   # rows that pass an == test
    numbers = _numbers_near(literals)
    if numbers or key in shape.numeric or column.source == "mapping":
        values += [_text(v) for v in numbers] + ["12.5", "7", "-3", "abc", " 42 "]
    values += ["A", "b", "", None]
    if literals and not numbers:
        values += [v.lower() for v in literals if isinstance(v, str) and v.lower() != v]
    return _unique(values)


def _text(value) -> str:
    return str(int(value)) if float(value) == int(value) else str(value)


def _unique(values: list) -> list:
    seen, out = set(), []
    for value in values:
        marker = (type(value).__name__, value)
        if marker not in seen:
            seen.add(marker)
            out.append(value)
    return out


def _key_domain(type_name: str) -> list:
    base = type_name.split("(")[0]
    if base in ("tinyint", "smallint", "int", "bigint"):
        return [101, 102, 103, 104, 105, 106]
    if base in ("double", "float"):
        return [101.0, 102.0, 103.0, 104.0, 105.0, 106.0]
    if base == "decimal":
        return [decimal.Decimal(v) for v in range(101, 107)]
    return ["K101", "K102", "K103", "K104", "K105", "K106"]


def _key_groups(shape: JobShape) -> list[list[tuple[str, str]]]:
    """Join keys that must share values, as groups of (input, column)."""
    groups: list[set] = []
    for one, two in shape.join_keys:
        merged = [g for g in groups if one in g or two in g]
        group = {one, two}.union(*merged) if merged else {one, two}
        groups = [g for g in groups if g not in merged] + [group]
    return [sorted(g) for g in groups]


# ---------------------------------------------------------------- the dataset
def generate(shape: JobShape, seed: int = 0) -> Dataset:
    rng = random.Random(seed)
    keys: dict = {}
    for group in _key_groups(shape):
        declared = [c.type for name, path in group for c in [shape.input(name).columns.get(path)] if c and c.type]
        domain = _key_domain(declared[0] if declared else "string")
        for index, member in enumerate(group):
            # the first side holds keys 1-5, the next 2-6, ...: some keys match, some twice, some not at all
            window = domain[index % 2: index % 2 + 5]
            keys[member] = (declared[0] if declared else "string", window + [window[1], None])
    dataset = Dataset()
    for source in shape.inputs:
        columns = [(c.path, column_type(c, shape)) for c in source.columns.values()]
        if not columns:
            columns = list(DEFAULT_COLUMNS)
        values = {}
        for path, type_name in columns:
            member = (source.name, path)
            if member in keys:
                type_name, pool = keys[member]
                columns = [(p, type_name if p == path else t) for p, t in columns]
            else:
                pool = candidates(source.columns.get(path) or _Plain(path), type_name, shape)
            values[path] = pool
        count = min(MAX_ROWS, max(ROWS, *(3 * len(v) for v in values.values())))
        spread = {}
        for path, pool in values.items():
            cells = (pool * (count // len(pool) + 1))[:count]
            rng.shuffle(cells)
            spread[path] = cells
        rows = []
        for index in range(count):
            row: dict = {}
            for path, _ in columns:
                _put(row, path.split("."), spread[path][index])
            rows.append(row)
        columns = _unbox(shape, source.name, columns, rows)
        dataset.tables[source.name] = Table(source, columns, rows)
    return dataset


def _unbox(shape: JobShape, name: str, columns: list, rows: list) -> list:
    """A column the job Unboxes from JSON: its generated struct written as a JSON string (a null stays null)."""
    paths = {**shape.unboxed.get("*", {}), **shape.unboxed.get(name, {})}
    for path, fmt in paths.items():
        if fmt != "json" or "." in path or not any(p == path or p.startswith(path + ".") for p, _ in columns):
            continue
        for row in rows:
            value = row.get(path)
            row[path] = json.dumps(_plain_value(value), sort_keys=True) if isinstance(value, dict) else value
        at = next(i for i, (p, _) in enumerate(columns) if p == path or p.startswith(path + "."))
        columns = [c for c in columns if not (c[0] == path or c[0].startswith(path + "."))]
        columns.insert(at, (path, "string"))
    return columns


class _Plain:
    def __init__(self, path):
        self.path, self.type, self.source = path, None, "code"


def _put(row: dict, parts: list[str], value) -> None:
    for part in parts[:-1]:
        row = row.setdefault(part, {})
    row[parts[-1]] = value


# ---------------------------------------------------------------- writing it where the runner reads inputs
def _arrow_type(type_name: str):
    import pyarrow as pa

    base = type_name.split("(")[0]
    simple = {"string": pa.string(), "bigint": pa.int64(), "int": pa.int32(), "smallint": pa.int16(),
              "tinyint": pa.int8(), "double": pa.float64(), "float": pa.float32(), "boolean": pa.bool_(),
              "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"), "timestamp_ntz": pa.timestamp("us")}
    if base == "decimal":
        numbers = [int(n) for n in re.findall(r"\d+", type_name)] or [10, 0]
        return pa.decimal128(numbers[0], numbers[1] if len(numbers) > 1 else 0)
    return simple.get(base, pa.string())


def _column_tree(columns: list) -> dict:
    """(path, type) columns as nested dicts: a dotted path is a field of a struct (the first type given wins)."""
    tree: dict = {}
    for path, type_name in columns:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(parts[-1], type_name)
    return tree


def _arrow_schema(columns: list):
    import pyarrow as pa

    tree = _column_tree(columns)

    def build(node: dict) -> list:
        return [pa.field(name, pa.struct(build(value)) if isinstance(value, dict) else _arrow_type(value))
                for name, value in node.items()]

    return pa.schema(build(tree))


def _arrow_table(table: Table):
    import pyarrow as pa

    schema = _arrow_schema(table.columns)
    rows = [{name: _fit(row.get(name), schema.field(name).type) for name in schema.names} for row in table.rows]
    return pa.Table.from_pylist(rows, schema=schema)


def _fit(value, arrow_type):
    import pyarrow as pa

    if isinstance(value, dict) and pa.types.is_struct(arrow_type):
        return {arrow_type.field(i).name: _fit(value.get(arrow_type.field(i).name), arrow_type.field(i).type)
                for i in range(arrow_type.num_fields)}
    if value is not None and pa.types.is_string(arrow_type) and not isinstance(value, str):
        return str(value)
    return value


def _local(data: Path, path: str, fmt: str) -> tuple[Path, bool]:
    """Where an s3:// input lives under the data folder, and whether it is one file (not a folder)."""
    match = _S3.match(path)
    local = data / "s3" / match.group(1) / match.group(2) if match else data / "local" / path.lstrip("/")
    is_file = bool(re.search(r"\.(csv|json|parquet|orc|txt|gz)$", path, re.IGNORECASE))
    return local, is_file


def _plain_value(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    return value


def _ddl_schema(columns: list) -> str:
    """(path, type) columns as a Spark DDL schema string; dotted paths become structs."""
    tree = _column_tree(columns)

    def field_type(value) -> str:
        if isinstance(value, dict):
            return "struct<" + ", ".join(f"`{k}`: {field_type(v)}" for k, v in value.items()) + ">"
        base = value.split("(")[0].split("<")[0]
        return value if base in _SPARK_TYPES else "string"

    return ", ".join(f"`{name}` {field_type(value)}" for name, value in tree.items())


_SPARK_TYPES = {"string", "bigint", "int", "smallint", "tinyint", "double", "float", "boolean", "date", "timestamp",
                "timestamp_ntz", "decimal"}


def frames(dataset: Dataset, spark, kind: str = "table") -> dict:
    """The catalog inputs (``kind`` "jdbc": the JDBC inputs) of a dataset as DataFrames of ``spark`` (built in
    memory: no Spark job runs)."""
    out = {}
    for name, table in dataset.tables.items():
        if table.input.kind != kind:
            continue
        schema = _ddl_schema(table.columns)
        names = [n for n in _top_names(table.columns)]
        rows = [{n: _spark_value(r.get(n)) for n in names} for r in table.rows]
        out[name] = spark.createDataFrame(rows, schema=schema) if rows else spark.createDataFrame([], schema)
    return out


def _top_names(columns) -> list[str]:
    names = []
    for path, _ in columns:
        top = path.split(".")[0]
        if top not in names:
            names.append(top)
    return names


def _spark_value(value):
    if isinstance(value, dict):
        from pyspark.sql import Row

        return Row(**{k: _spark_value(v) for k, v in value.items()})
    return value


def write(dataset: Dataset, data: Path, tables: bool = True) -> None:
    """Files for the path inputs (and, with ``tables``, DATA/<database>/<table>.parquet for catalog inputs)."""
    import pyarrow.parquet as pq

    data.mkdir(parents=True, exist_ok=True)
    for name, table in dataset.tables.items():
        source = table.input
        if source.kind == "jdbc":
            continue   # written into the run's Derby database by the runner
        if source.kind == "table":
            if not tables:
                continue
            database, _, table_name = name.rpartition(".")
            folder = data / (database or "default")
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(_arrow_table(table), folder / f"{table_name}.parquet")
            continue
        local, is_file = _local(data, source.name, source.fmt)
        target = local if is_file else local / f"part-00000.{source.fmt}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.fmt == "csv":
            target.write_text(_csv_text(table, source.options), encoding="utf-8")
        elif source.fmt == "json":
            target.write_text("".join(json.dumps(_plain_value(r)) + "\n" for r in table.rows), encoding="utf-8")
        elif source.fmt == "orc":
            from pyarrow import orc

            orc.write_table(_arrow_table(table), str(target))
        else:
            pq.write_table(_arrow_table(table), target)


def _csv_text(table: Table, options: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=options.get("sep") or ",", lineterminator="\n")
    names = [path for path, _ in table.columns if "." not in path]
    if options.get("header"):
        writer.writerow(names)
    for row in table.rows:
        writer.writerow(["" if row.get(n) is None else _plain_value(row.get(n)) for n in names])
    return out.getvalue()


# ---------------------------------------------------------------- shrinking with Hypothesis
def shrink(dataset: Dataset, differs, seed: int = 0, budget: int = 24):
    """The smallest subset of ``dataset``'s rows on which ``differs(subset)`` (a result, or None when equal)
    still finds a difference; Hypothesis draws row subsets and shrinks them. At most ``budget`` runs of
    ``differs``; returns (subset, its result) or None when no subset within the budget differs."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    names = list(dataset.tables)
    # one flag per row, drawn as 0..3 (kept when 3): a draw keeps about a quarter of the rows, and shrinking
    # (towards 0) drops rows
    kept = st.integers(0, 3).map(lambda value: value == 3)
    masks = st.fixed_dictionaries({name: st.lists(kept, min_size=len(dataset.tables[name].rows),
                                                  max_size=len(dataset.tables[name].rows)) for name in names})
    results: dict = {}
    runs = [0]

    def condition(mask) -> bool:
        key = tuple(tuple(mask[n]) for n in names)
        if key in results:
            return results[key] is not None
        if not any(any(flags) for flags in mask.values()) or runs[0] >= budget:
            return False
        runs[0] += 1
        results[key] = differs(dataset.subset(mask))
        return results[key] is not None

    options = settings(database=None, max_examples=max(4, budget // 2), deadline=None,
                       phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    try:
        best = find(masks, condition, settings=options, random=random.Random(seed))
    except NoSuchExample:
        return None
    key = tuple(tuple(best[n]) for n in names)
    return dataset.subset(best), results[key]


def render_table(columns: list[str], rows: list[dict], limit: int = 8) -> list[str]:
    """A small text table: a header and up to ``limit`` rows."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows[:limit]]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more rows")
    return lines


def _cell(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return json.dumps(_plain_value(value), default=str)
    return str(_plain_value(value))


def describe(dataset: Dataset) -> dict:
    """A dataset as JSON-ready data: input name -> {"columns": [...], "rows": [...]}."""
    return {name: {"columns": [p.split(".")[0] for p, _ in _top(t.columns)],
                   "rows": [{k: _plain_value(v) for k, v in r.items()} for r in t.rows]}
            for name, t in dataset.tables.items()}


def _top(columns):
    seen = []
    for path, type_name in columns:
        top = path.split(".")[0]
        if top not in [p for p, _ in seen]:
            seen.append((top, type_name))
    return seen


__all__ = ["Dataset", "Table", "generate", "write", "shrink", "render_table", "describe", "is_numeric"]
