"""Scenario tests on real git repositories: init, sync, conflicts, dry run, branches."""

from __future__ import annotations

import json

import pytest

from glue2lakehouse.errors import G2LError
from glue2lakehouse.sync import initialize, sync

from .conftest import FIXTURES
from .helpers import commit_all, edit, git, g2l, glue_repo, new_repo, snapshot_state, write

JOB = '''import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext

sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session

THRESHOLD = 0.7


def load():
    return glueContext.create_dynamic_frame.from_catalog(database="risk_db", table_name="customers").toDF()


def score(df):
    return df.withColumn("risk", df.amount * 0.1)


def save(df):
    df.write.mode("append").saveAsTable("risk_db.scores")
'''


@pytest.fixture
def pair(tmp_path):
    glue = glue_repo(tmp_path, {"jobs/job.py": JOB, "lib/util.py": "def f():\n    return 1\n",
                                "config/tables.json": '{"a": 1}\n'})
    dbx = new_repo(tmp_path / "dbx")
    initialize(dbx, glue, catalog="prod")
    return glue, dbx


def test_init_commits_snapshot_and_settings_with_a_clean_tree(pair):
    glue, dbx = pair
    assert git(dbx, "status", "--porcelain") == ""
    assert git(dbx, "rev-parse", "--verify", "glue-upstream").strip()
    job = (dbx / "jobs/job.py").read_text()
    assert job.startswith("# SOURCE: GLUE\n")
    assert 'spark.table("prod.risk_db.customers")' in job
    assert "GlueContext" not in job and "SparkContext" not in job
    assert "spark = SparkSession.builder.getOrCreate()" in job
    assert (dbx / "config/tables.json").read_bytes() == (glue / "config/tables.json").read_bytes()
    assert "*.py merge=g2l" in (dbx / ".gitattributes").read_text()
    assert 'catalog = "prod"' in (dbx / ".g2l.toml").read_text()
    assert "glue2lakehouse.merge.driver protected" in git(dbx, "config", "merge.g2l.driver")
    assert "glue2lakehouse.merge.driver native" in git(dbx, "config", "merge.g2l-native.driver")
    # glue-upstream is an ancestor of main: the next sync has the snapshot as merge base
    git(dbx, "merge-base", "--is-ancestor", "glue-upstream", "main")


def test_init_twice_fails_clearly(pair):
    glue, dbx = pair
    with pytest.raises(G2LError, match="already initialised"):
        initialize(dbx, glue)
    result = g2l(dbx, "init", "--glue", str(glue))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "already initialised" in result.stderr


