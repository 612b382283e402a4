"""The semantic change summary of a sync: facts of two Glue snapshots diffed, rendered as
Markdown (the pull request body), short text (the merge commit message) and JSON.

Pure: the caller hands in file contents, findings, conflicts and what was preserved.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter

from glue2lakehouse.review.actions import group
from glue2lakehouse.review.semantics import Facts, changed_facts

_OVERWRITING = {"overwrite", "purge"}


@dataclass
class Item:
    """One change in meaning: ``what`` (table read, column, ...), ``change`` (added/removed/changed)."""

    what: str
    change: str
    subject: str
    old: str | None = None
    new: str | None = None
    risk: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def text(self) -> str:
        if self.change == "changed":
            body = f"{self.what} {self.subject}: {self.old} -> {self.new}"
        else:
            detail = f" ({self.new or self.old})" if (self.new or self.old) else ""
            body = f"{self.what} {self.change}: {self.subject}{detail}"
        return body + (f" [RISK: {self.risk}]" if self.risk else "")

    def markdown(self) -> str:
        if self.change == "changed":
            body = f"**{self.what}** `{self.subject}`: `{self.old}` → `{self.new}`"
        else:
            detail = f" ({self.new or self.old})" if (self.new or self.old) else ""
            body = f"**{self.what}** {self.change}: `{self.subject}`{detail}"
        return (f"**Risk:** {self.risk}. " if self.risk else "") + body


@dataclass
class FileSummary:
    path: str
    change: str
    old_path: str | None = None
    items: list[Item] = field(default_factory=list)
    unreadable: bool = False

    def as_dict(self) -> dict:
        data = {"path": self.path, "change": self.change, "items": [i.as_dict() for i in self.items]}
        if self.old_path:
            data["old_path"] = self.old_path
        if self.unreadable:
            data["unreadable"] = True
        return data


@dataclass
class Summary:
    glue_commit: str | None = None
    glue_previous: str | None = None
    files: list[FileSummary] = field(default_factory=list)
    new_findings: list[dict] = field(default_factory=list)
    resolved_findings: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    preserved: list[dict] = field(default_factory=list)
    verified: list[dict] | None = None   # g2l sync --verify: the verdicts kept in the snapshot's note

    @property
    def risks(self) -> list[tuple[str, Item]]:
        return [(f.path, i) for f in self.files for i in f.items if i.risk]

    def as_dict(self) -> dict:
        return {"glue_commit": self.glue_commit, "glue_previous": self.glue_previous,
                "files": [f.as_dict() for f in self.files],
                "findings": {"new": self.new_findings, "resolved": self.resolved_findings},
                "actions": {"new": [a.as_dict() for a in group(self.new_findings)],
                            "resolved": [a.as_dict() for a in group(self.resolved_findings)]},
                "conflicts": self.conflicts, "preserved": self.preserved,
                "risks": [{"file": p, **i.as_dict()} for p, i in self.risks],
                **({"verified": self.verified} if self.verified is not None else {})}

    # ---------------------------------------------------------- renderings
    def markdown(self) -> str:
        out = []
        span = f"`{self.glue_previous[:12]}` → `{self.glue_commit[:12]}`" if self.glue_previous else \
            f"`{(self.glue_commit or '?')[:12]}` (initial migration)"
        if self.conflicts:
            out += [f"> **This sync has {len(self.conflicts)} conflict(s)**: resolve the diff3 markers "
                    "(`g2l check` finds any left), then mark the pull request ready.", ""]
            out += ["## Conflicts", ""]
            out += [f"- {_conflict_md(c)}" for c in self.conflicts]
            out.append("")
        out += [f"# Glue sync {span}", ""]
        risks = self.risks
        if risks:
            out += ["## Needs a decision", ""]
            out += [f"- `{path}`: {item.markdown()}" for path, item in risks]
            out.append("")
        out += ["## What Glue changed in meaning", ""]
        if not self.files:
            out += ["Nothing: the Glue source is the same as at the last sync.", ""]
        for file in self.files:
            moved = f" (from `{file.old_path}`)" if file.old_path else ""
            out.append(f"### `{file.path}` ({file.change}{moved})")
            out.append("")
            if file.unreadable:
                out.append("- the file does not parse as Python; its meaning was not read")
            if not file.items and not file.unreadable:
                out.append("- no change to tables, arguments, columns, joins, filters or write modes")
            out += [f"- {item.markdown()}" for item in file.items]
            out.append("")
        out += ["## Transform findings", ""]
        if not self.new_findings and not self.resolved_findings:
            out += ["No finding is new in this sync, and none was resolved.", ""]
        for title, findings in (("New in this sync", self.new_findings),
                                ("Resolved by this sync", self.resolved_findings)):
            if findings:
                actions = group(findings)
                out += [f"{title} ({len(actions)} action(s) from {len(findings)} finding(s); every finding: "
                        "`g2l report --json`, `g2l conflicts --all`):", ""]
                out += [f"- {_action_md(a)}" for a in actions] or ["- none needs an action"]
                out.append("")
        if self.preserved:
            out += ["## Preserved", ""]
            out += [f"- `{p['path']}`: {p['why']}" for p in self.preserved]
            out.append("")
        out.append("_Regenerate with `g2l report --markdown`; line provenance with `g2l blame FILE`._")
        text = "\n".join(out) + "\n"
        if self.verified is not None:
            from glue2lakehouse.verify.verified import with_section

            text = with_section(text, self.verified)
        return text

    def text_lines(self) -> list[str]:
        """Concise lines for the merge commit message."""
        lines = []
        for file in self.files:
            if file.items or file.unreadable:
                lines.append(f"  {file.path} ({file.change}):")
                lines += [f"    {item.text()}" for item in file.items]
                if file.unreadable:
                    lines.append("    does not parse as Python; meaning not read")
        if self.new_findings or self.resolved_findings:
            lines.append(f"  transform findings: {len(self.new_findings)} new, {len(self.resolved_findings)} resolved")
            lines += [f"    new: {f['file']}:{f['line']} [{f['rule']}]" for f in self.new_findings]
            lines += [f"    resolved: {f['file']} [{f['rule']}]" for f in self.resolved_findings]
        return ["Glue changed in meaning:"] + lines if lines else []


def _action_md(action) -> str:
    if not action.grouped:
        return f"{', '.join(f'`{i}`' for i in action.items)} [{action.rule}] {action.action}"
    items = ", ".join(f"`{i}`" for i in action.items)
    return f"[{action.rule}] {action.action} ({len(action.items)}): {items}"


def _conflict_md(conflict: dict) -> str:
    ranges = conflict.get("ranges")
    if ranges:
        where = ", ".join(f"lines {a}-{b}" for a, b in ranges)
    elif conflict.get("lines"):
        where = "line " + ", ".join(str(n) for n in conflict["lines"])
    else:
        where = ""
    return f"`{conflict['file']}`" + (f" ({where})" if where else "") + f": {conflict['reason']}"


# ------------------------------------------------------------------ the diff
def diff_facts(old: Facts, new: Facts) -> list[Item]:
    items: list[Item] = []
    reads_added = sorted(set(new.reads) - set(old.reads))
    reads_removed = sorted(set(old.reads) - set(new.reads))
    items += [Item("table read", "added", t, new=new.reads[t]) for t in reads_added]
    items += [Item("table read", "removed", t, old=old.reads[t]) for t in reads_removed]
    for target in sorted(set(new.writes) - set(old.writes)):
        mode = _mode(new.writes[target])
        risk = f"writes with {mode}" if set(new.writes[target]) & _OVERWRITING else None
        items.append(Item("table written", "added", target, new=mode, risk=risk))
    items += [Item("table written", "removed", t, old=_mode(old.writes[t])) for t in sorted(set(old.writes) - set(new.writes))]
    for target in sorted(set(old.writes) & set(new.writes)):
        before, after = _mode(old.writes[target]), _mode(new.writes[target])
        if before != after:
            risk = None
            if (set(new.writes[target]) & _OVERWRITING) != (set(old.writes[target]) & _OVERWRITING):
                risk = ("existing data is replaced instead of added to" if set(new.writes[target]) & _OVERWRITING
                        else "rows are now added to existing data instead of replacing it")
            items.append(Item("write mode", "changed", target, old=before, new=after, risk=risk))
    items += [Item("argument", "added", f"--{a}") for a in sorted(new.arguments - old.arguments)]
    items += [Item("argument", "removed", f"--{a}") for a in sorted(old.arguments - new.arguments)]
    for column in sorted(set(new.columns) - set(old.columns)):
        items.append(Item("column", "added", column, new=new.columns[column]))
    for column in sorted(set(old.columns) - set(new.columns)):
        items.append(Item("column", "removed", column, old=old.columns[column]))
    for column in sorted(set(old.columns) & set(new.columns)):
        if old.columns[column] and new.columns[column] and old.columns[column] != new.columns[column]:
            items.append(Item("column type", "changed", column, old=old.columns[column], new=new.columns[column]))
    items += [Item("join", "added", j) for j in sorted(new.joins - old.joins)]
    items += [Item("join", "removed", j) for j in sorted(old.joins - new.joins)]
    items += [Item("filter", "added", f) for f in sorted(new.filters - old.filters)]
    items += [Item("filter", "removed", f) for f in sorted(old.filters - new.filters)]
    for key in sorted(set(old.job) | set(new.job)):
        before, after = old.job.get(key), new.job.get(key)
        if before == after:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        items.append(Item("job definition", change, key, old=before, new=after))
    return items


def _mode(modes: set[str]) -> str:
    return "+".join(sorted(modes))


def finding_key(finding: dict) -> tuple:
    return finding["file"], finding["rule"], finding["message"]


_KEY = itemgetter("file", "rule", "message")   # finding_key, counted in C


def diff_findings(old: list[dict], new: list[dict]) -> tuple[list[dict], list[dict]]:
    """Findings new in ``new`` and resolved since ``old`` (matched by file, rule and message, not line)."""
    # The findings both lists end with (those of the definitions, when they did not change) are left out first:
    # removing the same findings from both leaves the difference, and the first findings of each key, the same.
    common = _common_tail(old, new)
    if common:
        old, new = old[:len(old) - common], new[:len(new) - common]
    before, after = Counter(map(_KEY, old)), Counter(map(_KEY, new))
    if before == after:   # a sync whose changes did not add or resolve any finding
        return [], []
    added, gone = after - before, before - after
    return _take(new, added), _take(old, gone)


def _common_tail(old: list[dict], new: list[dict]) -> int:
    """How many equal findings ``old`` and ``new`` end with."""
    most = min(len(old), len(new))
    if most and old[-most:] == new[-most:]:   # one comparison in C when one list ends with the whole other
        return most
    count = 0
    for before, after in zip(reversed(old), reversed(new)):
        if before != after:
            break
        count += 1
    return count


def _take(findings: list[dict], counts: Counter) -> list[dict]:
    """The first ``counts[key]`` findings of each key, in order."""
    out = []
    if counts:
        for finding in findings:
            key = _KEY(finding)
            if counts.get(key, 0) > 0:
                counts[key] -= 1
                out.append(finding)
    return out


def summarize(changes: list[dict], old_files: dict[str, bytes | None], new_files: dict[str, bytes | None],
              old_findings: list[dict], new_findings: list[dict], conflicts: list[dict] | None = None,
              preserved: list[dict] | None = None, glue_commit: str | None = None,
              glue_previous: str | None = None) -> Summary:
    """``changes`` are the Glue file changes (dicts with change, path, old_path); files map path -> content."""
    files = []
    for change in changes:
        path, old_path = change["path"], change.get("old_path")
        old, new = changed_facts(old_path or path, old_files.get(old_path or path), path, new_files.get(path))
        files.append(FileSummary(path, change["change"], old_path, diff_facts(old, new),
                                 unreadable=not new.parsed))
    new_items, resolved = diff_findings(old_findings, new_findings)
    return Summary(glue_commit, glue_previous, files, new_items, resolved, list(conflicts or []),
                   list(preserved or []))
