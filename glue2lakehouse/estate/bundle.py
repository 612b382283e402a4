"""The estate model -> Databricks Asset Bundle job YAML (``resources/<job>.job.yml``).

Every mapping rule is a row of a table below (and of the README's tables). What has
no mapping is reported as an ``Issue``, never dropped silently. Output is
deterministic: keys in a fixed order, arguments sorted, one value per line.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass, field

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.estate import yamlout
from glue2lakehouse.estate.cron import CronError, to_quartz
from glue2lakehouse.estate.incremental import cached_job
from glue2lakehouse.estate.model import Estate, GlueJob, GlueTrigger, Issue, identifier
from glue2lakehouse.estate.runtimes import ANSI_CONF, DEFAULT_RUNTIME, RUNTIMES, runtime_for, spark4  # noqa: F401

RESOURCES = "resources"
VARIABLES_FILE = f"{RESOURCES}/glue_variables.yml"
SECRET_SCOPE = "glue-connections"   # the scope the transformer's JDBC rules read (transform/rules/writers.py)

# Glue WorkerType -> node_type_id (AWS). Overridden per entry by [jobs.node_types] in .g2l.toml.
NODE_TYPES = {
    "Standard": "m5.xlarge", "G.025X": "m5.large", "G.1X": "m5.xlarge", "G.2X": "m5.2xlarge",
    "G.4X": "m5.4xlarge", "G.8X": "m5.8xlarge", "G.12X": "m5.12xlarge", "G.16X": "m5.16xlarge",
    "R.1X": "r5.xlarge", "R.2X": "r5.2xlarge", "R.4X": "r5.4xlarge", "R.8X": "r5.8xlarge", "Z.2X": "r5.2xlarge",
}
# GlueVersion -> runtime: estate/runtimes.py (supported LTS only; [jobs] spark_version, [jobs.runtimes]).
DEFAULT_WORKERS = 10          # Glue's default capacity for a Spark job (10 DPU / G.1X workers)

# Glue-internal job arguments: (action, what replaces it). "drop": nothing needed on Databricks;
# "map": converted as the note says; "pass": a task parameter as it is (the converted job reads it); "report":
# dropped, with a finding saying what to do.
GLUE_ARGUMENTS = {
    "--job-bookmark-option": ("pass", "a task parameter: the converted job's GlueJob reads it (README: job bookmarks)"),
    "--job-bookmark-from": ("pass", "a task parameter (with job-bookmark-pause)"),
    "--job-bookmark-to": ("pass", "a task parameter (with job-bookmark-pause)"),
    "--TempDir": ("drop", "Databricks manages temporary storage"),
    "--enable-metrics": ("drop", "cluster metrics are built in"),
    "--enable-observability-metrics": ("drop", "cluster metrics are built in"),
    "--enable-glue-datacatalog": ("drop", "Unity Catalog is the metastore"),
    "--enable-continuous-cloudwatch-log": ("drop", "driver and executor logs are kept with the job run"),
    "--enable-continuous-log-filter": ("drop", "driver and executor logs are kept with the job run"),
    "--continuous-log-logGroup": ("drop", "driver and executor logs are kept with the job run"),
    "--continuous-log-logStreamPrefix": ("drop", "driver and executor logs are kept with the job run"),
    "--continuous-log-conversionPattern": ("drop", "driver and executor logs are kept with the job run"),
    "--enable-spark-ui": ("drop", "the Spark UI is built in"),
    "--spark-event-logs-path": ("drop", "the Spark UI is built in"),
    "--enable-job-insights": ("drop", "run details are built in"),
    "--job-language": ("drop", "a spark_python_task runs Python"),
    "--scriptLocation": ("drop", "the task's python_file"),
    "--enable-s3-parquet-optimized-committer": ("drop", "Databricks commits S3 writes itself"),
    "--enable-rename-algorithm-v2": ("drop", "Databricks commits S3 writes itself"),
    "--enable-data-lineage": ("drop", "Unity Catalog records lineage"),
    "--datalake-formats": ("drop", "Delta is built in (Iceberg / Hudi: see the finding)"),
    "--enable-auto-scaling": ("map", "job cluster autoscale (1 .. workers - 1)"),
    "--additional-python-modules": ("map", "task libraries (pypi; .whl paths as whl)"),
    "--extra-jars": ("map", "task libraries (jar)"),
    "--conf": ("map", "job cluster spark_conf"),
    "--python-modules-installer-option": ("report", "set pip options in the library or the cluster's pip config"),
    "--extra-py-files": ("report", "Glue put these modules on the job's path; on Databricks only the script's "
                                   "folder is: package them as a wheel library of the task (or add the bundle "
                                   "root to sys.path)"),
    "--extra-files": ("report", "put the files in a Unity Catalog volume or in this repository"),
    "--user-jars-first": ("report", "use a cluster init script or shade the jar"),
    "--class": ("report", "Scala jobs are not converted"),
    "--encryption-type": ("report", "S3 encryption is set on the storage (external location), not per job"),
}
# Glue's reserved keys a script may read with getResolvedOptions -> Databricks dynamic value references.
RESERVED_PARAMETERS = {"JOB_ID": "{{job.id}}", "JOB_RUN_ID": "{{job.run_id}}"}
# Trigger predicate (logical, state) -> run_if of the dependent task.
RUN_IF = {("AND", "SUCCEEDED"): "ALL_SUCCESS", ("ANY", "SUCCEEDED"): "AT_LEAST_ONE_SUCCESS",
          ("AND", "FAILED"): "ALL_FAILED", ("ANY", "FAILED"): "AT_LEAST_ONE_FAILED",
          ("AND", "TIMEOUT"): "ALL_FAILED", ("ANY", "TIMEOUT"): "AT_LEAST_ONE_FAILED",
          ("AND", "STOPPED"): "ALL_FAILED", ("ANY", "STOPPED"): "AT_LEAST_ONE_FAILED"}
# Job fields reported with what to do (no bundle field carries them).
TRIGGER_NOTES = {
    "EventBatchingCondition": "EVENT triggers are not converted",
    "Actions.NotificationProperty": "set email_notifications on the task",
    "Actions.SecurityConfiguration": "encryption belongs to the storage",
}
REPORTED_FIELDS = {
    "DefaultArguments": "an expression only known when it is deployed: write the task parameters by hand",
    "NonOverridableArguments": "an expression only known when it is deployed: write the task parameters by hand",
    "Role": "runs as the job owner or run_as; grant it the Unity Catalog privileges the role had",
    "SecurityConfiguration": "encryption is set on the storage (external locations), not per job",
    "NotificationProperty": "set email_notifications / webhook_notifications on the job",
    "ExecutionClass": "FLEX has no equivalent; use a cheaper node type or serverless",
    "TagsAll": "provider default tags: set them in the bundle's targets",
}


@dataclass
class BundleOutput:
    files: dict[str, str] = field(default_factory=dict)     # path -> YAML text
    issues: list[Issue] = field(default_factory=list)


def script_arguments(source) -> list[str] | None:
    """The names a Glue script reads with getResolvedOptions(sys.argv, [...]), or None when it does not.
    ``source``: the text, or its ``ast`` tree (None: it does not parse)."""
    try:
        tree = ast.parse(source) if isinstance(source, str) else source
    except (SyntaxError, ValueError):
        return None
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "getResolvedOptions" and isinstance(node.args[1], (ast.List, ast.Tuple)):
                return [e.value for e in node.args[1].elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None


def match_script(location: str | None, scripts: list[str]) -> str | None:
    """The repository path a script location (s3://bucket/prefix/jobs/x.py, a local path) names, by longest suffix."""
    return ScriptIndex(scripts).match(location)


class ScriptIndex:
    """The repository's scripts by file name, so that matching a location looks only at same-named files."""

    def __init__(self, scripts):
        self.by_name: dict[str, list[str]] = {}
        for path in sorted(scripts):
            self.by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)

    def match(self, location: str | None) -> str | None:
        if not location:
            return None
        parts = [p for p in location.split("://", 1)[-1].split("/") if p and p != "."]
        # A path whose file name differs from the location's shares no suffix with it.
        return _longest_suffix(parts, self.by_name.get(parts[-1], []) if parts else [])


