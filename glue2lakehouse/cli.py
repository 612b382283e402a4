"""The g2l command line: parse, call the core, render, exit.

Exit codes: 0 done or up to date; 1 conflicts (left for resolution, or would
conflict in a dry run); 2 error, with nothing changed; 130 / 143 interrupted by
Ctrl-C / SIGTERM, with what had started rolled back.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from glue2lakehouse import __version__
from glue2lakehouse.errors import EXIT_CONFLICTS, EXIT_ERROR, EXIT_SIGINT, EXIT_SIGTERM, G2LError, Terminated

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Keep a Databricks repository in step with an AWS Glue repository (run inside the Databricks repo).\n\n"
         "Exit codes: 0 done or up to date, 1 conflicts, 2 error (nothing changed), 130/143 interrupted (rolled back).",
)


def _fail(message: str) -> None:
    typer.echo(f"g2l: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def handled(func):
    """Turn user mistakes into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except G2LError as error:
            _fail(str(error))
        except KeyboardInterrupt:
            typer.echo("g2l: interrupted (Ctrl-C): what this command had started was rolled back", err=True)
            raise typer.Exit(EXIT_SIGINT) from None
        except Terminated:
            typer.echo("g2l: terminated (SIGTERM): what this command had started was rolled back", err=True)
            raise typer.Exit(EXIT_SIGTERM) from None

    return wrapper


def _repo(path: Path):
    from glue2lakehouse.gitrepo import GitRepo

    return GitRepo(path)


class _Progress:
    """A progress bar on stderr for a step that runs longer than a second; none when stderr is not a terminal."""

    def __init__(self, label: str, enabled: bool):
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.started = None
        self.bar = None
        self.task = None

    def __call__(self, done: int, total: int) -> None:
        import time

        if not self.enabled:
            return
        now = time.monotonic()
        if self.started is None:
            self.started = now
        if self.bar is None and now - self.started > 1.0 and done < total:
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        if self.bar is not None:
            self.bar.update(self.task, completed=done)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _emit(data, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2) if as_json else text)


