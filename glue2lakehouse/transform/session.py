"""Rule: GlueContext / SparkContext / Job boilerplate -> ``SparkSession.builder.getOrCreate()``.

- ``job.init(...)`` / ``job.commit()`` and ``job = Job(glueContext)`` go, for names
  that hold a Job only (``conn.commit()`` stays); when the file's reads are bookmarked
  (``bookmarks.py``) the Job stays as a ``GlueJob`` and its init and commit stay;
- ``glueContext = GlueContext(sc)`` goes once nothing uses it; where the code
  needs ``spark`` and nothing defines it, that line becomes the SparkSession line
  (and, in a file with no GlueContext, one is added after the imports);
- ``sc = SparkContext(...)`` goes once nothing uses it, else it becomes
  ``spark.sparkContext`` of the session.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import Counter
from dataclasses import dataclass

import libcst as cst

from glue2lakehouse.transform.analysis import (
    Roles,
    is_glue_context_call,
    is_job_call,
    is_spark_context_call,
    single_target,
)
from glue2lakehouse.transform.edits import KeepsLeadingLines, placeholder

SPARK_BUILDER = "SparkSession.builder.getOrCreate()"


@functools.lru_cache(maxsize=64)
def _expression(code: str) -> cst.BaseExpression:
    """A generated expression, parsed once per process (libcst's parser has a fixed cost per call that dwarfs
    these few characters; nodes are immutable, so one node serves every file)."""
    return cst.parse_expression(code)


@functools.lru_cache(maxsize=8)
def _statement(code: str) -> cst.SimpleStatementLine:
    return cst.parse_statement(code)


def _is_job_method(node: cst.BaseSmallStatement, jobs: set[str]) -> bool:
    if not isinstance(node, cst.Expr) or not isinstance(node.value, cst.Call):
        return False
    func = node.value.func
    return (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
            and func.value.value in jobs and func.attr.value in ("init", "commit"))


class _Rewrite(KeepsLeadingLines):
    def __init__(self, roles: Roles, remove: set[str] | None, spark_at: str | None, spark_mode: str,
                 kept_job: tuple[str, str] | None = None):
        super().__init__()
        self.kept_job = kept_job      # (Job name, the code of its GlueJob) when bookmarked reads go through it
        self.jobs_only = remove is None  # first phase: only the Job lines go
        remove = remove or set()
        self.roles = roles
        self.remove = remove          # names whose defining assignments go
        self.spark_at = spark_at      # GlueContext name whose line gives the spark line
        self.spark_mode = spark_mode  # "replace", "after" or "none"
        self.spark_done = False

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign):
        name = single_target(original)
        value = original.value
        if name is None:
            return updated
        if is_job_call(value) and name in self.roles.jobs:
            if self.kept_job is not None and name == self.kept_job[0]:
                return updated.with_changes(value=_expression(self.kept_job[1]))
            return cst.RemoveFromParent()
        if self.jobs_only:
            return updated
        if is_spark_context_call(value) and name in self.roles.spark_context and name not in self.remove:
            return updated.with_changes(value=_expression(f"{SPARK_BUILDER}.sparkContext"))
        if name in self.remove and (is_glue_context_call(value) or is_spark_context_call(value)):
            if name == self.spark_at and self.spark_mode == "replace" and not self.spark_done:
                self.spark_done = True
                return _statement(f"spark = {SPARK_BUILDER}\n").body[0]
            return cst.RemoveFromParent()
        return updated

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr):
        if _is_job_method(original, self.roles.jobs - {self.kept_job[0] if self.kept_job else None}):
            return cst.RemoveFromParent()
        return updated

    def leave_SimpleStatementLine(self, original, updated):
        if not updated.body:
            return placeholder(original)
        if (self.spark_mode == "after" and not self.spark_done and len(original.body) == 1
                and isinstance(original.body[0], cst.Assign) and single_target(original.body[0]) == self.spark_at
                and is_glue_context_call(original.body[0].value)):
            self.spark_done = True
            return cst.FlattenSentinel([updated, _statement(f"spark = {SPARK_BUILDER}\n")])
        return updated


@dataclass
class SessionPlan:
    remove: set[str]          # GlueContext / SparkContext names whose definitions go
    spark_at: str | None      # the GlueContext whose line gives the spark line
    mode: str                 # "replace", "after" or "none"
    add_spark: bool           # no GlueContext at all: a spark line goes after the imports


def _definitions(roles: Roles) -> tuple[Counter[str], dict[str, Counter[str]], set[str]]:
    """GlueContext / SparkContext definitions: how many per name, the names their values use, every name assigned."""
    defs: Counter[str] = Counter()
    value_uses: dict[str, Counter[str]] = {}
    assigned: set[str] = set()
    for name, value in roles.assignments:
        assigned.add(name)
        if is_glue_context_call(value) or is_spark_context_call(value):
            defs[name] += 1
            uses = value_uses.setdefault(name, Counter())
            uses.update(n.id for n in ast.walk(value) if isinstance(n, ast.Name))
    return defs, value_uses, assigned


def job_lines(roles: Roles, kept_job: tuple[str, str] | None = None) -> cst.CSTTransformer:
    """The first step: ``job = Job(...)``, ``job.init(...)`` and ``job.commit()`` go (``kept_job``: that Job becomes
    the given GlueJob code and its calls stay)."""
    return _Rewrite(roles, None, None, "none", kept_job)


def plan_session(roles: Roles, counts: Counter[str], needs_spark: bool) -> SessionPlan:
    """Which set-up lines go, given the name counts of the code once the rules and the Job step ran."""
    defs, value_uses, assigned = _definitions(roles)
    # A name goes when only its own definitions, and definitions that go, use it.
    remove: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in sorted(roles.glue | roles.spark_context):
            if name in remove:
                continue
            inside_removed = sum(value_uses.get(d, Counter())[name] for d in remove)
            if counts[name] - defs[name] - inside_removed <= 0:
                remove.add(name)
                changed = True
    spark_defined = roles.spark is not None or "spark" in assigned
    spark_at, mode = None, "none"
    if roles.glue and not spark_defined and (needs_spark or remove & roles.glue):
        spark_at = sorted(roles.glue)[0]
        mode = "replace" if spark_at in remove else "after"
    return SessionPlan(remove, spark_at, mode, needs_spark and not spark_defined and not roles.glue)


def session_rewriter(roles: Roles, plan: SessionPlan, kept_job: tuple[str, str] | None = None) -> cst.CSTTransformer:
    """The second step, one transformer for every statement group of a file (the spark line is written once)."""
    return _Rewrite(roles, plan.remove, plan.spark_at, plan.mode, kept_job)


def session_lines(roles: Roles, plan: SessionPlan | None) -> re.Pattern | None:
    """What a statement group's text shows when it may hold a line the step changes (None: no group can)."""
    words = [r"\bJob\s*\("]
    if roles.jobs:
        words.append(r"\b(?:" + "|".join(map(re.escape, sorted(roles.jobs))) + r")\s*\.\s*(?:init|commit)\b")
    if plan is not None:
        words.append(r"\b(?:GlueContext|SparkContext)\b")
    return re.compile("|".join(words))
