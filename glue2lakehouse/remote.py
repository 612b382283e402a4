"""What a clone needs from its remote to sync incrementally: the snapshot branch, the raw
Glue trees (``refs/g2l/*``) and the snapshot reports (``refs/notes/g2l``).

``g2l install`` adds fetch and push refspecs for them, so ``git fetch`` and ``git push``
carry them like branches, and makes the local snapshot branch from the remote's.
"""

from __future__ import annotations

from glue2lakehouse.gitrepo import NOTES_REF, GitRepo
from glue2lakehouse.snapshot import SOURCE_REF

# Forced for refs/g2l/*: the raw Glue trees are a cache (a snapshot names its source commit);
# not forced for the notes: a clone with reports it has not pushed keeps them (push first).
FETCH = ["+refs/g2l/*:refs/g2l/*", f"{NOTES_REF}:{NOTES_REF}"]


def push_refspecs(branch: str) -> list[str]:
    # HEAD first: a plain 'git push' still pushes the current branch to its namesake.
    return ["HEAD", f"refs/heads/{branch}:refs/heads/{branch}", f"{SOURCE_REF}:{SOURCE_REF}", f"{NOTES_REF}:{NOTES_REF}"]


def install_refspecs(repo: GitRepo, remote: str, branch: str) -> dict:
    """Configure ``remote``'s refspecs; returns what was set (empty when there is no such remote)."""
    if remote not in repo.remotes():
        return {}
    for spec in FETCH:
        repo.add_config_value(f"remote.{remote}.fetch", spec)
    for spec in push_refspecs(branch):
        repo.add_config_value(f"remote.{remote}.push", spec)
    tracking = repo.ref(f"refs/remotes/{remote}/{branch}")
    created = False
    if repo.branch_ref(branch) is None and tracking:
        repo.update_refs({f"refs/heads/{branch}": (None, tracking)}, "g2l install: the snapshot branch from the remote")
        created = True
    return {"remote": remote, "fetch": repo.config_values(f"remote.{remote}.fetch"),
            "push": repo.config_values(f"remote.{remote}.push"), "created_branch": branch if created else None}
