"""Measured cascades and measured latency from real probe runs against loopback servers, through real litellm."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from evals.loopback import LoopbackConfig, LoopbackServer
from evals.probe import ProbeSettings
from evals.runner import Endpoint, execute_run
from evals.suites import Suite, load_suite_file, wilson_interval
from pricing.portfolio.evidence import cascade_run_pairs, measured_cascade, measured_latency
from pricing.store import Store

SHEET = "litellm 1.110.2 (bundled)"
ITEMS = ("alpha", "bravo", "charlie", "delta", "echo")


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(LoopbackConfig(output_tokens=4)) as srv:
        yield srv


def write_suite(tmp_path: Path, name: str, items: tuple[str, ...] = ITEMS, file_name: str | None = None) -> Suite:
    """A tiny exact-match suite: item `x` asks 'Question x?' and expects 'yes'."""
    lines = [{"suite": name, "scorer": "exact", "max_output_tokens": 8}]
    lines += [{"id": item, "prompt": f"Question {item}?", "expected": "yes"} for item in items]
    path = tmp_path / (file_name or f"{name}.jsonl")
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    return load_suite_file(path)


def probe(
    store: Store,
    srv: LoopbackServer,
    name: str,
    model_id: str,
    suite: Suite | None = None,
    correct: tuple[str, ...] = (),
    levels: tuple[int, ...] = (1,),
    requests: int | None = None,
    faults: tuple[str, ...] = (),
    **endpoint: object,
) -> str:
    """One real probe run; the server answers 'yes' to the `correct` items and 'no' to the rest."""
    items = suite.items if suite is not None else ()
    srv.config.answers = {f"Question {i.id}?": ("yes" if i.id in correct else "no") for i in items}
    settings = ProbeSettings(
        requests_per_level=requests or max(len(items), 1), concurrency_levels=levels, warmup_requests=0
    )
    ep = Endpoint(name, "test-model", "openai-compatible", srv.base_url, model_id=model_id, **endpoint)  # type: ignore[arg-type]
    report = execute_run(
        store,
        ep,
        settings,
        SHEET,
        suite=suite,
        measure_overhead=False,
        on_level=lambda _: srv.add_faults(*faults),
    )
    return report.run_id


def started_on(store: Store, run_id: str) -> dt.date:
    return store.run(run_id).iloc[0]["started_at"].date()


def test_cascade_rates_and_scores_match_hand_counts(
    seeded_store: Store, server: LoopbackServer, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path, "tiny")
    small = probe(seeded_store, server, "small-ep", "small-llm", suite, correct=("alpha", "bravo", "charlie"))
    large = probe(seeded_store, server, "large-ep", "large-llm", suite, correct=("alpha", "bravo", "delta"))
    result = measured_cascade(seeded_store, small, large)
    # small passes a, b, c; d and e escalate; the large model gets d right, e wrong
    assert result.items == 5
    assert result.escalation_rate == pytest.approx(2 / 5)
    assert result.small_score == pytest.approx(100 * 3 / 5)
    assert result.large_score == pytest.approx(100 * 3 / 5)
    assert result.cascade_score == pytest.approx(100 * (3 + 1) / 5)
    assert (result.escalation_low, result.escalation_high) == pytest.approx(wilson_interval(2, 5))
    assert (result.cascade_low, result.cascade_high) == pytest.approx(tuple(100 * b for b in wilson_interval(4, 5)))
    assert result.escalation_low <= result.escalation_rate <= result.escalation_high
    assert result.cascade_low <= result.cascade_score <= result.cascade_high
    assert (result.suite, result.small_model, result.large_model) == ("tiny", "small-llm", "large-llm")
    assert result.measured_on == max(started_on(seeded_store, small), started_on(seeded_store, large))
    assert "oracle" in result.check and ">= 1" in result.check


def test_small_score_equals_the_own_eval_score_and_run_summary(
    seeded_store: Store, server: LoopbackServer, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path, "tiny")
    # two levels: each item is asked twice, and the second asking must not count
    small = probe(seeded_store, server, "small-ep", "small-llm", suite, correct=("alpha", "echo"), levels=(1, 2))
    large = probe(seeded_store, server, "large-ep", "large-llm", suite, correct=ITEMS)
    result = measured_cascade(seeded_store, small, large)
    own = seeded_store.scores("own:tiny").set_index("model_id")
    assert result.small_score == pytest.approx(own.loc["small-llm", "score"]) == pytest.approx(100 * 2 / 5)
    assert result.large_score == pytest.approx(own.loc["large-llm", "score"]) == 100.0
    quality = json.loads(seeded_store.run(small).iloc[0]["summary_json"])["quality"]
    assert result.small_score == pytest.approx(100 * quality["mean_score"])
    assert result.items == quality["items"] == 5


def test_errors_count_as_escalations_and_as_failures_of_the_large_model(
    seeded_store: Store, server: LoopbackServer, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path, "tiny")
    # the first measured request (alpha) fails on both runs although the server would have answered it right
    small = probe(seeded_store, server, "small-ep", "small-llm", suite, correct=ITEMS, faults=("500",))
    large = probe(seeded_store, server, "large-ep", "large-llm", suite, correct=ITEMS, faults=("500",))
    rows = seeded_store.run_requests(small)
    assert rows.set_index("item_id").loc["alpha", "error_type"] == "server_error"
    result = measured_cascade(seeded_store, small, large)
    assert result.items == 5
    assert result.escalation_rate == pytest.approx(1 / 5)
    assert result.small_score == pytest.approx(100 * 4 / 5)
    assert result.large_score == pytest.approx(100 * 4 / 5)
    assert result.cascade_score == pytest.approx(100 * 4 / 5)  # alpha escalated, and the large model failed it too


def test_pairing_errors_name_the_runs_and_suites(seeded_store: Store, server: LoopbackServer, tmp_path: Path) -> None:
    tiny = write_suite(tmp_path, "tiny")
    other = write_suite(tmp_path, "other", items=("alpha", "bravo"))
    renamed = write_suite(tmp_path, "tiny", items=("zulu", "yankee"), file_name="tiny-v2.jsonl")
    a = probe(seeded_store, server, "a", "a-llm", tiny, correct=ITEMS)
    b = probe(seeded_store, server, "b", "b-llm", other, correct=ITEMS)
    c = probe(seeded_store, server, "c", "c-llm", renamed, correct=("zulu",))
    synthetic = probe(seeded_store, server, "d", "d-llm")
    failed = probe(seeded_store, server, "e", "e-llm", tiny, faults=("500",) * len(ITEMS))

    with pytest.raises(ValueError, match=rf"run '{a}' ran suite 'tiny', run '{b}' ran suite 'other'"):
        measured_cascade(seeded_store, a, b)
    with pytest.raises(ValueError, match="unknown probe run 'nope'"):
        measured_cascade(seeded_store, a, "nope")
    with pytest.raises(ValueError, match=rf"runs '{a}' and '{c}' \(suite 'tiny'\) share no item"):
        measured_cascade(seeded_store, a, c)
    with pytest.raises(ValueError, match=rf"run '{synthetic}' ran suite None"):
        measured_cascade(seeded_store, synthetic, a)
    with pytest.raises(ValueError, match=rf"probe run '{failed}' \(suite 'tiny'\) has no scored items"):
        measured_cascade(seeded_store, a, failed)
    with pytest.raises(ValueError, match="two different runs"):
        measured_cascade(seeded_store, a, a)
    with pytest.raises(ValueError, match="pass threshold"):
        measured_cascade(seeded_store, a, c, pass_threshold=0)

    pairs = cascade_run_pairs(seeded_store)
    # 'other' has one run and the all-error run has no scored item: only the two 'tiny' runs can pair
    assert set(pairs["run_id"]) == {a, c}
    assert set(pairs["suite"]) == {"tiny"}
    assert pairs.set_index("run_id").loc[a, "items"] == 5
    assert pairs.set_index("run_id").loc[c, "model"] == "c-llm"


def test_no_runs_no_pairs(seeded_store: Store) -> None:
    pairs = cascade_run_pairs(seeded_store)
    assert pairs.empty and "items" in pairs.columns


def test_measured_latency_picks_the_latest_run_of_model_and_gpu(seeded_store: Store, server: LoopbackServer) -> None:
    server.config.ttft_ms, server.config.itl_ms = 15, 5
    h100 = probe(seeded_store, server, "h100-ep", "llama-x", requests=6, levels=(1, 2), gpu="H100 SXM", faults=("500",))
    a100 = probe(seeded_store, server, "a100-ep", "llama-x", requests=3, gpu="A100 80GB")
    probe(seeded_store, server, "other-ep", "other-llm", requests=3, gpu="H100 SXM")
    # a newer run that never finished is not evidence
    seeded_store.start_run(
        run_id="stuck",
        endpoint_name="h100-ep",
        model="test-model",
        api_base=None,
        model_id="llama-x",
        suite=None,
        settings_json="{}",
        estimated_cost_usd=None,
    )

    on_h100 = measured_latency(seeded_store, "llama-x", gpu="h100-sxm")
    assert on_h100 is not None
    assert (on_h100.run_id, on_h100.endpoint, on_h100.gpu, on_h100.concurrency) == (h100, "h100-ep", "H100 SXM", 1)
    rows = seeded_store.run_requests(h100)
    level = rows[(rows["phase"] == "measure") & (rows["concurrency"] == 1) & rows["error_type"].isna()]
    assert on_h100.requests == len(level) == 5  # the faulted request is left out
    assert on_h100.ttft_p90_ms == pytest.approx(np.percentile(level["ttft_ms"], 90))
    assert on_h100.e2e_p90_ms == pytest.approx(np.percentile(level["e2e_ms"], 90))
    assert on_h100.output_tokens_per_s == pytest.approx(np.median(1000 / level["itl_ms"]))
    assert on_h100.ttft_p90_ms >= 15 and on_h100.output_tokens_per_s <= 1000 / 5 * 1.2
    assert on_h100.measured_on == started_on(seeded_store, h100)

    latest = measured_latency(seeded_store, "llama-x")
    assert latest is not None and latest.run_id == a100 and latest.requests == 3
    assert measured_latency(seeded_store, "llama-x", gpu="L40S") is None
    assert measured_latency(seeded_store, "no-such-model") is None


def test_measured_latency_without_streamed_tokens_has_no_decode_speed(
    seeded_store: Store, server: LoopbackServer
) -> None:
    server.config.output_tokens = 1
    probe(seeded_store, server, "one-token", "tiny-llm", requests=2)
    result = measured_latency(seeded_store, "tiny-llm")
    assert result is not None and math.isnan(result.output_tokens_per_s) and result.gpu is None
