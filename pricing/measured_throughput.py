"""Every serving throughput measurement self-hosting can use, in one table: the shipped sources, our own probe
runs on GPU endpoints, and benchmark results imported from AIPerf, GenAI-Perf, vLLM or GuideLLM.

The one join behind self-hosted cost and sizing (the explorer's self-hosted offers, Spend projections, the
Portfolio): each reads `measured_throughput(store)` where it once read the seeded table alone, so a result measured
on your own GPUs is used exactly like a published one, labelled with its source and date.

A probe run counts when it finished (completed, cancelled with what it measured, or imported), names a canonical
model and records the GPUs it ran on: an own run in its endpoint's settings, an import in the setup given with it
(both as `settings_json["endpoint"]`: gpu, gpu_count, precision, engine). Each of its levels with successful
requests and output throughput becomes a row, except levels flagged client-bound (the harness, not the server,
set their pace), levels that missed the run's latency objectives and, when a sweep found a knee, levels past it.
A run's rows carry the run's mean request lengths, so `pricing.sizing` compares its levels with
each other on throughput alone and picks the best, as it does for a published concurrency sweep.

The boundary: reads the store, returns a DataFrame with the throughput table's columns; no SQL here.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from pricing.store import TABLE_COLUMNS, Store

USABLE_STATUSES = ("completed", "cancelled", "closed", "imported")  # closed: an interrupted run, finished
OWN_PROBE_SOURCE = "own probe"  # pricing.sizing labels rows whose source starts so as own-probe measurements


def _json(text: object) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _whole(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and value == value and value > 0 else None


def probe_throughput_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """Throughput rows from probe runs on GPUs (own and imported), one per usable level; columns as the table's."""
    rows = []
    for _, run in runs.iterrows():
        model_id = run.get("model_id")
        if run.get("status") not in USABLE_STATUSES or not isinstance(model_id, str) or not model_id:
            continue
        settings = _json(run.get("settings_json"))
        endpoint = settings.get("endpoint") if isinstance(settings.get("endpoint"), dict) else {}
        assert isinstance(endpoint, dict)
        gpu, gpu_count = endpoint.get("gpu"), _whole(endpoint.get("gpu_count"))
        if not isinstance(gpu, str) or not gpu.strip() or gpu_count is None:
            continue
        summary = _json(run.get("summary_json"))
        knee = summary.get("knee") if isinstance(summary.get("knee"), dict) else {}
        assert isinstance(knee, dict)
        top = knee.get("concurrency") if isinstance(knee.get("concurrency"), int) else None
        levels = [
            level
            for level in summary.get("levels") or []
            if isinstance(level, dict)
            and (level.get("system_output_tokens_per_s") or 0) > 0
            and (level.get("succeeded") or 0) > 0
            and not level.get("client_bound")
            # a level that missed the run's latency objectives, or lies past its knee, is not a serving point
            and level.get("meets_objectives") is not False
            and (top is None or not isinstance(level.get("concurrency"), int) or level["concurrency"] <= top)
        ]
        if not levels:
            continue
        succeeded = sum(int(level["succeeded"]) for level in levels)
        mean_in = round(sum(level.get("input_tokens") or 0 for level in levels) / succeeded)
        mean_out = round(sum(level.get("output_tokens") or 0 for level in levels) / succeeded)
        imported = isinstance(settings.get("source"), str)
        source = (
            settings["source"]
            if imported
            else f"{OWN_PROBE_SOURCE}: {run.get('endpoint_name') or run.get('model')} (run {run['run_id']})"
        )
        for level in levels:
            rate = level.get("request_rate")
            stated = level.get("concurrency_stated", True)
            concurrency = str(level.get("concurrency"))
            if isinstance(rate, int | float) and not stated:
                concurrency = f"rate {rate:g}/s, about {level.get('concurrency')} in flight"
            elif not stated:
                concurrency = f"about {level.get('concurrency')} in flight"
            rows.append(
                {
                    "model_id": model_id,
                    "raw_model_name": run.get("model"),
                    "gpu": gpu.strip(),
                    "gpu_count": gpu_count,
                    "precision": endpoint.get("precision"),
                    "engine": endpoint.get("engine"),
                    "input_tokens": mean_in or None,
                    "output_tokens": mean_out or None,
                    "concurrency": concurrency,
                    "output_tokens_per_s": float(level["system_output_tokens_per_s"]),
                    "ttft_ms": (level.get("ttft_ms") or {}).get("p50"),
                    "source": source,
                    "source_url": None,
                    "as_of": pd.Timestamp(run["started_at"]).normalize(),
                    "config_verified": True,
                }
            )
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS["throughput"]))
    for column in ("input_tokens", "output_tokens"):
        frame[column] = frame[column].astype("Int64")
    frame["gpu_count"] = frame["gpu_count"].astype("int64")
    frame["output_tokens_per_s"] = frame["output_tokens_per_s"].astype(float)
    frame["ttft_ms"] = pd.to_numeric(frame["ttft_ms"], errors="coerce").astype(float)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame


def measured_throughput(store: Store) -> pd.DataFrame:
    """The seeded throughput table plus the rows of probe runs on GPUs (own and imported), each with its source."""
    seeded = store.throughput()
    probed = probe_throughput_rows(store.runs())
    if probed.empty:
        return seeded
    return pd.concat([seeded, probed.astype({"as_of": seeded["as_of"].dtype})], ignore_index=True)
