"""The explorer's relative view in headless Chromium: a link with the toggle and a baseline opens on the chart
against that baseline (its axis titles as drawn) and the table's sentences.

Run with `.venv/bin/python -m pytest tests/test_browser_relative.py -q -n0`. Needs Debian's Chromium at
/usr/bin/chromium (or FRONTIER_CHROMIUM); fails without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests import browser_support as bs

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

pytestmark = pytest.mark.browser
BASELINE = "gpt-4-0613@gpt-4"  # the most expensive offer in the seeded view; the link names it anyway


@pytest.fixture(scope="module")
def server(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port against a private copy of the session's seeded store."""
    with bs.served_copy(seeded_db_file, tmp_path_factory.mktemp("frontier-relative")) as base_url:
        yield base_url


@pytest.fixture()
def page(server: str) -> Iterator[Any]:
    with bs.chromium_tab({"width": 1440, "height": 900}, 60_000) as tab:
        yield tab


def test_a_relative_link_draws_shares_of_the_baseline_and_says_them(server: str, page: Any) -> None:
    link = urlencode({"metric": "arena_elo", "relative": "1", "baseline": BASELINE})
    bs.open_page(page, server, f"explorer?{link}", 120_000)
    assert not bs.error_texts(page), bs.error_texts(page)
    chart = page.locator(".st-key-explorer_relative_chart .js-plotly-plot")
    titles = chart.evaluate(
        """plot => ({x: plot.querySelector('.xtitle').textContent, y: plot.querySelector('.ytitle').textContent,
            notes: [...plot.querySelectorAll('.annotation-text')].map(t => t.textContent)})"""
    )
    assert titles["x"] == "Cost as a multiple of the baseline's (Blended price), log scale", titles
    assert titles["y"] == "% of the baseline's Arena Elo", titles
    assert "80% of the baseline's score" in titles["notes"] and "10x cheaper" in titles["notes"], titles
    table = page.locator("[data-testid='stDataFrame']:has([role='columnheader']:has-text('Against the baseline'))")
    table.wait_for(state="attached")
    rows = bs.dataframe_rows(table)
    assert rows[0][0] == "GPT-4" and rows[0][2] == "the baseline", rows[0]
    sentences = [row[2] for row in rows[1:]]
    assert sentences and all(
        re.fullmatch(r"\d+% of the baseline's score at 1/[\d.,]+ of its cost", s) for s in sentences
    )
    assert parse_qs(urlparse(page.url).query)["baseline"] == [BASELINE]
