"""Table downloads: a DataFrame as CSV or XLSX bytes that a spreadsheet opens safely.

A string cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is neutralised with a
leading single quote (OWASP's CSV-injection guidance), so Excel, LibreOffice or Sheets never run it as a
formula. Numbers stay numbers: a negative number is not text and is left alone. No Streamlit here.
openpyxl is imported when a workbook is made: every page imports this module, few make a workbook.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The control characters XML 1.0 forbids, which openpyxl refuses to write (its `ILLEGAL_CHARACTERS_RE`).
XLSX_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
MAX_SHEET_NAME = 31  # Excel's limit
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def fmt_date(value: object) -> str:
    """A date for display and exports (YYYY-MM-DD), or 'undated'."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "undated"
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def _significant(number: float, digits: int) -> tuple[float, int]:
    """`number` rounded to `digits` significant digits, and how many decimals that leaves (never negative)."""
    if number == 0 or not math.isfinite(number):
        return number, 0
    magnitude = math.floor(math.log10(abs(number)))
    decimals = digits - 1 - magnitude
    rounded = round(number, decimals)
    return rounded, max(decimals, 0)


def fmt_number(value: object, digits: int = 3, unit: str = "") -> str:
    """A number for people: `digits` significant digits, thousands separators, never scientific notation
    (680,000,000; 1,234; 0.00123), with `unit` after it; 'n/a' when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    rounded, decimals = _significant(float(value), digits)  # type: ignore[arg-type]
    text = f"{rounded:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def fmt_usd(value: object, digits: int = 4) -> str:
    """A USD amount for display: whole dollars with thousands separators from $100, else `digits` significant
    digits ($12.35, $0.0001234), never scientific notation; 'n/a' when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    number = float(value)  # type: ignore[arg-type]
    sign = "-" if number < 0 else ""
    if number == 0:
        return "$0"
    if abs(number) >= 100:
        return f"{sign}${abs(number):,.0f}"
    return f"{sign}${fmt_number(abs(number), digits)}"


def neutralise(value: object) -> object:
    """A string that a spreadsheet would read as a formula, quoted; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (headers and index included) neutralised; numeric columns untouched."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(neutralise)
    return out


def to_csv_bytes(frame: pd.DataFrame, index: bool = False) -> bytes:
    """UTF-8 CSV (with a BOM so Excel reads non-Latin names) of a neutralised copy of the frame.

    CRLF line ends (RFC 4180) also make the csv writer quote any cell holding a bare carriage return.
    """
    return safe_frame(frame).to_csv(index=index, lineterminator="\r\n").encode("utf-8-sig")


def _cell(value: object) -> object:
    """A value openpyxl can write: numbers and text as they are, missing as empty, dates as dates."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()  # numpy scalars
    if isinstance(value, str):
        return XLSX_ILLEGAL_CHARACTERS.sub("", str(neutralise(value)))
    if isinstance(value, int | float | bool):
        return value
    if isinstance(value, list | tuple | dict | set):
        return str(neutralise(str(value)))
    return value if hasattr(value, "isoformat") else str(neutralise(str(value)))


def sheet_title(name: str) -> str:
    """A valid worksheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = _SHEET_FORBIDDEN.sub("_", name).strip("'") or "Sheet1"
    return cleaned[:MAX_SHEET_NAME]


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "Sheet1", index: bool = False) -> bytes:
    """An XLSX workbook of one sheet: text neutralised and written as text, numbers as numbers."""
    from openpyxl import Workbook

    table = frame.reset_index() if index else frame
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = sheet_title(sheet_name)
    sheet.append([_cell(str(column)) for column in table.columns])
    for row in table.itertuples(index=False, name=None):
        sheet.append([_cell(value) for value in row])
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never "f": text is text even if it looked like a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
