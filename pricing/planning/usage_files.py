"""Uploaded usage volumes (CSV, XLSX, Parquet): validation and aggregation to monthly volumes.

Analysts upload either monthly totals (`month, workload, requests, input_tokens, output_tokens
[, cached_input_tokens]`) or a raw request log (`timestamp, workload, input_tokens, output_tokens
[, cached_input_tokens]`, one row per request); the kind is detected from the header. Either way the result is
one row per (month, workload) with whole-number volumes, ready for spend projections.

Boundary: this module reads files and validates them; it never touches the app's database. Raw logs are
aggregated by a private in-memory DuckDB connection straight from the file, so a log of millions of rows is
never pulled into pandas. Every problem names the file, the spreadsheet row (header = row 1) and the
column, and says how to fix it; a file with any problem raises UsageFileError (a SheetError) and yields
nothing, so the caller writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import duckdb
import pandas as pd

from pricing.limits import (
    MAX_COLUMNS,
    MAX_LINE_BYTES,
    MAX_LOG_MIB,
    MAX_REQUESTS_PER_MONTH,
    MAX_TABLE_MIB,
    MAX_TOKENS_PER_MONTH,
    MAX_TOKENS_PER_REQUEST,
    LimitError,
    check_csv,
    check_header_line,
    check_size,
    check_xlsx,
    first_long_line,
)
from pricing.sheets import SheetError, SheetProblem, read_table

MONTHLY_REQUIRED = ("month", "workload", "requests", "input_tokens", "output_tokens")
RAW_REQUIRED = ("timestamp", "workload", "input_tokens", "output_tokens")
OPTIONAL_COLUMNS = ("cached_input_tokens",)
OUTPUT_COLUMNS = ("month", "workload", "requests", "input_tokens", "output_tokens", "cached_input_tokens")
COUNT_COLUMNS = ("requests", "input_tokens", "output_tokens", "cached_input_tokens")
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cached_input_tokens")
KIND_MONTHLY = "monthly"
KIND_RAW = "raw"
EARLIEST_MONTH = dt.date(2015, 1, 1)  # before any hosted LLM API; an earlier date is a typo or an epoch default
# No current model takes (or writes) 50k tokens per request as a typical (median) request; a median above
# this is almost surely characters or bytes counted instead of tokens.
MAX_PLAUSIBLE_MEDIAN_TOKENS = 50_000
CHARS_PER_TOKEN = 4
# Naive timestamps are read as UTC, and the end of "today" in the westernmost time zone (UTC-12) is noon UTC
# tomorrow; allow that much before calling a timestamp future.
FUTURE_SLACK = dt.timedelta(days=1, hours=12)
ROWS_LISTED_PER_PROBLEM = 5
DUCKDB_MEMORY_LIMIT = "1GB"  # aggregation state is tiny (months x workloads); this caps the CSV buffers
DUCKDB_MAX_THREADS = 4
CHARACTER_COLUMN = re.compile(r"(^|_)(chars?|characters?|char_count|length|len)($|_)")
MONTH_TEXT = re.compile(r"^(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?:[ T]00:00(?::00(?:\.0+)?)?)?$")

# DuckDB types for the fast read of a CSV log; a value that does not parse makes the read fail and the
# loader falls back to reading text (CSV_NUMBERED_SOURCE), which finds and numbers every bad row.
RAW_FAST_TYPES = {
    "timestamp": "TIMESTAMPTZ",
    "workload": "VARCHAR",
    "input_tokens": "DOUBLE",  # DOUBLE, not BIGINT: DuckDB rounds "1.5" into a BIGINT silently
    "output_tokens": "DOUBLE",
    "cached_input_tokens": "DOUBLE",
}

SET_MEMORY_LIMIT = "SET memory_limit = ?"
SET_THREADS = "SET threads = ?"
SET_UTC = "SET TimeZone = 'UTC'"  # months are cut at UTC midnight; naive timestamps are taken as UTC
# Sources: each yields row_number (spreadsheet row, or NULL when not needed) and the file's columns.
CSV_FAST_SOURCE = "SELECT NULL::BIGINT AS row_number, * FROM read_csv(?, header = true, columns = ?, max_line_size = ?)"
CSV_NUMBERED_SOURCE = (
    "SELECT ordinality + 1 AS row_number, * "
    "FROM read_csv(?, header = true, columns = ?, max_line_size = ?) WITH ORDINALITY"
)
PARQUET_SOURCE = "SELECT file_row_number + 2 AS row_number, * FROM read_parquet(?, file_row_number = true)"
PARQUET_COLUMNS = "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0"
SOURCE_VIEW = "usage_src"

_PARSED = """
WITH parsed AS (
    SELECT
        row_number,
        timestamp AS timestamp_raw,
        TRY_CAST(timestamp AS TIMESTAMPTZ) AS ts,
        NULLIF(trim(CAST(workload AS VARCHAR)), '') AS workload,
        input_tokens AS input_tokens_raw,
        TRY_CAST(input_tokens AS DOUBLE) AS input_tokens_n,
        output_tokens AS output_tokens_raw,
        TRY_CAST(output_tokens AS DOUBLE) AS output_tokens_n,
        cached_input_tokens AS cached_input_tokens_raw,
        -- the optional count: blank means 0 (COALESCE looks at the text only where the number is missing)
        COALESCE(
            TRY_CAST(cached_input_tokens AS DOUBLE),
            CASE WHEN cached_input_tokens IS NULL OR trim(CAST(cached_input_tokens AS VARCHAR)) = '' THEN 0 END
        ) AS cached_input_tokens_n
    FROM usage_src
)"""
_BAD_COUNT = "{c}_n IS NULL OR isnan({c}_n) OR isinf({c}_n) OR {c}_n < 0 OR {c}_n <> floor({c}_n) OR {c}_n > " + str(
    MAX_TOKENS_PER_REQUEST
)
# One scan: volumes per (month, workload), and in the grand-total row the number of bad rows and the
# median tokens per request (for the characters-not-tokens check). Parameters: earliest, latest timestamp.
RAW_MONTHLY_SQL = (
    _PARSED
    + """
