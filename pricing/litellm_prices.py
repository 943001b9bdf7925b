"""litellm's bundled price map, in one place: turned into price records, and used to price usages.

The map is read from the JSON file the installed litellm ships (`model_cost_map`), without importing
litellm: the import takes 4-5 s of CPU, and under load a page that waited for it held every other
session that needed it (20 sessions at once kept the "Prices & self-hosting" page running for minutes on
2 cores). The file is the one litellm itself loads with LITELLM_LOCAL_MODEL_COST_MAP=True, expanded as
litellm expands it; a test checks that the result equals `litellm.model_cost` entry for entry.

Costs for this sheet: an entry with flat prices is priced from the entry itself (the prices the catalogue
shows), which is what `litellm.cost_per_token` computes for all but two entries of the pinned map (a test
checks every entry); an entry whose prices change with the request (above a token count, tier tables,
time of day) is priced by `litellm.cost_per_token` itself, imported then (`litellm_module`) with the
offline settings, so tiers agree with litellm exactly. Refreshing prices from upstream is an explicit
action. The sheet's name and version come from the installed package's metadata, without importing it.

The map gives no date per price, so every bundled price is dated by the release of litellm that
shipped it (`litellm_release`): from `data/litellm_releases.csv` (curated, with how each date was
found), else from the build time the installed wheel records, else undated (then the seed day stands
in, and the sheet says so). A price is therefore at least as old as its date, never younger.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.machinery
import importlib.metadata
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from pricing.cost import TOKENS_PER_MILLION, UnpricedModelError, Usage
from pricing.identity import canonical_model_id
from pricing.store import PROJECT_ROOT, TABLE_COLUMNS, PriceSheet

CHAT_MODES = frozenset({"chat", "completion", "responses"})
LITELLM_VERSION = importlib.metadata.version("litellm")
BUNDLED_SHEET_NAME = f"litellm {LITELLM_VERSION} (bundled)"
BUNDLED_SOURCE = f"BerriAI/litellm model_prices_and_context_window.json as bundled in litellm=={LITELLM_VERSION}"


RELEASES_FILE = "litellm_releases.csv"


@dataclass(frozen=True)
class LitellmRelease:
    """When a litellm version was released, how that date was found, and where to check it."""

    version: str
    release_date: dt.date
    dated_by: str
    source_url: str


def _wheel_build_date(version: str) -> LitellmRelease | None:
    """The build time recorded in the installed wheel's SBOM, when the installed litellm is that version."""
    try:
        dist = importlib.metadata.distribution("litellm")
    except importlib.metadata.PackageNotFoundError:
        return None
    if dist.version != version:
        return None
    for file in dist.files or ():
        if "sboms" in file.parts and file.name.endswith(".json"):
            try:
                stamp = json.loads(file.read_text() or "{}")["metadata"]["timestamp"]
                built = dt.datetime.fromisoformat(str(stamp)[:19]).date()
            except (OSError, ValueError, KeyError, TypeError):
                continue
            return LitellmRelease(
                version, built, f"build time recorded in the installed wheel's SBOM ({file.name})", ""
            )
    return None


def litellm_release(version: str = LITELLM_VERSION, data_dir: Path | None = None) -> LitellmRelease | None:
    """The release date of a litellm version: the curated file first, else the installed wheel's build time."""
    path = (data_dir or PROJECT_ROOT / "data") / RELEASES_FILE
    if path.exists():
        table = pd.read_csv(path, dtype=str).fillna("")
        match = table[table["version"].str.strip() == version]
        if not match.empty:
            row = match.iloc[0]
            return LitellmRelease(
                version, dt.date.fromisoformat(row["release_date"].strip()), row["dated_by"], row["source_url"]
            )
    return _wheel_build_date(version)


def bundled_price_date(today: dt.date, release: LitellmRelease | None) -> dt.date:
    """The date every bundled price carries: the release date, never after today (the seed day when unknown)."""
    return today if release is None else min(release.release_date, today)


def litellm_module() -> ModuleType:
    """litellm, imported on first use with the offline settings (the bundled map, no downloads) set first."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import litellm

    return litellm


def model_cost_map_url() -> str:
    """Where litellm itself downloads its current price map (its LITELLM_MODEL_COST_MAP_URL setting)."""
    return str(litellm_module().model_cost_map_url)


def expand_aliases(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A price map file as litellm serves it: a row whose `alias_of` names another row (e.g.
    `azure/gpt-sol-latest`) priced as that row, and no `aliases` lists, as litellm does when it loads its map (a
    test checks that the bundled file read this way equals `litellm.model_cost`). A map read from a file without
    this loses those rows."""
    served: dict[str, dict[str, Any]] = {}
    for key, entry in raw.items():
        target = entry.get("alias_of")
        if isinstance(target, str):
            named = raw.get(target)
            if isinstance(named, dict) and not isinstance(named.get("alias_of"), str):
                served[key] = {k: v for k, v in named.items() if k != "aliases"}
            continue  # an alias of nothing is dropped, as litellm drops it
        served[key] = {k: v for k, v in entry.items() if k != "aliases"}
    return served


BUNDLED_MAP_FILE = "model_prices_and_context_window_backup.json"
# Top-level keys of the file that are not models (litellm takes them out of its map).
RESERVED_MAP_KEYS = frozenset({"fallback_generalizations"})


