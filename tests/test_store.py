"""The store on real DuckDB files and a real Postgres database: migrations, idempotent seeding, sheets, coverage,
concurrency. Tests taking `seeded_store` or `store_location` run once per backend (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from pricing import service
from pricing.litellm_prices import BUNDLED_SHEET_NAME
from pricing.sheets import SheetError
from pricing.sources.seed import seed
from pricing.store import (
    MIGRATIONS,
    REQUEST_RECORD_FIELDS,
    SEEDED_TABLES,
    TABLE_COLUMNS,
    PriceSheet,
    RequestRecord,
    Store,
    StoreError,
    resolve_db_path,
)
from pricing.store.schema import TABLES
from tests.run_support import start_test_run

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LATEST = MIGRATIONS[-1].version


def _shipped_ddl() -> dict[int, str]:
    """The schema as each migration shipped it: {0: the migrations record, 1: migration 1, ...}."""
    text = (FIXTURES / "store_schema_as_shipped.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- migration (\d+): .*$", text, flags=re.MULTILINE)
    sections = {0: parts[0]}
    sections.update({int(version): ddl for version, ddl in zip(parts[1::2], parts[2::2], strict=True)})
    return sections


def _file_as_shipped(path: Path, up_to: int, rows: str = "") -> None:
    """A database file written by the shipped migrations 1..up_to (recorded as applied), holding `rows`."""
    sections = _shipped_ddl()
    con = duckdb.connect(str(path))
    try:
        con.execute(sections[0])
        for version in range(1, up_to + 1):
            con.execute(sections[version])
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, MIGRATIONS[version - 1].name, dt.datetime(2026, 3, 2, 9, 0)],
            )
        if rows:
            con.execute(rows)
    finally:
        con.close()


def _catalog(path: Path) -> dict[str, Any]:
    """Everything DuckDB knows of a file's schema: tables, views, columns, constraints and migrations applied."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "tables": con.execute("SELECT table_name, sql FROM duckdb_tables() ORDER BY table_name").fetchall(),
            "views": con.execute(
                "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY view_name"
            ).fetchall(),
            "columns": con.execute(
                "SELECT table_name, column_index, column_name, data_type, is_nullable FROM duckdb_columns() "
                "WHERE NOT internal ORDER BY table_name, column_index"
            ).fetchall(),
            "constraints": con.execute(
                "SELECT table_name, constraint_type, constraint_text, constraint_column_names "
                "FROM duckdb_constraints() ORDER BY ALL"
            ).fetchall(),
            "migrations": con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall(),
        }
    finally:
        con.close()


