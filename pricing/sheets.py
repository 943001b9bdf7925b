"""Uploaded price sheets (CSV or XLSX): parsing and validation at the untrusted edge.

Every problem is reported with the file, the spreadsheet row (the header is row 1) and the column,
and says how to fix it. A sheet with any error yields no records, so nothing half-valid is written.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pandas as pd

from pricing.identity import canonical_model_id
from pricing.limits import (
    MAX_COLUMNS,
    MAX_TOKENS_PER_REQUEST,
    InputError,
    LimitError,
    check_csv,
    check_xlsx,
    xlsx_sheet_parts,
)
from pricing.store import TABLE_COLUMNS, PriceSheet

REQUIRED_COLUMNS = ("model", "usd_per_1m_input", "usd_per_1m_output")
OPTIONAL_COLUMNS = (
    "provider",
    "usd_per_1m_cached_input",
    "usd_per_1m_batch_input",
    "usd_per_1m_batch_output",
    "context_tokens",
    "effective_date",
)
PRICE_COLUMNS = (
    "usd_per_1m_input",
    "usd_per_1m_output",
    "usd_per_1m_cached_input",
    "usd_per_1m_batch_input",
    "usd_per_1m_batch_output",
)
# Above this a per-1M price is almost surely a unit slip (per-token or per-1K prices entered as per-1M
# would be far smaller; per-1B far larger); the most expensive list price today is a few hundred USD.
MAX_PLAUSIBLE_USD_PER_1M = 10_000.0
MAX_ERRORS_SHOWN = 50
SHEET_NAME_PATTERN = re.compile(r"^[\w .,:()&+/-]{1,80}$")
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a formula cell in a worksheet's XML: <f>, <f t="shared" ...>, <x:f>
FORMULA_CELLS_LISTED = 5


@dataclass(frozen=True)
class SheetProblem:
    """One thing wrong with an uploaded sheet, and where."""

    file_name: str
    row: int | None  # spreadsheet row number, header = 1; None for whole-file problems
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file_name
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class SheetError(InputError):
    """An uploaded sheet that cannot be used; carries every problem found."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:MAX_ERRORS_SHOWN])
        more = len(problems) - MAX_ERRORS_SHOWN
        suffix = f"\n... and {more} more problems" if more > 0 else ""
        super().__init__(f"{len(problems)} problem(s) in the price sheet; nothing was saved.\n{shown}{suffix}")


def read_table(content: bytes, file_name: str) -> pd.DataFrame:
    """Read CSV or XLSX bytes into strings, so validation sees exactly what the user typed.

    Sizes, line lengths and the header's width are checked before parsing (pricing.limits); a cell reading "NaN"
    or "NA" stays that text (for the validation to refuse), and an empty cell is "".
    """
    suffix = PurePath(file_name).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(content, file_name)
        if suffix == ".csv":
            check_csv(content, file_name)
            return _narrow(
                pd.read_csv(
                    io.BytesIO(content), dtype=str, encoding="utf-8-sig", skipinitialspace=True, keep_default_na=False
                ),
                file_name,
            )
    except LimitError as exc:
        raise SheetError([SheetProblem(file_name, exc.limit.row, exc.limit.column, exc.limit.message)]) from None
    except SheetError:
        raise
    except UnicodeDecodeError:
        raise SheetError([SheetProblem(file_name, None, None, "is not UTF-8 text; save it as CSV UTF-8.")]) from None
    except Exception as exc:  # parsers raise many types; the user needs the message, not the type
        raise SheetError(
            [SheetProblem(file_name, None, None, f"could not be read as {suffix[1:].upper()}: {exc}")]
        ) from None
    raise SheetError(
        [SheetProblem(file_name, None, None, f"has extension '{suffix or 'none'}'; upload a .csv or .xlsx file.")]
    )


