"""Incremental estate reading: a unit whose files did not change is replayed, not read again.

Reading the estate is a sequence of units, in a fixed order: one definition file (decode it, run
its reader), then one Terraform module (a folder's ``.tf`` files resolved together). A unit
changes the shared ``Estate`` model (jobs, triggers, variables, issues ...) and may look at what
earlier units put there (is variable ``x`` declared yet? is job ``y`` defined in another file?).

While a unit runs, the estate's containers record both: every write (a key set, an item
appended) and every look-up with what it found. The record is kept in the cache under the
unit's files and their blob ids. Next time, if the files are the same, the record is replayed
on the estate being built: each look-up is checked against what the estate holds now, and each
write is applied. If a look-up finds something else (an earlier unit changed: a variable is now
declared elsewhere, a job moved), the replayed writes are undone and the unit is read for real.
A unit that uses its estate in any other way (iterating a container, removing from it) is
never replayed. So the estate after replay is the estate a full read builds, in the same
order; readers need nothing for this beyond going through the ``Estate``'s containers.

Units nest. A Terraform module that is read again (one of its files changed) runs each of its
Glue resources as a unit of its own, so the resources whose definitions did not change are
replayed rather than evaluated again. What such a unit looks up in its module (a variable's
default, a local, another resource's attribute) goes through the module's *scoped* containers
(``Units.scoped``): recorded and checked on replay like the estate's, and left out of the
enclosing module's record, whose key (every file of the module, by blob id) already covers them.
The enclosing record holds everything else its inner units did, replayed or read, in order.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import fields
from typing import Callable, TypeVar

from glue2lakehouse.estate.cache import EstateCache, blob_id
from glue2lakehouse.estate.model import Estate

_MISSING = "\0g2l-missing\0"


# The Estate fields holding a dict or a list are recorded (fields added later included); a change to any other
# field makes a unit not replayable.
DICTS = tuple(f.name for f in fields(Estate) if f.default_factory is dict)
LISTS = tuple(f.name for f in fields(Estate) if f.default_factory is list)
OTHERS = tuple(f.name for f in fields(Estate) if f.name not in DICTS + LISTS)
NAMESPACE = "estate-unit"
T = TypeVar("T")


class _Recorder:
    def __init__(self):
        self.log: list | None = None
        self.opaque = False
        self.gets: list[tuple[object, bytes]] = []

    def seen(self, value) -> bytes:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.gets.append((value, data))
        return data


class _Dict(dict):
    """A dict that records writes and look-ups while a unit runs."""

    def __init__(self, name: str, recorder: _Recorder):
        super().__init__()
        self._name = name
        self._recorder = recorder

    def __setitem__(self, key, value):
        log = self._recorder.log
        if log is not None:
            log.append(("set", self._name, key, value))
        dict.__setitem__(self, key, value)

    def __contains__(self, key):
        found = dict.__contains__(self, key)
        log = self._recorder.log
        if log is not None:
            log.append(("has", self._name, key, found))
        return found

    def __getitem__(self, key):
        log = self._recorder.log
        if log is not None:
            if not dict.__contains__(self, key):
                log.append(("get", self._name, key, _MISSING))
            else:
                log.append(("get", self._name, key, self._recorder.seen(dict.__getitem__(self, key))))
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        if not dict.__contains__(self, key):
            if self._recorder.log is not None:
                self._recorder.log.append(("get", self._name, key, _MISSING))
            return default
        return self[key]

    def _opaque(self):
        if self._recorder.log is not None:
            self._recorder.opaque = True


def _opaque_method(base, name):
    method = getattr(base, name)

    def wrapper(self, *args, **kwargs):
        self._opaque()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


for _name in ("__iter__", "__len__", "__delitem__", "keys", "values", "items", "pop", "popitem", "setdefault",
              "update", "clear", "copy", "__or__", "__ior__", "__reversed__", "__eq__", "__ne__"):
    setattr(_Dict, _name, _opaque_method(dict, _name))


class _List(list):
    """A list that records appends while a unit runs (anything else makes the unit not replayable)."""

    def __init__(self, name: str, recorder: _Recorder):
        super().__init__()
        self._name = name
        self._recorder = recorder

    def append(self, value):
        log = self._recorder.log
        if log is not None:
            log.append(("append", self._name, value))
        list.append(self, value)

    def extend(self, values):
        values = list(values)
        log = self._recorder.log
        if log is not None:
            log.append(("extend", self._name, values))
        list.extend(self, values)

    def _opaque(self):
        if self._recorder.log is not None:
            self._recorder.opaque = True


for _name in ("__iter__", "__len__", "__getitem__", "__setitem__", "__delitem__", "__contains__", "insert", "pop",
              "remove", "sort", "reverse", "clear", "copy", "index", "count", "__iadd__", "__imul__", "__add__",
              "__reversed__", "__eq__", "__ne__"):
    setattr(_List, _name, _opaque_method(list, _name))


def _scoped(op) -> bool:
    return op[1].startswith("scope:")


class Units:
    """Runs the units of one estate read: replayed from the cache when possible, recorded otherwise."""

    def __init__(self, cache: EstateCache | None):
        self.cache = cache
        self.recorder = _Recorder()
        self.estate = Estate(**{name: _Dict(name, self.recorder) for name in DICTS},
                             **{name: _List(name, self.recorder) for name in LISTS})
        # name -> container: the estate's, and those of the unit being read (``scoped``, named "scope:...")
        self.containers: dict[str, object] = {name: getattr(self.estate, name) for name in DICTS + LISTS}

    def scoped(self, name: str, values: dict) -> dict:
        """``values`` as a container of the unit being read (a Terraform module's variables, locals, resource
        arguments), for the units run inside it: what they look up there is recorded and checked on replay, and
        left out of the enclosing unit's record. Until ``unscope``; a plain dict when there is no cache."""
        if self.cache is None:
            return values
        container = _Dict(f"scope:{name}", self.recorder)
        dict.update(container, values)
        self.containers[container._name] = container
        return container

    def unscope(self) -> None:
        for name in [name for name in self.containers if name.startswith("scope:")]:
            del self.containers[name]

    def run(self, key, unit: Callable[[], object]):
        """``unit()`` (which changes ``self.estate``), or the replay of its record under ``key``."""
        if self.cache is None:
            return unit()
        recorder = self.recorder
        stored = self.cache.peek(NAMESPACE, key)
        if stored is not None:
            ops, result, uses = stored
            if self._replay(ops):
                self.cache.touch(uses)
                self.cache.units_replayed += 1
                if recorder.log is not None:   # inside a unit being read: its record holds what this one did
                    recorder.log.extend(op for op in ops if not _scoped(op))
                return result
        self.cache.units_read += 1
        outer_state = recorder.log, recorder.opaque, recorder.gets
        recorder.log, recorder.opaque, recorder.gets = [], False, []
        outer, self.cache.trace = self.cache.trace, []
        before = [pickle.dumps(getattr(self.estate, name)) for name in OTHERS]
        try:
            result = unit()
        finally:
            ops, opaque, gets = recorder.log, recorder.opaque, recorder.gets
            uses = self.cache.trace
            recorder.log, recorder.opaque, recorder.gets = outer_state
            self.cache.trace = outer
            if outer is not None:
                outer.extend(uses)
            if recorder.log is not None:   # an inner unit: the enclosing record holds what it did
                recorder.log.extend(op for op in ops if not _scoped(op))
                recorder.opaque = recorder.opaque or opaque
                recorder.gets.extend(gets)
        # A value the unit looked up and then changed in place is a write the record does not hold.
        changed = any(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) != data for value, data in gets)
        # A field that is not a recorded container (a later addition to Estate) changed: not replayable.
        changed = changed or before != [pickle.dumps(getattr(self.estate, name)) for name in OTHERS]
        if not opaque and not changed:
            try:
                self.cache.put(NAMESPACE, key, (ops, result, uses))
            except Exception:  # noqa: BLE001 - a record that does not pickle: the unit is read each time
                pass
        return result

    def _replay(self, ops: list) -> bool:
        undo: list = []
        try:
            return self._apply(ops, undo)
        except KeyError:   # a record of an inner unit asked for outside the unit whose containers it looks at
            return self._undo(undo)

    def _apply(self, ops: list, undo: list) -> bool:
        containers = self.containers
        for op in ops:
            kind = op[0]
            if kind == "has":
                if dict.__contains__(containers[op[1]], op[2]) != op[3]:
                    return self._undo(undo)
            elif kind == "get":
                container = containers[op[1]]
                present = dict.__contains__(container, op[2])
                if op[3] == _MISSING:
                    if present:
                        return self._undo(undo)
                elif not present or dict.__getitem__(container, op[2]) != pickle.loads(op[3]):
                    return self._undo(undo)
            elif kind == "set":
                container = containers[op[1]]
                existed = dict.__contains__(container, op[2])
                undo.append((container, op[2], existed, dict.__getitem__(container, op[2]) if existed else None))
                dict.__setitem__(container, op[2], op[3])
            elif kind == "append":
                container = containers[op[1]]
                undo.append((container, list.__len__(container)))
                list.append(container, op[2])
            elif kind == "extend":
                container = containers[op[1]]
                undo.append((container, list.__len__(container)))
                list.extend(container, op[2])
            else:
                return self._undo(undo)
        return True

    @staticmethod
    def _undo(undo: list) -> bool:
        for step in reversed(undo):
            if len(step) == 2:
                container, length = step
                list.__delitem__(container, slice(length, None))
            else:
                container, key, existed, old = step
                if existed:
                    dict.__setitem__(container, key, old)
                else:
                    dict.__delitem__(container, key)
        return False

    def finish(self) -> Estate:
        """The estate with plain containers (nothing is recorded any more)."""
        self.recorder.log = None
        estate = self.estate
        for name in DICTS:
            setattr(estate, name, dict(dict.items(getattr(estate, name))))
        for name in LISTS:
            setattr(estate, name, list(list.__iter__(getattr(estate, name))))
        return estate


