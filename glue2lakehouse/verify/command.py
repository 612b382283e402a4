"""``g2l verify``: the command's choices between its modes, kept out of the thin CLI.

- files and folders (``verify PATH...``): every Glue job against a fresh conversion, inputs generated;
- ``--against DBX_JOB``: one Glue job against a given Databricks job;
- ``--changed [REV]`` inside a dual-track repository: the jobs the last sync (or REV) touched, the Glue
  version from the snapshot's raw Glue tree against the work tree's version;
- ``--remote sc://...`` (with any of the above but ``--changed``): the Databricks side of every job on a Spark
  Connect endpoint, on the same inputs (generated here, and sent; see remote.py).
Intended differences come from ``.g2l.toml`` (``[[verify.intended]]`` with ``job``, ``output``, ``reason``).
"""

from __future__ import annotations

from pathlib import Path

from glue2lakehouse.config import CONFIG_FILE, load_toml_text
from glue2lakehouse.errors import G2LError


def parse_arguments(pairs: list[str]) -> dict:
    arguments = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise G2LError(f"--arg {pair!r} is not NAME=VALUE", "write it as --arg run_date=2026-01-31")
        arguments[name.lstrip("-")] = value
    return arguments


def intended_differences(start: Path) -> list[dict]:
    """The [[verify.intended]] entries of the .g2l.toml of the repository holding ``start`` (none outside one)."""
    from glue2lakehouse.gitrepo import worktree_of

    root = worktree_of(start if start.is_dir() else start.parent)
    config = (root / CONFIG_FILE) if root is not None else None
    if config is None or not config.exists():
        return []
    return parse_intended(load_toml_text(config.read_text(encoding="utf-8")))


def parse_intended(document: dict) -> list[dict]:
    entries = (document.get("verify") or {}).get("intended") or []
    if not isinstance(entries, list):
        raise G2LError(f"{CONFIG_FILE}: [verify] intended must be a list of tables",
                       'write [[verify.intended]] with job = "...", output = "...", reason = "..."')
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k).strip()
                                                  for k in ("job", "output", "reason")):
            raise G2LError(f"{CONFIG_FILE}: each [[verify.intended]] needs job, output and reason (strings)",
                           'write job = "jobs/x.py", output = "db.table", reason = "why it differs"')
        out.append({k: entry[k] for k in ("job", "output", "reason")})
    return out


def run_verify_command(paths: list[Path], *, data, arg, against, seed, changed, master, remote, catalog, root,
                       progress=None, remote_scratch=None, remote_schema=None):
    from glue2lakehouse.config import transform_settings
    from glue2lakehouse.verify.batch import verify_paths
    from glue2lakehouse.verify.verify import check_requirements

    arguments = parse_arguments(arg)
    if data is not None and not Path(data).is_dir():
        raise G2LError(f"the data folder {data} does not exist",
                       "give --data DIR with DIR/<database>/<table>.csv and DIR/s3/<bucket>/<key>, or leave it out")
    if remote:
        from glue2lakehouse.verify.remote import check_remote

        if changed:
            raise G2LError("--changed runs on local Spark; --remote is not supported with it",
                           "drop --remote, or pass the jobs' files to verify on the endpoint")
        check_remote(remote, remote_scratch)   # a bad URL or an endpoint that does not answer: before Spark starts
    elif remote_scratch or remote_schema:
        raise G2LError("--remote-scratch and --remote-schema are for --remote", "add --remote sc://host:port")
    if changed:
        from glue2lakehouse.verify.changed import verify_changed

        if len(paths) > 1:
            raise G2LError("--changed takes at most one REV", "write g2l verify --changed [REV]")
        return verify_changed(str(paths[0]) if paths else None, seed=seed, arguments=arguments, data=data,
                              master=master, progress=_progress(progress))
    if not paths:
        raise G2LError("no job given", "pass Glue job files or folders, or --changed inside a dual-track repo")
    if root is not None:
        if len(paths) != 1 or not Path(paths[0]).is_file() or Path(root).resolve() not in Path(paths[0]).resolve().parents:
            raise G2LError(f"{root} is not a folder that holds {paths[0]}", "give --root the folder the job imports from")
    for path in paths:
        if not Path(path).exists():
            raise G2LError(f"{path} does not exist", "pass Glue job files or folders of them")
    check_requirements()
    intended = intended_differences(Path.cwd())
    return verify_paths(list(paths), settings=transform_settings({"catalog": catalog}), against=against, seed=seed,
                        arguments=arguments, data=data, intended=intended, master=master,
                        progress=_progress(progress), root=root, remote=remote, remote_scratch=remote_scratch,
                        remote_schema=remote_schema)


def _progress(echo):
    if echo is None:
        return None

    def report(index, total, verdict):
        echo(f"[{index}/{total}] {verdict.verdict}: {verdict.job}")
    return report
