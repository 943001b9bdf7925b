"""The Portfolio page through AppTest with a shrunk model: the Shrink input adds it as a candidate, it serves the
workload its assumed quality allows, and the assumptions say how its quality was checked and what making it costs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_app import open_page
from tests.test_shrink_page import shrink_db  # noqa: F401 - the fixture

NAME = "llama-3.1-8b-instruct distilled, BF16 on H100 SXM"


@pytest.mark.usefixtures("shrink_db")
def test_the_portfolio_weighs_a_shrunk_candidate(shrink_db: Path) -> None:  # noqa: F811
    at = open_page("views/portfolio.py")
    at.session_state["portfolio_floors"] = {
        "edited_rows": {0: {"quality_floor": 1000.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.multiselect(key="portfolio_api").set_value(["gpt-4o"])
    at.multiselect(key="portfolio_self_host").set_value([])
    at.text_input(key="portfolio_shrink_candidate").set_value("llama-3.1-8b-instruct")
    at.selectbox(key="portfolio_shrink_path").set_value("distil").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    frames = {frame.value.columns[1]: frame.value for frame in at.dataframe}  # the floors editor comes first
    assert list(frames["option"]["option"]) == [NAME]
    assert list(frames["gpu"]["candidate"]) == [NAME]  # its fleet
    notes = "\n".join(m.value for m in at.markdown)
    assert f"Shrunk option {NAME}" in notes
    assert "low end of the assumed range, 85%" in notes
    assert "counted in the totals once it serves any workload" in notes
    assert NAME in list(frames["kind"]["option"])  # among the options weighed
