"""What a Glue file means, read with Python's ``ast``: text in, facts out (no git, no I/O).

The facts are the things a reviewer of a risk engine decides on: which tables and
paths a job reads and writes (and with which write mode), its job arguments, the
columns it maps, selects or renames (with their types where the code says), its
joins and filters. A Glue job definition (API JSON) gives its schedule, default
arguments and workers. Values are resolved through module-level string and list
constants (``DATABASE = "risk_db"``); anything computed at run time is kept as the
source text that computes it.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from dataclasses import dataclass, field

# Glue's own sinks append; a DataFrame writer without .mode() errors if the target exists.
GLUE_SINK_MODE = "append"
DEFAULT_WRITER_MODE = "errorifexists"
_READ_TERMINALS = {"load", "parquet", "csv", "json", "orc", "text", "table", "jdbc", "avro"}
_WRITE_TERMINALS = {"saveAsTable", "insertInto", "save", "parquet", "csv", "json", "orc", "text", "jdbc"}
_JDBC_TYPES = {"jdbc", "mysql", "postgresql", "oracle", "sqlserver", "redshift"}


@dataclass
class Facts:
    parsed: bool = True
    reads: dict[str, str] = field(default_factory=dict)          # target -> kind (catalog, s3, path, jdbc, table)
    writes: dict[str, set[str]] = field(default_factory=dict)    # target -> write modes
    arguments: set[str] = field(default_factory=set)
    columns: dict[str, str | None] = field(default_factory=dict)  # name -> type (None: not stated)
    joins: set[str] = field(default_factory=set)
    filters: set[str] = field(default_factory=set)
    job: dict[str, str] = field(default_factory=dict)            # job definition settings, flattened

    def add_write(self, target: str, mode: str) -> None:
        self.writes.setdefault(target, set()).add(mode)


def facts_of(path: str, data: bytes | str | None) -> Facts:
    """The facts of one file (empty for a file that is absent, not Python, or does not parse)."""
    if data is None:
        return Facts()
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if path.endswith(".json"):
        return _job_definition(text)
    if not path.endswith(".py"):
        return Facts()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return Facts(parsed=False)
    return _Reader(tree).facts


def changed_facts(old_path: str, old: bytes | None, path: str, new: bytes | None) -> tuple[Facts, Facts]:
    """The facts of two versions of a file, read only from the top-level statements that differ.

    What both versions say in the same statement cancels out in a comparison anyway; reading
    only the statements that changed keeps a sync's summary proportional to the change, not to
    the files' size. When a module-level constant changed (its value may change what unchanged
    statements mean), or a version is not Python that parses, both are read whole.
    """
    if not (old_path.endswith(".py") and path.endswith(".py")) or old is None or new is None:
        return facts_of(old_path, old), facts_of(path, new)
    try:
        old_tree, new_tree = ast.parse(old), ast.parse(new)
    except (SyntaxError, ValueError):
        return facts_of(old_path, old), facts_of(path, new)
    old_text, new_text = old.decode("utf-8", "replace"), new.decode("utf-8", "replace")
    old_parts, new_parts = _statements(old_tree, old_text), _statements(new_tree, new_text)
    old_only, new_only = _not_in(old_parts, new_parts), _not_in(new_parts, old_parts)
    old_reader, new_reader = _Reader(old_tree, old_only), _Reader(new_tree, new_only)
    if any(_is_constant(node, old_reader.constants) for node in old_only) or any(
            _is_constant(node, new_reader.constants) for node in new_only):
        return _Reader(old_tree).facts, _Reader(new_tree).facts
    return old_reader.facts, new_reader.facts


def _not_in(parts: list[tuple[ast.stmt, str]], others: list[tuple[ast.stmt, str]]) -> list[ast.stmt]:
    """The statements of ``parts`` whose text ``others`` does not have (as many times)."""
    left = Counter(source for _, source in others)
    out = []
    for node, source in parts:
        if left[source] > 0:
            left[source] -= 1
        else:
            out.append(node)
    return out


def _statements(tree: ast.Module, text: str) -> list[tuple[ast.stmt, str]]:
    lines = text.splitlines(keepends=True)
    return [(node, "".join(lines[node.lineno - 1:node.end_lineno])) for node in tree.body]


def _is_constant(node: ast.stmt, constants: dict) -> bool:
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
        and node.targets[0].id in constants


# ------------------------------------------------------------------ Python
class _Reader:
    def __init__(self, tree: ast.Module, only: list[ast.stmt] | None = None):
        self.facts = Facts()
        self.constants: dict[str, ast.expr] = {}
        counts: dict[str, int] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                counts[name] = counts.get(name, 0) + 1
                self.constants[name] = node.value
        self.constants = {n: v for n, v in self.constants.items() if counts[n] == 1
                          and isinstance(v, (ast.Constant, ast.List, ast.Tuple))}
        for top in (tree.body if only is None else only):
            for node in ast.walk(top):
                if isinstance(node, ast.Call):
                    self._call(node)

    # ---------------------------------------------------------- values
    def value(self, node: ast.expr | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and isinstance(self.constants.get(node.id), ast.Constant):
            return self.value(self.constants[node.id])
        return ast.unparse(node)

    def strings(self, node: ast.expr | None) -> list[str]:
        """The strings of a list/tuple literal (or a module constant holding one)."""
        if isinstance(node, ast.Name) and node.id in self.constants:
            node = self.constants[node.id]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [v for v in (self.value(e) for e in node.elts) if v is not None]
        if node is not None:
            value = self.value(node)
            return [value] if value is not None else []
        return []

    @staticmethod
    def arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        return call.args[index] if len(call.args) > index else None

    def option(self, call: ast.Call, index: int, name: str, key: str) -> list[str]:
        """A key of a dict argument such as connection_options={"paths": [...]}."""
        node = self.arg(call, index, name)
        if isinstance(node, ast.Name) and node.id in self.constants:
            node = self.constants[node.id]
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if k is not None and self.value(k) == key:
                    return self.strings(v)
        return []

    # ---------------------------------------------------------- calls
    def _call(self, call: ast.Call) -> None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        chain = _chain(func.value) if isinstance(func, ast.Attribute) else []
        facts = self.facts
        if name == "getResolvedOptions":
            facts.arguments.update(self.strings(self.arg(call, 1, "options")))
        elif name in ("from_catalog", "from_options", "from_jdbc_conf") and "create_dynamic_frame" in chain:
            self._glue_read(name, call)
        elif name in ("from_catalog", "from_options", "from_jdbc_conf") and "write_dynamic_frame" in chain:
            self._glue_write(name, call)
        elif name in ("purge_s3_path", "purge_table"):
            if name == "purge_s3_path":
                target = self.value(self.arg(call, 0, "s3_path"))
            else:
                target = f"{self.value(self.arg(call, 0, 'database'))}.{self.value(self.arg(call, 1, 'table_name'))}"
            facts.add_write(target or "?", "purge")
        elif name == "sql" and chain[-1:] in (["spark"], ["sqlContext"], ["spark_session"]) and call.args:
            if _is_string(call.args[0]) or isinstance(self.constants.get(getattr(call.args[0], "id", "")), ast.Constant):
                self._sql(self.value(call.args[0]) or "")
        elif name == "table" and chain == ["spark"]:
            target = self.value(self.arg(call, 0, "tableName"))
            if target:
                facts.reads[target] = "table"
        elif name in _READ_TERMINALS and "read" in chain:
            self._spark_read(name, call, chain)
        elif name in _WRITE_TERMINALS and ("write" in chain or "writeTo" in chain):
            self._spark_write(name, call)
        elif name == "apply" and chain[-1:] == ["ApplyMapping"] or name == "apply_mapping":
            mappings = self.arg(call, 1 if name == "apply" else 0, "mappings")
            if isinstance(mappings, ast.Name) and mappings.id in self.constants:
                mappings = self.constants[mappings.id]
            for item in getattr(mappings, "elts", []):
                parts = self.strings(item)
                if len(parts) == 4:
                    facts.columns[parts[2]] = parts[3]
        elif name == "select" and isinstance(func, ast.Attribute):
            for node in call.args:
                for column in self._column_names(node):
                    facts.columns.setdefault(column, None)
        elif name == "withColumnRenamed" and len(call.args) >= 2:
            facts.columns.setdefault(self.value(call.args[1]) or "?", None)
        elif name == "apply" and chain[-1:] == ["RenameField"] or name == "rename_field":
            new = self.arg(call, 2 if name == "apply" else 1, "new_name")
            if new is not None:
                facts.columns.setdefault(self.value(new) or "?", None)
        elif name == "apply" and chain[-1:] == ["SelectFields"] or name == "select_fields":
            for column in self.strings(self.arg(call, 1 if name == "apply" else 0, "paths")):
                facts.columns.setdefault(column, None)
        elif name == "withColumn" and call.args:
            column = self.value(call.args[0]) or "?"
            kind = _cast_type(call.args[1]) if len(call.args) > 1 else None
            facts.columns[column] = kind
        elif name == "join" and isinstance(func, ast.Attribute) and call.args and not _is_string(func.value):
            other = ast.unparse(call.args[0])
            on = self.arg(call, 1, "on")
            how = self.value(self.arg(call, 2, "how")) or "inner"
            facts.joins.add(f"join {other} on {ast.unparse(on) if on is not None else '(no condition)'} ({how})")
        elif name == "apply" and chain[-1:] == ["Join"]:
            frames = [ast.unparse(n) for n in (self.arg(call, 0, "frame1"), self.arg(call, 1, "frame2")) if n]
            keys = [ast.unparse(n) for n in (self.arg(call, 2, "keys1"), self.arg(call, 3, "keys2")) if n]
            facts.joins.add(f"Join {' with '.join(frames)} on {' = '.join(keys)} (inner)")
        elif name in ("filter", "where") and isinstance(func, ast.Attribute) and call.args:
            facts.filters.add(ast.unparse(call.args[0]))
        elif name == "apply" and chain[-1:] == ["Filter"]:
            condition = self.arg(call, 1, "f")
            if condition is not None:
                facts.filters.add(ast.unparse(condition))

    def _sql(self, text: str) -> None:
        """Tables a SQL literal reads and writes (INSERT [OVERWRITE], CREATE ... AS, MERGE)."""
        import sqlglot
        from sqlglot import exp

        try:
            statements = sqlglot.parse(text, read="spark")
        except sqlglot.errors.SqlglotError:
            return
        for statement in statements:
            if statement is None:
                continue
            target = None
            if isinstance(statement, exp.Insert):
                target, mode = statement.this, "overwrite" if statement.args.get("overwrite") else "append"
            elif isinstance(statement, exp.Create) and statement.args.get("expression") is not None:
                target, mode = statement.this, "overwrite" if statement.args.get("replace") else "create"
            elif isinstance(statement, exp.Merge):
                target, mode = statement.this, "merge"
            written = None
            if target is not None:
                table = target if isinstance(target, exp.Table) else target.find(exp.Table)
                if table is not None:
                    written = table
                    self.facts.add_write(_table_name(table), mode)
            ctes = {cte.alias for cte in statement.find_all(exp.CTE)}
            for table in statement.find_all(exp.Table):
                if table is not written and table.name and not (not table.db and table.name in ctes):
                    self.facts.reads.setdefault(_table_name(table), "sql")

    def _column_names(self, node: ast.expr) -> list[str]:
        if isinstance(node, ast.Starred):
            return self.strings(node.value)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [c for e in node.elts for c in self._column_names(e)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("alias", "name"):
            return [self.value(node.args[0]) or "?"] if node.args else []
        if isinstance(node, ast.Call) and _callee(node) == "col" and node.args:
            return [self.value(node.args[0]) or "?"]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Name) and isinstance(self.constants.get(node.id), ast.Constant):
            return [self.value(node) or "?"]
        return []

    def _glue_read(self, name: str, call: ast.Call) -> None:
        if name == "from_catalog":
            database = self.value(self.arg(call, 0, "database"))
            table = self.value(self.arg(call, 1, "table_name"))
            self.facts.reads[f"{database}.{table}"] = "catalog"
            return
        kind = self.value(self.arg(call, 0, "connection_type")) or ""
        if name == "from_jdbc_conf" or kind in _JDBC_TYPES:
            for table in self.option(call, 1, "connection_options", "dbtable") or ["?"]:
                self.facts.reads[table] = "jdbc"
        else:
            for path in self.option(call, 1, "connection_options", "paths") or ["?"]:
                self.facts.reads[path] = kind or "path"

    def _glue_write(self, name: str, call: ast.Call) -> None:
        if name == "from_catalog":
            database = self.value(self.arg(call, 1, "database"))
            table = self.value(self.arg(call, 2, "table_name"))
            self.facts.add_write(f"{database}.{table}", GLUE_SINK_MODE)
        elif name == "from_jdbc_conf":
            for table in self.option(call, 2, "connection_options", "dbtable") or ["?"]:
                self.facts.add_write(table, GLUE_SINK_MODE)
        else:
            kind = self.value(self.arg(call, 1, "connection_type")) or ""
            key = "dbtable" if kind in _JDBC_TYPES else "path"
            for target in self.option(call, 2, "connection_options", key) or ["?"]:
                self.facts.add_write(target, GLUE_SINK_MODE)

    def _spark_read(self, name: str, call: ast.Call, chain: list[str]) -> None:
        if name == "jdbc":
            self.facts.reads[self.value(self.arg(call, 1, "table")) or "?"] = "jdbc"
            return
        if name == "table":
            self.facts.reads[self.value(self.arg(call, 0, "tableName")) or "?"] = "table"
            return
        target = self.value(self.arg(call, 0, "path"))
        options = _chain_options(call.func.value)
        if target is None:
            target = self.value(options.get("dbtable") or options.get("path")) or "?"
        self.facts.reads[target] = "jdbc" if "dbtable" in options else "path"

    def _spark_write(self, name: str, call: ast.Call) -> None:
        calls = _chain_calls(call.func.value)
        mode = DEFAULT_WRITER_MODE
        for method, inner in calls:
            if method == "mode" and inner.args:
                mode = self.value(inner.args[0]) or mode
        if name == "insertInto":
            overwrite = self.arg(call, 1, "overwrite")
            mode = "overwrite" if isinstance(overwrite, ast.Constant) and overwrite.value is True else "append"
        target = self.value(self.arg(call, 0, "name" if name in ("saveAsTable", "insertInto") else "path"))
        if name == "jdbc":
            target = self.value(self.arg(call, 1, "table"))
        if target is None:
            options = _chain_options(call.func.value)
            target = self.value(options.get("dbtable") or options.get("path")) or "?"
        self.facts.add_write(target, mode)


def _table_name(table) -> str:
    return ".".join(part for part in (table.catalog, table.db, table.name) if part)


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _chain(node: ast.expr) -> list[str]:
    """The attribute names along a call chain, outermost first: a.b().c -> ['c', 'b', 'a']."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names
        else:
            return names


