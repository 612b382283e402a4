"""The estate modules a Glue job imports, found on disk under the roots it imports from (the folder given to
``g2l verify``, the estate's root in a dual-track repository), so the shape reader sees the reader functions,
constants and frame functions the job calls from them. Standard and third-party modules are not under a
root, so they are not found."""

from __future__ import annotations

import ast
from pathlib import Path


def imported_names(text: str, package: list[str]) -> list[str]:
    """Every dotted name a Python text imports: ``import a.b`` gives a.b, ``from a import b`` gives a and a.b;
    relative names are resolved from ``package`` (the importing module's package, as parts). A text that does
    not parse imports nothing we can tell."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if prefix:
                names.append(prefix)
            names += [f"{prefix}.{alias.name}" if prefix else alias.name for alias in node.names if alias.name != "*"]
    return names


def _imports(path: Path, package: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return imported_names(text, package.split(".") if package else [])


def _find(name: str, roots: list[Path]) -> Path | None:
    relative = Path(*name.split("."))
    for root in roots:
        for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def imported_modules(job: Path, roots: list) -> dict[str, str]:
    """Dotted name -> source of every estate module ``job`` reaches through imports, in the order found."""
    roots = [Path(r) for r in roots]
    job = Path(job).resolve()
    found: dict[str, str] = {}
    seen = {job}
    stack = [(job, "")]
    while stack:
        path, package = stack.pop(0)
        for name in _imports(path, package):
            pieces = name.split(".")
            for end in range(1, len(pieces) + 1):   # a.b.c: the packages a, a.b, and the module
                dotted = ".".join(pieces[:end])
                if dotted in found:
                    continue
                module = _find(dotted, roots)
                if module is None or module.resolve() in seen:
                    continue
                seen.add(module.resolve())
                found[dotted] = module.read_text(encoding="utf-8", errors="replace")
                stack.append((module, dotted if module.name == "__init__.py" else ".".join(pieces[:end - 1])))
    return found
