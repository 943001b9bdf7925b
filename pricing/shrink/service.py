"""Shrink use cases, shared by the CLI and the Shrink page: turn a usage file's workload, stored prices, GPU prices,
sizing and throughput, the fine-tuning price file and probe runs into a shrink comparison, and that into words and
plain values.

No Streamlit, no SQL: reads go through the store and `pricing.planning.service`, maths through `engine`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pricing import service as core
from pricing.candidates import pick_scores
from pricing.cost import TokenPrice, Usage, linear_cost_usd
from pricing.exports import fmt_number
from pricing.identity import resolve_model
from pricing.limits import InputError
from pricing.metrics import DEFAULT_METRIC
from pricing.planning import service as planning
from pricing.planning.projection import (
    ApiOption,
    CostLine,
    MakingCost,
    Option,
    SelfHostOption,
    ShrinkQuality,
    ShrinkSettings,
    ShrinkSpec,
    centred_scale,
    centred_shift,
)
from pricing.shrink.engine import (
    DEFAULT_REQUIRED_QUALITY,
    DEFAULT_TRAINING_UTILISATION,
    PATH_KINDS,
    GpuTraining,
    HostedTraining,
    MeasuredQuality,
    PathOutcome,
    Quality,
    QualityRange,
    ShrinkInputs,
    ShrinkMonteCarlo,
    ShrinkPath,
    ShrinkResult,
    ShrinkSpread,
    TrainingData,
    check_smaller,
    check_utilisation,
    evaluate,
    monte_carlo,
    tornado,
)
from pricing.shrink.fine_tuning import FineTuningPrice, find_fine_tuning, read_fine_tuning_prices
from pricing.sizing import BYTES_PER_PARAMETER, OwnershipCosts, best_case_usd_per_1m_output, normalise_precision
from pricing.store import Store

# Published accuracy kept after quantising, as a share of the BF16 model's (low, likely, high).
QUANTISATION_SOURCE = (
    "Kurtic et al., 'Give Me BF16 or Give Me Death? Accuracy-Performance Trade-Offs in LLM Quantization': FP8 "
    "weights and activations recover about 99% or more of BF16 accuracy, INT8 about 97-99%, INT4 weight-only "
    "about 98% on average over Llama 3.1 8B-405B; the low ends widen that for a task outside their benchmarks"
)
QUANTISATION_URL = "https://arxiv.org/abs/2411.02355"
QUANTISATION_AS_OF = "2024-11-04"
QUANTISATION_SHARES = {"fp8": (0.99, 0.998, 1.0), "int8": (0.97, 0.99, 1.0), "int4": (0.95, 0.98, 1.0)}
QUANTISATION_SHARES["fp4"] = QUANTISATION_SHARES["int4"]
DISTIL_ASSUMPTION = QualityRange(
    0.85,
    0.93,
    1.0,
    "assumption: no published figure fits your task; set yours, or measure it with two probe runs of one suite",
)
EVALUATION_HOURS_MINIMUM = 1.0  # rented GPUs are billed by the hour: an evaluation holds a replica an hour at least


class ShrinkInputError(InputError):
    """A shrink request Frontier cannot cost, with what to change."""


@dataclass(frozen=True)
class ShrinkRequest:
    """Everything a shrink comparison is asked with (the CLI's flags and the page's widgets)."""

    baseline: str
    candidate: str
    paths: tuple[str, ...] = PATH_KINDS
    months: int = 36
    sheet: str | None = None
    gpu: str = "H100 SXM"
    mode: str = "on-demand"
    baseline_precision: str = "bf16"
    quantised_precision: str = "fp8"
    student_precision: str = "bf16"
    examples: int = 10_000
    input_tokens_per_example: float | None = None  # default: the workload's average request
    output_tokens_per_example: float | None = None
    epochs: float = 3.0
    lora_share: float | None = None
    training_utilisation: float = DEFAULT_TRAINING_UTILISATION
    retrain_every_months: int | None = 6
    eval_items: int = 200
    required_quality: float = DEFAULT_REQUIRED_QUALITY
    quality_assumption: tuple[float, float, float] | None = None  # (low, likely, high) for distil and fine-tune
    measured_runs: tuple[tuple[str, str, str], ...] = ()  # (path kind, baseline run id, candidate run id)
    growth_model: str = "best"
    monthly_growth: float = 0.0
    peak_to_average: float = 2.0
    # The public metric that scales a quantised different model's share: its score over the baseline's.
    quality_metric: str = DEFAULT_METRIC

    def __post_init__(self) -> None:
        unknown = [kind for kind in self.paths if kind not in PATH_KINDS]
        if unknown or not self.paths:
            raise ShrinkInputError(f"unknown shrink path {', '.join(unknown) or '(none)'}; use {', '.join(PATH_KINDS)}")
        if isinstance(self.examples, bool) or not isinstance(self.examples, int) or self.examples < 1:
            raise ShrinkInputError(f"examples must be at least 1 (got {self.examples}): a student learns from examples")
        check_utilisation(self.training_utilisation)
        if not 1 <= self.months <= 120:
            raise ShrinkInputError(f"the horizon is 1 to 120 months (got {self.months})")
        if self.eval_items < 0:
            raise ShrinkInputError(f"evaluation items must not be negative (got {self.eval_items})")


@dataclass(frozen=True)
class ShrinkComparison:
    """What the CLI and the page show: the inputs, the result, bands, a tornado per path, and what was left out."""

    inputs: ShrinkInputs
    result: ShrinkResult
    monte_carlo: ShrinkMonteCarlo
    tornados: dict[str, pd.DataFrame]
    unavailable: dict[str, str]  # path kind -> why it could not be costed
    notes: tuple[str, ...]
    usage_text: str
    request: ShrinkRequest | None = None  # what it was asked with; None where built by hand


# The request's fields a scenario holds elsewhere (the horizon, volumes) or per option (the baseline, candidate, path).
NOT_SETTINGS = frozenset(
    {"baseline", "candidate", "paths", "months", "growth_model", "monthly_growth", "peak_to_average"}
)


def settings_of(request: ShrinkRequest) -> ShrinkSettings:
    """The settings of a request that a shrunk option keeps, so it can be costed again alike."""
    return ShrinkSettings(**{f.name: getattr(request, f.name) for f in dataclasses.fields(ShrinkSettings)})


def request_from_settings(baseline: str, candidate: str, kind: str, settings: ShrinkSettings) -> ShrinkRequest:
    """A one-path request costed with a shrunk option's kept settings (the inverse of `settings_of`)."""
    kept = {f.name: getattr(settings, f.name) for f in dataclasses.fields(ShrinkSettings)}
    return ShrinkRequest(baseline, candidate, paths=(kind,), **kept)


