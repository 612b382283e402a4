"""The estate's parse cache: what a definition file's text parses to, kept between syncs.

A weekly sync reads every job definition of the Glue repository, but only a few changed. This
cache keeps, for each file text, what a reader parsed it to (python-hcl2's document, a
CloudFormation template, a JSON document, the arguments a script reads), keyed by the reader's
name and the git blob id of the text, so an unchanged file is not parsed again. A second level
keeps what reading a whole unit (one definition file, one Terraform module) did to the estate
model, replayed when the unit's files are unchanged and what it looked up in the estate is
unchanged too (``estate/incremental.py``).

The cache is never a source of truth: it lives in ``.git/g2l-cache/``, holds only values computed
from blob contents by this version of glue2lakehouse (another version, or a file that cannot be
read, starts it empty), and a run with it gives byte for byte what a run without it gives. It keeps
the entries the last run used, so it does not grow with the history.

It is two files. ``estate.pickle`` holds what every sync reads (the file listings of the last trees,
the estate of the last sync: ``PER_SYNC``), and is small. Its large entries that stay the same from
sync to sync (the estate of the last sync, carried over; a full file listing that later listings are
kept as changes to) are in ``estate-stable.pickle`` under a content id, which ``estate.pickle`` names:
that file is written only in a sync that changes what it holds, so a week of script edits writes
kilobytes, not the megabytes of a large estate's listings and estate. ``estate-definitions.pickle`` holds the
rest (parses of definition files, recorded units, bundle jobs: what reading changed definitions
needs), loaded the first time a run asks for one of its entries and written back only then: a sync
whose definitions did not change neither loads nor writes it. Beside them, ``last-report.pickle``
holds the findings of the last report a sync published, under the blob id of its note
(``keep_report``): the next sync reads them there, not from a note of megabytes. The estate's findings
among them (thousands, the same from week to week) are in ``last-report-estate.pickle``, under the id
of the blob the note names for them, written only in a week that changes them.

Readers use it through ``parsed(reader, text, parse)``: with no active cache (``g2l convert``,
the tests of one reader) that is ``parse(text)``.
"""

from __future__ import annotations

import contextvars
import hashlib
import marshal
import os
import pickle
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

from glue2lakehouse import __version__
from glue2lakehouse.jsontext import flat_dict_list

FORMAT = 3   # 2: listings, script look-ups, the estate read without its model; 3: two files, the last estate
FILE = "g2l-cache/estate.pickle"
DEFINITIONS = "estate-definitions.pickle"   # beside FILE
REPORT = "last-report.pickle"   # beside FILE
STABLE = "estate-stable.pickle"   # beside FILE: the large per-sync entries that stay the same (``put_stable``)
_REF = b"g2l-stable:"   # an entry of FILE held in STABLE: these bytes, then its content id (pickles start with 0x80)
REPORT_ESTATE = "last-report-estate.pickle"   # beside FILE: the estate's findings of the last report
PER_SYNC = frozenset({"listing", "estate-resume"})   # namespaces kept in FILE; every other one in DEFINITIONS
T = TypeVar("T")

_active: contextvars.ContextVar["EstateCache | None"] = contextvars.ContextVar("g2l_estate_cache", default=None)


_FINDING_KEYS = frozenset({("file", "line", "message", "rule")})   # in the order json reads them from the note


def keep_report(git_dir: Path, note: str, findings: list, estate: int = 0, estate_blob: str = "") -> None:
    """Keep the findings of the report a sync just wrote as the note blob ``note``, when they are what json reads
    from the note (dicts of JSON scalars with its four keys in sorted order: checked at C level), so that reading
    them here or from the note gives the same; never raises.

    ``estate``: how many of them, at the end, are the estate's findings the note names as the blob ``estate_blob``.
    Those are kept in a file of their own (``REPORT_ESTATE``) under that blob id, written only when the last report
    kept other ones: a week that leaves the estate's findings as they were writes the report's own few."""
    folder = (Path(git_dir) / FILE).parent
    head = findings
    if estate and estate_blob and 0 < estate <= len(findings):
        head = findings[:-estate]
        last = _load(folder / REPORT).get("estate")
        if last != (estate_blob, estate) or not (folder / REPORT_ESTATE).is_file():
            tail = findings[-estate:]
            if not _plain_findings(tail):
                return
            if not _write(folder / REPORT_ESTATE, {"blob": estate_blob, "findings": marshal.dumps(tail)}):
                return   # the report's file must not name estate findings that are not beside it
        if not _plain_findings(head):
            return
        _write(folder / REPORT, {"note": note, "findings": marshal.dumps(head), "estate": (estate_blob, estate)})
        return
    if not _plain_findings(findings):
        return
    _write(folder / REPORT, {"note": note, "findings": marshal.dumps(findings)})


