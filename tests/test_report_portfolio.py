"""The portfolio in the PDF: read back with pdftotext, the totals, savings, assignment rows, GPU counts and the
floor-curve chart are the optimiser's; both ways in (the scenario report and the standalone portfolio report)
render non-blank pages; API-only and no-current portfolios render; the same inputs give the same bytes.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pricing.portfolio.optimiser import Candidate, CascadeSpec, Workload, cascade_candidate, floor_curve, optimise
from pricing.report import document as report
from pricing.report.charts import portfolio_floor_figure, portfolio_spend_figure
from pricing.report.pdf import pdf_report, portfolio_pdf
from pricing.store import Store
from tests.test_report import SHEET, TODAY, api_only_scenario, ink_per_page, pdf_text

CHROMIUM = Path("/usr/bin/chromium")
if not (CHROMIUM.exists() or shutil.which("chromium")):  # pragma: no cover - depends on the machine
    pytest.fail("no Chromium for kaleido: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

MONTHS = 24
LABEL = "LMArena Elo (Elo)"
PRICES = "Portfolio test sheet"
BIG = Candidate(
    "big-api", "api", 2.5, 10.0, quality=1350, latency_ms=500, output_tokens_per_s=80,
    source="Portfolio test sheet, 2026-11-01; LMArena, 2026-10-30",
)  # fmt: skip
SMALL = Candidate(
    "small-api", "api", 0.15, 0.6, quality=1260, latency_ms=300, source="Portfolio test sheet, 2026-11-01"
)
OWN = Candidate(
    "open-8b H100", "self-host", gpu="H100 SXM", replica_output_tokens_per_s=1500, usd_per_gpu_month=2000,
    quality=1270, latency_ms=250, source="vLLM benchmark, 2026-09-12",
)  # fmt: skip
CASCADE = cascade_candidate(CascadeSpec(SMALL, BIG, 0.2, name="small then big"))
WORKLOADS = (
    Workload("support chat", 4e8, 1e8, 1300, 5000, "e2e", 300),
    Workload("summaries", 2e9, 5e8, 1250),
    # grows from 1.0x to 1.69x: two replicas carry month 1, three the peak
    Workload("batch tagging", 5e9, 3e9, 1265, volume_multipliers=tuple(1.0 + 0.03 * m for m in range(MONTHS))),
)
CURRENT = {"support chat": "big-api", "summaries": "big-api", "batch tagging": "small-api"}
FLOORS = [1250, 1260, 1265, 1270, 1300, 1350, 1400]
NOTES = ("Volumes: batch tagging grows 3% of its base month each month", "API prices flat (no decline)")


def section_of(
    candidates: tuple[Candidate, ...], current: dict[str, str] | None, curve: bool
) -> report.PortfolioSection:
    result = optimise(WORKLOADS, candidates, months=MONTHS, current=current)
    frame = floor_curve(WORKLOADS, candidates, "batch tagging", FLOORS, months=MONTHS) if curve else None
    return report.PortfolioSection(
        result=result,
        workloads=WORKLOADS,
        candidates=candidates,
        metric_labels={w.name: LABEL for w in WORKLOADS},
        sheet_name=PRICES,
        notes=NOTES,
        current=current,
        floor_curve=frame,
        curve_workload="batch tagging" if curve else None,
    )


@pytest.fixture(scope="module")
def mixed() -> report.PortfolioSection:
    """API, self-hosted and cascade candidates, a current assignment and a floor curve."""
    return section_of((BIG, SMALL, OWN, CASCADE), CURRENT, curve=True)


@pytest.fixture(scope="module")
def standalone_pdf(mixed: report.PortfolioSection) -> bytes:
    return portfolio_pdf(mixed, "CTO office", TODAY)


@pytest.fixture(scope="module")
def store(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("report_portfolio") / "frontier.duckdb"
    shutil.copy(seeded_db_file, path)
    store = Store(path)
    yield store
    store.close()


@pytest.fixture(scope="module")
def scenario_pdf(store: Store, mixed: report.PortfolioSection) -> bytes:
    return pdf_report(
        store, report.ReportRequest(api_only_scenario(store), "Finance", SHEET, today=TODAY, portfolio=mixed)
    )


def flat(pdf: bytes, tmp_path: Path) -> str:
    return " ".join(pdf_text(pdf, tmp_path).split())


def image_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    return len(listing.splitlines()[2:])


def test_the_mixed_portfolio_uses_every_kind_of_option(mixed: report.PortfolioSection) -> None:
    """The fixture is worth testing: a fleet that grows, a saving against both references."""
    result = mixed.result
    assert set(result.assignments["kind"]) == {"api", "self-host"}
    fleet = result.fleet.iloc[0]
    assert (fleet["gpus_month_1"], fleet["gpus"]) == (2, 3)
    assert result.saving_vs_best_single_usd is not None and result.saving_vs_best_single_usd > 0
    assert result.saving_vs_current_usd is not None and result.saving_vs_current_usd > 0
    assert not mixed.floor_curve["feasible"].all() and mixed.floor_curve["feasible"].any()  # type: ignore[index]


def test_standalone_report_states_the_portfolio_totals(
    mixed: report.PortfolioSection, standalone_pdf: bytes, tmp_path: Path
) -> None:
    result = mixed.result
    text = flat(standalone_pdf, tmp_path)
    assert text.startswith("Model portfolio")
    assert "Date: 2026-11-27" in text and "Prepared for: CTO office" in text
    assert f"Horizon: {MONTHS} months · prices: {PRICES} · quality: {LABEL}" in text
    assert f"costs {report.usd(result.total_usd)} ({report.usd(result.monthly_usd)} per month on average" in text
    assert (
        f"the best single option, {result.best_single_option}, would cost {report.usd(result.best_single_usd)}: "
        f"the portfolio saves {report.usd(result.saving_vs_best_single_usd)}"
    ) in text
    assert (
        f"Against the current assignment ({report.usd(result.current_usd)}), it saves "
        f"{report.usd(result.saving_vs_current_usd)}"
    ) in text
    assert "The current assignment misses: batch tagging on small-api: quality 1260 < floor 1265" in text
    periods = report.spend_periods(result.spend_by_month)
    assert [label for label, _ in periods] == ["month 1", "month 24", "year 1", "year 2", "total, 24 months"]
    spend = text[text.index("Spend per month over 24 months") :]
    assert (
        " ".join(f"{label} (USD)" for label, _ in periods) + " " + " ".join(report.usd(value) for _, value in periods)
        in spend
    )
    assert sum(result.spend_by_month) == pytest.approx(result.total_usd)


def test_assignment_rows_are_the_optimisers(
    mixed: report.PortfolioSection, standalone_pdf: bytes, tmp_path: Path
) -> None:
    lines = pdf_text(standalone_pdf, tmp_path, layout=True).splitlines()
    text = flat(standalone_pdf, tmp_path)
    by_name = {w.name: w for w in WORKLOADS}
    for row in mixed.result.assignments.itertuples(index=False):
        share = f"{row.share:.0%}" if abs(row.share * 100 - round(row.share * 100)) < 1e-6 else f"{row.share:.1%}"
        money = f"${row.monthly_usd:,.2f}" if row.monthly_usd < 100 else report.usd(row.monthly_usd)
        pattern = rf"^\s*{re.escape(row.workload)}\s+{re.escape(row.candidate)}\s+.*\s{re.escape(share)}\s.*\s"
        pattern += rf"{re.escape(money)}\s*$"
        assert any(re.search(pattern, line) for line in lines), (row.workload, row.candidate, share, money)
        floor = by_name[row.workload].quality_floor
        assert f"{row.quality:,.4g} vs floor {floor:,.4g} ({LABEL})" in text
        assert f"{row.latency_ms:,.0f} ms" in text
    assert "4,238 ms end-to-end vs 5,000 ms objective" in text  # 500 ms + 299 tokens at 80 tokens/s
    assert "300 ms TTFT, no objective" in text or "250 ms TTFT, no objective" in text


def test_gpu_counts_are_the_fleets(mixed: report.PortfolioSection, standalone_pdf: bytes, tmp_path: Path) -> None:
    text = flat(standalone_pdf, tmp_path)
    fleet = mixed.result.fleet.iloc[0]
    assert mixed.result.gpus_by_type() == {"H100 SXM": 3}
    assert "It holds 3 H100 SXM GPUs at the peak (2 H100 SXM in month 1)" in text
    assert "H100 SXM GPUs held at the peak 3" in text
    line = rf"H100 SXM\s+open-8b H100\s+{fleet['replicas']}\s+{fleet['gpus_month_1']}\s+{fleet['gpus']}\s"
    assert re.search(line, pdf_text(standalone_pdf, tmp_path, layout=True))
    assert f"{fleet['load_tokens_per_s']:,.0f} / {fleet['capacity_tokens_per_s']:,.0f} output tokens/s" in text


def test_floor_curve_is_a_chart_and_a_table(
    mixed: report.PortfolioSection, standalone_pdf: bytes, tmp_path: Path
) -> None:
    text = flat(standalone_pdf, tmp_path)
    assert image_count(standalone_pdf, tmp_path) == 2  # spend per month and the floor curve
    assert "What changes if the floor of batch tagging moves" in text
    assert "No portfolio meets a floor of 1,400: a gap in the chart, 'infeasible' in the table." in text
    curve = mixed.floor_curve
    assert curve is not None
    for row in curve.itertuples(index=False):
        expected = report.usd(row.total_usd) if row.feasible else "infeasible"
        assert f"{row.floor:,.4g} {expected}" in text


def test_candidates_notes_and_sources_are_listed(standalone_pdf: bytes, tmp_path: Path) -> None:
    text = flat(standalone_pdf, tmp_path)
    assert "$2.5 in / $10 out per 1M tokens" in text and "$2,000 per GPU-month" in text
    assert "vLLM benchmark, 2026-09-12" in text and "API cascade" in text
    assert "escalation 20% set by hand" in text
    for note in NOTES:
        assert note in text
    assert "2. Sources" in text and f"portfolio: API prices {PRICES}" in text


def test_pages_have_ink_and_page_numbers(standalone_pdf: bytes, scenario_pdf: bytes, tmp_path: Path) -> None:
    for name, pdf in (("standalone", standalone_pdf), ("scenario", scenario_pdf)):
        (tmp_path / name).mkdir()
        shares = ink_per_page(pdf, tmp_path / name)
        assert all(share > 0.003 for share in shares), shares
        assert f"page {len(shares)} of {len(shares)}" in pdf_text(pdf, tmp_path)


def test_scenario_report_gets_a_portfolio_section(
    mixed: report.PortfolioSection, scenario_pdf: bytes, tmp_path: Path
) -> None:
    text = flat(scenario_pdf, tmp_path)
    for section in ("4. Sensitivity", "5. Portfolio: the cheapest mix", "6. Assumptions", "7. Sources"):
        assert section in text
    assert text.index("4. Sensitivity") < text.index("5. Portfolio") < text.index("6. Assumptions")
    summary = text[text.index("Executive summary") : text.index("1. Candidates")]
    assert report.portfolio_headline(mixed) in summary
    assert report.usd(mixed.result.total_usd) in summary
    assert "portfolio: candidate open-8b H100: vLLM benchmark, 2026-09-12" in text
    assert image_count(scenario_pdf, tmp_path) >= 4 + 2


def test_scenario_report_without_a_portfolio_keeps_its_numbering(store: Store) -> None:
    data = report.gather(store, report.ReportRequest(api_only_scenario(store), sheet_name=SHEET, today=TODAY))
    assert data.portfolio is None and "Portfolio" not in report.executive_summary(data)


@pytest.mark.parametrize(
    ("candidates", "current"),
    [((BIG, SMALL, CASCADE), CURRENT), ((BIG, SMALL, OWN, CASCADE), None)],
    ids=["api-only", "no-current"],
)
def test_api_only_and_no_current_portfolios_render(
    candidates: tuple[Candidate, ...], current: dict[str, str] | None, tmp_path: Path
) -> None:
    section = section_of(candidates, current, curve=False)
    pdf = portfolio_pdf(section, today=TODAY)
    text = flat(pdf, tmp_path)
    assert all(share > 0.003 for share in ink_per_page(pdf, tmp_path))
    assert image_count(pdf, tmp_path) == 1  # spend per month; no floor curve given
    assert "Prepared for: not stated" in text and "What changes if the floor" not in text
    assert report.usd(section.result.total_usd) in text
    if section.result.fleet.empty:
        assert "No self-hosted fleet" in text and "It holds no GPUs" in text
    if current is None:
        assert "No current assignment was given" in text and "not given" in text
    else:
        assert f"current assignment ({report.usd(section.result.current_usd)})" in text


def test_extra_cost_against_a_current_assignment_that_misses_a_floor() -> None:
    cheap = {w.name: "small-api" for w in WORKLOADS}
    section = section_of((BIG, SMALL, CASCADE), cheap, curve=False)
    result = section.result
    assert result.saving_vs_current_usd is not None and result.saving_vs_current_usd < 0
    text = report.portfolio_summary(section)
    assert f"It costs {report.usd(-result.saving_vs_current_usd)} more than the current assignment" in text
    assert "support chat on small-api: quality 1260 < floor 1300" in text


def test_no_single_option_meeting_every_workload_is_said() -> None:
    narrow = (
        replace(SMALL, quality={"summaries": 1300, "batch tagging": 1300}),
        replace(BIG, quality={"support chat": 1400}),
    )
    workloads = WORKLOADS[:2] + (Workload("batch tagging", 5e9, 3e9, 1265),)
    result = optimise(workloads, narrow, months=MONTHS)
    section = report.PortfolioSection(result, workloads, narrow, {}, PRICES)
    assert result.best_single_option is None
    assert "No single option meets every workload's floor and objective" in report.portfolio_summary(section)
    assert "no single option meets every workload" in report.portfolio_headline(section)


def test_same_inputs_give_the_same_portfolio_pdf(mixed: report.PortfolioSection, standalone_pdf: bytes) -> None:
    again = section_of((BIG, SMALL, OWN, CASCADE), CURRENT, curve=True)
    assert portfolio_pdf(again, "CTO office", TODAY) == standalone_pdf
    assert report.render_portfolio_pdf(mixed, today=TODAY) == report.render_portfolio_pdf(again, today=TODAY)


def test_a_floor_curve_needs_its_workload(mixed: report.PortfolioSection) -> None:
    with pytest.raises(ValueError, match="curve_workload"):
        report.PortfolioSection(mixed.result, WORKLOADS, mixed.candidates, {}, PRICES, floor_curve=mixed.floor_curve)


def test_floor_figure_shows_infeasible_floors_as_gaps() -> None:
    curve = pd.DataFrame(
        {"floor": [1300.0, 1250.0, 1400.0], "total_usd": [200.0, 100.0, math.nan], "feasible": [True, True, False]}
    )
    fig = portfolio_floor_figure(curve, "batch tagging", LABEL, MONTHS, current_floor=1265)
    trace = fig.data[0]
    assert list(trace.x) == [1250.0, 1300.0, 1400.0]
    assert list(trace.y[:2]) == [100.0, 200.0] and math.isnan(trace.y[2]) and trace.connectgaps is False
    assert "no portfolio meets floor 1,400" in fig.layout.annotations[0].text
    assert fig.layout.xaxis.title.text == f"Quality floor for batch tagging: {LABEL}"
    assert fig.layout.yaxis.title.text == f"Portfolio cost over {MONTHS} months (USD)"


def test_spend_figure_has_one_bar_per_month() -> None:
    fig = portfolio_spend_figure((10.0, 12.0, 14.0))
    assert list(fig.data[0].x) == [1, 2, 3] and list(fig.data[0].y) == [10.0, 12.0, 14.0]
    assert fig.layout.yaxis.title.text == "Spend (USD per month)"
