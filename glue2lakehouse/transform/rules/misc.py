"""The logger, purges, SQL strings, collections and other GlueContext methods."""

from __future__ import annotations

import re

import libcst as cst

from glue2lakehouse.transform.context import Context, bind, literal, py

_QUALIFIED = r"(?<![\w.`])(`?){db}\1\.(`?){table}\2(?![\w`])"


def get_logger(ctx: Context, original: cst.Call, updated: cst.Call):
    ctx.imports.add("logging")
    return ctx.parse("logging.getLogger(__name__)")


def logger_warn(ctx: Context, original: cst.Call, updated: cst.Call):
    return updated.with_changes(func=updated.func.with_changes(attr=cst.Name("warning")))


def purge_s3_path(ctx: Context, original: cst.Call, updated: cst.Call):
    ctx.flag("purge", "purge_s3_path deletes files under the prefix (usually to overwrite): on Databricks write with "
                      "mode(\"overwrite\"), or dbutils.fs.rm(path, True) for files; remove this call")
    return None


def purge_table(ctx: Context, original: cst.Call, updated: cst.Call):
    ctx.flag("purge", "purge_table deletes a catalog table's files (usually to overwrite): on Unity Catalog use "
                      "TRUNCATE TABLE or a write with mode(\"overwrite\"); remove this call")
    return None


def glue_method(ctx: Context, original: cst.Call, updated: cst.Call):
    method = original.func.attr.value
    ctx.flag("glue-context", f"GlueContext.{method} has no Databricks equivalent converted here: replace it")
    return None


def spark_sql(ctx: Context, original: cst.Call, updated: cst.Call):
    args = bind(updated, ("sqlQuery", "args"))
    query = args.get("sqlQuery")
    if query is None or args.star:
        return None
    try:
        text = literal(query)
    except ValueError:
        ctx.flag("dynamic-sql", "SQL built at run time: qualify its table names with the catalog "
                                f"({ctx.settings.catalog}.<schema>.<table>) by hand")
        return None
    if not isinstance(text, str):
        return None
    new = qualify_sql(text, ctx)
    if new is None or new == text:
        return None
    if not isinstance(query, cst.SimpleString):
        ctx.flag("sql", "SQL in a concatenated string: qualify its table names by hand")
        return None
    quote = query.quote
    prefix = query.prefix
    body = new
    if "r" not in prefix.lower():
        body = body.replace("\\", "\\\\")
    if len(quote) == 1:
        body = body.replace(quote, "\\" + quote)
    elif body.endswith(quote[0]):
        body = body[:-1] + "\\" + quote[0]
    new_string = cst.SimpleString(f"{prefix}{quote}{body}{quote}")
    arg_index = next(i for i, a in enumerate(updated.args) if a.value is query)
    new_args = list(updated.args)
    new_args[arg_index] = new_args[arg_index].with_changes(value=new_string)
    return updated.with_changes(args=new_args)


def qualify_sql(text: str, ctx: Context) -> str | None:
    """Prefix '<database>.<table>' references with the catalog (and mapped schema); None if unparsable."""
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:  # pragma: no cover - sqlglot is a dependency
        return None
    try:
        statements = sqlglot.parse(text, read="spark")
    except sqlglot.errors.ParseError:
        ctx.flag("sql", "SQL that sqlglot cannot parse: qualify its table names with the catalog by hand")
        return None
    tables = set()
    for statement in statements:
        if statement is None:
            continue
        for table in statement.find_all(exp.Table):
            if table.db and not table.catalog:
                tables.add((table.db, table.name))
    for db, table in sorted(tables):
        pattern = re.compile(_QUALIFIED.format(db=re.escape(db), table=re.escape(table)))
        replacement = f"{ctx.settings.catalog}.{ctx.settings.schema(db)}.{table}"
        text = pattern.sub(lambda m, r=replacement: _keep_quotes(m, r), text)
    return text


def _keep_quotes(match: re.Match, replacement: str) -> str:
    if match.group(1) or match.group(2):
        return ".".join(f"`{part}`" for part in replacement.split("."))
    return replacement


_TWO_PART = re.compile(r"^`?([A-Za-z_][A-Za-z0-9_]*)`?\.`?([A-Za-z_][A-Za-z0-9_]*)`?$")


def table_name(ctx: Context, original: cst.Call, updated: cst.Call):
    """'<db>.<table>' given to saveAsTable / insertInto / table: the same table in the catalog."""
    if not updated.args or updated.args[0].keyword is not None:
        return None
    node = updated.args[0].value
    if not isinstance(node, cst.SimpleString):
        return None
    value = literal(node)
    match = _TWO_PART.match(value) if isinstance(value, str) else None
    if not match:
        return None
    qualified = ctx.settings.table(match.group(1), match.group(2))
    args = list(updated.args)
    args[0] = args[0].with_changes(value=cst.SimpleString(py(qualified)))
    return updated.with_changes(args=args)


HANDLERS = {
    "writer.saveAsTable": table_name,
    "writer.insertInto": table_name,
    "spark.table": table_name,
    "glue.get_logger": get_logger,
    "glue.purge_s3_path": purge_s3_path,
    "glue.purge_table": purge_table,
    "glue.*": glue_method,
    "logger.warn": logger_warn,
    "spark.sql": spark_sql,
}
