"""The store: the one package that owns the database (a DuckDB file, or the team's Postgres).

`schema` defines every table once and the migrations that build them; `db` holds the `Store`, which opens
the file, upgrades it and runs every SQL statement. Import from here: `from pricing.store import Store`.
"""

from pricing.config import PROJECT_ROOT, SECRETS_PATH
from pricing.store.db import (
    DEFAULT_DB_PATH,
    UNCOUNTED_TABLES,
    USER_ENV,
    Coverage,
    PriceSheet,
    ScenarioConflict,
    SnapshotLoad,
    Store,
    StoreError,
    deployment_user,
    resolve_db_path,
    session_user,
)
from pricing.store.schema import (
    MIGRATIONS,
    REQUEST_RECORD_FIELDS,
    SEEDED_TABLES,
    TABLE_COLUMNS,
    Migration,
    RequestRecord,
    request_records_frame,
)

__all__ = [
    "DEFAULT_DB_PATH",
    "MIGRATIONS",
    "PROJECT_ROOT",
    "REQUEST_RECORD_FIELDS",
    "SECRETS_PATH",
    "SEEDED_TABLES",
    "UNCOUNTED_TABLES",
    "USER_ENV",
    "TABLE_COLUMNS",
    "Coverage",
    "Migration",
    "PriceSheet",
    "RequestRecord",
    "ScenarioConflict",
    "SnapshotLoad",
    "Store",
    "StoreError",
    "deployment_user",
    "session_user",
    "request_records_frame",
    "resolve_db_path",
]
