"""litellm's bundled price map, in one place: turned into price records, and used to price usages.

litellm is imported only when its map is read or a usage is priced (`litellm_module`): the import
takes seconds, and pages that read prices from the store never need it. It is imported with
LITELLM_LOCAL_MODEL_COST_MAP=True so that it reads the map shipped in the package instead of fetching
one at import; refreshing prices from upstream is an explicit action. The sheet's name and version
come from the installed package's metadata, without importing it. Costs for this sheet are computed
by `litellm.cost_per_token` itself, so tiered prices (e.g. above 200k tokens) and cache-read prices
agree with litellm exactly.

The map gives no date per price, so every bundled price is dated by the release of litellm that
shipped it (`litellm_release`): from `data/litellm_releases.csv` (curated, with how each date was
found), else from the build time the installed wheel records, else undated (then the seed day stands
in, and the sheet says so). A price is therefore at least as old as its date, never younger.
"""

from __future__ import annotations

import datetime as dt
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
    `azure/gpt-sol-latest`) priced as that row, as litellm does when it loads its map (its own expansion, on a copy;
    a simple one where this litellm has none). A map read from a file without this loses those rows."""
    import copy
    import importlib

    litellm_module()  # the offline settings first
    loader = importlib.import_module("litellm.litellm_core_utils.get_model_cost_map")
    expand = getattr(loader, "_expand_model_aliases", None)
    if expand is not None:
        return {str(k): dict(v) for k, v in expand(copy.deepcopy(raw)).items() if isinstance(v, dict)}
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


def model_cost_map() -> dict[str, dict[str, Any]]:
    """litellm's price map (the bundled copy, given the settings `litellm_module` makes)."""
    cost_map: dict[str, dict[str, Any]] = litellm_module().model_cost
    return cost_map


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
        prompt_usd, completion_usd = litellm_module().cost_per_token(
            model=model_key,
            custom_llm_provider=entry.get("litellm_provider"),
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            cache_read_input_tokens=cached,
        )
        return float(prompt_usd) + float(completion_usd)
