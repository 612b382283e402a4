"""Job bookmarks kept on Databricks: an estate with bookmarked jobs converted by `g2l convert`, then each converted
job run on local PySpark, run after run, with the parameters its bundle task passes, while its inputs change."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from glue2lakehouse.verify.runs import RunStep, run_sequence

from .conftest import FIXTURES, ROOT

ESTATE = FIXTURES / "bookmarks" / "estate"


def events(*rows) -> str:
    """A landing file as card systems write it: one JSON event per line."""
    return "".join(json.dumps({"event_id": e, "card_id": c, "amount": a, "currency": "EUR"}) + "\n"
                   for e, c, a in rows)


LANDING = "s3/bank-card-landing/events"
DAY1 = events(("e1", "c1", 10.5), ("e2", "c2", 3.0))
DAY2 = events(("e3", "c1", 7.25))
DAY3 = events(("e4", "c3", 1.0))
DAY4 = events(("e5", "c2", 2.0), ("e6", "c4", 9.99))
DAY1_CORRECTED = events(("e1", "c1", 10.5), ("e2", "c2", 30.0))
# run 1 reads every file; run 2 a new file; run 3 nothing new; run 4 a file read in run 1, rewritten; run 5 a new
# file, and fails while writing; run 6 reads again what run 5 had read.
STEPS = [
    RunStep(put={f"{LANDING}/2026/11/01/events-0001.json": DAY1, f"{LANDING}/2026/11/02/events-0001.json": DAY2}),
    RunStep(put={f"{LANDING}/2026/11/03/events-0001.json": DAY3}),
    RunStep(),
    RunStep(put={f"{LANDING}/2026/11/01/events-0001.json": DAY1_CORRECTED}),
    RunStep(put={f"{LANDING}/2026/11/04/events-0001.json": DAY4}, fail=True),
    RunStep(),
]
# What Glue's table holds after each run (event ids, with repeats): worked out from Glue's bookmark rules.
BOOKMARKED = [
    ["e1", "e2", "e3"],
    ["e1", "e2", "e3", "e4"],
    ["e1", "e2", "e3", "e4"],
    ["e1", "e2", "e3", "e4", "e1", "e2"],
    ["e1", "e2", "e3", "e4", "e1", "e2"],
    ["e1", "e2", "e3", "e4", "e1", "e2", "e5", "e6"],
]
# Without the option Glue reads every file on every run (a failed run adds nothing).
EVERYTHING = [3, 3 + 4, 3 + 4 + 4, 3 + 4 + 4 + 4, 3 + 4 + 4 + 4, 3 + 4 + 4 + 4 + 6]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The estate as `g2l convert` writes it: converted scripts plus one bundle job per Glue job."""
    out = tmp_path_factory.mktemp("converted")
    proc = subprocess.run([sys.executable, "-m", "glue2lakehouse", "convert", str(ESTATE), "-o", str(out)],
                          capture_output=True, text=True, cwd=tmp_path_factory.mktemp("cwd"),
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode in (0, 1), proc.stderr
    return out, proc.stderr


def task_parameters(out: Path, job: str) -> list[str]:
    document = YAML(typ="safe", pure=True).load((out / "resources" / f"{job}.job.yml").read_text())
    (task,) = document["resources"]["jobs"][job]["tasks"]
    return task["spark_python_task"]["parameters"]


def with_run_ids(steps: list[RunStep], parameters: list[str]) -> list[RunStep]:
    """Databricks fills {{job.run_id}} per run; so does this."""
    if "{{job.run_id}}" not in parameters:
        return steps
    return [replace(s, args=["--JOB_RUN_ID", f"run-{n}", *s.args]) for n, s in enumerate(steps, 1)]


def table_rows(result, table: str) -> list[dict]:
    output = result.outputs.get(f"table:{table}")
    return output["rows"] if output else []


def test_no_bookmark_review_is_left_on_the_converted_jobs(converted):
    out, findings = converted
    for job in ("ingest_card_events", "audit_card_events", "load_ledger_entries"):
        code = (out / "jobs" / f"{job}.py").read_text()
        assert "G2L-REVIEW" not in code
        assert "job.commit()" in code
    assert "bookmark" not in findings.replace("--job-bookmark-option", "")
    assert task_parameters(out, "ingest_card_events")[2:6] == ["--JOB_RUN_ID", "{{job.run_id}}",
                                                               "--job-bookmark-option", "job-bookmark-enable"]
    assert "--job-bookmark-option" not in task_parameters(out, "audit_card_events")


def test_a_bookmarked_s3_job_reads_what_glue_reads_run_after_run(spark, converted, tmp_path):
    out, _ = converted
    parameters = task_parameters(out, "ingest_card_events")
    (tmp_path / "data" / "cards").mkdir(parents=True)
    results = run_sequence(spark, out / "jobs" / "ingest_card_events.py", tmp_path / "data",
                           with_run_ids(STEPS, parameters), parameters, glue=False, extra_paths=[str(out)])
    for number, (result, expected) in enumerate(zip(results, BOOKMARKED), 1):
        if number == 5:
            assert "fails while writing" in result.error
        else:
            assert result.error is None, result.error
        rows = table_rows(result, "cards.card_events")
        assert Counter(r["event_id"] for r in rows) == Counter(expected), f"after run {number}"
    corrected = [r for r in table_rows(results[3], "cards.card_events") if r["event_id"] == "e2"]
    assert sorted(r["amount"] for r in corrected) == [3.0, 30.0]   # the rewritten file's rows, read again


def test_a_job_without_the_option_reads_everything_every_run(spark, converted, tmp_path):
    out, _ = converted
    parameters = task_parameters(out, "audit_card_events")
    (tmp_path / "data" / "cards").mkdir(parents=True)
    results = run_sequence(spark, out / "jobs" / "audit_card_events.py", tmp_path / "data", STEPS, parameters,
                           glue=False, extra_paths=[str(out)])
    assert [len(table_rows(r, "cards.card_events_audit")) for r in results] == EVERYTHING


class Ledger:
    """An in-memory Derby database in Spark's own JVM (Derby ships in PySpark's jars), standing in for the ledger's
    PostgreSQL: the converted job reads it through Spark's JDBC source like the real one."""

    URL = "jdbc:derby:memory:ledger"

    def __init__(self, spark):
        jvm = spark.sparkContext._jvm
        jvm.java.lang.Class.forName("org.apache.derby.iapi.jdbc.AutoloadedDriver")
        self.connection = jvm.java.sql.DriverManager.getConnection(self.URL + ";create=true")
        self.execute("CREATE SCHEMA LEDGER")
        self.execute("CREATE TABLE LEDGER.ENTRIES (ENTRY_ID INT PRIMARY KEY, ACCOUNT VARCHAR(20), AMOUNT DECIMAL(12,2))")

    def execute(self, sql: str) -> None:
        statement = self.connection.createStatement()
        statement.execute(sql)
        statement.close()

    def add(self, *ids):
        def insert():
            for entry in ids:
                self.execute(f"INSERT INTO LEDGER.ENTRIES VALUES ({entry}, 'ACC-{entry % 3}', {entry}.50)")
        return insert

    def close(self):
        self.execute("DROP TABLE LEDGER.ENTRIES")
        self.execute("DROP SCHEMA LEDGER RESTRICT")
        self.connection.close()


@pytest.fixture
def ledger(spark):
    database = Ledger(spark)
    yield database
    database.close()


def test_a_bookmarked_jdbc_job_reads_the_rows_after_its_bookmark_keys(spark, converted, tmp_path, ledger):
    out, _ = converted
    parameters = task_parameters(out, "load_ledger_entries") + ["--ledger_url", Ledger.URL]
    (tmp_path / "data" / "ledger").mkdir(parents=True)
    steps = [
        RunStep(call=ledger.add(1, 2, 3)),            # every row
        RunStep(call=ledger.add(4, 5)),               # the new rows only
        RunStep(),                                    # nothing new
        RunStep(call=ledger.add(6), fail=True),       # fails while writing: commits nothing
        RunStep(),                                    # reads row 6 again
        RunStep(call=ledger.add(7), args=["--job-bookmark-option", "job-bookmark-pause"]),   # reads 7, saves nothing
        RunStep(call=ledger.add(8)),                  # reads 7 and 8
    ]
    results = run_sequence(spark, out / "jobs" / "load_ledger_entries.py", tmp_path / "data",
                           with_run_ids(steps, parameters), parameters, glue=False, extra_paths=[str(out)])
    expected = [[1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6],
                [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7, 7, 8]]
    for number, (result, ids) in enumerate(zip(results, expected), 1):
        assert (result.error is None) == (number != 4), result.error
        assert sorted(r["entry_id"] for r in table_rows(result, "ledger.entries")) == ids, f"after run {number}"


def test_verify_over_runs_catches_a_conversion_that_ignores_rewritten_files(spark, converted, tmp_path):
    from glue2lakehouse.verify.runs import verify_runs

    out, _ = converted
    parameters = task_parameters(out, "ingest_card_events")
    steps = with_run_ids(STEPS, parameters)
    (tmp_path / "data" / "cards").mkdir(parents=True)
    glue_job = ESTATE / "jobs" / "ingest_card_events.py"
    report = verify_runs(glue_job, out / "jobs" / "ingest_card_events.py", tmp_path / "data", steps, parameters,
                         spark=spark, dbx_paths=[str(out)])
    assert report.exit_code == 0, report.render_text()
    assert [run["outputs"][0]["glue_rows"] for run in report.runs] == [len(ids) for ids in BOOKMARKED]
    assert [run["fail"] for run in report.runs] == [False, False, False, False, True, False]

    # Loading each path once, as Auto Loader does, misses Glue's second read of a rewritten file.
    code = (out / "jobs" / "ingest_card_events.py").read_text()
    once = code.replace("low is None or modified > low", "low is None").replace(
        '(path, modified) not in since["files"]', 'path not in {p for p, _ in since["files"]}')
    assert once.count("path not in {p for p") == 1
    (tmp_path / "once.py").write_text(once)
    single = verify_runs(glue_job, tmp_path / "once.py", tmp_path / "data", steps[:1], parameters, spark=spark)
    assert single.exit_code == 0, single.render_text()     # one run shows nothing wrong
    sequence = verify_runs(glue_job, tmp_path / "once.py", tmp_path / "data", steps[:4], parameters, spark=spark)
    assert sequence.exit_code == 1 and sequence.first_difference() == 4, sequence.render_text()
    (differing,) = sequence.runs[3]["outputs"]
    assert differing["missing"] == 2 and differing["extra"] == 0
    assert "Run 4" in sequence.render_text() and "outputs differ from run 4 on" in sequence.render_text()


def test_reset_rewind_and_pause_as_glue_has_them(spark, converted, tmp_path):
    from glue2lakehouse.bookmarks import command

    out, _ = converted
    parameters = task_parameters(out, "ingest_card_events")
    local_table = "spark_catalog.default.g2l_job_bookmarks"   # main.default.g2l_job_bookmarks, run locally
    job_name = parameters[1]

    def put(day, event):
        return {f"{LANDING}/2026/11/{day:02d}/events-0001.json": events((event, "c1", 1.0))}

    def run(number, **changes):
        return RunStep(**{"args": ["--JOB_RUN_ID", f"run-{number}"], **changes})

    shown = []
    pause = ["--job-bookmark-option", "job-bookmark-pause"]
    steps = [
        run(1, put=put(1, "e1")),
        run(2, put=put(2, "e2")),
        run(3, put=put(3, "e3")),
        run(4, call=lambda: shown.append(command("reset", job_name, table=local_table, spark=spark))),
        run(5, call=lambda: shown.append(command("rewind", job_name, to="run-2", table=local_table, spark=spark))),
        run(6, args=[*pause, "--job-bookmark-from", "run-1", "--job-bookmark-to", "run-2", "--JOB_RUN_ID", "run-6"]),
        run(7, put=put(4, "e4"), args=[*pause, "--JOB_RUN_ID", "run-7"]),
        run(8, call=lambda: shown.append(command("show", job_name, table=local_table, spark=spark))),
    ]
    (tmp_path / "data" / "cards").mkdir(parents=True)
    results = run_sequence(spark, out / "jobs" / "ingest_card_events.py", tmp_path / "data", steps, parameters,
                           glue=False, extra_paths=[str(out)])
    added = [["e1"], ["e2"], ["e3"],
             ["e1", "e2", "e3"],   # after a reset: everything
             ["e3"],               # rewound to run 2: what came after it
             ["e2"],               # paused, from run 1 (excluded) to run 2 (included)
             ["e4"],               # paused: since the last commit, saving nothing
             ["e4"]]               # so the next run reads it again
    before: Counter = Counter()
    for number, (result, new) in enumerate(zip(results, added), 1):
        assert result.error is None, result.error
        now = Counter(r["event_id"] for r in table_rows(result, "cards.card_events"))
        assert now - before == Counter(new), f"run {number}"
        before = now
    assert shown[0] == "job 'ingest-card-events': bookmarks reset: the next run reads everything"
    assert shown[1] == "job 'ingest-card-events': rewound to run run-2"
    history = shown[2].splitlines()
    assert history[0] == f"job 'ingest-card-events' in {local_table}:"
    assert [line.split(":")[0].strip() for line in history[1:]][:3] == ["run-1", "run-2", "run-3"]
    assert "run-6" not in shown[2] and "run-7" not in shown[2]   # paused runs commit nothing
    assert "datasource0: files up to" in history[1]


@pytest.mark.parametrize("text, table", [
    ('[glue]\nsource = "g"\n[transform]\ncatalog = "prod"\n', "prod.default.g2l_job_bookmarks"),
    ('[glue]\nsource = "g"\n[bookmarks]\ntable = "ops.etl.glue_bookmarks"\n', "ops.etl.glue_bookmarks"),
])
def test_the_state_table_is_a_setting_with_a_default_in_the_jobs_catalog(text, table):
    from glue2lakehouse.config import TransformSettings, parse_config, render_config
    from glue2lakehouse.transform.bookmarks import state_table

    config = parse_config(text)
    assert state_table(config.transform) == table
    assert parse_config(render_config(config)) == config
    default = TransformSettings()
    assert TransformSettings(bookmark_table="").fingerprint() == default.fingerprint()   # no resync for the default
    assert TransformSettings(bookmark_table="ops.etl.t").fingerprint() != default.fingerprint()


@pytest.mark.parametrize("text, message", [
    ('[glue]\nsource = "g"\n[bookmarks]\ntable = "glue_bookmarks"\n', "is not a three-part name"),
    ('[glue]\nsource = "g"\n[bookmarks]\nname = "x"\n', "unknown key 'name' in \\[bookmarks\\]"),
])
def test_a_bad_state_table_setting_is_one_line_saying_how_to_fix_it(text, message):
    from glue2lakehouse.config import parse_config
    from glue2lakehouse.errors import G2LError

    with pytest.raises(G2LError, match=message):
        parse_config(text)


@pytest.mark.parametrize("document, message", [
    ("not json", "cannot read the run sequence"),
    ('{"runs": []}', 'no "runs" list'),
    ('{"runs": [{"put": {"s3/b/k.json": "missing.json"}}]}', "puts 'missing.json', which does not exist"),
    ('{"runs": [{"wait": 3}]}', "run 1 is not an object of put / delete / fail / args"),
])
def test_a_bad_run_sequence_is_one_line_saying_how_to_fix_it(tmp_path, document, message):
    from glue2lakehouse.errors import G2LError
    from glue2lakehouse.verify.runs import load_steps

    (tmp_path / "runs.json").write_text(document)
    with pytest.raises(G2LError, match=message):
        load_steps(tmp_path / "runs.json")


def test_a_run_sequence_file_names_its_files_beside_it(tmp_path):
    from glue2lakehouse.verify.runs import load_steps

    (tmp_path / "day2.json").write_text(DAY2)
    (tmp_path / "runs.json").write_text(json.dumps({"runs": [
        {}, {"put": {f"{LANDING}/2026/11/02/events-0001.json": "day2.json"}},
        {"delete": [f"{LANDING}/2026/11/02"], "fail": True, "args": {"job-bookmark-option": "job-bookmark-pause"}}]}))
    first, second, third = load_steps(tmp_path / "runs.json")
    assert first == RunStep()
    assert second.put == {f"{LANDING}/2026/11/02/events-0001.json": tmp_path / "day2.json"}
    assert third.delete == [f"{LANDING}/2026/11/02"] and third.fail
    assert third.args == ["--job-bookmark-option", "job-bookmark-pause"]


@pytest.mark.parametrize("argv, message", [
    (["bookmarks", "rewind", "ingest"], "rewind needs --to RUN_ID"),
    (["bookmarks", "reset", "ingest", "--to", "run-1"], "rewind needs --to RUN_ID"),
    (["bookmarks", "forget", "ingest"], "unknown action 'forget'"),
    (["bookmarks", "reset", "ingest", "--table", "bookmarks"], "is not a three-part name"),
    (["verify", "job.py", "--data", ".", "--runs", "runs.json", "--remote", "sc://h:15002"], "--remote is not supported"),
])
def test_bookmark_commands_refuse_bad_input_with_exit_2(tmp_path, monkeypatch, argv, message):
    from typer.testing import CliRunner

    from glue2lakehouse.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    assert message in result.output


def test_a_bookmarked_catalog_read_takes_the_rows_of_new_files_as_glue_does(spark, converted, tmp_path):
    """Checked against the emulator run after run: rows appended to the table between runs land in new files."""
    from glue2lakehouse.verify.runs import verify_runs

    out, _ = converted
    parameters = task_parameters(out, "copy_settlements")
    data = tmp_path / "data"
    (data / "cards").mkdir(parents=True)
    (data / "cards" / "settlements.csv").write_text("settlement_id,amount\ns1,10.0\ns2,20.0\n")

    def settle(*ids):
        return lambda: spark.sql("INSERT INTO cards.settlements VALUES " + ", ".join(f"('{i}', 5.0)" for i in ids))

    steps = with_run_ids([RunStep(), RunStep(call=settle("s3", "s4")), RunStep(), RunStep(call=settle("s5"))],
                         parameters)
    glue_job = ESTATE / "jobs" / "copy_settlements.py"
    report = verify_runs(glue_job, out / "jobs" / "copy_settlements.py", data, steps, parameters, spark=spark,
                         dbx_paths=[str(out)])
    assert report.exit_code == 0, report.render_text()
    assert [run["outputs"][0]["glue_rows"] for run in report.runs] == [2, 4, 4, 5]


def test_g2l_verify_runs_a_sequence_file_from_the_command_line(converted, tmp_path):
    """The command as a user runs it (its own Spark session): two runs, the second after a file is rewritten."""
    from .helpers import g2l

    out, _ = converted
    data = tmp_path / "data"
    (data / "cards").mkdir(parents=True)
    (data / LANDING / "2026/11/01").mkdir(parents=True)
    (data / LANDING / "2026/11/01/events-0001.json").write_text(DAY1)
    (tmp_path / "day1-corrected.json").write_text(DAY1_CORRECTED)
    (tmp_path / "runs.json").write_text(json.dumps({"runs": [
        {"args": {"JOB_RUN_ID": "run-1"}},
        {"put": {f"{LANDING}/2026/11/01/events-0001.json": "day1-corrected.json"}, "args": {"JOB_RUN_ID": "run-2"}},
    ]}))
    result = g2l(tmp_path, "verify", str(ESTATE / "jobs" / "ingest_card_events.py"), "--data", str(data),
                 "--against", str(out / "jobs" / "ingest_card_events.py"), "--runs", str(tmp_path / "runs.json"),
                 "--arg", "JOB_NAME=ingest-card-events", "--arg", "job-bookmark-option=job-bookmark-enable",
                 "--master", "local[1]", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [run["outputs"][0]["glue_rows"] for run in report["runs"]] == [2, 4]
    assert all(run["outputs"][0]["status"] == "match" for run in report["runs"])
