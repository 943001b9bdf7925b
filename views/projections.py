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
from pricing.report.charts import cumulative_figure, spend_figure, tornado_figure, unit_cost_figure
from pricing.report.request import ReportRequest, report_file_name
from pricing.report.workbook import projection_workbook
from ui import url_state
from ui.common import (
    MISSING,
    XLSX_MIME,
    current_settings,
    current_user,
    download_buttons,
    fmt_usd,
    get_store,
    load_evaluation,
    load_metrics,
    load_table,
    report_pdf_bytes,
    report_summary_csv_bytes,
    to_csv_bytes,
)
from ui.inputs import (
    PageKeys,
    api_options_input,
    changed_since_opened,
    decline_input,
    horizon_input,
    metric_input,
    open_scenario,
    self_host_input,
    shrink_option_input,
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
KEY_LOADED_FORM = "proj_loaded_form"  # the inputs an opened scenario set, to tell when the user changes one
KEY_COMPARE = "proj_compare"
KEY_SAVED = "proj_saved"  # set once the user saves a scenario: from then on a report is not a draft
GROWTH_MODELS = {
    "best": "Best fit to history (AICc)",
    "exponential": "Exponential fit",
    "linear": "Linear fit",
    "logistic": "Logistic fit",
    "constant": "Set by hand",
}

PAGE_KEYS = PageKeys(
    horizon=KEY_HORIZON,
    growth_model=KEY_GROWTH_MODEL,
    growth_chosen=KEY_GROWTH_CHOSEN,
    growth_pct=KEY_GROWTH_PCT,
    api=KEY_API,
    decline=KEY_DECLINE,
    hybrid=KEY_HYBRID,
)

settings = current_settings()
store = get_store()


def show_scenario(scenario: planning.Scenario) -> None:
    """Open a scenario: its assumptions into the inputs, its name into the name field, its results shown as saved."""
    st.session_state[KEY_LOADED] = scenario
    st.session_state[KEY_LOADED_FORM] = open_scenario(PREFIX, scenario, PAGE_KEYS, settings.sheet_name)
    st.session_state[KEY_SCENARIO_NAME] = scenario.name


def open_saved(name: str) -> None:
    """The 'Open saved scenario' button: the scenario into the inputs and its link into the address."""
    scenario = planning.load_scenario(store, name)
    show_scenario(scenario)
    st.query_params["s"] = planning.scenario_link(scenario)


st.title("Spend projections")
st.caption(
    "What each option costs over the next 18 to 36 months, and when running your own GPUs beats paying per "
    "token. Every figure is USD; API prices come from the sidebar's price sheet."
)

# A scenario link (?s=...) opens a scenario: its assumptions fill the inputs and its results show as saved, until
# the user changes an input.
link = st.query_params.get("s")
if link and KEY_LOADED not in st.session_state:
    try:
        show_scenario(planning.scenario_from_link(link))
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
    help="With a usage history the curve that fits it best (by AICc) is used; fits need at least 5 months "
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
if (shrunk := shrink_option_input(PREFIX, volumes, api_models[0] if api_models else None)) is not None:
    built = dataclasses.replace(built, options=(*built.options, shrunk))
for problem in built.problems:
    st.warning(problem)
if built.self_host is not None and choice is not None:
    st.caption(display.self_host_text(built.self_host, choice))

uncertainty = uncertainty_input(PREFIX)

loaded: planning.Scenario | None = st.session_state.get(KEY_LOADED)
if loaded is not None and changed_since_opened(st.session_state.get(KEY_LOADED_FORM, {})):
    # The user changed an input: from now on the inputs make the scenario.
    for key in (KEY_LOADED, KEY_LOADED_FORM):
        st.session_state.pop(key, None)
    st.query_params.pop("s", None)
    loaded = None
scenario_name = st.session_state.get(KEY_SCENARIO_NAME) or (loaded.name if loaded else "My scenario")
if loaded is not None:
    st.info(
        f"Opened the scenario '{loaded.name}': its assumptions are in the inputs above and its results below are as "
        "it was saved. Change any input to work from it."
    )
    if notes := st.session_state.get(f"{PREFIX}_open_notes"):
        st.caption("The inputs cannot show all of it: " + "; ".join(notes) + ". Its results use its own values.")
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
# A row of its own: an option's name is too long to share one.
st.metric(
    f"Cheapest over {months} months", outcome.cheapest,
    help="Lowest deterministic total; the Monte Carlo table below gives how often each option wins.",
)  # fmt: skip
r = st.columns(2)
r[0].metric(f"Its {months}-month cost", fmt_usd(evaluation.totals.iloc[0]))
if comparisons:
    headline = display.break_even_headline(comparisons[0])
    r[1].metric(
        "Break-even of self-hosting", headline.value, headline.delta, help=headline.help,
        delta_color="normal" if headline.saves else "inverse",
    )  # fmt: skip
else:
    r[1].metric("Break-even of self-hosting", "no self-hosting option")
for line in ops_share_lines(inputs.options, evaluation.totals.to_dict(), months):
    st.caption(line)
for h in comparisons:
    st.caption(planning.head_to_head_text(h))
    if why := evaluation.win_conditions.get((h.option, h.versus)):
        st.info(why)
st.markdown("**Monthly spend** (line: the plan; band: P10-P90 of the Monte Carlo)")
st.plotly_chart(spend_figure(outcome.result.monthly_usd, evaluation.bands), key="proj_spend_chart")
TCO_HEADERS = {
    "plan": "Plan (USD)", "p10": "P10 (USD)", "p50": "P50 (USD)", "p90": "P90 (USD)", "mean": "Mean (USD)",
    "prob_cheapest": "Cheapest on",
}  # fmt: skip
st.markdown(f"**Total over {months} months**: the plan beside the Monte Carlo's P10, P50, P90 and mean")
st.dataframe(
    evaluation.tco, width="stretch", key="proj_mc_table",
    column_config={
        c: st.column_config.NumberColumn(
            label, format="percent" if c == "prob_cheapest" else "$%,.0f",
            help="The share of Monte Carlo paths on which this option costs least." if c == "prob_cheapest" else None,
        )
        for c, label in TCO_HEADERS.items()
    },
    placeholder=MISSING,
)  # fmt: skip
download_buttons(
    evaluation.tco.rename(columns=TCO_HEADERS | {"prob_cheapest": "Share of paths cheapest"}).rename_axis("Option"),
    "projection_monte_carlo", "proj_mc_download",
    label="Monte Carlo totals", index=True,
)  # fmt: skip
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
                f"Saving over {months} months (USD)", format="dollar", step=1, help="Negative: it costs more."
            ),
            "months_ahead": st.column_config.NumberColumn("Months ahead (cumulative)", format="%d"),
            "months_ahead_ranges": "Which months ahead",
            "months_cheaper": st.column_config.NumberColumn("Months cheaper (monthly)", format="%d"),
            "months_cheaper_ranges": "Which months cheaper",
        },
        placeholder=MISSING,
    )  # fmt: skip
    download_buttons(versus_table, "projection_break_even", "proj_break_even_download", label="break-even table")
    st.caption(f"The rule: {planning.BREAK_EVEN_RULE}; an empty break-even means none within the horizon.")
