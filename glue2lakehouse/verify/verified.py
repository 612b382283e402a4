"""The "Verified" section a sync carries: per changed job its verdict, a one-line reason, and for a
difference its small example. Kept with the snapshot's report (its git note) so ``g2l report`` and
anyone reading the notes see it again."""

from __future__ import annotations

import json

from glue2lakehouse.verify.batch import render_example


def entries(report) -> list[dict]:
    return [{"job": j.job, "verdict": j.verdict, **({"reason": j.reason} if j.reason else {}),
             **({"example": j.example} if j.example else {})} for j in report.jobs]


def markdown(report) -> str:
    """The section as Markdown (pull-request body)."""
    return section(entries(report))


def section(verified: list[dict]) -> str:
    lines = ["## Verified", ""]
    if not verified:
        lines.append("No Glue job changed in this sync: nothing to verify.")
        return "\n".join(lines) + "\n"
    lines.append("Each changed job ran under the Glue emulator and as converted, on inputs made from the job.")
    lines.append("")
    for job in verified:
        lines.append(f"- `{job['job']}`: **{job['verdict']}**" + (f": {job['reason']}" if job.get("reason") else ""))
        if job.get("example"):
            lines += ["", "  ```text"] + ["  " + line for line in render_example(job["example"])] + ["  ```", ""]
    return "\n".join(lines) + "\n"


def with_section(body: str, verified: list[dict]) -> str:
    """A pull-request body with the Verified section at its end (the same text g2l report prints)."""
    return (body.rstrip("\n") + "\n\n" if body.strip() else "") + section(verified)


def short(report) -> str:
    """One line per job, for the merge message's short form."""
    return "\n".join(f"Verified: {job.job}: {job.verdict}" + (f" ({job.reason})" if job.reason else "")
                     for job in report.jobs)


def record(repo, commit: str, report) -> None:
    """Add the verdicts to the snapshot's note (its report as JSON), keeping everything else in it."""
    text = repo.note(commit)
    try:
        document = json.loads(text) if text else {}
    except ValueError:
        document = {}
    document["verified"] = json.loads(json.dumps(entries(report), default=str))
    repo.set_note(commit, json.dumps(document, indent=1, default=str))   # inputs keep their order


def recorded(repo, commit: str) -> list[dict] | None:
    text = repo.note(commit)
    try:
        return json.loads(text).get("verified") if text else None
    except (ValueError, AttributeError):
        return None
