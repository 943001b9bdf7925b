"""Shared fixtures: a seeded database file made once per session, and fresh copies of it per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pricing.sources.seed import seed  # noqa: E402
from pricing.store import Store  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seeded_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database seeded from the shipped data, made once; copy it before writing."""
    path = tmp_path_factory.mktemp("seeded") / "frontier.duckdb"
    store = Store(path)
    seed(store)
    store.close()
    return path


@pytest.fixture()
def seeded_store(seeded_db_file: Path, tmp_path: Path) -> Iterator[Store]:
    """A private, writable copy of the seeded database."""
    path = tmp_path / "frontier.duckdb"
    shutil.copy(seeded_db_file, path)
    store = Store(path)
    yield store
    store.close()


@pytest.fixture()
def app_db(seeded_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app (FRONTIER_DB) at a private copy of the seeded database."""
    path = tmp_path / "app.duckdb"
    shutil.copy(seeded_db_file, path)
    monkeypatch.setenv("FRONTIER_DB", str(path))
    return path
