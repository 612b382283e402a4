"""Glue API JSON: what ``aws glue get-job(s)``, ``get-trigger(s)``, ``get-workflow --include-graph``,
``get-crawler(s)`` print, and ``create-job`` / ``create-trigger`` input documents.

CloudFormation ``AWS::Glue::*`` properties and Terraform arguments (renamed) have the same
shapes, so their readers reuse ``job_from_api`` and friends.
"""

from __future__ import annotations

import json

from glue2lakehouse.estate.cache import parsed
from glue2lakehouse.estate.model import (Condition, Estate, GlueCrawler, GlueJob, GlueTrigger, GlueWorkflow, Issue,
                                         as_float, as_int)
from glue2lakehouse.estate.readers.keys import pascal

# API fields that carry no behaviour to map (metadata of the Glue service).
METADATA = {"CreatedOn", "LastModifiedOn", "JobMode", "JobRunQueuingEnabled", "SourceControlDetails", "CodeGenConfigurationNodes",
            "ProfileName", "MaintenanceWindow", "LogUri", "AllocatedCapacity", "Id", "State", "Arn"}
JOB_FIELDS = {"Name", "Description", "Command", "DefaultArguments", "NonOverridableArguments", "Connections",
              "MaxRetries", "Timeout", "MaxCapacity", "WorkerType", "NumberOfWorkers", "GlueVersion",
              "ExecutionProperty", "Tags"}


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of ``needle`` (1 when absent)."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _str(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _arguments(value) -> dict[str, str]:
    return {_str(k): _str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def job_from_api(data: dict, path: str, line: int, name: str | None = None) -> GlueJob:
    if not isinstance(data, dict):
        data = {}
    command = data.get("Command") or {}
    if not isinstance(command, dict):
        command = {}
    connections = data.get("Connections") or {}
    if isinstance(connections, dict):
        connections = connections.get("Connections") or []
    execution = data.get("ExecutionProperty") or {}
    capacity = data.get("MaxCapacity", data.get("AllocatedCapacity"))
    job = GlueJob(
        name=_str(data.get("Name") or name or "job"),
        path=path,
        line=line,
        script_location=_str(command["ScriptLocation"]) if command.get("ScriptLocation") is not None else None,
        command=_str(command.get("Name") or "glueetl"),
        default_arguments=_arguments(data.get("DefaultArguments")),
        non_overridable_arguments=_arguments(data.get("NonOverridableArguments")),
        worker_type=_str(data["WorkerType"]) if data.get("WorkerType") is not None else None,
        number_of_workers=as_int(data.get("NumberOfWorkers")),
        max_capacity=as_float(capacity),
        glue_version=_str(data["GlueVersion"]) if data.get("GlueVersion") is not None else None,
        max_retries=as_int(data.get("MaxRetries")),
        timeout=as_int(data.get("Timeout")),
        max_concurrent_runs=as_int(execution.get("MaxConcurrentRuns")) if isinstance(execution, dict) else None,
        connections=[_str(c) for c in connections] if isinstance(connections, list) else [],
        description=_str(data["Description"]) if data.get("Description") else None,
    )
    for key in ("DefaultArguments", "NonOverridableArguments"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            job.other[key] = f"{data[key]} (not a map the definition spells out)"
    if isinstance(data.get("Tags"), dict):
        job.other["Tags"] = {_str(k): _str(v) for k, v in data["Tags"].items()}
    for key, value in data.items():
        if key == "ExecutionClass" and str(value).upper() == "STANDARD":
            continue
        if key not in JOB_FIELDS and key not in METADATA and value not in (None, "", {}, []):
            job.other[key] = value
    return job


TRIGGER_FIELDS = {"Name", "Type", "Schedule", "WorkflowName", "Actions", "Predicate", "State", "StartOnCreation",
                  "Enabled", "Id", "Description", "Tags"}
ACTION_FIELDS = {"JobName", "CrawlerName", "Arguments", "Timeout"}


def trigger_from_api(data: dict, path: str, line: int, name: str | None = None) -> GlueTrigger:
    trigger = GlueTrigger(name=_str(data.get("Name") or name or "trigger"), path=path, line=line,
                          type=_str(data.get("Type") or "ON_DEMAND").upper(),
                          schedule=_str(data["Schedule"]) if data.get("Schedule") else None,
                          workflow=_str(data["WorkflowName"]) if data.get("WorkflowName") else None)
    for action in data.get("Actions") or []:
        if isinstance(action, dict):
            if action.get("JobName"):
                trigger.actions.append(_str(action["JobName"]))
                if isinstance(action.get("Arguments"), dict) and action["Arguments"]:
                    trigger.arguments[_str(action["JobName"])] = {_str(k): _str(v)
                                                                  for k, v in action["Arguments"].items()}
                if as_int(action.get("Timeout")):
                    trigger.timeouts[_str(action["JobName"])] = as_int(action["Timeout"])
            if action.get("CrawlerName"):
                trigger.crawler_actions.append(_str(action["CrawlerName"]))
    predicate = data.get("Predicate") or {}
    if isinstance(predicate, dict):
        trigger.logical = _str(predicate.get("Logical") or "AND").upper()
        for condition in predicate.get("Conditions") or []:
            if not isinstance(condition, dict):
                continue
            if condition.get("JobName"):
                trigger.conditions.append(Condition(job=_str(condition["JobName"]),
                                                    state=_str(condition.get("State") or "SUCCEEDED").upper()))
            elif condition.get("CrawlerName"):
                trigger.conditions.append(Condition(crawler=_str(condition["CrawlerName"]),
                                                    state=_str(condition.get("CrawlState") or "SUCCEEDED").upper()))
    for key, value in data.items():
        if key not in TRIGGER_FIELDS and value not in (None, "", {}, []):
            trigger.other[key] = value
    for action in data.get("Actions") or []:
        if isinstance(action, dict):
            for key, value in action.items():
                if key not in ACTION_FIELDS and value not in (None, "", {}, []):
                    trigger.other[f"Actions.{key}"] = value
    state = data.get("State")
    start = data.get("StartOnCreation", data.get("Enabled"))
    if state is not None:
        trigger.enabled = _str(state).upper() in ("ACTIVATED", "ACTIVATING")
    else:
        trigger.enabled = start in (True, "true", "True")   # Glue creates triggers deactivated by default
    if trigger.type == "ON_DEMAND":
        trigger.enabled = True
    return trigger


def workflow_from_api(data: dict, path: str, line: int, name: str | None = None) -> GlueWorkflow:
    properties = data.get("DefaultRunProperties")
    return GlueWorkflow(_str(data.get("Name") or name or "workflow"), path, line,
                        _str(data["Description"]) if data.get("Description") else None,
                        as_int(data.get("MaxConcurrentRuns")),
                        {_str(k): _str(v) for k, v in properties.items()} if isinstance(properties, dict) else {})


def crawler_from_api(data: dict, path: str, line: int, name: str | None = None) -> GlueCrawler:
    targets = []
    for key, items in (data.get("Targets") or {}).items():
        for item in items or []:
            if isinstance(item, dict):
                where = item.get("Path") or item.get("DatabaseName") or item.get("ConnectionName") or ""
                targets.append(f"{key}:{_str(where)}")
    schedule = data.get("Schedule")
    if isinstance(schedule, dict):
        schedule = schedule.get("ScheduleExpression")
    return GlueCrawler(name=_str(data.get("Name") or name or "crawler"), path=path, line=line,
                       database=_str(data["DatabaseName"]) if data.get("DatabaseName") else None,
                       targets=targets, schedule=_str(schedule) if schedule else None)


def _workflow(data: dict, estate: Estate, path: str, text: str) -> None:
    name = _str(data.get("Name") or "workflow")
    estate.workflows[name] = workflow_from_api(data, path, line_of(text, f'"{name}"'))
    graph = data.get("Graph") or {}
    for node in graph.get("Nodes") or []:
        if not isinstance(node, dict):
            continue
        kind = node.get("Type")
        if kind == "JOB" and isinstance(node.get("JobDetails"), dict) and node["JobDetails"].get("Job"):
            estate.add_job(job_from_api(node["JobDetails"]["Job"], path, line_of(text, f'"{node.get("Name")}"')))
        elif kind == "TRIGGER" and isinstance(node.get("TriggerDetails"), dict):
            trigger = node["TriggerDetails"].get("Trigger") or {}
            if trigger:
                item = trigger_from_api(trigger, path, line_of(text, f'"{trigger.get("Name")}"'))
                item.workflow = item.workflow or name
                estate.add_trigger(item)
        elif kind == "CRAWLER" and isinstance(node.get("CrawlerDetails"), dict):
            crawler = node["CrawlerDetails"].get("Crawler") or {}
            if crawler:
                estate.crawlers[_str(crawler.get("Name"))] = crawler_from_api(crawler, path, 1)


# Top-level keys of the API's documents -> fields one of their records has (so that any JSON with a "jobs" key
# is not taken for Glue's).
SHAPES = {"Job": {"Command"}, "Jobs": {"Command"}, "Trigger": {"Actions", "Type"}, "Triggers": {"Actions", "Type"},
          "Crawler": {"Targets", "DatabaseName"}, "Crawlers": {"Targets", "DatabaseName"},
          "Workflow": {"Name", "Graph"}}


def looks_like(data) -> bool:
    """Whether a JSON value is Glue API JSON (field names in PascalCase or camelCase)."""
    return _looks_like(pascal(data))


def _looks_like(data) -> bool:
    from glue2lakehouse.estate.readers.workflow_doc import is_workflow_document

    if is_workflow_document(data):
        return False
    if isinstance(data, list):
        return any(_looks_like(item) for item in data)
    if not isinstance(data, dict):
        return False
    for key, marks in SHAPES.items():   # a list or one record, with a field only that record has
        value = data.get(key)
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, dict) and marks & set(item) for item in items):
            return True
    return "Name" in data and ("Command" in data or ("Type" in data and "Actions" in data))


