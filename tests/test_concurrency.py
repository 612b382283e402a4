"""Two g2l syncs started together on one repository: one merge, and every report true."""

from __future__ import annotations

import pytest

from .helpers import git
from .reliability_support import consistent, copy_repo, estate, g2l_popen, lost_lines, merges_of

JOBS = 12
TRIES = 4


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("race")
    glue, dbx = estate(tmp, JOBS)
    return glue, dbx


def _problems(repo, glue, glue_commit, results) -> list[str]:
    tip = git(repo, "rev-parse", "HEAD").strip()
    problems, merged = [], 0
    for code, out, err in results:
        if "Traceback" in err or code not in (0, 2):
            problems.append(f"exit {code}: {err.strip()[-300:]}")
        elif code == 0 and "Glue changes merged" in out:
            merged += 1
            commit = out.split("Commit: ")[1].split()[0]
            if not tip.startswith(commit):
                problems.append(f"one run reported merge {commit} but the branch is at {tip[:12]}")
        elif code == 0 and "up to date" not in out.lower():
            problems.append(f"exit 0 without a merge or 'up to date': {out.strip()[:200]}")
        elif code == 2 and not (err.startswith("g2l: error: ") and err.count("\n") == 1):
            problems.append(f"error is not one line: {err!r}")
    if merged != 1:
        problems.append(f"{merged} runs reported a merge")
    count = len(merges_of(repo, glue_commit))
    if count != 1:
        problems.append(f"the snapshot was merged {count} times")
    if lost_lines(repo, JOBS):
        problems.append(f"Databricks lines lost in {lost_lines(repo, JOBS)}")
    problems += consistent(repo)
    return problems


def test_two_syncs_started_together(template, tmp_path):
    """Before the writer lock and compare-and-swap refs, most tries ended with a false report or two merges."""
    glue, dbx = template
    glue_commit = git(glue, "rev-parse", "HEAD").strip()
    failed = {}
    for attempt in range(TRIES):
        repo = copy_repo(dbx, tmp_path / f"try{attempt}")
        procs = [g2l_popen(repo, "sync", "--glue", str(glue), "--workers", "1") for _ in range(2)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        problems = _problems(repo, glue, glue_commit, results)
        if problems:
            failed[attempt] = problems
    assert not failed, f"{len(failed)} of {TRIES} tries went wrong: {failed}"
