"""g2l demo plays the guide's real-world example and ends in a conflict shown with git markers."""

from __future__ import annotations

import pytest

from glue2lakehouse.demo import run_demo
from glue2lakehouse.errors import G2LError

from .helpers import g2l, git


def test_demo_plays_every_week(tmp_path):
    lines: list[str] = []
    assert run_demo(tmp_path / "demo", echo=lines.append) == 0
    out = "\n".join(lines)
    for week in ("Week 1: initial migration", "Weeks 2-4", "Week 5", "Week 6", "Where to look"):
        assert week in out
    assert "Migrated 16 files" in out      # the risk engine's 10 files, its estate (4) and the bundle job (2)
    assert "risk_calculations/process_d.py" in out and "monitoring/databricks_metrics.py" in out
    assert "# PROTECTED: START - DO NOT OVERWRITE" in out
    assert "data_loader.py (modified by Glue)" in out and "risk_calculations/process_b.py (modified by Glue)" in out
    assert "data_loader.py has risk_score_v2: True" in out and "protected region intact: True" in out
    assert "Week 6: the Glue team adds a job argument and moves the schedule" in out
    week6 = out[out.index("Week 6"):out.index("Week 7")]
    assert 'quartz_cron_expression: "0 30 3 ? * MON-SAT"' in week6 and "node_type_id: r5.4xlarge" in week6
    assert '"--risk_threshold"' in week6 and "0 conflict(s)" in week6
    assert "risk_calculations/process_b.py: Glue and Databricks changed the same lines" in out
    assert "<<<<<<< HEAD" in out and "||||||| base" in out and ">>>>>>> glue-upstream" in out
    dbx = tmp_path / "demo" / "databricks_risk_engine"
    assert git(dbx, "diff", "--name-only", "--diff-filter=U").strip() == "risk_calculations/process_b.py"
    with pytest.raises(G2LError, match="is not empty"):
        run_demo(tmp_path / "demo", echo=lines.append)


def test_demo_command_defaults_to_a_new_temporary_folder(tmp_path):
    result = g2l(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    assert "Databricks repository: " in result.stdout and ">>>>>>> glue-upstream" in result.stdout
