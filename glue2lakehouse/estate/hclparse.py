"""python-hcl2's parser, kept built beside the estate cache instead of built by every process that reads HCL.

``hcl2.loads`` builds its Lark parser the first time a process calls it: 0.13-0.17 s of this machine's CPU (Lark
reads its own cache of the grammar and rebuilds every parse table object from it), paid by each weekly sync that
brings a changed Terraform file, where the parse of the file itself takes milliseconds. This module keeps the
built parser object, pickled, in ``.git/g2l-cache/hcl2-parser.pickle``: loading it takes about 0.03 s.

The kept parser is never a source of truth:

- it is keyed by the versions of Lark, python-hcl2, Python and glue2lakehouse and by the grammar file's digest;
  any other key, a damaged file or an unpickling error builds the parser as ``hcl2`` does (and keeps it again);
- once loaded, it parses a canary text, whose document (as ``hcl2.loads`` gave it when the parser was kept) must
  come back equal, or the parser is built as ``hcl2`` does;
- with no estate cache active (``g2l convert``, a reader's own tests) ``loads`` is ``hcl2.loads``.

Documents, and the errors a text that is not HCL raises, are ``hcl2.loads``'s (the same parser, transformer and
serializer; tested on every Terraform fixture).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import pickle
import sys
import types
from pathlib import Path

from glue2lakehouse import __version__

FILE = "hcl2-parser.pickle"   # beside the estate cache's files
CANARY = ('variable "bucket" {\n  default = "lake"\n}\n\nlocals {\n  args = { "--TempDir" = "s3://${var.bucket}/tmp" }\n}'
          '\n\nresource "aws_glue_job" "daily" {\n  name     = "daily-${local.env}"\n  max_retries = 2\n  command {\n'
          '    script_location = "s3://${var.bucket}/jobs/daily.py"\n  }\n  default_arguments = merge(local.args, '
          '{ "--enable-metrics" = "true" })\n  enabled = true\n}\n')

_state: dict = {}   # "parser": the parser this process parses with (None: hcl2's own, through hcl2.loads)


def loads(text: str) -> dict:
    """``hcl2.loads(text)``, with the parser kept in the active estate cache's folder when there is one."""
    parser = _state.get("parser")
    if "parser" not in _state:
        from glue2lakehouse.estate.cache import active

        cache = active()
        if cache is not None and cache.file is not None:   # chosen once, by the first cache this process uses
            parser = _state["parser"] = _parser(cache.file.parent)
    if parser is None:
        import hcl2

        return hcl2.loads(text)
    return _document(parser, text)


def _document(parser, text: str) -> dict:
    from hcl2.api import serialize, transform

    # What hcl2.api.parses_to_tree gives the parser: the text and a newline (Lark has no end-of-file token).
    return serialize(transform(parser.parse(text + "\n")))


def _key() -> tuple:
    import hcl2
    import lark

    grammar = Path(hcl2.__file__).with_name("hcl2.lark")
    digest = hashlib.sha256(grammar.read_bytes()).hexdigest() if grammar.is_file() else ""
    return (lark.__version__, getattr(hcl2, "__version__", ""), digest, sys.version_info[:2], __version__)


def _parser(folder: Path):
    """The parser kept in ``folder``; else None (hcl2 builds its own), after keeping it there for the next process."""
    try:
        key = _key()
        parser = _load(folder / FILE, key)
        if parser is None:
            _keep(folder / FILE, key)
        return parser
    except Exception:  # noqa: BLE001 - an hcl2 or Lark without what this relies on: hcl2.loads as it is
        return None


def _load(file: Path, key: tuple):
    try:
        with open(file, "rb") as handle:
            kept = pickle.load(handle)
        if not isinstance(kept, dict) or kept.get("key") != key:
            return None
        parser = pickle.loads(kept["parser"])
        if _document(parser, CANARY) != kept["canary"]:
            return None
        return parser
    except Exception:  # noqa: BLE001 - missing, damaged, another layout: built again
        return None


class _Pickler(pickle.Pickler):
    """Pickles a built Lark parser: module objects by name, and Lark's two parse actions as the module's own objects
    (its parser tells Shift from Reduce by identity)."""

    def __init__(self, *args, **kwargs):
        from lark.parsers import lalr_analysis

        super().__init__(*args, **kwargs)
        self.actions = lalr_analysis

    def reducer_override(self, obj):   # called for every object of the parser: no import here
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        if isinstance(obj, self.actions.Action):
            return getattr, (self.actions, obj.name)
        return NotImplemented


def _keep(file: Path, key: tuple) -> None:
    """Build the parser as hcl2 does and keep it in ``file`` with the canary's document; never raises."""
    import hcl2
    from hcl2.parser import parser as built

    from glue2lakehouse.estate.cache import write_atomically

    try:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(built())
        write_atomically(file, pickle.dumps({"key": key, "parser": buffer.getvalue(), "canary": hcl2.loads(CANARY)},
                                            protocol=pickle.HIGHEST_PROTOCOL), ".hcl2-")
    except Exception:  # noqa: BLE001 - not kept (a parser that does not pickle, a folder not writable): the next
        return          # process builds it again
