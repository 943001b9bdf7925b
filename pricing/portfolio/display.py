"""How a portfolio is asked for and shown on the Portfolio page: the floors table people edit (built from the usage
and a floors file) and the floors read back from it, the self-hosted choices offered, the growth a history
suggests, the headline figures, the assignment with quality and latency in words, and the fleet.

Pure: values in, text and frames out. No store and no Streamlit; the use cases are in `pricing.portfolio.service`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pricing.metrics import Metric, metric_order
from pricing.portfolio.evidence import MeasuredCascade
from pricing.portfolio.optimiser import PortfolioResult
from pricing.portfolio.service import FLOOR_COLUMNS, FloorSpec, PortfolioPlan

# The self-hosted options a person can add: an open model on a GPU at a precision, by the name the page shows.
SELF_HOST_CHOICES = {
    "llama-3.1-8b-instruct@H100 SXM": ("llama-3.1-8b-instruct", "H100 SXM", "FP8"),
    "llama-3.3-70b-instruct@H100 SXM": ("llama-3.3-70b-instruct", "H100 SXM", "FP8"),
    "llama-3.3-70b-instruct@H200": ("llama-3.3-70b-instruct", "H200", "FP8"),
}
GROWTH_PCT_RANGE = (-50.0, 200.0)  # the monthly growth a person can set, in percent


def metric_choices(metrics: Mapping[str, Metric]) -> dict[str, str]:
    """Metric label -> id, in the order a picker lists them (the default metric first)."""
    return {metrics[m].label: m for m in metric_order(metrics)}


def floors_table(
    workloads: Sequence[str],
    metrics: Mapping[str, Metric],
    given: Mapping[str, FloorSpec] | None = None,
    today: str | None = None,
    today_score: float | None = None,
) -> pd.DataFrame:
    """The floors table to edit: one row per workload, latency on time to first token; with today's model, each row
    starts served by it with its score (on the default metric) as the floor, for the user to edit; a floors file's
    rows fill the workloads it names (its metric shown by label)."""
    table = pd.DataFrame(
        {
            "workload": list(workloads),
            "metric": [None] * len(workloads),
            "quality_floor": [today_score] * len(workloads),
            "latency_objective_ms": [None] * len(workloads),
            "latency_metric": ["ttft"] * len(workloads),
            "current": [today] * len(workloads),
        }
    )
    for i, name in enumerate(workloads):
        spec = (given or {}).get(name)
        if spec is not None:
            label = metrics[spec.metric].label if spec.metric is not None and spec.metric in metrics else spec.metric
            table.loc[i, list(FLOOR_COLUMNS[1:])] = [
                label, spec.quality_floor, spec.latency_objective_ms, spec.latency_metric, spec.current
            ]  # fmt: skip
    return table


def unknown_workloads(given: Mapping[str, FloorSpec], workloads: Sequence[str], file_name: str) -> str | None:
    """Why a floors file cannot be used for this usage when it names workloads the usage does not have; else None."""
    unknown = sorted(set(given) - set(workloads))
    if not unknown:
        return None
    return (
        f"{file_name}: workloads not in this usage: {', '.join(unknown)} "
        f"(usage: {', '.join(workloads)}). Fix the names or pick the usage they belong to."
    )


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value).strip()


def floors_from_table(table: pd.DataFrame, metric_of_label: Mapping[str, str]) -> dict[str, FloorSpec]:
    """The floors a table as edited says, per workload: an empty cell is no floor, no objective, the default metric
    or no current option; a metric is named by its label (an id or unknown label is kept as given); latency is on
    end-to-end time when it says "e2e", else on time to first token."""
    return {
        str(row.workload): FloorSpec(
            _number(row.quality_floor),
            _number(row.latency_objective_ms),
            None if _text(row.metric) is None else metric_of_label.get(str(row.metric), str(row.metric)),
            "e2e" if row.latency_metric == "e2e" else "ttft",
            _text(row.current),
        )
        for row in table.itertuples()
    }


def self_host_specs(choices: Sequence[str], mode: str) -> list[tuple[str, str, str, str]]:
    """The chosen self-hosted options as the request takes them: (model, GPU, precision, how GPUs are paid)."""
    return [(*SELF_HOST_CHOICES[c], mode) for c in choices]


def growth_default_pct(monthly_growth: float) -> float:
    """The monthly growth a person starts from, in percent: the history's, within what can be set, to 0.1."""
    low, high = GROWTH_PCT_RANGE
    return round(min(max(monthly_growth * 100, low), high), 1)


def growth_help(monthly_growth: float, span: str) -> str:
    """Where the monthly growth starts from."""
    return f"Starts at your history's average: {monthly_growth:+.1%} a month over {span}. 0 holds volumes flat."


def history_text(monthly_growth: float, span: str) -> str:
    """The usage history's span and growth, and where the horizon starts."""
    return (
        f"Usage history: {span}; all workloads together grew {monthly_growth:+.1%} a month on average. The "
        "horizon starts from each workload's latest month."
    )


def run_labels(pairs: pd.DataFrame) -> dict[str, str]:
    """Probe runs that can pair into a cascade, by id, as a picker names them."""
    return {
        r.run_id: f"{r.suite}: {r.model} on {r.endpoint} ({str(r.started_at)[:16]}, {r.items} items)"
        for r in pairs.itertuples()
    }


