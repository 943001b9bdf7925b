"""What would make self-hosting break even: each lever's threshold, checked against the arithmetic of the plan."""

from __future__ import annotations

import pytest

from pricing.planning.breakeven import what_would_win, win_text
from pricing.planning.projection import ApiOption, ProjectionInputs, SelfHostOption
from pricing.sizing import OwnershipCosts, SelfHostPlan

HOURS = 730.0


def scenario(output_tokens: float, *, utilisation: float = 1.0, peak: float = 1.0) -> ProjectionInputs:
    api = ApiOption("api", 0.2, 0.6)  # USD per 1M input / output tokens: 3 x 0.2 + 0.6 = 1.2 per 1M output
    plan = SelfHostPlan(
        "H100 SXM", 1, 1000.0, OwnershipCosts(usd_per_gpu_hour=2.0), headroom=0.0, target_utilisation=utilisation
    )
    return ProjectionInputs(
        options=(api, SelfHostOption("own", plan)),
        horizon_months=12,
        base_output_tokens_per_month=output_tokens,
        input_output_ratio=3.0,
        peak_to_average=peak,
    )


def test_volume_at_which_one_gpu_pays_for_itself() -> None:
    # one GPU costs 2 x 730 = $1,460 a month and holds 1000 tok/s x 730 h = 2.6B output tokens a month; the API
    # charges $1.2 per 1M output tokens, so the GPU wins from 1,460 / 1.2 = 1,216.7M tokens a month
    conditions = {c.lever: c for c in what_would_win(scenario(1e8), "own", "api")}
    volume = conditions["monthly volume"]
    assert volume.now == pytest.approx(1e8)
    assert volume.needed == pytest.approx(2.0 * HOURS / 1.2 * 1e6, rel=1e-4)
    assert volume.break_even_month == 1
    price = conditions["GPU price"]
    assert price.needed == pytest.approx(1e8 / 1e6 * 1.2 / HOURS, rel=1e-4)  # $120 a month over 730 hours
    assert "$0.16" in price.text
    assert "utilisation" not in conditions  # already planned at 100%


def test_a_lever_that_cannot_win_says_so() -> None:
    # planned at 70% of 1000 tok/s for a peak twice the average, a GPU serves 350 tok/s on average: 0.92B tokens a
    # month worth $1,104 at the API's price, less than its $1,460, however many GPUs: volume alone never wins
    conditions = {c.lever: c for c in what_would_win(scenario(1e8, utilisation=0.7, peak=2.0), "own", "api")}
    assert conditions["monthly volume"].needed is None and "not even at 1,000x" in conditions["monthly volume"].text
    assert conditions["GPU price"].needed == pytest.approx(120 / HOURS, rel=1e-4)
    assert conditions["utilisation"].needed is None  # one GPU is the floor at this volume
    text = win_text("own", "api", 12, list(conditions.values()))
    assert text.startswith("own does not break even against api within 12 months.")


def test_nothing_to_say_when_it_already_breaks_even() -> None:
    assert what_would_win(scenario(5e9), "own", "api") == []
    assert what_would_win(scenario(1e8), "api", "own") == []  # not a self-hosted option