def _plain_findings(findings: list) -> bool:
    return flat_dict_list(findings) and _FINDING_KEYS.issuperset(map(tuple, findings))


def kept_report(git_dir: Path, note: str) -> list | None:
    """The findings kept for the note blob ``note``, or None (none kept, another note, an unreadable file, the
    estate's findings it names not kept beside it)."""
    folder = (Path(git_dir) / FILE).parent
    entries = _load(folder / REPORT)
    if entries.get("note") != note:
        return None
    findings = _findings(entries.get("findings"))
    estate = entries.get("estate")
    if findings is None or estate is None:
        return findings
    kept = _load(folder / REPORT_ESTATE)
    tail = _findings(kept.get("findings")) if isinstance(estate, tuple) and kept.get("blob") == estate[0] else None
    if tail is None or len(tail) != estate[1]:
        return None
    return findings + tail


def _findings(data) -> list | None:
    try:
        findings = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return findings if isinstance(findings, list) else None


def blob_id(data: bytes) -> str:
    """git's object id of a blob holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def per_sync(slot: tuple) -> bool:
    return slot[0] in PER_SYNC


class EstateCache:
    """(namespace, key) -> a pickled value; loaded from and saved to two files (or kept in memory only)."""

    def __init__(self, file: Path | None = None):
        self.file = file
        self.definitions_file = file.with_name(DEFINITIONS) if file is not None else None
        self.stored: dict[tuple, bytes] = {}    # what was loaded (the definitions' entries once asked for)
        self.definitions_loaded = file is None
        self.used: dict[tuple, bytes] = {}
        self.hits = 0
        self.misses = 0
        self.units_read = 0       # estate units read, and replayed from their records (incremental.Units)
        self.units_replayed = 0
        self.jobs_rendered = 0    # bundle jobs rendered, not reused (incremental.cached_job)
        self.trace: list | None = None    # the slots used, while a unit of estate reading runs
        self.tables: dict[str, tuple[dict, dict]] = {}   # namespace -> (stored, used)
        self.dirty = False
        self.live: set[str] | None = None  # blob ids of the tree being read: table entries of other blobs go
        self.kept: set[str] = set()         # namespaces whose stored entries are all kept (keep_namespaces)
        self.stable_file = file.with_name(STABLE) if file is not None else None
        self.stable: dict[str, bytes] | None = None if file is not None else {}   # STABLE, loaded when first needed
        self.stable_new: dict[str, bytes] = {}   # content id -> pickled value, put this run (``put_stable``)
        self.stable_gone = False   # an entry named a content id the stable file lacks: it is written again
        self.listings: dict = {}   # tree -> how its listing is kept (snapshot._listing, snapshot._keep_listings)
        if file is not None:
            self.stored = _load(file)
            for slot in [slot for slot in self.stored if not per_sync(slot)]:   # a file of another layout
                del self.stored[slot]

    def _load_definitions(self) -> None:
        """Load the definitions' file (once, the first time one of its entries is asked for)."""
        if self.definitions_loaded:
            return
        self.definitions_loaded = True
        for slot, data in _load(self.definitions_file).items():
            if not per_sync(slot):
                self.stored.setdefault(slot, data)

    def has(self, slot: tuple) -> bool:
        """Whether an entry is stored or used for ``slot``."""
        if not per_sync(slot):
            self._load_definitions()
        return slot in self.used or slot in self.stored

    @classmethod
    def for_git_dir(cls, git_dir: Path) -> "EstateCache":
        return cls(Path(git_dir) / FILE)

    def get(self, namespace: str, key, compute: Callable[[], T]) -> T:
        """The value stored for (namespace, key), else ``compute()`` (stored when it returns)."""
        slot = (namespace, key)
        if self.trace is not None:
            self.trace.append(slot)
        if namespace not in PER_SYNC:
            self._load_definitions()
        data = self.used.get(slot)
        if data is None:
            data = self.stored.get(slot)
        if data is not None:
            try:
                value = pickle.loads(self._follow(data))
            except Exception:  # noqa: BLE001 - a damaged entry (or one whose stable part is gone) is computed again
                data = None
            else:
                self.used[slot] = data
                self.hits += 1
                return value
        value = compute()
        self.misses += 1
        try:
            self.used[slot] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - a value that does not pickle is simply not kept
            pass
        return value

    def table_get(self, namespace: str, key, compute: Callable[[], T]) -> T:
        """Like ``get``, for many small values kept together in one entry (loaded once). The value returned is
        shared: callers must not change it."""
        stored, used = self._table(namespace)
        if key in used:
            return used[key]
        if key in stored:
            self.hits += 1
            used[key] = stored[key]
            return used[key]
        self.misses += 1
        value = compute()
        used[key] = value
        self.dirty = True
        return value

    def _table(self, namespace: str) -> tuple[dict, dict]:
        if namespace not in self.tables:
            self._load_definitions()
            data = self.stored.get(("table", namespace))
            try:
                stored = pickle.loads(data) if data is not None else {}
            except Exception:  # noqa: BLE001
                stored = {}
            self.tables[namespace] = (stored if isinstance(stored, dict) else {}, {})
        return self.tables[namespace]

    def table_value(self, namespace: str, key, default=None):
        """A table's entry as ``table_get`` would find it, without computing one (``default`` when absent)."""
        stored, used = self._table(namespace)
        if key in used:
            return used[key]
        return stored.get(key, default)

    def touch(self, slots) -> None:
        """Keep these stored entries (a replayed unit used them when it was read)."""
        if self.trace is not None:
            self.trace.extend(slots)
        if not all(per_sync(slot) for slot in slots):
            self._load_definitions()
        for slot in slots:
            if slot not in self.used and slot in self.stored:
                self.used[slot] = self.stored[slot]

    def keep_namespaces(self, namespaces) -> None:
        """Keep every stored entry of these namespaces: what a run read from the cache as a whole (the estate, the
        bundle) was built from them, so the next change needs them."""
        self.kept.update(namespaces)

    def put(self, namespace: str, key, value) -> None:
        self.used[(namespace, key)] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def put_stable(self, namespace: str, key, value, cid: str | None = None) -> None:
        """``put`` for a large per-sync value that later syncs often keep as it is (``carry``, ``touch``): held in
        the stable file under the content id ``cid`` (one that names this content only; default a digest of it),
        and named by the per-sync file. The stable file is written only by a run that changes the ids it holds."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        cid = cid or hashlib.sha1(data).hexdigest()
        self.stable_new[cid] = data
        self.used[(namespace, key)] = _REF + cid.encode("ascii")

    def is_stable(self, namespace: str, key) -> bool:
        """Whether the entry is held in the stable file (an entry kept by an older glue2lakehouse is not)."""
        data = self.used.get((namespace, key)) or self.stored.get((namespace, key))
        return data is not None and data.startswith(_REF)

    def _follow(self, data: bytes) -> bytes:
        """An entry's pickled value: the entry itself, or what it names in the stable file (b"" when that is
        gone: unpickling it fails, as for a damaged entry)."""
        if not data.startswith(_REF):
            return data
        found = self._stable_data(data[len(_REF):].decode("ascii", "replace"))
        if found is None:
            self.stable_gone = True
            return b""
        return found

    def _stable_data(self, cid: str) -> bytes | None:
        """The pickled value held under ``cid``: put this run, else in the stable file (loaded the first time)."""
        found = self.stable_new.get(cid)
        if found is None:
            if self.stable is None:
                self.stable = _load(self.stable_file)
            found = self.stable.get(cid)
        return found if isinstance(found, bytes) else None

    def carry(self, namespace: str, old_key, new_key) -> bool:
        """Keep the entry stored under ``old_key`` under ``new_key`` as well, as it was pickled (a value carried
        over unchanged is not pickled again); False when there is none."""
        data = self.used.get((namespace, old_key)) or self.stored.get((namespace, old_key))
        if data is None:
            return False
        self.used[(namespace, new_key)] = data
        return True

    def take(self, namespace: str, key):
        """The stored value, or None; unlike ``peek`` it is not kept for the next run unless ``put`` again."""
        if namespace not in PER_SYNC:
            self._load_definitions()
        data = self.used.get((namespace, key)) or self.stored.get((namespace, key))
        if data is None:
            return None
        try:
            return pickle.loads(self._follow(data))
        except Exception:  # noqa: BLE001 - damaged, or its stable part is gone
            return None

    def peek(self, namespace: str, key):
        """The stored value, or None (counts as used)."""
        slot = (namespace, key)
        if self.trace is not None:
            self.trace.append(slot)
        if namespace not in PER_SYNC:
            self._load_definitions()
        data = self.used.get(slot) or self.stored.get(slot)
        if data is None:
            return None
        try:
            value = pickle.loads(self._follow(data))
        except Exception:  # noqa: BLE001 - damaged, or its stable part is gone
            return None
        self.used[slot] = data
        return value

    def save(self) -> None:
        """Write the entries this run used, each file only when its entries differ from what was loaded (the
        definitions' file only when it was loaded or has new entries); never raises."""
        for slot, data in self.stored.items():   # a table this run did not open is kept as it was
            if slot[0] == "table" and slot[1] not in self.tables or slot[0] in self.kept and slot not in self.used:
                self.used[slot] = data
        for namespace, (stored, used) in self.tables.items():
            if self.live is not None:   # entries of blobs still in the tree are kept, used or not
                for key, value in stored.items():
                    if key not in used and (key[-1] if isinstance(key, tuple) else key) in self.live:
                        used[key] = value
            if used.keys() != stored.keys():
                self.dirty = True
            self.used[("table", namespace)] = pickle.dumps(used, protocol=pickle.HIGHEST_PROTOCOL)
        sync_part = {slot: data for slot, data in self.used.items() if per_sync(slot)}
        definitions = {slot: data for slot, data in self.used.items() if not per_sync(slot)}
        refs = _refs(sync_part)
        if self.stable_gone or refs != _refs({s: d for s, d in self.stored.items() if per_sync(s)}):
            # Before the per-sync file that names them: a run stopped between the two finds a reference whose
            # content is gone, which reads as an entry missing.
            stable = {cid: data for cid in sorted(refs) if (data := self._stable_data(cid)) is not None}
            if self.stable_file is not None:
                _write(self.stable_file, stable)
            self.stable = stable
        elif self.stable is not None:
            self.stable.update((cid, data) for cid, data in self.stable_new.items() if cid in refs)
        self.stable_new = {}
        self.stable_gone = False
        if self.file is None:
            self.stored = dict(self.used)
            self.dirty = False
            return
        if definitions and not self.definitions_loaded:   # new entries: kept with the stored ones
            self._load_definitions()
            for slot, data in self.stored.items():
                if not per_sync(slot):
                    definitions.setdefault(slot, data)
        if _differs(sync_part, {s: d for s, d in self.stored.items() if per_sync(s)}):
            _write(self.file, sync_part)
        if self.definitions_loaded and (self.dirty or _differs(
                definitions, {s: d for s, d in self.stored.items() if not per_sync(s)})):
            _write(self.definitions_file, definitions)
        self.stored = dict(self.used) if self.definitions_loaded else {**self.stored, **sync_part}
        self.dirty = False


def _refs(entries: dict) -> set[str]:
    """The content ids of the stable file that these entries name."""
    return {data[len(_REF):].decode("ascii", "replace") for data in entries.values() if data.startswith(_REF)}


def _differs(entries: dict, stored: dict) -> bool:
    return entries.keys() != stored.keys() or any(stored[slot] != data for slot, data in entries.items())


def write_atomically(file: Path, data: bytes, prefix: str = ".g2l-") -> None:
    """Write ``data`` to ``file`` by a rename (a reader sees the old file or the new one), making its folder if
    missing; raises what writing raises, and leaves no temporary file (named ``prefix``...) behind."""
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=file.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, file)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write(file: Path, entries: dict) -> bool:
    """Write ``entries`` to ``file`` (by a rename: a reader sees the old file or the new one); never raises: False
    when it could not be written."""
    try:
        write_atomically(file, pickle.dumps({"format": FORMAT, "version": __version__, "entries": entries},
                                            protocol=pickle.HIGHEST_PROTOCOL), ".estate-")
    except OSError:
        return False
    return True


