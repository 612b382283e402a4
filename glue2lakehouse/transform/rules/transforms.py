"""awsglue.transforms, class form (``X.apply(frame=...)``) and method form (``dyf.x(...)``)."""

from __future__ import annotations

import libcst as cst

from glue2lakehouse.transform.context import Context, bind, literal, literal_or, py
from glue2lakehouse.transform.rules import filters
from glue2lakehouse.transform.rules.transforms_paths import split_path, sql_ref

COMMON = {"transformation_ctx", "info", "stageThreshold", "totalThreshold"}
COMPLEX_TYPES = {"struct", "array", "map"}


def _frame_and_args(ctx: Context, updated: cst.Call, method: bool, class_params: tuple, method_params: tuple):
    if method:
        args = bind(updated, method_params)
        args.values["frame"] = updated.func.value
    else:
        args = bind(updated, class_params)
    return args


def _lines(ctx: Context, items: list[str]) -> str:
    """Call arguments one per line (indented relative to the statement; libcst adds the block's indent)."""
    return "\n" + "".join(f"    {item},\n" for item in items)


# ---------------------------------------------------------------- ApplyMapping
def _mapping_items(ctx: Context, mappings: list) -> list[str] | None:
    tree: dict = {}
    for mapping in mappings:
        if not (isinstance(mapping, (list, tuple)) and len(mapping) == 4 and all(isinstance(m, str) for m in mapping)):
            return None
        source, _source_type, target, target_type = mapping
        src, dst = split_path(source), split_path(target)
        if src is None or dst is None:
            return None
        node = tree
        for segment in dst[:-1]:
            node = node.setdefault(segment, {})
            if not isinstance(node, dict):
                return None
        kind = target_type.strip().lower()
        if kind.split("<")[0] in COMPLEX_TYPES:
            expr = f"F.col({py(sql_ref(src))})"
        else:
            expr = f"F.expr({py(f'try_cast({sql_ref(src)} AS {target_type})')})"
        node[dst[-1]] = expr

    def render(node: dict) -> list[str]:
        out = []
        for name, value in node.items():
            if isinstance(value, dict):
                out.append(f"F.struct({', '.join(render(value))}).alias({py(name)})")
            else:
                out.append(f"{value}.alias({py(name)})")
        return out

    return render(tree)


def _flat(mappings) -> bool:
    """Mappings the generic comprehension handles exactly: plain names, flat targets, scalar types."""
    if not isinstance(mappings, list) or not mappings:
        return False
    for mapping in mappings:
        if not (isinstance(mapping, (list, tuple)) and len(mapping) == 4 and all(isinstance(m, str) for m in mapping)):
            return False
        source, _, target, target_type = mapping
        if "`" in source or "." in target or target_type.strip().lower().split("<")[0] in COMPLEX_TYPES:
            return False
    return True


