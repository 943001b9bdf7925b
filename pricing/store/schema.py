"""The database schema, written once: every table and column, and the migrations that build them.

A table is defined here in its current shape; a column added or changed by a later migration says so
(`added_in`, `not_null_until`), so the first migration can still create the table as it was shipped.
Everything else is derived from these definitions: the DDL each migration runs, the columns a DataFrame
must carry to be written (`TABLE_COLUMNS`), and the tables the store may name in SQL.

Migrations are named functions in an ordered list; the store records each one applied in
`schema_migrations`, so a database file from an older version upgrades itself when opened. Never change
what a shipped migration does: change the schema by adding a column with `added_in` and a migration.

This module defines; `db.py` executes. It never imports DuckDB, so the definitions can be read (and the
probe record used) without a database.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Protocol

import pandas as pd


@dataclass(frozen=True)
class Column:
    """One column: its SQL type and, when a migration after the table's own changed it, that migration."""

    name: str
    sql_type: str
    not_null: bool = False
    added_in: int | None = None  # the migration that added it to an existing table; None: created with the table
    not_null_until: int | None = None  # NOT NULL when created, until this migration dropped the constraint


@dataclass(frozen=True)
class Table:
    """A table in its current shape."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    written_from_frames: bool = False  # DataFrames are inserted into it, so it is listed in TABLE_COLUMNS

    @property
    def column_names(self) -> tuple[str, ...]:
        """Every column, in the table's order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        """One column by name."""
        return next(column for column in self.columns if column.name == name)

    def create_sql(self) -> str:
        """`CREATE TABLE` as the table was first created (columns added later are left to their migrations)."""
        parts = []
        for column in self.columns:
            if column.added_in is not None:
                continue
            part = f"{column.name} {column.sql_type}"
            if self.primary_key == (column.name,):
                part += " PRIMARY KEY"
            if column.not_null or column.not_null_until is not None:
                part += " NOT NULL"
            parts.append(part)
        if len(self.primary_key) > 1:
            parts.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        return f"CREATE TABLE {self.name} ({', '.join(parts)})"


def _columns(*specs: str | Column) -> tuple[Column, ...]:
    """Columns from "name TYPE" or "name TYPE NOT NULL" (or a Column, for one with a history)."""
    columns = []
    for spec in specs:
        if isinstance(spec, Column):
            columns.append(spec)
            continue
        name, sql_type, *rest = spec.split(" ", 2)
        if rest not in ([], ["NOT NULL"]):
            raise ValueError(f"bad column spec {spec!r}")
        columns.append(Column(name, sql_type, not_null=bool(rest)))
    return tuple(columns)


# Who made a row people create (a sheet, a scenario, a probe run, an upload): the user name the deployment supplies
# (FRONTIER_USER, or the signed-in user where the app has authentication); NULL where none was supplied. Never a
# credential.
CREATED_BY = Column("created_by", "VARCHAR", added_in=9)

