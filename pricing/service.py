"""Use cases shared by the CLI and the app: read what a question needs from the store, answer it with
the pure functions, and return plain values. No Streamlit here, no SQL here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pricing.candidates import (
    CandidateFilters,
    CandidateOptions,
    build_candidates,
    build_performance_candidates,
    filter_candidates,
    frontier_of,
)
from pricing.cost import Pricer, TokenPrice, Usage
from pricing.frontier import mark_frontier
from pricing.measured_throughput import measured_throughput
from pricing.metrics import COST_METRICS, PERFORMANCE_METRICS, Metric, get_metric, quality_metrics
from pricing.offers import FREE_TIER, annotate_offers
from pricing.price_sources import default_sheet_name, pricer_of
from pricing.quotes import QuoteComparison, QuoteSheet, SheetTerms, compare_quotes, terms_from_mapping, terms_to_mapping
from pricing.selfhost import SelfHostSettings, self_hosted_offers
from pricing.sheets import parse_price_sheet, read_table, uploaded_sheet, validate_sheet_name
from pricing.store import PriceSheet, Store
from pricing.usage import ResolvedModel, resolve_model
from pricing.variants import with_variant_offers

CUSTOM_SHEET_NAME = "Deployment prices (set in Frontier)"
LEFT_OFF_COLUMNS = ("model_id", "model_key", "provider", "usd_per_1m_input", "usd_per_1m_output", "why")


@dataclass(frozen=True)
class FrontierResult:
    """Candidates with the frontier marked, and what they were computed from."""

    metric: Metric
    cost_metric: Metric
    candidates: pd.DataFrame
    sheet_name: str
    excluded_unscored: int
    # Offers of scored models kept off the chart, with why: $0 free tiers always, flagged prices by default.
    left_off: pd.DataFrame = dataclasses.field(default_factory=lambda: pd.DataFrame(columns=list(LEFT_OFF_COLUMNS)))

    @property
    def free_tier_left_off(self) -> int:
        """How many $0 offers of scored models were left off."""
        return int((self.left_off["why"] == FREE_TIER).sum())

    @property
    def flagged_left_off(self) -> int:
        """How many offers of scored models were left off because their price is flagged."""
        return int((self.left_off["why"] != FREE_TIER).sum())


def default_sheet(store: Store) -> str:
    """The default price source's sheet if present, else the first sheet (`pricing.price_sources`)."""
    return default_sheet_name(list(store.price_sheets()["sheet_name"]))


def check_sheet(store: Store, sheet_name: str) -> str:
    """The sheet name if it exists, else a LookupError listing the sheets."""
    names = list(store.price_sheets()["sheet_name"])
    if sheet_name not in names:
        raise LookupError(f"no price sheet named {sheet_name!r}; sheets: {', '.join(names)}")
    return sheet_name


def prices_with_deployments(store: Store, sheet_name: str, on: dt.date | None = None) -> pd.DataFrame:
    """A sheet's current prices, with the user's deployment prices added (they win on the same key).

    Each offer carries its model's `open_weights` and the offer columns of `pricing.offers.annotate_offers`:
    who sells it (maker or reseller, with a label), whether it is a $0 free tier, and any price flag.
    """
    prices = store.current_prices(sheet_name, on)
    if sheet_name != CUSTOM_SHEET_NAME:
        custom = store.current_prices(CUSTOM_SHEET_NAME, on)
        if not custom.empty:
            prices = pd.concat([prices[~prices["model_key"].isin(custom["model_key"])], custom], ignore_index=True)
    return annotate_offers(prices, store.models())


def pricer_for(store: Store, sheet_name: str) -> tuple[Pricer, pd.DataFrame]:
    """The pricer of a sheet (its source's own, else linear) and its current prices, annotated as offers."""
    prices = annotate_offers(store.current_prices(check_sheet(store, sheet_name)), store.models())
    return pricer_of(sheet_name, prices), prices


def metric_registry(store: Store) -> dict[str, Metric]:
    """Quality metrics known to the store."""
    return quality_metrics(store.benchmarks())


