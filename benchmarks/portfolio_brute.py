"""Brute-force enumerators for the portfolio optimiser: the reference answers that tests and benchmarks check
`pricing.portfolio.optimiser.optimise` against.

Each finds the optimum by enumeration from first principles, reusing none of the optimiser's maths: its own
eligibility check, API spend, peak load and replica counts, from the conventions in `pricing.portfolio.optimiser`'s
docstring (a month of 730 hours, peak tokens/s = monthly output / seconds per month x peak-to-average, a replica
carries `replica_capacity_tokens_per_s`, price in month m = factor^(-m/12), 0 = flat). Only the candidates'
`quality_for` and `replica_capacity_tokens_per_s` are shared, as inputs.

- `brute_force`: binary mode (one candidate per workload), flat volumes and prices: every assignment x every
  replica count that fits.
- `brute_force_split`: split mode, flat volumes and prices: every replica count, each with the exact LP over
  shares (`scipy.optimize.linprog`).
- `brute_force_months`: binary mode month by month, with growth (`volume_multipliers`), price decline and
  committed fleets: every assignment, each fleet at the fewest replicas carrying each month's peak (a committed
  fleet keeps its largest count so far).

Enumeration grows as options^workloads (x replica counts for the flat ones): a few workloads and options only.
Latency objectives are checked on time to first token of direct candidates; anything else raises ValueError
rather than answer from the optimiser's own latency maths. The boundary: pure functions, no timing, no I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

from pricing.portfolio.optimiser import Candidate, Workload

SECONDS_PER_MONTH = 730 * 3600  # a month at the default 730 hours
PEAK_TO_AVERAGE = 2.0


def meets(w: Workload, c: Candidate) -> bool:
    """Whether the candidate meets the workload's quality floor and TTFT objective."""
    q = c.quality_for(w.name)
    if w.quality_floor is not None and (q is None or q < w.quality_floor):
        return False
    lat = w.latency_objective_ms
    if lat is None:
        return True
    if w.latency_metric != "ttft" or c.cascade is not None:
        raise ValueError(f"brute force checks TTFT objectives of direct candidates only ({w.name} on {c.name})")
    return c.latency_ms is not None and c.latency_ms <= lat


def peak_tokens_per_s(w: Workload, peak: float = PEAK_TO_AVERAGE) -> float:
    """Peak output tokens/s of the workload's base month."""
    return w.monthly_output_tokens / SECONDS_PER_MONTH * peak


def api_usd(w: Workload, c: Candidate, months: int = 1) -> float:
    """API spend of the whole base-month workload on the candidate for `months` months at flat prices."""
    return (w.monthly_input_tokens * c.usd_per_1m_input + w.monthly_output_tokens * c.usd_per_1m_output) / 1e6 * months


def replica_ranges(workloads: Sequence[Workload], hosts: Sequence[Candidate], peak: float) -> list[range]:
    """Replica counts to try per host: up to those carrying every workload at once (no assignment needs more)."""
    total = sum(peak_tokens_per_s(w, peak) for w in workloads)
    return [range(math.ceil(total / h.replica_capacity_tokens_per_s) + 1) for h in hosts]


def _require_flat(workloads: Sequence[Workload], candidates: Sequence[Candidate]) -> None:
    if any(w.volume_multipliers for w in workloads) or any(c.price_decline_factor_per_year for c in candidates):
        raise ValueError("flat brute force: volumes and prices must be flat (use brute_force_months)")