def read(text: str, path: str, estate: Estate) -> None:
    try:
        data = parsed("json", text, json.loads)
    except ValueError as error:
        estate.issues.append(Issue(path, 1, "estate-parse", f"not valid JSON ({error}); the definitions in it are not "
                                                           "converted"))
        return
    _read(pascal(data), path, estate, text)


def _read(data, path: str, estate: Estate, text: str) -> None:
    if isinstance(data, list):
        for item in data:
            _read(item, path, estate, text)
        return
    if not isinstance(data, dict):
        return
    for job in ([data["Job"]] if isinstance(data.get("Job"), dict) else []) + [
            j for j in (data.get("Jobs") or []) if isinstance(j, dict)]:
        estate.add_job(job_from_api(job, path, line_of(text, f'"{job.get("Name")}"')))
    for trigger in ([data["Trigger"]] if isinstance(data.get("Trigger"), dict) else []) + [
            t for t in (data.get("Triggers") or []) if isinstance(t, dict)]:
        estate.add_trigger(trigger_from_api(trigger, path, line_of(text, f'"{trigger.get("Name")}"')))
    for crawler in ([data["Crawler"]] if isinstance(data.get("Crawler"), dict) else []) + [
            c for c in (data.get("Crawlers") or []) if isinstance(c, dict)]:
        estate.crawlers[_str(crawler.get("Name"))] = crawler_from_api(crawler, path, line_of(text, f'"{crawler.get("Name")}"'))
    if isinstance(data.get("Workflow"), dict):
        _workflow(data["Workflow"], estate, path, text)
    if "Name" in data and "Command" in data:                       # create-job input
        estate.add_job(job_from_api(data, path, line_of(text, f'"{data.get("Name")}"')))
    elif "Name" in data and "Type" in data and "Actions" in data:  # create-trigger input
        estate.add_trigger(trigger_from_api(data, path, line_of(text, f'"{data.get("Name")}"')))
