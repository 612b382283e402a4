"""The estate of the last sync, carried over when what changed since cannot change it.

A weekly sync mostly brings edits to job scripts: a fixed bug, a new column. Such an edit changes
nothing the estate conversion reads when the script reads the same job arguments
(``getResolvedOptions``) and imports the same modules: the bundle jobs, the DDL, the findings of the
definitions and the bookmark options are then the last sync's. So each sync keeps, in the per-sync
cache file (``estate/cache.py``), what its estate conversion gave (the generated paths, the bookmark
options, the transform settings' fingerprint; its findings are in the sync's report) and what it depended on among the Python
files (the arguments of every script a job runs, the imports of every file an import walk read),
under the source tree and the snapshot tree it built. The next sync starting from those two trees
carries it over, without reading any definition, when every changed path

- is a regular file in both trees (an edit: no path added, removed or renamed, so every script location matches what
  it matched and every import finds the files it found),
- cannot be a definition or DDL file (``discover.candidate``) nor a generated path,
- and, for a Python file, reads the same arguments (if a job runs it) and imports the same names (if an
  import walk read it), parsed from its new text.

Anything else (a definition changed, a script reads a new argument, a file was added, other settings,
no kept estate) converts the estate as before (``convert_estate``, itself incremental). The result is
the same either way: a property test compares syncs with and without the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

NAMESPACE = "estate-resume"
REGULAR = (0o100644, 0o100755)


@dataclass
class Kept:
    """What a sync's estate conversion gave, and what it depended on among the Python files."""

    outputs: tuple          # the generated paths in the snapshot (bundle files, DDL converted in place)
    issues: int             # how many findings the estate gave (the last report holds them, in order) ...
    ends: tuple             # ... and the first and the last of them (a report that does not hold them: not kept)
    bookmarks: dict         # script path -> bookmark option (the transform settings' bookmarks)
    fingerprint: str        # the transform settings' fingerprint with those bookmarks
    arguments: dict         # path -> digest of its script_arguments, for every script a job runs
    imports: dict           # path -> digest of its import_names, for every file an import walk read
    text_id: str = ""        # the id of the blob holding them as a list (jsontext.list_text), which the note names
                            # (their text is not kept: the notes tree has that blob; made again only if it lacks it)
    actions: frozenset = frozenset()   # the keys of the actions they ask for (review.actions.action_keys)

    def findings(self, estate: list[dict]) -> list[dict] | None:
        """The estate's findings, from the last report's findings of the estate's rules (``ESTATE_RULES``), as
        copies; None when they are not the ones this estate gave."""
        if len(estate) != self.issues or (estate and (estate[0], estate[-1]) != self.ends):
            return None
        return list(map(dict.copy, estate))


FIELDS = {field.name for field in fields(Kept)}


def digest(value) -> bytes:
    """A short digest of a parsed fact (a list of names, or None)."""
    import hashlib

    return hashlib.sha1(repr(value).encode("utf-8", "surrogatepass")).digest()


def _key(source_tree: str, tree: str, settings: tuple) -> tuple:
    return (source_tree, tree, *settings)


def settings_keys(transform, estate_settings) -> tuple:
    from glue2lakehouse.estate.incremental import settings_key

    return settings_key(transform), settings_key(estate_settings)


def load(cache, source_tree: str | None, tree: str | None, settings: tuple) -> Kept | None:
    """The estate kept by the sync that built ``tree`` from ``source_tree`` with these settings, or None."""
    if cache is None or source_tree is None or tree is None:
        return None
    kept = cache.peek(NAMESPACE, _key(source_tree, tree, settings))
    return kept if isinstance(kept, Kept) and vars(kept).keys() == FIELDS else None


