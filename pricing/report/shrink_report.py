"""The shrink comparison as a short PDF: a dated cover with the baseline and the candidate, the paths side by side,
payback and savings at 18/24/36 months, the quality each must reach (assumed or measured), what making each costs
with its sum, and every assumption with its source.

Laid out with the report's fpdf primitives (`pricing.report.document`); the figures come from the shrink engine
unchanged, so the PDF says what the CLI and the page say. No storage: a comparison in, bytes out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pricing.exports import fmt_number
from pricing.report.document import _heading, _new_pdf, _para, _subheading, _table, usd
from pricing.shrink import service as shrink
from pricing.shrink.engine import (
    MEASURED,
    TRAINING_UTILISATION_AS_OF,
    TRAINING_UTILISATION_SOURCE,
    TRAINING_UTILISATION_URL,
    MeasuredQuality,
    PathOutcome,
    QualityRange,
    ShrinkSpread,
)

CREATOR = "Frontier (python -m pricing shrink)"


@dataclass(frozen=True)
class ShrinkReport:
    """What the PDF is about: the comparison, its date, the usage file and workload, the candidate's name."""

    comparison: shrink.ShrinkComparison
    candidate: str
    usage_name: str
    workload: str
    today: dt.date
    spread: ShrinkSpread = ShrinkSpread()


def _quality_status(outcome: PathOutcome) -> str:
    if outcome.quality_kind == MEASURED:
        return "measured (replaces the assumption)"
    return "assumption (until two probe runs of one suite measure it)"


def _quality_share(outcome: PathOutcome) -> str:
    q = outcome.quality
    interval = "95% CI" if isinstance(q, MeasuredQuality) else "range"
    return f"{q.likely:.0%} of the baseline's score ({interval} {q.low:.0%}-{q.high:.0%})"


def side_by_side_rows(report: ShrinkReport) -> tuple[list[str], list[list[str]]]:
    """Headings (one column per path) and rows: the figures a reader compares across paths."""
    c = report.comparison
    months = c.result.months
    bands = {band.name: band for band in c.monte_carlo.bands}
    outcomes = c.result.outcomes
    headings = ["", *(o.kind for o in outcomes)]

    def row(label: str, cells: list[str]) -> list[str]:
        return [label, *cells]

    rows = [
        row("Serving option", [o.name for o in outcomes]),
        row("One-off (USD)", [usd(o.one_off_usd) for o in outcomes]),
        row(
            "Re-training",
            [
                f"{usd(o.retrain_usd)} every {o.retrain_every_months} months" if o.retrain_every_months else "never"
                for o in outcomes
            ],
        ),
        row("Monthly run, month 1 (USD)", [usd(o.monthly_run_usd) for o in outcomes]),
        row("Baseline, month 1 (USD)", [usd(o.baseline_monthly_usd) for o in outcomes]),
        row("Payback", [shrink.payback_text(o.payback_month, months) for o in outcomes]),
        row(
            "Payback P10-P90",
            [
                f"{shrink.payback_text(bands[o.name].payback_p10, months)} to "
                f"{shrink.payback_text(bands[o.name].payback_p90, months)}"
                for o in outcomes
            ],
        ),
        row("Chance of payback", [f"{bands[o.name].prob_payback:.0%}" for o in outcomes]),
    ]
    for horizon in outcomes[0].savings_usd:
        rows.append(row(f"Saving at {horizon} months (USD)", [usd(o.savings_usd[horizon]) for o in outcomes]))
    rows += [
        row("Quality must reach", [f"{o.required_quality:.0%} of the baseline's score" for o in outcomes]),
        row("Quality reached", [_quality_share(o) for o in outcomes]),
        row("Quality status", [_quality_status(o) for o in outcomes]),
        row("Chance quality is reached", [f"{bands[o.name].prob_quality:.0%}" for o in outcomes]),
    ]
    return headings, rows


def summary_text(report: ShrinkReport) -> str:
    """One sentence per path: payback, the saving at the horizon, and whether the quality is reached."""
    c = report.comparison
    months = c.result.months
    lines = []
    for o in c.result.outcomes:
        horizon, saving = list(o.savings_usd.items())[-1]
        saved = f"saves {usd(saving)}" if saving >= 0 else f"costs {usd(-saving)} more"
        verdict = "reaches" if o.meets_required else "falls short of"
        status = "measured" if o.quality_kind == MEASURED else "assumed"
        lines.append(
            f"{o.kind.capitalize()} ({o.name}): pays back {shrink.payback_text(o.payback_month, months)}, {saved} "
            f"over {horizon} months, and its {status} quality {verdict} the {o.required_quality:.0%} required."
        )
    return "\n".join(lines)


def cost_rows(outcome: PathOutcome) -> list[list[str]]:
    """What making one path's model costs, line by line, with its sum, source and date."""
    return [[item.what, usd(item.usd), item.formula, item.source, item.as_of or "undated"] for item in outcome.items]


