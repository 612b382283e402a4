"""A sync whose changes cannot change the estate carries the last sync's estate over, and gives what a sync
without any cache gives.

Real-shaped estates (``tests/estategen.py``) take random weeks: the Glue team's edits of definitions
and scripts (``estategen.edit``), and edits of scripts that change what the estate reads from them (a new
job argument, a new import of the domain's helper module) or nothing it reads (a statement, a mode).
After each week the sync with the cache of the earlier weeks must give the trees and the report that the
same sync gives with no cache at all. Then: a week that edits scripts only neither loads nor writes the
definitions' cache file, a damaged or missing cache file of either kind is rebuilt without a trace.
"""

from __future__ import annotations

import random
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from glue2lakehouse.estate.cache import DEFINITIONS, REPORT, REPORT_ESTATE, STABLE, kept_report
from glue2lakehouse.sync import initialize, sync

from .estategen import edit, estate
from .helpers import commit_all, git, new_repo, synced_state, write

REFS = ("HEAD", "glue-upstream", "refs/g2l/glue-source", "refs/notes/g2l")


def _script_edit(rng: random.Random, files: dict[str, str]) -> list[str]:
    """An edit of a job script: a statement (nothing the estate reads), a new job argument, a new import."""
    scripts = sorted(p for p in files if p.endswith(".py") and "_job_" in p)
    path = rng.choice(scripts)
    kind = rng.choice(("statement", "argument", "import"))
    if kind == "argument":
        files[path] = files[path].replace('["JOB_NAME", "run_date"', f'["JOB_NAME", "run_date", "extra_{rng.randint(0, 9)}"', 1)
    elif kind == "import":
        domain = path.split("/")[1]
        files[path] = f"from glue.{domain}.helpers import load\n" + files[path]
    else:
        files[path] = re.sub(r"^([ \t]*)job\.commit\(\)", rf'\1print("week {rng.randint(0, 99)}")\n\1job.commit()',
                             files[path], count=1, flags=re.MULTILINE)
    return [path]


def _apply(glue, files: dict[str, str], touched: list[str]) -> None:
    for path in touched:
        if path in files:
            write(glue, path, files[path])
        else:
            (glue / path).unlink(missing_ok=True)


def _refs(dbx) -> dict[str, str]:
    return {name: git(dbx, "rev-parse", name).strip() for name in REFS}


def _put_back(dbx, refs: dict[str, str]) -> None:
    git(dbx, "reset", "-q", "--hard", refs["HEAD"])
    for name in REFS[1:]:
        git(dbx, "update-ref", name if name.startswith("refs/") else f"refs/heads/{name}", refs[name])


def _repos(root, seed: int, jobs: int = 24):
    files = estate(random.Random(seed), jobs, per_domain_jobs=4)
    glue = new_repo(root / "glue")
    for path, text in files.items():
        write(glue, path, text)
    commit_all(glue, "glue estate")
    dbx = new_repo(root / "dbx")
    assert initialize(dbx, glue, catalog="prod", workers=1).status == "merged"
    return glue, dbx, files


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2 ** 32 - 1), weeks=st.lists(st.lists(st.booleans(), min_size=1, max_size=3),
                                                         min_size=2, max_size=4))
def test_weekly_syncs_with_the_kept_estate_give_what_a_sync_without_cache_gives(tmp_path_factory, seed, weeks):
    rng = random.Random(seed)
    root = tmp_path_factory.mktemp("resume")
    glue, dbx, files = _repos(root, seed % 1000)
    cache = dbx / ".git" / "g2l-cache"
    for week in weeks:
        touched = []
        for definition in week:   # mostly script edits, as weeks are; sometimes a definition
            touched += edit(rng, files) if definition and rng.random() < 0.5 else _script_edit(rng, files)
        _apply(glue, files, touched)
        commit_all(glue, "a week of Glue changes")
        before = _refs(dbx)
        kept = root / "kept-cache"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(cache, kept)
        result = sync(dbx, workers=1)
        assert result.status in ("merged", "up-to-date"), touched
        incremental = synced_state(dbx)
        _put_back(dbx, before)
        shutil.rmtree(cache)
        again = sync(dbx, workers=1)
        assert again.findings == result.findings, touched
        assert synced_state(dbx) == incremental, touched
        # Go on from the incremental run's cache, as a user's repository would.
        shutil.rmtree(cache)
        shutil.copytree(kept, cache)
        _put_back(dbx, before)
        assert sync(dbx, workers=1).status == result.status
        assert synced_state(dbx) == incremental


