"""Portfolio optimiser: the cheapest mix of models per workload that meets each quality floor and latency objective.

Pure functions over small frozen values. Each workload (monthly input/output tokens, an optional quality floor
and latency objective) is assigned to one candidate, or split across candidates by share, minimising spend over
the horizon, solved as a mixed-integer programme with `scipy.optimize.milp`:

- x[w, c] in [0, 1] is the share of workload w served by candidate c (binary when splitting is not allowed);
  pairs where c misses w's quality floor or latency objective get no variable (x = 0).
- r[s] is the whole number of replicas of self-host candidate s; self-hosted workloads share its replicas.
- minimise  sum x[w, c] x API token spend of w on c  +  sum r[s] x GPUs per replica x USD per GPU-month,
  both summed over the horizon's months with `pricing.projection.monthly_price_multiplier` (0 = flat prices).
- subject to  sum_c x[w, c] = 1 for every workload, and for every self-host s
  sum_w x[w, s] x peak output tokens/s of w  <=  r[s] x replica tokens/s x target utilisation / (1 + headroom),
  where peak tokens/s = monthly output tokens / (hours per month x 3600) x peak-to-average (as `pricing.sizing`).

Conventions and assumptions: volumes are flat over the horizon (growth belongs to the projection page); API
token maths follows `pricing.cost` (cached input is not modelled here); self-host cost is on the allocation
basis and excludes the fleet's fixed ops cost; a fleet with no traffic holds no replicas (unlike
`pricing.sizing`, which keeps one). A candidate with no score for a workload, or no latency figure, fails any
floor or objective that workload sets. Cascades ("small model first, escalate when a check fails") are offered
as API candidates built by `cascade_candidate`. The boundary: no storage, no UI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from pricing.cost import TOKENS_PER_MILLION
from pricing.projection import ApiOption, SelfHostOption, monthly_price_multiplier
from pricing.sizing import HOURS_PER_MONTH

KINDS = ("api", "self-host")
SECONDS_PER_HOUR = 3600.0
Quality = float | Mapping[str, float]
Assignment = Mapping[str, str | Mapping[str, float]]


class InfeasibleError(ValueError):
    """No assignment meets the constraints; the message names each workload and the floor or objective missed."""


@dataclass(frozen=True)
class Workload:
    """One workload: monthly tokens in and out, an optional quality floor and latency objective (ms)."""

    name: str
    monthly_input_tokens: float
    monthly_output_tokens: float
    quality_floor: float | None = None
    latency_objective_ms: float | None = None

    def __post_init__(self) -> None:
        for label, value in (("input", self.monthly_input_tokens), ("output", self.monthly_output_tokens)):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{self.name}: monthly {label} tokens must be finite and not negative")


@dataclass(frozen=True)
class Candidate:
    """An option for serving workloads: an API priced per token, or a self-hosted model on a GPU type.

    `quality` is one score for every workload or a mapping workload name -> score; `latency_ms` is the
    figure compared with each workload's objective (None = unknown, fails any objective). Self-host
    capacity per replica is `replica_output_tokens_per_s` x `target_utilisation` / (1 + `headroom`).
    `price_decline_factor_per_year` applies to API prices or the GPU-month price (0 = flat).
    """

    name: str
    kind: Literal["api", "self-host"] = "api"
    usd_per_1m_input: float = 0.0
    usd_per_1m_output: float = 0.0
    gpu: str | None = None
    replica_output_tokens_per_s: float = 0.0
    gpus_per_replica: int = 1
    usd_per_gpu_month: float = 0.0
    quality: Quality = field(default_factory=dict)
    latency_ms: float | None = None
    headroom: float = 0.0
    target_utilisation: float = 1.0
    price_decline_factor_per_year: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS} (got {self.kind!r})")
        prices = (self.usd_per_1m_input, self.usd_per_1m_output, self.usd_per_gpu_month)
        if any(not math.isfinite(p) or p < 0 for p in prices):
            raise ValueError(f"{self.name}: prices must be finite and not negative")
        if self.kind == "self-host":
            if self.replica_output_tokens_per_s <= 0:
                raise ValueError(f"{self.name}: a self-host candidate needs a positive replica throughput")
            if self.gpus_per_replica < 1:
                raise ValueError(f"{self.name}: a replica needs at least one GPU")
            if self.headroom < 0 or not 0 < self.target_utilisation <= 1:
                raise ValueError(f"{self.name}: headroom must be >= 0 and target utilisation in (0, 1]")

    def quality_for(self, workload: str) -> float | None:
        """The candidate's score on a workload, None where it has none."""
        if isinstance(self.quality, Mapping):
            return self.quality.get(workload)
        return float(self.quality)

    @property
    def replica_capacity_tokens_per_s(self) -> float:
        """Output tokens/s one replica serves at the target utilisation with headroom kept free."""
        return self.replica_output_tokens_per_s * self.target_utilisation / (1 + self.headroom)

    @classmethod
    def from_api_option(cls, option: ApiOption, quality: Quality, latency_ms: float | None = None) -> Candidate:
        """A candidate from a projection ApiOption (same prices and price decline)."""
        return cls(
            name=option.name,
            kind="api",
            usd_per_1m_input=option.usd_per_1m_input,
            usd_per_1m_output=option.usd_per_1m_output,
            quality=quality,
            latency_ms=latency_ms,
            price_decline_factor_per_year=option.price_decline_factor_per_year,
        )

    @classmethod
    def from_self_host_option(
        cls,
        option: SelfHostOption,
        quality: Quality,
        latency_ms: float | None = None,
        hours_per_month: float = HOURS_PER_MONTH,
    ) -> Candidate:
        """A candidate from a projection SelfHostOption; bought hardware does not get cheaper (as projection)."""
        plan = option.plan
        return cls(
            name=option.name,
            kind="self-host",
            gpu=plan.gpu,
            replica_output_tokens_per_s=plan.replica_output_tokens_per_s,
            gpus_per_replica=plan.gpus_per_replica,
            usd_per_gpu_month=plan.ownership.usd_per_gpu_month(hours_per_month),
            quality=quality,
            latency_ms=latency_ms,
            headroom=plan.headroom,
            target_utilisation=plan.target_utilisation,
            price_decline_factor_per_year=option.gpu_price_decline_factor_per_year if plan.ownership.is_rented else 0,
        )


