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

An initial migration keeps the workers busy while the main process reads the estate (``InitialPool``): the
workers parse the estate's files first (``estate/ahead.py``), then transform every Python file before the job
definitions are known. A file's transform depends on the definitions only through its own job's bookmark option
(``TransformSettings.bookmarks``); a worker notes whether the transform asked for it, and only a file that asked
and whose job has an option is transformed again once the estate is read. What comes out is what transforming
after the estate read gives, byte for byte. A weekly sync whose estate is read again (a definition changed) starts
its changed scripts on a worker the same way, while the main process reads the estate.
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


def process_pool(workers: int, initializer=None, initargs: tuple = ()):
    """A pool of ``workers`` processes, forked where the platform can (the parent's imports come along)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=initializer, initargs=initargs)


def carried_over(path: str) -> bool:
    """Files ``transform_file`` returns byte for byte, whatever their content (it reads only Python files)."""
    return not path.endswith(".py")


def _start(root, settings: TransformSettings) -> None:
    from glue2lakehouse.gitrepo import GitRepo

    _state["repo"] = root if isinstance(root, GitRepo) else GitRepo(root)   # a worker opens the repository itself
    _state["settings"] = settings


def _transform(batch: list[tuple[str, str]], settings: TransformSettings | None = None) -> list[tuple[str, list]]:
    from glue2lakehouse.transform import transform_file

    repo, settings = _state["repo"], settings or _state["settings"]
    out = []
    for path, oid in batch:
        data = repo.read_blob(oid)
        result = transform_file(data, path, settings)
        out.append((oid if result.data == data else repo.write_blob(result.data), result.findings))
    return out


class _Asked(dict):
    """An empty bookmark table that remembers whether it was read."""

    asked = False

    def _ask(self):
        self.asked = True

    def get(self, key, default=None):
        self._ask()
        return default

    def __getitem__(self, key):
        self._ask()
        raise KeyError(key)

    def __contains__(self, key):
        self._ask()
        return False

    def __iter__(self):
        self._ask()
        return iter(())

    def __len__(self):
        self._ask()
        return 0

    def keys(self):
        self._ask()
        return dict().keys()

    def items(self):
        self._ask()
        return dict().items()

    def values(self):
        self._ask()
        return dict().values()


def _speculate(batch: list[tuple[str, str]]) -> list[tuple[str, list, bool]]:
    """``_transform`` before the bookmark options are known: each result says whether the transform read them."""
    from dataclasses import replace

    out = []
    for item in batch:
        asked = _Asked()
        oid, findings = _transform([item], replace(_state["settings"], bookmarks=asked))[0]
        out.append((oid, findings, asked.asked))
    return out


def _redo(item: tuple[str, str], option: str) -> tuple[str, list]:
    from dataclasses import replace

    return _transform([item], replace(_state["settings"], bookmarks={item[0]: option}))[0]


class InitialPool:
    """The worker processes of an initial migration, started when first asked for work enough to share: they read
    the estate ahead, then transform the Python files while the main process reads the estate. A sync that reads
    the estate uses it the same way for its few changed scripts (``overlap``).
    ``with InitialPool(repo, settings, workers) as pool:``; ``settings``: the transform settings without bookmarks."""

    def __init__(self, repo: "GitRepo", settings: TransformSettings, workers: int):
        self.repo, self.settings, self.workers = repo, settings, workers
        self.executor = None
        self.ahead: dict[tuple[str, str], object] = {}   # (path, blob id) -> the future of its batch, index in it
        self.redone = 0   # files transformed again with their job's bookmark option

    def __enter__(self) -> "InitialPool":
        return self

    def __exit__(self, *exc) -> bool:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        return False

    def start(self, count: int, threshold: int, processes: int | None = None):
        """The executor of ``processes`` (default: ``workers``) processes, started if ``count`` tasks are worth it
        (None: do them in this process)."""
        if self.executor is None and self.workers >= 2 and count >= threshold:
            self.executor = process_pool(processes or self.workers, _start, (str(self.repo.root), self.settings))
        return self.executor

    def transform_ahead(self, items: list[tuple[str, str]], threshold: int = PARALLEL_THRESHOLD,
                        processes: int | None = None) -> None:
        """Start transforming the (path, blob id) files, in batches queued after the work already given."""
        python = [item for item in items if not carried_over(item[0])]
        if self.start(len(python), threshold, processes) is None:
            return
        for index in range(0, len(python), BATCH):
            batch = python[index:index + BATCH]
            future = self.executor.submit(_speculate, batch)
            for position, item in enumerate(batch):
                self.ahead[item] = (future, position)

    def overlap(self, items: list[tuple[str, str]]) -> None:
        """A sync that reads the estate: its changed Python files (path, blob id) start transforming on worker
        processes (all cores but this one, which reads the estate meanwhile), as an initial migration's do. Any
        number of files is worth it: the worker's transforms, libcst's import with them, take the time the estate
        read takes here."""
        batches = -(-sum(1 for path, _ in items if not carried_over(path)) // BATCH)
        self.transform_ahead(items, 1, max(1, min(self.workers - 1, batches)))

    def results(self, items: list[tuple[str, str]], settings: TransformSettings) -> Iterator[tuple[str, list]]:
        """``transform_blobs`` of ``items`` with the final settings, from the work started ahead."""
        from dataclasses import replace

        if replace(settings, bookmarks={}) != replace(self.settings, bookmarks={}):   # not what was started: again
            self.ahead.clear()
        # The files no worker was given are transformed here first, while the workers go on with theirs.
        here = {}
        mine = [item for item in items if item not in self.ahead and not carried_over(item[0])]
        if mine:
            _start(self.repo, settings)
            try:
                for item in mine:
                    here[item] = _transform([item])[0]
            finally:
                _state.clear()
        redo = {}
        for item in items:   # every result first: the files to transform again are then queued at once
            if item in self.ahead:
                future, position = self.ahead[item]
                oid, findings, asked = future.result()[position]
                option = settings.bookmarks.get(item[0])
                if asked and option is not None:
                    redo[item] = self.executor.submit(_redo, item, option)
                    self.redone += 1
                else:
                    self.ahead[item] = (oid, findings)
        for item in items:
            if item in redo:
                yield redo[item].result()
            elif item in self.ahead:
                yield self.ahead[item]
            elif carried_over(item[0]):
                yield item[1], []
            else:
                yield here[item]


def transform_blobs(repo: "GitRepo", items: list[tuple[str, str]], settings: TransformSettings,
                    workers: int, pool: InitialPool | None = None) -> Iterator[tuple[str, list]]:
    """(blob id of the transformed file, its findings) for each (path, blob id) of ``items``, in order; the
    Python files are transformed on ``workers`` processes when there are enough of them (those of ``pool`` when it
    transformed them ahead)."""
    if pool is not None and pool.ahead:
        yield from pool.results(items, settings)
        return
    python = sum(1 for path, _ in items if not carried_over(path))
    if workers < 2 or python < PARALLEL_THRESHOLD:
        _start(repo, settings)
        try:
            for path, oid in items:
                yield (oid, []) if carried_over(path) else _transform([(path, oid)])[0]
        finally:
            _state.clear()
        return
    with process_pool(workers, _start, (str(repo.root), settings)) as pool:
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
