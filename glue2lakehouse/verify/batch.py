"""g2l verify over many jobs at once, with inputs made from each job, in one Spark session.

For each job: read its shape (``shape.analyze``), generate inputs (``inputs.generate``), run the Glue job
under the emulator and its Databricks version on them (``runner.run_job``, the same session for every job),
reconcile every output (``compare.reconcile``) and give a verdict:

- ``equal``: every output the Glue job wrote has the same schema and the same rows on the Databricks side,
  and every one received rows (two empty tables prove nothing);
- ``differs``: an output differs, or the Databricks job failed where the Glue job did not; the difference
  is shrunk (Hypothesis) to a small example: the input rows and the rows each side wrote;
- ``differs as intended``: every differing output is recorded as an intended difference in ``.g2l.toml``;
- ``not verified``: with one line saying why (a source that is not emulated, the Glue job failing on the
  generated inputs, no rows reaching an output).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from glue2lakehouse.errors import EXIT_CONFLICTS, EXIT_ERROR, EXIT_OK, G2LError
from glue2lakehouse.verify.compare import reconcile, summary

EQUAL, DIFFERS, INTENDED, NOT_VERIFIED = "equal", "differs", "differs as intended", "not verified"
SHRINK_BUDGET = 16
_SKIP_DIRS = {".git", "__pycache__", ".venv", "venv", "node_modules", ".hypothesis"}


@dataclass
class Side:
    job: Path
    extra_paths: list = field(default_factory=list)
    path_aliases: dict = field(default_factory=dict)


@dataclass
class Case:
    """One job to verify: its label, the Glue side and the Databricks side."""
    label: str
    glue: Side
    dbx: Side


@dataclass
class Verdict:
    job: str
    verdict: str
    reason: str | None = None
    outputs: list = field(default_factory=list)
    example: dict | None = None        # {"inputs": {...}, "outputs": [{"output", "glue", "databricks"}]}
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = {"job": self.job, "verdict": self.verdict}
        if self.reason:
            data["reason"] = self.reason
        data["outputs"] = self.outputs
        if self.example is not None:
            data["example"] = self.example
        return data


@dataclass
class BatchReport:
    jobs: list = field(default_factory=list)
    seconds: float = 0.0            # everything after the session started
    spark_seconds: float = 0.0      # inside the two runs of each job (the jobs' own Spark work)
    session_seconds: float = 0.0    # starting the session

    @property
    def exit_code(self) -> int:
        verdicts = [j.verdict for j in self.jobs]
        if any(v == DIFFERS for v in verdicts):
            return EXIT_CONFLICTS
        if not any(v in (EQUAL, INTENDED) for v in verdicts):
            return EXIT_ERROR
        return EXIT_OK

    def to_dict(self) -> dict:
        return {"jobs": [j.to_dict() for j in self.jobs]}

    def tally(self) -> dict:
        counts: dict = {}
        for job in self.jobs:
            key = job.verdict if job.verdict in (EQUAL, INTENDED) else f"{job.verdict}: {job.reason}"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def render_text(self) -> str:
        lines = []
        for job in self.jobs:
            lines.append(f"{job.verdict.upper():<14} {job.job}" + (f": {job.reason}" if job.reason else ""))
            for output in job.outputs:
                if not output.get("equal"):
                    lines.append(f"    {summary(output)}")
            if job.example:
                lines += ["    " + line for line in render_example(job.example)]
        counts = {v: sum(1 for j in self.jobs if j.verdict == v) for v in (EQUAL, INTENDED, DIFFERS, NOT_VERIFIED)}
        lines.append(", ".join(f"{n} {v}" for v, n in counts.items() if n or v == EQUAL)
                     + f" ({len(self.jobs)} jobs)")
        return "\n".join(lines)


def render_example(example: dict, max_rows: int | None = None) -> list[str]:
    """The example as text tables; ``max_rows``: at most that many rows of each table (the merge message's
    short form), the rest counted, so that every input and both sides' outputs still show."""
    from glue2lakehouse.verify.inputs import render_table

    def table(columns, rows) -> list[str]:
        shown = rows if max_rows is None else rows[:max_rows]
        lines = ["    " + line for line in render_table(columns, shown)]
        if len(shown) < len(rows):
            lines.append(f"    ... ({len(rows) - len(shown)} more rows)")
        return lines

    lines = ["Smallest example found:" if example.get("shrunk") else "Example (not shrunk):"]
    for name, data in example["inputs"].items():
        lines.append(f"  input {name}:")
        lines += table(data["columns"], data["rows"])
    for output in example["outputs"]:
        for side, label in (("glue", "Glue wrote"), ("databricks", "Databricks wrote")):
            rows = output[side]
            if isinstance(rows, str):
                lines.append(f"  {label} {output['output']}: {rows}")
                continue
            lines.append(f"  {label} {output['output']} ({len(rows)} rows):")
            columns = output.get(f"{side}_columns") or (list(rows[0]) if rows else [])
            lines += table(columns, rows)
    return lines


