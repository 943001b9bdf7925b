"""One use-case call gives everything the Projections page shows of a scenario, consistent with its parts."""

from __future__ import annotations

import pytest

from pricing.planning import service as planning
from tests.test_projection import _scenario


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
