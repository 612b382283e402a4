"""Run-time helpers: what a converted job calls where Glue's behaviour needs logic at run time.

A Join whose clashing column names are only known at run time, DropNullFields, a Filter
kept as a Python function, getResolvedOptions inside an expression, ApplyMapping with
mappings built at run time: each is one small function here, named after the Glue
behaviour it keeps. The transformer copies the helpers a job uses into the job, once,
below its imports (a file that already defines one keeps its own), so a converted job
runs on its own and reads as plain PySpark.

This module is also importable (tests run the helpers on local Spark); the transformer
only reads its text (``helpers.py``). Each helper uses nothing but ``F``
(``pyspark.sql.functions``), ``Row``, ``Window`` and ``argparse``, which the conversion imports where used.
"""

from __future__ import annotations

import argparse

from pyspark.sql import Row
from pyspark.sql import Window
from pyspark.sql import functions as F

def glue_join(frame1, frame2, keys1, keys2):
    """Glue's Join: an inner equi-join keeping both key columns; frame2's columns that frame1 also has get a "." prefix."""
    right = frame2.toDF(*["." + c if c in frame1.columns else c for c in frame2.columns])
    condition = [F.col("`" + k1 + "`") == F.col("`." + k2 + "`" if k2 in frame1.columns else "`" + k2 + "`")
                 for k1, k2 in zip(keys1, keys2)]
    return frame1.join(right, condition, "inner")


def glue_drop_null_fields(frame):
    """Glue's DropNullFields: drop the columns that are null in every row."""
    counts = frame.select([F.count(F.col("`" + c + "`")).alias(c) for c in frame.columns]).first().asDict()
    return frame.drop(*[c for c, n in counts.items() if n == 0])


def glue_filter(frame, function):
    """Glue's Filter with a Python function: keep the rows it returns true for, drop those it raises on."""
    def keep(row):
        try:
            return bool(function(row.asDict(recursive=True)))
        except (KeyError, ValueError, TypeError):  # Glue drops records whose filter raises these
            return False

    return frame.filter(F.udf(keep, "boolean")(F.struct(*[F.col("`" + c + "`") for c in frame.columns])))


def glue_resolved_options(argv, names):
    """Glue's getResolvedOptions: each name a required --NAME option, every other option ignored."""
    parser = argparse.ArgumentParser(allow_abbrev=False)
    for name in names:
        parser.add_argument("--" + name, required=True)
    return vars(parser.parse_known_args(argv[1:])[0])


def glue_apply_mapping(frame, mappings):
    """Glue's ApplyMapping: the mapped columns only, in order, each cast with try_cast (null where it fails); a dotted
    target builds a struct, a name in backticks keeps its dots."""
    def segments(path):
        parts, current, quoted = [], "", False
        for char in path:
            if char == "`":
                quoted = not quoted
            elif char == "." and not quoted:
                parts.append(current)
                current = ""
            else:
                current += char
        return parts + [current]

    tree = {}
    for source, _source_type, target, target_type in mappings:
        column = ".".join("`" + p.replace("`", "``") + "`" for p in segments(source))
        if target_type.strip().lower().split("<")[0] in ("struct", "array", "map"):
            value = F.expr(column)
        else:
            value = F.expr("try_cast({} AS {})".format(column, target_type))
        node, path = tree, segments(target)
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    def columns(node):
        return [F.struct(*columns(value)).alias(name) if isinstance(value, dict) else value.alias(name)
                for name, value in node.items()]

    return frame.select(*columns(tree))


def glue_map(frame, function):
    """Glue's Map: the record function on each row as a dict, the schema inferred again; a record it raises on is dropped."""
    def apply(row):
        try:
            return [Row(**function(row.asDict(recursive=True)))]
        except Exception:  # Glue keeps such a record as an error record, outside the frame
            return []

    return frame.sparkSession.createDataFrame(frame.rdd.flatMap(apply))


def glue_s3_options(connection_options, fmt, format_options=None):
    """Glue's S3 connection and format options as Spark reader options; an option with no Spark equivalent raises."""
    renames = {"recurse": "recursiveFileLookup", "withHeader": "header", "separator": "sep", "quoteChar": "quote",
               "escaper": "escape", "multiline": "multiLine"}
    ignored = {"paths", "path", "groupFiles", "groupSize", "useS3ListImplementation", "optimizePerformance",
               "strictCheckForQuoting", "partitionKeys"}
    options = {}
    for key, value in {**(connection_options or {}), **(format_options or {})}.items():
        if key == "skipFirst" and value is False:
            continue  # Glue's default: nothing skipped
        if key in ("skipFirst", "jsonPath", "exclusions", "compressionType", "maxBand", "maxFilesInBand"):
            raise ValueError(f"Glue {fmt} option {key!r} has no Spark equivalent: handle it in the job")
        if key not in ignored:
            options[renames.get(key, key)] = value
    return options


