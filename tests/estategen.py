"""Generated Glue estates shaped like real ones: scripts with their Terraform definitions.

Each domain is a folder of Glue jobs (``tests/jobgen.py`` shapes) with a helper module, and a
Terraform folder (one module) beside them: a ``variables.tf`` (buckets and worker counts with
defaults, a role without one), a ``locals.tf`` (the script prefix and the arguments every job
shares, merged into each job's), and one ``<job>.tf`` per job holding its ``aws_glue_job`` and the
``aws_glue_trigger`` that starts it (a schedule for most, a conditional trigger after the
previous job for some; a few enable bookmarks). Script locations are S3 URIs built from
variables, as real estates write them. A few domains keep their catalog tables in Terraform too.

``estate(rng, files)`` returns path -> text for about ``files`` files; ``edit(rng, files)`` makes
one random edit of the kinds a Glue team makes in a week (a changed job argument, schedule or
worker count, a new or deleted job with its definition, a changed variable default or shared
argument, an edited script).
"""

from __future__ import annotations

import random
import re

from tests.jobgen import job

DOMAINS = ("risk", "finance", "customer", "marketing", "ops", "credit", "treasury", "fraud", "pricing", "claims")
JOBS_PER_DOMAIN = 48
WORKERS = ("G.1X", "G.2X", "G.1X", "G.4X")


def _domain_name(index: int) -> str:
    return f"{DOMAINS[index % len(DOMAINS)]}_{index // len(DOMAINS):02d}"


def _variables(domain: str, rng: random.Random) -> str:
    return (
        'variable "artifact_bucket" {\n'
        '  description = "Bucket holding the Glue scripts"\n'
        "  type        = string\n"
        f'  default     = "{domain.replace("_", "-")}-glue-artifacts"\n'
        "}\n\n"
        'variable "lake_bucket" {\n'
        "  type    = string\n"
        f'  default = "{domain.replace("_", "-")}-lake"\n'
        "}\n\n"
        'variable "workers" {\n'
        "  type    = number\n"
        f"  default = {rng.choice((2, 4, 5, 10))}\n"
        "}\n\n"
        'variable "glue_role_arn" {\n'
        '  description = "IAM role the Glue jobs run as"\n'
        "  type        = string\n"
        "}\n"
    )


def _locals(domain: str) -> str:
    return (
        "locals {\n"
        f'  scripts = "s3://${{var.artifact_bucket}}/glue/{domain}"\n'
        "  common_arguments = {\n"
        '    "--job-language"            = "python"\n'
        '    "--TempDir"                 = "s3://${var.artifact_bucket}/temp/"\n'
        '    "--enable-metrics"          = "true"\n'
        '    "--enable-glue-datacatalog" = "true"\n'
        "  }\n"
        "}\n"
    )


def _job_tf(domain: str, name: str, previous: str | None, rng: random.Random) -> str:
    label = name
    workers = "var.workers" if rng.random() < 0.4 else str(rng.choice((2, 3, 5, 10, 20)))
    bookmark = "job-bookmark-enable" if rng.random() < 0.1 else "job-bookmark-disable"
    arguments = "".join(f'    "--{key}" = "{value}"\n' for key, value in sorted({
        "run_date": "latest",
        "source_path": f"s3://${{var.lake_bucket}}/raw/{name}/",
        **({"threshold": str(rng.randint(1, 99) / 100)} if rng.random() < 0.5 else {}),
    }.items()))
    text = (
        f'resource "aws_glue_job" "{label}" {{\n'
        f'  name              = "{domain.replace("_", "-")}-{name.replace("_", "-")}"\n'
        "  role_arn          = var.glue_role_arn\n"
        f'  glue_version      = "{rng.choice(("3.0", "4.0", "4.0", "5.0"))}"\n'
        f'  worker_type       = "{rng.choice(WORKERS)}"\n'
        f"  number_of_workers = {workers}\n"
        f"  max_retries       = {rng.randint(0, 2)}\n"
        f"  timeout           = {rng.choice((30, 60, 120, 180))}\n\n"
        "  command {\n"
        '    name            = "glueetl"\n'
        '    python_version  = "3"\n'
        f'    script_location = "${{local.scripts}}/{name}.py"\n'
        "  }\n\n"
        "  default_arguments = merge(local.common_arguments, {\n"
        f'    "--job-bookmark-option" = "{bookmark}"\n'
        f"{arguments}"
        "  })\n"
        "}\n\n"
    )
    if previous is not None and rng.random() < 0.3:
        text += (
            f'resource "aws_glue_trigger" "{label}_after" {{\n'
            f'  name = "{domain.replace("_", "-")}-{name.replace("_", "-")}-after"\n'
            '  type = "CONDITIONAL"\n\n'
            "  predicate {\n"
            "    conditions {\n"
            f"      job_name = aws_glue_job.{previous}.name\n"
            '      state    = "SUCCEEDED"\n'
            "    }\n"
            "  }\n\n"
            "  actions {\n"
            f"    job_name = aws_glue_job.{label}.name\n"
            "  }\n"
            "}\n"
        )
    else:
        text += (
            f'resource "aws_glue_trigger" "{label}_schedule" {{\n'
            f'  name     = "{domain.replace("_", "-")}-{name.replace("_", "-")}-schedule"\n'
            '  type     = "SCHEDULED"\n'
            f'  schedule = "cron({rng.randint(0, 59)} {rng.randint(0, 23)} * * ? *)"\n\n'
            "  actions {\n"
            f"    job_name = aws_glue_job.{label}.name\n"
            "  }\n"
            "}\n"
        )
    return text


