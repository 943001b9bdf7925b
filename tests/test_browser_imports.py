"""The Live probes page's Import results tab in headless Chromium: a real AIPerf export is uploaded, previewed, stored
on the GPUs chosen, and listed in the probe history as imported; a file cut short is refused saying why.

Run with `.venv/bin/python -m pytest tests/test_browser_imports.py -q` (or `-m browser`). Needs Debian's Chromium
at /usr/bin/chromium (or FRONTIER_CHROMIUM); fails without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import browser_support as bs

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

AIPERF_JSON = (
    Path(__file__).resolve().parent
    / "fixtures"
    / "imports"
    / "aiperf"
    / "concurrency4"
    / ("profile_export_aiperf.json")
)
DATAFRAME = '[data-testid="stDataFrame"]'


@pytest.fixture(scope="module")
def server(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port against a private copy of the session's seeded store."""
    with bs.served_copy(seeded_db_file, tmp_path_factory.mktemp("frontier-imports")) as base_url:
        yield base_url


@pytest.fixture()
def page(server: str) -> Iterator[Any]:
    with bs.chromium_tab({"width": 1440, "height": 1000}) as tab:
        yield tab


@pytest.mark.browser
def test_an_aiperf_export_is_previewed_imported_and_listed_in_the_history(server: str, page: Any) -> None:
    bs.open_page(page, server, "probes")
    panel = bs.open_tab(page, "Import results")
    bs.upload_file(page, "Result file", AIPERF_JSON.name, AIPERF_JSON.read_bytes(), "application/json")
    panel.get_by_text("AIPerf 0.13.0 import of profile_export_aiperf.json").first.wait_for()
    preview = panel.locator(f"{DATAFRAME}:has([role='columnheader']:has-text('In flight'))")
    assert bs.dataframe_rows(preview)[0][:2] == ["concurrency 4", "4"]
    bs.choose_option(panel, "GPU", "L40S")
    bs.choose_option(panel, "Precision", "fp8")
    panel.get_by_role("button", name="Import", exact=True).click()
    done = panel.locator(bs.ALERT_SUCCESS).filter(has_text="Imported as run imp-")
    done.wait_for()
    assert "1x L40S" in done.inner_text() and "measured 2026-12-01" in done.inner_text()
    assert not bs.error_texts(page)
    results = bs.open_tab(page, "Results and history")
    history = results.locator(f"{DATAFRAME}:has([role='columnheader']:has-text('Status'))")
    assert any("imported" in row and "AIPerf import, 1x L40S" in row for row in bs.dataframe_rows(history))


@pytest.mark.browser
def test_a_file_cut_short_is_refused_with_the_reason(server: str, page: Any) -> None:
    bs.open_page(page, server, "probes")
    panel = bs.open_tab(page, "Import results")
    content = AIPERF_JSON.read_bytes()
    bs.upload_file(page, "Result file", "cut.json", content[: len(content) // 3], "application/json")
    refused = panel.locator('[data-testid="stAlertContentError"]').filter(has_text="cut.json was refused")
    refused.wait_for()
    assert "not valid JSON" in refused.inner_text() and "cut short" in refused.inner_text()
    assert panel.get_by_role("button", name="Import", exact=True).count() == 0
