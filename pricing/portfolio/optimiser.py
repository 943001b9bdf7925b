"""Portfolio optimiser: the cheapest mix of models per workload that meets each quality floor and latency objective.

Pure functions over small frozen values. Each workload (monthly input/output tokens, how they grow over the
horizon, an optional quality floor and latency objective) is assigned to one candidate, or split across
candidates by share, minimising spend over the horizon, solved as a mixed-integer programme with
`scipy.optimize.milp`:

- x[w, c] in [0, 1] is the share of workload w served by candidate c (binary when splitting is not allowed);
  pairs where c misses w's quality floor or latency objective get no variable (x = 0). A share holds for the
  whole horizon (an assignment is a decision, not a monthly trade).
- r[s, g] is the whole number of replicas of self-host candidate s in month group g: months whose volumes are
  the same (all months when volumes are flat, each month when they grow) share one count. Self-hosted
  workloads share the replicas. Committed fleets (reserved or bought GPUs) never shrink: r[s, g] >= r[s, g-1].
- z in {0, 1} says whether any workload is self-hosted: x[w, s] <= z for every self-host s. The operations staff
  who run the fleets (`ops_usd_per_month`, one team for every fleet) are paid in every month once z = 1.
- y[m] in {0, 1} says whether candidate m, one with a making cost (a shrunk model's labelling, training and
  re-training: `Candidate.making`), is used at all: x[w, m] <= y[m]. Its making cost is paid once it serves any
  share, however small, so it is a fixed cost over the horizon, not a price per token.
- minimise  sum x[w, c] x API token spend of w on c over the months  +  sum r[s, g] x GPUs per replica x USD per
  GPU-month over g's months  +  z x operations staff over the months  +  sum y[m] x m's making cost over the
  months, with each month's volume multiplier
  (growth) and price multiplier (`pricing.planning.projection.monthly_price_multiplier`, 0 = flat prices).
- subject to  sum_c x[w, c] = 1 for every workload, and for every self-host s and month group g
  sum_w x[w, s] x peak output tokens/s of w in g  <=  r[s, g] x replica tokens/s x target utilisation / (1 + headroom),
  where peak tokens/s = monthly output tokens / (hours per month x 3600) x peak-to-average (as `pricing.sizing`).

Conventions and assumptions: volumes grow by each workload's `volume_multipliers` (flat when empty: the base
month every month); API token maths follows `pricing.cost` (cached input is not modelled here); self-host cost is
on the allocation basis, plus the operations staff once anything is self-hosted; a fleet with no traffic holds no
replicas (unlike `pricing.sizing`, which keeps one). A candidate with no score for a workload, or no latency figure,
fails any floor or objective that workload sets. Latency objectives are on time to first token ("ttft") or end to end
("e2e" = TTFT + (output tokens per request - 1) / per-request output speed, as GenAI-Perf defines it).
Cascades ("small model first, escalate when a check fails") are offered as API candidates built by
`cascade_candidate`. The boundary: no storage, no UI.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from pricing.cost import TOKENS_PER_MILLION
from pricing.planning.projection import ApiOption, MakingCost, SelfHostOption, monthly_price_multiplier
from pricing.sizing import HOURS_PER_MONTH

KINDS = ("api", "self-host")
LATENCY_METRICS = ("ttft", "e2e")
SECONDS_PER_HOUR = 3600.0
Quality = float | Mapping[str, float]
OPS_STAFF = "operations staff (self-hosting)"  # the staff line in a result's spend by option
Assignment = Mapping[str, str | Mapping[str, float]]


class InfeasibleError(ValueError):
    """No assignment meets the constraints; the message names each workload and the floor or objective missed."""


@dataclass(frozen=True)
class Workload:
    """One workload: monthly tokens in and out (the base month), an optional quality floor and latency objective.

    `volume_multipliers` scale the base month's tokens in months 1..N (growth; empty = flat). The latency
    objective (ms) is on `latency_metric`: "ttft" (time to first token) or "e2e" (end to end, which needs
    `output_tokens_per_request`).
    """

    name: str
    monthly_input_tokens: float
    monthly_output_tokens: float
    quality_floor: float | None = None
    latency_objective_ms: float | None = None
    latency_metric: str = "ttft"
    output_tokens_per_request: float | None = None
    volume_multipliers: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        for label, value in (("input", self.monthly_input_tokens), ("output", self.monthly_output_tokens)):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{self.name}: monthly {label} tokens must be finite and not negative")
        # A NaN floor or objective compares false with every option, so it would silently mean "none": refuse it.
        if self.quality_floor is not None and not math.isfinite(self.quality_floor):
            raise ValueError(f"{self.name}: the quality floor is {self.quality_floor}; give a number, or none")
        if self.latency_objective_ms is not None and not (
            math.isfinite(self.latency_objective_ms) and self.latency_objective_ms > 0
        ):
            raise ValueError(
                f"{self.name}: the latency objective is {self.latency_objective_ms} ms; give a positive number, or none"
            )
        if self.latency_metric not in LATENCY_METRICS:
            raise ValueError(
                f"{self.name}: latency metric must be one of {LATENCY_METRICS} (got {self.latency_metric!r})"
            )
        if self.output_tokens_per_request is not None and not (
            math.isfinite(self.output_tokens_per_request) and self.output_tokens_per_request >= 0
        ):
            raise ValueError(f"{self.name}: output tokens per request must be finite and not negative")
        if any(not math.isfinite(m) or m < 0 for m in self.volume_multipliers):
            raise ValueError(f"{self.name}: volume multipliers must be finite and not negative")

    def multipliers(self, months: int) -> np.ndarray:
        """Volume multiplier of months 1..months (ones when volumes are flat)."""
        if not self.volume_multipliers:
            return np.ones(months)
        if len(self.volume_multipliers) < months:
            raise ValueError(
                f"{self.name}: volume multipliers cover {len(self.volume_multipliers)} months, fewer than {months}"
            )
        return np.asarray(self.volume_multipliers[:months], dtype=float)


@dataclass(frozen=True)
class Candidate:
    """An option for serving workloads: an API priced per token, or a self-hosted model on a GPU type.

    `quality` is one score for every workload or a mapping workload name -> score. `latency_ms` is the time to
    first token compared with each workload's objective and `output_tokens_per_s` the per-request output speed
    that end-to-end latency needs (None = unknown, fails any objective that needs it). Self-host capacity per
    replica is `replica_output_tokens_per_s` x `target_utilisation` / (1 + `headroom`); a `committed` fleet
    (reserved or bought GPUs) never shrinks. `price_decline_factor_per_year` applies to API prices or the
    GPU-month price (0 = flat). `cascade` is set on cascade candidates (see `cascade_candidate`); `source` says
    where the candidate's figures come from. `making` is what making the model costs beyond serving it (a shrunk
    model's one-off in month 1 and its re-trainings), paid over the horizon once the candidate serves anything.
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
    committed: bool = False
    output_tokens_per_s: float | None = None
    cascade: CascadeSpec | None = None
    source: str = ""
    making: MakingCost | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS} (got {self.kind!r})")
        prices = (self.usd_per_1m_input, self.usd_per_1m_output, self.usd_per_gpu_month)
        if any(not math.isfinite(p) or p < 0 for p in prices):
            raise ValueError(f"{self.name}: prices must be finite and not negative")
        if self.output_tokens_per_s is not None and not self.output_tokens_per_s > 0:
            raise ValueError(f"{self.name}: output speed must be positive when given")
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

    def latency_for(self, workload: Workload) -> float | None:
        """The latency (ms) compared with the workload's objective, on its metric; None where unknown."""
        if self.cascade is not None:
            return cascade_latency(self.cascade, workload)
        return _direct_latency(self, workload, workload.latency_metric)

    @property
    def replica_capacity_tokens_per_s(self) -> float:
        """Output tokens/s one replica serves at the target utilisation with headroom kept free."""
        return self.replica_output_tokens_per_s * self.target_utilisation / (1 + self.headroom)

    @classmethod
    def from_api_option(
        cls,
        option: ApiOption,
        quality: Quality,
        latency_ms: float | None = None,
        output_tokens_per_s: float | None = None,
        source: str = "",
    ) -> Candidate:
        """A candidate from a projection ApiOption (same prices and price decline)."""
        return cls(
            name=option.name,
            kind="api",
            usd_per_1m_input=option.usd_per_1m_input,
            usd_per_1m_output=option.usd_per_1m_output,
            quality=quality,
            latency_ms=latency_ms,
            output_tokens_per_s=output_tokens_per_s,
            price_decline_factor_per_year=option.price_decline_factor_per_year,
            source=source or option.source,
            making=option.making,
        )

    @classmethod
    def from_self_host_option(
        cls,
        option: SelfHostOption,
        quality: Quality,
        latency_ms: float | None = None,
        hours_per_month: float = HOURS_PER_MONTH,
        output_tokens_per_s: float | None = None,
        source: str = "",
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
            output_tokens_per_s=output_tokens_per_s,
            headroom=plan.headroom,
            target_utilisation=plan.target_utilisation,
            price_decline_factor_per_year=option.gpu_price_decline_factor_per_year if plan.ownership.is_rented else 0,
            committed=plan.ownership.mode != "on-demand",
            source=source or plan.throughput_source,
            making=option.making,
        )