st.markdown("**Cost per 1M tokens (input + output) over time**")
st.plotly_chart(unit_cost_figure(outcome.result.usd_per_1m_tokens), key="proj_unit_cost_chart")
st.dataframe(
    evaluation.monthly, width="stretch", key="proj_monthly_table",
    column_config={c: st.column_config.NumberColumn(c, format="$%,.0f") for c in evaluation.monthly.columns},
    placeholder=MISSING,
)  # fmt: skip
monthly_downloads = st.container(horizontal=True)
monthly_downloads.download_button(
    "Download monthly spend (CSV)", functools.partial(to_csv_bytes, display.by_period(evaluation.monthly)),
    "projection.csv", "text/csv", key="proj_download_csv",
)  # fmt: skip
monthly_downloads.download_button(
    "Download comparison workbook (XLSX)",
    functools.partial(
        projection_workbook, inputs, evaluation.tco, display.break_even_table(outcome) if comparisons else None
    ),
    "projection.xlsx", XLSX_MIME, key="proj_download_xlsx",
    help="One sheet per table: API prices, volumes and price multipliers as inputs, the monthly spend and totals "
    "as formulas over them, so a change to a price or a month's volume recomputes the totals.",
)  # fmt: skip
if evaluation.sensitivity is not None and evaluation.sensitivity_of is not None:
    st.markdown(f"**{display.sensitivity_title(months, *evaluation.sensitivity_of)}**")
    st.plotly_chart(tornado_figure(evaluation.sensitivity, "", months), key="proj_tornado")

