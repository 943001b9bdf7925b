"""Portfolio use cases for the CLI (and a Portfolio page): usage and floors files in, optimiser inputs out.

Reads go through the store (prices, scores, measured latency, GPU prices, throughput); the maths is
`pricing.portfolio.optimiser`'s. No SQL, no Streamlit.

- `read_floors` validates a floors file (`workload, metric, quality_floor, latency_objective_ms, latency_metric,
  current`; only `workload` is required) at the untrusted edge: every problem names the file, the row (header =
  1) and the column.
- `workloads_from_usage` turns monthly usage into optimiser workloads: the latest month's volume, grown over the
  horizon by a constant monthly rate or by a curve fitted to each workload's own history (`Growth`), with the
  mean output tokens per request that end-to-end latency needs.
- `candidates_from_store` builds the candidates: API models priced from a sheet, self-hosted models sized by
  `pricing.planning.service.self_host_option`, and cascades of two API models (escalation set by hand or measured by
  `pricing.portfolio.evidence.measured_cascade`). Quality is one score per model on each workload's metric (chosen as
  `pricing.candidates.pick_scores` does). API latency is our own probe's p90 TTFT and median decode speed when
  the model was probed without a GPU recorded (an API endpoint), else the published time to first token and
  output speed (`store.api_performance()`, llm-stats; one typical figure, not a p90): the priced offer's provider
  when measured, else the median over the model's measured providers. Self-hosted latency is our own probe's p90
  TTFT and median decode speed for that model on that GPU (`pricing.portfolio.evidence.measured_latency`); without a
  probe it is unknown, so a workload with a latency objective never goes to it (the optimiser treats unknown
  latency as failing any objective).
- `shrunk_candidate` adds a shrunk model (quantised, distilled or fine-tuned against a baseline, costed by
  `pricing.shrink.service`): it serves the workloads its quality allows, where its quality on each workload is the
  baseline's score on that workload's metric times the share the shrunk model keeps: the measured share when two
  probe runs measured it, else the low end of the assumed range (an assumption is not let past a floor on its likely
  value). What making it costs (one-off and re-trainings) counts in the totals once it serves anything.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from pricing import service
from pricing.candidates import pick_scores
from pricing.cost import UnpricedModelError
from pricing.limits import MAX_TABLE_MIB, LimitError, read_capped
from pricing.metrics import DEFAULT_METRIC, Metric
from pricing.planning import service as planning
from pricing.planning.projection import (
    GROWTH_MODELS,
    MIN_FIT_POINTS,
    ApiOption,
    constant_growth,
    fit_growth,
    project_volumes,
)
from pricing.portfolio.evidence import MeasuredCascade, MeasuredLatency, measured_latency
from pricing.portfolio.optimiser import (
    LATENCY_METRICS,
    Candidate,
    CascadeSpec,
    PortfolioResult,
    Quality,
    Workload,
    cascade_candidate,
    floor_curve,
    optimise,
)
from pricing.sheets import SheetError, SheetProblem, read_table
from pricing.shrink import service as shrink
from pricing.sizing import OwnershipCosts
from pricing.store import Store

FLOOR_COLUMNS = ("workload", "metric", "quality_floor", "latency_objective_ms", "latency_metric", "current")
DEFAULT_SELF_HOST: tuple[tuple[str, str, str, str], ...] = (
    ("llama-3.1-8b-instruct", "H100 SXM", "FP8", "reserved"),
    ("llama-3.3-70b-instruct", "H100 SXM", "FP8", "reserved"),
)
# The portfolio takes a shrunk model's costs, not its payback bands: a small Monte Carlo keeps the solve quick.
SHRUNK_MONTE_CARLO_PATHS = 200


@dataclass(frozen=True)
class PortfolioSection:
    """An optimised portfolio with the inputs it was solved from, as the report shows it.

    `metric_labels` names, per workload, the metric its floor is judged on ("LMArena Elo (Elo)");
    `notes` are assumption lines printed as a list; `current` is the option serving each workload today;
    `floor_curve` (columns floor, total_usd, feasible) is `pricing.portfolio.optimiser.floor_curve` for
    `curve_workload`.
    """

    result: PortfolioResult
    workloads: tuple[Workload, ...]
    candidates: tuple[Candidate, ...]
    metric_labels: Mapping[str, str]
    sheet_name: str
    notes: tuple[str, ...] = ()
    current: Mapping[str, str] | None = None
    floor_curve: pd.DataFrame | None = None
    curve_workload: str | None = None

    def __post_init__(self) -> None:
        names = {w.name for w in self.workloads}
        if self.floor_curve is not None:
            if self.curve_workload not in names:
                raise ValueError(
                    f"a floor curve needs its workload: curve_workload {self.curve_workload!r} is not one of "
                    f"{', '.join(sorted(names))}"
                )
            missing = {"floor", "total_usd", "feasible"} - set(self.floor_curve.columns)
            if missing:
                raise ValueError(f"the floor curve lacks columns {', '.join(sorted(missing))}")

    @property
    def months(self) -> int:
        """Months the portfolio was optimised over."""
        return self.result.months


class FloorSpec(NamedTuple):
    """One workload's quality floor (on `metric`, None = the default metric), latency objective (ms, on
    `latency_metric`: "ttft" or "e2e") and the option serving it today (`current`, None = not given)."""

    quality_floor: float | None
    latency_objective_ms: float | None
    metric: str | None = None
    latency_metric: str = "ttft"
    current: str | None = None


FloorInput = FloorSpec | tuple[float | None, float | None]


class FloorsFileError(SheetError):
    """A floors file that cannot be used; carries every problem found (file, row, column)."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        super().__init__(problems)
        # SheetError's text speaks of a price sheet; keep its list of problems but say what this is.
        text = str(self.args[0]).replace("in the price sheet", "in the floors file", 1)
        self.args = (text.replace("nothing was saved", "nothing from it was used", 1),)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _parse_number(raw: object, file_name: str, row: int, column: str, problems: list[SheetProblem]) -> float | None:
    text = _cell(raw).replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(SheetProblem(file_name, row, column, f"'{_cell(raw)}' is not a number."))
        return None
    if math.isnan(value):
        # a NaN floor or objective compares false with every score, so it would silently mean "none"
        problems.append(
            SheetProblem(
                file_name, row, column, f"'{_cell(raw)}' is not a number; give one, or leave the cell empty for none."
            )
        )
        return None
    if not math.isfinite(value) or (column == "latency_objective_ms" and value <= 0):
        problems.append(SheetProblem(file_name, row, column, f"{text} is not valid (a finite, positive number)."))
        return None
    return value


