"""Verification on a machine without Java (a CI runner that did not install it): every job is 'not verified'
with the reason in one line, so `g2l sync --verify` completes and says what is missing."""

from pathlib import Path

from glue2lakehouse.verify.batch import NOT_VERIFIED, Case, Side, verify_cases

JOB = Path(__file__).resolve().parent.parent / "fixtures" / "glue_jobs" / "collection_per_rating.py"


def test_without_java_every_job_is_not_verified_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    report = verify_cases([Case("jobs/a.py", Side(JOB), Side(JOB)), Case("jobs/b.py", Side(JOB), Side(JOB))])
    assert [(j.job, j.verdict) for j in report.jobs] == [("jobs/a.py", NOT_VERIFIED), ("jobs/b.py", NOT_VERIFIED)]
    reason = report.jobs[0].reason
    assert reason.startswith("Java is not installed") and "\n" not in reason
    assert report.exit_code == 2