def _load(file: Path) -> dict[tuple, bytes]:
    try:
        with open(file, "rb") as handle:
            document = pickle.load(handle)
    except FileNotFoundError:
        return {}
    except Exception:  # noqa: BLE001 - unreadable, truncated, another format: start empty
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != __version__:
        return {}
    entries = document.get("entries")
    return entries if isinstance(entries, dict) else {}


def active() -> EstateCache | None:
    return _active.get()


class activated:
    """``with activated(cache):`` readers called inside use ``cache`` (None: no cache)."""

    def __init__(self, cache: EstateCache | None):
        self.cache = cache

    def __enter__(self):
        self.token = _active.set(self.cache)
        return self.cache

    def __exit__(self, *exc):
        _active.reset(self.token)
        return False


def parsed(reader: str, text: str, parse: Callable[[str], T]) -> T:
    """``parse(text)``, kept in the active cache under (reader, blob id of the text)."""
    cache = _active.get()
    if cache is None:
        return parse(text)
    return cache.get(reader, blob_id(text.encode("utf-8", "surrogatepass")), lambda: parse(text))


# ---------------------------------------------------------------- parsing ahead, on every core
# Definition kinds whose files a reader parses whole with ``parsed(namespace, text, function)``: the files can be
# parsed ahead on worker processes (an initial migration of thousands of Terraform files), the reader then finds
# them in the cache. kind -> (namespace, "module:function").
WHOLE_FILE_PARSERS = {"terraform": ("terraform", "glue2lakehouse.estate.hclparse:loads")}
