"""The procurement report: one scenario as a PDF that stands on its own (fpdf2).

Two steps with a boundary between them. `gather` gets each section's numbers from one use case (the same ones
the app uses: `service.offer_facts` for the candidates, `planning.evaluate` for spend and break-even,
`planning.sensitivity` for the option the report focuses on, `service.provenance` for sources and probe runs),
returning a `ReportData`; the report's own choices (the recommendation, the option its sensitivity focuses on)
are made here. `render_pdf` lays that out with the chart images it is given. Charts are built by
`pricing.report.charts` (the pages show the same figures) and exported by kaleido in `pricing.report.pdf`, which
loads kaleido and Chromium only when a PDF is asked for; `build_report` takes a callable that turns a `ReportData`
into `ReportImages`, or leaves the charts out when given none.

A `pricing.portfolio.service.PortfolioSection` (an optimised portfolio with its inputs) adds a "Portfolio"
section to the scenario report, or stands alone in `render_portfolio_pdf` for people with no saved scenario.

Text uses DejaVu Sans shipped in data/fonts with Droid Sans Fallback for CJK, so any model name renders.
The same inputs give the same bytes: the creation date is the report date and the file id is a hash.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, TableHeadingsDisplay, XPos, YPos

from pricing import service
from pricing.candidates import CandidateOptions
from pricing.exports import fmt_date, fmt_number
from pricing.metrics import Metric
from pricing.offers import FREE_TIER
from pricing.planning import readable
from pricing.planning import service as planning
from pricing.planning.display import sensitivity_title
from pricing.planning.projection import (
    ApiOption,
    CostLine,
    HybridOption,
    MonteCarloResult,
    ProjectionInputs,
    SelfHostOption,
    ShrinkQuality,
    break_even_month,
)
from pricing.portfolio.optimiser import Candidate, Workload
from pricing.portfolio.service import PortfolioSection
from pricing.report.request import DRAFT_NAME, ReportRequest
from pricing.selfhost import SelfHostSettings
from pricing.store import PROJECT_ROOT, Store

FONT_DIR = PROJECT_ROOT / "data" / "fonts"
FONT = "DejaVu"
FALLBACK_FONT = "DroidFallback"
MONTHLY_COLUMNS_PER_TABLE = 5
MISSING = "n/a"
CHART_MM = 115  # a heading and a chart exported at 1000 x 560 px, drawn across the page


def usd(value: object) -> str:
    """Whole US dollars with thousands separators ("$1,234,567", "-$37,712"), the report's format for totals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    return f"{'-' if number < 0 else ''}${abs(number):,.0f}"


def usd_price(value: object) -> str:
    """A per-1M-token price with four significant digits ("$0.15", "$12.5")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"${fmt_number(value, 4)}"  # never scientific notation ($12,350, not $1.235e+04)


def _num(value: object, fmt: str = ",.0f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    try:
        return format(float(value), fmt)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def _yes_no(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return "yes" if bool(value) else "no"


@dataclass(frozen=True)
class Recommendation:
    """What the executive summary says, as numbers: no option without a quality floor, and no saving without the
    option in use today (`current_option`, named by the request, never guessed)."""

    option: str | None
    horizon_usd: float | None
    current_option: str | None
    current_usd: float | None
    savings_usd: float | None
    break_even_month: int | None
    break_even_versus: str | None
    quality_floor: float | None


@dataclass(frozen=True)
class ReportData:
    """Every number and table in the report, computed before any layout."""

    scenario: planning.Scenario
    prepared_for: str
    today: dt.date
    sheet_name: str
    metric: Metric
    outcome: planning.Outcome
    totals: pd.Series
    monthly: pd.DataFrame
    monte_carlo: MonteCarloResult | None
    bands: dict[str, pd.DataFrame] | None
    sensitivity: pd.DataFrame | None
    sensitivity_title: str
    options: pd.DataFrame
    frontier: service.FrontierResult
    sources: pd.DataFrame
    probe_runs: pd.DataFrame
    recommendation: Recommendation
    portfolio: PortfolioSection | None = None
    draft: bool = False

    @property
    def title(self) -> str:
        """The report's title: the scenario's name, or that it is a draft from the page's defaults."""
        if self.draft:
            return f"Frontier report: {DRAFT_NAME} (not a saved scenario)"
        return f"Frontier report: {self.scenario.name}"

    @property
    def horizon_months(self) -> int:
        """Months projected."""
        return self.scenario.inputs.horizon_months


@dataclass(frozen=True)
class ReportImages:
    """PNG (or JPEG) bytes of each chart; None leaves a chart out."""

    frontier: bytes | None = None
    spend: bytes | None = None
    cumulative: bytes | None = None
    tornado: bytes | None = None
    portfolio_curve: bytes | None = None
    portfolio_spend: bytes | None = None


FigureRenderer = Callable[[ReportData], ReportImages]


def _kind(option: object) -> str:
    if isinstance(option, ApiOption):
        return "API"
    if isinstance(option, SelfHostOption):
        return "self-hosted"
    return "hybrid"


def _model_id_in(name: str, known: Sequence[str]) -> str | None:
    """The longest known model id named in a self-host option's label ("self-host <model> on <GPU> ...")."""
    found = [model_id for model_id in known if model_id and model_id in name]
    return max(found, key=len) if found else None


def _offer_cell(priced: pd.Series | None) -> str:
    """Who sells an API option's offer, as the candidates table says it ('via oci (reseller)', '... free tier')."""
    if priced is None:
        return MISSING
    label = priced.get("offer_label")
    if isinstance(label, str) and label:
        return label
    return str(priced["provider"]) if pd.notna(priced["provider"]) else MISSING


