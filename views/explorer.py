"""Frontier explorer: quality against cost for any benchmark, with filters, the frontier table and CSV."""

from __future__ import annotations

import streamlit as st

from pricing.candidates import CandidateFilters
from pricing.cost import ALLOCATION_BASIS, BUSY_BASIS, WorkloadProfile
from pricing.exports import usd_column_format
from pricing.metrics import DEFAULT_METRIC
from pricing.offers import OFFER_CHOICES
from pricing.report.charts import frontier_figure
from pricing.selfhost import SelfHostSettings
from pricing.sizing import (
    DEFAULT_HEADROOM,
    DEFAULT_MONTHLY_OUTPUT_TOKENS,
    DEFAULT_OUTPUT_TOKENS_PER_REQUEST,
    DEFAULT_PEAK_TO_AVERAGE,
    DEFAULT_TARGET_UTILISATION,
)
from pricing.variants import priced_as_note
from ui import url_state
from ui.common import (
    MISSING,
    current_settings,
    download_buttons,
    fmt_date,
    fmt_usd,
    load_frontier,
    load_metrics,
    load_performance_frontier,
)
from ui.refresh import load_new_model_ids, new_model_note, show_metric_freshness
from ui.relative import relative_panel

KEY_METRIC = "explorer_metric"
KEY_AXIS = "explorer_axis"
KEY_COST_KIND = "explorer_cost_kind"
KEY_SCORES = "explorer_scores"
KEY_IN_TOKENS = "explorer_input_tokens"
KEY_OUT_TOKENS = "explorer_output_tokens"
KEY_PROVIDERS = "explorer_providers"
KEY_DEPLOYMENTS = "explorer_deployments"
KEY_OPEN = "explorer_open_weights"
KEY_SELF_HOSTABLE = "explorer_self_hostable"
KEY_MIN_CONTEXT = "explorer_min_context_k"
KEY_MIN_QUALITY = "explorer_min_quality"
KEY_MAX_COST = "explorer_max_cost"
KEY_OFFERS = "explorer_offers"
KEY_INCLUDE_FLAGGED = "explorer_include_flagged"

KEY_UTILISATION = "explorer_utilisation_pct"
KEY_VOLUME = "explorer_monthly_output_m"
KEY_PEAK = "explorer_peak_to_average"
KEY_HEADROOM = "explorer_headroom_pct"
KEY_BASIS = "explorer_basis"
KEY_DELTA_8 = "explorer_quality_delta_8bit"
KEY_DELTA_4 = "explorer_quality_delta_4bit"
AXES = {"cost": "Cost", "output_tokens_per_s": "Output speed", "ttft_ms": "Time to first token"}
COST_KINDS = {"blended": "Blended price per 1M tokens", "task": "Cost per task (workload profile)"}
DEPLOYMENTS = ["API", "self-hosted"]
SCORE_FILTERS = {
    "any": "Any source",
    "independent": "Independent only",
    "self-reported": "Self-reported only",
}

settings = current_settings()
metrics = load_metrics()
metric_ids = sorted(metrics, key=lambda m: (m != DEFAULT_METRIC, metrics[m].name.lower()))

