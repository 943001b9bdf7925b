"""Table downloads: formula-looking text is neutralised in CSV and XLSX; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from pricing.exports import neutralise, sheet_title, to_csv_bytes, to_xlsx_bytes

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
    assert sheet is not None and sheet.title == "prices_ _2026_"
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
    assert [c.value for c in sheet[1]] == ["'=evil", "when", "v"]
    assert sheet["B2"].value.year == 2026 and sheet["B3"].value is None and sheet["C3"].value is None


def test_sheet_titles_are_valid() -> None:
    assert sheet_title("a" * 40) == "a" * 31
    assert sheet_title("") == "Sheet1"