def _params(store: Store, model: str) -> float | None:
    models = store.models()
    row = models[models["model_id"] == model]
    if row.empty or pd.isna(row["param_count_b"].iloc[0]):
        return None
    return float(row["param_count_b"].iloc[0])


def _ownership(store: Store, gpu: str, mode: str) -> tuple[OwnershipCosts, str]:
    try:
        usd, source = planning.gpu_hourly_price(store, gpu, mode)
    except ValueError as exc:
        if "no datasheet figures" in str(exc):
            raise
        usd, source = planning.GPU_PRICE_ASSUMPTION
    return OwnershipCosts(mode=mode, usd_per_gpu_hour=usd), source


def _self_host(
    store: Store, model: str, request: ShrinkRequest, precision: str, ratio: float, output_per_request: float, name: str
) -> SelfHostOption:
    ownership, _ = _ownership(store, request.gpu, request.mode)
    return planning.self_host_option(
        store,
        model,
        request.gpu,
        precision,
        ownership,
        ratio,
        name=name,
        output_tokens_per_request=output_per_request,
    )


def _baseline(
    store: Store, request: ShrinkRequest, sheet: str, ratio: float, output_per_request: float
) -> tuple[Option, TokenPrice, str]:
    """The baseline option, the teacher's per-token price for labelling, and where that price comes from."""
    try:
        option = planning.api_option(store, sheet, request.baseline)
        return option, option.token_price, f"price sheet '{sheet}'"
    except LookupError as exc:
        if _params(store, request.baseline) is None:
            raise ShrinkInputError(
                f"the baseline {request.baseline!r} has no price in sheet '{sheet}' and no parameter count to size "
                f"it self-hosted ({exc}); name a priced API model or an open model"
            ) from None
    name = f"{request.baseline} {request.baseline_precision.upper()} on {request.gpu} (today)"
    fleet = _self_host(store, request.baseline, request, request.baseline_precision, ratio, output_per_request, name)
    # A self-hosted teacher labels on its own GPUs: its best-case cost per output token, input free.
    usd_per_1m = best_case_usd_per_1m_output(fleet.plan)
    price = TokenPrice(request.baseline, "self-hosted", 0.0, usd_per_1m, None)
    return fleet, price, f"GPU time of the baseline's fleet, best case ${usd_per_1m:.2f} per 1M output tokens"


