"""SyncResult and its text / JSON renderings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone

from glue2lakehouse.errors import EXIT_CONFLICTS, EXIT_ERROR, EXIT_OK


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


_SCALARS = (str, int, float, bool, type(None))


def _plain(value):
    if isinstance(value, dict):
        # A finding's dict holds scalars only: copied without a call per value (thousands of findings a sync).
        return {k: v if type(v) in _SCALARS else _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


@dataclass
class SyncResult:
    """The outcome of ``initial_migration`` / ``sync``: the guide's fields first."""

    success: bool = True
    files_synced: int = 0
    files_protected: int = 0
    files_skipped: int = 0
    glue_changes_applied: int = 0
    databricks_code_preserved: int = 0
    conflicts: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timestamp: str = field(default_factory=now_iso)
    # What happened, for people and machines.
    kind: str = "sync"                      # "initial_migration" or "sync"
    status: str = "merged"  # merged | staged | up-to-date | conflicts | conflicts-committed | would-merge | would-conflict | error
    dry_run: bool = False
    branch: str | None = None
    glue_commit: str | None = None
    glue_previous: str | None = None
    snapshot: str | None = None
    merge_commit: str | None = None
    changes: list[dict] = field(default_factory=list)
    preserved: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    verified: list[dict] | None = None      # sync --verify: the verdicts (verify/verified.py); absent without it
    # (n, the keys of the actions the last n findings ask for: the estate's, kept with it), for the closing count;
    # not part of the report.
    estate_actions: tuple | None = field(default=None, repr=False, compare=False, metadata={"reported": False})

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        return EXIT_CONFLICTS if self.conflicts else EXIT_OK

    def to_dict(self, copy: bool = True) -> dict:
        """The result as plain values: a copy (dataclasses.asdict deep-copies every leaf: slow for thousands of
        findings), or with ``copy=False`` the result's own lists and dicts, for a caller that only reads them (the
        report written to the snapshot's note)."""
        data = {f.name: _plain(getattr(self, f.name)) if copy else getattr(self, f.name) for f in fields(self)
                if f.metadata.get("reported", True)}
        if self.verified is None:
            del data["verified"]
        data["exit_code"] = self.exit_code
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    def render_text(self) -> str:
        lines = []
        title = {
            "merged": "Glue changes merged",
            "up-to-date": "Up to date: the Glue source has not changed since the last sync",
            "conflicts": "Merge left in progress with conflicts",
            "conflicts-committed": "Merge committed with its conflict markers on the sync branch (for a draft pull request)",
            "staged": "Merge staged, not committed (--no-commit): review it, then 'git commit'",
            "would-merge": "Dry run: the sync would merge cleanly",
            "would-conflict": "Dry run: the sync would conflict",
            "error": "Sync failed",
        }.get(self.status, self.status)
        if self.kind == "initial_migration" and self.status == "merged":
            title = "Initial migration committed"
        lines.append(title)
        if self.glue_commit:
            previous = f" (previous {self.glue_previous[:12]})" if self.glue_previous else ""
            lines.append(f"  Glue commit: {self.glue_commit[:12]}{previous}")
        if self.branch:
            lines.append(f"  Branch: {self.branch}")
        lines.append(f"  Files synced: {self.files_synced}   applied: {self.glue_changes_applied}   "
                     f"protected: {self.files_protected}   skipped: {self.files_skipped}   "
                     f"Databricks code preserved: {self.databricks_code_preserved}")
        if self.changes and self.kind != "initial_migration":
            lines.append("  Glue changed:")
            for change in self.changes:
                old = f" (from {change['old_path']})" if change.get("old_path") else ""
                lines.append(f"    {change['change']:<9} {change['path']}{old}")
        if self.preserved:
            lines.append("  Preserved:")
            for item in self.preserved:
                lines.append(f"    {item['path']}: {item['why']}")
        if self.overlaps:
            lines.append("  Glue changes not applied inside protected regions:")
            for item in self.overlaps:
                lines.append(f"    {item['file']} (region at lines {item['region']['start']}-{item['region']['end']})")
                for glue_line in item["glue"].splitlines() or ["(lines deleted)"]:
                    lines.append(f"      + {glue_line}")
        if self.conflicts:
            lines.append("  Conflicts:")
            for conflict in self.conflicts:
                where = f" (line {', '.join(str(n) for n in conflict['lines'])})" if conflict.get("lines") else ""
                lines.append(f"    {conflict['file']}{where}: {conflict['reason']}")
            if not self.dry_run and self.status != "conflicts-committed":
                lines.append("  Resolve the markers, then 'git add' the files and 'git commit' (or 'git merge --abort').")
        if self.findings:
            from glue2lakehouse.review.actions import action_count

            actions = action_count(self.findings, self.estate_actions)
            lines.append(f"  Findings: {actions} action(s) from {len(self.findings)} finding(s) "
                         "(see 'g2l conflicts')")
        if self.merge_commit:
            lines.append(f"  Commit: {self.merge_commit[:12]}")
        for error in self.errors:
            lines.append(f"  error: {error}")
        return "\n".join(lines)
