"""A reseed keeps what refreshes loaded: each source's latest snapshot is loaded again from the content the store
kept, through the refresh's readers, with no diff of its own; a snapshot that no longer reads is reported and the
seed's data stays. Refreshes come from a real HTTP server on 127.0.0.1 (tests/test_refresh.py's fixture server)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pricing.litellm_prices import BUNDLED_SHEET_NAME
from pricing.sources import refresh as refreshing
from pricing.sources.seed import seed
from pricing.store import Store
from pricing.store.transfer import copy_store
from tests import test_refresh
from tests.conftest import CliCall
from tests.postgres_support import PostgresServer
from tests.test_refresh import AA_KEY, FILES, FIXTURES, FixtureServer, _env

fixture_server = test_refresh.fixture_server  # the same fixture: the sources' files served on 127.0.0.1

REFRESHED = ("lmarena", "openrouter", "litellm", "artificial-analysis")
LMARENA = "LMArena"  # scores.source of the lmarena refresh


def _refresh(store: Store, server: FixtureServer, *names: str) -> None:
    request = refreshing.RefreshRequest(sources=names, force=True)
    report = refreshing.refresh(store, request, env=_env(server))
    assert report.ok and {o.status for o in report.outcomes} == {refreshing.LOADED}, [
        o.message for o in report.outcomes
    ]


def _data(store: Store) -> dict[str, str | int]:
    """What the refreshed sources put in the seeded tables and the bundled sheet (and the sheets they made)."""
    return {
        "scores": store.scores().to_csv(),
        "bundled": store.current_prices(BUNDLED_SHEET_NAME).to_csv(),
        "openrouter": store.current_prices("OpenRouter").to_csv(),
        "sheets": store.price_sheets().drop(columns=["loaded_at"]).to_csv(),
        "prices": store.count("prices"),
        "models": store.models().to_csv(),
        "aliases": store.aliases().to_csv(),
        "api_performance": store.api_performance().to_csv(),
    }


@pytest.fixture()
def seeded_store(backend_seeded_store: Store) -> Store:
    """Here the reseed and its replay run on both backends: a DuckDB file and a Postgres database."""
    return backend_seeded_store


def test_a_reseed_loads_refreshed_scores_prices_models_and_aliases_again(
    seeded_store: Store, fixture_server: FixtureServer
) -> None:
    shipped_arena = seeded_store.scores_of_source(LMARENA)
    _refresh(seeded_store, fixture_server, *REFRESHED)
    refreshed = _data(seeded_store)
    changes = len(seeded_store.refresh_changes(dt.datetime(2000, 1, 1)))
    first = seeded_store.source_snapshots()
    new_models = seeded_store.new_model_ids()
    assert not seeded_store.scores_of_source(LMARENA).equals(shipped_arena)  # the refresh did change what is held
    assert changes > 0

    report = seed(seeded_store)  # a reseed, as after an upgrade

    assert report.seeded and not report.replay_failures
    assert [o.source for o in report.replays] == ["litellm", "openrouter", "lmarena", "artificial-analysis"]
    assert {o.status for o in report.replays} == {refreshing.LOADED}
    assert _data(seeded_store) == refreshed
    assert len(seeded_store.refresh_changes(dt.datetime(2000, 1, 1))) == changes  # the replay wrote no diff
    snapshots = seeded_store.source_snapshots()
    replays = snapshots[snapshots["replay_of"].notna()].set_index("source_name")
    originals = first.set_index("source_name")["snapshot_id"]
    assert sorted(replays.index) == sorted(REFRESHED)
    assert (replays["replay_of"] == originals[replays.index]).all()
    assert (replays["content_sha256"] == first.set_index("source_name")["content_sha256"][replays.index]).all()
    assert replays["forced"].all()
    assert seeded_store.new_model_ids() == new_models  # still the refresh's new models, not the replay's (none)
    status = refreshing.source_status(seeded_store).set_index("source")
    refreshed_at = first.set_index("source_name").loc["lmarena", "fetched_at"]
    assert status.loc["lmarena", "last_refreshed"] == pd.Timestamp(refreshed_at).to_pydatetime()

    again = seed(seeded_store)  # idempotent: a second reseed replays the same content to the same data
    assert {o.status for o in again.replays} == {refreshing.LOADED}
    assert _data(seeded_store) == refreshed
    assert len(seeded_store.refresh_changes(dt.datetime(2000, 1, 1))) == changes
    latest = seeded_store.source_snapshots().drop_duplicates("source_name").set_index("source_name")
    assert (latest.loc[list(REFRESHED), "replay_of"] == originals[list(REFRESHED)]).all()  # never a replay's replay
    assert seeded_store.count("snapshot_contents") == len(REFRESHED)  # each content kept once

    report = refreshing.refresh(seeded_store, refreshing.RefreshRequest(sources=("lmarena",)), env=_env(fixture_server))
    assert report.outcomes[0].status == refreshing.UNCHANGED  # the store holds that content again


def test_kept_contents_are_the_fetched_bytes_and_never_hold_the_key(
    seeded_store: Store, fixture_server: FixtureServer
) -> None:
    _refresh(seeded_store, fixture_server, "litellm", "artificial-analysis")
    for row in seeded_store.source_snapshots().itertuples():
        kept = seeded_store.snapshot_content_gzip(str(row.snapshot_id))
        assert kept is not None
        content = gzip.decompress(kept)
        assert content == (FIXTURES / FILES[str(row.source_name)]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == row.content_sha256
        assert AA_KEY.encode() not in kept and AA_KEY.encode() not in content
    rows = seeded_store.table_rows("snapshot_contents")
    assert AA_KEY not in rows.to_csv()


def _replace_content(path: Path, source_name: str, content_gzip: bytes, sha256: str | None) -> None:
    """Change what a source's kept snapshot holds, as a changed reader would find it (DuckDB file, store closed)."""
    con = duckdb.connect(str(path))
    try:
        snapshot_id = con.execute(
            "SELECT snapshot_id FROM source_snapshots WHERE source_name = ?", [source_name]
        ).fetchone()[0]  # type: ignore[index]
        con.execute("UPDATE snapshot_contents SET content_gzip = ? WHERE snapshot_id = ?", [content_gzip, snapshot_id])
        if sha256 is not None:
            con.execute("UPDATE source_snapshots SET content_sha256 = ? WHERE snapshot_id = ?", [sha256, snapshot_id])
    finally:
        con.close()


