"""Table downloads: formula-looking text is neutralised in CSV and XLSX; numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from pricing.exports import fmt_tokens, neutralise, readable_header, sheet_title, to_csv_bytes, to_xlsx_bytes

DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\t=tab", "\r=cr", '=HYPERLINK("http://x","y")']


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [*DANGEROUS, "plain", "通义千问-测试"],
            "number": [-1.5, 2.0, -3.0, 0.0, 1e12, -7.0, 5.0, 3.25, -0.5],
            "count": list(range(-4, 5)),
        }
    )


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_prefixes_get_a_quote(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "a=b", "", "Модель-тест", -1.0, 3, None])
def test_other_values_are_left_alone(value: object) -> None:
    assert neutralise(value) == value


def test_csv_neutralises_text_and_keeps_negative_numbers() -> None:
    text = to_csv_bytes(frame()).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["text", "number", "count"]
    assert [r[0] for r in rows[: len(DANGEROUS)]] == ["'" + v for v in DANGEROUS]
    assert rows[-1][0] == "通义千问-测试"
    assert [float(r[1]) for r in rows] == frame()["number"].tolist()
    assert [int(r[2]) for r in rows] == list(range(-4, 5))
    assert "'-" not in {r[1][:2] for r in rows}  # a negative number is not quoted


def test_xlsx_writes_no_formulas_and_numbers_as_numbers() -> None:
    book = load_workbook(io.BytesIO(to_xlsx_bytes(frame(), "prices: [2026]")))
    sheet = book.active
    assert sheet is not None and sheet.title == "prices 2026"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # XML turns a bare carriage return into a newline; the quote in front is what matters.
    assert [r[0].replace("\n", "\r") for r in rows[: len(DANGEROUS)]] == ["'" + v for v in DANGEROUS]
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    numbers = [r[1] for r in rows]
    assert numbers == frame()["number"].tolist() and all(isinstance(v, int | float) for v in numbers)
    assert [r[2] for r in rows] == list(range(-4, 5))


def test_xlsx_headers_dates_and_missing_values() -> None:
    data = pd.DataFrame({"=evil": ["x", None], "when": [pd.Timestamp("2026-01-02"), pd.NaT], "v": [1.0, float("nan")]})
    sheet = load_workbook(io.BytesIO(to_xlsx_bytes(data))).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["'=evil", "When", "V"]
    assert sheet["B2"].value.year == 2026 and sheet["B3"].value is None and sheet["C3"].value is None


def test_sheet_titles_are_valid() -> None:
    assert sheet_title("a" * 40) == "a" * 31
    assert sheet_title("") == "Sheet1"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("frontier_table_lmarena_text_blended", "frontier table lmarena text"),
        ("left_off_artificial_analysis_intelligence_index", "left off artificial analysis"),
        ("projection", "projection"),
    ],
)
def test_sheet_names_end_at_a_word(name: str, title: str) -> None:
    assert sheet_title(name) == title and len(title) <= 31


@pytest.mark.parametrize(
    ("column", "header"),
    [
        ("usd_per_1m_input", "USD per 1M input"),
        ("ttft_ms", "TTFT (ms)"),
        ("cost_usd", "Cost (USD)"),
        ("output_tokens_per_s", "Output tokens per second"),
        ("gpus_per_replica", "GPUs per replica"),
        ("p90", "P90"),
        ("Plan total (USD)", "Plan total (USD)"),  # already in words
    ],
)
def test_headers_are_words(column: str, header: str) -> None:
    assert readable_header(column) == header


def test_xlsx_for_people_dates_dollars_and_numbers_formatted() -> None:
    data = pd.DataFrame(
        {
            "model": ["a", "b"],
            "usd_per_1m_input": [0.075, 12.5],
            "cost_usd": [2140710.4, 1234.5],
            "price_date": ["2026-09-08", "undated"],
            "measured_at": pd.to_datetime(["2026-01-01 10:30", "2026-02-01 00:00"]),
            "prob_cheapest": [0.25, 0.75],
            "output_tokens": [680_300_000.0, 12.0],
        }
    )
    sheet = load_workbook(io.BytesIO(to_xlsx_bytes(data, "frontier_table"))).active
    assert sheet is not None and sheet.title == "frontier table" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == [
        "Model",
        "USD per 1M input",
        "Cost (USD)",
        "Price date",
        "Measured at",
        "Probability cheapest",
        "Output tokens",
    ]
    price, cost, date, when, share, tokens = (sheet.cell(2, column) for column in range(2, 8))
    assert price.value == 0.075 and price.number_format == '"$"#,##0.00##'  # full value kept, shown $0.075
    assert cost.value == 2140710.4 and cost.number_format == '"$"#,##0'  # shown $2,140,710
    assert date.value == dt.datetime(2026, 9, 8) and date.number_format == "yyyy-mm-dd" and date.is_date
    assert sheet.cell(3, 4).value is None  # 'undated' is an empty date cell
    assert when.is_date and when.number_format == "yyyy-mm-dd hh:mm"
    assert share.number_format == "0.0%"
    assert tokens.number_format == "#,##0"


@pytest.mark.parametrize(
    ("tokens", "text"),
    [(200, "200"), (1_234_567, "1.23M"), (35_600_000_000, "35.6B"), (2.5e12, "2.5T"), (999.6, "1,000")],
)
def test_token_counts_read_with_three_digits_and_a_suffix(tokens: float, text: str) -> None:
    assert fmt_tokens(tokens) == text
