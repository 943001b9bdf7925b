"""Drive the Quotes page in headless Chromium as a buyer would: two vendors' price sheets uploaded on Prices &
self-hosting, their terms entered in the Quotes page's form (a commitment and SLA for one, graduated tiers for the
other), and the comparison downloaded as PDF and XLSX and read back.

Run with `.venv/bin/python -m pytest tests/test_browser_quotes.py -q`. Needs Debian's Chromium at /usr/bin/chromium
(or FRONTIER_CHROMIUM) and poppler's pdftotext; fails without them.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from pricing import service
from pricing.planning import service as planning
from pricing.planning.usage_files import load_usage
from pricing.store import Store
from tests import browser_support as bs

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)
if shutil.which(bs.PDFTOTEXT) is None:  # pragma: no cover - depends on the machine
    pytest.fail("no pdftotext: run `apt-get install poppler-utils`", pytrace=False)

USAGE = b"""month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2026-10-01,support,100000,100000000,20000000,40000000
"""
SHEETS = {
    "Vendor A": b"model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date\n"
    b"gpt-4o,2.0,8.0,1.0,2026-01-01\n",
    "Vendor B": b"model,usd_per_1m_input,usd_per_1m_output,effective_date\ngpt-4o,2.25,9.0,2026-01-01\n",
}
MONTH_A = 60 * 2.0 + 40 * 1.0 + 20 * 8.0  # 320 USD a month: below a 500 USD commitment
MONTH_B = 100 * 2.25 + 20 * 9.0  # 405 USD a month, no cache price: tiers 100:10, 300:20 graduated
MONTH_B_DISCOUNT = (300 - 100) * 0.10 + (405 - 300) * 0.20


@pytest.fixture(scope="module")
def server(seeded_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app against a private copy of the seeded store holding one kept usage upload; with the list's name."""
    db_path = tmp_path_factory.mktemp("frontier-quotes") / "frontier.duckdb"
    shutil.copyfile(seeded_db_file, db_path)
    store = Store(db_path)
    planning.save_upload(store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    list_name = service.default_sheet(store)
    store.close()
    with bs.streamlit_server(db_path) as base_url:
        yield base_url, list_name


def _no_errors(page: Any, where: str) -> None:
    errors = bs.error_texts(page)
    assert not errors, f"{where}: the app shows errors:\n" + "\n---\n".join(errors)


def _save_terms(page: Any, sheet: str, fields: dict[str, str], tier_mode: str | None = None) -> None:
    if page.get_by_role("combobox", name="Sheet", exact=True).input_value() != sheet:
        bs.rerun_after(page, lambda: bs.choose_option(page, "Sheet", sheet))
    form = page.get_by_test_id("stForm")
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    if tier_mode is not None:
        bs.choose_option(form, "Tier mode", tier_mode)
    bs.rerun_after(page, lambda: form.get_by_role("button", name="Save terms").click())
    bs.wait_for_app(page)
    _no_errors(page, f"/quotes after saving the terms of {sheet}")


def test_two_quotes_with_terms_download_as_pdf_and_xlsx(server: tuple[str, str], browser: Any, tmp_path: Path) -> None:
    base_url, list_name = server
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    page.set_default_timeout(bs.WAIT_MS)
    bs.open_page(page, base_url, "costs")
    for name, content in SHEETS.items():
        page.get_by_label("Sheet name", exact=True).fill(name)
        # In a form, choosing a file reruns nothing: the form's button sends it.
        uploader = page.get_by_test_id("stFileUploader").filter(has_text="Price sheet file")
        file_name = f"{name[-1].lower()}.csv"
        uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": file_name, "mimeType": "text/csv", "buffer": content}
        )
        uploader.get_by_text(file_name).first.wait_for(state="visible")
        bs.rerun_after(page, lambda: page.get_by_role("button", name="Save sheet").click())
        page.get_by_text(f"to '{name}'").wait_for(state="visible")
    bs.open_page(page, base_url, "quotes")
    _no_errors(page, "/quotes")
    bs.set_multiselect(page, f"Quotes to compare with {list_name}", ["Vendor A", "Vendor B"])
    _save_terms(
        page,
        "Vendor A",
        {
            "Committed spend (USD/month, 0: none)": "500",
            "Uptime SLA (%, 0: none)": "99.9",
            "Support tier": "enterprise",
            "Data residency": "EU",
        },
    )
    _save_terms(
        page,
        "Vendor B",
        {"Volume tiers (USD per month:discount %, comma-separated, e.g. 1000:5, 5000:10)": "100:10, 300:20"},
        "graduated",
    )

    with page.expect_download(timeout=120_000) as download:
        page.locator(".st-key-quotes_dl_pdf button").click()
    assert download.value.suggested_filename.startswith("quote-comparison-")
    text = bs.pdf_text(download.value.path().read_bytes(), tmp_path)
    bs.wait_for_app(page, 60_000)  # a download button reruns the page when pressed
    assert f"${36 * MONTH_A:,.0f}" in text  # Vendor A's usage over 36 months
    assert f"${36 * (500 - MONTH_A):,.0f}" in text  # and its commitment shortfall
    assert f"${36 * (MONTH_B - MONTH_B_DISCOUNT):,.0f}" in text  # Vendor B after its graduated tiers
    assert "99.9% uptime, enterprise support" in text and "graduated" in text
    assert "Usage: usage.csv" in text and "e+" not in text

    with page.expect_download(timeout=120_000) as download:
        page.locator(".st-key-quotes_dl_xlsx button").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    bs.wait_for_app(page, 60_000)
    spend = book["Spend"]
    headers = [cell.value for cell in spend[1]]
    column = headers.index("Vendor B") + 1
    assert spend.cell(2, column).value == pytest.approx(36 * (MONTH_B - MONTH_B_DISCOUNT))
    assert str(spend.cell(spend.max_row, column).value).startswith("=SUM(")
    _no_errors(page, "/quotes after the downloads")
