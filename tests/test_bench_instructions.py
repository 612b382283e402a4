"""scripts/bench.py --instructions: the instructions a command and its child processes execute, counted by callgrind,
repeat from run to run (the point of the meter on a machine whose CPU time drifts), and grow with the work done."""

from __future__ import annotations

import sys

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402

WORK = "import sys\ntotal = 0\nfor i in range(int(sys.argv[1])):\n    total += i * i\n"


def test_the_count_repeats_and_follows_the_work(tmp_path):
    small = [bench._instructions([sys.executable, "-c", WORK, "1000"], tmp_path) for _ in range(2)]
    large = bench._instructions([sys.executable, "-c", WORK, "300000"], tmp_path)
    assert small[0] > 0.01                                   # the interpreter's start-up alone is tens of millions
    assert abs(small[0] - small[1]) <= 0.002 * small[0]      # repeatable
    assert large > small[0] * 1.5                            # the loop's 300,000 rounds are counted


def test_child_processes_are_counted(tmp_path):
    alone = bench._instructions([sys.executable, "-c", "pass"], tmp_path)
    with_child = bench._instructions([sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, "
                                      "'-c', 'pass'], check=True)"], tmp_path)
    assert with_child > alone * 1.7


def test_a_failing_command_is_reported(tmp_path):
    with pytest.raises(RuntimeError, match="exited 3 under callgrind"):
        bench._instructions([sys.executable, "-c", "raise SystemExit(3)"], tmp_path)
    assert bench._instructions([sys.executable, "-c", "raise SystemExit(3)"], tmp_path, ok=(3,)) > 0