st.subheader("4. Scenarios")
s1, s2 = st.columns([2, 3])
name = s1.text_input("Scenario name", key=KEY_SCENARIO_NAME, placeholder="Base case")
if s1.button("Save scenario", key="proj_save"):
    try:
        planning.save_scenario(store, dataclasses.replace(scenario, name=name), created_by=current_user())
    except ValueError as exc:
        st.error(str(exc))
    else:  # no cache to drop: the list of scenarios is read fresh
        st.session_state[KEY_SAVED] = True
        st.success(f"Saved '{name.strip()}' with every assumption.")
s2.markdown("**Link to this scenario**")
api_sheets = [o.sheet_name for o in inputs.options if isinstance(o, planning.ApiOption) and o.sheet_name]
sheet = api_sheets[0] if api_sheets else settings.sheet_name  # the sidebar's sheet the link opens with
address = url_state.page_address("projections", {"s": planning.scenario_link(scenario), "sheet": sheet})
s2.code(address, language=None)
s2.caption(
    "Copy this address with the copy button at its right and send it: it opens this scenario with every assumption "
    "in the inputs and its results as they are now."
)
saved = load_table("scenarios")
if not saved.empty:
    l1, l2 = st.columns(2)
    to_load = l1.selectbox("Open a saved scenario", list(saved["name"]), key="proj_load_name")
    l1.button("Open saved scenario", key="proj_open", on_click=open_saved, args=(to_load,))
    compare = l2.multiselect("Compare scenarios (2 to 4)", list(saved["name"]), max_selections=4, key=KEY_COMPARE)
    if len(compare) >= 2:
        comparison = planning.compare_scenarios(store, compare)
        st.dataframe(comparison, width="stretch", key="proj_compare_table", placeholder=MISSING)
        download_buttons(comparison.rename_axis("Scenario"), "scenario_comparison", "proj_compare_download", index=True)
        st.caption("Totals are USD over each scenario's horizon.")
st.caption(display.saved_scenarios_text(saved))
with st.expander("Every assumption of this scenario (JSON)"):
    st.code(json.dumps(scenario.to_dict(), indent=2), language="json")

st.subheader("5. Report for procurement")
st.caption(
    "A PDF that stands on its own: executive summary, the frontier and the candidates, spend with P10-P90 bands, "
    "break-even, sensitivity, every assumption and source. It takes a few seconds to build when you press the button."
)
p1, p2, p3, p4 = st.columns([2, 2, 1, 2])
prepared_for = p1.text_input("Prepared for", key="proj_report_for", placeholder="Procurement, vendor review")
report_metric = metric_input(p2, "Quality metric for the floor", "proj_report_metric")
floor = p3.number_input(
    f"Quality floor ({load_metrics()[report_metric].unit})", value=None, key="proj_report_floor", placeholder="none",
    help="Without a floor the report recommends no option: it ranks them by cost only.",
)  # fmt: skip
option_names = [str(option.name) for option in inputs.options]
current = p4.selectbox(
    "Option in use today", [None, *option_names], key="proj_report_current",
    format_func=lambda name: "not given" if name is None else name,
    help="The saving and break-even are stated against it; not given: the report states no saving.",
)  # fmt: skip
today = dt.date.today()
draft = loaded is None and not st.session_state.get(KEY_SAVED)
request = ReportRequest(
    scenario, prepared_for=prepared_for, sheet_name=settings.sheet_name, metric_id=report_metric,
    today=today, quality_floor=floor, current_option=current, draft=draft,
)  # fmt: skip
downloads = st.container(horizontal=True)
downloads.download_button(
    "Download PDF report", functools.partial(report_pdf_bytes, store, request),
    report_file_name(scenario.name, today, draft), "application/pdf", key="proj_report_download",
)  # fmt: skip
downloads.download_button(
    "Download summary table (CSV)", functools.partial(report_summary_csv_bytes, store, request),
    report_file_name(scenario.name, today, draft, suffix="csv"), "text/csv", key="proj_report_summary_csv",
)  # fmt: skip
if draft:
    st.warning(
        "This report would be a draft from the page's defaults: no scenario was opened or saved, so its title and "
        "file name say 'draft from defaults'. Save the scenario (section 4) to give it a name."
    )
