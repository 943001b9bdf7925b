"""Self-host sizing: how many GPUs a model needs, how fast a replica serves, and what the fleet costs.

This is the one self-hosting cost model: the explorer's self-hosted offers, the self-hosting calculator,
Spend projections, the Portfolio, the CLI and the PDF all cost GPUs through it. Pure functions over small
frozen values: GPU datasheet figures (from `data/gpu_specs.csv`, via `pricing.gpus`), model architectures,
memory and roofline estimates, the stored throughput measurement nearest a workload's request lengths,
replica counts and the monthly cost of a fleet under a way of paying for GPUs (on-demand, reserved or
bought). Costs are on the allocation basis: reserved or owned GPUs cost money when idle.

A replica's GPU count and its throughput always come from the same configuration: a stored measurement on
N GPUs gives both (and proves the model fits on N GPUs at the lengths and concurrency it was measured
at); without one, memory sizes the replica and the roofline estimates its throughput on that many GPUs.

Two unit costs come out of one plan: the realistic USD per 1M output tokens at a stated monthly volume
(whole replicas sized for the peak hour with headroom at a target utilisation), and the best case (every
GPU held busy at the target share of its measured max-load throughput around the clock). The gap between
them is the peak-to-average ratio, the headroom and the idle part of whole replicas, each an input.
The boundary: no storage, no UI, no API prices (those live in `pricing.cost` and `pricing.planning.projection`).
Units: GB are decimal (1e9 bytes), as datasheets quote them; a month is 730 hours unless told otherwise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import ConfigDict

from pricing.cost import ALLOCATION_BASIS, TOKENS_PER_MILLION, WorkloadProfile
from pricing.gpus import GPU_SPECS as GPU_SPECS  # re-exported: pages pick GPUs from the sizing module
from pricing.gpus import PURCHASE_PRICE_NOTE as PURCHASE_PRICE_NOTE
from pricing.gpus import GpuHourlyPrice, GpuSpec, gpu_spec
from pricing.identity import canonical_gpu
from pricing.limits import MAX_GPU_COUNT

HOURS_PER_MONTH = 730.0
MAX_TENSOR_PARALLEL = 8
MAX_REPLICAS = 2**40
MAX_LIFE_YEARS = 30  # years a bought GPU is paid off over; servers are written off in 3-6
ACTIVATION_OVERHEAD_SHARE = 0.10  # activations, CUDA graphs and allocator slack on top of weights + KV cache
BANDWIDTH_EFFICIENCY = 0.6  # decode kernels rarely sustain more than ~60% of peak HBM bandwidth
COMPUTE_EFFICIENCY = 0.5  # large-batch decode reaches about half of dense peak tensor FLOPs
ROOFLINE = "roofline estimate"
MEASURED = "measured"
OWN_PROBE = "own probe"
# Without the workload's request lengths, a request is taken as 500 output tokens (the default workload
# profile) and its input as the input:output ratio times that.
DEFAULT_OUTPUT_TOKENS_PER_REQUEST = WorkloadProfile().output_tokens_per_request
DEFAULT_INPUT_OUTPUT_RATIO = WorkloadProfile().input_output_ratio
MAX_INPUT_OUTPUT_RATIO = 1e6
DEFAULT_MONTHLY_OUTPUT_TOKENS = 1e9  # the volume Spend projections start from without usage
DEFAULT_PEAK_TO_AVERAGE = 2.0
DEFAULT_HEADROOM = 0.2
DEFAULT_TARGET_UTILISATION = 0.7

BYTES_PER_PARAMETER = {"fp32": 4.0, "fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5, "fp4": 0.5}
OWNERSHIP_MODES = ("on-demand", "reserved", "bought")
CAPEX_TIMINGS = ("annualised", "upfront")


def normalise_precision(precision: str) -> str:
    """The weight format of a precision label ("fp8 TP4 PP1" -> "fp8", "BF16" -> "bf16"), or ValueError."""
    token = re.split(r"[\s/_]+", precision.strip().lower())[0] if precision.strip() else ""
    token = {"float16": "fp16", "half": "fp16", "bfloat16": "bf16", "nvfp4": "fp4", "w4a16": "int4"}.get(token, token)
    if token not in BYTES_PER_PARAMETER:
        raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(BYTES_PER_PARAMETER)}")
    return token


def weights_memory_gb(params_b: float, precision: str) -> float:
    """GB of weights: billions of parameters x bytes per parameter (FP16/BF16 2, FP8 1, INT4/FP4 0.5)."""
    if params_b <= 0:
        raise ValueError(f"parameter count must be positive (got {params_b}B)")
    return params_b * BYTES_PER_PARAMETER[normalise_precision(precision)]


@dataclass(frozen=True)
class ModelArch:
    """The attention shape that sets KV-cache size, and whether it is known or estimated."""

    layers: int
    kv_heads: int
    head_dim: int
    source: str = "known: model config.json"

    def kv_bytes_per_token(self, bytes_per_element: float = 2.0) -> float:
        """KV-cache bytes per token: 2 (K and V) x layers x KV heads x head dim x bytes per element."""
        return 2 * self.layers * self.kv_heads * self.head_dim * bytes_per_element


# Patterns are matched against lower-cased model ids; the first hit wins, so specific ones come first.
KNOWN_ARCHS: tuple[tuple[str, str, ModelArch], ...] = (
    ("Llama 3.1 405B", r"llama-?3(\.\d)?-?405b", ModelArch(126, 8, 128)),
    ("Llama 3.x 70B", r"llama-?3(\.\d)?-?70b", ModelArch(80, 8, 128)),
    ("Llama 3.1 8B", r"llama-?3(\.\d)?-?8b", ModelArch(32, 8, 128)),
    # Qwen3's mixture-of-experts models hold every expert's weights but a small KV cache (4 KV heads): 30B-A3B's
    # 8K x 32 sequences are 26 GB, not the 56 GB a dense 30B model's shape would give.
    ("Qwen3 235B-A22B", r"qwen-?3(-coder)?-?235b", ModelArch(94, 4, 128)),
    ("Qwen3 30B-A3B", r"qwen-?3(-coder)?-?30b", ModelArch(48, 4, 128)),
    ("Qwen3 32B", r"qwen-?3-?32b", ModelArch(64, 8, 128)),
    ("Qwen3 14B", r"qwen-?3-?14b", ModelArch(40, 8, 128)),
    ("Qwen3 8B", r"qwen-?3-?8b", ModelArch(36, 8, 128)),
    ("Qwen3 4B", r"qwen-?3-?4b", ModelArch(36, 8, 128)),
    ("Qwen2.5 72B", r"qwen-?2\.5-?72b", ModelArch(80, 8, 128)),
    ("Qwen2.5 32B", r"qwen-?2\.5-?32b", ModelArch(64, 8, 128)),
    ("Qwen2.5 14B", r"qwen-?2\.5-?14b", ModelArch(48, 8, 128)),
    ("Qwen2.5 7B", r"qwen-?2\.5-?7b", ModelArch(28, 4, 128)),
    ("Mixtral 8x7B", r"mixtral-?8x7b", ModelArch(32, 8, 128)),
    ("Mistral 7B", r"mistral-?7b", ModelArch(32, 8, 128)),
    ("Gemma 2 27B", r"gemma-?2-?27b", ModelArch(46, 16, 128)),
    ("Gemma 2 9B", r"gemma-?2-?9b", ModelArch(42, 8, 256)),
)


def known_arch(model_id: str) -> ModelArch | None:
    """The architecture of a known model id (any common spelling), else None."""
    text = re.sub(r"[\s_]+", "-", model_id.strip().lower())
    for _, pattern, arch in KNOWN_ARCHS:
        if re.search(pattern, text):
            return arch
    return None


def estimate_arch(params_b: float) -> ModelArch:
    """A dense GQA architecture guessed from parameter count (8 KV heads x 128, layers on a power law)."""
    if params_b <= 0:
        raise ValueError(f"parameter count must be positive (got {params_b}B)")
    # Layers fitted through Llama 3.1 8B (32 layers) and 405B (126); rounded up to stay on the safe side.
    layers = max(1, math.ceil(32 * (params_b / 8) ** 0.349))
    return ModelArch(layers, 8, 128, source=f"estimate from {params_b:g}B parameters (not the model's config)")


def kv_cache_gb(
    context_tokens: int, concurrent_sequences: int, arch: ModelArch, bytes_per_element: float = 2.0
) -> float:
    """GB of KV cache for that many sequences each holding `context_tokens` tokens."""
    if context_tokens < 0 or concurrent_sequences < 0:
        raise ValueError("context tokens and concurrent sequences must not be negative")
    return context_tokens * concurrent_sequences * arch.kv_bytes_per_token(bytes_per_element) / 1e9


def gpus_per_replica(
    params_b: float,
    precision: str,
    gpu: str | GpuSpec,
    context_tokens: int,
    concurrent_sequences: int,
    arch: ModelArch | None = None,
    memory_headroom: float = 0.9,
) -> int:
    """Smallest power-of-two tensor-parallel count whose usable memory holds weights + KV cache + overhead."""
    if not 0 < memory_headroom <= 1:
        raise ValueError(f"memory headroom must be above 0 and at most 1 (got {memory_headroom})")
    spec = gpu_spec(gpu)
    shape = arch if arch is not None else estimate_arch(params_b)
    needed_gb = (weights_memory_gb(params_b, precision) + kv_cache_gb(context_tokens, concurrent_sequences, shape)) * (
        1 + ACTIVATION_OVERHEAD_SHARE
    )
    tp = 1
    while tp <= MAX_TENSOR_PARALLEL:
        if needed_gb <= tp * spec.memory_gb * memory_headroom:
            return tp
        tp *= 2
    raise ValueError(
        f"{params_b:g}B at {precision} with {concurrent_sequences} x {context_tokens} tokens of context needs "
        f"{needed_gb:.0f} GB, more than {MAX_TENSOR_PARALLEL} x {spec.name} hold "
        f"({MAX_TENSOR_PARALLEL * spec.memory_gb * memory_headroom:.0f} GB usable); use a smaller precision, "
        "shorter context, fewer concurrent sequences or a bigger GPU"
    )


@dataclass(frozen=True)
class RooflineEstimate:
    """Decode throughput of one replica from the roofline: the lower of the memory and compute bounds."""

    tokens_per_s: float
    memory_bound_tokens_per_s: float
    compute_bound_tokens_per_s: float
    bound: str  # "memory" or "compute"
    label: str = ROOFLINE


def roofline_output_tokens_per_s(
    params_b: float,
    precision: str,
    gpu: str | GpuSpec,
    gpus: int,
    batch: int,
    context_tokens: int = 0,
    arch: ModelArch | None = None,
    bandwidth_efficiency: float = BANDWIDTH_EFFICIENCY,
    compute_efficiency: float = COMPUTE_EFFICIENCY,
) -> RooflineEstimate:
    """Output tokens/s of a replica: min(memory-bound batch x steps/s, compute-bound FLOPs / 2 x params)."""
    if gpus < 1 or batch < 1:
        raise ValueError(f"GPUs and batch must be at least 1 (got {gpus} GPUs, batch {batch})")
    if not 0 < bandwidth_efficiency <= 1 or not 0 < compute_efficiency <= 1:
        raise ValueError("efficiencies must be above 0 and at most 1")
    spec = gpu_spec(gpu)
    # Each decode step streams all weights once, plus every sequence's KV cache (zero when context is 0).
    kv_gb = kv_cache_gb(context_tokens, batch, arch if arch is not None else estimate_arch(params_b))
    bytes_per_step_gb = weights_memory_gb(params_b, precision) + kv_gb
    steps_per_s = spec.memory_bandwidth_gb_s * gpus * bandwidth_efficiency / bytes_per_step_gb
    memory_bound = steps_per_s * batch
    flops_per_token = 2 * params_b * 1e9
    compute_bound = spec.tflops_for(normalise_precision(precision)) * 1e12 * gpus * compute_efficiency / flops_per_token
    bound = "memory" if memory_bound <= compute_bound else "compute"
    return RooflineEstimate(min(memory_bound, compute_bound), memory_bound, compute_bound, bound)


@dataclass(frozen=True)
class ThroughputMeasurement:
    """One stored serving measurement: what ran, on how many GPUs, at which request lengths and load.

    `output_tokens_per_s` is the total over all `gpu_count` GPUs. `concurrency` is as the source states it
    ("max" for a max-load benchmark, or a number of concurrent requests). `as_of` is an ISO date or None.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    model_id: str
    gpu: str
    gpu_count: int
    precision: str
    input_tokens: int | None
    output_tokens: int | None
    concurrency: str
    output_tokens_per_s: float
    source: str
    as_of: str | None = None
    engine: str = ""
    kind: str = MEASURED  # MEASURED or OWN_PROBE

    @property
    def lengths(self) -> str:
        """'20000 in / 2000 out tokens', or 'request lengths not stated'."""
        if self.input_tokens is None or self.output_tokens is None:
            return "request lengths not stated"
        return f"{self.input_tokens} in / {self.output_tokens} out tokens"

    def describe(self) -> str:
        """One line naming the measurement: source, setup, lengths, concurrency, speed and date."""
        engine = f", {self.engine}" if self.engine else ""
        return (
            f"{self.source}: {self.gpu_count}x {self.gpu} {self.precision}{engine}, {self.lengths}, "
            f"concurrency {self.concurrency}, {self.output_tokens_per_s:,.0f} output tokens/s, "
            f"{self.as_of or 'undated'}"
        )


