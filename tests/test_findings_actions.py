"""Findings as actions: one per thing a person has to do, listing its items; nothing for what needs no action.

Data-driven over the estate cases' expected findings (fixtures/estate/*/<case>/after/findings.txt, the
converters' real output), plus the risk platform sample estate end to end through g2l init.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from glue2lakehouse.review.actions import GROUPED, NO_ACTION, action_count, action_keys, group, needs_action

from .conftest import FIXTURES
from .helpers import commit_all, g2l, new_repo

LINE = re.compile(r"^(?P<file>.*?):(?P<line>\d+) \[(?P<rule>[^\]]+)\] (?P<message>.*)$")
CASES = sorted(p for p in (FIXTURES / "estate").glob("*/*/after/findings.txt"))


def findings_of(path) -> list[dict]:
    out = []
    for text in path.read_text().splitlines():
        match = LINE.match(text)
        assert match, text
        out.append({**match.groupdict(), "line": int(match["line"])})
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.parent.parent.name}/{p.parent.parent.name}" for p in CASES])
def test_each_action_is_distinct_and_accounts_for_its_findings(case):
    findings = findings_of(case)
    actions = group(findings)
    # every finding that needs an action is in exactly one action; the others in none
    counted = Counter(id(f) for a in actions for f in a.findings)
    for finding in findings:
        assert counted[id(finding)] == (1 if needs_action(finding) else 0), finding
    # no action is repeated, and no item within an action
    assert len({(a.rule, a.action) for a in actions}) == len(actions)
    for action in actions:
        assert len(action.items) == len(set(action.items)) and action.items
    # per-item findings of the grouped kinds are one action per kind
    texts = {text for _, _, text in GROUPED}
    assert len([a for a in actions if a.action in texts]) == len({a.action for a in actions if a.action in texts})


def test_per_table_and_per_variable_findings_become_one_action_listing_them():
    findings = [
        {"file": "ddl/a.sql", "line": 3, "rule": "ddl-properties",
         "message": "table t1: Glue table properties dropped: classification"},
        {"file": "ddl/a.sql", "line": 3, "rule": "ddl-table",
         "message": "table t1: a managed Delta table now; the data at s3://b/t1/ is not moved: load it once (COPY INTO or CTAS)"},
        {"file": "ddl/b.sql", "line": 9, "rule": "ddl-table",
         "message": "table t2: a managed Delta table now; the data at s3://b/t2/ is not moved: load it once (COPY INTO or CTAS)"},
        {"file": "infra/main.tf", "line": 4, "rule": "estate-variable",
         "message": "'var.env' is only known when Terraform applies: kept as bundle variable var.env; set it in databricks.yml"},
        {"file": "infra/jobs.tf", "line": 7, "rule": "estate-variable",
         "message": "'var.env' is only known when Terraform applies: kept as bundle variable var.env; set it in databricks.yml"},
        {"file": "infra/jobs.tf", "line": 8, "rule": "estate-variable",
         "message": "'var.bucket' is only known when Terraform applies: kept as bundle variable var.bucket (default 'b')"},
        {"file": "jobs/x.py", "line": 10, "rule": "spigot", "message": "Spigot: the sample is not written"},
        {"file": "jobs/y.py", "line": 4, "rule": "spigot", "message": "Spigot: the sample is not written"},
    ]
    actions = group(findings)
    assert [(a.rule, a.items) for a in actions] == [
        ("ddl-table", ["t1 (s3://b/t1/)", "t2 (s3://b/t2/)"]),
        ("estate-variable", ["env"]),
        ("spigot", ["jobs/x.py:10", "jobs/y.py:4"]),
    ]
    assert actions[0].text().startswith("[ddl-table] load the existing data of these tables once")
    assert actions[2].text() == "jobs/x.py:10, jobs/y.py:4 [spigot] Spigot: the sample is not written"
    assert [w for w in actions[1].as_dict()["where"]] == ["infra/jobs.tf:7", "infra/main.tf:4"]


# Messages of every kind the tables know (a grouped item, a no-action record, any other text), with the rules they
# belong to and rules they do not: the count must be group's whatever mix a report holds.
_MESSAGES = st.sampled_from([
    "job 'nightly_load': Role is not converted (grant its principal)",
    "job 'orders_daily': Role is not converted (grant its principal)",
    "'var.env' is only known when Terraform applies: kept as bundle variable var.env; set it in databricks.yml",
    "'var.bucket' is only known when Terraform applies: kept as bundle variable var.bucket (default 'b')",
    "table t1: a managed Delta table now; the data at s3://b/t1/ is not moved: load it once (COPY INTO or CTAS)",
    "table t1: Glue table properties dropped: classification",
    "argument --enable-metrics dropped: Databricks has its own metrics",
    "Spigot: the sample is not written",
    "trigger 'after_load' passes --day to 'orders_daily': used as the task's fixed parameter",
])
_RULES = st.sampled_from(sorted({rule for rule, *_ in GROUPED} | {rule for rule, _ in NO_ACTION} | {"spigot", "sql"}))
_FINDINGS = st.lists(st.fixed_dictionaries({"file": st.sampled_from(["jobs/a.py", "infra/jobs.tf", "ddl/t.sql"]),
                                            "line": st.integers(1, 40), "rule": _RULES, "message": _MESSAGES}),
                     max_size=40)


@settings(max_examples=300, deadline=None)
@given(_FINDINGS, st.data())
def test_the_action_count_is_the_number_of_actions_group_makes(findings, data):
    """Counted over every finding, or with the keys of the last findings known already (the estate's, kept with the
    estate a sync carries over): the number of actions ``group`` makes."""
    assert action_count(findings) == len(group(findings))
    tail = data.draw(st.integers(0, len(findings)))
    known = (tail, action_keys(findings[len(findings) - tail:]))
    assert action_count(findings, known) == len(group(findings))


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.parent.parent.name}/{p.parent.parent.name}" for p in CASES])
def test_the_action_count_of_each_estate_case_is_its_number_of_actions(case):
    findings = findings_of(case)
    assert action_count(findings) == len(group(findings))
