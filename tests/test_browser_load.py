"""Many browser sessions on one server: 20 new sessions opened at once across every page all render, with no
error on any page and no traceback in the server's output, on a server started as `make run` starts it, which
watches no files. (What a session costs the server is measured by `python -m benchmarks --only sessions`.)

Run with `.venv/bin/python -m pytest tests/test_browser_load.py -q`. Needs Debian's Chromium at /usr/bin/chromium
(or FRONTIER_CHROMIUM) and the playwright package.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import browser_support as bs
from ui.navigation import PAGES

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

SESSIONS = 20
BROWSER_CONTEXTS = 4  # a few browsers' worth of tabs: some sessions fetch the frontend, the rest have it cached
PAGE_TIMEOUT_MS = 300_000  # 20 pages rendering at once on 2 cores, the browser and the other test worker included
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
        for tab, path in zip(tabs, paths, strict=True):
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
    output = served.log_path.read_text(errors="replace")
    assert "Traceback" not in output, f"the server logged an exception:\n{output[-5000:]}"


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
