"""g2l ci: the weekly sync as a scheduled pull request (GitHub Actions) or merge request (GitLab CI).

The generated job installs glue2lakehouse from a source the team controls (a git URL at a
full commit, a wheel or archive URL with its sha256, or a pinned version on a private
index; never a name looked up on the public index), checks out the Databricks repository
and the Glue repository side by side, runs ``g2l sync --branch glue-sync-<date>
--pr-body body.md --commit-conflicts``, pushes the branch with the snapshot refs and
opens a pull request with that body: a draft, conflicts listed first, when the sync
conflicted. The shell of each step is plain bash over environment variables, so a
test can run it against local remotes. Text generation, but for ``installed_source``,
which reads pip's record of how the running copy was installed.
"""

from __future__ import annotations

import json
import re
from importlib import metadata

from glue2lakehouse.errors import G2LError

GITHUB_PATH = ".github/workflows/g2l-sync.yml"
GITLAB_PATH = ".gitlab/g2l-sync.yml"
DEFAULT_CRON = "0 6 * * 1"  # Mondays 06:00 UTC, after the Glue team's week

# Third-party code the job runs, pinned to full commits: a tag can be moved by its owner, a
# commit cannot. The tag each commit was released as is written beside it in the workflow.
CHECKOUT_ACTION = ("actions/checkout", "11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2")
SETUP_PYTHON_ACTION = ("actions/setup-python", "a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0")
# GitLab: the Debian python:3.12 image (it has git; the -slim one does not) by digest.
GITLAB_IMAGE = "python:3.12@sha256:3733015cdd1bd7d9a0b9fe21a925b608de82131aa4f3d397e465a1fcb545d36f"

# Where the job may install glue2lakehouse from: sources the team controls, each as a regular
# expression that Python (re.fullmatch) and the job's shell (grep -E, anchored) read alike.
# Characters of a URL, without quotes, spaces, '$', '{' or '#' (the fragment is matched apart).
_URL = "[-A-Za-z0-9._~:/?=&%+@,;!*]"
_SHA256 = "#sha256=[0-9a-f]{64}"
PACKAGE_SOURCES = {
    # the team's fork or mirror at a full commit (pip cannot hash a repository: the commit is the pin)
    "git": f"git[+](https|ssh|file)://{_URL}+@[0-9a-f]{{40}}(#{_URL}+)?",
    # a wheel or source archive in the team's artifact store, with the sha256 pip checks
    "archive": f"https://{_URL}+[.](whl|tar[.]gz|zip){_SHA256}",
    # a wheel or archive an earlier step put on the runner (hash optional)
    "file": f"(/|file:/){_URL}+[.](whl|tar[.]gz|zip)({_SHA256})?",
}
# NAME==VERSION: only with G2L_INDEX_URL, the team's private index (then never the public one).
INDEX_REQUIREMENT = "[A-Za-z0-9][-A-Za-z0-9._]*==[-A-Za-z0-9._+!]+"
SOURCE_FORMS = ("git+https://<your fork or mirror>@<40-hex commit>, https://<artifact store>/<file>.whl"
                "#sha256=<hash>, or NAME==VERSION with G2L_INDEX_URL set to your private index")


