"""Rewrite the expected outputs of fixtures/estate/jobs/<case>/ (and fixtures/estate/ddl/<case>/) from before/.

after/ holds every file the estate converter writes or replaces, and after/findings.txt
its findings. For reviewing a rule change: run it, then read `git diff fixtures/estate`
line by line before committing. The tests compare against the committed files.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glue2lakehouse.estate.cases import run_case  # noqa: E402


def main(names: list[str]) -> None:
    for kind in ("jobs", "ddl"):
        folder = ROOT / "fixtures" / "estate" / kind
        if not folder.is_dir():
            continue
        for case in sorted(p for p in folder.iterdir() if p.is_dir()):
            if names and case.name not in names:
                continue
            outputs = run_case(case)
            after = case / "after"
            shutil.rmtree(after, ignore_errors=True)
            for path, data in outputs.items():
                (after / path).parent.mkdir(parents=True, exist_ok=True)
                (after / path).write_bytes(data)
            print(f"{kind}/{case.name}: {len(outputs) - 1} file(s)")


if __name__ == "__main__":
    main(sys.argv[1:])
