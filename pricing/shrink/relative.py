"""The explorer's relative view: every plotted offer as a share of a baseline's quality and a multiple of its cost.

The baseline is the model serving a workload today (by default the most expensive offer in view). It sits at
(100%, 1x); an offer at (80%, 0.1x) is "80% as capable at a tenth of the cost". Quality shares are always
higher-is-better: for a metric where lower is better the share is the baseline's score over the offer's. An interval
(an own eval's 95% Wilson interval from its item count, or `quality_low`/`quality_high` where a source gives them)
is the offer's own interval over the baseline's point score, as the Shrink page's measured quality is.
The boundary: pure functions over the candidates frame the frontier service returns; no storage, no UI.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pricing.metrics import Metric

QUALITY_GUIDE_PCT = 80.0  # "80% as capable..."
COST_GUIDE_MULTIPLE = 0.1  # "...10x cheaper"
WILSON_Z = 1.96
OWN_EVAL_PREFIX = "own:"
# The own-eval view names its items in raw_model_name: "<model> (<n> items)" (pricing.store.schema).
_ITEMS = re.compile(r"\((\d+) items\)\s*$")


class RelativeViewError(ValueError):
    """A baseline the relative view cannot be drawn against, with what to choose instead."""


def offer_id(model_id: object, model_key: object) -> str:
    """A plotted offer's identity in a link: model and the price-sheet key it is bought by ('o3-mini@o3-mini').

    The model is part of it because a reasoning variant shares its base model's offer key.
    """
    return f"{model_id}@{model_key}"


def offer_ids(candidates: pd.DataFrame) -> list[str]:
    """Each candidate's offer id, in the frame's order."""
    return [offer_id(m, k) for m, k in zip(candidates["model_id"], candidates["model_key"], strict=True)]


def default_baseline(candidates: pd.DataFrame) -> str:
    """The most expensive offer in view (the first of equals in the frame's order)."""
    if candidates.empty:
        raise RelativeViewError("no offer is in view, so there is no baseline: widen the filters")
    position = int(np.nanargmax(pd.to_numeric(candidates["cost_usd"], errors="coerce").to_numpy(dtype=float)))
    row = candidates.iloc[position]
    return offer_id(row["model_id"], row["model_key"])


def wilson_interval(pass_share: float, items: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval of a pass share (0..1) over `items` items."""
    if items <= 0:
        raise ValueError("a Wilson interval needs at least one item")
    p = min(max(pass_share, 0.0), 1.0)
    denominator = 1 + z * z / items
    centre = (p + z * z / (2 * items)) / denominator
    half = z * math.sqrt(p * (1 - p) / items + z * z / (4 * items * items)) / denominator
    return max(centre - half, 0.0), min(centre + half, 1.0)


def quality_intervals(candidates: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """(quality_low, quality_high) per candidate in the metric's own unit: given columns where present, a Wilson
    interval for an own eval's score (percent of items passed) from its item count, else NaN (no interval known)."""
    low = pd.to_numeric(candidates.get("quality_low", pd.Series(np.nan, index=candidates.index)), errors="coerce")
    high = pd.to_numeric(candidates.get("quality_high", pd.Series(np.nan, index=candidates.index)), errors="coerce")
    if metric.metric_id.startswith(OWN_EVAL_PREFIX):
        for index, raw, score in zip(
            candidates.index, candidates["raw_model_name"], candidates["quality"], strict=True
        ):
            found = _ITEMS.search(raw) if isinstance(raw, str) else None
            if found and pd.isna(low[index]) and math.isfinite(float(score)):
                share_low, share_high = wilson_interval(float(score) / 100.0, int(found.group(1)))
                low[index], high[index] = share_low * 100.0, share_high * 100.0
    return pd.DataFrame({"quality_low": low, "quality_high": high}, index=candidates.index)


@dataclass(frozen=True)
class Baseline:
    """The offer the others are measured against: its id, name, seller, cost and score with their sources."""

    offer: str
    display_name: str
    offer_label: str
    cost_usd: float
    quality: float
    quality_source: str
    quality_date: str


@dataclass(frozen=True, eq=False)
class RelativeView:
    """The candidates with `quality_pct` (share of the baseline's quality, %), its interval `quality_pct_low` and
    `quality_pct_high`, `cost_multiple` (of the baseline's cost), `is_baseline` and a `sentence` each."""

    baseline: Baseline
    candidates: pd.DataFrame
    metric: Metric
    cost_metric: Metric

    @property
    def frontier(self) -> pd.DataFrame:
        """The frontier's points, cheapest first."""
        on = self.candidates[self.candidates["on_frontier"].astype(bool)]
        return on.sort_values("cost_multiple", kind="stable")


def _fraction_text(multiple: float) -> str:
    """A cost multiple in words: 'at 1/12 of its cost', 'at 1/2.5 of its cost', 'at the same cost', 'at 3x its cost'."""
    if math.isclose(multiple, 1.0, rel_tol=1e-9):
        return "at the same cost"
    if multiple > 1:
        return f"at {_round_factor(multiple)}x its cost"
    return f"at 1/{_round_factor(1.0 / multiple)} of its cost"


def _round_factor(factor: float) -> str:
    if factor >= 10:
        return f"{factor:,.0f}"
    return f"{factor:.1f}".removesuffix(".0")


def sentence(quality_pct: float, cost_multiple: float, low_pct: float = math.nan, high_pct: float = math.nan) -> str:
    """'92% of the baseline's score at 1/12 of its cost', with the interval where there is one."""
    interval = (
        f" (95% interval {low_pct:.0f}-{high_pct:.0f}%)" if math.isfinite(low_pct) and math.isfinite(high_pct) else ""
    )
    return f"{quality_pct:.0f}%{interval} of the baseline's score {_fraction_text(cost_multiple)}"


def relative_view(
    candidates: pd.DataFrame, metric: Metric, cost_metric: Metric, baseline: str | None = None
) -> RelativeView:
    """Every candidate against the baseline (an offer id; None: the most expensive in view)."""
    chosen = baseline or default_baseline(candidates)
    ids = offer_ids(candidates)
    if chosen not in ids:
        raise RelativeViewError(
            f"the baseline {chosen!r} is not in view (filtered out, or not priced on this metric); pick one of the "
            "offers plotted"
        )
    row = candidates.iloc[ids.index(chosen)]
    base_quality, base_cost = float(row["quality"]), float(row["cost_usd"])
    if not math.isfinite(base_cost) or base_cost <= 0:
        raise RelativeViewError(f"the baseline {row['display_name']} has no positive cost; pick a priced offer")
    if not math.isfinite(base_quality) or base_quality <= 0:
        raise RelativeViewError(
            f"the baseline {row['display_name']} scores {base_quality:g} on {metric.label}: a share of it cannot be "
            "taken; pick a baseline with a positive score"
        )
    quality = pd.to_numeric(candidates["quality"], errors="coerce").astype(float)
    intervals = quality_intervals(candidates, metric)
    if metric.higher_is_better:
        pct = quality / base_quality * 100.0
        pct_low = intervals["quality_low"] / base_quality * 100.0
        pct_high = intervals["quality_high"] / base_quality * 100.0
    else:  # lower is better: the share is the baseline's score over the offer's, so higher still reads as better
        pct = base_quality / quality * 100.0
        pct_low = base_quality / intervals["quality_high"] * 100.0
        pct_high = base_quality / intervals["quality_low"] * 100.0
    multiple = pd.to_numeric(candidates["cost_usd"], errors="coerce").astype(float) / base_cost
    is_baseline = pd.Series([i == chosen for i in ids], index=candidates.index)
    frame = candidates.assign(
        offer_id=ids,
        quality_low=intervals["quality_low"],
        quality_high=intervals["quality_high"],
        quality_pct=pct,
        quality_pct_low=pct_low,
        quality_pct_high=pct_high,
        cost_multiple=multiple,
        is_baseline=is_baseline,
    )
    frame["sentence"] = [
        "the baseline" if base else sentence(float(q), float(m), float(lo), float(hi))
        for base, q, m, lo, hi in zip(
            frame["is_baseline"],
            frame["quality_pct"],
            frame["cost_multiple"],
            frame["quality_pct_low"],
            frame["quality_pct_high"],
            strict=True,
        )
    ]
    date = row.get("quality_date")
    return RelativeView(
        baseline=Baseline(
            offer=chosen,
            display_name=str(row["display_name"]),
            offer_label=str(row.get("offer_label") or row.get("provider") or ""),
            cost_usd=base_cost,
            quality=base_quality,
            quality_source=str(row.get("quality_source") or ""),
            quality_date=str(date)[:10] if date is not None and not pd.isna(date) else "undated",
        ),
        candidates=frame,
        metric=metric,
        cost_metric=cost_metric,
    )