def glue_relationalize(frame, root_name):
    """Glue's Relationalize: a dict of frames; structs flattened to dotted names, each array to a frame "<parent>_<path>"
    (id, index, the element's fields, "<path>.val" for plain values) keyed by an id that replaces the array in its parent;
    ids number the parent's rows 1..n in order of their JSON text."""
    frames = {}

    def flatten(df):
        while any(field.dataType.typeName() == "struct" for field in df.schema.fields):
            columns = []
            for field in df.schema.fields:
                if field.dataType.typeName() == "struct":
                    columns += [F.col("`" + field.name + "`.`" + inner.name + "`").alias(field.name + "." + inner.name)
                                for inner in field.dataType.fields]
                else:
                    columns.append(F.col("`" + field.name + "`"))
            df = df.select(*columns)
        return df

    def split(df, name):
        df = flatten(df)
        arrays = [field for field in df.schema.fields if field.dataType.typeName() == "array"]
        if not arrays:
            frames[name] = df
            return
        content = F.to_json(F.struct(*[F.col("`" + c + "`") for c in df.columns]))
        keyed = df.withColumn("__glue_row_id", F.row_number().over(Window.orderBy(content)).cast("long"))
        array_names = {field.name for field in arrays}
        frames[name] = keyed.select(*[F.col("__glue_row_id").alias(c) if c in array_names else F.col("`" + c + "`")
                                      for c in df.columns])
        for field in arrays:
            child = keyed.select(F.col("__glue_row_id").alias("id"), F.posexplode(F.col("`" + field.name + "`")))
            child = child.withColumnRenamed("pos", "index")
            element = field.name if field.dataType.elementType.typeName() == "struct" else field.name + ".val"
            split(child.withColumnRenamed("col", element), name + "_" + field.name)

    split(frame, root_name)
    return frames


def glue_unbox(frame, column):
    """Glue's Unbox of a JSON string column: parsed into a struct whose schema Spark's JSON inference reads from the column."""
    strings = frame.select(F.col("`" + column + "`")).where(F.col("`" + column + "`").isNotNull()).rdd.map(lambda r: r[0])
    schema = frame.sparkSession.read.json(strings).schema
    return frame.withColumn(column, F.from_json(F.col("`" + column + "`"), schema))


def glue_unnest(frame):
    """Glue's UnnestFrame: nested struct fields become top-level columns named with dots ("a.b")."""
    def leaves(fields, prefix):
        out = []
        for field in fields:
            if field.dataType.typeName() == "struct":
                out += leaves(field.dataType.fields, prefix + [field.name])
            else:
                out.append(prefix + [field.name])
        return out

    return frame.select(*[F.col(".".join("`" + p + "`" for p in path)).alias(".".join(path))
                          for path in leaves(frame.schema.fields, [])])


def glue_match_catalog(frame, table, columns=None):
    """Glue's ResolveChoice match_catalog: each column (of `columns`, else all) that the catalog table has, try_cast to its type there."""
    types = {field.name.lower(): field.dataType.simpleString() for field in frame.sparkSession.table(table).schema.fields}
    chosen = {c.lower() for c in columns} if columns is not None else set(types)
    return frame.select(*[
        F.expr("try_cast(`{}` AS {})".format(c.replace("`", "``"), types[c.lower()])).alias(c)
        if c.lower() in types and c.lower() in chosen else F.col("`" + c.replace("`", "``") + "`")
        for c in frame.columns
    ])


