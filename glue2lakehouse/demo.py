"""``g2l demo``: the guide's real-world example, week by week, on real git repositories.

It builds a Glue repository from fixtures/glue_risk_engine/ and a Databricks
repository beside it, then plays: initial migration; Process D and monitoring
marked native; a protected region in process_a.py and a bigger node type in the
generated bundle job; a Glue week that adds ``risk_score_v2`` and changes
process_b.py (dry run, then sync); a Glue week that adds a job argument and moves
the schedule in the Terraform definitions; and a week in which both teams change
the same line, which ends in a conflict.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from glue2lakehouse.dual_track import DualTrackManager
from glue2lakehouse.errors import G2LError
from glue2lakehouse.gitrepo import GitRepo, ensure_identity, init_repository

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "glue_risk_engine"
# The estate around the scripts: a second job, the catalog DDL, and the job definitions in Terraform.
ESTATE = [FIXTURE.parent / "estate" / "risk_engine" / "common", FIXTURE.parent / "estate" / "risk_engine" / "terraform"]
JOB_YAML = "resources/risk_engine_daily.job.yml"

PROCESS_D = '''"""Process D: intraday exposure limits (Databricks only)."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def intraday_limits(exposures: DataFrame, limits: DataFrame) -> DataFrame:
    df = exposures.join(limits, on="customer_id", how="left")
    return df.withColumn("limit_breach", F.col("ead") > F.col("intraday_limit"))
'''

METRICS = '''"""Run metrics for the risk engine, published to Databricks SQL dashboards."""

from pyspark.sql import DataFrame, SparkSession


def publish_metrics(spark: SparkSession, df: DataFrame, run_id: str) -> None:
    metrics = df.selectExpr("count(*) AS rows", "avg(risk_score) AS avg_score")
    metrics.withColumnRenamed("rows", "row_count").createOrReplaceTempView(f"metrics_{run_id}")
