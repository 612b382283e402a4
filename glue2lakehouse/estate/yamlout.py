"""A small deterministic YAML emitter: block style, keys in the order given, one value per line.

Written here rather than taken from a YAML library so the bytes never change with a
library version: generated files are merged three-way week after week, and one
item per line lets a Glue change and a Databricks edit of neighbouring keys merge.
"""

from __future__ import annotations

import json
import re

_PLAIN = re.compile(r"^[A-Za-z_/]([A-Za-z0-9_./:@+ -]*[A-Za-z0-9_./@+-])?$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and ": " not in text and " #" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def dump(value, indent: int = 0) -> str:
    return "".join(_lines(value, indent))


def _lines(value, indent: int):
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            key_text = scalar(key)
            if isinstance(item, dict) and item:
                yield f"{pad}{key_text}:\n"
                yield from _lines(item, indent + 2)
            elif isinstance(item, list) and item:
                yield f"{pad}{key_text}:\n"
                yield from _lines(item, indent + 2)
            elif isinstance(item, (dict, list)):
                yield f"{pad}{key_text}: {'{}' if isinstance(item, dict) else '[]'}\n"
            else:
                yield f"{pad}{key_text}: {scalar(item)}\n"
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                first = True
                for line in _lines(item, indent + 2):
                    if first:
                        yield f"{pad}- {line[indent + 2:]}"
                        first = False
                    else:
                        yield line
            elif isinstance(item, list) and item:
                yield f"{pad}-\n"
                yield from _lines(item, indent + 2)
            else:
                yield f"{pad}- {scalar(item)}\n"
    else:
        yield f"{pad}{scalar(value)}\n"
