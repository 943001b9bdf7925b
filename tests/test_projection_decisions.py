"""Projections a CTO can defend, on the seeded store: Monte Carlo bands centred on the scenario, flat list prices
by default, the latest month's mix, savings and months ahead beside break-even, one set of default API options
for the command line, the Projections page and the Portfolio, and `project --json/--save` for scripts.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pricing import service
from pricing.__main__ import main
from pricing.planning import service as planning
from pricing.planning.projection import (
    ApiOption,
    HybridOption,
    Option,
    ProjectionInputs,
    SelfHostOption,
    growth_shift_tco,
    scaled_volume,
)
from pricing.planning.usage_files import load_usage
from pricing.portfolio import service as portfolio_service
from pricing.sizing import OwnershipCosts, SelfHostPlan
from pricing.store import Store

SHEET = "litellm 1.110.2 (bundled)"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = str(PROJECT_ROOT / "app.py")


def usage_frame(months: int = 8, growth: float = 0.06, last_ratio: float | None = None) -> pd.DataFrame:
    """Monthly usage of one workload: 3 input tokens per output token, no cache; the last month may differ."""
    rows = []
    for m in range(months):
        output = round(1e9 * (1 + growth) ** m)  # usage files hold whole tokens
        ratio, cached = (last_ratio, 0.5) if last_ratio is not None and m == months - 1 else (3.0, 0.0)
        rows.append(
            {"month": f"2026-{m + 1:02d}", "workload": "support", "requests": output // 400,
             "input_tokens": round(ratio * output), "output_tokens": output,
             "cached_input_tokens": round(cached * ratio * output)}
        )  # fmt: skip
    return pd.DataFrame(rows)


def usage_csv(tmp_path: Path, frame: pd.DataFrame, name: str = "usage.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command line in this process, against the test's database (FRONTIER_DB, set by `app_db`)."""
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def option_kinds(store: Store) -> tuple[Option, ...]:
    """API (flat and falling), self-hosted (reserved, on-demand with falling GPU prices, bought) and a hybrid."""
    usd, _ = planning.gpu_hourly_price(store, "H100 SXM")
    flat = planning.api_option(store, SHEET, "gpt-4o-mini")
    falling = planning.api_option(store, SHEET, "gpt-4.1", planning.capability_decline().value_per_year)
    reserved = planning.self_host_option(
        store, "llama-3.1-8b-instruct", "H100 SXM", "FP8", OwnershipCosts("reserved", usd), 3.0
    )
    on_demand = planning.self_host_option(
        store, "llama-3.3-70b-instruct", "H100 SXM", "FP8", OwnershipCosts("on-demand", usd), 3.0,
        gpu_price_decline_per_year=1.3,
    )  # fmt: skip
    bought = planning.self_host_option(
        store, "llama-3.1-8b-instruct", "H100 SXM", "FP8",
        OwnershipCosts("bought", purchase_usd_per_gpu=30_000.0), 3.0, name="bought llama-3.1-8b",
    )  # fmt: skip
    hybrid = HybridOption("hybrid 60% self-hosted", ((reserved.name, 0.6), (falling.name, 0.4)))
    return flat, falling, reserved, on_demand, bought, hybrid


def scenario_inputs(store: Store, growth: str) -> ProjectionInputs:
    options = option_kinds(store)
    if growth == "constant":
        return planning.build_inputs(None, options, 36, "constant", 0.04, base_output_tokens=3e9)
    return planning.build_inputs(planning.summarise_usage(usage_frame()), options, 36, "best")


