"""The PDF report: read back with pdftotext, its numbers are planning's; pages render; any script renders;
scenarios without self-hosting or probes still give a complete report; the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pricing import service
from pricing.__main__ import main
from pricing.candidates import CandidateOptions
from pricing.planning import service as planning
from pricing.report import document as report
from pricing.report.pdf import pdf_report
from pricing.report.request import report_file_name
from pricing.selfhost import SelfHostSettings
from pricing.sizing import OwnershipCosts
from pricing.store import Store
from tests.test_projection import _scenario

SHEET = "litellm 1.110.2 (bundled)"
TODAY = dt.date(2026, 11, 27)
CJK = "通义千问-测试"
CYRILLIC = "Модель-тест"
if shutil.which("pdftotext") is None:  # pragma: no cover - depends on the machine
    pytest.fail("pdftotext not found: run `apt-get install poppler-utils` (as .ci/run does)", pytrace=False)


@pytest.fixture(scope="module")
def store(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One writable copy for the module: deployment prices with non-Latin names added."""
    path = tmp_path_factory.mktemp("report") / "frontier.duckdb"
    shutil.copy(seeded_db_file, path)
    store = Store(path)
    for key, price in ((CJK, 0.4), (CYRILLIC, 0.9)):
        service.set_deployment_price(store, key, "qwen3-32b", price, price * 3, on=TODAY)
    yield store
    store.close()


def full_scenario(store: Store) -> planning.Scenario:
    options = [planning.api_option(store, SHEET, name, 10.0) for name in ("gpt-4o-mini", "gpt-4.1", CJK, CYRILLIC)]
    usd, _ = planning.gpu_hourly_price(store, "H100 SXM")
    own = planning.self_host_option(
        store, "llama-3.1-8b-instruct", "H100 SXM", "FP8", OwnershipCosts("reserved", usd), 3.0
    )
    inputs = planning.build_inputs(None, (*options, own), 36, "constant", 0.05, base_output_tokens=2e9)
    return planning.Scenario("Base case", inputs, uncertainty=planning.Uncertainty(n_paths=500))


def api_only_scenario(store: Store) -> planning.Scenario:
    options = tuple(planning.api_option(store, SHEET, name, 10.0) for name in ("gpt-4o-mini", "gpt-4.1"))
    inputs = planning.build_inputs(None, options, 24, "constant", 0.02, base_output_tokens=5e8)
    return planning.Scenario("API only", inputs, uncertainty=planning.Uncertainty(n_paths=500))


def pdf_text(pdf: bytes, tmp_path: Path, layout: bool = False) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


