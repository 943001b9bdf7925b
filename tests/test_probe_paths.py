"""The two timing paths (lean aiohttp reader, litellm), worker processes, request rates, sweeps and the knee.

Every test runs against real loopback HTTP servers; litellm is real (it resolves every route, and measures on its
own path), and runs land in real DuckDB files.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import signal
import statistics
import threading

import pytest

from evals.client import Target, resolve_route
from evals.loopback import LoopbackConfig, LoopbackServer, RecordedRequest
from evals.probe import LevelLoad, ProbeSettings, poisson_offsets_s, run_probe, sweep_levels
from evals.runner import Endpoint, execute_run
from evals.sse import LEAN, LITELLM
from evals.summary import LevelSummary, Objectives, find_knee, flag_client_load, summarise_run
from pricing.store import RequestRecord, Store, request_records_frame

SHEET = "litellm 1.110.2 (bundled)"
PATHS = (LEAN, LITELLM)


@pytest.fixture()
def server() -> LoopbackServer:
    srv = LoopbackServer(LoopbackConfig())
    srv.start()
    yield srv
    srv.stop()


def settings(**kwargs: object) -> ProbeSettings:
    values: dict[str, object] = {"requests_per_level": 4, "concurrency_levels": (1,), "warmup_requests": 1}
    values.update(kwargs)
    return ProbeSettings(**values)  # type: ignore[arg-type]


def measured(records: list[RequestRecord]) -> list[RequestRecord]:
    return [r for r in records if r.phase == "measure"]


def test_both_paths_send_identical_requests_and_count_identical_tokens(server: LoopbackServer) -> None:
    server.config.output_tokens = 6
    server.config.api_key = "loop-key-0123456789"
    counts = {}
    for path in PATHS:
        server.clear()
        records: list[RequestRecord] = []
        outcome = run_probe(
            Target("openai/test-model", server.base_url),
            "loop-key-0123456789",
            settings(client=path, requests_per_level=3, max_output_tokens=12),
            records.append,
        )
        assert outcome.route is not None and outcome.route.path == path
        requests = server.chat_requests()
        assert all(r.headers.get("Authorization", r.headers.get("authorization")) == "<redacted>" for r in requests)
        counts[path] = (
            [(r.method, r.path, json.dumps(r.body)) for r in requests],
            [(r.input_tokens, r.output_tokens, r.tokens_estimated, r.error_type) for r in records],
        )
    # the same bytes of JSON, field for field and in the same order, and the same counts from the server
    assert counts[LEAN] == counts[LITELLM]
    assert counts[LEAN][1][-1] == (counts[LEAN][1][-1][0], 6, False, None)


@pytest.mark.serial  # measures time: run alone (make test)
@pytest.mark.parametrize("path", PATHS)
def test_timing_matches_injected_delays_on_both_paths(server: LoopbackServer, path: str) -> None:
    server.config.ttft_ms, server.config.itl_ms, server.config.output_tokens = 150, 20, 10
    records: list[RequestRecord] = []
    run_probe(
        Target("openai/test-model", server.base_url), None, settings(client=path, requests_per_level=6), records.append
    )
    assert all(r.error_type is None and r.output_tokens == 10 and not r.tokens_estimated for r in measured(records))
    level = summarise_run(request_records_frame(records), Objectives())[0]
    # The lean reader adds well under a millisecond; litellm's wrapper more before the first token (its request
    # set-up and logging, tens of ms of CPU on a busy machine: 199 ms was seen beside a browser test) and per chunk.
    ttft_slack_ms, itl_slack_ms = (12, 3) if path == LEAN else (60, 10)
    assert 150 <= level.ttft_ms["p50"] <= 150 + ttft_slack_ms
    assert 20 - 2 <= level.itl_ms["p50"] <= 20 + itl_slack_ms


@pytest.mark.parametrize("path", PATHS)
def test_every_fault_on_each_path(server: LoopbackServer, path: str) -> None:
    server.config.retry_after_s = 0.3
    server.config.hang_s = 5
    faults = ["500", "cut", "malformed", "empty", "hang", "503", "429"]  # the 429 retry gets a clean answer
    records: list[RequestRecord] = []
    run_probe(
        Target("openai/test-model", server.base_url),
        None,
        settings(client=path, requests_per_level=8, timeout_s=1.0, max_attempts=2),
        records.append,
        on_level=lambda _: server.add_faults(*faults),
    )
    errors = [r.error_type for r in measured(records)]
    assert sorted(e for e in errors if e) == sorted(
        ["server_error", "stream_cut", "malformed_stream", "empty_answer", "timeout", "server_error"]
    )
    retried = [r for r in measured(records) if r.attempts == 2]
    assert len(retried) == 1 and retried[0].error_type is None
    assert {r.http_status for r in measured(records) if r.error_type == "server_error"} == {500, 503}


def test_refused_connection_and_garbage_on_the_lean_path() -> None:
    records: list[RequestRecord] = []
    run_probe(Target("openai/test-model", "http://127.0.0.1:9/v1"), None, settings(client=LEAN), records.append)
    assert {r.error_type for r in measured(records)} == {"connection_refused"}


def test_lean_path_reports_the_server_error_message_without_the_key(server: LoopbackServer) -> None:
    secret = "sk-lean-secret-0123456789abcdef"
    server.config.api_key = "another-key-0123456789"
    records: list[RequestRecord] = []
    run_probe(Target("openai/test-model", server.base_url), secret, settings(client=LEAN), records.append)
    record = measured(records)[0]
    assert record.error_type == "auth_rejected" and record.http_status == 401
    assert record.error_message and secret not in record.error_message


def test_nim_route_asks_for_usage_on_the_lean_path(server: LoopbackServer) -> None:
    """litellm's nvidia_nim route drops stream_options (its counts are estimates); the lean path asks for them."""
    server.config.output_tokens = 7
    records: list[RequestRecord] = []
    run_probe(Target("nvidia_nim/test-model", server.base_url), None, settings(), records.append)
    body = server.chat_requests()[-1].body
    assert body["stream_options"] == {"include_usage": True} and body["model"] == "test-model"
    assert all(r.output_tokens == 7 and not r.tokens_estimated for r in measured(records))


