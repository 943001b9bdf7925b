"""The DuckDB store: the one module that runs SQL on the database file.

Everything else asks the store for DataFrames or dataclasses, or hands it DataFrames and records to write.
The tables are defined in `schema.py`; SQL here names only tables and columns from there. Writes that
belong together (a seed, an uploaded price sheet) run in one transaction, so a failure leaves the file as
it was. The store holds no connection: each call opens the file for its own span (`access.py`: read-only to
read, read-write to write, shared by this process's threads, retried while another process holds it), so the
app, the command line and probes in other processes can all use one file. DuckDB connections are not
thread-safe and Streamlit serves each browser session on its own thread, so every call takes its own cursor.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pricing.config import PROJECT_ROOT, SECRETS_PATH, SecretsFileError, secret_text
from pricing.store.access import FileAccess, StoreError, display_name, file_access, lock_wait_s
from pricing.store.owners import Owner, owner_alive, this_process
from pricing.store.postgres import (
    SQL_MIGRATION_LOCK,
    PostgresAccess,
    PostgresCursor,
    is_postgres_url,
    postgres_access,
    redact_url,
)
from pricing.store.schema import (
    MIGRATIONS,
    SEEDED_TABLES,
    SHEET_TERMS,
    TABLE_COLUMNS,
    TABLE_NAMES,
    TABLES,
    RequestRecord,
    request_records_frame,
)

DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "frontier.duckdb"
# Where a store lives: a DuckDB file, or a postgresql:// URL (a str) for the team store.
DbLocation = Path | str
# A cursor for one operation: DuckDB's own, or the Postgres cursor that offers the same methods.
Cursor = duckdb.DuckDBPyConnection | PostgresCursor

SQL_CREATE_MIGRATIONS = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"""
SQL_APPLIED_VERSIONS = "SELECT version FROM schema_migrations ORDER BY version"
SQL_RECORD_MIGRATION = "INSERT INTO schema_migrations VALUES (?, ?, ?)"
SQL_INSERT_FRAME = "INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming"
SQL_DELETE_ALL = "DELETE FROM {table}"
SQL_COUNT = "SELECT count(*) FROM {table}"
SQL_TABLE_ROWS = "SELECT * FROM {table}"
# Scenarios and usage uploads are written without counting a change: no page caches them (pages read the list of
# each fresh, a few small rows) and an upload's volumes never change under its id, so saving one drops nobody's caches
# (with many users, every save would make every page of every replica recompute its prices and frontier).
UNCOUNTED_TABLES = frozenset({"scenarios", "usage_uploads", "usage_monthly"})
SQL_COUNT_CHANGE = "UPDATE store_changes SET version = version + 1, changed_at = ? WHERE id = 1"
SQL_CHANGE_COUNT = "SELECT version FROM store_changes WHERE id = 1"
SQL_DELETE_SHEET_PRICES = "DELETE FROM prices WHERE sheet_name = ?"
# Re-sending a model's price for a date it already has replaces that one row, nothing else.
SQL_DELETE_SHEET_PRICES_LIKE_INCOMING = """DELETE FROM prices p USING incoming i
    WHERE p.sheet_name = ? AND p.model_key = i.model_key AND p.effective_date = i.effective_date"""
# Upserts say ON CONFLICT, which DuckDB and Postgres both accept (DuckDB's INSERT OR REPLACE is its alone).
# A sheet keeps the user who made it; later loads into it change its other fields.
SQL_UPSERT_SHEET = """INSERT INTO price_sheets
    (sheet_name, kind, source, as_of, file_name, loaded_at, note, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (sheet_name) DO UPDATE SET kind = excluded.kind, source = excluded.source, as_of = excluded.as_of,
        file_name = excluded.file_name, loaded_at = excluded.loaded_at, note = excluded.note,
        created_by = coalesce(price_sheets.created_by, excluded.created_by)"""
SQL_DELETE_SHEET = "DELETE FROM price_sheets WHERE sheet_name = ?"
SQL_SHEETS = """SELECT s.sheet_name, s.kind, s.source, s.as_of, s.file_name, s.loaded_at, s.note, s.created_by,
    count(DISTINCT p.model_key) AS models, min(p.effective_date) AS first_effective,
    max(p.effective_date) AS last_effective
    FROM price_sheets s LEFT JOIN prices p USING (sheet_name)
    GROUP BY s.sheet_name, s.kind, s.source, s.as_of, s.file_name, s.loaded_at, s.note, s.created_by
    ORDER BY s.kind, s.sheet_name"""
SQL_SHEET_KIND = "SELECT kind FROM price_sheets WHERE sheet_name = ?"
# The price in force today for each model of a sheet: the latest effective date not in the future (one row per
# model: the date is part of the key).
SQL_CURRENT_PRICES = """SELECT p.*, s.kind AS sheet_kind
    FROM prices p JOIN price_sheets s USING (sheet_name)
    WHERE p.sheet_name = ? AND p.effective_date = (SELECT max(q.effective_date) FROM prices q
        WHERE q.sheet_name = p.sheet_name AND q.model_key = p.model_key AND q.effective_date <= ?)
    ORDER BY p.model_key"""
SQL_PRICE_HISTORY = """SELECT * FROM prices WHERE sheet_name = ? AND model_key = ?
    ORDER BY effective_date"""
SQL_MODELS = "SELECT * FROM models ORDER BY model_id"
SQL_ALIASES = "SELECT * FROM model_aliases ORDER BY model_id, source, alias"
# Public scores and our own eval results are read together, so own evals are metrics like any other.
SQL_ALL_SCORE_ROWS = """(SELECT model_id, benchmark_id, score, self_reported, source, source_url, raw_model_name,
        as_of FROM scores
    UNION ALL SELECT * FROM own_eval_scores)"""
SQL_BENCHMARKS = f"""WITH registry AS (
        SELECT benchmark_id, name, scale, higher_is_better, description FROM benchmarks
        UNION ALL SELECT DISTINCT 'own:' || suite, 'Own eval: ' || suite, 'percent', TRUE,
            'Our own eval suite ' || suite || ', run by Frontier probes' FROM probe_runs WHERE suite IS NOT NULL)
    SELECT r.*, count(s.model_id) AS scored_models
    FROM registry r LEFT JOIN {SQL_ALL_SCORE_ROWS} s USING (benchmark_id)
    GROUP BY r.benchmark_id, r.name, r.scale, r.higher_is_better, r.description
    ORDER BY scored_models DESC, r.benchmark_id"""
