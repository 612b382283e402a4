"""A sync reads and writes what changed, and gives what a full rebuild gives.

A sync reads the Glue repository as the diff of its tree with the last source tree, takes the file
listings of the last snapshot and source trees from the cache in .git, transforms only the changed
files and carries the other files' findings over from the last report. Random weeks of Glue changes of
every kind a repository sees (edits, new folders, deletions, renames, a script made executable, a file
replaced by a folder of the same name, symbolic links, a .gitattributes of the Glue team's own, a
submodule) must give, week after week, the snapshot a rebuild from nothing gives: every Glue file
transformed (or copied) as ``transform_file`` makes it, nothing else in the tree, and the same trees,
findings and report as a sync whose cache was deleted.
"""

from __future__ import annotations

import json
import os
import random
import shutil

from hypothesis import HealthCheck, given, settings, strategies as st

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.gitrepo import GitRepo
from glue2lakehouse.jsontext import dumps_indented, items_text, list_text
from glue2lakehouse.sync import initialize, sync
from glue2lakehouse.transform import transform_file

from .helpers import commit_all, git, new_repo, synced_state, write

SETTINGS = TransformSettings(catalog="prod")
JOB = '''import sys
from awsglue.utils import getResolvedOptions
from awsglue.context import GlueContext
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "run_date"])
glueContext = GlueContext(SparkContext.getOrCreate())
frame = glueContext.create_dynamic_frame.from_catalog(database="{db}", table_name="{table}")
frame.toDF().write.mode("overwrite").saveAsTable("{db}.{table}_out")
'''
HELPER = "def clean(df):\n    return df.dropDuplicates()\n"


def _script(rng: random.Random) -> str:
    return JOB.format(db=rng.choice(["risk", "finance", "ops"]), table=rng.choice(["trades", "limits", "positions"]))


def _week(rng: random.Random, glue) -> str:
    """One change of the Glue repository (files on disk; the caller commits)."""
    files = sorted(p for p in git(glue, "ls-files").split("\n") if p and (glue / p).is_file()
                   and not (glue / p).is_symlink() and p != ".gitattributes")
    kind = rng.choice(["edit", "edit", "add", "delete", "rename", "chmod", "file-to-folder", "symlink",
                       "gitattributes", "submodule"])
    if kind == "edit" and files:
        path = rng.choice(files)
        write(glue, path, (glue / path).read_text() + f'print("week {rng.randint(0, 999)}")\n')
    elif kind == "delete" and len(files) > 2:
        (glue / rng.choice(files)).unlink()
    elif kind == "rename" and files:
        path = rng.choice(files)
        target = f"moved_{rng.randint(0, 99)}/{path.rsplit('/', 1)[-1]}"
        if not (glue / target).exists():
            (glue / target).parent.mkdir(parents=True, exist_ok=True)
            os.replace(glue / path, glue / target)
    elif kind == "chmod" and files:
        path = glue / rng.choice(files)
        path.chmod(path.stat().st_mode ^ 0o111)
    elif kind == "file-to-folder" and files:
        path = rng.choice(files)
        (glue / path).unlink()
        write(glue, f"{path}/inner_job.py", _script(rng))
    elif kind == "symlink" and files:
        link = glue / f"links/link_{rng.randint(0, 99)}.py"
        if not link.exists() and not link.is_symlink():
            link.parent.mkdir(exist_ok=True)
            os.symlink("../" + rng.choice(files), link)
    elif kind == "gitattributes":
        write(glue, ".gitattributes", f"*.py text eol=lf\n# {rng.randint(0, 999)}\n")
    elif kind == "submodule":
        name = f"vendor/lib_{rng.randint(0, 9)}"
        if not (glue / name).exists():
            (glue / name).mkdir(parents=True)   # an empty folder: a submodule not checked out
            git(glue, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},{name}")
    else:
        write(glue, f"jobs/new_{rng.randint(0, 999)}/job.py", _script(rng))
    return kind


def _expected(glue) -> dict[str, tuple[int, bytes]]:
    """path -> (mode, content) of the snapshot a rebuild from nothing makes of the Glue repository's HEAD."""
    out = {}
    listing = git(glue, "ls-tree", "-r", "-z", "HEAD").split("\0")
    for item in filter(None, listing):
        meta, _, path = item.partition("\t")
        mode, _, oid = meta.split()
        if mode == "160000" or path in (".gitattributes", ".g2l.toml"):
            continue
        data = GitRepo(glue).read_blob(oid)
        if mode != "120000" and path.endswith(".py"):
            data = transform_file(data, path, SETTINGS).data
        out[path] = (int(mode, 8), data)
    return out