SELECT
    grouping(month, workload) = 0 AS is_group,
    month,
    workload,
    count(*) AS requests,
    sum(TRY_CAST(input_tokens_n AS BIGINT)) AS input_tokens,
    sum(TRY_CAST(output_tokens_n AS BIGINT)) AS output_tokens,
    sum(TRY_CAST(cached_input_tokens_n AS BIGINT)) AS cached_input_tokens,
    count(*) FILTER (WHERE bad) AS bad_rows,
    approx_quantile(input_tokens_n, 0.5) AS median_input_tokens,
    approx_quantile(output_tokens_n, 0.5) AS median_output_tokens
FROM (
    SELECT
        *,
        -- the month in UTC; truncating a TIMESTAMPTZ goes through ICU and costs several times more
        CAST(date_trunc('month', make_timestamp(epoch_us(ts))) AS DATE) AS month,
        (ts IS NULL OR ts < ? OR ts >= ? OR workload IS NULL
            OR {input} OR {output} OR {cached} OR cached_input_tokens_n > input_tokens_n) AS bad
    FROM parsed
)
GROUP BY GROUPING SETS ((month, workload), ())
""".format(
        input=_BAD_COUNT.format(c="input_tokens"),
        output=_BAD_COUNT.format(c="output_tokens"),
        cached=_BAD_COUNT.format(c="cached_input_tokens"),
    )
)


def _token_problem(column: str, required: bool) -> str:
    """SQL for the first problem of one token cell (a struct of code and value, or NULL)."""
    raw, number = f"{column}_raw", f"{column}_n"
    blank = f"{raw} IS NULL OR trim(CAST({raw} AS VARCHAR)) = ''"
    empty = f"{{'code': '{column}:empty', 'value': NULL}}" if required else "NULL"  # optional: blank means 0
    value = f"CAST({raw} AS VARCHAR)"
    return f"""CASE
            WHEN {blank} THEN {empty}
            WHEN {number} IS NULL THEN {{'code': '{column}:not_number', 'value': {value}}}
            WHEN isnan({number}) OR isinf({number}) OR {number} <> floor({number})
                THEN {{'code': '{column}:not_whole', 'value': {value}}}
            WHEN {number} < 0 THEN {{'code': '{column}:negative', 'value': {value}}}
            WHEN {number} > {MAX_TOKENS_PER_REQUEST} THEN {{'code': '{column}:too_large', 'value': {value}}}
        END"""


# Every problem of every row, counted per kind with its first rows and first offending value.
# Parameters: earliest, latest timestamp.
RAW_PROBLEMS_SQL = (
    _PARSED
    + """,
