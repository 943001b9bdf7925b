"""Candidates and self-hosted offers: joins, score choice, costs and filters, on small hand-made frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pricing.candidates import (
    CandidateFilters,
    CandidateOptions,
    build_candidates,
    filter_candidates,
    frontier_of,
    pick_scores,
)
from pricing.cost import BUSY_BASIS, WorkloadProfile
from pricing.selfhost import SelfHostSettings, latest_gpu_prices, self_hosted_offers

TODAY = dt.date(2026, 11, 27)


def prices() -> pd.DataFrame:
    rows = [
        ("openai", "small", "small", 0.1, 0.4, 0.05, TODAY),
        ("hostx", "hostx/small", "small", 0.2, 0.2, None, dt.date(2025, 1, 1)),
        ("openai", "big", "big", 2.0, 8.0, 0.5, TODAY),
        ("openai", "unscored", "unscored", 1.0, 1.0, None, TODAY),
        ("local", "free", "freebie", 0.0, 0.0, None, TODAY),
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "provider",
            "model_key",
            "model_id",
            "usd_per_1m_input",
            "usd_per_1m_output",
            "usd_per_1m_cached_input",
            "effective_date",
        ],
    ).assign(sheet_name="sheet", source="test", context_tokens=[8000, 8000, 128000, 8000, 8000])


def scores() -> pd.DataFrame:
    rows = [
        ("small", 60.0, True, "vendor", dt.date(2025, 6, 1)),
        ("small", 55.0, False, "Epoch", dt.date(2025, 5, 1)),
        ("big", 80.0, False, "Epoch", dt.date(2025, 5, 1)),
        ("freebie", 99.0, False, "Epoch", dt.date(2025, 5, 1)),
    ]
    return pd.DataFrame(rows, columns=["model_id", "score", "self_reported", "source", "as_of"]).assign(
        benchmark_id="b", raw_model_name=lambda f: f["model_id"], source_url=None
    )


def models() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_id": ["small", "big"],
            "display_name": ["Small", "Big"],
            "organisation": ["A", "B"],
            "open_weights": [True, None],
            "context_tokens": [8000, 128000],
            "param_count_b": [8.0, None],
            "licence": ["apache-2.0", None],
        }
    )


def test_independent_score_preferred_over_self_reported() -> None:
    picked = pick_scores(scores(), "any").set_index("model_id")
    assert picked.loc["small", "score"] == 55.0
    assert pick_scores(scores(), "self-reported").set_index("model_id").loc["small", "score"] == 60.0
    assert "small" in set(pick_scores(scores(), "independent")["model_id"])


def test_candidates_join_cost_and_drop_free_and_unscored() -> None:
    options = CandidateOptions(today=TODAY)
    cands = build_candidates(prices(), scores(), models(), options).set_index("model_id")
    assert set(cands.index) == {"small", "big"}  # free offer and unscored model dropped
    # cheapest offer per model: openai small blends to (3 x 0.1 + 0.4) / 4 = 0.175, hostx to 0.2
    assert cands.loc["small", "cost_usd"] == pytest.approx((3 * 0.1 + 0.4) / 4)
    assert cands.loc["small", "provider"] == "openai"
    assert cands.loc["small", "quality_source"] == "Epoch"
    assert bool(cands.loc["big", "open_weights"]) is False or cands.loc["big", "open_weights"] is None


def test_all_offers_and_stale_flags() -> None:
    options = CandidateOptions(today=TODAY, offers="all")
    cands = build_candidates(prices(), scores(), models(), options).set_index("model_key")
    assert len(cands) == 3
    assert bool(cands.loc["hostx/small", "price_stale"]) and not bool(cands.loc["small", "price_stale"])


def test_per_task_cost_uses_profile() -> None:
    profile = WorkloadProfile(1000, 100, cache_hit_rate=0.5)
    options = CandidateOptions(today=TODAY, cost_kind="task", profile=profile)
    cands = build_candidates(prices(), scores(), models(), options).set_index("model_id")
    assert cands.loc["big", "cost_usd"] == pytest.approx((500 * 2.0 + 500 * 0.5 + 100 * 8.0) / 1e6)


def test_filters_with_unknown_open_weights() -> None:
    cands = build_candidates(prices(), scores(), models(), CandidateOptions(today=TODAY))
    assert set(filter_candidates(cands, CandidateFilters(open_weights_only=True))["model_id"]) == {"small"}
    assert set(filter_candidates(cands, CandidateFilters(min_context_tokens=100_000))["model_id"]) == {"big"}
    assert set(filter_candidates(cands, CandidateFilters(min_quality=70))["model_id"]) == {"big"}
    assert set(filter_candidates(cands, CandidateFilters(max_cost_usd=1.0))["model_id"]) == {"small"}
    assert filter_candidates(cands, CandidateFilters(providers=("nobody",))).empty


def test_frontier_of_candidates() -> None:
    marked = frontier_of(build_candidates(prices(), scores(), models(), CandidateOptions(today=TODAY)))
    assert marked["on_frontier"].all()  # small is cheaper, big is better


def gpu_prices() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("H100 SXM", "GIX index", "on-demand", 3.0, dt.date(2026, 9, 1), "gix"),
            ("H100 SXM", "old", "on-demand", 9.0, dt.date(2024, 1, 1), "old"),
            ("H100 SXM", "market", "marketplace", 2.0, dt.date(2026, 10, 1), "pi"),
        ],
        columns=["gpu", "provider", "price_type", "usd_per_gpu_hour", "as_of", "source"],
    )


def throughput() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("small", "H100 SXM", 1, "FP8", "TRT", 128, 128, "max", 10_000.0, "trt"),
            ("small", "H100 SXM", 1, "FP8", "TRT", 1000, 250, "max", 5_000.0, "trt"),  # ratio 4: nearest 3:1
            ("small", "B200", 1, "FP4", "TRT", 1000, 250, "max", 20_000.0, "trt"),  # no GPU price
        ],
        columns=[
            "model_id",
            "gpu",
            "gpu_count",
            "precision",
            "engine",
            "input_tokens",
            "output_tokens",
            "concurrency",
            "output_tokens_per_s",
            "source",
        ],
    )


def test_latest_gpu_price_of_preferred_type() -> None:
    latest = latest_gpu_prices(gpu_prices(), "on-demand").set_index("gpu")
    assert latest.loc["H100 SXM", "usd_per_gpu_hour"] == 3.0
    assert latest_gpu_prices(gpu_prices(), "marketplace").set_index("gpu").loc["H100 SXM", "usd_per_gpu_hour"] == 2.0


def test_self_hosted_offer_uses_nearest_ratio_and_skips_unpriced_gpu() -> None:
    offers = self_hosted_offers(throughput(), gpu_prices(), SelfHostSettings(utilisation=0.5), input_output_ratio=3.0)
    assert len(offers) == 1
    offer = offers.iloc[0]
    assert offer["output_tokens_per_s"] == 5_000.0
    # Best case: the GPU busy at 50% of its measured 5,000 tokens/s around the clock.
    assert offer["usd_per_1m_output_best_case"] == pytest.approx(3.0 / (5000 * 3600 * 0.5) * 1e6)
    # Realistic (what the frontier plots): 1e9 output tokens a month peak 2x average is 761 tokens/s; with
    # 20% headroom at 50% target utilisation that needs 0.37 replica -> 1 whole GPU at $3 x 730 h a month.
    assert offer["usd_per_1m_output"] == pytest.approx(3.0 * 730 / 1e9 * 1e6)
    assert offer["usd_per_1m_output_realistic"] == offer["usd_per_1m_output"]
    assert offer["cost_figure"] == "realistic" and offer["gpus_held"] == 1
    assert "peak hour 2x the average" in offer["cost_assumptions"]
    assert offer["basis"] == "allocation" and offer["deployment"] == "self-hosted"


def test_self_hosted_override_and_busy_basis() -> None:
    settings = SelfHostSettings(
        basis=BUSY_BASIS, usd_per_gpu_hour_overrides=(("B200", 6.0),), output_tokens_per_request=128
    )
    offers = self_hosted_offers(throughput(), gpu_prices(), settings, 1.0).set_index("gpu")
    assert offers.loc["B200", "usd_per_1m_output"] == pytest.approx(6.0 / (20_000 * 3600) * 1e6)
    assert offers.loc["B200", "cost_figure"] == "busy-time lower bound"
    assert offers.loc["B200", "gpu_price_source"] == "$6.00/GPU-hour, set by you"
    assert offers.loc["H100 SXM", "output_tokens_per_s"] == 10_000.0  # 128/128 is nearest a 128-in/128-out request


def test_self_hosted_offers_join_the_frontier() -> None:
    offers = self_hosted_offers(throughput(), gpu_prices(), SelfHostSettings(), 3.0)
    cands = build_candidates(prices(), scores(), models(), CandidateOptions(today=TODAY), offers)
    assert set(cands["deployment"]) == {"API", "self-hosted"}
    assert bool(cands.set_index("deployment").loc["self-hosted", "self_hostable"])


def test_performance_candidates_join_measurements_to_scores() -> None:
    from pricing.candidates import build_performance_candidates
    from pricing.frontier import mark_frontier

    perf = pd.DataFrame(
        {"provider": ["p1", "p2", "p3"], "model_key": ["small", "big", "x"], "model_id": ["small", "big", "nobody"],
         "output_tokens_per_s": [200.0, 50.0, 999.0], "ttft_ms": [300.0, 900.0, 10.0],
         "source": "llm-stats", "as_of": TODAY}
    )  # fmt: skip
    cands = build_performance_candidates(perf, scores(), models())
    assert set(cands["model_id"]) == {"small", "big"}
    marked = mark_frontier(cands, "output_tokens_per_s", "quality", cost_lower_is_better=False)
    assert marked["on_frontier"].all()  # small is faster, big is better


def test_quantisation_quality_delta_applies_to_self_hosted_offers_only() -> None:
    settings = SelfHostSettings(quality_delta_by_precision=(("8-bit", -2.0),))
    offers = self_hosted_offers(throughput(), gpu_prices(), settings, 3.0)
    cands = build_candidates(
        prices(), scores(), models(), CandidateOptions(today=TODAY), offers, settings.quality_delta
    )
    small = cands[cands["model_id"] == "small"].set_index("deployment")
    assert small.loc["self-hosted", "quality"] == 55.0 - 2.0  # FP8 measurement: the 8-bit delta
    assert small.loc["API", "quality"] == 55.0
    from pricing.selfhost import precision_class

    assert [precision_class(p) for p in ("FP8", "fp8 TP2", "NVFP4", "INT4-AWQ", "bf16")] == [
        "8-bit",
        "8-bit",
        "4-bit",
        "4-bit",
        "16-bit",
    ]
