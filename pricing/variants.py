"""Reasoning-effort and thinking variants priced as their base model.

A variant such as `o3-mini:high` or `claude-3.7-sonnet:thinking-32k` is the base model's API called with a
setting (reasoning effort, a thinking budget): it is scored as itself (`pricing.identity` keeps its own id)
and billed at the base model's per-token prices. A request at a higher effort spends more output
(reasoning) tokens, which per-token prices do not show; the label says so. Pure functions over price
frames in the store's `prices` columns.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

PRICED_AS_COLUMN = "priced_as"


def variant_base(model_id: str) -> str | None:
    """The base of a variant id ("o3-mini:high" -> "o3-mini"); None for an id that is not a variant."""
    base, sep, _ = model_id.partition(":")
    return base if sep else None


def priced_as_note(model_id: str) -> str:
    """What a variant's price means, for tables and hovers."""
    base = variant_base(model_id)
    if base is None:
        return ""
    label = model_id.partition(":")[2]
    return (
        f"priced as {base} (same per-token price; the '{label}' setting spends more reasoning tokens per task, "
        "so a task costs more than the base model's)"
    )


def with_variant_offers(prices: pd.DataFrame, model_ids: Iterable[str]) -> pd.DataFrame:
    """Prices plus, for every variant id among `model_ids` with no offer of its own, its base's offers under the
    variant's id; those rows name the base in `priced_as` (empty for every other row)."""
    frame = prices.assign(**{PRICED_AS_COLUMN: None}) if PRICED_AS_COLUMN not in prices else prices
    if frame.empty:
        return frame
    offered = set(frame["model_id"].dropna())
    wanted = sorted({m for m in model_ids if isinstance(m, str) and variant_base(m) and m not in offered})
    if not wanted:
        return frame
    pairs = pd.DataFrame({"model_id": [variant_base(m) for m in wanted], "_variant": wanted})
    added = frame.drop(columns=[PRICED_AS_COLUMN]).merge(pairs, on="model_id", how="inner")
    if added.empty:
        return frame
    added[PRICED_AS_COLUMN] = added["model_id"]
    added["model_id"] = added.pop("_variant")
    return pd.concat([frame, added[frame.columns]], ignore_index=True)
