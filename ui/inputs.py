"""The inputs of the planning pages (Spend projections and Portfolio), each a widget or a form that returns the
value it sets: the horizon, the API options with their defaults, the API price decline, the quality metric; for
projections the volumes (a usage file, a kept upload or typed), a self-hosting option and the Monte Carlo spreads,
and a saved scenario put back into them (`open_scenario`); for portfolios the floors and objectives per workload, and
a cascade.

Forms key their widgets "<prefix>_<name>" with the page's prefix. Imports the planning code, so only the pages that
plan spend import this module (the first page stays light).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from pricing.limits import MAX_LOG_MIB, MAX_TABLE_MIB, InputError
from pricing.metrics import DEFAULT_METRIC, metric_order
from pricing.planning import display
from pricing.planning import service as planning
from pricing.planning.form_values import FormValues, ShrinkForm, form_values
from pricing.planning.projection import DeclineRate
from pricing.planning.staff import typical_ops_text, typical_ops_usd_per_month
from pricing.planning.usage_files import load_usage
from pricing.portfolio import display as portfolio_display
from pricing.portfolio.evidence import MeasuredCascade, cascade_run_pairs, measured_cascade
from pricing.portfolio.service import CascadeInput, FloorSpec, read_floors
from pricing.report.charts import usage_figure
from pricing.shrink import service as shrink_service  # loaded by pricing.portfolio.service already
from pricing.sizing import GPU_SPECS, OwnershipCosts
from ui.common import (
    MISSING,
    current_settings,
    current_user,
    get_store,
    load_default_api_models,
    load_metric_scores,
    load_metrics,
    load_prices,
    load_table,
    load_usage_monthly,
)
from ui.refusals import show_refusal

HORIZONS_MONTHS = (18, 24, 36)
Container = Any  # where a widget goes: a column, an expander or `st` itself


def horizon_input(container: Container, key: str) -> int:
    """The horizon radio, 36 months by default."""
    return int(container.radio("Horizon (months)", list(HORIZONS_MONTHS), index=2, horizontal=True, key=key))


def api_options_input(
    container: Container,
    sheet_name: str,
    key: str,
    *,
    metric_id: str = DEFAULT_METRIC,
    max_selections: int | None = None,
) -> tuple[list[str], tuple[planning.DefaultModel, ...]]:
    """The API options to weigh, from the sheet's models, starting from the default options (those chosen on the
    metric's frontier that the sheet prices); returns the chosen models and those defaults."""
    keys = sorted(load_prices(sheet_name)["model_key"])
    defaults = tuple(d for d in load_default_api_models(sheet_name, metric_id) if d.model_key in keys)
    chosen = container.multiselect(
        "API options", keys, default=[d.model_key for d in defaults], key=key, max_selections=max_selections
    )
    return list(chosen), defaults


def decline_input(container: Container, key: str, help: str) -> DeclineRate:
    """The API price decline, the default first: each named model's list price, held flat."""
    rates = planning.decline_rates()
    index = container.selectbox(
        "API price decline",
        range(len(rates)),
        format_func=lambda i: planning.decline_choice_label(rates[i]),
        key=key,
        help=help,
    )
    return rates[index]


def metric_input(container: Container, label: str, key: str, help: str | None = None) -> str:
    """A quality metric the store has scores for, the default metric first; returns its id."""
    metrics = load_metrics()
    return str(
        container.selectbox(label, metric_order(metrics), format_func=lambda m: metrics[m].label, key=key, help=help)
    )


VOLUME_SOURCES = {"upload": "Upload a usage file", "kept": "A kept upload", "manual": "Type volumes"}
ALL_WORKLOADS = "(all workloads)"


