"""One use-case call gives everything the Projections page shows of a scenario, consistent with its parts."""

from __future__ import annotations

import pytest

from pricing.planning import service as planning
from pricing.sizing import OwnershipCosts
from pricing.store import Store
from tests.test_projection import _scenario

SHEET = "litellm 1.110.2 (bundled)"


def test_evaluate_agrees_with_the_separate_calls() -> None:
    inputs = _scenario(horizon_months=24)
    uncertainty = planning.Uncertainty(n_paths=300, seed=4)
    evaluation = planning.evaluate(inputs, uncertainty)
    outcome = planning.outcome(inputs)
    assert evaluation.outcome.cheapest == outcome.cheapest
    assert list(evaluation.totals.index) == list(planning.horizon_totals(outcome.result).index)
    for name, total in outcome.result.total_usd.items():
        assert evaluation.tco.loc[name, "plan"] == pytest.approx(total)
        assert set(evaluation.bands[name].columns) == {"p10", "p50", "p90"}
    assert evaluation.monthly.equals(planning.monthly_table(outcome.result))
    assert len(evaluation.comparisons) == sum(len(v) for v in outcome.head_to_head.values())
    assert evaluation.sensitivity_of == ("rented", "api") and evaluation.sensitivity is not None
    mc = planning.run_monte_carlo(inputs, uncertainty)
    assert evaluation.tco["p50"].equals(mc.tco["p50"])


def test_evaluate_without_a_self_hosted_option_has_no_sensitivity() -> None:
    inputs = _scenario()
    api_only = type(inputs)(**{**inputs.__dict__, "options": inputs.options[:1]})
    evaluation = planning.evaluate(api_only, planning.Uncertainty(n_paths=100))
    assert evaluation.sensitivity is None and evaluation.sensitivity_of is None and not evaluation.comparisons


def test_scenario_options_price_the_choices_and_report_what_fails(seeded_store: Store) -> None:
    store = seeded_store
    flat = planning.decline_rates()[0]
    choice = planning.SelfHostChoice(
        "llama-3.1-8b-instruct", "H100 SXM", "FP8", OwnershipCosts("on-demand", usd_per_gpu_hour=3.0), 3.0
    )
    built = planning.scenario_options(
        store,
        SHEET,
        ["gpt-4o-mini", "no-such-model-xyz"],
        flat,
        choice,
        0.25,
    )
    names = [o.name for o in built.options]
    assert names[0] == "gpt-4o-mini" and built.self_host is not None and built.self_host.name in names
    assert names[-1] == "hybrid 25% self-hosted"
    assert len(built.problems) == 1 and "no-such-model-xyz" in built.problems[0]
    none = planning.scenario_options(store, SHEET, ["gpt-4o-mini"], flat, None, 0.5)
    assert [o.name for o in none.options] == ["gpt-4o-mini"] and none.self_host is None


def test_evaluate_can_leave_the_sensitivity_to_the_caller() -> None:
    inputs = _scenario(horizon_months=18)
    uncertainty = planning.Uncertainty(n_paths=200, seed=2)
    full = planning.evaluate(inputs, uncertainty)
    lean = planning.evaluate(inputs, uncertainty, with_sensitivity=False)
    assert lean.sensitivity is None and lean.sensitivity_of is None and full.sensitivity is not None
    assert lean.totals.equals(full.totals) and lean.tco.equals(full.tco) and lean.monthly.equals(full.monthly)
    assert lean.comparisons == full.comparisons
