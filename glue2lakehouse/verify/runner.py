"""Run one job (the Glue one under the emulator, or a Databricks one) on local inputs; collect its outputs.

``run_job`` works in a given SparkSession (the tests share one per worker);
``python -m glue2lakehouse.verify.runner`` runs one job in a fresh session of
its own and writes the result as JSON (what ``g2l verify`` does, twice).

While the job runs, a few Spark methods are wrapped so that the code of
either side runs unchanged on a laptop: three-part names ``<catalog>.<db>.<t>``
resolve to ``<db>.<t>`` of the local session catalog (a local stand-in for the
Unity Catalog), ``s3://`` (and mapped ``/Volumes/``) paths go to the data
folder for reads and to a scratch folder for writes, every JDBC URL goes to
the run's in-memory Derby database (``jdbc.py``), and every table, path or
JDBC table written is recorded as an output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import decimal
import json
import os
import re
import runpy
import shutil
import sys
import tempfile
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from glue2lakehouse.verify import environment
from glue2lakehouse.verify.environment import Environment

EMULATOR = Path(__file__).resolve().parent / "emulator"
SERVICES = Path(__file__).resolve().parent / "services"   # boto3 / botocore stand-ins: a run never reaches AWS
INPUT_PREFIX = "g2l_input__"
INPUT_FORMATS = (".parquet", ".csv", ".json")
_IDENT = r"`[^`]+`|[A-Za-z_][A-Za-z0-9_]*"
_THREE_PART = re.compile(rf"(?<![\w.`])({_IDENT})\.({_IDENT})\.({_IDENT})(?![\w`])")


@dataclass
class RunResult:
    outputs: dict = field(default_factory=dict)   # key -> {"kind", "name", "schema": [[name, type]], "rows": [...]}
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps({"outputs": self.outputs, "error": self.error})

    @classmethod
    def from_json(cls, text: str) -> "RunResult":
        data = json.loads(text)
        return cls(data["outputs"], data["error"])


def local_table(name: str) -> str:
    """'cat.db.t' / '`db`.`t`' -> 'db.t' in the local session catalog (spark_catalog kept as is)."""
    parts = [p.strip("`") for p in re.findall(_IDENT, name)]
    if len(parts) == 3 and parts[0].lower() != "spark_catalog":
        parts = parts[1:]
    return ".".join(parts).lower()


def local_database(name: str | None) -> str | None:
    """'cat.db' -> 'db' in the local session catalog (spark_catalog kept as is)."""
    if name is None:
        return None
    parts = [p.strip("`") for p in re.findall(_IDENT, name)]
    if len(parts) == 2 and parts[0].lower() != "spark_catalog":
        parts = parts[1:]
    return ".".join(parts).lower()


def local_sql(query: str) -> str:
    def replace(match: re.Match) -> str:
        catalog = match.group(1).strip("`")
        return match.group(0) if catalog.lower() == "spark_catalog" else f"{match.group(2)}.{match.group(3)}"

    return _THREE_PART.sub(replace, query)


# ---------------------------------------------------------------- session state
def reset_catalog(spark) -> None:
    """Drop every database, table and temporary view of the session (through SQL: the catalog API is slower)."""
    for row in spark.sql("SHOW TABLES IN default").collect():
        if row["isTemporary"]:
            spark.catalog.dropTempView(row["tableName"])
        else:
            spark.sql(f"DROP TABLE IF EXISTS default.`{row['tableName']}`")
    for row in spark.sql("SHOW DATABASES").collect():
        if row[0] != "default":
            spark.sql(f"DROP DATABASE IF EXISTS `{row[0]}` CASCADE")
    spark.catalog.clearCache()


def input_view(table: str) -> str:
    """The temporary view an in-memory input table 'db.t' is registered as."""
    return INPUT_PREFIX + re.sub(r"\W", "_", table)


def _input_sql(query: str, tables) -> str:
    return _renamed_sql(query, {table: input_view(table) for table in tables})


def _renamed_sql(query: str, names: dict) -> str:
    """Every two-part reference to a table of ``names`` ('db.t' -> the name it has in this run) renamed."""
    for table in sorted(names, key=len, reverse=True):
        database, _, name = table.rpartition(".")
        pattern = rf"(?<![\w.`])`?{re.escape(database)}`?\s*\.\s*`?{re.escape(name)}`?(?![\w`])"
        query = re.sub(pattern, names[table], query, flags=re.IGNORECASE)
    return query


NOT_DATABASES = ("s3", "local", "jdbc")   # folders of DATA that hold files, or JDBC tables, not a database's


def catalog_files(data: Path) -> list[tuple[str, list[Path]]]:
    """Each database of a data folder with its table files: DATA/<database>/<table>.{parquet,csv,json}."""
    if not data.is_dir():
        return []
    return [(database.name, [f for f in sorted(database.iterdir()) if f.suffix in INPUT_FORMATS])
            for database in sorted(p for p in data.iterdir() if p.is_dir() and p.name not in NOT_DATABASES)]


def read_data_file(spark, source: Path):
    """A data folder's table file as a DataFrame (a CSV file has a header; its types are inferred)."""
    reader = spark.read.format(source.suffix[1:])
    if source.suffix == ".csv":
        reader = reader.option("header", True).option("inferSchema", True)
    return reader.load(str(source))