def brute_force(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    months: int = 1,
    peak: float = PEAK_TO_AVERAGE,
    ops_usd_per_month: float = 0.0,
) -> float:
    """Binary mode, flat volumes and prices: every single-candidate assignment x every replica count that fits, with
    the operations staff paid every month when the assignment self-hosts anything."""
    _require_flat(workloads, candidates)
    hosts = [c for c in candidates if c.kind == "self-host"]
    ranges = replica_ranges(workloads, hosts, peak)
    choices = [[c for c in candidates if meets(w, c)] for w in workloads]
    best = math.inf
    for pick in itertools.product(*choices):
        api = sum(api_usd(w, c, months) for w, c in zip(workloads, pick, strict=True) if c.kind == "api")
        staff = ops_usd_per_month * months if any(c.kind == "self-host" for c in pick) else 0.0
        loads = [
            sum(peak_tokens_per_s(w, peak) for w, c in zip(workloads, pick, strict=True) if c.name == h.name)
            for h in hosts
        ]
        for counts in itertools.product(*ranges):
            fits = all(
                load <= n * h.replica_capacity_tokens_per_s + 1e-9
                for h, n, load in zip(hosts, counts, loads, strict=True)
            )
            if fits:
                gpu = sum(
                    n * h.gpus_per_replica * h.usd_per_gpu_month * months for h, n in zip(hosts, counts, strict=True)
                )
                best = min(best, api + gpu + staff)
    return best


def brute_force_split(
    workloads: Sequence[Workload], candidates: Sequence[Candidate], months: int = 1, peak: float = PEAK_TO_AVERAGE
) -> float:
    """Split mode, flat volumes and prices: every replica count, each with the exact LP over shares (linprog)."""
    _require_flat(workloads, candidates)
    pairs = [(i, j) for i, w in enumerate(workloads) for j, c in enumerate(candidates) if meets(w, c)]
    hosts = [j for j, c in enumerate(candidates) if c.kind == "self-host"]
    cost = [api_usd(workloads[i], candidates[j], months) if candidates[j].kind == "api" else 0.0 for i, j in pairs]
    eq = np.zeros((len(workloads), len(pairs)))
    ub = np.zeros((len(hosts), len(pairs)))
    for k, (i, j) in enumerate(pairs):
        eq[i, k] = 1
        if j in hosts:
            ub[hosts.index(j), k] = peak_tokens_per_s(workloads[i], peak)
    best = math.inf
    for counts in itertools.product(*replica_ranges(workloads, [candidates[j] for j in hosts], peak)):
        caps = [n * candidates[j].replica_capacity_tokens_per_s for j, n in zip(hosts, counts, strict=True)]
        lp = linprog(cost, A_ub=ub, b_ub=caps, A_eq=eq, b_eq=np.ones(len(workloads)), bounds=(0, 1), method="highs")
        if lp.status == 0:
            gpu = sum(
                n * candidates[j].gpus_per_replica * candidates[j].usd_per_gpu_month * months
                for j, n in zip(hosts, counts, strict=True)
            )
            best = min(best, lp.fun + gpu)
    return best


def brute_force_months(
    workloads: Sequence[Workload], candidates: Sequence[Candidate], months: int, peak: float = PEAK_TO_AVERAGE
) -> float:
    """Binary mode month by month: each month's volume x price, each fleet at the fewest replicas carrying that
    month's peak (a committed fleet keeps its largest count so far)."""
    choices = [[c for c in candidates if meets(w, c)] for w in workloads]
    best = math.inf
    for pick in itertools.product(*choices):
        total = 0.0
        held = {c.name: 0 for c in candidates}
        for m in range(1, months + 1):
            for c in candidates:
                decline = c.price_decline_factor_per_year or 1.0
                price = decline ** (-m / 12)
                on_c = [w for w, p in zip(workloads, pick, strict=True) if p.name == c.name]
                growth = [w.volume_multipliers[m - 1] if w.volume_multipliers else 1.0 for w in on_c]
                if c.kind == "api":
                    total += sum(api_usd(w, c) * g for w, g in zip(on_c, growth, strict=True)) * price
                    continue
                load = sum(peak_tokens_per_s(w, peak) * g for w, g in zip(on_c, growth, strict=True))
                need = math.ceil(load / c.replica_capacity_tokens_per_s - 1e-9)
                held[c.name] = max(held[c.name], need) if c.committed else need
                total += held[c.name] * c.gpus_per_replica * c.usd_per_gpu_month * price
        best = min(best, total)
    return best
