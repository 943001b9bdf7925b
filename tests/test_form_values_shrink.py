"""A scenario holding a shrunk option, saved or as a link, opens with it in the Shrink input of Spend projections."""

from __future__ import annotations

import dataclasses

import pytest

from pricing.planning import service as planning
from pricing.planning.form_values import ShrinkForm, form_values
from pricing.planning.projection import ApiOption, MakingCost
from pricing.shrink import service as shrink
from pricing.sizing import GPU_SPECS
from pricing.store import Store
from tests.test_shrink_projection import _with_option, comparison  # noqa: F401 - the fixture
from ui.inputs import PageKeys, scenario_state

KEYS = PageKeys(
    horizon="proj_horizon",
    growth_model="proj_growth_model",
    growth_chosen="proj_growth_chosen",
    growth_pct="proj_growth_pct",
    api="proj_api_models",
    decline="proj_decline",
    hybrid="proj_hybrid_pct",
)


@pytest.mark.parametrize("kind", ["quantise", "distil"])
def test_a_saved_or_linked_shrunk_option_goes_back_to_the_shrink_input(
    seeded_store: Store,
    comparison: shrink.ShrinkComparison,  # noqa: F811
    kind: str,
) -> None:
    scenario = planning.Scenario(name="shrunk", inputs=_with_option(comparison, kind), workload="support")
    planning.save_scenario(seeded_store, scenario)
    for back in (
        planning.load_scenario(seeded_store, "shrunk"),
        planning.scenario_from_link(planning.scenario_link(scenario)),
    ):
        values = form_values(back, decline_rates=planning.decline_rates(), gpus=list(GPU_SPECS), uploads=[])
        assert values.shrink == ShrinkForm("llama-3.1-8b-instruct", kind)
        assert values.api_models == ("gpt-4o",)  # the shrunk option is not taken for a sheet model
        assert values.self_host is None  # nor for the self-hosting form
        assert not [n for n in values.not_restored if "shrunk" in n or "self-hosted" in n]
        state, _ = scenario_state("proj", values, KEYS, api_choices=["gpt-4o"], model_choices=[])
        assert state["proj_shrink_candidate"] == "llama-3.1-8b-instruct" and state["proj_shrink_path"] == kind


def test_a_fine_tuned_option_costed_against_another_baseline_says_so(
    comparison: shrink.ShrinkComparison,  # noqa: F811
) -> None:
    baseline = _with_option(comparison, "distil").options[0]
    making = MakingCost(one_off_usd=120.0, source="shrink (fine-tune) against gpt-4.1: training 120 USD (file)")
    tuned = ApiOption("gpt-4o-mini-2024-07-18 fine-tuned (openai)", 0.3, 1.2, making=making)
    inputs = dataclasses.replace(_with_option(comparison, "distil"), options=(baseline, tuned))
    values = form_values(
        planning.Scenario(name="tuned", inputs=inputs),
        decline_rates=planning.decline_rates(),
        gpus=list(GPU_SPECS),
        uploads=[],
    )
    assert values.shrink == ShrinkForm("gpt-4o-mini-2024-07-18", "fine-tune")
    assert values.api_models == ("gpt-4o",)
    assert any("costed against gpt-4.1" in n and "first API option, gpt-4o" in n for n in values.not_restored)


def test_a_shrunk_option_the_input_cannot_set_is_listed(comparison: shrink.ShrinkComparison) -> None:  # noqa: F811
    inputs = _with_option(comparison, "distil")
    odd = dataclasses.replace(inputs.options[1], name="my own small model")
    values = form_values(
        planning.Scenario(name="odd", inputs=dataclasses.replace(inputs, options=(inputs.options[0], odd))),
        decline_rates=planning.decline_rates(),
        gpus=list(GPU_SPECS),
        uploads=[],
    )
    assert values.shrink is None
    assert "the shrunk option 'my own small model' is not one the Shrink input can set" in values.not_restored
    state, _ = scenario_state("proj", values, KEYS, api_choices=["gpt-4o"], model_choices=[])
    assert state["proj_shrink_candidate"] == ""