def cascade_text(rate: MeasuredCascade) -> str:
    """A measured cascade in one sentence: escalated share, scores against each model alone, items and the check."""
    return (
        f"Measured: {rate.escalation_rate:.0%} escalated (95% interval {rate.escalation_low:.0%}-"
        f"{rate.escalation_high:.0%}); cascade {rate.cascade_score:.1f}% correct against "
        f"{rate.small_score:.1f}% small alone and {rate.large_score:.1f}% large alone, on {rate.items} "
        f"items of {rate.suite} ({rate.measured_on}). {rate.check}"
    )


def first_month(monthly: pd.DataFrame) -> str:
    """The first month of the horizon (YYYY-MM): the one after the usage's latest."""
    return (pd.to_datetime(monthly["month"]).max() + pd.DateOffset(months=1)).strftime("%Y-%m")


def time_limit_text(result: PortfolioResult, time_limit_s: float) -> str:
    """Why a portfolio the solver did not prove cheapest is shown anyway, and how to solve faster."""
    return (
        f"The solver stopped at its {time_limit_s:g} s limit: this portfolio is within {result.optimality_gap:.2%} "
        "of the cheapest possible (a proven bound). Fewer options, no splitting or flat volumes solve faster."
    )


@dataclass(frozen=True)
class Figure:
    """A headline figure: label, value, and optionally a change against something (`good`: it is a saving)."""

    label: str
    value: str
    delta: str | None = None
    good: bool = True
    help: str | None = None


def headline_figures(result: PortfolioResult, months: int) -> tuple[Figure, Figure, Figure]:
    """The portfolio's cost over the horizon, the best single option's and today's assignment's (USD)."""
    total = Figure(
        f"Portfolio cost over {months} months",
        f"${result.total_usd:,.0f}",
        help=f"USD, {result.months} months from now; ${result.monthly_usd:,.0f} a month on average.",
    )
    if result.best_single_usd is not None and result.saving_vs_best_single_usd is not None:
        single = Figure(
            f"Best single option over {months} months",  # its name below: a label has no room for it
            f"${result.best_single_usd:,.0f}",
            delta=f"portfolio saves ${result.saving_vs_best_single_usd:,.0f} ({result.best_single_option})",
            help=f"Serving every workload with the one option that meets every floor and objective most cheaply: "
            f"{result.best_single_option}.",
        )
    else:
        single = Figure("Best single option", "none meets every workload")
    if result.current_usd is not None and result.saving_vs_current_usd is not None:
        saving = result.saving_vs_current_usd
        today = Figure(
            f"Today's assignment over {months} months",
            f"${result.current_usd:,.0f}",
            delta=f"portfolio saves ${saving:,.0f}" if saving >= 0 else f"portfolio costs ${-saving:,.0f} more",
            good=saving >= 0,
            help="The 'Served today by' column priced over the same horizon, growth and prices.",
        )
    else:
        today = Figure("Today's assignment", "not given", help="Fill 'Served today by' on every row to compare.")
    return total, single, today


def assignment_view(table: pd.DataFrame) -> pd.DataFrame:
    """The assignment table (`service.assignment_table`) as the page shows it: quality against the floor on the
    workload's metric, and latency against the objective, in words."""
    return table[["workload", "option", "share", "usd_per_month", "output_tokens_month_1"]].assign(
        quality=[
            "no score" if pd.isna(q) else f"{q:,.4g}" + ("" if pd.isna(f) else f" (floor {f:,.4g})") + f" {m}"
            for q, f, m in zip(table["quality"], table["floor"], table["metric"], strict=True)
        ],
        latency=[
            lat if obj == "none" else f"{lat} ({obj.replace('<= ', 'objective ')})"
            for lat, obj in zip(table["latency"], table["objective"], strict=True)
        ],
    )


def fleet_view(fleet: pd.DataFrame) -> pd.DataFrame:
    """The fleet with loads, capacities and spend in whole units."""
    return fleet.round({"load_tokens_per_s": 0, "capacity_tokens_per_s": 0, "monthly_usd": 0})


def floor_of(plan: PortfolioPlan, workload: str) -> float | None:
    """A workload's quality floor in the plan (None: no floor, or no such workload)."""
    return next((w.quality_floor for w in plan.workloads if w.name == workload), None)


SET_FLOORS_TEXT = (
    "Set a quality floor per workload before Frontier recommends anything: the cheapest portfolio without one is "
    "simply the cheapest model for everything. Pick the model serving your workloads today above to start from "
    "its score (then edit each row), type the floors in the table, or load a floors file."
)


def has_floor(floors: Mapping[str, FloorSpec]) -> bool:
    """Whether any workload has a quality floor (the portfolio recommends nothing until one does)."""
    return any(spec.quality_floor is not None for spec in floors.values())


def today_choices(priced_model_ids: Sequence[str], scores: Mapping[str, float]) -> list[str]:
    """Models today's workloads may run on, for the picker: priced on the sheet and scored on the metric, sorted."""
    return sorted({m for m in priced_model_ids if isinstance(m, str) and m in scores})
