"""Portfolio use cases for the CLI (and a Portfolio page): usage and floors files in, optimiser inputs out.

Reads go through the store (prices, scores, measured latency, GPU prices, throughput); the maths is
`pricing.portfolio`'s. No SQL, no Streamlit.

- `read_floors` validates a floors file (`workload, metric, quality_floor, latency_objective_ms`; only `workload`
  is required) at the untrusted edge: every problem names the file, the row (header = 1) and the column.
- `workloads_from_usage` turns monthly usage into optimiser workloads at the latest month's volume.
- `candidates_from_store` builds the candidates: API models priced from a sheet, self-hosted models sized by
  `pricing.planning.self_host_option`, and cascades of two API models. Quality is one score per model on each
  workload's metric (chosen as `pricing.candidates.pick_scores` does). Latency is the measured time to first
  token (`store.api_performance()`): the priced offer's provider when measured, else the median over the
  model's measured providers. Self-hosted candidates have no measured latency, so a workload with a latency
  objective never goes to them (the optimiser treats unknown latency as failing any objective).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from pricing import planning, service
from pricing.candidates import pick_scores
from pricing.cost import UnpricedModelError
from pricing.portfolio import Candidate, CascadeSpec, Quality, Workload, cascade_candidate
from pricing.sheets import SheetError, SheetProblem, read_table
from pricing.sizing import OwnershipCosts
from pricing.store import Store

FLOOR_COLUMNS = ("workload", "metric", "quality_floor", "latency_objective_ms")
DEFAULT_METRIC = "arena_elo"
DEFAULT_API_MODELS = ("gpt-4o-mini", "gpt-4.1", "claude-sonnet-4.5")
DEFAULT_SELF_HOST: tuple[tuple[str, str, str, str], ...] = (
    ("llama-3.1-8b-instruct", "H100 SXM", "FP8", "reserved"),
    ("llama-3.3-70b-instruct", "H100 SXM", "FP8", "reserved"),
)


class FloorSpec(NamedTuple):
    """One workload's quality floor (on `metric`, None = the default metric) and latency objective (TTFT ms)."""

    quality_floor: float | None
    latency_objective_ms: float | None
    metric: str | None = None


FloorInput = FloorSpec | tuple[float | None, float | None]


# --- floors file ---------------------------------------------------------------------------------------
class FloorsFileError(SheetError):
    """A floors file that cannot be used; carries every problem found (file, row, column)."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        super().__init__(problems)
        # SheetError's text speaks of a price sheet; keep its list of problems but say what this is.
        self.args = (str(self.args[0]).replace("in the price sheet", "in the floors file", 1),)


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
    content = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
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
    for column in sorted({c for c in columns if columns.count(c) > 1}):
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
        floors[name] = FloorSpec(floor, latency, metric)
    if problems:
        raise FloorsFileError(problems)
    return floors


# --- workloads -----------------------------------------------------------------------------------------
def workloads_from_usage(monthly: pd.DataFrame, floors: Mapping[str, FloorInput]) -> list[Workload]:
    """One Workload per usage workload at the latest month's tokens (0 where it has none that month).

    Floors name workloads of the usage; a floor for a workload the usage lacks is a typo and raises.
    """
    if monthly.empty:
        raise ValueError("the usage has no rows")
    months = pd.to_datetime(monthly["month"]).dt.to_period("M")
    latest = monthly[months == months.max()]
    names = sorted(str(n) for n in monthly["workload"].unique())
    unknown = sorted(set(floors) - set(names))
    if unknown:
        raise ValueError(
            f"the floors name workloads the usage does not have: {', '.join(unknown)} (usage: {', '.join(names)})"
        )
    totals = latest.groupby("workload")[["input_tokens", "output_tokens"]].sum()
    workloads = []
    for name in names:
        spec = floors.get(name, (None, None))
        tokens_in = float(totals.loc[name, "input_tokens"]) if name in totals.index else 0.0
        tokens_out = float(totals.loc[name, "output_tokens"]) if name in totals.index else 0.0
        workloads.append(Workload(name, tokens_in, tokens_out, spec[0], spec[1]))
    return workloads


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


# --- candidates ----------------------------------------------------------------------------------------
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


def measured_ttft_ms(performance: pd.DataFrame, model_id: str, model_key: str | None = None) -> float | None:
    """Measured time to first token: the priced offer's (same model key) when measured, else the median provider's."""
    rows = performance[(performance["model_id"] == model_id) & performance["ttft_ms"].notna()]
    if rows.empty:
        return None
    same = rows[rows["model_key"] == model_key] if model_key else rows.iloc[0:0]
    return float((same if not same.empty else rows)["ttft_ms"].median())


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
    return Candidate.from_api_option(option, quality, measured_ttft_ms(facts.performance, model_id, option.name))


def candidates_from_store(
    store: Store,
    sheet_name: str | None,
    metric_id: str | Mapping[str, str],
    api_models: Sequence[str] | None = None,
    self_host: Sequence[tuple[str, str, str, str]] | None = None,
    cascades: Sequence[tuple[str, str, float]] = (),
    workloads: Sequence[str] = (),
    input_output_ratio: float = 3.0,
    api_decline_per_year: float = 0.0,
    gpu_decline_per_year: float = 0.0,
) -> list[Candidate]:
    """Candidates for the optimiser from the store.

    `metric_id` is one metric for every workload or a mapping workload -> metric (see `metrics_by_workload`);
    each candidate's quality is a mapping workload -> score, so a workload's floor is checked on its metric.
    With a single metric and no `workloads`, quality is one score for all. `api_models` and `self_host`
    ((model_id, gpu, precision, mode)) default to DEFAULT_API_MODELS (those the sheet prices; unpriced defaults
    are skipped) and DEFAULT_SELF_HOST when None. `cascades` are (small, large, escalation rate) of API models.
    Prices are flat unless a decline factor per year (e.g. 10 for 10x cheaper a year) is given.
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
    for model in DEFAULT_API_MODELS if api_models is None else api_models:
        try:
            c = _api_candidate(store, sheet, model, api_decline_per_year, facts, metric_of)
        except UnpricedModelError:
            if defaults:
                continue
            raise
        candidates.append(replace(c, quality=fix(_as_mapping(c.quality))))
    for model_id, gpu, precision, mode in DEFAULT_SELF_HOST if self_host is None else self_host:
        usd, _ = planning.gpu_hourly_price(store, gpu)
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
        candidates.append(Candidate.from_self_host_option(option, quality, latency_ms=None))
    for small, large, rate in cascades:
        parts = [_api_candidate(store, sheet, m, api_decline_per_year, facts, metric_of) for m in (small, large)]
        cascade = cascade_candidate(CascadeSpec(parts[0], parts[1], float(rate)))
        candidates.append(replace(cascade, quality=fix(_as_mapping(cascade.quality))))
    names = [c.name for c in candidates]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"each candidate may be given once: {', '.join(duplicated)}")
    return candidates


def read_usage_monthly(path: Path) -> pd.DataFrame:
    """Monthly volumes of a usage file on disk (monthly aggregates or a raw request log)."""
    return planning.read_usage_file(path).monthly