@pytest.mark.parametrize("growth", ["constant", "fitted"])
def test_the_plan_lies_within_p10_p90_for_every_kind_of_option(seeded_store: Store, growth: str) -> None:
    inputs = scenario_inputs(seeded_store, growth)
    assert (inputs.growth_model == "constant") == (growth == "constant")
    plan = planning.outcome(inputs).result
    mc = planning.run_monte_carlo(inputs, planning.Uncertainty(n_paths=4000, seed=1))
    for name in plan.monthly_usd.columns:
        bands = planning.paths_bands(mc, name)
        month = plan.monthly_usd[name]
        assert (bands["p10"] <= month * (1 + 1e-9)).all() and (month <= bands["p90"] * (1 + 1e-9)).all(), name
        total = plan.total_usd[name]
        assert mc.tco.loc[name, "p10"] <= total * (1 + 1e-9) and total <= mc.tco.loc[name, "p90"] * (1 + 1e-9), name
        # centred: the median total is the plan's, to within the draws' noise and whole GPUs
        assert mc.tco.loc[name, "p50"] == pytest.approx(total, rel=0.08), name


@pytest.mark.parametrize("decline", ["flat", "capability"])
def test_api_bands_are_centred_on_the_plan_flat_or_falling(seeded_store: Store, decline: str) -> None:
    # The audit's case: gpt-4o-mini at its flat list price, 36 months. The old draws replaced the scenario's
    # decline by 2x-20x a year and left the plan far above P90; centred draws put it at the median.
    rate = planning.default_api_decline() if decline == "flat" else planning.capability_decline()
    api = planning.api_option(seeded_store, SHEET, "gpt-4o-mini", rate.value_per_year)
    inputs = planning.build_inputs(None, (api,), 36, "constant", 0.05, base_output_tokens=2e9)
    plan = planning.outcome(inputs).result.monthly_usd["gpt-4o-mini"]
    bands = planning.paths_bands(planning.run_monte_carlo(inputs, planning.Uncertainty()), "gpt-4o-mini")
    np.testing.assert_allclose(bands["p50"], plan, rtol=0.05)
    assert (bands["p10"] < plan).all() and (plan < bands["p90"]).all()
    # symmetric in log space: P90 is about as far above the plan as P10 is below it
    last = bands.iloc[-1]
    assert last["p90"] / plan.iloc[-1] == pytest.approx(plan.iloc[-1] / last["p10"], rel=0.15)


def test_spreads_are_the_users_and_are_kept_with_the_scenario(seeded_store: Store) -> None:
    api = planning.api_option(seeded_store, SHEET, "gpt-4o-mini")
    inputs = planning.build_inputs(None, (api,), 24, "constant", 0.03, base_output_tokens=1e9)
    narrow = planning.Uncertainty(growth_spread_per_month=0.005, api_decline_spread=1.1, n_paths=2000)
    wide = dataclasses.replace(narrow, growth_spread_per_month=0.04, api_decline_spread=3.0)
    width = {}
    for label, spread in (("narrow", narrow), ("wide", wide)):
        band = planning.run_monte_carlo(inputs, spread).tco.loc["gpt-4o-mini"]
        width[label] = band["p90"] / band["p10"]
    assert 1 < width["narrow"] < width["wide"]
    certain = planning.Uncertainty(0.0, 1.0, 1.0, 1.0, n_paths=50)
    band = planning.run_monte_carlo(inputs, certain).tco.loc["gpt-4o-mini"]
    assert band["p10"] == pytest.approx(band["p90"]) == pytest.approx(planning.outcome(inputs).result.total_usd.iloc[0])
    described = dict(wide.describe())
    assert "4.0%" in described["Monthly volume growth"] and "up to 3" in described["API price decline"]
    planning.save_scenario(seeded_store, planning.Scenario("Wide", inputs, uncertainty=wide))
    assert planning.load_scenario(seeded_store, "Wide").uncertainty == wide
    with pytest.raises(ValueError, match="at least 1|from 1"):
        planning.Uncertainty(api_decline_spread=0.5)


