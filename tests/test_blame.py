"""g2l blame: every line labelled Glue, Databricks or resolution; expected labels are data
(fixtures/review/blame/*.expected)."""

from __future__ import annotations

import json

from glue2lakehouse.review.blame import line_map

from .conftest import FIXTURES
from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo

JOB = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\ng = 7\nh = 8\n"


def _expected(name: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in (FIXTURES / "review" / "blame" / name).read_text().splitlines():
        if line and not line.startswith("#"):
            label, origin, text = line.split("\t")
            rows.append((label, origin, text))
    return rows


def test_blame_labels_glue_databricks_and_resolution_lines(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": JOB})
    glue_commits = [git(glue, "rev-parse", "HEAD").strip()]
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    git(dbx, "config", "user.name", "Databricks Team")
    edit(dbx, "job.py", "c = 3\n", "c = 30  # databricks\n")
    edit(dbx, "job.py", "e = 5\n", "e = 5  # databricks\n")
    commit_all(dbx, "databricks edits")
    edit(glue, "job.py", "g = 7\n", "g = 70\n")
    edit(glue, "job.py", "e = 5\n", "e = 50\n")
    edit(glue, "job.py", "h = 8\n", "h = 8\ni = 9\n")
    glue_commits.append(commit_all(glue, "glue week"))
    edit(glue, "job.py", "i = 9\n", "i = 9\nj = 10\n")
    glue_commits.append(commit_all(glue, "glue later that week"))  # the snapshot's Glue commit
    assert g2l(dbx, "sync").returncode == 1  # e conflicts
    text = (dbx / "job.py").read_text()
    start, end = text.index("<<<<<<<"), text.index(">>>>>>> glue-upstream\n") + len(">>>>>>> glue-upstream\n")
    (dbx / "job.py").write_text(text[:start] + "e = 55  # resolved by hand\n" + text[end:])
    git(dbx, "add", "job.py")
    git(dbx, "commit", "-q", "--no-edit")

    run = g2l(dbx, "blame", "job.py", "--json")
    assert run.returncode == 0, run.stderr
    lines = json.loads(run.stdout)
    got = []
    for item in lines:
        if item["label"] == "glue":
            where = item["glue_lines"][0] if item["glue_lines"] else "-"
            origin = f"glue@{glue_commits.index(item['glue_commit']) + 1}:{where}"
        else:
            origin = item["author"]
        got.append((item["label"], origin, item["text"]))
    assert got == _expected("job.expected")
    assert [item["line"] for item in lines] == list(range(1, len(lines) + 1))
    # With the Glue repository at hand, a Glue line names the Glue commit that changed it, not the
    # snapshot's (the second Glue commit of the week).
    g = next(item for item in lines if item["text"] == "g = 70")
    assert g["glue_commit"] == glue_commits[1] and g["snapshot_glue_commit"] == glue_commits[2]
    databricks = next(item for item in lines if item["label"] == "databricks")
    assert databricks["summary"] == "databricks edits" and databricks["date"]
    # The text rendering names the Glue file and line, and the status shows each file's shares.
    assert "job.py:6" in g2l(dbx, "blame", "job.py").stdout
    status = json.loads(g2l(dbx, "status", "--json").stdout)["line_provenance"]
    assert status["job.py"] == {"glue": 9, "databricks": 1, "resolution": 1}
    # An edit not committed yet is Databricks.
    edit(dbx, "job.py", "a = 1\n", "a = 1  # wip\n")
    first = json.loads(g2l(dbx, "blame", "job.py", "--json").stdout)[1]
    assert first["label"] == "databricks" and first["author"] == "not committed yet"


def test_resolving_committed_markers_is_resolution(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": JOB})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    edit(dbx, "job.py", "b = 2\n", "b = 20\n")
    commit_all(dbx, "dbx")
    edit(glue, "job.py", "b = 2\n", "b = 200\n")
    commit_all(glue, "glue")
    assert g2l(dbx, "sync", "--branch", "glue-sync-1", "--commit-conflicts").returncode == 1
    text = (dbx / "job.py").read_text()
    start, end = text.index("<<<<<<<"), text.index(">>>>>>> glue-upstream\n") + len(">>>>>>> glue-upstream\n")
    (dbx / "job.py").write_text(text[:start] + "b = 2000\n" + text[end:])
    commit_all(dbx, "resolve the sync's conflict")
    labels = {item["text"]: item["label"] for item in json.loads(g2l(dbx, "blame", "job.py", "--json").stdout)}
    assert labels["b = 2000"] == "resolution" and labels["a = 1"] == "glue"


def test_line_map_aligns_converted_lines_with_glue_lines():
    glue = ["import sys", "args = getResolvedOptions(sys.argv, ['x'])", "a = 1"]
    converted = ["# SOURCE: GLUE", "import argparse", "parser = argparse.ArgumentParser()", "a = 1"]
    assert line_map(glue, converted) == [None, (1, 2), (1, 2), (3, 3)]


def test_blame_of_an_unknown_file_is_one_line(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": JOB})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    run = g2l(dbx, "blame", "nope.py")
    assert run.returncode == 2 and run.stderr.count("\n") == 1
