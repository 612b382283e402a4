"""The "Verified" section a sync carries: per changed job its verdict, a one-line reason, and for a
difference its small example. In the pull-request body (Markdown), in the merge message (its short form,
plain text), and kept with the snapshot's report (its git note) so ``g2l report`` shows it again.

The verdicts are plain dicts (``entries``): ``{"job", "verdict", "reason"?, "example"?}``. When the
verification itself failed, the one entry has ``"job": null`` and the reason says why: the sync is kept."""

from __future__ import annotations

import json

EXAMPLE_LINES = 40   # the merge message shows at most this much of an example (what each side wrote
                     # first, then the inputs); the body and g2l report show it whole
MESSAGE_ROWS = 3     # and at most this many rows of each of its tables


def entries(report) -> list[dict]:
    rows = [{"job": j.job, "verdict": j.verdict, **({"reason": j.reason} if j.reason else {}),
             **({"example": j.example} if j.example else {})} for j in report.jobs]
    return json.loads(json.dumps(rows, default=str))


def failed(why: str) -> list[dict]:
    """The verdicts of a verification that could not run: one entry, no job, the reason."""
    return [{"job": None, "verdict": "not verified", "reason": f"verification failed: {why}"}]


def _example(job: dict, max_rows: int | None = None) -> list[str]:
    from glue2lakehouse.verify.batch import render_example

    return render_example(job["example"], max_rows) if job.get("example") else []


def section(verified: list[dict]) -> str:
    lines = ["## Verified", ""]
    if not verified:
        lines.append("No Glue job changed in this sync: nothing to verify.")
        return "\n".join(lines) + "\n"
    if len(verified) == 1 and verified[0].get("job") is None:
        lines.append(f"Nothing was verified: {verified[0].get('reason')}. The sync itself is complete; "
                     "run `g2l verify --changed` once that is fixed.")
        return "\n".join(lines) + "\n"
    lines.append("Each changed job ran under the Glue emulator and as converted, on inputs made from the job.")
    lines.append("")
    for job in verified:
        lines.append(f"- `{job['job']}`: **{job['verdict']}**" + (f": {job['reason']}" if job.get("reason") else ""))
        example = _example(job)
        if example:
            lines += ["", "  ```text"] + ["  " + line for line in example] + ["  ```", ""]
    return "\n".join(lines) + "\n"


def with_section(body: str, verified: list[dict]) -> str:
    """A pull-request body with the Verified section at its end (the same text g2l report prints)."""
    return (body.rstrip("\n") + "\n\n" if body.strip() else "") + section(verified)


def message_lines(verified: list[dict]) -> list[str]:
    """The merge message's short form: one line per job, and under a difference its small example."""
    if not verified:
        return ["Verified: no Glue job changed in this sync"]
    if len(verified) == 1 and verified[0].get("job") is None:
        return [f"Verified: nothing ({verified[0].get('reason')}; run 'g2l verify --changed' once fixed)"]
    lines = ["Verified (changed jobs, on inputs made from each job):"]
    for job in verified:
        lines.append(f"  {job['job']}: {job['verdict']}" + (f": {job['reason']}" if job.get("reason") else ""))
        example = _example(job, MESSAGE_ROWS)
        at = next((i for i, line in enumerate(example) if line.startswith(("  Glue wrote", "  Databricks wrote"))),
                  len(example))
        example = example[:1] + example[at:] + example[1:at]   # what each side wrote first, then the inputs
        if len(example) > EXAMPLE_LINES:
            example = example[:EXAMPLE_LINES] + [f"... ({len(example) - EXAMPLE_LINES} more lines: 'g2l report')"]
        lines += ["    " + line for line in example]
    return lines
