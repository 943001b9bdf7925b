"""Home's Update data panel (the sources' freshness, a refresh with a bar per source), and the freshness notes the
explorer and the catalogue show: a stale metric, well-known models it has no score for, models new since the last
refresh."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pricing.sources import freshness as freshness_of
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


@st.cache_data(show_spinner=False, ttl=600)
def load_metric_freshness(metric_id: str, sheet_name: str, stale_after_days: int) -> freshness_of.MetricFreshness:
    """A metric's newest score against the threshold, and the well-known models of a sheet it has no score for."""
    return freshness_of.metric_freshness(get_store(), metric_id, sheet_name, stale_after_days)


def show_metric_freshness(metric_id: str, metric_label: str, sheet_name: str, stale_after_days: int) -> None:
    """Warn when a metric's newest score is older than the threshold; name the well-known models it cannot place."""
    freshness = load_metric_freshness(metric_id, sheet_name, stale_after_days)
    warning = freshness_of.freshness_notice(freshness, metric_label)
    if warning:
        st.warning(warning)
    unscored = freshness_of.unscored_notice(freshness, metric_label, sheet_name)
    if unscored:
        st.caption(unscored)


def new_model_note(model_ids: pd.Series, where: str) -> str | None:
    """How many of these models are new since the previous refresh, and which (None when none are)."""
    new_ids = load_new_model_ids()
    shown = sorted(set(model_ids.dropna().astype(str)) & new_ids)
    if not shown:
        return None
    refreshes = load_recent_refreshes(1)
    when = f" on {pd.Timestamp(refreshes.iloc[0]['fetched_at']):%Y-%m-%d}" if not refreshes.empty else ""
    named = ", ".join(shown[:12]) + (f" and {len(shown) - 12:,} more" if len(shown) > 12 else "")
    return f"New since the previous refresh (the latest refresh{when} added them to the store), {where}: {named}."


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
