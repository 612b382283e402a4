"""``g2l verify --changed [REV]`` and ``g2l sync --verify``: the Glue jobs a sync touched.

A job is touched when its file changed, or a module of the estate it imports (directly or through other
modules) changed: a Glue change to ``risk_calculations/process_b.py`` touches every job importing it.

The Glue version of each job comes from the raw Glue tree the snapshot was made from (its ``G2L-Source``
commit). The Databricks version comes from the work tree (``verify --changed``: a Databricks edit that
changes results shows as ``differs``, or ``differs as intended`` once recorded in ``.g2l.toml``), or from
the tree a sync is about to commit (``sync --verify``, before its merge commit exists).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from glue2lakehouse.errors import G2LError

CONFLICTED = "conflicted"


def snapshot_of(repo, rev: str | None, branch: str) -> str:
    """The snapshot commit REV names (a snapshot, or a merge of one), or the last snapshot."""
    from glue2lakehouse.snapshot import snapshot_info

    commit = repo.resolve(rev) if rev else repo.branch_ref(branch)
    if commit is None:
        raise G2LError(f"{rev or branch} does not name a commit", "run 'g2l sync' first, or pass a commit of the sync")
    if snapshot_info(repo, commit).get("G2L-Source"):
        return commit
    _, _, parents = repo.commit_info(commit)
    for parent in parents[1:] + parents[:1]:
        if snapshot_info(repo, parent).get("G2L-Source"):
            return parent
    raise G2LError(f"{rev} is neither a snapshot nor the merge of one", "pass a sync's merge commit or a snapshot")


# ---------------------------------------------------------------- which jobs a change touches
def _module_files(name: str, files: set[str]) -> list[str]:
    """The estate files a dotted module name may be: ``a/b.py``, ``a/b/__init__.py``, and its packages' inits."""
    parts = name.split(".")
    found = []
    for end in range(1, len(parts) + 1):
        stem = "/".join(parts[:end])
        for candidate in (f"{stem}/__init__.py", f"{stem}.py"):
            if candidate in files:
                found.append(candidate)
    return found


def imported_files(path: str, text: str, files: set[str]) -> list[str]:
    """The estate files one Python file imports (absolute names from the estate's root, relative names from
    its package). A file that does not parse imports nothing we can tell."""
    from glue2lakehouse.verify.modules import imported_names

    found: list[str] = []
    for name in imported_names(text, path.split("/")[:-1]):
        found += [f for f in _module_files(name, files) if f != path and f not in found]
    return found


def dependencies(job: str, texts: dict[str, str]) -> set[str]:
    """Every estate file the job reaches through imports, the job included."""
    files = set(texts)
    seen, stack = {job}, [job]
    while stack:
        current = stack.pop()
        for found in imported_files(current, texts.get(current, ""), files):
            if found not in seen:
                seen.add(found)
                stack.append(found)
    return seen


def touched(jobs: list[str], texts: dict[str, str], changed: set[str]) -> dict[str, list[str]]:
    """job -> the changed files it reaches (itself or modules it imports), for the jobs a change touches."""
    out = {}
    for job in jobs:
        reached = sorted(dependencies(job, texts) & changed)
        if reached:
            out[job] = reached
    return out


def _materialise(repo, tree_or_commit: str, folder: Path) -> None:
    for path, entry in repo.tree_files(tree_or_commit).items():
        if entry.mode == 0o120000:
            continue   # a symbolic link: not a file a job runs
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(repo.read_blob(entry.oid))


def touched_jobs(repo, snapshot: str) -> tuple[str, list[str]]:
    """(the snapshot's raw Glue commit, the Glue jobs it touched since the previous snapshot)."""
    with tempfile.TemporaryDirectory(prefix="g2l-verify-changed-") as tmp:
        source, found = _touched(repo, snapshot, Path(tmp))
        return source, sorted(found)


