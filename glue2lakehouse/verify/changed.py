"""``g2l verify --changed [REV]``: inside a dual-track repository, the jobs a sync touched.

The Glue version of each job comes from the raw Glue tree the snapshot was made from (its ``G2L-Source``
commit), the Databricks version from the work tree, so a Databricks edit that changes results shows as
``differs`` (or ``differs as intended`` once recorded in ``.g2l.toml``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from glue2lakehouse.errors import G2LError


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


def touched_jobs(repo, snapshot: str) -> tuple[str, list[str]]:
    """(the snapshot's raw Glue commit, the Glue jobs it changed since the previous snapshot)."""
    from glue2lakehouse.snapshot import snapshot_info

    source = snapshot_info(repo, snapshot)["G2L-Source"]
    _, _, parents = repo.commit_info(snapshot)
    previous = snapshot_info(repo, parents[0]).get("G2L-Source") if parents else None
    changed = repo.changed_paths(previous if previous and repo.has_object(previous) else None, source)
    files = repo.tree_files(source)
    jobs = []
    for path in sorted(changed):
        if path.endswith(".py") and path in files:
            text = repo.read_blob(files[path].oid).decode("utf-8", "replace")
            if "awsglue" in text or "GlueContext" in text:
                jobs.append(path)
    return source, jobs


def verify_changed(rev: str | None, *, seed: int = 0, arguments: dict | None = None, data=None, master=None,
                   progress=None, spark=None, start: Path | None = None):
    from glue2lakehouse.gitrepo import GitRepo, worktree_of
    from glue2lakehouse.sync import load_config
    from glue2lakehouse.verify.batch import BatchReport, Case, Side, ddl_of, verify_cases
    from glue2lakehouse.verify.command import intended_differences

    root = worktree_of(start or Path.cwd())
    if root is None or not (root / ".g2l.toml").exists():
        raise G2LError("--changed works inside a dual-track repository", "cd into the Databricks repository")
    repo = GitRepo(root)
    config = load_config(repo)
    snapshot = snapshot_of(repo, rev, config.branch)
    source, jobs = touched_jobs(repo, snapshot)
    if not jobs:
        return BatchReport()
    aliases = {target: prefix for prefix, target in config.transform.paths.items()}
    with tempfile.TemporaryDirectory(prefix="g2l-verify-changed-") as tmp:
        glue_root = Path(tmp) / "glue"
        for path, entry in repo.tree_files(source).items():
            target = glue_root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(repo.read_blob(entry.oid))
        cases = []
        for path in jobs:
            if not (repo.root / path).exists():
                continue   # removed on the Databricks side: nothing to compare
            cases.append(Case(path, Side(glue_root / path, [str(glue_root)]),
                              Side(repo.root / path, [str(repo.root)], aliases)))
        return verify_cases(cases, spark=spark, master=master, seed=seed, arguments=arguments, data=data,
                            ddl=ddl_of([glue_root]), intended=intended_differences(repo.root), progress=progress)
