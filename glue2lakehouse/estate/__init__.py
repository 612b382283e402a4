"""The Glue estate beyond scripts: job definitions, triggers, workflows, crawlers and catalog DDL.

``convert_estate`` is the one entry point (the snapshot builder and ``g2l convert`` call it):
it finds the definition and DDL files of a Glue tree by content, reads them into a
neutral model (``model.py``; one reader per input form under ``readers/``), and returns

- new files: ``resources/<job>.job.yml`` (Databricks Asset Bundle jobs, ``bundle.py``) and
  ``resources/glue_variables.yml`` for values only a deployment knows;
- replacements: each DDL file converted to Unity Catalog DDL in place (``ddl.py``);
- findings: everything not mapped, with what to do;
- bookmarks: script path -> the job's ``--job-bookmark-option``, for the transformer.

Pure: paths and a function reading a path's bytes in, text out; deterministic.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Callable

from glue2lakehouse.config import EstateSettings, TransformSettings
from glue2lakehouse.estate.model import Estate, Issue


# Finding rules of the estate converter (every one starts with one of these).
ESTATE_RULES = ("estate-", "ddl-")


@dataclass
class EstateResult:
    files: dict[str, bytes] = field(default_factory=dict)        # new files (bundle resources)
    replaced: dict[str, bytes] = field(default_factory=dict)     # Glue files replaced by their conversion (DDL)
    issues: list[Issue] = field(default_factory=list)
    bookmarks: dict[str, str] = field(default_factory=dict)      # script path -> bookmark option of its job
    estate: Estate | None = None     # the model (without a cache; with one, None: it is loaded only when needed)

    def findings(self):
        from glue2lakehouse.transform import Finding

        return [Finding(i.path, i.line, i.rule, i.message) for i in self.issues]


def _decode(path: str, data: bytes, estate: Estate) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        estate.issues.append(Issue(path, 1, "estate-parse", f"not UTF-8 ({error.reason}); not converted"))
        return None


def read_estate(paths: list[str], read: Callable[[str], bytes],
                ids: Callable[[str], str] | None = None) -> tuple[Estate, dict[str, str]]:
    """The estate model of a tree, and path -> kind of every definition or DDL file found.

    ``ids``: path -> git blob id, when the caller knows them (else they are computed from the bytes). With an
    active cache (``estate/cache.py``), files are classified and units (a definition file, a Terraform module)
    read only when their blobs changed; the result is the same as without it."""
    read_model = _read_estate_keyed(paths, read, ids)
    return read_model.full(), read_model.kinds


@dataclass
class _EstateRead:
    """What reading the estate gives convert_estate: the model without its jobs, triggers and workflows
    (``view``), each job's (script location, bookmark option) in order, and ``full()``, the whole model (read from
    the cache only when asked: a sync whose definitions did not change does not need it)."""

    view: Estate
    kinds: dict[str, str]
    key: str | None
    jobs: list[tuple]
    full: Callable[[], Estate]


def _job_inputs(estate: Estate) -> list[tuple]:
    return [(job.script_location, {**job.default_arguments, **job.non_overridable_arguments}.get(
        "--job-bookmark-option", "job-bookmark-disable")) for job in estate.jobs.values()]


def _read(estate: Estate, kinds: dict[str, str], key: str | None) -> _EstateRead:
    return _EstateRead(estate, kinds, key, _job_inputs(estate), lambda: estate)


def _read_estate_keyed(paths, read, ids) -> _EstateRead:
    """read_estate, with the key of its inputs in the active cache (None without one)."""
    from dataclasses import replace

    from glue2lakehouse.estate.cache import active, blob_id
    from glue2lakehouse.estate.discover import candidate
    from glue2lakehouse.estate.incremental import fingerprint

    cache = active()
    known: dict[str, str] = {}

    def oid(path: str) -> str:
        if path not in known:
            known[path] = ids(path) if ids is not None else blob_id(read(path))
        return known[path]

    candidates = [path for path in sorted(paths) if candidate(path)]
    if cache is None:
        return _read(*_read_estate(paths, candidates, read, None, oid), None)
    # The same definition files as last time: the same estate (and the entries it was built from stay cached).
    key = fingerprint([(path, oid(path)) for path in candidates])
    stored = cache.peek("estate-read", key)
    if isinstance(stored, tuple) and len(stored) == 4 and (MODEL, key) in cache.stored:
        view, kinds, namespaces, jobs = stored
        cache.keep_namespaces(namespaces)
        cache.touch([(MODEL, key)])

        def full() -> Estate:
            model = cache.peek(MODEL, key)
            return model if model is not None else _read_estate(paths, candidates, read, None, oid)[0]

        return _EstateRead(view, kinds, key, jobs, full)
    outer, cache.trace = cache.trace, []
    try:
        estate, kinds = _read_estate(paths, candidates, read, cache, oid)
    finally:
        uses, cache.trace = cache.trace, outer
    result = _read(estate, kinds, key)
    view = replace(estate, jobs={}, triggers={}, workflows={})
    # The entries the read used stay cached while the estate is read from the cache: kept by namespace (the list
    # of thousands of entries would cost more to load than the estate itself).
    cache.put("estate-read", key, (view, kinds, frozenset(slot[0] for slot in uses), result.jobs))
    cache.put(MODEL, key, estate)
    return result


MODEL = "estate-model"


def _read_estate(paths, candidates, read, cache, oid):
    from glue2lakehouse.estate.discover import kind_of, modules
    from glue2lakehouse.estate.incremental import Units
    from glue2lakehouse.estate.readers import api_json, cloudformation, job_config, terraform, workflow_doc

    units = Units(cache)
    estate = units.estate
    kinds: dict[str, str] = {}
    for path in candidates:
        kind = (kind_of(path, read(path)) if cache is None
                else cache.table_get("kind", (path, oid(path)), lambda: kind_of(path, read(path))))
        if kind:
            kinds[path] = kind
    # A Terraform module is a folder: its other .tf files (variables, locals) are read with it.
    folders = {path.rsplit("/", 1)[0] if "/" in path else "" for path, kind in kinds.items() if kind == "terraform"}
    for path in paths:
        if path.endswith(".tf") and posixpath.dirname(path) in folders:
            kinds.setdefault(path, "terraform")
    terraform_files, configs = [], []
    for path, kind in sorted(kinds.items()):
        if kind == "ddl":
            continue
        if kind == "jobconfig":             # completes the jobs the other files define: read last
            configs.append(path)
            continue

        def unit(path=path, kind=kind):
            text = _decode(path, read(path), estate)
            if text is None:
                return False
            estate.definition_files.append(path)
            if kind != "terraform":
                reader = {"api": api_json.read, "workflow": workflow_doc.read}.get(kind, cloudformation.read)
                _guarded(estate, path, lambda: reader(text, path, estate))
            return True

        if units.run(("file", kind, path, oid(path) if cache else ""), unit) and kind == "terraform":
            terraform_files.append(path)
    for folder, members in sorted(modules(terraform_files).items()):
        def module(members=members):
            files = [(p, read(p).decode("utf-8-sig")) for p in members]
            inner = units if cache is not None else None   # each Glue resource a unit of its own, with a cache
            _guarded(estate, members[0], lambda: terraform.read_module(files, estate, inner))

        units.run(("terraform-module", tuple((p, oid(p)) for p in members) if cache else ()), module)
    for path in configs:
        # A job config changes the jobs it completes in place: such a unit is never replayed (incremental.py).
        def config(path=path):
            text = _decode(path, read(path), estate)
            if text is None:
                return False
            estate.definition_files.append(path)
            _guarded(estate, path, lambda: job_config.read(text, path, estate))
            return True

        units.run(("file", "jobconfig", path, oid(path) if cache else ""), config)
    return units.finish(), kinds


def parse_ahead(paths: list[str], read: Callable[[str], bytes], ids: Callable[[str], str], workers: int,
                pool=None) -> int:
    """Parse the definition files and Python scripts that are not in the active cache yet on ``workers`` processes
    (an initial migration, a new estate), so that reading the estate finds them there (``estate/ahead.py``; ``pool``:
    the initial migration's ``parallel.InitialPool``). Returns how many were parsed."""
    from glue2lakehouse.estate.ahead import read_ahead
    from glue2lakehouse.estate.cache import WHOLE_FILE_PARSERS, active
    from glue2lakehouse.estate.discover import candidate, kind_of

    cache = active()
    if cache is None or workers < 2:
        return 0
    terraform, scripts, folders = [], [], set()
    for path in paths:
        if path.endswith(".py"):
            try:
                scripts.append((ids(path), read(path).decode("utf-8-sig")))
            except UnicodeDecodeError:
                pass
            continue
        if not candidate(path):
            continue
        kind = cache.table_get("kind", (path, ids(path)), lambda: kind_of(path, read(path)))
        if kind == "terraform":
            folders.add(posixpath.dirname(path))
        if kind in WHOLE_FILE_PARSERS:
            slot = (WHOLE_FILE_PARSERS[kind][0], ids(path))   # the key of its text too, unless it starts with a BOM
            if slot in cache.used or slot in cache.stored:
                continue
            try:
                terraform.append(read(path).decode("utf-8-sig"))
            except UnicodeDecodeError:
                continue
    # The module's other .tf files (variables, locals) are read with it.
    for path in paths:
        if path.endswith(".tf") and posixpath.dirname(path) in folders:
            if cache.table_get("kind", (path, ids(path)), lambda: kind_of(path, read(path))) != "terraform":
                try:
                    terraform.append(read(path).decode("utf-8-sig"))
                except UnicodeDecodeError:
                    pass
    return read_ahead(cache, terraform, scripts, workers, pool)


UNEXPECTED = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


def _guarded(estate: Estate, path: str, call) -> None:
    """A reader that fails on an unusual file must not cost the snapshot: the file is reported instead."""
    try:
        call()
    except UNEXPECTED as error:
        estate.issues.append(Issue(path, 1, "estate-internal-error",
                                   f"the estate converter failed on this file ({type(error).__name__}: {error}); "
                                   "its definitions are not converted, please report it"))


def _bundle(estate: Callable[[], Estate], read_key: str | None, scripts: dict, index, transform: TransformSettings,
            settings: EstateSettings, cache, read: Callable[[str], bytes]):
    """``build_bundle``, or the last one built from the same estate (``read_key``: the key of the definition files
    it was read from) and settings when every script it looked up (which path a location matched, which
    arguments that script reads) is still the same. ``estate()`` gives the model (asked only to build)."""
    from glue2lakehouse.estate.bundle import build_bundle
    from glue2lakehouse.estate.incremental import fingerprint, settings_key

    key = (fingerprint((read_key, settings_key(transform), settings_key(settings))) if cache is not None and read_key
           else None)
    if key is None:
        return build_bundle(estate(), scripts, transform, settings, read=read)
    stored = cache.peek("bundle", key)
    if stored is not None:
        lookups, bundle, uses = stored
        if all(index.match(item[1]) == item[2] if item[0] == "match" else
               item[0] == "script" and scripts.get(item[1], item[2]) == item[3] for item in lookups):
            # The jobs' own entries stay cached for the next change.
            if isinstance(uses, frozenset):
                cache.keep_namespaces(uses)
            else:
                cache.touch(uses)
            return bundle
    lookups: list = []
    outer, cache.trace = cache.trace, []
    try:
        bundle = build_bundle(estate(), scripts, transform, settings, lookups, read=read)
    finally:
        uses, cache.trace = cache.trace, outer
    if ("unrecorded",) not in lookups:
        cache.put("bundle", key, (lookups, bundle, frozenset(slot[0] for slot in uses)))
    return bundle


SCRIPT_FACTS = ("script-arguments", "python-imports")   # the cache tables of a script's facts, in script_facts' order


def script_facts(text: str) -> tuple:
    """(script-arguments, python-imports) of a Python file's text, from one parse (a file that does not parse:
    what each reader makes of no tree)."""
    import ast

    from glue2lakehouse.estate.bundle import script_arguments

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    return script_arguments(tree), import_names(tree)


def _script_facts(cache, oid: str, data: bytes, namespace: str):
    """A changed script's arguments and imports from one parse: the one asked for is returned, the other stored in
    its table for the same blob (a sync parses each changed script once, not once per question)."""
    values = dict(zip(SCRIPT_FACTS, script_facts(data.decode("utf-8-sig"))))
    for other, value in values.items():
        if other != namespace:
            cache.table_get(other, oid, lambda value=value: value)
    return values[namespace]


BOOKMARK_RANK = {"job-bookmark-disable": 0, "job-bookmark-pause": 1, "job-bookmark-enable": 2}


def import_names(source) -> list[str] | None:
    """The absolute module names a Python file imports (``a.b`` and ``a.b.c`` for ``from a.b import c``), in
    the order of Python's ast walk; None when it does not parse. ``source``: the text, or its ``ast`` tree (None:
    it does not parse)."""
    import ast

    try:
        tree = ast.parse(source) if isinstance(source, str) else source
    except (SyntaxError, ValueError):
        return None
    if tree is None:
        return None
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def imported_modules(script: str, python, read: Callable[[str], bytes], limit: int = 200,
                     names_of: Callable[[str], list[str] | None] | None = None) -> list[str]:
    """Repository modules a script imports, directly or through other repository modules (by Python's ast).

    ``python``: the repository's Python paths (a set is used as it is); ``names_of``: path -> ``import_names`` of
    its text (the caller's cached version)."""
    from glue2lakehouse.estate.cache import parsed

    names_of = names_of or (lambda path: parsed("python-imports", read(path).decode("utf-8-sig"), import_names))
    known = python if isinstance(python, (set, frozenset)) else set(python)
    seen: list[str] = []
    todo = [script]
    while todo and len(seen) < limit:
        current = todo.pop(0)
        try:
            names = names_of(current)
        except UnicodeDecodeError:
            continue
        if names is None:
            continue
        folder = current.rsplit("/", 1)[0] + "/" if "/" in current else ""
        for name in names:
            base = name.replace(".", "/")
            for candidate in (f"{base}.py", f"{base}/__init__.py", f"{folder}{base}.py"):
                if candidate in known and candidate != script and candidate not in seen:
                    seen.append(candidate)
                    todo.append(candidate)
    return sorted(seen)


def convert_estate(paths: list[str], read: Callable[[str], bytes], transform: TransformSettings,
                   settings: EstateSettings | None = None, ids: Callable[[str], str] | None = None) -> EstateResult:
    """The estate of a tree converted (see the module's docstring); ``ids``: path -> git blob id, when known."""
    from glue2lakehouse.estate.bundle import script_arguments
    from glue2lakehouse.estate.cache import active, parsed
    from glue2lakehouse.estate.incremental import ScriptLookups

    cache = active()

    def memo(namespace: str, path: str, parse):
        """``parse`` of a file's text, cached by its blob id (raises UnicodeDecodeError as decoding does)."""
        if cache is not None and ids is not None:
            if namespace in SCRIPT_FACTS:
                return cache.table_get(namespace, ids(path), lambda: _script_facts(cache, ids(path), read(path),
                                                                                    namespace))
            return cache.table_get(namespace, ids(path), lambda: parse(read(path).decode("utf-8-sig")))
        return parsed(namespace, read(path).decode("utf-8-sig"), parse)

    settings = settings or EstateSettings()
    model = _read_estate_keyed(paths, read, ids)
    estate, kinds, read_key = model.view, model.kinds, model.key
    result = EstateResult(issues=list(estate.issues))
    python = sorted(p for p in paths if p.endswith(".py"))
    python_set = set(python)
    # Matches and import walks are kept from the last read while the Python paths and the blobs read are the same.
    index = ScriptLookups(cache, python, ids)
    scripts: dict[str, list[str] | None] = dict.fromkeys(python)
    names_of = lambda p: memo("python-imports", p, import_names)  # noqa: E731
    for location, option in model.jobs:
        path = index.match(location)
        if path is not None:
            try:
                scripts[path] = memo("script-arguments", path, script_arguments)
            except UnicodeDecodeError:
                pass
            # The script and the repository modules it imports run under the job's bookmark option
            # (a module two jobs share: the option that reads incrementally wins).
            walk = lambda names, path=path: imported_modules(path, python_set, read, names_of=names)  # noqa: E731
            for module in [path, *index.modules(path, walk, names_of)]:
                if BOOKMARK_RANK.get(option, 0) >= BOOKMARK_RANK.get(result.bookmarks.get(module, ""), -1):
                    result.bookmarks[module] = option
    if model.jobs or estate.crawlers:
        try:
            bundle = _bundle(model.full, read_key, scripts, index, transform, settings, cache, read)
        except UNEXPECTED as error:
            result.issues.append(Issue(estate.definition_files[0] if estate.definition_files else "", 1,
                                       "estate-internal-error",
                                       f"the bundle could not be built ({type(error).__name__}: {error}); "
                                       "no job YAML written, please report it"))
            from glue2lakehouse.estate.bundle import BundleOutput

            bundle = BundleOutput()
        from glue2lakehouse.estate.targets import TARGETS_FILE, build_targets

        targets = build_targets(estate, bundle.files)
        if targets:
            bundle.files[TARGETS_FILE] = targets
        taken = set(paths)
        for path, text in sorted(bundle.files.items()):
            if path in taken:
                result.issues.append(Issue(path, 1, "estate-output", f"the Glue repository has its own {path}: "
                                                                     "kept, the generated one is not written"))
                continue
            result.files[path] = text.encode("utf-8")
        result.issues.extend(bundle.issues)
    ddl_paths = [p for p, k in sorted(kinds.items()) if k == "ddl"]
    if estate.crawlers:
        from glue2lakehouse.estate.crawlers import crawler_issues, ddl_tables

        texts = {p: t for p in ddl_paths if (t := _decode(p, read(p), Estate())) is not None}
        result.issues.extend(crawler_issues(estate, ddl_tables(texts)))
    if ddl_paths or estate.catalog:
        from glue2lakehouse.estate.ddl import convert_ddl_file, declared_tables

        from glue2lakehouse.estate.incremental import cached, settings_key

        keys = settings_key(transform), settings_key(settings)
        for path in ddl_paths:
            text = _decode(path, read(path), estate)
            if text is None:
                continue
            converted, issues = cached("ddl", (path, text, keys),
                                       lambda: convert_ddl_file(text, path, transform, settings))
            result.replaced[path] = converted.encode("utf-8")
            result.issues.extend(issues)

        declared = cached("declared-tables", (estate.catalog, keys, estate.variables),
                          lambda: declared_tables(estate.catalog, transform, settings, estate.variables))
        given = set(paths)
        for path, text, issues in declared:
            result.issues.extend(issues)
            if path is not None and path not in given:
                result.files[path] = text.encode("utf-8")
    index.save()
    if cache is None:
        result.estate = model.full()
    return result
