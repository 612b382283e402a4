"""Run one before/after case folder (fixtures/estate/<kind>/<case>/): shared by the tests and the regen script."""

from __future__ import annotations

from pathlib import Path

from glue2lakehouse.config import estate_settings, load_toml_text, transform_settings
from glue2lakehouse.estate import convert_estate


def run_case(case: Path) -> dict[str, bytes]:
    """Every file the converter writes or replaces for ``case/before``, plus ``findings.txt``."""
    options = load_toml_text((case / "case.toml").read_text()) if (case / "case.toml").exists() else {}
    transform = transform_settings(options.get("transform", {}))
    settings = estate_settings(options.get("jobs", {}), options.get("ddl", {}))
    before = case / "before"
    paths = sorted(p.relative_to(before).as_posix() for p in before.rglob("*") if p.is_file())
    result = convert_estate(paths, lambda p: (before / p).read_bytes(), transform, settings)
    outputs = {**result.files, **result.replaced}
    outputs["findings.txt"] = "".join(f"{i.path}:{i.line} [{i.rule}] {i.message}\n" for i in result.issues).encode()
    return dict(sorted(outputs.items()))
