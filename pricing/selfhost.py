"""Self-hosted offers: a model served on rented GPUs, priced from GPU hourly prices and measured throughput.

Each offer names the measurement and the GPU price it came from, and the basis of its cost (allocation:
the GPUs you reserve, busy or idle; or busy time only). Throughput measured at an input:output length
ratio close to the workload's is preferred, since prefill work per output token depends on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pricing.cost import ALLOCATION_BASIS, self_hosted_usd_per_1m_output

SELF_HOSTED_SHEET = "Self-hosted (GPU price / measured throughput)"
# Order of preference among GPU price sources when several are equally recent.
GPU_PRICE_TYPES = ("on-demand", "marketplace", "reserved", "spot")

OFFER_COLUMNS = (
    "model_key",
    "provider",
    "model_id",
    "usd_per_1m_input",
    "usd_per_1m_output",
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
    "gpu_price_source",
    "gpu_price_date",
    "utilisation",
    "basis",
    "measured_input_tokens",
    "measured_output_tokens",
)


@dataclass(frozen=True)
class SelfHostSettings:
    """User-set inputs of the self-hosted cost; any of them may override the stored figures."""

    utilisation: float = 0.6
    basis: str = ALLOCATION_BASIS
    price_type: str = "on-demand"
    usd_per_gpu_hour_overrides: tuple[tuple[str, float], ...] = ()
    # Quality change the user expects from quantisation, in the metric's units, e.g. (("8-bit", -0.5),).
    quality_delta_by_precision: tuple[tuple[str, float], ...] = ()

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


def latest_gpu_prices(gpu_prices: pd.DataFrame, price_type: str = "on-demand") -> pd.DataFrame:
    """One price per GPU: the most recent of the wanted price type, else the most recent of any type."""
    if gpu_prices.empty:
        return gpu_prices.assign(rank=pd.Series(dtype=int))
    frame = gpu_prices.dropna(subset=["usd_per_gpu_hour"]).copy()
    preferred = [price_type, *[t for t in GPU_PRICE_TYPES if t != price_type]]
    frame["type_rank"] = frame["price_type"].map({t: i for i, t in enumerate(preferred)}).fillna(len(preferred))
    frame["as_of_sort"] = pd.to_datetime(frame["as_of"], errors="coerce")
    frame = frame.sort_values(["gpu", "type_rank", "as_of_sort"], ascending=[True, True, False])
    return frame.groupby("gpu", as_index=False).head(1).drop(columns=["type_rank", "as_of_sort"])


def _ratio_distance(input_tokens: pd.Series, output_tokens: pd.Series, wanted_ratio: float) -> pd.Series:
    ratio = pd.to_numeric(input_tokens, errors="coerce") / pd.to_numeric(output_tokens, errors="coerce")
    wanted = max(wanted_ratio, 1e-6) if math.isfinite(wanted_ratio) else 1e6
    distance = np.abs(np.log(ratio.astype(float).clip(lower=1e-6)) - math.log(wanted))
    return distance.fillna(np.inf)


def self_hosted_offers(
    throughput: pd.DataFrame,
    gpu_prices: pd.DataFrame,
    settings: SelfHostSettings,
    input_output_ratio: float,
) -> pd.DataFrame:
    """One offer per (model, GPU type): the measurement nearest the workload's ratio, cheapest per token."""
    if throughput.empty:
        return pd.DataFrame(columns=list(OFFER_COLUMNS))
    prices = latest_gpu_prices(gpu_prices, settings.price_type).set_index("gpu")
    frame = throughput[throughput["output_tokens_per_s"] > 0].copy()
    frame["ratio_distance"] = _ratio_distance(frame["input_tokens"], frame["output_tokens"], input_output_ratio)
    frame["tokens_per_s_per_gpu"] = frame["output_tokens_per_s"] / frame["gpu_count"]
    nearest = frame.groupby(["model_id", "gpu"])["ratio_distance"].transform("min")
    frame = frame[frame["ratio_distance"] == nearest]
    frame = frame.sort_values("tokens_per_s_per_gpu", ascending=False).groupby(["model_id", "gpu"]).head(1)
    rows = []
    for row in frame.itertuples(index=False):
        override = settings.override_for(str(row.gpu))
        if override is not None:
            usd_per_gpu_hour, price_source, price_date = override, "set by you", None
        elif row.gpu in prices.index:
            price = prices.loc[row.gpu]
            usd_per_gpu_hour = float(price["usd_per_gpu_hour"])
            price_source = f"{price['provider']} ({price['price_type']}; {price['source']})"
            price_date = price["as_of"]
        else:
            continue  # no price for this GPU: it cannot be costed, so it is not offered
        cost = self_hosted_usd_per_1m_output(
            usd_per_gpu_hour,
            int(row.gpu_count),
            float(row.output_tokens_per_s),
            settings.utilisation,
            settings.basis,
        )
        precision = str(row.precision) if isinstance(row.precision, str) else "?"
        engine = str(row.engine) if isinstance(row.engine, str) else "?"
        rows.append(
            {
                "model_key": f"{row.model_id} @ {int(row.gpu_count)}x {row.gpu} {precision}",
                "provider": f"self-hosted {int(row.gpu_count)}x {row.gpu}",
                "model_id": row.model_id,
                "usd_per_1m_input": 0.0,  # the measured throughput already includes prefill work
                "usd_per_1m_output": cost.usd_per_1m_output,
                "usd_per_1m_cached_input": 0.0,
                "effective_date": price_date,
                "source": f"throughput: {row.source}; GPU price: {price_source}",
                "sheet_name": SELF_HOSTED_SHEET,
                "deployment": "self-hosted",
                "gpu": row.gpu,
                "gpu_count": int(row.gpu_count),
                "precision": precision,
                "engine": engine,
                "output_tokens_per_s": float(row.output_tokens_per_s),
                "usd_per_gpu_hour": usd_per_gpu_hour,
                "gpu_price_source": price_source,
                "gpu_price_date": price_date,
                "utilisation": cost.utilisation,
                "basis": cost.basis,
                "measured_input_tokens": row.input_tokens,
                "measured_output_tokens": row.output_tokens,
            }
        )
    return pd.DataFrame(rows, columns=list(OFFER_COLUMNS))