flagged AS (
    SELECT row_number, unnest(list_filter([
        CASE
            WHEN timestamp_raw IS NULL THEN {{'code': 'timestamp:empty', 'value': NULL}}
            WHEN ts IS NULL THEN {{'code': 'timestamp:invalid', 'value': CAST(timestamp_raw AS VARCHAR)}}
            WHEN ts < ? THEN {{'code': 'timestamp:early', 'value': CAST(timestamp_raw AS VARCHAR)}}
            WHEN ts >= ? THEN {{'code': 'timestamp:future', 'value': CAST(timestamp_raw AS VARCHAR)}}
        END,
        CASE WHEN workload IS NULL THEN {{'code': 'workload:empty', 'value': NULL}} END,
        {input},
        {output},
        {cached},
        CASE WHEN cached_input_tokens_n > input_tokens_n
            THEN {{'code': 'cached_input_tokens:exceeds_input', 'value': CAST(cached_input_tokens_raw AS VARCHAR)}}
        END
    ], lambda p: p IS NOT NULL)) AS problem
    FROM parsed
)
SELECT problem.code AS code, count(*) AS n, min(row_number, {listed}) AS first_rows,
    arg_min(problem.value, row_number) AS first_value
FROM flagged
GROUP BY problem.code
ORDER BY min(row_number), problem.code
""".format(
        input=_token_problem("input_tokens", True),
        output=_token_problem("output_tokens", True),
        cached=_token_problem("cached_input_tokens", False),
        listed=ROWS_LISTED_PER_PROBLEM,
    )
)

WHOLE_NUMBER_HINT = "write a whole number such as 1200"
RAW_PROBLEM_MESSAGES = {
    "timestamp:empty": "is empty; give the request's date and time, e.g. 2026-01-31T14:05:00Z.",
    "timestamp:invalid": "'{value}' is not a valid date and time (month 13, day 32 or not a date at all); "
    "use ISO 8601, e.g. 2026-01-31T14:05:00Z.",
    "timestamp:early": "'{value}' is before 2015; check the year (a date of 1970 usually means a missing value).",
    "timestamp:future": "'{value}' is in the future; usage volumes must be past requests (check the year or month).",
    "workload:empty": "is empty; name the workload (e.g. 'support-bot').",
    "input_tokens:empty": "is empty; give the request's input token count (0 if none).",
    "output_tokens:empty": "is empty; give the request's output token count (0 if none).",
    "cached_input_tokens:exceeds_input": "'{value}' cached tokens exceed input_tokens; input_tokens must include "
    "the cached tokens (add them if your log counts them apart).",
}
for _column in TOKEN_COLUMNS:
    RAW_PROBLEM_MESSAGES[f"{_column}:not_number"] = f"'{{value}}' is not a number of tokens; {WHOLE_NUMBER_HINT}."
    RAW_PROBLEM_MESSAGES[f"{_column}:not_whole"] = f"'{{value}}' is not a whole number of tokens; {WHOLE_NUMBER_HINT}."
    RAW_PROBLEM_MESSAGES[f"{_column}:negative"] = "'{value}' is negative; token counts are 0 or more."
    RAW_PROBLEM_MESSAGES[f"{_column}:too_large"] = (
        f"'{{value}}' tokens is more than one request can carry (at most {MAX_TOKENS_PER_REQUEST:,}, the largest "
        "context window); check the figure (a unit or exponent slip?) or the column."
    )


class UsageFileError(SheetError):
    """A usage file (or typed-in volumes) that cannot be used; carries every problem found."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        super().__init__(problems)
        # SheetError's text speaks of a price sheet; keep its list of problems but say what this is.
        self.args = (str(self.args[0]).replace("in the price sheet", "in the usage file", 1),)


@dataclass(frozen=True)
class UsageLoad:
    """Monthly volumes from one file, with what was read."""

    monthly: pd.DataFrame  # OUTPUT_COLUMNS, one row per (month, workload), sorted
    kind: str  # KIND_MONTHLY or KIND_RAW
    rows_read: int  # data rows in the file (requests, for a raw log)
    file_name: str
    months: int
    workloads: tuple[str, ...]


def load_usage(content_or_path: bytes | Path, file_name: str, today: dt.date | None = None) -> UsageLoad:
    """Read, validate and aggregate one usage file; UsageFileError lists every problem."""
    today = today or dt.date.today()
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm", ".parquet", ".pq"):
        raise UsageFileError(
            [_whole_file(file_name, f"has extension '{suffix or 'none'}'; upload a .csv, .xlsx or .parquet file.")]
        )
    if isinstance(content_or_path, bytes):
        if not content_or_path:
            raise UsageFileError([_whole_file(file_name, "is empty; it needs a header row and data rows.")])
        if suffix in (".xlsx", ".xlsm"):
            return _load_xlsx(content_or_path, file_name, today)
        _check_log_size(len(content_or_path), file_name)
        # DuckDB reads files, so large uploads go to a private temp file rather than through pandas.
        with tempfile.TemporaryDirectory(prefix="frontier-usage-") as folder:
            path = Path(folder) / f"upload{suffix}"
            path.write_bytes(content_or_path)
            return load_usage(path, file_name, today)
    path = content_or_path
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UsageFileError([_whole_file(file_name, f"could not be opened: {exc.strerror}.")]) from None
    if size == 0:
        raise UsageFileError([_whole_file(file_name, "is empty; it needs a header row and data rows.")])
    if suffix in (".xlsx", ".xlsm"):
        try:
            check_size(size, file_name, MAX_TABLE_MIB, "Save it as CSV or Parquet and upload that.")
        except LimitError as exc:
            raise UsageFileError([_problem(exc)]) from None
        return _load_xlsx(path.read_bytes(), file_name, today)
    _check_log_size(size, file_name)
    if suffix == ".csv":
        return _load_csv(path, file_name, today)
    return _load_parquet(path, file_name, today)


