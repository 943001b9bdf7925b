"""The shrink engine: closed-form labelling, training compute and payback, bad inputs, Monte Carlo and tornado."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from pricing.cost import TokenPrice
from pricing.gpus import gpu_spec
from pricing.planning.projection import ApiOption, ProjectionInputs, SelfHostOption
from pricing.shrink.engine import (
    ASSUMED,
    MEASURED,
    GpuTraining,
    HostedTraining,
    MeasuredQuality,
    QualityRange,
    ShrinkInputs,
    ShrinkPath,
    ShrinkSpread,
    TrainingData,
    check_smaller,
    evaluate,
    extra_costs,
    labelling_cost_usd,
    monte_carlo,
    payback_months,
    tornado,
    training_flops,
    training_gpu_hours,
)
from pricing.sizing import OwnershipCosts, SelfHostPlan

TEACHER = TokenPrice("teacher", "list", 2.5, 10.0, None, dt.date(2025, 1, 1))
ASSUMPTION = QualityRange(0.85, 0.93, 1.0, "assumption: set yours")


def test_labelling_cost_is_examples_times_tokens_times_the_teachers_prices() -> None:
    data = TrainingData(10_000, 800, 200, TEACHER)
    assert labelling_cost_usd(data) == pytest.approx(10_000 * (800 * 2.5 + 200 * 10.0) / 1e6)


def test_labelled_data_costs_nothing_to_label() -> None:
    assert labelling_cost_usd(TrainingData(5, 100, 100)) == 0.0


def test_training_flops_are_six_times_params_tokens_epochs() -> None:
    assert training_flops(8, 1e7, 3) == pytest.approx(6 * 8e9 * 1e7 * 3)


def test_lora_still_runs_every_frozen_weight_forward_and_back() -> None:
    assert training_flops(8, 1e7, 3, lora_share=0.01) == pytest.approx((4 + 6 * 0.01) * 8e9 * 1e7 * 3)


def test_training_gpu_hours_are_flops_over_peak_times_utilisation() -> None:
    flops = 6 * 8e9 * 1e7 * 3
    peak = gpu_spec("H100 SXM").fp16_tflops * 1e12
    assert training_gpu_hours(flops, "H100 SXM", "bf16", 0.35) == pytest.approx(flops / (peak * 0.35 * 3600))


@pytest.mark.parametrize(
    ("own", "base", "month"),
    [
        ([10, 20, 30], [5, 15, 30], 3),  # a tie counts as paid back
        ([1, 2, 3], [5, 6, 7], 1),
        ([10, 11, 12], [5, 6, 7], None),
        ([1, 9, 10], [5, 6, 7], None),  # ahead early, overtaken by the horizon: not paid back
        ([10, 5, 6], [5, 6, 7], 2),
    ],
)
def test_payback_month(own: list[float], base: list[float], month: int | None) -> None:
    got = payback_months(np.array(own, dtype=float), np.array(base, dtype=float))[0]
    assert (math.isnan(got) and month is None) or got == month


def test_zero_examples_are_refused() -> None:
    with pytest.raises(ValueError, match="examples must be a whole number of at least 1 \\(got 0\\)"):
        TrainingData(0, 100, 100, TEACHER)


def test_utilisation_over_100_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 100% \\(got 120%\\)"):
        GpuTraining(8, "H100 SXM", 2.5, utilisation=1.2)


def test_unknown_gpu_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no datasheet figures for GPU 'Z9000'.*known: H100 SXM"):
        GpuTraining(8, "Z9000", 2.5)


def test_a_candidate_larger_than_the_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="larger than the baseline"):
        check_smaller("big-70b", 70, "small-8b", 8)
    check_smaller("closed", None, "small-8b", 8)  # unknown size: nothing to check


def _plan(usd_per_gpu_hour: float = 2.0, tokens_per_s: float = 2000.0) -> SelfHostPlan:
    return SelfHostPlan(
        gpu="H100 SXM",
        gpus_per_replica=1,
        replica_output_tokens_per_s=tokens_per_s,
        ownership=OwnershipCosts(mode="on-demand", usd_per_gpu_hour=usd_per_gpu_hour),
        headroom=0.0,
        target_utilisation=1.0,
    )


def _inputs(retrain: int | None = 6, quality: QualityRange | MeasuredQuality = ASSUMPTION) -> ShrinkInputs:
    baseline = ApiOption("teacher", 2.5, 10.0)
    student = SelfHostOption("student", _plan())
    data = TrainingData(10_000, 800, 200, TEACHER)
    path = ShrinkPath(
        "distil",
        student,
        quality,
        data=data,
        gpu_training=GpuTraining(8, "H100 SXM", 2.0),
        evaluation_usd=10.0,
        retrain_every_months=retrain,
    )
    projection = ProjectionInputs(options=(baseline, student), horizon_months=36, base_output_tokens_per_month=1e9)
    return ShrinkInputs(projection, "teacher", (path,))


def test_distil_path_one_off_payback_and_savings_in_closed_form() -> None:
    inputs = _inputs(retrain=None)
    outcome = evaluate(inputs).outcomes[0]
    labelling = 10_000 * (800 * 2.5 + 200 * 10.0) / 1e6
    hours = 6 * 8e9 * (10_000 * 1000) * 3 / (gpu_spec("H100 SXM").fp16_tflops * 1e12 * 0.35 * 3600)
    assert outcome.one_off_usd == pytest.approx(labelling + hours * 2.0 + 10.0)
    baseline_monthly = 1e9 * 3 * 2.5 / 1e6 + 1e9 * 10.0 / 1e6
    # peak = 1e9 / (730 x 3600) x 2 = 761 tokens/s: one replica of one GPU at $2/hour
    run = 2.0 * 730
    assert outcome.baseline_monthly_usd == pytest.approx(baseline_monthly)
    assert outcome.monthly_run_usd == pytest.approx(run)
    assert outcome.payback_month == 1  # 40 + 27 + 10 < 17,500 - 1,460 in the first month
    assert outcome.savings_usd[36] == pytest.approx(36 * (baseline_monthly - run) - outcome.one_off_usd)
    assert outcome.quality_kind == ASSUMED and outcome.meets_required


def test_retraining_recurs_every_k_months() -> None:
    path = _inputs(retrain=6).paths[0]
    schedule = extra_costs(path, 13)
    assert np.flatnonzero(schedule).tolist() == [0, 6, 12]
    assert schedule[6] == pytest.approx(schedule[0])


def test_payback_waits_for_a_large_one_off() -> None:
    inputs = _inputs(retrain=None)
    path = inputs.paths[0]
    big = ShrinkPath(
        path.kind, path.option, path.quality, data=path.data, gpu_training=path.gpu_training, evaluation_usd=50_000.0
    )
    outcome = evaluate(ShrinkInputs(inputs.projection, "teacher", (big,))).outcomes[0]
    saving_a_month = 1e9 * 3 * 2.5 / 1e6 + 1e9 * 10.0 / 1e6 - 2.0 * 730
    assert outcome.one_off_usd > 50_000.0
    assert outcome.payback_month == math.ceil(outcome.one_off_usd / saving_a_month)


def test_monte_carlo_bands_bracket_the_plan_and_count_quality() -> None:
    inputs = _inputs()
    mc = monte_carlo(inputs, ShrinkSpread(), n_paths=2000, seed=1)
    band = mc.bands[0]
    assert band.payback_p10 <= band.payback_p50 <= band.payback_p90
    assert band.savings_p10 <= band.savings_p50 <= band.savings_p90
    # triangular(0.85, 0.93, 1.0) reaches 0.9 with probability 1 - (0.05^2 / (0.15 x 0.08))
    assert band.prob_quality == pytest.approx(1 - 0.05**2 / (0.15 * 0.08), abs=0.03)


def test_tornado_ranks_assumptions_by_payback_swing() -> None:
    inputs = _inputs()
    frame = tornado(inputs, "student")
    assert set(frame["input"]) == {
        "Examples needed",
        "Re-training every (months)",
        "Training utilisation",
        "Monthly volume",
        "Serving GPU price",
    }
    assert frame["swing_months"].is_monotonic_decreasing


def test_measured_quality_replaces_the_assumption() -> None:
    measured = MeasuredQuality("support", "b1", "c1", 50, 0.8, 0.6, 0.47, 0.72, dt.date(2026, 1, 2))
    outcome = evaluate(_inputs(quality=measured)).outcomes[0]
    assert outcome.quality_kind == MEASURED
    assert outcome.quality.likely == pytest.approx(0.75)
    assert not outcome.meets_required
    assert "measured 75% of the baseline's score (95% CI 59%-90%)" in measured.describe()


def test_hosted_fine_tuning_costs_training_tokens_at_the_files_price() -> None:
    baseline = ApiOption("gpt-4o", 2.5, 10.0)
    tuned = ApiOption("ft:gpt-4o-mini", 0.3, 1.2)
    data = TrainingData(1000, 500, 100, TEACHER)
    path = ShrinkPath("fine-tune", tuned, ASSUMPTION, data=data, hosted_training=HostedTraining(3.0, 3, "file"))
    projection = ProjectionInputs(options=(baseline, tuned), horizon_months=24)
    outcome = evaluate(ShrinkInputs(projection, "gpt-4o", (path,))).outcomes[0]
    labelling = 1000 * (500 * 2.5 + 100 * 10.0) / 1e6
    assert outcome.one_off_usd == pytest.approx(labelling + 1000 * 600 * 3 * 3.0 / 1e6)
    assert set(outcome.savings_usd) == {18, 24}
