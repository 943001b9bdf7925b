"""A scenario holding a shrunk option, saved or as a link, opens with it in the Shrink input of Spend projections, with
the settings it was costed with, so the input costs it again to the same figures."""

from __future__ import annotations

import dataclasses

import pytest

from pricing.planning import service as planning
from pricing.planning.form_values import ShrinkForm, form_values
from pricing.planning.projection import ApiOption
from pricing.shrink import service as shrink
from pricing.sizing import GPU_SPECS
from pricing.store import Store
from tests.test_shrink_projection import _with_option, comparison  # noqa: F401 - the fixture
from tests.test_shrink_spec import odd_inputs
from ui.inputs import PageKeys, scenario_state, shrink_request

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
        assert values.shrink == ShrinkForm("llama-3.1-8b-instruct", kind, shrink.settings_of(comparison.request))  # type: ignore[arg-type]
        assert values.api_models == ("gpt-4o",)  # the shrunk option is not taken for a sheet model
        assert values.self_host is None  # nor for the self-hosting form
        assert not [n for n in values.not_restored if "shrunk" in n or "self-hosted" in n]
        state, _ = scenario_state("proj", values, KEYS, api_choices=["gpt-4o"], model_choices=[])
        assert state["proj_shrink_candidate"] == "llama-3.1-8b-instruct" and state["proj_shrink_path"] == kind


def test_a_shrunk_option_costed_against_another_baseline_says_so(
    comparison: shrink.ShrinkComparison,  # noqa: F811
) -> None:
    inputs = _with_option(comparison, "distil")
    shrunk = inputs.options[1]
    assert shrunk.making is not None and shrunk.making.shrink is not None  # type: ignore[union-attr]
    making = dataclasses.replace(
        shrunk.making,  # type: ignore[union-attr]
        shrink=dataclasses.replace(shrunk.making.shrink, baseline="gpt-4.1"),  # type: ignore[union-attr]
    )
    moved = dataclasses.replace(inputs, options=(inputs.options[0], dataclasses.replace(shrunk, making=making)))
    values = form_values(
        planning.Scenario(name="moved", inputs=moved),
        decline_rates=planning.decline_rates(),
        gpus=list(GPU_SPECS),
        uploads=[],
    )
    assert values.shrink is not None and values.shrink.candidate == "llama-3.1-8b-instruct"
    assert values.api_models == ("gpt-4o",)
    assert any("costed against gpt-4.1" in n and "first API option, gpt-4o" in n for n in values.not_restored)


def test_a_shrunk_option_without_its_shrink_facts_is_listed(comparison: shrink.ShrinkComparison) -> None:  # noqa: F811
    inputs = _with_option(comparison, "distil")
    old = inputs.options[1]
    bare = dataclasses.replace(old, making=dataclasses.replace(old.making, shrink=None))  # type: ignore[union-attr]
    tuned = ApiOption("my own small model", 0.3, 1.2, making=bare.making)
    values = form_values(
        planning.Scenario(name="odd", inputs=dataclasses.replace(inputs, options=(inputs.options[0], tuned))),
        decline_rates=planning.decline_rates(),
        gpus=list(GPU_SPECS),
        uploads=[],
    )
    assert values.shrink is None
    assert any(
        n.startswith("the shrunk option 'my own small model' does not say how it was made") for n in values.not_restored
    )
    state, _ = scenario_state("proj", values, KEYS, api_choices=["gpt-4o"], model_choices=[])
    assert state["proj_shrink_candidate"] == ""


@pytest.mark.parametrize("kind", ["quantise", "distil"])
def test_a_scenario_with_non_default_shrink_settings_reopens_with_identical_figures(
    seeded_store: Store, kind: str
) -> None:
    inputs, _, upload = odd_inputs(seeded_store, kind)
    scenario = planning.Scenario(name="odd", inputs=inputs, upload_id=upload, workload="support")
    planning.save_scenario(seeded_store, scenario)
    for back in (
        planning.load_scenario(seeded_store, "odd"),
        planning.scenario_from_link(planning.scenario_link(scenario)),
    ):
        values = form_values(back, decline_rates=planning.decline_rates(), gpus=list(GPU_SPECS), uploads=[upload])
        state, notes = scenario_state("proj", values, KEYS, api_choices=["gpt-4o"], model_choices=[])
        assert not [n for n in notes if "hrink" in n], notes
        assert state["proj_shrink_gpu"] == "H200" and state["proj_shrink_lora_pct"] == pytest.approx(10.0)
        assert state["proj_shrink_retrain_months"] == 3 and state["proj_shrink_examples"] == 25_000
        request = shrink_request("proj", state, "gpt-4o")
        assert request is not None
        again = shrink.projection_option(shrink.compare_upload(seeded_store, upload, "support", request, 100), kind)
        assert again == inputs.options[1]  # the same serving option, making cost, settings, quality and sources


def test_a_changed_smaller_model_drops_the_kept_settings_without_widgets(seeded_store: Store) -> None:
    inputs, _, upload = odd_inputs(seeded_store, "distil")
    scenario = planning.Scenario(name="odd", inputs=inputs, upload_id=upload, workload="support")
    values = form_values(scenario, decline_rates=planning.decline_rates(), gpus=list(GPU_SPECS), uploads=[upload])
    state, _ = scenario_state("proj", values, KEYS, api_choices=["gpt-4o"], model_choices=[])
    kept = shrink_request("proj", state, "gpt-4o")
    assert kept is not None and kept.quality_assumption == (0.8, 0.9, 0.95) and kept.eval_items == 300
    state["proj_shrink_candidate"] = "qwen2.5-7b-instruct"
    other = shrink_request("proj", state, "gpt-4o")
    assert other is not None and other.quality_assumption is None and other.eval_items == 200
    assert other.examples == 25_000 and other.gpu == "H200"  # what the widgets show still holds
