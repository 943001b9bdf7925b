"""Spend planning use cases, shared by the CLI and the Projections page: turn stored usage, prices, GPU
prices and throughput into projection inputs, and a saved or linked scenario back into a projection.

No Streamlit, no SQL: reads go through the store, maths through `projection` and `sizing`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ConfigDict

from pricing import service
from pricing.candidates import CandidateOptions
from pricing.cost import TokenPrice
from pricing.exports import fmt_date
from pricing.gpus import GpuHourlyPrice, pick_gpu_price
from pricing.measured_throughput import measured_throughput
from pricing.metrics import DEFAULT_METRIC
from pricing.offers import FREE_TIER
from pricing.planning import readable
from pricing.planning.breakeven import what_would_win, win_text
from pricing.planning.links import decode_scenario, encode_scenario
from pricing.planning.projection import (
    GROWTH_SHIFT,
    TREND_PUBLISHERS,
    VOLUME_SCALE,
    ApiOption,
    DeclineRate,
    HeadToHead,
    HybridOption,
    MonteCarloResult,
    Option,
    ProjectionInputs,
    ProjectionResult,
    SelfHostOption,
    centred_scale,
    centred_shift,
    decode,
    default_decline_rates,
    fit_growth,
    monte_carlo,
    project,
    self_host_detail,
    tornado,
)
from pricing.planning.usage_files import UsageLoad
from pricing.sizing import (
    DEFAULT_HEADROOM,
    DEFAULT_TARGET_UTILISATION,
    OwnershipCosts,
    gpu_spec,
    pick_measurement,
    plan_from_measurement,
    plan_from_sizing,
    request_lengths,
)
from pricing.store import PROJECT_ROOT, Store
from pricing.usage import resolve_model

DATA_DIR = PROJECT_ROOT / "data"
CAPABILITY_DECLINE_SOURCE = TREND_PUBLISHERS["a16z_llmflation"]  # the capability-level trend, a choice of its own
FLAT_LIST_PRICE = "list price, held flat"
CAPABILITY_LEVEL = "the cheapest model at this quality, re-chosen each year"
PRICE_HISTORY_FILE = "simonw_llm_prices_history.csv"
PRICE_HISTORY_URL = "https://github.com/simonw/llm-prices"
DEFAULT_SELF_HOST_MODEL = "llama-3.3-70b-instruct"  # the open model sized by default, which API defaults match


@dataclass(frozen=True)
class UsageSummary:
    """Monthly history of one upload (all workloads or one), as the projection needs it.

    Projections start from the latest month's volume, so they price it with the latest months' mix too:
    `input_output_ratio` and `cached_share` come from the last `mix_months` months (default the latest one);
    the whole history's averages are kept beside them to show how far the mix has moved.
    """

    months: tuple[str, ...]
    output_tokens: tuple[float, ...]
    input_tokens: tuple[float, ...]
    requests: tuple[float, ...]
    input_output_ratio: float
    cached_share: float
    mix_months: tuple[str, ...] = ()
    history_input_output_ratio: float | None = None
    history_cached_share: float | None = None

    @property
    def base_output_tokens(self) -> float:
        """The latest month's output tokens, where projections start."""
        return self.output_tokens[-1] if self.output_tokens else 0.0

    @property
    def mix_window(self) -> str:
        """The months whose input:output and cache mix prices the projection, in words."""
        if not self.mix_months:
            return "the whole history"
        if len(self.mix_months) == 1:
            latest = ", the latest month" if self.months and self.mix_months[-1] == self.months[-1] else ""
            return f"{self.mix_months[0]}{latest}"
        return f"{self.mix_months[0]} to {self.mix_months[-1]}, the latest {len(self.mix_months)} months"

    @property
    def mix_text(self) -> str:
        """The mix used, its window, and the whole history's for comparison."""
        text = (
            f"input:output {self.input_output_ratio:.2f}:1 and {self.cached_share:.1%} of input from cache, "
            f"the mix of {self.mix_window}"
        )
        if self.history_input_output_ratio is not None and self.history_cached_share is not None:
            text += (
                f" (the whole history averages {self.history_input_output_ratio:.2f}:1 and "
                f"{self.history_cached_share:.1%})"
            )
        return text


def _mix(per_month: pd.DataFrame) -> tuple[float, float]:
    output_total = float(per_month["output_tokens"].sum())
    input_total = float(per_month["input_tokens"].sum())
    return (
        input_total / output_total if output_total else 0.0,
        float(per_month["cached_input_tokens"].sum()) / input_total if input_total else 0.0,
    )


def summarise_usage(monthly: pd.DataFrame, workload: str | None = None, mix_months: int = 1) -> UsageSummary:
    """Sum workloads (or pick one) per month; the input:output and cache mix come from the last `mix_months`."""
    if mix_months < 1:
        raise ValueError(f"the mix needs at least one month (got {mix_months})")
    frame = monthly if workload is None else monthly[monthly["workload"] == workload]
    if frame.empty:
        raise ValueError(f"no usage for workload {workload!r}" if workload else "the usage has no rows")
    per_month = (
        frame.assign(month=pd.to_datetime(frame["month"]).dt.strftime("%Y-%m"))
        .groupby("month")[["requests", "input_tokens", "output_tokens", "cached_input_tokens"]]
        .sum()
        .sort_index()
    )
    window = per_month.tail(mix_months)
    ratio, cached = _mix(window)
    history_ratio, history_cached = _mix(per_month)
    return UsageSummary(
        months=tuple(per_month.index),
        output_tokens=tuple(float(v) for v in per_month["output_tokens"]),
        input_tokens=tuple(float(v) for v in per_month["input_tokens"]),
        requests=tuple(float(v) for v in per_month["requests"]),
        input_output_ratio=ratio,
        cached_share=cached,
        mix_months=tuple(window.index),
        history_input_output_ratio=history_ratio,
        history_cached_share=history_cached,
    )


