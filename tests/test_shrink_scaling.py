"""A quantised *different* model's assumed quality: the published quantisation share times the two models' public
scores (candidate over baseline, the metric named), or, without both scores, the share times the stated assumption."""

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


def test_a_moving_name_scores_as_the_model_it_points_at(seeded_store: Store) -> None:
    """gpt-4o (a pointer to a dated snapshot) is scaled by a public score found under its name or its target's."""
    assert shrink.public_score(seeded_store, "gpt-4o", "arena_elo") is not None
    outcome = _quantise(seeded_store, "gpt-4o", "llama-3.1-8b-instruct").result.outcomes[0]
    assert outcome.quality.likely < shrink.QUANTISATION_SHARES["fp8"][1]  # an 8B model is not assumed to match it
    assert "times llama-3.1-8b-instruct's Arena Elo over gpt-4o's" in outcome.quality.describe()


def test_without_both_scores_another_model_is_not_assumed_to_match_the_baseline(seeded_store: Store) -> None:
    """No score for the baseline: the quantisation share times the stated assumption distilling uses (85-100%),
    never the share alone (which would say an 8B model keeps all of a frontier model's quality)."""
    upload = planning.save_upload(seeded_store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    request = shrink.ShrinkRequest("gpt-4o", "llama-3.1-8b-instruct", paths=("quantise",), quality_metric="no_such")
    outcome = shrink.compare_upload(seeded_store, upload, "support", request, n_paths=100).result.outcomes[0]
    low, likely, high = shrink.QUANTISATION_SHARES["fp8"]
    assumed = shrink.DISTIL_ASSUMPTION
    assert (outcome.quality.low, outcome.quality.likely, outcome.quality.high) == pytest.approx(
        (low * assumed.low, likely * assumed.likely, high * assumed.high)
    )
    assert any("multiplied by an assumed 85%-100%" in note for note in outcome.notes)
