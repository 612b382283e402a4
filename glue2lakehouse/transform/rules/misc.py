"""The logger, purges, SQL strings, collections and other GlueContext methods."""

from __future__ import annotations

import re

import libcst as cst

from glue2lakehouse.transform.context import Context, bind, literal, literal_or, py
from glue2lakehouse.transform.edits import REMOVED
from glue2lakehouse.transform.purges import normal
from glue2lakehouse.transform.sqlnames import tables as plain_query_tables

_QUALIFIED = r"(?<![\w.`])(`?){db}\1\.(`?){table}\2(?![\w`])"


def get_logger(ctx: Context, original: cst.Call, updated: cst.Call):
    ctx.imports.add("logging")
    return ctx.parse("logging.getLogger(__name__)")


def logger_warn(ctx: Context, original: cst.Call, updated: cst.Call):
    return updated.with_changes(func=updated.func.with_changes(attr=cst.Name("warning")))


def purge_s3_path(ctx: Context, original: cst.Call, updated: cst.Call):
    """A purge (retention 0) right before a write to the same path goes: that write becomes an overwrite (purges.py)."""
    args = bind(updated, ("s3_path", "options", "transformation_ctx"))
    if not args.star and not args.unknown({"s3_path", "options", "transformation_ctx"}) \
            and normal(literal_or(args.get("s3_path"))) in ctx.overwritten_paths():
        return cst.Name(REMOVED)   # the statement goes, its comments stay with the write below
    options = literal_or(args.get("options"), {}) if "options" in args else {}
    retention = options.get("retentionPeriod", 168) if isinstance(options, dict) else None
    kept = "" if retention in (0, "0") else (" and keeps the files younger than retentionPeriod hours (168 when not "
                                             "given): delete by modification time to keep them")
    ctx.flag("purge", f"purge_s3_path deletes files under the prefix (usually to overwrite){kept}: on Databricks write "
                      "with mode(\"overwrite\"), or dbutils.fs.rm(path, True) for files; remove this call")
    return None


def purge_table(ctx: Context, original: cst.Call, updated: cst.Call):
    """purge_table with retentionPeriod 0 empties the table: TRUNCATE TABLE (Glue's default keeps 7 days: flagged)."""
    args = bind(updated, ("database", "table_name", "options", "transformation_ctx", "catalog_id"))
    options = args.get("options")
    try:
        retention = literal(options).get("retentionPeriod") if options is not None else None
    except (ValueError, AttributeError):
        retention = None
    if (args.star or args.unknown({"database", "table_name", "options", "transformation_ctx"})
            or "database" not in args or "table_name" not in args or retention != 0):
        ctx.flag("purge", "purge_table deletes a catalog table's files older than retentionPeriod (default 168 hours):"
                          " on Unity Catalog use TRUNCATE TABLE, DELETE with a time condition, or a write with "
                          "mode(\"overwrite\"); remove this call")
        return None
    session = ctx.session(original.func.value)
    return ctx.parse(f"{session}.sql({_prefixed('TRUNCATE TABLE ', ctx.table_name_code(args.get('database'), args.get('table_name')))})")


def _prefixed(prefix: str, name_code: str) -> str:
    """A string literal or f-string of a table name with text in front: 'TRUNCATE TABLE main.db.t'."""
    if name_code.startswith(("f\"", "f'", "\"", "'")):
        quote_at = 1 if name_code.startswith("f") else 0
        return name_code[:quote_at + 1] + prefix + name_code[quote_at + 1:]
    return f"{py(prefix)} + {name_code}"


def table_names(ctx: Context, original: cst.Call, updated: cst.Call):
    """tableNames(database): the names of the schema's tables in Unity Catalog."""
    args = bind(updated, ("database", "catalog_id"))
    if args.star or "database" not in args or args.unknown({"database"}):
        ctx.flag("glue-context", "tableNames with unusual arguments: use spark.catalog.listTables(\"<catalog>.<schema>\")")
        return None
    session = ctx.session(original.func.value)
    try:
        database = literal(args.get("database"))
    except ValueError:
        database = None
    if isinstance(database, str):
        schema = py(f"{ctx.settings.catalog}.{ctx.settings.schema(database)}")
    else:
        schema = f"f\"{ctx.settings.catalog}.{{{ctx.code(args.get('database'))}}}\""
    return ctx.parse(f"[listed.name for listed in {session}.catalog.listTables({schema})]")


