"""Plotly figure builders. Pure: DataFrames in, figures out, so tests can inspect them as objects and
the same figures can later be exported to reports.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from pricing.metrics import Metric

FRONTIER_COLOURS = {"API": "#1f6feb", "self-hosted": "#76b900"}
DOMINATED_COLOUR = "#9aa4b2"


def _date_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "undated"
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def _hover_data(frame: pd.DataFrame, cost_metric: Metric) -> tuple[list[list[str]], str]:
    custom = [
        [
            str(row["display_name"]),
            str(row["provider"]),
            str(row["sheet_name"]),
            _date_text(row["price_date"]),
            str(row["quality_source"]),
            _date_text(row["quality_date"]),
            "self-reported" if bool(row["self_reported"]) else "independent",
            " (possibly stale)" if bool(row.get("price_stale", False)) else "",
            str(row["model_key"]),
        ]
        for _, row in frame.iterrows()
    ]
    template = (
        "<b>%{customdata[0]}</b><br>"
        "%{customdata[1]} · <i>%{customdata[8]}</i><br>"
        f"Cost: $%{{x:.4g}} {cost_metric.unit.replace('USD ', '')}<br>"
        "Price sheet: %{customdata[2]}, %{customdata[3]}%{customdata[7]}<br>"
        "Quality: %{y:.4g}<br>"
        "Score source: %{customdata[4]}, %{customdata[5]} (%{customdata[6]})"
        "<extra></extra>"
    )
    return custom, template


def frontier_figure(
    candidates: pd.DataFrame,
    quality: Metric,
    cost_metric: Metric,
    log_cost: bool = True,
    height: int = 560,
    label_frontier: bool = True,
) -> go.Figure:
    """Scatter of cost against quality: frontier points bold and joined, dominated points faded."""
    fig = go.Figure()
    dominated = candidates[~candidates["on_frontier"].astype(bool)]
    if not dominated.empty:
        custom, template = _hover_data(dominated, cost_metric)
        fig.add_trace(
            go.Scatter(
                x=dominated["cost_usd"],
                y=dominated["quality"],
                mode="markers",
                name="Dominated",
                marker={"color": DOMINATED_COLOUR, "size": 7, "opacity": 0.35},
                customdata=custom,
                hovertemplate=template,
            )
        )
    on = candidates[candidates["on_frontier"].astype(bool)].sort_values("cost_usd")
    if not on.empty:
        fig.add_trace(
            go.Scatter(
                x=on["cost_usd"],
                y=on["quality"],
                mode="lines",
                name="Frontier",
                line={"color": "#111827", "width": 1.5, "shape": "hv" if quality.higher_is_better else "linear"},
                hoverinfo="skip",
            )
        )
        for deployment, group in on.groupby("deployment", sort=True):
            custom, template = _hover_data(group, cost_metric)
            fig.add_trace(
                go.Scatter(
                    x=group["cost_usd"],
                    y=group["quality"],
                    mode="markers+text" if label_frontier else "markers",
                    name=f"On frontier ({deployment})",
                    text=group["display_name"] if label_frontier else None,
                    textposition="top left",
                    textfont={"size": 11},
                    marker={
                        "color": FRONTIER_COLOURS.get(str(deployment), "#d97706"),
                        "size": 11,
                        "line": {"color": "white", "width": 1},
                        "symbol": "diamond" if deployment == "self-hosted" else "circle",
                    },
                    customdata=custom,
                    hovertemplate=template,
                )
            )
    direction = "higher is better" if quality.higher_is_better else "lower is better"
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        xaxis_title=f"{cost_metric.label}, log scale" if log_cost else cost_metric.label,
        yaxis_title=f"{quality.label}, {direction}",
        template="plotly_white",
    )
    if log_cost:
        fig.update_xaxes(type="log")
    return fig
