"""A scenario from a link or a saved file is untrusted: every field is type-checked, unknown keys are refused,
and the error says which field."""

from __future__ import annotations

import copy
import json

import pytest

from pricing.planning.projection import ProjectionInputs
from pricing.planning.service import Scenario, Uncertainty
from tests.test_projection import _scenario


def plain() -> dict[str, object]:
    return json.loads(json.dumps(_scenario().to_dict()))


def test_a_scenario_round_trips_through_json_exactly() -> None:
    inputs = _scenario()
    assert ProjectionInputs.from_dict(plain()) == inputs
    assert Scenario.from_dict(json.loads(json.dumps(Scenario("s", inputs).to_dict()))).inputs == inputs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["options"][0].update(usd_per_1m_input="cheap"), r"usd_per_1m_input: Input should be a valid"),
        (lambda d: d["options"][2]["plan"].update(colour="red"), r"unknown self-host option fields|colour"),
        (lambda d: d["options"][2]["plan"]["ownership"].update(mode="leased"), r"mode"),
        (lambda d: d["options"][0].update(usd_per_1m_input=-1.0), r"prices must not be negative"),
        (lambda d: d.update(horizon_months="thirty-six"), r"horizon_months"),
        (lambda d: d["options"].append("gpt-4o"), r"option must be an object"),
        (lambda d: d["options"][3].update(shares=[["bought", "most"]]), r"shares"),
    ],
)
def test_bad_fields_are_refused_and_named(change: object, message: str) -> None:
    data = copy.deepcopy(plain())
    change(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        ProjectionInputs.from_dict(data)


def test_uncertainty_checks_types_and_keeps_old_fields_readable() -> None:
    assert Uncertainty.from_dict({"n_paths": "500", "seed": 3}) == Uncertainty(n_paths=500, seed=3)
    with pytest.raises(ValueError, match="n_paths"):
        Uncertainty.from_dict({"n_paths": "many"})
    with pytest.raises(ValueError, match="unknown uncertainty fields: colour"):
        Uncertainty.from_dict({"colour": 1})