def measured_quality(store: Store, baseline_run_id: str, candidate_run_id: str) -> MeasuredQuality:
    """The candidate's pass rate over the baseline's, from two stored probe runs of one suite, with its interval."""
    summaries = {}
    for run_id in (baseline_run_id, candidate_run_id):
        row = store.run(run_id)
        if row.empty:
            raise ShrinkInputError(f"no probe run {run_id!r}; the Live probes page lists the runs")
        run = row.iloc[0]
        summary = json.loads(run["summary_json"]) if isinstance(run.get("summary_json"), str) else {}
        quality = (summary or {}).get("quality") or {}
        if not quality.get("items") or quality.get("pass_rate") is None:
            raise ShrinkInputError(f"probe run {run_id!r} has no scored eval suite items to measure quality with")
        summaries[run_id] = (str(run["suite"]), quality, pd.Timestamp(run["started_at"]).date())
    (base_suite, base, base_day), (suite, cand, cand_day) = summaries[baseline_run_id], summaries[candidate_run_id]
    if base_suite != suite:
        raise ShrinkInputError(
            f"measured quality needs two runs of one suite: run {baseline_run_id!r} ran {base_suite!r}, "
            f"run {candidate_run_id!r} ran {suite!r}"
        )
    low, high = cand["ci95"]
    return MeasuredQuality(
        suite=suite,
        baseline_run_id=baseline_run_id,
        candidate_run_id=candidate_run_id,
        items=int(min(base["items"], cand["items"])),
        baseline_score=float(base["pass_rate"]),
        candidate_score=float(cand["pass_rate"]),
        candidate_low=float(low),
        candidate_high=float(high),
        measured_on=max(base_day, cand_day),
    )


def _quality(store: Store, request: ShrinkRequest, kind: str, assumed: QualityRange) -> Quality:
    for path_kind, baseline_run, candidate_run in request.measured_runs:
        if path_kind == kind:
            return measured_quality(store, baseline_run, candidate_run)
    return assumed


def _assumption(request: ShrinkRequest) -> QualityRange:
    if request.quality_assumption is None:
        return DISTIL_ASSUMPTION
    low, likely, high = request.quality_assumption
    return QualityRange(low, likely, high, "assumption: set by you")


def _self_host_eval_usd(option: SelfHostOption, items: int, output_per_item: float) -> tuple[float, str]:
    plan = option.plan
    hours = max(items * output_per_item / plan.replica_output_tokens_per_s / 3600, EVALUATION_HOURS_MINIMUM)
    hours = math.ceil(hours)
    usd = hours * plan.gpus_per_replica * plan.ownership.usd_per_gpu_hour
    return usd, (
        f"{items} suite items on one replica: {hours} hour(s) x {plan.gpus_per_replica} GPU(s) x "
        f"${plan.ownership.usd_per_gpu_hour:.2f}/GPU-hour (billed by the hour; {plan.gpu_price_source})"
    )


