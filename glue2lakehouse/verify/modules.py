"""The job's own modules: the source of each module a job imports from its folder (``from helpers.io import f``).

Shape inference (``shape.py``) reads a reader function the job calls as if it were the job's own, arguments bound;
for a function defined in a module beside the job it needs that module's text. Only modules found under the
roots the job runs with (the folder given to ``g2l verify``) count: installed packages are not the job's.
"""

from __future__ import annotations

import ast
from pathlib import Path


def job_modules(source: str, roots) -> dict[str, str]:
    """Module name -> source, for every absolute ``from X import ...`` / ``import X`` of ``source`` found under
    ``roots`` as ``X/as/path.py`` or ``X/as/path/__init__.py``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    found: dict[str, str] = {}
    for name in sorted(names):
        parts = name.split(".")
        for root in roots:
            for candidate in (Path(root).joinpath(*parts).with_suffix(".py"), Path(root).joinpath(*parts, "__init__.py")):
                try:
                    found[name] = candidate.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                break
            if name in found:
                break
    return found
