"""The report's charts: the same Plotly builders the app shows (`pricing.report.charts`), exported to PNG with
kaleido (system Chromium), handed to `pricing.report.document` for layout. No Streamlit here, so the CLI uses it.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import kaleido
import pandas as pd
import plotly.graph_objects as go

from pricing.report.charts import (
    cumulative_figure,
    frontier_figure,
    portfolio_floor_figure,
    portfolio_spend_figure,
    spend_figure,
    tornado_figure,
)
from pricing.report.document import (
    PortfolioSection,
    ReportData,
    ReportImages,
    ReportRequest,
    build_report,
    gather,
    render_pdf,
    render_portfolio_pdf,
    summary_table,
)
from pricing.store import Store

WIDTH_PX = 1000
HEIGHT_PX = 560
SCALE = 2  # 2000 x 1120 px images: sharp at A4 width when printed


@contextmanager
def kaleido_server() -> Iterator[None]:
    """Keep one Chromium open for several exports (one start instead of one per chart)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = not kaleido._global_server.is_running()  # no public "is running" accessor
        if started:
            kaleido.start_sync_server(silence_warnings=True)
        try:
            yield
        finally:
            if started:
                kaleido.stop_sync_server(silence_warnings=True)


def report_figures(data: ReportData) -> dict[str, go.Figure]:
    """The charts of a report, built exactly as the pages build them."""
    result = data.outcome.result
    frontier = data.frontier
    figures = {
        "frontier": frontier_figure(frontier.candidates, frontier.metric, frontier.cost_metric, height=HEIGHT_PX),
        "spend": spend_figure(
            result.monthly_usd, data.bands, "Monthly spend (line: expected; band: P10-P90 of the Monte Carlo)"
        ),
        "cumulative": cumulative_figure(result.cumulative_usd, data.outcome.break_even),
    }
    if data.sensitivity is not None:
        figures["tornado"] = tornado_figure(data.sensitivity, data.sensitivity_title, data.horizon_months)
    if data.portfolio is not None:
        figures |= portfolio_figures(data.portfolio)
    return figures


def portfolio_figures(section: PortfolioSection) -> dict[str, go.Figure]:
    """The portfolio's charts: spend per month, and cost against a moving floor when a curve is given."""
    figures: dict[str, go.Figure] = {}
    if section.result.spend_by_month:
        figures["portfolio_spend"] = portfolio_spend_figure(
            section.result.spend_by_month,
            f"Portfolio spend per month over {section.months} months, by option",
            by_option=section.result.spend_by_option,
        )
    if section.floor_curve is not None and section.curve_workload is not None:
        workload = next(w for w in section.workloads if w.name == section.curve_workload)
        figures["portfolio_curve"] = portfolio_floor_figure(
            section.floor_curve,
            section.curve_workload,
            section.metric_labels.get(section.curve_workload, "quality"),
            section.months,
            current_floor=workload.quality_floor,
        )
    return figures


def export_png(figures: dict[str, go.Figure]) -> dict[str, bytes]:
    """PNG bytes of each figure at the report's size."""
    with kaleido_server(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plotly warns that kaleido options are ignored by a running server
        return {
            name: fig.to_image(format="png", width=WIDTH_PX, height=HEIGHT_PX, scale=SCALE)
            for name, fig in figures.items()
        }


def render_images(data: ReportData) -> ReportImages:
    """The report's charts as images."""
    images = export_png(report_figures(data))
    return ReportImages(
        frontier=images.get("frontier"),
        spend=images.get("spend"),
        cumulative=images.get("cumulative"),
        tornado=images.get("tornado"),
        portfolio_curve=images.get("portfolio_curve"),
        portfolio_spend=images.get("portfolio_spend"),
    )


def portfolio_images(section: PortfolioSection) -> ReportImages:
    """The portfolio's charts as images, for the standalone portfolio report."""
    images = export_png(portfolio_figures(section))
    return ReportImages(portfolio_curve=images.get("portfolio_curve"), portfolio_spend=images.get("portfolio_spend"))


def pdf_report(store: Store, request: ReportRequest) -> bytes:
    """The full PDF report a request asks for, charts included."""
    return build_report(store, request, render_images)


def pdf_report_and_summary(store: Store, request: ReportRequest) -> tuple[bytes, pd.DataFrame]:
    """The full PDF report and its one-page summary table (for the CSV), from one gathering of the numbers."""
    data = gather(store, request)
    return render_pdf(data, render_images(data)), summary_table(data)


def portfolio_pdf(section: PortfolioSection, prepared_for: str = "", today: dt.date | None = None) -> bytes:
    """The standalone portfolio report (no saved scenario needed), charts included."""
    return render_portfolio_pdf(section, prepared_for, today, portfolio_images(section))