def _fleet_notes(option: SelfHostOption) -> tuple[str, ...]:
    plan = option.plan
    return (
        f"{option.name}: {plan.gpus_per_replica} x {plan.gpu} per replica, {plan.replica_output_tokens_per_s:,.0f} "
        f"output tokens/s per replica ({plan.throughput_source})",
        f"{option.name}: GPU price {plan.gpu_price_source}",
    )


def public_score(store: Store, model: str, metric_id: str) -> pd.Series | None:
    """A model's score on a public metric as the explorer picks it (independent first, then the latest), or None."""
    scores = store.scores(metric_id)
    ids = [model]
    canonical = resolve_model(model).model_id  # a moving name (gpt-4o) scores as the model it points at today
    if canonical is not None and canonical != model:
        ids.append(canonical)
    for model_id in ids:
        picked = pick_scores(scores[scores["model_id"] == model_id])
        if not picked.empty:
            return picked.iloc[0]
    return None


def _scaled_by_public_scores(
    store: Store, request: ShrinkRequest, published: QualityRange
) -> tuple[QualityRange, str] | None:
    """The published quantisation share times the candidate's public score over the baseline's (both at BF16, on
    `request.quality_metric`), with a note naming the metric, both scores and their sources; None without both."""
    metrics = core.metric_registry(store)
    metric = metrics.get(request.quality_metric)
    candidate = public_score(store, request.candidate, request.quality_metric)
    baseline = public_score(store, request.baseline, request.quality_metric)
    if metric is None or candidate is None or baseline is None:
        return None
    candidate_score, baseline_score = float(candidate["score"]), float(baseline["score"])
    if candidate_score <= 0 or baseline_score <= 0:
        return None
    ratio = candidate_score / baseline_score if metric.higher_is_better else baseline_score / candidate_score
    scaled = QualityRange(
        published.low * ratio,
        published.likely * ratio,
        published.high * ratio,
        f"{published.source}; times {request.candidate}'s {metric.label} over {request.baseline}'s "
        f"({candidate_score:g} / {baseline_score:g} = {ratio:.0%})",
        published.url,
        published.as_of,
    )

    def said(row: pd.Series) -> str:
        day = row.get("as_of")
        return f"{row['source']}, {str(day)[:10] if day is not None and not pd.isna(day) else 'undated'}"

    note = (
        f"the published share compares {request.candidate} quantised with itself at BF16; against "
        f"{request.baseline} it is scaled by the two models' {metric.label} ({request.candidate} {candidate_score:g}, "
        f"{said(candidate)}; {request.baseline} {baseline_score:g}, {said(baseline)}): {ratio:.0%}"
    )
    return scaled, note


def _quantise(store: Store, request: ShrinkRequest, ratio: float, output_per_request: float) -> ShrinkPath:
    precision = normalise_precision(request.quantised_precision)
    wider = normalise_precision(request.baseline_precision)
    if BYTES_PER_PARAMETER[precision] >= BYTES_PER_PARAMETER[wider]:
        raise ShrinkInputError(
            f"quantising to {precision.upper()} saves nothing against {wider.upper()}: pick FP8, INT8 or INT4"
        )
    if _params(store, request.candidate) is None:
        raise ShrinkInputError(f"{request.candidate} has no known parameter count: quantising needs an open model")
    name = f"{request.candidate} {precision.upper()} on {request.gpu} (quantised)"
    option = _self_host(store, request.candidate, request, precision, ratio, output_per_request, name)
    low, likely, high = QUANTISATION_SHARES.get(precision, QUANTISATION_SHARES["int4"])
    published = QualityRange(low, likely, high, QUANTISATION_SOURCE, QUANTISATION_URL, QUANTISATION_AS_OF)
    notes = _fleet_notes(option)
    if request.candidate != request.baseline:
        scaled = _scaled_by_public_scores(store, request, published)
        if scaled is None:
            # Without scores for both, another model is not assumed to match the baseline: the quantisation share
            # times the same stated assumption distilling uses (a model of another size keeps part of the score).
            assumed = _assumption(request)
            published = QualityRange(
                published.low * assumed.low,
                published.likely * assumed.likely,
                published.high * assumed.high,
                f"{published.source}; times {request.candidate}'s share of {request.baseline}'s score at BF16, "
                f"{assumed.source} (no {request.quality_metric} score for both to scale it by)",
                published.url,
                published.as_of,
            )
            notes += (
                f"the published share compares {request.candidate} quantised with itself at BF16; against "
                f"{request.baseline} it is multiplied by an assumed {assumed.low:.0%}-{assumed.high:.0%} "
                f"(no {request.quality_metric} score for both models to scale it by)",
            )
        else:
            published, note = scaled
            notes += (note,)
    eval_usd, eval_text = _self_host_eval_usd(option, request.eval_items, output_per_request)
    return ShrinkPath(
        "quantise",
        option,
        _quality(store, request, "quantise", published),
        evaluation_usd=eval_usd,
        evaluation_source=eval_text,
        notes=notes,
    )


