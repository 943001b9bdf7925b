"""Helpers for driving the real app in a browser: a Streamlit server on a free port, seeded from a temp
database, and a Playwright launcher for Debian's Chromium (Playwright's own browsers cannot be
downloaded here).

Used by tests/test_browser.py and scripts/screenshot.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# How long a browser test waits for the app by default: generous, since CI runs two test workers, their app servers
# and Chromium on two cores; a passing test never waits it out.
WAIT_MS = 60_000

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


def app_env(db_path: Path | str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(OFFLINE_ENV)
    env["FRONTIER_DB"] = str(db_path)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def seed_database(db_path: Path) -> None:
    """Create and seed a fresh store at db_path with `python -m pricing seed`."""
    done = subprocess.run(
        [sys.executable, "-m", "pricing", "seed"],
        cwd=ROOT,
        env=app_env(db_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding {db_path} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


# Streamlit binds port 0 to a port the OS picks (no race with another server started at the same time, as with
# parallel test workers) and prints the URL it serves on.
SERVED_URL = re.compile(rb"URL: (http://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class ServedApp:
    """A running `streamlit run app.py`: where it serves, its process id and the file its output goes to."""

    base_url: str
    pid: int
    log_path: Path


# The command `make run` serves with (but for the port: 0 lets the OS pick one, so parallel servers never race for a
# port); everything else comes from .streamlit/config.toml, as for `make run`.
SERVE_ARGS = (
    "-m",
    "streamlit",
    "run",
    "app.py",
    "--server.port",
    "0",
    "--server.address",
    "127.0.0.1",
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
)


@contextlib.contextmanager
def serve_app(
    db_path: Path | str, log_dir: Path, *, extra_args: Sequence[str] = (), timeout_s: float = HEALTH_TIMEOUT_S
) -> Iterator[ServedApp]:
    """Serve app.py against the store at db_path (a file, or a postgresql:// URL) as `make run` does (extra_args
    override config.toml, e.g. `--server.fileWatcherType auto`), with its output in log_dir/streamlit.log; yield it
    once it is healthy."""
    log_path = log_dir / "streamlit.log"
    with open(log_path, "w+b") as log:
        process = subprocess.Popen(
            [sys.executable, *SERVE_ARGS, *extra_args],
            cwd=ROOT,
            env=app_env(db_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout_s
            base_url = None
            while base_url is None or not _healthy(base_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    state = (
                        f"exited with {process.returncode}"
                        if process.poll() is not None
                        else f"not healthy after {timeout_s:.0f} s"
                    )
                    output = log_path.read_text(errors="replace")[-5000:]
                    raise RuntimeError(f"streamlit server {state}; its output:\n{output}")
                time.sleep(0.25)  # another process: nothing to wait on but its log and its health endpoint
                if base_url is None and (served := SERVED_URL.search(log_path.read_bytes())):
                    base_url = served.group(1).decode()
            yield ServedApp(base_url=base_url, pid=process.pid, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextlib.contextmanager
def streamlit_server(db_path: Path | None = None, timeout_s: float = HEALTH_TIMEOUT_S) -> Iterator[str]:
    """Seed a temp store (unless db_path is given), serve app.py on a port of the OS's choosing and yield its base
    URL."""
    with tempfile.TemporaryDirectory(prefix="frontier-browser-") as tmp:
        tmp_dir = Path(tmp)
        if db_path is None:
            db_path = tmp_dir / "frontier.duckdb"
            seed_database(db_path)
        with serve_app(db_path, tmp_dir, timeout_s=timeout_s) as app:
            yield app.base_url


def launch_chromium(playwright: Any, **kwargs: Any) -> Any:
    """Launch Debian's Chromium through Playwright, headless."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **kwargs)


@contextlib.contextmanager
def served_copy(seeded_db_file: Path, folder: Path) -> Iterator[str]:
    """The app on a free port against a private copy (in folder) of a seeded store; yields its base URL."""
    db_path = folder / "frontier.duckdb"
    shutil.copyfile(seeded_db_file, db_path)
    with streamlit_server(db_path) as base_url:
        yield base_url