# ---------------------------------------------------------------- finding the jobs
def is_glue_job(path: Path) -> bool:
    """A file that uses awsglue and does something when run: a module of helper functions is not a job."""
    import ast

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "awsglue" not in text and "GlueContext" not in text:
        return False
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return True   # reported as not Python 3
    quiet = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in tree.body:
        if isinstance(node, quiet):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue   # a docstring
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and not any(
                isinstance(sub, ast.Call) for sub in ast.walk(node)):
            continue   # a constant
        return True
    return False


def find_jobs(paths: list[Path]) -> list[tuple[str, Path, Path]]:
    """(label, job file, root the job imports from) for files and every Glue job under folders."""
    found = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise G2LError(f"{given} does not exist", "pass Glue job files or folders of them")
        if path.is_file():
            found.append((str(given), path.resolve(), path.resolve().parent))
            continue
        root = path.resolve()
        for job in sorted(root.rglob("*.py")):
            if any(part in _SKIP_DIRS or part.startswith(".") for part in job.relative_to(root).parts[:-1]):
                continue
            if is_glue_job(job):
                found.append((str(Path(given) / job.relative_to(root)), job, root))
    return found


def ddl_of(roots) -> dict:
    from glue2lakehouse.verify.shape import ddl_columns

    files = []
    for root in roots:
        files += [p for ext in ("*.sql", "*.hql", "*.ddl") for p in Path(root).rglob(ext)]
    return ddl_columns(sorted(set(files)))


def converted_cases(found, work: Path, settings) -> list[Case]:
    """Convert each root once (the jobs and the modules they import) and pair every job with its version."""
    from glue2lakehouse.convert import convert

    outs: dict = {}
    cases = []
    for label, job, root in found:
        if root not in outs:
            out = work / f"converted-{len(outs)}"
            convert(root, out, settings)
            outs[root] = out
        out = outs[root]
        cases.append(Case(label, Side(job, [str(root)]), Side(out / job.relative_to(root), [str(out)])))
    return cases


# ---------------------------------------------------------------- one job
def _last_line(text: str) -> str:
    """The exception line of a traceback, one line (a Java error by its own class and message: ``failure.py``)."""
    from glue2lakehouse.verify.failure import exception_line

    return exception_line(text)


def _glue_failure(traceback_text: str) -> str:
    last = _last_line(traceback_text)
    if last.startswith("NotImplementedError"):
        return last.partition(":")[2].strip() or last
    if "the job exited with" in traceback_text:
        return traceback_text.splitlines()[0]
    return f"the Glue job failed on the generated inputs: {last}"[:300]


@dataclass
class Runs:
    glue: object
    dbx: object
    outputs: list

    def differs(self) -> bool:
        return self.glue.error is None and (self.dbx.error is not None or any(not o["equal"] for o in self.outputs))

    def rows_differ(self) -> bool:
        """A difference that shows on rows (not only in the schema of two empty outputs)."""
        return self.dbx is not None and (self.dbx.error is not None or any(
            not o["equal"] and (o["rows_glue"] or o["rows_databricks"]) for o in self.outputs))

    def like(self, other: "Runs") -> bool:
        """A difference of the same kind: the Databricks job failing, or rows differing when they did."""
        if not self.differs():
            return False
        if other.dbx is not None and other.dbx.error is not None:
            return self.dbx.error is not None
        return self.rows_differ() or not other.rows_differ()