# Shareable state: every control that changes the view travels in the URL (ui.url_state), so a copied address
# reproduces the view; a parameter is read when the session opens the link, and written back on every run.
link = url_state.ViewLink()
link.restore("metric", KEY_METRIC, url_state.choice(metric_ids))
link.restore("axis", KEY_AXIS, url_state.choice(list(AXES)))
link.restore("cost", KEY_COST_KIND, url_state.choice(list(COST_KINDS)))
link.restore("scores", KEY_SCORES, url_state.choice(list(SCORE_FILTERS)))
link.restore("offers", KEY_OFFERS, url_state.choice(list(OFFER_CHOICES)))
link.restore("flagged", KEY_INCLUDE_FLAGGED, url_state.flag)
link.restore("in_tokens", KEY_IN_TOKENS, url_state.number(0, 2_000_000, whole=True))
link.restore("out_tokens", KEY_OUT_TOKENS, url_state.number(0, 200_000, whole=True))
link.restore("deploy", KEY_DEPLOYMENTS, url_state.items(DEPLOYMENTS))
link.restore("open", KEY_OPEN, url_state.flag)
link.restore("self_hostable", KEY_SELF_HOSTABLE, url_state.flag)
link.restore("min_context_k", KEY_MIN_CONTEXT, url_state.number(0, 10_000, whole=True))
link.restore("min_quality", KEY_MIN_QUALITY, url_state.number())
link.restore("max_cost", KEY_MAX_COST, url_state.number(0))
link.restore("util", KEY_UTILISATION, url_state.number(5, 100, whole=True))
link.restore("basis", KEY_BASIS, url_state.choice([ALLOCATION_BASIS, BUSY_BASIS]))
link.restore("q8", KEY_DELTA_8, url_state.number(-100, 100))
link.restore("q4", KEY_DELTA_4, url_state.number(-100, 100))
link.restore("volume_m", KEY_VOLUME, url_state.number(1, 10_000_000))
link.restore("peak", KEY_PEAK, url_state.number(1, 20))
link.restore("headroom", KEY_HEADROOM, url_state.number(0, 300, whole=True))
for name, value in settings.link_values().items():
    link.keep(name, value)

st.title("Frontier explorer")
st.caption(
    "Each point is a way to buy a model's output: an API offer from the price sheet or a self-hosted "
    "deployment on rented GPUs. Points on the line are not beaten on both cost and quality by any other."
)

top = st.columns([3, 2, 3, 2])
metric_id = top[0].selectbox(
    "Quality metric",
    metric_ids,
    format_func=lambda m: metrics[m].label,
    key=KEY_METRIC,
)
axis = top[1].radio(
    "Against",
    list(AXES),
    format_func=AXES.get,
    key=KEY_AXIS,
    help="Cost from price sheets and GPU prices, or speed and latency measured per provider (llm-stats).",
)
cost_kind = top[2].radio(
    "Cost", list(COST_KINDS), format_func=COST_KINDS.get, key=KEY_COST_KIND, disabled=axis != "cost"
)
score_filter = top[3].selectbox(
    "Scores",
    list(SCORE_FILTERS),
    format_func=SCORE_FILTERS.get,
    key=KEY_SCORES,
    help="Vendors report many scores themselves; independent ones come from LMArena, Epoch AI, the Open LLM "
    "Leaderboard and Artificial Analysis. 'Any source' takes a model's independent score where it has one.",
)
for name, value in (("metric", metric_id), ("axis", axis), ("cost", cost_kind), ("scores", score_filter)):
    link.keep(name, value)
shown_problems = list(link.problems)
for problem in shown_problems:
    st.warning(problem)
show_metric_freshness(metric_id, metrics[metric_id].label, settings.sheet_name, settings.score_stale_after_days)

