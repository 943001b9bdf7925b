"""Helpers for driving the real app in a browser: a Streamlit server on a free port, seeded from a temp
database, and a Playwright launcher for Debian's Chromium (Playwright's own browsers cannot be
downloaded here).

Used by tests/test_browser.py and scripts/screenshot.py.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("FRONTIER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OFFLINE_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "HF_HUB_OFFLINE": "1"}
HEALTH_TIMEOUT_S = 60.0

# Streamlit 1.67 DOM hooks (checked against the running app).
APP = '[data-testid="stApp"]'
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STATUS_WIDGET = '[data-testid="stStatusWidget"]'
TITLE = '[data-testid="stMain"] h1'
# Exceptions, st.error alerts, and the app-level error modals Streamlit raises itself ("Page not found",
# connection errors): those are a bare role=dialog; the app uses no st.dialog of its own.
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"], [role="dialog"]'
SIDEBAR_NAV_LINK = '[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]'


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(OFFLINE_ENV)
    env["FRONTIER_DB"] = str(db_path)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def seed_database(db_path: Path) -> None:
    """Create and seed a fresh store at db_path with `python -m pricing seed`."""
    done = subprocess.run(
        [sys.executable, "-m", "pricing", "seed"],
        cwd=ROOT, env=app_env(db_path), capture_output=True, text=True, timeout=180,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding {db_path} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextlib.contextmanager
def streamlit_server(db_path: Path | None = None, timeout_s: float = HEALTH_TIMEOUT_S) -> Iterator[str]:
    """Seed a temp store (unless db_path is given), serve app.py on a free port and yield its base URL."""
    with tempfile.TemporaryDirectory(prefix="frontier-browser-") as tmp:
        tmp_dir = Path(tmp)
        if db_path is None:
            db_path = tmp_dir / "frontier.duckdb"
            seed_database(db_path)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = tmp_dir / "streamlit.log"
        with open(log_path, "w+b") as log:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "streamlit", "run", "app.py",
                    "--server.port", str(port), "--server.address", "127.0.0.1",
                    "--server.headless", "true", "--browser.gatherUsageStats", "false",
                    "--server.fileWatcherType", "none",
                ],
                cwd=ROOT, env=app_env(db_path), stdout=log, stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + timeout_s
                while not _healthy(base_url):
                    if process.poll() is not None or time.monotonic() > deadline:
                        state = (f"exited with {process.returncode}" if process.poll() is not None
                                 else f"not healthy after {timeout_s:.0f} s")
                        log.flush()
                        output = log_path.read_text(errors="replace")[-5000:]
                        raise RuntimeError(f"streamlit server {state}; its output:\n{output}")
                    time.sleep(0.25)
                yield base_url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def launch_chromium(playwright: Any, **kwargs: Any) -> Any:
    """Launch Debian's Chromium through Playwright, headless."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **kwargs
    )


def wait_for_app(page: Any, timeout_ms: float = 30_000) -> None:
    """Wait until the script run is over: the app says notRunning, no status widget, and a title (or an
    error) shows."""
    page.wait_for_selector(APP, state="attached", timeout=timeout_ms)
    # A rerun may not have started yet right after an interaction; give it a moment to flip to running.
    page.wait_for_timeout(150)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_selector(STATUS_WIDGET, state="detached", timeout=timeout_ms)
    # The title, or an error that kept the page from drawing one (callers report the error's text).
    page.wait_for_selector(f"{TITLE}, {ERRORS}", state="visible", timeout=timeout_ms)


def open_page(page: Any, base_url: str, path: str, timeout_ms: float = 30_000) -> None:
    """Navigate to one of the app's pages (e.g. 'explorer') and wait for it to finish running."""
    page.goto(f"{base_url}/{path.lstrip('/')}", wait_until="domcontentloaded", timeout=timeout_ms)
    wait_for_app(page, timeout_ms)


def error_texts(page: Any) -> list[str]:
    """Text of every exception or error alert on the page."""
    texts = [text.strip() for text in page.locator(ERRORS).all_inner_texts()]
    return list(dict.fromkeys(texts))  # an exception is also an error alert: report it once
