"""Probes: measure real endpoints (NIM, vLLM, any OpenAI-compatible server, API models) for latency,
throughput, quality on our eval suites and cost; watch runs live, cancel them, compare them.
"""

from __future__ import annotations

import streamlit as st

from evals import display
from evals import jobs as probe_jobs
from evals.display import compare_table, knee_sentence, level_table, quality_cost_points, run_history
from evals.probe import ProbeSettings, available_cores, estimate_cost_usd
from evals.runner import (
    DEFAULT_NIM_BASE,
    ENDPOINT_KINDS,
    ConfigError,
    Endpoint,
    check_connection,
    endpoint_from_row,
    masked_key,
    price_fn_for,
)
from evals.scorers import get_scorer
from evals.suites import list_suites, load_suite, read_suite
from evals.summary import Objectives
from pricing.limits import MAX_SUITE_MIB, InputError
from pricing.report.charts import latency_figure, quality_cost_figure, throughput_figure
from ui.common import (
    MISSING,
    after_write,
    current_settings,
    current_user,
    download_buttons,
    fmt_date,
    fmt_usd,
    get_store,
    load_table,
    probe_requests,
    probe_runs,
    save_endpoint,
)
from ui.probe_import import render_import_panel
from ui.probe_recovery import render_interrupted_run
from ui.refusals import show_refusal

KEY_RUN_ENDPOINT = "probes_endpoint"
KEY_SUITE = "probes_suite"
KEY_UPLOAD = "probes_suite_upload"
KEY_REQUESTS = "probes_requests"
MAX_REQUESTS_PER_LEVEL = 2000  # a suite of more items runs its first 2,000
KEY_LEVELS = "probes_levels"
KEY_WORKERS = "probes_workers"
KEY_CLIENT = "probes_client"
KEY_RATE = "probes_rate"
KEY_SWEEP = "probes_sweep"
KEY_SLO_ITL = "probes_slo_itl"
KEY_SLO_TTFT = "probes_slo_ttft"
KEY_SLO_E2E = "probes_slo_e2e"
KEY_TIMEOUT = "probes_timeout"
KEY_ACTIVE_RUN = "probes_active_run"
KEY_SHOW_RUN = "probes_show_run"
KEY_COMPARE = "probes_compare"
KEY_DONE_MESSAGE = "probes_done_message"
NO_SUITE = "(no suite: latency and throughput only)"
UPLOADED = "(upload my own suite)"

settings = current_settings()
store = get_store()
st.title("Live probes")
st.caption(
    "Public scores say little about your tasks and list prices nothing about your GPUs. Probe an endpoint to "
    "measure its latency, throughput, quality on an eval suite and cost; results join the frontier as "
    "'own probe' scores."
)
with st.expander("How the figures are defined"):
    st.markdown(
        "- **Time to first token (TTFT)**: from sending the request to the first non-empty token (GenAI-Perf, NIM).\n"
        "- **Inter-token latency (ITL)** = (end-to-end - TTFT) / (output tokens - 1). LLMPerf folds TTFT into its "
        "ITL; we do not.\n"
        "- **Per-request output speed** = 1000 / ITL tokens/s. **System output throughput** = all output tokens of a "
        "level / the level's duration.\n"
        "- **Goodput** = requests per second that meet every latency objective you set.\n"
        "- Tokens come from the usage the server reports; where it reports none counts are estimates and marked so.\n"
        "- **Knee**: the highest concurrency that meets your objectives (at p90) and still adds at least 10% output "
        "throughput; self-hosted cost per 1M tokens is computed there.\n"
        "- Warm-up requests are sent first and never counted. OpenAI-compatible streams (NIM, vLLM, OpenAI ...) are "
        "read by a lean client (about 12 us of CPU per token); other APIs through litellm. Each level records the "
        "CPU its client used and is flagged when the client, not the model, is the bottleneck."
    )

tab_run, tab_endpoints, tab_results, tab_import = st.tabs(
    ["Run a probe", "Endpoints", "Results and history", "Import results"],
    # nothing to run before an endpoint exists: a first visit opens where one is added
    default="Endpoints" if load_table("endpoints").empty else "Run a probe",
)