def _chain_calls(node: ast.expr) -> list[tuple[str, ast.Call]]:
    out = []
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                out.append((node.func.attr, node))
            node = node.func
        else:
            node = node.value
    return out


def _chain_options(node: ast.expr) -> dict[str, ast.expr]:
    options: dict[str, ast.expr] = {}
    for method, call in _chain_calls(node):
        if method == "option" and len(call.args) >= 2 and _is_string(call.args[0]):
            options.setdefault(call.args[0].value, call.args[1])
        elif method == "options":
            for keyword in call.keywords:
                if keyword.arg:
                    options.setdefault(keyword.arg, keyword.value)
    return options


def _cast_type(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("cast", "astype"):
        if node.args and _is_string(node.args[0]):
            return node.args[0].value
        if node.args:
            return ast.unparse(node.args[0])
    return None


# ------------------------------------------------------------------ job definitions
_JOB_KEYS = {"Schedule": "schedule", "WorkerType": "worker type", "NumberOfWorkers": "workers",
             "MaxCapacity": "max capacity", "GlueVersion": "Glue version", "Timeout": "timeout",
             "MaxRetries": "max retries"}


def _job_definition(text: str) -> Facts:
    """A Glue job or trigger definition (the Glue API's JSON shape, or a list/map of them)."""
    try:
        document = json.loads(text)
    except ValueError:
        return Facts(parsed=False)
    facts = Facts()
    for prefix, job in _definitions(document):
        script = (job.get("Command") or {}).get("ScriptLocation") if isinstance(job.get("Command"), dict) else None
        if script:
            facts.job[f"{prefix}script"] = str(script)
        for key, label in _JOB_KEYS.items():
            if key in job:
                facts.job[f"{prefix}{label}"] = str(job[key])
        for name, value in (job.get("DefaultArguments") or {}).items():
            facts.job[f"{prefix}argument {name}"] = str(value)
            if name.startswith("--") and not name.startswith("--enable") and not name.startswith("--job-"):
                facts.arguments.add(name[2:])
        for action in job.get("Actions") or []:
            if isinstance(action, dict) and action.get("JobName"):
                facts.job[f"{prefix}starts {action['JobName']}"] = "yes"
    return facts


def _definitions(document) -> list[tuple[str, dict]]:
    if isinstance(document, dict) and any(k in document for k in ("Command", "Schedule", "Actions")):
        name = document.get("Name")
        return [(f"{name}: " if name else "", document)]
    if isinstance(document, dict):
        for key in ("Job", "Trigger"):
            if isinstance(document.get(key), dict):
                return _definitions(document[key])
        items = [(k, v) for k, v in document.items() if isinstance(v, dict)]
        return [(f"{k}: ", v) for k, v in items if any(x in v for x in ("Command", "Schedule", "Actions"))]
    if isinstance(document, list):
        out = []
        for item in document:
            out += _definitions(item)
        return out
    return []
