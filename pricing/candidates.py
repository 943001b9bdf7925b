"""Frontier candidates: priced offers joined to one quality metric and model facts, then filtered.

A candidate is one way to buy a model's output: an API offer from a price sheet, or a self-hosted
offer on a GPU type. Its cost is either a blended price per 1M tokens or the cost of one task of a
workload profile; its quality is the chosen metric's score, with the score's source and date. Which
offers stand for a model (the maker's list price by default, the cheapest, or all) and which prices
are flagged as outliers is decided by `pricing.offers`; $0 offers are never candidates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pricing.cost import (
    DEFAULT_INPUT_OUTPUT_RATIO,
    DEFAULT_STALE_AFTER_DAYS,
    TokenPrice,
    WorkloadProfile,
    blended_usd_per_1m,
    per_task_usd,
)
from pricing.frontier import mark_frontier
from pricing.offers import (
    DEFAULT_OFFER_CHOICE,
    OFFER_CHOICES,
    OFFER_COLUMNS,
    SELF_HOSTED,
    annotate_offers,
    choose_offers,
)

SCORE_FILTERS = ("any", "independent", "self-reported")
COST_KINDS = ("blended", "task")

CANDIDATE_COLUMNS = (
    "model_id",
    "display_name",
    "organisation",
    "provider",
    "model_key",
    "deployment",
    "sheet_name",
    "price_date",
    "price_stale",
    "usd_per_1m_input",
    "usd_per_1m_output",
    "usd_per_1m_cached_input",
    "cost_usd",
    "quality",
    "quality_source",
    "quality_date",
    "self_reported",
    "raw_model_name",
    "open_weights",
    "self_hostable",
    "context_tokens",
    "param_count_b",
    "licence",
    "price_source",
    "offer_kind",
    "offer_label",
    "offer_basis",
    "price_flagged",
    "price_flag_reason",
    # a reasoning variant priced as its base model (pricing.variants); empty otherwise
    "priced_as",
    # self-hosted offers: the best case beside the realistic figure, and what each assumes (pricing.sizing)
    "cost_usd_best_case",
    "cost_assumptions",
    "measurement",
    "gpus_held",
    "average_utilisation",
)


@dataclass(frozen=True)
class CandidateOptions:
    """How to turn prices and scores into frontier candidates."""

    score_filter: str = "any"
    cost_kind: str = "blended"
    input_output_ratio: float = DEFAULT_INPUT_OUTPUT_RATIO
    cache_hit_rate: float = 0.0
    profile: WorkloadProfile = WorkloadProfile()
    offers: str = DEFAULT_OFFER_CHOICE  # which offers stand for a model: "maker", "cheapest" or "all"
    include_flagged: bool = False  # outlier prices are left out unless asked for
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    today: dt.date | None = None

    def __post_init__(self) -> None:
        if self.offers not in OFFER_CHOICES:
            raise ValueError(f"offer choice must be one of {tuple(OFFER_CHOICES)}, not {self.offers!r}")
        if self.score_filter not in SCORE_FILTERS:
            raise ValueError(f"score filter must be one of {SCORE_FILTERS}, not {self.score_filter!r}")
        if self.cost_kind not in COST_KINDS:
            raise ValueError(f"cost kind must be one of {COST_KINDS}, not {self.cost_kind!r}")


@dataclass(frozen=True)
class CandidateFilters:
    """What the user narrows the candidates to; None means no constraint."""

    providers: tuple[str, ...] = ()
    open_weights_only: bool = False
    self_hostable_only: bool = False
    min_context_tokens: int | None = None
    min_quality: float | None = None
    max_cost_usd: float | None = None
    deployments: tuple[str, ...] = ()


def pick_scores(scores: pd.DataFrame, score_filter: str = "any") -> pd.DataFrame:
    """One score per model: independent scores first (unless excluded), then the latest, then the best."""
    if score_filter == "independent":
        scores = scores[~scores["self_reported"].astype(bool)]
    elif score_filter == "self-reported":
        scores = scores[scores["self_reported"].astype(bool)]
    if scores.empty:
        return scores
    ordered = scores.assign(
        _as_of=pd.to_datetime(scores["as_of"], errors="coerce"),
        _self=scores["self_reported"].astype(bool),
    ).sort_values(["model_id", "_self", "_as_of", "score"], ascending=[True, True, False, False])
    return ordered.groupby("model_id", as_index=False).head(1).drop(columns=["_as_of", "_self"])


def _nan_to_none(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _cost_of(row: pd.Series, options: CandidateOptions) -> float:
    price = TokenPrice(
        model_key=str(row["model_key"]),
        sheet_name=str(row["sheet_name"]),
        usd_per_1m_input=float(row["usd_per_1m_input"]),
        usd_per_1m_output=float(row["usd_per_1m_output"]),
        usd_per_1m_cached_input=_nan_to_none(row.get("usd_per_1m_cached_input")),
    )
    if options.cost_kind == "task":
        return per_task_usd(price, options.profile)
    return blended_usd_per_1m(price, options.input_output_ratio, options.cache_hit_rate)


def _join_scores(
    frame: pd.DataFrame, scores: pd.DataFrame, score_filter: str, suffixes: tuple[str, str]
) -> pd.DataFrame:
    """Rows of `frame` with a picked score, as quality / quality_source / quality_date (inner join on model_id)."""
    picked = pick_scores(scores, score_filter)
    return frame.merge(
        picked[["model_id", "score", "source", "as_of", "self_reported", "raw_model_name"]].rename(
            columns={"score": "quality", "source": "quality_source", "as_of": "quality_date"}
        ),
        on="model_id",
        how="inner",
        suffixes=suffixes,
    )


def build_candidates(
    prices: pd.DataFrame,
    scores: pd.DataFrame,
    models: pd.DataFrame,
    options: CandidateOptions,
    self_hosted: pd.DataFrame | None = None,
    quality_delta: Callable[[str], float] | None = None,
) -> pd.DataFrame:
    """Join offers to the chosen metric's scores and model facts; cost each offer as the options say.

    Offers priced at exactly zero (free tiers, local runtimes) are dropped: zero is not a price a
    budget can use, and would hide the real cost of running the model. Flagged prices are dropped
    unless `options.include_flagged`; of the rest, `options.offers` says which stand for each model.
    """
    today = options.today or dt.date.today()
    if not all(column in prices for column in OFFER_COLUMNS):
        prices = annotate_offers(prices, models)
    offers = prices.assign(deployment="API") if "deployment" not in prices else prices.copy()
    if self_hosted is not None and not self_hosted.empty:
        hosted = self_hosted.assign(
            offer_kind=SELF_HOSTED,
            offer_label=self_hosted["provider"],
            free_tier=False,
            price_flagged=False,
            price_flag_reason="",
        )
        offers = pd.concat([offers, hosted], ignore_index=True)
    offers = offers[offers["model_id"].notna()]
    offers = offers[(offers["usd_per_1m_input"] > 0) | (offers["usd_per_1m_output"] > 0)]
    joined = _join_scores(offers, scores, options.score_filter, suffixes=("", "_score"))
    if joined.empty:
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    joined = joined.rename(columns={"source": "price_source", "effective_date": "price_date"})
    if quality_delta is not None and "precision" in joined:
        # A quantised self-hosted model may score below the published (16-bit) result: apply the user's delta.
        hosted = joined["deployment"] == "self-hosted"
        joined.loc[hosted, "quality"] = joined.loc[hosted, "quality"] + joined.loc[hosted, "precision"].map(
            quality_delta
        )
    joined["cost_usd"] = joined.apply(_cost_of, axis=1, options=options)
    price_dates = pd.to_datetime(joined["price_date"], errors="coerce")
    age_days = (pd.Timestamp(today) - price_dates).dt.days
    joined["price_stale"] = age_days.isna() | (age_days > options.stale_after_days)
    facts = models.set_index("model_id")
    self_hostable = set(self_hosted["model_id"]) if self_hosted is not None else set()
    for column in ("display_name", "organisation", "open_weights", "context_tokens", "param_count_b", "licence"):
        joined[column] = joined["model_id"].map(facts[column]) if column in facts else None
    joined["display_name"] = joined["display_name"].fillna(joined["model_id"])
    if "context_tokens" in prices:
        joined["context_tokens"] = joined["context_tokens"].fillna(
            joined["model_id"].map(offers.groupby("model_id")["context_tokens"].max())
        )
    joined["self_hostable"] = joined["model_id"].isin(self_hostable).to_numpy() | _is_true(joined["open_weights"])
    if "usd_per_1m_output_best_case" in joined:
        # A self-hosted offer costs only output tokens, so its best case scales its cost by the output prices' ratio.
        best_share = joined["usd_per_1m_output_best_case"] / joined["usd_per_1m_output"].where(
            joined["usd_per_1m_output"] > 0
        )
        joined["cost_usd_best_case"] = joined["cost_usd"] * best_share
    joined = choose_offers(joined, options.offers, options.include_flagged, cost_column="cost_usd")
    for column in CANDIDATE_COLUMNS:
        if column not in joined:
            joined[column] = None
    return joined[list(CANDIDATE_COLUMNS)].reset_index(drop=True)


def _is_true(column: pd.Series) -> np.ndarray:
    """Element-wise `is True`, with unknown (None/NA) counted as not true."""
    return np.array([value is True or value is np.True_ for value in column], dtype=bool)


def filter_candidates(candidates: pd.DataFrame, filters: CandidateFilters) -> pd.DataFrame:
    """Apply the user's filters."""
    keep = np.ones(len(candidates), dtype=bool)
    if filters.providers:
        keep &= candidates["provider"].isin(filters.providers).to_numpy()
    if filters.deployments:
        keep &= candidates["deployment"].isin(filters.deployments).to_numpy()
    if filters.open_weights_only:
        keep &= _is_true(candidates["open_weights"])
    if filters.self_hostable_only:
        keep &= _is_true(candidates["self_hostable"])
    if filters.min_context_tokens:
        keep &= (pd.to_numeric(candidates["context_tokens"], errors="coerce") >= filters.min_context_tokens).to_numpy()
    if filters.min_quality is not None:
        keep &= (candidates["quality"] >= filters.min_quality).to_numpy()
    if filters.max_cost_usd is not None:
        keep &= (candidates["cost_usd"] <= filters.max_cost_usd).to_numpy()
    return candidates[keep].reset_index(drop=True)