if axis != "cost":
    perf = load_performance_frontier(metric_id, axis, score_filter)
    points = perf.candidates
    st.metric("Provider offers with a measurement and a score", f"{len(points):,}")
    if points.empty:
        st.warning("No provider offer has both a measurement and a score on this metric; pick another metric.")
        st.stop()
    st.plotly_chart(
        frontier_figure(points, perf.metric, perf.x_metric, log_cost=axis == "ttft_ms", x_column=axis),
        key="explorer_perf_chart",
    )
    st.caption(
        f"{perf.x_metric.label} as measured per provider offer by llm-stats (dates in the table). Output speed is "
        f"per request; time to first token from request to first token. Quality: {perf.metric.label}."
    )
    table = points[points["on_frontier"]].assign(
        measured_date=lambda f: f["measured_date"].map(fmt_date), quality_date=lambda f: f["quality_date"].map(fmt_date)
    )
    st.dataframe(
        table[
            [
                "display_name",
                "provider",
                "output_tokens_per_s",
                "ttft_ms",
                "quality",
                "quality_source",
                "quality_date",
                "measured_by",
                "measured_date",
            ]
        ],
        hide_index=True,
        width="stretch",
        key="explorer_perf_table",
        column_config={
            "display_name": "Model",
            "provider": "Provider",
            "output_tokens_per_s": st.column_config.NumberColumn("Output speed (tokens/s)", format="%.0f"),
            "ttft_ms": st.column_config.NumberColumn("Time to first token (ms)", format="%.0f"),
            "quality": st.column_config.NumberColumn(f"{perf.metric.name} ({perf.metric.unit})", format="%.4g"),
            "quality_source": "Score source",
            "quality_date": "Score date",
            "measured_by": "Measured by",
            "measured_date": "Measured on",
        },
        placeholder=MISSING,
    )
    download_buttons(points, f"frontier_{metric_id}_{axis}", "explorer_perf_download", label="all offers")
    link.publish()
    st.stop()

offer_cols = st.columns([3, 2])
offer_choice = offer_cols[0].radio(
    "Offer per model",
    list(OFFER_CHOICES),  # the first, the maker's list price, is the default
    format_func=OFFER_CHOICES.get,
    key=KEY_OFFERS,
    horizontal=True,
    help="A model is often sold by its maker and by resellers, not always as the same product. The maker's list "
    "price is the default; where the maker does not sell a model, the cheapest host of open weights stands for "
    "it, and for other models the median-priced reseller. $0 offers (free tiers) are never plotted.",
)
include_flagged = offer_cols[1].toggle(
    "Include flagged prices",
    key=KEY_INCLUDE_FLAGGED,
    help="A reseller's price more than 5x the maker's list price (or 5x the median of the model's other offers), "
    "or one dearer for input than output where the family charges more for output, is flagged and left off "
    "unless you include it.",
)
link.keep("offers", offer_choice)
link.keep("flagged", include_flagged)

profile = WorkloadProfile(cache_hit_rate=settings.cache_hit_rate)
if cost_kind == "task":
    task_cols = st.columns(2)
    input_tokens = task_cols[0].number_input("Input tokens per task", 0, 2_000_000, 1500, 100, key=KEY_IN_TOKENS)
    output_tokens = task_cols[1].number_input("Output tokens per task", 0, 200_000, 500, 50, key=KEY_OUT_TOKENS)
    profile = WorkloadProfile(float(input_tokens), float(output_tokens), settings.cache_hit_rate)
    link.keep("in_tokens", input_tokens)
    link.keep("out_tokens", output_tokens)

