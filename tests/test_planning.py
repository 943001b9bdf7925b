"""Spend planning: stored usage, prices and throughput into projections; scenarios; the project CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pricing.__main__ import main
from pricing.planning import service as planning
from pricing.planning.links import decode_scenario, encode_scenario
from pricing.planning.projection import ApiOption, SelfHostOption
from pricing.planning.usage_files import load_usage
from pricing.sizing import OwnershipCosts
from pricing.store import Store

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHEET = "litellm 1.110.2 (bundled)"


def history_file(tmp_path: Path, months: int = 8, growth: float = 0.1) -> Path:
    rows = []
    for m in range(months):
        output = int(1_000_000 * (1 + growth) ** m)
        rows.append(
            {"month": f"2026-{m + 1:02d}", "workload": "support", "requests": 1000 * (m + 1),
             "input_tokens": 3 * output, "output_tokens": output, "cached_input_tokens": output}
        )  # fmt: skip
    path = tmp_path / "usage.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_usage_summary_sums_workloads_and_keeps_ratios(tmp_path: Path) -> None:
    usage = planning.summarise_usage(load_usage(history_file(tmp_path), "usage.csv").monthly)
    assert len(usage.months) == 8 and usage.input_output_ratio == pytest.approx(3.0)
    assert usage.cached_share == pytest.approx(1 / 3)
    assert usage.base_output_tokens == int(1_000_000 * 1.1**7)
    assert planning.fit_labels(usage)[0].startswith("exponential")


def test_options_come_from_the_store(seeded_store: Store) -> None:
    api = planning.api_option(seeded_store, SHEET, "GPT-4o mini", 10.0)
    assert isinstance(api, ApiOption) and api.name == "gpt-4o-mini" and api.usd_per_1m_input == pytest.approx(0.15)
    usd, source = planning.gpu_hourly_price(seeded_store, "H100 SXM")
    assert usd > 0 and "20" in source
    own = planning.self_host_option(
        seeded_store, "llama-3.1-8b-instruct", "H100 SXM", "FP8", OwnershipCosts("reserved", usd), 3.0
    )
    assert isinstance(own, SelfHostOption) and own.plan.gpus_per_replica == 1
    with pytest.raises(LookupError, match="no price for"):
        planning.api_option(seeded_store, SHEET, "no-such-model-xyz", 0.0)


def test_projection_break_even_and_scenario_round_trip(seeded_store: Store, tmp_path: Path) -> None:
    load = load_usage(history_file(tmp_path), "usage.csv")
    upload_id = planning.save_upload(seeded_store, load)
    usage = planning.load_usage_summary(seeded_store, upload_id)
    api = planning.api_option(seeded_store, SHEET, "gpt-4.1", 0.0)
    usd, _ = planning.gpu_hourly_price(seeded_store, "H100 SXM")
    own = planning.self_host_option(
        seeded_store, "llama-3.1-8b-instruct", "H100 SXM", "FP8", OwnershipCosts("reserved", usd), 3.0
    )
    inputs = planning.build_inputs(usage, (api, own), 24, "constant", 0.3)
    outcome = planning.outcome(inputs)
    cumulative = outcome.result.cumulative_usd
    month = outcome.break_even[own.name][api.name]
    assert month is not None
    assert (cumulative[own.name].iloc[month - 1 :] <= cumulative[api.name].iloc[month - 1 :]).all()
    scenario = planning.Scenario("Growth case", inputs, upload_id)
    planning.save_scenario(seeded_store, scenario)
    again = planning.load_scenario(seeded_store, "Growth case")
    assert again.inputs.to_dict() == inputs.to_dict() and again.upload_id == upload_id
    linked = planning.Scenario.from_dict(decode_scenario(encode_scenario(scenario.to_dict())))
    assert planning.outcome(linked.inputs).result.total_usd.equals(outcome.result.total_usd)
    with pytest.raises(LookupError, match="saved scenarios: Growth case"):
        planning.load_scenario(seeded_store, "nope")


def test_monte_carlo_bands_contain_the_expected_path(seeded_store: Store) -> None:
    api = planning.api_option(seeded_store, SHEET, "gpt-4o-mini", 10.0)
    inputs = planning.build_inputs(None, (api,), 18, "constant", 0.05, base_output_tokens=1e9)
    mc = planning.run_monte_carlo(inputs, planning.Uncertainty(n_paths=2000))
    bands = planning.paths_bands(mc, "gpt-4o-mini")
    expected = planning.outcome(inputs).result.monthly_usd["gpt-4o-mini"]
    assert (bands["p10"].to_numpy() <= expected.to_numpy() * 1.0001).all()
    assert (bands["p90"].to_numpy() >= expected.to_numpy() * 0.9999).all()


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command line in this process (FRONTIER_DB points at the test's database)."""
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("app_db")
def test_project_cli_prints_spend_cheapest_and_break_even(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = history_file(tmp_path)
    code, out, err = run_cli(["project", "--usage", str(path), "--months", "18", "--json", "--paths", "500"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["horizon_months"] == 18 and payload["cheapest"] in payload["total_usd"]
    assert all(len(v) == 18 for v in payload["monthly_spend_usd"].values())
    assert payload["growth"].startswith("exponential")
    code, out, err = run_cli(
        ["project", "--usage", str(path), "--api", "gpt-4o-mini", "--self-host", "llama-3.1-8b-instruct@H100 SXM",
         "--paths", "500"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "cheapest over 36 months" in out and "break-even against gpt-4o-mini" in out
    assert "P10/P50/P90" in out and planning.BREAK_EVEN_RULE in out


@pytest.mark.usefixtures("app_db")
@pytest.mark.parametrize(
    "args",
    [
        ["project"],
        ["project", "--usage", "/nonexistent.csv"],
        ["project", "--usage", "tests/fixtures/sheet_bad.csv"],
        ["project", "--usage", "tests/fixtures/usage_monthly_ok.csv", "--api", "no-such-model-xyz"],
        ["project", "--usage", "tests/fixtures/usage_monthly_ok.csv", "--self-host", "llama"],
        ["project", "--usage", "tests/fixtures/usage_monthly_ok.csv", "--scenario", "nope"],
        ["project", "--usage", "tests/fixtures/usage_monthly_ok.csv", "--decline", "fast"],
        ["project", "--usage", "tests/fixtures/usage_monthly_ok.csv", "--decline-spread", "0.5"],
        ["project", "--usage", "tests/fixtures/usage_monthly_ok.csv", "--paths", "0"],
        ["project", "--usage", "tests/fixtures/usage_monthly_ok.csv", "--mix-months", "0"],
    ],
)
def test_project_cli_bad_input_exits_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli([args[0], *(a if not a.startswith("tests/") else str(PROJECT_ROOT / a) for a in args[1:])],
                             capsys)  # fmt: skip
    assert code == 2, out + err
    assert "Traceback" not in err and err.strip()


APP = str(PROJECT_ROOT / "app.py")


@pytest.mark.usefixtures("app_db")
def test_projections_page_manual_volumes_scenarios_and_link() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/projections.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.label.startswith("Cheapest over 36 months") for m in at.metric)
    at.radio(key="proj_horizon").set_value(24).run()
    at.text_input(key="proj_scenario_name").set_value("Base case")
    next(b for b in at.button if b.label == "Save scenario").click().run()
    assert any("Saved 'Base case'" in s.value for s in at.success)
    at.radio(key="proj_horizon").set_value(18).run()
    at.text_input(key="proj_scenario_name").set_value("Short")
    next(b for b in at.button if b.label == "Save scenario").click().run()
    at.multiselect(key="proj_compare").set_value(["Base case", "Short"]).run()
    assert not at.exception
    compare = at.dataframe[-1].value
    assert set(compare.index) == {"Base case", "Short"} and set(compare["horizon (months)"]) == {24, 18}
    # a link (the page's whole address) reproduces a scenario, its assumptions in the inputs
    address = next(c.value for c in at.code if "/projections?s=" in c.value)
    fresh = AppTest.from_file(APP, default_timeout=120)
    fresh.query_params["s"] = parse_qs(urlsplit(address).query)["s"][0]
    fresh.run()
    fresh.switch_page("views/projections.py")
    fresh.run()
    assert not fresh.exception
    assert any("Opened the scenario 'Short'" in i.value for i in fresh.info)
    assert any(m.label == "Cheapest over 18 months" for m in fresh.metric)
    assert fresh.radio(key="proj_horizon").value == 18  # the scenario's horizon, not the page's default


@pytest.mark.usefixtures("app_db")
def test_projections_page_uses_a_kept_upload(tmp_path: Path) -> None:
    store = Store(os.environ["FRONTIER_DB"])
    planning.save_upload(store, load_usage(history_file(tmp_path), "usage.csv"))
    store.close()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/projections.py")
    at.run()
    assert at.selectbox(key="proj_growth_model").value == "constant"  # no history yet: growth set by hand
    at.radio(key="proj_usage_source").set_value("kept").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Fitted to your history" in c.value for c in at.caption)
    # with a history the fitted curve projects, not the hand-set 5% left over from before
    assert at.selectbox(key="proj_growth_model").value == "best"
    at.selectbox(key="proj_growth_model").set_value("exponential").run()
    assert not at.exception
    assert any(m.label == "Cheapest over 36 months" for m in at.metric)
    at.radio(key="proj_usage_source").set_value("kept").run()
    assert at.selectbox(key="proj_growth_model").value == "exponential"  # the user's own choice stays


@pytest.mark.usefixtures("app_db")
def test_projections_page_bought_gpus_take_cost_of_capital() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/projections.py")
    at.run()
    at.selectbox(key="proj_sh_mode").set_value("bought").run()
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="proj_wacc").set_value(12.0).run()
    assert not at.exception
    assert any("capital recovery factor" in c.value for c in at.caption)


@pytest.mark.usefixtures("app_db")
def test_projections_page_asks_for_operations_staff_before_costing_self_hosting() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/projections.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # nothing assumed: self-hosting waits for the staff cost, and the form says what is typical and why
    assert any("operations staff cost" in w.value and "Bureau of Labor Statistics" in w.value for w in at.warning)
    assert any(m.label == "Break-even of self-hosting" and m.value == "no self-hosting option" for m in at.metric)
    at.number_input(key="proj_sh_ops").set_value(3600.0).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("operations staff cost" in w.value for w in at.warning)
    assert any(c.value.startswith("Operations staff: $129,600 over 36 months") for c in at.caption)  # 3,600 x 36
