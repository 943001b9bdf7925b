"""The Live probes page's import panel: upload a result file of AIPerf, GenAI-Perf, vLLM or GuideLLM, say which GPUs
it ran on, check what was read, and store it as an imported probe run (`evals.import_runs`).

Reading and storing are the domain's; this module renders the form, the preview and the outcome.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evals.import_runs import ImportSetup, import_result
from evals.imports import FORMATS, ImportedResult, parse_result
from pricing.gpus import GPU_SPECS
from pricing.limits import MAX_RESULT_MIB, InputError
from pricing.sizing import BYTES_PER_PARAMETER
from ui.common import MISSING, after_write, current_user, get_store
from ui.refusals import show_refusal

KEY_FILE = "probes_import_file"
KEY_GPU = "probes_import_gpu"
KEY_GPU_COUNT = "probes_import_gpu_count"
KEY_PRECISION = "probes_import_precision"
KEY_ENGINE = "probes_import_engine"
KEY_MODEL = "probes_import_model"
KEY_BUTTON = "probes_import_button"
KEY_DONE = "probes_import_done"
NO_PRECISION = "(not stated)"


@st.cache_data(show_spinner=False, max_entries=8)
def _read(content: bytes, file_name: str) -> ImportedResult:
    """The file read (cached by its bytes: reruns of the page do not parse it again)."""
    return parse_result(content, file_name)


def _preview(result: ImportedResult) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Load": level.load,
                "In flight": level.in_flight,
                "OK / sent": f"{level.succeeded} / {level.requests}",
                "TTFT p50 (ms)": level.ttft_ms["p50"],
                "TTFT p90 (ms)": level.ttft_ms["p90"],
                "ITL p50 (ms)": level.itl_ms["p50"],
                "E2E p50 (ms)": level.e2e_ms["p50"],
                "System tokens/s": level.system_output_tokens_per_s,
                "Per-request rows": len(level.requests_detail),
            }
            for level in result.levels
        ]
    )


def render_import_panel() -> None:
    """Upload, GPU setup, preview and import of one result file."""
    st.markdown(
        "Import results from the benchmark tools NIM and vLLM users already run. They join the store as a run on the "
        "GPUs you name: self-hosted cost, sizing, Spend projections and the Portfolio use its throughput and latency "
        "for that model on those GPUs, labelled with the tool, its version and the file's date."
    )
    st.caption("Files read: " + "; ".join(f"{fmt.tool}: {fmt.files}" for fmt in FORMATS.values()) + ".")
    done = st.session_state.pop(KEY_DONE, None)
    if done:
        st.success(done)
    uploaded = st.file_uploader(
        "Result file", type=["json", "jsonl", "csv"], key=KEY_FILE, max_upload_size=MAX_RESULT_MIB
    )
    g1, g2, g3, g4, g5 = st.columns(5)
    gpus = list(GPU_SPECS)
    gpu = g1.selectbox("GPU", gpus, index=gpus.index("H100 SXM") if "H100 SXM" in gpus else 0, key=KEY_GPU)
    gpu_count = g2.number_input("GPUs", 1, 1024, 1, key=KEY_GPU_COUNT, help="GPUs serving the model (TP x PP)")
    precision = g3.selectbox(
        "Precision",
        [NO_PRECISION, *BYTES_PER_PARAMETER],
        key=KEY_PRECISION,
        help="Weight format served; sizing at a chosen precision uses the run only when it is given.",
    )
    engine = g4.text_input("Engine", key=KEY_ENGINE, placeholder="vLLM 0.11, NIM 1.8")
    model = g5.text_input(
        "Model", key=KEY_MODEL, placeholder="as the file names it", help="Needed when the file names none (CSV, JSONL)"
    )
    if uploaded is None:
        return
    content = uploaded.getvalue()
    try:
        result = _read(content, uploaded.name)
    except InputError as exc:
        show_refusal(exc, uploaded.name)
        return
    when = result.measured_at.date().isoformat() if result.measured_at else "no date in the file (the day of import)"
    st.markdown(
        f"**{result.source}**: measured {when}; model {result.model or 'not named in the file: give it above'}; "
        f"{len(result.levels)} level(s)."
    )
    st.dataframe(
        _preview(result),
        hide_index=True,
        width="stretch",
        key="probes_import_preview",
        column_config={
            "TTFT p50 (ms)": st.column_config.NumberColumn(format="%.0f"),
            "TTFT p90 (ms)": st.column_config.NumberColumn(format="%.0f"),
            "ITL p50 (ms)": st.column_config.NumberColumn(format="%.1f"),
            "E2E p50 (ms)": st.column_config.NumberColumn(format="%.0f"),
            "System tokens/s": st.column_config.NumberColumn(format="%,.0f"),
        },
        placeholder=MISSING,
    )
    for note in result.notes:
        st.caption(note)
    if st.button("Import", type="primary", key=KEY_BUTTON):
        setup = ImportSetup(
            gpu=gpu,
            gpu_count=int(gpu_count),
            precision=None if precision == NO_PRECISION else precision,
            engine=engine,
            model=model,
        )
        try:
            outcome = import_result(get_store(), result, content, setup, created_by=current_user())
        except ValueError as exc:  # ImportFileError included: what is wrong and the fix
            st.error(str(exc))
            return
        after_write()
        st.session_state[KEY_DONE] = (
            f"Imported as run {outcome.run_id}: {outcome.model_id} on {outcome.setup.gpu_count}x {outcome.setup.gpu}, "
            f"{outcome.source}, measured {outcome.measured_on} ({outcome.dated_by}). See Results and history."
        )
        st.rerun()