def test_a_snapshot_that_no_longer_reads_is_reported_and_the_seed_stays(
    app_db: Path, fixture_server: FixtureServer, pricing_cli: CliCall
) -> None:
    store = Store(app_db)
    shipped_arena = store.scores_of_source(LMARENA)
    _refresh(store, fixture_server, "lmarena", "openrouter")
    refreshed_openrouter = store.current_prices("OpenRouter")
    store.close()
    unreadable = b"rank,model\n1,gpt-4o\n"  # what the lmarena reader refuses: no score column
    _replace_content(app_db, "lmarena", gzip.compress(unreadable), hashlib.sha256(unreadable).hexdigest())

    run = pricing_cli(["seed"])

    assert run.returncode == 3
    assert "LMArena text leaderboard: its last refresh could not be loaded again after the reseed" in run.stderr
    assert "lmarena_text.csv" in run.stderr  # the reader's own words: which file, what is missing
    assert "python -m pricing refresh --source lmarena" in run.stderr
    assert "OpenRouter: loaded its refresh of" in run.stdout  # the others go on
    assert "Traceback" not in run.stderr and str(app_db.parent) not in run.stderr + run.stdout
    store = Store(app_db)
    pd.testing.assert_frame_equal(store.scores_of_source(LMARENA), shipped_arena)  # the seed's data, whole
    pd.testing.assert_frame_equal(store.current_prices("OpenRouter"), refreshed_openrouter)
    replayed = store.source_snapshots().dropna(subset=["replay_of"])
    assert list(replayed["source_name"]) == ["openrouter"]
    store.close()

    _replace_content(app_db, "lmarena", b"not gzip at all", None)  # a damaged file
    store = Store(app_db)
    report = seed(store)
    (failed,) = report.replay_failures
    assert failed.source == "lmarena" and "is not readable gzip" in failed.message
    pd.testing.assert_frame_equal(store.scores_of_source(LMARENA), shipped_arena)
    store.close()


def test_a_reseed_skipped_as_unneeded_replays_nothing(seeded_store: Store, fixture_server: FixtureServer) -> None:
    _refresh(seeded_store, fixture_server, "lmarena")
    snapshots = len(seeded_store.source_snapshots())
    report = seed(seeded_store, only_if_needed=True)
    assert not report.seeded and report.replays == ()
    assert len(seeded_store.source_snapshots()) == snapshots


def test_kept_contents_travel_with_a_copy_to_postgres_and_replay_there(
    seeded_db_file: Path, tmp_path: Path, postgres_server: PostgresServer, fixture_server: FixtureServer
) -> None:
    path = tmp_path / "frontier.duckdb"
    shutil.copy(seeded_db_file, path)
    source = Store(path)
    _refresh(source, fixture_server, "lmarena")
    refreshed = source.scores_of_source(LMARENA)
    url = postgres_server.create_database()
    target = Store(url)
    copy_store(source, target)  # checks every table's rows and hash on both sides
    (snapshot_id,) = source.source_snapshots()["snapshot_id"]
    assert target.snapshot_content_gzip(snapshot_id) == source.snapshot_content_gzip(snapshot_id)
    source.close()
    report = seed(target)
    assert [(o.source, o.status) for o in report.replays] == [("lmarena", refreshing.LOADED)]
    pd.testing.assert_frame_equal(target.scores_of_source(LMARENA), refreshed)
    target.close()
    postgres_server.drop_database(url)