@contextlib.contextmanager
def chromium_tab(viewport: dict[str, int] | None = None, timeout_ms: float = WAIT_MS) -> Iterator[Any]:
    """A fresh headless Chromium with one tab (a fresh Streamlit session), closed afterwards."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=viewport or {"width": 1440, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(timeout_ms)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def wait_for_app(page: Any, timeout_ms: float = WAIT_MS) -> None:
    """Wait until the script run is over: the app says notRunning, no status widget, and a title (or an
    error) shows."""
    page.wait_for_selector(APP, state="attached", timeout=timeout_ms)
    # A rerun may not have started yet right after an interaction; give it a moment to flip to running.
    page.wait_for_timeout(150)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_selector(STATUS_WIDGET, state="detached", timeout=timeout_ms)
    # The title, or an error that kept the page from drawing one (callers report the error's text).
    page.wait_for_selector(f"{TITLE}, {ERRORS}", state="visible", timeout=timeout_ms)


def app_state(page: Any) -> str:
    """The app's script and connection state as its frontend reports them, for a failure message."""
    state = page.evaluate(
        """() => { const app = document.querySelector('[data-testid="stApp"]');
        return app ? [app.getAttribute('data-test-script-state'), app.getAttribute('data-test-connection-state')]
                   : null }"""
    )
    return "no app on the page" if state is None else f"script {state[0]}, connection {state[1]}"


def open_page(page: Any, base_url: str, path: str, timeout_ms: float = WAIT_MS) -> None:
    """Navigate to one of the app's pages (e.g. 'explorer') and wait for it to finish running."""
    page.goto(f"{base_url}/{path.lstrip('/')}", wait_until="domcontentloaded", timeout=timeout_ms)
    wait_for_app(page, timeout_ms)


def error_texts(page: Any) -> list[str]:
    """Text of every exception or error alert on the page."""
    texts = [text.strip() for text in page.locator(ERRORS).all_inner_texts()]
    return list(dict.fromkeys(texts))  # an exception is also an error alert: report it once


# A probe run against evals.loopback.LoopbackServer, a real OpenAI-compatible server in the calling process.
# The page's progress area is a fragment re-run every second, so the app flips to "running" on its own; the
# helpers below therefore wait for what each step changes on the page, not for a script run to start.

ALERT_SUCCESS = '[data-testid="stAlertContentSuccess"]'
PROBE_RUN_TIMEOUT_MS = 60_000


def loopback_config_for(suite_name: str, ttft_ms: float = 5.0) -> Any:
    """A LoopbackConfig that answers every item of the suite correctly (prompt -> expected answer)."""
    from evals.loopback import LoopbackConfig
    from evals.suites import load_suite

    suite = load_suite(suite_name)
    return LoopbackConfig(ttft_ms=ttft_ms, answers={item.prompt: str(item.expected) for item in suite.items})


def open_tab(page: Any, name: str) -> Any:
    """Click one of the page's st.tabs and return its (visible) panel."""
    page.get_by_role("tab", name=name, exact=True).click()
    panel = page.get_by_role("tabpanel", name=name, exact=True)
    panel.wait_for(state="visible")
    return panel


def scope_page(scope: Any) -> Any:
    """The Page of a Page or a Locator."""
    return scope.page if hasattr(scope, "page") else scope


