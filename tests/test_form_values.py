"""A saved scenario back as the Spend projections form's values: every kind of option, and what cannot be shown."""

from __future__ import annotations

import dataclasses

from pricing.planning import service as planning
from pricing.planning.form_values import form_values
from pricing.planning.projection import SelfHostOption
from pricing.sizing import GPU_SPECS
from pricing.store import Store
from tests.test_projection_decisions import option_kinds


def test_a_scenario_gives_back_the_form_that_made_it(seeded_store: Store) -> None:
    _flat, falling, reserved, _on_demand, _bought, hybrid = option_kinds(seeded_store)
    inputs = planning.build_inputs(None, (falling, reserved, hybrid), 24, "constant", 0.07, base_output_tokens=5e8)
    scenario = planning.Scenario("Base", inputs, uncertainty=planning.Uncertainty(n_paths=2000, seed=7))
    values = form_values(scenario, decline_rates=planning.decline_rates(), gpus=list(GPU_SPECS), uploads=[])
    assert (values.horizon_months, values.base_output_tokens, values.growth_model) == (24, 5e8, "constant")
    assert abs(values.growth_pct - 7) < 1e-9 and values.api_models == ("gpt-4.1",)
    assert planning.decline_rates()[values.decline_index].source == falling.price_decline_source
    assert values.self_host is not None and isinstance(reserved, SelfHostOption)
    own = values.self_host
    assert (own.model_id, own.gpu, own.precision) == ("llama-3.1-8b-instruct", "H100 SXM", "FP8")
    assert own.usd_per_gpu_hour == reserved.plan.ownership.usd_per_gpu_hour
    assert values.hybrid_pct == 60 and values.uncertainty.seed == 7 and not values.not_restored


def test_what_the_form_cannot_show_is_said(seeded_store: Store) -> None:
    _flat, falling, reserved, on_demand, _bought, _hybrid = option_kinds(seeded_store)
    odd = dataclasses.replace(falling, price_decline_factor_per_year=2.5, price_decline_source="set by hand")
    inputs = planning.build_inputs(None, (odd, reserved, on_demand), 36, "constant", 0.0)
    scenario = planning.Scenario("Odd", inputs, upload_id="gone")
    values = form_values(scenario, decline_rates=planning.decline_rates(), gpus=list(GPU_SPECS), uploads=[])
    notes = " ".join(values.not_restored)
    assert "2.5x a year" in notes and "first of its 2 self-hosted options" in notes and "not kept" in notes
    assert values.upload_id is None
