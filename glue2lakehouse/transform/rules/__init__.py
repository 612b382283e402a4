"""Rewrite rules, one module per family, registered by the call shape they handle.

Each handler takes (ctx, original_call, updated_call) and returns the new
expression, or None to leave the call as it is (having flagged it for review
when it is a Glue construct). ``REGISTRY`` maps a call shape (see
``rewrite.call_shape``) to its handler.
"""

from __future__ import annotations

from glue2lakehouse.transform.rules import collections, data_quality, frames, misc, readers, transforms, writers

REGISTRY = {}
for _module in (readers, writers, frames, transforms, misc, collections, data_quality):
    REGISTRY.update(_module.HANDLERS)
