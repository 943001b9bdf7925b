"""What every page shares: the store, cached loaders, the sidebar's pricing settings, formatting.

The only layer between pages and the domain packages. Caching lives here: the store is a resource;
loaders and heavy computations are cached by their inputs, and every write clears those caches, so
every browser session sees an upload at once; a write by another process (a replica, the command line, a probe)
clears them on this process's next script run, when the store's change count has moved.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from pricing import service
from pricing.candidates import CandidateFilters, CandidateOptions, pick_scores
from pricing.cost import DEFAULT_STALE_AFTER_DAYS
from pricing.exports import fmt_date as fmt_date  # re-exported: pages format dates and amounts with them
from pricing.exports import fmt_usd as fmt_usd
from pricing.exports import to_csv_bytes, to_xlsx_bytes
from pricing.metrics import DEFAULT_METRIC, Metric
from pricing.price_sources import credit_line, default_sheet_name
from pricing.selfhost import SelfHostSettings
from pricing.sources.freshness import DEFAULT_SCORE_STALE_AFTER_DAYS
from pricing.sources.seed import seed
from pricing.store import UNCOUNTED_TABLES, Store, resolve_db_path, session_user
from pricing.store import StoreError as StoreError  # re-exported: app.py shows it as a message
from ui import url_state

if TYPE_CHECKING:
    from pricing.planning.projection import ProjectionInputs
    from pricing.planning.service import DefaultModel, Evaluation, Uncertainty
    from pricing.portfolio.service import PortfolioPlan, PortfolioRequest, PortfolioSection
    from pricing.report.request import ReportRequest

# Session-state keys shared by all pages, named once.
KEY_SHEET = "shared_sheet"
KEY_RATIO = "shared_io_ratio"
KEY_CACHE_HIT = "shared_cache_hit_pct"
KEY_STALE_DAYS = "shared_stale_days"
KEY_SCORE_STALE_DAYS = "shared_score_stale_days"

SOURCES_CREDIT = (
    f"Prices: {credit_line()}. Scores: llm-stats.com (CC BY 4.0), LMArena, "
    "Open LLM Leaderboard v2, Epoch AI (MIT), Artificial Analysis via Epoch AI. GPU prices: GIX index, "
    "Prime Intellect marketplace via gpu-price-tracker (MIT), public list prices. Throughput: NVIDIA "
    "TensorRT-LLM (Apache-2.0) and NIM docs. Details on the Catalogue page and in the README."
)


@st.cache_resource(show_spinner="Opening the Frontier database (first start seeds it)...")
def _store_at(path: str) -> Store:
    store = Store(path)
    seed(store, only_if_needed=True)
    return store


def get_store() -> Store:
    """The shared store for the configured file, seeded on first start (reseeded only when shipped data changed)."""
    return _store_at(str(resolve_db_path()))


def current_user() -> str | None:
    """Who is using this session, for the rows they create: the signed-in user where the server has authentication
    configured (their name, else email), else the deployment's FRONTIER_USER, else None. Never a credential."""
    try:
        info = st.user.to_dict()
    except Exception:  # no script context, or a Streamlit without st.user: the deployment's name stands
        info = {}
    return session_user(info)


# What every table shows in a cell without a value (Streamlit's default is the word 'None').
MISSING = "—"

# The store's change count this process last saw, per store: caches filled before it moved hold stale rows.
_seen_change_counts: dict[str, int] = {}
_seen_lock = threading.Lock()


def _changed_since_seen(count: int) -> bool:
    key = str(resolve_db_path())
    with _seen_lock:
        changed = _seen_change_counts.get(key) != count
        _seen_change_counts[key] = count
    return changed


def reload_if_store_changed() -> None:
    """Drop every cached loader when the store changed since this process last looked: another replica, the command
    line, a probe or a scheduled refresh wrote. One small read per script run (app.py calls it before the page)."""
    if _changed_since_seen(get_store().change_count()):
        st.cache_data.clear()


def after_write() -> None:
    """Drop every cached loader after a write, so every page and browser session sees it."""
    count = get_store().change_count()  # read first: a write committed after it moves it again and clears again
    st.cache_data.clear()
    _changed_since_seen(count)


