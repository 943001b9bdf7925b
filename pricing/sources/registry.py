"""The refreshable sources: one registry entry each (link, reader, licence, credit line), and their readers.

A reader turns a fetched file's bytes into the store's rows and refuses, before anything is written, a file that
is not what the source publishes: an HTML page, broken JSON or CSV, a missing column, a value of the wrong type or
outside a plausible range (`RefreshError` says which file, row or entry, and column). The CSV sources are read by
the same readers as the shipped files (`pricing.sources.readers`), so a refreshed file joins models exactly as a
seeded one. Nothing here touches the network or the database: `refresh.py` fetches, compares and loads.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pricing.identity import canonical_model_id, family_of, organisation_of
from pricing.limits import InputError
from pricing.litellm_prices import BUNDLED_SHEET_NAME, bundled_price_records, expand_aliases, model_cost_map_url
from pricing.sources import readers
from pricing.store import TABLE_COLUMNS

MAX_USD_PER_1M = 10_000.0  # the dearest list price is some hundreds of USD per 1M tokens; past this is a unit slip
MAX_CONTEXT_TOKENS = 100_000_000
MAX_TOKENS_PER_S = 100_000.0  # one API stream; the fastest serve a few thousand
MAX_TTFT_S = 3_600.0
MIN_ELO, MAX_ELO = 100.0, 4_000.0
ARTIFICIAL_ANALYSIS = "Artificial Analysis (artificialanalysis.ai)"
AA_KEY_ENV = "FRONTIER_AA_API_KEY"
AA_KEY_SECRET = "frontier_aa_api_key"
AA_ATTRIBUTION = "Speed, price and index figures from Artificial Analysis, https://artificialanalysis.ai/ (free API)."


class RefreshError(InputError):
    """A fetched file this source's reader refuses, with where and what is wrong."""


@dataclass(frozen=True)
class ReadContext:
    """What a reader needs besides the bytes: the fetch date, where the bytes came from, known benchmarks."""

    as_of: dt.date
    origin: str
    file_name: str
    benchmark_ids: frozenset[str]


@dataclass(frozen=True)
class Parsed:
    """A source's file as the store's rows (a part the source does not give is None) and every spelling in it."""

    prices: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    api_performance: pd.DataFrame | None = None
    models: pd.DataFrame | None = None
    benchmarks: pd.DataFrame | None = None
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefreshSource:
    """One refreshable source: where it lives, how it is read, whose it is, and which rows of the store it owns."""

    name: str  # the command line's and FRONTIER_SOURCE_URL_<NAME>'s name
    title: str
    default_url: str | Callable[[], str]
    file_name: str  # what the published file is called (and what --from-file expects)
    licence: str
    credit: str
    read: Callable[[bytes, ReadContext], Parsed]
    sheet_name: str | None = None  # the price sheet it adds prices to
    sheet_kind: str = "refreshed"
    score_source: str | None = None  # the `scores.source` whose rows it replaces
    score_prefix: str | None = None  # or: on score_benchmarks, the rows whose `scores.source` starts with this
    score_benchmarks: tuple[str, ...] = ()
    performance_source: str | None = None  # the `api_performance.source` whose rows it replaces
    api_key_env: str | None = None  # the variable holding its key, sent as api_key_header
    api_key_secret: str | None = None  # the key's name in .streamlit/secrets.toml
    api_key_header: str | None = None
    attribution: str | None = None  # what its terms ask to be shown beside its figures

    def url(self) -> str:
        """Its published link (the litellm map's is litellm's own setting, read when asked)."""
        return self.default_url() if callable(self.default_url) else self.default_url

    @property
    def env_name(self) -> str:
        """FRONTIER_SOURCE_URL_<NAME>: the variable that points this source at a mirror."""
        return "FRONTIER_SOURCE_URL_" + self.name.upper().replace("-", "_")


def _refuse_html(content: bytes, ctx: ReadContext) -> None:
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        raise RefreshError(
            f"{ctx.file_name} from {ctx.origin} is an HTML page, not the source's file (an error or login page "
            "served with status 200); check the link or mirror"
        )