with st.expander("Filters and self-hosting assumptions", expanded=False):
    f1, f2, f3 = st.columns(3)
    deployments = f1.multiselect("Deployment", DEPLOYMENTS, default=DEPLOYMENTS, key=KEY_DEPLOYMENTS)
    open_only = f1.toggle("Open weights only", key=KEY_OPEN)
    self_hostable_only = f1.toggle(
        "Self-hostable only",
        key=KEY_SELF_HOSTABLE,
        help="Open weights, or a throughput measurement on a GPU in the store.",
    )
    min_context_k = f2.number_input("Minimum context (thousand tokens)", 0, 10_000, 0, 8, key=KEY_MIN_CONTEXT)
    min_quality = f2.number_input(
        f"Minimum quality ({metrics[metric_id].unit})", value=None, key=KEY_MIN_QUALITY, placeholder="none"
    )
    max_cost = f2.number_input("Maximum cost (USD)", min_value=0.0, value=None, key=KEY_MAX_COST, placeholder="none")
    utilisation = f3.slider(
        "Target utilisation at the peak hour (%)",
        5,
        100,
        round(DEFAULT_TARGET_UTILISATION * 100),
        key=KEY_UTILISATION,
        help="How full a replica may run in the busiest hour (as in Spend projections). The fleet is whole "
        "replicas sized for that hour, so the average load is lower, and idle reserved GPUs still cost money.",
    )
    basis = f3.radio(
        "Self-hosted cost basis",
        [ALLOCATION_BASIS, BUSY_BASIS],
        key=KEY_BASIS,
        horizontal=True,
        help="Allocation: the GPUs you reserve, busy or idle (what the invoice says). Busy-time: only serving "
        "hours, which always flatters self-hosting.",
    )
    q1, q2 = f3.columns(2)
    delta_8 = q1.number_input(
        f"Quality change at 8-bit ({metrics[metric_id].unit})",
        -100.0,
        100.0,
        0.0,
        0.5,
        key=KEY_DELTA_8,
        help="Published scores are usually for 16-bit weights; set what you expect quantisation to cost.",
    )
    delta_4 = q2.number_input(f"...at 4-bit ({metrics[metric_id].unit})", -100.0, 100.0, 0.0, 0.5, key=KEY_DELTA_4)
    st.caption("Self-hosted fleets are sized like Spend projections: whole replicas for this volume's peak hour.")
    v1, v2, v3 = st.columns(3)
    volume_m = v1.number_input(
        "Self-hosted volume (million output tokens a month)",
        1.0,
        10_000_000.0,
        DEFAULT_MONTHLY_OUTPUT_TOKENS / 1e6,
        100.0,
        key=KEY_VOLUME,
        help="The volume the realistic self-hosted figure is sized for: whole replicas cost the same at any load.",
    )
    peak = v2.number_input("Peak hour / average traffic", 1.0, 20.0, DEFAULT_PEAK_TO_AVERAGE, 0.25, key=KEY_PEAK)
    headroom_pct = v3.number_input(
        "Headroom above the peak (%)", 0, 300, round(DEFAULT_HEADROOM * 100), 5, key=KEY_HEADROOM
    )

self_host_settings = SelfHostSettings(
    utilisation=utilisation / 100.0,
    basis=basis,
    quality_delta_by_precision=tuple((k, v) for k, v in (("8-bit", delta_8), ("4-bit", delta_4)) if v),
    monthly_output_tokens=float(volume_m) * 1e6,
    peak_to_average=float(peak),
    headroom=headroom_pct / 100.0,
    output_tokens_per_request=profile.output_tokens_per_request
    if cost_kind == "task" and profile.output_tokens_per_request > 0
    else DEFAULT_OUTPUT_TOKENS_PER_REQUEST,
)
options = settings.options(
    score_filter=score_filter,
    cost_kind=cost_kind,
    profile=profile,
    offers=offer_choice,
    include_flagged=include_flagged,
)
base = load_frontier(
    metric_id,
    settings.sheet_name,
    options,
    CandidateFilters(),
    self_host_settings,
)
providers = sorted(base.candidates["provider"].dropna().unique())
link.restore("providers", KEY_PROVIDERS, url_state.items(providers))
for problem in link.problems[len(shown_problems) :]:
    st.warning(problem)
selected_providers = st.multiselect(
    "Providers",
    providers,
    key=KEY_PROVIDERS,
    placeholder="All providers",
    help="Leave empty for all. Self-hosted offers are listed as 'self-hosted <GPUs>'.",
)
for name, value in (
    ("deploy", deployments),
    ("open", open_only),
    ("self_hostable", self_hostable_only),
    ("min_context_k", min_context_k),
    ("min_quality", min_quality),
    ("max_cost", max_cost),
    ("util", utilisation),
    ("basis", basis),
    ("q8", delta_8),
    ("q4", delta_4),
    ("volume_m", volume_m),
    ("peak", peak),
    ("headroom", headroom_pct),
    ("providers", selected_providers),
):
    link.keep(name, value, empty_is_none=name == "deploy")
