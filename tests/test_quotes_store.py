"""Quotes against a real store: terms kept with their sheet, and sheets compared with the bundled list."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pricing import service
from pricing.quotes import EXPIRED, SheetTerms, Tier
from pricing.store import Store, StoreError

TODAY = dt.date(2026, 12, 1)
VENDOR_A = (
    b"model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date\ngpt-4o,2.0,8.0,1.0,2026-01-01\n"
)
VENDOR_B = b"model,usd_per_1m_input,usd_per_1m_output,effective_date\ngpt-4o,2.25,9.0,2026-01-01\n"


@pytest.fixture()
def seeded_store(backend_seeded_store: Store) -> Store:
    """Here every store test runs on both backends: a DuckDB file and a Postgres database."""
    return backend_seeded_store


def _upload(store: Store) -> None:
    service.upload_price_sheet(store, "Vendor A", "a.csv", VENDOR_A, TODAY)
    service.upload_price_sheet(store, "Vendor B", "b.csv", VENDOR_B, TODAY)


def _usage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": [dt.date(2026, 11, 1)],
            "workload": ["support"],
            "requests": [1000],
            "input_tokens": [100_000_000],
            "output_tokens": [20_000_000],
            "cached_input_tokens": [40_000_000],
        }
    )


def test_terms_are_kept_with_their_sheet_and_replaced_whole(seeded_store: Store) -> None:
    _upload(seeded_store)
    terms = SheetTerms(
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        committed_usd_per_month=300.0,
        tiers=(Tier(1000.0, 5.0), Tier(5000.0, 12.5)),
        requests_per_minute=500,
        tokens_per_minute=2_000_000,
        uptime_pct=99.9,
        support_tier="enterprise",
        data_retention="zero retention",
        residency="EU",
        notes="renewal by 2027-11",
        tier_mode="graduated",
    )
    service.save_sheet_terms(seeded_store, "Vendor A", terms)
    assert service.all_sheet_terms(seeded_store) == {"Vendor A": terms}
    service.save_sheet_terms(seeded_store, "Vendor A", SheetTerms(notes="replaced"))
    assert service.all_sheet_terms(seeded_store) == {"Vendor A": SheetTerms(notes="replaced")}
    seeded_store.delete_price_sheet("Vendor A")
    assert service.all_sheet_terms(seeded_store) == {}


def test_terms_need_an_existing_sheet(seeded_store: Store) -> None:
    with pytest.raises(LookupError, match="no price sheet named 'Nobody'"):
        service.save_sheet_terms(seeded_store, "Nobody", SheetTerms())
    with pytest.raises(StoreError, match="upload the sheet before its terms"):
        seeded_store.save_sheet_terms("Nobody", {})


def test_sheets_compared_with_the_list_and_stored_terms(seeded_store: Store) -> None:
    _upload(seeded_store)
    # Vendor B earns 10% from 300 USD a month; Vendor A expired yesterday.
    service.save_sheet_terms(seeded_store, "Vendor A", SheetTerms(valid_until=TODAY - dt.timedelta(days=1)))
    service.save_sheet_terms(seeded_store, "Vendor B", SheetTerms(tiers=(Tier(300.0, 10.0),)))
    result = service.compare_sheets(seeded_store, _usage(), {"support": "gpt-4o"}, ["Vendor A", "Vendor B"], 36, TODAY)
    spend = result.spend.set_index("sheet_name")["usd"]
    list_name = service.default_sheet(seeded_store)
    # 60M uncached + 40M cached input, 20M output per month
    assert spend[list_name] == pytest.approx(36 * (60 * 2.5 + 40 * 1.25 + 20 * 10.0))
    assert spend["Vendor A"] == pytest.approx(36 * (60 * 2.0 + 40 * 1.0 + 20 * 8.0))
    assert spend["Vendor B"] == pytest.approx(36 * (100 * 2.25 + 20 * 9.0) * 0.9)  # no cache price: input price
    assert result.sheets.set_index("sheet_name").loc["Vendor A", "status"] == EXPIRED
    assert result.cheapest.iloc[0]["sheet_name"] == "Vendor B"  # A is cheaper but expired
    models = result.models.set_index(["sheet_name", "model_key"])
    assert models.loc[("Vendor A", "gpt-4o"), "discount_input_pct"] == pytest.approx((1 - 2.0 / 2.5) * 100)


def test_unknown_model_says_which(seeded_store: Store) -> None:
    _upload(seeded_store)
    with pytest.raises(LookupError, match="no-such-model"):
        service.compare_sheets(seeded_store, _usage(), {"support": "no-such-model"}, ["Vendor A"], 12, TODAY)
