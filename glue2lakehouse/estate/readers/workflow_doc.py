"""Hand-kept workflow documents: the JSON teams write for their own deploy scripts and CDK apps.

One document is one workflow::

    {"name": "daily-risk", "description": "...", "defaultRunProperties": {...},
     "triggers": [{"name": "...", "type": "SCHEDULED", "schedule": "cron(0 2 ? * MON-FRI *)",
                   "startOnCreation": true}],
     "jobs": [{"name": "load_positions", "script": "s3://bucket/etl/load_positions.py",
               "glueVersion": "4.0", "workerType": "G.1X", "numberOfWorkers": 10, "timeout": 60,
               "maxRetries": 1, "jobBookmark": "ENABLE", "connections": ["risk-pg"],
               "defaultArguments": {"--env": "prod"},
               "dependsOn": [{"jobName": "...", "state": "SUCCEEDED"}, {"crawlerName": "..."}]}],
     "crawlers": [{"name": "...", "databaseName": "...", "targets": {"s3Targets": [{"path": "s3://..."}]},
                   "schedule": "cron(...)", "dependsOn": [{"jobName": "..."}]}]}

Field names are read in camelCase or PascalCase. ``parse`` is pure (text in, document out);
``add`` puts a parsed document into the estate model: every job a task of the workflow, a
trigger that starts the jobs waiting for nothing (or those it names), ``dependsOn`` as
conditional triggers. A crawler is dropped from the graph (Databricks has none): a job that
waits for it waits for what the crawler waited for, so the order holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from glue2lakehouse.estate.model import Condition, Estate, GlueCrawler, GlueJob, GlueTrigger, GlueWorkflow, Issue, as_int
from glue2lakehouse.estate.readers.api_json import _str, job_from_api, line_of
from glue2lakehouse.estate.readers.keys import pascal

BOOKMARKS = {"ENABLE": "job-bookmark-enable", "ENABLED": "job-bookmark-enable", "DISABLE": "job-bookmark-disable",
             "DISABLED": "job-bookmark-disable", "PAUSE": "job-bookmark-pause", "PAUSED": "job-bookmark-pause"}
JOB_FIELDS = {"Name", "Description", "Script", "ScriptLocation", "Command", "GlueVersion", "WorkerType",
              "NumberOfWorkers", "Timeout", "MaxRetries", "JobBookmark", "Connections", "DefaultArguments",
              "NonOverridableArguments", "DependsOn", "MaxCapacity", "ExecutionProperty", "Tags", "Role",
              "MaxConcurrentRuns", "SecurityConfiguration", "NotificationProperty", "ExecutionClass"}


@dataclass
class WorkflowDocument:
    """A parsed workflow document (field names already PascalCase)."""

    path: str
    data: dict
    text: str
    issues: list[Issue] = field(default_factory=list)


def is_workflow_document(data) -> bool:
    """A dict (PascalCase field names) with a Jobs list whose jobs name a Script rather than a Command."""
    if not isinstance(data, dict) or not isinstance(data.get("Jobs"), list):
        return False
    jobs = [j for j in data["Jobs"] if isinstance(j, dict)]
    return bool(jobs) and any("Script" in j for j in jobs) and not any("Command" in j for j in jobs)


def looks_like(data) -> bool:
    return is_workflow_document(pascal(data))


def parse(text: str, path: str) -> WorkflowDocument:
    """Pure: the document in a file's text (an issue, and no data, when it is not valid JSON)."""
    try:
        data = json.loads(text)
    except ValueError as error:
        return WorkflowDocument(path, {}, text, [Issue(path, 1, "estate-parse", f"not valid JSON ({error}); the "
                                                                                "workflow in it is not converted")])
    data = pascal(data)
    return WorkflowDocument(path, data if isinstance(data, dict) else {}, text)


