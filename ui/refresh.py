"""Home's Update data panel: the sources' freshness, and a refresh run from the page with a bar per source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pricing.sources import refresh as refreshing
from ui.common import after_write, get_store

REPORT_KEY = "home_refresh_report"


@st.cache_data(show_spinner=False, ttl=60)
def load_source_status() -> pd.DataFrame:
    """Each refreshable source's newest data date, age and last refresh."""
    return refreshing.source_status(get_store())


@st.cache_data(show_spinner=False, ttl=60)
def load_recent_refreshes(limit: int = 20) -> pd.DataFrame:
    """The latest loaded snapshots."""
    return get_store().source_snapshots().head(limit)


@st.cache_data(show_spinner=False, ttl=60)
def load_new_model_ids() -> frozenset[str]:
    """Models new to the store in the latest refresh (marked in the explorer and the catalogue)."""
    return frozenset(get_store().new_model_ids())


def run_refresh(names: tuple[str, ...]) -> refreshing.RefreshReport:
    """Refresh the named sources with a progress bar each; the report is kept for the page's next run."""
    bars = {name: st.progress(0.0, text=f"{name}: waiting") for name in names}

    def tick(source: str, done: float, doing: str) -> None:
        if source in bars:
            bars[source].progress(min(max(done, 0.0), 1.0), text=f"{source}: {doing}")

    report = refreshing.refresh(get_store(), refreshing.RefreshRequest(sources=names), progress=tick)
    after_write()
    st.session_state[REPORT_KEY] = report
    return report
