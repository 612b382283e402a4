"""Findings as actions: what a person has to do, once per action, with the items it applies to.

The converters report in detail (one finding per table, per job, per variable, per line). A
reviewer needs the other view: "load the data of these 12 tables once" is one thing to do,
not 12; "Glue table properties dropped: classification" is nothing to do at all. ``group``
turns the detailed findings into that view; the detail stays where it was (the snapshot's
note, ``g2l conflicts --all``, the JSON report).

Rules are data: ``GROUPED`` maps a finding (rule + a pattern over its message, naming the
item) to the action it asks for; ``NO_ACTION`` lists findings that record what was done and
ask nothing. Any other finding is an action of its own; findings with the same rule and the
same message (the same construct flagged on many lines) are one action listing where.
Pure: dicts in (file, line, rule, message), dicts out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# (rule, message pattern with an ``item`` group, the action it asks for)
GROUPED = [
    ("ddl-table", r"table (?P<item>\S+): a managed Delta table now; the data at (?P<where>\S+) is not moved",
     'load the existing data of these tables once into their managed Delta tables (COPY INTO or CTAS), '
     'or set [ddl] tables = "external" to keep it where it is'),
    ("estate-field", r"job '(?P<item>[^']*)': Role is not converted",
     "grant the job owner or run_as of these jobs the Unity Catalog privileges their Glue IAM role had"),
    ("estate-connection", r"Glue connection '(?P<item>[^']*)' becomes secrets",
     "create the secrets <connection>-url, -user and -password in scope 'glue-connections' for these Glue "
     "connections (the converted code reads them)"),
    ("estate-variable", r"kept as bundle variable var\.(?P<item>\w+); set it",
     "set these bundle variables (values only a deployment knew) in databricks.yml, per target"),
    ("estate-trigger", r"trigger '(?P<trigger>[^']*)' passes (?P<args>.*) to '(?P<item>[^']*)': used as the task's",
     "check these trigger arguments: they are the tasks' fixed parameters now, also for runs started by hand"),
    ("estate-argument", r"job '(?P<item>[^']*)': the script requires (?P<arg>--\S+), which has no default",
     "pass these job parameters when you run the jobs (Glue got them per run)"),
    ("estate-compute", r"job '(?P<item>[^']*)' sets no capacity",
     "check the cluster size of these jobs (Glue's default of 10 workers is assumed)"),
    ("estate-compute", r"job '(?P<item>[^']*)' runs on serverless compute, a Spark 4 runtime with ANSI mode on",
     'turn ANSI mode off in the scripts of these serverless jobs (spark.conf.set("spark.sql.ansi.enabled", "false")): '
     "casts Glue turns into null raise under ANSI"),
    ("ddl-schema", r"database (?P<item>\S+): LOCATION dropped",
     "set MANAGED LOCATION on these schemas if their tables need storage of their own"),
]
# (rule, message pattern): findings that record what was done and ask nothing.
NO_ACTION = [
    ("ddl-properties", r"Glue table properties dropped"),
    ("estate-argument-dropped", r""),
    ("ddl-partitions", r"dropped: a Delta table tracks its own partitions"),
    ("estate-bookmark", r"runs with job-bookmark-\w+: its reads with a transformation_ctx are flagged in the script"),
    ("estate-variable", r"kept as bundle variable var\.\w+ \(default "),
    ("estate-variable", r"its default .* is used"),
]
_GROUPED = [(rule, re.compile(pattern), action) for rule, pattern, action in GROUPED]
_NO_ACTION = [(rule, re.compile(pattern)) for rule, pattern in NO_ACTION]
# The same tables by rule: a finding is matched against its own rule's patterns only (thousands of findings a sync).
_GROUPED_BY_RULE: dict[str, list] = {}
for _rule, _pattern, _action in _GROUPED:
    _GROUPED_BY_RULE.setdefault(_rule, []).append((_rule, _pattern, _action))
_NO_ACTION_BY_RULE: dict[str, list] = {}
for _rule, _pattern in _NO_ACTION:
    _NO_ACTION_BY_RULE.setdefault(_rule, []).append(_pattern)


@dataclass
class Action:
    rule: str
    action: str
    items: list[str] = field(default_factory=list)      # what it applies to, in order, each once
    findings: list[dict] = field(default_factory=list)  # the detailed findings it stands for

    def as_dict(self) -> dict:
        return {"rule": self.rule, "action": self.action, "items": self.items,
                "where": sorted({f"{f['file']}:{f['line']}" for f in self.findings}, key=_where_key)}

    @property
    def grouped(self) -> bool:
        """An action of the GROUPED table (items are names), not a finding standing for itself (items are places)."""
        return self.action != self.findings[0].get("message")

    def text(self) -> str:
        if not self.grouped:
            return f"{', '.join(self.items)} [{self.rule}] {self.action}"
        return f"[{self.rule}] {self.action} ({len(self.items)}): {', '.join(self.items)}"


def _where_key(where: str):
    path, _, line = where.rpartition(":")
    return path, int(line) if line.isdigit() else 0


def needs_action(finding: dict) -> bool:
    """False for findings that only record what was converted or dropped (nothing for a person to do)."""
    patterns = _NO_ACTION_BY_RULE.get(finding.get("rule"))
    if not patterns:
        return True
    message = finding.get("message", "")
    return not any(pattern.search(message) for pattern in patterns)


def _classified(finding: dict):
    """(the key of the action ``finding`` asks for, the match naming its item in a grouped action, else None); None
    for a finding that asks for no action."""
    if not needs_action(finding):
        return None
    rule, message = finding.get("rule", ""), finding.get("message", "")
    for _, pattern, text in _GROUPED_BY_RULE.get(rule, ()):
        match = pattern.search(message)
        if match:
            return (rule, text), match
    return (rule, message), None


def group(findings: list[dict]) -> list[Action]:
    """The actions the findings ask for: one per distinct action, listing its items; no-action findings left out."""
    actions: dict[tuple, Action] = {}
    listed: dict[tuple, set] = {}   # each action's items, for the membership test (a list is searched end to end)
    for finding in findings:
        classified = _classified(finding)
        if classified is None:
            continue
        key, match = classified
        if match is not None:
            item = match.group("item")
            extra = [v for k, v in match.groupdict().items() if k != "item" and v]
            if extra:
                item = f"{item} ({', '.join(extra)})"
        else:
            item = f"{finding.get('file')}:{finding.get('line')}"
        action = actions.get(key)
        if action is None:
            action = actions[key] = Action(*key)
            listed[key] = set()
        if item not in listed[key]:
            listed[key].add(item)
            action.items.append(item)
        action.findings.append(finding)
    return list(actions.values())


# Rules whose every finding asks for nothing (a no-action pattern that matches any message).
_NEVER_ACTION = frozenset(rule for rule, patterns in _NO_ACTION_BY_RULE.items() if any(not p.pattern for p in patterns))


def action_keys(findings: list[dict]) -> frozenset:
    """The keys of the actions ``group(findings)`` builds, without building them (the findings of a rule that never
    asks for an action are passed over without a call)."""
    never = _NEVER_ACTION
    return frozenset(classified[0] for classified in map(_classified, (f for f in findings if f.get("rule") not in never))
                     if classified is not None)


def action_count(findings: list[dict], tail: tuple[int, frozenset] | None = None) -> int:
    """``len(group(findings))``: the sync's closing line counts the actions of every finding of the report,
    thousands of the estate's among them. ``tail``: (n, ``action_keys`` of the last n findings), known already
    (the estate's, kept with the estate a sync carries over)."""
    if tail is not None and 0 < tail[0] <= len(findings):
        return len(action_keys(findings[:len(findings) - tail[0]]) | tail[1])
    return len(action_keys(findings))


def breakdown(actions: list[Action]) -> dict[str, int]:
    """Rule -> number of actions (for a closing count)."""
    out: dict[str, int] = {}
    for action in actions:
        out[action.rule] = out.get(action.rule, 0) + 1
    return dict(sorted(out.items()))
