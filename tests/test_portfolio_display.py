"""What the Portfolio page asks and shows, as pure functions: the floors table and the floors read back from it, the
headline figures, the assignment and fleet as shown, and the growth a history suggests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pricing.metrics import DEFAULT_METRIC, Metric
from pricing.portfolio import display
from pricing.portfolio import service as ps
from pricing.portfolio.evidence import MeasuredCascade
from pricing.portfolio.optimiser import PortfolioResult, Workload

ELO = Metric(metric_id=DEFAULT_METRIC, name="LMArena Elo", unit="Elo", higher_is_better=True, kind="quality")
OWN = Metric(metric_id="own:faq", name="Own eval: faq", unit="%", higher_is_better=True, kind="quality")
METRICS = {OWN.metric_id: OWN, ELO.metric_id: ELO}


def result(**changes: object) -> PortfolioResult:
    values: dict[str, object] = {
        "assignments": pd.DataFrame(),
        "fleet": pd.DataFrame(),
        "total_usd": 36_000.0,
        "months": 36,
        "best_single_option": "big-api",
        "best_single_usd": 48_000.0,
    }
    return PortfolioResult(**{**values, **changes})  # type: ignore[arg-type]


def test_metric_choices_are_labels_in_picker_order() -> None:
    assert display.metric_choices(METRICS) == {ELO.label: DEFAULT_METRIC, OWN.label: "own:faq"}


def test_floors_table_has_a_row_per_workload_filled_from_a_floors_file() -> None:
    given = {"chat": ps.FloorSpec(1300.0, 800.0, "own:faq", "e2e", "gpt-4.1"), "batch": ps.FloorSpec(None, None, "x")}
    table = display.floors_table(["batch", "chat", "search"], METRICS, given)
    assert list(table.columns) == list(ps.FLOOR_COLUMNS)
    assert list(table["workload"]) == ["batch", "chat", "search"]
    assert table.loc[1].tolist() == ["chat", OWN.label, 1300.0, 800.0, "e2e", "gpt-4.1"]
    assert table.loc[0, "metric"] == "x"  # a metric the store does not know is shown as given
    assert table.loc[2].tolist() == ["search", None, None, None, "ttft", None]
    assert display.floors_table([], METRICS).empty


def test_floors_read_back_from_the_table_as_edited() -> None:
    table = pd.DataFrame(
        {
            "workload": ["chat", "batch", "search"],
            "metric": [OWN.label, "  ", None],
            "quality_floor": [75.0, np.nan, None],
            "latency_objective_ms": [None, 2000.0, np.nan],
            "latency_metric": ["e2e", "ttft", None],
            "current": [" gpt-4.1 ", "", None],
        }
    )
    floors = display.floors_from_table(table, display.metric_choices(METRICS))
    assert floors == {
        "chat": ps.FloorSpec(75.0, None, "own:faq", "e2e", "gpt-4.1"),
        "batch": ps.FloorSpec(None, 2000.0, None, "ttft", None),
        "search": ps.FloorSpec(None, None, None, "ttft", None),
    }


def test_floors_in_the_table_round_trip() -> None:
    given = {"chat": ps.FloorSpec(1300.0, 800.0, DEFAULT_METRIC, "e2e", "gpt-4.1")}
    table = display.floors_table(["chat"], METRICS, given)
    assert display.floors_from_table(table, display.metric_choices(METRICS)) == given


def test_a_floors_file_for_other_workloads_is_explained() -> None:
    given = {"chat": ps.FloorSpec(1.0, None), "tpyo": ps.FloorSpec(2.0, None), "zzz": ps.FloorSpec(None, 5.0)}
    assert display.unknown_workloads(given, ["chat", "search"], "floors.csv") == (
        "floors.csv: workloads not in this usage: tpyo, zzz (usage: chat, search). Fix the names or pick the usage "
        "they belong to."
    )
    assert display.unknown_workloads({"chat": ps.FloorSpec(1.0, None)}, ["chat"], "floors.csv") is None
    assert display.unknown_workloads({}, ["chat"], "floors.csv") is None


def test_self_host_specs_add_how_gpus_are_paid() -> None:
    choices = list(display.SELF_HOST_CHOICES)[:2]
    assert display.self_host_specs(choices, "on-demand") == [
        ("llama-3.1-8b-instruct", "H100 SXM", "FP8", "on-demand"),
        ("llama-3.3-70b-instruct", "H100 SXM", "FP8", "on-demand"),
    ]
    assert display.self_host_specs([], "reserved") == []


@pytest.mark.parametrize(
    ("monthly_growth", "pct"), [(0.0, 0.0), (0.0349, 3.5), (-0.9, -50.0), (2.5, 200.0), (-0.00049, -0.0)]
)
def test_growth_default_is_the_history_within_what_can_be_set(monthly_growth: float, pct: float) -> None:
    assert display.growth_default_pct(monthly_growth) == pct


def test_growth_texts_give_rate_and_span() -> None:
    span = "2026-01 to 2026-06 (6 months)"
    assert display.growth_help(0.05, span) == (
        "Starts at your history's average: +5.0% a month over 2026-01 to 2026-06 (6 months). 0 holds volumes flat."
    )
    assert display.history_text(-0.012, span).startswith(
        "Usage history: 2026-01 to 2026-06 (6 months); all workloads together grew -1.2% a month on average."
    )


def test_run_labels_and_cascade_text() -> None:
    pairs = pd.DataFrame(
        {
            "run_id": ["r1"],
            "suite": ["faq"],
            "model": ["small"],
            "endpoint": ["local"],
            "started_at": [pd.Timestamp("2026-11-02 10:11:12")],
            "items": [40],
        }
    )
    assert display.run_labels(pairs) == {"r1": "faq: small on local (2026-11-02 10:11, 40 items)"}
    rate = MeasuredCascade(
        "faq", "r1", "r2", "small", "large", 40, 0.25, 0.14, 0.4, 70.0, 90.0, 87.5, 73.0, 95.0,
        dt.date(2026, 11, 2), "The check: exact match.",
    )  # fmt: skip
    assert display.cascade_text(rate) == (
        "Measured: 25% escalated (95% interval 14%-40%); cascade 87.5% correct against 70.0% small alone and 90.0% "
        "large alone, on 40 items of faq (2026-11-02). The check: exact match."
    )


@pytest.mark.parametrize(("months", "first"), [(["2026-01-01", "2026-03-15"], "2026-04"), (["2025-12-01"], "2026-01")])
def test_first_month_follows_the_latest(months: list[str], first: str) -> None:
    assert display.first_month(pd.DataFrame({"month": months})) == first


def test_time_limit_text_gives_the_proven_gap() -> None:
    text = display.time_limit_text(result(optimal=False, optimality_gap=0.0123), 20.0)
    assert text.startswith("The solver stopped at its 20 s limit: this portfolio is within 1.23% of the cheapest")


def test_headline_figures_with_a_best_single_option_and_today_saving() -> None:
    total, single, today = display.headline_figures(result(current_usd=50_000.0), 36)
    assert (total.label, total.value, total.delta) == ("Portfolio cost over 36 months", "$36,000", None)
    assert total.help == f"USD, 36 months from now; ${36_000 / 36:,.0f} a month on average."
    assert single.label == "Best single option over 36 months" and single.value == "$48,000"
    assert single.delta == f"portfolio saves ${48_000 - 36_000:,.0f} (big-api)" and single.good
    assert (today.value, today.delta, today.good) == ("$50,000", f"portfolio saves ${50_000 - 36_000:,.0f}", True)


def test_headline_figures_when_today_is_cheaper_or_not_given() -> None:
    _, _, dearer = display.headline_figures(result(current_usd=30_000.0), 24)
    assert dearer.label == "Today's assignment over 24 months"
    assert (dearer.delta, dearer.good) == (f"portfolio costs ${36_000 - 30_000:,.0f} more", False)
    _, single, today = display.headline_figures(result(best_single_option=None, best_single_usd=None), 24)
    assert (single.label, single.value, single.delta) == ("Best single option", "none meets every workload", None)
    assert (today.label, today.value, today.delta) == ("Today's assignment", "not given", None)


def test_assignment_view_puts_quality_and_latency_in_words() -> None:
    table = pd.DataFrame(
        {
            "workload": ["chat", "batch", "tagging"],
            "option": ["big", "small", "small"],
            "share": [1.0, 0.6, 0.4],
            "usd_per_month": [100.0, 20.0, 10.0],
            "output_tokens_month_1": [1000, 600, 400],
            "quality": [1312.345, None, 70.0],
            "floor": [1300.0, None, None],
            "metric": ["LMArena Elo (Elo)", "LMArena Elo (Elo)", "Own eval: faq (%)"],
            "latency": ["420 ms TTFT", "not measured", "1,500 ms E2E"],
            "objective": ["<= 800 ms TTFT", "none", "<= 2,000 ms E2E"],
        }
    )
    shown = display.assignment_view(table)
    assert list(shown.columns) == [
        "workload", "option", "share", "usd_per_month", "output_tokens_month_1", "quality", "latency",
    ]  # fmt: skip
    assert list(shown["quality"]) == [
        "1,312 (floor 1,300) LMArena Elo (Elo)",
        "no score",
        "70 Own eval: faq (%)",
    ]
    assert list(shown["latency"]) == [
        "420 ms TTFT (objective 800 ms TTFT)",
        "not measured",
        "1,500 ms E2E (objective 2,000 ms E2E)",
    ]


def test_fleet_view_rounds_loads_capacities_and_spend() -> None:
    fleet = pd.DataFrame(
        {"candidate": ["own"], "gpus": [3], "load_tokens_per_s": [1234.56], "capacity_tokens_per_s": [3000.4],
         "monthly_usd": [5000.5]}
    )  # fmt: skip
    shown = display.fleet_view(fleet)
    assert shown.loc[0, "load_tokens_per_s"] == 1235 and shown.loc[0, "capacity_tokens_per_s"] == 3000
    assert shown.loc[0, "monthly_usd"] == 5000 and shown.loc[0, "gpus"] == 3  # round half to even


def test_floor_of_a_workload_in_the_plan() -> None:
    plan = ps.PortfolioPlan(
        workloads=(Workload("chat", 1.0, 1.0, 1300.0), Workload("batch", 1.0, 1.0)),
        candidates=(),
        result=result(),
        metric_of={"chat": DEFAULT_METRIC, "batch": "own:faq"},
        sheet_name="sheet",
        current=None,
        notes=(),
    )
    assert display.floor_of(plan, "chat") == 1300.0
    assert display.floor_of(plan, "batch") is None and display.floor_of(plan, "missing") is None
    assert ps.metric_labels(plan.metric_of, METRICS) == {"chat": ELO.label, "batch": OWN.label}
    assert ps.metric_labels({"x": "unknown"}, METRICS) == {"x": "unknown"}