def _json(content: bytes, ctx: ReadContext) -> Any:
    _refuse_html(content, ctx)
    if not content.strip():
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} is empty; the source sent nothing")
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RefreshError(
            f"{ctx.file_name} from {ctx.origin} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); the download may be cut short, so fetch it again"
        ) from None


def _csv(content: bytes, ctx: ReadContext, required: Iterable[str]) -> pd.DataFrame:
    _refuse_html(content, ctx)
    if not content.strip():
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} is empty; the source sent nothing")
    try:
        frame = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} is not a readable CSV ({exc})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise RefreshError(
            f"{ctx.file_name} from {ctx.origin} lacks column(s) {', '.join(missing)} (it has: "
            f"{', '.join(map(str, frame.columns[:20]))}); the source's format changed, or the link is wrong"
        )
    if frame.empty:
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} has a header but no rows")
    return frame


def _number(value: object, where: str, low: float, high: float, unit: str) -> float | None:
    """A number in [low, high], None when absent; RefreshError naming where it is otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RefreshError(f"{where} is {value!r}, not a number ({unit})")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RefreshError(f"{where} is {value!r}, not a number ({unit})") from None
    if math.isnan(number):
        return None
    if not low <= number <= high:
        raise RefreshError(
            f"{where} is {number:g}, outside {low:g} to {high:g} {unit}; the source may have a unit slip"
        )
    return number


def _check_column(frame: pd.DataFrame, column: str, ctx: ReadContext, low: float, high: float, unit: str) -> None:
    """Every value of a CSV column a number in range (blank allowed); the error names the row (1 = header)."""
    for offset, value in enumerate(frame[column]):
        _number(value, f"{ctx.file_name} row {offset + 2}, column {column}", low, high, unit)


def _object(value: object) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a missing or null part)."""
    return value if isinstance(value, dict) else {}