def _week(glue, files, rng, kind: str) -> list[str]:
    path = sorted(p for p in files if p.endswith(".py") and "_job_" in p)[2]
    if kind == "statement":
        files[path] = re.sub(r"^([ \t]*)job\.commit\(\)", r'\1print("done")\n\1job.commit()', files[path], count=1,
                             flags=re.MULTILINE)
    elif kind == "argument":
        files[path] = files[path].replace('["JOB_NAME", "run_date"', '["JOB_NAME", "run_date", "region"', 1)
    _apply(glue, files, [path])
    commit_all(glue, f"a {kind} edit")
    return [path]


def test_a_week_of_script_edits_does_not_touch_the_definitions_cache(tmp_path):
    glue, dbx, files = _repos(tmp_path, 5)
    definitions = dbx / ".git" / "g2l-cache" / DEFINITIONS
    assert definitions.exists()
    # A sync that does not need it neither loads nor writes it: damaged, it stays as it is, and the sync is the
    # one a sync without any cache makes.
    definitions.write_bytes(b"damaged")
    # Two weeks: the second carries over the estate the first carried (kept as it was stored: EstateCache.carry).
    _week(glue, files, random.Random(2), "statement")
    assert sync(dbx, workers=1).status == "merged"
    assert definitions.read_bytes() == b"damaged"
    _week(glue, files, random.Random(1), "statement")
    before = _refs(dbx)
    assert sync(dbx, workers=1).status == "merged"
    assert definitions.read_bytes() == b"damaged"
    incremental = synced_state(dbx)
    _put_back(dbx, before)
    shutil.rmtree(definitions.parent)
    assert sync(dbx, workers=1).status == "merged"
    assert synced_state(dbx) == incremental


def test_a_script_reading_a_new_argument_changes_its_bundle_job(tmp_path):
    glue, dbx, files = _repos(tmp_path, 6)
    [path] = _week(glue, files, random.Random(2), "argument")
    before = _refs(dbx)
    assert sync(dbx, workers=1).status == "merged"
    incremental = synced_state(dbx)
    changed = git(dbx, "diff", "--name-only", f"{before['glue-upstream']}", "glue-upstream").split()
    assert path in changed
    assert any(name.startswith("resources/") and name.endswith(".job.yml") for name in changed), changed
    _put_back(dbx, before)
    shutil.rmtree(dbx / ".git" / "g2l-cache")
    assert sync(dbx, workers=1).status == "merged"
    assert synced_state(dbx) == incremental


@pytest.mark.parametrize("damage", ["per-sync garbage", "per-sync missing", "definitions missing", "other version",
                                    "note gone", "report's estate findings missing", "report's estate findings of "
                                    "another blob", "stable missing", "stable garbage"])
