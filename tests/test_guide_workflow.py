"""The dual-track guide, run as written: its API calls and its weekly_sync.py script."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from glue2lakehouse.dual_track import DualTrackManager

from .conftest import FIXTURES, ROOT
from .helpers import commit_all, edit, git, glue_repo, write

GUIDE = ROOT.parent / "shared" / "dual-track-guide.md"
WEEKLY = FIXTURES / "guide" / "weekly_sync.py"


@pytest.fixture
def migrated(tmp_path):
    glue = glue_repo(tmp_path)  # the risk engine fixture
    target = tmp_path / "databricks_risk_engine"
    manager = DualTrackManager(glue_source=str(glue) + "/", databricks_target=str(target) + "/")
    result = manager.initial_migration(catalog_name="production_risk")
    assert result.success and result.files_synced == 10
    git(target, "config", "user.name", "Databricks Team")
    git(target, "config", "user.email", "dbx@example.com")
    return glue, target, manager


def test_weekly_sync_fixture_is_the_guides_script():
    script = WEEKLY.read_text()
    assert script.count('"/prod/glue_risk_engine/"') == 1 and script.count('"/dev/databricks_risk_engine/"') == 1
    if GUIDE.exists():  # the shared guide sits beside the checkout on developer machines and in CI
        assert script in GUIDE.read_text()


def _run_weekly(glue, target):
    script = WEEKLY.read_text()
    script = script.replace('"/prod/glue_risk_engine/"', repr(str(glue) + "/"))
    script = script.replace('"/dev/databricks_risk_engine/"', repr(str(target) + "/"))
    assert script.count(str(target)) == 1 and script.count(str(glue) + "/") == 1
    path = target.parent / "weekly_sync.py"
    path.write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(path)], cwd=target, capture_output=True, text=True, env=env)


def test_weekly_sync_script_runs_as_written(migrated):
    glue, target, manager = migrated
    quiet = _run_weekly(glue, target)
    assert quiet.returncode == 0, quiet.stderr
    assert "No Glue changes detected. All up to date!" in quiet.stdout
    edit(glue, "data_loader.py", '    "risk_score",\n', '    "risk_score",\n    "risk_score_v2",\n')
    commit_all(glue, "risk_score_v2")
    week = _run_weekly(glue, target)
    assert week.returncode == 0, week.stderr
    assert "Files to sync: 1" in week.stdout and "Sync complete!" in week.stdout
    assert "Glue changes applied: 1" in week.stdout
    assert "risk_score_v2" in (target / "data_loader.py").read_text()
    # A week with a conflict: the script stops before syncing, nothing changes.
    edit(target, "risk_calculations/process_b.py", "HIGH_RISK_THRESHOLD = 0.7", "HIGH_RISK_THRESHOLD = 0.65")
    commit_all(target, "dbx threshold")
    edit(glue, "risk_calculations/process_b.py", "HIGH_RISK_THRESHOLD = 0.7", "HIGH_RISK_THRESHOLD = 0.75")
    commit_all(glue, "glue threshold")
    head = git(target, "rev-parse", "HEAD")
    clash = _run_weekly(glue, target)
    assert clash.returncode == 0, clash.stderr
    assert "CONFLICTS DETECTED" in clash.stdout
    assert "risk_calculations/process_b.py: Glue and Databricks changed the same lines" in clash.stdout
    assert git(target, "rev-parse", "HEAD") == head


def test_guide_steps_through_the_api(migrated, monkeypatch):
    glue, target, manager = migrated
    # "How It Works": a path relative to the folder that holds the repository.
    write(target, "risk_calculations/process_d.py", "def new_databricks_feature():\n    return 1\n")
    monkeypatch.chdir(target.parent)
    manager.mark_as_databricks_native("databricks_risk_engine/risk_calculations/process_d.py")
    # Relative to the repository, and absolute.
    write(target, "monitoring/databricks_metrics.py", "def publish():\n    pass\n")
    manager.mark_as_databricks_native("monitoring/databricks_metrics.py")
    write(target, "new_feature/x.py", "x = 1\n")
    manager.mark_as_databricks_native(str(target / "new_feature"))
    assert manager.list_databricks_native_files() == [
        "monitoring/databricks_metrics.py", "new_feature/x.py", "risk_calculations/process_d.py"]
    assert (target / "risk_calculations/process_d.py").read_text().startswith("# SOURCE: DATABRICKS_NATIVE\n")
    manager.protect_code_region(file_path="risk_calculations/process_a.py", start_line=100, end_line=150)
    lines = (target / "risk_calculations/process_a.py").read_text().splitlines()
    assert lines[99].strip() == "# PROTECTED: START - DO NOT OVERWRITE"
    assert lines[151].strip() == "# PROTECTED: END"
    status = manager.get_sync_status()
    assert status["initialized"] is True and status["total_files"] == 10
    assert status["databricks_native_files"] == 3 and status["protected_regions"] == 1
    assert status["sync_history_count"] == 1 and status["last_sync"]
    # Week 5.
    edit(glue, "data_loader.py", '    "risk_score",\n', '    "risk_score",\n    "risk_score_v2",\n')
    edit(glue, "risk_calculations/process_b.py", 'F.col("risk_score") >=', 'F.col("risk_score_v2") >=')
    commit_all(glue, "week 5")
    preview = manager.sync_glue_changes(dry_run=True)
    assert preview.files_synced == 2 and preview.files_protected == 3 and preview.conflicts == []
    result = manager.sync_glue_changes(dry_run=False)
    assert result.success and result.glue_changes_applied == 2
    assert result.databricks_code_preserved >= 4
    assert manager.list_conflicts() == []
    assert manager.get_sync_status()["sync_history_count"] == 2
    # Resolution option 3: keep the Databricks version by marking the file native.
    edit(target, "risk_calculations/process_b.py", "DEFAULT_LGD = 0.45", "DEFAULT_LGD = 0.4")
    commit_all(target)
    edit(glue, "risk_calculations/process_b.py", "DEFAULT_LGD = 0.45", "DEFAULT_LGD = 0.5")
    commit_all(glue)
    assert manager.sync_glue_changes(dry_run=True).conflicts
    manager.mark_as_databricks_native("risk_calculations/process_b.py")
    result = manager.sync_glue_changes()
    assert result.success and result.conflicts == []
    assert "DEFAULT_LGD = 0.4" in (target / "risk_calculations/process_b.py").read_text()


def test_errors_come_back_in_the_result(tmp_path):
    manager = DualTrackManager(glue_source=tmp_path / "missing", databricks_target=tmp_path / "dbx")
    result = manager.initial_migration(catalog_name="x")
    assert result.success is False and "does not exist" in result.errors[0]
    result = manager.sync_glue_changes()
    assert result.success is False and "not initialised" in result.errors[0]
