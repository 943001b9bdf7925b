"""Every uploader through AppTest: a broken or hostile file is shown as one error naming the file, the row and the
fix, nothing is written to the store, and each uploader is capped at its reader's size; crafted scenario links are
refused on the Spend projections page without an exception."""

from __future__ import annotations

import base64
import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evals.runner import Endpoint
from pricing import limits
from pricing.planning import service as planning
from pricing.planning.links import encode_scenario
from pricing.planning.usage_files import load_usage
from pricing.store import Store
from tests.test_projection import _scenario

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
WRITTEN = ("price_sheets", "prices", "usage_uploads", "usage_monthly", "probe_runs", "probe_requests")


def row_counts() -> dict[str, int]:
    store = Store(os.environ["FRONTIER_DB"])
    try:
        return {table: store.count(table) for table in WRITTEN}
    finally:
        store.close()


@pytest.fixture()
def unchanged(app_db: Path) -> Iterator[None]:
    """The test's uploads must leave every table the uploaders write as it was."""
    before = row_counts()
    yield
    assert row_counts() == before


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def refusal(at: AppTest, file_name: str) -> str:
    """The one error box refusing `file_name`, its markdown unescaped."""
    assert not at.exception, [e.value for e in at.exception]
    boxes = [e.value for e in at.error if e.value.startswith(f"{file_name.replace('_', chr(92) + '_')} was refused")]
    assert len(boxes) == 1, [e.value for e in at.error]
    return boxes[0].replace("\\", "")


@pytest.mark.usefixtures("unchanged")
def test_a_semicolon_price_sheet_is_refused_and_nothing_is_saved() -> None:
    at = open_page("views/costs.py")
    uploader = at.file_uploader(key="costs_upload_file")
    assert uploader.proto.max_upload_size_mb == limits.MAX_TABLE_MIB
    at.text_input(key="costs_upload_name").set_value("Acme EU")
    uploader.upload("eu.csv", b"model;usd_per_1m_input;usd_per_1m_output\ngpt-4o-mini;0,15;0,60\n", "text/csv")
    next(b for b in at.button if b.label == "Save sheet").click().run()
    text = refusal(at, "eu.csv")
    assert "nothing was saved" in text and "eu.csv, row 1: the columns are separated by semicolons" in text


@pytest.mark.usefixtures("unchanged")
def test_a_price_sheet_a_million_columns_wide_is_refused_and_nothing_is_saved() -> None:
    at = open_page("views/costs.py")
    at.text_input(key="costs_upload_name").set_value("Wide")
    wide = b"model,usd_per_1m_input,usd_per_1m_output" + b",x" * 1_000_000 + b"\ngpt,1,2\n"
    at.file_uploader(key="costs_upload_file").upload("wide.csv", wide, "text/csv")
    next(b for b in at.button if b.label == "Save sheet").click().run()
    assert "wide.csv, row 1: the line is longer than 64 KiB" in refusal(at, "wide.csv")


@pytest.mark.usefixtures("unchanged")
def test_an_overflowing_usage_upload_is_refused_and_nothing_is_kept() -> None:
    at = open_page("views/projections.py")
    uploader = at.file_uploader(key="proj_upload_file")
    assert uploader.proto.max_upload_size_mb == limits.MAX_LOG_MIB == limits.MAX_UPLOAD_MIB
    content = b"month,workload,requests,input_tokens,output_tokens\n2026-01,chat,10,1e308,5\n"
    uploader.upload("usage.csv", content, "text/csv").run()
    text = refusal(at, "usage.csv")
    assert "usage.csv, row 2, column 'input_tokens': '1e308' is more tokens than one workload has in a month" in text


