"""Options dicts given as a variable (``connection_options=opts``): the entries, when the code fixes them.

A name qualifies when, in the whole file, it is bound exactly once, to a dict display with string keys
(``opts = {"paths": [src], "recurse": True}``), optionally followed by item assignments with string keys in
the same block (``opts["compression"] = "snappy"``), is never a parameter, never rebound, never changed in
any other way (``update``, ``del``, ``pop``, ``|=``, an assignment to a computed key), and every read of it
comes after its last item assignment. Anything else stays a variable (a rule then falls back to run time).
Computed once per file, only when a rule asks.
"""

from __future__ import annotations

import ast

from glue2lakehouse.transform.nodes import all_nodes


def option_dicts(tree: ast.Module, text: str) -> dict[str, list[tuple[str, str]]]:
    """name -> [(key, value source)] for the names that qualify."""
    displays: dict[str, tuple[ast.Assign, list]] = {}
    bindings: dict[str, int] = {}
    spoiled: set[str] = set()
    item_sets: dict[str, list[ast.Assign]] = {}
    reads: dict[str, list[int]] = {}
    bodies: dict[int, list] = {}  # id(statement) -> the block that holds it
    for node in all_nodes(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                for statement in block:
                    bodies[id(statement)] = block
        kind = type(node)
        if kind is ast.Name:
            if isinstance(node.ctx, ast.Store):
                bindings[node.id] = bindings.get(node.id, 0) + 1
            elif isinstance(node.ctx, ast.Del):
                spoiled.add(node.id)
            else:
                reads.setdefault(node.id, []).append(node.lineno)
        elif kind is ast.arg:
            spoiled.add(node.arg)
        elif kind in (ast.Global, ast.Nonlocal):
            spoiled.update(node.names)
        elif kind is ast.Assign and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict):
                displays[target.id] = (node, [])
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                key = target.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    item_sets.setdefault(target.value.id, []).append(node)
                else:
                    spoiled.add(target.value.id)
        elif kind is ast.AugAssign and isinstance(node.target, (ast.Name, ast.Subscript)):
            target = node.target.value if isinstance(node.target, ast.Subscript) else node.target
            if isinstance(target, ast.Name):
                spoiled.add(target.id)
        elif kind is ast.Delete:
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    spoiled.add(target.value.id)
        elif kind is ast.Attribute and isinstance(node.value, ast.Name) and node.attr in (
                "update", "pop", "popitem", "setdefault", "clear", "__setitem__", "__delitem__"):
            spoiled.add(node.value.id)
    out: dict[str, list[tuple[str, str]]] = {}
    for name, (assign, _) in displays.items():
        if bindings.get(name) != 1 or name in spoiled:
            continue
        entries: dict[str, str] = {}
        good = True
        for key, value in zip(assign.value.keys, assign.value.values):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                good = False
                break
            entries[key.value] = ast.get_source_segment(text, value)
        block = bodies.get(id(assign))
        last = assign.end_lineno
        for item in item_sets.get(name, []):
            if block is None or bodies.get(id(item)) is not block or item.lineno < assign.lineno:
                good = False
                break
            entries[item.targets[0].slice.value] = ast.get_source_segment(text, item.value)
            last = max(last, item.end_lineno)
        # reads of the name inside its own item assignments are not reads of the finished dict
        if not good or any(line <= last and line >= assign.lineno for line in reads.get(name, [])
                           if not any(i.lineno <= line <= i.end_lineno for i in item_sets.get(name, []))):
            continue
        if any(value is None for value in entries.values()):
            continue
        out[name] = list(entries.items())
    return out
