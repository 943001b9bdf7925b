"""Imported benchmark results: AIPerf/GenAI-Perf JSON, CSV and JSONL, vLLM bench JSON, GuideLLM reports, each read
(and each refused when malformed, saying what is wrong), stored as an imported probe run in one transaction, and
used like our own probes: probe history, measured latency, self-hosted cost and sizing, the CLI and the page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evals.client import ERROR_TYPES
from evals.import_runs import IMPORTED, ImportOutcome, ImportSetup, import_file
from evals.imports import ImportedResult, ImportFileError, error_type_of, metric_key, parse_result
from pricing import service
from pricing.candidates import CandidateOptions
from pricing.measured_throughput import measured_throughput, probe_throughput_rows
from pricing.planning import service as planning
from pricing.portfolio.evidence import measured_latency
from pricing.selfhost import SelfHostSettings
from pricing.sizing import OWN_PROBE, OwnershipCosts
from pricing.store import RequestRecord, Store, StoreError
from tests.conftest import CliCall

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
AIPERF = FIXTURES / "aiperf"
AIPERF_JSON = AIPERF / "concurrency4" / "profile_export_aiperf.json"
VLLM_DETAILED = FIXTURES / "vllm" / "openai-chat-8.0qps-Llama-3.1-8B-Instruct-20261201-171816.json"
VLLM_SWEEP = FIXTURES / "vllm" / "sweep.jsonl"
GUIDELLM = FIXTURES / "guidellm" / "benchmarks.json"
MODEL_ID = "llama-3.1-8b-instruct"
APP = str(Path(__file__).resolve().parent.parent / "app.py")
L40S = ImportSetup(gpu="L40S", gpu_count=1, precision="fp8", engine="vLLM 0.11")  # no shipped L40S row for 8B


def read(path: Path) -> ImportedResult:
    return parse_result(path.read_bytes(), path.name)


def aiperf_summary(run: str) -> dict[str, Any]:
    return json.loads((AIPERF / run / "profile_export_aiperf.json").read_text())


@pytest.mark.parametrize("run", ["concurrency1", "concurrency4", "rate8"])
def test_aiperf_json_keeps_the_tools_own_figures(run: str) -> None:
    summary = aiperf_summary(run)
    result = parse_result((AIPERF / run / "profile_export_aiperf.json").read_bytes(), "profile_export_aiperf.json")
    assert (result.kind, result.tool, result.tool_version) == ("aiperf-json", "AIPerf", "0.13.0")
    assert result.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert result.measured_at == dt.datetime.fromisoformat(summary["start_time"])
    assert result.source == "AIPerf 0.13.0 import of profile_export_aiperf.json"
    (level,) = result.levels
    assert level.system_output_tokens_per_s == pytest.approx(summary["output_token_throughput"]["avg"])
    assert level.ttft_ms["p90"] == pytest.approx(summary["time_to_first_token"]["p90"])
    assert level.itl_ms["p50"] == pytest.approx(summary["inter_token_latency"]["p50"])
    assert level.e2e_ms["p99"] == pytest.approx(summary["request_latency"]["p99"])
    assert level.succeeded == summary["request_count"]["avg"]
    assert level.requests == summary["completed_request_count"]["avg"]
    assert level.output_tokens == summary["total_osl"]["avg"]


def test_aiperf_load_is_the_concurrency_set_or_the_rate_with_the_measured_in_flight() -> None:
    (fixed,) = read(AIPERF_JSON).levels
    assert (fixed.concurrency, fixed.request_rate_per_s, fixed.in_flight, fixed.load) == (4, None, 4, "concurrency 4")
    (rated,) = read(AIPERF / "rate8" / "profile_export_aiperf.json").levels
    summary = aiperf_summary("rate8")
    assert rated.concurrency is None and rated.request_rate_per_s == 8.0 and rated.load == "rate 8 requests/s"
    assert rated.mean_in_flight == pytest.approx(summary["effective_concurrency"]["avg"])
    assert rated.in_flight == round(summary["effective_concurrency"]["avg"])
    assert rated.errors == {"server_error": 2}  # AIPerf's error_summary: HTTP 500 twice


def test_aiperf_csv_gives_the_json_figures_to_two_decimals() -> None:
    (from_json,) = read(AIPERF / "rate8" / "profile_export_aiperf.json").levels
    result = read(AIPERF / "rate8" / "profile_export_aiperf.csv")
    (from_csv,) = result.levels
    assert (result.kind, result.tool, result.model, result.measured_at) == ("aiperf-csv", "AIPerf", None, None)
    for key in ("p50", "p90", "p99"):
        assert from_csv.ttft_ms[key] == pytest.approx(from_json.ttft_ms[key], abs=0.005)
        assert from_csv.e2e_ms[key] == pytest.approx(from_json.e2e_ms[key], abs=0.005)
    assert from_csv.system_output_tokens_per_s == pytest.approx(from_json.system_output_tokens_per_s, abs=0.005)
    assert (from_csv.succeeded, from_csv.requests) == (14, 16)
    assert from_csv.in_flight == from_json.in_flight == 3
    assert "states no concurrency" in result.notes[0]


def test_genai_perf_csv_labels_with_units_and_thousands_separators_read() -> None:
    csv_text = (
        "Metric,avg,min,max,p99,p95,p90,p75,p50,p25\n"
        'Time To First Token (ms),"1,234.50",1000.00,1500.00,1490.00,1450.00,"1,400.00",1300.00,"1,200.00",1100.00\n'
        "Inter Token Latency (ms),20.00,18.00,25.00,24.90,24.00,23.00,21.00,20.00,19.00\n"
        'Request Latency (ms),"3,000.00",2800.00,3500.00,3490.00,3400.00,"3,300.00",3100.00,"3,000.00",2900.00\n'
        "Output Sequence Length,100.00,100.00,100.00,100.00,100.00,100.00,100.00,100.00,100.00\n"
        "Input Sequence Length,500.00,500.00,500.00,500.00,500.00,500.00,500.00,500.00,500.00\n"
        "\n"
        "Metric,Value\n"
        "Output Token Throughput (per sec),320.00\n"
        "Request Throughput (per sec),3.20\n"
        "Request Count (count),64.00\n"
    )
    result = parse_result(csv_text.encode(), "profile_export_genai_perf.csv")
    (level,) = result.levels
    assert result.tool == "GenAI-Perf"
    assert level.ttft_ms == {"p50": 1200.0, "p90": 1400.0, "p99": 1490.0}
    assert level.duration_s == pytest.approx(64 / 3.2)
    assert (level.input_tokens, level.output_tokens) == (500 * 64, 100 * 64)
    assert level.in_flight == round(3.2 * 3.0)  # Little's law: 3.2 requests/s x 3.0 s each
    assert metric_key("Time to First Token (error-adjusted) (ms)") != metric_key("Time to First Token (ms)")


def test_genai_perf_json_reads_its_stats_and_the_args_it_kept() -> None:
    def stats(unit: str, p50: float, p90: float, p99: float) -> dict[str, object]:
        return {"unit": unit, "avg": p50, "p25": p50, "p50": p50, "p75": p90, "p90": p90, "p95": p99, "p99": p99}

    summary = {  # as genai_perf/export_data/json_exporter.py writes it: the stats, then the args as input_config
        "request_throughput": {"unit": "per sec", "avg": 4.0},
        "request_latency": stats("ms", 1900.0, 2100.0, 2400.0),
        "time_to_first_token": stats("ms", 120.0, 180.0, 250.0),
        "inter_token_latency": stats("ms", 12.0, 14.0, 15.0),
        "output_token_throughput": {"unit": "per sec", "avg": 600.0},
        "output_sequence_length": stats("tokens", 150.0, 150.0, 150.0),
        "input_sequence_length": stats("tokens", 550.0, 550.0, 550.0),
        "request_count": {"unit": "count", "avg": 96},
        "input_config": {"model": ["mistralai/Mistral-7B-Instruct-v0.3"], "concurrency": 8, "request_rate": None},
    }
    result = parse_result(json.dumps(summary).encode(), "profile_export_genai_perf.json")
    (level,) = result.levels
    assert (result.tool, result.tool_version, result.model) == (
        "GenAI-Perf",
        None,
        "mistralai/Mistral-7B-Instruct-v0.3",
    )
    assert (level.concurrency, level.load, level.succeeded) == (8, "concurrency 8", 96)
    assert level.duration_s == pytest.approx(96 / 4.0)
    assert level.output_tokens_per_s_per_request["p50"] == pytest.approx(1000 / 12.0)
    assert level.mean_in_flight == pytest.approx(4.0 * 1900.0 / 1000)  # Little's law on the mean latency


def test_aiperf_jsonl_recomputes_what_the_summary_of_the_same_run_says() -> None:
    result = read(AIPERF / "concurrency4" / "profile_export.jsonl")
    (level,) = result.levels
    (summary,) = read(AIPERF_JSON).levels
    assert (result.kind, result.model, result.tool_version) == ("aiperf-jsonl", None, None)
    for key in ("p50", "p90", "p99"):  # both numpy's linear percentiles over the same requests
        assert level.ttft_ms[key] == pytest.approx(summary.ttft_ms[key])
        assert level.itl_ms[key] == pytest.approx(summary.itl_ms[key])
    assert (level.succeeded, level.requests, level.output_tokens) == (20, 20, 1000)
    phases = [request.phase for request in level.requests_detail]
    assert phases.count("warmup") == 2 and phases.count("measure") == 20
    assert level.in_flight == 4  # Little's law over the records' start and end times
    first_ns = min(
        json.loads(line)["metadata"]["request_start_ns"]
        for line in (AIPERF / "concurrency4" / "profile_export.jsonl").read_text().splitlines()
    )
    assert result.measured_at == dt.datetime.fromtimestamp(first_ns / 1e9, dt.UTC).replace(tzinfo=None)


def test_aiperf_jsonl_keeps_failed_requests_with_their_status() -> None:
    (level,) = read(AIPERF / "rate8" / "profile_export.jsonl").levels
    failed = [r for r in level.requests_detail if r.error_type is not None]
    assert [(r.error_type, r.http_status) for r in failed] == [("server_error", 500)] * 2
    assert level.errors == {"server_error": 2} and level.succeeded == 14


def test_vllm_detailed_result_takes_tpot_as_itl_and_fills_missing_percentiles_from_requests() -> None:
    data = json.loads(VLLM_DETAILED.read_text())
    result = read(VLLM_DETAILED)
    (level,) = result.levels
    assert (result.kind, result.tool, result.model) == ("vllm-bench", "vLLM bench serve", data["model_id"])
    assert result.measured_at == dt.datetime(2026, 12, 1, 17, 18, 16)
    assert level.ttft_ms["p50"] == pytest.approx(data["median_ttft_ms"])
    assert level.ttft_ms["p99"] == pytest.approx(data["p99_ttft_ms"])
    assert level.itl_ms["p50"] == pytest.approx(data["median_tpot_ms"])  # vLLM's TPOT is our ITL; its ITL is not
    ok = [i for i, error in enumerate(data["errors"]) if not error]
    assert level.ttft_ms["p90"] == pytest.approx(np.percentile([data["ttfts"][i] * 1000 for i in ok], 90))
    assert level.system_output_tokens_per_s == pytest.approx(data["total_output_tokens"] / data["duration"])
    assert (level.concurrency, level.request_rate_per_s, level.requests, level.succeeded) == (None, 8.0, 16, 14)
    assert level.errors == {"server_error": 2}  # "Internal Server Error", vLLM's response reason
    assert len(level.requests_detail) == 16


def test_vllm_appended_results_are_one_level_each() -> None:
    result = read(VLLM_SWEEP)
    assert [level.concurrency for level in result.levels] == [1, 4]
    first = json.loads(VLLM_SWEEP.read_text().splitlines()[0])
    assert result.levels[0].e2e_ms["p90"] == pytest.approx(first["p90_e2el_ms"])
    assert result.levels[0].requests_detail == ()  # no --save-detailed: no per-request rows


def test_guidellm_report_gives_one_level_per_benchmark() -> None:
    report = json.loads(GUIDELLM.read_text())
    result = read(GUIDELLM)
    assert (result.kind, result.tool, result.tool_version) == ("guidellm", "GuideLLM", "0.8.1")
    assert result.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert [level.concurrency for level in result.levels] == [1, 4]
    for level, benchmark in zip(result.levels, report["benchmarks"], strict=True):
        metrics = benchmark["metrics"]
        total = metrics["output_token_count"]["successful"]["total_sum"]
        assert level.system_output_tokens_per_s == pytest.approx(total / benchmark["duration"])
        ttft = metrics["time_to_first_token_ms"]["successful"]["percentiles"]
        assert level.ttft_ms["p90"] == pytest.approx(ttft["p90"])
        assert level.e2e_ms["p50"] == pytest.approx(
            1000 * metrics["request_latency"]["successful"]["percentiles"]["p50"]
        )
    assert result.levels[0].errors == {"server_error": 2} and result.levels[0].succeeded == 6
    assert len(result.levels[1].requests_detail) == 8


def test_a_renamed_file_is_told_by_its_content() -> None:
    assert parse_result(AIPERF_JSON.read_bytes(), "results.txt").kind == "aiperf-json"
    assert parse_result(GUIDELLM.read_bytes(), "export.json").kind == "guidellm"


def truncated(path: Path) -> bytes:
    content = path.read_bytes()
    return content[: len(content) // 2]


def edited(path: Path, change: Callable[[Any], object]) -> bytes:
    data = json.loads(path.read_text())
    change(data)
    return json.dumps(data).encode()


def jsonl_edited(path: Path, change: Callable[[list[Any]], object]) -> bytes:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    change(lines)
    return "\n".join(json.dumps(line) for line in lines).encode()


MALFORMED = [
    ("empty", lambda: b"", "the file is empty"),
    ("binary", lambda: b"\x89PNG\r\n\x1a\n\x00\xff", "not a text file"),
    ("prose", lambda: b"Benchmark went well, 300 tokens/s.", "not a result file Frontier knows"),
    ("json of another tool", lambda: b'{"results": [1, 2, 3]}', "JSON, but not a result Frontier knows"),
    ("perf_analyzer raw export", lambda: b'{"experiments": []}', "Import the *_genai_perf.json beside it"),
    ("aiperf json cut short", lambda: truncated(AIPERF_JSON), "not valid JSON"),
    (
        "aiperf json without system throughput",
        lambda: edited(AIPERF_JSON, lambda d: d.pop("output_token_throughput")),
        "no output_token_throughput",
    ),
    (
        "aiperf json without request count",
        lambda: edited(AIPERF_JSON, lambda d: d.pop("request_count")),
        "no request_count",
    ),
    (
        "aiperf json with a negative ttft",
        lambda: edited(AIPERF_JSON, lambda d: d["time_to_first_token"].update(p90=-5.0)),
        "time_to_first_token p90 is negative",
    ),
    (
        "aiperf csv without its tables",
        lambda: b"Metric,Value\nGPU Power Usage (W),300\n",
        "no output_token_throughput",
    ),
    (
        "aiperf jsonl cut short",
        lambda: truncated(AIPERF / "concurrency4" / "profile_export.jsonl"),
        "is not valid JSON",
    ),
    (
        "aiperf jsonl record without metadata",
        lambda: jsonl_edited(AIPERF / "concurrency1" / "profile_export.jsonl", lambda rows: rows[3].pop("metadata")),
        "line 4 has no metadata and metrics",
    ),
    (
        "aiperf jsonl of warm-up only",
        lambda: jsonl_edited(
            AIPERF / "concurrency1" / "profile_export.jsonl", lambda rows: rows.__delitem__(slice(1, None))
        ),
        "only warm-up records",
    ),
    ("vllm without duration", lambda: edited(VLLM_DETAILED, lambda d: d.pop("duration")), "no duration"),
    (
        "vllm lists of different lengths",
        lambda: edited(VLLM_DETAILED, lambda d: d["ttfts"].pop()),
        "differ in length",
    ),
    ("guidellm without benchmarks", lambda: edited(GUIDELLM, lambda d: d.update(benchmarks=[])), "holds no benchmarks"),
    (
        "guidellm benchmark without metrics",
        lambda: edited(GUIDELLM, lambda d: d["benchmarks"][0].pop("metrics")),
        "benchmark 1 has no metrics",
    ),
    (
        "guidellm benchmark without ttft",
        lambda: edited(GUIDELLM, lambda d: d["benchmarks"][1]["metrics"].pop("time_to_first_token_ms")),
        "benchmark 2 (concurrency 4) has no output_token_count or time_to_first_token_ms",
    ),
]


@pytest.mark.parametrize(("case", "content", "says"), MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_or_unknown_files_are_refused_with_what_is_wrong(
    case: str, content: Callable[[], bytes], says: str
) -> None:
    with pytest.raises(ImportFileError) as refused:
        parse_result(content(), "bad-file.json")
    message = str(refused.value)
    assert message.startswith("bad-file.json: ") and says in message, message
    assert "Traceback" not in message


def test_error_types_are_the_probes_own() -> None:
    messages = ["HTTP status 429", "Unauthorized", "Not Found", "Bad Request", "Service Unavailable", "TimeoutError"]
    kinds = {error_type_of(None, message) for message in messages} | {error_type_of(500, None)}
    assert kinds <= set(ERROR_TYPES)
    assert error_type_of(None, "File x.py, line 404, in run") == "client_error"  # a line number is no HTTP status


def import_fixture(
    store: Store,
    path: Path,
    setup: ImportSetup = L40S,
    *,
    file_modified: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ImportOutcome:
    return import_file(store, path.read_bytes(), path.name, setup, file_modified=file_modified, now=now)


def test_import_is_a_probe_run_in_the_history_with_its_source_and_date(seeded_store: Store) -> None:
    outcome = import_fixture(seeded_store, AIPERF_JSON)
    runs = seeded_store.runs()
    run = runs[runs["run_id"] == outcome.run_id].iloc[0]
    assert run["status"] == IMPORTED and run["model_id"] == MODEL_ID
    assert run["endpoint_name"] == "AIPerf import, 1x L40S"
    assert pd.Timestamp(run["started_at"]) == pd.Timestamp(aiperf_summary("concurrency4")["start_time"])
    assert "AIPerf 0.13.0 import of profile_export_aiperf.json; measured 2026-12-01" in run["note"]
    settings = json.loads(run["settings_json"])
    assert settings["endpoint"] | {} == {
        "name": "AIPerf import, 1x L40S",
        "model": "meta-llama/Llama-3.1-8B-Instruct",
        "model_id": MODEL_ID,
        "gpu": "L40S",
        "gpu_count": 1,
        "precision": "fp8",
        "engine": "vLLM 0.11",
    }
    summary = json.loads(run["summary_json"])
    (level,) = summary["levels"]
    assert level["concurrency"] == 4 and level["load"] == "concurrency 4" and level["concurrency_stated"]
    assert summary["requests"] == 20 and summary["status"] == IMPORTED
    assert seeded_store.run_requests(outcome.run_id).empty  # the summary has no per-request rows
    assert outcome.dated_by == "the date the file states"


def test_per_request_rows_are_stored_with_their_phase(seeded_store: Store) -> None:
    setup = ImportSetup(gpu="L40S", gpu_count=1, model="meta-llama/Llama-3.1-8B-Instruct")
    outcome = import_fixture(seeded_store, AIPERF / "rate8" / "profile_export.jsonl", setup)
    rows = seeded_store.run_requests(outcome.run_id)
    assert len(rows) == 17 and (rows["phase"] == "warmup").sum() == 1
    assert rows["seq"].tolist() == list(range(17))
    assert rows["error_type"].value_counts().to_dict() == {"server_error": 2}
    assert (rows["concurrency"] == 3).all()


def test_importing_the_same_file_twice_is_refused_and_adds_nothing(seeded_store: Store) -> None:
    import_fixture(seeded_store, GUIDELLM)
    before = len(seeded_store.runs())
    with pytest.raises(ImportFileError, match="already imported as run imp-"):
        import_fixture(seeded_store, GUIDELLM)
    assert len(seeded_store.runs()) == before
    import_fixture(seeded_store, GUIDELLM, ImportSetup(gpu="L40S", gpu_count=2))  # another setup is another run
    assert len(seeded_store.runs()) == before + 1


def test_a_failed_write_leaves_no_half_run(seeded_store: Store) -> None:
    twice = [RequestRecord(seq=0, phase="measure", concurrency=1), RequestRecord(seq=0, phase="measure", concurrency=1)]
    with pytest.raises(duckdb.ConstraintException):  # the second record repeats the first's primary key
        seeded_store.add_finished_run(
            run_id="imp-broken",
            endpoint_name="x",
            model="m",
            model_id=None,
            status=IMPORTED,
            started_at=dt.datetime(2026, 1, 1),
            settings_json="{}",
            summary_json="{}",
            note=None,
            records=twice,
        )
    assert seeded_store.run("imp-broken").empty and seeded_store.run_requests("imp-broken").empty
    seeded_store.add_finished_run(
        run_id="imp-ok", endpoint_name="x", model="m", model_id=None, status=IMPORTED,
        started_at=dt.datetime(2026, 1, 1), settings_json="{}", summary_json="{}", note=None, records=[],
    )  # fmt: skip
    with pytest.raises(StoreError, match="already stored"):
        seeded_store.add_finished_run(
            run_id="imp-ok", endpoint_name="x", model="m", model_id=None, status=IMPORTED,
            started_at=dt.datetime(2026, 1, 1), settings_json="{}", summary_json="{}", note=None, records=[],
        )  # fmt: skip


@pytest.mark.parametrize(
    ("path", "setup", "says"),
    [
        (AIPERF / "rate8" / "profile_export_aiperf.csv", L40S, "names no model. Give it with --model NAME"),
        (AIPERF_JSON, ImportSetup(gpu="L40S", gpu_count=1, model="llama"), "Give it with --model NAME"),
        (
            AIPERF_JSON,
            ImportSetup(gpu="L40S", gpu_count=1, model="acme/zzz-unheard-of-9000"),
            "catalogue does not list",
        ),
        (AIPERF_JSON, ImportSetup(gpu="Z100", gpu_count=1), "no datasheet figures for GPU 'Z100'"),
        (AIPERF_JSON, ImportSetup(gpu="L40S", gpu_count=0), "GPU count must be a whole number from 1 to 1,024"),
        (AIPERF_JSON, ImportSetup(gpu="L40S", gpu_count=1, precision="fp7"), "unknown precision 'fp7'"),
    ],
)
def test_unknown_models_and_setups_are_refused_with_the_fix(
    seeded_store: Store, path: Path, setup: ImportSetup, says: str
) -> None:
    before = len(seeded_store.runs())
    with pytest.raises(ValueError) as refused:
        import_fixture(seeded_store, path, setup)
    assert says in str(refused.value)
    assert len(seeded_store.runs()) == before


def test_a_file_without_a_date_is_dated_by_its_modification_time_else_the_import(seeded_store: Store) -> None:
    setup = ImportSetup(gpu="L40S", gpu_count=1, model="meta-llama/Llama-3.1-8B-Instruct")
    csv = AIPERF / "concurrency1" / "profile_export_aiperf.csv"
    modified = dt.datetime(2026, 11, 30, 9, 0)
    outcome = import_fixture(seeded_store, csv, setup, file_modified=modified)
    assert outcome.measured_on == dt.date(2026, 11, 30) and "modification time" in outcome.dated_by
    other = ImportSetup(gpu="L40S", gpu_count=2, model="meta-llama/Llama-3.1-8B-Instruct")
    outcome = import_fixture(seeded_store, csv, other, now=dt.datetime(2026, 12, 2, 8, 0))
    assert outcome.measured_on == dt.date(2026, 12, 2) and "day of import" in outcome.dated_by


def test_measured_latency_reads_an_import_from_its_summary_or_its_requests(seeded_store: Store) -> None:
    import_fixture(seeded_store, AIPERF_JSON)
    latency = measured_latency(seeded_store, MODEL_ID, gpu="l40s")
    summary = aiperf_summary("concurrency4")
    assert latency is not None and latency.gpu == "L40S" and latency.concurrency == 4
    assert latency.ttft_p90_ms == pytest.approx(summary["time_to_first_token"]["p90"])
    assert latency.e2e_p90_ms == pytest.approx(summary["request_latency"]["p90"])
    assert latency.output_tokens_per_s == pytest.approx(summary["output_token_throughput_per_user"]["p50"])
    assert latency.measured_on == dt.date(2026, 12, 1)
    assert measured_latency(seeded_store, MODEL_ID, gpu="H100 SXM") is None
    jsonl = ImportSetup(gpu="B200", gpu_count=1, model="meta-llama/Llama-3.1-8B-Instruct")
    outcome = import_fixture(seeded_store, AIPERF / "concurrency1" / "profile_export.jsonl", jsonl)
    from_rows = measured_latency(seeded_store, MODEL_ID, gpu="B200")
    assert from_rows is not None and from_rows.run_id == outcome.run_id and from_rows.requests == 8
    assert from_rows.ttft_p90_ms == pytest.approx(aiperf_summary("concurrency1")["time_to_first_token"]["p90"])


def test_measured_throughput_joins_imports_with_their_source_and_date(seeded_store: Store) -> None:
    seeded = len(seeded_store.throughput())
    import_fixture(seeded_store, GUIDELLM, ImportSetup(gpu="L40S", gpu_count=1, precision="fp8"))
    joined = measured_throughput(seeded_store)
    assert len(joined) == seeded + 2
    mine = joined[joined["source"] == "GuideLLM 0.8.1 import of benchmarks.json"]
    assert mine["concurrency"].tolist() == ["1", "4"]
    assert (mine["gpu"] == "L40S").all() and (mine["precision"] == "fp8").all()
    assert (pd.to_datetime(mine["as_of"]).dt.date == dt.date(2026, 12, 1)).all()
    # one run, one pair of lengths: its levels compare on throughput alone (14 requests, 505 + 675 prompt tokens)
    assert mine["input_tokens"].tolist() == [round((505 + 675) / 14)] * 2
    assert seeded_store.throughput().shape[0] == seeded  # the seeded table itself is untouched


def test_self_hosted_offers_and_sizing_use_the_import(seeded_store: Store) -> None:
    import_fixture(seeded_store, AIPERF_JSON)
    sheet = service.default_sheet(seeded_store)
    options = CandidateOptions(offers="all")
    result = service.frontier(seeded_store, "arena_elo", sheet, options, self_host=SelfHostSettings())
    offers = result.candidates[result.candidates["provider"] == "self-hosted 1x L40S"]
    offer = offers[offers["model_id"] == MODEL_ID].iloc[0]
    throughput = aiperf_summary("concurrency4")["output_token_throughput"]["avg"]
    assert offer["measurement"].startswith("AIPerf 0.13.0 import of profile_export_aiperf.json: 1x L40S fp8")
    assert offer["measurement"].endswith("2026-12-01") and f"{throughput:,.0f} output tokens/s" in offer["measurement"]
    usd, _ = planning.gpu_hourly_price(seeded_store, "L40S")
    option = planning.self_host_option(
        seeded_store, MODEL_ID, "L40S", "FP8", OwnershipCosts("on-demand", usd), 220 / 50, output_tokens_per_request=50
    )
    assert "AIPerf 0.13.0 import of profile_export_aiperf.json: 1x L40S fp8, vLLM 0.11" in option.plan.throughput_source
    assert option.plan.replica_output_tokens_per_s == pytest.approx(throughput)
    assert option.plan.gpus_per_replica == 1


def probe_run(
    run_id: str, *, gpu: str | None, levels: list[dict[str, Any]], status: str = "completed"
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "endpoint_name": f"ep-{run_id}",
        "model": "meta-llama/Llama-3.1-8B-Instruct",
        "model_id": MODEL_ID,
        "status": status,
        "started_at": pd.Timestamp("2026-11-02 10:00"),
        "settings_json": json.dumps({"endpoint": {"gpu": gpu, "gpu_count": 2 if gpu else None, "precision": "bf16"}}),
        "summary_json": json.dumps({"levels": levels}),
    }


def level(concurrency: int, tokens_per_s: float, *, client_bound: bool = False, succeeded: int = 10) -> dict[str, Any]:
    return {
        "concurrency": concurrency,
        "succeeded": succeeded,
        "system_output_tokens_per_s": tokens_per_s,
        "input_tokens": 1000 * succeeded,
        "output_tokens": 100 * succeeded,
        "ttft_ms": {"p50": 80.0},
        "client_bound": client_bound,
    }


def test_own_probe_runs_on_gpus_join_as_own_probe_measurements() -> None:
    runs = pd.DataFrame(
        [
            probe_run(
                "own", gpu="H100 SXM", levels=[level(1, 90.0), level(8, 600.0), level(64, 900.0, client_bound=True)]
            ),
            probe_run("api", gpu=None, levels=[level(1, 50.0)]),
            probe_run("broken", gpu="H100 SXM", levels=[level(1, 90.0)], status="failed"),
            probe_run("idle", gpu="H100 SXM", levels=[level(1, 0.0, succeeded=0)]),
        ]
    )
    rows = probe_throughput_rows(runs)
    assert rows["output_tokens_per_s"].tolist() == [90.0, 600.0]  # the client-bound level measured the client
    assert (rows["source"] == "own probe: ep-own (run own)").all() and (rows["gpu_count"] == 2).all()
    assert rows["input_tokens"].tolist() == [1000, 1000] and rows["output_tokens"].tolist() == [100, 100]
    from pricing.sizing import measurement_from_row

    assert measurement_from_row(rows.iloc[1]).kind == OWN_PROBE


def test_cli_imports_a_file_and_refuses_a_bad_one_without_a_traceback(
    app_db: Path, evals_cli: CliCall, tmp_path: Path
) -> None:
    done = evals_cli(["import", str(AIPERF_JSON), "--gpu", "L40S", "--gpu-count", "1", "--precision", "fp8"])
    assert done.returncode == 0, done.stderr
    assert "Source: AIPerf 0.13.0 import of profile_export_aiperf.json, measured 2026-12-01" in done.stdout
    assert "Run imp-" in done.stdout and "imported" in done.stdout
    as_json = evals_cli(["import", str(GUIDELLM), "--gpu", "H200", "--gpu-count", "1", "--json"])
    payload = json.loads(as_json.stdout)
    assert payload["status"] == IMPORTED and payload["import"]["tool_version"] == "0.8.1"
    assert [lv["concurrency"] for lv in payload["levels"]] == [1, 4]
    bad = tmp_path / "profile_export_aiperf.json"
    bad.write_bytes(truncated(AIPERF_JSON))
    refused = evals_cli(["import", str(bad), "--gpu", "L40S", "--gpu-count", "1"])
    assert refused.returncode == 2 and "profile_export_aiperf.json: not valid JSON" in refused.stderr
    assert "Traceback" not in refused.stderr
    missing = evals_cli(["import", str(tmp_path / "nope.json"), "--gpu", "L40S", "--gpu-count", "1"])
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    no_gpu = evals_cli(["import", str(AIPERF_JSON)])
    assert no_gpu.returncode == 2 and "--gpu" in no_gpu.stderr
    store = Store(app_db, read_only=True)
    try:
        assert (store.runs()["status"] == IMPORTED).sum() == 2
    finally:
        store.close()


@pytest.mark.usefixtures("app_db")
def test_page_previews_an_upload_imports_it_and_shows_it_in_the_history() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/probes.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.file_uploader(key="probes_import_file").set_value((GUIDELLM.name, GUIDELLM.read_bytes(), "application/json"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    preview = next(frame.value for frame in at.dataframe if "In flight" in frame.value.columns)
    assert preview["In flight"].tolist() == [1, 4]
    at.selectbox(key="probes_import_gpu").set_value("L40S")
    at.selectbox(key="probes_import_precision").set_value("fp8")
    at.button(key="probes_import_button").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Imported as run imp-" in s.value and "GuideLLM 0.8.1" in s.value for s in at.success)
    history = next(frame.value for frame in at.dataframe if "endpoint_name" in frame.value.columns)
    assert history["status"].tolist()[0] == IMPORTED
    at.button(key="probes_import_button").click().run()
    assert any("already imported" in e.value for e in at.error)


@pytest.mark.usefixtures("app_db")
def test_page_refuses_a_malformed_upload_saying_why() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/probes.py")
    at.run()
    at.file_uploader(key="probes_import_file").set_value(("broken.json", truncated(GUIDELLM), "application/json"))
    at.run()
    assert not at.exception
    assert any("broken.json was refused" in e.value and "not valid JSON" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "probes_import_button"]
