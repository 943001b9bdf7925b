"""The Portfolio page through AppTest: workloads from a kept upload, floors, an infeasible floor explained."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pricing.planning import service as planning
from pricing.planning.usage_files import load_usage
from pricing.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def open_portfolio() -> AppTest:
    store = Store(os.environ["FRONTIER_DB"])
    planning.save_upload(store, load_usage(FIXTURES / "usage_monthly_ok.csv", "usage_monthly_ok.csv"))
    store.close()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/portfolio.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


FLOORS_SET = {
    "edited_rows": {0: {"quality_floor": 1200.0}, 1: {"quality_floor": 1200.0}},
    "added_rows": [],
    "deleted_rows": [],
}


def with_floors(at: AppTest) -> AppTest:
    """The floors table with a floor on every workload (AppTest has no data-editor accessor: set the editor's
    edits as Streamlit stores them)."""
    at.session_state["portfolio_floors"] = FLOORS_SET
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.usefixtures("app_db")
def test_portfolio_recommends_nothing_until_a_floor_is_set() -> None:
    at = open_portfolio()
    assert any("Set a quality floor per workload" in i.value for i in at.info)
    assert not any(m.label.startswith("Portfolio cost") for m in at.metric)
    # today's model fills every row: served by it, its score the floor; then the portfolio answers
    choices = at.selectbox(key="portfolio_today").options
    assert any(c.startswith("gpt-4o-mini (") for c in choices)
    at.selectbox(key="portfolio_today").set_value("gpt-4o-mini").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Set a quality floor" in i.value for i in at.info)
    assert any(m.label.startswith("Portfolio cost over 36 months") for m in at.metric)
    assert any(m.label.startswith("Today's assignment") for m in at.metric)


@pytest.mark.usefixtures("app_db")
def test_portfolio_page_assigns_every_workload_and_compares_with_one_option() -> None:
    at = with_floors(open_portfolio())
    assert any(m.label.startswith("Portfolio cost over 36 months") for m in at.metric)
    assignments = at.dataframe[0].value
    assert set(assignments["workload"]) == {"rag-search", "support-bot"}
    at.toggle(key="portfolio_split").set_value(False).run()
    at.toggle(key="portfolio_cascade").set_value(True).run()
    assert not at.exception and not at.error


@pytest.mark.usefixtures("app_db")
def test_portfolio_page_explains_an_unreachable_floor() -> None:
    at = open_portfolio()
    # AppTest has no data-editor accessor: set the editor's edits as Streamlit stores them
    at.session_state["portfolio_floors"] = {
        "edited_rows": {0: {"quality_floor": 5000.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert any("No portfolio meets every objective" in e.value and "rag-search" in e.value for e in at.error)


@pytest.mark.usefixtures("app_db")
def test_portfolio_page_compares_with_today_and_grows_volumes() -> None:
    at = with_floors(open_portfolio())
    flat_total = next(m.value for m in at.metric if m.label.startswith("Portfolio cost"))
    at.session_state["portfolio_floors"] = {
        "edited_rows": {0: {"current": "gpt-4.1"}, 1: {"current": "gpt-4.1", "quality_floor": 1250.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception and not at.error
    today = next(m for m in at.metric if m.label.startswith("Today's assignment"))
    assert today.value.startswith("$") and "portfolio saves" in str(today.delta)
    at.number_input(key="portfolio_growth_pct").set_value(5.0).run()
    grown_total = next(m.value for m in at.metric if m.label.startswith("Portfolio cost"))
    assert grown_total != flat_total and not at.exception
    assert any("+5.0% a month" in str(md.value) for md in at.markdown)
    at.toggle(key="portfolio_cascade").set_value(True).run()
    at.radio(key="portfolio_cascade_source").set_value("Measured from two probe runs of one eval suite").run()
    assert not at.exception and any("No eval suite has two finished probe runs" in i.value for i in at.info)


@pytest.mark.usefixtures("app_db")
def test_self_hosting_is_weighed_once_its_operations_staff_are_entered() -> None:
    at = with_floors(open_portfolio())
    left_out = "Self-hosted options are left out until you enter the operations staff cost"
    assert any(left_out in w.value for w in at.warning)
    assert any("no self-hosted option weighed" in str(md.value) for md in at.markdown)
    at.number_input(key="portfolio_ops").set_value(3000.0).run()
    assert not at.exception and not at.error
    assert not any(left_out in w.value for w in at.warning)
    assert any(
        "operations staff $3,000 a month once any workload is self-hosted" in str(md.value) for md in at.markdown
    )
