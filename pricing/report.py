"""The procurement report: one scenario as a PDF that stands on its own (fpdf2).

Two steps with a boundary between them. `gather` reads the store and computes every number through
`planning` and `service` (the same functions the app uses), returning a `ReportData`. `render_pdf` lays
that out with the chart images it is given. Charts are built by `ui.charts` and exported by kaleido in
`ui.report`, because the domain package never imports the UI layer; `build_report` takes a callable
that turns a `ReportData` into `ReportImages`, or leaves the charts out when given none.

Text uses DejaVu Sans shipped in data/fonts with Droid Sans Fallback for CJK, so any model name renders.
The same inputs give the same bytes: the creation date is the report date and the file id is a hash.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from fpdf import FPDF
from fpdf.enums import TableHeadingsDisplay, XPos, YPos

from pricing import planning, service
from pricing.candidates import CandidateOptions
from pricing.metrics import Metric
from pricing.projection import ApiOption, HybridOption, MonteCarloResult, SelfHostOption
from pricing.selfhost import SelfHostSettings
from pricing.store import PROJECT_ROOT, Store

FONT_DIR = PROJECT_ROOT / "data" / "fonts"
FONT = "DejaVu"
FALLBACK_FONT = "DroidFallback"
MONTHLY_COLUMNS_PER_TABLE = 5
DEFAULT_METRIC = "arena_elo"
MISSING = "n/a"


def usd(value: object) -> str:
    """Whole US dollars with thousands separators ("$1,234,567"), the report's format for totals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"${float(value):,.0f}"  # type: ignore[arg-type]