def save_upload(store: Store, load: UsageLoad, *, created_by: str | None = None) -> str:
    """Keep an uploaded usage file's monthly volumes, with who uploaded it (default FRONTIER_USER); returns its id."""
    upload_id = uuid.uuid4().hex[:10]
    monthly = load.monthly.assign(month=pd.to_datetime(load.monthly["month"]).dt.date)
    store.save_usage(upload_id, load.file_name, load.kind, load.rows_read, monthly, created_by=created_by)
    return upload_id


def list_price_changes(data_dir: Path = DATA_DIR) -> tuple[int, int, int]:
    """In the shipped list-price history: models, how many changed price, and how many of those rose."""
    history = pd.read_csv(data_dir / PRICE_HISTORY_FILE)
    changed = raised = 0
    for _, rows in history.groupby("model_id"):
        if len(rows) < 2:
            continue
        changed += 1
        dated = rows.assign(_from=pd.to_datetime(rows["from_date"], errors="coerce")).sort_values(
            "_from", na_position="first"
        )
        first, last = dated.iloc[0], dated.iloc[-1]
        if float(last["output_usd_per_1m"]) > float(first["output_usd_per_1m"]):
            raised += 1
    return int(history["model_id"].nunique()), changed, raised


def flat_list_price() -> DeclineRate:
    """The default for a named API model: its list price held flat, with how rarely list prices move."""
    models, changed, raised = list_price_changes()
    return DeclineRate(
        0.0,
        f"{FLAT_LIST_PRICE}: a named model's list price rarely moves ({changed} of {models} models in the shipped "
        f"price history changed price, {raised} of them upward; simonw/llm-prices)",
        PRICE_HISTORY_URL,
        label="each model's list price held",
    )


def capability_decline() -> DeclineRate:
    """The capability-level trend as its own choice: the cheapest model at this quality, re-chosen each year."""
    trend = next(r for r in default_decline_rates(DATA_DIR) if r.source.startswith(CAPABILITY_DECLINE_SOURCE))
    return DeclineRate(
        trend.value_per_year,
        f"{CAPABILITY_LEVEL}: the cost of a constant capability falls {trend.value_per_year:g}x a year as newer, "
        "cheaper models arrive (a16z LLMflation, Nov 2024; Epoch AI finds 9x to 900x a year by benchmark)",
        trend.source_url,
        trend.low_per_year,
        trend.high_per_year,
        label=CAPABILITY_LEVEL,
    )


def decline_rates() -> list[DeclineRate]:
    """API price-decline choices, the default first: list price held flat, the capability level, then every
    published trend we ship (a16z, Epoch, Gundlach, halving times, Epoch's fits), each with its source."""
    trends = [r for r in default_decline_rates(DATA_DIR)[1:] if not r.source.startswith(CAPABILITY_DECLINE_SOURCE)]
    return [flat_list_price(), capability_decline(), *trends]


def default_api_decline() -> DeclineRate:
    """The default API price decline: none. A named model is priced at its list price, held flat."""
    return flat_list_price()


def decline_label(rate: DeclineRate) -> str:
    """A decline choice as a select box shows it."""
    if rate.value_per_year == 0:
        return f"Flat: {rate.source}"
    return f"{rate.value_per_year:.3g}x a year: {rate.source}"


def decline_choice_label(rate: DeclineRate) -> str:
    """A decline choice in a few words, as a closed select box has room for (its caption gives the source)."""
    words = rate.label or rate.source
    if rate.value_per_year == 0:
        return f"Flat: {words}"
    return f"{rate.value_per_year:.3g}x a year: {words}"


def describe_decline(factor_per_year: float) -> str:
    """Words for a decline factor: the matching published choice, or the factor set by hand."""
    for rate in decline_rates():
        if math.isclose(rate.value_per_year, factor_per_year, rel_tol=1e-9) or (
            rate.value_per_year == 0 and factor_per_year in (0.0, 1.0)
        ):
            return rate.source
    if factor_per_year < 1:
        return f"prices rise {1 / factor_per_year:.3g}x a year (set by hand)"
    return f"prices fall {factor_per_year:g}x a year (set by hand)"


def api_option(
    store: Store, sheet_name: str, model: str, decline_per_year: float = 0.0, decline_source: str | None = None
) -> ApiOption:
    """An API option priced from a sheet (deployment prices included); unknown models raise with a hint.

    Prices are held flat unless a decline factor per year is given; `decline_source` says why (by default
    the matching published choice, see `describe_decline`).
    """
    prices = service.prices_with_deployments(store, sheet_name)
    resolved = resolve_model(model, prices, sheet_name)
    key = resolved.model_key
    row = prices[prices["model_key"] == key].iloc[0]
    cached = row["usd_per_1m_cached_input"]
    price = TokenPrice(
        model_key=key,
        sheet_name=str(row["sheet_name"]),
        usd_per_1m_input=float(row["usd_per_1m_input"]),
        usd_per_1m_output=float(row["usd_per_1m_output"]),
        usd_per_1m_cached_input=None if pd.isna(cached) else float(cached),
        effective_date=pd.Timestamp(row["effective_date"]).date(),
    )
    why = decline_source if decline_source is not None else describe_decline(decline_per_year)
    option = ApiOption.from_token_price(price, decline_per_year, why)
    # Which offer a name stood for, and why, travels with the option; a $0 free tier says so in its very name.
    return dataclasses.replace(
        option,
        name=f"{key} ({FREE_TIER}, $0)" if resolved.free_tier else key,
        source=f"{option.source}; {resolved.offer_label}: {resolved.reason}",
    )


@dataclass(frozen=True)
class DefaultModel:
    """An API model offered by default, with why it was chosen (metric, score, price and their sources)."""

    model_key: str  # the sheet's key, which names the API option
    model_id: str
    quality: float
    role: str  # "like-for-like" or "frontier"
    reason: str


