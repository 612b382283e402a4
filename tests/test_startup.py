"""What a g2l process loads: the heavy libraries only for the commands and the files that need them.

Each case runs the real entry point (``python -m glue2lakehouse``) in a fresh process and lists, at exit,
which of the heavy modules it had loaded. A case names what must not be loaded and what must be (the
second half shows the probe sees a library that is imported late, inside a rule).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import FIXTURES

JOBS = FIXTURES / "glue_jobs"
HEAVY = ("libcst", "pygit2", "sqlglot", "hcl2", "ruamel", "pyspark", "pydantic", "rich", "yaml",
         "glue2lakehouse.sync", "glue2lakehouse.verify", "glue2lakehouse.gitrepo", "glue2lakehouse.reconcile.engine")
PROBE = (
    "import atexit, json, sys, runpy\n"
    f"heavy = {HEAVY!r}\n"
    "atexit.register(lambda: sys.stderr.write('\\nLOADED ' + json.dumps([m for m in heavy if m in sys.modules]) + '\\n'))\n"
    "sys.argv = ['g2l', *sys.argv[1:]]\n"
    "runpy.run_module('glue2lakehouse', run_name='__main__')\n"
)

# (arguments, modules that must not be loaded, modules that must be)
CASES = {
    "help": (["--help"], {"libcst", "pygit2", "sqlglot", "hcl2", "ruamel", "pyspark", "pydantic", "yaml",
                          "glue2lakehouse.sync", "glue2lakehouse.verify", "glue2lakehouse.gitrepo"}, set()),
    "convert-help": (["convert", "--help"], {"libcst", "pygit2", "sqlglot", "hcl2", "ruamel", "pyspark",
                                             "glue2lakehouse.sync", "glue2lakehouse.verify"}, set()),
    # A helper module with no Glue in it: checked to be Python, carried over, no libcst.
    "convert-plain-python": (["convert", str(JOBS / "helpers" / "quality_checks.py")],
                             {"libcst", "pygit2", "sqlglot", "hcl2", "ruamel", "pyspark", "rich",
                              "glue2lakehouse.sync", "glue2lakehouse.verify", "glue2lakehouse.gitrepo"}, set()),
    # A Glue job without SQL: the transformer, but not the SQL parser.
    # The reconcile engine (logging, decimal) is not loaded for the configuration's reconcile settings.
    "convert-glue-job": (["convert", str(JOBS / "collections_split.py")],
                         {"sqlglot", "pygit2", "hcl2", "ruamel", "pyspark", "rich", "glue2lakehouse.sync",
                          "glue2lakehouse.verify", "glue2lakehouse.gitrepo", "glue2lakehouse.reconcile.engine"},
                         {"libcst"}),
    # A job whose spark.sql literal is a plain SELECT naming db.table: qualified without sqlglot.
    "convert-glue-job-with-sql": (["convert", str(JOBS / "dynamic_sql_report.py")],
                                  {"sqlglot", "pygit2", "hcl2", "ruamel", "pyspark", "rich", "glue2lakehouse.sync",
                                   "glue2lakehouse.verify"}, {"libcst"}),
    # SQL beyond a plain SELECT (a WITH clause, an INSERT): sqlglot qualifies it.
    "convert-glue-job-with-other-sql": (["convert", str(FIXTURES / "transform" / "spark_sql_tables" / "before.py")],
                                        {"pygit2", "hcl2", "ruamel", "pyspark", "rich", "glue2lakehouse.sync",
                                         "glue2lakehouse.verify"}, {"libcst", "sqlglot"}),
}


def _loaded(tmp_path, args: list[str]) -> tuple[set[str], subprocess.CompletedProcess]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True)
    lines = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    assert lines, done.stderr[-2000:]
    return set(json.loads(lines[-1][len("LOADED "):])), done


@pytest.mark.parametrize("case", sorted(CASES))
def test_loads_only_what_the_command_needs(tmp_path, case):
    args, absent, present = CASES[case]
    loaded, done = _loaded(tmp_path, args)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert not loaded & absent, f"{case} loaded {sorted(loaded & absent)}"
    assert present <= loaded, f"{case} did not load {sorted(present - loaded)}"


SSL_PROBE = (
    "import json, os, sys, threading\n"
    "import glue2lakehouse\n"
    "glue2lakehouse.COMMAND_PROCESS = sys.argv[1] == 'command'\n"
    "if sys.argv[2] == 'thread':\n"
    "    ready = threading.Event(); done = threading.Event()\n"
    "    threading.Thread(target=lambda: (ready.set(), done.wait())).start(); ready.wait()\n"
    "from glue2lakehouse.gitrepo import pygit2\n"
    "print(json.dumps([pygit2.settings.ssl_cert_file, pygit2.settings.ssl_cert_dir, os.environ.get('SSL_CERT_FILE')]))\n"
    "if sys.argv[2] == 'thread':\n"
    "    done.set()\n"
)


@pytest.mark.parametrize("process, threads, bundle_loaded", [("command", "alone", False), ("api", "alone", True),
                                                               ("command", "thread", True)])
def test_the_command_imports_pygit2_without_parsing_the_ca_bundle(tmp_path, process, threads, bundle_loaded):
    """The g2l command's process (single-threaded) hides the CA file for pygit2's import and keeps the certificate
    folder; the environment its git processes get is the user's, unchanged. The Python API, or a process with
    another thread that might read the environment meanwhile, imports pygit2 as usual."""
    bundle, folder = tmp_path / "bundle.pem", tmp_path / "certs"
    folder.mkdir()
    bundle.write_text(ssl_bundle())
    env = {**os.environ, "SSL_CERT_FILE": str(bundle), "SSL_CERT_DIR": str(folder)}
    done = subprocess.run([sys.executable, "-c", SSL_PROBE, process, threads], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    cert_file, cert_dir, environment = json.loads(done.stdout)
    assert environment == str(bundle)
    assert cert_dir == str(folder)
    assert cert_file == (str(bundle) if bundle_loaded else None)


def ssl_bundle() -> str:
    """One real certificate in PEM, taken from the system's CA bundle: a bundle OpenSSL parses."""
    import ssl

    system = ssl.get_default_verify_paths().openssl_cafile
    if system and os.path.isfile(system):
        text = open(system).read()
        start = text.find("-----BEGIN CERTIFICATE-----")
        end = text.find("-----END CERTIFICATE-----", start)
        if start >= 0 and end > start:
            return text[start:end + len("-----END CERTIFICATE-----")] + "\n"
    raise AssertionError(f"this test takes a certificate from the system's CA bundle, and {system} has none: "
                         "install the ca-certificates package")
