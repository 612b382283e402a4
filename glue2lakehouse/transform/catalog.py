"""Rule: ``glueContext.create_dynamic_frame.from_catalog(...)`` -> ``spark.table(...)``.

``database`` (or its old alias ``name_space``) and ``table_name`` become the
three-part Unity Catalog name ``<catalog>.<database>.<table>``; an f-string
when they are variables. ``push_down_predicate`` becomes ``.where(...)``, which
keeps the result the same. Other options are left for review.
"""

from __future__ import annotations

import json
import re

import libcst as cst
from libcst.metadata import PositionProvider

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.transform import Finding
from glue2lakehouse.transform.analysis import Roles

_POSITIONAL = ("database", "table_name", "redshift_tmp_dir", "transformation_ctx", "push_down_predicate",
               "additional_options", "catalog_id")
_HANDLED = {"database", "name_space", "table_name", "push_down_predicate", "transformation_ctx"}
_SAFE_CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]()]*$")


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class CatalogReads(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, roles: Roles, settings: TransformSettings, path: str, findings: list[Finding],
                 module: cst.Module):
        super().__init__()
        self.roles = roles
        self.settings = settings
        self.path = path
        self.findings = findings
        self.module = module
        self.used_spark = False
        self._params: list[set[str]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._params.append({p.name.value for p in node.params.params + node.params.kwonly_params})

    def leave_FunctionDef(self, original, updated):
        self._params.pop()
        return updated

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _part(self, node: cst.BaseExpression) -> tuple[str | None, str | None]:
        """(literal text, code) of a name part."""
        literal = _string_value(node)
        return (literal, None) if literal is not None else (None, self.module.code_for_node(node))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "from_catalog"
                and isinstance(func.value, cst.Attribute) and func.value.attr.value == "create_dynamic_frame"
                and self.roles.is_glue(func.value.value)):
            return updated
        args: dict[str, cst.BaseExpression] = {}
        for index, arg in enumerate(original.args):
            if arg.star:
                return self._review(original, updated, "from_catalog with *args/**kwargs")
            key = arg.keyword.value if arg.keyword else (_POSITIONAL[index] if index < len(_POSITIONAL) else "?")
            args["database" if key == "name_space" else key] = arg.value
        unknown = sorted(set(args) - _HANDLED)
        if unknown or "database" not in args or "table_name" not in args:
            what = ", ".join(unknown) if unknown else "database or table_name missing"
            return self._review(original, updated, f"from_catalog with {what}")
        pieces = [(self.settings.catalog, None), self._part(args["database"]), self._part(args["table_name"])]
        if all(code is None for _, code in pieces):
            name_code = json.dumps(".".join(literal for literal, _ in pieces))
        elif all(code is None or _SAFE_CODE.match(code) for _, code in pieces):
            name_code = 'f"' + ".".join(
                literal.replace("{", "{{").replace("}", "}}") if code is None else "{" + code + "}"
                for literal, code in pieces
            ) + '"'
        else:
            name_code = " + \".\" + ".join(json.dumps(literal) if code is None else f"str({code})"
                                           for literal, code in pieces)
        glue_name = func.value.value.value
        in_param_scope = any(glue_name in params for params in self._params) and glue_name in self.roles.glue_params
        if in_param_scope:
            session = "SparkSession.builder.getOrCreate()"
        else:
            session = self.roles.spark or "spark"
            self.used_spark = True
        code = f"{session}.table({name_code})"
        if "push_down_predicate" in args:
            code += f".where({self.module.code_for_node(args['push_down_predicate'])})"
        if "transformation_ctx" in args:
            self.findings.append(Finding(
                self.path, self._line(original), "bookmark",
                "transformation_ctx dropped: with job bookmarks Glue reads only new data, spark.table reads all; "
                "use Auto Loader or a watermark table if the job relies on bookmarks"))
        return cst.parse_expression(code)

    def _review(self, original: cst.Call, updated: cst.Call, what: str) -> cst.Call:
        self.findings.append(Finding(self.path, self._line(original), "catalog-read",
                                     f"{what}: left as it is, convert by hand to spark.table(...)"))
        return updated
