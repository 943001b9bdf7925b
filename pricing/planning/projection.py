"""Projections: what each option (API, own GPUs, or a mix) costs month by month over the next 18/24/36 months.

Pure functions over frozen values and numpy arrays: growth fits of past volume, price decline over time,
monthly spend per option, break-even, Monte Carlo bands and a tornado of sensitivities. Inputs of one
scenario are one JSON-serialisable `ProjectionInputs` (saved and put in URLs elsewhere). Month m runs
1..N; month 0 is now, so month m's volume and prices are m months of growth and decline from today's.
Self-host sizing and fleet cost come from `pricing.sizing`; API token maths follows `pricing.cost`.
The boundary: no storage, no UI; callers pass prices and measurements in.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from pydantic import ConfigDict, TypeAdapter, ValidationError
from scipy import stats
from scipy.optimize import OptimizeWarning, curve_fit

from pricing.cost import TOKENS_PER_MILLION, TokenPrice
from pricing.sizing import (
    HOURS_PER_MONTH,
    SelfHostPlan,
    self_host_gpus,
    self_host_monthly_cost,
)

SCHEMA_VERSION = 1
HORIZONS_MONTHS = (18, 24, 36)
MAX_HORIZON_MONTHS = 120
# Growing 1,000% a month for MAX_HORIZON_MONTHS is 11^120 (1e125) times the volume: large, still a finite float. A
# scenario from a link or a saved row may grow at most this (the page sets at most 200%).
MAX_MONTHLY_GROWTH = 10.0
# A number in a scenario link or saved scenario larger than this is no price, volume or count Frontier uses (a
# petatoken a month is MAX_TOKENS_PER_MONTH), and products of such numbers overflow to infinity.
MAX_DECODED_MAGNITUDE = 1e15
GROWTH_MODELS = ("linear", "exponential", "logistic")
MIN_FIT_POINTS = 5  # AICc with k = p + 1 needs n > k + 1: 5 months for the two-parameter models (k = 3)
MIN_LOGISTIC_POINTS = 6
EPOCH_URL = "https://epoch.ai/data-insights/llm-inference-price-trends"


def _linear(t: np.ndarray, a: float, b: float) -> np.ndarray:
    return a + b * t


def _exponential(t: np.ndarray, a: float, b: float) -> np.ndarray:
    with np.errstate(over="ignore"):
        return a * np.exp(b * t)


def _logistic(t: np.ndarray, k: float, r: float, t0: float) -> np.ndarray:
    with np.errstate(over="ignore"):
        return k / (1 + np.exp(-r * (t - t0)))


_CURVES: dict[str, tuple[Callable[..., np.ndarray], tuple[str, ...]]] = {
    "linear": (_linear, ("intercept", "slope_per_month")),
    "exponential": (_exponential, ("initial", "rate_per_month")),
    "logistic": (_logistic, ("ceiling", "rate_per_month", "midpoint_month")),
}


def _compact(value: float) -> str:
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class GrowthFit:
    """One fitted growth curve over months t = 0..n-1 of history, with its goodness of fit."""

    model: str
    params: tuple[float, ...]
    param_names: tuple[str, ...]
    r2: float
    aicc: float
    label: str

    def predict(self, t: np.ndarray) -> np.ndarray:
        """Volume at month indices t (0 = first month of history), never below zero."""
        curve, _ = _CURVES[self.model]
        return np.maximum(curve(np.asarray(t, dtype=float), *self.params), 0.0)

    @property
    def monthly_growth(self) -> float | None:
        """Compound growth per month of the exponential fit; None for the others."""
        return math.expm1(self.params[1]) if self.model == "exponential" else None


def _label(model: str, params: tuple[float, ...], r2: float) -> str:
    if model == "linear":
        text = f"linear: {'+' if params[1] >= 0 else '-'}{_compact(abs(params[1]))} per month"
    elif model == "exponential":
        text = f"exponential: {math.expm1(params[1]):+.1%} per month"
    else:
        text = f"logistic: ceiling {_compact(params[0])} per month, fastest growth at month {params[2] + 1:.0f}"
    return f"{text} (R² {r2:.2f})"


def _aicc(rss: float, n: int, k: int) -> float:
    # Least-squares AICc; k counts the curve's parameters plus the error variance.
    return n * math.log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def _starts(model: str, t: np.ndarray, y: np.ndarray) -> list[tuple[list[float], tuple[list[float], list[float]]]]:
    """Starting points and bounds per curve, on volumes scaled to a maximum of 1."""
    n = len(t)
    inf = np.inf
    if model == "linear":
        slope, intercept = np.polyfit(t, y, 1)
        return [([float(intercept), float(slope)], ([-inf, -inf], [inf, inf]))]
    positive = y > 0
    if positive.sum() >= 2:
        rate, log_a = np.polyfit(t[positive], np.log(y[positive]), 1)
    else:
        rate, log_a = 0.0, math.log(max(float(y.mean()), 1e-6))
    if model == "exponential":
        return [([math.exp(log_a), float(rate)], ([0.0, -5.0], [inf, 5.0]))]
    bounds = ([0.5, 1e-4, -2.0 * n], [100.0, 5.0, 10.0 * n])
    r0 = float(np.clip(rate, 0.01, 4.0))
    # A few starts from "nearly saturated" to "still early"; the best converged one is kept.
    return [([k0, r0, t0], bounds) for k0, t0 in ((1.2, n / 2), (3.0, float(n)), (20.0, 2.0 * n))]


def _fit_one(model: str, t: np.ndarray, y: np.ndarray, scale: float) -> GrowthFit | None:
    curve, names = _CURVES[model]
    n = len(t)
    best: tuple[float, np.ndarray] | None = None
    for p0, bounds in _starts(model, t, y):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                params, _ = curve_fit(curve, t, y, p0=p0, bounds=bounds, maxfev=5_000)
        except (RuntimeError, ValueError, FloatingPointError):
            continue  # a curve that does not converge is left out, not an error
        residual = y - curve(t, *params)
        rss = float(np.sum(residual**2))
        if math.isfinite(rss) and (best is None or rss < best[0]):
            best = (rss, params)
    if best is None:
        return None
    rss_scaled, params = best
    scaled = np.asarray(params, dtype=float)
    if model == "linear":
        scaled = scaled * scale  # intercept and slope are both volumes
    else:
        scaled[0] *= scale  # initial volume or ceiling; rates and midpoints do not scale
    tss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - rss_scaled / tss if tss > 0 else (1.0 if rss_scaled < 1e-24 else 0.0)
    # A floor on RSS keeps log finite for noise-free data without reordering real fits.
    rss = max(rss_scaled, 1e-20 * n) * scale**2
    values = tuple(float(v) for v in scaled)
    return GrowthFit(model, values, names, r2, _aicc(rss, n, len(names) + 1), _label(model, values, r2))


def fit_growth(volumes: np.ndarray) -> list[GrowthFit]:
    """Linear, exponential and logistic fits of monthly volumes, best first by AICc; failed fits are skipped.

    AICc = n ln(RSS/n) + 2k + 2k(k+1)/(n-k-1), k = curve parameters + 1. Logistic needs >= 6 months.
    """
    y_raw = np.asarray(volumes, dtype=float).ravel()
    if len(y_raw) < MIN_FIT_POINTS:
        raise ValueError(
            f"need at least {MIN_FIT_POINTS} months of history to fit and rank growth (got {len(y_raw)}); "
            "use constant_growth instead"
        )
    if not np.all(np.isfinite(y_raw)) or np.any(y_raw < 0):
        raise ValueError("monthly volumes must be finite and not negative")
    scale = float(y_raw.max())
    if scale <= 0:
        raise ValueError("monthly volumes are all zero; there is no growth to fit")
    y = y_raw / scale  # fit on a unit scale so tolerances mean the same for 1e3 and 1e12 tokens
    t = np.arange(len(y), dtype=float)
    models = [m for m in GROWTH_MODELS if m != "logistic" or len(y) >= MIN_LOGISTIC_POINTS]
    fits = [fit for fit in (_fit_one(model, t, y, scale) for model in models) if fit is not None]
    return sorted(fits, key=lambda fit: fit.aicc)


@lru_cache(maxsize=64)
def _cached_fits(history: tuple[float, ...]) -> tuple[GrowthFit, ...]:
    # Scenarios re-derive volumes often (tornado, Monte Carlo loop); a history's fits never change.
    return tuple(fit_growth(np.asarray(history, dtype=float)))


def project_volumes(fit: GrowthFit, history_len: int, months: int) -> np.ndarray:
    """Volumes of the next `months` months after `history_len` months of history (month 1 = t history_len)."""
    if history_len < 1 or months < 1:
        raise ValueError("history length and months must be at least 1")
    return fit.predict(np.arange(history_len, history_len + months, dtype=float))


def constant_growth(base: float, monthly_growth: float | np.ndarray, months: int) -> np.ndarray:
    """Volumes base x (1 + g)^m for months m = 1..months; g may be an array of shape (paths, 1)."""
    if base < 0:
        raise ValueError(f"base volume must not be negative (got {base})")
    if months < 1:
        raise ValueError(f"months must be at least 1 (got {months})")
    growth = np.asarray(monthly_growth, dtype=float)
    if np.any(growth <= -1):
        raise ValueError("monthly growth must be above -100%")
    return base * (1 + growth) ** np.arange(1, months + 1, dtype=float)


@dataclass(frozen=True)
class DeclineRate:
    """A price-decline factor per year (10 = prices fall 10x a year) and where it comes from."""

    value_per_year: float
    source: str
    source_url: str
    low_per_year: float | None = None  # 90% interval where the source gives one
    high_per_year: float | None = None
    label: str = ""  # a few words that tell this choice apart in a list (the source says the rest)


# Who published each trend in price_trend_facts.csv, as a reader knows them (the file's source_id is a key), and a
# few words per trend for a list of choices.
TREND_PUBLISHERS = {
    "a16z_llmflation": "a16z, LLMflation (Nov 2024)",
    "epoch_llm_inference_price_trends": "Epoch AI, LLM inference price trends (Mar 2025)",
    "gundlach_2025_price_of_progress": "Gundlach et al., The price of progress (2025)",
    "lesswrong_weirdml_aider": "LessWrong, WeirdML and Aider Polyglot analysis",
}
TREND_SHORT = {
    "LLM inference price decline for constant capability (MMLU thresholds)": "constant capability (MMLU)",
    "Range of price-decline rates across benchmarks/thresholds": "range across benchmarks",
    "Price to reach GPT-4 performance on GPQA (PhD-level science)": "GPT-4 level on GPQA",
    "Price for a given benchmark performance, frontier models": "frontier models at a fixed score",
    "Algorithmic efficiency progress (open models, hardware-adjusted)": "algorithmic efficiency, open models",
    "Inference cost to reach a fixed score on hard coding tasks (WeirdML, Aider Polyglot)": "fixed score, hard coding",
}


def _publisher(source_id: str) -> str:
    return TREND_PUBLISHERS.get(source_id, source_id.replace("_", " "))


def monthly_price_multiplier(factor_per_year: float | np.ndarray, months: int) -> np.ndarray:
    """factor^(-m/12) for m = 1..months; 0 (or 1) means flat prices, below 1 means rising prices.

    An array of factors of shape (paths,) or (paths, 1) gives one row per path.
    """
    factor = np.asarray(factor_per_year, dtype=float)
    if np.any(factor < 0) or not np.all(np.isfinite(factor)):
        raise ValueError("price-decline factor per year must be finite and not negative (0 means flat)")
    factor = np.where(factor == 0, 1.0, factor)
    if factor.ndim == 1:
        factor = factor[:, None]
    return factor ** (-np.arange(1, months + 1, dtype=float) / 12)


def _parse_interval(text: object) -> tuple[float | None, float | None]:
    if not isinstance(text, str):
        return None, None
    parts = [p for p in text.strip("[] ").split(",") if p.strip()]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        return None, None
    return low, high


def default_decline_rates(data_dir: Path) -> list[DeclineRate]:
    """Published decline rates: flat, the facts table (a16z, Epoch, Gundlach, halving times) and Epoch's fits."""
    rates = [DeclineRate(0.0, "flat prices (no decline)", "", label="flat prices")]
    facts = pd.read_csv(data_dir / "price_trend_facts.csv", dtype=str)
    for row in facts.itertuples(index=False):
        metric, value = str(row.metric), pd.to_numeric(row.value, errors="coerce")
        if pd.isna(value):
            continue  # ranges such as "3-18" (rising frontier prices) are not a decline rate
        if metric.startswith("factor_per_year"):
            bound = {"factor_per_year_min": " (low end)", "factor_per_year_max": " (high end)"}.get(metric, "")
            per_year = float(value)
        elif metric == "halving_time_months":
            bound, per_year = f" (halves every {float(value):g} months)", 2 ** (12 / float(value))
        else:
            continue
        description = str(row.metric_description)
        source = f"{_publisher(str(row.source_id))}: {description}{bound}"
        short = TREND_SHORT.get(description, description if len(description) <= 40 else description[:39] + "…")
        label = f"{_publisher(str(row.source_id)).split(',')[0]}, {short}{bound}"
        rates.append(DeclineRate(per_year, source, str(row.source_url), label=label))
    epoch = pd.read_csv(data_dir / "epoch_price_decline_rates_by_threshold.csv")
    for record in epoch.to_dict("records"):
        low, high = _parse_interval(record["price_reduction_factor_per_year_90_ci"])
        source = (
            f"Epoch AI fit: {record['bench']} at {record['threshold_model']} level, "
            f"{record['start_date']} to {record['end_date']} (n={record['sample_size']}, R² {record['r_squared']})"
        )
        label = f"Epoch AI fit, {record['bench']} at {record['threshold_model']} level"
        rates.append(
            DeclineRate(float(record["price_reduction_factor_per_year"]), source, EPOCH_URL, low, high, label=label)
        )
    return rates