# --- cascades ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CascadeSpec:
    """Small model first; a check escalates `escalation_rate` of the requests to the large model.

    `check_usd_per_1m_output` prices the check on the small model's output (0 = a free check, e.g. a regex).
    `small_quality_when_passing` is the small model's score on the answers the check lets through; None
    assumes the check is uninformative, i.e. the small model's overall score (a conservative choice).
    """

    small: Candidate
    large: Candidate
    escalation_rate: float
    check_usd_per_1m_output: float = 0.0
    small_quality_when_passing: Quality | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.escalation_rate <= 1:
            raise ValueError(f"escalation rate must be between 0 and 1 (got {self.escalation_rate})")
        if self.check_usd_per_1m_output < 0:
            raise ValueError("check price must not be negative")


def _score(quality: Quality, workload: str) -> float | None:
    return quality.get(workload) if isinstance(quality, Mapping) else float(quality)


def cascade_quality(spec: CascadeSpec, workload: str) -> float | None:
    """Quality = (1 - e) x q_small_when_passing + e x q_large; None if either score is missing."""
    passing = spec.small_quality_when_passing if spec.small_quality_when_passing is not None else spec.small.quality
    q_small = _score(passing, workload)
    q_large = spec.large.quality_for(workload)
    if q_small is None or q_large is None:
        return None
    e = spec.escalation_rate
    return (1 - e) * q_small + e * q_large


def cascade_candidate(spec: CascadeSpec) -> Candidate:
    """The cascade as one API candidate with exact per-token prices, quality and (worst-case) latency.

    Every request goes to the small model (its input and output are paid) and through the check; the
    escalated share e is sent again, same input, to the large model. Per 1M tokens of the workload:
    input = small_in + e x large_in; output = small_out + check + e x large_out. Latency: an escalated
    request waits for both, so the figure is small + large when e > 0 (a p90 is the escalated path once
    e > 10%; conservative below), the small model's alone when e = 0. Self-hosted parts are not supported.
    """
    if spec.small.kind != "api" or spec.large.kind != "api":
        raise ValueError("cascades are priced for API candidates only; self-hosted parts need shared fleets")
    e = spec.escalation_rate
    names: set[str] = set()
    for given in (spec.small.quality, spec.large.quality, spec.small_quality_when_passing):
        if isinstance(given, Mapping):
            names.update(given)
    scalar = not names
    if scalar:
        score = cascade_quality(spec, "")
        quality: Quality = {} if score is None else score
    else:
        scores = {w: cascade_quality(spec, w) for w in sorted(names)}
        quality = {w: q for w, q in scores.items() if q is not None}
    small_latency, large_latency = spec.small.latency_ms, spec.large.latency_ms
    if small_latency is None or (e > 0 and large_latency is None):
        latency = None
    else:
        latency = small_latency + (large_latency or 0.0) if e > 0 else small_latency
    return Candidate(
        name=spec.name or f"{spec.small.name} -> {spec.large.name} ({e:.0%} escalated)",
        kind="api",
        usd_per_1m_input=spec.small.usd_per_1m_input + e * spec.large.usd_per_1m_input,
        usd_per_1m_output=spec.small.usd_per_1m_output
        + spec.check_usd_per_1m_output
        + e * spec.large.usd_per_1m_output,
        quality=quality,
        latency_ms=latency,
    )