def load_inputs(spark, data: Path, scratch: Path | None = None) -> list[str]:
    """DATA/<database>/<table>.{parquet,csv,json} -> tables <database>.<table> of the local catalog.

    With a ``scratch`` folder, a Parquet file becomes a table over a copy of it in that folder: no Spark job
    runs, and what the job appends to the table never reaches the data folder."""
    loaded = []
    for database, sources in catalog_files(data):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        for source in sources:
            if source.suffix == ".parquet" and source.is_file() and scratch is not None:
                location = scratch / "tables" / database / source.stem
                location.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, location / "part-00000.parquet")
                spark.sql(f"CREATE TABLE `{database}`.`{source.stem}` USING parquet LOCATION '{location.as_uri()}'")
            else:
                read_data_file(spark, source).write.mode("overwrite").saveAsTable(f"`{database}`.`{source.stem}`")
            loaded.append(f"{database}.{source.stem}")
    return loaded


def data_jdbc_tables(spark, data: Path) -> dict:
    """DATA/jdbc/<schema>.<table>.{parquet,csv,json} -> the JDBC table 'schema.table' (a DataFrame to load)."""
    folder = data / "jdbc"
    if not folder.is_dir():
        return {}
    return {source.stem.lower(): read_data_file(spark, source) for source in sorted(folder.iterdir())
            if source.suffix in INPUT_FORMATS}


def _api_classes():
    """(SparkSession, DataFrameReader, DataFrameWriter) of classic PySpark and, when installed, Spark Connect."""
    from pyspark.sql import DataFrameReader, DataFrameWriter, SparkSession

    classes = [(SparkSession, DataFrameReader, DataFrameWriter)]
    try:
        from pyspark.sql.connect.readwriter import DataFrameReader as ConnectReader
        from pyspark.sql.connect.readwriter import DataFrameWriter as ConnectWriter
        from pyspark.sql.connect.session import SparkSession as ConnectSession
    except ImportError:  # Spark Connect's client needs pyspark[connect]
        return classes
    return classes + [(ConnectSession, ConnectReader, ConnectWriter)]


@contextmanager
def spark_patches(env: Environment):
    """Wrap the Spark entry points that name tables and paths (classic PySpark and Spark Connect)."""
    saved = []

    def patch(cls, name, make):
        original = getattr(cls, name)
        saved.append((cls, name, original))
        setattr(cls, name, make(original))

    try:
        for session_cls, reader_cls, writer_cls in _api_classes():
            _install(env, patch, session_cls, reader_cls, writer_cls)
        from pyspark.sql.catalog import Catalog

        patch(Catalog, "listTables",
              lambda orig: lambda self, dbName=None, *a, **k: orig(self, local_database(dbName), *a, **k))
        _join_running_context(saved)
        yield
    finally:
        for cls, name, original in reversed(saved):
            setattr(cls, name, original)


