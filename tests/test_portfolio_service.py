"""Portfolio use cases over the real seeded store: floors files, workloads from usage, candidates, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pricing import portfolio_service as ps
from pricing.candidates import pick_scores
from pricing.portfolio import InfeasibleError, optimise
from pricing.sheets import SheetError
from pricing.store import Store
from tests.conftest import FIXTURES, PROJECT_ROOT

SECONDS = 730 * 3600


def run_cli(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FRONTIER_DB=str(db), LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1")
    return subprocess.run(
        [sys.executable, "-m", "pricing", *args], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=180
    )


def usage_file(tmp_path: Path, chat_output: float = 3e10) -> Path:
    """Two months of two workloads; the latest month is what the optimiser sizes for."""
    path = tmp_path / "usage.csv"
    path.write_text(
        "month,workload,requests,input_tokens,output_tokens\n"
        "2026-09,chat,1000,1000,1000\n"
        f"2026-10,chat,1000,{chat_output * 2:.0f},{chat_output:.0f}\n"
        "2026-10,triage,1000,4000000,1000000\n"
        "2026-09,legacy,10,100,100\n"
    )
    return path


def floors_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "floors.csv"
    path.write_text(text)
    return path


# --- floors file ---------------------------------------------------------------------------------------
def test_read_floors_ok_fixture_and_bytes() -> None:
    path = FIXTURES / "floors_ok.csv"
    floors = ps.read_floors(path, path.name)
    assert floors == {
        "support-bot": ps.FloorSpec(1270.0, None, "arena_elo"),
        "rag-search": ps.FloorSpec(1350.0, None, "arena_elo"),
    }
    assert ps.read_floors(path.read_bytes(), path.name) == floors


def test_read_floors_metric_optional_and_per_row() -> None:
    text = b"Workload,Quality_Floor,Latency_Objective_ms\nchat,1250,800\nbatch,,\n"
    assert ps.read_floors(text, "f.csv") == {
        "chat": ps.FloorSpec(1250.0, 800.0, None),
        "batch": ps.FloorSpec(None, None, None),
    }
    per_row = ps.read_floors(b"workload,metric,quality_floor\na,arena_elo,1200\nb,mmlu_pro,0.7\nc,,\n", "f.csv")
    assert [spec.metric for spec in per_row.values()] == ["arena_elo", "mmlu_pro", None]
    metrics = ps.metrics_by_workload(["a", "b", "c", "d"], per_row, "gpqa_diamond")
    assert metrics == {"a": "arena_elo", "b": "mmlu_pro", "c": "gpqa_diamond", "d": "gpqa_diamond"}


def test_read_floors_reports_file_row_and_column() -> None:
    with pytest.raises(SheetError) as info:
        ps.read_floors(FIXTURES / "floors_bad.csv", "floors_bad.csv")
    assert [(p.row, p.column) for p in info.value.problems] == [(1, "latency_ms")]
    assert "in the floors file" in str(info.value) and "unknown column" in str(info.value)
    bad = b"workload,quality_floor,latency_objective_ms\nchat,high,\n,1200,\nchat,1,\nok,1,-5\n"
    with pytest.raises(ps.FloorsFileError) as info:
        ps.read_floors(bad, "f.csv")
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(2, "quality_floor"), (3, "workload"), (4, "workload"), (5, "latency_objective_ms")]
    assert "'high' is not a number" in str(info.value) and "already given on row 2" in str(info.value)
    with pytest.raises(SheetError, match="required column"):
        ps.read_floors(b"name,quality_floor\nchat,1\n", "f.csv")
    with pytest.raises(SheetError, match="is empty"):
        ps.read_floors(b"", "f.csv")
    with pytest.raises(SheetError, match="no workload rows"):
        ps.read_floors(b"workload,quality_floor\n", "f.csv")
    with pytest.raises(SheetError, match="extension"):
        ps.read_floors(b"workload\nchat\n", "f.txt")


# --- workloads -----------------------------------------------------------------------------------------
def test_workloads_from_usage_takes_the_latest_month() -> None:
    monthly = pd.DataFrame(
        {
            "month": ["2026-09-01", "2026-10-01", "2026-10-01", "2026-09-01"],
            "workload": ["chat", "chat", "chat", "legacy"],
            "input_tokens": [1, 20, 30, 5],
            "output_tokens": [1, 2, 3, 5],
        }
    )
    workloads = ps.workloads_from_usage(monthly, {"chat": (1200.0, 500.0)})
    by_name = {w.name: w for w in workloads}
    assert (by_name["chat"].monthly_input_tokens, by_name["chat"].monthly_output_tokens) == (50, 5)
    assert (by_name["chat"].quality_floor, by_name["chat"].latency_objective_ms) == (1200, 500)
    legacy = by_name["legacy"]  # no traffic in the latest month: zero volume, no floor
    assert (legacy.monthly_output_tokens, legacy.quality_floor, legacy.latency_objective_ms) == (0, None, None)
    with pytest.raises(ValueError, match="does not have: chta"):
        ps.workloads_from_usage(monthly, {"chta": (1.0, None)})
    with pytest.raises(ValueError, match="no rows"):
        ps.workloads_from_usage(monthly.iloc[0:0], {})


# --- candidates ----------------------------------------------------------------------------------------
def test_default_candidates_from_the_seeded_store(seeded_store: Store) -> None:
    cands = ps.candidates_from_store(seeded_store, None, "arena_elo", workloads=["chat"])
    by_name = {c.name: c for c in cands}
    assert {"gpt-4o-mini", "gpt-4.1"} <= set(by_name)
    hosted = [c for c in cands if c.kind == "self-host"]
    assert len(hosted) == 2 and all(c.gpu == "H100 SXM" and c.latency_ms is None for c in hosted)
    assert all(c.usd_per_gpu_month > 0 and c.replica_output_tokens_per_s > 0 for c in hosted)
    picked = pick_scores(seeded_store.scores("arena_elo")).set_index("model_id")["score"]
    assert by_name["gpt-4o-mini"].quality == {"chat": picked["gpt-4o-mini"]}
    assert hosted[0].quality == {"chat": picked["llama-3.1-8b-instruct"]}
    perf = seeded_store.api_performance()
    measured = perf[perf["model_id"] == "gpt-4o-mini"]["ttft_ms"]
    assert by_name["gpt-4o-mini"].latency_ms is not None and measured.min() <= by_name["gpt-4o-mini"].latency_ms
    # one metric and no workload names: one score for every workload
    single = ps.candidates_from_store(seeded_store, None, "arena_elo", api_models=["gpt-4o-mini"], self_host=[])
    assert [c.quality for c in single] == [picked["gpt-4o-mini"]]


def test_per_workload_metrics_and_cascades(seeded_store: Store) -> None:
    cands = ps.candidates_from_store(
        seeded_store,
        None,
        {"chat": "arena_elo", "exam": "mmlu_pro"},
        api_models=["gpt-4o-mini", "gpt-4.1"],
        self_host=[],
        cascades=[("gpt-4o-mini", "gpt-4.1", 0.25)],
    )
    small, large, cascade = cands
    mmlu = pick_scores(seeded_store.scores("mmlu_pro")).set_index("model_id")["score"]
    assert isinstance(large.quality, dict) and large.quality.get("exam") == mmlu.get("gpt-4.1")
    assert cascade.usd_per_1m_input == pytest.approx(small.usd_per_1m_input + 0.25 * large.usd_per_1m_input)
    assert cascade.usd_per_1m_output == pytest.approx(small.usd_per_1m_output + 0.25 * large.usd_per_1m_output)
    assert isinstance(small.quality, dict)
    expected = 0.75 * small.quality["chat"] + 0.25 * large.quality["chat"]
    assert isinstance(cascade.quality, dict) and cascade.quality["chat"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="unknown metric no_such_metric"):
        ps.candidates_from_store(seeded_store, None, "no_such_metric", api_models=["gpt-4o-mini"], self_host=[])
    with pytest.raises(ValueError, match="once"):
        ps.candidates_from_store(seeded_store, None, "arena_elo", api_models=["gpt-4o-mini"] * 2, self_host=[])


def test_store_candidates_optimise_self_host_at_volume_and_api_under_latency(seeded_store: Store) -> None:
    monthly = pd.DataFrame(
        {"month": ["2026-10-01"], "workload": ["chat"], "input_tokens": [6e10], "output_tokens": [3e10]}
    )
    cands = ps.candidates_from_store(seeded_store, None, "arena_elo", workloads=["chat"], input_output_ratio=2.0)
    floor = pick_scores(seeded_store.scores("arena_elo")).set_index("model_id")["score"]["llama-3.1-8b-instruct"]
    result = optimise(ps.workloads_from_usage(monthly, {"chat": (floor, None)}), cands, months=12)
    assert set(result.assignments["kind"]) == {"self-host"} and sum(result.gpus_by_type().values()) >= 1
    assert result.best_single_usd is not None and result.total_usd <= result.best_single_usd + 1e-6
    fast = optimise(ps.workloads_from_usage(monthly, {"chat": (floor, 2000.0)}), cands, months=12)
    assert set(fast.assignments["kind"]) == {"api"} and fast.gpus_by_type() == {}
    with pytest.raises(InfeasibleError, match="latency objective 1 ms"):
        optimise(ps.workloads_from_usage(monthly, {"chat": (None, 1.0)}), cands)


# --- CLI -----------------------------------------------------------------------------------------------
def test_optimise_cli_json_and_text(app_db: Path, tmp_path: Path) -> None:
    usage = usage_file(tmp_path)
    floors = floors_file(
        tmp_path, "workload,metric,quality_floor,latency_objective_ms\nchat,arena_elo,1150,\ntriage,,1300,\n"
    )
    result = run_cli(["optimise", "--usage", str(usage), "--floors", str(floors), "--months", "12", "--json"], app_db)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["horizon_months"] == 12
    shares: dict[str, float] = {}
    for row in payload["assignments"]:
        shares[row["workload"]] = shares.get(row["workload"], 0.0) + row["share"]
    assert shares == pytest.approx({"chat": 1.0, "triage": 1.0, "legacy": 1.0})
    assert payload["gpus_by_type"] and payload["total_usd"] <= payload["best_single_usd"] + 1e-6
    assert payload["saving_vs_best_single_usd"] == pytest.approx(payload["best_single_usd"] - payload["total_usd"])
    text = run_cli(
        ["optimise", "--usage", str(usage), "--floors", str(floors), "--api", "gpt-4o-mini", "--api", "gpt-4.1",
         "--self-host", "llama-3.1-8b-instruct@H100 SXM", "--no-split"],
        app_db,
    )  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "GPUs per type: H100 SXM" in text.stdout and "best single option:" in text.stdout
    assert "total over 36 months" in text.stdout


def test_optimise_cli_bad_input_exits_2(app_db: Path, tmp_path: Path) -> None:
    usage = usage_file(tmp_path)
    missing = run_cli(["optimise", "--usage", str(tmp_path / "nope.csv"), "--floors", str(usage)], app_db)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad = run_cli(["optimise", "--usage", str(usage), "--floors", str(FIXTURES / "floors_bad.csv")], app_db)
    assert bad.returncode == 2 and "row 1, column 'latency_ms'" in bad.stderr
    floors = floors_file(tmp_path, "workload,quality_floor\nchat,9999\n")
    infeasible = run_cli(["optimise", "--usage", str(usage), "--floors", str(floors)], app_db)
    assert infeasible.returncode == 2
    assert "'chat'" in infeasible.stderr and "quality floor 9999" in infeasible.stderr
    cascade = run_cli(["optimise", "--usage", str(usage), "--floors", str(floors), "--cascade", "a,b"], app_db)
    assert cascade.returncode == 2 and "SMALL,LARGE,RATE" in cascade.stderr
