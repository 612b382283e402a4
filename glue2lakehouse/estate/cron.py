"""AWS ``cron(m h dom mon dow y)`` schedules -> Quartz expressions for Databricks job schedules.

AWS (EventBridge / Glue) cron has six fields: minutes, hours, day-of-month, month,
day-of-week (1-7 = SUN-SAT, or SUN-SAT names) and year, with ``? L W #`` and
``, - / *``. Quartz has seconds first and the same remaining fields with the same
meaning (day-of-week 1 = Sunday, ``?``, ``L``, ``W``, ``#``, optional year), so the
translation is exact: seconds ``0``, every other field validated and carried
over, the year kept unless it is ``*``. What is not a valid AWS expression raises
``CronError`` with a one-line reason.
"""

from __future__ import annotations

import re

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# field name, lowest, highest, names
FIELDS = [("minutes", 0, 59, None), ("hours", 0, 23, None), ("day-of-month", 1, 31, None),
          ("month", 1, 12, MONTHS), ("day-of-week", 1, 7, DAYS), ("year", 1970, 2199, None)]
_WRAPPED = re.compile(r"^\s*cron\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)


class CronError(ValueError):
    pass


def _value(token: str, low: int, high: int, names: list[str] | None, what: str) -> int:
    upper = token.upper()
    if names and upper in names:
        return names.index(upper) + low
    if not token.isdigit():
        raise CronError(f"{what}: {token!r} is not a number{' or name' if names else ''}")
    number = int(token)
    if not low <= number <= high:
        raise CronError(f"{what}: {number} is outside {low}-{high}")
    return number


def _check_field(text: str, index: int) -> str:
    what, low, high, names = FIELDS[index]
    if text == "?":
        if index not in (2, 4):
            raise CronError(f"{what}: '?' is only allowed in day-of-month and day-of-week")
        return text
    for part in text.split(","):
        if not part:
            raise CronError(f"{what}: empty list element in {text!r}")
        if index == 2 and re.fullmatch(r"L(-\d{1,2})?|LW|\d{1,2}W", part, re.IGNORECASE):
            if part.upper().endswith("W") and part.upper() != "LW":
                _value(part[:-1], 1, 31, None, what)
            if "," in text:
                raise CronError(f"{what}: {part!r} cannot be part of a list")
            continue
        if index == 4 and re.fullmatch(r"[A-Za-z0-9]+#[1-5]|[A-Za-z0-9]*L", part):
            day = part.split("#")[0] if "#" in part else part[:-1]
            if day:
                _value(day, low, high, names, what)
            if "," in text:
                raise CronError(f"{what}: {part!r} cannot be part of a list")
            continue
        base, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            raise CronError(f"{what}: bad increment in {part!r}")
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        first = _value(start, low, high, names, what)
        if dash:
            _value(end, low, high, names, what)
        elif step and first is None:
            raise CronError(f"{what}: bad increment in {part!r}")
    return text


def aws_fields(expression: str) -> list[str]:
    """The six validated fields of an AWS cron expression (``cron(...)`` or the bare fields)."""
    match = _WRAPPED.match(expression)
    body = match.group(1) if match else expression
    if not match and expression.strip().lower().startswith("rate("):
        raise CronError(f"{expression.strip()!r} is a rate expression; Glue triggers take cron(...) only")
    fields = body.split()
    if len(fields) != 6:
        raise CronError(f"{expression.strip()!r} has {len(fields)} fields; AWS cron has 6 "
                        "(minutes hours day-of-month month day-of-week year)")
    fields = [_check_field(text, index) for index, text in enumerate(fields)]
    if fields[2] == "?" and fields[4] == "?":
        raise CronError(f"{expression.strip()!r}: day-of-month and day-of-week cannot both be '?'")
    if fields[2] != "?" and fields[4] != "?":
        if fields[4] == "*":
            fields[4] = "?"          # '*' in both: every day (AWS rejects it, Quartz needs one '?')
        elif fields[2] == "*":
            fields[2] = "?"
        else:
            raise CronError(f"{expression.strip()!r}: one of day-of-month and day-of-week must be '?'")
    return fields


def to_quartz(expression: str) -> str:
    """AWS ``cron(m h dom mon dow y)`` -> Quartz ``s m h dom mon dow [y]`` (fires at the same instants, UTC)."""
    fields = aws_fields(expression)
    year = fields.pop()
    quartz = ["0", *fields]
    if year != "*":
        quartz.append(year)
    return " ".join(quartz)
