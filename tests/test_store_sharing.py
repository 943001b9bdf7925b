"""One store file shared by several processes, and runs whose process died: real processes, real DuckDB files.

The app, command-line reads, a probe writing its requests and a scheduled job each open the file only for the span
of an operation, so they take turns; a file held past the wait names the process holding it. A probe killed with
kill -9 leaves its run 'running'; the next process to open the store finds its owner dead and marks it
'interrupted', and the run can be resumed (the requests it had not measured) or closed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evals.loopback import LoopbackConfig, LoopbackServer
from evals.probe import ProbeSettings, level_seqs
from evals.runner import requests_left
from pricing.store import Store, StoreError
from pricing.store.access import file_access
from pricing.store.owners import Owner, owner_alive, this_process
from tests.conftest import PROJECT_ROOT, CliCall
from tests.run_support import start_test_run

Hold = Callable[[Path, str], "subprocess.Popen[str]"]
HOLD_SCRIPT = """import sys, time, duckdb
deadline = time.monotonic() + 10
while True:
    try:  # this process's own store may still have the file open for a moment after its last read
        con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
        break
    except duckdb.IOException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.01)
print("held", flush=True)
sys.stdin.readline()  # hold the file until told to let go
con.close()
"""


@pytest.fixture()
def db_copy(seeded_db_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "shared.duckdb"
    shutil.copy(seeded_db_file, path)
    return path


@pytest.fixture()
def holder(tmp_path: Path) -> Iterator[Hold]:
    """Start another process that opens the file ('read' or 'write') and holds it until its stdin gets a line."""
    script = tmp_path / "hold_db.py"
    script.write_text(HOLD_SCRIPT, encoding="utf-8")
    started: list[subprocess.Popen[str]] = []

    def hold(path: Path, mode: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, str(script), str(path), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        return process

    yield hold
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _let_go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def test_a_read_waits_while_another_process_writes_then_reads(db_copy: Path, holder: Hold) -> None:
    store = Store(db_copy)
    writer = holder(db_copy, "write")
    threading.Timer(0.5, _let_go, [writer]).start()  # the other process lets go while this one is retrying
    assert len(store.models()) > 900
    assert writer.wait(timeout=10) == 0


def test_readers_in_several_processes_share_the_file(db_copy: Path, holder: Hold) -> None:
    store = Store(db_copy)
    reader = holder(db_copy, "read")
    assert len(store.models()) > 900  # a read-only open beside another process's read-only open
    _let_go(reader)


def test_a_file_held_past_the_wait_names_the_command_and_never_the_path(
    db_copy: Path, holder: Hold, monkeypatch: pytest.MonkeyPatch, pricing_cli: CliCall
) -> None:
    Store(db_copy)  # migrated and checked before the other process takes it
    other = holder(db_copy, "write")
    with pytest.raises(StoreError) as caught:
        Store(db_copy, wait_s=0.3).models()
    message = str(caught.value)
    assert f"process {other.pid}" in message and "hold_db.py" in message and "shared.duckdb write" in message
    assert str(db_copy.parent) not in message and "FRONTIER_DB" in message
    monkeypatch.setenv("FRONTIER_DB", str(db_copy))
    monkeypatch.setenv("FRONTIER_DB_WAIT_S", "0.3")
    result = pricing_cli(["sheets"])
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"process {other.pid}" in result.stderr and str(db_copy.parent) not in result.stderr


def test_threads_of_one_process_share_one_open_and_writes_wait_for_reads(db_copy: Path) -> None:
    store = Store(db_copy)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                assert len(store.models()) > 900
                store.save_endpoint({"name": f"ep-{n}-{i}", "model": "m", "kind": "api"})
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(store.endpoints()) == 40


def test_the_file_is_closed_and_its_closer_thread_ended_before_python_exits(db_copy: Path) -> None:
    """A daemon thread still inside DuckDB when Python finalises is ended by force, which unwinds DuckDB's C++ and
    aborts the process ("FATAL: exception not rethrown"): the exit handler ends the closer thread and closes the file
    first."""
    store = Store(db_copy)
    assert store.count("models") > 900
    access = file_access(db_copy)
    closer = access._closer
    assert closer is not None and closer.is_alive()  # a read-only open lingers, ended by this thread
    access.shut_down()
    assert not closer.is_alive()
    assert not access._attached
    with duckdb.connect(str(db_copy)) as con:  # no open left in this process: another one may write
        assert con.execute("SELECT count(*) FROM models").fetchone()[0] > 900


def test_a_current_file_is_opened_read_only_to_read(db_copy: Path, holder: Hold) -> None:
    """Opening a Store on a current file writes nothing, so it works beside another process's read-only open."""
    Store(db_copy)
    reader = holder(db_copy, "read")
    store = Store(db_copy, wait_s=0.3)  # would need a read-write open to migrate or to mark runs
    assert store.count("models") > 900
    _let_go(reader)