MODELS = Table(
    "models",
    _columns(
        "model_id VARCHAR",
        "display_name VARCHAR",
        "family VARCHAR",
        "organisation VARCHAR",
        "param_count_b DOUBLE",
        "open_weights BOOLEAN",
        "licence VARCHAR",
        "release_date DATE",
        "context_tokens BIGINT",
        "source VARCHAR NOT NULL",
        "as_of DATE",
    ),
    primary_key=("model_id",),
    written_from_frames=True,
)
# Every source spelling of a model; a spelling identity refuses to join keeps model_id NULL, with the reason.
MODEL_ALIASES = Table(
    "model_aliases",
    _columns(
        "alias VARCHAR NOT NULL",
        "source VARCHAR NOT NULL",
        Column("model_id", "VARCHAR", not_null_until=4),
        Column("rule", "VARCHAR", added_in=4),
        Column("loose", "BOOLEAN", added_in=4),
        Column("reason", "VARCHAR", added_in=4),
    ),
    primary_key=("source", "alias"),
    written_from_frames=True,
)
BENCHMARKS = Table(
    "benchmarks",
    _columns(
        "benchmark_id VARCHAR",
        "name VARCHAR NOT NULL",
        "scale VARCHAR NOT NULL",
        "higher_is_better BOOLEAN NOT NULL",
        "description VARCHAR",
    ),
    primary_key=("benchmark_id",),
    written_from_frames=True,
)
SCORES = Table(
    "scores",
    _columns(
        "model_id VARCHAR NOT NULL",
        "benchmark_id VARCHAR NOT NULL",
        "score DOUBLE NOT NULL",
        "self_reported BOOLEAN NOT NULL",
        "source VARCHAR NOT NULL",
        "source_url VARCHAR",
        "raw_model_name VARCHAR",
        "as_of DATE",
    ),
    primary_key=("model_id", "benchmark_id", "source"),
    written_from_frames=True,
)
PRICE_SHEETS = Table(
    "price_sheets",
    _columns(
        "sheet_name VARCHAR",
        "kind VARCHAR NOT NULL",
        "source VARCHAR NOT NULL",
        "as_of DATE",
        "file_name VARCHAR",
        "loaded_at TIMESTAMP NOT NULL",
        "note VARCHAR",
        CREATED_BY,
    ),
    primary_key=("sheet_name",),
)
PRICES = Table(
    "prices",
    _columns(
        "sheet_name VARCHAR NOT NULL",
        "model_key VARCHAR NOT NULL",
        "provider VARCHAR",
        "model_id VARCHAR",
        "usd_per_1m_input DOUBLE NOT NULL",
        "usd_per_1m_output DOUBLE NOT NULL",
        "usd_per_1m_cached_input DOUBLE",
        "usd_per_1m_batch_input DOUBLE",
        "usd_per_1m_batch_output DOUBLE",
        "context_tokens BIGINT",
        "effective_date DATE NOT NULL",
        "source VARCHAR NOT NULL",
    ),
    primary_key=("sheet_name", "model_key", "effective_date"),
    written_from_frames=True,
)
GPU_PRICES = Table(
    "gpu_prices",
    _columns(
        "gpu VARCHAR NOT NULL",
        "provider VARCHAR NOT NULL",
        "price_type VARCHAR NOT NULL",
        "usd_per_gpu_hour DOUBLE NOT NULL",
        "as_of DATE",
        "source VARCHAR NOT NULL",
        "source_url VARCHAR",
        "confidence VARCHAR",
        "note VARCHAR",
    ),
    written_from_frames=True,
)
THROUGHPUT = Table(
    "throughput",
    _columns(
        "model_id VARCHAR NOT NULL",
        "raw_model_name VARCHAR",
        "gpu VARCHAR NOT NULL",
        "gpu_count INTEGER NOT NULL",
        "precision VARCHAR",
        "engine VARCHAR",
        "input_tokens BIGINT",
        "output_tokens BIGINT",
        "concurrency VARCHAR",
        "output_tokens_per_s DOUBLE NOT NULL",
        "ttft_ms DOUBLE",
        "source VARCHAR NOT NULL",
        "source_url VARCHAR",
        "as_of DATE",
        "config_verified BOOLEAN",
    ),
    written_from_frames=True,
)
API_PERFORMANCE = Table(
    "api_performance",
    _columns(
        "provider VARCHAR NOT NULL",
        "model_key VARCHAR NOT NULL",
        "model_id VARCHAR NOT NULL",
        "output_tokens_per_s DOUBLE",
        "ttft_ms DOUBLE",
        "source VARCHAR NOT NULL",
        "as_of DATE",
    ),
    primary_key=("provider", "model_key"),
    written_from_frames=True,
)
SEED_RUNS = Table(
    "seed_runs",
    _columns("seeded_at TIMESTAMP NOT NULL", "data_version VARCHAR NOT NULL", "seconds DOUBLE"),
)
ENDPOINTS = Table(
    "endpoints",
    _columns(
        "name VARCHAR",
        "model VARCHAR NOT NULL",
        "kind VARCHAR NOT NULL",
        "api_base VARCHAR",
        "api_key_env VARCHAR",
        "model_id VARCHAR",
        "gpu VARCHAR",
        "gpu_count INTEGER",
        "precision VARCHAR",
        "engine VARCHAR",
        "usd_per_gpu_hour DOUBLE",
        "created_at TIMESTAMP NOT NULL",
        "note VARCHAR",
    ),
    primary_key=("name",),
)
PROBE_RUNS = Table(
    "probe_runs",
    _columns(
        "run_id VARCHAR",
        "endpoint_name VARCHAR",
        "model VARCHAR NOT NULL",
        "api_base VARCHAR",
        "model_id VARCHAR",
        "suite VARCHAR",
        "status VARCHAR NOT NULL",
        "started_at TIMESTAMP NOT NULL",
        "finished_at TIMESTAMP",
        "settings_json VARCHAR NOT NULL",
        "estimated_cost_usd DOUBLE",
        "summary_json VARCHAR",
        "note VARCHAR",
        Column("owner_pid", "INTEGER", added_in=5),  # the process running it, so a run whose process died is found
        Column("owner_host", "VARCHAR", added_in=5),
        Column("owner_token", "VARCHAR", added_in=5),  # boot and process start time: a reused PID is not the owner
        CREATED_BY,
    ),
    primary_key=("run_id",),
)