def _longest_suffix(parts: list[str], scripts: list[str]) -> str | None:
    best, best_len, tie = None, 0, False
    for path in scripts:
        candidate = path.split("/")
        n = 0
        while n < min(len(parts), len(candidate)) and parts[-1 - n] == candidate[-1 - n]:
            n += 1
        if n > best_len:
            best, best_len, tie = path, n, False
        elif n == best_len and n > 0:
            tie = True
    return None if tie or best_len == 0 else best


def quartz_schedule(trigger: GlueTrigger, issues: list[Issue]) -> dict | None:
    try:
        quartz = to_quartz(trigger.schedule or "")
    except CronError as error:
        issues.append(Issue(trigger.path, trigger.line, "estate-schedule",
                            f"trigger {trigger.name!r}: schedule not converted ({error}); add a schedule by hand"))
        return None
    return {"quartz_cron_expression": quartz, "timezone_id": "UTC",
            "pause_status": "UNPAUSED" if trigger.enabled else "PAUSED"}


class _Builder:
    def __init__(self, estate: Estate, scripts: dict[str, list[str] | None], transform: TransformSettings,
                 settings: EstateSettings):
        self.estate = estate
        self.scripts = scripts
        self.transform = transform
        self.settings = settings
        self.issues: list[Issue] = []
        self.index = ScriptIndex(scripts)
        # Triggers by name, and by the jobs they start and the workflow they belong to (each job looks up its own).
        self.sorted_triggers = sorted(estate.triggers.values(), key=lambda t: t.name)
        self.triggers_of: dict[str, list[GlueTrigger]] = {}
        for trigger in self.sorted_triggers:
            for name in set(trigger.actions):
                self.triggers_of.setdefault(name, []).append(trigger)
            if trigger.workflow:
                self.triggers_of.setdefault("\0workflow\0" + trigger.workflow, []).append(trigger)

    def issue(self, job: GlueJob | GlueTrigger, rule: str, message: str) -> None:
        self.issues.append(Issue(job.path, job.line, rule, message))

    # ---- groups: a workflow or a chain of conditional triggers is one Databricks job
    def groups(self) -> list[tuple[str, list[str], str | None]]:
        parent = {name: name for name in self.estate.jobs}

        def find(name):
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        def union(a, b):
            if a in parent and b in parent:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)

        workflow_jobs: dict[str, list[str]] = {}
        for trigger in self.estate.triggers.values():
            names = list(trigger.actions) + [c.job for c in trigger.conditions if c.job]
            for name in names:
                if name not in self.estate.jobs:
                    self.issue(trigger, "estate-trigger", f"trigger {trigger.name!r} names job {name!r}, which has no "
                                                          "definition here: that dependency is not converted")
            if trigger.type == "CONDITIONAL":
                for action in trigger.actions:
                    for condition in trigger.conditions:
                        if condition.job:
                            union(action, condition.job)
            if trigger.workflow:
                workflow_jobs.setdefault(trigger.workflow, []).extend(n for n in names if n in parent)
        for names in workflow_jobs.values():
            for name in names[1:]:
                union(names[0], name)
        members: dict[str, list[str]] = {}
        for name in sorted(self.estate.jobs):
            members.setdefault(find(name), []).append(name)
        dependent = {a for t in self.estate.triggers.values() if t.type == "CONDITIONAL" and t.conditions
                     for a in t.actions}
        workflows_of: dict[str, set[str]] = {}
        for workflow, jobs in workflow_jobs.items():
            for name in jobs:
                workflows_of.setdefault(name, set()).add(workflow)
        out = []
        for _, names in sorted(members.items()):
            workflow = min((w for n in names for w in workflows_of.get(n, ())), default=None)
            roots = [n for n in names if n not in dependent] or names
            out.append((workflow or roots[0], self.ordered(names), workflow))
        return out

    def _triggers(self, names: list[str], workflow: str | None) -> list[GlueTrigger]:
        """The triggers (by name) that start one of ``names`` or belong to ``workflow``."""
        found = {id(t): t for name in names for t in self.triggers_of.get(name, ())}
        if workflow:
            found.update((id(t), t) for t in self.triggers_of.get("\0workflow\0" + workflow, ()))
        return sorted(found.values(), key=lambda t: t.name)

    def ordered(self, names: list[str]) -> list[str]:
        """Jobs in run order (a job after the jobs it waits for), ties by name."""
        waits: dict[str, set[str]] = {n: set() for n in names}
        for trigger in self._triggers(names, None):
            if trigger.type == "CONDITIONAL":
                for action in trigger.actions:
                    if action in waits:
                        waits[action] |= {c.job for c in trigger.conditions if c.job in waits and c.job != action}
        out: list[str] = []
        while len(out) < len(names):
            ready = sorted(n for n in names if n not in out and waits[n] <= set(out))
            out.append(ready[0] if ready else sorted(n for n in names if n not in out)[0])   # a cycle: by name
        return out

    # ---- one task
    def parameters(self, job: GlueJob, overrides: dict[str, str]) -> tuple[list[str], list[dict], dict]:
        arguments = {**job.default_arguments, **overrides, **job.non_overridable_arguments}
        dropped, internal = [], {}
        for key in sorted(arguments):
            rule = GLUE_ARGUMENTS.get(key)
            if rule is None:
                if not key.startswith("--"):
                    self.issue(job, "estate-argument", f"job {job.name!r}: argument {key!r} does not start with '--'; "
                                                       "passed on as it is")
                continue
            internal[key] = arguments[key]
            if rule[0] == "drop":
                dropped.append(key)
            elif rule[0] == "report":
                where = ""
                if key == "--extra-py-files":
                    found = [self.index.match(item.strip()) for item in arguments[key].split(",")]
                    if any(found):
                        where = f" (in this repository: {', '.join(p for p in found if p)})"
                self.issue(job, "estate-argument", f"job {job.name!r}: {key} {arguments[key]!r}{where} is not "
                                                   f"carried over: {rule[1]}")
        if dropped:
            self.issue(job, "estate-argument-dropped", f"job {job.name!r}: Glue-internal arguments dropped: "
                                                       f"{', '.join(dropped)} (README: job arguments)")
        formats = arguments.get("--datalake-formats", "")
        if formats and set(f.strip() for f in formats.split(",")) - {"delta"}:
            self.issue(job, "estate-argument", f"job {job.name!r}: --datalake-formats {formats!r}: Iceberg / Hudi "
                                               "tables need their connector or a migration to Delta")
        job_parameters: list[dict] = []
        values = ["--JOB_NAME", job.name]
        user = {k: v for k, v in arguments.items() if k not in GLUE_ARGUMENTS and k != "--JOB_NAME"}
        passed = {k: v for k, v in arguments.items() if GLUE_ARGUMENTS.get(k, ("",))[0] == "pass"}
        if passed.get("--job-bookmark-option", "job-bookmark-disable") != "job-bookmark-disable":
            passed.setdefault("--JOB_RUN_ID", RESERVED_PARAMETERS["JOB_RUN_ID"])   # the run a bookmark commit names
        for key in sorted({**user, **passed}):
            values += [key, {**user, **passed}[key]]
        needed = self.scripts.get(self.script_path(job) or "", None) or []
        for name in needed:
            if name == "JOB_NAME" or f"--{name}" in user or f"--{name}" in passed:
                continue
            if name in RESERVED_PARAMETERS:
                values += [f"--{name}", RESERVED_PARAMETERS[name]]
                continue
            if f"--{name}" in internal:
                self.issue(job, "estate-argument", f"job {job.name!r}: the script reads {name!r}, a Glue-internal "
                                                   "argument with no Databricks value: pass it as a job parameter")
            else:
                self.issue(job, "estate-argument", f"job {job.name!r}: the script requires --{name}, which has no "
                                                   "default in the job definition (Glue gets it per run): it is a "
                                                   "job parameter now; set it when you run the job")
            job_parameters.append({"name": name, "default": ""})
            values += [f"--{name}", "{{job.parameters." + name + "}}"]
        return values, job_parameters, arguments

    def script_path(self, job: GlueJob) -> str | None:
        return self.index.match(job.script_location)

    def libraries(self, job: GlueJob, arguments: dict) -> list[dict]:
        out = []
        for item in (arguments.get("--additional-python-modules") or "").split(","):
            item = item.strip()
            if item:
                out.append({"whl": item} if item.endswith(".whl") else {"pypi": {"package": item}})
        for item in (arguments.get("--extra-jars") or "").split(","):
            if item.strip():
                out.append({"jar": item.strip()})
        return out

    def spark_conf(self, arguments: dict) -> dict:
        conf = {}
        text = arguments.get("--conf")
        if text:
            for part in text.replace("--conf ", "\n").replace("--conf=", "\n").split("\n"):
                key, sep, value = part.strip().partition("=")
                if sep and key:
                    conf[key.strip()] = value.strip()
        return dict(sorted(conf.items()))

    def cluster(self, job: GlueJob, arguments: dict) -> dict:
        worker = job.worker_type
        workers = job.number_of_workers
        if worker is None and job.max_capacity is not None:
            worker, workers = "Standard", max(1, int(job.max_capacity))
        if job.command == "pythonshell":
            workers = 1
        elif workers is None:
            workers = DEFAULT_WORKERS
            self.issue(job, "estate-compute", f"job {job.name!r} sets no capacity: Glue's default of "
                                              f"{DEFAULT_WORKERS} workers assumed")
        worker = worker or "G.1X"
        node_types = {**NODE_TYPES, **self.settings.node_types}
        node = node_types.get(worker)
        if node is None:
            node = NODE_TYPES["G.1X"]
            self.issue(job, "estate-compute", f"job {job.name!r}: worker type {worker!r} is not in the node type "
                                              f"table: {node} used; add it under [jobs.node_types]")
        version = job.glue_version or "0.9"
        runtime, known = runtime_for(job.glue_version, self.settings.runtimes, self.settings.spark_version)
        if not known:
            self.issue(job, "estate-compute", f"job {job.name!r}: Glue version {version!r} is not in the runtime "
                                              f"table: {runtime} used; add it under [jobs.runtimes]")
        if version in ("0.9", "1.0", "2.0") and version not in self.settings.runtimes:
            self.issue(job, "estate-compute", f"job {job.name!r}: Glue {version} runs Spark 2; the job runs on Spark 3 "
                                              f"or later ({runtime}): check the results")
        cluster: dict = {"spark_version": runtime, "node_type_id": node}
        executors = workers - 1        # Glue counts the driver among the workers
        conf = self.spark_conf(arguments)
        if spark4(runtime):
            conf = {**ANSI_CONF, **conf}       # Glue's casts give null where Spark 4's ANSI mode raises
        if arguments.get("--enable-auto-scaling") == "true" and executors > 1:
            cluster["autoscale"] = {"min_workers": 1, "max_workers": executors}
        elif executors <= 0:
            cluster["num_workers"] = 0
            conf = {**conf, "spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]"}
            cluster["custom_tags"] = {"ResourceClass": "SingleNode"}
        else:
            cluster["num_workers"] = executors
        cluster["data_security_mode"] = "SINGLE_USER"
        if conf:
            cluster["spark_conf"] = dict(sorted(conf.items()))
        return cluster

    def task(self, job: GlueJob, task_key: str, overrides: dict[str, str]) -> tuple[dict, list[dict], dict | None]:
        if job.command not in ("glueetl", "pythonshell"):
            self.issue(job, "estate-job", f"job {job.name!r} is a {job.command!r} job: converted as a batch Python task; "
                                          "streaming jobs need continuous: or a file-arrival trigger, Ray jobs a rewrite")
        path = self.script_path(job)
        if path is None:
            self.issue(job, "estate-script", f"job {job.name!r}: script {job.script_location!r} is not in this "
                                             "repository: python_file keeps the Glue location")
            python_file = job.script_location or "MISSING"
        else:
            python_file = posixpath.relpath(path, RESOURCES)
        parameters, job_parameters, arguments = self.parameters(job, overrides)
        if self.transform.args_style == "widgets":
            self.issue(job, "estate-argument", f"job {job.name!r}: args_style = widgets: the script reads widgets, "
                                               "pass the parameters as a notebook task's base_parameters instead")
        task: dict = {"task_key": task_key}
        cluster = None
        if self.settings.compute == "serverless":
            task["environment_key"] = "default"
            if self.spark_conf(arguments):
                self.issue(job, "estate-compute", f"job {job.name!r}: --conf has no place on serverless compute: "
                                                  "dropped")
        else:
            task["job_cluster_key"] = f"{task_key}_cluster"
            cluster = {"job_cluster_key": f"{task_key}_cluster", "new_cluster": self.cluster(job, arguments)}
        task["spark_python_task"] = {"python_file": python_file, "parameters": parameters}
        libraries = self.libraries(job, arguments)
        if libraries and self.settings.compute != "serverless":
            task["libraries"] = libraries
        if job.max_retries:
            task["max_retries"] = job.max_retries
        if job.timeout:
            task["timeout_seconds"] = job.timeout * 60
        for connection in job.connections:
            self.issue(job, "estate-connection", f"job {job.name!r}: Glue connection {connection!r} becomes secrets "
                                                 f"'{connection}-url', '{connection}-user', '{connection}-password' in "
                                                 f"scope '{SECRET_SCOPE}' (as the converted code reads them): create them")
        for key, value in sorted(job.other.items()):
            if key == "Tags":
                continue
            note = REPORTED_FIELDS.get(key, "no Databricks equivalent")
            self.issue(job, "estate-field", f"job {job.name!r}: {key} is not converted: {note}")
        return task, job_parameters, cluster

    # ---- one Databricks job
    def job(self, key: str, names: list[str], workflow: str | None) -> dict:
        jobs = [self.estate.jobs[name] for name in names]
        triggers = self._triggers(names, workflow)
        deps: dict[str, list[tuple[str, str]]] = {}
        run_if: dict[str, str] = {}
        overrides: dict[str, dict] = {}
        timeouts: dict[str, int] = {}
        schedules = []
        for trigger in triggers:
            for name, arguments in sorted(trigger.arguments.items()):
                if name in names and trigger.type in ("SCHEDULED", "CONDITIONAL"):
                    overrides.setdefault(name, {}).update(arguments)
                    self.issue(trigger, "estate-trigger", f"trigger {trigger.name!r} passes {', '.join(sorted(arguments))} "
                                                          f"to {name!r}: used as the task's parameters (runs started "
                                                          "by hand take the same values now)")
            for name, minutes in sorted(trigger.timeouts.items()):
                if name in names and trigger.type in ("SCHEDULED", "CONDITIONAL"):
                    timeouts[name] = minutes
            if trigger.type == "CONDITIONAL":
                states = {c.state for c in trigger.conditions if c.job}
                logical = trigger.logical if len([c for c in trigger.conditions if c.job]) > 1 else "AND"
                for condition in trigger.conditions:
                    if condition.crawler:
                        self.issue(trigger, "estate-crawler", f"trigger {trigger.name!r} waits for crawler "
                                                              f"{condition.crawler!r}: dropped (crawlers are not "
                                                              "converted)")
                for action in trigger.actions:
                    for condition in trigger.conditions:
                        if condition.job and condition.job in names:
                            deps.setdefault(action, []).append((condition.job, condition.state))
                    rule = RUN_IF.get((logical, next(iter(states)))) if len(states) == 1 else None
                    if rule is None and states:
                        rule = "ALL_DONE"
                        self.issue(trigger, "estate-trigger", f"trigger {trigger.name!r} mixes states "
                                                              f"{sorted(states)}: run_if ALL_DONE; check the condition")
                    if rule and rule != "ALL_SUCCESS":
                        run_if[action] = rule
            elif trigger.type == "SCHEDULED":
                schedule = quartz_schedule(trigger, self.issues)
                if schedule:
                    schedules.append((trigger, schedule))
            elif trigger.type == "EVENT":
                self.issue(trigger, "estate-trigger", f"trigger {trigger.name!r} is an EVENT trigger: not converted; "
                                                      "use a file arrival trigger or a table update trigger")
            for crawler in trigger.crawler_actions:
                self.issue(trigger, "estate-crawler", f"trigger {trigger.name!r} starts crawler {crawler!r}: dropped "
                                                      "(crawlers are not converted)")
        distinct = []
        for trigger, schedule in schedules:
            if schedule not in distinct:
                distinct.append(schedule)
        if len(distinct) > 1:
            self.issue(schedules[1][0], "estate-schedule", f"the jobs {', '.join(names)} have {len(distinct)} "
                                                           "schedules; a Databricks job has one: the first is used")
        out: dict = {"name": workflow or (jobs[0].name if len(jobs) == 1 else key)}
        description = (self.estate.workflows[workflow].description if workflow in self.estate.workflows
                       else jobs[0].description if len(jobs) == 1 else None)
        sources = sorted({j.path for j in jobs} | {t.path for t in triggers})
        out["description"] = (description + "\n\n" if description else "") + \
            f"Converted by glue2lakehouse from {', '.join(sources)}."
        flow = self.estate.workflows.get(workflow) if workflow else None
        for trigger in triggers:
            for key in sorted(trigger.other):
                self.issue(trigger, "estate-field", f"trigger {trigger.name!r}: {key} is not converted: "
                                                    + TRIGGER_NOTES.get(key, "no Databricks equivalent"))
        if flow and flow.run_properties:
            self.issues.append(Issue(flow.path, flow.line, "estate-field",
                                     f"workflow {flow.name!r}: DefaultRunProperties {', '.join(sorted(flow.run_properties))} "
                                     "are not converted: pass them as job parameters or task values"))
        concurrency = [j.max_concurrent_runs for j in jobs if j.max_concurrent_runs]
        if flow and flow.max_concurrent_runs:
            concurrency = [flow.max_concurrent_runs]
        if concurrency:
            out["max_concurrent_runs"] = max(concurrency)
        tags = {}
        for job in jobs:
            tags.update(job.other.get("Tags", {}))
        if tags:
            out["tags"] = dict(sorted(tags.items()))
        if distinct:
            out["schedule"] = distinct[0]
        tasks, clusters, parameters = [], [], {}
        keys = {name: identifier(name) for name in names}
        for job in jobs:
            task, job_parameters, cluster = self.task(job, keys[job.name], overrides.get(job.name, {}))
            if job.name in timeouts:                 # the trigger's action Timeout wins over the job's
                task["timeout_seconds"] = timeouts[job.name] * 60
            if job.name in deps:
                ordered = sorted({keys[d] for d, _ in deps[job.name]})
                task["depends_on"] = [{"task_key": d} for d in ordered]
                if job.name in run_if:
                    task["run_if"] = run_if[job.name]
                task = {k: task[k] for k in ["task_key", "depends_on", "run_if"] if k in task} | task
            tasks.append(task)
            if cluster:
                clusters.append(cluster)
            for item in job_parameters:
                parameters[item["name"]] = item
        if clusters:
            out["job_clusters"] = clusters
        if self.settings.compute == "serverless":
            dependencies = []
            for job in jobs:
                for library in self.libraries(job, {**job.default_arguments, **job.non_overridable_arguments}):
                    if "pypi" in library:
                        dependencies.append(library["pypi"]["package"])
                    else:
                        self.issue(job, "estate-compute", f"job {job.name!r}: library {library} cannot be installed "
                                                          "on serverless compute this way: add it to the environment")
            spec: dict = {"client": "2"}
            if dependencies:
                spec["dependencies"] = sorted(set(dependencies))
            out["environments"] = [{"environment_key": "default", "spec": spec}]
            self.issue(jobs[0], "estate-compute", f"job {out['name']!r} runs on serverless compute, a Spark 4 runtime "
                                                  "with ANSI mode on: casts Glue turns into null raise there; call "
                                                  "spark.conf.set(\"spark.sql.ansi.enabled\", \"false\") at the "
                                                  "start of its scripts, or use job clusters")
        if parameters:
            out["parameters"] = [parameters[k] for k in sorted(parameters)]
        out["tasks"] = tasks
        return out


