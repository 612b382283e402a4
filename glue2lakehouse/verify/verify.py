"""g2l verify: the Glue job under the emulator vs its Databricks version on plain PySpark."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from glue2lakehouse.errors import EXIT_CONFLICTS, EXIT_ERROR, EXIT_OK, G2LError
from glue2lakehouse.verify.compare import TOLERANCE, compare


def check_requirements() -> None:
    """PySpark importable and Java 17+ on PATH, or a clear error saying how to get them."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise G2LError("PySpark is not installed", "install it with: pip install 'glue2lakehouse[spark]'") from None
    java = shutil.which("java", path=os.path.join(os.environ["JAVA_HOME"], "bin")) if os.environ.get(
        "JAVA_HOME") else shutil.which("java")
    if java is None:
        raise G2LError("Java is not installed: PySpark 4 needs Java 17",
                       "install it (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    out = subprocess.run([java, "-version"], capture_output=True, text=True)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    major = int(match.group(1)) if match else 0
    if major == 1 and match and match.group(2):
        major = int(match.group(2))
    if major < 17:
        raise G2LError(f"Java {major or '?'} found: PySpark 4 needs Java 17 or newer",
                       "install openjdk-17-jre-headless or point JAVA_HOME at a Java 17")


@dataclass
class VerifyReport:
    glue_job: str
    databricks_job: str
    outputs: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)   # {"job": "glue"|"databricks", "traceback": ...}
    tolerance: str = TOLERANCE

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        if not self.outputs or any(o["status"] != "match" for o in self.outputs):
            return EXIT_CONFLICTS
        return EXIT_OK

    def to_dict(self) -> dict:
        return {"glue_job": self.glue_job, "databricks_job": self.databricks_job, "tolerance": self.tolerance,
                "outputs": self.outputs, "errors": self.errors, "exit_code": self.exit_code}

    def render_text(self) -> str:
        lines = [f"Glue job:       {self.glue_job}", f"Databricks job: {self.databricks_job}",
                 f"Tolerance:      {self.tolerance}"]
        for error in self.errors:
            lines.append(f"The {error['job']} job raised:")
            lines += ["    " + line for line in error["traceback"].rstrip().splitlines()]
        if not self.errors and not self.outputs:
            lines.append("The Glue job wrote no output: nothing to compare")
        for out in self.outputs:
            lines.append(f"{out['kind']} {out['name']}: {out['status'].upper()}  rows glue {out['glue_rows']}, "
                         f"databricks {out['databricks_rows']}, matching {out['matching']}, "
                         f"missing {out['missing']}, extra {out['extra']}"
                         + ("" if out["schema_match"] or out["status"] in ("missing", "extra") else ", schemas differ"))
            if not out["schema_match"] and out.get("glue_schema"):
                lines.append(f"    glue schema:       {out['glue_schema']}")
                lines.append(f"    databricks schema: {out['databricks_schema']}")
            for diff in out["first_differences"]:
                lines.append(f"    {diff['side']:<15} {json.dumps(diff['row'], default=str)}")
        verdict = {EXIT_OK: "all outputs match", EXIT_CONFLICTS: "outputs differ", EXIT_ERROR: "a job failed"}
        lines.append(f"Result: {verdict[self.exit_code]}")
        return "\n".join(lines)


def job_arguments(pairs: list[str]) -> list[str]:
    args = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise G2LError(f"--arg {pair!r} is not NAME=VALUE", "write it as --arg run_date=2026-01-31")
        args += [f"--{name}", value]
    return args


@dataclass
class Side:
    job: Path
    extra_paths: list[str] = field(default_factory=list)
    path_aliases: dict = field(default_factory=dict)


def _run_subprocess(side: Side, data: Path, args: list[str], glue: bool, master, tmp: Path):
    from glue2lakehouse.verify.runner import RunResult

    out = tmp / ("glue.json" if glue else "databricks.json")
    command = [sys.executable, "-m", "glue2lakehouse.verify.runner", "--mode", "glue" if glue else "databricks",
               "--job", str(side.job), "--data", str(data), "--out", str(out)]
    command += [f"--arg={a}" for a in args]
    command += [f"--sys-path={p}" for p in side.extra_paths]
    command += [f"--path-alias={k}={v}" for k, v in side.path_aliases.items()]
    if master:
        command += ["--master", master]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0 or not out.exists():
        return RunResult({}, f"the Spark run failed to start or finish:\n{proc.stderr[-4000:]}")
    return RunResult.from_json(out.read_text())


