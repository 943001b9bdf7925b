"""Links that carry the whole view, and figures a person can read, in headless Chromium at 1440x900:

- every explorer control round-trips through the URL: a link sets each control, the page writes each back, and a
  control changed on the page is in the address a colleague opens;
- a scenario link (and "Open saved scenario") loads the scenario into the inputs, and the page offers the whole
  address with a copy button;
- the projections page's figures name inputs in words, print no scientific notation, and run to the horizon.

Run with `.venv/bin/python -m pytest tests/test_browser_views.py -q` (or `-m browser`). Needs Debian's Chromium at
/usr/bin/chromium (or FRONTIER_CHROMIUM); fails without it.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from openpyxl import load_workbook

from tests import browser_support as bs

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

VIEWPORT = {"width": 1440, "height": 900}
WARNING = '[data-testid="stAlertContentWarning"]'

# Eight months of one workload's usage, output growing from 100M tokens a month.
USAGE = "month,workload,requests,input_tokens,output_tokens\n" + "".join(
    f"2026-{m:02d},support,{(100_000_000 + 10_000_000 * m) // 400},{3 * (100_000_000 + 10_000_000 * m)},"
    f"{100_000_000 + 10_000_000 * m}\n"
    for m in range(1, 9)
)

# Every explorer control, set away from its default: URL parameter -> value.
EXPLORER_VIEW = {
    "metric": "gpqa_diamond",
    "axis": "cost",
    "cost": "task",
    "scores": "independent",
    "offers": "all",
    "flagged": "1",
    "in_tokens": "3000",
    "out_tokens": "700",
    "deploy": "API",
    "open": "1",
    "self_hostable": "1",
    "min_context_k": "64",
    "min_quality": "40",
    "max_cost": "0.5",
    "util": "60",
    "basis": "busy-time",
    "q8": "-1.5",
    "q4": "-3",
    "volume_m": "500",
    "peak": "3",
    "headroom": "30",
    "sheet": "litellm 1.110.2 (bundled)",
    "io_ratio": "2",
    "cache_pct": "10",
    "stale_days": "90",
    "score_stale_days": "3650",  # no metric's newest score is 10 years old: no staleness warning
    "relative": "0",  # the relative view (axes against a baseline) round-trips in tests/test_browser_relative.py
}


@pytest.fixture(scope="module")
def server(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port against a private copy of the session's seeded store."""
    db_path = tmp_path_factory.mktemp("frontier-views") / "frontier.duckdb"
    shutil.copyfile(seeded_db_file, db_path)
    with bs.streamlit_server(db_path) as base_url:
        yield base_url


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab (a fresh Streamlit session) at 1440x900, as a first-time user sees the app."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        yield tab
    finally:
        context.close()


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query, keep_blank_values=True)


def number_value(page: Any, label: str) -> float:
    return float(page.get_by_label(label, exact=True).input_value().replace(",", ""))