def package_source(spec: str) -> str:
    """The kind of a --package value (git, archive, file or index); G2LError when it is not a source
    the team controls, with what to give instead."""
    for kind, pattern in PACKAGE_SOURCES.items():
        if re.fullmatch(pattern, spec):
            return kind
    if re.fullmatch(INDEX_REQUIREMENT, spec):
        return "index"
    if not spec:
        raise G2LError("--package is empty", f"give {SOURCE_FORMS}, or leave it out to use the G2L_PACKAGE variable")
    if not re.fullmatch(r"[-A-Za-z0-9._~:/?=&%+@,;!*#<>\[\]]+", spec):
        raise G2LError(f"--package {spec!r} has characters no package source has (spaces, quotes, '$', braces)",
                       f"give {SOURCE_FORMS}")
    if spec.startswith("git+"):
        raise G2LError(f"--package {spec!r} is not a git URL pinned to a full commit (a branch or tag can be moved)",
                       "end it with @<the 40-hex commit> of your fork or mirror")
    if re.match(r"https?://", spec) and "#sha256=" not in spec:
        raise G2LError(f"--package {spec!r} has no hash for pip to check",
                       "use its https URL and end it with #sha256=<hash of the file> (sha256sum FILE)")
    if re.fullmatch(r"[A-Za-z0-9][-A-Za-z0-9._]*(\[[^]]*\])?([<>=!~].*)?", spec):
        raise G2LError(f"--package {spec!r} would be looked up by name, on the public package index unless pinned "
                       "to a private one", f"give {SOURCE_FORMS}")
    raise G2LError(f"--package {spec!r} is not a package source the job accepts", f"give {SOURCE_FORMS}")


def running_copy_source(direct_url: str | None) -> str | None:
    """The --package value that installs exactly the running copy, from pip's ``direct_url.json``
    (PEP 610), when it was installed from a git URL or an archive; None for a folder (an editable
    checkout), an index install, or a source the job would not accept."""
    if not direct_url:
        return None
    try:
        info = json.loads(direct_url)
    except ValueError:
        return None
    if not isinstance(info, dict):
        return None
    url = info.get("url", "")
    if "vcs_info" in info:
        vcs = info["vcs_info"]
        if vcs.get("vcs") != "git" or not vcs.get("commit_id"):
            return None
        spec = f"git+{url}@{vcs['commit_id']}"
        if info.get("subdirectory"):
            spec += f"#subdirectory={info['subdirectory']}"
    elif "archive_info" in info:
        archive = info["archive_info"]
        sha = (archive.get("hashes") or {}).get("sha256")
        if not sha and str(archive.get("hash", "")).startswith("sha256="):
            sha = archive["hash"][len("sha256="):]
        spec = url + (f"#sha256={sha}" if sha else "")
    else:
        return None
    try:
        package_source(spec)
    except G2LError:
        return None
    return spec


def installed_source() -> str | None:
    """``running_copy_source`` of the glue2lakehouse installed for this Python (pip's record of how)."""
    try:
        dist = metadata.distribution("glue2lakehouse")
    except metadata.PackageNotFoundError:
        return None
    return running_copy_source(dist.read_text("direct_url.json"))


def advice(kind: str, package: str | None, installed: str | None) -> list[str]:
    """What ``g2l ci`` says after writing the file: the variable to set, and the running copy's source."""
    where = "repository variable" if kind == "github" else "CI/CD variable"
    if package is not None:
        lines = [f"the job installs glue2lakehouse from {package}"]
        if package_source(package) == "index":
            secret = "repository secret" if kind == "github" else "masked CI/CD variable"
            lines.append(f"set the {secret} G2L_INDEX_URL to your private package index: without it the job "
                         "stops before installing")
        return lines
    lines = [f"the job stops at once until the {where} G2L_PACKAGE says where to install glue2lakehouse from: "
             + SOURCE_FORMS]
    if installed:
        lines.append(f"this glue2lakehouse was installed with: python -m pip install '{installed}'")
        if package_source(installed) == "file":
            lines.append("that file is on this machine: publish it to your artifact store and give its https URL "
                         "with the same #sha256= to --package")
        else:
            lines.append(f"to have the job install the same: g2l ci {kind} --package '{installed}' --force")
    return lines