def manual_usage(rows: list[dict[str, Any]], today: dt.date | None = None, allow_future: bool = True) -> pd.DataFrame:
    """Validate typed-in monthly volumes (what-ifs, so future months are allowed by default) like a monthly file."""
    name = "typed-in volumes"
    if not rows:
        raise UsageFileError([_whole_file(name, "are empty; add at least one month and workload.")])
    columns = list(dict.fromkeys(str(key) for row in rows for key in row))
    table = pd.DataFrame([{str(k): v for k, v in row.items()} for row in rows], columns=columns)
    kind = _check_header(columns, name)
    if kind != KIND_MONTHLY:
        raise UsageFileError([SheetProblem(name, 1, "month", "typed-in volumes are monthly totals; give a month.")])
    return _monthly_from_table(table, name, today or dt.date.today(), allow_future)


def _whole_file(file_name: str, message: str) -> SheetProblem:
    """A problem with the file as a whole."""
    return SheetProblem(file_name, None, None, message)


def _problem(exc: LimitError) -> SheetProblem:
    """A limit of pricing.limits as a problem of this file."""
    return SheetProblem(exc.limit.file_name, exc.limit.row, exc.limit.column, exc.limit.message)


def _check_log_size(size: int, file_name: str) -> None:
    """Refuse a CSV or Parquet file over the largest log Frontier reads."""
    try:
        check_size(size, file_name, MAX_LOG_MIB, "Split the log by month and upload the months you need.")
    except LimitError as exc:
        raise UsageFileError([_problem(exc)]) from None


def _normalise(name: object) -> str:
    """A header cell as compared with the allowed names."""
    return str(name).strip().lower()


def _check_header(raw_columns: list[str], file_name: str) -> str:
    """The file's kind from its header; UsageFileError for missing, unknown or repeated columns."""
    columns = [_normalise(c) for c in raw_columns]
    problems: list[SheetProblem] = []
    if len(columns) > MAX_COLUMNS:
        raise UsageFileError(
            [
                SheetProblem(
                    file_name,
                    1,
                    None,
                    f"the header has {len(columns):,} columns; a usage file has at most 6. Keep month or timestamp, "
                    "workload, requests (monthly totals), input_tokens, output_tokens and cached_input_tokens.",
                )
            ]
        )
    for column in sorted(c for c, n in Counter(columns).items() if n > 1):
        problems.append(SheetProblem(file_name, 1, column, "column appears more than once; keep one."))
    has_month, has_timestamp = "month" in columns, "timestamp" in columns
    if has_month and has_timestamp:
        problems.append(
            SheetProblem(
                file_name,
                1,
                "timestamp",
                "a file has either month (monthly totals) or timestamp (one row per request), not both.",
            )
        )
    if not has_month and not has_timestamp:
        problems.append(
            SheetProblem(
                file_name,
                1,
                "month",
                "required column is missing: give month (monthly totals, with a requests column) "
                "or timestamp (a raw log, one row per request).",
            )
        )
    kind = KIND_RAW if has_timestamp and not has_month else KIND_MONTHLY
    required = RAW_REQUIRED if kind == KIND_RAW else MONTHLY_REQUIRED
    allowed = required + OPTIONAL_COLUMNS
    for column in required:
        if column not in columns and column not in ("month", "timestamp"):
            problems.append(SheetProblem(file_name, 1, column, "required column is missing from the header row."))
    for column in dict.fromkeys(columns):
        if column in allowed or column in ("month", "timestamp"):
            continue
        if CHARACTER_COLUMN.search(column):
            message = (
                "looks like a character count, but Frontier needs tokens: convert characters to tokens "
                f"(about {CHARS_PER_TOKEN} characters per token, so divide by {CHARS_PER_TOKEN}) and name the "
                "column input_tokens, output_tokens or cached_input_tokens."
            )
        elif column == "requests" and kind == KIND_RAW:
            message = (
                "a raw log has one row per request, so it has no requests column; drop it, or name the date "
                "column month if these are monthly totals."
            )
        else:
            message = f"unknown column; the columns are {', '.join(allowed)}."
        problems.append(SheetProblem(file_name, 1, column, message))
    if problems:
        raise UsageFileError(problems)
    return kind