def explorer_controls(page: Any) -> dict[str, object]:
    """What each explorer control shows, read from the page as a person sees it."""
    filters = page.get_by_test_id("stExpander").filter(has_text="Filters and self-hosting assumptions")
    if filters.locator("details").get_attribute("open") is None:
        filters.get_by_text("Filters and self-hosting assumptions").click()
    deployment = page.get_by_test_id("stMultiSelect").filter(has_text="Deployment")
    slider = page.get_by_test_id("stSlider").filter(has_text="Target utilisation").locator('input[type="range"]')
    sidebar = page.get_by_test_id("stSidebar")
    return {
        "metric": page.get_by_role("combobox", name="Quality metric", exact=True).input_value(),
        "cost": page.get_by_role("radio", name="Cost per task (workload profile)", exact=True).is_checked(),
        "scores": page.get_by_role("combobox", name="Scores", exact=True).input_value(),
        "offers": page.get_by_role("radio", name="Every offer", exact=True).is_checked(),
        "flagged": page.get_by_role("switch", name="Include flagged prices", exact=True).is_checked(),
        "in_tokens": number_value(page, "Input tokens per task"),
        "out_tokens": number_value(page, "Output tokens per task"),
        "deploy": sorted(t.strip() for t in deployment.locator("[data-tag]").all_inner_texts()),
        "open": page.get_by_role("switch", name="Open weights only", exact=True).is_checked(),
        "self_hostable": page.get_by_role("switch", name="Self-hostable only", exact=True).is_checked(),
        "min_context_k": number_value(page, "Minimum context (thousand tokens)"),
        "min_quality": number_value(page, "Minimum quality (%)"),
        "max_cost": number_value(page, "Maximum cost (USD)"),
        "util": float(slider.input_value()),
        "basis": page.get_by_role("radio", name="busy-time", exact=True).is_checked(),
        "q8": number_value(page, "Quality change at 8-bit (%)"),
        "q4": number_value(page, "...at 4-bit (%)"),
        "volume_m": number_value(page, "Self-hosted volume (million output tokens a month)"),
        "peak": number_value(page, "Peak hour / average traffic"),
        "headroom": number_value(page, "Headroom above the peak (%)"),
        "sheet": sidebar.get_by_role("combobox", name="Price sheet", exact=True).input_value(),
        "io_ratio": number_value(sidebar, "Input:output tokens (x:1)"),
        "cache_pct": float(sidebar.locator('input[type="range"]').input_value()),
        "stale_days": number_value(sidebar, "Flag prices older than (days)"),
        "score_stale_days": number_value(sidebar, "Flag scores older than (days)"),
    }


@pytest.mark.browser
def test_every_explorer_control_round_trips_through_the_url(server: str, page: Any) -> None:
    bs.open_page(page, server, "explorer?" + urlencode(EXPLORER_VIEW), 90_000)
    assert not bs.error_texts(page) and not page.locator(WARNING).count(), page.locator(WARNING).all_inner_texts()
    shown = explorer_controls(page)
    assert shown["metric"].startswith("GPQA Diamond"), shown["metric"]
    assert shown["scores"] == "Independent only"
    assert shown["sheet"] == EXPLORER_VIEW["sheet"]
    assert shown["deploy"] == ["API"]
    for name in ("cost", "offers", "flagged", "open", "self_hostable", "basis"):
        assert shown[name] is True, name
    for name in ("in_tokens", "out_tokens", "min_context_k", "min_quality", "max_cost", "util", "q8", "q4",
                 "volume_m", "peak", "headroom", "io_ratio", "cache_pct", "stale_days",
                 "score_stale_days"):  # fmt: skip
        assert shown[name] == pytest.approx(float(EXPLORER_VIEW[name])), name
    # ...and the page writes each back, so the address it shows is the view.
    written = {name: values[-1] for name, values in query(page).items()}
    assert written == EXPLORER_VIEW, set(written.items()) ^ set(EXPLORER_VIEW.items())

    # A control changed on the page goes into the address, and that address opens the same view elsewhere.
    field = page.get_by_label("Minimum quality (%)", exact=True)
    bs.rerun_after(page, lambda: (field.fill("45"), field.press("Enter")))
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Providers").get_by_role("combobox")
    box.click()
    box.press("ArrowDown")  # a click right after a rerun may only focus it; the arrow opens the list
    page.get_by_role("option").first.wait_for(state="attached")
    provider = next(text.strip() for text in page.get_by_role("option").all_inner_texts() if text != "Select all")
    page.keyboard.press("Escape")
    bs.set_multiselect(page, "Providers", [provider])
    assert query(page)["min_quality"] == ["45"] and query(page)["providers"] == [provider]
    shared = page.url
    fresh = page.context.new_page()
    fresh.goto(shared, wait_until="domcontentloaded")
    bs.wait_for_app(fresh, 90_000)
    assert not bs.error_texts(fresh)
    again = explorer_controls(fresh)
    assert again["min_quality"] == 45 and again | {"min_quality": 0} == shown | {"min_quality": 0}
    chips = fresh.get_by_test_id("stMultiSelect").filter(has_text="Providers").locator("[data-tag]")
    assert [t.strip() for t in chips.all_inner_texts()] == [provider]
    assert query(fresh) == query(page)