def _direct_latency(candidate: Candidate, workload: Workload, metric: str) -> float | None:
    if candidate.latency_ms is None:
        return None
    if metric == "ttft":
        return candidate.latency_ms
    tokens = workload.output_tokens_per_request
    if tokens is None or candidate.output_tokens_per_s is None:
        return None
    return candidate.latency_ms + max(tokens - 1, 0.0) / candidate.output_tokens_per_s * 1000


@dataclass(frozen=True)
class CascadeSpec:
    """Small model first; a check escalates `escalation_rate` of the requests to the large model.

    `check_usd_per_1m_output` prices the check on the small model's output (0 = a free check, e.g. a regex).
    `small_quality_when_passing` is the small model's score on the answers the check lets through; None
    assumes the check is uninformative, i.e. the small model's overall score (a conservative choice).
    `measured_quality` overrides the formula per workload where the cascade itself was measured (an eval suite
    run through both models); `escalation_source` says where the rate comes from.
    """

    small: Candidate
    large: Candidate
    escalation_rate: float
    check_usd_per_1m_output: float = 0.0
    small_quality_when_passing: Quality | None = None
    name: str | None = None
    measured_quality: Mapping[str, float] = field(default_factory=dict)
    escalation_source: str = "set by hand"

    def __post_init__(self) -> None:
        if not 0 <= self.escalation_rate <= 1:
            raise ValueError(f"escalation rate must be between 0 and 1 (got {self.escalation_rate})")
        if self.check_usd_per_1m_output < 0:
            raise ValueError("check price must not be negative")