with tab_endpoints:
    endpoints = load_table("endpoints")
    if endpoints.empty:
        st.info("No endpoints yet. Add one below, e.g. a local NIM at " + DEFAULT_NIM_BASE + ".")
    else:
        shown = endpoints.assign(key=endpoints["api_key_env"].map(masked_key))
        st.dataframe(
            shown[["name", "kind", "model", "api_base", "key", "model_id", "gpu", "gpu_count", "usd_per_gpu_hour"]],
            hide_index=True,
            width="stretch",
            key="probes_endpoints_table",
            column_config={"usd_per_gpu_hour": st.column_config.NumberColumn("USD per GPU-hour", format="$%.2f")},
            placeholder=MISSING,
        )
        download_buttons(
            shown[["name", "kind", "model", "api_base", "key", "model_id", "gpu", "gpu_count", "usd_per_gpu_hour"]],
            "probes_endpoints",
            "probes_endpoints_table_dl",
        )
        test_name = st.selectbox("Endpoint", list(endpoints["name"]), key="probes_test_name")
        if st.button("Test connection", key="probes_test_button"):
            row = endpoints[endpoints["name"] == test_name].iloc[0].to_dict()
            with st.spinner("Sending one tiny request..."):
                check = check_connection(endpoint_from_row(row))
            (st.success if check.ok else st.error)(check.message)
    st.markdown("#### Add or update an endpoint")
    models = load_table("models")
    with st.form("probes_endpoint_form"):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Name", key="probes_new_name", placeholder="local-nim-llama-8b")
        kind = c2.selectbox(
            "Kind",
            ENDPOINT_KINDS,
            key="probes_new_kind",
            help="nim: NVIDIA NIM (litellm nvidia_nim/...); openai-compatible: vLLM, SGLang, TGI, "
            "llama.cpp, Ollama; api: a hosted model by its litellm name",
        )
        model = c3.text_input("Model", key="probes_new_model", placeholder="meta/llama-3.1-8b-instruct")
        d1, d2, d3 = st.columns(3)
        api_base = d1.text_input("API base", key="probes_new_base", placeholder=DEFAULT_NIM_BASE)
        key_env = d2.text_input(
            "Key variable (name only)",
            key="probes_new_key_env",
            placeholder="NVIDIA_NIM_API_KEY",
            help="The name of an environment variable or .streamlit/secrets.toml entry. The key "
            "itself is never typed here or stored.",
        )
        model_id = d3.selectbox(
            "Serves which model (for scores)", [""] + list(models["model_id"]), key="probes_new_mid"
        )
        e1, e2, e3, e4 = st.columns(4)
        gpu = e1.text_input("GPU (self-hosted)", key="probes_new_gpu", placeholder="H100 SXM")
        gpu_count = e2.number_input("GPUs", 0, 1024, 0, key="probes_new_gpus")
        precision = e3.text_input("Precision", key="probes_new_precision", placeholder="FP8")
        usd_gpu = e4.number_input("USD per GPU-hour", 0.0, 1000.0, value=None, key="probes_new_usd_gpu")
        b1, b2 = st.columns([1, 5])
        saved = b1.form_submit_button("Save endpoint")
        trial = b2.form_submit_button(
            "Test connection", help="Send one tiny request to this endpoint without saving it"
        )
    if saved or trial:
        try:
            new = Endpoint(
                name=name.strip(),
                model=model.strip(),
                kind=kind,
                api_base=api_base.strip() or None,
                api_key_env=key_env.strip() or None,
                model_id=model_id or None,
                gpu=gpu.strip() or None,
                gpu_count=int(gpu_count) or None,
                precision=precision.strip() or None,
                usd_per_gpu_hour=usd_gpu,
            )
            if not new.name:
                raise ConfigError("give the endpoint a name")
        except ConfigError as exc:
            st.error(str(exc))
        else:
            if trial:
                with st.spinner("Sending one tiny request..."):
                    check = check_connection(new)
                (st.success if check.ok else st.error)(check.message + " (not saved yet)")
            else:
                save_endpoint(new.as_row())
                st.success(f"Saved endpoint {new.name}.")
                st.rerun()

