"""git merge-driver entry point. Starts fast: imports only the pure merge core.

Configured in .git/config by ``g2l install`` / ``init`` / ``sync``::

    [merge "g2l"]
        driver = PYTHON -m glue2lakehouse.merge.driver protected %O %A %B %P %L
    [merge "g2l-native"]
        driver = PYTHON -m glue2lakehouse.merge.driver native %O %A %B %P %L

Contract (gitattributes(5)): merge %O (base) and %B (theirs) into %A (ours),
write the result to %A, exit 0 when clean and 1 when conflicts remain.

``native``: the Databricks version (%A) always wins.
``protected``: PROTECTED regions of %A are kept byte for byte. Options:
``--overlap conflict|keep-databricks`` (default: the ``[sync]`` setting of
.g2l.toml in the working directory, else ``conflict``), ``--favor-theirs``,
``--report FILE`` (append one JSON line per merged file, for ``g2l sync``).

The driver never breaks a merge: markers it cannot read or any failure fall
back to git's own line merge (``git merge-file --diff3``) with conflict markers.
"""

from __future__ import annotations

import sys

USAGE = "usage: python -m glue2lakehouse.merge.driver {protected|native} [--overlap MODE] [--favor-theirs] [--report FILE] BASE OURS THEIRS PATH [MARKER_SIZE]"


def _overlap_setting() -> str:
    try:
        with open(".g2l.toml", "rb") as handle:
            text = handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return "conflict"
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "protected_overlap":
            return value.strip().strip("\"'") or "conflict"
    return "conflict"


def _git_merge_file(base: str, ours: str, theirs: str, size: int) -> int:
    import subprocess  # only on the fallback path: it costs start-up time

    result = subprocess.run(
        ["git", "merge-file", "--diff3", f"--marker-size={size}", "-L", "HEAD", "-L", "base",
         "-L", "glue-upstream", ours, base, theirs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return 0 if result.returncode == 0 else 1


def _report(report: str | None, record: dict) -> None:
    if not report:
        return
    import json

    with open(report, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def run(argv: list[str]) -> int:
    if not argv or argv[0] not in ("protected", "native"):
        print(USAGE, file=sys.stderr)
        return 2
    mode, rest = argv[0], argv[1:]
    overlap = None
    favor_theirs = False
    report = None
    positional: list[str] = []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--overlap" and i + 1 < len(rest):
            overlap, i = rest[i + 1], i + 2
        elif arg == "--report" and i + 1 < len(rest):
            report, i = rest[i + 1], i + 2
        elif arg == "--favor-theirs":
            favor_theirs, i = True, i + 1
        else:
            positional.append(arg)
            i += 1
    if len(positional) < 4:
        print(USAGE, file=sys.stderr)
        return 2
    base_path, ours_path, theirs_path, path = positional[:4]
    size = int(positional[4]) if len(positional) > 4 and positional[4].isdigit() else 7

    if mode == "native":
        _report(report, {"path": path, "driver": "native", "conflicts": [], "overlaps": []})
        return 0

    try:
        from glue2lakehouse.markers import RegionError
        from glue2lakehouse.merge.core import merge

        with open(base_path, "rb") as f:
            base = f.read()
        with open(ours_path, "rb") as f:
            ours = f.read()
        with open(theirs_path, "rb") as f:
            theirs = f.read()
        try:
            outcome = merge(
                base, ours, theirs,
                protected_overlap=overlap or _overlap_setting(),
                favor_theirs=favor_theirs,
                marker_size=size,
            )
        except RegionError as error:
            _report(report, {"path": path, "driver": "fallback", "error": f"{path}:{error.line}: {error.what}",
                             "conflicts": [], "overlaps": []})
            return _git_merge_file(base_path, ours_path, theirs_path, size)
        with open(ours_path, "wb") as f:
            f.write(outcome.data)
        _report(report, {
            "path": path,
            "driver": "protected",
            "conflicts": [c.as_dict() for c in outcome.conflicts],
            "overlaps": [o.as_dict() for o in outcome.overlaps],
        })
        return 0 if outcome.clean else 1
    except Exception as error:  # the driver must never break a merge
        _report(report, {"path": path, "driver": "fallback", "error": repr(error), "conflicts": [], "overlaps": []})
        return _git_merge_file(base_path, ours_path, theirs_path, size)


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
