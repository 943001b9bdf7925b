"""Writes made by other processes show in the app without a restart, on both backends.

Every write transaction bumps the store's change count; the app reads it once per script run and drops its page
caches when it moved. Here the other process is a real `python -m pricing upload-sheet` and the app an AppTest.
What no page caches (scenarios, usage uploads, a running probe's requests) is written without counting and read
fresh.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pricing.store import RequestRecord, ScenarioConflict, Store
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.postgres_support import PostgresServer
from tests.run_support import start_test_run

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture(params=["duckdb", "postgres"])
def app_store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private seeded store on each backend, with the app's FRONTIER_DB pointing at it; yields its location."""
    if request.param == "duckdb":
        path = tmp_path / "app.duckdb"
        shutil.copy(request.getfixturevalue("seeded_db_file"), path)
        monkeypatch.setenv("FRONTIER_DB", str(path))
        yield str(path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database(template=request.getfixturevalue("seeded_postgres_template"))
    monkeypatch.setenv("FRONTIER_DB", url)
    yield url
    Store(url, read_only=True).close()
    server.drop_database(url)


def test_each_committed_write_moves_the_change_count_and_a_failed_one_does_not(
    backend_seeded_store: Store,
) -> None:
    store = backend_seeded_store
    before = store.change_count()
    store.save_endpoint({"name": "nim", "model": "m", "kind": "nim", "api_base": "http://127.0.0.1:9/v1"})
    assert store.change_count() == before + 1
    with pytest.raises(Exception):  # noqa: B017 - each backend names the NOT NULL violation its own way
        store.save_endpoint({"model": "m", "kind": "nim"})  # refused inside the transaction: nothing counted
    assert store.change_count() == before + 1
    store.delete_endpoint("nim")
    assert store.change_count() == before + 2
    assert store.migrate() == [] and store.change_count() == before + 2  # a store already current writes nothing


def test_scenarios_and_usage_uploads_are_saved_without_moving_the_change_count(backend_seeded_store: Store) -> None:
    """No page caches them, so a save must not make every page of every app process drop its caches."""
    store = backend_seeded_store
    before = store.change_count()
    store.save_scenario("plan A", '{"months": 24}', None, created_by="ana")
    with pytest.raises(ScenarioConflict):  # refused inside the transaction: nothing written
        store.save_scenario("plan A", '{"months": 18}', None, created_by="ben")
    assert store.scenario("plan A")["created_by"].tolist() == ["ana"]
    monthly = pd.DataFrame(
        {"month": [dt.date(2026, 10, 1)], "workload": ["chat"], "requests": [10], "input_tokens": [1000],
         "output_tokens": [200], "cached_input_tokens": [0]}
    )  # fmt: skip
    store.save_usage("u1", "usage.csv", "monthly", 1, monthly)
    assert len(store.usage_monthly("u1")) == 1
    store.delete_usage("u1")
    store.delete_scenario("plan A")
    assert store.change_count() == before


def test_a_scenario_saved_by_another_process_is_listed_at_the_next_run(app_store: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/projections.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Saved elsewhere" not in _scenario_options(at)
    other = Store(app_store)
    try:
        other.save_scenario("Saved elsewhere", '{"months": 24}', None, created_by="ana")
    finally:
        other.close()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Saved elsewhere" in _scenario_options(at)


def _scenario_options(at: AppTest) -> list[str]:
    """The saved scenarios the projections page offers to open (none: the list is not drawn)."""
    try:
        return [str(option) for option in at.selectbox(key="proj_load_name").options]
    except KeyError:
        return []


def test_a_running_probes_batches_of_requests_leave_page_caches_alone_and_its_finish_moves_them(
    backend_seeded_store: Store,
) -> None:
    """A probe stores a batch every half second: counting each would make every page of every app process drop its
    caches as often. Cached pages read only finished runs' requests, and the finish is counted."""
    store = backend_seeded_store
    before = store.change_count()
    start_test_run(store, "r1")
    assert store.change_count() == before + 1
    for seq in range(3):
        store.add_probe_requests("r1", [RequestRecord(seq=seq, phase="measure", concurrency=1, ttft_ms=5.0)])
    assert store.change_count() == before + 1
    assert len(store.run_requests("r1")) == 3  # stored all the same, for the page that reads them fresh
    store.finish_run("r1", "completed", "{}")
    assert store.change_count() == before + 2


def _sheet_options(at: AppTest) -> list[str]:
    return [str(option) for option in at.selectbox(key="shared_sheet").options]


def test_a_sheet_uploaded_by_another_process_shows_without_a_restart(app_store: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Acme 2026" in option for option in _sheet_options(at))
    at.run()  # the sheets are cached now: without the change count, this process would keep showing them
    env = dict(os.environ, FRONTIER_DB=app_store, LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1")
    upload = subprocess.run(
        [
            sys.executable,
            "-m",
            "pricing",
            "upload-sheet",
            "--file",
            str(FIXTURES / "sheet_ok.csv"),
            "--name",
            "Acme 2026",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=180,
    )
    assert upload.returncode == 0, upload.stderr
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Acme 2026" in option for option in _sheet_options(at))
