"""DynamicFrameCollection as a dict of DataFrames: SplitFields, SplitRows, SelectFromCollection, ``dfc.select``."""

from __future__ import annotations

import libcst as cst

from glue2lakehouse.transform.context import Context, bind, literal, literal_or, py
from glue2lakehouse.transform.rules.transforms import COMMON, _frame_and_args, _names
from glue2lakehouse.transform.rules.transforms_paths import split_path, sql_ref

# SplitRows comparators -> the Column operator.
COMPARATORS = {"<": "<", ">": ">", "<=": "<=", ">=": ">=", "=": "==", "==": "==", "!=": "!="}


def _dict_lines(items: list[tuple[str, str]]) -> str:
    return "{\n" + "".join(f"    {key}: {value},\n" for key, value in items) + "}"


def _collection_names(ctx: Context, args, what: str) -> tuple[str, str] | None:
    if "name1" not in args or "name2" not in args:
        ctx.flag(what, f"{what} without name1/name2: name the two DataFrames of the dict by hand")
        return None
    return ctx.code(args.get("name1")), ctx.code(args.get("name2"))


def split_fields(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    """The listed fields and the rest: two selects, as a dict keyed by name1 and name2."""
    args = _frame_and_args(ctx, updated, method, ("frame", "paths", "name1", "name2"), ("paths", "name1", "name2"))
    if args.star or "paths" not in args or args.unknown({"frame", "paths", "name1", "name2"} | COMMON):
        ctx.flag("splitfields", "SplitFields with unusual arguments: two selects by hand (the listed fields, the rest)")
        return None
    names = _names(ctx, args.get("paths"), "splitfields")
    keys = _collection_names(ctx, args, "splitfields")
    if names is None or keys is None:
        return None
    frame = ctx.receiver(args.get("frame"))
    ctx.imports.add("F")
    listed = ", ".join(f"F.col({py(sql_ref([n]))})" for n in names)
    rest = ", ".join(py(n) for n in names)
    return ctx.parse(_dict_lines([(keys[0], f"{frame}.select({listed})"), (keys[1], f"{frame}.drop({rest})")]))


def _condition(ctx: Context, comparisons) -> str | None:
    """{"age": {">": 10, "<": 20}} -> (F.col("`age`") > 10) & (F.col("`age`") < 20)."""
    if not isinstance(comparisons, dict) or not comparisons:
        return None
    terms = []
    for path, tests in comparisons.items():
        segments = split_path(path) if isinstance(path, str) else None
        if segments is None or not isinstance(tests, dict) or not tests:
            return None
        for comparator, value in tests.items():
            operator = COMPARATORS.get(comparator)
            if operator is None or isinstance(value, (dict, list)):
                return None
            terms.append(f"(F.col({py(sql_ref(segments))}) {operator} {py(value)})")
    if len(terms) == 1:
        return terms[0][1:-1]
    return " & ".join(terms)


def split_rows(ctx: Context, original: cst.Call, updated: cst.Call, method: bool = False):
    """Rows meeting every comparison under name1; all the others (a null or missing field included) under name2."""
    args = _frame_and_args(ctx, updated, method, ("frame", "comparison_dict", "name1", "name2"),
                           ("comparison_dict", "name1", "name2"))
    if args.star or "comparison_dict" not in args or args.unknown(
            {"frame", "comparison_dict", "name1", "name2"} | COMMON):
        ctx.flag("splitrows", "SplitRows with unusual arguments: two filters by hand (the comparison, its negation)")
        return None
    try:
        comparisons = literal(args.get("comparison_dict"))
    except ValueError:
        comparisons = None
    condition = _condition(ctx, comparisons)
    if condition is None:
        ctx.flag("splitrows", "SplitRows comparisons not known when converting: two filters by hand (the comparison, "
                              "and its negation with nulls: ~F.coalesce(condition, F.lit(False)))")
        return None
    keys = _collection_names(ctx, args, "splitrows")
    if keys is None:
        return None
    frame = ctx.receiver(args.get("frame"))
    ctx.imports.add("F")
    return ctx.parse(_dict_lines([
        (keys[0], f"{frame}.filter({condition})"),
        (keys[1], f"{frame}.filter(~F.coalesce({condition if ' & ' in condition else '(' + condition + ')'}, "
                  "F.lit(False)))"),
    ]))


def select_from_collection(ctx: Context, original: cst.Call, updated: cst.Call):
    """SelectFromCollection.apply(dfc, key): the dict's entry."""
    args = bind(updated, ("dfc", "key"))
    if args.star or "dfc" not in args or "key" not in args or args.unknown({"dfc", "key"} | COMMON):
        ctx.flag("selectfromcollection", "SelectFromCollection with unusual arguments: index the dict by hand")
        return None
    return ctx.parse(f"{ctx.receiver(args.get('dfc'))}[{ctx.code(args.get('key'))}]")


def collection_select(ctx: Context, original: cst.Call, updated: cst.Call):
    """dfc.select(key) on a collection: the dict's entry."""
    first = updated.args[0] if len(updated.args) == 1 else None
    if first is None or first.star or (first.keyword is not None and first.keyword.value != "key"):
        ctx.flag("selectfromcollection", "select on a collection with unusual arguments: index the dict by hand")
        return None
    return ctx.parse(f"{ctx.receiver(updated.func.value)}[{ctx.code(updated.args[0].value)}]")


def collection(ctx: Context, original: cst.Call, updated: cst.Call):
    """DynamicFrameCollection({name: frame, ...}, glueContext): the dict itself."""
    args = bind(updated, ("dynamic_frames", "glue_ctx"))
    if args.star or "dynamic_frames" not in args or args.unknown({"dynamic_frames", "glue_ctx"}):
        ctx.flag("collection", "DynamicFrameCollection with unusual arguments: use a dict of DataFrames")
        return None
    frames = args.get("dynamic_frames")
    return frames.with_changes(lpar=[], rpar=[]) if isinstance(frames, cst.Dict) else ctx.parse(f"dict({ctx.code(frames)})")


def map_to_collection(ctx: Context, original: cst.Call, updated: cst.Call):
    """MapToCollection.apply(dfc, callable): the callable on each frame with "<ctx>:<key>", as Glue calls it."""
    args = bind(updated, ("dfc", "callable", "transformation_ctx"))
    if args.star or "dfc" not in args or "callable" not in args or args.unknown({"dfc", "callable"} | COMMON):
        ctx.flag("maptocollection", "MapToCollection with unusual arguments: apply the function to each DataFrame "
                                    "of the dict by hand")
        return None
    text = literal_or(args.get("transformation_ctx"), "") if "transformation_ctx" in args else ""
    if isinstance(text, str) and not any(c in text for c in "{}\"\\\n"):
        label = f"f\"{text}:{{key}}\""
    else:
        label = f"{ctx.code(args.get('transformation_ctx'))} + \":\" + key"
    return ctx.parse(f"{{key: {ctx.receiver(args.get('callable'))}(frame, {label}) "
                     f"for key, frame in {ctx.receiver(args.get('dfc'))}.items()}}")


HANDLERS = {
    "MapToCollection.apply": map_to_collection,
    "SplitFields.apply": split_fields,
    "frame.split_fields": lambda ctx, original, updated: split_fields(ctx, original, updated, method=True),
    "SplitRows.apply": split_rows,
    "frame.split_rows": lambda ctx, original, updated: split_rows(ctx, original, updated, method=True),
    "SelectFromCollection.apply": select_from_collection,
    "collection.select": collection_select,
    "DynamicFrameCollection": collection,
}
