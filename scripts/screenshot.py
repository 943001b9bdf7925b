"""Full-page screenshots of every page for the docs: Home, Explorer, Catalogue, Prices & self-hosting, Spend
projections (with a usage file), Live probes' results, a Portfolio, Shrink and Quotes.

    LITELLM_LOCAL_MODEL_COST_MAP=True HF_HUB_OFFLINE=1 .venv/bin/python scripts/screenshot.py [--out DIR] [--only PAGE]

Starts the app on a free port against a freshly seeded temp database (tests/browser_support.py) and
drives Debian's Chromium at a 1440x900 viewport, as a first-time user's laptop shows it. Writes
docs/screenshot-<page>.png for home, explorer, catalogue, costs, projections, probes, portfolio, shrink and quotes.
For the probes shot it starts a loopback OpenAI-compatible server (evals/loopback.py) in this process that answers
every item of the intent suite correctly, adds it on the Endpoints tab, runs the intent suite at concurrency 1 and 4
and shoots the "Results and history" tab. For the projections, portfolio, shrink and quotes shots it uploads
tests/fixtures/usage_portfolio.csv on Spend projections (and sets the self-hosted option's operations staff, so it is
costed) and tests/fixtures/floors_portfolio.csv on Portfolio with the same staff cost, as a user would; for quotes
it saves two vendors' sheets on Prices & self-hosting first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import browser_support as bs  # noqa: E402

# URL path -> file. Home is the default page, so Streamlit serves it at `/` (`/home` says "Page not found").
SHOTS = {
    "": "screenshot-home.png",
    "explorer": "screenshot-explorer.png",
    "catalogue": "screenshot-catalogue.png",
    "costs": "screenshot-costs.png",
}
VIEWPORT = {"width": 1440, "height": 900}
PROJECTIONS_SHOT = "screenshot-projections.png"
OPS_USD_PER_MONTH = 3000
PROBES_SHOT = "screenshot-probes.png"
PROBE_SUITE = "intent"
PROBE_LEVELS = [1, 4]
PORTFOLIO_SHOT = "screenshot-portfolio.png"
PORTFOLIO_USAGE = ROOT / "tests" / "fixtures" / "usage_portfolio.csv"
PORTFOLIO_FLOORS = ROOT / "tests" / "fixtures" / "floors_portfolio.csv"
SHRINK_SHOT = "screenshot-shrink.png"
QUOTES_SHOT = "screenshot-quotes.png"
# Two vendors' negotiated sheets for the Quotes shot: the list's models a little cheaper, with a cached-input price.
QUOTE_SHEETS = {
    "Vendor A (negotiated)": b"model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date\n"
    b"gpt-4o,2.0,8.0,1.0,2026-10-01\ngpt-4o-mini,0.12,0.5,0.06,2026-10-01\n",
    "Vendor B (reseller)": b"model,usd_per_1m_input,usd_per_1m_output,effective_date\n"
    b"gpt-4o,2.25,9.0,2026-09-15\ngpt-4o-mini,0.14,0.55,2026-09-15\n",
}


def full_page_screenshot(page: Any, target: Path) -> None:
    """Streamlit scrolls inside <main>, not the window, so Playwright's full_page sees one viewport.
    Grow the viewport to the content's height, shoot, then restore it."""
    height = VIEWPORT["height"]
    for _ in range(5):
        needed = page.evaluate(
            "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
            " return m ? Math.ceil(m.scrollHeight) : document.documentElement.scrollHeight; }"
        )
        if needed <= height:
            break
        height = int(needed)
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        page.wait_for_timeout(500)
    wait_for_paint(page)  # charts brought into view by the taller viewport draw now
    page.screenshot(path=str(target), full_page=True)
    page.set_viewport_size(VIEWPORT)


def shown(target: Path) -> Path:
    return target.relative_to(ROOT) if target.is_relative_to(ROOT) else target


def warn_on_errors(page: Any, where: str) -> None:
    errors = bs.error_texts(page)
    if errors:
        print(f"warning: {where} shows errors:\n" + "\n---\n".join(errors), file=sys.stderr)


CHARTS_PAINTED = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(chart => chart.querySelector('.main-svg'))"""


def wait_for_paint(page: Any) -> None:
    """Wait until every Plotly chart has drawn (on a busy machine a chart may still be an empty box), then a moment
    for the data grids."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.wait_for_function(CHARTS_PAINTED, timeout=60_000)
    except PlaywrightTimeoutError:
        print("warning: a chart had not drawn after 60 s", file=sys.stderr)
    page.wait_for_timeout(1000)


def probes_results_screenshot(page: Any, base_url: str, target: Path) -> None:
    """Run the intent suite against a loopback server through the UI, then shoot "Results and history"."""
    from evals.loopback import LoopbackServer
    from evals.suites import load_suite

    items = len(load_suite(PROBE_SUITE).items)
    with LoopbackServer(bs.loopback_config_for(PROBE_SUITE, ttft_ms=5)) as loopback:
        bs.open_page(page, base_url, "probes")
        bs.save_endpoint(
            page, name="loopback", kind="openai-compatible", model="test-model", api_base=loopback.base_url
        )
        ok, message = bs.press_test_connection(page, "loopback")
        if not ok:
            print(f"warning: Test connection says: {message}", file=sys.stderr)
        print(
            bs.start_probe(page, endpoint="loopback", suite=PROBE_SUITE, requests_per_level=items, levels=PROBE_LEVELS)
        )
    results = bs.open_tab(page, "Results and history")
    if not results.locator('[data-testid="stMetric"]').filter(has_text="Pass rate").count():
        page.wait_for_timeout(2000)
    if not results.locator('[data-testid="stMetric"]').filter(has_text="Pass rate").count():
        # The tab is not redrawn when a run ends (the progress fragment reruns only itself): reload the page.
        print("note: Results and history was stale after the run; reloaded the page", file=sys.stderr)
        bs.open_page(page, base_url, "probes")
        bs.open_tab(page, "Results and history")
    warn_on_errors(page, "/probes Results and history")
    wait_for_paint(page)
    full_page_screenshot(page, target)