def _spellings(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(sorted({str(v).strip() for v in values if isinstance(v, str) and v.strip()}))


def _model_facts(rows: list[dict[str, object]], source: str, as_of: dt.date) -> pd.DataFrame:
    """`models` rows for what a source says of its models (the store adds only models it lacks)."""
    frame = pd.DataFrame(rows, columns=["model_id", "display_name", "organisation", "open_weights", "release_date"])
    frame = frame[frame["model_id"].astype(str).str.len() > 0].drop_duplicates("model_id")
    for column in ("context_tokens", "param_count_b", "licence"):
        if column not in frame:
            frame[column] = None
    frame = frame.assign(
        family=frame["model_id"].map(family_of),
        organisation=[organisation_of(m) or o for m, o in zip(frame["model_id"], frame["organisation"], strict=True)],
        source=source,
        as_of=as_of,
    )
    frame["param_count_b"] = pd.to_numeric(frame["param_count_b"], errors="coerce").astype(float)
    frame["context_tokens"] = pd.to_numeric(frame["context_tokens"], errors="coerce").astype("Int64")
    frame["open_weights"] = frame["open_weights"].astype(object).where(frame["open_weights"].notna(), None)
    return frame[list(TABLE_COLUMNS["models"])].reset_index(drop=True)


def _price_rows(rows: list[dict[str, object]], sheet_name: str, source: str, as_of: dt.date) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in TABLE_COLUMNS["prices"]:
        if column not in frame:
            frame[column] = None
    frame = frame.assign(sheet_name=sheet_name, effective_date=as_of, source=source)
    frame["context_tokens"] = pd.to_numeric(frame["context_tokens"], errors="coerce").astype("Int64")
    for column in ("usd_per_1m_cached_input", "usd_per_1m_batch_input", "usd_per_1m_batch_output"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame.drop_duplicates("model_key", keep="last")[list(TABLE_COLUMNS["prices"])].reset_index(drop=True)


def _fetched_label(title: str, ctx: ReadContext) -> str:
    return f"{title}, fetched {ctx.as_of.isoformat()} from {ctx.origin}"


# --- litellm's price map -------------------------------------------------------------------------------------------


def read_litellm_map(content: bytes, ctx: ReadContext) -> Parsed:
    """litellm's model_prices_and_context_window.json: the bundled map's format, read by the same function."""
    data = _json(content, ctx)
    if not isinstance(data, dict):
        raise RefreshError(
            f"{ctx.file_name} from {ctx.origin} is a JSON {type(data).__name__}, not an object of models"
        )
    for key, entry in data.items():
        if not isinstance(entry, dict):
            continue
        for field in ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost"):
            if field in entry and entry[field] is not None:
                _number(entry[field], f"{ctx.file_name}: {key}.{field}", 0, MAX_USD_PER_1M / 1e6, "USD per token")
    cost_map = expand_aliases({str(k): v for k, v in data.items() if isinstance(v, dict)})
    if not any(isinstance(v, dict) and v.get("input_cost_per_token") is not None for v in cost_map.values()):
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} prices no model; it is not litellm's price map")
    prices = bundled_price_records(as_of=ctx.as_of, cost_map=cost_map)
    prices = prices.assign(source=_fetched_label("litellm price map", ctx))
    return Parsed(prices=prices, spellings=_spellings(prices["model_key"]))


# --- models.dev ----------------------------------------------------------------------------------------------------


def read_models_dev(content: bytes, ctx: ReadContext) -> Parsed:
    """models.dev's api.json: providers, each with models priced in USD per 1M tokens, release dates, context."""
    data = _json(content, ctx)
    if not isinstance(data, dict):
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} is a JSON {type(data).__name__}, not providers by id")
    prices: list[dict[str, object]] = []
    facts: list[dict[str, object]] = []
    for provider_id, provider in data.items():
        models = provider.get("models") if isinstance(provider, dict) else None
        if not isinstance(models, dict):
            raise RefreshError(f"{ctx.file_name}: provider {provider_id!r} has no 'models' object; is it models.dev?")
        for model_key, model in models.items():
            if not isinstance(model, dict):
                raise RefreshError(f"{ctx.file_name}: {provider_id}.models.{model_key} is not an object")
            where = f"{ctx.file_name}: {provider_id}.models.{model_key}"
            cost = model.get("cost")
            limit = _object(model.get("limit"))
            context = _number(limit.get("context"), f"{where}.limit.context", 0, MAX_CONTEXT_TOKENS, "tokens")
            model_id = canonical_model_id(f"{provider_id}/{model_key}")
            released = readers._date(model.get("release_date"))
            facts.append(
                {
                    "model_id": model_id,
                    "display_name": model.get("name") or model_key,
                    "organisation": provider.get("name"),
                    "open_weights": model.get("open_weights") if isinstance(model.get("open_weights"), bool) else None,
                    "release_date": released,
                    "context_tokens": context,
                }
            )
            if not isinstance(cost, dict) or cost.get("input") is None or cost.get("output") is None:
                continue  # listed without a price
            prices.append(
                {
                    "model_key": f"{provider_id}/{model_key}",
                    "provider": provider_id,
                    "model_id": model_id or None,
                    "usd_per_1m_input": _number(cost["input"], f"{where}.cost.input", 0, MAX_USD_PER_1M, "USD/1M"),
                    "usd_per_1m_output": _number(cost["output"], f"{where}.cost.output", 0, MAX_USD_PER_1M, "USD/1M"),
                    "usd_per_1m_cached_input": _number(
                        cost.get("cache_read"), f"{where}.cost.cache_read", 0, MAX_USD_PER_1M, "USD/1M"
                    ),
                    "context_tokens": context,
                }
            )
    if not prices:
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} prices no model (an empty list); nothing was loaded")
    frame = _price_rows(prices, "models.dev", _fetched_label("models.dev api.json", ctx), ctx.as_of)
    return Parsed(
        prices=frame,
        models=_model_facts(facts, "models.dev", ctx.as_of),
        spellings=_spellings(frame["model_key"]),
    )


# --- OpenRouter ----------------------------------------------------------------------------------------------------


