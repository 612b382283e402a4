"""CloudFormation / SAM templates (YAML with ``!Ref``, ``!Sub``, ``!GetAtt``, ``!Join`` ..., or JSON).

Intrinsic functions are resolved where the template itself says the value: a ``!Ref``
to a Glue job, trigger, workflow or crawler is its name; ``!Sub`` / ``!Join`` are
evaluated. What only a deployment knows (a parameter, a pseudo parameter such as
``AWS::AccountId``, an attribute of another resource) becomes a bundle variable
(``${var.Name}``, with the parameter's default) and is reported.
"""

from __future__ import annotations

import hashlib
import json
import re

from glue2lakehouse.estate.cache import parsed
from glue2lakehouse.estate.model import Estate, Issue, variable_name
from glue2lakehouse.estate.readers.api_json import (crawler_from_api, job_from_api, line_of, trigger_from_api,
                                                    workflow_from_api)

GLUE_TYPES = ("AWS::Glue::Job", "AWS::Glue::Trigger", "AWS::Glue::Workflow", "AWS::Glue::Crawler",
              "AWS::Glue::Database", "AWS::Glue::Table")
PSEUDO = {"AWS::AccountId": "aws_account_id", "AWS::Region": "aws_region", "AWS::StackName": "aws_stack_name",
          "AWS::Partition": "aws_partition", "AWS::URLSuffix": "aws_url_suffix", "AWS::StackId": "aws_stack_id"}


def _load_yaml(text: str):
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    yaml = YAML(typ="safe", pure=True)

    def construct(loader, suffix, node):
        name = "Ref" if suffix == "Ref" else ("Condition" if suffix == "Condition" else f"Fn::{suffix}")
        if isinstance(node, ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:  # pragma: no cover
            value = None
        return {name: value}

    yaml.constructor.add_multi_constructor("!", construct)
    return yaml.load(text)


def looks_like(text: str) -> bool:
    return "AWS::Glue::" in text


class _Resolver:
    def __init__(self, template: dict, estate: Estate, path: str):
        self.template = template
        self.estate = estate
        self.path = path
        self.parameters = template.get("Parameters") or {}
        self.resources = template.get("Resources") or {}
        self.line = 1

    def variable(self, name: str, origin: str, default=None) -> str:
        if variable_name(name) not in self.estate.variables:
            self.estate.issues.append(Issue(self.path, self.line, "estate-variable",
                                            f"{origin} is only known at deployment: kept as bundle variable "
                                            f"var.{name}" + (f" (default {default!r})" if default is not None else
                                                             "; set it in databricks.yml")))
        return self.estate.variable(name, None if default is None else str(default), origin)

    def ref(self, name: str) -> str:
        if name in PSEUDO:
            return self.variable(PSEUDO[name], f"!Ref {name}")
        if name in self.parameters:
            return self.variable(name, f"!Ref {name}", (self.parameters[name] or {}).get("Default"))
        resource = self.resources.get(name)
        if isinstance(resource, dict) and resource.get("Type") in GLUE_TYPES:
            properties = resource.get("Properties") or {}
            given = properties.get("Name")
            for wrapper in ("DatabaseInput", "TableInput"):
                if given is None and isinstance(properties.get(wrapper), dict):
                    given = properties[wrapper].get("Name")
            return self.value(given) if given is not None else name
        return self.variable(name, f"!Ref {name}")

    def sub(self, template: str, local: dict) -> str:
        def replace(match):
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in local:
                return str(self.value(local[inner]))
            if "." in inner and not inner.startswith("AWS::"):
                resource, attribute = inner.split(".", 1)
                return self.variable(f"{resource}_{attribute}", f"!GetAtt {inner}")
            return self.ref(inner)

        return re.sub(r"\$\{([^}]*)\}", replace, template)

    def value(self, node):
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self.ref(str(arg))
            if key == "Fn::Sub":
                if isinstance(arg, list) and arg:
                    return self.sub(str(arg[0]), arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {})
                return self.sub(str(arg), {})
            if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                return str(arg[0]).join(str(self.value(part)) for part in arg[1])
            if key == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
                text = self.value(arg[1])
                if isinstance(text, str) and "${" not in text:
                    return text.split(str(arg[0]))
            if key == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
                items = self.value(arg[1])
                try:
                    index = int(arg[0])
                except (TypeError, ValueError):
                    index = None
                if isinstance(items, list) and index is not None and 0 <= index < len(items):
                    return items[index]
            if key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.variable("_".join(str(p) for p in parts), f"!GetAtt {'.'.join(str(p) for p in parts)}")
            if key.startswith("Fn::") or key == "Condition":
                text = json.dumps(arg, default=str, sort_keys=True)
                digest = hashlib.sha256(text.encode()).hexdigest()[:6]      # one variable per distinct expression
                return self.variable(re.sub(r"\W", "_", key.replace("Fn::", "")).lower() + f"_{digest}",
                                     f"{key} {text[:60]}")
        return {key: self.value(item) for key, item in node.items()}


def read(text: str, path: str, estate: Estate) -> None:
    try:
        template = (parsed("json", text, json.loads) if text.lstrip().startswith("{")
                    else parsed("cloudformation", text, _load_yaml))
    except Exception as error:  # ruamel raises many types; any of them means "not a template we can read"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        estate.issues.append(Issue(path, 1, "estate-parse", f"not a readable CloudFormation template ({first}); "
                                                           "the definitions in it are not converted"))
        return
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        return
    resolver = _Resolver(template, estate, path)
    for logical_id, resource in sorted(template["Resources"].items()):
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        if kind not in GLUE_TYPES:
            continue
        line = line_of(text, f"{logical_id}:") if not text.lstrip().startswith("{") else line_of(text, f'"{logical_id}"')
        resolver.line = line
        properties = resolver.value(resource.get("Properties") or {})
        if not isinstance(properties, dict):
            continue
        if kind == "AWS::Glue::Job":
            estate.add_job(job_from_api(properties, path, line, logical_id))
        elif kind == "AWS::Glue::Trigger":
            estate.add_trigger(trigger_from_api(properties, path, line, logical_id))
        elif kind == "AWS::Glue::Workflow":
            workflow = workflow_from_api(properties, path, line, logical_id)
            estate.workflows[workflow.name] = workflow
        elif kind == "AWS::Glue::Crawler":
            crawler = crawler_from_api(properties, path, line, logical_id)
            estate.crawlers[crawler.name] = crawler
        elif kind in ("AWS::Glue::Database", "AWS::Glue::Table"):
            estate.catalog.append((kind, properties, path, line))
