"""Which Databricks runtime a converted job runs on, and what keeps Glue's semantics there.

Glue 3.0 / 4.0 / 5.x run Spark 3.1 / 3.3 / 3.5. Databricks Runtime 12.2 LTS and 13.3 LTS (Spark
3.3 / 3.4) are out of support, so every Glue version maps to the supported LTS closest to
Glue's Spark line: 16.4 LTS (Spark 3.5). ``[jobs] spark_version`` chooses another supported
LTS for every job, ``[jobs.runtimes]`` one per Glue version; both are checked here.

On Spark 4 runtimes (17.3 LTS and later) ANSI mode is on by default: a cast Glue turns into a
null raises instead, in code the transformer keeps as it is. Those job clusters get
``spark.sql.ansi.enabled = false``.
"""

from __future__ import annotations

import re

DEFAULT_RUNTIME = "16.4.x-scala2.12"       # Spark 3.5: Glue 5's line, the nearest supported to Glue 3 / 4
# GlueVersion -> runtime. Spark 2 versions (0.9, 1.0, 2.0) run on it too, reported.
RUNTIMES = {"0.9": DEFAULT_RUNTIME, "1.0": DEFAULT_RUNTIME, "2.0": DEFAULT_RUNTIME, "3.0": DEFAULT_RUNTIME,
            "4.0": DEFAULT_RUNTIME, "5.0": DEFAULT_RUNTIME, "5.1": DEFAULT_RUNTIME}
# Supported LTS lines (major.minor) and their Spark version; later majors are accepted as they come.
SUPPORTED_LTS = {"15.4": "3.5", "16.4": "3.5", "17.3": "4.0"}
FIRST_SPARK4_MAJOR = 17
ANSI_CONF = {"spark.sql.ansi.enabled": "false"}
_FORMAT = re.compile(r"(\d+)\.(\d+)\.x-(?:cpu-ml-|gpu-ml-|photon-)?scala2\.1[23]")


def unsupported(value: str) -> str | None:
    """Why a spark_version is not allowed, or None when it is a supported LTS."""
    match = _FORMAT.fullmatch(value)
    if not match:
        return f"{value!r} is not a Databricks runtime version (like {DEFAULT_RUNTIME!r})"
    major, minor = int(match.group(1)), int(match.group(2))
    if f"{major}.{minor}" in SUPPORTED_LTS or major > max(int(v.split(".")[0]) for v in SUPPORTED_LTS):
        return None
    return (f"{value!r} is not a supported LTS runtime (supported: "
            + ", ".join(f"{v} LTS" for v in SUPPORTED_LTS) + ")")


def spark4(value: str) -> bool:
    """Whether a runtime runs Spark 4 (ANSI mode on by default)."""
    match = _FORMAT.fullmatch(value)
    return bool(match) and int(match.group(1)) >= FIRST_SPARK4_MAJOR


def runtime_for(glue_version: str | None, overrides: dict, spark_version: str | None) -> tuple[str, bool]:
    """(runtime, known): the per-version override, else the chosen spark_version, else the table's."""
    version = glue_version or "0.9"
    if version in overrides:
        return overrides[version], True
    if spark_version:
        return spark_version, True
    return RUNTIMES.get(version, DEFAULT_RUNTIME), version in RUNTIMES