@st.cache_data(show_spinner=False)
def load_sheets() -> pd.DataFrame:
    """Price sheets with model counts and dates."""
    return get_store().price_sheets()


@st.cache_data(show_spinner=False)
def load_prices(sheet_name: str) -> pd.DataFrame:
    """Current prices of a sheet with deployment prices added."""
    return service.prices_with_deployments(get_store(), sheet_name)


def load_table(name: str) -> pd.DataFrame:
    """One of the store's tables by name, cached per database file; the lists of scenarios and usage uploads are
    read fresh on every run (a few small rows; writes to them do not move the change count, see UNCOUNTED_TABLES)."""
    if name in UNCOUNTED_TABLES:
        return _read_table(get_store(), name)
    return _load_table(str(resolve_db_path()), name)


@st.cache_data(show_spinner=False)
def _load_table(db_path: str, name: str) -> pd.DataFrame:
    return _read_table(_store_at(db_path), name)


def _read_table(store: Store, name: str) -> pd.DataFrame:
    loaders = {
        "models": store.models,
        "aliases": store.aliases,
        "benchmarks": store.benchmarks,
        "scores": store.scores,
        "gpu_prices": store.gpu_prices,
        "throughput": store.throughput,
        "api_performance": store.api_performance,
        "sources": store.sources,
        "endpoints": store.endpoints,
        "usage_uploads": store.usage_uploads,
        "scenarios": store.scenarios,
    }
    return loaders[name]()


@st.cache_data(show_spinner=False)
def load_metric_scores(metric_id: str) -> dict[str, float]:
    """Each model's one score on a metric (independent first, then the latest), by canonical model id."""
    picked = pick_scores(get_store().scores(metric_id))
    return {str(m): float(v) for m, v in zip(picked["model_id"], picked["score"], strict=True)}


def load_usage_monthly(upload_id: str) -> pd.DataFrame:
    """The monthly volumes of one kept usage upload."""
    return _load_usage_monthly(str(resolve_db_path()), upload_id)


@st.cache_data(show_spinner=False)
def _load_usage_monthly(db_path: str, upload_id: str) -> pd.DataFrame:
    return _store_at(db_path).usage_monthly(upload_id)


@st.cache_data(show_spinner="Projecting spend and running the Monte Carlo...", max_entries=16)
def load_evaluation(inputs: ProjectionInputs, uncertainty: Uncertainty) -> Evaluation:
    """A scenario's projection, Monte Carlo and sensitivity (cached by every input: reruns that change nothing in
    the scenario, such as typing a scenario name, do not recompute)."""
    from pricing.planning.service import evaluate  # scipy and the planning code load only where a page projects

    return evaluate(inputs, uncertainty)


@st.cache_data(show_spinner=False)
def load_default_api_models(sheet_name: str, metric_id: str = DEFAULT_METRIC) -> tuple[DefaultModel, ...]:
    """The API options every page and `project` start from, chosen on a metric's frontier (none when nothing is
    scored on it)."""
    from pricing.planning.service import default_api_models

    try:
        return default_api_models(get_store(), sheet_name, metric_id)
    except LookupError:
        return ()


def load_portfolio_plan(request: PortfolioRequest) -> PortfolioPlan:
    """The solved portfolio of a request (cached by the whole request, frames included, and by the probe runs, which
    feed quality, latency and cascades)."""
    return _load_portfolio_plan(request, _probe_evidence())


def load_portfolio_section(request: PortfolioRequest, curve_workload: str) -> PortfolioSection:
    """The report section of a request's portfolio, with the floor curve of one workload (cached as the plan)."""
    return _load_portfolio_section(request, _probe_evidence(), curve_workload)


def _probe_evidence() -> str:
    """Changes whenever a probe run starts or finishes."""
    runs = probe_runs()
    return f"{len(runs)}:{runs['finished_at'].max() if not runs.empty else ''}"


@st.cache_data(show_spinner="Solving the portfolio...", max_entries=32)
def _load_portfolio_plan(request: PortfolioRequest, evidence: str) -> PortfolioPlan:
    from pricing.portfolio.service import plan_portfolio  # scipy's solver loads only where a page optimises

    return plan_portfolio(get_store(), request)


