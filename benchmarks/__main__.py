"""`python -m benchmarks [--quick]`: run every benchmark and print one table line per benchmark."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence

# Importing the package first sets the offline environment that pricing needs.
from benchmarks import (
    aiperf_bench,
    caches_bench,
    explorer_bench,
    frontier_bench,
    portfolio_bench,
    probe_bench,
    projection_bench,
    quotes_bench,
    refresh_bench,
    report_bench,
    seed_bench,
    sessions_bench,
    shrink_bench,
    store_share_bench,
    team_bench,
    usage_bench,
)
from benchmarks.timing import Row, Table, format_table

# Each suite returns rows for the main table and, optionally, tables of its own, printed after it.
SUITES: list[tuple[str, Callable[[int, bool], Sequence[Row | Table]]]] = [
    ("frontier", frontier_bench.run),
    ("seed", seed_bench.run),
    ("explorer", explorer_bench.run),
    ("probe", probe_bench.run),
    ("aiperf", aiperf_bench.run),
    ("usage", usage_bench.run),
    ("projection", projection_bench.run),
    ("shrink", shrink_bench.run),
    ("report", report_bench.run),
    ("quotes", quotes_bench.run),
    ("portfolio", portfolio_bench.run),
    ("sessions", sessions_bench.run),
    ("share", store_share_bench.run),
    ("refresh", refresh_bench.run),
    ("team", team_bench.run),
    ("caches", caches_bench.run),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run, noisier figures)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per benchmark (default 7, quick 3)")
    parser.add_argument("--only", choices=[name for name, _ in SUITES], action="append", help="run only these")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    started = time.perf_counter()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"Frontier benchmarks: {repeats} repeats{' (quick)' if args.quick else ''}, "
        f"Python {platform.python_version()}, {cpus} CPUs (nproc), {platform.platform()}",
        flush=True,
    )
    rows: list[Row] = []
    tables: list[Table] = []
    for name, suite in SUITES:
        if args.only and name not in args.only:
            continue
        suite_started = time.perf_counter()
        print(f"running {name}...", file=sys.stderr, flush=True)
        for result in suite(repeats, args.quick):
            if isinstance(result, Table):
                tables.append(result)
            else:
                rows.append(result)
        print(f"  {name} done in {time.perf_counter() - suite_started:.1f} s", file=sys.stderr, flush=True)
    print()
    print(format_table(rows))
    for table in tables:
        print()
        print(table.format())
    print()
    print(
        "Times are wall-clock medians of interleaved repeats (min and repeats in brackets); "
        "ratio = median of the per-repeat ratios. "
        f"Total {time.perf_counter() - started:.0f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
