"""Measured quality replaces the assumption: two real probe runs of one suite, each endpoint a loopback server of its
own answering differently, through real litellm, then the shrink comparison reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from evals.loopback import LoopbackConfig, LoopbackServer
from evals.probe import ProbeSettings
from evals.runner import Endpoint, execute_run
from evals.suites import Suite, wilson_interval
from pricing.planning import service as planning
from pricing.planning.usage_files import load_usage
from pricing.shrink import service as shrink
from pricing.shrink.engine import ASSUMED, MEASURED
from pricing.store import Store
from tests.test_probe_evidence import ITEMS, SHEET, write_suite

USAGE = b"""month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2026-08-01,support,2000000,3000000000,800000000,0
2026-09-01,support,2100000,3150000000,840000000,0
2026-10-01,support,2200000,3300000000,880000000,0
"""


def _probe(store: Store, suite: Suite, name: str, model_id: str, correct: tuple[str, ...]) -> str:
    """One probe run against an endpoint of its own that answers 'yes' (right) to `correct` and 'no' to the rest."""
    answers = {f"Question {item.id}?": ("yes" if item.id in correct else "no") for item in suite.items}
    with LoopbackServer(LoopbackConfig(output_tokens=4, answers=answers)) as server:
        endpoint = Endpoint(name, "test-model", "openai-compatible", server.base_url, model_id=model_id)
        settings = ProbeSettings(requests_per_level=len(suite.items), concurrency_levels=(1,), warmup_requests=0)
        return execute_run(store, endpoint, settings, SHEET, suite=suite, measure_overhead=False).run_id


def test_two_probe_runs_replace_the_assumed_quality_with_the_measured_score(
    seeded_store: Store, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path, "support-tasks")
    baseline_run = _probe(seeded_store, suite, "today", "llama-3.3-70b-instruct", correct=ITEMS[:4])
    student_run = _probe(seeded_store, suite, "student", "llama-3.1-8b-instruct", correct=ITEMS[:3])
    upload = planning.save_upload(seeded_store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    request = shrink.ShrinkRequest("gpt-4o", "llama-3.1-8b-instruct", paths=("quantise", "distil"))
    assumed = shrink.compare_upload(seeded_store, upload, "support", request, n_paths=200)
    assert {o.quality_kind for o in assumed.result.outcomes} == {ASSUMED}

    measured_request = shrink.ShrinkRequest(
        "gpt-4o",
        "llama-3.1-8b-instruct",
        paths=("quantise", "distil"),
        measured_runs=(("distil", baseline_run, student_run),),
    )
    measured = shrink.compare_upload(seeded_store, upload, "support", measured_request, n_paths=200)
    by_kind = {o.kind: o for o in measured.result.outcomes}
    assert by_kind["quantise"].quality_kind == ASSUMED
    distil = by_kind["distil"]
    assert distil.quality_kind == MEASURED
    low, high = wilson_interval(3, 5)
    assert distil.quality.likely == pytest.approx((3 / 5) / (4 / 5))
    assert (distil.quality.low, distil.quality.high) == pytest.approx((low / 0.8, high / 0.8))
    assert not distil.meets_required  # 75% of the baseline's score, 90% required
    assert "measured 75% of the baseline's score" in shrink.quality_text(distil)
    assert f"run {student_run}" in distil.quality.describe()


def test_runs_of_two_suites_are_refused(seeded_store: Store, tmp_path: Path) -> None:
    first = _probe(seeded_store, write_suite(tmp_path, "one"), "a", "m-a", correct=ITEMS)
    second = _probe(seeded_store, write_suite(tmp_path, "two"), "b", "m-b", correct=ITEMS)
    with pytest.raises(shrink.ShrinkInputError, match="two runs of one suite"):
        shrink.measured_quality(seeded_store, first, second)
