"""Planning's inputs in words: every assumption row and every sensitivity input is named without an internal key and
valued without scientific notation, for every kind of option (API flat and falling, rented, bought, hybrid)."""

from __future__ import annotations

import re

import pytest

from pricing.exports import fmt_number, fmt_usd
from pricing.planning import readable
from pricing.planning import service as planning
from pricing.planning.projection import SelfHostOption
from pricing.report.charts import tornado_figure
from pricing.store import Store
from tests.test_projection_decisions import scenario_inputs

INTERNAL = re.compile(r"[a-z]_[a-z]|\.plan\.|options\[|^inputs\.|^uncertainty\.")
SCIENTIFIC = re.compile(r"\d[eE][+-]\d")  # 6.803e+08; a commit hash like 4e4 is not one


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (6.803e8, "680,000,000"),
        (15220.0, "15,200"),
        (0.00123456, "0.00123"),
        (2.0, "2"),
        (1e15, "1,000,000,000,000,000"),
        (-0.5, "-0.5"),
        (None, "n/a"),
    ],
)
def test_fmt_number_rounds_and_separates_without_scientific_notation(value: object, text: str) -> None:
    assert fmt_number(value) == text


@pytest.mark.parametrize(("value", "text"), [(2140710.4, "$2,140,710"), (4.1e-06, "$0.0000041"), (-12.5, "-$12.50")])
def test_fmt_usd_never_prints_scientific_notation(value: float, text: str) -> None:
    assert fmt_usd(value) == text


def test_every_assumption_row_is_in_words(seeded_store: Store) -> None:
    scenario = planning.Scenario("Every kind", scenario_inputs(seeded_store, "fitted"))
    rows = readable.assumption_rows(scenario.to_dict())
    labels = [label for label, _ in rows]
    for label, value in rows:
        assert not INTERNAL.search(label.split(": ", 1)[-1]), label
        assert not SCIENTIFIC.search(value), (label, value)
    assert len(labels) == len(set(labels)), "two rows with the same name"
    assert "bought llama-3.1-8b: purchase price per GPU" in labels  # a bought fleet lists its capital terms...
    reserved = next(o.name for o in scenario.inputs.options if isinstance(o, SelfHostOption))
    assert f"{reserved}: purchase price per GPU" not in labels  # ...a rented one does not
    shares = dict(rows)["hybrid 60% self-hosted: traffic split"]
    assert shares.startswith("60% on ") and "40% on " in shares
    assert (
        dict(rows)["Usage history"].endswith(" output tokens a month")
        and " months, from " in dict(rows)["Usage history"]
    )


def test_sensitivity_names_inputs_in_words_and_values_with_units(seeded_store: Store) -> None:
    inputs = scenario_inputs(seeded_store, "constant")
    own = next(o for o in inputs.options if isinstance(o, SelfHostOption))
    frame = planning.sensitivity(inputs, own.name, "gpt-4o-mini").set_index("input")
    assert frame.loc[f"{own.name}.plan.replica_output_tokens_per_s", "label"] == (
        "Output tokens per second per replica (self-hosted)"
    )
    assert frame.loc["gpt-4o-mini.price_decline_factor_per_year", "label"] == "API price change per year (gpt-4o-mini)"
    assert frame.loc["gpt-4o-mini.price_decline_factor_per_year", ["low_text", "high_text"]].tolist() == [
        "rises 2x a year",
        "falls 2x a year",
    ]
    assert frame.loc["volume_scale", "label"] == "Output tokens, every month"
    assert frame.loc["volume_scale", ["low_text", "high_text"]].tolist() == [
        "0.5x (1,560,000,000 in month 1)",  # 3e9 grown 4% for a month, halved and doubled
        "2x (6,240,000,000 in month 1)",
    ]
    for label in frame["label"]:
        assert "_" not in label and ".plan." not in label, label
    figure = tornado_figure(frame.reset_index(), "title", 36)
    assert set(figure.data[0].y) == set(frame["label"])  # the chart's bars are named in words, not by key


def test_a_field_without_words_is_still_readable() -> None:
    rows = readable.assumption_rows({"inputs": {"new_usd_per_gpu_hour": 1234567.0}})
    assert rows == [("New USD per GPU hour", "1,235,000")]