@dataclass(frozen=True)
class RequestRecord:
    """One request a probe sent, as measured: a row of `probe_requests` without its run.

    The probe harness produces these and the store keeps them; the table's columns are this record's fields
    (see PROBE_REQUESTS), so the two cannot drift apart. Fields that may be NULL in the table are optional here.
    """

    seq: int  # the request's number in its run; warm-up first, then each level's block of numbers
    phase: str  # "warmup" or "measure"
    concurrency: int  # the level's requests in flight
    item_id: str | None = None  # the eval suite item it answers, if any
    sent_s: float | None = None  # seconds from the run's start to sending
    ttft_ms: float | None = None
    e2e_ms: float | None = None
    itl_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    tokens_estimated: bool | None = None  # the server reported no usage, so the counts are estimates
    cost_usd: float | None = None
    finish_reason: str | None = None
    error_type: str | None = None  # one of evals.client.ERROR_TYPES; None when it answered
    error_message: str | None = None
    http_status: int | None = None
    attempts: int | None = None  # counting the first; only rate-limited attempts are retried
    score: float | None = None
    passed: bool | None = None
    score_detail: str | None = None
    answer: str | None = None  # the first 500 characters


REQUEST_RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RequestRecord))
_SQL_TYPES: dict[object, str] = {int: "INTEGER", float: "DOUBLE", str: "VARCHAR", bool: "BOOLEAN"}


def _record_columns(record_type: type) -> tuple[Column, ...]:
    """A column per dataclass field: its SQL type from the annotation, NOT NULL unless it may be None."""
    hints = typing.get_type_hints(record_type)
    columns = []
    for field in fields(record_type):
        hint = hints[field.name]
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        base = [a for a in args if a is not type(None)]
        if len(base) != 1 or base[0] not in _SQL_TYPES:
            raise TypeError(f"{record_type.__name__}.{field.name}: no SQL type for {hint}")
        columns.append(Column(field.name, _SQL_TYPES[base[0]], not_null=len(args) == 1))
    return tuple(columns)


def request_records_frame(records: Sequence[RequestRecord]) -> pd.DataFrame:
    """Records as a DataFrame with a column per field, in the table's order (no records: no rows, same columns)."""
    return pd.DataFrame([vars(record) for record in records], columns=list(REQUEST_RECORD_FIELDS))


PROBE_REQUESTS = Table(
    "probe_requests",
    (Column("run_id", "VARCHAR", not_null=True), *_record_columns(RequestRecord)),
    primary_key=("run_id", "seq"),
    written_from_frames=True,
)
USAGE_UPLOADS = Table(
    "usage_uploads",
    _columns(
        "upload_id VARCHAR",
        "file_name VARCHAR NOT NULL",
        "kind VARCHAR NOT NULL",
        "rows_read BIGINT NOT NULL",
        "uploaded_at TIMESTAMP NOT NULL",
        CREATED_BY,
    ),
    primary_key=("upload_id",),
)
USAGE_MONTHLY = Table(
    "usage_monthly",
    _columns(
        "upload_id VARCHAR NOT NULL",
        "month DATE NOT NULL",
        "workload VARCHAR NOT NULL",
        "requests BIGINT NOT NULL",
        "input_tokens BIGINT NOT NULL",
        "output_tokens BIGINT NOT NULL",
        "cached_input_tokens BIGINT NOT NULL",
    ),
    primary_key=("upload_id", "month", "workload"),
    written_from_frames=True,
)
SCENARIOS = Table(
    "scenarios",
    _columns(
        "name VARCHAR",
        "inputs_json VARCHAR NOT NULL",
        "upload_id VARCHAR",
        "created_at TIMESTAMP NOT NULL",
        "updated_at TIMESTAMP NOT NULL",
        "note VARCHAR",
        CREATED_BY,
    ),
    primary_key=("name",),
)
SHEET_TERMS = Table(
    "sheet_terms",
    _columns(
        "sheet_name VARCHAR",
        "valid_from DATE",
        "valid_until DATE",
        "committed_usd_per_month DOUBLE",
        "tiers_json VARCHAR NOT NULL",  # [{"min_usd_per_month": 1000, "discount_pct": 5}, ...]
        "requests_per_minute BIGINT",
        "tokens_per_minute BIGINT",
        "uptime_pct DOUBLE",
        "support_tier VARCHAR",
        "data_retention VARCHAR",
        "residency VARCHAR",
        "notes VARCHAR",
        "updated_at TIMESTAMP NOT NULL",
        Column("tier_mode", "VARCHAR", added_in=7),  # "all-units" or "graduated"; NULL (older rows): all-units
    ),
    primary_key=("sheet_name",),
)