def test_a_store_opened_read_only_refuses_writes(db_copy: Path) -> None:
    with pytest.raises(StoreError, match="read-only"):
        Store(db_copy, read_only=True).save_endpoint({"name": "x", "model": "m", "kind": "api"})


def test_the_owner_of_a_run_is_this_process_until_it_dies() -> None:
    me = this_process()
    assert me.pid == os.getpid() and me.host == socket.gethostname() and me.token
    assert owner_alive(me) is True
    assert owner_alive(Owner(me.pid, me.host, "another-boot:1")) is False  # the PID reused by another process
    assert owner_alive(Owner(me.pid, "another-host", me.token)) is None  # cannot be checked from here
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert owner_alive(Owner(int(finished.stdout), me.host, "")) is False


def test_runs_of_live_owners_and_other_hosts_stay_running(db_copy: Path) -> None:
    store = Store(db_copy)
    for run_id in ("mine", "elsewhere", "dead", "old"):
        start_test_run(store, run_id, endpoint_name="e")
    store.close()
    con = duckdb.connect(str(db_copy))
    con.execute("UPDATE probe_runs SET owner_host = 'another-host' WHERE run_id = 'elsewhere'")
    con.execute("UPDATE probe_runs SET owner_pid = 1, owner_token = 'x:1' WHERE run_id = 'dead'")
    con.execute("UPDATE probe_runs SET owner_pid = NULL, owner_host = NULL, owner_token = NULL WHERE run_id = 'old'")
    con.close()

    runs = Store(db_copy).runs().set_index("run_id")
    assert runs.loc["mine", "status"] == "running" and runs.loc["elsewhere", "status"] == "running"
    assert runs.loc["dead", "status"] == runs.loc["old", "status"] == "interrupted"
    assert "interrupted: process 1 on " in runs.loc["dead", "note"]


def test_requests_left_are_the_missing_numbers_of_each_level() -> None:
    settings = ProbeSettings(requests_per_level=4, concurrency_levels=(1, 8, 16), warmup_requests=2)
    assert {c: list(r) for c, r in level_seqs(settings).items()} == {
        1: [2, 3, 4, 5],
        8: [6, 7, 8, 9],
        16: [10, 11, 12, 13],
    }
    stored = pd.DataFrame({"seq": [0, 1, 2, 3, 4, 5, 6, 8]})
    assert requests_left(settings, stored) == {8: [1, 3], 16: [0, 1, 2, 3]}
    assert requests_left(settings, pd.DataFrame({"seq": list(range(14))})) == {}


@pytest.fixture()
def slow_server() -> Iterator[LoopbackServer]:
    with LoopbackServer(LoopbackConfig(ttft_ms=20, itl_ms=5, output_tokens=6, hang_s=120)) as server:
        yield server


def _wait_until(check: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout_s:.0f} s")
        time.sleep(0.1)  # another process's writes: the database is the only thing to watch