def volumes_input(prefix: str) -> planning.Volumes:
    """Where the volumes come from: a usage file (validated and kept), a kept upload (one workload or all, with the
    months whose mix prices it), or volumes typed by hand; shows the history it read."""
    store = get_store()
    source = st.radio(
        "Where the volumes come from", list(VOLUME_SOURCES), format_func=VOLUME_SOURCES.get,
        key=f"{prefix}_usage_source", horizontal=True,
    )  # fmt: skip
    upload_id: str | None = None
    if source == "upload":
        st.caption(
            "CSV, XLSX or Parquet. Monthly aggregates: month, workload, requests, input_tokens, output_tokens "
            "[, cached_input_tokens]. Or a raw request log: timestamp, workload, input_tokens, output_tokens "
            "[, cached_input_tokens], which is aggregated to months. Uploads are kept with their name and date."
        )
        uploaded = st.file_uploader(
            "Usage file", type=["csv", "xlsx", "parquet"], key=f"{prefix}_upload_file", max_upload_size=MAX_LOG_MIB
        )
        if uploaded is not None:
            try:
                load = load_usage(uploaded.getvalue(), uploaded.name)
            except InputError as exc:
                show_refusal(exc, uploaded.name)
            else:
                saved_key = f"{prefix}_saved_{uploaded.file_id}"  # one upload is kept once, however often it reruns
                upload_id = st.session_state.get(saved_key)
                if upload_id is None:
                    upload_id = st.session_state[saved_key] = planning.save_upload(
                        store, load, created_by=current_user()
                    )  # no cache to drop: the list of uploads is read fresh
                st.success(display.upload_text(load))
    elif source == "kept":
        uploads = load_table("usage_uploads")
        if uploads.empty:
            st.info("No kept uploads yet: upload a file first.")
        else:
            labels = display.upload_labels(uploads)
            upload_id = st.selectbox("Upload", list(labels), format_func=labels.get, key=f"{prefix}_kept_upload")
    if upload_id:
        monthly = load_usage_monthly(upload_id)
        u1, u2 = st.columns([3, 1])
        choice = u1.selectbox("Workload", [ALL_WORKLOADS, *display.workload_names(monthly)], key=f"{prefix}_workload")
        workload = None if choice == ALL_WORKLOADS else choice
        mix_months = u2.number_input(
            "Mix from the latest (months)", 1, max(display.history_months(monthly), 1), 1, 1,
            key=f"{prefix}_mix_months",
            help="Projections start from the latest month's volume, so they price it with the input:output and cache "
            "mix of the latest month (or of the last few, to smooth a noisy month).",
        )  # fmt: skip
        usage = planning.summarise_usage(monthly, workload, int(mix_months))
        st.plotly_chart(usage_figure(display.token_volumes(usage)), key=f"{prefix}_usage_chart")
        st.caption(display.usage_text(usage))
        return planning.Volumes(usage=usage, upload_id=upload_id, workload=workload)
    m1, m2 = st.columns(2)
    return planning.Volumes(
        base_output_tokens=m1.number_input(
            "Output tokens per month now", 0.0, 1e15, 2e9, 1e8, format="%.0f", key=f"{prefix}_base_output"
        ),
        input_output_ratio=m2.number_input(
            "Input tokens per output token", 0.0, 100.0, 3.0, 0.5, key=f"{prefix}_ratio"
        ),
    )


