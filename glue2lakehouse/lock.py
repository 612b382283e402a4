"""One g2l writer per repository: ``.git/g2l.lock``.

The lock file is created atomically (a private file, already locked with
``flock``, is hard-linked to the lock's name, which fails if the name exists)
and holds the writer's process id, its start time and its command. The kernel
drops the ``flock`` when the process dies, however it dies, so a lock file
whose ``flock`` can be taken belongs to a process that is gone: it is taken
over, and the command says so. A lock held by a live process stops the command
at once with exit code 2 and one line naming that process.

The lock is re-entrant within a process (the Python API may call a core
function that calls another).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from glue2lakehouse.errors import G2LError

LOCK_NAME = "g2l.lock"


class LockHeld(G2LError):
    """Another g2l command is writing to this repository."""


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid from the writer."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def process_alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _start_time(pid)
    return not (start and now and now != start)


def read_lock(git_dir: Path) -> dict | None:
    try:
        text = (git_dir / LOCK_NAME).read_text()
    except (FileNotFoundError, IsADirectoryError):
        return None
    try:
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    except ValueError:
        return {}


def describe(info: dict | None) -> str:
    if not info:
        return "an unknown process"
    return f"'{info.get('command', 'g2l')}' (pid {info.get('pid', '?')}, started {info.get('since', '?')})"


def holder(git_dir: Path) -> tuple[dict, bool] | None:
    """The lock's record and whether its process is alive (None when there is no lock)."""
    path = git_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            alive = False
        except BlockingIOError:
            alive = True
        info = read_lock(git_dir) or {}
        return info, alive
    finally:
        os.close(fd)


@dataclass
class Held:
    fd: int
    path: Path
    depth: int = 1
    taken_over: dict | None = None


_held: dict[str, Held] = {}


def _record(command: str) -> bytes:
    pid = os.getpid()
    info = {"pid": pid, "start": _start_time(pid), "command": command, "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return json.dumps(info).encode()


def _held_error(git_dir: Path) -> LockHeld:
    info = read_lock(git_dir)
    return LockHeld(f"another g2l command is running in this repository: {describe(info)}",
                    f"wait for it to finish and run again; if that process is gone, delete {git_dir / LOCK_NAME}")


def _acquire(git_dir: Path, command: str) -> Held:
    path = git_dir / LOCK_NAME
    scratch = git_dir / f"{LOCK_NAME}.{os.getpid()}"
    fd = os.open(scratch, os.O_CREAT | os.O_TRUNC | os.O_RDWR, 0o644)
    try:
        os.write(fd, _record(command))
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for _ in range(50):
            try:
                os.link(scratch, path)
                return Held(fd, path)
            except FileExistsError:
                pass
            try:
                other = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise _held_error(git_dir) from None
                try:
                    same = os.fstat(other).st_ino == os.stat(path).st_ino
                except FileNotFoundError:
                    same = False
                if not same:  # released meanwhile: try again
                    continue
                info = read_lock(git_dir) or {}
                if info.get("host") == socket.gethostname() and isinstance(info.get("pid"), int) \
                        and info["pid"] != os.getpid() and process_alive(info["pid"], info.get("start")):
                    raise _held_error(git_dir)
                os.replace(scratch, path)  # we hold the old file's flock: no one else takes it over meanwhile
                return Held(fd, path, taken_over=info)
            finally:
                os.close(other)
        raise _held_error(git_dir)
    except BaseException:
        os.close(fd)
        raise
    finally:
        try:
            os.unlink(scratch)
        except FileNotFoundError:
            pass


def _release(held: Held) -> None:
    try:
        if os.stat(held.path).st_ino == os.fstat(held.fd).st_ino:
            os.unlink(held.path)
    except FileNotFoundError:
        pass
    finally:
        os.close(held.fd)


def is_held(git_dir: Path) -> bool:
    """This process holds the lock already (a nested call)."""
    return str(Path(git_dir).resolve()) in _held


@contextmanager
def writer_lock(git_dir: Path, command: str):
    """Hold the repository's writer lock for the block; yields the record of a stale lock taken over, or None."""
    key = str(Path(git_dir).resolve())
    held = _held.get(key)
    if held is not None:
        held.depth += 1
        try:
            yield None
        finally:
            held.depth -= 1
        return
    try:
        held = _acquire(Path(key), command)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
            raise G2LError(f"cannot create the g2l lock in {key}: {error.strerror}",
                           "check that you may write to the repository's .git folder") from None
        raise
    _held[key] = held
    if held.taken_over is not None:
        sys.stderr.write(f"g2l: took over the lock of {describe(held.taken_over)}, which is no longer running\n")
    try:
        yield held.taken_over
    finally:
        _held.pop(key, None)
        _release(held)
