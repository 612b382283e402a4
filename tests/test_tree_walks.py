"""Tree diffs and tree edits that read only the folders a change touched (gitrepo.tree_deltas, gitrepo.edit_tree),
held equal to what libgit2's whole-tree diff and an index round trip give, on generated trees that mix files,
executables, links, gitlinks and a file giving way to a folder of its name."""

import subprocess
from pathlib import Path

import pygit2
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from glue2lakehouse.gitrepo import GitRepo, TreeEntry, edit_tree

NAMES = ["a", "b", "a.txt", "a-b", "jobs", "z"]
MODES = [0o100644, 0o100644, 0o100644, 0o100755, 0o120000, 0o160000]
GITLINK = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"   # a commit the repository does not hold, as a submodule's is


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> GitRepo:
    path = tmp_path_factory.mktemp("walks")
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return GitRepo(path)


def _entry(repo: GitRepo, content: int, mode: int) -> TreeEntry:
    if mode == 0o160000:
        return TreeEntry(GITLINK, mode)
    return TreeEntry(str(repo.repo.create_blob(f"content {content}\n".encode())), mode)


paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)
files = st.dictionaries(paths, st.tuples(st.integers(0, 3), st.sampled_from(MODES)), max_size=12)


def _consistent(spec: dict) -> dict:
    """Drop the files that sit where another file's folder is (a tree cannot hold both)."""
    names = sorted(spec)
    return {p: v for p, v in spec.items() if not any(q.startswith(p + "/") for q in names)}


def _tree(repo: GitRepo, spec: dict) -> str:
    return repo.build_tree({p: _entry(repo, c, m) for p, (c, m) in _consistent(spec).items()})


def _libgit2_entries(repo: GitRepo, old: str, new: str) -> list:
    """diff_entries as libgit2's whole-tree diff gives it (the code before the walk), in its order."""
    diff = repo.repo[old].diff_to_tree(repo.repo[new])
    out: dict = {}
    added = []
    for delta in diff.deltas:
        if delta.status == pygit2.GIT_DELTA_DELETED:
            out[delta.old_file.path] = None
        else:
            added.append(delta.new_file)
    for file in added:
        out[file.path] = TreeEntry(str(file.id), file.mode)
    return list(out.items())


def _libgit2_changes(repo: GitRepo, old: str, new: str) -> list:
    diff = repo.repo[old].diff_to_tree(repo.repo[new])
    diff.find_similar()
    names = {pygit2.GIT_DELTA_ADDED: "added", pygit2.GIT_DELTA_DELETED: "deleted",
             pygit2.GIT_DELTA_MODIFIED: "modified", pygit2.GIT_DELTA_RENAMED: "renamed",
             pygit2.GIT_DELTA_TYPECHANGE: "modified", pygit2.GIT_DELTA_COPIED: "added"}
    changes = []
    for delta in diff.deltas:
        status = names.get(delta.status, "modified")
        path = delta.new_file.path if status != "deleted" else delta.old_file.path
        changes.append((status, path, delta.old_file.path if status == "renamed" else None))
    return sorted(changes, key=lambda c: c[1])


def _mutated(old: dict, changes: list) -> dict:
    new = dict(old)
    for path, value in changes:
        if value is None:
            new.pop(path, None)
        else:
            new[path] = value
    return new


mutations = st.lists(st.tuples(paths, st.none() | st.tuples(st.integers(0, 3), st.sampled_from(MODES))), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=files, changes=mutations)
def test_the_walk_gives_libgit2s_diff(repo, old, changes):
    before = _tree(repo, old)
    after = _tree(repo, _mutated(old, changes))
    assert list(repo.diff_entries(before, after).items()) == _libgit2_entries(repo, before, after)
    assert repo.changed_paths(before, after) == sorted(
        {p for d in repo.repo[before].diff_to_tree(repo.repo[after]).deltas for p in (d.old_file.path, d.new_file.path)})
    assert [(c.status, c.path, c.old_path) for c in repo.diff_trees(before, after)] == \
        _libgit2_changes(repo, before, after)


