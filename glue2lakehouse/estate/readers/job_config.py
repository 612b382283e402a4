"""Job config YAML: the per-environment settings a team's deploy script reads (``config/job_config.yaml``)::

    default:                       # settings every job gets
      glue_version: "4.0"
      worker_type: G.1X
      spark_conf: {spark.sql.shuffle.partitions: "200"}
    environments:                  # one block per deployment
      dev:        {raw_database: risk_raw_dev, s3_prefix: s3://acme-risk-dev, number_of_workers: 2}
      production: {raw_database: risk_raw,     s3_prefix: s3://acme-risk,     number_of_workers: 10}
    jobs:                          # per job: its script, bookmark, arguments ({name} = an environment value)
      load_positions: {script: etl/load_positions.py, job_bookmark: enable,
                       arguments: {--source_path: "{s3_prefix}-raw/positions/"}}

``parse`` is pure (text -> ``JobConfig``); ``add`` is the cross-file step: it completes the jobs
other files define (or defines those only named here) and records one bundle target per
environment with its variables (``estate.targets``), which ``estate/targets.py`` writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from glue2lakehouse.estate.model import Estate, GlueJob, Issue, as_int, variable_name
from glue2lakehouse.estate.readers.api_json import line_of

BOOKMARKS = {"enable": "job-bookmark-enable", "enabled": "job-bookmark-enable", "true": "job-bookmark-enable",
             "disable": "job-bookmark-disable", "disabled": "job-bookmark-disable", "false": "job-bookmark-disable",
             "pause": "job-bookmark-pause", "paused": "job-bookmark-pause"}
WORKER_KEYS = ("number_of_workers", "numberOfWorkers", "NumberOfWorkers", "workers", "num_workers")
DEFAULT_KEYS = {"glue_version", "worker_type", "spark_conf", "number_of_workers", "timeout", "max_retries"}
JOB_KEYS = {"script", "script_location", "job_bookmark", "arguments", "default_arguments", "worker_type",
            "number_of_workers", "glue_version", "timeout", "max_retries", "description"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}|\$\{(\w+)\}")


@dataclass
class JobConfig:
    path: str
    text: str
    default: dict = field(default_factory=dict)
    environments: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    unclear: list[str] = field(default_factory=list)     # what could not be read (one finding lists them)
    error: str | None = None


def _load(text: str):
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def looks_like(text: str) -> bool:
    """A YAML mapping with an ``environments`` mapping of mappings."""
    try:
        data = _load(text)
    except Exception:       # noqa: BLE001 - ruamel raises many error types; not a job config then
        return False
    return isinstance(data, dict) and isinstance(data.get("environments"), dict) and bool(data["environments"]) \
        and all(isinstance(v, dict) for v in data["environments"].values())


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse(text: str, path: str) -> JobConfig:
    config = JobConfig(path, text)
    try:
        data = _load(text)
    except Exception as error:  # noqa: BLE001
        config.error = f"not readable YAML ({type(error).__name__}); the job config is not converted"
        return config
    if not isinstance(data, dict):
        config.error = "not a mapping; the job config is not converted"
        return config
    default = data.get("default") or data.get("defaults") or {}
    config.default = default if isinstance(default, dict) else {}
    config.unclear += [f"default.{k}" for k in config.default if k not in DEFAULT_KEYS]
    for name, values in (data.get("environments") or {}).items():
        flat = {}
        for key, value in (values or {}).items():
            if isinstance(value, (dict, list)):
                config.unclear.append(f"environments.{name}.{key}")
            else:
                flat[str(key)] = value
        config.environments[str(name)] = flat
    for name, values in (data.get("jobs") or {}).items() if isinstance(data.get("jobs"), dict) else []:
        if isinstance(values, dict):
            config.jobs[str(name)] = values
            config.unclear += [f"jobs.{name}.{k}" for k in values if k not in JOB_KEYS]
        else:
            config.unclear.append(f"jobs.{name}")
    config.unclear += [k for k in data if k not in ("default", "defaults", "environments", "jobs")]
    return config


def _substitute(value: str, names: set[str], estate: Estate, config: JobConfig) -> str:
    def replace(match):
        name = match.group(1) or match.group(2)
        if name in names:
            return estate.variable(name, None, f"environments.*.{name} in {config.path}")
        return match.group(0)
    return _PLACEHOLDER.sub(replace, value)


def add(config: JobConfig, estate: Estate) -> None:
    """The cross-file step: jobs completed or defined, one target per environment (``estate.targets``)."""
    if config.error:
        estate.issues.append(Issue(config.path, 1, "estate-parse", config.error))
        return
    names = {key for values in config.environments.values() for key in values if key not in WORKER_KEYS}
    production = next((config.environments[n] for n in ("production", "prod", "prd") if n in config.environments),
                      next(iter(config.environments.values()), {}))
    for name in sorted(names):
        value = production.get(name)
        estate.variable(name, _text(value) if value is not None else None, f"environments.*.{name} in {config.path}")
    for env, values in config.environments.items():
        estate.targets[env] = {"variables": {variable_name(k): _text(v) for k, v in sorted(values.items())
                                             if k not in WORKER_KEYS},
                               "workers": next((as_int(values[k]) for k in WORKER_KEYS if k in values), None),
                               "jobs": sorted(config.jobs)}
    workers = next((as_int(production[k]) for k in WORKER_KEYS if k in production), None)
    conf = config.default.get("spark_conf")
    conf_text = " --conf ".join(f"{k}={_text(v)}" for k, v in sorted(conf.items())) if isinstance(conf, dict) else ""
    differ = []
    for name, values in sorted(config.jobs.items()):
        line = line_of(config.text, f"{name}:")
        job = estate.jobs.get(name)
        script = values.get("script") or values.get("script_location")
        if job is None:
            job = GlueJob(name, config.path, line, script_location=_text(script) if script else None,
                          number_of_workers=workers)       # production's count; each target its own
            estate.add_job(job)
        elif script and job.script_location and not job.script_location.endswith(_text(script).lstrip("./")):
            differ.append(f"jobs.{name}.script ({script} vs {job.script_location})")
        job.glue_version = job.glue_version or (_text(values.get("glue_version") or config.default.get("glue_version"))
                                                if (values.get("glue_version") or config.default.get("glue_version"))
                                                else None)
        job.worker_type = job.worker_type or (_text(values.get("worker_type") or config.default.get("worker_type"))
                                              if (values.get("worker_type") or config.default.get("worker_type"))
                                              else None)
        bookmark = values.get("job_bookmark")
        if bookmark is not None:
            option = BOOKMARKS.get(_text(bookmark).lower())
            current = job.default_arguments.get("--job-bookmark-option")
            if option is None:
                config.unclear.append(f"jobs.{name}.job_bookmark ({bookmark})")
            elif current and current != option:
                differ.append(f"jobs.{name}.job_bookmark ({option} vs {current})")
            else:
                job.default_arguments["--job-bookmark-option"] = option
        arguments = values.get("arguments") or values.get("default_arguments") or {}
        for key, value in (arguments.items() if isinstance(arguments, dict) else []):
            key = _text(key) if _text(key).startswith("--") else "--" + _text(key)
            job.default_arguments[key] = _substitute(_text(value), names, estate, config)
        if conf_text and "--conf" not in job.default_arguments:
            job.default_arguments["--conf"] = conf_text
    schemas = sorted(n for n in names if n.endswith(("database", "schema", "catalog", "db")))
    if schemas:
        estate.issues.append(Issue(config.path, 1, "estate-config",
                                   f"the converted code names the production databases; per target they are the "
                                   f"bundle variables {', '.join(schemas)}: pass them to the scripts as job "
                                   "parameters where a target must read or write its own schemas"))
    sized = [f"{n} ({estate.jobs[n].number_of_workers})" for n in sorted(config.jobs)
             if workers and estate.jobs[n].number_of_workers not in (None, workers)]
    if sized:
        estate.issues.append(Issue(config.path, 1, "estate-config",
                                   f"the job definitions size {', '.join(sized)} workers, the job config's environments "
                                   "one count for all jobs: each target uses its environment's count (the job "
                                   "definitions' counts stay the jobs' defaults); check which one your deploy used"))
    if differ:
        estate.issues.append(Issue(config.path, 1, "estate-config",
                                   f"the job config and the job definitions disagree on {', '.join(differ)}: the "
                                   "job definitions are used; make them agree"))
    if config.unclear:
        estate.issues.append(Issue(config.path, 1, "estate-config",
                                   f"not converted, its meaning is not clear: {', '.join(config.unclear)}; carry "
                                   "it into the bundle targets by hand if a job needs it"))


def read(text: str, path: str, estate: Estate) -> None:
    add(parse(text, path), estate)
