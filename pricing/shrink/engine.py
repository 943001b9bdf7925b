"""The costing of shrink paths: quantise, distil, fine-tune hosted, each against the model serving a workload today.

A shrink path is a projection option (how the shrunk model is served: a self-hosted fleet or a hosted API, costed
month by month by `pricing.planning.projection`) plus what making it costs: labelling examples with the teacher
(through `pricing.cost`), training compute on rented GPUs or a provider's training price, evaluation, and the same
again every K months when the model is re-trained. Out of those come the one-off cost, the monthly run cost, the
payback month against the baseline, the savings at 18/24/36 months, a Monte Carlo over the shrink-specific inputs
(examples needed, training utilisation, quality reached, re-training cadence) on top of the projection's own draws,
and a tornado of what moves the payback month most.

Quality is a share of the baseline's score (1.0 = as good as the baseline): an assumption with a range and its
source until two probe runs of one suite measure it, then the measured share with its interval.
The boundary: pure functions over frozen values and numpy arrays; no storage, no UI (callers pass prices in).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pricing.cost import TokenPrice, Usage, linear_cost_usd
from pricing.exports import fmt_number
from pricing.gpus import gpu_spec
from pricing.planning.projection import (
    HORIZONS_MONTHS,
    Option,
    ProjectionInputs,
    SelfHostOption,
    Uncertain,
    project,
    scaled_volume,
    spend_paths,
    with_input,
)
from pricing.sizing import normalise_precision

PATH_KINDS = ("quantise", "distil", "fine-tune")
ASSUMED = "assumption"
MEASURED = "measured"
SECONDS_PER_HOUR = 3600.0
# Model FLOPs utilisation of a training run: the share of the GPUs' peak dense tensor FLOPs that does useful work.
DEFAULT_TRAINING_UTILISATION = 0.35
TRAINING_UTILISATION_SOURCE = (
    "assumption: 35%, below the 38-43% model FLOPs utilisation Meta reports for Llama 3 405B pre-training on "
    "H100s in BF16 (The Llama 3 Herd of Models, Table 4); short fine-tunes of small models reach less"
)
TRAINING_UTILISATION_URL = "https://arxiv.org/abs/2407.21783"
TRAINING_UTILISATION_AS_OF = "2024-07-31"
DEFAULT_REQUIRED_QUALITY = 0.9  # of the baseline's score; the page and the CLI let the user set it
FULL_TRAINING_FLOPS_PER_PARAM_TOKEN = 6.0  # forward 2 + backward 4 (activation and weight gradients)
FROZEN_FLOPS_PER_PARAM_TOKEN = 4.0  # LoRA: a frozen weight still runs forward (2) and passes gradients back (2)


@dataclass(frozen=True)
class QualityRange:
    """An assumed quality after shrinking, as a share of the baseline's score (low, likely, high), and why."""

    low: float
    likely: float
    high: float
    source: str
    url: str = ""
    as_of: str | None = None

    def __post_init__(self) -> None:
        values = (self.low, self.likely, self.high)
        if not all(math.isfinite(v) and v >= 0 for v in values) or not self.low <= self.likely <= self.high:
            raise ValueError(
                f"a quality range needs 0 <= low <= likely <= high as shares of the baseline's score "
                f"(got {self.low:g}, {self.likely:g}, {self.high:g})"
            )

    def describe(self) -> str:
        """'assumed 93% of the baseline's score (85-100%): source'."""
        return f"assumed {self.likely:.0%} of the baseline's score ({self.low:.0%}-{self.high:.0%}): {self.source}" + (
            f", {self.as_of}" if self.as_of else ""
        )


