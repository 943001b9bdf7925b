"""Usage files: monthly totals and raw request logs in CSV, XLSX and Parquet, and every validation rule."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pricing.planning.usage_files import (
    KIND_MONTHLY,
    KIND_RAW,
    OUTPUT_COLUMNS,
    UsageFileError,
    load_usage,
    manual_usage,
)
from pricing.sheets import SheetError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2026, 3, 10)
MONTHLY_HEADER = "month,workload,requests,input_tokens,output_tokens\n"
RAW_HEADER = "timestamp,workload,input_tokens,output_tokens,cached_input_tokens\n"

EXPECTED_MONTHLY = pd.DataFrame(
    {
        "month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01"]),
        "workload": ["rag-search", "support-bot", "support-bot"],
        "requests": [5000, 1000, 1200],
        "input_tokens": [10_000_000, 2_000_000, 2_400_000],
        "output_tokens": [500_000, 300_000, 360_000],
        "cached_input_tokens": [0, 800_000, 1_000_000],
    }
)


def problems_of(content: str | bytes, file_name: str = "usage.csv") -> list[tuple[int | None, str | None, str]]:
    """(row, column, message) of every problem the loader reports for the given file content."""
    data = content.encode() if isinstance(content, str) else content
    with pytest.raises(UsageFileError) as caught:
        load_usage(data, file_name, TODAY)
    assert "nothing was saved" in str(caught.value)
    assert all(p.file_name == file_name for p in caught.value.problems)
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def assert_frame_matches(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns, order, values and output dtypes."""
    assert list(actual.columns) == list(OUTPUT_COLUMNS)
    assert str(actual["month"].dtype) == "datetime64[ns]"
    for column in ("requests", "input_tokens", "output_tokens", "cached_input_tokens"):
        assert actual[column].dtype == "int64", column
    pd.testing.assert_frame_equal(
        actual.astype({"workload": object}), expected.astype({"workload": object}), check_dtype=False
    )


def test_monthly_csv_round_trip_from_path_and_bytes() -> None:
    path = FIXTURES / "usage_monthly_ok.csv"
    for source in (path, path.read_bytes()):
        load = load_usage(source, "usage_monthly_ok.csv", TODAY)
        assert load.kind == KIND_MONTHLY
        assert (load.rows_read, load.months, load.workloads) == (3, 2, ("rag-search", "support-bot"))
        assert_frame_matches(load.monthly, EXPECTED_MONTHLY)


def test_monthly_xlsx_and_parquet_round_trips(tmp_path: Path) -> None:
    table = EXPECTED_MONTHLY.assign(month=EXPECTED_MONTHLY["month"].dt.strftime("%Y-%m"))
    xlsx, parquet = tmp_path / "usage.xlsx", tmp_path / "usage.parquet"
    table.to_excel(xlsx, index=False)
    EXPECTED_MONTHLY.to_parquet(parquet)  # typed: datetime months, int64 counts
    for path in (xlsx, parquet):
        for source in (path, path.read_bytes()):
            load = load_usage(source, path.name, TODAY)
            assert load.kind == KIND_MONTHLY
            assert_frame_matches(load.monthly, EXPECTED_MONTHLY)


def test_manual_usage_validates_like_a_file_and_allows_future_months() -> None:
    rows = [{"month": "2027-01", "workload": "chat", "requests": 10, "input_tokens": 1000, "output_tokens": 50}]
    frame = manual_usage(rows, today=TODAY)
    assert frame.loc[0, "month"] == pd.Timestamp("2027-01-01")
    assert frame.loc[0, "cached_input_tokens"] == 0
    with pytest.raises(UsageFileError) as caught:
        manual_usage([{**rows[0], "input_tokens": -1}], today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "input_tokens")]
    with pytest.raises(UsageFileError):
        manual_usage(rows, today=TODAY, allow_future=False)