def default_api_models(
    store: Store,
    sheet_name: str | None = None,
    metric_id: str = DEFAULT_METRIC,
    match_model_id: str = DEFAULT_SELF_HOST_MODEL,
) -> tuple[DefaultModel, ...]:
    """The API options every page and command starts from, chosen from the store's frontier for `metric_id`.

    Two models, so neither side is flattered: the cheapest API offer on the frontier that scores at least as
    well as `match_model_id` (the self-hosted model sized by default: like-for-like quality), and the
    best-scoring offer on the frontier (today's top model). Without a score for `match_model_id`, the first is
    the cheapest offer on the frontier. One model when both are the same.
    """
    sheet = sheet_name or service.default_sheet(store)
    result = service.frontier(store, metric_id, sheet, CandidateOptions(), self_host=None)
    metric = result.metric
    pool = result.candidates[result.candidates["on_frontier"].astype(bool)]
    pool = pool[(pool["usd_per_1m_input"] > 0) & (pool["usd_per_1m_output"] > 0)]
    if pool.empty:
        raise LookupError(f"no priced API model is scored on {metric.name} under '{sheet}': name the API options")

    def price_text(row: pd.Series) -> str:
        return (
            f"${float(row['usd_per_1m_input']):.4g}/${float(row['usd_per_1m_output']):.4g} per 1M input/output "
            f"tokens via {row['provider']} ('{sheet}')"
        )

    def score_text(row: pd.Series) -> str:
        when = fmt_date(row["quality_date"])
        return f"{float(row['quality']):,.4g} on {metric.name} ({row['quality_source']}, {when})"

    scored = result.candidates[result.candidates["model_id"] == match_model_id]
    sign = 1.0 if metric.higher_is_better else -1.0
    chosen: list[DefaultModel] = []
    if not scored.empty:
        anchor = float(scored["quality"].iloc[0])
        matching = pool[sign * pool["quality"] >= sign * anchor]
    else:
        anchor, matching = math.nan, pool.iloc[0:0]
    if not matching.empty:
        row = matching.sort_values(["cost_usd", "model_key"]).iloc[0]
        why = (
            f"the cheapest API offer on the {metric.name} frontier scoring at least as well as {match_model_id} "
            f"({anchor:,.4g}), the self-hosted model sized by default"
        )
    else:
        row = pool.sort_values(["cost_usd", "model_key"]).iloc[0]
        why = f"the cheapest API offer on the {metric.name} frontier ({match_model_id} has no score to match)"
    chosen.append(
        DefaultModel(
            str(row["model_key"]),
            str(row["model_id"]),
            float(row["quality"]),
            "like-for-like",
            f"{why}: {score_text(row)}, {price_text(row)}",
        )
    )
    top = pool.assign(_rank=sign * pool["quality"]).sort_values(["_rank", "cost_usd"], ascending=[False, True])
    row = top.iloc[0]
    if str(row["model_key"]) != chosen[0].model_key:
        chosen.append(
            DefaultModel(
                str(row["model_key"]),
                str(row["model_id"]),
                float(row["quality"]),
                "frontier",
                f"the best-scoring API offer on the {metric.name} frontier, today's top model: {score_text(row)}, "
                f"{price_text(row)}",
            )
        )
    return tuple(chosen)


def gpu_hourly_price(store: Store, gpu: str, price_type: str = "on-demand") -> tuple[float, str]:
    """The latest stored hourly price of a GPU of the wanted kind, and where it came from.

    A reserved (or other) kind with no stored rate for that GPU falls back to the on-demand rate and the
    text says so ("priced at on-demand, no reserved rate known"), so it is never shown as a saving.
    """
    price = pick_gpu_price(store.gpu_prices(), gpu_spec(gpu).name, price_type)
    return price.usd_per_gpu_hour, price.describe()


def self_host_option(
    store: Store,
    model_id: str,
    gpu: str,
    precision: str,
    ownership: OwnershipCosts,
    input_output_ratio: float,
    context_tokens: int = 8192,
    gpu_price_decline_per_year: float = 0.0,
    name: str | None = None,
    *,
    output_tokens_per_request: float | None = None,
    headroom: float = DEFAULT_HEADROOM,
    target_utilisation: float = DEFAULT_TARGET_UTILISATION,
) -> SelfHostOption:
    """A self-host option: the measured setup nearest the workload (else memory + roofline), GPUs paid as chosen.

    The plan names the stored GPU price its hourly rate matches (kind, source, date), or "set by you". A
    reserved plan priced at the on-demand rate says so in its price source and its name.
    """
    spec = gpu_spec(gpu)
    workload = request_lengths(input_output_ratio, output_tokens_per_request)
    measurements = measured_throughput(store)
    price = _stored_price_for(store, spec.name, ownership)
    models = store.models().set_index("model_id")
    params = models["param_count_b"].get(model_id) if "param_count_b" in models else None
    if params is None or pd.isna(params):
        measured = pick_measurement(measurements, model_id, spec, precision, workload)
        if measured is None:
            raise ValueError(
                f"no parameter count for {model_id} and no stored measurement on {spec.name} at {precision}: "
                "pick an open model with a known size"
            )
        plan = plan_from_measurement(measured, ownership, headroom, target_utilisation, price)
    else:
        plan = plan_from_sizing(
            model_id,
            float(params),
            precision,
            spec.name,
            ownership,
            context_tokens=context_tokens,
            measurements=measurements,
            headroom=headroom,
            target_utilisation=target_utilisation,
            workload=workload,
            gpu_price=price,
        )
    mode = "reserved at the on-demand rate" if plan.reserved_at_on_demand_rate else ownership.mode
    return SelfHostOption(name or f"self-host {model_id} on {gpu} ({mode})", plan, gpu_price_decline_per_year)


def _stored_price_for(store: Store, gpu: str, ownership: OwnershipCosts) -> GpuHourlyPrice | None:
    """The stored price an ownership's hourly rate was taken from: of its own kind, else the on-demand one."""
    if not ownership.is_rented:
        return None
    prices = store.gpu_prices()
    candidates: list[GpuHourlyPrice] = []
    for kind in dict.fromkeys((ownership.mode, "on-demand")):
        try:
            candidates.append(pick_gpu_price(prices, gpu, kind))
        except ValueError:
            continue
    for price in candidates:
        if not math.isclose(price.usd_per_gpu_hour, ownership.usd_per_gpu_hour, abs_tol=0.005):
            continue
        if price.wanted_type == ownership.mode:
            return price
        # The caller gave reserved GPUs the on-demand rate although a reserved rate is stored: say both.
        own_kind = candidates[0]
        note = (
            f"a {ownership.mode} rate is stored ({own_kind.describe()}) but this plan was given the "
            f"{price.price_type} rate"
            if own_kind.price_type == ownership.mode
            else ""
        )
        return dataclasses.replace(price, wanted_type=ownership.mode, note=note)
    return None


