"""Reads: from_catalog, from_options (S3 and JDBC), from_rdd, create_data_frame.*."""

from __future__ import annotations

import libcst as cst

from glue2lakehouse.transform.context import Args, Context, bind, literal, literal_or, py
from glue2lakehouse.transform.layout import fluent

CATALOG_PARAMS = ("database", "table_name", "redshift_tmp_dir", "transformation_ctx", "push_down_predicate",
                  "additional_options", "catalog_id")
OPTIONS_PARAMS = ("connection_type", "connection_options", "format", "format_options", "transformation_ctx",
                  "push_down_predicate")
JDBC_TYPES = {"mysql", "postgresql", "oracle", "sqlserver", "redshift"}
FILE_FORMATS = {"csv": "csv", "json": "json", "parquet": "parquet", "orc": "orc", "avro": "avro",
                "glueparquet": "parquet"}
# Glue format option -> Spark option, per format (None: no Spark equivalent, flag it).
FORMAT_OPTIONS = {
    "csv": {"withHeader": "header", "separator": "sep", "quoteChar": "quote", "escaper": "escape",
            "multiline": "multiLine", "skipFirst": None, "optimizePerformance": "", "strictCheckForQuoting": ""},
    "json": {"multiline": "multiLine", "jsonPath": None},
}
BENIGN_S3_OPTIONS = {"paths", "recurse", "groupFiles", "groupSize", "useS3ListImplementation"}
BOOKMARKED = ("job-bookmark-enable", "job-bookmark-pause")
BOOKMARK_KEYS = ("jobBookmarkKeys", "jobBookmarkKeysSortOrder")
NO_JOB = ("job bookmarks: Glue reads only data not seen by earlier committed runs here, but no Job with init and "
          "commit is in reach of this read (a module the job imports, or several Job objects), so it reads "
          "everything: hand the job's GlueJob to this code and read through job.bookmarked_files / "
          "bookmarked_table / bookmarked_rows")
NO_KEYS = ("job bookmarks: a JDBC read without jobBookmarkKeys is bookmarked by the table's primary key on Glue, "
           "which the conversion cannot know, so it reads everything: add \"jobBookmarkKeys\": [\"<key>\"] to the "
           "Glue read's options")


def glue_receiver(call: cst.Call) -> cst.BaseExpression:
    """The GlueContext of a read: ``glue.create_dynamic_frame.from_x(...)`` or the method form ``glue.create_dynamic_frame_from_x(...)``."""
    receiver = call.func.value
    if isinstance(receiver, cst.Attribute) and receiver.attr.value in ("create_dynamic_frame", "create_data_frame"):
        return receiver.value
    return receiver


def _bookmark(ctx: Context, args: Args, why: str | None = None) -> str | None:
    """The Job a read Glue bookmarks goes through (``transform/bookmarks.py``), or None. A read with a
    ``transformation_ctx`` that cannot go through one, because of ``why`` or for want of a Job, is flagged when its
    job's definition enables bookmarks, or, with no definition known, when the file calls job.init and job.commit."""
    context = args.get("transformation_ctx")
    if context is None or literal_or(context, 0) in ("", None):
        return None
    if ctx.bookmark_job is not None and why is None:
        return ctx.bookmark_job
    option = ctx.settings.bookmarks.get(ctx.path)
    if option in BOOKMARKED or (option is None and ctx.roles.uses_bookmarks):
        ctx.flag("bookmark", why or NO_JOB)
    return None


def _job_call(ctx: Context, job: str, method: str, arguments: list[str]) -> str:
    """``job.method(a, b)``, or Black's layout (one argument per line) when that would make a long line."""
    one = f"{job}.{method}({', '.join(arguments)})"
    if "\n" not in one and ctx.indent + len(one) <= 76:   # room for the name it is assigned to
        return one
    lines = []
    for argument in arguments:
        chain = fluent(argument, ctx.indent + 4)
        lines.append((chain or argument).replace("\n", "\n    "))
    return f"{job}.{method}(\n" + "".join(f"    {line},\n" for line in lines) + ")"


def _bookmark_keys(ctx: Context, items) -> tuple[str, str] | None:
    """The code of (jobBookmarkKeys, jobBookmarkKeysSortOrder) among option items, or None."""
    values = dict(items or [])
    if "jobBookmarkKeys" not in values:
        return None
    order = values.get("jobBookmarkKeysSortOrder")
    return ctx.code(values["jobBookmarkKeys"]), ctx.code(order) if order is not None else py("asc")


