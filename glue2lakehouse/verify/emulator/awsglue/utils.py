"""getResolvedOptions: argparse over sys.argv[1:], as Glue documents it."""

from __future__ import annotations

import argparse


def getResolvedOptions(args, options):  # noqa: N802 - Glue's name
    """Each name is a required --NAME taking one string; unknown arguments are ignored; the last wins."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for name in options:
        parser.add_argument("--" + name, required=True, dest=name.replace("-", "_"))
    known, _unknown = parser.parse_known_args(list(args[1:]))
    return vars(known)