def _measured(path: Path) -> pd.DataFrame:
    store = Store(path, read_only=True)
    runs = store.runs()
    return store.run_requests(str(runs["run_id"].iloc[0])) if not runs.empty else pd.DataFrame(columns=["seq"])


def _probe_killed_mid_run(path: Path, server: LoopbackServer) -> tuple[str, pd.DataFrame]:
    """Run `python -m evals probe` in a real process, make the server hang once 6 requests have finished, wait until
    the probe has stored every finished request, kill it with SIGKILL; return the run and what it stored."""
    env = dict(os.environ, FRONTIER_DB=str(path))
    args = ["probe", "--model", "test-model", "--api-base", server.base_url, "--requests", "8",
            "--concurrency", "1,2", "--warmup", "1", "--no-overhead"]  # fmt: skip
    probe = subprocess.Popen([sys.executable, "-m", "evals", *args], cwd=PROJECT_ROOT, env=env)
    try:

        def finished() -> int:
            return sum(1 for r in server.requests if r.done.is_set() and r.path.startswith("/v1/chat"))

        assert server.wait_for(lambda: finished() >= 6, timeout_s=60)
        server.add_faults(*["hang"] * 40)  # every later request hangs: what finished is all there is to store
        served = sum(1 for r in server.chat_requests() if r.done.is_set())
        _wait_until(lambda: len(_measured(path)) >= served, "stored requests")
    finally:
        probe.send_signal(signal.SIGKILL)
        probe.wait(timeout=10)
    stored = _measured(path)
    return str(Store(path, read_only=True).runs()["run_id"].iloc[0]), stored


