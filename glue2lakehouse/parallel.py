"""Transforming a snapshot's files on every core, blob to blob.

The snapshot builder needs, for each Glue file, the id of its transformed blob and its findings. Each worker
process opens the Databricks repository itself, reads the file's blob (``read_source`` copied it there), transforms
it and writes the result as a blob; what crosses between processes is a path and a blob id each way, and the
findings. The transform settings (with the bookmark options of every job) are given to each worker once, when it
starts, not with every file. Files the transformer carries over byte for byte (every file that is not Python) are
not sent at all: their blob is the Glue blob.

So the main process, which also reads the estate and builds the trees, does none of the per-file work of an
initial migration (it used to read every blob, send it to a worker, receive the result and write it: a third of
its time, while the workers waited for it).
"""

from __future__ import annotations

import sys
from collections import deque
from typing import TYPE_CHECKING, Iterator

from glue2lakehouse.config import TransformSettings

if TYPE_CHECKING:
    from glue2lakehouse.gitrepo import GitRepo

PARALLEL_THRESHOLD = 16   # fewer files than this are not worth starting worker processes for
BATCH = 4                 # files per task sent to a worker (fewer round trips, still an even spread)

_state: dict = {}


def carried_over(path: str) -> bool:
    """Files ``transform_file`` returns byte for byte, whatever their content (it reads only Python files)."""
    return not path.endswith(".py")


def _start(root, settings: TransformSettings) -> None:
    from glue2lakehouse.gitrepo import GitRepo

    _state["repo"] = root if isinstance(root, GitRepo) else GitRepo(root)   # a worker opens the repository itself
    _state["settings"] = settings


def _transform(batch: list[tuple[str, str]]) -> list[tuple[str, list]]:
    from glue2lakehouse.transform import transform_file

    repo, settings = _state["repo"], _state["settings"]
    out = []
    for path, oid in batch:
        data = repo.read_blob(oid)
        result = transform_file(data, path, settings)
        out.append((oid if result.data == data else repo.write_blob(result.data), result.findings))
    return out


def transform_blobs(repo: "GitRepo", items: list[tuple[str, str]], settings: TransformSettings,
                    workers: int) -> Iterator[tuple[str, list]]:
    """(blob id of the transformed file, its findings) for each (path, blob id) of ``items``, in order; the
    Python files are transformed on ``workers`` processes when there are enough of them."""
    python = sum(1 for path, _ in items if not carried_over(path))
    if workers < 2 or python < PARALLEL_THRESHOLD:
        _start(repo, settings)
        try:
            for path, oid in items:
                yield (oid, []) if carried_over(path) else _transform([(path, oid)])[0]
        finally:
            _state.clear()
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                             initializer=_start, initargs=(str(repo.root), settings)) as pool:
        # Batches in flight, in order, a bounded window of them (memory stays flat however many files there are);
        # a file carried over waits in its place in the order without a worker.
        window: deque = deque()
        batch: list[tuple[str, str]] = []
        pending = 0   # batches in the window

        def flush() -> None:
            nonlocal pending
            if batch:
                window.append(pool.submit(_transform, list(batch)))
                batch.clear()
                pending += 1

        def ready():
            nonlocal pending
            head = window.popleft()
            if isinstance(head, tuple):
                yield head
            else:
                pending -= 1
                yield from head.result()

        for path, oid in items:
            if carried_over(path):
                flush()
                window.append((oid, []))
            else:
                batch.append((path, oid))
                if len(batch) >= BATCH:
                    flush()
            while pending >= workers * 4:
                yield from ready()
        flush()
        while window:
            yield from ready()