@st.cache_data(show_spinner="Moving the floor...", max_entries=32)
def _load_portfolio_section(request: PortfolioRequest, evidence: str, curve_workload: str) -> PortfolioSection:
    from pricing.portfolio.service import report_section

    return report_section(get_store(), _load_portfolio_plan(request, evidence), curve_workload)


def report_pdf_bytes(store: Store, request: ReportRequest) -> bytes:
    """A scenario's PDF report; fpdf2, kaleido and Chromium load only when someone asks for one."""
    from pricing.report.pdf import pdf_report

    return pdf_report(store, request)


def report_summary_csv_bytes(store: Store, request: ReportRequest) -> bytes:
    """The report's one-page summary table as CSV (one row per option), gathered as the PDF gathers it."""
    from pricing.report.document import gather, summary_table

    return to_csv_bytes(summary_table(gather(store, request)))


def portfolio_pdf_bytes(section: PortfolioSection, prepared_for: str = "", today: dt.date | None = None) -> bytes:
    """A portfolio's PDF report, loading the PDF machinery only when asked for."""
    from pricing.report.pdf import portfolio_pdf

    return portfolio_pdf(section, prepared_for=prepared_for, today=today)


def probe_runs() -> pd.DataFrame:
    """Every probe run, newest first: read fresh each time, since a run in progress changes it every second.

    While any run is 'running', runs whose process has died (a command-line probe killed meanwhile) are marked
    interrupted first, so the history never shows a dead run as running.
    """
    store = get_store()
    runs = store.runs()
    if (runs["status"] == "running").any() and store.interrupt_orphaned_runs():
        runs = store.runs()
    return runs


def probe_requests(run_id: str) -> pd.DataFrame:
    """The requests of one probe run so far (read fresh: a running probe adds to them)."""
    return get_store().run_requests(run_id)


def save_endpoint(row: dict[str, object]) -> None:
    """Keep an endpoint's settings (never a key, only the name of the variable that holds it)."""
    get_store().save_endpoint(row)
    after_write()


@st.cache_data(show_spinner=False)
def load_metrics() -> dict[str, Metric]:
    """Quality metrics the store has scores for."""
    return service.metric_registry(get_store())


@st.cache_data(show_spinner="Computing the frontier...")
def load_frontier(
    metric_id: str,
    sheet_name: str,
    options: CandidateOptions,
    filters: CandidateFilters,
    self_host: SelfHostSettings | None,
) -> service.FrontierResult:
    """The frontier for a metric and settings (cached by every input); filters reuse the unfiltered candidates."""
    return service.with_filters(load_unfiltered_frontier(metric_id, sheet_name, options, self_host), filters)


@st.cache_data(show_spinner="Computing the frontier...")
def load_unfiltered_frontier(
    metric_id: str, sheet_name: str, options: CandidateOptions, self_host: SelfHostSettings | None
) -> service.FrontierResult:
    """Every candidate for a metric and settings before the user's filters (cached by every input)."""
    return service.frontier(get_store(), metric_id, sheet_name, options, None, self_host)


@st.cache_data(show_spinner="Computing the frontier...")
def load_performance_frontier(metric_id: str, x_metric_id: str, score_filter: str) -> service.PerformanceFrontierResult:
    """Quality against measured speed or latency (cached by its inputs)."""
    return service.performance_frontier(get_store(), metric_id, x_metric_id, score_filter)


@st.cache_data(show_spinner=False)
def load_coverage(sheet_name: str) -> tuple[int, int, int]:
    """(priced models, priced models with scores, priced entries) of a sheet."""
    cov = get_store().coverage(sheet_name)
    return cov.priced_models, cov.priced_models_with_scores, cov.priced_entries


@dataclass(frozen=True)
class PricingSettings:
    """The sidebar's settings, which every page applies."""

    sheet_name: str
    input_output_ratio: float
    cache_hit_rate: float
    stale_after_days: int
    score_stale_after_days: int = DEFAULT_SCORE_STALE_AFTER_DAYS

    def options(self, **overrides: object) -> CandidateOptions:
        """Candidate options with these settings."""
        base: dict[str, object] = {
            "input_output_ratio": self.input_output_ratio,
            "cache_hit_rate": self.cache_hit_rate,
            "stale_after_days": self.stale_after_days,
        }
        base.update(overrides)
        return CandidateOptions(**base)  # type: ignore[arg-type]

    def link_values(self) -> dict[str, object]:
        """The settings as a page's link carries them (the query parameters `sidebar` reads)."""
        return {
            "sheet": self.sheet_name,
            "io_ratio": self.input_output_ratio,
            "cache_pct": round(self.cache_hit_rate * 100),
            "stale_days": self.stale_after_days,
            "score_stale_days": self.score_stale_after_days,
        }