def _install(env: Environment, patch, SparkSession, DataFrameReader, DataFrameWriter) -> None:  # noqa: N803

    def mapped(paths, for_write=False):
        convert = env.write_path if for_write else env.read_path
        if isinstance(paths, str):
            return convert(paths)
        if isinstance(paths, (list, tuple)):
            return [convert(p) for p in paths]
        return paths

    def table_name(name: str) -> str:
        if name.startswith(INPUT_PREFIX) or name in getattr(env, "locations", ()):
            return name   # already resolved (Spark Connect's session.table calls its reader's table)
        table = local_table(name)
        return input_view(table) if table in env.tables and table not in env.written else env.table_location(table)

    def sql_text(query: str) -> str:
        names = {t: input_view(t) for t in env.tables if t not in env.written}
        names.update({o.name: o.location for o in env.outputs.values()
                      if o.kind == "table" and o.location != o.name and o.name not in names})
        return _renamed_sql(local_sql(query), names)

    patch(SparkSession, "table", lambda orig: lambda self, name: orig(self, table_name(name)))
    patch(DataFrameReader, "table", lambda orig: lambda self, name: orig(self, table_name(name)))
    patch(SparkSession, "sql", lambda orig: lambda self, query, *a, **k: orig(self, sql_text(query), *a, **k))
    patch(DataFrameReader, "load",
          lambda orig: lambda self, path=None, *a, **k: orig(self, mapped(path), *a, **k))
    for reader in ("parquet", "json", "csv", "orc", "text"):
        patch(DataFrameReader, reader,
              lambda orig: lambda self, *paths, **k: orig(self, *[mapped(p) for p in paths], **k))

    def materialize(self, table: str) -> None:
        """A write to an in-memory input table (or into a database no input created) needs the real thing."""
        # classic PySpark's writer holds its DataFrame, Spark Connect's its session
        session = getattr(getattr(self, "_df", None), "sparkSession", None) or getattr(self, "_spark", None)
        if session is None:
            return
        location = env.table_location(table)
        database = location.rpartition(".")[0]
        if database:
            session.sql("CREATE DATABASE IF NOT EXISTS " + ".".join(f"`{part}`" for part in database.split(".")))
        if table in env.tables and table not in env.written:
            env.written.add(table)
            session.table(input_view(table)).write.saveAsTable(location)

    def save_as_table(orig):
        def wrapper(self, name, *a, **k):
            if name in getattr(env, "locations", ()):   # materialize's own copy of an input, already resolved
                return orig(self, name, *a, **k)
            table = local_table(name)
            materialize(self, table)
            env.record("table", table, env.table_location(table))
            return orig(self, env.table_location(table), *a, **k)
        return wrapper

    def insert_into(orig):
        def wrapper(self, tableName, *a, **k):  # noqa: N803
            table = local_table(tableName)
            materialize(self, table)
            env.record("table", table, env.table_location(table))
            return orig(self, env.table_location(table), *a, **k)
        return wrapper

    def fmt(orig):
        def wrapper(self, source):
            self._g2l_format = source
            return orig(self, source)
        return wrapper

    def save(orig):
        def wrapper(self, path=None, format=None, *a, **k):  # noqa: A002
            if path is None:
                return orig(self, path, format, *a, **k)
            kind = format or getattr(self, "_g2l_format", None) or "parquet"
            local = env.write_path(path)
            env.record("path", env.canonical(path).rstrip("/"), local, kind)
            return orig(self, local, format, *a, **k)
        return wrapper

    def file_writer(kind):
        def make(orig):
            def wrapper(self, path, *a, **k):
                local = env.write_path(path)
                env.record("path", env.canonical(path).rstrip("/"), local, kind)
                return orig(self, local, *a, **k)
            return wrapper
        return make

    from glue2lakehouse.verify import jdbc

    jdbc.install(env, patch, DataFrameReader, DataFrameWriter)
    patch(DataFrameWriter, "saveAsTable", save_as_table)
    patch(DataFrameWriter, "insertInto", insert_into)
    patch(DataFrameReader, "format", fmt)
    patch(DataFrameWriter, "format", fmt)
    patch(DataFrameWriter, "save", save)
    for kind in ("parquet", "json", "csv", "orc"):
        patch(DataFrameWriter, kind, file_writer(kind))