def _fresh_catalog(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "fresh.duckdb"
    Store(path).close()
    return _catalog(path)


def _counts(store: Store) -> dict[str, int]:
    return {t: store.count(t) for t in (*SEEDED_TABLES, "prices", "price_sheets")}


@pytest.fixture()
def seeded_store(backend_seeded_store: Store) -> Store:
    """Here every seeded test runs on both backends: a DuckDB file and a Postgres database."""
    return backend_seeded_store


def test_migrations_run_twice_are_idempotent(store_location: str) -> None:
    path = store_location
    store = Store(path)
    assert store.schema_version() == LATEST
    assert store.migrate() == []
    store.close()
    reopened = Store(path)
    assert reopened.migrate() == []
    assert reopened.schema_version() == LATEST
    reopened.close()


def test_old_file_upgrades_itself(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    con.close()
    store = Store(path)
    assert store.schema_version() == LATEST
    assert store.count("models") == 0


def test_a_version_1_file_holding_data_upgrades_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "v1.duckdb"
    _file_as_shipped(path, up_to=1, rows=(FIXTURES / "store_v1_rows.sql").read_text(encoding="utf-8"))
    store = Store(path, read_only=True)
    before = {table: store.count(table) for table in TABLE_COLUMNS if table in SEEDED_TABLES or table == "prices"}
    models_before = store.models()
    store.close()

    store = Store(path)
    assert store.schema_version() == LATEST
    assert [m.version for m in MIGRATIONS] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert {table: store.count(table) for table in before} == before
    assert before["models"] == 2 and before["model_aliases"] == 3 and before["prices"] == 2
    pd.testing.assert_frame_equal(store.models(), models_before)
    aliases = store.aliases().set_index("alias")
    assert aliases.loc["GPT-4o-mini-2024-07-18", "model_id"] == "gpt-4o-mini"
    assert aliases[["rule", "loose", "reason"]].isna().all().all()  # migration 4 added them, empty for old rows
    assert store.current_prices("litellm 1.60.0 (bundled)", on=dt.date(2026, 3, 1))["usd_per_1m_output"].tolist() == [
        0.05,
        0.6,
    ]
    assert store.scores("arena_elo")["score"].tolist() == [1272.5, 1176.0]
    assert store.last_seed() is not None and store.last_seed()["data_version"] == "v1-fixture"  # type: ignore[index]
    assert store.count("probe_runs") == 0 and store.scenarios().empty and store.usage_uploads().empty
    assert store.migrate() == []
    store.close()
    upgraded = _catalog(path)
    assert upgraded["migrations"] == [(m.version, m.name) for m in MIGRATIONS]
    assert upgraded == _fresh_catalog(tmp_path)  # same tables, columns, constraints and view as a new file


def test_a_file_written_by_the_shipped_migrations_opens_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "v4.duckdb"
    _file_as_shipped(path, up_to=LATEST)
    shipped = _catalog(path)
    store = Store(path)
    assert store.migrate() == [] and store.schema_version() == LATEST
    store.close()
    assert _catalog(path) == shipped
    assert _fresh_catalog(tmp_path) == shipped  # a new file is the same as one built by the shipped DDL


def test_the_tables_defined_once_are_the_tables_the_migrations_build(tmp_path: Path) -> None:
    built: dict[str, list[tuple[str, str, bool]]] = {}
    for table_name, _, name, sql_type, nullable in _fresh_catalog(tmp_path)["columns"]:
        built.setdefault(table_name, []).append((name, sql_type, nullable))
    built.pop("schema_migrations")
    built.pop("store_changes")  # bookkeeping, not data: defined beside TABLES, not in it
    built.pop("own_eval_scores", None)
    defined = {
        table.name: [(c.name, c.sql_type, not (c.not_null or c.name in table.primary_key)) for c in table.columns]
        for table in TABLES
    }
    assert built == defined
    assert TABLE_COLUMNS["probe_requests"] == ("run_id", *REQUEST_RECORD_FIELDS)


def test_count_names_only_known_tables(store_location: str) -> None:
    store = Store(store_location)
    assert all(store.count(table.name) == 0 for table in TABLES)
    with pytest.raises(ValueError, match="unknown table"):
        store.count("models; DROP TABLE models")
    store.close()


def test_request_records_round_trip_through_the_store(store_location: str) -> None:
    store = Store(store_location)
    start_test_run(store, "r1")
    records = [
        RequestRecord(seq=0, phase="warmup", concurrency=1, sent_s=0.0, ttft_ms=12.5, tokens_estimated=False),
        RequestRecord(seq=1, phase="measure", concurrency=4, error_type="timeout", attempts=1, answer=""),
    ]
    store.add_probe_requests("r1", records)
    stored = store.run_requests("r1")
    assert list(stored.columns) == list(TABLE_COLUMNS["probe_requests"])
    assert stored["phase"].tolist() == ["warmup", "measure"] and stored["ttft_ms"].iloc[0] == 12.5
    assert stored["error_type"].iloc[1] == "timeout" and pd.isna(stored["ttft_ms"].iloc[1])
    with pytest.raises(TypeError):
        store.start_run("r2", None, "m", None, None, None, "{}", None)  # type: ignore[misc]
    store.close()


def test_seeding_twice_duplicates_nothing(seeded_store: Store) -> None:
    before = _counts(seeded_store)
    assert before["prices"] > 3000 and before["scores"] > 1000
    seed(seeded_store)
    assert _counts(seeded_store) == before


def test_seed_if_needed_skips_same_data(seeded_store: Store) -> None:
    assert not seed(seeded_store, only_if_needed=True).seeded


def test_every_row_has_source_and_date(seeded_store: Store) -> None:
    scores = seeded_store.scores()
    assert scores["source"].notna().all()
    assert scores["as_of"].notna().mean() > 0.9
    prices = seeded_store.current_prices(BUNDLED_SHEET_NAME)
    assert prices["source"].notna().all() and prices["effective_date"].notna().all()
    assert seeded_store.gpu_prices()["source"].notna().all()
    assert seeded_store.throughput()["source"].notna().all()


def test_coverage_counts_priced_models_with_scores(seeded_store: Store) -> None:
    coverage = seeded_store.coverage(BUNDLED_SHEET_NAME)
    assert coverage.priced_entries > 3000
    assert 150 <= coverage.priced_models_with_scores <= coverage.priced_models
    assert 0 < coverage.share < 1


def test_upload_adds_sheet_and_keeps_history(seeded_store: Store) -> None:
    content = (FIXTURES / "sheet_ok.csv").read_bytes()
    assert service.upload_price_sheet(seeded_store, "Acme 2026", "sheet_ok.csv", content) == 2
    newer = content.replace(b"2.0,8.0,0.5,2026-10-01", b"1.5,6.0,0.4,2026-11-01")
    service.upload_price_sheet(seeded_store, "Acme 2026", "sheet_ok_v2.csv", newer)
    history = seeded_store.price_history("Acme 2026", "acme-llm-large")
    assert history["usd_per_1m_input"].tolist() == [2.0, 1.5]
    current = seeded_store.current_prices("Acme 2026", on=dt.date(2026, 11, 27)).set_index("model_key")
    assert current.loc["acme-llm-large", "usd_per_1m_input"] == 1.5
    assert current.loc["gpt-4o", "usd_per_1m_input"] == 2.0
    before_nov = seeded_store.current_prices("Acme 2026", on=dt.date(2026, 10, 15)).set_index("model_key")
    assert before_nov.loc["acme-llm-large", "usd_per_1m_input"] == 2.0


def test_bad_upload_leaves_database_unchanged(seeded_store: Store) -> None:
    before = _counts(seeded_store)
    with pytest.raises(SheetError):
        service.upload_price_sheet(seeded_store, "Broken", "sheet_bad.csv", (FIXTURES / "sheet_bad.csv").read_bytes())
    assert _counts(seeded_store) == before
    assert "Broken" not in set(seeded_store.price_sheets()["sheet_name"])


def test_failed_write_rolls_back_whole_transaction(seeded_store: Store) -> None:
    before = _counts(seeded_store)
    duplicated = pd.DataFrame(
        [
            {
                "model_key": "x",
                "provider": None,
                "model_id": "x",
                "usd_per_1m_input": 1.0,
                "usd_per_1m_output": 1.0,
                "usd_per_1m_cached_input": None,
                "usd_per_1m_batch_input": None,
                "usd_per_1m_batch_output": None,
                "context_tokens": None,
                "effective_date": dt.date(2026, 1, 1),
                "source": "test",
            }
        ]
        * 2
    )
    with pytest.raises(duckdb.ConstraintException):
        seeded_store.add_price_sheet(PriceSheet("Dup", "uploaded", "test", dt.date(2026, 1, 1)), duplicated)
    assert _counts(seeded_store) == before


def test_bundled_sheet_cannot_be_overwritten_by_upload(seeded_store: Store) -> None:
    with pytest.raises(ValueError, match="bundled"):
        service.upload_price_sheet(seeded_store, BUNDLED_SHEET_NAME, "s.csv", (FIXTURES / "sheet_ok.csv").read_bytes())


def test_deployment_price_is_used_alongside_the_sheet(seeded_store: Store) -> None:
    service.set_deployment_price(
        seeded_store, "nvidia_nim/meta/llama-3.1-8b-instruct", "llama-3.1-8b-instruct", 0.1, 0.2
    )
    prices = service.prices_with_deployments(seeded_store, BUNDLED_SHEET_NAME)
    row = prices[prices["model_key"] == "nvidia_nim/meta/llama-3.1-8b-instruct"].iloc[0]
    assert (row["usd_per_1m_input"], row["usd_per_1m_output"]) == (0.1, 0.2)


def test_concurrent_sessions_read_and_write_without_locking(seeded_store: Store) -> None:
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(20):
                assert len(seeded_store.current_prices(BUNDLED_SHEET_NAME)) > 3000
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    def writer(n: int) -> None:
        try:
            for i in range(5):
                service.set_deployment_price(seeded_store, f"deploy-{n}-{i}", None, 1.0, 2.0)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)] + [
        threading.Thread(target=writer, args=(n,)) for n in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(seeded_store.current_prices(service.CUSTOM_SHEET_NAME)) == 15


def test_db_path_from_env_then_secrets_then_default(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    assert resolve_db_path({"FRONTIER_DB": str(tmp_path / "a.duckdb")}, secrets) == tmp_path / "a.duckdb"
    secrets.write_text(f'frontier_db = "{tmp_path / "b.duckdb"}"\n')
    assert resolve_db_path({}, secrets) == tmp_path / "b.duckdb"
    secrets.write_text("not toml = = =")
    with pytest.raises(StoreError, match="not valid TOML"):
        resolve_db_path({}, secrets)