def apply_mapping(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame", "mappings", "case_sensitive"), ("mappings", "case_sensitive"))
    if args.star or "mappings" not in args or args.unknown({"frame", "mappings", "case_sensitive"} | COMMON):
        ctx.flag("apply-mapping", "ApplyMapping with unusual arguments: convert by hand to select(try_cast(...))")
        return None
    sensitive = args.get("case_sensitive")
    if sensitive is not None and not (isinstance(sensitive, cst.Name) and sensitive.value == "False"):
        ctx.flag("apply-mapping", "case_sensitive=True: set spark.sql.caseSensitive or check the column names")
    frame = ctx.receiver(args.get("frame"))
    ctx.imports.add("F")
    node = args.get("mappings")
    try:
        mappings = literal(node)
    except ValueError:
        mappings = None
    def at_run_time() -> str:  # mappings known only when the job runs: the helper applies them
        return f"{ctx.helper('glue_apply_mapping')}({ctx.code(args.get('frame'))}, {ctx.code(node)})"

    if mappings is None and isinstance(node, cst.Name) and node.value in ctx.literals:
        constant = ctx.literals[node.value]
        if _flat(constant):  # the comprehension over the constant is exact: keep the name, keep edits local
            return ctx.parse(at_run_time())
        items = _mapping_items(ctx, constant)
        if items is not None:  # nested targets or special names: spelled out (an edit of the constant shows here too)
            return ctx.parse(f"{frame}.select({_lines(ctx, items)})")
    if mappings is None:  # known when the job runs: the helper builds dotted targets and unquotes backticks too
        return ctx.parse(at_run_time())
    items = _mapping_items(ctx, mappings)
    if items is None:
        ctx.flag("apply-mapping", "mappings that are not (source, type, target, type) strings: convert by hand")
        return None
    return ctx.parse(f"{frame}.select({_lines(ctx, items)})")


# ---------------------------------------------------------------- ResolveChoice
def resolve_choice(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame", "specs", "choice", "database", "table_name"),
                           ("specs", "choice", "database", "table_name"))
    if args.star or args.unknown({"frame", "specs", "choice", "database", "table_name", "catalog_id"} | COMMON):
        ctx.flag("resolve-choice", "ResolveChoice with unusual arguments: convert by hand")
        return None
    try:
        specs = literal(args.get("specs")) if "specs" in args else None
        choice = literal(args.get("choice")) if "choice" in args else None
    except ValueError:
        ctx.flag("resolve-choice", "ResolveChoice specs not known when converting: convert by hand with try_cast")
        return None
    if specs and choice:
        ctx.flag("resolve-choice", "ResolveChoice with both specs and choice (Glue refuses this): fix the call")
        return None
    frame_node = args.get("frame")
    if not specs:
        if choice in ("make_cols", "make_struct"):
            _schemaless(ctx, frame_node, choice)
            return frame_node  # a column of one type stays as it is
        if choice == "match_catalog" and "database" in args and "table_name" in args:
            return ctx.parse(f"{ctx.helper('glue_match_catalog')}({ctx.code(frame_node)}, "
                             f"{ctx.table_name_code(args.get('database'), args.get('table_name'))})")
        ctx.flag("resolve-choice", f"ResolveChoice choice={choice!r} resolves every choice column; a DataFrame has "
                                   "no choice types, so cast the columns Spark read with mixed types by hand")
        return None
    code = ctx.receiver(frame_node)
    catalog_columns = []
    for spec in specs:
        if not (isinstance(spec, (list, tuple)) and len(spec) == 2 and all(isinstance(s, str) for s in spec)):
            ctx.flag("resolve-choice", "ResolveChoice specs that are not (path, action) strings: convert by hand")
            return None
        path, action = spec
        segments = split_path(path)
        kind, _, type_name = action.partition(":")
        if segments is not None and len(segments) == 1 and kind in ("make_cols", "make_struct") and not type_name:
            _schemaless(ctx, frame_node, kind, segments[0])
            continue  # a column of one type stays as it is
        if segments is not None and len(segments) == 1 and kind == "match_catalog" and not type_name \
                and "database" in args and "table_name" in args:
            catalog_columns.append(segments[0])
            continue
        if segments is None or len(segments) != 1 or kind not in ("cast", "project") or not type_name:
            ctx.flag("resolve-choice", f"ResolveChoice {action!r} on {path!r} is not converted (nested paths, and "
                                       "match_catalog without database and table_name, need a hand-written select)")
            return None
        ctx.imports.add("F")
        code += f".withColumn({py(segments[0])}, F.expr({py(f'try_cast({sql_ref(segments)} AS {type_name})')}))"
    if catalog_columns:
        code = (f"{ctx.helper('glue_match_catalog')}({code}, "
                f"{ctx.table_name_code(args.get('database'), args.get('table_name'))}, {py(catalog_columns)})")
    if code == ctx.receiver(frame_node) and not catalog_columns:
        return frame_node
    return ctx.parse(code)


SCHEMALESS = ("csv", "json")


def _schemaless(ctx: Context, frame: cst.BaseExpression, action: str, column: str | None = None) -> None:
    """make_cols / make_struct are the identity on a column of one type; where the frame was read from files without
    a schema (CSV, JSON), Glue could have seen mixed types that Spark's reader widened to one: say so."""
    import ast

    name = frame.value if isinstance(frame, cst.Name) else None
    if name is None or ctx.tree is None:
        return
    for node in ast.walk(ctx.tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == name and isinstance(node.value, ast.Call)):
            continue
        func = node.value.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("from_options", "create_dynamic_frame_from_options")):
            continue
        fmt = next((k.value.value for k in node.value.keywords if k.arg == "format"
                    and isinstance(k.value, ast.Constant)), None)
        if fmt in SCHEMALESS:
            what = f"column {column!r}" if column else "every column"
            ctx.flag("resolve-choice", f"ResolveChoice {action} on {what} of a {fmt} read: where Glue saw mixed "
                                       "types it made <col>_<type> columns (make_cols) or a struct (make_struct); "
                                       "Spark's reader widened them to one type, kept as it is: check the values")
            return


