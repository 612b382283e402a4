"""A neutral model of a Glue estate: jobs, triggers, workflows, crawlers, as every reader produces them.

Readers (API JSON, CloudFormation, Terraform) fill these records from their own
shapes; ``bundle.py`` turns them into Databricks Asset Bundle YAML. Values are
plain strings, numbers and lists; a value a reader could not resolve (a Terraform
``var.x``, a CloudFormation ``!Ref Param``) is written ``${var.name}`` and the
variable is recorded in ``Estate.variables`` so the bundle declares it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """A finding about a definition file: what was not mapped, and what to do."""

    path: str
    line: int
    rule: str
    message: str


@dataclass
class GlueJob:
    name: str
    path: str                                   # the definition file
    line: int = 1
    script_location: str | None = None
    command: str = "glueetl"                    # glueetl, pythonshell, gluestreaming, glueray
    default_arguments: dict[str, str] = field(default_factory=dict)
    non_overridable_arguments: dict[str, str] = field(default_factory=dict)
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    glue_version: str | None = None
    max_retries: int | None = None
    timeout: int | None = None                  # minutes
    max_concurrent_runs: int | None = None
    connections: list[str] = field(default_factory=list)
    description: str | None = None
    other: dict[str, object] = field(default_factory=dict)   # fields with no mapping (reported)


@dataclass
class Condition:
    job: str | None = None
    crawler: str | None = None
    state: str = "SUCCEEDED"                    # SUCCEEDED, FAILED, TIMEOUT, STOPPED (crawl_state for crawlers)


@dataclass
class GlueTrigger:
    name: str
    path: str
    line: int = 1
    type: str = "ON_DEMAND"                     # SCHEDULED, CONDITIONAL, ON_DEMAND, EVENT
    schedule: str | None = None                 # cron(...)
    workflow: str | None = None
    actions: list[str] = field(default_factory=list)          # job names started
    crawler_actions: list[str] = field(default_factory=list)  # crawlers started
    logical: str = "AND"                        # AND / ANY over the conditions
    conditions: list[Condition] = field(default_factory=list)
    enabled: bool = True                        # StartOnCreation / State ACTIVATED
    arguments: dict[str, dict[str, str]] = field(default_factory=dict)   # job -> Arguments the action passes
    timeouts: dict[str, int] = field(default_factory=dict)   # job -> Timeout (minutes) the action sets
    other: dict[str, object] = field(default_factory=dict)   # fields with no mapping (reported)


@dataclass
class GlueWorkflow:
    name: str
    path: str
    line: int = 1
    description: str | None = None
    max_concurrent_runs: int | None = None
    run_properties: dict[str, str] = field(default_factory=dict)   # DefaultRunProperties (reported)


@dataclass
class GlueCrawler:
    name: str
    path: str
    line: int = 1
    database: str | None = None
    targets: list[str] = field(default_factory=list)
    schedule: str | None = None
    workflow: str | None = None                 # the workflow document it was a step of (dropped from its graph)


@dataclass
class Variable:
    name: str
    default: str | None
    origin: str                                 # what it stood for, e.g. "var.bucket" or "!Ref ScriptBucket"


@dataclass
class Estate:
    jobs: dict[str, GlueJob] = field(default_factory=dict)
    triggers: dict[str, GlueTrigger] = field(default_factory=dict)
    workflows: dict[str, GlueWorkflow] = field(default_factory=dict)
    crawlers: dict[str, GlueCrawler] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    definition_files: list[str] = field(default_factory=list)
    catalog: list[tuple] = field(default_factory=list)   # (kind, properties, path, line): declared databases/tables
    targets: dict[str, dict] = field(default_factory=dict)   # environment -> {variables, workers, jobs} (job config)

    def add_job(self, job: GlueJob) -> None:
        if job.name in self.jobs and self.jobs[job.name].path != job.path:
            self.issues.append(Issue(job.path, job.line, "estate-duplicate",
                                     f"Glue job {job.name!r} is also defined in {self.jobs[job.name].path}; "
                                     "this definition is used (the files are read in path order)"))
        self.jobs[job.name] = job

    def add_trigger(self, trigger: GlueTrigger) -> None:
        self.triggers[trigger.name] = trigger

    def variable(self, name: str, default: str | None, origin: str) -> str:
        """Declare a bundle variable for an unresolved value; returns its reference."""
        name = variable_name(name)
        if name not in self.variables or (self.variables[name].default is None and default is not None):
            self.variables[name] = Variable(name, default, origin)
        return "${var." + name + "}"


def variable_name(text: str) -> str:
    """A bundle variable name: letters, digits and underscores, case kept."""
    out = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "value"
    return out if not out[0].isdigit() else "_" + out


def identifier(text: str) -> str:
    """A bundle resource key / variable name: lower-case letters, digits and underscores."""
    out = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower()
    if not out:
        return "job"
    return out if not out[0].isdigit() else "_" + out


def as_int(value) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def as_float(value) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None
