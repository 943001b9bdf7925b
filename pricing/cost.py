"""The cost engine: what a request, a usage log or a workload costs under a price sheet or on own GPUs.

Pure functions over small frozen values. Token convention throughout: `input_tokens` counts every
prompt token, cached ones included (OpenAI's convention, which litellm's `cost_per_token` also uses);
`cached_input_tokens` is the part of those served from the provider's prompt cache. Logs written in
Anthropic's convention (input excludes cache reads) are normalised by `normalise_usage` first.
Prices for the bundled litellm sheet are computed by litellm itself (see `litellm_prices`), so tiers
and cache prices agree with litellm exactly; this module prices every other sheet linearly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

TOKENS_PER_MILLION = 1_000_000
DEFAULT_INPUT_OUTPUT_RATIO = 3.0  # 3 input tokens per output token, as Artificial Analysis blends
DEFAULT_STALE_AFTER_DAYS = 180


class UnpricedModelError(LookupError):
    """A model has no price in the chosen sheet; never priced as zero."""

    def __init__(self, model: str, sheet_name: str, hint: str = "") -> None:
        self.model = model
        self.sheet_name = sheet_name
        message = f"no price for {model} in sheet {sheet_name}"
        super().__init__(f"{message}. {hint}".strip() if hint else message)


@dataclass(frozen=True)
class Usage:
    """Token counts of one request (or a sum of requests)."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens", "cached_input_tokens"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"{name} must not be negative (got {value})")
        if self.cached_input_tokens > self.input_tokens:
            raise ValueError(
                f"cached_input_tokens ({self.cached_input_tokens}) exceed input_tokens "
                f"({self.input_tokens}): input_tokens must include the cached tokens"
            )


def normalise_usage(
    input_tokens: int, output_tokens: int, cached_input_tokens: int = 0, input_includes_cached: bool = True
) -> Usage:
    """Build a Usage from either convention; Anthropic-style logs report cache reads apart from input."""
    if not input_includes_cached:
        input_tokens = input_tokens + cached_input_tokens
    return Usage(int(input_tokens), int(output_tokens), int(cached_input_tokens))


