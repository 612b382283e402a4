"""g2l ci: the generated GitHub workflow and GitLab job validate against their schemas, and their
shell, run against local bare remotes (all but opening the pull request), pushes a sync branch and
writes the pull request body."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from glue2lakehouse.ci import GITHUB_PATH, GITLAB_PATH

from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo, package_copy

BIN = Path(sys.executable).parent


def _bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


@pytest.mark.parametrize("kind, path, schema", [("github", GITHUB_PATH, "vendor.github-workflows"),
                                                ("gitlab", GITLAB_PATH, "vendor.gitlab-ci")])
def test_generated_file_validates(tmp_path, kind, path, schema):
    repo = new_repo(tmp_path / "dbx")
    run = g2l(repo, "ci", kind)
    assert run.returncode == 0, run.stderr
    check = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(repo / path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    again = g2l(repo, "ci", kind)
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    # The checker does fail on a broken workflow (so the pass above means something).
    (repo / path).write_text((repo / path).read_text().replace("runs-on:", "runs_on:").replace("script:", "scripts:"))
    broken = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(repo / path)],
                            capture_output=True, text=True)
    assert broken.returncode == 1


def _expand(value: str, workspace: Path, outputs: dict) -> str:
    def one(match):
        expr = match.group(1).strip()
        if expr == "github.workspace":
            return str(workspace)
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.(\w+)", expr)
        if step:
            return outputs.get(step.group(2), "")
        return "not-used-in-this-test"
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def _outputs(path: Path) -> dict:
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="module")
def ci_python(tmp_path_factory):
    """What actions/setup-python (or GitLab's python image) leaves: a fresh Python to install into."""
    venv = tmp_path_factory.mktemp("ci") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv / "bin"


def _remotes(tmp_path):
    """The Glue and Databricks repositories behind bare remotes, on a week where Glue changes a line
    Databricks changed too (a conflict) and adds a table read in another file."""
    glue = glue_repo(tmp_path, {"job.py": "x = 1\ny = 2\n",
                                "load.py": 'df = spark.read.table("risk_db.customers")\n'})
    glue_remote = _bare(tmp_path / "glue.git")
    git(glue, "push", "-q", glue_remote.as_uri(), "main")
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    dbx_remote = _bare(tmp_path / "dbx.git")
    git(dbx, "remote", "add", "origin", dbx_remote.as_uri())
    assert g2l(dbx, "install").returncode == 0
    edit(dbx, "job.py", "y = 2\n", "y = 20  # databricks\n")
    commit_all(dbx, "databricks edit")
    git(dbx, "push", "-q")
    edit(glue, "job.py", "y = 2\n", "y = 3\n")
    edit(glue, "load.py", "\n", '\nlimits = spark.read.table("risk_db.credit_limits")\n')
    commit_all(glue, "week")
    git(glue, "push", "-q", glue_remote.as_uri(), "main")
    return glue_remote, dbx_remote, dbx, git(dbx_remote, "rev-parse", "main")


def _assert_proposed(dbx_remote, dbx, main_before, local, body_file, outputs):
    branch = f"glue-sync-{datetime.now(timezone.utc):%Y-%m-%d}"
    assert outputs == {"branch": branch, "changed": "true", "draft": "true"}
    # Pushed: the sync branch with the conflict markers committed, the snapshot refs; main untouched.
    assert git(dbx_remote, "rev-parse", "main") == main_before
    committed = git(dbx_remote, "show", f"{branch}:job.py")
    assert "<<<<<<< " in committed and "y = 20  # databricks\n" in committed and "y = 3\n" in committed
    assert git(dbx_remote, "rev-parse", "glue-upstream") != git(dbx, "rev-parse", "glue-upstream")
    assert git(dbx_remote, "rev-parse", "refs/notes/g2l") and git(dbx_remote, "rev-parse", "refs/g2l/glue-source")
    # The body: conflicts first, with their line range, then what Glue changed in meaning.
    body = body_file.read_text()
    assert body.startswith("> **This sync has 1 conflict(s)**")
    assert re.search(r"- `job\.py` \(lines \d+-\d+\): Glue and Databricks changed the same lines", body)
    assert "**table read** added: `risk_db.credit_limits` (table)" in body
    assert body.index("## Conflicts") < body.index("## What Glue changed in meaning")
    message = git(dbx_remote, "log", "-1", "--format=%B", branch)
    assert re.search(r"Conflicts:\n  job\.py \(lines \d+-\d+\): Glue and Databricks changed the same lines", message)
    # The report of the committed merge says the same.
    assert g2l(local, "report").stdout.rstrip("\n") == body.rstrip("\n")


def test_github_workflow_steps_push_a_sync_branch_and_write_the_body(tmp_path, ci_python):
    glue_remote, dbx_remote, dbx, main_before = _remotes(tmp_path)
    # What actions/checkout leaves: both repositories side by side in the workspace.
    workspace = tmp_path / "ws"
    workspace.mkdir()
    subprocess.run(["git", "clone", "-q", dbx_remote.as_uri(), str(workspace / "databricks")], check=True)
    subprocess.run(["git", "clone", "-q", glue_remote.as_uri(), str(workspace / "glue")], check=True)

    assert g2l(dbx, "ci", "github", "-o", str(tmp_path / "wf.yml")).returncode == 0
    workflow = yaml.safe_load((tmp_path / "wf.yml").read_text())
    steps = workflow["jobs"]["sync"]["steps"]
    assert steps[-1]["id"] == "open-pr"
    output_file = workspace / "github_output"
    env = {**os.environ, **{k: str(v) for k, v in workflow["env"].items()},
           "PATH": f"{ci_python}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(output_file),
           "GITHUB_WORKSPACE": str(workspace), "G2L_PACKAGE": str(package_copy(tmp_path / "pkg"))}
    ran = []
    for step in steps[:-1]:  # everything but opening the pull request
        if "uses" in step:
            continue
        outputs = _outputs(output_file)
        condition = step.get("if")
        if condition:
            match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.(\w+) == '(\w+)'", condition)
            assert match, condition
            if outputs.get(match.group(2)) != match.group(3):
                continue
        step_env = {**env, **{k: _expand(v, workspace, outputs) for k, v in step.get("env", {}).items()}}
        cwd = workspace / step.get("working-directory", ".")
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd,
                                env=step_env, capture_output=True, text=True)
        assert result.returncode == 0, f"{step['name']}: {result.stdout}{result.stderr}"
        ran.append(step["id"])
    assert ran == ["install", "sync", "push"]
    _assert_proposed(dbx_remote, dbx, main_before, workspace / "databricks", workspace / "body.md",
                     _outputs(output_file))