def _option_rows(offers: service.OfferFacts, data_options: tuple[object, ...], totals: pd.Series) -> pd.DataFrame:
    """One row per scenario option: model, provider, prices, quality with source and date, speed, context, licence."""
    prices = offers.prices
    models = offers.models.set_index("model_id")
    candidates = offers.frontier.candidates
    quality = candidates.sort_values("self_reported").drop_duplicates("model_id").set_index("model_id")
    perf = offers.performance
    rows: list[dict[str, object]] = []
    by_name: dict[str, dict[str, object]] = {}
    for option in data_options:
        name = str(getattr(option, "name", ""))
        row: dict[str, object] = {
            "option": name,
            "kind": _kind(option),
            "horizon_usd": float(totals.get(name, math.nan)),
        }
        model_id: str | None = None
        if isinstance(option, ApiOption):
            match = prices[prices["model_key"] == name]
            priced = match.iloc[0] if not match.empty else None
            model_id = str(priced["model_id"]) if priced is not None and pd.notna(priced["model_id"]) else None
            row |= {
                "provider": _offer_cell(priced),
                "usd_per_1m_input": option.usd_per_1m_input,
                "usd_per_1m_output": option.usd_per_1m_output,
                "price_source": option.source or option.sheet_name,
                "price_sheet": option.sheet_name,
                "price_as_of": fmt_date(priced["effective_date"]) if priced is not None else MISSING,
                "context_tokens": priced["context_tokens"] if priced is not None else None,
            }
            measured = perf[(perf["model_key"] == name) | (perf["model_id"] == (model_id or ""))]
            if not measured.empty:
                row |= {
                    "output_tokens_per_s": float(measured["output_tokens_per_s"].median()),
                    "ttft_ms": float(measured["ttft_ms"].median()),
                    "speed_source": f"{measured['source'].iloc[0]}, {fmt_date(measured['as_of'].max())} "
                    f"(median of {_plural(len(measured), 'provider offer')})",
                    "speed_as_of": fmt_date(measured["as_of"].max()),
                }
        elif isinstance(option, SelfHostOption):
            model_id = _model_id_in(name, list(models.index))
            plan = option.plan
            row |= {
                "provider": f"self-hosted {plan.gpus_per_replica}x {plan.gpu} per replica ({plan.ownership.mode})",
                "output_tokens_per_s": plan.replica_output_tokens_per_s,
                "speed_source": f"per replica: {plan.throughput_source}",
                "price_source": plan.gpu_price_source or f"GPU {plan.ownership.mode}",
                "price_as_of": fmt_date(plan.gpu_price_as_of) if plan.gpu_price_as_of else "undated",
                "speed_as_of": fmt_date(plan.measurement.as_of)
                if plan.measurement is not None and plan.measurement.as_of
                else "undated",
            }
        else:
            assert isinstance(option, HybridOption)
            parts = [by_name.get(part, {}) for part, _ in option.shares]
            scores = [p.get("quality") for p in parts]
            row |= {"provider": ", ".join(f"{share:.0%} {part}" for part, share in option.shares)}
            if scores and all(isinstance(s, float) for s in scores):
                worst = min(scores) if quality_higher(candidates) else max(scores)  # type: ignore[type-var]
                row |= {"quality": worst, "quality_source": "the weaker of its parts"}
        if model_id is not None:
            row["model_id"] = model_id
            if model_id in models.index:
                model = models.loc[model_id]
                row.setdefault("context_tokens", model["context_tokens"])
                if pd.isna(row.get("context_tokens")):
                    row["context_tokens"] = model["context_tokens"]
                row["open_weights"] = _yes_no(model["open_weights"])
                row["licence"] = model["licence"] if pd.notna(model["licence"]) else MISSING
            if model_id in quality.index:
                scored = quality.loc[model_id]
                own = " (self-reported)" if bool(scored["self_reported"]) else ""
                row |= {
                    "quality": float(scored["quality"]),
                    "quality_source": f"{scored['quality_source']}{own}",
                    "quality_date": fmt_date(scored["quality_date"]),
                }
        by_name[name] = row
        rows.append(row)
    columns = [
        "option", "kind", "model_id", "provider", "usd_per_1m_input", "usd_per_1m_output", "price_source",
        "price_sheet", "price_as_of", "quality", "quality_source", "quality_date", "output_tokens_per_s", "ttft_ms",
        "speed_source", "speed_as_of", "context_tokens", "licence", "open_weights", "horizon_usd",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def quality_higher(candidates: pd.DataFrame) -> bool:
    """Whether higher quality is better for the candidates' metric (attrs set by `gather`)."""
    return bool(candidates.attrs.get("higher_is_better", True))


def meets_floor(quality: object, floor: float | None, higher_is_better: bool) -> bool:
    """Whether a quality score meets the floor; no floor means every option qualifies, no score means none."""
    if floor is None:
        return True
    if quality is None or (isinstance(quality, float) and math.isnan(quality)):
        return False
    return float(quality) >= floor if higher_is_better else float(quality) <= floor  # type: ignore[arg-type]


def current_option_name(options: pd.DataFrame, current: str | None) -> str | None:
    """The scenario option a request names as today's: an option's own name, or the model it serves."""
    if current is None or not current.strip():
        return None
    current = current.strip()
    names = options["option"].astype(str).tolist()
    if current in names:
        return current
    serving = sorted(str(row.option) for row in options.itertuples(index=False) if row.model_id == current)
    if len(serving) == 1:
        return serving[0]
    if serving:
        raise LookupError(
            f"{len(serving)} options serve the model {current!r} ({', '.join(serving)}); name one of them"
        )
    raise LookupError(f"no option named {current!r} and none serving that model; options: {', '.join(names)}")


def recommend(
    options: pd.DataFrame,
    totals: pd.Series,
    outcome: planning.Outcome,
    quality_floor: float | None,
    higher_is_better: bool,
    current_option: str | None,
) -> Recommendation:
    """With a quality floor, the cheapest option over the horizon meeting it; without one, none (the report ranks
    by cost only). The saving and break-even are against today's option only when the request names it."""
    current = current_option_name(options, current_option)
    chosen: str | None = None
    if quality_floor is not None:
        qualified = [
            str(row.option)
            for row in options.itertuples(index=False)
            if meets_floor(row.quality, quality_floor, higher_is_better)
        ]
        chosen = min(qualified, key=lambda name: (float(totals[name]), name)) if qualified else None
    break_even = versus = None
    if chosen is not None and current is not None and current in outcome.break_even.get(chosen, {}):
        versus = current
        break_even = outcome.break_even[chosen][current]
    return Recommendation(
        option=chosen,
        horizon_usd=float(totals[chosen]) if chosen else None,
        current_option=current,
        current_usd=float(totals[current]) if current else None,
        savings_usd=float(totals[current] - totals[chosen]) if chosen and current else None,
        break_even_month=break_even,
        break_even_versus=versus,
        quality_floor=quality_floor,
    )


def quality_versus_floor(quality: object, floor: float | None, higher_is_better: bool) -> str:
    """'meets 1,300', 'below 1,300', 'no floor given' or 'not scored'."""
    if _is_nan(quality):
        return "not scored"
    if floor is None:
        return "no floor given"
    word = "meets" if meets_floor(quality, floor, higher_is_better) else ("below" if higher_is_better else "above")
    return f"{word} {fmt_number(floor, 4)}"


def summary_table(data: ReportData) -> pd.DataFrame:
    """The one-page summary, cheapest first over the horizon: each option's cost in month 1 and over the horizon
    (the planning engine's numbers, USD), its quality against the floor, its measured latency, and the dates of
    its price and score. Numbers stay numbers, so the CSV can be worked with; `summary_rows` formats them."""
    months = data.horizon_months
    rows = data.options.set_index("option")
    first_month = data.outcome.result.monthly_usd.iloc[0]
    metric = data.metric
    floor = data.recommendation.quality_floor
    records = []
    for name, total in data.totals.items():
        row = rows.loc[name]
        records.append(
            {
                "Option": str(name),
                "Kind": str(row["kind"]),
                "Monthly cost now (USD, month 1)": float(first_month[name]),
                f"Total over {months} months (USD)": float(total),
                f"Quality ({metric.name}, {metric.unit})": None if _is_nan(row["quality"]) else float(row["quality"]),
                "Quality vs floor": quality_versus_floor(row["quality"], floor, metric.higher_is_better),
                "Time to first token (ms, median measured)": None if _is_nan(row["ttft_ms"]) else float(row["ttft_ms"]),
                "Price as of": _text_or(row["price_as_of"]),
                "Quality as of": _text_or(row["quality_date"]),
                "Price source": _text_or(row["price_source"]),
                "Quality source": _text_or(row["quality_source"]),
            }
        )
    return pd.DataFrame(records)


def _text_or(value: object, missing: str = MISSING) -> str:
    return missing if _is_nan(value) or value == "" else str(value)


def summary_rows(summary: pd.DataFrame) -> list[list[str]]:
    """The summary table's cells as the PDF prints them."""
    quality_column = next(c for c in summary.columns if c.startswith("Quality ("))
    unit = quality_column.rsplit(", ", 1)[-1].rstrip(")")
    cells = []
    for record in summary.to_dict("records"):
        quality = record[quality_column]
        cells.append(
            [
                str(record["Option"]),
                str(record["Kind"]),
                usd(record["Monthly cost now (USD, month 1)"]),
                usd(record[summary.columns[3]]),
                (f"{fmt_number(quality, 4)} {unit}, " if not _is_nan(quality) else "")
                + str(record["Quality vs floor"]),
                f"{fmt_number(record['Time to first token (ms, median measured)'], 3)} ms"
                if not _is_nan(record["Time to first token (ms, median measured)"])
                else "not measured",
                f"price {record['Price as of']}; quality {record['Quality as of']}",
            ]
        )
    return cells


def _sources(
    cited: service.Provenance, data: pd.DataFrame, frontier: service.FrontierResult, sheet_name: str
) -> pd.DataFrame:
    """The sources behind a figure in this report, with dates: the price sheets of the frontier and of the options
    shown, the benchmark sources of the scores plotted and tabled, each option's speed measurement, and each
    self-hosted option's GPU price and throughput. Nothing else the store holds."""
    rows: list[dict[str, object]] = []
    sheets = cited.price_sheets.set_index("sheet_name")
    option_sheets = {str(name) for name in data["price_sheet"].dropna() if str(name)}
    for name in sorted({sheet_name, *option_sheets}):
        if name in sheets.index:
            sheet = sheets.loc[name]
            use = "the frontier and the options" if name == sheet_name and name in option_sheets else (
                "the frontier" if name == sheet_name else "the options"
            )  # fmt: skip
            rows.append(
                {
                    "kind": f"price sheet ({sheet['kind']}), for {use}",
                    "source": f"{name}: {sheet['source']}",
                    "as_of": fmt_date(sheet["last_effective"] if pd.notna(sheet["last_effective"]) else sheet["as_of"]),
                }
            )
    scored = frontier.candidates.groupby("quality_source")["quality_date"].max()
    for source, as_of in scored.items():
        rows.append({"kind": f"benchmark: {frontier.metric.name}", "source": str(source), "as_of": fmt_date(as_of)})
    for row in data.itertuples(index=False):
        if row.kind == "API" and isinstance(row.speed_source, str):
            speed = f"{row.option}: {row.speed_source}"
            rows.append({"kind": "speed (API)", "source": speed, "as_of": row.speed_as_of})
    for row in data[data["kind"] == "self-hosted"].itertuples(index=False):
        rows.append({"kind": "GPU price", "source": f"{row.option}: {row.price_source}", "as_of": row.price_as_of})
        rows.append({"kind": "throughput", "source": f"{row.option}: {row.speed_source}", "as_of": row.speed_as_of})
    return pd.DataFrame(rows, columns=["kind", "source", "as_of"]).drop_duplicates(ignore_index=True)


def sensitivity_focus(
    recommendation: Recommendation, outcome: planning.Outcome, inputs: ProjectionInputs, totals: pd.Series
) -> tuple[str, str | None]:
    """What the sensitivity section moves: the recommended self-hosted option (else the first) against the current
    API option (else the first); without both kinds, the recommended option's own cost (else the cheapest)."""
    own = [name for name in outcome.result.monthly_usd.columns if name in outcome.break_even]
    api = [o.name for o in inputs.options if isinstance(o, ApiOption)]
    if own and api:
        versus = recommendation.current_option if recommendation.current_option in api else api[0]
        focus = recommendation.option if recommendation.option is not None and recommendation.option in own else own[0]
        return focus, versus
    return recommendation.option or str(totals.index[0]), None


def gather(store: Store, request: ReportRequest) -> ReportData:
    """Every number the report shows, each section's from one use case: the candidates from the frontier and the facts
    of its offers, spend and break-even from the scenario's evaluation, the sensitivity of the option the report
    focuses on, sources and probe runs from the store's provenance; a portfolio adds its section."""
    chosen = planning.load_scenario(store, request.scenario) if isinstance(request.scenario, str) else request.scenario
    inputs = chosen.inputs
    offers = service.offer_facts(store, request.metric_id, request.sheet_name, CandidateOptions(), SelfHostSettings())
    frontier, sheet = offers.frontier, offers.frontier.sheet_name
    frontier.candidates.attrs["higher_is_better"] = frontier.metric.higher_is_better
    # The bands are centred on the scenario, a fitted growth curve included (its path is what the draws move).
    evaluation = planning.evaluate(inputs, chosen.uncertainty, with_sensitivity=False)
    totals = evaluation.totals
    options = _option_rows(offers, inputs.options, totals)
    recommendation = recommend(
        options, totals, evaluation.outcome, request.quality_floor, frontier.metric.higher_is_better,
        request.current_option,
    )  # fmt: skip
    focus, versus = sensitivity_focus(recommendation, evaluation.outcome, inputs, totals)
    cited = service.provenance(store)
    sources = _sources(cited, options, frontier, sheet)
    if request.portfolio is not None:
        sources = pd.concat([sources, portfolio_sources(request.portfolio)], ignore_index=True)
    return ReportData(
        scenario=chosen,
        prepared_for=request.prepared_for.strip(),
        today=request.today or dt.date.today(),
        sheet_name=sheet,
        metric=frontier.metric,
        outcome=evaluation.outcome,
        totals=totals,
        monthly=evaluation.monthly,
        monte_carlo=evaluation.monte_carlo,
        bands=evaluation.bands,
        sensitivity=planning.sensitivity(inputs, focus, versus),
        sensitivity_title=sensitivity_title(inputs.horizon_months, focus, versus),
        options=options,
        frontier=frontier,
        sources=sources,
        probe_runs=cited.probe_runs,
        recommendation=recommendation,
        portfolio=request.portfolio,
        draft=request.draft,
    )


def executive_summary(data: ReportData) -> str:
    """One paragraph from the numbers: the recommendation (only with a floor), its cost, the saving against today's
    option (only when named), break-even, the uncertainty."""
    rec = data.recommendation
    months = data.horizon_months
    metric = data.metric
    cheapest, dearest = str(data.totals.index[0]), str(data.totals.index[-1])
    today = (
        f" Today's option, {rec.current_option}, would cost {usd(rec.current_usd)}."
        if rec.current_option is not None
        else " No option in use today was given, so the report states no saving against today's set-up."
    )
    if rec.quality_floor is None:
        text = (
            f"No quality floor was given, so this report recommends no option: it ranks the "
            f"{_plural(len(data.totals), 'option')} of '{data.scenario.name}' by their cost over {months} months "
            f"only (deterministic projection, USD). The cheapest is {cheapest} at {usd(data.totals.iloc[0])}"
            + (f", the dearest {dearest} at {usd(data.totals.iloc[-1])}." if len(data.totals) > 1 else ".")
            + " Set a quality floor to have the cheapest option that meets it recommended."
            + today
        )
        if rec.current_option is not None and rec.current_option != cheapest:
            saving = float(data.totals[rec.current_option] - data.totals.iloc[0])
            text += f" The cheapest option costs {usd(saving)} less, whatever its quality."
        return text + _break_even_text(data, None) + _portfolio_text(data)
    floor = f"a quality floor of {fmt_number(rec.quality_floor, 4)} {metric.unit} on {metric.name}"
    if rec.option is None:
        return (
            f"Over {months} months, none of the {len(data.totals)} options in '{data.scenario.name}' meets {floor}: "
            f"lower the floor or add a stronger option. The cheapest option overall is {cheapest}, "
            f"{usd(data.totals.iloc[0])}." + today + _portfolio_text(data)
        )
    text = (
        f"With {floor}, the recommended option is {rec.option}: {usd(rec.horizon_usd)} over {months} months "
        f"(deterministic projection, USD)."
    )
    if rec.current_option is None:
        text += today
    elif rec.option == rec.current_option:
        text += " It is also today's option, so there is nothing to save by switching."
    elif rec.savings_usd is not None and rec.savings_usd >= 0:
        text += (
            f" Against today's option, {rec.current_option} ({usd(rec.current_usd)}), it saves {usd(rec.savings_usd)}."
        )
    elif rec.savings_usd is not None:
        text += (
            f" It costs {usd(-rec.savings_usd)} more than today's option, {rec.current_option} "
            f"({usd(rec.current_usd)}), which does not meet the floor."
        )
    text += _break_even_text(data, rec.option)
    if data.monte_carlo is not None and rec.option in data.monte_carlo.tco.index:
        band = data.monte_carlo.tco.loc[rec.option]
        text += (
            f" Under uncertainty its {months}-month cost runs from {usd(band['p10'])} (P10) "
            f"to {usd(band['p90'])} (P90)."
        )
    return text + _portfolio_text(data)


def _break_even_text(data: ReportData, option: str | None) -> str:
    """The self-hosted options against today's option (else the cheapest API option), with the rule once."""
    rec = data.recommendation
    versus = data.outcome.head_to_head.get(option or "", {}).get(rec.break_even_versus or "")
    if versus is not None:
        text = f" Self-hosting: {planning.head_to_head_text(versus)}"
    else:
        # Today's option if named, else the cheapest API option: the one a fleet would have to beat.
        api = [str(row.option) for row in data.options.itertuples(index=False) if row.kind == "API"]
        against_name = rec.current_option or min(api, key=lambda name: float(data.totals[name]), default=None)
        against = [h for options in data.outcome.head_to_head.values() for h in options.values()]
        text = "".join(f" {planning.head_to_head_text(h)}" for h in against if h.versus == against_name)
    if data.outcome.head_to_head:
        text += f" The rule: {planning.BREAK_EVEN_RULE}; the break-even section compares every pair."
    return text


def _portfolio_text(data: ReportData) -> str:
    return " " + portfolio_headline(data.portfolio) if data.portfolio is not None else ""


KIND_LABELS = {"api": "API", "self-host": "self-hosted"}
LATENCY_LABELS = {"ttft": "TTFT", "e2e": "end-to-end"}


def _is_nan(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _pct(share: float) -> str:
    """A share as a percentage, with one decimal only where it is not whole ("50%", "33.3%")."""
    return f"{share:.0%}" if abs(share * 100 - round(share * 100)) < 1e-6 else f"{share:.1%}"


def _usd_small(value: object) -> str:
    """USD per month: cents below $100, whole dollars above."""
    if _is_nan(value):
        return MISSING
    amount = float(value)  # type: ignore[arg-type]
    return f"${amount:,.2f}" if abs(amount) < 100 else usd(amount)


def candidate_kind(candidate: Candidate | None, kind: str) -> str:
    """'API', 'API cascade' or 'self-hosted'."""
    if candidate is not None and candidate.cascade is not None:
        return "API cascade"
    return KIND_LABELS.get(kind, kind)


def spend_periods(spend_by_month: Sequence[float]) -> list[tuple[str, float]]:
    """Month 1, the last month, each year's subtotal (a part year names its months) and the total, in USD."""
    months = len(spend_by_month)
    if months == 0:
        return []
    rows = [("month 1", float(spend_by_month[0]))]
    if months > 1:
        rows.append((f"month {months}", float(spend_by_month[-1])))
    for start in range(0, months, 12):
        end = min(start + 12, months)
        label = f"year {start // 12 + 1}" + ("" if end - start == 12 else f" (months {start + 1}-{end})")
        rows.append((label, float(sum(spend_by_month[start:end]))))
    rows.append((f"total, {months} months", float(sum(spend_by_month))))
    return rows


def _gpu_text(section: PortfolioSection) -> str:
    fleet = section.result.fleet
    if fleet.empty:
        return "It holds no GPUs: every workload is served through an API, paid per token."
    peak = fleet.groupby("gpu", sort=True)["gpus"].sum()
    first = fleet.groupby("gpu", sort=True)["gpus_month_1"].sum()
    held = ", ".join(f"{int(n):,} {gpu}" for gpu, n in peak.items())
    text = f"It holds {held} GPUs at the peak"
    if not first.equals(peak):
        text += " (" + ", ".join(f"{int(n):,} {gpu}" for gpu, n in first.items()) + " in month 1)"
    return text + ", self-hosted on the allocation basis (paid whether busy or idle)."


def portfolio_summary(section: PortfolioSection) -> str:
    """The section's lead paragraph, written from the numbers."""
    r = section.result
    text = (
        f"Over {r.months} months, the cheapest portfolio that serves {_plural(len(section.workloads), 'workload')} "
        f"within their quality floors and latency objectives costs {usd(r.total_usd)} "
        f"({usd(r.monthly_usd)} per month on average; API prices from '{section.sheet_name}')."
    )
    saving = r.saving_vs_best_single_usd
    if r.best_single_option is None or saving is None or r.best_single_usd is None:
        text += " No single option meets every workload's floor and objective, so only a mix can serve them all."
    elif abs(saving) < 0.5:
        text += (
            f" The best single option, {r.best_single_option}, costs the same ({usd(r.best_single_usd)}): "
            "mixing options saves nothing here."
        )
    else:
        share = f" ({saving / r.best_single_usd:.0%})" if r.best_single_usd > 0 else ""
        text += (
            f" Serving every workload with the best single option, {r.best_single_option}, would cost "
            f"{usd(r.best_single_usd)}: the portfolio saves {usd(saving)}{share}."
        )
    against = r.saving_vs_current_usd
    if r.current_usd is not None and against is not None:
        if abs(against) < 0.5:
            text += f" It costs the same as the current assignment ({usd(r.current_usd)})."
        elif against > 0:
            text += f" Against the current assignment ({usd(r.current_usd)}), it saves {usd(against)}."
        else:
            text += f" It costs {usd(-against)} more than the current assignment ({usd(r.current_usd)})."
        if r.current_problems:
            text += f" The current assignment misses: {'; '.join(r.current_problems)}."
    else:
        text += " No current assignment was given, so there is no saving against today's set-up."
    return f"{text} {_gpu_text(section)}"


def portfolio_headline(section: PortfolioSection) -> str:
    """One sentence on the portfolio for the executive summary."""
    r = section.result
    text = (
        f"Optimising per workload, a portfolio serving {_plural(len(section.workloads), 'workload')} costs "
        f"{usd(r.total_usd)} over {r.months} months"
    )
    saving = r.saving_vs_best_single_usd
    if r.best_single_option is None or saving is None:
        text += ", where no single option meets every workload"
    elif abs(saving) < 0.5:
        text += f", the same as the best single option, {r.best_single_option}"
    else:
        text += f", {usd(saving)} less than the best single option, {r.best_single_option} ({usd(r.best_single_usd)})"
    return text + "; the Portfolio section gives the assignment."


def portfolio_sources(section: PortfolioSection) -> pd.DataFrame:
    """Where the portfolio's numbers come from: the price sheet, each workload's metric, each candidate's source."""
    rows: list[dict[str, object]] = [
        {"kind": "portfolio: API prices", "source": section.sheet_name, "as_of": "see the price sheet"}
    ]
    by_label: dict[str, list[str]] = {}
    for w in section.workloads:
        by_label.setdefault(section.metric_labels.get(w.name, "quality (metric not stated)"), []).append(w.name)
    for label, names in by_label.items():
        rows.append({"kind": "portfolio: quality metric", "source": f"{label}: {', '.join(names)}", "as_of": ""})
    for c in section.candidates:
        rows.append({"kind": "portfolio: candidate", "source": f"{c.name}: {c.source or 'not stated'}", "as_of": ""})
    return pd.DataFrame(rows, columns=["kind", "source", "as_of"])


class _Pdf(FPDF):
    """A4 with the report's fonts and a page-number footer."""

    title_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.title_text[:90]}  ·  page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)