# --- costs ---------------------------------------------------------------------------------------------
def eligible(workload: Workload, candidate: Candidate) -> bool:
    """Whether the candidate meets the workload's quality floor and latency objective."""
    if workload.quality_floor is not None:
        score = candidate.quality_for(workload.name)
        if score is None or score < workload.quality_floor:
            return False
    objective = workload.latency_objective_ms
    return objective is None or (candidate.latency_ms is not None and candidate.latency_ms <= objective)


def horizon_months_factor(candidate: Candidate, months: int) -> float:
    """Sum over months 1..N of the price multiplier: N for flat prices."""
    return float(monthly_price_multiplier(candidate.price_decline_factor_per_year, months).sum())


def api_usd(workload: Workload, candidate: Candidate, months: int = 1) -> float:
    """API token spend of the whole workload on the candidate over the horizon."""
    monthly = (
        workload.monthly_input_tokens * candidate.usd_per_1m_input
        + workload.monthly_output_tokens * candidate.usd_per_1m_output
    ) / TOKENS_PER_MILLION
    return monthly * horizon_months_factor(candidate, months)


def peak_output_tokens_per_s(
    workload: Workload, peak_to_average: float = 2.0, hours_per_month: float = HOURS_PER_MONTH
) -> float:
    """Peak output tokens/s: monthly output / (hours x 3600) x peak-to-average."""
    return workload.monthly_output_tokens / (hours_per_month * SECONDS_PER_HOUR) * peak_to_average


def replica_usd(candidate: Candidate, months: int = 1) -> float:
    """What one replica of a self-host candidate costs over the horizon."""
    return candidate.gpus_per_replica * candidate.usd_per_gpu_month * horizon_months_factor(candidate, months)


def replicas_for(load_tokens_per_s: float, candidate: Candidate) -> int:
    """Whole replicas to carry a peak load (0 for no load)."""
    return max(0, math.ceil(load_tokens_per_s / candidate.replica_capacity_tokens_per_s - 1e-9))


# --- result --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PortfolioResult:
    """An optimised portfolio, its fleet, and how it compares with the best single option and the current mix."""

    assignments: pd.DataFrame  # workload, candidate, kind, share, monthly_usd (fleet cost split by load)
    fleet: pd.DataFrame  # candidate, gpu, replicas, gpus, load_tokens_per_s, capacity_tokens_per_s, monthly_usd
    total_usd: float  # over the horizon
    months: int
    best_single_option: str | None
    best_single_usd: float | None
    current_usd: float | None = None

    @property
    def monthly_usd(self) -> float:
        """Average spend per month over the horizon."""
        return self.total_usd / self.months

    @property
    def saving_vs_best_single_usd(self) -> float | None:
        """Best single option's total minus the portfolio's (never negative at the optimum)."""
        return None if self.best_single_usd is None else self.best_single_usd - self.total_usd

    @property
    def saving_vs_current_usd(self) -> float | None:
        """Current assignment's total minus the portfolio's."""
        return None if self.current_usd is None else self.current_usd - self.total_usd

    def gpus_by_type(self) -> dict[str, int]:
        """GPUs held per GPU type across the self-host candidates."""
        out: dict[str, int] = {}
        for row in self.fleet.itertuples():
            out[str(row.gpu)] = out.get(str(row.gpu), 0) + int(row.gpus)
        return out


def _check_inputs(workloads: Sequence[Workload], candidates: Sequence[Candidate], months: int) -> None:
    if months < 1:
        raise ValueError(f"months must be at least 1 (got {months})")
    for label, names in (("workload", [w.name for w in workloads]), ("candidate", [c.name for c in candidates])):
        if len(set(names)) != len(names):
            raise ValueError(f"{label} names must be unique")
    if not candidates:
        raise InfeasibleError("no candidates to choose from")


