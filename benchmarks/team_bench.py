"""Benchmark `team`: the same work on the team's Postgres store against a DuckDB file, interleaved.

Ours is Postgres, the baseline a DuckDB file holding the same seeded data, so the ratio is Postgres' time over
DuckDB's. The server is a throwaway one started here (Debian's binaries, a unix socket, fsync and synchronous
commit off, as the tests' server: a production server that syncs its log pays more per commit), unless
FRONTIER_BENCH_POSTGRES names one (a postgresql:// URL to an empty database the benchmark may fill).

1. A 200-request probe's writes: the run's start, its 200 measured requests in 10 batches of 20 (a probe writes
   what arrived each half second), and its end, on a fresh run each repeat.
2. The explorer page through AppTest with every page cache cleared before each run, so its loaders read the store
   (the store stays open, as on a running server).
3. The explorer page cold: the first load in a fresh process (imports, opening the store, filling every cache).
4. The explorer page warm, caches full: what a rerun costs on a running server. Not interleaved: the page caches
   are shared by the process, so each backend runs its own block after its own warm-up.
5. The change count every script run reads (the one store query a warm page makes), interleaved.
6. Sessions across two replicas: two `streamlit run` servers on one store, N sessions (50; 10 with --quick) opening
   the explorer at once in headless Chromium, half on each replica, as returning visitors (Streamlit's frontend
   cached by a warm-up tab); the p95 of the time from the first navigation until each page had rendered. Each page
   is checked in turn, so one counts when checked after it rendered: an upper bound. Postgres' two replicas and a
   DuckDB file's two replicas (both served at once, idle but for their batch) take turns, batch by batch.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.cold_page import open_explorer, quiet_streamlit
from benchmarks.explorer_bench import _cold_sample
from benchmarks.timing import Row, Timing, fmt_seconds, measure_pair, time_once
from pricing.sources.seed import seed
from pricing.store import RequestRecord, Store

POSTGRES_ENV = "FRONTIER_BENCH_POSTGRES"
PROBE_REQUESTS = 200
BATCH = 20
SESSIONS = 50
QUICK_SESSIONS = 10
PAGE_TIMEOUT_MS = 300_000


def _records() -> list[RequestRecord]:
    return [
        RequestRecord(
            seq=seq,
            phase="measure",
            concurrency=4,
            sent_s=seq * 0.01,
            ttft_ms=150.0 + seq % 7,
            e2e_ms=420.0,
            itl_ms=20.0,
            input_tokens=812,
            output_tokens=96,
            tokens_estimated=False,
            cost_usd=1.3e-4,
            finish_reason="stop",
            http_status=200,
            attempts=1,
            answer="The answer is 42." * 4,
        )  # fmt: skip
        for seq in range(PROBE_REQUESTS)
    ]


def _probe_writes(store: Store, records: list[RequestRecord]) -> Callable[[], None]:
    def write() -> None:
        run_id = uuid.uuid4().hex[:12]
        store.start_run(
            run_id=run_id, endpoint_name="bench", model="test-model", api_base="http://127.0.0.1:1", model_id=None,
            suite=None, settings_json="{}", estimated_cost_usd=None,
        )  # fmt: skip
        for start in range(0, len(records), BATCH):
            store.add_probe_requests(run_id, records[start : start + BATCH])
        store.finish_run(run_id, "completed", "{}")

    return write


@contextmanager
def _postgres_url() -> Iterator[str]:
    given = os.environ.get(POSTGRES_ENV, "").strip()
    if given:
        yield given
        return
    from tests.postgres_support import postgres_bin_dir, start_postgres  # the tests' throwaway server

    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError(f"no Postgres binaries: apt-get install postgresql, or set {POSTGRES_ENV}")
    server = start_postgres(bin_dir)
    try:
        yield server.create_database()
    finally:
        server.stop()


@contextmanager
def _frontier_db(location: str) -> Iterator[None]:
    previous = os.environ.get("FRONTIER_DB")
    os.environ["FRONTIER_DB"] = location  # AppTest runs in this process and reads it here
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("FRONTIER_DB", None)
        else:
            os.environ["FRONTIER_DB"] = previous


def _explorer_on(location: str, clear: bool) -> Callable[[], None]:
    import streamlit as st

    def run() -> None:
        with _frontier_db(location):
            if clear:
                st.cache_data.clear()
            open_explorer()

    return run


def _block(location: str, repeats: int) -> Timing:
    import streamlit as st

    with _frontier_db(location):
        st.cache_data.clear()
        open_explorer()  # warm-up: this backend's caches
        return Timing(tuple(time_once(open_explorer) for _ in range(repeats)))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _sessions_at_once(replicas: list[tuple[Any, Any]], sessions: int) -> tuple[list[float], list[str]]:
    """Open `sessions` explorer tabs at once, alternating between the replicas; seconds until each rendered, errors."""
    from tests import browser_support as bs

    tabs = [(replicas[i % len(replicas)][0].new_page(), replicas[i % len(replicas)][1]) for i in range(sessions)]
    started = time.perf_counter()
    for tab, app in tabs:
        tab.goto(f"{app.base_url}/explorer", wait_until="commit", timeout=PAGE_TIMEOUT_MS)
    seconds: list[float] = []
    errors: list[str] = []
    for tab, _ in tabs:
        bs.wait_for_app(tab, PAGE_TIMEOUT_MS)
        seconds.append(time.perf_counter() - started)
        errors.extend(bs.error_texts(tab))
    for tab, _ in tabs:
        tab.close()
    return seconds, errors


def replica_sessions(url: str, duck_path: Path, folder: Path, sessions: int, rounds: int) -> tuple[Row, int]:
    """p95 page time of `sessions` explorer sessions at once across two replicas: Postgres against a DuckDB file."""
    from playwright import sync_api

    from tests import browser_support as bs

    logs = {name: folder / name for name in ("pg-a", "pg-b", "duck-a", "duck-b")}
    for log in logs.values():
        log.mkdir()
    p95s: dict[str, list[float]] = {"pg": [], "duck": []}
    errors: list[str] = []
    with (
        bs.serve_app(url, logs["pg-a"]) as pg_a,
        bs.serve_app(url, logs["pg-b"]) as pg_b,
        bs.serve_app(duck_path, logs["duck-a"]) as duck_a,
        bs.serve_app(duck_path, logs["duck-b"]) as duck_b,
        sync_api.sync_playwright() as playwright,
    ):
        browser = bs.launch_chromium(playwright)
        try:
            pairs = {"pg": [pg_a, pg_b], "duck": [duck_a, duck_b]}
            contexts = {}
            for name, apps in pairs.items():
                replicas = [(browser.new_context(), app) for app in apps]
                for context, app in replicas:  # warm-up: the frontend cached, the replica's caches full
                    warm = context.new_page()
                    bs.open_page(warm, app.base_url, "explorer", PAGE_TIMEOUT_MS)
                    warm.close()
                contexts[name] = replicas
            for _ in range(rounds):
                for name in ("pg", "duck"):
                    seconds, found = _sessions_at_once(contexts[name], sessions)
                    p95s[name].append(_p95(seconds))
                    errors.extend(found)
            for replicas in contexts.values():
                for context, _ in replicas:
                    context.close()
        finally:
            browser.close()
        tracebacks = sum(
            app.log_path.read_text(errors="replace").count("Traceback") for app in (pg_a, pg_b, duck_a, duck_b)
        )
    row = Row(
        f"team: {sessions} sessions across 2 replicas, p95",
        Timing(tuple(p95s["pg"])),
        "DuckDB file",
        Timing(tuple(p95s["duck"])),
        False,
        f"explorer opened at once in Chromium, half per replica, frontend cached; {len(errors)} page errors, "
        f"{tracebacks} tracebacks in the servers' logs; slowest round Postgres {fmt_seconds(max(p95s['pg']))}",
    )
    return row, len(errors) + tracebacks


def run(repeats: int, quick: bool) -> list[Row]:
    """Probe writes and explorer loads on Postgres against a DuckDB file."""
    cold_repeats = 1 if quick else 3
    note = "ours Postgres (local socket, fsync off), baseline a DuckDB file; same seeded data"
    with tempfile.TemporaryDirectory(prefix="frontier-bench-team-") as tmp, _postgres_url() as url:
        folder = Path(tmp)
        duck_path = folder / "team.duckdb"
        duck, pg = Store(duck_path), Store(url)
        seed(duck)
        seed(pg)
        records = _records()
        writes = measure_pair(_probe_writes(pg, records), _probe_writes(duck, records), repeats)

        quiet_streamlit()
        _explorer_on(url, True)()  # imports, both stores opened by the app, and one of each load
        _explorer_on(str(duck_path), True)()
        cleared = measure_pair(_explorer_on(url, True), _explorer_on(str(duck_path), True), repeats)
        warm_pg, warm_duck = _block(url, repeats), _block(str(duck_path), repeats)
        counts = measure_pair(pg.change_count, duck.change_count, max(repeats, 20))

        trivial = folder / "unused.py"
        cold_pg: list[float] = []
        cold_duck: list[float] = []
        for _ in range(cold_repeats):
            cold_pg.append(_cold_sample("app", url, trivial)[0])  # type: ignore[arg-type]  # a URL, not a Path
            cold_duck.append(_cold_sample("app", duck_path, trivial)[0])
        pg.close()
        duck.close()
        sessions_row, _ = replica_sessions(
            url, duck_path, folder, QUICK_SESSIONS if quick else SESSIONS, 1 if quick else 3
        )
    name = "Postgres"
    base = "DuckDB file"
    return [
        Row(
            f"team: {PROBE_REQUESTS}-request probe writes, {name}",
            writes[0],
            base,
            writes[1],
            False,
            f"start, {PROBE_REQUESTS // BATCH} batches of {BATCH}, finish; {note}",
        ),
        Row("team: explorer, caches cleared", cleared[0], base, cleared[1], False, f"AppTest; {note}"),
        Row(
            "team: explorer, cold",
            Timing(tuple(cold_pg)),
            base,
            Timing(tuple(cold_duck)),
            False,
            f"first load in a fresh process; {note}",
        ),
        Row(
            "team: explorer, warm",
            warm_pg,
            base,
            warm_duck,
            False,
            f"caches full; blocks, not interleaved (one process's caches); {note}",
        ),
        Row("team: change count per script run", counts[0], base, counts[1], False, f"one small read; {note}"),
        sessions_row,
    ]
