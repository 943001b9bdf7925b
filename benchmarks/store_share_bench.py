"""Benchmark: one store shared by the app, the command line and a probe (issue 13), `--only share`.

Since issue 13 no Frontier process keeps the database file open: each store call attaches the file to the process's
in-memory DuckDB (read-only to read, read-write to write) and detaches it when no thread needs it. What that costs a
read is timed against the store as it was, one connection held for the process's life (the baseline), and against
a new DuckDB connection per call (what "open, do, close" costs done naively).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from benchmarks.timing import Row, measure_pair
from pricing.sources.seed import seed
from pricing.store import Store
from pricing.store.db import SQL_ENDPOINTS, SQL_RUNS

CALLS = 20  # store reads per timed sample: a page's worth and more


def _seeded(folder: Path) -> Path:
    path = folder / "frontier.duckdb"
    store = Store(path)
    seed(store)
    store.close()
    return path


def _reads_per_call(store: Store) -> None:
    for _ in range(CALLS // 2):
        store.runs()
        store.endpoints()


def _reads_on(con: duckdb.DuckDBPyConnection) -> None:
    for _ in range(CALLS // 2):
        for sql in (SQL_RUNS, SQL_ENDPOINTS):
            cur = con.cursor()  # as the store did: a cursor per call on the connection it held
            cur.execute(sql).df()
            cur.close()


def _reads_new_connection(path: Path) -> None:
    for _ in range(CALLS // 2):
        for sql in (SQL_RUNS, SQL_ENDPOINTS):
            con = duckdb.connect(str(path), read_only=True)
            con.execute(sql).df()
            con.close()


def run(repeats: int, quick: bool) -> list[Row]:
    """Store reads opened per call against a connection held open, and a new connection per call against it."""
    del quick
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="frontier-share-") as tmp:
        template = _seeded(Path(tmp))
        ours_path = Path(tmp) / "ours.duckdb"
        held_path = Path(tmp) / "held.duckdb"
        naive_path = Path(tmp) / "naive.duckdb"  # another file: DuckDB would reuse the held file's open instance
        for path in (ours_path, held_path, naive_path):
            shutil.copy(template, path)
        store = Store(ours_path)
        held = duckdb.connect(str(held_path), read_only=True)
        try:
            ours, baseline = measure_pair(lambda: _reads_per_call(store), lambda: _reads_on(held), repeats)
            opens = store.opens
            rows.append(
                Row(
                    f"{CALLS} store reads, file attached per call",
                    ours,
                    "held open",
                    baseline,
                    speedup=False,
                    notes=f"runs() and endpoints(): small reads, mostly opening; {opens} attaches in all",
                )
            )
            naive, baseline = measure_pair(lambda: _reads_new_connection(naive_path), lambda: _reads_on(held), repeats)
            rows.append(
                Row(
                    f"{CALLS} reads, a new DuckDB connection per call",
                    naive,
                    "held open",
                    baseline,
                    speedup=False,
                    notes="what attaching to one in-memory DuckDB per process saves",
                )
            )
        finally:
            held.close()
            store.close()
    return rows
