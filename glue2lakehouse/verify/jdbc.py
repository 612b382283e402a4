"""JDBC sources and sinks of a verified job, served by an in-memory Derby database.

Derby ships inside PySpark's jars and runs in the driver's JVM, so a local run reads and writes JDBC tables
through Spark's own JDBC reader and writer with no server. Every JDBC URL either side names (a PostgreSQL,
MySQL, Oracle, SQL Server or Redshift URL, from an argument or a literal) is taken to the run's database, and
no verification ever connects to a real one. What each name becomes:

- the URL: ``jdbc:derby:memory:<run's database>`` (one database a run, dropped after it); a Derby URL is
  already local and is left as it is, with everything else the job gives (a test's own database);
- the driver: Derby's embedded driver;
- the user: ``G2L`` (a table named without a schema lives in that schema, whoever the job says it is), and the
  password is dropped (the database has no authentication);
- the table ``schema.table``: ``"schema"."table"``, quoted, because Derby reserves words other databases do
  not (``public``) and folds unquoted names to upper case.

A query (the ``query`` option, or a subquery as ``dbtable``) is the source database's SQL, which Derby does
not speak: the shape reader says such a job is not verified.
"""

from __future__ import annotations

import itertools
import os
import re

DRIVER = "org.apache.derby.jdbc.EmbeddedDriver"
USER = "G2L"
_RUNS = itertools.count(1)
_PART = r'"[^"]+"|`[^`]+`|[A-Za-z_][\w$]*'
_NAME = re.compile(rf"^\s*({_PART})(?:\s*\.\s*({_PART}))?(?:\s*\.\s*({_PART}))?\s*$")


def table_key(dbtable: str) -> str | None:
    """'public.credit_limits' / '"Public"."Limits"' -> 'public.credit_limits' (how a verdict names the table),
    None for what is not a table name (a subquery)."""
    match = _NAME.match(dbtable or "")
    if match is None:
        return None
    return ".".join(part.strip('"`').lower() for part in match.groups() if part)


def derby_table(dbtable: str) -> str:
    """The job's table name as the run's Derby database has it (each part quoted, lower case)."""
    key = table_key(dbtable)
    if key is None:
        return dbtable   # a subquery: passed on as it is (the shape reader reports it as not verified)
    return ".".join(f'"{part}"' for part in key.split("."))


class Database:
    """One run's in-memory Derby database."""

    def __init__(self):
        self.name = f"g2l_verify_{os.getpid()}_{next(_RUNS)}"
        self.url = f"jdbc:derby:memory:{self.name}"
        self.created = False

    def connect_url(self) -> str:
        """The URL a connection uses (the first one creates the database)."""
        if not self.created:
            _derby_log_aside()
            self.created = True
        return self.url + ";create=true"

    def properties(self) -> dict:
        return {"user": USER, "driver": DRIVER}

    def load(self, frame, dbtable: str) -> None:
        """An input table: the DataFrame's rows written into the database."""
        frame.write.jdbc(self.connect_url(), derby_table(dbtable), mode="overwrite", properties=self.properties())

    def read(self, spark, location: str):
        return spark.read.jdbc(self.connect_url(), location, properties=self.properties())

    def drop(self, spark) -> None:
        """Free the database's memory (Derby answers a drop with an exception that says it was dropped)."""
        if not self.created or not _classic(spark):
            return
        try:
            spark.sparkContext._jvm.java.sql.DriverManager.getConnection(self.url + ";drop=true", USER, "")
        except Exception:  # noqa: BLE001 - Derby's "dropped" is an SQLException by design
            return


def _derby_log_aside() -> None:
    """Derby writes ``derby.log`` into the working directory unless told otherwise: into the temporary folder
    instead, so that a verification run from a repository leaves nothing in it (a local JVM only)."""
    try:
        from pyspark import SparkContext
    except ImportError:
        return
    context = SparkContext._active_spark_context
    if context is None:
        return
    system = context._jvm.java.lang.System
    if system.getProperty("derby.stream.error.file") is None and system.getProperty("derby.system.home") is None:
        import tempfile

        system.setProperty("derby.stream.error.file", os.path.join(tempfile.gettempdir(), "g2l-verify-derby.log"))


def _classic(spark) -> bool:
    return type(spark).__module__.startswith("pyspark.sql.session")


