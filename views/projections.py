"""Spend projections: usage in, options compared over 18-36 months with uncertainty, scenarios saved and
shared as links.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json

import streamlit as st

from pricing.planning import display
from pricing.planning import service as planning
from pricing.planning.staff import ops_share_lines
from pricing.report.charts import cumulative_figure, spend_figure, tornado_figure
from pricing.report.request import ReportRequest
from ui.common import (
    after_write,
    current_settings,
    download_buttons,
    fmt_usd,
    get_store,
    load_evaluation,
    load_metrics,
    load_table,
    report_pdf_bytes,
)
from ui.inputs import (
    api_options_input,
    decline_input,
    horizon_input,
    metric_input,
    self_host_input,
    uncertainty_input,
    volumes_input,
)

PREFIX = "proj"  # the forms of ui.inputs key their widgets "proj_<name>"
KEY_HORIZON = "proj_horizon"
KEY_GROWTH_MODEL = "proj_growth_model"
KEY_GROWTH_PCT = "proj_growth_pct"
KEY_GROWTH_CHOSEN = "proj_growth_chosen"  # set once the user picks a growth model themselves
KEY_API = "proj_api_models"
KEY_DECLINE = "proj_decline"
KEY_HYBRID = "proj_hybrid_pct"
KEY_SCENARIO_NAME = "proj_scenario_name"
KEY_LOADED = "proj_loaded_scenario"
KEY_COMPARE = "proj_compare"
GROWTH_MODELS = {
    "best": "Best fit to history (AICc)",
    "exponential": "Exponential fit",
    "linear": "Linear fit",
    "logistic": "Logistic fit",
    "constant": "Set by hand",
}

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
        st.session_state[KEY_LOADED] = planning.scenario_from_link(link)
    except (ValueError, TypeError) as exc:
        st.error(f"This scenario link could not be opened: {exc}")

st.subheader("1. Usage")
volumes = volumes_input(PREFIX)

st.subheader("2. Assumptions")
a1, a2, a3 = st.columns(3)
horizon = horizon_input(a1, KEY_HORIZON)
usage = volumes.usage
history_ok = display.can_fit_growth(usage)
if history_ok and not st.session_state.get(KEY_GROWTH_CHOSEN):
    # With a history, project with the curve fitted to it (best by AICc) until the user picks another model;
    # a "Set by hand" left over from before the upload must not decide the answer.
    st.session_state[KEY_GROWTH_MODEL] = "best"
growth_model = a2.selectbox(
    "Growth",
    list(GROWTH_MODELS) if history_ok else ["constant"],
    format_func=GROWTH_MODELS.get,
    key=KEY_GROWTH_MODEL,
    on_change=lambda: st.session_state.update({KEY_GROWTH_CHOSEN: True}),
    help="With a usage history the curve that fits it best (by AICc) is used; fits need at least 4 months "
    "(logistic 6). Without one, set growth by hand.",
)
growth_pct = a3.number_input(
    "Monthly growth (%)", -50.0, 200.0, 5.0, 0.5, key=KEY_GROWTH_PCT, disabled=growth_model != "constant"
)
if history_ok and usage is not None and (fits := planning.fit_labels(usage)):
    st.caption("Fitted to your history, best first by AICc: " + "; ".join(fits))

b1, b2 = st.columns([3, 2])
api_models, default_models = api_options_input(b1, settings.sheet_name, KEY_API, max_selections=6)
if default_models:
    b1.caption(display.default_models_text(default_models))
decline = decline_input(
    b2,
    KEY_DECLINE,
    help="A named model's list price rarely moves, so it is held flat by default. The capability level is its "
    "own choice: what you would pay if you re-chose the cheapest model at this quality each year.",
)
b2.caption(display.decline_text(decline))

own, peak = self_host_input(PREFIX)
hybrid_pct = st.slider(
    "Hybrid: share of traffic self-hosted, the rest on the first API option (%)", 0, 100, 0, key=KEY_HYBRID
)

form = planning.ScenarioForm(
    volumes=volumes,
    horizon_months=horizon,
    growth_model=growth_model,
    monthly_growth=growth_pct / 100,
    peak_to_average=peak,
    api_models=api_models,
    defaults=default_models,
)
choice = None
if own is not None:
    try:
        choice = own.choice(volumes.ratio)
    except ValueError as exc:
        st.warning(f"Self-hosting {own.model_id} on {own.gpu}: {exc}")
built = planning.scenario_options(store, settings.sheet_name, api_models, decline, choice, hybrid_pct / 100)
for problem in built.problems:
    st.warning(problem)
if built.self_host is not None and choice is not None:
    st.caption(display.self_host_text(built.self_host, choice))

uncertainty = uncertainty_input(PREFIX)

loaded: planning.Scenario | None = st.session_state.get(KEY_LOADED)
scenario_name = st.session_state.get(KEY_SCENARIO_NAME) or (loaded.name if loaded else "My scenario")
if loaded is not None:
    st.info(f"Showing the saved scenario '{loaded.name}'. Press 'Back to my assumptions' to edit your own.")
    if st.button("Back to my assumptions", key="proj_unload"):
        st.session_state.pop(KEY_LOADED, None)
        st.query_params.pop("s", None)
        st.rerun()
    scenario = dataclasses.replace(loaded, name=scenario_name)
else:
    if not built.options:
        st.warning("Choose at least one API option or a self-hosting option.")
        st.stop()
    try:
        scenario = form.scenario(scenario_name, built.options, uncertainty)
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
inputs, months = scenario.inputs, scenario.inputs.horizon_months

st.subheader("3. What it costs")
evaluation = load_evaluation(inputs, scenario.uncertainty)
outcome, comparisons = evaluation.outcome, evaluation.comparisons
r = st.columns(3)
r[0].metric(
    f"Cheapest over {months} months", outcome.cheapest,
    help="Lowest deterministic total; the Monte Carlo table below gives how often each option wins.",
)  # fmt: skip
r[1].metric(f"Its {months}-month cost", fmt_usd(evaluation.totals.iloc[0]))
if comparisons:
    headline = display.break_even_headline(comparisons[0])
    r[2].metric(
        "Break-even of self-hosting", headline.value, headline.delta, help=headline.help,
        delta_color="normal" if headline.saves else "inverse",
    )  # fmt: skip
else:
    r[2].metric("Break-even of self-hosting", "no self-hosting option")
for line in ops_share_lines(inputs.options, evaluation.totals.to_dict(), months):
    st.caption(line)
for h in comparisons:
    st.caption(planning.head_to_head_text(h))
    if why := evaluation.win_conditions.get((h.option, h.versus)):
        st.info(why)
st.plotly_chart(
    spend_figure(
        outcome.result.monthly_usd, evaluation.bands, "Monthly spend (line: the plan; band: P10-P90 of the Monte Carlo)"
    ),
    key="proj_spend_chart",
)
st.dataframe(
    evaluation.tco, width="stretch", key="proj_mc_table",
    column_config={
        c: st.column_config.NumberColumn(f"{c.upper()} total (USD)", format="$%.0f") for c in ("p10", "p50", "p90")
    } | {
        "plan": st.column_config.NumberColumn("Plan total (USD)", format="$%.0f"),
        "mean": st.column_config.NumberColumn("Mean total (USD)", format="$%.0f"),
        "prob_cheapest": st.column_config.NumberColumn("Share of paths cheapest", format="%.2f"),
    },
)  # fmt: skip
download_buttons(evaluation.tco, "projection_monte_carlo", "proj_mc_download", index=True)
st.caption(display.uncertainty_text(scenario.uncertainty))
st.plotly_chart(cumulative_figure(outcome.result.cumulative_usd, outcome.break_even), key="proj_cumulative_chart")
if comparisons:
    versus_table = display.break_even_table(outcome)
    st.dataframe(
        versus_table, width="stretch", hide_index=True, key="proj_break_even_table",
        column_config={
            "option": "Self-hosted or hybrid option",
            "versus": "Against API option",
            "break_even_month": st.column_config.NumberColumn("Break-even month", format="%d"),
            "saving_usd": st.column_config.NumberColumn(
                f"Saving over {months} months (USD)", format="dollar", help="Negative: it costs more."
            ),
            "months_ahead": st.column_config.NumberColumn("Months ahead (cumulative)", format="%d"),
            "months_ahead_ranges": "Which months ahead",
            "months_cheaper": st.column_config.NumberColumn("Months cheaper (monthly)", format="%d"),
            "months_cheaper_ranges": "Which months cheaper",
        },
    )  # fmt: skip
    download_buttons(versus_table, "projection_break_even", "proj_break_even_download")
    st.caption(f"The rule: {planning.BREAK_EVEN_RULE}; an empty break-even means none within the horizon.")
st.markdown("**Cost per 1M tokens (input + output) over time**")
st.line_chart(outcome.result.usd_per_1m_tokens, height=260, x_label="Month from now", y_label="USD per 1M tokens")
st.dataframe(
    evaluation.monthly, width="stretch", key="proj_monthly_table",
    column_config={c: st.column_config.NumberColumn(c, format="$%.0f") for c in evaluation.monthly.columns},
)  # fmt: skip
download_buttons(display.by_period(evaluation.monthly), "projection", "proj_download", label="monthly spend")
if evaluation.sensitivity is not None and evaluation.sensitivity_of is not None:
    title = display.sensitivity_title(months, *evaluation.sensitivity_of)
    st.plotly_chart(tornado_figure(evaluation.sensitivity, title, months), key="proj_tornado")

st.subheader("4. Scenarios")
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
s2.markdown("**Link to this scenario**")
s2.code(f"?s={planning.scenario_link(scenario)}"[:2000], language=None)
s2.caption("Add this to the page's address to reproduce the scenario, e.g. to send it to a colleague.")
saved = load_table("scenarios")
if not saved.empty:
    l1, l2 = st.columns(2)
    to_load = l1.selectbox("Open a saved scenario", list(saved["name"]), key="proj_load_name")
    if l1.button("Open", key="proj_open"):
        st.session_state[KEY_LOADED] = planning.load_scenario(store, to_load)
        st.query_params["s"] = planning.scenario_link(st.session_state[KEY_LOADED])
        st.rerun()
    compare = l2.multiselect("Compare scenarios (2 to 4)", list(saved["name"]), max_selections=4, key=KEY_COMPARE)
    if len(compare) >= 2:
        comparison = planning.compare_scenarios(store, compare)
        st.dataframe(comparison, width="stretch", key="proj_compare_table")
        download_buttons(comparison, "scenario_comparison", "proj_compare_download", index=True)
        st.caption("Totals are USD over each scenario's horizon.")
st.caption("Saved scenarios: " + (", ".join(saved["name"]) if not saved.empty else "none yet") + ".")
with st.expander("Every assumption of this scenario (JSON)"):
    st.code(json.dumps(scenario.to_dict(), indent=2), language="json")

st.subheader("5. Report for procurement")
st.caption(
    "A PDF that stands on its own: executive summary, the frontier and the candidates, spend with P10-P90 bands, "
    "break-even, sensitivity, every assumption and source. It takes a few seconds to build when you press the button."
)
p1, p2, p3 = st.columns([2, 2, 1])
prepared_for = p1.text_input("Prepared for", key="proj_report_for", placeholder="Procurement, vendor review")
report_metric = metric_input(p2, "Quality metric for the floor", "proj_report_metric")
floor = p3.number_input(
    f"Quality floor ({load_metrics()[report_metric].unit})", value=None, key="proj_report_floor", placeholder="none"
)
request = ReportRequest(
    scenario, prepared_for=prepared_for, sheet_name=settings.sheet_name, metric_id=report_metric,
    today=dt.date.today(), quality_floor=floor,
)  # fmt: skip
st.download_button(
    "Download PDF report", functools.partial(report_pdf_bytes, store, request), display.report_file_name(scenario.name),
    "application/pdf", key="proj_report_download",
)  # fmt: skip