def _data(
    request: ShrinkRequest, teacher: TokenPrice, input_per_request: float, output_per_request: float
) -> TrainingData:
    return TrainingData(
        request.examples,
        request.input_tokens_per_example if request.input_tokens_per_example is not None else input_per_request,
        request.output_tokens_per_example if request.output_tokens_per_example is not None else output_per_request,
        teacher,
    )


def _distil(
    store: Store,
    request: ShrinkRequest,
    teacher: TokenPrice,
    ratio: float,
    lengths: tuple[float, float],
) -> ShrinkPath:
    params = _params(store, request.candidate)
    if params is None:
        raise ShrinkInputError(f"{request.candidate} has no known parameter count: a student must be an open model")
    precision = normalise_precision(request.student_precision)
    name = f"{request.candidate} distilled, {precision.upper()} on {request.gpu}"
    option = _self_host(store, request.candidate, request, precision, ratio, lengths[1], name)
    on_demand, price_source = _ownership(store, request.gpu, "on-demand")
    training = GpuTraining(
        params,
        request.gpu,
        on_demand.usd_per_gpu_hour,
        price_source,
        "bf16",
        request.epochs,
        request.lora_share,
        request.training_utilisation,
    )
    eval_usd, eval_text = _self_host_eval_usd(option, request.eval_items, lengths[1])
    return ShrinkPath(
        "distil",
        option,
        _quality(store, request, "distil", _assumption(request)),
        data=_data(request, teacher, *lengths),
        gpu_training=training,
        evaluation_usd=eval_usd,
        evaluation_source=eval_text,
        retrain_every_months=request.retrain_every_months,
        notes=_fleet_notes(option),
    )


def _fine_tune(
    store: Store,
    request: ShrinkRequest,
    teacher: TokenPrice,
    lengths: tuple[float, float],
    prices: list[FineTuningPrice],
) -> ShrinkPath:
    row = find_fine_tuning(request.candidate, prices)
    if row is None:
        known = ", ".join(sorted({p.base_model for p in prices}))
        raise ShrinkInputError(
            f"no hosted fine-tuning price for {request.candidate}; known: {known}. Add a row to your own "
            "fine-tuning price file"
        )
    option = ApiOption(
        name=f"{row.base_model} fine-tuned ({row.provider})",
        usd_per_1m_input=row.usd_per_1m_input,
        usd_per_1m_output=row.usd_per_1m_output,
        usd_per_1m_cached_input=row.usd_per_1m_cached_input,
        sheet_name=row.file_name,
        source=row.source,
        price_decline_source="the fine-tuned model's list price, held flat",
    )
    tuned = option.token_price
    eval_usage = Usage(round(request.eval_items * lengths[0]), round(request.eval_items * lengths[1]))
    eval_usd = linear_cost_usd(tuned, eval_usage)
    return ShrinkPath(
        "fine-tune",
        option,
        _quality(store, request, "fine-tune", _assumption(request)),
        data=_data(request, teacher, *lengths),
        hosted_training=HostedTraining(
            row.usd_per_1m_training_tokens, request.epochs, row.source, row.as_of.isoformat(), row.source_url
        ),
        evaluation_usd=eval_usd,
        evaluation_source=(
            f"{request.eval_items} suite items x ({lengths[0]:,.0f} input + {lengths[1]:,.0f} output tokens) at the "
            f"fine-tuned prices "
            f"(${fmt_number(tuned.usd_per_1m_input, 4)}/${fmt_number(tuned.usd_per_1m_output, 4)} per 1M; {row.source})"
        ),
        retrain_every_months=request.retrain_every_months,
        notes=(f"{option.name}: token prices {row.source}",),
    )


