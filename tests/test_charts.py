"""Figure builders, tested as Plotly objects (AppTest cannot look inside charts)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pricing.metrics import COST_METRICS, PERFORMANCE_METRICS, Metric
from pricing.report.charts import frontier_figure

ELO = Metric("arena_elo", "Arena Elo", "Elo", True, "quality")


def candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "display_name": ["Small", "Big", "Meh"], "provider": ["openai", "self-hosted 1x H100 SXM", "x"],
            "model_key": ["s", "b", "m"], "sheet_name": "sheet", "price_date": dt.date(2026, 11, 1),
            "quality_source": "LMArena", "quality_date": dt.date(2025, 8, 4), "self_reported": False,
            "price_stale": [False, False, True], "cost_usd": [0.1, 1.0, 2.0], "quality": [1200, 1400, 1300],
            "on_frontier": [True, True, False], "deployment": ["API", "self-hosted", "API"],
            "measured_by": "llm-stats", "measured_date": dt.date(2025, 7, 1),
            "output_tokens_per_s": [100.0, 50.0, 10.0],
        }
    )  # fmt: skip


def test_frontier_figure_has_faded_dominated_points_and_a_log_cost_axis() -> None:
    fig = frontier_figure(candidates(), ELO, COST_METRICS["blended_usd_per_1m"])
    names = [trace.name for trace in fig.data]
    assert names[:2] == ["Dominated", "Frontier"]
    assert "API" in names[2] and "self-hosted" in names[3] and "sized for the volume" in names[3]
    assert fig.data[0].marker.opacity < 0.5
    assert list(fig.data[1].x) == [0.1, 1.0]
    assert fig.layout.xaxis.type == "log"
    assert "USD per 1M tokens" in fig.layout.xaxis.title.text
    assert "higher is better" in fig.layout.yaxis.title.text


def test_hover_names_sources_dates_and_staleness() -> None:
    fig = frontier_figure(candidates(), ELO, COST_METRICS["blended_usd_per_1m"])
    dominated = fig.data[0]
    assert "Price sheet" in dominated.hovertemplate and "Score source" in dominated.hovertemplate
    assert list(dominated.customdata[0][:6]) == ["Meh", "x", "sheet", "2026-11-01", "LMArena", "2025-08-04"]
    assert "possibly stale" in dominated.customdata[0][7]


def test_speed_axis_is_linear_with_its_unit() -> None:
    speed = PERFORMANCE_METRICS["output_tokens_per_s"]
    fig = frontier_figure(candidates(), ELO, speed, log_cost=False, x_column="output_tokens_per_s")
    assert fig.layout.xaxis.type is None or fig.layout.xaxis.type == "-"
    assert "tokens/s" in fig.layout.xaxis.title.text
    assert fig.data[1].line.shape == "vh"
    assert "Measured by" in fig.data[0].hovertemplate