@dataclass(frozen=True)
class MeasuredQuality:
    """Quality measured by two probe runs of one suite: the baseline's endpoint and the shrunk model's.

    Scores are pass rates (0..1) with Wilson 95% intervals; the share of the baseline's score is the shrunk
    model's rate over the baseline's, and its interval the shrunk model's interval over the baseline's rate.
    """

    suite: str
    baseline_run_id: str
    candidate_run_id: str
    items: int
    baseline_score: float
    candidate_score: float
    candidate_low: float
    candidate_high: float
    measured_on: dt.date

    def __post_init__(self) -> None:
        if self.baseline_score <= 0:
            raise ValueError(
                f"the baseline's run {self.baseline_run_id!r} passed no item of suite {self.suite!r}: "
                "a share of its score cannot be taken; probe the baseline again or pick another suite"
            )

    @property
    def likely(self) -> float:
        """The shrunk model's score as a share of the baseline's."""
        return self.candidate_score / self.baseline_score

    @property
    def low(self) -> float:
        """The lower end of the share's 95% interval."""
        return self.candidate_low / self.baseline_score

    @property
    def high(self) -> float:
        """The upper end of the share's 95% interval."""
        return self.candidate_high / self.baseline_score

    def describe(self) -> str:
        """'measured 72% of the baseline's score (95% CI 60-83%) on suite ..., runs ..., date'."""
        return (
            f"measured {self.likely:.0%} of the baseline's score (95% CI {self.low:.0%}-{self.high:.0%}): "
            f"suite {self.suite}, {self.items} items, pass rate {self.candidate_score:.0%} "
            f"(run {self.candidate_run_id}) against {self.baseline_score:.0%} (run {self.baseline_run_id}), "
            f"{self.measured_on.isoformat()}"
        )


Quality = QualityRange | MeasuredQuality


def quality_kind(quality: Quality) -> str:
    """ASSUMED or MEASURED."""
    return MEASURED if isinstance(quality, MeasuredQuality) else ASSUMED


@dataclass(frozen=True)
class TrainingData:
    """The examples a student learns from: how many, how long, and the teacher whose answers label them.

    `teacher` None means the examples come labelled (no labelling cost); its price is the teacher's per-token price.
    """

    examples: int
    input_tokens_per_example: float
    output_tokens_per_example: float
    teacher: TokenPrice | None = None

    def __post_init__(self) -> None:
        if isinstance(self.examples, bool) or not isinstance(self.examples, int) or self.examples < 1:
            raise ValueError(
                f"examples must be a whole number of at least 1 (got {self.examples}): a distilled or fine-tuned "
                "model learns from labelled examples"
            )
        for name in ("input_tokens_per_example", "output_tokens_per_example"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name.replace('_', ' ')} must be a finite number, not negative (got {value})")
        if self.input_tokens_per_example + self.output_tokens_per_example <= 0:
            raise ValueError("an example needs some tokens: input and output tokens per example are both 0")

    @property
    def tokens_per_example(self) -> float:
        """Input plus output tokens of one example: what one epoch trains on."""
        return self.input_tokens_per_example + self.output_tokens_per_example


@dataclass(frozen=True)
class GpuTraining:
    """Training a student on rented GPUs: its size, the GPU and its price, precision, epochs, LoRA share, use."""

    params_b: float
    gpu: str
    usd_per_gpu_hour: float
    gpu_price_source: str = ""
    precision: str = "bf16"
    epochs: float = 3.0
    lora_share: float | None = None  # trainable share of the parameters with LoRA; None: every parameter
    utilisation: float = DEFAULT_TRAINING_UTILISATION

    def __post_init__(self) -> None:
        gpu_spec(self.gpu)  # an unknown GPU fails here, naming the known ones
        normalise_precision(self.precision)
        if not math.isfinite(self.params_b) or self.params_b <= 0:
            raise ValueError(f"the student's parameter count must be positive (got {self.params_b}B)")
        if not math.isfinite(self.usd_per_gpu_hour) or self.usd_per_gpu_hour <= 0:
            raise ValueError(
                f"the training GPU's price must be a positive USD per GPU-hour (got {self.usd_per_gpu_hour})"
            )
        if not math.isfinite(self.epochs) or self.epochs <= 0:
            raise ValueError(f"epochs must be positive (got {self.epochs})")
        if self.lora_share is not None and not 0 < self.lora_share <= 1:
            raise ValueError(
                f"the LoRA share of trainable parameters must be above 0 and at most 1 (got {self.lora_share})"
            )
        check_utilisation(self.utilisation)


@dataclass(frozen=True)
class HostedTraining:
    """A provider's fine-tuning: USD per 1M training tokens (each epoch's tokens count), from a price file row."""

    usd_per_1m_training_tokens: float
    epochs: float
    source: str
    as_of: str | None = None
    url: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.usd_per_1m_training_tokens) or self.usd_per_1m_training_tokens < 0:
            raise ValueError(f"the training price must not be negative (got {self.usd_per_1m_training_tokens})")
        if not math.isfinite(self.epochs) or self.epochs <= 0:
            raise ValueError(f"epochs must be positive (got {self.epochs})")