def usd_price(value: object) -> str:
    """A per-1M-token price with four significant digits ("$0.15", "$12.5")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"${float(value):.4g}"  # type: ignore[arg-type]


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


def _date(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "undated"
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


@dataclass(frozen=True)
class Recommendation:
    """What the executive summary says, as numbers."""

    option: str | None
    horizon_usd: float | None
    current_option: str
    current_usd: float
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


FigureRenderer = Callable[[ReportData], ReportImages]


# --- gathering -----------------------------------------------------------------------------------------
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


def _option_rows(
    store: Store, data_options: tuple[object, ...], sheet_name: str, candidates: pd.DataFrame, totals: pd.Series
) -> pd.DataFrame:
    """One row per scenario option: model, provider, prices, quality with source and date, speed, context, licence."""
    prices = service.prices_with_deployments(store, sheet_name)
    models = store.models().set_index("model_id")
    quality = candidates.sort_values("self_reported").drop_duplicates("model_id").set_index("model_id")
    perf = store.api_performance()
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
                "provider": str(priced["provider"]) if priced is not None and pd.notna(priced["provider"]) else MISSING,
                "usd_per_1m_input": option.usd_per_1m_input,
                "usd_per_1m_output": option.usd_per_1m_output,
                "price_source": option.source or option.sheet_name,
                "context_tokens": priced["context_tokens"] if priced is not None else None,
            }
            measured = perf[(perf["model_key"] == name) | (perf["model_id"] == (model_id or ""))]
            if not measured.empty:
                row |= {
                    "output_tokens_per_s": float(measured["output_tokens_per_s"].median()),
                    "ttft_ms": float(measured["ttft_ms"].median()),
                    "speed_source": f"{measured['source'].iloc[0]}, {_date(measured['as_of'].max())} "
                    f"(median of {len(measured)} provider offers)",
                }
        elif isinstance(option, SelfHostOption):
            model_id = _model_id_in(name, list(models.index))
            plan = option.plan
            row |= {
                "provider": f"self-hosted {plan.gpus_per_replica}x {plan.gpu} per replica ({plan.ownership.mode})",
                "output_tokens_per_s": plan.replica_output_tokens_per_s,
                "speed_source": f"per replica: {plan.throughput_source}",
                "price_source": f"GPU {plan.ownership.mode}",
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
                    "quality_date": _date(scored["quality_date"]),
                }
        by_name[name] = row
        rows.append(row)
    columns = [
        "option", "kind", "model_id", "provider", "usd_per_1m_input", "usd_per_1m_output", "price_source",
        "quality", "quality_source", "quality_date", "output_tokens_per_s", "ttft_ms", "speed_source",
        "context_tokens", "licence", "open_weights", "horizon_usd",
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


def recommend(
    options: pd.DataFrame,
    totals: pd.Series,
    outcome: planning.Outcome,
    quality_floor: float | None,
    higher_is_better: bool,
    current_option: str | None,
) -> Recommendation:
    """The cheapest option over the horizon meeting the floor, against the current (default: dearest API) option."""
    api = options[options["kind"] == "API"]["option"].tolist()
    if current_option is None:
        pool = api or list(totals.index)
        current_option = max(pool, key=lambda name: float(totals[name]))
    elif current_option not in totals.index:
        raise LookupError(f"no option named {current_option!r}; options: {', '.join(totals.index)}")
    qualified = [
        str(row.option)
        for row in options.itertuples(index=False)
        if meets_floor(row.quality, quality_floor, higher_is_better)
    ]
    chosen = min(qualified, key=lambda name: (float(totals[name]), name)) if qualified else None
    break_even = versus = None
    if chosen is not None and chosen in outcome.break_even:
        versus = current_option if current_option in outcome.break_even[chosen] else None
        if versus is not None:
            break_even = outcome.break_even[chosen][versus]
    return Recommendation(
        option=chosen,
        horizon_usd=float(totals[chosen]) if chosen else None,
        current_option=current_option,
        current_usd=float(totals[current_option]),
        savings_usd=float(totals[current_option] - totals[chosen]) if chosen else None,
        break_even_month=break_even,
        break_even_versus=versus,
        quality_floor=quality_floor,
    )


def _sources(store: Store, data: pd.DataFrame, frontier: service.FrontierResult, sheet_name: str) -> pd.DataFrame:
    """Every price sheet and benchmark source the report used, with dates."""
    rows: list[dict[str, object]] = []
    sheets = store.price_sheets().set_index("sheet_name")
    used_sheets = {sheet_name, *frontier.candidates["sheet_name"].dropna().unique()}
    for name in sorted(used_sheets):
        if name in sheets.index:
            sheet = sheets.loc[name]
            rows.append(
                {
                    "kind": f"price sheet ({sheet['kind']})",
                    "source": f"{name}: {sheet['source']}",
                    "as_of": _date(sheet["last_effective"] if pd.notna(sheet["last_effective"]) else sheet["as_of"]),
                }
            )
        else:
            rows.append({"kind": "computed prices", "source": name, "as_of": "see the candidates"})
    scored = frontier.candidates.groupby("quality_source")["quality_date"].max()
    for source, as_of in scored.items():
        rows.append({"kind": f"benchmark: {frontier.metric.name}", "source": str(source), "as_of": _date(as_of)})
    for row in data.dropna(subset=["speed_source"]).itertuples(index=False):
        rows.append({"kind": "speed", "source": f"{row.option}: {row.speed_source}", "as_of": ""})
    # The store does not promise an order; sorting keeps two builds of the same inputs identical.
    for row in store.sources().sort_values(["kind", "source"]).itertuples(index=False):
        rows.append(
            {"kind": f"store: {row.kind}", "source": f"{row.source} ({row.rows:,} rows)", "as_of": _date(row.as_of)}
        )
    return pd.DataFrame(rows, columns=["kind", "source", "as_of"])


def gather(
    store: Store,
    scenario: str | planning.Scenario,
    prepared_for: str = "",
    sheet_name: str | None = None,
    metric_id: str = DEFAULT_METRIC,
    quality_floor: float | None = None,
    current_option: str | None = None,
    today: dt.date | None = None,
) -> ReportData:
    """Every number the report shows, computed with the app's own functions."""
    chosen = planning.load_scenario(store, scenario) if isinstance(scenario, str) else scenario
    sheet = service.check_sheet(store, sheet_name) if sheet_name else service.default_sheet(store)
    inputs = chosen.inputs
    outcome = planning.outcome(inputs)
    result = outcome.result
    totals = planning.horizon_totals(result)
    mc = None
    bands = None
    if inputs.growth_model == "constant":
        mc = planning.run_monte_carlo(inputs, chosen.uncertainty, inputs.monthly_growth)
        bands = {name: planning.paths_bands(mc, name) for name in result.monthly_usd.columns}
    frontier = service.frontier(store, metric_id, sheet, CandidateOptions(), self_host=SelfHostSettings())
    frontier.candidates.attrs["higher_is_better"] = frontier.metric.higher_is_better
    options = _option_rows(store, inputs.options, sheet, frontier.candidates, totals)
    recommendation = recommend(
        options, totals, outcome, quality_floor, frontier.metric.higher_is_better, current_option
    )
    own = [name for name in result.monthly_usd.columns if name in outcome.break_even]
    api = [o.name for o in inputs.options if isinstance(o, ApiOption)]
    if own and api:
        versus = recommendation.current_option if recommendation.current_option in api else api[0]
        focus = recommendation.option if recommendation.option is not None and recommendation.option in own else own[0]
        frame = planning.sensitivity(inputs, focus, versus)
        title = f"What moves the {inputs.horizon_months}-month cost of {focus} minus {versus}"
    else:
        focus = recommendation.option or str(totals.index[0])
        frame = planning.sensitivity(inputs, focus)
        title = f"What moves the {inputs.horizon_months}-month cost of {focus}"
    return ReportData(
        scenario=chosen,
        prepared_for=prepared_for.strip(),
        today=today or dt.date.today(),
        sheet_name=sheet,
        metric=frontier.metric,
        outcome=outcome,
        totals=totals,
        monthly=planning.monthly_table(result),
        monte_carlo=mc,
        bands=bands,
        sensitivity=frame,
        sensitivity_title=title,
        options=options,
        frontier=frontier,
        sources=_sources(store, options, frontier, sheet),
        probe_runs=store.runs(),
        recommendation=recommendation,
    )


