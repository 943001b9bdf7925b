"""Score freshness: a metric's newest score against the threshold, the well-known models it has no score for, and the
explorer and catalogue marking models new since the last refresh."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from pricing.sources import refresh as refreshing
from pricing.sources.freshness import (
    NAMED_AT_MOST,
    freshness_notice,
    metric_freshness,
    score_freshness,
    unscored_notice,
    well_known_models,
)
from pricing.store import Store
from tests.test_app import open_page

TODAY = dt.date(2026, 12, 1)


def _prices(rows: list[tuple[str, str, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["model_id", "provider", "free_tier"])


def _scores(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["model_id", "source", "as_of"])


SOLD = _prices(
    [
        ("gpt-x", "openai", False),
        ("gpt-x", "azure", False),
        ("gpt-x", "openrouter", False),
        ("gpt-x", "openrouter", False),  # a second offer of one provider counts once
        ("open-y", "together", False),
        ("open-y", "groq", False),
        ("open-y", "deepinfra", False),
        ("open-y", "fireworks", False),
        ("rare-z", "maker", False),
        ("rare-z", "host", False),
        ("free-w", "a", False),
        ("free-w", "b", False),
        ("free-w", "c", True),  # a $0 free tier is no sale
        (None, "a", False),  # unjoined offers name no model
        (None, "b", False),
        (None, "c", False),
    ]
)


def test_well_known_models_are_sold_by_three_or_more_providers_most_sold_first() -> None:
    known = well_known_models(SOLD)
    assert list(known["model_id"]) == ["open-y", "gpt-x"]
    assert list(known["providers"]) == [4, 3]
    assert list(well_known_models(SOLD, min_providers=2)["model_id"]) == ["open-y", "gpt-x", "free-w", "rare-z"]
    assert well_known_models(SOLD, min_providers=5).empty
    assert well_known_models(SOLD.iloc[0:0]).empty


def test_ties_in_provider_count_are_listed_by_model_id() -> None:
    prices = _prices([(m, p, False) for m in ("b-model", "a-model") for p in ("x", "y", "z")])
    assert list(well_known_models(prices)["model_id"]) == ["a-model", "b-model"]


@pytest.mark.parametrize(
    ("newest", "threshold", "stale"),
    [
        ("2026-06-04", 180, False),  # 180 days old: at the threshold, not past it
        ("2026-06-03", 180, True),  # 181 days
        ("2026-12-01", 180, False),  # today
        ("2025-08-04", 3650, False),
        ("2025-08-04", 180, True),
    ],
)
def test_a_metric_is_stale_only_past_the_threshold(newest: str, threshold: int, stale: bool) -> None:
    scores = _scores([("gpt-x", "Old board", "2024-01-01"), ("open-y", "New board", newest)])
    fresh = score_freshness(scores, SOLD, metric_id="m", today=TODAY, stale_after_days=threshold)
    assert fresh.newest_as_of == dt.date.fromisoformat(newest)
    assert fresh.newest_source == "New board"
    assert fresh.age_days == (TODAY - dt.date.fromisoformat(newest)).days
    assert fresh.stale is stale
    assert (freshness_notice(fresh, "Metric M") is None) is not stale


def test_the_stale_notice_gives_the_date_the_age_and_the_threshold() -> None:
    scores = _scores([("gpt-x", "LMArena", "2025-08-04")])
    fresh = score_freshness(scores, SOLD, metric_id="arena_elo", today=TODAY, stale_after_days=180)
    notice = freshness_notice(fresh, "LMArena Elo")
    assert notice is not None
    assert "2025-08-04 (LMArena)" in notice and f"{(TODAY - dt.date(2025, 8, 4)).days:,} days ago" in notice
    assert "older than 180 days" in notice and "Update data" in notice


def test_scores_without_a_date_are_stale_and_say_so() -> None:
    fresh = score_freshness(_scores([("gpt-x", "S", None)]), SOLD, metric_id="m", today=TODAY)
    assert fresh.newest_as_of is None and fresh.age_days is None and fresh.stale
    assert "has a date" in str(freshness_notice(fresh, "M"))


def test_unscored_well_known_models_leave_out_the_scored_ones() -> None:
    fresh = score_freshness(_scores([("gpt-x", "S", "2026-11-30")]), SOLD, metric_id="m", today=TODAY)
    assert [(m.model_id, m.providers) for m in fresh.unscored_well_known] == [("open-y", 4)]
    assert fresh.well_known_count == 2
    notice = unscored_notice(fresh, "M", "sheet A")
    assert notice is not None and "1 of the 2 well-known models in 'sheet A'" in notice
    assert "open-y (4 providers)" in notice and "gpt-x" not in notice
    every = score_freshness(_scores([(m, "S", "2026-11-30") for m in ("gpt-x", "open-y")]), SOLD, metric_id="m",
                            today=TODAY)  # fmt: skip
    assert unscored_notice(every, "M", "sheet A") is None


def test_the_unscored_notice_names_at_most_a_dozen_and_counts_the_rest() -> None:
    many = _prices([(f"model-{i:02d}", p, False) for i in range(NAMED_AT_MOST + 3) for p in ("x", "y", "z")])
    fresh = score_freshness(_scores([]), many, metric_id="m", today=TODAY)
    notice = str(unscored_notice(fresh, "M", "S"))
    assert "model-11 (3 providers)" in notice and "model-12" not in notice and "and 3 more" in notice


def test_the_seeded_store_says_how_old_lmarena_is_and_what_it_misses(seeded_store: Store) -> None:
    sheet = str(seeded_store.price_sheets()["sheet_name"].iloc[0])
    fresh = metric_freshness(seeded_store, "arena_elo", sheet, 180, today=TODAY)
    assert fresh.newest_as_of == dt.date(2025, 8, 4) and fresh.newest_source == "LMArena"
    assert fresh.age_days == (TODAY - dt.date(2025, 8, 4)).days and fresh.stale
    scored = set(seeded_store.scores("arena_elo")["model_id"])
    missing = [m.model_id for m in fresh.unscored_well_known]
    assert missing and not scored & set(missing)
    assert [m.providers for m in fresh.unscored_well_known] == sorted(
        (m.providers for m in fresh.unscored_well_known), reverse=True
    )
    with pytest.raises(LookupError, match="no price sheet named"):
        metric_freshness(seeded_store, "arena_elo", "no such sheet")


# --- the pages -----------------------------------------------------------------------------------------------------

NEW_MODEL = "acme/nova-9-pro"
NEW_MODEL_ID = "nova-9-pro"


def _aa_file(tmp_path: Path) -> Path:
    """A small Artificial Analysis API answer (its published schema) with one model the store has never seen."""
    data = {
        "status": 200,
        "data": [
            {
                "id": "0d6f3a52-7c1e-4b8e-9a57-2f1c3e4d5b6a",
                "name": "Nova 9 Pro",
                "slug": "nova-9-pro",
                "model_creator": {"id": "c1", "name": "Acme", "slug": "acme"},
                "evaluations": {"artificial_analysis_intelligence_index": 71.5},
                "pricing": {
                    "price_1m_blended_3_to_1": 3.5,
                    "price_1m_input_tokens": 2.0,
                    "price_1m_output_tokens": 8.0,
                },
                "median_output_tokens_per_second": 120.0,
                "median_time_to_first_token_seconds": 0.5,
            },
            {
                "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                "name": "GPT-4o",
                "slug": "gpt-4o",
                "model_creator": {"id": "c2", "name": "OpenAI", "slug": "openai"},
                "evaluations": {"artificial_analysis_intelligence_index": 30.0},
                # cheaper than the new model: on the frontier too
                "pricing": {"price_1m_input_tokens": 0.25, "price_1m_output_tokens": 1.0},
            },
        ],
    }
    path = tmp_path / "aa_models.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.usefixtures("app_db")
def test_explorer_warns_that_the_default_metric_is_stale_and_names_well_known_unscored_models() -> None:
    at = open_page("views/explorer.py")
    stale = [w.value for w in at.warning if "The newest" in w.value]
    assert len(stale) == 1 and "(LMArena)" in stale[0] and "2025-08-04" in stale[0], stale
    age = (dt.date.today() - dt.date(2025, 8, 4)).days
    assert f"{age:,} days ago" in stale[0] and "older than 180 days" in stale[0]
    named = [c.value for c in at.caption if "well-known models" in c.value]
    assert len(named) == 1 and "providers)" in named[0], named
    at.number_input(key="shared_score_stale_days").set_value(3650).run()
    assert not at.exception
    assert not [w.value for w in at.warning if "The newest" in w.value]
    assert at.query_params["score_stale_days"] in (["3650"], "3650")


@pytest.mark.usefixtures("app_db")
def test_explorer_and_catalogue_mark_models_new_since_the_last_refresh(app_db: Path, tmp_path: Path) -> None:
    store = Store(app_db)
    request = refreshing.RefreshRequest(
        sources=("artificial-analysis",), files={"artificial-analysis": _aa_file(tmp_path)}
    )
    report = refreshing.refresh(store, request, env={})
    store.close()
    assert report.ok, [o.message for o in report.outcomes]
    st.cache_data.clear()  # loaders cached by an earlier test of this process would not see the refresh

    at = open_page("views/explorer.py")
    at.selectbox(key="shared_sheet").set_value("Artificial Analysis").run()
    at.selectbox(key="explorer_metric").set_value("aa_intelligence_index").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w.value for w in at.warning if "The newest" in w.value]  # refreshed today: fresh
    notes = [i.value for i in at.info if "New since the previous refresh" in i.value]
    assert len(notes) == 1 and NEW_MODEL_ID in notes[0] and "gpt-4o" not in notes[0], notes
    table = at.dataframe[0].value
    marked = table.set_index("display_name")["new_since_refresh"]
    assert marked.any() and not marked.all()

    catalogue = open_page("views/catalogue.py")
    models = catalogue.dataframe[0].value.set_index("model_id")
    assert bool(models.loc[NEW_MODEL_ID, "new_since_refresh"])
    assert int(models["new_since_refresh"].sum()) == 1 and len(models) > 100
    assert any(NEW_MODEL_ID in i.value for i in catalogue.info)
