"""The quote comparison as procurement sends it: a PDF, a workbook a buyer can work in, and the spend table as CSV.

Everything here lays out a `pricing.quotes.QuoteComparison` (priced by `pricing.planning.quotes`) and the price
sheets' own rows (source, file, dates) for the sheets compared, nothing else: the figures are the comparison's, to
the cent, and the sources are only the sheets behind them. The PDF uses the scenario report's fpdf primitives
(`pricing.report.document`), so both read alike; it has no charts, so it needs neither kaleido nor Chromium.
openpyxl is imported when a workbook is made.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pricing.exports import fmt_date, fmt_usd, neutralise, sheet_title, to_csv_bytes
from pricing.quotes import EXPIRED, NO_TERMS, QuoteComparison, SheetTerms
from pricing.report.document import MISSING, _heading, _new_pdf, _para, _subheading, _table, usd
from pricing.store import Store

CREATOR = "Frontier (quote comparison)"
USD_FORMAT = '"$"#,##0.00'
PRICE_FORMAT = '"$"#,##0.00##'
PCT_FORMAT = '0.0"%"'


@dataclass(frozen=True)
class QuoteReport:
    """What the quote PDF and workbook show: the comparison, the usage it priced, the sheets' sources, the date."""

    comparison: QuoteComparison
    usage_name: str
    sources: pd.DataFrame  # sheet_name, kind, source, file_name, as_of, first_effective, last_effective
    today: dt.date
    prepared_for: str = ""


def gather_quote_report(
    store: Store, comparison: QuoteComparison, usage_name: str, today: dt.date, prepared_for: str = ""
) -> QuoteReport:
    """The comparison with the stored rows of only the sheets it compared (their source, file and dates)."""
    names = list(comparison.sheets["sheet_name"])
    sheets = store.price_sheets()
    sources = sheets[sheets["sheet_name"].isin(names)].copy()
    sources["order"] = sources["sheet_name"].map({name: i for i, name in enumerate(names)})
    columns = ["sheet_name", "kind", "source", "file_name", "as_of", "first_effective", "last_effective"]
    return QuoteReport(comparison, usage_name, sources.sort_values("order")[columns], today, prepared_for)


