"""Incremental estate reading gives what a full read gives.

Real-shaped estates (``tests/estategen.py``: Terraform job and trigger per job, variables and locals
per module, a CloudFormation template, an API export) take random weeks of edits; after each week
the estate converted with the cache of the previous weeks (kept in a file, as in ``.git``) must
equal the estate converted from nothing: the same bundle files byte for byte, the same findings in
the same order, the same bookmark options. Then, on real repositories: a sync with the cache, a sync
whose cache was deleted and a sync whose cache file is damaged commit the same snapshot.
"""

from __future__ import annotations

import random
import shutil

from hypothesis import HealthCheck, given, settings, strategies as st

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.estate import convert_estate
from glue2lakehouse.estate.cache import DEFINITIONS, EstateCache, activated, blob_id
from glue2lakehouse.sync import initialize, sync

from .estategen import edit, estate
from .helpers import commit_all, git, new_repo, write

TRANSFORM = TransformSettings(catalog="prod")


def _convert(files: dict[str, str], cache: EstateCache | None):
    data = {path: text.encode() for path, text in files.items()}
    with activated(cache):
        result = convert_estate(sorted(data), data.__getitem__, TRANSFORM, EstateSettings(),
                                (lambda p: blob_id(data[p])) if cache is not None else None)
    if cache is not None:
        cache.save()
    return result


def _outputs(result) -> tuple:
    return (result.files, result.replaced, [(i.path, i.line, i.rule, i.message) for i in result.issues],
            result.bookmarks)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2 ** 32 - 1), weeks=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_incremental_read_equals_full_read(tmp_path_factory, seed, weeks):
    rng = random.Random(seed)
    files = estate(rng, 34, per_domain_jobs=4)
    cache_file = tmp_path_factory.mktemp("cache") / "estate.pickle"
    first = _convert(files, EstateCache(cache_file))
    assert _outputs(first) == _outputs(_convert(files, None))
    for edits in weeks:
        touched = [path for _ in range(edits) for path in edit(rng, files)]
        cache = EstateCache(cache_file)
        incremental = _convert(files, cache)
        full = _convert(files, None)
        assert _outputs(incremental) == _outputs(full), touched
        # Only the units whose files changed (or whose look-ups changed) were read again.
        assert cache.hits > 0


def test_unchanged_estate_is_replayed_without_parsing(tmp_path):
    files = estate(random.Random(7), 60, per_domain_jobs=6)
    cache_file = tmp_path / "estate.pickle"
    _convert(files, EstateCache(cache_file))
    cache = EstateCache(cache_file)
    again = _convert(files, cache)
    assert cache.misses == 0
    assert _outputs(again) == _outputs(_convert(files, None))


def test_damaged_or_foreign_cache_is_ignored(tmp_path):
    files = estate(random.Random(3), 40, per_domain_jobs=4)
    expected = _outputs(_convert(files, None))
    cache_file = tmp_path / "estate.pickle"
    definitions = tmp_path / DEFINITIONS
    for file in (cache_file, definitions):
        file.write_bytes(b"not a pickle at all")
    assert _outputs(_convert(files, EstateCache(cache_file))) == expected
    # Entries written by another version are dropped as a whole.
    import pickle

    document = pickle.loads(definitions.read_bytes())
    assert document["entries"]
    document["version"] = "0.0.0-other"
    definitions.write_bytes(pickle.dumps(document))
    cache = EstateCache(cache_file)
    assert not any(cache.has(slot) for slot in document["entries"])
    assert _outputs(_convert(files, cache)) == expected


def _estate_repos(tmp_path):
    glue = new_repo(tmp_path / "glue")
    for path, text in estate(random.Random(11), 40, per_domain_jobs=4).items():
        write(glue, path, text)
    commit_all(glue, "glue estate")
    dbx = new_repo(tmp_path / "dbx")
    assert initialize(dbx, glue, catalog="prod").status == "merged"
    return glue, dbx


def test_sync_with_cache_equals_sync_without(tmp_path):
    glue, dbx = _estate_repos(tmp_path)
    cache_file = dbx / ".git" / "g2l-cache" / "estate.pickle"
    assert cache_file.exists()
    rng = random.Random(5)
    files = {p: (glue / p).read_text() for p in git(glue, "ls-files").split()}
    for _ in range(3):
        for path in edit(rng, files):
            if path in files:
                write(glue, path, files[path])
            else:
                (glue / path).unlink(missing_ok=True)
    commit_all(glue, "a week of Glue changes")
    refs = {name: git(dbx, "rev-parse", name).strip() for name in ("main", "glue-upstream", "refs/g2l/glue-source")}
    with_cache = sync(dbx)
    assert with_cache.status == "merged"
    snapshot_tree = git(dbx, "rev-parse", "glue-upstream^{tree}").strip()
    note = git(dbx, "notes", "--ref", "refs/notes/g2l", "show", "glue-upstream")

    for damage in ("delete", "garbage"):
        git(dbx, "reset", "-q", "--hard", refs["main"])
        for name in ("glue-upstream", "refs/g2l/glue-source"):
            git(dbx, "update-ref", name if name.startswith("refs/") else f"refs/heads/{name}", refs[name])
        if damage == "delete":
            shutil.rmtree(cache_file.parent)
        else:
            cache_file.write_bytes(b"\x80\x05garbage")
        again = sync(dbx)
        assert again.status == "merged"
        assert git(dbx, "rev-parse", "glue-upstream^{tree}").strip() == snapshot_tree
        assert again.findings == with_cache.findings
        assert cache_file.exists()
    assert "findings" in note


