from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch, tmp_path_factory):
    """Each test sees a git with a known identity and no user/global config of the machine."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(key, raising=False)
    yield


_OWN = {".venv", ".git", ".pytest_cache", ".hypothesis", "__pycache__"}


@pytest.fixture(scope="session", autouse=True)
def _nothing_written_to_the_repository():
    """Tests write only in their temporary folders: nothing new may appear at the repository root."""
    before = {p.name for p in ROOT.iterdir()}
    yield
    new = sorted({p.name for p in ROOT.iterdir()} - before - _OWN)
    assert not new, f"tests wrote {new} into the repository root; write into tmp_path instead"


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run (verification tests reset its catalog per run)."""
    from glue2lakehouse.verify.runner import new_session

    session = new_session("local[2]")
    yield session
    session.stop()