def _lengths(usage: planning.UsageSummary) -> tuple[float, float]:
    requests = usage.requests[-1] if usage.requests else 0.0
    if requests <= 0:
        return 1500.0, 500.0
    return usage.input_tokens[-1] / requests, usage.output_tokens[-1] / requests


def compare(
    store: Store,
    usage: planning.UsageSummary,
    request: ShrinkRequest,
    *,
    fine_tuning_prices: list[FineTuningPrice] | None = None,
    spread: ShrinkSpread | None = None,
    uncertainty: planning.Uncertainty | None = None,
) -> ShrinkComparison:
    """The paths asked for, costed against the baseline over the horizon, with bands and a tornado each.

    A path that cannot be costed (a closed candidate cannot be quantised, a model without a fine-tuning price
    cannot be fine-tuned hosted) is left out with the reason when other paths were asked for too; asked for
    alone, its reason is the error.
    """
    sheet = request.sheet or core.default_sheet(store)
    ratio = usage.input_output_ratio
    lengths = _lengths(usage)
    baseline, teacher, teacher_source = _baseline(store, request, sheet, ratio, lengths[1])
    baseline_params = _params(store, request.baseline)
    check_smaller(request.candidate, _params(store, request.candidate), request.baseline, baseline_params)
    prices = fine_tuning_prices if fine_tuning_prices is not None else read_fine_tuning_prices()
    paths: list[ShrinkPath] = []
    unavailable: dict[str, str] = {}
    for kind in request.paths:
        try:
            if kind == "quantise":
                paths.append(_quantise(store, request, ratio, lengths[1]))
            elif kind == "distil":
                paths.append(_distil(store, request, teacher, ratio, lengths))
            else:
                paths.append(_fine_tune(store, request, teacher, lengths, prices))
        except (ShrinkInputError, ValueError) as exc:
            if len(request.paths) == 1:
                raise
            unavailable[kind] = str(exc)
    if not paths:
        raise ShrinkInputError(
            "no shrink path could be costed: " + "; ".join(f"{k}: {v}" for k, v in unavailable.items())
        )
    options: tuple[Option, ...] = (baseline, *(path.option for path in paths))
    projection = planning.build_inputs(
        usage,
        options,
        request.months,
        request.growth_model,
        request.monthly_growth,
        peak_to_average=request.peak_to_average,
    )
    inputs = ShrinkInputs(projection, baseline.name, tuple(paths), request.required_quality)
    spread = spread or ShrinkSpread()
    uncertainty = uncertainty or planning.Uncertainty()
    bands = monte_carlo(
        inputs, spread, run_uncertainty=run_uncertainty(uncertainty), n_paths=uncertainty.n_paths, seed=uncertainty.seed
    )
    notes = (
        f"Labelling prices: {teacher_source}",
        f"Volume: {planning.growth_label(projection)}; {usage.mix_text}",
        f"Example length: {lengths[0]:,.0f} input and {lengths[1]:,.0f} output tokens (the workload's average request"
        " in its latest month unless set)",
    )
    return ShrinkComparison(
        inputs=inputs,
        result=evaluate(inputs),
        monte_carlo=bands,
        tornados={path.name: tornado(inputs, path.name, spread) for path in paths},
        unavailable=unavailable,
        notes=notes,
        usage_text=usage.mix_text,
        request=request,
    )


