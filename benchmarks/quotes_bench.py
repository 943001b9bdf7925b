"""Benchmark: the two-quote, 36-month comparison report against the single-scenario report, as a ratio.

Ours is what `python -m pricing quotes --pdf` does after reading its files: price a 12-month, 3-workload usage
history under the list and two negotiated sheets with terms (volumes on the fitted growth curve, tiers and a
commitment) through `pricing.planning.quotes.compare_projected`, gather the sheets' sources and lay out the PDF
with `pricing.report.quotes_report`. The baseline is the scenario report `pricing.report.document.build_report`
for the projection benchmark's 20-option, 36-month scenario (Monte Carlo at 10,000 paths, 2,000 with --quick),
without its charts, so neither side pays for kaleido. Timed interleaved in a freshly seeded store.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.projection_bench import scenario as projection_scenario
from benchmarks.timing import Row, Table, fmt_seconds, measure_pair
from pricing import service
from pricing.planning import service as planning
from pricing.planning.quotes import compare_projected
from pricing.quotes import SheetTerms, Tier
from pricing.report.document import build_report
from pricing.report.quotes_report import gather_quote_report, render_quote_pdf
from pricing.report.request import ReportRequest
from pricing.sources.seed import seed
from pricing.store import Store

TODAY = dt.date(2026, 11, 27)
PATHS_FULL = 10_000
PATHS_QUICK = 2_000
SHEETS = {
    "Vendor A": b"model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date\n"
    b"gpt-4o,2.0,8.0,1.0,2026-01-01\ngpt-4o-mini,0.12,0.5,0.06,2026-01-01\n",
    "Vendor B": b"model,usd_per_1m_input,usd_per_1m_output,effective_date\n"
    b"gpt-4o,2.25,9.0,2026-01-01\ngpt-4o-mini,0.1,0.4,2026-01-01\n",
}
TERMS = {
    "Vendor A": SheetTerms(
        valid_until=dt.date(2028, 6, 30), committed_usd_per_month=50_000.0, tiers=(Tier(20_000.0, 5.0),)
    ),
    "Vendor B": SheetTerms(tiers=(Tier(5_000.0, 10.0), Tier(20_000.0, 20.0)), tier_mode="graduated"),
}
MODELS = {"support": "gpt-4o", "search": "gpt-4o-mini", "batch": "gpt-4o-mini"}


def usage() -> pd.DataFrame:
    """12 months of 3 workloads growing 8% a month from 1e9 output tokens (3x input, a fifth cached)."""
    rows = []
    for m in range(12):
        for i, workload in enumerate(MODELS):
            output = 1e9 * (i + 1) * 1.08**m
            rows.append(
                {
                    "month": dt.date(2025 + (m + 11) // 12, (m + 11) % 12 + 1, 1),
                    "workload": workload,
                    "requests": output / 500,
                    "input_tokens": 3 * output,
                    "output_tokens": output,
                    "cached_input_tokens": 0.6 * output,
                }
            )
    return pd.DataFrame(rows)


def run(repeats: int = 7, quick: bool = False) -> list[Row | Table]:
    """One row (quote report vs scenario report) and a table with both reports' sizes and pages."""
    repeats = min(repeats, 3 if quick else 5)
    n_paths = PATHS_QUICK if quick else PATHS_FULL
    monthly = usage()
    with tempfile.TemporaryDirectory(prefix="frontier-bench-quotes-") as tmp:
        store = Store(Path(tmp) / "frontier.duckdb")
        seed(store)
        for name, content in SHEETS.items():
            service.upload_price_sheet(store, name, f"{name[-1].lower()}.csv", content, TODAY)
            service.save_sheet_terms(store, name, TERMS[name])
        chosen = planning.Scenario(
            "Benchmark: 20 options", projection_scenario(), uncertainty=planning.Uncertainty(n_paths=n_paths)
        )
        request = ReportRequest(chosen, "Benchmarks", today=TODAY)

        def quotes_pdf() -> bytes:
            result = compare_projected(store, monthly, MODELS, list(SHEETS), horizon_months=36, today=TODAY)
            return render_quote_pdf(gather_quote_report(store, result, "usage.csv", TODAY))

        ours_pdf, scenario_pdf = quotes_pdf(), build_report(store, request)  # warm imports and caches
        ours, baseline = measure_pair(quotes_pdf, lambda: build_report(store, request), repeats)
        store.close()
    ours_pages, scenario_pages = ours_pdf.count(b"/Type /Page\n"), scenario_pdf.count(b"/Type /Page\n")
    notes = (
        f"2 quotes + list, 3 workloads, 36 months, fitted growth; {len(ours_pdf):,} bytes, {ours_pages} pages; "
        f"scenario report without charts, {n_paths:,} paths: {len(scenario_pdf):,} bytes, {scenario_pages} pages"
    )
    row = Row("Quote comparison PDF, 2 quotes", ours, "scenario report (no charts)", baseline, False, notes)
    table = Table(
        title="Quote comparison PDF (2 quotes, 36 months)",
        header=("what", "median", "figure"),
        rows=(
            ("quote comparison (price + gather + PDF)", fmt_seconds(ours.median), f"{ours_pages} pages"),
            ("scenario report, no charts (build_report)", fmt_seconds(baseline.median), f"{scenario_pages} pages"),
            ("quotes / scenario", f"{ours.median / baseline.median:.2f}x", ""),
        ),
    )
    return [row, table]