def _catalog_tf(domain: str) -> str:
    return (
        f'resource "aws_glue_catalog_database" "{domain}" {{\n'
        f'  name = "{domain}_db"\n'
        "}\n\n"
        f'resource "aws_glue_catalog_table" "{domain}_events" {{\n'
        '  name          = "events"\n'
        f"  database_name = aws_glue_catalog_database.{domain}.name\n"
        '  table_type    = "EXTERNAL_TABLE"\n\n'
        "  storage_descriptor {\n"
        f'    location      = "s3://${{var.lake_bucket}}/{domain}/events/"\n'
        '    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"\n'
        '    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"\n\n'
        "    columns {\n"
        '      name = "event_id"\n'
        '      type = "string"\n'
        "    }\n\n"
        "    columns {\n"
        '      name = "amount"\n'
        '      type = "decimal(18,2)"\n'
        "    }\n"
        "  }\n"
        "}\n"
    )


def _helper(domain: str) -> str:
    return (
        '"""Readers shared by the ' + domain + ' jobs."""\n'
        "from awsglue.dynamicframe import DynamicFrame\n\n\n"
        "def load(glue_context, table):\n"
        f'    return glue_context.create_dynamic_frame.from_catalog(database="{domain}_db", table_name=table)\n'
    )


def job_script(rng: random.Random, domain: str) -> str:
    text = job(rng)
    if rng.random() < 0.3:  # some jobs use the domain's helper module
        text = f"from glue.{domain}.helpers import load\n" + text
    return text


CLOUDFORMATION = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ScriptBucket:
    Type: String
    Default: shared-glue-scripts
Resources:
  NightlyExport:
    Type: AWS::Glue::Job
    Properties:
      Name: !Sub "${AWS::StackName}-nightly-export"
      Role: !GetAtt GlueRole.Arn
      GlueVersion: "4.0"
      WorkerType: G.1X
      NumberOfWorkers: 4
      Command:
        Name: glueetl
        ScriptLocation: !Sub "s3://${ScriptBucket}/shared/nightly_export.py"
      DefaultArguments:
        "--job-bookmark-option": job-bookmark-enable
        "--export_format": parquet
  NightlyExportTrigger:
    Type: AWS::Glue::Trigger
    Properties:
      Name: nightly-export-schedule
      Type: SCHEDULED
      Schedule: cron(0 1 * * ? *)
      StartOnCreation: true
      Actions:
        - JobName: !Ref NightlyExport
