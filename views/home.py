"""Home: what Frontier answers, what data it holds, the current frontier at a glance, where to go next."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pricing.candidates import CandidateFilters
from pricing.metrics import COST_METRICS, DEFAULT_METRIC
from pricing.report.charts import frontier_figure
from pricing.selfhost import SelfHostSettings
from pricing.sources.registry import AA_ATTRIBUTION
from ui.common import (
    MISSING,
    current_settings,
    download_buttons,
    fmt_date,
    fmt_usd,
    load_coverage,
    load_frontier,
    load_metrics,
    load_table,
)
from ui.navigation import PAGES
from ui.refresh import REPORT_KEY, load_recent_refreshes, load_source_status, run_refresh

settings = current_settings()
st.title("Frontier")
st.markdown(
    "**Which language model gives you the quality you need at the lowest cost, from an API or on your "
    "own GPUs?** Frontier puts public benchmark scores, real per-token prices and self-hosting costs "
    "on one chart, so you can see which models nobody beats on both price and quality, and defend the "
    "choice with sources and dates."
)

models = load_table("models")
scores = load_table("scores")
gpu_prices = load_table("gpu_prices")
throughput = load_table("throughput")
priced_models, joined_models, priced_entries = load_coverage(settings.sheet_name)

cols = st.columns(6)
cols[0].metric(
    "Priced offers", f"{priced_entries:,}", help=f"Provider offers with token prices in '{settings.sheet_name}'."
)
cols[1].metric("Priced models", f"{priced_models:,}", help="Distinct models among the priced offers.")
cols[2].metric(
    "Priced and scored",
    f"{joined_models:,} ({joined_models / max(priced_models, 1):.0%})",
    help="Join coverage: priced models that have at least one benchmark score. Most of the rest are newer "
    "than the public score sources, or are not text-generation models.",
)
cols[3].metric("Benchmark scores", f"{len(scores):,}", help=f"Scores of {scores['model_id'].nunique():,} models.")
cols[4].metric("GPU prices", f"{len(gpu_prices):,}", help="Hourly GPU prices (USD per GPU-hour) with dates.")
cols[5].metric(
    "Throughput figures", f"{len(throughput):,}", help="Measured serving throughput, for self-hosting costs."
)

st.subheader("The frontier at a glance")
metrics = load_metrics()
if DEFAULT_METRIC in metrics:
    result = load_frontier(
        DEFAULT_METRIC, settings.sheet_name, settings.options(), CandidateFilters(), SelfHostSettings()
    )
    frontier = result.candidates[result.candidates["on_frontier"]]
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(
            frontier_figure(
                result.candidates, result.metric, COST_METRICS["blended_usd_per_1m"], height=420, label_frontier=False
            ),
            key="home_frontier_chart",
        )
        st.caption(
            f"Quality: {result.metric.label} from LMArena. Cost: blended USD per 1M tokens at "
            f"{settings.input_output_ratio:g}:1 input:output, prices from '{settings.sheet_name}'; self-hosted "
            "points are whole GPU replicas sized for 1B output tokens a month (peak hour 2x the average, 20% "
            "headroom, 70% target utilisation), each at its measured throughput: the explorer sets these."
        )
    with right:
        st.markdown(
            f"**{len(frontier)} models on the frontier** out of {len(result.candidates)} "
            "with a price and an Arena score:"
        )
        for _, row in frontier.sort_values("cost_usd").iterrows():
            st.markdown(
                f"- **{row['display_name']}** ({row['provider']}): {fmt_usd(row['cost_usd'])} per 1M tokens, "
                f"Elo {row['quality']:.0f} ({row['quality_source']}, {fmt_date(row['quality_date'])})"
            )

st.subheader("Where to go next")
PLACES = [page for page in PAGES if page.url_path]  # every page but this one
for start in range(0, len(PLACES), 3):
    for column, place in zip(st.columns(3), PLACES[start : start + 3], strict=False):  # the last row may be short
        with column:
            st.page_link(place.script, label=place.title, icon=place.icon)
            st.caption(place.what)

st.subheader("What the data is")
KIND_LABELS = {
    "price sheet": "Token prices",
    "scores": "Benchmark scores",
    "gpu prices": "GPU hourly prices",
    "throughput": "Serving throughput",
    "api performance": "API speed and latency",
}
sources = load_table("sources")
sources = sources[sources["kind"].isin(KIND_LABELS)].assign(
    kind=lambda f: f["kind"].map(KIND_LABELS),
    # Epoch's external compilations cite dozens of reports: one line for them, one line per throughput file.
    source=lambda f: f["source"]
    .str.replace(
        r"^Epoch AI \(external: .*\)$", "Epoch AI external compilations (HELM, LiveBench, Aider, reports)", regex=True
    )
    .str.replace(r"^serving_throughput_reference\.csv.*$", "published vLLM / SGLang / TRT-LLM benchmarks", regex=True),
)
sources = sources.groupby(["kind", "source"], as_index=False, sort=False).agg(
    rows=("rows", "sum"), as_of=("as_of", "max")
)
sources["as_of"] = sources["as_of"].map(fmt_date)  # a source without dates says "undated", not "None"
st.dataframe(
    sources,
    hide_index=True,
    width="stretch",
    height=36 * (len(sources) + 1) + 4,
    key="home_sources",
    column_config={
        "kind": "Data",
        "source": "Source",
        "rows": st.column_config.NumberColumn("Rows", format="%,d"),
        "as_of": st.column_config.TextColumn("Latest date"),
    },
    placeholder=MISSING,
)
download_buttons(sources, "home_sources", "home_sources_dl")
st.caption(
    f"Facts (release date, parameters, licence) for {len(models):,} models, each source's spelling mapped to one "
    "canonical id. llm-stats data is CC BY 4.0, Epoch AI data MIT, litellm's price map MIT; see the README."
)

st.subheader("Update data")
st.caption(
    "Frontier works offline from the data it ships; here it fetches each source's current file, checks it, and "
    "loads it only if nothing looks broken (a refused or failed source leaves its data as it was). Air-gapped: "
    "`python -m pricing refresh --from-file NAME=FILE`; a mirror: `FRONTIER_SOURCE_URL_<NAME>` (see the README)."
)
status = load_source_status()
status_view = status.assign(
    as_of=status["as_of"].map(fmt_date),
    age=status["age_days"].map(lambda d: "never" if pd.isna(d) else f"{int(d):,} days"),
    last_refreshed=status["last_refreshed"].map(lambda t: "never" if pd.isna(t) else f"{t:%Y-%m-%d %H:%M} UTC"),
)
st.dataframe(
    status_view[["title", "as_of", "age", "last_refreshed", "credit"]],
    hide_index=True,
    width="stretch",
    key="home_refresh_sources",
    column_config={
        "title": "Source",
        "as_of": st.column_config.TextColumn("Newest data"),
        "age": st.column_config.TextColumn("Age"),
        "last_refreshed": st.column_config.TextColumn("Last refreshed"),
        "credit": "Credit and licence",
    },
    placeholder=MISSING,
)
REFRESH_BUTTONS_PER_ROW = 5  # a source name such as "artificial-analysis" fits a fifth of the page
chosen: tuple[str, ...] = ()
if st.button("Update all", key="home_refresh_all", type="primary"):
    chosen = tuple(status["source"])
names = [str(name) for name in status["source"]]
for start in range(0, len(names), REFRESH_BUTTONS_PER_ROW):  # rows of buttons, so each name fits its button
    row = names[start : start + REFRESH_BUTTONS_PER_ROW]
    for column, name in zip(st.columns(REFRESH_BUTTONS_PER_ROW), row, strict=False):
        if column.button(name, key=f"home_refresh_{name}", help=f"Update {name} only", width="stretch"):
            chosen = (name,)
if chosen:
    run_refresh(chosen)
report = st.session_state.get(REPORT_KEY)
if report is not None:
    for outcome in report.outcomes:
        show = st.success if outcome.ok else st.error
        show(outcome.message, icon=None)
        changes = outcome.changes[outcome.changes["change"] != "new_source"]
        if not changes.empty:
            st.dataframe(
                changes.assign(change=changes["change"].str.replace("_", " "))[
                    ["change", "model_id", "model_key", "field", "old_value", "new_value", "change_pct"]
                ],
                hide_index=True,
                width="stretch",
                key=f"home_refresh_diff_{outcome.source}",
                column_config={
                    "change": "Change",
                    "model_id": "Model",
                    "model_key": "As the source names it",
                    "field": "Price (USD per 1M tokens) or benchmark",
                    "old_value": st.column_config.NumberColumn("Before", format="%.4g"),
                    "new_value": st.column_config.NumberColumn("After", format="%.4g"),
                    "change_pct": st.column_config.NumberColumn("Change (%)", format="%+.1f"),
                },
                placeholder=MISSING,
            )
        if outcome.unjoined:
            st.caption(
                f"{len(outcome.unjoined):,} rows join no canonical model (map them in data/model_aliases.csv): "
                + ", ".join(outcome.unjoined[:20])
            )
recent = load_recent_refreshes()
if not recent.empty:
    st.markdown("**Last refreshes**")
    st.dataframe(
        recent[["fetched_at", "source_name", "url", "rows_loaded", "content_sha256"]].assign(
            content_sha256=recent["content_sha256"].str[:12]
        ),
        hide_index=True,
        width="stretch",
        key="home_refresh_history",
        column_config={
            "fetched_at": st.column_config.DatetimeColumn("Fetched (UTC)", format="YYYY-MM-DD HH:mm"),
            "source_name": "Source",
            "url": "From",
            "rows_loaded": st.column_config.NumberColumn("Rows", format="%,d"),
            "content_sha256": "SHA-256 (first 12)",
        },
        placeholder=MISSING,
    )
st.caption(AA_ATTRIBUTION)