def self_host_input(prefix: str) -> tuple[planning.SelfHostForm | None, float]:
    """The self-hosting option (an open model of known size on a GPU, rented at the stored rate or bought) and the
    peak-hour / average traffic its GPUs are sized for; None when no model is chosen."""
    model_choices, default_model = display.self_host_models(load_table("models"))
    st.markdown("**Self-hosting option** (sized from GPU memory, throughput measured where we have it)")
    c1, c2, c3, c4 = st.columns(4)
    model = c1.selectbox("Open model", model_choices, index=default_model, key=f"{prefix}_sh_model")
    gpu = c2.selectbox("GPU", list(GPU_SPECS), key=f"{prefix}_sh_gpu")
    precision = c3.selectbox(
        "Precision", ["FP8", "FP16", "INT4"], key=f"{prefix}_sh_precision",
        help="Quantisation changes memory and speed; set any quality loss on the explorer.",
    )  # fmt: skip
    mode = c4.selectbox("GPUs are", ["reserved", "on-demand", "bought"], key=f"{prefix}_sh_mode")
    stored_price, price_source = planning.form_gpu_price(get_store(), gpu, mode)
    d1, d2, d3, d4 = st.columns(4)
    price = d1.number_input(
        "USD per GPU-hour", 0.0, 100.0, round(stored_price, 2), key=f"{prefix}_sh_price_{gpu}_{mode}",
        help=f"Default: {price_source}", disabled=mode == "bought",
    )  # fmt: skip
    purchase = d2.number_input(
        "Purchase per GPU (USD)", 0.0, 1e6, float(GPU_SPECS[gpu].purchase_usd), key=f"{prefix}_sh_purchase_{gpu}",
        disabled=mode != "bought", help=GPU_SPECS[gpu].purchase_usd_note,
    )  # fmt: skip
    ops = d3.number_input(
        "Operations staff (USD per month)", 0.0, 1e7, value=None, step=500.0, key=f"{prefix}_sh_ops",
        placeholder=f"required, e.g. {typical_ops_usd_per_month():,.0f}", help=typical_ops_text(),
    )  # fmt: skip
    peak = d4.number_input(
        "Peak-hour / average traffic", 1.0, 20.0, 2.0, 0.5, key=f"{prefix}_peak",
        help="GPUs are sized for the peak hour with headroom; idle reserved GPUs still cost money.",
    )  # fmt: skip
    capital: dict[str, float] = {}
    if mode == "bought":
        owning = OwnershipCosts(mode="reserved", usd_per_gpu_hour=1.0)  # only its capital and power defaults are read
        e1, e2, e3, e4, e5 = st.columns(5)
        capital = {
            "cost_of_capital_per_year": e1.number_input(
                "Cost of capital (%/year)", 0.0, 50.0, owning.cost_of_capital_per_year * 100, 0.5, key=f"{prefix}_wacc"
            ) / 100,
            "life_years": e2.number_input("Life (years)", 1.0, 10.0, owning.life_years, 0.5, key=f"{prefix}_life"),
            "residual_value_share": e3.number_input(
                "Residual value (%)", 0.0, 90.0, owning.residual_value_share * 100, 5.0, key=f"{prefix}_residual"
            ) / 100,
            "usd_per_kwh": e4.number_input("USD per kWh", 0.0, 2.0, owning.usd_per_kwh, 0.01, key=f"{prefix}_kwh"),
            "pue": e5.number_input("PUE", 1.0, 3.0, owning.pue, 0.05, key=f"{prefix}_pue"),
        }  # fmt: skip
        st.caption(
            "Bought GPUs: purchase (plus a server share) annualised with a capital recovery factor at your cost of "
            "capital, net of residual value; power = GPU kW x PUE x USD/kWh x 730 h per month."
        )
    if model == display.NO_SELF_HOST:
        return None, float(peak)
    if ops is None:
        st.warning(
            f"Self-hosting {model} needs people to run it: enter the operations staff cost per month above (0 if "
            f"nobody's time goes to it) to cost this option. {typical_ops_text()}"
        )
        return None, float(peak)
    form = planning.SelfHostForm(
        model_id=model, gpu=gpu, precision=precision, mode=mode, usd_per_gpu_hour=price,
        purchase_usd_per_gpu=purchase, ops_usd_per_month=ops, capital=capital,
    )  # fmt: skip
    return form, float(peak)


def uncertainty_input(prefix: str) -> planning.Uncertainty:
    """How far the Monte Carlo moves each input from the scenario's own value, and its paths and seed."""
    st.markdown(
        "**Uncertainty** (Monte Carlo bands): every path moves your scenario's own values by at most these spreads, "
        "so the plan sits in the middle of the bands"
    )
    g1, g2, g3, g4, g5, g6 = st.columns(6)
    spreads = planning.Uncertainty()
    growth = g1.number_input(
        "Growth ± (points a month)", 0.0, 20.0, spreads.growth_spread_per_month * 100, 0.5,
        key=f"{prefix}_growth_spread_pct",
        help="Extra monthly growth drawn evenly from minus to plus this, on top of your growth (rate or fitted curve).",
    )  # fmt: skip
    api = g2.number_input(
        "API decline ×/÷ (per year)", 1.0, 10.0, spreads.api_decline_spread, 0.1, key=f"{prefix}_api_decline_spread",
        help="Each API option's own decline factor times a factor drawn evenly in log space between 1/x and x; a flat "
        "list price may then rise or fall. 1 holds it.",
    )  # fmt: skip
    gpu = g3.number_input(
        "GPU rental decline ×/÷ (per year)", 1.0, 10.0, spreads.gpu_decline_spread, 0.05,
        key=f"{prefix}_gpu_decline_spread", help="The same for rented GPUs' hourly price; bought GPUs are unaffected.",
    )  # fmt: skip
    peak = g4.number_input(
        "Peak-to-average ×/÷", 1.0, 5.0, spreads.peak_to_average_spread, 0.05, key=f"{prefix}_peak_spread",
        help="Your peak-hour / average traffic times a factor drawn evenly in log space between 1/x and x "
        "(at least 1).",
    )  # fmt: skip
    n_paths = g5.number_input("Paths", 100, planning.MAX_PATHS, spreads.n_paths, 1000, key=f"{prefix}_paths")
    seed = g6.number_input("Seed", 0, 2**31 - 1, 0, 1, key=f"{prefix}_seed", help="The same seed gives the same bands.")
    return planning.Uncertainty(
        growth_spread_per_month=float(growth) / 100, api_decline_spread=float(api), gpu_decline_spread=float(gpu),
        peak_to_average_spread=float(peak), n_paths=int(n_paths), seed=int(seed),
    )  # fmt: skip


