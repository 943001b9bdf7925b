"""The store on real DuckDB files: migrations, idempotent seeding, sheets, coverage, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pricing import service
from pricing.litellm_prices import BUNDLED_SHEET_NAME
from pricing.sheets import SheetError
from pricing.sources.seed import seed
from pricing.store import MIGRATIONS, SEEDED_TABLES, PriceSheet, Store, StoreError, resolve_db_path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _counts(store: Store) -> dict[str, int]:
    return {t: store.count(t) for t in (*SEEDED_TABLES, "prices", "price_sheets")}


def test_migrations_run_twice_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    store = Store(path)
    assert store.schema_version() == MIGRATIONS[-1][0]
    assert store.migrate() == []
    store.close()
    reopened = Store(path)
    assert reopened.migrate() == []
    assert reopened.schema_version() == MIGRATIONS[-1][0]


def test_old_file_upgrades_itself(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    con.close()
    store = Store(path)
    assert store.schema_version() == MIGRATIONS[-1][0]
    assert store.count("models") == 0


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
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    def writer(n: int) -> None:
        try:
            for i in range(5):
                service.set_deployment_price(seeded_store, f"deploy-{n}-{i}", None, 1.0, 2.0)
        except BaseException as exc:  # noqa: BLE001
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


def test_second_process_gets_a_clear_lock_message(seeded_db_file: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "locked.duckdb"
    path.write_bytes(seeded_db_file.read_bytes())
    holder = Store(path)
    code = f"from pricing.store import Store\nStore({str(path)!r})"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent
    )
    holder.close()
    assert result.returncode != 0
    assert "Cannot open the database" in result.stderr