def build_inputs(
    usage: UsageSummary | None,
    options: tuple[Option, ...],
    horizon_months: int,
    growth_model: str = "best",
    monthly_growth: float = 0.0,
    base_output_tokens: float | None = None,
    peak_to_average: float = 2.0,
    input_output_ratio: float | None = None,
    cached_share: float | None = None,
) -> ProjectionInputs:
    """Projection inputs from usage history (fitted growth) or a manual base volume and growth."""
    history = usage.output_tokens if usage is not None else ()
    fitted = growth_model != "constant" and len(history) >= 4
    return ProjectionInputs(
        options=options,
        horizon_months=horizon_months,
        base_output_tokens_per_month=float(
            base_output_tokens if base_output_tokens is not None else (usage.base_output_tokens if usage else 1e9)
        ),
        input_output_ratio=input_output_ratio
        if input_output_ratio is not None
        else (usage.input_output_ratio if usage else 3.0),
        cached_share=cached_share if cached_share is not None else (usage.cached_share if usage else 0.0),
        growth_model=growth_model if fitted else "constant",
        monthly_growth=monthly_growth,
        history_output_tokens=history if fitted else (),
        peak_to_average=peak_to_average,
    )


# Fields of the Monte Carlo spread before it was centred on the scenario; old saved scenarios and links carry them.
_OLD_UNCERTAINTY_FIELDS = {
    "monthly_growth_sd",
    "api_decline_low_per_year",
    "api_decline_high_per_year",
    "peak_to_average_low",
    "peak_to_average_high",
}
MAX_PATHS = 200_000


@dataclass(frozen=True)
class Uncertainty:
    """How far the Monte Carlo moves each input from the scenario's own value; every draw is centred there.

    Growth: the scenario's volume path (its constant rate or its fitted curve) with extra growth a month
    drawn evenly from -spread to +spread. Price declines and peak-to-average: the scenario's value (each API
    option's own decline, each rented fleet's GPU price decline; flat counts as 1x a year) times a factor
    drawn evenly in log space between 1/spread and spread, so a flat list price may rise or fall. A spread of
    0 (growth) or 1 (factors) holds that input at the scenario's value.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    growth_spread_per_month: float = 0.02
    api_decline_spread: float = 1.5
    gpu_decline_spread: float = 1.25
    peak_to_average_spread: float = 1.25
    n_paths: int = 10_000
    seed: int = 0

    def __post_init__(self) -> None:
        if not math.isfinite(self.growth_spread_per_month) or not 0 <= self.growth_spread_per_month < 1:
            raise ValueError(f"growth spread must be 0 to 100% a month (got {self.growth_spread_per_month})")
        for name in ("api_decline_spread", "gpu_decline_spread", "peak_to_average_spread"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 1 <= value <= 100:
                raise ValueError(f"{name.replace('_', ' ')} must be a factor from 1 (certain) to 100 (got {value})")
        if not 1 <= self.n_paths <= MAX_PATHS:
            raise ValueError(f"paths must be 1 to {MAX_PATHS:,} (got {self.n_paths})")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Uncertainty:
        """The spread back from a saved scenario; one saved before draws were centred keeps its paths and seed."""
        kept = {k: v for k, v in data.items() if k not in _OLD_UNCERTAINTY_FIELDS}
        uncertainty: Uncertainty = decode(cls, kept, "uncertainty")
        return uncertainty

    def describe(self) -> list[tuple[str, str]]:
        """Each uncertain input and how it is drawn, in words (for the page, the CLI and the report)."""

        def factor(spread: float, what: str) -> str:
            if spread <= 1:
                return f"held at {what} (no spread)"
            return f"{what} x/÷ up to {spread:g}, drawn evenly in log space (median: the scenario's value)"

        spread = self.growth_spread_per_month
        growth = (
            f"the scenario's volume path (constant rate or fitted curve) with an extra -{spread:.1%} to "
            f"+{spread:.1%} of growth a month, drawn evenly (median: the plan)"
            if self.growth_spread_per_month > 0
            else "held at the scenario's volume path (no spread)"
        )
        return [
            ("Monthly volume growth", growth),
            ("API price decline", factor(self.api_decline_spread, "each API option's own decline per year")
             + "; one market draw per path for every API option; a flat list price counts as 1x and may rise"),
            ("GPU rental price decline", factor(self.gpu_decline_spread, "each rented fleet's own GPU price decline")
             + "; bought GPUs are unaffected"),
            ("Peak-hour / average traffic", factor(self.peak_to_average_spread, "the scenario's peak-to-average")
             + ", never below 1"),
            ("Paths", f"{self.n_paths:,} (seed {self.seed})"),
        ]  # fmt: skip


def run_monte_carlo(inputs: ProjectionInputs, uncertainty: Uncertainty) -> MonteCarloResult:
    """P10/P50/P90 bands with every draw centred on the scenario's own values, spread as `uncertainty` says."""
    return monte_carlo(
        inputs,
        growth_shift=centred_shift(uncertainty.growth_spread_per_month),
        api_decline_scale=centred_scale(uncertainty.api_decline_spread),
        gpu_decline_scale=centred_scale(uncertainty.gpu_decline_spread),
        peak_to_average_scale=centred_scale(uncertainty.peak_to_average_spread),
        n_paths=uncertainty.n_paths,
        seed=uncertainty.seed,
    )


