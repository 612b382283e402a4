"""g2l verify: run a Glue job under a clean-room Glue emulator and its Databricks version on
plain PySpark, on the same inputs, and compare every output.

Needs the optional extra: ``pip install glue2lakehouse[spark]`` (PySpark 4, Java 17).
"""
