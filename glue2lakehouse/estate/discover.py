"""Find the estate's definition and DDL files in a Glue tree, by content (the name only narrows the search).

A file is read as
- Glue API JSON when it parses as JSON shaped like get-job(s), get-trigger(s), get-workflow,
  get-crawler(s), create-job or create-trigger output/input;
- a CloudFormation / SAM template when it names ``AWS::Glue::`` resources (YAML or JSON);
- Terraform when it is a ``.tf`` file with ``aws_glue_`` resources;
- Hive / Athena DDL when it is a ``.sql``, ``.hql`` or ``.ddl`` file with CREATE / ALTER / MSCK statements.
Python files and files over 2 MB are never definitions.
"""

from __future__ import annotations

import json
import re
from posixpath import dirname

TEXT_SUFFIXES = (".json", ".yaml", ".yml", ".template", ".cfn", ".tf", ".txt", ".jsonc")
DDL_SUFFIXES = (".sql", ".hql", ".ddl")
MAX_BYTES = 2 * 1024 * 1024
_DDL = re.compile(rb"\b(CREATE|ALTER|MSCK)\b", re.IGNORECASE)


def kind_of(path: str, data: bytes) -> str | None:
    """'api', 'workflow', 'jobconfig', 'cloudformation', 'terraform', 'ddl' or None."""
    lower = path.lower()
    if len(data) > MAX_BYTES or lower.endswith((".py", ".pyc")):
        return None
    if lower.endswith(DDL_SUFFIXES):
        return "ddl" if _DDL.search(data) else None
    if not lower.endswith(TEXT_SUFFIXES) and "." in lower.rsplit("/", 1)[-1]:
        return None
    if lower.endswith(".tf"):
        return "terraform" if b"aws_glue_" in data else None
    if b"AWS::Glue::" in data:
        return "cloudformation"
    if lower.endswith((".yaml", ".yml")) and b"environments:" in data:
        from glue2lakehouse.estate.readers.job_config import looks_like as job_config

        try:
            if job_config(data.decode("utf-8-sig")):
                return "jobconfig"
        except UnicodeDecodeError:
            pass
    lowered = data.lower()
    if b'"jobs"' in lowered and (b'"script"' in lowered or b'"scriptlocation"' in lowered):
        try:
            from glue2lakehouse.estate.readers.workflow_doc import looks_like as workflow_document

            if workflow_document(json.loads(data.decode("utf-8-sig"))):
                return "workflow"
        except (ValueError, UnicodeDecodeError):
            pass
    if b'"command"' in lowered or b'"trigger' in lowered or b'"workflow"' in lowered or b'"crawler' in lowered or \
            b'"jobs"' in lowered or b'"job"' in lowered or b'"actions"' in lowered:
        try:
            from glue2lakehouse.estate.readers.api_json import looks_like

            return "api" if looks_like(json.loads(data.decode("utf-8-sig"))) else None
        except (ValueError, UnicodeDecodeError):
            # Shaped like a Glue API document but not valid JSON: read it, so the reader reports it.
            return "api" if lower.endswith(".json") and (b'"Command"' in data or b'"Triggers"' in data
                                                         or b'"Jobs"' in data or b'"Job"' in data) else None
    return None


def discover(files: dict[str, bytes]) -> dict[str, str]:
    """path -> kind, for every definition or DDL file among ``files``."""
    found = {}
    for path in sorted(files):
        kind = kind_of(path, files[path])
        if kind:
            found[path] = kind
    return found


def candidate(path: str) -> bool:
    """Whether a path can hold a definition (so callers read only those blobs)."""
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    return lower.endswith(DDL_SUFFIXES + TEXT_SUFFIXES) or "." not in name


def modules(paths: list[str]) -> dict[str, list[str]]:
    """Terraform files grouped by folder (one module each)."""
    out: dict[str, list[str]] = {}
    for path in sorted(paths):
        out.setdefault(dirname(path), []).append(path)
    return out