# Source refresh: one row per fetched file that was loaded, with where it came from and its content hash.
SOURCE_SNAPSHOTS = Table(
    "source_snapshots",
    _columns(
        "snapshot_id VARCHAR",
        "run_id VARCHAR NOT NULL",  # one refresh command or click; its sources share it
        "source_name VARCHAR NOT NULL",  # the registry name (pricing.sources.registry)
        "fetched_at TIMESTAMP NOT NULL",
        "url VARCHAR NOT NULL",  # the link fetched, or file:NAME for a file handed in (never a local path)
        "content_sha256 VARCHAR NOT NULL",
        "content_bytes BIGINT NOT NULL",
        "rows_loaded BIGINT NOT NULL",
        "as_of DATE NOT NULL",
        "forced BOOLEAN NOT NULL",
        # The snapshot whose kept content a reseed loaded again (NULL: fetched or handed in by a refresh).
        Column("replay_of", "VARCHAR", added_in=11),
    ),
    primary_key=("snapshot_id",),
    written_from_frames=True,
)
# Each loaded snapshot's content as fetched (gzip), so a reseed can load what was refreshed again without a network.
# A fetched body only: a key travels in a request header and never reaches it.
SNAPSHOT_CONTENTS = Table(
    "snapshot_contents",
    _columns("snapshot_id VARCHAR", "content_gzip BLOB NOT NULL"),
    primary_key=("snapshot_id",),
)
# What each loaded snapshot changed against what the store held before it (kept, so "what changed since" works).
REFRESH_CHANGES = Table(
    "refresh_changes",
    _columns(
        "snapshot_id VARCHAR NOT NULL",
        "source_name VARCHAR NOT NULL",
        "fetched_at TIMESTAMP NOT NULL",
        "change VARCHAR NOT NULL",  # new_model, removed_model, price_cut, price_rise, score_change, new_source
        "model_key VARCHAR",  # the source's own spelling (a price sheet's key, a leaderboard's name)
        "model_id VARCHAR",
        "field VARCHAR",  # usd_per_1m_input, usd_per_1m_output, or a benchmark id
        "old_value DOUBLE",
        "new_value DOUBLE",
        "change_pct DOUBLE",
        "new_to_store BOOLEAN",  # a new model no source in the store knew before
    ),
    written_from_frames=True,
)
# Every refreshed score, per snapshot: `scores` holds the current ones, this their history.
SCORE_HISTORY = Table(
    "score_history",
    (Column("snapshot_id", "VARCHAR", not_null=True), *SCORES.columns),
    written_from_frames=True,
)

TABLES: tuple[Table, ...] = (
    MODELS,
    MODEL_ALIASES,
    BENCHMARKS,
    SCORES,
    PRICE_SHEETS,
    PRICES,
    GPU_PRICES,
    THROUGHPUT,
    API_PERFORMANCE,
    SEED_RUNS,
    ENDPOINTS,
    PROBE_RUNS,
    PROBE_REQUESTS,
    USAGE_UPLOADS,
    USAGE_MONTHLY,
    SCENARIOS,
    SHEET_TERMS,
    SOURCE_SNAPSHOTS,
    REFRESH_CHANGES,
    SCORE_HISTORY,
    SNAPSHOT_CONTENTS,
)
TABLE_NAMES: frozenset[str] = frozenset(table.name for table in TABLES)
# One row counting the store's committed writes: every write transaction bumps it just before COMMIT, so it moves
# exactly when what readers see changes. The app reads it once per script run and drops its page caches when it
# moved, so a write from another replica, the command line or a probe shows without a restart. Bookkeeping, not
# data: not in TABLES, so a copy between stores neither carries nor checks it.
STORE_CHANGES = Table(
    "store_changes",
    _columns("id INTEGER", "version BIGINT NOT NULL", "changed_at TIMESTAMP NOT NULL"),
    primary_key=("id",),
)
SQL_FIRST_STORE_CHANGE = "INSERT INTO store_changes VALUES (1, 0, ?)"
# Tables a DataFrame may be written to, with the columns it must carry: identifiers in SQL come only
# from here, never from callers.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {t.name: t.column_names for t in TABLES if t.written_from_frames}
# What a seed replaces as a whole (the bundled price sheet is replaced on its own).
SEEDED_TABLES: tuple[str, ...] = tuple(
    t.name for t in (MODELS, MODEL_ALIASES, BENCHMARKS, SCORES, GPU_PRICES, THROUGHPUT, API_PERFORMANCE)
)

