"""The explorer's offer choice in headless Chromium: a shared link with `?offers=all&flagged=1` opens with every
offer and the flagged prices shown, the frontier table says who sells each offer, the offers left off are
listed with why, and choosing the maker's list price again puts it in the URL.

Run with `.venv/bin/python -m pytest tests/test_browser_offers.py -q` (or `-m browser`). Needs Debian's Chromium
at /usr/bin/chromium (or FRONTIER_CHROMIUM); fails without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests import browser_support as bs

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

DATAFRAME = '[data-testid="stDataFrame"]'
OFFER_RADIO = "Offer per model"


@pytest.fixture(scope="module")
def server(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port against a private copy of the session's seeded store."""
    with bs.served_copy(seeded_db_file, tmp_path_factory.mktemp("frontier-offers")) as base_url:
        yield base_url


@pytest.fixture()
def page(server: str) -> Iterator[Any]:
    with bs.chromium_tab({"width": 1440, "height": 1000}) as tab:
        yield tab


def radio_option(page: Any, label: str) -> Any:
    group = page.get_by_test_id("stRadio").filter(has_text=OFFER_RADIO)
    return group.get_by_role("radio", name=label, exact=True)


@pytest.mark.browser
def test_offer_choice_from_a_shared_link_and_back_to_the_makers_price(server: str, page: Any) -> None:
    bs.open_page(page, server, "explorer?offers=all&flagged=1")
    assert not bs.error_texts(page)
    assert radio_option(page, "Every offer").is_checked()
    assert page.get_by_role("switch", name="Include flagged prices", exact=True).is_checked()
    table = page.locator(f"{DATAFRAME}:has([role='columnheader']:has-text('Price flag'))")
    table.wait_for(state="attached")
    offers = [row[3] for row in bs.dataframe_rows(table)]  # after the model's name, its score and its cost
    assert offers and all(
        o.endswith(("(maker's list price)", "(reseller)")) or o.startswith("self-hosted") for o in offers
    )
    assert page.get_by_text("offers with a flagged price are included and marked").count() == 1

    bs.rerun_after(page, lambda: radio_option(page, "The maker's list price").click(force=True))
    assert radio_option(page, "The maker's list price").is_checked()
    assert parse_qs(urlparse(page.url).query).get("offers") == ["maker"]
    table = page.locator(f"{DATAFRAME}:has([role='columnheader']:has-text('Why this offer'))")
    assert any(row[4] == "the maker's list price" for row in bs.dataframe_rows(table))
    assert not bs.error_texts(page)
    bs.rerun_after(
        page, lambda: page.get_by_role("switch", name="Include flagged prices", exact=True).click(force=True)
    )
    assert parse_qs(urlparse(page.url).query).get("flagged") == ["0"]
    left_off = page.get_by_test_id("stExpander").filter(has_text="Offers left off")
    left_off.get_by_text("Offers left off").click()
    table_text = left_off.locator("table").inner_text()
    assert "free tier" in table_text and "the median" in table_text