def _touched(repo, snapshot: str, glue_root: Path) -> tuple[str, dict[str, list[str]]]:
    """Materialise the snapshot's raw Glue tree under ``glue_root``; (its commit, job -> changed files reached)."""
    from glue2lakehouse.snapshot import snapshot_info
    from glue2lakehouse.verify.batch import is_glue_job

    source = snapshot_info(repo, snapshot)["G2L-Source"]
    _, _, parents = repo.commit_info(snapshot)
    previous = snapshot_info(repo, parents[0]).get("G2L-Source") if parents else None
    changed = set(repo.changed_paths(previous if previous and repo.has_object(previous) else None, source))
    _materialise(repo, source, glue_root)
    texts = {}
    for path in repo.tree_files(source):
        if path.endswith(".py") and (glue_root / path).is_file():
            texts[path] = (glue_root / path).read_text(encoding="utf-8", errors="replace")
    jobs = [path for path in sorted(texts) if is_glue_job(glue_root / path)]
    return source, touched(jobs, texts, changed)


# ---------------------------------------------------------------- verifying them
def verify_snapshot(repo, snapshot: str, *, tree: str | None = None, conflicted=(), seed: int = 0,
                    arguments: dict | None = None, data=None, master=None, progress=None, spark=None):
    """The jobs ``snapshot`` touched: Glue side from its raw Glue tree, Databricks side from ``tree`` (a git
    tree, materialised in a temporary folder) or, without one, from the work tree. A job reaching a file in
    ``conflicted`` is ``not verified`` (its Databricks version is not known until the conflict is resolved)."""
    from glue2lakehouse.config import CONFIG_FILE, load_toml_text
    from glue2lakehouse.sync import load_config
    from glue2lakehouse.verify.batch import NOT_VERIFIED, BatchReport, Case, Side, Verdict, ddl_of, verify_cases
    from glue2lakehouse.verify.command import parse_intended

    config = load_config(repo)
    aliases = {target: prefix for prefix, target in config.transform.paths.items()}
    with tempfile.TemporaryDirectory(prefix="g2l-verify-changed-") as tmp:
        glue_root = Path(tmp) / "glue"
        _, jobs = _touched(repo, snapshot, glue_root)
        if not jobs:
            return BatchReport()
        if tree is None:
            dbx_root = repo.root
        else:
            dbx_root = Path(tmp) / "databricks"
            _materialise(repo, tree, dbx_root)
        settings = dbx_root / CONFIG_FILE
        intended = parse_intended(load_toml_text(settings.read_text(encoding="utf-8"))) if settings.is_file() else []
        blocked = {}
        cases = []
        trees = [_python_texts(root) for root in (dbx_root, glue_root)] if conflicted else []
        for path in sorted(jobs):
            if conflicted:
                reached = sorted(set(conflicted) & _reached(path, trees))
                if reached:
                    blocked[path] = reached
                    continue
            if not (dbx_root / path).exists():
                continue   # removed on the Databricks side: nothing to compare
            cases.append(Case(path, Side(glue_root / path, [str(glue_root)]),
                              Side(dbx_root / path, [str(dbx_root)], aliases)))
        report = verify_cases(cases, spark=spark, master=master, seed=seed, arguments=arguments, data=data,
                              ddl=ddl_of([glue_root]), intended=intended, progress=progress) if cases else BatchReport()
        for path, reached in blocked.items():
            report.jobs.append(Verdict(path, NOT_VERIFIED, f"{CONFLICTED}: resolve {', '.join(reached)}, then run "
                                                           "'g2l verify --changed'"))
        report.jobs.sort(key=lambda job: job.job)
        return report


def _python_texts(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in root.rglob("*.py") if ".git" not in p.relative_to(root).parts}


def _reached(job: str, trees: list[dict]) -> set[str]:
    """The files a job reaches through imports, in the Databricks tree or the Glue one (a conflicted file may
    not parse: its imports are read from the other side)."""
    found: set[str] = set()
    for texts in trees:
        if job in texts:
            found |= dependencies(job, texts)
    return found | {job}


def verify_changed(rev: str | None, *, seed: int = 0, arguments: dict | None = None, data=None, master=None,
                   progress=None, spark=None, start: Path | None = None):
    from glue2lakehouse.gitrepo import GitRepo, worktree_of
    from glue2lakehouse.sync import load_config

    root = worktree_of(start or Path.cwd())
    if root is None or not (root / ".g2l.toml").exists():
        raise G2LError("--changed works inside a dual-track repository", "cd into the Databricks repository")
    repo = GitRepo(root)
    snapshot = snapshot_of(repo, rev, load_config(repo).branch)
    return verify_snapshot(repo, snapshot, seed=seed, arguments=arguments, data=data, master=master,
                           progress=progress, spark=spark)