@dataclass(frozen=True)
class ReplicaThroughput:
    """Output tokens/s of one replica of `gpus` GPUs, where the figure came from and of which kind."""

    tokens_per_s: float
    source: str
    kind: str  # MEASURED, OWN_PROBE or ROOFLINE
    gpus: int = 1
    measurement: ThroughputMeasurement | None = None


def request_lengths(
    input_output_ratio: float | None = None, output_tokens_per_request: float | None = None
) -> WorkloadProfile:
    """A request's input and output lengths: output as given (default 500), input = ratio x output (default 3)."""
    output = DEFAULT_OUTPUT_TOKENS_PER_REQUEST if output_tokens_per_request is None else output_tokens_per_request
    ratio = DEFAULT_INPUT_OUTPUT_RATIO if input_output_ratio is None else input_output_ratio
    if math.isnan(ratio) or ratio < 0:
        raise ValueError(f"the input:output ratio must be 0 or more (got {ratio})")
    # An output-free workload (ratio inf) is matched as a very long prompt: the longest-input measurement.
    ratio = min(ratio, MAX_INPUT_OUTPUT_RATIO)
    return WorkloadProfile(input_tokens_per_request=ratio * output, output_tokens_per_request=output)


def length_distance(
    input_tokens: pd.Series | np.ndarray, output_tokens: pd.Series | np.ndarray, workload: WorkloadProfile
) -> np.ndarray:
    """Distance in log-length space: hypot(ln(input / wanted input), ln(output / wanted output)); NaN -> inf.

    Both lengths count, not only their ratio: 5000/500 and 20000/2000 share a ratio, but a 20000-token
    prompt holds four times the KV cache and prefills four times the tokens, so it serves far fewer output
    tokens per second.
    """
    measured_in = pd.to_numeric(pd.Series(np.asarray(input_tokens, dtype=object)), errors="coerce").astype(float)
    measured_out = pd.to_numeric(pd.Series(np.asarray(output_tokens, dtype=object)), errors="coerce").astype(float)
    wanted_in = max(workload.input_tokens_per_request, 1.0)
    wanted_out = max(workload.output_tokens_per_request, 1.0)
    distance = np.hypot(
        np.log(measured_in.clip(lower=1.0) / wanted_in), np.log(measured_out.clip(lower=1.0) / wanted_out)
    )
    return distance.fillna(np.inf).to_numpy()


