"""The team store's connection: Postgres behind the same cursor the store uses on a DuckDB file.

`FRONTIER_DB=postgresql://user@host/db` (or `frontier_db` in secrets.toml) puts the whole store in Postgres. The
store's SQL is written once, in the dialect both engines accept (`?` parameters, `ON CONFLICT`, no `GROUP BY ALL`
or `QUALIFY`); `PostgresCursor` turns `?` into psycopg's placeholders and DuckDB's `DOUBLE` into `DOUBLE
PRECISION`, writes DataFrames with COPY, and hands results back as DataFrames converted by this process's DuckDB,
so a frame read from Postgres has the dtypes the same query on a DuckDB file gives (`Int32` where a column holds
NULLs, `datetime64[us]` for dates). Errors come back as the DuckDB exception classes the store already handles
(a broken constraint as `duckdb.ConstraintException`), and a busy or unreachable server as `StoreError`.

Each operation borrows a connection from this process's small pool and returns it: reads run in autocommit, a
write in the one transaction the store opens. The password in a URL is never printed: messages name the server
with `redact_url`.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import pandas as pd
import psycopg
from psycopg import errors as pg_errors

from pricing.store.access import StoreError, engine_cursor
from pricing.store.schema import TABLES

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_S = 10
IDLE_CONNECTIONS_KEPT = 4
# DuckDB's names of the types Postgres returns, so results convert as a DuckDB query's would.
_DUCKDB_TYPE_OF_OID = {
    16: "BOOLEAN",
    20: "BIGINT",
    21: "INTEGER",
    23: "INTEGER",
    25: "VARCHAR",
    1043: "VARCHAR",
    700: "DOUBLE",
    701: "DOUBLE",
    1700: "DOUBLE",  # numeric: what Postgres' sum() of BIGINTs returns; DuckDB's HUGEINT sum also comes back float64
    1082: "DATE",
    1114: "TIMESTAMP",
    17: "BLOB",  # bytea
}
_COLUMN_TYPES: dict[tuple[str, str], str] = {(t.name, c.name): c.sql_type for t in TABLES for c in t.columns}
_DOUBLE = re.compile(r"\bDOUBLE\b(?!\s+PRECISION)")
_BLOB = re.compile(r"\bBLOB\b")
# One key for every process's migrations, so two replicas starting at once do not both build the schema.
MIGRATION_LOCK_KEY = 0x46524F4E  # "FRON"
SQL_MIGRATION_LOCK = f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
SQL_STAGE_TABLE = "CREATE TEMP TABLE incoming ({columns}) ON COMMIT DROP"
SQL_UNSTAGE_TABLE = "DROP TABLE IF EXISTS incoming"
SQL_COPY_INTO = "COPY {table} ({columns}) FROM STDIN"


def is_postgres_url(location: object) -> bool:
    """Whether a configured store location names a Postgres database rather than a DuckDB file."""
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def redact_url(url: str) -> str:
    """The URL as messages show it: the password, if any, replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _without_secret(text: str, url: str) -> str:
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text


@functools.lru_cache(maxsize=512)
def _postgres_sql(sql: str, with_parameters: bool) -> str:
    """The store's SQL in psycopg's words: `?` parameters become %s (a literal % doubled), DOUBLE is DOUBLE PRECISION,
    BLOB is BYTEA.

    Without parameters psycopg sends the text as it is, so nothing is doubled then.
    """
    if with_parameters:
        sql = sql.replace("%", "%%").replace("?", "%s")
    return _BLOB.sub("BYTEA", _DOUBLE.sub("DOUBLE PRECISION", sql))


