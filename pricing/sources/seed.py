"""Seeding: fill a store from the data files we ship and litellm's bundled price map.

Seeding replaces the seeded tables and the bundled sheet in one transaction, so running it twice
yields the same database and a failure leaves the previous contents. Uploaded and custom price sheets
are never touched. A fingerprint of the inputs is recorded, so a start-up only reseeds when the
shipped data or the pinned litellm changed. After a reseed, what refreshes had loaded is loaded again from the
contents the store kept (`refresh.replay_after_seed`), so a reseed never loses refreshed data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pricing.identity import canonical_model_id, resolve_model
from pricing.litellm_prices import (
    LITELLM_VERSION,
)
from pricing.price_sources import PRICE_SOURCES
from pricing.sources import readers as sources
from pricing.sources.refresh import SourceOutcome, replay_after_seed
from pricing.store import PROJECT_ROOT, TABLE_COLUMNS, Store

DATA_DIR = PROJECT_ROOT / "data"
LLMSTATS_AS_OF = dt.date(2025, 10, 16)


@dataclass(frozen=True)
class SeedReport:
    """What a seed did."""

    seeded: bool
    data_version: str
    seconds: float
    rows: dict[str, int]
    # Each source whose latest refresh the reseed loaded again (or could not, and why), in registry order.
    replays: tuple[SourceOutcome, ...] = field(default_factory=tuple)

    @property
    def replay_failures(self) -> tuple[SourceOutcome, ...]:
        """The replays that failed: their sources hold the shipped data until refreshed again."""
        return tuple(outcome for outcome in self.replays if not outcome.ok)


def data_version(data_dir: Path = DATA_DIR) -> str:
    """Fingerprint of the shipped CSVs, the identity rules and readers, and the litellm version."""
    digest = hashlib.sha256(f"litellm=={LITELLM_VERSION}".encode())
    # The identity rules and the readers decide which model each row joins: a change to them reseeds too.
    package = Path(__file__).resolve().parent
    for module in (package.parent / "identity.py", package / "readers.py"):
        digest.update(module.read_bytes())
    for path in sorted(data_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_api_performance(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Measured API speed and latency per provider offer (llm-stats provider files)."""
    raw = pd.read_csv(data_dir / "llmstats_provider_prices.csv", encoding="utf-8-sig")
    frame = pd.DataFrame(
        {
            "provider": raw["provider_id"],
            "model_key": raw["model_id"],
            "model_id": raw["model_id"].map(canonical_model_id),
            "output_tokens_per_s": pd.to_numeric(raw["throughput_tok_s"], errors="coerce"),
            "ttft_ms": pd.to_numeric(raw["latency_s"], errors="coerce") * 1000.0,
            "source": "llm-stats provider data",
            "as_of": pd.to_datetime(raw["updated_at"], errors="coerce", utc=True).dt.date.fillna(LLMSTATS_AS_OF),
        }
    )
    frame = frame[frame["model_id"].str.len() > 0]  # spellings identity refuses name no one model
    frame = frame.dropna(subset=["output_tokens_per_s", "ttft_ms"], how="all")
    return frame.drop_duplicates(subset=["provider", "model_key"], keep="last")[list(TABLE_COLUMNS["api_performance"])]


def litellm_aliases(prices: pd.DataFrame) -> pd.DataFrame:
    """Every litellm key as a spelling of its canonical model, with the rule that joined it (or why it is refused)."""
    resolved = [resolve_model(str(key)) for key in prices["model_key"]]
    return pd.DataFrame(
        {
            "alias": prices["model_key"],
            "source": "litellm",
            "model_id": [r.model_id for r in resolved],
            "rule": [r.rule for r in resolved],
            "loose": [r.loose for r in resolved],
            "reason": [r.reason for r in resolved],
        }
    )


def build_seed_frames(data_dir: Path, prices: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every seeded table as a DataFrame, read from the shipped files."""
    aliases = pd.concat([sources.read_aliases(data_dir), litellm_aliases(prices)], ignore_index=True)
    return {
        "models": sources.read_models(data_dir),
        "model_aliases": aliases.drop_duplicates(subset=["source", "alias"], keep="first"),
        "benchmarks": sources.read_benchmarks(),
        "scores": sources.read_scores(data_dir),
        "gpu_prices": sources.read_gpu_prices(data_dir),
        "throughput": sources.read_throughput(data_dir),
        "api_performance": read_api_performance(data_dir),
    }


def seed(store: Store, data_dir: Path = DATA_DIR, only_if_needed: bool = False) -> SeedReport:
    """Seed the store; with only_if_needed, skip when the same data was already seeded."""
    version = data_version(data_dir)
    last = store.last_seed()
    if only_if_needed and last is not None and last.get("data_version") == version:
        return SeedReport(False, version, 0.0, {})
    started = time.perf_counter()
    sheets = [source.read(data_dir, dt.date.today()) for source in PRICE_SOURCES]
    prices = pd.concat([frame for _, frame in sheets], ignore_index=True)
    frames = build_seed_frames(data_dir, prices)
    seconds = time.perf_counter() - started
    seeded_at = store.replace_seed(frames, sheets, version, seconds)
    rows = {name: len(frame) for name, frame in frames.items()} | {"prices": len(prices)}
    replays = replay_after_seed(store, seeded_at).outcomes
    return SeedReport(True, version, time.perf_counter() - started, rows, replays)
