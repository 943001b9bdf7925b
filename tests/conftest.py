"""Shared fixtures: a seeded database file made once per session, fresh copies of it per test, and the two
command lines called in this process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pricing.sources.seed import seed  # noqa: E402
from pricing.store import Store  # noqa: E402
from tests.postgres_support import PostgresServer, database_name, postgres_bin_dir, start_postgres  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, shared by one test module's tests (each opens its own context or tab)."""
    from playwright import sync_api  # only the browser tests need it

    from tests import browser_support

    with sync_api.sync_playwright() as playwright:
        launched = browser_support.launch_chromium(playwright)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def seeded_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database seeded from the shipped data, made once; copy it before writing."""
    path = tmp_path_factory.mktemp("seeded") / "frontier.duckdb"
    store = Store(path)
    seed(store)
    store.close()
    return path


@pytest.fixture()
def seeded_store(seeded_db_file: Path, tmp_path: Path) -> Iterator[Store]:
    """A private, writable copy of the seeded database."""
    path = tmp_path / "frontier.duckdb"
    shutil.copy(seeded_db_file, path)
    store = Store(path)
    yield store
    store.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway Postgres server for this session (skipped, saying why, where Debian's postgresql is missing)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("Postgres is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")
    server = start_postgres(bin_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def seeded_postgres_template(postgres_server: PostgresServer) -> str:
    """The name of a Postgres database seeded from the shipped data, made once; tests get copies of it."""
    url = postgres_server.create_database()
    store = Store(url)
    seed(store)
    store.close()  # a template must have no connections
    return database_name(url)


@pytest.fixture(params=["duckdb", "postgres"])
def backend_seeded_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A private, writable, seeded store on each backend in turn: a DuckDB file, then a Postgres database."""
    if request.param == "duckdb":
        path = tmp_path / "frontier.duckdb"
        shutil.copy(request.getfixturevalue("seeded_db_file"), path)
        store = Store(path)
        yield store
        store.close()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database(template=request.getfixturevalue("seeded_postgres_template"))
    store = Store(url)
    yield store
    store.close()
    server.drop_database(url)


@pytest.fixture(params=["duckdb", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a new, empty store goes on each backend in turn: a DuckDB file's path, then a Postgres URL."""
    if request.param == "duckdb":
        yield str(tmp_path / "new.duckdb")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    Store(url, read_only=True).close()
    server.drop_database(url)


@pytest.fixture()
def app_db(seeded_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app (FRONTIER_DB) at a private copy of the seeded database."""
    path = tmp_path / "app.duckdb"
    shutil.copy(seeded_db_file, path)
    monkeypatch.setenv("FRONTIER_DB", str(path))
    return path


@dataclass(frozen=True)
class CliRun:
    """What one command-line call returned and printed."""

    returncode: int
    stdout: str
    stderr: str


CliCall = Callable[[list[str]], CliRun]


def _in_process(main: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str]) -> Iterator[CliCall]:
    """Call `main(argv)` as `python -m ...` would, catching argparse's exit; SIGINT's handler is put back after."""
    sigint = signal.getsignal(signal.SIGINT)

    def call(args: list[str]) -> CliRun:
        capsys.readouterr()  # what the test printed before belongs to no call
        try:
            code = main(args)
        except SystemExit as exc:  # argparse refuses a bad command line by exiting
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    try:
        yield call
    finally:
        signal.signal(signal.SIGINT, sigint)  # `evals probe` turns Ctrl-C into "cancel the run"


@pytest.fixture()
def pricing_cli(capsys: pytest.CaptureFixture[str]) -> Iterator[CliCall]:
    """`python -m pricing ARGS` in this process (litellm is imported once a session, not once a call); the
    database is FRONTIER_DB's, so use it with app_db. tests/test_cli.py keeps one real subprocess."""
    from pricing.__main__ import main

    yield from _in_process(main, capsys)


@pytest.fixture()
def evals_cli(capsys: pytest.CaptureFixture[str]) -> Iterator[CliCall]:
    """`python -m evals ARGS` in this process, as pricing_cli; tests/test_probe.py keeps one real subprocess."""
    from evals.__main__ import main

    yield from _in_process(main, capsys)


def run_module(module: str, args: list[str], db: Path, timeout_s: float = 180) -> CliRun:
    """`python -m MODULE ARGS` in a real subprocess against the database at db: the smoke test of an entry point."""
    env = dict(os.environ, FRONTIER_DB=str(db), LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=timeout_s,
    )
    return CliRun(done.returncode, done.stdout, done.stderr)