def _pct(value: object) -> str:
    """A discount or saving in percent with one decimal ("12.5%", "-3.0%" for dearer than list)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{float(value):.1f}%"  # type: ignore[arg-type]


def _status(row: pd.Series) -> str:
    if row["status"] == EXPIRED:
        return f"EXPIRED on {fmt_date(row['valid_until'])}"
    return "list prices" if row["is_list"] and row["status"] == NO_TERMS else str(row["status"])


def list_name(comparison: QuoteComparison) -> str:
    """The sheet the others are compared against."""
    return str(comparison.sheets.loc[comparison.sheets["is_list"], "sheet_name"].iloc[0])


def sheet_rows(comparison: QuoteComparison) -> list[list[str]]:
    """Per sheet: status, spend over the horizon, against the list, commitment shortfall, workloads quoted."""
    listed = float(comparison.sheets.loc[comparison.sheets["is_list"], "usd"].iloc[0])
    rows = []
    for _, row in comparison.sheets.iterrows():
        against = (1 - float(row["usd"]) / listed) * 100 if listed > 0 else math.nan
        rows.append(
            [
                str(row["sheet_name"]),
                _status(row),
                usd(row["usd"]),
                "list" if row["is_list"] else _pct(against),
                usd(row["commitment_shortfall_usd"]) if row["commitment_shortfall_usd"] > 0 else "none",
                f"{int(row['workloads_quoted']):,}",
            ]
        )
    return rows


def summary_text(report: QuoteReport) -> str:
    """The comparison in a few sentences: horizon, growth, the cheapest valid sheet per workload and its saving."""
    c = report.comparison
    workloads = c.cheapest.to_dict("records")
    parts = [
        f"The usage in {report.usage_name} is priced under {len(c.sheets)} price sheets over {c.horizon_months} "
        f"months: {list_name(c)} (the list) and {len(c.sheets) - 1} quote(s). Volumes start from each workload's "
        f"latest month; growth: {c.growth_label}. Amounts are US dollars, before tax."
    ]
    for row in workloads:
        if row["sheet_name"] == list_name(c):
            parts.append(f"For {row['workload']} ({row['model_key']}) no quote beats the list ({usd(row['usd'])}).")
        else:
            parts.append(
                f"For {row['workload']} ({row['model_key']}) the cheapest valid sheet is {row['sheet_name']}: "
                f"{usd(row['usd'])} against {usd(row['list_usd'])} at list, {_pct(row['saving_pct'])} less."
            )
    expired = [str(n) for n in c.sheets.loc[c.sheets["status"] == EXPIRED, "sheet_name"]]
    if expired:
        parts.append(f"Expired and left out of the cheapest: {', '.join(expired)}; ask for a new quote.")
    return " ".join(parts)


def price_rows(comparison: QuoteComparison) -> list[list[str]]:
    """Per model used by a workload and per sheet quoting it: prices per 1M tokens and discounts against list."""
    used = set(comparison.spend["model_key"])
    models = comparison.models[comparison.models["model_key"].isin(used)].dropna(subset=["usd_per_1m_input"])
    return [
        [
            str(row["model_key"]),
            str(row["sheet_name"]),
            fmt_usd(row["usd_per_1m_input"]),
            fmt_usd(row["usd_per_1m_output"]),
            fmt_usd(row["usd_per_1m_cached_input"]),
            _pct(row["discount_input_pct"]),
            _pct(row["discount_output_pct"]),
            _pct(row["discount_cached_pct"]),
        ]
        for _, row in models.sort_values(["model_key"], kind="stable").iterrows()
    ]


def spend_rows(comparison: QuoteComparison) -> list[list[str]]:
    """Per workload and sheet: spend before tiers, the tiers' discount, spend, and the cheapest valid one marked."""
    cheapest = {(r["workload"], r["sheet_name"]) for r in comparison.cheapest.to_dict("records")}
    return [
        [
            str(row["workload"]),
            str(row["model_key"]),
            str(row["sheet_name"]),
            usd(row["gross_usd"]),
            usd(row["tier_discount_usd"]),
            usd(row["usd"]),
            "cheapest" if (row["workload"], row["sheet_name"]) in cheapest else "",
        ]
        for _, row in comparison.spend.sort_values("workload", kind="stable").iterrows()
    ]


def _tiers_text(terms: SheetTerms) -> str:
    if not terms.tiers:
        return "none"
    bands = sorted(terms.tiers, key=lambda tier: tier.min_usd_per_month)
    listed = "; ".join(f"{t.discount_pct:g}% from {usd(t.min_usd_per_month)} a month" for t in bands)
    how = "on the whole month" if terms.tier_mode == "all-units" else "on each band of spend above its threshold"
    return f"{listed} ({terms.tier_mode}: the discount applies {how})"


