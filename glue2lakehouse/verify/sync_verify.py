"""``g2l sync --verify``: verify the Glue jobs a sync touches, before its merge commit is made.

``verifier()`` makes the hook ``sync(..., verify=...)`` calls with the tree the sync is about to commit
(or leave staged) and the files in conflict: each touched job runs under the Glue emulator (its raw Glue
version, from the snapshot's source tree) and as converted (read from that tree, materialised in a
temporary folder, not from the work tree). The verdicts become the merge message's Verified lines, the
snapshot note's ``verified`` list (``g2l report`` shows them again) and the pull-request body's Verified
section. sync.py stays free of Spark: everything that needs it is here and below.
"""

from __future__ import annotations


def verifier(*, seed: int = 0, spark=None, master: str | None = None, progress=None):
    """The hook for ``sync(..., verify=verifier())``: (repo, snapshot, tree, conflicted files) -> verdicts."""

    def verify(repo, snapshot: str, tree: str, conflicted: list[str]) -> list[dict]:
        from glue2lakehouse.verify.changed import verify_snapshot
        from glue2lakehouse.verify.verified import entries

        report = verify_snapshot(repo, snapshot, tree=tree, conflicted=conflicted, seed=seed, spark=spark,
                                 master=master, progress=progress)
        return entries(report)

    return verify
