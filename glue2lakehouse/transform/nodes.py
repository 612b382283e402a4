"""Every node of a file's ``ast``, listed once per file.

Several steps of a conversion look at every node of the file (the bookmarked reads and the Job's bindings,
the names the code reads, the purges before writes, the options dicts): each used to walk the tree with
``ast.walk``, a generator that costs as much as the walk's Python calls. ``all_nodes`` walks it once, in
``ast.walk``'s order (breadth first), and keeps the list on the tree for the next step that asks.

The list kept on the tree leaves the tree itself out: a tree holding a list that holds the tree is a reference
cycle, and the whole tree would then stay in memory until the garbage collector's next pass instead of going
as soon as its file is done (a file's conversion is long enough for that to cost a pass over every tree).
"""

from __future__ import annotations

import ast

_AST = ast.AST
_KEY = "_g2l_nodes"


def all_nodes(tree: ast.AST) -> list[ast.AST]:
    """The nodes of ``tree`` (itself first) in the order ``ast.walk`` yields them, computed once per tree."""
    below = tree.__dict__.get(_KEY)
    if below is None:
        nodes = [tree]
        append = nodes.append
        index = 0
        while index < len(nodes):
            node = nodes[index]
            index += 1
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, _AST):
                            append(item)
                elif isinstance(value, _AST):
                    append(value)
        below = tree.__dict__[_KEY] = nodes[1:]
        return nodes
    return [tree, *below]
