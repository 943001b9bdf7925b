"""Benchmark: Monte Carlo spend projection, vectorised over paths x months against a per-path Python loop.

One 36-month scenario with 20 options: 16 `ApiOption`s (prices from $0.05 to $60 per 1M output tokens, some with
a cache price, each with its own list-price decline) and 4 `SelfHostOption`s whose `SelfHostPlan`s are sized by
`pricing.sizing.plan_from_sizing` (roofline throughput) under different `OwnershipCosts` (on-demand, reserved,
bought annualised, bought paid upfront). Volume starts at 2e9 output tokens a month, grows 6% a month, 3 input
tokens per output token, 25% of input cached. Four inputs are uncertain, each drawn around the scenario's own
value as scipy.stats frozen distributions: extra growth normal(0, 2 points)/month on top of the 6%, each API
option's own decline times a log-uniform factor 1/2-2, each rented fleet's GPU price decline times a log-uniform
1/1.25-1.25, peak-to-average times a log-uniform 1/1.25-1.25.

Ours is `pricing.planning.projection.monte_carlo` (every path at once as (paths, months) arrays); the baseline is
`benchmarks.baselines.monte_carlo_loop` (the same maths one path at a time in Python), with the same inputs, draws
and seed, timed interleaved in the same run. 10,000 paths (2,000 with --quick). The loop is timed on all the paths
only where a calibration run says one loop run takes at most LOOP_RUN_BUDGET_S; otherwise it runs on fewer paths
and its time is scaled linearly to the full count and labelled extrapolated. Both must give the same bands on the
same paths, or the benchmark fails.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from benchmarks.baselines import monte_carlo_loop
from benchmarks.timing import Row, Table, Timing, fmt_seconds, measure_pair, time_once
from pricing.planning.projection import (
    ApiOption,
    MonteCarloResult,
    Option,
    ProjectionInputs,
    SelfHostOption,
    monte_carlo,
)
from pricing.sizing import OwnershipCosts, SelfHostPlan, plan_from_sizing

PATHS_FULL = 10_000
PATHS_QUICK = 2_000
HORIZON_MONTHS = 36
SEED = 20261127
CALIBRATION_PATHS = 200
LOOP_RUN_BUDGET_S = 60.0  # most seconds one loop run may take before it is run on fewer paths and scaled
LOOP_TOTAL_BUDGET_S = 150.0  # most seconds all loop runs together may take; caps the repeats
MIN_LOOP_PATHS = 500
AGREEMENT_RTOL = 1e-9

UNCERTAIN = {
    "growth_shift": stats.norm(loc=0.0, scale=0.02),
    "api_decline_scale": stats.loguniform(1 / 2, 2),
    "gpu_decline_scale": stats.loguniform(1 / 1.25, 1.25),
    "peak_to_average_scale": stats.loguniform(1 / 1.25, 1.25),
}
UNCERTAIN_TEXT = (
    "centred draws: growth +normal(0, 2 points)/month, each API decline x/÷ up to 2, GPU decline x/÷ up to 1.25, "
    "peak-to-average x/÷ up to 1.25"
)

# (name, USD per 1M input, per 1M output, per 1M cached input or None, list-price decline per year)
API_PRICES: tuple[tuple[str, float, float, float | None, float], ...] = (
    ("api-nano", 0.02, 0.05, None, 3.0),
    ("api-mini-a", 0.10, 0.40, 0.025, 5.0),
    ("api-mini-b", 0.15, 0.60, 0.075, 10.0),
    ("api-flash", 0.30, 2.50, 0.03, 8.0),
    ("api-small", 0.40, 1.60, 0.10, 10.0),
    ("api-haiku", 0.80, 4.00, 0.08, 4.0),
    ("api-open-70b", 0.60, 0.80, None, 6.0),
    ("api-open-405b", 3.00, 3.00, None, 5.0),
    ("api-mid-a", 1.10, 4.40, 0.275, 10.0),
    ("api-mid-b", 1.25, 10.00, 0.31, 6.0),
    ("api-large-a", 2.00, 8.00, 0.50, 10.0),
    ("api-large-b", 2.50, 10.00, 1.25, 8.0),
    ("api-sonnet", 3.00, 15.00, 0.30, 3.0),
    ("api-reasoning", 1.10, 4.40, 0.55, 12.0),
    ("api-frontier", 15.00, 60.00, 7.50, 2.0),
    ("api-flat", 0.50, 1.50, None, 0.0),
)
# (name, model id, parameters (B), precision, GPU, ownership, GPU rental price decline per year)
SELF_HOSTED: tuple[tuple[str, str, float, str, str, OwnershipCosts, float], ...] = (
    (
        "own llama-3.1-8b on L40S, on-demand",
        "llama-3.1-8b-instruct",
        8.0,
        "fp8",
        "L40S",
        OwnershipCosts(mode="on-demand", usd_per_gpu_hour=1.0),
        1.3,
    ),
    (
        "own llama-3.3-70b on H100, reserved",
        "llama-3.3-70b-instruct",
        70.0,
        "fp8",
        "H100 SXM",
        OwnershipCosts(mode="reserved", usd_per_gpu_hour=2.2, ops_usd_per_month=8_000.0),
        1.2,
    ),
    (
        "own qwen2.5-72b on H200, bought",
        "qwen2.5-72b-instruct",
        72.0,
        "fp8",
        "H200",
        OwnershipCosts(mode="bought", purchase_usd_per_gpu=35_000.0, ops_usd_per_month=12_000.0),
        0.0,
    ),
    (
        "own llama-3.1-405b on B200, bought upfront",
        "llama-3.1-405b-instruct",
        405.0,
        "fp8",
        "B200",
        OwnershipCosts(
            mode="bought",
            purchase_usd_per_gpu=40_000.0,
            gpu_power_kw=1.0,
            ops_usd_per_month=20_000.0,
            capex_timing="upfront",
        ),
        0.0,
    ),
)


def scenario() -> ProjectionInputs:
    """The 20-option, 36-month scenario (constant 6% growth from 2e9 output tokens a month)."""
    options: list[Option] = [
        ApiOption(name, usd_in, usd_out, cached, decline) for name, usd_in, usd_out, cached, decline in API_PRICES
    ]
    for name, model_id, params_b, precision, gpu, ownership, gpu_decline in SELF_HOSTED:
        plan: SelfHostPlan = plan_from_sizing(model_id, params_b, precision, gpu, ownership, input_output_ratio=3.0)
        options.append(SelfHostOption(name, plan, gpu_decline))
    return ProjectionInputs(
        options=tuple(options),
        horizon_months=HORIZON_MONTHS,
        base_output_tokens_per_month=2e9,
        input_output_ratio=3.0,
        cached_share=0.25,
        growth_model="constant",
        monthly_growth=0.06,
        peak_to_average=2.0,
    )


def vectorised(inputs: ProjectionInputs, n_paths: int) -> MonteCarloResult:
    """Ours: every path at once."""
    return monte_carlo(inputs, n_paths=n_paths, seed=SEED, **UNCERTAIN)


def loop(inputs: ProjectionInputs, n_paths: int) -> MonteCarloResult:
    """The baseline: one path at a time."""
    return monte_carlo_loop(inputs, n_paths=n_paths, seed=SEED, **UNCERTAIN)


def check_agree(inputs: ProjectionInputs, n_paths: int) -> float:
    """Largest relative difference between the two on the same paths (raises if above AGREEMENT_RTOL)."""
    fast, slow = vectorised(inputs, n_paths), loop(inputs, n_paths)
    worst = 0.0
    for ours, theirs in ((fast.monthly, slow.monthly), (fast.cumulative, slow.cumulative), (fast.tco, slow.tco)):
        a = ours.select_dtypes("number").to_numpy(dtype=float)
        b = theirs.select_dtypes("number").to_numpy(dtype=float)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12))))
    if worst > AGREEMENT_RTOL or not fast.prob_cheapest.equals(slow.prob_cheapest):
        raise RuntimeError(f"monte_carlo and monte_carlo_loop disagree on {n_paths} paths (max rel diff {worst:.3g})")
    return worst


def peak_traced_mib(fn: Callable[[], object]) -> float:
    """Peak Python + numpy memory allocated during one call (tracemalloc), in MiB; run apart from the timings."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@dataclass(frozen=True)
