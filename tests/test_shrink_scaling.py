"""A quantised *different* model's assumed quality: the published quantisation share times the two models' public
scores (candidate over baseline, the metric named), or, without both scores, the share alone with a note saying so."""

from __future__ import annotations

import datetime as dt

import pytest

from pricing.candidates import pick_scores
from pricing.planning import service as planning
from pricing.planning.usage_files import load_usage
from pricing.shrink import service as shrink
from pricing.store import Store
from tests.test_shrink_page import USAGE


def _quantise(store: Store, baseline: str, candidate: str) -> shrink.ShrinkComparison:
    upload = planning.save_upload(store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    request = shrink.ShrinkRequest(baseline, candidate, paths=("quantise",))
    return shrink.compare_upload(store, upload, "support", request, n_paths=100)


def _elo(store: Store, model: str) -> float:
    scores = store.scores("arena_elo")
    return float(pick_scores(scores[scores["model_id"] == model])["score"].iloc[0])


def test_quantised_different_model_is_scaled_by_the_two_public_scores(seeded_store: Store) -> None:
    comparison = _quantise(seeded_store, "llama-3.3-70b-instruct", "llama-3.1-8b-instruct")
    outcome = comparison.result.outcomes[0]
    ratio = _elo(seeded_store, "llama-3.1-8b-instruct") / _elo(seeded_store, "llama-3.3-70b-instruct")
    low, likely, high = shrink.QUANTISATION_SHARES["fp8"]
    assert (outcome.quality.low, outcome.quality.likely, outcome.quality.high) == pytest.approx(
        (low * ratio, likely * ratio, high * ratio)
    )
    assert "times llama-3.1-8b-instruct's Arena Elo over llama-3.3-70b-instruct's" in outcome.quality.describe()
    assert any("scaled by the two models' Arena Elo" in note and "LMArena" in note for note in outcome.notes)


def test_without_both_scores_the_share_stands_alone_and_says_so(seeded_store: Store) -> None:
    comparison = _quantise(seeded_store, "gpt-4o", "llama-3.1-8b-instruct")  # no Arena Elo under the id gpt-4o
    outcome = comparison.result.outcomes[0]
    assert outcome.quality.likely == pytest.approx(shrink.QUANTISATION_SHARES["fp8"][1])
    assert any("assumes llama-3.1-8b-instruct at BF16 matches the baseline" in note for note in outcome.notes)