def _precision_matches(label: object, wanted: str) -> bool:
    if not isinstance(label, str) or not label.strip():
        return False
    formats = {part for part in re.split(r"[\s/]+", label.strip().lower()) if part in BYTES_PER_PARAMETER}
    return wanted in formats or (wanted in ("fp16", "bf16") and bool(formats & {"fp16", "bf16"}))


def nearest_measurements(measurements: pd.DataFrame, workload: WorkloadProfile) -> pd.DataFrame:
    """Per (model_id, gpu): the measurement nearest the workload's input and output lengths.

    Among rows equally near (a concurrency sweep, or the same lengths on 1, 2 or 4 GPUs) the one with the
    most output tokens/s per GPU wins, then the fewer GPUs. Rows without lengths are used only when no
    row of that model and GPU has them. Adds `length_distance` and `tokens_per_s_per_gpu`.
    """
    frame = measurements[pd.to_numeric(measurements["output_tokens_per_s"], errors="coerce") > 0].copy()
    if frame.empty:
        return frame.assign(length_distance=pd.Series(dtype=float), tokens_per_s_per_gpu=pd.Series(dtype=float))
    frame["gpu"] = frame["gpu"].astype(str).map(canonical_gpu)
    frame["length_distance"] = length_distance(frame["input_tokens"], frame["output_tokens"], workload)
    frame["tokens_per_s_per_gpu"] = frame["output_tokens_per_s"].astype(float) / frame["gpu_count"].astype(float)
    frame = frame.sort_values(
        ["length_distance", "tokens_per_s_per_gpu", "gpu_count"], ascending=[True, False, True], kind="stable"
    )
    return frame.groupby(["model_id", "gpu"], sort=False).head(1)


