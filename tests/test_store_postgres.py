"""The team store on a real Postgres server: choosing it, migrate and copy between backends, what never leaks,
two people writing at once, a writer killed mid-transaction, and who made what (the last three on both backends)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pytest import MonkeyPatch

from pricing.store import PriceSheet, Store, StoreError, resolve_db_path
from pricing.store.postgres import redact_url
from pricing.store.schema import MIGRATIONS, TABLES, RequestRecord
from pricing.store.transfer import content_sha256, table_checks
from tests.conftest import PROJECT_ROOT, CliCall
from tests.postgres_support import PostgresServer

LATEST = MIGRATIONS[-1].version


def _add_team_rows(store: Store) -> None:
    """Rows of the tables a seed leaves empty: a scenario, an upload, an endpoint, a probe run with requests."""
    import pandas as pd

    store.save_scenario("plan A", '{"months": 24}', None, note="first")
    monthly = pd.DataFrame(
        {
            "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
            "workload": ["chat", "chat"],
            "requests": [100, 120],
            "input_tokens": [10_000, 12_000],
            "output_tokens": [2_000, 2_400],
            "cached_input_tokens": [0, 500],
        }
    )
    store.save_usage("u1", "usage.csv", "monthly", 2, monthly)
    store.save_endpoint({"name": "local", "model": "m", "kind": "openai", "api_key_env": "LOCAL_KEY"})
    store.start_run(
        run_id="r1",
        endpoint_name="local",
        model="m",
        api_base="http://127.0.0.1:1/v1",
        model_id=None,
        suite=None,
        settings_json="{}",
        estimated_cost_usd=0.5,
    )
    store.add_probe_requests(
        "r1",
        [RequestRecord(seq=i, phase="measure", concurrency=2, ttft_ms=10.0 + i, passed=i % 2 == 0) for i in range(5)],
    )
    store.finish_run("r1", "completed", '{"ok": true}')


def test_frontier_db_names_a_postgres_url_as_it_is(tmp_path: Path) -> None:
    url = "postgresql://team@db.internal:5432/frontier"
    assert resolve_db_path({"FRONTIER_DB": url}, tmp_path / "none.toml") == url
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'frontier_db = "{url}"\n')
    assert resolve_db_path({}, secrets) == url


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://team:s3cret-pw@127.0.0.1:{port}/frontier?connect_timeout=2"
    with pytest.raises(StoreError) as caught:
        Store(url)
    message = str(caught.value)
    assert "s3cret-pw" not in message and "team:***@127.0.0.1" in message
    assert "Cannot reach the Postgres store" in message and "FRONTIER_DB" in message
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_migrate_upgrades_either_store_and_says_so(
    postgres_server: PostgresServer, tmp_path: Path, pricing_cli: CliCall
) -> None:
    url = postgres_server.create_database()
    done = pricing_cli(["migrate", "--db", url])
    assert done.returncode == 0, done.stderr
    assert f"to schema version {LATEST}" in done.stdout and "applied 1, 2," in done.stdout
    again = pricing_cli(["migrate", "--db", url])
    assert f"is at schema version {LATEST}, the current one; nothing to do" in again.stdout
    file_done = pricing_cli(["migrate", "--db", str(tmp_path / "m.duckdb")])
    assert file_done.returncode == 0 and f"to schema version {LATEST}" in file_done.stdout
    Store(url, read_only=True).close()
    postgres_server.drop_database(url)


def test_copy_moves_a_duckdb_store_into_postgres_and_back_unchanged(
    postgres_server: PostgresServer, seeded_db_file: Path, tmp_path: Path, pricing_cli: CliCall
) -> None:
    personal = tmp_path / "personal.duckdb"
    shutil.copy(seeded_db_file, personal)
    store = Store(personal)
    _add_team_rows(store)
    store.close()
    team = postgres_server.create_database()
    there = pricing_cli(["copy", "--from", str(personal), "--to", team])
    assert there.returncode == 0, there.stderr
    assert "each checked" in there.stdout and "probe_requests: 5 rows" in there.stdout
    laptop = tmp_path / "laptop.duckdb"
    back = pricing_cli(["copy", "--from", team, "--to", str(laptop)])
    assert back.returncode == 0, back.stderr
    checks = table_checks(Store(personal, read_only=True), Store(laptop, read_only=True))
    assert [c.table for c in checks] == [t.name for t in TABLES]
    assert all(c.matches for c in checks), [c for c in checks if not c.matches]
    assert sum(c.source_rows for c in checks) > 10_000
    assert Store(laptop, read_only=True).scenario("plan A")["note"].tolist() == ["first"]
    refused = pricing_cli(["copy", "--from", str(personal), "--to", team])
    assert refused.returncode == 2 and "already holds data" in refused.stderr and "--replace" in refused.stderr
    Store(team, read_only=True).close()
    postgres_server.drop_database(team)


def test_the_content_hash_ignores_row_order_but_not_values() -> None:
    import pandas as pd

    frame = pd.DataFrame({"a": [1, 2], "b": ["x", None]})
    assert content_sha256(frame) == content_sha256(frame.iloc[::-1])
    assert content_sha256(frame) != content_sha256(frame.assign(b=["x", "y"]))


_SAVE_AS = """
import sys
from pricing.store import Store, ScenarioConflict
store = Store(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # both processes are open; go together
try:
    store.save_scenario("plan", '{"by": "' + sys.argv[2] + '"}', None, created_by=sys.argv[2])
except ScenarioConflict as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
"""


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1")
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_people_saving_one_scenario_name_at_once_never_lose_one_silently(store_location: str) -> None:
    Store(store_location).close()  # the schema exists before the two start
    savers = [_python(_SAVE_AS, store_location, user) for user in ("alice", "bob")]
    for saver in savers:
        assert saver.stdout is not None and saver.stdout.readline().strip() == "ready"
    for saver in savers:
        assert saver.stdin is not None
        saver.stdin.write("go\n")
        saver.stdin.flush()
    outcomes = [(saver.wait(timeout=60), saver.stderr.read() if saver.stderr else "") for saver in savers]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 3], outcomes
    conflict = next(err for code, err in outcomes if code == 3)
    store = Store(store_location)
    row = store.scenario("plan").iloc[0]
    winner = row["created_by"]
    assert row["inputs_json"] == '{"by": "' + winner + '"}'  # the stored scenario is the winner's, whole
    assert f"A scenario named 'plan' was saved by {winner}" in conflict and "another name" in conflict
    store.save_scenario("plan", '{"by": "again"}', None, created_by=winner)  # one's own scenario is overwritten
    assert store.scenario("plan")["inputs_json"].tolist() == ['{"by": "again"}']
    store.close()


_WRITE_THEN_HANG = """
import sys
import pandas as pd
from pricing.store import Store
from pricing.store.schema import RequestRecord, request_records_frame
store = Store(sys.argv[1])
frame = request_records_frame(
    [RequestRecord(seq=i, phase="measure", concurrency=1, ttft_ms=1.0) for i in range(5000)]
).assign(run_id="killed")
with store._transaction() as cur:  # the write a probe, an upload or a copy makes, caught in the middle
    store._insert(cur, "probe_requests", frame)
    print("written, not committed", flush=True)
    sys.stdin.readline()  # never answered: the process is killed here
"""


def test_a_writer_killed_mid_transaction_leaves_no_partial_rows(store_location: str) -> None:
    Store(store_location).close()
    writer = _python(_WRITE_THEN_HANG, store_location)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "written, not committed"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    store = Store(store_location, wait_s=20)
    assert store.count("probe_requests") == 0
    store.add_probe_requests("after", [RequestRecord(seq=0, phase="measure", concurrency=1)])  # still writable
    assert store.count("probe_requests") == 1
    store.close()


def test_rows_people_make_record_the_deployment_user(backend_seeded_store: Store, monkeypatch: MonkeyPatch) -> None:
    import pandas as pd

    monkeypatch.setenv("FRONTIER_USER", "carol")
    _add_team_rows(backend_seeded_store)
    store = backend_seeded_store
    assert store.scenarios()["created_by"].tolist() == ["carol"]
    assert store.usage_uploads()["created_by"].tolist() == ["carol"]
    assert store.runs()["created_by"].tolist() == ["carol"]
    prices = pd.DataFrame(
        {
            "model_key": ["x"],
            "provider": [None],
            "model_id": ["x"],
            "usd_per_1m_input": [1.0],
            "usd_per_1m_output": [2.0],
            "usd_per_1m_cached_input": [None],
            "usd_per_1m_batch_input": [None],
            "usd_per_1m_batch_output": [None],
            "context_tokens": [None],
            "effective_date": [dt.date(2026, 1, 1)],
            "source": ["test"],
        }
    )
    store.add_price_sheet(PriceSheet("Acme", "uploaded", "test", dt.date(2026, 1, 1)), prices, created_by="dan")
    sheets = store.price_sheets().set_index("sheet_name")
    assert sheets.loc["Acme", "created_by"] == "dan" and pd.isna(sheets["created_by"].drop("Acme")).all()
