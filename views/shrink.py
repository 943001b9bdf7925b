"""Shrink: what quantising, distilling or fine-tuning a smaller model costs and saves against today's model."""

from __future__ import annotations

import streamlit as st

from pricing.shrink import service as shrink
from pricing.shrink.display import payback_figure, payback_unmoved, tornado_figure
from pricing.sizing import GPU_SPECS
from ui.common import MISSING, current_settings, load_table, load_usage_monthly, probe_runs
from ui.shrink import load_shrink

KEY_UPLOAD = "shrink_upload"
KEY_WORKLOAD = "shrink_workload"
KEY_BASELINE = "shrink_baseline"
KEY_CANDIDATE = "shrink_candidate"
DEFAULT_CANDIDATE = "llama-3.1-8b-instruct"  # open weights, of known size: quantise and distil are both costed
KEY_PATHS = "shrink_paths"
KEY_GPU = "shrink_gpu"
KEY_PRECISION = "shrink_precision"
KEY_EXAMPLES = "shrink_examples"
KEY_EPOCHS = "shrink_epochs"
KEY_LORA = "shrink_lora_pct"
KEY_UTILISATION = "shrink_utilisation_pct"
KEY_RETRAIN = "shrink_retrain_months"
KEY_REQUIRED = "shrink_required_pct"
KEY_MONTHS = "shrink_months"
KEY_MEASURED_PATH = "shrink_measured_path"
KEY_BASELINE_RUN = "shrink_baseline_run"
KEY_CANDIDATE_RUN = "shrink_candidate_run"
NO_RUN = ""
N_PATHS = 10_000

current_settings()
st.title("Shrink")
st.caption(
    "What running a smaller model costs and saves against the model serving a workload today: quantise an open "
    "model (FP8/INT4), distil a student from the teacher, or fine-tune a hosted model. One-off and monthly costs "
    "in USD, payback month, savings at 18/24/36 months, and the quality each must reach: an assumption with its "
    "range and source until two probe runs of one eval suite measure it."
)

uploads = load_table("usage_uploads")
if uploads.empty:
    st.info("No kept usage yet: upload monthly volumes or a request log on **Spend projections**, then come back.")
    st.stop()
labels = {str(row.upload_id): f"{row.file_name} ({row.workloads})" for row in uploads.itertuples()}
col_usage, col_workload = st.columns(2)
upload_id = str(col_usage.selectbox("Usage", list(labels), format_func=labels.get, key=KEY_UPLOAD))
workloads = sorted(load_usage_monthly(upload_id)["workload"].astype(str).unique())
workload = str(col_workload.selectbox("Workload", workloads, key=KEY_WORKLOAD))

col_base, col_cand, col_paths = st.columns(3)
baseline = col_base.text_input("Baseline (today's model)", "gpt-4o", key=KEY_BASELINE).strip()
candidate = col_cand.text_input(
    "Candidate (the smaller model)",
    DEFAULT_CANDIDATE,
    key=KEY_CANDIDATE,
    help="An open model can be quantised and distilled; a hosted one (e.g. gpt-4o-mini) can be fine-tuned where its "
    "provider sells fine-tuning.",
).strip()
paths = col_paths.multiselect("Paths", list(shrink.PATH_KINDS), default=list(shrink.PATH_KINDS), key=KEY_PATHS)

with st.expander("Assumptions", expanded=False):
    c1, c2, c3, c4 = st.columns(4)
    gpu = c1.selectbox("GPU (serves and trains)", list(GPU_SPECS), key=KEY_GPU)
    precision = c2.selectbox("Quantised precision", ["fp8", "int8", "int4"], key=KEY_PRECISION)
    examples = int(
        c3.number_input("Examples to label and train on", 1, 10_000_000, 10_000, step=1000, key=KEY_EXAMPLES)
    )
    epochs = float(c4.number_input("Epochs", 0.5, 20.0, 3.0, step=0.5, key=KEY_EPOCHS))
    c5, c6, c7, c8 = st.columns(4)
    lora_pct = float(c5.number_input("LoRA share of parameters (%), 0 = full", 0.0, 100.0, 0.0, key=KEY_LORA))
    utilisation_pct = float(
        c6.number_input(
            "Training utilisation (% of peak FLOPs)",
            1.0,
            100.0,
            35.0,
            key=KEY_UTILISATION,
            help="Default 35%: below the 38-43% Meta reports for Llama 3 pre-training on H100s (arXiv 2407.21783).",
        )
    )
    retrain = int(c7.number_input("Re-train every (months), 0 = never", 0, 60, 6, key=KEY_RETRAIN))
    required_pct = float(c8.number_input("Quality it must reach (% of baseline)", 1.0, 200.0, 90.0, key=KEY_REQUIRED))
    months = int(st.number_input("Horizon (months)", 1, 60, 36, key=KEY_MONTHS))

