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
FRONTIER_LEGEND = {
    "API": "On frontier: API list price",
    "self-hosted": "On frontier: self-hosted (rented GPUs, max-load throughput)",
}


def _date_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "undated"
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def _hover_data(frame: pd.DataFrame, x_column: str, x_metric: Metric) -> tuple[list[list[str]], str]:
    """Hover text: model, offer, the x value with its unit, source and date, and the score's source and date."""
    is_cost = x_column == "cost_usd"
    custom = [
        [
            str(row["display_name"]),
            str(row["provider"]),
            str(row["sheet_name"] if is_cost else row["measured_by"]),
            _date_text(row["price_date"] if is_cost else row["measured_date"]),
            str(row["quality_source"]),
            _date_text(row["quality_date"]),
            "self-reported" if bool(row["self_reported"]) else "independent",
            " (possibly stale)" if is_cost and bool(row.get("price_stale", False)) else "",
            str(row["model_key"]),
        ]
        for _, row in frame.iterrows()
    ]
    if is_cost:
        x_line = f"Cost: $%{{x:.4g}} {x_metric.unit.replace('USD ', '')}<br>Price sheet: %{{customdata[2]}}, "
    else:
        x_line = f"{x_metric.name}: %{{x:,.0f}} {x_metric.unit}<br>Measured by: %{{customdata[2]}}, "
    template = (
        "<b>%{customdata[0]}</b><br>"
        "%{customdata[1]} · <i>%{customdata[8]}</i><br>" + x_line + "%{customdata[3]}%{customdata[7]}<br>"
        "Quality: %{y:.4g}<br>"
        "Score source: %{customdata[4]}, %{customdata[5]} (%{customdata[6]})"
        "<extra></extra>"
    )
    return custom, template


def _step_shape(quality: Metric, x_metric: Metric) -> str:
    """The frontier's staircase: along x ascending, 'hv' when x is a cost, 'vh' when x is a benefit."""
    if not quality.higher_is_better:
        return "linear"
    return "vh" if x_metric.higher_is_better else "hv"


def frontier_figure(
    candidates: pd.DataFrame,
    quality: Metric,
    cost_metric: Metric,
    log_cost: bool = True,
    height: int = 560,
    label_frontier: bool = True,
    x_column: str = "cost_usd",
) -> go.Figure:
    """Scatter of cost (or another x metric) against quality: frontier bold and joined, dominated faded."""
    fig = go.Figure()
    dominated = candidates[~candidates["on_frontier"].astype(bool)]
    if not dominated.empty:
        custom, template = _hover_data(dominated, x_column, cost_metric)
        fig.add_trace(
            go.Scatter(
                x=dominated[x_column],
                y=dominated["quality"],
                mode="markers",
                name="Dominated",
                marker={"color": DOMINATED_COLOUR, "size": 7, "opacity": 0.35},
                customdata=custom,
                hovertemplate=template,
            )
        )
    on = candidates[candidates["on_frontier"].astype(bool)].sort_values(x_column)
    if not on.empty:
        fig.add_trace(
            go.Scatter(
                x=on[x_column],
                y=on["quality"],
                mode="lines",
                name="Frontier",
                line={"color": "#111827", "width": 1.5, "shape": _step_shape(quality, cost_metric)},
                hoverinfo="skip",
            )
        )
        for deployment, group in on.groupby("deployment", sort=True):
            custom, template = _hover_data(group, x_column, cost_metric)
            fig.add_trace(
                go.Scatter(
                    x=group[x_column],
                    y=group["quality"],
                    mode="markers+text" if label_frontier else "markers",
                    name=FRONTIER_LEGEND.get(str(deployment), f"On frontier ({deployment})"),
                    text=group["display_name"] if label_frontier else None,
                    textposition="bottom right",
                    cliponaxis=False,
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
        fig.update_xaxes(type="log", dtick=1)
    if x_column == "cost_usd":
        fig.update_xaxes(tickprefix="$", tickformat="~g")
    return fig


def latency_figure(requests: pd.DataFrame, height: int = 380) -> go.Figure:
    """Distribution of time to first token and end-to-end latency per concurrency level (measured requests)."""
    ok = requests[(requests["phase"] == "measure") & requests["error_type"].isna()]
    fig = go.Figure()
    for column, name, colour in (("ttft_ms", "Time to first token", "#1f6feb"), ("e2e_ms", "End-to-end", "#76b900")):
        fig.add_trace(
            go.Box(x=ok["concurrency"].astype(str), y=ok[column], name=name, marker_color=colour, boxpoints="outliers")
        )
    fig.update_layout(
        boxmode="group",
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="Concurrency (requests in flight)",
        yaxis_title="Latency (ms)",
        legend={"orientation": "h", "y": 1.08},
    )
    return fig


def throughput_figure(levels: list[dict[str, object]], height: int = 380) -> go.Figure:
    """System output throughput and p50 time to first token against concurrency."""
    concurrency = [str(level["concurrency"]) for level in levels]
    throughput = [level["system_output_tokens_per_s"] for level in levels]
    ttft = [level["ttft_ms"]["p50"] if isinstance(level["ttft_ms"], dict) else None for level in levels]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=concurrency, y=throughput, name="Output tokens/s, all requests", marker_color="#76b900"))
    fig.add_trace(
        go.Scatter(
            x=concurrency,
            y=ttft,
            name="Time to first token p50 (ms)",
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#1f6feb"},
        )
    )
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="Concurrency (requests in flight)",
        yaxis={"title": "Output tokens/s (all requests)"},
        yaxis2={"title": "TTFT p50 (ms)", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        legend={"orientation": "h", "y": 1.15},
    )
    return fig


def quality_cost_figure(runs: pd.DataFrame, height: int = 380) -> go.Figure:
    """Own-eval quality (with its 95% interval) against cost per 1,000 items, one point per run."""
    fig = go.Figure()
    if not runs.empty:
        fig.add_trace(
            go.Scatter(
                x=runs["cost_per_1000_items_usd"],
                y=runs["pass_rate"] * 100,
                mode="markers+text",
                text=runs["label"],
                textposition="top center",
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (runs["ci_high"] - runs["pass_rate"]) * 100,
                    "arrayminus": (runs["pass_rate"] - runs["ci_low"]) * 100,
                },
                marker={"size": 11, "color": "#1f6feb"},
                hovertemplate="%{text}<br>$%{x:.4g} per 1,000 items<br>pass rate %{y:.1f}%<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="Cost per 1,000 items (USD)",
        yaxis_title="Pass rate (%), 95% Wilson interval",
    )
    return fig