def run_verification(glue: Side, dbx: Side, data: Path, args: list[str], *, spark=None,
                     master=None) -> VerifyReport:
    """Run both sides (in ``spark`` when given, else each in a fresh session of its own) and compare."""
    if not data.is_dir():
        raise G2LError(f"the data folder {data} does not exist",
                       "give --data DIR with DIR/<database>/<table>.csv and DIR/s3/<bucket>/<key>")
    report = VerifyReport(str(glue.job), str(dbx.job))
    with tempfile.TemporaryDirectory(prefix="g2l-verify-") as tmp:
        results = {}
        for name, side, is_glue in (("glue", glue, True), ("databricks", dbx, False)):
            if spark is not None:
                from glue2lakehouse.verify.runner import run_job

                results[name] = run_job(spark, side.job, data, args, glue=is_glue, extra_paths=side.extra_paths,
                                        path_aliases=side.path_aliases)
            else:   # --remote runs through verify/remote.py, never here
                results[name] = _run_subprocess(side, data, args, is_glue, master, Path(tmp))
    for name, result in results.items():
        if result.error:
            report.errors.append({"job": name, "traceback": result.error})
    if not report.errors:
        report.outputs = compare(results["glue"].outputs, results["databricks"].outputs)
    return report


def converted_side(job: Path, root: Path, work: Path, settings) -> Side:
    """Convert ``root`` (the job and the modules it imports) and point at the converted job."""
    from glue2lakehouse.convert import convert

    out = work / "converted"
    convert(root, out, settings)
    return Side(out / job.relative_to(root), [str(out)])


def repository_sides(job: Path, work: Path):
    """Inside a dual-track repo: Glue's version of PATH as of the last sync vs the repo's current PATH."""
    from glue2lakehouse.gitrepo import GitRepo
    from glue2lakehouse.snapshot import SOURCE_REF
    from glue2lakehouse.sync import load_config
    from glue2lakehouse.workspace import resolve_in_repo

    repo = GitRepo(job.parent if job.parent.exists() else Path.cwd())
    config = load_config(repo)
    rel = resolve_in_repo(repo, job)
    source = repo.ref(SOURCE_REF)
    if source is None:
        raise G2LError("this repository has no Glue source recorded (refs/g2l/glue-source)",
                       "run 'g2l sync' once, or fetch refs/g2l/* from the remote")
    files = repo.tree_files(source)
    if rel not in files:
        raise G2LError(f"{rel} is not a Glue file of the last sync", "pass --against for Databricks-only jobs")
    glue_root = work / "glue"
    for path, entry in files.items():
        target = glue_root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(repo.read_blob(entry.oid))
    aliases = {target: source_prefix for source_prefix, target in config.transform.paths.items()}
    glue = Side(glue_root / rel, [str(glue_root)])
    dbx = Side(repo.root / rel, [str(repo.root)], aliases)
    return glue, dbx


def verify(job: Path, data: Path, args: list[str], *, against: Path | None = None, spark=None, master=None,
           settings=None, root: Path | None = None) -> VerifyReport:
    """``root``: the folder the job imports its modules from (default: the job's folder)."""
    check_requirements()
    job = job.resolve() if job.exists() else job
    if root is not None:
        root = root.resolve()
        if not root.is_dir() or root not in job.parents:
            raise G2LError(f"{root} is not a folder that holds {job}", "give --root the folder the job imports from")
    with tempfile.TemporaryDirectory(prefix="g2l-verify-jobs-") as tmp:
        work = Path(tmp)
        if against is not None:
            if not job.is_file():
                raise G2LError(f"{job} does not exist", "pass the Glue job's path")
            if not against.is_file():
                raise G2LError(f"{against} does not exist", "pass the Databricks job's path with --against")
            paths = [str(root)] if root else []
            glue, dbx = Side(job, paths), Side(against.resolve())
        elif _in_dual_track_repo(job):
            glue, dbx = repository_sides(job, work)
        else:
            if not job.is_file():
                raise G2LError(f"{job} does not exist", "pass the Glue job's path")
            from glue2lakehouse.config import TransformSettings

            glue = Side(job, [str(root)] if root else [])
            dbx = converted_side(job, root or job.parent, work, settings or TransformSettings())
        return run_verification(glue, dbx, data.resolve(), args, spark=spark, master=master)


def _in_dual_track_repo(job: Path) -> bool:
    from glue2lakehouse.gitrepo import worktree_of

    root = worktree_of(job.parent if job.parent.exists() else Path.cwd())
    return root is not None and (root / ".g2l.toml").exists()