def sensitivity(inputs: ProjectionInputs, option: str, versus: str | None = None) -> pd.DataFrame:
    """Tornado of the horizon TCO of an option (or its difference to another) over the main inputs."""
    ranges: dict[str, tuple[float, float]] = {
        "monthly_growth": (inputs.monthly_growth - 0.03, inputs.monthly_growth + 0.03),
        "peak_to_average": (max(1.0, inputs.peak_to_average * 0.75), inputs.peak_to_average * 1.5),
        "input_output_ratio": (inputs.input_output_ratio * 0.5, inputs.input_output_ratio * 1.5),
        # Every month's volume, halved and doubled: a fitted curve ignores the base volume, so moving only that
        # would show volume as moving nothing.
        VOLUME_SCALE: (0.5, 2.0),
    }
    if inputs.growth_model != "constant":  # a fitted curve has no rate to set: growth is moved on top of the curve
        ranges.pop("monthly_growth")
        ranges[GROWTH_SHIFT] = (-0.03, 0.03)
    for opt in inputs.options:
        if isinstance(opt, ApiOption) and opt.name in (option, versus):
            # x/÷ 2 around the option's own factor (flat counts as 1): as likely to move up as down.
            base = opt.price_decline_factor_per_year or 1.0
            ranges[f"{opt.name}.price_decline_factor_per_year"] = (base / 2, base * 2)
        if isinstance(opt, SelfHostOption) and opt.name in (option, versus):
            ownership = opt.plan.ownership
            if ownership.mode == "bought":
                ranges[f"{opt.name}.plan.ownership.purchase_usd_per_gpu"] = (
                    ownership.purchase_usd_per_gpu * 0.7,
                    ownership.purchase_usd_per_gpu * 1.3,
                )
            else:
                ranges[f"{opt.name}.plan.ownership.usd_per_gpu_hour"] = (
                    ownership.usd_per_gpu_hour * 0.7,
                    ownership.usd_per_gpu_hour * 1.3,
                )
            ranges[f"{opt.name}.plan.replica_output_tokens_per_s"] = (
                opt.plan.replica_output_tokens_per_s * 0.5,
                opt.plan.replica_output_tokens_per_s * 1.5,
            )
    frame = tornado(inputs, ranges, option, versus)
    self_hosted = {o.name for o in inputs.options if isinstance(o, SelfHostOption)}
    frame["label"] = [
        readable.sensitivity_label(key, self_hosted=key.split(".plan.", 1)[0] in self_hosted) for key in frame["input"]
    ]
    first_month = float(inputs.output_tokens()[0])
    for end in ("low", "high"):
        pairs = zip(frame["input"], frame[f"{end}_value"], strict=True)
        frame[f"{end}_text"] = [
            readable.volume_scale_value(value, first_month)
            if key == VOLUME_SCALE
            else readable.sensitivity_value(key, value)
            for key, value in pairs
        ]
    return frame


@dataclass(frozen=True)
class Scenario:
    """A named scenario: the projection inputs, the usage it came from and the Monte Carlo spread.

    `mix_window` names the months whose input:output and cache mix the inputs use; `notes` are assumptions in
    words that the inputs do not say themselves (why each default option was chosen).
    """

    name: str
    inputs: ProjectionInputs
    upload_id: str | None = None
    workload: str | None = None
    uncertainty: Uncertainty = Uncertainty()
    mix_window: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "inputs": self.inputs.to_dict(),
            "upload_id": self.upload_id,
            "workload": self.workload,
            "uncertainty": dataclasses.asdict(self.uncertainty),
            "mix_window": self.mix_window,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Scenario:
        """A scenario back from `to_dict`'s output (also one saved before the mix window and notes were kept).

        Untrusted (links, saved rows): every field is type-checked by pydantic, down to each option, and an unknown
        key is refused; ValueError names the field."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a scenario is an object, not {type(data).__name__}")
        if not isinstance(data.get("inputs"), Mapping):
            raise ValueError("the scenario has no inputs")
        fields: _ScenarioFields = decode(_ScenarioFields, data, "scenario")
        return cls(
            name=fields.name or "Unnamed scenario",
            inputs=ProjectionInputs.from_dict(fields.inputs),
            upload_id=fields.upload_id,
            workload=fields.workload,
            uncertainty=Uncertainty.from_dict(fields.uncertainty) if fields.uncertainty else Uncertainty(),
            mix_window=fields.mix_window,
            notes=fields.notes,
        )


@dataclass(frozen=True)
class _ScenarioFields:
    """A scenario's own fields as a link or a saved row holds them, for pydantic to check (inputs: see from_dict)."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    inputs: dict[str, Any]
    name: str = "Unnamed scenario"
    upload_id: str | None = None
    workload: str | None = None
    uncertainty: dict[str, Any] | None = None
    mix_window: str | None = None
    notes: tuple[str, ...] = ()


def save_scenario(store: Store, scenario: Scenario, *, created_by: str | None = None) -> None:
    """Save a scenario with every assumption, as `created_by` (default FRONTIER_USER); ScenarioConflict if another
    user saved that name."""
    if not scenario.name.strip():
        raise ValueError("give the scenario a name")
    store.save_scenario(
        scenario.name.strip(), json.dumps(scenario.to_dict()), scenario.upload_id, created_by=created_by
    )


def load_scenario(store: Store, name: str) -> Scenario:
    """A saved scenario by name; unknown names list the saved ones."""
    row = store.scenario(name)
    if row.empty:
        known = ", ".join(store.scenarios()["name"]) or "none saved yet"
        raise LookupError(f"no scenario named {name!r}; saved scenarios: {known}")
    return Scenario.from_dict(json.loads(row.iloc[0]["inputs_json"]))


BREAK_EVEN_RULE = (
    "break-even is the first month from which an option's cumulative spend stays at or below the API option's "
    "to the end of the horizon"
)


@dataclass(frozen=True)
class Outcome:
    """A projection with its break-even months, head-to-head comparisons and cheapest option."""

    result: ProjectionResult
    break_even: dict[str, dict[str, int | None]]
    cheapest: str
    head_to_head: dict[str, dict[str, HeadToHead]] = dataclasses.field(default_factory=dict)


def outcome(inputs: ProjectionInputs) -> Outcome:
    """Project a scenario; each self-host or hybrid option against each API option (break-even, saving, lead)."""
    result = project(inputs)
    api = [o.name for o in inputs.options if isinstance(o, ApiOption)]
    own = [o.name for o in inputs.options if isinstance(o, SelfHostOption | HybridOption)]
    versus = {name: {other: result.head_to_head(name, other) for other in api} for name in own}
    breaks = {name: {other: h.break_even_month for other, h in against.items()} for name, against in versus.items()}
    return Outcome(result, breaks, str(result.cheapest), versus)


