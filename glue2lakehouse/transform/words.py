"""Which of a set of names a text mentions as whole words, without a regular expression per set.

The conversion asks, per statement group and per statement, whether its text mentions one of the
file's Glue names (and, later, which of the names it counts). A pattern ``\\b(?:name1|name2|...)\\b``
built for each file's names costs more to compile than the searches it serves (Python compiles
patterns in Python). For names made only of word characters a whole-word match is exactly a
maximal run of word characters equal to the name, so the text's runs are found once with one
fixed pattern and looked up in the set. A name with another character (none in practice) falls
back to the pattern.
"""

from __future__ import annotations

import re
from typing import Callable

_WORD = re.compile(r"\w+")


def words_in(names: set[str] | frozenset[str]) -> Callable[[str], set[str]]:
    """A function: text -> the names of ``names`` it holds as whole words (``\\bname\\b``)."""
    names = frozenset(n for n in names if n)
    if not names:
        return lambda text: set()
    if _WORD.fullmatch("".join(names)):  # every name is word characters only (one test for the lot)
        return lambda text: names.intersection(_WORD.findall(text))
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))) + r")\b")
    return lambda text: {match.group(0) for match in pattern.finditer(text)} & names
