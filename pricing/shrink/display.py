"""The Shrink page's figures: cumulative cost of the baseline and each path over the months (payback where a path's
line crosses below the baseline's) and a tornado of the payback month. Pure: results in, Plotly figures out."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from pricing.shrink.engine import ShrinkResult


def payback_figure(result: ShrinkResult) -> go.Figure:
    """Cumulative USD per month, the baseline dashed, each path's payback month marked."""
    figure = go.Figure()
    months = result.cumulative_usd.index
    for name in result.cumulative_usd.columns:
        baseline = name == result.baseline
        figure.add_trace(
            go.Scatter(
                x=months,
                y=result.cumulative_usd[name],
                name=f"{name} (baseline)" if baseline else name,
                mode="lines",
                line={"dash": "dash"} if baseline else {},
                hovertemplate="month %{x}: $%{y:,.0f} cumulative<extra>%{fullData.name}</extra>",
            )
        )
    for outcome in result.outcomes:
        if outcome.payback_month is not None:
            figure.add_vline(
                x=outcome.payback_month,
                line_dash="dot",
                annotation_text=f"{outcome.kind} pays back, month {outcome.payback_month}",
                annotation_position="top left",
            )
    figure.update_layout(
        xaxis_title="Month",
        yaxis_title="Cumulative cost (USD)",
        yaxis_tickformat="$,.3s",
        legend={"orientation": "h", "yanchor": "top", "y": -0.2},
        margin={"t": 30},
    )
    return figure


def tornado_figure(frame: pd.DataFrame, path_name: str) -> go.Figure:
    """Payback month at each assumption's low and high value, widest swing on top; beyond the horizon is capped."""
    horizon = int(frame.attrs.get("horizon_months", 36))
    base = frame.attrs.get("payback_base", math.inf)
    capped = frame.replace(math.inf, horizon + 1)
    order = capped.iloc[::-1]
    figure = go.Figure()
    for column, label in (("payback_low", "low value"), ("payback_high", "high value")):
        figure.add_trace(
            go.Bar(
                y=order["input"],
                x=order[column],
                name=label,
                orientation="h",
                hovertemplate="%{y}: payback month %{x}<extra>" + label + "</extra>",
            )
        )
    base_x = horizon + 1 if not math.isfinite(base) else base
    figure.add_vline(x=base_x, line_dash="dash", annotation_text="as planned")
    figure.update_layout(
        barmode="group",
        title=f"What moves the payback month of {path_name}",
        xaxis_title=f"Payback month ({horizon + 1} = not within {horizon} months)",
        margin={"t": 50},
    )
    return figure
