"""``g2l verify --remote``: the Databricks side of every job on a Spark Connect endpoint, inputs generated here.

What runs where:

- the Glue side runs here, on local Spark, under the emulator (Glue's DynamicFrames need a SparkContext and
  RDDs, which Spark Connect does not offer);
- the Databricks side runs on the endpoint: its catalog inputs are sent there as DataFrames
  (``createDataFrame``, registered as temporary views of the Connect session, so the job's table reads and SQL
  resolve to them), its file inputs are written under the scratch folder on the endpoint, every table it writes
  goes to a scratch schema (``<schema>.<database>__<table>``), every path it writes under the scratch folder;
  the outputs come back with ``collect()`` and are compared here, exactly as in the local flow.

Nothing of the endpoint's own catalog is read or dropped: a run touches only the scratch schema (created, and
dropped at the end when g2l created it) and the scratch folder.

``local[N]`` as the endpoint starts a Spark Connect server in the local Spark session (tests, and trying the
mode without a cluster).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from glue2lakehouse.errors import G2LError
from glue2lakehouse.verify.environment import _S3, Environment

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
_LOCAL_MASTER = re.compile(r"^local(\[(\d+|\*)\])?$")
SCRATCH_HELP = ("give --remote-scratch DIR, a folder the cluster reads and writes "
                "(e.g. /Volumes/main/default/scratch/g2l)")


def is_local_master(url: str) -> bool:
    return bool(_LOCAL_MASTER.match(url))


def endpoint_address(url: str) -> tuple[str, int]:
    """The host and port of an ``sc://`` URL, or a one-line error saying what is wrong with it."""
    fix = "write it as sc://host:port (Databricks: sc://<workspace>:443/;token=...;x-databricks-cluster-id=...)"
    if not url.startswith("sc://"):
        raise G2LError(f"--remote {url!r} is not a Spark Connect URL", fix + ", or local[N] for a local endpoint")
    try:
        from pyspark.sql.connect.client import DefaultChannelBuilder
    except ImportError as error:
        raise G2LError(f"the Spark Connect client cannot be loaded ({error})",
                       "install it with: pip install 'pyspark[connect]'") from None
    try:
        builder = DefaultChannelBuilder(url)
    except Exception as error:  # noqa: BLE001 - PySpark raises its own error classes for each kind of bad URL
        raise G2LError(f"--remote {url!r} is not a valid Spark Connect URL ({str(error).splitlines()[0]})",
                       fix) from None
    return builder.host, builder._port   # the port has no public accessor (endpoint is "host:port")


def check_remote(url: str, scratch: str | None, timeout: float = 10.0) -> None:
    """A bad URL, a cluster endpoint with no scratch folder, or an endpoint that does not answer: a one-line
    error before any Spark starts."""
    if is_local_master(url):
        return
    host, port = endpoint_address(url)
    if scratch is None and host.lower() not in _LOCAL_HOSTS:
        raise G2LError(f"--remote sc://{host}:{port} needs a scratch folder for the files the jobs read and write",
                       SCRATCH_HELP)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise G2LError(f"cannot reach the Spark Connect endpoint {host}:{port} ({reason})",
                       "check the URL and that the cluster is running and reachable from here") from None


_LOST = ("SparkConnectGrpcException", "StatusCode.UNAVAILABLE", "StatusCode.UNAUTHENTICATED")


def _endpoint_failed(job, error) -> G2LError:
    first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    return G2LError(f"the Spark Connect endpoint failed while verifying {Path(job).name} ({first})",
                    "check that the cluster is still running, then run g2l verify again")


class RemoteEnvironment(Environment):
    """The Databricks side's paths and tables on the endpoint: reads from the run's input folder there,
    writes to its output folder, tables in the scratch schema."""

    def __init__(self, data: Path, scratch: Path, path_aliases: dict, *, inputs_root: str, outputs_root: str,
                 schema: str):
        super().__init__(data, scratch, dict(path_aliases or {}))
        self.inputs_root, self.outputs_root, self.schema = inputs_root, outputs_root, schema
        self.locations: set = set()

    def read_path(self, path: str) -> str:
        path = self.canonical(path)
        match = _S3.match(path)
        return f"{self.inputs_root}/s3/{match.group(1)}/{match.group(2)}" if match else path

    def write_path(self, path: str) -> str:
        path = self.canonical(path)
        match = _S3.match(path)
        if match:
            return f"{self.outputs_root}/s3/{match.group(1)}/{match.group(2)}"
        return f"{self.outputs_root}/local/{path.lstrip('/')}"

    def table_location(self, table: str) -> str:
        if table in self.locations:
            return table
        database, _, name = table.rpartition(".")
        location = f"{self.schema}.{re.sub(r'[^A-Za-z0-9_]', '_', database or 'default')}__" \
                   f"{re.sub(r'[^A-Za-z0-9_]', '_', name)}"
        self.locations.add(location)
        return location