class Verifier:
    """Verifies jobs one after the other in one Spark session."""

    def __init__(self, spark, *, seed: int = 0, arguments: dict | None = None, data: Path | None = None,
                 ddl: dict | None = None, intended: list | None = None, shrink_budget: int = SHRINK_BUDGET,
                 remote=None):
        self.spark = spark
        self.remote = remote    # a remote.RemoteRunner: the Databricks side runs on a Spark Connect endpoint
        self.seed = seed
        self.arguments = dict(arguments or {})
        self.data = Path(data).resolve() if data else None
        self.ddl = ddl or {}
        self.intended = list(intended or [])
        self.shrink_budget = shrink_budget
        self.spark_seconds = 0.0
        from glue2lakehouse.verify.runner import tune_for_small_data

        tune_for_small_data(spark)

    # the two runs, as functions a sequence-of-runs mode can call as well
    def run_glue(self, side: Side, data: Path, args: list[str]):
        return self._run(side, data, args, glue=True)

    def run_databricks(self, side: Side, data: Path, args: list[str]):
        return self._run(side, data, args, glue=False)

    def _run(self, side: Side, data: Path, args: list[str], glue: bool, tables: dict | None = None,
             jdbc_tables: dict | None = None):
        from glue2lakehouse.verify.runner import run_job

        start = time.perf_counter()
        try:
            return run_job(self.spark, side.job, data, args, glue=glue, extra_paths=side.extra_paths,
                           path_aliases=side.path_aliases, tables=tables, jdbc_tables=jdbc_tables)
        finally:
            self.spark_seconds += time.perf_counter() - start

    def run_pair(self, case: Case, data: Path, args: list[str], dataset=None) -> Runs:
        """Both sides on the files of ``data`` and the catalog inputs of ``dataset`` (kept in memory)."""
        from glue2lakehouse.verify import inputs

        data.mkdir(parents=True, exist_ok=True)
        tables = inputs.frames(dataset, self.spark) if dataset is not None else None
        jdbc_tables = inputs.frames(dataset, self.spark, "jdbc") if dataset is not None else None
        if dataset is not None:
            inputs.write(dataset, data, tables=False)
        glue = self._run(case.glue, data, args, True, tables, jdbc_tables)
        dbx = None
        if glue.error is None and self.remote is not None:
            start = time.perf_counter()
            try:
                dbx = self.remote.run(case.dbx, data, args, dataset)
            finally:
                self.spark_seconds += time.perf_counter() - start
        elif glue.error is None:
            dbx = self._run(case.dbx, data, args, False, tables, jdbc_tables)
        outputs = reconcile(glue.outputs, dbx.outputs) if dbx is not None and dbx.error is None else []
        return Runs(glue, dbx, outputs)

    def verify(self, case: Case) -> Verdict:
        from glue2lakehouse.verify import inputs
        from glue2lakehouse.verify.shape import analyze

        start = time.perf_counter()
        verdict = Verdict(case.label, NOT_VERIFIED)
        try:
            source = case.glue.job.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            verdict.reason = f"cannot read the job: {error.strerror}"
            return verdict
        from glue2lakehouse.verify.modules import imported_modules

        shape = analyze(source, self.ddl, self.arguments, imported_modules(case.glue.job, case.glue.extra_paths))
        self.shape_keys = shape.join_keys
        if shape.unsupported:
            verdict.reason = shape.unsupported[0]
            return verdict
        if self.remote is not None and any(source.kind == "jdbc" for source in shape.inputs):
            verdict.reason = ("reads JDBC: its stand-in is an in-memory Derby database in this machine's JVM, which "
                              "a cluster cannot reach; verify it without --remote")
            return verdict
        arguments = {**shape.argument_values, **self.arguments}
        args = [item for name, value in arguments.items() for item in (f"--{name}", str(value))]
        dataset = inputs.generate(shape, self.seed)
        with tempfile.TemporaryDirectory(prefix="g2l-verify-data-") as tmp:
            data = Path(tmp) / "data"
            dataset = self._inputs(dataset, data)
            runs = self.run_pair(case, data, args, dataset)
            self._judge(verdict, runs)
            if verdict.verdict == DIFFERS:
                self._example(verdict, case, dataset, runs, args, Path(tmp))
                self._intended(verdict)
        verdict.seconds = time.perf_counter() - start
        return verdict

    def _inputs(self, dataset, data: Path) -> None:
        from glue2lakehouse.verify import inputs

        if self.data is not None:
            shutil.copytree(self.data, data, dirs_exist_ok=True)
            given = {name for name in dataset.tables if _covered(self.data, dataset.tables[name].input)}
            dataset = inputs.Dataset({n: t for n, t in dataset.tables.items() if n not in given})
        return dataset

    def _judge(self, verdict: Verdict, runs: Runs) -> None:
        if runs.glue.error is not None:
            verdict.verdict, verdict.reason = NOT_VERIFIED, _glue_failure(runs.glue.error)
            return
        if runs.dbx.error is not None:
            verdict.verdict = DIFFERS
            verdict.reason = f"the Databricks job failed where the Glue job did not: {_last_line(runs.dbx.error)}"[:300]
            return
        verdict.outputs = [_public(o) for o in runs.outputs]
        if not runs.outputs:
            verdict.verdict, verdict.reason = NOT_VERIFIED, "the Glue job wrote no output"
            return
        differing = [o for o in runs.outputs if not o["equal"]]
        if differing:
            verdict.verdict, verdict.reason = DIFFERS, summary(differing[0])
            return
        empty = [o["output"] for o in runs.outputs if o["rows_glue"] == 0]
        if empty:
            verdict.verdict, verdict.reason = NOT_VERIFIED, f"no rows reached {empty[0]}"
            return
        verdict.verdict, verdict.reason = EQUAL, None

    def _example(self, verdict: Verdict, case: Case, dataset, runs: Runs, args: list[str], tmp: Path) -> None:
        from glue2lakehouse.verify import inputs

        found = None
        if self.data is None:
            counter = [0]

            def differs(subset):
                counter[0] += 1
                folder = tmp / f"shrink-{counter[0]}"
                attempt = self.run_pair(case, folder, args, subset)
                shutil.rmtree(folder, ignore_errors=True)
                return attempt if attempt.like(runs) else None

            start = focus(dataset, runs, self.shape_keys)
            if start is not None and start.row_count() < dataset.row_count():
                attempt = differs(start)
                if attempt is not None:
                    found = inputs.shrink(start, differs, self.seed, self.shrink_budget) or (start, attempt)
            if found is None:
                found = inputs.shrink(dataset, differs, self.seed, self.shrink_budget)
        subset, shown = (found if found else (dataset, runs))
        verdict.example = {"shrunk": found is not None, "inputs": inputs.describe(subset),
                           "outputs": _example_outputs(shown)}

    def _intended(self, verdict: Verdict) -> None:
        differing = [o["output"] for o in verdict.outputs if not o.get("equal")]
        if not differing or not self.intended:
            return
        reasons = []
        for output in differing:
            match = next((i for i in self.intended if _same_job(verdict.job, i["job"]) and i["output"] == output),
                         None)
            if match is None:
                return
            reasons.append(match["reason"])
        verdict.verdict, verdict.reason = INTENDED, "; ".join(dict.fromkeys(reasons))


