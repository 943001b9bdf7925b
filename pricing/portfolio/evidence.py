"""Evidence from our own probe runs for planning: measured cascades and measured latency.

A measured cascade pairs two runs of one eval suite (a small model and a large one) item by item and reports
what "small model first, escalate to the large one when a check fails" would have scored and how often it
would have escalated. Measured latency gives a model's time to first token, end-to-end latency and decode
speed from its latest probe run, for self-hosted options that have no public latency figure.

The boundary: pure reads over the store (no SQL here, no Streamlit, no model calls); the caller decides how
the figures enter a plan.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evals.suites import wilson_interval
from pricing.store import Store

# A cancelled run keeps what it measured; an imported one (evals.import_runs) is another tool's finished run.
USABLE_STATUSES = ("completed", "cancelled", "closed", "imported")  # closed: an interrupted run, finished
PAIR_COLUMNS = ["suite", "run_id", "model", "endpoint", "status", "started_at", "items"]


@dataclass(frozen=True)
class MeasuredCascade:
    """A small-then-large cascade replayed item by item on two runs of one suite.

    Rates are shares (0..1); scores are percent of items correct (0..100, the unit of own_eval_scores);
    intervals are Wilson 95%.
    """

    suite: str
    small_run_id: str
    large_run_id: str
    small_model: str
    large_model: str
    items: int
    escalation_rate: float
    escalation_low: float
    escalation_high: float
    small_score: float
    large_score: float
    cascade_score: float
    cascade_low: float
    cascade_high: float
    measured_on: dt.date
    check: str


@dataclass(frozen=True)
class MeasuredLatency:
    """A model's latency at the lowest concurrency of its latest probe run (successful requests only)."""

    run_id: str
    endpoint: str
    model_id: str
    gpu: str | None
    ttft_p90_ms: float
    e2e_p90_ms: float
    output_tokens_per_s: float
    requests: int
    concurrency: int
    measured_on: dt.date


def _run_row(store: Store, run_id: str) -> pd.Series:
    row = store.run(run_id)
    if row.empty:
        raise ValueError(f"unknown probe run {run_id!r}")
    return row.iloc[0]


def _label(run: pd.Series) -> str:
    model_id = run.get("model_id")
    return str(model_id) if isinstance(model_id, str) and model_id else str(run["model"])


def _first_answers(store: Store, run: pd.Series) -> pd.DataFrame:
    """One row per item: its first answer (lowest seq) at the run's lowest measured concurrency level.

    This is the rule of the run's quality summary (each item once, from the first level), so with no errors
    the pass rate here is the run's own eval score; unlike that summary, an error is kept as a failed answer.
    """
    rows = store.run_requests(str(run["run_id"]))
    rows = rows[(rows["phase"] == "measure") & rows["item_id"].notna()]
    if rows.empty or rows["score"].isna().all():
        raise ValueError(f"probe run {run['run_id']!r} (suite {run['suite']!r}) has no scored items")
    first_level = rows[rows["concurrency"] == rows["concurrency"].min()]
    return first_level.sort_values("seq").drop_duplicates(subset=["item_id"], keep="first").set_index("item_id")


def _passes(answers: pd.Series, pass_threshold: float) -> pd.Series:
    # an error has no score: NaN >= threshold is False, so it fails the check
    return pd.to_numeric(answers, errors="coerce") >= pass_threshold


