"""Benchmark 1: the Pareto frontier, ours (one sort and one sweep) against the O(n^2) reference.

Inputs are every priced chat model in litellm's bundled map (blended 3:1 price against a quality that
is a real score where one joins, else a deterministic synthetic value), a 20,000-point synthetic cloud,
and an adversarial set where every point is on the frontier (the reference's worst case).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from benchmarks.baselines import pareto_mask_naive
from benchmarks.timing import Row, fmt_seconds, measure_pair, time_once
from pricing.frontier import pareto_mask
from pricing.litellm_prices import bundled_price_records
from pricing.sources.readers import read_benchmarks, read_scores
from pricing.sources.seed import DATA_DIR

SYNTHETIC_SEED = 20261127
INPUT_OUTPUT_RATIO = 3.0
SYNTHETIC_N = 20_000
PROBE_N = 2_000
NAIVE_BUDGET_S = 45.0  # most seconds the reference may spend on the synthetic row, all repeats together

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FrontierInputs:
    """Cost and quality arrays of every priced model, and where the qualities came from."""

    cost: FloatArray
    quality: FloatArray
    benchmark_id: str
    higher_is_better: bool
    real_scores: int


def priced_model_inputs(today: dt.date) -> FrontierInputs:
    """Blended price of every priced chat model, with the benchmark that scores most of them."""
    prices = bundled_price_records(as_of=today)
    cost = (
        (INPUT_OUTPUT_RATIO * prices["usd_per_1m_input"] + prices["usd_per_1m_output"]) / (INPUT_OUTPUT_RATIO + 1)
    ).to_numpy(dtype=float)
    scores = read_scores(DATA_DIR)
    joined = {
        str(benchmark): int(prices["model_id"].isin(set(group["model_id"])).sum())
        for benchmark, group in scores.groupby("benchmark_id")
    }
    benchmark_id = max(sorted(joined), key=lambda b: joined[b])
    per_model: pd.Series = scores[scores["benchmark_id"] == benchmark_id].groupby("model_id")["score"].mean()
    quality = prices["model_id"].map(per_model).to_numpy(dtype=float, copy=True)
    missing = np.isnan(quality)
    rng = np.random.default_rng(SYNTHETIC_SEED)
    quality[missing] = rng.uniform(float(per_model.min()), float(per_model.max()), int(missing.sum()))
    registry = read_benchmarks(DATA_DIR).set_index("benchmark_id")
    higher = bool(registry.loc[benchmark_id, "higher_is_better"]) if benchmark_id in registry.index else True
    return FrontierInputs(cost, quality, benchmark_id, higher, int((~missing).sum()))


def synthetic_cloud(n: int) -> tuple[FloatArray, FloatArray]:
    """Log-normal prices and independent normal qualities, as a fixed-seed cloud."""
    rng = np.random.default_rng(SYNTHETIC_SEED)
    return rng.lognormal(0.0, 1.5, n), rng.normal(60.0, 10.0, n)


def all_on_frontier(n: int) -> tuple[FloatArray, FloatArray]:
    """Every point on the frontier (quality rises strictly with cost), shuffled: no point has a dominator."""
    order = np.random.default_rng(SYNTHETIC_SEED).permutation(n).astype(float)
    return order.copy(), order * 0.01


def _check_agree(cost: FloatArray, quality: FloatArray, higher_is_better: bool = True) -> int:
    ours = pareto_mask(cost, quality, quality_higher_is_better=higher_is_better)
    naive = pareto_mask_naive(cost, quality, quality_higher_is_better=higher_is_better)
    if not np.array_equal(ours, naive):
        raise AssertionError(f"pareto_mask and pareto_mask_naive disagree on {int((ours != naive).sum())} points")
    return int(ours.sum())


def bench_priced_models(repeats: int, today: dt.date) -> Row:
    inputs = priced_model_inputs(today)
    n = inputs.cost.size
    on_frontier = _check_agree(inputs.cost, inputs.quality, inputs.higher_is_better)
    ours, naive = measure_pair(
        lambda: pareto_mask(inputs.cost, inputs.quality, quality_higher_is_better=inputs.higher_is_better),
        lambda: pareto_mask_naive(inputs.cost, inputs.quality, quality_higher_is_better=inputs.higher_is_better),
        repeats,
    )
    notes = (
        f"{n:,} priced chat models from litellm's map, blended 3:1; quality = {inputs.benchmark_id}: "
        f"{inputs.real_scores:,} real scores joined, {n - inputs.real_scores:,} SYNTHETIC (uniform over the "
        f"real range, seed {SYNTHETIC_SEED}); {int((inputs.cost == 0).sum())} are free (price 0); masks agree; "
        f"{on_frontier} on frontier"
    )
    return Row(f"frontier, all priced models (n={n:,})", ours, "naive", naive, True, notes)


def bench_synthetic(repeats: int) -> Row:
    cost, quality = synthetic_cloud(SYNTHETIC_N)
    # Probe the reference on a prefix; n^2 bounds its growth (on clouds it grows far more slowly).
    probe = time_once(lambda: pareto_mask_naive(cost[:PROBE_N], quality[:PROBE_N]))
    bound = probe * (SYNTHETIC_N / PROBE_N) ** 2
    n = SYNTHETIC_N
    if bound > NAIVE_BUDGET_S:
        n = int(PROBE_N * (NAIVE_BUDGET_S / probe) ** 0.5)
    naive_repeats = max(1, min(repeats, int(NAIVE_BUDGET_S / min(bound, NAIVE_BUDGET_S))))
    cost, quality = cost[:n], quality[:n]
    on_frontier = _check_agree(cost, quality)
    ours, naive = measure_pair(
        lambda: pareto_mask(cost, quality), lambda: pareto_mask_naive(cost, quality), naive_repeats
    )
    notes = f"SYNTHETIC fixed-seed cloud (log-normal cost, independent normal quality); masks agree; {on_frontier} on "
    notes += "frontier; the reference stops at the first dominator it finds, so on a cloud it is far from n^2"
    if naive_repeats < repeats:
        notes += f"; repeats capped at {naive_repeats} to keep the reference under ~{NAIVE_BUDGET_S:.0f} s"
    if n < SYNTHETIC_N:
        notes += (
            f"; reference too slow at n={SYNTHETIC_N:,}: measured at n={n:,}, EXTRAPOLATED (n^2) to "
            f"~{fmt_seconds(naive.median * (SYNTHETIC_N / n) ** 2)} at n={SYNTHETIC_N:,}"
        )
    return Row(f"frontier, synthetic cloud (n={n:,})", ours, "naive", naive, True, notes)


def bench_worst_case(repeats: int, n: int) -> Row:
    cost, quality = all_on_frontier(n)
    on_frontier = _check_agree(cost, quality)
    ours, naive = measure_pair(lambda: pareto_mask(cost, quality), lambda: pareto_mask_naive(cost, quality), repeats)
    extrapolated = naive.median * (SYNTHETIC_N / n) ** 2
    big_cost, big_quality = all_on_frontier(SYNTHETIC_N)
    ours_big = time_once(lambda: pareto_mask(big_cost, big_quality))
    notes = (
        f"SYNTHETIC, all {on_frontier:,} points on the frontier (the reference's worst case, n^2 comparisons); "
        f"at n={SYNTHETIC_N:,} ours measured {fmt_seconds(ours_big)}, naive EXTRAPOLATED (n^2, not run) "
        f"~{fmt_seconds(extrapolated)}"
    )
    return Row(f"frontier, worst case (n={n:,})", ours, "naive", naive, True, notes)


def run(repeats: int, quick: bool) -> list[Row]:
    """Every frontier benchmark."""
    today = dt.date.today()
    return [
        bench_priced_models(repeats, today),
        bench_synthetic(repeats),
        bench_worst_case(min(repeats, 3), 600 if quick else 1_000),
    ]
