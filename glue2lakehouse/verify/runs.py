"""Run a job over a sequence of runs whose inputs change between them, and compare every run's outputs.

What an incremental job writes depends on earlier runs (Glue's job bookmarks): one run
shows nothing of it. A sequence is a list of ``RunStep``: before each run, files of the
data folder are put (added or rewritten, so they get a new modification time) or
deleted; a step can make its run fail at its first write (the run's state is not
committed; whatever it had written stays). The job runs once per step in the same
local catalog and warehouse, so tables and the bookmark state carry over from run to
run as they do on Glue and on Databricks, and every output is collected after every run.

``verify_runs`` does that for the Glue job (under the emulator) and its Databricks
version, each on its own copy of the data folder, and compares run by run;
``load_steps`` reads a sequence from a JSON file (``g2l verify --runs FILE``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from glue2lakehouse.errors import EXIT_CONFLICTS, EXIT_ERROR, EXIT_OK, G2LError
from glue2lakehouse.verify.compare import TOLERANCE, compare
from glue2lakehouse.verify.environment import Environment
from glue2lakehouse.verify.runner import RunResult, collect, load_inputs, reset_catalog, run_script

INJECTED = "the run fails while writing its output (as the run sequence asks)"
STATE_TABLE = "g2l_job_bookmarks"   # the converted jobs' bookmark state: bookkeeping, not an output


@dataclass
class RunStep:
    put: dict = field(default_factory=dict)      # data-folder path -> bytes (or a Path to copy) before the run
    delete: list = field(default_factory=list)   # data-folder paths removed before the run
    fail: bool = False                           # the run fails at its first write
    args: list = field(default_factory=list)     # job arguments of this run only, after the common ones
    call: object = None                          # Python API: a function called before the run (a database change)


class InjectedFailure(RuntimeError):
    pass


@contextmanager
def failing_writes():
    """Every DataFrame write raises: the run fails while writing its output."""
    from glue2lakehouse.verify.runner import _api_classes

    saved = []

    def refuse(*args, **kwargs):
        raise InjectedFailure(INJECTED)

    for _, _, writer in _api_classes():
        for name in ("saveAsTable", "insertInto", "save", "parquet", "json", "csv", "orc"):
            saved.append((writer, name, getattr(writer, name)))
            setattr(writer, name, refuse)
    try:
        yield
    finally:
        for cls, name, original in reversed(saved):
            setattr(cls, name, original)


def _apply(step: RunStep, data: Path) -> None:
    if step.call is not None:
        step.call()
    for relative in step.delete:
        target = data / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for relative, content in step.put.items():
        target = data / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Path(content).read_bytes() if isinstance(content, Path) else
                           content.encode() if isinstance(content, str) else content)


def run_sequence(spark, job: Path, data: Path, steps: list[RunStep], args: list[str] | None = None, *, glue: bool,
                 extra_paths: list[str] | None = None, path_aliases: dict | None = None) -> list[RunResult]:
    """Run ``job`` once per step on a copy of ``data`` changed as each step says; the outputs after each run.

    A run's error (an injected failure included) is in its result, with the outputs as they stand after it."""
    job = Path(job).resolve()
    results = []
    with tempfile.TemporaryDirectory(prefix="g2l-runs-") as tmp:
        work = Path(tmp) / "data"
        shutil.copytree(data, work)
        env = Environment(work, Path(tmp) / "scratch", dict(path_aliases or {}))
        reset_catalog(spark)
        load_inputs(spark, work)
        for step in steps:
            _apply(step, work)
            error = run_script(job, [*(args or []), *step.args], extra_paths, glue, env,
                               failing_writes() if step.fail else None)
            outputs = {key: value for key, value in collect(spark, env).items()
                       if not value["name"].endswith(STATE_TABLE)}
            results.append(RunResult(outputs, error))
        reset_catalog(spark)
    return results


@dataclass
class RunsReport:
    glue_job: str
    databricks_job: str
    runs: list[dict] = field(default_factory=list)   # per run: {"run", "fail", "outputs": [...], "errors": [...]}
    tolerance: str = TOLERANCE

    @property
    def exit_code(self) -> int:
        if any(run["errors"] for run in self.runs):
            return EXIT_ERROR
        if not self.runs or any(o["status"] != "match" for run in self.runs for o in run["outputs"]):
            return EXIT_CONFLICTS
        return EXIT_OK

    def first_difference(self) -> int | None:
        """The number (1-based) of the first run whose outputs differ, or None."""
        for run in self.runs:
            if any(o["status"] != "match" for o in run["outputs"]):
                return run["run"]
        return None

    def to_dict(self) -> dict:
        return {"glue_job": self.glue_job, "databricks_job": self.databricks_job, "tolerance": self.tolerance,
                "runs": self.runs, "exit_code": self.exit_code}

    def render_text(self) -> str:
        lines = [f"Glue job:       {self.glue_job}", f"Databricks job: {self.databricks_job}",
                 f"Tolerance:      {self.tolerance}"]
        for run in self.runs:
            lines.append(f"Run {run['run']}" + (" (fails while writing)" if run["fail"] else "") + ":")
            for error in run["errors"]:
                lines.append(f"    the {error['job']} job raised:")
                lines += ["        " + line for line in error["traceback"].rstrip().splitlines()]
            for out in run["outputs"]:
                lines.append(f"    {out['kind']} {out['name']}: {out['status'].upper()}  rows glue {out['glue_rows']}, "
                             f"databricks {out['databricks_rows']}, missing {out['missing']}, extra {out['extra']}")
                for diff in out["first_differences"]:
                    lines.append(f"        {diff['side']:<15} {json.dumps(diff['row'], default=str)}")
        verdict = {EXIT_OK: "every run's outputs match", EXIT_CONFLICTS: f"outputs differ from run "
                   f"{self.first_difference()} on", EXIT_ERROR: "a job failed"}
        lines.append(f"Result: {verdict[self.exit_code]}")
        return "\n".join(lines)