def read_openrouter(content: bytes, ctx: ReadContext) -> Parsed:
    """OpenRouter's GET /api/v1/models: `data[]` with USD-per-token price strings and the context length."""
    data = _json(content, ctx)
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} has no 'data' list; is it OpenRouter's /api/v1/models?")
    prices: list[dict[str, object]] = []
    facts: list[dict[str, object]] = []
    for index, item in enumerate(items):
        where = f"{ctx.file_name}: data[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise RefreshError(f"{where} has no model id")
        pricing = item.get("pricing")
        if not isinstance(pricing, dict):
            raise RefreshError(f"{where} ({item['id']}) has no 'pricing' object")
        model_id = canonical_model_id(item["id"])
        context = _number(item.get("context_length"), f"{where}.context_length", 0, MAX_CONTEXT_TOKENS, "tokens")
        facts.append(
            {
                "model_id": model_id,
                "display_name": item.get("name") or item["id"],
                "organisation": None,
                "open_weights": None,
                "release_date": None,
                "context_tokens": context,
            }
        )
        # "-1" marks a router whose price depends on the model it picks: no price of its own.
        if str(pricing.get("prompt")).strip() == "-1" or str(pricing.get("completion")).strip() == "-1":
            continue
        per_token = MAX_USD_PER_1M / 1e6
        prompt = _number(pricing.get("prompt"), f"{where}.pricing.prompt", 0, per_token, "USD per token")
        completion = _number(pricing.get("completion"), f"{where}.pricing.completion", 0, per_token, "USD per token")
        if prompt is None or completion is None:
            raise RefreshError(f"{where} ({item['id']}) lacks pricing.prompt or pricing.completion")
        cached = _number(pricing.get("input_cache_read"), f"{where}.pricing.input_cache_read", 0, per_token, "USD")
        prices.append(
            {
                "model_key": item["id"],
                "provider": "openrouter",
                "model_id": model_id or None,
                "usd_per_1m_input": prompt * 1e6,
                "usd_per_1m_output": completion * 1e6,
                "usd_per_1m_cached_input": None if cached is None else cached * 1e6,
                "context_tokens": context,
            }
        )
    if not prices:
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} prices no model (an empty list); nothing was loaded")
    frame = _price_rows(prices, "OpenRouter", _fetched_label("OpenRouter /api/v1/models", ctx), ctx.as_of)
    return Parsed(
        prices=frame, models=_model_facts(facts, "openrouter", ctx.as_of), spellings=_spellings(frame["model_key"])
    )


# --- leaderboards in the shipped CSV formats -----------------------------------------------------------------------


