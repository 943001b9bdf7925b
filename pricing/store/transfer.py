"""Copying a whole store between backends: a personal DuckDB file into the team's Postgres, or back for a laptop.

Every table the schema defines is read from the source and written to the target in one transaction (a copy that
fails or is killed leaves the target as it was), then checked: the target's row count and content hash of every
table must equal the source's. The content hash is SHA-256 over the table's rows as text, sorted, so it does not
depend on the order either engine returns rows in; both backends return the same values for the same rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from pricing.store.access import StoreError
from pricing.store.db import Store
from pricing.store.schema import MIGRATIONS, TABLES


@dataclass(frozen=True)
class TableCheck:
    """One table of a copy: its rows and content hash on each side."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def matches(self) -> bool:
        """Whether the target holds exactly the source's rows."""
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


def _cell_text(value: object) -> str:
    if value is None or (not isinstance(value, str | bytes | bool) and pd.isna(value)):
        return "\\N"
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def content_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's rows as tab-separated text, one line per row, lines sorted (row order does not count)."""
    columns = [frame[name].astype(object).tolist() for name in frame.columns]
    lines = sorted("\t".join(_cell_text(v) for v in row) for row in zip(*columns, strict=True))
    digest = hashlib.sha256()
    digest.update("\t".join(frame.columns).encode("utf-8"))
    for line in lines:
        digest.update(b"\n" + line.encode("utf-8"))
    return digest.hexdigest()


def table_checks(source: Store, target: Store) -> list[TableCheck]:
    """Row count and content hash of every table on both sides."""
    checks = []
    for table in TABLES:
        left, right = source.table_rows(table.name), target.table_rows(table.name)
        checks.append(TableCheck(table.name, len(left), len(right), content_sha256(left), content_sha256(right)))
    return checks


def copy_store(source: Store, target: Store, *, replace: bool = False) -> list[TableCheck]:
    """Copy every table from source to target in one transaction, then check counts and hashes (StoreError if off).

    The source must be at the current schema version (run `python -m pricing migrate` on it first); a target that
    already holds rows is refused unless `replace`, which deletes them in the same transaction.
    """
    latest = MIGRATIONS[-1].version
    if source.schema_version() != latest:
        raise StoreError(
            f"{source.name} is at schema version {source.schema_version()}, this Frontier at {latest}: run "
            f"`python -m pricing migrate` with FRONTIER_DB pointing at it first"
        )
    held = {table.name: target.count(table.name) for table in TABLES}
    held = {name: rows for name, rows in held.items() if rows}
    if held and not replace:
        listed = ", ".join(f"{name} ({rows:,} rows)" for name, rows in sorted(held.items()))
        raise StoreError(
            f"{target.name} already holds data: {listed}. Copy into an empty store, or pass --replace to delete "
            "what it holds and copy in its place"
        )
    target.replace_all_tables({table.name: source.table_rows(table.name) for table in TABLES})
    checks = table_checks(source, target)
    wrong = [check.table for check in checks if not check.matches]
    if wrong:
        raise StoreError(f"the copy in {target.name} differs from {source.name} in: {', '.join(wrong)}")
    return checks
