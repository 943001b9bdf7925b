"""Portfolio: the cheapest mix of models per workload that meets each workload's quality floor and latency
objective over the horizon, with self-hosted workloads sharing whole GPUs.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import streamlit as st

from pricing.cost import UnpricedModelError
from pricing.metrics import DEFAULT_METRIC
from pricing.planning import service as planning
from pricing.portfolio import service as portfolio_service
from pricing.portfolio.evidence import cascade_run_pairs, measured_cascade
from pricing.portfolio.optimiser import InfeasibleError
from pricing.portfolio.service import PortfolioSection
from pricing.report.charts import portfolio_floor_figure, portfolio_spend_figure
from pricing.sheets import SheetError
from ui.common import (
    current_settings,
    download_buttons,
    get_store,
    load_metrics,
    load_prices,
    load_table,
    load_usage_monthly,
    portfolio_pdf_bytes,
    probe_runs,
)

KEY_UPLOAD = "portfolio_upload"
KEY_FLOORS_FILE = "portfolio_floors_file"
KEY_METRIC = "portfolio_metric"
KEY_FLOORS = "portfolio_floors"
KEY_API = "portfolio_api"
KEY_SELF = "portfolio_self_host"
KEY_MODE = "portfolio_mode"
KEY_MONTHS = "portfolio_months"
KEY_GROWTH_MODEL = "portfolio_growth_model"
KEY_GROWTH_PCT = "portfolio_growth_pct"
KEY_DECLINE = "portfolio_decline"
KEY_SPLIT = "portfolio_split"
KEY_CASCADE = "portfolio_cascade"
KEY_CASCADE_SOURCE = "portfolio_cascade_source"
KEY_ESCALATION = "portfolio_escalation"
KEY_RUN_SMALL = "portfolio_run_small"
KEY_RUN_LARGE = "portfolio_run_large"
KEY_CURVE = "portfolio_curve_workload"
KEY_PREPARED = "portfolio_prepared_for"
TIME_LIMIT_S = 20.0  # per solve; past it the page shows the best portfolio found and its proven gap
SELF_HOST_CHOICES = {
    "llama-3.1-8b-instruct@H100 SXM": ("llama-3.1-8b-instruct", "H100 SXM", "FP8"),
    "llama-3.3-70b-instruct@H100 SXM": ("llama-3.3-70b-instruct", "H100 SXM", "FP8"),
    "llama-3.3-70b-instruct@H200": ("llama-3.3-70b-instruct", "H200", "FP8"),
}
GROWTH_CHOICES = {
    "constant": "Constant monthly rate",
    "best": "Fitted per workload (best by AICc)",
    "linear": "Fitted per workload: linear",
    "exponential": "Fitted per workload: exponential",
    "logistic": "Fitted per workload: logistic",
}
BY_HAND, MEASURED = "Set by hand", "Measured from two probe runs of one eval suite"


@st.cache_data(show_spinner=False)
def default_api_models(sheet_name: str, metric_id: str) -> tuple[planning.DefaultModel, ...]:
    """The API options every page starts from (the Projections page and `project` too), or none without scores."""
    try:
        return planning.default_api_models(get_store(), sheet_name, metric_id)
    except LookupError:
        return ()


@st.cache_data(show_spinner="Solving the portfolio...", max_entries=32)
def solve(request: portfolio_service.PortfolioRequest, evidence: str) -> portfolio_service.PortfolioPlan:
    """The plan for a request (Streamlit hashes the whole request, frames included); `evidence` changes when probe
    runs do, since they feed quality, latency and cascades."""
    return portfolio_service.plan_portfolio(get_store(), request)


@st.cache_data(show_spinner="Moving the floor...", max_entries=32)
def floor_section(request: portfolio_service.PortfolioRequest, evidence: str, workload: str) -> PortfolioSection:
    """The report section of the plan, with the floor curve of one workload."""
    return portfolio_service.report_section(get_store(), solve(request, evidence), workload)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


settings = current_settings()
store = get_store()
st.title("Portfolio")
st.caption(
    "Not one model but the right one per workload: each workload goes to the cheapest option (or mix) that meets "
    "its quality floor and latency objective over the horizon, with growth and price changes month by month; "
    "self-hosted workloads share GPUs, counted in whole units. Solved exactly as a mixed-integer programme (scipy "
    "milp)."
)

uploads = load_table("usage_uploads")
if uploads.empty:
    st.info("Upload your usage on the Spend projections page first: the workloads come from it.")
    st.stop()
labels = {r.upload_id: f"{r.file_name} ({str(r.uploaded_at)[:16]}; {r.workloads})" for r in uploads.itertuples()}
upload_id = st.selectbox("Usage", list(labels), format_func=labels.get, key=KEY_UPLOAD)
monthly = load_usage_monthly(upload_id)
workload_names = sorted(str(w) for w in monthly["workload"].unique())

st.subheader("1. Floors, objectives and today's assignment")
metrics = load_metrics()
metric_ids = sorted(metrics, key=lambda m: (m != DEFAULT_METRIC, metrics[m].name.lower()))
f1, f2 = st.columns([1, 1])
metric_id = f1.selectbox(
    "Default quality metric", metric_ids, format_func=lambda m: metrics[m].label, key=KEY_METRIC,
    help="Rows with no metric of their own are judged on this one. Own evals ('Own eval: ...') are your probes.",
)  # fmt: skip
floors_file = f2.file_uploader(
    "Or load a floors file (CSV/XLSX)",
    type=["csv", "xlsx"],
    key=KEY_FLOORS_FILE,
    help="Columns: workload, metric, quality_floor, latency_objective_ms, latency_metric (ttft or e2e), current.",
)
metric_of_label = {metrics[m].label: m for m in metric_ids}
initial = pd.DataFrame(
    {
        "workload": workload_names,
        "metric": [None] * len(workload_names),
        "quality_floor": [None] * len(workload_names),
        "latency_objective_ms": [None] * len(workload_names),
        "latency_metric": ["ttft"] * len(workload_names),
        "current": [None] * len(workload_names),
    }
)
editor_key = KEY_FLOORS
if floors_file is not None:
    loaded: dict[str, portfolio_service.FloorSpec] = {}
    try:
        loaded = portfolio_service.read_floors(floors_file.getvalue(), floors_file.name)
    except SheetError as exc:
        lines = "\n".join(f"- {problem}" for problem in exc.problems)
        st.error(f"{floors_file.name} cannot be used; fix it and load it again, or fill the table below.\n\n{lines}")
    unknown = sorted(set(loaded) - set(workload_names))
    if unknown:
        st.error(
            f"{floors_file.name}: workloads not in this usage: {', '.join(unknown)} "
            f"(usage: {', '.join(workload_names)}). Fix the names or pick the usage they belong to."
        )
        loaded = {}
    for i, name in enumerate(workload_names):
        spec = loaded.get(name)
        if spec is not None:
            label = metrics[spec.metric].label if spec.metric in metrics else spec.metric
            initial.loc[i, ["metric", "quality_floor", "latency_objective_ms", "latency_metric", "current"]] = [
                label, spec.quality_floor, spec.latency_objective_ms, spec.latency_metric, spec.current
            ]  # fmt: skip
    if loaded:
        editor_key = f"{KEY_FLOORS}_{floors_file.file_id}"  # a new file starts a fresh editor
floors_table = st.data_editor(
    initial,
    hide_index=True,
    disabled=["workload"],
    key=editor_key,
    width="stretch",
    column_config={
        "workload": "Workload",
        "metric": st.column_config.SelectboxColumn(
            "Metric (empty: default)",
            options=list(metric_of_label),
            help="The metric this workload's floor is judged on.",
        ),
        "quality_floor": st.column_config.NumberColumn("Quality floor", help="In the metric's unit; empty: none."),
        "latency_objective_ms": st.column_config.NumberColumn("Latency objective (ms)", min_value=1.0),
        "latency_metric": st.column_config.SelectboxColumn(
            "Latency on", options=["ttft", "e2e"], help="ttft: time to first token; e2e: end to end.", required=True
        ),
        "current": st.column_config.TextColumn(
            "Served today by", help="A model the price sheet prices (or an option's name); fill every row to compare."
        ),
    },
)

st.subheader("2. Options and assumptions")
prices = load_prices(settings.sheet_name)
keys = sorted(prices["model_key"])
c1, c2, c3 = st.columns([3, 3, 1])
defaults = default_api_models(settings.sheet_name, metric_id)
api_models = c1.multiselect(
    "API options", keys, default=[d.model_key for d in defaults if d.model_key in keys], key=KEY_API
)
self_host = c2.multiselect(
    "Self-hosted options", list(SELF_HOST_CHOICES), default=list(SELF_HOST_CHOICES)[:1], key=KEY_SELF
)
mode = c3.radio("GPUs", ["reserved", "on-demand"], key=KEY_MODE, help="Reserved fleets never shrink.")
d1, d2, d3, d4 = st.columns(4)
months = d1.radio("Horizon (months)", [18, 24, 36], index=2, horizontal=True, key=KEY_MONTHS)
growth_model = d2.selectbox("Volume growth", list(GROWTH_CHOICES), format_func=GROWTH_CHOICES.get, key=KEY_GROWTH_MODEL)
history_rate, history_span = portfolio_service.history_growth(monthly)
growth_pct = d3.number_input(
    "Monthly growth (%)", -50.0, 200.0, round(min(max(history_rate * 100, -50.0), 200.0), 1), 0.5,
    key=KEY_GROWTH_PCT, disabled=growth_model != "constant",
    help=f"Starts at your history's average: {history_rate:+.1%} a month over {history_span}. 0 holds volumes flat.",
)  # fmt: skip
rates = planning.decline_rates()  # the default first: each named model's list price, held flat
decline = rates[
    d4.selectbox(
        "API price decline",
        range(len(rates)),
        format_func=lambda i: planning.decline_label(rates[i]),
        key=KEY_DECLINE,
        help="A named model's list price rarely moves, so it is held flat by default. The trends are for a constant "
        "capability across the market: the cheapest model at this quality, re-chosen each year.",
    )
]
st.caption(
    f"Usage history: {history_span}; all workloads together grew {history_rate:+.1%} a month on average. The "
    "horizon starts from each workload's latest month."
)
if defaults:
    st.caption("Default API options: " + " · ".join(f"**{d.model_key}**: {d.reason}." for d in defaults))
allow_split = st.toggle("Allow splitting a workload across options", value=True, key=KEY_SPLIT)

cascades: list[portfolio_service.CascadeInput] = []
with st.expander("Cascade: small model first, escalate to a larger one when a check fails"):
    offer = st.toggle("Offer a cascade of the first two API options", key=KEY_CASCADE)
    source = st.radio("Escalation rate", [BY_HAND, MEASURED], horizontal=True, key=KEY_CASCADE_SOURCE)
    if source == BY_HAND:
        escalation = st.slider("Escalated share (%)", 0, 100, 20, key=KEY_ESCALATION)
        rate: float | object = escalation / 100
    else:
        pairs = cascade_run_pairs(store)
        if pairs.empty:
            st.info("No eval suite has two finished probe runs yet: run one suite on both models (Probes page).")
            rate = None
        else:
            run_labels = {
                r.run_id: f"{r.suite}: {r.model} on {r.endpoint} ({str(r.started_at)[:16]}, {r.items} items)"
                for r in pairs.itertuples()
            }
            r1, r2 = st.columns(2)
            small_run = r1.selectbox(
                "Small model's run", list(run_labels), format_func=run_labels.get, key=KEY_RUN_SMALL
            )
            large_run = r2.selectbox(
                "Large model's run", list(run_labels), format_func=run_labels.get, key=KEY_RUN_LARGE
            )
            try:
                rate = measured_cascade(store, small_run, large_run)
            except ValueError as exc:
                st.warning(str(exc))
                rate = None
            else:
                st.caption(
                    f"Measured: {rate.escalation_rate:.0%} escalated (95% interval {rate.escalation_low:.0%}-"
                    f"{rate.escalation_high:.0%}); cascade {rate.cascade_score:.1f}% correct against "
                    f"{rate.small_score:.1f}% small alone and {rate.large_score:.1f}% large alone, on {rate.items} "
                    f"items of {rate.suite} ({rate.measured_on}). {rate.check}"
                )
    if offer and len(api_models) < 2:
        st.warning("Pick at least two API options: the first is the small model, the second the large one.")
    elif offer and rate is not None:
        cascades.append((api_models[0], api_models[1], rate))  # type: ignore[arg-type]

floors = {
    str(row.workload): portfolio_service.FloorSpec(
        _number(row.quality_floor),
        _number(row.latency_objective_ms),
        None
        if pd.isna(row.metric) or not str(row.metric).strip()
        else metric_of_label.get(str(row.metric), str(row.metric)),
        "e2e" if row.latency_metric == "e2e" else "ttft",
        None if pd.isna(row.current) or not str(row.current).strip() else str(row.current).strip(),
    )
    for row in floors_table.itertuples()
}
request = portfolio_service.PortfolioRequest(
    monthly=monthly,
    floors=floors,
    months=int(months),
    growth=portfolio_service.Growth(growth_model, growth_pct / 100),
    default_metric=metric_id,
    sheet_name=settings.sheet_name,
    api_models=api_models,
    self_host=[(*SELF_HOST_CHOICES[c], mode) for c in self_host],
    cascades=cascades,
    api_decline_per_year=decline.value_per_year,
    allow_split=allow_split,
    time_limit_s=TIME_LIMIT_S,
)
try:
    runs = probe_runs()
    evidence = f"{len(runs)}:{runs['finished_at'].max() if not runs.empty else ''}"
    plan = solve(request, evidence)
except InfeasibleError as exc:
    st.error(f"No portfolio meets every objective: {exc}. Lower a floor, relax an objective or add an option.")
    st.stop()
except (UnpricedModelError, LookupError, ValueError, TimeoutError) as exc:
    st.error(str(exc))
    st.stop()
result = plan.result
first_month = (pd.to_datetime(monthly["month"]).max() + pd.DateOffset(months=1)).strftime("%Y-%m")

st.subheader("3. The cheapest portfolio")
if not result.optimal:
    st.warning(
        f"The solver stopped at its {TIME_LIMIT_S:g} s limit: this portfolio is within {result.optimality_gap:.2%} "
        "of the cheapest possible (a proven bound). Fewer options, no splitting or flat volumes solve faster."
    )
m = st.columns(3)
m[0].metric(
    f"Portfolio cost over {months} months",
    f"${result.total_usd:,.0f}",
    help=f"USD, {result.months} months from now; ${result.monthly_usd:,.0f} a month on average.",
)
if result.best_single_usd is not None and result.saving_vs_best_single_usd is not None:
    m[1].metric(
        f"Best single option over {months} months: {result.best_single_option}",
        f"${result.best_single_usd:,.0f}",
        delta=f"portfolio saves ${result.saving_vs_best_single_usd:,.0f}",
        delta_arrow="off",
        help="Serving every workload with the one option that meets every floor and objective most cheaply.",
    )
else:
    m[1].metric("Best single option", "none meets every workload")
if result.current_usd is not None and result.saving_vs_current_usd is not None:
    saving = result.saving_vs_current_usd
    m[2].metric(
        f"Today's assignment over {months} months",
        f"${result.current_usd:,.0f}",
        delta=f"portfolio saves ${saving:,.0f}" if saving >= 0 else f"portfolio costs ${-saving:,.0f} more",
        delta_color="normal" if saving >= 0 else "inverse",
        delta_arrow="off",
        help="The 'Served today by' column priced over the same horizon, growth and prices.",
    )
else:
    m[2].metric("Today's assignment", "not given", help="Fill 'Served today by' on every row to compare.")
for problem in result.current_problems:
    st.warning(f"Today's assignment misses an objective: {problem}")

metric_labels = {w: metrics[mid].label if mid in metrics else mid for w, mid in plan.metric_of.items()}
added = portfolio_service.added_for_today(plan, api_models)
if added:
    st.caption(f"Also weighed because a workload runs on it today: {', '.join(added)} (priced from the same sheet).")
table = portfolio_service.assignment_table(plan, metric_labels)
shown = table[["workload", "option", "share", "usd_per_month", "output_tokens_month_1"]].assign(
    quality=[
        "no score" if pd.isna(q) else f"{q:,.4g}" + ("" if pd.isna(f) else f" (floor {f:,.4g})") + f" {m}"
        for q, f, m in zip(table["quality"], table["floor"], table["metric"], strict=True)
    ],
    latency=[
        lat if obj == "none" else f"{lat} ({obj.replace('<= ', 'objective ')})"
        for lat, obj in zip(table["latency"], table["objective"], strict=True)
    ],
)
st.markdown("**Assignment** (quality on each workload's metric against its floor; latency against its objective)")
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    key="portfolio_assignments",
    column_config={
        "workload": "Workload",
        "option": st.column_config.TextColumn("Served by", width="medium"),
        "share": st.column_config.NumberColumn("Share", format="percent", width="small"),
        "usd_per_month": st.column_config.NumberColumn("USD/month (avg)", format="dollar"),
        "output_tokens_month_1": st.column_config.NumberColumn("Tokens out, month 1", format="compact"),
        "quality": st.column_config.TextColumn("Quality", width="medium"),
        "latency": st.column_config.TextColumn("Latency", width="medium"),
    },
)
download_buttons(table, "portfolio_assignment", "portfolio_assignments_dl")
if not result.fleet.empty:
    st.markdown("**GPUs** (whole units, sized for each month's peak hour with headroom; allocation basis)")
    st.dataframe(
        result.fleet.round({"load_tokens_per_s": 0, "capacity_tokens_per_s": 0, "monthly_usd": 0}),
        hide_index=True,
        width="stretch",
        key="portfolio_fleet",
        column_config={
            "candidate": st.column_config.TextColumn("Option", width="medium"),
            "gpu": "GPU",
            "replicas": "Replicas",
            "gpus": "GPUs at peak",
            "gpus_month_1": "GPUs month 1",
            "load_tokens_per_s": st.column_config.NumberColumn("Peak tok/s", format="localized"),
            "capacity_tokens_per_s": st.column_config.NumberColumn("Capacity tok/s", format="localized"),
            "monthly_usd": st.column_config.NumberColumn("USD/month (avg)", format="dollar"),
        },
    )
st.plotly_chart(
    portfolio_spend_figure(
        result.spend_by_month,
        "Portfolio spend per month, by option (USD)",
        first_month=first_month,
        by_option=result.spend_by_option,
    ),
    key="portfolio_spend_chart",
)
st.markdown("**Assumptions**")
st.markdown("\n".join(f"- {note}" for note in plan.notes))
with st.expander("Options weighed, with their prices, quality, latency and sources"):
    options_table = portfolio_service.candidate_table(plan)
    st.dataframe(
        options_table,
        hide_index=True,
        width="stretch",
        key="portfolio_options",
        column_config={
            "option": "Option",
            "kind": "Kind",
            "usd_per_1m_input": st.column_config.NumberColumn("USD per 1M input", format="$%.3f"),
            "usd_per_1m_output": st.column_config.NumberColumn("USD per 1M output", format="$%.3f"),
            "usd_per_gpu_month": st.column_config.NumberColumn("USD per GPU-month", format="$%.0f"),
            "gpus_per_replica": "GPUs per replica",
            "replica_output_tokens_per_s": st.column_config.NumberColumn("Replica output tokens/s", format="%.0f"),
            "quality_min": st.column_config.NumberColumn("Quality (lowest workload)", format="%.1f"),
            "quality_max": st.column_config.NumberColumn("Quality (highest workload)", format="%.1f"),
            "ttft_ms": st.column_config.NumberColumn("TTFT (ms)", format="%.0f"),
            "output_tokens_per_s": st.column_config.NumberColumn("Output tokens/s per request", format="%.0f"),
            "source": st.column_config.TextColumn("Source (with dates)", width="large"),
        },
    )
    download_buttons(options_table, "portfolio_options", "portfolio_options_dl")

st.subheader("4. What changes if a floor moves")
curve_workload = st.selectbox("Workload", workload_names, key=KEY_CURVE)
section = floor_section(request, evidence, curve_workload)
curve = section.floor_curve
if curve is None or curve.empty:
    st.caption("No option has a score on this workload's metric, so its floor cannot move.")
else:
    today_floor = next((w.quality_floor for w in plan.workloads if w.name == curve_workload), None)
    st.plotly_chart(
        portfolio_floor_figure(curve, curve_workload, metric_labels[curve_workload], int(months), today_floor),
        key="portfolio_curve_chart",
    )
    st.caption(
        "Each point re-solves the whole portfolio with this workload's floor at one option's score; other "
        "workloads keep theirs."
    )

st.subheader("5. Report for procurement")
prepared_for = st.text_input("Prepared for", key=KEY_PREPARED, placeholder="Procurement, vendor review")
st.download_button(
    "Download portfolio PDF",
    functools.partial(portfolio_pdf_bytes, section, prepared_for=prepared_for, today=dt.date.today()),
    "frontier_portfolio.pdf",
    "application/pdf",
    key="portfolio_pdf_download",
    help="Assignment, GPUs, savings, the floor curve, every assumption and source. Takes a few seconds.",
)
