"""The semantic change summary of a sync, on the guide's example: one Glue job gains a column,
a table, an argument, and its append becomes an overwrite."""

from __future__ import annotations

import json

from .conftest import FIXTURES
from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo, write

JOB = "jobs/daily_risk_job.py"

EXPECTED = [
    {"what": "table read", "change": "added", "subject": "risk_db.credit_limits", "new": "catalog"},
    {"what": "write mode", "change": "changed", "subject": "risk_db.risk_scores", "old": "append",
     "new": "overwrite", "risk": "existing data is replaced instead of added to"},
    {"what": "argument", "change": "added", "subject": "--report_currency"},
    {"what": "column", "change": "added", "subject": "risk_score_v2"},
]


def _week_five(glue):
    edit(glue, JOB, '["JOB_NAME", "run_date"]', '["JOB_NAME", "run_date", "report_currency"]')
    edit(glue, JOB, "ratings = load_ratings(glueContext)\n",
         "ratings = load_ratings(glueContext)\n"
         'limits = glueContext.create_dynamic_frame.from_catalog(database="risk_db", table_name="credit_limits").toDF()\n')
    edit(glue, JOB, "covered = coverage(exposures, collateral)\n",
         "covered = coverage(exposures, collateral)\n"
         'losses = losses.withColumn("risk_score_v2", losses["expected_loss"] * 1.1)\n')
    edit(glue, JOB, 'losses.write.mode("append")', 'losses.write.mode("overwrite")')
    commit_all(glue, "week 5")


def test_pr_body_lists_exactly_the_guides_changes(tmp_path):
    glue = glue_repo(tmp_path)
    for job in ("spigot_debug_job.py", "map_transform_job.py"):  # jobs with transform findings, unchanged below
        write(glue, f"jobs/{job}", (FIXTURES / "glue_jobs" / job).read_text())
    commit_all(glue, "jobs with findings")
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue), "--catalog", "production_risk").returncode == 0
    before = json.loads(g2l(dbx, "report", "--json").stdout)
    all_findings = json.loads(git(dbx, "notes", "--ref=g2l", "show", "glue-upstream"))["findings"]
    assert all_findings, "the risk engine has transform findings every week"
    _week_five(glue)
    body = tmp_path / "body.md"
    run = g2l(dbx, "sync", "--pr-body", str(body))
    assert run.returncode == 0, run.stderr

    summary = json.loads(g2l(dbx, "report", "--json").stdout)
    assert [f["path"] for f in summary["files"]] == [JOB]
    assert summary["files"][0]["items"] == EXPECTED
    assert summary["findings"] == {"new": [], "resolved": []}
    assert summary["conflicts"] == [] and before["files"]  # the init report lists the whole estate

    text = body.read_text()
    assert "## Needs a decision" in text and "`risk_db.risk_scores`: `append` → `overwrite`" in text
    assert "`risk_db.credit_limits`" in text and "`--report_currency`" in text and "`risk_score_v2`" in text
    assert "No finding is new in this sync, and none was resolved." in text
    for finding in all_findings:  # no unchanged finding is repeated
        assert finding["message"] not in text
    # The same body comes back from the merge commit, for CI or a reviewer.
    assert g2l(dbx, "report", "--markdown", "HEAD").stdout == text
    message = git(dbx, "log", "-1", "--format=%B")
    assert "Glue changed in meaning:" in message
    assert "write mode risk_db.risk_scores: append -> overwrite [RISK:" in message
    assert "argument added: --report_currency" in message


def test_new_and_resolved_findings_only(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": "from awsglue.context import GlueContext\n"
                                          "glueContext = GlueContext(sc)\n"
                                          "df = glueContext.create_dynamic_frame.from_catalog(database='d', table_name='t')\n"
                                          "df.spigot('s3://x/')\n"})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    edit(glue, "job.py", "df.spigot('s3://x/')\n", "df.unbox('payload', 'csv')\n")
    commit_all(glue)
    assert g2l(dbx, "sync").returncode == 0
    findings = json.loads(g2l(dbx, "report", "--json").stdout)["findings"]
    assert [f["rule"] for f in findings["new"]] != [] and [f["rule"] for f in findings["resolved"]] != []
    assert {f["rule"] for f in findings["new"]}.isdisjoint({f["rule"] for f in findings["resolved"]})


def test_report_errors_are_one_line(tmp_path):
    dbx = new_repo(tmp_path / "dbx")
    commit_all(dbx, "empty")
    run = g2l(dbx, "report")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "no sync commit" in run.stderr
    run = g2l(dbx, "report", "nope")
    assert run.returncode == 2 and "'nope' is not a commit" in run.stderr


def _plain_diff(old: list[dict], new: list[dict]) -> tuple[list[dict], list[dict]]:
    """diff_findings as it is specified: multisets by (file, rule, message), the first findings of each key."""
    from collections import Counter

    key = lambda f: (f["file"], f["rule"], f["message"])  # noqa: E731
    before, after = Counter(map(key, old)), Counter(map(key, new))

    def take(findings, counts):
        out = []
        for finding in findings:
            if counts.get(key(finding), 0) > 0:
                counts[key(finding)] -= 1
                out.append(finding)
        return out

    return take(new, after - before), take(old, before - after)


def test_new_and_resolved_findings_are_the_same_when_both_lists_end_alike():
    """The findings both lists end with (the definitions', when they did not change) are set aside first: the
    new and resolved findings are what comparing the whole lists gives."""
    from hypothesis import given, settings, strategies as st

    from glue2lakehouse.review.summary import diff_findings

    finding = st.builds(lambda f, l, r, m: {"file": f, "line": l, "rule": r, "message": m},
                        st.sampled_from(["a.py", "b.py"]), st.integers(1, 3), st.sampled_from(["x", "estate-y"]),
                        st.sampled_from(["m", "n"]))

    @settings(max_examples=400, deadline=None)
    @given(old=st.lists(finding, max_size=6), new=st.lists(finding, max_size=6), tail=st.lists(finding, max_size=6))
    def check(old, new, tail):
        old, new = old + tail, new + [dict(f) for f in tail]
        assert diff_findings(old, new) == _plain_diff(old, new)

    check()
