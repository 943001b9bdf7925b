"""Replacing the scores of some benchmarks whose source starts with a prefix, on a DuckDB file and on Postgres."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pricing.sources.readers import EPOCH_EXTERNAL_PREFIX
from pricing.store import TABLE_COLUMNS, SnapshotLoad, Store, StoreError


@pytest.fixture()
def seeded_store(backend_seeded_store: Store) -> Store:
    """Each test here runs on both backends."""
    return backend_seeded_store


def _scores(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "model_id": model_id,
                "benchmark_id": benchmark_id,
                "score": score,
                "self_reported": False,
                "source": source,
                "source_url": "http://127.0.0.1/epoch-mmlu",
                "raw_model_name": model_id,
                "as_of": dt.date(2026, 1, 2),
            }
            for model_id, benchmark_id, score, source in rows
        ],
        columns=list(TABLE_COLUMNS["scores"]),
    )


def _load(scores: pd.DataFrame, benchmark_ids: tuple[str, ...] = ("mmlu",)) -> SnapshotLoad:
    fetched_at = dt.datetime(2026, 1, 2, 3, 4, 5)
    return SnapshotLoad(
        snapshot={
            "snapshot_id": "epoch-mmlu-test",
            "run_id": "run-test",
            "source_name": "epoch-mmlu",
            "fetched_at": fetched_at,
            "url": "http://127.0.0.1/epoch-mmlu",
            "content_sha256": "0" * 64,
            "content_bytes": 100,
            "rows_loaded": len(scores),
            "as_of": fetched_at.date(),
            "forced": False,
        },
        changes=pd.DataFrame(columns=list(TABLE_COLUMNS["refresh_changes"])),
        scores=scores,
        score_prefix=EPOCH_EXTERNAL_PREFIX,
        score_benchmark_ids=benchmark_ids,
    )


def _prefixed(store: Store, benchmark_id: str) -> pd.DataFrame:
    scores = store.scores(benchmark_id)
    return scores[scores["source"].str.startswith(EPOCH_EXTERNAL_PREFIX)]


def _others(store: Store) -> pd.DataFrame:
    """Every score the prefix replace on mmlu must not touch."""
    scores = store.scores()
    mine = scores["source"].str.startswith(EPOCH_EXTERNAL_PREFIX) & scores["benchmark_id"].eq("mmlu")
    return scores[~mine].reset_index(drop=True)


def _state(store: Store) -> tuple[str, int, int]:
    return store.scores().to_csv(), store.count("score_history"), store.count("source_snapshots")


def test_prefix_replace_swaps_only_that_benchmarks_prefixed_scores_and_keeps_history(seeded_store: Store) -> None:
    seeded_mmlu = _prefixed(seeded_store, "mmlu")
    assert seeded_mmlu["source"].nunique() > 1  # several reports share the prefix, so one exact name would not do
    others = _others(seeded_store)
    history_before = seeded_store.count("score_history")
    incoming = _scores(
        [
            ("openai/gpt-4o", "mmlu", 88.5, EPOCH_EXTERNAL_PREFIX + "HELM)"),
            ("meta/llama-3-70b", "mmlu", 79.0, EPOCH_EXTERNAL_PREFIX + "Llama 3 report)"),
        ]
    )
    seeded_store.load_snapshot(_load(incoming))
    now = _prefixed(seeded_store, "mmlu").sort_values("model_id").reset_index(drop=True)
    assert list(now["model_id"]) == ["meta/llama-3-70b", "openai/gpt-4o"]
    assert list(now["score"]) == [pytest.approx(79.0), pytest.approx(88.5)]
    pd.testing.assert_frame_equal(_others(seeded_store), others)  # gsm8k's, livebench's, llm-stats' mmlu ... kept
    assert seeded_store.count("score_history") == history_before + 2
    assert seeded_store.scores_with_prefix(EPOCH_EXTERNAL_PREFIX, ("mmlu",))["score"].sum() == pytest.approx(167.5)
    assert "epoch-mmlu-test" in set(seeded_store.source_snapshots()["snapshot_id"])


def test_prefix_replace_refuses_a_score_outside_its_benchmarks_and_writes_nothing(seeded_store: Store) -> None:
    before = _state(seeded_store)
    incoming = _scores(
        [
            ("openai/gpt-4o", "mmlu", 88.5, EPOCH_EXTERNAL_PREFIX + "HELM)"),
            ("openai/gpt-4o", "gsm8k", 92.0, EPOCH_EXTERNAL_PREFIX + "HELM)"),
        ]
    )
    with pytest.raises(StoreError, match="outside what this refresh replaces"):
        seeded_store.load_snapshot(_load(incoming))
    assert _state(seeded_store) == before


def test_prefix_replace_of_several_benchmarks_with_no_rows_empties_just_those(seeded_store: Store) -> None:
    gsm8k_before = _prefixed(seeded_store, "gsm8k")
    seeded_store.load_snapshot(_load(_scores([]), benchmark_ids=("mmlu", "livebench")))
    assert _prefixed(seeded_store, "mmlu").empty and _prefixed(seeded_store, "livebench").empty
    pd.testing.assert_frame_equal(_prefixed(seeded_store, "gsm8k"), gsm8k_before)