def _with_shipped_name(content: bytes, shipped_name: str, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """Run a shipped file's reader on fetched bytes (it reads a file of that name in a folder)."""
    with tempfile.TemporaryDirectory(prefix="frontier-refresh-") as folder:
        (Path(folder) / shipped_name).write_bytes(content)
        return reader(Path(folder))


def _scores_stamped(
    scores: pd.DataFrame, ctx: ReadContext, dated_by_file: bool = False, own_links: bool = False
) -> pd.DataFrame:
    scores = scores[scores["score"].notna() & (scores["model_id"].astype(str).str.len() > 0)]
    scores = scores[scores["benchmark_id"].isin(ctx.benchmark_ids)].copy()
    # own_links: a row keeps the link of the report it cites; one without points at the fetched file
    scores["source_url"] = scores["source_url"].fillna(ctx.origin) if own_links else ctx.origin
    if not dated_by_file:
        scores["as_of"] = ctx.as_of
    scores["self_reported"] = scores["self_reported"].astype(bool)
    scores["score"] = scores["score"].astype(float)
    return readers._best_per_key(scores, ["model_id", "benchmark_id", "source"])[list(TABLE_COLUMNS["scores"])]


def read_lmarena(content: bytes, ctx: ReadContext) -> Parsed:
    """LMArena's text leaderboard CSV (the shipped lmarena_text_leaderboard.csv format): Elo per model."""
    frame = _csv(content, ctx, ("model", "arena_score", "organization", "license"))
    _check_column(frame, "arena_score", ctx, MIN_ELO, MAX_ELO, "Elo")
    scores = _with_shipped_name(content, "lmarena_text_leaderboard.csv", readers._lmarena_scores)
    facts = [
        {
            "model_id": canonical_model_id(str(name)),
            "display_name": name,
            "organisation": org,
            "open_weights": None if not isinstance(lic, str) else lic.lower() != "proprietary",
            "release_date": None,
        }
        for name, org, lic in zip(frame["model"], frame["organization"], frame["license"], strict=True)
    ]
    return Parsed(
        scores=_scores_stamped(scores, ctx),
        models=_model_facts(facts, "lmarena", ctx.as_of),
        spellings=_spellings(frame["model"]),
    )


def read_llm_stats(content: bytes, ctx: ReadContext) -> Parsed:
    """llm-stats' benchmark results, long format (the shipped llmstats_benchmarks_long.csv): fractions per model."""
    frame = _csv(content, ctx, ("model_id", "benchmark_id", "score", "is_self_reported", "source"))
    _check_column(frame, "score", ctx, 0, 1, "(a fraction)")
    scores = _with_shipped_name(
        content,
        "llmstats_benchmarks_long.csv",
        lambda folder: readers._llm_stats_scores(folder, set(ctx.benchmark_ids)),
    )
    return Parsed(scores=_scores_stamped(scores, ctx), spellings=_spellings(frame["model_id"]))


def read_epoch_hub(content: bytes, ctx: ReadContext) -> Parsed:
    """Epoch AI Benchmarking Hub runs (the shipped epoch_benchmarks_runs_slim.csv columns): dated by each run."""
    frame = _csv(content, ctx, ("task", "model_version", "best_score", "started_at", "status"))
    _check_column(frame, "best_score", ctx, 0, 1, "(a fraction)")
    hf_orgs = readers._epoch_hf_orgs(readers.DATA_DIR)
    scores = _with_shipped_name(
        content, "epoch_benchmarks_runs_slim.csv", lambda folder: readers._epoch_hub_scores(folder, hf_orgs)
    )
    return Parsed(scores=_scores_stamped(scores, ctx, dated_by_file=True), spellings=_spellings(frame["model_version"]))


def _check_percent_column(frame: pd.DataFrame, column: str, ctx: ReadContext) -> None:
    """Every value a percentage in [0, 100], written '63.3%' or 63.3 (blank allowed); the error names the row."""
    for offset, value in enumerate(frame[column]):
        text = value.strip().removesuffix("%").strip() if isinstance(value, str) else value
        _number(text, f"{ctx.file_name} row {offset + 2}, column {column}", 0, 100, "percent")


def _epoch_external_reader(spec: readers.EpochExternalFile) -> Callable[[bytes, ReadContext], Parsed]:
    """A reader of one of Epoch's external-benchmark CSVs, by the shipped file's reader (one source per report)."""

    def read(content: bytes, ctx: ReadContext) -> Parsed:
        fallback = (spec.fallback_name_column,) if spec.fallback_name_column else ()
        frame = _csv(content, ctx, ("Model version", spec.score_column, "Source", "Source link", *fallback))
        _check_percent_column(frame, spec.score_column, ctx)
        hf_orgs = readers._epoch_hf_orgs(readers.DATA_DIR)
        scores = _with_shipped_name(
            content, spec.shipped_name, lambda folder: readers.epoch_external_file_scores(folder, spec, hf_orgs)
        )
        stamped = _scores_stamped(scores, ctx, own_links=True)
        return Parsed(scores=stamped, spellings=_spellings(frame["Model version"]))

    return read


def _epoch_external_source(name: str, title: str, spec: readers.EpochExternalFile, licence: str) -> RefreshSource:
    file_name = f"external_benchmark_{spec.file_key}.csv"
    return RefreshSource(
        name=name,
        title=f"Epoch AI external results: {title}",
        default_url=f"https://epoch.ai/data/benchmark_data/{file_name}",
        file_name=file_name,
        licence=licence,
        credit=f"Epoch AI Benchmarking Hub, external {title} results (epoch.ai, {licence}); each score names its "
        "report",
        read=_epoch_external_reader(spec),
        score_prefix=readers.EPOCH_EXTERNAL_PREFIX,
        score_benchmarks=(spec.benchmark_id,),
    )


_EPOCH_EXTERNAL = {spec.file_key: spec for spec in readers.EPOCH_EXTERNAL_FILES}
_EPOCH_LICENCE = "CC BY 4.0 (Epoch AI)"


# --- Artificial Analysis -------------------------------------------------------------------------------------------

# Its evaluations: the indices on its own 0-100 scale, the rest fractions (turned into percent).
_AA_INDICES = {
    "artificial_analysis_intelligence_index": ("aa_intelligence_index", "Artificial Analysis Intelligence Index"),
    "artificial_analysis_coding_index": ("aa_coding_index", "Artificial Analysis Coding Index"),
    "artificial_analysis_math_index": ("aa_math_index", "Artificial Analysis Math Index"),
}
_AA_EVALUATIONS = {
    "mmlu_pro": "mmlu_pro",
    "gpqa": "gpqa_diamond",
    "hle": "hle",
    "livecodebench": "livecodebench",
    "scicode": "scicode",
    "math_500": "math_500",
    "aime_25": "aime_2025",
}
_AA_BENCHMARK_NAMES = {"hle": "Humanity's Last Exam", "scicode": "SciCode"}


def _aa_benchmarks() -> pd.DataFrame:
    rows = [
        {
            "benchmark_id": benchmark_id,
            "name": name,
            "scale": "index",
            "higher_is_better": True,
            "description": f"{name} (0-100), from Artificial Analysis' free API.",
        }
        for benchmark_id, name in _AA_INDICES.values()
    ]
    rows += [
        {
            "benchmark_id": benchmark_id,
            "name": name,
            "scale": "percent",
            "higher_is_better": True,
            "description": f"{name} as run by Artificial Analysis (accuracy).",
        }
        for benchmark_id, name in _AA_BENCHMARK_NAMES.items()
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS["benchmarks"]))