def _optional_int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def measurement_from_row(row: pd.Series) -> ThroughputMeasurement:
    """A ThroughputMeasurement from one row of the store's throughput table."""
    source = str(row["source"])
    as_of = row.get("as_of")
    engine = row.get("engine")
    concurrency = row.get("concurrency")
    return ThroughputMeasurement(
        model_id=str(row["model_id"]),
        gpu=canonical_gpu(str(row["gpu"])),
        gpu_count=int(row["gpu_count"]),
        precision=str(row["precision"]) if isinstance(row["precision"], str) else "?",
        input_tokens=_optional_int(row.get("input_tokens")),
        output_tokens=_optional_int(row.get("output_tokens")),
        concurrency=str(concurrency) if concurrency is not None and not pd.isna(concurrency) else "not stated",
        output_tokens_per_s=float(row["output_tokens_per_s"]),
        source=source,
        as_of=pd.Timestamp(as_of).date().isoformat() if as_of is not None and pd.notna(as_of) else None,
        engine=str(engine) if isinstance(engine, str) else "",
        kind=OWN_PROBE if source.lower().startswith(OWN_PROBE) else MEASURED,
    )


def pick_measurement(
    measurements: pd.DataFrame | None,
    model_id: str,
    gpu: str | GpuSpec,
    precision: str | None,
    workload: WorkloadProfile,
) -> ThroughputMeasurement | None:
    """The stored measurement of this model on this GPU (at this precision) nearest the workload's lengths."""
    if measurements is None or measurements.empty:
        return None
    name = gpu.name if isinstance(gpu, GpuSpec) else canonical_gpu(gpu)
    frame = measurements[
        (measurements["model_id"].astype(str) == model_id)
        & (measurements["gpu"].astype(str).map(canonical_gpu) == name)
    ]
    if precision is not None:
        wanted = normalise_precision(precision)
        frame = frame.loc[frame["precision"].map(lambda label: _precision_matches(label, wanted)).astype(bool)]
    if frame.empty:
        return None
    chosen = nearest_measurements(frame, workload)
    return None if chosen.empty else measurement_from_row(chosen.iloc[0])


