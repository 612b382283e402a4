"""``g2l convert``: transform a Glue file or folder outside any repository.

A file goes to stdout or to a file; a folder goes to a new folder with the same
relative paths, every file carried over. Output is written to a temporary
place beside the target and moved into place at the end: an error leaves
nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from glue2lakehouse.config import (CONFIG_FILE, EstateSettings, TransformSettings, estate_settings, load_toml_text,
                                   transform_settings, with_bookmark_table)
from glue2lakehouse.errors import EXIT_CONFLICTS, EXIT_ERROR, EXIT_OK, G2LError
from glue2lakehouse.transform import transform_file

_SKIP_DIRS = {".git", "__pycache__", ".ipynb_checkpoints", ".venv"}


@dataclass
class ConvertReport:
    files: int = 0
    python_files: int = 0
    sites: int = 0
    clean_sites: int = 0
    findings: list[dict] = field(default_factory=list)
    output: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_CONFLICTS if self.findings else EXIT_OK

    def to_dict(self) -> dict:
        return {
            "files": self.files,
            "python_files": self.python_files,
            "glue_call_sites": self.sites,
            "converted_without_review": self.clean_sites,
            "findings": self.findings,
            "output": self.output,
            "exit_code": self.exit_code,
        }

    def render_text(self) -> str:
        lines = []
        if self.findings:
            width = max(len(f"{f['file']}:{f['line']}") for f in self.findings)
            rule_width = max(len(f["rule"]) for f in self.findings)
            for item in self.findings:
                where = f"{item['file']}:{item['line']}"
                lines.append(f"{where:<{width}}  {item['rule']:<{rule_width}}  {item['message']}")
        share = f" ({100 * self.clean_sites / self.sites:.0f}%)" if self.sites else ""
        lines.append(f"{self.files} file(s), {self.python_files} Python; {self.sites} Glue call site(s), "
                     f"{self.clean_sites} converted without review{share}; {len(self.findings)} finding(s)")
        return "\n".join(lines)


def settings_from(config: Path | None, overrides: dict) -> TransformSettings:
    """[transform] of a .g2l.toml (the given one, else ./.g2l.toml if present), then the command-line flags."""
    table: dict = {}
    bookmarks: dict = {}
    path = config if config is not None else (Path(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else None)
    if path is not None:
        if not path.is_file():
            raise G2LError(f"{path} does not exist", "pass an existing .g2l.toml with --config")
        try:
            document = load_toml_text(path.read_text(encoding="utf-8"))
            table, bookmarks = dict(document.get("transform", {})), dict(document.get("bookmarks", {}))
        except (ValueError, UnicodeDecodeError) as error:
            raise G2LError(f"{path} is not valid TOML ({error})", "fix its syntax") from None
    for key, value in overrides.items():
        if value is None:
            continue
        if isinstance(value, dict):
            table[key] = {**table.get(key, {}), **value}
        else:
            table[key] = value
    return with_bookmark_table(transform_settings(table), bookmarks)


def estate_settings_from(config: Path | None) -> EstateSettings:
    """[jobs], [ddl] and [reconcile] of the .g2l.toml that settings_from reads (defaults when there is none)."""
    path = config if config is not None else (Path(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else None)
    if path is None or not path.is_file():
        return EstateSettings()
    try:
        data = load_toml_text(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise G2LError(f"{path} is not valid TOML ({error})", "fix its syntax") from None
    return estate_settings(data.get("jobs", {}), data.get("ddl", {}), data.get("reconcile"))


def _estate(report: ConvertReport, paths: list[str], read, settings: TransformSettings,
            estate: EstateSettings | None):
    """The estate of the files (job definitions -> bundle jobs, DDL -> Unity Catalog DDL), findings reported."""
    from glue2lakehouse.estate import convert_estate

    result = convert_estate(paths, read, settings, estate or estate_settings_from(None))
    report.findings += [f.as_dict() for f in result.findings()]
    return result, replace(settings, bookmarks=result.bookmarks)


def _add(report: ConvertReport, rel: str, data: bytes, settings: TransformSettings) -> bytes:
    result = transform_file(data, rel, settings)
    report.files += 1
    if rel.endswith(".py"):
        report.python_files += 1
    report.sites += result.sites
    report.clean_sites += result.clean_sites
    report.findings += [f.as_dict() for f in result.findings]
    return result.data


def convert_file(source: Path, settings: TransformSettings,
                 estate: EstateSettings | None = None) -> tuple[ConvertReport, bytes]:
    """One file: a Python job, a DDL file (its Unity Catalog DDL), or a definition file (its bundle jobs, as
    one YAML stream)."""
    report = ConvertReport()
    try:
        data = source.read_bytes()
    except OSError as error:
        raise G2LError(f"cannot read {source}: {error.strerror}", "check the path and its permissions") from None
    result, settings = _estate(report, [source.name], lambda _: data, settings, estate)
    out = _add(report, source.name, data, settings)
    if source.name in result.replaced:
        return report, result.replaced[source.name]
    if result.files:
        return report, b"---\n".join(result.files[p] for p in sorted(result.files))
    return report, out


def convert(source: Path, out: Path | None, settings: TransformSettings,
            estate: EstateSettings | None = None) -> tuple[ConvertReport, bytes | None]:
    """Convert a file (returns its bytes when ``out`` is None) or a folder (``out`` required)."""
    if not source.exists():
        raise G2LError(f"{source} does not exist", "pass a Glue job file or a folder of them")
    if source.is_file():
        report, data = convert_file(source, settings, estate)
        if out is None:
            return report, data
        if out.is_dir():
            raise G2LError(f"{out} is a folder", "give -o a file path for a single file")
        from glue2lakehouse.estate.cache import write_atomically

        write_atomically(out, data)
        report.output = str(out)
        return report, None
    if out is None:
        raise G2LError(f"{source} is a folder", "give -o OUT: the folder to write the converted files to")
    source, out = source.resolve(), out.resolve()
    if out == source or source in out.parents:
        raise G2LError(f"{out} is inside {source}", "write the converted files somewhere outside the Glue folder")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise G2LError(f"{out} already exists and is not an empty folder", "give -o a new or empty folder")
    report = ConvertReport()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".g2l-convert-", dir=out.parent))
    try:
        files: list[str] = []
        for dirpath, dirnames, filenames in os.walk(source):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            files += [(Path(dirpath) / name).relative_to(source).as_posix() for name in sorted(filenames)
                      if not (Path(dirpath) / name).is_symlink()]
        result, settings = _estate(report, files, lambda rel: (source / rel).read_bytes(), settings, estate)
        for rel in files:
            full = source / rel
            data = _add(report, rel, full.read_bytes(), settings)
            data = result.replaced.get(rel, data)
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            shutil.copymode(full, target)
        for rel, data in sorted(result.files.items()):
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_bytes(data)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.output = str(out)
    return report, None


__all__ = ["convert", "settings_from", "ConvertReport", "EXIT_ERROR"]
