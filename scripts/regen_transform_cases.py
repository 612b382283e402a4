"""Rewrite the transformer's expected outputs with the current transformer.

- fixtures/transform/<case>/after.py (and the findings in case.toml) from before.py;
- fixtures/glue_jobs_expected/<path> from fixtures/glue_jobs/<path> (catalog "prod").

For reviewing a rule change: run it, then read `git diff fixtures` line by line before
committing. The tests compare against the committed files.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glue2lakehouse.config import load_toml_text, transform_settings  # noqa: E402
from glue2lakehouse.transform import transform_file  # noqa: E402


def _toml_value(value) -> str:
    if isinstance(value, dict):
        raise TypeError
    return json.dumps(value)


def write_case_toml(case: Path, options: dict, rules: list[str]) -> None:
    """case.toml: the settings of the case, then the findings it must give."""
    lines = [f"{key} = {_toml_value(value)}" for key, value in options.items() if not isinstance(value, dict)]
    if rules:
        lines.append(f"findings = {json.dumps(rules)}")
    for key, value in options.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()]
    path = case / "case.toml"
    if lines:
        path.write_text("\n".join(lines) + "\n")
    elif path.exists():
        path.unlink()


def main(names: list[str]) -> None:
    for case in sorted((ROOT / "fixtures" / "transform").iterdir()):
        if not case.is_dir() or (names and case.name not in names):
            continue
        options = load_toml_text((case / "case.toml").read_text()) if (case / "case.toml").exists() else {}
        options.pop("findings", None)
        settings = transform_settings({k: v for k, v in options.items() if k != "job_bookmark_option"})
        if "job_bookmark_option" in options:   # the case's job definition is known and sets this bookmark option
            settings = replace(settings, bookmarks={f"{case.name}.py": options["job_bookmark_option"]})
        result = transform_file((case / "before.py").read_bytes(), f"{case.name}.py", settings)
        (case / "after.py").write_bytes(result.data)
        write_case_toml(case, options, sorted(f.rule for f in result.findings))
        print(f"{case.name}: {len(result.findings)} finding(s) {sorted({f.rule for f in result.findings})}")


def jobs() -> None:
    source = ROOT / "fixtures" / "glue_jobs"
    target = ROOT / "fixtures" / "glue_jobs_expected"
    settings = transform_settings({"catalog": "prod"})
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(source)
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(transform_file(path.read_bytes(), rel.as_posix(), settings).data)


if __name__ == "__main__":
    main(sys.argv[1:])
    if not sys.argv[1:]:
        jobs()
