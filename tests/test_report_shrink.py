"""The main PDF report's shrink section, read back with pdftotext: the path, one-off and recurring costs, payback and
savings from the scenario's projection, the quality it must reach (assumed or measured), every cost with its source."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from pricing.planning import service as planning
from pricing.planning.projection import break_even_month, project
from pricing.report import document as report
from pricing.shrink import service as shrink
from pricing.store import Store
from tests.test_report import pdf_text
from tests.test_shrink_projection import _with_option, comparison  # noqa: F401 - the fixture

TODAY = dt.date(2026, 11, 27)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_report_has_a_shrink_section_with_every_cost_and_source(
    seeded_store: Store,
    comparison: shrink.ShrinkComparison,  # noqa: F811
    tmp_path: Path,
) -> None:
    inputs = _with_option(comparison, "distil")
    scenario = planning.Scenario("Shrink it", inputs, uncertainty=planning.Uncertainty(n_paths=200))
    data = report.gather(seeded_store, report.ReportRequest(scenario, today=TODAY))
    (summary,) = report.shrink_summaries(data)
    name = inputs.options[1].name
    outcome = next(o for o in comparison.result.outcomes if o.kind == "distil")
    cumulative = project(inputs).cumulative_usd
    assert summary.path == "distil" and summary.baseline == "gpt-4o"
    assert summary.one_off_usd == pytest.approx(outcome.one_off_usd)
    assert summary.payback_month == break_even_month(cumulative[name].to_numpy(), cumulative["gpt-4o"].to_numpy())
    assert summary.savings_usd[24] == pytest.approx(cumulative["gpt-4o"].iloc[23] - cumulative[name].iloc[23])
    assert summary.payback_month == outcome.payback_month  # the engine's payback, from the projection

    text = words(pdf_text(report.render_pdf(data), tmp_path))
    assert f"Shrink: {name}" in text
    assert "A smaller model made by distil against gpt-4o" in text
    assert f"One-off: labelling, training, evaluation (USD) {report.usd(outcome.one_off_usd)}" in text
    assert f"{report.usd(outcome.retrain_usd)} every {outcome.retrain_every_months} months" in text
    assert f"Payback against the baseline month {outcome.payback_month}" in text
    for month in (18, 24, 36):
        saving = report.usd(cumulative["gpt-4o"].iloc[month - 1] - cumulative[name].iloc[month - 1])
        assert f"Saving at {month} months (USD, the baseline's spend minus this option's) {saving}" in text
    assert "Assumed 93% of the baseline's score (85%-100%): assumption" in text
    assert f"the {outcome.required_quality:.0%} required" in text
    for item in outcome.items:  # every cost with its source
        assert words(item.what) in text
    assert "e+" not in text


def test_a_report_without_a_shrunk_option_has_no_shrink_section(
    seeded_store: Store,
    comparison: shrink.ShrinkComparison,  # noqa: F811
    tmp_path: Path,
) -> None:
    inputs = _with_option(comparison, "distil")
    plain = dataclasses.replace(inputs, options=inputs.options[:1])
    scenario = planning.Scenario("Plain", plain, uncertainty=planning.Uncertainty(n_paths=200))
    data = report.gather(seeded_store, report.ReportRequest(scenario, today=TODAY))
    assert report.shrink_summaries(data) == []
    assert "Shrink:" not in words(pdf_text(report.render_pdf(data), tmp_path))


def test_the_shrink_section_reads_the_options_facts_and_says_when_they_are_missing(
    seeded_store: Store,
    comparison: shrink.ShrinkComparison,  # noqa: F811
    tmp_path: Path,
) -> None:
    inputs = _with_option(comparison, "distil")
    option = inputs.options[1]
    spec = option.making.shrink  # type: ignore[union-attr]
    assert spec is not None
    data = report.gather(seeded_store, report.ReportRequest(planning.Scenario("Facts", inputs), today=TODAY))
    (summary,) = report.shrink_summaries(data)
    assert summary.costs == spec.costs and summary.quality == spec.quality
    text = words(pdf_text(report.render_pdf(data), tmp_path))
    for line in spec.costs:
        assert words(f"{line.what}: {report.usd(line.usd)}") in text
    bare = dataclasses.replace(option, making=dataclasses.replace(option.making, shrink=None))  # type: ignore[union-attr]
    old = dataclasses.replace(inputs, options=(inputs.options[0], bare))
    data = report.gather(seeded_store, report.ReportRequest(planning.Scenario("Old", old), today=TODAY))
    (summary,) = report.shrink_summaries(data)
    assert summary.path == "not recorded" and summary.baseline == "gpt-4o" and summary.quality is None
    assert "Not recorded with this option" in words(pdf_text(report.render_pdf(data), tmp_path))