def _norm(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return str(value)


def focus(dataset, runs: Runs, join_keys) -> object | None:
    """A first guess at the input rows behind one differing output row: per input, the rows sharing the most
    values with it (join keys count under either name). Hypothesis then shrinks from there; a guess that
    does not reproduce the difference is dropped. Returns None when there is no row to follow."""
    from glue2lakehouse.verify.inputs import Dataset, Table

    row = None
    for output in runs.outputs:
        samples = output.get("samples_only_in_glue") or output.get("samples_only_in_databricks")
        if samples:
            row = samples[0]
            break
    if row is None and runs.dbx is not None and runs.dbx.error is not None:
        row = next((r for o in runs.glue.outputs.values() for r in o["rows"]), None)
    if row is None:
        return None
    flat = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}{k}.", v)
        else:
            flat[prefix.rstrip(".").lower()] = _norm(value)

    walk("", row)
    aliases: dict = {}
    for (_, one), (_, two) in join_keys:
        aliases.setdefault(two.lower(), one.lower())
        aliases.setdefault(one.lower(), two.lower())
    tables = {}
    for name, table in dataset.tables.items():
        def score(candidate):
            points = 0
            for path, _ in table.columns:
                value = candidate
                for part in path.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                target = flat.get(path.lower(), flat.get(aliases.get(path.lower(), ""), "\0"))
                if target != "\0" and target is not None and _norm(value) == target:
                    points += 1
            return points
        scores = [score(r) for r in table.rows]
        best = max(scores, default=0)
        chosen = [r for r, s in zip(table.rows, scores) if s == best and best > 0][:2]
        tables[name] = Table(table.input, table.columns, chosen or table.rows[:1])
    return Dataset(tables)


def _same_job(label: str, recorded: str) -> bool:
    label, recorded = label.replace(os.sep, "/"), recorded.replace(os.sep, "/").lstrip("./")
    return label == recorded or label.endswith("/" + recorded)


def _covered(data: Path, source) -> bool:
    from glue2lakehouse.verify.inputs import _local

    if source.kind == "jdbc":
        return any((data / "jdbc" / f"{source.name}{ext}").exists() for ext in (".parquet", ".csv", ".json"))
    if source.kind == "table":
        database, _, table = source.name.rpartition(".")
        return any((data / database / f"{table}{ext}").exists() for ext in (".parquet", ".csv", ".json"))
    local, _ = _local(data, source.name, source.fmt)
    return local.exists()


def _public(output: dict) -> dict:
    return dict(output)