def read_floors(path_or_bytes: Path | bytes, file_name: str) -> dict[str, FloorSpec]:
    """Workload -> FloorSpec from a CSV or XLSX floors file; FloorsFileError lists every problem with file/row/column.

    The metric may be given once for all rows (fill it on every row, or leave it empty everywhere and pass
    the metric to `candidates_from_store`) or per row (workloads judged on different metrics); an empty
    metric on a row means the default metric.
    """
    if isinstance(path_or_bytes, Path):
        try:
            content = read_capped(path_or_bytes, file_name, MAX_TABLE_MIB, "A floors file has one row per workload.")
        except LimitError as exc:
            raise FloorsFileError([SheetProblem(file_name, None, None, exc.limit.message)]) from None
    else:
        content = path_or_bytes
    if not content.strip():
        raise FloorsFileError([SheetProblem(file_name, None, None, "is empty; it needs a header row and data rows.")])
    try:
        table = read_table(content, file_name)
    except SheetError as exc:
        raise FloorsFileError(exc.problems) from None
    table = table.rename(columns=lambda c: str(c).strip().lower())
    problems: list[SheetProblem] = []
    columns = list(table.columns)
    if "workload" not in columns:
        problems.append(SheetProblem(file_name, 1, "workload", "required column is missing from the header row."))
    for column in columns:
        if column not in FLOOR_COLUMNS:
            problems.append(
                SheetProblem(file_name, 1, column, f"unknown column; the columns are {', '.join(FLOOR_COLUMNS)}.")
            )
    for column in sorted(c for c, n in Counter(columns).items() if n > 1):
        problems.append(SheetProblem(file_name, 1, column, "column appears more than once."))
    if problems:
        raise FloorsFileError(problems)
    if table.empty:
        raise FloorsFileError([SheetProblem(file_name, None, None, "has a header but no workload rows.")])
    floors: dict[str, FloorSpec] = {}
    seen: dict[str, int] = {}
    for index, raw in enumerate(table.to_dict("records")):
        row = index + 2
        name = _cell(raw.get("workload"))
        if not name:
            problems.append(SheetProblem(file_name, row, "workload", "is empty; give the workload's name."))
            continue
        if name in seen:
            problems.append(SheetProblem(file_name, row, "workload", f"'{name}' is already given on row {seen[name]}."))
            continue
        seen[name] = row
        floor = _parse_number(raw.get("quality_floor"), file_name, row, "quality_floor", problems)
        latency = _parse_number(raw.get("latency_objective_ms"), file_name, row, "latency_objective_ms", problems)
        metric = _cell(raw.get("metric")) or None
        latency_metric = _cell(raw.get("latency_metric")).lower() or "ttft"
        if latency_metric not in LATENCY_METRICS:
            problems.append(
                SheetProblem(
                    file_name,
                    row,
                    "latency_metric",
                    f"'{latency_metric}' is not a latency metric; use ttft (time to first token) or e2e (end to end).",
                )
            )
        current = _cell(raw.get("current")) or None
        floors[name] = FloorSpec(floor, latency, metric, latency_metric, current)
    if problems:
        raise FloorsFileError(problems)
    return floors


@dataclass(frozen=True)
class Growth:
    """How volumes move over the horizon: "constant" (`monthly_growth` a month, 0 = flat at the latest month) or a
    curve fitted to each workload's own monthly history ("best" by AICc, or "linear", "exponential",
    "logistic"); a workload with too short a history to fit stays flat, and the note says so."""

    model: str = "constant"
    monthly_growth: float = 0.0

    def __post_init__(self) -> None:
        if self.model not in ("constant", "best", *GROWTH_MODELS):
            raise ValueError(f"unknown growth model {self.model!r}; use constant, best, {', '.join(GROWTH_MODELS)}")
        if self.monthly_growth <= -1:
            raise ValueError("monthly growth must be above -100%")


