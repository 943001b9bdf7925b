"""Spend projections: usage in, options compared over 18-36 months with uncertainty, scenarios saved and
shared as links.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json

import pandas as pd
import streamlit as st

from pricing.metrics import DEFAULT_METRIC
from pricing.planning import service as planning
from pricing.planning.links import ScenarioLinkError, decode_scenario, encode_scenario
from pricing.planning.usage_files import load_usage
from pricing.report.charts import cumulative_figure, spend_figure, tornado_figure
from pricing.report.request import ReportRequest
from pricing.sheets import SheetError
from pricing.sizing import GPU_SPECS, OwnershipCosts
from ui.common import (
    after_write,
    current_settings,
    download_buttons,
    fmt_usd,
    get_store,
    load_evaluation,
    load_metrics,
    load_prices,
    load_table,
    load_usage_monthly,
    report_pdf_bytes,
)

KEY_SOURCE = "proj_usage_source"
KEY_UPLOAD = "proj_upload_file"
KEY_KEPT = "proj_kept_upload"
KEY_WORKLOAD = "proj_workload"
KEY_BASE = "proj_base_output"
KEY_RATIO = "proj_ratio"
KEY_HORIZON = "proj_horizon"
KEY_GROWTH_MODEL = "proj_growth_model"
KEY_GROWTH_PCT = "proj_growth_pct"
KEY_API = "proj_api_models"
KEY_DECLINE = "proj_decline"
KEY_SH_MODEL = "proj_sh_model"
KEY_SH_GPU = "proj_sh_gpu"
KEY_SH_PRECISION = "proj_sh_precision"
KEY_SH_MODE = "proj_sh_mode"
KEY_SH_PRICE = "proj_sh_price"
KEY_SH_PURCHASE = "proj_sh_purchase"
KEY_SH_OPS = "proj_sh_ops"
KEY_PEAK = "proj_peak"
KEY_HYBRID = "proj_hybrid_pct"
KEY_PATHS = "proj_paths"
KEY_SEED = "proj_seed"
KEY_MIX = "proj_mix_months"
KEY_GROWTH_SPREAD = "proj_growth_spread_pct"
KEY_API_SPREAD = "proj_api_decline_spread"
KEY_GPU_SPREAD = "proj_gpu_decline_spread"
KEY_PEAK_SPREAD = "proj_peak_spread"
KEY_SCENARIO_NAME = "proj_scenario_name"
KEY_LOADED = "proj_loaded_scenario"
KEY_COMPARE = "proj_compare"
SOURCES = {"upload": "Upload a usage file", "kept": "A kept upload", "manual": "Type volumes"}
GROWTH_MODELS = {
    "best": "Best fit to history (AICc)",
    "exponential": "Exponential fit",
    "linear": "Linear fit",
    "logistic": "Logistic fit",
    "constant": "Set by hand",
}


@st.cache_data(show_spinner=False)
def default_api_models(sheet_name: str) -> tuple[planning.DefaultModel, ...]:
    """The API options this page, `project` and the Portfolio start from (none when nothing is scored)."""
    try:
        return planning.default_api_models(get_store(), sheet_name, DEFAULT_METRIC)
    except LookupError:
        return ()


settings = current_settings()
store = get_store()
st.title("Spend projections")
st.caption(
    "What each option costs over the next 18 to 36 months, and when running your own GPUs beats paying per "
    "token. Every figure is USD; API prices come from the sidebar's price sheet."
)

# A scenario link (?s=...) reproduces a saved view; it wins until the user loads or edits another.
link = st.query_params.get("s")
if link and KEY_LOADED not in st.session_state:
    try:
        st.session_state[KEY_LOADED] = planning.Scenario.from_dict(decode_scenario(link))
    except (ScenarioLinkError, ValueError, TypeError) as exc:
        st.error(f"This scenario link could not be opened: {exc}")

st.subheader("1. Usage")
source = st.radio(
    "Where the volumes come from", list(SOURCES), format_func=SOURCES.get, key=KEY_SOURCE, horizontal=True
)
usage: planning.UsageSummary | None = None
upload_id: str | None = None
workload: str | None = None
if source == "upload":
    st.caption(
        "CSV, XLSX or Parquet. Monthly aggregates: month, workload, requests, input_tokens, output_tokens "
        "[, cached_input_tokens]. Or a raw request log: timestamp, workload, input_tokens, output_tokens "
        "[, cached_input_tokens], which is aggregated to months. Uploads are kept with their name and date."
    )
    uploaded = st.file_uploader("Usage file", type=["csv", "xlsx", "parquet"], key=KEY_UPLOAD)
    if uploaded is not None:
        try:
            load = load_usage(uploaded.getvalue(), uploaded.name)
        except SheetError as exc:
            st.error(
                f"{len(exc.problems)} problem(s) in {uploaded.name}; nothing was saved. Fix these and upload again:"
            )
            st.code("\n".join(str(p) for p in exc.problems[:50]), language=None)
        else:
            kept_id = st.session_state.get(f"proj_saved_{uploaded.file_id}")
            if kept_id is None:
                kept_id = planning.save_upload(store, load)
                st.session_state[f"proj_saved_{uploaded.file_id}"] = kept_id
                after_write()
            upload_id = kept_id
            st.success(
                f"Read {load.rows_read:,} rows ({load.kind}) from {load.file_name}: {load.months} months, "
                f"workloads {', '.join(load.workloads)}."
            )
elif source == "kept":
    uploads = load_table("usage_uploads")
    if uploads.empty:
        st.info("No kept uploads yet: upload a file first.")
    else:
        labels = {
            r.upload_id: f"{r.file_name} ({str(r.uploaded_at)[:16]}, {r.months} months)" for r in uploads.itertuples()
        }
        upload_id = st.selectbox("Upload", list(labels), format_func=labels.get, key=KEY_KEPT)
if upload_id:
    monthly = load_usage_monthly(upload_id)
    workloads = sorted(monthly["workload"].unique())
    u1, u2 = st.columns([3, 1])
    choice = u1.selectbox("Workload", ["(all workloads)", *workloads], key=KEY_WORKLOAD)
    workload = None if choice == "(all workloads)" else choice
    history_months = int(pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m").nunique())
    mix_months = u2.number_input(
        "Mix from the latest (months)",
        1,
        max(history_months, 1),
        1,
        1,
        key=KEY_MIX,
        help="Projections start from the latest month's volume, so they price it with the input:output and cache "
        "mix of the latest month (or of the last few, to smooth a noisy month).",
    )
    usage = planning.summarise_usage(monthly, workload, int(mix_months))
    st.bar_chart(
        pd.DataFrame({"output tokens": usage.output_tokens, "input tokens": usage.input_tokens}, index=usage.months),
        height=220,
        x_label="Month",
        y_label="Tokens per month",
    )
    st.caption(
        f"Projections start from the latest month ({usage.base_output_tokens:,.0f} output tokens) priced with "
        f"{usage.mix_text}."
    )
manual = source == "manual" or usage is None
base_output = None
ratio = None
if manual:
    m1, m2 = st.columns(2)
    base_output = m1.number_input("Output tokens per month now", 0.0, 1e15, 2e9, 1e8, format="%.0f", key=KEY_BASE)
    ratio = m2.number_input("Input tokens per output token", 0.0, 100.0, 3.0, 0.5, key=KEY_RATIO)

st.subheader("2. Assumptions")
a1, a2, a3 = st.columns(3)
horizon = a1.radio("Horizon (months)", [18, 24, 36], index=2, horizontal=True, key=KEY_HORIZON)
history_ok = usage is not None and len(usage.output_tokens) >= 4
growth_model = a2.selectbox(
    "Growth",
    list(GROWTH_MODELS) if history_ok else ["constant"],
    format_func=GROWTH_MODELS.get,
    key=KEY_GROWTH_MODEL,
    help="Fits need at least 4 months of history (logistic 6); otherwise set growth by hand.",
)
growth_pct = a3.number_input(
    "Monthly growth (%)", -50.0, 200.0, 5.0, 0.5, key=KEY_GROWTH_PCT, disabled=growth_model != "constant"
)
if history_ok and usage is not None:
    fits = planning.fit_labels(usage)
    if fits:
        st.caption("Fitted to your history, best first by AICc: " + "; ".join(fits))

prices = load_prices(settings.sheet_name)
keys = sorted(prices["model_key"])
default_models = [d for d in default_api_models(settings.sheet_name) if d.model_key in keys]
b1, b2 = st.columns([3, 2])
api_models = b1.multiselect(
    "API options", keys, default=[d.model_key for d in default_models], key=KEY_API, max_selections=6
)
if default_models:
    b1.caption("Default API options: " + " · ".join(f"**{d.model_key}**: {d.reason}." for d in default_models))
rates = planning.decline_rates()  # the default first: each named model's list price, held flat
decline = rates[
    b2.selectbox(
        "API price decline",
        range(len(rates)),
        format_func=lambda i: planning.decline_label(rates[i]),
        key=KEY_DECLINE,
        help="A named model's list price rarely moves, so it is held flat by default. The capability level is its "
        "own choice: what you would pay if you re-chose the cheapest model at this quality each year.",
    )
]
b2.caption(f"{planning.decline_label(decline)}" + (f" Source: {decline.source_url}" if decline.source_url else ""))

models = load_table("models")
sizable = models[models["param_count_b"].notna() & models["open_weights"].eq(True)]
sizable_ids = sorted(sizable["model_id"])
st.markdown("**Self-hosting option** (sized from GPU memory, throughput measured where we have it)")
c1, c2, c3, c4 = st.columns(4)
sh_model = c1.selectbox(
    "Open model",
    ["(none)", *sizable_ids],
    index=(sizable_ids.index("llama-3.3-70b-instruct") + 1) if "llama-3.3-70b-instruct" in sizable_ids else 0,
    key=KEY_SH_MODEL,
)
sh_gpu = c2.selectbox("GPU", list(GPU_SPECS), key=KEY_SH_GPU)
sh_precision = c3.selectbox(
    "Precision",
    ["FP8", "FP16", "INT4"],
    key=KEY_SH_PRECISION,
    help="Quantisation changes memory and speed; set any quality loss on the explorer.",
)
sh_mode = c4.selectbox("GPUs are", ["reserved", "on-demand", "bought"], key=KEY_SH_MODE)
try:
    rate_kind = "on-demand" if sh_mode == "bought" else sh_mode
    stored_price, price_source = planning.gpu_hourly_price(store, sh_gpu, rate_kind)
except ValueError:
    stored_price, price_source = 2.5, "no stored price: an assumption, set yours"
d1, d2, d3, d4 = st.columns(4)
sh_price = d1.number_input(
    "USD per GPU-hour",
    0.0,
    100.0,
    round(stored_price, 2),
    key=f"{KEY_SH_PRICE}_{sh_gpu}_{sh_mode}",
    help=f"Default: {price_source}",
    disabled=sh_mode == "bought",
)
sh_purchase = d2.number_input(
    "Purchase per GPU (USD)",
    0.0,
    1e6,
    float(GPU_SPECS[sh_gpu].purchase_usd),
    key=f"{KEY_SH_PURCHASE}_{sh_gpu}",
    disabled=sh_mode != "bought",
    help=GPU_SPECS[sh_gpu].purchase_usd_note,
)
sh_ops = d3.number_input("Operations staff (USD per month)", 0.0, 1e7, 0.0, 1000.0, key=KEY_SH_OPS)
peak = d4.number_input(
    "Peak-hour / average traffic",
    1.0,
    20.0,
    2.0,
    0.5,
    key=KEY_PEAK,
    help="GPUs are sized for the peak hour with headroom; idle reserved GPUs still cost money.",
)
bought: dict[str, float] = {}
if sh_mode == "bought":
    defaults = OwnershipCosts(mode="reserved", usd_per_gpu_hour=1.0)  # only its capital and power defaults are read
    e1, e2, e3, e4, e5 = st.columns(5)
    bought = {
        "cost_of_capital_per_year": e1.number_input(
            "Cost of capital (%/year)", 0.0, 50.0, defaults.cost_of_capital_per_year * 100, 0.5, key="proj_wacc"
        )
        / 100,
        "life_years": e2.number_input("Life (years)", 1.0, 10.0, defaults.life_years, 0.5, key="proj_life"),
        "residual_value_share": e3.number_input(
            "Residual value (%)", 0.0, 90.0, defaults.residual_value_share * 100, 5.0, key="proj_residual"
        )
        / 100,
        "usd_per_kwh": e4.number_input("USD per kWh", 0.0, 2.0, defaults.usd_per_kwh, 0.01, key="proj_kwh"),
        "pue": e5.number_input("PUE", 1.0, 3.0, defaults.pue, 0.05, key="proj_pue"),
    }
    st.caption(
        "Bought GPUs: purchase (plus a server share) annualised with a capital recovery factor at your cost of "
        "capital, net of residual value; power = GPU kW x PUE x USD/kWh x 730 h per month."
    )
hybrid_pct = st.slider(
    "Hybrid: share of traffic self-hosted, the rest on the first API option (%)", 0, 100, 0, key=KEY_HYBRID
)

choice = None
if sh_model != "(none)":
    try:
        choice = planning.SelfHostChoice(
            sh_model,
            sh_gpu,
            sh_precision,
            OwnershipCosts(
                mode=sh_mode,
                usd_per_gpu_hour=float(sh_price) if sh_mode != "bought" else 0.0,
                purchase_usd_per_gpu=float(sh_purchase) if sh_mode == "bought" else 0.0,
                ops_usd_per_month=float(sh_ops),
                **bought,
            ),
            float(ratio if ratio is not None else (usage.input_output_ratio if usage else 3.0)),
        )
    except ValueError as exc:
        st.warning(f"Self-hosting {sh_model} on {sh_gpu}: {exc}")
built = planning.scenario_options(store, settings.sheet_name, api_models, decline, choice, hybrid_pct / 100)
options, self_host, problems = list(built.options), built.self_host, built.problems
for problem in problems:
    st.warning(problem)
if self_host is not None:
    plan = self_host.plan
    st.caption(
        f"{sh_model} at {sh_precision} needs {plan.gpus_per_replica} x {sh_gpu} per replica; a replica serves about "
        f"{plan.replica_output_tokens_per_s:,.0f} output tokens/s ({plan.throughput_source}). GPUs come in whole "
        f"units sized for peak x {1 + plan.headroom:.1f} headroom at {plan.target_utilisation:.0%} target "
        "utilisation, costed on the allocation basis."
    )

st.markdown(
    "**Uncertainty** (Monte Carlo bands): every path moves your scenario's own values by at most these spreads, "
    "so the plan sits in the middle of the bands"
)
g1, g2, g3, g4, g5, g6 = st.columns(6)
defaults_spread = planning.Uncertainty()
growth_spread = g1.number_input(
    "Growth ± (points a month)", 0.0, 20.0, defaults_spread.growth_spread_per_month * 100, 0.5, key=KEY_GROWTH_SPREAD,
    help="Extra monthly growth drawn evenly from minus to plus this, on top of your growth (rate or fitted curve).",
)  # fmt: skip
api_spread = g2.number_input(
    "API decline ×/÷ (per year)", 1.0, 10.0, defaults_spread.api_decline_spread, 0.1, key=KEY_API_SPREAD,
    help="Each API option's own decline factor times a factor drawn evenly in log space between 1/x and x; a flat "
    "list price may then rise or fall. 1 holds it.",
)  # fmt: skip
gpu_spread = g3.number_input(
    "GPU rental decline ×/÷ (per year)", 1.0, 10.0, defaults_spread.gpu_decline_spread, 0.05, key=KEY_GPU_SPREAD,
    help="The same for rented GPUs' hourly price; bought GPUs are unaffected.",
)  # fmt: skip
peak_spread = g4.number_input(
    "Peak-to-average ×/÷", 1.0, 5.0, defaults_spread.peak_to_average_spread, 0.05, key=KEY_PEAK_SPREAD,
    help="Your peak-hour / average traffic times a factor drawn evenly in log space between 1/x and x (at least 1).",
)  # fmt: skip
n_paths = g5.number_input("Paths", 100, planning.MAX_PATHS, defaults_spread.n_paths, 1000, key=KEY_PATHS)
seed = g6.number_input("Seed", 0, 2**31 - 1, 0, 1, key=KEY_SEED, help="The same seed gives the same bands.")

loaded: planning.Scenario | None = st.session_state.get(KEY_LOADED)
if loaded is not None:
    st.info(f"Showing the saved scenario '{loaded.name}'. Press 'Back to my assumptions' to edit your own.")
    if st.button("Back to my assumptions", key="proj_unload"):
        st.session_state.pop(KEY_LOADED, None)
        st.query_params.pop("s", None)
        st.rerun()
    inputs = loaded.inputs
    uncertainty = loaded.uncertainty
else:
    if not options:
        st.warning("Choose at least one API option or a self-hosting option.")
        st.stop()
    try:
        inputs = planning.build_inputs(
            usage if not manual else None,
            tuple(options),
            int(horizon),
            growth_model,
            growth_pct / 100,
            base_output_tokens=base_output,
            peak_to_average=float(peak),
            input_output_ratio=ratio,
        )
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    uncertainty = planning.Uncertainty(
        growth_spread_per_month=float(growth_spread) / 100,
        api_decline_spread=float(api_spread),
        gpu_decline_spread=float(gpu_spread),
        peak_to_average_spread=float(peak_spread),
        n_paths=int(n_paths),
        seed=int(seed),
    )

st.subheader("3. What it costs")
evaluation = load_evaluation(inputs, uncertainty)
outcome, totals, comparisons = evaluation.outcome, evaluation.totals, evaluation.comparisons
result = outcome.result
r = st.columns(3)
r[0].metric(
    f"Cheapest over {inputs.horizon_months} months",
    outcome.cheapest,
    help="Lowest deterministic total; the Monte Carlo table below gives how often each option wins.",
)
r[1].metric(f"Its {inputs.horizon_months}-month cost", fmt_usd(totals.iloc[0]))
if comparisons:
    first = comparisons[0]
    r[2].metric(
        "Break-even of self-hosting",
        f"month {first.break_even_month}" if first.break_even_month else f"none in {first.horizon_months} months",
        f"{'saves' if first.saving_usd >= 0 else 'costs'} {fmt_usd(abs(first.saving_usd))}"
        f"{'' if first.saving_usd >= 0 else ' more'} over {first.horizon_months} months",
        delta_color="normal" if first.saving_usd >= 0 else "inverse",
        help=f"{first.option} against {first.versus}. The rule: {planning.BREAK_EVEN_RULE}. The saving is the API's "
        "total minus the self-hosted option's at the horizon; the months ahead and cheaper are below.",
    )
else:
    r[2].metric("Break-even of self-hosting", "no self-hosting option")
for h in comparisons:
    st.caption(planning.head_to_head_text(h))
st.plotly_chart(
    spend_figure(
        result.monthly_usd, evaluation.bands, "Monthly spend (line: the plan; band: P10-P90 of the Monte Carlo)"
    ),
    key="proj_spend_chart",
)
tco = evaluation.tco
st.dataframe(
    tco,
    width="stretch",
    key="proj_mc_table",
    column_config={
        c: st.column_config.NumberColumn(f"{c.upper()} total (USD)", format="$%.0f") for c in ("p10", "p50", "p90")
    }
    | {
        "plan": st.column_config.NumberColumn("Plan total (USD)", format="$%.0f"),
        "mean": st.column_config.NumberColumn("Mean total (USD)", format="$%.0f"),
        "prob_cheapest": st.column_config.NumberColumn("Share of paths cheapest", format="%.2f"),
    },
)
download_buttons(tco, "projection_monte_carlo", "proj_mc_download", index=True)
st.caption(
    "Monte Carlo, centred on this scenario: "
    + "; ".join(f"{label}: {text}" for label, text in uncertainty.describe())
    + "."
)
st.plotly_chart(cumulative_figure(result.cumulative_usd, outcome.break_even), key="proj_cumulative_chart")
if comparisons:
    versus_table = pd.DataFrame(planning.head_to_head_rows(outcome)).drop(columns=["summary", "horizon_months"])
    st.dataframe(
        versus_table,
        width="stretch",
        hide_index=True,
        key="proj_break_even_table",
        column_config={
            "option": "Self-hosted or hybrid option",
            "versus": "Against API option",
            "break_even_month": st.column_config.NumberColumn("Break-even month", format="%d"),
            "saving_usd": st.column_config.NumberColumn(
                f"Saving over {inputs.horizon_months} months (USD)", format="dollar", help="Negative: it costs more."
            ),
            "months_ahead": st.column_config.NumberColumn("Months ahead (cumulative)", format="%d"),
            "months_ahead_ranges": "Which months ahead",
            "months_cheaper": st.column_config.NumberColumn("Months cheaper (monthly)", format="%d"),
            "months_cheaper_ranges": "Which months cheaper",
        },
    )
    download_buttons(versus_table, "projection_break_even", "proj_break_even_download")
    st.caption(f"The rule: {planning.BREAK_EVEN_RULE}; an empty break-even means none within the horizon.")
st.markdown("**Cost per 1M tokens (input + output) over time**")
st.line_chart(result.usd_per_1m_tokens, height=260, x_label="Month from now", y_label="USD per 1M tokens")
table = evaluation.monthly
st.dataframe(
    table,
    width="stretch",
    key="proj_monthly_table",
    column_config={c: st.column_config.NumberColumn(c, format="$%.0f") for c in table.columns},
)
download_buttons(table.reset_index(names="period"), "projection", "proj_download", label="monthly spend")
if evaluation.sensitivity is not None and evaluation.sensitivity_of is not None:
    own_option, versus = evaluation.sensitivity_of
    st.plotly_chart(
        tornado_figure(
            evaluation.sensitivity,
            f"What moves the {inputs.horizon_months}-month cost of {own_option} minus {versus}",
            inputs.horizon_months,
        ),
        key="proj_tornado",
    )

st.subheader("4. Scenarios")
if loaded is not None:
    mix_window, notes = loaded.mix_window, loaded.notes
else:
    mix_window = usage.mix_window if usage is not None and not manual else None
    chosen = {d.model_key: d for d in default_models}
    notes = tuple(f"API option {m} (default): {chosen[m].reason}" for m in api_models if m in chosen)
scenario = planning.Scenario(
    name=st.session_state.get(KEY_SCENARIO_NAME) or (loaded.name if loaded else "My scenario"),
    inputs=inputs,
    upload_id=upload_id if loaded is None else loaded.upload_id,
    workload=workload if loaded is None else loaded.workload,
    uncertainty=uncertainty,
    mix_window=mix_window,
    notes=notes,
)
s1, s2 = st.columns([2, 3])
name = s1.text_input("Scenario name", key=KEY_SCENARIO_NAME, placeholder="Base case")
if s1.button("Save scenario", key="proj_save"):
    try:
        planning.save_scenario(store, dataclasses.replace(scenario, name=name))
    except ValueError as exc:
        st.error(str(exc))
    else:
        after_write()
        st.success(f"Saved '{name.strip()}' with every assumption.")
token = encode_scenario(scenario.to_dict())
s2.markdown("**Link to this scenario**")
s2.code(f"?s={token}"[:2000], language=None)
s2.caption("Add this to the page's address to reproduce the scenario, e.g. to send it to a colleague.")
saved = load_table("scenarios")
if not saved.empty:
    l1, l2 = st.columns(2)
    to_load = l1.selectbox("Open a saved scenario", list(saved["name"]), key="proj_load_name")
    if l1.button("Open", key="proj_open"):
        st.session_state[KEY_LOADED] = planning.load_scenario(store, to_load)
        st.query_params["s"] = encode_scenario(st.session_state[KEY_LOADED].to_dict())
        st.rerun()
    compare = l2.multiselect("Compare scenarios (2 to 4)", list(saved["name"]), max_selections=4, key=KEY_COMPARE)
    if len(compare) >= 2:
        rows = {}
        for scenario_name in compare:
            other = planning.load_scenario(store, scenario_name)
            other_outcome = planning.outcome(other.inputs)
            rows[scenario_name] = planning.horizon_totals(other_outcome.result).to_dict() | {
                "cheapest": other_outcome.cheapest,
                "horizon (months)": other.inputs.horizon_months,
            }
        st.dataframe(pd.DataFrame(rows).T, width="stretch", key="proj_compare_table")
        download_buttons(pd.DataFrame(rows).T, "scenario_comparison", "proj_compare_download", index=True)
        st.caption("Totals are USD over each scenario's horizon.")
st.caption("Saved scenarios: " + (", ".join(saved["name"]) if not saved.empty else "none yet") + ".")
with st.expander("Every assumption of this scenario (JSON)"):
    st.code(json.dumps(scenario.to_dict(), indent=2), language="json")

st.subheader("5. Report for procurement")
st.caption(
    "A PDF that stands on its own: executive summary, the frontier and the candidates, spend with P10-P90 bands, "
    "break-even, sensitivity, every assumption and source. It takes a few seconds to build when you press the button."
)
report_metrics = load_metrics()
p1, p2, p3 = st.columns([2, 2, 1])
prepared_for = p1.text_input("Prepared for", key="proj_report_for", placeholder="Procurement, vendor review")
report_metric = p2.selectbox(
    "Quality metric for the floor",
    sorted(report_metrics, key=lambda m: (m != DEFAULT_METRIC, report_metrics[m].name.lower())),
    format_func=lambda m: report_metrics[m].label,
    key="proj_report_metric",
)
floor = p3.number_input(
    f"Quality floor ({report_metrics[report_metric].unit})", value=None, key="proj_report_floor", placeholder="none"
)
st.download_button(
    "Download PDF report",
    functools.partial(
        report_pdf_bytes,
        store,
        ReportRequest(
            scenario,
            prepared_for=prepared_for,
            sheet_name=settings.sheet_name,
            metric_id=report_metric,
            today=dt.date.today(),
            quality_floor=floor,
        ),
    ),
    f"frontier_report_{scenario.name.strip().replace(' ', '_') or 'scenario'}.pdf",
    "application/pdf",
    key="proj_report_download",
)