def extract_jdbc_conf(ctx: Context, original: cst.Call, updated: cst.Call):
    """extract_jdbc_conf(connection): the connection's url, user and password, from a secret scope."""
    from glue2lakehouse.transform.rules.writers import SECRET_SCOPE

    args = bind(updated, ("connection_name", "catalog_id"))
    connection = literal_or(args.get("connection_name"))
    if args.star or not isinstance(connection, str) or args.unknown({"connection_name"}):
        ctx.flag("jdbc-credentials", "extract_jdbc_conf of a connection not known when converting: read url, user "
                                     "and password from a secret scope (dbutils.secrets.get)")
        return None
    secret = lambda part: f"dbutils.secrets.get(scope={py(SECRET_SCOPE)}, key={py(connection + '-' + part)})"  # noqa: E731
    ctx.flag("jdbc-credentials", f"the Glue connection {connection!r} becomes secrets '{connection}-url/-user/-password'"
                                 f" in scope '{SECRET_SCOPE}': create them (other keys of Glue's answer, such as "
                                 "'vendor' or 'fullUrl', are not there)")
    entries = "".join(f"    {py(part)}: {secret(part)},\n" for part in ("url", "user", "password"))
    return ctx.parse("{\n" + entries + "}")


def glue_method(ctx: Context, original: cst.Call, updated: cst.Call):
    method = original.func.attr.value
    ctx.flag("glue-context", f"GlueContext.{method} has no Databricks equivalent converted here: replace it")
    return None


def spark_sql(ctx: Context, original: cst.Call, updated: cst.Call):
    args = bind(updated, ("sqlQuery", "args"))
    query = args.get("sqlQuery")
    if query is None or args.star:
        return None
    if _qualified_truncate(ctx, query):
        return None  # what purge_table became: the table name is already <catalog>.<schema>.<table>
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


def _qualified_truncate(ctx: Context, query: cst.BaseExpression) -> bool:
    """f"TRUNCATE TABLE <catalog>.{schema}.{table}" (with names or placeholders): qualified already."""
    if not isinstance(query, cst.FormattedString):
        return False
    static = "".join(part.value if isinstance(part, cst.FormattedStringText) else "{}" for part in query.parts)
    name = r"(?:\{\}|[A-Za-z_][\w]*)"
    return re.fullmatch(rf"TRUNCATE TABLE {re.escape(ctx.settings.catalog)}\.{name}\.{name}", static) is not None


def qualify_sql(text: str, ctx: Context) -> str | None:
    """Prefix '<database>.<table>' references with the catalog (and mapped schema); None if unparsable."""
    tables = plain_query_tables(text)  # a plain SELECT, read without loading sqlglot
    if tables is None:
        tables = _sqlglot_tables(text, ctx)
        if tables is None:
            return None
    for db, table in sorted(tables):
        pattern = re.compile(_QUALIFIED.format(db=re.escape(db), table=re.escape(table)))
        replacement = f"{ctx.settings.catalog}.{ctx.settings.schema(db)}.{table}"
        text = pattern.sub(lambda m, r=replacement: _keep_quotes(m, r), text)
    return text


def _sqlglot_tables(text: str, ctx: Context) -> set[tuple[str, str]] | None:
    """The (database, table) references without a catalog, as sqlglot reads any SQL; None (flagged) if it cannot."""
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
    return tables


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
    "glue.tableNames": table_names,
    "glue.extract_jdbc_conf": extract_jdbc_conf,
    "glue.*": glue_method,
    "logger.warn": logger_warn,
    "spark.sql": spark_sql,
}
