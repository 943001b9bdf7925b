"""On the seeded store: a score belongs to the model that is priced (every case of the identity audit), and the
reviewed identity files are consistent."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pricing import service
from pricing.candidates import CandidateOptions
from pricing.identity import (
    ALIASES_FILE,
    LOOSE_RULES,
    SNAPSHOTS_FILE,
    load_registry,
    resolve_model,
)
from pricing.store import Store
from pricing.variants import priced_as_note, with_variant_offers

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TOP_SECTION = "# --- The "


@pytest.fixture(scope="module")
def store(seeded_db_file: Path) -> Store:
    opened = Store(seeded_db_file, read_only=True)
    yield opened  # type: ignore[misc]
    opened.close()


@pytest.fixture(scope="module")
def prices(store: Store) -> pd.DataFrame:
    return store.current_prices(service.default_sheet(store))


@pytest.fixture(scope="module")
def arena(store: Store) -> pd.DataFrame:
    scores = store.scores("arena_elo")
    return scores[scores["source"] == "LMArena"].set_index("model_id")


def _model_of(prices: pd.DataFrame, key: str) -> str | None:
    row = prices[prices["model_key"] == key]
    assert len(row) == 1, f"{key} is not one priced key of the bundled sheet"
    value = row["model_id"].iloc[0]
    return None if pd.isna(value) else str(value)


# (priced key, the canonical model it must join, that model's LMArena score or None when unscored)
PRICED_JOINS: list[tuple[str, str, float | None]] = [
    ("gpt-4o", "gpt-4o-2024-08-06", 1285),  # $2.50/$10 offers: the 2024-08-06 snapshot
    ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", 1302),  # $5/$15: the launch snapshot
    ("gemini/gemini-pro-latest", "gemini-3.1-pro", None),  # not Gemini 1.0 Pro (Arena 1154)
    ("mistral/mistral-large-2512", "mistral-large-3", None),  # not Large 2407 (Arena 1269)
    ("mistral/mistral-large-latest", "mistral-large-3", None),
    ("dashscope/qwen-max", "qwen2.5-max", 1366),  # Qwen2.5-Max, not Qwen-Max-0919 (1284)
    ("o3-mini", "o3-mini", 1318),  # not o3-mini-high's 1338
    ("anthropic.claude-v1", "claude-1", None),
    ("anthropic.claude-v2:1", "claude-2.1", None),
    ("deepseek-v3-2-251201", "deepseek-v3.2", None),
    ("fireworks_ai/accounts/fireworks/models/code-qwen-1p5-7b", "codeqwen1.5-7b", None),
]


@pytest.mark.parametrize(("key", "model_id", "arena_score"), PRICED_JOINS)
def test_priced_key_joins_its_own_model(
    prices: pd.DataFrame, arena: pd.DataFrame, key: str, model_id: str, arena_score: float | None
) -> None:
    assert _model_of(prices, key) == model_id
    if arena_score is not None:
        assert arena.loc[model_id, "score"] == arena_score


@pytest.mark.parametrize(
    "key", ["azure_ai/kimi-latest", "moonshot/kimi-latest", "zai/glm-latest", "together_ai/glm-latest"]
)
def test_moving_names_without_a_dated_target_are_refused(prices: pd.DataFrame, store: Store, key: str) -> None:
    assert _model_of(prices, key) is None
    aliases = store.aliases().set_index(["source", "alias"])
    row = aliases.loc[("litellm", key)]
    assert row["rule"] == "refused" and "no dated target" in row["reason"]


@pytest.mark.parametrize("word", ["claude", "deepseek", "kimi", "glm", "gemini", "llama"])
def test_no_price_or_score_joins_a_bare_vendor_word(prices: pd.DataFrame, store: Store, word: str) -> None:
    assert word not in set(prices["model_id"].dropna())
    assert word not in set(store.scores()["model_id"])


@pytest.mark.parametrize(
    ("base", "base_score", "variant", "variant_score"),
    [
        ("claude-3.7-sonnet", 1301, "claude-3.7-sonnet:thinking-32k", 1317),
        ("o3-mini", 1318, "o3-mini:high", 1338),
        ("gemini-2.0-flash", 1362, "gemini-2.0-flash-exp", 1370),
    ],
)
def test_variants_and_experiments_are_scored_as_themselves(
    arena: pd.DataFrame, base: str, base_score: float, variant: str, variant_score: float
) -> None:
    assert arena.loc[base, "score"] == base_score
    assert arena.loc[variant, "score"] == variant_score


@pytest.mark.parametrize("base", ["claude-sonnet-4", "claude-opus-4"])
def test_thinking_variants_of_claude_4_stay_apart(arena: pd.DataFrame, base: str) -> None:
    variants = [m for m in arena.index if m.startswith(f"{base}:thinking")]
    assert variants, f"LMArena scores a thinking variant of {base}"
    for variant in variants:
        assert arena.loc[variant, "raw_model_name"] != arena.loc[base, "raw_model_name"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("code-qwen-1.5-7b", "codeqwen1.5-7b"),
        ("cognitivecomputations/dolphin-2-9-2-qwen2-72b", "cognitivecomputations/dolphin-2.9.2-qwen2-72b"),
        ("xai/grok-4-20", "grok-4.20"),
        ("volcengine/seed-2-0-pro", "seed-2.0-pro"),
        ("seed-2-0-lite", "seed-2.0-lite"),
    ],
)
def test_one_model_is_not_split_in_two(a: str, b: str) -> None:
    assert resolve_model(a).model_id == resolve_model(b).model_id is not None


def test_variant_offers_are_priced_as_their_base_and_labelled(store: Store) -> None:
    result = service.frontier(store, "arena_elo", service.default_sheet(store), CandidateOptions())
    table = result.candidates.set_index("model_id")
    base, variant = table.loc["claude-3.7-sonnet"], table.loc["claude-3.7-sonnet:thinking-32k"]
    assert variant["cost_usd"] == pytest.approx(base["cost_usd"])
    assert (base["quality"], variant["quality"]) == (1301, 1317)
    assert "priced as claude-3.7-sonnet" in priced_as_note("claude-3.7-sonnet:thinking-32k")


def test_with_variant_offers_copies_only_unpriced_variants() -> None:
    prices = pd.DataFrame(
        {
            "model_key": ["o3-mini", "o3-mini-high"],
            "model_id": ["o3-mini", "o3-mini:high"],
            "usd_per_1m_input": [1.1, 1.1],
        }
    )
    out = with_variant_offers(prices, ["o3-mini:high", "o3-mini:low", "gpt-9:high", "o3-mini"])
    added = out[out["priced_as"].notna()]
    assert list(added["model_id"]) == ["o3-mini:low"]  # high has its own offer; gpt-9 has no base price
    assert list(added["model_key"]) == ["o3-mini"]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def test_curated_spellings_are_unique_and_name_canonical_models() -> None:
    rows = _rows(ALIASES_FILE)
    spellings = [r["spelling"].lower() for r in rows]
    assert len(spellings) == len(set(spellings)), "a spelling is listed twice"
    for row in rows:
        assert set(filter(None, row["kind"].split("+"))) <= LOOSE_RULES
        if row["model_id"]:
            assert resolve_model(row["model_id"]).model_id == row["model_id"], row
        else:
            assert row["note"], f"{row['spelling']} is refused without a reason"


def test_snapshots_and_pointers_name_canonical_models_with_sources() -> None:
    for row in _rows(SNAPSHOTS_FILE):
        assert resolve_model(row["model_id"]).model_id == row["model_id"], row
        assert row["source_url"].startswith("https://")
    registry = load_registry(DATA_DIR)
    for alias, pointers in registry.pointers.items():
        assert all(p.source_url.startswith("https://") for p in pointers)
        by_host: dict[str, list[tuple[dt.date, dt.date]]] = {}
        for p in pointers:
            if p.model_id is None:
                continue
            assert resolve_model(p.model_id).model_id == p.model_id, (alias, p.model_id)
            span = (p.valid_from or dt.date.min, p.valid_until or dt.date.max)
            by_host.setdefault(p.provider, []).append(span)
        for spans in by_host.values():  # a moving name points at one model at a time
            spans.sort()
            assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), alias


def test_pointers_resolve_on_the_date_asked() -> None:
    assert resolve_model("gpt-4o", dt.date(2024, 6, 1)).model_id == "gpt-4o-2024-05-13"
    assert resolve_model("gpt-4o", dt.date(2025, 1, 1)).model_id == "gpt-4o-2024-08-06"
    assert resolve_model("gemini/gemini-pro-latest", dt.date(2026, 1, 15)).model_id == "gemini-3-pro"
    assert resolve_model("gemini/gemini-pro-latest", dt.date(2025, 1, 15)).model_id is None  # no target known then
    assert resolve_model("azure/mistral-large-latest").model_id is None  # another host's moving name


def _top_models() -> list[str]:
    lines = (DATA_DIR / ALIASES_FILE).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(TOP_SECTION))
    rows = csv.reader(line for line in lines[start:] if line and not line.startswith("#"))
    return sorted({row[1] for row in rows})


def test_the_curated_models_are_about_150_of_the_main_makers() -> None:
    assert 150 <= len(_top_models()) <= 170


def test_every_curated_model_is_priced_and_scored_as_the_same_model(store: Store, prices: pd.DataFrame) -> None:
    """For the curated models, the priced offers and the scored rows carry exactly that canonical id, and every
    spelling that joins them (from any source) was reviewed: listed in the alias file or in the snapshot and
    pointer tables, never joined by an unreviewed rule."""
    top = set(_top_models())
    priced = set(prices["model_id"].dropna().str.split(":").str[0])
    scored = set(store.scores()["model_id"].str.split(":").str[0])
    assert not top - priced, f"curated models without a priced offer: {sorted(top - priced)}"
    assert not top - scored, f"curated models without a score: {sorted(top - scored)}"
    aliases = store.aliases().dropna(subset=["model_id"])
    joined = aliases[aliases["model_id"].str.split(":").str[0].isin(top)]
    reviewed = joined["rule"].str.contains(r"curated|pointer|snapshot-table", regex=True)
    unreviewed = joined[~reviewed]
    assert unreviewed.empty, f"joins to curated models by unreviewed rules:\n{unreviewed.head(20)}"


def test_catalogue_rows_say_why_and_flag_loose_joins(store: Store) -> None:
    aliases = store.aliases().set_index(["source", "alias"])
    fp8 = aliases.loc[("litellm", "lambda_ai/llama3.3-70b-instruct-fp8")]
    assert fp8["model_id"] == "llama-3.3-70b-instruct" and bool(fp8["loose"])
    assert "quantisation" in fp8["rule"]
    exact = aliases.loc[("lmarena", "GPT-4o-2024-05-13")]
    assert exact["model_id"] == "gpt-4o-2024-05-13" and not bool(exact["loose"]) and exact["reason"]
