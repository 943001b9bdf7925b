"""Plotly figure builders shared by the pages and the PDF report. Pure: DataFrames in, figures out, so tests
can inspect them as objects.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pricing.exports import fmt_number
from pricing.metrics import Metric

FRONTIER_COLOURS = {"API": "#1f6feb", "self-hosted": "#76b900"}
DOMINATED_COLOUR = "#9aa4b2"
FRONTIER_LEGEND = {
    "API": "On frontier: API list price",
    "self-hosted": "On frontier: self-hosted (rented GPUs, sized for the volume set)",
}


def _date_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "undated"
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def _is_yes(value: object) -> bool:
    """A true boolean cell (Python or NumPy); None, NaN and anything else count as no."""
    return isinstance(value, bool | np.bool_) and bool(value)


def _offer_text(row: pd.Series) -> str:
    """Who sells a plotted offer: 'via oci (reseller)', 'openai (maker's list price)', or the provider."""
    label = row.get("offer_label")
    return label if isinstance(label, str) and label else str(row["provider"])


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _extra_lines(row: pd.Series) -> str:
    """A self-hosted point's best case and measurement, or the base a reasoning variant is priced as."""
    lines = []
    priced_as = _text(row.get("priced_as"))
    if priced_as:
        lines.append(f"Priced as {priced_as} (a higher effort spends more output tokens per task)")
    best = row.get("cost_usd_best_case")
    if isinstance(best, float | int) and not math.isnan(best):
        lines.append(f"Best case (busy at the target every hour): ${fmt_number(best, 4)}")
    if _text(row.get("measurement")):
        lines.append(f"Throughput: {row['measurement']}")
    if _text(row.get("cost_assumptions")):
        lines.append(_text(row.get("cost_assumptions")))
    return "".join(f"<br>{line}" for line in lines)


