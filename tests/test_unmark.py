"""Changing your mind: 'g2l native --remove' and 'g2l protect --remove'. A file unmarked after
Glue changed it while it was native gets those changes at the next sync."""

from __future__ import annotations

import json

import pytest

from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo

JOB = "".join(f"step_{n} = {n}\n" for n in range(1, 13))


@pytest.fixture
def marked(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": JOB, "other.py": "a = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    edit(dbx, "job.py", "step_2 = 2\n", "step_2 = 2  # databricks: tuned\n")
    commit_all(dbx, "dbx edit before marking")
    assert g2l(dbx, "native", "job.py").returncode == 0
    # Glue changes the file twice, over two syncs; Databricks keeps editing it meanwhile.
    edit(glue, "job.py", "step_5 = 5\n", "step_5 = 50\n")
    commit_all(glue, "glue change 1")
    assert g2l(dbx, "sync").returncode == 0
    edit(glue, "job.py", "step_9 = 9\n", "step_9 = 90\n")
    commit_all(glue, "glue change 2")
    assert g2l(dbx, "sync").returncode == 0
    assert "step_5 = 5\n" in (dbx / "job.py").read_text() and "step_9 = 9\n" in (dbx / "job.py").read_text()
    edit(dbx, "job.py", "step_11 = 11\n", "step_11 = 11  # databricks: while native\n")
    commit_all(dbx, "dbx edit while native")
    return glue, dbx


def test_unmarked_file_gets_both_glue_changes_at_the_next_sync(marked):
    glue, dbx = marked
    run = g2l(dbx, "native", "--remove", "job.py")
    assert run.returncode == 0, run.stderr
    assert git(dbx, "log", "-1", "--format=%s").startswith("g2l native --remove: job.py")
    assert "merge=g2l-native" not in (dbx / ".gitattributes").read_text()
    assert (dbx / "job.py").read_text().startswith("# SOURCE: GLUE\n")
    sync = g2l(dbx, "sync", "--json")  # Glue did not change since: only the catch-up
    assert sync.returncode == 0, sync.stderr
    text = (dbx / "job.py").read_text()
    for line in ("step_5 = 50\n", "step_9 = 90\n", "step_2 = 2  # databricks: tuned\n",
                 "step_11 = 11  # databricks: while native\n"):
        assert line in text
    assert json.loads(sync.stdout)["preserved"][0]["path"] == "job.py"
    assert g2l(dbx, "sync").stdout.startswith("Up to date")  # caught up once, not again


def test_unmarked_file_catches_up_in_a_sync_that_brings_more(marked):
    glue, dbx = marked
    assert g2l(dbx, "native", "--remove", "job.py").returncode == 0
    edit(glue, "other.py", "a = 1\n", "a = 2\n")
    commit_all(glue, "glue change 3")
    assert g2l(dbx, "sync").returncode == 0
    text = (dbx / "job.py").read_text()
    assert "step_5 = 50\n" in text and "step_9 = 90\n" in text and "databricks: while native" in text
    assert "a = 2" in (dbx / "other.py").read_text()
    assert len(git(dbx, "log", "-1", "--format=%P").split()) == 2


def test_glue_change_made_while_native_conflicts_with_the_databricks_edit(marked):
    glue, dbx = marked
    edit(dbx, "job.py", "step_9 = 9\n", "step_9 = 9.5\n")
    commit_all(dbx, "dbx edit on the line Glue changed")
    assert g2l(dbx, "native", "--remove", "job.py").returncode == 0
    sync = g2l(dbx, "sync")
    assert sync.returncode == 1, sync.stdout + sync.stderr
    text = (dbx / "job.py").read_text()
    assert "<<<<<<< HEAD\nstep_9 = 9.5\n" in text and "step_9 = 90\n>>>>>>> glue-upstream" in text
    assert "step_5 = 50\n" in text  # the other Glue change lands
    assert "job.py" in git(dbx, "diff", "--name-only", "--diff-filter=U")
    assert "while it was Databricks-native" in sync.stdout
    # Resolved and committed with a message of one's own: caught up, not merged again.
    (dbx / "job.py").write_text(text.split("<<<<<<< HEAD\n")[0] + "step_9 = 95\n"
                                + text.split(">>>>>>> glue-upstream\n")[1])
    git(dbx, "add", "job.py")
    git(dbx, "commit", "-q", "-m", "take both")
    assert g2l(dbx, "sync").stdout.startswith("Up to date")
    assert "step_9 = 95\n" in (dbx / "job.py").read_text()


def test_unmark_errors(marked):
    _, dbx = marked
    run = g2l(dbx, "native", "--remove", "other.py")
    assert run.returncode == 2 and "other.py is not marked Databricks-native" in run.stderr


def test_protect_remove_drops_the_markers_and_glue_changes_land_again(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": JOB})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    assert g2l(dbx, "protect", "job.py", "4", "6").returncode == 0
    protected = (dbx / "job.py").read_text()
    before = protected.replace("# PROTECTED: START - DO NOT OVERWRITE\n", "").replace("# PROTECTED: END\n", "")
    run = g2l(dbx, "protect", "--remove", "job.py", "6")
    assert run.returncode == 0, run.stderr
    assert (dbx / "job.py").read_text() == before
    assert git(dbx, "log", "-1", "--format=%s").startswith("g2l protect --remove: job.py lines 4-8")
    edit(glue, "job.py", "step_4 = 4\n", "step_4 = 40\n")
    commit_all(glue)
    assert g2l(dbx, "sync").returncode == 0 and "step_4 = 40\n" in (dbx / "job.py").read_text()
    missing = g2l(dbx, "protect", "--remove", "job.py", "3")
    assert missing.returncode == 2 and "line 3 is not inside a protected region" in missing.stderr


def test_trailers_are_read_wherever_they_are_in_a_message():
    """A sync's trailers are found however its message was edited (a co-author paragraph after them, a CRLF, an
    indent), behind a listing of thousands of files (an initial migration's), and a later one wins."""
    from glue2lakehouse.snapshot import trailers

    listing = "".join(f"  added glue/domain_{i % 7}/job_{i}.py\n" for i in range(5000))
    message = ("g2l init: initial migration of Glue abc\n\nGlue changed:\n" + listing + "  added odd: name.py\n\n"
               "Glue-Commit: abc\r\n  G2L-Snapshot: def  \n\nCo-authored-by: A <a@example.com>\nGlue-Commit: xyz\n")
    assert trailers(message) == {"Glue-Commit": "xyz", "G2L-Snapshot": "def", "Co-authored-by": "A <a@example.com>"}
    assert trailers(listing) == {}
