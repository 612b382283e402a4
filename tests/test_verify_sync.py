"""g2l sync --verify: the verdicts are made before the merge commit and travel with it (merge message, pending
MERGE_MSG of a conflicted sync, the snapshot's note, the pull-request body), and a job is touched through the
modules it imports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from glue2lakehouse.sync import initialize, sync
from glue2lakehouse.verify.changed import dependencies, touched
from glue2lakehouse.verify.modules import imported_modules
from glue2lakehouse.verify.shape import analyze
from glue2lakehouse.verify.sync_verify import verifier
from glue2lakehouse.verify.verified import failed, message_lines, section

from .conftest import FIXTURES
from .helpers import commit_all, edit, git, new_repo

RISK = FIXTURES / "glue_risk_engine"
JOB = "jobs/daily_risk_job.py"


def _texts(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*.py")}


def test_a_change_to_a_module_touches_the_jobs_that_import_it():
    texts = _texts(RISK)
    reached = dependencies(JOB, texts)
    assert {"data_loader.py", "risk_calculations/__init__.py", "risk_calculations/process_a.py",
            "risk_calculations/process_b.py", "risk_calculations/process_c.py"} < reached
    assert "utils/spark_helpers.py" not in reached   # nothing imports it
    jobs = [JOB]
    assert touched(jobs, texts, {"risk_calculations/process_b.py"}) == {JOB: ["risk_calculations/process_b.py"]}
    assert touched(jobs, texts, {"utils/spark_helpers.py", "README.md"}) == {}
    # A relative import inside a package reaches its sibling module.
    texts["risk_calculations/process_d.py"] = "from .process_c import coverage\n"
    texts["jobs/other.py"] = "from risk_calculations import process_d\n"
    assert touched(["jobs/other.py"], texts, {"risk_calculations/process_c.py"}) == \
        {"jobs/other.py": ["risk_calculations/process_c.py"]}


def test_the_shape_reader_follows_the_risk_engines_modules():
    job = RISK / JOB
    modules = imported_modules(job, [RISK])
    assert list(modules) == ["data_loader", "risk_calculations", "risk_calculations.process_a",
                             "risk_calculations.process_b", "risk_calculations.process_c"]
    assert analyze(job.read_text()).inputs == []   # alone, the job reads nothing it can see
    shape = analyze(job.read_text(), modules=modules)
    columns = {i.name: [c.path for c in i.columns.values()] for i in shape.inputs}
    # Read through data_loader's functions, with its DATABASE constant and each call's push-down predicate.
    assert set(columns) == {"risk_db.customers", "risk_db.exposures", "risk_db.collateral", "risk_db.ratings"}
    assert shape.literals["snapshot_date"] == {"g2l_run_date"} and shape.literals["as_of"] == {"g2l_run_date"}
    # customers is read through a select of CUSTOMER_COLUMNS: those columns, and no other, come from it.
    assert columns["risk_db.customers"] == ["snapshot_date", "customer_id", "segment", "country", "annual_income",
                                            "risk_score"]
    # The ten factors of process_a (reached through the FACTORS list) read columns of the ratings join.
    assert {"credit_utilisation", "days_past_due", "behaviour_score"} <= set(columns["risk_db.ratings"])
    # process_b's lgd is read before it is replaced (coalesce), ead is an exposure's; process_c sums market_value.
    assert {"lgd", "ead"} <= set(columns["risk_db.exposures"])
    assert columns["risk_db.collateral"] == ["customer_id", "market_value"]
    assert (("risk_db.exposures", "customer_id"), ("risk_db.collateral", "customer_id")) in shape.join_keys


def test_the_short_form_says_why_nothing_was_verified():
    verdicts = failed(".g2l.toml: each [[verify.intended]] needs job, output and reason (strings)")
    assert message_lines(verdicts) == ["Verified: nothing (verification failed: .g2l.toml: each [[verify.intended]] "
                                       "needs job, output and reason (strings); run 'g2l verify --changed' once fixed)"]
    assert "Nothing was verified: verification failed: .g2l.toml" in section(verdicts)
    assert message_lines([]) == ["Verified: no Glue job changed in this sync"]



def test_the_short_form_shows_what_each_side_wrote_before_the_inputs_and_stays_short():
    table = {"columns": ["c0", "c1"], "rows": [{"c0": i, "c1": "x"} for i in range(60)]}
    example = {"shrunk": True, "inputs": {"risk_db.ratings": table, **{f"risk_db.t{i}": table for i in range(5)}},
               "outputs": [{"output": "risk_db.collateral_coverage", "glue": [{"ratio": 0.5}],
                            "databricks": [{"ratio": 50.0}]}]}
    lines = message_lines([{"job": JOB, "verdict": "differs", "reason": "risk_db.collateral_coverage: 1 row differs",
                            "example": example}])
    assert lines[1] == f"  {JOB}: differs: risk_db.collateral_coverage: 1 row differs"
    text = "\n".join(lines)
    assert text.index("Glue wrote") < text.index("Databricks wrote") < text.index("input risk_db.ratings")
    assert len(lines) <= 2 + 40 + 1 and lines[-1].endswith("more lines: 'g2l report')")
    assert "input risk_db.ratings" in section([{"job": JOB, "verdict": "differs", "example": example}])


def _trades_repos(tmp_path):
    glue = new_repo(tmp_path / "glue")
    shutil.copy(FIXTURES / "verify" / "done_when" / "large_trades.py", glue / "large_trades.py")
    commit_all(glue)
    dbx = new_repo(tmp_path / "dbx")
    initialize(dbx, glue, catalog="production")
    return glue, dbx


def _conflicting_edits(tmp_path):
    """The Databricks trades repository once both teams changed the same filter of large_trades.py."""
    glue, dbx = _trades_repos(tmp_path)
    edit(dbx, "large_trades.py", '.filter(F.col("`notional`") > 100)', '.filter(F.col("`notional`") > 150)')
    commit_all(dbx, "large from 150")
    edit(glue, "large_trades.py", 'row["notional"] > 100', 'row["notional"] > 200')
    commit_all(glue, "large from 200")
    return dbx


def test_a_conflicted_job_is_not_verified_and_the_pending_merge_message_says_so(tmp_path):
    dbx = _conflicting_edits(tmp_path)
    body = tmp_path / "body.md"
    result = sync(dbx, pr_body=body, verify=verifier())
    assert result.status == "conflicts"
    [job] = result.verified
    assert job == {"job": "large_trades.py", "verdict": "not verified",
                   "reason": "conflicted: resolve large_trades.py, then run 'g2l verify --changed'"}
    pending = (dbx / ".git" / "MERGE_MSG").read_text()
    assert "  large_trades.py: not verified: conflicted: resolve large_trades.py" in pending
    assert "- `large_trades.py`: **not verified**: conflicted" in body.read_text()
    # The user resolves and commits: the merge commit carries the lines; the note keeps the verdicts.
    assert "<<<<<<<" in (dbx / "large_trades.py").read_text()
    git(dbx, "checkout", "--theirs", "large_trades.py")   # Glue's threshold
    git(dbx, "add", "large_trades.py")
    git(dbx, "commit", "-q", "--no-edit")
    assert "large_trades.py: not verified: conflicted" in git(dbx, "log", "-1", "--format=%B")
    note = json.loads(git(dbx, "notes", "--ref", "refs/notes/g2l", "show", result.snapshot))
    assert note["verified"] == result.verified


def test_a_verification_error_keeps_the_merge_and_says_why(tmp_path):
    glue, dbx = _trades_repos(tmp_path)
    config = (dbx / ".g2l.toml").read_text()
    (dbx / ".g2l.toml").write_text(config + '\n[[verify.intended]]\njob = "large_trades.py"\n')
    commit_all(dbx, "an intended difference, half written")
    edit(glue, "large_trades.py", 'row["notional"] > 100', 'row["notional"] > 200')
    commit_all(glue, "large from 200")
    head = git(dbx, "rev-parse", "HEAD").strip()
    body = tmp_path / "body.md"
    result = sync(dbx, pr_body=body, verify=verifier())
    assert result.status == "merged" and result.exit_code == 0
    assert git(dbx, "rev-parse", "HEAD^1").strip() == head and git(dbx, "status", "--porcelain") == ""
    assert '.filter(F.col("`notional`") > 200)' in (dbx / "large_trades.py").read_text()
    [entry] = result.verified
    assert entry["job"] is None and entry["reason"].startswith("verification failed: .g2l.toml: each [[verify.intended]]")
    message = git(dbx, "log", "-1", "--format=%B")
    assert "Verified: nothing (verification failed: .g2l.toml: each [[verify.intended]] needs job" in message
    assert "Nothing was verified: verification failed" in body.read_text()


def test_sync_verify_on_the_guides_risk_engine(spark, tmp_path):
    """The guide's example: a Glue change proven equal, a Databricks edit that changes a result shown as a
    difference (body and merge message, through the CLI as users run it), then recorded as intended."""
    from glue2lakehouse.verify.changed import verify_changed

    from .helpers import g2l, glue_repo

    glue = glue_repo(tmp_path)   # the risk engine fixture
    target = new_repo(tmp_path / "databricks_risk_engine")
    initialize(target, glue, catalog="production_risk")
    # Week 1: Glue raises the high-risk threshold in process_b, a module the daily job imports.
    edit(glue, "risk_calculations/process_b.py", "HIGH_RISK_THRESHOLD = 0.7", "HIGH_RISK_THRESHOLD = 0.75")
    commit_all(glue, "high risk from 0.75")
    body = tmp_path / "week1.md"
    result = sync(target, pr_body=body, verify=verifier(spark=spark))
    assert result.status == "merged" and result.verified == [{"job": JOB, "verdict": "equal"}], result.verified
    assert f"- `{JOB}`: **equal**" in body.read_text()
    assert f"  {JOB}: equal" in git(target, "log", "-1", "--format=%B")
    # Week 2: the Databricks team reports coverage in percent; Glue moves the threshold again the same week.
    # The sync, run as users run it, shows the difference with its example.
    edit(target, "risk_calculations/process_c.py", 'F.col("collateral_value") / F.col("total_ead"))',
         'F.col("collateral_value") / F.col("total_ead") * 100)')
    commit_all(target, "coverage in percent")
    edit(glue, "risk_calculations/process_b.py", "HIGH_RISK_THRESHOLD = 0.75", "HIGH_RISK_THRESHOLD = 0.8")
    commit_all(glue, "high risk from 0.8")
    run = g2l(target, "sync", "--verify", "--pr-body", str(tmp_path / "week2.md"), "--quiet")
    assert run.returncode == 0, run.stdout + run.stderr
    week2 = (tmp_path / "week2.md").read_text()
    line = next(line for line in week2.splitlines() if line.startswith(f"- `{JOB}`"))
    assert line.startswith(f"- `{JOB}`: **differs**: ") and "collateral_coverage" in line, week2
    assert "Smallest example found" in week2 and "Databricks wrote" in week2
    message = git(target, "log", "-1", "--format=%B")
    assert f"  {JOB}: differs: " in message and "collateral_coverage" in message
    assert "Smallest example found" in message and "Databricks wrote" in message
    # The team records the difference as intended: it now reads so, and the other outputs are proven equal.
    (target / ".g2l.toml").write_text((target / ".g2l.toml").read_text() + (
        f'\n[[verify.intended]]\njob = "{JOB}"\noutput = "risk_db.collateral_coverage"\n'
        'reason = "coverage is reported in percent"\n'))
    commit_all(target, "the coverage difference is intended")
    report = verify_changed(None, spark=spark, start=target)
    [job] = report.jobs
    assert job.verdict == "differs as intended" and job.reason == "coverage is reported in percent"
    rows = {o["output"]: (o["rows_glue"], o["rows_databricks"], o["equal"]) for o in job.outputs}
    assert rows["risk_db.risk_scores"][0] == rows["risk_db.risk_scores"][1] > 0 and rows["risk_db.risk_scores"][2]
    assert rows["risk_db.risk_summary"][0] > 0 and rows["risk_db.risk_summary"][2]


def test_the_guides_conflicting_week_through_the_python_api(tmp_path):
    """The guide's week where both teams change the threshold: the daily job reaches the conflicted module,
    so it is not verified, and the pending merge message says which file to resolve."""
    from glue2lakehouse.dual_track import DualTrackManager

    from .helpers import glue_repo

    glue = glue_repo(tmp_path)
    target = tmp_path / "databricks_risk_engine"
    manager = DualTrackManager(glue_source=str(glue) + "/", databricks_target=str(target) + "/")
    assert manager.initial_migration(catalog_name="production_risk").success
    edit(target, "risk_calculations/process_b.py", "HIGH_RISK_THRESHOLD = 0.7", "HIGH_RISK_THRESHOLD = 0.65")
    commit_all(target, "databricks threshold")
    edit(glue, "risk_calculations/process_b.py", "HIGH_RISK_THRESHOLD = 0.7", "HIGH_RISK_THRESHOLD = 0.75")
    commit_all(glue, "glue threshold")
    result = manager.sync_glue_changes(verify=True)
    assert result.status == "conflicts"
    assert result.verified == [{"job": JOB, "verdict": "not verified", "reason": "conflicted: resolve "
                                "risk_calculations/process_b.py, then run 'g2l verify --changed'"}]
    assert f"  {JOB}: not verified: conflicted: resolve risk_calculations/process_b.py" in \
        (target / ".git" / "MERGE_MSG").read_text()
    assert result.to_dict()["verified"] == result.verified


def test_a_dry_run_verifies_the_merge_it_would_make_and_changes_nothing(tmp_path):
    dbx = _conflicting_edits(tmp_path)
    before = git(dbx, "for-each-ref", "--format=%(refname) %(objectname)")
    result = sync(dbx, dry_run=True, verify=verifier())
    assert result.status == "would-conflict"
    assert [job["reason"].split(":")[0] for job in result.verified] == ["conflicted"]
    assert git(dbx, "for-each-ref", "--format=%(refname) %(objectname)") == before
    assert git(dbx, "status", "--porcelain") == "" and not (dbx / ".git" / "MERGE_MSG").exists()