@pytest.mark.browser
def test_a_link_value_that_cannot_be_read_says_which_and_why(server: str, page: Any) -> None:
    bs.open_page(page, server, "explorer?util=abc&min_quality=40&providers=no-such-provider", 90_000)
    assert not bs.error_texts(page)
    warnings = " ".join(page.locator(WARNING).all_inner_texts())
    assert "util=abc" in warnings and "not a whole number from 5 to 100" in warnings, warnings
    assert "providers=no-such-provider" in warnings and "not offered" in warnings, warnings
    assert query(page)["util"] == ["70"] and query(page)["min_quality"] == ["40"]  # the rest of the link is used


CODE = '[data-testid="stCode"]'
INFO = '[data-testid="stAlertContentInfo"]'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
SCIENTIFIC = re.compile(r"\d[eE][+-]\d")
INTERNAL_KEY = re.compile(r"[a-z0-9]_[a-z]|\.plan\.|options\[|inputs\.")


def projections_with_typed_volumes(page: Any, server: str) -> None:
    bs.open_page(page, server, "projections", 120_000)
    choice = page.get_by_role("radio", name="Type volumes", exact=True)
    bs.rerun_after(page, lambda: choice.check(force=True), 120_000)


def set_inputs(page: Any, numbers: dict[str, float], horizon: int | None = None) -> None:
    for label, value in numbers.items():
        bs.rerun_after(page, lambda label=label, value=value: bs.set_number(page, label, value), 120_000)
    if horizon is not None:
        radio = page.get_by_role("radio", name=str(horizon), exact=True)
        # Centred first: scrolled just into view from below, the radio sits under Streamlit's sticky header, which
        # takes a forced click.
        radio.evaluate("element => element.scrollIntoView({block: 'center'})")
        bs.rerun_after(page, lambda: radio.check(force=True), 120_000)


SCENARIO_INPUTS = {"Output tokens per month now": 500_000_000, "Monthly growth (%)": 7, "Paths": 2000, "Seed": 7}


def shown_inputs(page: Any) -> dict[str, float]:
    return {label: number_value(page, label) for label in SCENARIO_INPUTS}


@pytest.mark.browser
def test_a_scenario_link_opens_with_its_assumptions_in_the_inputs(server: str, page: Any) -> None:
    projections_with_typed_volumes(page, server)
    set_inputs(page, SCENARIO_INPUTS, horizon=24)
    cost = bs.metric(page, "Its 24-month cost").locator(bs.METRIC_VALUE).inner_text()
    code = page.locator(CODE).filter(has_text="/projections?s=")
    address = code.inner_text().strip()
    assert address.startswith(f"{server}/projections?s="), address[:120]  # the whole address, not a bare ?s=
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    code.hover()
    code.get_by_role("button", name="Copy to clipboard").click()
    assert page.evaluate("navigator.clipboard.readText()") == address

    colleague = page.context.new_page()
    colleague.goto(address, wait_until="domcontentloaded")
    bs.wait_for_app(colleague, 120_000)
    assert not bs.error_texts(colleague)
    assert colleague.locator(INFO).filter(has_text="Opened the scenario").count() == 1
    assert colleague.get_by_role("radio", name="Type volumes", exact=True).is_checked()
    assert colleague.get_by_role("radio", name="24", exact=True).is_checked()
    assert shown_inputs(colleague) == SCENARIO_INPUTS  # the scenario's values, not the page's defaults
    assert bs.metric(colleague, "Its 24-month cost").locator(bs.METRIC_VALUE).inner_text() == cost

    # Changing an input works from the scenario: the inputs now make it, and the address no longer claims it.
    set_inputs(colleague, {"Monthly growth (%)": 8})
    assert colleague.locator(INFO).filter(has_text="Opened the scenario").count() == 0
    assert "s" not in query(colleague)
    assert number_value(colleague, "Output tokens per month now") == SCENARIO_INPUTS["Output tokens per month now"]