SQL_SCORES_FOR = f"SELECT * FROM {SQL_ALL_SCORE_ROWS} AS s WHERE benchmark_id = ? ORDER BY model_id, source"
SQL_ALL_SCORES = f"SELECT * FROM {SQL_ALL_SCORE_ROWS} AS s ORDER BY model_id, benchmark_id, source"
SQL_UPSERT_ENDPOINT = """INSERT INTO endpoints (name, model, kind, api_base, api_key_env, model_id, gpu,
    gpu_count, precision, engine, usd_per_gpu_hour, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET model = excluded.model, kind = excluded.kind, api_base = excluded.api_base,
        api_key_env = excluded.api_key_env, model_id = excluded.model_id, gpu = excluded.gpu,
        gpu_count = excluded.gpu_count, precision = excluded.precision, engine = excluded.engine,
        usd_per_gpu_hour = excluded.usd_per_gpu_hour, created_at = excluded.created_at, note = excluded.note"""
SQL_ENDPOINTS = "SELECT * FROM endpoints ORDER BY name"
SQL_DELETE_ENDPOINT = "DELETE FROM endpoints WHERE name = ?"
SQL_INSERT_RUN = """INSERT INTO probe_runs (run_id, endpoint_name, model, api_base, model_id, suite, status,
    started_at, settings_json, estimated_cost_usd, note, owner_pid, owner_host, owner_token, created_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
SQL_RUNNING_RUNS = "SELECT run_id, owner_pid, owner_host, owner_token FROM probe_runs WHERE status = 'running'"
SQL_INTERRUPT_RUN = """UPDATE probe_runs SET status = 'interrupted', note = concat_ws('; ', note, CAST(? AS VARCHAR))
    WHERE run_id = ? AND status = 'running'"""
# Only one process may take an interrupted run over: the one whose update finds it still interrupted.
SQL_CLAIM_RUN = """UPDATE probe_runs SET status = 'running', owner_pid = ?, owner_host = ?, owner_token = ?
    WHERE run_id = ? AND status = 'interrupted' RETURNING run_id"""
SQL_FINISH_RUN = """UPDATE probe_runs SET status = ?, finished_at = ?, summary_json = ?, note = coalesce(?, note)
    WHERE run_id = ?"""
# A run measured elsewhere (an imported result file) arrives whole: started when the file says, finished on import.
SQL_INSERT_FINISHED_RUN = """INSERT INTO probe_runs (run_id, endpoint_name, model, api_base, model_id, suite, status,
    started_at, finished_at, settings_json, estimated_cost_usd, summary_json, note, created_by)
    VALUES (?, ?, ?, NULL, ?, NULL, ?, ?, ?, ?, NULL, ?, ?, ?)"""
SQL_RUNS = "SELECT * FROM probe_runs ORDER BY started_at DESC"
SQL_RUN = "SELECT * FROM probe_runs WHERE run_id = ?"
SQL_RUN_REQUESTS = "SELECT * FROM probe_requests WHERE run_id = ? ORDER BY seq"
SQL_SCORED_ITEMS_PER_RUN = """SELECT run_id, count(DISTINCT item_id) AS items FROM probe_requests
    WHERE phase = 'measure' AND score IS NOT NULL AND item_id IS NOT NULL GROUP BY run_id ORDER BY run_id"""
SQL_INSERT_UPLOAD = """INSERT INTO usage_uploads (upload_id, file_name, kind, rows_read, uploaded_at, created_by)
    VALUES (?, ?, ?, ?, ?, ?)"""
SQL_UPLOADS = """SELECT u.*, count(DISTINCT m.month) AS months,
    string_agg(DISTINCT m.workload, ', ' ORDER BY m.workload) AS workloads,
    sum(m.requests) AS requests, sum(m.input_tokens) AS input_tokens, sum(m.output_tokens) AS output_tokens
    FROM usage_uploads u LEFT JOIN usage_monthly m USING (upload_id)
    GROUP BY u.upload_id, u.file_name, u.kind, u.rows_read, u.uploaded_at, u.created_by
    ORDER BY u.uploaded_at DESC"""
SQL_USAGE_MONTHLY = "SELECT * FROM usage_monthly WHERE upload_id = ? ORDER BY month, workload"
SQL_DELETE_UPLOAD_ROWS = "DELETE FROM usage_monthly WHERE upload_id = ?"
SQL_DELETE_UPLOAD = "DELETE FROM usage_uploads WHERE upload_id = ?"
# A user overwrites only a scenario of their own (or one nobody's name is on, when no user is supplied): saving a name
# another user already saved updates nothing and returns no row, in one statement, so of two people saving one name
# at once the second is told instead of silently replacing the first's.
SQL_SAVE_SCENARIO = """INSERT INTO scenarios (name, inputs_json, upload_id, created_at, updated_at, note, created_by)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET inputs_json = excluded.inputs_json, upload_id = excluded.upload_id,
        updated_at = excluded.updated_at, note = excluded.note
        WHERE scenarios.created_by IS NOT DISTINCT FROM excluded.created_by
    RETURNING name"""
SQL_SCENARIO_OWNER = "SELECT created_by, updated_at FROM scenarios WHERE name = ?"
SQL_SCENARIOS = "SELECT * FROM scenarios ORDER BY updated_at DESC"
SQL_SCENARIO = "SELECT * FROM scenarios WHERE name = ?"
SQL_DELETE_SCENARIO = "DELETE FROM scenarios WHERE name = ?"
SQL_SAVE_SHEET_TERMS = """INSERT INTO sheet_terms (sheet_name, valid_from, valid_until,
    committed_usd_per_month, tiers_json, requests_per_minute, tokens_per_minute, uptime_pct, support_tier,
    data_retention, residency, notes, tier_mode, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (sheet_name) DO UPDATE SET valid_from = excluded.valid_from, valid_until = excluded.valid_until,
        committed_usd_per_month = excluded.committed_usd_per_month, tiers_json = excluded.tiers_json,
        requests_per_minute = excluded.requests_per_minute, tokens_per_minute = excluded.tokens_per_minute,
        uptime_pct = excluded.uptime_pct, support_tier = excluded.support_tier,
        data_retention = excluded.data_retention, residency = excluded.residency, notes = excluded.notes,
        tier_mode = excluded.tier_mode, updated_at = excluded.updated_at"""
SQL_SHEET_TERMS = "SELECT * FROM sheet_terms ORDER BY sheet_name"
SQL_DELETE_SHEET_TERMS = "DELETE FROM sheet_terms WHERE sheet_name = ?"
SQL_GPU_PRICES = "SELECT * FROM gpu_prices ORDER BY gpu, as_of DESC, provider"
SQL_THROUGHPUT = "SELECT * FROM throughput ORDER BY model_id, gpu, output_tokens_per_s DESC"
SQL_API_PERFORMANCE = "SELECT * FROM api_performance ORDER BY model_id, provider"
SQL_RECORD_SEED = "INSERT INTO seed_runs VALUES (?, ?, ?)"
SQL_LAST_SEED = "SELECT * FROM seed_runs ORDER BY seeded_at DESC LIMIT 1"
SQL_SOURCES = """SELECT 'scores' AS kind, source, count(*) AS rows, max(as_of) AS as_of
        FROM scores GROUP BY source
    UNION ALL SELECT 'gpu prices', source, count(*), max(as_of) FROM gpu_prices GROUP BY source
    UNION ALL SELECT 'throughput', source, count(*), max(as_of) FROM throughput GROUP BY source
    UNION ALL SELECT 'api performance', source, count(*), max(as_of) FROM api_performance GROUP BY source
    UNION ALL SELECT 'price sheet', sheet_name, count(*), max(effective_date) FROM prices GROUP BY sheet_name
    UNION ALL SELECT 'models', source, count(*), max(as_of) FROM models GROUP BY source
    ORDER BY kind, rows DESC"""
SQL_COVERAGE = """WITH priced AS (
        SELECT DISTINCT model_id FROM prices WHERE sheet_name = ? AND model_id IS NOT NULL),
    scored AS (SELECT DISTINCT model_id FROM scores)
    SELECT (SELECT count(*) FROM prices WHERE sheet_name = ?) AS priced_entries,
        (SELECT count(*) FROM priced) AS priced_models,
        (SELECT count(*) FROM priced JOIN scored USING (model_id)) AS priced_models_with_scores,
        (SELECT count(*) FROM scored) AS scored_models"""

# Source refresh (pricing.sources.refresh): snapshots, their changes, and the state a refresh compares against.
SQL_SNAPSHOTS = "SELECT * FROM source_snapshots ORDER BY fetched_at DESC, source_name"
# A reseed puts the shipped rows back, so only a snapshot loaded since the last seed is what the store holds.
SQL_LAST_SNAPSHOT_HASH = """SELECT content_sha256 FROM source_snapshots WHERE source_name = ?
        AND fetched_at >= (SELECT coalesce(max(seeded_at), TIMESTAMP '1970-01-01') FROM seed_runs)
    ORDER BY fetched_at DESC LIMIT 1"""
SQL_SCORES_OF_SOURCE = "SELECT * FROM scores WHERE source = ? ORDER BY model_id, benchmark_id"
SQL_API_PERFORMANCE_OF_SOURCE = "SELECT * FROM api_performance WHERE source = ? ORDER BY provider, model_key"
SQL_KNOWN_MODEL_IDS = """SELECT model_id FROM models UNION SELECT model_id FROM prices WHERE model_id IS NOT NULL
    UNION SELECT model_id FROM scores"""
SQL_DELETE_SOURCE_SCORES = "DELETE FROM scores WHERE source = ?"
SQL_DELETE_SOURCE_API_PERFORMANCE = "DELETE FROM api_performance WHERE source = ?"
# A source that publishes several `scores.source` values (Epoch's compilations name each report) owns, per benchmark,
# the rows whose source starts with its prefix; starts_with reads the same in DuckDB and Postgres (no LIKE escaping).
SQL_SCORES_WITH_PREFIX = """SELECT * FROM scores WHERE benchmark_id = ? AND starts_with(source, ?)
    ORDER BY model_id, source"""
SQL_DELETE_PREFIX_SCORES = "DELETE FROM scores WHERE benchmark_id = ? AND starts_with(source, ?)"
# A refresh adds what the store lacks and leaves curated rows (seeded models, aliases, benchmarks) as they are.
SQL_INSERT_NEW_ROWS = """INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})"""
# A snapshot's content is kept once, by the snapshot that fetched it; a replay reads its original's.
SQL_INSERT_SNAPSHOT_CONTENT = "INSERT INTO snapshot_contents (snapshot_id, content_gzip) VALUES (?, ?)"
SQL_SNAPSHOT_CONTENT = "SELECT content_gzip FROM snapshot_contents WHERE snapshot_id = ?"
# Each source's latest snapshot loaded before a time (a reseed's), replays included.
SQL_LATEST_SNAPSHOTS_BEFORE = """SELECT * FROM source_snapshots s WHERE s.fetched_at = (SELECT max(t.fetched_at)
        FROM source_snapshots t WHERE t.source_name = s.source_name AND t.fetched_at < ?)
    ORDER BY s.source_name"""
SQL_CHANGES_SINCE = """SELECT * FROM refresh_changes WHERE fetched_at >= ?
    ORDER BY fetched_at DESC, source_name, change, model_key, field"""
# Models new to the store in the latest refresh that loaded anything.
SQL_NEW_MODEL_IDS = """SELECT DISTINCT c.model_id FROM refresh_changes c JOIN source_snapshots s USING (snapshot_id)
    WHERE c.change = 'new_model' AND c.new_to_store AND c.model_id IS NOT NULL
        AND s.run_id = (SELECT run_id FROM source_snapshots WHERE replay_of IS NULL ORDER BY fetched_at DESC LIMIT 1)
    ORDER BY c.model_id"""


@dataclass(frozen=True)
class PriceSheet:
    """Metadata of one price sheet (a set of per-token prices from one origin)."""

    sheet_name: str
    kind: str  # "bundled" (shipped with litellm), "uploaded" (negotiated sheet) or "custom" (set in app)
    source: str
    as_of: dt.date | None
    file_name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SnapshotLoad:
    """Everything one refreshed source writes, in one transaction (`Store.load_snapshot`).

    `snapshot` is one `source_snapshots` row but its `replay_of`; a sheet's `prices` rows are added to it (a model's
    earlier prices stay, dated); `scores` replace every score of `score_source` (and are kept in `score_history`),
    `api_performance` every row of `performance_source`; `models`, `aliases` and `benchmarks` add only what the store
    lacks; `content_gzip` is kept in `snapshot_contents`.
    """

    snapshot: dict[str, object]
    changes: pd.DataFrame
    sheet: PriceSheet | None = None
    prices: pd.DataFrame | None = None
    score_source: str | None = None
    scores: pd.DataFrame | None = None
    score_prefix: str | None = None  # instead of score_source: the scores of score_benchmark_ids starting with it
    score_benchmark_ids: tuple[str, ...] = ()
    performance_source: str | None = None
    api_performance: pd.DataFrame | None = None
    models: pd.DataFrame | None = None
    aliases: pd.DataFrame | None = None
    benchmarks: pd.DataFrame | None = None
    content_gzip: bytes | None = None  # the fetched content, kept so a reseed can load it again
    replay_of: str | None = None  # the snapshot whose kept content this load replays (after a reseed)


@dataclass(frozen=True)
class Coverage:
    """How many priced models can be joined to at least one benchmark score."""

    priced_entries: int
    priced_models: int
    priced_models_with_scores: int
    scored_models: int

    @property
    def share(self) -> float:
        """Share of priced canonical models that have a score."""
        return self.priced_models_with_scores / self.priced_models if self.priced_models else 0.0


USER_ENV = "FRONTIER_USER"


class ScenarioConflict(StoreError, ValueError):
    """A scenario name another user already saved: nothing was written."""


def deployment_user(env: Mapping[str, str] | None = None) -> str | None:
    """The user name the deployment supplies in FRONTIER_USER (None if unset): recorded on the rows a user makes."""
    text = (os.environ if env is None else env).get(USER_ENV, "").strip()
    return text[:200] or None


def session_user(user_info: Mapping[str, object], env: Mapping[str, str] | None = None) -> str | None:
    """Who a session's rows are recorded as: the signed-in user (Streamlit's `st.user` where the server has
    authentication configured: their name, else email, else another identifying claim), else the deployment's
    FRONTIER_USER, else None. Only names: a token or secret in the claims is never read."""
    if user_info.get("is_logged_in") is True:
        for claim in ("name", "email", "preferred_username", "sub"):
            value = user_info.get(claim)
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
    return deployment_user(env)


def resolve_db_path(env: dict[str, str] | None = None, secrets_path: Path = SECRETS_PATH) -> DbLocation:
    """Where the database lives: FRONTIER_DB, else `frontier_db` in secrets.toml, else the default.

    A postgresql:// (or postgres://) URL comes back as the string it is: the team store in Postgres.
    """
    env = dict(os.environ) if env is None else env
    if env.get("FRONTIER_DB"):
        if is_postgres_url(env["FRONTIER_DB"]):
            return env["FRONTIER_DB"]
        return Path(env["FRONTIER_DB"]).expanduser()
    try:
        value = secret_text("frontier_db", secrets_path)
    except SecretsFileError as exc:
        raise StoreError(str(exc)) from None
    if value:
        if is_postgres_url(value):
            return value
        path = Path(value).expanduser()
        return path if path.is_absolute() else PROJECT_ROOT / path
    return DEFAULT_DB_PATH


class Store:
    """A DuckDB file, or a Postgres database, holding models, prices, scores, GPU prices and throughput.

    Opening a Store upgrades the schema if it needs it and marks runs whose process died as interrupted;
    `read_only` does neither and refuses writes. `wait_s` bounds how long a call waits for another process to let go
    of the file, or for another transaction's rows in Postgres (default: FRONTIER_DB_WAIT_S, else 20 s).
    `location` is a file's path or a postgresql:// URL; `name` says which in messages (never a password).
    """

    def __init__(self, path: DbLocation, read_only: bool = False, wait_s: float | None = None) -> None:
        self.read_only = read_only
        self.lock_wait_s = lock_wait_s() if wait_s is None else wait_s
        self._access: FileAccess | PostgresAccess
        if is_postgres_url(path):
            self.dialect = "postgres"
            self.path: Path | None = None
            self.name = redact_url(str(path))
            self._access = postgres_access(str(path))
        else:
            self.dialect = "duckdb"
            self.path = Path(path)
            self.name = display_name(self.path)
            self._access = file_access(self.path)
        self.applied_on_open: list[int] = []  # the migrations opening this store applied
        if not read_only:
            self.applied_on_open = self.migrate()
            self.interrupt_orphaned_runs()

    @property
    def opens(self) -> int:
        """How many times this process has opened the file (each store call opens it unless one already has)."""
        return self._access.opens

    def close(self) -> None:
        """Close the file if no call is using it (the store keeps nothing open between calls)."""
        self._access.close()

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        with self._access.cursor(write=False, lock_wait_s=self.lock_wait_s) as cur:
            yield cur

    def _query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        with self._reading() as cur:
            return cur.execute(sql, list(params)).df()

    @contextmanager
    def _transaction(self, *, counted: bool = True) -> Iterator[Cursor]:
        """One write transaction; `counted` bumps the change counter in it (not counted: migrations, which may create
        the counter, a running probe's batches of requests, see add_probe_requests, and UNCOUNTED_TABLES)."""
        if self.read_only:
            raise StoreError(f"{self.name} was opened read-only; nothing can be written through it")
        with self._access.cursor(write=True, lock_wait_s=self.lock_wait_s) as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                if counted:
                    # Last, just before COMMIT: in Postgres the counter's row lock is the last one a writer takes and
                    # is held only for the commit, so writers queue on it briefly and never deadlock over it. DuckDB
                    # writes of one process already take turns (access.py), and other processes wait for the file.
                    cur.execute(SQL_COUNT_CHANGE, [_now()])
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def change_count(self) -> int:
        """How many writes the store has committed (since the counter was added): one small read.

        Another process's write moves it, so a reader that cached what it loaded knows to load again.
        """
        with self._reading() as cur:
            try:
                row = cur.execute(SQL_CHANGE_COUNT).fetchone()
            except duckdb.CatalogException:  # a file read-only below schema version 10: it cannot change under us
                return 0
        return int(row[0]) if row else 0

    def _pending_migrations(self) -> bool:
        """Whether the file lacks a migration (read-only, so a current file is never opened for writing)."""
        if self.path is not None and not self.path.exists():
            return True
        with self._reading() as cur:
            try:
                done = {row[0] for row in cur.execute(SQL_APPLIED_VERSIONS).fetchall()}
            except duckdb.CatalogException:  # a new, empty file
                return True
        return any(migration.version not in done for migration in MIGRATIONS)

    def migrate(self) -> list[int]:
        """Apply every migration not yet recorded, in order, in one transaction; return the versions applied now."""
        applied_now: list[int] = []
        if not self._pending_migrations():
            return applied_now
        with self._transaction(counted=False) as cur:
            if isinstance(cur, PostgresCursor):  # replicas starting together: one migrates, the others wait and see
                cur.execute(SQL_MIGRATION_LOCK)
            cur.execute(SQL_CREATE_MIGRATIONS)
            done = {row[0] for row in cur.execute(SQL_APPLIED_VERSIONS).fetchall()}
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                migration.apply(cur)
                cur.execute(SQL_RECORD_MIGRATION, [migration.version, migration.name, _now()])
                applied_now.append(migration.version)
        return applied_now

    def schema_version(self) -> int:
        """The highest migration applied to this file."""
        versions = self._query(SQL_APPLIED_VERSIONS)["version"]
        return int(versions.max()) if len(versions) else 0

    @staticmethod
    def _insert(cur: Cursor, table: str, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> None:
        columns = TABLE_COLUMNS[table] if columns is None else tuple(columns)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"cannot write to {table}: missing columns {missing}")
        if frame.empty:
            return
        if isinstance(cur, PostgresCursor):  # COPY: Postgres cannot read a DataFrame in place as DuckDB does
            cur.insert_frame(table, frame[list(columns)])
            return
        _stage(cur, table, frame[list(columns)])
        try:
            cur.execute(SQL_INSERT_FRAME.format(table=table, columns=", ".join(columns)))
        finally:
            _unstage(cur)

    def replace_seed(
        self,
        frames: dict[str, pd.DataFrame],
        sheets: Sequence[tuple[PriceSheet, pd.DataFrame]],
        data_version: str,
        seconds: float | None = None,
    ) -> dt.datetime:
        """Replace all seeded tables and every seeded price sheet (with its prices) in one transaction; return the
        seed's time as recorded."""
        unknown = set(frames) - set(SEEDED_TABLES)
        if unknown:
            raise ValueError(f"not seeded tables: {sorted(unknown)}")
        with self._transaction() as cur:
            if isinstance(cur, PostgresCursor):  # replicas seeding at once take turns (the later one replaces)
                cur.execute(SQL_MIGRATION_LOCK)
            for table in SEEDED_TABLES:
                if table in frames:
                    cur.execute(SQL_DELETE_ALL.format(table=table))
                    self._insert(cur, table, frames[table])
            for sheet, prices in sheets:
                self._write_sheet(cur, sheet, prices, replace_all=True)
            seeded_at = _now()
            cur.execute(SQL_RECORD_SEED, [seeded_at, data_version, seconds])
        return seeded_at

    def add_price_sheet(self, sheet: PriceSheet, prices: pd.DataFrame, *, created_by: str | None = None) -> None:
        """Add or extend a price sheet; rows on an existing effective date replace those rows only.

        The sheet records `created_by` (default: the deployment's user) when this load makes it.
        """
        with self._transaction() as cur:
            kind = cur.execute(SQL_SHEET_KIND, [sheet.sheet_name]).fetchone()
            if kind is not None and kind[0] == "bundled" and sheet.kind != "bundled":
                raise StoreError(f"'{sheet.sheet_name}' is the bundled price sheet; upload under another sheet name.")
            self._write_sheet(cur, sheet, prices, replace_all=False, created_by=created_by or deployment_user())

    def delete_price_sheet(self, sheet_name: str) -> None:
        """Remove a sheet, all its prices and its terms."""
        with self._transaction() as cur:
            cur.execute(SQL_DELETE_SHEET_TERMS, [sheet_name])
            cur.execute(SQL_DELETE_SHEET_PRICES, [sheet_name])
            cur.execute(SQL_DELETE_SHEET, [sheet_name])

    def _write_sheet(
        self, cur: Cursor, sheet: PriceSheet, prices: pd.DataFrame, replace_all: bool, created_by: str | None = None
    ) -> None:
        cur.execute(
            SQL_UPSERT_SHEET,
            [sheet.sheet_name, sheet.kind, sheet.source, sheet.as_of, sheet.file_name, _now(), sheet.note, created_by],
        )
        frame = prices.assign(sheet_name=sheet.sheet_name)
        if replace_all:
            cur.execute(SQL_DELETE_SHEET_PRICES, [sheet.sheet_name])
        else:
            _stage(cur, "prices", frame[["model_key", "effective_date"]])
            try:
                cur.execute(SQL_DELETE_SHEET_PRICES_LIKE_INCOMING, [sheet.sheet_name])
            finally:
                _unstage(cur)
        self._insert(cur, "prices", frame)

    def count(self, table: str) -> int:
        """Rows in one of the known tables."""
        if table not in TABLE_NAMES:
            raise ValueError(f"unknown table {table!r}")
        with self._reading() as cur:
            row = cur.execute(SQL_COUNT.format(table=table)).fetchone()
        return int(row[0]) if row else 0

    def table_rows(self, table: str) -> pd.DataFrame:
        """Every row of one of the known tables, in no particular order (for copying a whole store)."""
        if table not in TABLE_NAMES:
            raise ValueError(f"unknown table {table!r}")
        return self._query(SQL_TABLE_ROWS.format(table=table))

    def replace_all_tables(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Make every table hold exactly the given rows, in one transaction (a copy of a whole store)."""
        unknown = set(frames) - TABLE_NAMES
        if unknown:
            raise ValueError(f"unknown tables: {sorted(unknown)}")
        with self._transaction() as cur:
            for table in TABLES:
                cur.execute(SQL_DELETE_ALL.format(table=table.name))
                if table.name in frames:
                    self._insert(cur, table.name, frames[table.name], table.column_names)

    def is_seeded(self) -> bool:
        """Whether a seed has completed on this file."""
        return self.count("seed_runs") > 0

    def last_seed(self) -> dict[str, object] | None:
        """The most recent seed run, if any."""
        frame = self._query(SQL_LAST_SEED)
        return None if frame.empty else frame.iloc[0].to_dict()

    def price_sheets(self) -> pd.DataFrame:
        """Every sheet with its model count and effective-date range."""
        return self._query(SQL_SHEETS)

    def current_prices(self, sheet_name: str, on: dt.date | None = None) -> pd.DataFrame:
        """The price of each model in a sheet in force on a date (default today)."""
        return self._query(SQL_CURRENT_PRICES, [sheet_name, on or dt.date.today()])

    def price_history(self, sheet_name: str, model_key: str) -> pd.DataFrame:
        """Every effective-dated price of one model in one sheet."""
        return self._query(SQL_PRICE_HISTORY, [sheet_name, model_key])

    def models(self) -> pd.DataFrame:
        """Model metadata, one row per canonical model id."""
        return self._query(SQL_MODELS)

    def aliases(self) -> pd.DataFrame:
        """Every source spelling and the canonical id it maps to."""
        return self._query(SQL_ALIASES)

    def benchmarks(self) -> pd.DataFrame:
        """The benchmark registry with the number of scored models."""
        return self._query(SQL_BENCHMARKS)

    def scores(self, benchmark_id: str | None = None) -> pd.DataFrame:
        """Scores of one benchmark, or all."""
        if benchmark_id is None:
            return self._query(SQL_ALL_SCORES)
        return self._query(SQL_SCORES_FOR, [benchmark_id])

    def gpu_prices(self) -> pd.DataFrame:
        """GPU hourly prices from every source."""
        return self._query(SQL_GPU_PRICES)

    def throughput(self) -> pd.DataFrame:
        """Measured serving throughput rows."""
        return self._query(SQL_THROUGHPUT)

    def api_performance(self) -> pd.DataFrame:
        """Measured API speed and latency per provider offer."""
        return self._query(SQL_API_PERFORMANCE)

    def sources(self) -> pd.DataFrame:
        """Every source in the store with its row count and latest date."""
        return self._query(SQL_SOURCES)

    def save_endpoint(self, endpoint: dict[str, object]) -> None:
        """Add or replace an endpoint's settings (never a key: only the name of the variable holding it)."""
        fields = (
            "name",
            "model",
            "kind",
            "api_base",
            "api_key_env",
            "model_id",
            "gpu",
            "gpu_count",
            "precision",
            "engine",
            "usd_per_gpu_hour",
        )
        with self._transaction() as cur:
            cur.execute(SQL_UPSERT_ENDPOINT, [endpoint.get(f) for f in fields] + [_now(), endpoint.get("note")])

    def delete_endpoint(self, name: str) -> None:
        """Forget an endpoint (its runs stay)."""
        with self._transaction() as cur:
            cur.execute(SQL_DELETE_ENDPOINT, [name])

    def endpoints(self) -> pd.DataFrame:
        """Saved endpoints."""
        return self._query(SQL_ENDPOINTS)

    def start_run(
        self,
        *,
        run_id: str,
        endpoint_name: str | None,
        model: str,
        api_base: str | None,
        model_id: str | None,
        suite: str | None,
        settings_json: str,
        estimated_cost_usd: float | None,
        note: str | None = None,
        created_by: str | None = None,
    ) -> None:
        """Record that a probe run started, owned by this process (so a run whose process dies is found out)."""
        owner = this_process()
        with self._transaction() as cur:
            cur.execute(
                SQL_INSERT_RUN,
                [
                    run_id,
                    endpoint_name,
                    model,
                    api_base,
                    model_id,
                    suite,
                    "running",
                    _now(),
                    settings_json,
                    estimated_cost_usd,
                    note,
                    owner.pid,
                    owner.host,
                    owner.token,
                    created_by or deployment_user(),
                ],
            )

    def interrupt_orphaned_runs(self) -> list[str]:
        """Mark as interrupted every run still 'running' whose process has died; return their ids.

        A run with no owner recorded was started by a Frontier that held the file for its whole life, so it cannot be
        running while this process can open the file. A run owned on another host is left alone.
        """
        running = self._query(SQL_RUNNING_RUNS)
        orphans = []
        for row in running.itertuples(index=False):
            if pd.isna(row.owner_pid):
                orphans.append((str(row.run_id), "its process is unknown (started by an older Frontier)"))
                continue
            owner = Owner(int(row.owner_pid), str(row.owner_host), "" if pd.isna(row.owner_token) else row.owner_token)
            if owner_alive(owner) is False:
                orphans.append((str(row.run_id), f"process {owner.pid} on {owner.host} ended without finishing it"))
        if not orphans:
            return []
        with self._transaction() as cur:
            for run_id, why in orphans:
                cur.execute(
                    SQL_INTERRUPT_RUN,
                    [f"interrupted: {why}; the requests it stored are kept (resume it or close it)", run_id],
                )
        return [run_id for run_id, _ in orphans]

    def claim_interrupted_run(self, run_id: str) -> bool:
        """Take an interrupted run over for this process (to resume it): False if it is not interrupted (any more)."""
        owner = this_process()
        with self._transaction() as cur:
            claimed = cur.execute(SQL_CLAIM_RUN, [owner.pid, owner.host, owner.token, run_id]).fetchall()
        return bool(claimed)

    def add_probe_requests(self, run_id: str, records: Sequence[RequestRecord]) -> None:
        """Store measured requests of a run as they arrive, so a run that dies keeps what it measured.

        Not counted as a change: a probe stores a batch every half second, and counting each would make every page
        in every app process drop its caches as often. No cached page reads a running run's requests (the probes
        page reads them fresh); what reads a run's requests from a cache reads finished runs, and a run's finish,
        cancellation or interruption is counted."""
        with self._transaction(counted=False) as cur:
            self._insert(cur, "probe_requests", request_records_frame(records).assign(run_id=run_id))

    def finish_run(self, run_id: str, status: str, summary_json: str | None, note: str | None = None) -> None:
        """Record how a run ended (completed, cancelled or failed) and its summary."""
        with self._transaction() as cur:
            cur.execute(SQL_FINISH_RUN, [status, _now(), summary_json, note, run_id])

    def add_finished_run(
        self,
        *,
        run_id: str,
        endpoint_name: str,
        model: str,
        model_id: str | None,
        status: str,
        started_at: dt.datetime,
        settings_json: str,
        summary_json: str,
        note: str | None,
        records: Sequence[RequestRecord],
        created_by: str | None = None,
    ) -> None:
        """Store a run measured elsewhere (an imported result) with its requests in one transaction: all or nothing.

        A run id already stored is refused (StoreError), so importing the same result twice never counts it twice.
        """
        with self._transaction() as cur:
            if cur.execute(SQL_RUN, [run_id]).fetchone() is not None:
                raise StoreError(f"run {run_id} is already stored")
            cur.execute(
                SQL_INSERT_FINISHED_RUN,
                [run_id, endpoint_name, model, model_id, status, started_at, _now(), settings_json, summary_json, note]
                + [created_by or deployment_user()],
            )
            self._insert(cur, "probe_requests", request_records_frame(records).assign(run_id=run_id))

    def runs(self) -> pd.DataFrame:
        """Every probe run, newest first."""
        return self._query(SQL_RUNS)

    def run(self, run_id: str) -> pd.DataFrame:
        """One probe run's row (empty if unknown)."""
        return self._query(SQL_RUN, [run_id])

    def run_requests(self, run_id: str) -> pd.DataFrame:
        """Every request of a run, in order."""
        return self._query(SQL_RUN_REQUESTS, [run_id])

    def scored_items_per_run(self) -> pd.DataFrame:
        """Per run, how many distinct items got a measure-phase score (runs with none are absent)."""
        return self._query(SQL_SCORED_ITEMS_PER_RUN)

    def save_usage(
        self,
        upload_id: str,
        file_name: str,
        kind: str,
        rows_read: int,
        monthly: pd.DataFrame,
        *,
        created_by: str | None = None,
    ) -> None:
        """Keep an uploaded usage file's monthly volumes, with its name, date and user, in one transaction."""
        with self._transaction(counted=False) as cur:  # see UNCOUNTED_TABLES
            cur.execute(
                SQL_INSERT_UPLOAD, [upload_id, file_name, kind, rows_read, _now(), created_by or deployment_user()]
            )
            self._insert(cur, "usage_monthly", monthly.assign(upload_id=upload_id))

    def usage_uploads(self) -> pd.DataFrame:
        """Every kept usage upload with its months, workloads and totals, newest first."""
        return self._query(SQL_UPLOADS)

    def usage_monthly(self, upload_id: str) -> pd.DataFrame:
        """The monthly volumes of one upload."""
        return self._query(SQL_USAGE_MONTHLY, [upload_id])

    def delete_usage(self, upload_id: str) -> None:
        """Forget an upload and its volumes."""
        with self._transaction(counted=False) as cur:  # see UNCOUNTED_TABLES
            cur.execute(SQL_DELETE_UPLOAD_ROWS, [upload_id])
            cur.execute(SQL_DELETE_UPLOAD, [upload_id])

    def save_scenario(
        self,
        name: str,
        inputs_json: str,
        upload_id: str | None,
        note: str | None = None,
        *,
        created_by: str | None = None,
    ) -> None:
        """Save (or overwrite one's own) named scenario with every assumption; ScenarioConflict if another user's.

        `created_by` defaults to the deployment's user (FRONTIER_USER).
        """
        now, user = _now(), created_by or deployment_user()
        with self._transaction(counted=False) as cur:  # see UNCOUNTED_TABLES
            saved = cur.execute(SQL_SAVE_SCENARIO, [name, inputs_json, upload_id, now, now, note, user]).fetchall()
            if not saved:
                owner = cur.execute(SQL_SCENARIO_OWNER, [name]).fetchone()
                by, when = (owner[0], owner[1]) if owner else (None, None)
                raise ScenarioConflict(
                    f"A scenario named '{name}' was saved by {by or 'someone with no user name'}"
                    + (f" at {when:%Y-%m-%d %H:%M} UTC" if isinstance(when, dt.datetime) else "")
                    + "; nothing was written. Save yours under another name, or ask them to rename or delete theirs."
                )

    def scenarios(self) -> pd.DataFrame:
        """Saved scenarios, most recently changed first."""
        return self._query(SQL_SCENARIOS)

    def scenario(self, name: str) -> pd.DataFrame:
        """One saved scenario (empty if unknown)."""
        return self._query(SQL_SCENARIO, [name])

    def delete_scenario(self, name: str) -> None:
        """Forget a scenario."""
        with self._transaction(counted=False) as cur:  # see UNCOUNTED_TABLES
            cur.execute(SQL_DELETE_SCENARIO, [name])

    def coverage(self, sheet_name: str) -> Coverage:
        """How many canonical models priced in a sheet have at least one score."""
        row = self._query(SQL_COVERAGE, [sheet_name, sheet_name]).iloc[0]
        return Coverage(
            priced_entries=int(row["priced_entries"]),
            priced_models=int(row["priced_models"]),
            priced_models_with_scores=int(row["priced_models_with_scores"]),
            scored_models=int(row["scored_models"]),
        )

    def save_sheet_terms(self, sheet_name: str, terms: Mapping[str, object]) -> None:
        """Keep (or replace) a price sheet's terms; `terms` has the columns of `sheet_terms` but the name and time."""
        if self._query(SQL_SHEET_KIND, [sheet_name]).empty:
            raise StoreError(f"no price sheet named {sheet_name!r}; upload the sheet before its terms")
        columns = [c for c in SHEET_TERMS.column_names if c not in ("sheet_name", "updated_at")]
        unknown = sorted(set(terms) - set(columns))
        if unknown:
            raise StoreError(f"unknown term(s) {', '.join(unknown)}; known: {', '.join(columns)}")
        values = [terms.get(c, "[]" if c == "tiers_json" else None) for c in columns]
        with self._transaction() as cur:
            cur.execute(SQL_SAVE_SHEET_TERMS, [sheet_name, *values, _now()])

    def sheet_terms(self) -> pd.DataFrame:
        """Every sheet's terms, one row per sheet that has any."""
        return self._query(SQL_SHEET_TERMS)

    def delete_sheet_terms(self, sheet_name: str) -> None:
        """Forget a sheet's terms."""
        with self._transaction() as cur:
            cur.execute(SQL_DELETE_SHEET_TERMS, [sheet_name])

    def source_snapshots(self) -> pd.DataFrame:
        """Every refreshed snapshot loaded, newest first (time, link, content hash, rows)."""
        return self._query(SQL_SNAPSHOTS)

    def last_snapshot_hash(self, source_name: str) -> str | None:
        """The content hash of a source's latest snapshot loaded since the last seed, None if there is none."""
        frame = self._query(SQL_LAST_SNAPSHOT_HASH, [source_name])
        return None if frame.empty else str(frame.iloc[0, 0])

    def scores_of_source(self, source: str) -> pd.DataFrame:
        """Every score one source gave (as `scores` holds them now)."""
        return self._query(SQL_SCORES_OF_SOURCE, [source])

    def api_performance_of_source(self, source: str) -> pd.DataFrame:
        """Every API speed row one source gave."""
        return self._query(SQL_API_PERFORMANCE_OF_SOURCE, [source])

    def known_model_ids(self) -> set[str]:
        """Every canonical model any table names (models, prices, scores)."""
        return {str(m) for m in self._query(SQL_KNOWN_MODEL_IDS)["model_id"]}

    def refresh_changes(self, since: dt.datetime) -> pd.DataFrame:
        """What refreshes changed from `since` on, newest first."""
        return self._query(SQL_CHANGES_SINCE, [since])

    def new_model_ids(self) -> list[str]:
        """Models new to the store in the latest refresh (none before any refresh)."""
        return [str(m) for m in self._query(SQL_NEW_MODEL_IDS)["model_id"]]

    def load_snapshot(self, load: SnapshotLoad) -> None:
        """Write one refreshed source in one transaction: all of it, or nothing (StoreError names a clash)."""
        with self._transaction() as cur:
            if load.sheet is not None and load.prices is not None:
                kind = cur.execute(SQL_SHEET_KIND, [load.sheet.sheet_name]).fetchone()
                if kind is not None and kind[0] != load.sheet.kind:
                    raise StoreError(
                        f"a {kind[0]} price sheet is already named '{load.sheet.sheet_name}'; rename or delete it "
                        "before refreshing this source"
                    )
                self._write_sheet(cur, load.sheet, load.prices, replace_all=False)
            if load.score_source is not None and load.scores is not None:
                cur.execute(SQL_DELETE_SOURCE_SCORES, [load.score_source])
                self._insert(cur, "scores", load.scores)
                history = load.scores.assign(snapshot_id=load.snapshot["snapshot_id"])
                self._insert(cur, "score_history", history)
            if load.score_prefix is not None and load.scores is not None:
                self._replace_prefix_scores(cur, load.score_prefix, load.score_benchmark_ids, load.scores)
                self._insert(cur, "score_history", load.scores.assign(snapshot_id=load.snapshot["snapshot_id"]))
            if load.performance_source is not None and load.api_performance is not None:
                cur.execute(SQL_DELETE_SOURCE_API_PERFORMANCE, [load.performance_source])
                self._insert(cur, "api_performance", load.api_performance)
            for table, frame, key in (
                ("models", load.models, ("model_id",)),
                ("model_aliases", load.aliases, ("source", "alias")),
                ("benchmarks", load.benchmarks, ("benchmark_id",)),
            ):
                if frame is not None and not frame.empty:
                    self._insert_new(cur, table, frame, key)
            self._insert(cur, "source_snapshots", pd.DataFrame([{**load.snapshot, "replay_of": load.replay_of}]))
            if load.content_gzip is not None:
                cur.execute(SQL_INSERT_SNAPSHOT_CONTENT, [load.snapshot["snapshot_id"], load.content_gzip])
            self._insert(cur, "refresh_changes", load.changes)

    def snapshot_content_gzip(self, snapshot_id: str) -> bytes | None:
        """A loaded snapshot's kept content (gzip), None if the store kept none (loaded before it kept contents)."""
        with self._reading() as cur:
            row = cur.execute(SQL_SNAPSHOT_CONTENT, [snapshot_id]).fetchone()
        return None if row is None else bytes(row[0])

    def latest_snapshots_before(self, before: dt.datetime) -> pd.DataFrame:
        """Each source's latest snapshot loaded before a time (replays included), by source name."""
        return self._query(SQL_LATEST_SNAPSHOTS_BEFORE, [before])

    def scores_with_prefix(self, prefix: str, benchmark_ids: tuple[str, ...]) -> pd.DataFrame:
        """Every score of the given benchmarks whose source starts with `prefix`."""
        if not benchmark_ids:
            raise StoreError(f"no benchmark named for the scores of sources starting with {prefix!r}")
        frames = [self._query(SQL_SCORES_WITH_PREFIX, [benchmark_id, prefix]) for benchmark_id in benchmark_ids]
        return pd.concat(frames, ignore_index=True)

    def _replace_prefix_scores(
        self, cur: Cursor, prefix: str, benchmark_ids: tuple[str, ...], scores: pd.DataFrame
    ) -> None:
        """Swap a prefix's scores on some benchmarks for `scores`, inside the caller's transaction."""
        if not benchmark_ids:
            raise StoreError(f"no benchmark named for the scores of sources starting with {prefix!r}")
        outside = ~scores["benchmark_id"].isin(benchmark_ids) | ~scores["source"].astype(str).str.startswith(prefix)
        stray = scores[outside]
        if not stray.empty:
            first = stray.iloc[0]
            raise StoreError(
                f"{len(stray)} score(s) fall outside what this refresh replaces (e.g. {first['benchmark_id']} from "
                f"{first['source']!r}; expected {', '.join(benchmark_ids)} from sources starting with {prefix!r})"
            )
        for benchmark_id in benchmark_ids:
            cur.execute(SQL_DELETE_PREFIX_SCORES, [benchmark_id, prefix])
        self._insert(cur, "scores", scores)

    @staticmethod
    def _insert_new(cur: Cursor, table: str, frame: pd.DataFrame, key: tuple[str, ...]) -> None:
        columns = TABLE_COLUMNS[table]
        _stage(cur, table, frame[list(columns)].drop_duplicates(subset=list(key)))
        try:
            match = " AND ".join(f"t.{column} = i.{column}" for column in key)
            cur.execute(SQL_INSERT_NEW_ROWS.format(table=table, columns=", ".join(columns), match=match))
        finally:
            _unstage(cur)


def _stage(cur: Cursor, table: str, frame: pd.DataFrame) -> None:
    """Make the frame readable as `incoming` in SQL: DuckDB reads it in place, Postgres gets a temporary table."""
    if isinstance(cur, PostgresCursor):
        cur.stage(table, frame)
    else:
        cur.register("incoming", frame)


def _unstage(cur: Cursor) -> None:
    # An aborted transaction refuses even this; the error that aborted it is the one that matters.
    with suppress(duckdb.Error):
        if isinstance(cur, PostgresCursor):
            cur.unstage()
        else:
            cur.unregister("incoming")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
