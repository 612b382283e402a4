"""Terraform: ``aws_glue_job``, ``aws_glue_trigger``, ``aws_glue_workflow``, ``aws_glue_crawler``,
``aws_glue_catalog_database``, ``aws_glue_catalog_table``, parsed with a real HCL parser (python-hcl2).

The ``.tf`` files of one folder are one module and are read together. References are
resolved where the module itself says the value: ``local.x``, a literal attribute of
another resource (``aws_glue_job.a.name``, ``aws_s3_object.script.key``). A ``var.x``
(a module input) and anything else only known at apply time stays unresolved and
becomes a bundle variable (``${var.x}``, with the variable's default when it has one),
reported.
"""

from __future__ import annotations

import re

from glue2lakehouse.estate.cache import parsed
from glue2lakehouse.estate.model import Estate, Issue, variable_name
from glue2lakehouse.estate.readers.api_json import (crawler_from_api, job_from_api, line_of, trigger_from_api,
                                                    workflow_from_api)

_ABSENT = object()
_INTERPOLATION = re.compile(r"(?<!\$)\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")


def looks_like(text: str) -> bool:
    return "aws_glue_" in text


def _unquote(key) -> str:
    key = str(key)
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _blocks(value) -> list[dict]:
    """A block argument: hcl2 gives a list of dicts (one per repetition)."""
    if isinstance(value, dict):
        return [value]
    return [item for item in value or [] if isinstance(item, dict)]