class RemoteRunner:
    """Runs the Databricks side of jobs on one Spark Connect session; ``local`` is the session of the Glue side
    (it reads the given data folder's tables before they are sent)."""

    def __init__(self, session, local, *, scratch: str, schema: str | None = None, local_scratch: bool = False):
        self.session, self.local = session, local
        self.scratch = scratch.rstrip("/")
        self.local_scratch = local_scratch
        self.own_schema = schema is None
        self.schema = schema or f"g2l_verify_{uuid.uuid4().hex[:10]}"
        self.runs = 0

    def run(self, side, data: Path, args: list[str], dataset=None):
        """The Databricks job of ``side`` on the endpoint, on the files of ``data`` and the catalog inputs of
        ``dataset`` (and of ``data``); its outputs collected back."""
        from glue2lakehouse.verify import inputs
        from glue2lakehouse.verify.runner import RunResult, collect_outputs, input_view, run_script

        self.runs += 1
        run_root = f"{self.scratch}/run-{uuid.uuid4().hex[:12]}"
        with tempfile.TemporaryDirectory(prefix="g2l-verify-remote-") as tmp:
            env = RemoteEnvironment(Path(data).resolve(), Path(tmp), side.path_aliases,
                                    inputs_root=f"{run_root}/in", outputs_root=f"{run_root}/out", schema=self.schema)
            try:
                self.session.sql(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
                frames = self._data_tables(Path(data))
                if dataset is not None:
                    frames.update(inputs.frames(dataset, self.session))
                for name, frame in frames.items():
                    env.tables[name.lower()] = frame
                    frame.createOrReplaceTempView(input_view(name.lower()))
                self._upload_files(Path(data), f"{run_root}/in")
            except G2LError:
                raise
            except Exception as error:  # noqa: BLE001 - the endpoint failed, not the job: stop, in one line
                raise _endpoint_failed(side.job, error) from None
            try:
                with connect_mode(self.session):
                    error = run_script(Path(side.job).resolve(), args, side.extra_paths, False, env)
                outputs, error = collect_outputs(self.session, env, error)
                if error is not None and any(sign in error for sign in _LOST):
                    raise _endpoint_failed(side.job, error.strip().splitlines()[-1])
            finally:
                self._clean(env, run_root)
            return RunResult(outputs, error)

    def _data_tables(self, data: Path) -> dict:
        """The given data folder's catalog tables (DATA/<database>/<table>.ext), read here, sent as DataFrames."""
        from glue2lakehouse.verify.runner import catalog_files, read_data_file

        frames = {}
        for database, sources in catalog_files(data):
            for source in sources:
                df = read_data_file(self.local, source)
                frames[f"{database}.{source.stem}"] = self.session.createDataFrame(df.collect(), df.schema)
        return frames

    def _upload_files(self, data: Path, root: str) -> None:
        """Every file of DATA/s3 written under ``root`` on the endpoint, at the same relative path: a text file
        (CSV, JSON lines, text) line for line, a Parquet or ORC file through its rows and schema. Spark names the
        files it writes: a ``part-*`` file is appended to its folder (the job reads the folder), any other file
        becomes a folder of its own name holding one part (the job reads it by its name; Spark reads a folder
        the same way)."""
        folder = data / "s3"
        if not folder.is_dir():
            return
        for source in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = source.relative_to(data)
            in_folder = source.name.startswith("part-")
            target = f"{root}/{(relative.parent if in_folder else relative).as_posix()}"
            mode = "append" if in_folder else "overwrite"
            suffix = source.suffix.lower()
            if suffix in (".parquet", ".orc"):
                df = self.local.read.format(suffix[1:]).load(str(source))
                (self.session.createDataFrame(df.collect(), df.schema).coalesce(1)
                 .write.mode(mode).format(suffix[1:]).save(target))
                continue
            try:
                lines = source.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                raise G2LError(f"the input file {relative} is neither text nor Parquet/ORC",
                               "give it uncompressed, or verify that job without --remote") from None
            (self.session.createDataFrame([(line,) for line in lines], "value string").coalesce(1)
             .write.mode(mode).text(target))

    def _clean(self, env: RemoteEnvironment, run_root: str) -> None:
        from glue2lakehouse.verify.runner import input_view

        try:   # best effort: an endpoint that went away has already failed the run, saying so
            for name in env.tables:
                self.session.catalog.dropTempView(input_view(name))
            for location in sorted(env.locations):
                self.session.sql(f"DROP TABLE IF EXISTS {location}")
        except Exception:  # noqa: BLE001
            pass
        if self.local_scratch:
            shutil.rmtree(run_root, ignore_errors=True)

    def close(self) -> None:
        """Drop the scratch schema g2l created and end the Connect session (before the local Spark stops: with
        local[N] it serves the endpoint, and a session left open would try to reach it at exit)."""
        try:
            if self.own_schema:
                self.session.sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        finally:
            self.session.stop()
            if self.local_scratch:
                shutil.rmtree(self.scratch, ignore_errors=True)


@contextmanager
def connect_mode(session):
    """While the Databricks job runs: PySpark builds Spark Connect columns and plans, and the job's
    ``SparkSession.builder.getOrCreate()`` (or ``getActiveSession()``) is the endpoint's session."""
    from pyspark.sql import SparkSession

    saved_env = os.environ.get("SPARK_CONNECT_MODE_ENABLED")
    saved = [(SparkSession.Builder, "getOrCreate", SparkSession.Builder.__dict__["getOrCreate"]),
             (SparkSession, "getActiveSession", SparkSession.__dict__["getActiveSession"]),
             (SparkSession, "active", SparkSession.__dict__["active"])]
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    SparkSession.Builder.getOrCreate = lambda self: session
    SparkSession.getActiveSession = classmethod(lambda cls: session)
    SparkSession.active = classmethod(lambda cls: session)
    try:
        yield
    finally:
        for cls, name, original in saved:
            setattr(cls, name, original)
        if saved_env is None:
            os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
        else:
            os.environ["SPARK_CONNECT_MODE_ENABLED"] = saved_env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def open_sessions(url: str, master: str | None = None, *, scratch: str | None = None, schema: str | None = None):
    """The local session (the Glue side) and a ``RemoteRunner`` on the endpoint ``url`` (``local[N]``: a Spark
    Connect server started in the local session itself)."""
    from glue2lakehouse.verify.runner import SMALL_DATA_CONF, new_session

    check_remote(url, scratch)
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession() is not None   # used, and left running, as verify_cases does
    port = None
    if is_local_master(url):
        port = _free_port()
        local = new_session(url, connect_port=port)
        url = f"sc://localhost:{port}"
    else:
        local = new_session(master)
    try:
        from pyspark.sql.connect.session import SparkSession as ConnectSession

        session = ConnectSession.builder.remote(url).create()
        session.sql("SELECT 1").collect()   # the endpoint answers (and accepts the token) before any job runs
        # the same settings as the local session (tens of rows), and errors without the server's JVM stack
        for key, value in {**SMALL_DATA_CONF, "spark.sql.pyspark.jvmStacktrace.enabled": "false"}.items():
            try:
                session.conf.set(key, value)
            except Exception:  # noqa: BLE001 - a serverless endpoint refuses some settings; they only save time
                pass
    except G2LError:
        if not running:
            local.stop()
        raise
    except Exception as error:  # noqa: BLE001 - gRPC and Spark Connect raise many kinds; one line says which
        if not running:
            local.stop()
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise G2LError(f"the Spark Connect endpoint did not accept a session ({first})",
                       "check the URL, its token and cluster id, and that the cluster is running") from None
    own_scratch = scratch is None
    if own_scratch:
        scratch = tempfile.mkdtemp(prefix="g2l-verify-remote-")
    return local, RemoteRunner(session, local, scratch=scratch, schema=schema, local_scratch=own_scratch)
