"""AWS cron(...) -> Quartz: a table of known pairs, errors, and a property test: both fire at the same instants
over a year (AWS side by croniter, Quartz side by a direct reading of Quartz's rules)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest
from croniter import croniter
from hypothesis import given, settings, strategies as st

from glue2lakehouse.estate.cron import CronError, to_quartz

TABLE = [
    ("cron(15 12 * * ? *)", "0 15 12 * * ?"),
    ("cron(0 18 ? * MON-FRI *)", "0 0 18 ? * MON-FRI"),
    ("cron(0 8 1 * ? *)", "0 0 8 1 * ?"),
    ("cron(0/15 * * * ? *)", "0 0/15 * * * ?"),
    ("cron(0/10 8-17 ? * 2-6 *)", "0 0/10 8-17 ? * 2-6"),
    ("cron(5,35 14 * * ? *)", "0 5,35 14 * * ?"),
    ("cron(0 10 ? * 6L 2026)", "0 0 10 ? * 6L 2026"),
    ("cron(0 9 ? * 2#1 *)", "0 0 9 ? * 2#1"),
    ("cron(0 0 15W * ? *)", "0 0 0 15W * ?"),
    ("cron(0 0 L * ? *)", "0 0 0 L * ?"),
    ("cron(30 22 LW * ? *)", "0 30 22 LW * ?"),
    ("cron(0 6 L-2 * ? *)", "0 0 6 L-2 * ?"),
    ("cron(0 12 ? JAN,APR,JUL,OCT MON#1 *)", "0 0 12 ? JAN,APR,JUL,OCT MON#1"),
    ("cron(0 4 1 1 ? 2027-2030)", "0 0 4 1 1 ? 2027-2030"),
    ("cron(0 2 * * * *)", "0 0 2 * * ?"),                # '*' in both day fields: every day
    ("  CRON(0 2 ? * SUN *)  ", "0 0 2 ? * SUN"),
    ("0 2 ? * SUN *", "0 0 2 ? * SUN"),                    # the fields without cron( )
]


@pytest.mark.parametrize("aws, quartz", TABLE)
def test_known_pairs(aws, quartz):
    assert to_quartz(aws) == quartz


@pytest.mark.parametrize("aws, message", [
    ("cron(0 25 * * ? *)", "hours: 25 is outside 0-23"),
    ("cron(61 1 * * ? *)", "minutes: 61 is outside 0-59"),
    ("cron(0 1 * * ?)", "has 5 fields"),
    ("cron(0 1 ? * ? *)", "cannot both be '?'"),
    ("cron(0 1 1 * MON *)", "must be '?'"),
    ("cron(0 1 ? * FOO *)", "'FOO' is not a number or name"),
    ("cron(0 1 ? * 8 *)", "8 is outside 1-7"),
    ("cron(0/0 1 * * ? *)", "bad increment"),
    ("cron(0 ? * * ? *)", "'?' is only allowed"),
    ("rate(5 minutes)", "rate expression"),
    ("", "has 0 fields"),
])
def test_errors_are_one_line(aws, message):
    with pytest.raises(CronError) as error:
        to_quartz(aws)
    assert message in str(error.value) and "\n" not in str(error.value)


# ---- the property: same instants over a year

DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def _values(field: str, low: int, high: int, names: list[str] | None = None) -> set[int]:
    out: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-")
            start, end = _number(a, low, names), _number(b, low, names)
        else:
            start = _number(base, low, names)
            end = high if step else start
        out |= set(range(start, end + 1, int(step) if step else 1))
    return out


def _number(text: str, low: int, names: list[str] | None) -> int:
    return names.index(text) + low if names and text in names else int(text)


def _quartz_days(dom: str, month: str, dow: str, year: str, first: date, last: date) -> set[date]:
    """Days a Quartz expression fires on, read from Quartz's documented rules."""
    months = _values(month, 1, 12, MONTHS)
    years = _values(year, 1970, 2199) if year else None
    out = set()
    day = first
    while day <= last:
        if day.month in months and (years is None or day.year in years):
            if _quartz_dom(dom, day) and _quartz_dow(dow, day):
                out.add(day)
        day += timedelta(days=1)
    return out


def _quartz_dom(field: str, day: date) -> bool:
    if field in ("?", "*"):
        return True
    length = calendar.monthrange(day.year, day.month)[1]
    if field == "L":
        return day.day == length
    if field.startswith("L-"):
        return day.day == length - int(field[2:])
    if field.endswith("W"):
        target = length if field == "LW" else int(field[:-1])
        target = min(target, length)
        wanted = date(day.year, day.month, target)
        if wanted.weekday() == 5:       # Saturday: the Friday before, unless that leaves the month
            wanted = wanted - timedelta(days=1) if target > 1 else wanted + timedelta(days=2)
        elif wanted.weekday() == 6:     # Sunday: the Monday after, unless that leaves the month
            wanted = wanted + timedelta(days=1) if target < length else wanted - timedelta(days=2)
        return day == wanted
    return day.day in _values(field, 1, 31)


