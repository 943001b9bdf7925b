"""The Live probes page's controls for an interrupted run: resume it (the requests it had not measured) or close it.

A run is interrupted when its process (this app, or a command line) died before finishing it; the next Frontier
process to open the store marks it so. Resuming and closing are the runner's (`evals.runner.resume_run`,
`close_run`); this module renders the choice and starts a resumed run as a background job.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evals import jobs as probe_jobs
from evals.runner import INTERRUPTED, ConfigError, close_run
from evals.suites import list_suites, read_suite
from pricing.limits import MAX_SUITE_MIB, InputError
from pricing.store import StoreError
from ui.common import after_write, get_store
from ui.refusals import show_refusal

KEY_SUITE_FILE = "probes_resume_suite_file"
KEY_RESUME = "probes_resume_button"
KEY_CLOSE = "probes_close_button"


def render_interrupted_run(run: pd.Series, active_run_key: str) -> bool:
    """For an interrupted run (a row of the store's runs), say what happened and offer Resume and Close; False
    (nothing shown) for any other run.

    A resumed run becomes the session's active run (`active_run_key`), so the page's progress shows it.
    """
    if run["status"] != INTERRUPTED:
        return False
    run_id, note, suite_name = str(run["run_id"]), run["note"], run["suite"]
    # The store notes why: "interrupted: process 4242 on host-a ended without finishing it; ..."
    why = note.partition("interrupted: ")[2].split("; ")[0] if isinstance(note, str) else ""
    st.warning(
        f"Run {run_id} was interrupted: {why or 'its process ended before it finished'}. Every request it stored "
        "is kept. **Resume** sends the requests it had not measured, with the run's own settings; **Close** finishes "
        "it with the requests it has."
    )
    suite_file = None
    if isinstance(suite_name, str) and suite_name not in list_suites():
        suite_file = st.file_uploader(
            f"The file of the uploaded suite {suite_name} (needed to resume)", type=["jsonl"], key=KEY_SUITE_FILE,
            max_upload_size=MAX_SUITE_MIB,
        )  # fmt: skip
    resume_column, close_column, _ = st.columns([1, 1, 3])
    try:
        if resume_column.button("Resume run", type="primary", key=KEY_RESUME):
            suite = read_suite(suite_file.getvalue(), suite_file.name) if suite_file else None
            job = probe_jobs.resume(get_store(), run_id, suite=suite)
            st.session_state[active_run_key] = job.run_id
            after_write()
            st.rerun(scope="app")
        if close_column.button("Close run", key=KEY_CLOSE):
            close_run(get_store(), run_id)
            after_write()
            st.rerun(scope="app")
    except InputError as exc:  # the suite file: what is wrong, where, and the fix
        show_refusal(exc, suite_file.name if suite_file else "The suite file", "nothing was resumed")
    except (ConfigError, StoreError) as exc:
        st.error(str(exc))
    return True