link.publish()
filters = CandidateFilters(
    providers=tuple(selected_providers),
    open_weights_only=open_only,
    self_hostable_only=self_hostable_only,
    min_context_tokens=int(min_context_k * 1000) or None,
    min_quality=min_quality,
    max_cost_usd=max_cost,
    deployments=tuple(deployments),
)
result = load_frontier(metric_id, settings.sheet_name, options, filters, self_host_settings)
candidates = result.candidates
frontier = candidates[candidates["on_frontier"]]

m = st.columns(4)
m[0].metric(
    "Offers plotted",
    f"{len(candidates):,}",
    help="Offers with a price and a score: one per model and deployment unless 'Every offer' is chosen.",
)
m[1].metric("On the frontier", f"{len(frontier):,}")
m[2].metric(
    "Priced models without this score",
    f"{result.excluded_unscored:,}",
    help="Models with a price but no score on this metric: they cannot be placed on the chart.",
)
stale = int(candidates["price_stale"].sum()) if len(candidates) else 0
m[3].metric(
    "Possibly stale prices", f"{stale:,}", help=f"Prices older than {settings.stale_after_days} days or undated."
)

if candidates.empty:
    st.warning(
        "No model has both a price and a score for these settings. Widen the filters, allow any score source, "
        "or pick a metric with more scored models."
    )
    st.stop()

if not relative_panel(link, candidates, result.metric, result.cost_metric):
    st.plotly_chart(frontier_figure(candidates, result.metric, result.cost_metric), key="explorer_chart")
if new_note := new_model_note(candidates["model_id"], "on this chart"):
    st.info(new_note)
left_off = result.left_off
flagged_note = (
    f"{result.flagged_left_off:,} offers with a flagged price are included and marked"
    if include_flagged
    else f"{result.flagged_left_off:,} offers with a flagged price are left off"
)
st.caption(
    f"Offers: {OFFER_CHOICES[offer_choice].lower()} per model. {result.free_tier_left_off:,} free-tier ($0) offers "
    f"are never plotted (a $0 price is usable only when an offer is named by its key); {flagged_note}."
)
if not left_off.empty:
    with st.expander(f"Offers left off ({len(left_off):,}), and why"):
        st.table(
            left_off.assign(
                usd_per_1m_input=left_off["usd_per_1m_input"].map(fmt_usd),
                usd_per_1m_output=left_off["usd_per_1m_output"].map(fmt_usd),
            )
            .rename(
                columns={
                    "model_id": "Model",
                    "model_key": "Offer (sheet key)",
                    "provider": "Provider",
                    "usd_per_1m_input": "Input (USD per 1M)",
                    "usd_per_1m_output": "Output (USD per 1M)",
                    "why": "Why it is left off",
                }
            )
            .set_index("Model")
        )
        download_buttons(left_off, f"left_off_{metric_id}", "explorer_left_off_download", label="this list")
basis_text = "allocation basis (reserved GPUs, busy or idle)" if basis == ALLOCATION_BASIS else "busy-time basis"
st.caption(
    f"Cost: {result.cost_metric.label}. API prices from '{settings.sheet_name}' at {settings.input_output_ratio:g}:1 "
    f"input:output and {settings.cache_hit_rate:.0%} cache hits. Self-hosted points are the realistic figure, "
    f"{basis_text}: whole replicas for {volume_m:,.0f}M output tokens a month with a peak hour {peak:g}x the "
    f"average, {headroom_pct}% headroom and {utilisation}% target utilisation at the peak, each replica serving "
    "the measured throughput of the measurement nearest your request's input and output lengths (named in the "
    "hover and the table). The table's best case is the same GPUs busy at the target utilisation every hour (no "
    "peak, no idle replica); a self-hosted "
    "blended price is its output price / (ratio + 1), since GPU time already pays for the input. Reasoning "
    "variants (model:high) are priced as their base model. Quality: "
    f"{result.metric.label}; hover a point for its source and date."
)