def _score(quality: Quality, workload: str) -> float | None:
    return quality.get(workload) if isinstance(quality, Mapping) else float(quality)


def cascade_quality(spec: CascadeSpec, workload: str) -> float | None:
    """Measured where given; else (1 - e) x q_small_when_passing + e x q_large; None if a score is missing."""
    if workload in spec.measured_quality:
        return float(spec.measured_quality[workload])
    passing = spec.small_quality_when_passing if spec.small_quality_when_passing is not None else spec.small.quality
    q_small = _score(passing, workload)
    q_large = spec.large.quality_for(workload)
    if q_small is None or q_large is None:
        return None
    e = spec.escalation_rate
    return (1 - e) * q_small + e * q_large


def cascade_latency(spec: CascadeSpec, workload: Workload) -> float | None:
    """The escalated path's latency (a conservative figure for a p90 once more than 10% escalate).

    No escalation: the small model's own latency. Otherwise the check needs the small model's whole answer, so
    the escalated request waits for the small model end to end and then the large model's TTFT (or its end to
    end, for an e2e objective). None where a figure is missing.
    """
    if spec.escalation_rate == 0:
        return _direct_latency(spec.small, workload, workload.latency_metric)
    small = _direct_latency(spec.small, workload, "e2e")
    large = _direct_latency(spec.large, workload, workload.latency_metric)
    return None if small is None or large is None else small + large


def cascade_candidate(spec: CascadeSpec) -> Candidate:
    """The cascade as one API candidate with exact per-token prices, quality and latency (`cascade_latency`).

    Every request goes to the small model (its input and output are paid) and through the check; the
    escalated share e is sent again, same input, to the large model. Per 1M tokens of the workload:
    input = small_in + e x large_in; output = small_out + check + e x large_out. Self-hosted parts are not
    supported.
    """
    if spec.small.kind != "api" or spec.large.kind != "api":
        raise ValueError("cascades are priced for API candidates only; self-hosted parts need shared fleets")
    e = spec.escalation_rate
    names: set[str] = set(spec.measured_quality)
    for given in (spec.small.quality, spec.large.quality, spec.small_quality_when_passing):
        if isinstance(given, Mapping):
            names.update(given)
    if not names:
        score = cascade_quality(spec, "")
        quality: Quality = {} if score is None else score
    else:
        scores = {w: cascade_quality(spec, w) for w in sorted(names)}
        quality = {w: q for w, q in scores.items() if q is not None}
    return Candidate(
        name=spec.name or f"{spec.small.name} -> {spec.large.name} ({e:.0%} escalated)",
        kind="api",
        usd_per_1m_input=spec.small.usd_per_1m_input + e * spec.large.usd_per_1m_input,
        usd_per_1m_output=spec.small.usd_per_1m_output
        + spec.check_usd_per_1m_output
        + e * spec.large.usd_per_1m_output,
        quality=quality,
        latency_ms=spec.small.latency_ms,
        cascade=spec,
        source=f"cascade of {spec.small.name} and {spec.large.name}; escalation {e:.0%} {spec.escalation_source}",
    )


def eligible(workload: Workload, candidate: Candidate) -> bool:
    """Whether the candidate meets the workload's quality floor and latency objective."""
    if workload.quality_floor is not None:
        score = candidate.quality_for(workload.name)
        if score is None or score < workload.quality_floor:
            return False
    objective = workload.latency_objective_ms
    if objective is None:
        return True
    latency = candidate.latency_for(workload)
    return latency is not None and latency <= objective


def price_multipliers(candidate: Candidate, months: int) -> np.ndarray:
    """Price multiplier of months 1..N: ones for flat prices."""
    return monthly_price_multiplier(candidate.price_decline_factor_per_year, months).reshape(months)


