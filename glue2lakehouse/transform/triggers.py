"""What decides, before libcst is loaded, that a file has nothing for the rules: the words every rule needs.

A file that holds none of ``TRIGGERS`` is only checked to be Python 3 (Python's own parser) and carried
over as it is: converting a folder of plain Python helpers does not load libcst or the rules.
"""

from __future__ import annotations

import ast

# A file none of these appear in has nothing for the rules to do.
TRIGGERS = ("awsglue", "GlueContext", "DynamicFrame", "getResolvedOptions", ".sql(", "create_dynamic_frame",
            "write_dynamic_frame", "SparkContext", "get_logger", "Job(", "saveAsTable", "insertInto", ".table(")


def has_triggers(text: str) -> bool:
    return any(trigger in text for trigger in TRIGGERS)


def parse_python(text: str, path: str) -> ast.Module:
    """The file's ``ast``; a SyntaxError naming the line and column when it is not Python 3."""
    try:
        return ast.parse(text)
    except SyntaxError as error:
        line, column = error.lineno or 1, error.offset or 1
        raise SyntaxError(f"invalid syntax at line {line}, column {column}", (path, line, column, "")) from None
    except ValueError as error:  # a NUL byte, for one
        raise SyntaxError(str(error), (path, 1, 1, "")) from None