# ---------------------------------------------------------------- derived outputs
def settings_key(settings) -> str:
    """Settings as canonical text (the same settings read from .g2l.toml or built in code give the same key)."""
    import json
    from dataclasses import asdict

    return json.dumps(asdict(settings), sort_keys=True, default=str)


def fingerprint(value) -> str | None:
    """A key for a value's content (the hash of its pickle without the memo); None when it does not pickle.

    A plain pickle writes an object met twice as a reference to the first, so equal values whose parts are shared
    differently pickle differently: a job read from its module names the same string object as the trigger that
    starts it, while the same job and trigger replayed from two cached records hold two equal strings. Without the
    memo (the pickler's ``fast`` mode) every part is written out where it occurs, and the key follows the content
    only. A value that refers to itself does not pickle that way: None, as for a value that does not pickle."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump(value)
    except Exception:  # noqa: BLE001
        return None
    return blob_id(buffer.getvalue())


class _SeenIndex:
    def __init__(self, inner, log: list):
        self.inner, self.log = inner, log

    def match(self, location):
        found = self.inner.match(location)
        self.log.append(("match", location, found))
        return found


class _SeenScripts:
    def __init__(self, inner: dict, log: list):
        self.inner, self.log = inner, log

    def get(self, path, default=None):
        found = self.inner.get(path, default)
        self.log.append(("script", path, default, found))
        return found

    def __getattr__(self, name):   # anything else: not recordable
        raise _NotRecordable(name)


class _NotRecordable(Exception):
    pass


def cached_job(builder, key: str, names: list[str], workflow: str | None, render: Callable[[], str]) -> str:
    """``render()`` of one bundle job (its YAML text; it appends its issues to ``builder.issues``), reused when
    the job's inputs are the same: its Glue jobs, their triggers and workflow, the settings, and what it looked
    up among the repository's scripts (checked again against the scripts now)."""
    from glue2lakehouse.estate.cache import active

    cache = active()
    key_of = None
    if cache is not None:
        estate = builder.estate
        settings = getattr(builder, "settings_keys", None)
        if settings is None:   # the same for every job of the bundle: computed once
            settings = builder.settings_keys = (settings_key(builder.transform), settings_key(builder.settings))
        key_of = fingerprint((key, names, workflow, [estate.jobs[name] for name in names],
                              builder._triggers(names, workflow),
                              estate.workflows.get(workflow) if workflow else None, *settings))
    seen = getattr(builder, "lookups", None)
    if key_of is None:
        if seen is not None:
            seen.append(("unrecorded",))
        return render()
    stored = cache.peek("bundle-job", key_of)
    if stored is not None:
        lookups, text, issues = stored
        if all(_same_lookup(builder, lookup) for lookup in lookups):
            builder.issues.extend(issues)
            if seen is not None:
                seen.extend(lookups)
            return text
    cache.jobs_rendered += 1
    index, scripts, log = builder.index, builder.scripts, []
    builder.index, builder.scripts = _SeenIndex(index, log), _SeenScripts(scripts, log)
    start = len(builder.issues)
    recordable = True
    try:
        text = render()
    except _NotRecordable:
        recordable = False
    finally:
        builder.index, builder.scripts = index, scripts
    if not recordable:
        del builder.issues[start:]
        if seen is not None:
            seen.append(("unrecorded",))
        return render()
    cache.put("bundle-job", key_of, (log, text, builder.issues[start:]))
    if seen is not None:
        seen.extend(log)
    return text