st.subheader("Models on the frontier")
table = frontier.assign(
    price_date=frontier["price_date"].map(fmt_date)
    + frontier["price_stale"].map(lambda stale: " (possibly stale)" if stale else ""),
    quality_date=frontier["quality_date"].map(fmt_date),
    new_since_refresh=frontier["model_id"].isin(load_new_model_ids()),
    # A self-hosted offer bills GPU time, not input tokens: its whole cost is on output tokens.
    usd_per_1m_input=frontier["usd_per_1m_input"].where(frontier["deployment"] != "self-hosted"),
    quality_source=frontier["quality_source"]
    + frontier["self_reported"].map(lambda own: " (self-reported)" if own else " (independent)"),
    offer_basis=[
        f"{why}; {priced_as_note(model)}" if isinstance(priced, str) and priced else why
        for why, model, priced in zip(frontier["offer_basis"], frontier["model_id"], frontier["priced_as"], strict=True)
    ],
)
TABLE_COLUMNS = {  # column -> header, as the table shows it and its download names it
    "display_name": "Model",  # the two figures the chart plots first, then how the offer was chosen
    "quality": result.metric.label,
    "cost_usd": f"Cost ({result.cost_metric.unit})",
    "offer_label": "Offer",
    "offer_basis": "Why this offer",
    "price_flag_reason": "Price flag",
    "cost_usd_best_case": "Self-hosted best case",
    "quality_source": "Score source",
    "quality_date": "Score date",
    "measurement": "Throughput measurement (self-hosted)",
    "usd_per_1m_input": "Input (USD per 1M)",
    "usd_per_1m_output": "Output (USD per 1M)",
    "price_date": "Price date",
    "context_tokens": "Context (tokens)",
    "open_weights": "Open weights",
    "new_since_refresh": "New since the last refresh",
}
st.dataframe(
    table[list(TABLE_COLUMNS)],
    hide_index=True,
    width="stretch",
    key="explorer_frontier_table",
    column_config=TABLE_COLUMNS
    | {
        "cost_usd": st.column_config.NumberColumn(
            TABLE_COLUMNS["cost_usd"], format=usd_column_format(table["cost_usd"])
        ),
        "cost_usd_best_case": st.column_config.NumberColumn(
            TABLE_COLUMNS["cost_usd_best_case"],
            format=usd_column_format(table["cost_usd_best_case"]),
            help="The same GPUs busy at the target utilisation every hour, with no peak and no idle replica: a "
            "floor, not a forecast.",
        ),
        "measurement": st.column_config.TextColumn(TABLE_COLUMNS["measurement"], width="medium"),
        "quality": st.column_config.NumberColumn(TABLE_COLUMNS["quality"], format="%.4g"),
        "usd_per_1m_input": st.column_config.NumberColumn(
            TABLE_COLUMNS["usd_per_1m_input"], format=usd_column_format(table["usd_per_1m_input"])
        ),
        "usd_per_1m_output": st.column_config.NumberColumn(
            TABLE_COLUMNS["usd_per_1m_output"], format=usd_column_format(table["usd_per_1m_output"])
        ),
        "context_tokens": st.column_config.NumberColumn(TABLE_COLUMNS["context_tokens"], format="%,d"),
    },
    placeholder=MISSING,
)
# The download: the same columns and headers, with the dates as dates and staleness as its own column.
download = table.assign(
    price_date=frontier["price_date"], quality_date=frontier["quality_date"], price_stale=frontier["price_stale"]
)[[*TABLE_COLUMNS, "price_stale"]].rename(columns=TABLE_COLUMNS | {"price_stale": "Price possibly stale"})
download_buttons(download, f"frontier_table_{metric_id}_{cost_kind}", "explorer_frontier_download", label="this table")
download_buttons(candidates, f"frontier_{metric_id}_{cost_kind}", "explorer_download", label="all candidates")