def measured_cascade(
    store: Store, small_run_id: str, large_run_id: str, pass_threshold: float = 1.0
) -> MeasuredCascade:
    """Replay "small model first, escalate when the check fails" on two runs of the same suite, item by item.

    The check is the suite's own scorer applied to the small model's answer: an item passes when its score is at
    least `pass_threshold`. That is an oracle (it knows the expected answer), so the figures are the best any
    deployed check could reach: the escalation rate is a floor and the cascade score a ceiling. Items are those
    both runs answered (first answer per item, lowest concurrency level); an error fails, so it escalates on the
    small model and counts as wrong on the large one. Scores are pass rates, which equal own_eval_scores for
    all-or-nothing scorers and sit below it for partial-credit ones (contains, llm_judge).
    """
    if not 0 < pass_threshold <= 1:
        raise ValueError(f"pass threshold must be in (0, 1], got {pass_threshold}")
    if small_run_id == large_run_id:
        raise ValueError(f"a cascade needs two different runs; got {small_run_id!r} twice")
    small, large = _run_row(store, small_run_id), _run_row(store, large_run_id)
    small_suite, large_suite = small["suite"], large["suite"]
    if not isinstance(small_suite, str) or not isinstance(large_suite, str) or small_suite != large_suite:
        raise ValueError(
            f"a cascade pairs two runs of the same eval suite: run {small_run_id!r} ran suite {small_suite!r}, "
            f"run {large_run_id!r} ran suite {large_suite!r}"
        )
    small_answers, large_answers = _first_answers(store, small), _first_answers(store, large)
    shared = small_answers.index.intersection(large_answers.index)
    if shared.empty:
        raise ValueError(
            f"runs {small_run_id!r} and {large_run_id!r} (suite {small_suite!r}) share no item: was the suite "
            "file changed between them?"
        )
    small_pass = _passes(small_answers.loc[shared, "score"], pass_threshold)
    large_pass = _passes(large_answers.loc[shared, "score"], pass_threshold)
    items = len(shared)
    escalated = int((~small_pass).sum())
    cascade_pass = int((small_pass | large_pass).sum())
    escalation_low, escalation_high = wilson_interval(escalated, items)
    cascade_low, cascade_high = wilson_interval(cascade_pass, items)
    measured_on = max(pd.Timestamp(small["started_at"]).date(), pd.Timestamp(large["started_at"]).date())
    return MeasuredCascade(
        suite=small_suite,
        small_run_id=small_run_id,
        large_run_id=large_run_id,
        small_model=_label(small),
        large_model=_label(large),
        items=items,
        escalation_rate=escalated / items,
        escalation_low=escalation_low,
        escalation_high=escalation_high,
        small_score=100.0 * int(small_pass.sum()) / items,
        large_score=100.0 * int(large_pass.sum()) / items,
        cascade_score=100.0 * cascade_pass / items,
        cascade_low=100.0 * cascade_low,
        cascade_high=100.0 * cascade_high,
        measured_on=measured_on,
        check=(
            f"oracle: the {small_suite} suite's own scorer on the small model's answer, pass at score >= "
            f"{pass_threshold:g} (an upper bound on any deployed check)"
        ),
    )


def cascade_run_pairs(store: Store) -> pd.DataFrame:
    """Finished runs that can be paired into a measured cascade: scored items, and another such run on the suite."""
    runs = store.runs()
    scored = store.scored_items_per_run()
    runs = runs[runs["status"].isin(USABLE_STATUSES) & runs["suite"].notna()]
    runs = runs.merge(scored, on="run_id", how="inner")
    runs = runs[runs.groupby("suite")["run_id"].transform("count") >= 2]
    if runs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    out = runs.assign(
        model=runs.apply(_label, axis=1),
        endpoint=runs["endpoint_name"].fillna(runs["model"]),
        items=runs["items"].astype(int),
    )
    return out.sort_values(["suite", "started_at"], ascending=[True, False])[PAIR_COLUMNS].reset_index(drop=True)


def _gpu_key(gpu: object) -> str:
    return re.sub(r"[\s_-]+", "", gpu).casefold() if isinstance(gpu, str) else ""


def _run_gpu(run: pd.Series, endpoints: pd.DataFrame) -> str | None:
    """The GPU the run's endpoint recorded when it ran, else the endpoint's current record."""
    try:
        recorded = json.loads(run["settings_json"]).get("endpoint", {}).get("gpu")
    except (TypeError, ValueError, AttributeError):
        recorded = None
    if isinstance(recorded, str) and recorded:
        return recorded
    match = endpoints[endpoints["name"] == run["endpoint_name"]]
    gpu = match.iloc[0]["gpu"] if not match.empty else None
    return gpu if isinstance(gpu, str) and gpu else None


