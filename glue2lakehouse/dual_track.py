"""DualTrackManager: the Python API of the dual-track guide, over the same core as the CLI."""

from __future__ import annotations

import os
from pathlib import Path

from glue2lakehouse import workspace
from glue2lakehouse.errors import G2LError
from glue2lakehouse.gitrepo import GitRepo, init_repository
from glue2lakehouse.report import SyncResult
from glue2lakehouse.sync import initialize, sync

__all__ = ["DualTrackManager", "SyncResult"]


class DualTrackManager:
    """Keep a Databricks repository (``databricks_target``) in step with a Glue one (``glue_source``).

    Paths given to the methods may be relative to the Databricks repository,
    absolute, or relative to the working directory; paths returned are
    relative to the Databricks repository root.
    """

    def __init__(self, glue_source: str | os.PathLike, databricks_target: str | os.PathLike):
        self.glue_source = Path(glue_source).expanduser().resolve()
        self.databricks_target = Path(databricks_target).expanduser().resolve()

    def _repo(self) -> GitRepo:
        return GitRepo(self.databricks_target)

    @staticmethod
    def _failed(kind: str, error: G2LError) -> SyncResult:
        return SyncResult(success=False, kind=kind, status="error", errors=[str(error)])

    def initial_migration(self, catalog_name: str = "main") -> SyncResult:
        """Snapshot and merge the whole Glue source (creates and git-inits the target if it does not exist)."""
        try:
            target = self.databricks_target
            if not target.exists() or (target.is_dir() and not any(target.iterdir())):
                target.mkdir(parents=True, exist_ok=True)
                init_repository(target)
            return initialize(target, self.glue_source, catalog=catalog_name)
        except G2LError as error:
            return self._failed("initial_migration", error)

    def sync_glue_changes(self, dry_run: bool = False, force_overwrite: bool = False,
                          verify: bool = False) -> SyncResult:
        """``verify=True``: verify the jobs the sync touches before committing (``result.verified``; needs the
        spark extra and Java 17, see g2l sync --verify)."""
        hook = None
        if verify:
            from glue2lakehouse.verify.sync_verify import verifier

            hook = verifier()
        try:
            return sync(self.databricks_target, glue_source=self.glue_source, dry_run=dry_run,
                        force_overwrite=force_overwrite, verify=hook)
        except G2LError as error:
            return self._failed("sync", error)

    def mark_as_databricks_native(self, path: str | os.PathLike) -> list[str]:
        repo = self._repo()
        return workspace.mark_native(repo, [self._relative(repo, path)])

    def protect_code_region(self, file_path: str | os.PathLike, start_line: int, end_line: int) -> dict:
        repo = self._repo()
        return workspace.protect(repo, self._relative(repo, file_path), start_line, end_line)

    def get_sync_status(self) -> dict:
        repo = self._repo()
        document = workspace.state(repo)
        regions = document["protected_regions"]
        return {
            "initialized": document["initialized"],
            "last_sync": document["last_sync"],
            "last_glue_commit": document.get("last_glue_commit"),
            "total_files": document["total_files"],
            "databricks_native_files": len(document["databricks_native_files"]),
            "protected_regions": sum(len(v) for v in regions.values()),
            "files_with_protected_regions": len(regions),
            "sync_history_count": len(document["sync_history"]),
            "conflicts": len(workspace.conflicts_now(repo)),
        }

    def get_state(self) -> dict:
        """The full state document (what ``g2l status --json`` prints)."""
        return workspace.state(self._repo())

    def list_databricks_native_files(self) -> list[str]:
        return workspace.list_native(self._repo())

    def list_conflicts(self) -> list[dict]:
        return workspace.conflicts_now(self._repo())

    def _relative(self, repo: GitRepo, path: str | os.PathLike) -> str:
        """Accept the guide's spellings, including 'databricks_risk_engine/process_d.py' from the parent folder."""
        raw = Path(path)
        if not raw.is_absolute() and not (repo.root / raw).exists() and raw.parts and raw.parts[0] == repo.root.name:
            inside = Path(*raw.parts[1:]) if len(raw.parts) > 1 else Path(".")
            if (repo.root / inside).exists():
                return inside.as_posix()
        return str(path)