def test_definitions_parsed_ahead_on_two_workers_give_the_same_snapshot(tmp_path, monkeypatch):
    """An initial migration parses the Terraform files on worker processes first; the snapshot is the one a
    single process without any cache builds."""
    from glue2lakehouse.estate import ahead

    monkeypatch.setattr(ahead, "PARALLEL_THRESHOLD", 4)
    glue = new_repo(tmp_path / "glue")
    for path, text in estate(random.Random(13), 30, per_domain_jobs=3).items():
        write(glue, path, text)
    commit_all(glue, "glue estate")
    dbx = new_repo(tmp_path / "dbx")
    assert initialize(dbx, glue, catalog="prod", workers=2).status == "merged"
    shutil.rmtree(dbx / ".git" / "g2l-cache")
    again = sync(dbx, dry_run=True, workers=1)
    assert again.status == "up-to-date"


def test_one_changed_definition_is_the_only_file_parsed_again(tmp_path):
    files = estate(random.Random(17), 60, per_domain_jobs=6)
    cache_file = tmp_path / "estate.pickle"
    first = EstateCache(cache_file)
    _convert(files, first)
    assert first.misses > 30          # everything parsed once
    path = sorted(p for p in files if p.endswith(".tf") and "_job_" in p)[3]
    files[path] = files[path].replace('"--run_date" = "latest"', '"--run_date" = "yesterday"')
    cache = EstateCache(cache_file)
    result = _convert(files, cache)
    # Its kind, its parse, the map literal it merges, its file and module units, the estate: nothing else.
    assert cache.misses <= 6, cache.misses
    assert _outputs(result) == _outputs(_convert(files, None))
    assert any("yesterday" in text.decode() for text in result.files.values())


def _glue_resources(text: str) -> int:
    return text.count('resource "aws_glue_')


def test_a_module_read_again_evaluates_only_what_changed(tmp_path):
    """A module is read again when one of its files changed; of its Glue resources only the changed file's, and
    those that refer to what changed, are evaluated again: the others are replayed."""
    files = estate(random.Random(17), 60, per_domain_jobs=6)
    cache_file = tmp_path / "estate.pickle"
    _convert(files, EstateCache(cache_file))
    definitions = sorted(p for p in files if p.endswith(".tf") and "_job_" in p)
    path = definitions[3]
    module = [p for p in definitions if p.rsplit("/", 1)[0] == path.rsplit("/", 1)[0]]
    assert len(module) >= 4
    files[path] = files[path].replace('"--run_date" = "latest"', '"--run_date" = "yesterday"')
    cache = EstateCache(cache_file)
    result = _convert(files, cache)
    assert _outputs(result) == _outputs(_convert(files, None))
    # The file's unit, its module's, and the job whose argument changed. Its trigger, and the next job's trigger,
    # refer to the job's name, which did not change: replayed, as every other resource of the module.
    assert cache.units_read == 2 + 1
    assert cache.units_replayed >= sum(_glue_resources(files[p]) for p in module) - 1
    # The bundle job of a replayed resource is the one last built, reused: only the changed job is rendered.
    assert cache.jobs_rendered == 1

    # A job's name changes: the trigger that names it is evaluated again too.
    cache_file2 = tmp_path / "second.pickle"
    _convert(files, EstateCache(cache_file2))
    files[path] = files[path].replace('name              = "', 'name              = "renamed-', 1)
    cache = EstateCache(cache_file2)
    result = _convert(files, cache)
    assert _outputs(result) == _outputs(_convert(files, None))
    assert cache.units_read == 2 + 3   # the job, its trigger, the next job's trigger

    # A variable every job uses changes: the module's resources are evaluated again, all of them.
    variables = path.rsplit("/", 1)[0] + "/variables.tf"
    files[variables] = files[variables].replace("  default = ", "  default = 7\n  #", 1)
    cache = EstateCache(cache_file2)
    result = _convert(files, cache)
    assert _outputs(result) == _outputs(_convert(files, None))
    assert cache.units_read >= 2 + sum(_glue_resources(files[p]) for p in module)


def test_fingerprint_follows_content_not_shared_parts():
    """Equal values key alike however their parts are shared: a job and the trigger naming it, read together,
    share the name's string; replayed from two records they hold two equal strings."""
    from glue2lakehouse.estate.incremental import fingerprint

    name = "".join(["risk_", "daily"])
    shared = {"job": {"name": name}, "trigger": {"actions": [name]}}
    apart = {"job": {"name": "".join(["risk_", "daily"])}, "trigger": {"actions": ["".join(["risk", "_daily"])]}}
    assert fingerprint(shared) == fingerprint(apart)
    assert fingerprint(shared) != fingerprint({**apart, "trigger": {"actions": ["risk_weekly"]}})
    looped: list = []
    looped.append(looped)
    assert fingerprint(looped) is None     # refers to itself: no key, the value is computed each time
