"""Scenario links and the scenario store round trip."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pricing.planning.links import ScenarioLinkError, decode_scenario, encode_scenario
from pricing.store import Store

SCENARIO = {"horizon_months": 36, "options": [{"name": "gpt-4o-mini", "usd_per_1m_input": 0.15}], "growth": 0.05}


@pytest.fixture()
def seeded_store(backend_seeded_store: Store) -> Store:
    """Here every store test runs on both backends: a DuckDB file and a Postgres database."""
    return backend_seeded_store


def test_link_round_trip_is_exact_and_stable() -> None:
    token = encode_scenario(SCENARIO)
    assert decode_scenario(token) == SCENARIO
    assert encode_scenario(dict(reversed(list(SCENARIO.items())))) == token
    assert all(c.isalnum() or c in "-_" for c in token)


@pytest.mark.parametrize("token", ["", "not-a-scenario", encode_scenario(SCENARIO)[:-6], "A" * 70_000])
def test_damaged_links_are_clear_errors(token: str) -> None:
    with pytest.raises(ScenarioLinkError):
        decode_scenario(token)


def test_scenarios_and_usage_round_trip_through_the_store(seeded_store: Store) -> None:
    monthly = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-01-01", "2026-02-01"]).date, "workload": ["chat", "chat"],
            "requests": [10, 20], "input_tokens": [1000, 2000], "output_tokens": [100, 200],
            "cached_input_tokens": [0, 50],
        }
    )  # fmt: skip
    seeded_store.save_usage("u1", "usage.csv", "monthly", 2, monthly)
    uploads = seeded_store.usage_uploads()
    assert uploads.iloc[0]["months"] == 2 and uploads.iloc[0]["output_tokens"] == 300
    assert seeded_store.usage_monthly("u1")["input_tokens"].tolist() == [1000, 2000]
    seeded_store.save_scenario("Base", json.dumps(SCENARIO), "u1", "first")
    seeded_store.save_scenario("Base", json.dumps({**SCENARIO, "growth": 0.1}), "u1")
    saved = seeded_store.scenario("Base").iloc[0]
    assert json.loads(saved["inputs_json"])["growth"] == 0.1 and len(seeded_store.scenarios()) == 1
    with pytest.raises(Exception):  # noqa: B017 - a duplicate month is refused and nothing is written
        seeded_store.save_usage("u2", "dup.csv", "monthly", 2, pd.concat([monthly, monthly]))
    assert set(seeded_store.usage_uploads()["upload_id"]) == {"u1"}