def replica_throughput(
    measurements: pd.DataFrame | None,
    model_id: str,
    gpu: str | GpuSpec,
    precision: str,
    params_b: float | None = None,
    gpus: int = 1,
    batch: int = 64,
    context_tokens: int = 0,
    arch: ModelArch | None = None,
    input_output_ratio: float | None = None,
    *,
    workload: WorkloadProfile | None = None,
) -> ReplicaThroughput:
    """The stored measurement nearest the workload's request lengths, else the roofline estimate on `gpus`.

    A measurement brings its own GPU count (`gpus` is then ignored). Without `workload`, a request is
    500 output tokens and `input_output_ratio` (default 3) times that in. Rows whose source starts with
    "own probe" are labelled as such. Without a measurement, `params_b` is needed for the roofline.
    """
    spec = gpu_spec(gpu)
    lengths = workload if workload is not None else request_lengths(input_output_ratio)
    measured = pick_measurement(measurements, model_id, spec, precision, lengths)
    if measured is not None:
        return ReplicaThroughput(
            measured.output_tokens_per_s, measured.describe(), measured.kind, measured.gpu_count, measured
        )
    wanted = normalise_precision(precision)
    if params_b is None:
        raise ValueError(
            f"no stored throughput for {model_id} on {spec.name} at {wanted}; give params_b for a roofline estimate"
        )
    estimate = roofline_output_tokens_per_s(params_b, wanted, spec, gpus, batch, context_tokens, arch)
    source = f"{ROOFLINE}: {gpus}x {spec.name} {wanted}, batch {batch}, {estimate.bound}-bound"
    return ReplicaThroughput(estimate.tokens_per_s, source, ROOFLINE, gpus)


def _ceil_whole(values: np.ndarray) -> np.ndarray:
    # A hair of tolerance so 2.0000000001 replicas (float noise) is 2, not 3.
    return np.ceil(np.asarray(values, dtype=float) - 1e-9)


def replicas_needed(
    peak_output_tokens_per_s: float,
    replica_tokens_per_s: float,
    headroom: float = 0.2,
    target_utilisation: float = 0.7,
) -> int:
    """Whole replicas to serve the peak with headroom at the target utilisation: ceil, at least 1."""
    return int(
        _replicas_array(np.asarray(peak_output_tokens_per_s), replica_tokens_per_s, headroom, target_utilisation)
    )


def _replicas_array(
    peak_output_tokens_per_s: np.ndarray, replica_tokens_per_s: float, headroom: float, target_utilisation: float
) -> np.ndarray:
    if replica_tokens_per_s <= 0:
        raise ValueError(f"replica throughput must be positive (got {replica_tokens_per_s})")
    if headroom < 0:
        raise ValueError(f"headroom must not be negative (got {headroom})")
    if not 0 < target_utilisation <= 1:
        raise ValueError(f"target utilisation must be above 0 and at most 1 (got {target_utilisation})")
    if np.any(np.asarray(peak_output_tokens_per_s) < 0):
        raise ValueError("peak tokens/s must not be negative")
    raw = peak_output_tokens_per_s * (1 + headroom) / (replica_tokens_per_s * target_utilisation)
    # Past MAX_REPLICAS (more GPUs than were ever made) the count is a cap, not a plan: capped, GPU counts stay exact
    # int64s (replicas x at most MAX_GPU_COUNT) and the spend astronomically large, instead of wrapping negative.
    return np.clip(_ceil_whole(raw), 1, MAX_REPLICAS).astype(np.int64)


def capital_recovery_factor(rate: float, years: float) -> float:
    """Share of a capital sum to pay each year to repay it with interest: r(1+r)^n / ((1+r)^n - 1); 1/n at r=0."""
    if years <= 0:
        raise ValueError(f"years must be positive (got {years})")
    if years > MAX_LIFE_YEARS:
        raise ValueError(f"years must be at most {MAX_LIFE_YEARS} (got {years:g}); no GPU is kept longer")
    if rate <= -1 or rate > 1:
        raise ValueError(f"rate must be above -100% and at most 100% a year (got {rate:g})")
    growth_less_one = math.expm1(years * math.log1p(rate))  # (1+r)^n - 1 without cancelling for tiny rates
    if growth_less_one == 0:
        return 1 / years
    return rate * (growth_less_one + 1) / growth_less_one