@dataclass(frozen=True)
class CostLine:
    """One line of a making cost: what it pays for, its USD, the sum in words, and its source (name, link, date)."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    what: str
    usd: float
    formula: str
    source: str
    url: str = ""
    as_of: str | None = None


@dataclass(frozen=True)
class ShrinkSettings:
    """The settings a shrink path was costed with: `pricing.shrink.service.ShrinkRequest`'s fields less the baseline,
    the candidate, the paths and the horizon (the scenario's own), so reopening costs it again with these."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    sheet: str | None
    gpu: str
    mode: str
    baseline_precision: str
    quantised_precision: str
    student_precision: str
    examples: int
    input_tokens_per_example: float | None  # None: the workload's average request
    output_tokens_per_example: float | None
    epochs: float
    lora_share: float | None  # None: every parameter trained
    training_utilisation: float
    retrain_every_months: int | None  # None: never
    eval_items: int
    required_quality: float
    quality_assumption: tuple[float, float, float] | None  # (low, likely, high); None: the published or default one
    measured_runs: tuple[tuple[str, str, str], ...]  # (path kind, baseline run id, candidate run id)
    quality_metric: str


@dataclass(frozen=True)
class ShrinkQuality:
    """The quality a shrunk model reaches as a share of its baseline's score, assumed (a low-likely-high range) or
    measured (a 95% interval), with its source, and the share it must reach."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    kind: str  # "assumed" or "measured"
    likely_share: float
    low_share: float
    high_share: float
    required_share: float
    source: str
    url: str = ""
    as_of: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("assumed", "measured"):
            raise ValueError(f"a shrunk model's quality is assumed or measured (got {self.kind!r})")

    @property
    def meets_required(self) -> bool:
        """Whether the likely share reaches the required one."""
        return self.likely_share >= self.required_share

    def describe(self) -> str:
        """'assumed 93% of the baseline's score (85%-100%): source, date; meets the 90% required'."""
        interval = "95% CI " if self.kind == "measured" else ""
        verdict = "meets" if self.meets_required else "falls short of"
        dated = f", {self.as_of}" if self.as_of else ""
        return (
            f"{self.kind} {self.likely_share:.0%} of the baseline's score ({interval}{self.low_share:.0%}-"
            f"{self.high_share:.0%}): {self.source}{dated}; {verdict} the {self.required_share:.0%} required"
        )


@dataclass(frozen=True)
class ShrinkSpec:
    """How a shrunk option was made: the path, the model it replaces (baseline and teacher), the smaller model, the
    settings it was costed with, the quality it reaches, and each one-off cost line with its source."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    path: str  # quantise, distil or fine-tune
    baseline: str
    candidate: str
    settings: ShrinkSettings
    quality: ShrinkQuality
    costs: tuple[CostLine, ...]


@dataclass(frozen=True)
class MakingCost:
    """What making the model an option serves costs beyond serving it (a shrink path's labelling, training and
    evaluation): `one_off_usd` in month 1, and `retrain_usd` again every `retrain_every_months` months after it
    (None: made once), with where the figures come from."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    one_off_usd: float
    source: str
    retrain_usd: float = 0.0
    retrain_every_months: int | None = None
    # How a shrink path made it; None for a making cost given by hand, or a scenario saved before options kept it.
    shrink: ShrinkSpec | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.one_off_usd) or self.one_off_usd < 0:
            raise ValueError(f"a one-off cost must be a finite USD amount, not negative (got {self.one_off_usd})")
        if not math.isfinite(self.retrain_usd) or self.retrain_usd < 0:
            raise ValueError(f"a re-training cost must be a finite USD amount, not negative (got {self.retrain_usd})")
        if self.retrain_every_months is not None and self.retrain_every_months < 1:
            raise ValueError(f"re-training every {self.retrain_every_months} months: use 1 or more, or none")

    def monthly_usd(self, months: int) -> np.ndarray:
        """USD per month 1..`months`: the one-off in month 1, each re-training in months 1 + K, 1 + 2K, ..."""
        usd = np.zeros(months)
        if months:
            usd[0] = self.one_off_usd
        if self.retrain_every_months:
            usd[self.retrain_every_months :: self.retrain_every_months] += self.retrain_usd
        return usd


