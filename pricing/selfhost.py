"""Self-hosted offers: a model served on rented GPUs, priced through the sizing module's one cost model.

Each offer is a `pricing.sizing.SelfHostPlan` built from the stored measurement nearest the workload's
request lengths (its GPU count and throughput together) and the GPU's hourly price, then costed by
`sizing.unit_cost` at a stated monthly volume: the realistic USD per 1M output tokens (whole replicas sized
for the peak hour with headroom, paid busy or idle, the figure Spend projections give for that volume) and
the best case (every GPU busy at the target share of the measured max-load throughput around the clock).
Every offer names its measurement (lengths, concurrency, source, date), its GPU price (kind, source, date)
and the assumptions behind both figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pricing.cost import ALLOCATION_BASIS, BUSY_BASIS, self_hosted_usd_per_1m_output
from pricing.gpus import GpuHourlyPrice, pick_gpu_price
from pricing.gpus import latest_gpu_prices as latest_gpu_prices  # re-exported for existing callers
from pricing.sizing import (
    DEFAULT_HEADROOM,
    DEFAULT_MONTHLY_OUTPUT_TOKENS,
    DEFAULT_OUTPUT_TOKENS_PER_REQUEST,
    DEFAULT_PEAK_TO_AVERAGE,
    DEFAULT_TARGET_UTILISATION,
    OwnershipCosts,
    measurement_from_row,
    nearest_measurements,
    plan_from_measurement,
    request_lengths,
    unit_cost,
)

SELF_HOSTED_SHEET = "Self-hosted (GPU price / measured throughput)"
REALISTIC = "realistic"
BUSY_TIME_LOWER_BOUND = "busy-time lower bound"

OFFER_COLUMNS = (
    "model_key",
    "provider",
    "model_id",
    "usd_per_1m_input",
    "usd_per_1m_output",  # what the frontier plots: the realistic figure (or the busy-time bound, if chosen)
    "usd_per_1m_output_realistic",
    "usd_per_1m_output_best_case",
    "cost_figure",  # which of the two usd_per_1m_output is: "realistic" or "busy-time lower bound"
    "cost_assumptions",
    "usd_per_1m_cached_input",
    "effective_date",
    "source",
    "sheet_name",
    "deployment",
    "gpu",
    "gpu_count",
    "precision",
    "engine",
    "output_tokens_per_s",
    "usd_per_gpu_hour",
    "gpu_price_type",
    "gpu_price_source",
    "gpu_price_date",
    "utilisation",  # the target utilisation at the peak hour
    "average_utilisation",
    "monthly_output_tokens_assumed",
    "peak_to_average",
    "headroom",
    "replicas",
    "gpus_held",
    "basis",
    "measured_input_tokens",
    "measured_output_tokens",
    "measured_concurrency",
    "measurement_source",
    "measurement_date",
    "measurement",
)


@dataclass(frozen=True)
class SelfHostSettings:
    """User-set inputs of the self-hosted cost; any of them may override the stored figures.

    `utilisation` is the target utilisation at the peak hour (as in Spend projections). The realistic
    figure is for `monthly_output_tokens` output tokens a month with a peak hour `peak_to_average` times
    the average and `headroom` spare capacity; a request is `output_tokens_per_request` output tokens and
    the input:output ratio times that in, which picks the nearest measurement.
    """

    utilisation: float = DEFAULT_TARGET_UTILISATION
    basis: str = ALLOCATION_BASIS
    price_type: str = "on-demand"
    usd_per_gpu_hour_overrides: tuple[tuple[str, float], ...] = ()
    # Quality change the user expects from quantisation, in the metric's units, e.g. (("8-bit", -0.5),).
    quality_delta_by_precision: tuple[tuple[str, float], ...] = ()
    monthly_output_tokens: float = DEFAULT_MONTHLY_OUTPUT_TOKENS
    peak_to_average: float = DEFAULT_PEAK_TO_AVERAGE
    headroom: float = DEFAULT_HEADROOM
    output_tokens_per_request: float = DEFAULT_OUTPUT_TOKENS_PER_REQUEST

    def quality_delta(self, precision: str) -> float:
        """The user's quality change for an offer at this precision (0 for 16-bit or unknown)."""
        return dict(self.quality_delta_by_precision).get(precision_class(precision), 0.0)

    def override_for(self, gpu: str) -> float | None:
        """The user's GPU price for this GPU, if set."""
        return dict(self.usd_per_gpu_hour_overrides).get(gpu)


def precision_class(precision: str) -> str:
    """'16-bit', '8-bit' or '4-bit' from any spelling of a serving precision (FP8, fp8 TP2, INT4, NVFP4...)."""
    text = str(precision).lower()
    if "4" in text and any(t in text for t in ("fp4", "int4", "w4", "awq", "gptq", "nvfp4")):
        return "4-bit"
    if any(t in text for t in ("fp8", "int8", "w8")):
        return "8-bit"
    return "16-bit"


