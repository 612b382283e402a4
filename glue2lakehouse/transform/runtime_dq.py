"""Run-time helpers for Glue Studio's data-quality step (``EvaluateDataQuality``), copied into the jobs that call them.

The transformer reads the DQDL ruleset when converting (``transform/dqdl.py``) and hands each
rule to these helpers as a check: ``(rule, {metric name: measure}, condition, row predicate)``.
A measure is a Spark SQL aggregate over the frame, or one of ``"column count"``,
``"uniqueness of `c`"`` (values that occur exactly once over the rows where the column is not
null, as Deequ computes it) and ``"column `c` exists"``. A condition is ``(operator, operand...)``
with DQDL's meaning: ``between`` excludes its bounds (ColumnValues ranges are written as
``>=`` / ``<=`` compliance predicates by the converter, as Glue's engine does). A check whose
rule was not converted has no metrics and fails, saying so.

Like Glue, the evaluation never stops the job: the job decides from the outcomes (Glue
Studio's "fail job" option is an ``assert`` over them). Outcomes are also logged, where
Glue published them to its console.
"""

from __future__ import annotations

import logging

from pyspark.sql import functions as F


def glue_evaluate_data_quality(frame, checks, context="default_context", row_level=False):
    """Glue's EvaluateDataQuality: one row per rule with Rule, Outcome, FailureReason and EvaluatedMetrics (process_rows,
    row_level=True: with the frame's row-level outcomes, as Glue's ruleOutcomes and rowLevelOutcomes)."""
    aggregates, special = {}, {}
    for _, metrics, _, _ in checks:
        for name, measure in metrics.items():
            if measure == "column count":
                special[name] = float(len(frame.columns))
            elif measure.startswith("column ") and measure.endswith(" exists"):
                special[name] = 1.0 if measure[len("column `"):-len("` exists")] in frame.columns else 0.0
            elif measure.startswith("uniqueness of "):
                columns = [F.col(c.strip()) for c in measure[len("uniqueness of "):].split(",")]
                present = frame.where(F.greatest(*[c.isNotNull() for c in columns]) if len(columns) > 1
                                      else columns[0].isNotNull())
                counts = present.groupBy(*columns).count()
                row = counts.agg(F.sum("count").alias("rows"),
                                 F.sum(F.when(F.col("count") == 1, 1).otherwise(0)).alias("once")).first()
                special[name] = float(row["once"]) / row["rows"] if row["rows"] else float("nan")
            else:
                aggregates[name] = F.expr(measure).cast("double").alias(name)
    values = dict(special)
    if aggregates:
        values.update(frame.agg(*aggregates.values()).first().asDict())
    operators = {">": lambda v, a: v > a, ">=": lambda v, a: v >= a, "<": lambda v, a: v < a,
                 "<=": lambda v, a: v <= a, "=": lambda v, a: v == a, "!=": lambda v, a: v != a,
                 "between": lambda v, a, b: a < v < b, "not between": lambda v, a, b: not a < v < b,
                 "in": lambda v, *a: v in a, "not in": lambda v, *a: v not in a}
    rows = []
    for rule, metrics, condition, _ in checks:
        evaluated = {name: values[name] for name in metrics}
        if not metrics:
            outcome, reason = "Failed", "not evaluated: " + condition[1]
        else:
            failed = [v for v in evaluated.values() if v is None or v != v or not operators[condition[0]](v, *condition[1:])]
            outcome = "Failed" if failed else "Passed"
            reason = f"Value: {failed[0]} does not meet the constraint requirement!" if failed else None
        rows.append((rule, outcome, reason, {k: float(v) for k, v in evaluated.items() if v is not None}))
        logging.getLogger(__name__).info("data quality %s: %s %s %s", context, rule, outcome, reason or "")
    schema = "Rule string, Outcome string, FailureReason string, EvaluatedMetrics map<string, double>"
    outcomes = frame.sparkSession.createDataFrame(rows, schema)
    if row_level:
        return {"ruleOutcomes": outcomes, "rowLevelOutcomes": glue_data_quality_rows(frame, checks)}
    return outcomes


def glue_data_quality_rows(frame, checks):
    """Glue's row-level outcomes: the frame with the rules each row passes and fails (rules about the whole frame are
    listed as skipped) and DataQualityEvaluationResult."""
    passed, failed, skipped = [], [], []
    for rule, metrics, _, row in checks:
        if row is None:
            skipped.append(F.lit(rule))
        else:
            check = F.coalesce(F.expr(row), F.lit(False))
            passed.append(F.when(check, F.lit(rule)))
            failed.append(F.when(~check, F.lit(rule)))

    def listed(items):
        return F.filter(F.array(*items), lambda rule: rule.isNotNull()) if items else F.array().cast("array<string>")

    out = (frame.withColumn("DataQualityRulesPass", listed(passed))
           .withColumn("DataQualityRulesFail", listed(failed))
           .withColumn("DataQualityRulesSkip", listed(skipped)))
    return out.withColumn("DataQualityEvaluationResult",
                          F.when(F.size("DataQualityRulesFail") > 0, "Failed").otherwise("Passed"))