def floors_input(prefix: str, workloads: Sequence[str]) -> tuple[str, dict[str, FloorSpec]]:
    """The default quality metric, and per workload its quality floor (on its own metric or the default), latency
    objective and the option serving it today: a table to fill, or a floors file that fills it."""
    metrics = load_metrics()
    metric_of_label = portfolio_display.metric_choices(metrics)
    f1, f2, f3 = st.columns([1, 1, 1])
    metric_id = metric_input(
        f1, "Default quality metric", f"{prefix}_metric",
        help="Rows with no metric of their own are judged on this one. Own evals ('Own eval: ...') are your probes.",
    )  # fmt: skip
    scores = load_metric_scores(metric_id)
    priced = load_prices(current_settings().sheet_name)["model_id"].dropna().tolist()
    today = f2.selectbox(
        "Today's model (fills every workload)", [None, *portfolio_display.today_choices(priced, scores)],
        format_func=lambda m: "none: fill the table yourself" if m is None else f"{m} ({scores[m]:,.4g})",
        key=f"{prefix}_today",
        help="The model serving your workloads today: each row starts served by it, with its score on the default "
        "metric as the floor (the quality you have now). Edit any row.",
    )  # fmt: skip
    floors_file = f3.file_uploader(
        "Or load a floors file (CSV/XLSX)", type=["csv", "xlsx"], key=f"{prefix}_floors_file",
        max_upload_size=MAX_TABLE_MIB,
        help="Columns: workload, metric, quality_floor, latency_objective_ms, latency_metric (ttft or e2e), current.",
    )  # fmt: skip
    given: dict[str, FloorSpec] = {}
    # a new starting point (today's model, the metric it is scored on) starts a fresh editor
    editor_key = f"{prefix}_floors" if today is None else f"{prefix}_floors_{today}_{metric_id}"
    if floors_file is not None:
        try:
            given = read_floors(floors_file.getvalue(), floors_file.name)
        except InputError as exc:
            show_refusal(exc, floors_file.name, "nothing from it was used")
        if problem := portfolio_display.unknown_workloads(given, workloads, floors_file.name):
            st.error(problem)
            given = {}
        if given:
            editor_key = f"{prefix}_floors_{floors_file.file_id}"  # a new file starts a fresh editor
    table = st.data_editor(
        portfolio_display.floors_table(workloads, metrics, given, today, scores.get(today) if today else None),
        hide_index=True, disabled=["workload"],
        key=editor_key, width="stretch",
        column_config={
            "workload": "Workload",
            "metric": st.column_config.SelectboxColumn(
                "Metric (empty: default)", options=list(metric_of_label),
                help="The metric this workload's floor is judged on.",
            ),
            "quality_floor": st.column_config.NumberColumn("Quality floor", help="In the metric's unit; empty: none."),
            "latency_objective_ms": st.column_config.NumberColumn("Latency objective (ms)", min_value=1.0),
            "latency_metric": st.column_config.SelectboxColumn(
                "Latency on", options=["ttft", "e2e"], help="ttft: time to first token; e2e: end to end.", required=True
            ),
            "current": st.column_config.TextColumn(
                "Served today by",
                help="A model the price sheet prices (or an option's name); fill every row to compare.",
            ),
        },
        placeholder=MISSING,
    )  # fmt: skip
    return metric_id, portfolio_display.floors_from_table(table, metric_of_label)


BY_HAND, MEASURED = "Set by hand", "Measured from two probe runs of one eval suite"