def test_gitlab_job_script_pushes_a_sync_branch_and_writes_the_body(tmp_path, ci_python):
    glue_remote, dbx_remote, dbx, main_before = _remotes(tmp_path)
    builds = tmp_path / "builds"
    builds.mkdir()
    project = builds / "databricks"  # what the runner's clone leaves: a detached HEAD
    subprocess.run(["git", "clone", "-q", dbx_remote.as_uri(), str(project)], check=True)
    git(project, "checkout", "-q", "--detach")
    assert g2l(dbx, "ci", "gitlab", "-o", str(tmp_path / "gl.yml")).returncode == 0
    job = yaml.safe_load((tmp_path / "gl.yml").read_text())["g2l-weekly-sync"]
    assert "merge_requests" in job["script"][-1]
    env = {**os.environ, **{k: str(v) for k, v in job["variables"].items()},
           "PATH": f"{ci_python}{os.pathsep}{os.environ['PATH']}", "G2L_GLUE_REPOSITORY_URL": glue_remote.as_uri(),
           "G2L_PACKAGE": str(package_copy(tmp_path / "pkg"))}
    env.pop("CI_SERVER_HOST", None)
    script = "".join(job["script"][:-1])  # everything but opening the merge request; one shell, as GitLab runs it
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=project, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    _assert_proposed(dbx_remote, dbx, main_before, project, builds / "body.md", _outputs(builds / "g2l-outputs.env"))


def test_commit_conflicts_needs_a_new_branch(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": "x = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    run = g2l(dbx, "sync", "--commit-conflicts")
    assert run.returncode == 2 and "--commit-conflicts needs --branch NAME" in run.stderr
