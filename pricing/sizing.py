"""Self-host sizing: how many GPUs a model needs, how fast a replica serves, and what the fleet costs per month.

Pure functions over small frozen values: GPU datasheet figures, model architectures, memory and roofline
estimates, replica counts and the monthly cost of a fleet under a way of paying for GPUs (on-demand,
reserved or bought). Costs are always on the allocation basis: reserved or owned GPUs cost money when idle.
Stored throughput measurements are preferred over estimates; the store's rows come in as a DataFrame.
The boundary: no storage, no UI, no API prices (those live in `pricing.cost` and `pricing.projection`).
Units: GB are decimal (1e9 bytes), as datasheets quote them; a month is 730 hours unless told otherwise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pricing.cost import ALLOCATION_BASIS
from pricing.identity import canonical_gpu

HOURS_PER_MONTH = 730.0
MAX_TENSOR_PARALLEL = 8
ACTIVATION_OVERHEAD_SHARE = 0.10  # activations, CUDA graphs and allocator slack on top of weights + KV cache
BANDWIDTH_EFFICIENCY = 0.6  # decode kernels rarely sustain more than ~60% of peak HBM bandwidth
COMPUTE_EFFICIENCY = 0.5  # large-batch decode reaches about half of dense peak tensor FLOPs
ROOFLINE = "roofline estimate"
MEASURED = "measured"
OWN_PROBE = "own probe"
PURCHASE_PRICE_NOTE = "assumption: typical street price per GPU in 2025, not a quote"

BYTES_PER_PARAMETER = {"fp32": 4.0, "fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5, "fp4": 0.5}
OWNERSHIP_MODES = ("on-demand", "reserved", "bought")
CAPEX_TIMINGS = ("annualised", "upfront")


# --- GPUs ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GpuSpec:
    """Datasheet figures of one GPU (dense tensor throughput, no sparsity) and an assumed purchase price."""

    name: str
    memory_gb: float
    memory_bandwidth_gb_s: float
    fp16_tflops: float  # dense FP16/BF16 tensor
    fp8_tflops: float | None  # None: no FP8 tensor cores (FP8 weights are upcast to FP16 for the maths)
    fp4_tflops: float | None
    board_power_kw: float
    purchase_usd: float  # PURCHASE_PRICE_NOTE
    source: str
    purchase_usd_note: str = PURCHASE_PRICE_NOTE

    def tflops_for(self, precision: str) -> float:
        """Dense tensor TFLOPs at a precision, falling back to the next wider format the GPU has."""
        kind = normalise_precision(precision)
        if kind in ("fp4", "int4") and self.fp4_tflops is not None:
            return self.fp4_tflops
        if kind in ("fp4", "int4", "fp8", "int8") and self.fp8_tflops is not None:
            return self.fp8_tflops
        return self.fp16_tflops


GPU_SPECS: dict[str, GpuSpec] = {
    spec.name: spec
    for spec in (
        GpuSpec("H100 SXM", 80, 3350, 989, 1979, None, 0.70, 30_000, "https://www.nvidia.com/en-us/data-center/h100/"),
        GpuSpec(
            "H100 PCIe",
            80,
            2000,
            756,
            1513,
            None,
            0.35,
            25_000,
            "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
        ),
        GpuSpec("H200", 141, 4800, 989, 1979, None, 0.70, 35_000, "https://www.nvidia.com/en-us/data-center/h200/"),
        GpuSpec(
            "A100 80GB SXM",
            80,
            2039,
            312,
            None,
            None,
            0.40,
            15_000,
            "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/"
            "nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
        ),
        GpuSpec("L40S", 48, 864, 362, 733, None, 0.35, 8_000, "https://www.nvidia.com/en-us/data-center/l40s/"),
        # HGX B200 per-GPU figures: 180 GB HBM3e, ~8 TB/s; dense = half the sparse figures NVIDIA headlines.
        GpuSpec("B200", 180, 8000, 2250, 4500, 9000, 1.00, 40_000, "https://www.nvidia.com/en-us/data-center/hgx/"),
    )
}


def gpu_spec(gpu: str | GpuSpec) -> GpuSpec:
    """The spec of a GPU by any spelling of its name, or ValueError listing the known ones."""
    if isinstance(gpu, GpuSpec):
        return gpu
    spec = GPU_SPECS.get(canonical_gpu(gpu))
    if spec is None:
        raise ValueError(f"no datasheet figures for GPU {gpu!r}; known: {', '.join(GPU_SPECS)}")
    return spec


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


# --- architectures and KV cache --------------------------------------------------------------------
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


# --- throughput --------------------------------------------------------------------------------------
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
    compute_bound = spec.tflops_for(precision) * 1e12 * gpus * compute_efficiency / flops_per_token
    bound = "memory" if memory_bound <= compute_bound else "compute"
    return RooflineEstimate(min(memory_bound, compute_bound), memory_bound, compute_bound, bound)


@dataclass(frozen=True)
class ReplicaThroughput:
    """Output tokens/s of one replica of `gpus` GPUs, where the figure came from and of which kind."""

    tokens_per_s: float
    source: str
    kind: str  # MEASURED, OWN_PROBE or ROOFLINE
    gpus: int = 1


def _precision_matches(label: object, wanted: str) -> bool:
    if not isinstance(label, str) or not label.strip():
        return False
    formats = {part for part in re.split(r"[\s/]+", label.strip().lower()) if part in BYTES_PER_PARAMETER}
    return wanted in formats or (wanted in ("fp16", "bf16") and bool(formats & {"fp16", "bf16"}))


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
) -> ReplicaThroughput:
    """A stored measurement for this model, GPU and precision if there is one, else the roofline estimate.

    Among matching rows the one nearest the workload's input:output ratio wins (prefill work per output
    token depends on it), then the highest tokens/s per GPU. Rows whose source starts with "own probe"
    are labelled as such. Without a measurement, `params_b` is needed for the roofline.
    """
    spec = gpu_spec(gpu)
    wanted = normalise_precision(precision)
    if measurements is not None and not measurements.empty:
        frame = measurements[
            (measurements["model_id"].astype(str) == model_id)
            & (measurements["gpu"].astype(str).map(canonical_gpu) == spec.name)
            & (pd.to_numeric(measurements["output_tokens_per_s"], errors="coerce") > 0)
        ].copy()
        frame = frame[frame["precision"].map(lambda label: _precision_matches(label, wanted))]
        if not frame.empty:
            frame["per_gpu"] = frame["output_tokens_per_s"].astype(float) / frame["gpu_count"].astype(float)
            if input_output_ratio is not None and input_output_ratio > 0:
                ratio = pd.to_numeric(frame["input_tokens"], errors="coerce") / pd.to_numeric(
                    frame["output_tokens"], errors="coerce"
                )
                frame["distance"] = (np.log(ratio.astype(float).clip(lower=1e-6)) - math.log(input_output_ratio)).abs()
                frame["distance"] = frame["distance"].fillna(np.inf)
                frame = frame[frame["distance"] == frame["distance"].min()]
            row = frame.sort_values("per_gpu", ascending=False).iloc[0]
            source = str(row["source"])
            kind = OWN_PROBE if source.lower().startswith(OWN_PROBE) else MEASURED
            as_of = row.get("as_of")
            when = f", as of {pd.Timestamp(as_of).date()}" if as_of is not None and pd.notna(as_of) else ", undated"
            label = f"{source} ({int(row['gpu_count'])}x {spec.name}, {row['precision']}{when})"
            return ReplicaThroughput(float(row["output_tokens_per_s"]), label, kind, int(row["gpu_count"]))
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
    return np.maximum(1, _ceil_whole(raw)).astype(np.int64)


# --- paying for GPUs -----------------------------------------------------------------------------------
def capital_recovery_factor(rate: float, years: float) -> float:
    """Share of a capital sum to pay each year to repay it with interest: r(1+r)^n / ((1+r)^n - 1); 1/n at r=0."""
    if years <= 0:
        raise ValueError(f"years must be positive (got {years})")
    if rate <= -1:
        raise ValueError(f"rate must be above -100% (got {rate})")
    if rate == 0:
        return 1 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


@dataclass(frozen=True)
class OwnershipCosts:
    """How GPUs are paid for: rented by the hour (on-demand or reserved) or bought and run.

    Rented: `usd_per_gpu_hour`. Bought: purchase price per GPU plus a share for the server, network and
    storage around it, recovered over `life_years` at `cost_of_capital_per_year` net of a residual value;
    power = GPU kW x PUE x USD/kWh x hours. `ops_usd_per_month` is the fixed cost of the people running the
    fleet; it applies to every mode (rented fleets need operators too) and defaults to 0.
    """

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
    """A sized deployment: the GPU, GPUs per replica, a replica's throughput and how GPUs are paid."""

    gpu: str
    gpus_per_replica: int
    replica_output_tokens_per_s: float
    ownership: OwnershipCosts
    headroom: float = 0.2
    target_utilisation: float = 0.7
    throughput_source: str = ""
    basis: str = ALLOCATION_BASIS  # always: reserved GPUs are paid for busy or idle

    def __post_init__(self) -> None:
        if self.gpus_per_replica < 1:
            raise ValueError(f"a replica needs at least one GPU (got {self.gpus_per_replica})")
        if self.replica_output_tokens_per_s <= 0:
            raise ValueError(f"replica throughput must be positive (got {self.replica_output_tokens_per_s})")
        if self.basis != ALLOCATION_BASIS:
            raise ValueError("self-host projections are on the allocation basis only")
        _replicas_array(np.zeros(1), self.replica_output_tokens_per_s, self.headroom, self.target_utilisation)


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
    headroom: float = 0.2,
    target_utilisation: float = 0.7,
) -> SelfHostPlan:
    """A SelfHostPlan from a model and GPU: memory-sized replica, measured throughput else the roofline."""
    shape = arch if arch is not None else known_arch(model_id)
    tp = gpus_per_replica(params_b, precision, gpu, context_tokens, concurrent_sequences, shape)
    throughput = replica_throughput(
        measurements,
        model_id,
        gpu,
        precision,
        params_b=params_b,
        gpus=tp,
        batch=concurrent_sequences,
        context_tokens=context_tokens,
        arch=shape,
        input_output_ratio=input_output_ratio,
    )
    return SelfHostPlan(
        gpu=gpu_spec(gpu).name,
        # A measurement on more GPUs than memory needs sizes the replica; one on fewer keeps its (lower,
        # conservative) throughput rather than assume linear scaling across tensor-parallel ranks.
        gpus_per_replica=max(tp, throughput.gpus),
        replica_output_tokens_per_s=throughput.tokens_per_s,
        ownership=ownership,
        headroom=headroom,
        target_utilisation=target_utilisation,
        throughput_source=f"{throughput.kind}: {throughput.source}",
    )