def _new_pdf(title: str, today: dt.date, creator: str = "Frontier (python -m pricing report)") -> _Pdf:
    """A4 with the report's fonts; dated `today` (creation date and file id), so the same inputs give the same bytes."""
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FALLBACK_FONT, "", str(FONT_DIR / "DroidSansFallbackFull.ttf"))
    pdf.set_fallback_fonts([FALLBACK_FONT], exact_match=False)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    created = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    pdf.set_creation_date(created)
    pdf.set_title(title)
    pdf.set_author("Frontier")
    pdf.set_creator(creator)
    pdf.set_producer("Frontier")
    pdf.title_text = f"{title}, {today.isoformat()}"
    return pdf


def _heading(pdf: FPDF, text: str, size: int = 14) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font(FONT, size=9)


def _subheading(pdf: FPDF, text: str, keep_mm: float = 30) -> None:
    """A size-11 heading that starts a new page rather than sit alone under `keep_mm` of free space."""
    if pdf.get_y() + keep_mm > pdf.page_break_trigger:
        pdf.add_page()
    _heading(pdf, text, 11)


def _para(pdf: FPDF, text: str, size: float = 9.5) -> None:
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


TABLE_PADDING_MM = 0.8
MIN_ROWS_TOGETHER = 3  # a page break never leaves fewer rows of a table alone at a page's top or foot