def test_a_damaged_cache_or_report_gives_the_same_sync(tmp_path, damage):
    glue, dbx, files = _repos(tmp_path, 7)
    folder = dbx / ".git" / "g2l-cache"
    _week(glue, files, random.Random(3), "statement")
    before = _refs(dbx)
    assert sync(dbx, workers=1).status == "merged"
    expected = synced_state(dbx)
    _put_back(dbx, before)
    if damage == "per-sync garbage":
        (folder / "estate.pickle").write_bytes(b"\x80\x05garbage")
    elif damage == "per-sync missing":
        (folder / "estate.pickle").unlink()
    elif damage == "definitions missing":
        (folder / DEFINITIONS).unlink()
    elif damage == "other version":
        import pickle

        for name in ("estate.pickle", DEFINITIONS):
            document = pickle.loads((folder / name).read_bytes())
            document["version"] = "0.0.0-other"
            (folder / name).write_bytes(pickle.dumps(document))
    elif damage == "stable missing":
        (folder / STABLE).unlink()
    elif damage == "stable garbage":
        (folder / STABLE).write_bytes(b"\x80\x05garbage")
    elif damage == "report's estate findings missing":
        (folder / REPORT_ESTATE).unlink()
    elif damage == "report's estate findings of another blob":
        import pickle

        document = pickle.loads((folder / REPORT_ESTATE).read_bytes())
        document["entries"]["blob"] = "0" * 40
        (folder / REPORT_ESTATE).write_bytes(pickle.dumps(document))
    else:   # the last report is not there (notes not fetched): its estate findings cannot be carried over
        git(dbx, "update-ref", "-d", "refs/notes/g2l")
    assert sync(dbx, workers=1).status == "merged"
    state = synced_state(dbx)
    if damage.startswith("stable"):   # written again whole: the next sync finds what it names
        from glue2lakehouse.estate.cache import EstateCache, _refs as stable_ids

        cache = EstateCache.for_git_dir(dbx / ".git")
        assert stable_ids(cache.stored) and all(cache._follow(data) for data in cache.stored.values())
    if damage == "note gone":   # the report of a sync without the last one lists the same estate findings
        estate = [f for f in state["note"]["findings"] if f["rule"].startswith(("estate-", "ddl-"))]
        assert estate == [f for f in expected["note"]["findings"] if f["rule"].startswith(("estate-", "ddl-"))]
        assert state["snapshot_tree"] == expected["snapshot_tree"]
    else:
        assert state == expected


def test_a_notes_blob_id_is_found_without_reading_the_note(tmp_path):
    """``note_id`` finds a commit's note in the notes tree as git lays it out, fanned out (ab/cdef...) once a
    repository has hundreds of notes; the same blob libgit2's note look-up reads."""
    import subprocess

    from glue2lakehouse.gitrepo import NOTES_REF, GitRepo

    repo = new_repo(tmp_path / "r")
    git(repo, "commit", "-q", "--allow-empty", "-m", "first")
    script = ("for i in $(seq 1 300); do git commit -q --allow-empty -m c$i && "
              f"git notes --ref {NOTES_REF} add -m note$i HEAD || exit 1; done")
    subprocess.run(["bash", "-c", script], cwd=repo, check=True, capture_output=True)
    assert "/" not in git(repo, "ls-tree", "--name-only", NOTES_REF).split()[0] and \
        len(git(repo, "ls-tree", "--name-only", NOTES_REF).split()[0]) == 2   # fanned out
    opened = GitRepo(repo)
    commits = git(repo, "rev-list", "HEAD").split()
    for commit in commits:
        try:
            expected = str(opened.repo.lookup_note(commit, NOTES_REF).id)
        except KeyError:
            expected = None
        assert opened.note_id(commit) == expected
    assert opened.note_id(commits[-1]) is None   # the first commit has no note


def test_the_last_report_is_read_from_the_cache_while_its_note_is_the_one_the_sync_wrote(tmp_path):
    """A sync keeps the findings of the report it wrote, under the note's blob id, as json reads them from the
    note (the same values, the keys in the same order); the next sync reads them there, not from a note of
    megabytes. A note edited by hand is another blob: it is read from git."""
    import json

    from glue2lakehouse import snapshot
    from glue2lakehouse.estate.cache import REPORT, keep_report, kept_report
    from glue2lakehouse.gitrepo import NOTES_REF, GitRepo

    _, dbx, _ = _repos(tmp_path, 8)
    repo = GitRepo(dbx)
    previous = repo.branch_ref("glue-upstream")
    report = json.loads(repo.note(previous))
    everything = snapshot.note_findings(repo, report)
    assert len(report["findings"]) + report["estate_findings"]["count"] == len(everything)
    kept = kept_report(repo.git_dir, repo.note_id(previous))
    assert kept == everything and len(kept) > 10
    assert [list(f) for f in kept] == [list(f) for f in everything]
    assert kept_report(repo.git_dir, "0" * 40) is None

    # What is kept for the note's blob is what a sync reads (shown by keeping something else for it) ...
    keep_report(repo.git_dir, repo.note_id(previous), everything[:3])
    snapshot._read_findings.clear()
    assert snapshot.stored_findings(repo, previous) == everything[:3]
    # ... and a note edited by hand is read from git, the estate's findings from the blob it still names.
    report["findings"].append({"file": "a.py", "line": 1, "message": "noted by the reviewer", "rule": "review"})
    git(dbx, "notes", "--ref", NOTES_REF, "add", "-f", "-m", json.dumps(report, indent=1, sort_keys=True), previous)
    snapshot._read_findings.clear()
    assert snapshot.stored_findings(repo, previous) == report["findings"] + everything[len(report["findings"]) - 1:]
    (repo.git_dir / "g2l-cache" / REPORT).write_bytes(b"damaged")
    assert kept_report(repo.git_dir, repo.note_id(previous)) is None