FLAT = Growth()


def volume_paths(monthly: pd.DataFrame, months: int, growth: Growth = FLAT) -> dict[str, tuple[np.ndarray, str]]:
    """Workload -> (volume multiplier of months 1..N relative to its latest month, how it was set)."""
    frame = monthly.assign(month=pd.to_datetime(monthly["month"]).dt.to_period("M"))
    periods = pd.period_range(frame["month"].min(), frame["month"].max(), freq="M")
    out: dict[str, tuple[np.ndarray, str]] = {}
    for name, rows in frame.groupby("workload"):
        history = rows.groupby("month")["output_tokens"].sum().reindex(periods, fill_value=0).to_numpy(float)
        base = float(history[-1])
        if growth.model == "constant" or base <= 0 or len(history) < MIN_FIT_POINTS:
            rate = growth.monthly_growth
            why = f"growing {rate:+.1%} a month" if rate else "held flat"
            if growth.model != "constant":
                why += f" (needs {MIN_FIT_POINTS}+ months with volume in the latest to fit; has {len(history)})"
            out[str(name)] = (constant_growth(1.0, rate, months), why)
            continue
        fits = fit_growth(history)
        chosen = fits if growth.model == "best" else [f for f in fits if f.model == growth.model]
        if not chosen:
            out[str(name)] = (np.ones(months), f"flat: the {growth.model} curve could not be fitted")
            continue
        volumes = np.clip(project_volumes(chosen[0], len(history), months), 0.0, None)
        out[str(name)] = (volumes / base, f"fitted {chosen[0].label}")
    return out


def workloads_from_usage(
    monthly: pd.DataFrame, floors: Mapping[str, FloorInput], months: int = 1, growth: Growth = FLAT
) -> list[Workload]:
    """One Workload per usage workload at the latest month's tokens (0 where it has none that month), grown
    over `months` by `growth`, with its mean output tokens per request in that month.

    Floors name workloads of the usage; a floor for a workload the usage lacks is a typo and raises.
    """
    if monthly.empty:
        raise ValueError("the usage has no rows")
    periods = pd.to_datetime(monthly["month"]).dt.to_period("M")
    latest = monthly[periods == periods.max()]
    names = sorted(str(n) for n in monthly["workload"].unique())
    unknown = sorted(set(floors) - set(names))
    if unknown:
        raise ValueError(
            f"the floors name workloads the usage does not have: {', '.join(unknown)} (usage: {', '.join(names)})"
        )
    if "requests" not in latest.columns:  # monthly volumes without request counts: no tokens per request
        latest = latest.assign(requests=0)
    totals = latest.groupby("workload")[["input_tokens", "output_tokens", "requests"]].sum()
    paths = volume_paths(monthly, months, growth)
    workloads = []
    for name in names:
        spec = floors.get(name, (None, None))
        tokens_in, tokens_out, requests = (
            (float(v) for v in totals.loc[name, ["input_tokens", "output_tokens", "requests"]])
            if name in totals.index
            else (0.0, 0.0, 0.0)
        )
        workloads.append(
            Workload(
                name,
                tokens_in,
                tokens_out,
                spec[0],
                spec[1],
                latency_metric=spec.latency_metric if isinstance(spec, FloorSpec) else "ttft",
                output_tokens_per_request=tokens_out / requests if requests > 0 else None,
                # flat volumes hold for any horizon; a growing path covers the months asked for
                volume_multipliers=() if np.all(paths[name][0] == 1) else tuple(float(v) for v in paths[name][0]),
            )
        )
    return workloads


def growth_notes(monthly: pd.DataFrame, months: int, growth: Growth = FLAT) -> dict[str, str]:
    """Workload -> how its volume moves over the horizon, in words."""
    return {name: why for name, (_, why) in volume_paths(monthly, months, growth).items()}


def current_assignment(floors: Mapping[str, FloorInput], workloads: Sequence[str]) -> dict[str, str] | None:
    """Workload -> the option serving it today, when the floors give one for every workload; else None."""
    current = {w: spec.current for w in workloads if isinstance(spec := floors.get(w), FloorSpec) and spec.current}
    return current if current and len(current) == len(workloads) else None


def metrics_by_workload(
    workloads: Sequence[str], floors: Mapping[str, FloorInput], default_metric: str = DEFAULT_METRIC
) -> dict[str, str]:
    """The metric each workload's floor is judged on: the floors file's, else the default."""
    out = {}
    for name in workloads:
        spec = floors.get(name)
        metric = spec[2] if isinstance(spec, FloorSpec) and spec.metric else None
        out[name] = metric or default_metric
    return out


@dataclass(frozen=True)
class _Facts:
    """What the store knows that every candidate needs: scores per metric and measured latency."""

    scores: dict[str, dict[str, float]]  # metric -> model_id -> score
    performance: pd.DataFrame


def _load_facts(store: Store, metrics: set[str]) -> _Facts:
    known = set(store.benchmarks()["benchmark_id"])
    unknown = sorted(metrics - known)
    if unknown:
        raise ValueError(f"unknown metric {', '.join(unknown)}; known metrics: {', '.join(sorted(known))}")
    scores = {}
    for metric in sorted(metrics):
        picked = pick_scores(store.scores(metric))
        scores[metric] = {str(m): float(s) for m, s in zip(picked["model_id"], picked["score"], strict=True)}
    return _Facts(scores, store.api_performance())