def run_uncertainty(uncertainty: planning.Uncertainty) -> dict[str, Any]:
    """The projection's draws, as `Uncertainty` sets them for Spend projections."""
    return {
        "growth_shift": centred_shift(uncertainty.growth_spread_per_month),
        "api_decline_scale": centred_scale(uncertainty.api_decline_spread),
        "gpu_decline_scale": centred_scale(uncertainty.gpu_decline_spread),
        "peak_to_average_scale": centred_scale(uncertainty.peak_to_average_spread),
    }


def payback_text(month: int | float | None, horizon: int) -> str:
    """'month 4', or 'not within 36 months'."""
    if month is None or (isinstance(month, float) and not math.isfinite(month)):
        return f"not within {horizon} months"
    return f"month {int(month)}"


def quality_text(outcome: PathOutcome) -> str:
    """The quality a path reaches and whether it meets the required share, in words."""
    verdict = "meets" if outcome.meets_required else "falls short of"
    return f"{outcome.quality.describe()}; {verdict} the {outcome.required_quality:.0%} required"


def outcome_rows(comparison: ShrinkComparison) -> pd.DataFrame:
    """The paths side by side: one row per path, money in USD, quality assumed or measured."""
    months = comparison.result.months
    bands = {band.name: band for band in comparison.monte_carlo.bands}
    rows = []
    for outcome in comparison.result.outcomes:
        band = bands[outcome.name]
        row: dict[str, Any] = {
            "Path": outcome.kind,
            "Option": outcome.name,
            "One-off (USD)": outcome.one_off_usd,
            "Re-training (USD each)": outcome.retrain_usd,
            "Re-trained every": f"{outcome.retrain_every_months} months" if outcome.retrain_every_months else "never",
            "Monthly run, month 1 (USD)": outcome.monthly_run_usd,
            "Baseline, month 1 (USD)": outcome.baseline_monthly_usd,
            "Payback": payback_text(outcome.payback_month, months),
            "Payback P10-P90": f"{payback_text(band.payback_p10, months)} to {payback_text(band.payback_p90, months)}",
            "Chance of payback": band.prob_payback,
        }
        for horizon, saving in outcome.savings_usd.items():
            row[f"Saving at {horizon} months (USD)"] = saving
        row["Quality must reach"] = f"{outcome.required_quality:.0%} of the baseline's score"
        row["Quality"] = outcome.quality_kind
        row["Quality (share of baseline)"] = (
            f"{outcome.quality.likely:.0%} ({outcome.quality.low:.0%}-{outcome.quality.high:.0%})"
        )
        row["Chance quality is reached"] = band.prob_quality
        rows.append(row)
    return pd.DataFrame(rows)


def payload(comparison: ShrinkComparison) -> dict[str, Any]:
    """The comparison as plain JSON values."""
    months = comparison.result.months
    paths = []
    bands = {band.name: dataclasses.asdict(band) for band in comparison.monte_carlo.bands}
    for outcome in comparison.result.outcomes:
        band = {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in bands[outcome.name].items()}
        paths.append(
            {
                "kind": outcome.kind,
                "option": outcome.name,
                "one_off_usd": outcome.one_off_usd,
                "retrain_usd": outcome.retrain_usd,
                "retrain_every_months": outcome.retrain_every_months,
                "monthly_run_usd_month_1": outcome.monthly_run_usd,
                "baseline_monthly_usd_month_1": outcome.baseline_monthly_usd,
                "payback_month": outcome.payback_month,
                "savings_usd": {str(k): v for k, v in outcome.savings_usd.items()},
                "required_quality_share": outcome.required_quality,
                "quality": {
                    "kind": outcome.quality_kind,
                    "likely_share": outcome.quality.likely,
                    "low_share": outcome.quality.low,
                    "high_share": outcome.quality.high,
                    "text": outcome.quality.describe(),
                },
                "costs": [dataclasses.asdict(item) for item in outcome.items],
                "monte_carlo": band,
                "tornado": comparison.tornados[outcome.name].replace(math.inf, None).to_dict("records"),
                "notes": list(outcome.notes),
            }
        )
    return {
        "baseline": comparison.result.baseline,
        "horizon_months": months,
        "paths": paths,
        "unavailable": comparison.unavailable,
        "notes": list(comparison.notes),
        "monte_carlo_paths": comparison.monte_carlo.n_paths,
    }