@dataclass(frozen=True)
class ApiOption:
    """Paying a provider per token; its prices fall by `price_decline_factor_per_year` (0 = flat), for the
    reason in `price_decline_source` (a named model's list price held, or a market trend with its source)."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    name: str
    usd_per_1m_input: float
    usd_per_1m_output: float
    usd_per_1m_cached_input: float | None = None
    price_decline_factor_per_year: float = 0.0
    sheet_name: str = ""
    source: str = ""
    price_decline_source: str = ""
    making: MakingCost | None = None  # a fine-tuned model's training, paid besides its tokens

    def __post_init__(self) -> None:
        prices = (self.usd_per_1m_input, self.usd_per_1m_output, self.usd_per_1m_cached_input or 0.0)
        if any(not math.isfinite(price) for price in prices):
            raise ValueError(f"{self.name}: prices must be finite numbers (a missing cache price is None)")
        if any(price < 0 for price in prices):
            raise ValueError(f"{self.name}: prices must not be negative")
        if self.price_decline_factor_per_year < 0:
            raise ValueError(f"{self.name}: price-decline factor must not be negative (0 means flat)")

    @classmethod
    def from_token_price(
        cls, price: TokenPrice, price_decline_factor_per_year: float = 0.0, price_decline_source: str = ""
    ) -> ApiOption:
        """An option from a sheet's TokenPrice, named after its model key."""
        cached = price.usd_per_1m_cached_input
        return cls(
            name=price.model_key,
            usd_per_1m_input=price.usd_per_1m_input,
            usd_per_1m_output=price.usd_per_1m_output,
            # Sheets read through pandas carry NaN for "no cache price"; None keeps the scenario valid JSON.
            usd_per_1m_cached_input=cached if cached is not None and math.isfinite(cached) else None,
            price_decline_factor_per_year=price_decline_factor_per_year,
            sheet_name=price.sheet_name,
            source=f"{price.sheet_name}" + (f", {price.effective_date}" if price.effective_date else ""),
            price_decline_source=price_decline_source,
        )

    @property
    def token_price(self) -> TokenPrice:
        """Today's prices as a TokenPrice (cached input without a price is billed as input)."""
        return TokenPrice(
            self.name, self.sheet_name, self.usd_per_1m_input, self.usd_per_1m_output, self.usd_per_1m_cached_input
        )


@dataclass(frozen=True)
class SelfHostOption:
    """Serving on own or rented GPUs per a sized plan; rental prices may fall, bought hardware does not."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    name: str
    plan: SelfHostPlan
    gpu_price_decline_factor_per_year: float = 0.0
    making: MakingCost | None = None  # a quantised or distilled model's making, paid besides its GPUs

    def __post_init__(self) -> None:
        if self.gpu_price_decline_factor_per_year < 0:
            raise ValueError(f"{self.name}: GPU price-decline factor must not be negative (0 means flat)")


@dataclass(frozen=True)
class HybridOption:
    """A split of traffic across named options, e.g. (("own 8B", 0.8), ("API", 0.2)); shares sum to 1."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    name: str
    shares: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        if not self.shares:
            raise ValueError(f"{self.name}: a hybrid needs at least one share")
        if any(share < 0 for _, share in self.shares):
            raise ValueError(f"{self.name}: shares must not be negative ({self._describe()})")
        if not math.isclose(sum(share for _, share in self.shares), 1.0, abs_tol=1e-9):
            raise ValueError(f"{self.name}: shares must sum to 1, got {self._describe()}")

    def _describe(self) -> str:
        total = sum(share for _, share in self.shares)
        return ", ".join(f"{name} {share:g}" for name, share in self.shares) + f" (sum {total:g})"


Option = ApiOption | SelfHostOption | HybridOption


