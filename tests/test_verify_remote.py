"""g2l verify --remote with no data: the Databricks side on a Spark Connect endpoint, inputs generated here.

The endpoint is a Spark Connect server in a process of its own (its own JVM and catalog, as a cluster's would
be): whatever the Databricks side reads there was sent by g2l."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import FIXTURES
from .helpers import g2l

DONE_WHEN = FIXTURES / "verify" / "done_when"

SERVER = """
import sys
from pyspark.sql import SparkSession
port, warehouse = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[1]").appName("connect-endpoint")
         .config("spark.ui.enabled", "false").config("spark.sql.warehouse.dir", warehouse)
         .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
         .config("spark.connect.grpc.binding.address", "127.0.0.1")
         .config("spark.connect.grpc.binding.port", port).getOrCreate())
spark.sparkContext.setLogLevel("OFF")
print("ready", flush=True)
sys.stdin.read()   # serve until the test closes stdin
spark.stop()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """sc://localhost:PORT served by a Spark Connect server process started for this module."""
    folder = tmp_path_factory.mktemp("endpoint")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(folder / "warehouse")], cwd=folder,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "PYSPARK_PYTHON": sys.executable})
    try:
        assert server.stdout.readline().strip() == "ready", "the Spark Connect server did not start"
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the Spark Connect server does not listen"
                time.sleep(0.5)
        yield f"sc://localhost:{port}"
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_no_data_on_a_spark_connect_endpoint_tells_a_right_conversion_from_a_wrong_one(endpoint, tmp_path):
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    from glue2lakehouse.config import TransformSettings
    from glue2lakehouse.verify.batch import Case, Side, converted_cases, verify_cases

    glue_job = DONE_WHEN / "large_trades.py"
    [right] = converted_cases([("large_trades.py", glue_job, DONE_WHEN)], tmp_path, TransformSettings())
    wrong = Case("gte_for_gt.py", Side(glue_job, [str(DONE_WHEN)]), Side(DONE_WHEN / "wrong" / "gte_for_gt.py"))
    report = verify_cases([right, wrong], remote=endpoint, master="local[1]", shrink_budget=4)
    by_job = {job.job: job for job in report.jobs}
    equal = by_job["large_trades.py"]
    assert equal.verdict == "equal", report.render_text()
    [output] = equal.outputs
    assert output["output"] == "risk_db.large_trades" and output["rows_glue"] == output["rows_databricks"] > 0
    differs = by_job["gte_for_gt.py"]
    assert differs.verdict == "differs" and differs.reason.startswith("risk_db.large_trades"), report.render_text()
    # the example shows a trade of exactly 100 that only the Databricks side kept
    shown = differs.example["outputs"][0]
    assert [row["notional"] for row in shown["databricks"] if row not in shown["glue"]] == [100.0], shown
    # the endpoint keeps nothing of the run: the scratch schema is gone
    session = ConnectSession.builder.remote(endpoint).create()
    try:
        assert [row[0] for row in session.sql("SHOW DATABASES").collect()] == ["default"]
    finally:
        session.stop()


@pytest.mark.parametrize("url, expect", [
    ("http://cluster:443", "is not a Spark Connect URL"),
    ("sc://localhost:notaport", "is not a valid Spark Connect URL"),
    ("sc://adb-123.azuredatabricks.net:443/;token=x", "needs a scratch folder"),
    (f"sc://localhost:{_free_port()}", "cannot reach the Spark Connect endpoint localhost:"),
])
def test_a_bad_or_unreachable_endpoint_is_one_line_and_exit_two(tmp_path, url, expect):
    job = tmp_path / "large_trades.py"
    job.write_bytes((DONE_WHEN / "large_trades.py").read_bytes())
    before = sorted(p.name for p in tmp_path.iterdir())
    result = g2l(tmp_path, "verify", "large_trades.py", "--remote", url, "--json")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and expect in result.stderr, result.stderr
    assert result.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == before