def test_init_into_repo_with_history(tmp_path):
    glue = glue_repo(tmp_path, {"a.py": "x = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    write(dbx, "README.md", "Databricks risk engine\n")
    commit_all(dbx, "start")
    result = initialize(dbx, glue)
    assert result.status == "merged"
    assert (dbx / "README.md").exists() and (dbx / "a.py").exists()
    assert git(dbx, "status", "--porcelain") == ""


def test_unchanged_glue_is_up_to_date_and_makes_no_commit(pair):
    glue, dbx = pair
    head = git(dbx, "rev-parse", "HEAD")
    commit_all(glue, "empty commit, same content")
    result = sync(dbx)
    assert result.status == "up-to-date" and result.exit_code == 0
    assert git(dbx, "rev-parse", "HEAD") == head


def test_glue_change_lands_beside_databricks_edit(pair):
    glue, dbx = pair
    edit(dbx, "jobs/job.py", "df.amount * 0.1", "df.amount * 0.1 + 0.01")
    commit_all(dbx, "databricks tweak")
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.8")
    previous = git(glue, "rev-parse", "HEAD~0").strip()
    glue_commit = commit_all(glue, "glue week")
    result = sync(dbx)
    assert result.status == "merged" and result.exit_code == 0
    text = (dbx / "jobs/job.py").read_text()
    assert "THRESHOLD = 0.8" in text and "df.amount * 0.1 + 0.01" in text
    message = git(dbx, "log", "-1", "--format=%B")
    assert f"Glue-Commit: {glue_commit}" in message
    assert "Glue-Previous: " in message and "modified jobs/job.py" in message
    assert git(dbx, "rev-list", "--parents", "-n1", "HEAD").count(" ") == 2  # a merge commit
    assert previous  # the glue commit before the change exists
    assert result.glue_changes_applied == 1 and result.databricks_code_preserved == 1


def test_overlap_is_a_git_conflict_finished_with_add_and_commit(pair):
    glue, dbx = pair
    edit(dbx, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.65")
    commit_all(dbx, "dbx")
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.75")
    commit_all(glue, "glue")
    result = sync(dbx)
    assert result.exit_code == 1 and result.status == "conflicts"
    assert result.conflicts == [{"file": "jobs/job.py", "reason": "Glue and Databricks changed the same lines",
                                 "lines": [result.conflicts[0]["lines"][0]]}]
    text = (dbx / "jobs/job.py").read_text()
    assert "<<<<<<< HEAD\nTHRESHOLD = 0.65\n||||||| base\nTHRESHOLD = 0.7\n=======\nTHRESHOLD = 0.75\n>>>>>>> glue-upstream\n" in text
    assert "jobs/job.py" in git(dbx, "diff", "--name-only", "--diff-filter=U")
    listed = g2l(dbx, "conflicts", "--json")
    assert listed.returncode == 1
    assert json.loads(listed.stdout)["conflicts"][0]["reason"] == "Glue and Databricks changed the same lines"
    write(dbx, "jobs/job.py", text.replace(text[text.index("<<<<<<<"):text.index(">>>>>>> glue-upstream\n") + 22], "THRESHOLD = 0.75\n"))
    git(dbx, "add", "jobs/job.py")
    git(dbx, "commit", "-q", "--no-edit")
    assert git(dbx, "status", "--porcelain") == ""
    assert sync(dbx).status == "up-to-date"


def test_identical_change_on_both_sides_merges_cleanly(pair):
    glue, dbx = pair
    edit(dbx, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.9")
    commit_all(dbx)
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.9")
    commit_all(glue)
    assert sync(dbx).exit_code == 0


def test_new_deleted_and_renamed_glue_files_are_followed(pair):
    glue, dbx = pair
    edit(dbx, "lib/util.py", "return 1", "return 1  # checked on Databricks")
    commit_all(dbx)
    write(glue, "jobs/new_job.py", "def run():\n    return 2\n")
    git(glue, "rm", "-q", "config/tables.json")
    git(glue, "mv", "lib/util.py", "lib/utilities.py")
    commit_all(glue)
    result = sync(dbx)
    assert result.exit_code == 0, result.conflicts
    assert (dbx / "jobs/new_job.py").read_text().startswith("# SOURCE: GLUE")
    assert not (dbx / "config/tables.json").exists()
    assert not (dbx / "lib/util.py").exists()
    assert "checked on Databricks" in (dbx / "lib/utilities.py").read_text()
    assert {c["change"] for c in result.changes} == {"added", "deleted", "renamed"}


def test_glue_delete_of_a_databricks_edited_file_is_a_conflict(pair):
    glue, dbx = pair
    edit(dbx, "lib/util.py", "return 1", "return 10")
    commit_all(dbx)
    git(glue, "rm", "-q", "lib/util.py")
    commit_all(glue)
    result = sync(dbx)
    assert result.exit_code == 1
    assert result.conflicts[0]["file"] == "lib/util.py"
    assert result.conflicts[0]["reason"] == "Glue deleted a file that Databricks changed"
    assert "return 10" in (dbx / "lib/util.py").read_text()


def test_dry_run_changes_nothing_and_predicts_the_outcome(pair):
    glue, dbx = pair
    edit(dbx, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.65")
    commit_all(dbx)
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.75")
    write(glue, "lib/more.py", "y = 2\n")
    commit_all(glue)
    before = snapshot_state(dbx)
    preview = sync(dbx, dry_run=True)
    assert snapshot_state(dbx) == before
    assert preview.status == "would-conflict" and preview.exit_code == 1
    cli = g2l(dbx, "sync", "--dry-run", "--json")
    assert cli.returncode == 1 and snapshot_state(dbx) == before
    assert json.loads(cli.stdout)["conflicts"] == preview.conflicts
    real = sync(dbx)
    assert real.conflicts == preview.conflicts and real.files_synced == preview.files_synced


def test_branch_option_merges_on_a_new_branch(pair):
    glue, dbx = pair
    main = git(dbx, "rev-parse", "main")
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.8")
    commit_all(glue)
    result = sync(dbx, branch="glue-sync-week-5")
    assert result.branch == "glue-sync-week-5"
    assert git(dbx, "rev-parse", "main") == main
    assert git(dbx, "symbolic-ref", "--short", "HEAD").strip() == "glue-sync-week-5"
    assert "THRESHOLD = 0.8" in (dbx / "jobs/job.py").read_text()
    with pytest.raises(G2LError, match="already exists"):
        sync(dbx, branch="main")


def test_no_commit_leaves_the_merge_staged(pair):
    glue, dbx = pair
    head = git(dbx, "rev-parse", "HEAD")
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.8")
    commit_all(glue)
    result = sync(dbx, no_commit=True)
    assert result.exit_code == 0
    assert git(dbx, "rev-parse", "HEAD") == head
    assert (dbx / ".git" / "MERGE_HEAD").exists()
    git(dbx, "commit", "-q", "--no-edit")
    assert "Glue-Commit:" in git(dbx, "log", "-1", "--format=%B")


def test_force_overwrite_takes_glue_for_overlaps(pair):
    glue, dbx = pair
    edit(dbx, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.65")
    edit(dbx, "config/tables.json", '"a": 1', '"a": 2')
    commit_all(dbx)
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.75")
    edit(glue, "config/tables.json", '"a": 1', '"a": 3')
    commit_all(glue)
    result = sync(dbx, force_overwrite=True)
    assert result.exit_code == 0 and not result.conflicts
    assert "THRESHOLD = 0.75" in (dbx / "jobs/job.py").read_text()
    assert '"a": 3' in (dbx / "config/tables.json").read_text()
    assert git(dbx, "status", "--porcelain") == ""


def test_incremental_snapshot_transforms_only_changed_files(pair):
    glue, dbx = pair
    edit(glue, "lib/util.py", "return 1", "return 3")
    commit_all(glue)
    sync(dbx)
    message = git(dbx, "log", "-1", "--format=%B", "glue-upstream")
    assert "; 1 transformed" in message
    # Changing the transform settings re-transforms everything, visibly.
    edit(dbx, ".g2l.toml", 'catalog = "prod"', 'catalog = "prod2"')
    commit_all(dbx, "new catalog")
    result = sync(dbx)
    message = git(dbx, "log", "-1", "--format=%B", "glue-upstream")
    assert "; 3 transformed (transform settings or version changed" in message
    assert 'spark.table("prod2.risk_db.customers")' in (dbx / "jobs/job.py").read_text()
    assert result.exit_code == 0


def test_plain_folder_glue_source(tmp_path):
    glue = tmp_path / "plain"
    write(glue, "job.py", "x = 1\n")
    dbx = new_repo(tmp_path / "dbx")
    initialize(dbx, glue)
    first = git(dbx, "log", "-1", "--format=%B", "glue-upstream")
    assert "Glue-Commit: folder:" in first
    write(glue, "job.py", "x = 2\n")
    assert sync(dbx).status == "merged"
    assert "x = 2" in (dbx / "job.py").read_text()
    assert sync(dbx).status == "up-to-date"


def test_api_result_fields_and_sync_json(pair):
    glue, dbx = pair
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.8")
    commit_all(glue)
    out = g2l(dbx, "sync", "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    for key in ("success", "files_synced", "files_protected", "files_skipped", "glue_changes_applied",
                "databricks_code_preserved", "conflicts", "errors", "timestamp"):
        assert key in data
    assert data["files_synced"] == 1 and data["success"] is True


def test_non_python_conflicts_use_diff3_markers(pair):
    glue, dbx = pair
    edit(dbx, "config/tables.json", '"a": 1', '"a": 2')
    commit_all(dbx)
    edit(glue, "config/tables.json", '"a": 1', '"a": 3')
    commit_all(glue)
    result = sync(dbx)
    assert result.exit_code == 1
    text = (dbx / "config/tables.json").read_text()
    assert "<<<<<<< " in text and "||||||| " in text and '{"a": 1}' in text and ">>>>>>> " in text


def test_rebase_in_progress_is_refused(pair):
    glue, dbx = pair
    git(dbx, "checkout", "-q", "-b", "side")
    edit(dbx, "lib/util.py", "return 1", "return 5")
    commit_all(dbx)
    git(dbx, "checkout", "-q", "main")
    edit(dbx, "lib/util.py", "return 1", "return 6")
    commit_all(dbx)
    git(dbx, "checkout", "-q", "side")
    git(dbx, "rebase", "main", check=False)
    result = g2l(dbx, "sync")
    assert result.returncode == 2 and "a rebase is in progress" in result.stderr


def test_init_with_clashing_databricks_files_is_left_as_a_merge(tmp_path):
    glue = glue_repo(tmp_path, {"a.py": "x = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    write(dbx, "a.py", "x = 'databricks'\n")
    commit_all(dbx)
    result = initialize(dbx, glue)
    assert result.exit_code == 1 and result.conflicts[0]["file"] == "a.py"
    assert (dbx / ".g2l.toml").exists()
    assert ".g2l.toml" in git(dbx, "diff", "--cached", "--name-only")
    git(dbx, "checkout", "--ours", "a.py")
    git(dbx, "add", "a.py")
    git(dbx, "commit", "-q", "--no-edit")
    assert sync(dbx).status == "up-to-date"


def test_files_that_do_not_parse_are_carried_over_and_reported(tmp_path):
    py2 = "print 'hello'\n"
    glue = glue_repo(tmp_path, {"old.py": py2, "bad.py": b"x = '\xff'\n".decode("latin-1")})
    (glue / "bad.py").write_bytes(b"x = '\xff'\n")
    commit_all(glue)
    dbx = new_repo(tmp_path / "dbx")
    result = initialize(dbx, glue)
    assert (dbx / "old.py").read_text() == py2
    assert (dbx / "bad.py").read_bytes() == b"x = '\xff'\n"
    rules = sorted((f["file"], f["rule"]) for f in result.findings)
    assert rules == [("bad.py", "not-utf8"), ("old.py", "syntax-error")]
    listed = g2l(dbx, "conflicts", "--json")
    assert len(json.loads(listed.stdout)["findings"]) == 2


def test_parallel_transform_gives_the_same_snapshot(tmp_path):
    files = {}
    for path in sorted((FIXTURES / "glue_jobs").glob("*.py")):
        for copy in range(2):
            files[f"copy{copy}/{path.name}"] = path.read_text()
    glue = glue_repo(tmp_path, files)
    trees = []
    for workers in (1, 2):
        dbx = new_repo(tmp_path / f"dbx{workers}")
        result = initialize(dbx, glue, catalog="prod", workers=workers)
        assert result.files_synced == len(files) >= 16
        trees.append(git(dbx, "rev-parse", "glue-upstream^{tree}"))
    assert trees[0] == trees[1]


def test_a_glue_file_that_becomes_a_folder_is_followed(pair):
    glue, dbx = pair
    git(glue, "rm", "-q", "lib/util.py")
    write(glue, "lib/util.py/__init__.py", "def f():\n    return 2\n")
    commit_all(glue)
    assert sync(dbx).exit_code == 0
    assert (dbx / "lib/util.py/__init__.py").read_text().startswith("# SOURCE: GLUE")


def test_a_sync_leaves_the_index_matching_head_and_the_work_tree_without_a_refresh(pair):
    """The sync sets only the entries it changes and records their files' stat data as it writes them: git's
    plumbing, which compares stat data without refreshing the index, sees no difference afterwards."""
    glue, dbx = pair
    edit(glue, "jobs/job.py", "THRESHOLD = 0.7", "THRESHOLD = 0.8")
    write(glue, "jobs/new_job.py", "def run():\n    return 2\n")
    git(glue, "rm", "-q", "config/tables.json")
    write(glue, "config", "tables = {'a': 1}\n")   # a file where a folder was
    commit_all(glue)
    result = sync(dbx)
    assert result.exit_code == 0, result.conflicts
    assert (dbx / "config").is_file()
    assert git(dbx, "ls-files", "config", "jobs").split() == ["config", "jobs/job.py", "jobs/new_job.py"]
    assert git(dbx, "diff-index", "--cached", "HEAD") == ""
    assert git(dbx, "diff-files") == ""   # no refresh: stale stat data would list the files written