def frontier_of(candidates: pd.DataFrame, quality_higher_is_better: bool = True) -> pd.DataFrame:
    """Candidates with `on_frontier` marked (cost lower is better)."""
    return mark_frontier(candidates, "cost_usd", "quality", True, quality_higher_is_better)


PERFORMANCE_COLUMNS = (
    "model_id", "display_name", "organisation", "provider", "model_key", "deployment", "output_tokens_per_s",
    "ttft_ms", "measured_by", "measured_date", "quality", "quality_source", "quality_date", "self_reported",
    "raw_model_name", "open_weights", "self_hostable", "context_tokens",
)  # fmt: skip


def build_performance_candidates(
    performance: pd.DataFrame, scores: pd.DataFrame, models: pd.DataFrame, score_filter: str = "any"
) -> pd.DataFrame:
    """Provider offers with measured speed and latency, joined to one metric's scores and model facts."""
    joined = _join_scores(performance, scores, score_filter, suffixes=("_measured", ""))
    if joined.empty:
        return pd.DataFrame(columns=list(PERFORMANCE_COLUMNS))
    joined = joined.rename(columns={"source": "measured_by", "as_of": "measured_date"})
    facts = models.set_index("model_id")
    for column in ("display_name", "organisation", "open_weights", "context_tokens"):
        joined[column] = joined["model_id"].map(facts[column]) if column in facts else None
    joined["display_name"] = joined["display_name"].fillna(joined["model_id"])
    joined["deployment"] = "API"
    joined["self_hostable"] = _is_true(joined["open_weights"])
    return joined[list(PERFORMANCE_COLUMNS)].reset_index(drop=True)