def _quality(facts: _Facts, model_id: str, metric_of: Mapping[str, str]) -> dict[str, float]:
    """Workload -> the model's score on that workload's metric (workloads without a score are left out)."""
    return {w: facts.scores[m][model_id] for w, m in metric_of.items() if model_id in facts.scores[m]}


class Measured(NamedTuple):
    """Measured latency figures of an offer: time to first token (ms), output speed (tokens/s), where from."""

    ttft_ms: float | None
    output_tokens_per_s: float | None
    source: str


def measured_performance(performance: pd.DataFrame, model_id: str, model_key: str | None = None) -> Measured:
    """The priced offer's (same model key) measured TTFT and speed when measured, else the providers' medians."""
    rows = performance[performance["model_id"] == model_id]
    if rows.empty:
        return Measured(None, None, "")
    same = rows[rows["model_key"] == model_key] if model_key else rows.iloc[0:0]
    picked = same if not same.empty else rows

    def median(column: str) -> float | None:
        values = picked[column].dropna()
        return float(values.median()) if not values.empty else None

    dates = picked["as_of"].dropna()
    when = f", {pd.Timestamp(dates.max()).date()}" if not dates.empty else ""
    who = f"{picked['provider'].iloc[0]}" if len(picked) == 1 else f"median of {len(picked)} providers"
    source = f"latency: {picked['source'].iloc[0]} ({who}{when})"
    return Measured(median("ttft_ms"), median("output_tokens_per_s"), source)


def _as_mapping(quality: Quality) -> Mapping[str, float]:
    return quality if isinstance(quality, Mapping) else {"": float(quality)}


def _api_candidate(
    store: Store, sheet_name: str, model: str, decline: float, facts: _Facts, metric_of: Mapping[str, str]
) -> Candidate:
    option = planning.api_option(store, sheet_name, model, decline)
    prices = service.prices_with_deployments(store, sheet_name)
    row = prices[prices["model_key"] == option.name].iloc[0]
    model_id = str(row["model_id"]) if pd.notna(row["model_id"]) else option.name
    quality = _quality(facts, model_id, metric_of)
    probe = measured_latency(store, model_id)
    if probe is not None and probe.gpu is None:  # our own probe of the API beats a published figure
        speed = probe.output_tokens_per_s if math.isfinite(probe.output_tokens_per_s) else None
        source = f"prices: {option.source}; latency: {_probe_source(probe)}"
        return Candidate.from_api_option(option, quality, probe.ttft_p90_ms, speed, source)
    measured = measured_performance(facts.performance, model_id, option.name)
    source = f"prices: {option.source}" + (
        f"; {measured.source}, a typical figure, not a p90" if measured.source else "; latency: not measured"
    )
    return Candidate.from_api_option(option, quality, measured.ttft_ms, measured.output_tokens_per_s, source)


def _probe_source(probe: MeasuredLatency) -> str:
    return (
        f"own probe {probe.run_id} of {probe.endpoint} ({probe.measured_on}; p90 TTFT at concurrency "
        f"{probe.concurrency}, {probe.requests} requests)"
    )


CascadeInput = tuple[str, str, float | MeasuredCascade]


def _cascade_spec(
    parts: Sequence[Candidate], rate: float | MeasuredCascade, metric_of: Mapping[str, str]
) -> CascadeSpec:
    if not isinstance(rate, MeasuredCascade):
        return CascadeSpec(parts[0], parts[1], float(rate))
    own_metric = f"own:{rate.suite}"
    return CascadeSpec(
        parts[0],
        parts[1],
        rate.escalation_rate,
        measured_quality={w: rate.cascade_score for w, m in metric_of.items() if m == own_metric},
        escalation_source=(
            f"measured on suite {rate.suite} ({rate.items} items, runs {rate.small_run_id} and {rate.large_run_id}, "
            f"{rate.measured_on}; 95% interval {rate.escalation_low:.0%}-{rate.escalation_high:.0%}; {rate.check})"
        ),
    )


