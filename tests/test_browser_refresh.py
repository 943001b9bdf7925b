"""Home's Update data panel in headless Chromium: the app is served with FRONTIER_SOURCE_URL_<NAME> pointing every
source at a real HTTP server on 127.0.0.1 that serves the refresh fixtures; the panel refreshes OpenRouter and shows
its diff, a second version shows the price cut and rise, and a broken models.dev file is refused with a clear message
while the store stays exactly as it was.

Run with `.venv/bin/python -m pytest tests/test_browser_refresh.py -q -n0`. Needs Debian's Chromium at
/usr/bin/chromium (or FRONTIER_CHROMIUM); fails without it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from pricing.store import Store
from tests import browser_support as bs
from tests.test_refresh import AA_KEY, FILES, FIXTURES, FixtureServer, Route, _contents, _env, _handler

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

DATAFRAME = '[data-testid="stDataFrame"]'
REFRESH_TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class Served:
    """The app's address, its store's file, and the fixture server its sources point at."""

    base_url: str
    db_path: Path
    sources: FixtureServer


@pytest.fixture()
def served(seeded_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """The fixture server on 127.0.0.1, and the app served with every source's link pointed at it."""
    sources = FixtureServer()
    for name, file_name in FILES.items():
        sources.routes[f"/{name}"] = Route(
            body=(FIXTURES / file_name).read_bytes(),
            content_type="text/csv" if file_name.endswith(".csv") else "application/json",
            needs_key=AA_KEY if name == "artificial-analysis" else None,
        )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(sources))
    httpd.daemon_threads = True
    sources.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    for name, value in _env(sources).items():  # the app's process inherits these (browser_support.app_env)
        monkeypatch.setenv(name, value)
    db_path = tmp_path / "frontier.duckdb"
    shutil.copyfile(seeded_db_file, db_path)
    try:
        with bs.streamlit_server(db_path) as base_url:
            yield Served(base_url, db_path, sources)
    finally:
        sources.stop.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def page() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = bs.launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def _press(page: Any, source: str) -> None:
    """Press a source's Update button on Home and wait for the refresh's run to end."""
    bs.rerun_after(page, lambda: page.get_by_role("button", name=source, exact=True).click(), REFRESH_TIMEOUT_MS)


def _store_contents(db_path: Path) -> dict[str, object]:
    store = Store(db_path)
    try:
        return _contents(store)
    finally:
        store.close()


@pytest.mark.browser
def test_the_update_data_panel_refreshes_shows_the_diff_and_refuses_a_broken_file(served: Served, page: Any) -> None:
    bs.open_page(page, served.base_url, "", 120_000)
    assert not bs.error_texts(page), bs.error_texts(page)
    sources = page.locator(DATAFRAME).filter(has=page.locator("[role='columnheader']:has-text('Newest data')"))
    assert any(row[0] == "OpenRouter" and row[2] == "never" for row in bs.dataframe_rows(sources))

    _press(page, "openrouter")
    loaded = page.locator(bs.ALERT_SUCCESS).filter(has_text="OpenRouter: loaded 15 rows")
    loaded.wait_for(timeout=REFRESH_TIMEOUT_MS)
    assert served.sources.base_url + "/openrouter" in loaded.inner_text()
    assert not bs.error_texts(page), bs.error_texts(page)

    # The next version of the file: gpt-4o's input price halved, another raised 20%, one model gone, one new.
    served.sources.routes["/openrouter"] = Route((FIXTURES / "openrouter_models_v2.json").read_bytes())
    _press(page, "openrouter")
    second = page.locator(bs.ALERT_SUCCESS).filter(has_text="1 price cut")
    second.wait_for(timeout=REFRESH_TIMEOUT_MS)
    assert "1 price rise" in second.inner_text() and "1 removed model" in second.inner_text()
    diff = page.locator(DATAFRAME).filter(has=page.locator("[role='columnheader']:has-text('Change (%)')"))
    rows = bs.dataframe_rows(diff)
    cut = next(row for row in rows if row[0] == "price cut")
    assert cut[2:6] == ["openai/gpt-4o", "usd_per_1m_input", "2.5", "1.25"], cut  # USD per 1M tokens
    assert float(cut[6]) == pytest.approx(-50.0), cut
    assert {row[0] for row in rows} == {"new model", "removed model", "price cut", "price rise"}
    history = page.locator(DATAFRAME).filter(has=page.locator("[role='columnheader']:has-text('SHA-256')"))
    assert sum(row[1] == "openrouter" for row in bs.dataframe_rows(history)) == 2

    # A models.dev file cut short (a dropped connection): refused, nothing written.
    before = _store_contents(served.db_path)
    whole = (FIXTURES / FILES["models-dev"]).read_bytes()
    served.sources.routes["/models-dev"] = Route(whole[: len(whole) // 2])
    _press(page, "models-dev")
    failed = page.locator('[data-testid="stAlertContentError"]').filter(has_text="models.dev failed")
    failed.wait_for(timeout=REFRESH_TIMEOUT_MS)
    message = failed.inner_text()
    assert "is not valid JSON (line" in message and "fetch it again" in message, message
    assert "Traceback" not in page.get_by_test_id("stMain").inner_text()
    assert str(served.db_path.parent) not in message
    assert _store_contents(served.db_path) == before

    # An HTML error page served with status 200 in place of LMArena's CSV: the same.
    served.sources.routes["/lmarena"] = Route(b"<!DOCTYPE html><html><body>Service unavailable</body></html>")
    _press(page, "lmarena")
    html = page.locator('[data-testid="stAlertContentError"]').filter(has_text="LMArena text leaderboard failed")
    html.wait_for(timeout=REFRESH_TIMEOUT_MS)
    assert "is an HTML page, not the source's file" in html.inner_text()
    assert _store_contents(served.db_path) == before