def _hover_data(frame: pd.DataFrame, x_column: str, x_metric: Metric) -> tuple[list[list[str]], str]:
    """Hover text: model, offer (who sells it: the maker or a reseller), the x value with its unit, source and
    date, any price flag, and the score's source and date."""
    is_cost = x_column == "cost_usd"
    custom = [
        [
            str(row["display_name"]),
            _offer_text(row) if is_cost else str(row["provider"]),
            str(row["sheet_name"] if is_cost else row["measured_by"]),
            _date_text(row["price_date"] if is_cost else row["measured_date"]),
            str(row["quality_source"]),
            _date_text(row["quality_date"]),
            "self-reported" if bool(row["self_reported"]) else "independent",
            " (possibly stale)" if is_cost and bool(row.get("price_stale", False)) else "",
            str(row["model_key"]),
            f"<br>Price flagged: {row['price_flag_reason']}" if is_cost and _is_yes(row.get("price_flagged")) else "",
            _extra_lines(row) if is_cost else "",
        ]
        for _, row in frame.iterrows()
    ]
    if is_cost:
        x_line = f"Cost: $%{{x:.4g}} {x_metric.unit.replace('USD ', '')}<br>Price sheet: %{{customdata[2]}}, "
    else:
        x_line = f"{x_metric.name}: %{{x:,.0f}} {x_metric.unit}<br>Measured by: %{{customdata[2]}}, "
    template = (
        "<b>%{customdata[0]}</b><br>"
        "%{customdata[1]} · <i>%{customdata[8]}</i><br>"
        + x_line
        + "%{customdata[3]}%{customdata[7]}%{customdata[9]}%{customdata[10]}<br>"
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


def log_dtick(values: pd.Series) -> int | str:
    """Ticks for a log axis over these values: one per decade over three decades or more, else at 1, 2 and 5 of each
    decade ("D2"), and every digit within one decade ("D1"), so a narrow range still has several labelled ticks."""
    positive = pd.to_numeric(values, errors="coerce")
    positive = positive[positive > 0]
    if positive.empty:
        return 1
    decades = math.log10(float(positive.max()) / float(positive.min()))
    return 1 if decades >= 3 else "D2" if decades >= 1 else "D1"


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
        fig.update_xaxes(type="log", dtick=log_dtick(candidates[x_column]))
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
        # Its own round ticks, not the left axis's gridlines carried over (1.36, 2.72, ... ms).
        yaxis2={
            "title": "TTFT p50 (ms)",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "tickmode": "auto",
            "showgrid": False,
        },
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


PALETTE = ("#1f6feb", "#76b900", "#d97706", "#9333ea", "#0891b2", "#dc2626", "#4b5563")


def spend_figure(
    monthly_usd: pd.DataFrame, bands: dict[str, pd.DataFrame] | None = None, title: str = "", height: int = 420
) -> go.Figure:
    """Monthly spend per option (deterministic line) with its P10-P90 Monte Carlo band where given."""
    fig = go.Figure()
    for index, option in enumerate(monthly_usd.columns):
        colour = PALETTE[index % len(PALETTE)]
        band = (bands or {}).get(option)
        if band is not None and not band.empty:
            fig.add_trace(
                go.Scatter(
                    x=list(band.index) + list(band.index[::-1]),
                    y=list(band["p90"]) + list(band["p10"][::-1]),
                    fill="toself",
                    fillcolor=colour,
                    opacity=0.15,
                    line={"width": 0},
                    hoverinfo="skip",
                    name=f"{option}: P10-P90",
                    showlegend=False,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=monthly_usd.index,
                y=monthly_usd[option],
                name=option,
                mode="lines",
                line={"color": colour},
                hovertemplate=f"{option}<br>month %{{x}}: $%{{y:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        xaxis_title="Month from now",
        yaxis_title="Spend (USD per month)",
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_yaxes(tickprefix="$", tickformat="~s")
    fig.update_xaxes(range=[1, max(len(monthly_usd.index), 2)])
    return fig


TOKEN_SCALES = ((1e9, "billions"), (1e6, "millions"), (1e3, "thousands"), (1.0, ""))


def token_scale(biggest: float) -> tuple[float, str]:
    """The divisor and its word for an axis of token counts: billions, millions, thousands or plain."""
    for divisor, word in TOKEN_SCALES:
        if abs(biggest) >= divisor:
            return divisor, word
    return 1.0, ""


def usage_figure(usage: pd.DataFrame, height: int = 260) -> go.Figure:
    """Tokens per month of a usage history (rows: months, columns: output and input tokens), as grouped bars on an
    axis in millions (or billions, thousands) so every tick is readable."""
    biggest = float(usage.abs().max().max()) if not usage.empty else 0.0
    divisor, word = token_scale(biggest)
    fig = go.Figure()
    for index, column in enumerate(usage.columns):
        fig.add_trace(
            go.Bar(
                x=[str(month) for month in usage.index],
                y=usage[column] / divisor,
                name=str(column).capitalize(),
                marker_color=PALETTE[index % len(PALETTE)],
                customdata=usage[column],
                hovertemplate=f"{column}<br>%{{x}}: %{{customdata:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        template="plotly_white",
        barmode="group",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_title="Month",
        yaxis_title=f"Tokens a month ({word})" if word else "Tokens a month",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=",~f", rangemode="tozero", nticks=6)
    return fig


def unit_cost_figure(usd_per_1m_tokens: pd.DataFrame, height: int = 300) -> go.Figure:
    """Each option's spend per 1M tokens (input + output) in each month of the horizon; the axis runs over the
    horizon's months exactly."""
    months = len(usd_per_1m_tokens.index)
    fig = go.Figure()
    for index, option in enumerate(usd_per_1m_tokens.columns):
        fig.add_trace(
            go.Scatter(
                x=list(range(1, months + 1)),
                y=usd_per_1m_tokens[option],
                name=str(option),
                mode="lines",
                line={"color": PALETTE[index % len(PALETTE)]},
                hovertemplate=f"{option}<br>month %{{x}}: $%{{y:,.4~f}} per 1M tokens<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_title="Month from now",
        yaxis_title="USD per 1M tokens",
        legend={"orientation": "h", "y": -0.3},
    )
    fig.update_xaxes(range=[1, max(months, 2)])
    fig.update_yaxes(tickprefix="$", tickformat=",.2~f", rangemode="tozero")
    return fig


def _role(option: str) -> str:
    """A self-hosted option by its role ('self-hosted'; the legend names it in full), any other by its name."""
    return "self-hosted" if option.startswith("self-host ") else option


def cumulative_figure(
    cumulative_usd: pd.DataFrame, break_even: dict[str, dict[str, int | None]], height: int = 420
) -> go.Figure:
    """Cumulative spend per option, with break-even months marked."""
    fig = go.Figure()
    for index, option in enumerate(cumulative_usd.columns):
        fig.add_trace(
            go.Scatter(
                x=cumulative_usd.index,
                y=cumulative_usd[option],
                name=option,
                mode="lines",
                line={"color": PALETTE[index % len(PALETTE)]},
                hovertemplate=f"{option}<br>by month %{{x}}: $%{{y:,.0f}}<extra></extra>",
            )
        )
    months = len(cumulative_usd.index)
    for own, against in break_even.items():
        for api, month in against.items():
            if month:
                fig.add_vline(
                    x=month,
                    line_dash="dot",
                    line_color="#6b7280",
                    annotation_text=f"{_role(own)} beats {api}",
                    # Early in the horizon the words go right of the line, late ones left: never off the chart.
                    annotation_position="top right" if month <= months / 2 else "top left",
                )
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="Month from now",
        yaxis_title="Cumulative spend (USD)",
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_yaxes(tickprefix="$", tickformat="~s")
    fig.update_xaxes(range=[1, max(len(cumulative_usd.index), 2)])
    return fig


def tornado_figure(frame: pd.DataFrame, title: str, horizon_months: int = 36, height: int = 380) -> go.Figure:
    """Sensitivity of a TCO to each input: bars from the low-input to the high-input outcome, each input named in
    words (the frame's `label`, else its key) and its low and high values in the hover."""
    base = float(frame.attrs.get("tco_base", 0.0))
    ordered = frame.sort_values("swing")
    names = ordered["label"] if "label" in ordered else ordered["input"]
    fig = go.Figure()
    for end, name, colour in (
        ("low", "input at its low value", "#1f6feb"),
        ("high", "input at its high value", "#d97706"),
    ):
        values = ordered[f"{end}_text"] if f"{end}_text" in ordered else ordered[f"{end}_value"].map(str)
        fig.add_trace(
            go.Bar(
                y=names,
                x=ordered[f"tco_{end}"] - base,
                base=base,
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=np.column_stack([values, ordered[f"tco_{end}"]]),
                hovertemplate=f"%{{y}} at {end} (%{{customdata[0]}}): $%{{customdata[1]:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        barmode="overlay",
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        xaxis_title=f"{horizon_months}-month cost (USD)",
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_xaxes(tickformat="$,~s")  # d3's currency symbol: a difference below zero reads -$600k, not $-600k
    fig.update_yaxes(automargin=True)
    return fig


def _floor_text(floors: list[float]) -> str:
    shown = ", ".join(fmt_number(f, 4) for f in floors[:6])
    return shown + (f" and {len(floors) - 6} more" if len(floors) > 6 else "")


def portfolio_floor_figure(
    curve: pd.DataFrame,
    workload: str,
    metric_label: str,
    months: int,
    current_floor: float | None = None,
    height: int = 420,
) -> go.Figure:
    """The cheapest portfolio's cost over the horizon as one workload's floor moves; infeasible floors are gaps.

    Steps go up at each computed floor: a floor between two points costs what the next point up costs (exact when
    the floors are the candidates' scores, as the Portfolio page computes them).
    """
    ordered = curve.sort_values("floor")
    feasible = ordered["feasible"].astype(bool)
    totals = ordered["total_usd"].astype(float).where(feasible)  # NaN breaks the line: a gap, never a zero
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=ordered["floor"],
            y=totals,
            mode="lines+markers",
            connectgaps=False,
            name=f"Cheapest portfolio over {months} months",
            line={"color": PALETTE[0], "shape": "vh"},
            marker={"size": 7},
            hovertemplate="floor %{x:,.4g}<br>$%{y:,.0f}<extra></extra>",
        )
    )
    infeasible = ordered.loc[~feasible, "floor"].astype(float).tolist()
    if infeasible:
        fig.add_annotation(
            text=f"Gaps: no portfolio meets {'floor' if len(infeasible) == 1 else 'floors'} {_floor_text(infeasible)}",
            xref="paper",
            yref="paper",
            x=0,
            y=1.0,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font={"size": 12, "color": "#b91c1c"},
        )
    if current_floor is not None:
        fig.add_vline(
            x=current_floor,
            line_dash="dot",
            line_color="#6b7280",
            annotation_text=f"today's floor {fmt_number(current_floor, 4)}",
            annotation_position="top right",
        )
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title=f"Quality floor for {workload}: {metric_label}",
        yaxis_title=f"Portfolio cost over {months} months (USD)",
        showlegend=False,
    )
    fig.update_yaxes(tickprefix="$", tickformat="~s")
    return fig


def portfolio_spend_figure(
    spend_by_month: Sequence[float],
    title: str = "",
    height: int = 380,
    first_month: str | None = None,
    by_option: pd.DataFrame | None = None,
) -> go.Figure:
    """The portfolio's spend in each month of the horizon (USD per month), stacked by option when `by_option`
    (rows = months, columns = options) is given; calendar months from `first_month` ("YYYY-MM") when given, else
    months from now."""
    months: list[int] | list[str] = list(range(1, len(spend_by_month) + 1))
    if first_month is not None:
        months = [str(p) for p in pd.period_range(first_month, periods=len(spend_by_month), freq="M")]
    parts = (
        {str(name): by_option[name].tolist() for name in by_option.columns}
        if by_option is not None and not by_option.empty
        else {"Portfolio spend": list(spend_by_month)}
    )
    fig = go.Figure()
    for k, (name, values) in enumerate(parts.items()):
        fig.add_trace(
            go.Bar(
                x=months,
                y=values,
                name=name,
                marker_color=PALETTE[k % len(PALETTE)],
                hovertemplate=f"{name}<br>month %{{x}}: $%{{y:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        height=height,
        template="plotly_white",
        barmode="stack",
        margin={"l": 10, "r": 10, "t": 40 if title else 20, "b": 10},
        xaxis_title="Month" if first_month is not None else "Month from now",
        yaxis_title="Spend (USD per month)",
        showlegend=len(parts) > 1,
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_yaxes(tickprefix="$", tickformat="~s", rangemode="tozero")
    return fig
