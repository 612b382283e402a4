"""The transformer's printer (statements printed once per file) gives libcst's code for every tree it prints."""

from __future__ import annotations

import libcst as cst
import pytest

from glue2lakehouse.transform.codegen import Printer

from .conftest import FIXTURES

SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if "glue_jobs_data" not in p.parts)


class _EditFirst(cst.CSTTransformer):
    """A later step's kind of change: the first statement of every block gets a comment above it."""

    def leave_IndentedBlock(self, original, updated):
        if not updated.body:
            return updated
        first = updated.body[0]
        marked = first.with_changes(leading_lines=[*first.leading_lines,
                                                   cst.EmptyLine(comment=cst.Comment("# edited"))])
        return updated.with_changes(body=[marked, *updated.body[1:]])


class _Nest(cst.CSTTransformer):
    """The same statement objects printed under another indentation: every top-level def's body in an if."""

    def leave_FunctionDef(self, original, updated):
        body = cst.IndentedBlock(body=[cst.If(test=cst.Name("True"), body=updated.body)])
        return updated.with_changes(body=body)


def _modules():
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        try:
            yield path, text, cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue


def test_a_tree_printed_again_after_an_edit_is_libcsts_code():
    printed = 0
    for path, text, module in _modules():
        printer = Printer()
        assert printer.code(module) == text, path
        edited = module.visit(_EditFirst())
        assert printer.code(edited) == edited.code, path
        nested = edited.visit(_Nest())
        assert printer.code(nested) == nested.code, path
        assert printer.code(module) == text, path
        printed += 1
    assert printed > 100


@pytest.mark.parametrize("text", [
    "if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x = 3\n",
    "def f():\r\n\tif a:\r\n\t\treturn 1\r\n\treturn 2",
    "class C:\n    def f(self): return 1\n\n\n    # end\n",
    "try:\n    a()\nexcept E:\n    b()\nfinally:\n    c()\n",
])
def test_shapes_print_the_same_with_the_same_nodes_in_other_modules(text):
    module = cst.parse_module(text)
    printer = Printer()
    assert printer.code(module) == text
    # The same statements in a module with another newline and indentation print as that module prints them.
    other = module.with_changes(default_newline="\r\n" if module.default_newline == "\n" else "\n",
                                default_indent="  ")
    assert printer.code(other) == other.code


def test_libcsts_own_printing_is_unchanged():
    module = cst.parse_module("if a:\n    x = 1\nelif b:\n    x = 2\n")
    Printer().code(module)
    assert module.code == "if a:\n    x = 1\nelif b:\n    x = 2\n"
    assert module.code_for_node(module.body[0]) == "if a:\n    x = 1\nelif b:\n    x = 2\n"
