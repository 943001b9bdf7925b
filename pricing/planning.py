"""Spend planning use cases, shared by the CLI and the Projections page: turn stored usage, prices, GPU
prices and throughput into projection inputs, and a saved or linked scenario back into a projection.

No Streamlit, no SQL: reads go through the store, maths through `projection` and `sizing`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from pricing.cost import TokenPrice
from pricing.gpus import GpuHourlyPrice, pick_gpu_price
from pricing.projection import (
    ApiOption,
    DeclineRate,
    HybridOption,
    MonteCarloResult,
    Option,
    ProjectionInputs,
    ProjectionResult,
    SelfHostOption,
    default_decline_rates,
    fit_growth,
    monte_carlo,
    project,
    tornado,
)
from pricing.service import prices_with_deployments
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
from pricing.usage import resolve_model_key
from pricing.usage_files import UsageLoad

DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_API_DECLINE_SOURCE = "a16z_llmflation"


@dataclass(frozen=True)
class UsageSummary:
    """Monthly history of one upload (all workloads or one), as the projection needs it."""

    months: tuple[str, ...]
    output_tokens: tuple[float, ...]
    input_tokens: tuple[float, ...]
    requests: tuple[float, ...]
    input_output_ratio: float
    cached_share: float

    @property
    def base_output_tokens(self) -> float:
        """The latest month's output tokens, where projections start."""
        return self.output_tokens[-1] if self.output_tokens else 0.0


def summarise_usage(monthly: pd.DataFrame, workload: str | None = None) -> UsageSummary:
    """Sum workloads (or pick one) per month; ratios come from the whole history."""
    frame = monthly if workload is None else monthly[monthly["workload"] == workload]
    if frame.empty:
        raise ValueError(f"no usage for workload {workload!r}" if workload else "the usage has no rows")
    per_month = (
        frame.assign(month=pd.to_datetime(frame["month"]).dt.strftime("%Y-%m"))
        .groupby("month")[["requests", "input_tokens", "output_tokens", "cached_input_tokens"]]
        .sum()
        .sort_index()
    )
    output_total = float(per_month["output_tokens"].sum())
    input_total = float(per_month["input_tokens"].sum())
    return UsageSummary(
        months=tuple(per_month.index),
        output_tokens=tuple(float(v) for v in per_month["output_tokens"]),
        input_tokens=tuple(float(v) for v in per_month["input_tokens"]),
        requests=tuple(float(v) for v in per_month["requests"]),
        input_output_ratio=input_total / output_total if output_total else 0.0,
        cached_share=float(per_month["cached_input_tokens"].sum()) / input_total if input_total else 0.0,
    )


def save_upload(store: Store, load: UsageLoad) -> str:
    """Keep an uploaded usage file's monthly volumes; returns its id."""
    upload_id = uuid.uuid4().hex[:10]
    monthly = load.monthly.assign(month=pd.to_datetime(load.monthly["month"]).dt.date)
    store.save_usage(upload_id, load.file_name, load.kind, load.rows_read, monthly)
    return upload_id


def decline_rates() -> list[DeclineRate]:
    """Price-decline rates from the trend data we ship, with their sources."""
    return default_decline_rates(DATA_DIR)


def default_api_decline() -> DeclineRate:
    """The default API price decline: about 10x per year at constant capability (a16z), with its source."""
    rates = decline_rates()
    return next((r for r in rates if r.source.startswith(DEFAULT_API_DECLINE_SOURCE)), rates[0])


def api_option(store: Store, sheet_name: str, model: str, decline_per_year: float) -> ApiOption:
    """An API option priced from a sheet (deployment prices included); unknown models raise with a hint."""
    prices = prices_with_deployments(store, sheet_name)
    key = resolve_model_key(model, prices, sheet_name)
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
    return ApiOption.from_token_price(price, decline_per_year)


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
    measurements = store.throughput()
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


@dataclass(frozen=True)
class Uncertainty:
    """Spread of the uncertain inputs for the Monte Carlo (standard deviations, or relative spreads)."""

    monthly_growth_sd: float = 0.02
    api_decline_low_per_year: float = 2.0
    api_decline_high_per_year: float = 20.0
    peak_to_average_low: float = 1.5
    peak_to_average_high: float = 3.0
    n_paths: int = 10_000
    seed: int = 0


def run_monte_carlo(inputs: ProjectionInputs, uncertainty: Uncertainty, central_growth: float) -> MonteCarloResult:
    """P10/P50/P90 bands: growth normal around the central rate, API decline log-uniform, peak-to-average uniform."""
    growth = (
        stats.norm(loc=central_growth, scale=uncertainty.monthly_growth_sd) if uncertainty.monthly_growth_sd else None
    )
    low, high = sorted(
        (max(uncertainty.api_decline_low_per_year, 1.0), max(uncertainty.api_decline_high_per_year, 1.0))
    )
    decline = stats.loguniform(low, high) if high > low else None
    peak_low, peak_high = sorted((uncertainty.peak_to_average_low, uncertainty.peak_to_average_high))
    peak = stats.uniform(peak_low, peak_high - peak_low) if peak_high > peak_low else None
    return monte_carlo(
        inputs,
        monthly_growth=growth,
        api_price_decline=decline,
        peak_to_average=peak,
        n_paths=uncertainty.n_paths,
        seed=uncertainty.seed,
    )