def _row_height(pdf: FPDF, cells: Sequence[str], widths_mm: Sequence[float], line_mm: float, bold: bool) -> float:
    """How tall a table row will be: its tallest cell's wrapped lines, plus the padding."""
    pdf.set_font(FONT, "B" if bold else "", pdf.font_size_pt)
    lines = 1
    for text, width in zip(cells, widths_mm, strict=False):
        wrapped = pdf.multi_cell(
            max(width - 2 * TABLE_PADDING_MM, 1), line_mm, str(text), dry_run=True, output=MethodReturnValue.LINES
        )
        lines = max(lines, len(wrapped) if isinstance(wrapped, list) else 1)
    pdf.set_font(FONT, "", pdf.font_size_pt)
    return lines * line_mm + 2 * TABLE_PADDING_MM


def table_pages(
    space_mm: float, page_mm: float, heading_mm: float, rows_mm: Sequence[float], min_rows: int = MIN_ROWS_TOGETHER
) -> list[int]:
    """How many rows go on each page: the first entry is what fits in `space_mm` left on this page (0: start on
    the next), each later one on a fresh page of `page_mm`, the headings repeated on each. No page holds fewer than
    `min_rows` rows of a table that has more: a short start moves to the next page, a short end takes rows along."""
    counts: list[int] = []
    available = space_mm
    index = 0
    while index < len(rows_mm):
        used, taken = heading_mm, 0
        while index + taken < len(rows_mm) and used + rows_mm[index + taken] <= available:
            used += rows_mm[index + taken]
            taken += 1
        left = len(rows_mm) - index
        if not counts and taken < min(min_rows, left):
            taken = 0  # too few rows would sit at this page's foot: the table starts on the next page
        elif taken == 0:
            taken = 1  # a row taller than a page: fpdf breaks it
        counts.append(taken)
        index += taken
        available = page_mm
    nonzero = [i for i, n in enumerate(counts) if n]
    if len(nonzero) >= 2:
        last, before = nonzero[-1], nonzero[-2]
        short = min(min_rows, len(rows_mm)) - counts[last]
        if short > 0 and counts[before] - short >= min_rows:
            counts[before] -= short
            counts[last] += short
        elif short > 0 and counts[0] and heading_mm + sum(rows_mm) <= page_mm:
            return [0, len(rows_mm)]  # too short to split well: the whole table on the next page
    return counts