def compare_upload(
    store: Store, upload_id: str, workload: str, request: ShrinkRequest, n_paths: int = 10_000
) -> ShrinkComparison:
    """`compare` for one workload of a kept usage upload (the Shrink page's use case)."""
    usage = planning.summarise_usage(store.usage_monthly(upload_id), workload)
    return compare(store, usage, request, uncertainty=planning.Uncertainty(n_paths=n_paths))


def suite_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Finished probe runs with an eval suite, newest first: the runs measured quality can come from."""
    usable = runs[runs["status"].isin(("completed", "cancelled", "closed", "imported")) & runs["suite"].notna()]
    return usable.sort_values("started_at", ascending=False)


def shrink_quality(outcome: PathOutcome) -> ShrinkQuality:
    """A path's quality as a shrunk option keeps it: assumed or measured, its range or interval, its source and the
    share it must reach."""
    quality = outcome.quality
    if isinstance(quality, MeasuredQuality):
        source = (
            f"suite {quality.suite}, {quality.items} items, pass rate {quality.candidate_score:.0%} "
            f"(run {quality.candidate_run_id}) against {quality.baseline_score:.0%} (run {quality.baseline_run_id})"
        )
        return ShrinkQuality(
            kind="measured",
            likely_share=quality.likely,
            low_share=quality.low,
            high_share=quality.high,
            required_share=outcome.required_quality,
            source=source,
            as_of=quality.measured_on.isoformat(),
        )
    return ShrinkQuality(
        kind="assumed",
        likely_share=quality.likely,
        low_share=quality.low,
        high_share=quality.high,
        required_share=outcome.required_quality,
        source=quality.source,
        url=quality.url,
        as_of=quality.as_of,
    )


def projection_option(comparison: ShrinkComparison, kind: str) -> ApiOption | SelfHostOption:
    """One costed path as a Spend projections option: its serving option with what making it costs (the one-off in
    month 1, each re-training every K months), how it was made (path, models, settings, quality, each cost with its
    source: `MakingCost.shrink`), so a scenario keeps them and reopens costed alike."""
    paths = {path.kind: path for path in comparison.inputs.paths}
    outcomes = {outcome.kind: outcome for outcome in comparison.result.outcomes}
    if kind not in paths:
        costed = ", ".join(paths) or "none"
        why = comparison.unavailable.get(kind, "it was not asked for")
        raise ShrinkInputError(f"the {kind} path was not costed ({why}); costed paths: {costed}")
    if comparison.request is None:
        raise ShrinkInputError("this comparison does not say what it was asked with; cost it with `compare`")
    path, outcome = paths[kind], outcomes[kind]
    option = path.option
    if not isinstance(option, ApiOption | SelfHostOption):
        raise ShrinkInputError(f"the {kind} path is served by a hybrid, which Spend projections cannot take")
    spec = ShrinkSpec(
        path=kind,
        baseline=comparison.result.baseline,
        candidate=comparison.request.candidate,
        settings=settings_of(comparison.request),
        quality=shrink_quality(outcome),
        costs=tuple(
            CostLine(what=i.what, usd=i.usd, formula=i.formula, source=i.source, url=i.url, as_of=i.as_of)
            for i in outcome.items
        ),
    )
    making = MakingCost(
        one_off_usd=outcome.one_off_usd,
        retrain_usd=outcome.retrain_usd,
        retrain_every_months=outcome.retrain_every_months if outcome.retrain_usd > 0 else None,
        source=f"shrink ({kind}) against {spec.baseline}: "
        + "; ".join(f"{item.what} {fmt_number(item.usd, 4)} USD ({item.source})" for item in outcome.items)
        + f"; quality {quality_text(outcome)}",
        shrink=spec,
    )
    return dataclasses.replace(option, making=making)
