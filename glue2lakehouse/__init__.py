"""glue2lakehouse: keep a Databricks repository in step with an AWS Glue repository.

This module stays import-light: the git merge drivers import the package on
every invocation, so nothing heavy (libcst, pygit2, typer) may load here.
"""

__version__ = "0.1.0"

# True in the process of the g2l command (cli.main), whose fetch and push run the git command: pygit2 is then
# imported without parsing the system's CA bundle (gitrepo._import_pygit2).
COMMAND_PROCESS = False