def _example_outputs(runs: Runs) -> list[dict]:
    if runs.dbx is None or runs.dbx.error is not None:
        error = _last_line(runs.dbx.error) if runs.dbx is not None else "not run"
        return [{"output": o["name"], "glue": o["rows"], "glue_columns": [f[0] for f in o["schema"]],
                 "databricks": f"failed: {error}"} for o in runs.glue.outputs.values()]
    shown = []
    for result in runs.outputs:
        if result["equal"]:
            continue
        glue = next((o for o in runs.glue.outputs.values() if o["name"] == result["output"]), None)
        dbx = next((o for o in runs.dbx.outputs.values() if o["name"] == result["output"]), None)
        shown.append({"output": result["output"],
                      "glue": glue["rows"] if glue else "nothing written",
                      "glue_columns": [f[0] for f in glue["schema"]] if glue else [],
                      "databricks": dbx["rows"] if dbx else "nothing written",
                      "databricks_columns": [f[0] for f in dbx["schema"]] if dbx else []})
    return shown


# ---------------------------------------------------------------- many jobs
def verify_cases(cases: list[Case], *, spark=None, master: str | None = None, seed: int = 0,
                 arguments: dict | None = None, data: Path | None = None, ddl: dict | None = None,
                 intended: list | None = None, progress=None, shrink_budget: int = SHRINK_BUDGET,
                 remote: str | None = None, remote_scratch: str | None = None,
                 remote_schema: str | None = None) -> BatchReport:
    """Every case in one Spark session (``spark`` when given, else a new local one); with ``remote`` (a Spark
    Connect URL, or local[N]) the Databricks side of each on that endpoint (see remote.py)."""
    report = BatchReport()
    own = spark is None
    runner = None
    if own:
        from glue2lakehouse.errors import G2LError
        from glue2lakehouse.verify.runner import new_session
        from glue2lakehouse.verify.verify import check_requirements

        try:
            check_requirements()
        except G2LError as error:
            # No PySpark or Java here (a CI runner without them): every job is "not verified", saying why, so a
            # sync --verify still completes and its Verified section names what to install.
            reason = f"{error.problem} ({error.fix})" if error.fix else error.problem
            report.jobs = [Verdict(case.label, NOT_VERIFIED, reason) for case in cases]
            return report
        start = time.perf_counter()
        from pyspark.sql import SparkSession

        # A session already running in this process (a notebook's, a test's) is used and left running.
        own = SparkSession.getActiveSession() is None
        if remote:
            from glue2lakehouse.verify.remote import open_sessions

            spark, runner = open_sessions(remote, master, scratch=remote_scratch, schema=remote_schema)
        else:
            spark = new_session(master)
        spark.sparkContext.setLogLevel("OFF")
        report.session_seconds = time.perf_counter() - start
    start = time.perf_counter()
    verifier = Verifier(spark, seed=seed, arguments=arguments, data=data, ddl=ddl, intended=intended,
                        shrink_budget=shrink_budget, remote=runner)
    try:
        for index, case in enumerate(cases):
            verdict = verifier.verify(case)
            report.jobs.append(verdict)
            if progress is not None:
                progress(index + 1, len(cases), verdict)
    finally:
        report.seconds = time.perf_counter() - start
        report.spark_seconds = verifier.spark_seconds
        if runner is not None:
            runner.close()
        if own:
            spark.stop()
    return report


def verify_paths(paths: list[Path], *, settings=None, against: Path | None = None, root: Path | None = None,
                 **options) -> BatchReport:
    """``g2l verify PATH...``: every Glue job of the files and folders, against a fresh conversion (or, for
    one job, against the Databricks job ``against``). ``root``: the folder a single job imports from."""
    from glue2lakehouse.config import TransformSettings

    found = find_jobs(paths)
    if root is not None:
        found = [(label, job, Path(root).resolve()) for label, job, _ in found]
    if not found:
        raise G2LError("no Glue job found in " + ", ".join(map(str, paths)),
                       "pass .py files that use awsglue, or folders that hold some")
    with tempfile.TemporaryDirectory(prefix="g2l-verify-jobs-") as tmp:
        if against is not None:
            if len(found) != 1:
                raise G2LError("--against compares one Glue job with one Databricks job",
                               "pass a single Glue job file with --against")
            if not against.is_file():
                raise G2LError(f"{against} does not exist", "pass the Databricks job's path with --against")
            label, job, root = found[0]
            cases = [Case(label, Side(job, [str(root)]), Side(against.resolve(), [str(against.resolve().parent)]))]
        else:
            cases = converted_cases(found, Path(tmp), settings or TransformSettings())
        options.setdefault("ddl", ddl_of({root for _, _, root in found}))
        return verify_cases(cases, **options)