@pytest.mark.parametrize("finding", [
    {"file": "a.py", "line": 1, "rule": "r", "message": "m"},              # keys in another order than json reads
    {"file": "a.py", "line": 1, "message": "m", "rule": "r", "col": 4},    # another key
    {"file": "a.py", "line": (1, 2), "message": "m", "rule": "r"},          # a value json reads as another value
])
def test_findings_json_would_read_otherwise_are_not_kept(tmp_path, finding):
    from glue2lakehouse.estate.cache import keep_report, kept_report

    plain = {"file": "b.py", "line": 2, "message": "n", "rule": "r"}
    keep_report(tmp_path, "1" * 40, [plain])
    assert kept_report(tmp_path, "1" * 40) == [plain]
    keep_report(tmp_path, "2" * 40, [plain, finding])
    assert kept_report(tmp_path, "2" * 40) is None


@pytest.mark.parametrize("week", ["option", "retired"])
def test_a_job_whose_bookmark_option_changes_has_only_its_script_transformed_again(tmp_path, week):
    """A file's transform reads only its own job's bookmark option: a week that edits one job's option, or retires a
    job (its script stays), transforms that script again, not every file of the estate; the result is the sync a
    repository without any cache makes (which transforms everything again)."""
    glue, dbx, files = _repos(tmp_path, 9)
    definitions = sorted(p for p in files if p.endswith(".tf") and "_job_" in p
                         and '"--job-bookmark-option" = "job-bookmark-disable"' in files[p])
    path = definitions[1]
    if week == "option":
        files[path] = files[path].replace("job-bookmark-disable", "job-bookmark-enable", 1)
    else:
        del files[path]
    _apply(glue, files, [path])
    commit_all(glue, f"a week: {week}")
    before = _refs(dbx)
    assert sync(dbx, workers=1).status == "merged"
    message = git(dbx, "log", "-1", "--format=%B", "glue-upstream")
    # the script, and the edited definition (carried over byte for byte, counted with the transformed files)
    assert re.search(rf"; {2 if week == 'option' else 1} transformed\n", message), message
    incremental = synced_state(dbx)
    _put_back(dbx, before)
    shutil.rmtree(dbx / ".git" / "g2l-cache")
    assert sync(dbx, workers=1).status == "merged"
    full = git(dbx, "log", "-1", "--format=%B", "glue-upstream")
    assert "all files transformed again" in full, full
    assert synced_state(dbx) == incremental