# Own eval results, one per (model, suite, endpoint): the latest run's mean item score, in percent.
# Items that failed to answer (errors) are not scored; an empty answer scores zero.
SQL_CREATE_OWN_EVAL_SCORES = """CREATE VIEW own_eval_scores AS
            WITH per_run AS (
                SELECT r.run_id, r.model_id, r.suite, coalesce(r.endpoint_name, r.model) AS endpoint,
                    r.model, r.started_at, avg(q.score) * 100 AS score, count(q.score) AS items
                FROM probe_runs r JOIN probe_requests q USING (run_id)
                WHERE r.suite IS NOT NULL AND r.model_id IS NOT NULL AND q.phase = 'measure'
                    AND q.score IS NOT NULL
                GROUP BY ALL
            )
            SELECT model_id, 'own:' || suite AS benchmark_id, score, FALSE AS self_reported,
                'own probe: ' || endpoint AS source, NULL::VARCHAR AS source_url,
                model || ' (' || items || ' items)' AS raw_model_name, CAST(started_at AS DATE) AS as_of
            FROM per_run
            QUALIFY row_number() OVER (PARTITION BY model_id, suite, endpoint ORDER BY started_at DESC) = 1"""
# The same view in Postgres' words (no GROUP BY ALL, no QUALIFY); DuckDB files keep the text they shipped with.
SQL_CREATE_OWN_EVAL_SCORES_POSTGRES = """CREATE VIEW own_eval_scores AS
            WITH per_run AS (
                SELECT r.run_id, r.model_id, r.suite, coalesce(r.endpoint_name, r.model) AS endpoint,
                    r.model, r.started_at, avg(q.score) * 100 AS score, count(q.score) AS items
                FROM probe_runs r JOIN probe_requests q USING (run_id)
                WHERE r.suite IS NOT NULL AND r.model_id IS NOT NULL AND q.phase = 'measure'
                    AND q.score IS NOT NULL
                GROUP BY r.run_id, r.model_id, r.suite, coalesce(r.endpoint_name, r.model), r.model, r.started_at
            ), ranked AS (
                SELECT *, row_number() OVER (PARTITION BY model_id, suite, endpoint ORDER BY started_at DESC) AS nth
                FROM per_run
            )
            SELECT model_id, 'own:' || suite AS benchmark_id, score, FALSE AS self_reported,
                'own probe: ' || endpoint AS source, NULL::VARCHAR AS source_url,
                model || ' (' || items || ' items)' AS raw_model_name, CAST(started_at AS DATE) AS as_of
            FROM ranked WHERE nth = 1"""


class Cursor(Protocol):
    """What a migration needs of a database cursor (DuckDB's, or the Postgres one, in a transaction the store holds).

    The Postgres cursor says `dialect = "postgres"`; a DuckDB cursor has no such attribute.
    """

    def execute(self, query: str, parameters: object = None) -> object:
        """Run one statement."""
        ...


def _create(cur: Cursor, *tables: Table) -> None:
    for table in tables:
        cur.execute(table.create_sql())


def _columns_changed_in(version: int, cur: Cursor, *tables: Table) -> None:
    """Apply a migration's column changes: drop the NOT NULL it lifts, then add its columns in table order."""
    for table in tables:
        for column in table.columns:
            if column.not_null_until == version:
                cur.execute(f"ALTER TABLE {table.name} ALTER COLUMN {column.name} DROP NOT NULL")
        for column in table.columns:
            if column.added_in == version:
                not_null = " NOT NULL" if column.not_null else ""
                cur.execute(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.sql_type}{not_null}")


