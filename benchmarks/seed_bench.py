"""Benchmark 2: seeding a fresh database file, against bare DuckDB loading the same files.

Ours is what a first start does: open a new file (which runs the schema migrations) and `seed()` it,
which reads and normalises the shipped CSVs, builds the price records from litellm's bundled map and
writes everything in one transaction. The baseline opens a new file, copies every data/*.csv into its own
table with `read_csv_auto` and inserts the already-built litellm price DataFrame: the least work that gets
the same bytes into DuckDB, with no parsing, identity mapping, constraints or transaction of ours.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.timing import Row, fmt_seconds, measure_pair, time_once
from pricing.litellm_prices import bundled_price_records
from pricing.sources.seed import DATA_DIR, seed
from pricing.store import Store


def seed_fresh(path: Path, data_dir: Path = DATA_DIR) -> tuple[dict[str, int], float]:
    """Create a new store at path and seed it: the rows written per table, and the seconds seed() spent
    building its DataFrames before writing (it records them in seed_runs)."""
    store = Store(path)
    try:
        rows = seed(store, data_dir).rows
        last = store.last_seed() or {}
        return rows, float(str(last.get("seconds", "nan")))
    finally:
        store.close()


def bare_load(path: Path, csv_files: list[Path], prices: pd.DataFrame) -> None:
    """Every CSV into its own table and the price frame into another, with nothing but DuckDB."""
    con = duckdb.connect(str(path))
    try:
        for index, csv in enumerate(csv_files):
            # '#' lines are the reviewed identity files' comments; quoted fields hold commas in prose notes
            con.execute(
                f"CREATE TABLE csv_{index} AS SELECT * FROM read_csv(?, comment='#', strict_mode=false)", [str(csv)]
            )
        con.register("incoming", prices)
        con.execute("CREATE TABLE prices AS SELECT * FROM incoming")
        con.unregister("incoming")
    finally:
        con.close()


def run(repeats: int, quick: bool) -> list[Row]:
    """The seeding benchmark."""
    csv_files = sorted(DATA_DIR.glob("*.csv"))
    prices = bundled_price_records(as_of=dt.date.today())
    build = [time_once(lambda: bundled_price_records(as_of=dt.date.today())) for _ in range(3)]
    counter = itertools.count()
    with tempfile.TemporaryDirectory(prefix="frontier-bench-seed-") as tmp:
        folder = Path(tmp)
        rows, _ = seed_fresh(folder / "warmup.duckdb")  # first-call costs (lazy imports, caches) out of the way
        bare_load(folder / "warmup-bare.duckdb", csv_files, prices)
        frames_s: list[float] = []
        ours, bare = measure_pair(
            lambda: frames_s.append(seed_fresh(folder / f"ours-{next(counter)}.duckdb")[1]),
            lambda: bare_load(folder / f"bare-{next(counter)}.duckdb", csv_files, prices),
            repeats,
        )
        sizes = [p.stat().st_size for p in folder.glob("ours-*.duckdb")]
        bare_sizes = [p.stat().st_size for p in folder.glob("bare-*.duckdb")]
    total = sum(rows.values())
    notes = (
        f"Store()+seed() into a new file: {total:,} rows in {len(rows)} tables "
        f"({rows.get('prices', 0):,} prices), {statistics.median(sizes) / 2**20:.1f} MiB, of which building the "
        f"DataFrames (pandas, before any write) {fmt_seconds(statistics.median(frames_s))}; bare DuckDB: "
        f"read_csv_auto of all {len(csv_files)} data/*.csv + the prebuilt litellm price frame, "
        f"{statistics.median(bare_sizes) / 2**20:.1f} MiB; building that frame (inside ours, not in the baseline) "
        f"takes {fmt_seconds(statistics.median(build))} warm"
    )
    return [Row("seed a fresh DuckDB file", ours, "bare duckdb", bare, False, notes)]