def from_catalog(ctx: Context, original: cst.Call, updated: cst.Call, frame: bool = True):
    args = bind(updated, CATALOG_PARAMS, {"name_space": "database"})
    unknown = args.unknown({"database", "table_name", "push_down_predicate", "transformation_ctx",
                            "additional_options", "redshift_tmp_dir"})
    if args.star or unknown or "database" not in args or "table_name" not in args:
        what = ", ".join(unknown) or "*args/**kwargs or a missing database/table_name"
        ctx.flag("catalog-read", f"from_catalog with {what}: convert by hand to spark.table(\"<catalog>.<schema>.<table>\")")
        return None
    options = args.get("additional_options")
    keys = None
    if options is not None:
        items = options.elements if isinstance(options, cst.Dict) else None
        entries = [(literal_or(e.key), e.value) for e in items or [] if isinstance(e, cst.DictElement)]
        if items is not None and len(entries) == len(items) and {k for k, _ in entries} <= set(BOOKMARK_KEYS):
            keys = _bookmark_keys(ctx, entries)
        elif literal_or(options) != {}:
            ctx.flag("catalog-read", "additional_options of from_catalog are not carried over: check what they did "
                                     "(e.g. a pushdown) and apply it to spark.table(...)")
    if "redshift_tmp_dir" in args:
        ctx.flag("catalog-read", "redshift_tmp_dir dropped: a Redshift-backed catalog table needs the Redshift "
                                 "connector (spark.read.format(\"redshift\")) on Databricks")
    job = _bookmark(ctx, args) if frame else None
    session = ctx.session(glue_receiver(original))
    table = ctx.table_name_code(args.get('database'), args.get('table_name'))
    context = ctx.code(args.get("transformation_ctx")) if job else ""
    if job and keys:
        code = _job_call(ctx, job, "bookmarked_rows", [context, f"{session}.table({table})", keys[0], keys[1]])
    elif job:
        code = _job_call(ctx, job, "bookmarked_table", [context, table])
    else:
        code = f"{session}.table({table})"
    if "push_down_predicate" in args:
        code += f".where({ctx.code(args.get('push_down_predicate'))})"
    return ctx.parse(code)


def _path_code(ctx: Context, node: cst.BaseExpression) -> str:
    try:
        value = literal(node)
    except ValueError:
        return ctx.code(node)
    if isinstance(value, str):
        return py(ctx.settings.map_path(value))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        mapped = [ctx.settings.map_path(v) for v in value]
        return py(mapped[0]) if len(mapped) == 1 else py(mapped)
    return ctx.code(node)


def _dict_items(ctx: Context, node: cst.BaseExpression | None, what: str):
    """The (key, value node) pairs of a dict literal with string keys, or None (flagged)."""
    if node is None:
        return []
    if isinstance(node, cst.Name):
        entries = ctx.option_dict(node.value)  # a variable bound once to a dict in the code
        if entries is not None:
            return entries
    if not isinstance(node, cst.Dict):
        ctx.flag("options", f"{what} is not a dict literal: convert its entries by hand to .option(...) calls")
        return None
    items = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            ctx.flag("options", f"{what} uses **: convert by hand")
            return None
        key = literal_or(element.key)
        if not isinstance(key, str):
            ctx.flag("options", f"{what} has a key that is not a string literal: convert by hand")
            return None
        items.append((key, element.value))
    return items


def format_option_calls(ctx: Context, fmt: str, items) -> str:
    out = ""
    mapping = FORMAT_OPTIONS.get(fmt, {})
    for key, value in items:
        spark = mapping.get(key, key)
        if key == "skipFirst" and literal_or(value) is False:
            continue  # Glue's default: nothing skipped
        if spark is None:
            ctx.flag("format-option", f"format option {key!r} of {fmt} has no Spark equivalent: handle it by hand")
            continue
        if spark == "":
            continue  # a Glue reader performance switch with no effect on the data
        out += f".option({py(spark)}, {ctx.code(value)})"
    return out


def jdbc_option_calls(ctx: Context, items) -> str:
    """JDBC connection options as .option(...) calls; Glue connections and literal passwords flagged."""
    out = ""
    for key, value in items:
        if key in ("connectionName", "useConnectionProperties"):
            ctx.flag("jdbc-credentials", f"credentials from the Glue connection ({key}): on Databricks read them from "
                                         "a secret scope (dbutils.secrets.get) and pass url/user/password")
            continue
        if key == "password" and isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            ctx.flag("jdbc-credentials", "a password in the code: move it to a secret scope (dbutils.secrets.get)")
        if key == "redshiftTmpDir":
            ctx.flag("jdbc-redshift", "redshiftTmpDir: Redshift unloads through S3; consider the Databricks Redshift "
                                      "connector (format(\"redshift\")) with a tempdir")
            continue
        if key in BOOKMARK_KEYS:
            continue  # the read goes through job.bookmarked_rows (from_options)
        out += f".option({py(key)}, {ctx.code(value)})"
    return out