def _snapshot(dbx) -> dict[str, tuple[int, bytes]]:
    repo = GitRepo(dbx)
    return {p: (e.mode, repo.read_blob(e.oid)) for p, e in repo.tree_files(repo.branch_ref("glue-upstream")).items()}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2 ** 32 - 1), weeks=st.integers(2, 4))
def test_weekly_syncs_give_what_a_rebuild_gives(tmp_path_factory, seed, weeks):
    rng = random.Random(seed)
    root = tmp_path_factory.mktemp("incremental")
    glue = new_repo(root / "glue")
    for index in range(6):
        write(glue, f"jobs/{['risk', 'finance'][index % 2]}/job_{index}.py", _script(rng))
    write(glue, "jobs/common/helpers.py", HELPER)
    write(glue, "README.md", "Glue jobs\n")
    commit_all(glue, "glue")
    dbx = new_repo(root / "dbx")
    assert initialize(dbx, glue, catalog="prod").status == "merged"
    cache = dbx / ".git" / "g2l-cache"
    for _ in range(weeks):
        kinds = [_week(rng, glue) for _ in range(rng.randint(1, 3))]
        commit_all(glue, "a week of Glue changes")
        before = {name: git(dbx, "rev-parse", name).strip()
                  for name in ("HEAD", "glue-upstream", "refs/g2l/glue-source", "refs/notes/g2l")}
        kept = root / "kept-cache"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(cache, kept)
        result = sync(dbx, workers=1)
        assert result.status in ("merged", "up-to-date"), (kinds, result.status)
        assert _snapshot(dbx) == _expected(glue), kinds
        incremental = synced_state(dbx)
        _listings_match(dbx)
        # The same week again, from the same commits, without the cache: the same trees, findings and report.
        git(dbx, "reset", "-q", "--hard", before["HEAD"])
        for name in ("glue-upstream", "refs/g2l/glue-source", "refs/notes/g2l"):
            git(dbx, "update-ref", name if name.startswith("refs/") else f"refs/heads/{name}", before[name])
        shutil.rmtree(cache)
        again = sync(dbx, workers=1)
        assert again.status == result.status
        assert again.findings == result.findings
        assert synced_state(dbx) == incremental, kinds
        # Go on from the incremental run's cache, as a user's repository would.
        shutil.rmtree(cache)
        shutil.copytree(kept, cache)
        git(dbx, "reset", "-q", "--hard", before["HEAD"])
        for name in ("glue-upstream", "refs/g2l/glue-source", "refs/notes/g2l"):
            git(dbx, "update-ref", name if name.startswith("refs/") else f"refs/heads/{name}", before[name])
        assert sync(dbx, workers=1).status == result.status
        assert synced_state(dbx) == incremental


def _listings_match(dbx) -> None:
    """Every listing the cache keeps (whole, or as the changes from another) is its tree's listing in git."""
    from glue2lakehouse.estate.cache import EstateCache
    from glue2lakehouse.snapshot import LISTING, _listing

    repo = GitRepo(dbx)
    cache = EstateCache.for_git_dir(repo.git_dir)
    trees = [key for namespace, key in cache.stored if namespace == LISTING]
    assert trees
    for tree in trees:
        assert _listing(repo, cache, tree) == repo.tree_files(tree)
        assert tree in cache.listings   # read from the cache, not listed from git


def _glue_of(root, files: int):
    glue = new_repo(root / "glue")
    rng = random.Random(files)
    for index in range(files):
        write(glue, f"jobs/{['risk', 'finance', 'ops'][index % 3]}/job_{index}.py", _script(rng))
    commit_all(glue, "glue")
    dbx = new_repo(root / "dbx")
    assert initialize(dbx, glue, catalog="prod").status == "merged"
    return glue, dbx


def _edit_week(glue, index: int) -> None:
    path = glue / f"jobs/risk/job_{index * 3}.py"
    write(glue, f"jobs/risk/job_{index * 3}.py", path.read_text() + f'print("week {index}")\n')
    commit_all(glue, f"week {index}")