def sidebar() -> PricingSettings:
    """Render the shared settings in the sidebar and return them."""
    sheets = load_sheets()
    names = list(sheets["sheet_name"])
    default = names.index(default_sheet_name(names)) if names else 0
    link = url_state.ViewLink()  # a page's link may carry these settings (see PricingSettings.link_values)
    link.restore("sheet", KEY_SHEET, url_state.choice(names))
    link.restore("io_ratio", KEY_RATIO, url_state.number(0, 100))
    link.restore("cache_pct", KEY_CACHE_HIT, url_state.number(0, 100, whole=True))
    link.restore("stale_days", KEY_STALE_DAYS, url_state.number(1, 3650, whole=True))
    link.restore("score_stale_days", KEY_SCORE_STALE_DAYS, url_state.number(1, 3650, whole=True))
    with st.sidebar:
        st.markdown("### Pricing assumptions")
        for problem in link.problems:
            st.warning(problem)
        sheet = st.selectbox(
            "Price sheet",
            names,
            index=default,
            key=KEY_SHEET,
            help="Which prices to use. Upload a negotiated sheet on the Prices & self-hosting page.",
        )
        ratio = st.number_input(
            "Input:output tokens (x:1)",
            min_value=0.0,
            max_value=100.0,
            value=3.0,
            step=0.5,
            key=KEY_RATIO,
            help="Blended price weights input and output prices by this ratio; 3:1 is the common default "
            "(Artificial Analysis blends at 3:1).",
        )
        cache_pct = st.slider(
            "Cache-hit rate (% of input)",
            0,
            100,
            0,
            key=KEY_CACHE_HIT,
            help="Share of input tokens served from the provider's prompt cache, billed at the cached price.",
        )
        stale = st.number_input(
            "Flag prices older than (days)",
            min_value=1,
            max_value=3650,
            value=DEFAULT_STALE_AFTER_DAYS,
            step=30,
            key=KEY_STALE_DAYS,
        )
        score_stale = st.number_input(
            "Flag scores older than (days)",
            min_value=1,
            max_value=3650,
            value=DEFAULT_SCORE_STALE_AFTER_DAYS,
            step=30,
            key=KEY_SCORE_STALE_DAYS,
            help="The explorer warns when the chosen metric's newest score is older than this.",
        )
        st.caption(SOURCES_CREDIT)
    return PricingSettings(str(sheet), float(ratio), cache_pct / 100.0, int(stale), int(score_stale))


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_buttons(frame: pd.DataFrame, base_name: str, key: str, label: str = "", index: bool = False) -> None:
    """CSV and XLSX download buttons for a table; text that a spreadsheet would run as a formula is quoted."""
    what = f" {label}" if label else ""
    row = st.container(horizontal=True)  # each button as wide as its label: none is cut short
    # Callables: the file is made when the button is pressed, not on every rerun (XLSX of 10k rows takes ~1 s).
    row.download_button(
        f"Download{what} (CSV)",
        functools.partial(to_csv_bytes, frame, index=index),
        f"{base_name}.csv",
        "text/csv",
        key=f"{key}_csv",
    )
    row.download_button(
        f"Download{what} (XLSX)",
        functools.partial(to_xlsx_bytes, frame, base_name, index=index),
        f"{base_name}.xlsx",
        XLSX_MIME,
        key=f"{key}_xlsx",
    )


KEY_SETTINGS = "shared_settings"


def current_settings() -> PricingSettings:
    """The settings the sidebar rendered on this run (app.py renders the sidebar before each page)."""
    settings = st.session_state.get(KEY_SETTINGS)
    if not isinstance(settings, PricingSettings):
        settings = sidebar()
        st.session_state[KEY_SETTINGS] = settings
    return settings