def terms_rows(comparison: QuoteComparison, sheet_name: str) -> list[list[str]]:
    """One sheet's terms in words, with its standing under the usage (expired, shortfall, next tier)."""
    terms = comparison.terms.get(sheet_name)
    row = comparison.sheets.set_index("sheet_name").loc[sheet_name]
    if terms is None:
        return [["Terms", "none entered"]]
    if terms.valid_from and terms.valid_until:
        valid = f"{fmt_date(terms.valid_from)} to {fmt_date(terms.valid_until)}"
    elif terms.valid_until or terms.valid_from:
        valid = f"until {fmt_date(terms.valid_until)}" if terms.valid_until else f"from {fmt_date(terms.valid_from)}"
    else:
        valid = "not stated"
    commitment = "none"
    if terms.committed_usd_per_month is not None:
        commitment = f"{usd(terms.committed_usd_per_month)} a month"
        if row["commitment_shortfall_usd"] > 0:
            commitment += (
                f"; the usage stays below it in {int(row['months_below_commitment'])} month(s): shortfall "
                f"{usd(row['commitment_shortfall_usd'])} over the horizon, paid for nothing"
            )
        else:
            commitment += "; the usage reaches it every month"
    rows = [
        ["Validity", valid],
        ["Status", _status(row)],
        ["Volume tiers", _tiers_text(terms)],
    ]
    if not math.isnan(row["next_tier_usd_per_month"]):
        rows.append(
            [
                "Next tier",
                f"{row['next_tier_discount_pct']:g}% from {usd(row['next_tier_usd_per_month'])} a month: the first "
                f"month is {usd(row['next_tier_gap_usd_per_month'])} short of it",
            ]
        )
    limits = [
        f"{terms.requests_per_minute:,} requests a minute" if terms.requests_per_minute else "",
        f"{terms.tokens_per_minute:,} tokens a minute" if terms.tokens_per_minute else "",
    ]
    sla = [
        f"{terms.uptime_pct:g}% uptime" if terms.uptime_pct is not None else "",
        f"{terms.support_tier} support" if terms.support_tier else "",
    ]
    rows += [
        ["Committed spend", commitment],
        ["Rate limits", ", ".join(part for part in limits if part) or "not stated"],
        ["SLA", ", ".join(part for part in sla if part) or "not stated"],
        ["Data retention", terms.data_retention or "not stated"],
        ["Data residency", terms.residency or "not stated"],
        ["Notes", terms.notes or "none"],
    ]
    return rows


def source_rows(report: QuoteReport) -> list[list[str]]:
    """Each compared sheet's source, file and dates."""
    rows = []
    for _, row in report.sources.iterrows():
        effective = fmt_date(row["first_effective"])
        if fmt_date(row["last_effective"]) != effective:
            effective += f" to {fmt_date(row['last_effective'])}"
        file_name = row["file_name"] if isinstance(row["file_name"], str) and row["file_name"] else "bundled"
        rows.append([str(row["sheet_name"]), str(row["source"]), file_name, effective, fmt_date(row["as_of"])])
    return rows


