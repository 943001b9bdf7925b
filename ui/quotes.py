"""The Quotes page's loaders and its one write: sheets compared (cached by every input) and a sheet's terms saved."""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from pricing import service
from pricing.planning import quotes as quote_planning
from pricing.quotes import QuoteComparison, SheetTerms
from pricing.store import resolve_db_path
from ui.common import XLSX_MIME, after_write, get_store


def load_quotes(
    upload_id: str,
    models: tuple[tuple[str, str], ...],
    sheets: tuple[str, ...],
    months: int,
    monthly_growth: float | None,
) -> QuoteComparison:
    """The kept upload's usage priced under the list and each sheet, with the sheets' stored terms; growth None:
    the curve fitted to the usage, as Spend projections."""
    return _load_quotes(str(resolve_db_path()), upload_id, models, sheets, months, monthly_growth, dt.date.today())


@st.cache_data(show_spinner="Comparing quotes...", max_entries=16)
def _load_quotes(
    db_path: str,
    upload_id: str,
    models: tuple[tuple[str, str], ...],
    sheets: tuple[str, ...],
    months: int,
    monthly_growth: float | None,
    today: dt.date,
) -> QuoteComparison:
    del db_path  # a key only: results differ between database files
    store = get_store()
    return quote_planning.compare_projected(
        store,
        store.usage_monthly(upload_id),
        dict(models),
        list(sheets),
        horizon_months=months,
        today=today,
        monthly_growth=monthly_growth,
    )


def load_terms() -> dict[str, SheetTerms]:
    """Every sheet's stored terms."""
    return _load_terms(str(resolve_db_path()))


@st.cache_data(show_spinner=False)
def _load_terms(db_path: str) -> dict[str, SheetTerms]:
    del db_path
    return service.all_sheet_terms(get_store())


def save_terms(sheet_name: str, terms: SheetTerms) -> None:
    """Keep a sheet's terms and drop the cached loaders, so every page sees them."""
    service.save_sheet_terms(get_store(), sheet_name, terms)
    after_write()


def _report_file(kind: str, result: QuoteComparison, usage_name: str, today: dt.date) -> bytes:
    # fpdf2 and openpyxl load when a button is pressed, not when the page opens.
    from pricing.report.quotes_report import gather_quote_report, quotes_workbook, render_quote_pdf, spend_csv

    if kind == "csv":
        return spend_csv(result)
    report = gather_quote_report(get_store(), result, usage_name, today)
    return render_quote_pdf(report) if kind == "pdf" else quotes_workbook(report)


def quote_downloads(result: QuoteComparison, usage_name: str, key: str) -> None:
    """The comparison as PDF, as a workbook (a sheet per table, totals as formulas) and its spend table as CSV."""
    today = dt.date.today()
    base = f"quote-comparison-{today.isoformat()}"
    row = st.container(horizontal=True)
    for kind, label, mime in (
        ("pdf", "Download comparison (PDF)", "application/pdf"),
        ("xlsx", "Download comparison (XLSX)", XLSX_MIME),
        ("csv", "Download spend table (CSV)", "text/csv"),
    ):
        row.download_button(
            label,
            functools.partial(_report_file, kind, result, usage_name, today),
            f"{base}.{kind}",
            mime,
            key=f"{key}_{kind}",
        )
