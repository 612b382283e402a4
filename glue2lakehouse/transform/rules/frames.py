"""DynamicFrame <-> DataFrame: ``DynamicFrame.fromDF`` and a zero-argument ``toDF()`` become the identity."""

from __future__ import annotations

import libcst as cst

from glue2lakehouse.transform.context import Context, bind


def from_df(ctx: Context, original: cst.Call, updated: cst.Call):
    args = bind(updated, ("dataframe", "glue_ctx", "name"))
    if args.star or "dataframe" not in args:
        ctx.flag("fromDF", "DynamicFrame.fromDF with unusual arguments: use the DataFrame itself")
        return None
    return args.get("dataframe")


def to_df(ctx: Context, original: cst.Call, updated: cst.Call):
    if updated.args:  # toDF(*cols) renames columns: a DataFrame method too, keep it
        return None
    receiver = updated.func.value
    return receiver.with_changes(lpar=[], rpar=[]) if isinstance(receiver, cst.Name) else receiver


HANDLERS = {
    "DynamicFrame.fromDF": from_df,
    "frame.toDF": to_df,
}
