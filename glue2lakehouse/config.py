"""The .g2l.toml model and its validation.

``.g2l.toml`` is committed with the Databricks repository; it names the Glue
source and holds the transform and sync settings::

    [glue]
    source = "../glue_risk_engine"   # a git repo or a plain folder
    ref = "HEAD"                     # for a git repo: the commit to snapshot

    [transform]
    catalog = "production"

    [sync]
    branch = "glue-upstream"         # the snapshot branch
    protected_overlap = "conflict"   # or "keep-databricks"
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from glue2lakehouse.errors import G2LError
from glue2lakehouse.reconcile.settings import RECONCILE_KEYS, ReconcileSettings, reconcile_settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = ".g2l.toml"
OVERLAP_MODES = ("conflict", "keep-databricks")
DEFAULT_BRANCH = "glue-upstream"
# Bumped whenever the transformer's output for the same input and settings changes.
TRANSFORM_VERSION = "1"


def load_toml_text(text: str) -> dict:
    return tomllib.loads(text)


ARGS_STYLES = ("argparse", "widgets")
S3_WRITE_MODES = ("keep", "delta")


@dataclass(frozen=True)
class TransformSettings:
    """Everything that decides the transformer's output. Defaults keep Glue's behaviour."""

    catalog: str = "main"
    schemas: dict = field(default_factory=dict)     # Glue database -> Unity Catalog schema
    paths: dict = field(default_factory=dict)       # S3 prefix -> /Volumes/... or external-location prefix
    args_style: str = "argparse"                    # or "widgets" (dbutils.widgets)
    s3_writes: str = "keep"                         # or "delta": S3 writes become Delta
    bookmarks: dict = field(default_factory=dict)   # script path -> its job's --job-bookmark-option (from definitions)
    bookmark_table: str = ""                        # [bookmarks] table; "" = <catalog>.default.g2l_job_bookmarks

    def schema(self, database: str) -> str:
        return self.schemas.get(database, database)

    def table(self, database: str, table: str) -> str:
        return f"{self.catalog}.{self.schema(database)}.{table}"

    def map_path(self, path: str) -> str:
        for prefix in sorted(self.paths, key=len, reverse=True):
            if path.startswith(prefix):
                return self.paths[prefix] + path[len(prefix):]
        return path

    def fingerprint(self) -> str:
        """A short hash of everything that decides the transformer's output."""
        document = {"transform_version": TRANSFORM_VERSION, **asdict(self)}
        if not self.bookmarks:
            del document["bookmarks"]   # no job definitions known: the same fingerprint as before they existed
        if not self.bookmark_table:
            del document["bookmark_table"]   # the default table: the same fingerprint as before the setting existed
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        return digest[:16]


COMPUTE_MODES = ("cluster", "serverless")
DDL_TABLE_MODES = ("managed", "external")


@dataclass(frozen=True)
class EstateSettings:
    """How job definitions and catalog DDL are converted ([jobs] and [ddl] in .g2l.toml)."""

    compute: str = "cluster"                        # or "serverless"
    node_types: dict = field(default_factory=dict)  # Glue WorkerType -> node_type_id (over the built-in table)
    runtimes: dict = field(default_factory=dict)    # GlueVersion -> spark_version (over the built-in table)
    tables: str = "managed"                         # or "external": tables stay at their (mapped) location
    spark_version: str | None = None                # one supported LTS runtime for every job (estate/runtimes.py)
    reconcile: ReconcileSettings = field(default_factory=ReconcileSettings)   # [reconcile]: tasks in bundle jobs


@dataclass(frozen=True)
class Config:
    glue_source: str
    glue_ref: str = "HEAD"
    transform: TransformSettings = field(default_factory=TransformSettings)
    branch: str = DEFAULT_BRANCH
    protected_overlap: str = "conflict"
    estate: EstateSettings = field(default_factory=EstateSettings)

    def glue_path(self, repo_root: Path) -> Path:
        path = Path(self.glue_source).expanduser()
        return path if path.is_absolute() else (repo_root / path)


