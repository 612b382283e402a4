"""Benchmark: each figure beside its floor, measured in the same run.

    python scripts/bench.py --quick            # under a minute (CI)
    python scripts/bench.py                    # N = 2000 and 8000 files, k = 20 changed files
    python scripts/bench.py --json out.json --doc docs/performance.md

Figures (ratios against floors measured in the same process or on the same machine):
1. transform throughput vs bare libcst parse + code generation of the same files, on two corpora:
   long jobs (Glue head, plain PySpark below) and Glue-heavy jobs (the fixture jobs and helpers and
   generated variants of them: Glue from top to bottom, as real jobs are), single core;
2. initial migration with 1 worker vs with every core;
3. sync of k changed files vs the git floor (git merge of the identical snapshot commit)
   plus the transform of those k files;
4. the same sync on a repository 4x larger;
   (the Databricks side carries native files and protected regions in 1% of its files each)
5. one merge-driver invocation vs `python -c "import merge3"`;
6. peak memory of the initial migration.

The synthetic Glue repository is generated from a seed: jobs and helper modules in the
proportions of fixtures/glue_jobs/, 100 to 600 lines each, Glue calls in the first part of
each job and plain PySpark below, as long jobs are written.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JOB_HEADS = sorted((ROOT / "fixtures" / "glue_jobs").glob("studio_*.py")) + [
    ROOT / "fixtures" / "glue_jobs" / name for name in (
        "jdbc_postgres_extract.py", "resolve_choice_cleanup.py", "getsink_update_catalog.py",
        "risk_var_calculation.py", "sql_aggregation_job.py", "rdd_enrichment.py")]
HELPER_HEADS = [ROOT / "fixtures" / "glue_jobs" / "helpers" / name for name in ("io_helpers.py", "mapping_helpers.py")]
HELPER_SHARE = 4 / 25  # helpers among the fixture files


def _block(rng: random.Random, index: int) -> str:
    """One plain PySpark function, the kind that fills a long job."""
    column = rng.choice(["amount", "ead", "balance", "limit", "score", "exposure"])
    factor = round(rng.uniform(0.01, 2.0), 4)
    return (
        f"\n\ndef step_{index}(df):\n"
        f'    """Derived measure {index}."""\n'
        f'    df = df.withColumn("{column}_{index}", F.col("{column}") * F.lit({factor}))\n'
        f'    df = df.withColumn("{column}_{index}_band", F.when(F.col("{column}_{index}") > {index}, "high")'
        f'.otherwise("low"))\n'
        f'    window = Window.partitionBy("segment").orderBy(F.col("{column}_{index}").desc())\n'
        f'    df = df.withColumn("{column}_{index}_rank", F.rank().over(window))\n'
        f"    return df.where(F.col(\"{column}_{index}_rank\") <= {rng.randint(5, 500)})\n"
    )


def make_file(rng: random.Random, helper: bool) -> str:
    head = rng.choice(HELPER_HEADS if helper else JOB_HEADS).read_text()
    target = rng.randint(100, 600)
    text = head + "\nfrom pyspark.sql import Window\nfrom pyspark.sql import functions as F\n"
    index = 0
    while text.count("\n") < target:
        text += _block(rng, index)
        index += 1
    return text


def make_glue_repo(path: Path, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    path.mkdir(parents=True)
    names = []
    for i in range(n):
        helper = rng.random() < HELPER_SHARE
        name = f"{'helpers' if helper else 'jobs'}/{i // 100:03d}/{'helper' if helper else 'job'}_{i:05d}.py"
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(make_file(rng, helper))
        names.append(name)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "synthetic Glue estate")
    return names


def change_files(path: Path, names: list[str], k: int, seed: int) -> list[str]:
    """A week of Glue changes: one edited line in each of k files."""
    rng = random.Random(seed)
    changed = rng.sample(names, k)
    for name in changed:
        file = path / name
        file.write_text(file.read_text().replace("F.lit(", "F.lit(1.0 + ", 1))
    _git(path, "commit", "-q", "-am", f"change {k} files")
    return changed


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def new_dbx(path: Path) -> Path:
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "config", "user.name", "bench")
    _git(path, "config", "user.email", "bench@example.com")
    return path


# ---------------------------------------------------------------- figures
def transform_throughput(files: list[bytes]) -> dict:
    import libcst as cst

    from glue2lakehouse.config import TransformSettings
    from glue2lakehouse.transform import transform_file

    lines = sum(data.count(b"\n") for data in files)
    start = time.perf_counter()
    for data in files:
        cst.parse_module(data.decode()).code
    bare = time.perf_counter() - start
    settings = TransformSettings(catalog="bench")
    start = time.perf_counter()
    for index, data in enumerate(files):
        transform_file(data, f"f{index}.py", settings)
    ours = time.perf_counter() - start
    return {"lines": lines, "bare_lines_per_s": lines / bare, "transform_lines_per_s": lines / ours,
            "ratio": bare / ours, "target": ">= 0.6"}


def glue_heavy_corpus(seed: int, variants: int) -> list[bytes]:
    """The fixture jobs and helpers (those libcst parses), and layout variants of them and of generated jobs."""
    import ast

    from tests.jobgen import job, layout

    texts = []
    for path in sorted((ROOT / "fixtures" / "glue_jobs").rglob("*.py")):
        text = path.read_text()
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        if text.strip():
            texts.append(text)
    rng = random.Random(seed)
    corpus = list(texts)
    for index in range(variants):
        base = rng.choice(texts) if index % 2 else job(rng)
        corpus.append(layout(base, rng))
    return [text.encode() for text in corpus]


def glue_heavy_figure(files: list[bytes], rounds: int) -> dict:
    """Convert time over bare libcst parse + codegen time of the same files, on one core.

    CPU time, each file parsed bare and converted one after the other, best of ``rounds`` rounds.
    """
    import libcst as cst

    from glue2lakehouse.config import TransformSettings
    from glue2lakehouse.transform import transform_file

    settings = TransformSettings(catalog="bench")
    texts = [data.decode() for data in files]
    floor, ours = [], []
    clock = time.process_time  # CPU time of this process: other work on the machine counts less
    for _ in range(rounds):
        bare = convert = 0.0
        for index, (text, data) in enumerate(zip(texts, files)):  # file by file, so both see the same machine
            start = clock()
            cst.parse_module(text).code
            middle = clock()
            transform_file(data, f"f{index}.py", settings)
            bare, convert = bare + middle - start, convert + clock() - middle
        floor.append(bare)
        ours.append(convert)
    lines = sum(data.count(b"\n") for data in files)
    return {"files": len(files), "lines": lines, "convert_s": min(ours), "libcst_s": min(floor),
            "convert_lines_per_s": lines / min(ours), "ratio": min(ours) / min(floor), "target": "<= 2.0"}


def _migrate(glue: Path, dbx: Path, workers: int | None) -> tuple[float, float]:
    """Initial migration in a child process: (seconds, peak MB of it and its workers)."""
    code = ("import json, resource; from glue2lakehouse.sync import initialize; "
            f"initialize({str(dbx)!r}, {str(glue)!r}, catalog='bench', workers={workers!r}); "
            "print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    own_kb, workers_kb = json.loads(out.strip().splitlines()[-1])
    return seconds, max(own_kb, workers_kb) / 1024  # the largest process of this migration


def databricks_work(dbx: Path, names: list[str], seed: int) -> dict:
    """The Databricks side's own work: native files and protected regions in 1% of the files each."""
    from glue2lakehouse.gitrepo import GitRepo
    from glue2lakehouse.workspace import mark_native, protect

    rng = random.Random(seed)
    repo = GitRepo(dbx)
    count = max(1, len(names) // 100)
    natives = []
    for index in range(count):
        name = f"databricks/native_{index:04d}.py"
        (dbx / name).parent.mkdir(parents=True, exist_ok=True)
        (dbx / name).write_text(f"def feature_{index}(df):\n    return df.limit({index + 1})\n")
        natives.append(name)
    _git(dbx, "add", "-A")
    _git(dbx, "commit", "-q", "-m", "Databricks-only features")
    mark_native(repo, natives)
    for name in rng.sample(names, count):
        protect(repo, name, 3, 4)
    return {"native_files": len(natives), "protected_regions": count}


def sync_figures(glue: Path, dbx: Path, names: list[str], k: int, seed: int) -> dict:
    from glue2lakehouse.config import TransformSettings
    from glue2lakehouse.sync import sync
    from glue2lakehouse.transform import transform_file

    changed = change_files(glue, names, k, seed)
    start = time.perf_counter()
    result = sync(dbx, workers=1)
    ours = time.perf_counter() - start
    assert result.status == "merged", result.status
    # The floor: git merging the very same snapshot commit, plus transforming the k files.
    _git(dbx, "reset", "-q", "--hard", "HEAD~1")
    start = time.perf_counter()
    _git(dbx, "merge", "-q", "--no-ff", "--no-edit", result.snapshot)
    git_merge = time.perf_counter() - start
    settings = TransformSettings(catalog="bench")
    start = time.perf_counter()
    for name in changed:
        transform_file((glue / name).read_bytes(), name, settings)
    transform = time.perf_counter() - start
    return {"files": len(names), "k": k, "sync_s": ours, "git_merge_s": git_merge, "transform_k_s": transform,
            "ratio": ours / (git_merge + transform), "target": "<= 1.5"}


def driver_figures(runs: int = 10) -> dict:
    work = Path(tempfile.mkdtemp(prefix="g2l-bench-driver-"))
    (work / "base").write_text("a\nb\nc\n")
    (work / "theirs").write_text("a\nB\nc\n")

    def timed(command) -> float:
        samples = []
        for _ in range(runs):
            (work / "ours").write_text("A\nb\nc\n")
            start = time.perf_counter()
            subprocess.run(command, cwd=work, check=False, capture_output=True)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    floor = timed([sys.executable, "-c", "import merge3"])
    driver = timed([sys.executable, "-m", "glue2lakehouse.merge.driver", "protected", "--overlap", "conflict",
                    "base", "ours", "theirs", "f.py", "7"])
    shutil.rmtree(work, ignore_errors=True)
    return {"driver_ms": driver * 1000, "import_merge3_ms": floor * 1000, "ratio": driver / floor, "target": "<= 1.5"}


def run(sizes: list[int], k: int, seed: int) -> dict:
    results: dict = {"cores": os.cpu_count(), "sizes": sizes, "k": k, "seed": seed}
    work = Path(tempfile.mkdtemp(prefix="g2l-bench-"))
    try:
        small = sizes[0]
        glue = work / f"glue_{small}"
        names = make_glue_repo(glue, small, seed)
        files = [(glue / name).read_bytes() for name in names]
        results["transform"] = transform_throughput(files)
        results["glue_heavy"] = glue_heavy_figure(glue_heavy_corpus(seed, 25 if small < 1000 else 200),
                                                  3 if small < 1000 else 7)
        one, _ = _migrate(glue, new_dbx(work / "dbx_1"), 1)
        every, peak = _migrate(glue, new_dbx(work / "dbx_all"), None)
        results["initial_migration"] = {"files": small, "one_worker_s": one, "all_cores_s": every,
                                        "speedup": one / every, "target": ">= 1.6 on 2 cores"}
        results["databricks_side"] = databricks_work(work / "dbx_all", names, seed)
        syncs = [sync_figures(glue, work / "dbx_all", names, k, seed + 1)]
        peaks = [peak]
        for size in sizes[1:]:
            big = work / f"glue_{size}"
            big_names = make_glue_repo(big, size, seed)
            _, big_peak = _migrate(big, new_dbx(work / f"dbx_{size}"), None)
            peaks.append(big_peak)
            databricks_work(work / f"dbx_{size}", big_names, seed)
            syncs.append(sync_figures(big, work / f"dbx_{size}", big_names, k, seed + 1))
        results["sync"] = syncs
        if len(syncs) > 1:
            results["sync_growth"] = {"ratio": syncs[-1]["sync_s"] / syncs[0]["sync_s"], "target": "<= 1.3",
                                      "from_files": syncs[0]["files"], "to_files": syncs[-1]["files"]}
        results["driver"] = driver_figures()
        results["memory"] = {"peak_mb": max(peaks), "peaks_mb_by_size": dict(zip(map(str, sizes), peaks)),
                             "target": "<= 400 MB for 8000 files"}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def verify_figures(copies: int) -> dict:
    """g2l verify with no data over ``copies`` copies of the fixture Glue jobs, in one Spark session: jobs per
    minute (session start excluded), the share of that time inside the jobs' runs (Spark's own work), and the
    same share's floor: the runs of the same jobs with nothing else around them is the whole time."""
    from glue2lakehouse.verify.batch import verify_paths

    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "glue_jobs"
    work = Path(tempfile.mkdtemp(prefix="g2l-bench-verify-"))
    try:
        for index in range(copies):
            shutil.copytree(fixtures, work / f"estate_{index}")
        report = verify_paths([work])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    jobs = len(report.jobs)
    return {"jobs": jobs, "session_start_s": report.session_seconds, "verify_s": report.seconds,
            "jobs_per_minute": 60 * jobs / report.seconds, "spark_share": report.spark_seconds / report.seconds,
            "minutes_for_150": 150 * report.seconds / jobs / 60, "tally": report.tally(),
            "target": "150 real-sized jobs in under 10 minutes on 2 cores"}


def table(results: dict) -> str:
    t, m, d = results["transform"], results["initial_migration"], results["driver"]
    rows = [
        ("transform throughput", f"{t['transform_lines_per_s']:.0f} lines/s", f"bare libcst {t['bare_lines_per_s']:.0f}"
         " lines/s", f"{t['ratio']:.2f}x", t["target"]),
        ("convert, Glue-heavy jobs (time)", f"{results['glue_heavy']['convert_lines_per_s']:.0f} lines/s",
         f"bare libcst {results['glue_heavy']['libcst_s']:.2f} s", f"{results['glue_heavy']['ratio']:.2f}x",
         results["glue_heavy"]["target"]),
        ("initial migration", f"{m['all_cores_s']:.1f} s on {results['cores']} cores", f"{m['one_worker_s']:.1f} s on 1",
         f"{m['speedup']:.2f}x", m["target"]),
    ]
    for s in results["sync"]:
        rows.append((f"sync, k={s['k']} of {s['files']}", f"{s['sync_s']:.2f} s",
                     f"git merge {s['git_merge_s']:.2f} s + transform {s['transform_k_s']:.2f} s",
                     f"{s['ratio']:.2f}x", s["target"]))
    if "sync_growth" in results:
        g = results["sync_growth"]
        rows.append((f"sync growth {g['from_files']} -> {g['to_files']}", "", "", f"{g['ratio']:.2f}x", g["target"]))
    rows.append(("merge driver", f"{d['driver_ms']:.0f} ms", f"import merge3 {d['import_merge3_ms']:.0f} ms",
                 f"{d['ratio']:.2f}x", d["target"]))
    rows.append(("peak memory, initial migration", f"{results['memory']['peak_mb']:.0f} MB", "", "",
                 results["memory"]["target"]))
    header = ("figure", "measured", "floor", "ratio", "target")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(5)]
    lines = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute (CI)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", dest="json_out", help="write the results as JSON to this file")
    parser.add_argument("--doc", help="write the table into this Markdown file")
    parser.add_argument("--verify", type=int, metavar="COPIES",
                        help="only the verify figure: g2l verify over COPIES copies of fixtures/glue_jobs")
    options = parser.parse_args()
    if options.verify:
        print(json.dumps(verify_figures(options.verify), indent=1))
        return 0
    sizes, k = ([60, 240], 5) if options.quick else ([2000, 8000], 20)
    started = time.perf_counter()
    results = run(sizes, k, options.seed)
    results["wall_s"] = time.perf_counter() - started
    text = table(results)
    print(text)
    if options.json_out:
        Path(options.json_out).write_text(json.dumps(results, indent=1))
    else:
        print(json.dumps(results, indent=1))
    if options.doc:
        Path(options.doc).parent.mkdir(parents=True, exist_ok=True)
        Path(options.doc).write_text(
            "# Performance\n\nMeasured by `scripts/bench.py"
            + (" --quick" if options.quick else "") + f"` on a machine with {results['cores']} cores "
            f"(seed {options.seed}, sizes {sizes}, k = {k}).\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