"""

API_JSON = """{
    "Job": {
        "Name": "legacy-reconciliation",
        "Role": "arn:aws:iam::123456789012:role/glue",
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://legacy-bucket/scripts/reconciliation.py"},
        "DefaultArguments": {"--TempDir": "s3://legacy-bucket/tmp/", "--report_date": "latest"},
        "MaxRetries": 1,
        "Timeout": 120,
        "WorkerType": "G.2X",
        "NumberOfWorkers": 6,
        "GlueVersion": "3.0"
    }
}
"""


def estate(rng: random.Random, files: int, per_domain_jobs: int = JOBS_PER_DOMAIN) -> dict[str, str]:
    """path -> text of a Glue estate of about ``files`` files."""
    out: dict[str, str] = {"README.md": "# Glue jobs\n\nScripts under glue/, their definitions under infra/.\n",
                           "deploy/cloudformation/shared_jobs.yaml": CLOUDFORMATION,
                           "glue/shared/nightly_export.py": job_script(rng, "shared"),
                           "exports/legacy-reconciliation.json": API_JSON,
                           "glue/legacy/reconciliation.py": job_script(rng, "legacy")}
    per_domain = 2 * per_domain_jobs + 3
    domains = max(1, round(files / per_domain))
    jobs = max(1, (files - 5 - domains * 3) // (2 * domains))
    for d in range(domains):
        domain = _domain_name(d)
        out[f"glue/{domain}/__init__.py"] = ""
        out[f"glue/{domain}/helpers.py"] = _helper(domain)
        out[f"infra/{domain}/variables.tf"] = _variables(domain, rng)
        out[f"infra/{domain}/locals.tf"] = _locals(domain)
        if d % 4 == 0:
            out[f"infra/{domain}/catalog.tf"] = _catalog_tf(domain)
        previous = None
        for j in range(jobs):
            name = f"{domain}_job_{j:03d}"
            out[f"glue/{domain}/{name}.py"] = job_script(rng, domain)
            out[f"infra/{domain}/{name}.tf"] = _job_tf(domain, name, previous, rng)
            previous = name
    return out


# ---------------------------------------------------------------- weekly edits
def _replace_once(text: str, old: str, new: str) -> str:
    return text.replace(old, new, 1) if old in text else text + new


def edit(rng: random.Random, files: dict[str, str]) -> list[str]:
    """One edit a Glue team makes; returns the paths it wrote or deleted (deleted: absent from ``files``)."""
    definitions = sorted(p for p in files if p.endswith(".tf") and "_job_" in p)
    scripts = sorted(p for p in files if p.endswith(".py") and "_job_" in p)
    kind = rng.choice(("argument", "schedule", "workers", "new-job", "delete-job", "variable", "locals",
                       "script", "script", "argument", "duplicate", "break", "cloudformation", "json"))
    if kind == "duplicate" and definitions:   # a job copied into another module under the same name
        source, target = rng.choice(definitions), rng.choice(definitions)
        copy = target.rsplit("/", 1)[0] + "/copied_" + source.rsplit("/", 1)[1]
        files[copy] = files[source].replace('resource "aws_glue_job" "', 'resource "aws_glue_job" "copied_')
        files[copy] = re.sub(r'resource "aws_glue_trigger"[^\n]*\n(.*\n)*?}\n', "", files[copy])
        return [copy]
    if kind == "break" and definitions:       # a half-written edit: not valid HCL
        path = rng.choice(definitions)
        files[path] = files[path].replace("}", "", 1)
        return [path]
    if kind == "cloudformation":
        path = "deploy/cloudformation/shared_jobs.yaml"
        files[path] = files.get(path, CLOUDFORMATION).replace("NumberOfWorkers: ", f"NumberOfWorkers: {rng.randint(1, 9)}")
        return [path]
    if kind == "json":
        path = "exports/legacy-reconciliation.json"
        files[path] = files.get(path, API_JSON).replace('"latest"', f'"day-{rng.randint(1, 9)}"')
        return [path]
    if kind == "argument" and definitions:
        path = rng.choice(definitions)
        files[path] = _replace_once(files[path], '"--run_date" = "latest"',
                                    f'"--run_date" = "{rng.choice(("today", "yesterday", "latest-1"))}"')
        return [path]
    if kind == "schedule" and definitions:
        path = rng.choice(definitions)
        files[path] = _replace_once(files[path], "schedule = \"cron(", f"schedule = \"cron({rng.randint(0, 59)} ")
        return [path]
    if kind == "workers" and definitions:
        path = rng.choice(definitions)
        files[path] = re.sub(r"number_of_workers = \S+", f"number_of_workers = {rng.randint(1, 9)}", files[path], count=1)
        return [path]
    if kind == "delete-job" and definitions:
        path = rng.choice(definitions)
        script = path.replace("infra/", "glue/").replace(".tf", ".py")
        del files[path]
        files.pop(script, None)
        return [path, script]
    if kind == "variable":
        paths = sorted(p for p in files if p.endswith("/variables.tf"))
        path = rng.choice(paths)
        files[path] = _replace_once(files[path], "  default = ", f"  default = {rng.randint(1, 30)}\n  #")
        return [path]
    if kind == "locals":
        paths = sorted(p for p in files if p.endswith("/locals.tf"))
        path = rng.choice(paths)
        files[path] = files[path].replace('"--enable-metrics"          = "true"',
                                          f'"--enable-metrics"          = "true"\n    "--team" = "t{rng.randint(1, 9)}"')
        return [path]
    if kind == "script" and scripts:
        path = rng.choice(scripts)
        files[path] = re.sub(r"^([ \t]*)job\.commit\(\)", rf'\1print("done {rng.randint(1, 99)}")\n\1job.commit()',
                             files[path], count=1, flags=re.MULTILINE)
        return [path]
    # a new job, with its definition, in an existing domain
    domain_paths = sorted(p for p in files if p.endswith("/locals.tf"))
    domain = rng.choice(domain_paths).split("/")[1]
    name = f"{domain}_job_new_{rng.randint(0, 10 ** 6):07d}"
    files[f"glue/{domain}/{name}.py"] = job_script(rng, domain)
    files[f"infra/{domain}/{name}.tf"] = _job_tf(domain, name, None, rng)
    return [f"glue/{domain}/{name}.py", f"infra/{domain}/{name}.tf"]
