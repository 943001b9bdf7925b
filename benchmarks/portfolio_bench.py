"""Benchmark: the portfolio optimiser (`pricing.portfolio.optimise`, scipy milp) against brute-force enumeration.

Two instances, both synthetic from a seeded RNG (no store):

- Full size: 50 workloads x 40 options (28 APIs, 12 self-hosted on 3 GPU types), quality floors on 80% of the
  workloads and latency objectives on 30%; solved with splitting allowed and in binary mode (one option per
  workload). Brute force cannot finish here (40^50 assignments), so the table reports the solve time alone.
- Reduced: 4 workloads x 5 options (3 APIs, 2 self-hosted), binary mode, where enumerating every assignment and
  every replica count finishes. The row times ours against that brute force (ratio = brute force / ours), and
  the table reports the optimality gap over 20 seeded instances, binary and split (split's brute force solves
  the share LP exactly for every replica count); the gap must be zero. A second row, 5 workloads x 6 options
  (4 APIs, 2 self-hosted) with no floors or objectives (every option eligible: 6^5 assignments), shows how
  fast enumeration grows. The brute force is the tests' own
  (tests/test_portfolio.py), copied so that benchmarks do not import tests.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.optimize import linprog

from benchmarks.timing import Row, Table, fmt_seconds, measure_pair
from pricing.portfolio import Candidate, Workload, eligible, optimise

SECONDS = 730 * 3600  # a month at the default 730 hours
PEAK = 2.0
GAP_SEEDS = 20
GPUS = ("H100 SXM", "A100 80GB SXM", "L40S")


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


# --- brute force (as tests/test_portfolio.py) ----------------------------------------------------------
def _peak(w: Workload) -> float:
    return w.monthly_output_tokens / SECONDS * PEAK


def _api(w: Workload, c: Candidate, months: int) -> float:
    return (w.monthly_input_tokens * c.usd_per_1m_input + w.monthly_output_tokens * c.usd_per_1m_output) / 1e6 * months


def _replica_ranges(workloads: list[Workload], hosts: list[Candidate]) -> list[range]:
    total = sum(_peak(w) for w in workloads)
    return [range(math.ceil(total / h.replica_capacity_tokens_per_s) + 1) for h in hosts]


def brute_force(workloads: list[Workload], candidates: list[Candidate], months: int = 1) -> float:
    """Binary mode: every single-candidate assignment x every replica count that fits."""
    hosts = [c for c in candidates if c.kind == "self-host"]
    choices = [[c for c in candidates if eligible(w, c)] for w in workloads]
    best = math.inf
    for pick in itertools.product(*choices):
        api = sum(_api(w, c, months) for w, c in zip(workloads, pick, strict=True) if c.kind == "api")
        loads = [sum(_peak(w) for w, c in zip(workloads, pick, strict=True) if c.name == h.name) for h in hosts]
        for counts in itertools.product(*_replica_ranges(workloads, hosts)):
            if all(
                load <= n * h.replica_capacity_tokens_per_s + 1e-9
                for h, n, load in zip(hosts, counts, loads, strict=True)
            ):
                gpu = sum(
                    n * h.gpus_per_replica * h.usd_per_gpu_month * months for h, n in zip(hosts, counts, strict=True)
                )
                best = min(best, api + gpu)
    return best


def brute_force_split(workloads: list[Workload], candidates: list[Candidate], months: int = 1) -> float:
    """Split mode: every replica count, each with the exact LP over shares (linprog)."""
    pairs = [(i, j) for i, w in enumerate(workloads) for j, c in enumerate(candidates) if eligible(w, c)]
    hosts = [j for j, c in enumerate(candidates) if c.kind == "self-host"]
    cost = [_api(workloads[i], candidates[j], months) if candidates[j].kind == "api" else 0.0 for i, j in pairs]
    eq = np.zeros((len(workloads), len(pairs)))
    ub = np.zeros((len(hosts), len(pairs)))
    for k, (i, j) in enumerate(pairs):
        eq[i, k] = 1
        if j in hosts:
            ub[hosts.index(j), k] = _peak(workloads[i])
    best = math.inf
    for counts in itertools.product(*_replica_ranges(workloads, [candidates[j] for j in hosts])):
        caps = [n * candidates[j].replica_capacity_tokens_per_s for j, n in zip(hosts, counts, strict=True)]
        lp = linprog(cost, A_ub=ub, b_ub=caps, A_eq=eq, b_eq=np.ones(len(workloads)), bounds=(0, 1), method="highs")
        if lp.status == 0:
            gpu = sum(
                n * candidates[j].gpus_per_replica * candidates[j].usd_per_gpu_month * months
                for j, n in zip(hosts, counts, strict=True)
            )
            best = min(best, lp.fun + gpu)
    return best


def _gap(ours: float, best: float) -> float:
    return (ours - best) / best if best else ours - best


def run(repeats: int = 7, quick: bool = False) -> list[Row | Table]:
    """A row (ours vs brute force on the reduced instance) and a table of full-size times and optimality gaps."""
    months = 36
    big_w, big_c = instance(50, 28, 12, seed=0)
    small_w, small_c = reduced(1)
    optimise(big_w, big_c, months)  # warm scipy's imports
    split_t, binary_t = measure_pair(
        lambda: optimise(big_w, big_c, months), lambda: optimise(big_w, big_c, months, allow_split=False), repeats
    )
    split = optimise(big_w, big_c, months)
    binary = optimise(big_w, big_c, months, allow_split=False)
    ours_t, brute_t = measure_pair(
        lambda: optimise(small_w, small_c, months, allow_split=False),
        lambda: brute_force(small_w, small_c, months),
        repeats,
    )
    mid_w, mid_c = reduced(2, n_workloads=5, n_api=4, constrained=False)
    mid_ours, mid_brute = measure_pair(
        lambda: optimise(mid_w, mid_c, months, allow_split=False),
        lambda: brute_force(mid_w, mid_c, months),
        min(repeats, 3),
    )
    mid_gap = _gap(optimise(mid_w, mid_c, months, allow_split=False).total_usd, brute_force(mid_w, mid_c, months))
    binary_gaps, split_gaps = [], []
    for seed in range(GAP_SEEDS if not quick else 5):
        w, c = reduced(100 + seed)
        binary_gaps.append(_gap(optimise(w, c, months, allow_split=False).total_usd, brute_force(w, c, months)))
        split_gaps.append(_gap(optimise(w, c, months).total_usd, brute_force_split(w, c, months)))
    worst_binary, worst_split = max(abs(g) for g in binary_gaps), max(abs(g) for g in split_gaps)
    pairs = sum(1 for w in big_w for c in big_c if eligible(w, c))
    row = Row(
        "portfolio milp, 4 workloads x 5 options",
        ours_t,
        "brute force",
        brute_t,
        True,
        f"binary, {months} months; worst gap {worst_binary:.1e} over {len(binary_gaps)} instances",
    )
    mid_row = Row(
        "portfolio milp, 5 workloads x 6 options",
        mid_ours,
        "brute force",
        mid_brute,
        True,
        f"binary, no floors (6^5 assignments), {months} months; gap {mid_gap:.1e}",
    )
    table = Table(
        title="Portfolio optimiser (scipy milp / HiGHS)",
        header=("instance", "median solve", "total USD", "vs best single", "GPUs", "gap vs brute force"),
        rows=(
            (
                f"50 x 40, split ({pairs} share variables)",
                fmt_seconds(split_t.median),
                f"{split.total_usd:,.0f}",
                _saving(split.total_usd, split.best_single_usd),
                str(sum(split.gpus_by_type().values())),
                "n/a (brute force cannot finish)",
            ),
            (
                "50 x 40, binary",
                fmt_seconds(binary_t.median),
                f"{binary.total_usd:,.0f}",
                _saving(binary.total_usd, binary.best_single_usd),
                str(sum(binary.gpus_by_type().values())),
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


def _saving(total: float, single: float | None) -> str:
    return "no single option fits" if single is None else f"-{1 - total / single:.1%}"
