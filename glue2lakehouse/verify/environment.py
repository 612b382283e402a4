"""Where a verified job's inputs come from and where its outputs go, for one run.

Shared by the Glue emulator and by the Spark patches of the runner:
- catalog tables come from ``DATA/<database>/<table>.{parquet,csv,json}`` (loaded into the
  run's local warehouse before the job starts);
- an ``s3://bucket/key`` path reads ``DATA/s3/bucket/key`` and writes under the run's
  scratch folder, so a run never writes into the data folder;
- a JDBC table is a table of the run's in-memory Derby database (``verify/jdbc.py``);
- every write is recorded, in order, as an output to compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_S3 = re.compile(r"^s3[an]?://([^/]+)/?(.*)$")


@dataclass
class Output:
    kind: str          # "table", "path" or "jdbc"
    name: str          # "<database>.<table>", the path as the job wrote it, or the JDBC table ("schema.table")
    location: str      # the table name, the local folder, or the JDBC table as the run's database names it
    fmt: str = "parquet"
    options: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass
class Environment:
    data: Path
    scratch: Path
    path_aliases: dict = field(default_factory=dict)   # e.g. "/Volumes/main/risk/raw/" -> "s3://bank-risk-raw/"
    outputs: dict = field(default_factory=dict)        # key -> Output, in write order
    bookmarks: dict = field(default_factory=dict)      # job name -> its committed bookmark states (the emulator's)
    tables: dict = field(default_factory=dict)         # in-memory input tables: "db.t" -> DataFrame
    written: set = field(default_factory=set)          # in-memory input tables the job has written to
    silent: bool = False                               # writes are not recorded as outputs while set
    jdbc: object = None                                # the run's jdbc.Database, made when a job first uses JDBC

    def database(self):
        """The run's in-memory JDBC database (every JDBC URL of the job is taken to it)."""
        if self.jdbc is None:
            from glue2lakehouse.verify.jdbc import Database

            self.jdbc = Database()
        return self.jdbc

    def canonical(self, path: str) -> str:
        for prefix, original in sorted(self.path_aliases.items(), key=lambda item: -len(item[0])):
            if path.startswith(prefix):
                return original + path[len(prefix):]
        return path

    def read_path(self, path: str) -> str:
        path = self.canonical(path)
        match = _S3.match(path)
        return str(self.data / "s3" / match.group(1) / match.group(2)) if match else path

    def write_path(self, path: str) -> str:
        path = self.canonical(path)
        match = _S3.match(path)
        if match:
            return str(self.scratch / "s3" / match.group(1) / match.group(2))
        return str(self.scratch / "local" / path.lstrip("/"))

    def table_location(self, table: str) -> str:
        """The name a catalog table 'db.t' of the job has in this run's session (the same, locally)."""
        return table

    def record(self, kind: str, name: str, location: str, fmt: str = "parquet", options: dict | None = None) -> None:
        if self.silent:
            return  # a write that is not an output of the job (a Spigot sample)
        output = Output(kind, name, location, fmt, dict(options or {}))
        self.outputs.setdefault(output.key, output)


CURRENT: Environment | None = None


def current() -> Environment:
    if CURRENT is None:
        raise RuntimeError("no verification run is active: the Glue emulator only runs under g2l verify")
    return CURRENT
