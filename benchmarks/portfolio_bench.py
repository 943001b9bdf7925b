"""Benchmark: the portfolio optimiser (`pricing.portfolio.optimiser.optimise`, scipy milp) against brute force.

Synthetic instances from a seeded RNG (no store); the brute force is `benchmarks.portfolio_brute`, the same
enumerators the tests check the optimiser against.

Flat volumes (the base month every month, flat prices), 36 months:

- Full size: 50 workloads x 40 options (28 APIs, 12 self-hosted on 3 GPU types), quality floors on 80% of the
  workloads and latency objectives on 30%; solved with splitting allowed and in binary mode (one option per
  workload). Brute force cannot finish here (40^50 assignments), so the table reports the solve time alone.
- Reduced: 4 workloads x 5 options (3 APIs, 2 self-hosted), binary mode, where enumerating every assignment and
  every replica count finishes. The row times ours against that brute force (ratio = brute force / ours), and
  the table reports the optimality gap over 20 seeded instances, binary and split (split's brute force solves
  the share LP exactly for every replica count); the gap must be zero. A second row, 5 workloads x 6 options
  (4 APIs, 2 self-hosted) with no floors or objectives (every option eligible: 6^5 assignments), shows how
  fast enumeration grows.

Growing volumes (fleets sized month by month; every other self-hosted option committed, so its fleet never
shrinks):

- Reduced growth: 3 workloads x 5 options (3 APIs, 2 self-hosted: one on-demand, one committed), 6 months, each
  workload growing (or shrinking) at its own monthly rate and prices declining. Binary mode against the
  month-by-month brute force (ratio = brute force / ours) and the optimality gap over 20 seeded instances, which
  must be zero.
- Realistic size: 20 workloads x 18 options (12 APIs, 6 self-hosted), 36 months at 3%/month growth, solved to
  proven optimality in both modes; the baseline is the same instance with flat volumes, solved in the same run
  (ratio = ours / flat: what growth costs in solve time).
- Full size with growth: the 50 x 40 instance (seeds 0 and 1) at 3%/month for 36 months, binary and split, one
  solve each under a time limit (60 s, 10 s with --quick): the table reports the solve time, whether the optimum
  was proven and the proven gap when the limit stopped it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from benchmarks.portfolio_brute import brute_force, brute_force_months, brute_force_split
from benchmarks.timing import Row, Table, fmt_seconds, measure_pair, time_once
from pricing.portfolio.optimiser import Candidate, PortfolioResult, Workload, eligible, optimise

GAP_SEEDS = 20
GPUS = ("H100 SXM", "A100 80GB SXM", "L40S")
MONTHS = 36
MONTHLY_GROWTH = 0.03
GROWTH_MONTHS = 6  # the reduced growth instances, where month-by-month brute force finishes
TIME_LIMIT_S = 60.0
QUICK_TIME_LIMIT_S = 10.0
BIG_GROWTH_SEEDS = (0, 1)


def instance(
    n_workloads: int,
    n_api: int,
    n_hosts: int,
    seed: int,
    max_output: float = 5e10,
    min_throughput: float = 500.0,
    constrained: bool = True,
) -> tuple[list[Workload], list[Candidate]]:
    """A random feasible instance: the last API option meets every floor and objective (none when not constrained)."""
    rng = np.random.default_rng(seed)
    names = [f"w{i:02d}" for i in range(n_workloads)]
    workloads = []
    for name in names:
        output = float(np.exp(rng.uniform(np.log(1e7), np.log(max_output))))
        workloads.append(
            Workload(
                name,
                output * float(rng.uniform(0.5, 8)),
                output,
                float(rng.uniform(0.5, 0.9)) if rng.random() < 0.8 and constrained else None,
                float(rng.choice([400, 800, 2000])) if rng.random() < 0.3 and constrained else None,
            )
        )
    candidates = [
        Candidate(
            f"api{k:02d}",
            "api",
            usd_per_1m_input=float(rng.uniform(0.05, 3)),
            usd_per_1m_output=float(rng.uniform(0.2, 15)),
            quality={n: float(rng.uniform(0.4, 1)) for n in names},
            latency_ms=float(rng.uniform(200, 2500)),
        )
        for k in range(n_api - 1)
    ]
    candidates.append(Candidate("frontier", "api", 5.0, 20.0, quality=1.0, latency_ms=100.0))
    candidates += [
        Candidate(
            f"own{k:02d}",
            "self-host",
            gpu=GPUS[k % len(GPUS)],
            replica_output_tokens_per_s=float(rng.uniform(min_throughput, 30_000)),
            gpus_per_replica=int(rng.choice([1, 2, 4, 8])),
            usd_per_gpu_month=float(rng.uniform(800, 2500)),
            quality=float(rng.uniform(0.55, 0.95)),
            latency_ms=float(rng.uniform(200, 2000)) if rng.random() < 0.5 else None,
            headroom=0.2,
            target_utilisation=0.8,
        )
        for k in range(n_hosts)
    ]
    return workloads, candidates


def reduced(
    seed: int, n_workloads: int = 4, n_api: int = 3, constrained: bool = True
) -> tuple[list[Workload], list[Candidate]]:
    """An instance brute force can finish: 4 workloads x 5 options (3 APIs, 2 self-hosted), few replicas."""
    return instance(n_workloads, n_api, 2, seed, max_output=1e10, min_throughput=5_000.0, constrained=constrained)


def with_growth(
    workloads: list[Workload], candidates: list[Candidate], months: int = MONTHS, rate: float = MONTHLY_GROWTH
) -> tuple[list[Workload], list[Candidate]]:
    """The same instance with every workload growing at `rate` a month and every other self-host fleet committed."""
    growth = tuple((1 + rate) ** m for m in range(1, months + 1))
    hosts = [c.name for c in candidates if c.kind == "self-host"]
    return (
        [replace(w, volume_multipliers=growth) for w in workloads],
        [replace(c, committed=hosts.index(c.name) % 2 == 1) if c.name in hosts else c for c in candidates],
    )


def growing(seed: int, months: int = GROWTH_MONTHS, common: bool = False) -> tuple[list[Workload], list[Candidate]]:
    """A reduced growth instance: 3 workloads x 5 options (an on-demand and a committed fleet), prices declining.

    Each workload grows at its own monthly rate between -8% and +25%, or all at one such rate when `common` (the
    optimiser then uses its one-base-load-per-fleet form)."""
    rng = np.random.default_rng(seed)
    shared = float(rng.uniform(-0.08, 0.25)) if common else None
    workloads = [
        Workload(
            f"w{i}",
            float(rng.uniform(1e8, 5e9)),
            float(rng.uniform(1e8, 2e9)),
            float(rng.uniform(0.5, 0.8)),
            volume_multipliers=tuple(
                (1 + (shared if shared is not None else float(rng.uniform(-0.08, 0.25)))) ** np.arange(1, months + 1)
            ),
        )
        for i in range(3)
    ]
    candidates = [
        Candidate(
            f"api{k}",
            "api",
            float(rng.uniform(0.1, 3)),
            float(rng.uniform(0.5, 12)),
            quality=float(rng.uniform(0.5, 1)),
            price_decline_factor_per_year=float(rng.choice([0, 2, 4])),
        )
        for k in range(2)
    ]
    candidates.append(Candidate("frontier", "api", 5.0, 20.0, quality=1.0, price_decline_factor_per_year=1.5))
    candidates += [
        Candidate(
            f"own{k}",
            "self-host",
            gpu=GPUS[k],
            replica_output_tokens_per_s=float(rng.uniform(200, 3000)),
            gpus_per_replica=int(rng.choice([1, 2])),
            usd_per_gpu_month=float(rng.uniform(500, 2500)),
            quality=float(rng.uniform(0.5, 0.95)),
            headroom=0.2,
            target_utilisation=0.7,
            committed=k == 1,  # reserved or bought: the fleet never shrinks, and its price stays flat
            price_decline_factor_per_year=0.0 if k == 1 else float(rng.choice([0, 1.5])),
        )
        for k in range(2)
    ]
    return workloads, candidates


def _gap(ours: float, best: float) -> float:
    return (ours - best) / best if best else ours - best


def _saving(total: float, single: float | None) -> str:
    return "no single option fits" if single is None else f"-{1 - total / single:.1%}"


def _gpus(result: PortfolioResult) -> str:
    return str(sum(result.gpus_by_type().values()))


def _proof(result: PortfolioResult, limit_s: float) -> tuple[str, str]:
    """Whether the optimum was proven, and the proven gap."""
    if result.optimal:
        return "yes", "0"
    return f"no (stopped at {limit_s:g} s)", f"<= {result.optimality_gap:.2%}"


def _flat_rows(repeats: int, quick: bool) -> list[Row | Table]:
    """Flat volumes: the reduced instances against brute force, and the full-size solve times."""
    big_w, big_c = instance(50, 28, 12, seed=0)
    small_w, small_c = reduced(1)
    optimise(big_w, big_c, MONTHS)  # warm scipy's imports
    split_t, binary_t = measure_pair(
        lambda: optimise(big_w, big_c, MONTHS), lambda: optimise(big_w, big_c, MONTHS, allow_split=False), repeats
    )
    split = optimise(big_w, big_c, MONTHS)
    binary = optimise(big_w, big_c, MONTHS, allow_split=False)
    ours_t, brute_t = measure_pair(
        lambda: optimise(small_w, small_c, MONTHS, allow_split=False),
        lambda: brute_force(small_w, small_c, MONTHS),
        repeats,
    )
    mid_w, mid_c = reduced(2, n_workloads=5, n_api=4, constrained=False)
    mid_ours, mid_brute = measure_pair(
        lambda: optimise(mid_w, mid_c, MONTHS, allow_split=False),
        lambda: brute_force(mid_w, mid_c, MONTHS),
        min(repeats, 3),
    )
    mid_gap = _gap(optimise(mid_w, mid_c, MONTHS, allow_split=False).total_usd, brute_force(mid_w, mid_c, MONTHS))
    binary_gaps, split_gaps = [], []
    for seed in range(GAP_SEEDS if not quick else 5):
        w, c = reduced(100 + seed)
        binary_gaps.append(_gap(optimise(w, c, MONTHS, allow_split=False).total_usd, brute_force(w, c, MONTHS)))
        split_gaps.append(_gap(optimise(w, c, MONTHS).total_usd, brute_force_split(w, c, MONTHS)))
    worst_binary, worst_split = max(abs(g) for g in binary_gaps), max(abs(g) for g in split_gaps)
    pairs = sum(1 for w in big_w for c in big_c if eligible(w, c))
    row = Row(
        "portfolio milp, 4 workloads x 5 options",
        ours_t,
        "brute force",
        brute_t,
        True,
        f"binary, {MONTHS} months; worst gap {worst_binary:.1e} over {len(binary_gaps)} instances",
    )
    mid_row = Row(
        "portfolio milp, 5 workloads x 6 options",
        mid_ours,
        "brute force",
        mid_brute,
        True,
        f"binary, no floors (6^5 assignments), {MONTHS} months; gap {mid_gap:.1e}",
    )
    table = Table(
        title="Portfolio optimiser, flat volumes (scipy milp / HiGHS)",
        header=("instance", "median solve", "total USD", "vs best single", "GPUs", "gap vs brute force"),
        rows=(
            (
                f"50 x 40, split ({pairs} share variables)",
                fmt_seconds(split_t.median),
                f"{split.total_usd:,.0f}",
                _saving(split.total_usd, split.best_single_usd),
                _gpus(split),
                "n/a (brute force cannot finish)",
            ),
            (
                "50 x 40, binary",
                fmt_seconds(binary_t.median),
                f"{binary.total_usd:,.0f}",
                _saving(binary.total_usd, binary.best_single_usd),
                _gpus(binary),
                "n/a (brute force cannot finish)",
            ),
            (
                "4 x 5, binary (ours / brute force)",
                f"{fmt_seconds(ours_t.median)} / {fmt_seconds(brute_t.median)}",
                "",
                "",
                "",
                f"max {worst_binary:.1e} over {len(binary_gaps)} seeds",
            ),
            ("4 x 5, split", "", "", "", "", f"max {worst_split:.1e} over {len(split_gaps)} seeds"),
            (
                "5 x 6, binary (ours / brute force)",
                f"{fmt_seconds(mid_ours.median)} / {fmt_seconds(mid_brute.median)}",
                "",
                "",
                "",
                f"{mid_gap:.1e} (1 instance)",
            ),
        ),
        footnote="gap = (ours - brute force) / brute force; zero up to float rounding is optimal.",
    )
    return [row, mid_row, table]


def _timed_solve(
    workloads: list[Workload], candidates: list[Candidate], split: bool, limit_s: float
) -> tuple[float, PortfolioResult]:
    """One solve under the time limit: wall seconds (the whole `optimise` call) and the result."""
    solved: list[PortfolioResult] = []
    seconds = time_once(
        lambda: solved.append(optimise(workloads, candidates, MONTHS, allow_split=split, time_limit_s=limit_s))
    )
    return seconds, solved[0]


def _growth_rows(repeats: int, quick: bool) -> list[Row | Table]:
    """Growing volumes: reduced instances against month-by-month brute force, a realistic size against its own
    flat-volume solve, and the full size under a time limit."""
    small_w, small_c = growing(1)
    ours_t, brute_t = measure_pair(
        lambda: optimise(small_w, small_c, GROWTH_MONTHS, allow_split=False),
        lambda: brute_force_months(small_w, small_c, GROWTH_MONTHS),
        repeats,
    )
    gaps, self_hosted = [], 0
    for seed in range(GAP_SEEDS if not quick else 5):
        w, c = growing(100 + seed)
        result = optimise(w, c, GROWTH_MONTHS, allow_split=False)
        gaps.append(_gap(result.total_usd, brute_force_months(w, c, GROWTH_MONTHS)))
        self_hosted += not result.fleet.empty
    worst = max(abs(g) for g in gaps)
    rows: list[Row | Table] = [
        Row(
            "portfolio milp, growth, 3 workloads x 5 options",
            ours_t,
            "brute force by month",
            brute_t,
            True,
            f"binary, {GROWTH_MONTHS} months, growth, price decline, committed fleet; worst gap {worst:.1e} over "
            f"{len(gaps)} instances ({self_hosted} self-host)",
        )
    ]
    flat_w, real_c = instance(20, 12, 6, seed=0)
    real_w, real_c = with_growth(flat_w, real_c)
    cells = []
    for split, label, times in ((False, "binary", repeats), (True, "split", min(repeats, 3))):
        grown_t, flat_t = measure_pair(
            lambda split=split: optimise(real_w, real_c, MONTHS, allow_split=split),
            lambda split=split: optimise(flat_w, real_c, MONTHS, allow_split=split),
            times,
        )
        result = optimise(real_w, real_c, MONTHS, allow_split=split)  # no time limit: optimal or an error
        rows.append(
            Row(
                f"portfolio milp, growth, 20 workloads x 18 options, {label}",
                grown_t,
                "flat volumes",
                flat_t,
                False,
                f"{MONTHS} months at {MONTHLY_GROWTH:.0%}/month, proven optimal; flat: the same instance, volumes held",
            )
        )
        cells.append(
            (
                f"20 x 18, {label} (growth / flat)",
                f"{fmt_seconds(grown_t.median)} / {fmt_seconds(flat_t.median)}",
                "yes" if result.optimal else "no",
                "0" if result.optimal else f"<= {result.optimality_gap:.2%}",
                f"{result.total_usd:,.0f}",
                _saving(result.total_usd, result.best_single_usd),
                _gpus(result),
            )
        )
    limit_s = QUICK_TIME_LIMIT_S if quick else TIME_LIMIT_S
    for seed in BIG_GROWTH_SEEDS:
        big_w, big_c = with_growth(*instance(50, 28, 12, seed=seed))
        for split, label in ((False, "binary"), (True, "split")):
            seconds, result = _timed_solve(big_w, big_c, split, limit_s)
            cells.append(
                (
                    f"50 x 40 (seed {seed}), {label}",
                    f"{fmt_seconds(seconds)} (x1)",
                    *_proof(result, limit_s),
                    f"{result.total_usd:,.0f}",
                    _saving(result.total_usd, result.best_single_usd),
                    _gpus(result),
                )
            )
    rows.append(
        Table(
            title=(
                f"Portfolio optimiser, growing volumes ({MONTHS} months at {MONTHLY_GROWTH:.0%}/month, every other "
                "self-hosted fleet committed)"
            ),
            header=("instance", "solve", "proven optimal", "proven gap", "total USD", "vs best single", "GPUs (peak)"),
            rows=tuple(cells),
            footnote=(
                f"proven gap: the optimum is at most this share below the total found. Time limit {limit_s:g} s; "
                "50 x 40 solved once each. 3 x 5 growth instances: see the main table."
            ),
        )
    )
    return rows


def run(repeats: int = 7, quick: bool = False) -> list[Row | Table]:
    """Rows (ours vs brute force, growth vs flat volumes) and tables of full-size times, gaps and proofs."""
    return [*_flat_rows(repeats, quick), *_growth_rows(repeats, quick)]