def test_a_week_of_edits_writes_its_changes_and_leaves_the_stable_file_as_it_was(tmp_path):
    """The listings of a sync's trees are kept as what changed since the listings kept whole; those (and the
    estate carried over) are in the stable file, which a week of script edits does not write: the per-sync file it
    writes is a small fraction of what the cache holds."""
    from glue2lakehouse.estate.cache import FILE, STABLE, EstateCache
    from glue2lakehouse.snapshot import LISTING

    glue, dbx = _glue_of(tmp_path, 60)
    folder = (dbx / ".git" / FILE).parent
    stable = (folder / STABLE).stat().st_ino
    for week in range(1, 4):
        _edit_week(glue, week)
        assert sync(dbx, workers=1).status == "merged"
        assert (folder / STABLE).stat().st_ino == stable
        repo = GitRepo(dbx)
        cache = EstateCache.for_git_dir(repo.git_dir)
        for tree in (repo.commit_tree(repo.branch_ref("glue-upstream")), repo.commit_tree(repo.ref("refs/g2l/glue-source"))):
            kept = cache.take(LISTING, tree)   # what changed since the listing kept whole: a file a week
            assert kept[0] == "changes" and kept[2] == week and len(kept[3]) == week
    assert (folder / "estate.pickle").stat().st_size * 4 < (folder / STABLE).stat().st_size
    _listings_match(dbx)


def test_a_long_or_large_chain_of_changes_is_kept_whole_again(tmp_path, monkeypatch):
    """After ``CHAIN`` weeks kept as changes, or changes adding up to more than 1/``SHARE`` of the files (and more
    than ``FEW``), a listing is kept whole again (the stable file is written that week), and the listings kept whole
    before it go the week after."""
    from glue2lakehouse import snapshot
    from glue2lakehouse.estate.cache import FILE, STABLE, EstateCache

    monkeypatch.setattr(snapshot, "CHAIN", 2)
    glue, dbx = _glue_of(tmp_path, 30)
    folder = (dbx / ".git" / FILE).parent
    inodes = []
    for week in range(1, 6):
        _edit_week(glue, week)
        assert sync(dbx, workers=1).status == "merged"
        inodes.append((folder / STABLE).stat().st_ino)
        _listings_match(dbx)
    # Weeks 1 and 2 as changes; week 3 whole (written); week 4 as changes, and the listings kept whole before week 3
    # go (written); week 5 as changes.
    assert inodes[0] == inodes[1] != inodes[2] != inodes[3] == inodes[4]
    repo = GitRepo(dbx)
    cache = EstateCache.for_git_dir(repo.git_dir)
    assert cache.take(snapshot.LISTING, repo.commit_tree(repo.branch_ref("glue-upstream")))[2] == 2
    monkeypatch.setattr(snapshot, "CHAIN", 32)
    monkeypatch.setattr(snapshot, "FEW", 4)
    for index in range(30):   # every file: more than an eighth of them
        write(glue, f"jobs/{['risk', 'finance', 'ops'][index % 3]}/job_{index}.py", _script(random.Random(index)) + "x = 1\n")
    commit_all(glue, "every job")
    assert sync(dbx, workers=1).status == "merged"
    cache = EstateCache.for_git_dir(repo.git_dir)
    assert len(cache.take(snapshot.LISTING, repo.commit_tree(repo.branch_ref("glue-upstream")))) == 3   # whole
    _listings_match(dbx)


def test_a_dry_run_keeps_the_listings_of_the_last_sync(tmp_path):
    """A dry run builds a snapshot that is not published: the next real sync still finds the last sync's
    listings in the cache (it does not list the trees from git again)."""
    from glue2lakehouse.estate.cache import EstateCache
    from glue2lakehouse.snapshot import LISTING, _listing

    glue = new_repo(tmp_path / "glue")
    write(glue, "jobs/a.py", _script(random.Random(1)))
    write(glue, "jobs/b.py", _script(random.Random(2)))
    commit_all(glue, "glue")
    dbx = new_repo(tmp_path / "dbx")
    assert initialize(dbx, glue, catalog="prod").status == "merged"
    repo = GitRepo(dbx)
    trees = {repo.commit_tree(repo.branch_ref("glue-upstream")), repo.commit_tree(repo.ref("refs/g2l/glue-source"))}
    cache = EstateCache.for_git_dir(repo.git_dir)
    assert all(cache.take(LISTING, tree) is not None for tree in trees)
    write(glue, "jobs/a.py", (glue / "jobs/a.py").read_text() + "print('x')\n")
    commit_all(glue, "edit")
    assert sync(dbx, dry_run=True).status == "would-merge"
    cache = EstateCache.for_git_dir(repo.git_dir)
    assert all(cache.take(LISTING, tree) is not None for tree in trees)
    assert sync(dbx).status == "merged"
    cache = EstateCache.for_git_dir(repo.git_dir)
    for tree in (repo.commit_tree(repo.branch_ref("glue-upstream")), repo.commit_tree(repo.ref("refs/g2l/glue-source"))):
        assert cache.take(LISTING, tree) is not None
        assert _listing(repo, cache, tree) == repo.tree_files(tree)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    | st.tuples(children, children),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES)