def render_quote_pdf(report: QuoteReport) -> bytes:
    """The comparison as a PDF: cover and summary, prices, spend, terms per sheet, notes, sources; deterministic."""
    c = report.comparison
    pdf = _new_pdf("Frontier quote comparison", report.today, creator=CREATOR)
    # A compact head, not the scenario report's cover: the summary and its table share the first page.
    pdf.add_page()
    _heading(pdf, "Vendor quote comparison", 20)
    _heading(pdf, f"{len(c.sheets) - 1} quote(s) against {list_name(c)}", 13)
    _para(
        pdf,
        f"Date: {report.today.isoformat()} · prepared for: {report.prepared_for.strip() or 'not stated'}\n"
        f"Usage: {report.usage_name} · horizon: {c.horizon_months} months · amounts in USD",
        10.5,
    )
    pdf.ln(2)
    _heading(pdf, "Summary", 13)
    _para(pdf, summary_text(report), 10)
    _subheading(pdf, f"Spend over {c.horizon_months} months per sheet")
    _table(
        pdf,
        ["Sheet", "Status", "Spend (USD)", "Below list", "Commitment shortfall", "Workloads quoted"],
        sheet_rows(c),
        widths=(52, 40, 26, 20, 30, 22),
        size=8,
        align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    _para(
        pdf,
        "Spend is usage at the sheet's prices after its volume tiers, plus any commitment shortfall. Expired and "
        "not-yet-valid quotes are shown but never marked cheapest.",
        8.5,
    )
    _subheading(pdf, "1. Prices per 1M tokens and discount against the list", 40)
    _table(
        pdf,
        ["Model", "Sheet", "Input", "Output", "Cached input", "Input disc.", "Output disc.", "Cached disc."],
        price_rows(c),
        widths=(36, 38, 18, 18, 20, 20, 20, 20),
        size=7.5,
        align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    _para(
        pdf,
        "Prices in USD per 1M tokens as each sheet states them today; a sheet without a cached-input price bills "
        "cached tokens as input. A negative discount is dearer than the list.",
        8.5,
    )
    _subheading(pdf, f"2. Projected spend per workload and sheet over {c.horizon_months} months", 40)
    _table(
        pdf,
        ["Workload", "Model", "Sheet", "Before tiers", "Tier discount", "Spend (USD)", "Cheapest"],
        spend_rows(c),
        widths=(30, 34, 40, 22, 22, 24, 18),
        size=7.5,
        align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
    )
    _para(pdf, f"Volumes: each workload's latest month, then growth: {c.growth_label}.", 8.5)
    _subheading(pdf, "3. Terms per sheet", 50)
    for name in c.sheets["sheet_name"]:
        if str(name) == list_name(c) and c.terms.get(str(name)) is None:
            continue
        _subheading(pdf, str(name), 45)
        _table(pdf, ["Term", "Value"], terms_rows(c, str(name)), widths=(40, 150), size=8)
    if c.notes:
        _subheading(pdf, "4. Notes", 30)
        for note in c.notes:
            _para(pdf, f"• {note}", 9)
    _subheading(pdf, f"{5 if c.notes else 4}. Sources", 35)
    _para(pdf, "The price sheets behind every figure in this report, and nothing else.", 9)
    _table(
        pdf,
        ["Sheet", "Source", "File", "Prices effective", "Loaded as of"],
        source_rows(report),
        widths=(44, 56, 36, 32, 22),
        size=8,
    )
    return bytes(pdf.output())


def spend_table(comparison: QuoteComparison) -> pd.DataFrame:
    """The spend table with readable headers, for CSV: one row per workload and sheet."""
    cheapest = {(r["workload"], r["sheet_name"]) for r in comparison.cheapest.to_dict("records")}
    frame = comparison.spend.copy()
    frame["cheapest"] = [(w, s) in cheapest for w, s in zip(frame["workload"], frame["sheet_name"], strict=True)]
    frame.insert(0, "horizon_months", comparison.horizon_months)
    return frame.rename(
        columns={
            "workload": "Workload",
            "model_key": "Model",
            "sheet_name": "Sheet",
            "gross_usd": "Spend before tiers (USD)",
            "tier_discount_usd": "Tier discount (USD)",
            "usd": "Spend (USD)",
            "cheapest": "Cheapest valid",
            "horizon_months": "Horizon (months)",
        }
    )


def spend_csv(comparison: QuoteComparison) -> bytes:
    """The spend table as UTF-8 CSV."""
    return to_csv_bytes(spend_table(comparison))


def quotes_workbook(report: QuoteReport) -> bytes:
    """An XLSX a buyer can work in: one sheet per table, bold headers, dollar cells, totals as formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    c = report.comparison
    book = Workbook()
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")

    def new_sheet(title: str, headers: Sequence[str], widths: Sequence[float]) -> Worksheet:
        sheet = book.create_sheet(sheet_title(title))
        sheet.append([neutralise(header) for header in headers])
        for position, (cell, width) in enumerate(zip(sheet[1], widths, strict=True), start=1):
            cell.font = header_font
            cell.fill = header_fill
            sheet.column_dimensions[get_column_letter(position)].width = width
        sheet.freeze_panes = "A2"
        return sheet

    def text(value: object) -> object:
        return neutralise(str(value)) if value is not None else None  # a name is never run as a formula

    def number(value: object) -> float | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return float(value)  # type: ignore[arg-type]

    # Spend: workloads down, sheets across, a SUM per sheet column: a buyer can change a cell and see the total.
    names = [str(n) for n in c.sheets["sheet_name"]]
    spend = new_sheet("Spend", ["Workload", "Model", *names], [24, 28, *[18] * len(names)])
    pivot = c.spend.pivot_table(index=["workload", "model_key"], columns="sheet_name", values="usd", aggfunc="sum")
    for (workload, model_key), values in pivot.iterrows():
        spend.append([text(workload), text(model_key), *[number(values.get(name, math.nan)) for name in names]])
    last = spend.max_row
    total_row = ["Total", None]
    for position in range(3, 3 + len(names)):
        letter = get_column_letter(position)
        total_row.append(f"=SUM({letter}2:{letter}{last})")
    spend.append(total_row)
    spend.cell(spend.max_row, 1).font = Font(bold=True)
    for row in spend.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = USD_FORMAT

    detail = new_sheet(
        "Spend detail",
        ["Workload", "Model", "Sheet", "Before tiers (USD)", "Tier discount (USD)", "Spend (USD)", "Cheapest valid"],
        [24, 28, 28, 18, 18, 18, 14],
    )
    cheapest = {(r["workload"], r["sheet_name"]) for r in c.cheapest.to_dict("records")}
    for _, row in c.spend.iterrows():
        line = detail.max_row + 1
        detail.append(
            [
                text(row["workload"]),
                text(row["model_key"]),
                text(row["sheet_name"]),
                number(row["gross_usd"]),
                number(row["tier_discount_usd"]),
                f"=D{line}-E{line}",  # spend = before tiers - discount: change either and it follows
                "yes" if (row["workload"], row["sheet_name"]) in cheapest else "",
            ]
        )
    for row in detail.iter_rows(min_row=2, min_col=4, max_col=6):
        for cell in row:
            cell.number_format = USD_FORMAT

    sheets = new_sheet(
        "Sheets",
        ["Sheet", "Status", "Usage (USD)", "Commitment shortfall (USD)", "Spend (USD)", "Tier mode", "Valid until"],
        [28, 26, 18, 24, 18, 12, 14],
    )
    for _, row in c.sheets.iterrows():
        line = sheets.max_row + 1
        sheets.append(
            [
                text(row["sheet_name"]),
                _status(row),
                number(row["usage_usd"]),
                number(row["commitment_shortfall_usd"]),
                f"=C{line}+D{line}",
                text(row["tier_mode"]),
                row["valid_until"] if isinstance(row["valid_until"], dt.date) else None,
            ]
        )
    for row in sheets.iter_rows(min_row=2, min_col=3, max_col=5):
        for cell in row:
            cell.number_format = USD_FORMAT
    for row in sheets.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"

    prices = new_sheet(
        "Prices per 1M tokens",
        ["Model", "Sheet", "Input (USD)", "Output (USD)", "Cached input (USD)", "Input disc. %", "Output disc. %"]
        + ["Cached disc. %"],
        [28, 28, 14, 14, 18, 14, 14, 14],
    )
    used = set(c.spend["model_key"])
    for _, row in c.models[c.models["model_key"].isin(used)].dropna(subset=["usd_per_1m_input"]).iterrows():
        prices.append(
            [
                text(row["model_key"]),
                text(row["sheet_name"]),
                *[number(row[k]) for k in ("usd_per_1m_input", "usd_per_1m_output", "usd_per_1m_cached_input")],
                *[number(row[k]) for k in ("discount_input_pct", "discount_output_pct", "discount_cached_pct")],
            ]
        )
    for row in prices.iter_rows(min_row=2, min_col=3, max_col=8):
        for cell in row:
            cell.number_format = PRICE_FORMAT if cell.column <= 5 else PCT_FORMAT

    terms = new_sheet("Terms", ["Sheet", "Term", "Value"], [28, 20, 90])
    for name in names:
        for term, value in terms_rows(c, name):
            terms.append([text(name), term, text(value)])
    sources = new_sheet(
        "Sources", ["Sheet", "Source", "File", "Prices effective", "Loaded as of"], [28, 40, 24, 24, 14]
    )
    for row_values in source_rows(report):
        sources.append([text(value) for value in row_values])

    default = book["Sheet"]
    book.remove(default)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and not cell.value.startswith("="):
                    cell.data_type = "s"  # text is neutralised above, so only this module's totals start with =
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
