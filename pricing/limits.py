"""How much Frontier reads from an untrusted input, in one place: file sizes and shapes, link sizes, plausible counts.

Every reader of a file, link or form value a person hands in (price sheets, request logs, usage files, floors
files, eval suites, benchmark results, scenario links, GPU setups) checks these before it parses, so a huge, wide,
deeply nested or absurd input is refused in milliseconds with what is wrong, where and how to fix it, and nothing
is written. `.streamlit/config.toml`'s `server.maxUploadSize` is MAX_UPLOAD_MIB, the largest any reader takes (a
test holds them equal); each uploader passes its own reader's cap, so the browser refuses a bigger file at once.

A refusal is an `InputError` (a ValueError), the base of every reader's own error class, so a page catches all of
them with one clause. This module only measures; what each reader says about its own rows stays with the reader.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

MIB = 2**20
# Raw usage logs are streamed from disk by DuckDB (never held in memory whole), so theirs is the largest file:
# the 10-million-request log `make bench` aggregates is 426 MiB as CSV.
MAX_LOG_MIB = 512
MAX_UPLOAD_MIB = MAX_LOG_MIB  # server.maxUploadSize in .streamlit/config.toml
# Files read whole and checked cell by cell in Python (price sheets, request logs, floors files, monthly usage
# totals): 20 MiB is some 300,000 rows of a price sheet. Spreadsheets too: openpyxl holds a workbook in memory
# at many times its size, and a zip expands, so its parts may unpack to at most MAX_XLSX_UNPACKED_MIB.
MAX_TABLE_MIB = 20
MAX_XLSX_UNPACKED_MIB = 200
MAX_SUITE_MIB = 20  # an eval suite: a header line and one JSON item per line
# A benchmark result file is parsed whole by json (about ten times its size in memory): 100 MiB holds the
# per-request records of some 50,000 requests.
MAX_RESULT_MIB = 100

MAX_COLUMNS = 64  # the widest file Frontier reads has 9 columns; a million-column header was a denial of service
MAX_LINE_BYTES = 64 * 1024  # one CSV row: MAX_COLUMNS cells of 1 KiB each
MAX_JSON_LINE_BYTES = MIB  # one eval item: a prompt of some 250,000 tokens fits
MAX_JSON_KEYS = MAX_COLUMNS  # fields of one eval item or suite header

MAX_LINK_CHARS = 64_000  # the text of a scenario link (?s=...), compressed
MAX_SCENARIO_BYTES = 256 * 1024  # what a link may inflate to: a scenario with years of history is a few KiB

# Plausible counts. The largest context windows hold about 10M tokens, so one request cannot carry more; no
# workload sends more than 10^15 tokens (a petatoken) or 10^12 requests in one month: all of Google's products
# together processed about 1.3 x 10^15 tokens a month in 2025. A count past these is a unit or exponent slip,
# and refusing it keeps every sum far inside int64 (a 1e308 count crashed the int64 conversion).
MAX_TOKENS_PER_REQUEST = 10_000_000
MAX_TOKENS_PER_MONTH = 10**15
MAX_REQUESTS_PER_MONTH = 10**12
MAX_GPU_COUNT = 1024  # GPUs serving one model (tensor x pipeline parallel); a rack-scale NVL72 has 72
MAX_USD_PER_GPU_HOUR = 1000.0  # the dearest cloud GPU rents for tens of USD an hour
# What one benchmark run can measure (imported result files): a billion requests, a million in flight or per
# second, a day's latency, 100M output tokens a second (a large cluster serves well under a million).
MAX_BENCHMARK_REQUESTS = 10**9
MAX_BENCHMARK_CONCURRENCY = 10**6
MAX_LATENCY_MS = 86_400_000
MAX_TOKENS_PER_S = 10**8

CHUNK_BYTES = 16 * MIB  # how much of a file one scan step holds


class InputError(ValueError):
    """Something a person handed in (a file, a link, a setting) that Frontier refuses, with what to fix."""


@dataclass(frozen=True)
class Limit:
    """One limit an input broke, and where: `row` is the spreadsheet row or file line (1 = the header)."""

    file_name: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file_name
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class LimitError(InputError):
    """An input past one of this module's limits; `limit` says which and where, for the reader to report."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        super().__init__(str(limit))


def mib(size_bytes: float) -> str:
    """A size for a message: '426 MiB', '0.1 MiB'."""
    value = size_bytes / MIB
    return f"{value:,.0f} MiB" if value >= 10 else f"{value:,.1f} MiB"


def check_size(size_bytes: int, file_name: str, max_mib: int, fix: str) -> None:
    """Refuse a file over `max_mib`; `fix` says what to do instead."""
    if size_bytes > max_mib * MIB:
        raise LimitError(
            Limit(file_name, f"is {mib(size_bytes)}; files of this kind are read up to {max_mib} MiB. {fix}")
        )