# Runs in the Databricks checkout; writes branch/changed/draft to $G2L_OUTPUT (GitHub: $GITHUB_OUTPUT).
SYNC_SCRIPT = """\
git config user.name "$G2L_BOT_NAME"
git config user.email "$G2L_BOT_EMAIL"
g2l install
git fetch --quiet origin
branch="glue-sync-$(date -u +%Y-%m-%d)"
if git ls-remote --exit-code --heads origin "$branch" >/dev/null; then
  branch="$branch-$(date -u +%H%M%S)"
fi
status=0
g2l sync --glue "$G2L_GLUE_DIR" --branch "$branch" --pr-body "$G2L_BODY" --commit-conflicts --verify --quiet || status=$?
if [ "$status" -ge 2 ]; then
  exit "$status"
fi
changed=false
if git rev-parse --verify --quiet "refs/heads/$branch" >/dev/null; then
  changed=true
fi
draft=false
if [ "$status" -eq 1 ]; then
  draft=true
fi
{
  echo "branch=$branch"
  echo "changed=$changed"
  echo "draft=$draft"
} >> "$G2L_OUTPUT"
"""

def install_script(where: str) -> str:
    """The install step: fail at once, in one line, unless G2L_PACKAGE is a source the team controls;
    then pip installs it (dependencies from G2L_INDEX_URL when set). ``where`` names the setting."""
    sources = "|".join(PACKAGE_SOURCES.values())
    return f"""\
case "${{G2L_PACKAGE:-}}" in
  "")
    echo "g2l: G2L_PACKAGE is not set: set the {where} G2L_PACKAGE to where your team keeps glue2lakehouse: \
{SOURCE_FORMS}" >&2
    exit 2 ;;
  *"
"*)
    echo "g2l: G2L_PACKAGE holds more than one line: set the {where} G2L_PACKAGE to one package source" >&2
    exit 2 ;;
esac
if printf '%s\\n' "$G2L_PACKAGE" | grep -Eq '^({sources})$'; then
  :
elif printf '%s\\n' "$G2L_PACKAGE" | grep -Eq '^({INDEX_REQUIREMENT})$'; then
  if [ -z "${{G2L_INDEX_URL:-}}" ]; then
    echo "g2l: G2L_PACKAGE ($G2L_PACKAGE) is a name and version but G2L_INDEX_URL is not set: set it to your \
private package index, so the name is never looked up on the public one" >&2
    exit 2
  fi
else
  echo "g2l: G2L_PACKAGE ($G2L_PACKAGE) is not a package source your team controls: give {SOURCE_FORMS}" >&2
  exit 2
fi
set -- --no-input
if [ -n "${{G2L_INDEX_URL:-}}" ]; then
  set -- "$@" --index-url "$G2L_INDEX_URL"
fi
python -m pip install "$@" "$G2L_PACKAGE"
"""


PUSH_SCRIPT = """\
git push origin "refs/heads/$G2L_BRANCH:refs/heads/$G2L_BRANCH" \\
  refs/heads/glue-upstream:refs/heads/glue-upstream \\
  refs/g2l/glue-source:refs/g2l/glue-source \\
  refs/notes/g2l:refs/notes/g2l
"""

GITHUB_PR_SCRIPT = """\
draft_flag=""
if [ "$G2L_DRAFT" = "true" ]; then
  draft_flag="--draft"
fi
gh pr create --base "$G2L_BASE" --head "$G2L_BRANCH" --title "Glue sync $G2L_BRANCH" \\
  --body-file "$G2L_BODY" $draft_flag
"""

GITLAB_MR_SCRIPT = """\
title="Glue sync $G2L_BRANCH"
if [ "$G2L_DRAFT" = "true" ]; then
  title="Draft: $title"
fi
curl --fail --silent --show-error --request POST \\
  --header "PRIVATE-TOKEN: $G2L_GITLAB_TOKEN" \\
  --data-urlencode "source_branch=$G2L_BRANCH" \\
  --data-urlencode "target_branch=$G2L_BASE" \\
  --data-urlencode "title=$title" \\
  --data-urlencode "description@$G2L_BODY" \\
  "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests"
"""


def _q(value: str) -> str:
    """A YAML scalar in double quotes (JSON strings are valid YAML)."""
    return json.dumps(value)