def frontier(
    store: Store,
    metric_id: str,
    sheet_name: str,
    options: CandidateOptions,
    filters: CandidateFilters | None = None,
    self_host: SelfHostSettings | None = None,
) -> FrontierResult:
    """Candidates for a metric under a sheet (and self-hosted offers), with the frontier marked."""
    filters = filters or CandidateFilters()
    metric = get_metric(metric_registry(store), metric_id)
    cost_metric = COST_METRICS["task_usd" if options.cost_kind == "task" else "blended_usd_per_1m"]
    prices = prices_with_deployments(store, check_sheet(store, sheet_name))
    offers = None
    if self_host is not None:
        ratio = options.profile.input_output_ratio if options.cost_kind == "task" else options.input_output_ratio
        offers = self_hosted_offers(measured_throughput(store), store.gpu_prices(), self_host, ratio)
    scores = store.scores(metric_id)
    delta = self_host.quality_delta if self_host is not None and self_host.quality_delta_by_precision else None
    priced_ids = set(prices["model_id"].dropna())
    unscored = len(priced_ids - set(scores["model_id"]))
    # A scored reasoning variant ("o3-mini:high") is offered at its base model's prices, labelled as such.
    with_variants = with_variant_offers(prices, scores["model_id"])
    candidates = build_candidates(with_variants, scores, store.models(), options, offers, delta)
    marked = frontier_of(filter_candidates(candidates, filters), metric.higher_is_better)
    left_off = left_off_offers(with_variants, scores, options)
    return FrontierResult(metric, cost_metric, marked, sheet_name, unscored, left_off)


def with_filters(result: FrontierResult, filters: CandidateFilters) -> FrontierResult:
    """The same candidates under other filters, the frontier marked again, without re-reading prices or scores."""
    candidates = result.candidates.drop(columns=["on_frontier"], errors="ignore")
    marked = frontier_of(filter_candidates(candidates, filters), result.metric.higher_is_better)
    return dataclasses.replace(result, candidates=marked)


def left_off_offers(prices: pd.DataFrame, scores: pd.DataFrame, options: CandidateOptions) -> pd.DataFrame:
    """Offers of scored models that the frontier leaves out, and why: $0 free tiers, and flagged prices by default."""
    scored = prices[prices["model_id"].isin(set(scores["model_id"]))]
    free = scored["free_tier"].astype(bool)
    flagged = scored["price_flagged"].astype(bool) & ~free & (not options.include_flagged)
    left = scored[free | flagged]
    left = left.assign(why=left["price_flag_reason"].where(~left["free_tier"].astype(bool), FREE_TIER))
    return left[list(LEFT_OFF_COLUMNS)].sort_values(["model_id", "model_key"]).reset_index(drop=True)


def set_deployment_price(
    store: Store,
    model_key: str,
    model_id: str | None,
    usd_per_1m_input: float,
    usd_per_1m_output: float,
    usd_per_1m_cached_input: float | None = None,
    provider: str | None = None,
    on: dt.date | None = None,
) -> None:
    """Record a user-set price for one deployment (e.g. a NIM endpoint) in the custom sheet."""
    if usd_per_1m_input < 0 or usd_per_1m_output < 0:
        raise ValueError("prices must be 0 or more USD per 1M tokens")
    if not model_key.strip():
        raise ValueError("name the deployment (e.g. nvidia_nim/meta/llama-3.1-8b-instruct)")
    day = on or dt.date.today()
    row = pd.DataFrame(
        [
            {
                "sheet_name": CUSTOM_SHEET_NAME,
                "model_key": model_key.strip(),
                "provider": provider or "self-hosted",
                "model_id": model_id,
                "usd_per_1m_input": float(usd_per_1m_input),
                "usd_per_1m_output": float(usd_per_1m_output),
                "usd_per_1m_cached_input": usd_per_1m_cached_input,
                "usd_per_1m_batch_input": None,
                "usd_per_1m_batch_output": None,
                "context_tokens": None,
                "effective_date": day,
                "source": "set in Frontier by a user",
            }
        ]
    )
    sheet = PriceSheet(CUSTOM_SHEET_NAME, "custom", "set in Frontier by users", day)
    store.add_price_sheet(sheet, row)


