"""The run-time helpers (``runtime.py``) as text for the jobs that call them, and what each needs imported."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

# What each helper needs imported in the job (names of ``imports.NEEDED``).
NEEDS = {
    "glue_join": ("F",),
    "glue_drop_null_fields": ("F",),
    "glue_filter": ("F",),
    "glue_resolved_options": ("argparse",),
    "glue_apply_mapping": ("F",),
    "glue_map": ("Row",),
    "glue_s3_options": (),
    "glue_relationalize": ("F", "Window"),
    "glue_unbox": ("F",),
    "glue_unnest": ("F",),
    "glue_match_catalog": ("F",),
    "GlueJob": ("argparse", "F"),
}


# Glue Studio's data-quality step (runtime_dq.py).
NEEDS.update({"glue_evaluate_data_quality": ("F", "logging"), "glue_data_quality_rows": ("F",)})
RUNTIME_FILES = ("runtime.py", "runtime_dq.py")


@lru_cache(maxsize=None)
def _definitions() -> dict[str, str]:
    out = {}
    for name in RUNTIME_FILES:
        text = (Path(__file__).parent / name).read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        out.update({node.name: "".join(lines[node.lineno - 1:node.end_lineno])
                    for node in ast.parse(text).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))})
    return out


def source(name: str) -> str:
    """The text of one helper, as it goes into a job."""
    return _definitions()[name]