def test_routes_name_their_path_and_reason() -> None:
    assert resolve_route(Target("openai/m", "http://127.0.0.1:8000/v1"), None).path == LEAN
    assert resolve_route(Target("hosted_vllm/m", "http://127.0.0.1:8000/v1"), None).path == LEAN
    anthropic = resolve_route(Target("anthropic/claude-3-5-sonnet-20241022"), None)
    assert anthropic.path == LITELLM and "anthropic" in anthropic.why
    with pytest.raises(ValueError, match="lean client cannot send"):
        resolve_route(Target("anthropic/claude-3-5-sonnet-20241022"), None, "lean")
    # OpenAI's reasoning models take max_completion_tokens: the provider's config says so, not our code
    assert "max_completion_tokens" in resolve_route(Target("o3-mini"), None).body
    assert "key" not in repr(resolve_route(Target("openai/m", "http://h/v1"), "secret-key-123"))


@pytest.mark.serial  # measures time under 64 streams: run alone (make test)
def test_sixty_four_streams_are_timed_within_two_ms_of_the_injected_gap(server: LoopbackServer) -> None:
    server.config.ttft_ms, server.config.itl_ms, server.config.output_tokens = 150, 10, 50
    records: list[RequestRecord] = []
    outcome = run_probe(
        Target("openai/test-model", server.base_url),
        None,
        settings(concurrency_levels=(64,), requests_per_level=128, max_output_tokens=50),
        records.append,
    )
    level = summarise_run(request_records_frame(records), Objectives())[0]
    assert level.succeeded == 128
    assert level.itl_ms["p50"] == pytest.approx(10.0, abs=2.0)
    assert outcome.loads[64].workers == ProbeSettings().workers_for(64)


def test_a_worker_that_dies_leaves_client_errors_and_the_run_goes_on(server: LoopbackServer) -> None:
    server.config.itl_ms, server.config.output_tokens = 20, 20
    killed = threading.Event()

    def kill_one_worker(_: RecordedRequest, index: int) -> None:
        # after the run's warm-up and both workers' warm-ups, so the kill lands in a measured level
        if index == 5 and len(server.requests) > 3 and not killed.is_set():
            killed.set()
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    server.before_piece = kill_one_worker
    records: list[RequestRecord] = []
    outcome = run_probe(
        Target("openai/test-model", server.base_url),
        None,
        settings(concurrency_levels=(4, 4), requests_per_level=8, workers=2),
        records.append,
    )
    assert killed.is_set() and outcome.status == "completed"
    level = [r for r in measured(records) if r.seq < 1 + 8]  # the first level's block of numbers
    assert len(level) == 8  # every request accounted for
    assert any(r.error_type == "client_error" for r in level)
    assert any(r.error_type is None for r in level)