@dataclass(frozen=True)
class OwnershipCosts:
    """How GPUs are paid for: rented by the hour (on-demand or reserved) or bought and run.

    Rented: `usd_per_gpu_hour`. Bought: purchase price per GPU plus a share for the server, network and
    storage around it, recovered over `life_years` at `cost_of_capital_per_year` net of a residual value;
    power = GPU kW x PUE x USD/kWh x hours. `ops_usd_per_month` is the fixed cost of the people running the
    fleet; it applies to every mode (rented fleets need operators too) and defaults to 0.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    mode: str = "on-demand"
    usd_per_gpu_hour: float = 0.0
    purchase_usd_per_gpu: float = 0.0
    server_overhead_share: float = 0.25
    life_years: float = 4.0
    residual_value_share: float = 0.1
    cost_of_capital_per_year: float = 0.08
    gpu_power_kw: float = 0.7
    pue: float = 1.3
    usd_per_kwh: float = 0.12
    ops_usd_per_month: float = 0.0
    capex_timing: str = "annualised"  # or "upfront": the purchase is paid in the month GPUs are added

    def __post_init__(self) -> None:
        if self.capex_timing not in CAPEX_TIMINGS:
            raise ValueError(f"unknown capex timing {self.capex_timing!r}; use one of {', '.join(CAPEX_TIMINGS)}")
        if self.mode not in OWNERSHIP_MODES:
            raise ValueError(f"unknown ownership mode {self.mode!r}; use one of {', '.join(OWNERSHIP_MODES)}")
        for name in (
            "usd_per_gpu_hour",
            "purchase_usd_per_gpu",
            "server_overhead_share",
            "gpu_power_kw",
            "usd_per_kwh",
            "ops_usd_per_month",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative (got {getattr(self, name)})")
        if self.mode != "bought" and self.usd_per_gpu_hour <= 0:
            raise ValueError(f"{self.mode} GPUs need a positive usd_per_gpu_hour")
        if self.mode == "bought" and self.purchase_usd_per_gpu <= 0:
            raise ValueError("bought GPUs need a positive purchase_usd_per_gpu")
        if not 0 <= self.residual_value_share <= 1:
            raise ValueError(f"residual value share must be between 0 and 1 (got {self.residual_value_share})")
        if self.pue < 1:
            raise ValueError(f"PUE must be at least 1 (got {self.pue})")
        capital_recovery_factor(self.cost_of_capital_per_year, self.life_years)  # validates rate and years

    @property
    def is_rented(self) -> bool:
        """Whether GPUs are paid by the hour (so their price can fall over time)."""
        return self.mode != "bought"

    @property
    def annualised_capex_usd_per_gpu(self) -> float:
        """(P - residual / (1+r)^n) x CRF per GPU-year, P = GPU price x (1 + server overhead share)."""
        if self.is_rented:
            return 0.0
        rate, years = self.cost_of_capital_per_year, self.life_years
        capex = self.purchase_usd_per_gpu * (1 + self.server_overhead_share)
        residual_today = capex * self.residual_value_share / (1 + rate) ** years
        return (capex - residual_today) * capital_recovery_factor(rate, years)

    def power_usd_per_gpu_month(self, hours_per_month: float = HOURS_PER_MONTH) -> float:
        """Electricity per owned GPU per month: kW x PUE x USD/kWh x hours (rented prices include it)."""
        return 0.0 if self.is_rented else self.gpu_power_kw * self.pue * self.usd_per_kwh * hours_per_month

    def usd_per_gpu_month(self, hours_per_month: float = HOURS_PER_MONTH) -> float:
        """What one GPU costs per month before any price decline, ops excluded."""
        if self.is_rented:
            return self.usd_per_gpu_hour * hours_per_month
        return self.annualised_capex_usd_per_gpu / 12 + self.power_usd_per_gpu_month(hours_per_month)


@dataclass(frozen=True)
class SelfHostPlan:
    """A sized deployment: the GPU, GPUs per replica, a replica's throughput and how GPUs are paid.

    Every figure an analyst needs to redo the sum travels with the plan: the measurement the throughput
    came from (None for a roofline estimate, described in `throughput_source`), the GPU price's kind,
    source and date (`ownership.usd_per_gpu_hour` is the price itself), the target utilisation and the
    headroom. `gpu_price_type` is the kind of price used; a reserved plan whose `gpu_price_type` is
    "on-demand" is priced at the on-demand rate because no reserved rate is known.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # unknown key, NaN, inf: refused

    gpu: str
    gpus_per_replica: int
    replica_output_tokens_per_s: float
    ownership: OwnershipCosts
    headroom: float = DEFAULT_HEADROOM
    target_utilisation: float = DEFAULT_TARGET_UTILISATION
    throughput_source: str = ""
    basis: str = ALLOCATION_BASIS  # always: reserved GPUs are paid for busy or idle
    measurement: ThroughputMeasurement | None = None
    gpu_price_source: str = ""
    gpu_price_type: str = ""  # on-demand, reserved, marketplace, spot, "set by you", or "" when unknown
    gpu_price_as_of: str | None = None  # ISO date of the GPU price

    def __post_init__(self) -> None:
        if self.gpus_per_replica < 1:
            raise ValueError(f"a replica needs at least one GPU (got {self.gpus_per_replica})")
        if self.gpus_per_replica > MAX_GPU_COUNT:
            raise ValueError(f"a replica has at most {MAX_GPU_COUNT:,} GPUs (got {self.gpus_per_replica:,})")
        if self.replica_output_tokens_per_s <= 0:
            raise ValueError(f"replica throughput must be positive (got {self.replica_output_tokens_per_s})")
        if self.basis != ALLOCATION_BASIS:
            raise ValueError("self-host projections are on the allocation basis only")
        _replicas_array(np.zeros(1), self.replica_output_tokens_per_s, self.headroom, self.target_utilisation)

    @property
    def reserved_at_on_demand_rate(self) -> bool:
        """Whether reserved GPUs are priced at a non-reserved rate (no reserved rate known): no saving."""
        return self.ownership.mode == "reserved" and self.gpu_price_type not in ("reserved", "set by you", "")


def gpu_price_provenance(price: GpuHourlyPrice | None, ownership: OwnershipCosts) -> tuple[str, str, str | None]:
    """(source text, kind, ISO date) of the GPU price a plan is costed at: the stored `price` when the
    ownership's hourly price is that price (to the cent), else "set by you"; bought GPUs name their purchase."""
    if not ownership.is_rented:
        return f"bought at ${ownership.purchase_usd_per_gpu:,.0f} per GPU (your figure)", "bought", None
    if price is None or not math.isclose(price.usd_per_gpu_hour, ownership.usd_per_gpu_hour, abs_tol=0.005):
        return f"${ownership.usd_per_gpu_hour:.2f}/GPU-hour, set by you", "set by you", None
    return price.describe(), price.price_type, price.as_of


