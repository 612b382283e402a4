"""Glue jobs the way users write them, for property tests and the benchmark.

Shapes measured on public Glue scripts (shared/real-world-glue.md): short files that are
Glue from top to bottom; Glue Studio scripts ("Script generated for node ..." comments,
node variables) and hand-written jobs with helper functions; whitespace-only lines
between definitions, tabs, CRLF, no newline at the end; ``if __name__ == "__main__":``
blocks, top-level ``try``, imports in the middle (``from awsglue.dynamicframe import
DynamicFrame`` just before the write), boto3 next to Spark, decorators and classes.

``job(rng)`` builds one job from a ``random.Random``; every plain statement (one the
conversion has no reason to touch) carries a unique ``plain_<n>`` name and every free
comment a unique ``# note <n>``, so a test can check they all come out, unchanged and
in order. ``layout(text, rng)`` applies the file-level shapes to any job.
"""

from __future__ import annotations

import random
import re

STUDIO_IMPORTS = (
    "import sys\n"
    "from awsglue.transforms import *\n"
    "from awsglue.utils import getResolvedOptions\n"
    "from pyspark.context import SparkContext\n"
    "from awsglue.context import GlueContext\n"
    "from awsglue.job import Job\n"
)
HAND_IMPORTS = (
    "import sys\n"
    "import json\n"
    "\n"
    "import boto3\n"
    "from awsglue.context import GlueContext\n"
    "from awsglue.job import Job\n"
    "from awsglue.transforms import ApplyMapping, Filter, Join, SelectFields\n"
    "from awsglue.utils import getResolvedOptions\n"
    "from pyspark.context import SparkContext\n"
    "from pyspark.sql import functions as F\n"
    "\n"
    "from helpers.io_helpers import read_table\n"
)
SETUP = (
    "args = getResolvedOptions(sys.argv, [\"JOB_NAME\", \"run_date\"])\n"
    "sc = SparkContext()\n"
    "glueContext = GlueContext(sc)\n"
    "spark = glueContext.spark_session\n"
    "job = Job(glueContext)\n"
    "job.init(args[\"JOB_NAME\"], args)\n"
)
TABLES = ["loans", "borrowers", "exposures", "ratings", "collateral", "limits"]
COLUMNS = ["loan_id", "borrower_id", "principal", "rate", "country", "status", "pd", "lgd"]


class Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.count = 0
        self.frames: list[str] = []

    def _n(self) -> int:
        self.count += 1
        return self.count

    def node(self, kind: str) -> str:
        return f"{kind}_node{1700000000000 + self._n()}"

    # ---- statements (each returns source lines ending in a newline)
    def read(self) -> str:
        name = self.node("Source")
        table = self.rng.choice(TABLES)
        form = self.rng.randrange(3)
        if form == 0:
            code = (f"{name} = glueContext.create_dynamic_frame.from_catalog(database=\"risk_db\", "
                    f"table_name=\"{table}\", transformation_ctx=\"{name}\")\n")
        elif form == 1:
            code = (f"{name} = glueContext.create_dynamic_frame.from_options(\n"
                    f"    format_options={{\"quoteChar\": '\"', \"withHeader\": True, \"separator\": \",\"}},\n"
                    f"    connection_type=\"s3\",\n    format=\"csv\",\n"
                    f"    connection_options={{\"paths\": [\"s3://bank-risk-raw/{table}/\"], \"recurse\": True}},\n"
                    f"    transformation_ctx=\"{name}\",\n)\n")
        else:
            code = f"{name} = DynamicFrame.fromDF(spark.table(\"risk_db.{table}\"), glueContext, \"{name}\")\n"
        self.frames.append(name)
        return code

    def transform(self) -> str:
        if not self.frames:
            return self.read()
        frame = self.rng.choice(self.frames)
        name = self.node("Transform")
        form = self.rng.randrange(4)
        if form == 0:
            columns = self.rng.sample(COLUMNS, 3)
            mappings = ", ".join(f"(\"{c}\", \"string\", \"{c}\", \"string\")" for c in columns)
            code = f"{name} = ApplyMapping.apply(frame={frame}, mappings=[{mappings}], transformation_ctx=\"{name}\")\n"
        elif form == 1:
            code = (f"{name} = Filter.apply(frame={frame}, f=lambda row: (row[\"principal\"] > "
                    f"{self.rng.randint(1, 9) * 1000} and row[\"status\"] == \"ACTIVE\"), transformation_ctx=\"{name}\")\n")
        elif form == 2:
            code = f"{name} = SelectFields.apply(frame={frame}, paths={self.rng.sample(COLUMNS, 2)!r})\n".replace("'", '"')
        else:
            other = self.rng.choice(self.frames)
            code = (f"{name} = Join.apply(frame1={frame}, frame2={other}, keys1=[\"borrower_id\"], "
                    f"keys2=[\"borrower_id\"], transformation_ctx=\"{name}\")\n")
        self.frames.append(name)
        return code

    def dataframe_step(self) -> str:
        if not self.frames:
            return self.read()
        frame = self.rng.choice(self.frames)
        name = f"df_{self._n()}"
        code = (f"{name} = {frame}.toDF()\n"
                f"{name} = {name}.withColumn(\"ead\", F.col(\"principal\") * 1.0)\n"
                f"{name}_dyf = DynamicFrame.fromDF({name}, glueContext, \"{name}_dyf\")\n")
        self.frames.append(f"{name}_dyf")
        return code

    def write(self) -> str:
        if not self.frames:
            return self.read()
        frame = self.rng.choice(self.frames)
        name = self.node("Target")
        if self.rng.random() < 0.5:
            return (f"{name} = glueContext.write_dynamic_frame.from_catalog(frame={frame}, database=\"risk_db\", "
                    f"table_name=\"{self.rng.choice(TABLES)}_out\", transformation_ctx=\"{name}\")\n")
        return (f"{name} = glueContext.write_dynamic_frame.from_options(\n    frame={frame},\n"
                f"    connection_type=\"s3\",\n    format=\"parquet\",\n"
                f"    connection_options={{\"path\": \"s3://bank-risk-curated/{name.lower()}/\", \"partitionKeys\": []}},\n"
                f"    transformation_ctx=\"{name}\",\n)\n")

    def plain(self) -> str:
        n = self._n()
        form = self.rng.randrange(4)
        if form == 0:
            return f"plain_{n} = {self.rng.randint(1, 99)}\n"
        if form == 1:
            return f"plain_{n} = {{\"threshold\": {self.rng.random():.3f}, \"currency\": \"EUR\"}}\n"
        if form == 2:
            return f"plain_{n} = boto3.client(\"s3\").list_objects_v2(Bucket=\"bank-risk-raw\", Prefix=\"in/\")\n"
        return f"print(\"plain_{n}\", json.dumps({{\"step\": {n}}}))\n"

    def comment(self) -> str:
        return f"# note {self._n()}\n"

    def helper(self, blank: str) -> str:
        n = self._n()
        if self.rng.random() < 0.5:
            return (f"def plain_{n}(df):\n    \"\"\"Rename one column.\"\"\"\n"
                    f"    return df.withColumnRenamed(\"a\", \"b\")\n{blank}\n")
        return (f"def load_{n}(glue_context, table):\n"
                f"    return glue_context.create_dynamic_frame.from_catalog(database=\"risk_db\", table_name=table)\n"
                f"{blank}\n")

    def statement(self) -> str:
        roll = self.rng.random()
        if roll < 0.25:
            return self.read()
        if roll < 0.45:
            return self.transform()
        if roll < 0.55:
            return self.dataframe_step()
        if roll < 0.7:
            return self.write()
        if roll < 0.9:
            return self.plain()
        return self.comment()