def _check_options(options: Sequence[Option]) -> dict[str, Option]:
    if not options:
        raise ValueError("at least one option is needed")
    by_name: dict[str, Option] = {}
    for option in options:
        if option.name in by_name:
            raise ValueError(f"option names must be unique; {option.name!r} appears twice")
        by_name[option.name] = option
    for option in options:
        if isinstance(option, HybridOption):
            for name, _ in option.shares:
                if name not in by_name:
                    raise ValueError(f"{option.name}: share names unknown option {name!r}")
                if isinstance(by_name[name], HybridOption):
                    raise ValueError(f"{option.name}: a hybrid cannot contain another hybrid ({name!r})")
    return by_name


@dataclass(frozen=True, eq=False)
class MonthlyVolumes:
    """Tokens per month (last axis = months): input (cached included), output, and the cached share of input."""

    input_tokens: np.ndarray
    output_tokens: np.ndarray
    cached_share: np.ndarray | float = 0.0

    def __post_init__(self) -> None:
        if np.any(np.asarray(self.input_tokens) < 0) or np.any(np.asarray(self.output_tokens) < 0):
            raise ValueError("token volumes must not be negative")
        share = np.asarray(self.cached_share)
        if np.any(share < 0) or np.any(share > 1):
            raise ValueError("cached share must be between 0 and 1")

    @classmethod
    def from_output(cls, output_tokens: np.ndarray, input_output_ratio: float, cached_share: float) -> MonthlyVolumes:
        """Volumes from output tokens and the workload's input:output ratio."""
        if input_output_ratio < 0:
            raise ValueError(f"input:output ratio must not be negative (got {input_output_ratio})")
        output = np.asarray(output_tokens, dtype=float)
        return cls(output * input_output_ratio, output, cached_share)

    @property
    def months(self) -> int:
        """Number of months."""
        return int(np.shape(self.output_tokens)[-1])

    def scaled(self, share: float) -> MonthlyVolumes:
        """The part of the traffic a hybrid sends to one option."""
        return MonthlyVolumes(
            np.asarray(self.input_tokens) * share, np.asarray(self.output_tokens) * share, self.cached_share
        )

    def head(self, months: int) -> MonthlyVolumes:
        """The first `months` months."""
        if months > self.months:
            raise ValueError(f"volumes cover {self.months} months, fewer than the {months} asked for")
        share = self.cached_share
        share_head = share[..., :months] if isinstance(share, np.ndarray) and share.ndim > 0 else share
        return MonthlyVolumes(
            np.asarray(self.input_tokens)[..., :months], np.asarray(self.output_tokens)[..., :months], share_head
        )


def _decline_factor(factor_per_year: float) -> float:
    # 0 means flat; as a factor that is 1 (prices x1 a year), so a drawn scale can move it either way.
    return 1.0 if factor_per_year == 0 else factor_per_year


@dataclass(frozen=True)
class _Draw:
    """Per-path (or fixed) scales of the scenario's own values; 1 keeps each option's value as it is.

    A price-decline scale multiplies each option's own factor per year (flat counts as 1), so every path is
    centred on the scenario rather than replacing it.
    """

    api_decline_scale: np.ndarray | float = 1.0
    gpu_decline_scale: np.ndarray | float = 1.0
    peak_to_average: np.ndarray | float = 2.0
    hours_per_month: float = HOURS_PER_MONTH


def _api_spend(option: ApiOption, volumes: MonthlyVolumes, draw: _Draw) -> np.ndarray:
    price = option.token_price
    inputs = np.asarray(volumes.input_tokens, dtype=float)
    cached = inputs * np.asarray(volumes.cached_share, dtype=float)
    usd = (
        (inputs - cached) * price.usd_per_1m_input
        + cached * price.usd_per_1m_cached_effective
        + np.asarray(volumes.output_tokens, dtype=float) * price.usd_per_1m_output
    ) / TOKENS_PER_MILLION
    factor = _decline_factor(option.price_decline_factor_per_year) * np.asarray(draw.api_decline_scale, dtype=float)
    return usd * monthly_price_multiplier(factor, volumes.months)


def _self_host_spend(option: SelfHostOption, volumes: MonthlyVolumes, draw: _Draw) -> tuple[np.ndarray, np.ndarray]:
    factor = _decline_factor(option.gpu_price_decline_factor_per_year) * np.asarray(draw.gpu_decline_scale, dtype=float)
    multiplier = monthly_price_multiplier(factor, volumes.months)
    output = np.asarray(volumes.output_tokens, dtype=float)
    usd = self_host_monthly_cost(output, option.plan, draw.peak_to_average, draw.hours_per_month, multiplier)
    gpus = self_host_gpus(output, option.plan, draw.peak_to_average, draw.hours_per_month)
    return usd, gpus


def _making_usd(option: ApiOption | SelfHostOption, volumes: MonthlyVolumes) -> np.ndarray | float:
    """The option's making cost per month (0 when it has none); a hybrid's part pays it whole, whatever its share."""
    return 0.0 if option.making is None else option.making.monthly_usd(volumes.months)


def _option_spend(
    option: Option, volumes: MonthlyVolumes, by_name: Mapping[str, Option], draw: _Draw
) -> tuple[np.ndarray, np.ndarray | None]:
    """Monthly USD of one option (and GPUs held, for self-host and hybrids with a self-host part)."""
    if isinstance(option, ApiOption):
        return _api_spend(option, volumes, draw) + _making_usd(option, volumes), None
    if isinstance(option, SelfHostOption):
        own_usd, own_gpus = _self_host_spend(option, volumes, draw)
        return own_usd + _making_usd(option, volumes), own_gpus
    # A hybrid prices each part on its share of the traffic: self-host fleets are sized for their share.
    usd = np.zeros(np.shape(volumes.output_tokens))
    gpus: np.ndarray | None = None
    for name, share in option.shares:
        if share == 0:
            continue  # a zero share holds no fleet (a self-host part would otherwise keep one replica)
        part_usd, part_gpus = _option_spend(by_name[name], volumes.scaled(share), by_name, draw)
        usd = usd + part_usd
        if part_gpus is not None:
            gpus = part_gpus if gpus is None else gpus + part_gpus
    return usd, gpus


def break_even_month(
    self_host_cumulative: Sequence[float] | np.ndarray, api_cumulative: Sequence[float] | np.ndarray
) -> int | None:
    """First month (1-based) from which self-hosting's cumulative spend stays at or below the API's to the
    horizon's end; None if it never does. A fleet cheaper early but overtaken later has not broken even."""
    own = np.asarray(self_host_cumulative, dtype=float)
    api = np.asarray(api_cumulative, dtype=float)
    if own.shape != api.shape or own.ndim != 1:
        raise ValueError(f"cumulative series must be one-dimensional and equally long (got {own.shape}, {api.shape})")
    ahead = _at_or_below(own, api)
    if not ahead.size or not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(behind[-1]) + 2 if behind.size else 1


def _at_or_below(own: np.ndarray, api: np.ndarray) -> np.ndarray:
    # A relative tolerance keeps rounding in long sums from turning a tie into a loss.
    return own <= api + 1e-9 * np.maximum(np.abs(api), 1.0)


