"""The cost engine agrees with litellm on a broad sample of its price map."""

from __future__ import annotations

import random

import litellm
import pandas as pd
import pytest

from pricing.cost import TokenPrice, Usage, linear_cost_usd
from pricing.litellm_prices import (
    LitellmPricer,
    bundled_price_records,
    has_variable_prices,
    is_priced_chat_model,
    model_cost_map,
)

# Flat-priced entries where litellm's calculation is not the entry's own prices: it looks the key up as
# "perplexity/sonar" (another entry, other prices) and bills the experimental Gemini at zero. Frontier prices both
# from the entry, as the catalogue shows it; a litellm upgrade that changes this list is reviewed here.
LITELLM_DEPARTS_FROM_THE_ENTRY = {"perplexity/perplexity/sonar", "gemini-exp-1206"}


def _sample_keys(n: int = 400) -> list[str]:
    keys = sorted(k for k, v in litellm.model_cost.items() if isinstance(v, dict) and is_priced_chat_model(v))
    return random.Random(7).sample(keys, n)


def test_bundled_records_cover_every_priced_chat_model() -> None:
    import datetime as dt

    frame = bundled_price_records(dt.date(2026, 11, 27))
    assert len(frame) > 3000
    assert frame["model_key"].is_unique
    assert (frame["usd_per_1m_input"] >= 0).all()
    # Every key is priced; a spelling identity refuses (a bare vendor word, an unresolved -latest) joins no model.
    assert (frame["model_id"] != "").all() and frame["model_id"].notna().mean() > 0.95
    assert set(pd.to_datetime(frame["effective_date"]).dt.date) == {dt.date(2026, 11, 27)}


def test_the_map_read_from_the_file_is_litellms_own() -> None:
    """Read without importing litellm, the bundled file gives `litellm.model_cost` entry for entry."""
    assert model_cost_map() == litellm.model_cost


@pytest.mark.parametrize("usage", [Usage(1000, 200), Usage(5000, 1000, 2000), Usage(300_000, 20_000, 100_000)])
def test_pricer_matches_litellm_cost_per_token_on_every_entry(usage: Usage) -> None:
    pricer = LitellmPricer()
    departs = set()
    for key, entry in litellm.model_cost.items():
        if not isinstance(entry, dict) or not is_priced_chat_model(entry):
            continue
        cached = usage.cached_input_tokens if entry.get("cache_read_input_token_cost") is not None else 0
        prompt, completion = litellm.cost_per_token(
            model=key,
            custom_llm_provider=entry["litellm_provider"],
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            cache_read_input_tokens=cached,
        )
        if pricer.cost_usd(key, usage) != pytest.approx(prompt + completion, rel=1e-12, abs=1e-15):
            departs.add(key)
    assert departs <= LITELLM_DEPARTS_FROM_THE_ENTRY


def test_where_litellm_departs_the_entry_prices() -> None:
    usage = Usage(1000, 200)
    for key in LITELLM_DEPARTS_FROM_THE_ENTRY:
        entry = litellm.model_cost[key]
        assert not has_variable_prices(entry)
        expected = 1000 * entry["input_cost_per_token"] + 200 * entry["output_cost_per_token"]
        assert LitellmPricer().cost_usd(key, usage) == pytest.approx(expected, rel=1e-12)


def test_stored_per_1m_prices_reproduce_litellm_below_tiers() -> None:
    """Below any tier threshold, the stored per-1M prices priced linearly give litellm's own cost."""
    import datetime as dt

    frame = bundled_price_records(dt.date(2026, 11, 27)).set_index("model_key")
    usage = Usage(1000, 200, 400)
    pricer = LitellmPricer()
    mismatches = []
    for key in _sample_keys():
        entry = litellm.model_cost[key]
        if any("above" in name or "tier" in name or "off_peak" in name for name in entry):
            continue  # tiered or time-of-day prices: litellm applies them, a flat sheet price cannot
        row = frame.loc[key]
        price = TokenPrice(
            key,
            "bundled",
            row["usd_per_1m_input"],
            row["usd_per_1m_output"],
            None
            if row["usd_per_1m_cached_input"] != row["usd_per_1m_cached_input"]
            else row["usd_per_1m_cached_input"],
        )
        ours, theirs = linear_cost_usd(price, usage), pricer.cost_usd(key, usage)
        if ours != pytest.approx(theirs, rel=1e-9):
            mismatches.append((key, ours, theirs))
    assert mismatches == []


def test_cache_reads_without_a_cache_price_are_billed_as_input() -> None:
    """litellm alone would bill them at zero; a silent zero is what Frontier refuses."""
    key = next(
        k
        for k in _sample_keys()
        if litellm.model_cost[k].get("cache_read_input_token_cost") is None
        and litellm.model_cost[k]["input_cost_per_token"] > 0
    )
    entry = litellm.model_cost[key]
    cost = LitellmPricer().cost_usd(key, Usage(1000, 0, 400))
    assert cost == pytest.approx(1000 * entry["input_cost_per_token"])


def test_tiered_prices_follow_litellm_above_the_threshold() -> None:
    key = "gemini/gemini-2.5-pro"
    entry = litellm.model_cost[key]
    cost = LitellmPricer().cost_usd(key, Usage(300_000, 1000))
    expected = (
        300_000 * entry["input_cost_per_token_above_200k_tokens"]
        + 1000 * entry["output_cost_per_token_above_200k_tokens"]
    )
    assert cost == pytest.approx(expected)
