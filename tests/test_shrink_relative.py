"""The explorer's relative view as pure functions: shares of a baseline's quality, multiples of its cost, the
sentences, intervals of own evals, the default baseline, and the refusals."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pricing import service
from pricing.candidates import CandidateOptions
from pricing.metrics import COST_METRICS, Metric
from pricing.shrink.display import relative_figure, relative_table
from pricing.shrink.relative import (
    RelativeViewError,
    default_baseline,
    offer_id,
    relative_view,
    sentence,
    wilson_interval,
)
from pricing.store import Store

ELO = Metric("arena_elo", "LMArena Elo", "Elo", True, "quality")
OWN = Metric("own:faq", "Own eval: faq", "%", True, "quality")
ERRORS = Metric("errors", "Error rate", "%", False, "quality")
BLENDED = COST_METRICS["blended_usd_per_1m"]


def frame(rows: list[tuple[str, float, float, bool]], raw: list[str] | None = None) -> pd.DataFrame:
    """Candidates as the frontier service returns them: (model, cost USD, quality, on the frontier)."""
    return pd.DataFrame(
        {
            "model_id": [r[0] for r in rows],
            "model_key": [f"key-{r[0]}" for r in rows],
            "display_name": [r[0].title() for r in rows],
            "provider": "maker",
            "offer_label": "maker (maker's list price)",
            "cost_usd": [r[1] for r in rows],
            "quality": [r[2] for r in rows],
            "on_frontier": [r[3] for r in rows],
            "quality_source": "LMArena",
            "quality_date": pd.Timestamp("2026-01-05"),
            "price_date": pd.Timestamp("2026-02-01"),
            "raw_model_name": raw or [r[0] for r in rows],
        }
    )


ROWS = [
    ("big", 10.0, 1000.0, False),
    ("mid", 2.0, 950.0, True),
    ("small", 0.5, 800.0, True),
    ("top", 12.0, 1010.0, True),
]


def test_shares_and_multiples_are_against_the_baseline() -> None:
    view = relative_view(frame(ROWS), ELO, BLENDED, offer_id("big", "key-big"))
    by_model = view.candidates.set_index("model_id")
    assert by_model.loc["big", "quality_pct"] == pytest.approx(100.0)
    assert by_model.loc["big", "cost_multiple"] == pytest.approx(1.0)
    assert by_model.loc["mid", "quality_pct"] == pytest.approx(950 / 1000 * 100)
    assert by_model.loc["small", "cost_multiple"] == pytest.approx(0.5 / 10)
    assert by_model.loc["small", "sentence"] == "80% of the baseline's score at 1/20 of its cost"
    assert by_model.loc["mid", "sentence"] == "95% of the baseline's score at 1/5 of its cost"
    assert by_model.loc["top", "sentence"] == "101% of the baseline's score at 1.2x its cost"
    assert by_model.loc["big", "sentence"] == "the baseline"


def test_default_baseline_is_the_most_expensive_offer_in_view() -> None:
    candidates = frame(ROWS)
    assert default_baseline(candidates) == "top@key-top"
    assert relative_view(candidates, ELO, BLENDED).baseline.display_name == "Top"


def test_ties_for_most_expensive_take_the_first() -> None:
    candidates = frame([("a", 5.0, 900.0, True), ("b", 5.0, 950.0, True)])
    assert default_baseline(candidates) == "a@key-a"


def test_frontier_keeps_its_points_cheapest_first() -> None:
    view = relative_view(frame(ROWS), ELO, BLENDED)
    assert list(view.frontier["model_id"]) == ["small", "mid", "top"]
    table = relative_table(view)
    assert list(table["Model"]) == ["Top", "Small", "Mid"]  # the baseline first, then the frontier
    assert table.loc[1, "Against the baseline"] == "79% of the baseline's score at 1/24 of its cost"
    assert "95% interval, low (%)" not in table.columns  # public scores have no interval: no column of blanks


@pytest.mark.parametrize(
    ("multiple", "words"),
    [(0.1, "at 1/10 of its cost"), (0.4, "at 1/2.5 of its cost"), (1.0, "at the same cost"), (3.0, "at 3x its cost")],
)
def test_sentence_names_the_fraction_of_the_cost(multiple: float, words: str) -> None:
    assert sentence(80.0, multiple) == f"80% of the baseline's score {words}"


def test_a_lower_is_better_metric_shares_the_baseline_over_the_offer() -> None:
    view = relative_view(frame([("a", 10.0, 20.0, False), ("b", 1.0, 40.0, True)]), ERRORS, BLENDED, "a@key-a")
    b = view.candidates.set_index("model_id").loc["b"]
    assert b["quality_pct"] == pytest.approx(20 / 40 * 100)


def test_own_eval_intervals_come_from_their_item_counts() -> None:
    candidates = frame(
        [("base", 10.0, 80.0, False), ("student", 1.0, 60.0, True)],
        raw=["base (100 items)", "student (50 items)"],
    )
    view = relative_view(candidates, OWN, BLENDED, "base@key-base")
    student = view.candidates.set_index("model_id").loc["student"]
    low, high = wilson_interval(0.6, 50)
    assert student["quality_pct_low"] == pytest.approx(low * 100 / 80 * 100)
    assert student["quality_pct_high"] == pytest.approx(high * 100 / 80 * 100)
    assert student["sentence"] == (
        f"75% (95% interval {low * 100 / 80 * 100:.0f}-{high * 100 / 80 * 100:.0f}%) of the baseline's score "
        "at 1/10 of its cost"
    )
    error_y = relative_figure(view).data[-2].error_y
    assert error_y.array[0] == pytest.approx(student["quality_pct_high"] - student["quality_pct"])


def test_wilson_interval_closed_form() -> None:
    z, n, p = 1.96, 50, 0.6
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(p, n) == pytest.approx((centre - half, centre + half))


def test_public_metric_without_intervals_has_none() -> None:
    view = relative_view(frame(ROWS), ELO, BLENDED)
    assert view.candidates["quality_pct_low"].isna().all()
    assert "interval" not in " ".join(view.candidates["sentence"])


def test_figure_places_the_baseline_at_one_x_and_100_percent_with_guides() -> None:
    figure = relative_figure(relative_view(frame(ROWS), ELO, BLENDED, "big@key-big"))
    baseline = next(trace for trace in figure.data if trace.name.startswith("Baseline"))
    assert (baseline.x[0], baseline.y[0]) == (pytest.approx(1.0), pytest.approx(100.0))
    assert figure.layout.xaxis.title.text.startswith("Cost as a multiple of the baseline's")
    assert figure.layout.yaxis.title.text == "% of the baseline's LMArena Elo"
    guides = {(shape.type, shape.x0, shape.y0) for shape in figure.layout.shapes}
    assert any(y0 == 80 for kind, _, y0 in guides if kind == "line") and any(x0 == 0.1 for _, x0, _ in guides)


@pytest.mark.parametrize(
    ("rows", "baseline", "message"),
    [
        (ROWS, "gone@key-gone", "is not in view"),
        ([("zero", 1.0, 0.0, True), ("b", 0.5, 10.0, True)], "zero@key-zero", "a share of it cannot be taken"),
        ([], None, "no offer is in view"),
    ],
)
def test_an_unusable_baseline_is_refused_with_what_to_do(
    rows: list[tuple[str, float, float, bool]], baseline: str | None, message: str
) -> None:
    candidates = frame(rows) if rows else frame([]).iloc[0:0]
    with pytest.raises(RelativeViewError, match=message):
        relative_view(candidates, ELO, BLENDED, baseline)


def test_seeded_frontier_against_its_most_expensive_offer(seeded_store: Store) -> None:
    result = service.frontier(seeded_store, "arena_elo", service.default_sheet(seeded_store), CandidateOptions())
    view = relative_view(result.candidates, result.metric, result.cost_metric)
    assert view.baseline.cost_usd == pytest.approx(result.candidates["cost_usd"].max())
    frontier = view.frontier
    assert (frontier["cost_multiple"] <= 1.0 + 1e-12).all()
    assert (
        frontier["sentence"].str.match(r"^\d+% of the baseline's score at (1/[\d.,]+ of its cost|the same cost)$").all()
    )
