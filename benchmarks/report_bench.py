"""Benchmark: the PDF procurement report for a 20-option, 36-month scenario, against its charts alone.

The scenario is the projection benchmark's (16 API options, 4 self-hosted, constant 6% growth from 2e9 output
tokens a month), with the Monte Carlo at 10,000 paths (2,000 with --quick), in a freshly seeded store.
Ours is `pricing.report.pdf.pdf_report`: gather every number through `pricing.planning.service` and
`pricing.service`, build the four Plotly figures with `pricing.report.charts`, export them to PNG with kaleido (one
Chromium for all four) and lay out the PDF with fpdf2. The baseline is the same four figures built and exported
alone from the same data (`report_figures` + `export_png`), so the ratio says what the report costs beyond its
charts. Timed
interleaved; each run starts its own Chromium, as a download from the app does. Size is the PDF in bytes.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from benchmarks.projection_bench import scenario as projection_scenario
from benchmarks.timing import Row, Table, fmt_seconds, measure_pair
from pricing.planning import service as planning
from pricing.report import document as report
from pricing.report.pdf import export_png, pdf_report, report_figures
from pricing.sources.seed import seed
from pricing.store import Store

TODAY = dt.date(2026, 11, 27)
PATHS_FULL = 10_000
PATHS_QUICK = 2_000


def run(repeats: int = 7, quick: bool = False) -> list[Row | Table]:
    """One row (report vs charts alone) and a table with the report's size and pages."""
    repeats = min(repeats, 3 if quick else 5)  # each run starts Chromium: seconds, not milliseconds
    n_paths = PATHS_QUICK if quick else PATHS_FULL
    with tempfile.TemporaryDirectory(prefix="frontier-bench-report-") as tmp:
        store = Store(Path(tmp) / "frontier.duckdb")
        seed(store)
        chosen = planning.Scenario(
            "Benchmark: 20 options", projection_scenario(), uncertainty=planning.Uncertainty(n_paths=n_paths)
        )
        data = report.gather(store, report.ReportRequest(chosen, "Benchmarks", today=TODAY))
        request = report.ReportRequest(chosen, "Benchmarks", today=TODAY)
        pdf = pdf_report(store, request)  # warm imports and Chromium's disk cache
        ours, charts = measure_pair(
            lambda: pdf_report(store, request),
            lambda: export_png(report_figures(data)),
            repeats,
        )
        pages = pdf.count(b"/Type /Page\n")
        store.close()
    notes = (
        f"{len(chosen.inputs.options)} options, 36 months, {n_paths:,} Monte Carlo paths; 4 charts at 2000x1120 px; "
        f"{len(pdf):,} bytes, {pages} pages"
    )
    row = Row("PDF report, 20 options", ours, "its 4 charts alone", charts, False, notes)
    table = Table(
        title="PDF report (20 options, 36 months)",
        header=("what", "median", "figure"),
        rows=(
            ("whole report (gather + charts + PDF)", fmt_seconds(ours.median), f"{len(pdf):,} bytes"),
            ("charts alone (build + kaleido PNG)", fmt_seconds(charts.median), "4 images"),
            ("report / charts", f"{ours.median / charts.median:.2f}x", f"{pages} pages"),
        ),
    )
    return [row, table]