def read_capped(path: Path, file_name: str, max_mib: int, fix: str) -> bytes:
    """A file's bytes, refused by its size before a byte is read (a CLI must not load a 5 GB file to refuse it)."""
    try:
        check_size(path.stat().st_size, file_name, max_mib, fix)
        return path.read_bytes()
    except OSError as exc:
        raise LimitError(
            Limit(file_name, f"cannot read it ({exc.strerror}); check the path and permissions.")
        ) from None


def first_long_line(stream: BinaryIO, max_bytes: int) -> tuple[int, int] | None:
    """(line number, length so far) of the first line longer than `max_bytes`, else None; scans in chunks, in C."""
    line, current = 1, 0  # the line being read, and its bytes before this chunk
    while chunk := stream.read(CHUNK_BYTES):
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 0x0A)
        if ends.size:
            lengths = np.diff(ends, prepend=-1) - 1  # bytes of each line ending in this chunk
            lengths[0] += current
            over = np.flatnonzero(lengths > max_bytes)
            if over.size:
                return line + int(over[0]), int(lengths[over[0]])
            line += int(ends.size)
            current = len(chunk) - int(ends[-1]) - 1
        else:
            current += len(chunk)
        if current > max_bytes:
            return line, current
    return None


def _first_line(content: bytes) -> bytes:
    end = content.find(b"\n", 0, MAX_LINE_BYTES + 1)
    return content[: end if end >= 0 else MAX_LINE_BYTES + 1].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")


def check_header_line(header: bytes, file_name: str) -> None:
    """Refuse a header that is too long, too wide, or separated by semicolons or tabs instead of commas."""
    if len(header) > MAX_LINE_BYTES:
        raise LimitError(Limit(file_name, f"{_long_line(len(header))} Is it a CSV file with a header row?", 1))
    text = header.decode("utf-8", errors="replace")
    commas = text.count(",")
    for separator, name in ((";", "semicolons (;)"), ("\t", "tabs")):
        if text.count(separator) > commas:
            raise LimitError(
                Limit(
                    file_name,
                    f"the columns are separated by {name}, but Frontier reads comma-separated CSV. Save it as "
                    "'CSV UTF-8 (comma delimited)' (in a spreadsheet set the list separator to a comma), with a "
                    "dot for decimals, and upload that.",
                    1,
                )
            )
    if commas + 1 > MAX_COLUMNS:
        raise LimitError(
            Limit(
                file_name,
                f"the header has {commas + 1:,} columns; Frontier reads at most {MAX_COLUMNS}. Delete the columns "
                "it does not use (the error for a narrower file lists the ones it knows).",
                1,
            )
        )


def _long_line(length: int) -> str:
    return f"the line is longer than {MAX_LINE_BYTES // 1024} KiB ({length:,}+ bytes); a row of a CSV file is short."


def check_csv(content: bytes, file_name: str, max_mib: int = MAX_TABLE_MIB) -> None:
    """Refuse CSV bytes too big, too wide, with over-long lines, or separated by something other than commas."""
    check_size(len(content), file_name, max_mib, "Split it, or keep only the rows you need.")
    check_header_line(_first_line(content), file_name)
    long = first_long_line(io.BytesIO(content), MAX_LINE_BYTES)
    if long is not None:
        raise LimitError(
            Limit(file_name, f"{_long_line(long[1])} Check the file is CSV, one record per line.", long[0])
        )


def check_xlsx(content: bytes, file_name: str) -> None:
    """Refuse a workbook too big, not a workbook, or one whose parts unpack past MAX_XLSX_UNPACKED_MIB."""
    check_size(len(content), file_name, MAX_TABLE_MIB, "Save it as CSV (or Parquet, for usage) and upload that.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise LimitError(
            Limit(
                file_name,
                "could not be read as XLSX: it is not a workbook (an .xlsx file is a zip archive). Save it from "
                "Excel or LibreOffice as .xlsx, or as CSV.",
            )
        ) from None
    if unpacked > MAX_XLSX_UNPACKED_MIB * MIB:
        raise LimitError(
            Limit(
                file_name,
                f"unpacks to {mib(unpacked)}; workbooks are read up to {MAX_XLSX_UNPACKED_MIB} MiB unpacked. "
                "Save the sheet as CSV and upload that.",
            )
        )


def xlsx_sheet_parts(content: bytes) -> Iterator[bytes]:
    """The worksheet XML of a workbook, in chunks (with a little overlap, so a tag is never split)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as part:
                    tail = b""
                    while chunk := part.read(CHUNK_BYTES):
                        yield tail + chunk
                        tail = chunk[-32:]


def loads_json(text: str | bytes) -> Any:
    """json.loads, with nesting too deep for Python's parser as a ValueError (it raises RecursionError)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("it is nested too deeply (arrays or objects inside each other hundreds of times)") from None