def facts(data: bytes) -> tuple | None:
    """(script_arguments, import_names) of a Python file's bytes, as the estate conversion reads them; None when
    it does not decode (the conversion then skips it: the estate is converted again)."""
    from glue2lakehouse.estate import script_facts

    try:
        return script_facts(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None


def carried(kept: Kept | None, changed, old_files: dict, new_files: dict, read: Callable[[str], bytes],
            parsed: dict | None = None) -> bool:
    """Whether the changes from the kept sync's source (``old_files``) to ``new_files`` leave its estate as it
    was (see the module's docstring). Reads the changed Python files a job or an import walk depends on; what
    they parse to goes into ``parsed`` (path -> (blob id, arguments, imports)), for ``seed``."""
    from glue2lakehouse.estate.discover import candidate

    if kept is None or changed is None:
        return False
    outputs = set(kept.outputs)
    for path in changed:
        old, new = old_files.get(path), new_files.get(path)
        if old is None or new is None or candidate(path) or path in outputs:
            return False
        if old.mode not in REGULAR or new.mode not in REGULAR:   # the estate reads regular files only
            return False
        if not path.endswith(".py") or (path not in kept.arguments and path not in kept.imports):
            continue
        found = facts(read(path))
        if found is None:
            return False
        arguments, names = found
        if parsed is not None:
            parsed[path] = (new.oid, arguments, names)
        if path in kept.arguments and kept.arguments[path] != digest(arguments):
            return False
        if path in kept.imports and kept.imports[path] != digest(names):
            return False
    return True


def keep(cache, source_tree: str, tree: str, settings: tuple, kept: Kept,
         carried_from: tuple[str, str] | None = None) -> None:
    """Keep ``kept`` for the sync that built ``tree`` from ``source_tree``; ``carried_from``: the (source tree,
    tree) it was loaded under and carried over unchanged, whose stored bytes are kept as they are."""
    if cache is None:
        return
    if carried_from is not None and cache.is_stable(NAMESPACE, _key(*carried_from, settings)) and cache.carry(
            NAMESPACE, _key(*carried_from, settings), _key(source_tree, tree, settings)):
        return
    cache.put_stable(NAMESPACE, _key(source_tree, tree, settings), kept)   # carried over, it is not written again


def depended(cache, ids: Callable[[str], str], read: Callable[[str], bytes], estate_settings) -> tuple[dict, dict] | None:
    """After a conversion of the estate: (arguments of every script a job runs, imports of every file an import
    walk read), from what the conversion kept in the cache; None when it kept no record of them, or when the
    bundle depends on more of the scripts (reconcile tasks read their code)."""
    from glue2lakehouse.estate.incremental import ScriptLookups

    if estate_settings.reconcile.jobs:
        return None
    stored = cache.take(*ScriptLookups.SLOT)
    if not (isinstance(stored, tuple) and len(stored) == 3):
        return None
    _, matches, walks = stored
    arguments, imports = {}, {}
    for path in sorted({path for path in matches.values() if path is not None}):
        value = _fact(cache, "script-arguments", ids(path), path, read)
        if value is _NONE:
            return None
        arguments[path] = digest(value)
    for _, visited in walks.values():
        for path, oid in visited:
            if path not in imports:
                value = _fact(cache, "python-imports", oid, path, read)
                if value is _NONE:
                    return None
                imports[path] = digest(value)
    return arguments, imports


_NONE = object()


def _fact(cache, table: str, oid: str, path: str, read: Callable[[str], bytes]):
    """A file's arguments or imports as the conversion kept them, else parsed now; _NONE when it does not decode."""
    from glue2lakehouse.estate import SCRIPT_FACTS

    value = cache.table_value(table, oid, _NONE)
    if value is _NONE:
        found = facts(read(path))
        value = _NONE if found is None else found[SCRIPT_FACTS.index(table)]
    return value


FRESH = (NAMESPACE, "parsed")


def remember_parsed(cache, parsed: dict) -> None:
    """Keep what the changed scripts parsed to since the estate was last converted (the definitions' cache, where
    the conversion looks for them, is not loaded by a sync that carries the estate over)."""
    if cache is not None:
        known = cache.take(*FRESH)
        cache.put(*FRESH, {**(known if isinstance(known, dict) else {}), **parsed})


def seed(cache) -> None:
    """Before converting the estate: what scripts parsed to in the syncs that carried it over, put where the
    conversion looks (so a script edited then is not parsed again)."""
    known = cache.take(*FRESH) if cache is not None else None
    if not isinstance(known, dict):
        return
    for oid, arguments, names in known.values():
        cache.table_get("script-arguments", oid, lambda arguments=arguments: arguments)
        cache.table_get("python-imports", oid, lambda names=names: names)