def rewrite(options: dict, database: Database, read: bool = True) -> dict:
    """A JDBC reader's or writer's options (lower-case keys) with the run's database in place of the job's.

    A read filters in Spark, not in Derby: Spark stores a string as a CLOB there, which Derby cannot compare, so
    a pushed-down filter would fail where the job's own database runs it."""
    out = {key: value for key, value in options.items() if key not in ("password", "driver", "user", "url")}
    if read:
        out["pushdownpredicate"] = "false"
    out["url"] = database.connect_url()
    out["driver"] = DRIVER
    out["user"] = USER
    if "dbtable" in out and isinstance(out["dbtable"], str):
        out["dbtable"] = derby_table(out["dbtable"])
    return out


def local(url) -> bool:
    """A Derby URL: already a database in this JVM, used as the job gives it."""
    return isinstance(url, str) and url.lower().startswith("jdbc:derby:")


def looks_like_jdbc(fmt) -> bool:
    return isinstance(fmt, str) and fmt.lower() == "jdbc"


# ---------------------------------------------------------------- the runner's Spark patches
def install(env, patch, DataFrameReader, DataFrameWriter) -> None:  # noqa: N803
    """Wrap the JDBC entry points of a reader and a writer class: the options a job sets are remembered, and a
    JDBC load or save gets the run's database in place of the job's (a save is recorded as an output). The
    format a reader or writer was given is the runner's ``_g2l_format``."""

    def remember(orig):
        def wrapper(self, key, value):
            _given(self)[str(key).lower()] = value
            return orig(self, key, value)
        return wrapper

    def remember_all(orig):
        def wrapper(self, **options):
            _given(self).update({str(k).lower(): v for k, v in options.items()})
            return orig(self, **options)
        return wrapper

    def load(orig):
        def wrapper(self, path=None, format=None, schema=None, **options):  # noqa: A002
            merged = _jdbc_options(self, format, options)
            if merged is None:
                return orig(self, path, format, schema, **options)
            return orig(self, path, format, schema, **rewrite(merged, env.database()))
        return wrapper

    def read_jdbc(orig):
        def wrapper(self, url, table, *args, **kwargs):
            if local(url):
                return orig(self, url, table, *args, **kwargs)
            # column, lowerBound, upperBound, numPartitions, predicates, properties
            args = list(args)
            given = args.pop(5) if len(args) > 5 else kwargs.pop("properties", None)
            database = env.database()
            return orig(self, database.connect_url(), derby_table(table), *args,
                        properties=_properties(given, database, read=True), **kwargs)
        return wrapper

    def save(orig):
        def wrapper(self, path=None, format=None, mode=None, partitionBy=None, **options):  # noqa: A002,N803
            merged = _jdbc_options(self, format, options) if path is None else None
            if merged is None:
                return orig(self, path, format, mode, partitionBy, **options)
            _record(env, merged.get("dbtable"))
            return orig(self, path, format, mode, partitionBy, **rewrite(merged, env.database(), read=False))
        return wrapper

    def write_jdbc(orig):
        def wrapper(self, url, table, mode=None, properties=None):
            if local(url):
                return orig(self, url, table, mode, properties)
            database = env.database()
            _record(env, table)
            return orig(self, database.connect_url(), derby_table(table), mode,
                        _properties(properties, database, read=False))
        return wrapper

    for cls in (DataFrameReader, DataFrameWriter):
        patch(cls, "option", remember)
        patch(cls, "options", remember_all)
    patch(DataFrameReader, "load", load)
    patch(DataFrameReader, "jdbc", read_jdbc)
    patch(DataFrameWriter, "save", save)
    patch(DataFrameWriter, "jdbc", write_jdbc)


def _given(holder) -> dict:
    """The options set so far on a reader or writer (remembered by the patches)."""
    if not hasattr(holder, "_g2l_options"):
        holder._g2l_options = {}
    return holder._g2l_options


def _jdbc_options(holder, fmt, options: dict) -> dict | None:
    """Every option of a JDBC load or save (lower-case keys), or None when it is not one to take to the run's
    database: another format, or a Derby URL (already local)."""
    if not looks_like_jdbc(fmt if fmt is not None else getattr(holder, "_g2l_format", None)):
        return None
    merged = {**_given(holder), **{k.lower(): v for k, v in options.items()}}
    return None if local(merged.get("url")) else merged


def _properties(given, database: Database, read: bool) -> dict:
    """The connection properties of ``DataFrameReader.jdbc`` / ``DataFrameWriter.jdbc`` for the run's database
    (its URL is their first argument)."""
    return {k: v for k, v in rewrite(dict(given or {}), database, read).items() if k != "url"}


def _record(env, dbtable) -> None:
    key = table_key(dbtable) if isinstance(dbtable, str) else None
    if key is not None:
        env.record("jdbc", key, derby_table(dbtable), "jdbc")