def plan_from_measurement(
    measurement: ThroughputMeasurement,
    ownership: OwnershipCosts,
    headroom: float = DEFAULT_HEADROOM,
    target_utilisation: float = DEFAULT_TARGET_UTILISATION,
    gpu_price: GpuHourlyPrice | None = None,
) -> SelfHostPlan:
    """A plan whose replica is the measured configuration: its GPU count and its throughput, together."""
    price_source, price_type, price_as_of = gpu_price_provenance(gpu_price, ownership)
    return SelfHostPlan(
        gpu=measurement.gpu,
        gpus_per_replica=measurement.gpu_count,
        replica_output_tokens_per_s=measurement.output_tokens_per_s,
        ownership=ownership,
        headroom=headroom,
        target_utilisation=target_utilisation,
        throughput_source=f"{measurement.kind}: {measurement.describe()}",
        measurement=measurement,
        gpu_price_source=price_source,
        gpu_price_type=price_type,
        gpu_price_as_of=price_as_of,
    )


def self_host_gpus(
    monthly_output_tokens: np.ndarray,
    plan: SelfHostPlan,
    peak_to_average: float | np.ndarray,
    hours_per_month: float = HOURS_PER_MONTH,
) -> np.ndarray:
    """GPUs held each month (last axis = months): replicas x GPUs per replica; committed fleets never shrink.

    Peak tokens/s = monthly tokens / (hours x 3600) x peak-to-average. On-demand fleets follow the month's
    need; reserved and bought fleets keep their running maximum, since commitments and hardware stay.
    """
    volumes = np.asarray(monthly_output_tokens, dtype=float)
    ratio = np.asarray(peak_to_average, dtype=float)
    if np.any(ratio < 1):
        raise ValueError("peak-to-average must be at least 1 (the peak is never below the average)")
    if hours_per_month <= 0:
        raise ValueError(f"hours per month must be positive (got {hours_per_month})")
    peak = volumes / (hours_per_month * 3600) * ratio
    replicas = _replicas_array(peak, plan.replica_output_tokens_per_s, plan.headroom, plan.target_utilisation)
    gpus = replicas * plan.gpus_per_replica
    if plan.ownership.mode != "on-demand" and gpus.ndim > 0:
        gpus = np.maximum.accumulate(gpus, axis=-1)
    return gpus


def self_host_monthly_cost(
    monthly_output_tokens: np.ndarray,
    plan: SelfHostPlan,
    peak_to_average: float | np.ndarray,
    hours_per_month: float = HOURS_PER_MONTH,
    gpu_price_multiplier: float | np.ndarray = 1.0,
) -> np.ndarray:
    """USD per month of the fleet (any array shape, last axis = months), on the allocation basis.

    Rented: GPUs x hourly x hours x price multiplier (for falling rental prices). Bought, annualised:
    GPUs x (annualised capex / 12 + power). Bought, upfront (cash view): GPUs added that month x purchase
    price (with server share) + GPUs x power, no residual credited within the horizon. Hardware bought
    does not get cheaper. Ops are added every month.
    """
    gpus = self_host_gpus(monthly_output_tokens, plan, peak_to_average, hours_per_month)
    own = plan.ownership
    if own.is_rented:
        per_gpu = own.usd_per_gpu_month(hours_per_month) * np.asarray(gpu_price_multiplier, dtype=float)
        return gpus * per_gpu + own.ops_usd_per_month
    if own.capex_timing == "upfront":
        added = np.diff(gpus, axis=-1, prepend=0) if gpus.ndim > 0 else gpus
        capex = own.purchase_usd_per_gpu * (1 + own.server_overhead_share)
        return added * capex + gpus * own.power_usd_per_gpu_month(hours_per_month) + own.ops_usd_per_month
    return gpus * own.usd_per_gpu_month(hours_per_month) + own.ops_usd_per_month


