"""litellm's bundled price map, in one place: turned into price records, and used to price usages.

litellm is imported with LITELLM_LOCAL_MODEL_COST_MAP=True so that it reads the map shipped in the
package instead of fetching one at import; refreshing prices from upstream is an explicit action.
Costs for this sheet are computed by `litellm.cost_per_token` itself, so tiered prices (e.g. above
200k tokens) and cache-read prices agree with litellm exactly.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pricing.cost import TOKENS_PER_MILLION, UnpricedModelError, Usage
from pricing.identity import canonical_model_id
from pricing.store import TABLE_COLUMNS, PriceSheet

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import litellm  # noqa: E402  (the environment above must be set before the import)

CHAT_MODES = frozenset({"chat", "completion", "responses"})
LITELLM_VERSION = importlib.metadata.version("litellm")
BUNDLED_SHEET_NAME = f"litellm {LITELLM_VERSION} (bundled)"
BUNDLED_SOURCE = f"BerriAI/litellm model_prices_and_context_window.json as bundled in litellm=={LITELLM_VERSION}"


def model_cost_map() -> dict[str, dict[str, Any]]:
    """litellm's price map (the bundled copy, given the environment set above)."""
    return litellm.model_cost


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


def bundled_sheet(as_of: dt.date) -> PriceSheet:
    """The metadata of the bundled sheet, read on a given day."""
    return PriceSheet(
        sheet_name=BUNDLED_SHEET_NAME,
        kind="bundled",
        source=BUNDLED_SOURCE,
        as_of=as_of,
        note="List prices as shipped in the pinned litellm release; tiered and priority prices are "
        "applied by litellm when pricing usage.",
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
                "model_id": canonical_model_id(key),
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
        prompt_usd, completion_usd = litellm.cost_per_token(
            model=model_key,
            custom_llm_provider=entry.get("litellm_provider"),
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            cache_read_input_tokens=cached,
        )
        return float(prompt_usd) + float(completion_usd)