def cascade_input(prefix: str, api_models: Sequence[str]) -> list[CascadeInput]:
    """A cascade of the first two API options, small first, escalating a share set by hand or measured on two probe
    runs of one eval suite; none unless it is offered."""
    cascades: list[CascadeInput] = []
    with st.expander("Cascade: small model first, escalate to a larger one when a check fails"):
        offer = st.toggle("Offer a cascade of the first two API options", key=f"{prefix}_cascade")
        source = st.radio("Escalation rate", [BY_HAND, MEASURED], horizontal=True, key=f"{prefix}_cascade_source")
        rate: float | MeasuredCascade | None = None
        if source == BY_HAND:
            rate = st.slider("Escalated share (%)", 0, 100, 20, key=f"{prefix}_escalation") / 100
        elif (pairs := cascade_run_pairs(get_store())).empty:
            st.info("No eval suite has two finished probe runs yet: run one suite on both models (Probes page).")
        else:
            labels = portfolio_display.run_labels(pairs)
            r1, r2 = st.columns(2)
            small = r1.selectbox("Small model's run", list(labels), format_func=labels.get, key=f"{prefix}_run_small")
            large = r2.selectbox("Large model's run", list(labels), format_func=labels.get, key=f"{prefix}_run_large")
            try:
                rate = measured_cascade(get_store(), small, large)
            except ValueError as exc:
                st.warning(str(exc))
            else:
                st.caption(portfolio_display.cascade_text(rate))
        if offer and len(api_models) < 2:
            st.warning("Pick at least two API options: the first is the small model, the second the large one.")
        elif offer and rate is not None:
            cascades.append((api_models[0], api_models[1], rate))
    return cascades


@dataclass(frozen=True, kw_only=True)
class PageKeys:
    """The Spend projections page's own widget keys, beside those its forms key with the prefix."""

    horizon: str
    growth_model: str
    growth_chosen: str
    growth_pct: str
    api: str
    decline: str
    hybrid: str