@pytest.mark.parametrize(
    ("body", "row", "column", "words"),
    [
        ("2026-13,chat,1,1,1\n", 2, "month", "month 13"),
        ("2026-01-15,chat,1,1,1\n", 2, "month", "first of a month"),
        ("2014-12,chat,1,1,1\n", 2, "month", "before 2015"),
        ("2026-04,chat,1,1,1\n", 2, "month", "future"),
        ("soon,chat,1,1,1\n", 2, "month", "YYYY-MM"),
        ("2026-01,,1,1,1\n", 2, "workload", "empty"),
        ("2026-01,chat,1,lots,1\n", 2, "input_tokens", "not a number"),
        ("2026-01,chat,1,1.5,1\n", 2, "input_tokens", "whole number"),
        ("2026-01,chat,1,1,-4\n", 2, "output_tokens", "negative"),
        ("2026-01,chat,0,10,1\n", 2, "requests", "0"),
        ("2026-01,chat,1,1,1\n2026-02,chat,1,1,1\n2026-01,chat,2,2,2\n", 4, "workload", "row 2"),
    ],
)
def test_monthly_row_problems_name_row_and_column(body: str, row: int, column: str, words: str) -> None:
    found = problems_of(MONTHLY_HEADER + body)
    assert [(r, c) for r, c, _ in found] == [(row, column)]
    assert words in found[0][2]


def test_cached_tokens_above_input_is_a_problem() -> None:
    header = MONTHLY_HEADER.strip() + ",cached_input_tokens\n"
    found = problems_of(header + "2026-01,chat,1,10,1,11\n")
    assert [(r, c) for r, c, _ in found] == [(2, "cached_input_tokens")]


def test_missing_unknown_and_character_columns_are_named() -> None:
    found = problems_of("month,workload,requests,input_tokens,colour\n2026-01,a,1,1,red\n")
    assert (1, "output_tokens", "required column is missing from the header row.") in found
    unknown = [m for r, c, m in found if c == "colour"]
    assert unknown and "the columns are month, workload, requests" in unknown[0]
    found = problems_of("timestamp,workload,input_chars,output_tokens\n2026-01-01,a,1,1\n")
    assert any(c == "input_chars" and "4 characters per token" in m for _, c, m in found)
    found = problems_of("timestamp,workload,input_tokens,output_tokens,requests\n2026-01-01,a,1,1,1\n")
    assert any(c == "requests" and "one row per request" in m for _, c, m in found)


def test_whole_file_problems() -> None:
    assert problems_of(b"")[0][2].startswith("is empty")
    assert "no data rows" in problems_of(MONTHLY_HEADER)[0][2]
    assert "no data rows" in problems_of(RAW_HEADER)[0][2]
    assert "month" in problems_of("workload,input_tokens,output_tokens\na,1,1\n")[0][2]
    assert "extension" in problems_of("x", "usage.txt")[0][2]
    assert issubclass(UsageFileError, SheetError)


def test_token_counts_that_look_like_characters() -> None:
    found = problems_of(MONTHLY_HEADER + "2026-01,chat,10,2000000,500\n")  # 200k input tokens per request
    assert [(r, c) for r, c, _ in found] == [(None, "input_tokens")]
    assert "characters" in found[0][2]
    raw = RAW_HEADER + "".join(f"2026-01-0{d}T10:00:00Z,chat,240000,400,0\n" for d in range(1, 4))
    assert [(r, c) for r, c, _ in problems_of(raw)] == [(None, "input_tokens")]


def test_raw_log_is_aggregated_to_utc_months() -> None:
    load = load_usage(FIXTURES / "usage_raw_ok.csv", "usage_raw_ok.csv", TODAY)
    assert load.kind == KIND_RAW
    assert (load.rows_read, load.months, load.workloads) == (5, 3, ("chat", "rag"))
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-12-01", "2026-01-01", "2026-01-01", "2026-02-01"]),
            "workload": ["rag", "chat", "rag", "chat"],
            "requests": [1, 1, 1, 2],  # 23:30 at UTC-5 on 31 Jan is February in UTC
            "input_tokens": [7, 100, 1000, 500],
            "output_tokens": [3, 10, 100, 50],
            "cached_input_tokens": [0, 50, 900, 0],  # a blank cached cell counts as 0
        }
    )
    assert_frame_matches(load.monthly, expected)