HEADER = ("# Generated by glue2lakehouse from the Glue job definitions; the glue-upstream branch holds Glue's version.\n"
          "# Edit freely: each sync merges Glue's changes into this file like code.\n")


def build_bundle(estate: Estate, scripts: dict[str, list[str] | None], transform: TransformSettings,
                 settings: EstateSettings, lookups: list | None = None, read=None) -> BundleOutput:
    """resources/<job>.job.yml per Databricks job (+ resources/glue_variables.yml), and the issues.

    ``lookups``: filled with what the jobs looked up among ``scripts`` (estate/incremental.py); ``read`` (path ->
    bytes) gives the scripts' code, for the opt-in reconcile tasks."""
    builder = _Builder(estate, scripts, transform, settings)
    builder.lookups = lookups
    output = BundleOutput()
    used_keys: set[str] = set()
    for key_name, names, workflow in builder.groups():
        key = identifier(key_name)
        while key in used_keys:
            key += "_"
        used_keys.add(key)

        def render(key=key, names=names, workflow=workflow) -> str:
            job = builder.job(key, names, workflow)
            if settings.reconcile.jobs:
                from glue2lakehouse.reconcile.bundle import add_reconcile_tasks

                builder.issues += add_reconcile_tasks(job, [estate.jobs[n] for n in names], builder.script_path,
                                                      read, transform, settings)
            return HEADER + yamlout.dump({"resources": {"jobs": {key: job}}})

        if settings.reconcile.jobs:
            # Reconcile tasks read the scripts' code, which the job cache does not key on: built every time.
            if lookups is not None:
                lookups.append(("unrecorded",))
            output.files[f"{RESOURCES}/{key}.job.yml"] = render()
        else:
            # Reused from the last sync when its inputs did not change (estate/incremental.py).
            output.files[f"{RESOURCES}/{key}.job.yml"] = cached_job(builder, key, names, workflow, render)
    if settings.reconcile.jobs:
        from glue2lakehouse.reconcile.bundle import unknown_jobs

        builder.issues += unknown_jobs(estate, builder.script_path, settings)
    # Crawlers: one finding each, with what replaces them (estate/crawlers.py, called by convert_estate).
    if estate.variables:
        variables = {}
        for name in sorted(estate.variables):
            variable = estate.variables[name]
            entry: dict = {"description": f"Glue value {variable.origin}"}
            if variable.default is not None:
                entry["default"] = variable.default
            variables[name] = entry
        output.files[VARIABLES_FILE] = HEADER + yamlout.dump({"variables": variables})
    output.issues = builder.issues + output.issues
    return output


BUNDLE_FILE = "databricks.yml"


def bundle_root(name: str) -> str:
    """The databricks.yml that ``g2l init`` writes when the repository has none (the Databricks team's afterwards)."""
    return ("# The Databricks Asset Bundle of this repository, written once by g2l init; it is yours: glue2lakehouse\n"
            "# never changes it. The jobs converted from Glue are in resources/*.job.yml (merged at every sync).\n"
            + yamlout.dump({
                "bundle": {"name": identifier(name)},
                "include": [f"{RESOURCES}/*.yml"],
                "targets": {"dev": {"mode": "development", "default": True},
                            "prod": {"mode": "production"}},
            }))
