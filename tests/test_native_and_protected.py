"""Native files and protected regions through real syncs (and a plain git merge)."""

from __future__ import annotations

import json
import subprocess

import pytest

from glue2lakehouse import workspace
from glue2lakehouse.errors import G2LError, MarkerError
from glue2lakehouse.gitrepo import GitRepo
from glue2lakehouse.sync import initialize, sync

from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo, snapshot_state, write

BODY = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(8))


@pytest.fixture
def pair(tmp_path):
    glue = glue_repo(tmp_path, {"a.py": BODY, "b.py": BODY, "native_dir/keep.py": "k = 1\n", "c.txt": "c\n"})
    dbx = new_repo(tmp_path / "dbx")
    initialize(dbx, glue)
    return glue, dbx


def _native(dbx, *paths):
    workspace.mark_native(GitRepo(dbx), list(paths))


def test_mark_native_writes_attributes_header_and_commits(pair):
    glue, dbx = pair
    _native(dbx, "b.py", "native_dir")
    assert "/b.py merge=g2l-native" in (dbx / ".gitattributes").read_text()
    assert "/native_dir/** merge=g2l-native" in (dbx / ".gitattributes").read_text()
    assert (dbx / "b.py").read_text().startswith("# SOURCE: DATABRICKS_NATIVE\n")
    assert (dbx / "native_dir/keep.py").read_text().startswith("# SOURCE: DATABRICKS_NATIVE\n")
    assert git(dbx, "status", "--porcelain") == ""
    assert workspace.list_native(GitRepo(dbx)) == ["b.py", "native_dir/keep.py"]
    out = g2l(dbx, "native", "--list", "--json")
    assert json.loads(out.stdout) == ["b.py", "native_dir/keep.py"]


@pytest.mark.parametrize("glue_action", ["modify", "modify_non_python", "delete", "rename_onto", "add_at_path",
                                         "add_in_folder"])
def test_native_files_are_byte_identical_whatever_glue_does(pair, glue_action):
    glue, dbx = pair
    write(dbx, "native_new.py", "# Databricks only\nvalue = 42\n")
    commit_all(dbx)
    _native(dbx, "b.py", "native_new.py", "native_dir", "c.txt")
    before = {p: (dbx / p).read_bytes() for p in ("b.py", "native_new.py", "native_dir/keep.py", "c.txt")}
    if glue_action == "modify_non_python":  # the Databricks side never changed it: git alone would take Glue's
        edit(glue, "c.txt", "c", "glue changed c")
    elif glue_action == "modify":
        edit(glue, "b.py", "return x + 3", "return x * 3")
        edit(glue, "native_dir/keep.py", "k = 1", "k = 2")
    elif glue_action == "delete":
        git(glue, "rm", "-q", "b.py", "native_dir/keep.py")
    elif glue_action == "rename_onto":
        git(glue, "mv", "a.py", "native_new.py")
    elif glue_action == "add_at_path":
        write(glue, "native_new.py", "glue = True\n")
    elif glue_action == "add_in_folder":
        write(glue, "native_dir/extra.py", "extra = 1\n")
    commit_all(glue)
    result = sync(dbx)
    assert result.exit_code == 0, result.conflicts
    for path, data in before.items():
        assert (dbx / path).read_bytes() == data, path
    assert git(dbx, "status", "--porcelain") == ""
    assert result.files_skipped >= 1
    assert any("Databricks-native: Glue" in item["why"] for item in result.preserved)
    if glue_action == "add_in_folder":
        assert not (dbx / "native_dir/extra.py").exists()


def _protect(dbx, path, start, end):
    return workspace.protect(GitRepo(dbx), path, start, end)


def test_protect_wraps_lines_and_refuses_bad_ranges(pair):
    glue, dbx = pair
    region = _protect(dbx, "a.py", 3, 3)  # line 1 is the SOURCE header, line 3 f0's body
    lines = (dbx / "a.py").read_text().splitlines()
    assert lines[2] == "    # PROTECTED: START - DO NOT OVERWRITE"
    assert lines[3] == "    return x + 0"
    assert lines[4] == "    # PROTECTED: END"
    assert region == {"file": "a.py", "start": 3, "end": 5}
    with pytest.raises(G2LError, match="overlap"):
        _protect(dbx, "a.py", 5, 7)
    with pytest.raises(G2LError, match="leave the file"):
        _protect(dbx, "a.py", 10, 500)
    with pytest.raises(G2LError, match="not a range"):
        _protect(dbx, "a.py", 9, 8)
    assert g2l(dbx, "protect", "a.py", "0", "3").returncode == 2
    assert git(dbx, "status", "--porcelain") == ""


def _region_setup(dbx):
    # Databricks adds an optimisation inside f2 and protects it together with f2's body.
    edit(dbx, "a.py", "    return x + 2\n", "    x = x.cache()\n    return x + 2\n")
    commit_all(dbx)
    text = (dbx / "a.py").read_text().splitlines()
    start = text.index("    x = x.cache()") + 1
    _protect(dbx, "a.py", start, start + 1)
    lines = (dbx / "a.py").read_text().splitlines(keepends=True)
    return "".join(lines[start - 1 : start + 3])


