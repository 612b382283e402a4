"""Property: random Glue and Databricks histories, many syncs in a row, nothing of Databricks lost."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glue2lakehouse import workspace
from glue2lakehouse.gitrepo import GitRepo
from glue2lakehouse.markers import find_regions
from glue2lakehouse.sync import initialize, sync

from .helpers import commit_all, git, new_repo, write

FILES = ("a.py", "b.py", "notes.txt")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True) if path.exists() else []


def _edit_lines(draw, lines: list[str], counter, prefix: str, least: int = 0) -> list[str]:
    lines = list(lines)
    for _ in range(draw(st.integers(least, 3))):
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        if action == "insert" or not lines:
            at = draw(st.integers(0, len(lines)))
            lines.insert(at, f"{prefix}_{next(counter)} = 1\n")
            continue
        at = draw(st.integers(0, len(lines) - 1))
        if lines[at].lstrip().startswith("# ") or lines[at].startswith("# SOURCE"):
            continue  # keep markers and headers well-formed
        if action == "replace":
            lines[at] = f"{prefix}_{next(counter)} = 2\n"
        else:
            del lines[at]
    return lines


def _region_blocks(path: Path) -> list[bytes]:
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    return [b"".join(lines[r.start - 1 : r.end]) for r in find_regions(data)]


def _resolve_all(dbx: Path) -> None:
    """Resolve every conflict keeping both sides' lines (drop base sections and marker lines)."""
    unmerged = git(dbx, "diff", "--name-only", "--diff-filter=U").split()
    for path in unmerged:
        full = dbx / path
        if not full.exists():
            continue
        out, section = [], "text"
        for line in _lines(full):
            if line.startswith("<<<<<<< "):
                section = "ours"
            elif line.startswith("||||||| "):
                section = "base"
            elif line.startswith("=======") and section in ("ours", "base"):
                section = "theirs"
            elif line.startswith(">>>>>>> "):
                section = "text"
            elif section != "base":
                out.append(line)
        full.write_text("".join(out))
    git(dbx, "add", "-A")
    git(dbx, "commit", "-q", "--no-edit")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), keep=st.booleans())
def test_random_histories_never_lose_databricks_work(data, keep):
    draw = data.draw
    counter = itertools.count()
    tmp = Path(tempfile.mkdtemp(prefix="g2l-prop-"))
    try:
        glue = new_repo(tmp / "glue")
        for name in FILES:
            write(glue, name, "".join(f"{name[0]}_base_{i} = {i}\n" for i in range(8)))
        commit_all(glue)
        dbx = new_repo(tmp / "dbx")
        initialize(dbx, glue)
        if keep:
            text = (dbx / ".g2l.toml").read_text().replace('"conflict"', '"keep-databricks"')
            write(dbx, ".g2l.toml", text)
            commit_all(dbx)
        repo = GitRepo(dbx)
        native: set[str] = set()
        for week in range(draw(st.integers(1, 3))):
            # Databricks week: edits, maybe a protected region, maybe a native file.
            for name in draw(st.sets(st.sampled_from(FILES), max_size=2)):
                full = dbx / name
                if name in native or not full.exists():
                    continue
                new = _edit_lines(draw, _lines(full), counter, "dbx")
                full.write_text("".join(new))
            commit_all(dbx, f"dbx week {week}")
            target = draw(st.sampled_from(["a.py", "b.py"]))
            lines = _lines(dbx / target)
            if target not in native and len(lines) > 3 and draw(st.booleans()):
                start = draw(st.integers(2, len(lines)))
                end = draw(st.integers(start, min(len(lines), start + 3)))
                taken = [(r.start, r.end) for r in find_regions((dbx / target).read_bytes())]
                if all(end < s or start > e for s, e in taken):
                    workspace.protect(repo, target, start, end)
            choice = draw(st.sampled_from(["none", "new", "existing"]))
            if choice == "new":
                name = f"native_{week}.py"
                write(dbx, name, f"# Databricks only {week}\nvalue = {week}\n")
                commit_all(dbx)
                workspace.mark_native(repo, [name])
                native.add(name)
            elif choice == "existing":
                name = draw(st.sampled_from(FILES))
                if (dbx / name).exists() and name not in native and not find_regions((dbx / name).read_bytes()):
                    workspace.mark_native(repo, [name])
                    native.add(name)
            # Glue week: edits, sometimes a file at a native path or a deletion.
            for name in FILES:
                full = glue / name
                if full.exists():
                    full.write_text("".join(_edit_lines(draw, _lines(full), counter, "glue", least=1)))
            if draw(st.booleans()) and native:
                write(glue, draw(st.sampled_from(sorted(native))), f"glue_{next(counter)} = 1\n")
            if draw(st.booleans()):
                (glue / "notes.txt").unlink(missing_ok=True)
            commit_all(glue, f"glue week {week}")

            before = {p: (dbx / p).read_bytes() for p in FILES + tuple(native) if (dbx / p).exists()}
            regions = {p: _region_blocks(dbx / p) for p in ("a.py", "b.py") if (dbx / p).exists()}
            dbx_lines = {p: {l for l in before[p].decode().splitlines() if l.startswith("dbx_")} for p in before}
            result = sync(dbx)

            for path in native:
                if path in before:
                    assert (dbx / path).read_bytes() == before[path], path
            for path, blocks in regions.items():
                text = (dbx / path).read_bytes()
                for block in blocks:
                    assert block in text, (path, block)
            for path, wanted in dbx_lines.items():
                now = set((dbx / path).read_text().splitlines()) if (dbx / path).exists() else set()
                assert wanted <= now, (path, wanted - now)
            unmerged = set(git(dbx, "diff", "--name-only", "--diff-filter=U").split())
            assert unmerged == {c["file"] for c in result.conflicts}
            if keep:
                assert not any("protected" in c["reason"] for c in result.conflicts)
            if unmerged:
                _resolve_all(dbx)
            assert git(dbx, "status", "--porcelain", "--untracked-files=no") == ""
            git(dbx, "merge-base", "--is-ancestor", "glue-upstream", "HEAD")
        git(dbx, "fsck", "--no-progress")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