@app.command()
@handled
def init(
    glue: Path = typer.Option(..., "--glue", help="The Glue repository (a git repo, or a plain folder)."),
    ref: str = typer.Option("HEAD", "--ref", help="For a git repo: the commit to migrate."),
    catalog: str = typer.Option("main", "--catalog", help="Unity Catalog catalog for table names."),
    repo: Path = typer.Option(Path("."), "--repo", help="The Databricks repository (default: here)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Transform processes (default: every core)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
):
    """Migrate the Glue source once: snapshot on glue-upstream, merged into the current branch."""
    from glue2lakehouse.sync import initialize

    with _Progress("Transforming Glue files", not quiet and not as_json) as progress:
        result = initialize(repo, glue, ref=ref, catalog=catalog, progress=progress, workers=workers)
    _emit(result.to_dict(), as_json, result.render_text())
    raise typer.Exit(result.exit_code)


@app.command()
@handled
def sync(
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would happen; change nothing."),
    force_overwrite: bool = typer.Option(False, "--force-overwrite",
                                         help="Resolve overlaps for Glue (native files and protected regions still win)."),
    branch: Optional[str] = typer.Option(None, "--branch", help="Merge on a new branch made from HEAD (for a pull request)."),
    no_commit: bool = typer.Option(False, "--no-commit", help="Leave the merge staged instead of committing it."),
    glue: Optional[Path] = typer.Option(None, "--glue", help="Glue source for this run (default: .g2l.toml)."),
    repo: Path = typer.Option(Path("."), "--repo", help="The Databricks repository (default: here)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Transform processes (default: every core)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (the Python API's field names)."),
    pr_body: Optional[Path] = typer.Option(None, "--pr-body", help="Write the sync's semantic summary (Markdown) to this file."),
    commit_conflicts: bool = typer.Option(False, "--commit-conflicts",
                                          help="With --branch: commit a conflicted merge with its markers (for a draft PR)."),
    verify_jobs: bool = typer.Option(False, "--verify", help="Verify the Glue jobs this sync touches before committing; "
                                                             "Verified lines in the merge message and the body."),
):
    """Snapshot the Glue source and three-way merge it into the current branch."""
    from glue2lakehouse.sync import sync as run_sync

    hook = None
    if verify_jobs:
        from glue2lakehouse.verify.command import _progress
        from glue2lakehouse.verify.sync_verify import verifier

        hook = verifier(progress=_progress(None if quiet or as_json else lambda line: typer.echo(line, err=True)))
    with _Progress("Transforming changed Glue files", not quiet and not as_json) as progress:
        result = run_sync(repo, glue_source=glue, dry_run=dry_run, force_overwrite=force_overwrite, branch=branch,
                          no_commit=no_commit, progress=progress, workers=workers, pr_body=pr_body,
                          commit_conflicts=commit_conflicts, verify=hook)
    text = result.render_text()
    if result.verified is not None:
        from glue2lakehouse.verify.verified import section

        text += "\n\n" + section(result.verified)
    _emit(result.to_dict() if as_json else None, as_json, text)
    raise typer.Exit(result.exit_code)


@app.command()
@handled
def native(
    paths: Optional[List[Path]] = typer.Argument(None, help="Files or folders to mark Databricks-native."),
    list_: bool = typer.Option(False, "--list", help="List the Databricks-native files."),
    remove: bool = typer.Option(False, "--remove", help="Unmark: the paths follow Glue again (the next sync "
                                                       "brings Glue's changes made meanwhile)."),
    no_commit: bool = typer.Option(False, "--no-commit", help="Only edit; do not commit."),
    repo: Path = typer.Option(Path("."), "--repo"),
    as_json: bool = typer.Option(False, "--json"),
):
    """Mark files or folders Databricks-native: the Databricks version always wins."""
    from glue2lakehouse import workspace

    git = _repo(repo)
    if remove:
        if list_ or not paths:
            raise G2LError("--remove needs the paths to unmark", "e.g. 'g2l native --remove risk_calculations/process_b.py'")
        done = workspace.unmark_native(git, [str(p) for p in paths], commit=not no_commit)
        _emit({"unmarked": done}, as_json, "\n".join(f"no longer Databricks-native: {p} (the next sync merges "
                                                     "Glue's changes made meanwhile)" for p in done))
        return
    if list_:
        files = workspace.list_native(git)
        _emit(files, as_json, "\n".join(files) if files else "no Databricks-native files")
        return
    if not paths:
        raise G2LError("no path given", "name files or folders, or use --list")
    marked = workspace.mark_native(git, [str(p) for p in paths], commit=not no_commit)
    _emit({"marked": marked}, as_json, "\n".join(f"marked Databricks-native: {p}" for p in marked))


@app.command()
@handled
def protect(
    file: Path = typer.Argument(..., help="File in the Databricks repo."),
    start: int = typer.Argument(..., help="First line to protect (1-based); with --remove: a line inside the region."),
    end: Optional[int] = typer.Argument(None, help="Last line to protect (inclusive)."),
    remove: bool = typer.Option(False, "--remove", help="Remove the markers of the region holding line START (its code stays)."),
    no_commit: bool = typer.Option(False, "--no-commit", help="Only edit; do not commit."),
    repo: Path = typer.Option(Path("."), "--repo"),
    as_json: bool = typer.Option(False, "--json"),
):
    """Wrap lines START..END in PROTECTED markers: a sync keeps them byte for byte."""
    from glue2lakehouse import workspace

    if remove:
        if end is not None:
            raise G2LError("--remove takes FILE LINE, not a range", "name one line inside the region")
        region = workspace.unprotect(_repo(repo), str(file), start, commit=not no_commit)
        _emit(region, as_json, f"unprotected {region['file']}: the markers at lines {region['start']} and "
                               f"{region['end']} are gone, the code between them stays")
        return
    if end is None:
        raise G2LError("missing END", "give the range as 'g2l protect FILE START END'")

    region = workspace.protect(_repo(repo), str(file), start, end, commit=not no_commit)
    _emit(region, as_json, f"protected {region['file']} lines {start}-{end} "
                           f"(markers now at lines {region['start']} and {region['end']})")


@app.command()
@handled
def status(
    repo: Path = typer.Option(Path("."), "--repo"),
    as_json: bool = typer.Option(False, "--json", help="Print the state document."),
):
    """Initialised?, last sync, files, native files, protected regions, sync history."""
    from glue2lakehouse import workspace

    git = _repo(repo)
    doc = workspace.state(git)
    if doc["initialized"]:
        doc["line_provenance"] = workspace.line_provenance(git)
    notes = workspace.attention(git)
    if as_json:
        typer.echo(json.dumps({**doc, "attention": notes}, indent=2))
        return
    if not doc["initialized"]:
        typer.echo("\n".join(["not initialised: run 'g2l init --glue PATH'"] + [f"Attention: {n}" for n in notes]))
        return
    lines = [
        f"Initialized: yes (Glue source {doc['glue_source']}, catalog {doc['catalog']})",
        f"Last sync: {doc['last_sync']} (Glue commit {str(doc['last_glue_commit'])[:12]})",
        f"Total files: {doc['total_files']}",
        f"Databricks-native files: {len(doc['databricks_native_files'])}",
    ]
    lines += [f"  {p}" for p in doc["databricks_native_files"]]
    regions = doc["protected_regions"]
    lines.append(f"Protected regions: {sum(len(v) for v in regions.values())}")
    for path, items in regions.items():
        for item in items:
            where = item.get("error") or f"lines {item['start']}-{item['end']}"
            lines.append(f"  {path}: {where}")
    shares = doc["line_provenance"]
    mixed = {p: c for p, c in shares.items() if c["databricks"] or c["resolution"]}
    lines.append(f"Line provenance: {len(shares) - len(mixed)} file(s) all Glue or all Databricks"
                 + (", mixed:" if mixed else ""))
    for path, count in mixed.items():
        total = sum(count.values()) or 1
        lines.append(f"  {path}: {100 * count['glue'] // total}% Glue, {100 * count['databricks'] // total}% Databricks"
                     + (f", {count['resolution']} resolution line(s)" if count["resolution"] else ""))
    lines.append(f"Sync history: {len(doc['sync_history'])}")
    for entry in doc["sync_history"]:
        count = entry.get("files_migrated", entry.get("files_synced"))
        extra = f", {entry['conflicts']} conflicts" if entry.get("conflicts") else ""
        lines.append(f"  {entry['timestamp']}  {entry['type']:<17} Glue {str(entry['glue_commit'])[:12]}  "
                     f"{count} files{extra}")
    conflicts = workspace.conflicts_now(git)
    if conflicts:
        lines.append(f"Merge in progress with {len(conflicts)} conflicted file(s): see 'g2l conflicts'")
    lines += [f"Attention: {n}" for n in notes]
    typer.echo("\n".join(lines))


@app.command()
@handled
def conflicts(
    repo: Path = typer.Option(Path("."), "--repo"),
    as_json: bool = typer.Option(False, "--json"),
    show_all: bool = typer.Option(False, "--all", help="Every finding in detail, also those that need no action."),
):
    """Files in conflict now (from the index) with their reasons, and the actions the last sync's findings ask for."""
    from glue2lakehouse import workspace
    from glue2lakehouse.review.actions import group

    git = _repo(repo)
    now = workspace.conflicts_now(git)
    findings = workspace.last_findings(git)
    actions = group(findings)
    if as_json:
        typer.echo(json.dumps({"conflicts": now, "actions": [a.as_dict() for a in actions], "findings": findings},
                              indent=2))
    else:
        lines = [f"{len(now)} file(s) in conflict" if now else "no conflicts"]
        for item in now:
            where = f" (lines {', '.join(map(str, item['lines']))})" if item.get("lines") else ""
            lines.append(f"  {item['file']}{where}: {item['reason']}")
        if show_all and findings:
            lines.append(f"{len(findings)} finding(s) in the last snapshot:")
            lines += [f"  {f['file']}:{f['line']} [{f['rule']}] {f['message']}" for f in findings]
        elif actions:
            lines.append(f"{len(actions)} action(s) from the last snapshot's {len(findings)} finding(s) "
                         "(--all for each finding):")
            lines += [f"  {a.text()}" for a in actions]
        typer.echo("\n".join(lines))
    if now:
        raise typer.Exit(EXIT_CONFLICTS)


@app.command()
@handled
def report(
    rev: str = typer.Argument("HEAD", help="A sync merge commit (default: the last one at or before HEAD)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print Markdown (the default)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    repo: Path = typer.Option(Path("."), "--repo"),
):
    """What a sync changed in meaning: tables, arguments, columns, write modes, new findings, conflicts."""
    from glue2lakehouse.review.collect import report as sync_report

    if markdown and as_json:
        raise G2LError("--markdown and --json both given", "use one of them")
    summary = sync_report(_repo(repo), rev)
    _emit(summary.as_dict(), as_json, summary.markdown().rstrip("\n"))


@app.command()
@handled
def check(
    paths: Optional[List[Path]] = typer.Argument(None, help="Files to check (default: every tracked file)."),
    repo: Path = typer.Option(Path("."), "--repo"),
    as_json: bool = typer.Option(False, "--json"),
):
    """Fail (exit 1, file:line) on conflict markers, malformed PROTECTED markers, native files without header."""
    from glue2lakehouse.review.check import check as run_check
    from glue2lakehouse.workspace import resolve_in_repo

    git = _repo(repo)
    names = [resolve_in_repo(git, p) for p in paths] if paths else None
    problems = run_check(git, names)
    _emit(problems, as_json, "\n".join(f"{p['file']}:{p['line']}: {p['message']}" for p in problems)
          or "g2l check: no problems")
    if problems:
        raise typer.Exit(EXIT_CONFLICTS)


@app.command()
@handled
def ci(
    kind: str = typer.Argument(..., help="github (a GitHub Actions workflow) or gitlab (a GitLab CI job)."),
    base: str = typer.Option("main", "--base", help="The branch pull requests go to."),
    cron: str = typer.Option("0 6 * * 1", "--cron", help="GitHub: the schedule (GitLab: set a pipeline schedule)."),
    package: Optional[str] = typer.Option(None, "--package", help="Where the job installs glue2lakehouse from: a git URL at a full commit, an https wheel URL with #sha256=, or NAME==VERSION on a private index (default: the G2L_PACKAGE variable)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Where to write it (default: the CI's usual place)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    repo: Path = typer.Option(Path("."), "--repo"),
):
    """Write the weekly sync as a scheduled pull request: a GitHub workflow or a GitLab CI job."""
    from glue2lakehouse.ci import advice, installed_source, workflow

    if kind not in ("github", "gitlab"):
        raise G2LError(f"unknown CI '{kind}'", "use 'g2l ci github' or 'g2l ci gitlab'")
    path, text = workflow(kind, base=base, cron=cron, package=package)
    target = output if output is not None else _repo(repo).root / path
    if target.exists() and not force:
        raise G2LError(f"{target} already exists", "pass --force to overwrite it, or -o another path")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {target}: review it, set the variables its header names, and commit it")
    for line in advice(kind, package, installed_source() if package is None else None):
        typer.echo(line)


@app.command()
@handled
def blame(
    file: Path = typer.Argument(..., help="A file in the Databricks repository."),
    rev: Optional[str] = typer.Option(None, "--rev", help="Blame the file as of this commit (default: the working tree)."),
    repo: Path = typer.Option(Path("."), "--repo"),
    as_json: bool = typer.Option(False, "--json"),
):
    """Label every line Glue (Glue commit, Glue file:line), Databricks (commit, author, date) or resolution."""
    from glue2lakehouse.review.blame import GLUE, RESOLUTION
    from glue2lakehouse.review.blame import blame as run_blame
    from glue2lakehouse.workspace import resolve_in_repo

    from glue2lakehouse.sync import load_config

    git = _repo(repo)
    lines = run_blame(git, resolve_in_repo(git, file), rev, glue_path=load_config(git).glue_path(git.root))
    if as_json:
        typer.echo(json.dumps(lines, indent=2))
        return
    rows = []
    for item in lines:
        if item["label"] == GLUE:
            span = item["glue_lines"]
            where = f"{item['glue_file']}:{span[0]}" + (f"-{span[1]}" if span and span[1] != span[0] else "") \
                if span else f"{item['glue_file']} (added by the conversion)"
            origin = f"Glue {str(item['glue_commit'])[:10]} {where}"
        elif item["label"] == RESOLUTION:
            origin = f"resolution {item['commit'][:10]} {item['author']} {(item['date'] or '')[:10]}"
        else:
            commit = item["commit"][:10] if item["commit"] else "uncommitted"
            origin = f"Databricks {commit} {item['author']} {(item['date'] or '')[:10]}"
        rows.append((origin, item["line"], item["text"]))
    width = max((len(r[0]) for r in rows), default=0)
    typer.echo("\n".join(f"{origin:<{width}} {number:>5}| {text}" for origin, number, text in rows))


@app.command()
@handled
def install(
    repo: Path = typer.Option(Path("."), "--repo"),
    remote: str = typer.Option("origin", "--remote", help="The remote to configure refspecs for."),
):
    """Configure the merge drivers and the remote's refspecs for glue-upstream, refs/g2l/* and refs/notes/g2l (once per clone)."""
    from glue2lakehouse.sync import install as install_all

    git = _repo(repo)
    branch, done = install_all(git, remote)
    typer.echo(f"merge drivers g2l and g2l-native configured in {git.git_dir / 'config'}")
    if not done:
        typer.echo(f"no remote '{remote}': refspecs not configured (add the remote, then run 'g2l install' again)")
        return
    typer.echo(f"remote '{remote}': git fetch and git push now carry {branch}, refs/g2l/* and refs/notes/g2l")
    if done["created_branch"]:
        typer.echo(f"created {branch} from {remote}/{branch}")
    typer.echo(f"run 'git fetch {remote}' to get the raw Glue trees and the snapshot reports")


def _pairs(values: Optional[List[str]], flag: str) -> Optional[dict]:
    if not values:
        return None
    out = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key or not target:
            raise G2LError(f"{flag} {value!r} is not KEY=VALUE", f"write it as {flag} risk_db=risk")
        out[key] = target
    return out


@app.command()
@handled
def convert(
    path: Path = typer.Argument(..., help="A Glue job file or a folder of them."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output file, or folder for a folder (default for a file: stdout)."),
    catalog: Optional[str] = typer.Option(None, "--catalog", help="Unity Catalog catalog for table names."),
    schema: Optional[List[str]] = typer.Option(None, "--schema", help="Glue database to UC schema: DB=SCHEMA (repeatable)."),
    path_map: Optional[List[str]] = typer.Option(None, "--path-map", help="S3 prefix to a Volume or location: PREFIX=TARGET (repeatable)."),
    args_style: Optional[str] = typer.Option(None, "--args-style", help="argparse (default) or widgets."),
    s3_writes: Optional[str] = typer.Option(None, "--s3-writes", help="keep (default) or delta."),
    config: Optional[Path] = typer.Option(None, "--config", help="A .g2l.toml to take [transform] from (default: ./.g2l.toml if present)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
):
    """Convert Glue code to Databricks PySpark. Exit 0 clean, 1 with review findings, 2 errors."""
    from glue2lakehouse.convert import convert as run_convert
    from glue2lakehouse.convert import estate_settings_from, settings_from

    settings = settings_from(config, {"catalog": catalog, "schemas": _pairs(schema, "--schema"),
                                      "paths": _pairs(path_map, "--path-map"), "args_style": args_style,
                                      "s3_writes": s3_writes})
    report, data = run_convert(path, out, settings, estate_settings_from(config))
    if data is not None:
        if as_json:
            typer.echo(json.dumps({**report.to_dict(), "code": data.decode("utf-8", "replace")}, indent=2))
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            typer.echo(report.render_text(), err=True)
    elif as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(report.render_text())
    raise typer.Exit(report.exit_code)


@app.command()
@handled
def verify(
    paths: Optional[List[Path]] = typer.Argument(None, help="Glue job files or folders of them (a folder is also the root its jobs import from); with --changed: REV."),
    data: Optional[Path] = typer.Option(None, "--data", help="Inputs you have: DIR/<database>/<table>.{parquet,csv,json}, DIR/s3/<bucket>/<key>; the rest is generated."),
    arg: Optional[List[str]] = typer.Option(None, "--arg", help="A job argument NAME=VALUE (repeatable)."),
    against: Optional[Path] = typer.Option(None, "--against", help="Compare one Glue job with this Databricks job instead of a fresh conversion."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated inputs (same seed, same inputs)."),
    changed: bool = typer.Option(False, "--changed", help="In a dual-track repo: the jobs the last sync (or REV) touched."),
    master: Optional[str] = typer.Option(None, "--master", help="Spark master URL (default local[*])."),
    remote: Optional[str] = typer.Option(None, "--remote", help="Run the Databricks side on a Spark Connect endpoint, sc://host:port (Databricks: sc://<workspace>:443/;token=...;x-databricks-cluster-id=...), or local[N]."),
    remote_scratch: Optional[str] = typer.Option(None, "--remote-scratch", help="With --remote: a folder the cluster reads and writes (inputs sent, paths written); required unless the endpoint is local."),
    remote_schema: Optional[str] = typer.Option(None, "--remote-schema", help="With --remote: the schema the jobs' tables are written to (default: a new g2l_verify_* schema, dropped at the end)."),
    catalog: str = typer.Option("main", "--catalog", help="Catalog for the fresh conversion."),
    root: Optional[Path] = typer.Option(None, "--root", help="The folder a single job imports its modules from (default: its folder)."),
    as_json: bool = typer.Option(False, "--json", help="Print the verdicts as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
    runs: Optional[Path] = typer.Option(None, "--runs", help="One job with --data: a run sequence (JSON), both jobs "
                                                             "run once per run, inputs changing between runs."),
):
    """Verify Glue jobs with no data needed: run each (emulated) and its Databricks version on inputs made from the job; compare every output."""
    from glue2lakehouse.verify.command import run_verify_command

    if master and remote:
        raise G2LError("--master and --remote both given", "use one of them")
    if runs is not None:   # incremental jobs (bookmarks): verify/runs.py
        from glue2lakehouse.config import transform_settings
        from glue2lakehouse.verify.runs import verify_runs_of
        from glue2lakehouse.verify.verify import job_arguments

        if remote:
            raise G2LError("--runs runs both jobs on local Spark; --remote is not supported with it", "drop --remote")
        if len(paths or []) != 1 or data is None or changed:
            raise G2LError("--runs verifies one job over the inputs of --data", "give one JOB and --data DIR")
        report = verify_runs_of(paths[0], data, job_arguments(arg or []), runs, against=against, root=root,
                                master=master, settings=transform_settings({"catalog": catalog}))
    else:
        report = run_verify_command(paths or [], data=data, arg=arg or [], against=against, seed=seed,
                                    changed=changed, master=master, remote=remote, catalog=catalog, root=root,
                                    progress=None if quiet else lambda line: typer.echo(line, err=True),
                                    remote_scratch=remote_scratch, remote_schema=remote_schema)
    _emit(report.to_dict(), as_json, report.render_text())
    raise typer.Exit(report.exit_code)


@app.command()
@handled
def bookmarks(
    action: str = typer.Argument(..., help="show, reset or rewind."),
    job: str = typer.Argument(..., help="The job's name (the JOB_NAME its task passes)."),
    to: Optional[str] = typer.Option(None, "--to", help="rewind: the committed run whose state the job goes back to."),
    table: Optional[str] = typer.Option(None, "--table", help="The state table (default: [bookmarks] table, else "
                                                              "<catalog>.default.g2l_job_bookmarks)."),
    remote: Optional[str] = typer.Option(None, "--remote", help="Spark Connect endpoint (Databricks Connect)."),
):
    """Show, reset or rewind a converted job's bookmarks (Glue's reset-job-bookmark)."""
    from glue2lakehouse.bookmarks import command

    typer.echo(command(action, job, to=to, table=table, remote=remote))


@app.command()
@handled
def reconcile(
    job: Optional[str] = typer.Argument(None, help="A converted job (its Glue script path or job name): every output it writes."),
    glue: Optional[str] = typer.Option(None, "--glue", help="The Glue output: a table name or a path."),
    databricks: Optional[str] = typer.Option(None, "--databricks", help="The Databricks output: a table name or a path."),
    key: Optional[List[str]] = typer.Option(None, "--key", help="A column that identifies a row (repeatable; none: whole-row hash)."),
    where: Optional[str] = typer.Option(None, "--where", help="Compare only this slice (a Spark SQL condition), e.g. one run's date."),
    threshold: Optional[List[str]] = typer.Option(None, "--threshold", help="COL=ABS or COL=PCT% tolerance (repeatable)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Format of a path on both sides (default: Delta if it has a _delta_log, else Parquet)."),
    arg: Optional[List[str]] = typer.Option(None, "--arg", help="With JOB: a job argument NAME=VALUE for the scope (repeatable)."),
    report: bool = typer.Option(False, "--report", help="Summarise the report table: per job, days equal in a row, last difference."),
    report_table: Optional[str] = typer.Option(None, "--report-table", help="The report table (default: report_table in .g2l.toml)."),
    master: Optional[str] = typer.Option(None, "--master", help="Spark master URL (default: the active session, else local)."),
    remote: Optional[str] = typer.Option(None, "--remote", help="Spark Connect endpoint, sc://host:port."),
    repo: Path = typer.Option(Path("."), "--repo", help="With JOB or --report: the Databricks repository."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
):
    """Compare what Glue wrote with what Databricks wrote. Exit 0 equal within thresholds, 1 differs, 2 errors."""
    from glue2lakehouse.reconcile import command

    if master and remote:
        raise G2LError("--master and --remote both given", "use one of them")
    data, text, code = command.run(job=job, glue=glue, databricks=databricks, keys=key or [], where=where,
                                   thresholds=threshold or [], fmt=fmt, args=_pairs(arg, "--arg") or {},
                                   report=report, report_table=report_table, master=master, remote=remote, repo=repo)
    _emit(data, as_json, text)
    raise typer.Exit(code)


@app.command()
@handled
def demo(directory: Optional[Path] = typer.Argument(None, help="Where to build the demo (default: a new temporary folder).")):
    """Play the dual-track guide's real-world example week by week on real git repositories."""
    from glue2lakehouse.demo import run_demo

    raise typer.Exit(run_demo(directory, echo=typer.echo))


@app.command()
def version():
    """Print the version."""
    typer.echo(f"glue2lakehouse {__version__}")


def _terminate(signum, frame):
    from glue2lakehouse.errors import Terminated

    raise Terminated()


def main() -> None:
    import signal

    from glue2lakehouse.errors import EXIT_SIGINT, EXIT_SIGTERM, Terminated

    signal.signal(signal.SIGTERM, _terminate)
    import glue2lakehouse

    glue2lakehouse.COMMAND_PROCESS = True   # for gitrepo's import of pygit2 (gitrepo._import_pygit2)
    try:
        try:
            app()
        except KeyboardInterrupt:
            typer.echo("g2l: interrupted (Ctrl-C): what this command had started was rolled back", err=True)
            sys.exit(EXIT_SIGINT)
        except Terminated:
            typer.echo("g2l: terminated (SIGTERM): what this command had started was rolled back", err=True)
            sys.exit(EXIT_SIGTERM)
    except SystemExit as done:
        _exit(done.code)
    _exit(0)


def _exit(code) -> None:
    """End the process once the command is done: exit handlers run and the output is flushed, but the
    interpreter's teardown (freeing every object one by one, a large share of a short command's CPU time
    once libcst is loaded) is left to the operating system."""
    import atexit
    import os

    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - a handler or a closed pipe: exit as Python itself would
        raise SystemExit(code) from None
    os._exit(code)