def explain_infeasible(workloads: Sequence[Workload], candidates: Sequence[Candidate]) -> str | None:
    """Which workloads no candidate can serve and why (floor, objective or both); None when all can be served."""
    problems: list[str] = []
    for w in workloads:
        if any(eligible(w, c) for c in candidates):
            continue
        floor_ok = [c for c in candidates if eligible(Workload(w.name, 0, 0, w.quality_floor, None), c)]
        latency_ok = [c for c in candidates if eligible(Workload(w.name, 0, 0, None, w.latency_objective_ms), c)]
        if not floor_ok:
            scores = [(q, c.name) for c in candidates if (q := c.quality_for(w.name)) is not None]
            best = (
                f"best available {max(scores)[0]:g} from {max(scores)[1]!r}" if scores else "no candidate has a score"
            )
            problems.append(f"workload {w.name!r}: no candidate meets quality floor {w.quality_floor:g} ({best})")
        elif not latency_ok:
            times = [(c.latency_ms, c.name) for c in candidates if c.latency_ms is not None]
            best = f"fastest {min(times)[0]:g} ms from {min(times)[1]!r}" if times else "no candidate has a latency"
            problems.append(
                f"workload {w.name!r}: no candidate meets latency objective {w.latency_objective_ms:g} ms ({best})"
            )
        else:
            problems.append(
                f"workload {w.name!r}: no candidate meets both quality floor {w.quality_floor:g} and latency objective "
                f"{w.latency_objective_ms:g} ms (floor met by {', '.join(c.name for c in floor_ok)}; "
                f"objective met by {', '.join(c.name for c in latency_ok)})"
            )
    return "; ".join(problems) or None


def assignment_usd(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    assignment: Assignment,
    months: int = 1,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
) -> float:
    """Horizon spend of a given assignment (workload -> candidate or {candidate: share}), fleets sized to fit."""
    by_name = {c.name: c for c in candidates}
    load: dict[str, float] = {}
    total = 0.0
    for w in workloads:
        shares = assignment.get(w.name)
        if shares is None:
            raise ValueError(f"the assignment has no entry for workload {w.name!r}")
        split = {shares: 1.0} if isinstance(shares, str) else dict(shares)
        if abs(sum(split.values()) - 1) > 1e-6:
            raise ValueError(f"shares of workload {w.name!r} must sum to 1")
        for name, share in split.items():
            c = by_name.get(name)
            if c is None:
                raise ValueError(f"unknown candidate {name!r} in the assignment of {w.name!r}")
            if c.kind == "api":
                total += share * api_usd(w, c, months)
            else:
                load[name] = load.get(name, 0.0) + share * peak_output_tokens_per_s(w, peak_to_average, hours_per_month)
    for name, tokens_per_s in load.items():
        c = by_name[name]
        total += replicas_for(tokens_per_s, c) * replica_usd(c, months)
    return total


def best_single_option(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    months: int = 1,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
) -> tuple[str, float] | None:
    """The cheapest single candidate meeting every workload's constraints, with its horizon spend; None if none."""
    best: tuple[str, float] | None = None
    for c in candidates:
        if not all(eligible(w, c) for w in workloads):
            continue
        usd = assignment_usd(
            workloads, candidates, {w.name: c.name for w in workloads}, months, peak_to_average, hours_per_month
        )
        if best is None or usd < best[1]:
            best = (c.name, usd)
    return best


