"""A file as a list of top-level statement groups, and the converted file put back together.

Python's own parser splits the file into groups: each top-level statement with the comment,
blank and whitespace-only lines above it (statements that share a line form one group).
The text before the first statement belongs to the first group; the text after the last
one is the tail. Joining the groups' texts and the tail gives the file back byte for byte,
so a group the conversion leaves alone keeps its exact text and its place, and a converted
group takes the place of the one it came from. Nothing is ever looked up again by a marker
in the text: the order is the order of the list.

Imports the conversion adds go into the file's first import block (after the docstring and
``__future__`` imports), each into the group of its kind (standard library, third party,
local) as the file groups them.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from glue2lakehouse.transform.imports import LOCAL, NEEDED, NEEDED_GROUP, STDLIB, THIRD_PARTY, module_group

# Python ends lines at \n, \r\n and \r only (str.splitlines also splits at \f, \x1c, \u2028, ...).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_BLANK = re.compile(r"^[ \t\f]*(?:\r\n|\r|\n)?$")


class Group(NamedTuple):
    start: int              # first line (0-based) of the group, the lines above its statement included
    end: int                # one past its last line
    nodes: list[ast.stmt]   # the top-level statements in it (several when they share a line)
    text: str

    @property
    def node(self) -> ast.stmt:
        return self.nodes[0]


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)


def newline_of(text: str) -> str:
    match = re.search(r"\r\n|\r|\n", text)
    return match.group(0) if match else "\n"


def groups(text: str, tree: ast.Module) -> tuple[list[Group], str]:
    """The top-level statement groups of a parsed file, and its tail."""
    lines = split_lines(text)
    spans: list[list] = []
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        end = node.end_lineno or node.lineno
        if spans and first < spans[-1][1]:  # shares a line with the statement before: one group
            spans[-1][1] = max(spans[-1][1], end)
            spans[-1][2].append(node)
            continue
        spans.append([spans[-1][1] if spans else 0, end, [node]])
    out = [Group(start, end, nodes, "".join(lines[start:end])) for start, end, nodes in spans]
    tail = "".join(lines[out[-1].end:]) if out else text
    return out, tail


def is_blank(line: str) -> bool:
    return bool(_BLANK.match(line))


def _is_comment_or_blank(line: str) -> bool:
    return is_blank(line) or line.lstrip(" \t\f").startswith("#")


def split_leading(code: str) -> tuple[str, str]:
    """A group's code as (the comment and blank lines above its statement, the statement onwards)."""
    lines = split_lines(code)
    index = 0
    while index < len(lines) and _is_comment_or_blank(lines[index]):
        index += 1
    return "".join(lines[:index]), "".join(lines[index:])


def is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_import(group: Group) -> bool:
    return all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in group.nodes)


def _is_future(group: Group) -> bool:
    return all(isinstance(node, ast.ImportFrom) and node.module == "__future__" for node in group.nodes)


def first_import_block(parts: list[Group]) -> tuple[int, list[int]]:
    """Where imports may go: (index of the first group after the docstring and __future__ imports,
    indices of the import groups of the first import block)."""
    index = 0
    if parts and is_docstring(parts[0].node):
        index = 1
    while index < len(parts) and _is_future(parts[index]):
        index += 1
    top = index
    while index < len(parts) and not _is_import(parts[index]):
        if not _may_precede_imports(parts[index]):
            return top, []
        index += 1
    block = []
    while index < len(parts) and _is_import(parts[index]):
        block.append(index)
        index += 1
    return top, block


def _may_precede_imports(group: Group) -> bool:
    """Statements seen above a file's imports that do not make the imports below them a second block."""
    node = group.node
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):  # sys.path.insert(...), warnings.filterwarnings
        return True
    return isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.startswith("__") for t in node.targets)