def _within(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def scenario_state(
    prefix: str, values: FormValues, keys: PageKeys, *, api_choices: Sequence[str], model_choices: Sequence[str]
) -> tuple[dict[str, object], list[str]]:
    """The widget state that shows a scenario's values in the Spend projections form (key -> value), and what it
    cannot show, in words. Values outside a widget's range are left out and said so."""
    state: dict[str, object] = {}
    notes = list(values.not_restored)

    def put(key: str, value: float, low: float, high: float, what: str) -> None:
        if _within(value, low, high):
            state[key] = value
        else:
            notes.append(f"its {what} ({value:,g}) is outside the form's {low:,g} to {high:,g}")

    if values.upload_id is not None:
        state[f"{prefix}_usage_source"] = "kept"
        state[f"{prefix}_kept_upload"] = values.upload_id
        state[f"{prefix}_workload"] = values.workload or ALL_WORKLOADS
        state[f"{prefix}_mix_months"] = values.mix_months
    else:
        state[f"{prefix}_usage_source"] = "manual"
        put(f"{prefix}_base_output", float(values.base_output_tokens), 0.0, 1e15, "output tokens a month")
        put(f"{prefix}_ratio", float(values.input_output_ratio), 0.0, 100.0, "input tokens per output token")
    if values.horizon_months in HORIZONS_MONTHS:
        state[keys.horizon] = values.horizon_months
    else:
        notes.append(f"its horizon of {values.horizon_months} months is not one of the form's")
    fitted = values.upload_id is not None and values.growth_model != "constant"
    state[keys.growth_model] = values.growth_model if fitted else "constant"
    state[keys.growth_chosen] = True  # the scenario's growth model, not the page's default for a history
    put(keys.growth_pct, float(values.growth_pct), -50.0, 200.0, "monthly growth (%)")
    missing = [m for m in values.api_models if m not in api_choices]
    if missing:
        notes.append(f"the price sheet does not list {', '.join(missing)}")
    state[keys.api] = [m for m in values.api_models if m in api_choices][:6]
    state[keys.decline] = values.decline_index
    own = values.self_host
    if own is not None and own.model_id not in model_choices:
        notes.append(f"{own.model_id} is not an open model of known size here")
        own = None
    state[f"{prefix}_sh_model"] = own.model_id if own is not None else display.NO_SELF_HOST
    if own is not None:
        state[f"{prefix}_sh_gpu"] = own.gpu
        state[f"{prefix}_sh_precision"] = own.precision
        state[f"{prefix}_sh_mode"] = own.mode
        if own.mode != "bought":
            put(f"{prefix}_sh_price_{own.gpu}_{own.mode}", own.usd_per_gpu_hour, 0.0, 100.0, "USD per GPU-hour")
        else:
            put(f"{prefix}_sh_purchase_{own.gpu}", own.purchase_usd_per_gpu, 0.0, 1e6, "purchase per GPU")
            capital = own.capital
            put(f"{prefix}_wacc", capital["cost_of_capital_per_year"] * 100, 0.0, 50.0, "cost of capital (%)")
            put(f"{prefix}_life", capital["life_years"], 1.0, 10.0, "life in years")
            put(f"{prefix}_residual", capital["residual_value_share"] * 100, 0.0, 90.0, "residual value (%)")
            put(f"{prefix}_kwh", capital["usd_per_kwh"], 0.0, 2.0, "USD per kWh")
            put(f"{prefix}_pue", capital["pue"], 1.0, 3.0, "PUE")
        put(f"{prefix}_sh_ops", own.ops_usd_per_month, 0.0, 1e7, "operations staff (USD per month)")
    state[f"{prefix}_shrink_candidate"] = values.shrink.candidate if values.shrink is not None else ""
    if values.shrink is not None:
        state.update(_shrink_state(prefix, values.shrink, put, notes))
    put(f"{prefix}_peak", values.peak_to_average, 1.0, 20.0, "peak-hour / average traffic")
    state[keys.hybrid] = values.hybrid_pct if own is not None else 0
    spreads = values.uncertainty
    put(f"{prefix}_growth_spread_pct", spreads.growth_spread_per_month * 100, 0.0, 20.0, "growth spread")
    put(f"{prefix}_api_decline_spread", spreads.api_decline_spread, 1.0, 10.0, "API decline spread")
    put(f"{prefix}_gpu_decline_spread", spreads.gpu_decline_spread, 1.0, 10.0, "GPU decline spread")
    put(f"{prefix}_peak_spread", spreads.peak_to_average_spread, 1.0, 5.0, "peak-to-average spread")
    if _within(spreads.n_paths, 100, planning.MAX_PATHS):
        state[f"{prefix}_paths"] = int(spreads.n_paths)
    else:
        notes.append(f"its {spreads.n_paths:,} Monte Carlo paths are outside the form's 100 to {planning.MAX_PATHS:,}")
    state[f"{prefix}_seed"] = int(spreads.seed)
    return state, notes


def open_scenario(prefix: str, scenario: planning.Scenario, keys: PageKeys, sheet_name: str) -> dict[str, object]:
    """Put a scenario's values into the Spend projections form (before its widgets are drawn: at the top of a run
    or in a callback); returns the widget state it set, and keeps what it could not set in `<prefix>_open_notes`."""
    values = form_values(
        scenario,
        decline_rates=planning.decline_rates(),
        gpus=list(GPU_SPECS),
        uploads=list(load_table("usage_uploads")["upload_id"]),
    )
    model_choices, _ = display.self_host_models(load_table("models"))
    state, notes = scenario_state(
        prefix, values, keys, api_choices=sorted(load_prices(sheet_name)["model_key"]), model_choices=model_choices
    )
    st.session_state.update(state)
    st.session_state[f"{prefix}_open_notes"] = notes
    return state


def changed_since_opened(state: dict[str, object]) -> bool:
    """Whether the user has changed any input the opened scenario set."""
    for key, value in state.items():
        if key not in st.session_state:
            continue
        now = st.session_state[key]
        if isinstance(value, float) and isinstance(now, int | float):
            if not math.isclose(float(now), value, rel_tol=1e-9, abs_tol=1e-12):
                return True
        elif now != value:
            return True
    return False


@dataclass(frozen=True)
class ShrinkNumber:
    """One number of the Shrink input's settings: its widget (key suffix, label, range, step) and the setting it
    sets; a share is shown in % (`per_cent`), and 0 means None for a setting that may be none."""

    suffix: str
    setting: str
    label: str
    low: float
    high: float
    step: float
    per_cent: bool = False
    zero_is_none: bool = False


SHRINK_NUMBERS = (
    ShrinkNumber("examples", "examples", "Examples to label and train on", 1, 10_000_000, 1000),
    ShrinkNumber("epochs", "epochs", "Epochs", 0.5, 20.0, 0.5),
    ShrinkNumber("lora_pct", "lora_share", "LoRA share of parameters (%), 0 = full", 0.0, 100.0, 1.0, True, True),
    ShrinkNumber(
        "utilisation_pct", "training_utilisation", "Training utilisation (% of peak FLOPs)", 1.0, 100.0, 1.0, True
    ),
    ShrinkNumber("retrain_months", "retrain_every_months", "Re-train every (months), 0 = never", 0, 60, 1, False, True),
    ShrinkNumber("required_pct", "required_quality", "Quality it must reach (% of baseline)", 1.0, 200.0, 1.0, True),
)
QUANTISED_PRECISIONS = ("fp8", "int8", "int4")
STUDENT_PRECISIONS = ("bf16", "fp8", "int8", "int4")
_SHRINK_DEFAULTS = shrink_service.settings_of(shrink_service.ShrinkRequest("baseline", "candidate"))


def _shown(number: ShrinkNumber, value: float | None) -> float:
    """A setting as its widget shows it."""
    if value is None:
        return 0 if isinstance(number.low, int) else 0.0
    return value * 100 if number.per_cent else value


def _shrink_state(prefix: str, form: ShrinkForm, put: Any, notes: list[str]) -> dict[str, object]:
    """The Shrink input's widget state for a reopened shrunk option, and the settings it keeps without a widget."""
    settings = form.settings
    state: dict[str, object] = {
        f"{prefix}_shrink_path": form.path,
        f"{prefix}_shrink_kept": form,  # the settings without a widget, while the model and path stay these
    }
    if settings.gpu in GPU_SPECS:
        state[f"{prefix}_shrink_gpu"] = settings.gpu
    else:
        notes.append(f"its shrunk option's GPU {settings.gpu} is not one the Shrink input offers")
    for key, value, choices in (
        ("quantised_precision", settings.quantised_precision, QUANTISED_PRECISIONS),
        ("student_precision", settings.student_precision, STUDENT_PRECISIONS),
    ):
        if value in choices:
            state[f"{prefix}_shrink_{key}"] = value
        else:
            notes.append(f"its shrunk option's {key.replace('_', ' ')} {value} is not one the Shrink input offers")
    for number in SHRINK_NUMBERS:
        put(
            f"{prefix}_shrink_{number.suffix}",
            _shown(number, getattr(settings, number.setting)),
            number.low,
            number.high,
            f"Shrink {number.label[0].lower()}{number.label[1:]}",
        )
    return state


def shrink_request(prefix: str, state: Mapping[str, Any], baseline: str) -> shrink_service.ShrinkRequest | None:
    """The request the Shrink input's state asks for (None without a smaller model): its widgets' settings over the
    reopened option's kept settings while its model and path are unchanged, else over the defaults. A widget showing
    a kept setting keeps it exactly (a share shown in % would not come back bit for bit)."""
    candidate = str(state.get(f"{prefix}_shrink_candidate") or "").strip()
    if not candidate:
        return None
    kind = str(state.get(f"{prefix}_shrink_path") or shrink_service.PATH_KINDS[0])
    kept = state.get(f"{prefix}_shrink_kept")
    same = isinstance(kept, ShrinkForm) and (kept.candidate, kept.path) == (candidate, kind)
    base = kept.settings if same and isinstance(kept, ShrinkForm) else _SHRINK_DEFAULTS
    changes: dict[str, Any] = {}
    for key in ("gpu", "quantised_precision", "student_precision"):
        if f"{prefix}_shrink_{key}" in state:
            changes[key] = str(state[f"{prefix}_shrink_{key}"])
    for number in SHRINK_NUMBERS:
        shown = state.get(f"{prefix}_shrink_{number.suffix}")
        if shown is None:
            continue
        was = getattr(base, number.setting)
        if math.isclose(float(shown), _shown(number, was), rel_tol=1e-12, abs_tol=0.0):
            continue
        if number.zero_is_none and shown == 0:
            changes[number.setting] = None
        elif number.per_cent:
            changes[number.setting] = float(shown) / 100
        else:
            changes[number.setting] = type(number.low)(shown)
    settings = dataclasses.replace(base, **changes)
    return shrink_service.request_from_settings(baseline, candidate, kind, settings)


def _shrink_settings_widgets(prefix: str, kind: str) -> None:
    """The Shrink input's settings, defaulting to the Shrink page's."""
    first, second = st.columns(4), st.columns(4)
    first[0].selectbox("GPU (serves and trains)", list(GPU_SPECS), key=f"{prefix}_shrink_gpu")
    if kind == "quantise":
        first[1].selectbox("Quantised precision", QUANTISED_PRECISIONS, key=f"{prefix}_shrink_quantised_precision")
    elif kind == "distil":
        first[1].selectbox("Student's precision", STUDENT_PRECISIONS, key=f"{prefix}_shrink_student_precision")
    for column, number in zip([*first[2:], *second], SHRINK_NUMBERS, strict=True):
        column.number_input(
            number.label,
            number.low,
            number.high,
            _shown(number, getattr(_SHRINK_DEFAULTS, number.setting)),
            number.step,
            key=f"{prefix}_shrink_{number.suffix}",
        )


def shrink_option_input(prefix: str, volumes: planning.Volumes, baseline: str | None) -> planning.Option | None:
    """A shrunk candidate as one more option: a smaller model quantised, distilled or fine-tuned against the first
    API option (the baseline and the teacher), with what making it costs; None when none is asked for or it cannot
    be costed (the reason shown). A reopened scenario's shrunk option comes back with the settings it was costed
    with."""
    from pricing.shrink import service as shrink  # the shrink use case loads only when this input is drawn
    from ui.shrink import load_shrink

    with st.expander("Shrink: a quantised, distilled or fine-tuned smaller model as an option"):
        cols = st.columns([3, 2])
        candidate = cols[0].text_input(
            "Smaller model", key=f"{prefix}_shrink_candidate", placeholder="none, e.g. llama-3.1-8b-instruct"
        )
        kind = cols[1].selectbox("Path", shrink.PATH_KINDS, key=f"{prefix}_shrink_path")
        _shrink_settings_widgets(prefix, str(kind))
    if not candidate.strip():
        return None
    if baseline is None:
        st.warning("Shrink: choose an API option first; the first one is the baseline and the teacher.")
        return None
    if volumes.upload_id is None or volumes.workload is None:
        st.warning("Shrink: costing a shrunk model needs a kept usage upload and one of its workloads.")
        return None
    try:
        request = shrink_request(prefix, st.session_state, baseline)
        if request is None:
            return None
        comparison = load_shrink(volumes.upload_id, volumes.workload, request, 500)
        option = shrink.projection_option(comparison, kind)
    except (InputError, ValueError) as exc:
        st.warning(f"Shrink: {exc}")
        return None
    outcome = comparison.result.outcomes[0]
    st.caption(
        f"{option.name}: made for ${outcome.one_off_usd:,.0f} in month 1"
        + (
            f", re-trained for ${outcome.retrain_usd:,.0f} every {outcome.retrain_every_months} months"
            if outcome.retrain_usd
            else ""
        )
        + f"; quality {shrink.quality_text(outcome)}. The Shrink page shows the paths side by side."
    )
    return option


def shrink_candidate_input(prefix: str, baseline: str | None) -> shrink_service.ShrinkRequest | None:
    """A shrunk model to weigh in the Portfolio: a smaller model and the path making it, against the first API option
    (the baseline and the teacher); None when none is asked for (or, with the reason shown, without a baseline)."""
    with st.expander("Shrink: a quantised, distilled or fine-tuned smaller model as a candidate"):
        cols = st.columns([3, 2])
        candidate = cols[0].text_input(
            "Smaller model", key=f"{prefix}_shrink_candidate", placeholder="none, e.g. llama-3.1-8b-instruct"
        )
        kind = cols[1].selectbox("Path", shrink_service.PATH_KINDS, key=f"{prefix}_shrink_path")
        st.caption(
            "It serves the workloads its quality allows: the baseline's score times the share it keeps, the low end "
            "of the assumed range until two probe runs measure it (the Shrink page). What making it costs counts in "
            "the totals once it serves any workload."
        )
    if not candidate.strip():
        return None
    if baseline is None:
        st.warning("Shrink: choose an API option first; the first one is the baseline and the teacher.")
        return None
    return shrink_service.ShrinkRequest(baseline, candidate.strip(), paths=(kind,))
