"""One self-hosting cost model on the seeded store: measured setups sized as measured, nearest request lengths,
GPU datasheets from the data file, reserved rates with their sources, and explorer offers that agree with
Spend projections."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pricing.cost import WorkloadProfile
from pricing.gpus import GPU_SPECS, GPU_SPECS_FILE, GpuHourlyPrice, gpu_spec, pick_gpu_price, read_gpu_specs
from pricing.planning import service as planning
from pricing.planning.projection import ProjectionInputs, SelfHostOption, project
from pricing.selfhost import SelfHostSettings, self_hosted_offers
from pricing.sizing import (
    MEASURED,
    OwnershipCosts,
    SelfHostPlan,
    ThroughputMeasurement,
    best_case_usd_per_1m_output,
    gpus_per_replica,
    known_arch,
    plan_from_sizing,
    request_lengths,
    unit_cost,
)
from pricing.store import Store

SECONDS_PER_MONTH = 730 * 3600


def _rows(store: Store, model_id: str, gpu: str, **equal: object) -> pd.DataFrame:
    tp = store.throughput()
    keep = (tp["model_id"] == model_id) & (tp["gpu"] == gpu)
    for column, value in equal.items():
        keep &= tp[column] == value
    return tp[keep]


def _on_demand(store: Store, gpu: str) -> OwnershipCosts:
    usd, _ = planning.gpu_hourly_price(store, gpu)
    return OwnershipCosts(mode="on-demand", usd_per_gpu_hour=usd)


@pytest.mark.parametrize("gpu", ["H100 SXM", "H200"])
def test_70b_fp8_is_costed_on_the_gpus_and_throughput_of_one_measurement(seeded_store: Store, gpu: str) -> None:
    option = planning.self_host_option(
        seeded_store, "llama-3.3-70b-instruct", gpu, "FP8", _on_demand(seeded_store, gpu), 3.0
    )
    plan, measured = option.plan, option.plan.measurement
    assert measured is not None and measured.kind == MEASURED
    assert (plan.gpus_per_replica, plan.replica_output_tokens_per_s) == (
        measured.gpu_count,
        measured.output_tokens_per_s,
    )
    # The pair is one stored row: that many GPUs really served that many tokens/s at those lengths.
    row = _rows(
        seeded_store,
        "llama-3.3-70b-instruct",
        gpu,
        gpu_count=measured.gpu_count,
        input_tokens=measured.input_tokens,
        output_tokens=measured.output_tokens,
        output_tokens_per_s=measured.output_tokens_per_s,
    )
    assert len(row) >= 1
    # Memory alone would ask for 4 H100s (8192 tokens x 32 sequences of KV cache): the measurement overrides it.
    assert gpus_per_replica(70, "fp8", "H100 SXM", 8192, 32, known_arch("llama-3.3-70b")) == 4
    assert plan.gpus_per_replica == (2 if gpu == "H100 SXM" else 1)


def test_a_one_gpu_measurement_is_costed_on_one_gpu(seeded_store: Store) -> None:
    # A 512-in / 256-out workload picks the serving reference measured on a single H100.
    plan = plan_from_sizing(
        "llama-3.3-70b-instruct",
        70,
        "FP8",
        "H100 SXM",
        _on_demand(seeded_store, "H100 SXM"),
        measurements=seeded_store.throughput(),
        workload=WorkloadProfile(512, 256),
    )
    assert plan.measurement is not None and plan.measurement.gpu_count == 1
    assert plan.gpus_per_replica == 1
    assert plan.replica_output_tokens_per_s == plan.measurement.output_tokens_per_s


@pytest.mark.parametrize("model_id", ["llama-3.1-405b-instruct", "llama-4-maverick"])
def test_405b_and_maverick_fp8_on_8_h100_are_accepted_from_nvidias_measurement(
    seeded_store: Store, model_id: str
) -> None:
    params = float(seeded_store.models().set_index("model_id").loc[model_id, "param_count_b"])
    with pytest.raises(ValueError, match=r"more than 8 x H100 SXM"):
        gpus_per_replica(params, "fp8", "H100 SXM", 8192, 32)  # the memory estimate alone refuses it
    option = planning.self_host_option(
        seeded_store, model_id, "H100 SXM", "FP8", _on_demand(seeded_store, "H100 SXM"), 3.0
    )
    measured = option.plan.measurement
    assert measured is not None and measured.gpu_count == 8 and "TensorRT-LLM" in measured.source
    assert option.plan.gpus_per_replica == 8
    assert option.plan.replica_output_tokens_per_s == measured.output_tokens_per_s


def test_a_20000_2000_workload_uses_the_20000_2000_measurement_not_the_faster_5000_500(seeded_store: Store) -> None:
    plan = plan_from_sizing(
        "llama-3.1-8b-instruct",
        8,
        "FP8",
        "H100 SXM",
        _on_demand(seeded_store, "H100 SXM"),
        measurements=seeded_store.throughput(),
        workload=WorkloadProfile(20_000, 2_000),
    )
    measured = plan.measurement
    assert measured is not None
    assert (measured.input_tokens, measured.output_tokens) == (20_000, 2_000)
    assert plan.replica_output_tokens_per_s == 1351.0  # not 3,459 tokens/s at 5000/500, the same 10:1 ratio
    assert "20000 in / 2000 out tokens" in plan.throughput_source and "concurrency max" in plan.throughput_source
    # The same through the planning use case, with the request length given.
    option = planning.self_host_option(
        seeded_store,
        "llama-3.1-8b-instruct",
        "H100 SXM",
        "FP8",
        _on_demand(seeded_store, "H100 SXM"),
        10.0,
        output_tokens_per_request=2_000,
    )
    assert option.plan.replica_output_tokens_per_s == 1351.0


def test_request_lengths_default_to_500_output_tokens_and_the_ratio() -> None:
    assert request_lengths(3.0) == WorkloadProfile(1500, 500)
    assert request_lengths(10.0, 2000) == WorkloadProfile(20_000, 2_000)
    assert request_lengths() == WorkloadProfile(1500, 500)
    assert request_lengths(float("inf"), 100).input_tokens_per_request == 1e8  # output-free: the longest prompt
    with pytest.raises(ValueError, match="ratio must be 0 or more"):
        request_lengths(-1.0)


def test_every_gpu_with_stored_prices_or_throughput_has_datasheet_figures(seeded_store: Store) -> None:
    stored = set(seeded_store.gpu_prices()["gpu"]) | set(seeded_store.throughput()["gpu"])
    assert {"GB200", "RTX PRO 6000"} <= stored
    assert stored <= set(GPU_SPECS), f"no datasheet row for {sorted(stored - set(GPU_SPECS))}"
    for name in stored:
        spec = gpu_spec(name)
        assert spec.source.startswith("https://") and spec.as_of is not None
        assert spec.memory_gb > 0 and spec.memory_bandwidth_gb_s > 0 and spec.board_power_kw > 0
        assert "assumption" in spec.purchase_usd_note


def test_gb200_and_rtx_pro_6000_come_from_the_data_file() -> None:
    from_file = read_gpu_specs()
    assert gpu_spec("GB200") == from_file["GB200"]
    assert gpu_spec("NVIDIA RTX PRO 6000 Blackwell Server Edition") == from_file["RTX PRO 6000"]
    assert gpu_spec("GB200").memory_gb == 186 and gpu_spec("RTX PRO 6000").memory_gb == 96
    assert "uncertain" in gpu_spec("RTX PRO 6000").note  # derived tensor figures are marked as such
    assert gpu_spec("GB200").source == "https://www.nvidia.com/en-us/data-center/gb200-nvl72/"


def test_gb200_and_rtx_pro_6000_measurements_are_costed(seeded_store: Store) -> None:
    offers = self_hosted_offers(seeded_store.throughput(), seeded_store.gpu_prices(), SelfHostSettings(), 3.0)
    llama = offers[offers["model_id"] == "llama-3.3-70b-instruct"].set_index("gpu")
    assert {"GB200", "RTX PRO 6000"} <= set(llama.index)
    assert (llama["usd_per_1m_output"] > 0).all()


def test_a_bad_gpu_specs_row_names_its_line(tmp_path: Path) -> None:
    good = GPU_SPECS_FILE.read_text()
    bad = tmp_path / "gpu_specs.csv"
    bad.write_text(good.replace("H200,141,", "H200,lots,", 1))
    with pytest.raises(ValueError, match=r"gpu_specs.csv line \d+ \(H200\)"):
        read_gpu_specs(bad)
    with pytest.raises(ValueError, match="no datasheet figures for GPU 'TPU v5e'"):
        gpu_spec("TPU v5e")


def test_reserved_mode_uses_a_sourced_reserved_rate_where_one_is_stored(seeded_store: Store) -> None:
    on_demand, _ = planning.gpu_hourly_price(seeded_store, "H100 SXM")
    reserved, source = planning.gpu_hourly_price(seeded_store, "H100 SXM", "reserved")
    assert reserved < on_demand
    assert "reserved" in source and "2026-08-26" in source and "hyperstack.cloud" in source
    option = planning.self_host_option(
        seeded_store,
        "llama-3.3-70b-instruct",
        "H100 SXM",
        "FP8",
        OwnershipCosts(mode="reserved", usd_per_gpu_hour=reserved),
        3.0,
    )
    assert option.plan.gpu_price_type == "reserved" and option.plan.gpu_price_as_of == "2026-08-26"
    assert not option.plan.reserved_at_on_demand_rate and option.name.endswith("(reserved)")


def test_reserved_mode_without_a_reserved_rate_says_it_is_priced_at_on_demand(seeded_store: Store) -> None:
    usd, source = planning.gpu_hourly_price(seeded_store, "GB200", "reserved")
    on_demand, _ = planning.gpu_hourly_price(seeded_store, "GB200")
    assert usd == on_demand and "priced at on-demand, no reserved rate known for GB200" in source
    option = planning.self_host_option(
        seeded_store,
        "llama-3.3-70b-instruct",
        "GB200",
        "FP4",
        OwnershipCosts(mode="reserved", usd_per_gpu_hour=usd),
        3.0,
    )
    assert option.plan.reserved_at_on_demand_rate
    assert "reserved at the on-demand rate" in option.name
    assert "no reserved rate known" in option.plan.gpu_price_source


def test_reserved_gpus_given_the_on_demand_rate_say_a_reserved_rate_exists(seeded_store: Store) -> None:
    option = planning.self_host_option(
        seeded_store, "llama-3.3-70b-instruct", "H100 SXM", "FP8", _on_demand(seeded_store, "H100 SXM"), 3.0
    )
    reserved = OwnershipCosts(mode="reserved", usd_per_gpu_hour=option.plan.ownership.usd_per_gpu_hour)
    given = planning.self_host_option(seeded_store, "llama-3.3-70b-instruct", "H100 SXM", "FP8", reserved, 3.0)
    assert given.plan.reserved_at_on_demand_rate
    assert "a reserved rate is stored" in given.plan.gpu_price_source


def test_a_price_typed_by_hand_is_labelled_set_by_you(seeded_store: Store) -> None:
    option = planning.self_host_option(
        seeded_store,
        "llama-3.1-8b-instruct",
        "H100 SXM",
        "FP8",
        OwnershipCosts(mode="on-demand", usd_per_gpu_hour=1.23),
        3.0,
    )
    assert option.plan.gpu_price_type == "set by you"
    assert option.plan.gpu_price_source == "$1.23/GPU-hour, set by you"


def test_pick_gpu_price_prefers_the_wanted_kind_then_falls_back_and_says_so() -> None:
    prices = pd.DataFrame(
        [
            ("H100 SXM", "A", "on-demand", 3.0, "2026-09-01", "a"),
            ("H100 SXM", "B", "reserved", 2.0, "2026-08-01", "b"),
            ("H100 SXM", "C", "reserved", 2.5, "2026-09-01", "c"),
            ("L40S", "D", "on-demand", 1.0, None, "d"),
            ("GH200", "E", "marketplace", 1.5, "2025-11-16", "e"),
            ("GH200", "F", "spot", 0.5, "2026-01-01", "f"),
        ],
        columns=["gpu", "provider", "price_type", "usd_per_gpu_hour", "as_of", "source"],
    )
    latest_reserved = pick_gpu_price(prices, "H100 80GB HBM3", "reserved")
    assert (latest_reserved.usd_per_gpu_hour, latest_reserved.provider, latest_reserved.fell_back) == (2.5, "C", False)
    fallback = pick_gpu_price(prices, "L40S", "reserved")
    assert fallback.price_type == "on-demand" and fallback.fell_back and fallback.as_of is None
    assert "undated" in fallback.describe() and "no reserved rate known for L40S" in fallback.describe()
    market = pick_gpu_price(prices, "GH200", "on-demand")
    assert market.price_type == "marketplace"  # a spot rate never stands in for an on-demand one
    with pytest.raises(ValueError, match="no stored on-demand hourly price for B200"):
        pick_gpu_price(prices, "B200")
    with pytest.raises(ValueError, match="unknown GPU price type"):
        pick_gpu_price(prices, "H100 SXM", "bought")


@pytest.mark.parametrize("volume", [1e9, 4e10])
def test_explorer_offers_carry_realistic_and_best_case_and_agree_with_projections(
    seeded_store: Store, volume: float
) -> None:
    settings = SelfHostSettings(utilisation=0.7, monthly_output_tokens=volume, peak_to_average=2.0, headroom=0.2)
    offers = self_hosted_offers(seeded_store.throughput(), seeded_store.gpu_prices(), settings, 3.0)
    offer = offers.set_index(["model_id", "gpu"]).loc[("llama-3.3-70b-instruct", "H100 SXM")]
    option = planning.self_host_option(
        seeded_store, "llama-3.3-70b-instruct", "H100 SXM", "FP8", _on_demand(seeded_store, "H100 SXM"), 3.0
    )
    inputs = ProjectionInputs(options=(option,), horizon_months=3, base_output_tokens_per_month=volume)
    month_1 = float(project(inputs).monthly_usd[option.name].iloc[0])
    assert offer["usd_per_1m_output"] == pytest.approx(month_1 / volume * 1e6)  # the projection's own figure
    assert offer["usd_per_1m_output_realistic"] == offer["usd_per_1m_output"]
    assert offer["cost_figure"] == "realistic"
    # Best case: every GPU busy at 70% of the measured throughput, by hand from the offer's own columns.
    best = offer["usd_per_gpu_hour"] * offer["gpu_count"] / (offer["output_tokens_per_s"] * 3600 * 0.7) * 1e6
    assert offer["usd_per_1m_output_best_case"] == pytest.approx(best)
    assert offer["usd_per_1m_output_best_case"] <= offer["usd_per_1m_output"]
    # Whole replicas for the peak hour with 20% headroom at 70% target utilisation.
    peak = volume / SECONDS_PER_MONTH * 2.0
    replicas = max(1, -(-peak * 1.2 // (offer["output_tokens_per_s"] * 0.7)))
    assert offer["gpus_held"] == replicas * offer["gpu_count"]
    # The measurement is named with its lengths, concurrency, source and date, and is the projection's.
    measured = option.plan.measurement
    assert measured is not None
    assert (offer["measured_input_tokens"], offer["measured_output_tokens"]) == (
        measured.input_tokens,
        measured.output_tokens,
    )
    assert offer["measured_concurrency"] == "max" and offer["measurement"] == measured.describe()
    assert "TensorRT-LLM" in offer["measurement_source"]
    for words in ("peak hour 2x the average", "20% headroom", "70% target utilisation", "output tokens a month"):
        assert words in offer["cost_assumptions"]
    assert offer["gpu_price_source"] == option.plan.gpu_price_source


def test_unit_cost_arithmetic_and_the_gap_between_realistic_and_best_case() -> None:
    plan = SelfHostPlan(
        "H100 SXM", 2, 4000.0, OwnershipCosts(usd_per_gpu_hour=3.0), headroom=0.2, target_utilisation=0.7
    )
    assert best_case_usd_per_1m_output(plan) == pytest.approx(3.0 * 2 / (4000 * 3600 * 0.7) * 1e6)
    # 1e10 tokens a month: 3,805 tokens/s average, 7,610 at the peak, x 1.2 / (4,000 x 0.7) = 3.26 -> 4 replicas.
    cost = unit_cost(plan, 1e10, 2.0)
    assert cost.replicas == 4 and cost.gpus == 8
    assert cost.usd_per_1m_output == pytest.approx(8 * 3.0 * 730 / 1e10 * 1e6)
    assert cost.average_utilisation == pytest.approx(1e10 / SECONDS_PER_MONTH / (4 * 4000))
    # With a flat load, no headroom and a volume that fills whole replicas, realistic meets the best case.
    flat = SelfHostPlan(
        "H100 SXM", 2, 4000.0, OwnershipCosts(usd_per_gpu_hour=3.0), headroom=0.0, target_utilisation=0.7
    )
    full = 3 * 4000 * 0.7 * SECONDS_PER_MONTH
    assert unit_cost(flat, full, 1.0).usd_per_1m_output == pytest.approx(best_case_usd_per_1m_output(flat))
    with pytest.raises(ValueError, match="monthly output tokens must be positive"):
        unit_cost(plan, 0.0)


def test_plan_provenance_survives_the_json_round_trip(seeded_store: Store) -> None:
    reserved, _ = planning.gpu_hourly_price(seeded_store, "H100 SXM", "reserved")
    option = planning.self_host_option(
        seeded_store,
        "llama-3.3-70b-instruct",
        "H100 SXM",
        "FP8",
        OwnershipCosts(mode="reserved", usd_per_gpu_hour=reserved),
        3.0,
    )
    inputs = ProjectionInputs(options=(option,), horizon_months=12)
    again = ProjectionInputs.from_dict(json.loads(json.dumps(inputs.to_dict())))
    assert again == inputs
    plan = again.options[0].plan  # type: ignore[union-attr]
    assert isinstance(plan.measurement, ThroughputMeasurement)
    assert plan.gpu_price_type == "reserved" and plan.gpu_price_as_of == "2026-08-26"
    assert plan.headroom == 0.2 and plan.target_utilisation == 0.7


def test_scenarios_saved_before_plans_named_their_measurement_still_load() -> None:
    old = {
        "options": [
            {
                "type": "self-host",
                "name": "own",
                "plan": {
                    "gpu": "H100 SXM",
                    "gpus_per_replica": 4,
                    "replica_output_tokens_per_s": 2100.0,
                    "ownership": {"mode": "reserved", "usd_per_gpu_hour": 3.16},
                    "headroom": 0.2,
                    "target_utilisation": 0.7,
                    "throughput_source": "measured: old label",
                    "basis": "allocation",
                },
                "gpu_price_decline_factor_per_year": 0.0,
            }
        ],
        "horizon_months": 12,
    }
    inputs = ProjectionInputs.from_dict(old)
    option = inputs.options[0]
    assert isinstance(option, SelfHostOption)
    assert option.plan.measurement is None and option.plan.gpu_price_source == ""
    assert not option.plan.reserved_at_on_demand_rate  # unknown provenance is not claimed either way


def test_gpu_hourly_price_describes_its_source_and_date() -> None:
    price = GpuHourlyPrice("H100 SXM", 3.16, "on-demand", "reserved", "GIX index", "GIX", "2026-09-08")
    assert price.describe() == (
        "$3.16/GPU-hour, GIX index on-demand, 2026-09-08 (GIX); "
        "priced at on-demand, no reserved rate known for H100 SXM"
    )