def initial_schema(cur: Cursor) -> None:
    """Models, their spellings, benchmarks and scores, price sheets and prices, GPU prices, throughput, API speed."""
    _create(
        cur,
        MODELS,
        MODEL_ALIASES,
        BENCHMARKS,
        SCORES,
        PRICE_SHEETS,
        PRICES,
        GPU_PRICES,
        THROUGHPUT,
        API_PERFORMANCE,
        SEED_RUNS,
    )


def live_probes(cur: Cursor) -> None:
    """Endpoints, probe runs, per-request measurements, and own eval scores read from them."""
    _create(cur, ENDPOINTS, PROBE_RUNS, PROBE_REQUESTS)
    postgres = getattr(cur, "dialect", "duckdb") == "postgres"
    cur.execute(SQL_CREATE_OWN_EVAL_SCORES_POSTGRES if postgres else SQL_CREATE_OWN_EVAL_SCORES)


def spend_projections(cur: Cursor) -> None:
    """Usage uploads with their monthly volumes, and named scenarios."""
    _create(cur, USAGE_UPLOADS, USAGE_MONTHLY, SCENARIOS)


def alias_reasons(cur: Cursor) -> None:
    """Why each spelling joined its model (rule, loose rule, reason); refused spellings kept with no model."""
    _columns_changed_in(4, cur, MODEL_ALIASES)


def probe_run_owners(cur: Cursor) -> None:
    """Which process runs each probe run (PID, host, start token), so a run whose process died becomes interrupted."""
    _columns_changed_in(5, cur, PROBE_RUNS)


def sheet_terms(cur: Cursor) -> None:
    """A quote's terms, one row per price sheet: validity, commitment, tiers, rate limits, SLA, data handling."""
    _create(cur, SHEET_TERMS)


def sheet_tier_modes(cur: Cursor) -> None:
    """How a sheet's volume tiers discount a month: all-units (the whole month) or graduated (each band)."""
    _columns_changed_in(7, cur, SHEET_TERMS)


def source_refresh(cur: Cursor) -> None:
    """Refreshed sources: each loaded snapshot (time, link, content hash), what it changed, and scores' history."""
    _create(cur, SOURCE_SNAPSHOTS, REFRESH_CHANGES, SCORE_HISTORY)


def created_by(cur: Cursor) -> None:
    """Who made each sheet, scenario, probe run and usage upload (the deployment's user name; NULL if none)."""
    _columns_changed_in(9, cur, PRICE_SHEETS, PROBE_RUNS, USAGE_UPLOADS, SCENARIOS)


def store_changes(cur: Cursor) -> None:
    """The change counter pages read to drop their caches when another process wrote (one row, version 0)."""
    _create(cur, STORE_CHANGES)
    cur.execute(SQL_FIRST_STORE_CHANGE, [dt.datetime.now(dt.UTC).replace(tzinfo=None)])


def snapshot_contents(cur: Cursor) -> None:
    """Each loaded snapshot's content (gzip), and which snapshot a reseed's replay loaded again."""
    _create(cur, SNAPSHOT_CONTENTS)
    _columns_changed_in(11, cur, SOURCE_SNAPSHOTS)


@dataclass(frozen=True)
class Migration:
    """One step of the schema's history: applied once per file, in order, and recorded with its name."""

    version: int
    name: str
    apply: Callable[[Cursor], None]


# The names are the ones recorded in files already shipped; never reorder or renumber.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", initial_schema),
    Migration(2, "live probes: endpoints, runs, per-request measurements, own eval scores", live_probes),
    Migration(3, "spend projections: usage uploads with their monthly volumes, and named scenarios", spend_projections),
    Migration(
        4,
        "model identity: why each spelling joined its model (rule, loose rule, reason); refused spellings kept",
        alias_reasons,
    ),
    Migration(
        5,
        "probe run owners: the process running each run, so a run whose process died is interrupted",
        probe_run_owners,
    ),
    Migration(6, "sheet terms: a quote's validity, commitment, tiers, rate limits, SLA and data handling", sheet_terms),
    Migration(
        7,
        "sheet tier modes: volume tiers discount the whole month (all-units) or each band (graduated)",
        sheet_tier_modes,
    ),
    Migration(
        8, "source refresh: loaded snapshots with link and content hash, their changes, score history", source_refresh
    ),
    Migration(9, "created by: the user who made each price sheet, scenario, probe run and usage upload", created_by),
    Migration(
        10, "store changes: a counter every write bumps, so other processes' caches know to reload", store_changes
    ),
    Migration(
        11,
        "snapshot contents: each loaded snapshot's content (gzip), so a reseed loads what was refreshed again",
        snapshot_contents,
    ),
)
