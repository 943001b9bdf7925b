"""How a process opens the database file: only for the span of an operation, shared by its threads.

DuckDB lets one process open a file read-write, and while it does no other process may open it at all; any
number of processes may open it read-only together. So Frontier never keeps the file open: each store call opens
it (read-only to read, read-write to write), does its work and closes it when no other thread of this process
still needs it (a read-only open 20 ms later, so that a burst of reads opens it once), so the app, command-line
reads, a probe writing its requests and a scheduled job take turns.
An open that finds the file held by another process is retried with bounded backoff; past the wait, the
`StoreError` names that process's command and what to do. No message here carries the file's absolute path.

Opening is cheap because the process keeps one in-memory DuckDB instance for its life and ATTACHes the file to
it for each span (about 2 ms) instead of starting a DuckDB instance per open (about 12 ms); DETACH releases the
file's lock, and after a write checkpoints it, as closing would.
"""

from __future__ import annotations

import atexit
import os
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from pricing.config import PROJECT_ROOT

SQL_ATTACH_READ = "ATTACH ? AS {alias} (READ_ONLY)"
SQL_ATTACH_WRITE = "ATTACH ? AS {alias}"
SQL_DETACH = "DETACH {alias}"
SQL_USE = "USE {alias}"
# A read-only open is kept this long after its last use, so a burst of reads (a page's script run, a command) opens
# the file once; short enough that another process's write waits for it no longer than for a read. A write's open
# is closed at once (that is when DuckDB checkpoints it, and when other processes may open the file again).
READ_LINGER_S = 0.02
DEFAULT_LOCK_WAIT_S = 20.0  # longer than any write Frontier makes (a full seed takes about 5 s)
LOCK_WAIT_ENV = "FRONTIER_DB_WAIT_S"
FIRST_RETRY_S = 0.002
LONGEST_RETRY_S = 0.1
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class StoreError(RuntimeError):
    """A problem with the database file that the user can act on."""


def lock_wait_s(env: dict[str, str] | None = None) -> float:
    """How long a store call waits for another process to let go of the file: FRONTIER_DB_WAIT_S, else 20 s."""
    text = (os.environ if env is None else env).get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86_400:
        raise StoreError(f"{LOCK_WAIT_ENV} must be a number of seconds from 0 to 86400, e.g. 20 (it is {text!r})")
    return seconds


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


_ENGINE: duckdb.DuckDBPyConnection | None = None
_ENGINE_LOCK = threading.Lock()  # the engine's own connection is used by one thread at a time


def _engine() -> duckdb.DuckDBPyConnection:
    """This process's in-memory DuckDB instance, to which files are attached."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = duckdb.connect(":memory:")
    return _ENGINE


@contextmanager
def engine_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of this process's in-memory DuckDB, for work in process (the Postgres store converts results here)."""
    with _ENGINE_LOCK:
        cur = _engine().cursor()
    try:
        yield cur
    finally:
        cur.close()


def attach(path: Path, alias: str, *, write: bool, lock_wait_s: float) -> None:
    """Attach the file as `alias`, retrying with backoff while another process holds it; StoreError past the wait."""
    started = time.monotonic()
    delay = FIRST_RETRY_S
    sql = (SQL_ATTACH_WRITE if write else SQL_ATTACH_READ).format(alias=alias)
    while True:
        try:
            if write:
                path.parent.mkdir(parents=True, exist_ok=True)
            with _ENGINE_LOCK:
                _engine().execute(sql, [str(path)])
            return
        except duckdb.IOException as exc:
            waited = time.monotonic() - started
            if not _is_lock_conflict(exc):
                if not write and not path.exists():
                    raise StoreError(
                        f"There is no database at {display_name(path)} yet: run `python -m pricing seed` (or start "
                        "the app once), or point FRONTIER_DB at an existing file."
                    ) from None
                raise StoreError(f"Cannot open the database {display_name(path)}: {_reason(exc, path)}") from None
            if waited + delay > lock_wait_s:
                raise StoreError(_busy_message(path, exc, waited)) from None
            time.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, LONGEST_RETRY_S)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"Cannot open the database {display_name(path)}: {_reason(exc, path)}") from None


def _reason(exc: BaseException, path: Path) -> str:
    """DuckDB's or the system's words, with the file named as messages name it."""
    text = str(exc).replace(str(path), display_name(path))
    return text.removeprefix("IO Error: ")


def detach(alias: str) -> None:
    """Detach a file: its lock is released (and a write checkpointed) here."""
    with _ENGINE_LOCK:
        _engine().execute(SQL_DETACH.format(alias=alias))


