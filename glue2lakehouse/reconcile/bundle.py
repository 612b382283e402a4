"""The opt-in reconcile task of a bundle job (``[reconcile.jobs.<job>]`` in ``.g2l.toml``).

For each Glue job that opts in, a task ``<task>_reconcile`` follows the converted task: it runs
``g2l-reconcile-task`` (a ``python_wheel_task`` of the glue2lakehouse package, on the same
cluster or serverless environment) over every output the job writes, paired as the conversion
maps it (``pairs.py``), appends each run's result to the report table and fails when a table
differs. The task is generated like the rest of the job YAML: the same input gives the same
lines, so it merges week after week, and a Databricks edit to it survives like any other.

A scope ``{name}`` becomes the value the converted task passes for ``--name`` (a literal from the
job definition, or ``{{job.parameters.name}}``), so the reconcile task compares the run's slice.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from glue2lakehouse import __version__
from glue2lakehouse.estate.model import GlueJob, Issue, identifier
from glue2lakehouse.reconcile.pairs import job_outputs, pairs_for

PACKAGE = "glue2lakehouse"
ENTRY_POINT = "g2l-reconcile-task"
RULE = "estate-reconcile"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _task_values(task: dict) -> dict[str, str]:
    """--name value pairs of the converted task's parameters."""
    parameters = (task.get("spark_python_task") or {}).get("parameters") or []
    return {parameters[i][2:]: parameters[i + 1] for i in range(len(parameters) - 1)
            if str(parameters[i]).startswith("--")}


def add_reconcile_tasks(job: dict, glue_jobs: list[GlueJob], script_path: Callable[[GlueJob], str | None],
                        read: Callable[[str], bytes] | None, transform, settings) -> list[Issue]:
    """Insert a reconcile task after each opted-in job's task in ``job`` (a bundle job dict); the findings."""
    from glue2lakehouse.estate.bundle import script_arguments

    options = settings.reconcile
    issues: list[Issue] = []
    for glue_job in glue_jobs:
        path = script_path(glue_job)
        if not options.enabled(glue_job.name, path or ""):
            continue

        def issue(message: str) -> None:
            issues.append(Issue(glue_job.path, glue_job.line, RULE, f"job {glue_job.name!r}: {message}"))

        key = identifier(glue_job.name)
        index = next((i for i, t in enumerate(job["tasks"]) if t.get("task_key") == key), None)
        if path is None or read is None or index is None:
            issue("reconcile asked for, but its script is not in this repository: no reconcile task")
            continue
        try:
            text = read(path).decode("utf-8-sig")
        except UnicodeDecodeError:
            issue("reconcile asked for, but its script is not UTF-8: no reconcile task")
            continue
        task = job["tasks"][index]
        values = _task_values(task)
        pairs, notes = pairs_for(job_outputs(text), transform, options, glue_job.name, script_arguments(text) or [],
                                 None, aliases=(path,))
        for note in notes:
            issue(note)
        tables = []
        for pair in pairs:
            if pair.note:
                issue(pair.note)
            if pair.where:
                missing = [n for n in _PLACEHOLDER.findall(pair.where) if n not in values]
                if missing:
                    issue(f"the scope {pair.where!r} of {pair.glue} needs --{missing[0]}, which the task does not "
                          "pass: the whole table is compared; set where under [reconcile.jobs] by hand")
                    pair.where = None
                else:
                    pair.where = _PLACEHOLDER.sub(lambda m: values[m.group(1)], pair.where)
            tables.append(json.dumps(pair.to_dict()))
        if not tables:
            issue("reconcile asked for, but no output of its script can be told from the code: no reconcile task")
            continue
        parameters = ["--job", glue_job.name, "--run-id", "{{job.run_id}}"]
        if options.report_table:
            parameters += ["--report-table", options.report_table]
        else:
            issue("no report_table under [reconcile]: the reconcile task's results are only in its run output")
        for table in tables:
            parameters += ["--table", table]
        package = options.package or f"{PACKAGE}=={__version__}"
        reconcile: dict = {"task_key": f"{key}_reconcile", "depends_on": [{"task_key": key}]}
        if "job_cluster_key" in task:
            reconcile["job_cluster_key"] = task["job_cluster_key"]
        elif "environment_key" in task:
            reconcile["environment_key"] = task["environment_key"]
            for environment in job.get("environments", []):
                if environment.get("environment_key") == task["environment_key"]:
                    dependencies = environment.setdefault("spec", {}).setdefault("dependencies", [])
                    if package not in dependencies:
                        dependencies.append(package)
                        dependencies.sort()
        elif "existing_cluster_id" in task:
            reconcile["existing_cluster_id"] = task["existing_cluster_id"]
        reconcile["python_wheel_task"] = {"package_name": PACKAGE, "entry_point": ENTRY_POINT, "parameters": parameters}
        if "environment_key" not in reconcile:
            reconcile["libraries"] = [{"pypi": {"package": package}}]
        job["tasks"].insert(index + 1, reconcile)
    return issues


def unknown_jobs(estate, script_path: Callable[[GlueJob], str | None], settings) -> list[Issue]:
    """A [reconcile.jobs.<name>] that names no Glue job (nor the script of one) here: a finding, not silence."""
    known = set(estate.jobs) | {script_path(job) for job in estate.jobs.values()}
    return [Issue(".g2l.toml", 1, RULE, f"[reconcile.jobs.{name}] names no Glue job of this repository (nor the "
                                       "script of one): no reconcile task for it; use the job's Name")
            for name in sorted(settings.reconcile.jobs) if name not in known]
