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


# ---------------------------------------------------------------- reconciliation-shaped comparison
SAMPLES = 3


def _schema_equal(glue: dict, dbx: dict) -> bool:
    """Names, types and order, through pyspark.testing's assertSchemaEqual when both schemas are at hand."""
    if glue.get("schema_json") and dbx.get("schema_json"):
        from pyspark.errors import PySparkAssertionError
        from pyspark.sql.types import StructType
        from pyspark.testing import assertSchemaEqual

        try:
            assertSchemaEqual(StructType.fromJson(json.loads(dbx["schema_json"])),
                              StructType.fromJson(json.loads(glue["schema_json"])))
            return True
        except PySparkAssertionError:
            return False
    return [tuple(f) for f in glue["schema"]] == [tuple(f) for f in dbx["schema"]]


def _pick_key(glue_rows: list[dict], dbx_rows: list[dict], columns: list[str]) -> str | None:
    """A column unique and never null on both sides (names ending in id first), to pair rows on."""
    ordered = sorted(columns, key=lambda c: (not c.lower().endswith("id"), columns.index(c)))
    for column in ordered:
        for rows in (glue_rows, dbx_rows):
            values = [json.dumps(_canonical(r.get(column)), default=str) for r in rows]
            if any(r.get(column) is None for r in rows) or len(set(values)) != len(values):
                break
        else:
            return column
    return None


def reconcile_output(name: str, glue: dict | None, dbx: dict | None) -> dict:
    """One output of both runs, the way a reconciliation reports it: schema, counts, rows only in each
    side, and for rows paired on a key the columns that differ, with samples."""
    glue_rows = glue["rows"] if glue else []
    dbx_rows = dbx["rows"] if dbx else []
    result = {"output": name, "kind": (glue or dbx)["kind"], "rows_glue": len(glue_rows),
              "rows_databricks": len(dbx_rows), "written_by_glue": glue is not None,
              "written_by_databricks": dbx is not None}
    if glue is None or dbx is None:
        result.update({"equal": False, "schema_equal": False, "only_in_glue": len(glue_rows),
                       "only_in_databricks": len(dbx_rows), "schema_glue": glue and glue["schema"],
                       "schema_databricks": dbx and dbx["schema"], "key": None, "columns_differ": {},
                       "samples_only_in_glue": glue_rows[:SAMPLES], "samples_only_in_databricks": dbx_rows[:SAMPLES],
                       "samples_columns_differ": []})
        return result
    schema_equal = _schema_equal(glue, dbx)
    glue_count, dbx_count = Counter(map(_key, glue_rows)), Counter(map(_key, dbx_rows))
    only_glue = [json.loads(k) for k in (glue_count - dbx_count).elements()]
    only_dbx = [json.loads(k) for k in (dbx_count - glue_count).elements()]
    common = [f[0] for f in glue["schema"] if f[0] in {g[0] for g in dbx["schema"]}]
    key = _pick_key(glue_rows, dbx_rows, common) if (only_glue or only_dbx) else None
    columns_differ: dict = {}
    samples = []
    if key is not None:
        by_key = {json.dumps(_canonical(r.get(key)), default=str): r for r in only_dbx}
        paired_glue, paired_dbx = [], []
        for row in only_glue:
            other = by_key.get(json.dumps(_canonical(row.get(key)), default=str))
            if other is None:
                continue
            paired_glue.append(row)
            paired_dbx.append(other)
            for column in common:
                if _key(row.get(column)) != _key(other.get(column)):
                    columns_differ[column] = columns_differ.get(column, 0) + 1
                    if len(samples) < SAMPLES:
                        samples.append({"key": row.get(key), "column": column, "glue": row.get(column),
                                        "databricks": other.get(column)})
        only_glue = [r for r in only_glue if not any(r is p for p in paired_glue)]
        only_dbx = [r for r in only_dbx if not any(r is p for p in paired_dbx)]
    result.update({
        "equal": schema_equal and not only_glue and not only_dbx and not columns_differ,
        "schema_equal": schema_equal, "schema_glue": glue["schema"], "schema_databricks": dbx["schema"],
        "only_in_glue": len(only_glue), "only_in_databricks": len(only_dbx), "key": key,
        "columns_differ": columns_differ, "samples_only_in_glue": only_glue[:SAMPLES],
        "samples_only_in_databricks": only_dbx[:SAMPLES], "samples_columns_differ": samples,
    })
    return result


def reconcile(glue_outputs: dict, dbx_outputs: dict) -> list[dict]:
    keys = list(glue_outputs) + [k for k in dbx_outputs if k not in glue_outputs]
    return [reconcile_output((glue_outputs.get(k) or dbx_outputs.get(k))["name"], glue_outputs.get(k),
                             dbx_outputs.get(k)) for k in keys]


def summary(result: dict) -> str:
    """One line saying how an output differs."""
    name = result["output"]
    if not result["written_by_databricks"]:
        return f"{name}: written by the Glue job only"
    if not result["written_by_glue"]:
        return f"{name}: written by the Databricks job only"
    parts = []
    if not result["schema_equal"]:
        glue = dict(map(tuple, result["schema_glue"]))
        dbx = dict(map(tuple, result["schema_databricks"]))
        missing = [c for c in glue if c not in dbx]
        extra = [c for c in dbx if c not in glue]
        typed = [f"{c} {glue[c]} vs {dbx[c]}" for c in glue if c in dbx and glue[c] != dbx[c]]
        if missing:
            parts.append("column missing: " + ", ".join(missing))
        if extra:
            parts.append("extra column: " + ", ".join(extra))
        if typed:
            parts.append("type differs: " + ", ".join(typed))
        if not (missing or extra or typed):
            parts.append("column order differs")
    if result["only_in_glue"]:
        parts.append(f"{result['only_in_glue']} rows only in Glue's output")
    if result["only_in_databricks"]:
        parts.append(f"{result['only_in_databricks']} rows only in the Databricks output")
    if result["columns_differ"]:
        parts.append("values differ in " + ", ".join(sorted(result["columns_differ"])) + f" (key {result['key']})")
    return f"{name}: " + "; ".join(parts)
