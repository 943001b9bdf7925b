"""litellm's price map read from a file (a refresh) gives the same rows as the map litellm loaded (the seed): its
alias rows (`alias_of`, e.g. azure/gpt-sol-latest) are served as the rows they name, so a refresh with the very file
the seed came from removes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pricing.litellm_prices import bundled_price_records, expand_aliases, litellm_module
from pricing.sources.registry import ReadContext, read_litellm_map

COLUMNS = ["model_key", "usd_per_1m_input", "usd_per_1m_output", "usd_per_1m_cached_input", "context_tokens"]


def _bundled_file() -> Path:
    return Path(litellm_module().__file__).parent / "model_prices_and_context_window_backup.json"


def test_the_bundled_file_read_as_a_refresh_equals_the_seeded_sheet() -> None:
    content = _bundled_file().read_bytes()
    assert b'"alias_of"' in content  # the file has alias rows: this test is about them
    today = dt.date(2026, 12, 1)
    ctx = ReadContext(today, "file:model_prices_and_context_window_backup.json", "map.json", frozenset())
    parsed = read_litellm_map(content, ctx)
    assert parsed.prices is not None
    refreshed = parsed.prices[COLUMNS].sort_values("model_key").reset_index(drop=True)
    seeded = bundled_price_records(as_of=today)[COLUMNS].sort_values("model_key").reset_index(drop=True)
    pd.testing.assert_frame_equal(refreshed, seeded)


def test_an_alias_row_is_priced_as_the_row_it_names_and_an_alias_of_nothing_is_dropped() -> None:
    raw = {
        "m-1": {"mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "litellm_provider": "x"},
        "m-latest": {"alias_of": "m-1"},
        "gone-latest": {"alias_of": "no-such-row"},
    }
    served = expand_aliases(raw)
    assert served["m-latest"]["input_cost_per_token"] == 1e-6 and served["m-latest"]["output_cost_per_token"] == 2e-6
    assert "gone-latest" not in served
    assert raw["m-latest"] == {"alias_of": "m-1"}  # the caller's map is not changed