def check_utilisation(utilisation: float) -> None:
    """Refuse a training utilisation outside (0, 100%]."""
    if not math.isfinite(utilisation) or not 0 < utilisation <= 1:
        raise ValueError(
            f"training utilisation is a share of the GPUs' peak FLOPs, above 0% and at most 100% "
            f"(got {utilisation:.0%}); the default is {DEFAULT_TRAINING_UTILISATION:.0%}"
        )


def check_smaller(
    candidate: str, candidate_params_b: float | None, baseline: str, baseline_params_b: float | None
) -> None:
    """Refuse a candidate with more parameters than the baseline (when both sizes are known): that is no shrink."""
    if candidate_params_b is None or baseline_params_b is None:
        return
    if candidate_params_b > baseline_params_b:
        raise ValueError(
            f"the candidate {candidate} ({candidate_params_b:g}B parameters) is larger than the baseline {baseline} "
            f"({baseline_params_b:g}B): shrinking needs a smaller or equal model; swap them or pick a smaller candidate"
        )


def labelling_cost_usd(data: TrainingData) -> float:
    """USD to label the examples with the teacher: N x (input, output tokens) at its price, through the cost engine."""
    if data.teacher is None:
        return 0.0
    usage = Usage(
        round(data.examples * data.input_tokens_per_example), round(data.examples * data.output_tokens_per_example)
    )
    return linear_cost_usd(data.teacher, usage)


def training_flops(params_b: float, training_tokens: float, epochs: float, lora_share: float | None = None) -> float:
    """FLOPs of training: 6 x parameters x tokens x epochs; with LoRA (4 x params + 6 x trainable) x tokens x epochs.

    Full training costs 6 FLOPs per parameter and token (forward 2, backward 4). LoRA updates only its adapters
    (`lora_share` of the parameters), but every frozen weight still runs forward and passes gradients back
    (4 FLOPs per parameter and token), so LoRA saves at most a third of the compute, not 1 - share of it.
    """
    if params_b <= 0 or training_tokens < 0 or epochs <= 0:
        raise ValueError("parameters and epochs must be positive and training tokens not negative")
    params = params_b * 1e9
    if lora_share is None:
        per_token = FULL_TRAINING_FLOPS_PER_PARAM_TOKEN * params
    else:
        per_token = FROZEN_FLOPS_PER_PARAM_TOKEN * params + FULL_TRAINING_FLOPS_PER_PARAM_TOKEN * lora_share * params
    return per_token * training_tokens * epochs


def flops_text(flops: float) -> str:
    """'1.23 x 10^18 FLOPs': a training run's compute in words, never in scientific notation."""
    if flops <= 0 or not math.isfinite(flops):
        return f"{fmt_number(flops)} FLOPs"
    exponent = math.floor(math.log10(flops))
    if exponent < 6:
        return f"{fmt_number(flops)} FLOPs"
    mantissa = flops / 10**exponent
    if round(mantissa, 2) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.2f} x 10^{exponent} FLOPs"


def training_gpu_hours(flops: float, gpu: str, precision: str, utilisation: float) -> float:
    """GPU-hours: FLOPs / (the GPU's peak dense FLOPs at the precision x utilisation x 3600)."""
    check_utilisation(utilisation)
    peak = gpu_spec(gpu).tflops_for(normalise_precision(precision)) * 1e12
    return flops / (peak * utilisation * SECONDS_PER_HOUR)


@dataclass(frozen=True)
class CostItem:
    """One line of what a shrink path costs before it serves: what, USD, the sum in words, source and date."""

    what: str
    usd: float
    formula: str
    source: str
    as_of: str | None = None
    url: str = ""  # the source's link, where it has one