def _quartz_dow(field: str, day: date) -> bool:
    if field in ("?", "*"):
        return True
    quartz_day = (day.weekday() + 1) % 7 + 1          # Quartz: 1 = Sunday .. 7 = Saturday
    if "#" in field:
        name, nth = field.split("#")
        return quartz_day == _number(name, 1, DAYS) and (day.day - 1) // 7 + 1 == int(nth)
    if field.endswith("L"):
        target = _number(field[:-1], 1, DAYS) if field != "L" else 7
        length = calendar.monthrange(day.year, day.month)[1]
        return quartz_day == target and day.day + 7 > length
    return quartz_day in _values(field, 1, 7, DAYS)


def quartz_instants(expression: str, first: date, last: date) -> set[datetime]:
    fields = expression.split()
    assert fields[0] == "0"
    minutes, hours = _values(fields[1], 0, 59), _values(fields[2], 0, 23)
    year = fields[6] if len(fields) > 6 else ""
    return {datetime(d.year, d.month, d.day, h, m) for d in _quartz_days(fields[3], fields[4], fields[5], year,
                                                                           first, last)
            for h in hours for m in minutes}


def _aws_dow_for_croniter(field: str) -> str:
    """AWS day-of-week (1 = Sunday) in croniter's numbering (0 = Sunday); names stay."""
    if field == "?":
        return "*"

    def shift(token: str) -> str:
        return str(int(token) - 1) if token.isdigit() else token

    out = []
    for part in field.split(","):
        if "#" in part:
            name, nth = part.split("#")
            out.append(f"{shift(name)}#{nth}")
        elif "-" in part:
            a, b = part.split("-")
            out.append(f"{shift(a)}-{shift(b)}")
        else:
            out.append(shift(part))
    return ",".join(out)


def aws_instants(aws: str, first: date, last: date) -> set[datetime]:
    """AWS's instants, computed by croniter (an independent, well-kept cron library)."""
    m, h, dom, mon, dow, year = aws[5:-1].split()
    dom = "*" if dom == "?" else dom
    expression = f"{m} {h} {dom} {mon} {_aws_dow_for_croniter(dow)}"
    iterator = croniter(expression, datetime(first.year, first.month, first.day) - timedelta(minutes=1))
    years = _values(year, 1970, 2199)
    out = set()
    while True:
        moment = iterator.get_next(datetime)
        if moment.date() > last:
            return out
        if moment.year in years:
            out.add(moment)


small = st.integers
minute_field = st.one_of(small(0, 59).map(str), st.lists(small(0, 59), min_size=2, max_size=3, unique=True)
                         .map(lambda v: ",".join(map(str, sorted(v)))),
                         st.tuples(small(0, 29), st.sampled_from([20, 30])).map(lambda t: f"{t[0]}/{t[1]}"))
hour_field = st.one_of(small(0, 23).map(str), st.tuples(small(0, 20), small(1, 3)).map(lambda t: f"{t[0]}-{t[0] + t[1]}"),
                       st.lists(small(0, 23), min_size=2, max_size=3, unique=True).map(lambda v: ",".join(map(str, sorted(v)))))
dom_field = st.one_of(st.just("*"), st.just("L"), small(1, 28).map(lambda d: f"{d}W"), small(1, 31).map(str),
                      st.tuples(small(1, 20), small(1, 10)).map(lambda t: f"{t[0]}-{t[0] + t[1]}"),
                      st.tuples(small(1, 9), small(2, 10)).map(lambda t: f"{t[0]}/{t[1]}"))
month_field = st.one_of(st.just("*"), small(1, 12).map(str), st.sampled_from(["JAN-MAR", "FEB,AUG", "3/4", "NOV"]))
dow_field = st.one_of(st.just("*"), small(1, 7).map(str), st.sampled_from(["MON-FRI", "SUN", "SAT,SUN", "2-4"]),
                      st.tuples(small(1, 7), small(1, 4)).map(lambda t: f"{t[0]}#{t[1]}"))
year_field = st.sampled_from(["*", "2026", "2026-2027", "2027"])


@st.composite
def aws_expressions(draw):
    if draw(st.booleans()):
        dom, dow = draw(dom_field), "?"
    else:
        dom, dow = "?", draw(dow_field)
    return f"cron({draw(minute_field)} {draw(hour_field)} {dom} {draw(month_field)} {dow} {draw(year_field)})"


@settings(max_examples=60, deadline=None)
@given(aws_expressions())
def test_quartz_fires_at_the_same_instants_over_a_year(aws):
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    assert quartz_instants(to_quartz(aws), first, last) == aws_instants(aws, first, last)


@pytest.mark.parametrize("aws", [aws for aws, _ in TABLE if "L-" not in aws and "LW" not in aws and "6L" not in aws
                                 and "2027" not in aws])
def test_table_fires_at_the_same_instants(aws):
    aws = "cron(" + aws.strip().removeprefix("CRON(").removeprefix("cron(").removesuffix(")") + ")"
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    assert quartz_instants(to_quartz(aws), first, last) == aws_instants(aws, first, last)
