"""The one module that runs git or uses pygit2.

Objects (blobs, trees, commits, notes, refs) are written with pygit2; merges,
which need git's merge machinery and our merge drivers, run the git command
(libgit2 does not run custom merge drivers).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import glue2lakehouse
from glue2lakehouse.errors import G2LError


def _import_pygit2():
    """pygit2, imported without parsing the system's CA bundle in the g2l command's process. At import pygit2 gives
    libgit2 the CA file and folder and libgit2's OpenSSL start loads them: every certificate of the bundle parsed,
    about 0.1 billion instructions (3% of a weekly sync) for TLS the command never uses (fetch and push run the git
    command). With the file hidden for the import, libgit2 keeps the certificate folder, where OpenSSL looks a
    certificate up when one is needed, and the environment is put back at once. Elsewhere (the Python API, a
    process with other threads that may read the environment meanwhile, no certificate folder), pygit2 is imported
    as usual."""
    import ssl
    import threading

    lean = "pygit2" not in sys.modules and glue2lakehouse.COMMAND_PROCESS and threading.active_count() == 1
    paths = ssl.get_default_verify_paths() if lean else None
    if paths is None or paths.capath is None:
        import pygit2
        return pygit2
    name = paths.openssl_cafile_env
    saved = os.environ.get(name)
    os.environ[name] = os.path.join(os.devnull, "g2l-no-ca-file")   # a path that cannot exist
    try:
        import pygit2
    finally:
        if saved is None:
            del os.environ[name]
        else:
            os.environ[name] = saved
    return pygit2


pygit2 = _import_pygit2()

MIN_GIT = (2, 38)
BOT = pygit2.Signature("glue2lakehouse", "glue2lakehouse@users.noreply.local", 0, 0)
NOTES_REF = "refs/notes/g2l"
ZERO_OID = "0" * 40
FILE_MODES = (pygit2.GIT_FILEMODE_BLOB, pygit2.GIT_FILEMODE_BLOB_EXECUTABLE, pygit2.GIT_FILEMODE_LINK)

_git_checked = False

# Objects are read as git reads them. git checks an object's id against its content in fsck and when fetching
# (transfer.fsckObjects), not on every read; libgit2 by default hashes each object it reads, which cost a sync in a
# large estate a SHA-1 of its biggest trees at every look-up (a sixth of its instructions at 8,000 files).
pygit2.settings.enable_strict_hash_verification(False)
# Trees up to 1 MiB stay parsed in libgit2's object cache (its default keeps trees under 4 KiB: a bundle's
# resources/ folder of thousands of job files is a tree of hundreds of KB, inflated again at every look-up).
pygit2.settings.cache_object_limit(pygit2.GIT_OBJECT_TREE, 1 << 20)


def check_git_version() -> tuple[int, int]:
    """Fail clearly unless git >= 2.38 is on PATH (merge-tree --write-tree needs it)."""
    global _git_checked
    if shutil.which("git") is None:
        raise G2LError("git is not installed or not on PATH", "install git 2.38 or newer")
    out = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)\.(\d+)", out)
    version = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if version < MIN_GIT:
        raise G2LError(f"git {version[0]}.{version[1]} is too old: glue2lakehouse needs git 2.38 or newer",
                       "upgrade git (it needs 'git merge-tree --write-tree')")
    _git_checked = True
    return version


@dataclass
class TreeEntry:
    oid: str
    mode: int


@dataclass
class Change:
    """One file change between two trees: added, modified, deleted or renamed."""

    status: str
    path: str
    old_path: str | None = None

    def as_dict(self) -> dict:
        data = {"change": self.status, "path": self.path}
        if self.old_path and self.old_path != self.path:
            data["old_path"] = self.old_path
        return data


@dataclass
class MergeTreeResult:
    tree: str
    clean: bool
    stages: dict[str, dict[int, TreeEntry]] = field(default_factory=dict)
    messages: list[tuple[list[str], str, str]] = field(default_factory=list)


def _parse_stages(text: str) -> dict[str, dict[int, TreeEntry]]:
    """'<mode> <oid> <stage>\t<path>' records separated by NUL (ls-files -u, merge-tree)."""
    stages: dict[str, dict[int, TreeEntry]] = {}
    for item in text.split("\0"):
        if not item:
            continue
        meta, _, path = item.partition("\t")
        mode, oid, stage = meta.split()
        stages.setdefault(path, {})[int(stage)] = TreeEntry(oid, int(mode, 8))
    return stages


def _flatten(repo: pygit2.Repository, tree: pygit2.Tree, prefix: str, out: dict[str, TreeEntry]) -> None:
    for entry in tree:
        path = prefix + entry.name
        if entry.filemode == pygit2.GIT_FILEMODE_TREE:
            _flatten(repo, repo[entry.id], path + "/", out)
        else:
            out[path] = TreeEntry(str(entry.id), entry.filemode)


def _tree_delta(entries, old: pygit2.Oid | None, new: pygit2.Oid | None, prefix: str,
                out: list[tuple[str, TreeEntry | None, TreeEntry | None]]) -> None:
    """(path, old entry, new entry) of every file (blob, link or gitlink) whose entry differs between two trees
    (None: the empty tree; ``entries``: a tree id's entries by name, as (id, mode)), descending only into the
    subtrees whose ids differ: the work is proportional to the folders a change touched, where libgit2's tree diff
    walks every file of both trees."""
    before = entries(old) if old is not None else {}
    after = entries(new) if new is not None else {}
    for name in before.keys() | after.keys():
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        path = prefix + name
        a_tree = a is not None and a[1] == pygit2.GIT_FILEMODE_TREE
        b_tree = b is not None and b[1] == pygit2.GIT_FILEMODE_TREE
        if a_tree or b_tree:
            _tree_delta(entries, a[0] if a_tree else None, b[0] if b_tree else None, path + "/", out)
        a_file = TreeEntry(str(a[0]), a[1]) if a is not None and not a_tree else None
        b_file = TreeEntry(str(b[0]), b[1]) if b is not None and not b_tree else None
        if a_file != b_file:
            out.append((path, a_file, b_file))


def _file_kind(mode: int) -> int:
    return mode & 0o170000


def tree_deltas(entries, old: pygit2.Oid | None, new: pygit2.Oid | None) -> list[tuple]:
    """The deltas libgit2's tree-to-tree diff gives (no rename detection, no type changes), in its order:
    (status, path, old entry, new entry) with status "added", "deleted" or "modified", by path, a path's
    deletion before its addition. A file whose kind changes (a file to a link or a gitlink) is deleted and added,
    as libgit2 reports it without GIT_DIFF_INCLUDE_TYPECHANGE."""
    found: list[tuple[str, TreeEntry | None, TreeEntry | None]] = []
    _tree_delta(entries, old, new, "", found)
    deltas = []
    for path, a, b in found:
        if a is not None and b is not None and _file_kind(a.mode) == _file_kind(b.mode):
            deltas.append(("modified", path, a, b))
            continue
        if a is not None:
            deltas.append(("deleted", path, a, None))
        if b is not None:
            deltas.append(("added", path, None, b))
    deltas.sort(key=lambda d: (d[1], d[0] != "deleted"))
    return deltas


def _has_folder(tree, name: str, depth: int) -> bool:
    """Whether the notes tree has the fan-out folder ``name``'s note would be under at ``depth``."""
    try:
        tree["/".join(name[2 * i:2 * i + 2] for i in range(depth))]
    except KeyError:
        return False
    return True


class GitRepo:
    """A Databricks repository with a working tree."""

    def __init__(self, path: str | os.PathLike):
        if not _git_checked:
            check_git_version()
        start = Path(path).resolve()
        if not start.exists():
            raise G2LError(f"{start} does not exist", "pass the path of the Databricks git repository")
        found = pygit2.discover_repository(str(start))
        if found is None:
            raise G2LError(f"{start} is not a git repository", "run 'git init' there first, or pass the repository's path")
        self.repo = pygit2.Repository(found)
        self._trees: dict[str, pygit2.Tree] = {}   # entry_at: commit or tree id -> its tree (ids never change)
        self._folders: dict[pygit2.Oid, dict] = {}   # tree id -> its entries (_entries)
        if self.repo.is_bare or self.repo.workdir is None:
            raise G2LError(f"{start} is a bare repository", "run glue2lakehouse in a clone with a working tree")
        self.root = Path(self.repo.workdir).resolve()
        self.git_dir = Path(self.repo.path).resolve()

    # ----------------------------------------------------------------- commands
    def git(self, *args: str, check: bool = True, env: dict | None = None, input: bytes | None = None,
            config: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        command = ["git"]
        for key, value in (config or {}).items():
            command += ["-c", f"{key}={value}"]
        command += list(args)
        full_env = {**os.environ, **(env or {})}
        result = subprocess.run(command, cwd=self.root, capture_output=True, env=full_env, input=input)
        if check and result.returncode != 0:
            locked = re.search(r"Unable to create '([^']+\.lock)': File exists", result.stderr.decode("utf-8", "replace"))
            if locked:
                raise RefLocked(locked.group(1))
            message = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
            raise G2LError(f"git {args[0]} failed: {message[-1] if message else 'no output'}",
                           "see 'git status' for the repository's state")
        return result

    # ---------------------------------------------------------------- HEAD & state
    @property
    def head_unborn(self) -> bool:
        return self.repo.head_is_unborn

    @property
    def head_detached(self) -> bool:
        return not self.repo.head_is_unborn and self.repo.head_is_detached

    def head_branch(self) -> str:
        """The short name of the current branch (also for an unborn one)."""
        target = self.repo.references["HEAD"].target
        return target.removeprefix("refs/heads/") if isinstance(target, str) else "HEAD"

    def head(self) -> str | None:
        return None if self.repo.head_is_unborn else str(self.repo.head.target)

    def operation_in_progress(self) -> str | None:
        for name, what in (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase"),
                           ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert")):
            if (self.git_dir / name).exists():
                return what
        return None

    def dirty_tracked(self) -> list[str]:
        """Tracked files with changes in the index or the working tree."""
        out = self.git("status", "--porcelain=v1", "-z", "--untracked-files=no").stdout.decode("utf-8", "replace")
        return [item[3:] for item in out.split("\0") if len(item) > 3]

    def identity(self) -> pygit2.Signature | None:
        try:
            return self.repo.default_signature
        except (KeyError, pygit2.GitError):
            return None

    # ---------------------------------------------------------------- refs
    def ref(self, name: str) -> str | None:
        try:
            return str(self.repo.references[name].target)
        except KeyError:
            return None

    def branch_ref(self, branch: str) -> str | None:
        return self.ref(f"refs/heads/{branch}")

    def set_ref(self, name: str, oid: str | None) -> None:
        if oid is None:
            if name in self.repo.references:
                self.repo.references.delete(name)
            return
        self.repo.references.create(name, pygit2.Oid(hex=oid), force=True)

    def update_refs(self, updates: dict[str, tuple[str | None, str | None]], message: str) -> None:
        """Move refs in one atomic git transaction, each only if it still holds its expected old value.

        ``updates`` maps a ref to (old, new); None stands for "absent" (old None: the ref must not exist;
        new None: delete it); old == new only verifies the ref. Raises RefMoved when a ref no longer
        holds what was expected, RefLocked when a ref's lock file is in the way; nothing moves then.
        """
        lines = ["start"]
        for name, (old, new) in updates.items():
            if old == new:
                lines.append(f"verify {name} {old or ZERO_OID}")
            elif new is None:
                lines.append(f"delete {name} {old}")
            else:
                lines.append(f"update {name} {new} {old or ZERO_OID}")
        lines += ["prepare", "commit", ""]
        reflog = (message.splitlines() or [""])[0][:200]  # a reflog entry is one line (a sync's message lists files)
        result = self.git("update-ref", "-m", reflog, "--stdin", check=False, input="\n".join(lines).encode())
        if result.returncode == 0:
            return
        text = result.stderr.decode("utf-8", "replace")
        locked = re.search(r"Unable to create '([^']+\.lock)': File exists", text)
        if locked:
            raise RefLocked(locked.group(1))
        named = re.search(r"cannot lock ref '([^']+)'", text)
        name = named.group(1) if named else next(iter(updates))
        old = updates.get(name, (None, None))[0]
        raise RefMoved(name, old, self.ref(name), text.strip().splitlines()[0] if text.strip() else "")

    def set_head_branch(self, branch: str) -> None:
        """Point HEAD at ``branch`` without touching the index or the work tree."""
        self.git("symbolic-ref", "-m", "g2l", "HEAD", f"refs/heads/{branch}")

    def valid_branch_name(self, name: str) -> bool:
        return self.git("check-ref-format", "--branch", name, check=False).returncode == 0

    # ---------------------------------------------------------------- objects
    def has_object(self, oid: str) -> bool:
        return pygit2.Oid(hex=oid) in self.repo.odb

    def write_blob(self, data: bytes) -> str:
        return str(self.repo.create_blob(data))

    def read_blob(self, oid: str) -> bytes:
        return self.repo[oid].data

    def commit_tree(self, commit: str) -> str:
        return str(self.repo[commit].tree_id)

    def tree_files(self, tree_or_commit: str | None) -> dict[str, TreeEntry]:
        if tree_or_commit is None:
            return {}
        obj = self.repo[tree_or_commit]
        tree = obj.tree if isinstance(obj, pygit2.Commit) else obj
        out: dict[str, TreeEntry] = {}
        _flatten(self.repo, tree, "", out)
        return out

    def entry_at(self, tree_or_commit: str | None, path: str) -> TreeEntry | None:
        """The blob entry at ``path`` (a lookup, not a walk of the whole tree)."""
        if tree_or_commit is None:
            return None
        tree = self._trees.get(tree_or_commit)   # callers ask for many paths of one tree in a row
        if tree is None:
            obj = self.repo[tree_or_commit]
            tree = obj.tree if isinstance(obj, pygit2.Commit) else obj
            if len(tree_or_commit) == 40:   # an object id (a ref name can move: not kept)
                if len(self._trees) >= 4:
                    self._trees.clear()
                self._trees[tree_or_commit] = tree
        try:
            entry = tree[path]
        except KeyError:
            return None
        if entry.filemode == pygit2.GIT_FILEMODE_TREE:
            return None
        return TreeEntry(str(entry.id), entry.filemode)

    def files_under(self, tree_or_commit: str | None, folder: str) -> dict[str, TreeEntry]:
        """The files below ``folder`` only."""
        if tree_or_commit is None:
            return {}
        obj = self.repo[tree_or_commit]
        tree = obj.tree if isinstance(obj, pygit2.Commit) else obj
        try:
            sub = tree[folder.strip("/")]
        except KeyError:
            return {}
        if sub.filemode != pygit2.GIT_FILEMODE_TREE:
            return {}
        out: dict[str, TreeEntry] = {}
        _flatten(self.repo, self.repo[sub.id], folder.strip("/") + "/", out)
        return out

    def file_at(self, commit: str | None, path: str) -> bytes | None:
        if commit is None:
            return None
        try:
            entry = self.repo[commit].tree[path]
        except KeyError:
            return None
        return entry.data if isinstance(entry, pygit2.Blob) else None

    def build_tree(self, files: dict[str, TreeEntry]) -> str:
        """Write a tree (and its subtrees) holding exactly ``files``."""
        nested: dict = {}
        for path, entry in files.items():
            parts = path.split("/")
            node = nested
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = entry

        def write(node: dict) -> pygit2.Oid:
            builder = self.repo.TreeBuilder()
            for name, value in node.items():
                if isinstance(value, dict):
                    builder.insert(name, write(value), pygit2.GIT_FILEMODE_TREE)
                else:
                    builder.insert(name, pygit2.Oid(hex=value.oid), value.mode)
            return builder.write()

        return str(write(nested))

    def create_commit(self, tree: str, parents: list[str], message: str,
                      author: pygit2.Signature | None = None) -> str:
        signature = author or BOT
        now = pygit2.Signature(signature.name, signature.email)
        oid = self.repo.create_commit(None, now, now, message, pygit2.Oid(hex=tree),
                                      [pygit2.Oid(hex=p) for p in parents])
        return str(oid)

    def commit_info(self, oid: str) -> tuple[str, int, list[str]]:
        commit = self.repo[oid]
        return commit.message, commit.commit_time, [str(p) for p in commit.parent_ids]

    def first_parent_history(self, oid: str | None):
        """(commit, message, time, parents) along the first-parent line from ``oid``."""
        while oid:
            message, when, parents = self.commit_info(oid)
            yield oid, message, when, parents
            oid = parents[0] if parents else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        if ancestor == descendant:
            return True
        return self.repo.descendant_of(pygit2.Oid(hex=descendant), pygit2.Oid(hex=ancestor))

    def merge_base(self, a: str, b: str) -> str | None:
        oid = self.repo.merge_base(pygit2.Oid(hex=a), pygit2.Oid(hex=b))
        return str(oid) if oid else None

    def _tree_id(self, oid: str | None) -> pygit2.Oid | None:
        """The tree id of a commit or tree id (None: None, the empty tree)."""
        if oid is None:
            return None
        obj = self.repo[oid]
        return obj.tree_id if isinstance(obj, pygit2.Commit) else obj.id

    def _entries(self, tree: pygit2.Oid) -> dict[str, tuple[pygit2.Oid, int]]:
        """A tree's entries by name, as (id, mode), kept: a sync diffs the same trees several times."""
        found = self._folders.get(tree)
        if found is None:
            if len(self._folders) >= 4096:
                self._folders.clear()
            found = self._folders[tree] = {e.name: (e.id, e.filemode) for e in self.repo[tree]}
        return found

    def diff_trees(self, old: str | None, new: str | None) -> list[Change]:
        """File changes from tree ``old`` to tree ``new``, with renames detected. Only the subtrees that differ are
        read, unless files were both deleted and added (rename candidates): then libgit2's diff and its rename
        detection run over both trees."""
        deltas = tree_deltas(self._entries, self._tree_id(old), self._tree_id(new))
        statuses = {d[0] for d in deltas}
        if "deleted" not in statuses or "added" not in statuses:
            changes = [Change(status, path) for status, path, _, _ in deltas]
            changes.sort(key=lambda c: c.path)
            return changes
        empty = self.build_tree({}) if old is None or new is None else None
        diff = self.repo[old or empty].diff_to_tree(self.repo[new or empty])
        diff.find_similar()
        changes = []
        names = {pygit2.GIT_DELTA_ADDED: "added", pygit2.GIT_DELTA_DELETED: "deleted",
                 pygit2.GIT_DELTA_MODIFIED: "modified", pygit2.GIT_DELTA_RENAMED: "renamed",
                 pygit2.GIT_DELTA_TYPECHANGE: "modified", pygit2.GIT_DELTA_COPIED: "added"}
        for delta in diff.deltas:
            status = names.get(delta.status, "modified")
            old_path = delta.old_file.path
            path = delta.new_file.path if status != "deleted" else old_path
            changes.append(Change(status, path, old_path if status == "renamed" else None))
        changes.sort(key=lambda c: c.path)
        return changes

    def diff_entries(self, old_tree: str, new_tree: str) -> dict[str, TreeEntry | None]:
        """path -> its entry in ``new_tree`` (None: not there) for every file whose entry differs between two trees
        of this repository; no rename detection, and only the subtrees that differ are read. Gitlinks are entries
        too (mode 0o160000)."""
        out: dict[str, TreeEntry | None] = {}
        added = []
        for status, path, _, entry in tree_deltas(self._entries, self._tree_id(old_tree), self._tree_id(new_tree)):
            if status == "deleted":
                out[path] = None
            else:
                added.append((path, entry))
        for path, entry in added:   # after the deletions: a path deleted and added again (a type change) is the new entry
            out[path] = entry
        return out

    def has_partial_objects(self) -> bool:
        """Whether this clone may lack objects its trees name (a partial clone)."""
        return self.get_config("extensions.partialClone") is not None or self.get_config("remote.origin.promisor") \
            is not None

    def changed_paths(self, old: str | None, new: str | None) -> list[str]:
        """Paths whose entry differs between two commits (or trees); None is the empty tree. Only the subtrees
        that differ are read."""
        return sorted({path for _, path, _, _ in tree_deltas(self._entries, self._tree_id(old), self._tree_id(new))})

    # ---------------------------------------------------------------- notes
    def note(self, oid: str) -> str | None:
        try:
            return self.repo.lookup_note(oid, NOTES_REF).message
        except KeyError:
            return None

    def note_id(self, oid: str, notes: str | None = None) -> str | None:
        """The blob id of ``oid``'s note (None: no note), found in the notes tree without reading the note (libgit2's
        note look-up reads and decompresses it: a report of thousands of findings is megabytes); in the notes
        commit ``notes`` if given, else at the notes ref."""
        try:
            target = self.repo.references[NOTES_REF] if notes is None else self.repo[notes]
            tree = target.peel(pygit2.Tree)
        except (KeyError, pygit2.GitError, ValueError):
            return None
        name = str(oid)
        for depth in range(0, min(len(name) // 2, 20)):   # git's fan-out: ab/cdef..., ab/cd/ef..., as notes grow
            path = "/".join([name[2 * i:2 * i + 2] for i in range(depth)] + [name[2 * depth:]])
            try:
                entry = tree[path]
            except KeyError:
                if depth and not _has_folder(tree, name, depth):
                    return None
                continue
            return str(entry.id) if entry.type_str == "blob" else None
        return None

    def set_note(self, oid: str, text: str) -> None:
        now = pygit2.Signature(BOT.name, BOT.email)
        self.repo.create_note(text, now, now, oid, NOTES_REF, True)

    def note_commit(self, oid: str, text: str, kept: dict[str, Callable[[], str]] | None = None) -> str:
        """The notes commit that attaches ``text`` to ``oid``, written without moving the notes ref.

        ``kept``: blob id -> a function giving the text of a blob the note refers to, each kept in the notes tree as
        the note of itself (so the notes ref carries it to clones and keeps it from gc). One the notes tree already
        has is not written again, nor its text made: its id says its content, and libgit2 hashes and deflates every
        byte of a blob it writes."""
        scratch = f"refs/g2l/tmp/notes-{os.getpid()}"
        current = self.ref(NOTES_REF)
        if current:
            self.repo.references.create(scratch, pygit2.Oid(hex=current), force=True)
        elif scratch in self.repo.references:
            self.repo.references.delete(scratch)
        now = pygit2.Signature(BOT.name, BOT.email)
        try:
            for blob, data in (kept or {}).items():
                if current and self.note_id(blob, current) == blob:
                    continue
                written = str(self.repo.create_note(data(), now, now, blob, scratch, True))
                if written != blob:   # the id came from g2l's cache with the text: the cache is not what it says
                    self.repo.references.delete(scratch)
                    raise G2LError(f"the findings kept as blob {blob[:12]} hash to {written[:12]}; nothing was changed",
                                   f"delete {self.git_dir / 'g2l-cache'} and run again")
            self.repo.create_note(text, now, now, oid, scratch, True)
            commit = self.ref(scratch)
            self.repo.references.delete(scratch)
        except (OSError, pygit2.GitError) as error:
            raise G2LError(f"cannot write the sync's note: {error}",
                           f"if no git command is running, delete {self.git_dir / scratch}.lock and run again") from None
        return commit

    def scratch_refs(self) -> list[str]:
        return [name for name in self.repo.references if name.startswith("refs/g2l/tmp/")]

    # ---------------------------------------------------------------- config
    def set_config(self, key: str, value: str) -> None:
        try:
            self.repo.config[key] = value
        except (OSError, pygit2.GitError) as error:  # .git/config.lock left by a killed git, for one
            raise G2LError(f"cannot write {self.git_dir / 'config'}: {error}",
                           f"if no git command is running, delete {self.git_dir / 'config.lock'} and run again") from None

    def get_config(self, key: str) -> str | None:
        try:
            return self.repo.config[key]
        except KeyError:
            return None

    # ---------------------------------------------------------------- merging
    def merge_tree(self, ours: str, theirs: str, config: dict[str, str],
                   allow_unrelated: bool = False) -> MergeTreeResult:
        args = ["merge-tree", "--write-tree", "-z", "--messages"]
        if allow_unrelated:
            args.append("--allow-unrelated-histories")
        result = self.git(*args, ours, theirs, check=False, config=config)
        if result.returncode not in (0, 1):
            message = result.stderr.decode("utf-8", "replace").strip()
            raise G2LError(f"git merge-tree failed: {message}", "check that git >= 2.38 and the repository is sound")
        text = result.stdout.decode("utf-8", "surrogateescape")
        head, _, rest = text.partition("\0")
        tree = head.strip()
        stages: dict[str, dict[int, TreeEntry]] = {}
        messages: list[tuple[list[str], str, str]] = []
        if result.returncode == 1:
            conflicted, _, info = rest.partition("\0\0")
            stages = _parse_stages(conflicted)
            parts = info.split("\0")
        else:
            parts = rest.lstrip("\0").split("\0")
        i = 0
        while i < len(parts) and parts[i].isdigit():
            count = int(parts[i])
            paths = parts[i + 1 : i + 1 + count]
            kind, message = parts[i + 1 + count], parts[i + 2 + count]
            messages.append((paths, kind, message))
            i += 3 + count
        return MergeTreeResult(tree, result.returncode == 0, stages, messages)

    def merge_no_commit(self, theirs: str, message: str, config: dict[str, str],
                        allow_unrelated: bool = False) -> int:
        # The full message goes to MERGE_MSG afterwards (write_merge_msg): a long one would not fit on a command line.
        args = ["merge", "--no-ff", "--no-commit", "--no-stat", "-m", (message.splitlines() or ["g2l"])[0]]
        if allow_unrelated:
            args.append("--allow-unrelated-histories")
        result = self.git(*args, theirs, check=False, config=config)
        if result.returncode not in (0, 1) or (result.returncode == 1 and not self.operation_in_progress()):
            raise _merge_refused(result)
        return result.returncode

    def unmerged(self) -> dict[str, dict[int, TreeEntry]]:
        return _parse_stages(self.git("ls-files", "-u", "-z").stdout.decode("utf-8", "surrogateescape"))

    def merge_head(self) -> str | None:
        path = self.git_dir / "MERGE_HEAD"
        return path.read_text().split()[0] if path.exists() else None

    def write_merge_msg(self, message: str) -> None:
        (self.git_dir / "MERGE_MSG").write_text(message)

    def restore_from_head(self, paths: list[str]) -> None:
        if paths:
            self.git("checkout", "HEAD", "--", *paths)

    def remove_paths(self, paths: list[str]) -> None:
        if paths:
            self.git("rm", "-q", "-f", "--ignore-unmatch", "--", *paths)

    def abort_merge(self) -> None:
        if self.operation_in_progress() == "a merge":
            self.git("merge", "--abort", check=False)

    def fast_forward(self, commit: str) -> None:
        result = self.git("merge", "--ff-only", "--no-stat", commit, check=False)
        if result.returncode != 0:
            raise _merge_refused(result)

    def checkout_new_branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)

    def checkout_branch(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def delete_branch(self, name: str) -> None:
        self.git("branch", "-q", "-D", name, check=False)

    def reset_hard(self, commit: str) -> None:
        self.git("reset", "-q", "--hard", commit)

    def commit_paths(self, paths: list[str], message: str) -> str:
        """Stage ``paths`` (added, changed or deleted) and commit them."""
        self.git("add", "-A", "--", *paths)
        self.git("commit", "-q", "--no-verify", "-F", "-", "--", *paths, input=message.encode("utf-8"))
        return self.head()

    def add_paths(self, paths: list[str]) -> None:
        self.git("add", "-A", "--", *paths)

    def commit_staged(self, message: str) -> str:
        self.git("commit", "-q", "--no-verify", "-F", "-", input=message.encode("utf-8"))
        return self.head()

    # ---------------------------------------------------------------- journaled work-tree steps
    def worktree_blobs(self, paths: list[str]) -> dict[str, str | None]:
        """The blob id each work-tree file would have (None when the file is absent)."""
        present = [p for p in paths if (self.root / p).is_file() or (self.root / p).is_symlink()]
        out: dict[str, str | None] = {p: None for p in paths}
        if present:
            data = "".join(p + "\n" for p in present).encode("utf-8", "surrogateescape")
            ids = self.git("hash-object", "--stdin-paths", input=data).stdout.decode().split()
            out.update(zip(present, ids))
        return out

    def reset_index_paths(self, commit: str | None, paths: list[str]) -> None:
        """Set the index entries of ``paths`` to those of ``commit`` (removing the ones it lacks); work tree untouched."""
        if not paths:
            return
        data = "\0".join(paths).encode("utf-8", "surrogateescape") + b"\0"
        if commit is None:
            self.git("--literal-pathspecs", "rm", "-q", "--cached", "--ignore-unmatch", "--pathspec-from-file=-",
                     "--pathspec-file-nul", input=data)
        else:
            self.git("--literal-pathspecs", "reset", "-q", commit, "--pathspec-from-file=-", "--pathspec-file-nul",
                     input=data)

    def set_index_entries(self, entries: dict[str, TreeEntry | None]) -> None:
        """Set the index entries of paths to these (None: the path leaves the index, every stage of it), replacing
        entries that are in the way (a file where a folder now is). Unlike ``reset_index_paths``, git neither reads
        nor stats the rest of the index: the entries set have no stat data until they are checked out with
        ``checkout_index_paths(..., stat=True)``."""
        if not entries:
            return
        records = [f"0 {ZERO_OID}\t{path}" if entry is None else f"{entry.mode:o} {entry.oid}\t{path}"
                   for path, entry in entries.items()]
        data = "\0".join(records).encode("utf-8", "surrogateescape") + b"\0"
        self.git("update-index", "--replace", "-z", "--index-info", input=data)

    def checkout_index_paths(self, paths: list[str], stat: bool = False) -> None:
        """Write ``paths`` from the index to the work tree; ``stat``: and record the written files' stat data in
        their index entries (no whole-index refresh is needed after)."""
        if paths:
            data = "\0".join(paths).encode("utf-8", "surrogateescape") + b"\0"
            self.git("checkout-index", "-f", *(["-u"] if stat else []), "-z", "--stdin", input=data)

    def delete_worktree_files(self, paths: list[str]) -> None:
        for path in paths:
            full = self.root / path
            if full.is_file() or full.is_symlink():
                full.unlink()
            parent = full.parent
            while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent

    def refresh_index(self) -> None:
        self.git("update-index", "-q", "--refresh", check=False)

    def clear_merge_state(self) -> None:
        for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE", "MERGE_AUTOSTASH"):
            (self.git_dir / name).unlink(missing_ok=True)

    def merge_temp_files(self) -> list[Path]:
        """The temporary files git writes at the top of the work tree for a merge driver (left if git is killed)."""
        return sorted(self.root.glob(".merge_file_*"))

    def stale_git_locks(self, refs: list[str]) -> list[Path]:
        """Lock files of git (the index's, HEAD's and those of ``refs``) that exist now."""
        candidates = [self.git_dir / "index.lock", self.git_dir / "HEAD.lock"]
        candidates += [self.git_dir / (name + ".lock") for name in refs]
        candidates.append(self.git_dir / "packed-refs.lock")
        return [path for path in candidates if path.exists()]

    def read_worktree(self, path: str) -> bytes | None:
        full = self.root / path
        return full.read_bytes() if full.is_file() else None

    def tracked_files(self) -> list[str]:
        out = self.git("ls-files", "-z").stdout.decode("utf-8", "surrogateescape")
        return [p for p in out.split("\0") if p]

    # ---------------------------------------------------------------- remotes (g2l install)
    def remotes(self) -> list[str]:
        return list(self.repo.remotes.names())

    def config_values(self, key: str) -> list[str]:
        out = self.git("config", "--get-all", key, check=False).stdout.decode("utf-8", "replace")
        return [line for line in out.splitlines() if line]

    def add_config_value(self, key: str, value: str) -> None:
        """Add one value to a multi-valued key (a refspec), once."""
        if value not in self.config_values(key):
            self.git("config", "--add", key, value)

    # ---------------------------------------------------------------- unmarked native files
    def set_unmerged(self, path: str, stages: dict[int, bytes | None], mode: int = 0o100644) -> None:
        """Record ``path`` as unmerged in the index (stages 1 base, 2 ours, 3 theirs), as git's merge does."""
        lines = [f"0 {'0' * 40}\t{path}"]
        for stage, data in sorted(stages.items()):
            if data is not None:
                lines.append(f"{mode:o} {self.write_blob(data)} {stage}\t{path}")
        self.git("update-index", "--index-info", input=("\n".join(lines) + "\n").encode("utf-8"))

    def begin_merge(self, theirs: str) -> None:
        """Record a merge of ``theirs`` in progress (git merge does not, for a commit already merged)."""
        (self.git_dir / "MERGE_HEAD").write_text(theirs + "\n")
        (self.git_dir / "MERGE_MODE").write_text("no-ff")

    # ---------------------------------------------------------------- review (report, blame, check)
    def blame(self, path: str, rev: str | None = None) -> list[dict]:
        """git blame of ``path`` (the working tree's version when ``rev`` is None), one dict a line:
        commit, orig_line, line, path (in that commit), author, author_time, summary, text."""
        args = ["blame", "--line-porcelain"] + ([rev] if rev else []) + ["--", path]
        result = self.git(*args, check=False)
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise G2LError(f"cannot blame {path}: {message[-1] if message else 'git blame failed'}",
                           "name a file tracked in the Databricks repository")
        out: list[dict] = []
        current: dict = {}
        for raw in result.stdout.split(b"\n"):
            if raw.startswith(b"\t"):
                current["text"] = raw[1:].decode("utf-8", "replace")
                out.append(current)
                current = {}
            elif not current:
                if not raw:
                    continue
                sha, orig, final = raw.decode().split()[:3]
                current = {"commit": sha, "orig_line": int(orig), "line": int(final)}
            else:
                key, _, value = raw.decode("utf-8", "replace").partition(" ")
                if key in ("author", "summary", "filename"):
                    current["path" if key == "filename" else key] = value
                elif key == "author-time":
                    current["author_time"] = int(value)
        return out

    def resolve(self, rev: str) -> str | None:
        """The commit ``rev`` names, or None."""
        try:
            return str(self.repo.revparse_single(rev).peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError):
            return None


class RefMoved(G2LError):
    """A ref no longer holds the value g2l read at the start: another process moved it."""

    def __init__(self, name: str, expected: str | None, actual: str | None, detail: str = ""):
        self.name, self.expected, self.actual = name, expected, actual
        short = name.removeprefix("refs/heads/")
        what = f"now at {actual[:12]}" if actual else "now deleted"
        if expected is None:
            what = f"created meanwhile at {actual[:12]}" if actual else "changed meanwhile"
        super().__init__(f"{short} was moved by another process while g2l ran ({what}, g2l expected "
                         f"{expected[:12] if expected else 'it absent'}); g2l stopped without changing it",
                         f"look at 'git log {short}' and 'git reflog {short}', then run the command again")


class RefLocked(G2LError):
    """A lock file of git is in the way of a ref update."""

    def __init__(self, lock: str):
        self.lock = lock
        super().__init__(f"git cannot write: {lock} exists (left by a git or g2l process that was killed, "
                         "or another git command is running)",
                         f"if no git command is running in this repository, delete {lock} and run again")


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no output"


def _merge_refused(result: subprocess.CompletedProcess) -> G2LError:
    """One line out of git's refusal to merge into the working tree."""
    text = (result.stderr + result.stdout).decode("utf-8", "replace").splitlines()
    named = [line.strip() for line in text if line.startswith("\t")]
    if any("untracked working tree files would be overwritten" in line for line in text):
        return G2LError(f"untracked files are in the way of the sync: {', '.join(named)}",
                        "move them out of the way (or commit them) and run again")
    if any("local changes" in line for line in text):
        return G2LError(f"local changes are in the way of the sync: {', '.join(named)}",
                        "commit or stash them and run again")
    first = next((line for line in text if line.startswith(("error", "fatal"))), text[0] if text else "no output")
    return G2LError(f"git refused to update the working tree ({first})", "see 'git status', then run again")


def driver_command(kind: str, extra: list[str] | None = None) -> str:
    """The merge.<driver>.driver command line for git config."""
    python = sys.executable.replace("\\", "/")
    quoted = f'"{python}"' if " " in python else python
    parts = [quoted, "-m", "glue2lakehouse.merge.driver", kind, *(extra or []), "%O", "%A", "%B", "%P", "%L"]
    return " ".join(parts)


class SourceRepo:
    """A Glue repository read through pygit2 (its committed tree at a ref)."""

    def __init__(self, path: Path, ref: str):
        found = pygit2.discover_repository(str(path))
        self.path = Path(path)
        self.repo = pygit2.Repository(found)
        try:
            commit = self.repo.revparse_single(ref)
            commit = commit.peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError):
            raise G2LError(f"the Glue repository {path} has no commit '{ref}'",
                           "commit the Glue code there, or set [glue] ref in .g2l.toml to an existing ref") from None
        self.commit = str(commit.id)
        try:
            self.tree = commit.tree
        except KeyError:  # not here: a partial clone made with a tree filter
            self.tree = None

    def files(self) -> dict[str, TreeEntry]:
        out: dict[str, TreeEntry] = {}
        try:
            if self.tree is None:
                raise KeyError(self.commit)
            _flatten(self.repo, self.tree, "", out)
        except KeyError:  # a tree pygit2 cannot read (a partial clone with a tree filter): ask git
            out = self._ls_tree()
        self.paths = {entry.oid: path for path, entry in out.items()}
        return out

    def copy_into(self, target: "GitRepo") -> str | None:
        """Copy the commit's tree into ``target``'s object store and return its id: the trees ``target`` already has
        are not entered (what they name is there already), the blobs it has are not copied, gitlinks are not
        followed. So a sync copies what changed since the last one. None when a tree cannot be read here (a
        partial clone made with a tree filter) or ``target`` is itself a partial clone."""
        if self.tree is None or target.has_partial_objects():
            return None
        dest = target.repo.odb
        if self.tree.id in dest:
            return str(self.tree.id)
        blobs: dict[pygit2.Oid, None] = {}
        trees: list[pygit2.Oid] = []

        def walk(tree) -> None:
            for entry in tree:
                mode = entry.filemode
                if mode == pygit2.GIT_FILEMODE_TREE:
                    if entry.id not in dest:
                        walk(self.repo[entry.id])
                elif mode != pygit2.GIT_FILEMODE_COMMIT and entry.id not in dest:
                    blobs[entry.id] = None
            trees.append(tree.id)   # after its subtrees: a tree is written once what it names is there

        try:
            walk(self.tree)
        except KeyError:
            return None
        self.prefetch([str(oid) for oid in blobs])
        for oid in blobs:
            target.write_blob(self.read(str(oid)))
        odb = self.repo.odb
        for oid in trees:
            kind, data = odb.read(oid)
            dest.write(kind, data)
        return str(self.tree.id)

    def _ls_tree(self) -> dict[str, TreeEntry]:
        result = self._git("ls-tree", "-r", "-z", "--full-tree", self.commit)
        if result.returncode != 0:
            raise G2LError(f"cannot list the files of Glue commit {self.commit[:12]} in {self.path}: "
                           f"{_last_line(result)}", f"run 'git -C {self.path} fsck' and fetch what is missing")
        out = {}
        for item in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if item:
                meta, _, name = item.partition("\t")
                mode, _kind, oid = meta.split()
                out[name] = TreeEntry(oid, int(mode, 8))
        return out

    def read(self, oid: str) -> bytes:
        try:
            return self.repo[oid].data
        except KeyError:
            pass
        # Not in the object store pygit2 sees: a promised object of a partial clone (git fetches it on demand)
        # or a missing one.
        result = self._git("cat-file", "blob", oid)
        if result.returncode == 0:
            return result.stdout
        where = getattr(self, "paths", {}).get(oid, f"object {oid}")
        raise G2LError(f"the Glue repository {self.path} does not have the content of {where} (object {oid[:12]}), "
                       "and git could not fetch it",
                       f"fetch it ('git -C {self.path} fetch', with the remote reachable) or clone the Glue "
                       "repository without --filter, then run again")

    def prefetch(self, oids: list[str]) -> None:
        """Fetch the objects of ``oids`` that a partial clone only promised, in one request (as git checkout does)."""
        missing = [oid for oid in oids if pygit2.Oid(hex=oid) not in self.repo.odb]
        remote = None
        try:
            remote = self.repo.config["extensions.partialClone"]
        except KeyError:
            pass
        if not missing or not remote:
            return
        data = "".join(oid + "\n" for oid in missing).encode()
        subprocess.run(["git", "-C", str(self.path), "-c", "fetch.negotiationAlgorithm=noop", "fetch", remote,
                        "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no", "--filter=blob:none",
                        "--stdin"], input=data, capture_output=True)

    def _git(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(self.path), *args], capture_output=True)


class GlueHistory:
    """The Glue repository's own history, when it is at hand: which Glue commit last changed a line."""

    def __init__(self, path: Path):
        found = pygit2.discover_repository(str(path)) if path.is_dir() else None
        self.repo = pygit2.Repository(found) if found and is_git_worktree_root(path) else None
        self._cache: dict[tuple[str, str], list[str] | None] = {}

    def line_commits(self, commit: str, path: str) -> list[str] | None:
        """For each line of ``path`` as of Glue ``commit``, the commit that last changed it (None: unknown)."""
        key = (commit, path)
        if key not in self._cache:
            self._cache[key] = None
            if self.repo is not None:
                try:
                    blame = self.repo.blame(path, newest_commit=pygit2.Oid(hex=commit))
                    out: list[str] = []
                    for hunk in blame:
                        out += [str(hunk.final_commit_id)] * hunk.lines_in_hunk
                    self._cache[key] = out
                except (KeyError, ValueError, pygit2.GitError):
                    pass
        return self._cache[key]


def init_repository(path: Path, branch: str = "main") -> None:
    """A new, empty git repository at ``path``."""
    pygit2.init_repository(str(path), initial_head=branch)


def ensure_identity(path: Path, name: str, email: str) -> None:
    """Give the repository at ``path`` a committer identity when git has none configured."""
    repo = pygit2.Repository(str(path))
    try:
        repo.default_signature
    except (KeyError, pygit2.GitError):
        repo.config["user.name"] = name
        repo.config["user.email"] = email


def worktree_of(path: Path) -> Path | None:
    """The top of the git working tree holding ``path``, or None."""
    found = pygit2.discover_repository(str(path))
    if found is None:
        return None
    workdir = pygit2.Repository(found).workdir
    return Path(workdir).resolve() if workdir else None


def is_git_worktree_root(path: Path) -> bool:
    found = pygit2.discover_repository(str(path))
    if found is None:
        return False
    repo = pygit2.Repository(found)
    if repo.is_bare:
        return Path(repo.path).resolve() == path.resolve()
    return repo.workdir is not None and Path(repo.workdir).resolve() == path.resolve()


def blob_hash(data: bytes) -> str:
    return str(pygit2.hash(data))


def _index_entry(path: str, entry: TreeEntry) -> pygit2.IndexEntry:
    return pygit2.IndexEntry(path, pygit2.Oid(hex=entry.oid), entry.mode)


def edit_tree(repo: GitRepo, tree: str, edits: dict[str, TreeEntry | None]) -> str:
    """``tree`` with some paths set to other blobs (or removed, for None): the removals, then the additions, each
    addition replacing what is in its way (a folder of the file's name, a file where one of its folders goes). Only
    the folders on the edited paths are read and written again; a folder left empty goes."""
    if not edits:
        return tree
    oid = _edit_folder(repo.repo, repo.repo[tree], edits)
    return str(oid) if oid is not None else repo.build_tree({})


def _edit_folder(repo: pygit2.Repository, tree: pygit2.Tree | None,
                 edits: dict[str, TreeEntry | None]) -> pygit2.Oid | None:
    """The folder ``tree`` (None: empty) with ``edits`` (paths relative to it) applied; None when it ends empty."""
    groups: dict[str, dict[str, TreeEntry | None]] = {}
    for path, entry in edits.items():
        name, _, rest = path.partition("/")
        groups.setdefault(name, {})[rest] = entry
    builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
    for name, inside in groups.items():
        current = builder.get(name)
        is_folder = current is not None and current.filemode == pygit2.GIT_FILEMODE_TREE
        if "" in inside and len(inside) > 1:
            # The name itself and paths below it both edited: the index's order of events decides.
            result = _index_edits(repo, name, current, inside)
        elif "" in inside:
            entry = inside[""]
            if entry is None:
                if current is not None and not is_folder:
                    builder.remove(name)
                continue
            result = (pygit2.Oid(hex=entry.oid), entry.mode)
        else:
            if not is_folder and all(e is None for e in inside.values()):
                continue   # removals under a file or nothing: nothing to remove
            sub = _edit_folder(repo, repo[current.id] if is_folder else None, inside)
            result = (sub, pygit2.GIT_FILEMODE_TREE) if sub is not None else None
        if result is None:
            if current is not None:
                builder.remove(name)
        else:
            builder.insert(name, *result)
    if not len(builder):
        return None
    return builder.write()


def _index_edits(repo: pygit2.Repository, name: str, current, inside: dict[str, TreeEntry | None]):
    """(oid, mode) of ``name`` (None: gone) when ``name`` and paths under it are both edited: the folder's files
    in an index, the removals then the additions applied in their order. ``git_index_add`` removes a file in the
    way of the new file's folders; the files of a folder in the way of the new file are removed here (libgit2 keeps
    them, and the tree it writes then drops the new file)."""
    index = pygit2.Index()
    files: dict[str, TreeEntry] = {}
    if current is not None and current.filemode == pygit2.GIT_FILEMODE_TREE:
        _flatten(repo, repo[current.id], name + "/", files)
    elif current is not None:
        files[name] = TreeEntry(str(current.id), current.filemode)
    for path, entry in files.items():
        index.add(_index_entry(path, entry))
    edits = {(f"{name}/{rest}" if rest else name): entry for rest, entry in inside.items()}
    for path, entry in edits.items():
        if entry is None and path in index:
            index.remove(path)
    for path, entry in edits.items():
        if entry is not None:
            for inside_folder in [e.path for e in index if e.path.startswith(path + "/")]:
                index.remove(inside_folder)
            index.add(_index_entry(path, entry))
    if name in index:
        found = index[name]
        return found.id, found.mode
    if not len(index):
        return None
    return repo[index.write_tree(repo)][name].id, pygit2.GIT_FILEMODE_TREE
