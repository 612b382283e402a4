"""The .g2l.toml model and its validation.

``.g2l.toml`` is committed with the Databricks repository; it names the Glue
source and holds the transform and sync settings::

    [glue]
    source = "../glue_risk_engine"   # a git repo or a plain folder
    ref = "HEAD"                     # for a git repo: the commit to snapshot

    [transform]
    catalog = "production"

    [sync]
    branch = "glue-upstream"         # the snapshot branch
    protected_overlap = "conflict"   # or "keep-databricks"
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from glue2lakehouse.errors import G2LError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = ".g2l.toml"
OVERLAP_MODES = ("conflict", "keep-databricks")
DEFAULT_BRANCH = "glue-upstream"
# Bumped whenever the transformer's output for the same input and settings changes.
TRANSFORM_VERSION = "1"


def load_toml_text(text: str) -> dict:
    return tomllib.loads(text)


@dataclass(frozen=True)
class TransformSettings:
    catalog: str = "main"

    def fingerprint(self) -> str:
        """A short hash of everything that decides the transformer's output."""
        document = {"transform_version": TRANSFORM_VERSION, **asdict(self)}
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        return digest[:16]


@dataclass(frozen=True)
class Config:
    glue_source: str
    glue_ref: str = "HEAD"
    transform: TransformSettings = field(default_factory=TransformSettings)
    branch: str = DEFAULT_BRANCH
    protected_overlap: str = "conflict"

    def glue_path(self, repo_root: Path) -> Path:
        path = Path(self.glue_source).expanduser()
        return path if path.is_absolute() else (repo_root / path)


def _string(table: dict, key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if value is None:
        raise G2LError(f"{CONFIG_FILE}: [{where}] has no '{key}'", f"add {key} = \"...\" to the [{where}] table")
    if not isinstance(value, str) or not value.strip():
        raise G2LError(f"{CONFIG_FILE}: [{where}] {key} must be a non-empty string, not {value!r}",
                       f"write {key} = \"...\"")
    return value


def parse_config(text: str) -> Config:
    try:
        data = load_toml_text(text)
    except tomllib.TOMLDecodeError as error:
        raise G2LError(f"{CONFIG_FILE} is not valid TOML ({error})", "fix the syntax or restore it from git") from None
    known = {"glue": {"source", "ref"}, "transform": {"catalog"}, "sync": {"branch", "protected_overlap"}}
    for table, value in data.items():
        if table not in known or not isinstance(value, dict):
            raise G2LError(f"{CONFIG_FILE}: unknown table [{table}]",
                           f"use only {', '.join('[' + k + ']' for k in known)}")
        unknown = set(value) - known[table]
        if unknown:
            raise G2LError(f"{CONFIG_FILE}: unknown key '{sorted(unknown)[0]}' in [{table}]",
                           f"the keys of [{table}] are {', '.join(sorted(known[table]))}")
    glue = data.get("glue", {})
    transform = data.get("transform", {})
    sync = data.get("sync", {})
    overlap = _string(sync, "protected_overlap", "sync", "conflict")
    if overlap not in OVERLAP_MODES:
        raise G2LError(f"{CONFIG_FILE}: [sync] protected_overlap = {overlap!r} is not a known mode",
                       'use "conflict" or "keep-databricks"')
    return Config(
        glue_source=_string(glue, "source", "glue"),
        glue_ref=_string(glue, "ref", "glue", "HEAD"),
        transform=TransformSettings(catalog=_string(transform, "catalog", "transform", "main")),
        branch=_string(sync, "branch", "sync", DEFAULT_BRANCH),
        protected_overlap=overlap,
    )


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_config(config: Config) -> str:
    return (
        "# glue2lakehouse settings: see `g2l --help`. Committed with the repository.\n"
        "[glue]\n"
        f"source = {_quote(config.glue_source)}\n"
        f"ref = {_quote(config.glue_ref)}\n"
        "\n[transform]\n"
        f"catalog = {_quote(config.transform.catalog)}\n"
        "\n[sync]\n"
        f"branch = {_quote(config.branch)}\n"
        f"protected_overlap = {_quote(config.protected_overlap)}\n"
    )
