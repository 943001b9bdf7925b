"""The readers of the shipped CSVs return the store's exact columns, unique keys and sane values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pricing.sources import readers as sources

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return sources.read_scores(DATA_DIR)


@pytest.mark.parametrize(
    ("reader", "columns", "key"),
    [
        (sources.read_models, sources.MODEL_COLUMNS, ["model_id"]),
        (sources.read_aliases, sources.ALIAS_COLUMNS, ["source", "alias"]),
        (sources.read_benchmarks, sources.BENCHMARK_COLUMNS, ["benchmark_id"]),
        (sources.read_scores, sources.SCORE_COLUMNS, ["model_id", "benchmark_id", "source"]),
        (sources.read_gpu_prices, sources.GPU_PRICE_COLUMNS, None),
        (sources.read_throughput, sources.THROUGHPUT_COLUMNS, None),
    ],
)
def test_reader_shape(reader: object, columns: list[str], key: list[str] | None) -> None:
    frame = reader(DATA_DIR)  # type: ignore[operator]
    assert list(frame.columns) == columns
    assert len(frame) > 0
    if key is not None:
        assert not frame.duplicated(key).any()


def test_models() -> None:
    models = sources.read_models(DATA_DIR)
    row = models.set_index("model_id").loc["llama-3.3-70b-instruct"]
    assert row["organisation"] == "Meta"
    assert row["family"] == "llama-3.3"
    assert row["release_date"] == dt.date(2024, 12, 6)
    assert row["open_weights"] is True
    assert row["source"].startswith("llm-stats")
    assert row["as_of"] == dt.date(2025, 10, 16)
    gpt = models.set_index("model_id").loc["gpt-4o-2024-08-06"]
    assert gpt["open_weights"] is False
    qwen_base = models.set_index("model_id").loc["qwen2.5-72b"]
    assert qwen_base["param_count_b"] == pytest.approx(72.7, abs=0.1)
    assert models["context_tokens"].dtype == "Int64"


def test_aliases_cover_every_source() -> None:
    aliases = sources.read_aliases(DATA_DIR)
    expected = {
        "llm-stats",
        "lmarena",
        "open-llm-leaderboard",
        "epoch",
        "trtllm",
        "nim",
        "serving-reference",
        "llm-prices",
    }
    assert expected <= set(aliases["source"])
    lookup = aliases.set_index(["source", "alias"])["model_id"]
    assert lookup[("trtllm", "Llama 3.1 8B")] == "llama-3.1-8b-instruct"
    assert lookup[("lmarena", "Claude Opus 4 (20250514)")] == "claude-opus-4"
    assert lookup[("epoch", "Llama-3.1-405B")] == "llama-3.1-405b"  # Epoch's base model stays base


def test_benchmarks_registry() -> None:
    benchmarks = sources.read_benchmarks().set_index("benchmark_id")
    for benchmark_id in (
        "gpqa_diamond",
        "mmlu",
        "mmlu_pro",
        "math",
        "math_level_5",
        "humaneval",
        "gsm8k",
        "ifeval",
        "livecodebench",
        "aime_2025",
        "swe_bench_verified",
        "livebench",
        "aider_polyglot",
        "arena_elo",
        "ollb_average",
        "ollb_mmlu_pro",
    ):
        assert benchmark_id in benchmarks.index
    assert benchmarks.loc["arena_elo", "scale"] == "elo"
    assert set(benchmarks["scale"]) == {"percent", "elo"}
    assert "gpqa" not in benchmarks.index


def test_scores_on_sane_scales(scores: pd.DataFrame) -> None:
    scales = sources.read_benchmarks().set_index("benchmark_id")["scale"]
    scale = scores["benchmark_id"].map(scales)
    assert scale.notna().all()
    percent = scores.loc[scale == "percent", "score"]
    elo = scores.loc[scale == "elo", "score"]
    assert percent.between(0, 100).all()
    assert elo.between(800, 2000).all()
    assert scores["self_reported"].dtype == bool
    expected_sources = {
        "llm-stats",
        "LMArena",
        "Open LLM Leaderboard v2",
        "Epoch AI Benchmarking Hub",
        "Artificial Analysis via Epoch AI",
    }
    assert expected_sources <= set(scores["source"])
    assert scores["source"].str.startswith("Epoch AI (external:").any()


def test_score_spot_values(scores: pd.DataFrame) -> None:
    key = scores.set_index(["model_id", "benchmark_id", "source"])
    arena = key.loc[("gemini-2.5-pro", "arena_elo", "LMArena")]
    assert arena["score"] == 1470
    assert arena["raw_model_name"] == "Gemini-2.5-Pro"
    assert not arena["self_reported"]
    # each reasoning-effort run is its own model, scored as itself (never merged into the base, best kept)
    high = key.loc[("gpt-5.1:high", "gpqa_diamond", "Epoch AI Benchmarking Hub")]
    medium = key.loc[("gpt-5.1:medium", "gpqa_diamond", "Epoch AI Benchmarking Hub")]
    assert (high["score"], medium["score"]) == (pytest.approx(87.6), pytest.approx(85.0))
    assert high["raw_model_name"] == "gpt-5.1_high"
    assert ("gpt-5.1", "gpqa_diamond", "Epoch AI Benchmarking Hub") not in key.index
    o3 = key.loc[("o3:high", "frontiermath_private", "Epoch AI Benchmarking Hub")]
    assert o3["raw_model_name"] == "o3-2025-04-16_high"
    stats = key.loc[("jamba-1.5-large", "gpqa_diamond", "llm-stats")]
    assert stats["score"] == pytest.approx(36.9)
    assert stats["self_reported"]
    ollb = key.loc[("yi-1.5-34b", "ollb_average", "Open LLM Leaderboard v2")]
    assert ollb["score"] == pytest.approx(25.646, abs=1e-3)
    helm = scores["source"] == "Epoch AI (external: HELM)"
    mmlu = scores[helm & (scores["model_id"] == "nova-lite") & (scores["benchmark_id"] == "mmlu")]
    assert mmlu["score"].iloc[0] == pytest.approx(77.0)


def test_gpu_prices() -> None:
    prices = sources.read_gpu_prices(DATA_DIR)
    assert set(prices["price_type"]) <= {"on-demand", "reserved", "spot", "marketplace"}
    assert prices["usd_per_gpu_hour"].gt(0).all()
    aws = prices[(prices["provider"] == "AWS") & (prices["as_of"] == dt.date(2025, 5, 31))]
    assert aws["usd_per_gpu_hour"].iloc[0] == pytest.approx(98.32 / 8)
    assert aws["gpu"].iloc[0] == "H100 SXM"
    gix = prices[prices["provider"] == "GIX index"]
    assert len(gix) == 44  # 52 days x GPUs less 8 withheld
    prime = prices[prices["provider"] == "Prime Intellect marketplace (median)"]
    assert {"A100 80GB PCIe", "A100 80GB SXM", "H100 PCIe", "H100 SXM", "H200", "B200", "GH200"} == set(prime["gpu"])
    assert (prices.loc[prices["provider"] == "Lambda", "as_of"].dropna() == dt.date(2026, 3, 1)).all()


def test_throughput() -> None:
    throughput = sources.read_throughput(DATA_DIR)
    trt = throughput[
        (throughput["engine"] == "TensorRT-LLM")
        & (throughput["model_id"] == "llama-4-scout")
        & (throughput["gpu"] == "H200")
        & (throughput["input_tokens"] == 128)
        & (throughput["output_tokens"] == 128)
    ]
    assert len(trt) == 1
    assert trt["output_tokens_per_s"].iloc[0] == 30354
    assert trt["gpu_count"].iloc[0] == 4
    assert trt["concurrency"].iloc[0] == "max"
    nim = throughput[(throughput["engine"] == "NIM 1.8.0") & (throughput["concurrency"] == "25")]
    assert nim["output_tokens_per_s"].iloc[0] == pytest.approx(623.4)
    assert nim["ttft_ms"].iloc[0] == pytest.approx(688.69)
    assert bool(nim["config_verified"].iloc[0])
    assert not throughput.loc[throughput["engine"] == "NIM 1.5.0", "config_verified"].any()
    assert set(throughput["concurrency"]) >= {"max", "saturation", "offline", "1"}
    assert throughput["output_tokens_per_s"].gt(0).all()
    assert throughput["gpu_count"].dtype.kind == "i"