@dataclass(frozen=True)
class HeadToHead:
    """A self-hosted (or hybrid) option against an API option over the horizon: the break-even month by its rule,
    and what that rule leaves out: the saving at the horizon and the months the option leads."""

    option: str
    versus: str
    horizon_months: int
    break_even_month: int | None  # `break_even_month`: from then on cumulative spend stays at or below the API's
    saving_usd: float  # the API's total over the horizon minus the option's; negative when the option costs more
    months_cheaper: tuple[int, ...]  # months whose own spend is below the API's that month
    months_ahead: tuple[int, ...]  # months at whose end cumulative spend is at or below the API's


def head_to_head(
    option: str, versus: str, monthly_own: Sequence[float] | np.ndarray, monthly_api: Sequence[float] | np.ndarray
) -> HeadToHead:
    """An option's monthly spend against an API option's: break-even, horizon saving, months cheaper and ahead."""
    own = np.asarray(monthly_own, dtype=float)
    api = np.asarray(monthly_api, dtype=float)
    if own.shape != api.shape or own.ndim != 1 or not own.size:
        raise ValueError(f"monthly series must be one-dimensional, equally long, not empty ({own.shape}, {api.shape})")
    own_total, api_total = np.cumsum(own), np.cumsum(api)
    cheaper = own < api - 1e-9 * np.maximum(np.abs(api), 1.0)
    return HeadToHead(
        option=option,
        versus=versus,
        horizon_months=len(own),
        break_even_month=break_even_month(own_total, api_total),
        saving_usd=float(api_total[-1] - own_total[-1]),
        months_cheaper=tuple(int(m) + 1 for m in np.flatnonzero(cheaper)),
        months_ahead=tuple(int(m) + 1 for m in np.flatnonzero(_at_or_below(own_total, api_total))),
    )


def _month_index(months: int) -> pd.Index:
    return pd.Index(np.arange(1, months + 1), name="month")


def _year_label(year: int, months: int) -> str:
    first, last = 12 * (year - 1) + 1, min(12 * year, months)
    return f"year {year}" if last - first == 11 else f"year {year} (months {first}-{last})"


@dataclass(frozen=True, eq=False)
class ProjectionResult:
    """Monthly spend per option and what follows from it: cumulative, per 1M tokens, yearly, cheapest."""

    monthly_usd: pd.DataFrame  # month 1..N x option
    cumulative_usd: pd.DataFrame
    usd_per_1m_tokens: pd.DataFrame  # spend / (input + output tokens) of the month
    yearly_usd: pd.DataFrame  # "year 1", ... ; a partial last year names its months
    total_usd: pd.Series
    gpus: pd.DataFrame  # GPUs held per month, self-host and hybrid options only
    volumes: pd.DataFrame  # input_tokens, output_tokens, cached_input_tokens per month
    cheapest: str  # lowest total over the horizon

    def break_even(self, self_host: str, api: str) -> int | None:
        """First month the named self-host option's cumulative spend is at or below the named API's."""
        for name in (self_host, api):
            if name not in self.cumulative_usd.columns:
                raise ValueError(f"no option named {name!r}; have {', '.join(self.cumulative_usd.columns)}")
        return break_even_month(self.cumulative_usd[self_host].to_numpy(), self.cumulative_usd[api].to_numpy())

    def head_to_head(self, option: str, versus: str) -> HeadToHead:
        """The named option against the named API option: break-even, horizon saving, months cheaper and ahead."""
        for name in (option, versus):
            if name not in self.monthly_usd.columns:
                raise ValueError(f"no option named {name!r}; have {', '.join(self.monthly_usd.columns)}")
        return head_to_head(option, versus, self.monthly_usd[option].to_numpy(), self.monthly_usd[versus].to_numpy())


def project_spend(
    volumes: MonthlyVolumes,
    options: Sequence[Option],
    months: int,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
) -> ProjectionResult:
    """Monthly spend of every option over `months` months of the workload's volumes."""
    if not 1 <= months <= MAX_HORIZON_MONTHS:
        raise ValueError(f"horizon must be 1 to {MAX_HORIZON_MONTHS} months (got {months})")
    by_name = _check_options(options)
    volumes = volumes.head(months)
    draw = _Draw(peak_to_average=peak_to_average, hours_per_month=hours_per_month)
    index = _month_index(months)
    spend: dict[str, np.ndarray] = {}
    gpus: dict[str, np.ndarray] = {}
    for option in options:
        usd, held = _option_spend(option, volumes, by_name, draw)
        spend[option.name] = np.broadcast_to(usd, (months,)).astype(float)
        if held is not None:
            gpus[option.name] = np.broadcast_to(held, (months,))
    monthly = pd.DataFrame(spend, index=index)
    total_tokens = np.asarray(volumes.input_tokens, dtype=float) + np.asarray(volumes.output_tokens, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1m = monthly.div(np.where(total_tokens > 0, total_tokens / TOKENS_PER_MILLION, np.nan), axis=0)
    years = [_year_label(math.ceil(m / 12), months) for m in index]
    yearly = monthly.groupby(years, sort=False).sum()
    totals = monthly.sum()
    inputs = np.asarray(volumes.input_tokens, dtype=float)
    volume_frame = pd.DataFrame(
        {
            "input_tokens": inputs,
            "output_tokens": np.asarray(volumes.output_tokens, dtype=float),
            "cached_input_tokens": inputs * np.asarray(volumes.cached_share, dtype=float),
        },
        index=index,
    )
    return ProjectionResult(
        monthly_usd=monthly,
        cumulative_usd=monthly.cumsum(),
        usd_per_1m_tokens=per_1m,
        yearly_usd=yearly,
        total_usd=totals,
        gpus=pd.DataFrame(gpus, index=index),
        volumes=volume_frame,
        cheapest=str(totals.idxmin()),
    )


@dataclass(frozen=True)
class ProjectionInputs:
    """Everything one scenario needs, JSON-serialisable with `to_dict` / `from_dict` (exact round trip).

    Volume: `base_output_tokens_per_month` (this month) grown by `monthly_growth` ("constant"), or a fit
    of `history_output_tokens` ("linear", "exponential", "logistic" or "best" by AICc). Input tokens are
    `input_output_ratio` x output, of which `cached_share` is served from the provider's cache.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    options: tuple[Option, ...]
    horizon_months: int = 36
    base_output_tokens_per_month: float = 1e9
    input_output_ratio: float = 3.0
    cached_share: float = 0.0
    growth_model: str = "constant"
    monthly_growth: float = 0.0
    history_output_tokens: tuple[float, ...] = ()
    peak_to_average: float = 2.0
    hours_per_month: float = HOURS_PER_MONTH

    def __post_init__(self) -> None:
        _check_options(self.options)
        if not 1 <= self.horizon_months <= MAX_HORIZON_MONTHS:
            raise ValueError(f"horizon must be 1 to {MAX_HORIZON_MONTHS} months (got {self.horizon_months})")
        if self.growth_model not in ("constant", "best", *GROWTH_MODELS):
            raise ValueError(f"unknown growth model {self.growth_model!r}; use constant, best, or a fitted curve")
        if self.growth_model != "constant" and len(self.history_output_tokens) < MIN_FIT_POINTS:
            raise ValueError(f"growth model {self.growth_model!r} needs at least {MIN_FIT_POINTS} months of history")
        if self.base_output_tokens_per_month < 0:
            raise ValueError("base volume must not be negative")
        if not -1 < self.monthly_growth < math.inf:
            raise ValueError(f"monthly growth must be above -100% and finite (got {self.monthly_growth:.0%})")
        if self.input_output_ratio < 0:
            raise ValueError("input:output ratio must not be negative")
        if not 0 <= self.cached_share <= 1:
            raise ValueError("cached share must be between 0 and 1")
        if self.peak_to_average < 1:
            raise ValueError("peak-to-average must be at least 1")
        if self.hours_per_month <= 0:
            raise ValueError("hours per month must be positive")

    def growth_fit(self) -> GrowthFit | None:
        """The fitted curve used for volumes, or None for constant growth."""
        if self.growth_model == "constant":
            return None
        fits = _cached_fits(tuple(float(v) for v in self.history_output_tokens))
        chosen = fits if self.growth_model == "best" else [f for f in fits if f.model == self.growth_model]
        if not chosen:
            raise ValueError(f"the {self.growth_model} curve could not be fitted to the history")
        return chosen[0]

    def output_tokens(self) -> np.ndarray:
        """Output tokens per month, months 1..horizon."""
        fit = self.growth_fit()
        if fit is None:
            return constant_growth(self.base_output_tokens_per_month, self.monthly_growth, self.horizon_months)
        return project_volumes(fit, len(self.history_output_tokens), self.horizon_months)

    def volumes(self) -> MonthlyVolumes:
        """Input, output and cached volumes per month."""
        return MonthlyVolumes.from_output(self.output_tokens(), self.input_output_ratio, self.cached_share)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain lists, numbers, strings) with a schema version."""
        plain = _plain(self)
        assert isinstance(plain, dict)
        return {"schema_version": SCHEMA_VERSION, **plain}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProjectionInputs:
        """The inputs back from `to_dict`'s output (also after a JSON round trip): untrusted input (links, saved
        files), so pydantic checks every field's type and refuses unknown keys; ValueError says where."""
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ValueError(f"unsupported scenario schema version {version} (this code reads {SCHEMA_VERSION})")
        values = {k: v for k, v in data.items() if k != "schema_version"}
        options = values.get("options", ())
        if not isinstance(options, list | tuple):
            raise ValueError("scenario options must be a list")
        values["options"] = tuple(_option_from_dict(option) for option in options)
        inputs: ProjectionInputs = decode(cls, values, "scenario")
        # Checked here, at the untrusted edge, not in __post_init__: the Monte Carlo and the sensitivity chart move
        # a scenario's growth a little past whatever it is.
        if inputs.monthly_growth > MAX_MONTHLY_GROWTH:
            raise ValueError(
                f"scenario: monthly_growth is {inputs.monthly_growth:.0%} a month; a scenario grows at most "
                f"{MAX_MONTHLY_GROWTH:.0%} a month"
            )
        return inputs


def decode(cls: type[Any], values: Mapping[str, Any], what: str) -> Any:
    """A dataclass from untrusted plain values, checked by pydantic; ValueError names each bad field."""
    unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
    if unknown:
        raise ValueError(f"unknown {what} fields: {', '.join(sorted(map(str, unknown)))}")
    for path, number in _numbers(values):
        if abs(number) > MAX_DECODED_MAGNITUDE:
            raise ValueError(f"{what}: {path} is {number:g}, larger than any scenario holds (at most 1e15)")
    try:
        return _adapter(cls).validate_python(dict(values))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or what}: {error['msg']}" for error in exc.errors()
        )
        raise ValueError(f"{what}: {problems}") from None