def test_raw_log_in_xlsx_and_parquet_gives_the_same_months(tmp_path: Path) -> None:
    expected = load_usage(FIXTURES / "usage_raw_ok.csv", "usage_raw_ok.csv", TODAY).monthly
    table = pd.read_csv(FIXTURES / "usage_raw_ok.csv", dtype=str)
    xlsx = tmp_path / "log.xlsx"
    table.to_excel(xlsx, index=False)
    typed = table.assign(
        timestamp=pd.to_datetime(table["timestamp"], utc=True, format="mixed"),
        cached_input_tokens=pd.to_numeric(table["cached_input_tokens"]).fillna(0).astype("int64"),
        input_tokens=table["input_tokens"].astype("int64"),
        output_tokens=table["output_tokens"].astype("int64"),
    )
    parquet = tmp_path / "log.parquet"
    typed.to_parquet(parquet)
    for path in (xlsx, parquet):
        load = load_usage(path, path.name, TODAY)
        assert load.kind == KIND_RAW
        assert_frame_matches(load.monthly, expected)


def test_raw_log_without_cached_column() -> None:
    load = load_usage(b"timestamp,workload,input_tokens,output_tokens\n2026-01-02,a,5,6\n", "log.csv", TODAY)
    assert load.monthly[["requests", "input_tokens", "output_tokens", "cached_input_tokens"]].values.tolist() == [
        [1, 5, 6, 0]
    ]


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        ("2026-13-01,chat,1,1,0", "timestamp", "not a valid date"),
        ("yesterday,chat,1,1,0", "timestamp", "not a valid date"),
        ("2014-12-31T23:00:00Z,chat,1,1,0", "timestamp", "before 2015"),
        ("2026-03-20T00:00:00Z,chat,1,1,0", "timestamp", "future"),
        (",chat,1,1,0", "timestamp", "empty"),
        ("2026-01-02,,1,1,0", "workload", "empty"),
        ("2026-01-02,chat,abc,1,0", "input_tokens", "'abc' is not a number"),
        ("2026-01-02,chat,1.5,1,0", "input_tokens", "whole number"),
        ("2026-01-02,chat,1,-1,0", "output_tokens", "negative"),
        ("2026-01-02,chat,,1,0", "input_tokens", "empty"),
        ("2026-01-02,chat,1,1,x", "cached_input_tokens", "not a number"),
        ("2026-01-02,chat,10,1,11", "cached_input_tokens", "exceed input_tokens"),
    ],
)
def test_raw_row_problems_name_row_and_column(line: str, column: str, words: str) -> None:
    good = "2026-01-02T10:00:00Z,chat,10,1,0\n"
    found = problems_of(RAW_HEADER + good + line + "\n" + good)
    assert [(r, c) for r, c, _ in found] == [(3, column)]
    assert words in found[0][2]


def test_raw_problems_list_the_first_rows_and_count_them_all(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    # 100,000 requests; every 1,000th (data row index 999, 1999, ...) has a negative output count
    duckdb.execute(
        f"""COPY (SELECT TIMESTAMP '2026-01-01' + i * INTERVAL 1 SECOND AS timestamp, 'w' AS workload,
        100 AS input_tokens, CASE WHEN i % 1000 = 999 THEN -1 ELSE 5 END AS output_tokens
        FROM range(100000) t(i)) TO '{path}' (HEADER)"""
    )
    with pytest.raises(UsageFileError) as caught:
        load_usage(path, "log.csv", TODAY)
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(r, "output_tokens") for r in (1001, 2001, 3001, 4001, 5001)]
    assert "100 rows have this problem" in problems[0].message


def test_a_million_row_log_loads_and_matches_duckdb_totals(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    duckdb.execute(
        f"""COPY (SELECT TIMESTAMP '2025-01-01' + (i * 23) * INTERVAL 1 SECOND AS timestamp,
            'workload-' || (i % 7) AS workload, (i * 37) % 5000 AS input_tokens, (i * 11) % 900 AS output_tokens,
            ((i * 37) % 5000) // 3 AS cached_input_tokens
        FROM range(1500000) t(i)) TO '{path}' (HEADER)"""
    )
    started = time.perf_counter()
    load = load_usage(path, "big.csv", TODAY)
    assert time.perf_counter() - started < 120  # generous: speed is measured in benchmarks, not asserted here
    expected = duckdb.execute(
        f"""SELECT date_trunc('month', timestamp) AS month, workload, count(*) AS requests,
            sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
            sum(cached_input_tokens) AS cached_input_tokens
        FROM read_csv('{path}') GROUP BY ALL ORDER BY month, workload"""
    ).df()
    assert load.rows_read == 1_500_000
    assert load.months == expected["month"].nunique()
    assert_frame_matches(load.monthly, expected.astype({c: "int64" for c in expected.columns[2:]}))
