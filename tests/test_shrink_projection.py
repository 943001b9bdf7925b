"""A shrink path as a Spend projections option: its serving option with what making it costs (one-off in month 1,
re-training every K months), projected like any option, and kept by saved scenarios and scenario links."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from pricing.planning import service as planning
from pricing.planning.projection import MakingCost, ProjectionInputs, project
from pricing.planning.usage_files import load_usage
from pricing.shrink import service as shrink
from pricing.store import Store
from tests.test_shrink_page import USAGE


def test_making_cost_is_one_off_then_every_k_months() -> None:
    making = MakingCost(one_off_usd=1000.0, retrain_usd=400.0, retrain_every_months=6, source="test")
    expected = np.zeros(18)
    expected[0], expected[6], expected[12] = 1000.0, 400.0, 400.0
    assert making.monthly_usd(18) == pytest.approx(expected)
    assert MakingCost(one_off_usd=50.0, source="once").monthly_usd(3) == pytest.approx([50.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"one_off_usd": -1.0}, "must be a finite USD amount, not negative"),
        ({"one_off_usd": 1.0, "retrain_usd": float("inf")}, "re-training cost must be a finite"),
        ({"one_off_usd": 1.0, "retrain_every_months": 0}, "use 1 or more, or none"),
    ],
)
def test_a_bad_making_cost_is_refused(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MakingCost(source="test", **fields)  # type: ignore[arg-type]


@pytest.fixture()
def comparison(seeded_store: Store) -> shrink.ShrinkComparison:
    upload = planning.save_upload(seeded_store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    request = shrink.ShrinkRequest("gpt-4o", "llama-3.1-8b-instruct", paths=("quantise", "distil"))
    return shrink.compare_upload(seeded_store, upload, "support", request, n_paths=100)


def _with_option(comparison: shrink.ShrinkComparison, kind: str) -> ProjectionInputs:
    projection = comparison.inputs.projection
    baseline = next(o for o in projection.options if o.name == comparison.result.baseline)
    return dataclasses.replace(projection, options=(baseline, shrink.projection_option(comparison, kind)))


@pytest.mark.parametrize("kind", ["quantise", "distil"])
def test_the_projection_of_a_shrunk_option_equals_the_shrink_engines_costs(
    comparison: shrink.ShrinkComparison, kind: str
) -> None:
    inputs = _with_option(comparison, kind)
    name = inputs.options[1].name
    projected = project(inputs).cumulative_usd[name].to_numpy()
    assert projected == pytest.approx(comparison.result.cumulative_usd[name].to_numpy())
    outcome = next(o for o in comparison.result.outcomes if o.kind == kind)
    assert projected[0] == pytest.approx(outcome.monthly_run_usd + outcome.one_off_usd)
    making = inputs.options[1].making  # type: ignore[union-attr]
    assert making is not None and f"shrink ({kind}) against gpt-4o" in making.source


def test_scenarios_keep_the_shrunk_option_saved_and_as_a_link(
    seeded_store: Store, comparison: shrink.ShrinkComparison
) -> None:
    inputs = _with_option(comparison, "distil")
    scenario = planning.Scenario(name="shrink it", inputs=inputs, workload="support")
    planning.save_scenario(seeded_store, scenario)
    for back in (
        planning.load_scenario(seeded_store, "shrink it"),
        planning.scenario_from_link(planning.scenario_link(scenario)),
        planning.Scenario.from_dict(json.loads(json.dumps(scenario.to_dict()))),
    ):
        assert back.inputs.options == inputs.options
        assert project(back.inputs).total_usd.to_dict() == pytest.approx(project(inputs).total_usd.to_dict())


def test_a_link_with_a_negative_making_cost_is_refused_with_where(comparison: shrink.ShrinkComparison) -> None:
    data = planning.Scenario(name="x", inputs=_with_option(comparison, "distil")).to_dict()
    data["inputs"]["options"][1]["making"]["one_off_usd"] = -5  # type: ignore[index]
    with pytest.raises(ValueError, match="not negative"):
        planning.Scenario.from_dict(data)


def test_an_uncosted_path_is_refused_naming_why(comparison: shrink.ShrinkComparison) -> None:
    with pytest.raises(shrink.ShrinkInputError, match="the fine-tune path was not costed"):
        shrink.projection_option(comparison, "fine-tune")