def test_glue_change_inside_a_region_is_a_conflict_beside_the_intact_region(pair):
    glue, dbx = pair
    region = _region_setup(dbx)
    edit(glue, "a.py", "return x + 2", "return x + 200")
    edit(glue, "a.py", "return x + 5", "return x + 500")
    commit_all(glue)
    result = sync(dbx)
    assert result.exit_code == 1
    assert result.conflicts[0]["reason"] == "Glue changed code covered by a protected region"
    text = (dbx / "a.py").read_text()
    assert region in text
    assert "return x + 500" in text  # the change outside the region landed
    assert text.index(region) < text.index("<<<<<<< HEAD") < text.index("    return x + 200")


def test_keep_databricks_setting_keeps_region_and_reports_glue_hunk(pair):
    glue, dbx = pair
    region = _region_setup(dbx)
    edit(dbx, ".g2l.toml", 'protected_overlap = "conflict"', 'protected_overlap = "keep-databricks"')
    commit_all(dbx)
    edit(glue, "a.py", "return x + 2", "return x + 200")
    commit_all(glue)
    result = sync(dbx)
    assert result.exit_code == 0
    assert region in (dbx / "a.py").read_text()
    assert "x + 200" not in (dbx / "a.py").read_text()
    assert result.overlaps and result.overlaps[0]["file"] == "a.py"
    assert "return x + 200" in result.overlaps[0]["glue"]


def test_force_overwrite_does_not_touch_regions(pair):
    glue, dbx = pair
    region = _region_setup(dbx)
    edit(glue, "a.py", "return x + 2", "return x + 200")
    commit_all(glue)
    result = sync(dbx, force_overwrite=True)
    assert result.exit_code == 0
    assert region in (dbx / "a.py").read_text()


@pytest.mark.parametrize("bad, line", [
    ("# PROTECTED: START - DO NOT OVERWRITE\nx = 1\n", 1),
    ("# PROTECTED: END\n", 1),
    ("# PROTECTED: START - DO NOT OVERWRITE\n# PROTECTED: START - DO NOT OVERWRITE\n# PROTECTED: END\n", 2),
])
def test_malformed_markers_stop_the_sync_before_anything_changes(pair, bad, line):
    glue, dbx = pair
    write(dbx, "a.py", bad + (dbx / "a.py").read_text())
    commit_all(dbx)
    edit(glue, "a.py", "return x + 7", "return x + 70")
    commit_all(glue)
    before = snapshot_state(dbx)
    with pytest.raises(MarkerError) as error:
        sync(dbx)
    assert f"a.py:{line}:" in str(error.value)
    assert snapshot_state(dbx) == before
    cli = g2l(dbx, "sync")
    assert cli.returncode == 2 and f"a.py:{line}:" in cli.stderr and snapshot_state(dbx) == before


def test_plain_git_merge_uses_the_drivers(pair):
    glue, dbx = pair
    region = _region_setup(dbx)
    edit(glue, "a.py", "return x + 2", "return x + 200")
    commit_all(glue)
    # A fresh clone needs 'g2l install'; afterwards a plain git merge keeps the region.
    clone = dbx.parent / "clone"
    git(dbx.parent, "clone", "-q", str(dbx), str(clone))
    git(clone, "config", "user.name", "T")
    git(clone, "config", "user.email", "t@example.com")
    assert g2l(clone, "install").returncode == 0
    result = sync(dbx, branch="tmp-sync")
    assert result.exit_code == 1
    git(dbx, "merge", "--abort")
    git(dbx, "checkout", "-q", "main")
    git(clone, "fetch", "-q", "origin", "glue-upstream:glue-upstream")
    merged = subprocess.run(["git", "merge", "glue-upstream"], cwd=clone, capture_output=True)
    assert merged.returncode == 1
    assert region in (clone / "a.py").read_text()


def test_status_document_is_derived_from_git(pair):
    glue, dbx = pair
    _native(dbx, "b.py")
    _region_setup(dbx)
    edit(glue, "a.py", "return x + 7", "return x + 70")
    commit_all(glue)
    sync(dbx)
    out = g2l(dbx, "status", "--json")
    doc = json.loads(out.stdout)
    assert doc["version"] == "1.0.0" and doc["initialized"] is True
    assert set(doc["glue_file_hashes"]) == {"a.py", "b.py", "native_dir/keep.py", "c.txt"}
    assert doc["databricks_native_files"] == ["b.py"]
    assert list(doc["protected_regions"]) == ["a.py"]
    assert [h["type"] for h in doc["sync_history"]] == ["initial_migration", "sync"]
    assert doc["sync_history"][0]["files_migrated"] == 4
    assert doc["sync_history"][1]["files_synced"] == 1
    assert not (dbx / ".dual_track_state.json").exists()
    text = g2l(dbx, "status")
    assert "Protected regions: 1" in text.stdout and "a.py: lines" in text.stdout