def _cursor_on(alias: str) -> duckdb.DuckDBPyConnection:
    with _ENGINE_LOCK:
        cur = _engine().cursor()
    cur.execute(SQL_USE.format(alias=alias))
    return cur


_ALIASES = iter(range(1, 1 << 62))


class FileAccess:
    """This process's access to one database file: opened when a thread needs it, closed when none does.

    Threads share one open: reads share a read-only open or a read-write one; a write needs a read-write open, so
    it waits for the reads on a read-only open to finish, and reads arriving meanwhile wait behind it (a stream of
    reads cannot starve a write). Writes in this process run one at a time. A read-only open outlives its last read
    by READ_LINGER_S (a closer thread ends it), a read-write one is closed as soon as no thread uses it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opens = 0  # how many times the file was opened: the cost of opening per operation, for benchmarks
        self._alias = f"frontier_{next(_ALIASES)}"  # an identifier this module makes, never a caller's text
        self._state = threading.Condition()
        self._attached = False
        self._writable = False
        self._users = 0
        self._writers_waiting = 0
        self._write_lock = threading.RLock()
        self._idle_since = 0.0
        self._closer: threading.Thread | None = None
        self._stopping = False

    def _acquire(self, write: bool, lock_wait_s: float) -> None:
        with self._state:
            if write:
                self._writers_waiting += 1
            try:
                while True:
                    if self._attached and (self._writable or (not write and not self._writers_waiting)):
                        break  # share the open there is
                    if self._users == 0 and (write or not self._writers_waiting):
                        self._close()
                        attach(self.path, self._alias, write=write, lock_wait_s=lock_wait_s)
                        self._attached, self._writable = True, write
                        self.opens += 1
                        break
                    self._state.wait()
                self._users += 1
            finally:
                if write:
                    self._writers_waiting -= 1
                    self._state.notify_all()  # reads that waited behind this write go on (or open) now

    def _release(self) -> None:
        with self._state:
            self._users -= 1
            if self._users == 0:
                if self._writable or READ_LINGER_S <= 0:
                    self._close()
                else:
                    self._idle_since = time.monotonic()
                    if self._closer is None:
                        self._closer = threading.Thread(target=self._close_when_idle, name="frontier-db", daemon=True)
                        self._closer.start()
            self._state.notify_all()

    def _close_when_idle(self) -> None:
        """Close a read-only open READ_LINGER_S after its last use (runs for the life of the process)."""
        with self._state:
            while not self._stopping:
                if not self._attached or self._users:
                    self._state.wait()
                    continue
                left = self._idle_since + READ_LINGER_S - time.monotonic()
                if left > 0:
                    self._state.wait(left)
                    continue
                with suppress(duckdb.Error):  # this thread must outlive a failed detach, or no open would end
                    self._close()

    def _close(self) -> None:
        if self._attached:
            self._attached = False
            detach(self._alias)

    @contextmanager
    def cursor(
        self, write: bool = False, lock_wait_s: float = DEFAULT_LOCK_WAIT_S
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the file for one operation (a write operation also holds this process's write lock)."""
        if write:
            self._write_lock.acquire()
        try:
            self._acquire(write, lock_wait_s)
            try:
                cur = _cursor_on(self._alias)
                try:
                    yield cur
                finally:
                    cur.close()
            finally:
                self._release()
        finally:
            if write:
                self._write_lock.release()

    def close(self) -> None:
        """Close the file now if no operation is using it."""
        with self._state:
            if not self._users:
                self._close()

    def shut_down(self, wait_s: float = 5.0) -> None:
        """End the closer thread and close the file, before the interpreter exits: a daemon thread still inside
        DuckDB when Python finalises is ended by force, which unwinds DuckDB's C++ and aborts the process."""
        with self._state:
            self._stopping = True
            self._state.notify_all()
            closer = self._closer
        if closer is not None and closer is not threading.current_thread():
            closer.join(wait_s)
        with suppress(duckdb.Error):
            self.close()


_ACCESS: dict[str, FileAccess] = {}
_ACCESS_LOCK = threading.Lock()


@atexit.register
def _shut_down_all() -> None:
    """Close every file this process opened while Python can still run threads (see FileAccess.shut_down)."""
    with _ACCESS_LOCK:
        accesses = list(_ACCESS.values())
    for access in accesses:
        access.shut_down()


def file_access(path: Path) -> FileAccess:
    """The one FileAccess of this process for a file (a file is attached to this process's DuckDB at most once)."""
    key = os.path.realpath(path)
    with _ACCESS_LOCK:
        access = _ACCESS.get(key)
        if access is None:
            access = _ACCESS[key] = FileAccess(path)
        return access