with tab_run:
    endpoints = load_table("endpoints")
    if endpoints.empty:
        st.info("Add an endpoint on the Endpoints tab first.")
    else:
        r1, r2 = st.columns(2)
        chosen = r1.selectbox("Endpoint", list(endpoints["name"]), key=KEY_RUN_ENDPOINT)
        suite_choice = r2.selectbox(
            "Eval suite",
            [NO_SUITE, *list_suites(), UPLOADED],
            key=KEY_SUITE,
            help="Suites are JSONL files in evals/suites/, each naming its scorer.",
        )
        suite = None
        if suite_choice == UPLOADED:
            uploaded = st.file_uploader(
                "Suite (JSONL: a header line, then one item per line)", type=["jsonl"], key=KEY_UPLOAD,
                max_upload_size=MAX_SUITE_MIB,
            )  # fmt: skip
            if uploaded is not None:
                try:
                    suite = read_suite(uploaded.getvalue(), uploaded.name)
                except InputError as exc:
                    show_refusal(exc, uploaded.name, "nothing was run")
        elif suite_choice != NO_SUITE:
            suite = load_suite(suite_choice)
        s1, s2, s3, s4 = st.columns(4)
        requests_per_level = s1.number_input(
            "Requests per level", 1, MAX_REQUESTS_PER_LEVEL,
            min(len(suite.items), MAX_REQUESTS_PER_LEVEL) if suite else 20, key=f"{KEY_REQUESTS}_{suite_choice}",
        )  # fmt: skip
        levels = s2.multiselect(
            "Concurrency levels", [1, 2, 4, 8, 16, 32, 64, 128, 256], default=[1, 4, 16], key=KEY_LEVELS
        )
        sweep = s3.checkbox(
            "Stop at saturation",
            key=KEY_SWEEP,
            help="Run the levels upwards and stop where output throughput rises less than 10% or an objective "
            "(p90) fails; the run reports the knee, the concurrency whose throughput self-hosted cost is based on.",
        )
        timeout_s = s4.number_input("Timeout per request (s)", 1.0, 600.0, 60.0, key=KEY_TIMEOUT)
        c1, c2, c3 = st.columns(3)
        client = c1.selectbox(
            "Client",
            ["auto", "lean", "litellm"],
            key=KEY_CLIENT,
            help="Who reads the stream. auto: a lean aiohttp reader where the route is OpenAI-compatible (NIM, vLLM, "
            "OpenAI ...), litellm for other APIs. litellm's streaming wrapper costs about 40x the CPU per token.",
        )
        workers = c2.number_input(
            "Client processes",
            1,
            64,
            value=None,
            key=KEY_WORKERS,
            placeholder=f"auto (up to {available_cores()}, one per core)",
            help="Worker processes sharing each level; by default one per core once a level has 8 or more streams "
            "per process. A level flagged client-bound says how many would fix it.",
        )
        rate = c3.number_input(
            "Request rate (req/s)",
            0.01,
            value=None,
            key=KEY_RATE,
            placeholder="none: fixed concurrency",
            help="Poisson arrivals at this rate; each level's concurrency caps the requests in flight.",
        )
        o1, o2, o3 = st.columns(3)
        slo_ttft = o1.number_input(
            "Objective: TTFT p90 at most (ms)", 1.0, value=None, key=KEY_SLO_TTFT, placeholder="none (no goodput)"
        )
        slo_itl = o2.number_input(
            "Objective: ITL p90 at most (ms)", 0.1, value=None, key=KEY_SLO_ITL, placeholder="none"
        )
        slo_e2e = o3.number_input(
            "Objective: end-to-end p90 at most (ms)", 1.0, value=None, key=KEY_SLO_E2E, placeholder="none"
        )
        endpoint = endpoint_from_row(endpoints[endpoints["name"] == chosen].iloc[0].to_dict())
        judge_endpoint = None
        if suite is not None and get_scorer(suite.scorer).needs_judge:
            judge_name = st.selectbox(
                "Judge model (grades the answers)",
                list(endpoints["name"]),
                key="probes_judge",
                help="An LLM-as-judge suite needs a model to grade answers; pick a strong one.",
            )
            judge_endpoint = endpoint_from_row(endpoints[endpoints["name"] == judge_name].iloc[0].to_dict())
        if not levels:
            st.warning("Pick at least one concurrency level.")
        else:
            probe_settings = ProbeSettings(
                requests_per_level=int(requests_per_level),
                concurrency_levels=tuple(sorted(levels)),
                timeout_s=float(timeout_s),
                workers=int(workers) if workers else None,
                client=client,
                request_rate=float(rate) if rate else None,
                sweep=sweep,
            )
            price, price_note = price_fn_for(store, endpoint, settings.sheet_name)
            estimate = estimate_cost_usd(probe_settings, suite, price) if price is not None else None
            st.markdown(
                f"**{probe_settings.total_requests} requests** ({probe_settings.warmup_requests} warm-up). "
                + (
                    f"Estimated cost at most **{fmt_usd(estimate, 4)}** (every request using its whole output budget; "
                    f"{price_note})."
                    if estimate is not None
                    else display.gpu_time_text(endpoint.gpu, endpoint.gpu_count, endpoint.usd_per_gpu_hour)
                    if endpoint.self_hosted
                    else f"Cost: {price_note}."
                )
            )
            if st.button("Start run", type="primary", key="probes_start"):
                job = probe_jobs.start(
                    store,
                    endpoint,
                    probe_settings,
                    settings.sheet_name,
                    suite=suite,
                    objectives=Objectives(ttft_ms=slo_ttft, e2e_ms=slo_e2e, itl_ms=slo_itl),
                    judge_endpoint=judge_endpoint,
                    created_by=current_user(),
                )
                st.session_state[KEY_ACTIVE_RUN] = job.run_id
                st.session_state.pop(KEY_DONE_MESSAGE, None)
                st.session_state[KEY_SHOW_RUN] = job.run_id

    @st.fragment(run_every=1.0)
    def live_progress() -> None:
        """Progress of the session's current run, refreshed every second."""
        run_id = st.session_state.get(KEY_ACTIVE_RUN)
        job = probe_jobs.get(run_id) if run_id else None
        if job is None:
            return
        done = probe_requests(job.run_id)
        measured = done[done["phase"] == "measure"]
        st.progress(
            min(1.0, len(done) / max(job.planned_requests, 1)),
            text=f"Run {job.run_id}: {len(done)} of {job.planned_requests} requests"
            + (f", concurrency {job.level}" if job.level else ""),
        )
        p = st.columns(3)
        ok = measured[measured["error_type"].isna()]
        p[0].metric("TTFT p50 so far (ms)", f"{ok['ttft_ms'].median():.0f}" if len(ok) else "-")
        p[1].metric("Failed requests", f"{measured['error_type'].notna().sum()}")
        p[2].metric("Scored items", f"{measured['score'].notna().sum()}")
        if job.running:
            if st.button("Cancel run", key="probes_cancel"):
                job.cancel.set()
                st.info("Cancelling: requests in flight finish, nothing more is sent. Measured requests are kept.")
        else:
            if job.error:
                st.session_state[KEY_DONE_MESSAGE] = f"error:The run stopped: {job.error}. Measured requests are kept."
            elif job.report is not None:
                st.session_state[KEY_DONE_MESSAGE] = f"Run {job.run_id} {job.report.status}. See Results and history."
            after_write()
            st.session_state.pop(KEY_ACTIVE_RUN, None)
            st.rerun(scope="app")  # the history and results outside this fragment must show the new run

    live_progress()
    done_message = st.session_state.get(KEY_DONE_MESSAGE)
    if done_message:
        if done_message.startswith("error:"):
            st.error(done_message.removeprefix("error:"))
        else:
            st.success(done_message)

