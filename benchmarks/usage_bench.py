"""Benchmark: a raw request log aggregated to monthly volumes by our loader, against pandas read_csv + groupby.

A CSV request log (10 million rows; 2 million with --quick) is generated once into a temp folder with DuckDB.
Ours is `pricing.planning.usage_files.load_usage` on the file: DuckDB reads it in a typed, streaming scan, checks every
row (dates, whole non-negative counts, cached <= input, characters-not-tokens) and sums per (UTC month,
workload). The baseline is the least pandas work for the same result, with no validation: `pd.read_csv`
with int64 token columns, ISO timestamps parsed to UTC, truncated to months and `groupby(...).sum()`.
Both must give the same monthly volumes, or the benchmark fails.

Each sample runs in a fresh process (ours and the baseline interleaved), which times only the load and
reports its own peak resident memory (`resource.getrusage(RUSAGE_SELF).ru_maxrss`, so the figure includes
the interpreter and its imports: pandas for both, duckdb for ours).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.timing import Row, Table, Timing, fmt_seconds

WORKER = "benchmarks.usage_bench"
ROWS_FULL = 10_000_000
ROWS_QUICK = 2_000_000
TIMEOUT_S = 600
TOKEN_COLUMNS = ["input_tokens", "output_tokens", "cached_input_tokens"]
# Requests every 3 s from 2025-01-01 spread over 12 workloads: 10M rows span about 11 months.
NO_PROGRESS_BAR = "SET enable_progress_bar = false"
GENERATE_LOG = """
COPY (
    SELECT
        TIMESTAMP '2025-01-01' + (i * 3) * INTERVAL 1 SECOND AS timestamp,
        'workload-' || (i % 12) AS workload,
        100 + (i * 37) % 6000 AS input_tokens,
        (i * 11) % 1200 AS output_tokens,
        ((i * 37) % 6000) // 2 AS cached_input_tokens
    FROM range(?) t(i)
) TO '{path}' (HEADER)
"""


def generate_log(path: Path, rows: int) -> None:
    """Write the synthetic request log (the path is ours, not user input)."""
    con = duckdb.connect()
    try:
        con.execute(NO_PROGRESS_BAR)  # the bar would garble the result table
        con.execute(GENERATE_LOG.format(path=str(path).replace("'", "''")), [rows])
    finally:
        con.close()


def ours(path: Path) -> pd.DataFrame:
    """Monthly volumes by our loader."""
    from pricing.planning.usage_files import load_usage

    return load_usage(path, path.name).monthly


def pandas_baseline(path: Path) -> pd.DataFrame:
    """Monthly volumes by plain pandas, no validation."""
    frame = pd.read_csv(path, dtype={"workload": "str", **dict.fromkeys(TOKEN_COLUMNS, "int64")})
    stamps = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    frame["month"] = stamps.dt.tz_localize(None).to_numpy().astype("datetime64[M]").astype("datetime64[ns]")
    grouped = frame.groupby(["month", "workload"], sort=True)
    monthly = grouped[TOKEN_COLUMNS].sum()
    monthly.insert(0, "requests", grouped.size())
    return monthly.reset_index()


def _sample(kind: str, path: Path) -> dict[str, float]:
    """One load in a fresh interpreter: its seconds, peak RSS and a checksum of the result."""
    done = subprocess.run(
        [sys.executable, "-m", WORKER, kind, str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"usage bench {kind} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(repeats: int = 3, quick: bool = False) -> list[Row | Table]:
    """The usage-file benchmark (fresh processes, so at most 3 samples each; 1 with --quick)."""
    rows = ROWS_QUICK if quick else ROWS_FULL
    samples = 1 if quick else max(1, min(repeats, 3))
    with tempfile.TemporaryDirectory(prefix="frontier-bench-usage-") as tmp:
        path = Path(tmp) / "requests.csv"
        generate_log(path, rows)
        size_mib = path.stat().st_size / 2**20
        results: dict[str, list[dict[str, float]]] = {"ours": [], "pandas": []}
        for _ in range(samples):
            for kind in ("ours", "pandas"):
                results[kind].append(_sample(kind, path))
    checks = {r["checksum"] for kind in results for r in results[kind]}
    if len(checks) != 1:
        raise RuntimeError(f"our loader and pandas disagree on the monthly volumes: {checks}")
    ours_t = Timing(tuple(r["seconds"] for r in results["ours"]))
    base_t = Timing(tuple(r["seconds"] for r in results["pandas"]))
    ours_mib = max(r["maxrss_mib"] for r in results["ours"])
    base_mib = max(r["maxrss_mib"] for r in results["pandas"])
    notes = (
        f"{rows:,}-row request log, CSV {size_mib:.0f} MiB, to monthly volumes; one fresh process per sample; "
        f"peak RSS ours {ours_mib:,.0f} MiB vs pandas {base_mib:,.0f} MiB"
    )
    row = Row(f"usage log -> months, {rows / 1e6:.0f}M rows", ours_t, "pandas", base_t, True, notes)
    table = Table(
        title=f"Usage log to monthly volumes ({rows:,} rows, {size_mib:.0f} MiB CSV, {samples} process(es) each)",
        header=("loader", "wall (median)", "wall (min)", "peak RSS (max)"),
        rows=(
            (
                "ours: load_usage (DuckDB, validated)",
                fmt_seconds(ours_t.median),
                fmt_seconds(ours_t.min),
                f"{ours_mib:,.0f} MiB",
            ),
            (
                "pandas read_csv + groupby (no checks)",
                fmt_seconds(base_t.median),
                fmt_seconds(base_t.min),
                f"{base_mib:,.0f} MiB",
            ),
        ),
        footnote=(
            f"Speed-up pandas/ours {row.ratio:.2f}x; memory pandas/ours {base_mib / ours_mib:.2f}x. Wall = the load "
            "call only, in a fresh process; peak RSS = getrusage(RUSAGE_SELF).ru_maxrss of that process "
            "(includes the interpreter and imports)."
        ),
    )
    return [row, table]


def _worker(kind: str, path: Path) -> None:
    """Child process: time one load and print seconds, peak RSS and a checksum as JSON."""
    load = ours if kind == "ours" else pandas_baseline
    started = time.perf_counter()
    monthly = load(path)
    seconds = time.perf_counter() - started
    key = monthly[["requests", *TOKEN_COLUMNS]].sum().tolist() + [len(monthly)]
    key += monthly.sort_values(["month", "workload"])["input_tokens"].tolist()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps({"seconds": seconds, "maxrss_mib": maxrss_kib / 1024, "checksum": hash(tuple(int(x) for x in key))})
    )


if __name__ == "__main__":
    _worker(sys.argv[1], Path(sys.argv[2]))
