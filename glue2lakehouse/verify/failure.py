"""One stable line for a failed job run: the exception's class and message, never a traceback.

A Spark call that fails in the JVM surfaces in Python as ``Py4JJavaError: An error occurred while calling
o1234.saveAsTable.``: that line names neither the error nor its cause, and its object id changes from run to
run. The Java exception follows it (``: org.apache.spark.SparkException: [TASK_WRITE_FAILED] ...``), with its
root cause further down (``Caused by: ...``): the line is made of those, their class names without packages.
"""

from __future__ import annotations

import re

PYTHON_LINE = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit))\b:?\s*(.*)$")
_JAVA_LINE = re.compile(r"^(?:Caused by:\s*|:\s*)?(?:[A-Za-z_$][\w$]*\.)*([A-Z][\w$]*(?:Exception|Error|Throwable))"
                        r"(?::\s*(.*))?$")
_OBJECT_ID = re.compile(r"\bo\d+\.")


def _clean(message: str) -> str:
    return message.split(" SQLSTATE")[0].split(". Verify the spelling")[0].strip()


def _java(lines: list[str]) -> str | None:
    """The Java exception after a Py4JJavaError line, with its root cause when that is another exception."""
    top = cause = None
    for line in lines:
        if line.startswith(("at ", "...")):
            continue
        match = _JAVA_LINE.match(line)
        if not match:
            continue
        text = f"{match.group(1)}: {_clean(match.group(2) or '')}".rstrip(": ")
        if top is None and not line.startswith("Caused by:"):
            top = text
        elif line.startswith("Caused by:"):
            cause = text
    if top is None:
        return cause
    if cause and cause.split(":")[0] != top.split(":")[0]:
        return f"{top} (caused by {cause})"
    return top


def exception_line(text: str) -> str:
    """The exception line of a traceback ("AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] ..."), one line."""
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        match = PYTHON_LINE.match(lines[index])
        if not match:
            continue
        if match.group(1) == "Py4JJavaError":
            java = _java(lines[index + 1:])
            if java:
                return java[:240]
            return _OBJECT_ID.sub("", f"{match.group(1)}: {match.group(2)}")[:240]
        message = _clean(match.group(2))
        return f"{match.group(1)}: {message}"[:240] if message else match.group(1)
    return lines[-1][:240] if lines else "unknown error"