def from_options(ctx: Context, original: cst.Call, updated: cst.Call, frame: bool = True):
    args = bind(updated, OPTIONS_PARAMS)
    unknown = args.unknown({"connection_type", "connection_options", "format", "format_options", "transformation_ctx"})
    connection_type = literal_or(args.get("connection_type"))
    if args.star or unknown or connection_type is None:
        what = ", ".join(unknown) or "a connection_type that is not a literal"
        ctx.flag("options-read", f"from_options with {what}: convert by hand to spark.read")
        return None
    session = ctx.session(glue_receiver(original))
    fmt = literal_or(args.get("format"))
    if connection_type == "s3" and fmt in FILE_FORMATS and _at_run_time(ctx, args):
        return _s3_read_at_run_time(ctx, args, session, fmt, frame)
    options = _dict_items(ctx, args.get("connection_options"), "connection_options")
    if options is None:
        return None
    if connection_type in JDBC_TYPES:
        keys = _bookmark_keys(ctx, options)
        job = _bookmark(ctx, args, None if keys else NO_KEYS) if frame else None
        code = f"{session}.read.format(\"jdbc\"){jdbc_option_calls(ctx, options)}.load()"
        if job:
            code = _job_call(ctx, job, "bookmarked_rows", [ctx.code(args.get("transformation_ctx")), code, *keys])
        return ctx.parse(code)
    if connection_type != "s3":
        ctx.flag("options-read", f"connection_type {connection_type!r} is not converted: read it with the matching "
                                 "Databricks connector")
        return None
    fmt = literal_or(args.get("format"))
    if fmt not in FILE_FORMATS:
        ctx.flag("options-read", f"format {fmt!r} is not converted: read it with spark.read.format(...)")
        return None
    format_items = _dict_items(ctx, args.get("format_options"), "format_options")
    if format_items is None:
        return None
    values = dict(options)
    if "paths" not in values:
        ctx.flag("options-read", "connection_options has no 'paths': convert by hand")
        return None
    code = f"{session}.read.format({py(FILE_FORMATS[fmt])})"
    for key, value in options:
        if key == "recurse":
            code += f".option(\"recursiveFileLookup\", {ctx.code(value)})"
        elif key not in BENIGN_S3_OPTIONS:
            if key in ("exclusions", "compressionType", "maxBand", "maxFilesInBand"):
                ctx.flag("options-read", f"S3 option {key!r} has no direct Spark equivalent: handle it by hand")
            else:
                code += f".option({py(key)}, {ctx.code(value)})"
    code += format_option_calls(ctx, fmt, format_items)
    job = _bookmark(ctx, args) if frame else None
    if job:
        recurse = [f"recurse={ctx.code(values['recurse'])}"] if "recurse" in values else []
        return ctx.parse(_job_call(ctx, job, "bookmarked_files", [ctx.code(args.get("transformation_ctx")), code,
                                                                  _path_code(ctx, values["paths"]), *recurse]))
    code += f".load({_path_code(ctx, values['paths'])})"
    return ctx.parse(code)


def _at_run_time(ctx: Context, args: Args) -> bool:
    """Options given as variables the code does not fix: mapped when the job runs (glue_s3_options)."""
    variable = False
    for key in ("connection_options", "format_options"):
        node = args.get(key)
        if node is None or isinstance(node, cst.Dict):
            continue
        if isinstance(node, cst.Name) and ctx.option_dict(node.value) is not None:
            continue
        if not isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):  # evaluated twice: no calls
            return False
        variable = True
    return variable


def _s3_read_at_run_time(ctx: Context, args: Args, session: str, fmt: str, frame: bool = True):
    connection = ctx.code(args.get("connection_options"))
    format_options = f", {ctx.code(args.get('format_options'))}" if "format_options" in args else ""
    job = _bookmark(ctx, args) if frame else None
    reader = (f"{session}.read.format({py(FILE_FORMATS[fmt])})"
              f".options(**{ctx.helper('glue_s3_options')}({connection}, {py(fmt)}{format_options}))")
    if job:
        return ctx.parse(_job_call(ctx, job, "bookmarked_files", [
            ctx.code(args.get("transformation_ctx")), reader, f"{connection}[\"paths\"]",
            f"recurse={connection}.get(\"recurse\", False)"]))
    return ctx.parse(f"{reader}.load({connection}[\"paths\"])")


def from_rdd(ctx: Context, original: cst.Call, updated: cst.Call):
    args = bind(updated, ("data", "name", "schema", "sample_ratio", "transformation_ctx"))
    if args.star or "data" not in args or args.unknown({"data", "name", "schema", "sample_ratio", "transformation_ctx"}):
        ctx.flag("from-rdd", "from_rdd with unusual arguments: convert by hand to spark.createDataFrame")
        return None
    session = ctx.session(glue_receiver(original))
    extra = ""
    if "schema" in args:
        extra += f", schema={ctx.code(args.get('schema'))}"
    if "sample_ratio" in args:
        extra += f", samplingRatio={ctx.code(args.get('sample_ratio'))}"
    return ctx.parse(f"{session}.createDataFrame({ctx.code(args.get('data'))}{extra})")


def data_frame_from_catalog(ctx, original, updated):
    return from_catalog(ctx, original, updated, frame=False)


def data_frame_from_options(ctx, original, updated):
    return from_options(ctx, original, updated, frame=False)


HANDLERS = {
    "create_dynamic_frame.from_catalog": from_catalog,
    "create_dynamic_frame.from_options": from_options,
    "create_dynamic_frame.from_rdd": from_rdd,
    "create_data_frame.from_catalog": data_frame_from_catalog,
    "create_data_frame.from_options": data_frame_from_options,
}