def candidates_from_store(
    store: Store,
    sheet_name: str | None,
    metric_id: str | Mapping[str, str],
    api_models: Sequence[str] | None = None,
    self_host: Sequence[tuple[str, str, str, str]] | None = None,
    cascades: Sequence[CascadeInput] = (),
    workloads: Sequence[str] = (),
    input_output_ratio: float = 3.0,
    api_decline_per_year: float = 0.0,
    gpu_decline_per_year: float = 0.0,
    default_metric: str | None = None,
) -> list[Candidate]:
    """Candidates for the optimiser from the store.

    `metric_id` is one metric for every workload or a mapping workload -> metric (see `metrics_by_workload`);
    each candidate's quality is a mapping workload -> score, so a workload's floor is checked on its metric.
    With a single metric and no `workloads`, quality is one score for all. `api_models` and `self_host`
    ((model_id, gpu, precision, mode)) default, when None, to `planning.default_api_models` on `default_metric`
    (else the one metric given, else planning's default metric: the same defaults as the Projections page and
    `project`) and DEFAULT_SELF_HOST. `cascades` are (small, large, escalation) of API models, the
    escalation a rate set by hand or a `MeasuredCascade` (whose cascade score stands for the workloads judged on
    that suite's own eval). Prices are flat unless a decline factor per year (e.g. 10 for 10x cheaper a year)
    is given.
    """
    sheet = sheet_name or service.default_sheet(store)
    if isinstance(metric_id, str):
        metric_of: dict[str, str] = {w: metric_id for w in workloads} or {"": metric_id}
    else:
        metric_of = dict(metric_id)
    facts = _load_facts(store, set(metric_of.values()))

    def fix(quality: Mapping[str, float]) -> Quality:
        if list(metric_of) == [""]:  # one metric and no workload names: one score for every workload
            score = quality.get("")
            return {} if score is None else score
        return dict(quality)

    candidates: list[Candidate] = []
    defaults = api_models is None
    if api_models is None:
        chooser = default_metric or (metric_id if isinstance(metric_id, str) else DEFAULT_METRIC)
        api_models = [d.model_key for d in planning.default_api_models(store, sheet, chooser)]
    for model in api_models:
        try:
            c = _api_candidate(store, sheet, model, api_decline_per_year, facts, metric_of)
        except UnpricedModelError:
            if defaults:
                continue
            raise
        candidates.append(replace(c, quality=fix(_as_mapping(c.quality))))
    for model_id, gpu, precision, mode in DEFAULT_SELF_HOST if self_host is None else self_host:
        # A reserved rate where one is stored; else the on-demand rate, which the plan's price source says.
        usd, _ = planning.gpu_hourly_price(store, gpu, mode)
        ownership = OwnershipCosts(mode=mode, usd_per_gpu_hour=usd)
        option = planning.self_host_option(
            store,
            model_id,
            gpu,
            precision,
            ownership,
            input_output_ratio,
            gpu_price_decline_per_year=gpu_decline_per_year,
        )
        quality = fix(_quality(facts, model_id, metric_of))
        probe = measured_latency(store, model_id, gpu)
        latency = (
            f"latency: {_probe_source(probe)}"
            if probe is not None
            else "latency: not measured (probe an endpoint serving it to add one)"
        )
        speed = probe.output_tokens_per_s if probe is not None and math.isfinite(probe.output_tokens_per_s) else None
        candidates.append(
            Candidate.from_self_host_option(
                option,
                quality,
                latency_ms=probe.ttft_p90_ms if probe is not None else None,
                output_tokens_per_s=speed,
                source=(
                    f"GPU price: {option.plan.gpu_price_source}; throughput: {option.plan.throughput_source}; "
                    f"utilisation target {option.plan.target_utilisation:.0%} at the peak, "
                    f"{option.plan.headroom:.0%} headroom; {latency}"
                ),
            )
        )
    for small, large, rate in cascades:
        parts = [_api_candidate(store, sheet, m, api_decline_per_year, facts, metric_of) for m in (small, large)]
        cascade = cascade_candidate(_cascade_spec(parts, rate, metric_of))
        candidates.append(replace(cascade, quality=fix(_as_mapping(cascade.quality))))
    names = [c.name for c in candidates]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"each candidate may be given once: {', '.join(duplicated)}")
    return candidates


def resolve_current(
    store: Store, sheet_name: str | None, current: Mapping[str, str], candidates: Sequence[Candidate]
) -> tuple[dict[str, str], list[str]]:
    """Map each workload's current option to a candidate name: a candidate's own name, or a model the sheet prices
    (resolved by alias). Returns the mapping and the API models that must be added as candidates to price it."""
    names = {c.name for c in candidates}
    sheet = sheet_name or service.default_sheet(store)
    mapping: dict[str, str] = {}
    extra: list[str] = []
    for workload, given in current.items():
        if given in names:
            mapping[workload] = given
            continue
        try:
            key = planning.api_option(store, sheet, given, 0.0).name
        except UnpricedModelError as exc:
            raise ValueError(
                f"current option {given!r} of workload {workload!r} is neither an option here nor priced in "
                f"sheet {sheet!r}: {exc}"
            ) from None
        mapping[workload] = key
        if key not in names and key not in extra:
            extra.append(key)
    return mapping, extra


@dataclass(frozen=True)
class PortfolioRequest:
    """Everything a portfolio question needs besides the store: usage, floors and the options to weigh."""

    monthly: pd.DataFrame
    floors: Mapping[str, FloorInput]
    months: int = 36
    growth: Growth = FLAT
    default_metric: str = DEFAULT_METRIC
    sheet_name: str | None = None
    api_models: Sequence[str] | None = None
    self_host: Sequence[tuple[str, str, str, str]] | None = None
    cascades: Sequence[CascadeInput] = ()
    api_decline_per_year: float = 0.0
    gpu_decline_per_year: float = 0.0
    allow_split: bool = True
    peak_to_average: float = 2.0
    time_limit_s: float | None = None
    # A shrunk model to weigh as one more candidate: one path against a baseline (the teacher); the horizon and
    # the sheet are the portfolio's.
    shrink: shrink.ShrinkRequest | None = None
    # The people who run the self-hosted fleets, USD a month, paid once any workload is self-hosted (one team for
    # every fleet). None: not given; callers ask for it (the page leaves self-hosting out until it is entered).
    ops_usd_per_month: float | None = None