@dataclass(frozen=True)
class SelfHostChoice:
    """The self-hosting option a user picked: an open model on a GPU at a precision, paid as `ownership`."""

    model_id: str
    gpu: str
    precision: str
    ownership: OwnershipCosts
    input_output_ratio: float


@dataclass(frozen=True)
class ScenarioOptions:
    """The options of a scenario, the self-hosted one among them (if any), and what could not be priced."""

    options: tuple[Option, ...]
    self_host: SelfHostOption | None
    problems: tuple[str, ...]


def scenario_options(
    store: Store,
    sheet_name: str,
    api_models: Sequence[str],
    decline: DeclineRate,
    self_host: SelfHostChoice | None = None,
    hybrid_share_self_hosted: float = 0.0,
) -> ScenarioOptions:
    """API options priced from a sheet, a sized self-hosting option and a hybrid of it with the first API option
    (`hybrid_share_self_hosted` of the traffic self-hosted, strictly between 0 and 1); what fails is a problem."""
    options: list[Option] = []
    problems: list[str] = []
    for model in api_models:
        try:
            options.append(api_option(store, sheet_name, model, decline.value_per_year, decline.source))
        except (LookupError, ValueError) as exc:
            problems.append(str(exc))
    own = None
    if self_host is not None:
        try:
            own = self_host_option(
                store,
                self_host.model_id,
                self_host.gpu,
                self_host.precision,
                self_host.ownership,
                self_host.input_output_ratio,
            )
            options.append(own)
        except ValueError as exc:
            problems.append(f"Self-hosting {self_host.model_id} on {self_host.gpu}: {exc}")
    share = hybrid_share_self_hosted
    if own is not None and 0 < share < 1 and options and options[0] is not own:
        name = f"hybrid {round(share * 100)}% self-hosted"
        options.append(HybridOption(name, ((own.name, share), (options[0].name, 1 - share))))
    return ScenarioOptions(tuple(options), own, tuple(problems))


MAX_WIN_CONDITIONS = 3  # comparisons without a break-even that get their 'what would make it win' (0.2-1 s each)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything the Projections page and the report show of one scenario: the deterministic outcome, totals
    cheapest first, the Monte Carlo with its bands per option, the TCO table (plan beside P10/P50/P90, mean and
    share of paths cheapest), the head-to-head comparisons and the sensitivity of the first self-hosted option
    against the first API option (None without both, or when not asked for)."""

    outcome: Outcome
    totals: pd.Series
    monte_carlo: MonteCarloResult
    bands: dict[str, pd.DataFrame]
    tco: pd.DataFrame
    comparisons: tuple[HeadToHead, ...]
    monthly: pd.DataFrame
    sensitivity: pd.DataFrame | None
    sensitivity_of: tuple[str, str] | None
    # For comparisons without a break-even (the first few): what would make the option break even, in words.
    win_conditions: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)


def evaluate(inputs: ProjectionInputs, uncertainty: Uncertainty, *, with_sensitivity: bool = True) -> Evaluation:
    """Project a scenario, run its Monte Carlo and its sensitivity: one call for everything the results show.

    Without `with_sensitivity` the tornado is left out (None), for a caller that picks its own pair (the report
    focuses on the option it recommends).
    """
    result = outcome(inputs)
    totals = horizon_totals(result.result)
    mc = run_monte_carlo(inputs, uncertainty)
    tco = mc.tco.assign(plan=totals.reindex(mc.tco.index), prob_cheapest=mc.prob_cheapest)
    own = [o.name for o in inputs.options if o.name in result.break_even]
    api = [o for o in result.result.monthly_usd.columns if o not in result.break_even]
    pair = (own[0], api[0]) if own and api and with_sensitivity else None
    comparisons = tuple(h for against in result.head_to_head.values() for h in against.values())
    no_break_even = [h for h in comparisons if h.break_even_month is None][:MAX_WIN_CONDITIONS]
    wins = {
        (h.option, h.versus): win_text(h.option, h.versus, h.horizon_months, conditions)
        for h in no_break_even
        if (conditions := what_would_win(inputs, h.option, h.versus))
    }
    return Evaluation(
        outcome=result,
        totals=totals,
        monte_carlo=mc,
        bands={name: paths_bands(mc, name) for name in result.result.monthly_usd.columns},
        tco=tco[["plan", "p10", "p50", "p90", "mean", "prob_cheapest"]],
        comparisons=comparisons,
        monthly=monthly_table(result.result),
        sensitivity=sensitivity(inputs, *pair) if pair else None,
        sensitivity_of=pair,
        win_conditions=wins,
    )


def month_ranges(months: tuple[int, ...]) -> str:
    """Months as compact ranges: (1, 2, 3, 7) -> "1-3, 7"."""
    runs: list[list[int]] = []
    for month in months:
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def head_to_head_text(h: HeadToHead) -> str:
    """One sentence: break-even (or none), the saving at the horizon, and the months the option leads."""
    n = h.horizon_months
    if h.break_even_month is not None:
        head = f"{h.option} breaks even against {h.versus} in month {h.break_even_month}"
    else:
        head = f"{h.option} has no break-even against {h.versus} within {n} months"
    money = (
        f"over the {n} months it saves ${h.saving_usd:,.0f}"
        if h.saving_usd >= 0
        else f"over the {n} months it costs ${-h.saving_usd:,.0f} more"
    )

    def share(months: tuple[int, ...]) -> str:
        ranges = f" (months {month_ranges(months)})" if 0 < len(months) < n else ""
        return f"{len(months)} of {n} months{ranges}"

    return (
        f"{head}: {money}; it is ahead on cumulative spend at the end of {share(h.months_ahead)}, and cheaper "
        f"month by month in {share(h.months_cheaper)}."
    )


def head_to_head_rows(o: Outcome) -> list[dict[str, object]]:
    """Each comparison as a flat row (for tables and JSON): break-even, saving, months cheaper and ahead."""
    return [
        {
            "option": h.option,
            "versus": h.versus,
            "break_even_month": h.break_even_month,
            "saving_usd": h.saving_usd,
            "months_ahead": len(h.months_ahead),
            "months_ahead_ranges": month_ranges(h.months_ahead),
            "months_cheaper": len(h.months_cheaper),
            "months_cheaper_ranges": month_ranges(h.months_cheaper),
            "horizon_months": h.horizon_months,
            "summary": head_to_head_text(h),
        }
        for against in o.head_to_head.values()
        for h in against.values()
    ]


def growth_label(inputs: ProjectionInputs) -> str:
    """The volume growth of a scenario in words: the fitted curve's label or the constant rate."""
    fit = inputs.growth_fit()
    return str(fit.label) if fit is not None else f"constant {inputs.monthly_growth:+.1%} per month"