def test_a_scenario_saved_with_the_old_uncentred_spread_still_opens() -> None:
    inputs = ProjectionInputs((ApiOption("api", 0.2, 0.6),))
    old = {
        "name": "2025 case",
        "inputs": inputs.to_dict(),
        "uncertainty": {
            "monthly_growth_sd": 0.02, "api_decline_low_per_year": 2.0, "api_decline_high_per_year": 20.0,
            "peak_to_average_low": 1.5, "peak_to_average_high": 3.0, "n_paths": 500, "seed": 3,
        },
    }  # fmt: skip
    scenario = planning.Scenario.from_dict(old)
    assert scenario.uncertainty == planning.Uncertainty(n_paths=500, seed=3)
    assert scenario.mix_window is None and scenario.notes == ()
    with pytest.raises(ValueError, match="unknown uncertainty fields: colour"):
        planning.Scenario.from_dict({**old, "uncertainty": {"colour": "red"}})


def test_named_api_models_default_to_their_flat_list_price() -> None:
    flat = planning.default_api_decline()
    assert flat.value_per_year == 0 and "list price" in flat.source
    models, changed, raised = planning.list_price_changes()
    assert models > 100 and 0 < raised <= changed < models / 5  # list prices rarely move, and not only down
    choices = planning.decline_rates()
    assert choices[0] == flat
    capability = choices[1]
    assert capability.value_per_year == 10 and "re-chosen each year" in capability.source
    assert "a16z" in capability.source and "Epoch" in capability.source and capability.source_url.startswith("https")
    assert planning.describe_decline(0.0) == flat.source and planning.describe_decline(10.0) == capability.source


def test_month_one_is_priced_with_the_latest_months_mix(seeded_store: Store) -> None:
    frame = usage_frame(months=6, growth=0.0, last_ratio=5.0)  # 3:1 and no cache, then 5:1 with half cached
    usage = planning.summarise_usage(frame)
    assert usage.input_output_ratio == pytest.approx(5.0) and usage.cached_share == pytest.approx(0.5)
    assert usage.history_input_output_ratio == pytest.approx((5 * 3 + 5) / 6)
    assert usage.mix_window == "2026-06, the latest month"
    two = planning.summarise_usage(frame, mix_months=2)
    assert two.input_output_ratio == pytest.approx(4.0) and two.mix_window.startswith("2026-05 to 2026-06")
    api = planning.api_option(seeded_store, SHEET, "gpt-4o-mini")
    inputs = planning.build_inputs(usage, (api,), 12, "constant", 0.0)
    month_1 = planning.outcome(inputs).result.monthly_usd["gpt-4o-mini"].iloc[0]
    cached_price = api.usd_per_1m_cached_input or api.usd_per_1m_input
    expected = 1e9 * (5 * 0.5 * api.usd_per_1m_input + 5 * 0.5 * cached_price + api.usd_per_1m_output) / 1e6
    assert month_1 == pytest.approx(expected)


def fleet_ahead_34_of_36(store: Store) -> tuple[ProjectionInputs, float]:
    """A reserved fleet against gpt-4.1 falling 10x a year, with the volume where it leads 34 of 36 months."""
    api = planning.api_option(store, SHEET, "gpt-4.1", planning.capability_decline().value_per_year)
    usd, _ = planning.gpu_hourly_price(store, "H100 SXM", "reserved")  # as the CLI prices a reserved fleet
    own = planning.self_host_option(
        store, "llama-3.1-8b-instruct", "H100 SXM", "FP8", OwnershipCosts("reserved", usd), 3.0
    )

    def inputs_at(volume: float) -> ProjectionInputs:
        return planning.build_inputs(None, (api, own), 36, "constant", 0.05, base_output_tokens=volume)

    low, high = 1e6, 1e13  # more volume favours the fleet: bisect for the least that leads 34 months
    for _ in range(80):
        middle = (low * high) ** 0.5
        ahead = planning.outcome(inputs_at(middle)).head_to_head[own.name][api.name].months_ahead
        low, high = (low, middle) if len(ahead) >= 34 else (middle, high)
    return inputs_at(high), high


