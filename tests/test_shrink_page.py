"""The Shrink page through AppTest: a kept upload's workload, the paths side by side, figures as objects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pricing.planning import service as planning
from pricing.planning.usage_files import load_usage
from pricing.shrink import service as shrink
from pricing.shrink.display import payback_figure, payback_unmoved, tornado_figure
from pricing.store import Store
from tests.test_app import open_page

USAGE = b"""month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2026-05-01,support,2000000,3000000000,800000000,0
2026-06-01,support,2100000,3150000000,840000000,0
2026-07-01,support,2200000,3300000000,880000000,0
2026-08-01,support,2300000,3450000000,920000000,0
2026-09-01,support,2400000,3600000000,960000000,0
2026-10-01,support,2500000,3750000000,1000000000,0
"""


@pytest.fixture()
def shrink_db(app_db: Path) -> Path:
    store = Store(app_db)
    planning.save_upload(store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    store.close()
    import streamlit as st

    st.cache_data.clear()  # loaders cached by an earlier test file in this process read another database
    return app_db


@pytest.mark.usefixtures("shrink_db")
def test_shrink_page_shows_the_paths_side_by_side() -> None:
    at = open_page("views/shrink.py")
    at.text_input(key="shrink_baseline").set_value("llama-3.3-70b-instruct")
    at.text_input(key="shrink_candidate").set_value("llama-3.1-8b-instruct").run()
    assert not at.exception, [e.value for e in at.exception]
    rows = at.dataframe[0].value.set_index("Path")
    assert list(rows.index) == ["quantise", "distil"]
    assert (rows["Quality"] == "assumption").all()
    assert rows.loc["distil", "One-off (USD)"] > 0
    assert {"Saving at 18 months (USD)", "Saving at 24 months (USD)", "Saving at 36 months (USD)"} <= set(rows.columns)
    assert any("fine-tune: not costed" in w.value for w in at.warning)


@pytest.mark.usefixtures("shrink_db")
def test_shrink_page_explains_a_candidate_larger_than_the_baseline() -> None:
    at = open_page("views/shrink.py")
    at.text_input(key="shrink_baseline").set_value("llama-3.1-8b-instruct")
    at.text_input(key="shrink_candidate").set_value("llama-3.3-70b-instruct").run()
    assert not at.exception
    assert any("larger than the baseline" in e.value for e in at.error)


def test_figures_mark_the_payback_and_rank_the_tornado(seeded_store: Store) -> None:
    store = seeded_store
    upload = planning.save_upload(store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    request = shrink.ShrinkRequest("gpt-4o", "llama-3.1-8b-instruct", paths=("distil",))
    comparison = shrink.compare_upload(store, upload, "support", request, n_paths=200)
    figure = payback_figure(comparison.result)
    assert [trace.name for trace in figure.data][0].endswith("(baseline)")
    assert len(figure.data) == 2
    name = comparison.result.outcomes[0].name
    bars = tornado_figure(comparison.tornados[name], name)
    assert len(bars.data) == 2 and "Examples needed" in list(bars.data[0].y)


def test_tornado_bars_start_at_the_planned_payback_and_a_flat_one_is_named_so() -> None:
    frame = pd.DataFrame(
        {"input": ["Examples needed", "Monthly volume"], "payback_low": [3, 5], "payback_high": [9, 5]}
    )
    frame.attrs.update(horizon_months=36, payback_base=5)
    bars = tornado_figure(frame, "student")
    low = bars.data[0]
    assert low.base == 5
    assert list(low.x) == [5 - 5, 3 - 5]  # drawn bottom up: the widest swing (examples) on top
    assert not payback_unmoved(frame)
    flat = frame.assign(payback_low=5, payback_high=5)
    flat.attrs.update(frame.attrs)
    assert payback_unmoved(flat)