def read_artificial_analysis(content: bytes, ctx: ReadContext) -> Parsed:
    """Artificial Analysis' GET /api/v2/data/llms/models: indices, evaluations, prices per 1M tokens, medians."""
    data = _json(content, ctx)
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} has no 'data' list; is it Artificial Analysis' API?")
    if not items:
        raise RefreshError(f"{ctx.file_name} from {ctx.origin} lists no models (an empty list); nothing was loaded")
    label = _fetched_label("Artificial Analysis API", ctx)
    scores: list[dict[str, object]] = []
    prices: list[dict[str, object]] = []
    speeds: list[dict[str, object]] = []
    facts: list[dict[str, object]] = []
    seen: list[str] = []
    benchmark_ids = set(ctx.benchmark_ids) | set(_aa_benchmarks()["benchmark_id"])
    for index, item in enumerate(items):
        where = f"{ctx.file_name}: data[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("slug") or item.get("id"), str):
            raise RefreshError(f"{where} has no id or slug")
        key = str(item.get("slug") or item["id"])
        creator = _object(item.get("model_creator"))
        creator_slug = creator.get("slug") if isinstance(creator.get("slug"), str) else None
        spelling = f"{creator_slug}/{key}" if creator_slug else key
        model_id = canonical_model_id(spelling)
        seen.append(spelling)
        facts.append(
            {
                "model_id": model_id,
                "display_name": item.get("name") or key,
                "organisation": creator.get("name"),
                "open_weights": None,
                "release_date": readers._date(item.get("release_date")),
            }
        )
        evaluations = _object(item.get("evaluations"))
        found: list[tuple[str, float]] = []
        for field, (benchmark_id, _) in _AA_INDICES.items():
            value = _number(evaluations.get(field), f"{where}.evaluations.{field}", 0, 100, "index points")
            if value is not None:
                found.append((benchmark_id, value))
        for field, benchmark_id in _AA_EVALUATIONS.items():
            value = _number(evaluations.get(field), f"{where}.evaluations.{field}", 0, 1, "(a fraction)")
            if value is not None:
                found.append((benchmark_id, value * 100.0))
        for benchmark_id, value in found:
            if model_id and benchmark_id in benchmark_ids:
                scores.append(
                    {
                        "model_id": model_id,
                        "benchmark_id": benchmark_id,
                        "score": value,
                        "self_reported": False,
                        "source": ARTIFICIAL_ANALYSIS,
                        "source_url": ctx.origin,
                        "raw_model_name": spelling,
                        "as_of": ctx.as_of,
                    }
                )
        pricing = _object(item.get("pricing"))
        usd_in = _number(
            pricing.get("price_1m_input_tokens"), f"{where}.pricing.price_1m_input_tokens", 0, MAX_USD_PER_1M, "USD/1M"
        )
        usd_out = _number(
            pricing.get("price_1m_output_tokens"),
            f"{where}.pricing.price_1m_output_tokens",
            0,
            MAX_USD_PER_1M,
            "USD/1M",
        )
        _number(
            pricing.get("price_1m_blended_3_to_1"),
            f"{where}.pricing.price_1m_blended_3_to_1",
            0,
            MAX_USD_PER_1M,
            "USD/1M",
        )
        if usd_in is not None and usd_out is not None:
            prices.append(
                {
                    "model_key": spelling,
                    "provider": "artificial-analysis",
                    "model_id": model_id or None,
                    "usd_per_1m_input": usd_in,
                    "usd_per_1m_output": usd_out,
                }
            )
        tokens_per_s = _number(
            item.get("median_output_tokens_per_second"),
            f"{where}.median_output_tokens_per_second",
            0,
            MAX_TOKENS_PER_S,
            "tokens/s",
        )
        ttft_s = _number(
            item.get("median_time_to_first_token_seconds"),
            f"{where}.median_time_to_first_token_seconds",
            0,
            MAX_TTFT_S,
            "s",
        )
        if model_id and (tokens_per_s or ttft_s):
            speeds.append(
                {
                    "provider": "Artificial Analysis median",
                    "model_key": spelling,
                    "model_id": model_id,
                    "output_tokens_per_s": tokens_per_s,
                    "ttft_ms": None if ttft_s is None else ttft_s * 1000.0,
                    "source": ARTIFICIAL_ANALYSIS,
                    "as_of": ctx.as_of,
                }
            )
    speed_frame = pd.DataFrame(speeds, columns=list(TABLE_COLUMNS["api_performance"]))
    score_frame = pd.DataFrame(scores, columns=list(TABLE_COLUMNS["scores"]))
    return Parsed(
        prices=_price_rows(prices, "Artificial Analysis", label, ctx.as_of) if prices else None,
        scores=readers._best_per_key(score_frame, ["model_id", "benchmark_id", "source"]),
        api_performance=speed_frame.drop_duplicates(["provider", "model_key"], keep="last"),
        models=_model_facts(facts, "artificial-analysis", ctx.as_of),
        benchmarks=_aa_benchmarks(),
        spellings=_spellings(seen),
    )