@dataclass(frozen=True)
class ShrinkPath:
    """One way to shrink: the option that serves the shrunk model, and what making (and re-making) it costs.

    `option` is costed by the projection engine; `evaluation_usd` is running the eval suite against the shrunk
    model once; a re-training every `retrain_every_months` repeats labelling, training and evaluation on fresh
    examples (None: never re-trained).
    """

    kind: str
    option: Option
    quality: Quality
    data: TrainingData | None = None
    gpu_training: GpuTraining | None = None
    hosted_training: HostedTraining | None = None
    evaluation_usd: float = 0.0
    evaluation_source: str = ""
    retrain_every_months: int | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in PATH_KINDS:
            raise ValueError(f"unknown shrink path {self.kind!r}; use one of {', '.join(PATH_KINDS)}")
        if (self.gpu_training is not None or self.hosted_training is not None) and self.data is None:
            raise ValueError(f"{self.name}: training needs training data (examples and their lengths)")
        if self.retrain_every_months is not None and self.retrain_every_months < 1:
            raise ValueError(
                f"{self.name}: re-training every {self.retrain_every_months} months; use 1 or more, or none"
            )
        if not math.isfinite(self.evaluation_usd) or self.evaluation_usd < 0:
            raise ValueError(f"{self.name}: evaluation cost must not be negative")

    @property
    def name(self) -> str:
        """The serving option's name."""
        return self.option.name


def _cost_terms(path: ShrinkPath) -> tuple[float, float, float]:
    """(fixed USD, USD per example, GPU USD per example at 100% utilisation): one-off = fixed + e x (b + c / u)."""
    per_example = 0.0
    gpu_per_example = 0.0
    data = path.data
    if data is not None:
        per_example += labelling_cost_usd(data) / data.examples
        if path.hosted_training is not None:
            hosted = path.hosted_training
            per_example += data.tokens_per_example * hosted.epochs * hosted.usd_per_1m_training_tokens / 1e6
        if path.gpu_training is not None:
            train = path.gpu_training
            flops = training_flops(train.params_b, data.tokens_per_example, train.epochs, train.lora_share)
            gpu_per_example = training_gpu_hours(flops, train.gpu, train.precision, 1.0) * train.usd_per_gpu_hour
    return path.evaluation_usd, per_example, gpu_per_example


def one_off_usd(
    path: ShrinkPath, examples: float | np.ndarray | None = None, utilisation: float | np.ndarray | None = None
) -> np.ndarray:
    """What making the shrunk model costs once (labelling, training, evaluation), for the given examples and use."""
    fixed, per_example, gpu_per_example = _cost_terms(path)
    count = np.asarray(examples if examples is not None else (path.data.examples if path.data else 0), dtype=float)
    use = np.asarray(
        utilisation if utilisation is not None else (path.gpu_training.utilisation if path.gpu_training else 1.0),
        dtype=float,
    )
    return fixed + count * (per_example + gpu_per_example / use)


def cost_items(path: ShrinkPath) -> list[CostItem]:
    """The one-off cost line by line, each with its sum in words, source and date."""
    items: list[CostItem] = []
    data = path.data
    if data is not None and data.teacher is not None:
        teacher = data.teacher
        items.append(
            CostItem(
                f"Labelling {data.examples:,} examples with {teacher.model_key}",
                labelling_cost_usd(data),
                f"{data.examples:,} x ({data.input_tokens_per_example:,.0f} input x "
                f"${fmt_number(teacher.usd_per_1m_input, 4)} + {data.output_tokens_per_example:,.0f} output x "
                f"${fmt_number(teacher.usd_per_1m_output, 4)}) per 1M tokens",
                f"price sheet '{teacher.sheet_name}'",
                teacher.effective_date.isoformat() if teacher.effective_date else None,
            )
        )
    if data is not None and path.gpu_training is not None:
        train = path.gpu_training
        tokens = data.examples * data.tokens_per_example
        flops = training_flops(train.params_b, tokens, train.epochs, train.lora_share)
        hours = training_gpu_hours(flops, train.gpu, train.precision, train.utilisation)
        spec = gpu_spec(train.gpu)
        per_param = "6 x" if train.lora_share is None else f"(4 + 6 x {train.lora_share:g} LoRA share) x"
        items.append(
            CostItem(
                f"Training {train.params_b:g}B on {train.gpu} ({hours:,.1f} GPU-hours)",
                hours * train.usd_per_gpu_hour,
                f"{per_param} {train.params_b:g}B params x {tokens:,.0f} tokens x {train.epochs:g} epochs = "
                f"{flops_text(flops)} / ({spec.tflops_for(normalise_precision(train.precision)):g} TFLOPs "
                f"{train.precision} peak x {train.utilisation:.0%} utilisation) x "
                f"${train.usd_per_gpu_hour:.2f}/GPU-hour",
                f"GPU: {spec.source}; price: {train.gpu_price_source or 'set by you'}; utilisation: "
                + (TRAINING_UTILISATION_SOURCE if train.utilisation == DEFAULT_TRAINING_UTILISATION else "set by you"),
                spec.as_of.isoformat() if spec.as_of else None,
                spec.source if spec.source.startswith("http") else "",
            )
        )
    if data is not None and path.hosted_training is not None:
        hosted = path.hosted_training
        tokens = data.examples * data.tokens_per_example * hosted.epochs
        items.append(
            CostItem(
                f"Hosted fine-tuning ({tokens / 1e6:,.1f}M training tokens)",
                tokens * hosted.usd_per_1m_training_tokens / 1e6,
                f"{data.examples:,} x {data.tokens_per_example:,.0f} tokens x {hosted.epochs:g} epochs x "
                f"${fmt_number(hosted.usd_per_1m_training_tokens, 4)} per 1M training tokens",
                hosted.source,
                hosted.as_of,
                hosted.url,
            )
        )
    if path.evaluation_usd > 0 or path.evaluation_source:
        items.append(
            CostItem("Evaluation", path.evaluation_usd, path.evaluation_source, "the shrunk model's own prices")
        )
    return items


