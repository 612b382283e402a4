"""A clean-room emulator of the awsglue package for local verification runs.

Written from glue2lakehouse's notes on Glue semantics (the same class names,
signatures and keyword names as Glue), not from AWS's code. Catalog reads come
from local tables, s3:// paths map to local folders, every write is recorded.
Constructs it does not emulate raise NotImplementedError naming them.
"""
