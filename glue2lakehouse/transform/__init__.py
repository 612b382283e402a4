"""The transform stage: one Glue file in, its Databricks version and findings out.

``transform_file`` is the single entry point used by snapshots (and later by
``g2l convert``). It is deterministic: the same bytes, path and settings give
the same output bytes. A file that cannot be read as Python 3 is carried over
unchanged with a finding; files other than Python are carried over byte for
byte. Rules live in their own modules, one per family.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.markers import SOURCE_GLUE, set_source_header


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str

    def as_dict(self) -> dict:
        return {"file": self.path, "line": self.line, "message": self.message, "rule": self.rule}   # as json reads it


@dataclass
class TransformResult:
    data: bytes
    findings: list[Finding] = field(default_factory=list)
    sites: int = 0          # Glue API call sites in the file
    clean_sites: int = 0    # of those, converted without a review flag


def transform_file(data: bytes, path: str, settings: TransformSettings) -> TransformResult:
    """Transform one Glue file into its Databricks form."""
    if not path.endswith(".py"):
        return TransformResult(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return TransformResult(data, [Finding(path, 1, "not-utf8",
                                              f"not UTF-8 ({error.reason} at byte {error.start}); copied unchanged")])
    if not text.strip():
        return TransformResult(data)
    from glue2lakehouse.transform.triggers import has_triggers, parse_python

    # The cyclic garbage collector waits while a file is converted: its syntax trees are many small objects that
    # live until the file is done and that reference counting frees then (no cycles), and collecting every few
    # hundred allocations meant walking them over and over (about a tenth of a conversion's time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if has_triggers(text):
            from glue2lakehouse.transform.rewrite import rewrite_module

            new_text, findings, sites = rewrite_module(text, path, settings)
        else:  # nothing for the rules (and no libcst to load): only checked to be Python 3
            parse_python(text, path)
            new_text, findings, sites = text, [], []
    except SyntaxError as error:
        line = getattr(error, "lineno", None) or 1
        return TransformResult(data, [Finding(path, line, "syntax-error",
                                              f"does not parse as Python 3 ({error.msg}); copied unchanged")])
    except (RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
        # A rule that fails on unusual code must not cost the file: carry it over and say so.
        return TransformResult(data, [Finding(path, 1, "internal-error",
                                              f"the transformer failed on this file ({type(error).__name__}: {error}); "
                                              "copied unchanged, please report it")])
    finally:
        if collecting:
            gc.enable()
    new_text = set_source_header(new_text, SOURCE_GLUE)
    return TransformResult(new_text.encode("utf-8"), findings, len(sites), sum(1 for _, clean in sites if clean))


def default_workers() -> int:
    """G2L_WORKERS if set, else every core."""
    value = os.environ.get("G2L_WORKERS", "")
    return max(1, int(value)) if value.isdigit() else (os.cpu_count() or 1)