def _python_value(value: object, sql_type: str) -> object:
    """A DataFrame cell as the Python value COPY writes into a column of `sql_type` (NaN and NaT are NULL)."""
    if value is None or (not isinstance(value, str | bytes | bool) and pd.isna(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):  # a numpy scalar
        value = value.item()
    if sql_type in ("INTEGER", "BIGINT") and isinstance(value, float):
        return int(value) if value.is_integer() else value
    if sql_type == "DATE" and isinstance(value, pd.Timestamp):
        return value.date()
    if sql_type == "TIMESTAMP" and isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if sql_type == "VARCHAR" and not isinstance(value, str):
        return str(value)
    return value


def _rows_of(frame: pd.DataFrame, types: Sequence[str]) -> Iterator[tuple[object, ...]]:
    columns = [frame[name].astype(object).tolist() for name in frame.columns]
    for row in zip(*columns, strict=True):
        yield tuple(_python_value(value, sql_type) for value, sql_type in zip(row, types, strict=True))


class PostgresCursor:
    """One operation's cursor on Postgres, with the DuckDB cursor's methods the store calls."""

    dialect = "postgres"

    def __init__(self, connection: psycopg.Connection[Any], url: str) -> None:
        self._connection = connection
        self._cursor = connection.cursor()
        self._url = url

    def execute(self, query: str, parameters: object = None) -> PostgresCursor:
        """Run one statement (`?` parameters, as on DuckDB)."""
        params = list(parameters) if isinstance(parameters, Sequence) else None
        with self._translated_errors():
            self._cursor.execute(_postgres_sql(query, bool(params)), params or None)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row of the last statement."""
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        """The rows left of the last statement."""
        return self._cursor.fetchall()

    def df(self) -> pd.DataFrame:
        """The last statement's rows as the DataFrame DuckDB would return for them (same dtypes)."""
        description = self._cursor.description or []
        names = [column.name for column in description]
        rows = self._cursor.fetchall()
        raw = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(names))], dtype=object)
        casts = ", ".join(
            f'CAST(c{i} AS {_DUCKDB_TYPE_OF_OID.get(column.type_code, "VARCHAR")}) AS "{name}"'
            for i, (column, name) in enumerate(zip(description, names, strict=True))
        )
        with engine_cursor() as cur:
            cur.register("pg_rows", raw)
            return cur.execute(f"SELECT {casts} FROM pg_rows").df()

    def stage(self, table: str, frame: pd.DataFrame) -> None:
        """Make `incoming` a temporary table holding the frame, typed as `table`'s columns of the same names."""
        types = [_COLUMN_TYPES[(table, name)] for name in frame.columns]
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in zip(frame.columns, types, strict=True))
        self.execute(SQL_STAGE_TABLE.format(columns=columns))
        self.copy_frame("incoming", frame, types)

    def unstage(self) -> None:
        """Drop `incoming` (it goes at the transaction's end anyway)."""
        self.execute(SQL_UNSTAGE_TABLE)

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Write a frame's rows into a table with COPY (its columns are the table's, named alike)."""
        self.copy_frame(table, frame, [_COLUMN_TYPES[(table, name)] for name in frame.columns])

    def copy_frame(self, table: str, frame: pd.DataFrame, types: Sequence[str]) -> None:
        """COPY the frame's rows into `table` (a name from the schema or `incoming`, never a caller's text)."""
        sql = SQL_COPY_INTO.format(table=table, columns=", ".join(frame.columns))
        with self._translated_errors(), self._cursor.copy(sql) as copy:
            for row in _rows_of(frame, types):
                copy.write_row(row)

    def close(self) -> None:
        """Close the cursor (its connection goes back to the pool)."""
        self._cursor.close()

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        """Postgres errors as the DuckDB classes of the same meaning, or a StoreError a person can act on."""
        try:
            yield
        except pg_errors.UndefinedTable as exc:
            raise duckdb.CatalogException(_without_secret(str(exc), self._url)) from None
        except psycopg.IntegrityError as exc:
            raise duckdb.ConstraintException(_without_secret(str(exc), self._url)) from None
        except (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected) as exc:
            raise StoreError(
                f"The Postgres store {redact_url(self._url)} is busy: another user's write held the rows this one "
                f"needs past the wait ({type(exc).__name__}). Try again; if it keeps happening, raise "
                "FRONTIER_DB_WAIT_S."
            ) from None
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"Lost the Postgres store {redact_url(self._url)} mid-operation: "
                f"{_without_secret(str(exc), self._url).strip()}"
            ) from None
        except psycopg.Error as exc:
            raise duckdb.Error(_without_secret(str(exc), self._url)) from None


class PostgresAccess:
    """This process's connections to one Postgres database: borrowed for an operation, kept idle for the next."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opens = 0  # connections opened, as FileAccess counts opens of a file
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    def _connect(self, lock_wait_s: float) -> psycopg.Connection[Any]:
        try:
            connection = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            reason = _without_secret(str(exc), self.url).strip().splitlines()[0] if str(exc).strip() else ""
            raise StoreError(
                f"Cannot reach the Postgres store {redact_url(self.url)}: {reason or type(exc).__name__}. Check that "
                "the server runs and FRONTIER_DB (or frontier_db in .streamlit/secrets.toml) names it."
            ) from None
        # A write waits this long for rows another transaction holds, then fails with a clear message.
        connection.execute(f"SET lock_timeout = {int(lock_wait_s * 1000)}")
        self.opens += 1
        return connection

    @contextmanager
    def cursor(self, write: bool = False, lock_wait_s: float = 20.0) -> Iterator[PostgresCursor]:
        """A cursor for one operation on a pooled connection (a write's transaction is the caller's BEGIN/COMMIT)."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None or connection.closed:
            connection = self._connect(lock_wait_s)
        cur = PostgresCursor(connection, self.url)
        healthy = False
        try:
            yield cur
            healthy = connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        finally:
            cur.close()
            with self._lock:
                if healthy and len(self._idle) < IDLE_CONNECTIONS_KEPT:
                    self._idle.append(connection)
                    connection = None
            if connection is not None:
                connection.close()

    def close(self) -> None:
        """Close every idle connection (a database with no open connections can be dropped or copied)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


_ACCESS: dict[str, PostgresAccess] = {}
_ACCESS_LOCK = threading.Lock()


def postgres_access(url: str) -> PostgresAccess:
    """The one PostgresAccess of this process for a database URL."""
    with _ACCESS_LOCK:
        access = _ACCESS.get(url)
        if access is None:
            access = _ACCESS[url] = PostgresAccess(url)
        return access