def test_a_probe_killed_with_sigkill_is_interrupted_then_resumed(
    db_copy: Path, slow_server: LoopbackServer, evals_cli: CliCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, before = _probe_killed_mid_run(db_copy, slow_server)
    assert 6 <= len(before) < 17 and before["error_type"].isna().all()
    assert Store(db_copy, read_only=True).run(run_id)["status"].iloc[0] == "running"  # nobody has looked yet

    store = Store(db_copy)  # the next process to open the store
    run = store.run(run_id).iloc[0]
    assert run["status"] == "interrupted" and "ended without finishing it" in run["note"]

    slow_server.config.faults.clear()
    slow_server.clear()
    monkeypatch.setenv("FRONTIER_DB", str(db_copy))
    result = evals_cli(["resume", run_id, "--no-overhead", "--json"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "completed" and report["requests"] == 16
    assert [level["requests"] for level in report["levels"]] == [8, 8]
    assert any("resumed after an interruption" in note for note in report["notes"])
    after = store.run_requests(run_id)
    assert sorted(after["seq"]) == list(range(17))  # the warm-up and both levels, each number once
    kept = after[after["seq"].isin(before["seq"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before.reset_index(drop=True))  # what the first sitting stored is unchanged
    sent_again = len([r for r in slow_server.chat_requests() if r.done.is_set()])
    assert sent_again == 17 - len(before) + 1  # the missing requests and one warm-up, nothing measured twice
    assert store.run(run_id)["status"].iloc[0] == "completed"
    assert evals_cli(["resume", run_id]).returncode == 2  # only an interrupted run resumes


def test_an_interrupted_run_closes_with_the_requests_it_kept(
    db_copy: Path, slow_server: LoopbackServer, evals_cli: CliCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, before = _probe_killed_mid_run(db_copy, slow_server)
    monkeypatch.setenv("FRONTIER_DB", str(db_copy))
    result = evals_cli(["close", run_id, "--json"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    measured = int((before["phase"] == "measure").sum())
    assert report["status"] == "closed" and report["requests"] == measured
    run = Store(db_copy).run(run_id).iloc[0]
    assert run["status"] == "closed" and json.loads(run["summary_json"])["requests"] == measured
    assert evals_cli(["close", run_id]).returncode == 2


def _interrupted_run(
    path: Path, run_id: str, *, stored: int = 2, sweep: bool = False, error_type: str | None = None
) -> None:
    """A run of 3 requests at concurrency 1 (and 2) whose owner is gone, as a killed process leaves it, with `stored`
    of them stored."""
    from evals.probe import ProbeSettings as Settings
    from evals.runner import Endpoint, RunSetup
    from evals.summary import Objectives
    from pricing.store import RequestRecord

    setup = RunSetup(
        run_id=run_id,
        endpoint=Endpoint("loop", "test-model", "openai-compatible", "http://127.0.0.1:9/v1"),
        settings=Settings(requests_per_level=3, concurrency_levels=(1, 2), warmup_requests=0, sweep=sweep),
        sheet_name="none",
        objectives=Objectives(),
        suite=None,
        suite_name=None,
        scorer=None,
        judge_endpoint=None,
        price=None,
        price_note="no price",
        estimated_cost_usd=None,
    )
    store = Store(path)
    start_test_run(
        store,
        run_id,
        endpoint_name="loop",
        model="test-model",
        api_base="http://127.0.0.1:9/v1",
        settings_json=setup.settings_json(),
    )
    records = [
        RequestRecord(seq=i, phase="measure", concurrency=1 if i < 3 else 2, sent_s=0.1 * i, ttft_ms=20.0,
                      e2e_ms=50.0, itl_ms=5.0, input_tokens=10, output_tokens=7, attempts=1, error_type=error_type)
        for i in range(stored)
    ]  # fmt: skip
    store.add_probe_requests(run_id, records)
    store.close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE probe_runs SET owner_pid = 1, owner_token = 'gone:1' WHERE run_id = ?", [run_id])
    con.close()


def test_the_probes_page_offers_resume_and_closes_an_interrupted_run(app_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    _interrupted_run(app_db, "killed1")
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/probes.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warning = next(w.value for w in at.warning if "was interrupted" in w.value)
    assert "Run killed1 was interrupted: process 1 on " in warning and "ended without finishing it" in warning
    assert [b.label for b in at.button if b.key in ("probes_resume_button", "probes_close_button")] == [
        "Resume run",
        "Close run",
    ]
    at.button(key="probes_close_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = Store(app_db, read_only=True).run("killed1").iloc[0]
    assert run["status"] == "closed" and json.loads(run["summary_json"])["requests"] == 2
    assert not [w for w in at.warning if "was interrupted" in w.value]


def test_the_app_says_which_process_holds_the_file_instead_of_a_traceback(
    app_db: Path, holder: Hold, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    other = holder(app_db, "write")
    monkeypatch.setenv("FRONTIER_DB_WAIT_S", "0.3")
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    message = at.error[0].value
    assert f"is held by process {other.pid}" in message and "hold_db.py app.duckdb write" in message
    assert str(app_db.parent) not in message and "Traceback" not in message
    _let_go(other)


def test_resuming_a_run_that_had_stored_every_request_only_finishes_it(db_copy: Path) -> None:
    from evals.runner import resume_run

    _interrupted_run(db_copy, "all-stored", stored=6)
    report = resume_run(Store(db_copy), "all-stored", measure_overhead=False)  # its endpoint refuses connections
    assert report.status == "completed" and report.requests == 6 and not report.errors
    assert Store(db_copy).run("all-stored")["status"].iloc[0] == "completed"


def test_resuming_a_sweep_sends_nothing_past_a_level_where_it_would_have_stopped(db_copy: Path) -> None:
    from evals.runner import resume_run

    _interrupted_run(db_copy, "stopped-sweep", stored=3, sweep=True, error_type="server_error")
    report = resume_run(Store(db_copy), "stopped-sweep", measure_overhead=False)
    assert [level.concurrency for level in report.levels] == [1]  # level 2 never sent: level 1 had no success
    assert report.errors == {"server_error": 3}