class Assembly:
    """The output groups of a file, put together with the imports (and lines) the conversion adds."""

    def __init__(self, text: str, parts: list[Group], tail: str, outputs: list[str], removed: set[int]):
        self.newline = newline_of(text)
        self.parts = parts
        self.tail = tail
        self.outputs = outputs
        self.removed = removed  # groups whose statements all went (their comments stay)

    def add_imports(self, names: list[str], after_imports: list[str], definitions: list[str] = ()) -> None:
        """Insert the imports for ``names`` into the first import block, ``after_imports`` lines below it,
        then ``definitions`` (function definitions, each standing apart)."""
        nl = self.newline
        top, block = first_import_block(self.parts)
        kept = [i for i in block if i not in self.removed]
        kinds = {i: module_group(self.parts[i].node) for i in kept}
        of_kind = {kind: [i for i in kept if kinds[i] == kind] for kind in (STDLIB, THIRD_PARTY, LOCAL)}
        lines = {kind: "".join(NEEDED[n] + nl for n in names if NEEDED_GROUP[n] == kind) for kind in (STDLIB, THIRD_PARTY)}
        before: dict[int, str] = {}
        after: dict[int, str] = {}

        def put(table: dict[int, str], index: int, text: str) -> None:
            table[index] = table.get(index, "") + text

        # A blank line between groups of imports where the file puts one, none where it writes them as one run.
        gap = nl if any(is_blank(split_lines(self.parts[i].text)[0]) for i in block[1:]) else ""
        if kept:
            spark = [i for i in kept if _top_module(self.parts[i].node) == "pyspark"]
            for kind in (STDLIB, THIRD_PARTY):
                if not lines[kind]:
                    continue
                if kind == THIRD_PARTY and spark and not gap:        # a file that does not group: by pyspark's
                    put(after, spark[-1], lines[kind])
                elif of_kind[kind]:                                  # into the group of its kind
                    put(after, of_kind[kind][-1], lines[kind])
                elif kind == THIRD_PARTY and of_kind[LOCAL]:         # a new group above the local imports
                    put(before, of_kind[LOCAL][0], lines[kind] + gap)
                elif kind == THIRD_PARTY:                            # a new group below the standard library
                    put(after, of_kind[STDLIB][-1], gap + lines[kind])
                else:                                                # a new group above the others
                    put(before, kept[0], lines[kind] + gap)
            if after_imports:
                put(after, kept[-1], nl + "".join(line + nl for line in after_imports))
            if definitions:
                put(after, kept[-1], _definitions(definitions, nl))
        else:  # no import left (or none at all): the new ones open the code, a blank line below them
            at = block[0] if block else top
            text = lines[STDLIB] + (nl if lines[STDLIB] and lines[THIRD_PARTY] else "") + lines[THIRD_PARTY]
            if after_imports:
                text += (nl if text else "") + "".join(line + nl for line in after_imports)
            if definitions:
                text += _definitions(definitions, nl)[len(nl) if not text else 0:]
            following = next((code for code in self.outputs[at + 1:] if code), self.tail)
            if text and at in self.removed and following[:1] in ("\n", "\r"):
                put(before, at, text)   # the code below already starts with a blank line
            elif text:
                put(before, at, text + nl)
        for index, text in before.items():
            if index >= len(self.outputs):
                self.tail = text + self.tail
                continue
            leading, rest = split_leading(self.outputs[index])
            self.outputs[index] = leading + text + rest
        for index, text in after.items():
            self.outputs[index] = _ensure_newline(self.outputs[index], nl) + text

    def text(self) -> str:
        out: list[str] = []
        for index, code in enumerate(self.outputs):
            if index in self.removed and all(is_blank(line) for line in split_lines(code)):
                following = next((c for c in self.outputs[index + 1:] if c), self.tail)
                previous = "".join(out[-2:])
                at_start = not "".join(out)
                if (at_start or _ends_blank(previous) or not following
                        or is_blank(split_lines(following)[0])):
                    continue
            out.append(code)
        return "".join(out) + self.tail


def _top_module(node: ast.stmt) -> str:
    if isinstance(node, ast.ImportFrom):
        return "" if node.level else (node.module or "").split(".")[0]
    return node.names[0].name.split(".")[0] if isinstance(node, ast.Import) else ""


def _definitions(definitions: list[str], nl: str) -> str:
    """Function definitions with two blank lines above each, and one more below the last."""
    return "".join(nl + nl + re.sub(r"\r\n|\r|\n", nl, code) for code in definitions) + nl


def _ensure_newline(code: str, nl: str) -> str:
    return code if code.endswith(("\n", "\r")) else code + nl


def _ends_blank(text: str) -> bool:
    lines = split_lines(text)
    return bool(lines) and is_blank(lines[-1]) and lines[-1] != ""
