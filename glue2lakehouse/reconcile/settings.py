"""The ``[reconcile]`` table of ``.g2l.toml``: which jobs get a reconcile task, and how to compare.

```toml
[reconcile]
glue_catalog = "glue"                      # where Databricks sees the Glue Data Catalog
report_table = "prod.g2l.reconcile_runs"   # each run's result is appended here
package = "glue2lakehouse==0.1.0"          # what the task installs (default: this version)

[reconcile.glue_paths]                     # S3 prefix -> where Glue's files are readable (default: as they are)
"s3://risk-output/" = "s3://risk-output/"

[reconcile.jobs.daily_risk_job]            # a Glue job name (or its script path)
keys = ["customer_id"]
where = "run_date = '{run_date}'"          # {name}: the job's argument of that name
thresholds = { risk_score = "0.0001", exposure = "0.5%" }

[reconcile.jobs.daily_risk_job.tables."risk_db.risk_scores"]   # per output, over the job's values
keys = ["customer_id", "run_date"]
```

Pure: no Spark, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glue2lakehouse.errors import G2LError

CONFIG = ".g2l.toml"
RECONCILE_KEYS = _TOP = {"glue_catalog", "report_table", "package", "glue_paths", "jobs"}
_JOB = {"keys", "where", "thresholds", "tables"}
_TABLE = {"keys", "where", "thresholds"}


@dataclass(frozen=True)
class JobOptions:
    keys: tuple[str, ...] = ()
    where: str | None = None
    thresholds: dict = field(default_factory=dict)    # column -> "0.01" | "0.5%"
    tables: dict = field(default_factory=dict)        # Glue output -> {"keys", "where", "thresholds"}


@dataclass(frozen=True)
class ReconcileSettings:
    jobs: dict = field(default_factory=dict)          # Glue job name or script path -> JobOptions
    glue_catalog: str | None = None
    report_table: str | None = None
    package: str | None = None
    glue_paths: dict = field(default_factory=dict)

    def for_job(self, *names: str) -> JobOptions:
        for name in names:
            if name and name in self.jobs:
                return self.jobs[name]
        return JobOptions()

    def enabled(self, *names: str) -> bool:
        return any(name in self.jobs for name in names if name)

    def map_glue_path(self, path: str) -> str:
        for prefix in sorted(self.glue_paths, key=len, reverse=True):
            if path.startswith(prefix):
                return self.glue_paths[prefix] + path[len(prefix):]
        return path


def _fail(where: str, what: str, fix: str) -> None:
    raise G2LError(f"{CONFIG}: [{where}] {what}", fix)


def _text(value, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(where, f"{key} must be a non-empty string, not {value!r}", f'write {key} = "..."')
    return value


def _keys(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        _fail(where, f"keys must be a list of column names, not {value!r}", 'write keys = ["id"]')
    return tuple(value)


def _thresholds(value, where: str) -> dict:
    from glue2lakehouse.reconcile.engine import parse_threshold

    if not isinstance(value, dict):
        _fail(where, f"thresholds must be a table of column = tolerance, not {value!r}",
              'write thresholds = { amount = "0.01", ead = "0.5%" }')
    out = {}
    for column, limit in sorted(value.items()):
        if isinstance(limit, bool) or not isinstance(limit, (str, int, float)):
            _fail(where, f"threshold {column} = {limit!r} is not a number or a percentage", 'write "0.01" or "0.5%"')
        parse_threshold(str(limit), column)
        out[column] = str(limit)
    return out


def _options(value: dict, where: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        _fail(where, "must be a table", f"write [{where}] with keys {', '.join(sorted(allowed))}")
    unknown = set(value) - allowed
    if unknown:
        _fail(where, f"unknown key '{sorted(unknown)[0]}'", f"the keys of [{where}] are {', '.join(sorted(allowed))}")
    out: dict = {}
    if "keys" in value:
        out["keys"] = _keys(value["keys"], where)
    if "where" in value:
        out["where"] = _text(value["where"], where, "where")
    if "thresholds" in value:
        out["thresholds"] = _thresholds(value["thresholds"], where)
    return out


def reconcile_settings(table: dict) -> ReconcileSettings:
    """Validated settings from the [reconcile] table."""
    if not table:
        return ReconcileSettings()
    unknown = set(table) - _TOP
    if unknown:
        _fail("reconcile", f"unknown key '{sorted(unknown)[0]}'", f"the keys of [reconcile] are {', '.join(sorted(_TOP))}")
    paths = table.get("glue_paths", {})
    if not isinstance(paths, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in paths.items()):
        _fail("reconcile.glue_paths", "must map strings to strings", 'write "s3://bucket/" = "s3://bucket/"')
    jobs = {}
    raw_jobs = table.get("jobs", {})
    if not isinstance(raw_jobs, dict):
        _fail("reconcile", "jobs must be a table of jobs", "write [reconcile.jobs.<job name>]")
    for name, value in sorted(raw_jobs.items()):
        where = f"reconcile.jobs.{name}"
        options = _options(value, where, _JOB)
        tables = {}
        for output, per in sorted((value.get("tables") or {}).items()):
            tables[output] = _options(per, f"{where}.tables.\"{output}\"", _TABLE)
        jobs[name] = JobOptions(keys=options.get("keys", ()), where=options.get("where"),
                                thresholds=options.get("thresholds", {}), tables=tables)
    glue_catalog = _text(table["glue_catalog"], "reconcile", "glue_catalog") if "glue_catalog" in table else None
    if jobs and glue_catalog is None:
        _fail("reconcile", "has jobs but no glue_catalog",
              'set glue_catalog = "<catalog>": the Glue Data Catalog federated into Unity Catalog (or '
              '"hive_metastore" where the workspace uses Glue as its metastore)')
    return ReconcileSettings(
        jobs=jobs, glue_catalog=glue_catalog,
        report_table=_text(table["report_table"], "reconcile", "report_table") if "report_table" in table else None,
        package=_text(table["package"], "reconcile", "package") if "package" in table else None,
        glue_paths=dict(sorted(paths.items())))
