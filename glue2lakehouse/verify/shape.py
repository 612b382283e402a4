"""What a Glue job reads, read from its code: the inputs, their columns and types, the literals it compares
them with, the join keys that must share values, and its arguments.

Pure: Python source (and the estate's DDL) in, a ``JobShape`` out; nothing runs. Sources of schema, best first:
the estate's table DDL, ApplyMapping / ResolveChoice source names and types, then the columns the code reads
(Filter lambdas ``row["x"]``, Join keys, SelectFields / DropFields / RenameField paths, ``F.col("x")``,
``df["x"]``, ``select`` / ``groupBy`` / ``drop`` names, SQL over temporary views through sqlglot). A column
whose type nothing states is typed by what it is compared with (a number makes it numeric), else string.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

JDBC = {"mysql", "postgresql", "oracle", "sqlserver", "redshift", "jdbc"}
STREAMING = {"kafka", "kinesis"}
NOT_EMULATED = {"dynamodb": "reads DynamoDB: not emulated", "documentdb": "reads DocumentDB: not emulated",
                "mongodb": "reads MongoDB: not emulated", "opensearch": "reads OpenSearch: not emulated",
                "marketplace.spark": "reads a Marketplace connector: not emulated",
                "custom.spark": "reads a custom connector: not emulated"}
FILE_FORMATS = {"csv", "json", "parquet", "glueparquet", "orc", "avro"}
NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
_TYPE_ALIASES = {"long": "bigint", "integer": "int", "short": "smallint", "byte": "tinyint", "bool": "boolean",
                 "str": "string", "varchar": "string", "char": "string", "real": "float", "number": "double"}


def spark_type(name: str) -> str:
    """A Glue / Hive type name as a Spark simple type string ('long' -> 'bigint', 'varchar(10)' -> 'string')."""
    text = name.strip().lower()
    base = text.split("(")[0].strip()
    if base in ("varchar", "char"):
        return "string"
    return _TYPE_ALIASES.get(base, text)


def is_numeric(type_name: str | None) -> bool:
    return bool(type_name) and type_name.split("(")[0] in NUMERIC


@dataclass
class Column:
    path: str                       # "amount", or "customer.address.city" for a nested field
    type: str | None = None         # Spark simple type; None: not stated anywhere
    source: str = "code"            # "ddl", "mapping" or "code": where the type came from


@dataclass
class Input:
    kind: str                       # "table" (catalog), "path" (files) or "jdbc" (a JDBC table)
    name: str                       # "db.table", "s3://bucket/prefix/" or "schema.table" (JDBC)
    fmt: str = "parquet"            # for paths: csv, json, parquet, orc
    options: dict = field(default_factory=dict)     # csv: header, sep
    columns: dict = field(default_factory=dict)     # path -> Column, in discovery order

    def add(self, path: str, type_name: str | None = None, source: str = "code") -> None:
        if not path or path == "*":
            return
        existing = self.columns.get(path) or next((c for c in self.columns.values()
                                                   if c.path.lower() == path.lower()), None)
        rank = {"ddl": 3, "mapping": 2, "code": 1}
        if existing is None:
            self.columns[path] = Column(path, type_name, source)
        elif type_name and (existing.type is None or rank[source] > rank[existing.source]):
            existing.type, existing.source = type_name, source


@dataclass
class JobShape:
    inputs: list[Input] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)      # getResolvedOptions names
    literals: dict = field(default_factory=dict)            # column name (lower) -> set of literals compared with
    numeric: set = field(default_factory=set)               # column names (lower) compared with numbers
    join_keys: list = field(default_factory=list)           # [(input name, column), (input name, column)] pairs
    unsupported: list[str] = field(default_factory=list)    # one-line reasons the job cannot be verified here
    argument_values: dict = field(default_factory=dict)     # argument name -> value chosen for it
    unboxed: dict = field(default_factory=dict)             # input name ("*": any) -> {column: format} Unbox parses

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)


# ---------------------------------------------------------------- small evaluator of constant expressions
class _Values:
    """Constant values of names (option dicts built in variables, paths built from arguments)."""

    def __init__(self, arguments: dict):
        self.names: dict = {}
        self.arguments = arguments   # argument name -> the value the run will pass

    def value(self, node):
        try:
            return self._value(node)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def _value(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self._value(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {self._value(k): self._value(v) for k, v in zip(node.keys, node.values) if k is not None}
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            raise ValueError(node.id)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                else:
                    value = self._value(part.value)
                    if value is None:
                        raise ValueError("unknown")
                    parts.append(str(value))
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._value(node.left) + self._value(node.right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._value(node.left) % self._value(node.right)
        if isinstance(node, ast.Subscript):
            key = self._value(node.slice)
            if isinstance(key, str) and _is_args(node.value):
                return self.arguments[key]
            return self._value(node.value)[key]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            base = self._value(node.func.value)
            return base.format(*[self._value(a) for a in node.args],
                               **{k.arg: self._value(k.value) for k in node.keywords if k.arg})
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("dict", "str"):
            if node.func.id == "str" and len(node.args) == 1:
                return str(self._value(node.args[0]))
            return {k.arg: self._value(k.value) for k in node.keywords if k.arg}
        raise ValueError(ast.dump(node)[:40])


_AGGREGATES = {"sum", "avg", "mean", "min", "max", "first", "last", "count", "countDistinct", "count_distinct",
               "collect_list", "collect_set", "stddev", "variance", "sumDistinct", "sum_distinct"}


def rest_field(name: str) -> str:
    """A field the job does not name, for an input it splits or drops fields from ("other_<table>": one per input,
    so that joined inputs do not clash on it)."""
    return "other_" + re.sub(r"\W+", "_", name.rstrip("/").split("/")[-1].split(".")[-1]).strip("_").lower()


READ_CALLS = {"from_catalog", "from_options", "create_dynamic_frame_from_catalog", "create_dynamic_frame_from_options",
              "create_data_frame_from_catalog", "create_data_frame_from_options"}
_ARGS_NAMES = {"args", "ARGS", "job_args", "params", "options", "glue_args", "arguments"}


def _is_args(node) -> bool:
    return isinstance(node, ast.Name) and node.id in _ARGS_NAMES


def _chain(node: ast.Call):
    """The calls of a method chain, the last one first: ``spark.read.format(f).option(k, v).load(p)`` gives the
    load, the option, the format."""
    current = node
    while isinstance(current, ast.Call):
        yield current
        current = current.func.value if isinstance(current.func, ast.Attribute) else None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _receiver(node: ast.Call):
    return node.func.value if isinstance(node.func, ast.Attribute) else None


def _arg(node: ast.Call, index: int, *names: str):
    for keyword in node.keywords:
        if keyword.arg in names:
            return keyword.value
    if index is not None and len(node.args) > index and not isinstance(node.args[index], ast.Starred):
        return node.args[index]
    return None


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _number_or_string(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)):
        return -node.operand.value
    return None


# ---------------------------------------------------------------- the analysis
class _Analysis:
    def __init__(self, tree: ast.Module, ddl: dict, arguments: dict):
        self.tree = tree
        self.ddl = ddl                      # "db.table" / "table" -> [(column, spark type)]
        self.shape = JobShape()
        self.values = _Values(arguments)
        self.roots: dict = {}               # frame variable -> list of input names
        self.views: dict = {}               # temporary view name (lower) -> list of input names
        self.lambdas: dict = {}             # name -> ast.Lambda / FunctionDef (Filter functions defined apart)
        self.closed: set = set()            # inputs read only through a select of fixed columns: no other column
        self.module_aliases: set = set()    # names the job imports estate modules as (helpers.read_x(...))
        self.default_roots: list = []       # in a function taking frames: the inputs its frames hold
        self.tracing = False                # True while only frames are followed (no column is placed)

    # ---- inputs
    def _input(self, kind: str, name: str, fmt: str = "parquet", options: dict | None = None) -> str:
        existing = self.shape.input(name)
        if existing is None:
            existing = Input(kind, name, fmt, dict(options or {}))
            self.shape.inputs.append(existing)
            declared = self.ddl.get(name.lower()) or self.ddl.get(name.lower().split(".")[-1])
            for column, type_name in declared or []:
                existing.add(column, type_name, "ddl")
        return name

    def _table_name(self, name: str) -> str:
        parts = [p.strip("`") for p in name.split(".")]
        if len(parts) == 3:
            parts = parts[1:]
        if len(parts) == 1:
            parts = ["default", parts[0]]
        return ".".join(parts).lower()

    def _read(self, node: ast.Call) -> list[str] | None:
        """The inputs a call reads, or None when it is not a read."""
        name = _call_name(node)
        local = isinstance(node.func, ast.Name) or (isinstance(node.func, ast.Attribute) and isinstance(
            node.func.value, ast.Name) and node.func.value.id in self.module_aliases)   # helpers.read_x(...)
        if local and name in self.helpers and name not in self._inlining:
            return self._helper_read(self.helpers[name], node)
        text = ast.unparse(node.func) if isinstance(node.func, ast.Attribute) else name
        if name in ("from_catalog", "create_dynamic_frame_from_catalog", "create_data_frame_from_catalog") \
                and ("create_" in text):
            database = self.values.value(_arg(node, 0, "database", "name_space"))
            table = self.values.value(_arg(node, 1, "table_name"))
            if not isinstance(database, str) or not isinstance(table, str):
                self.shape.unsupported.append(f"reads a catalog table named at run time ({ast.unparse(node)[:60]})")
                return []
            found = [self._input("table", self._table_name(f"{database}.{table}"))]
            predicate = self.values.value(_arg(node, None, "push_down_predicate"))
            if isinstance(predicate, str) and predicate.strip():
                self._predicate(found, predicate)
            return found
        if name in ("from_options", "create_dynamic_frame_from_options", "create_data_frame_from_options") \
                and "create_" in text:
            return self._from_options(node)
        if name == "from_jdbc_conf" or name.endswith("_from_jdbc_conf"):
            verb = "writes" if "write" in text else "reads"
            self.shape.unsupported.append(f"{verb} JDBC through a Glue connection: the converted job takes its "
                                          "credentials from a secret scope; not emulated")
            return []
        if name == "table" and text.endswith(("spark.table", "read.table", "spark_session.table")):
            table = self.values.value(_arg(node, 0, "tableName"))
            if isinstance(table, str):
                return [self._input("table", self._table_name(table))]
            self.shape.unsupported.append(f"reads a table named at run time ({ast.unparse(node)[:60]})")
            return []
        if name == "jdbc" and ".read" in text:
            table = self.values.value(_arg(node, 1, "table"))
            return self._jdbc("jdbc", {"dbtable": table} if isinstance(table, str) else {})
        if name == "load" and ".read" in text and self._format_of(node) == "jdbc":
            return self._jdbc("jdbc", self._jdbc_options(node))
        if name in ("parquet", "csv", "json", "orc", "load") and ".read" in text:
            paths = [self.values.value(a) for a in node.args] or [self.values.value(_arg(node, None, "path"))]
            fmt = name if name != "load" else self._format_of(node) or "parquet"
            options = self._reader_options(node)
            found = []
            for path in paths:
                for p in _strings(path):
                    if p.startswith(("s3://", "s3a://", "s3n://")):
                        found.append(self._input("path", p, fmt, options))
            if not found and not any(isinstance(p, str) for p in paths):
                self.shape.unsupported.append(f"reads a path built at run time ({ast.unparse(node)[:60]})")
            return found
        if name == "sql" and isinstance(node.func, ast.Attribute):
            query = self.values.value(_arg(node, 0, "sqlQuery"))
            if isinstance(query, str):
                return self._sql(query)
        return None

    def _helper_read(self, function: ast.FunctionDef, node: ast.Call) -> list[str] | None:
        """A call of the job's own reader function: its reads, with the call's arguments bound."""
        params = [a.arg for a in function.args.args]
        defaults = dict(zip(params[len(params) - len(function.args.defaults):], function.args.defaults))
        bound = {}
        for index, param in enumerate(params):
            value = node.args[index] if index < len(node.args) else next(
                (k.value for k in node.keywords if k.arg == param), defaults.get(param))
            if value is not None:
                constant = self.values.value(value)
                if constant is not None:
                    bound[param] = constant
        saved = dict(self.values.names)
        self.values.names.update(bound)
        self._inlining.add(function.name)
        found: list[str] = []
        try:
            for sub in ast.walk(function):
                if isinstance(sub, ast.Call):
                    found += self._read(sub) or []
            read_names = {t.id for sub in ast.walk(function) if isinstance(sub, ast.Assign)
                          for t in sub.targets if isinstance(t, ast.Name)
                          and any(isinstance(n, ast.Call) and _call_name(n) in READ_CALLS for n in ast.walk(sub.value))}
            for sub in ast.walk(function):
                if isinstance(sub, ast.Call) and _call_name(sub) == "select" and found:
                    names = self._selected(sub)
                    if names is not None and any((isinstance(n, ast.Call) and _call_name(n) in READ_CALLS) or
                                                 (isinstance(n, ast.Name) and n.id in read_names)
                                                 for n in ast.walk(sub.func)):
                        for name in names:
                            self._read_by_name(found, name)
                        self.closed.update(found)
        finally:
            self.values.names = saved
            self._inlining.discard(function.name)
        return found

    def _predicate(self, roots: list[str], text: str) -> None:
        """A push-down predicate: its columns are the table's (partition columns), even when the job later makes
        a column of the same name; its literals are generated so that some rows pass it."""
        self._expression(roots, text, self._read_by_name)

    def _read_by_name(self, roots: list[str], name: str) -> None:
        """A column the read itself names: the table's, even when the job later makes one of that name."""
        made = name.lower() in self.produced
        self.produced.discard(name.lower())
        try:
            self._use(roots, name)
        finally:
            if made:
                self.produced.add(name.lower())

    def _selected(self, node: ast.Call) -> list[str] | None:
        """The column names of ``select("a", "b")`` / ``select(*NAMES)`` / ``select(["a"])``, None when not all
        are plain names known here."""
        names = []
        for argument in node.args:
            value = self.values.value(argument.value if isinstance(argument, ast.Starred) else argument)
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, str) and re.fullmatch(r"[\w`]+", v) for v in values):
                return None
            names += [v.strip("`") for v in values]
        return names or None

    def _format_of(self, node: ast.Call) -> str | None:
        for current in _chain(node):
            if current is not node and _call_name(current) == "format":
                value = self.values.value(_arg(current, 0, "source"))
                return value if isinstance(value, str) else None
        return None

    def _reader_options(self, node: ast.Call) -> dict:
        options = {}
        for current in _chain(node):
            if _call_name(current) == "option" and len(current.args) == 2:
                key, value = self.values.value(current.args[0]), self.values.value(current.args[1])
                if isinstance(key, str):
                    options[key.lower()] = value
            if _call_name(current) in ("csv", "json") and current is node:
                for keyword in current.keywords:
                    if keyword.arg in ("header", "sep"):
                        options[keyword.arg] = self.values.value(keyword.value)
        return {"header": str(options.get("header", "false")).lower() == "true",
                "sep": options.get("sep") or options.get("delimiter") or ","}

    def _jdbc(self, connection: str, options: dict | None) -> list[str]:
        """A JDBC read: its table, served by the run's in-memory Derby database (verify/jdbc.py)."""
        from glue2lakehouse.verify.jdbc import table_key

        given = {str(k).lower(): v for k, v in (options or {}).items()}
        if given.get("useconnectionproperties") or given.get("connectionname"):
            self.shape.unsupported.append(f"reads JDBC ({connection}) through a Glue connection: the converted job "
                                          "takes its credentials from a secret scope; not emulated")
            return []
        if given.get("query") or given.get("samplequery"):
            self.shape.unsupported.append(f"reads JDBC ({connection}) with a query in the source database's SQL: "
                                          "not emulated")
            return []
        table = given.get("dbtable")
        key = table_key(table) if isinstance(table, str) else None
        if key is None:
            self.shape.unsupported.append(f"reads JDBC ({connection}) from a table named at run time or a subquery: "
                                          "not emulated")
            return []
        return [self._input("jdbc", key)]

    def _constant_entries(self, node) -> dict:
        """The entries of a dict display whose key and value are constants (the others left out)."""
        if isinstance(node, ast.Name) and isinstance(self.values.names.get(node.id), dict):
            return self.values.names[node.id]
        if not isinstance(node, ast.Dict):
            return {}
        entries = {}
        for key, value in zip(node.keys, node.values):
            key, value = self.values.value(key), self.values.value(value)
            if isinstance(key, str) and value is not None:
                entries[key] = value
        return entries

    def _jdbc_options(self, node: ast.Call) -> dict:
        """The options of a Spark reader chain (``.option(k, v)``, ``.options(k=v)``), constants only."""
        options: dict = {}
        for current in _chain(node):   # the last call first: the value it sets is the one Spark uses
            name = _call_name(current)
            if name == "option" and len(current.args) == 2:
                key = self.values.value(current.args[0])
                if isinstance(key, str):
                    options.setdefault(key.lower(), self.values.value(current.args[1]))
            elif name in ("options", "load"):
                for keyword in current.keywords:
                    if keyword.arg:
                        options.setdefault(keyword.arg.lower(), self.values.value(keyword.value))
        return options

    def _from_options(self, node: ast.Call) -> list[str]:
        connection = self.values.value(_arg(node, 0, "connection_type"))
        options = self.values.value(_arg(node, 1, "connection_options")) or {}
        fmt = self.values.value(_arg(node, 2, "format"))
        format_options = self.values.value(_arg(node, 3, "format_options")) or {}
        if not isinstance(connection, str):
            self.shape.unsupported.append("reads a source whose connection type is chosen at run time")
            return []
        connection = connection.lower()
        if connection in NOT_EMULATED:
            self.shape.unsupported.append(NOT_EMULATED[connection])
            return []
        if connection in JDBC:
            if not isinstance(options, dict) or not options:   # the table a constant, the password an argument
                options = self._constant_entries(_arg(node, 1, "connection_options"))
            return self._jdbc(connection, options)
        if connection in STREAMING:
            self.shape.unsupported.append(f"reads a {connection} stream: not emulated")
            return []
        if connection != "s3":
            self.shape.unsupported.append(f"reads connection type {connection}: not emulated")
            return []
        if not isinstance(options, dict) or not _strings(options.get("paths")):
            self.shape.unsupported.append("reads S3 paths built at run time")
            return []
        fmt = (fmt or "json") if isinstance(fmt, str) or fmt is None else None
        if fmt == "avro":
            self.shape.unsupported.append("reads Avro: needs the spark-avro package, not in local PySpark")
            return []
        if fmt not in FILE_FORMATS:
            self.shape.unsupported.append(f"reads format {fmt!r}: not emulated")
            return []
        fmt = "parquet" if fmt == "glueparquet" else fmt
        format_options = format_options if isinstance(format_options, dict) else {}
        csv = {"header": bool(format_options.get("withHeader", False)),
               "sep": format_options.get("separator", ",")}
        if fmt == "json" and format_options.get("jsonPath"):
            self.shape.unsupported.append("reads JSON with jsonPath: not generated")
            return []
        return [self._input("path", p, fmt, csv if fmt == "csv" else {}) for p in _strings(options.get("paths"))]

    # ---- SQL over temporary views
    def _sql(self, query: str) -> list[str]:
        import sqlglot
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        try:
            statement = sqlglot.parse_one(query, read="spark")
        except SqlglotError:
            self.shape.unsupported.append("runs SQL that sqlglot cannot read")
            return []
        if statement is None:
            return []
        ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        aliases: dict = {}
        roots: list[str] = []
        for table in statement.find_all(exp.Table):
            name = table.name.lower()
            if not name or name in ctes:
                continue
            full = ".".join(p for p in (table.catalog, table.db, table.name) if p)
            if not table.db and name in self.views:
                targets = self.views[name]
            else:
                targets = [self._input("table", self._table_name(full))]
            aliases[(table.alias_or_name or name).lower()] = targets
            roots += [t for t in targets if t not in roots]
        for column in statement.find_all(exp.Column):
            if not column.name or isinstance(column.this, exp.Star):
                continue
            qualifier = column.table.lower() if column.table else None
            targets = aliases.get(qualifier) if qualifier else roots
            self._use(targets or roots, column.name)
        self._sql_literals(statement)
        for node in statement.find_all(exp.Sum, exp.Avg, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Stddev):
            for column in node.find_all(exp.Column):
                if column.name:
                    self._numeric([column.name])
        return roots

    def _sql_literals(self, statement) -> None:
        from sqlglot import exp

        for comparison in statement.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
            left, right = comparison.this, comparison.expression
            if isinstance(right, exp.Column):
                left, right = right, left
            if isinstance(left, exp.Column) and isinstance(right, exp.Literal):
                value = right.this if right.is_string else _parse_number(right.this)
                self._literal(left.name, value)
        for between in statement.find_all(exp.Between):
            if isinstance(between.this, exp.Column):
                for bound in (between.args.get("low"), between.args.get("high")):
                    if isinstance(bound, exp.Literal):
                        self._literal(between.this.name, bound.this if bound.is_string else _parse_number(bound.this))
        for inside in statement.find_all(exp.In):
            if isinstance(inside.this, exp.Column):
                for item in inside.expressions:
                    if isinstance(item, exp.Literal):
                        self._literal(inside.this.name, item.this if item.is_string else _parse_number(item.this))

    # ---- columns
    def _use(self, roots: list[str], path: str, type_name: str | None = None, source: str = "code") -> None:
        """A column the code reads from a frame whose rows come from ``roots``."""
        if self.tracing:
            return   # following frames into functions: columns are placed once every frame is known
        inputs = [self.shape.input(r) for r in roots if self.shape.input(r) is not None]
        if not inputs or not isinstance(path, str) or not path:
            return
        path = path.strip("`")
        top = path.split(".")[0].lower()
        for candidate in inputs:
            tops = {c.path.split(".")[0].lower() for c in candidate.columns.values()}
            if any(c.path.lower() == path.lower() for c in candidate.columns.values()):
                if type_name:
                    candidate.add(path, type_name, source)
                return
            if top in tops:
                if "." in path and not any(c.path.lower() == top for c in candidate.columns.values()):
                    candidate.add(path, type_name, source)  # another field of a struct already read
                return
        if source == "code" and path.lower() in self.produced:
            return  # a column the job makes itself (a mapping target, withColumn, alias)
        declared = [i for i in inputs if any(c.source == "ddl" for c in i.columns.values()) or i.name in self.closed]
        if declared and len(declared) == len(inputs):
            return  # every input has its columns from DDL: a name they lack is made by the job
        undeclared = [i for i in inputs if i not in declared]
        target = min(reversed(undeclared), key=lambda i: len(i.columns))
        target.add(path, type_name, source)

    def _numeric(self, columns) -> None:
        """Columns the job does arithmetic on (or orders against each other): generated as numbers."""
        for column in columns:
            if isinstance(column, str) and column:
                self.shape.numeric.add(column.strip("`").split(".")[-1].lower())

    def _literal(self, column: str, value) -> None:
        if value is None or not isinstance(column, str):
            return
        key = column.strip("`").split(".")[-1].lower()
        self.shape.literals.setdefault(key, set()).add(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.shape.numeric.add(key)

    def _frame_roots(self, node) -> list[str]:
        """The inputs an expression's frame comes from (a variable, or a chain of calls on one)."""
        roots: list[str] = []
        for sub in ast.walk(node) if node is not None else []:
            if isinstance(sub, ast.Name) and sub.id in self.roots:
                roots += [r for r in self.roots[sub.id] if r not in roots]
            if isinstance(sub, ast.Call):
                read = self._peek_read(sub)
                roots += [r for r in read if r not in roots]
        return roots

    def _peek_read(self, node: ast.Call) -> list[str]:
        key = id(node)
        if key not in self._read_cache:
            self._read_cache[key] = self._read(node) or []
        return self._read_cache[key]

    # ---- the column reads of one call on a frame
    def _columns_of_call(self, node: ast.Call) -> None:
        name = _call_name(node)
        receiver = _receiver(node)
        if name == "apply" and isinstance(receiver, ast.Name):
            self._transform(receiver.id, node)
            return
        method_forms = {"apply_mapping": "ApplyMapping", "select_fields": "SelectFields", "drop_fields": "DropFields",
                        "rename_field": "RenameField", "resolveChoice": "ResolveChoice", "split_fields": "SplitFields",
                        "unbox": "Unbox"}
        if name in method_forms and receiver is not None and self._frame_roots(receiver):
            self._transform(method_forms[name], node, self._frame_roots(receiver), method=True)
            return
        function = _arg(node, 0, "f")
        if name == "filter" and receiver is not None and function is not None and self._is_function(function):
            self._filter_function(self._frame_roots(receiver), function)
            return
        if name == "join" and receiver is not None and len(node.args) >= 3 and self._frame_roots(node.args[2]):
            # DynamicFrame.join(paths1, paths2, frame2)
            keys1, keys2 = _strings(self.values.value(node.args[0])), _strings(self.values.value(node.args[1]))
            self._join(self._frame_roots(receiver), keys1, self._frame_roots(node.args[2]), keys2)
            return
        if name in ("from_options", "from_catalog", "write_dynamic_frame_from_options", "getSink") or \
                name.startswith("write_dynamic_frame"):
            frame = _arg(node, 0, "frame")
            options = self.values.value(_arg(node, None, "connection_options", "additional_options"))
            keys = options.get("partitionKeys") if isinstance(options, dict) else None
            for key in _strings(keys):
                self._use(self._frame_roots(frame), key)
            if _strings(keys):
                self.rest.update(self._frame_roots(frame))   # Spark writes no table of partition columns only
        if name == "writeFrame" and isinstance(receiver, ast.Name) and receiver.id in self.sinks:
            roots = self._frame_roots(_arg(node, 0, "dynamic_frame", "frame"))
            for key in self.sinks[receiver.id]:   # getSink(partitionKeys=[...]): columns of the frame it writes
                self._use(roots, key)
            if self.sinks[receiver.id]:
                self.rest.update(roots)           # Spark writes no table of partition columns only
        if receiver is not None:
            roots = self._frame_roots(receiver)
            if roots:
                self._dataframe_call(roots, node)

    def _is_function(self, node) -> bool:
        return isinstance(node, ast.Lambda) or (isinstance(node, ast.Name) and node.id in self.lambdas)

    def _transform(self, kind: str, node: ast.Call, roots: list[str] | None = None, method: bool = False) -> None:
        def argument(index, *names):
            return _arg(node, index - 1 if method else index, *names)

        if kind == "Join":
            frame1, frame2 = _arg(node, 0, "frame1"), _arg(node, 1, "frame2")
            keys1 = _strings(self.values.value(_arg(node, 2, "keys1")))
            keys2 = _strings(self.values.value(_arg(node, 3, "keys2")))
            self._join(self._frame_roots(frame1), keys1, self._frame_roots(frame2), keys2)
            return
        if roots is None:
            roots = self._frame_roots(_arg(node, 0, "frame"))
        if kind == "Unbox":   # the column holds text (JSON) the job parses: generated as a string of that format
            path, fmt = self.values.value(argument(1, "path")), self.values.value(argument(2, "format"))
            if isinstance(path, str) and isinstance(fmt, str):
                for root in roots or ["*"]:
                    self.shape.unboxed.setdefault(root, {})[path.strip("`")] = fmt.lower()
            return
        if not roots:
            return
        if kind == "ApplyMapping":
            mappings = self.values.value(argument(1, "mappings")) or []
            for mapping in mappings if isinstance(mappings, list) else []:
                if isinstance(mapping, (list, tuple)) and len(mapping) >= 3 and isinstance(mapping[0], str):
                    source_type = mapping[1] if len(mapping) == 4 else None
                    type_name = spark_type(source_type) if isinstance(source_type, str) else None
                    if type_name in ("struct", "array", "map", "null", "choice"):
                        type_name = None
                    self._use(roots, mapping[0], type_name, "mapping")
                    target = mapping[2] if len(mapping) == 4 else mapping[1]
                    if isinstance(target, str) and target.lower() != mapping[0].lower():
                        self.produced.add(target.lower())
                        self.aliases.setdefault(target.lower(), set()).add(mapping[0].split(".")[-1].lower())
        elif kind in ("SelectFields", "DropFields", "SplitFields"):
            for path in _strings(self.values.value(argument(1, "paths"))):
                self._use(roots, path)
            if kind != "SelectFields":
                self.rest.update(roots)   # "the rest" must hold a field too, or it is a frame of no columns
        elif kind == "Map":
            function = argument(1, "f")
            if function is not None:
                self._filter_function(roots, function)   # the record's fields the function reads
        elif kind == "RenameField":
            old = self.values.value(argument(1, "old_name", "oldName"))
            new = self.values.value(argument(2, "new_name", "newName"))
            if isinstance(old, str):
                self._use(roots, old)
                if isinstance(new, str):
                    self.produced.add(new.lower())
                    self.aliases.setdefault(new.lower(), set()).add(old.lower())
        elif kind == "ResolveChoice":
            database = self.values.value(_arg(node, None, "database"))
            table = self.values.value(_arg(node, None, "table_name"))
            if isinstance(database, str) and isinstance(table, str):   # match_catalog reads the table's types
                self.mirrors.append((self._input("table", self._table_name(f"{database}.{table}")), list(roots)))
            specs = self.values.value(argument(1, "specs")) or []
            for spec in specs if isinstance(specs, list) else []:
                if isinstance(spec, (list, tuple)) and len(spec) == 2 and isinstance(spec[0], str):
                    self._use(roots, spec[0])
        elif kind == "Filter":
            function = argument(1, "f")
            if function is not None:
                self._filter_function(roots, function)
        elif kind == "SplitRows":
            comparisons = self.values.value(argument(1, "comparison_dict")) or {}
            for column, tests in comparisons.items() if isinstance(comparisons, dict) else []:
                self._use(roots, column)
                for value in (tests or {}).values() if isinstance(tests, dict) else []:
                    self._literal(column, value)

    def _join(self, roots1, keys1, roots2, keys2) -> None:
        for k1, k2 in zip(keys1, keys2):
            self._use(roots1, k1)
            self._use(roots2, k2)
            side1 = self._owner(roots1, k1)
            side2 = self._owner(roots2, k2)
            if side1 and side2:
                self.shape.join_keys.append((side1, side2))

    def _owner(self, roots, column):
        for root in roots:
            found = self.shape.input(root)
            if found is not None:
                for c in found.columns.values():
                    if c.path.lower() == column.lower():
                        return (root, c.path)
        return None

    def _filter_function(self, roots, function) -> None:
        if isinstance(function, ast.Name):
            function = self.lambdas.get(function.id)
        if function is None:
            return
        if isinstance(function, ast.Lambda):
            params, body = [a.arg for a in function.args.args], [function.body]
        else:
            params, body = [a.arg for a in function.args.args], function.body
        if not params:
            return
        record = params[0]
        for statement in body:
            for sub in ast.walk(statement):
                path = _record_path(sub, record)
                if path:
                    self._use(roots, path)
                if isinstance(sub, ast.Compare):
                    self._compare_literals(sub, lambda n: _record_path(n, record))

    def _compare_literals(self, node: ast.Compare, column_of) -> None:
        operands = [node.left, *node.comparators]
        for left, op, right in zip(operands, node.ops, operands[1:]):
            for column_node, value_node in ((left, right), (right, left)):
                column = column_of(column_node)
                if not column:
                    continue
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(value_node, (ast.List, ast.Tuple, ast.Set)):
                    for element in value_node.elts:
                        self._literal(column, _number_or_string(element))
                else:
                    self._literal(column, _number_or_string(value_node))

    def _dataframe_call(self, roots: list[str], node: ast.Call) -> None:
        name = _call_name(node)
        receiver = _receiver(node)
        if isinstance(receiver, ast.Name) and receiver.id in self.collections:
            return   # dfc.select("key") names a frame of a collection, not a column
        if name in ("select", "groupBy", "groupby", "drop", "dropDuplicates", "orderBy", "sort", "partitionBy",
                    "withColumnRenamed", "cube", "rollup", "dropna", "fillna"):
            for argument in node.args[:1] if name == "withColumnRenamed" else node.args:
                for column in _strings(self.values.value(argument)):
                    if name in ("select",) and not re.fullmatch(r"[\w.`]+", column):
                        continue
                    self._use(roots, column)
        if name in ("selectExpr", "filter", "where", "expr") or (name == "filter" and node.args):
            for argument in node.args:
                text = self.values.value(argument)
                if isinstance(text, str):
                    self._expression(roots, text)
        if name == "join" and node.args:
            other = node.args[0]
            on = self.values.value(_arg(node, 1, "on"))
            other_roots = self._frame_roots(other)
            for key in _strings(on):
                self._use(roots, key)
                self._use(other_roots, key)
                one, two = self._owner(roots, key), self._owner(other_roots, key)
                if one and two:
                    self.shape.join_keys.append((one, two))
            condition = _arg(node, 1, "on")
            if condition is not None and not _strings(on):
                self._join_condition(condition, roots, other_roots, node)

    def _join_condition(self, condition, roots1, roots2, node) -> None:
        frames = {}
        receiver = _receiver(node)
        for sub in ast.walk(condition):
            if isinstance(sub, ast.Compare) and len(sub.ops) == 1 and isinstance(sub.ops[0], ast.Eq):
                left, right = _frame_column(sub.left), _frame_column(sub.comparators[0])
                if left and right:
                    (frame_a, col_a), (frame_b, col_b) = left, right
                    roots_a = self.roots.get(frame_a, roots1 if frame_a == ast.unparse(receiver) else roots2)
                    roots_b = self.roots.get(frame_b, roots2)
                    self._use(roots_a, col_a)
                    self._use(roots_b, col_b)
                    one, two = self._owner(roots_a, col_a), self._owner(roots_b, col_b)
                    if one and two:
                        self.shape.join_keys.append((one, two))
        return frames

    def _expression(self, roots: list[str], text: str, use=None) -> None:
        """A SQL expression (filter("..."), a predicate): its columns used on ``roots`` (by ``use``, default
        ``_use``), its literals kept for the values."""
        import sqlglot
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        try:
            parsed = sqlglot.parse_one(text, read="spark")
        except SqlglotError:
            return
        for column in parsed.find_all(exp.Column):
            if column.name:
                (use or self._use)(roots, column.name)
        self._sql_literals(parsed)

    def _column_refs(self, node: ast.AST, roots_hint: list[str]) -> None:
        """F.col("x") / col("x") / df["x"] anywhere in a statement, and what they are compared with."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and _call_name(sub) in ("col", "column") and sub.args:
                value = self.values.value(sub.args[0])
                if isinstance(value, str):
                    self._use(roots_hint, value)
            if isinstance(sub, ast.Call) and _call_name(sub) in ("cast", "astype") and sub.args and \
                    isinstance(sub.func, ast.Attribute) and is_numeric(spark_type(str(self.values.value(sub.args[0])))):
                self._numeric([_column_name(sub.func.value)])   # col("x").cast("double"): x holds numbers
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and _call_name(sub) in _AGGREGATES \
                    and isinstance(sub.func.value, ast.Name) and sub.func.value.id in ("F", "functions", "f", "sf"):
                for argument in sub.args:   # F.sum("amount"): a column named by a string
                    value = self.values.value(argument)
                    if isinstance(value, str) and re.fullmatch(r"[\w`.]+", value):
                        self._use(roots_hint, value)
            if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and sub.value.id in self.roots:
                key = self.values.value(sub.slice)
                if isinstance(key, str):
                    self._use(self.roots[sub.value.id], key)
            if isinstance(sub, ast.Compare):
                self._compare_literals(sub, _column_name)
                operands = [sub.left, *sub.comparators]
                if any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in sub.ops):
                    self._numeric([_column_name(o) for o in operands])
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod)):
                self._numeric([_column_name(sub.left), _column_name(sub.right)])
            if isinstance(sub, ast.Call) and _call_name(sub) in ("sum", "avg", "mean", "stddev", "percentile_approx",
                                                                 "round", "abs", "sqrt", "exp", "log") and sub.args:
                self._numeric([_column_name(sub.args[0]) or self.values.value(sub.args[0])])
            if isinstance(sub, ast.Call) and _call_name(sub) in ("isin", "between") and \
                    isinstance(sub.func, ast.Attribute):
                column = _column_name(sub.func.value)
                if column:
                    for argument in sub.args:
                        values = self.values.value(argument)
                        for v in values if isinstance(values, list) else [values]:
                            if isinstance(v, (int, float, str)) and not isinstance(v, bool):
                                self._literal(column, v)

    # ---- the walk
    def run(self) -> JobShape:
        self._read_cache: dict = {}
        self.mirrors: list = []              # (catalog table, frame inputs): match_catalog's table has their columns
        self.collections: set = set()
        self.aliases: dict = {}
        self.produced: set = set()
        self.sinks: dict = {}                # getSink variable -> its partitionKeys
        self.rest: set = set()               # inputs split or dropped from: they get a field the job does not name
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _call_name(node) in ("withColumn", "alias", "withColumnRenamed") \
                    and len(node.args) >= (2 if _call_name(node) == "withColumnRenamed" else 1):
                made = self.values.value(node.args[1 if _call_name(node) == "withColumnRenamed" else 0])
                if isinstance(made, str) and not (_call_name(node) == "withColumn" and len(node.args) > 1 and any(
                        _column_name(sub) == made for sub in ast.walk(node.args[1]))):
                    self.produced.add(made.lower())   # withColumn("x", f(col("x"))) reads x: it is not made here
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _call_name(node) == "getResolvedOptions":
                names = self.values.value(_arg(node, 1, "options"))
                for name in _strings(names):
                    if name not in self.shape.arguments:
                        self.shape.arguments.append(name)
            if isinstance(node, ast.FunctionDef) and len(node.args.args) == 1:
                self.lambdas[node.name] = node
        for node in ast.walk(self.tree):   # float(args["x"]) / int(args["x"]): the argument is a number
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in \
                    ("float", "int", "Decimal") and node.args and isinstance(node.args[0], ast.Subscript) \
                    and _is_args(node.args[0].value) and isinstance(node.args[0].slice, ast.Constant):
                self.values.arguments.setdefault(str(node.args[0].slice.value).replace("-", "_"),
                                                 "7" if node.func.id == "int" else "0.95")
        for name in self.shape.arguments:
            self.values.arguments.setdefault(name.replace("-", "_"), _argument_value(name))
        self._inlining: set = set()
        self.helpers = {}
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef) and node.args.args and any(
                    isinstance(sub, ast.Call) and _call_name(sub) in READ_CALLS for sub in ast.walk(node)):
                self.helpers[node.name] = node
        inside = {id(sub) for function in self.helpers.values() for sub in ast.walk(function)}
        for statement in _statements(self.tree):
            if id(statement) not in inside:   # a reader function's body is read at each call, arguments bound
                self._statement(statement)
        self._frames_into_functions(inside)
        for root in self.rest:
            read = self.shape.input(root)
            if read is not None and not any(c.source == "ddl" for c in read.columns.values()):
                read.add(rest_field(root), "string")
        for catalog, roots in self.mirrors:
            target = self.shape.input(catalog)
            for root in roots:
                for column in list(self.shape.input(root).columns.values()):
                    target.add(column.path, column.type, column.source)
        # a literal compared with a renamed / mapped column also tells about its source column
        for target, sources in self.aliases.items():
            for source in sources:
                if target in self.shape.literals:
                    self.shape.literals.setdefault(source, set()).update(self.shape.literals[target])
                if target in self.shape.numeric:
                    self.shape.numeric.add(source)
        self.shape.argument_values = {name: self.values.arguments[name.replace("-", "_")]
                                      for name in self.shape.arguments}
        seen, unique = set(), []
        for reason in self.shape.unsupported:
            if reason not in seen:
                seen.add(reason)
                unique.append(reason)
        self.shape.unsupported = unique
        return self.shape

    def _frames_into_functions(self, inside: set) -> None:
        """The job's (or its modules') own functions that take frames: a parameter holds the rows of the inputs
        its callers pass, so the columns the function reads are those inputs' columns. Calls through a list of
        functions (``for step in STEPS: df = step(df)``) count for each function of the list. Repeated until
        nothing new is learnt (a function calling another)."""
        functions = {n.name: n for n in ast.walk(self.tree)
                     if isinstance(n, ast.FunctionDef) and n.name not in self.helpers}
        if not functions:
            return
        lists = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and isinstance(node.value, (ast.List, ast.Tuple)) and node.value.elts \
                    and all(isinstance(e, ast.Name) and e.id in functions for e in node.value.elts):
                lists[node.targets[0].id] = [e.id for e in node.value.elts]
        loops = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Name) \
                    and node.iter.id in lists:
                loops[node.target.id] = lists[node.iter.id]
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and (n.func.id in functions or n.func.id in loops)]
        owner = {}                           # call -> the function it is made in (None: the job's top level)
        for name, function in functions.items():
            for sub in ast.walk(function):
                owner[id(sub)] = name
        top = self.roots                     # the job's frames; each function sees them and its own
        bound = {name: {} for name in functions}
        scopes: dict = {}
        self.tracing = True
        for round_ in range(9):
            learnt = False
            for call in calls:
                self.roots = scopes.get(owner.get(id(call)), top)
                for name in loops.get(call.func.id, [call.func.id]):
                    params = [a.arg for a in functions[name].args.args]
                    pairs = list(zip(params, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg in params]
                    for param, argument in pairs:
                        known = bound[name].setdefault(param, [])
                        new = [r for r in self._frame_roots(argument) if r not in known]
                        if new:
                            known += new
                            learnt = True
            self.roots = top
            if not learnt or round_ == 8:
                self.tracing = False   # every frame known: once more through the functions, placing columns
            for name, function in functions.items():
                self.roots = {**top, **{param: list(roots) for param, roots in bound[name].items()}}
                # a column named apart from any frame (column = F.col("x")) is one of this function's frames'
                self.default_roots = list(dict.fromkeys(r for roots in bound[name].values() for r in roots))
                for statement in _statements(function):
                    if id(statement) not in inside:
                        self._statement(statement)
                scopes[name] = self.roots
            self.roots, self.default_roots = top, []
            if not self.tracing:
                break
        self.tracing = False
        unique = []
        for pair in self.shape.join_keys:
            if pair not in unique:
                unique.append(pair)
        self.shape.join_keys = unique

    def _statement(self, statement) -> None:
        targets, value = [], None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
            targets, value = [statement.target], statement.value
        elif isinstance(statement, (ast.Expr, ast.Return)):
            value = statement.value
        if value is None:
            return
        if targets and len(targets) == 1 and isinstance(targets[0], ast.Name):
            constant = self.values.value(value)
            if constant is not None and not isinstance(value, ast.Call):
                self.values.names[targets[0].id] = constant
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and isinstance(value, ast.Call) \
                and _call_name(value) == "getSink":
            self.sinks[targets[0].id] = _strings(self.values.value(_arg(value, None, "partitionKeys")))
        roots_before = self._frame_roots(value) or self.default_roots
        for call in sorted((n for n in ast.walk(value) if isinstance(n, ast.Call)),
                           key=lambda n: (n.lineno, n.col_offset)):
            self._peek_read(call)
            self._columns_of_call(call)
            if _call_name(call) in ("createOrReplaceTempView", "createTempView", "registerTempTable",
                                    "createOrReplaceGlobalTempView") and call.args:
                view = self.values.value(call.args[0])
                if isinstance(view, str):
                    self.views[view.lower()] = self._frame_roots(_receiver(call))
        self._column_refs(value, roots_before)
        roots = self._frame_roots(value)
        makes_collection = isinstance(value, ast.Call) and any(
            word in ast.unparse(value.func) for word in ("SplitRows", "SplitFields", "Relationalize", "split_rows",
                                                         "split_fields", "relationalize", "Collection"))
        for target in targets:
            for name in _target_names(target):
                if roots:
                    self.roots[name] = roots
                if makes_collection:
                    self.collections.add(name)


def _statements(tree):
    """Every simple statement in source order, inside functions, if / try / with / for blocks too."""
    found = [node for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr,
                                                                  ast.Return))]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _target_names(target) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _target_names(e)]
    return []


def _record_path(node, record: str) -> str | None:
    """row["a"]["b"] / row.get("a") / row["a"] -> "a.b" / "a" when ``row`` is the function's record."""
    parts = []
    current = node
    while True:
        if isinstance(current, ast.Subscript) and isinstance(current.slice, ast.Constant) \
                and isinstance(current.slice.value, str):
            parts.append(current.slice.value)
            current = current.value
        elif isinstance(current, ast.Call) and _call_name(current) == "get" and current.args \
                and isinstance(current.args[0], ast.Constant) and isinstance(current.args[0].value, str) \
                and isinstance(current.func, ast.Attribute):
            parts.append(current.args[0].value)
            current = current.func.value
        else:
            break
    if parts and isinstance(current, ast.Name) and current.id == record:
        return ".".join(reversed(parts))
    return None