def test_a_week_of_definitions_and_scripts_syncs_the_same_on_two_cores(tmp_path):
    """A week that changes definitions and scripts: on two cores the scripts are transformed on a worker while the
    estate is read, before the bookmark options are known. One job's script and its option change together (its
    transform is done again with the option); the result is the sync on one core, byte for byte."""
    glue, dbx, files = _repos(tmp_path, 11)
    definitions = sorted(p for p in files if p.endswith(".tf") and "_job_" in p
                         and '"--job-bookmark-option" = "job-bookmark-disable"' in files[p])
    definition = definitions[0]
    job = definition.rsplit("/", 1)[1][:-len(".tf")]
    script = next(p for p in files if p.endswith(f"/{job}.py"))
    files[definition] = files[definition].replace("job-bookmark-disable", "job-bookmark-enable", 1)
    # The Glue team drops the job's Job object the week its bookmarks are enabled: what the transform makes of its
    # reads now depends on the option, which the worker does not know yet.
    files[script] = re.sub(r"^(job = Job\(.*|job\.init\(.*|[ \t]*job\.commit\(\))\n", "", files[script],
                           flags=re.MULTILINE)
    touched = [definition, script]
    for path in sorted(p for p in files if p.endswith(".py") and "_job_" in p and p != script)[:3]:
        files[path] = re.sub(r"^([ \t]*)job\.commit\(\)", r'\1print("a week")\n\1job.commit()', files[path],
                             count=1, flags=re.MULTILINE)
        touched.append(path)
    touched += edit(random.Random(5), files)
    _apply(glue, files, touched)
    commit_all(glue, "a week of definitions and scripts")
    before = _refs(dbx)
    kept = tmp_path / "kept-cache"
    shutil.copytree(dbx / ".git" / "g2l-cache", kept)
    two = sync(dbx, workers=2)
    assert two.status == "merged"
    state = synced_state(dbx)
    counts = git(dbx, "log", "-1", "--format=%B", "glue-upstream").split("\n")[2]
    assert counts.endswith(" transformed"), counts   # the files of the week, not "all files transformed again"
    _put_back(dbx, before)
    shutil.rmtree(dbx / ".git" / "g2l-cache")
    shutil.copytree(kept, dbx / ".git" / "g2l-cache")
    one = sync(dbx, workers=1)
    assert one.findings == two.findings
    assert synced_state(dbx) == state
    assert git(dbx, "log", "-1", "--format=%B", "glue-upstream").split("\n")[2] == counts


def test_the_estate_findings_are_a_blob_the_note_names_written_again_only_when_they_change(tmp_path):
    """The note holds the report's own findings and names a blob with the estate's (thousands in a large estate,
    the same from week to week), kept in the notes tree as the note of itself: fetched and pushed with the notes
    ref, never collected. A week of script edits names the same blob and adds one notes commit; a week that
    changes the estate's findings names a new blob. Readers get every finding in report order."""
    import json

    from glue2lakehouse import workspace
    from glue2lakehouse.gitrepo import NOTES_REF, GitRepo
    from glue2lakehouse.review.actions import action_keys, group
    from glue2lakehouse.snapshot import note_findings

    glue, dbx, files = _repos(tmp_path, 5)
    repo = GitRepo(dbx)

    def report() -> dict:
        return json.loads(repo.note(repo.branch_ref("glue-upstream")))

    def notes_commits() -> int:
        return int(git(dbx, "rev-list", "--count", NOTES_REF))

    first = report()["estate_findings"]
    assert first["count"] > 10 and repo.note_id(first["blob"]) == first["blob"]
    assert len(json.loads(repo.read_blob(first["blob"]))) == first["count"]

    count = notes_commits()
    folder = repo.git_dir / "g2l-cache"
    kept_files = {name: (folder / name).stat().st_ino for name in (REPORT, REPORT_ESTATE)}
    _week(glue, files, random.Random(2), "statement")
    result = sync(dbx, workers=1)
    assert result.status == "merged"
    assert report()["estate_findings"] == first and notes_commits() == count + 1
    # The cache keeps the report's findings as the note has them; the estate's file is not written again (each
    # write is a new file renamed into place: a new inode), the report's own is.
    assert (folder / REPORT_ESTATE).stat().st_ino == kept_files[REPORT_ESTATE]
    assert (folder / REPORT).stat().st_ino != kept_files[REPORT]
    assert kept_report(repo.git_dir, repo.note_id(repo.branch_ref("glue-upstream"))) == result.findings
    assert note_findings(repo, report()) == result.findings == workspace.last_findings(repo)
    # The closing line counts the carried estate's actions from their kept keys, which the report does not hold.
    assert result.estate_actions == (first["count"], action_keys(result.findings[-first["count"]:]))
    assert f"Findings: {len(group(result.findings))} action(s)" in result.render_text()
    assert "estate_actions" not in result.to_dict() and "estate_actions" not in report()

    # A definition left half-written: the estate's findings change, a new blob holds them.
    path = sorted(p for p in files if p.endswith(".tf") and "_job_" in p)[0]
    files[path] = files[path].replace("}", "", 1)
    _apply(glue, files, [path])
    commit_all(glue, "a half-written definition")
    count = notes_commits()
    result = sync(dbx, workers=1)
    now = report()["estate_findings"]
    assert now["blob"] != first["blob"] and notes_commits() == count + 2
    assert json.loads(repo.read_blob(now["blob"])) == result.findings[-now["count"]:]
    assert note_findings(repo, report()) == result.findings == workspace.last_findings(repo)
    assert (folder / REPORT_ESTATE).stat().st_ino != kept_files[REPORT_ESTATE]   # new estate findings: written
    assert kept_report(repo.git_dir, repo.note_id(repo.branch_ref("glue-upstream"))) == result.findings
    assert git(dbx, "fsck", "--no-dangling").strip() == ""