@dataclass(frozen=True)
class PortfolioPlan:
    """A solved portfolio with the inputs that produced it and the assumptions behind it, in words."""

    workloads: tuple[Workload, ...]
    candidates: tuple[Candidate, ...]
    result: PortfolioResult
    metric_of: Mapping[str, str]
    sheet_name: str
    current: Mapping[str, str] | None
    notes: tuple[str, ...]
    allow_split: bool = True
    peak_to_average: float = 2.0
    time_limit_s: float | None = None
    ops_usd_per_month: float = 0.0


def _self_hosting_note(request: PortfolioRequest) -> str:
    staff = (
        "operations staff not given, so counted as $0: self-hosting looks cheaper than it is"
        if request.ops_usd_per_month is None
        else f"operations staff ${request.ops_usd_per_month:,.0f} a month once any workload is self-hosted (one "
        "team for every fleet)"
    )
    decline = (
        f"; GPU rental prices falling {request.gpu_decline_per_year:g}x a year" if request.gpu_decline_per_year else ""
    )
    return (
        "Self-hosting: allocation basis (GPUs paid busy or idle), whole replicas sized for the peak hour at "
        f"{request.peak_to_average:g}x the average with headroom; reserved fleets never shrink; {staff}{decline}."
    )


def _notes(request: PortfolioRequest, plan_inputs: tuple[list[Workload], list[Candidate]], sheet: str) -> list[str]:
    workloads, candidates = plan_inputs
    growth = growth_notes(request.monthly, request.months, request.growth)
    moves = sorted(set(growth.values()))
    latest = pd.to_datetime(request.monthly["month"]).max().strftime("%Y-%m")
    notes = [
        f"Volumes: from each workload's {latest} volume over {request.months} months, "
        + ("; ".join(f"{w}: {why}" for w, why in growth.items()) if len(moves) > 1 else moves[0])
        + ".",
        f"API prices: sheet '{sheet}', "
        + (
            f"falling {request.api_decline_per_year:g}x a year."
            if request.api_decline_per_year
            else "held at today's list prices (no decline)."
        ),
        _self_hosting_note(request)
        if any(c.kind == "self-host" for c in candidates)
        else "Self-hosting: no self-hosted option weighed.",
    ]
    if any(w.latency_objective_ms is not None for w in workloads):
        unknown = [c.name for c in candidates if c.latency_ms is None]
        if unknown:
            notes.append(
                "No latency figure for " + ", ".join(unknown) + ": workloads with a latency objective were not "
                "given to them."
            )
    return notes  # where each candidate's figures come from is `Candidate.source` (see `candidate_table`)


@dataclass(frozen=True)
class ShrunkCandidate:
    """A shrunk model as a portfolio candidate, with the note saying how its quality and costs were set."""

    candidate: Candidate
    note: str


def _model_quality(
    store: Store, sheet: str, model: str, facts: _Facts, metric_of: Mapping[str, str]
) -> dict[str, float]:
    """Workload -> a model's score on its metric: a model the sheet prices (by alias), else a model id."""
    try:
        option = planning.api_option(store, sheet, model, 0.0)
    except LookupError:
        return _quality(facts, model, metric_of)
    prices = service.prices_with_deployments(store, sheet)
    row = prices[prices["model_key"] == option.name].iloc[0]
    return _quality(facts, str(row["model_id"]) if pd.notna(row["model_id"]) else option.name, metric_of)


def shrunk_candidate(
    store: Store,
    request: shrink.ShrinkRequest,
    monthly: pd.DataFrame,
    metric_of: Mapping[str, str],
    *,
    sheet_name: str,
    months: int,
) -> ShrunkCandidate:
    """The shrunk model of `request` (one path) as a candidate, costed on all the usage's workloads together.

    Its quality on a workload is the baseline's score on that workload's metric times the share it keeps: the
    measured share when two probe runs measured it, else the low end of the assumed range. A workload the baseline
    has no score for gets none (so a floor there is not met). Raises ShrinkInputError or ValueError.
    """
    if len(request.paths) != 1:
        raise shrink.ShrinkInputError(
            f"a portfolio weighs one shrink path at a time (got {', '.join(request.paths)}); pick one"
        )
    kind = request.paths[0]
    asked = replace(request, months=months, sheet=sheet_name)
    comparison = shrink.compare(
        store,
        planning.summarise_usage(monthly),
        asked,
        uncertainty=planning.Uncertainty(n_paths=SHRUNK_MONTE_CARLO_PATHS),
    )
    option = shrink.projection_option(comparison, kind)
    making_cost, spec = option.making, option.making.shrink if option.making is not None else None
    if making_cost is None or spec is None:
        raise shrink.ShrinkInputError(f"the {kind} path gave no shrunk option with its making cost")
    measured = spec.quality.kind == "measured"
    share = spec.quality.likely_share if measured else spec.quality.low_share
    facts = _load_facts(store, set(metric_of.values()))
    baseline = _model_quality(store, sheet_name, spec.baseline, facts, metric_of)
    quality = {w: share * score for w, score in baseline.items()}
    unscored = sorted(set(metric_of) - set(baseline))
    making = (
        f"made for {making_cost.one_off_usd:,.0f} USD in month 1"
        + (
            f" and re-trained for {making_cost.retrain_usd:,.0f} USD every {making_cost.retrain_every_months} months"
            if making_cost.retrain_usd > 0
            else ""
        )
        + f" ({months}-month horizon), counted in the totals once it serves any workload"
    )
    how = (
        f"the measured share, {share:.0%}"
        if measured
        else f"the low end of the assumed range, {share:.0%} (likely {spec.quality.likely_share:.0%})"
    )
    note = (
        f"Shrunk option {option.name} ({kind} of {spec.candidate} against {spec.baseline}): {making}. "
        f"Its quality is {spec.quality.describe()}; floors are checked at {how} of {spec.baseline}'s score "
        "on each workload's metric."
        + (f" {spec.baseline} has no score for {', '.join(unscored)}, so neither has it." if unscored else "")
    )
    costs = "; ".join(
        f"{line.what} {line.usd:,.2f} USD ({', '.join(p for p in (line.source, line.as_of) if p)})"
        for line in spec.costs
    )
    source = f"shrink ({kind}) of {spec.candidate} against {spec.baseline}: {costs}"
    if isinstance(option, ApiOption):
        candidate = Candidate.from_api_option(option, quality, source=source)
    else:
        candidate = Candidate.from_self_host_option(option, quality, source=source)
    return ShrunkCandidate(candidate, note)