def extra_costs(
    path: ShrinkPath,
    months: int,
    examples: float | np.ndarray | None = None,
    utilisation: float | np.ndarray | None = None,
    retrain_every_months: float | np.ndarray | None = None,
) -> np.ndarray:
    """USD per month beyond serving: the one-off in month 1 and a re-training at months 1 + K, 1 + 2K, ...

    Array arguments of shape (paths,) give a (paths, months) array; a cadence of 0 or NaN means never.
    """
    once = one_off_usd(path, examples, utilisation)
    cadence = np.asarray(
        retrain_every_months
        if retrain_every_months is not None
        else (path.retrain_every_months if path.retrain_every_months is not None else 0),
        dtype=float,
    )
    shape = np.broadcast_shapes(np.shape(once), np.shape(cadence))
    month_index = np.arange(months, dtype=float)  # month m is index m - 1
    cadence_col = np.nan_to_num(np.broadcast_to(cadence, shape), nan=0.0)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        retrains = np.where(
            cadence_col >= 1, (month_index > 0) & (np.mod(month_index, np.maximum(cadence_col, 1)) == 0), False
        )
    schedule = retrains.astype(float)
    schedule[..., 0] = 1.0
    if path.data is None:
        schedule = np.zeros_like(schedule)
        schedule[..., 0] = 1.0  # quantising is made once; there is nothing to re-train
    return np.broadcast_to(once, shape)[..., None] * schedule


def payback_months(path_cumulative: np.ndarray, baseline_cumulative: np.ndarray) -> np.ndarray:
    """First month (1-based) from which the path's cumulative cost stays at or below the baseline's; NaN if never.

    Rows are paths (last axis months). A path ahead early but overtaken by the horizon has not paid back.
    """
    own = np.atleast_2d(np.asarray(path_cumulative, dtype=float))
    base = np.atleast_2d(np.asarray(baseline_cumulative, dtype=float))
    own, base = np.broadcast_arrays(own, base)
    ahead = own <= base + 1e-9 * np.maximum(np.abs(base), 1.0)
    behind = ~ahead
    months = own.shape[-1]
    last_behind = months - 1 - np.argmax(behind[..., ::-1], axis=-1)
    month = np.where(behind.any(axis=-1), last_behind + 2, 1).astype(float)
    return np.where(ahead[..., -1], month, np.nan)


@dataclass(frozen=True)
class ShrinkInputs:
    """A comparison: the projection (its options are the baseline and each path's serving option), the baseline's
    option name, the paths, and the quality a path must reach as a share of the baseline's score."""

    projection: ProjectionInputs
    baseline: str
    paths: tuple[ShrinkPath, ...]
    required_quality: float = DEFAULT_REQUIRED_QUALITY

    def __post_init__(self) -> None:
        names = [option.name for option in self.projection.options]
        if self.baseline not in names:
            raise ValueError(
                f"the baseline {self.baseline!r} is not one of the projection's options ({', '.join(names)})"
            )
        if not self.paths:
            raise ValueError("give at least one shrink path")
        for path in self.paths:
            if path.name not in names:
                raise ValueError(f"the path {path.name!r} has no option in the projection")
            if path.name == self.baseline:
                raise ValueError(f"the path {path.name!r} is the baseline itself")
        if not math.isfinite(self.required_quality) or not 0 < self.required_quality <= 2:
            raise ValueError(
                f"the quality a path must reach is a share of the baseline's score, above 0 and at most 200% "
                f"(got {self.required_quality:.0%})"
            )


