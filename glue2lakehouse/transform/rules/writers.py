"""Writes: write_dynamic_frame.from_catalog / from_options / from_jdbc_conf, and getSink chains.

Glue's sinks append; they never overwrite: every write here is ``mode("append")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from glue2lakehouse.transform.analysis import dotted, single_target
from glue2lakehouse.transform.context import Args, Context, bind, literal, literal_or, py
from glue2lakehouse.transform.purges import normal
from glue2lakehouse.transform.rules.readers import FILE_FORMATS, JDBC_TYPES, _dict_items, _path_code, jdbc_option_calls

CATALOG_PARAMS = ("frame", "database", "table_name", "redshift_tmp_dir", "transformation_ctx",
                  "additional_options", "catalog_id")
OPTIONS_PARAMS = ("frame", "connection_type", "connection_options", "format", "format_options",
                  "transformation_ctx")
JDBC_CONF_PARAMS = ("frame", "catalog_connection", "connection_options", "redshift_tmp_dir", "transformation_ctx",
                    "catalog_id")
WRITE_OPTIONS = {
    "csv": {"withHeader": "header", "writeHeader": "header", "separator": "sep", "quoteChar": "quote",
            "escaper": "escape"},
}
SECRET_SCOPE = "glue-connections"


def _partition(ctx: Context, node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    try:
        keys = literal(node)
    except ValueError:
        return f".partitionBy(*{ctx.code(node)})"
    if not keys:
        return ""
    return f".partitionBy({', '.join(py(k) for k in keys)})"


def _catalog_write(ctx: Context, frame: cst.BaseExpression, database, table, partition_keys=None) -> str:
    return (f"{ctx.receiver(frame)}.write.mode(\"append\"){_partition(ctx, partition_keys)}"
            f".saveAsTable({ctx.table_name_code(database, table)})")


def write_from_catalog(ctx: Context, original: cst.Call, updated: cst.Call):
    args = bind(updated, CATALOG_PARAMS, {"name_space": "database"})
    unknown = args.unknown({"frame", "database", "table_name", "transformation_ctx", "additional_options",
                            "redshift_tmp_dir"})
    if args.star or unknown or not {"frame", "database", "table_name"} <= set(args.values):
        ctx.flag("catalog-write", "write_dynamic_frame.from_catalog with unusual arguments: convert by hand to "
                                  ".write.mode(\"append\").saveAsTable(...)")
        return None
    items = _dict_items(ctx, args.get("additional_options"), "additional_options")
    if items is None:
        return None
    partition = None
    for key, value in items:
        if key == "partitionKeys":
            partition = value
        elif key not in ("enableUpdateCatalog", "updateBehavior"):
            ctx.flag("catalog-write", f"additional option {key!r} of the catalog write is not carried over: check it")
    if "redshift_tmp_dir" in args:
        ctx.flag("catalog-write", "redshift_tmp_dir dropped: a Redshift-backed table needs the Redshift connector")
    return ctx.parse(_catalog_write(ctx, args.get("frame"), args.get("database"), args.get("table_name"), partition))


def _file_write(ctx: Context, frame, fmt: str, path_node, partition, format_items, mode: str = "append") -> str:
    target = "delta" if ctx.settings.s3_writes == "delta" else FILE_FORMATS[fmt]
    code = f"{ctx.receiver(frame)}.write.mode({py(mode)}).format({py(target)}){_partition(ctx, partition)}"
    mapping = WRITE_OPTIONS.get(fmt, {})
    given = set()
    for key, value in format_items:
        spark = mapping.get(key, key)
        if key in ("useGlueParquetWriter", "blockSize", "pageSize"):
            continue  # Glue writer tuning, no effect on the data
        if target == "delta" and spark != "compression":
            ctx.flag("format-option", f"format option {key!r} dropped for the Delta write")
            continue
        given.add(spark)
        code += f".option({py(spark)}, {ctx.code(value)})"
    if target == "csv" and "header" not in given:
        code += '.option("header", True)'  # Glue's CSV writer writes a header unless writeHeader is false
    return code + f".save({_path_code(ctx, path_node)})"


def _jdbc_write(ctx: Context, frame, items) -> str:
    return f"{ctx.receiver(frame)}.write.mode(\"append\").format(\"jdbc\"){jdbc_option_calls(ctx, items)}.save()"


def write_from_options(ctx: Context, original: cst.Call, updated: cst.Call):
    args = bind(updated, OPTIONS_PARAMS, {"frame_or_dfc": "frame"})
    unknown = args.unknown({"frame", "connection_type", "connection_options", "format", "format_options",
                            "transformation_ctx"})
    connection_type = literal_or(args.get("connection_type"))
    if args.star or unknown or "frame" not in args or connection_type is None:
        ctx.flag("options-write", "write_dynamic_frame.from_options with unusual arguments: convert by hand")
        return None
    options = _dict_items(ctx, args.get("connection_options"), "connection_options")
    if options is None:
        return None
    if connection_type in JDBC_TYPES:
        return ctx.parse(_jdbc_write(ctx, args.get("frame"), options))
    if connection_type != "s3":
        ctx.flag("options-write", f"connection_type {connection_type!r} is not converted: write with the matching "
                                  "Databricks connector")
        return None
    fmt = literal_or(args.get("format"))
    format_items = _dict_items(ctx, args.get("format_options"), "format_options")
    values = dict(options)
    if fmt not in FILE_FORMATS or format_items is None or "path" not in values:
        ctx.flag("options-write", f"S3 write with format {fmt!r} or without a 'path': convert by hand")
        return None
    for key in values:
        if key not in ("path", "partitionKeys", "compression"):
            ctx.flag("options-write", f"connection option {key!r} of the S3 write is not carried over: check it")
    if "compression" in values:
        format_items = list(format_items) + [("compression", values["compression"])]
    # A purge of this path right before (retention 0) made the write replace the folder's files: an overwrite.
    mode = "overwrite" if normal(literal_or(values["path"])) in ctx.overwritten_paths() else "append"
    return ctx.parse(_file_write(ctx, args.get("frame"), fmt, values["path"], values.get("partitionKeys"),
                                 format_items, mode))


def write_from_jdbc_conf(ctx: Context, original: cst.Call, updated: cst.Call):
    args = bind(updated, JDBC_CONF_PARAMS, {"frame_or_dfc": "frame"})
    if args.star or args.unknown({"frame", "catalog_connection", "connection_options", "transformation_ctx",
                                  "redshift_tmp_dir"}) or "frame" not in args or "catalog_connection" not in args:
        ctx.flag("jdbc-write", "from_jdbc_conf with unusual arguments: convert by hand to a JDBC write")
        return None
    items = _dict_items(ctx, args.get("connection_options"), "connection_options")
    if items is None:
        return None
    connection = literal_or(args.get("catalog_connection"))
    key = f"{connection}" if isinstance(connection, str) else "CONNECTION"
    secret = lambda part: f"dbutils.secrets.get(scope={py(SECRET_SCOPE)}, key={py(key + '-' + part)})"  # noqa: E731
    code = (f"{ctx.receiver(args.get('frame'))}.write.mode(\"append\").format(\"jdbc\")"
            f".option(\"url\", {secret('url')}).option(\"user\", {secret('user')})"
            f".option(\"password\", {secret('password')})")
    for option, value in items:
        if option == "database":
            continue
        code += f".option({py(option)}, {ctx.code(value)})"
    database = dict(items).get("database")
    where = f" for database {ctx.code(database)}" if database is not None else ""
    ctx.flag("jdbc-credentials", f"the Glue connection {key!r} becomes secrets '{key}-url/-user/-password' in scope "
                                 f"'{SECRET_SCOPE}': create them (the url{where})")
    if "redshift_tmp_dir" in args:
        ctx.flag("jdbc-redshift", "redshift_tmp_dir: consider the Databricks Redshift connector with a tempdir")
    return ctx.parse(code + ".save()")


# ---------------------------------------------------------------- getSink chains
@dataclass
class Sink:
    args: Args
    catalog: tuple | None = None
    fmt: cst.BaseExpression | None = None
    format_options: cst.BaseExpression | None = None
    convertible: bool = True
    statements: list = field(default_factory=list)


SINK_KEYS = {"connection_type", "path", "enableUpdateCatalog", "updateBehavior", "partitionKeys",
             "transformation_ctx", "compression"}


class SinkFinder(cst.CSTVisitor):
    """Finds ``sink = glue.getSink(...)`` and the setCatalogInfo / setFormat / writeFrame calls on it."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.sinks: dict[str, Sink] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        name = single_target(node)
        value = node.value
        if (name and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
                and value.func.attr.value == "getSink" and self.ctx.roles.is_glue(value.func.value)):
            args = bind(value, ("connection_type",))
            sink = Sink(args)
            sink.convertible = not args.star and not args.unknown(SINK_KEYS)
            self.sinks[name] = sink

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute) or not isinstance(node.func.value, cst.Name):
            return
        sink = self.sinks.get(node.func.value.value)
        if sink is None:
            return
        method = node.func.attr.value
        if method == "setCatalogInfo":
            args = bind(node, ("catalogDatabase", "catalogTableName", "catalogId"))
            if "catalogId" in args or not {"catalogDatabase", "catalogTableName"} <= set(args.values):
                sink.convertible = False
            sink.catalog = (args.get("catalogDatabase"), args.get("catalogTableName"))
        elif method == "setFormat":
            args = bind(node, ("format",))
            sink.fmt = args.get("format")
            if len(args.values) > 1:
                sink.convertible = False
        elif method != "writeFrame":
            sink.convertible = False


def sink_write(ctx: Context, sink: Sink, frame: cst.BaseExpression) -> str | None:
    values = sink.args.values
    if sink.catalog is not None:
        return _catalog_write(ctx, frame, sink.catalog[0], sink.catalog[1], values.get("partitionKeys"))
    fmt = literal_or(sink.fmt)
    connection = literal_or(values.get("connection_type"))
    if connection != "s3" or fmt not in FILE_FORMATS or "path" not in values:
        return None
    items = [("compression", values["compression"])] if "compression" in values else []
    return _file_write(ctx, frame, fmt, values["path"], values.get("partitionKeys"), items)


HANDLERS = {
    "write_dynamic_frame.from_catalog": write_from_catalog,
    "write_dynamic_frame.from_options": write_from_options,
    "write_dynamic_frame.from_jdbc_conf": write_from_jdbc_conf,
}

__all__ = ["HANDLERS", "SinkFinder", "sink_write", "dotted"]
