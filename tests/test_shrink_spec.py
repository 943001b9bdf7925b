"""A shrunk option keeps how it was made as structured facts (`MakingCost.shrink`): the path, both models, the settings
it was costed with, its quality and each cost with its source; scenarios keep them exactly through a save, a link and
JSON, and an old scenario without them still loads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from pricing.planning import service as planning
from pricing.planning.projection import ProjectionInputs, SelfHostOption, ShrinkSettings
from pricing.planning.usage_files import load_usage
from pricing.shrink import service as shrink
from pricing.store import Store
from tests.test_shrink_page import USAGE

# Every setting away from its default, so a setting lost on the way shows as other figures.
ODD_SETTINGS = {
    "gpu": "H200",
    "quantised_precision": "int8",
    "student_precision": "fp8",
    "examples": 25_000,
    "input_tokens_per_example": 900.0,
    "output_tokens_per_example": 300.0,
    "epochs": 2.0,
    "lora_share": 0.1,
    "training_utilisation": 0.25,
    "retrain_every_months": 3,
    "eval_items": 300,
    "required_quality": 0.8,
    "quality_assumption": (0.8, 0.9, 0.95),
}


def odd_request(kind: str) -> shrink.ShrinkRequest:
    return shrink.ShrinkRequest("gpt-4o", "llama-3.1-8b-instruct", paths=(kind,), **ODD_SETTINGS)  # type: ignore[arg-type]


def odd_inputs(store: Store, kind: str) -> tuple[ProjectionInputs, shrink.ShrinkComparison, str]:
    """A projection holding gpt-4o and the shrunk option costed with `ODD_SETTINGS`, its comparison and upload."""
    upload = planning.save_upload(store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    comparison = shrink.compare_upload(store, upload, "support", odd_request(kind), n_paths=100)
    projection = comparison.inputs.projection
    baseline = next(o for o in projection.options if o.name == comparison.result.baseline)
    inputs = dataclasses.replace(projection, options=(baseline, shrink.projection_option(comparison, kind)))
    return inputs, comparison, upload


def test_every_request_field_is_a_kept_setting_or_the_scenarios_own() -> None:
    settings = {f.name for f in dataclasses.fields(ShrinkSettings)}
    request = {f.name for f in dataclasses.fields(shrink.ShrinkRequest)}
    assert request == settings | shrink.NOT_SETTINGS and not settings & shrink.NOT_SETTINGS
    asked = odd_request("distil")
    assert shrink.request_from_settings("gpt-4o", "llama-3.1-8b-instruct", "distil", shrink.settings_of(asked)) == asked


def test_a_shrunk_option_carries_its_path_models_settings_quality_and_sources(seeded_store: Store) -> None:
    inputs, comparison, _ = odd_inputs(seeded_store, "distil")
    option = inputs.options[1]
    assert isinstance(option, SelfHostOption) and option.making is not None
    spec = option.making.shrink
    assert spec is not None
    assert (spec.path, spec.baseline, spec.candidate) == ("distil", "gpt-4o", "llama-3.1-8b-instruct")
    assert spec.settings == shrink.settings_of(odd_request("distil"))
    assert spec.settings.gpu == "H200" and spec.settings.lora_share == 0.1 and spec.settings.retrain_every_months == 3
    (outcome,) = comparison.result.outcomes
    assert spec.quality.kind == "assumed"
    assert (spec.quality.low_share, spec.quality.likely_share, spec.quality.high_share) == (0.8, 0.9, 0.95)
    assert spec.quality.required_share == 0.8 and spec.quality.meets_required
    assert [line.what for line in spec.costs] == [item.what for item in outcome.items]
    assert sum(line.usd for line in spec.costs) == pytest.approx(option.making.one_off_usd)
    training = next(line for line in spec.costs if line.what.startswith("Training"))
    assert training.url.startswith("https://") and training.as_of  # the GPU's datasheet, dated
    assert option.making.retrain_every_months == 3


@pytest.mark.parametrize("kind", ["quantise", "distil"])
def test_a_scenario_keeps_the_shrink_facts_exactly_through_save_link_and_json(seeded_store: Store, kind: str) -> None:
    inputs, _, upload = odd_inputs(seeded_store, kind)
    scenario = planning.Scenario(name="odd shrink", inputs=inputs, upload_id=upload, workload="support")
    planning.save_scenario(seeded_store, scenario)
    assert planning.load_scenario(seeded_store, "odd shrink").inputs == inputs
    assert planning.scenario_from_link(planning.scenario_link(scenario)).inputs == inputs
    assert ProjectionInputs.from_dict(json.loads(json.dumps(inputs.to_dict()))) == inputs


def test_an_old_scenario_without_shrink_facts_still_loads(seeded_store: Store) -> None:
    inputs, _, _ = odd_inputs(seeded_store, "distil")
    data = json.loads(json.dumps(inputs.to_dict()))
    del data["options"][1]["making"]["shrink"]
    back = ProjectionInputs.from_dict(data)
    making = back.options[1].making  # type: ignore[union-attr]
    assert making is not None and making.shrink is None and making.one_off_usd > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["settings"].update(colour="red"), r"making\.shrink\.settings\.colour"),
        (lambda s: s["quality"].update(kind="guessed"), "assumed or measured"),
        (lambda s: s["settings"].update(examples="many"), "examples"),
    ],
)
def test_a_bad_shrink_fact_in_a_scenario_is_refused_with_where(
    seeded_store: Store, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    inputs, _, _ = odd_inputs(seeded_store, "distil")
    data = json.loads(json.dumps(inputs.to_dict()))
    change(data["options"][1]["making"]["shrink"])
    with pytest.raises(ValueError, match=message):
        ProjectionInputs.from_dict(data)