def choose_option(scope: Any, label: str, option: str) -> None:
    """Pick `option` in the st.selectbox labelled `label` inside scope (a page or a tab panel)."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    scope_page(scope).get_by_role("option", name=option, exact=True).click()
    scope_page(scope).wait_for_function("([el, want]) => el.value === want", arg=[box.element_handle(), option])


def set_number(scope: Any, label: str, value: float) -> None:
    """Type a value into the st.number_input labelled `label` and commit it (Streamlit commits on Enter)."""
    field = scope.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")


def set_multiselect(scope: Any, label: str, values: list[str], timeout_ms: float = 60_000) -> None:
    """Make the st.multiselect labelled `label` hold exactly `values`: remove the other chips, add the missing.
    Streamlit 1.67 draws each chosen value as a [data-tag] chip with a "Remove <value>" button; new values are
    typed into the combobox and picked from the listbox. Each change reruns the page, and each is waited for (a
    guess at when the last run starts would let a caller read the page as it was before it)."""
    widget = scope.get_by_test_id("stMultiSelect").filter(has_text=label)
    chips = widget.locator("[data-tag]")
    page = scope_page(scope)
    for current in chips.all_inner_texts():
        if current.strip() not in values:

            def remove(chip: str = current.strip()) -> None:
                widget.get_by_role("button", name=f"Remove {chip}", exact=True).click()
                widget.locator(f'[data-tag][aria-label="{chip}"]').wait_for(state="detached")

            rerun_after(page, remove, timeout_ms)
    box = widget.get_by_role("combobox", name=label, exact=True)
    for value in values:
        if value in [text.strip() for text in chips.all_inner_texts()]:
            continue

        def add(value: str = value) -> None:
            box.click()
            box.fill(value)
            page.get_by_role("option", name=value, exact=True).click()
            widget.locator(f'[data-tag][aria-label="{value}"]').wait_for(state="attached")

        rerun_after(page, add, timeout_ms)
    box.press("Escape")
    got = sorted(text.strip() for text in chips.all_inner_texts())
    if got != sorted(values):
        raise AssertionError(f"{label}: chose {got}, wanted {sorted(values)}")


def save_endpoint(
    page: Any,
    *,
    name: str,
    kind: str,
    model: str,
    api_base: str,
    gpu: tuple[str, int, float] | None = None,
) -> None:
    """Fill the Endpoints tab's form (name, kind, model, API base, and `gpu` = (type, count, USD per GPU-hour) for a
    self-hosted one; the rest left empty) and save; wait until the endpoint table lists it."""
    panel = open_tab(page, "Endpoints")
    panel.get_by_label("Name", exact=True).fill(name)
    choose_option(panel, "Kind", kind)
    panel.get_by_label("Model", exact=True).fill(model)
    panel.get_by_label("API base", exact=True).fill(api_base)
    if gpu is not None:
        panel.get_by_label("GPU (self-hosted)", exact=True).fill(gpu[0])
        panel.get_by_label("GPUs", exact=True).fill(str(gpu[1]))
        panel.get_by_label("USD per GPU-hour", exact=True).fill(str(gpu[2]))
    panel.get_by_test_id("stFormSubmitButton").filter(has_text="Save endpoint").click()
    # Saving reruns the page, which then lists the endpoint (in the data grid's accessibility table, which is
    # attached but not "visible") and offers "Test connection".
    panel.locator('[role="gridcell"]').filter(has_text=api_base).first.wait_for(state="attached")
    panel.get_by_test_id("stButton").filter(has_text="Test connection").wait_for(state="visible")
    wait_for_app(page)


def press_test_connection(page: Any, name: str) -> tuple[bool, str]:
    """Press "Test connection" for endpoint `name`; (success?, the alert's text)."""
    panel = open_tab(page, "Endpoints")
    choose_option(panel, "Endpoint", name)
    wait_for_app(page)
    panel.get_by_test_id("stButton").filter(has_text="Test connection").click()
    alert = panel.locator('[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]').first
    alert.wait_for(state="visible")
    return alert.get_attribute("data-testid") == "stAlertContentSuccess", alert.inner_text().strip()


def start_probe(
    page: Any,
    *,
    endpoint: str,
    suite: str,
    requests_per_level: int,
    levels: list[int],
    timeout_ms: float = PROBE_RUN_TIMEOUT_MS,
) -> str:
    """Set up a run on the "Run a probe" tab, press "Start run" and wait for the run's success alert; return
    its text. Raises with the page's errors if the run fails instead. The alert shows for one fragment tick
    (about a second) before the fragment clears it, so it is waited for, never looked up afterwards."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    panel = open_tab(page, "Run a probe")
    choose_option(panel, "Endpoint", endpoint)
    choose_option(panel, "Eval suite", suite)
    wait_for_app(page)
    set_number(panel, "Requests per level", requests_per_level)
    set_multiselect(panel, "Concurrency levels", [str(level) for level in levels])
    # The plan line ("N requests (W warm-up)") is drawn by the server from all three values: once it shows the
    # expected count, the server has seen them.
    plan = requests_per_level * len(levels)
    page.wait_for_function(
        """([panel, plan]) => {
            const m = panel.innerText.match(/(\\d+) requests \\((\\d+) warm-up\\)/);
            return m && Number(m[1]) - Number(m[2]) === plan;
        }""",
        arg=[panel.element_handle(), plan],
        timeout=30_000,
    )
    wait_for_app(page)
    if panel.locator(ALERT_SUCCESS).filter(has_text="completed").count():
        panel.locator(ALERT_SUCCESS).filter(has_text="completed").wait_for(state="detached")  # an earlier run's
    panel.get_by_test_id("stButton").filter(has_text="Start run").click()
    done = panel.locator(ALERT_SUCCESS).filter(has_text="completed").or_(page.locator(ERRORS)).first
    try:
        done.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeoutError as exc:
        raise AssertionError(
            f"no success alert within {timeout_ms / 1000:.0f} s of pressing Start run; the tab shows:\n"
            + panel.inner_text()
        ) from exc
    errors = error_texts(page)
    if errors:
        raise AssertionError("the probe run failed:\n" + "\n---\n".join(errors))
    return done.inner_text().strip()


DATAFRAME = '[data-testid="stDataFrame"]'
METRIC = '[data-testid="stMetric"]'
METRIC_VALUE = '[data-testid="stMetricValue"]'
METRIC_DELTA = '[data-testid="stMetricDelta"]'
UPLOADED_FILE = '[data-testid="stFileChipName"]'
PDFTOTEXT = "pdftotext"


def rerun_after(page: Any, action: Any, timeout_ms: float = WAIT_MS) -> None:
    """Do `action` and wait until the script run it triggers has started and finished.

    The run is seen by the app's `data-test-script-state` going to 'running' (or a mutation record whose old value
    was 'running': a busy browser can apply both changes before the observer runs). Should the browser's renderer
    batch the two changes so that 'running' never reaches the page, the wait ends at `timeout_ms` with the app idle
    and the caller's own checks of the outcome decide; an app still running then fails here."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.evaluate(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            window.__frontierRan = false;
            window.__frontierObserver?.disconnect();
            window.__frontierObserver = new MutationObserver((records) => {
                if (app.getAttribute('data-test-script-state') === 'running'
                    || records.some((r) => r.oldValue === 'running')) window.__frontierRan = true;
            });
            window.__frontierObserver.observe(
                app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
        }"""
    )
    action()
    try:
        page.wait_for_function(
            """() => window.__frontierRan && document.querySelector('[data-testid="stApp"]')
                      .getAttribute('data-test-script-state') === 'notRunning'""",
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
        if state != "notRunning":
            raise AssertionError(f"the app was still {state!r} {timeout_ms / 1000:.0f} s after the action") from None
    wait_for_app(page, timeout_ms)


def upload_file(
    page: Any, label: str, file_name: str, content: bytes, mime_type: str = "text/csv", timeout_ms: float = 60_000
) -> None:
    """Put a file into the st.file_uploader labelled `label` (as a user choosing it would), wait until the uploader
    lists it and the run it triggers has finished (a floors file reruns the portfolio's solve: slow on a busy
    machine, hence the minute)."""
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=label)

    def choose() -> None:
        uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": file_name, "mimeType": mime_type, "buffer": content}
        )
        # The chip shortens a long name in the middle ("floors_...io_bad.csv"); its title holds it whole.
        uploader.locator(f"{UPLOADED_FILE}[title={json.dumps(file_name)}]").wait_for(state="visible")

    rerun_after(page, choose, timeout_ms)


def dataframe_rows(table: Any) -> list[list[str]]:
    """The body rows of an st.dataframe (a stDataFrame locator) as cell texts, read from the grid's accessibility
    table (attached but not "visible": the canvas draws what a person sees)."""
    grid = table.locator('[role="grid"]').first
    grid.locator('[role="row"]').nth(1).wait_for(state="attached")  # a fresh grid fills its rows a moment later
    rows = grid.locator('[role="row"]').all()[1:]  # the first is the header
    return [[cell.strip() for cell in row.locator('[role="gridcell"]').all_inner_texts()] for row in rows]


def metric(page: Any, label: str) -> Any:
    """The st.metric whose label starts with `label`."""
    return page.locator(METRIC).filter(has=page.locator('[data-testid="stMetricLabel"]').filter(has_text=label))


def usd(text: str) -> float:
    """'$1,234,567' (or '-$12') as a number of dollars."""
    cleaned = text.strip().replace(",", "").replace("$", "")
    return float(cleaned)


def pdf_text(pdf: bytes, folder: Path) -> str:
    """The text of a PDF by poppler's pdftotext, whitespace collapsed to single spaces."""
    path = folder / "download.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([PDFTOTEXT, str(path), "-"], check=True, capture_output=True, text=True, timeout=60)
    return " ".join(done.stdout.split())
