"""g2l ci: the weekly sync as a scheduled pull request (GitHub Actions) or merge request (GitLab CI).

The generated job checks out the Databricks repository and the Glue repository side
by side, installs glue2lakehouse, runs ``g2l sync --branch glue-sync-<date>
--pr-body body.md --commit-conflicts``, pushes the branch with the snapshot refs and
opens a pull request with that body: a draft, conflicts listed first, when the sync
conflicted. The shell of each step is plain bash over environment variables, so a
test can run it against local remotes. Text generation only: no git, no I/O.
"""

from __future__ import annotations

import json

from glue2lakehouse import __version__

GITHUB_PATH = ".github/workflows/g2l-sync.yml"
GITLAB_PATH = ".gitlab/g2l-sync.yml"
DEFAULT_CRON = "0 6 * * 1"  # Mondays 06:00 UTC, after the Glue team's week

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


def github_workflow(base: str = "main", cron: str = DEFAULT_CRON, package: str | None = None,
                    python: str = "3.12") -> str:
    package = package or f"glue2lakehouse=={__version__}"
    sync_run = _block('G2L_OUTPUT="$GITHUB_OUTPUT"\n' + SYNC_SCRIPT, 10)
    push_run, pr_run = _block(PUSH_SCRIPT, 10), _block(GITHUB_PR_SCRIPT, 10)
    return f"""\
# The weekly Glue sync as a pull request (written by 'g2l ci github'; edit freely).
# Repository settings: variable G2L_GLUE_REPOSITORY (owner/name of the Glue repository),
# optional G2L_GLUE_REF; secret G2L_GLUE_TOKEN when the Glue repository is private.
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
  G2L_PACKAGE: {_q(package)}
  G2L_BASE: {_q(base)}
  G2L_BOT_NAME: "github-actions[bot]"
  G2L_BOT_EMAIL: "41898282+github-actions[bot]@users.noreply.github.com"
jobs:
  sync:
    runs-on: ubuntu-latest
    steps:
      - name: Check out the Databricks repository
        uses: actions/checkout@v4
        with:
          ref: ${{{{ env.G2L_BASE }}}}
          path: databricks
          fetch-depth: 0
      - name: Check out the Glue repository
        uses: actions/checkout@v4
        with:
          repository: ${{{{ vars.G2L_GLUE_REPOSITORY }}}}
          ref: ${{{{ vars.G2L_GLUE_REF || 'main' }}}}
          token: ${{{{ secrets.G2L_GLUE_TOKEN || github.token }}}}
          path: glue
      - uses: actions/setup-python@v5
        with:
          python-version: {_q(python)}
      - name: Install glue2lakehouse
        id: install
        run: python -m pip install "$G2L_PACKAGE"
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


def gitlab_job(base: str = "main", package: str | None = None, python: str = "3.12") -> str:
    package = package or f"glue2lakehouse=={__version__}"
    # The items run in one shell, in order (GitLab's 'set -eo pipefail' applies to each).
    items = [
        'git clone --quiet "$G2L_GLUE_REPOSITORY_URL" ../glue\n'
        'git -C ../glue checkout --quiet "$G2L_GLUE_REF"\n'
        'python -m pip install "$G2L_PACKAGE"\n',
        # On GitLab the job token can fetch but not push: push with the project access token.
        'if [ -n "${CI_SERVER_HOST:-}" ]; then\n'
        '  git remote set-url --push origin "https://oauth2:$G2L_GITLAB_TOKEN@$CI_SERVER_HOST/$CI_PROJECT_PATH.git"\n'
        'fi\n'
        'git checkout --quiet -B "$G2L_BASE" "origin/$G2L_BASE"\n',
        "G2L_OUTPUT=../g2l-outputs.env\n" + SYNC_SCRIPT + ". ../g2l-outputs.env\n",
        'if [ "$changed" = true ]; then\n'
        + "".join("  " + line + "\n" for line in ('G2L_BRANCH="$branch"\n' + PUSH_SCRIPT).splitlines())
        + "fi\n",
        'if [ "$changed" = true ]; then\n'
        + "".join("  " + line + "\n" for line in ('G2L_BRANCH="$branch"\nG2L_DRAFT="$draft"\n'
                                                  + GITLAB_MR_SCRIPT).splitlines())
        + "fi\n",
    ]
    script = "".join(f"    - {_block(item, 6)}" for item in items)
    return f"""\
# The weekly Glue sync as a merge request (written by 'g2l ci gitlab'; edit freely).
# Include it from .gitlab-ci.yml ('include: local: {GITLAB_PATH}'), add a pipeline schedule,
# and set the CI/CD variables G2L_GLUE_REPOSITORY_URL (with credentials if private) and
# G2L_GITLAB_TOKEN (a project access token with api and write_repository scopes).
g2l-weekly-sync:
  image: {_q("python:" + python)}
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_PIPELINE_SOURCE == "web"
  variables:
    GIT_DEPTH: "0"
    GIT_STRATEGY: clone
    G2L_PACKAGE: {_q(package)}
    G2L_BASE: {_q(base)}
    G2L_GLUE_REF: "main"
    G2L_GLUE_DIR: "../glue"
    G2L_BODY: "../body.md"
    G2L_BOT_NAME: "glue2lakehouse bot"
    G2L_BOT_EMAIL: "g2l-bot@users.noreply.gitlab.com"
  script:
{script}"""


def workflow(kind: str, **options) -> tuple[str, str]:
    """(path in the repository, text) for ``kind`` github or gitlab."""
    if kind == "github":
        return GITHUB_PATH, github_workflow(**options)
    if kind == "gitlab":
        options.pop("cron", None)
        return GITLAB_PATH, gitlab_job(**options)
    raise ValueError(kind)