def _table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float] | None = None,
    size: float = 7.5,
    align: Sequence[str] | None = None,
    title: str | None = None,
    min_rows: int = MIN_ROWS_TOGETHER,
) -> None:
    """A table that splits across pages and repeats its headings on each, never leaving fewer than `min_rows` rows
    alone at a page's top or foot; a `title` (a size-11 heading) stays with its first rows."""
    if not rows:
        if title:
            _subheading(pdf, title, 20)
        _para(pdf, "(none)")
        return
    pdf.set_font(FONT, size=size)
    aligns = tuple(align) if align is not None else tuple("LEFT" for _ in headings)
    weights = tuple(widths) if widths else tuple(1.0 for _ in headings)
    widths_mm = [pdf.epw * w / sum(weights) for w in weights]
    line_mm = size * 0.5
    cells = [[str(value) for value in values] for values in rows]
    heading_mm = _row_height(pdf, headings, widths_mm, line_mm, bold=True)
    rows_mm = [_row_height(pdf, values, widths_mm, line_mm, bold=False) for values in cells]
    title_mm = 11 * 0.55 * (1 + len(title) // 90) + 1.5 if title else 0.0
    slack_mm = 1.0  # the estimate against fpdf's own layout
    space = pdf.page_break_trigger - pdf.get_y() - title_mm - slack_mm
    page = pdf.page_break_trigger - pdf.t_margin - slack_mm
    counts = table_pages(space, page, heading_mm, rows_mm, min_rows)
    if counts[0] == 0:
        pdf.add_page()
        counts = counts[1:]
    if title:
        _heading(pdf, title, 11)
        pdf.set_font(FONT, size=size)
    start = 0
    for part, count in enumerate(counts):
        if part:
            pdf.add_page()
            pdf.set_font(FONT, size=size)
        with pdf.table(
            col_widths=weights,
            text_align=aligns,
            line_height=line_mm,
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            padding=TABLE_PADDING_MM,
            first_row_as_headings=True,
        ) as table:
            heading = table.row()
            for text in headings:
                heading.cell(text)
            for values in cells[start : start + count]:
                row = table.row()
                for value in values:
                    row.cell(value)
        start += count
    pdf.set_font(FONT, size=9)
    pdf.ln(3)


def _keep(pdf: FPDF, mm: float) -> None:
    """Start a new page unless `mm` of space is left on this one (a heading with the start of its content)."""
    if pdf.get_y() + mm > pdf.page_break_trigger:
        pdf.add_page()


def _bullets(pdf: FPDF, items: Sequence[str], size: float = 9) -> None:
    """A list with hanging bullets."""
    pdf.set_font(FONT, size=size)
    for item in items:
        pdf.cell(5, size * 0.5, "•")
        pdf.multi_cell(pdf.epw - 5, size * 0.5, item, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)
    pdf.ln(1.5)


def _image(pdf: FPDF, image: bytes | None, what: str) -> None:
    if image is None:
        _para(pdf, f"({what}: chart not rendered in this build.)")
        return
    pdf.image(io.BytesIO(image), w=pdf.epw)
    pdf.ln(2)


def _cover(
    pdf: FPDF, title: str, subtitle: str, today: dt.date, prepared_for: str, facts: str, top_mm: float = 30
) -> None:
    """The first page's head: title, subtitle, date, who it is for and one line of facts (`top_mm` below the
    margin)."""
    pdf.add_page()
    pdf.ln(top_mm)
    pdf.set_font(FONT, "B", 22)
    pdf.multi_cell(0, 11, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 9, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, f"Date: {today.isoformat()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(0, 7, f"Prepared for: {prepared_for or 'not stated'}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(0, 7, facts, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)


def _title_page(pdf: FPDF, data: ReportData) -> None:
    """The cover carries the summary: title, executive summary and the one-page table of options."""
    _cover(
        pdf,
        "LLM cost and quality comparison" + (f": {DRAFT_NAME}" if data.draft else ""),
        f"Draft from the page's defaults, never loaded or saved as a scenario (working name: {data.scenario.name})"
        if data.draft
        else f"Scenario: {data.scenario.name}",
        data.today,
        data.prepared_for,
        f"Horizon: {data.horizon_months} months · prices: {data.sheet_name} · quality: {data.metric.label}",
        top_mm=6,
    )
    _heading(pdf, "Executive summary", 13)
    _para(pdf, executive_summary(data), 10)
    _subheading(pdf, "Summary of the options (cheapest first)", 40)
    months = data.horizon_months
    _table(
        pdf,
        [
            "Option",
            "Kind",
            "Monthly cost now (USD)",
            f"Total over {months} months (USD)",
            f"Quality ({data.metric.name}) vs floor",
            "Time to first token",
            "Source dates",
        ],  # fmt: skip
        summary_rows(summary_table(data)),
        widths=(44, 19, 19, 21, 30, 18, 29),
        size=8,
        align=("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT", "LEFT"),
    )
    _para(
        pdf,
        "Monthly cost now is month 1 of the projection; totals are the deterministic projection. Quality is each "
        f"model's {data.metric.label} score; time to first token is the median measured over its provider offers "
        "(self-hosted: not measured). Sources are listed under Sources. The same table is offered as CSV.",
        8,
    )


SECTION_WITH_CHART_MM = 150  # a section's heading, its lead paragraph and its chart stay on one page


def _candidates_section(pdf: FPDF, data: ReportData, images: ReportImages) -> None:
    _keep(pdf, SECTION_WITH_CHART_MM)
    _heading(pdf, "1. Candidates: quality against cost")
    frontier = data.frontier
    _para(
        pdf,
        f"Every priced and scored offer under '{data.sheet_name}' (and self-hosted offers on rented GPUs), "
        f"{frontier.cost_metric.label} against {frontier.metric.label}. Points on the line are not beaten on both "
        f"cost and quality. {len(frontier.candidates):,} offers plotted; {frontier.excluded_unscored:,} priced models "
        "have no score on this metric. Each model is priced at its maker's own list price where the maker sells it; "
        "otherwise at the cheapest host of its open weights, or else at the median-priced reseller (marked 'via ... "
        f"(reseller)'). {frontier.free_tier_left_off:,} free-tier ($0) offers and {frontier.flagged_left_off:,} offers "
        "with a flagged price are left off (the flagged ones are listed after the frontier table).",
    )
    _image(pdf, images.frontier, "frontier")
    _table(
        pdf,
        [
            "Option",
            "Provider / deployment",
            "Input $/1M",
            "Output $/1M",
            "Quality (source, date)",
            "Speed tok/s · TTFT ms",
            "Context",
            "Licence · open weights",
        ],  # fmt: skip
        [
            [
                str(row.option),
                str(row.provider),
                usd_price(row.usd_per_1m_input),
                usd_price(row.usd_per_1m_output),
                f"{fmt_number(row.quality, 4)} ({row.quality_source}, {row.quality_date})"
                if pd.notna(row.quality)
                else "not scored",
                f"{_num(row.output_tokens_per_s)} · {_num(row.ttft_ms)}"
                if pd.notna(row.output_tokens_per_s)
                else "not measured",
                _num(row.context_tokens),
                f"{row.licence if isinstance(row.licence, str) else MISSING} · "
                f"{row.open_weights if isinstance(row.open_weights, str) else MISSING}",
            ]
            for row in data.options.itertuples(index=False)
        ],
        widths=(36, 26, 13, 13, 30, 20, 17, 35),
        align=("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "LEFT"),
        title="Options in this scenario",
    )
    on = frontier.candidates[frontier.candidates["on_frontier"].astype(bool)].sort_values("cost_usd")
    _table(
        pdf,
        [
            "Model",
            "Offer",
            f"Cost ({frontier.cost_metric.unit})",
            "Input $/1M",
            "Output $/1M",
            f"Quality ({frontier.metric.unit})",
            "Score source, date",
            "Context",
            "Licence · open",
        ],  # fmt: skip
        [
            [
                str(row.display_name),
                str(row.offer_label) + (f" (price flagged: {row.price_flag_reason})" if row.price_flagged else ""),
                usd_price(row.cost_usd),
                usd_price(row.usd_per_1m_input) if row.deployment != "self-hosted" else "GPU time",
                usd_price(row.usd_per_1m_output),
                fmt_number(row.quality, 4),
                f"{row.quality_source}{' (self-reported)' if row.self_reported else ''}, {fmt_date(row.quality_date)}",
                _num(row.context_tokens),
                f"{row.licence if isinstance(row.licence, str) else MISSING} · {_yes_no(row.open_weights)}",
            ]
            for row in on.itertuples(index=False)
        ],
        widths=(30, 32, 15, 13, 13, 13, 26, 15, 33),
        title="Offers on the frontier",
    )
    flagged = frontier.left_off[frontier.left_off["why"] != FREE_TIER]
    if not flagged.empty:
        _table(
            pdf,
            ["Model", "Offer (sheet key)", "Input $/1M", "Output $/1M", "Why the price is flagged"],
            [
                [
                    str(row.model_id),
                    str(row.model_key),
                    usd_price(row.usd_per_1m_input),
                    usd_price(row.usd_per_1m_output),
                    str(row.why),
                ]
                for row in flagged.itertuples(index=False)
            ],
            widths=(32, 48, 14, 14, 82),
            align=("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"),
            title="Offers left off: flagged prices",
        )


def _projection_section(pdf: FPDF, data: ReportData, images: ReportImages) -> None:
    _keep(pdf, SECTION_WITH_CHART_MM)
    inputs = data.scenario.inputs
    _heading(pdf, f"2. Spend over {data.horizon_months} months")
    band_text = (
        f"Lines are the plan's monthly spend; bands are P10 to P90 of {data.monte_carlo.n_paths:,} Monte Carlo paths "
        f"(seed {data.monte_carlo.seed}), each moving the scenario's own growth, price declines and peak-to-average "
        "by at most the spreads listed under Assumptions, so the plan sits in the middle of its band."
        if data.monte_carlo is not None
        else "No Monte Carlo bands in this build."
    )
    _para(pdf, band_text)
    _image(pdf, images.spend, "monthly spend")
    if data.monte_carlo is not None:
        tco = data.monte_carlo.tco
        _table(
            pdf,
            ["Option", "Plan", "P10", "P50", "P90", "Mean", "Share of paths cheapest"],
            [
                [
                    str(name),
                    usd(data.totals.get(name)),
                    usd(row["p10"]),
                    usd(row["p50"]),
                    usd(row["p90"]),
                    usd(row["mean"]),
                    f"{float(data.monte_carlo.prob_cheapest.get(name, 0.0)):.0%}",
                ]  # fmt: skip
                for name, row in tco.iterrows()
            ],
            widths=(56, 21, 21, 21, 21, 21, 19),
            align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            title=f"{data.horizon_months}-month cost under uncertainty (USD)",
        )
    names = list(data.monthly.columns)
    for start in range(0, len(names), MONTHLY_COLUMNS_PER_TABLE):
        chunk = names[start : start + MONTHLY_COLUMNS_PER_TABLE]
        _table(
            pdf,
            ["Period", *chunk],
            [[str(period), *(usd(data.monthly.loc[period, name]) for name in chunk)] for period in data.monthly.index],
            widths=(30, *([150 / len(chunk)] * len(chunk))),
            align=("LEFT", *(["RIGHT"] * len(chunk))),
            title="Monthly spend (USD), with yearly subtotals" if start == 0 else None,
        )
    _keep(pdf, SECTION_WITH_CHART_MM)
    _heading(pdf, "3. Break-even")
    _image(pdf, images.cumulative, "cumulative spend")
    if data.outcome.head_to_head:
        n = data.horizon_months
        _para(
            pdf,
            f"The rule: {planning.BREAK_EVEN_RULE}. An option can lead for most of the horizon and still have no "
            f"break-even, so the saving over the {n} months (the API option's total minus this one's; negative: it "
            "costs more) and the months it leads stand beside it.",
        )
        _table(
            pdf,
            [
                "Self-hosted or hybrid option",
                "Against API option",
                "Break-even",
                f"Saving over {n} months",
                "Ahead on cumulative spend",
                "Cheaper month by month",
            ],
            [
                [
                    h.option,
                    h.versus,
                    f"month {h.break_even_month}" if h.break_even_month else f"none within {n} months",
                    usd(h.saving_usd) if h.saving_usd >= 0 else f"-{usd(-h.saving_usd)}",
                    _months_text(h.months_ahead, n),
                    _months_text(h.months_cheaper, n),
                ]
                for against in data.outcome.head_to_head.values()
                for h in against.values()
            ],
            widths=(44, 32, 22, 24, 29, 29),
            align=("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
        )
    else:
        _para(pdf, "No self-hosted or hybrid option in this scenario, so there is no break-even to compute.")
    _keep(pdf, SECTION_WITH_CHART_MM if images.tornado is not None else 60)
    _heading(pdf, "4. Sensitivity", 14)
    _para(
        pdf,
        f"{data.sensitivity_title}: each bar moves one input from its low to its high value, the others held at "
        "the scenario's values.",
    )
    _image(pdf, images.tornado, "sensitivity")
    if data.sensitivity is not None:
        _table(
            pdf,
            ["Input", "Low value", "High value", "Cost at low", "Cost at high", "Swing"],
            [
                [
                    str(row.label),
                    str(row.low_text),
                    str(row.high_text),
                    usd(row.tco_low),
                    usd(row.tco_high),
                    usd(row.swing),
                ]  # fmt: skip
                for row in data.sensitivity.itertuples(index=False)
            ],
            widths=(62, 22, 22, 25, 25, 24),
            align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )
    del inputs


def _months_text(months: tuple[int, ...], horizon: int) -> str:
    """'34 of 36 (1-34)'."""
    ranges = f" ({planning.month_ranges(months)})" if 0 < len(months) < horizon else ""
    return f"{len(months)} of {horizon}{ranges}"


def assumption_notes(scenario: planning.Scenario) -> list[str]:
    """The assumptions a reader needs in words: the mix, each API price's decline and why, the Monte Carlo's
    spreads (centred on the scenario), and why each default option was chosen."""
    inputs = scenario.inputs
    notes = [
        f"Volume: {planning.growth_label(inputs)}; input:output {inputs.input_output_ratio:.2f}:1 with "
        f"{inputs.cached_share:.1%} of input from cache ({scenario.mix_window or 'set in the scenario'}).",
    ]
    for option in inputs.options:
        if isinstance(option, ApiOption):
            why = option.price_decline_source or planning.describe_decline(option.price_decline_factor_per_year)
            notes.append(f"API price of {option.name}: {why}; offer: {option.source}.")
    notes += [f"Monte Carlo, {label}: {text}." for label, text in scenario.uncertainty.describe()]
    notes += [note if note.endswith(".") else f"{note}." for note in scenario.notes]
    return notes


def assumption_rows(scenario: planning.Scenario) -> list[tuple[str, str]]:
    """Every input of the scenario as (input, value) in words, in the scenario's own order."""
    return readable.assumption_rows(scenario.to_dict())  # its notes are written out as sentences above the table


UNITS_OF_BARE_NUMBERS = {"Hours in a month": "hours", "Monte Carlo: paths": "paths"}


def assumption_sentences(scenario: planning.Scenario) -> list[str]:
    """Every input of the scenario as sentences: one per option ('gpt-4o-mini: price per 1M input tokens $0.15;
    ...'), one per other input ('Horizon: 36 months.'); each value with its unit."""
    names = [str(option.name) for option in scenario.inputs.options]
    by_option: dict[str, list[str]] = {name: [] for name in names}
    others: list[str] = []
    for label, value in assumption_rows(scenario):
        if label == "Scenario":
            continue  # the cover names it
        unit = UNITS_OF_BARE_NUMBERS.get(label)
        text = f"{value} {unit}" if unit and value.replace(",", "").isdigit() else value
        owner = next((name for name in names if label.startswith(f"{name}: ")), None)
        if owner is None:
            others.append(f"{label}: {text}.")
        else:
            by_option[owner].append(f"{label[len(owner) + 2 :]} {text}")
    return [f"{name}: {'; '.join(parts)}." for name, parts in by_option.items() if parts] + others


def _assumptions_section(pdf: FPDF, data: ReportData, number: int = 5) -> None:
    _keep(pdf, 60)
    _heading(pdf, f"{number}. Assumptions")
    _bullets(pdf, assumption_notes(data.scenario))
    _subheading(pdf, "Every input of the scenario, as saved", 30)
    _bullets(pdf, assumption_sentences(data.scenario))
    _keep(pdf, 45)
    _heading(pdf, f"{number + 1}. Sources")
    _para(pdf, "The sources behind a figure in this report, each with the date of its data.")
    _table(pdf, ["Kind", "Source", "As of"], data.sources.astype(str).values.tolist(), widths=(38, 122, 20))


APPROVAL_FIELDS = ("Prepared by", "Reviewed by", "Date", "Decision")
APPROVAL_MM = 80


def _approval(pdf: FPDF, data: ReportData) -> None:
    """A block to sign: prepared by, reviewed by, date and decision, each with a blank line; kept on one page."""
    _keep(pdf, APPROVAL_MM)
    _heading(pdf, "Approval")
    chosen = data.recommendation.option
    _para(
        pdf,
        f"Decision on the scenario '{data.scenario.name}'"
        + (f" (recommended option: {chosen})" if chosen else " (no option recommended: no quality floor was given)")
        + ". Write names, the date and the decision by hand or in a PDF editor.",
    )
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    for field in APPROVAL_FIELDS:
        pdf.cell(32, 12, f"{field}:")
        y = pdf.get_y() + 9
        pdf.line(pdf.l_margin + 32, y, pdf.l_margin + pdf.epw, y)
        pdf.ln(12)
        if field == "Decision":
            pdf.set_font(FONT, size=8.5)
            pdf.cell(32, 5, "")
            pdf.cell(0, 5, "approve · approve with changes · reject · ask for another quote", new_x=XPos.LMARGIN,
                     new_y=YPos.NEXT)  # fmt: skip
            pdf.set_font(FONT, size=10)
    pdf.set_font(FONT, size=9)


def _appendix(pdf: FPDF, data: ReportData) -> None:
    runs = data.probe_runs
    if runs.empty:
        return
    _keep(pdf, 60)
    _heading(pdf, "Appendix: probe runs")
    _para(pdf, f"{len(runs)} probe runs in the store: live measurements of endpoints and own evaluation suites.")
    rows = []
    for run in runs.sort_values("started_at").itertuples(index=False):
        summary: object = {}
        if isinstance(run.summary_json, str):
            try:
                summary = json.loads(run.summary_json)
            except ValueError:
                summary = {}
        facts = (
            "; ".join(
                f"{readable.humane_key(str(k))}: {fmt_number(v, 4) if isinstance(v, int | float) else v}"
                for k, v in summary.items()
                if isinstance(v, int | float | str) and not isinstance(v, bool)
            )[:240]
            if isinstance(summary, dict)
            else ""
        )
        rows.append(
            [
                str(run.run_id),
                f"{run.model} ({run.endpoint_name or 'no endpoint'})",
                str(run.suite or "latency"),
                str(run.status),
                fmt_date(run.started_at),
                usd_price(run.estimated_cost_usd),
                facts,
            ]
        )
    _table(
        pdf,
        ["Run", "Model (endpoint)", "Suite", "Status", "Started", "Est. cost", "Summary"],
        rows,
        widths=(20, 36, 18, 14, 18, 14, 60),
    )


def _key_figures(section: PortfolioSection) -> list[list[str]]:
    r = section.result
    months = r.months
    rows = [[f"Portfolio cost over {months} months", usd(r.total_usd)], ["Average per month", usd(r.monthly_usd)]]
    if r.best_single_option is not None:
        rows += [
            [f"Best single option over {months} months: {r.best_single_option}", usd(r.best_single_usd)],
            ["Saving against the best single option", usd(r.saving_vs_best_single_usd)],
        ]
    else:
        rows.append(["Best single option", "none meets every workload"])
    if r.current_usd is not None:
        rows += [
            [f"Current assignment over {months} months", usd(r.current_usd)],
            ["Saving against the current assignment (negative: extra cost)", usd(r.saving_vs_current_usd)],
        ]
    for gpu, count in sorted(r.gpus_by_type().items()):
        rows.append([f"{gpu} GPUs held at the peak", f"{count:,}"])
    return rows


def _quality_cell(quality: object, floor: float | None, label: str) -> str:
    if _is_nan(quality):
        return f"no score ({label})"
    score = fmt_number(quality, 4)
    return f"{score} vs floor {fmt_number(floor, 4)} ({label})" if floor is not None else f"{score}, no floor ({label})"


def _latency_cell(latency_ms: object, objective_ms: float | None, metric: str) -> str:
    name = LATENCY_LABELS.get(metric, metric)
    measured = "not measured" if _is_nan(latency_ms) else f"{_num(latency_ms)} ms {name}"
    if objective_ms is None:
        return f"{measured}, no objective"
    return f"{measured} vs {objective_ms:,.0f} ms objective"


def _candidate_price(c: Candidate) -> str:
    decline = c.price_decline_factor_per_year
    trend = f"; ÷{fmt_number(decline, 4)} per year" if decline not in (0, 1) else ""
    if c.kind == "api":
        return f"{usd_price(c.usd_per_1m_input)} in / {usd_price(c.usd_per_1m_output)} out per 1M tokens{trend}"
    return (
        f"{usd(c.usd_per_gpu_month)} per GPU-month{trend}; {c.gpus_per_replica} × {c.gpu or 'GPU'} per replica, "
        f"{c.replica_output_tokens_per_s:,.0f} output tokens/s per replica"
    )


def _candidate_latency(c: Candidate) -> str:
    if c.cascade is not None:
        return "escalated requests wait for the small model end to end, then the large one"
    if c.latency_ms is None:
        return "not measured"
    speed = f"; {c.output_tokens_per_s:,.0f} output tokens/s" if c.output_tokens_per_s is not None else ""
    return f"{c.latency_ms:,.0f} ms TTFT{speed}"


def _objective_cell(w: Workload) -> str:
    if w.latency_objective_ms is None:
        return "none"
    text = f"{w.latency_objective_ms:,.0f} ms {LATENCY_LABELS.get(w.latency_metric, w.latency_metric)}"
    if w.latency_metric == "e2e" and w.output_tokens_per_request is not None:
        text += f" ({w.output_tokens_per_request:,.0f} output tokens per request)"
    return text


def _volume_cell(w: Workload, months: int) -> str:
    if not w.volume_multipliers:
        return "flat"
    multipliers = w.multipliers(months)
    return f"×{fmt_number(multipliers[0], 3)} in month 1, ×{fmt_number(multipliers[-1], 3)} in month {months}"


def _candidate_quality(c: Candidate) -> str:
    if isinstance(c.quality, Mapping):
        scores = [f"{w}: {fmt_number(q, 4)}" for w, q in sorted(c.quality.items())]
        return "; ".join(scores) if scores else "no score"
    return fmt_number(float(c.quality), 4)


def _floor_curve_text(section: PortfolioSection) -> str:
    curve = section.floor_curve
    assert curve is not None and section.curve_workload is not None
    label = section.metric_labels.get(section.curve_workload, "quality")
    floors = curve["floor"].astype(float)
    infeasible = floors[~curve["feasible"].astype(bool)].sort_values().tolist()
    text = (
        f"The cheapest portfolio's cost over {section.months} months (USD) as the quality floor of "
        f"{section.curve_workload} on {label} moves from {fmt_number(floors.min(), 4)} to "
        f"{fmt_number(floors.max(), 4)}; the other workloads keep their floors and objectives."
    )
    if len(infeasible) == 1:
        text += (
            f" No portfolio meets a floor of {fmt_number(infeasible[0], 4)}: a gap in the chart, 'infeasible' in "
            "the table."
        )
    elif infeasible:
        shown = ", ".join(fmt_number(f, 4) for f in infeasible[:8]) + (", ..." if len(infeasible) > 8 else "")
        text += (
            f" No portfolio meets {len(infeasible)} of the floors ({shown}): gaps in the chart, 'infeasible' in "
            "the table."
        )
    return text


def _portfolio_section(pdf: FPDF, section: PortfolioSection, images: ReportImages, number: int) -> None:
    """The portfolio: summary, assignment, fleet, spend per month, floor curve, workloads, candidates, notes."""
    r = section.result
    months = r.months
    by_workload = {w.name: w for w in section.workloads}
    labels = section.metric_labels
    pdf.add_page()
    _heading(pdf, f"{number}. Portfolio: the cheapest mix of models per workload")
    _para(pdf, portfolio_summary(section))
    _subheading(pdf, "Assignment")
    rows = []
    by_candidate = {c.name: c for c in section.candidates}
    for row in r.assignments.itertuples(index=False):
        w = by_workload.get(str(row.workload))
        rows.append(
            [
                str(row.workload),
                str(row.candidate),
                candidate_kind(by_candidate.get(str(row.candidate)), str(row.kind)),
                _pct(float(row.share)),
                _quality_cell(row.quality, w.quality_floor if w else None, labels.get(str(row.workload), "quality")),
                _latency_cell(row.latency_ms, w.latency_objective_ms if w else None, w.latency_metric if w else "ttft"),
                _usd_small(row.monthly_usd),
            ]
        )
    _table(
        pdf,
        ["Workload", "Served by", "Kind", "Share", "Quality vs floor (metric)", "Latency vs objective", "USD/month"],
        rows,
        widths=(26, 36, 18, 11, 38, 37, 20),
        align=("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "RIGHT"),
    )
    _para(
        pdf,
        "USD/month is the average over the horizon; a self-hosted fleet's cost is split across its workloads by "
        "their share of its load.",
        8,
    )
    _subheading(pdf, "Self-hosted fleet")
    fleet = r.fleet
    if fleet.empty:
        _para(pdf, "No self-hosted fleet: every workload is served through an API, paid per token.")
    else:
        _table(
            pdf,
            ["GPU type", "Model (candidate)", "Replicas", "GPUs month 1", "GPUs peak", "Load / capacity", "USD/month"],
            [
                [
                    str(row.gpu),
                    str(row.candidate),
                    f"{int(row.replicas):,}",
                    f"{int(row.gpus_month_1):,}",
                    f"{int(row.gpus):,}",
                    f"{_num(row.load_tokens_per_s)} / {_num(row.capacity_tokens_per_s)} output tokens/s"
                    + (
                        f" ({float(row.load_tokens_per_s) / float(row.capacity_tokens_per_s):.0%})"
                        if float(row.capacity_tokens_per_s) > 0
                        else ""
                    ),
                    _usd_small(row.monthly_usd),
                ]
                for row in fleet.itertuples(index=False)
            ],
            widths=(24, 42, 15, 17, 15, 50, 22),
            align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "RIGHT"),
        )
        _para(
            pdf,
            "Replicas and peak GPUs are the most held in any month; load is the peak-hour output rate, capacity the "
            "replicas' rate at the target utilisation with headroom kept free.",
            8,
        )
    _subheading(pdf, f"Spend per month over {months} months", CHART_MM)
    if r.spend_by_month:
        _image(pdf, images.portfolio_spend, "portfolio spend per month")
        periods = spend_periods(r.spend_by_month)
        _table(
            pdf,
            [f"{label} (USD)" for label, _ in periods],
            [[usd(value) for _, value in periods]],
            align=tuple("RIGHT" for _ in periods),
        )
    else:
        _para(pdf, "(This result does not break its spend down by month.)")
    if section.floor_curve is not None and section.curve_workload is not None:
        curve = section.floor_curve.sort_values("floor")
        _subheading(pdf, f"What changes if the floor of {section.curve_workload} moves", CHART_MM)
        _para(pdf, _floor_curve_text(section))
        _image(pdf, images.portfolio_curve, "portfolio cost against the quality floor")
        _table(
            pdf,
            [f"Floor ({labels.get(section.curve_workload, 'quality')})", f"Portfolio cost over {months} months (USD)"],
            [
                [fmt_number(float(row.floor), 4), usd(row.total_usd) if bool(row.feasible) else "infeasible"]
                for row in curve.itertuples(index=False)
            ],
            widths=(90, 90),
            align=("RIGHT", "RIGHT"),
        )
    _subheading(pdf, "Workloads")
    current = section.current or {}
    _table(
        pdf,
        [
            "Workload",
            "Input tokens/month (base)",
            "Output tokens/month (base)",
            "Volume growth",
            "Quality floor (metric)",
            "Latency objective",
            "Served today by",
        ],  # fmt: skip
        [
            [
                w.name,
                f"{w.monthly_input_tokens:,.0f}",
                f"{w.monthly_output_tokens:,.0f}",
                _volume_cell(w, months),
                f"{fmt_number(w.quality_floor, 4)} ({labels.get(w.name, 'quality')})"
                if w.quality_floor is not None
                else "none",
                _objective_cell(w),
                current.get(w.name, "not given"),
            ]
            for w in section.workloads
        ],
        widths=(26, 23, 23, 27, 33, 30, 28),
        align=("LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT", "LEFT", "LEFT"),
    )
    _subheading(pdf, "Candidates")
    _table(
        pdf,
        ["Candidate", "Kind", "Price (USD)", "Quality", "Latency", "Source"],
        [
            [
                c.name,
                candidate_kind(c, c.kind),
                _candidate_price(c),
                _candidate_quality(c),
                _candidate_latency(c),
                c.source or "not stated",
            ]
            for c in section.candidates
        ],
        widths=(34, 18, 42, 26, 28, 42),
    )
    _subheading(pdf, "Assumptions", 20)
    if section.notes:
        _bullets(pdf, section.notes)
    else:
        _para(pdf, "(No assumptions were given with this portfolio.)")


SHRINK_SAVING_MONTHS = (18, 24, 36)


@dataclass(frozen=True)
class ShrinkSummary:
    """A shrunk option of the scenario as the report's shrink section shows it: its path, what making it costs,
    payback and savings against its baseline on the scenario's own projection, and its quality and each cost with its
    source, from the facts its making cost keeps (`MakingCost.shrink`; None for an option saved without them)."""

    option: str
    path: str
    baseline: str
    one_off_usd: float
    retrain_usd: float
    retrain_every_months: int | None
    payback_month: int | None
    savings_usd: dict[int, float]  # month -> the baseline's cumulative spend minus the option's
    costs: tuple[CostLine, ...]
    quality: ShrinkQuality | None
    making_source: str  # the making cost's own source, said where the facts are missing


def shrink_summaries(data: ReportData) -> list[ShrinkSummary]:
    """Each shrunk option of the scenario (an option with a making cost) against its baseline (the one it was made
    against where the scenario holds it, else the first API option without a making cost), on the scenario's
    projection."""
    cumulative = data.outcome.result.cumulative_usd
    plain_api = [o.name for o in data.scenario.inputs.options if isinstance(o, ApiOption) and o.making is None]
    out = []
    for option in data.scenario.inputs.options:
        making = getattr(option, "making", None)
        if making is None:
            continue
        spec = making.shrink
        baseline = spec.baseline if spec is not None else ""
        if baseline not in cumulative.columns:
            baseline = plain_api[0] if plain_api else ""
        own = cumulative[option.name].to_numpy()
        versus = cumulative[baseline].to_numpy() if baseline else None
        horizon = len(own)
        months = sorted({m for m in SHRINK_SAVING_MONTHS if m <= horizon} | {horizon})
        out.append(
            ShrinkSummary(
                option=option.name,
                path=spec.path if spec is not None else "not recorded",
                baseline=baseline,
                one_off_usd=making.one_off_usd,
                retrain_usd=making.retrain_usd,
                retrain_every_months=making.retrain_every_months,
                payback_month=break_even_month(own, versus) if versus is not None else None,
                savings_usd={m: float(versus[m - 1] - own[m - 1]) for m in months} if versus is not None else {},
                costs=spec.costs if spec is not None else (),
                quality=spec.quality if spec is not None else None,
                making_source=making.source,
            )
        )
    return out


def _cost_line_text(line: CostLine) -> str:
    """'Labelling ...: $1,234.00 (the sum); source: ..., link, date'."""
    where = ", ".join(
        part for part in (line.source, line.url if line.url not in line.source else "", line.as_of) if part
    )
    return f"{line.what}: {usd(line.usd)} ({line.formula}); source: {where or MISSING}"


def _shrink_section(pdf: FPDF, data: ReportData, number: int) -> int:
    """One section per shrunk option; returns the next section's number."""
    for summary in shrink_summaries(data):
        _keep(pdf, 90)
        _heading(pdf, f"{number}. Shrink: {summary.option}")
        against = summary.baseline or "no API option to compare with"
        _para(
            pdf,
            f"A smaller model made by {summary.path} against {against}, the model it replaces and its teacher. "
            "Payback and savings are read from this scenario's projection (section 2), the one-off paid in month 1.",
        )
        retrain = (
            f"{usd(summary.retrain_usd)} every {summary.retrain_every_months} months"
            if summary.retrain_usd > 0 and summary.retrain_every_months
            else "none (made once)"
        )
        if not summary.baseline:
            payback = MISSING
        elif summary.payback_month is None:
            payback = f"not within {data.horizon_months} months"
        else:
            payback = f"month {summary.payback_month}"
        rows = [
            ["Path", summary.path],
            ["Against (baseline)", against],
            ["One-off: labelling, training, evaluation (USD)", usd(summary.one_off_usd)],
            ["Re-training (USD, recurring)", retrain],
            ["Payback against the baseline", payback],
        ]
        rows += [
            [f"Saving at {month} months (USD, the baseline's spend minus this option's)", usd(saving)]
            for month, saving in summary.savings_usd.items()
        ]
        _table(pdf, ["Figure", "Value"], rows, widths=(80, 100))
        missing = (
            "not recorded with this option (a making cost set by hand, or a scenario saved before options kept how "
            f"they were made); its making cost says: {summary.making_source}"
        )
        _subheading(pdf, "Quality: what it reaches, assumed or measured, and what it must reach", 20)
        quality = summary.quality.describe() if summary.quality is not None else missing
        _para(pdf, quality[:1].upper() + quality[1:])
        _subheading(pdf, "Costs and assumptions, each with its source", 20)
        _bullets(pdf, [_cost_line_text(line) for line in summary.costs] or [missing])
        number += 1
    return number


def render_pdf(data: ReportData, images: ReportImages | None = None) -> bytes:
    """Lay out the report; the same data and images give the same bytes."""
    pictures = images or ReportImages()
    pdf = _new_pdf(data.title, data.today)
    _title_page(pdf, data)
    _candidates_section(pdf, data, pictures)
    _projection_section(pdf, data, pictures)
    number = 5
    if data.portfolio is not None:
        _portfolio_section(pdf, data.portfolio, pictures, number)
        number += 1
    number = _shrink_section(pdf, data, number)
    _assumptions_section(pdf, data, number)
    _appendix(pdf, data)
    _approval(pdf, data)
    return bytes(pdf.output())


def render_portfolio_pdf(
    section: PortfolioSection, prepared_for: str = "", today: dt.date | None = None, images: ReportImages | None = None
) -> bytes:
    """A report of a portfolio alone (no saved scenario): title page, the section, sources; deterministic."""
    when = today or dt.date.today()
    pictures = images or ReportImages()
    r = section.result
    pdf = _new_pdf("Frontier portfolio report", when, creator="Frontier (portfolio report)")
    labels = ", ".join(dict.fromkeys(section.metric_labels.get(w.name, "") for w in section.workloads if w.name))
    _cover(
        pdf,
        "Model portfolio",
        f"{_plural(len(section.workloads), 'workload')}, {_plural(len(section.candidates), 'candidate')}",
        when,
        prepared_for.strip(),
        f"Horizon: {r.months} months · prices: {section.sheet_name} · quality: {labels or 'not stated'}",
    )
    _heading(pdf, "Summary", 13)
    _para(pdf, portfolio_headline(section), 10.5)
    _heading(pdf, "Key figures", 11)
    _table(pdf, ["Figure", "Value"], _key_figures(section), widths=(110, 70), size=8.5, align=("LEFT", "RIGHT"))
    _portfolio_section(pdf, section, pictures, 1)
    _heading(pdf, "2. Sources", 14)
    _para(pdf, "Where each number comes from. Prices, scores and latencies are as the candidates state them.")
    _table(
        pdf, ["Kind", "Source", "As of"], portfolio_sources(section).astype(str).values.tolist(), widths=(42, 118, 20)
    )
    return bytes(pdf.output())


def build_report(store: Store, request: ReportRequest, figures: FigureRenderer | None = None) -> bytes:
    """The report a request asks for as PDF bytes; `figures` renders the charts (none: the charts are left out)."""
    data = gather(store, request)
    return render_pdf(data, figures(data) if figures is not None else None)