def job(rng: random.Random) -> str:
    """One Glue job of a random shape."""
    b = Builder(rng)
    studio = rng.random() < 0.5
    blank = rng.choice(["", "    ", "\t", "  "])  # the whitespace-only line users leave after a function
    parts = []
    if rng.random() < 0.3:
        parts.append("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n")
    if rng.random() < 0.3:
        parts.append("\"\"\"Daily risk job.\"\"\"\n\n")
    parts.append(STUDIO_IMPORTS if studio else HAND_IMPORTS)
    if studio:
        parts.append("from pyspark.sql import functions as F\nimport boto3\nimport json\n")
    parts.append("\n")
    helpers = [b.helper(blank) for _ in range(rng.randrange(3))]
    if helpers:
        parts.append("\n" + "".join(helpers) + "\n")
    body = []
    for _ in range(rng.randint(3, 12)):
        statement = b.statement()
        if studio and statement.startswith(("Source", "Transform", "Target")):
            statement = f"# Script generated for node {statement.split('_node')[0]}\n" + statement
        body.append(statement + ("\n" if studio else ""))
    if not any("write_dynamic_frame" in statement for statement in body):
        body.append(b.write())  # a job writes what it computed somewhere
    if rng.random() < 0.4:  # an import just before the code that needs it
        at = rng.randrange(len(body) + 1)
        first_use = next((i for i, statement in enumerate(body) if "DynamicFrame." in statement), len(body))
        body.insert(min(at, first_use), "from awsglue.dynamicframe import DynamicFrame\n")  # before its first use
    else:
        parts.append("from awsglue.dynamicframe import DynamicFrame\n")
    body.append("job.commit()\n")
    main = rng.random() < 0.3
    if main:
        parts.append(f"\ndef plain_main_{b._n()}():\n    return 0\n{blank}\n")
        parts.append("if __name__ == \"__main__\":\n")
        parts.append(_indent(SETUP + "".join(body), "    "))
    elif rng.random() < 0.2:
        parts.append(SETUP + "try:\n" + _indent("".join(body), "    ")
                     + "except Exception as error:\n    print(\"plain_failed\", error)\n    raise\n")
    else:
        parts.append(SETUP + "\n" + "".join(body))
    return "".join(parts)


def _indent(code: str, unit: str) -> str:
    return "".join(unit + line if line.strip() else line for line in code.splitlines(keepends=True))


def layout(text: str, rng: random.Random) -> str:
    """File-level shapes: tabs for indentation, CRLF line ends, no newline at the end."""
    if rng.random() < 0.1 and "\t" not in text and '"""\n' not in text:
        text = re.sub(r"^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text, flags=re.MULTILINE)
    if rng.random() < 0.3:
        text = text.rstrip("\n")
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    return text