def _gpu_price_source(plan: Any) -> str | None:
    # A plan may carry where its GPU price came from; the field's name is looked up rather than assumed.
    for name, value in dataclasses.asdict(plan).items():
        if "source" in name and ("price" in name or "usd" in name) and isinstance(value, str) and value:
            return value
    return None


def self_host_payload(inputs: ProjectionInputs) -> dict[str, dict[str, Any]]:
    """Per self-hosted option (and each hybrid's self-hosted part) and month: the fleet and its price, with the
    plan as stored (every field it carries), so an analyst can redo the sum."""
    by_name = {option.name: option for option in inputs.options}
    payload: dict[str, dict[str, Any]] = {}
    for option in inputs.options:
        if isinstance(option, SelfHostOption):
            parts = [(option, 1.0)]
        elif isinstance(option, HybridOption):
            parts = [
                (part, share)
                for name, share in option.shares
                if share > 0 and isinstance(part := by_name[name], SelfHostOption)
            ]
        else:
            continue
        for part, share in parts:
            plan = part.plan
            detail = self_host_detail(inputs, part, share)
            payload[option.name if part is option else f"{option.name}: {part.name}"] = {
                "option": option.name,
                "self_hosted_part": part.name,
                "share_of_traffic": share,
                "gpu": plan.gpu,
                "gpus_per_replica": plan.gpus_per_replica,
                "replica_output_tokens_per_s": plan.replica_output_tokens_per_s,
                "throughput_source": plan.throughput_source,
                "ownership_mode": plan.ownership.mode,
                "usd_per_gpu_hour": plan.ownership.usd_per_gpu_hour,
                "usd_per_gpu_hour_source": _gpu_price_source(plan) or "set in the scenario (no source recorded)",
                "gpu_price_decline_factor_per_year": part.gpu_price_decline_factor_per_year,
                "headroom": plan.headroom,
                "target_utilisation": plan.target_utilisation,
                "peak_to_average": inputs.peak_to_average,
                "hours_per_month": inputs.hours_per_month,
                "formula": "spend_usd = gpus x usd_per_gpu_hour x hours_per_month + capex_usd + ops_usd; replicas = "
                "ceil(peak_output_tokens_per_s x (1 + headroom) / (replica_output_tokens_per_s x target_utilisation))"
                "; committed (reserved, bought) fleets never shrink",
                "plan": dataclasses.asdict(plan),
                "months": [{k: _plain_number(v) for k, v in row.items()} for row in detail.to_dict("records")],
            }
    return payload


