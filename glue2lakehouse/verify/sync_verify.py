"""``g2l sync --verify``: after the merge, verify the Glue jobs the sync changed and say so.

The Verified section goes at the end of the pull-request body (``--pr-body``) and into the snapshot's
note, where ``g2l report`` reads it back. Nothing here runs when the sync did not produce a snapshot
(up to date, dry run, error)."""

from __future__ import annotations

import json
from pathlib import Path


def verify_after_sync(repo, result, pr_body=None, spark=None):
    from glue2lakehouse.gitrepo import GitRepo
    from glue2lakehouse.verify.changed import verify_changed
    from glue2lakehouse.verify.verified import entries, record, with_section

    if result.snapshot is None or result.status in ("up-to-date", "would-merge", "would-conflict", "error", "conflicts"):
        return None
    report = verify_changed(result.snapshot, spark=spark, start=Path(repo).resolve())
    record(GitRepo(Path(repo).resolve()), result.snapshot, report)
    if pr_body:
        path = Path(pr_body).expanduser()
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(with_section(existing, json.loads(json.dumps(entries(report), default=str))),
                        encoding="utf-8")
    return report
