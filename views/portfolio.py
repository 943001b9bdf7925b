"""Portfolio: the cheapest mix of models per workload that meets each workload's quality floor and latency
objective over the horizon, with self-hosted workloads sharing whole GPUs.
"""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from pricing.cost import UnpricedModelError
from pricing.planning import display as planning_display
from pricing.planning.staff import typical_ops_text, typical_ops_usd_per_month
from pricing.portfolio import display
from pricing.portfolio import service as portfolio_service
from pricing.portfolio.optimiser import InfeasibleError
from pricing.report.charts import portfolio_floor_figure, portfolio_spend_figure
from ui.common import (
    MISSING,
    current_settings,
    download_buttons,
    load_metrics,
    load_portfolio_plan,
    load_portfolio_section,
    load_table,
    load_usage_monthly,
    portfolio_pdf_bytes,
)
from ui.inputs import (
    api_options_input,
    cascade_input,
    decline_input,
    floors_input,
    horizon_input,
    shrink_candidate_input,
)

PREFIX = "portfolio"  # the forms of ui.inputs key their widgets "portfolio_<name>"
KEY_UPLOAD = "portfolio_upload"
KEY_API = "portfolio_api"
KEY_SELF = "portfolio_self_host"
KEY_MODE = "portfolio_mode"
KEY_MONTHS = "portfolio_months"
KEY_GROWTH_MODEL = "portfolio_growth_model"
KEY_GROWTH_PCT = "portfolio_growth_pct"
KEY_DECLINE = "portfolio_decline"
KEY_SPLIT = "portfolio_split"
KEY_OPS = "portfolio_ops"
KEY_CURVE = "portfolio_curve_workload"
KEY_PREPARED = "portfolio_prepared_for"
TIME_LIMIT_S = 20.0  # per solve; past it the page shows the best portfolio found and its proven gap
GROWTH_CHOICES = {
    "constant": "Constant monthly rate",
    "best": "Fitted per workload (best by AICc)",
    "linear": "Fitted per workload: linear",
    "exponential": "Fitted per workload: exponential",
    "logistic": "Fitted per workload: logistic",
}

settings = current_settings()
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
labels = planning_display.upload_labels_with_workloads(uploads)
upload_id = st.selectbox("Usage", list(labels), format_func=labels.get, key=KEY_UPLOAD)
monthly = load_usage_monthly(upload_id)
workload_names = planning_display.workload_names(monthly)

st.subheader("1. Floors, objectives and today's assignment")
metric_id, floors = floors_input(PREFIX, workload_names)
if not display.has_floor(floors):
    st.info(display.SET_FLOORS_TEXT)
    st.stop()

st.subheader("2. Options and assumptions")
c1, c2, c3 = st.columns([3, 3, 1])
api_models, defaults = api_options_input(c1, settings.sheet_name, KEY_API, metric_id=metric_id)
self_host = c2.multiselect(
    "Self-hosted options", list(display.SELF_HOST_CHOICES), default=list(display.SELF_HOST_CHOICES)[:1], key=KEY_SELF
)
mode = c3.radio("GPUs", ["reserved", "on-demand"], key=KEY_MODE, help="Reserved fleets never shrink.")
d1, d2, d3, d4 = st.columns([2, 2, 2, 4])  # the decline's choices are a few words long: room to read them
months = horizon_input(d1, KEY_MONTHS)
growth_model = d2.selectbox("Volume growth", list(GROWTH_CHOICES), format_func=GROWTH_CHOICES.get, key=KEY_GROWTH_MODEL)
history_rate, history_span = portfolio_service.history_growth(monthly)
growth_pct = d3.number_input(
    "Monthly growth (%)", *display.GROWTH_PCT_RANGE, display.growth_default_pct(history_rate), 0.5,
    key=KEY_GROWTH_PCT, disabled=growth_model != "constant", help=display.growth_help(history_rate, history_span),
)  # fmt: skip
decline = decline_input(
    d4, KEY_DECLINE,
    help="A named model's list price rarely moves, so it is held flat by default. The trends are for a constant "
    "capability across the market: the cheapest model at this quality, re-chosen each year.",
)  # fmt: skip
ops = st.number_input(
    "Operations staff for self-hosting (USD per month)", 0.0, 1e7, value=None, step=500.0, key=KEY_OPS,
    placeholder=f"required to weigh self-hosting, e.g. {typical_ops_usd_per_month():,.0f}",
    help="Paid every month once any workload is self-hosted: one team runs every fleet. " + typical_ops_text(),
)  # fmt: skip
self_host_specs = display.self_host_specs(self_host, mode)
if self_host_specs and ops is None:
    st.warning(
        "Self-hosted options are left out until you enter the operations staff cost above (0 if nobody's time goes "
        f"to it): people run a fleet, and leaving them out makes self-hosting look cheaper than it is. "
        f"{typical_ops_text()}"
    )
    self_host_specs = ()
st.caption(display.history_text(history_rate, history_span))
if defaults:
    st.caption(planning_display.default_models_text(defaults))
allow_split = st.toggle("Allow splitting a workload across options", value=True, key=KEY_SPLIT)

cascades = cascade_input(PREFIX, api_models)
shrunk = shrink_candidate_input(PREFIX, api_models[0] if api_models else None)

request = portfolio_service.PortfolioRequest(
    monthly=monthly, floors=floors, months=months,
    growth=portfolio_service.Growth(growth_model, growth_pct / 100), default_metric=metric_id,
    sheet_name=settings.sheet_name, api_models=api_models, self_host=self_host_specs,
    cascades=cascades, api_decline_per_year=decline.value_per_year, allow_split=allow_split,
    time_limit_s=TIME_LIMIT_S, shrink=shrunk, ops_usd_per_month=ops,
)  # fmt: skip
try:
    plan = load_portfolio_plan(request)
