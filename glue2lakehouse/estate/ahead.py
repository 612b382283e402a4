"""Reading the estate ahead, on every core: what an initial migration (or a new estate) parses first.

Reading the estate is serial (a Terraform module's files resolve each other's locals and variables), but most of
its time is parsing, and parsing one file needs nothing but that file. Before the estate is read, the files the
active cache (``estate/cache.py``) does not know yet are parsed on worker processes and their results stored in the
cache under the keys the readers look them up by, so that the serial read finds them there:

- a Terraform file: python-hcl2's document (key: the blob id of its text), and the document of every literal map a
  ``merge(...)`` in it spells out (``readers/terraform.py`` parses those as ``g2l_value = {...}``);
- a Python file: the arguments it reads and the modules it imports (``convert_estate``'s ``script-arguments`` and
  ``python-imports`` tables, keyed by blob id), from one ``ast`` parse.

What is stored is what the reader would have computed (the same function on the same text), so the estate read is
byte for byte the same with or without this step; a value a worker cannot compute (a parse error) is left to the
reader, which reports it as before.
"""

from __future__ import annotations

import pickle
import re

from glue2lakehouse.estate import SCRIPT_FACTS, script_facts
from glue2lakehouse.estate.cache import EstateCache, blob_id

PARALLEL_THRESHOLD = 32   # fewer files than this are read by the estate reader itself
TERRAFORM = "terraform"
_MERGE = re.compile(r"merge\((.*)\)", re.DOTALL)


def _strings(value):
    """Every string of a python-hcl2 document (keys are names, not expressions)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def merge_literals(document) -> list[str]:
    """The texts ``readers/terraform.py`` parses for the literal maps of the ``merge(...)`` calls in ``document``
    (``g2l_value = {...}``), in the order found, once each."""
    from glue2lakehouse.estate.readers.terraform import _INTERPOLATION, _split_arguments

    found: dict[str, None] = {}
    for text in _strings(document):
        if "merge(" not in text:
            continue
        if len(text) >= 2 and text[0] == text[-1] == '"':
            expressions = [match.group(1) for match in _INTERPOLATION.finditer(text[1:-1])]
        elif text.startswith("${") and text.endswith("}"):
            expressions = [text[2:-1]]
        else:
            continue
        for expression in expressions:
            match = _MERGE.fullmatch(expression.strip())
            if match is None:
                continue
            for part in _split_arguments(match.group(1)):
                part = part.strip()
                if part.startswith("{"):
                    found[f"g2l_value = {part}\n"] = None
    return list(found)


def _terraform_job(text: str) -> list[tuple[str, bytes]]:
    """(blob id of a text, pickled hcl2 document) for the file and the literal maps its merges spell out."""
    from glue2lakehouse.estate.hclparse import loads

    out = []
    todo = [text]
    seen = set()
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.add(current)
        try:
            document = loads(current)
        except Exception:  # noqa: BLE001 - lark's errors: the reader parses it again and reports what is wrong
            continue
        out.append((blob_id(current.encode("utf-8", "surrogatepass")),
                    pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)))
        todo += merge_literals(document)   # a literal map can hold merges of its own
    return out


def _job(item: tuple[str, str, str]):
    kind, key, text = item
    if kind == TERRAFORM:
        return kind, key, _terraform_job(text)
    return kind, key, script_facts(text)


def _table_keys(cache: EstateCache, namespace: str) -> set:
    """The keys a table of the cache holds (stored or used this run), without loading it into the cache."""
    if namespace in cache.tables:
        stored, used = cache.tables[namespace]
        return stored.keys() | used.keys()
    data = cache.stored.get(("table", namespace))
    try:
        stored = pickle.loads(data) if data is not None else {}
    except Exception:  # noqa: BLE001 - table_get starts it empty too
        stored = {}
    return set(stored) if isinstance(stored, dict) else set()


def read_ahead(cache: EstateCache, terraform: list[str], scripts: list[tuple[str, str]], workers: int,
               pool=None) -> int:
    """Parse on ``workers`` processes the Terraform texts and the (blob id, text) Python files the cache does not
    hold yet, and store what they parse to; returns how many files were parsed (0: too few to be worth it).
    ``pool``: the ``parallel.InitialPool`` of an initial migration, whose workers then go on transforming."""
    todo = []
    for text in terraform:
        slot = (TERRAFORM, blob_id(text.encode("utf-8", "surrogatepass")))
        if slot not in cache.used and slot not in cache.stored:
            todo.append((TERRAFORM, "", text))
    known = _table_keys(cache, SCRIPT_FACTS[0]) & _table_keys(cache, SCRIPT_FACTS[1])
    todo += [("python", oid, text) for oid, text in scripts if oid not in known]
    if workers < 2 or len(todo) < PARALLEL_THRESHOLD:
        return 0
    if pool is not None and pool.start(len(todo), PARALLEL_THRESHOLD) is not None:
        return _store(cache, pool.executor.map(_job, todo, chunksize=8))
    from glue2lakehouse.parallel import process_pool

    with process_pool(workers) as executor:
        return _store(cache, executor.map(_job, todo, chunksize=8))


def _store(cache: EstateCache, results) -> int:
    done = 0
    for kind, key, value in results:
        if kind == TERRAFORM:
            for oid, data in value:
                cache.used.setdefault((TERRAFORM, oid), data)
        else:
            for namespace, fact in zip(SCRIPT_FACTS, value):
                cache.table_get(namespace, key, lambda fact=fact: fact)
        done += 1
    return done