def _same_lookup(builder, lookup) -> bool:
    if lookup[0] == "match":
        return builder.index.match(lookup[1]) == lookup[2]
    return builder.scripts.get(lookup[1], lookup[2]) == lookup[3]


def cached(namespace: str, inputs, compute: Callable[[], T]) -> T:
    """``compute()``, kept under the fingerprint of ``inputs`` (everything it reads) in the active cache."""
    from glue2lakehouse.estate.cache import active

    cache = active()
    key = fingerprint(inputs) if cache is not None else None
    if key is None:
        return compute()
    return cache.get(namespace, key, compute)


# ---------------------------------------------------------------- what the jobs look up among the scripts
class ScriptLookups:
    """Which script a job's location names, and which repository modules a script imports, kept from the last
    read while the repository's Python paths are the same (a location matches the same path, an import finds the
    same modules) and, for an import walk, every file it read is the same blob. So a sync that changed a few
    scripts walks the imports of those scripts only, not of every job's.

    ``python``: the sorted Python paths of the tree; ``ids``: path -> blob id (None: nothing is kept)."""

    SLOT = ("script-lookups", "last")

    def __init__(self, cache: EstateCache | None, python: list[str], ids: Callable[[str], str] | None):
        from glue2lakehouse.estate.bundle import ScriptIndex

        self._index_class = ScriptIndex
        self.python = python
        self.cache = cache if ids is not None else None
        self.ids = ids
        self.key = fingerprint(python) if self.cache is not None else None
        stored = self.cache.peek(*self.SLOT) if self.cache is not None and self.key else None
        same = isinstance(stored, tuple) and len(stored) == 3 and stored[0] == self.key
        self.stored_matches: dict = stored[1] if same else {}
        self.walks: dict = stored[2] if same else {}
        self.matches: dict = {}
        self.used_walks: dict = {}
        self._index = None

    @property
    def index(self):
        if self._index is None:
            self._index = self._index_class(self.python)
        return self._index

    def match(self, location):
        """``ScriptIndex.match`` of ``location`` (kept while the Python paths are the same)."""
        if self.cache is None:
            return self.index.match(location)
        try:
            return self.matches[location]
        except KeyError:
            pass
        except TypeError:   # a location that is not hashable: never kept
            return self.index.match(location)
        stored = self.stored_matches.get(location, _MISSING)
        found = self.matches[location] = self.index.match(location) if stored == _MISSING else stored
        return found

    def modules(self, script: str, walk: Callable[[Callable[[str], object]], list[str]],
                names_of: Callable[[str], object]) -> list[str]:
        """``walk(names_of)`` (the import walk from ``script``), or the last one when every file it read is the
        same blob."""
        if self.cache is None:
            return walk(names_of)
        stored = self.walks.get(script)
        ids = self.ids
        if stored is not None and self._same_blobs(stored[1]):
            self.used_walks[script] = stored
            return list(stored[0])
        visited: list = []

        def recorded(path: str):
            visited.append((path, ids(path)))
            return names_of(path)

        modules = walk(recorded)
        self.used_walks[script] = (tuple(modules), tuple(visited))
        return modules

    def _same_blobs(self, visited) -> bool:
        try:
            return all(self.ids(path) == oid for path, oid in visited)
        except KeyError:
            return False

    def save(self) -> None:
        if self.cache is not None and self.key:
            self.cache.put(*self.SLOT, (self.key, self.matches, self.used_walks))
