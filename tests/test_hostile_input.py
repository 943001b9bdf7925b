"""Hostile or broken input changes nothing: every reader refuses it quickly, with what is wrong, where and the fix.

The fuzz cases (an overflowing count, a ten-megabyte file a million columns wide, crafted and oversized scenario
links) are bounded in CPU time (this process's, so that other processes on a busy machine do not count) and memory
(tracemalloc's peak), generously: the failures they guard against took minutes and gigabytes.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import csv
import datetime as dt
import io
import itertools
import json
import math
import time
import tomllib
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from evals.import_runs import ImportSetup
from evals.imports import ImportFileError, parse_result
from evals.runner import ConfigError, Endpoint
from evals.suites import SuiteError, read_suite
from pricing import limits
from pricing.limits import InputError
from pricing.planning import service as planning
from pricing.planning.links import ScenarioLinkError, decode_scenario, encode_scenario
from pricing.planning.usage_files import UsageFileError, load_usage
from pricing.portfolio.optimiser import Workload
from pricing.portfolio.service import FloorsFileError, read_floors
from pricing.report.request import ReportRequest
from pricing.sheets import SheetError, parse_price_sheet, read_table
from pricing.usage import parse_requests
from tests.conftest import CliCall
from tests.test_projection import _scenario

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 6, 15)


@dataclass
class Cost:
    """What a block took: CPU seconds of this process (its threads, DuckDB's included) and the peak of memory Python
    allocated (tracemalloc), in MiB."""

    seconds: float = 0.0
    peak_mib: float = 0.0


@contextlib.contextmanager
def measured() -> Iterator[Cost]:
    cost = Cost()
    tracemalloc.start()
    start = time.process_time()
    try:
        yield cost
    finally:
        cost.seconds = time.process_time() - start
        cost.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()


def refused(call: Callable[[], object], error: type[Exception]) -> tuple[str, Cost]:
    """The message `call` is refused with, and what refusing cost."""
    with measured() as cost, pytest.raises(error) as info:
        call()
    return str(info.value), cost


# An overflowing count: 1e308 tokens crashed the int64 conversion (OverflowError) of a monthly file, and a raw log's
# row of 1e308 tokens was silently dropped from the sums.


def test_a_count_of_1e308_is_refused_by_row_and_column_quickly() -> None:
    content = b"month,workload,requests,input_tokens,output_tokens\n2026-01,chat,10,1e308,5\n"
    message, cost = refused(lambda: load_usage(content, "usage.csv", TODAY), UsageFileError)
    assert "usage.csv, row 2, column 'input_tokens': '1e308' is more tokens than one workload has in a month" in message
    assert cost.seconds < 5 and cost.peak_mib < 50


@pytest.mark.parametrize(
    ("cell", "column", "why"),
    [
        ("1e308", "input_tokens", "more than one request can carry"),
        ("20000000", "output_tokens", "more than one request can carry"),
        ("inf", "input_tokens", "is not a whole number"),
    ],
)
def test_a_raw_log_row_past_a_request_is_refused_not_dropped(cell: str, column: str, why: str) -> None:
    row = {"input_tokens": "100", "output_tokens": "20"} | {column: cell}
    content = (
        "timestamp,workload,input_tokens,output_tokens\n"
        "2026-01-05T10:00:00Z,chat,100,20\n"
        f"2026-01-06T10:00:00Z,chat,{row['input_tokens']},{row['output_tokens']}\n"
    ).encode()
    with pytest.raises(UsageFileError) as info:
        load_usage(content, "log.csv", TODAY)
    assert f"log.csv, row 3, column '{column}': '{cell}'" in str(info.value) and why in str(info.value)


def test_requests_past_a_plausible_month_are_refused() -> None:
    content = b"month,workload,requests,input_tokens,output_tokens\n2026-01,chat,2e12,100,5\n"
    with pytest.raises(UsageFileError, match=r"row 2, column 'requests': '2e12' is more requests than one workload"):
        load_usage(content, "usage.csv", TODAY)


def test_project_with_an_overflowing_usage_file_exits_2_with_the_row(
    app_db: Path, pricing_cli: CliCall, tmp_path: Path
) -> None:
    usage = tmp_path / "usage.csv"
    usage.write_text("month,workload,requests,input_tokens,output_tokens\n2026-01,chat,10,1e308,5\n")
    run = pricing_cli(["project", "--usage", str(usage)])
    assert run.returncode == 2
    assert "usage.csv, row 2, column 'input_tokens'" in run.stderr
    assert "Traceback" not in run.stderr and str(tmp_path) not in run.stderr


def test_a_request_log_with_infinite_tokens_names_the_row() -> None:
    table = read_table(b"model,input_tokens,output_tokens\ngpt-4o-mini,inf,5\ngpt-4o-mini,NaN,5\n", "log.csv")
    with pytest.raises(SheetError) as info:
        parse_requests(table, "log.csv")
    text = str(info.value)
    assert "log.csv, row 2, column 'input_tokens': inf tokens is more than one request can carry" in text
    assert "log.csv, row 3, column 'input_tokens': NaN is not a whole, non-negative number of tokens." in text


# A file a million columns wide: a 10 MB price sheet like this held the CLI past 120 s and 2.7 GB before it was
# killed (a quadratic duplicate-header check after pandas built a million columns).

WIDE_READERS: list[tuple[str, bytes, Callable[[bytes], object], type[Exception]]] = [
    (
        "price sheet",
        b"model,usd_per_1m_input,usd_per_1m_output\ngpt,1,2\n",
        lambda c: parse_price_sheet(read_table(c, "wide.csv"), "wide.csv", TODAY),
        SheetError,
    ),
    (
        "usage file",
        b"month,workload,requests,input_tokens,output_tokens\n2026-01,chat,1,1,1\n",
        lambda c: load_usage(c, "wide.csv", TODAY),
        UsageFileError,
    ),
    ("floors file", b"workload,quality_floor\nchat,1\n", lambda c: read_floors(c, "wide.csv"), FloorsFileError),
    ("AIPerf summary", b"Metric,avg\nRequest Count,1\n", lambda c: parse_result(c, "wide.csv"), ImportFileError),
]


@pytest.mark.parametrize(("reader", "head", "read", "error"), WIDE_READERS, ids=[r[0] for r in WIDE_READERS])
def test_a_ten_megabyte_million_column_header_is_refused_in_a_moment(
    reader: str, head: bytes, read: Callable[[bytes], object], error: type[Exception]
) -> None:
    header, row = head.splitlines()
    wide = header + b",x" * 1_000_000 + b"\n" + row + b"\n"
    message, cost = refused(lambda: read(wide), error)
    assert "wide.csv, row 1" in message and "longer than 64 KiB" in message
    assert cost.seconds < 5, cost
    assert cost.peak_mib < 64, cost


@pytest.mark.parametrize(("reader", "head", "read", "error"), WIDE_READERS, ids=[r[0] for r in WIDE_READERS])
def test_a_header_past_64_columns_is_refused_before_parsing(
    reader: str, head: bytes, read: Callable[[bytes], object], error: type[Exception]
) -> None:
    header, row = head.splitlines()
    wide = header + b",x" * 100 + b"\n" + row + b"\n"
    message, cost = refused(lambda: read(wide), error)
    assert "wide.csv, row 1" in message and "columns; Frontier reads at most 64" in message
    assert cost.seconds < 1, cost


@pytest.mark.parametrize(("reader", "head", "read", "error"), WIDE_READERS, ids=[r[0] for r in WIDE_READERS])
def test_a_data_row_a_million_cells_wide_is_refused_by_its_row(
    reader: str, head: bytes, read: Callable[[bytes], object], error: type[Exception]
) -> None:
    message, cost = refused(lambda: read(head + head.splitlines()[1] + b"," * 1_000_000 + b"\n"), error)
    assert "wide.csv, row 3" in message and "longer than 64 KiB" in message
    assert cost.seconds < 5 and cost.peak_mib < 64, cost


def test_a_raw_log_with_an_endless_line_is_refused_by_its_row(tmp_path: Path) -> None:
    """A raw log is streamed by DuckDB, which stops at the long line; the line is then found and named."""
    path = tmp_path / "log.csv"
    head = "timestamp,workload,input_tokens,output_tokens\n" + "2026-01-05T10:00:00Z,chat,100,20\n" * 1000
    path.write_bytes(head.encode() + b"2026-01-05T10:00:00Z,chat,100,20" + b"x" * 2_000_000 + b"\n")
    message, cost = refused(lambda: load_usage(path, "log.csv", TODAY), UsageFileError)
    assert "log.csv, row 1002: the line is longer than 64 KiB" in message
    assert cost.seconds < 10 and cost.peak_mib < 64, cost


def test_a_suite_line_of_ten_megabytes_is_refused_by_its_line() -> None:
    header = b'{"suite": "s", "scorer": "exact_match"}\n'
    content = header + b'{"id": 1, "prompt": "' + b"x" * 10_000_000 + b'", "expected": "a"}\n'
    message, cost = refused(lambda: read_suite(content, "big.jsonl"), SuiteError)
    assert "big.jsonl, line 2: the line is longer than 1 MiB" in message
    assert cost.seconds < 5 and cost.peak_mib < 64, cost


def test_a_suite_object_with_a_thousand_fields_and_deep_nesting_are_refused() -> None:
    fields = ", ".join(f'"f{i}": 1' for i in range(1000))
    content = f'{{"suite": "s", "scorer": "exact_match"}}\n{{{fields}}}\n[[[[{"[" * 5000}\n'.encode()
    with pytest.raises(SuiteError) as info:
        read_suite(content, "odd.jsonl")
    assert "odd.jsonl, line 2: invalid JSON: an object with 1,000 fields" in str(info.value)
    assert "odd.jsonl, line 3: invalid JSON: arrays or objects nested hundreds deep" in str(info.value)


def test_a_deeply_nested_result_file_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(ImportFileError, match="deep.json: not valid JSON .*nested too deeply"):
        parse_result(b"[" * 100_000, "deep.json")


@pytest.mark.parametrize(
    ("read", "max_mib", "error"),
    [
        (lambda c: read_table(c, "big.csv"), limits.MAX_TABLE_MIB, SheetError),
        (lambda c: read_suite(c, "big.jsonl"), limits.MAX_SUITE_MIB, SuiteError),
        (lambda c: parse_result(c, "big.json"), limits.MAX_RESULT_MIB, ImportFileError),
    ],
)
def test_a_file_past_its_readers_size_is_refused_before_parsing(
    read: Callable[[bytes], object], max_mib: int, error: type[Exception]
) -> None:
    content = b"a,b\n" + b"1,2\n" * (max_mib * 2**20 // 4)
    message, cost = refused(lambda: read(content), error)
    assert f"is {max_mib} MiB; files of this kind are read up to {max_mib} MiB" in message
    assert cost.seconds < 1


def test_a_cli_refuses_a_file_past_its_size_without_reading_it(pricing_cli: CliCall, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    with path.open("wb") as handle:
        handle.truncate(limits.MAX_TABLE_MIB * 2**20 + 1)  # a sparse file: nothing to read had it been read
    run = pricing_cli(["upload-sheet", "--name", "Big", "--file", str(path)])
    assert run.returncode == 2
    assert "sheet.csv: is 20 MiB; files of this kind are read up to 20 MiB" in run.stderr


# Spreadsheets: formulas without saved values, zips that unpack too far.


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)  # openpyxl stores formulas without their results, as scripts and some exports do
    return out.getvalue()


def test_price_formulas_without_saved_values_are_named_not_called_empty() -> None:
    content = workbook([["model", "usd_per_1m_input", "usd_per_1m_output"], ["a", 1.5, 6.0], ["b", "=B2*2", "=C2*2"]])
    with pytest.raises(SheetError) as info:
        read_table(content, "prices.xlsx")
    problems = [str(p) for p in info.value.problems]
    assert problems[0].startswith(
        "prices.xlsx, row 3, column 'usd_per_1m_input': holds the formula =B2*2 but no saved value (2 cells are like "
        "this): Frontier reads the values a spreadsheet saves, not formulas. Open the file in Excel or LibreOffice "
        "and save it"
    )
    assert "row 3, column 'usd_per_1m_output': holds the formula =C2*2" in problems[1]
    assert "is empty" not in str(info.value)


@pytest.mark.parametrize(
    ("read", "error"),
    [(lambda c: load_usage(c, "usage.xlsx", TODAY), UsageFileError), (lambda c: read_floors(c, "f.xlsx"), SheetError)],
)
def test_formulas_without_values_are_named_in_every_spreadsheet_reader(
    read: Callable[[bytes], object], error: type[Exception]
) -> None:
    content = workbook(
        [["month", "workload", "requests", "input_tokens", "output_tokens"], ["2026-01", "chat", 10, "=10*100", 50]]
        if error is UsageFileError
        else [["workload", "quality_floor"], ["chat", "=1000+200"]]
    )
    with pytest.raises(error, match=r"row 2, column '\w+': holds the formula =\S+ but no saved value"):
        read(content)


def test_formulas_with_saved_values_are_read() -> None:
    content = workbook([["model", "usd_per_1m_input", "usd_per_1m_output"], ["a", 1.5, 6.0]])
    # a workbook saved by a spreadsheet program keeps each formula's result beside it (<v>)
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b'<c r="C2" t="n"><v>6</v></c>', b'<c r="C2"><f>B2*4</f><v>6</v></c>'
    )
    assert parts["xl/worksheets/sheet1.xml"] != sheet
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    table = read_table(out.getvalue(), "prices.xlsx")
    assert table.to_dict("records") == [{"model": "a", "usd_per_1m_input": "1.5", "usd_per_1m_output": "6"}]


def test_a_workbook_that_unpacks_past_the_cap_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b" " * (limits.MAX_XLSX_UNPACKED_MIB * 2**20 + 1))
    message, cost = refused(lambda: read_table(out.getvalue(), "bomb.xlsx"), SheetError)
    assert "bomb.xlsx: unpacks to 200 MiB; workbooks are read up to 200 MiB unpacked" in message
    assert cost.seconds < 2 and cost.peak_mib < 16, cost


# Separators: a semicolon-separated file is named as one, in every CSV reader.

SEMICOLONS = b"model;usd_per_1m_input;usd_per_1m_output\ngpt-4o-mini;0,15;0,60\n"


@pytest.mark.parametrize(
    ("read", "error"),
    [
        (lambda c: read_table(c, "eu.csv"), SheetError),
        (lambda c: load_usage(c.replace(b"model", b"month"), "eu.csv", TODAY), UsageFileError),
        (lambda c: read_floors(c, "eu.csv"), FloorsFileError),
    ],
)
def test_a_semicolon_separated_file_is_named_as_one(read: Callable[[bytes], object], error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        read(SEMICOLONS)
    assert (
        "eu.csv, row 1: the columns are separated by semicolons (;), but Frontier reads comma-separated CSV. Save it "
        "as 'CSV UTF-8 (comma delimited)'"
    ) in str(info.value)


def test_a_tab_separated_file_is_named_as_one() -> None:
    with pytest.raises(SheetError, match=r"row 1: the columns are separated by tabs"):
        read_table(b"model\tusd_per_1m_input\tusd_per_1m_output\ngpt\t1\t2\n", "tabs.csv")


# NaN floors and GPU counts without GPUs.


@pytest.mark.parametrize("cell", ["NaN", "nan", "NA"])
def test_a_nan_quality_floor_is_refused_not_dropped(cell: str) -> None:
    with pytest.raises(FloorsFileError) as info:
        read_floors(f"workload,quality_floor\nchat,{cell}\n".encode(), "floors.csv")
    assert f"floors.csv, row 2, column 'quality_floor': '{cell}' is not a number" in str(info.value)


def test_a_nan_floor_or_objective_is_refused_wherever_it_comes_from() -> None:
    with pytest.raises(ValueError, match="chat: the quality floor is nan"):
        Workload("chat", 1e6, 1e5, quality_floor=math.nan)
    with pytest.raises(ValueError, match="chat: the latency objective is nan ms"):
        Workload("chat", 1e6, 1e5, latency_objective_ms=math.nan)
    with pytest.raises(ValueError, match="the quality floor is nan"):
        ReportRequest("base", quality_floor=math.nan)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"gpu_count": -2}, "gpu_count must be a whole number from 1 to 1,024 (got -2)"),
        ({"gpu_count": 0, "gpu": "H100 SXM"}, "gpu_count must be a whole number from 1 to 1,024 (got 0)"),
        ({"gpu_count": 5000, "gpu": "H100 SXM"}, "(got 5000)"),
        ({"gpu_count": 2}, "gpu_count 2 needs the GPU type too"),
        ({"usd_per_gpu_hour": math.nan}, "usd_per_gpu_hour must be from 0 to 1,000 (got nan)"),
        ({"usd_per_gpu_hour": -1.0}, "usd_per_gpu_hour must be from 0"),
    ],
)
def test_an_endpoint_refuses_gpu_settings_that_cannot_be(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Endpoint("e", "gpt-4o-mini", **settings)
    assert message in str(info.value)


def test_probe_with_a_negative_gpu_count_exits_2(evals_cli: CliCall) -> None:
    run = evals_cli(["probe", "--model", "gpt-4o-mini", "--gpu-count", "-3"])
    assert run.returncode == 2
    assert "gpu_count must be a whole number from 1 to 1,024 (got -3)" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("count", [0, -1, 5000])
def test_an_import_setup_refuses_a_gpu_count_out_of_range(count: int) -> None:
    with pytest.raises(ValueError, match=rf"from 1 to 1,024 \(got {count}\)"):
        ImportSetup(gpu="H100 SXM", gpu_count=count).checked()


# Scenario links: crafted structures, oversized inflation, numbers no scenario holds.


def link_of(envelope: object) -> str:
    """A link as the app makes one (zlib, base64url without padding), of any JSON."""
    raw = zlib.compress(json.dumps(envelope).encode(), 9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def plain_scenario() -> dict[str, Any]:
    scenario = planning.Scenario("s", _scenario(), uncertainty=planning.Uncertainty(n_paths=200))
    return json.loads(json.dumps(scenario.to_dict()))


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"inputs": {"options": [5]}}, "a scenario option must be an object, not int"),
        ({"inputs": {"options": "x"}}, "scenario options must be a list"),
        ({"inputs": []}, "the scenario has no inputs"),
        ({"inputs": {"options": []}, "name": 5}, "scenario: name: Input should be a valid string"),
        ({"inputs": {"options": []}, "uncertainty": 7}, "uncertainty: Input should be a valid dictionary"),
        ({"inputs": {"options": []}, "colour": "red"}, "unknown scenario fields: colour"),
    ],
)
def test_a_crafted_link_is_refused_naming_the_field(scenario: dict[str, Any], message: str) -> None:
    token = link_of({"format": 1, "scenario": scenario})
    with measured() as cost, pytest.raises(ValueError, match=message):
        planning.scenario_from_link(token)
    assert cost.seconds < 1 and cost.peak_mib < 8, cost


def test_a_small_link_that_inflates_to_40_megabytes_is_refused_at_the_cap() -> None:
    token = link_of({"format": 1, "scenario": {"name": "a" * 40_000_000}})
    assert len(token) < 60_000  # a link the length of the (52 KB)
    message, cost = refused(lambda: decode_scenario(token), ScenarioLinkError)
    assert "the scenario link inflates to more than 256 KiB" in message
    assert cost.seconds < 0.5 and cost.peak_mib < 4, cost


def test_a_link_longer_than_any_of_ours_is_refused_unread() -> None:
    message, cost = refused(lambda: decode_scenario("A" * 1_000_000), ScenarioLinkError)
    assert "the scenario link is 1,000,000 characters" in message
    assert cost.seconds < 0.1 and cost.peak_mib < 1, cost


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["inputs"].update(base_output_tokens_per_month=float("nan")), "NaN is not a number a scenario"),
        (lambda d: d["inputs"].update(monthly_growth=float("inf")), "Infinity is not a number a scenario"),
        (lambda d: d["inputs"].update(base_output_tokens_per_month=1e308), r"base_output_tokens_per_month is 1e\+308"),
        (lambda d: d["inputs"]["options"][1]["plan"].update(gpus_per_replica=10**30), "gpus_per_replica is 1e\\+30"),
        (lambda d: d["inputs"]["options"][1]["plan"]["ownership"].update(life_years=1e9), "years must be at most 30"),
        (lambda d: d["inputs"].update(monthly_growth=1e6), "a scenario grows at most 1000% a month"),
        (lambda d: d["inputs"].update(history_output_tokens=[[[[1]]]]), "history_output_tokens"),
    ],
)
def test_numbers_no_scenario_holds_are_refused(change: Callable[[dict[str, Any]], None], message: str) -> None:
    data = plain_scenario()
    change(data)
    token = encode_scenario(data)
    with pytest.raises(ValueError, match=message):
        planning.scenario_from_link(token)


HOSTILE_VALUES = [5, -1, 0, 1e-300, 1e308, 10**30, "x", None, [], {}, [5], {"a": 1}, True, "1e308"]


def leaf_paths(value: object, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*path, index))


def test_every_field_of_a_link_replaced_by_hostile_values_is_refused_or_read() -> None:
    """Each field of a real scenario, replaced in turn by each hostile value: decoding either refuses it with a
    ValueError (TypeError) or returns a scenario; never AttributeError, OverflowError or ZeroDivisionError."""
    base = plain_scenario()
    cases = 0
    with measured() as cost:
        for path in leaf_paths(base):
            for value in HOSTILE_VALUES:
                data = copy.deepcopy(base)
                target = data
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = value
                with contextlib.suppress(ValueError, TypeError):
                    planning.scenario_from_link(encode_scenario(data))
                cases += 1
    assert cases > 500
    assert cost.seconds < 60 and cost.peak_mib < 64, cost


def test_an_extreme_but_readable_link_projects_finite_spend() -> None:
    data = plain_scenario()
    data["inputs"].update(base_output_tokens_per_month=1e15, monthly_growth=10.0, peak_to_average=1e15)
    data["inputs"]["options"][1]["plan"].update(replica_output_tokens_per_s=1e-15, headroom=1e15)
    scenario = planning.scenario_from_link(encode_scenario(data))
    with _no_warnings():
        evaluation = planning.evaluate(scenario.inputs, scenario.uncertainty, with_sensitivity=False)
    assert all(math.isfinite(v) and v >= 0 for v in evaluation.totals)


@contextlib.contextmanager
def _no_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an int64 cast that overflows warns, then wraps negative
        yield


# The app accepts files up to the largest reader's cap, and each cap is in one place.


def test_the_servers_upload_cap_is_the_largest_readers() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limits.MAX_UPLOAD_MIB
    caps = [limits.MAX_LOG_MIB, limits.MAX_TABLE_MIB, limits.MAX_SUITE_MIB, limits.MAX_RESULT_MIB]
    assert max(caps) == limits.MAX_UPLOAD_MIB


def test_every_reader_error_is_an_input_error() -> None:
    for error in (SheetError, UsageFileError, FloorsFileError, SuiteError, ImportFileError, ScenarioLinkError):
        assert issubclass(error, InputError) and issubclass(error, ValueError), error


@pytest.mark.parametrize("name", ["usage.parquet", "log.csv"])
def test_a_file_duckdb_cannot_read_is_named_as_given_never_by_its_path(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(
        b'timestamp,workload,input_tokens,output_tokens\n"2026-01-05,chat,1,1\n'
        if name.endswith("csv")
        else b"PAR1 not parquet"
    )
    with pytest.raises(UsageFileError) as info:
        load_usage(path, name, TODAY)
    assert name in str(info.value) and str(tmp_path) not in str(info.value)


HOSTILE_CELLS = ["1e308", "-inf", "NaN", "1e-400", "१२३", "\x00", "=1+1", '"', "9" * 400, "99999-01-01", "-1", "1e18"]
CSV_READERS: dict[str, tuple[list[str], list[str], Callable[[bytes], object]]] = {
    "price sheet": (
        [
            "model",
            "usd_per_1m_input",
            "usd_per_1m_output",
            "usd_per_1m_cached_input",
            "context_tokens",
            "effective_date",
        ],
        ["a", "1", "2", "0.5", "128000", "2026-01-01"],
        lambda c: parse_price_sheet(read_table(c, "f.csv"), "f.csv", TODAY),
    ),
    "monthly usage": (
        ["month", "workload", "requests", "input_tokens", "output_tokens", "cached_input_tokens"],
        ["2026-01", "chat", "10", "1000", "100", "10"],
        lambda c: load_usage(c, "f.csv", TODAY),
    ),
    "raw usage log": (
        ["timestamp", "workload", "input_tokens", "output_tokens", "cached_input_tokens"],
        ["2026-01-05T10:00:00Z", "chat", "1000", "100", "10"],
        lambda c: load_usage(c, "f.csv", TODAY),
    ),
    "floors": (
        ["workload", "metric", "quality_floor", "latency_objective_ms", "latency_metric", "current"],
        ["chat", "arena_elo", "1200", "500", "ttft", "gpt-4o"],
        lambda c: read_floors(c, "f.csv"),
    ),
    "request log": (
        ["model", "input_tokens", "output_tokens", "cached_input_tokens"],
        ["gpt-4o-mini", "100", "10", "5"],
        lambda c: parse_requests(read_table(c, "f.csv"), "f.csv"),
    ),
}


@pytest.mark.parametrize("reader", list(CSV_READERS))
def test_every_cell_of_a_csv_replaced_by_hostile_values_is_refused_or_read(reader: str) -> None:
    """Each cell of a good row, replaced in turn by each hostile value: the reader refuses it with an InputError
    (naming the row and column) or reads it; never OverflowError or NotImplementedError (a context window of 1e308
    tokens, an effective date of year -1, did)."""
    header, row, read = CSV_READERS[reader]
    with measured() as cost:
        for index, value in itertools.product(range(len(row)), HOSTILE_CELLS):
            cells = list(row)
            cells[index] = value
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([header, cells])
            with contextlib.suppress(InputError):
                read(out.getvalue().encode())
    assert cost.seconds < 60 and cost.peak_mib < 64, cost


AIPERF_SUMMARY = ROOT / "tests" / "fixtures" / "imports" / "aiperf" / "concurrency4" / "profile_export_aiperf.json"


@pytest.mark.parametrize(
    ("metric", "figure"),
    [
        ("output_token_throughput", "system output tokens/s is 1e+308"),
        ("request_count", "requests is 1e+308"),
        ("time_to_first_token", "TTFT p50 (ms) is 1e+308"),
        ("total_osl", "output tokens is 1e+308"),
    ],
)
def test_a_result_file_with_figures_no_benchmark_measures_is_refused(metric: str, figure: str) -> None:
    """A throughput of 1e308 tokens/s would make self-hosting that model look free once imported."""
    data = json.loads(AIPERF_SUMMARY.read_text())
    data[metric] = {key: 1e308 if key in ("avg", "p50", "p90", "p99") else value for key, value in data[metric].items()}
    with pytest.raises(ImportFileError) as info:
        parse_result(json.dumps(data).encode(), "doctored.json")
    assert str(info.value).startswith(f"doctored.json: level 'concurrency 4': {figure}, more than any benchmark")
    assert "export it again" in str(info.value)