SOURCES: tuple[RefreshSource, ...] = (
    RefreshSource(
        name="litellm",
        title="litellm price map",
        default_url=model_cost_map_url,
        file_name="model_prices_and_context_window.json",
        licence="MIT",
        credit="litellm's price map (BerriAI/litellm, MIT)",
        read=read_litellm_map,
        sheet_name=BUNDLED_SHEET_NAME,
        sheet_kind="bundled",
    ),
    RefreshSource(
        name="models-dev",
        title="models.dev",
        default_url="https://models.dev/api.json",
        file_name="api.json",
        licence="MIT",
        credit="models.dev (sst/models.dev, MIT)",
        read=read_models_dev,
        sheet_name="models.dev",
    ),
    RefreshSource(
        name="openrouter",
        title="OpenRouter",
        default_url="https://openrouter.ai/api/v1/models",
        file_name="models.json",
        licence="OpenRouter's public API (terms of service)",
        credit="OpenRouter's public model list (openrouter.ai)",
        read=read_openrouter,
        sheet_name="OpenRouter",
    ),
    RefreshSource(
        name="lmarena",
        title="LMArena text leaderboard",
        default_url="https://raw.githubusercontent.com/fboulnois/llm-leaderboard-csv/main/csv/lmarena_text.csv",
        file_name="lmarena_text.csv",
        licence="CC BY 4.0 (LMArena); CSV by fboulnois/llm-leaderboard-csv",
        credit="LMArena text leaderboard (CC BY 4.0), CSV by fboulnois/llm-leaderboard-csv",
        read=read_lmarena,
        score_source=readers.LMARENA,
    ),
    RefreshSource(
        name="llm-stats",
        title="llm-stats benchmark results",
        default_url="https://raw.githubusercontent.com/JonathanChavezTamales/llm-leaderboard/main/benchmarks_long.csv",
        file_name="llmstats_benchmarks_long.csv",
        licence="CC BY 4.0",
        credit="llm-stats leaderboard repository (JonathanChavezTamales/llm-leaderboard, CC BY 4.0)",
        read=read_llm_stats,
        score_source=readers.LLM_STATS,
    ),
    RefreshSource(
        name="epoch",
        title="Epoch AI Benchmarking Hub",
        default_url="https://epoch.ai/data/benchmark_data/benchmarks_runs.csv",
        file_name="benchmarks_runs.csv",
        licence="CC BY 4.0 (Epoch AI)",
        credit="Epoch AI Benchmarking Hub (epoch.ai, CC BY 4.0)",
        read=read_epoch_hub,
        score_source=readers.EPOCH_HUB,
    ),
    _epoch_external_source("epoch-mmlu", "MMLU", _EPOCH_EXTERNAL["mmlu"], _EPOCH_LICENCE),
    _epoch_external_source("epoch-gsm8k", "GSM8K", _EPOCH_EXTERNAL["gsm8k"], _EPOCH_LICENCE),
    _epoch_external_source("epoch-livebench", "LiveBench", _EPOCH_EXTERNAL["livebench"], _EPOCH_LICENCE),
    _epoch_external_source(
        "epoch-aider", "Aider Polyglot", _EPOCH_EXTERNAL["aider_polyglot"], _EPOCH_LICENCE + "; Aider's data Apache 2.0"
    ),
    RefreshSource(
        name="artificial-analysis",
        title="Artificial Analysis",
        default_url="https://artificialanalysis.ai/api/v2/data/llms/models",
        file_name="models.json",
        licence="Artificial Analysis free API terms: attribution required",
        credit="Artificial Analysis (artificialanalysis.ai), free API, attribution required",
        read=read_artificial_analysis,
        sheet_name="Artificial Analysis",
        score_source=ARTIFICIAL_ANALYSIS,
        performance_source=ARTIFICIAL_ANALYSIS,
        api_key_env=AA_KEY_ENV,
        api_key_secret=AA_KEY_SECRET,
        api_key_header="x-api-key",
        attribution=AA_ATTRIBUTION,
    ),
)
SOURCE_NAMES: tuple[str, ...] = tuple(source.name for source in SOURCES)


class UnknownSourceError(InputError):
    """A source name the registry does not know."""


def source_named(name: str) -> RefreshSource:
    """A registry entry by name; UnknownSourceError lists the known ones."""
    for source in SOURCES:
        if source.name == name.strip().lower():
            return source
    raise UnknownSourceError(f"unknown source {name!r}; known sources: {', '.join(SOURCE_NAMES)}")


def url_for(source: RefreshSource, env: Mapping[str, str], override: str | None = None) -> str:
    """Where to fetch a source: --url, else FRONTIER_SOURCE_URL_<NAME>, else its published link."""
    return override or env.get(source.env_name, "").strip() or source.url()


def credit_lines() -> list[str]:
    """Every refreshable source's credit line, for the app and the README."""
    return [f"{source.title}: {source.credit}" for source in SOURCES]
