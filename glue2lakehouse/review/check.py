"""g2l check: what must not be committed in a dual-track repository.

Leftover conflict markers, malformed PROTECTED markers, and Databricks-native
Python files that lost their ``# SOURCE: DATABRICKS_NATIVE`` header. Reads the
working tree (what pre-commit hands over), not git history.
"""

from __future__ import annotations

from glue2lakehouse import attributes
from glue2lakehouse.gitrepo import GitRepo
from glue2lakehouse.markers import SOURCE_NATIVE, RegionError, find_regions, has_markers, source_of
from glue2lakehouse.review.conflicts import stray_markers

GITATTRIBUTES = ".gitattributes"


def check_file(path: str, data: bytes, native: bool) -> list[dict]:
    """Problems in one file: dicts with file, line and message."""
    if b"\0" in data[:8000]:
        return []
    problems = [{"file": path, "line": line, "message": what} for line, what in stray_markers(data)]
    if path.endswith(".py") and has_markers(data):
        try:
            find_regions(data)
        except RegionError as error:
            problems.append({"file": path, "line": error.line,
                             "message": f"malformed PROTECTED markers: {error.what}"})
    if native and path.endswith(".py"):
        if source_of(data.decode("utf-8", "replace")) != SOURCE_NATIVE:
            problems.append({"file": path, "line": 1,
                             "message": f"Databricks-native file lost its '# SOURCE: {SOURCE_NATIVE}' header "
                                        f"(restore it with 'g2l native {path}')"})
    return sorted(problems, key=lambda p: p["line"])


def check(repo: GitRepo, paths: list[str] | None = None) -> list[dict]:
    """Check ``paths`` (repository-relative; default: every tracked file) as they are in the working tree."""
    attrs = repo.read_worktree(GITATTRIBUTES)
    patterns = attributes.native_patterns(attrs.decode("utf-8", "replace")) if attrs else []
    problems = []
    for path in paths if paths is not None else repo.tracked_files():
        data = repo.read_worktree(path)
        if data is not None:
            problems += check_file(path, data, attributes.is_native(path, patterns))
    return problems