class _Module:
    def __init__(self, estate: Estate):
        self.estate = estate
        self.variables: dict[str, object] = {}     # name -> default (None: no default)
        self.locals: dict[str, object] = {}
        self.resources: dict[tuple[str, str], dict] = {}
        self.attributes: dict[tuple[str, str, str], object] = {}   # (kind, label, argument) -> a literal argument
        self.where: dict[tuple[str, str], tuple[str, int]] = {}
        self._resolving: set[str] = set()
        self.path = ""
        self.line = 1

    def add(self, parsed: dict, path: str, text: str) -> None:
        for block in _blocks(parsed.get("variable")):
            for name, body in block.items():
                if name != "__is_block__" and isinstance(body, dict):
                    self.variables[_unquote(name)] = body.get("default")
        for block in _blocks(parsed.get("locals")):
            for name, value in block.items():
                if name != "__is_block__":
                    self.locals[name] = value
        for block in _blocks(parsed.get("resource")):
            for kind, labelled in block.items():
                if not isinstance(labelled, dict):
                    continue
                for label, body in labelled.items():
                    if isinstance(body, dict):
                        key = (_unquote(kind), _unquote(label))
                        self.resources[key] = body
                        self.where[key] = (path, line_of(text, f'"{key[1]}"'))

    def index_attributes(self) -> None:
        """What ``kind.label.argument`` can refer to: the literal arguments of the module's resources (the last
        definition of a resource, when two files define it)."""
        self.attributes = {(*key, argument): value for key, body in self.resources.items()
                           for argument, value in body.items() if not isinstance(value, (list, dict))}

    # ---- values
    def unresolved(self, expression: str, default=None) -> str:
        name = variable_name(expression[4:] if expression.startswith("var.") else expression)
        if name not in self.estate.variables:
            self.estate.issues.append(Issue(self.path, self.line, "estate-variable",
                                            f"'{expression}' is only known when Terraform applies: kept as bundle "
                                            f"variable var.{name}" + (f" (default {default!r})" if default is not None
                                                                      else "; set it in databricks.yml")))
        scalar = default if isinstance(default, (str, int, float)) and not isinstance(default, bool) else None
        return self.estate.variable(name, None if scalar is None else str(scalar), expression)

    def expression(self, expression: str):
        expression = expression.strip()
        if expression.startswith("var.") and re.fullmatch(r"var\.[A-Za-z_][\w-]*", expression):
            default = self.variables.get(expression[4:])
            return self.unresolved(expression, None if default is None else self.value(default))
        match = re.fullmatch(r"local\.([A-Za-z_][\w-]*)", expression)
        if match and match.group(1) in self.locals and expression not in self._resolving:
            self._resolving.add(expression)
            try:
                return self.value(self.locals[match.group(1)])
            finally:
                self._resolving.discard(expression)
        match = re.fullmatch(r"([a-z0-9_]+)\.([A-Za-z_][\w-]*)\.([a-z_]+)", expression)
        if match:
            kind, label, attribute = match.groups()
            if attribute == "id" and kind in ("aws_glue_job", "aws_glue_trigger", "aws_glue_workflow",
                                              "aws_glue_crawler"):
                attribute = "name"
            found = self.attributes.get((kind, label, attribute), _ABSENT)
            if found is not _ABSENT:
                return self.value(found)
        match = re.fullmatch(r"merge\((.*)\)", expression, re.DOTALL)
        if match:
            merged = self.merge(match.group(1))
            if merged is not None:
                return merged
        if re.fullmatch(r'-?\d+(\.\d+)?', expression):
            return expression
        if expression in ("true", "false"):
            return expression
        return self.unresolved(expression)

    def number(self, value: str, key: str):
        """A number argument given as var.x: the variable's default (a job cluster needs a number), reported."""
        match = re.fullmatch(r"\$\{var\.([A-Za-z_][\w-]*)\}", value.strip())
        if match and self.variables.get(match.group(1)) is not None:
            default = self.value(self.variables[match.group(1)])
            self.estate.issues.append(Issue(self.path, self.line, "estate-variable",
                                            f"{key} = var.{match.group(1)}: its default {default} is used"))
            return default
        return value

    def merge(self, arguments: str) -> dict | None:
        """merge(a, b, ...) of maps the module spells out (locals, literal maps); None when one is not."""
        from glue2lakehouse.estate.hclparse import loads

        out: dict = {}
        for part in _split_arguments(arguments):
            part = part.strip()
            if part.startswith("{"):
                try:
                    value = self.value(parsed("terraform", f"g2l_value = {part}\n", loads).get("g2l_value"))
                except Exception:  # noqa: BLE001 - lark's errors: not a literal map
                    return None
            else:
                value = self.expression(part)
            if not isinstance(value, dict):
                return None
            out.update(value)
        return out

    def value(self, value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {_unquote(k): self.value(v) for k, v in value.items() if k != "__is_block__"}
        if value is None:
            return None
        text = str(value)
        if len(text) >= 2 and text[0] == text[-1] == '"':
            body = text[1:-1]
            parts = []
            position = 0
            for match in _INTERPOLATION.finditer(body):
                parts.append(_unescape(body[position:match.start()]))
                parts.append(str(self.expression(match.group(1))))
                position = match.end()
            parts.append(_unescape(body[position:]))
            return "".join(parts)
        if text.startswith("${") and text.endswith("}"):
            return self.expression(text[2:-1])
        return text


def _split_arguments(text: str) -> list[str]:
    """Top-level comma-separated arguments of a call (commas inside brackets or strings do not split)."""
    parts, depth, quoted, current = [], 0, False, ""
    for index, char in enumerate(text):
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append(current)
            current = ""
            continue
        current += char
    if current.strip():
        parts.append(current)
    return parts


def _unescape(text: str) -> str:
    return (text.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
            .replace("$${", "${"))


# Terraform argument -> Glue API field (the same shapes: the API readers do the rest).
JOB_ARGUMENTS = {"name": "Name", "description": "Description", "default_arguments": "DefaultArguments",
                 "non_overridable_arguments": "NonOverridableArguments", "max_retries": "MaxRetries",
                 "timeout": "Timeout", "max_capacity": "MaxCapacity", "worker_type": "WorkerType",
                 "number_of_workers": "NumberOfWorkers", "glue_version": "GlueVersion", "tags": "Tags",
                 "role_arn": "Role", "security_configuration": "SecurityConfiguration",
                 "execution_class": "ExecutionClass", "maintenance_window": "MaintenanceWindow",
                 "job_run_queuing_enabled": "JobRunQueuingEnabled", "tags_all": "TagsAll"}


NUMBERS = {"number_of_workers", "max_retries", "timeout", "max_capacity"}
META_ARGUMENTS = {"for_each", "count", "depends_on", "lifecycle", "provider"}   # reported once per resource


def _job(body: dict, module: _Module) -> dict:
    data = {}
    for key, value in body.items():
        if key == "__is_block__" or key in META_ARGUMENTS:
            continue
        if key in NUMBERS and isinstance(value, str):
            value = module.number(value, key)
        if key == "command":
            command = (_blocks(value) or [{}])[0]
            data["Command"] = {"Name": command.get("name", "glueetl"), "ScriptLocation": command.get("script_location"),
                               "PythonVersion": command.get("python_version")}
        elif key == "connections":
            data["Connections"] = {"Connections": value}
        elif key == "execution_property":
            data["ExecutionProperty"] = {"MaxConcurrentRuns": (_blocks(value) or [{}])[0].get("max_concurrent_runs")}
        elif key == "notification_property":
            data["NotificationProperty"] = value
        else:
            data[JOB_ARGUMENTS.get(key, key)] = value
    return data


TRIGGER_ARGUMENTS = {"name", "type", "schedule", "workflow_name", "start_on_creation", "enabled", "actions",
                     "predicate", "description", "tags", "tags_all", "__is_block__", *META_ARGUMENTS}


def _trigger(body: dict) -> dict:
    data = {key: value for key, value in body.items() if key not in TRIGGER_ARGUMENTS}
    data.update({"Name": body.get("name"), "Type": body.get("type"), "Schedule": body.get("schedule"),
            "WorkflowName": body.get("workflow_name"),
            "StartOnCreation": body.get("start_on_creation", body.get("enabled", True)),
            "Actions": [{"JobName": a.get("job_name"), "CrawlerName": a.get("crawler_name"), "Arguments": a.get("arguments"),
                         "Timeout": a.get("timeout")}
                        for a in _blocks(body.get("actions"))]})
    for action in _blocks(body.get("actions")):
        for key in sorted(set(action) - {"job_name", "crawler_name", "arguments", "timeout", "__is_block__"}):
            data[f"Actions.{key}"] = action[key]
    predicate = (_blocks(body.get("predicate")) or [None])[0]
    if predicate:
        data["Predicate"] = {"Logical": predicate.get("logical", "AND"), "Conditions": [
            {"JobName": c.get("job_name"), "State": c.get("state"), "CrawlerName": c.get("crawler_name"),
             "CrawlState": c.get("crawl_state")} for c in _blocks(predicate.get("conditions"))]}
    return data


def _crawler(body: dict) -> dict:
    targets = {}
    for key, api in (("s3_target", "S3Targets"), ("jdbc_target", "JdbcTargets"), ("catalog_target", "CatalogTargets"),
                     ("dynamodb_target", "DynamoDBTargets"), ("delta_target", "DeltaTargets")):
        for block in _blocks(body.get(key)):
            targets.setdefault(api, []).append({"Path": block.get("path") or block.get("delta_tables"),
                                                "DatabaseName": block.get("database_name")})
    return {"Name": body.get("name"), "DatabaseName": body.get("database_name"), "Targets": targets,
            "Schedule": body.get("schedule")}


def read_module(files: list[tuple[str, str]], estate: Estate, units=None) -> None:
    """Read the .tf files of one folder (one Terraform module) together.

    ``units`` (``incremental.Units``, when the estate is read with a cache): each Glue resource is a unit of its
    own, keyed by its definition, so that a module read again because one file changed evaluates that file's
    resources and replays the others; what a resource looks up in the module goes through scoped containers."""
    from glue2lakehouse.estate.hclparse import loads

    module = _Module(estate)
    for path, text in files:
        try:
            document = parsed("terraform", text, loads)
        except Exception as error:  # lark raises many types; any of them means "not HCL we can read"
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            estate.issues.append(Issue(path, 1, "estate-parse", f"not valid HCL ({first}); the definitions in it "
                                                               "are not converted"))
            continue
        module.add(document, path, text)
    module.index_attributes()
    resources = sorted(module.resources.items())
    if units is not None:
        module.variables = units.scoped("variables", module.variables)
        module.locals = units.scoped("locals", module.locals)
        module.attributes = units.scoped("attributes", module.attributes)
    try:
        for (kind, label), body in resources:
            if not kind.startswith("aws_glue_"):
                continue
            path, line = module.where[(kind, label)]
            key = _resource_key(path, line, kind, label, body) if units is not None else None
            if key is None:
                _resource(module, kind, label, body, path, line)
            else:
                units.run(key, lambda kind=kind, label=label, body=body, path=path, line=line:
                          _resource(module, kind, label, body, path, line))
    finally:
        if units is not None:
            units.unscope()


def _resource_key(path: str, line: int, kind: str, label: str, body: dict):
    from glue2lakehouse.estate.incremental import fingerprint

    body_key = fingerprint(body)
    return None if body_key is None else ("terraform-resource", path, line, kind, label, body_key)


def _resource(module: _Module, kind: str, label: str, body: dict, path: str, line: int) -> None:
    """One Glue resource of the module into the estate."""
    estate = module.estate
    module.path, module.line = path, line
    for meta in ("for_each", "count"):   # depends_on, lifecycle, provider change nothing a job runs
        if meta in body:
            estate.issues.append(Issue(path, line, "estate-terraform",
                                       f"{kind}.{label} uses {meta}: converted once, with each.* / count.index "
                                       "left unresolved; write one definition per instance to convert each"))
    if kind == "aws_glue_job":
        estate.add_job(job_from_api(module.value(_job(body, module)), path, line, label))
    elif kind == "aws_glue_trigger":
        estate.add_trigger(trigger_from_api(module.value(_trigger(body)), path, line, label))
    elif kind == "aws_glue_workflow":
        data = module.value({"Name": body.get("name"), "Description": body.get("description"),
                             "MaxConcurrentRuns": body.get("max_concurrent_runs"),
                             "DefaultRunProperties": body.get("default_run_properties")})
        workflow = workflow_from_api(data, path, line, label)
        estate.workflows[workflow.name] = workflow
    elif kind == "aws_glue_crawler":
        crawler = crawler_from_api(module.value(_crawler(body)), path, line, label)
        estate.crawlers[crawler.name] = crawler
    elif kind in ("aws_glue_catalog_database", "aws_glue_catalog_table"):
        estate.catalog.append((kind, module.value({k: v for k, v in body.items() if k != "__is_block__"}),
                               path, line))