def upload_price_sheet(
    store: Store,
    name: str,
    file_name: str,
    content: bytes,
    today: dt.date | None = None,
    *,
    created_by: str | None = None,
) -> int:
    """Validate an uploaded CSV/XLSX sheet and save it whole, or raise SheetError/ValueError saving nothing.

    `created_by`: the person uploading (default: the deployment's user, FRONTIER_USER)."""
    bundled = set(store.price_sheets().query("kind == 'bundled'")["sheet_name"])
    sheet_name = validate_sheet_name(name, bundled)
    day = today or dt.date.today()
    prices = parse_price_sheet(read_table(content, file_name), file_name, day)
    store.add_price_sheet(uploaded_sheet(sheet_name, file_name, day), prices, created_by=created_by)
    return len(prices)


@dataclass(frozen=True)
class RequestQuote:
    """The cost of one request, the price it used, and which offer the name resolved to and why."""

    model_key: str
    cost_usd: float
    price: pd.Series
    resolved: ResolvedModel


def quote_request(store: Store, sheet_name: str, model: str, usage: Usage) -> RequestQuote:
    """Cost of one request under a sheet (deployment prices included); UnpricedModelError if none."""
    prices = prices_with_deployments(store, check_sheet(store, sheet_name))
    resolved = resolve_model(model, prices, sheet_name)
    key = resolved.model_key
    row = prices[prices["model_key"] == key].iloc[0]
    # A deployment price set in the app is priced linearly, whatever the chosen sheet's source does.
    cost = pricer_of(str(row["sheet_name"]), prices).cost_usd(key, usage)
    return RequestQuote(key, cost, row, resolved)


@dataclass(frozen=True)
class PerformanceFrontierResult:
    """Quality against measured speed or latency, with the frontier marked."""

    metric: Metric
    x_metric: Metric
    candidates: pd.DataFrame


def performance_frontier(
    store: Store, metric_id: str, x_metric_id: str, score_filter: str = "any", filters: CandidateFilters | None = None
) -> PerformanceFrontierResult:
    """Quality against output speed or time to first token, where the store has measurements."""
    metric = get_metric(metric_registry(store), metric_id)
    x_metric = get_metric(PERFORMANCE_METRICS, x_metric_id)
    candidates = build_performance_candidates(
        store.api_performance(), store.scores(metric_id), store.models(), score_filter
    )
    filters = filters or CandidateFilters()
    candidates = candidates.dropna(subset=[x_metric_id])
    if filters.providers:
        candidates = candidates[candidates["provider"].isin(filters.providers)]
    if filters.open_weights_only:
        candidates = candidates[candidates["open_weights"].map(lambda v: v is True)]
    if filters.min_quality is not None:
        candidates = candidates[candidates["quality"] >= filters.min_quality]
    marked = mark_frontier(candidates, x_metric_id, "quality", not x_metric.higher_is_better, metric.higher_is_better)
    return PerformanceFrontierResult(metric, x_metric, marked)


@dataclass(frozen=True)
class OfferFacts:
    """A frontier and what the store knows of every offer under its sheet besides: the prices (deployment prices
    added), the model catalogue and measured speed and latency; enough to describe any option priced from the
    sheet, on the frontier or not."""

    frontier: FrontierResult
    prices: pd.DataFrame
    models: pd.DataFrame
    performance: pd.DataFrame


def offer_facts(
    store: Store,
    metric_id: str,
    sheet_name: str | None,
    options: CandidateOptions,
    self_host: SelfHostSettings | None = None,
) -> OfferFacts:
    """The frontier for a metric under a sheet (the default sheet when None; LookupError for an unknown one), with the
    facts of every offer under that sheet."""
    sheet = check_sheet(store, sheet_name) if sheet_name else default_sheet(store)
    return OfferFacts(
        frontier=frontier(store, metric_id, sheet, options, self_host=self_host),
        prices=prices_with_deployments(store, sheet),
        models=store.models(),
        performance=store.api_performance(),
    )


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: the price sheets with their dates, every source loaded into the store (with
    rows and dates), and the probe runs, newest first."""

    price_sheets: pd.DataFrame
    sources: pd.DataFrame
    probe_runs: pd.DataFrame


def provenance(store: Store) -> Provenance:
    """The price sheets, sources and probe runs a report cites."""
    return Provenance(price_sheets=store.price_sheets(), sources=store.sources(), probe_runs=store.runs())


def save_sheet_terms(store: Store, sheet_name: str, terms: SheetTerms) -> None:
    """Keep a sheet's terms with it (replacing any it had)."""
    values = terms_to_mapping(terms)
    tiers = values.pop("tiers")
    store.save_sheet_terms(check_sheet(store, sheet_name), {**values, "tiers_json": json.dumps(tiers)})


