"""Real git repositories in temp folders for scenario tests (set up with the git command itself)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES


def git(repo: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def g2l(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glue2lakehouse", *args], cwd=repo, capture_output=True, text=True)


def write(repo: Path, path: str, text: str | bytes) -> None:
    full = repo / path
    full.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        full.write_bytes(text)
    else:
        full.write_text(text)


def commit_all(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def glue_repo(tmp: Path, files: dict[str, str] | None = None) -> Path:
    """A Glue repo: the risk engine fixture, or the given files."""
    path = tmp / "glue"
    if files is None:
        shutil.copytree(FIXTURES / "glue_risk_engine", path)
        new_repo(path)
    else:
        new_repo(path)
        for name, text in files.items():
            write(path, name, text)
    commit_all(path, "glue")
    return path


def edit(repo: Path, path: str, old: str, new: str) -> None:
    full = repo / path
    text = full.read_text()
    assert old in text, f"{old!r} not in {path}"
    full.write_text(text.replace(old, new, 1))


def snapshot_state(repo: Path) -> tuple:
    """Everything a failed or dry-run sync must leave as it was."""
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    status = git(repo, "status", "--porcelain=v1", "--untracked-files=all")
    index = git(repo, "ls-files", "-s")
    files = {}
    for p in sorted(repo.rglob("*")):
        if ".git" in p.relative_to(repo).parts or not p.is_file():
            continue
        files[p.relative_to(repo).as_posix()] = p.read_bytes()
    head = git(repo, "symbolic-ref", "-q", "HEAD", check=False)
    return refs, status, index, files, head, (repo / ".git" / "MERGE_HEAD").exists()


def package_copy(dest: Path) -> Path:
    """This checkout's package as a folder pip (or pre-commit) can install from, committed as a git repo."""
    from .conftest import ROOT

    new_repo(dest)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "glue2lakehouse", dest / "glue2lakehouse", ignore=shutil.ignore_patterns("__pycache__"))
    commit_all(dest, "package")
    return dest


def assert_same_files(outputs: dict[str, bytes], expected_dir: Path) -> None:
    """``outputs`` (path -> bytes) are exactly the files under ``expected_dir``, byte for byte."""
    expected = {p.relative_to(expected_dir).as_posix(): p.read_bytes() for p in expected_dir.rglob("*") if p.is_file()}
    assert sorted(outputs) == sorted(expected)
    for path in outputs:
        assert outputs[path].decode() == expected[path].decode(), path


def synced_state(dbx) -> dict:
    """What a sync left in a Databricks repository, without when it ran: the snapshot, source and HEAD trees, and the
    sync's note (its time and the commit ids made then left out)."""
    import json

    text = git(dbx, "notes", "--ref", "refs/notes/g2l", "show", "glue-upstream")
    note = json.loads(text)
    # The report's text is json's, byte for byte (its findings are partly copied as text from sync to sync).
    assert text.rstrip("\n") == json.dumps(note, indent=1, sort_keys=True)
    for name in ("timestamp", "snapshot", "merge_commit"):   # when, and the commits made then
        note.pop(name)
    return {"snapshot_tree": git(dbx, "rev-parse", "glue-upstream^{tree}").strip(),
            "source_tree": git(dbx, "rev-parse", "refs/g2l/glue-source^{tree}").strip(),
            "head_tree": git(dbx, "rev-parse", "HEAD^{tree}").strip(), "note": note}
