"""Job: bookkeeping for bookmarks and runs; touches no data."""

from __future__ import annotations


class Job:
    def __init__(self, glue_context):
        self.glue_context = glue_context
        self.name = None

    def init(self, job_name, args=None):
        self.name = job_name

    def commit(self):
        return None
