"""The explorer's relative view through AppTest: a link with the toggle and a baseline opens on it, the table says
each frontier point's share and fraction, and turning the toggle on writes both into the link."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import APP, open_page

BASELINE = "gpt-4-0613@gpt-4"  # the most expensive offer in the seeded view


def relative_table(at: AppTest) -> pd.DataFrame:
    """The relative view's table (AppTest does not carry a dataframe's key)."""
    return next(d.value for d in at.dataframe if "Against the baseline" in d.value.columns)


@pytest.mark.usefixtures("app_db")
def test_a_link_with_the_relative_view_opens_on_its_baseline() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["relative"] = "1"
    at.query_params["baseline"] = BASELINE
    at.run()
    at.switch_page("views/explorer.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key="explorer_relative").value is True
    assert at.selectbox(key="explorer_baseline").value == BASELINE
    table = relative_table(at)
    assert table.loc[0, "Against the baseline"] == "the baseline"
    assert table.loc[0, "% of the baseline's score"] == pytest.approx(100.0)
    sentences = table["Against the baseline"].iloc[1:]
    assert len(sentences) >= 3
    assert sentences.str.match(r"^\d+% of the baseline's score at 1/[\d.,]+ of its cost$").all()
    assert any("Baseline: GPT-4" in c.value for c in at.caption)


@pytest.mark.usefixtures("app_db")
def test_turning_the_relative_view_on_puts_it_in_the_link() -> None:
    at = open_page("views/explorer.py")
    assert "relative" not in at.query_params or at.query_params["relative"] in ("0", ["0"])
    at.toggle(key="explorer_relative").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["relative"] in ("1", ["1"])
    assert at.query_params["baseline"] in (BASELINE, [BASELINE])


@pytest.mark.usefixtures("app_db")
def test_a_link_with_an_unknown_baseline_says_so_and_uses_the_default() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["relative"] = "1"
    at.query_params["baseline"] = "no-such-model@nowhere"
    at.run()
    at.switch_page("views/explorer.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("baseline=no-such-model@nowhere was not used" in w.value for w in at.warning)
    assert relative_table(at).loc[0, "Model"] == "GPT-4"
