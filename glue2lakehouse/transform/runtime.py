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