def ink_per_page(pdf: bytes, tmp_path: Path) -> list[float]:
    """Share of non-white pixels on each page, from pdftoppm's greyscale PGM output."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-gray", "-r", "50", str(path), str(tmp_path / "page")], check=True)
    shares = []
    for page in sorted(tmp_path.glob("page-*.pgm")):
        data = page.read_bytes()
        fields = data.split(maxsplit=4)  # P5, width, height, maxval, pixels
        assert fields[0] == b"P5"
        width, height = int(fields[1]), int(fields[2])
        pixels = data[len(data) - width * height :]
        shares.append(sum(1 for value in pixels if value < 200) / len(pixels))
    return shares


@pytest.fixture(scope="module")
def full_pdf(store: Store) -> bytes:
    return pdf_report(
        store, report.ReportRequest(full_scenario(store), "Procurement, ACME", SHEET, today=TODAY, quality_floor=1300)
    )


def test_report_numbers_are_planning_numbers(store: Store, full_pdf: bytes, tmp_path: Path) -> None:
    scenario = full_scenario(store)
    outcome = planning.outcome(scenario.inputs)
    totals = planning.horizon_totals(outcome.result)
    table = planning.monthly_table(outcome.result)
    text = pdf_text(full_pdf, tmp_path)
    flat = " ".join(text.split())
    for name, total in totals.items():
        assert report.usd(total) in text, name
    for period in ("month 1", "year 1 subtotal", "year 3 subtotal", "total"):
        for name in table.columns:
            assert report.usd(table.loc[period, name]) in text, (period, name)
    for own, against in outcome.head_to_head.items():
        for api, h in against.items():
            assert (f"month {h.break_even_month}" if h.break_even_month else "none within 36 months") in flat, api
            saving = report.usd(h.saving_usd) if h.saving_usd >= 0 else f"-{report.usd(-h.saving_usd)}"
            assert saving in flat and f"{len(h.months_ahead)} of 36" in flat, (own, api)
    assert planning.BREAK_EVEN_RULE in flat
    assert "Prepared for: Procurement, ACME" in flat and "Date: 2026-11-27" in flat
    assert "Scenario: Base case" in flat


def test_summary_recommends_the_cheapest_option_meeting_the_floor_against_todays_option(
    store: Store, tmp_path: Path
) -> None:
    request = report.ReportRequest(
        full_scenario(store), sheet_name=SHEET, quality_floor=1300, current_option="gpt-4.1", today=TODAY
    )
    data = report.gather(store, request)
    rec = data.recommendation
    rows = data.options.set_index("option")
    meeting = [name for name in data.totals.index if (rows.loc[name, "quality"] or 0) >= 1300]
    assert rec.option == min(meeting, key=lambda name: data.totals[name])
    assert rec.current_option == "gpt-4.1"
    assert rec.savings_usd == pytest.approx(data.totals["gpt-4.1"] - data.totals[rec.option])
    flat = " ".join(pdf_text(report.render_pdf(data), tmp_path).split())
    assert f"the recommended option is {rec.option}: {report.usd(rec.horizon_usd)} over 36 months" in flat
    assert f"Against today's option, gpt-4.1 ({report.usd(data.totals['gpt-4.1'])}), it saves" in flat
    assert f"it saves {report.usd(rec.savings_usd)}" in flat


def test_a_request_without_a_floor_recommends_nothing_and_says_so(store: Store, tmp_path: Path) -> None:
    """No floor: no 'recommended option', no option 'meets the floor', and today's option is not guessed."""
    data = report.gather(store, report.ReportRequest(full_scenario(store), sheet_name=SHEET, today=TODAY))
    rec = data.recommendation
    assert rec.option is None and rec.current_option is None and rec.savings_usd is None
    flat = " ".join(pdf_text(report.render_pdf(data), tmp_path).split())
    assert "No quality floor was given, so this report recommends no option" in flat
    assert "ranks the 5 options of 'Base case' by their cost over 36 months only" in flat
    assert "No option in use today was given" in flat
    assert "recommended option is" not in flat and "meets the floor" not in flat.lower()
    assert "current option" not in flat.lower()
    assert flat.count("no floor given") == len(data.totals)  # each row of the summary table


def test_todays_option_can_be_named_by_its_model(store: Store) -> None:
    own = "self-host llama-3.1-8b-instruct"
    data = report.gather(
        store, report.ReportRequest(full_scenario(store), sheet_name=SHEET, current_option="gpt-4.1", today=TODAY)
    )
    assert data.recommendation.current_option == "gpt-4.1" and data.recommendation.option is None
    summary = report.executive_summary(data)
    assert "Today's option, gpt-4.1, would cost" in summary
    assert f"The cheapest option costs {report.usd(data.totals['gpt-4.1'] - data.totals.iloc[0])} less" in summary
    against = next(h for name, hs in data.outcome.head_to_head.items() if name.startswith(own) for h in hs.values()
                   if h.versus == "gpt-4.1")  # fmt: skip
    assert planning.head_to_head_text(against) in summary
    options = data.options.assign(model_id=data.options["model_id"].where(data.options["option"] != "gpt-4.1",
                                                                          "openai-gpt-4.1"))  # fmt: skip
    assert report.current_option_name(options, "openai-gpt-4.1") == "gpt-4.1"
    with pytest.raises(LookupError, match="no option named 'nope' and none serving that model"):
        report.current_option_name(options, "nope")


def test_summary_table_holds_the_planning_engines_numbers(store: Store, tmp_path: Path) -> None:
    scenario = full_scenario(store)
    data = report.gather(store, report.ReportRequest(scenario, sheet_name=SHEET, quality_floor=1300, today=TODAY))
    outcome = planning.outcome(scenario.inputs)
    totals = planning.horizon_totals(outcome.result)
    summary = report.summary_table(data).set_index("Option")
    assert list(summary.index) == list(totals.index)  # cheapest first
    for name, total in totals.items():
        assert summary.loc[name, "Total over 36 months (USD)"] == pytest.approx(total)
        assert summary.loc[name, "Monthly cost now (USD, month 1)"] == pytest.approx(
            outcome.result.monthly_usd[name].iloc[0]
        )
    assert summary.loc["gpt-4o-mini", "Quality vs floor"] == "below 1,300"
    assert summary.loc["gpt-4.1", "Quality vs floor"] == "meets 1,300"
    page_1 = " ".join(pdf_text(report.render_pdf(data), tmp_path).split("\f")[0].split())
    for name, total in totals.items():
        assert report.usd(total) in page_1 and report.usd(outcome.result.monthly_usd[name].iloc[0]) in page_1