def _index_edit(repo: GitRepo, tree: str, edits: dict) -> str:
    """edit_tree as an index round trip does it (the code before the walk), a file put where a folder is replacing
    the folder's files (libgit2's index keeps them, and the tree it writes drops the new file)."""
    index = pygit2.Index()
    index.read_tree(repo.repo[tree])
    for path, entry in edits.items():
        if entry is None and path in index:
            index.remove(path)
    for path, entry in edits.items():
        if entry is not None:
            for inside in [e.path for e in index if e.path.startswith(path + "/")]:
                index.remove(inside)
            index.add(pygit2.IndexEntry(path, pygit2.Oid(hex=entry.oid), entry.mode))
    return str(index.write_tree(repo.repo))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=files, edits=st.lists(st.tuples(paths, st.none() | st.tuples(st.integers(0, 3), st.sampled_from(MODES))),
                                 min_size=1, max_size=6))
def test_edit_tree_gives_the_index_round_trip(repo, old, edits):
    tree = _tree(repo, old)
    spelled = {path: None if value is None else _entry(repo, *value) for path, value in edits}
    assert edit_tree(repo, tree, spelled) == _index_edit(repo, tree, spelled)


def _drop_object(repo: GitRepo, oid: str) -> GitRepo:
    """Remove a loose object from the store: reading it now fails (in a repository opened again: no cached copy)."""
    loose = Path(repo.git_dir) / "objects" / oid[:2] / oid[2:]
    loose.unlink()
    return GitRepo(repo.root)


def test_only_the_folders_a_change_touched_are_read(tmp_path):
    """The unchanged folder's tree object is removed from the store: a walk that read it would fail."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    repo = GitRepo(tmp_path)
    blob = str(repo.repo.create_blob(b"x = 1\n"))
    other = str(repo.repo.create_blob(b"x = 2\n"))
    files = {f"resources/job_{i:04d}.job.yml": TreeEntry(blob, 0o100644) for i in range(300)}
    before = repo.build_tree({**files, "glue/risk/job.py": TreeEntry(blob, 0o100644)})
    after = edit_tree(repo, before, {"glue/risk/job.py": TreeEntry(other, 0o100644),
                                     "glue/risk/new.py": TreeEntry(blob, 0o100755)})
    resources = str(repo.repo[before]["resources"].id)
    assert str(repo.repo[after]["resources"].id) == resources
    repo = _drop_object(repo, resources)
    with pytest.raises(KeyError):
        repo.repo[resources]
    assert repo.changed_paths(before, after) == ["glue/risk/job.py", "glue/risk/new.py"]
    assert repo.diff_entries(before, after) == {"glue/risk/job.py": TreeEntry(other, 0o100644),
                                                "glue/risk/new.py": TreeEntry(blob, 0o100755)}
    assert [(c.status, c.path) for c in repo.diff_trees(before, after)] == [("modified", "glue/risk/job.py"),
                                                                            ("added", "glue/risk/new.py")]
    again = edit_tree(repo, after, {"glue/risk/new.py": None})
    assert repo.changed_paths(after, again) == ["glue/risk/new.py"]
    with pytest.raises(KeyError):   # libgit2's whole-tree diff reads every folder of both trees
        repo.repo[before].diff_to_tree(repo.repo[after])


def test_a_folder_left_empty_goes(repo):
    blob = str(repo.repo.create_blob(b"y\n"))
    tree = repo.build_tree({"glue/only.py": TreeEntry(blob, 0o100644), "README.md": TreeEntry(blob, 0o100644)})
    edited = edit_tree(repo, tree, {"glue/only.py": None})
    assert [e.name for e in repo.repo[edited]] == ["README.md"]
    assert edit_tree(repo, edited, {"README.md": None}) == str(repo.repo.TreeBuilder().write())