def projections_screenshot(page: Any, base_url: str, target: Path | None) -> None:
    """Upload usage on Spend projections and cost the self-hosted option's staff, then shoot the page (if target)."""
    bs.open_page(page, base_url, "projections")
    choice = page.get_by_role("radio", name="Upload a usage file", exact=True)
    if not choice.is_checked():
        bs.rerun_after(page, lambda: choice.check(force=True))
    bs.upload_file(page, "Usage file", PORTFOLIO_USAGE.name, PORTFOLIO_USAGE.read_bytes())
    bs.rerun_after(page, lambda: bs.set_number(page, "Operations staff (USD per month)", OPS_USD_PER_MONTH), 120_000)
    warn_on_errors(page, "/projections after the usage upload")
    if target is not None:
        wait_for_paint(page)
        full_page_screenshot(page, target)


def portfolio_screenshot(page: Any, base_url: str, target: Path) -> None:
    """Upload floors on Portfolio (after usage on Spend projections), then shoot the whole Portfolio page."""
    bs.open_page(page, base_url, "portfolio")
    bs.upload_file(page, "Or load a floors file (CSV/XLSX)", PORTFOLIO_FLOORS.name, PORTFOLIO_FLOORS.read_bytes())
    bs.metric(page, "Portfolio cost over").wait_for(state="visible")
    label = "Operations staff for self-hosting (USD per month)"  # so the self-hosted option is weighed
    bs.rerun_after(page, lambda: bs.set_number(page, label, OPS_USD_PER_MONTH), 120_000)
    warn_on_errors(page, "/portfolio")
    wait_for_paint(page)
    full_page_screenshot(page, target)


def shrink_screenshot(page: Any, base_url: str, target: Path) -> None:
    """The Shrink page on the usage kept by the projections upload, with its default workload, baseline and
    candidate."""
    bs.open_page(page, base_url, "shrink", 180_000)
    warn_on_errors(page, "/shrink")
    wait_for_paint(page)
    full_page_screenshot(page, target)


def quotes_screenshot(page: Any, base_url: str, target: Path) -> None:
    """Two negotiated sheets saved on Prices & self-hosting, compared with the list on Quotes for the kept usage."""
    bs.open_page(page, base_url, "costs")
    for name, content in QUOTE_SHEETS.items():
        page.get_by_label("Sheet name", exact=True).fill(name)
        uploader = page.get_by_test_id("stFileUploader").filter(has_text="Price sheet file")
        file_name = "vendor.csv"
        uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": file_name, "mimeType": "text/csv", "buffer": content}
        )
        uploader.get_by_text(file_name).first.wait_for(state="visible")
        bs.rerun_after(page, lambda: page.get_by_role("button", name="Save sheet").click())
        page.get_by_text(f"to '{name}'").wait_for(state="visible")
    bs.open_page(page, base_url, "quotes", 180_000)
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Quotes to compare with")
    label = box.locator("label").first.inner_text().strip()
    bs.set_multiselect(page, label, list(QUOTE_SHEETS))
    bs.wait_for_app(page, 180_000)
    warn_on_errors(page, "/quotes")
    wait_for_paint(page)
    full_page_screenshot(page, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs (default docs/)")
    parser.add_argument(
        "--only",
        action="append",
        choices=["home", "explorer", "catalogue", "costs", "projections", "probes", "portfolio", "shrink", "quotes"],
        help="shoot only this page (repeatable; default: all of them)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with bs.streamlit_server() as base_url, sync_playwright() as playwright:
        browser = bs.launch_chromium(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            page = context.new_page()
            for path, file_name in SHOTS.items():
                if args.only and (path or "home") not in args.only:
                    continue
                bs.open_page(page, base_url, path)
                warn_on_errors(page, f"/{path}")
                wait_for_paint(page)
                target = args.out / file_name
                full_page_screenshot(page, target)
                print(f"wrote {shown(target)}")
            later = ["projections", "portfolio", "shrink", "quotes"]  # these need usage, uploaded on Spend projections
            wanted = set(later) & set(args.only or later)
            if wanted:  # the portfolio's usage is uploaded on Spend projections
                target = args.out / PROJECTIONS_SHOT if "projections" in wanted else None
                projections_screenshot(page, base_url, target)
                if target is not None:
                    print(f"wrote {shown(target)}")
            if not args.only or "probes" in args.only:
                target = args.out / PROBES_SHOT
                probes_results_screenshot(page, base_url, target)
                print(f"wrote {shown(target)}")
            if not args.only or "portfolio" in args.only:
                target = args.out / PORTFOLIO_SHOT
                portfolio_screenshot(page, base_url, target)
                print(f"wrote {shown(target)}")
            for name, shoot, shot in (
                ("shrink", shrink_screenshot, SHRINK_SHOT),
                ("quotes", quotes_screenshot, QUOTES_SHOT),
            ):
                if not args.only or name in args.only:
                    target = args.out / shot
                    shoot(page, base_url, target)
                    print(f"wrote {shown(target)}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
