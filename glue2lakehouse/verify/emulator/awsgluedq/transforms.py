"""EvaluateDataQuality for g2l verify, written from AWS's DQDL reference (not from the converter's helpers).

Emulated: the dataset-level rules of Glue Studio's default ruleset and their kin, ``ColumnCount`` and
``RowCount`` compared with a number (``>``, ``>=``, ``<``, ``<=``, ``=``). The result is Glue's collection
with ``ruleOutcomes`` (Rule, Outcome Passed / Failed, FailureReason, EvaluatedMetrics ``Dataset.*.<Rule>``);
``apply`` returns that frame. Any other rule, and the row-level outcomes, stop the job with a
NotImplementedError naming them, so a job using them reads "not verified" instead of a guess."""

from __future__ import annotations

import operator
import re

from awsglue.dynamicframe import DynamicFrame, DynamicFrameCollection

_RULE = re.compile(r"^(ColumnCount|RowCount)\s*(>=|<=|>|<|=)\s*(\d+(?:\.\d+)?)$")
_TESTS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "=": operator.eq}
_SCHEMA = "Rule string, Outcome string, FailureReason string, EvaluatedMetrics map<string, double>"


def _rules(ruleset: str) -> list[str]:
    match = re.search(r"Rules\s*=\s*\[(.*)\]", ruleset, re.DOTALL)
    if match is None:
        raise ValueError("a DQDL ruleset reads: Rules = [ rule, ... ]")
    return [rule.strip() for rule in match.group(1).split(",") if rule.strip()]


class _Outcomes(DynamicFrameCollection):
    def select(self, key, transformation_ctx=""):
        if key != "ruleOutcomes":
            raise NotImplementedError(f"EvaluateDataQuality's {key!r} is not emulated by g2l verify")
        return super().select(key, transformation_ctx)

    __getitem__ = select


class EvaluateDataQuality:
    def process_rows(self, frame, ruleset, publishing_options=None, additional_options=None):
        df = frame.toDF()
        rows = []
        for rule in _rules(ruleset):
            match = _RULE.match(rule)
            if match is None:
                raise NotImplementedError(f"DQDL rule {rule!r} is not emulated by g2l verify")
            metric, test, bound = match.group(1), match.group(2), float(match.group(3))
            value = float(len(df.columns) if metric == "ColumnCount" else df.count())
            passed = _TESTS[test](value, bound)
            rows.append((rule, "Passed" if passed else "Failed",
                         None if passed else f"Value: {value:g} does not meet the constraint requirement!",
                         {f"Dataset.*.{metric}": value}))
        outcomes = DynamicFrame(df.sparkSession.createDataFrame(rows, _SCHEMA), frame.glue_ctx, "ruleOutcomes")
        return _Outcomes({"ruleOutcomes": outcomes}, frame.glue_ctx)

    @classmethod
    def apply(cls, frame, ruleset, publishing_options=None, **kwargs):
        return cls().process_rows(frame, ruleset, publishing_options).select("ruleOutcomes")