with tab_results:
    runs = probe_runs()
    if runs.empty:
        st.info("No runs yet.")
    else:
        history = run_history(runs)
        money = st.column_config.NumberColumn("Estimated cost (USD)", format="$%.4f")
        st.dataframe(
            history.table,
            hide_index=True,
            width="stretch",
            key="probes_history",
            column_config={
                "run_id": "Run",
                "started": "Started (UTC)",
                "endpoint_name": "Endpoint",
                "model": "Model",
                "suite": "Suite",
                "status": "Status",
                "created_by": "Started by",
                "requests": st.column_config.NumberColumn("Requests", format="%d"),
                "failed": st.column_config.NumberColumn("Failed", format="%d"),
                "estimated_cost_usd": money,
            },
            placeholder=MISSING,
        )
        download_buttons(history.table, "probes_history", "probes_history_dl")
        default_run = st.session_state.get(KEY_SHOW_RUN)
        ids = list(history.table["run_id"])
        run_id = st.selectbox(
            "Run",
            ids,
            index=ids.index(default_run) if default_run in ids else 0,
            format_func=history.labels.get,
            key="probes_show_select",
        )
        summary = history.summaries.get(run_id)
        requests = probe_requests(run_id)
        interrupted = render_interrupted_run(runs[runs["run_id"] == run_id].iloc[0], KEY_ACTIVE_RUN)
        if summary is None and not interrupted:
            st.info("This run is still going (or stopped without a summary); its requests so far are below.")
        elif summary is not None:
            level_rows = level_table(summary)
            ms = st.column_config.NumberColumn(format="%.0f")
            st.dataframe(
                level_rows,
                hide_index=True,
                width="stretch",
                key="probes_levels_table",
                column_config={
                    "TTFT p50 (ms)": ms,
                    "TTFT p90 (ms)": ms,
                    "ITL p50 (ms)": st.column_config.NumberColumn(format="%.1f"),
                    "E2E p50 (ms)": ms,
                    "System tokens/s": st.column_config.NumberColumn(format="%,.0f"),
                    "Goodput (req/s)": st.column_config.NumberColumn(format="%.2f"),
                    "Cost per success (USD)": st.column_config.NumberColumn(format="$%.6f"),
                },
                placeholder=MISSING,
            )
            download_buttons(level_rows, "probes_levels", "probes_levels_table_dl")
            st.caption(
                "Full figures (p99, per-request speed, the client's own overhead) are in the CSV download below "
                "and in `python -m evals probe --json`."
            )
            for lv in summary["levels"]:
                for note in lv["notes"]:
                    (st.warning if lv["client_bound"] else st.caption)(f"Concurrency {lv['concurrency']}: {note}")
            knee = knee_sentence(
                summary,
                fmt_usd(summary["knee_usd_per_1m_output"], 4) if summary.get("knee_usd_per_1m_output") else None,
            )
            if knee:
                st.info(knee)
            for note in summary.get("notes") or []:
                st.caption(note)
            run_date = fmt_date(runs.loc[runs["run_id"] == run_id, "started_at"].iloc[0])
            st.caption(f"Prices: {summary['price_note']}. Run date {run_date}.")
            quality = summary.get("quality")
            if quality and quality.get("mean_score") is not None:
                low, high = quality["ci95"]
                q = st.columns(4)
                q[0].metric(
                    f"Pass rate on {quality['suite']}",
                    f"{quality['pass_rate']:.1%}",
                    help=f"95% Wilson interval {low:.1%} to {high:.1%} over {quality['items']} items",
                )
                q[1].metric("95% interval", f"{low:.0%}-{high:.0%}")
                q[2].metric("Cost per 1,000 items", fmt_usd(quality.get("cost_per_1000_items_usd")))
                q[3].metric("Latency per item p50 (ms)", f"{quality['e2e_ms_per_item_p50']:.0f}")
            c1, c2 = st.columns(2)
            c1.plotly_chart(latency_figure(requests), key="probes_latency_chart")
            c2.plotly_chart(throughput_figure(summary["levels"]), key="probes_throughput_chart")
        download_buttons(requests, f"probe_{run_id}", "probes_download", label="this run's requests")

        st.markdown("#### Quality against cost, across runs")
        points = quality_cost_points(history)
        if not points.empty:
            st.plotly_chart(quality_cost_figure(points), key="probes_quality_cost")
        else:
            st.caption(display.quality_cost_needs(history))

        st.markdown("#### Compare runs side by side")
        compare = st.multiselect(
            "Runs (2 to 4)", ids, format_func=history.labels.get, max_selections=4, key=KEY_COMPARE
        )
        if len(compare) >= 2:
            side_by_side = compare_table(history, compare)
            st.dataframe(
                side_by_side, hide_index=True, width="stretch", key="probes_compare_table", placeholder=MISSING
            )
            download_buttons(side_by_side, "probes_compare", "probes_compare_table_dl")

with tab_import:
    render_import_panel()