def _load_xlsx(content: bytes, file_name: str, today: dt.date) -> UsageLoad:
    """A spreadsheet: read as text with pandas (Excel's row cap keeps it small), then validate."""
    try:
        check_xlsx(content, file_name)
        table = read_table(content, file_name)
    except LimitError as exc:
        raise UsageFileError([_problem(exc)]) from None
    except UsageFileError:
        raise
    except SheetError as exc:
        raise UsageFileError(exc.problems) from None
    kind = _check_header([str(c) for c in table.columns], file_name)
    table = table.rename(columns=_normalise)
    if kind == KIND_MONTHLY:
        return _monthly_load(_monthly_from_table(table, file_name, today, False), file_name, len(table))
    if table.empty:
        raise UsageFileError([_whole_file(file_name, "has a header but no data rows.")])
    table.insert(0, "row_number", range(2, len(table) + 2))
    with _connection() as con:
        return _raw_load(con, con.from_df(table), None, file_name, today)


def _csv_header(path: Path, file_name: str) -> list[str]:
    """The first line of a CSV file, split into cells; a long, wide or semicolon-separated header is refused."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(MAX_LINE_BYTES + 1)
        check_header_line(first.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n"), file_name)
        header = next(csv.reader(io.StringIO(first.decode("utf-8-sig"), newline="")), [])
    except LimitError as exc:
        raise UsageFileError([_problem(exc)]) from None
    except UnicodeDecodeError:
        raise UsageFileError([_whole_file(file_name, "is not UTF-8 text; save it as CSV UTF-8.")]) from None
    except csv.Error as exc:
        raise UsageFileError([_whole_file(file_name, f"could not be read as CSV: {exc}.")]) from None
    if not any(cell.strip() for cell in header):
        raise UsageFileError([_whole_file(file_name, "has no header row; the first row must name the columns.")])
    return header


def _load_csv(path: Path, file_name: str, today: dt.date) -> UsageLoad:
    """A CSV file: monthly totals through pandas, raw logs through DuckDB."""
    header = _csv_header(path, file_name)
    kind = _check_header(header, file_name)
    columns = [_normalise(c) for c in header]
    if kind == KIND_MONTHLY:
        try:
            check_size(
                path.stat().st_size,
                file_name,
                MAX_TABLE_MIB,
                "Monthly totals are one row per month and workload; if this is one row per request, name its date "
                "column timestamp (a raw log), or split the file.",
            )
            content = path.read_bytes()
            check_csv(content, file_name)
        except LimitError as exc:
            raise UsageFileError([_problem(exc)]) from None
        try:
            table = pd.read_csv(
                io.BytesIO(content), dtype=str, encoding="utf-8-sig", keep_default_na=False, skipinitialspace=True
            )
        except Exception as exc:  # parsers raise many types; the user needs the message, not the type
            raise UsageFileError([_whole_file(file_name, f"could not be read as CSV: {exc}")]) from None
        table.columns = columns
        return _monthly_load(_monthly_from_table(table, file_name, today, False), file_name, len(table))
    with _connection() as con:
        try:  # DuckDB sniffs the file as the relation is made, so a file it cannot read fails here already
            fast = con.sql(CSV_FAST_SOURCE, params=[str(path), {c: RAW_FAST_TYPES[c] for c in columns}, MAX_LINE_BYTES])
            numbered = con.sql(
                CSV_NUMBERED_SOURCE, params=[str(path), dict.fromkeys(columns, "VARCHAR"), MAX_LINE_BYTES]
            )
        except duckdb.Error as exc:
            raise _unreadable(exc, file_name, path) from None
        return _raw_load(con, fast, numbered, file_name, today, path)


def _load_parquet(path: Path, file_name: str, today: dt.date) -> UsageLoad:
    """A Parquet file: monthly totals through pandas, raw logs through DuckDB."""
    with _connection() as con:
        try:
            names = [str(row[0]) for row in con.execute(PARQUET_COLUMNS, [str(path)]).fetchall()]
        except duckdb.Error as exc:
            raise UsageFileError(
                [_whole_file(file_name, f"could not be read as Parquet: {_duckdb_message(exc, path, file_name)}")]
            ) from None
        kind = _check_header(names, file_name)
        if kind == KIND_MONTHLY:
            try:
                check_size(path.stat().st_size, file_name, MAX_TABLE_MIB, "Split the file.")
            except LimitError as exc:
                raise UsageFileError([_problem(exc)]) from None
            table = pd.read_parquet(path)
            table.columns = [_normalise(c) for c in table.columns]
            return _monthly_load(_monthly_from_table(table, file_name, today, False), file_name, len(table))
        try:
            source = con.sql(PARQUET_SOURCE, params=[str(path)])
        except duckdb.Error as exc:
            raise _unreadable(exc, file_name, path) from None
        # Rename the file's columns (validated above) to the canonical names; ColumnExpression quotes them.
        renamed = source.select(
            duckdb.ColumnExpression("row_number"),
            *(duckdb.ColumnExpression(name).alias(_normalise(name)) for name in names),
        )
        return _raw_load(con, renamed, None, file_name, today, path)


class _connection:
    """A private in-memory DuckDB connection with modest limits, closed on exit."""

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con = duckdb.connect()
        self.con.execute(SET_MEMORY_LIMIT, [DUCKDB_MEMORY_LIMIT])
        self.con.execute(SET_THREADS, [max(1, min(DUCKDB_MAX_THREADS, os.cpu_count() or 1))])
        self.con.execute(SET_UTC)
        return self.con

    def __exit__(self, *exc: object) -> None:
        self.con.close()


def _bounds(today: dt.date) -> list[dt.datetime]:
    """The earliest allowed timestamp and the first one counted as future, in UTC."""
    utc = dt.UTC
    earliest = dt.datetime.combine(EARLIEST_MONTH, dt.time(), utc)
    return [earliest, dt.datetime.combine(today, dt.time(), utc) + FUTURE_SLACK]


def _with_all_columns(source: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """The source with an all-NULL cached_input_tokens column when the file has none (it is optional)."""
    if "cached_input_tokens" in source.columns:
        return source
    return source.select(duckdb.StarExpression(), duckdb.ConstantExpression(None).alias("cached_input_tokens"))


def _raw_load(
    con: duckdb.DuckDBPyConnection,
    source: duckdb.DuckDBPyRelation,
    numbered: duckdb.DuckDBPyRelation | None,
    file_name: str,
    today: dt.date,
    path: Path | None = None,
) -> UsageLoad:
    """Aggregate a raw log to months; with any bad row, number the problems (re-reading `numbered`, if given)."""
    bounds = _bounds(today)
    try:
        _with_all_columns(source).create_view(SOURCE_VIEW, replace=True)
        result: pd.DataFrame | None = con.execute(RAW_MONTHLY_SQL, bounds).df()
    except duckdb.Error as exc:
        if numbered is None:
            raise _unreadable(exc, file_name, path) from None
        result = None  # a value the typed reader rejects; the text reader below says which and where
    if numbered is not None and (result is None or _total(result)["bad_rows"] > 0):
        source = numbered
        try:
            _with_all_columns(source).create_view(SOURCE_VIEW, replace=True)
            result = con.execute(RAW_MONTHLY_SQL, bounds).df()
        except duckdb.Error as exc:
            raise _unreadable(exc, file_name, path) from None
    assert result is not None
    total = _total(result)
    if int(total["requests"]) == 0:
        raise UsageFileError([_whole_file(file_name, "has a header but no data rows.")])
    if total["bad_rows"] > 0:
        problems = _raw_problems(con, file_name, bounds)
        raise UsageFileError(problems or [_whole_file(file_name, f"has {int(total['bad_rows']):,} invalid rows.")])
    problems = _character_problems(
        file_name, None, float(total["median_input_tokens"]), float(total["median_output_tokens"])
    )
    if problems:
        raise UsageFileError(problems)
    groups = result[result["is_group"]]
    monthly = _finish(groups[list(OUTPUT_COLUMNS)])
    return _monthly_load(monthly, file_name, int(total["requests"]), KIND_RAW)


def _unreadable(exc: duckdb.Error, file_name: str, path: Path | None) -> UsageFileError:
    """DuckDB's refusal of a file, or, for a line past MAX_LINE_BYTES, which line (DuckDB's own count is off)."""
    if path is not None and "Maximum line size" in str(exc):
        with path.open("rb") as handle:
            long = first_long_line(handle, MAX_LINE_BYTES)
        if long is not None:
            return UsageFileError(
                [
                    SheetProblem(
                        file_name,
                        long[0],
                        None,
                        f"the line is longer than {MAX_LINE_BYTES // 1024} KiB ({long[1]:,}+ bytes); a row of a "
                        "request log is short. Check the file is CSV, one request per line.",
                    )
                ]
            )
    return UsageFileError([_whole_file(file_name, f"could not be read: {_duckdb_message(exc, path, file_name)}")])


def _duckdb_message(exc: duckdb.Error, path: Path | None = None, file_name: str = "") -> str:
    """DuckDB's first line (which names the CSV line), without its long hints, naming the file as the user did (an
    upload's path is a temporary file's; a CLI's may be absolute)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first.replace(str(path), file_name) if path is not None else first