def _join_running_context(saved: list) -> None:
    """A job creates its SparkContext (on Glue it is the first); here it joins the run's one."""
    import pyspark
    import pyspark.context
    from pyspark import SparkContext

    class _JoinRunningContext(SparkContext):
        def __new__(cls, *args, **kwargs):
            return SparkContext.getOrCreate()

    for module in (pyspark, pyspark.context):
        saved.append((module, "SparkContext", module.SparkContext))
        module.SparkContext = _JoinRunningContext


@contextmanager
def job_process_state(job: Path, args: list[str], extra_paths: list[str], glue: bool):
    """sys.argv, sys.path and sys.modules as the job expects them, restored afterwards."""
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    before = set(sys.modules)
    sys.argv = [str(job), *args]
    sys.path[:0] = ([str(EMULATOR)] if glue else []) + [str(SERVICES), str(job.parent), *extra_paths]
    for name in ("awsglue", "awsgluedq", "boto3", "botocore"):
        _forget(name)
    try:
        yield
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            origin = getattr(module, "__file__", None) or ""
            if name.startswith("awsglue") or not origin or origin.startswith((str(job.parent), str(EMULATOR),
                                                                              str(SERVICES), *extra_paths)):
                sys.modules.pop(name, None)


def _forget(prefix: str) -> None:
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        sys.modules.pop(name, None)


# ---------------------------------------------------------------- outputs
def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value


def collect(spark, env: Environment) -> dict:
    outputs = {}
    for key, output in env.outputs.items():
        if output.kind == "table":
            df = spark.table(output.location)
        elif output.kind == "jdbc":
            df = env.database().read(spark, output.location)
        else:
            reader = spark.read.format(output.fmt)
            if output.fmt == "csv":
                reader = reader.option("header", True)
            df = reader.load(output.location)
        outputs[key] = {
            "kind": output.kind,
            "name": output.name,
            "schema": [[f.name, f.dataType.simpleString()] for f in df.schema.fields],
            "schema_json": df.schema.json(),
            "rows": [_plain(row.asDict(recursive=True)) for row in df.collect()],
        }
    return outputs


def run_job(spark, job: Path, data: Path, args: list[str] | None = None, *, glue: bool,
            extra_paths: list[str] | None = None, path_aliases: dict | None = None,
            tables: dict | None = None, jdbc_tables: dict | None = None) -> RunResult:
    """Run ``job`` on the inputs of ``data``; every table or path it writes comes back as an output.

    ``tables``: catalog inputs already in memory ('db.t' -> DataFrame of this session), registered as
    temporary views that the job's table reads and SQL resolve to (no files, no Spark job).
    ``jdbc_tables``: JDBC inputs ('schema.table' -> DataFrame), written into the run's Derby database."""
    job, data = Path(job).resolve(), Path(data).resolve()
    with tempfile.TemporaryDirectory(prefix="g2l-verify-") as scratch:
        env = Environment(data, Path(scratch), dict(path_aliases or {}))
        reset_catalog(spark)
        if data.is_dir():
            load_inputs(spark, data, Path(scratch))
        for name, frame in (tables or {}).items():
            env.tables[name.lower()] = frame
            frame.createOrReplaceTempView(input_view(name.lower()))
            spark.sql(f"CREATE DATABASE IF NOT EXISTS `{name.rpartition('.')[0] or 'default'}`")
        try:
            for name, frame in {**data_jdbc_tables(spark, data), **(jdbc_tables or {})}.items():
                env.database().load(frame, name)
            error = run_script(job, args, extra_paths, glue, env)
            outputs, error = collect_outputs(spark, env, error)
        finally:
            if env.jdbc is not None:
                env.jdbc.drop(spark)
        return RunResult(outputs, error)


