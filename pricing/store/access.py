"""How a process opens the database file: only for the span of an operation, shared by its threads.

DuckDB lets one process open a file read-write, and while it does no other process may open it at all; any
number of processes may open it read-only together. So Frontier never keeps the file open: each store call opens
it (read-only to read, read-write to write), does its work and closes it when no other thread of this process
still needs it, so the app, command-line reads, a probe writing its requests and a scheduled job take turns.
An open that finds the file held by another process is retried with bounded backoff; past the wait, the
`StoreError` names that process's command and what to do. No message here carries the file's absolute path.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pricing.config import PROJECT_ROOT

DEFAULT_LOCK_WAIT_S = 20.0  # longer than any write Frontier makes (a full seed takes about 5 s)
FIRST_RETRY_S = 0.002
LONGEST_RETRY_S = 0.1
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class StoreError(RuntimeError):
    """A problem with the database file that the user can act on."""


def display_name(path: Path) -> str:
    """How messages name the file: relative to the project when inside it, else its name (never the full path)."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return path.name


def describe_process(pid: int, program: str = "") -> str:
    """A process's command line as a person would type it, folders left off: 'python -m evals probe --model m'."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        args = [a for a in raw.decode("utf-8", "replace").split("\0") if a]
    except OSError:
        args = [program] if program else []
    if not args:
        return "an unknown program"
    words = []
    for index, arg in enumerate(args):
        name, sep, value = arg.partition("=")
        if sep and value.startswith("/"):
            words.append(f"{name}={Path(value).name}")
        elif arg.startswith("/"):
            words.append(Path(arg).name)
        else:
            words.append(arg)
        if index == 0 and words[0].startswith("python"):
            words[0] = "python"
    text = " ".join(words)
    return text if len(text) <= 160 else text[:157] + "..."


def _busy_message(path: Path, exc: duckdb.Error, waited_s: float) -> str:
    match = _HOLDER.search(str(exc))
    if match:
        pid = int(match["pid"])
        holder = f"process {pid} (`{describe_process(pid, Path(match['program']).name)}`)"
    else:
        holder = "another process"
    return (
        f"The database {display_name(path)} is held by {holder}; Frontier waited {waited_s:.0f} s for it. Let that "
        "command finish or stop it, then try again (or point FRONTIER_DB at another file)."
    )


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return "Conflicting lock" in str(exc) or "Could not set lock" in str(exc)


def connect(path: Path, *, write: bool, lock_wait_s: float) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying with backoff while another process holds it; StoreError past `lock_wait_s`."""
    started = time.monotonic()
    delay = FIRST_RETRY_S
    while True:
        try:
            if write:
                path.parent.mkdir(parents=True, exist_ok=True)
            return duckdb.connect(str(path), read_only=not write)
        except duckdb.IOException as exc:
            waited = time.monotonic() - started
            if not _is_lock_conflict(exc):
                if not write and not path.exists():
                    raise StoreError(
                        f"There is no database at {display_name(path)} yet: run `python -m pricing seed` (or start "
                        "the app once), or point FRONTIER_DB at an existing file."
                    ) from None
                reason = str(exc).replace(str(path), display_name(path))
                raise StoreError(f"Cannot open the database {display_name(path)}: {reason}") from None
            if waited + delay > lock_wait_s:
                raise StoreError(_busy_message(path, exc, waited)) from None
            time.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, LONGEST_RETRY_S)
        except duckdb.Error as exc:
            reason = str(exc).replace(str(path), display_name(path))
            raise StoreError(f"Cannot open the database {display_name(path)}: {reason}") from None


class FileAccess:
    """This process's access to one database file: opened when a thread needs it, closed when none does.

    Threads share one open: reads share a read-only open or a read-write one; a write needs a read-write open, so
    it waits for the reads on a read-only open to finish, and reads arriving meanwhile wait behind it (a stream of
    reads cannot starve a write). Writes in this process run one at a time.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opens = 0  # how many times the file was opened: the cost of opening per operation, for benchmarks
        self._state = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._writable = False
        self._users = 0
        self._writers_waiting = 0
        self._kept = 0  # open `kept()` scopes: the file stays open between their operations
        self._write_lock = threading.RLock()

    def _acquire(self, write: bool, lock_wait_s: float) -> duckdb.DuckDBPyConnection:
        with self._state:
            if write:
                self._writers_waiting += 1
            try:
                while True:
                    if self._con is not None and (self._writable or (not write and not self._writers_waiting)):
                        break  # share the open there is
                    if self._users == 0 and (write or not self._writers_waiting):
                        self._close()
                        self._con = connect(self.path, write=write, lock_wait_s=lock_wait_s)
                        self._writable = write
                        self.opens += 1
                        break
                    self._state.wait()
                self._users += 1
                return self._con
            finally:
                if write:
                    self._writers_waiting -= 1
                    self._state.notify_all()  # reads that waited behind this write go on (or open) now

    def _release(self) -> None:
        with self._state:
            self._users -= 1
            if self._users == 0 and (not self._kept or self._writers_waiting):
                self._close()
            self._state.notify_all()

    def _close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    @contextmanager
    def cursor(
        self, write: bool = False, lock_wait_s: float = DEFAULT_LOCK_WAIT_S
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the file for one operation (a write operation also holds this process's write lock)."""
        if write:
            self._write_lock.acquire()
        try:
            con = self._acquire(write, lock_wait_s)
            try:
                cur = con.cursor()
                try:
                    yield cur
                finally:
                    cur.close()
            finally:
                self._release()
        finally:
            if write:
                self._write_lock.release()

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Keep the file open between the operations of a short span (a page's script run), unless a write of this
        process needs it reopened; closed at the end of the span."""
        with self._state:
            self._kept += 1
        try:
            yield
        finally:
            with self._state:
                self._kept -= 1
                if not self._kept and not self._users:
                    self._close()
                self._state.notify_all()

    def close(self) -> None:
        """Close the file now if no operation is using it."""
        with self._state:
            if not self._users:
                self._close()


_ACCESS: dict[str, FileAccess] = {}
_ACCESS_LOCK = threading.Lock()


def file_access(path: Path) -> FileAccess:
    """The one FileAccess of this process for a file (DuckDB allows one open configuration per file and process)."""
    key = os.path.realpath(path)
    with _ACCESS_LOCK:
        access = _ACCESS.get(key)
        if access is None:
            access = _ACCESS[key] = FileAccess(path)
        return access