'''

OPTIMISATION = [
    "    # Databricks optimisation: keep the scored frame for the three consumers downstream.\n",
    "    if df.sparkSession.conf.get(\"spark.databricks.delta.optimizeWrite.enabled\", \"false\") == \"true\":\n",
    "        df = df.cache()\n",
]


def _identity(path: Path) -> None:
    ensure_identity(path, "g2l demo", "demo@glue2lakehouse.invalid")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        raise G2LError(f"demo: {path} no longer contains {old!r}", "restore fixtures/glue_risk_engine from git")
    path.write_text(text.replace(old, new, 1))


def _excerpt(text: str, needles: tuple[str, ...]) -> list[str]:
    """The lines holding each needle (and the value line after a parameter name), in file order."""
    lines = text.splitlines()
    keep = set()
    for index, line in enumerate(lines):
        if any(needle in line for needle in needles):
            keep.add(index)
            if line.strip().startswith('- "--') and index + 1 < len(lines):
                keep.add(index + 1)
    return [lines[i] for i in sorted(keep)]


def run_demo(directory: Path | None, echo=print) -> int:
    if not FIXTURE.is_dir():
        raise G2LError(f"the demo fixtures are missing ({FIXTURE})",
                       "run the demo from a clone of the glue2lakehouse repository (pip install -e .)")
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="g2l-demo-"))
    directory = directory.expanduser().resolve()
    if directory.exists() and any(directory.iterdir()):
        raise G2LError(f"{directory} is not empty", "give the demo a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    glue_dir = directory / "glue_risk_engine"
    dbx_dir = directory / "databricks_risk_engine"

    def step(title: str) -> None:
        echo("")
        echo("=" * 78)
        echo(f"  {title}")
        echo("=" * 78)

    shutil.copytree(FIXTURE, glue_dir)
    for folder in ESTATE:
        if folder.is_dir():
            shutil.copytree(folder, glue_dir, dirs_exist_ok=True)
    init_repository(glue_dir)
    _identity(glue_dir)
    glue = GitRepo(glue_dir)
    glue.commit_paths(["."], "Risk engine as deployed on AWS Glue")
    init_repository(dbx_dir)
    _identity(dbx_dir)
    dbx = GitRepo(dbx_dir)
    manager = DualTrackManager(glue_source=glue_dir, databricks_target=dbx_dir)
    echo(f"Glue repository:       {glue_dir}")
    echo(f"Databricks repository: {dbx_dir}")

    step("Week 1: initial migration")
    result = manager.initial_migration(catalog_name="production_risk")
    if not result.success:
        echo(f"initial migration failed: {result.errors}")
        return 2
    echo(f"Migrated {result.files_synced} files; every Python file starts with '# SOURCE: GLUE'.")
    echo("Snapshot committed on branch glue-upstream and merged into main.")
    echo("jobs/daily_risk_job.py now begins:")
    for line in (dbx_dir / "jobs" / "daily_risk_job.py").read_text().splitlines()[:16]:
        echo(f"    {line}")
    job_yaml = dbx_dir / JOB_YAML
    if job_yaml.is_file():
        echo(f"The Terraform job definitions became a bundle job, {JOB_YAML} (with databricks.yml):")
        for line in _excerpt(job_yaml.read_text(), ("quartz_cron_expression", "node_type_id: m5.2xlarge",
                                                    "python_file", "--run_date", "depends_on")):
            echo(f"    {line}")
        echo("ddl/risk_db.sql is Unity Catalog DDL now (CREATE SCHEMA IF NOT EXISTS production_risk.risk_db ...).")

    step("Weeks 2-4: Databricks-only work")
    (dbx_dir / "risk_calculations" / "process_d.py").write_text(PROCESS_D)
    (dbx_dir / "monitoring").mkdir()
    (dbx_dir / "monitoring" / "databricks_metrics.py").write_text(METRICS)
    manager.mark_as_databricks_native("risk_calculations/process_d.py")
    manager.mark_as_databricks_native("monitoring/databricks_metrics.py")
    echo("Marked Databricks-native (in .gitattributes, header '# SOURCE: DATABRICKS_NATIVE'):")
    for path in manager.list_databricks_native_files():
        echo(f"    {path}")
    process_a = dbx_dir / "risk_calculations" / "process_a.py"
    lines = process_a.read_text().splitlines(keepends=True)
    anchor = next(i for i, line in enumerate(lines) if "df = probability_of_default(df)" in line) + 1
    lines[anchor:anchor] = OPTIMISATION
    process_a.write_text("".join(lines))
    dbx.commit_paths(["risk_calculations/process_a.py"], "Cache scored customers on Databricks")
    if job_yaml.is_file():
        _edit(job_yaml, "node_type_id: m5.2xlarge", "node_type_id: r5.4xlarge")
        dbx.commit_paths([JOB_YAML], "Run the daily risk job on memory-optimised nodes")
        echo(f"Databricks raised the daily job's node type in {JOB_YAML} to r5.4xlarge.")
    region = manager.protect_code_region("risk_calculations/process_a.py", anchor + 1, anchor + len(OPTIMISATION))
    echo(f"Protected region in {region['file']} lines {region['start']}-{region['end']}:")
    for line in process_a.read_text().splitlines()[region["start"] - 1 : region["end"]]:
        echo(f"    {line}")

    step("Week 5: the Glue team adds risk_score_v2 and changes process_b.py")
    _edit(glue_dir / "data_loader.py", '    "risk_score",\n', '    "risk_score",\n    "risk_score_v2",\n')
    _edit(glue_dir / "risk_calculations" / "process_b.py",
          'F.col("risk_score") >= F.lit(HIGH_RISK_THRESHOLD)',
          'F.coalesce(F.col("risk_score_v2"), F.col("risk_score")) >= F.lit(HIGH_RISK_THRESHOLD)')
    glue.commit_paths(["."], "Add risk_score_v2 to customers; use it for high-risk flags")
    preview = manager.sync_glue_changes(dry_run=True)
    echo("Dry run (nothing changed):")
    echo(f"    Files to sync: {preview.files_synced}")
    for change in preview.changes:
        echo(f"      - {change['path']} ({change['change']} by Glue)")
    echo(f"    Files protected: {preview.files_protected}")
    for path in manager.list_databricks_native_files():
        echo(f"      - {path} (Databricks-native)")
    echo(f"    Conflicts: {len(preview.conflicts)}")
    result = manager.sync_glue_changes(dry_run=False)
    echo("Sync:")
    echo(f"    Glue changes applied: {result.glue_changes_applied}")
    echo(f"    Databricks code preserved: {result.databricks_code_preserved}")
    echo(f"    Merge commit: {(result.merge_commit or '')[:12]} on main")
    text = (dbx_dir / "data_loader.py").read_text()
    echo(f"    data_loader.py has risk_score_v2: {'risk_score_v2' in text}")
    echo(f"    protected region intact: {''.join(OPTIMISATION) in process_a.read_text()}")

    terraform = glue_dir / "infra" / "glue.tf"
    if terraform.is_file() and job_yaml.is_file():
        step("Week 6: the Glue team adds a job argument and moves the schedule")
        _edit(terraform, '"--run_date"                         = "latest"',
              '"--run_date"                         = "latest"\n    "--risk_threshold"                   = "0.7"')
        _edit(terraform, 'schedule      = "cron(0 2 ? * MON-FRI *)"', 'schedule      = "cron(30 3 ? * MON-SAT *)"')
        glue.commit_paths(["."], "Pass the risk threshold to the daily job; run it at 03:30, Saturdays too")
        echo("infra/glue.tf: default_arguments gains \"--risk_threshold\" = \"0.7\";")
        echo("               schedule cron(0 2 ? * MON-FRI *) -> cron(30 3 ? * MON-SAT *)")
        result = manager.sync_glue_changes(dry_run=False)
        echo(f"Sync: {result.glue_changes_applied} Glue change(s) applied, {len(result.conflicts)} conflict(s)")
        echo(f"{JOB_YAML} after the merge (Glue's argument and schedule, Databricks' node type):")
        for line in _excerpt(job_yaml.read_text(), ("quartz_cron_expression", "node_type_id: r5.4xlarge",
                                                    "--risk_threshold")):
            echo(f"    {line}")

    step("Week 7: both teams change the same line of process_b.py")
    _edit(dbx_dir / "risk_calculations" / "process_b.py", "HIGH_RISK_THRESHOLD = 0.7", "HIGH_RISK_THRESHOLD = 0.65")
    dbx.commit_paths(["risk_calculations/process_b.py"], "Lower the high-risk threshold for the Databricks pilot")
    _edit(glue_dir / "risk_calculations" / "process_b.py", "HIGH_RISK_THRESHOLD = 0.7", "HIGH_RISK_THRESHOLD = 0.75")
    glue.commit_paths(["."], "Raise the high-risk threshold after the Q3 review")
    preview = manager.sync_glue_changes(dry_run=True)
    echo(f"Dry run: {len(preview.conflicts)} conflict(s) predicted")
    result = manager.sync_glue_changes(dry_run=False)
    echo(f"Sync left the merge in progress with {len(result.conflicts)} conflict(s):")
    for conflict in manager.list_conflicts():
        echo(f"    {conflict['file']}: {conflict['reason']}")
    conflicted = dbx_dir / "risk_calculations" / "process_b.py"
    content = conflicted.read_text().splitlines()
    start = next(i for i, line in enumerate(content) if line.startswith("<<<<<<<"))
    echo(f"{conflicted.relative_to(directory)} lines {start + 1}-{start + 7}:")
    for number, line in enumerate(content[start : start + 7], start=start + 1):
        echo(f"    {number:>3} | {line}")

    step("Where to look")
    echo(f"cd {dbx_dir}")
    echo("git status                  # the unmerged file, as in any git merge")
    g2l = shutil.which("g2l") or str(Path(sys.executable).parent / "g2l")
    echo(f"{g2l} conflicts   # each conflicted file with its reason")
    echo("git log --graph --oneline --all   # snapshots on glue-upstream, syncs merged into main")
    echo("Resolve the markers, then: git add risk_calculations/process_b.py && git commit")
    return 0
