"""`python -m pricing shrink`: the three paths against a baseline from a usage file, and clear refusals (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliCall

USAGE = """month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2025-09,support,1800000,2700000000,720000000,0
2025-10,support,1900000,2850000000,760000000,0
2025-11,support,2000000,3000000000,800000000,0
2025-12,support,2100000,3150000000,840000000,0
2026-01,support,2200000,3300000000,880000000,0
2026-02,support,2300000,3450000000,920000000,0
"""


@pytest.fixture()
def usage_file(tmp_path: Path) -> Path:
    path = tmp_path / "usage.csv"
    path.write_text(USAGE, encoding="utf-8")
    return path


def _args(usage: Path, *extra: str) -> list[str]:
    return ["shrink", "--usage", str(usage), "--workload", "support", "--paths", "500", *extra]


def test_shrink_json_costs_every_path_that_applies(app_db: Path, pricing_cli: CliCall, usage_file: Path) -> None:
    run = pricing_cli(
        _args(usage_file, "--baseline", "llama-3.3-70b-instruct", "--candidate", "llama-3.1-8b-instruct", "--json")
    )
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    kinds = {path["kind"]: path for path in payload["paths"]}
    assert set(kinds) == {"quantise", "distil"}
    assert "no hosted fine-tuning price for llama-3.1-8b-instruct" in payload["unavailable"]["fine-tune"]
    distil = kinds["distil"]
    assert distil["quality"]["kind"] == "assumption"
    assert set(distil["savings_usd"]) == {"18", "24", "36"}
    assert {row["input"] for row in distil["tornado"]} >= {"Examples needed", "Training utilisation"}
    assert any(item["what"].startswith("Training 8B on H100 SXM") for item in distil["costs"])


def test_shrink_fine_tune_prices_from_the_shipped_file(app_db: Path, pricing_cli: CliCall, usage_file: Path) -> None:
    run = pricing_cli(_args(usage_file, "--baseline", "gpt-4o", "--candidate", "gpt-4o-mini", "--path", "fine-tune"))
    assert run.returncode == 0, run.stderr
    assert "fine-tune: gpt-4o-mini-2024-07-18 fine-tuned (openai)" in run.stdout
    assert "openai fine-tuning price, https://openai.com/api/pricing/, 2025-06-01" in run.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--examples", "0"], "examples must be at least 1 (got 0)"),
        (["--utilisation", "1.2"], "at most 100% (got 120%)"),
        (["--gpu", "Z9000"], "no datasheet figures for GPU 'Z9000'"),
    ],
)
def test_shrink_refuses_bad_input_with_exit_2(
    app_db: Path, pricing_cli: CliCall, usage_file: Path, extra: list[str], message: str
) -> None:
    models = ["--baseline", "llama-3.3-70b-instruct", "--candidate", "llama-3.1-8b-instruct", "--path", "distil"]
    run = pricing_cli(_args(usage_file, *models, *extra))
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_shrink_refuses_a_candidate_larger_than_the_baseline(
    app_db: Path, pricing_cli: CliCall, usage_file: Path
) -> None:
    run = pricing_cli(_args(usage_file, "--baseline", "llama-3.1-8b-instruct", "--candidate", "llama-3.3-70b-instruct"))
    assert run.returncode == 2
    assert "the candidate llama-3.3-70b-instruct (70B parameters) is larger than the baseline" in run.stderr


def test_shrink_names_the_workloads_of_the_file(app_db: Path, pricing_cli: CliCall, usage_file: Path) -> None:
    run = pricing_cli(
        [
            "shrink",
            "--usage",
            str(usage_file),
            "--workload",
            "chat",
            "--baseline",
            "gpt-4o",
            "--candidate",
            "gpt-4o-mini",
        ]
    )
    assert run.returncode == 2
    assert "no workload 'chat' in usage.csv; it has support" in run.stderr