def _gpu_price(gpu_prices: pd.DataFrame, gpu: str, settings: SelfHostSettings) -> tuple[float, GpuHourlyPrice | None]:
    """The hourly price of a GPU: the user's override, else the stored one of the wanted kind; ValueError if none."""
    override = settings.override_for(gpu)
    if override is not None:
        return override, None
    price = pick_gpu_price(gpu_prices, gpu, settings.price_type)
    return price.usd_per_gpu_hour, price


def self_hosted_offers(
    throughput: pd.DataFrame,
    gpu_prices: pd.DataFrame,
    settings: SelfHostSettings,
    input_output_ratio: float,
) -> pd.DataFrame:
    """One offer per (model, GPU type): the measurement nearest the workload's lengths, costed by `sizing`."""
    if throughput.empty:
        return pd.DataFrame(columns=list(OFFER_COLUMNS))
    workload = request_lengths(input_output_ratio, settings.output_tokens_per_request)
    mode = "reserved" if settings.price_type == "reserved" else "on-demand"
    rows = []
    for _, row in nearest_measurements(throughput, workload).iterrows():
        measurement = measurement_from_row(row)
        try:
            usd_per_gpu_hour, price = _gpu_price(gpu_prices, measurement.gpu, settings)
        except ValueError:
            continue  # no price for this GPU: it cannot be costed, so it is not offered
        plan = plan_from_measurement(
            measurement,
            OwnershipCosts(mode=mode, usd_per_gpu_hour=usd_per_gpu_hour),
            settings.headroom,
            settings.utilisation,
            price,
        )
        cost = unit_cost(plan, settings.monthly_output_tokens, settings.peak_to_average)
        if settings.basis == BUSY_BASIS:
            busy = self_hosted_usd_per_1m_output(
                usd_per_gpu_hour, measurement.gpu_count, measurement.output_tokens_per_s, 1.0, BUSY_BASIS
            )
            shown, figure = busy.usd_per_1m_output, BUSY_TIME_LOWER_BOUND
        else:
            shown, figure = cost.usd_per_1m_output, REALISTIC
        price_date = dt.date.fromisoformat(plan.gpu_price_as_of) if plan.gpu_price_as_of else None
        gpus = f"{measurement.gpu_count}x {measurement.gpu}"
        rows.append(
            {
                "model_key": f"{measurement.model_id} @ {gpus} {measurement.precision}",
                "provider": f"self-hosted {gpus}",
                "model_id": measurement.model_id,
                "usd_per_1m_input": 0.0,  # the measured throughput already includes prefill work
                "usd_per_1m_output": shown,
                "usd_per_1m_output_realistic": cost.usd_per_1m_output,
                "usd_per_1m_output_best_case": cost.usd_per_1m_output_best_case,
                "cost_figure": figure,
                "cost_assumptions": cost.assumptions,
                "usd_per_1m_cached_input": 0.0,
                "effective_date": price_date,
                "source": (
                    f"{figure}; realistic ${cost.usd_per_1m_output:.4g} and best case "
                    f"${cost.usd_per_1m_output_best_case:.4g} per 1M output tokens ({cost.assumptions}); "
                    f"throughput: {measurement.describe()}; GPU price: {plan.gpu_price_source}"
                ),
                "sheet_name": SELF_HOSTED_SHEET,
                "deployment": "self-hosted",
                "gpu": measurement.gpu,
                "gpu_count": measurement.gpu_count,
                "precision": measurement.precision,
                "engine": measurement.engine or "?",
                "output_tokens_per_s": measurement.output_tokens_per_s,
                "usd_per_gpu_hour": usd_per_gpu_hour,
                "gpu_price_type": plan.gpu_price_type,
                "gpu_price_source": plan.gpu_price_source,
                "gpu_price_date": price_date,
                "utilisation": plan.target_utilisation,
                "average_utilisation": cost.average_utilisation,
                "monthly_output_tokens_assumed": cost.monthly_output_tokens,
                "peak_to_average": cost.peak_to_average,
                "headroom": cost.headroom,
                "replicas": cost.replicas,
                "gpus_held": cost.gpus,
                "basis": settings.basis,
                "measured_input_tokens": measurement.input_tokens,
                "measured_output_tokens": measurement.output_tokens,
                "measured_concurrency": measurement.concurrency,
                "measurement_source": measurement.source,
                "measurement_date": measurement.as_of,
                "measurement": measurement.describe(),
            }
        )
    return pd.DataFrame(rows, columns=list(OFFER_COLUMNS))