except InfeasibleError as exc:
    st.error(f"No portfolio meets every objective: {exc}. Lower a floor, relax an objective or add an option.")
    st.stop()
except (UnpricedModelError, LookupError, ValueError, TimeoutError) as exc:
    st.error(str(exc))
    st.stop()
result = plan.result

st.subheader("3. The cheapest portfolio")
if not result.optimal:
    st.warning(display.time_limit_text(result, TIME_LIMIT_S))
for column, figure in zip(st.columns(3), display.headline_figures(result, months), strict=True):
    if figure.delta is None:
        column.metric(figure.label, figure.value, help=figure.help)
    else:
        column.metric(
            figure.label, figure.value, figure.delta, help=figure.help, delta_arrow="off",
            delta_color="normal" if figure.good else "inverse",
        )  # fmt: skip
for problem in result.current_problems:
    st.warning(f"Today's assignment misses an objective: {problem}")

metric_labels = portfolio_service.metric_labels(plan.metric_of, load_metrics())
if added := portfolio_service.added_for_today(plan, api_models):
    st.caption(f"Also weighed because a workload runs on it today: {', '.join(added)} (priced from the same sheet).")
table = portfolio_service.assignment_table(plan, metric_labels)
st.markdown("**Assignment** (quality on each workload's metric against its floor; latency against its objective)")
st.dataframe(
    display.assignment_view(table), hide_index=True, width="stretch", key="portfolio_assignments",
    column_config={
        "workload": "Workload",
        "option": st.column_config.TextColumn("Served by", width="medium"),
        "share": st.column_config.NumberColumn("Share", format="percent", width="small"),
        "usd_per_month": st.column_config.NumberColumn("USD/month (avg)", format="dollar"),
        "output_tokens_month_1": st.column_config.NumberColumn("Tokens out, month 1", format="compact"),
        "quality": st.column_config.TextColumn("Quality", width="medium"),
        "latency": st.column_config.TextColumn("Latency", width="medium"),
    },
    placeholder=MISSING,
)  # fmt: skip
download_buttons(table, "portfolio_assignment", "portfolio_assignments_dl")
if not result.fleet.empty:
    st.markdown("**GPUs** (whole units, sized for each month's peak hour with headroom; allocation basis)")
    st.dataframe(
        display.fleet_view(result.fleet), hide_index=True, width="stretch", key="portfolio_fleet",
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
        placeholder=MISSING,
    )  # fmt: skip
st.plotly_chart(
    portfolio_spend_figure(
        result.spend_by_month, "Portfolio spend per month, by option (USD)", first_month=display.first_month(monthly),
        by_option=result.spend_by_option,
    ),
    key="portfolio_spend_chart",
)  # fmt: skip
st.markdown("**Assumptions**")
st.markdown("\n".join(f"- {note}" for note in plan.notes))
with st.expander("Options weighed, with their prices, quality, latency and sources"):
    options_table = portfolio_service.candidate_table(plan)
    st.dataframe(
        options_table, hide_index=True, width="stretch", key="portfolio_options",
        column_config={
            "option": "Option",
            "kind": "Kind",
            "usd_per_1m_input": st.column_config.NumberColumn("USD per 1M input", format="$%.3f"),
            "usd_per_1m_output": st.column_config.NumberColumn("USD per 1M output", format="$%.3f"),
            "usd_per_gpu_month": st.column_config.NumberColumn("USD per GPU-month", format="$%,.0f"),
            "gpus_per_replica": "GPUs per replica",
            "replica_output_tokens_per_s": st.column_config.NumberColumn("Replica output tokens/s", format="%,.0f"),
            "quality_min": st.column_config.NumberColumn("Quality (lowest workload)", format="%.1f"),
            "quality_max": st.column_config.NumberColumn("Quality (highest workload)", format="%.1f"),
            "ttft_ms": st.column_config.NumberColumn("TTFT (ms)", format="%.0f"),
            "output_tokens_per_s": st.column_config.NumberColumn("Output tokens/s per request", format="%.0f"),
            "source": st.column_config.TextColumn("Source (with dates)", width="large"),
        },
        placeholder=MISSING,
    )  # fmt: skip
    download_buttons(options_table, "portfolio_options", "portfolio_options_dl")

st.subheader("4. What changes if a floor moves")
curve_workload = st.selectbox("Workload", workload_names, key=KEY_CURVE)
section = load_portfolio_section(request, curve_workload)
if section.floor_curve is None or section.floor_curve.empty:
    st.caption("No option has a score on this workload's metric, so its floor cannot move.")
else:
    st.plotly_chart(
        portfolio_floor_figure(
            section.floor_curve, curve_workload, metric_labels[curve_workload], months,
            display.floor_of(plan, curve_workload),
        ),
        key="portfolio_curve_chart",
    )  # fmt: skip
    st.caption(
        "Each point re-solves the whole portfolio with this workload's floor at one option's score; other "
        "workloads keep theirs."
    )

st.subheader("5. Report for procurement")
prepared_for = st.text_input("Prepared for", key=KEY_PREPARED, placeholder="Procurement, vendor review")
st.download_button(
    "Download portfolio PDF",
    functools.partial(portfolio_pdf_bytes, section, prepared_for=prepared_for, today=dt.date.today()),
    "frontier_portfolio.pdf", "application/pdf", key="portfolio_pdf_download",
    help="Assignment, GPUs, savings, the floor curve, every assumption and source. Takes a few seconds.",
)  # fmt: skip