# ---------------------------------------------------------------- field selection
def _names(ctx: Context, node, what: str) -> list[str] | None:
    try:
        paths = literal(node)
    except ValueError:
        ctx.flag(what, f"{what} paths not known when converting: convert by hand")
        return None
    if isinstance(paths, str):
        paths = [paths]
    names = []
    for path in paths:
        segments = split_path(path) if isinstance(path, str) else None
        if segments is None or len(segments) != 1:
            ctx.flag(what, f"nested path {path!r}: {what} on nested fields needs a hand-written select")
            return None
        names.append(segments[0])
    return names


def select_fields(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame", "paths"), ("paths",))
    if args.star or "paths" not in args or args.unknown({"frame", "paths"} | COMMON):
        ctx.flag("select-fields", "SelectFields with unusual arguments: convert by hand")
        return None
    names = _names(ctx, args.get("paths"), "select-fields")
    if names is None:
        return None
    ctx.imports.add("F")
    columns = ", ".join(f"F.col({py(sql_ref([n]))})" for n in names)
    return ctx.parse(f"{ctx.receiver(args.get('frame'))}.select({columns})")


def drop_fields(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame", "paths"), ("paths",))
    if args.star or "paths" not in args or args.unknown({"frame", "paths"} | COMMON):
        ctx.flag("drop-fields", "DropFields with unusual arguments: convert by hand")
        return None
    names = _names(ctx, args.get("paths"), "drop-fields")
    if names is None:
        return None
    return ctx.parse(f"{ctx.receiver(args.get('frame'))}.drop({', '.join(py(n) for n in names)})")


def rename_field(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame", "old_name", "new_name"), ("oldName", "newName"))
    args.values.setdefault("old_name", args.values.pop("oldName", None))
    args.values.setdefault("new_name", args.values.pop("newName", None))
    args.values = {k: v for k, v in args.values.items() if v is not None}
    if args.star or not {"old_name", "new_name"} <= set(args.values) or args.unknown(
            {"frame", "old_name", "new_name"} | COMMON):
        ctx.flag("rename-field", "RenameField with unusual arguments: convert by hand to withColumnRenamed")
        return None
    try:
        old, new = literal(args.get("old_name")), literal(args.get("new_name"))
    except ValueError:
        return ctx.parse(f"{ctx.receiver(args.get('frame'))}.withColumnRenamed("
                         f"{ctx.code(args.get('old_name'))}, {ctx.code(args.get('new_name'))})")
    old_segments, new_segments = split_path(old), split_path(new)
    if not old_segments or not new_segments or len(old_segments) != 1 or len(new_segments) != 1:
        ctx.flag("rename-field", f"renaming nested field {old!r}: rebuild the struct with a select by hand")
        return None
    return ctx.parse(f"{ctx.receiver(args.get('frame'))}.withColumnRenamed({py(old_segments[0])}, {py(new_segments[0])})")


# ---------------------------------------------------------------- DropNullFields
def drop_null_fields(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame",), ())
    if args.star or "frame" not in args or args.unknown({"frame"} | COMMON):
        ctx.flag("drop-null-fields", "DropNullFields with unusual arguments: convert by hand")
        return None
    return ctx.parse(f"{ctx.helper('glue_drop_null_fields')}({ctx.code(args.get('frame'))})")


# ---------------------------------------------------------------- Join
def _keys(node) -> list[str] | None:
    try:
        keys = literal(node)
    except ValueError:
        return None
    keys = [keys] if isinstance(keys, str) else keys
    if not keys or not all(isinstance(k, str) and split_path(k) and len(split_path(k)) == 1 for k in keys):
        return None
    return [split_path(k)[0] for k in keys]


def join(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    if method:
        first = updated.args[0].value if updated.args else None
        if not isinstance(first, (cst.List, cst.Tuple, cst.SimpleString)):
            return None  # DataFrame.join(other, on, how): not a Glue join
        args = bind(updated, ("paths1", "paths2", "frame2"))
        args.values["frame1"] = updated.func.value
        args.values["keys1"] = args.values.pop("paths1", None)
        args.values["keys2"] = args.values.pop("paths2", None)
    else:
        args = bind(updated, ("frame1", "frame2", "keys1", "keys2"))
    handled = {"frame1", "frame2", "keys1", "keys2"}
    if args.star or args.unknown(handled | COMMON) or not handled <= {k for k, v in args.values.items() if v is not None}:
        ctx.flag("join", "Join with unusual arguments: convert by hand to an inner equi-join")
        return None
    keys1, keys2 = _keys(args.get("keys1")), _keys(args.get("keys2"))
    if keys1 is None or keys2 is None or len(keys1) != len(keys2):
        ctx.flag("join", "Join keys not known when converting, or nested: convert by hand to an inner equi-join")
        return None
    # Glue keeps both key columns and prefixes frame2's columns that frame1 also has with a dot:
    # which columns clash is known only at run time, so a helper does it.
    return ctx.parse(f"{ctx.helper('glue_join')}({ctx.code(args.get('frame1'))}, {ctx.code(args.get('frame2'))}, "
                     f"{py(keys1)}, {py(keys2)})")


# ---------------------------------------------------------------- Filter
def filter_(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame", "f"), ("f",))
    if args.star or "f" not in args or args.unknown({"frame", "f"} | COMMON):
        ctx.flag("filter", "Filter with unusual arguments: convert by hand")
        return None
    function = args.get("f")
    if method and not isinstance(function, (cst.Lambda, cst.Name, cst.Attribute)):
        return None  # DataFrame.filter(Column or SQL string): not a Glue filter
    ctx.imports.add("F")
    condition = filters.translate(ctx, function)
    frame_node = args.get("frame")
    if condition is not None:
        return ctx.parse(f"{ctx.receiver(frame_node)}.filter({condition})")
    return ctx.parse(filters.fallback(ctx, function, ctx.code(frame_node)))


# ---------------------------------------------------------------- kept and flagged
def spigot(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    args = _frame_and_args(ctx, updated, method, ("frame", "path", "options"), ("path", "options"))
    if args.star or "frame" not in args:
        return _flagged("Spigot")(ctx, original, updated)
    ctx.flag("spigot", "Spigot wrote a sample of the frame to S3 and passed the frame on: the sample is not written "
                       "any more (write df.limit(n) yourself if you need it)")
    return args.get("frame")


def map_(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    """Map with a record function: the function runs on each row as a dict (glue_map), flagged as slow only."""
    args = _frame_and_args(ctx, updated, method, ("frame", "f"), ("f",))
    if args.star or "f" not in args or "frame" not in args or args.unknown({"frame", "f"} | COMMON):
        ctx.flag("map", "Map with unusual arguments: apply the record function with rdd.map by hand")
        return None
    ctx.note("map-python", "Map runs its record function in Python, row by row (glue_map): correct but slow; "
                           "rewrite it as Column expressions where the job is large")
    return ctx.parse(f"{ctx.helper('glue_map')}({ctx.code(args.get('frame'))}, {ctx.code(args.get('f'))})")


def relationalize(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    """Relationalize: the arrays are only known at run time, so glue_relationalize builds the dict of frames."""
    args = _frame_and_args(ctx, updated, method, ("frame", "staging_path", "name", "options"),
                           ("root_table_name", "staging_path", "options"))
    if "root_table_name" in args:
        args.values["name"] = args.values.pop("root_table_name")
    if args.star or "frame" not in args or args.unknown({"frame", "staging_path", "name", "options"} | COMMON):
        ctx.flag("relationalize", "Relationalize with unusual arguments: flatten structs and split arrays by hand")
        return None
    name = ctx.code(args.get("name")) if "name" in args else py("roottable")
    return ctx.parse(f"{ctx.helper('glue_relationalize')}({ctx.code(args.get('frame'))}, {name})")


def unbox(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    """Unbox of a JSON string column: from_json with the schema Spark infers from the column at run time (glue_unbox)."""
    args = _frame_and_args(ctx, updated, method, ("frame", "path", "format"), ("path", "format"))
    if args.star or not {"frame", "path", "format"} <= set(args.values) or args.unknown(
            {"frame", "path", "format"} | COMMON):
        ctx.flag("unbox", "Unbox with unusual arguments (options of the format): parse the column with from_json / "
                          "from_csv and an explicit schema")
        return None
    path, fmt = literal_or(args.get("path")), literal_or(args.get("format"))
    segments = split_path(path) if isinstance(path, str) else None
    if fmt != "json" or segments is None or len(segments) != 1:
        ctx.flag("unbox", f"Unbox of {fmt!r} data or of a nested path: parse the column with from_json / from_csv "
                          "and an explicit schema")
        return None
    return ctx.parse(f"{ctx.helper('glue_unbox')}({ctx.code(args.get('frame'))}, {py(segments[0])})")


def unnest(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    """UnnestFrame: struct fields to top-level dotted names; the fields are known at run time (glue_unnest)."""
    args = _frame_and_args(ctx, updated, method, ("frame",), ())
    if args.star or "frame" not in args or args.unknown({"frame"} | COMMON):
        ctx.flag("unnestframe", "UnnestFrame with unusual arguments: flatten structs with select by hand")
        return None
    return ctx.parse(f"{ctx.helper('glue_unnest')}({ctx.code(args.get('frame'))})")


def _flagged(what: str, advice: str = ""):
    def handler(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
        ctx.flag(what.lower().replace(" ", "-"), f"{what} has no faithful DataFrame form here: "
                                                 f"{advice or 'rewrite it with DataFrame operations'}")
        return None
    return handler


def _method(handler):
    return lambda ctx, original, updated: handler(ctx, original, updated, method=True)


FLAGGED = {
    "FlatMap": "rewrite with DataFrame operations",
    "FillMissingValues": "impute with DataFrame operations or MLlib Imputer",
    "ErrorsAsDynamicFrame": "DataFrames have no error records",
    "DropDuplicates": "use dropDuplicates()",
    "Union": "use unionByName(allowMissingColumns=True)",
    "Coalesce": "use coalesce(n)",
    "Repartition": "use repartition(n)",
}

HANDLERS = {
    "ApplyMapping.apply": apply_mapping,
    "ResolveChoice.apply": resolve_choice,
    "DropNullFields.apply": drop_null_fields,
    "SelectFields.apply": select_fields,
    "DropFields.apply": drop_fields,
    "RenameField.apply": rename_field,
    "Join.apply": join,
    "Filter.apply": filter_,
    "Spigot.apply": spigot,
    "frame.apply_mapping": _method(apply_mapping),
    "frame.resolveChoice": _method(resolve_choice),
    "frame.drop_null_fields": _method(drop_null_fields),
    "frame.select_fields": _method(select_fields),
    "frame.drop_fields": _method(drop_fields),
    "frame.rename_field": _method(rename_field),
    "frame.join": _method(join),
    "frame.filter": _method(filter_),
    "frame.spigot": _method(spigot),
    "Map.apply": map_,
    "frame.map": _method(map_),
    "Relationalize.apply": relationalize,
    "frame.relationalize": _method(relationalize),
    "Unbox.apply": unbox,
    "frame.unbox": _method(unbox),
    "UnnestFrame.apply": unnest,
    "frame.unnest": _method(unnest),
}
for _name, _advice in FLAGGED.items():
    HANDLERS.setdefault(f"{_name}.apply", _flagged(_name, _advice))