def executive_summary(data: ReportData) -> str:
    """One paragraph from the numbers: recommendation, its cost, savings, break-even."""
    rec = data.recommendation
    months = data.horizon_months
    metric = data.metric
    floor = (
        f"a quality floor of {rec.quality_floor:g} {metric.unit} on {metric.name}"
        if rec.quality_floor is not None
        else "no quality floor"
    )
    if rec.option is None:
        return (
            f"Over {months} months, none of the {len(data.totals)} options in '{data.scenario.name}' meets {floor}: "
            f"lower the floor or add a stronger option. The current option, {rec.current_option}, would cost "
            f"{usd(rec.current_usd)}; the cheapest option overall, {data.totals.index[0]}, "
            f"{usd(data.totals.iloc[0])}."
        )
    text = (
        f"With {floor}, the recommended option is {rec.option}: {usd(rec.horizon_usd)} over {months} months "
        f"(deterministic projection, USD)."
    )
    if rec.option == rec.current_option:
        text += " It is also the current option, so there is nothing to save by switching."
    elif rec.savings_usd is not None and rec.savings_usd >= 0:
        text += (
            f" Against the current option, {rec.current_option} ({usd(rec.current_usd)}), "
            f"it saves {usd(rec.savings_usd)}."
        )
    elif rec.savings_usd is not None:
        text += (
            f" It costs {usd(-rec.savings_usd)} more than the current option, {rec.current_option} "
            f"({usd(rec.current_usd)}), which does not meet the floor."
        )
    if rec.break_even_versus is not None:
        when = (
            f"pays for itself against {rec.break_even_versus} in month {rec.break_even_month}"
            if rec.break_even_month
            else f"does not break even against {rec.break_even_versus} within {months} months"
        )
        text += f" Self-hosting {when}."
    elif data.outcome.break_even:
        text += " Self-hosting break-even months against each API option are in the break-even section."
    if data.monte_carlo is not None and rec.option in data.monte_carlo.tco.index:
        band = data.monte_carlo.tco.loc[rec.option]
        text += (
            f" Under uncertainty its {months}-month cost runs from {usd(band['p10'])} (P10) "
            f"to {usd(band['p90'])} (P90)."
        )
    return text


# --- layout --------------------------------------------------------------------------------------------
class _Pdf(FPDF):
    """A4 with the report's fonts and a page-number footer."""

    title_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.title_text[:90]}  ·  page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)


def _new_pdf(data: ReportData) -> _Pdf:
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FALLBACK_FONT, "", str(FONT_DIR / "DroidSansFallbackFull.ttf"))
    pdf.set_fallback_fonts([FALLBACK_FONT], exact_match=False)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    created = dt.datetime.combine(data.today, dt.time(), tzinfo=dt.UTC)
    pdf.set_creation_date(created)
    pdf.set_title(f"Frontier report: {data.scenario.name}")
    pdf.set_author("Frontier")
    pdf.set_creator("Frontier (python -m pricing report)")
    pdf.set_producer("Frontier")
    pdf.title_text = f"Frontier report: {data.scenario.name}, {data.today.isoformat()}"
    return pdf


def _heading(pdf: FPDF, text: str, size: int = 14) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font(FONT, size=9)


def _para(pdf: FPDF, text: str, size: float = 9.5) -> None:
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float] | None = None,
    size: float = 7.5,
    align: Sequence[str] | None = None,
) -> None:
    """A table that splits across pages and repeats its headings on each."""
    if not rows:
        _para(pdf, "(none)")
        return
    pdf.set_font(FONT, size=size)
    aligns = tuple(align) if align is not None else tuple("LEFT" for _ in headings)
    with pdf.table(
        col_widths=tuple(widths) if widths else None,
        text_align=aligns,
        line_height=size * 0.5,
        repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
        padding=0.8,
        first_row_as_headings=True,
    ) as table:
        heading = table.row()
        for text in headings:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(str(value))
    pdf.set_font(FONT, size=9)
    pdf.ln(3)