@pytest.mark.usefixtures("app_db")
def test_a_nan_floor_in_a_floors_file_is_refused_and_not_used() -> None:
    store = Store(os.environ["FRONTIER_DB"])
    planning.save_upload(store, load_usage(FIXTURES / "usage_monthly_ok.csv", "usage_monthly_ok.csv"))
    store.close()
    before = row_counts()
    at = open_page("views/portfolio.py")
    uploader = at.file_uploader(key="portfolio_floors_file")
    assert uploader.proto.max_upload_size_mb == limits.MAX_TABLE_MIB
    uploader.upload("floors.csv", b"workload,quality_floor\nchat,NaN\n", "text/csv").run()
    text = refusal(at, "floors.csv")
    assert "nothing from it was used" in text
    assert "floors.csv, row 2, column 'quality_floor': 'NaN' is not a number" in text
    assert row_counts() == before


@pytest.fixture()
def probes_page(app_db: Path) -> AppTest:
    store = Store(app_db)
    store.save_endpoint(
        Endpoint("local", "gpt-4o-mini", kind="openai-compatible", api_base="http://127.0.0.1:9").as_row()
    )
    store.close()
    return open_page("views/probes.py")


@pytest.mark.usefixtures("unchanged")
def test_a_suite_with_an_endless_line_is_refused_and_nothing_runs(probes_page: AppTest) -> None:
    at = probes_page
    at.selectbox(key="probes_suite").set_value("(upload my own suite)").run()
    uploader = at.file_uploader(key="probes_suite_upload")
    assert uploader.proto.max_upload_size_mb == limits.MAX_SUITE_MIB
    content = b'{"suite": "s", "scorer": "exact_match"}\n{"id": 1, "prompt": "' + b"x" * 2_000_000 + b'"}\n'
    uploader.upload("long.jsonl", content, "application/jsonl").run()
    text = refusal(at, "long.jsonl")
    assert "nothing was run" in text and "long.jsonl, line 2: the line is longer than 1 MiB" in text


@pytest.mark.usefixtures("unchanged")
def test_a_result_file_nested_too_deep_is_refused_and_nothing_is_imported(probes_page: AppTest) -> None:
    at = probes_page
    uploader = at.file_uploader(key="probes_import_file")
    assert uploader.proto.max_upload_size_mb == limits.MAX_RESULT_MIB
    uploader.upload("deep.json", b"[" * 100_000, "application/json").run()
    text = refusal(at, "deep.json")
    assert "deep.json: not valid JSON (it is nested too deeply" in text
    assert not [b for b in at.button if b.label == "Import"]


def link_of(envelope: object) -> str:
    return base64.urlsafe_b64encode(zlib.compress(json.dumps(envelope).encode(), 9)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (link_of({"format": 1, "scenario": {"inputs": {"options": [5]}}}), "a scenario option must be an object"),
        (link_of({"format": 1, "scenario": {"name": "a" * 40_000_000}}), "inflates to more than 256 KiB"),
        (link_of({"format": 1, "scenario": {"inputs": {"options": []}, "notes": {"a": 1}}}), "notes"),
    ],
)
@pytest.mark.usefixtures("unchanged")
def test_a_crafted_scenario_link_is_refused_on_the_page(link: str, message: str) -> None:
    at = open_page("views/projections.py", {"s": link})
    errors = [e.value for e in at.error if e.value.startswith("This scenario link could not be opened")]
    assert len(errors) == 1 and message in errors[0], [e.value for e in at.error]
    assert not any("Opened the scenario" in i.value for i in at.info)


@pytest.mark.usefixtures("unchanged")
def test_a_link_with_extreme_but_readable_values_opens_without_an_exception() -> None:
    """The largest volume, growth and peak a link may hold: the page opens it (the Monte Carlo and the sensitivity
    chart move growth past the link's own), with finite figures."""
    data = json.loads(json.dumps(planning.Scenario("extreme", _scenario()).to_dict()))
    data["inputs"].update(base_output_tokens_per_month=1e15, monthly_growth=10.0, peak_to_average=1e15)
    at = open_page("views/projections.py", {"s": encode_scenario(data)})
    assert not at.error, [e.value for e in at.error]