def _numbers(value: object, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in nested plain values, with its dotted path."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{path}.{index}" if path else str(index))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, float(min(max(value, -1e300), 1e300)) if isinstance(value, int) else value


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    # Building an adapter compiles a validator: once per class.
    if cls not in _ADAPTERS:
        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]


_OPTION_TYPES: dict[type, str] = {ApiOption: "api", SelfHostOption: "self-host", HybridOption: "hybrid"}


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        kind = _OPTION_TYPES.get(type(value))
        return {"type": kind, **fields} if kind else fields
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _option_from_dict(data: Mapping[str, Any]) -> Option:
    if not isinstance(data, Mapping):
        raise ValueError(f"a scenario option must be an object, not {type(data).__name__}")
    kind = data.get("type")
    cls = {name: option_type for option_type, name in _OPTION_TYPES.items()}.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown option type {kind!r}; use api, self-host or hybrid")
    option: Option = decode(cls, {k: v for k, v in data.items() if k != "type"}, f"{kind} option")
    return option


def project(inputs: ProjectionInputs) -> ProjectionResult:
    """Monthly spend of every option of a scenario."""
    return project_spend(
        inputs.volumes(), inputs.options, inputs.horizon_months, inputs.peak_to_average, inputs.hours_per_month
    )


def self_host_detail(inputs: ProjectionInputs, option: SelfHostOption, share: float = 1.0) -> pd.DataFrame:
    """Month by month, how a self-hosted fleet (on `share` of the traffic) is sized and priced, to redo by hand.

    spend_usd = gpus x usd_per_gpu_hour x hours_per_month + capex_usd + ops_usd. Rented: usd_per_gpu_hour is
    the hourly price after that month's price decline. Bought and annualised: the GPU-month cost (capital
    recovery plus power) over the month's hours. Bought upfront: power per hour, and capex_usd pays for the
    GPUs added that month. Peak tokens/s = average x peak-to-average; replicas are sized for peak x (1 +
    headroom) at the target utilisation, so utilisation_at_peak (peak / capacity) stays at or below it.
    """
    plan = option.plan
    own = plan.ownership
    hours = inputs.hours_per_month
    months = np.arange(1, inputs.horizon_months + 1)
    output = inputs.output_tokens() * share
    average = output / (hours * 3600)
    peak = average * inputs.peak_to_average
    gpus = self_host_gpus(output, plan, inputs.peak_to_average, hours)
    replicas = gpus // plan.gpus_per_replica
    capacity = replicas * plan.replica_output_tokens_per_s
    multiplier = monthly_price_multiplier(option.gpu_price_decline_factor_per_year, inputs.horizon_months)
    capex = np.zeros(len(months))
    if own.is_rented:
        per_hour = own.usd_per_gpu_hour * multiplier
    elif own.capex_timing == "upfront":
        per_hour = np.full(len(months), own.power_usd_per_gpu_month(hours) / hours)
        capex = np.diff(gpus, prepend=0) * own.purchase_usd_per_gpu * (1 + own.server_overhead_share)
    else:
        per_hour = np.full(len(months), own.usd_per_gpu_month(hours) / hours)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation_at_peak = np.where(capacity > 0, peak / capacity, np.nan)
        average_utilisation = np.where(capacity > 0, average / capacity, np.nan)
    return pd.DataFrame(
        {
            "month": months,
            "output_tokens": output,
            "average_output_tokens_per_s": average,
            "peak_output_tokens_per_s": peak,
            "replicas": replicas,
            "gpus": gpus,
            "capacity_output_tokens_per_s": capacity,
            "utilisation_at_peak": utilisation_at_peak,
            "average_utilisation": average_utilisation,
            "usd_per_gpu_hour": per_hour,
            "capex_usd": capex,
            "ops_usd": np.full(len(months), own.ops_usd_per_month),
            "spend_usd": self_host_monthly_cost(output, plan, inputs.peak_to_average, hours, multiplier),
        }
    )