def bundled_map_path() -> Path:
    """The price map file inside the installed litellm package, found on sys.path without importing the package."""
    spec = importlib.machinery.PathFinder.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("litellm is not installed: run `make run` or `make test`, which install it")
    return Path(next(iter(spec.submodule_search_locations))) / BUNDLED_MAP_FILE


@functools.lru_cache(maxsize=1)
def _bundled_map() -> dict[str, dict[str, Any]]:
    raw = json.loads(bundled_map_path().read_bytes())
    return expand_aliases({str(k): v for k, v in raw.items() if isinstance(v, dict) and k not in RESERVED_MAP_KEYS})


def model_cost_map() -> dict[str, dict[str, Any]]:
    """litellm's bundled price map, as `litellm.model_cost` holds it with LITELLM_LOCAL_MODEL_COST_MAP=True, read
    once per process from the file without importing litellm. Shared: callers must not change it."""
    return _bundled_map()


def _per_1m(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number * TOKENS_PER_MILLION


def is_priced_chat_model(entry: dict[str, Any]) -> bool:
    """A chat/completion entry with token prices."""
    return (
        entry.get("mode") in CHAT_MODES
        and entry.get("input_cost_per_token") is not None
        and entry.get("output_cost_per_token") is not None
    )


def has_variable_prices(entry: dict[str, Any]) -> bool:
    """An entry whose price per token depends on the request: above a token count (`..._above_200k_tokens`), a
    tier table, or the time of day. litellm's own calculation applies those."""
    return any("above_" in name or "tier" in name or "off_peak" in name for name in entry)


def bundled_sheet(as_of: dt.date, release: LitellmRelease | None = None) -> PriceSheet:
    """The metadata of the bundled sheet, dated by the litellm release that shipped it."""
    if release is None:
        dated = f"Release date of litellm {LITELLM_VERSION} unknown: prices carry the seed day, {as_of}."
    else:
        dated = (
            f"Prices dated {as_of}, the release of litellm {release.version} (dated by: {release.dated_by}"
            + (f"; {release.source_url}" if release.source_url else "")
            + "); litellm gives no date per price, so a price may be older than this."
        )
    return PriceSheet(
        sheet_name=BUNDLED_SHEET_NAME,
        kind="bundled",
        source=BUNDLED_SOURCE,
        as_of=as_of,
        note="List prices as shipped in the pinned litellm release; tiered and priority prices are "
        f"applied by litellm when pricing usage. {dated}",
    )


def bundled_price_records(as_of: dt.date, cost_map: dict[str, dict[str, Any]] | None = None) -> pd.DataFrame:
    """One row per priced chat model in the map, in the store's `prices` columns."""
    cost_map = model_cost_map() if cost_map is None else cost_map
    rows = []
    for key, entry in cost_map.items():
        if not isinstance(entry, dict) or not is_priced_chat_model(entry):
            continue
        rows.append(
            {
                "model_key": key,
                "provider": entry.get("litellm_provider"),
                "model_id": canonical_model_id(key) or None,  # "" = a spelling identity refuses
                "usd_per_1m_input": _per_1m(entry["input_cost_per_token"]),
                "usd_per_1m_output": _per_1m(entry["output_cost_per_token"]),
                "usd_per_1m_cached_input": _per_1m(entry.get("cache_read_input_token_cost")),
                "usd_per_1m_batch_input": _per_1m(entry.get("input_cost_per_token_batches")),
                "usd_per_1m_batch_output": _per_1m(entry.get("output_cost_per_token_batches")),
                "context_tokens": entry.get("max_input_tokens") or entry.get("max_tokens"),
                "effective_date": as_of,
                "source": BUNDLED_SOURCE,
            }
        )
    frame = pd.DataFrame(rows)
    frame["sheet_name"] = BUNDLED_SHEET_NAME
    frame["context_tokens"] = pd.to_numeric(frame["context_tokens"], errors="coerce").astype("Int64")
    return frame[list(TABLE_COLUMNS["prices"])]


@dataclass(frozen=True)
class LitellmPricer:
    """Prices usages with litellm's own cost calculation for keys of its map."""

    sheet_name: str = BUNDLED_SHEET_NAME
    cost_map: dict[str, dict[str, Any]] = field(default_factory=model_cost_map, repr=False)

    def cost_usd(self, model_key: str, usage: Usage) -> float:
        """Cost in USD of the usage, as litellm computes it."""
        entry = self.cost_map.get(model_key)
        if entry is None or not is_priced_chat_model(entry):
            raise UnpricedModelError(
                model_key, self.sheet_name, "Use a model key from the catalogue or set a deployment price."
            )
        # litellm bills cache reads at zero when an entry has no cache-read price; a provider without a
        # cache price bills those tokens as ordinary input, so they are passed as uncached prompt tokens.
        cached = usage.cached_input_tokens if entry.get("cache_read_input_token_cost") is not None else 0
        if not has_variable_prices(entry):
            # Flat prices: the entry's own, as the catalogue shows them. litellm's calculation gives the same for
            # every such entry of the pinned map but two, where it prices another entry or bills zero (see
            # tests/test_litellm_agreement.py); and it would need the import.
            return (
                (usage.input_tokens - cached) * float(entry["input_cost_per_token"])
                + cached * float(entry.get("cache_read_input_token_cost") or 0.0)
                + usage.output_tokens * float(entry["output_cost_per_token"])
            )
        prompt_usd, completion_usd = litellm_module().cost_per_token(
            model=model_key,
            custom_llm_provider=entry.get("litellm_provider"),
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            cache_read_input_tokens=cached,
        )
        return float(prompt_usd) + float(completion_usd)
