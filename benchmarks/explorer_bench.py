"""Benchmark 3: opening the Frontier explorer page, against a one-line Streamlit page, with AppTest; and the
first load of the costs page, against the same load quoting through litellm.

Ours runs app.py (the navigation, the store and the sidebar on the default page), then switches to
views/explorer.py and runs it: what a user does to reach the explorer. The baseline runs a page whose
only line writes a string, so the ratio is the app's cost over Streamlit's own per-run overhead.

Cold: the first load in a fresh process (one process per sample, each on its own copy of a seeded
database), timed from just after the test harness is imported; it includes importing the app's modules
(pricing, pandas, DuckDB; not litellm, which these pages never call) and filling every cache. Warm: in
this process after one warm-up run, so imports are done and Streamlit's caches are full, as on a running
server. A third line clears st.cache_data before each warm run, so the explorer recomputes its data (the
store stays open).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.cold_page import RUN_TIMEOUT_S, open_explorer, open_trivial, quiet_streamlit
from benchmarks.timing import Row, Timing, fmt_seconds, measure_pair
from pricing.sources.seed import seed
from pricing.store import PROJECT_ROOT, Store

TRIVIAL_PAGE = 'import streamlit as st; st.write("Hello")\n'
WORKER = "benchmarks.cold_page"


def _cold_sample(kind: str, db: Path, trivial: Path) -> tuple[float, float]:
    """(seconds of the first page load, seconds of the whole process) in a fresh interpreter."""
    env = dict(os.environ, FRONTIER_DB=str(db))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", WORKER, kind, str(trivial)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S * 2,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold {kind} run failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"]), wall


def run(repeats: int, quick: bool) -> list[Row]:
    """Cold and warm loads of the explorer page."""
    cold_repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="frontier-bench-app-") as tmp:
        folder = Path(tmp)
        template = folder / "seeded.duckdb"
        store = Store(template)
        seed(store)
        store.close()
        trivial = folder / "trivial_page.py"
        trivial.write_text(TRIVIAL_PAGE, encoding="utf-8")

        cold_app: list[float] = []
        cold_trivial: list[float] = []
        cold_costs: dict[str, list[float]] = {"costs": [], "costs-litellm": []}
        walls: dict[str, list[float]] = {"app": [], "trivial": []}
        for index in range(cold_repeats):
            db = folder / f"cold-{index}.duckdb"
            shutil.copy(template, db)
            page_s, wall = _cold_sample("app", db, trivial)
            cold_app.append(page_s)
            walls["app"].append(wall)
            page_s, wall = _cold_sample("trivial", db, trivial)
            cold_trivial.append(page_s)
            walls["trivial"].append(wall)
            for kind, samples in cold_costs.items():
                samples.append(_cold_sample(kind, db, trivial)[0])

        warm_db = folder / "warm.duckdb"
        shutil.copy(template, warm_db)
        previous = os.environ.get("FRONTIER_DB")
        os.environ["FRONTIER_DB"] = str(warm_db)  # AppTest runs in this process and reads it here
        try:
            import streamlit as st

            quiet_streamlit()
            open_explorer()  # warm-up: imports, the store and every cache
            open_trivial(trivial)
            warm, warm_base = measure_pair(open_explorer, lambda: open_trivial(trivial), repeats)

            def recompute() -> None:
                st.cache_data.clear()
                open_explorer()

            fresh, fresh_base = measure_pair(recompute, lambda: open_trivial(trivial), repeats)
        finally:
            if previous is None:
                os.environ.pop("FRONTIER_DB", None)
            else:
                os.environ["FRONTIER_DB"] = previous

    cold_notes = (
        f"first load in a fresh process ({cold_repeats} processes each), includes importing pricing/pandas/duckdb "
        f"and filling caches; whole-process wall incl. interpreter+streamlit import: app "
        f"{fmt_seconds(statistics.median(walls['app']))}, trivial {fmt_seconds(statistics.median(walls['trivial']))}"
    )
    return [
        Row(
            "explorer page, cold",
            Timing(tuple(cold_app)),
            "1-line page",
            Timing(tuple(cold_trivial)),
            False,
            cold_notes,
        ),
        Row(
            "costs page, cold (Home, then a request quoted)",
            Timing(tuple(cold_costs["costs"])),
            "the same, quoting through litellm",
            Timing(tuple(cold_costs["costs-litellm"])),
            True,
            "first load in a fresh process; the baseline imports litellm first, as quoting a flat-priced model did "
            "before the price map was read from litellm's file (4-5 s of CPU)",
        ),
        Row(
            "explorer page, warm",
            warm,
            "1-line page",
            warm_base,
            False,
            "app.py run + switch_page(explorer) run, after one warm-up; Streamlit caches full (a running server)",
        ),
        Row(
            "explorer page, warm, data caches cleared",
            fresh,
            "1-line page",
            fresh_base,
            False,
            "as warm, but st.cache_data.clear() first: the explorer recomputes prices, scores and the frontier",
        ),
    ]
