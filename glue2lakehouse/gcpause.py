"""The cyclic garbage collector paused while a sync builds its large, long-lived structures.

A sync holds tens of thousands of small objects for its whole run: the file listings of the last trees, the
last report's findings, the new report. None of them is garbage until the command ends, and none forms a
cycle, but Python's collector walks every one of them again at each full collection, so the collector's time
grew with the repository (about a tenth of a second of CPU at 8,000 files, nothing at 2,000). Reference
counting still frees everything as usual; only the search for cycles waits. The transformer, which makes the
short-lived syntax trees, runs with the collector as it was before the sync (``collecting``).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

_was_enabled: list[bool] = []


@contextmanager
def paused():
    """The collector paused for the block (and put back as it was)."""
    enabled = gc.isenabled()
    _was_enabled.append(enabled)
    gc.disable()
    try:
        yield
    finally:
        _was_enabled.pop()
        if enabled:
            gc.enable()


@contextmanager
def collecting():
    """Inside ``paused()``: the collector as it was before the pause, for the block."""
    if _was_enabled and _was_enabled[-1] and not gc.isenabled():
        gc.enable()
        try:
            yield
        finally:
            gc.disable()
    else:
        yield