def api_monthly_usd(workload: Workload, candidate: Candidate, months: int = 1) -> np.ndarray:
    """API token spend of the whole workload on the candidate in each month 1..N (growth and price decline)."""
    base = (
        workload.monthly_input_tokens * candidate.usd_per_1m_input
        + workload.monthly_output_tokens * candidate.usd_per_1m_output
    ) / TOKENS_PER_MILLION
    return base * workload.multipliers(months) * price_multipliers(candidate, months)


def api_usd(workload: Workload, candidate: Candidate, months: int = 1) -> float:
    """API token spend of the whole workload on the candidate over the horizon."""
    return float(api_monthly_usd(workload, candidate, months).sum())


def peak_output_tokens_per_s(
    workload: Workload, peak_to_average: float = 2.0, hours_per_month: float = HOURS_PER_MONTH
) -> float:
    """Peak output tokens/s in the base month: monthly output / (hours x 3600) x peak-to-average."""
    return workload.monthly_output_tokens / (hours_per_month * SECONDS_PER_HOUR) * peak_to_average


def replica_monthly_usd(candidate: Candidate, months: int = 1) -> np.ndarray:
    """What one replica of a self-host candidate costs in each month 1..N."""
    return candidate.gpus_per_replica * candidate.usd_per_gpu_month * price_multipliers(candidate, months)


def making_monthly_usd(candidate: Candidate, months: int = 1) -> np.ndarray:
    """What making the candidate costs in each month 1..N once it is used (zeros when it has no making cost)."""
    return np.zeros(months) if candidate.making is None else candidate.making.monthly_usd(months)


def replicas_for(load_tokens_per_s: float, candidate: Candidate) -> int:
    """Whole replicas to carry a peak load (0 for no load)."""
    return max(0, math.ceil(load_tokens_per_s / candidate.replica_capacity_tokens_per_s - 1e-9))


def fleet_replicas(loads: np.ndarray, candidate: Candidate) -> np.ndarray:
    """Replicas held in each month for monthly peak loads; a committed fleet keeps its running maximum."""
    replicas = np.array([replicas_for(float(load), candidate) for load in loads], dtype=np.int64)
    return np.maximum.accumulate(replicas) if candidate.committed and replicas.size else replicas


@dataclass(frozen=True)
class PortfolioResult:
    """An optimised portfolio, its fleet, and how it compares with the best single option and the current mix."""

    # workload, candidate, kind, share, quality, latency_ms, monthly_usd (average; fleet cost split by tokens)
    assignments: pd.DataFrame
    # candidate, gpu, replicas, gpus (peak over the horizon), gpus_month_1, load_tokens_per_s (peak),
    # capacity_tokens_per_s (at the peak fleet), monthly_usd (average)
    fleet: pd.DataFrame
    total_usd: float  # over the horizon
    months: int
    best_single_option: str | None
    best_single_usd: float | None
    current_usd: float | None = None
    spend_by_month: tuple[float, ...] = ()  # USD in months 1..N
    spend_by_option: pd.DataFrame = field(default_factory=pd.DataFrame)  # USD per month (rows 1..N) per option
    current_problems: tuple[str, ...] = ()  # floors or objectives the current assignment misses
    optimal: bool = True  # False when a time limit stopped the solver before it proved the optimum
    optimality_gap: float = 0.0  # proven bound: the optimum is at most this share below total_usd
    solve_seconds: float = 0.0

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
        """GPUs held per GPU type at the fleet's peak across the self-host candidates."""
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
    for w in workloads:
        w.multipliers(months)  # volumes must cover the horizon
    if not candidates:
        raise InfeasibleError("no candidates to choose from")


def _objective_text(w: Workload) -> str:
    metric = "time to first token" if w.latency_metric == "ttft" else "end to end"
    return f"latency objective {w.latency_objective_ms:g} ms ({metric})"


def explain_infeasible(workloads: Sequence[Workload], candidates: Sequence[Candidate]) -> str | None:
    """Which workloads no candidate can serve and why (floor, objective or both); None when all can be served."""
    problems: list[str] = []
    for w in workloads:
        if any(eligible(w, c) for c in candidates):
            continue
        floor_ok = [c for c in candidates if eligible(replace(w, latency_objective_ms=None), c)]
        latency_ok = [c for c in candidates if eligible(replace(w, quality_floor=None), c)]
        if not floor_ok:
            scores = [(q, c.name) for c in candidates if (q := c.quality_for(w.name)) is not None]
            best = (
                f"best available {max(scores)[0]:g} from {max(scores)[1]!r}" if scores else "no candidate has a score"
            )
            problems.append(f"workload {w.name!r}: no candidate meets quality floor {w.quality_floor:g} ({best})")
        elif not latency_ok:
            times = [(t, c.name) for c in candidates if (t := c.latency_for(w)) is not None]
            best = f"fastest {min(times)[0]:g} ms from {min(times)[1]!r}" if times else "no candidate has a latency"
            hint = (
                "; end to end needs a measured output speed and the workload's output tokens per request"
                if w.latency_metric == "e2e" and not times
                else ""
            )
            problems.append(f"workload {w.name!r}: no candidate meets {_objective_text(w)} ({best}{hint})")
        else:
            problems.append(
                f"workload {w.name!r}: no candidate meets both quality floor {w.quality_floor:g} and "
                f"{_objective_text(w)} (floor met by {', '.join(c.name for c in floor_ok)}; "
                f"objective met by {', '.join(c.name for c in latency_ok)})"
            )
    return "; ".join(problems) or None


