"""A throwaway Postgres server for tests: Debian's binaries, a data directory and socket in a temporary folder.

initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user (`runuser`); the server
listens only on a unix socket in its own folder (no TCP port to collide with), trusts local connections and
skips fsync (a test database need not survive a power cut). Databases are made per test from a seeded template,
which Postgres copies in a fraction of a second.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

SUPERUSER = "frontier"
_NAMES = itertools.count(1)


def postgres_bin_dir() -> Path | None:
    """The folder of Debian's newest installed Postgres binaries (initdb, pg_ctl), None if none is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def database_name(url: str) -> str:
    """The database a URL names."""
    return urlsplit(url).path.lstrip("/")


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PostgresServer:
    """A running server; `url(name)` reaches one of its databases through the socket."""

    bin_dir: Path
    folder: Path

    def url(self, database: str = "postgres") -> str:
        """The URL of a database on this server (no password: the socket trusts local users)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.folder}"

    def create_database(self, template: str | None = None) -> str:
        """A new, empty (or template's copy) database; its URL."""
        name = f"frontier_test_{os.getpid()}_{next(_NAMES)}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by create_database (its connections are ended first)."""
        name = database_name(url)
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        subprocess.run(
            _as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(bin_dir: Path) -> PostgresServer:
    """initdb a data directory in a new temporary folder and start a server on a socket there."""
    folder = Path(tempfile.mkdtemp(prefix="frontier-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    folder.chmod(0o700)
    server = PostgresServer(bin_dir, folder)
    try:
        subprocess.run(
            _as_server_user(
                [str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", SUPERUSER, "--no-sync"]
                + ["-E", "UTF8", "--locale", "C"]
            ),
            capture_output=True,
            timeout=120,
            check=True,
        )
        options = f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_connections=200"
        # -l: the server's output goes to a file, so it holds none of this process's pipes open.
        subprocess.run(
            _as_server_user(
                [str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-o", options, "-w"]
                + ["start"]
            ),
            capture_output=True,
            timeout=120,
            check=True,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        server.stop()
        raise
    return server
