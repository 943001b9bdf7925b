"""Prices & self-hosting: price sheets (upload a negotiated one), deployment prices for unpriced models,
the cost of a request, and the cost of serving on your own GPUs.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from pricing import service
from pricing.cost import (
    BUSY_BASIS,
    TokenPrice,
    UnpricedModelError,
    Usage,
    self_hosted_usd_per_1m_output,
)
from pricing.gpus import GpuHourlyPrice, pick_gpu_price
from pricing.limits import MAX_TABLE_MIB, InputError
from pricing.sheets import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from pricing.sizing import (
    DEFAULT_HEADROOM,
    DEFAULT_MONTHLY_OUTPUT_TOKENS,
    DEFAULT_PEAK_TO_AVERAGE,
    DEFAULT_TARGET_UTILISATION,
    HOURS_PER_MONTH,
    OwnershipCosts,
    SelfHostPlan,
    measurement_from_row,
    unit_cost,
)
from ui.common import (
    MISSING,
    after_write,
    current_settings,
    current_user,
    download_buttons,
    fmt_date,
    fmt_usd,
    get_store,
    load_prices,
    load_sheets,
    load_table,
)
from ui.refusals import show_refusal

settings = current_settings()
st.title("Prices & self-hosting")

tab_sheets, tab_request, tab_deploy, tab_self = st.tabs(
    ["Price sheets", "Cost of a request", "Deployment prices", "Self-hosting cost"]
)

with tab_sheets:
    sheets = load_sheets()
    st.dataframe(
        sheets[
            ["sheet_name", "kind", "models", "first_effective", "last_effective", "source", "loaded_at", "created_by"]
        ],
        hide_index=True,
        width="stretch",
        key="costs_sheets_table",
        column_config={
            "sheet_name": "Sheet",
            "kind": "Kind",
            "models": st.column_config.NumberColumn("Models", format="%d"),
            "first_effective": st.column_config.DateColumn("First effective date", format="YYYY-MM-DD"),
            "last_effective": st.column_config.DateColumn("Latest effective date", format="YYYY-MM-DD"),
            "source": "Source",
            "loaded_at": st.column_config.DatetimeColumn("Loaded", format="YYYY-MM-DD HH:mm"),
            "created_by": "Uploaded by",
        },
        placeholder=MISSING,
    )
    download_buttons(
        sheets[
            ["sheet_name", "kind", "models", "first_effective", "last_effective", "source", "loaded_at", "created_by"]
        ],
        "costs_sheets",
        "costs_sheets_table_dl",
    )
    st.markdown("#### Upload a negotiated price sheet")
    st.caption(
        f"CSV or XLSX with columns {', '.join(REQUIRED_COLUMNS)} (required) and {', '.join(OPTIONAL_COLUMNS)} "
        "(optional). Prices are USD per 1M tokens; effective_date is YYYY-MM-DD (default today). Uploading again "
        "under the same name adds a new effective date and keeps the history."
    )
    with st.form("costs_upload_form", clear_on_submit=False):
        name = st.text_input("Sheet name", key="costs_upload_name", placeholder="Acme negotiated 2026")
        upload = st.file_uploader(
            "Price sheet file", type=["csv", "xlsx"], key="costs_upload_file", max_upload_size=MAX_TABLE_MIB
        )
        submitted = st.form_submit_button("Save sheet")
    if submitted:
        if upload is None:
            st.error("Choose a CSV or XLSX file first.")
        else:
            try:
                count = service.upload_price_sheet(
                    get_store(), name, upload.name, upload.getvalue(), created_by=current_user()
                )
            except InputError as exc:
                show_refusal(exc, upload.name)
            except ValueError as exc:
                st.error(str(exc))
            else:
                after_write()
                st.success(f"Saved {count} prices to '{name.strip()}'. Choose it under Price sheet in the sidebar.")

with tab_request:
    prices = load_prices(settings.sheet_name)
    st.caption(f"Priced with '{settings.sheet_name}'. Input tokens include cached tokens.")
    c1, c2 = st.columns([2, 3])
    keys = sorted(prices["model_key"])
    model = c1.selectbox(
        "Model", keys, index=keys.index("gpt-4o-mini") if "gpt-4o-mini" in keys else 0, key="costs_request_model"
    )
    typed = c1.text_input(
        "...or type any name or alias", key="costs_request_typed", placeholder="e.g. Llama 3.3 70B, claude-sonnet-4.5"
    )
    t1, t2, t3 = c2.columns(3)
    input_tokens = t1.number_input("Input tokens", 0, 10_000_000, 1500, key="costs_request_in")
    cached_tokens = t2.number_input("of which cached", 0, 10_000_000, 0, key="costs_request_cached")
    output_tokens = t3.number_input("Output tokens", 0, 1_000_000, 500, key="costs_request_out")
    try:
        usage = Usage(int(input_tokens), int(output_tokens), int(cached_tokens))
        quote = service.quote_request(get_store(), settings.sheet_name, typed.strip() or model, usage)
    except UnpricedModelError as exc:
        st.error(f"{exc}. Set a price for it on the Deployment prices tab, or choose another sheet.")
    except ValueError as exc:
        st.error(str(exc))
    else:
        price = quote.price
        free = " (free tier, $0: named by its key)" if quote.resolved.free_tier else ""
        st.metric(f"Cost of this request ({quote.model_key}){free}", fmt_usd(quote.cost_usd, 6))
        st.caption(f"Offer used: {quote.resolved.note}")
        stale = TokenPrice(
            quote.model_key,
            str(price["sheet_name"]),
            price["usd_per_1m_input"],
            price["usd_per_1m_output"],
            effective_date=price["effective_date"],
        ).is_stale(dt.date.today(), settings.stale_after_days)
        stale_note = f" Possibly stale: older than {settings.stale_after_days} days." if stale else ""
        st.caption(
            f"Input {fmt_usd(price['usd_per_1m_input'])}, cached input {fmt_usd(price['usd_per_1m_cached_input'])}, "
            f"output {fmt_usd(price['usd_per_1m_output'])} per 1M tokens; sheet '{price['sheet_name']}', effective "
            f"{fmt_date(price['effective_date'])}.{stale_note} Bundled-sheet costs are computed by litellm itself, "
            "so tiered and cache prices match it exactly."
        )

with tab_deploy:
    st.markdown(
        "Self-hosted NIM or vLLM endpoints and new API models have no list price. Frontier never counts them "
        "as free: set a price per deployment here and it is used on every page alongside the chosen sheet."
    )
    models = load_table("models")
    with st.form("costs_deploy_form"):
        d1, d2 = st.columns(2)
        key = d1.text_input(
            "Deployment name", key="costs_deploy_key", placeholder="nvidia_nim/meta/llama-3.1-8b-instruct"
        )
        model_id = d2.selectbox(
            "Which model it serves (for its scores)", [""] + list(models["model_id"]), key="costs_deploy_model"
        )
        p1, p2, p3 = st.columns(3)
        usd_in = p1.number_input("USD per 1M input tokens", 0.0, 10_000.0, 0.0, key="costs_deploy_in")
        usd_out = p2.number_input("USD per 1M output tokens", 0.0, 10_000.0, 0.0, key="costs_deploy_out")
        usd_cached = p3.number_input(
            "USD per 1M cached input (optional)", 0.0, 10_000.0, value=None, key="costs_deploy_cached"
        )
        saved = st.form_submit_button("Save deployment price")
    if saved:
        try:
            service.set_deployment_price(get_store(), key, model_id or None, usd_in, usd_out, usd_cached)
        except ValueError as exc:
            st.error(str(exc))
        else:
            after_write()
            st.success(f"Saved the price of {key.strip()}.")
    custom = (
        load_prices(service.CUSTOM_SHEET_NAME)
        if service.CUSTOM_SHEET_NAME in set(load_sheets()["sheet_name"])
        else None
    )
    if custom is not None and not custom.empty:
        st.dataframe(
            custom[["model_key", "model_id", "usd_per_1m_input", "usd_per_1m_output", "effective_date"]],
            hide_index=True,
            key="costs_deploy_table",
            placeholder=MISSING,
        )
        download_buttons(
            custom[["model_key", "model_id", "usd_per_1m_input", "usd_per_1m_output", "effective_date"]],
            "costs_deploy",
            "costs_deploy_table_dl",
        )

with tab_self:
    st.markdown(
        "One cost model serves every page: a replica is the measured setup (its GPUs and its throughput together); "
        "GPUs come in whole replicas sized for the peak hour with headroom at a target utilisation, and are paid "
        "busy or idle. **Realistic** = that fleet's monthly bill / the month's output tokens. **Best case** = GPU "
        "price x GPUs / (throughput x 3600 x target utilisation): every GPU busy around the clock. Every input "
        "starts from a stored measurement and can be overridden."
    )
    tp = load_table("throughput")
    gpu_prices = load_table("gpu_prices")
    labels = [
        f"{r.model_id} · {r.gpu_count}x {r.gpu} · {r.precision or '?'} · {r.engine or '?'} · "
        f"in/out {r.input_tokens if r.input_tokens is not pd.NA else '?'}/"
        f"{r.output_tokens if r.output_tokens is not pd.NA else '?'} · concurrency {r.concurrency} · "
        f"{r.output_tokens_per_s:,.0f} tok/s"
        for r in tp.itertuples()
    ]
    choice = st.selectbox("Measurement", range(len(tp)), format_func=labels.__getitem__, key="costs_self_row")
    measurement = measurement_from_row(tp.iloc[choice])
    kind = st.radio(
        "GPUs rented",
        ["on-demand", "reserved"],
        horizontal=True,
        key="costs_self_kind",
        help="Reserved uses a stored reserved (committed-term) rate where one is known; otherwise the on-demand "
        "rate, and says so.",
    )
    try:
        stored: GpuHourlyPrice | None = pick_gpu_price(gpu_prices, measurement.gpu, kind)
    except ValueError:
        stored = None
    s1, s2, s3, s4 = st.columns(4)
    usd_per_gpu_hour = s1.number_input(
        "USD per GPU-hour",
        0.01,
        1000.0,
        round(stored.usd_per_gpu_hour, 2) if stored is not None else 2.0,
        key=f"costs_self_price_{measurement.gpu}_{kind}",
    )
    gpu_count = s2.number_input("GPUs per replica", 1, 1024, measurement.gpu_count, key="costs_self_gpus")
    tokens_per_s = s3.number_input(
        "Output tokens/s per replica", 0.1, 1e7, measurement.output_tokens_per_s, key="costs_self_tps"
    )
    utilisation = s4.slider(
        "Target utilisation at the peak hour (%)",
        5,
        100,
        round(DEFAULT_TARGET_UTILISATION * 100),
        key="costs_self_util",
        help="The share of a replica's measured max-load throughput it is run at in the busiest hour.",
    )
    v1, v2, v3 = st.columns(3)
    monthly_millions = v1.number_input(
        "Output tokens per month (millions)",
        0.001,
        1e9,
        DEFAULT_MONTHLY_OUTPUT_TOKENS / 1e6,
        key="costs_self_volume",
        help="The realistic figure depends on volume: a small volume still pays for a whole replica.",
    )
    peak = v2.number_input(
        "Peak-hour / average traffic", 1.0, 20.0, DEFAULT_PEAK_TO_AVERAGE, 0.5, key="costs_self_peak"
    )
    headroom_pct = v3.number_input("Headroom (%)", 0, 200, round(DEFAULT_HEADROOM * 100), key="costs_self_headroom")
    plan = SelfHostPlan(
        gpu=measurement.gpu,
        gpus_per_replica=int(gpu_count),
        replica_output_tokens_per_s=float(tokens_per_s),
        ownership=OwnershipCosts(mode=kind, usd_per_gpu_hour=float(usd_per_gpu_hour)),
        headroom=headroom_pct / 100,
        target_utilisation=utilisation / 100,
        measurement=measurement,
    )
    cost = unit_cost(plan, monthly_millions * 1e6, float(peak))
    busy = self_hosted_usd_per_1m_output(usd_per_gpu_hour, int(gpu_count), tokens_per_s, 1.0, BUSY_BASIS)
    r1, r2, r3, r4 = st.columns(4)
    r1.metric(
        "Realistic (USD per 1M output tokens)",
        fmt_usd(cost.usd_per_1m_output),
        help="Whole replicas sized for the peak hour with headroom, paid busy or idle: compare this with API prices.",
    )
    r2.metric(
        "Best case (USD per 1M output tokens)",
        fmt_usd(cost.usd_per_1m_output_best_case),
        help="Every GPU busy at the target utilisation around the clock: what a perfectly flat, large load pays.",
    )
    r3.metric(
        "Busy-time basis (USD per 1M output tokens)",
        fmt_usd(busy.usd_per_1m_output),
        help="Only the hours the GPUs serve, at full measured throughput: a lower bound, not what you pay.",
    )
    r4.metric("GPU bill (USD per month)", fmt_usd(cost.gpus * float(usd_per_gpu_hour) * HOURS_PER_MONTH))
    if stored is None:
        price_note = f"no stored {kind} or on-demand price for {measurement.gpu}: the price above is an assumption"
    elif abs(stored.usd_per_gpu_hour - usd_per_gpu_hour) > 0.005:
        price_note = f"set by you (stored: {stored.describe()})"
    else:
        price_note = stored.describe()
    st.caption(
        f"Assumptions: {cost.assumptions}. Throughput: {measurement.describe()}. GPU price: {price_note}. "
        f"{HOURS_PER_MONTH:g} hours a month."
    )
    if stored is not None and stored.fell_back:
        st.warning(
            f"Reserved GPUs are priced at the {stored.price_type} rate: no reserved rate is known for "
            f"{measurement.gpu}, so reserving shows no saving here."
        )
    api = load_prices(settings.sheet_name)
    same_model = api[api["model_id"] == measurement.model_id]
    if not same_model.empty:
        cheapest = same_model.sort_values("usd_per_1m_output").iloc[0]
        st.info(
            f"The cheapest API offer of {measurement.model_id} in '{settings.sheet_name}' is {cheapest['model_key']} "
            f"at {fmt_usd(cheapest['usd_per_1m_output'])} per 1M output tokens "
            f"({fmt_usd(cheapest['usd_per_1m_input'])} input); self-hosting at this volume (realistic) "
            + (
                "is cheaper per output token."
                if cost.usd_per_1m_output < cheapest["usd_per_1m_output"]
                else "costs more per output token."
            )
        )
