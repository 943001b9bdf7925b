"""Benchmark: a 36-month shrink comparison with 10,000 Monte Carlo paths against the projection of the same options.

Options: a baseline API model ($2.50/$10 per 1M input/output tokens), a distilled 8B student and a quantised FP8 8B
model served on rented H100s (one GPU per replica, 2,000 output tokens/s, $2.50/GPU-hour), and a hosted fine-tuned
model ($0.30/$1.20). Volume starts at 1e9 output tokens a month, grows 5% a month, 3 input tokens per output token.
Ours is `pricing.shrink.engine.monte_carlo` (the projection's spend paths plus each path's making and re-making cost
with examples, utilisation, cadence and quality drawn); the baseline is `pricing.planning.projection.monte_carlo`
of the same options with the same projection draws but no shrink inputs. The ratio is what the shrink inputs add.
10,000 paths (2,000 with --quick).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from benchmarks.timing import Row, Table, measure_pair
from pricing.cost import TokenPrice
from pricing.planning.projection import ApiOption, ProjectionInputs, SelfHostOption, centred_scale, centred_shift
from pricing.planning.projection import monte_carlo as projection_monte_carlo
from pricing.shrink.engine import (
    GpuTraining,
    HostedTraining,
    QualityRange,
    ShrinkInputs,
    ShrinkPath,
    ShrinkSpread,
    TrainingData,
    monte_carlo,
)
from pricing.sizing import OwnershipCosts, SelfHostPlan

TEACHER = TokenPrice("teacher", "list", 2.5, 10.0, None, dt.date(2025, 1, 1))
QUALITY = QualityRange(0.85, 0.93, 1.0, "assumption")


def _inputs() -> ShrinkInputs:
    plan = SelfHostPlan(
        gpu="H100 SXM",
        gpus_per_replica=1,
        replica_output_tokens_per_s=2000.0,
        ownership=OwnershipCosts(mode="on-demand", usd_per_gpu_hour=2.5),
    )
    baseline = ApiOption("teacher", 2.5, 10.0, price_decline_factor_per_year=1.0)
    student = SelfHostOption("student", plan)
    quantised = SelfHostOption("quantised", plan)
    tuned = ApiOption("tuned", 0.3, 1.2)
    data = TrainingData(10_000, 1500, 400, TEACHER)
    paths = (
        ShrinkPath("quantise", quantised, QualityRange(0.99, 0.998, 1.0, "published"), evaluation_usd=3.0),
        ShrinkPath(
            "distil", student, QUALITY, data=data, gpu_training=GpuTraining(8, "H100 SXM", 2.5), retrain_every_months=6
        ),
        ShrinkPath(
            "fine-tune",
            tuned,
            QUALITY,
            data=data,
            hosted_training=HostedTraining(3.0, 3, "file"),
            retrain_every_months=6,
        ),
    )
    projection = ProjectionInputs(
        options=(baseline, student, quantised, tuned),
        horizon_months=36,
        base_output_tokens_per_month=1e9,
        monthly_growth=0.05,
    )
    return ShrinkInputs(projection, "teacher", paths)


def run(repeats: int, quick: bool) -> Sequence[Row | Table]:
    """One row: the shrink Monte Carlo against the projection's Monte Carlo of the same options."""
    n_paths = 2_000 if quick else 10_000
    inputs = _inputs()
    draws = {
        "growth_shift": centred_shift(0.02),
        "api_decline_scale": centred_scale(1.5),
        "gpu_decline_scale": centred_scale(1.25),
        "peak_to_average_scale": centred_scale(1.25),
    }
    ours, baseline = measure_pair(
        lambda: monte_carlo(inputs, ShrinkSpread(), run_uncertainty=draws, n_paths=n_paths, seed=0),
        lambda: projection_monte_carlo(inputs.projection, **draws, n_paths=n_paths, seed=0),
        repeats,
    )
    return [
        Row(
            f"shrink: 36-month comparison, 3 paths, {n_paths:,} Monte Carlo paths",
            ours,
            "projection of the same options without shrink inputs",
            baseline,
            speedup=False,
            notes="same projection draws and seed; the shrink run adds examples, utilisation, cadence and quality",
        )
    ]