with st.expander("Measured quality (two probe runs of one suite)", expanded=False):
    runs = shrink.suite_runs(probe_runs())
    run_labels = {NO_RUN: "none", **{str(r.run_id): f"{r.run_id}: {r.model} on {r.suite}" for r in runs.itertuples()}}
    m1, m2, m3 = st.columns(3)
    measured_path = m1.selectbox("Path measured", list(shrink.PATH_KINDS), key=KEY_MEASURED_PATH)
    baseline_run = m2.selectbox("Baseline's run", list(run_labels), format_func=run_labels.get, key=KEY_BASELINE_RUN)
    candidate_run = m3.selectbox(
        "Shrunk model's run", list(run_labels), format_func=run_labels.get, key=KEY_CANDIDATE_RUN
    )

if not paths or not baseline or not candidate:
    st.info("Name a baseline and a candidate, and pick at least one path.")
    st.stop()
measured = ((str(measured_path), str(baseline_run), str(candidate_run)),) if baseline_run and candidate_run else ()
try:
    request = shrink.ShrinkRequest(
        baseline=baseline,
        candidate=candidate,
        paths=tuple(paths),
        months=months,
        gpu=str(gpu),
        quantised_precision=str(precision),
        examples=examples,
        epochs=epochs,
        lora_share=lora_pct / 100 if lora_pct > 0 else None,
        training_utilisation=utilisation_pct / 100,
        retrain_every_months=retrain or None,
        required_quality=required_pct / 100,
        measured_runs=measured,
    )
    comparison = load_shrink(upload_id, workload, request, N_PATHS)
except (ValueError, LookupError) as exc:
    st.error(str(exc))
    st.stop()

result = comparison.result
st.subheader(f"Against {result.baseline}, over {result.months} months")
rows = shrink.outcome_rows(comparison)
money = {c: st.column_config.NumberColumn(c, format="dollar") for c in rows.columns if "(USD" in c}
shares = {
    c: st.column_config.NumberColumn(c, format="percent") for c in ("Chance of payback", "Chance quality is reached")
}
st.dataframe(rows, hide_index=True, column_config={**money, **shares}, placeholder=MISSING)
for outcome in result.outcomes:
    if outcome.quality_kind == "measured":
        st.success(f"{outcome.kind}: the measured score replaces the assumption: {shrink.quality_text(outcome)}")
    else:
        st.caption(f"{outcome.kind}: {shrink.quality_text(outcome)}")
for kind, reason in comparison.unavailable.items():
    st.warning(f"{kind}: not costed: {reason}")

st.plotly_chart(payback_figure(result), key="shrink_payback")
for name, frame in comparison.tornados.items():
    if payback_unmoved(frame):
        st.caption(
            f"What moves the payback month of {name}: nothing in the ranges tried; it pays back in month "
            f"{frame.attrs.get('payback_base', 0):g} at every assumption's low and high value."
        )
    else:
        st.plotly_chart(tornado_figure(frame, name), key=f"shrink_tornado_{name}")
st.caption(
    f"Bands: {comparison.monte_carlo.n_paths:,} Monte Carlo paths over volume growth, price declines and the peak "
    "(as Spend projections draws them) and the shrink inputs: examples needed x/÷ 2, training utilisation 20-50%, "
    "re-training every 3-12 months, quality reached over its range."
)
with st.expander("Sources and sums", expanded=False):
    for outcome in result.outcomes:
        st.markdown(f"**{outcome.kind}: {outcome.name}**")
        st.dataframe(
            [
                {"Cost": i.what, "USD": i.usd, "Sum": i.formula, "Source": i.source, "As of": i.as_of}
                for i in outcome.items
            ],
            hide_index=True,
            column_config={"USD": st.column_config.NumberColumn("USD", format="dollar")},
            placeholder=MISSING,
        )
        for note in outcome.notes:
            st.caption(note)
    for note in comparison.notes:
        st.caption(note)
