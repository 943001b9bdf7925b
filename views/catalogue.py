"""Catalogue: every model, price, score, GPU price and throughput measurement in the store, searchable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.common import current_settings, download_buttons, load_coverage, load_prices, load_table

KEY_SEARCH = "catalogue_search"

settings = current_settings()
st.title("Catalogue")
query = st.text_input(
    "Search",
    key=KEY_SEARCH,
    placeholder="e.g. llama 3.3, claude, qwen3, H100",
    help="Matches any spelling: canonical ids, provider keys and each source's names.",
)


def matching(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows where every search word appears in one of the columns."""
    if not query.strip():
        return frame
    text = frame[columns].astype(object).fillna("").astype(str).agg(" ".join, axis=1).str.lower()
    keep = pd.Series(True, index=frame.index)
    for word in query.lower().split():
        keep &= text.str.contains(word, regex=False)
    return frame[keep]


aliases = load_table("aliases")
alias_text = aliases.groupby("model_id")["alias"].agg(lambda s: " ".join(sorted(set(s))))
priced, joined, entries = load_coverage(settings.sheet_name)
st.caption(
    f"Join coverage: {joined:,} of {priced:,} priced models ({joined / max(priced, 1):.0%}) in '{settings.sheet_name}' "
    f"have at least one benchmark score; {len(aliases):,} source spellings map to canonical ids."
)

tab_models, tab_prices, tab_scores, tab_gpu, tab_tp, tab_api = st.tabs(
    ["Models", "Prices", "Scores", "GPU prices", "Serving throughput", "API speed"]
)

with tab_models:
    models = load_table("models").assign(aliases=lambda f: f["model_id"].map(alias_text))
    shown = matching(models, ["model_id", "display_name", "family", "organisation", "aliases"])
    st.caption(f"{len(shown):,} of {len(models):,} models. Facts with their source and as-of date.")
    st.dataframe(
        shown.drop(columns=["aliases"]),
        hide_index=True,
        width="stretch",
        key="catalogue_models",
        column_config={
            "param_count_b": st.column_config.NumberColumn("Parameters (billions)", format="%.1f"),
            "context_tokens": st.column_config.NumberColumn("Context (tokens)", format="%d"),
        },
    )
    download_buttons(shown, "models", "catalogue_models_dl")

with tab_prices:
    prices = load_prices(settings.sheet_name)
    ages = (pd.Timestamp.today().normalize() - pd.to_datetime(prices["effective_date"])).dt.days
    prices = prices.assign(possibly_stale=ages.isna() | (ages > settings.stale_after_days))
    shown = matching(prices, ["model_key", "model_id", "provider"])
    st.caption(
        f"{len(shown):,} of {len(prices):,} prices in '{settings.sheet_name}' (USD per 1M tokens), with deployment "
        f"prices you set. Prices older than {settings.stale_after_days} days are flagged as possibly stale."
    )
    st.dataframe(
        shown[
            [
                "model_key",
                "provider",
                "model_id",
                "usd_per_1m_input",
                "usd_per_1m_output",
                "usd_per_1m_cached_input",
                "usd_per_1m_batch_input",
                "usd_per_1m_batch_output",
                "context_tokens",
                "sheet_name",
                "effective_date",
                "possibly_stale",
                "source",
            ]
        ],
        hide_index=True,
        width="stretch",
        key="catalogue_prices",
        column_config={
            c: st.column_config.NumberColumn(c.replace("usd_per_1m_", "USD/1M ").replace("_", " "), format="$%.4g")
            for c in [
                "usd_per_1m_input",
                "usd_per_1m_output",
                "usd_per_1m_cached_input",
                "usd_per_1m_batch_input",
                "usd_per_1m_batch_output",
            ]
        },
    )
    download_buttons(shown, "prices", "catalogue_prices_dl")

with tab_scores:
    scores = load_table("scores")
    benchmarks = load_table("benchmarks").set_index("benchmark_id")
    scores = scores.assign(
        benchmark=scores["benchmark_id"].map(benchmarks["name"]),
        scale=scores["benchmark_id"].map(benchmarks["scale"]),
    )
    shown = matching(scores, ["model_id", "benchmark_id", "benchmark", "source", "raw_model_name"])
    st.caption(f"{len(shown):,} of {len(scores):,} scores; percent scale 0-100 unless the scale says Elo.")
    st.dataframe(
        shown[
            [
                "model_id",
                "benchmark",
                "score",
                "scale",
                "self_reported",
                "source",
                "as_of",
                "raw_model_name",
                "source_url",
            ]
        ],
        hide_index=True,
        width="stretch",
        key="catalogue_scores",
        column_config={"source_url": st.column_config.LinkColumn("Source link")},
    )
    download_buttons(shown, "scores", "catalogue_scores_dl")

with tab_gpu:
    gpu = load_table("gpu_prices")
    shown = matching(gpu, ["gpu", "provider", "price_type", "source"])
    st.caption(f"{len(shown):,} of {len(gpu):,} GPU hourly prices (USD per GPU-hour).")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="catalogue_gpu",
        column_config={
            "usd_per_gpu_hour": st.column_config.NumberColumn("USD per GPU-hour", format="$%.2f"),
            "source_url": st.column_config.LinkColumn("Source link"),
        },
    )
    download_buttons(shown, "gpu_prices", "catalogue_gpu_dl")

with tab_tp:
    tp = load_table("throughput")
    shown = matching(tp, ["model_id", "raw_model_name", "gpu", "engine", "precision", "source"])
    st.caption(
        f"{len(shown):,} of {len(tp):,} serving measurements. output_tokens_per_s is the total over all GPUs of the "
        "row, at the stated input/output lengths and concurrency."
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="catalogue_throughput",
        column_config={
            "output_tokens_per_s": st.column_config.NumberColumn("Output tokens/s", format="%.0f"),
            "source_url": st.column_config.LinkColumn("Source link"),
        },
    )
    download_buttons(shown, "throughput", "catalogue_throughput_dl")

with tab_api:
    api = load_table("api_performance")
    shown = matching(api, ["model_id", "model_key", "provider"])
    st.caption(f"{len(shown):,} of {len(api):,} provider offers with measured output speed and time to first token.")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="catalogue_api",
        column_config={
            "output_tokens_per_s": st.column_config.NumberColumn("Output tokens/s", format="%.0f"),
            "ttft_ms": st.column_config.NumberColumn("Time to first token (ms)", format="%.0f"),
        },
    )
    download_buttons(shown, "api_performance", "catalogue_api_dl")