@dataclass(frozen=True)
class PathOutcome:
    """One path over the horizon against the baseline."""

    kind: str
    name: str
    one_off_usd: float
    retrain_usd: float  # each re-training (0 when never)
    retrain_every_months: int | None
    monthly_run_usd: float  # month 1
    baseline_monthly_usd: float  # month 1
    payback_month: int | None
    savings_usd: dict[int, float]  # horizon month -> baseline's cumulative minus the path's
    quality: Quality
    required_quality: float
    items: tuple[CostItem, ...]
    notes: tuple[str, ...]

    @property
    def quality_kind(self) -> str:
        """ASSUMED or MEASURED."""
        return quality_kind(self.quality)

    @property
    def meets_required(self) -> bool:
        """Whether the likely quality (assumed or measured) reaches the required share of the baseline's score."""
        return self.quality.likely >= self.required_quality - 1e-12


@dataclass(frozen=True, eq=False)
class ShrinkResult:
    """Every path's outcome and the cumulative cost per month (baseline and paths) for the payback chart."""

    baseline: str
    months: int
    outcomes: tuple[PathOutcome, ...]
    cumulative_usd: pd.DataFrame  # month 1..N x (baseline, paths)
    monthly_usd: pd.DataFrame


def _horizons(months: int) -> tuple[int, ...]:
    return tuple(h for h in HORIZONS_MONTHS if h <= months) or (months,)


def evaluate(inputs: ShrinkInputs) -> ShrinkResult:
    """Each path's one-off and monthly cost, payback month and savings at 18/24/36 months against the baseline."""
    result = project(inputs.projection)
    months = inputs.projection.horizon_months
    baseline = result.monthly_usd[inputs.baseline].to_numpy()
    monthly = {inputs.baseline: baseline}
    outcomes = []
    for path in inputs.paths:
        spend = result.monthly_usd[path.name].to_numpy() + extra_costs(path, months)
        monthly[path.name] = spend
        cumulative, base_cumulative = np.cumsum(spend), np.cumsum(baseline)
        payback = payback_months(cumulative, base_cumulative)[0]
        retrain = float(one_off_usd(path)) if path.data is not None and path.retrain_every_months else 0.0
        outcomes.append(
            PathOutcome(
                kind=path.kind,
                name=path.name,
                one_off_usd=float(one_off_usd(path)),
                retrain_usd=retrain,
                retrain_every_months=path.retrain_every_months if path.data is not None else None,
                monthly_run_usd=float(result.monthly_usd[path.name].iloc[0]),
                baseline_monthly_usd=float(baseline[0]),
                payback_month=None if math.isnan(payback) else int(payback),
                savings_usd={h: float(base_cumulative[h - 1] - cumulative[h - 1]) for h in _horizons(months)},
                quality=path.quality,
                required_quality=inputs.required_quality,
                items=tuple(cost_items(path)),
                notes=path.notes,
            )
        )
    frame = pd.DataFrame(monthly, index=pd.Index(np.arange(1, months + 1), name="month"))
    return ShrinkResult(inputs.baseline, months, tuple(outcomes), frame.cumsum(), frame)


@dataclass(frozen=True)
class ShrinkSpread:
    """How far the Monte Carlo moves the shrink-specific inputs (the projection's own draws come on top).

    Examples needed: each path's count times a factor drawn evenly in log space in [1/spread, spread]. Training
    utilisation: drawn evenly in [low, high]. Re-training cadence: a whole number of months drawn evenly in
    [low, high]. Quality reached: triangular over an assumed range, or normal around a measured share with the
    spread of its 95% interval.
    """

    examples_spread: float = 2.0
    utilisation_low: float = 0.2
    utilisation_high: float = 0.5
    retrain_low_months: int = 3
    retrain_high_months: int = 12

    def __post_init__(self) -> None:
        if not math.isfinite(self.examples_spread) or self.examples_spread < 1:
            raise ValueError(f"the examples spread is a factor of at least 1 (got {self.examples_spread})")
        check_utilisation(self.utilisation_low)
        check_utilisation(self.utilisation_high)
        if self.utilisation_low > self.utilisation_high:
            raise ValueError("the utilisation range's low end is above its high end")
        if not 1 <= self.retrain_low_months <= self.retrain_high_months:
            raise ValueError("the re-training range needs 1 <= low <= high months")