def _shares(assignment: Assignment, workload: str) -> dict[str, float]:
    shares = assignment.get(workload)
    if shares is None:
        raise ValueError(f"the assignment has no entry for workload {workload!r}")
    split = {shares: 1.0} if isinstance(shares, str) else {str(k): float(v) for k, v in shares.items()}
    if abs(sum(split.values()) - 1) > 1e-6:
        raise ValueError(f"shares of workload {workload!r} must sum to 1")
    return split


def assignment_monthly_usd(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    assignment: Assignment,
    months: int = 1,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
    ops_usd_per_month: float = 0.0,
) -> np.ndarray:
    """Spend in months 1..N of a given assignment (workload -> candidate or {candidate: share}), fleets sized to fit,
    with the operations staff in every month when any share is self-hosted."""
    by_name = {c.name: c for c in candidates}
    loads: dict[str, np.ndarray] = {}
    spend = np.zeros(months)
    used: set[str] = set()
    for w in workloads:
        for name, share in _shares(assignment, w.name).items():
            c = by_name.get(name)
            if c is None:
                raise ValueError(f"unknown candidate {name!r} in the assignment of {w.name!r}")
            if share > 0:
                used.add(name)
            if c.kind == "api":
                spend += share * api_monthly_usd(w, c, months)
            else:
                peak = share * peak_output_tokens_per_s(w, peak_to_average, hours_per_month) * w.multipliers(months)
                loads[name] = loads.get(name, np.zeros(months)) + peak
    for name, load in loads.items():
        c = by_name[name]
        spend += fleet_replicas(load, c) * replica_monthly_usd(c, months)
    for name in sorted(used):
        spend += making_monthly_usd(by_name[name], months)
    if any(by_name[name].kind == "self-host" for name in used):
        spend += ops_usd_per_month
    return spend


def assignment_usd(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    assignment: Assignment,
    months: int = 1,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
    ops_usd_per_month: float = 0.0,
) -> float:
    """Horizon spend of a given assignment (workload -> candidate or {candidate: share}), fleets sized to fit."""
    return float(
        assignment_monthly_usd(
            workloads, candidates, assignment, months, peak_to_average, hours_per_month, ops_usd_per_month
        ).sum()
    )


def assignment_problems(
    workloads: Sequence[Workload], candidates: Sequence[Candidate], assignment: Assignment
) -> tuple[str, ...]:
    """The floors and objectives an assignment misses, one line per workload and option."""
    by_name = {c.name: c for c in candidates}
    problems = []
    for w in workloads:
        for name in _shares(assignment, w.name):
            c = by_name.get(name)
            if c is None or eligible(w, c):
                continue
            score, latency = c.quality_for(w.name), c.latency_for(w)
            misses = []
            if w.quality_floor is not None and (score is None or score < w.quality_floor):
                misses.append(f"quality {'unknown' if score is None else f'{score:g}'} < floor {w.quality_floor:g}")
            if w.latency_objective_ms is not None and (latency is None or latency > w.latency_objective_ms):
                shown = "unknown" if latency is None else f"{latency:,.0f} ms"
                misses.append(f"{w.latency_metric.upper()} {shown} > objective {w.latency_objective_ms:g} ms")
            problems.append(f"{w.name} on {name}: {'; '.join(misses)}")
    return tuple(problems)


def best_single_option(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    months: int = 1,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
    ops_usd_per_month: float = 0.0,
) -> tuple[str, float] | None:
    """The cheapest single candidate meeting every workload's constraints, with its horizon spend; None if none."""
    best: tuple[str, float] | None = None
    for c in candidates:
        if not all(eligible(w, c) for w in workloads):
            continue
        usd = assignment_usd(
            workloads,
            candidates,
            {w.name: c.name for w in workloads},
            months,
            peak_to_average,
            hours_per_month,
            ops_usd_per_month,
        )
        if best is None or usd < best[1]:
            best = (c.name, usd)
    return best


