"""Portfolio: the cheapest mix of models per workload that meets each workload's quality floor and latency
objective, with self-hosted workloads sharing whole GPUs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pricing import portfolio_service
from pricing.cost import UnpricedModelError
from pricing.portfolio import InfeasibleError, floor_curve, optimise
from ui.common import current_settings, download_buttons, get_store, load_metrics, load_prices

KEY_UPLOAD = "portfolio_upload"
KEY_METRIC = "portfolio_metric"
KEY_FLOORS = "portfolio_floors"
KEY_API = "portfolio_api"
KEY_SELF = "portfolio_self_host"
KEY_MONTHS = "portfolio_months"
KEY_SPLIT = "portfolio_split"
KEY_CASCADE = "portfolio_cascade"
KEY_ESCALATION = "portfolio_escalation"
KEY_CURVE = "portfolio_curve_workload"
SELF_HOST_CHOICES = {
    "llama-3.1-8b-instruct@H100 SXM": ("llama-3.1-8b-instruct", "H100 SXM", "FP8", "reserved"),
    "llama-3.3-70b-instruct@H100 SXM": ("llama-3.3-70b-instruct", "H100 SXM", "FP8", "reserved"),
    "llama-3.3-70b-instruct@H200": ("llama-3.3-70b-instruct", "H200", "FP8", "reserved"),
}

settings = current_settings()
store = get_store()
st.title("Portfolio")
st.caption(
    "Not one model but the right one per workload: each workload goes to the cheapest option (or mix) that "
    "meets its quality floor and latency objective; self-hosted workloads share GPUs, counted in whole units. "
    "Solved exactly as a mixed-integer programme (scipy milp)."
)

uploads = store.usage_uploads()
if uploads.empty:
    st.info("Upload your usage on the Spend projections page first: the workloads come from it.")
    st.stop()
labels = {r.upload_id: f"{r.file_name} ({str(r.uploaded_at)[:16]}; {r.workloads})" for r in uploads.itertuples()}
upload_id = st.selectbox("Usage", list(labels), format_func=labels.get, key=KEY_UPLOAD)
monthly = store.usage_monthly(upload_id)
workload_names = sorted(monthly["workload"].unique())

metrics = load_metrics()
metric_ids = sorted(metrics, key=lambda m: (m != "arena_elo", metrics[m].name.lower()))
metric_id = st.selectbox(
    "Quality metric for the floors", metric_ids, format_func=lambda m: metrics[m].label, key=KEY_METRIC
)
st.markdown(f"**Floors per workload** ({metrics[metric_id].label}; latency objective is time to first token in ms)")
floors_table = st.data_editor(
    pd.DataFrame(
        {
            "workload": workload_names,
            "quality_floor": [None] * len(workload_names),
            "latency_objective_ms": [None] * len(workload_names),
        }
    ),
    hide_index=True,
    disabled=["workload"],
    key=KEY_FLOORS,
    width="stretch",
    column_config={
        "quality_floor": st.column_config.NumberColumn(f"Quality floor ({metrics[metric_id].unit})"),
        "latency_objective_ms": st.column_config.NumberColumn("TTFT objective (ms)", min_value=1.0),
    },
)

prices = load_prices(settings.sheet_name)
keys = sorted(prices["model_key"])
c1, c2 = st.columns(2)
api_models = c1.multiselect(
    "API options",
    keys,
    default=[k for k in portfolio_service.DEFAULT_API_MODELS if k in keys],
    key=KEY_API,
)
self_host = c2.multiselect(
    "Self-hosted options", list(SELF_HOST_CHOICES), default=list(SELF_HOST_CHOICES)[:1], key=KEY_SELF
)
d1, d2, d3, d4 = st.columns(4)
months = d1.radio("Horizon (months)", [18, 24, 36], index=2, horizontal=True, key=KEY_MONTHS)
allow_split = d2.toggle("Allow splitting a workload across options", value=True, key=KEY_SPLIT)
cascade = d3.toggle("Offer a cascade (first two API options: small first, escalate)", key=KEY_CASCADE)
escalation = d4.slider("Escalation rate (%)", 0, 100, 20, key=KEY_ESCALATION, disabled=not cascade)

floors = {
    str(row.workload): portfolio_service.FloorSpec(
        None if pd.isna(row.quality_floor) else float(row.quality_floor),
        None if pd.isna(row.latency_objective_ms) else float(row.latency_objective_ms),
    )
    for row in floors_table.itertuples()
}
try:
    workloads = portfolio_service.workloads_from_usage(monthly, floors)
    cascades = [(api_models[0], api_models[1], escalation / 100)] if cascade and len(api_models) >= 2 else []
    candidates = portfolio_service.candidates_from_store(
        store,
        settings.sheet_name,
        metric_id,
        api_models,
        [SELF_HOST_CHOICES[c] for c in self_host],
        cascades,
        workloads=workload_names,
    )
    result = optimise(workloads, candidates, months=int(months), allow_split=allow_split)
except InfeasibleError as exc:
    st.error(f"No portfolio meets every objective: {exc}")
    st.stop()
except (UnpricedModelError, LookupError, ValueError) as exc:
    st.error(str(exc))
    st.stop()

m = st.columns(3)
m[0].metric(f"Portfolio cost over {months} months", f"${result.total_usd:,.0f}")
if result.best_single_usd is not None:
    saving = result.best_single_usd - result.total_usd
    m[1].metric(f"Best single option ({result.best_single_option})", f"${result.best_single_usd:,.0f}")
    m[2].metric(
        "Saving against it", f"${saving:,.0f}", help="Portfolio against serving every workload with one option."
    )
else:
    m[1].metric("Best single option", "none meets every workload")
st.markdown("**Assignment**")
st.dataframe(
    result.assignments,
    hide_index=True,
    width="stretch",
    key="portfolio_assignments",
    column_config={
        "workload": "Workload",
        "candidate": "Served by",
        "kind": "Kind",
        "share": st.column_config.NumberColumn("Share", format="%.2f"),
        "monthly_usd": st.column_config.NumberColumn("USD per month", format="$%.2f"),
    },
)
download_buttons(result.assignments, "portfolio_assignment", "portfolio_assignments_dl")
if not result.fleet.empty:
    st.markdown("**GPUs** (whole units, sized for the peak hour with headroom; allocation basis)")
    st.dataframe(result.fleet, hide_index=True, width="stretch", key="portfolio_fleet")
st.caption(
    f"Volumes: each workload's latest month. Quality: {metrics[metric_id].label}, one score per model (independent "
    "preferred). Latency: time to first token measured per provider (llm-stats) where known; an option without a "
    f"measurement cannot meet a latency objective. Prices: '{settings.sheet_name}' and stored GPU prices."
)

st.markdown("**What changes if a floor moves**")
curve_workload = st.selectbox("Workload", workload_names, key=KEY_CURVE)
scores = [q for c in candidates for q in ([c.quality] if isinstance(c.quality, int | float) else c.quality.values())]
if scores:
    steps = sorted({round(float(s), 2) for s in scores})
    curve = floor_curve(workloads, candidates, curve_workload, steps, months=int(months), allow_split=allow_split)
    st.line_chart(
        curve.set_index("floor")["total_usd"],
        height=260,
        x_label=f"Floor ({metrics[metric_id].unit})",
        y_label=f"Portfolio cost over {months} months (USD)",
    )
else:
    st.caption("No candidate has a score on this metric.")
