"""``json.dumps(value, indent=1, sort_keys=True)``, byte for byte, in a fraction of its time.

A sync's report is kept as indented, key-sorted JSON in a git note (people read it with ``git notes show``), and
it holds every finding of the repository. With an indent, the standard library encodes in pure Python (its C
encoder has no indentation), which made writing the note one of the costs of a sync that grew with the
repository. This encoder writes the same text for the JSON types (dict with str keys, list, tuple, str, int,
float, bool, None) and hands anything else to ``json.dumps`` itself.
"""

from __future__ import annotations

import json
from itertools import chain
from json.encoder import encode_basestring_ascii as _string

try:
    from _json import make_encoder as _c_encoder
except ImportError:  # an interpreter without the C accelerator: the pure path below still gives the same text
    _c_encoder = None

_INFINITY = float("inf")
_SCALARS = frozenset((str, int, float, bool, type(None)))
_DICT_ONLY = frozenset((dict,))
_STR_ONLY = frozenset((str,))
_flat: dict[int, object] = {}


def _reject(value):
    raise _Other


def _flat_encoder(level: int):
    """The C encoder writing a dict or list of scalars at ``level`` (its items one per line)."""
    encoder = _flat.get(level)
    if encoder is None:
        encoder = _flat[level] = _c_encoder(None, _reject, _string, None, ": ", ",\n" + " " * (level + 1), True,
                                            False, True)
    return encoder


class _Other(Exception):
    """A value this encoder does not write (json.dumps writes, or rejects, it)."""


def dumps_indented(value) -> str:
    """The text of ``json.dumps(value, indent=1, sort_keys=True)``."""
    out: list[str] = []
    try:
        _encode(value, 0, out)
    except (_Other, RecursionError):
        return json.dumps(value, indent=1, sort_keys=True)
    return "".join(out)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value):
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    return None


def _encode(value, level: int, out: list[str]) -> None:
    text = _scalar(value)
    if text is not None:
        out.append(text)
        return
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        for key in value:
            if type(key) is not str:
                raise _Other
        if _c_encoder is not None and all(type(item) in _SCALARS for item in value.values()):
            # Keys and values on one line each: the C encoder writes it (then the line breaks around the braces).
            text = "".join(_flat_encoder(level)(value, 0))
            out.append("{\n" + " " * (level + 1) + text[1:-1] + "\n" + " " * level + "}")
            return
        pad = "\n" + " " * (level + 1)
        separator = "," + pad
        out.append("{")
        first = True
        for key, item in sorted(value.items(), key=_key):
            out.append(pad if first else separator)
            first = False
            out.append(_string(key))
            out.append(": ")
            text = _scalar(item)
            if text is not None:
                out.append(text)
            else:
                _encode(item, level + 1, out)
        out.append("\n" + " " * level + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        if _c_encoder is not None and len(value) > 1 and flat_dict_list(value):
            out.append(_flat_dicts(value, level))
            return
        pad = "\n" + " " * (level + 1)
        separator = "," + pad
        out.append("[")
        first = True
        for item in value:
            out.append(pad if first else separator)
            first = False
            text = _scalar(item)
            if text is not None:
                out.append(text)
            else:
                _encode(item, level + 1, out)
        out.append("\n" + " " * level + "]")
    else:
        raise _Other


def _key(item):
    return item[0]


def flat_dict_list(items) -> bool:
    """Every item is a non-empty dict of str keys and scalar values (a finding). Checked by C-level iteration: a
    report's thousands of findings are checked without a Python call per finding."""
    if not _DICT_ONLY.issuperset(map(type, items)) or not all(items):
        return False
    return (_STR_ONLY.issuperset(map(type, chain.from_iterable(items)))
            and _SCALARS.issuperset(map(type, chain.from_iterable(map(dict.values, items)))))


def _flat_dicts(items, level: int) -> str:
    """A list of flat dicts (a report's findings) at ``level``, written by one call of the C encoder: it writes each
    dict's items one per line at the dicts' level, and the same separator between the dicts; the separators
    between dicts are then rewritten to their own level. Strings never hold a raw line break (JSON escapes it), so
    ``},<line break>`` followed by the dicts' indent and ``{`` is only ever such a separator."""
    inner = " " * (level + 2)
    outer = " " * (level + 1)
    text = "".join(_flat_encoder(level + 1)(list(items), 0))   # [{k: v,\n<inner>k: v},\n<inner>{...}]
    text = text[2:-2].replace("},\n" + inner + "{", "\n" + outer + "},\n" + outer + "{\n" + inner)
    return "[\n" + outer + "{\n" + inner + text + "\n" + outer + "}\n" + " " * level + "]"


def items_text(items: list, level: int) -> str:
    """The text ``dumps_indented`` writes for these items inside a list at ``level``: what lies between the list's
    opening line and its closing bracket's line (empty for no items)."""
    if not items:
        return ""
    text = dumps_indented(list(items)).replace("\n", "\n" + " " * level)   # a line break never sits in a string
    return text[2 + level + 1:-(2 + level)]


def list_text(text: str) -> str:
    """The JSON text of a list whose items ``items_text`` wrote as ``text`` at level 1 (the estate's findings, kept as
    a blob of their own beside the report's note)."""
    return "[\n" + text + "\n]\n"