def month_groups(workloads: Sequence[Workload], months: int) -> list[list[int]]:
    """Runs of consecutive months (0-based) in which every workload's volume is the same: one run when flat."""
    volumes = np.array([w.multipliers(months) for w in workloads]).reshape(len(workloads), months)
    groups = [[0]]
    for t in range(1, months):
        if np.array_equal(volumes[:, t], volumes[:, t - 1]):
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def optimise(
    workloads: Sequence[Workload],
    candidates: Sequence[Candidate],
    months: int = 1,
    allow_split: bool = True,
    peak_to_average: float = 2.0,
    hours_per_month: float = HOURS_PER_MONTH,
    current: Assignment | None = None,
    time_limit_s: float | None = None,
    ops_usd_per_month: float = 0.0,
) -> PortfolioResult:
    """Cheapest assignment of workloads to candidates over the horizon, solved exactly with scipy's milp.

    Flat volumes give one fleet size per option and solve in milliseconds; growing volumes size fleets month by
    month, which takes longer for large instances. With `time_limit_s`, the best assignment found by then is
    returned with `optimal=False` and its proven `optimality_gap`; TimeoutError if none was found.
    """
    _check_inputs(workloads, candidates, months)
    if peak_to_average < 1:
        raise ValueError("peak-to-average must be at least 1")
    if not 0 <= ops_usd_per_month < math.inf:
        raise ValueError(f"operations staff must be 0 or more USD a month (got {ops_usd_per_month})")
    message = explain_infeasible(workloads, candidates)
    if message:
        raise InfeasibleError(message)
    pairs = [(i, j) for i, w in enumerate(workloads) for j, c in enumerate(candidates) if eligible(w, c)]
    hosts = [j for j, c in enumerate(candidates) if c.kind == "self-host" and any(p[1] == j for p in pairs)]
    groups = month_groups(workloads, months)
    n_g = len(groups)
    n_x = len(pairs)
    n = n_x + len(hosts) * n_g

    def r_index(h: int, g: int) -> int:
        return n_x + h * n_g + g

    peaks = np.array([peak_output_tokens_per_s(w, peak_to_average, hours_per_month) for w in workloads])
    volume = np.array([w.multipliers(months) for w in workloads]).reshape(len(workloads), months)
    group_peaks = np.array([[peaks[i] * volume[i, g[0]] for g in groups] for i in range(len(workloads))])
    api_months = {k: api_monthly_usd(workloads[i], candidates[j], months) for k, (i, j) in enumerate(pairs)}
    replica_months = {j: replica_monthly_usd(candidates[j], months) for j in hosts}
    cost = np.zeros(n)
    for k, (_, j) in enumerate(pairs):
        if candidates[j].kind == "api":
            cost[k] = api_months[k].sum()
    for h, j in enumerate(hosts):
        for g, members in enumerate(groups):
            cost[r_index(h, g)] = replica_months[j][members].sum()
    host_of = {j: h for h, j in enumerate(hosts)}
    committed = [h for h, j in enumerate(hosts) if candidates[j].committed]
    # When every workload moves by the same multipliers (flat, or one growth rate), each fleet's load is one base
    # load L[h] = sum x[w, h] x peak of w, scaled month by month: capacity rows then hold two entries instead of
    # one per workload, which solves about twice as fast. Otherwise each capacity row sums the workloads' loads.
    common = len(workloads) > 0 and bool(np.all(volume == volume[0]))
    n_load = len(hosts) if common else 0
    n_eq = len(workloads) + n_load
    cost = np.r_[cost, np.zeros(n_load)]
    n_rows = n_eq + len(hosts) * n_g + len(committed) * (n_g - 1)
    rows = np.zeros((n_rows, n + n_load))
    for k, (i, j) in enumerate(pairs):
        rows[i, k] = 1.0
        if j not in host_of:
            continue
        if common:
            rows[len(workloads) + host_of[j], k] = peaks[i]
        else:
            for g in range(n_g):
                rows[n_eq + host_of[j] * n_g + g, k] = group_peaks[i, g]
    upper_bounds = np.r_[np.ones(n_x), np.zeros(n - n_x), np.full(n_load, np.inf)]
    for h, j in enumerate(hosts):
        if common:
            rows[len(workloads) + h, n + h] = -1.0  # L[h] = the base load sent to this fleet
        eligible_load = group_peaks[[i for i, jj in pairs if jj == j]].sum(axis=0)
        most = np.array([replicas_for(float(load), candidates[j]) for load in eligible_load], dtype=float)
        if candidates[j].committed:
            most = np.maximum.accumulate(most)
        for g, members in enumerate(groups):
            if common:
                rows[n_eq + h * n_g + g, n + h] = volume[0, members[0]]
            rows[n_eq + h * n_g + g, r_index(h, g)] = -candidates[j].replica_capacity_tokens_per_s
            upper_bounds[r_index(h, g)] = most[g]  # carrying every eligible workload is the most a fleet needs
    base = n_eq + len(hosts) * n_g
    for m, h in enumerate(committed):  # committed fleets never shrink
        for g in range(1, n_g):
            row = base + m * (n_g - 1) + g - 1
            rows[row, r_index(h, g - 1)] = 1.0
            rows[row, r_index(h, g)] = -1.0
    lower = np.r_[np.ones(len(workloads)), np.zeros(n_load), np.full(n_rows - n_eq, -np.inf)]
    upper = np.r_[np.ones(len(workloads)), np.zeros(n_load), np.zeros(n_rows - n_eq)]
    integrality = np.r_[np.full(n_x, 0 if allow_split else 1), np.ones(n - n_x), np.zeros(n_load)]
    # A candidate with a making cost is paid for once it serves any share: y[m] = 1 whenever some x[w, m] > 0.
    makers = [j for j, c in enumerate(candidates) if c.making is not None and any(p[1] == j for p in pairs)]
    making_months = {j: making_monthly_usd(candidates[j], months) for j in makers}
    if makers:
        links = [(k, m) for m, j in enumerate(makers) for k, (_, jj) in enumerate(pairs) if jj == j]
        width = rows.shape[1]
        link_rows = np.zeros((len(links), width + len(makers)))
        for row, (k, m) in enumerate(links):
            link_rows[row, k] = 1.0
            link_rows[row, width + m] = -1.0
        rows = np.vstack([np.hstack([rows, np.zeros((rows.shape[0], len(makers)))]), link_rows])
        lower = np.r_[lower, np.full(len(links), -np.inf)]
        upper = np.r_[upper, np.zeros(len(links))]
        cost = np.r_[cost, [making_months[j].sum() for j in makers]]
        integrality = np.r_[integrality, np.ones(len(makers))]
        upper_bounds = np.r_[upper_bounds, np.ones(len(makers))]
    # The operations staff are paid once any share is self-hosted: z = 1 whenever some x[w, s] > 0.
    staffed = [k for k, (_, j) in enumerate(pairs) if j in host_of] if ops_usd_per_month > 0 else []
    if staffed:
        width = rows.shape[1]
        staff_rows = np.zeros((len(staffed), width + 1))
        for row, k in enumerate(staffed):
            staff_rows[row, k] = 1.0
            staff_rows[row, width] = -1.0
        rows = np.vstack([np.hstack([rows, np.zeros((rows.shape[0], 1))]), staff_rows])
        lower = np.r_[lower, np.full(len(staffed), -np.inf)]
        upper = np.r_[upper, np.zeros(len(staffed))]
        cost = np.r_[cost, ops_usd_per_month * months]
        integrality = np.r_[integrality, 1]
        upper_bounds = np.r_[upper_bounds, 1]
    options: dict[str, float | bool] = {"mip_rel_gap": 0.0}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    started = time.perf_counter()
    solved = milp(
        cost,
        constraints=LinearConstraint(rows, lower, upper),
        integrality=integrality,
        bounds=Bounds(np.zeros(cost.size), upper_bounds),
        options=options,
    )
    solve_seconds = time.perf_counter() - started
    if solved.x is None:
        if solved.status == 1:
            raise TimeoutError(
                f"no assignment found within the {time_limit_s:g} s time limit; allow more time, fix the shares "
                "(no splitting) or hold volumes flat"
            )
        raise InfeasibleError(f"the solver found no assignment: {solved.message}")
    x = np.clip(solved.x[:n_x], 0.0, 1.0) if allow_split else np.round(solved.x[:n_x])  # drop float noise
    month_group = np.empty(months, dtype=int)
    for g, members in enumerate(groups):
        month_group[members] = g
    replicas = {
        j: np.array([int(round(solved.x[r_index(h, g)])) for g in month_group], dtype=np.int64)
        for h, j in enumerate(hosts)
    }
    loads = {
        j: sum((x[k] * peaks[i] * volume[i] for k, (i, jj) in enumerate(pairs) if jj == j), np.zeros(months))
        for j in hosts
    }
    fleet_months = {j: replicas[j] * replica_months[j] for j in hosts}
    by_option: dict[str, np.ndarray] = {}
    for k, (_, j) in enumerate(pairs):
        if candidates[j].kind == "api" and x[k] > 1e-9:
            name = candidates[j].name
            by_option[name] = by_option.get(name, np.zeros(months)) + x[k] * api_months[k]
    for j in hosts:
        if fleet_months[j].any():
            by_option[candidates[j].name] = fleet_months[j]
    # tokens each maker carries over the horizon, to split its making cost across its workloads
    carried_tokens = {
        j: {
            k: x[k] * workloads[i].monthly_output_tokens * float(volume[i].sum())
            for k, (i, jj) in enumerate(pairs)
            if jj == j and x[k] > 1e-9
        }
        for j in makers
    }
    for j in makers:
        if carried_tokens[j]:
            name = candidates[j].name
            by_option[name] = by_option.get(name, np.zeros(months)) + making_months[j]
    self_hosted = [k for k, (_, j) in enumerate(pairs) if j in host_of and x[k] > 1e-9]
    staff_months = np.full(months, ops_usd_per_month if self_hosted else 0.0)
    if staff_months.any():
        by_option[OPS_STAFF] = staff_months
    spend = sum(by_option.values(), np.zeros(months))
    spend_by_option = pd.DataFrame(by_option, index=pd.RangeIndex(1, months + 1, name="month"))
    # the staff are split across the self-hosted shares by their tokens over the horizon
    staff_weights = {k: x[k] * workloads[pairs[k][0]].monthly_output_tokens * float(volume[pairs[k][0]].sum())
                     for k in self_hosted}  # fmt: skip
    records = []
    for k, (i, j) in enumerate(pairs):
        share = float(x[k])
        if share <= 1e-9:
            continue
        w, c = workloads[i], candidates[j]
        if c.kind == "api":
            usd = share * float(api_months[k].sum())
        else:  # the fleet's cost is split across its workloads by their share of its tokens over the horizon
            carried = float(loads[j].sum())
            usd = float(fleet_months[j].sum()) * share * peaks[i] * float(volume[i].sum()) / carried if carried else 0.0
        if k in staff_weights:
            total_weight = sum(staff_weights.values())
            weight = staff_weights[k] / total_weight if total_weight > 0 else 1 / len(staff_weights)
            usd += float(staff_months.sum()) * weight
        if j in making_months:  # the making cost is split across its workloads by their tokens, else equally
            weights = carried_tokens[j]
            total = sum(weights.values())
            weight = weights[k] / total if total > 0 else 1 / len(weights)
            usd += float(making_months[j].sum()) * weight
        score, latency = c.quality_for(w.name), c.latency_for(w)
        records.append(
            (
                w.name,
                c.name,
                c.kind,
                share,
                math.nan if score is None else float(score),
                math.nan if latency is None else float(latency),
                usd / months,
            )
        )
    assignments = pd.DataFrame(
        records, columns=["workload", "candidate", "kind", "share", "quality", "latency_ms", "monthly_usd"]
    )
    fleet_rows = []
    for j in hosts:
        c, held = candidates[j], replicas[j]
        if held.max(initial=0) == 0:
            continue
        fleet_rows.append(
            (
                c.name,
                c.gpu,
                int(held.max()),
                int(held.max()) * c.gpus_per_replica,
                int(held[0]) * c.gpus_per_replica,
                float(loads[j].max()),
                int(held.max()) * c.replica_capacity_tokens_per_s,
                float(fleet_months[j].sum()) / months,
            )
        )
    fleet = pd.DataFrame(
        fleet_rows,
        columns=[
            "candidate",
            "gpu",
            "replicas",
            "gpus",
            "gpus_month_1",
            "load_tokens_per_s",
            "capacity_tokens_per_s",
            "monthly_usd",
        ],
    )
    single = best_single_option(workloads, candidates, months, peak_to_average, hours_per_month, ops_usd_per_month)
    current_usd = (
        None
        if current is None
        else assignment_usd(workloads, candidates, current, months, peak_to_average, hours_per_month, ops_usd_per_month)
    )
    return PortfolioResult(
        assignments=assignments,
        fleet=fleet,
        total_usd=float(spend.sum()),
        months=months,
        best_single_option=None if single is None else single[0],
        best_single_usd=None if single is None else single[1],
        current_usd=current_usd,
        spend_by_month=tuple(float(v) for v in spend),
        spend_by_option=spend_by_option,
        current_problems=() if current is None else assignment_problems(workloads, candidates, current),
        optimal=solved.status == 0,
        optimality_gap=0.0 if solved.status == 0 else float(getattr(solved, "mip_gap", math.nan)),
        solve_seconds=solve_seconds,
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
    time_limit_s: float | None = None,
    ops_usd_per_month: float = 0.0,
) -> pd.DataFrame:
    """Optimal spend as one workload's floor moves: columns floor, total_usd (NaN where infeasible), feasible,
    optimal (False where a time limit stopped a solve: that point is an upper bound)."""
    if workload_name not in {w.name for w in workloads}:
        raise ValueError(f"unknown workload {workload_name!r}")
    rows = []
    for floor in floors:
        moved = [replace(w, quality_floor=float(floor)) if w.name == workload_name else w for w in workloads]
        try:
            result = optimise(
                moved,
                candidates,
                months,
                allow_split,
                peak_to_average,
                hours_per_month,
                time_limit_s=time_limit_s,
                ops_usd_per_month=ops_usd_per_month,
            )
            rows.append((float(floor), result.total_usd, True, result.optimal))
        except InfeasibleError:
            rows.append((float(floor), math.nan, False, True))
    return pd.DataFrame(rows, columns=["floor", "total_usd", "feasible", "optimal"])