def test_cancel_during_a_worker_level_keeps_what_was_measured(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.ttft_ms = 50
    cancel = threading.Event()

    def cancel_after_some() -> None:
        server.wait_for(lambda: sum(r.done.is_set() for r in server.requests) >= 6, timeout_s=30)
        cancel.set()

    threading.Thread(target=cancel_after_some, daemon=True).start()
    endpoint = Endpoint("loop", "test-model", "openai-compatible", api_base=server.base_url)
    report = execute_run(
        seeded_store,
        endpoint,
        settings(concurrency_levels=(2,), requests_per_level=60, workers=2),
        SHEET,
        cancel=cancel,
        measure_overhead=False,
    )
    assert report.status == "cancelled" and report.client_path == LEAN
    stored = seeded_store.run_requests(report.run_id)
    assert 1 <= (stored["phase"] == "measure").sum() < 60


def test_poisson_arrivals_have_the_requested_rate() -> None:
    offsets = poisson_offsets_s(4000, 20.0, seed=3)
    gaps = [b - a for a, b in zip([0.0, *offsets], offsets, strict=False)]
    assert statistics.fmean(gaps) == pytest.approx(1 / 20.0, rel=0.05)
    assert statistics.pstdev(gaps) == pytest.approx(1 / 20.0, rel=0.1)  # exponential: sd = mean
    assert poisson_offsets_s(5, 20.0, seed=3) == offsets[:5]


def test_a_rate_run_spreads_its_requests_over_time(server: LoopbackServer) -> None:
    records: list[RequestRecord] = []
    run_probe(
        Target("openai/test-model", server.base_url),
        None,
        settings(concurrency_levels=(8,), requests_per_level=20, request_rate=40.0),
        records.append,
    )
    sent = sorted(r.sent_s or 0 for r in measured(records))
    expected = poisson_offsets_s(20, 40.0, seed=1)[-1]  # the level's block starts at seq 1 (after the warm-up)
    assert len(sent) == 20 and sent[-1] - sent[0] == pytest.approx(expected - poisson_offsets_s(1, 40.0, 1)[0], abs=0.1)


def test_sweep_levels_double_up_to_the_top() -> None:
    assert sweep_levels(1) == (1,)
    assert sweep_levels(64) == (1, 2, 4, 8, 16, 32, 64)
    assert sweep_levels(100) == (1, 2, 4, 8, 16, 32, 64, 100)


def level(concurrency: int, tokens_per_s: float, ttft_p90: float = 100, ok: int = 20) -> LevelSummary:
    figures = {"p50": ttft_p90 * 0.8, "p90": ttft_p90, "p99": ttft_p90 * 1.2}
    return LevelSummary(
        concurrency=concurrency,
        requests=20,
        succeeded=ok,
        errors={},
        duration_s=10,
        ttft_ms=figures,
        itl_ms={"p50": 10, "p90": 11, "p99": 12},
        e2e_ms=figures,
        output_tokens_per_s_per_request={"p50": 100, "p90": 100, "p99": 100},
        system_output_tokens_per_s=tokens_per_s,
        goodput_rps=None,
        output_tokens=0,
        input_tokens=0,
        tokens_estimated=False,
        cost_usd=None,
        cost_per_success_usd=None,
        retries=0,
    )


def test_knee_is_the_last_level_that_still_adds_throughput() -> None:
    levels = [level(1, 100), level(2, 195), level(4, 380), level(8, 400), level(16, 410)]
    knee = find_knee(levels, Objectives())
    assert knee is not None and knee.concurrency == 4 and knee.output_tokens_per_s == 380
    assert "saturated" in knee.reason and "+5%" in knee.reason  # 400 / 380 - 1


def test_knee_stops_where_the_objectives_fail() -> None:
    objectives = Objectives(ttft_ms=300)
    levels = [level(1, 100, 150), level(2, 195, 250), level(4, 380, 320)]
    for lv in levels:
        lv.meets_objectives = lv.ttft_ms["p90"] <= 300
    knee = find_knee(levels, objectives)
    assert knee is not None and knee.concurrency == 2 and "objectives" in knee.reason
    assert find_knee([level(1, 100, ok=10)], Objectives()) is not None
    failing = level(1, 100, ok=0)
    assert find_knee([failing], Objectives()) is None


def test_a_sweep_stops_when_the_objectives_fail(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.ttft_ms = 150
    endpoint = Endpoint(
        "gpu",
        "test-model",
        "openai-compatible",
        api_base=server.base_url,
        gpu="H100 SXM",
        gpu_count=1,
        usd_per_gpu_hour=2.5,
    )
    report = execute_run(
        seeded_store,
        endpoint,
        settings(concurrency_levels=sweep_levels(8), sweep=True),
        SHEET,
        objectives=Objectives(ttft_ms=100),
        measure_overhead=False,
    )
    assert [lv.concurrency for lv in report.levels] == [1]  # TTFT p90 of 150 ms misses 100 ms: stop there
    assert report.knee is None and any("sweep stopped after concurrency 1" in n for n in report.notes)


def test_a_sweep_reports_the_knee_and_its_self_hosted_cost(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.ttft_ms, server.config.itl_ms, server.config.output_tokens = 20, 5, 10
    endpoint = Endpoint(
        "gpu",
        "test-model",
        "openai-compatible",
        api_base=server.base_url,
        gpu="H100 SXM",
        gpu_count=2,
        usd_per_gpu_hour=2.5,
    )
    report = execute_run(
        seeded_store,
        endpoint,
        settings(concurrency_levels=(1, 2, 4), requests_per_level=8, sweep=True),
        SHEET,
        objectives=Objectives(ttft_ms=2000),
        measure_overhead=False,
    )
    assert report.knee is not None
    knee_level = next(lv for lv in report.levels if lv.concurrency == report.knee.concurrency)
    assert report.knee_usd_per_1m_output == pytest.approx(
        2 * 2.5 / (knee_level.system_output_tokens_per_s * 3600) * 1e6
    )
    assert any("measured by the lean client" in n for n in report.notes)


def test_a_busy_client_is_flagged_with_the_processes_that_would_fix_it() -> None:
    levels = [level(16, 1000), level(64, 2000)]
    loads = {16: LevelLoad(workers=1, cpu_s=[2.0], wall_s=10.0), 64: LevelLoad(workers=2, cpu_s=[9.0, 8.5], wall_s=10)}
    flag_client_load(levels, loads, cores=2)
    assert not levels[0].client_bound and levels[0].client_busiest_cpu_share == pytest.approx(0.2)
    assert levels[1].client_bound and levels[1].client_workers == 2
    needed = math.ceil(17.5 / (0.5 * 10))  # CPU seconds over the share each process should stay under
    assert f"about {needed} processes" in levels[1].notes[0] and "this machine has 2 cores" in levels[1].notes[0]


def test_levels_past_the_knee_or_missing_objectives_do_not_feed_self_hosted_sizing() -> None:
    import pandas as pd

    from pricing.measured_throughput import probe_throughput_rows

    def lv(concurrency: int, tokens_per_s: float, meets: bool | None = None) -> dict[str, object]:
        return {
            "concurrency": concurrency,
            "succeeded": 10,
            "system_output_tokens_per_s": tokens_per_s,
            "input_tokens": 1000,
            "output_tokens": 500,
            "ttft_ms": {"p50": 100.0},
            "client_bound": False,
            "meets_objectives": meets,
        }

    def run(run_id: str, levels: list[dict[str, object]], knee: int | None) -> dict[str, object]:
        summary = {"levels": levels, "knee": {"concurrency": knee} if knee else None}
        return {
            "run_id": run_id,
            "status": "completed",
            "model_id": "llama-3.1-8b-instruct",
            "model": "m",
            "endpoint_name": "gpu",
            "started_at": pd.Timestamp("2026-12-01"),
            "settings_json": json.dumps({"endpoint": {"gpu": "H100 SXM", "gpu_count": 1}}),
            "summary_json": json.dumps(summary),
        }

    runs = pd.DataFrame(
        [
            run("swept", [lv(1, 100), lv(2, 190), lv(4, 200), lv(8, 205)], knee=2),
            run("slo", [lv(1, 100, True), lv(4, 350, False)], knee=None),
        ]
    )
    rows = probe_throughput_rows(runs)
    assert sorted(zip(rows["source"].str.extract(r"run (\w+)")[0], rows["concurrency"], strict=True)) == [
        ("slo", "1"),
        ("swept", "1"),
        ("swept", "2"),
    ]


def test_a_self_hosted_suite_run_costs_its_items_by_gpu_time(seeded_store: Store, server: LoopbackServer) -> None:
    from evals.suites import load_suite

    suite = load_suite("arithmetic")
    server.config.answers = {item.prompt: str(item.expected) for item in suite.items}
    endpoint = Endpoint(
        "gpu", "test-model", "openai-compatible", api_base=server.base_url, gpu="H100 SXM", gpu_count=2,
        usd_per_gpu_hour=3.0,
    )  # fmt: skip
    report = execute_run(
        seeded_store, endpoint, settings(requests_per_level=len(suite.items)), SHEET, suite=suite,
        measure_overhead=False,
    )  # fmt: skip
    level = report.levels[0]
    assert level.cost_usd == pytest.approx(2 * 3.0 * level.duration_s / 3600)
    assert report.quality is not None and report.quality["mean_score"] == 1.0
    assert report.quality["cost_per_1000_items_usd"] == pytest.approx(level.cost_usd / level.requests * 1000)
    assert "GPU time at concurrency 1" in report.quality["cost_basis"]
