"""Uploaded price sheets and request logs: validation messages name file, row and column."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

from pricing.cost import UnpricedModelError, Usage
from pricing.identity import canonical_model_id
from pricing.sheets import SheetError, parse_price_sheet, read_table, validate_sheet_name
from pricing.usage import parse_requests, resolve_model, resolve_model_key

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2026, 11, 27)


def _parse(text: str, name: str = "sheet.csv") -> pd.DataFrame:
    return parse_price_sheet(read_table(text.encode(), name), name, TODAY)


def test_good_sheet_parses_with_defaults() -> None:
    frame = _parse("model,usd_per_1m_input,usd_per_1m_output\nacme,0.5,1.5\n")
    row = frame.iloc[0]
    assert (row["model_key"], row["usd_per_1m_input"], row["usd_per_1m_output"]) == ("acme", 0.5, 1.5)
    assert row["effective_date"] == TODAY


def test_bad_sheet_reports_every_problem_with_row_and_column() -> None:
    with pytest.raises(SheetError) as info:
        parse_price_sheet(
            read_table((FIXTURES / "sheet_bad.csv").read_bytes(), "sheet_bad.csv"), "sheet_bad.csv", TODAY
        )
    text = str(info.value)
    assert "sheet_bad.csv, row 3, column 'usd_per_1m_input'" in text
    assert "sheet_bad.csv, row 4, column 'model'" in text
    assert "sheet_bad.csv, row 5, column 'usd_per_1m_input': 'abc' is not a number" in text
    assert "nothing was saved" in text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("model,usd_per_1m_input\nx,1\n", "column 'usd_per_1m_output': required column is missing"),
        ("model,usd_per_1m_input,usd_per_1m_output,colour\nx,1,1,red\n", "column 'colour': unknown column"),
        ("model,usd_per_1m_input,usd_per_1m_output\n", "no price rows"),
        ("model,usd_per_1m_input,usd_per_1m_output\nx,1,99999999\n", "implausibly high"),
        ("model,usd_per_1m_input,usd_per_1m_output,effective_date\nx,1,1,someday\n", "not a date"),
        ("model,usd_per_1m_input,usd_per_1m_output\nx,1,1\nx,2,2\n", "already has a price"),
        ("model,usd_per_1m_input,usd_per_1m_output\nx,1,\n", "a price is required"),
    ],
)
def test_sheet_validation_messages(text: str, fragment: str) -> None:
    with pytest.raises(SheetError, match=fragment):
        _parse(text)


def test_wrong_file_type_is_rejected() -> None:
    with pytest.raises(SheetError, match="upload a .csv or .xlsx"):
        read_table(b"{}", "prices.json")


def test_xlsx_sheet_parses() -> None:
    buffer = io.BytesIO()
    pd.DataFrame({"model": ["acme"], "usd_per_1m_input": [0.5], "usd_per_1m_output": [1.5]}).to_excel(
        buffer, index=False
    )
    frame = parse_price_sheet(read_table(buffer.getvalue(), "s.xlsx"), "s.xlsx", TODAY)
    assert frame.iloc[0]["usd_per_1m_output"] == 1.5


def test_corrupt_xlsx_is_a_clear_error() -> None:
    with pytest.raises(SheetError, match="could not be read as XLSX"):
        read_table(b"this is not a zip file", "broken.xlsx")


def test_sheet_name_rules() -> None:
    assert validate_sheet_name("  Acme 2026 ", set()) == "Acme 2026"
    with pytest.raises(ValueError):
        validate_sheet_name("", set())
    with pytest.raises(ValueError):
        validate_sheet_name("bad;name", set())


def test_request_log_parses_and_validates() -> None:
    rows = parse_requests(read_table((FIXTURES / "requests_ok.csv").read_bytes(), "r.csv"), "r.csv")
    assert rows[0].usage == Usage(1000, 200, 500)
    assert rows[1].row == 3
    bad = pd.DataFrame({"model": ["gpt-4o", "gpt-4o"], "input_tokens": ["10", "-3"], "output_tokens": ["x", "1"]})
    with pytest.raises(SheetError) as info:
        parse_requests(bad, "log.csv")
    assert "log.csv, row 2, column 'output_tokens'" in str(info.value)
    assert "log.csv, row 3, column 'input_tokens'" in str(info.value)


def test_resolve_prefers_exact_key_then_the_makers_own_offer() -> None:
    model_id = canonical_model_id("GPT-4o-2024-08-06")
    prices = pd.DataFrame(
        {
            "model_key": ["azure/gpt-4o", "gpt-4o", "openrouter/openai/gpt-4o"],
            "model_id": [model_id] * 3,
            "provider": ["azure", "openai", "openrouter"],
            "usd_per_1m_input": [2.5, 2.5, 2.4],
            "usd_per_1m_output": [10.0, 10.0, 9.6],
        }
    )
    assert resolve_model_key("azure/gpt-4o", prices, "s") == "azure/gpt-4o"
    resolved = resolve_model("GPT-4o-2024-08-06", prices, "s")
    assert resolved.model_key == "gpt-4o"  # the maker's list price, though a reseller is cheaper
    assert resolved.offer_label == "openai (maker's list price)"
    assert "the maker's list price" in resolved.reason
    with pytest.raises(UnpricedModelError, match="no price for gpt-4q in sheet s. Did you mean"):
        resolve_model_key("gpt-4q", prices, "s")