def _string(table: dict, key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if value is None:
        raise G2LError(f"{CONFIG_FILE}: [{where}] has no '{key}'", f"add {key} = \"...\" to the [{where}] table")
    if not isinstance(value, str) or not value.strip():
        raise G2LError(f"{CONFIG_FILE}: [{where}] {key} must be a non-empty string, not {value!r}",
                       f"write {key} = \"...\"")
    return value


def parse_config(text: str) -> Config:
    try:
        data = load_toml_text(text)
    except tomllib.TOMLDecodeError as error:
        raise G2LError(f"{CONFIG_FILE} is not valid TOML ({error})", "fix the syntax or restore it from git") from None
    known = {"glue": {"source", "ref"}, "transform": {"catalog", "schemas", "paths", "args_style", "s3_writes"},
             "sync": {"branch", "protected_overlap"}, "jobs": {"compute", "node_types", "runtimes", "spark_version"},
             "ddl": {"tables"}, "bookmarks": {"table"}, "reconcile": RECONCILE_KEYS, "verify": {"intended"}}
    for table, value in data.items():
        if table not in known or not isinstance(value, dict):
            raise G2LError(f"{CONFIG_FILE}: unknown table [{table}]",
                           f"use only {', '.join('[' + k + ']' for k in known)}")
        unknown = set(value) - known[table]
        if unknown:
            raise G2LError(f"{CONFIG_FILE}: unknown key '{sorted(unknown)[0]}' in [{table}]",
                           f"the keys of [{table}] are {', '.join(sorted(known[table]))}")
    glue = data.get("glue", {})
    transform = data.get("transform", {})
    sync = data.get("sync", {})
    overlap = _string(sync, "protected_overlap", "sync", "conflict")
    if overlap not in OVERLAP_MODES:
        raise G2LError(f"{CONFIG_FILE}: [sync] protected_overlap = {overlap!r} is not a known mode",
                       'use "conflict" or "keep-databricks"')
    return Config(
        glue_source=_string(glue, "source", "glue"),
        glue_ref=_string(glue, "ref", "glue", "HEAD"),
        transform=with_bookmark_table(transform_settings(transform), data.get("bookmarks", {})),
        branch=_string(sync, "branch", "sync", DEFAULT_BRANCH),
        protected_overlap=overlap,
        estate=estate_settings(data.get("jobs", {}), data.get("ddl", {}), data.get("reconcile")),
    )


def estate_settings(jobs: dict, ddl: dict, reconcile: dict | None = None) -> EstateSettings:
    compute = _string(jobs, "compute", "jobs", "cluster")
    if compute not in COMPUTE_MODES:
        raise G2LError(f"{CONFIG_FILE}: [jobs] compute = {compute!r} is not known", 'use "cluster" or "serverless"')
    tables = _string(ddl, "tables", "ddl", "managed")
    if tables not in DDL_TABLE_MODES:
        raise G2LError(f"{CONFIG_FILE}: [ddl] tables = {tables!r} is not known", 'use "managed" or "external"')
    tables_of = {}
    for key in ("node_types", "runtimes"):
        value = jobs.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise G2LError(f"{CONFIG_FILE}: [jobs.{key}] must map strings to strings",
                           f'write entries like "G.1X" = "m5.xlarge" under [jobs.{key}]')
        tables_of[key] = dict(sorted(value.items()))
    from glue2lakehouse.estate.runtimes import unsupported

    spark_version = _string(jobs, "spark_version", "jobs") if "spark_version" in jobs else None
    for where, value in ([("[jobs] spark_version", spark_version)] if spark_version else []) + \
            [(f"[jobs.runtimes] {k!r}", v) for k, v in tables_of["runtimes"].items()]:
        why = unsupported(value)
        if why:
            raise G2LError(f"{CONFIG_FILE}: {where}: {why}", 'choose a supported LTS, e.g. "16.4.x-scala2.12"')
    return EstateSettings(compute=compute, tables=tables, spark_version=spark_version,
                         reconcile=reconcile_settings(reconcile or {}), **tables_of)


def _string_table(table: dict, key: str) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise G2LError(f"{CONFIG_FILE}: [transform.{key}] must map strings to strings",
                       f'write entries like "name" = "value" under [transform.{key}]')
    return dict(sorted(value.items()))


def transform_settings(table: dict) -> TransformSettings:
    """Validated transform settings from the [transform] table (also used by 'g2l convert')."""
    args_style = _string(table, "args_style", "transform", "argparse")
    if args_style not in ARGS_STYLES:
        raise G2LError(f"{CONFIG_FILE}: [transform] args_style = {args_style!r} is not known",
                       'use "argparse" or "widgets"')
    s3_writes = _string(table, "s3_writes", "transform", "keep")
    if s3_writes not in S3_WRITE_MODES:
        raise G2LError(f"{CONFIG_FILE}: [transform] s3_writes = {s3_writes!r} is not known", 'use "keep" or "delta"')
    catalog = _string(table, "catalog", "transform", "main")
    return TransformSettings(catalog=catalog, schemas=_string_table(table, "schemas"),
                             paths=_string_table(table, "paths"), args_style=args_style, s3_writes=s3_writes)


def with_bookmark_table(settings: TransformSettings, bookmarks: dict) -> TransformSettings:
    """[bookmarks] table: where converted jobs keep their bookmark state (one table per estate)."""
    if "table" not in bookmarks:
        return settings
    table = _string(bookmarks, "table", "bookmarks")
    if len(table.split(".")) != 3 or not all(part.strip() for part in table.split(".")):
        raise G2LError(f"{CONFIG_FILE}: [bookmarks] table = {table!r} is not a three-part name",
                       'write table = "<catalog>.<schema>.<table>"')
    return replace(settings, bookmark_table=table)


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _render_table(name: str, values: dict) -> str:
    if not values:
        return ""
    return f"\n[{name}]\n" + "".join(f"{_quote(k)} = {_quote(v)}\n" for k, v in sorted(values.items()))


def render_config(config: Config) -> str:
    return (
        "# glue2lakehouse settings: see `g2l --help`. Committed with the repository.\n"
        "[glue]\n"
        f"source = {_quote(config.glue_source)}\n"
        f"ref = {_quote(config.glue_ref)}\n"
        "\n[transform]\n"
        f"catalog = {_quote(config.transform.catalog)}\n"
        f"args_style = {_quote(config.transform.args_style)}\n"
        f"s3_writes = {_quote(config.transform.s3_writes)}\n"
        + _render_table("transform.schemas", config.transform.schemas)
        + _render_table("transform.paths", config.transform.paths)
        + _render_estate(config.estate)
        + (f"\n[bookmarks]\ntable = {_quote(config.transform.bookmark_table)}\n" if config.transform.bookmark_table else "")
        + "\n[sync]\n"
        f"branch = {_quote(config.branch)}\n"
        f"protected_overlap = {_quote(config.protected_overlap)}\n"
    )


def _render_estate(estate: EstateSettings) -> str:
    if estate == EstateSettings():
        return ""
    return ("\n[jobs]\n" f"compute = {_quote(estate.compute)}\n"
            + (f"spark_version = {_quote(estate.spark_version)}\n" if estate.spark_version else "")
            + _render_table("jobs.node_types", estate.node_types) + _render_table("jobs.runtimes", estate.runtimes)
            + "\n[ddl]\n" f"tables = {_quote(estate.tables)}\n")
