"""The Quotes page's loaders and its one write: sheets compared (cached by every input) and a sheet's terms saved."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pandas as pd
import streamlit as st

from pricing import service
from pricing.exports import usd_column_format
from pricing.planning import quotes as quote_planning
from pricing.quotes import QuoteComparison, SheetTerms
from pricing.store import resolve_db_path
from ui.common import MISSING, XLSX_MIME, after_write, get_store


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


def _usd(label: str) -> Any:
    return st.column_config.NumberColumn(label, format="dollar")


def _pct(label: str) -> Any:
    return st.column_config.NumberColumn(label, format="%.1f%%")


def _price(label: str, values: pd.Series | None = None) -> Any:
    """A price per 1M tokens: with a table's values, one number of decimals for the column, enough for its smallest
    price ($2.500 beside $0.075, not $2.5)."""
    return st.column_config.NumberColumn(label, format="$%.4g" if values is None else usd_column_format(values, 2))


PRICE_LABELS = {
    "usd_per_1m_input": "Input (USD/1M)",
    "usd_per_1m_output": "Output (USD/1M)",
    "usd_per_1m_cached_input": "Cached input (USD/1M)",
}


# Every column of the comparison's tables as a buyer reads it: words, units, dollars with separators.
QUOTE_COLUMNS: dict[str, Any] = {
    "workload": "Workload",
    "model_key": "Model",
    "sheet_name": "Sheet",
    "status": "Status",
    "tier_mode": "Tier mode",
    "valid_until": st.column_config.DateColumn("Valid until"),
    "workloads_quoted": st.column_config.NumberColumn("Workloads priced"),
    "usd": _usd("Spend over the horizon (USD)"),
    "usage_usd": _usd("Usage (USD)"),
    "gross_usd": _usd("Before tier discount (USD)"),
    "tier_discount_usd": _usd("Tier discount (USD)"),
    "list_usd": _usd("At list prices (USD)"),
    "saving_pct": _pct("Saving against list"),
    "committed_usd_per_month": _usd("Committed (USD/month)"),
    "months_below_commitment": st.column_config.NumberColumn("Months below commitment"),
    "commitment_shortfall_usd": _usd("Commitment shortfall (USD)"),
    "next_tier_usd_per_month": _usd("Next tier from (USD/month)"),
    "next_tier_discount_pct": _pct("Next tier's discount"),
    "next_tier_gap_usd_per_month": _usd("Spend short of the next tier (USD/month)"),
    **{column: _price(label) for column, label in PRICE_LABELS.items()},
    "discount_input_pct": _pct("Input discount"),
    "discount_output_pct": _pct("Output discount"),
    "discount_cached_pct": _pct("Cached discount"),
}


def quote_table(frame: pd.DataFrame, key: str) -> None:
    """One of the comparison's tables with readable headers and formats (a missing value shows empty, not 'None')."""
    shown = frame.copy()
    for column in shown.columns:
        if column == "valid_until":
            shown[column] = pd.to_datetime(shown[column], errors="coerce")
        elif column not in ("workload", "model_key", "sheet_name", "status", "tier_mode"):
            shown[column] = pd.to_numeric(shown[column], errors="coerce")
    shown = shown.dropna(axis="columns", how="all")  # a term no sheet states (say, an expiry) is no column of blanks
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={c: v for c, v in QUOTE_COLUMNS.items() if c in shown.columns}
        | {c: _price(label, shown[c]) for c, label in PRICE_LABELS.items() if c in shown.columns},
        placeholder=MISSING,
    )