def assumption_rows(report: ShrinkReport) -> list[list[str]]:
    """Every assumption behind the figures, with its source and date (or 'set by you')."""
    c = report.comparison
    spread = report.spread
    rows: list[list[str]] = []
    seen: set[str] = set()
    for o in c.result.outcomes:
        q = o.quality
        if isinstance(q, QualityRange):
            key = f"{q.likely}{q.source}"
            if key not in seen:
                seen.add(key)
                source = q.source + (f" ({q.url})" if q.url else "")
                rows.append([f"Quality after shrinking ({o.kind})", _quality_share(o), source, q.as_of or "undated"])
        else:
            rows.append([f"Quality after shrinking ({o.kind})", _quality_share(o), q.describe(), str(q.measured_on)])
    if any(o.kind == "distil" for o in c.result.outcomes):
        rows.append(
            [
                "Training utilisation (default)",
                "35% of the GPUs' peak dense FLOPs",
                f"{TRAINING_UTILISATION_SOURCE} ({TRAINING_UTILISATION_URL})",
                TRAINING_UTILISATION_AS_OF,
            ]
        )
    rows.append(
        [
            "Monte Carlo: examples needed",
            f"each path's count x 1/{fmt_number(spread.examples_spread)} to x{fmt_number(spread.examples_spread)}, "
            "even in log space",
            "assumption: set by Frontier's defaults",
            "n/a",
        ]
    )
    rows.append(
        [
            "Monte Carlo: training utilisation",
            f"{spread.utilisation_low:.0%} to {spread.utilisation_high:.0%}, even",
            "assumption: set by Frontier's defaults",
            "n/a",
        ]
    )
    rows.append(
        [
            "Monte Carlo: re-training cadence",
            f"every {spread.retrain_low_months} to {spread.retrain_high_months} months, even",
            "assumption: set by Frontier's defaults",
            "n/a",
        ]
    )
    rows.append(
        [
            "Monte Carlo: quality reached",
            "triangular over an assumed range; normal over a measured 95% interval",
            "assumption: set by Frontier's defaults",
            "n/a",
        ]
    )
    return rows


def render_shrink_pdf(report: ShrinkReport) -> bytes:
    """The comparison as a short PDF: cover, summary, paths side by side, costs, assumptions and notes."""
    c = report.comparison
    months = c.result.months
    pdf = _new_pdf("Frontier shrink comparison", report.today, creator=CREATOR)
    pdf.add_page()
    _heading(pdf, "Shrink: what a smaller model saves", 20)
    _heading(pdf, f"{report.candidate} against {c.result.baseline}", 13)
    _para(
        pdf,
        f"Date: {report.today.isoformat()}\nBaseline (serving the workload today): {c.result.baseline}\n"
        f"Candidate: {report.candidate}\nUsage: {report.usage_name}, workload {report.workload} · horizon: "
        f"{months} months · amounts in USD · Monte Carlo: {c.monte_carlo.n_paths:,} paths, seed {c.monte_carlo.seed}",
        10.5,
    )
    _heading(pdf, "Summary", 13)
    _para(pdf, summary_text(report), 10)
    headings, rows = side_by_side_rows(report)
    width = 150 / max(len(headings) - 1, 1)
    _table(
        pdf,
        headings,
        rows,
        widths=(40, *(width for _ in headings[1:])),
        size=8,
        title=f"The paths side by side over {months} months",
    )
    _para(
        pdf,
        "Payback is the first month from which the path's cumulative cost stays at or below the baseline's. Savings "
        "are the baseline's cumulative cost minus the path's (one-off, re-training and running). P10-P90 and the "
        "chances come from the Monte Carlo over growth, price declines and the shrink inputs.",
        8.5,
    )
    for number, outcome in enumerate(c.result.outcomes, start=1):
        _table(
            pdf,
            ["Cost", "USD", "Sum", "Source", "Date"],
            cost_rows(outcome),
            widths=(34, 16, 70, 50, 18),
            size=7.5,
            align=("LEFT", "RIGHT", "LEFT", "LEFT", "LEFT"),
            title=f"{number}. {outcome.kind.capitalize()}: what making {outcome.name} costs",
        )
        _para(pdf, f"Quality: {shrink.quality_text(outcome)}.", 8.5)
        for note in outcome.notes:
            _para(pdf, f"• {note}", 8.5)
    section = len(c.result.outcomes) + 1
    _table(
        pdf,
        ["Assumption", "Value", "Source", "Date"],
        assumption_rows(report),
        widths=(38, 45, 88, 18),
        size=7.5,
        title=f"{section}. Assumptions and their sources",
    )
    if c.unavailable or c.notes:
        _subheading(pdf, f"{section + 1}. Notes", 30)
        for kind, reason in c.unavailable.items():
            _para(pdf, f"• {kind}: not costed: {reason}", 9)
        for note in c.notes:
            _para(pdf, f"• {note}", 9)
    return bytes(pdf.output())