def plan_portfolio(store: Store, request: PortfolioRequest) -> PortfolioPlan:
    """Workloads from the usage, candidates from the store, the optimum, and the comparison with today's mix.

    Raises InfeasibleError (with the floors or objectives no option meets), UnpricedModelError or ValueError.
    """
    if request.months < 1:
        raise ValueError("the horizon needs at least one month")
    sheet = request.sheet_name or service.default_sheet(store)
    workloads = workloads_from_usage(request.monthly, request.floors, request.months, request.growth)
    names = [w.name for w in workloads]
    metric_of = metrics_by_workload(names, request.floors, request.default_metric)
    ratio = planning.summarise_usage(request.monthly).input_output_ratio or 3.0

    def build(api_models: Sequence[str] | None) -> list[Candidate]:
        return candidates_from_store(
            store,
            sheet,
            metric_of,
            api_models,
            request.self_host,
            request.cascades,
            workloads=names,
            input_output_ratio=ratio,
            api_decline_per_year=request.api_decline_per_year,
            gpu_decline_per_year=request.gpu_decline_per_year,
            default_metric=request.default_metric,
        )

    candidates = build(request.api_models)
    shrunk = (
        None
        if request.shrink is None
        else shrunk_candidate(
            store, request.shrink, request.monthly, metric_of, sheet_name=sheet, months=request.months
        )
    )
    given = current_assignment(request.floors, names)
    current = None
    if given is not None:
        current, extra = resolve_current(store, sheet, given, candidates)
        if extra:  # today's models are options too: price them from the same sheet
            candidates = build(
                [c.name for c in candidates if c.kind == "api" and c.cascade is None and c.making is None] + extra
            )
    if shrunk is not None:
        candidates.append(shrunk.candidate)
    result = optimise(
        workloads,
        candidates,
        months=request.months,
        allow_split=request.allow_split,
        peak_to_average=request.peak_to_average,
        current=current,
        time_limit_s=request.time_limit_s,
        ops_usd_per_month=request.ops_usd_per_month or 0.0,
    )
    notes = _notes(request, (workloads, candidates), sheet)
    if shrunk is not None:
        notes.append(shrunk.note)
    if request.api_models is None:
        defaults = planning.default_api_models(store, sheet, request.default_metric)
        notes += [f"API option {d.model_key} (default): {d.reason}." for d in defaults]
    if not result.optimal:
        notes.insert(
            0,
            f"The solver stopped at the {request.time_limit_s:g} s time limit: this portfolio is within "
            f"{result.optimality_gap:.2%} of the cheapest possible (a proven bound), not proven the cheapest.",
        )
    if given is None and any(isinstance(s, FloorSpec) and s.current for s in request.floors.values()):
        missing = [w for w in names if not (isinstance(s := request.floors.get(w), FloorSpec) and s.current)]
        notes.append("No comparison with the current assignment: no current option for " + ", ".join(missing) + ".")
    return PortfolioPlan(
        tuple(workloads),
        tuple(candidates),
        result,
        metric_of,
        sheet,
        current,
        tuple(notes),
        request.allow_split,
        request.peak_to_average,
        request.time_limit_s,
        request.ops_usd_per_month or 0.0,
    )


def curve_floors(candidates: Sequence[Candidate], workload: str) -> list[float]:
    """The floors worth trying for one workload: every distinct score an option has on it (each is a step)."""
    return sorted({round(float(q), 2) for c in candidates if (q := c.quality_for(workload)) is not None})


def plan_floor_curve(plan: PortfolioPlan, workload: str) -> pd.DataFrame:
    """Optimal spend as a workload's floor moves over the scores its options have (`portfolio.floor_curve`)."""
    return floor_curve(
        list(plan.workloads),
        list(plan.candidates),
        workload,
        curve_floors(plan.candidates, workload),
        months=plan.result.months,
        allow_split=plan.allow_split,
        peak_to_average=plan.peak_to_average,
        time_limit_s=plan.time_limit_s,
        ops_usd_per_month=plan.ops_usd_per_month,
    )


