"""Compare the outputs of two runs: schemas, and rows as multisets (floats to a printed precision)."""

from __future__ import annotations

import json
from collections import Counter

SIGNIFICANT_DIGITS = 9
TOLERANCE = f"floats and decimals compared to {SIGNIFICANT_DIGITS} significant digits"


def _canonical(value):
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _key(row: dict) -> str:
    return json.dumps(_canonical(row), sort_keys=True, default=str)


def compare_output(glue: dict | None, dbx: dict | None) -> dict:
    if glue is None or dbx is None:
        present = glue or dbx
        return {"name": present["name"], "kind": present["kind"], "status": "missing" if dbx is None else "extra",
                "glue_rows": len(glue["rows"]) if glue else 0, "databricks_rows": len(dbx["rows"]) if dbx else 0,
                "matching": 0, "missing": len(glue["rows"]) if glue else 0, "extra": len(dbx["rows"]) if dbx else 0,
                "schema_match": False, "first_differences": []}
    glue_rows, dbx_rows = Counter(map(_key, glue["rows"])), Counter(map(_key, dbx["rows"]))
    missing, extra = glue_rows - dbx_rows, dbx_rows - glue_rows
    matching = sum((glue_rows & dbx_rows).values())
    schema_match = [tuple(f) for f in glue["schema"]] == [tuple(f) for f in dbx["schema"]]
    differences = [{"side": "glue only", "row": json.loads(k)} for k in list(missing.elements())[:3]]
    differences += [{"side": "databricks only", "row": json.loads(k)} for k in list(extra.elements())[:3]]
    same = schema_match and not missing and not extra
    return {
        "name": glue["name"], "kind": glue["kind"], "status": "match" if same else "differ",
        "glue_rows": len(glue["rows"]), "databricks_rows": len(dbx["rows"]), "matching": matching,
        "missing": sum(missing.values()), "extra": sum(extra.values()), "schema_match": schema_match,
        "glue_schema": glue["schema"], "databricks_schema": dbx["schema"], "first_differences": differences,
    }


def compare(glue_outputs: dict, dbx_outputs: dict) -> list[dict]:
    keys = list(glue_outputs) + [k for k in dbx_outputs if k not in glue_outputs]
    return [compare_output(glue_outputs.get(k), dbx_outputs.get(k)) for k in keys]