def test_the_report_text_is_what_json_writes(value):
    assert dumps_indented(value) == json.dumps(value, indent=1, sort_keys=True)


FLAT = st.dictionaries(st.sampled_from(["file", "line", "rule", "message", "é", "}", "{"]),
                       st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
                       | st.text(alphabet=st.sampled_from('ab{}[],: "\\\n\té'), max_size=12), max_size=4)


@settings(max_examples=300, deadline=None)
@given(findings=st.lists(FLAT, max_size=6), level=st.integers(0, 3))
def test_a_list_of_findings_is_written_as_json_writes_it(findings, level):
    """Lists of flat dicts (a report's findings, braces and line breaks in their messages) take the encoder's
    one-call path; nested at any depth, the text is json's."""
    value: object = findings
    for _ in range(level):
        value = {"findings": value, "n": [1, {"x": None}]}
    assert dumps_indented(value) == json.dumps(value, indent=1, sort_keys=True)


@settings(max_examples=300, deadline=None)
@given(findings=st.lists(FLAT | JSON_VALUES, max_size=6))
def test_the_estate_findings_blob_is_the_list_json_reads_back(findings):
    """The estate's findings travel as their text from sync to sync (``items_text``) and are written as a blob of
    their own beside the note (``list_text``): json reads that text back as the same list, whatever the items."""
    text = list_text(items_text(findings, 1))
    assert json.dumps(json.loads(text), sort_keys=True) == json.dumps(findings, sort_keys=True)


def test_the_report_text_of_other_values_is_left_to_json():
    assert dumps_indented({1: "a", 2: {"b": [True, None]}}) == json.dumps({1: "a", 2: {"b": [True, None]}},
                                                                            indent=1, sort_keys=True)
    value = {"findings": [{"file": "a.py", "line": 3, "rule": "r", "message": "é ${x} \"q\"\n"}] * 3, "e": {}}
    assert dumps_indented(value) == json.dumps(value, indent=1, sort_keys=True)


def _convert_estate(files: dict[str, str], cache):
    from glue2lakehouse.config import EstateSettings
    from glue2lakehouse.estate import convert_estate
    from glue2lakehouse.estate.cache import activated, blob_id

    data = {path: text.encode() for path, text in files.items()}
    with activated(cache):
        result = convert_estate(sorted(data), data.__getitem__, SETTINGS, EstateSettings(),
                                (lambda p: blob_id(data[p])) if cache is not None else None)
    if cache is not None:
        cache.save()
    return (result.files, result.replaced, [(i.path, i.line, i.rule, i.message) for i in result.issues],
            result.bookmarks)


def test_scripts_that_change_arguments_or_imports_rebuild_their_jobs_from_the_cached_estate(tmp_path):
    """No definition changed, so the estate is the cached one; a script reading a new argument makes its bundle
    job built again (from the estate model kept in the cache), and a helper importing another module changes
    which modules run under a job's bookmark option: both equal a read from nothing."""
    from glue2lakehouse.estate.cache import EstateCache

    from .estategen import estate

    files = estate(random.Random(21), 40, per_domain_jobs=4)
    cache_file = tmp_path / "estate.pickle"
    first = _convert_estate(files, EstateCache(cache_file))
    script = sorted(p for p in files if "_job_" in p and p.endswith(".py") and '"JOB_NAME"' in files[p])[0]
    files[script] = files[script].replace('"JOB_NAME"', '"JOB_NAME", "extra_flag"', 1)
    helper = sorted(p for p in files if p.endswith(".py") and "_job_" not in p)[0]
    files[helper] = f"import {script[:-3].replace('/', '.')}\n" + files[helper]
    cache = EstateCache(cache_file)
    incremental = _convert_estate(files, cache)
    assert cache.misses <= 6, cache.misses           # the two scripts' arguments and imports, nothing else
    assert incremental == _convert_estate(files, None)
    assert incremental[0] != first[0]