def all_sheet_terms(store: Store) -> dict[str, SheetTerms]:
    """Every sheet's stored terms, by sheet name."""
    terms = {}
    for row in store.sheet_terms().to_dict("records"):
        values = {key: _plain(value) for key, value in row.items() if key not in ("sheet_name", "updated_at")}
        values["tiers"] = json.loads(str(values.pop("tiers_json") or "[]"))
        terms[str(row["sheet_name"])] = terms_from_mapping(
            {key: value for key, value in values.items() if value is not None}, f"stored terms of {row['sheet_name']}"
        )
    return terms


def _plain(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def _token_price(row: Mapping[str, object], sheet_name: str) -> TokenPrice:
    cached = _plain(row.get("usd_per_1m_cached_input"))
    return TokenPrice(
        model_key=str(row["model_key"]),
        sheet_name=sheet_name,
        usd_per_1m_input=float(row["usd_per_1m_input"]),  # type: ignore[arg-type]
        usd_per_1m_output=float(row["usd_per_1m_output"]),  # type: ignore[arg-type]
        usd_per_1m_cached_input=float(cached) if cached is not None else None,  # type: ignore[arg-type]
    )


def _quoted(prices: pd.DataFrame, name: str, model_id: object) -> pd.Series | None:
    """A sheet's row for a model: its own key, else an offer of the same canonical model (the maker's own first)."""
    exact = prices[prices["model_key"] == name]
    if not exact.empty:
        return exact.iloc[0]
    if model_id is None:
        return None
    same = prices[prices["model_id"] == model_id]
    if same.empty:
        return None
    resold = same["model_key"].str.contains("/")
    return same.assign(resold=resold).sort_values(["resold", "model_key"]).iloc[0]


def compare_sheets(
    store: Store,
    monthly: pd.DataFrame,
    models: Mapping[str, str],
    sheet_names: Sequence[str],
    horizon_months: int,
    today: dt.date | None = None,
    monthly_growth: float = 0.0,
    terms: Mapping[str, SheetTerms] | None = None,
    volume_path: Sequence[float] | None = None,
    growth_label: str | None = None,
) -> QuoteComparison:
    """Quotes side by side: the list (the default sheet) first, then each named sheet, with stored or given terms.

    Models are compared under the names the usage gives and the quotes list; a sheet prices a name by its own key,
    else by an offer of the same canonical model, so a vendor's `gpt-4o` meets the list's.
    """
    today = today or dt.date.today()
    list_name = default_sheet(store)
    names = [list_name, *[check_sheet(store, name) for name in sheet_names if name != list_name]]
    stored = all_sheet_terms(store)
    given = dict(terms or {})
    frames = {name: store.current_prices(name, today) for name in names}
    wanted = sorted({*models.values(), *[k for n in names[1:] for k in frames[n]["model_key"]]})
    model_ids: dict[str, object] = {}
    for key in wanted:
        for frame in frames.values():
            hit = frame[frame["model_key"] == key]
            if not hit.empty and _plain(hit.iloc[0]["model_id"]) is not None:
                model_ids[key] = _plain(hit.iloc[0]["model_id"])
                break
        else:
            model_ids[key] = key if any((f["model_id"] == key).any() for f in frames.values()) else None
    unknown = sorted(
        {name for name in models.values() if all(_quoted(frames[n], name, model_ids[name]) is None for n in names)}
    )
    if unknown:
        raise LookupError(f"no sheet compared prices {', '.join(unknown)}; check the model name (e.g. gpt-4o)")
    sheets = []
    for name in names:
        prices = {}
        for key in wanted:
            row = _quoted(frames[name], key, model_ids[key])
            if row is not None:
                prices[key] = _token_price(row.to_dict(), name)
        sheets.append(QuoteSheet(name, prices, given.get(name, stored.get(name))))
    return compare_quotes(monthly, models, sheets, horizon_months, today, monthly_growth, volume_path, growth_label)