def _column_name(node) -> str | None:
    """F.col("x") / col("x") / df["x"] / df.x -> "x"."""
    if isinstance(node, ast.Call) and _call_name(node) in ("col", "column") and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value.strip("`")
    if isinstance(node, ast.Call) and _call_name(node) in ("cast", "try_cast", "astype") and \
            isinstance(node.func, ast.Attribute):
        return _column_name(node.func.value)
    found = _frame_column(node)
    return found[1] if found else None


def _frame_column(node):
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
            isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.value.id, node.slice.value.strip("`")
    if isinstance(node, ast.Call) and _call_name(node) in ("col", "column") and node.args and \
            isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) and \
            isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and \
            node.func.value.id not in ("F", "functions", "f", "sf"):
        return node.func.value.id, node.args[0].value
    return None


def _parse_number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


_PATHLIKE = re.compile(r"(path|dir|folder|location|prefix|bucket|uri|url|output|input|source|target|dest)",
                       re.IGNORECASE)
_TABLELIKE = re.compile(r"(table|tbl|database|db|schema)", re.IGNORECASE)


def _argument_value(name: str) -> str:
    """A value for an argument nothing else sets: a path for path-like names, a name for the rest."""
    key = name.replace("-", "_").lower()
    if key == "job_name":
        return "g2l_verify"
    if "bucket" in key:
        return f"g2l-{key.replace('_', '-')}"
    if _PATHLIKE.search(key) and not _TABLELIKE.search(key):
        return f"s3://g2l-generated/{key}/"
    return f"g2l_{key}"