def metric_labels(metric_of: Mapping[str, str], registry: Mapping[str, Metric]) -> dict[str, str]:
    """Workload -> the label of the metric its floor is judged on (the metric's id when the store has no such one)."""
    return {w: registry[m].label if m in registry else m for w, m in metric_of.items()}


def report_section(store: Store, plan: PortfolioPlan, curve_workload: str | None = None) -> PortfolioSection:
    """The plan as the PDF report's portfolio section, with the floor curve of one workload (the first with a
    floor when not named)."""
    labels = metric_labels(plan.metric_of, service.metric_registry(store))
    if curve_workload is None:
        curve_workload = next((w.name for w in plan.workloads if w.quality_floor is not None), None)
    curve = plan_floor_curve(plan, curve_workload) if curve_workload is not None else None
    return PortfolioSection(
        result=plan.result,
        workloads=plan.workloads,
        candidates=plan.candidates,
        metric_labels=labels,
        sheet_name=plan.sheet_name,
        notes=plan.notes,
        current=plan.current,
        floor_curve=curve,
        curve_workload=curve_workload,
    )


def portfolio_section(store: Store, request: PortfolioRequest, curve_workload: str | None = None) -> PortfolioSection:
    """A portfolio request solved and laid out as the report's section, with the floor curve of one workload (the
    first with a floor when not named); raises as `plan_portfolio` does."""
    return report_section(store, plan_portfolio(store, request), curve_workload)


KIND_LABELS = {"api": "API", "self-host": "Self-hosted"}


def _latency_text(value: float | None, metric: str, objective: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none" if objective else "not measured"
    return f"{'<= ' if objective else ''}{value:,.0f} ms {metric.upper()}"


def assignment_table(plan: PortfolioPlan, metric_labels: Mapping[str, str]) -> pd.DataFrame:
    """The assignment as people read it: who serves each workload, at what share and volume, its quality against
    the floor (on the workload's metric), its latency against the objective, and what it costs a month."""
    by_workload = {w.name: w for w in plan.workloads}
    by_candidate = {c.name: c for c in plan.candidates}
    rows = []
    for row in plan.result.assignments.itertuples():
        w, c = by_workload[str(row.workload)], by_candidate[str(row.candidate)]
        first = w.multipliers(1)[0]
        rows.append(
            {
                "workload": w.name,
                "option": c.name,
                "kind": "Cascade" if c.cascade is not None else KIND_LABELS[c.kind],
                "share": float(row.share),
                "output_tokens_month_1": round(w.monthly_output_tokens * first * float(row.share)),
                "quality": None if pd.isna(row.quality) else float(row.quality),
                "floor": w.quality_floor,
                "metric": metric_labels.get(w.name, plan.metric_of.get(w.name, "")),
                "latency": _latency_text(None if pd.isna(row.latency_ms) else float(row.latency_ms), w.latency_metric),
                "objective": _latency_text(w.latency_objective_ms, w.latency_metric, objective=True),
                "usd_per_month": float(row.monthly_usd),
            }
        )
    return pd.DataFrame(rows)


def added_for_today(plan: PortfolioPlan, requested: Sequence[str] | None) -> list[str]:
    """API options weighed only because they serve a workload today (not among those asked for)."""
    if plan.current is None or requested is None:
        return []
    asked = set(requested)
    return sorted({n for n in plan.current.values() if n not in asked and n in {c.name for c in plan.candidates}})


def history_growth(monthly: pd.DataFrame) -> tuple[float, str]:
    """Average compound monthly growth of all workloads' output tokens over the usage history, and the months."""
    summary = planning.summarise_usage(monthly)
    months, volumes = summary.months, summary.output_tokens
    span = f"{months[0]} to {months[-1]} ({len(months)} months)" if len(months) > 1 else f"{months[0]} (one month)"
    if len(volumes) < 2 or volumes[0] <= 0 or volumes[-1] <= 0:
        return 0.0, span
    return float((volumes[-1] / volumes[0]) ** (1 / (len(volumes) - 1)) - 1), span


def candidate_table(plan: PortfolioPlan) -> pd.DataFrame:
    """The options weighed, one row each: prices, quality per workload, latency and where the figures come from."""
    rows = []
    for c in plan.candidates:
        scores = [c.quality_for(w.name) for w in plan.workloads]
        known = [s for s in scores if s is not None]
        rows.append(
            {
                "option": c.name,
                "kind": c.kind,
                "usd_per_1m_input": c.usd_per_1m_input if c.kind == "api" else None,
                "usd_per_1m_output": c.usd_per_1m_output if c.kind == "api" else None,
                "usd_per_gpu_month": c.usd_per_gpu_month if c.kind == "self-host" else None,
                "gpus_per_replica": c.gpus_per_replica if c.kind == "self-host" else None,
                "replica_output_tokens_per_s": c.replica_output_tokens_per_s if c.kind == "self-host" else None,
                "quality_min": min(known) if known else None,
                "quality_max": max(known) if known else None,
                "ttft_ms": c.latency_ms,
                "output_tokens_per_s": c.output_tokens_per_s,
                "source": c.source,
            }
        )
    return pd.DataFrame(rows)