def _items(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _job(item: dict, doc: WorkflowDocument) -> GlueJob:
    api = {k: v for k, v in item.items() if k not in ("Script", "ScriptLocation", "JobBookmark", "DependsOn",
                                                       "MaxConcurrentRuns", "Command")}
    api["Command"] = {"Name": _str(item.get("Command") or "glueetl") if not isinstance(item.get("Command"), dict)
                      else item["Command"].get("Name", "glueetl"),
                      "ScriptLocation": item.get("Script") or item.get("ScriptLocation")}
    if item.get("MaxConcurrentRuns") is not None:
        api["ExecutionProperty"] = {"MaxConcurrentRuns": item["MaxConcurrentRuns"]}
    if isinstance(api.get("Connections"), list):
        api["Connections"] = {"Connections": api["Connections"]}
    name = _str(item.get("Name") or "job")
    job = job_from_api(api, doc.path, line_of(doc.text, f'"{name}"'))
    bookmark = item.get("JobBookmark")
    if bookmark is not None:
        option = BOOKMARKS.get(_str(bookmark).upper())
        if option is None:
            doc.issues.append(Issue(doc.path, job.line, "estate-field", f"job {name!r}: jobBookmark {bookmark!r} is "
                                                                       "not ENABLE, DISABLE or PAUSE: not converted"))
        elif "--job-bookmark-option" not in job.default_arguments:
            job.default_arguments["--job-bookmark-option"] = option
    return job


def _waits(item: dict) -> list[tuple[str, str, str]]:
    """(kind, name, state) of each dependsOn entry: kind 'job' or 'crawler'."""
    out = []
    for entry in _items(item.get("DependsOn")):
        state = _str(entry.get("State") or entry.get("CrawlState") or "SUCCEEDED").upper()
        if entry.get("JobName"):
            out.append(("job", _str(entry["JobName"]), state))
        elif entry.get("CrawlerName"):
            out.append(("crawler", _str(entry["CrawlerName"]), state))
    for name in item.get("DependsOn") or [] if isinstance(item.get("DependsOn"), list) else []:
        if isinstance(name, str):
            out.append(("job", name, "SUCCEEDED"))
    return out


def add(doc: WorkflowDocument, estate: Estate) -> None:
    """Put a parsed document into the estate model (the cross-file step: names resolve against the estate)."""
    estate.issues.extend(doc.issues)
    data, path, text = doc.data, doc.path, doc.text
    if not data:
        return
    workflow = _str(data.get("Name") or path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    properties = data.get("DefaultRunProperties")
    estate.workflows[workflow] = GlueWorkflow(
        workflow, path, line_of(text, f'"{workflow}"'),
        _str(data["Description"]) if data.get("Description") else None, as_int(data.get("MaxConcurrentRuns")),
        {_str(k): _str(v) for k, v in properties.items()} if isinstance(properties, dict) else {})
    jobs = _items(data.get("Jobs"))
    crawlers = _items(data.get("Crawlers"))
    crawler_waits = {_str(c.get("Name")): _waits(c) for c in crawlers}
    for item in jobs:
        job = _job(item, doc)
        for key in sorted(set(item) - JOB_FIELDS):
            if item[key] not in (None, "", {}, []):
                job.other[key] = item[key]
        estate.add_job(job)
    for item in crawlers:
        name = _str(item.get("Name") or "crawler")
        targets = []
        for key, entries in (item.get("Targets") or {}).items() if isinstance(item.get("Targets"), dict) else []:
            for entry in _items(entries):
                where = entry.get("Path") or entry.get("DatabaseName") or entry.get("ConnectionName") or ""
                targets.append(f"{key}:{_str(where)}")
        schedule = item.get("Schedule")
        if isinstance(schedule, dict):
            schedule = schedule.get("ScheduleExpression")
        estate.crawlers[name] = GlueCrawler(name, path, line_of(text, f'"{name}"'),
                                            _str(item["DatabaseName"]) if item.get("DatabaseName") else None,
                                            targets, _str(schedule) if schedule else None, workflow=workflow)

    def job_conditions(waits, seen=()) -> list[Condition]:
        """A crawler in the chain is replaced by what it waited for."""
        out = []
        for kind, name, state in waits:
            if kind == "job":
                out.append(Condition(job=name, state=state))
            elif name in crawler_waits and name not in seen:
                out += job_conditions(crawler_waits[name], (*seen, name))
            elif name not in crawler_waits:
                estate.issues.append(Issue(path, line_of(text, f'"{name}"'), "estate-trigger",
                                           f"workflow {workflow!r} waits for crawler {name!r}, which it does not "
                                           "define: that dependency is dropped"))
        return out

    roots = []
    for item in jobs:
        name = _str(item.get("Name") or "job")
        waits = _waits(item)
        if not waits:
            roots.append(name)
            continue
        conditions = job_conditions(waits)
        if not conditions:
            roots.append(name)      # waited only for crawlers that waited for nothing: starts with the workflow
            continue
        estate.add_trigger(GlueTrigger(f"{workflow}:{name}", path, line_of(text, f'"{name}"'), "CONDITIONAL",
                                       workflow=workflow, actions=[name], conditions=conditions))
    triggers = _items(data.get("Triggers"))
    for index, item in enumerate(triggers):
        name = _str(item.get("Name") or f"{workflow}-trigger-{index + 1}")
        actions = []
        for action in item.get("Actions") or item.get("Jobs") or []:
            if isinstance(action, str):
                actions.append(action)
            elif isinstance(action, dict) and action.get("JobName"):
                actions.append(_str(action["JobName"]))
        trigger = GlueTrigger(name, path, line_of(text, f'"{name}"'), _str(item.get("Type") or "ON_DEMAND").upper(),
                              _str(item["Schedule"]) if item.get("Schedule") else None, workflow,
                              actions or list(roots))
        start = item.get("StartOnCreation", item.get("Enabled"))
        trigger.enabled = trigger.type == "ON_DEMAND" or start in (True, "true", "True")
        for key, value in item.items():
            if key not in ("Name", "Type", "Schedule", "StartOnCreation", "Enabled", "Actions", "Jobs",
                           "Description") and value not in (None, "", {}, []):
                trigger.other[key] = value
        estate.add_trigger(trigger)
    if not triggers:
        estate.add_trigger(GlueTrigger(f"{workflow}-start", path, 1, "ON_DEMAND", workflow=workflow,
                                       actions=list(roots)))


def read(text: str, path: str, estate: Estate) -> None:
    add(parse(text, path), estate)
