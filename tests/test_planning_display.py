"""What the Spend projections page shows and reads, as pure functions: labels, headlines, tables and the scenario its
form makes; the store-backed ones (GPU price defaults, scenario comparison) against a seeded copy."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pricing.exports import fmt_usd
from pricing.metrics import DEFAULT_METRIC, Metric, metric_order
from pricing.planning import display
from pricing.planning import service as planning
from pricing.planning.projection import DeclineRate, HeadToHead
from pricing.planning.usage_files import UsageLoad
from pricing.sizing import OwnershipCosts
from pricing.store import Store
from tests.test_projection import _scenario

HISTORY = pd.DataFrame(
    {
        "month": ["2026-01-01", "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"],
        "workload": ["chat", "search", "chat", "chat", "chat"],
        "requests": [10.0, 5.0, 10.0, 10.0, 10.0],
        "input_tokens": [300.0, 100.0, 330.0, 360.0, 400.0],
        "output_tokens": [100.0, 50.0, 110.0, 120.0, 200.0],
        "cached_input_tokens": [0.0, 0.0, 0.0, 36.0, 100.0],
    }
)


def comparison(saving_usd: float, break_even_month: int | None = 7) -> HeadToHead:
    return HeadToHead("own", "api", 36, break_even_month, saving_usd, (8, 9), tuple(range(7, 37)))


def test_upload_labels_name_the_file_date_and_months_or_workloads() -> None:
    uploads = pd.DataFrame(
        {
            "upload_id": ["a1"],
            "file_name": ["usage.csv"],
            "uploaded_at": [pd.Timestamp("2026-11-27 09:15:42")],
            "months": [6],
            "workloads": ["chat, search"],
        }
    )
    assert display.upload_labels(uploads) == {"a1": "usage.csv (2026-11-27 09:15, 6 months)"}
    assert display.upload_labels_with_workloads(uploads) == {"a1": "usage.csv (2026-11-27 09:15; chat, search)"}
    assert display.upload_labels(uploads.iloc[0:0]) == {}


def test_upload_text_says_what_was_read() -> None:
    load = UsageLoad(HISTORY, "monthly", 1234, "usage.csv", 4, ("chat", "search"))
    assert display.upload_text(load) == "Read 1,234 rows (monthly) from usage.csv: 4 months, workloads chat, search."


@pytest.mark.parametrize(
    ("months", "expected"),
    [(["2026-01-01"], 1), (["2026-01-01", "2026-01-31", "2026-02-01"], 2), (["2025-12-01", "2026-12-01"], 2)],
)
def test_history_months_counts_calendar_months(months: list[str], expected: int) -> None:
    assert display.history_months(pd.DataFrame({"month": months})) == expected


def test_workload_names_are_sorted_text() -> None:
    assert display.workload_names(HISTORY) == ["chat", "search"]


def test_token_volumes_and_usage_text_come_from_the_summary() -> None:
    usage = planning.summarise_usage(HISTORY)
    volumes = display.token_volumes(usage)
    assert list(volumes.index) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert volumes.loc["2026-01", "output tokens"] == 100 + 50
    assert volumes.loc["2026-01", "input tokens"] == 300 + 100
    text = display.usage_text(usage)
    assert text.startswith(
        "Projections start from the latest month (200 output tokens) priced with input:output 2.00:1"
    )
    assert f"{100 / 400:.1%} of input from cache" in text


@pytest.mark.parametrize(("months", "fits"), [(0, False), (4, False), (5, True), (12, True)])
def test_growth_is_fitted_from_five_months(months: int, fits: bool) -> None:
    usage = planning.UsageSummary(
        months=tuple(f"2026-{m + 1:02d}" for m in range(months)),
        output_tokens=(1.0,) * months,
        input_tokens=(3.0,) * months,
        requests=(1.0,) * months,
        input_output_ratio=3.0,
        cached_share=0.0,
    )
    assert display.can_fit_growth(usage) is fits
    assert display.can_fit_growth(None) is False


def test_default_models_text_gives_each_reason() -> None:
    defaults = [
        planning.DefaultModel("cheap", "cheap-id", 1300.0, "like-for-like", "matches the open model"),
        planning.DefaultModel("top", "top-id", 1400.0, "frontier", "the best score"),
    ]
    assert display.default_models_text(defaults) == (
        "Default API options: **cheap**: matches the open model. · **top**: the best score."
    )


def test_decline_text_adds_the_source_address_when_there_is_one() -> None:
    flat = DeclineRate(0.0, "list price, held flat", "")
    trend = DeclineRate(10.0, "a16z", "https://example.org/llmflation")
    assert display.decline_text(flat) == "Flat: list price, held flat"
    assert display.decline_text(trend) == "10x a year: a16z Source: https://example.org/llmflation"


def test_decline_choices_are_short_enough_for_a_closed_box_and_name_no_file_keys() -> None:
    """The select box shows a few words per choice; the caption under it gives the source in full."""
    rates = planning.decline_rates()
    labels = [planning.decline_choice_label(rate) for rate in rates]
    assert labels[0] == "Flat: each model's list price held"
    assert all(len(label) <= 75 for label in labels), max(labels, key=len)
    assert len(set(labels)) == len(labels)  # each choice tells itself apart
    for rate in rates:  # neither the list nor the caption shows a data file's source_id
        for text in (planning.decline_choice_label(rate), display.decline_text(rate)):
            assert not any(key in text for key in ("a16z_llmflation", "epoch_llm", "gundlach_2025", "lesswrong_")), text
    assert any("Gundlach et al., The price of progress (2025)" in rate.source for rate in rates)


def test_self_host_models_are_open_models_of_known_size_with_the_default_chosen() -> None:
    models = pd.DataFrame(
        {
            "model_id": ["zeta-7b", planning.DEFAULT_SELF_HOST_MODEL, "closed-1", "unsized-open"],
            "param_count_b": [7.0, 70.0, 100.0, None],
            "open_weights": [True, True, False, True],
        }
    )
    choices, index = display.self_host_models(models)
    assert choices == [display.NO_SELF_HOST, planning.DEFAULT_SELF_HOST_MODEL, "zeta-7b"]
    assert choices[index] == planning.DEFAULT_SELF_HOST_MODEL
    choices, index = display.self_host_models(models[models["model_id"] == "zeta-7b"])
    assert choices == [display.NO_SELF_HOST, "zeta-7b"] and index == 0


@pytest.mark.parametrize(
    ("saving_usd", "month", "value", "delta", "saves"),
    [
        (12_345.6, 7, "month 7", "saves $12,346 over 36 months", True),
        (0.0, 7, "month 7", "saves $0 over 36 months", True),
        (-50.5, None, "none in 36 months", "costs $50.50 more over 36 months", False),
        (-2e9, None, "none in 36 months", "costs $2,000,000,000 more over 36 months", False),
    ],
)
def test_break_even_headline(saving_usd: float, month: int | None, value: str, delta: str, saves: bool) -> None:
    headline = display.break_even_headline(comparison(saving_usd, month))
    assert (headline.value, headline.delta, headline.saves) == (value, delta, saves)
    assert headline.help.startswith("own against api. The rule: " + planning.BREAK_EVEN_RULE)


def test_uncertainty_text_lists_every_draw() -> None:
    uncertainty = planning.Uncertainty(n_paths=500, seed=3)
    text = display.uncertainty_text(uncertainty)
    assert text.startswith("Monte Carlo, centred on this scenario: Monthly volume growth: ")
    assert text.endswith("Paths: 500 (seed 3).")
    assert text.count("; ") >= len(uncertainty.describe()) - 1


def test_break_even_table_has_one_row_per_comparison_without_the_sentences() -> None:
    outcome = planning.outcome(_scenario(horizon_months=24))
    table = display.break_even_table(outcome)
    assert len(table) == sum(len(against) for against in outcome.head_to_head.values())
    assert "summary" not in table.columns and "horizon_months" not in table.columns
    first = outcome.head_to_head[table.loc[0, "option"]][table.loc[0, "versus"]]
    assert table.loc[0, "months_ahead"] == len(first.months_ahead)
    assert table.loc[0, "saving_usd"] == pytest.approx(first.saving_usd)


def test_by_period_makes_the_periods_a_column() -> None:
    monthly = planning.monthly_table(planning.outcome(_scenario(horizon_months=12)).result)
    table = display.by_period(monthly)
    assert list(table["period"]) == list(monthly.index)
    assert table.iloc[-1]["period"] == "total"


@pytest.mark.parametrize(
    ("versus", "title"),
    [("api", "What moves the 24-month cost of own minus api"), (None, "What moves the 24-month cost of own")],
)
def test_sensitivity_title(versus: str | None, title: str) -> None:
    assert display.sensitivity_title(24, "own", versus) == title


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "n/a"),
        (math.nan, "n/a"),
        (0, "$0"),
        (99.994, "$99.99"),
        (100, "$100"),
        (-1234.5, "-$1,234"),
        (0.00012345, "$0.0001234"),
    ],
)
def test_fmt_usd(value: object, text: str) -> None:
    assert fmt_usd(value) == text


def test_metric_order_puts_the_default_first_then_names() -> None:
    def metric(metric_id: str, name: str) -> Metric:
        return Metric(metric_id=metric_id, name=name, unit="%", higher_is_better=True, kind="quality")

    registry = {m.metric_id: m for m in (metric("b", "beta"), metric(DEFAULT_METRIC, "Zed"), metric("a", "Alpha"))}
    assert metric_order(registry) == [DEFAULT_METRIC, "a", "b"]


def test_volumes_ratio_is_typed_else_the_usage_mix_else_three() -> None:
    usage = planning.summarise_usage(HISTORY)
    assert planning.Volumes(input_output_ratio=2.5).ratio == 2.5
    assert planning.Volumes(usage=usage).ratio == pytest.approx(400 / 200)
    assert planning.Volumes().ratio == 3.0


def test_self_host_form_pays_rented_gpus_by_the_hour_and_bought_ones_by_their_purchase() -> None:
    form = planning.SelfHostForm(
        model_id="m", gpu="H100 SXM", precision="FP8", mode="reserved", usd_per_gpu_hour=2.5,
        purchase_usd_per_gpu=30_000.0, ops_usd_per_month=1000.0,
    )  # fmt: skip
    rented = form.choice(3.0)
    assert rented.ownership == OwnershipCosts(mode="reserved", usd_per_gpu_hour=2.5, ops_usd_per_month=1000.0)
    assert (rented.model_id, rented.gpu, rented.precision, rented.input_output_ratio) == ("m", "H100 SXM", "FP8", 3.0)
    bought = type(form)(**{**form.__dict__, "mode": "bought", "capital": {"life_years": 5.0, "pue": 1.1}}).choice(2.0)
    assert bought.ownership == OwnershipCosts(
        mode="bought", purchase_usd_per_gpu=30_000.0, ops_usd_per_month=1000.0, life_years=5.0, pue=1.1
    )
    with pytest.raises(ValueError):
        type(form)(**{**form.__dict__, "usd_per_gpu_hour": -1.0}).choice(3.0)


def test_scenario_form_from_a_kept_upload_starts_at_its_latest_month_and_notes_the_defaults() -> None:
    usage = planning.summarise_usage(HISTORY, "chat")
    options = _scenario().options[:2]
    defaults = [planning.DefaultModel("api", "api-id", 1300.0, "like-for-like", "matches the open model")]
    form = planning.ScenarioForm(
        volumes=planning.Volumes(usage=usage, upload_id="u1", workload="chat"), horizon_months=24,
        growth_model="constant", monthly_growth=0.05, peak_to_average=2.5, api_models=["api", "other"],
        defaults=defaults,
    )  # fmt: skip
    uncertainty = planning.Uncertainty(n_paths=100)
    scenario = form.scenario("Base", options, uncertainty)
    inputs = scenario.inputs
    assert inputs.base_output_tokens_per_month == 200
    assert inputs.input_output_ratio == pytest.approx(400 / 200)
    assert inputs.cached_share == pytest.approx(100 / 400)
    assert (inputs.horizon_months, inputs.monthly_growth, inputs.peak_to_average) == (24, 0.05, 2.5)
    assert (scenario.name, scenario.upload_id, scenario.workload, scenario.uncertainty) == (
        "Base",
        "u1",
        "chat",
        uncertainty,
    )
    assert scenario.mix_window == usage.mix_window
    assert scenario.notes == ("API option api (default): matches the open model",)


def test_scenario_form_with_typed_volumes_uses_them() -> None:
    form = planning.ScenarioForm(
        volumes=planning.Volumes(base_output_tokens=2e9, input_output_ratio=4.0), horizon_months=18,
        growth_model="best", monthly_growth=0.02, peak_to_average=2.0,
    )  # fmt: skip
    scenario = form.scenario("Typed", _scenario().options[:1], planning.Uncertainty())
    inputs = scenario.inputs
    assert (inputs.base_output_tokens_per_month, inputs.input_output_ratio, inputs.growth_model) == (
        2e9,
        4.0,
        "constant",
    )
    assert scenario.mix_window is None and scenario.upload_id is None and scenario.notes == ()


def test_a_scenario_link_round_trips_and_a_damaged_one_is_refused() -> None:
    scenario = planning.Scenario("Linked", _scenario(horizon_months=18), uncertainty=planning.Uncertainty(seed=9))
    assert planning.scenario_from_link(planning.scenario_link(scenario)) == scenario
    with pytest.raises(ValueError, match="damaged"):
        planning.scenario_from_link("not-a-link")


def test_form_gpu_price_is_the_stored_rate_else_an_assumption(seeded_store: Store, tmp_path: Path) -> None:
    on_demand = planning.gpu_hourly_price(seeded_store, "H100 SXM", "on-demand")
    assert planning.form_gpu_price(seeded_store, "H100 SXM", "bought") == on_demand
    assert planning.form_gpu_price(seeded_store, "H100 SXM", "reserved") == planning.gpu_hourly_price(
        seeded_store, "H100 SXM", "reserved"
    )
    empty = Store(tmp_path / "empty.duckdb")
    try:
        assert planning.form_gpu_price(empty, "H100 SXM", "on-demand") == planning.GPU_PRICE_ASSUMPTION
    finally:
        empty.close()


def test_compare_scenarios_gives_each_saved_scenario_its_totals(seeded_store: Store) -> None:
    long = planning.Scenario("Long", _scenario(horizon_months=36))
    short = planning.Scenario("Short", _scenario(horizon_months=12))
    for scenario in (long, short):
        planning.save_scenario(seeded_store, scenario)
    table = planning.compare_scenarios(seeded_store, ["Long", "Short"])
    assert list(table.index) == ["Long", "Short"]
    assert table.loc["Short", "horizon (months)"] == 12
    totals = planning.outcome(short.inputs).result.total_usd
    for option, total in totals.items():
        assert table.loc["Short", option] == pytest.approx(total)
    assert table.loc["Short", "cheapest"] == totals.idxmin()
