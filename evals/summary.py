"""Run summaries from per-request records: percentiles, throughput, goodput, errors and cost, per level.

Definitions (stated in the app too), following NVIDIA GenAI-Perf/AIPerf:
- time to first token (TTFT): from sending to the first non-empty token;
- inter-token latency (ITL) = (end-to-end - TTFT) / (output tokens - 1);
- per-request output speed = 1000 / ITL tokens/s (LLMPerf folds TTFT into this; we do not);
- system output throughput = all output tokens of a level / the level's duration;
- goodput = requests meeting every latency objective set, per second of the level.
Only requests of the measure phase count; warm-up requests are stored but never summarised.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

PERCENTILES = (50, 90, 99)


@dataclass(frozen=True)
class Objectives:
    """Latency objectives for goodput; None means no objective on that figure."""

    ttft_ms: float | None = None
    e2e_ms: float | None = None
    itl_ms: float | None = None

    @property
    def any(self) -> bool:
        """Whether any objective is set."""
        return self.ttft_ms is not None or self.e2e_ms is not None or self.itl_ms is not None


@dataclass
class LevelSummary:
    """Figures of one concurrency level."""

    concurrency: int
    requests: int
    succeeded: int
    errors: dict[str, int]
    duration_s: float
    ttft_ms: dict[str, float | None]
    itl_ms: dict[str, float | None]
    e2e_ms: dict[str, float | None]
    output_tokens_per_s_per_request: dict[str, float | None]
    system_output_tokens_per_s: float
    goodput_rps: float | None
    output_tokens: int
    input_tokens: int
    tokens_estimated: bool
    cost_usd: float | None
    cost_per_success_usd: float | None
    retries: int
    mean_score: float | None = None
    scored_items: int = 0
    client_overhead_ttft_ms: float | None = None
    client_bound: bool = False
    client_workers: int | None = None  # client processes that sent this level
    client_busiest_cpu_share: float | None = None  # the busiest one's CPU time over the level's wall time
    request_rate: float | None = None  # requests per second (Poisson), when the run used a rate
    meets_objectives: bool | None = None  # None when no objective was set
    notes: list[str] = field(default_factory=list)


def _percentiles(values: pd.Series) -> dict[str, float | None]:
    clean = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if clean.size == 0:
        return {f"p{p}": None for p in PERCENTILES}
    return {f"p{p}": float(np.percentile(clean, p)) for p in PERCENTILES}


def summarise_level(records: pd.DataFrame, concurrency: int, objectives: Objectives) -> LevelSummary:
    """Summarise the measure-phase records of one concurrency level."""
    frame = records[(records["phase"] == "measure") & (records["concurrency"] == concurrency)]
    ok = frame[frame["error_type"].isna()]
    errors = {str(k): int(v) for k, v in frame["error_type"].dropna().value_counts().items()}
    if len(frame):
        start = float(frame["sent_s"].min())
        end = float((frame["sent_s"] + frame["e2e_ms"].fillna(0) / 1000.0).max())
        duration = max(end - start, 1e-9)
    else:
        duration = 0.0
    output_tokens = int(ok["output_tokens"].fillna(0).sum())
    itl = pd.to_numeric(ok["itl_ms"], errors="coerce")
    speed = 1000.0 / itl.where(itl > 0)
    goodput: float | None = None
    if objectives.any:
        good = ok
        if objectives.ttft_ms is not None:
            good = good[good["ttft_ms"] <= objectives.ttft_ms]
        if objectives.e2e_ms is not None:
            good = good[good["e2e_ms"] <= objectives.e2e_ms]
        if objectives.itl_ms is not None:
            good = good[pd.to_numeric(good["itl_ms"], errors="coerce").fillna(0) <= objectives.itl_ms]
        goodput = len(good) / duration if duration else 0.0
    costs = pd.to_numeric(frame["cost_usd"], errors="coerce")
    cost = float(costs.sum()) if costs.notna().any() else None
    scores = pd.to_numeric(frame["score"], errors="coerce").dropna()
    return LevelSummary(
        concurrency=concurrency,
        requests=len(frame),
        succeeded=len(ok),
        errors=errors,
        duration_s=duration,
        ttft_ms=_percentiles(ok["ttft_ms"]),
        itl_ms=_percentiles(itl),
        e2e_ms=_percentiles(ok["e2e_ms"]),
        output_tokens_per_s_per_request=_percentiles(speed),
        system_output_tokens_per_s=output_tokens / duration if duration else 0.0,
        goodput_rps=goodput,
        output_tokens=output_tokens,
        input_tokens=int(ok["input_tokens"].fillna(0).sum()),
        tokens_estimated=bool(ok["tokens_estimated"].fillna(False).astype(bool).any()),
        cost_usd=cost,
        # every attempt's tokens are billed, so failed and retried requests count against the successes
        cost_per_success_usd=cost / len(ok) if cost is not None and len(ok) else None,
        retries=int((frame["attempts"].fillna(1) - 1).clip(lower=0).sum()),
        mean_score=float(scores.mean()) if len(scores) else None,
        scored_items=len(scores),
    )


def summarise_run(records: pd.DataFrame, objectives: Objectives) -> list[LevelSummary]:
    """One summary per concurrency level present in the records, in ascending order."""
    measured = records[records["phase"] == "measure"]
    levels = [summarise_level(records, int(c), objectives) for c in sorted(measured["concurrency"].unique())]
    for level in levels:
        level.meets_objectives = meets_objectives(level, objectives)
    return levels


MIN_SUCCESS_SHARE = 0.95  # a level where more than 1 request in 20 fails meets no objective
MIN_THROUGHPUT_GAIN = 0.10  # more streams that add less output throughput than this have saturated the server


def meets_objectives(level: LevelSummary, objectives: Objectives) -> bool | None:
    """Whether a level meets every objective set, judged at p90 (9 users in 10), with at most 5% failures.

    None when no objective is set: then only saturation decides the knee.
    """
    if not objectives.any:
        return None
    if not level.requests or level.succeeded < MIN_SUCCESS_SHARE * level.requests:
        return False
    for limit, figures in (
        (objectives.ttft_ms, level.ttft_ms),
        (objectives.itl_ms, level.itl_ms),
        (objectives.e2e_ms, level.e2e_ms),
    ):
        p90 = figures.get("p90")
        if limit is not None and (p90 is None or p90 > limit):
            return False
    return True


@dataclass(frozen=True)
class Knee:
    """The highest concurrency worth running at: it meets the objectives and more streams buy little throughput.

    Self-hosted $/1M output tokens is computed from the throughput here, not from the top of the sweep.
    """

    concurrency: int
    output_tokens_per_s: float
    ttft_p90_ms: float | None
    itl_p90_ms: float | None
    reason: str  # why the sweep's next level is not the knee


def _walk_to_knee(
    levels: list[LevelSummary], objectives: Objectives, min_gain: float
) -> tuple[LevelSummary | None, str]:
    """The knee level (None if no level qualifies) and why the next level is not the knee."""
    knee: LevelSummary | None = None
    reason = "the highest level measured; a higher concurrency might still add throughput"
    for level in sorted(levels, key=lambda lv: lv.concurrency):
        if not level.succeeded:
            errors = ", ".join(f"{k} {v}" for k, v in sorted(level.errors.items())) or "no answer"
            return knee, f"at concurrency {level.concurrency} no request succeeded ({errors})"
        if level.meets_objectives is False:
            return knee, (
                f"at concurrency {level.concurrency} the latency objectives (at p90) or the 95% success rate fail"
            )
        if knee is not None and level.system_output_tokens_per_s < knee.system_output_tokens_per_s * (1 + min_gain):
            gain = level.system_output_tokens_per_s / knee.system_output_tokens_per_s - 1
            return knee, (
                f"saturated: concurrency {level.concurrency} added {gain:+.0%} output throughput over "
                f"{knee.concurrency} (less than {min_gain:.0%}), only latency"
            )
        knee = level
    return knee, reason


def find_knee(levels: list[LevelSummary], objectives: Objectives, min_gain: float = MIN_THROUGHPUT_GAIN) -> Knee | None:
    """Walk the levels upwards; the knee is the last one that met the objectives and still added throughput."""
    knee, reason = _walk_to_knee(levels, objectives, min_gain)
    if knee is None:
        return None
    return Knee(
        concurrency=knee.concurrency,
        output_tokens_per_s=knee.system_output_tokens_per_s,
        ttft_p90_ms=knee.ttft_ms.get("p90"),
        itl_p90_ms=knee.itl_ms.get("p90"),
        reason=reason,
    )


def sweep_stop_reason(levels: list[LevelSummary], objectives: Objectives) -> str:
    """Why a sweep over these levels stops where it does, in words."""
    return _walk_to_knee(levels, objectives, MIN_THROUGHPUT_GAIN)[1]


def sweep_should_continue(levels: list[LevelSummary], objectives: Objectives) -> bool:
    """During a sweep: go on while the newest level meets the objectives and still adds throughput."""
    knee = find_knee(levels, objectives)
    return knee is not None and knee.concurrency == max(level.concurrency for level in levels)


BUSY_SHARE_LIMIT = 0.8  # a client process using more than this share of a core is the bottleneck
TARGET_BUSY_SHARE = 0.5  # the share each process should stay under to leave headroom


def flag_client_load(levels: list[LevelSummary], loads: dict[int, Any], cores: int) -> None:
    """Record each level's client processes and CPU; mark the level client-bound when one was near a full core.

    `loads` holds evals.probe.LevelLoad per concurrency (workers, CPU seconds per process, wall seconds). The
    note says how many processes would fix it, and whether this machine has the cores for them.
    """
    for level in levels:
        load = loads.get(level.concurrency)
        if load is None:
            continue
        level.client_workers = load.workers
        share = load.busiest_share
        level.client_busiest_cpu_share = share
        if share is None or share <= BUSY_SHARE_LIMIT:
            continue
        needed = max(load.workers + 1, math.ceil(sum(load.cpu_s) / (TARGET_BUSY_SHARE * load.wall_s)))
        level.client_bound = True
        where = (
            f"run with --workers {needed}"
            if needed <= cores
            else f"this machine has {cores} cores: run the probe from a machine with {needed} or more, or from several"
        )
        level.notes.append(
            f"client-bound: at concurrency {level.concurrency} the busiest of {load.workers} client process(es) used "
            f"{share:.0%} of a core, so latency here is partly the client's; about {needed} processes would leave "
            f"headroom ({where})"
        )


def flag_client_bound(
    levels: list[LevelSummary],
    overhead_ttft_ms: dict[int, float],
    *,
    min_ms: float = 15.0,
    share: float = 0.2,
    overhead_itl_ms: dict[int, float] | None = None,
    min_itl_ms: float = 2.0,
) -> None:
    """Mark levels where the harness itself adds a large part of the measured TTFT or inter-token latency.

    The overhead is the harness's own p50 against a zero-delay loopback endpoint at the same concurrency:
    time spent in the client (litellm's streaming wrapper, the event loop), not the model. ITL shows it
    first: each streamed token costs the client CPU, so a saturated client stretches the gaps between tokens.
    """
    for level in levels:
        overhead = overhead_ttft_ms.get(level.concurrency)
        if overhead is None:
            continue
        level.client_overhead_ttft_ms = overhead
        measured = level.ttft_ms.get("p50")
        idle_client = level.client_busiest_cpu_share is not None and level.client_busiest_cpu_share < TARGET_BUSY_SHARE
        if measured is not None and overhead > max(min_ms, share * measured) and idle_client:
            # The calibration's TTFT includes the local zero-delay server's own time; with the run's client
            # processes mostly idle, that server, not the client, is what it measured.
            level.notes.append(
                f"the zero-delay calibration at concurrency {level.concurrency} took {overhead:.0f} ms to a first "
                f"token, but the client processes were at most {level.client_busiest_cpu_share:.0%} busy during the "
                "run: an upper bound set by the local calibration server, not a client limit"
            )
        elif measured is not None and overhead > max(min_ms, share * measured):
            level.client_bound = True
            level.notes.append(
                f"client-bound: at concurrency {level.concurrency} this machine's client adds about {overhead:.0f} ms "
                f"to time to first token ({overhead / measured:.0%} of the {measured:.0f} ms measured), so TTFT and "
                "latency here describe the client, not the model; use more worker processes or a bigger client machine"
            )
        itl_overhead = (overhead_itl_ms or {}).get(level.concurrency)
        measured_itl = level.itl_ms.get("p50")
        if (
            itl_overhead is not None
            and measured_itl is not None
            and itl_overhead > max(min_itl_ms, share * measured_itl)
        ):
            level.client_bound = True
            level.notes.append(
                f"client-bound between tokens: at concurrency {level.concurrency} the client itself spaces tokens "
                f"{itl_overhead:.1f} ms apart ({itl_overhead / measured_itl:.0%} of the {measured_itl:.1f} ms ITL "
                "measured), so inter-token latency and per-request speed are the client's; use more worker processes"
            )


def to_jsonable(levels: list[LevelSummary]) -> list[dict[str, Any]]:
    """Level summaries as plain JSON-ready dicts (NaN becomes None)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return [clean(asdict(level)) for level in levels]