def _plain_number(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def bands_payload(mc: MonteCarloResult) -> dict[str, Any]:
    """The Monte Carlo's P10/P50/P90 per option and month (monthly and cumulative) and over the horizon."""

    def per_option(frame: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
        return {
            str(name): {label: [float(v) for v in rows[label]] for label in ("p10", "p50", "p90")}
            for name, rows in frame.groupby("option", sort=False)
        }

    return {
        "n_paths": mc.n_paths,
        "seed": mc.seed,
        "monthly_usd": per_option(mc.monthly),
        "cumulative_usd": per_option(mc.cumulative),
        "total_usd": {str(k): {c: float(v) for c, v in row.items()} for k, row in mc.tco.iterrows()},
        "share_of_paths_cheapest": {str(k): float(v) for k, v in mc.prob_cheapest.items()},
    }


def projection_payload(scenario: Scenario, o: Outcome, mc: MonteCarloResult | None) -> dict[str, Any]:
    """Everything `project --json` prints for a scenario: spend, bands, comparisons, self-hosting, assumptions."""
    inputs = scenario.inputs
    monthly = o.result.monthly_usd
    return {
        "currency": "USD",
        "scenario": scenario.name,
        "horizon_months": inputs.horizon_months,
        "options": [option.name for option in inputs.options],
        "monthly_spend_usd": {name: [float(v) for v in monthly[name]] for name in monthly.columns},
        "total_usd": {k: float(v) for k, v in o.result.total_usd.items()},
        "cheapest": o.cheapest,
        "break_even_month": o.break_even,
        "break_even_rule": BREAK_EVEN_RULE,
        "head_to_head": head_to_head_rows(o),
        "growth": growth_label(inputs),
        "volume_mix": {
            "input_output_ratio": inputs.input_output_ratio,
            "cached_share": inputs.cached_share,
            "window": scenario.mix_window or "set in the scenario",
        },
        "api_price_decline": {
            option.name: {
                "factor_per_year": option.price_decline_factor_per_year,
                "source": option.price_decline_source or describe_decline(option.price_decline_factor_per_year),
            }
            for option in inputs.options
            if isinstance(option, ApiOption)
        },
        "uncertainty": dataclasses.asdict(scenario.uncertainty) | {"draws": dict(scenario.uncertainty.describe())},
        "bands": bands_payload(mc) if mc is not None else None,
        "self_host": self_host_payload(inputs),
        "notes": list(scenario.notes),
    }


def monthly_table(result: ProjectionResult) -> pd.DataFrame:
    """Monthly spend per option with yearly subtotal rows, for display and download."""
    monthly = result.monthly_usd.copy()
    monthly.index = [f"month {m}" for m in monthly.index]
    yearly = result.yearly_usd.copy()
    yearly.index = [f"{label} subtotal" for label in yearly.index]
    return pd.concat([monthly, yearly, result.total_usd.to_frame().T.rename(index={0: "total"})])


def horizon_totals(result: ProjectionResult) -> pd.Series:
    """Total spend per option over the horizon, cheapest first."""
    return result.total_usd.sort_values()


def load_usage_summary(store: Store, upload_id: str, workload: str | None = None) -> UsageSummary:
    """The usage summary of a kept upload."""
    monthly = store.usage_monthly(upload_id)
    if monthly.empty:
        raise LookupError(f"no usage upload {upload_id!r}")
    return summarise_usage(monthly, workload)


def paths_bands(mc: MonteCarloResult, option: str) -> pd.DataFrame:
    """The P10/P50/P90 monthly bands of one option, indexed by month."""
    frame = mc.monthly[mc.monthly["option"] == option].set_index("month")
    return frame[["p10", "p50", "p90"]]


def read_usage_file(path: Path) -> UsageLoad:
    """Load a usage file from disk (CLI)."""
    from pricing.planning.usage_files import load_usage

    return load_usage(path, path.name)


def fit_labels(usage: UsageSummary) -> list[str]:
    """The growth curves fitted to a usage history, best first, as readable labels."""
    try:
        return [fit.label for fit in fit_growth(np.asarray(usage.output_tokens, dtype=float))]
    except ValueError:
        return []


GPU_PRICE_ASSUMPTION = (2.5, "no stored price: an assumption, set yours")  # USD per GPU-hour when none is stored


def form_gpu_price(store: Store, gpu: str, mode: str) -> tuple[float, str]:
    """The hourly rate a self-hosting form starts from, and its source: the stored rate of the mode's kind (bought
    GPUs show the on-demand rate), else an assumption that says so."""
    try:
        return gpu_hourly_price(store, gpu, "on-demand" if mode == "bought" else mode)
    except ValueError:
        return GPU_PRICE_ASSUMPTION


@dataclass(frozen=True, kw_only=True)
class SelfHostForm:
    """A self-hosting option as a form sets it: an open model on a GPU at a precision, and how the GPUs are paid.

    Rented GPUs (on-demand, reserved) are paid `usd_per_gpu_hour`; bought ones their purchase, recovered with the
    `capital` terms (cost of capital, life, residual value, power; defaults of `OwnershipCosts` for the rest).
    Each mode ignores the other's price.
    """

    model_id: str
    gpu: str
    precision: str
    mode: str
    usd_per_gpu_hour: float
    purchase_usd_per_gpu: float
    ops_usd_per_month: float
    capital: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def choice(self, input_output_ratio: float) -> SelfHostChoice:
        """The choice for a workload with this mix; ValueError for costs that cannot be."""
        bought = self.mode == "bought"
        terms: dict[str, Any] = dict(self.capital)
        ownership = OwnershipCosts(
            mode=self.mode,
            usd_per_gpu_hour=float(self.usd_per_gpu_hour) if not bought else 0.0,
            purchase_usd_per_gpu=float(self.purchase_usd_per_gpu) if bought else 0.0,
            ops_usd_per_month=float(self.ops_usd_per_month),
            **terms,
        )
        return SelfHostChoice(self.model_id, self.gpu, self.precision, ownership, float(input_output_ratio))


@dataclass(frozen=True, kw_only=True)
class Volumes:
    """Where a scenario's volumes come from: the usage of a kept upload (one workload or all), or typed by hand
    (`usage` None: `base_output_tokens` and `input_output_ratio` as typed)."""

    usage: UsageSummary | None = None
    upload_id: str | None = None
    workload: str | None = None
    base_output_tokens: float | None = None
    input_output_ratio: float | None = None

    @property
    def ratio(self) -> float:
        """Input tokens per output token: typed, else the usage's mix, else 3."""
        if self.input_output_ratio is not None:
            return float(self.input_output_ratio)
        return self.usage.input_output_ratio if self.usage is not None else 3.0


@dataclass(frozen=True, kw_only=True)
class ScenarioForm:
    """The assumptions a person sets on the Projections page, before they are a scenario; `defaults` are the default
    API options offered, so the scenario notes why each chosen one was a default."""

    volumes: Volumes
    horizon_months: int
    growth_model: str
    monthly_growth: float
    peak_to_average: float
    api_models: Sequence[str] = ()
    defaults: Sequence[DefaultModel] = ()

    def scenario(self, name: str, options: tuple[Option, ...], uncertainty: Uncertainty) -> Scenario:
        """The scenario these assumptions make with the options priced for them; ValueError when they cannot."""
        volumes = self.volumes
        inputs = build_inputs(
            volumes.usage,
            options,
            int(self.horizon_months),
            self.growth_model,
            self.monthly_growth,
            base_output_tokens=volumes.base_output_tokens,
            peak_to_average=float(self.peak_to_average),
            input_output_ratio=volumes.input_output_ratio,
        )
        chosen = {d.model_key: d for d in self.defaults}
        return Scenario(
            name=name,
            inputs=inputs,
            upload_id=volumes.upload_id,
            workload=volumes.workload,
            uncertainty=uncertainty,
            mix_window=volumes.usage.mix_window if volumes.usage is not None else None,
            notes=tuple(f"API option {m} (default): {chosen[m].reason}" for m in self.api_models if m in chosen),
        )


def scenario_link(scenario: Scenario) -> str:
    """The text a link carries to reproduce a scenario (`?s=...`)."""
    return encode_scenario(scenario.to_dict())


def scenario_from_link(token: str) -> Scenario:
    """The scenario a link carries; ValueError (ScenarioLinkError among them) or TypeError says what is wrong."""
    return Scenario.from_dict(decode_scenario(token))


def compare_scenarios(store: Store, names: Sequence[str]) -> pd.DataFrame:
    """Saved scenarios side by side, one row each: total spend per option over the scenario's own horizon (USD),
    the cheapest option and the horizon."""
    rows = {}
    for name in names:
        scenario = load_scenario(store, name)
        result = outcome(scenario.inputs)
        rows[name] = horizon_totals(result.result).to_dict() | {
            "cheapest": result.cheapest,
            "horizon (months)": scenario.inputs.horizon_months,
        }
    return pd.DataFrame(rows).T
