"""Catalogue: every model, price, score, GPU price and throughput measurement in the store, searchable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pricing.exports import readable_header
from ui.common import MISSING, current_settings, download_buttons, load_coverage, load_prices, load_table
from ui.refresh import load_new_model_ids, new_model_note

KEY_SEARCH = "catalogue_search"
KEY_SPELLINGS_VIEW = "catalogue_spellings_view"
KEY_FLAGGED_ONLY = "catalogue_flagged_only"

settings = current_settings()
st.title("Catalogue")
query = st.text_input(
    "Search",
    key=KEY_SEARCH,
    placeholder="e.g. llama 3.3, claude, qwen3, H100",
    help="Matches any spelling: canonical ids, provider keys and each source's names.",
)


def headers(frame: pd.DataFrame) -> dict[str, str]:
    """Every column's header in words ('usd_per_gpu_hour' -> 'USD per GPU hour'); columns with a header of their own
    override it."""
    return {str(column): readable_header(column) for column in frame.columns}


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
joined_aliases = aliases.dropna(subset=["model_id"])
alias_text = joined_aliases.groupby("model_id")["alias"].agg(lambda s: " ".join(sorted(set(s))))
loose_count = joined_aliases[joined_aliases["loose"].fillna(False).astype(bool)].groupby("model_id").size()
priced, joined, entries = load_coverage(settings.sheet_name)
st.caption(
    f"Join coverage: {joined:,} of {priced:,} priced models ({joined / max(priced, 1):.0%}) in '{settings.sheet_name}' "
    f"have at least one benchmark score; {len(joined_aliases):,} source spellings map to canonical ids, "
    f"{int(joined_aliases['loose'].fillna(False).astype(bool).sum()):,} of them by a loose rule, and "
    f"{int(aliases['model_id'].isna().sum()):,} are refused (they would name several models). See 'Spellings'."
)

tab_models, tab_spellings, tab_prices, tab_scores, tab_gpu, tab_tp, tab_api = st.tabs(
    ["Models", "Spellings", "Prices", "Scores", "GPU prices", "Serving throughput", "API speed"]
)

with tab_models:
    models = load_table("models").assign(
        aliases=lambda f: f["model_id"].map(alias_text),
        loose_joins=lambda f: f["model_id"].map(loose_count).fillna(0).astype(int),
        new_since_refresh=lambda f: f["model_id"].isin(load_new_model_ids()),
    )
    shown = matching(models, ["model_id", "display_name", "family", "organisation", "aliases"])
    st.caption(
        f"{len(shown):,} of {len(models):,} models. Facts with their source and as-of date. Dated snapshots and "
        "reasoning variants (`model:high`, `model:thinking-32k`) are models of their own; 'Loose joins' counts "
        "spellings joined by a loose rule (another precision, a host's name): see 'Spellings'."
    )
    if new_note := new_model_note(models["model_id"], "in the catalogue"):
        st.info(new_note)
    st.dataframe(
        shown.drop(columns=["aliases"]),
        hide_index=True,
        width="stretch",
        key="catalogue_models",
        column_config=headers(shown)
        | {
            "param_count_b": st.column_config.NumberColumn("Parameters (billions)", format="%.1f"),
            "context_tokens": st.column_config.NumberColumn("Context (tokens)", format="%d"),
            "loose_joins": st.column_config.NumberColumn("Loose joins", format="%d"),
            "new_since_refresh": st.column_config.CheckboxColumn("New since the last refresh"),
        },
        placeholder=MISSING,
    )
    download_buttons(shown, "models", "catalogue_models_dl")

with tab_spellings:
    view = st.radio(
        "Show",
        ["All spellings", "Loose joins only", "Refused spellings"],
        horizontal=True,
        key=KEY_SPELLINGS_VIEW,
        help="A loose join reads another build of the same weights (a quantised file, a host's marketing name, a "
        "bare size read as the instruct model) as the model; a refused spelling names a family or a moving alias "
        "with no dated target, so it joins nothing rather than the wrong model.",
    )
    table = aliases.assign(loose=aliases["loose"].fillna(False).astype(bool))
    if view == "Loose joins only":
        table = table[table["loose"]]
    elif view == "Refused spellings":
        table = table[table["model_id"].isna()]
    shown = matching(table, ["model_id", "alias", "source", "rule"]).sort_values(["model_id", "source", "alias"])
    st.caption(
        f"{len(shown):,} spellings. Each row is one source's name for a model and the rule that joined it: 'curated' "
        "rows are in data/model_aliases.csv (reviewed), 'snapshot-table' and 'pointer' rows in "
        "data/model_snapshots.csv and data/model_pointers.csv (dated, with sources); the others are spelling rules."
    )
    st.dataframe(
        shown[["model_id", "alias", "source", "rule", "loose", "reason"]],
        hide_index=True,
        width="stretch",
        key="catalogue_spellings",
        column_config=headers(shown)
        | {
            "model_id": st.column_config.TextColumn("Canonical model"),
            "alias": st.column_config.TextColumn("Spelling in the source"),
            "source": st.column_config.TextColumn("Source"),
            "rule": st.column_config.TextColumn("Joined by"),
            "loose": st.column_config.CheckboxColumn("Loose rule"),
            "reason": st.column_config.TextColumn("Why", width="large"),
        },
        placeholder=MISSING,
    )
    download_buttons(shown, "spellings", "catalogue_spellings_dl")

with tab_prices:
    prices = load_prices(settings.sheet_name)
    ages = (pd.Timestamp.today().normalize() - pd.to_datetime(prices["effective_date"])).dt.days
    prices = prices.assign(possibly_stale=ages.isna() | (ages > settings.stale_after_days))
    flagged_only = st.checkbox(
        "Only prices flagged as outliers",
        key=KEY_FLAGGED_ONLY,
        help="A price far from the same model's other offers (over 5x their median) or with input and output the "
        "wrong way round for its family. Flagged offers stay off the frontier unless you include them there.",
    )
    if flagged_only:
        prices = prices[prices["price_flagged"].astype(bool)]
    shown = matching(prices, ["model_key", "model_id", "provider", "offer_label"])
    st.caption(
        f"{len(shown):,} of {len(prices):,} prices in '{settings.sheet_name}' (USD per 1M tokens), with deployment "
        f"prices you set. Prices older than {settings.stale_after_days} days are flagged as possibly stale; "
        f"{int(prices['price_flagged'].astype(bool).sum()):,} prices are flagged as outliers, "
        f"{int(prices['free_tier'].astype(bool).sum()):,} are $0 free tiers (used only when named by key)."
    )
    st.dataframe(
        shown[
            [
                "model_key",
                "offer_label",
                "model_id",
                "price_flag_reason",
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
        column_config=headers(shown)
        | {
            "offer_label": st.column_config.TextColumn("Sold by"),
            "price_flag_reason": st.column_config.TextColumn("Price flag"),
        }
        | {
            c: st.column_config.NumberColumn(c.replace("usd_per_1m_", "USD/1M ").replace("_", " "), format="$%.4g")
            for c in [
                "usd_per_1m_input",
                "usd_per_1m_output",
                "usd_per_1m_cached_input",
                "usd_per_1m_batch_input",
                "usd_per_1m_batch_output",
            ]
        },
        placeholder=MISSING,
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
        column_config=headers(shown) | {"source_url": st.column_config.LinkColumn("Source link")},
        placeholder=MISSING,
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
        column_config=headers(shown)
        | {
            "usd_per_gpu_hour": st.column_config.NumberColumn("USD per GPU-hour", format="$%.2f"),
            "source_url": st.column_config.LinkColumn("Source link"),
        },
        placeholder=MISSING,
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
        column_config=headers(shown)
        | {
            "output_tokens_per_s": st.column_config.NumberColumn("Output tokens/s", format="%,.0f"),
            "source_url": st.column_config.LinkColumn("Source link"),
        },
        placeholder=MISSING,
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
        column_config=headers(shown)
        | {
            "output_tokens_per_s": st.column_config.NumberColumn("Output tokens/s", format="%,.0f"),
            "ttft_ms": st.column_config.NumberColumn("Time to first token (ms)", format="%,.0f"),
        },
        placeholder=MISSING,
    )
    download_buttons(shown, "api_performance", "catalogue_api_dl")