@dataclass(frozen=True, eq=False)
class PathBands:
    """One path's Monte Carlo: payback month and savings quantiles and the chances that matter."""

    name: str
    payback_p10: float  # months; inf = not within the horizon
    payback_p50: float
    payback_p90: float
    prob_payback: float  # share of paths that pay back within the horizon
    savings_p10: float  # USD at the horizon
    savings_p50: float
    savings_p90: float
    prob_quality: float  # share of paths whose drawn quality reaches the required share
    prob_both: float  # pays back and reaches the quality


@dataclass(frozen=True, eq=False)
class ShrinkMonteCarlo:
    """Bands per path over `n_paths` draws of the projection's and the shrink inputs."""

    bands: tuple[PathBands, ...]
    n_paths: int
    seed: int

    def frame(self) -> pd.DataFrame:
        """One row per path."""
        return pd.DataFrame([dataclasses.asdict(b) for b in self.bands])


def _quality_draws(quality: Quality, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(quality, MeasuredQuality):
        sd = max(quality.high - quality.low, 0.0) / (2 * 1.96)
        return np.maximum(rng.normal(quality.likely, sd, n_paths) if sd > 0 else np.full(n_paths, quality.likely), 0)
    if quality.high == quality.low:
        return np.full(n_paths, quality.likely)
    return rng.triangular(quality.low, quality.likely, quality.high, n_paths)


def _quantile(values: np.ndarray, q: float) -> float:
    # "inverted_cdf" picks an observed value, so "never" (inf) is never averaged with a month.
    return float(np.quantile(values, q, method="inverted_cdf"))


def monte_carlo(
    inputs: ShrinkInputs,
    spread: ShrinkSpread | None = None,
    *,
    run_uncertainty: Mapping[str, Uncertain] | None = None,
    n_paths: int = 10_000,
    seed: int = 0,
) -> ShrinkMonteCarlo:
    """Payback and savings bands per path: the projection's spend paths (growth, price declines, peak drawn as
    `run_uncertainty` says, keyed as `projection.spend_paths` takes them) plus each path's making and re-making
    cost with examples, utilisation and cadence drawn per path; the quality reached drawn beside them."""
    spread = spread or ShrinkSpread()
    months = inputs.projection.horizon_months
    spend = spend_paths(inputs.projection, **dict(run_uncertainty or {}), n_paths=n_paths, seed=seed)
    rng = np.random.default_rng([seed, 17])  # its own stream: the projection's draws stay as monte_carlo's
    base_cumulative = np.cumsum(spend[inputs.baseline], axis=1)
    bands = []
    for path in inputs.paths:
        examples = utilisation = cadence = None
        if path.data is not None:
            factor = np.exp(rng.uniform(-math.log(spread.examples_spread), math.log(spread.examples_spread), n_paths))
            examples = path.data.examples * factor
            if path.retrain_every_months:
                cadence = rng.integers(spread.retrain_low_months, spread.retrain_high_months + 1, n_paths).astype(float)
        if path.gpu_training is not None:
            utilisation = rng.uniform(spread.utilisation_low, spread.utilisation_high, n_paths)
        extra = extra_costs(path, months, examples, utilisation, cadence)
        cumulative = np.cumsum(spend[path.name] + extra, axis=1)
        payback = np.nan_to_num(payback_months(cumulative, base_cumulative), nan=np.inf)
        savings = base_cumulative[:, -1] - cumulative[:, -1]
        quality = _quality_draws(path.quality, n_paths, rng) >= inputs.required_quality - 1e-12
        paid = np.isfinite(payback)
        bands.append(
            PathBands(
                name=path.name,
                payback_p10=_quantile(payback, 0.1),
                payback_p50=_quantile(payback, 0.5),
                payback_p90=_quantile(payback, 0.9),
                prob_payback=float(paid.mean()),
                savings_p10=_quantile(savings, 0.1),
                savings_p50=_quantile(savings, 0.5),
                savings_p90=_quantile(savings, 0.9),
                prob_quality=float(quality.mean()),
                prob_both=float((paid & quality).mean()),
            )
        )
    return ShrinkMonteCarlo(tuple(bands), n_paths, seed)


def _payback(inputs: ShrinkInputs, path: ShrinkPath, **changes: float) -> float:
    """The payback month of one path with shrink inputs changed; inf when it does not pay back in the horizon."""
    result = project(inputs.projection)
    months = inputs.projection.horizon_months
    extra = extra_costs(
        path, months, changes.get("examples"), changes.get("utilisation"), changes.get("retrain_every_months")
    )
    cumulative = np.cumsum(result.monthly_usd[path.name].to_numpy() + extra)
    payback = payback_months(cumulative, np.cumsum(result.monthly_usd[inputs.baseline].to_numpy()))[0]
    return math.inf if math.isnan(payback) else float(payback)


def tornado(inputs: ShrinkInputs, path_name: str, spread: ShrinkSpread | None = None) -> pd.DataFrame:
    """How far each assumption's low and high values move one path's payback month, widest swing first.

    Payback is in months; a path that does not pay back within the horizon counts as horizon + 1 for the swing.
    Rows: examples needed, training utilisation and re-training cadence (where the path has them), monthly
    volume (x0.5, x2) and the serving fleet's GPU price (x0.75, x1.25, rented fleets only).
    """
    spread = spread or ShrinkSpread()
    by_name = {path.name: path for path in inputs.paths}
    if path_name not in by_name:
        raise ValueError(f"no shrink path named {path_name!r}; have {', '.join(by_name)}")
    path = by_name[path_name]
    cases: list[tuple[str, str, float, float, ShrinkInputs, dict[str, float], dict[str, float]]] = []
    if path.data is not None:
        n = path.data.examples
        low, high = n / spread.examples_spread, n * spread.examples_spread
        cases.append(("Examples needed", "examples", low, high, inputs, {"examples": low}, {"examples": high}))
        if path.retrain_every_months:
            lo, hi = float(spread.retrain_low_months), float(spread.retrain_high_months)
            cases.append(
                (
                    "Re-training every (months)",
                    "months",
                    lo,
                    hi,
                    inputs,
                    {"retrain_every_months": lo},
                    {"retrain_every_months": hi},
                )
            )
    if path.gpu_training is not None:
        lo, hi = spread.utilisation_low, spread.utilisation_high
        cases.append(
            ("Training utilisation", "share of peak FLOPs", lo, hi, inputs, {"utilisation": lo}, {"utilisation": hi})
        )
    rows = []
    for label, unit, low, high, base, low_changes, high_changes in cases:
        rows.append((label, unit, low, high, _payback(base, path, **low_changes), _payback(base, path, **high_changes)))
    base_volume = float(inputs.projection.output_tokens()[0])  # month 1's, under constant growth or a fitted curve
    volume_cases = []
    for factor in (0.5, 2.0):
        volume_cases.append(dataclasses.replace(inputs, projection=scaled_volume(inputs.projection, factor)))
    rows.append(
        (
            "Monthly volume",
            "output tokens in month 1, every month scaled alike",
            base_volume * 0.5,
            base_volume * 2.0,
            _payback(volume_cases[0], path),
            _payback(volume_cases[1], path),
        )
    )
    if isinstance(path.option, SelfHostOption) and path.option.plan.ownership.is_rented:
        price = path.option.plan.ownership.usd_per_gpu_hour
        key = f"{path.name}.plan.ownership.usd_per_gpu_hour"
        low_inputs = dataclasses.replace(inputs, projection=with_input(inputs.projection, key, price * 0.75))
        high_inputs = dataclasses.replace(inputs, projection=with_input(inputs.projection, key, price * 1.25))
        rows.append(
            (
                "Serving GPU price",
                "USD per GPU-hour",
                price * 0.75,
                price * 1.25,
                _payback(low_inputs, path),
                _payback(high_inputs, path),
            )
        )
    months = inputs.projection.horizon_months
    frame = pd.DataFrame(rows, columns=["input", "unit", "low_value", "high_value", "payback_low", "payback_high"])
    capped = frame[["payback_low", "payback_high"]].replace(math.inf, months + 1)
    frame["swing_months"] = (capped["payback_high"] - capped["payback_low"]).abs()
    frame = frame.sort_values("swing_months", ascending=False, kind="stable", ignore_index=True)
    frame.attrs["payback_base"] = _payback(inputs, path)
    frame.attrs["horizon_months"] = months
    return frame