def measured_latency(store: Store, model_id: str, gpu: str | None = None) -> MeasuredLatency | None:
    """Latency of `model_id` from its latest finished probe run (on `gpu`, when given); None if none measured it.

    The figures come from the run's lowest concurrency level with a successful request: the latency one user
    sees, not the latency under load. p90s are numpy's linear percentiles over successful measure-phase
    requests; decode speed is their median 1000 / inter-token latency (NaN when no request streamed two tokens).
    An imported result without per-request rows gives the tool's own figures from its stored summary.
    GPU names match ignoring case, spaces, dashes and underscores ("H100 SXM" is "h100-sxm").
    """
    runs = store.runs()  # newest first
    runs = runs[(runs["model_id"] == model_id) & runs["status"].isin(USABLE_STATUSES)]
    endpoints = store.endpoints()
    for _, run in runs.iterrows():
        run_gpu = _run_gpu(run, endpoints)
        if gpu is not None and _gpu_key(run_gpu) != _gpu_key(gpu):
            continue
        rows = store.run_requests(str(run["run_id"]))
        ok = rows[(rows["phase"] == "measure") & rows["error_type"].isna()]
        if ok.empty:
            summarised = _summary_latency(run, model_id, run_gpu)
            if summarised is not None:
                return summarised
            continue
        concurrency = int(ok["concurrency"].min())
        level = ok[ok["concurrency"] == concurrency]
        itl = pd.to_numeric(level["itl_ms"], errors="coerce")
        speed = (1000.0 / itl[itl > 0]).to_numpy(dtype=float)
        return MeasuredLatency(
            run_id=str(run["run_id"]),
            endpoint=str(run["endpoint_name"] if isinstance(run["endpoint_name"], str) else run["model"]),
            model_id=model_id,
            gpu=run_gpu,
            ttft_p90_ms=_p90(level["ttft_ms"]),
            e2e_p90_ms=_p90(level["e2e_ms"]),
            output_tokens_per_s=float(np.median(speed)) if speed.size else math.nan,
            requests=len(level),
            concurrency=concurrency,
            measured_on=pd.Timestamp(run["started_at"]).date(),
        )
    return None


def _summary_latency(run: pd.Series, model_id: str, gpu: str | None) -> MeasuredLatency | None:
    """Latency from a run's stored level summaries, for an imported result that kept no per-request rows.

    The tool's own p90s at its lowest level with successful requests, and its median per-request output speed
    (1000 / median ITL where it gives no speed); None when that level lacks a p90 (vLLM keeps only p99 by default).
    """
    try:
        levels = json.loads(run["summary_json"]).get("levels") or []
    except (TypeError, ValueError, AttributeError):
        return None
    measured = sorted(
        (lv for lv in levels if isinstance(lv, dict) and lv.get("succeeded")), key=lambda lv: lv["concurrency"]
    )
    if not measured:
        return None
    level = measured[0]
    ttft, e2e = (level.get("ttft_ms") or {}).get("p90"), (level.get("e2e_ms") or {}).get("p90")
    if ttft is None or e2e is None:
        return None
    speed = (level.get("output_tokens_per_s_per_request") or {}).get("p50")
    itl = (level.get("itl_ms") or {}).get("p50")
    if speed is None and itl:
        speed = 1000.0 / itl
    return MeasuredLatency(
        run_id=str(run["run_id"]),
        endpoint=str(run["endpoint_name"] if isinstance(run["endpoint_name"], str) else run["model"]),
        model_id=model_id,
        gpu=gpu,
        ttft_p90_ms=float(ttft),
        e2e_p90_ms=float(e2e),
        output_tokens_per_s=float(speed) if speed is not None else math.nan,
        requests=int(level["succeeded"]),
        concurrency=int(level["concurrency"]),
        measured_on=pd.Timestamp(run["started_at"]).date(),
    )


def _p90(values: pd.Series) -> float:
    clean = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    return float(np.percentile(clean, 90)) if clean.size else math.nan