class GlueJob:
    """Glue's Job with its bookmarks: the --job-bookmark-option of the run (enable, pause, disable: Glue's default)
    decides what each read with a transformation_ctx reads, and commit() saves every read's state in one write to the
    state table (job, run, context, high mark, files / keys), so a run that fails before it commits nothing."""

    WINDOW_MICROS = 900 * 1000000  # Glue also reads files of the 900 s before the high mark the last run had not seen
    SCHEMA = ("job STRING, run_id STRING, action STRING, context STRING, source STRING, high_mark TIMESTAMP, "
              "files ARRAY<STRUCT<path: STRING, modified: TIMESTAMP>>, last_keys STRING, rewind_to STRING, "
              "committed_at TIMESTAMP")

    def __init__(self, spark, table):
        self.spark, self.table = spark, table
        self.name, self.run_id, self.option, self.window = None, None, "job-bookmark-disable", None
        self.start, self.committed, self.pending = 0, {}, {}

    def init(self, name, args=None):
        """Read the run's bookmark option (--job-bookmark-option, --job-bookmark-from / -to) and the job's state."""
        import sys
        import time

        parser = argparse.ArgumentParser(allow_abbrev=False)
        for option in ("--job-bookmark-option", "--job-bookmark-from", "--job-bookmark-to", "--JOB_RUN_ID"):
            parser.add_argument(option)
        given = vars(parser.parse_known_args(sys.argv[1:])[0])
        self.name, self.start = name, int(time.time() * 1000000)
        self.run_id = given["JOB_RUN_ID"] or "run-{}".format(self.start)
        self.option = given["job_bookmark_option"] or "job-bookmark-disable"
        if self.option not in ("job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable"):
            raise ValueError("--job-bookmark-option {!r}: use job-bookmark-enable, job-bookmark-pause or "
                             "job-bookmark-disable".format(self.option))
        if self.option == "job-bookmark-disable":
            return
        self.spark.sql("CREATE TABLE IF NOT EXISTS {} ({})".format(self.table, self.SCHEMA))
        runs = GlueJob.history(self.spark, self.table, name)
        self.committed = runs[-1][1] if runs else {}
        if given["job_bookmark_from"] or given["job_bookmark_to"]:
            if self.option != "job-bookmark-pause":
                raise ValueError("--job-bookmark-from / --job-bookmark-to need --job-bookmark-option job-bookmark-pause")
            states = dict(runs)
            for run in (given["job_bookmark_from"], given["job_bookmark_to"]):
                if run and run not in states:
                    raise ValueError("job {!r} has no committed run {!r} in {}".format(name, run, self.table))
            self.committed = states[given["job_bookmark_from"]] if given["job_bookmark_from"] else {}
            self.window = states[given["job_bookmark_to"]] if given["job_bookmark_to"] else None

    @staticmethod
    def history(session, table, name):
        """The job's state after each committed run, oldest first: [(run_id, {context: state})]; a reset empties it,
        a rewind takes the state of an earlier run."""
        rows = session.sql(
            "SELECT run_id, action, context, source, unix_micros(high_mark) AS high_mark, "
            "transform(files, f -> named_struct('path', f.path, 'modified', unix_micros(f.modified))) AS files, "
            "last_keys, rewind_to, unix_micros(committed_at) AS committed_at FROM {} WHERE job = :job"
            .format(table), args={"job": name}).collect()
        state, runs, after = {}, [], {}
        for row in sorted(rows, key=lambda r: (r.committed_at, r.run_id)):
            if row.action == "reset":
                state = {}
            elif row.action == "rewind":
                state = dict(after.get(row.rewind_to, {}))
            elif row.context is not None:
                state = dict(state)
                state[row.context] = {"source": row.source, "high_mark": row.high_mark, "last_keys": row.last_keys,
                                      "files": {(f.path, f.modified) for f in (row.files or [])}}
            if runs and runs[-1][0] == row.run_id:
                runs[-1] = (row.run_id, state)
            else:
                runs.append((row.run_id, state))
            after[row.run_id] = state
        return runs

    def _since(self, context, source):
        """The context's committed state, if it read the same source (Glue starts afresh when the source changes)."""
        state = self.committed.get(context)
        return state if state is not None and state["source"] == source else None

    def _files(self, context, source, listing):
        """The files of ``listing`` ([(path, modified)]) a bookmarked read takes; their state waits for commit()."""
        since = self._since(context, source)
        upper = self.window[context]["high_mark"] if self.window and context in self.window else self.start
        low = since["high_mark"] if since else None
        chosen = sorted(path for path, modified in listing if modified <= upper and (
            low is None or modified > low
            or (modified > low - self.WINDOW_MICROS and (path, modified) not in since["files"])))
        self.pending[context] = {"source": source, "high_mark": upper, "last_keys": None,
                                 "files": {(path, modified) for path, modified in listing
                                           if upper - self.WINDOW_MICROS < modified <= upper}}
        return chosen

    def bookmarked_files(self, context, reader, paths, recurse=False):
        """Glue's bookmarked S3 read: the files modified after the last commit's high mark and up to the run's start
        (a rewritten file is read again), plus late files of the window before the mark that the last run had not seen."""
        import json

        if self.option == "job-bookmark-disable":
            return reader.load(paths)
        listing = (self.spark.read.format("binaryFile").option("recursiveFileLookup", recurse).load(paths)
                   .select("path", F.unix_micros("modificationTime").alias("modified")).collect())
        chosen = self._files(context, "files:" + json.dumps(paths), [(f.path, f.modified) for f in listing])
        return reader.load(chosen) if chosen else reader.load(paths).limit(0)

    def bookmarked_table(self, context, table):
        """Glue's bookmarked catalog read: the table's rows stored in the files a bookmarked S3 read of its location
        would read (on Delta, files written or rewritten since the last commit)."""
        frame = self.spark.table(table)
        if self.option == "job-bookmark-disable":
            return frame
        listing = (frame.select(F.col("_metadata.file_path").alias("path"),
                                F.unix_micros(F.col("_metadata.file_modification_time")).alias("modified"))
                   .distinct().collect())
        chosen = self._files(context, "table:" + table, [(f.path, f.modified) for f in listing])
        return frame.where(F.col("_metadata.file_path").isin(chosen))

    def bookmarked_rows(self, context, frame, keys, order="asc"):
        """Glue's bookmarked JDBC read: the rows whose bookmark keys come after the last committed ones (before them
        for "desc"), up to the last keys present when the run reads."""
        import json

        if self.option == "job-bookmark-disable":
            return frame
        keys = [keys] if isinstance(keys, str) else list(keys)
        ascending = str(order).lower() != "desc"

        def after(values):
            condition = None
            for key, value in reversed(list(zip(keys, values))):  # lexicographic over the keys
                here = F.col(key) > F.lit(value) if ascending else F.col(key) < F.lit(value)
                if condition is not None:
                    here = here | ((F.col(key) == F.lit(value)) & condition)
                condition = here
            return condition

        source = "keys:" + json.dumps(keys)
        since = self._since(context, source)
        last = json.loads(since["last_keys"]) if since and since["last_keys"] else None
        if last is not None:
            frame = frame.where(after(last))
        if self.window and context in self.window and self.window[context]["last_keys"]:
            last = json.loads(self.window[context]["last_keys"])
        else:
            top = frame.select(*keys).orderBy(*[F.col(k).desc() if ascending else F.col(k).asc() for k in keys]).first()
            last = [top[k] for k in keys] if top is not None else last
        if last is not None:
            frame = frame.where(~after(last))
        self.pending[context] = {"source": source, "high_mark": self.start, "files": set(),
                                 "last_keys": json.dumps(last, default=str) if last is not None else None}
        return frame

    def commit(self):
        """Glue's job.commit(): with job-bookmark-enable, every read's state in one write (pause and disable save nothing)."""
        import time

        if self.option != "job-bookmark-enable":
            return
        now = int(time.time() * 1000000)
        states = sorted(self.pending.items()) or [(None, {"source": None, "high_mark": None, "files": set(),
                                                          "last_keys": None})]
        rows = [(self.name, self.run_id, "commit", context, state["source"], state["high_mark"],
                 [(path, modified) for path, modified in sorted(state["files"])], state["last_keys"], None, now)
                for context, state in states]
        GlueJob.append(self.spark, self.table, rows)
        self.committed = {**self.committed, **self.pending}
        self.pending = {}

    @staticmethod
    def append(session, table, rows):
        """Rows of the state table (times in microseconds) appended in one write."""
        import uuid

        view = "g2l_bookmark_rows_" + uuid.uuid4().hex
        session.createDataFrame(rows, "job STRING, run_id STRING, action STRING, context STRING, source STRING, "
                                    "high_mark BIGINT, files ARRAY<STRUCT<path: STRING, modified: BIGINT>>, "
                                    "last_keys STRING, rewind_to STRING, committed_at BIGINT").createOrReplaceTempView(view)
        try:
            session.sql("INSERT INTO {} SELECT job, run_id, action, context, source, timestamp_micros(high_mark), "
                      "transform(files, f -> named_struct('path', f.path, 'modified', timestamp_micros(f.modified))), "
                      "last_keys, rewind_to, timestamp_micros(committed_at) FROM {}".format(table, view))
        finally:
            session.catalog.dropTempView(view)
