"""Hive / Athena DDL -> Unity Catalog DDL, one file in, one file out.

Each statement of a ``.sql`` / ``.hql`` / ``.ddl`` file is converted on its own and
written in the same order:

- ``CREATE DATABASE|SCHEMA`` -> ``CREATE SCHEMA IF NOT EXISTS <catalog>.<schema>``;
- ``CREATE [EXTERNAL] TABLE`` -> a managed Delta table (``[ddl] tables = "managed"``, the
  default) or an external table at the mapped location (``"external"``) in the data
  source format its SerDe / input format names; columns, types, comments and
  partition columns kept (Hive declares partition columns apart; Spark lists them
  last among the columns, as Hive's schema does);
- ``CREATE VIEW`` and any other statement -> sqlglot (hive -> databricks), table names
  qualified with the catalog and the mapped schema;
- ``MSCK REPAIR TABLE`` and ``ALTER TABLE ... ADD PARTITION``: dropped for Delta (its
  log knows its files), kept for external tables.

Rules are tables (``FORMATS``, ``SERDES``, ``GLUE_PROPERTIES``); whatever is dropped is
reported. Nothing here raises on bad input: a statement that cannot be read is kept
as it was, with a ``-- G2L-REVIEW:`` comment and a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.estate.model import Issue

# STORED AS <name> -> data source format
FORMATS = {"PARQUET": "parquet", "ORC": "orc", "AVRO": "avro", "TEXTFILE": "csv", "JSONFILE": "json",
           "ION": None, "SEQUENCEFILE": None, "RCFILE": None}
# SerDe or input format class -> data source format
SERDES = {
    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe": "parquet",
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat": "parquet",
    "org.apache.hadoop.hive.ql.io.orc.OrcSerde": "orc",
    "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat": "orc",
    "org.apache.hadoop.hive.serde2.avro.AvroSerDe": "avro",
    "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat": "avro",
    "org.openx.data.jsonserde.JsonSerDe": "json",
    "org.apache.hive.hcatalog.data.JsonSerDe": "json",
    "org.apache.hadoop.hive.serde2.JsonSerDe": "json",
    "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe": "csv",
    "org.apache.hadoop.hive.serde2.OpenCSVSerde": "csv",
    "org.apache.hadoop.mapred.TextInputFormat": "csv",
}
# Serde / delimiter properties -> Spark CSV options
CSV_OPTIONS = {"field.delim": "sep", "separatorChar": "sep", "quoteChar": "quote", "escapeChar": "escape",
               "escape.delim": "escape", "serialization.null.format": "nullValue", "line.delim": "lineSep"}
# Table properties that only mean something to Glue, Athena or Hive: dropped, listed in a finding.
GLUE_PROPERTIES = {"classification", "has_encrypted_data", "areColumnsQuoted", "typeOfData", "compressionType",
                   "averageRecordSize", "objectCount", "recordCount", "sizeKey", "CrawlerSchemaDeserializerVersion",
                   "CrawlerSchemaSerializerVersion", "UPDATED_BY_CRAWLER", "EXTERNAL", "transient_lastDdlTime",
                   "skip.header.line.count", "columnsOrdered", "delimiter", "exclusions", "storage.location.template",
                   "parquet.compression", "orc.compress", "write.compression", "numFiles", "numRows", "totalSize",
                   "rawDataSize", "COLUMN_STATS_ACCURATE", "last_modified_by", "last_modified_time"}
GLUE_PROPERTY_PREFIXES = ("projection.", "spark.sql.sources.", "presto_", "trino_")
STATEMENT_RULE = "ddl-statement"


@dataclass
class Table:
    database: str | None
    name: str
    external: bool = False
    if_not_exists: bool = False
    columns: list[tuple[str, str, str | None]] = field(default_factory=list)      # name, type, comment
    partitions: list[tuple[str, str, str | None]] = field(default_factory=list)
    comment: str | None = None
    serde: str | None = None
    serde_properties: dict[str, str] = field(default_factory=dict)
    delimited: dict[str, str] = field(default_factory=dict)
    stored_as: str | None = None
    input_format: str | None = None
    location: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)                   # clauses with no Unity Catalog equivalent


class DDLError(ValueError):
    pass


# ---- lexical helpers

def _tokens(text: str, start: int = 0, comments: bool = True):
    """(index, kind, piece) from ``text[start:]``: a quoted string or name (quotes included, backslash escapes),
    a "--" or "/* */" comment (when ``comments``), or one character of code."""
    index = start
    while index < len(text):
        char = text[index]
        if char in "'\"`":
            end = index + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            end = min(end + 1, len(text))
            yield index, "quoted", text[index:end]
        elif comments and text.startswith("--", index):
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            yield index, "line-comment", text[index:end]
        elif comments and text.startswith("/*", index):
            end = text.find("*/", index + 2)
            end = len(text) if end < 0 else end + 2
            yield index, "block-comment", text[index:end]
        else:
            end = index + 1
            yield index, "code", char
        index = end


def split_statements(text: str) -> list[tuple[int, str]]:
    """(line, statement) for each ';'-separated statement; comments stay with their statement."""
    out, start = [], 0
    for index, kind, piece in _tokens(text):
        if kind == "code" and piece == ";":
            out.append((start, text[start:index]))
            start = index + 1
    if text[start:].strip():
        out.append((start, text[start:]))
    result = []
    for offset, statement in out:
        if not strip_comments(statement).strip():
            continue
        body = strip_comments(statement)
        leading = len(body) - len(body.lstrip())
        first = statement.find(body.lstrip()[:20]) if body.strip() else leading
        result.append((text.count("\n", 0, offset + max(first, 0)) + 1, statement.strip()))
    return result


def strip_comments(text: str) -> str:
    """The text without its comments (a block comment leaves a space, a line comment its line break)."""
    return "".join(" " if kind == "block-comment" else "" if kind == "line-comment" else piece
                   for _, kind, piece in _tokens(text))


def _string(text: str, index: int) -> tuple[str, int]:
    """A quoted Hive string at text[index:] -> (value, index after it)."""
    if index >= len(text) or text[index] not in "'\"":
        raise DDLError("a quoted string expected")
    quote = text[index]
    out, index = [], index + 1
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[index + 2:index + 6] or ""):
                out.append(chr(int(text[index + 2:index + 6], 16)))
                index += 6
                continue
            if following.isdigit() and re.fullmatch(r"[0-7]{3}", text[index + 1:index + 4] or ""):
                out.append(chr(int(text[index + 1:index + 4], 8)))
                index += 4
                continue
            out.append(escapes.get(following, following))
            index += 2
            continue
        if char == quote:
            return "".join(out), index + 1
        out.append(char)
        index += 1
    raise DDLError("a string is not closed")


def _balanced(text: str, index: int) -> tuple[str, int]:
    """The text inside the parentheses opening at text[index] -> (inside, index after ')')."""
    if index >= len(text) or text[index] != "(":
        raise DDLError("'(' expected")
    depth = 0
    for position, kind, piece in _tokens(text, index, comments=False):
        if kind == "code" and piece == "(":
            depth += 1
        elif kind == "code" and piece == ")":
            depth -= 1
            if depth == 0:
                return text[index + 1:position], position + 1
    raise DDLError("a '(' is not closed")


def _split_top(text: str, separator: str = ",") -> list[str]:
    parts, depth, current = [], 0, []
    for _, kind, piece in _tokens(text, comments=False):
        if kind == "code" and piece in "(<[":
            depth += 1
        elif kind == "code" and piece in ")>]":
            depth -= 1
        elif kind == "code" and piece == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(piece)
    if "".join(current).strip():
        parts.append("".join(current))
    return [p.strip() for p in parts]


def _name(text: str) -> str:
    text = text.strip()
    return text[1:-1].replace("``", "`") if text.startswith("`") and text.endswith("`") else text


def _qualified(text: str) -> tuple[str | None, str]:
    parts = [_name(p) for p in re.findall(r"`[^`]*`|[^.\s]+", text.strip())]
    if len(parts) == 1:
        return None, parts[0]
    return parts[-2], parts[-1]


def _pairs(inside: str) -> dict[str, str]:
    out = {}
    for item in _split_top(inside):
        if not item:
            continue
        key, index = _string(item, 0) if item[0] in "'\"" else (item.split("=")[0].strip(), item.index("="))
        rest = item[index:].lstrip()
        if not rest.startswith("="):
            raise DDLError(f"'=' expected in {item!r}")
        rest = rest[1:].lstrip()
        value, _ = _string(rest, 0) if rest[:1] in ("'", '"') else (rest, 0)
        out[key] = value
    return out


def sql_string(value: str) -> str:
    """A Spark SQL string literal (backslash escapes; other control characters as \\uXXXX)."""
    text = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
    return "'" + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group(0)):04x}", text) + "'"


def quote_name(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else "`" + name.replace("`", "``") + "`"


def databricks_type(hive_type: str) -> str:
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        return sqlglot.parse_one(f"CAST(x AS {hive_type})", read="hive").to.sql("databricks")
    except (SqlglotError, AttributeError):
        raise DDLError(f"type {hive_type!r} is not a Hive type sqlglot reads") from None


def _columns(inside: str) -> list[tuple[str, str, str | None]]:
    out = []
    for item in _split_top(inside):
        match = re.match(r"(`[^`]*`|[^\s`]+)\s+(.*)$", item, re.DOTALL)
        if not match:
            raise DDLError(f"column {item!r} has no type")
        name, rest = _name(match.group(1)), match.group(2).strip()
        comment = None
        found = re.search(r"\s+COMMENT\s+(['\"])", rest, re.IGNORECASE)
        if found:
            comment, _ = _string(rest, found.start(1))
            rest = rest[:found.start()].strip()
        out.append((name, databricks_type(rest), comment))
    return out


# ---- CREATE TABLE parsing

_CREATE_TABLE = re.compile(r"CREATE\s+(EXTERNAL\s+)?TABLE\s+(IF\s+NOT\s+EXISTS\s+)?((?:`[^`]*`|[\w$]+)(?:\s*\.\s*(?:`[^`]*`|[\w$]+))?)\s*",
                           re.IGNORECASE)
_CLAUSE = re.compile(r"(COMMENT|PARTITIONED\s+BY|CLUSTERED\s+BY|SORTED\s+BY|SKEWED\s+BY|ROW\s+FORMAT\s+SERDE|"
                     r"ROW\s+FORMAT\s+DELIMITED|WITH\s+SERDEPROPERTIES|STORED\s+AS\s+INPUTFORMAT|STORED\s+AS|STORED\s+BY|"
                     r"LOCATION|TBLPROPERTIES|INTO\s+\d+\s+BUCKETS|OUTPUTFORMAT|STORED\s+AS\s+DIRECTORIES)\b\s*",
                     re.IGNORECASE)
_DELIMITED = re.compile(r"(FIELDS\s+TERMINATED\s+BY|ESCAPED\s+BY|COLLECTION\s+ITEMS\s+TERMINATED\s+BY|"
                        r"MAP\s+KEYS\s+TERMINATED\s+BY|LINES\s+TERMINATED\s+BY|NULL\s+DEFINED\s+AS)\s*", re.IGNORECASE)


def parse_create_table(statement: str) -> Table | None:
    """A CREATE [EXTERNAL] TABLE with a column list, or None for other statements (CTAS, LIKE)."""
    text = strip_comments(statement).strip()
    match = _CREATE_TABLE.match(text)
    if not match:
        return None
    index = match.end()
    if index >= len(text) or text[index] != "(":
        return None
    database, name = _qualified(match.group(3))
    table = Table(database, name, external=bool(match.group(1)), if_not_exists=bool(match.group(2)))
    inside, index = _balanced(text, index)
    table.columns = _columns(inside)
    while True:
        rest = text[index:].lstrip()
        index = len(text) - len(rest)
        if not rest:
            return table
        clause = _CLAUSE.match(rest)
        if not clause:
            raise DDLError(f"cannot read the clause at {rest[:40]!r}")
        keyword = re.sub(r"\s+", " ", clause.group(1).upper())
        index += clause.end()
        if keyword == "COMMENT":
            table.comment, index = _string(text, index)
        elif keyword == "PARTITIONED BY":
            inside, index = _balanced(text, index)
            if all(re.fullmatch(r"`?[\w$]+`?", part) for part in _split_top(inside)):
                raise DDLError("PARTITIONED BY without types (a CTAS form) is not converted")
            table.partitions = _columns(inside)
        elif keyword in ("CLUSTERED BY", "SORTED BY", "SKEWED BY"):
            inside, index = _balanced(text, index)
            table.dropped.append(f"{keyword} ({inside.strip()})")
            if keyword == "SKEWED BY":
                rest = text[index:]
                on = re.match(r"\s*ON\s*", rest, re.IGNORECASE)
                if on:
                    _, index = _balanced(text, index + on.end())
        elif keyword.startswith("INTO "):
            table.dropped.append(keyword)
        elif keyword == "STORED AS DIRECTORIES":
            table.dropped.append(keyword)
        elif keyword == "ROW FORMAT SERDE":
            table.serde, index = _string(text, index)
        elif keyword == "WITH SERDEPROPERTIES":
            inside, index = _balanced(text, index)
            table.serde_properties.update(_pairs(inside))
        elif keyword == "ROW FORMAT DELIMITED":
            while True:
                part = _DELIMITED.match(text[index:].lstrip())
                if not part:
                    break
                index = len(text) - len(text[index:].lstrip()) + part.end()
                value, index = _string(text, index)
                table.delimited[re.sub(r"\s+", " ", part.group(1).upper())] = value
        elif keyword in ("STORED AS INPUTFORMAT",):
            table.input_format, index = _string(text, index)
        elif keyword == "OUTPUTFORMAT":
            _, index = _string(text, index)
        elif keyword == "STORED AS":
            word = re.match(r"\w+", text[index:])
            if not word:
                raise DDLError("STORED AS without a format")
            table.stored_as = word.group(0).upper()
            index += word.end()
        elif keyword == "STORED BY":
            handler, index = _string(text, index)
            table.dropped.append(f"STORED BY '{handler}'")
            table.stored_as = "HANDLER"
        elif keyword == "LOCATION":
            table.location, index = _string(text, index)
        elif keyword == "TBLPROPERTIES":
            inside, index = _balanced(text, index)
            table.properties.update(_pairs(inside))


# ---- conversion

class _Converter:
    def __init__(self, path: str, transform: TransformSettings, settings: EstateSettings):
        self.path = path
        self.transform = transform
        self.settings = settings
        self.issues: list[Issue] = []
        self.database = "default"                  # USE <db> changes it
        self.line = 1

    def issue(self, rule: str, message: str) -> None:
        self.issues.append(Issue(self.path, self.line, rule, message))

    def name(self, database: str | None, table: str) -> str:
        schema = self.transform.schema(database or self.database)
        return ".".join(quote_name(p) for p in (self.transform.catalog, schema, table))

    def statement(self, statement: str) -> str | None:
        text = strip_comments(statement).strip()
        head = re.sub(r"\s+", " ", text[:60]).upper()
        if re.match(r"CREATE (DATABASE|SCHEMA)\b", head):
            return self.schema(text)
        if re.match(r"CREATE (EXTERNAL )?TABLE\b", head):
            table = parse_create_table(statement)
            if table is not None:
                return self.table(table)
        if head.startswith("MSCK REPAIR TABLE"):
            return self.partitions(text, "MSCK REPAIR TABLE")
        if re.match(r"ALTER TABLE \S+ (ADD|DROP)( IF (NOT )?EXISTS)? PARTITION", head) or \
                re.match(r"ALTER TABLE `[^`]*`(\.`[^`]*`)? (ADD|DROP)", head):
            return self.partitions(text, "ALTER TABLE ... PARTITION")
        if re.match(r"USE\s+(`[^`]*`|\w+)\s*$", text, re.IGNORECASE):
            self.database = _name(text.split(None, 1)[1])
            return f"USE {self.transform.catalog}.{quote_name(self.transform.schema(self.database))}"
        return self.generic(text)

    def schema(self, text: str) -> str:
        match = re.match(r"CREATE\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?(`[^`]*`|[\w$]+)\s*(.*)$", text,
                         re.IGNORECASE | re.DOTALL)
        if not match:
            raise DDLError("cannot read the database name")
        database, rest = _name(match.group(1)), match.group(2)
        out = f"CREATE SCHEMA IF NOT EXISTS {quote_name(self.transform.catalog)}.{quote_name(self.transform.schema(database))}"
        comment = re.search(r"COMMENT\s+(['\"])", rest, re.IGNORECASE)
        if comment:
            out += f"\nCOMMENT {sql_string(_string(rest, comment.start(1))[0])}"
        dropped = [word for word in ("LOCATION", "WITH DBPROPERTIES") if re.search(word.replace(" ", r"\s+"), rest,
                                                                                   re.IGNORECASE)]
        if dropped:
            self.issue("ddl-schema", f"database {database}: {' and '.join(dropped)} dropped (a Unity Catalog schema "
                                     "keeps its tables in the catalog's managed storage; set MANAGED LOCATION by hand "
                                     "if it needs its own)")
        return out

    def source_format(self, table: Table) -> str | None:
        if table.stored_as == "HANDLER":
            return None
        for cls in (table.serde, table.input_format):
            if cls:
                return SERDES.get(cls)
        if table.stored_as:
            return FORMATS.get(table.stored_as)
        return "csv"        # Hive's default: text files, fields separated by \001

    def csv_options(self, table: Table) -> dict[str, str]:
        options: dict[str, str] = {}
        if table.serde is None and table.input_format is None and not table.delimited:
            options["sep"] = "\u0001"
        delimited = {"FIELDS TERMINATED BY": "sep", "ESCAPED BY": "escape", "LINES TERMINATED BY": "lineSep",
                     "NULL DEFINED AS": "nullValue"}
        for key, value in table.delimited.items():
            if key in delimited:
                options[delimited[key]] = value
            else:
                self.issue("ddl-table", f"table {table.name}: {key} {value!r} has no CSV equivalent: dropped")
        for key, value in table.serde_properties.items():
            if key in CSV_OPTIONS:
                options[CSV_OPTIONS[key]] = value
        if table.properties.get("skip.header.line.count", "0") not in ("0", ""):
            options["header"] = "true"
            if table.properties["skip.header.line.count"] != "1":
                self.issue("ddl-table", f"table {table.name}: skip.header.line.count = "
                                        f"{table.properties['skip.header.line.count']}: Spark skips one header line")
        if table.serde == "org.apache.hadoop.hive.serde2.OpenCSVSerde":
            self.issue("ddl-table", f"table {table.name}: OpenCSVSerde reads every column as a string; Spark casts "
                                    "to the declared types (values that do not cast become null)")
        return dict(sorted(options.items()))

    def table(self, table: Table) -> str:
        fmt = self.source_format(table)
        external = self.settings.tables == "external"
        kept, dropped = {}, []
        for key, value in table.properties.items():
            if key == "skip.header.line.count" and external and fmt == "csv":
                continue                    # the CSV header option
            if key in GLUE_PROPERTIES or key.startswith(GLUE_PROPERTY_PREFIXES) or key == "table_type":
                dropped.append(key)
            else:
                kept[key] = value
        if table.properties.get("table_type", "").upper() in ("ICEBERG", "HUDI") or \
                table.properties.get("projection.enabled", "").lower() == "true":
            self.issue("ddl-table", f"table {table.name}: an Iceberg / Hudi table or partition projection: "
                                    "converted as a plain table; check how it is written")
        if dropped:
            self.issue("ddl-properties", f"table {table.name}: Glue table properties dropped: "
                                         f"{', '.join(sorted(dropped))}")
        for clause in table.dropped:
            self.issue("ddl-table", f"table {table.name}: {clause} dropped (Delta has no buckets or skew hints; "
                                    "consider CLUSTER BY)")
        if fmt is None:
            what = table.serde or table.input_format or table.stored_as
            self.issue("ddl-table", f"table {table.name}: format {what} has no Spark data source: created as a "
                                    "managed Delta table; load its data by hand")
            external = False
        columns = table.columns + table.partitions
        lines = [f"CREATE TABLE IF NOT EXISTS {self.name(table.database, table.name)} ("]   # safe to run again
        for index, (name, kind, comment) in enumerate(columns):
            line = f"  {quote_name(name)} {kind}"
            if comment is not None:
                line += f" COMMENT {sql_string(comment)}"
            lines.append(line + ("," if index < len(columns) - 1 else ""))
        lines.append(")")
        if external:
            lines.append(f"USING {fmt.upper()}")
            options = self.csv_options(table) if fmt == "csv" else {}
            if options:
                lines.append("OPTIONS (" + ", ".join(f"{sql_string(k)} = {sql_string(v)}"
                                                     for k, v in options.items()) + ")")
        else:
            lines.append("USING DELTA")
        if table.partitions:
            lines.append("PARTITIONED BY (" + ", ".join(quote_name(n) for n, _, _ in table.partitions) + ")")
        if external:
            if table.location:
                lines.append(f"LOCATION {sql_string(self.transform.map_path(table.location))}")
            else:
                self.issue("ddl-table", f"table {table.name}: [ddl] tables = external but the table has no "
                                        "LOCATION: created as a managed table")
        elif table.location:
            self.issue("ddl-table", f"table {table.name}: a managed Delta table now; the data at "
                                    f"{table.location} is not moved: load it once (COPY INTO or CTAS)")
        if table.comment is not None:
            lines.append(f"COMMENT {sql_string(table.comment)}")
        if kept:
            lines.append("TBLPROPERTIES (" + ", ".join(f"{sql_string(k)} = {sql_string(v)}"
                                                       for k, v in sorted(kept.items())) + ")")
        return "\n".join(lines)

    def partitions(self, text: str, what: str) -> str | None:
        if self.settings.tables != "external":
            self.issue("ddl-partitions", f"{what} dropped: a Delta table tracks its own partitions")
            return None
        repair = re.match(r"MSCK\s+REPAIR\s+TABLE\s+((?:`[^`]*`|[\w$]+)(?:\s*\.\s*(?:`[^`]*`|[\w$]+))?)\s*(.*)$", text,
                          re.IGNORECASE | re.DOTALL)
        if repair:
            database, table = _qualified(repair.group(1))
            return f"MSCK REPAIR TABLE {self.name(database, table)}{' ' + repair.group(2) if repair.group(2) else ''}"
        return self.map_locations(self.generic(text))

    def map_locations(self, sql: str) -> str:
        """String literals that are storage paths, through [transform.paths]."""
        def replace(match):
            value = match.group(0)[1:-1]
            mapped = self.transform.map_path(value)
            return sql_string(mapped) if mapped != value else match.group(0)

        return re.sub(r"'(?:s3a?|s3n|gs|abfss?)://[^'\\]*'", replace, sql)

    def generic(self, text: str) -> str:
        import sqlglot
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        import logging

        logger = logging.getLogger("sqlglot")
        level = logger.level
        logger.setLevel(logging.ERROR)       # sqlglot warns on stderr before falling back to a Command
        try:
            expressions = [e for e in sqlglot.parse(text, read="hive") if e is not None]
        except SqlglotError as error:
            raise DDLError(f"sqlglot cannot read it ({str(error).splitlines()[0]})") from None
        finally:
            logger.setLevel(level)
        if len(expressions) != 1 or isinstance(expressions[0], exp.Command):
            raise DDLError("sqlglot reads it only as an opaque command")
        expression = expressions[0]
        ctes = {cte.alias_or_name for cte in expression.find_all(exp.CTE)}
        for table in expression.find_all(exp.Table):
            if not table.name or (not table.db and table.name in ctes) or table.catalog:
                continue
            database = table.db or self.database
            table.set("db", exp.to_identifier(self.transform.schema(database)))
            table.set("catalog", exp.to_identifier(self.transform.catalog))
        return expression.sql(dialect="databricks", pretty=True)


HEADER = "-- Converted by glue2lakehouse from Hive / Athena DDL into Unity Catalog DDL (catalog {catalog}).\n"


def convert_ddl_file(text: str, path: str, transform: TransformSettings,
                     settings: EstateSettings) -> tuple[str, list[Issue]]:
    """One DDL file -> its Unity Catalog version and the findings (a file this already converted is kept)."""
    if text.startswith(HEADER.split("(catalog")[0]):
        return text, []
    converter = _Converter(path, transform, settings)
    out = [HEADER.format(catalog=transform.catalog)]
    for line, statement in split_statements(text):
        converter.line = line
        comments = [c for c in re.findall(r"^\s*--.*$", statement, re.MULTILINE)
                    if statement.lstrip().startswith(c.strip())]
        try:
            converted = converter.statement(statement)
        except (DDLError, ValueError, IndexError, KeyError, TypeError, RecursionError) as error:
            # A statement that cannot be read never costs the file: it is kept, with a finding.
            converter.issue(STATEMENT_RULE, f"statement not converted ({error}); kept as it was")
            kept = strip_comments(statement).strip()
            converted = f"-- G2L-REVIEW: not converted ({error})\n{kept[:-1] if kept.endswith(';') else kept}"
        block = "\n".join(c.strip() for c in comments)
        if converted is None:
            first = re.sub(r"\s+", " ", strip_comments(statement).strip())
            converted = f"-- dropped by glue2lakehouse: {first if len(first) <= 100 else first[:97] + '...'}"
            out.append((block + "\n" if block else "") + converted + "\n")
            continue
        out.append((block + "\n" if block else "") + converted + ";\n")
    return "\n".join(out), converter.issues


DECLARED_DDL = "catalog/{schema}.sql"   # generated for databases and tables declared in templates


def _first(value) -> dict:
    if isinstance(value, list):
        value = value[0] if value else {}
    return value if isinstance(value, dict) else {}


def _items(value) -> list[dict]:
    if isinstance(value, dict):
        return [value]
    return [item for item in value or [] if isinstance(item, dict)]


# The keys of a declared table in each form: CloudFormation's TableInput, Terraform's resource arguments.
_TABLE_KEYS = {
    "cloudformation": {"name": "Name", "type": "TableType", "columns": "Columns", "partitions": "PartitionKeys",
                       "comment": "Description", "storage": "StorageDescriptor", "serde": "SerdeInfo",
                       "library": "SerializationLibrary", "parameters": "Parameters", "input": "InputFormat",
                       "location": "Location", "column_name": "Name", "column_type": "Type",
                       "column_comment": "Comment"},
    "terraform": {"name": "name", "type": "table_type", "columns": "columns", "partitions": "partition_keys",
                  "comment": "description", "storage": "storage_descriptor", "serde": "ser_de_info",
                  "library": "serialization_library", "parameters": "parameters", "input": "input_format",
                  "location": "location", "column_name": "name", "column_type": "type", "column_comment": "comment"},
}


def _declared_table(kind: str, properties: dict) -> tuple[str | None, Table | None, str | None]:
    """(database, table, database comment) from AWS::Glue::Table / aws_glue_catalog_table properties."""
    if kind == "AWS::Glue::Table":
        keys, table_input, database = _TABLE_KEYS["cloudformation"], _first(properties.get("TableInput")), \
            properties.get("DatabaseName")
    else:
        keys, table_input, database = _TABLE_KEYS["terraform"], properties, properties.get("database_name")
    storage = _first(table_input.get(keys["storage"]))
    serde = _first(storage.get(keys["serde"]))

    def columns(items):
        return [(str(c.get(keys["column_name"])), databricks_type(str(c.get(keys["column_type"]) or "string")),
                 c.get(keys["column_comment"])) for c in _items(items) if c.get(keys["column_name"])]

    def strings(values) -> dict:
        return {str(k): str(v) for k, v in (values or {}).items()}

    table = Table(database and str(database), str(table_input.get(keys["name"]) or "table"),
                  external=str(table_input.get(keys["type"], "")).upper() == "EXTERNAL_TABLE",
                  columns=columns(storage.get(keys["columns"])), partitions=columns(table_input.get(keys["partitions"])),
                  comment=table_input.get(keys["comment"]), serde=serde.get(keys["library"]),
                  serde_properties=strings(serde.get(keys["parameters"])), input_format=storage.get(keys["input"]),
                  location=storage.get(keys["location"]), properties=strings(table_input.get(keys["parameters"])))
    return table.database, table, None


def _defaults(value, variables: dict, found: list[str]):
    """Bundle variable references (${var.x}) replaced by their defaults: SQL has no bundle variables."""
    if isinstance(value, dict):
        return {k: _defaults(v, variables, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_defaults(v, variables, found) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match):
        variable = variables.get(match.group(1))
        if variable is not None and variable.default is not None:
            return variable.default
        found.append(match.group(1))
        return match.group(0)

    return re.sub(r"\$\{var\.([A-Za-z0-9_]+)\}", replace, value)


def declared_tables(catalog: list, transform: TransformSettings, settings: EstateSettings,
                    variables: dict | None = None):
    """Databases and tables declared in CloudFormation / Terraform -> catalog/<schema>.sql, one file per schema.

    Returns (path, text, issues) per file; a declaration that cannot be read gives only issues. Deployment
    values (template parameters, Terraform variables) take their defaults; one without a default is reported."""
    schemas: dict[str, dict] = {}
    loose: list[tuple[None, None, list[Issue]]] = []
    for kind, properties, path, line in catalog:
        converter = _Converter(path, transform, settings)
        converter.line = line
        unresolved: list[str] = []
        properties = _defaults({k: v for k, v in properties.items() if k not in ("CatalogId", "catalog_id")},
                               variables or {}, unresolved)
        if unresolved:
            converter.issue("ddl-declared", f"{kind}: {', '.join(sorted(set(unresolved)))} only known at deployment "
                                            "and with no default: left as ${var...} in the DDL; replace it")
        try:
            if kind in ("AWS::Glue::Database", "aws_glue_catalog_database"):
                data = _first(properties.get("DatabaseInput")) if kind == "AWS::Glue::Database" else properties
                name = str(data.get("Name") or data.get("name") or "")
                if not name:
                    raise DDLError("a database without a name")
                entry = schemas.setdefault(transform.schema(name), {"statements": {}, "issues": []})
                comment = data.get("Description") or data.get("description")
                text = (f"CREATE SCHEMA IF NOT EXISTS {quote_name(transform.catalog)}.{quote_name(transform.schema(name))}"
                        + (f"\nCOMMENT {sql_string(str(comment))}" if comment else ""))
                if data.get("LocationUri") or data.get("location_uri"):
                    converter.issue("ddl-schema", f"database {name}: its location is dropped (a Unity Catalog "
                                                  "schema keeps its tables in the catalog's managed storage)")
                entry["statements"][(0, name)] = text
            else:
                database, table, _ = _declared_table(kind, properties)
                converter.database = database or "default"
                entry = schemas.setdefault(transform.schema(converter.database), {"statements": {}, "issues": []})
                entry["statements"][(1, table.name)] = converter.table(table)
            target = schemas[transform.schema(name if kind in ("AWS::Glue::Database", "aws_glue_catalog_database")
                                              else converter.database)]
            target["issues"].extend(converter.issues)
            target.setdefault("sources", set()).add(path)
        except (DDLError, ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
            loose.append((None, None, [Issue(path, line, STATEMENT_RULE, f"{kind}: not converted ({error}); write "
                                                                          "its Unity Catalog DDL by hand")]))
    out: list = []
    for schema, entry in sorted(schemas.items()):
        body = "\n\n".join(text + ";" for _, text in sorted(entry["statements"].items()))
        header = (f"-- Generated by glue2lakehouse from the Glue catalog declared in "
                  f"{', '.join(sorted(entry.get('sources', [])))}: Unity Catalog DDL (catalog {transform.catalog}).\n\n")
        out.append((DECLARED_DDL.format(schema=schema), header + body + "\n", entry["issues"]))
    return out + loose
