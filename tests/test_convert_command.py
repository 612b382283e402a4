"""g2l convert on files and folders, outside any git repository."""

from __future__ import annotations

import json

from .conftest import FIXTURES
from .helpers import g2l

JOBS = FIXTURES / "glue_jobs"


def test_file_to_stdout_with_findings_on_stderr(tmp_path):
    result = g2l(tmp_path, "convert", str(JOBS / "spigot_debug_job.py"), "--catalog", "prod")
    assert result.returncode == 1  # a spigot finding
    assert result.stdout == (FIXTURES / "glue_jobs_expected" / "spigot_debug_job.py").read_text()
    assert "spigot" in result.stderr and "Glue call site" in result.stderr


def test_clean_file_exits_zero_and_writes_the_output_file(tmp_path):
    out = tmp_path / "out" / "resolve.py"
    result = g2l(tmp_path, "convert", str(JOBS / "resolve_choice_cleanup.py"), "-o", str(out), "--catalog", "prod")
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_bytes() == (FIXTURES / "glue_jobs_expected" / "resolve_choice_cleanup.py").read_bytes()


def test_folder_to_folder_carries_every_file(tmp_path):
    out = tmp_path / "converted"
    result = g2l(tmp_path, "convert", str(JOBS), "-o", str(out), "--catalog", "prod", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    sources = sorted(p.relative_to(JOBS).as_posix() for p in JOBS.rglob("*") if p.is_file())
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sources and report["files"] == len(sources)
    assert report["converted_without_review"] <= report["glue_call_sites"]
    assert {f["rule"] for f in report["findings"]} >= {"spigot", "syntax-error", "map-python"}
    for rel in sources:
        assert (out / rel).read_bytes() == (FIXTURES / "glue_jobs_expected" / rel).read_bytes(), rel
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".g2l-")]  # no staging left behind


def test_settings_from_flags_and_from_a_g2l_toml(tmp_path):
    job = tmp_path / "job.py"
    job.write_text(
        "from awsglue.context import GlueContext\n"
        "glueContext = GlueContext(sc)\n"
        "df = glueContext.create_dynamic_frame.from_options(connection_type='s3', "
        "connection_options={'paths': ['s3://raw/x/']}, format='json')\n"
        "t = glueContext.create_dynamic_frame.from_catalog(database='risk_db', table_name='t')\n")
    flags = g2l(tmp_path, "convert", "job.py", "--catalog", "c1", "--schema", "risk_db=risk",
                "--path-map", "s3://raw/=/Volumes/c1/risk/raw/")
    assert flags.returncode == 0, flags.stderr
    assert 'spark.table("c1.risk.t")' in flags.stdout and '"/Volumes/c1/risk/raw/x/"' in flags.stdout
    (tmp_path / ".g2l.toml").write_text('[transform]\ncatalog = "c2"\n[transform.schemas]\nrisk_db = "r2"\n')
    from_file = g2l(tmp_path, "convert", "job.py")
    assert 'spark.table("c2.r2.t")' in from_file.stdout
    override = g2l(tmp_path, "convert", "job.py", "--catalog", "c3")
    assert 'spark.table("c3.r2.t")' in override.stdout


def test_bad_input_is_one_line_and_exit_two(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    cases = [
        (["convert", "missing.py"], "does not exist"),
        (["convert", str(JOBS)], "give -o OUT"),
        (["convert", str(JOBS), "-o", str(tmp_path / "taken")], "not an empty folder"),
        (["convert", str(JOBS), "-o", str(JOBS / "inside")], "is inside"),
        (["convert", str(JOBS / "map_transform_job.py"), "--args-style", "env"], "args_style"),
        (["convert", str(JOBS / "map_transform_job.py"), "--schema", "nope"], "is not KEY=VALUE"),
    ]
    for args, expect in cases:
        result = g2l(tmp_path, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1 and expect in result.stderr, (args, result.stderr)
    assert not (JOBS / "inside").exists()