def _total(result: pd.DataFrame) -> pd.Series:
    """The grand-total row of RAW_MONTHLY_SQL."""
    return result[~result["is_group"]].iloc[0]


def _raw_problems(con: duckdb.DuckDBPyConnection, file_name: str, bounds: list[dt.datetime]) -> list[SheetProblem]:
    """Each kind of bad row in the log: its first rows, with the count of all rows that have it."""
    problems: list[SheetProblem] = []
    for code, count, first_rows, first_value in con.execute(RAW_PROBLEMS_SQL, bounds).fetchall():
        column = str(code).split(":")[0]
        message = RAW_PROBLEM_MESSAGES[code].format(value=first_value)
        if count > 1:
            listed = min(count, ROWS_LISTED_PER_PROBLEM)
            message += f" {count:,} rows have this problem; the first {listed} are listed (each with this message)."
        problems.extend(SheetProblem(file_name, int(row), column, message) for row in first_rows)
    return problems


def _character_problems(
    file_name: str, row: int | None, median_input: float, median_output: float
) -> list[SheetProblem]:
    """Token counts so large per request that they are surely characters."""
    problems = []
    for column, median in (("input_tokens", median_input), ("output_tokens", median_output)):
        if not math.isnan(median) and median > MAX_PLAUSIBLE_MEDIAN_TOKENS:
            problems.append(
                SheetProblem(
                    file_name,
                    row,
                    column,
                    f"the median request has {median:,.0f} {column.replace('_', ' ')}, which looks like characters "
                    f"rather than tokens; convert characters to tokens (about {CHARS_PER_TOKEN} characters per "
                    f"token, so divide by {CHARS_PER_TOKEN}) and upload again.",
                )
            )
    return problems


