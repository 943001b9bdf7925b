"""Pure readers of the shipped seed CSVs (data/*.csv), each returning a tidy DataFrame for the store.

Every reader takes the data folder, reads with encoding="utf-8-sig" (some headers carry a BOM), puts
model names through `pricing.identity.canonical_model_id`, keeps where each fact came from (source,
source_url, raw_model_name) and returns exactly the columns of the matching store table. Nothing here
touches the database or the network. Origins and snapshot dates are in data/SOURCES.md.

Choices documented here rather than in the data:
- Scores are on the benchmark's own scale: accuracy-type benchmarks in percent (0-100; llm-stats and
  Epoch fractions are multiplied by 100), arena_elo in Elo points.
- Open LLM Leaderboard v2 scores are the leaderboard's *normalized* scores (what its table showed:
  chance level rescaled to 0), under their own ollb_* ids because its harness differs from vendors'.
- Dated snapshots a maker shipped separately and reasoning-effort/thinking variants are their own models
  (see `pricing.identity`). Where a source still has several rows for one canonical model (the Open LLM
  Leaderboard's precision runs, two spellings of one snapshot), the best score is kept and its raw
  spelling is raw_model_name.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pricing.identity import (
    canonical_gpu,
    canonical_model_id,
    family_of,
    organisation_of,
    resolve_model,
    split_variant,
)
from pricing.store import TABLE_COLUMNS

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

# The store's column lists, so each reader returns exactly what its table takes.
MODEL_COLUMNS = list(TABLE_COLUMNS["models"])
ALIAS_COLUMNS = list(TABLE_COLUMNS["model_aliases"])
BENCHMARK_COLUMNS = list(TABLE_COLUMNS["benchmarks"])
SCORE_COLUMNS = list(TABLE_COLUMNS["scores"])
GPU_PRICE_COLUMNS = list(TABLE_COLUMNS["gpu_prices"])
THROUGHPUT_COLUMNS = list(TABLE_COLUMNS["throughput"])

# Snapshot dates of each source (data/SOURCES.md).
LLM_STATS_AS_OF = dt.date(2025, 10, 16)
LMARENA_AS_OF = dt.date(2025, 8, 4)
OLLB_AS_OF = dt.date(2025, 3, 21)
EPOCH_AS_OF = dt.date(2025, 11, 17)

LLM_STATS = "llm-stats"
LMARENA = "LMArena"
OLLB = "Open LLM Leaderboard v2"
EPOCH_HUB = "Epoch AI Benchmarking Hub"
ARTIFICIAL_ANALYSIS = "Artificial Analysis via Epoch AI"

LLM_STATS_REPO = (
    "https://github.com/JonathanChavezTamales/llm-leaderboard/blob/24a9ccf7402306f0c3e237213538e4537d64ecc2/"
)
LMARENA_URL = "https://github.com/fboulnois/llm-leaderboard-csv/blob/44db9588e2b0d12fff17d6e607066746f0fa84d5/csv/lmarena_text.csv"
OLLB_URL = "https://github.com/fboulnois/llm-leaderboard-csv/blob/b2d67d9157535832a3adb35773f3a7c49425059a/csv/huggingface_v2.csv"
EPOCH_REPO = "https://github.com/epoch-research/benchmark-stitching/blob/f87d3cc8e8a8f8471be475ebce58fb9a73b4e756/"
AA_URL = (
    "https://github.com/epoch-research/llm-benchmark-efficiency/blob/"
    "34b923314338360d1b1bbed6ec30d9299e54fdae/data/aa_data_with_math5.csv"
)
TRTLLM_URL = (
    "https://github.com/NVIDIA/TensorRT-LLM/blob/00f37686aa854010d68bcbd0f4ab000221541ca6/"
    "docs/source/performance/perf-overview.md"
)

# Benchmarks that are the same test across sources, with the ids they share.
_SHARED_BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "gpqa_diamond": ("GPQA Diamond", "percent", "Graduate-level science questions, diamond subset (accuracy)."),
    "mmlu": ("MMLU", "percent", "Massive Multitask Language Understanding, 57 subjects (accuracy)."),
    "mmlu_pro": ("MMLU-Pro", "percent", "Harder 10-choice MMLU successor (accuracy)."),
    "math": ("MATH", "percent", "Competition mathematics (accuracy)."),
    "math_500": ("MATH-500", "percent", "500-problem subset of MATH (accuracy)."),
    "math_level_5": ("MATH Level 5", "percent", "Hardest level of MATH (accuracy)."),
    "humaneval": ("HumanEval", "percent", "Python function synthesis (pass@1)."),
    "gsm8k": ("GSM8K", "percent", "Grade-school math word problems (accuracy)."),
    "ifeval": ("IFEval", "percent", "Verifiable instruction following (accuracy)."),
    "livecodebench": ("LiveCodeBench", "percent", "Recent competitive-programming problems (pass@1)."),
    "aime_2025": ("AIME 2025", "percent", "American Invitational Mathematics Examination 2025 (accuracy)."),
    "swe_bench_verified": ("SWE-bench Verified", "percent", "Resolved real GitHub issues, verified subset."),
    "livebench": ("LiveBench", "percent", "Contamination-limited benchmark, global average."),
    "aider_polyglot": ("Aider Polyglot", "percent", "Aider's multi-language code-editing exercises (% correct)."),
    "arena_elo": ("Arena Elo", "elo", "Chatbot Arena / LMArena text Elo from human pairwise votes."),
    "otis_mock_aime": ("OTIS Mock AIME 2024-2025", "percent", "Epoch AI run of OTIS mock AIME problems."),
    "frontiermath_private": ("FrontierMath (tiers 1-3, private)", "percent", "Epoch AI FrontierMath, private set."),
    "frontiermath_public": ("FrontierMath (tiers 1-3, public)", "percent", "Epoch AI FrontierMath, public set."),
    "frontiermath_tier4_private": ("FrontierMath Tier 4 (private)", "percent", "Epoch AI FrontierMath tier 4."),
    "frontiermath_tier4_public": ("FrontierMath Tier 4 (public)", "percent", "Epoch AI FrontierMath tier 4."),
}
_OLLB_BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "ollb_average": ("model_average_score", "Open LLM Leaderboard v2 average", "Mean of the six normalized scores."),
    "ollb_ifeval": ("ifeval_normalized", "OLLB IFEval", "IFEval in the OLLB v2 harness (normalized)."),
    "ollb_bbh": ("bbh_normalized", "OLLB BBH", "BIG-Bench Hard in the OLLB v2 harness (normalized)."),
    "ollb_math_lvl5": ("math_normalized", "OLLB MATH Lvl 5", "MATH level 5 in the OLLB v2 harness (normalized)."),
    "ollb_gpqa": ("gpqa_normalized", "OLLB GPQA", "GPQA in the OLLB v2 harness (normalized)."),
    "ollb_musr": ("musr_normalized", "OLLB MuSR", "Multistep soft reasoning in the OLLB v2 harness (normalized)."),
    "ollb_mmlu_pro": ("mmlu_pro_normalized", "OLLB MMLU-Pro", "MMLU-Pro in the OLLB v2 harness (normalized)."),
}
# llm-stats ids that name a shared benchmark under another spelling.
_LLM_STATS_BENCHMARK_IDS = {"gpqa": "gpqa_diamond", "big-bench-hard": "bbh", "humanity's-last-exam": "hle"}
_EPOCH_TASKS = {
    "GPQA diamond": "gpqa_diamond",
    "MATH level 5": "math_level_5",
    "OTIS Mock AIME 2024-2025": "otis_mock_aime",
    "SWE-Bench verified": "swe_bench_verified",
    "FrontierMath-2025-02-28-Private": "frontiermath_private",
    "FrontierMath-2025-02-28-Public": "frontiermath_public",
    "FrontierMath-Tier-4-2025-07-01-Private": "frontiermath_tier4_private",
    "FrontierMath-Tier-4-2025-07-01-Public": "frontiermath_tier4_public",
}
_AA_BENCHMARKS = {
    "MMLU": "mmlu",
    "GPQA Diamond": "gpqa_diamond",
    "HumanEval": "humaneval",
    "MATH-500": "math_500",
    "LMSys Chatbot Arena ELO": "arena_elo",
    "MATH 5": "math_level_5",
}
# Words in a compilation's source that name the developer reporting on its own models.
_REPORT_ORGANISATIONS = {
    "qwen": "Alibaba/Qwen",
    "llama": "Meta",
    "phi-": "Microsoft",
    "textbooks are all you need": "Microsoft",
    "nemotron": "NVIDIA",
    "mixtral": "Mistral",
    "gemma": "Google",
    "gopher": "Google",
    "deepseek": "DeepSeek",
    "claude": "Anthropic",
    "gpt-4": "OpenAI",
    "falcon": "TII",
    "yi:": "01.AI",
}
_LLM_STATS_ORGANISATIONS = {
    "ai21": "AI21",
    "amazon": "Amazon",
    "cohere": "Cohere",
    "ibm": "IBM",
    "moonshotai": "Moonshot AI",
    "zai-org": "Z.ai",
    "xai": "xAI",
    "google": "Google",
    "meta": "Meta",
    "openai": "OpenAI",
}


def _read(data_dir: Path, name: str, **kwargs: object) -> pd.DataFrame:
    """Read one shipped CSV, tolerating a BOM in the header."""
    return pd.read_csv(data_dir / name, encoding="utf-8-sig", **kwargs)


def _text(value: object) -> str | None:
    """A stripped string, or None for NaN/empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _best_per_key(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Keep, per key, the row with the highest score."""
    ordered = frame.sort_values("score", ascending=False, kind="stable")
    return ordered.drop_duplicates(key, keep="first").reset_index(drop=True)


def _date(value: object) -> dt.date | None:
    """Parse a date-like value to datetime.date, None when missing or unparsable."""
    text = _text(value)
    if text is None:
        return None
    parsed = pd.to_datetime(text, errors="coerce")
    return None if pd.isna(parsed) else parsed.date()


def _epoch_raw_name(model_version: str, hf_org: str | None) -> str:
    """Epoch's version id, prefixed with its Hugging Face org so repository-style names keep base/instruct."""
    return f"{hf_org}/{model_version}" if hf_org and "/" not in model_version else model_version


def _epoch_hf_orgs(data_dir: Path) -> dict[str, str]:
    """Epoch model-version id -> Hugging Face developer id, where Epoch records one."""
    versions = _read(data_dir, "epoch_model_versions.csv", dtype=str)
    orgs = versions.dropna(subset=["Hugging Face developer id"])
    return {str(k).strip(): str(v).strip() for k, v in zip(orgs["id"], orgs["Hugging Face developer id"], strict=True)}


def _epoch_spelling(model_version: str, hf_orgs: dict[str, str]) -> str:
    """An Epoch model version as a spelling identity resolves: with its Hugging Face org, variant kept."""
    base, _ = split_variant(model_version)
    return _epoch_raw_name(model_version.strip(), hf_orgs.get(base.strip()))


def _epoch_canonical(model_version: str, hf_orgs: dict[str, str]) -> str:
    """Canonical id of an Epoch model version (a reasoning-effort run is its own variant model)."""
    return canonical_model_id(_epoch_spelling(model_version, hf_orgs))


def _llm_stats_models(data_dir: Path) -> pd.DataFrame:
    """Model facts from llm-stats."""
    raw = _read(data_dir, "llmstats_models.csv", dtype=str)
    prices = _read(data_dir, "llmstats_provider_prices.csv")
    prices["model_id"] = prices["model_id"].map(canonical_model_id)
    context = prices.groupby("model_id")["max_input_tokens"].max()
    licence = raw["license_id"].fillna("")
    frame = pd.DataFrame(
        {
            "model_id": raw["model_id"].map(canonical_model_id),
            "display_name": raw["name"],
            "organisation_hint": raw["organization_id"].map(lambda o: _LLM_STATS_ORGANISATIONS.get(o, o)),
            "param_count_b": pd.to_numeric(raw["param_count"], errors="coerce") / 1e9,
            "open_weights": [None if not lic else lic != "proprietary" for lic in licence],
            "licence": raw["license_id"],
            "release_date": raw["release_date"].map(_date),
            "source": LLM_STATS,
            "as_of": LLM_STATS_AS_OF,
        }
    )
    frame["context_tokens"] = frame["model_id"].map(context)
    return frame


def _ollb_models(data_dir: Path) -> pd.DataFrame:
    """Model facts from the Open LLM Leaderboard v2 (all open weights)."""
    raw = _read(data_dir, "open_llm_leaderboard_v2_official.csv")
    return pd.DataFrame(
        {
            "model_id": raw["model_name"].map(canonical_model_id),
            "display_name": raw["model_name"],
            "organisation_hint": raw["model_name"].str.split("/").str[0],
            "param_count_b": pd.to_numeric(raw["metadata_params_billions"], errors="coerce"),
            "open_weights": True,
            "licence": raw["metadata_hub_license"],
            "release_date": None,
            "source": "open-llm-leaderboard",
            "as_of": OLLB_AS_OF,
        }
    )


def _lmarena_models(data_dir: Path) -> pd.DataFrame:
    """Model facts from LMArena (organisation, licence)."""
    raw = _read(data_dir, "lmarena_text_leaderboard.csv", dtype=str)
    licence = raw["license"].fillna("")
    return pd.DataFrame(
        {
            "model_id": raw["model"].map(canonical_model_id),
            "display_name": raw["model"],
            "organisation_hint": raw["organization"],
            "param_count_b": np.nan,
            "open_weights": [None if not lic else lic.lower() != "proprietary" for lic in licence],
            "licence": raw["license"],
            "release_date": None,
            "source": "lmarena",
            "as_of": LMARENA_AS_OF,
        }
    )


def _epoch_models(data_dir: Path) -> pd.DataFrame:
    """Model facts from Epoch's model versions (release dates)."""
    raw = _read(data_dir, "epoch_model_versions.csv", dtype=str)
    hf_orgs = _epoch_hf_orgs(data_dir)
    ids = raw["id"].astype(str).str.strip()
    display = raw["Display name"].fillna(raw["id"])
    return pd.DataFrame(
        {
            "model_id": [_epoch_canonical(i, hf_orgs) for i in ids],
            "display_name": display,
            "organisation_hint": None,
            "param_count_b": np.nan,
            "open_weights": None,
            "licence": None,
            "release_date": raw["Version release date"].map(_date),
            "source": "epoch",
            "as_of": EPOCH_AS_OF,
        }
    )


def read_models(data_dir: Path) -> pd.DataFrame:
    """One row per canonical model: llm-stats first, gaps filled from OLLB, LMArena, then Epoch."""
    parts = [_llm_stats_models(data_dir), _ollb_models(data_dir), _lmarena_models(data_dir), _epoch_models(data_dir)]
    stacked = pd.concat([p.drop_duplicates("model_id") for p in parts], ignore_index=True)
    stacked = stacked[stacked["model_id"].str.len() > 0]
    fill = ["display_name", "organisation_hint", "param_count_b", "open_weights", "licence", "release_date"]
    rows = []
    for model_id, group in stacked.groupby("model_id", sort=True):
        row: dict[str, object] = {"model_id": model_id}
        contributors: list[str] = []
        for column in fill:
            values = [v for v in group[column] if _text(v) is not None]
            row[column] = values[0] if values else None
        for source, values in zip(group["source"], group[fill].itertuples(index=False), strict=True):
            if any(_text(v) is not None for v in values) and source not in contributors:
                contributors.append(source)
        contexts = group["context_tokens"].dropna() if "context_tokens" in group else pd.Series(dtype=float)
        row["context_tokens"] = contexts.iloc[0] if len(contexts) else None
        row["source"] = " + ".join(contributors or [str(group["source"].iloc[0])])
        row["as_of"] = group["as_of"].iloc[0]
        rows.append(row)
    models = _variants_inherit_facts(pd.DataFrame(rows), fill)
    models["family"] = models["model_id"].map(family_of)
    models["organisation"] = [
        organisation_of(m) or _text(hint)
        for m, hint in zip(models["model_id"], models["organisation_hint"], strict=True)
    ]
    models["param_count_b"] = pd.to_numeric(models["param_count_b"], errors="coerce").astype(float)
    models["open_weights"] = models["open_weights"].astype(object).where(models["open_weights"].notna(), None)
    models["context_tokens"] = pd.to_numeric(models["context_tokens"], errors="coerce").astype("Int64")
    return models[MODEL_COLUMNS].reset_index(drop=True)


def _variants_inherit_facts(models: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A reasoning variant ("o3-mini:high") runs its base model's weights: missing facts come from the base."""
    base_ids = models["model_id"].str.split(":", n=1).str[0]
    is_variant = models["model_id"] != base_ids
    if not is_variant.any():
        return models
    facts = models[~is_variant].set_index("model_id")
    for column in [*columns, "context_tokens"]:
        inherited = base_ids[is_variant].map(facts[column]) if column in facts else None
        if inherited is not None:
            missing = is_variant & models[column].isna()
            models.loc[missing, column] = inherited[missing[is_variant]]
    labels = models.loc[is_variant, "model_id"].str.split(":", n=1).str[1]
    names = base_ids[is_variant].map(facts["display_name"]).fillna(base_ids[is_variant])
    models.loc[is_variant, "display_name"] = names + " (" + labels + ")"
    return models


def _alias_rows(source: str, spellings: pd.Series, hf_orgs: dict[str, str] | None = None) -> pd.DataFrame:
    """(alias, source, model_id, rule, loose, reason) for each distinct spelling; refused ones have no model_id."""
    names = sorted({s for s in (_text(v) for v in spellings) if s})
    resolved = [resolve_model(n if hf_orgs is None else _epoch_spelling(n, hf_orgs)) for n in names]
    return pd.DataFrame(
        {
            "alias": names,
            "source": source,
            "model_id": [r.model_id for r in resolved],
            "rule": [r.rule for r in resolved],
            "loose": [r.loose for r in resolved],
            "reason": [r.reason for r in resolved],
        },
        columns=ALIAS_COLUMNS,
    )


def read_aliases(data_dir: Path) -> pd.DataFrame:
    """Every raw model spelling in every shipped file, with the canonical id it maps to."""
    hf_orgs = _epoch_hf_orgs(data_dir)
    llm_stats = pd.concat(
        [
            _read(data_dir, "llmstats_models.csv", dtype=str)["model_id"],
            _read(data_dir, "llmstats_models.csv", dtype=str)["name"],
            _read(data_dir, "llmstats_benchmarks_long.csv", dtype=str)["model_id"],
            _read(data_dir, "llmstats_provider_prices.csv", dtype=str)["model_id"],
        ]
    )
    epoch_names = [
        _read(data_dir, "epoch_model_versions.csv", dtype=str)["id"],
        _read(data_dir, "epoch_benchmarks_runs_slim.csv", dtype=str)["model_version"],
    ]
    for spec in EPOCH_EXTERNAL_FILES:
        epoch_names.append(_read(data_dir, spec.shipped_name, dtype=str)["Model version"])
    aa_names = [_read(data_dir, "epoch_llm_efficiency_aa_data_with_math5.csv", dtype=str)["Model Name"]]
    for name in ("epoch_price_decline_frontier_points.csv", "epoch_price_decline_other_models.csv"):
        aa_names.append(_read(data_dir, name, dtype=str)["Model Name"])
    trt = _read(data_dir, "trtllm_throughput_perf_overview.csv", dtype=str)
    prices = _read(data_dir, "simonw_llm_prices_history.csv", dtype=str)
    parts = [
        _alias_rows("llm-stats", llm_stats),
        _alias_rows("lmarena", _read(data_dir, "lmarena_text_leaderboard.csv", dtype=str)["model"]),
        _alias_rows("open-llm-leaderboard", _read(data_dir, "open_llm_leaderboard_v2_official.csv")["model_name"]),
        _alias_rows("epoch", pd.concat(epoch_names), hf_orgs),
        _alias_rows("epoch", pd.concat(aa_names)),
        _alias_rows("trtllm", trt["hf_model_family"]),
        _alias_rows("nim", _read(data_dir, "nim_llm_benchmarking_throughput.csv", dtype=str)["model"]),
        _alias_rows("serving-reference", _read(data_dir, "serving_throughput_reference.csv", dtype=str)["model"]),
        _alias_rows("llm-prices", prices["model_id"]),
    ]
    # TRT-LLM's short names ("Llama 3.1 8B") stand for the HF model beside them
    trt_pairs = trt[["model", "hf_model_family"]].drop_duplicates()
    short = [resolve_model(name) for name in trt_pairs["hf_model_family"]]
    parts.append(
        pd.DataFrame(
            {
                "alias": trt_pairs["model"],
                "source": "trtllm",
                "model_id": [r.model_id for r in short],
                "rule": "curated",
                "loose": False,
                "reason": [f"TensorRT-LLM's table names {name} beside it" for name in trt_pairs["hf_model_family"]],
            }
        )
    )
    aliases = pd.concat(parts, ignore_index=True)
    return aliases.drop_duplicates(["source", "alias"]).reset_index(drop=True)[ALIAS_COLUMNS]


def _llm_stats_benchmark_id(raw_id: str) -> str:
    """The registry id of an llm-stats benchmark id."""
    return _LLM_STATS_BENCHMARK_IDS.get(raw_id, re.sub(r"[^a-z0-9]+", "_", raw_id.lower()).strip("_"))


def read_benchmarks(data_dir: Path = DATA_DIR, min_llm_stats_models: int = 10) -> pd.DataFrame:
    """The benchmark registry: shared ids, OLLB's own ids, and llm-stats benchmarks with enough models."""
    rows = [
        {"benchmark_id": b, "name": n, "scale": s, "higher_is_better": True, "description": d}
        for b, (n, s, d) in _SHARED_BENCHMARKS.items()
    ]
    rows += [
        {"benchmark_id": b, "name": n, "scale": "percent", "higher_is_better": True, "description": d}
        for b, (_, n, d) in _OLLB_BENCHMARKS.items()
    ]
    known = {r["benchmark_id"] for r in rows}
    llm_stats = _read(data_dir, "llmstats_benchmarks_long.csv", dtype=str)
    counts = llm_stats.groupby("benchmark_id").agg(models=("model_id", "nunique"), name=("benchmark_name", "first"))
    for raw_id, entry in counts[counts["models"] >= min_llm_stats_models].iterrows():
        benchmark_id = _llm_stats_benchmark_id(str(raw_id))
        if benchmark_id not in known:
            known.add(benchmark_id)
            rows.append(
                {
                    "benchmark_id": benchmark_id,
                    "name": entry["name"],
                    "scale": "percent",
                    "higher_is_better": True,
                    "description": f"{entry['name']} as reported on llm-stats ({entry['models']} models).",
                }
            )
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)


def _llm_stats_scores(data_dir: Path, benchmark_ids: set[str]) -> pd.DataFrame:
    """llm-stats scores (mostly vendor self-reported), fractions turned into percent."""
    raw = _read(data_dir, "llmstats_benchmarks_long.csv")
    raw["benchmark"] = raw["benchmark_id"].astype(str).map(_llm_stats_benchmark_id)
    raw = raw[raw["benchmark"].isin(benchmark_ids) & raw["score"].between(0, 1)]
    paths = raw["source"].astype(str).str.split(":", n=1).str[1]
    url = raw["self_reported_source_link"].where(raw["self_reported_source_link"].notna(), LLM_STATS_REPO + paths)
    return pd.DataFrame(
        {
            "model_id": raw["model_id"].map(canonical_model_id),
            "benchmark_id": raw["benchmark"],
            "score": raw["score"].astype(float) * 100.0,
            "self_reported": raw["is_self_reported"].astype(str).str.lower().eq("true"),
            "source": LLM_STATS,
            "source_url": url,
            "raw_model_name": raw["model_id"],
            "as_of": LLM_STATS_AS_OF,
        }
    )


def _lmarena_scores(data_dir: Path) -> pd.DataFrame:
    """LMArena text Elo (independent, from human votes)."""
    raw = _read(data_dir, "lmarena_text_leaderboard.csv")
    return pd.DataFrame(
        {
            "model_id": raw["model"].map(canonical_model_id),
            "benchmark_id": "arena_elo",
            "score": pd.to_numeric(raw["arena_score"], errors="coerce"),
            "self_reported": False,
            "source": LMARENA,
            "source_url": LMARENA_URL,
            "raw_model_name": raw["model"],
            "as_of": LMARENA_AS_OF,
        }
    )


def _ollb_scores(data_dir: Path) -> pd.DataFrame:
    """Open LLM Leaderboard v2 normalized scores, one row per run and benchmark."""
    raw = _read(data_dir, "open_llm_leaderboard_v2_official.csv")
    parts = []
    for benchmark_id, (column, _, _) in _OLLB_BENCHMARKS.items():
        parts.append(
            pd.DataFrame(
                {
                    "model_id": raw["model_name"].map(canonical_model_id),
                    "benchmark_id": benchmark_id,
                    "score": pd.to_numeric(raw[column], errors="coerce"),
                    "self_reported": False,
                    "source": OLLB,
                    "source_url": OLLB_URL,
                    "raw_model_name": raw["model_name"] + " (" + raw["model_precision"].astype(str) + ")",
                    "as_of": OLLB_AS_OF,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _epoch_hub_scores(data_dir: Path, hf_orgs: dict[str, str]) -> pd.DataFrame:
    """Epoch AI Benchmarking Hub runs that succeeded (independent)."""
    raw = _read(data_dir, "epoch_benchmarks_runs_slim.csv")
    raw = raw[raw["status"].astype(str).str.strip().eq("Success") & raw["task"].isin(list(_EPOCH_TASKS))]
    started = pd.to_datetime(raw["started_at"], format="%d %B %Y %I:%M%p", errors="coerce")
    return pd.DataFrame(
        {
            "model_id": [_epoch_canonical(m, hf_orgs) for m in raw["model_version"].astype(str)],
            "benchmark_id": raw["task"].map(_EPOCH_TASKS),
            "score": pd.to_numeric(raw["best_score"], errors="coerce") * 100.0,
            "self_reported": False,
            "source": EPOCH_HUB,
            "source_url": EPOCH_REPO + "data/benchmarks_runs.csv",
            "raw_model_name": raw["model_version"],
            "as_of": [d.date() if not pd.isna(d) else EPOCH_AS_OF for d in started],
        }
    )


def _clean_report_name(source: str) -> str:
    """Tidy a compilation's source name (typos, doubled strings)."""
    text = source.strip().replace("Standford", "Stanford")
    half = len(text) // 2
    if len(text) % 2 == 0 and text[:half] == text[half:]:
        text = text[:half]
    return "HELM" if "HELM" in text or "CRFM" in text else text


def _is_self_report(report: str, model_id: str) -> bool:
    """True when a technical report comes from the developer of the model it scores."""
    lowered = report.lower()
    organisation = organisation_of(model_id)
    return any(word in lowered and organisation == org for word, org in _REPORT_ORGANISATIONS.items())


def _parse_percent(value: object) -> float:
    """'63.3%' or 63.3 -> 63.3; NaN when missing."""
    text = _text(value)
    if text is None:
        return float("nan")
    try:
        return float(text.rstrip("%").strip())
    except ValueError:
        return float("nan")


@dataclass(frozen=True)
class EpochExternalFile:
    """One of Epoch's compilations of external results: its file, benchmark, score column and name fallback."""

    file_key: str  # data/epoch_external_benchmark_<file_key>.csv; Epoch publishes external_benchmark_<file_key>.csv
    benchmark_id: str
    score_column: str  # a percentage, written '63.3%' or 63.3
    fallback_name_column: str | None  # where a row without a model version names its model

    @property
    def shipped_name(self) -> str:
        """The shipped file's name under data/."""
        return f"epoch_external_benchmark_{self.file_key}.csv"


# Every such score's source reads "Epoch AI (external: <report>)"; a refresh owns this prefix per benchmark.
EPOCH_EXTERNAL_PREFIX = "Epoch AI (external: "
EPOCH_EXTERNAL_FILES = (
    EpochExternalFile("mmlu", "mmlu", "EM", "Name"),
    EpochExternalFile("gsm8k", "gsm8k", "EM", "Name"),
    EpochExternalFile("livebench", "livebench", "Global average", "id"),
    EpochExternalFile("aider_polyglot", "aider_polyglot", "Percent correct", None),
)


def epoch_external_file_scores(data_dir: Path, spec: EpochExternalFile, hf_orgs: dict[str, str]) -> pd.DataFrame:
    """One Epoch compilation's scores (dated by the shipped snapshot; a refresh re-dates them)."""
    raw = _read(data_dir, spec.shipped_name, dtype=str)
    version = raw["Model version"].map(_text)
    if spec.fallback_name_column is not None:
        version = version.where(version.notna(), raw[spec.fallback_name_column].map(_text))
    reports = raw["Source"].fillna("").map(_clean_report_name)
    ids = [_epoch_canonical(v, hf_orgs) if v else "" for v in version.fillna("")]
    return pd.DataFrame(
        {
            "model_id": ids,
            "benchmark_id": spec.benchmark_id,
            "score": raw[spec.score_column].map(_parse_percent),
            "self_reported": [_is_self_report(r, m) for r, m in zip(reports, ids, strict=True)],
            "source": [f"{EPOCH_EXTERNAL_PREFIX}{r or 'unknown'})" for r in reports],
            "source_url": raw["Source link"].map(_text),  # the report's own link; None where the row gives none
            "raw_model_name": version,
            "as_of": EPOCH_AS_OF,
        }
    )


def _epoch_external_scores(data_dir: Path, hf_orgs: dict[str, str]) -> pd.DataFrame:
    """Epoch's compilations of external results (HELM, technical reports, LiveBench, Aider)."""
    scores = pd.concat([epoch_external_file_scores(data_dir, spec, hf_orgs) for spec in EPOCH_EXTERNAL_FILES])
    scores["source_url"] = scores["source_url"].fillna(EPOCH_REPO + "data/")
    return scores.reset_index(drop=True)


def _aa_scores(data_dir: Path) -> pd.DataFrame:
    """Artificial Analysis figures as used by Epoch AI (independent)."""
    raw = _read(data_dir, "epoch_llm_efficiency_aa_data_with_math5.csv")
    as_of = pd.to_datetime(raw["Release Date"], errors="coerce").max().date()
    parts = []
    for column, benchmark_id in _AA_BENCHMARKS.items():
        parts.append(
            pd.DataFrame(
                {
                    "model_id": raw["Model Name"].map(canonical_model_id),
                    "benchmark_id": benchmark_id,
                    "score": pd.to_numeric(raw[column], errors="coerce"),
                    "self_reported": False,
                    "source": ARTIFICIAL_ANALYSIS,
                    "source_url": AA_URL,
                    "raw_model_name": raw["Model Name"],
                    "as_of": as_of,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def read_scores(data_dir: Path) -> pd.DataFrame:
    """Benchmark scores from every source, best per (model_id, benchmark_id, source), on the benchmark's scale."""
    benchmark_ids = set(read_benchmarks(data_dir)["benchmark_id"])
    hf_orgs = _epoch_hf_orgs(data_dir)
    scores = pd.concat(
        [
            _llm_stats_scores(data_dir, benchmark_ids),
            _lmarena_scores(data_dir),
            _ollb_scores(data_dir),
            _epoch_hub_scores(data_dir, hf_orgs),
            _epoch_external_scores(data_dir, hf_orgs),
            _aa_scores(data_dir),
        ],
        ignore_index=True,
    )
    scores = scores[scores["score"].notna() & (scores["model_id"].str.len() > 0)]
    scores = scores[scores["benchmark_id"].isin(benchmark_ids)]
    scores["self_reported"] = scores["self_reported"].astype(bool)
    scores["score"] = scores["score"].astype(float)
    return _best_per_key(scores, ["model_id", "benchmark_id", "source"])[SCORE_COLUMNS]


def _price_type(raw: str) -> str:
    """Normalise a price-type description to on-demand / reserved / spot / marketplace."""
    lowered = raw.lower()
    for word in ("marketplace", "reserved", "on-demand", "spot"):
        if lowered.startswith(word) or (word != "spot" and word in lowered):
            return word
    return "on-demand"


def _reference_as_of(raw: str) -> dt.date | None:
    """'2026-08-26' -> that day; '2023-07..2025-05' -> last day of the range's end; '2026-03' -> first of the
    month; '2024 (...)' -> Jan 1."""
    text = raw.strip()
    end = text.split("..")[-1].strip()
    full_date = re.match(r"^(\d{4})-(\d{2})-(\d{2})\b", end)
    if full_date:
        return dt.date(int(full_date.group(1)), int(full_date.group(2)), int(full_date.group(3)))
    month = re.match(r"^(\d{4})-(\d{2})", end)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        day = calendar.monthrange(year, number)[1] if ".." in text else 1
        return dt.date(year, number, day)
    year_only = re.match(r"^(\d{4})\b", text)
    return dt.date(int(year_only.group(1)), 1, 1) if year_only else None


def _number(raw: object) -> float | None:
    """'~107' -> 107.0, '1.49-1.87' -> midpoint, '' -> None."""
    text = _text(raw)
    if text is None:
        return None
    values = [float(v) for v in re.findall(r"\d+(?:\.\d+)?", text)]
    return sum(values) / len(values) if values else None


def _gpu_reference_prices(data_dir: Path) -> pd.DataFrame:
    """The hand-compiled reference table, per-GPU prices derived from instance prices where needed."""
    raw = _read(data_dir, "gpu_hourly_prices_reference.csv", dtype=str)
    rows = []
    for record in raw.to_dict("records"):
        per_gpu = _number(record["usd_per_gpu_hr"])
        note_parts = [n for n in (_text(record["offering"]), _text(record["note"])) if n]
        range_text = _text(record["usd_per_gpu_hr"]) or ""
        if per_gpu is None:
            instance, gpus = _number(record["usd_per_instance_hr"]), _number(record["gpus_per_instance"])
            if instance is None or not gpus:
                continue
            per_gpu = instance / gpus
            note_parts.append(f"derived: ${instance:g}/instance-hr / {gpus:g} GPUs")
        elif "-" in range_text:
            note_parts.append(f"midpoint of quoted range {range_text}")
        price_type_text = _text(record["price_type"]) or "on-demand"
        base = {
            "gpu": canonical_gpu(str(record["gpu"])),
            "provider": str(record["provider"]).strip(),
            "as_of": _reference_as_of(_text(record["as_of"]) or ""),
            "source": "gpu_hourly_prices_reference.csv (hand-compiled)",
            "source_url": _text(record["source_url"]),
            "confidence": _text(record["confidence"]),
        }
        rows.append(
            {
                **base,
                "price_type": _price_type(price_type_text),
                "usd_per_gpu_hour": per_gpu,
                "note": "; ".join(note_parts + [f"price type as quoted: {price_type_text}"]),
            }
        )
        spot = re.search(r"spot\s+(\d+(?:\.\d+)?)", price_type_text)
        if spot:
            rows.append(
                {
                    **base,
                    "price_type": "spot",
                    "usd_per_gpu_hour": float(spot.group(1)),
                    "note": "; ".join(note_parts + [f"spot price quoted alongside: {price_type_text}"]),
                }
            )
    return pd.DataFrame(rows)


def _gix_prices(data_dir: Path) -> pd.DataFrame:
    """The GIX daily on-demand index; withheld days are skipped."""
    raw = _read(data_dir, "gpu_price_index_gix_daily_2026.csv")
    raw = raw[pd.to_numeric(raw["usd_per_gpu_hour"], errors="coerce").notna()]
    return pd.DataFrame(
        {
            "gpu": raw["gpu"].map(canonical_gpu),
            "provider": "GIX index",
            "price_type": "on-demand",
            "usd_per_gpu_hour": raw["usd_per_gpu_hour"].astype(float),
            "as_of": raw["index_date"].map(_date),
            "source": "GPU Price Index (GIX), henryzhangpku/gpu-price-index",
            "source_url": raw["source_url"],
            "confidence": "medium (index of " + raw["provider_count"].astype("Int64").astype(str) + " providers)",
            "note": raw["definition"],
        }
    )


def _prime_intellect_prices(data_dir: Path) -> pd.DataFrame:
    """Daily median offer on the Prime Intellect marketplace."""
    raw = _read(data_dir, "gpu_rental_prices_daily_primeintellect_2025.csv")
    socket = raw["socket"].fillna("").astype(str)
    return pd.DataFrame(
        {
            "gpu": (raw["gpu"].astype(str) + " " + socket).map(canonical_gpu),
            "provider": "Prime Intellect marketplace (median)",
            "price_type": "marketplace",
            "usd_per_gpu_hour": raw["median_usd_per_gpu_hr"].astype(float),
            "as_of": raw["date"].map(_date),
            "source": "tugot17/gpu-price-tracker (Prime Intellect aggregator)",
            "source_url": raw["source"].str.split(" ").str[0],
            "confidence": "medium (marketplace median of " + raw["n_snapshots"].astype(str) + " snapshots)",
            "note": "min "
            + raw["min_usd_per_gpu_hr"].astype(str)
            + ", max "
            + raw["max_usd_per_gpu_hr"].astype(str)
            + "; providers: "
            + raw["providers"].astype(str),
        }
    )


def read_gpu_prices(data_dir: Path) -> pd.DataFrame:
    """Hourly GPU prices from the reference table, the GIX index and the Prime Intellect marketplace."""
    prices = pd.concat(
        [_gpu_reference_prices(data_dir), _gix_prices(data_dir), _prime_intellect_prices(data_dir)], ignore_index=True
    )
    prices["usd_per_gpu_hour"] = prices["usd_per_gpu_hour"].astype(float)
    return prices[GPU_PRICE_COLUMNS].reset_index(drop=True)


def _trtllm_throughput(data_dir: Path) -> pd.DataFrame:
    """TensorRT-LLM perf-overview tables: max-load throughput (trtllm-bench)."""
    raw = _read(data_dir, "trtllm_throughput_perf_overview.csv")
    return pd.DataFrame(
        {
            "model_id": raw["hf_model_family"].map(canonical_model_id),
            "raw_model_name": raw["hf_model_family"],
            "gpu": raw["gpu"].map(canonical_gpu),
            "gpu_count": raw["num_gpus"].astype(int),
            "precision": raw["precision"].str.lower() + " TP" + raw["tp"].astype(str) + " PP" + raw["pp"].astype(str),
            "engine": "TensorRT-LLM",
            "input_tokens": raw["input_seq_len"].astype("Int64"),
            "output_tokens": raw["output_seq_len"].astype("Int64"),
            "concurrency": "max",
            "output_tokens_per_s": raw["total_output_tokens_per_s"].astype(float),
            "ttft_ms": np.nan,
            "source": "NVIDIA TensorRT-LLM perf overview (" + raw["doc_version"].astype(str) + ")",
            "source_url": TRTLLM_URL,
            "as_of": None,
            "config_verified": True,
        }
    )


def _nim_throughput(data_dir: Path) -> pd.DataFrame:
    """NIM benchmarking tables; rows whose GPU layout is unknown are dropped, inferred layouts stay unverified."""
    raw = _read(data_dir, "nim_llm_benchmarking_throughput.csv")
    note = raw["note"].fillna("")
    inferred = raw["gpu"].isna() & note.str.contains("likely same 2xH100 fp8 5000/500", regex=False)
    raw.loc[inferred, ["gpu", "num_gpus", "precision_parallelism", "input_tokens", "output_tokens"]] = [
        "H100 80GB",
        2,
        "fp8 TP2",
        5000,
        500,
    ]
    raw["verified"] = raw["config_verified"].astype(str).str.lower().eq("true") & ~inferred
    raw = raw[raw["gpu"].notna() & raw["num_gpus"].notna()]
    return pd.DataFrame(
        {
            "model_id": raw["model"].map(canonical_model_id),
            "raw_model_name": raw["model"],
            "gpu": raw["gpu"].map(canonical_gpu),
            "gpu_count": raw["num_gpus"].astype(int),
            "precision": raw["precision_parallelism"],
            "engine": "NIM " + raw["nim_version"].astype(str),
            "input_tokens": pd.to_numeric(raw["input_tokens"]).astype("Int64"),
            "output_tokens": pd.to_numeric(raw["output_tokens"]).astype("Int64"),
            "concurrency": raw["concurrency"].astype(int).astype(str),
            "output_tokens_per_s": raw["throughput_output_tokens_per_s"].astype(float),
            "ttft_ms": raw["ttft_ms"].astype(float),
            "source": "NVIDIA NIM LLM benchmarking guide",
            "source_url": raw["source_url"],
            "as_of": None,
            "config_verified": raw["verified"],
        }
    )


def _serving_reference_throughput(data_dir: Path) -> pd.DataFrame:
    """Hand-collected vLLM / SGLang / TensorRT-LLM / LMDeploy serving results."""
    raw = _read(data_dir, "serving_throughput_reference.csv", dtype=str)
    workload = raw["workload"].fillna("")
    lengths = workload.str.extract(r"(\d+)\s*in\s*/\s*(\d+)\s*out")
    version = raw["engine_version"].fillna("").str.strip()
    return pd.DataFrame(
        {
            "model_id": raw["model"].map(canonical_model_id),
            "raw_model_name": raw["model"],
            "gpu": raw["gpu"].map(canonical_gpu),
            "gpu_count": raw["num_gpus"].astype(int),
            "precision": raw["precision"],
            "engine": (raw["engine"] + " " + version).str.strip(),
            "input_tokens": pd.to_numeric(lengths[0], errors="coerce").astype("Int64"),
            "output_tokens": pd.to_numeric(lengths[1], errors="coerce").astype("Int64"),
            "concurrency": raw["concurrency"].astype(str).str.strip(),
            "output_tokens_per_s": raw["output_tokens_per_s"].astype(float),
            "ttft_ms": pd.to_numeric(raw["ttft_ms"], errors="coerce"),
            "source": "serving_throughput_reference.csv (" + workload + ")",
            "source_url": raw["source_url"],
            "as_of": raw["as_of"].map(_reference_as_of),
            "config_verified": True,
        }
    )


def read_throughput(data_dir: Path) -> pd.DataFrame:
    """Serving throughput points: total output tokens/s across all GPUs of each configuration."""
    frames = [_trtllm_throughput(data_dir), _nim_throughput(data_dir), _serving_reference_throughput(data_dir)]
    throughput = pd.concat(frames, ignore_index=True)
    throughput["gpu_count"] = throughput["gpu_count"].astype(int)
    throughput["config_verified"] = throughput["config_verified"].astype(bool)
    throughput["ttft_ms"] = throughput["ttft_ms"].astype(float)
    for column in ("input_tokens", "output_tokens"):
        throughput[column] = throughput[column].astype("Int64")
    return throughput[THROUGHPUT_COLUMNS].reset_index(drop=True)
