"""The explorer's relative view against a baseline: its toggle and baseline in the link, its chart and sentences.
Apart from the Shrink page's loader (ui/shrink.py), so that the explorer does not import the projection engine."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pricing.metrics import Metric
from pricing.shrink import display as shrink_display
from pricing.shrink import relative
from ui import url_state
from ui.common import MISSING

KEY_RELATIVE = "explorer_relative"
KEY_BASELINE = "explorer_baseline"


def relative_panel(link: url_state.ViewLink, candidates: pd.DataFrame, metric: Metric, cost_metric: Metric) -> bool:
    """The explorer's relative view: a toggle and a baseline (both in the link), then the chart against the baseline
    and the frontier's sentences. False when the toggle is off (the page draws its usual chart)."""
    ordered = candidates.sort_values("cost_usd", ascending=False, kind="stable")
    ids = relative.offer_ids(ordered)
    names = dict(
        zip(
            ids,
            [
                f"{name} · {label} (${cost:.4g})"
                for name, label, cost in zip(
                    ordered["display_name"], ordered["offer_label"], ordered["cost_usd"], strict=True
                )
            ],
            strict=True,
        )
    )
    shown = len(link.problems)
    link.restore("relative", KEY_RELATIVE, url_state.flag)
    link.restore("baseline", KEY_BASELINE, url_state.choice(ids))
    for problem in link.problems[shown:]:
        st.warning(problem)
    if st.session_state.get(KEY_BASELINE) not in (None, *ids):
        st.info("The baseline chosen before is not in view with these filters; the most expensive offer stands in.")
        del st.session_state[KEY_BASELINE]
    cols = st.columns([1, 3])
    on = cols[0].toggle(
        "Relative to a baseline",
        key=KEY_RELATIVE,
        help="Quality as a % of the baseline's score and cost as a multiple of its cost: '80% as capable at a tenth "
        "of the cost'. The baseline is the model serving your workload today.",
    )
    baseline = cols[1].selectbox(
        "Baseline (the model serving the workload today)",
        ids,
        format_func=names.get,
        key=KEY_BASELINE,
        disabled=not on,
        help="The most expensive offer in view unless you pick one.",
    )
    link.keep("relative", on)
    link.keep("baseline", baseline if on else None)
    link.publish()
    if not on:
        return False
    try:
        view = relative.relative_view(candidates, metric, cost_metric, baseline)
    except relative.RelativeViewError as exc:
        st.warning(f"The relative view cannot be drawn: {exc}.")
        return False
    st.plotly_chart(shrink_display.relative_figure(view), key="explorer_relative_chart")
    base = view.baseline
    unit = cost_metric.unit.replace("USD ", "")
    st.caption(
        f"Baseline: {base.display_name} ({base.offer_label}) at ${base.cost_usd:.4g} {unit} "
        f"and {base.quality:.4g} on {metric.label} ({base.quality_source}, {base.quality_date}). It sits at 1x and "
        f"100%; the dotted guides mark {relative.QUALITY_GUIDE_PCT:.0f}% of its score and "
        f"{1 / relative.COST_GUIDE_MULTIPLE:.0f}x cheaper. Intervals: an own eval's 95% Wilson interval from its item "
        "count, over the baseline's score; public scores carry none in the store. A share of an Elo rating is a "
        "share of the rating's number, not of a win rate."
    )
    st.dataframe(
        shrink_display.relative_table(view),
        hide_index=True,
        width="stretch",
        key="explorer_relative_table",
        column_config={
            "% of the baseline's score": st.column_config.NumberColumn(format="%.1f%%"),
            "95% interval, low (%)": st.column_config.NumberColumn(format="%.1f"),
            "95% interval, high (%)": st.column_config.NumberColumn(format="%.1f"),
            "Cost (x the baseline's)": st.column_config.NumberColumn(format="%.3gx"),
        },
        placeholder=MISSING,
    )
    return True
