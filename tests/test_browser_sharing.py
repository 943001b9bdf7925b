"""The app, command-line reads and a command-line probe on one store at once, and the app killed during a run it
started: real `streamlit run` servers, real CLI processes, a loopback model server and headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evals.loopback import LoopbackConfig, LoopbackServer
from pricing.store import Store
from tests import browser_support as bs
from tests.conftest import PROJECT_ROOT

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

pytestmark = pytest.mark.browser
SESSIONS = 3
PROBE_REQUESTS = 30


@pytest.fixture()
def db_copy(seeded_db_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "frontier.duckdb"
    shutil.copyfile(seeded_db_file, path)
    return path


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, env=bs.app_env(db), capture_output=True, text=True, timeout=180
    )


def _rerun(tab: Any) -> None:
    """Rerun the session's page with Streamlit's R key, waiting for that run to finish."""
    tab.locator(bs.TITLE).first.click()
    bs.rerun_after(tab, lambda: tab.keyboard.press("r"), 60_000)


def test_app_sessions_cli_reads_and_a_cli_probe_share_one_store(db_copy: Path, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context()
    with bs.serve_app(db_copy, tmp_path) as app, LoopbackServer(LoopbackConfig(ttft_ms=20, itl_ms=5)) as model:
        tabs = [context.new_page() for _ in range(SESSIONS)]
        for tab in tabs:
            bs.open_page(tab, app.base_url, "probes", 60_000)
        probe = subprocess.Popen(
            [sys.executable, "-m", "evals", "probe", "--model", "test-model", "--api-base", model.base_url,
             "--requests", str(PROBE_REQUESTS), "--concurrency", "1,2", "--no-overhead", "--json"],
            cwd=PROJECT_ROOT, env=bs.app_env(db_copy), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        reads: list[subprocess.CompletedProcess[str]] = []

        def read_loop() -> None:
            while probe.poll() is None or len(reads) < 2:
                reads.append(_cli(db_copy, "pricing", "sheets"))

        reader = threading.Thread(target=read_loop)
        reader.start()
        reruns = 0
        while probe.poll() is None or reruns < SESSIONS:
            _rerun(tabs[reruns % SESSIONS])
            reruns += 1
        stdout, stderr = probe.communicate(timeout=180)
        reader.join(timeout=300)
        errors = [text for tab in tabs for text in bs.error_texts(tab)]
        bs.open_page(tabs[0], app.base_url, "probes", 60_000)
        results = bs.open_tab(tabs[0], "Results and history")
        history = bs.dataframe_rows(results.locator(f"{bs.DATAFRAME}:has([role='columnheader']:has-text('Status'))"))
    context.close()

    assert probe.returncode == 0, stderr
    report = json.loads(stdout)
    assert report["status"] == "completed" and report["requests"] == 2 * PROBE_REQUESTS
    assert not [n for n in report["notes"] if "could not be stored" in n]
    assert Store(db_copy, read_only=True).count("probe_requests") == 2 * PROBE_REQUESTS + 2  # and 2 warm-ups
    assert all(read.returncode == 0 for read in reads), [read.stderr for read in reads if read.returncode]
    assert len(reads) >= 2 and "litellm" in reads[0].stdout
    assert not errors, errors
    assert any(report["run_id"] in row and "completed" in row for row in history), history


def _wait_until(check: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout_s:.0f} s")
        time.sleep(0.1)  # another process's writes: the database is the only thing to watch


def _stored(db: Path) -> int:
    return Store(db, read_only=True).count("probe_requests")


def test_the_app_killed_during_a_page_started_run_finds_it_interrupted_and_resumes_it(
    db_copy: Path, browser: Any, tmp_path: Path
) -> None:
    config = LoopbackConfig(ttft_ms=100, itl_ms=20, output_tokens=10)
    with LoopbackServer(config) as model:
        Store(db_copy).save_endpoint(
            {"name": "loop", "model": "test-model", "kind": "openai-compatible", "api_base": model.base_url}
        )
        context = browser.new_context()
        tab = context.new_page()
        with bs.serve_app(db_copy, tmp_path) as first:
            bs.open_page(tab, first.base_url, "probes", 60_000)
            panel = bs.open_tab(tab, "Run a probe")
            panel.get_by_test_id("stButton").filter(has_text="Start run").click()  # 20 requests at 1, 4 and 16
            _wait_until(lambda: _stored(db_copy) >= 5, "requests stored by the page's run")
            os.kill(first.pid, signal.SIGKILL)
        before = _stored(db_copy)
        run_id = str(Store(db_copy, read_only=True).runs()["run_id"].iloc[0])
        assert 5 <= before < 62

        config.ttft_ms, config.itl_ms = 5, 1
        (tmp_path / "second").mkdir()
        with bs.serve_app(db_copy, tmp_path / "second") as second:
            tab = context.new_page()
            bs.open_page(tab, second.base_url, "probes", 60_000)
            panel = bs.open_tab(tab, "Results and history")
            warning = panel.locator('[data-testid="stAlertContentWarning"]').filter(has_text="was interrupted")
            warning.wait_for(state="visible")
            assert f"Run {run_id} was interrupted: process {first.pid}" in warning.inner_text()
            assert "interrupted" in panel.inner_text()
            panel.get_by_test_id("stButton").filter(has_text="Resume run").click()
            progress = bs.open_tab(tab, "Run a probe")  # where the session's active run shows how it goes
            done = progress.locator(bs.ALERT_SUCCESS).filter(has_text="completed").or_(tab.locator(bs.ERRORS)).first
            done.wait_for(state="visible", timeout=120_000)
            errors = bs.error_texts(tab)
        context.close()

    assert not errors, errors
    store = Store(db_copy, read_only=True)
    run = store.run(run_id).iloc[0]
    assert run["status"] == "completed"
    assert sorted(store.run_requests(run_id)["seq"]) == list(range(62))  # 2 warm-ups and 3 levels of 20, once each
    summary = json.loads(run["summary_json"])
    assert summary["requests"] == 60 and [level["requests"] for level in summary["levels"]] == [20, 20, 20]