def _block(script: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "".join(pad + line + "\n" if line else "\n" for line in script.splitlines())


def _uses(action: tuple[str, str, str]) -> str:
    name, commit, tag = action
    return f"{name}@{commit}  # {tag}"


def github_workflow(base: str = "main", cron: str = DEFAULT_CRON, package: str | None = None,
                    python: str = "3.12") -> str:
    if package is not None:
        package_source(package)
    package_value = _q(package) if package is not None else "${{ vars.G2L_PACKAGE }}"
    install_run = _block(install_script("repository variable"), 10)
    sync_run = _block('G2L_OUTPUT="$GITHUB_OUTPUT"\n' + SYNC_SCRIPT, 10)
    push_run, pr_run = _block(PUSH_SCRIPT, 10), _block(GITHUB_PR_SCRIPT, 10)
    return f"""\
# The weekly Glue sync as a pull request (written by 'g2l ci github'; edit freely).
# Repository settings: variable G2L_GLUE_REPOSITORY (owner/name of the Glue repository), optional
# G2L_GLUE_REF; secret G2L_GLUE_TOKEN when the Glue repository is private (only the Glue checkout
# sees it). Variable G2L_PACKAGE (unless written below): where glue2lakehouse is installed from,
# a source your team controls; secret G2L_INDEX_URL for a private package index.
# The job can write to this repository (branches, pull requests) with its own token.
name: g2l weekly Glue sync
on:
  schedule:
    - cron: {_q(cron)}
  workflow_dispatch: {{}}
permissions:
  contents: write
  pull-requests: write
concurrency:
  group: g2l-sync
  cancel-in-progress: false
env:
  G2L_BASE: {_q(base)}
  G2L_BOT_NAME: "github-actions[bot]"
  G2L_BOT_EMAIL: "41898282+github-actions[bot]@users.noreply.github.com"
jobs:
  sync:
    runs-on: ubuntu-latest
    steps:
      - name: Set up Python
        uses: {_uses(SETUP_PYTHON_ACTION)}
        with:
          python-version: {_q(python)}
      - name: Install glue2lakehouse
        id: install
        env:
          G2L_PACKAGE: {package_value}
          G2L_INDEX_URL: ${{{{ secrets.G2L_INDEX_URL }}}}
        run: {install_run}\
      - name: Check out the Databricks repository
        uses: {_uses(CHECKOUT_ACTION)}
        with:
          ref: ${{{{ env.G2L_BASE }}}}
          path: databricks
          fetch-depth: 0
      - name: Check out the Glue repository
        uses: {_uses(CHECKOUT_ACTION)}
        with:
          repository: ${{{{ vars.G2L_GLUE_REPOSITORY }}}}
          ref: ${{{{ vars.G2L_GLUE_REF || 'main' }}}}
          token: ${{{{ secrets.G2L_GLUE_TOKEN || github.token }}}}
          persist-credentials: false
          path: glue
      - name: Sync Glue into a new branch
        id: sync
        working-directory: databricks
        env:
          G2L_GLUE_DIR: ${{{{ github.workspace }}}}/glue
          G2L_BODY: ${{{{ github.workspace }}}}/body.md
        run: {sync_run}\
      - name: Push the sync branch and the snapshot refs
        id: push
        if: steps.sync.outputs.changed == 'true'
        working-directory: databricks
        env:
          G2L_BRANCH: ${{{{ steps.sync.outputs.branch }}}}
        run: {push_run}\
      - name: Open the pull request
        id: open-pr
        if: steps.sync.outputs.changed == 'true'
        working-directory: databricks
        env:
          GH_TOKEN: ${{{{ github.token }}}}
          G2L_BRANCH: ${{{{ steps.sync.outputs.branch }}}}
          G2L_DRAFT: ${{{{ steps.sync.outputs.draft }}}}
          G2L_BODY: ${{{{ github.workspace }}}}/body.md
        run: {pr_run}"""


def _indented(script: str) -> str:
    return "".join("  " + line + "\n" for line in script.splitlines())


def gitlab_job(base: str = "main", package: str | None = None, image: str = GITLAB_IMAGE) -> str:
    if package is not None:
        package_source(package)
    package_line = f"    G2L_PACKAGE: {_q(package)}\n" if package is not None else ""
    # The items run in one shell, in order (GitLab's 'set -eo pipefail' applies to each). Every
    # CI/CD variable is in that shell's environment: the Glue URL (it may carry credentials), the
    # index URL and the project access token are unset once used or put aside unexported, so the
    # sync and what it runs never see them, and no credential is left in a .git/config before
    # the push.
    items = [
        install_script("CI/CD variable") + "unset G2L_INDEX_URL\n",
        'git clone --quiet "$G2L_GLUE_REPOSITORY_URL" ../glue\n'
        'git -C ../glue checkout --quiet "$G2L_GLUE_REF"\n'
        'git -C ../glue remote set-url origin \\\n'
        '  "$(printf \'%s\' "$G2L_GLUE_REPOSITORY_URL" | sed -E \'s#://[^/@]+@#://#\')"\n'
        'unset G2L_GLUE_REPOSITORY_URL\n'
        'g2l_gitlab_token="${G2L_GITLAB_TOKEN:-}"\n'
        'unset G2L_GITLAB_TOKEN\n'
        'git checkout --quiet -B "$G2L_BASE" "origin/$G2L_BASE"\n',
        "G2L_OUTPUT=../g2l-outputs.env\n" + SYNC_SCRIPT + ". ../g2l-outputs.env\n",
        # On GitLab the job token can fetch but not push: push with the project access token.
        'if [ "$changed" = true ]; then\n'
        + _indented('if [ -n "${CI_SERVER_HOST:-}" ]; then\n'
                    '  git remote set-url --push origin \\\n'
                    '    "https://oauth2:$g2l_gitlab_token@$CI_SERVER_HOST/$CI_PROJECT_PATH.git"\n'
                    'fi\n'
                    'G2L_BRANCH="$branch"\n' + PUSH_SCRIPT)
        + "fi\n",
        'if [ "$changed" = true ]; then\n'
        + _indented('G2L_GITLAB_TOKEN="$g2l_gitlab_token"\nG2L_BRANCH="$branch"\nG2L_DRAFT="$draft"\n'
                    + GITLAB_MR_SCRIPT)
        + "fi\n",
    ]
    script = "".join(f"    - {_block(item, 6)}" for item in items)
    return f"""\
# The weekly Glue sync as a merge request (written by 'g2l ci gitlab'; edit freely).
# Include it from .gitlab-ci.yml ('include: local: {GITLAB_PATH}'), add a pipeline schedule,
# and set the CI/CD variables G2L_GLUE_REPOSITORY_URL (with credentials if private),
# G2L_GITLAB_TOKEN (a project access token with api and write_repository scopes), G2L_PACKAGE
# (unless written below: where glue2lakehouse is installed from, a source your team controls)
# and, for a private package index, G2L_INDEX_URL (masked).
g2l-weekly-sync:
  image: {_q(image)}  # python:3.12 pinned by digest
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_PIPELINE_SOURCE == "web"
  variables:
    GIT_DEPTH: "0"
    GIT_STRATEGY: clone
{package_line}    G2L_BASE: {_q(base)}
    G2L_GLUE_REF: "main"
    G2L_GLUE_DIR: "../glue"
    G2L_BODY: "../body.md"
    G2L_BOT_NAME: "glue2lakehouse bot"
    G2L_BOT_EMAIL: "g2l-bot@users.noreply.gitlab.com"
  script:
{script}"""


def workflow(kind: str, **options) -> tuple[str, str]:
    """(path in the repository, text) for ``kind`` github or gitlab; G2LError for a --package
    that is not a source the team controls."""
    if kind == "github":
        return GITHUB_PATH, github_workflow(**options)
    if kind == "gitlab":
        options.pop("cron", None)
        return GITLAB_PATH, gitlab_job(**options)
    raise ValueError(kind)
