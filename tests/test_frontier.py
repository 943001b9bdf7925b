"""Pareto frontier: ties, dominance, directions and agreement with the naive check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from benchmarks.baselines import pareto_mask_naive
from pricing.frontier import mark_frontier, pareto_mask


def test_frontier_keeps_ties() -> None:
    mask = pareto_mask([1.0, 1.0, 2.0], [50.0, 50.0, 40.0])
    assert mask.tolist() == [True, True, False]


def test_same_quality_at_higher_cost_is_dominated() -> None:
    assert pareto_mask([1.0, 2.0], [50.0, 50.0]).tolist() == [True, False]


def test_same_cost_lower_quality_is_dominated() -> None:
    assert pareto_mask([1.0, 1.0], [50.0, 60.0]).tolist() == [False, True]


def test_staircase() -> None:
    cost = [0.1, 0.5, 0.3, 2.0, 1.0, 5.0]
    quality = [40, 70, 60, 65, 80, 90]
    assert pareto_mask(cost, quality).tolist() == [True, True, True, False, True, True]


def test_all_but_one_dominated() -> None:
    assert pareto_mask([1, 2, 3], [9, 8, 7]).tolist() == [True, False, False]


def test_nan_points_are_never_on_the_frontier() -> None:
    assert pareto_mask([1.0, math.nan, 2.0], [10.0, 99.0, math.nan]).tolist() == [True, False, False]


def test_empty_input() -> None:
    assert pareto_mask([], []).tolist() == []


def test_lower_quality_is_better_direction() -> None:
    # e.g. latency as the "quality" axis: lower is better
    assert pareto_mask([1, 2, 3], [300, 200, 250], quality_higher_is_better=False).tolist() == [True, True, False]


def test_higher_cost_axis_is_better_direction() -> None:
    # e.g. throughput on the x axis: higher is better
    assert pareto_mask([100, 50], [10, 20], cost_lower_is_better=False).tolist() == [True, True]


def test_huge_values() -> None:
    assert pareto_mask([1e-12, 1e12], [1e300, 1e301]).tolist() == [True, True]


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_naive_dominance_check(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 20, 300).astype(float)  # small ranges force many ties
    quality = rng.integers(1, 20, 300).astype(float)
    assert (pareto_mask(cost, quality) == pareto_mask_naive(cost, quality)).all()


def test_mark_frontier_adds_column_sorted_by_cost() -> None:
    frame = pd.DataFrame({"cost_usd": [3.0, 1.0, 2.0], "quality": [90, 50, 40], "name": ["a", "b", "c"]})
    marked = mark_frontier(frame, "cost_usd", "quality")
    assert marked["name"].tolist() == ["b", "c", "a"]
    assert marked["on_frontier"].tolist() == [True, False, True]


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        pareto_mask([1, 2], [1])
