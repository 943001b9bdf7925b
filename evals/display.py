"""Probe runs as the Live probes page shows them: the history, a run's level table, the knee in a sentence, runs
side by side, and quality against cost across runs. Pure functions of stored runs and their summary JSON, so the
page stays widgets, one call, rendering; no Streamlit here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

HISTORY_COLUMNS = [
    "run_id",
    "started",
    "endpoint_name",
    "model",
    "suite",
    "status",
    "created_by",
    "requests",
    "failed",
    "estimated_cost_usd",
]


@dataclass(frozen=True)
class RunHistory:
    """The runs newest first, each run's summary (None while it runs), and a label per run for pickers."""

    table: pd.DataFrame  # HISTORY_COLUMNS
    summaries: dict[str, dict[str, Any] | None]
    labels: dict[str, str]


def run_history(runs: pd.DataFrame) -> RunHistory:
    """The history table of stored runs, with request and failure counts read from each run's summary."""
    summaries: dict[str, dict[str, Any] | None] = {
        str(r): json.loads(s) if isinstance(s, str) else None
        for r, s in zip(runs["run_id"], runs["summary_json"], strict=True)
    }
    history = runs.assign(
        started=runs["started_at"].map(lambda t: str(t)[:19]),
        requests=runs["run_id"].map(lambda r: (summaries.get(r) or {}).get("requests")),
        failed=runs["run_id"].map(lambda r: sum(((summaries.get(r) or {}).get("errors") or {}).values())),
        created_by=runs.get("created_by"),  # who started the run (absent in rows from before migration 9)
        label=runs["endpoint_name"].fillna(runs["model"])
        + " · "
        + runs["suite"].fillna("no suite")
        + " · "
        + runs["run_id"],
    )
    return RunHistory(history[HISTORY_COLUMNS], summaries, dict(zip(history["run_id"], history["label"], strict=True)))


def level_table(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per level of a run: requests, errors, latency percentiles, throughput, goodput, cost, client."""
    return pd.DataFrame(
        [
            {
                "Concurrency": lv["concurrency"],
                "OK / sent": f"{lv['succeeded']} / {lv['requests']}",
                "Errors": ", ".join(f"{k} {v}" for k, v in lv["errors"].items()) or "none",
                "TTFT p50 (ms)": lv["ttft_ms"]["p50"],
                "TTFT p90 (ms)": lv["ttft_ms"]["p90"],
                "ITL p50 (ms)": lv["itl_ms"]["p50"],
                "E2E p50 (ms)": lv["e2e_ms"]["p50"],
                "System tokens/s": lv["system_output_tokens_per_s"],
                "Goodput (req/s)": lv["goodput_rps"],
                "Cost per success (USD)": lv["cost_per_success_usd"],
                "Client processes": lv.get("client_workers"),
                "Client-bound": "yes" if lv["client_bound"] else "no",
            }
            for lv in summary["levels"]
        ]
    )


def knee_sentence(summary: dict[str, Any], usd: str | None) -> str | None:
    """The knee of a run in words ('Knee: concurrency 32, 3,809 output tokens/s, ...'), None when it has none.

    `usd` is the self-hosted cost per 1M output tokens at the knee, already formatted, when the run has one.
    """
    knee = summary.get("knee")
    if not knee:
        return None
    cost = f", self-hosted {usd} per 1M output tokens there" if usd else ""
    reason = str(knee["reason"])
    return (
        f"**Knee: concurrency {knee['concurrency']}**, {knee['output_tokens_per_s']:,.0f} output tokens/s{cost}. "
        f"{reason[:1].upper()}{reason[1:]}."
    )


def compare_table(history: RunHistory, run_ids: list[str]) -> pd.DataFrame:
    """Runs side by side, one row per run and level."""
    rows = []
    for run_id in run_ids:
        summary = history.summaries.get(run_id) or {}
        for lv in summary.get("levels", []):
            rows.append(
                {
                    "run": history.labels[run_id],
                    "concurrency": lv["concurrency"],
                    "TTFT p50 (ms)": lv["ttft_ms"]["p50"],
                    "E2E p50 (ms)": lv["e2e_ms"]["p50"],
                    "System output tokens/s": lv["system_output_tokens_per_s"],
                    "Cost per success (USD)": lv["cost_per_success_usd"],
                    "Pass rate": (summary.get("quality") or {}).get("pass_rate"),
                }
            )
    return pd.DataFrame(rows)


def quality_cost_points(history: RunHistory) -> pd.DataFrame:
    """Runs with a scored suite and a price: label, pass rate, its interval and cost per 1,000 items."""
    scored = [
        {"label": history.labels[r], **(s or {}).get("quality", {})}
        for r, s in history.summaries.items()
        if s and s.get("quality") and s["quality"].get("cost_per_1000_items_usd") is not None
    ]
    frame = pd.DataFrame(scored)
    if frame.empty:
        return frame
    frame["ci_low"] = frame["ci95"].map(lambda ci: ci[0])
    frame["ci_high"] = frame["ci95"].map(lambda ci: ci[1])
    return frame


def gpu_time_text(gpu: str | None, gpu_count: int | None, usd_per_gpu_hour: float | None) -> str:
    """What a self-hosted run costs before it runs: GPU time by the minute (its length is what it measures)."""
    per_minute = (gpu_count or 1) * (usd_per_gpu_hour or 0.0) / 60
    return (
        f"Cost: GPU time, **${per_minute:,.4f} a minute** while the run lasts ({gpu_count} x {gpu} at "
        f"${usd_per_gpu_hour:,.2f}/GPU-hour); the run's cost, its cost per 1,000 items and its $/1M tokens follow "
        "from the duration and throughput it measures."
    )


def quality_cost_needs(history: RunHistory) -> str:
    """Why the quality-against-cost chart is empty, and what puts a run on it."""
    with_suite = [s for s in history.summaries.values() if s and s.get("quality") and s["quality"].get("items")]
    return (
        "A run appears here once it has graded an eval suite and has a price: pick a suite on 'Run a probe', on an "
        "endpoint with a price (a model the price sheet prices, a deployment price per token, or a GPU type, count "
        f"and hourly price). Runs so far: {len(history.summaries)}, of which {len(with_suite)} graded a suite and "
        "none of those is priced."
    )
