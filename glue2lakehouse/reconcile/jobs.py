"""``g2l reconcile JOB`` inside a dual-track repository: the job's output pairs from its conversion.

JOB is a Glue script path (as synced: ``jobs/daily_risk_job.py``) or a Glue job name from the
job definitions. The Glue script is the one of the last sync (``refs/g2l/glue-source``), the
mapping is the repository's ``[transform]`` settings, the comparison options come from
``[reconcile.jobs.<job>]`` (by job name or script path), and a scope's ``{argument}`` is filled
from the job definition's default arguments and ``--arg NAME=VALUE``.
"""

from __future__ import annotations

from pathlib import Path

from glue2lakehouse.errors import G2LError
from glue2lakehouse.reconcile.pairs import job_outputs, pairs_for
from glue2lakehouse.reconcile.run import Pair


def job_pairs(repo_path: Path, job: str, values: dict[str, str]) -> tuple[list[Pair], list[str]]:
    from glue2lakehouse.estate import read_estate
    from glue2lakehouse.estate.bundle import match_script, script_arguments
    from glue2lakehouse.gitrepo import GitRepo
    from glue2lakehouse.snapshot import SOURCE_REF
    from glue2lakehouse.sync import load_config

    repo = GitRepo(repo_path)
    config = load_config(repo)
    settings = config.estate.reconcile
    source = repo.ref(SOURCE_REF)
    if source is None:
        raise G2LError("this repository has no Glue source recorded (refs/g2l/glue-source)",
                       "run 'g2l sync' once, or fetch refs/g2l/* from the remote")
    files = repo.tree_files(source)

    def read(path: str) -> bytes:
        return repo.read_blob(files[path].oid)

    name, script, defaults = None, None, {}
    relative = job
    candidate = Path(job)
    if candidate.exists():
        try:
            relative = candidate.resolve().relative_to(repo.root.resolve()).as_posix()
        except ValueError:
            relative = job
    estate, _ = read_estate(sorted(files), read)
    python = sorted(p for p in files if p.endswith(".py"))
    if relative in files:
        script = relative
        for glue_job in estate.jobs.values():
            if match_script(glue_job.script_location, python) == script:
                name, defaults = glue_job.name, {**glue_job.default_arguments, **glue_job.non_overridable_arguments}
                break
    elif job in estate.jobs:
        glue_job = estate.jobs[job]
        name, defaults = glue_job.name, {**glue_job.default_arguments, **glue_job.non_overridable_arguments}
        script = match_script(glue_job.script_location, python)
        if script is None:
            raise G2LError(f"the script of Glue job {job!r} ({glue_job.script_location}) is not in the Glue repository",
                           "compare its outputs with --glue and --databricks")
    else:
        raise G2LError(f"{job!r} is neither a Glue script of the last sync nor a Glue job name",
                       "name the script as synced (e.g. jobs/daily_risk_job.py) or the job (g2l status lists files)")
    text = read(script).decode("utf-8", "replace")
    outputs = job_outputs(text)
    if not outputs:
        raise G2LError(f"{script} writes no catalog table or S3 path that can be told from its code",
                       "compare its outputs with --glue and --databricks")
    if settings.glue_catalog is None and any(o.kind == "catalog" for o in outputs):
        raise G2LError("[reconcile] glue_catalog is not set in .g2l.toml, so the Glue tables cannot be told from "
                       "their Databricks counterparts",
                       'set glue_catalog = "<catalog where this Spark sees the Glue Data Catalog>" under [reconcile]')
    arguments = script_arguments(text) or []
    known = {k[2:]: v for k, v in defaults.items() if k.startswith("--")}
    known.update(values)
    label = name if name and name in settings.jobs else script
    return pairs_for(outputs, config.transform, settings, label, arguments, known, aliases=(script,))