@dataclass(frozen=True)
class TokenPrice:
    """One model's per-token prices in one sheet, with where and when they came from."""

    model_key: str
    sheet_name: str
    usd_per_1m_input: float
    usd_per_1m_output: float
    usd_per_1m_cached_input: float | None = None
    effective_date: dt.date | None = None
    provider: str | None = None

    @property
    def usd_per_1m_cached_effective(self) -> float:
        """Price of a cached input token; sheets without a cache price bill cached tokens as input."""
        if self.usd_per_1m_cached_input is None or math.isnan(self.usd_per_1m_cached_input):
            return self.usd_per_1m_input
        return self.usd_per_1m_cached_input

    def is_stale(self, today: dt.date, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> bool:
        """Whether the price is older than the threshold (or undated), so possibly out of date."""
        if self.effective_date is None:
            return True
        effective = self.effective_date
        if isinstance(effective, dt.datetime):  # also pandas Timestamps, as DuckDB returns dates
            effective = effective.date()
        return (today - effective).days > stale_after_days


class Pricer(Protocol):
    """Anything that can price a usage for a model key."""

    @property
    def sheet_name(self) -> str:
        """The sheet the prices come from."""
        ...

    def cost_usd(self, model_key: str, usage: Usage) -> float:
        """Cost in USD of the usage, or UnpricedModelError."""
        ...


def linear_cost_usd(price: TokenPrice, usage: Usage) -> float:
    """Cost of a usage at flat per-token prices."""
    uncached = usage.input_tokens - usage.cached_input_tokens
    return (
        uncached * price.usd_per_1m_input
        + usage.cached_input_tokens * price.usd_per_1m_cached_effective
        + usage.output_tokens * price.usd_per_1m_output
    ) / TOKENS_PER_MILLION


@dataclass(frozen=True)
class SheetPricer:
    """Prices usages linearly from a sheet's current prices."""

    sheet_name: str
    prices: dict[str, TokenPrice]

    def cost_usd(self, model_key: str, usage: Usage) -> float:
        """Cost in USD of the usage under this sheet."""
        price = self.prices.get(model_key)
        if price is None:
            raise UnpricedModelError(model_key, self.sheet_name, "Add it to a price sheet or set a deployment price.")
        return linear_cost_usd(price, usage)


def blended_usd_per_1m(
    price: TokenPrice,
    input_output_ratio: float = DEFAULT_INPUT_OUTPUT_RATIO,
    cache_hit_rate: float = 0.0,
) -> float:
    """USD per 1M tokens at an input:output ratio (e.g. 3 for 3:1) with a share of input from cache."""
    if input_output_ratio < 0:
        raise ValueError("input:output ratio must not be negative")
    if not 0.0 <= cache_hit_rate <= 1.0:
        raise ValueError("cache-hit rate must be between 0 and 1")
    usd_per_1m_in = (1 - cache_hit_rate) * price.usd_per_1m_input + cache_hit_rate * price.usd_per_1m_cached_effective
    return (input_output_ratio * usd_per_1m_in + price.usd_per_1m_output) / (input_output_ratio + 1)


@dataclass(frozen=True)
class WorkloadProfile:
    """The shape of one task: tokens in and out per request, and the share of input served from cache."""

    input_tokens_per_request: float = 1500.0
    output_tokens_per_request: float = 500.0
    cache_hit_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.input_tokens_per_request < 0 or self.output_tokens_per_request < 0:
            raise ValueError("tokens per request must not be negative")
        if not 0.0 <= self.cache_hit_rate <= 1.0:
            raise ValueError("cache-hit rate must be between 0 and 1")

    @property
    def input_output_ratio(self) -> float:
        """Input tokens per output token."""
        if self.output_tokens_per_request == 0:
            return math.inf
        return self.input_tokens_per_request / self.output_tokens_per_request


def per_task_usd(price: TokenPrice, profile: WorkloadProfile) -> float:
    """Cost in USD of one request of the workload at flat per-token prices."""
    cached = profile.input_tokens_per_request * profile.cache_hit_rate
    uncached = profile.input_tokens_per_request - cached
    return (
        uncached * price.usd_per_1m_input
        + cached * price.usd_per_1m_cached_effective
        + profile.output_tokens_per_request * price.usd_per_1m_output
    ) / TOKENS_PER_MILLION


ALLOCATION_BASIS = "allocation"  # the GPUs you reserve, busy or idle: what the invoice says
BUSY_BASIS = "busy-time"  # only the hours the GPUs are serving: a lower bound, flattering


@dataclass(frozen=True)
class SelfHostedCost:
    """Cost of serving on own or rented GPUs, and the inputs it came from."""

    usd_per_1m_output: float
    basis: str
    usd_per_gpu_hour: float
    gpu_count: int
    output_tokens_per_s: float
    utilisation: float

    @property
    def usd_per_hour(self) -> float:
        """What the reserved GPUs cost per hour."""
        return self.usd_per_gpu_hour * self.gpu_count


def self_hosted_usd_per_1m_output(
    usd_per_gpu_hour: float,
    gpu_count: int,
    output_tokens_per_s: float,
    utilisation: float = 1.0,
    basis: str = ALLOCATION_BASIS,
) -> SelfHostedCost:
    """USD per 1M output tokens = GPU price x GPUs / (throughput x 3600 x utilisation) x 1M.

    On the allocation basis `utilisation` is the share of reserved capacity actually used (idle GPUs
    still cost money); on the busy-time basis it is forced to 1, which counts only serving hours.
    """
    if usd_per_gpu_hour < 0:
        raise ValueError("GPU price must not be negative")
    if gpu_count < 1:
        raise ValueError("at least one GPU is needed")
    if output_tokens_per_s <= 0:
        raise ValueError("throughput must be positive to serve any tokens")
    if basis not in (ALLOCATION_BASIS, BUSY_BASIS):
        raise ValueError(f"unknown basis {basis!r}; use {ALLOCATION_BASIS!r} or {BUSY_BASIS!r}")
    effective_utilisation = 1.0 if basis == BUSY_BASIS else utilisation
    if not 0.0 < effective_utilisation <= 1.0:
        raise ValueError("utilisation must be above 0 and at most 1")
    tokens_per_hour = output_tokens_per_s * 3600 * effective_utilisation
    usd = usd_per_gpu_hour * gpu_count / tokens_per_hour * TOKENS_PER_MILLION
    return SelfHostedCost(
        usd_per_1m_output=usd,
        basis=basis,
        usd_per_gpu_hour=usd_per_gpu_hour,
        gpu_count=gpu_count,
        output_tokens_per_s=output_tokens_per_s,
        utilisation=effective_utilisation,
    )


def self_hosted_as_token_price(cost: SelfHostedCost, model_key: str, sheet_name: str) -> TokenPrice:
    """Express a self-hosted cost as per-token prices so it blends like an API price.

    A throughput measurement at input:output ratio r already pays for prefilling r input tokens per
    output token, so the whole GPU bill is put on output tokens and input is priced at zero. The
    blend is then faithful when the workload's ratio is close to the measured one, which is why
    callers pick the measurement nearest the workload's ratio.
    """
    return TokenPrice(
        model_key=model_key,
        sheet_name=sheet_name,
        usd_per_1m_input=0.0,
        usd_per_1m_output=cost.usd_per_1m_output,
        usd_per_1m_cached_input=0.0,
    )


def total_cost_usd(pricer: Pricer, rows: Iterable[tuple[str, Usage]]) -> float:
    """Sum of the costs of (model_key, usage) rows; raises on the first unpriced model."""
    return sum(pricer.cost_usd(model_key, usage) for model_key, usage in rows)