def test_a_note_naming_an_estate_blob_this_clone_lacks_gives_the_sync_a_sync_without_cache_gives(tmp_path):
    """A note whose estate blob is missing (a hand edit, a clone without it) reads as the report's own findings;
    the next sync does not take the estate over from it but reads the estate again, and gives what a sync without
    any cache gives."""
    import json

    from glue2lakehouse import workspace
    from glue2lakehouse.errors import G2LError
    from glue2lakehouse.estate.cache import REPORT
    from glue2lakehouse.gitrepo import NOTES_REF, GitRepo
    from glue2lakehouse.snapshot import note_findings

    glue, dbx, files = _repos(tmp_path, 6)
    repo = GitRepo(dbx)
    snapshot_commit = repo.branch_ref("glue-upstream")
    report = json.loads(repo.note(snapshot_commit))
    everything = note_findings(repo, report)
    report["estate_findings"]["blob"] = "0" * 40
    git(dbx, "notes", "--ref", NOTES_REF, "add", "-f", "-m", json.dumps(report, indent=1, sort_keys=True),
        snapshot_commit)
    assert note_findings(repo, report) == report["findings"]
    with pytest.raises(G2LError, match="not in this clone"):   # what 'g2l conflicts --all' reads: it says so
        workspace.last_findings(repo)
    (repo.git_dir / "g2l-cache" / REPORT).unlink()

    _week(glue, files, random.Random(3), "statement")
    before = _refs(dbx)
    result = sync(dbx, workers=1)
    assert result.status == "merged" and result.findings == everything   # a statement changes no finding
    incremental = synced_state(dbx)
    _put_back(dbx, before)
    shutil.rmtree(repo.git_dir / "g2l-cache")
    assert sync(dbx, workers=1).findings == result.findings
    assert synced_state(dbx) == incremental


def test_a_notes_tree_without_the_estate_blob_gets_it_back_from_the_carried_findings(tmp_path):
    """The estate's findings carried over are not kept as text: when the notes tree lacks their blob (removed by
    hand), the sync makes their text from the findings again, which is that blob byte for byte."""
    import json

    from glue2lakehouse import workspace
    from glue2lakehouse.gitrepo import NOTES_REF, GitRepo
    from glue2lakehouse.snapshot import note_findings

    glue, dbx, files = _repos(tmp_path, 9)
    repo = GitRepo(dbx)
    blob = json.loads(repo.note(repo.branch_ref("glue-upstream")))["estate_findings"]["blob"]
    git(dbx, "notes", "--ref", NOTES_REF, "remove", blob)
    assert repo.note_id(blob) is None
    _week(glue, files, random.Random(4), "statement")
    result = sync(dbx, workers=1)
    assert result.status == "merged"
    report = json.loads(repo.note(repo.branch_ref("glue-upstream")))
    assert report["estate_findings"]["blob"] == blob and repo.note_id(blob) == blob
    assert note_findings(repo, report) == result.findings == workspace.last_findings(repo)
