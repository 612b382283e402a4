"""The .gitattributes lines glue2lakehouse owns: merge drivers and native paths. Pure text."""

from __future__ import annotations

import fnmatch

HEADER = "# glue2lakehouse merge drivers ('g2l install' configures them in .git/config)"
PROTECTED_LINE = "*.py merge=g2l"
NATIVE_ATTR = "merge=g2l-native"


def _quote(pattern: str) -> str:
    if any(ch in pattern for ch in ' "\\\t'):
        escaped = pattern.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return pattern


def _unquote(pattern: str) -> str:
    if pattern.startswith('"') and pattern.endswith('"'):
        return pattern[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return pattern


def ensure_driver_lines(text: str) -> str:
    lines = text.splitlines()
    if PROTECTED_LINE in (line.strip() for line in lines):
        return text
    block = [HEADER, PROTECTED_LINE]
    if lines and lines[-1].strip():
        block.insert(0, "")
    return "\n".join(lines + block) + "\n"


def native_pattern(path: str, is_dir: bool) -> str:
    return "/" + path.strip("/") + ("/**" if is_dir else "")


def add_native(text: str, pattern: str) -> str:
    text = ensure_driver_lines(text)
    line = f"{_quote(pattern)} {NATIVE_ATTR}"
    if line in text.splitlines():
        return text
    return text + line + "\n"


def native_patterns(text: str) -> list[str]:
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or not line.endswith(NATIVE_ATTR):
            continue
        pattern = line[: -len(NATIVE_ATTR)].strip()
        patterns.append(_unquote(pattern))
    return patterns


def is_native(path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        anchored = pattern.lstrip("/")
        if anchored.endswith("/**"):
            if path.startswith(anchored[:-2]):
                return True
        elif path == anchored or ("/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)):
            return True
    return False


def remove_native(text: str, pattern: str) -> tuple[str, bool]:
    """``text`` without the native line for ``pattern``; the bool says whether there was one."""
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines
            if not (line.strip().endswith(NATIVE_ATTR) and _unquote(line.strip()[: -len(NATIVE_ATTR)].strip()) == pattern)]
    return "".join(kept), len(kept) != len(lines)
