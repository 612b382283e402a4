"""glue2lakehouse: keep a Databricks repository in step with an AWS Glue repository.

This module stays import-light: the git merge drivers import the package on
every invocation, so nothing heavy (libcst, pygit2, typer) may load here.
"""

__version__ = "0.1.0"
