"""Seeded price sheets come from one registry: seeding writes each, the service prices each with its own pricer."""

from __future__ import annotations

import pandas as pd
import pytest

from pricing import service
from pricing.cost import SheetPricer, Usage
from pricing.litellm_prices import LitellmPricer
from pricing.price_sources import PRICE_SOURCES, credit_line, default_sheet_name, pricer_of, source_of
from pricing.store import Store


def test_every_source_is_seeded_and_one_is_the_default(seeded_store: Store) -> None:
    sheets = set(seeded_store.price_sheets()["sheet_name"])
    assert {source.sheet_name for source in PRICE_SOURCES} <= sheets
    assert sum(source.default for source in PRICE_SOURCES) == 1
    default = next(source for source in PRICE_SOURCES if source.default)
    assert service.default_sheet(seeded_store) == default.sheet_name == default_sheet_name(sorted(sheets))


def test_a_sources_sheet_uses_its_pricer_and_an_uploaded_one_is_linear(seeded_store: Store) -> None:
    bundled = next(source for source in PRICE_SOURCES if source.default).sheet_name
    pricer, prices = service.pricer_for(seeded_store, bundled)
    assert isinstance(pricer, LitellmPricer) and len(prices)
    uploaded = pd.DataFrame(
        {"model_key": ["acme-model"], "usd_per_1m_input": [1.0], "usd_per_1m_output": [2.0],
         "usd_per_1m_cached_input": [None], "effective_date": [None], "provider": ["acme"]}
    )  # fmt: skip
    linear = pricer_of("Acme negotiated", uploaded)
    assert source_of("Acme negotiated") is None and isinstance(linear, SheetPricer)
    assert linear.cost_usd("acme-model", Usage(1_000_000, 500_000)) == pytest.approx(1.0 + 1.0)


def test_no_sheets_is_a_clear_error_and_credits_name_every_source() -> None:
    with pytest.raises(LookupError, match="no price sheets"):
        default_sheet_name([])
    assert all(source.credit in credit_line() for source in PRICE_SOURCES)
