"""Full-page screenshots of the Home and Explorer pages for the docs.

    LITELLM_LOCAL_MODEL_COST_MAP=True HF_HUB_OFFLINE=1 .venv/bin/python scripts/screenshot.py [--out docs]

Starts the app on a free port against a freshly seeded temp database (tests/browser_support.py) and
drives Debian's Chromium at a 1440x1000 viewport. Writes docs/screenshot-home.png and
docs/screenshot-explorer.png.
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
SHOTS = {"": "screenshot-home.png", "explorer": "screenshot-explorer.png"}
VIEWPORT = {"width": 1440, "height": 1000}


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
    page.screenshot(path=str(target), full_page=True)
    page.set_viewport_size(VIEWPORT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs (default docs/)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with bs.streamlit_server() as base_url, sync_playwright() as playwright:
        browser = bs.launch_chromium(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            page = context.new_page()
            for path, file_name in SHOTS.items():
                bs.open_page(page, base_url, path)
                errors = bs.error_texts(page)
                if errors:
                    print(f"warning: /{path} shows errors:\n" + "\n---\n".join(errors), file=sys.stderr)
                if page.locator(".js-plotly-plot").count():
                    page.locator(".js-plotly-plot").first.wait_for(state="visible")
                page.wait_for_timeout(1000)  # let Plotly and the data grids finish painting
                target = args.out / file_name
                full_page_screenshot(page, target)
                print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
