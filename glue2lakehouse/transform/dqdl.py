"""DQDL (Glue Data Quality Definition Language) rulesets -> the checks ``runtime_dq`` evaluates.

Pure: ruleset text in, ``(checks, unsupported)`` out. A check is
``(rule text, {metric name: measure}, condition, row predicate)`` (see ``runtime_dq``); the
metric names are Glue's (``Dataset.*.RowCount``, ``Column.<c>.Completeness``, ...). Semantics
follow Glue's open-source DQDL engine (awslabs/deequ, ``dqdl/translation``):

- ``between a and b`` on a metric excludes its bounds; ``ColumnValues "c" between a and b``
  checks every non-null value against ``>= a`` and ``<= b``;
- Completeness is non-null rows over all rows; Uniqueness is the values that occur exactly
  once over the rows where the column is not null; ``IsComplete`` / ``IsUnique`` ask for 1.0,
  ``IsPrimaryKey`` for both;
- ``ColumnValues`` compares every value (null passes, as in the engine's compliance
  predicates: ``c IS NULL OR ...``), the share of rows that pass must be 1.0 unless
  ``with threshold`` says otherwise.

Rules with no conversion here (composite rules, ``where`` clauses, dynamic rules, rule types
not listed in ``RULES``) are returned as unsupported; the checks then hold them as rules that
fail with "not evaluated", so no rule passes silently.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)'
                    r'|(?P<op>>=|<=|!=|>|<|=)|(?P<punct>[\[\],()])|(?P<word>[A-Za-z_][A-Za-z0-9_.*]*))')
COLUMN_RULES = {"IsComplete", "Completeness", "IsUnique", "Uniqueness", "IsPrimaryKey", "ColumnValues",
                "ColumnExists", "Mean", "Sum", "StandardDeviation", "DistinctValuesCount"}
DATASET_RULES = {"RowCount", "ColumnCount"}
RULES = COLUMN_RULES | DATASET_RULES


class DQDLError(ValueError):
    pass


def rules_of(ruleset: str) -> list[str]:
    """The rule texts of ``Rules = [ ... ]`` (comments dropped, split on top-level commas)."""
    text = "\n".join(line for line in ruleset.splitlines() if not line.strip().startswith("#"))
    match = re.search(r"\bRules\s*=\s*\[", text)
    if not match:
        raise DQDLError("no 'Rules = [...]' list")
    depth, quoted, start, out = 1, False, match.end(), []
    index = start
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                out.append(text[start:index])
                break
        elif char == "," and depth == 1:
            out.append(text[start:index])
            start = index + 1
        index += 1
    else:
        raise DQDLError("the Rules list is not closed")
    return [" ".join(rule.split()) for rule in out if rule.strip()]


def _tokens(rule: str) -> list[tuple[str, str]]:
    out, index = [], 0
    while index < len(rule):
        match = _TOKEN.match(rule, index)
        if not match or match.end() == index:
            if rule[index:].strip():
                raise DQDLError(f"cannot read {rule[index:].strip()!r}")
            break
        kind = match.lastgroup
        value = match.group(kind)
        out.append((kind, value))
        index = match.end()
    return out


def _value(token: tuple[str, str]):
    kind, text = token
    if kind == "number":
        return float(text) if any(c in text for c in ".eE") else int(text)
    if kind == "string":
        return text[1:-1].replace('\\"', '"')
    if kind == "word" and text in ("NULL", "EMPTY", "WHITESPACES_ONLY"):
        return text
    raise DQDLError(f"{text!r} is not a value")


def _condition(tokens: list[tuple[str, str]]) -> tuple[tuple, list]:
    """(operator, operands...) and the tokens after the condition."""
    if not tokens:
        raise DQDLError("no condition")
    negated = tokens[0] == ("word", "not")
    if negated:
        tokens = tokens[1:]
    kind, text = tokens[0]
    if kind == "op" and not negated:
        return (text, _value(tokens[1])), tokens[2:]
    if (kind, text) == ("word", "between"):
        if len(tokens) < 4 or tokens[2] != ("word", "and"):
            raise DQDLError("between needs 'a and b'")
        return ("not between" if negated else "between", _value(tokens[1]), _value(tokens[3])), tokens[4:]
    if (kind, text) == ("word", "in") and tokens[1:2] == [("punct", "[")]:
        values, index = [], 2
        while index < len(tokens) and tokens[index] != ("punct", "]"):
            if tokens[index] != ("punct", ","):
                values.append(_value(tokens[index]))
            index += 1
        return ("not in" if negated else "in", *values), tokens[index + 1:]
    if (kind, text) == ("word", "matches"):
        return ("not matches" if negated else "matches", _value(tokens[1])), tokens[2:]
    raise DQDLError(f"unknown condition {text!r}")


def _quote(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def _sql(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


def _row_predicate(column: str, condition: tuple) -> str:
    """ColumnValues: when one value passes (null passes, as in Glue's engine)."""
    c = _quote(column)
    op, operands = condition[0], list(condition[1:])
    if op == "between":
        test = f"{c} >= {_sql(operands[0])} AND {c} <= {_sql(operands[1])}"
    elif op == "not between":
        test = f"{c} < {_sql(operands[0])} OR {c} > {_sql(operands[1])}"
    elif op in ("in", "not in"):
        plain = [v for v in operands if v not in ("NULL", "EMPTY", "WHITESPACES_ONLY")]
        parts = [f"{c} IN ({', '.join(_sql(v) for v in plain)})"] if plain else []
        parts += [f"{c} = ''" for v in operands if v == "EMPTY"] + [f"trim({c}) = ''" for v in operands
                                                                     if v == "WHITESPACES_ONLY"]
        test = " OR ".join(parts) or "FALSE"
        if op == "not in":
            test = f"NOT ({test})"
    elif op in ("matches", "not matches"):
        test = f"{'NOT ' if op == 'not matches' else ''}{c} RLIKE {_sql(operands[0])}"
    else:
        test = f"{c} {op} {_sql(operands[0])}"
    return f"{c} IS NULL OR ({test})"


def check_of(rule: str) -> tuple:
    """One rule text -> its check; raises DQDLError when it has no conversion."""
    if rule.startswith("("):
        raise DQDLError("composite rules (and / or) have no conversion")
    tokens = _tokens(rule)
    if not tokens or tokens[0][0] != "word":
        raise DQDLError("no rule type")
    kind = tokens[0][1]
    if kind not in RULES:
        raise DQDLError(f"rule type {kind} has no conversion")
    rest = tokens[1:]
    column = None
    if kind in COLUMN_RULES:
        if not rest or rest[0][0] != "string":
            raise DQDLError(f"{kind} needs one column name")
        column, rest = rest[0][1][1:-1], rest[1:]
        if rest and rest[0][0] == "string":
            raise DQDLError(f"{kind} over several columns has no conversion")
    c = _quote(column) if column is not None else None
    one = ("=", 1.0)
    if kind in ("IsComplete", "IsUnique", "IsPrimaryKey", "ColumnExists"):
        condition = one
    elif kind == "ColumnValues":
        values, rest = _condition(rest)
        condition = one
        if rest[:2] == [("word", "with"), ("word", "threshold")]:
            condition, rest = _condition(rest[2:])
        predicate = _row_predicate(column, values)
    else:
        condition, rest = _condition(rest)
    if rest:
        raise DQDLError(f"{' '.join(t for _, t in rest)!r} (a where clause or an option) has no conversion")
    if condition[0] in ("matches", "not matches") or any(isinstance(v, str) for v in condition[1:]):
        raise DQDLError(f"condition {condition[0]} on a metric has no conversion")
    complete = {f"Column.{column}.Completeness": f"count({c}) / count(*)"} if column else {}
    unique = {f"Column.{column}.Uniqueness": f"uniqueness of {c}"} if column else {}
    metrics, row = {
        "RowCount": ({"Dataset.*.RowCount": "count(*)"}, None),
        "ColumnCount": ({"Dataset.*.ColumnCount": "column count"}, None),
        "IsComplete": (complete, f"{c} IS NOT NULL"),
        "Completeness": (complete, f"{c} IS NOT NULL"),
        "IsUnique": (unique, f"{c} IS NULL OR count(1) OVER (PARTITION BY {c}) = 1"),
        "Uniqueness": (unique, f"{c} IS NULL OR count(1) OVER (PARTITION BY {c}) = 1"),
        "IsPrimaryKey": ({**complete, **unique}, f"{c} IS NOT NULL AND count(1) OVER (PARTITION BY {c}) = 1"),
        "ColumnExists": ({f"Column.{column}.Exists": f"column {c} exists"}, None),
        "Mean": ({f"Column.{column}.Mean": f"avg({c})"}, None),
        "Sum": ({f"Column.{column}.Sum": f"sum({c})"}, None),
        "StandardDeviation": ({f"Column.{column}.StandardDeviation": f"stddev_pop({c})"}, None),
        "DistinctValuesCount": ({f"Column.{column}.DistinctValuesCount": f"count(DISTINCT {c})"}, None),
        "ColumnValues": ({f"Column.{column}.ColumnValues.Compliance":
                          f"avg(CASE WHEN {predicate} THEN 1.0 ELSE 0.0 END)"} if kind == "ColumnValues" else {},
                         predicate if kind == "ColumnValues" else None),
    }[kind]
    return rule, metrics, condition, row


def convert_ruleset(ruleset: str) -> tuple[list[tuple], list[str]]:
    """(checks, unsupported rules with why): every rule of the ruleset, in order."""
    checks, unsupported = [], []
    for rule in rules_of(ruleset):
        try:
            checks.append(check_of(rule))
        except DQDLError as error:
            unsupported.append(f"{rule} ({error})")
            checks.append((rule, {}, ("not converted", f"{error}; convert this rule by hand"), None))
    return checks, unsupported