@pytest.mark.browser
def test_open_saved_scenario_puts_it_into_the_inputs(server: str, page: Any) -> None:
    projections_with_typed_volumes(page, server)
    set_inputs(page, {"Output tokens per month now": 300_000_000, "Monthly growth (%)": 3})
    name = page.get_by_label("Scenario name", exact=True)
    name.fill("Saved to open")
    bs.rerun_after(page, lambda: name.press("Enter"), 120_000)
    bs.rerun_after(page, page.get_by_role("button", name="Save scenario", exact=True).click, 120_000)
    page.locator(SUCCESS).filter(has_text="Saved 'Saved to open'").wait_for()
    set_inputs(page, {"Output tokens per month now": 900_000_000, "Monthly growth (%)": 9})

    box = page.get_by_role("combobox", name="Open a saved scenario", exact=True)
    if box.input_value() != "Saved to open":
        box.click()
        box.fill("Saved to open")
        bs.rerun_after(page, page.get_by_role("option", name="Saved to open", exact=True).click, 120_000)
    opener = page.get_by_role("button", name="Open saved scenario", exact=True)  # says what it opens
    assert opener.count() == 1
    bs.rerun_after(page, opener.click, 120_000)
    assert page.locator(INFO).filter(has_text="Opened the scenario 'Saved to open'").count() == 1
    assert number_value(page, "Output tokens per month now") == 300_000_000
    assert number_value(page, "Monthly growth (%)") == 3
    assert query(page).get("s"), "the address does not carry the opened scenario"
    assert not bs.error_texts(page)


def plotly_layout(page: Any, key: str) -> dict[str, Any]:
    """The x range and the y tick labels a Plotly chart drew."""
    return page.locator(f".st-key-{key} .js-plotly-plot").evaluate(
        """plot => ({
            x_range: plot._fullLayout.xaxis.range,
            y_ticks: [...plot.querySelectorAll('.ytick text')].map(t => t.textContent),
            y_title: plot._fullLayout.yaxis.title.text,
        })"""
    )


@pytest.mark.browser
def test_projection_figures_read_in_words_and_run_to_the_horizon(server: str, page: Any) -> None:
    projections_with_typed_volumes(page, server)
    set_inputs(page, {"Operations staff (USD per month)": 3000}, horizon=24)  # costs the self-hosted option
    for key in ("proj_spend_chart", "proj_cumulative_chart", "proj_unit_cost_chart"):
        assert plotly_layout(page, key)["x_range"] == [1, 24], key  # the horizon, not month 40 of 36
    tornado = plotly_layout(page, "proj_tornado")["y_ticks"]
    assert len(tornado) >= 4, tornado
    for label in tornado:
        assert not INTERNAL_KEY.search(label) and not SCIENTIFIC.search(label), label
    assert any(label.endswith("(self-hosted)") for label in tornado), tornado
    main = page.get_by_test_id("stMain").inner_text()
    assert not SCIENTIFIC.search(main), SCIENTIFIC.search(main)
    assert not truncated_texts(page), truncated_texts(page)


TRUNCATED = """() => {
    const out = [];
    for (const el of document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')) {
        if (getComputedStyle(el).textOverflow !== 'ellipsis' || !el.innerText.trim()) continue;
        if (el.closest('[data-testid="stDataFrame"], .js-plotly-plot, [data-testid="stCode"]')) continue;
        if (el.scrollWidth > el.clientWidth + 1) out.push(el.innerText.trim());
    }
    return [...new Set(out)];
}"""


def truncated_texts(page: Any) -> list[str]:
    """Labels, button texts and metric values the page cuts short with an ellipsis."""
    return page.evaluate(TRUNCATED)


@pytest.mark.browser
def test_the_usage_chart_has_readable_ticks_and_title(server: str, page: Any) -> None:
    bs.open_page(page, server, "projections", 120_000)
    bs.upload_file(page, "Usage file", "usage.csv", USAGE.encode(), timeout_ms=120_000)
    chart = plotly_layout(page, "proj_usage_chart")
    assert chart["y_title"] == "Tokens a month (millions)"
    assert len(set(chart["y_ticks"])) >= 3, chart["y_ticks"]  # not a lone "0"
    assert not bs.error_texts(page)