def test_a_fleet_ahead_for_34_of_36_months_reports_its_saving_and_lead(seeded_store: Store) -> None:
    inputs, _ = fleet_ahead_34_of_36(seeded_store)
    outcome = planning.outcome(inputs)
    own, api = inputs.options[1].name, inputs.options[0].name
    h = outcome.head_to_head[own][api]
    assert h.months_ahead == tuple(range(1, 35)) and h.break_even_month is None
    totals = outcome.result.total_usd
    assert h.saving_usd == pytest.approx(totals[api] - totals[own]) and h.saving_usd < 0
    text = planning.head_to_head_text(h)
    assert "no break-even" in text and f"costs ${-h.saving_usd:,.0f} more" in text
    assert "ahead on cumulative spend at the end of 34 of 36 months (months 1-34)" in text
    row = planning.head_to_head_rows(outcome)[0]
    assert row["months_ahead"] == 34 and row["months_ahead_ranges"] == "1-34" and row["break_even_month"] is None


def test_default_api_options_come_from_the_store_and_say_why(seeded_store: Store) -> None:
    defaults = planning.default_api_models(seeded_store, SHEET)
    assert len(defaults) == 2 and [d.role for d in defaults] == ["like-for-like", "frontier"]
    like, top = defaults
    scores = seeded_store.scores("arena_elo")
    anchor = scores[scores["model_id"] == planning.DEFAULT_SELF_HOST_MODEL]
    assert not anchor.empty and like.quality >= float(anchor["score"].min())
    assert top.quality >= like.quality and "gpt-4o-mini" not in (like.model_key, top.model_key)
    for d in defaults:
        assert "Arena" in d.reason and "$" in d.reason and SHEET in d.reason
        option = planning.api_option(seeded_store, SHEET, d.model_key)
        assert option.usd_per_1m_input > 0 and option.usd_per_1m_output > 0  # never a free tier
    # the portfolio starts from the same options
    candidates = portfolio_service.candidates_from_store(seeded_store, None, "arena_elo", self_host=[])
    assert [c.name for c in candidates] == [d.model_key for d in defaults]
    # a sheet whose models carry no score on the metric has no default to offer: it says so
    service.upload_price_sheet(
        seeded_store, "Private", "private.csv", b"model,usd_per_1m_input,usd_per_1m_output\nacme-private,1,2\n"
    )
    with pytest.raises(LookupError, match="name the API options"):
        planning.default_api_models(seeded_store, "Private")


