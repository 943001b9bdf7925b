"""Benchmark `caches`: an explorer rerun while a probe stores its requests, and after someone saves a scenario, on a
DuckDB file and on Postgres.

A probe stores what it measured every half second (evals/runner.py), in batches. The app reads the store's change
count once per script run and drops every page cache when it moved (ui/common.py), so that writes by other
processes show. Ours: a batch of a probe's requests is not counted as a change (no cached page reads a running
run's requests), so the explorer's rerun finds its caches full. Baseline: the same batch and, in the same
transaction's place, the count moving as it did before (a counted empty write), so the rerun drops its caches and
recomputes prices, scores and the frontier. Each sample is one batch of 20 requests followed by one explorer run
(AppTest, the store staying open as on a running server), interleaved. Postgres is a throwaway server as in `team`
(skipped, with a note, where Debian's binaries are missing).

The same for a saved scenario: ours saves it without counting a change (no page caches scenarios: the list is read
fresh), the baseline counts it as before, so the rerun drops its caches.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from benchmarks.cold_page import open_explorer, quiet_streamlit
from benchmarks.team_bench import BATCH, _frontier_db, _postgres_url, _records
from benchmarks.timing import Row, measure_pair
from pricing.sources.seed import seed
from pricing.store import Store


def _run_id(store: Store) -> str:
    run_id = uuid.uuid4().hex[:12]
    store.start_run(
        run_id=run_id, endpoint_name="bench", model="test-model", api_base="http://127.0.0.1:1", model_id=None,
        suite=None, settings_json="{}", estimated_cost_usd=None,
    )  # fmt: skip
    return run_id


def _then_explorer(location: str, store: Store, write: Callable[[], None], counted: bool) -> Callable[[], None]:
    """One sample: the write, the change count moved with it as before when `counted`, then one explorer run."""

    def sample() -> None:
        write()
        if counted:
            with store._transaction():  # what the write cost before: the change count moved with it
                pass
        with _frontier_db(location):
            open_explorer()

    return sample


def _batch_then_explorer(location: str, store: Store, counted: bool) -> Callable[[], None]:
    run_id = _run_id(store)
    records = _records()
    state = {"next": 0}

    def store_batch() -> None:
        first = state["next"]
        state["next"] += BATCH
        batch = [replace(records[(first + i) % len(records)], seq=first + i) for i in range(BATCH)]
        store.add_probe_requests(run_id, batch)

    return _then_explorer(location, store, store_batch, counted)


def _scenario_then_explorer(location: str, store: Store, counted: bool) -> Callable[[], None]:
    state = {"saves": 0}

    def save() -> None:
        state["saves"] += 1
        store.save_scenario(f"bench {state['saves']}", '{"months": 36}', None, created_by="bench")

    return _then_explorer(location, store, save, counted)


@contextmanager
def _postgres_or_none() -> Iterator[str | None]:
    try:
        with _postgres_url() as url:
            yield url
    except RuntimeError:
        yield None


def run(repeats: int, quick: bool) -> list[Row]:
    """Explorer reruns while a probe stores batches: uncounted batches against counted ones, on each backend."""
    quiet_streamlit()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="frontier-bench-caches-") as tmp, ExitStack() as stack:
        duck_path = Path(tmp) / "caches.duckdb"
        locations = [("DuckDB file", str(duck_path))]
        url = stack.enter_context(_postgres_or_none())
        if url is not None:
            locations.append(("Postgres", url))
        for name, location in locations:
            store = Store(location)
            seed(store)
            cases = (
                (
                    "while a probe stores batches",
                    _batch_then_explorer,
                    "each batch counted as a change",
                    f"one batch of {BATCH} requests then one explorer run (AppTest) per sample",
                ),
                (
                    "after a scenario is saved",
                    _scenario_then_explorer,
                    "each save counted as a change",
                    "one scenario saved then one explorer run (AppTest) per sample",
                ),
            )
            for what, make, baseline, note in cases:
                ours = make(location, store, False)
                before = make(location, store, True)
                ours()  # warm-up: imports and this store's caches
                timings = measure_pair(ours, before, repeats)
                rows.append(Row(f"caches: explorer rerun {what}, {name}", timings[0], baseline, timings[1], True, note))
            store.close()
    return rows