@pytest.mark.browser
def test_the_explorer_table_downloads_as_a_readable_workbook(server: str, page: Any) -> None:
    bs.open_page(page, server, "explorer", 90_000)
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-explorer_frontier_download_xlsx button").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "frontier table arena elo"  # 'frontier_table_arena_elo_blended' cut at a word's end
    headers = [cell.value for cell in sheet[1]]
    assert headers[:5] == ["Model", "Arena Elo", "Cost (USD per 1M tokens)", "Offer", "Why this offer"]
    assert not [h for h in headers if "_" in str(h)], headers
    column = {header: index + 1 for index, header in enumerate(headers)}
    prices = [sheet.cell(row, column["Price date"]) for row in range(2, sheet.max_row + 1)]
    assert any(cell.is_date for cell in prices) and all(cell.is_date or cell.value is None for cell in prices)
    cost = sheet.cell(2, column["Cost (USD per 1M tokens)"])
    assert isinstance(cost.value, float) and cost.number_format.startswith('"$"#,##0')


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", "explorer", "catalogue", "costs", "portfolio", "probes"])
def test_no_label_is_cut_short(server: str, page: Any, path: str) -> None:
    """Widget labels, buttons and metric labels and values fit at 1440x900 (data grids, charts and code blocks
    scroll instead); Spend projections is checked with its figures above."""
    bs.open_page(page, server, path, 120_000)
    page.wait_for_timeout(500)
    assert not truncated_texts(page), truncated_texts(page)


@pytest.mark.browser
def test_sizing_says_what_a_replica_needs_once(server: str, page: Any) -> None:
    """Qwen3-30B-A3B at FP8 (about 30 GB of weights) fits one H100, and the roofline names itself once."""
    projections_with_typed_volumes(page, server)
    set_inputs(page, {"Operations staff (USD per month)": 3000})  # the option is sized once it is costed
    bs.choose_option(page, "Open model", "qwen3-30b-a3b")
    bs.wait_for_app(page, 120_000)
    sizing = page.get_by_text("qwen3-30b-a3b at FP8 needs", exact=False).first.inner_text()
    assert "needs 1 x H100 SXM per replica" in sizing, sizing
    assert "roofline estimate: roofline estimate" not in page.get_by_test_id("stMain").inner_text()


@pytest.mark.browser
def test_a_self_hosted_probe_shows_its_gpu_time_cost_before_and_after_the_run(server: str, page: Any) -> None:
    """With a GPU type, count and hourly price, the probe says what GPU time costs before the run (not
    'Estimated cost: None') and prices the graded run: its cost per 1,000 items is a dollar amount."""
    from evals.loopback import LoopbackServer
    from evals.suites import load_suite

    items = len(load_suite("intent").items)
    with LoopbackServer(bs.loopback_config_for("intent", ttft_ms=5)) as loopback:
        bs.open_page(page, server, "probes", 120_000)
        bs.save_endpoint(
            page, name="gpu-box", kind="openai-compatible", model="test-model", api_base=loopback.base_url,
            gpu=("H100 SXM", 2, 3.0),
        )  # fmt: skip
        panel = bs.open_tab(page, "Run a probe")
        bs.choose_option(panel, "Endpoint", "gpu-box")
        bs.choose_option(panel, "Eval suite", "intent")
        bs.wait_for_app(page)
        before = panel.inner_text()
        assert "$0.1000 a minute" in before and "2 x H100 SXM at $3.00/GPU-hour" in before, before
        assert "None" not in before
        done = bs.start_probe(page, endpoint="gpu-box", suite="intent", requests_per_level=items, levels=[1])
        assert "completed" in done, done
    bs.open_page(page, server, "probes", 120_000)
    bs.open_tab(page, "Results and history")
    per_1000 = bs.metric(page, "Cost per 1,000 items").locator(bs.METRIC_VALUE)
    per_1000.wait_for(state="visible")
    assert bs.usd(per_1000.inner_text()) > 0, per_1000.inner_text()
