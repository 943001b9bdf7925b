"""The Live probes page's tables and sentences, from stored runs (pure functions of their summaries)."""

from __future__ import annotations

import json

import pandas as pd

from evals.display import (
    compare_table,
    gpu_time_text,
    knee_sentence,
    level_table,
    quality_cost_needs,
    quality_cost_points,
    run_history,
)


def level(concurrency: int, tokens_per_s: float) -> dict[str, object]:
    figures = {"p50": 100.0, "p90": 120.0, "p99": 150.0}
    return {
        "concurrency": concurrency,
        "succeeded": 9,
        "requests": 10,
        "errors": {"timeout": 1},
        "ttft_ms": figures,
        "itl_ms": {"p50": 10.0, "p90": 11.0, "p99": 12.0},
        "e2e_ms": figures,
        "system_output_tokens_per_s": tokens_per_s,
        "goodput_rps": None,
        "cost_per_success_usd": 0.001,
        "client_workers": 2,
        "client_bound": False,
    }


SWEPT = {
    "requests": 20,
    "errors": {"timeout": 2},
    "levels": [level(1, 100.0), level(2, 190.0)],
    "knee": {"concurrency": 2, "output_tokens_per_s": 1900.4, "reason": "the highest level measured"},
    "quality": {"pass_rate": 0.9, "ci95": [0.7, 0.97], "cost_per_1000_items_usd": 1.5},
}
RUNS = pd.DataFrame(
    {
        "run_id": ["a1", "b2"],
        "started_at": [pd.Timestamp("2026-12-01 10:00:00"), pd.Timestamp("2026-11-30 09:00:00")],
        "endpoint_name": ["nim", None],
        "model": ["meta/llama-3.1-8b-instruct", "gpt-4o-mini"],
        "suite": ["intent", None],
        "status": ["completed", "running"],
        "estimated_cost_usd": [0.01, None],
        "summary_json": [json.dumps(SWEPT), None],
    }
)


def test_history_counts_requests_and_failures_and_labels_each_run() -> None:
    history = run_history(RUNS)
    assert history.table["requests"].iloc[0] == 20 and pd.isna(history.table["requests"].iloc[1])
    assert list(history.table["failed"]) == [2, 0]
    assert history.labels == {"a1": "nim · intent · a1", "b2": "gpt-4o-mini · no suite · b2"}
    assert history.summaries["b2"] is None


def test_level_table_and_knee_sentence() -> None:
    table = level_table(SWEPT)
    assert list(table["Concurrency"]) == [1, 2] and list(table["OK / sent"]) == ["9 / 10", "9 / 10"]
    assert table["Errors"].iloc[0] == "timeout 1" and table["Client processes"].iloc[1] == 2
    sentence = knee_sentence(SWEPT, "$0.2500")
    assert sentence == (
        "**Knee: concurrency 2**, 1,900 output tokens/s, self-hosted $0.2500 per 1M output tokens there. "
        "The highest level measured."
    )
    assert knee_sentence({"levels": []}, None) is None


def test_runs_side_by_side_and_quality_points() -> None:
    history = run_history(RUNS)
    side = compare_table(history, ["a1", "b2"])
    assert list(side["concurrency"]) == [1, 2] and set(side["Pass rate"]) == {0.9}
    points = quality_cost_points(history)
    assert list(points["label"]) == ["nim · intent · a1"]
    assert (points["ci_low"].iloc[0], points["ci_high"].iloc[0]) == (0.7, 0.97)


def test_gpu_time_and_what_the_quality_chart_needs() -> None:
    assert "**$0.1000 a minute**" in gpu_time_text("H100 SXM", 2, 3.0)  # 2 x 3.00 / 60
    needs = quality_cost_needs(run_history(RUNS))
    assert "Runs so far: 2, of which 0 graded a suite" in needs
