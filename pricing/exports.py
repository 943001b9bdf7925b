"""Table downloads: a DataFrame as CSV or XLSX bytes that a spreadsheet opens safely, and the number formats
people read (dollars, thousands separators, never scientific notation).

CSV keeps the column names and full values, for programs; XLSX is for people: headers in words, dates as date
cells, dollars, percentages and numbers shown rounded (the cell keeps its full value).

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


def fmt_tokens(tokens: float) -> str:
    """A token count for people: three significant digits with k, M, B or T (35.6B, 1.2M, 850)."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if tokens >= size:
            return f"{tokens / size:,.3g}{suffix}"
    return f"{tokens:,.0f}"


def fmt_usd(value: object, digits: int = 4) -> str:
    """A USD amount for display: whole dollars with thousands separators from $100, else `digits` significant
    digits ($12.35, $1.90, $0.0001234), never scientific notation; 'n/a' when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    number = float(value)  # type: ignore[arg-type]
    sign = "-" if number < 0 else ""
    if number == 0:
        return "$0"
    if abs(number) >= 100:
        return f"{sign}${abs(number):,.0f}"
    text = fmt_number(abs(number), digits)
    if "." in text and len(text.split(".")[1]) == 1:
        text += "0"  # cents: $1.90, not $1.9
    return f"{sign}${text}"


def usd_column_format(values: object, digits: int = 3) -> str:
    """A printf format for a table column of dollar amounts: thousands separators and enough decimals for the
    smallest amount to show `digits` significant digits (a task costing $0.00000275 shows so, never as 2.75e-06)."""
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").abs()
    positive = numbers[numbers > 0]
    smallest = float(positive.min()) if not positive.empty else 1.0
    decimals = min(max(digits - 1 - math.floor(math.log10(smallest)), 2), 10)
    return f"$%,.{decimals}f"


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
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones
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
    """A valid worksheet name in words: no []:*?/\\, underscores as spaces, at most 31 characters, cut at a word's
    end (a single word longer than that is cut at 31)."""
    cleaned = " ".join(_SHEET_FORBIDDEN.sub(" ", name).replace("_", " ").split()).strip("'") or "Sheet1"
    if len(cleaned) <= MAX_SHEET_NAME:
        return cleaned
    cut = cleaned[: MAX_SHEET_NAME + 1].rsplit(" ", 1)[0]
    return cut if cut and len(cut) <= MAX_SHEET_NAME else cleaned[:MAX_SHEET_NAME]


# Words a snake_case column name spells differently in a header; units at the end go in brackets.
_HEADER_WORDS = {
    "usd": "USD", "1m": "1M", "1k": "1K", "id": "ID", "ttft": "TTFT", "itl": "ITL", "e2e": "E2E", "api": "API",
    "gpu": "GPU", "gpus": "GPUs", "kwh": "kWh", "pue": "PUE", "llm": "LLM", "tco": "TCO", "p10": "P10",
    "p50": "P50", "p90": "P90", "p99": "P99", "ms": "ms", "s": "second", "tp": "TP", "kv": "KV", "url": "URL",
    "prob": "probability",
}  # fmt: skip
_HEADER_UNITS = {"usd": "USD", "ms": "ms", "gb": "GB", "kw": "kW", "pct": "%"}


def readable_header(column: object) -> str:
    """A column's header for a person: 'usd_per_1m_input' -> 'USD per 1M input', 'ttft_ms' -> 'TTFT (ms)',
    'cost_usd' -> 'Cost (USD)'; a name that is not snake_case is kept as it is."""
    text = str(column)
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", text):
        return text
    words = text.split("_")
    unit = _HEADER_UNITS.get(words[-1]) if len(words) > 1 else None
    if unit is not None:
        words = words[:-1]
    phrase = " ".join(_HEADER_WORDS.get(word, word) for word in words)
    phrase = phrase[:1].upper() + phrase[1:]
    return f"{phrase} ({unit})" if unit else phrase


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_USD_WORDS = re.compile(r"(^|[^a-z])usd([^a-z]|$)|\$", re.IGNORECASE)
_SHARE_WORDS = re.compile(r"share|prob|rate$|utilisation|pass rate", re.IGNORECASE)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _as_dates(values: pd.Series) -> pd.Series | None:
    """A text column of ISO dates ('2026-09-08', 'undated' or empty for none) as dates; None if it is not one."""
    text = values.dropna().map(str)
    text = text[~text.isin(["", "undated", "n/a"])]
    if text.empty or not text.map(lambda v: bool(_ISO_DATE.fullmatch(v))).all():
        return None
    return values.map(lambda v: dt.date.fromisoformat(v) if isinstance(v, str) and _ISO_DATE.fullmatch(v) else None)


def _number_format(header: str, values: pd.Series) -> str | None:
    """The display format of a numeric column: dollars, percent or a plain number, with decimals for its size
    (the cell keeps its full value)."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.empty or pd.api.types.is_bool_dtype(values):
        return None
    biggest = float(numbers.abs().max())
    whole = bool((numbers == numbers.round()).all())
    if _SHARE_WORDS.search(header) and numbers.between(0, 1).all() and not whole:
        return "0.0%"
    if whole or biggest >= 1000:
        decimals = ""
    elif biggest >= 100:
        decimals = ".00"
    elif biggest >= 1:
        decimals = ".00##"  # up to four decimals where a value has them ($0.075 per 1M beside $12.50)
    else:
        decimals = ".00####"
    return f'"$"#,##0{decimals}' if _USD_WORDS.search(header) else f"#,##0{decimals}"


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "Sheet1", index: bool = False) -> bytes:
    """An XLSX workbook of one sheet for a person to read: headers in words, ISO dates as date cells, dollars,
    percentages and numbers formatted (rounded on display, full value in the cell), the header frozen; text
    neutralised and written as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    table = frame.reset_index() if index else frame
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = sheet_title(sheet_name)
    headers = [readable_header(column) for column in table.columns]
    sheet.append([_cell(header) for header in headers])
    columns = []
    for position in range(len(headers)):
        values = table.iloc[:, position]
        text = pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
        dates = _as_dates(values) if text else None
        columns.append(dates if dates is not None else values)
    for row in zip(*columns, strict=True) if columns else ():
        sheet.append([_cell(value) for value in row])
    for position, (header, values) in enumerate(zip(headers, columns, strict=True), start=1):
        letter = get_column_letter(position)
        if pd.api.types.is_datetime64_any_dtype(values):
            times = values.dropna()
            number_format: str | None = (
                DATE_FORMAT if times.empty or (times == times.dt.normalize()).all() else DATETIME_FORMAT
            )
        elif pd.api.types.is_object_dtype(values) and values.map(lambda v: isinstance(v, dt.date)).any():
            number_format = DATE_FORMAT
        elif pd.api.types.is_numeric_dtype(values):
            number_format = _number_format(header, values)
        else:
            number_format = None
        widest = max([len(header), *(len(str(v)) for v in values.head(200))], default=8)
        sheet.column_dimensions[letter].width = min(max(widest + 2, 10), 60)
        if number_format is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = number_format
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never "f": text is text even if it looked like a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
