"""Uploaded price sheets (CSV or XLSX): parsing and validation at the untrusted edge.

Every problem is reported with the file, the spreadsheet row (the header is row 1) and the column,
and says how to fix it. A sheet with any error yields no records, so nothing half-valid is written.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd

from pricing.identity import canonical_model_id
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


class SheetError(ValueError):
    """An uploaded sheet that cannot be used; carries every problem found."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:MAX_ERRORS_SHOWN])
        more = len(problems) - MAX_ERRORS_SHOWN
        suffix = f"\n... and {more} more problems" if more > 0 else ""
        super().__init__(f"{len(problems)} problem(s) in the price sheet; nothing was saved.\n{shown}{suffix}")


def read_table(content: bytes, file_name: str) -> pd.DataFrame:
    """Read CSV or XLSX bytes into strings, so validation sees exactly what the user typed."""
    suffix = PurePath(file_name).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl")
        if suffix == ".csv":
            return pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig", skipinitialspace=True)
    except UnicodeDecodeError:
        raise SheetError([SheetProblem(file_name, None, None, "is not UTF-8 text; save it as CSV UTF-8.")]) from None
    except Exception as exc:  # parsers raise many types; the user needs the message, not the type
        raise SheetError(
            [SheetProblem(file_name, None, None, f"could not be read as {suffix[1:].upper()}: {exc}")]
        ) from None
    raise SheetError(
        [SheetProblem(file_name, None, None, f"has extension '{suffix or 'none'}'; upload a .csv or .xlsx file.")]
    )


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
    duplicated_headers = sorted({c for c in columns if columns.count(c) > 1})
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
            if context is not None and (context <= 0 or context != int(context)):
                raise ValueError
            record["context_tokens"] = int(context) if context is not None else None
        except ValueError:
            problems.append(
                SheetProblem(
                    file_name,
                    row_number,
                    "context_tokens",
                    f"'{raw.get('context_tokens')}' is not a whole number of tokens.",
                )
            )
        effective = raw.get("effective_date")
        effective_date = default_effective_date
        if isinstance(effective, str) and effective.strip():
            try:
                effective_date = pd.Timestamp(effective.strip()).date()
            except (ValueError, TypeError):
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
