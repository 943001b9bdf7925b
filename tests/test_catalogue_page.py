"""The Catalogue shows, per canonical model, every source's spelling, the rule that joined it and loose joins."""

from __future__ import annotations

import pytest

from tests.test_app import open_page


@pytest.mark.usefixtures("app_db")
def test_catalogue_spellings_say_why_each_joined_and_flag_loose_ones() -> None:
    at = open_page("views/catalogue.py")
    at.text_input(key="catalogue_search").set_value("gpt-4o-2024").run()
    assert not at.exception
    spellings = at.dataframe[1].value
    assert {"model_id", "alias", "source", "rule", "loose", "reason"} <= set(spellings.columns)
    may = spellings[spellings["alias"] == "GPT-4o-2024-05-13"]
    assert set(may["model_id"]) == {"gpt-4o-2024-05-13"}
    at.radio(key="catalogue_spellings_view").set_value("Loose joins only").run()
    at.text_input(key="catalogue_search").set_value("llama-3.3-70b").run()
    loose = at.dataframe[1].value
    assert len(loose) and loose["loose"].all()
    at.radio(key="catalogue_spellings_view").set_value("Refused spellings").run()
    at.text_input(key="catalogue_search").set_value("kimi-latest").run()
    refused = at.dataframe[1].value
    assert len(refused) and refused["model_id"].isna().all() and refused["reason"].str.len().gt(0).all()


@pytest.mark.usefixtures("app_db")
def test_catalogue_prices_show_outlier_flags_and_who_sells() -> None:
    at = open_page("views/catalogue.py")
    at.checkbox(key="catalogue_flagged_only").check().run()
    assert not at.exception
    prices = at.dataframe[2].value
    assert len(prices) and prices["price_flag_reason"].str.len().gt(0).all()
    assert "openinfer/@oi/Qwen3.5-9B" in set(prices["model_key"])
