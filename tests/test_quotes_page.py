"""The Quotes page through AppTest: a kept upload priced under the list and a vendor's sheet, and terms saved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pricing import service
from pricing.planning import service as planning
from pricing.planning.usage_files import load_usage
from pricing.store import Store
from tests.test_app import open_page

USAGE = b"""month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2026-10-01,support,100000,100000000,20000000,40000000
"""
SHEET = (
    b"model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date\ngpt-4o,2.0,8.0,1.0,2026-01-01\n"
)
SHEETS, CHEAPEST, SPEND = 0, 1, 2  # the page's tables in order (AppTest does not look dataframes up by key)


@pytest.fixture()
def quotes_db(app_db: Path) -> Path:
    store = Store(app_db)
    service.upload_price_sheet(store, "Vendor A", "a.csv", SHEET, dt.date(2026, 1, 1))
    planning.save_upload(store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    store.close()
    import streamlit as st

    st.cache_data.clear()  # loaders cached by an earlier test file in this process read another database
    return app_db


@pytest.mark.usefixtures("quotes_db")
def test_quotes_page_prices_the_upload_under_the_list_and_the_vendor() -> None:
    at = open_page("views/quotes.py")
    assert not at.exception, [e.value for e in at.exception]
    spend = at.dataframe[SPEND].value.set_index("sheet_name")["usd"]
    assert spend["Vendor A"] == pytest.approx(36 * (60 * 2.0 + 40 * 1.0 + 20 * 8.0))
    assert spend.drop("Vendor A").iloc[0] == pytest.approx(36 * (60 * 2.5 + 40 * 1.25 + 20 * 10.0))
    assert at.dataframe[CHEAPEST].value.iloc[0]["sheet_name"] == "Vendor A"


@pytest.mark.usefixtures("quotes_db")
def test_terms_saved_in_the_form_flag_an_expired_quote_and_add_its_shortfall() -> None:
    at = open_page("views/quotes.py")
    at.date_input(key="quotes_valid_until").set_value(dt.date(2020, 1, 31))
    at.number_input(key="quotes_committed").set_value(500.0)
    at.text_input(key="quotes_tiers").set_value("1000:5")
    at.button[-1].click().run()  # the form's submit button comes last
    assert not at.exception, [e.value for e in at.exception]
    sheets = at.dataframe[SHEETS].value.set_index("sheet_name")
    assert sheets.loc["Vendor A", "status"] == "expired"
    assert sheets.loc["Vendor A", "commitment_shortfall_usd"] == pytest.approx(36 * (500 - 320))
    assert any("expired on 2020-01-31" in w.value for w in at.warning)
    assert at.dataframe[CHEAPEST].value.iloc[0]["sheet_name"] != "Vendor A"


@pytest.mark.usefixtures("quotes_db")
def test_bad_tiers_are_refused_saying_how_to_write_them() -> None:
    at = open_page("views/quotes.py")
    at.text_input(key="quotes_tiers").set_value("lots")
    at.button[-1].click().run()
    assert not at.exception
    assert any("write USD per month:discount %" in e.value for e in at.error)
