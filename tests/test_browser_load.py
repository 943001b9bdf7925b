"""Many browser sessions on one server: 20 new sessions opened at once across every page all render, with no
error on any page and no traceback in the server's output, on a server started as `make run` starts it, which
watches no files. (What a session costs the server is measured by `python -m benchmarks --only sessions`.)

Run with `.venv/bin/python -m pytest tests/test_browser_load.py -q`. Needs Debian's Chromium at /usr/bin/chromium
(or FRONTIER_CHROMIUM) and the playwright package.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests import browser_support as bs
from ui.navigation import PAGES

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

pytestmark = pytest.mark.serial  # `make test` runs this module alone, after the parallel tests

SESSIONS = 20
BROWSER_CONTEXTS = 4  # a few browsers' worth of tabs: some sessions fetch the frontend, the rest have it cached
PAGE_TIMEOUT_MS = 180_000  # 20 pages rendering at once on 2 cores, the browser and the other test worker included
MAX_RELOADS = 2  # sessions whose websocket the overloaded server dropped (see the test), reloaded once each
# URL path -> the heading the page shows; Home, the default page, is served at `/` and headed with the app's name.
HEADINGS = {page.url_path: page.title if page.url_path else "Frontier" for page in PAGES}


@pytest.fixture(scope="module")
def served(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[bs.ServedApp]:
    """The app served as `make run` serves it, on a copy of the seeded store; its output kept for the tests."""
    folder = tmp_path_factory.mktemp("frontier-load")
    db = folder / "frontier.duckdb"
    shutil.copyfile(seeded_db_file, db)
    with bs.serve_app(db, folder) as app:
        yield app


def inotify_watches(pid: int) -> int:
    """How many paths the process watches with inotify (the watches listed in its inotify descriptors' fdinfo)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    watches = 0
    for fd in os.listdir(fd_dir):
        try:
            if "inotify" in os.readlink(fd_dir / fd):
                watches += Path(f"/proc/{pid}/fdinfo/{fd}").read_text().count("inotify wd:")
        except FileNotFoundError:  # a descriptor closed while we looked
            continue
    return watches


@pytest.mark.browser
def test_twenty_sessions_at_once_render_every_page_without_errors(served: bs.ServedApp, browser: Any) -> None:
    paths = [list(HEADINGS)[index % len(HEADINGS)] for index in range(SESSIONS)]
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(BROWSER_CONTEXTS)]
    try:
        tabs = [contexts[index % BROWSER_CONTEXTS].new_page() for index in range(SESSIONS)]
        for tab, path in zip(tabs, paths, strict=True):  # every navigation starts before any page has rendered
            tab.goto(f"{served.base_url}/{path}", wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        problems: list[str] = []
        reloaded: list[str] = []
        for tab, path in zip(tabs, paths, strict=True):
            try:
                bs.wait_for_app(tab, PAGE_TIMEOUT_MS)
            except PlaywrightTimeoutError:
                # Overloaded, Streamlit 1.67's server can meet a browser that gave up on a slow websocket handshake
                # (WebSocketDisconnected in its log), and that tab's frontend never reconnects: reload it once, as
                # its user would. Any other stall fails.
                output = served.log_path.read_text(errors="replace")
                if not dropped_websockets(output):
                    raise AssertionError(
                        f"/{path} had not rendered after {PAGE_TIMEOUT_MS / 1000:.0f} s ({bs.app_state(tab)}); "
                        f"the server's output ends:\n{output[-3000:]}"
                    ) from None
                reloaded.append(path)
                tab.reload(wait_until="commit", timeout=PAGE_TIMEOUT_MS)
                bs.wait_for_app(tab, PAGE_TIMEOUT_MS)
            problems.extend(f"/{path}: {text}" for text in bs.error_texts(tab))
            heading = tab.locator(bs.TITLE).first.inner_text().strip()
            if heading != HEADINGS[path]:
                problems.append(f"/{path}: headed {heading!r}, not {HEADINGS[path]!r}")
    finally:
        for context in contexts:
            context.close()
    assert not problems, f"{len(problems)} problems in {SESSIONS} sessions:\n" + "\n---\n".join(problems)
    assert set(paths) == set(HEADINGS), "every page was opened"
    assert len(reloaded) <= MAX_RELOADS, f"{len(reloaded)} sessions needed a reload: {reloaded}"
    output = served.log_path.read_text(errors="replace")
    unexpected = unexpected_tracebacks(output)
    assert not unexpected, "the server logged an exception:\n" + "\n---\n".join(unexpected)[-5000:]


def dropped_websockets(output: str) -> int:
    """How many websockets the server found closed by the browser before it accepted them."""
    return len(re.findall(r"^starlette\.websockets\.WebSocketDisconnected: ", output, re.MULTILINE))


def unexpected_tracebacks(output: str) -> list[str]:
    """The server's logged exceptions, but for websockets a browser closed before the server accepted them."""
    head, *blocks = output.split("Exception in ASGI application")
    found = [head] if "Traceback" in head else []
    for block in blocks:
        raised = re.findall(r"^([\w.]+): ", block, re.MULTILINE)
        if not raised or any(name != "starlette.websockets.WebSocketDisconnected" for name in raised):
            found.append(block)
    return found


@pytest.mark.browser
def test_server_watches_no_files(served: bs.ServedApp, browser: Any) -> None:
    """Streamlit's watcher would watch the project folder recursively, .venv and data/ included."""
    context = browser.new_context()
    try:
        bs.open_page(context.new_page(), served.base_url, "explorer")  # a session registers its watchers
    finally:
        context.close()
    assert inotify_watches(served.pid) == 0


def test_servers_start_as_make_run_starts_them() -> None:
    """The tests' and the benchmark's servers take `make run`'s flags (all but the port: the OS picks one)."""
    makefile = (bs.ROOT / "Makefile").read_text()
    serve = next(line for line in makefile.splitlines() if line.startswith("SERVE :="))
    make_args = shlex.split(serve.split(":=", 1)[1].replace("$(PY)", "python").replace("$(PORT)", "0"))
    assert make_args[1:] == [arg for arg in bs.SERVE_ARGS if arg not in ("--server.address", "127.0.0.1")]
    assert "fileWatcherType" not in serve, "make run takes its watcher setting from .streamlit/config.toml"