def sensitivity(inputs: ProjectionInputs, option: str, versus: str | None = None) -> pd.DataFrame:
    """Tornado of the horizon TCO of an option (or its difference to another) over the main inputs."""
    ranges: dict[str, tuple[float, float]] = {
        "monthly_growth": (inputs.monthly_growth - 0.03, inputs.monthly_growth + 0.03),
        "peak_to_average": (max(1.0, inputs.peak_to_average * 0.75), inputs.peak_to_average * 1.5),
        "input_output_ratio": (inputs.input_output_ratio * 0.5, inputs.input_output_ratio * 1.5),
        "base_output_tokens_per_month": (
            inputs.base_output_tokens_per_month * 0.5,
            inputs.base_output_tokens_per_month * 2,
        ),
    }
    if inputs.growth_model != "constant":
        ranges.pop("monthly_growth")
    for opt in inputs.options:
        if isinstance(opt, ApiOption) and opt.name in (option, versus):
            base = opt.price_decline_factor_per_year or 1.0
            ranges[f"{opt.name}.price_decline_factor_per_year"] = (max(1.0, base / 3), base * 3)
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
    frame["label"] = frame["input"].map(_input_label)
    return frame


_INPUT_LABELS = {
    "monthly_growth": "monthly volume growth",
    "peak_to_average": "peak-hour / average traffic",
    "input_output_ratio": "input tokens per output token",
    "base_output_tokens_per_month": "volume today",
    "price_decline_factor_per_year": "API price decline per year",
    "plan.ownership.purchase_usd_per_gpu": "GPU purchase price",
    "plan.ownership.usd_per_gpu_hour": "GPU hourly price",
    "plan.replica_output_tokens_per_s": "throughput per replica",
}


def _input_label(key: str) -> str:
    """A readable name for a tornado input ('<option>.<path>' or a scenario field)."""
    for suffix, label in _INPUT_LABELS.items():
        if key == suffix:
            return label
        if key.endswith("." + suffix):
            return f"{label} ({key[: -len(suffix) - 1][:28]})"
    return key


@dataclass(frozen=True)
class Scenario:
    """A named scenario: the projection inputs, the usage it came from and the Monte Carlo spread."""

    name: str
    inputs: ProjectionInputs
    upload_id: str | None = None
    workload: str | None = None
    uncertainty: Uncertainty = Uncertainty()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "inputs": self.inputs.to_dict(),
            "upload_id": self.upload_id,
            "workload": self.workload,
            "uncertainty": self.uncertainty.__dict__,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Scenario:
        """A scenario back from `to_dict`'s output."""
        inputs = data.get("inputs")
        if not isinstance(inputs, dict):
            raise ValueError("the scenario has no inputs")
        uncertainty = data.get("uncertainty") or {}
        return cls(
            name=str(data.get("name") or "Unnamed scenario"),
            inputs=ProjectionInputs.from_dict(inputs),
            upload_id=data.get("upload_id") if isinstance(data.get("upload_id"), str) else None,  # type: ignore[arg-type]
            workload=data.get("workload") if isinstance(data.get("workload"), str) else None,  # type: ignore[arg-type]
            uncertainty=Uncertainty(**uncertainty) if isinstance(uncertainty, dict) else Uncertainty(),
        )


def save_scenario(store: Store, scenario: Scenario) -> None:
    """Save a scenario with every assumption."""
    if not scenario.name.strip():
        raise ValueError("give the scenario a name")
    store.save_scenario(scenario.name.strip(), json.dumps(scenario.to_dict()), scenario.upload_id)


def load_scenario(store: Store, name: str) -> Scenario:
    """A saved scenario by name; unknown names list the saved ones."""
    row = store.scenario(name)
    if row.empty:
        known = ", ".join(store.scenarios()["name"]) or "none saved yet"
        raise LookupError(f"no scenario named {name!r}; saved scenarios: {known}")
    return Scenario.from_dict(json.loads(row.iloc[0]["inputs_json"]))


@dataclass(frozen=True)
class Outcome:
    """A projection with its break-even months and cheapest option."""

    result: ProjectionResult
    break_even: dict[str, dict[str, int | None]]
    cheapest: str


def outcome(inputs: ProjectionInputs) -> Outcome:
    """Project a scenario; break-even month of each self-host or hybrid option against each API option."""
    result = project(inputs)
    api = [o.name for o in inputs.options if isinstance(o, ApiOption)]
    own = [o.name for o in inputs.options if isinstance(o, SelfHostOption | HybridOption)]
    breaks = {name: {other: result.break_even(name, other) for other in api} for name in own}
    return Outcome(result, breaks, str(result.cheapest))


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
    from pricing.usage_files import load_usage

    return load_usage(path, path.name)


def fit_labels(usage: UsageSummary) -> list[str]:
    """The growth curves fitted to a usage history, best first, as readable labels."""
    try:
        return [fit.label for fit in fit_growth(np.asarray(usage.output_tokens, dtype=float))]
    except ValueError:
        return []
