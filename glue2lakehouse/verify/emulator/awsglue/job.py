"""Job: Glue's run bookkeeping and job bookmarks, as AWS documents them.

``job.init(name, args)`` reads the run's ``--job-bookmark-option`` (``job-bookmark-disable``,
Glue's default; ``-enable``; ``-pause``, with ``--job-bookmark-from`` / ``--job-bookmark-to``)
and the job's last committed state; reads with a ``transformation_ctx`` then ask the running
job which files they may read (``files``); ``job.commit()`` saves every context's state at
once. A run that fails before its commit saves nothing. The committed states live in the
verification's environment, so they last across the runs of a sequence (``verify/runs.py``)
as Glue keeps them across job runs.
"""

from __future__ import annotations

import os
import sys
import time

from glue2lakehouse.verify.environment import current

WINDOW_SECONDS = 900   # files of the 900 s before the high mark the last run had not seen are read too
OPTIONS = ("job-bookmark-disable", "job-bookmark-enable", "job-bookmark-pause")


def _argument(name: str) -> str | None:
    value = None
    argv = sys.argv[1:]
    for i, item in enumerate(argv):
        if item == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif item.startswith(name + "="):
            value = item[len(name) + 1:]
    return value


class Job:
    def __init__(self, glue_context):
        self.glue_context = glue_context
        self.name = None
        self.option = "job-bookmark-disable"
        self.start = 0.0
        self.since: dict = {}      # context -> {"mark": seconds, "seen": {(path, mtime)}} of the state read from
        self.until: dict | None = None
        self.pending: dict = {}

    def init(self, job_name, args=None):
        self.name = job_name
        self.start = time.time()
        self.option = _argument("--job-bookmark-option") or "job-bookmark-disable"
        if self.option not in OPTIONS:
            raise ValueError(f"unknown --job-bookmark-option {self.option!r}")
        glue_context_job(self.glue_context, self)
        runs = current().bookmarks.setdefault(job_name, [])   # [(run id, {context: state})], oldest first
        self.since = dict(runs[-1][1]) if runs else {}
        start, end = _argument("--job-bookmark-from"), _argument("--job-bookmark-to")
        if self.option == "job-bookmark-pause" and (start or end):
            states = dict(runs)
            self.since = dict(states[start]) if start else {}
            self.until = dict(states[end]) if end else None

    def files(self, context: str, source: str, listing: list[tuple[str, float]]) -> list[str]:
        """Of the files (path, modification time) a bookmarked read lists, the ones this run reads."""
        if self.option == "job-bookmark-disable" or not context:
            return [path for path, _ in listing]
        state = self.since.get(context)
        state = state if state is not None and state["source"] == source else None
        upper = self.until[context]["mark"] if self.until and context in self.until else self.start
        chosen = []
        for path, mtime in listing:
            if mtime > upper:
                continue  # arrived after the run started: the next run reads it
            if state is None or mtime > state["mark"]:
                chosen.append(path)
            elif mtime > state["mark"] - WINDOW_SECONDS and (path, mtime) not in state["seen"]:
                chosen.append(path)   # a late arrival the last run did not list
        self.pending[context] = {"source": source, "mark": upper,
                                 "seen": {(p, m) for p, m in listing if upper - WINDOW_SECONDS < m <= upper}}
        return chosen

    def commit(self):
        if self.option != "job-bookmark-enable":
            return None
        runs = current().bookmarks.setdefault(self.name, [])
        state = dict(runs[-1][1]) if runs else {}
        state.update(self.pending)
        run_id = _argument("--JOB_RUN_ID") or f"run-{len(runs) + 1}"
        runs.append((run_id, state))
        self.pending = {}
        return None


def glue_context_job(glue_context, job=None):
    """The Job a GlueContext's reads are bookmarked by (set by job.init)."""
    if job is not None:
        glue_context._job = job
    return getattr(glue_context, "_job", None)


def list_files(root: str, recurse: bool) -> list[tuple[str, float]]:
    """(path, modification time in seconds) of the files under a local folder (or of one file), as S3 lists them."""
    if os.path.isfile(root):
        return [(os.path.abspath(root), os.stat(root).st_mtime_ns / 1e9)]
    out = []
    for folder, subfolders, names in os.walk(root):
        if not recurse:
            subfolders[:] = []
        for name in names:
            if not name.startswith((".", "_")):
                path = os.path.join(folder, name)
                out.append((os.path.abspath(path), os.stat(path).st_mtime_ns / 1e9))
        if not recurse:
            break
    return sorted(out)