def _image(pdf: FPDF, image: bytes | None, what: str) -> None:
    if image is None:
        _para(pdf, f"({what}: chart not rendered in this build.)")
        return
    pdf.image(io.BytesIO(image), w=pdf.epw)
    pdf.ln(2)


def _title_page(pdf: FPDF, data: ReportData) -> None:
    pdf.add_page()
    pdf.ln(30)
    pdf.set_font(FONT, "B", 22)
    pdf.multi_cell(0, 11, "LLM cost and quality comparison", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 9, f"Scenario: {data.scenario.name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, f"Date: {data.today.isoformat()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(0, 7, f"Prepared for: {data.prepared_for or 'not stated'}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(
        0,
        7,
        f"Horizon: {data.horizon_months} months · prices: {data.sheet_name} · quality: {data.metric.label}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(8)
    _heading(pdf, "Executive summary", 13)
    _para(pdf, executive_summary(data), 10.5)
    pdf.ln(2)
    _heading(pdf, f"{data.horizon_months}-month cost per option", 11)
    _table(
        pdf,
        ["Option", "Kind", f"{data.horizon_months}-month cost (USD)", "Meets the floor"],
        [
            [
                str(name),
                str(data.options.set_index("option").loc[name, "kind"]),
                usd(total),
                "yes"
                if meets_floor(
                    data.options.set_index("option").loc[name, "quality"],
                    data.recommendation.quality_floor,
                    data.metric.higher_is_better,
                )
                else "no",
            ]
            for name, total in data.totals.items()
        ],
        widths=(90, 25, 40, 25),
        size=8.5,
        align=("LEFT", "LEFT", "RIGHT", "LEFT"),
    )


def _candidates_section(pdf: FPDF, data: ReportData, images: ReportImages) -> None:
    pdf.add_page()
    _heading(pdf, "1. Candidates: quality against cost")
    frontier = data.frontier
    _para(
        pdf,
        f"Every priced and scored offer under '{data.sheet_name}' (and self-hosted offers on rented GPUs), "
        f"{frontier.cost_metric.label} against {frontier.metric.label}. Points on the line are not beaten on both "
        f"cost and quality. {len(frontier.candidates):,} offers plotted; {frontier.excluded_unscored:,} priced models "
        "have no score on this metric.",
    )
    _image(pdf, images.frontier, "frontier")
    _heading(pdf, "Options in this scenario", 11)
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
                f"{_num(row.quality, '.4g')} ({row.quality_source}, {row.quality_date})"
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
    )
    on = frontier.candidates[frontier.candidates["on_frontier"].astype(bool)].sort_values("cost_usd")
    _heading(pdf, "Offers on the frontier", 11)
    _table(
        pdf,
        [
            "Model",
            "Provider",
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
                str(row.provider),
                usd_price(row.cost_usd),
                usd_price(row.usd_per_1m_input) if row.deployment != "self-hosted" else "GPU time",
                usd_price(row.usd_per_1m_output),
                _num(row.quality, ".4g"),
                f"{row.quality_source}{' (self-reported)' if row.self_reported else ''}, {_date(row.quality_date)}",
                _num(row.context_tokens),
                f"{row.licence if isinstance(row.licence, str) else MISSING} · {_yes_no(row.open_weights)}",
            ]
            for row in on.itertuples(index=False)
        ],
        widths=(30, 24, 15, 13, 13, 13, 26, 17, 39),
    )


def _projection_section(pdf: FPDF, data: ReportData, images: ReportImages) -> None:
    pdf.add_page()
    inputs = data.scenario.inputs
    _heading(pdf, f"2. Spend over {data.horizon_months} months")
    band_text = (
        f"Lines are the expected monthly spend; bands are P10 to P90 of {data.monte_carlo.n_paths:,} Monte Carlo paths "
        f"(seed {data.monte_carlo.seed})."
        if data.monte_carlo is not None
        else "Volumes follow a fitted growth curve, so no Monte Carlo band is drawn."
    )
    _para(pdf, band_text)
    _image(pdf, images.spend, "monthly spend")
    if data.monte_carlo is not None:
        tco = data.monte_carlo.tco
        _heading(pdf, f"{data.horizon_months}-month cost under uncertainty (USD)", 11)
        _table(
            pdf,
            ["Option", "P10", "P50", "P90", "Mean", "Share of paths cheapest"],
            [
                [
                    str(name),
                    usd(row["p10"]),
                    usd(row["p50"]),
                    usd(row["p90"]),
                    usd(row["mean"]),
                    f"{float(data.monte_carlo.prob_cheapest.get(name, 0.0)):.0%}",
                ]  # fmt: skip
                for name, row in tco.iterrows()
            ],
            widths=(70, 22, 22, 22, 22, 22),
            align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )
    _heading(pdf, "Monthly spend (USD), with yearly subtotals", 11)
    names = list(data.monthly.columns)
    for start in range(0, len(names), MONTHLY_COLUMNS_PER_TABLE):
        chunk = names[start : start + MONTHLY_COLUMNS_PER_TABLE]
        _table(
            pdf,
            ["Period", *chunk],
            [[str(period), *(usd(data.monthly.loc[period, name]) for name in chunk)] for period in data.monthly.index],
            widths=(30, *([150 / len(chunk)] * len(chunk))),
            align=("LEFT", *(["RIGHT"] * len(chunk))),
        )
    pdf.add_page()
    _heading(pdf, "3. Break-even")
    _image(pdf, images.cumulative, "cumulative spend")
    if data.outcome.break_even:
        _table(
            pdf,
            ["Self-hosted or hybrid option", "Against API option", "Break-even month"],
            [
                [own, api, f"month {month}" if month else f"not within {data.horizon_months} months"]
                for own, against in data.outcome.break_even.items()
                for api, month in against.items()
            ],
            widths=(80, 70, 30),
        )
    else:
        _para(pdf, "No self-hosted or hybrid option in this scenario, so there is no break-even to compute.")
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
                    _num(row.low_value, ".4g"),
                    _num(row.high_value, ".4g"),
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


def _flatten(prefix: str, value: object, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif isinstance(value, list | tuple) and value and all(isinstance(v, dict) for v in value):
        for index, inner in enumerate(value):
            label = inner.get("name", index) if isinstance(inner, dict) else index
            _flatten(f"{prefix}[{label}]", inner, out)
    else:
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        out.append((prefix, text))


def assumption_rows(scenario: planning.Scenario) -> list[tuple[str, str]]:
    """Every input of the scenario as (name, value) pairs, in the scenario's own order."""
    rows: list[tuple[str, str]] = []
    _flatten("", scenario.to_dict(), rows)
    return rows


def _assumptions_section(pdf: FPDF, data: ReportData) -> None:
    pdf.add_page()
    _heading(pdf, "5. Assumptions")
    _para(pdf, "Every input of the scenario, as saved (USD, tokens per month, factors per year).")
    _table(pdf, ["Input", "Value"], assumption_rows(data.scenario), widths=(80, 100))
    _heading(pdf, "6. Sources")
    _table(pdf, ["Kind", "Source", "As of"], data.sources.astype(str).values.tolist(), widths=(42, 118, 20))


def _appendix(pdf: FPDF, data: ReportData) -> None:
    runs = data.probe_runs
    if runs.empty:
        return
    pdf.add_page()
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
            "; ".join(f"{k}: {v}" for k, v in summary.items() if isinstance(v, int | float | str))[:240]
            if isinstance(summary, dict)
            else ""
        )
        rows.append(
            [
                str(run.run_id),
                f"{run.model} ({run.endpoint_name or 'no endpoint'})",
                str(run.suite or "latency"),
                str(run.status),
                _date(run.started_at),
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


def render_pdf(data: ReportData, images: ReportImages | None = None) -> bytes:
    """Lay out the report; the same data and images give the same bytes."""
    pictures = images or ReportImages()
    pdf = _new_pdf(data)
    _title_page(pdf, data)
    _candidates_section(pdf, data, pictures)
    _projection_section(pdf, data, pictures)
    _assumptions_section(pdf, data)
    _appendix(pdf, data)
    return bytes(pdf.output())


def build_report(
    store: Store,
    scenario: str | planning.Scenario,
    prepared_for: str = "",
    sheet_name: str | None = None,
    metric_id: str = DEFAULT_METRIC,
    today: dt.date | None = None,
    quality_floor: float | None = None,
    current_option: str | None = None,
    figures: FigureRenderer | None = None,
) -> bytes:
    """The report of a scenario (saved name or value) as PDF bytes; `figures` renders the charts."""
    data = gather(store, scenario, prepared_for, sheet_name, metric_id, quality_floor, current_option, today)
    return render_pdf(data, figures(data) if figures is not None else None)
