"""Live probes against real loopback HTTP servers, through real litellm, into a real DuckDB file."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from evals.client import Target, scrub
from evals.loopback import LoopbackConfig, LoopbackServer
from evals.probe import ProbeSettings, backoff_s, run_probe
from evals.runner import ConfigError, Endpoint, check_connection, endpoints_from_file, execute_run
from evals.suites import load_suite
from evals.summary import LevelSummary, Objectives, flag_client_bound, summarise_run
from pricing import service
from pricing.store import RequestRecord, Store
from pricing.store.schema import TABLES
from tests.conftest import CliCall, run_module

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHEET = "litellm 1.110.2 (bundled)"


@pytest.fixture()
def seeded_store(backend_seeded_store: Store) -> Store:
    """Here every probe's records go to both backends in turn: a DuckDB file and a Postgres database."""
    return backend_seeded_store


@pytest.fixture()
def server() -> LoopbackServer:
    srv = LoopbackServer(LoopbackConfig())
    srv.start()
    yield srv
    srv.stop()


def endpoint(srv: LoopbackServer, **kwargs: object) -> Endpoint:
    values: dict[str, object] = {
        "name": "loop",
        "model": "test-model",
        "kind": "openai-compatible",
        "api_base": srv.base_url,
    }
    values.update(kwargs)
    return Endpoint(**values)  # type: ignore[arg-type]


def quick(levels: tuple[int, ...] = (1,), requests: int = 5, **kwargs: object) -> ProbeSettings:
    values: dict[str, object] = {"requests_per_level": requests, "concurrency_levels": levels, "warmup_requests": 1}
    values.update(kwargs)
    return ProbeSettings(**values)  # type: ignore[arg-type]