def _narrow(table: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """The table, unless it has more columns than any file Frontier reads (a data row wider than the header)."""
    if len(table.columns) > MAX_COLUMNS:
        raise SheetError(
            [
                SheetProblem(
                    file_name,
                    None,
                    None,
                    f"has {len(table.columns):,} columns; Frontier reads at most {MAX_COLUMNS}. Delete the columns "
                    "it does not use, and any cells to the right of the table.",
                )
            ]
        )
    return table


def _read_xlsx(content: bytes, file_name: str) -> pd.DataFrame:
    """The first worksheet as text; formula cells without a saved value are refused, not read as empty."""
    check_xlsx(content, file_name)
    table = _narrow(pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl", keep_default_na=False), file_name)
    if any(FORMULA_TAG.search(part) for part in xlsx_sheet_parts(content)):
        problems = _formulas_without_values(content, file_name)
        if problems:
            raise SheetError(problems)
    return table


def _formulas_without_values(content: bytes, file_name: str) -> list[SheetProblem]:
    """Cells of the first sheet holding a formula whose result the file does not store.

    A spreadsheet saves each formula's last result beside it; files written by scripts (openpyxl, many exports)
    or never recalculated have none, and a reader that does not evaluate formulas (this one) sees an empty cell.
    """
    formulas: dict[tuple[int, int], str] = {}
    for r, row in enumerate(_rows(content, data_only=False), start=1):
        for c, cell in enumerate(row, start=1):
            if getattr(cell, "data_type", None) == "f":
                formulas[(r, c)] = str(cell.value)
    missing: list[tuple[int, int, str]] = []
    header: list[object] = []
    for r, row in enumerate(_rows(content, data_only=True), start=1):
        values = [getattr(cell, "value", None) for cell in row]
        if r == 1:
            header = values
        missing.extend(
            (r, c, formulas[(r, c)]) for c, v in enumerate(values, start=1) if (r, c) in formulas and v in (None, "")
        )
    problems = []
    for r, c, formula in missing[:FORMULA_CELLS_LISTED]:
        name = header[c - 1] if c - 1 < len(header) and header[c - 1] is not None else _column_letter(c)
        more = f" ({len(missing):,} cells are like this)" if len(missing) > 1 else ""
        problems.append(
            SheetProblem(
                file_name,
                r,
                str(name).strip().lower(),
                f"holds the formula {formula} but no saved value{more}: Frontier reads the values a spreadsheet "
                "saves, not formulas. Open the file in Excel or LibreOffice and save it (which stores each "
                "formula's result), or paste the cells as values, and upload it again.",
            )
        )
    return problems


def _rows(content: bytes, data_only: bool) -> Iterator[tuple[Any, ...]]:
    """The first worksheet's rows of cells, streamed (openpyxl's read-only mode)."""
    import openpyxl  # only when a workbook is read: every page imports this module, few read a workbook

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    try:
        yield from workbook.worksheets[0].iter_rows()
    finally:
        workbook.close()


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().replace(",", "").lstrip("$")
    if text == "":
        return None
    return float(text)


def parse_price_sheet(table: pd.DataFrame, file_name: str, default_effective_date: dt.date) -> pd.DataFrame:
    """Validate an uploaded table and return rows in the store's `prices` columns (sheet name unset)."""
    problems: list[SheetProblem] = []
    table = table.rename(columns=lambda c: str(c).strip().lower())
    columns = list(table.columns)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    for column in missing:
        problems.append(SheetProblem(file_name, 1, column, "required column is missing from the header row."))
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for column in columns:
        if column not in known:
            problems.append(
                SheetProblem(
                    file_name,
                    1,
                    column,
                    f"unknown column; the columns are {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}.",
                )
            )
    duplicated_headers = sorted(c for c, n in Counter(columns).items() if n > 1)
    for column in duplicated_headers:
        problems.append(SheetProblem(file_name, 1, column, "column appears more than once."))
    if problems:
        raise SheetError(problems)
    if table.empty:
        raise SheetError([SheetProblem(file_name, None, None, "has a header but no price rows.")])

    records = []
    seen: dict[tuple[str, dt.date], int] = {}
    for index, raw in enumerate(table.to_dict("records")):
        row_number = index + 2
        model = str(raw.get("model") or "").strip()
        if not model or model.lower() == "nan":
            problems.append(SheetProblem(file_name, row_number, "model", "is empty; give the model's name."))
            continue
        record: dict[str, object] = {"model_key": model, "model_id": canonical_model_id(model) or None}
        provider = raw.get("provider")
        record["provider"] = str(provider).strip() if isinstance(provider, str) and provider.strip() else None
        for column in PRICE_COLUMNS:
            try:
                value = _number(raw.get(column))
            except ValueError:
                problems.append(
                    SheetProblem(
                        file_name, row_number, column, f"'{raw.get(column)}' is not a number (USD per 1M tokens)."
                    )
                )
                continue
            if value is None:
                if column in REQUIRED_COLUMNS:
                    problems.append(SheetProblem(file_name, row_number, column, "is empty; a price is required."))
                record[column] = None
                continue
            if value < 0 or math.isinf(value) or math.isnan(value):
                problems.append(
                    SheetProblem(file_name, row_number, column, f"{value} is not a valid price (must be 0 or more).")
                )
            elif value > MAX_PLAUSIBLE_USD_PER_1M:
                problems.append(
                    SheetProblem(
                        file_name,
                        row_number,
                        column,
                        f"{value} USD per 1M tokens is implausibly high; prices are per 1M tokens, not per 1B.",
                    )
                )
            record[column] = value
        try:
            context = _number(raw.get("context_tokens"))
            # NaN and infinity fail the range; past it, a context window is a unit slip (and overflows int64)
            if context is not None and not (0 < context <= MAX_TOKENS_PER_REQUEST and context == math.floor(context)):
                raise ValueError
            record["context_tokens"] = int(context) if context is not None else None
        except ValueError:
            problems.append(
                SheetProblem(
                    file_name,
                    row_number,
                    "context_tokens",
                    f"'{raw.get('context_tokens')}' is not a whole number of tokens from 1 to "
                    f"{MAX_TOKENS_PER_REQUEST:,} (the largest context window).",
                )
            )
        effective = raw.get("effective_date")
        effective_date = default_effective_date
        if isinstance(effective, str) and effective.strip():
            try:
                effective_date = pd.Timestamp(effective.strip()).date()
            except (ValueError, TypeError, NotImplementedError):  # NotImplementedError: a year before 1 ("-1")
                problems.append(
                    SheetProblem(
                        file_name, row_number, "effective_date", f"'{effective}' is not a date; use YYYY-MM-DD."
                    )
                )
                continue
        record["effective_date"] = effective_date
        key = (model, effective_date)
        if key in seen:
            problems.append(
                SheetProblem(
                    file_name,
                    row_number,
                    "model",
                    f"'{model}' already has a price effective {effective_date} on row {seen[key]}.",
                )
            )
        seen[key] = row_number
        records.append(record)
    if problems:
        raise SheetError(problems)
    frame = pd.DataFrame(records)
    frame["source"] = f"uploaded file {file_name}"
    frame["sheet_name"] = None
    frame["context_tokens"] = frame["context_tokens"].astype("Int64")
    return frame[list(TABLE_COLUMNS["prices"])]


def validate_sheet_name(name: str, existing_bundled: set[str]) -> str:
    """A clean sheet name, or a ValueError saying what to change."""
    cleaned = name.strip()
    if not cleaned:
        raise ValueError("Give the sheet a name, e.g. 'Acme negotiated 2026'.")
    if not SHEET_NAME_PATTERN.match(cleaned):
        raise ValueError("Sheet names may use letters, digits, spaces and . , : ( ) & + / - (at most 80).")
    if cleaned in existing_bundled:
        raise ValueError(f"'{cleaned}' is the bundled sheet's name; choose another name.")
    return cleaned


def uploaded_sheet(name: str, file_name: str, as_of: dt.date, note: str | None = None) -> PriceSheet:
    """Metadata for an uploaded sheet."""
    return PriceSheet(
        sheet_name=name,
        kind="uploaded",
        source=f"uploaded by a user ({file_name})",
        as_of=as_of,
        file_name=file_name,
        note=note,
    )


def _column_letter(index: int) -> str:
    """A spreadsheet column's letter from its 1-based index (1 -> A, 27 -> AA)."""
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))