def _monthly_load(monthly: pd.DataFrame, file_name: str, rows_read: int, kind: str = KIND_MONTHLY) -> UsageLoad:
    """The load record for validated monthly volumes."""
    return UsageLoad(
        monthly=monthly,
        kind=kind,
        rows_read=rows_read,
        file_name=file_name,
        months=int(monthly["month"].nunique()),
        workloads=tuple(sorted(monthly["workload"].unique())),
    )


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Output types (datetime64 months, int64 counts) and order."""
    out = frame.copy()
    out["month"] = pd.to_datetime(out["month"]).astype("datetime64[ns]")
    out["workload"] = out["workload"].astype(str)
    for column in COUNT_COLUMNS:
        out[column] = out[column].fillna(0).astype("int64")
    return out.sort_values(["month", "workload"], kind="stable").reset_index(drop=True)[list(OUTPUT_COLUMNS)]


def _is_blank(value: object) -> bool:
    """Whether a cell holds nothing."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _count(value: object, maximum: int) -> int:
    """A whole count from 0 to `maximum` from a cell; ValueError with the reason otherwise."""
    if isinstance(value, bool):
        raise ValueError("not_number")
    if isinstance(value, int):
        number = float(min(value, maximum + 1))  # a Python int may be past float's range
    else:
        try:
            # thousands separators are common in hand-made spreadsheets; they are unambiguous here
            number = float(str(value).strip().replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError("not_number") from None
    if math.isnan(number):
        raise ValueError("not_number")
    if number < 0:
        raise ValueError("negative")
    if number > maximum:  # infinity included
        raise ValueError("too_large")
    if number != math.floor(number):
        raise ValueError("not_whole")
    return int(value) if isinstance(value, int) else int(number)


def _month(value: object) -> dt.date:
    """The first day of the month a cell names; ValueError with the reason otherwise."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        if value.time() != dt.time():
            raise ValueError("has a time of day; give the month as YYYY-MM, e.g. 2026-01.")
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        match = MONTH_TEXT.match(text)
        if not match:
            raise ValueError(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2026-01.")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"'{text}' has month {month}, which does not exist; write it as YYYY-MM, e.g. 2026-01.")
        try:
            day = dt.date(year, month, int(match.group(3) or 1))
        except ValueError:
            raise ValueError(f"'{text}' is not a real date; write the month as YYYY-MM, e.g. 2026-01.") from None
    if day.day != 1:
        raise ValueError(
            f"{day.isoformat()} is not the first of a month; rows are monthly totals, so give the month as "
            "YYYY-MM (for daily or per-request rows, upload a raw log with a timestamp column)."
        )
    return day


def _monthly_from_table(table: pd.DataFrame, file_name: str, today: dt.date, allow_future: bool) -> pd.DataFrame:
    """Validate monthly totals (columns already normalised) and return them in OUTPUT_COLUMNS."""
    if table.empty:
        raise UsageFileError([_whole_file(file_name, "has a header but no data rows.")])
    problems: list[SheetProblem] = []
    records: list[dict[str, object]] = []
    seen: dict[tuple[dt.date, str], int] = {}
    this_month = today.replace(day=1)
    per_request: list[tuple[float, float]] = []
    for index, raw in enumerate(table.to_dict("records")):
        row = index + 2
        record: dict[str, object] = {}
        month_cell = raw.get("month")
        if _is_blank(month_cell):
            problems.append(SheetProblem(file_name, row, "month", "is empty; give the month as YYYY-MM, e.g. 2026-01."))
        else:
            try:
                month = _month(month_cell)
            except ValueError as exc:
                problems.append(SheetProblem(file_name, row, "month", str(exc)))
            else:
                if month < EARLIEST_MONTH:
                    problems.append(
                        SheetProblem(file_name, row, "month", f"{month:%Y-%m} is before 2015; check the year.")
                    )
                elif month > this_month and not allow_future:
                    problems.append(
                        SheetProblem(
                            file_name,
                            row,
                            "month",
                            f"{month:%Y-%m} is in the future; uploaded volumes are past usage (check the year).",
                        )
                    )
                record["month"] = month
        workload = "" if _is_blank(raw.get("workload")) else str(raw.get("workload")).strip()
        if not workload:
            problems.append(
                SheetProblem(file_name, row, "workload", "is empty; name the workload (e.g. 'support-bot').")
            )
        record["workload"] = workload
        for column in COUNT_COLUMNS:
            cell = raw.get(column)
            if _is_blank(cell):
                if column in MONTHLY_REQUIRED:
                    problems.append(SheetProblem(file_name, row, column, "is empty; give a whole number (0 if none)."))
                else:
                    record[column] = 0  # optional cached count: empty means none
                continue
            maximum = MAX_REQUESTS_PER_MONTH if column == "requests" else MAX_TOKENS_PER_MONTH
            try:
                record[column] = _count(cell, maximum)
            except ValueError as exc:
                what = "requests" if column == "requests" else "tokens"
                reason = {
                    "not_number": f"'{cell}' is not a number of {what}; {WHOLE_NUMBER_HINT}.",
                    "not_whole": f"'{cell}' is not a whole number of {what}; {WHOLE_NUMBER_HINT}.",
                    "negative": f"'{cell}' is negative; counts are 0 or more.",
                    "too_large": f"'{cell}' is more {what} than one workload has in a month (at most {maximum:,}); "
                    "check the figure (a unit or exponent slip?) or the column.",
                }[str(exc)]
                problems.append(SheetProblem(file_name, row, column, reason))
        if len(record) < len(OUTPUT_COLUMNS):
            continue
        requests, input_tokens = int(str(record["requests"])), int(str(record["input_tokens"]))
        output_tokens, cached = int(str(record["output_tokens"])), int(str(record["cached_input_tokens"]))
        if cached > input_tokens:
            problems.append(
                SheetProblem(
                    file_name,
                    row,
                    "cached_input_tokens",
                    f"{cached:,} cached tokens exceed input_tokens ({input_tokens:,}); input_tokens must include "
                    "the cached tokens (add them if your figures count them apart).",
                )
            )
        if requests == 0 and input_tokens + output_tokens > 0:
            problems.append(
                SheetProblem(file_name, row, "requests", "is 0 but the row has tokens; give the number of requests.")
            )
        if requests > 0:
            per_request.append((input_tokens / requests, output_tokens / requests))
        month_start = record["month"]
        assert isinstance(month_start, dt.date)  # present: len(record) was checked above
        key = (month_start, workload)
        if key in seen:
            problems.append(
                SheetProblem(
                    file_name,
                    row,
                    "workload",
                    f"'{workload}' already has totals for {key[0]:%Y-%m} on row {seen[key]}; "
                    "give one row per month and workload (add the two rows together).",
                )
            )
        else:
            seen[key] = row
        records.append(record)
    if not problems and per_request:
        medians = pd.DataFrame(per_request).median()
        problems = _character_problems(file_name, None, float(medians[0]), float(medians[1]))
    if problems:
        raise UsageFileError(problems)
    return _finish(pd.DataFrame(records, columns=list(OUTPUT_COLUMNS)))


__all__ = [
    "KIND_MONTHLY",
    "KIND_RAW",
    "OUTPUT_COLUMNS",
    "UsageFileError",
    "UsageLoad",
    "load_usage",
    "manual_usage",
]