@pytest.mark.usefixtures("app_db")
def test_cli_page_and_portfolio_agree_on_the_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(os.environ["FRONTIER_DB"])
    expected = [d.model_key for d in planning.default_api_models(store, SHEET)]
    planning.save_upload(store, load_usage(PROJECT_ROOT / "tests" / "fixtures" / "usage_monthly_ok.csv", "u.csv"))
    store.close()
    path = usage_csv(tmp_path, usage_frame())
    code, out, err = run_cli(["project", "--usage", str(path), "--json", "--paths", "200"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert list(payload["api_price_decline"]) == expected
    assert all(v["factor_per_year"] == 0 and "list price" in v["source"] for v in payload["api_price_decline"].values())
    assert sum("(default): the cheapest API offer" in note for note in payload["notes"]) == 1
    code, out, err = run_cli(["project", "--usage", str(path), "--paths", "200"], capsys)
    assert code == 0 and "(default): the best-scoring API offer" in out
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("views/projections.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="proj_api_models").value == expected
    assert at.selectbox(key="proj_decline").value == 0  # the flat list price
    assert any("Default API options" in c.value and "the cheapest API offer" in c.value for c in at.caption)
    at.switch_page("views/portfolio.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # the portfolio asks for a floor before it shows options: give every workload one
    at.session_state["portfolio_floors"] = {
        "edited_rows": {0: {"quality_floor": 1200.0}, 1: {"quality_floor": 1200.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="portfolio_api").value == expected
    assert at.selectbox(key="portfolio_decline").value == 0


@pytest.mark.usefixtures("app_db")
def test_project_json_holds_bands_and_self_host_details(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = usage_csv(tmp_path, usage_frame())
    args = ["project", "--usage", str(path), "--api", "gpt-4o-mini", "--self-host", "llama-3.3-70b-instruct@H100 SXM",
            "--growth", "constant", "--monthly-growth", "0.05", "--json", "--paths", "2000", "--seed", "4"]  # fmt: skip
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    payload = json.loads(out)
    bands = payload["bands"]
    assert bands["n_paths"] == 2000 and bands["seed"] == 4
    for name, spend in payload["monthly_spend_usd"].items():
        band = bands["monthly_usd"][name]
        assert all(len(band[q]) == 36 for q in ("p10", "p50", "p90"))
        assert all(lo <= plan * (1 + 1e-9) and plan <= hi * (1 + 1e-9)
                   for lo, plan, hi in zip(band["p10"], spend, band["p90"], strict=True)), name  # fmt: skip
        assert bands["total_usd"][name]["p10"] <= payload["total_usd"][name] <= bands["total_usd"][name]["p90"]
    assert (
        payload["uncertainty"]["api_decline_spread"] == 1.5
        and "Monthly volume growth" in payload["uncertainty"]["draws"]
    )
    (name, fleet), = payload["self_host"].items()  # fmt: skip
    assert fleet["gpu"] == "H100 SXM" and fleet["usd_per_gpu_hour"] > 0 and fleet["usd_per_gpu_hour_source"]
    assert fleet["throughput_source"] and 0 < fleet["target_utilisation"] <= 1 and fleet["headroom"] >= 0
    assert {f.name for f in dataclasses.fields(SelfHostPlan)} <= set(fleet["plan"])  # every field the plan carries
    hours = fleet["hours_per_month"]
    for month, spend in zip(fleet["months"], payload["monthly_spend_usd"][name], strict=True):
        assert month["gpus"] == month["replicas"] * fleet["gpus_per_replica"] and month["gpus"] >= 1
        redone = month["gpus"] * month["usd_per_gpu_hour"] * hours + month["capex_usd"] + month["ops_usd"]
        assert redone == pytest.approx(spend) == pytest.approx(month["spend_usd"])
        assert month["utilisation_at_peak"] <= fleet["target_utilisation"] / (1 + fleet["headroom"]) + 1e-9
        assert month["peak_output_tokens_per_s"] == pytest.approx(month["average_output_tokens_per_s"] * 2.0)
    assert payload["volume_mix"]["window"] == "2026-08, the latest month"
    rows = payload["head_to_head"]
    assert rows and {"saving_usd", "months_ahead", "months_cheaper", "summary"} <= set(rows[0])
    assert payload["break_even_rule"] == planning.BREAK_EVEN_RULE
    # the same seed gives the same bands; another seed, others
    assert json.loads(run_cli(args, capsys)[1])["bands"] == bands
    other = json.loads(run_cli([*args[:-1], "5"], capsys)[1])["bands"]
    assert other["monthly_usd"] != bands["monthly_usd"]


@pytest.mark.usefixtures("app_db")
def test_project_counts_operations_staff_given_and_says_when_none_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The page asks for the people who run a fleet; the command line counted $0 without a word.
    path = usage_csv(tmp_path, usage_frame())
    args = ["project", "--usage", str(path), "--api", "gpt-4o-mini", "--self-host", "llama-3.1-8b-instruct@H100 SXM",
            "--growth", "constant", "--json", "--paths", "200"]  # fmt: skip
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    without = json.loads(out)
    code, out, err = run_cli([*args, "--ops-usd-per-month", "3000"], capsys)
    assert code == 0, err
    staffed = json.loads(out)
    (name,) = staffed["self_host"]
    assert staffed["total_usd"][name] == pytest.approx(without["total_usd"][name] + 36 * 3000)
    assert all(month["ops_usd"] == 3000 for month in staffed["self_host"][name]["months"])
    assert staffed["total_usd"]["gpt-4o-mini"] == without["total_usd"]["gpt-4o-mini"]
    code, out, err = run_cli(args[:-3], capsys)  # the printed projection says the staff were not given
    assert code == 0, err
    assert "Operations staff not given (--ops-usd-per-month)" in out and "a quarter of one engineer" in out
    code, out, err = run_cli([*args[:-3], "--ops-usd-per-month", "3000"], capsys)
    assert "Operations staff not given" not in out


@pytest.mark.usefixtures("app_db")
def test_project_save_then_report_scenario_without_the_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("pdftotext") is None:  # pragma: no cover - depends on the machine
        pytest.fail("pdftotext not found: run `apt-get install poppler-utils`", pytrace=False)
    store = Store(os.environ["FRONTIER_DB"])
    inputs, volume = fleet_ahead_34_of_36(store)
    store.close()
    whole = math.ceil(volume)  # whole tokens; a little more volume only helps the fleet
    flat = pd.DataFrame(
        {"month": ["2026-10"], "workload": ["chat"], "requests": [whole // 400], "input_tokens": [3 * whole],
         "output_tokens": [whole], "cached_input_tokens": [0]}
    )  # fmt: skip
    path = usage_csv(tmp_path, flat)
    args = ["project", "--usage", str(path), "--api", "gpt-4.1", "--self-host", "llama-3.1-8b-instruct@H100 SXM",
            "--growth", "constant", "--monthly-growth", "0.05", "--decline", "capability", "--paths", "800",
            "--growth-spread", "0.01", "--save", "Monthly report"]  # fmt: skip
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert "has no break-even against gpt-4.1 within 36 months: over the 36 months it costs $" in out
    assert "ahead on cumulative spend at the end of 34 of 36 months (months 1-34)" in out
    assert "Saved scenario 'Monthly report'" in out
    store = Store(os.environ["FRONTIER_DB"])
    saved = planning.load_scenario(store, "Monthly report")
    store_uploads = store.usage_uploads()
    store.close()
    assert saved.upload_id in set(store_uploads["upload_id"])  # the usage file is kept with it
    assert saved.uncertainty.n_paths == 800 and saved.uncertainty.growth_spread_per_month == 0.01
    assert saved.inputs.growth_model == "constant" and saved.inputs.monthly_growth == 0.05
    assert saved.inputs.base_output_tokens_per_month == pytest.approx(inputs.base_output_tokens_per_month)
    assert saved.mix_window == "2026-10, the latest month"
    # the saved scenario projects again the same, and reports without the app
    code, out, err = run_cli(["project", "--scenario", "Monthly report", "--json"], capsys)
    assert code == 0, err
    again = json.loads(out)
    assert again["bands"]["n_paths"] == 800
    assert again["total_usd"] == pytest.approx(planning.outcome(saved.inputs).result.total_usd.to_dict())
    pdf = tmp_path / "report.pdf"
    code, out, err = run_cli(["report", "--scenario", "Monthly report", "--out", str(pdf)], capsys)
    assert code == 0, err
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True).stdout.decode().split()
    )
    assert "no break-even" in text and "34 of 36 (1-34)" in text and "re-chosen each year" in text
    assert "Monte Carlo, Monthly volume growth" in text and "x/÷ up to 1.5" in text


def test_sensitivity_moves_a_flat_price_both_ways(seeded_store: Store) -> None:
    inputs = scenario_inputs(seeded_store, "constant")
    own = next(o for o in inputs.options if isinstance(o, SelfHostOption))
    frame = planning.sensitivity(inputs, own.name, "gpt-4o-mini").set_index("input")
    low, high = frame.loc["gpt-4o-mini.price_decline_factor_per_year", ["low_value", "high_value"]]
    assert (low, high) == (0.5, 2.0)  # a flat list price (1x a year) may rise as well as fall


@pytest.mark.parametrize("growth", ["constant", "fitted"])
def test_sensitivity_moves_every_months_volume_under_any_growth_model(seeded_store: Store, growth: str) -> None:
    # A fitted curve ignores the base volume: moving only that drew an empty "volume" bar, as if volume did not matter.
    inputs = scenario_inputs(seeded_store, growth)
    own = next(o for o in inputs.options if isinstance(o, SelfHostOption))
    row = planning.sensitivity(inputs, own.name, "gpt-4o-mini").set_index("input").loc["volume_scale"]
    base = planning.outcome(inputs).result.total_usd["gpt-4o-mini"]
    doubled = planning.outcome(scaled_volume(inputs, 2.0)).result
    assert doubled.total_usd["gpt-4o-mini"] == pytest.approx(2 * base, rel=1e-9)  # an API bills every token
    assert row["swing"] > 0 and row["tco_low"] != row["tco_high"]
    assert np.allclose(scaled_volume(inputs, 2.0).output_tokens(), 2 * inputs.output_tokens(), rtol=1e-6)


def test_sensitivity_of_a_fitted_curve_moves_growth_on_top_of_the_curve(seeded_store: Store) -> None:
    # A fitted curve has no rate to set, so the growth row was dropped: growth, often the widest swing, went unsaid.
    inputs = scenario_inputs(seeded_store, "fitted")
    own = next(o for o in inputs.options if isinstance(o, SelfHostOption))
    plan = planning.outcome(inputs).result.total_usd
    for name in plan.index:  # no shift is the plan itself, self-hosted fleets included
        assert growth_shift_tco(inputs, 0.0, name) == pytest.approx(plan[name], rel=1e-9), name
    frame = planning.sensitivity(inputs, own.name, "gpt-4o-mini").set_index("input")
    assert "monthly_growth" not in frame.index
    row = frame.loc["growth_shift"]
    assert row["label"] == "Monthly growth beyond the fitted curve"
    assert (row["low_text"], row["high_text"]) == ("-3 points a month", "+3 points a month")
    assert row["swing"] > 0
    api_low = growth_shift_tco(inputs, -0.03, "gpt-4o-mini")
    api_high = growth_shift_tco(inputs, 0.03, "gpt-4o-mini")
    assert api_low < plan["gpt-4o-mini"] < api_high


def test_a_named_free_tier_is_labelled_and_a_bare_name_says_which_offer(seeded_store: Store) -> None:
    free = planning.api_option(seeded_store, SHEET, "gemini/gemma-3-27b-it")
    assert free.name == "gemini/gemma-3-27b-it (free tier, $0)" and free.usd_per_1m_output == 0
    paid = planning.api_option(seeded_store, SHEET, "gemma-3-27b-it")
    assert paid.name == "deepinfra/google/gemma-3-27b-it" and paid.usd_per_1m_output > 0
    assert "via deepinfra (reseller)" in paid.source and "free tier offer at $0 passed over" in paid.source


@pytest.mark.usefixtures("app_db")
def test_project_prices_a_reserved_fleet_at_a_stored_reserved_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flat = pd.DataFrame(
        {"month": ["2026-10"], "workload": ["chat"], "requests": [2_000_000], "input_tokens": [3_000_000_000],
         "output_tokens": [1_000_000_000], "cached_input_tokens": [0]}
    )  # fmt: skip
    path = usage_csv(tmp_path, flat)
    base = ["project", "--usage", str(path), "--api", "gpt-4o-mini", "--self-host", "llama-3.1-8b-instruct@H100 SXM"]
    rates = {}
    for mode in ("reserved", "on-demand"):
        code, out, err = run_cli([*base, "--mode", mode, "--months", "12", "--json", "--paths", "200"], capsys)
        assert code == 0, err
        (detail,) = json.loads(out)["self_host"].values()
        rates[mode] = (detail["usd_per_gpu_hour"], detail["usd_per_gpu_hour_source"])
    assert rates["reserved"][0] < rates["on-demand"][0]
    assert "reserved" in rates["reserved"][1] and "on-demand" in rates["on-demand"][1]