def test_no_option_meets_an_impossible_floor(store: Store) -> None:
    data = report.gather(
        store, report.ReportRequest(api_only_scenario(store), sheet_name=SHEET, quality_floor=5000, today=TODAY)
    )
    assert data.recommendation.option is None
    assert "none of the 2 options" in report.executive_summary(data)


def test_every_page_has_ink_and_page_numbers(full_pdf: bytes, tmp_path: Path) -> None:
    shares = ink_per_page(full_pdf, tmp_path)
    text = pdf_text(full_pdf, tmp_path)
    assert len(shares) >= 6
    assert all(share > 0.003 for share in shares), shares
    assert f"page 1 of {len(shares)}" in text and f"page {len(shares)} of {len(shares)}" in text


def test_charts_are_images_in_the_pdf(full_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(full_pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    images = [line.split() for line in listing.splitlines()[2:]]
    assert len(images) >= 4  # frontier, spend, cumulative, tornado
    assert all(int(row[3]) >= 1500 for row in images)  # width in pixels: high resolution


def test_non_latin_model_names_render(full_pdf: bytes, tmp_path: Path) -> None:
    text = pdf_text(full_pdf, tmp_path)
    assert CJK in text and CYRILLIC in text


def test_long_tables_repeat_their_headings(full_pdf: bytes, tmp_path: Path) -> None:
    pages = pdf_text(full_pdf, tmp_path).split("\f")
    with_period = [i for i, page in enumerate(pages) if "month 20" in page or "month 36" in page]
    assert with_period and all("Period" in pages[i] for i in with_period)


def test_report_without_self_hosting_or_probes_is_complete(store: Store, tmp_path: Path) -> None:
    assert store.runs().empty
    pdf = pdf_report(store, report.ReportRequest(api_only_scenario(store), "", SHEET, today=TODAY))
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    for section in ("Executive summary", "1. Candidates", "2. Spend over 24 months", "3. Break-even", "4. Sensitivity",
                    "5. Assumptions", "6. Sources"):  # fmt: skip
        assert section in flat
    assert "No self-hosted or hybrid option" in flat and "Appendix" not in flat
    assert "Prepared for: not stated" in flat
    assert all(share > 0.003 for share in ink_per_page(pdf, tmp_path))


def test_assumptions_and_sources_are_listed(store: Store, full_pdf: bytes, tmp_path: Path) -> None:
    flat = " ".join(pdf_text(full_pdf, tmp_path).split())
    for sentence in report.assumption_sentences(full_scenario(store)):
        assert " ".join(sentence.split()[:6]) in flat, sentence
    for note in report.assumption_notes(full_scenario(store)):
        assert " ".join(note.split()[:6]) in flat, note
    assert "re-chosen each year" in flat and "x/÷ up to 1.5" in flat  # each API price's decline, the spreads
    assert "Monthly volume growth (when set by hand): +5% a month." in flat and "Hours in a month: 730 hours." in flat
    assert f"{SHEET}:" in flat and "LMArena" in flat


def test_the_report_names_inputs_in_words_and_prints_amounts_with_separators(
    store: Store, full_pdf: bytes, tmp_path: Path
) -> None:
    """No internal key (`inputs.options[...]`, `plan.replica_output_tokens_per_s`) and no scientific notation: a
    reader of the PDF sees 'Output tokens a month at the start 2,000,000,000 tokens' and '$3.16'."""
    flat = " ".join(pdf_text(full_pdf, tmp_path).split())
    for key in ("inputs.", "options[", "usd_per_1m", "plan.", "_per_", "schema_version", "price_decline_factor"):
        assert key not in flat, key
    assert not re.search(r"\d[eE][+-]\d", flat), re.search(r".{40}\d[eE][+-]\d.{20}", flat)
    assert "Output tokens a month at the start: 2,000,000,000 tokens" in flat
    assert "gpt-4o-mini: price per 1M input tokens $0.15" in flat
    sensitivity = flat[flat.index("4. Sensitivity") : flat.index("5. Assumptions")]
    assert "Output tokens, every month 0.5x (1,050,000,000 in month 1) 2x (4,200,000,000 in month 1)" in sensitivity, (
        sensitivity
    )


def test_probe_runs_go_to_an_appendix(seeded_store: Store, tmp_path: Path) -> None:
    store = seeded_store  # a private copy: the module's store stays without probe runs
    store.start_run(
        run_id="run-report-1",
        endpoint_name="local-nim",
        model="meta/llama",
        api_base="http://127.0.0.1:9",
        model_id=None,
        suite=None,
        settings_json="{}",
        estimated_cost_usd=0.0123,
    )
    store.finish_run("run-report-1", "completed", json.dumps({"requests": 40, "ok": 39}))
    data = report.gather(store, report.ReportRequest(api_only_scenario(store), sheet_name=SHEET, today=TODAY))
    flat = " ".join(pdf_text(report.render_pdf(data), tmp_path).split())
    assert "Appendix: probe runs" in flat and "run-report-1" in flat and "Requests: 40" in flat


def test_same_inputs_give_the_same_pdf(store: Store) -> None:
    data = report.gather(store, report.ReportRequest(api_only_scenario(store), "Team", SHEET, today=TODAY))
    again = report.gather(store, report.ReportRequest(api_only_scenario(store), "Team", SHEET, today=TODAY))
    images = report.ReportImages(frontier=None)
    assert report.render_pdf(data, images) == report.render_pdf(again, images)


def test_same_inputs_give_the_same_pdf_with_charts(store: Store, full_pdf: bytes) -> None:
    assert pdf_report(
        store, report.ReportRequest(full_scenario(store), "Procurement, ACME", SHEET, today=TODAY, quality_floor=1300)
    ) == (full_pdf)


def test_cli_writes_a_report_and_rejects_bad_input(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    planning.save_scenario(store, api_only_scenario(store))
    monkeypatch.setenv("FRONTIER_DB", str(store.path))
    out = tmp_path / "out.pdf"
    assert main(["report", "--scenario", "API only", "--out", str(out), "--prepared-for", "Finance"]) == 0
    assert out.read_bytes().startswith(b"%PDF") and "Prepared for: Finance" in pdf_text(out.read_bytes(), tmp_path)
    assert main(["report", "--scenario", "No such scenario", "--out", str(out)]) == 2
    assert "no scenario named" in capsys.readouterr().err
    assert main(["report", "--scenario", "API only", "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["report", "--scenario", "API only", "--out", str(out), "--metric", "no_such_metric"]) == 2
    assert main(["report", "--scenario", "API only", "--out", str(out), "--current", "nope"]) == 2
    assert "no option named 'nope'" in capsys.readouterr().err
    assert main(["report", "--scenario", "API only", "--out", str(out), "--summary-csv", str(tmp_path / "s.txt")]) == 2
    assert "--summary-csv must name a .csv file" in capsys.readouterr().err


def test_cli_takes_a_floor_and_todays_model_and_writes_the_summary_csv(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    planning.save_scenario(store, api_only_scenario(store))
    monkeypatch.setenv("FRONTIER_DB", str(store.path))
    out, csv = tmp_path / "out.pdf", tmp_path / "summary.csv"
    args = ["report", "--scenario", "API only", "--out", str(out), "--floor", "1300", "--current", "gpt-4.1"]
    assert main([*args, "--summary-csv", str(csv)]) == 0
    flat = " ".join(pdf_text(out.read_bytes(), tmp_path).split())
    assert "the recommended option is gpt-4.1" in flat and "It is also today's option" in flat
    summary = pd.read_csv(csv)
    totals = planning.horizon_totals(planning.outcome(api_only_scenario(store).inputs).result)
    assert list(summary["Option"]) == list(totals.index)
    assert summary["Total over 24 months (USD)"].tolist() == pytest.approx(totals.tolist())
    assert list(summary["Quality vs floor"]) == ["below 1,300", "meets 1,300"]
    assert main(["report", "--scenario", "API only", "--out", str(out)]) == 0
    assert "No quality floor given (--floor)" in capsys.readouterr().out


def test_each_section_gathers_from_one_use_case(store: Store) -> None:
    scenario = full_scenario(store)
    data = report.gather(store, report.ReportRequest(scenario, sheet_name=SHEET, quality_floor=1300, today=TODAY))
    evaluation = planning.evaluate(scenario.inputs, scenario.uncertainty, with_sensitivity=False)
    assert data.totals.equals(evaluation.totals) and data.monthly.equals(evaluation.monthly)
    assert data.monte_carlo is not None and data.monte_carlo.tco.equals(evaluation.monte_carlo.tco)
    assert data.bands is not None and all(data.bands[name].equals(band) for name, band in evaluation.bands.items())
    focus, versus = report.sensitivity_focus(data.recommendation, data.outcome, scenario.inputs, data.totals)
    assert data.sensitivity is not None and data.sensitivity.equals(
        planning.sensitivity(scenario.inputs, focus, versus)
    )
    assert data.sensitivity_title == f"What moves the 36-month cost of {focus} minus {versus}"
    offers = service.offer_facts(store, data.metric.metric_id, SHEET, CandidateOptions(), SelfHostSettings())
    assert offers.frontier.candidates.equals(data.frontier.candidates)
    assert data.probe_runs.equals(service.provenance(store).probe_runs)


def test_offer_facts_resolve_the_sheet_and_describe_every_offer(store: Store) -> None:
    offers = service.offer_facts(store, "arena_elo", None, CandidateOptions())
    assert offers.frontier.sheet_name == service.default_sheet(store)
    assert offers.prices.equals(service.prices_with_deployments(store, offers.frontier.sheet_name))
    assert CJK in set(offers.prices["model_key"])  # deployment prices are offers too
    assert offers.models.equals(store.models()) and offers.performance.equals(store.api_performance())
    with pytest.raises(LookupError, match="no price sheet named 'nope'"):
        service.offer_facts(store, "arena_elo", "nope", CandidateOptions())


def test_provenance_is_what_the_store_cites(store: Store) -> None:
    cited = service.provenance(store)

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:  # the store promises no order of sources
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    assert cited.price_sheets.equals(store.price_sheets())
    assert ordered(cited.sources).equals(ordered(store.sources()))
    assert cited.probe_runs.equals(store.runs())


def _recommendation(option: str | None, current: str) -> report.Recommendation:
    return report.Recommendation(option, None, current, 0.0, None, None, None, None)


@pytest.mark.parametrize(
    ("option", "current", "focus"),
    [
        ("bought", "api", ("bought", "api")),  # the recommended fleet against today's API option
        ("mix", "other-api", ("mix", "api")),  # today's option is not an API option: the first API option
        ("api", "api", ("rented", "api")),  # an API option recommended: the first self-hosted option
        (None, "api", ("rented", "api")),
    ],
)
def test_sensitivity_focus_is_the_recommended_fleet_against_todays_api(
    option: str | None, current: str, focus: tuple[str, str]
) -> None:
    inputs = _scenario(horizon_months=12)
    outcome = planning.outcome(inputs)
    totals = planning.horizon_totals(outcome.result)
    assert report.sensitivity_focus(_recommendation(option, current), outcome, inputs, totals) == focus


@pytest.mark.parametrize(("option", "focus"), [("api", "api"), (None, "cheapest")])
def test_sensitivity_focus_without_self_hosting_is_one_options_cost(option: str | None, focus: str) -> None:
    inputs = _scenario(horizon_months=12)
    api_only = type(inputs)(**{**inputs.__dict__, "options": inputs.options[:1]})
    outcome = planning.outcome(api_only)
    totals = planning.horizon_totals(outcome.result)
    expected = str(totals.index[0]) if focus == "cheapest" else focus
    assert report.sensitivity_focus(_recommendation(option, "api"), outcome, api_only, totals) == (expected, None)


TEXT_SHARE_FLOOR = 0.15  # no page carries less text than this share of the fullest page's


def test_no_page_is_near_blank(full_pdf: bytes, tmp_path: Path) -> None:
    """Tables do not leave a couple of rows alone on a page, headings stay with their content, and the cover
    carries the summary: every page holds at least 15% of the fullest page's text, the closing approval page
    aside."""
    pages = [page for page in pdf_text(full_pdf, tmp_path).split("\f") if page.strip()]
    chars = [len("".join(page.split())) for page in pages]
    last = len(pages) - 1 if pages[-1].lstrip().startswith("Approval") else len(pages)
    assert all(n >= TEXT_SHARE_FLOOR * max(chars) for n in chars[:last]), chars
    assert "Summary of the options" in pages[0] and "Executive summary" in pages[0]
    for page in pages:  # no heading sits at a page's foot without what it heads
        lines = [line for line in page.splitlines() if line.strip()]
        body = lines[:-1]  # the footer
        assert body[-1].strip() not in {"6. Sources", "5. Assumptions", "Offers on the frontier"}, body[-3:]


def test_report_has_no_scientific_notation_or_internal_keys(store: Store, full_pdf: bytes, tmp_path: Path) -> None:
    flat = " ".join(pdf_text(full_pdf, tmp_path).split())
    assert "e+" not in flat and not re.search(r"\d[eE]-\d", flat)
    for key in ("replica_output_tokens_per_s", "plan.", "inputs.", "usd_per_", "_tokens", "model_key", "as_of"):
        assert key not in flat, key


def test_sources_listed_are_the_sources_used(store: Store, full_pdf: bytes, tmp_path: Path) -> None:
    request = report.ReportRequest(full_scenario(store), "Procurement, ACME", SHEET, today=TODAY, quality_floor=1300)
    data = report.gather(store, request)
    options = data.options
    sheets = {SHEET, *options["price_sheet"].dropna()} - {""}
    used = (
        {str(s) for s in data.frontier.candidates["quality_source"].unique()}
        | {f"{row.option}: {row.speed_source}" for row in options.itertuples() if isinstance(row.speed_source, str)}
        | {f"{row.option}: {row.price_source}" for row in options.itertuples() if row.kind == "self-hosted"}
    )
    listed = list(data.sources["source"])
    sheet_rows = [source for source in listed if any(source.startswith(f"{sheet}: ") for sheet in sheets)]
    assert len(sheet_rows) == len(sheets)  # each price sheet of the options and the frontier, once
    assert set(listed) - set(sheet_rows) == used
    flat = " ".join(pdf_text(full_pdf, tmp_path).split())
    sources = flat[flat.index("6. Sources") :]
    for text in ("store:", "Falcon2-11B", "Epoch AI (external", "Open LLM Leaderboard", "rows)"):
        assert text not in sources, text
    for source in used:
        assert " ".join(source.split()[:5]) in sources, source


def test_report_ends_with_an_approval_block_to_sign(full_pdf: bytes, tmp_path: Path) -> None:
    last = pdf_text(full_pdf, tmp_path).split("\f")[-2]
    flat = " ".join(last.split())
    assert "Approval" in flat
    for field in ("Prepared by:", "Reviewed by:", "Date:", "Decision:"):
        assert field in flat, field
    assert "recommended option:" in flat  # the full report has a floor


@pytest.mark.parametrize(
    ("space", "rows", "expected"),
    [
        (100, [10] * 5, [5]),  # fits
        (25, [10] * 5, [0, 5]),  # two rows would sit at the foot: the table starts on the next page
        (45, [10] * 5, [0, 5]),  # three here would leave two there: too short to split, the whole table moves
        (45, [10] * 8, [3, 5]),
        (95, [10] * 10, [7, 3]),  # eight fit, two would be alone on the next page: one more goes along
        (95, [10] * 2, [2]),
    ],
)
def test_tables_never_leave_a_couple_of_rows_alone(space: float, rows: list[float], expected: list[int]) -> None:
    counts = report.table_pages(space, 100, 10, rows)
    assert sum(counts) == len(rows) and counts == expected


def test_a_draft_from_the_pages_defaults_is_titled_and_named_as_such(store: Store, tmp_path: Path) -> None:
    request = report.ReportRequest(api_only_scenario(store), sheet_name=SHEET, today=TODAY, draft=True)
    data = report.gather(store, request)
    pdf = report.render_pdf(data)
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "LLM cost and quality comparison: draft from defaults" in flat
    assert "Frontier report: draft from defaults (not a saved scenario), 2026-11-27" in flat  # each page's footer
    path = tmp_path / "draft.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert "Title:           Frontier report: draft from defaults" in info
    assert report_file_name("API only", TODAY, draft=True) == "frontier-report-draft-from-defaults-2026-11-27.pdf"
    assert report_file_name("Base case (EU)", TODAY) == "frontier-report-base-case-eu-2026-11-27.pdf"
    assert report_file_name("  ", TODAY, suffix="csv") == "frontier-report-scenario-2026-11-27.csv"
    named = report.build_report(store, report.ReportRequest(api_only_scenario(store), sheet_name=SHEET, today=TODAY))
    saved = " ".join(pdf_text(named, tmp_path).split())
    assert "draft" not in saved.lower() and "Scenario: API only" in saved