@pytest.mark.serial  # measures time: run alone (make test)
def test_timing_matches_injected_delays(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.ttft_ms, server.config.itl_ms, server.config.output_tokens = 150, 20, 10
    report = execute_run(seeded_store, endpoint(server), quick(requests=6), SHEET, measure_overhead=False)
    level = report.levels[0]
    assert level.succeeded == 6
    assert 150 <= level.ttft_ms["p50"] <= 150 + 60
    assert 20 * 0.8 <= level.itl_ms["p50"] <= 20 + 10
    assert level.e2e_ms["p50"] == pytest.approx(150 + 9 * 20, abs=80)
    assert level.output_tokens_per_s_per_request["p50"] == pytest.approx(1000 / level.itl_ms["p50"], rel=0.05)
    stored = seeded_store.run_requests(report.run_id)
    assert list(stored["phase"]).count("warmup") == 1 and list(stored["phase"]).count("measure") == 6
    assert not stored["tokens_estimated"].any()


def test_every_fault_is_recorded_and_the_run_goes_on(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.retry_after_s = 0.3
    server.config.hang_s = 5
    settings = quick(requests=8, timeout_s=1.0, max_attempts=2)
    # faults are queued when the measured level starts, so the warm-up request is not one of them
    faults = ["500", "cut", "malformed", "empty", "hang", "503", "429"]  # the 429 retry gets a clean answer

    def on_level(_: int) -> None:
        server.add_faults(*faults)

    report = execute_run(seeded_store, endpoint(server), settings, SHEET, on_level=on_level, measure_overhead=False)
    errors = report.errors
    assert errors.get("server_error") == 2  # 500 and 503
    assert errors.get("stream_cut") == 1
    assert errors.get("malformed_stream") == 1
    assert errors.get("empty_answer") == 1
    assert errors.get("timeout") == 1
    assert "rate_limited" not in errors  # retried after Retry-After, then answered
    stored = seeded_store.run_requests(report.run_id)
    retried = stored[stored["attempts"] == 2]
    assert len(retried) == 1 and retried["error_type"].isna().all()
    assert report.status == "completed" and report.requests == 8


def test_rate_limit_retry_waits_for_retry_after(server: LoopbackServer) -> None:
    server.config.retry_after_s = 0.4
    server.add_faults("429")
    records: list[RequestRecord] = []
    started = time.perf_counter()
    run_probe(Target("openai/test-model", server.base_url), None, quick(requests=1, warmup_requests=0), records.append)
    assert records[0].attempts == 2 and records[0].error_type is None
    assert time.perf_counter() - started >= 0.4
    assert backoff_s(3, None, 0.5, 30) <= 2.0 and backoff_s(1, 7.0, 0.5, 5.0) == 5.0


def test_refused_connection_is_counted_not_raised(seeded_store: Store) -> None:
    dead = Endpoint("dead", "test-model", "openai-compatible", "http://127.0.0.1:9/v1")
    report = execute_run(seeded_store, dead, quick(requests=3), SHEET, measure_overhead=False)
    assert report.errors == {"connection_refused": 3}
    assert not check_connection(dead).ok
    assert "not reachable" in check_connection(dead).message


def test_connection_check_names_unknown_model_and_rejected_key(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert check_connection(endpoint(server)).ok
    unknown = check_connection(endpoint(server, model="other-model"))
    assert not unknown.ok and "does not serve 'other-model'" in unknown.message
    server.config.api_key = "right-test-key-0123456789"
    monkeypatch.setenv("FRONTIER_TEST_KEY", "wrong-test-key-0123456789")
    rejected = check_connection(endpoint(server, api_key_env="FRONTIER_TEST_KEY"))
    assert not rejected.ok and "key was rejected" in rejected.message
    assert "wrong-test-key" not in rejected.message


def test_cancel_keeps_what_was_measured(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.ttft_ms = 50
    cancel = threading.Event()

    def cancel_after_three_measured() -> None:
        # The warm-up and three measured requests have been answered by the server: cancel from here, not after a
        # guessed time (on a loaded machine 0.6 s could pass before the first measured request).
        server.wait_for(lambda: sum(r.done.is_set() for r in server.requests) >= 4, timeout_s=30)
        cancel.set()

    threading.Thread(target=cancel_after_three_measured, daemon=True).start()
    report = execute_run(
        seeded_store, endpoint(server), quick(requests=40), SHEET, cancel=cancel, measure_overhead=False
    )
    assert report.status == "cancelled"
    stored = seeded_store.run_requests(report.run_id)
    assert 1 <= (stored["phase"] == "measure").sum() < 40
    assert seeded_store.run(report.run_id)["status"].iloc[0] == "cancelled"


def test_secrets_never_reach_store_or_output(
    seeded_store: Store, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "frontier-test-secret-0123456789abcdef"
    monkeypatch.setenv("FRONTIER_TEST_KEY", secret)
    server.config.api_key = secret
    ep = endpoint(server, api_key_env="FRONTIER_TEST_KEY")
    seeded_store.save_endpoint(ep.as_row())
    report = execute_run(seeded_store, ep, quick(requests=3), SHEET, measure_overhead=False)
    assert report.levels[0].succeeded == 3
    server.config.api_key = "some-other-test-key-9999999999"  # now the key is wrong: errors must not echo it
    failed = execute_run(seeded_store, ep, quick(requests=2), SHEET, measure_overhead=False)
    assert failed.errors == {"auth_rejected": 2}
    for table in TABLES:  # on either backend, no row of any table holds the key
        assert secret not in seeded_store.table_rows(table.name).to_csv(), table.name
    seeded_store.close()
    if seeded_store.path is not None:  # a DuckDB file: not in its bytes either (WAL checkpointed on close)
        assert secret.encode() not in seeded_store.path.read_bytes()
    assert secret not in json.dumps(report.as_json()) + json.dumps(failed.as_json())
    assert all(r.headers.get("Authorization") in (None, "<redacted>") for r in server.requests)
    assert scrub(f"Bearer {secret} failed", (secret,)) == "Bearer <redacted> failed"


def test_suite_scores_become_an_own_eval_metric_on_the_frontier(seeded_store: Store, server: LoopbackServer) -> None:
    suite = load_suite("arithmetic")
    server.config.answers = {item.prompt: str(item.expected) for item in suite.items}
    service.set_deployment_price(seeded_store, "loop", "llama-3.1-8b-instruct", 0.05, 0.08)
    ep = endpoint(server, model_id="llama-3.1-8b-instruct")
    report = execute_run(seeded_store, ep, quick(requests=len(suite.items)), SHEET, suite=suite, measure_overhead=False)
    assert report.quality is not None
    assert report.quality["mean_score"] == 1.0 and report.quality["items"] == len(suite.items)
    low, high = report.quality["ci95"]
    assert low > 0.85 and high == pytest.approx(1.0)
    assert report.quality["cost_per_1000_items_usd"] > 0
    scores = seeded_store.scores("own:arithmetic")
    assert scores.iloc[0]["score"] == 100.0 and scores.iloc[0]["source"] == "own probe: loop"
    assert "own:arithmetic" in set(seeded_store.benchmarks()["benchmark_id"])
    result = service.frontier(seeded_store, "own:arithmetic", SHEET, service.CandidateOptions())
    assert "llama-3.1-8b-instruct" in set(result.candidates["model_id"])


def test_self_hosted_endpoint_costs_gpu_time(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.output_tokens = 20
    ep = endpoint(server, gpu="H100 SXM", gpu_count=2, usd_per_gpu_hour=3.6)
    report = execute_run(seeded_store, ep, quick(requests=4), SHEET, measure_overhead=False)
    level = report.levels[0]
    assert level.cost_usd == pytest.approx(2 * 3.6 * level.duration_s / 3600)
    assert any("per 1M output tokens" in note for note in level.notes)


def test_unpriced_endpoint_says_so(seeded_store: Store, server: LoopbackServer) -> None:
    report = execute_run(seeded_store, endpoint(server), quick(requests=2), SHEET, measure_overhead=False)
    assert report.estimated_cost_usd is None and "no price for test-model" in report.price_note
    assert report.levels[0].cost_usd is None


def test_concurrency_sweep_in_worker_processes(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.ttft_ms = 20
    report = execute_run(
        seeded_store, endpoint(server), quick((1, 8), requests=16, workers=2), SHEET, measure_overhead=False
    )
    assert [lv.concurrency for lv in report.levels] == [1, 8]
    assert all(lv.succeeded == 16 for lv in report.levels), [(lv.succeeded, lv.errors) for lv in report.levels]
    assert report.levels[1].system_output_tokens_per_s > report.levels[0].system_output_tokens_per_s


def test_client_overhead_is_measured_and_flags_saturation() -> None:
    level = LevelSummary(
        64, 10, 10, {}, 1.0, {"p50": 450.0}, {"p50": None}, {"p50": None}, {"p50": None}, 1.0, None, 1, 1, False,
        None, None, 0,
    )  # fmt: skip
    flag_client_bound([level], {64: 300.0})
    assert level.client_bound and "client-bound" in level.notes[0]
    calm = LevelSummary(1, 1, 1, {}, 1.0, {"p50": 160.0}, {}, {}, {}, 1.0, None, 1, 1, False, None, None, 0)
    flag_client_bound([calm], {1: 5.0})
    assert not calm.client_bound
    stretched = LevelSummary(
        16, 1, 1, {}, 1.0, {"p50": 400.0}, {"p50": 30.0}, {}, {}, 1.0, None, 1, 1, False, None, None, 0
    )
    flag_client_bound([stretched], {16: 20.0}, overhead_itl_ms={16: 10.0})
    assert stretched.client_bound and "between tokens" in stretched.notes[0]
    # The same calibration figure when the run's client processes were mostly idle: the calibration server, not
    # the client, took the time, so the level is not flagged (the note says so).
    idle = LevelSummary(
        64, 10, 10, {}, 1.0, {"p50": 450.0}, {"p50": None}, {"p50": None}, {"p50": None}, 1.0, None, 1, 1, False,
        None, None, 0, client_busiest_cpu_share=0.2,
    )  # fmt: skip
    flag_client_bound([idle], {64: 300.0})
    assert not idle.client_bound and "not a client limit" in idle.notes[0]


def test_overhead_against_zero_delay_endpoint() -> None:
    from evals.runner import measure_client_overhead

    overhead = measure_client_overhead((1, 8), 8)
    assert set(overhead.ttft_ms) == {1, 8} and set(overhead.itl_ms) == {1, 8}
    assert 0 < overhead.ttft_ms[1] < 200 and 0 <= overhead.itl_ms[1] < 50


def test_goodput_counts_requests_meeting_objectives() -> None:
    records = pd.DataFrame(
        {
            "phase": "measure", "concurrency": 1, "sent_s": [0.0, 1.0, 2.0], "ttft_ms": [100.0, 300.0, 100.0],
            "e2e_ms": [500.0, 500.0, 1000.0], "itl_ms": [10.0, 10.0, 10.0], "output_tokens": [10, 10, 10],
            "input_tokens": [5, 5, 5], "tokens_estimated": False, "cost_usd": [0.1, 0.1, 0.1],
            "error_type": [None, None, None], "attempts": 1, "score": None,
        }
    )  # fmt: skip
    level = summarise_run(records, Objectives(ttft_ms=200, e2e_ms=800))[0]
    assert level.duration_s == pytest.approx(3.0)
    assert level.goodput_rps == pytest.approx(1 / 3.0)
    assert level.system_output_tokens_per_s == pytest.approx(30 / 3.0)
    assert level.cost_per_success_usd == pytest.approx(0.1)


def test_endpoint_config_rejects_keys_and_bad_settings(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.toml"
    path.write_text('[[endpoint]]\nname = "x"\nmodel = "m"\nkind = "api"\napi_key = "sk-no"\n')
    with pytest.raises(ConfigError, match="keys do not belong here"):
        endpoints_from_file(path)
    with pytest.raises(ConfigError, match="needs an api_base"):
        Endpoint("x", "m", "nim")
    example = endpoints_from_file(PROJECT_ROOT / ".streamlit" / "endpoints.toml.example")
    assert {e.kind for e in example} == {"nim", "openai-compatible", "api"}
    assert example[0].litellm_model == "nvidia_nim/meta/llama-3.1-8b-instruct"


def test_cli_probe_prints_summary_and_counts_failures(app_db: Path, server: LoopbackServer, evals_cli: CliCall) -> None:
    """The JSON run through `python -m evals` as a real process (its smoke test), the text one in this process."""
    result = run_module(
        "evals",
        ["probe", "--model", "test-model", "--api-base", server.base_url, "--requests", "4", "--concurrency", "1,2",
         "--suite", "arithmetic", "--no-overhead", "--json"],
        app_db,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["status"] == "completed" and [lv["concurrency"] for lv in payload["levels"]] == [1, 2]
    assert payload["quality"]["items"] == 4  # each item once, from the first level
    text = evals_cli(["probe", "--model", "test-model", "--api-base", "http://127.0.0.1:9/v1", "--requests", "2",
                      "--concurrency", "1", "--no-overhead"])  # fmt: skip
    assert text.returncode == 0
    assert "connection_refused 2" in text.stdout and "TTFT p50/p90/p99" in text.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["probe", "--model", "m", "--suite", "no-such-suite"],
        ["probe", "--model", "m", "--concurrency", "1,x"],
        ["probe", "--model", "m", "--api-base", "localhost:8000"],
        ["probe", "--model", "m", "--api-key-env", "FRONTIER_SURELY_UNSET_VAR"],
    ],
)
@pytest.mark.usefixtures("app_db")
def test_cli_bad_configuration_exits_2(evals_cli: CliCall, args: list[str]) -> None:
    result = evals_cli(args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_llm_judge_suite_is_graded_by_the_chosen_judge_model(seeded_store: Store, server: LoopbackServer) -> None:
    from evals.suites import parse_suite

    text = "\n".join(
        [
            json.dumps({"suite": "judged", "scorer": "llm_judge", "max_output_tokens": 32}),
            json.dumps({"id": "j1", "prompt": "Explain caching briefly.", "expected": "Caching stores results."}),
            json.dumps({"id": "j2", "prompt": "Explain batching briefly.", "expected": "Batching groups requests."}),
        ]
    )
    suite = parse_suite(text, "judged.jsonl")
    with LoopbackServer(LoopbackConfig(answers={"": "SCORE: 5/5"}, output_tokens=3)) as judge_server:
        judge = Endpoint("judge", "test-model", "openai-compatible", judge_server.base_url)
        report = execute_run(
            seeded_store,
            endpoint(server),
            quick(requests=2),
            SHEET,
            suite=suite,
            measure_overhead=False,
            judge_endpoint=judge,
        )
        assert len(judge_server.chat_requests()) == 3  # one per scored answer, warm-up included
    assert report.quality is not None and report.quality["mean_score"] == 1.0
    with pytest.raises(ConfigError, match="pick a judge model"):
        execute_run(seeded_store, endpoint(server), quick(requests=1), SHEET, suite=suite, measure_overhead=False)


def test_a_background_run_is_graded_by_the_judge_it_was_given(seeded_store: Store, server: LoopbackServer) -> None:
    from evals import jobs
    from evals.suites import parse_suite

    lines = [
        {"suite": "judged", "scorer": "llm_judge", "max_output_tokens": 32},
        {"id": "j1", "prompt": "Explain caching briefly.", "expected": "Caching stores results."},
    ]
    suite = parse_suite("\n".join(json.dumps(line) for line in lines), "judged.jsonl")
    with LoopbackServer(LoopbackConfig(answers={"": "SCORE: 5/5"}, output_tokens=3)) as judge_server:
        judge = Endpoint("judge", "test-model", "openai-compatible", judge_server.base_url)
        job = jobs.start(
            seeded_store,
            endpoint(server),
            quick(requests=1),
            SHEET,
            suite=suite,
            objectives=Objectives(),
            judge_endpoint=judge,
        )
        assert job.thread is not None
        job.thread.join(timeout=60)
    assert job.error is None and job.report is not None
    assert job.report.quality is not None and job.report.quality["mean_score"] == 1.0


def test_keys_are_shown_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    from evals.runner import masked_key

    monkeypatch.setenv("FRONTIER_MASK_TEST", "fake-abcdefghijklmnop1234")
    shown = masked_key("FRONTIER_MASK_TEST")
    assert shown == "$FRONTIER_MASK_TEST (set, ...1234)" and "abcdef" not in shown
    assert masked_key("FRONTIER_SURELY_UNSET_VAR") == "$FRONTIER_SURELY_UNSET_VAR (not set)"
    assert masked_key(None) == "no key"


def test_workers_never_rerun_the_main_script_and_grade_suite_items(
    seeded_store: Store, server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under Streamlit the main script is app.py; a spawned worker must not execute it (it opens the database)."""
    import types

    poisoned = tmp_path / "app_like.py"
    poisoned.write_text("raise SystemExit('the main script was re-run in a worker')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(poisoned)
    monkeypatch.setitem(sys.modules, "__main__", main)
    suite = load_suite("intent")
    server.config.answers = {item.prompt: str(item.expected) for item in suite.items}
    settings = quick((4,), requests=len(suite.items), workers=2)
    report = execute_run(seeded_store, endpoint(server), settings, SHEET, suite=suite, measure_overhead=False)
    assert report.errors == {}, seeded_store.run_requests(report.run_id)["error_message"].dropna().unique()[:2]
    assert report.quality is not None and report.quality["mean_score"] == 1.0
