"""How fresh a quality metric's scores are, and which well-known priced models it has no score for.

The explorer warns when a metric's newest score is older than a threshold (a sidebar setting, 180 days by
default) and names the well-known models of the chosen price sheet that the metric cannot place. "Well-known" is
defined once, here: a model sold by at least WELL_KNOWN_MIN_PROVIDERS different providers in the sheet (a $0
free tier is not a sale). Resellers list what people ask for, so the count follows demand without a curated list
that would age as fast as the scores. The pure functions take frames; `metric_freshness` reads them from the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pricing import service
from pricing.store import Store

DEFAULT_SCORE_STALE_AFTER_DAYS = 180
WELL_KNOWN_MIN_PROVIDERS = 3
NAMED_AT_MOST = 12  # the models a notice names; the rest are counted


@dataclass(frozen=True)
class UnscoredModel:
    """A well-known priced model without a score on the metric, and how many providers sell it."""

    model_id: str
    providers: int


@dataclass(frozen=True)
class MetricFreshness:
    """A metric's newest score (date, source, age) against the threshold, and its well-known unscored models."""

    metric_id: str
    newest_as_of: dt.date | None
    newest_source: str | None
    age_days: int | None
    stale_after_days: int
    unscored_well_known: tuple[UnscoredModel, ...]
    well_known_count: int

    @property
    def stale(self) -> bool:
        """Whether the newest score is older than the threshold (a metric without a dated score is stale)."""
        return self.age_days is None or self.age_days > self.stale_after_days


def well_known_models(prices: pd.DataFrame, min_providers: int = WELL_KNOWN_MIN_PROVIDERS) -> pd.DataFrame:
    """Models sold by at least `min_providers` providers in a sheet, most sold first (columns model_id, providers)."""
    if prices.empty:
        return pd.DataFrame({"model_id": pd.Series(dtype=str), "providers": pd.Series(dtype=int)})
    paid = prices if "free_tier" not in prices else prices[~prices["free_tier"].fillna(False).astype(bool)]
    paid = paid.dropna(subset=["model_id", "provider"])
    paid = paid[paid["model_id"].astype(str).str.len() > 0]
    counts = paid.groupby("model_id")["provider"].nunique()
    counts = counts[counts >= min_providers]
    frame = pd.DataFrame({"model_id": counts.index.astype(str), "providers": counts.to_numpy(dtype=int)})
    return frame.sort_values(["providers", "model_id"], ascending=[False, True], ignore_index=True)


def score_freshness(
    scores: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    metric_id: str,
    today: dt.date,
    stale_after_days: int = DEFAULT_SCORE_STALE_AFTER_DAYS,
    min_providers: int = WELL_KNOWN_MIN_PROVIDERS,
) -> MetricFreshness:
    """A metric's freshness from its scores (model_id, source, as_of) and a sheet's prices (model_id, provider)."""
    dated = scores.assign(as_of=pd.to_datetime(scores["as_of"], errors="coerce")).dropna(subset=["as_of"])
    newest_as_of: dt.date | None = None
    newest_source: str | None = None
    if not dated.empty:
        newest = dated.sort_values(["as_of", "source"], ascending=[False, True]).iloc[0]
        newest_as_of = pd.Timestamp(newest["as_of"]).date()
        newest_source = str(newest["source"])
    scored = set(scores["model_id"].dropna().astype(str))
    well_known = well_known_models(prices, min_providers)
    unscored = well_known[~well_known["model_id"].isin(scored)]
    return MetricFreshness(
        metric_id=metric_id,
        newest_as_of=newest_as_of,
        newest_source=newest_source,
        age_days=None if newest_as_of is None else (today - newest_as_of).days,
        stale_after_days=stale_after_days,
        unscored_well_known=tuple(
            UnscoredModel(str(m), int(n)) for m, n in zip(unscored["model_id"], unscored["providers"], strict=True)
        ),
        well_known_count=len(well_known),
    )


def metric_freshness(
    store: Store,
    metric_id: str,
    sheet_name: str,
    stale_after_days: int = DEFAULT_SCORE_STALE_AFTER_DAYS,
    today: dt.date | None = None,
) -> MetricFreshness:
    """A metric's freshness against a price sheet in the store (LookupError for an unknown sheet)."""
    prices = service.prices_with_deployments(store, service.check_sheet(store, sheet_name))
    return score_freshness(
        store.scores(metric_id),
        prices,
        metric_id=metric_id,
        today=today or dt.date.today(),
        stale_after_days=stale_after_days,
    )


def freshness_notice(freshness: MetricFreshness, metric_label: str) -> str | None:
    """The warning a stale metric gets (date, age, threshold, what to do), None when it is fresh."""
    if not freshness.stale:
        return None
    if freshness.newest_as_of is None:
        return f"No {metric_label} score has a date, so how current they are is unknown; refresh on Home."
    return (
        f"The newest {metric_label} score is from {freshness.newest_as_of.isoformat()} ({freshness.newest_source}), "
        f"{freshness.age_days:,} days ago: older than {freshness.stale_after_days:,} days, so newer models are "
        "missing and leaders may have changed. Refresh the sources on Home (Update data), or set the threshold in "
        "the sidebar."
    )


def unscored_notice(freshness: MetricFreshness, metric_label: str, sheet_name: str) -> str | None:
    """The well-known priced models the metric cannot place, named (most sold first), None when there are none."""
    missing = freshness.unscored_well_known
    if not missing:
        return None
    named = ", ".join(f"{m.model_id} ({m.providers} providers)" for m in missing[:NAMED_AT_MOST])
    more = f", and {len(missing) - NAMED_AT_MOST:,} more" if len(missing) > NAMED_AT_MOST else ""
    return (
        f"{len(missing):,} of the {freshness.well_known_count:,} well-known models in '{sheet_name}' (sold by "
        f"{WELL_KNOWN_MIN_PROVIDERS} or more providers) have no {metric_label} score and are not on the chart: "
        f"{named}{more}."
    )
