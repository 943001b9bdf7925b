"""Portfolio use cases over the real seeded store: floors files, workloads from usage, candidates, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evals.loopback import LoopbackConfig, LoopbackServer
from pricing.candidates import pick_scores
from pricing.planning import service as planning
from pricing.portfolio import service as ps
from pricing.portfolio.evidence import measured_cascade
from pricing.portfolio.optimiser import InfeasibleError, assignment_usd, optimise
from pricing.sheets import SheetError
from pricing.store import Store
from tests.conftest import FIXTURES, CliCall
from tests.test_probe_evidence import probe, write_suite

SECONDS = 730 * 3600


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


def test_read_floors_latency_metric_and_current() -> None:
    text = b"workload,quality_floor,latency_objective_ms,latency_metric,current\nchat,1200,3000,E2E,gpt-4o\nbulk,,,,\n"
    floors = ps.read_floors(text, "floors.csv")
    assert floors["chat"] == ps.FloorSpec(1200.0, 3000.0, None, "e2e", "gpt-4o")
    assert floors["bulk"] == ps.FloorSpec(None, None, None, "ttft", None)
    assert ps.current_assignment(floors, ["chat", "bulk"]) is None  # bulk has none: no comparison
    assert ps.current_assignment(floors, ["chat"]) == {"chat": "gpt-4o"}
    with pytest.raises(SheetError) as caught:
        ps.read_floors(b"workload,latency_metric\nchat,p99\n", "floors.csv")
    assert "floors.csv, row 2, column 'latency_metric': 'p99' is not a latency metric" in str(caught.value)


def test_growth_constant_and_fitted_per_workload() -> None:
    months = pd.date_range("2026-01-01", periods=6, freq="MS")
    monthly = pd.DataFrame(
        {
            "month": list(months) * 2,
            "workload": ["grows"] * 6 + ["steady"] * 6,
            "requests": [100] * 12,
            "input_tokens": [1e6 * 1.1**i for i in range(6)] + [1e6] * 6,
            "output_tokens": [2e5 * 1.1**i for i in range(6)] + [2e5] * 6,
        }
    )
    flat = {w.name: w for w in ps.workloads_from_usage(monthly, {}, months=12)}
    assert flat["grows"].volume_multipliers == () and flat["grows"].output_tokens_per_request == pytest.approx(
        2e5 * 1.1**5 / 100
    )
    constant = ps.workloads_from_usage(monthly, {}, 12, ps.Growth(monthly_growth=0.05))
    assert constant[0].volume_multipliers == pytest.approx(tuple(1.05**m for m in range(1, 13)))
    fitted = {w.name: w for w in ps.workloads_from_usage(monthly, {}, 12, ps.Growth(model="exponential"))}
    assert fitted["grows"].volume_multipliers[:3] == pytest.approx((1.1, 1.21, 1.331), rel=1e-3)
    assert fitted["steady"].volume_multipliers in ((), pytest.approx((1.0,) * 12, rel=1e-3))
    notes = ps.growth_notes(monthly, 12, ps.Growth(model="best"))
    assert notes["grows"].startswith("fitted ")
    short = ps.growth_notes(monthly[monthly["month"] >= "2026-04-01"], 12, ps.Growth(model="best"))
    assert "needs 5+ months" in short["grows"]
    with pytest.raises(ValueError, match="unknown growth model"):
        ps.Growth(model="quadratic")


def test_default_candidates_from_the_seeded_store(seeded_store: Store) -> None:
    defaults = ps.candidates_from_store(seeded_store, None, "arena_elo", workloads=["chat"])
    # API options default to the same two as the Projections page and `project` (see test_projection_decisions)
    expected = [d.model_key for d in planning.default_api_models(seeded_store, None, "arena_elo")]
    assert [c.name for c in defaults if c.kind == "api"] == expected
    cands = ps.candidates_from_store(seeded_store, None, "arena_elo", ["gpt-4o-mini", "gpt-4.1"], workloads=["chat"])
    by_name = {c.name: c for c in cands}
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
    api = ["gpt-4o-mini", "gpt-4.1", "claude-sonnet-4-5"]  # named: this test is about volume, not the defaults
    cands = ps.candidates_from_store(seeded_store, None, "arena_elo", api, workloads=["chat"], input_output_ratio=2.0)
    floor = pick_scores(seeded_store.scores("arena_elo")).set_index("model_id")["score"]["llama-3.1-8b-instruct"]
    result = optimise(ps.workloads_from_usage(monthly, {"chat": (floor, None)}), cands, months=12)
    assert set(result.assignments["kind"]) == {"self-host"} and sum(result.gpus_by_type().values()) >= 1
    assert result.best_single_usd is not None and result.total_usd <= result.best_single_usd + 1e-6
    fast = optimise(ps.workloads_from_usage(monthly, {"chat": (floor, 2000.0)}), cands, months=12)
    assert set(fast.assignments["kind"]) == {"api"} and fast.gpus_by_type() == {}
    with pytest.raises(InfeasibleError, match="latency objective 1 ms"):
        optimise(ps.workloads_from_usage(monthly, {"chat": (None, 1.0)}), cands)


def test_plan_compares_with_the_current_assignment(seeded_store: Store) -> None:
    monthly = pd.DataFrame(
        {
            "month": ["2026-10-01"] * 2,
            "workload": ["chat", "triage"],
            "requests": [1e5, 1e5],
            "input_tokens": [4e9, 1e9],
            "output_tokens": [1e9, 2e8],
            "cached_input_tokens": [0, 0],
        }
    )
    floors = {
        "chat": ps.FloorSpec(1200.0, None, current="gpt-4o"),
        "triage": ps.FloorSpec(None, None, current="gpt-4.1"),
    }
    request = ps.PortfolioRequest(
        monthly,
        floors,
        months=12,
        api_models=["gpt-4o-mini", "gpt-4.1"],
        self_host=[],
        growth=ps.Growth(monthly_growth=0.03),
    )
    plan = ps.plan_portfolio(seeded_store, request)
    names = [c.name for c in plan.candidates]
    assert "gpt-4o" in names  # today's model is priced from the same sheet and offered too
    assert plan.current == {"chat": "gpt-4o", "triage": "gpt-4.1"}
    expected = assignment_usd(list(plan.workloads), list(plan.candidates), plan.current, 12)
    assert plan.result.current_usd == pytest.approx(expected)
    assert plan.result.saving_vs_current_usd == pytest.approx(expected - plan.result.total_usd)
    assert plan.result.saving_vs_current_usd is not None and plan.result.saving_vs_current_usd >= 0
    with pytest.raises(ValueError, match="current option 'no-such-model' of workload 'chat'"):
        ps.plan_portfolio(
            seeded_store,
            ps.PortfolioRequest(monthly, {**floors, "chat": ps.FloorSpec(None, None, current="no-such-model")}),
        )


@pytest.fixture()
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer(LoopbackConfig(output_tokens=4)) as srv:
        yield srv


def test_measured_cascade_and_self_host_latency_feed_the_plan(
    seeded_store: Store, loopback: LoopbackServer, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path, "tiny")
    small = probe(seeded_store, loopback, "mini", "gpt-4o-mini", suite, correct=("alpha", "bravo", "charlie"))
    large = probe(seeded_store, loopback, "big", "gpt-4.1", suite, correct=("alpha", "bravo", "delta", "echo"))
    probe(seeded_store, loopback, "own-8b", "llama-3.1-8b-instruct", suite, correct=(), gpu="H100 SXM")
    measured = measured_cascade(seeded_store, small, large)
    assert measured.escalation_rate == pytest.approx(0.4) and measured.cascade_score == pytest.approx(100.0)
    monthly = pd.DataFrame(
        {
            "month": ["2026-10-01"],
            "workload": ["chat"],
            "requests": [1e4],
            "input_tokens": [1e8],
            "output_tokens": [1e7],
            "cached_input_tokens": [0],
        }
    )
    request = ps.PortfolioRequest(
        monthly,
        {"chat": ps.FloorSpec(90.0, None, metric="own:tiny")},
        months=12,
        api_models=["gpt-4o-mini", "gpt-4.1"],
        self_host=[("llama-3.1-8b-instruct", "H100 SXM", "FP8", "on-demand")],
        cascades=[("gpt-4o-mini", "gpt-4.1", measured)],
    )
    plan = ps.plan_portfolio(seeded_store, request)
    cascade = next(c for c in plan.candidates if c.cascade is not None)
    assert cascade.quality_for("chat") == pytest.approx(100.0)  # measured, not the formula (which gives 72)
    assert "measured on suite tiny (5 items" in cascade.source
    assert plan.result.assignments["candidate"].tolist() == [cascade.name]  # only the cascade reaches 90%
    own = next(c for c in plan.candidates if c.kind == "self-host")
    requests = seeded_store.run_requests(seeded_store.runs().query("endpoint_name == 'own-8b'")["run_id"].iloc[0])
    ttft = requests[(requests["phase"] == "measure") & requests["error_type"].isna()]["ttft_ms"]
    assert own.latency_ms == pytest.approx(float(np.percentile(ttft, 90)))
    assert "own probe" in own.source
    # an API model we probed ourselves (no GPU on the endpoint): our p90 replaces the published figure
    mini = next(c for c in plan.candidates if c.name == "gpt-4o-mini")
    answers = seeded_store.run_requests(small)
    answers = answers[(answers["phase"] == "measure") & answers["error_type"].isna()]
    assert mini.latency_ms == pytest.approx(float(np.percentile(answers["ttft_ms"], 90)))
    assert f"own probe {small}" in mini.source


@pytest.mark.usefixtures("app_db")
def test_optimise_cli_json_and_text(pricing_cli: CliCall, tmp_path: Path) -> None:
    usage = usage_file(tmp_path)
    floors = floors_file(
        tmp_path, "workload,metric,quality_floor,latency_objective_ms\nchat,arena_elo,1150,\ntriage,,1300,\n"
    )
    named = ["--api", "gpt-4o-mini", "--api", "gpt-4.1", "--api", "claude-sonnet-4-5"]  # the volume, not the defaults
    result = pricing_cli(
        ["optimise", "--usage", str(usage), "--floors", str(floors), "--months", "12", "--json", *named]
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["horizon_months"] == 12
    shares: dict[str, float] = {}
    for row in payload["assignments"]:
        shares[row["workload"]] = shares.get(row["workload"], 0.0) + row["share"]
    assert shares == pytest.approx({"chat": 1.0, "triage": 1.0, "legacy": 1.0})
    assert payload["gpus_by_type"] and payload["total_usd"] <= payload["best_single_usd"] + 1e-6
    assert payload["saving_vs_best_single_usd"] == pytest.approx(payload["best_single_usd"] - payload["total_usd"])
    assert any("operations staff not given, so counted as $0" in note for note in payload["notes"])
    staffed = pricing_cli(
        ["optimise", "--usage", str(usage), "--floors", str(floors), "--months", "12", "--json", *named,
         "--ops-usd-per-month", "3000"]
    )  # fmt: skip
    assert staffed.returncode == 0, staffed.stderr
    with_staff = json.loads(staffed.stdout)
    # the people are paid once anything is self-hosted: the optimum rises by at most their 12 months' cost
    assert payload["total_usd"] - 1e-6 <= with_staff["total_usd"] <= payload["total_usd"] + 12 * 3000 + 1e-6
    assert any("operations staff $3,000 a month once any workload is self-hosted" in n for n in with_staff["notes"])
    text = pricing_cli(
        ["optimise", "--usage", str(usage), "--floors", str(floors), "--api", "gpt-4o-mini", "--api", "gpt-4.1",
         "--self-host", "llama-3.1-8b-instruct@H100 SXM", "--no-split"])  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "GPUs per type (peak): H100 SXM" in text.stdout and "best single option" in text.stdout
    assert "total over 36 months" in text.stdout


@pytest.mark.usefixtures("app_db")
def test_optimise_cli_bad_input_exits_2(pricing_cli: CliCall, tmp_path: Path) -> None:
    usage = usage_file(tmp_path)
    missing = pricing_cli(["optimise", "--usage", str(tmp_path / "nope.csv"), "--floors", str(usage)])
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad = pricing_cli(["optimise", "--usage", str(usage), "--floors", str(FIXTURES / "floors_bad.csv")])
    assert bad.returncode == 2 and "row 1, column 'latency_ms'" in bad.stderr
    floors = floors_file(tmp_path, "workload,quality_floor\nchat,9999\n")
    infeasible = pricing_cli(["optimise", "--usage", str(usage), "--floors", str(floors)])
    assert infeasible.returncode == 2
    assert "'chat'" in infeasible.stderr and "quality floor 9999" in infeasible.stderr
    cascade = pricing_cli(["optimise", "--usage", str(usage), "--floors", str(floors), "--cascade", "a,b"])
    assert cascade.returncode == 2 and "SMALL,LARGE,RATE" in cascade.stderr


def test_optimise_pdf_and_scenario_report_with_a_portfolio(app_db: Path, pricing_cli: CliCall, tmp_path: Path) -> None:
    from pricing.planning import service as planning
    from pricing.planning.usage_files import load_usage
    from tests.test_report import pdf_text

    usage = usage_file(tmp_path)
    floors = floors_file(
        tmp_path, "workload,quality_floor,current\nchat,1150,gpt-4.1\ntriage,,gpt-4.1\nlegacy,,gpt-4.1\n"
    )
    out = tmp_path / "portfolio.pdf"
    result = pricing_cli(
        ["optimise", "--usage", str(usage), "--floors", str(floors), "--months", "12", "--json", "--pdf", str(out)]
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Model portfolio" in text and f"${payload['total_usd']:,.0f}" in text
    assert payload["current_usd"] is not None and f"${payload['current_usd']:,.0f}" in text
    # the scenario report gains the portfolio section from the scenario's own usage upload
    store = Store(app_db)
    upload = planning.save_upload(store, load_usage(usage, "usage.csv"))
    options = (planning.api_option(store, "litellm 1.110.2 (bundled)", "gpt-4o-mini", 0.0),)
    inputs = planning.build_inputs(planning.load_usage_summary(store, upload), options, 12, "constant", 0.0)
    planning.save_scenario(store, planning.Scenario("With usage", inputs, upload_id=upload))
    store.close()
    report = tmp_path / "scenario.pdf"
    done = pricing_cli(["report", "--scenario", "With usage", "--floors", str(floors), "--out", str(report)])
    assert done.returncode == 0, done.stderr
    assert "Portfolio" in pdf_text(report.read_bytes(), tmp_path)
    bad = pricing_cli(
        ["report", "--scenario", "With usage", "--floors", str(tmp_path / "nope.csv"), "--out", str(report)]
    )
    assert bad.returncode == 2 and "no such file (--floors)" in bad.stderr


def test_portfolio_section_is_the_plan_as_the_reports_section(seeded_store: Store) -> None:
    monthly = pd.DataFrame(
        {
            "month": ["2026-10-01", "2026-10-01"],
            "workload": ["chat", "triage"],
            "requests": [1e4, 1e3],
            "input_tokens": [3e8, 4e6],
            "output_tokens": [1e8, 1e6],
            "cached_input_tokens": [0, 0],
        }
    )
    request = ps.PortfolioRequest(
        monthly,
        {"chat": ps.FloorSpec(None, None), "triage": ps.FloorSpec(1200.0, None)},
        months=12,
        api_models=["gpt-4o-mini", "gpt-4.1"],
        self_host=[],
    )
    section = ps.portfolio_section(seeded_store, request)
    plan = ps.plan_portfolio(seeded_store, request)
    assert section.curve_workload == "triage"  # the first workload with a floor
    assert section.result.total_usd == pytest.approx(plan.result.total_usd)
    assert section.floor_curve is not None and section.floor_curve.equals(ps.plan_floor_curve(plan, "triage"))
    assert ps.portfolio_section(seeded_store, request, "chat").curve_workload == "chat"
