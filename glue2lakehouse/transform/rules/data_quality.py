"""awsgluedq: Glue Studio's data-quality step, ``EvaluateDataQuality().process_rows(...)`` and
``EvaluateDataQuality.apply(...)``, to Spark checks (``transform/dqdl.py`` reads the ruleset,
``transform/runtime_dq.py`` evaluates it).

``process_rows`` returns Glue's collection as a dict: ``ruleOutcomes`` (Rule, Outcome,
FailureReason, EvaluatedMetrics; evaluated at once, as Glue does) and ``rowLevelOutcomes``
(the frame with DataQualityRulesPass / Fail / Skip and DataQualityEvaluationResult);
``apply`` returns the outcomes frame. Publishing options (CloudWatch, the Glue console, S3
results) have no place on Databricks: outcomes are logged instead. Rules with no conversion
stay in the checks as failing "not evaluated", with one finding for the ruleset.
"""

from __future__ import annotations

import libcst as cst

from glue2lakehouse.transform.context import Context, bind, literal, py
from glue2lakehouse.transform.dqdl import DQDLError, convert_ruleset

OUTCOME_KEYS = {"DATA_QUALITY_RULE_OUTCOMES_KEY": "ruleOutcomes", "DATA_QUALITY_ROW_LEVEL_OUTCOMES_KEY":
                "rowLevelOutcomes", "DATA_QUALITY_ORIGINAL_DATA_KEY": "originalData"}
PARAMETERS = ("frame", "ruleset", "publishing_options", "additional_options")
KNOWN = set(PARAMETERS) | {"transformation_ctx", "info", "stageThreshold", "totalThreshold", "additional_data_sources"}


def _ruleset_text(ctx: Context, node: cst.BaseExpression | None) -> str | None:
    try:
        value = literal(node)
    except ValueError:
        value = ctx.literals.get(node.value) if isinstance(node, cst.Name) else None
    return value if isinstance(value, str) else None


def _condition_code(condition: tuple) -> str:
    return "(" + ", ".join(py(v) for v in condition) + ("," if len(condition) == 1 else "") + ")"


def _checks_code(checks: list[tuple]) -> str:
    return "[\n" + "".join(f"        ({py(rule)}, {py(metrics)}, {_condition_code(condition)}, {py(row)}),\n"
                           for rule, metrics, condition, row in checks) + "    ]"


def _context(args) -> str:
    options = args.get("publishing_options")
    try:
        value = literal(options) if options is not None else {}
    except ValueError:
        value = {}
    name = value.get("dataQualityEvaluationContext") if isinstance(value, dict) else None
    return name if isinstance(name, str) else "default_context"


def _evaluate(ctx: Context, updated: cst.Call, rows: bool):
    args = bind(updated, PARAMETERS)
    if args.star or args.unknown(KNOWN) or args.get("frame") is None or args.get("ruleset") is None:
        ctx.flag("data-quality", "EvaluateDataQuality with unusual arguments: convert the ruleset by hand into "
                                 "Spark checks")
        return None
    if args.get("additional_data_sources") is not None:
        ctx.flag("data-quality", "EvaluateDataQuality with additional data sources (rules over several frames): "
                                 "convert the ruleset by hand")
        return None
    text = _ruleset_text(ctx, args.get("ruleset"))
    if text is None:
        ctx.flag("data-quality", "the DQDL ruleset is built at run time: convert it by hand into Spark checks")
        return None
    try:
        checks, unsupported = convert_ruleset(text)
    except DQDLError as error:
        ctx.flag("data-quality", f"the DQDL ruleset cannot be read ({error}): convert it by hand")
        return None
    if unsupported:
        ctx.note("data-quality", f"DQDL rules with no Spark equivalent here, kept as failing 'not evaluated': "
                                 f"{'; '.join(unsupported)}; convert them by hand")
    checks_code = _checks_code(checks)
    ruleset = args.get("ruleset")
    if isinstance(ruleset, cst.Name):     # say where the checks come from: a Glue edit of the ruleset changes both
        checks_code = f"# the rules of {ruleset.value}, converted\n    " + checks_code
    items = [ctx.code(args.get("frame")), checks_code, py(_context(args))]
    if rows:
        ctx.helper("glue_data_quality_rows")
        items.append("row_level=True")
    return ctx.parse(f"{ctx.helper('glue_evaluate_data_quality')}(\n" + "".join(f"    {i},\n" for i in items) + ")")


def process_rows(ctx: Context, original: cst.Call, updated: cst.Call):
    return _evaluate(ctx, updated, rows=True)


def apply(ctx: Context, original: cst.Call, updated: cst.Call):
    return _evaluate(ctx, updated, rows=False)


HANDLERS = {
    "EvaluateDataQuality.process_rows": process_rows,
    "EvaluateDataQuality.apply": apply,
}