# --- the programme -------------------------------------------------------------------------------------
def optimise(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    months: int = 1,
    allow_split: bool = True,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
    current: Assignment | None = None,
    time_limit_s: float | None = None,
) -> PortfolioResult:
    """Cheapest assignment of workloads to candidates over the horizon, solved exactly with scipy's milp."""
    _check_inputs(workloads, candidates, months)
    if peak_to_average < 1:
        raise ValueError("peak-to-average must be at least 1")
    message = explain_infeasible(workloads, candidates)
    if message:
        raise InfeasibleError(message)
    pairs = [(i, j) for i, w in enumerate(workloads) for j, c in enumerate(candidates) if eligible(w, c)]
    hosts = [j for j, c in enumerate(candidates) if c.kind == "self-host" and any(p[1] == j for p in pairs)]
    n_x, n = len(pairs), len(pairs) + len(hosts)
    peaks = [peak_output_tokens_per_s(w, peak_to_average, hours_per_month) for w in workloads]
    cost = np.zeros(n)
    for k, (i, j) in enumerate(pairs):
        if candidates[j].kind == "api":
            cost[k] = api_usd(workloads[i], candidates[j], months)
    for h, j in enumerate(hosts):
        cost[n_x + h] = replica_usd(candidates[j], months)
    rows = np.zeros((len(workloads) + len(hosts), n))
    for k, (i, j) in enumerate(pairs):
        rows[i, k] = 1.0
        if j in hosts:
            rows[len(workloads) + hosts.index(j), k] = peaks[i]
    for h, j in enumerate(hosts):
        rows[len(workloads) + h, n_x + h] = -candidates[j].replica_capacity_tokens_per_s
    lower = np.r_[np.ones(len(workloads)), np.full(len(hosts), -np.inf)]
    upper = np.r_[np.ones(len(workloads)), np.zeros(len(hosts))]
    max_replicas = [
        replicas_for(sum(peaks[i] for i, jj in pairs if jj == j), candidates[j]) for j in hosts
    ]  # carrying every eligible workload is the most a fleet ever needs
    integrality = np.r_[np.full(n_x, 0 if allow_split else 1), np.ones(len(hosts))]
    options: dict[str, float | bool] = {"mip_rel_gap": 0.0}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    solved = milp(
        cost,
        constraints=LinearConstraint(rows, lower, upper),
        integrality=integrality,
        bounds=Bounds(np.zeros(n), np.r_[np.ones(n_x), np.asarray(max_replicas, dtype=float)]),
        options=options,
    )
    if solved.x is None:
        raise InfeasibleError(f"the solver found no assignment: {solved.message}")
    x = np.clip(solved.x, 0.0, None)
    x[:n_x] = np.clip(x[:n_x], 0.0, 1.0) if allow_split else np.round(x[:n_x])  # drop the solver's float noise
    replicas = {j: int(round(x[n_x + h])) for h, j in enumerate(hosts)}
    load = {j: sum(x[k] * peaks[i] for k, (i, jj) in enumerate(pairs) if jj == j) for j in hosts}
    records = []
    for k, (i, j) in enumerate(pairs):
        share = float(x[k])
        if share <= 1e-9:
            continue
        c = candidates[j]
        if c.kind == "api":
            usd = share * cost[k]
        else:  # the fleet's cost is split across its workloads by their share of its load
            usd = replicas[j] * replica_usd(c, months) * (share * peaks[i] / load[j]) if load[j] > 0 else 0.0
        records.append((workloads[i].name, c.name, c.kind, share, usd / months))
    assignments = pd.DataFrame(records, columns=["workload", "candidate", "kind", "share", "monthly_usd"])
    fleet = pd.DataFrame(
        [
            (
                candidates[j].name,
                candidates[j].gpu,
                replicas[j],
                replicas[j] * candidates[j].gpus_per_replica,
                load[j],
                replicas[j] * candidates[j].replica_capacity_tokens_per_s,
                replicas[j] * replica_usd(candidates[j], months) / months,
            )
            for j in hosts
            if replicas[j] > 0
        ],
        columns=["candidate", "gpu", "replicas", "gpus", "load_tokens_per_s", "capacity_tokens_per_s", "monthly_usd"],
    )
    single = best_single_option(workloads, candidates, months, peak_to_average, hours_per_month)
    current_usd = (
        None
        if current is None
        else assignment_usd(workloads, candidates, current, months, peak_to_average, hours_per_month)
    )
    return PortfolioResult(
        assignments=assignments,
        fleet=fleet,
        total_usd=float(cost @ np.r_[x[:n_x], [replicas[j] for j in hosts]]),
        months=months,
        best_single_option=None if single is None else single[0],
        best_single_usd=None if single is None else single[1],
        current_usd=current_usd,
    )


def floor_curve(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    workload_name: str,
    floors: Sequence[float],
    months: int = 1,
    allow_split: bool = True,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
) -> pd.DataFrame:
    """Optimal spend as one workload's floor moves: columns floor, total_usd (NaN where infeasible), feasible."""
    if workload_name not in {w.name for w in workloads}:
        raise ValueError(f"unknown workload {workload_name!r}")
    rows = []
    for floor in floors:
        moved = [
            Workload(w.name, w.monthly_input_tokens, w.monthly_output_tokens, float(floor), w.latency_objective_ms)
            if w.name == workload_name
            else w
            for w in workloads
        ]
        try:
            result = optimise(moved, candidates, months, allow_split, peak_to_average, hours_per_month)
            rows.append((float(floor), result.total_usd, True))
        except InfeasibleError:
            rows.append((float(floor), math.nan, False))
    return pd.DataFrame(rows, columns=["floor", "total_usd", "feasible"])