def collect_outputs(spark, env: Environment, error: str | None) -> tuple[dict, str | None]:
    """The outputs of a run that did not fail; an output that cannot be read back (a path written with no
    file in it) makes the run's error, as the job's own failure would."""
    if error is not None:
        return {}, error
    try:
        return collect(spark, env), None
    except Exception:  # noqa: BLE001 - Spark's error, reported in one line by the verdict
        return {}, "the job's output could not be read back\n" + traceback.format_exc()


def run_script(job: Path, args: list[str] | None, extra_paths: list | None, glue: bool, env: Environment,
               around=None) -> str | None:
    """Run the job's file as ``__main__`` in this process with ``env`` current (``around``: one more context
    around the run, e.g. writes that fail); its traceback when it fails (a non-zero exit included), else None."""
    environment.CURRENT = env
    try:
        with job_process_state(job, list(args or []), [str(p) for p in (extra_paths or [])], glue), \
                spark_patches(env), (around if around is not None else contextlib.nullcontext()):
            runpy.run_path(str(job), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (0, None):
            return f"the job exited with {stop.code!r}\n" + traceback.format_exc()
    except BaseException:  # the job's own failure is a result, reported with its traceback
        return traceback.format_exc()
    finally:
        environment.CURRENT = None
    return None


SMALL_DATA_CONF = {"spark.sql.shuffle.partitions": "1", "spark.sql.adaptive.enabled": "false",
                   "spark.sql.codegen.wholeStage": "false"}


def tune_for_small_data(spark) -> None:
    """Verification data is tens of rows: one partition and no code generation are faster, with the same results."""
    import logging

    for key, value in SMALL_DATA_CONF.items():
        spark.conf.set(key, value)
    # a job failing on generated inputs is a verdict, reported in one line: not a page of logs on stderr
    logging.getLogger("DataFrameQueryContextLogger").setLevel(logging.CRITICAL)


def new_session(master: str | None = None, remote: str | None = None, connect_port: int | None = None):
    """A local session (``connect_port``: also serving Spark Connect on that port), or one on ``remote``."""
    from pyspark.sql import SparkSession

    warehouse = tempfile.mkdtemp(prefix="g2l-warehouse-")
    builder = SparkSession.builder.appName("g2l-verify")
    builder = builder.remote(remote) if remote else builder.master(master or "local[*]")
    if connect_port is not None:
        builder = (builder.config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
                   .config("spark.connect.grpc.binding.address", "127.0.0.1")
                   .config("spark.connect.grpc.binding.port", str(connect_port)))
    if remote and remote.startswith("local"):  # a Connect server started here: its tables go to a scratch folder
        builder = builder.config("spark.sql.warehouse.dir", warehouse)
    if not remote:
        builder = (builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.warehouse.dir", warehouse)
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}"))
    spark = builder.getOrCreate()
    if not remote:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m glue2lakehouse.verify.runner")
    parser.add_argument("--mode", choices=("glue", "databricks"), required=True)
    parser.add_argument("--job", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--arg", action="append", default=[])
    parser.add_argument("--sys-path", action="append", default=[])
    parser.add_argument("--path-alias", action="append", default=[])
    parser.add_argument("--master")
    options = parser.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = new_session(options.master)   # local only: it resets the catalog (verify/remote.py runs endpoints)
    aliases = dict(item.split("=", 1) for item in options.path_alias)
    result = run_job(spark, Path(options.job), Path(options.data), options.arg, glue=options.mode == "glue",
                     extra_paths=options.sys_path, path_aliases=aliases)
    Path(options.out).write_text(result.to_json())
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