def plan_from_sizing(
    model_id: str,
    params_b: float,
    precision: str,
    gpu: str,
    ownership: OwnershipCosts,
    context_tokens: int = 8192,
    concurrent_sequences: int = 32,
    measurements: pd.DataFrame | None = None,
    arch: ModelArch | None = None,
    input_output_ratio: float | None = None,
    headroom: float = DEFAULT_HEADROOM,
    target_utilisation: float = DEFAULT_TARGET_UTILISATION,
    *,
    workload: WorkloadProfile | None = None,
    gpu_price: GpuHourlyPrice | None = None,
) -> SelfHostPlan:
    """A SelfHostPlan for a model on a GPU: the measured configuration nearest the workload, else memory + roofline.

    A stored measurement on N GPUs sizes the replica at N GPUs with that measurement's throughput: it shows
    the model fits on N GPUs at its lengths and concurrency, so the memory estimate (which assumes
    `concurrent_sequences` x `context_tokens` of KV cache) neither refuses nor enlarges it. Without one,
    the replica is the smallest tensor-parallel group whose memory holds the model, and its throughput the
    roofline on that many GPUs. `workload` gives the request lengths (default: 500 output tokens and
    `input_output_ratio` times that in); `gpu_price` the stored hourly price the ownership was priced at.
    """
    lengths = workload if workload is not None else request_lengths(input_output_ratio)
    measured = pick_measurement(measurements, model_id, gpu, precision, lengths)
    if measured is not None:
        return plan_from_measurement(measured, ownership, headroom, target_utilisation, gpu_price)
    shape = arch if arch is not None else known_arch(model_id)
    tp = gpus_per_replica(params_b, precision, gpu, context_tokens, concurrent_sequences, shape)
    estimate = replica_throughput(
        None,
        model_id,
        gpu,
        precision,
        params_b=params_b,
        gpus=tp,
        batch=concurrent_sequences,
        context_tokens=context_tokens,
        arch=shape,
    )
    price_source, price_type, price_as_of = gpu_price_provenance(gpu_price, ownership)
    return SelfHostPlan(
        gpu=gpu_spec(gpu).name,
        gpus_per_replica=tp,
        replica_output_tokens_per_s=estimate.tokens_per_s,
        ownership=ownership,
        headroom=headroom,
        target_utilisation=target_utilisation,
        throughput_source=estimate.source,  # "roofline estimate: 2x H100 SXM fp8, ...": it names its kind
        gpu_price_source=price_source,
        gpu_price_type=price_type,
        gpu_price_as_of=price_as_of,
    )


@dataclass(frozen=True)
class SelfHostUnitCost:
    """USD per 1M output tokens of a plan at a monthly volume, realistic and best case, and why they differ."""

    usd_per_1m_output: float  # realistic: whole replicas for the peak hour with headroom, busy or idle
    usd_per_1m_output_best_case: float  # every GPU busy at the target share of measured throughput, always
    monthly_output_tokens: float
    peak_to_average: float
    headroom: float
    target_utilisation: float
    replicas: int
    gpus: int
    average_utilisation: float  # output served / what the GPUs held could serve at measured throughput

    @property
    def assumptions(self) -> str:
        """The assumptions behind both figures, in words."""
        return (
            f"realistic: {self.monthly_output_tokens / 1e9:,.3g}B output tokens a month, peak hour "
            f"{self.peak_to_average:g}x the average, {self.headroom:.0%} headroom, {self.target_utilisation:.0%} "
            f"target utilisation at the peak, whole replicas ({self.replicas} replica(s), {self.gpus} GPUs held, "
            f"{self.average_utilisation:.0%} average utilisation), paid busy or idle; best case: every GPU held "
            f"busy at {self.target_utilisation:.0%} of its measured max-load throughput around the clock (no peak, "
            "no headroom, no idle replica)"
        )


def best_case_usd_per_1m_output(plan: SelfHostPlan, hours_per_month: float = HOURS_PER_MONTH) -> float:
    """GPU price x GPUs per replica / (replica tokens/s x 3600 x target utilisation) x 1M: the fleet's floor."""
    usd_per_gpu_hour = plan.ownership.usd_per_gpu_month(hours_per_month) / hours_per_month
    tokens_per_hour = plan.replica_output_tokens_per_s * 3600 * plan.target_utilisation
    return usd_per_gpu_hour * plan.gpus_per_replica / tokens_per_hour * TOKENS_PER_MILLION


def unit_cost(
    plan: SelfHostPlan,
    monthly_output_tokens: float = DEFAULT_MONTHLY_OUTPUT_TOKENS,
    peak_to_average: float = DEFAULT_PEAK_TO_AVERAGE,
    hours_per_month: float = HOURS_PER_MONTH,
) -> SelfHostUnitCost:
    """Realistic and best-case USD per 1M output tokens of a plan serving a monthly volume (one month's fleet).

    Realistic = `self_host_monthly_cost` (the fleet Spend projections cost) / volume x 1M; ops included.
    """
    if monthly_output_tokens <= 0:
        raise ValueError(f"monthly output tokens must be positive (got {monthly_output_tokens:g})")
    volume = np.array([float(monthly_output_tokens)])
    gpus = int(self_host_gpus(volume, plan, peak_to_average, hours_per_month)[0])
    usd = float(self_host_monthly_cost(volume, plan, peak_to_average, hours_per_month)[0])
    capacity = gpus / plan.gpus_per_replica * plan.replica_output_tokens_per_s * hours_per_month * 3600
    return SelfHostUnitCost(
        usd_per_1m_output=usd / monthly_output_tokens * TOKENS_PER_MILLION,
        usd_per_1m_output_best_case=best_case_usd_per_1m_output(plan, hours_per_month),
        monthly_output_tokens=float(monthly_output_tokens),
        peak_to_average=float(peak_to_average),
        headroom=plan.headroom,
        target_utilisation=plan.target_utilisation,
        replicas=gpus // plan.gpus_per_replica,
        gpus=gpus,
        average_utilisation=float(monthly_output_tokens) / capacity,
    )
