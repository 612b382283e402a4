"""g2l verify with no data over real-shaped Glue jobs: the 30 fixture jobs (Studio, hand-written, collections, JDBC,
streaming, Python 2) and jobs generated the way users write them (tests/jobgen.py, a fixed seed), in one Spark
session. The tally by verdict and reason is recorded in the README."""

from __future__ import annotations

import random
import re
import shutil

from glue2lakehouse.verify.batch import DIFFERS, EQUAL, NOT_VERIFIED, verify_paths

from .conftest import FIXTURES
from .jobgen import job, layout

GENERATED = 30          # generated jobs, beside the 30 fixture jobs
SEED = 15
EQUAL_AT_LEAST = 44     # measured (23 fixture + 21 generated); a floor that fails if verification regresses


def _generated_jobs(folder):
    """Generated jobs in a folder of their own, with the helper modules the hand-written ones import."""
    folder.mkdir()
    shutil.copytree(FIXTURES / "glue_jobs" / "helpers", folder / "helpers")
    rng = random.Random(SEED)
    for index in range(GENERATED):
        (folder / f"generated_{index:02d}.py").write_text(layout(job(rng), rng), newline="")
    return folder


def test_fixture_and_generated_jobs_with_no_data(spark, tmp_path):
    generated = _generated_jobs(tmp_path / "generated")
    report = verify_paths([FIXTURES / "glue_jobs", generated], spark=spark, shrink_budget=2)
    print(report.tally())
    by_job = {"/".join(j.job.replace("\\", "/").split("/")[-2:]): j for j in report.jobs}
    assert len(by_job) == 30 + GENERATED, sorted(by_job)   # helpers/*.py are modules the jobs import, not jobs
    for name, verdict in by_job.items():
        if verdict.verdict != EQUAL:
            reason = verdict.reason or ""
            assert reason and "\n" not in reason and "Traceback" not in reason, (name, reason)
            # a Spark failure is named by its own exception, never by py4j's call with an object id
            assert "Py4JJavaError" not in reason and not re.search(r"\bo\d+\.", reason), (name, reason)
        if verdict.verdict == NOT_VERIFIED:
            assert len(verdict.reason) <= 300
    # every difference found on these jobs was a conversion or emulation bug, since fixed
    assert {name: j.reason for name, j in by_job.items() if j.verdict == DIFFERS} == {}
    equal = [name for name, j in by_job.items() if j.verdict == EQUAL]
    assert len(equal) >= EQUAL_AT_LEAST > len(by_job) // 2, report.tally()
    for name in equal:
        assert all(o["rows_glue"] > 0 for o in by_job[name].outputs)
    assert by_job["glue_jobs/purge_and_overwrite.py"].verdict == EQUAL
    assert by_job["glue_jobs/jdbc_postgres_extract.py"].verdict == EQUAL    # through the run's Derby database