class LoopPlan:
    """How the loop is timed: on how many paths, how many repeats, and the scale to the full path count."""

    paths: int
    repeats: int
    scale: float

    @property
    def extrapolated(self) -> bool:
        return self.scale != 1.0


def plan_loop(inputs: ProjectionInputs, n_paths: int, repeats: int) -> tuple[LoopPlan, float]:
    """Time a short loop run and choose the loop's paths and repeats to fit the budgets; also the calibration
    seconds per path."""
    calibration = min(CALIBRATION_PATHS, n_paths)
    per_path = time_once(lambda: loop(inputs, calibration)) / calibration
    full_run = per_path * n_paths
    paths = n_paths
    if full_run > LOOP_RUN_BUDGET_S:
        paths = max(MIN_LOOP_PATHS, int(LOOP_RUN_BUDGET_S / per_path) // 100 * 100)
        paths = min(paths, n_paths)
    loop_repeats = max(1, min(repeats, math.floor(LOOP_TOTAL_BUDGET_S / max(per_path * paths, 1e-9))))
    return LoopPlan(paths, loop_repeats, n_paths / paths), per_path


def run(repeats: int = 7, quick: bool = False) -> list[Row | Table]:
    """The projection benchmark: one row (vectorised vs loop) and a table of the figures behind it."""
    n_paths = PATHS_QUICK if quick else PATHS_FULL
    inputs = scenario()
    n_options = len(inputs.options)
    vectorised(inputs, 100)  # warm imports and the growth/decline code paths before any timing
    plan, calibration_per_path = plan_loop(inputs, n_paths, repeats)
    agree_paths = min(plan.paths, 1_000)
    worst = check_agree(inputs, agree_paths)

    started = time.perf_counter()
    ours_t, loop_t = measure_pair(lambda: vectorised(inputs, n_paths), lambda: loop(inputs, plan.paths), plan.repeats)
    measured_s = time.perf_counter() - started
    if plan.repeats < repeats:  # the vectorised run is cheap: give it the full repeats for its own figures
        extra = [time_once(lambda: vectorised(inputs, n_paths)) for _ in range(repeats - plan.repeats)]
        ours_all = Timing(ours_t.samples + tuple(extra))
    else:
        ours_all = ours_t
    base_t = Timing(tuple(s * plan.scale for s in loop_t.samples))  # scale 1 unless extrapolated
    memory_mib = peak_traced_mib(lambda: vectorised(inputs, n_paths))

    loop_label = f"loop (extrapolated from {plan.paths:,} paths)" if plan.extrapolated else "loop"
    notes = (
        f"{n_paths:,} paths x {HORIZON_MONTHS} months x {n_options} options (16 API, 4 self-host); "
        f"{UNCERTAIN_TEXT}; {plan.repeats} interleaved pairs"
        + (
            f"; loop measured on {plan.paths:,} paths and scaled x{plan.scale:.1f} (EXTRAPOLATED)"
            if plan.extrapolated
            else ""
        )
    )
    row = Row(f"Monte Carlo projection, {n_paths:,} paths", ours_t, loop_label, base_t, True, notes)

    def per_path_us(seconds: float, paths: int) -> str:
        return f"{seconds / paths * 1e6:,.1f} us"

    loop_wall = fmt_seconds(base_t.median) + (" (extrapolated)" if plan.extrapolated else "")
    table = Table(
        title=(
            f"Monte Carlo projection: {n_paths:,} paths, {HORIZON_MONTHS} months, {n_options} options, "
            f"seed {SEED} (same draws for both)"
        ),
        header=("implementation", "paths timed", "wall (median)", "wall (min)", "per path", "repeats"),
        rows=(
            (
                "ours: monte_carlo (vectorised)",
                f"{n_paths:,}",
                fmt_seconds(ours_all.median),
                fmt_seconds(ours_all.min),
                per_path_us(ours_all.median, n_paths),
                str(len(ours_all.samples)),
            ),
            (
                "monte_carlo_loop (per path)",
                f"{plan.paths:,}",
                loop_wall,
                fmt_seconds(base_t.min) + (" (extrapolated)" if plan.extrapolated else ""),
                per_path_us(loop_t.median, plan.paths),
                str(len(loop_t.samples)),
            ),
        ),
        footnote=(
            f"Speed-up loop/ours {row.ratio:.3g}x (median of {plan.repeats} interleaved pairs"
            + (f"; loop times scaled x{plan.scale:.1f} from {plan.paths:,} paths" if plan.extrapolated else "")
            + f"). Calibration: the loop took {calibration_per_path * 1e6:,.0f} us per path on "
            f"{min(CALIBRATION_PATHS, n_paths)} paths. Bands on {agree_paths:,} paths: "
            + ("identical" if worst == 0 else f"agree within {worst:.1g} relative")
            + f". Vectorised peak traced memory (tracemalloc, one untimed run): "
            f"{memory_mib:,.0f} MiB. Timed section {measured_s:.0f} s."
        ),
    )
    return [row, table]


def _summary_frame(result: MonteCarloResult) -> pd.DataFrame:
    """Horizon TCO bands and win shares, cheapest first (a look by hand: `python -m benchmarks.projection_bench`)."""
    return result.tco.assign(prob_cheapest=result.prob_cheapest).sort_values("p50")


if __name__ == "__main__":
    print(_summary_frame(vectorised(scenario(), 2_000)).to_string())
