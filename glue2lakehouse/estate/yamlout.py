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


# ---------------------------------------------------------------- reading back what dump wrote
# The sync describes what a Glue change did to the generated jobs by reading both versions of each changed
# ``resources/*.job.yml`` (estate/review.py), every one of them written by ``dump``. A YAML library in pure Python
# takes 6 to 18 ms a file (a definition week reads 8 of them); this reads dump's own layout in well under a
# millisecond, and anything it does not recognise as dump's (another layout, a hand edit, a scalar form dump does
# not write) raises ValueError, for the caller to read with a YAML library instead. It gives what ruamel.yaml's
# safe loader gives (a property test holds the two equal on dump's output).

_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
# Characters a double-quoted YAML scalar holds as they are (YAML's printable set, less its line breaks and the BOM);
# json.dumps(ensure_ascii=False) escapes the rest of what it must, and writes anything else raw.
_QUOTED_SAFE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
_DECODER = json.JSONDecoder()
_WORDS = {"null": None, "true": True, "false": False}


def load(text: str):
    """The value ``dump`` wrote as ``text`` (after any comment lines, such as a header); ValueError when ``text`` is
    not laid out as dump lays values out."""
    lines = []
    for raw in text.split("\n"):
        content = raw.lstrip(" ")
        if content and not content.startswith("#"):
            lines.append((len(raw) - len(content), content))
    if not lines:
        return None
    if lines[0][0] != 0:
        raise ValueError("indented first line")
    if len(lines) == 1 and not _is_item(lines[0][1]) and _entry(lines[0][1]) is None:
        return _scalar(lines[0][1])
    end, value = _block(lines, 0, 0)
    if end != len(lines):
        raise ValueError(f"line {end + 1}: not at the indentation of a value")
    return value


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _block(lines: list, index: int, indent: int):
    return (_sequence if _is_item(lines[index][1]) else _mapping)(lines, index, indent)


def _nested(lines: list, index: int, indent: int):
    """The block dump writes under ``key:`` or ``-``: two columns further in, never empty."""
    if index >= len(lines) or lines[index][0] != indent:
        raise ValueError(f"line {index}: an empty value dump does not write")
    return _block(lines, index, indent)


def _mapping(lines: list, index: int, indent: int, first: str | None = None):
    """``first``: the text of the mapping's first line, when it shares a line with the '- ' of a sequence item."""
    out: dict = {}
    while index < len(lines) and (first is not None or lines[index][0] == indent and not _is_item(lines[index][1])):
        entry = _entry(lines[index][1] if first is None else first)
        first = None
        if entry is None:
            raise ValueError(f"line {index + 1}: not a key")
        key, rest = entry
        if key in out:
            raise ValueError(f"line {index + 1}: key {key!r} twice")
        index += 1
        if rest is None:
            index, out[key] = _nested(lines, index, indent + 2)
        else:
            out[key] = _inline(rest)
    return index, out


def _sequence(lines: list, index: int, indent: int):
    out: list = []
    while index < len(lines) and lines[index][0] == indent and _is_item(lines[index][1]):
        rest = lines[index][1][2:]
        if lines[index][1] == "-":
            index, value = _nested(lines, index + 1, indent + 2)
            if not isinstance(value, list):
                raise ValueError(f"line {index}: a mapping under a bare '-'")
        elif _entry(rest) is not None:   # a mapping whose first entry shares the item's line
            index, value = _mapping(lines, index, indent + 2, rest)
        else:
            value = _inline(rest)
            index += 1
        out.append(value)
    return index, out


def _inline(text: str):
    return {} if text == "{}" else [] if text == "[]" else _scalar(text)


def _entry(content: str):
    """(key, the text after ': ' or None when the line ends with ':') of a mapping line, or None."""
    if content.startswith('"'):
        key, end = _quoted(content)
        tail = content[end:]
    else:
        split = content.find(": ")
        if split >= 0:
            return _scalar(content[:split]), content[split + 2:]
        if content.endswith(":"):
            return _scalar(content[:-1]), None
        return None
    if tail == ":":
        return key, None
    if tail.startswith(": "):
        return key, tail[2:]
    if tail:
        raise ValueError(f"text after a quoted scalar: {tail[:20]!r}")
    return None


def _quoted(content: str):
    value, end = _DECODER.raw_decode(content)
    if not isinstance(value, str) or not _QUOTED_SAFE.fullmatch(content, 1, end - 1):
        raise ValueError("a quoted scalar YAML may read otherwise than JSON")
    return value, end


def _scalar(text: str):
    if text.startswith('"'):
        value, end = _quoted(text)
        if end != len(text):
            raise ValueError(f"text after a quoted scalar: {text[end:][:20]!r}")
        return value
    if text in _WORDS:
        return _WORDS[text]
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and ": " not in text and " #" not in text:
        return text
    raise ValueError(f"a scalar dump does not write: {text[:40]!r}")
