"""Projections: growth fits, price decline, monthly spend, break-even, Monte Carlo bands and the tornado."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks.baselines import monte_carlo_loop
from pricing.cost import TokenPrice, blended_usd_per_1m
from pricing.planning.projection import (
    ApiOption,
    HybridOption,
    MonteCarloResult,
    MonthlyVolumes,
    Option,
    ProjectionInputs,
    SelfHostOption,
    break_even_month,
    centred_scale,
    centred_shift,
    constant_growth,
    default_decline_rates,
    fit_growth,
    head_to_head,
    monte_carlo,
    monthly_price_multiplier,
    project,
    project_spend,
    project_volumes,
    self_host_detail,
    tco_usd,
    tornado,
    with_input,
)
from pricing.sizing import OwnershipCosts, SelfHostPlan

DATA = Path(__file__).resolve().parent.parent / "data"
SECONDS_PER_MONTH = 730 * 3600


def _api(name: str = "api", decline: float = 0.0, cached: float | None = 0.05) -> ApiOption:
    return ApiOption(name, 0.2, 0.6, cached, decline, "test sheet", "hand-set")


def _rented(name: str = "own", usd_per_gpu_hour: float = 2.0, decline: float = 0.0) -> SelfHostOption:
    plan = SelfHostPlan(
        "H100 SXM", 1, 1000.0, OwnershipCosts(usd_per_gpu_hour=usd_per_gpu_hour), headroom=0.0, target_utilisation=1.0
    )
    return SelfHostOption(name, plan, decline)


def _output_only(output: np.ndarray) -> MonthlyVolumes:
    return MonthlyVolumes.from_output(output, input_output_ratio=0.0, cached_share=0.0)


def test_constant_growth_compounds_from_this_month() -> None:
    np.testing.assert_allclose(constant_growth(100.0, 0.1, 3), [110.0, 121.0, 133.1])
    assert constant_growth(100.0, np.array([[0.0], [0.1]]), 2).shape == (2, 2)
    with pytest.raises(ValueError, match="negative"):
        constant_growth(-1.0, 0.1, 3)
    with pytest.raises(ValueError, match="months"):
        constant_growth(1.0, 0.1, 0)
    with pytest.raises(ValueError, match="-100%"):
        constant_growth(1.0, -1.0, 3)


def _noisy(values: np.ndarray, relative: float = 0.02, seed: int = 7) -> np.ndarray:
    return values * (1 + relative * np.random.default_rng(seed).standard_normal(values.shape))


def test_exponential_fit_recovers_5_percent_a_month_and_ranks_first() -> None:
    t = np.arange(24)
    fits = fit_growth(_noisy(2e9 * 1.05**t))
    best = fits[0]
    assert best.model == "exponential"
    assert best.monthly_growth == pytest.approx(0.05, abs=0.004)
    assert best.params[0] == pytest.approx(2e9, rel=0.05)
    assert best.label == f"exponential: {best.monthly_growth:+.1%} per month (R² {best.r2:.2f})"
    assert best.label.startswith("exponential: +4.9%") or best.label.startswith("exponential: +5.")
    assert [f.aicc for f in fits] == sorted(f.aicc for f in fits)
    assert {f.model for f in fits} == {"linear", "exponential", "logistic"}


def test_linear_fit_recovers_slope_and_intercept() -> None:
    t = np.arange(18)
    best = fit_growth(5e8 + 2e7 * t + 2e6 * np.random.default_rng(3).standard_normal(18))[0]
    assert best.model == "linear"
    assert best.params[1] == pytest.approx(2e7, rel=0.05)
    assert best.params[0] == pytest.approx(5e8, rel=0.02)
    assert best.monthly_growth is None
    assert best.label.startswith("linear: +20") and best.r2 > 0.99


def test_logistic_fit_recovers_ceiling_rate_and_midpoint() -> None:
    t = np.arange(30)
    best = fit_growth(_noisy(1e9 / (1 + np.exp(-0.4 * (t - 12))), relative=0.01))[0]
    assert best.model == "logistic"
    ceiling, rate, midpoint = best.params
    assert ceiling == pytest.approx(1e9, rel=0.03)
    assert rate == pytest.approx(0.4, rel=0.1)
    assert midpoint == pytest.approx(12, abs=0.5)
    assert re.fullmatch(
        r"logistic: ceiling (9\d\dM|1(\.\d+)?B) per month, fastest growth at month 13 \(R² 1\.00\)", best.label
    )


def test_logistic_needs_six_points_and_short_or_bad_histories_raise() -> None:
    assert {f.model for f in fit_growth(np.array([1.0, 2.0, 3.0, 4.5, 5.0]))} == {"linear", "exponential"}
    with pytest.raises(ValueError, match="at least 5 months"):
        fit_growth(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="at least 5 months"):  # AICc is undefined for k = 3 at n = 4 (n - k - 1 = 0)
        fit_growth(np.array([1.0, 2.0, 3.0, 4.5]))
    with pytest.raises(ValueError, match="not negative"):
        fit_growth(np.array([1.0, -2.0, 3.0, 4.0, 5.0]))
    with pytest.raises(ValueError, match="not negative"):
        fit_growth(np.array([1.0, np.nan, 3.0, 4.0, 5.0]))
    with pytest.raises(ValueError, match="all zero"):
        fit_growth(np.zeros(6))


def test_projected_volumes_continue_after_the_history() -> None:
    history = 1e6 * 1.05 ** np.arange(12)
    fit = next(f for f in fit_growth(history) if f.model == "exponential")
    ahead = project_volumes(fit, 12, 3)
    np.testing.assert_allclose(ahead, 1e6 * 1.05 ** np.arange(12, 15), rtol=1e-6)
    with pytest.raises(ValueError, match="at least 1"):
        project_volumes(fit, 12, 0)


def test_price_multiplier_is_factor_to_the_minus_m_over_12() -> None:
    multiplier = monthly_price_multiplier(10.0, 24)
    assert multiplier[11] == pytest.approx(0.1)  # month 12: one year of a 10x decline
    assert multiplier[23] == pytest.approx(0.01)
    assert multiplier[0] == pytest.approx(10 ** (-1 / 12))
    np.testing.assert_allclose(monthly_price_multiplier(0.0, 5), 1.0)  # "0" means flat
    np.testing.assert_allclose(monthly_price_multiplier(1.0, 5), 1.0)
    assert monthly_price_multiplier(np.array([1.0, 10.0]), 12).shape == (2, 12)
    with pytest.raises(ValueError, match="not negative"):
        monthly_price_multiplier(-2.0, 5)


def test_default_decline_rates_carry_their_sources() -> None:
    rates = default_decline_rates(DATA)
    assert rates[0].value_per_year == 0.0
    a16z = [r for r in rates if "a16z" in r.source_url]
    assert [r.value_per_year for r in a16z] == [10.0]
    epoch = [r for r in rates if r.source.startswith("Epoch AI fit")]
    assert len(epoch) == 21 and all(r.low_per_year is not None and r.high_per_year is not None for r in epoch)
    assert any(r.value_per_year == pytest.approx(64.0) for r in rates)  # halves every 2 months = 2^6 a year
    assert all(r.value_per_year >= 0 and r.source for r in rates)


@pytest.mark.parametrize("months", [18, 24, 36])
def test_spend_with_constant_growth_and_decline_is_a_geometric_series(months: int) -> None:
    # Month m spend = c V0 (1+g)^m d^(-m/12) = c V0 q^m with q = (1+g) d^(-1/12);
    # total over N months = c V0 q (1 - q^N) / (1 - q).
    base, growth, decline = 4e9, 0.05, 10.0
    option = ApiOption("api", 0.0, 0.6, None, decline)
    result = project_spend(_output_only(constant_growth(base, growth, months)), [option], months)
    c = 0.6 / 1e6
    q = (1 + growth) * decline ** (-1 / 12)
    assert result.total_usd["api"] == pytest.approx(c * base * q * (1 - q**months) / (1 - q), rel=1e-12)
    assert result.cumulative_usd["api"].iloc[-1] == pytest.approx(result.total_usd["api"])
    assert list(result.monthly_usd.index) == list(range(1, months + 1))


def test_cost_per_1m_tokens_matches_the_blended_price_when_prices_are_flat() -> None:
    option = _api()
    volumes = MonthlyVolumes.from_output(np.full(12, 1e9), input_output_ratio=3.0, cached_share=0.25)
    result = project_spend(volumes, [option], 12)
    blended = blended_usd_per_1m(option.token_price, input_output_ratio=3.0, cache_hit_rate=0.25)
    np.testing.assert_allclose(result.usd_per_1m_tokens["api"], blended)
    assert result.volumes["cached_input_tokens"].iloc[0] == pytest.approx(0.75e9)


def test_an_api_without_a_cache_price_bills_cached_input_as_input() -> None:
    volumes = MonthlyVolumes.from_output(np.full(3, 1e6), input_output_ratio=2.0, cached_share=1.0)
    result = project_spend(volumes, [_api(cached=None)], 3)
    np.testing.assert_allclose(result.monthly_usd["api"], 2 * 0.2 + 0.6)


def test_api_option_from_a_token_price() -> None:
    price = TokenPrice("gpt-x", "litellm", 1.0, 4.0, 0.1)
    option = ApiOption.from_token_price(price, 10.0)
    assert (option.name, option.usd_per_1m_cached_input, option.price_decline_factor_per_year) == ("gpt-x", 0.1, 10.0)
    assert ApiOption.from_token_price(TokenPrice("m", "s", 1.0, 2.0, float("nan"))).usd_per_1m_cached_input is None
    with pytest.raises(ValueError, match="negative"):
        ApiOption("bad", -1.0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        ApiOption("bad", float("nan"), 1.0)
    with pytest.raises(ValueError, match="decline"):
        ApiOption("bad", 1.0, 1.0, None, -3.0)
    with pytest.raises(ValueError, match="decline"):
        SelfHostOption("bad", _rented().plan, -1.0)


def test_rented_gpu_prices_fall_and_yearly_subtotals_name_partial_years() -> None:
    volumes = _output_only(np.full(18, 500 * SECONDS_PER_MONTH))
    result = project_spend(volumes, [_rented(decline=2.0)], 18)
    expected = 2.0 * 730 * 2.0 ** (-np.arange(1, 19) / 12)
    np.testing.assert_allclose(result.monthly_usd["own"], expected)
    assert list(result.yearly_usd.index) == ["year 1", "year 2 (months 13-18)"]
    assert result.yearly_usd["own"].sum() == pytest.approx(result.total_usd["own"])
    assert (result.gpus["own"] == 1).all()


def test_break_even_month_on_constructed_series() -> None:
    # Self-host 100 a month; API 40, 80, 120, 160: cumulative 100/40, 200/120, 300/240, 400/400 -> month 4.
    own = np.cumsum([100.0, 100.0, 100.0, 100.0])
    api = np.cumsum([40.0, 80.0, 120.0, 160.0])
    assert break_even_month(own, api) == 4
    assert break_even_month(own[:3], api[:3]) is None
    assert break_even_month([1.0], [2.0]) == 1
    # cheaper at first but overtaken later: no break-even
    assert break_even_month([10.0, 30.0, 60.0], [20.0, 35.0, 50.0]) is None
    # ahead, behind, then ahead for good: break-even is when it moves ahead for good
    assert break_even_month([10.0, 40.0, 50.0, 55.0], [20.0, 35.0, 52.0, 70.0]) == 3
    with pytest.raises(ValueError, match="equally long"):
        break_even_month(own, api[:2])


def test_break_even_of_a_growing_api_bill_against_a_flat_fleet() -> None:
    # API: 1 USD per 1M output, 500M tokens growing 10% a month -> month m costs 500 x 1.1^m.
    # Fleet: one GPU at 1000 USD a month. Cumulative API = 5500 (1.1^m - 1) first reaches 1000 m at m = 13
    # (month 12: 11,761 < 12,000; month 13: 13,488 >= 13,000).
    api = ApiOption("api", 0.0, 1.0)
    fleet = SelfHostOption(
        "own", SelfHostPlan("H100 SXM", 1, 1e9, OwnershipCosts(usd_per_gpu_hour=1000 / 730), 0.0, 1.0)
    )
    result = project_spend(_output_only(constant_growth(500e6, 0.1, 24)), [api, fleet], 24)
    closed_form = next(m for m in range(1, 25) if 5500 * (1.1**m - 1) >= 1000 * m - 1e-9)
    assert result.break_even("own", "api") == closed_form == 13
    assert result.cheapest == "own"
    with pytest.raises(ValueError, match="no option named"):
        result.break_even("own", "missing")


def test_hybrid_splits_traffic_and_sizes_its_fleet_for_its_share() -> None:
    cheap, dear = ApiOption("cheap", 0.0, 1.0), ApiOption("dear", 0.0, 3.0)
    mix = HybridOption("mix", (("cheap", 0.75), ("dear", 0.25)))
    volumes = _output_only(np.full(6, 4e6))
    result = project_spend(volumes, [cheap, dear, mix], 6)
    np.testing.assert_allclose(result.monthly_usd["mix"], 0.75 * 4 + 0.25 * 12)
    # 3,000 tokens/s average on 1,000 tokens/s replicas: 3 GPUs alone, 2 for a 50% share (1,500 -> 2).
    own = _rented()
    half = HybridOption("half", (("own", 0.5), ("cheap", 0.5)))
    busy = _output_only(np.full(3, 3000 * SECONDS_PER_MONTH))
    split = project_spend(busy, [own, cheap, half], 3, peak_to_average=1.0)
    assert split.gpus["own"].tolist() == [3, 3, 3]
    assert split.gpus["half"].tolist() == [2, 2, 2]
    expected = 2 * 2.0 * 730 + 0.5 * 3000 * SECONDS_PER_MONTH / 1e6
    np.testing.assert_allclose(split.monthly_usd["half"], expected)
    # A zero share holds no fleet at all.
    api_only = HybridOption("api only", (("own", 0.0), ("cheap", 1.0)))
    none_held = project_spend(busy, [own, cheap, api_only], 3, peak_to_average=1.0)
    np.testing.assert_allclose(none_held.monthly_usd["api only"], none_held.monthly_usd["cheap"])
    assert "api only" not in none_held.gpus.columns


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ((("a", 0.5), ("b", 0.4)), r"sum to 1, got a 0.5, b 0.4 \(sum 0.9\)"),
        ((("a", 1.5), ("b", -0.5)), "must not be negative"),
        ((), "at least one share"),
    ],
)
def test_hybrid_shares_must_sum_to_one(shares: tuple[tuple[str, float], ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HybridOption("mix", shares)


def test_option_lists_are_checked() -> None:
    volumes = _output_only(np.ones(3))
    with pytest.raises(ValueError, match="unknown option 'nope'"):
        project_spend(volumes, [_api(), HybridOption("mix", (("nope", 1.0),))], 3)
    inner = HybridOption("inner", (("api", 1.0),))
    with pytest.raises(ValueError, match="cannot contain another hybrid"):
        project_spend(volumes, [_api(), inner, HybridOption("outer", (("inner", 1.0),))], 3)
    with pytest.raises(ValueError, match="twice"):
        project_spend(volumes, [_api(), _api()], 3)
    with pytest.raises(ValueError, match="at least one option"):
        project_spend(volumes, [], 3)
    with pytest.raises(ValueError, match="horizon"):
        project_spend(volumes, [_api()], 0)
    with pytest.raises(ValueError, match="fewer than"):
        project_spend(volumes, [_api()], 4)


def test_volumes_are_checked() -> None:
    with pytest.raises(ValueError, match="negative"):
        MonthlyVolumes(np.array([1.0]), np.array([-1.0]))
    with pytest.raises(ValueError, match="cached share"):
        MonthlyVolumes(np.array([1.0]), np.array([1.0]), 1.5)
    with pytest.raises(ValueError, match="ratio"):
        MonthlyVolumes.from_output(np.ones(2), -1.0, 0.0)


def with_option(inputs: ProjectionInputs, position: int, option: Option) -> ProjectionInputs:
    options = (*inputs.options[:position], option, *inputs.options[position + 1 :])
    return dataclasses.replace(inputs, options=options)


def _scenario(**changes: object) -> ProjectionInputs:
    bought = SelfHostPlan(
        "H100 SXM",
        2,
        2500.0,
        OwnershipCosts(mode="bought", purchase_usd_per_gpu=30_000.0, ops_usd_per_month=4000.0, pue=1.25),
        throughput_source="roofline estimate: test",
    )
    options = (
        _api("api", decline=10.0),
        _rented("rented", usd_per_gpu_hour=2.49, decline=1.3),
        SelfHostOption("bought", bought),
        HybridOption("mix", (("bought", 0.7), ("api", 0.3))),
    )
    values: dict[str, object] = {
        "options": options,
        "horizon_months": 36,
        "base_output_tokens_per_month": 3e9,
        "input_output_ratio": 3.0,
        "cached_share": 0.2,
        "monthly_growth": 0.06,
        "peak_to_average": 2.0,
    }
    return ProjectionInputs(**{**values, **changes})  # type: ignore[arg-type]


def test_scenario_inputs_round_trip_exactly_through_json() -> None:
    for inputs in (
        _scenario(),
        _scenario(growth_model="best", history_output_tokens=(1e8, 1.1e8, 1.19e8, 1.33e8, 1.46e8, 1.6e8, 0.1 + 0.2)),
    ):
        text = json.dumps(inputs.to_dict())
        back = ProjectionInputs.from_dict(json.loads(text))
        assert back == inputs
        assert json.dumps(back.to_dict()) == text
        assert project(back).total_usd.equals(project(inputs).total_usd)


def test_scenario_dicts_are_checked() -> None:
    data = _scenario().to_dict()
    with pytest.raises(ValueError, match="schema version"):
        ProjectionInputs.from_dict({**data, "schema_version": 99})
    with pytest.raises(ValueError, match="unknown scenario fields: colour"):
        ProjectionInputs.from_dict({**data, "colour": "red"})
    with pytest.raises(ValueError, match="unknown option type"):
        ProjectionInputs.from_dict({**data, "options": [{"type": "barter", "name": "x"}]})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"horizon_months": 0}, "horizon"),
        ({"growth_model": "cubic"}, "unknown growth model"),
        ({"growth_model": "exponential"}, "history"),
        ({"base_output_tokens_per_month": -1.0}, "negative"),
        ({"monthly_growth": -1.0}, "-100%"),
        ({"input_output_ratio": -1.0}, "ratio"),
        ({"cached_share": 2.0}, "cached share"),
        ({"peak_to_average": 0.5}, "peak-to-average"),
        ({"hours_per_month": 0.0}, "hours"),
    ],
)
def test_scenario_inputs_are_checked(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _scenario(**changes)


def test_a_scenario_can_grow_by_a_fitted_curve() -> None:
    history = tuple(float(v) for v in 1e8 * 1.08 ** np.arange(12))
    inputs = _scenario(growth_model="exponential", history_output_tokens=history, horizon_months=18)
    fit = inputs.growth_fit()
    assert fit is not None and fit.monthly_growth == pytest.approx(0.08, abs=1e-6)
    np.testing.assert_allclose(inputs.output_tokens(), 1e8 * 1.08 ** np.arange(12, 30), rtol=1e-6)
    assert _scenario().growth_fit() is None


CENTRAL = {
    "growth_shift": stats.uniform(-0.02, 0.04),  # -2 to +2 points a month on top of the scenario's 6%
    "api_decline_scale": stats.loguniform(1 / 2, 2),  # the API's own 10x a year, x/÷ up to 2
    "gpu_decline_scale": stats.loguniform(1 / 1.25, 1.25),  # the rented fleet's own 1.3x a year, x/÷ up to 1.25
    "peak_to_average_scale": stats.loguniform(1 / 1.3, 1.3),  # the scenario's 2.0, x/÷ up to 1.3
}


def _band(result: MonteCarloResult, name: str) -> pd.DataFrame:
    return result.monthly[result.monthly["option"] == name].set_index("month")


def test_bands_contain_the_deterministic_path() -> None:
    # Every draw is centred on the scenario and spend is monotone in each input, so with at most three inputs
    # acting on an option the plan lies between its P12.5 and P87.5: inside P10-P90 for every kind of option.
    for inputs in (_scenario(), _scenario(options=(_api("api"), _rented("rented")), monthly_growth=0.0)):
        deterministic = project(inputs)
        result = monte_carlo(inputs, n_paths=4000, seed=11, **CENTRAL)
        for name in deterministic.monthly_usd.columns:
            band = _band(result, name)
            path = deterministic.monthly_usd[name]
            assert (band["p10"] <= path * (1 + 1e-9)).all() and (path <= band["p90"] * (1 + 1e-9)).all(), name
            assert (band["p10"] <= band["p50"]).all() and (band["p50"] <= band["p90"]).all()
            total = deterministic.total_usd[name]
            assert result.tco.loc[name, "p10"] <= total <= result.tco.loc[name, "p90"], name
        assert result.prob_cheapest.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("decline", [0.0, 10.0])
def test_a_price_decline_drawn_around_the_options_own_has_the_plan_as_median(decline: float) -> None:
    # Month m spend = plan_m x k^(-m/12) for a drawn scale k (flat counts as 1x a year): with an odd number of
    # paths the P50 is exactly the plan moved by the sample median of k, whatever the option's own decline.
    inputs = _scenario(options=(_api("api", decline=decline),))
    n_paths, seed = 4001, 7
    scale = stats.loguniform(1 / 3, 3)
    result = monte_carlo(inputs, api_decline_scale=scale, n_paths=n_paths, seed=seed)
    median = float(np.median(scale.rvs(size=n_paths, random_state=np.random.default_rng(seed))))
    plan = project(inputs).monthly_usd["api"].to_numpy()
    months = np.arange(1, 37)
    np.testing.assert_allclose(_band(result, "api")["p50"], plan * median ** (-months / 12), rtol=1e-12)
    np.testing.assert_allclose(_band(result, "api")["p50"], plan, rtol=0.05)  # the sample median is near 1
    low, high = _band(result, "api").iloc[-1][["p10", "p90"]]
    assert low < plan[-1] < high and high / plan[-1] == pytest.approx(plan[-1] / low, rel=0.1)  # symmetric in log


def test_a_growth_shift_moves_a_fitted_curve_around_itself() -> None:
    history = tuple(1e8 * 1.08**t for t in range(12))
    inputs = _scenario(options=(_api("api"),), growth_model="exponential", history_output_tokens=history)
    shift = stats.uniform(-0.03, 0.06)
    result = monte_carlo(inputs, growth_shift=shift, n_paths=2001, seed=3)
    median = float(np.median(shift.rvs(size=2001, random_state=np.random.default_rng(3))))
    plan = project(inputs).monthly_usd["api"].to_numpy()
    np.testing.assert_allclose(_band(result, "api")["p50"], plan * (1 + median) ** np.arange(1, 37), rtol=1e-12)
    assert (_band(result, "api")["p10"] < plan).all() and (plan < _band(result, "api")["p90"]).all()


def test_bands_collapse_to_the_deterministic_path_when_inputs_are_certain() -> None:
    inputs = _scenario()
    deterministic = project(inputs)
    certain = {
        "growth_shift": stats.uniform(0.0, 0.0),
        "api_decline_scale": stats.uniform(1.0, 0.0),
        "gpu_decline_scale": 1.0,  # a plain number is a certain input
        "peak_to_average_scale": stats.norm(1.0, 0.0),
    }
    result = monte_carlo(inputs, n_paths=200, seed=3, **certain)
    for name in deterministic.monthly_usd.columns:
        band = _band(result, name)
        for label in ("p10", "p50", "p90"):
            np.testing.assert_allclose(band[label], deterministic.monthly_usd[name], rtol=1e-12)
        cumulative = result.cumulative[result.cumulative["option"] == name].set_index("month")
        np.testing.assert_allclose(cumulative["p50"], deterministic.cumulative_usd[name], rtol=1e-12)
    np.testing.assert_allclose(result.tco["p50"], deterministic.total_usd[result.tco.index], rtol=1e-12)
    # No draws at all keeps every scenario value: the same collapse.
    plain = monte_carlo(inputs, n_paths=5, seed=0)
    np.testing.assert_allclose(plain.tco["p90"], deterministic.total_usd[plain.tco.index], rtol=1e-12)


def test_vectorised_monte_carlo_equals_the_per_path_loop() -> None:
    inputs = _scenario(horizon_months=24)
    fast = monte_carlo(inputs, n_paths=300, seed=5, **CENTRAL)
    slow = monte_carlo_loop(inputs, n_paths=300, seed=5, **CENTRAL)
    pd.testing.assert_frame_equal(fast.monthly, slow.monthly, rtol=1e-12)
    pd.testing.assert_frame_equal(fast.cumulative, slow.cumulative, rtol=1e-12)
    pd.testing.assert_frame_equal(fast.tco, slow.tco, rtol=1e-12)
    pd.testing.assert_series_equal(fast.prob_cheapest, slow.prob_cheapest)
    other_seed = monte_carlo(inputs, n_paths=300, seed=6, **CENTRAL)
    assert not other_seed.tco.equals(fast.tco)


def test_monte_carlo_rejects_bad_path_counts_draws_and_spreads() -> None:
    with pytest.raises(ValueError, match="n_paths"):
        monte_carlo(_scenario(), n_paths=0)
    with pytest.raises(ValueError, match="api_decline_scale draws must be positive"):
        monte_carlo(_scenario(), n_paths=10, api_decline_scale=stats.uniform(-1.0, 0.5))
    # A peak drawn below the average is clipped to it (the peak is never below the average), not refused.
    low_peak = monte_carlo(_scenario(), n_paths=10, peak_to_average_scale=stats.uniform(0.1, 0.1))
    assert np.isfinite(low_peak.tco["p50"]).all()
    assert centred_shift(0.0) is None and centred_scale(1.0) is None
    assert centred_shift(0.02).median() == pytest.approx(0.0) and centred_scale(3.0).median() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="spread"):
        centred_shift(-0.01)
    with pytest.raises(ValueError, match="at least 1"):
        centred_scale(0.5)


def test_head_to_head_reports_saving_and_months_ahead_beside_break_even() -> None:
    # Own 10 a month; API 30, 20, 12, 8, 4, 2: cumulative own 10..60, API 30, 50, 62, 70, 74, 76.
    h = head_to_head("own", "api", [10.0] * 6, [30.0, 20.0, 12.0, 8.0, 4.0, 2.0])
    assert h.break_even_month == 1 and h.saving_usd == pytest.approx(76 - 60)
    assert h.months_cheaper == (1, 2, 3) and h.months_ahead == (1, 2, 3, 4, 5, 6)
    # API 30, 20, 5, 2, 1, 1: cumulative 30, 50, 55, 57, 58, 59 against 10..60. Ahead at the end of months 1-5,
    # overtaken in month 6: no break-even, and it costs 1 more over the six months.
    h = head_to_head("own", "api", [10.0] * 6, [30.0, 20.0, 5.0, 2.0, 1.0, 1.0])
    assert h.break_even_month is None and h.saving_usd == pytest.approx(59 - 60)
    assert h.months_ahead == (1, 2, 3, 4, 5) and h.months_cheaper == (1, 2) and h.horizon_months == 6
    with pytest.raises(ValueError, match="equally long"):
        head_to_head("own", "api", [1.0, 2.0], [1.0])


def test_projection_result_compares_an_option_with_an_api() -> None:
    result = project(_scenario())
    h = result.head_to_head("bought", "api")
    assert h.break_even_month == result.break_even("bought", "api")
    assert h.saving_usd == pytest.approx(result.total_usd["api"] - result.total_usd["bought"])
    cheaper = result.monthly_usd["bought"] < result.monthly_usd["api"]
    assert h.months_cheaper == tuple(int(m) for m in result.monthly_usd.index[cheaper])
    with pytest.raises(ValueError, match="no option named"):
        result.head_to_head("bought", "missing")


@pytest.mark.parametrize("timing", ["annualised", "upfront"])
def test_self_host_detail_redoes_the_fleet_sum(timing: str) -> None:
    inputs = _scenario()
    upfront = dataclasses.replace(
        inputs.options[2].plan, ownership=dataclasses.replace(inputs.options[2].plan.ownership, capex_timing=timing)
    )
    inputs = with_option(inputs, 2, SelfHostOption("bought", upfront))
    result = project(inputs)
    for option, share in ((inputs.options[1], 1.0), (inputs.options[2], 1.0), (inputs.options[2], 0.7)):
        assert isinstance(option, SelfHostOption)
        detail = self_host_detail(inputs, option, share)
        redone = detail["gpus"] * detail["usd_per_gpu_hour"] * inputs.hours_per_month + detail["capex_usd"]
        np.testing.assert_allclose(redone + detail["ops_usd"], detail["spend_usd"], rtol=1e-12)
        plan = option.plan
        assert (detail["gpus"] == detail["replicas"] * plan.gpus_per_replica).all()
        assert (detail["utilisation_at_peak"] <= plan.target_utilisation / (1 + plan.headroom) + 1e-12).all()
        if share == 1.0:
            np.testing.assert_allclose(detail["spend_usd"], result.monthly_usd[option.name], rtol=1e-12)
            np.testing.assert_array_equal(detail["gpus"], result.gpus[option.name])
    # the hybrid's fleet is its 70% part's
    part = self_host_detail(inputs, inputs.options[2], 0.7)  # type: ignore[arg-type]
    np.testing.assert_array_equal(part["gpus"], result.gpus["mix"])


def test_tornado_sorts_inputs_by_swing() -> None:
    inputs = _scenario()
    ranges = {
        "monthly_growth": (0.02, 0.10),
        "api.price_decline_factor_per_year": (3.0, 40.0),
        "bought.plan.ownership.purchase_usd_per_gpu": (20_000.0, 40_000.0),
        "cached_share": (0.0, 0.5),
    }
    frame = tornado(inputs, ranges, option="bought", versus="api")
    assert list(frame.columns) == ["input", "low_value", "high_value", "tco_low", "tco_high", "swing"]
    assert frame["swing"].is_monotonic_decreasing
    assert set(frame["input"]) == set(ranges)
    assert frame.attrs["tco_base"] == pytest.approx(tco_usd(inputs, "bought", "api"))
    cheaper = with_input(inputs, "bought.plan.ownership.purchase_usd_per_gpu", 20_000.0)
    row = frame.set_index("input").loc["bought.plan.ownership.purchase_usd_per_gpu"]
    assert row["tco_low"] == pytest.approx(tco_usd(cheaper, "bought", "api"))


def test_tornado_of_an_api_price_is_linear() -> None:
    inputs = _scenario(monthly_growth=0.0, cached_share=0.0)
    frame = tornado(inputs, {"api.usd_per_1m_output": (0.3, 1.2)}, option="api")
    # Output costs 0.6 of (3 x 0.2 + 0.6) per 1M output; the low and high move only that part.
    base = tco_usd(inputs, "api")
    output_part = base * 0.6 / 1.2
    assert frame.loc[0, "tco_low"] == pytest.approx(base - output_part / 2)
    assert frame.loc[0, "tco_high"] == pytest.approx(base + output_part)


def test_tornado_and_with_input_reject_unknown_inputs() -> None:
    inputs = _scenario()
    with pytest.raises(ValueError, match="unknown input"):
        with_input(inputs, "nothing", 1.0)
    with pytest.raises(ValueError, match="has no input 'colour'"):
        with_input(inputs, "api.colour", 1.0)
    with pytest.raises(ValueError, match="not a number"):
        with_input(inputs, "api.sheet_name", 1.0)
    with pytest.raises(ValueError, match="not a number"):
        with_input(inputs, "growth_model", 1.0)
    with pytest.raises(ValueError, match="no option named"):
        tornado(inputs, {"monthly_growth": (0.0, 0.1)}, option="missing")
    with pytest.raises(ValueError, match="at least one input"):
        tornado(inputs, {}, option="api")