class Distribution(Protocol):
    """A scipy.stats frozen distribution (anything with `rvs(size=..., random_state=...)`)."""

    def rvs(self, size: Any = ..., random_state: Any = ...) -> Any:
        """Draw samples."""
        ...


Uncertain = Distribution | float | None
UNCERTAIN_INPUTS = ("growth_shift", "api_decline_scale", "gpu_decline_scale", "peak_to_average_scale")
MIN_GROWTH_FACTOR = 0.01  # a drawn shift never takes a month's growth factor (1 + shift) below this


def centred_shift(spread: float) -> Distribution | None:
    """Uniform on [-spread, +spread], median 0 (an amount added to the scenario's value); None when spread is 0."""
    if not math.isfinite(spread) or spread < 0:
        raise ValueError(f"a spread must be a finite number, not negative (got {spread})")
    return stats.uniform(loc=-spread, scale=2 * spread) if spread > 0 else None


def centred_scale(spread: float) -> Distribution | None:
    """Log-uniform on [1/spread, spread], median 1 (a factor on the scenario's value); None when spread is 1."""
    if not math.isfinite(spread) or spread < 1:
        raise ValueError(f"a spread factor must be a finite number of at least 1 (got {spread})")
    return stats.loguniform(1 / spread, spread) if spread > 1 else None


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Quantile bands per option: monthly and cumulative spend (long form) and horizon TCO."""

    monthly: pd.DataFrame  # option, month, p10, p50, p90
    cumulative: pd.DataFrame  # option, month, p10, p50, p90
    tco: pd.DataFrame  # index option; p10, p50, p90, mean of the horizon total
    prob_cheapest: pd.Series  # share of paths where each option has the lowest TCO
    n_paths: int
    seed: int


def _draws(n_paths: int, seed: int, specs: Mapping[str, Uncertain]) -> dict[str, np.ndarray | None]:
    """One array of n_paths samples per uncertain input, drawn in a fixed order from one generator."""
    if n_paths < 1:
        raise ValueError(f"n_paths must be at least 1 (got {n_paths})")
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray | None] = {}
    for name in UNCERTAIN_INPUTS:
        spec = specs.get(name)
        if spec is None:
            out[name] = None
        elif isinstance(spec, int | float):
            out[name] = np.full(n_paths, float(spec))
        else:
            out[name] = np.asarray(spec.rvs(size=n_paths, random_state=rng), dtype=float).reshape(n_paths)
    for name in ("api_decline_scale", "gpu_decline_scale", "peak_to_average_scale"):
        values = out[name]
        if values is not None and (np.any(values <= 0) or not np.all(np.isfinite(values))):
            raise ValueError(f"{name} draws must be positive finite factors (1 keeps the scenario's value)")
    return out


def _paths_output(inputs: ProjectionInputs, shift: np.ndarray | float | None) -> np.ndarray:
    """The scenario's own output path (constant growth or fitted curve) with `shift` more growth a month on top.

    path x (1 + shift)^m: a shift of 0 is the plan itself, and more growth never lowers a month's volume, so a
    shift drawn with median 0 gives volumes whose median is the plan's.
    """
    path = inputs.output_tokens()
    if shift is None:
        return path
    factor = np.maximum(1 + np.asarray(shift, dtype=float), MIN_GROWTH_FACTOR)
    return path * factor ** np.arange(1, inputs.horizon_months + 1, dtype=float)


def _spend_paths(
    inputs: ProjectionInputs, draws: Mapping[str, np.ndarray | float | None], paths_shape: tuple[int, ...]
) -> dict[str, np.ndarray]:
    """Monthly spend per option for the given draws: arrays of shape paths_shape + (months,)."""
    by_name = _check_options(inputs.options)

    def column(name: str) -> np.ndarray | None:
        # Per-path values become a (paths, 1) column that broadcasts over months; one path stays a scalar.
        value = draws[name]
        if value is None:
            return None
        return np.reshape(value, (*paths_shape, 1)) if paths_shape else np.asarray(value, dtype=float)

    output = _paths_output(inputs, column("growth_shift"))
    volumes = MonthlyVolumes.from_output(output, inputs.input_output_ratio, inputs.cached_share)
    api_scale, gpu_scale, peak_scale = (
        column(name) for name in ("api_decline_scale", "gpu_decline_scale", "peak_to_average_scale")
    )
    draw = _Draw(
        api_decline_scale=1.0 if api_scale is None else api_scale,
        gpu_decline_scale=1.0 if gpu_scale is None else gpu_scale,
        # The peak is never below the average; clipping at 1 keeps the median for any scenario value >= 1.
        peak_to_average=inputs.peak_to_average
        if peak_scale is None
        else np.maximum(inputs.peak_to_average * peak_scale, 1.0),
        hours_per_month=inputs.hours_per_month,
    )
    shape = (*paths_shape, inputs.horizon_months)
    return {
        option.name: np.broadcast_to(_option_spend(option, volumes, by_name, draw)[0], shape)
        for option in inputs.options
    }


def _summarise(
    inputs: ProjectionInputs, spend: Mapping[str, np.ndarray], quantiles: Sequence[float], n_paths: int, seed: int
) -> MonteCarloResult:
    labels = [f"p{round(q * 100)}" for q in quantiles]
    months = np.arange(1, inputs.horizon_months + 1)
    monthly_rows: list[pd.DataFrame] = []
    cumulative_rows: list[pd.DataFrame] = []
    tco_rows = {}
    for name, paths in spend.items():
        cumulative = np.cumsum(paths, axis=1)
        for rows, values in ((monthly_rows, paths), (cumulative_rows, cumulative)):
            bands = np.quantile(values, quantiles, axis=0)
            rows.append(pd.DataFrame({"option": name, "month": months, **dict(zip(labels, bands, strict=True))}))
        total = cumulative[:, -1]
        tco_rows[name] = {**dict(zip(labels, np.quantile(total, quantiles), strict=True)), "mean": float(total.mean())}
    totals = np.stack([spend[name].sum(axis=1) for name in spend], axis=1)
    winners = pd.Series(np.argmin(totals, axis=1)).map(dict(enumerate(spend)))
    prob = winners.value_counts(normalize=True).reindex(list(spend), fill_value=0.0)
    return MonteCarloResult(
        monthly=pd.concat(monthly_rows, ignore_index=True),
        cumulative=pd.concat(cumulative_rows, ignore_index=True),
        tco=pd.DataFrame.from_dict(tco_rows, orient="index"),
        prob_cheapest=prob,
        n_paths=n_paths,
        seed=seed,
    )


def monte_carlo(
    inputs: ProjectionInputs,
    *,
    growth_shift: Uncertain = None,
    api_decline_scale: Uncertain = None,
    gpu_decline_scale: Uncertain = None,
    peak_to_average_scale: Uncertain = None,
    n_paths: int = 10_000,
    seed: int = 0,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
) -> MonteCarloResult:
    """P10/P50/P90 of monthly, cumulative and horizon spend per option, vectorised over paths x months.

    Every draw moves the scenario's own value rather than replacing it, so the bands are centred on the plan:
    `growth_shift` is extra growth a month on top of the scenario's volume path (constant rate or fitted curve);
    `api_decline_scale` multiplies each API option's own decline factor per year (flat counts as 1: list prices
    may then rise or fall), one market draw per path for every API option; `gpu_decline_scale` does the same for
    rented fleets' GPU prices; `peak_to_average_scale` multiplies the scenario's peak-to-average (never below 1).
    Each is a scipy.stats frozen distribution, a float (certain) or None (the scenario's value). Spend never
    falls as growth or the peak rises, nor rises as a decline steepens, so with draws whose median is 0 (shift)
    or 1 (scales) the plan is the median of every input; with k uncertain inputs acting on an option it lies
    between that option's 1/2^k and 1 - 1/2^k quantiles (between P12.5 and P87.5 for up to three).
    """
    spend = spend_paths(
        inputs,
        growth_shift=growth_shift,
        api_decline_scale=api_decline_scale,
        gpu_decline_scale=gpu_decline_scale,
        peak_to_average_scale=peak_to_average_scale,
        n_paths=n_paths,
        seed=seed,
    )
    return _summarise(inputs, spend, quantiles, n_paths, seed)


def spend_paths(
    inputs: ProjectionInputs,
    *,
    growth_shift: Uncertain = None,
    api_decline_scale: Uncertain = None,
    gpu_decline_scale: Uncertain = None,
    peak_to_average_scale: Uncertain = None,
    n_paths: int = 10_000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Monthly spend per option on every path (paths x months), drawn as `monte_carlo` draws them, for callers
    that add costs of their own to each path (the shrink paths' one-off and re-training costs)."""
    specs = {
        "growth_shift": growth_shift,
        "api_decline_scale": api_decline_scale,
        "gpu_decline_scale": gpu_decline_scale,
        "peak_to_average_scale": peak_to_average_scale,
    }
    return _spend_paths(inputs, _draws(n_paths, seed, specs), (n_paths,))


def _replace_path(target: Any, path: Sequence[str], value: float) -> Any:
    name, rest = path[0], path[1:]
    names = {f.name for f in dataclasses.fields(target)} if dataclasses.is_dataclass(target) else set()
    if name not in names:
        raise ValueError(f"{type(target).__name__} has no input {name!r}")
    current = getattr(target, name)
    if rest:
        return dataclasses.replace(target, **{name: _replace_path(current, rest, value)})
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ValueError(f"input {name!r} is not a number")
    new_value: float = int(value) if isinstance(current, int) and float(value).is_integer() else value
    return dataclasses.replace(target, **{name: new_value})


# with_input's key for every month's volume times a factor, whatever the growth model: the base volume of constant
# growth and the history a curve is fitted to (a fitted linear, exponential or logistic curve scales with it).
VOLUME_SCALE = "volume_scale"


def scaled_volume(inputs: ProjectionInputs, factor: float) -> ProjectionInputs:
    """Inputs whose every month's token volume is `factor` times the plan's, for constant growth and fitted curves."""
    if not factor > 0:
        raise ValueError(f"a volume factor must be positive (got {factor})")
    return dataclasses.replace(
        inputs,
        base_output_tokens_per_month=inputs.base_output_tokens_per_month * factor,
        history_output_tokens=tuple(v * factor for v in inputs.history_output_tokens),
    )


def with_input(inputs: ProjectionInputs, key: str, value: float) -> ProjectionInputs:
    """Inputs with one number changed: a scenario field ("monthly_growth"), "<option>.<field>[.<field>]", or
    VOLUME_SCALE (every month's volume times `value`)."""
    if key == VOLUME_SCALE:
        return scaled_volume(inputs, value)
    if key in {f.name for f in dataclasses.fields(ProjectionInputs)}:
        changed_inputs: ProjectionInputs = _replace_path(inputs, [key], value)
        return changed_inputs
    for position, option in enumerate(inputs.options):
        prefix = f"{option.name}."
        if key.startswith(prefix):
            changed = _replace_path(option, key[len(prefix) :].split("."), value)
            options = (*inputs.options[:position], changed, *inputs.options[position + 1 :])
            return dataclasses.replace(inputs, options=options)
    raise ValueError(f"unknown input {key!r}: use a scenario field or '<option name>.<field>'")


def tco_usd(inputs: ProjectionInputs, option: str, versus: str | None = None) -> float:
    """Horizon total of one option, or its difference from another (option minus versus)."""
    totals = project(inputs).total_usd
    for name in (option, versus):
        if name is not None and name not in totals.index:
            raise ValueError(f"no option named {name!r}; have {', '.join(totals.index)}")
    return float(totals[option] - (totals[versus] if versus is not None else 0.0))


# tornado's key for growth added to the scenario's volume path, a fitted curve's included: `value` more growth a month
# on top of it, as the Monte Carlo's growth spread draws it (the path x (1 + value)^month).
GROWTH_SHIFT = "growth_shift"


def growth_shift_tco(inputs: ProjectionInputs, shift: float, option: str, versus: str | None = None) -> float:
    """Horizon total of one option (or its difference from another) with `shift` more growth a month on top of the
    scenario's own volume path; a shift of 0 is the plan."""
    spend = _spend_paths(inputs, {name: None for name in UNCERTAIN_INPUTS} | {GROWTH_SHIFT: shift}, ())
    for name in (option, versus):
        if name is not None and name not in spend:
            raise ValueError(f"no option named {name!r}; have {', '.join(spend)}")
    return float(spend[option].sum() - (spend[versus].sum() if versus is not None else 0.0))


def _tco_at(inputs: ProjectionInputs, key: str, value: float, option: str, versus: str | None) -> float:
    if key == GROWTH_SHIFT:
        return growth_shift_tco(inputs, value, option, versus)
    return tco_usd(with_input(inputs, key, value), option, versus)


def tornado(
    base_inputs: ProjectionInputs,
    ranges: Mapping[str, tuple[float, float]],
    option: str,
    versus: str | None = None,
) -> pd.DataFrame:
    """How far each input's low and high values move the horizon TCO (or a difference), widest swing first."""
    if not ranges:
        raise ValueError("give at least one input range")
    base = tco_usd(base_inputs, option, versus)
    rows = []
    for key, (low, high) in ranges.items():
        tco_low = _tco_at(base_inputs, key, low, option, versus)
        tco_high = _tco_at(base_inputs, key, high, option, versus)
        rows.append(
            {
                "input": key,
                "low_value": low,
                "high_value": high,
                "tco_low": tco_low,
                "tco_high": tco_high,
                "swing": abs(tco_high - tco_low),
            }
        )
    frame = pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
    frame.attrs["tco_base"] = base
    return frame


__all__ = [
    "ApiOption",
    "DeclineRate",
    "GROWTH_SHIFT",
    "GrowthFit",
    "HybridOption",
    "MonteCarloResult",
    "MonthlyVolumes",
    "Option",
    "ProjectionInputs",
    "ProjectionResult",
    "SelfHostOption",
    "HeadToHead",
    "VOLUME_SCALE",
    "break_even_month",
    "centred_scale",
    "centred_shift",
    "constant_growth",
    "default_decline_rates",
    "fit_growth",
    "growth_shift_tco",
    "head_to_head",
    "monte_carlo",
    "monthly_price_multiplier",
    "project",
    "project_spend",
    "project_volumes",
    "scaled_volume",
    "self_host_detail",
    "spend_paths",
    "tco_usd",
    "tornado",
    "with_input",
]