def _unexpected(error: str | None, step: RunStep) -> bool:
    return error is not None and not (step.fail and INJECTED in error)


def verify_runs(glue_job: Path, dbx_job: Path, data: Path, steps: list[RunStep], args: list[str] | None = None, *,
                spark, glue_paths: list[str] | None = None, dbx_paths: list[str] | None = None,
                path_aliases: dict | None = None) -> RunsReport:
    """The Glue job (emulated) and its Databricks version over the same sequence of runs, compared run by run."""
    if not Path(data).is_dir():
        raise G2LError(f"the data folder {data} does not exist",
                       "give --data DIR with DIR/<database>/<table>.csv and DIR/s3/<bucket>/<key>")
    if not steps:
        raise G2LError("the run sequence is empty", "give at least one run")
    glue = run_sequence(spark, glue_job, data, steps, args, glue=True, extra_paths=glue_paths)
    dbx = run_sequence(spark, dbx_job, data, steps, args, glue=False, extra_paths=dbx_paths,
                       path_aliases=path_aliases)
    report = RunsReport(str(glue_job), str(dbx_job))
    for number, (step, left, right) in enumerate(zip(steps, glue, dbx), 1):
        errors = [{"job": name, "traceback": result.error} for name, result in (("glue", left), ("databricks", right))
                  if _unexpected(result.error, step)]
        if step.fail and (left.error is None) != (right.error is None):
            errors.append({"job": "glue" if left.error is None else "databricks",
                           "traceback": "the run was to fail while writing, and did not"})
        report.runs.append({"run": number, "fail": step.fail, "errors": errors,
                            "outputs": [] if errors else compare(left.outputs, right.outputs)})
    return report


def load_steps(path: Path) -> list[RunStep]:
    """A run sequence from JSON: ``{"runs": [{"put": {"s3/b/k.json": "file"}, "delete": [...], "fail": true,
    "args": {"name": "value"}}, ...]}``; ``put`` names files relative to the JSON file's folder."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise G2LError(f"cannot read the run sequence {path} ({error})",
                       'write it as {"runs": [{"put": {...}}, {"fail": true}, ...]}') from None
    runs = document.get("runs") if isinstance(document, dict) else None
    if not isinstance(runs, list) or not runs:
        raise G2LError(f"{path}: no \"runs\" list", 'write it as {"runs": [{"put": {...}}, {"fail": true}, ...]}')
    steps = []
    for number, run in enumerate(runs, 1):
        if not isinstance(run, dict) or set(run) - {"put", "delete", "fail", "args"}:
            raise G2LError(f"{path}: run {number} is not an object of put / delete / fail / args",
                           'write each run as {"put": {"s3/bucket/key": "file"}, "delete": [], "fail": false}')
        put = {}
        for target, source in (run.get("put") or {}).items():
            source_path = Path(path).parent / source
            if not source_path.is_file():
                raise G2LError(f"{path}: run {number} puts {source!r}, which does not exist",
                               "name files relative to the run sequence's folder")
            put[target] = source_path
        args = [item for name, value in (run.get("args") or {}).items() for item in (f"--{name}", str(value))]
        steps.append(RunStep(put, list(run.get("delete") or []), bool(run.get("fail", False)), args))
    return steps


def verify_runs_of(job: Path, data: Path, args: list[str], runs_file: Path, *, against: Path | None = None,
                   settings=None, root: Path | None = None, master: str | None = None) -> RunsReport:
    """``g2l verify JOB --data DIR --runs FILE``: the sides as ``g2l verify`` finds them, in one local session."""
    from glue2lakehouse.verify.runner import new_session
    from glue2lakehouse.verify.verify import Side, _in_dual_track_repo, check_requirements, converted_side, \
        repository_sides

    steps = load_steps(runs_file)
    check_requirements()
    job = job.resolve() if job.exists() else job
    with tempfile.TemporaryDirectory(prefix="g2l-verify-runs-") as tmp:
        if against is not None or not _in_dual_track_repo(job):
            if not job.is_file():
                raise G2LError(f"{job} does not exist", "pass the Glue job's path")
            glue = Side(job, [str(root.resolve())] if root else [])
            if against is not None:
                if not against.is_file():
                    raise G2LError(f"{against} does not exist", "pass the Databricks job's path with --against")
                dbx = Side(against.resolve())
            else:
                from glue2lakehouse.config import TransformSettings

                dbx = converted_side(job, root.resolve() if root else job.parent, Path(tmp),
                                     settings or TransformSettings())
        else:
            glue, dbx = repository_sides(job, Path(tmp))
        spark = new_session(master)
        try:
            return verify_runs(glue.job, dbx.job, data.resolve(), steps, args, spark=spark, glue_paths=glue.extra_paths,
                               dbx_paths=dbx.extra_paths, path_aliases=dbx.path_aliases)
        finally:
            spark.stop()