def analyze(source: str, ddl: dict | None = None, arguments: dict | None = None,
            modules: dict | None = None) -> JobShape:
    """The shape of a Glue job's inputs; ``arguments`` are the values the run will pass (name -> value);
    ``modules``: dotted name -> source of the estate modules the job imports (their reader functions,
    constants and frame functions are read as if the job defined them)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        shape = JobShape()
        shape.unsupported.append(f"is not Python 3 (line {error.lineno}: {error.msg})")
        return shape
    values = {k.replace("-", "_"): v for k, v in (arguments or {}).items()}
    aliases = set()
    if modules:
        tree = _with_modules(tree, modules)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {a.asname or a.name.split(".")[0] for a in node.names if a.name in modules}
            if isinstance(node, ast.ImportFrom) and node.module:
                aliases |= {a.asname or a.name for a in node.names if f"{node.module}.{a.name}" in modules}
    analysis = _Analysis(tree, {k.lower(): v for k, v in (ddl or {}).items()}, values)
    analysis.module_aliases = aliases
    return analysis.run()


def _with_modules(tree: ast.Module, modules: dict) -> ast.Module:
    """One tree: the modules' definitions and constants first (in import order), the job after, line numbers
    shifted so that source order is kept."""
    body, shift = [], 0
    for text in modules.values():
        try:
            module = ast.parse(text)
        except SyntaxError:
            continue
        ast.increment_lineno(module, shift)
        body += [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.Assign, ast.AnnAssign, ast.Import,
                                                           ast.ImportFrom))]
        shift = max([getattr(n, "end_lineno", 0) or 0 for n in ast.walk(module)] + [shift]) + 1
    ast.increment_lineno(tree, shift)
    functions = {n.name: n for n in body if isinstance(n, ast.FunctionDef)}
    renamed = []   # from shared.readers import read_feed as feed_of: the job calls it feed_of
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in modules:
            for alias in node.names:
                if alias.asname and alias.name in functions and alias.asname not in functions:
                    copy = ast.FunctionDef(**{**{f: getattr(functions[alias.name], f)
                                                 for f in functions[alias.name]._fields}, "name": alias.asname})
                    renamed.append(ast.copy_location(copy, functions[alias.name]))
    tree.body = body + renamed + tree.body
    return tree


def ddl_columns(paths) -> dict:
    """'db.table' and 'table' -> [(column, spark type)] from every CREATE TABLE of the given DDL files."""
    from glue2lakehouse.estate.ddl import DDLError, parse_create_table, split_statements

    tables: dict = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for _, statement in split_statements(text):
            try:
                table = parse_create_table(statement)
            except (DDLError, ValueError):
                continue
            if table is None:
                continue
            columns = []
            for name, type_name, _ in table.columns + table.partitions:
                spark = _ddl_type(type_name)
                columns.append((name, spark))
            tables[table.name.lower()] = columns
            if table.database:
                tables[f"{table.database}.{table.name}".lower()] = columns
    return tables


def _ddl_type(hive_type: str) -> str | None:
    text = spark_type(hive_type)
    if text.split("(")[0].split("<")[0] in ("struct", "array", "map"):
        return None  # nested declared types: the code's own paths decide what is generated
    return text
