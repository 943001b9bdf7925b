"""The Shrink page's figures: cumulative cost of the baseline and each path over the months (payback where a path's
line crosses below the baseline's) and a tornado of the payback month; the explorer's relative view and its table.
Pure: results in, Plotly figures and DataFrames out."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from pricing.shrink.relative import COST_GUIDE_MULTIPLE, QUALITY_GUIDE_PCT, RelativeView

if TYPE_CHECKING:  # the engine brings the projection and scipy; the explorer's relative view needs neither
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
    paying: dict[int, list[str]] = {}  # paths that pay back in the same month share one line and one label
    for outcome in result.outcomes:
        if outcome.payback_month is not None:
            paying.setdefault(int(outcome.payback_month), []).append(outcome.kind)
    for month, kinds in sorted(paying.items()):
        figure.add_vline(
            x=month,
            line_dash="dot",
            annotation_text=f"{' and '.join(kinds)} {'pays' if len(kinds) == 1 else 'pay'} back, month {month}",
            annotation_position="top right",  # to the right of the line: month 1 is at the chart's left edge
        )
    figure.update_layout(
        xaxis_title="Month",
        xaxis_range=[months.min(), months.max()],  # the horizon, no padding before month 1 or after the last
        yaxis_title="Cumulative cost (USD)",
        yaxis_tickformat="$,.3s",
        legend={"orientation": "h", "yanchor": "top", "y": -0.2},
        margin={"t": 30},
    )
    return figure


def payback_unmoved(frame: pd.DataFrame) -> bool:
    """Whether no assumption's low or high value moves the payback month from the plan's (a tornado of nothing)."""
    base = frame.attrs.get("payback_base", math.inf)
    values = pd.concat([frame["payback_low"], frame["payback_high"]])
    return bool(values.eq(base).all())


def tornado_figure(frame: pd.DataFrame, path_name: str) -> go.Figure:
    """Payback month at each assumption's low and high value, widest swing on top, each bar drawn from the plan's
    payback month to the month that value gives; beyond the horizon is capped."""
    horizon = int(frame.attrs.get("horizon_months", 36))
    base = frame.attrs.get("payback_base", math.inf)
    capped = frame.replace(math.inf, horizon + 1)
    order = capped.iloc[::-1]
    base_x = horizon + 1 if not math.isfinite(base) else base
    figure = go.Figure()
    for column, label in (("payback_low", "low value"), ("payback_high", "high value")):
        figure.add_trace(
            go.Bar(
                y=order["input"],
                x=order[column] - base_x,
                base=base_x,
                customdata=order[column],
                name=label,
                orientation="h",
                hovertemplate="%{y}: payback month %{customdata}<extra>" + label + "</extra>",
            )
        )
    figure.add_vline(x=base_x, line_dash="dash", annotation_text="as planned")
    figure.update_layout(
        barmode="group",
        title=f"What moves the payback month of {path_name}",
        xaxis_title=f"Payback month ({horizon + 1} = not within {horizon} months)",
        margin={"t": 50},
    )
    return figure


def relative_figure(view: RelativeView, height: int = 560) -> go.Figure:
    """The relative view: % of the baseline's quality against cost as a multiple of its cost (log), the baseline at
    (1x, 100%), guides at 80% and 10x cheaper, frontier points with their 95% intervals where known."""
    frame = view.candidates
    figure = go.Figure()

    def hover(group: pd.DataFrame) -> list[list[str]]:
        return [
            [
                str(row["display_name"]),
                str(row.get("offer_label") or row["provider"]),
                f"${row['cost_usd']:.4g} {view.cost_metric.unit.replace('USD ', '')}",
                f"{row['quality']:.4g} {view.metric.unit}",
                f"{row['quality_source']}, {str(row['quality_date'])[:10]}",
                str(row["sentence"]),
            ]
            for _, row in group.iterrows()
        ]

    template = (
        "<b>%{customdata[0]}</b> · %{customdata[1]}<br>%{customdata[5]}<br>"
        "Cost: %{customdata[2]} (%{x:.3g}x the baseline's)<br>"
        "Quality: %{customdata[3]} (%{y:.1f}% of the baseline's)<br>Score source: %{customdata[4]}<extra></extra>"
    )
    dominated = frame[~frame["on_frontier"].astype(bool) & ~frame["is_baseline"]]
    if not dominated.empty:
        figure.add_trace(
            go.Scatter(
                x=dominated["cost_multiple"],
                y=dominated["quality_pct"],
                mode="markers",
                name="Dominated",
                marker={"color": "#9aa4b2", "size": 7, "opacity": 0.35},
                customdata=hover(dominated),
                hovertemplate=template,
            )
        )
    on = view.frontier
    if not on.empty:
        has_interval = on["quality_pct_low"].notna() & on["quality_pct_high"].notna()
        error_y = None
        if has_interval.any():
            error_y = {
                "type": "data",
                "symmetric": False,
                "array": (on["quality_pct_high"] - on["quality_pct"]).where(has_interval, 0.0),
                "arrayminus": (on["quality_pct"] - on["quality_pct_low"]).where(has_interval, 0.0),
                "color": "#1f6feb",
            }
        figure.add_trace(
            go.Scatter(
                x=on["cost_multiple"],
                y=on["quality_pct"],
                mode="lines+markers+text",
                name="Frontier",
                text=on["display_name"],
                textposition="bottom right",
                cliponaxis=False,
                line={"color": "#111827", "width": 1.5, "shape": "hv"},
                marker={"color": "#1f6feb", "size": 10},
                error_y=error_y,
                customdata=hover(on),
                hovertemplate=template,
            )
        )
    base = frame[frame["is_baseline"]]
    figure.add_trace(
        go.Scatter(
            x=base["cost_multiple"],
            y=base["quality_pct"],
            mode="markers+text",
            name=f"Baseline: {view.baseline.display_name}",
            text=[f"Baseline: {view.baseline.display_name}"],
            textposition="top left",
            marker={"color": "#d97706", "size": 16, "symbol": "star"},
            customdata=hover(base),
            hovertemplate=template,
        )
    )
    figure.add_hline(
        y=QUALITY_GUIDE_PCT, line_dash="dot", annotation_text=f"{QUALITY_GUIDE_PCT:.0f}% of the baseline's score"
    )
    figure.add_vline(
        x=COST_GUIDE_MULTIPLE,
        line_dash="dot",
        annotation_text=f"{1 / COST_GUIDE_MULTIPLE:.0f}x cheaper",
        annotation_position="top left",
    )
    direction = "" if view.metric.higher_is_better else " (lower is better: the baseline's score over each offer's)"
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        xaxis_title=f"Cost as a multiple of the baseline's ({view.cost_metric.name}), log scale",
        yaxis_title=f"% of the baseline's {view.metric.name}{direction}",
        template="plotly_white",
    )
    figure.update_xaxes(type="log", ticksuffix="x", tickformat="~g")
    figure.update_yaxes(ticksuffix="%")
    return figure


RELATIVE_COLUMNS = {  # column -> header of the relative view's table
    "display_name": "Model",
    "offer_label": "Offer",
    "sentence": "Against the baseline",
    "quality_pct": "% of the baseline's score",
    "quality_pct_low": "95% interval, low (%)",
    "quality_pct_high": "95% interval, high (%)",
    "cost_multiple": "Cost (x the baseline's)",
    "quality": "Score",
    "quality_source": "Score source",
    "quality_date": "Score date",
    "cost_usd": "Cost (USD)",
    "price_date": "Price date",
}


def relative_table(view: RelativeView) -> pd.DataFrame:
    """The baseline, then each frontier point, cheapest first, with its sentence, shares and sources."""
    rows = pd.concat([view.candidates[view.candidates["is_baseline"]], view.frontier[~view.frontier["is_baseline"]]])
    table = rows[list(RELATIVE_COLUMNS)].copy()
    for column in ("quality_date", "price_date"):
        table[column] = [
            str(value)[:10] if value is not None and not pd.isna(value) else "undated" for value in table[column]
        ]
    intervals = ["quality_pct_low", "quality_pct_high"]
    table[intervals] = table[intervals].apply(pd.to_numeric, errors="coerce")
    if table[intervals].isna().all().all():  # public scores carry no interval: no empty columns
        table = table.drop(columns=intervals)
    return table.rename(
        columns=RELATIVE_COLUMNS
        | {
            "quality": f"Score ({view.metric.unit})",
            "cost_usd": f"Cost ({view.cost_metric.unit})",
        }
    ).reset_index(drop=True)
