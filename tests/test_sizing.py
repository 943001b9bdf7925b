"""Self-host sizing: memory, roofline throughput, replicas, ownership costs and the monthly fleet cost."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pricing.cost import WorkloadProfile
from pricing.sizing import (
    GPU_SPECS,
    MEASURED,
    OWN_PROBE,
    ROOFLINE,
    ModelArch,
    OwnershipCosts,
    SelfHostPlan,
    capital_recovery_factor,
    estimate_arch,
    gpu_spec,
    gpus_per_replica,
    known_arch,
    kv_cache_gb,
    normalise_precision,
    plan_from_sizing,
    replica_throughput,
    replicas_needed,
    roofline_output_tokens_per_s,
    self_host_gpus,
    self_host_monthly_cost,
    weights_memory_gb,
)

LLAMA_70B = ModelArch(80, 8, 128)
SECONDS_PER_MONTH = 730 * 3600


def test_gpu_specs_cover_the_asked_gpus_with_sources_and_labelled_prices() -> None:
    assert {"H100 SXM", "H100 PCIe", "H200", "A100 80GB SXM", "L40S", "B200", "GB200", "RTX PRO 6000"} <= set(GPU_SPECS)
    for spec in GPU_SPECS.values():
        assert spec.source.startswith("https://")
        assert "assumption" in spec.purchase_usd_note
    assert gpu_spec("NVIDIA H100 80GB HBM3").name == "H100 SXM"  # any spelling, via canonical_gpu
    with pytest.raises(ValueError, match="no datasheet figures"):
        gpu_spec("TPU v5e")


def test_tflops_fall_back_to_a_wider_format_when_the_gpu_lacks_one() -> None:
    a100 = GPU_SPECS["A100 80GB SXM"]
    assert a100.tflops_for("fp8") == a100.fp16_tflops  # no FP8 tensor cores
    assert GPU_SPECS["H100 SXM"].tflops_for("fp4") == 1979  # FP4 weights run on FP8 maths
    assert GPU_SPECS["B200"].tflops_for("fp4") == 9000


def test_precision_labels_normalise_and_unknown_ones_raise() -> None:
    assert normalise_precision("fp8 TP4 PP1") == "fp8"
    assert normalise_precision("BF16") == "bf16"
    with pytest.raises(ValueError, match="unknown precision"):
        normalise_precision("fp6")
    with pytest.raises(ValueError, match="unknown precision"):
        normalise_precision("  ")


def test_an_8b_model_at_fp16_needs_about_16_gb_of_weights() -> None:
    assert weights_memory_gb(8, "fp16") == pytest.approx(16.0)  # 8e9 parameters x 2 bytes
    assert weights_memory_gb(8, "bf16") == pytest.approx(16.0)
    assert weights_memory_gb(8, "fp8") == pytest.approx(8.0)
    assert weights_memory_gb(8, "int4") == pytest.approx(4.0)
    assert weights_memory_gb(8, "fp4") == pytest.approx(4.0)
    with pytest.raises(ValueError, match="positive"):
        weights_memory_gb(0, "fp16")


def test_kv_cache_is_two_x_layers_x_kv_heads_x_head_dim_x_bytes_per_token() -> None:
    arch = known_arch("meta-llama/Llama-3.1-8B-Instruct")
    assert arch == ModelArch(32, 8, 128)
    per_token = 2 * 32 * 8 * 128 * 2  # 131,072 bytes at FP16
    assert arch.kv_bytes_per_token() == per_token
    assert kv_cache_gb(8192, 4, arch) == pytest.approx(8192 * 4 * per_token / 1e9)
    assert kv_cache_gb(8192, 4, arch, bytes_per_element=1) == pytest.approx(8192 * 4 * per_token / 2e9)
    with pytest.raises(ValueError, match="negative"):
        kv_cache_gb(-1, 1, arch)


def test_known_architectures_and_the_labelled_estimate() -> None:
    assert known_arch("llama-3.3-70b-instruct") == LLAMA_70B
    assert known_arch("Qwen/Qwen2.5-7B-Instruct") == ModelArch(28, 4, 128)
    assert known_arch("qwen2.5-72b") == ModelArch(80, 8, 128)
    assert known_arch("mistralai/Mistral-7B-Instruct-v0.3") == ModelArch(32, 8, 128)
    assert known_arch("some-private-model") is None
    estimate = estimate_arch(8)
    assert estimate.layers == 32 and "estimate" in estimate.source
    assert estimate_arch(405).layers >= 126
    with pytest.raises(ValueError, match="positive"):
        estimate_arch(-1)


def test_an_8b_fp16_model_fits_one_gpu() -> None:
    assert gpus_per_replica(8, "fp16", "H100 SXM", 8192, 16, known_arch("llama-3.1-8b")) == 1


def test_a_70b_fp16_model_needs_four_h100s_with_8k_context_for_16_sequences() -> None:
    # Weights 140 GB + KV 8192 x 16 x 327,680 B = 42.9 GB, + 10% overhead = 201 GB.
    # Usable at 90%: 1 x 80 = 72, 2 x 80 = 144 (too small), 4 x 80 = 288 (fits).
    kv = kv_cache_gb(8192, 16, LLAMA_70B)
    assert kv == pytest.approx(42.95, abs=0.01)
    assert (140 + kv) * 1.1 == pytest.approx(201.2, abs=0.1)
    assert gpus_per_replica(70, "fp16", "H100 SXM", 8192, 16, LLAMA_70B) == 4
    # Even with almost no KV cache, 2 x 80 GB cannot hold 140 GB of weights plus overhead at 90% headroom.
    assert gpus_per_replica(70, "fp16", "H100 SXM", 1024, 1, LLAMA_70B) == 4
    # On 141 GB H200s two are enough (2 x 126.9 = 253.8 GB usable).
    assert gpus_per_replica(70, "fp16", "H200", 8192, 16, LLAMA_70B) == 2
    # At FP8 the weights halve: 70 GB + 42.9 GB KV + 10% = 124 GB -> 2 H100s.
    assert gpus_per_replica(70, "fp8", "H100 SXM", 8192, 16, LLAMA_70B) == 2


def test_a_model_too_big_for_eight_gpus_raises_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"more than 8 x L40S"):
        gpus_per_replica(405, "fp16", "L40S", 8192, 16, known_arch("llama-3.1-405b"))
    with pytest.raises(ValueError, match="headroom"):
        gpus_per_replica(8, "fp16", "H100 SXM", 8192, 1, memory_headroom=0)


def test_roofline_is_memory_bound_at_batch_1_and_compute_bound_at_large_batch() -> None:
    small = roofline_output_tokens_per_s(8, "bf16", "H100 SXM", gpus=1, batch=1)
    # 3350 GB/s x 0.6 / 16 GB of weights per step = 125.6 steps/s x 1 sequence.
    assert small.tokens_per_s == pytest.approx(3350 * 0.6 / 16)
    assert small.bound == "memory" and small.label == ROOFLINE
    large = roofline_output_tokens_per_s(8, "bf16", "H100 SXM", gpus=1, batch=512)
    # 989 TFLOPs x 0.5 / (2 x 8e9 FLOPs per token) = 30,906 tokens/s.
    assert large.tokens_per_s == pytest.approx(989e12 * 0.5 / 16e9)
    assert large.bound == "compute"
    assert large.memory_bound_tokens_per_s > large.compute_bound_tokens_per_s
    two = roofline_output_tokens_per_s(8, "bf16", "H100 SXM", gpus=2, batch=1)
    assert two.tokens_per_s == pytest.approx(2 * small.tokens_per_s)


def test_roofline_reads_the_kv_cache_when_given_a_context() -> None:
    arch = known_arch("llama-3.1-8b")
    assert arch is not None
    with_context = roofline_output_tokens_per_s(8, "bf16", "H100 SXM", 1, 32, context_tokens=8192, arch=arch)
    kv_gb = kv_cache_gb(8192, 32, arch)
    assert with_context.memory_bound_tokens_per_s == pytest.approx(3350 * 0.6 / (16 + kv_gb) * 32)


def test_roofline_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        roofline_output_tokens_per_s(8, "bf16", "H100 SXM", gpus=0, batch=1)
    with pytest.raises(ValueError, match="at least 1"):
        roofline_output_tokens_per_s(8, "bf16", "H100 SXM", gpus=1, batch=0)
    with pytest.raises(ValueError, match="efficiencies"):
        roofline_output_tokens_per_s(8, "bf16", "H100 SXM", 1, 1, bandwidth_efficiency=1.5)


def _measurements() -> pd.DataFrame:
    rows = [
        ("llama-3.1-8b", "H100 80GB HBM3", 1, "fp8", "vLLM", 1000, 1000, "max", 9000.0, "NIM table", "2025-05-01"),
        ("llama-3.1-8b", "H100 SXM", 2, "fp8 TP2", "vLLM", 1000, 1000, "max", 16000.0, "NIM table", "2025-05-01"),
        ("llama-3.1-8b", "H100 SXM", 1, "fp8", "vLLM", 128, 2048, "max", 12000.0, "TRT table", "2025-05-01"),
        ("llama-3.1-8b", "H100 SXM", 1, "bf16", "vLLM", 500, 500, "32", 4000.0, "own probe: my-box", "2026-01-02"),
        ("llama-3.1-8b", "L40S", 1, "fp8", "vLLM", 1000, 1000, "max", 3000.0, "NIM table", "2025-05-01"),
    ]
    columns = [
        "model_id",
        "gpu",
        "gpu_count",
        "precision",
        "engine",
        "input_tokens",
        "output_tokens",
        "concurrency",
        "output_tokens_per_s",
        "source",
        "as_of",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_replica_throughput_prefers_a_measurement_nearest_the_workload_ratio() -> None:
    found = replica_throughput(_measurements(), "llama-3.1-8b", "H100 SXM", "fp8", input_output_ratio=1.0)
    # Two rows at ratio 1: 9000/1 GPU beats 16000/2 GPUs per GPU.
    assert (found.tokens_per_s, found.gpus, found.kind) == (9000.0, 1, MEASURED)
    assert "NIM table" in found.source
    by_ratio = replica_throughput(_measurements(), "llama-3.1-8b", "H100 SXM", "fp8", input_output_ratio=0.06)
    assert by_ratio.tokens_per_s == 12000.0


def test_replica_throughput_labels_own_probes_and_falls_back_to_the_roofline() -> None:
    probe = replica_throughput(_measurements(), "llama-3.1-8b", "H100 SXM", "fp16")
    assert probe.kind == OWN_PROBE and probe.tokens_per_s == 4000.0  # bf16 measurement serves an fp16 request
    fallback = replica_throughput(_measurements(), "llama-3.1-8b", "H200", "fp8", params_b=8, gpus=1, batch=1)
    assert fallback.kind == ROOFLINE
    assert fallback.tokens_per_s == pytest.approx(4800 * 0.6 / 8)
    assert replica_throughput(None, "x", "B200", "fp4", params_b=8).kind == ROOFLINE
    with pytest.raises(ValueError, match="give params_b"):
        replica_throughput(_measurements(), "llama-3.1-8b", "H200", "fp8")


def test_plan_from_sizing_uses_memory_sizing_and_the_best_throughput_source() -> None:
    rented = OwnershipCosts(mode="on-demand", usd_per_gpu_hour=2.5)
    measured = plan_from_sizing("llama-3.1-8b", 8, "fp8", "H100 SXM", rented, measurements=_measurements())
    assert measured.gpus_per_replica == 1 and measured.throughput_source.startswith(MEASURED)
    estimated = plan_from_sizing("llama-3.3-70b", 70, "fp16", "H100 SXM", rented, 8192, 16)
    assert estimated.gpus_per_replica == 4 and estimated.throughput_source.startswith(ROOFLINE)


def test_the_roofline_source_names_its_kind_once() -> None:
    rented = OwnershipCosts(mode="on-demand", usd_per_gpu_hour=2.5)
    estimated = plan_from_sizing("llama-3.3-70b", 70, "fp16", "H100 SXM", rented, 8192, 16)
    assert estimated.throughput_source == "roofline estimate: 4x H100 SXM fp16, batch 16, memory-bound"


def test_qwen3_30b_a3b_at_fp8_fits_one_h100() -> None:
    """About 30 GB of weights at FP8, and a KV cache of 4 KV heads x 48 layers (26 GB for 32 x 8K tokens): one
    80 GB GPU, as it is served in practice; a dense 30B shape (8 KV heads, 52 layers) would have asked for two."""
    arch = known_arch("qwen3-30b-a3b")
    assert arch == ModelArch(48, 4, 128)
    assert kv_cache_gb(8192, 32, arch) == pytest.approx(8192 * 32 * 2 * 48 * 4 * 128 * 2 / 1e9)
    assert gpus_per_replica(30.5, "fp8", "H100 SXM", 8192, 32, arch) == 1
    assert gpus_per_replica(30.5, "fp8", "H100 SXM", 8192, 32, estimate_arch(30.5)) == 2
    rented = OwnershipCosts(mode="on-demand", usd_per_gpu_hour=2.5)
    assert plan_from_sizing("qwen3-30b-a3b", 30.5, "FP8", "H100 SXM", rented).gpus_per_replica == 1


def test_plan_takes_gpus_and_throughput_from_the_same_measurement() -> None:
    rented = OwnershipCosts(mode="on-demand", usd_per_gpu_hour=2.5)
    rows = _measurements()
    two_gpus = rows[rows["gpu_count"] == 2]
    plan = plan_from_sizing("llama-3.1-8b", 8, "fp8", "H100 SXM", rented, measurements=two_gpus, input_output_ratio=1.0)
    # Memory says one GPU is enough; the measurement ran on two, so the replica is two GPUs at its 16,000 tokens/s.
    assert (plan.gpus_per_replica, plan.replica_output_tokens_per_s) == (2, 16000.0)
    assert plan.measurement is not None and plan.measurement.gpu_count == 2
    # A 70B FP16 replica needs 4 H100s by memory; a 2-GPU measurement shows it fits on 2 and sets both figures.
    seventy = pd.DataFrame(
        [("llama-3.3-70b", "H100 SXM", 2, "fp16 TP2", "TRT", 1000, 1000, "max", 3000.0, "TRT table", None)],
        columns=rows.columns,
    )
    measured = plan_from_sizing("llama-3.3-70b", 70, "fp16", "H100 SXM", rented, measurements=seventy)
    assert (measured.gpus_per_replica, measured.replica_output_tokens_per_s) == (2, 3000.0)


def test_equal_ratios_are_told_apart_by_their_lengths() -> None:
    rented = OwnershipCosts(mode="on-demand", usd_per_gpu_hour=2.5)
    rows = pd.DataFrame(
        [
            ("llama-3.1-8b", "H100 SXM", 1, "fp8", "TRT", 5000, 500, "max", 3459.0, "TRT table", None),
            ("llama-3.1-8b", "H100 SXM", 1, "fp8", "TRT", 20000, 2000, "max", 1351.0, "TRT table", None),
        ],
        columns=_measurements().columns,
    )
    long = plan_from_sizing(
        "llama-3.1-8b", 8, "fp8", "H100 SXM", rented, measurements=rows, workload=WorkloadProfile(20000, 2000)
    )
    short = plan_from_sizing(
        "llama-3.1-8b", 8, "fp8", "H100 SXM", rented, measurements=rows, workload=WorkloadProfile(4000, 400)
    )
    assert (long.replica_output_tokens_per_s, short.replica_output_tokens_per_s) == (1351.0, 3459.0)
    assert "20000 in / 2000 out tokens" in long.throughput_source


def test_replicas_are_whole_and_at_least_one() -> None:
    # 2,500 tokens/s x 1.2 headroom / (1,000 x 0.7) = 4.29 -> 5 replicas.
    assert replicas_needed(2500, 1000) == 5
    assert replicas_needed(0, 1000) == 1
    assert replicas_needed(2000, 1000, headroom=0, target_utilisation=1) == 2  # exactly 2, not 3
    assert replicas_needed(2000.5, 1000, headroom=0, target_utilisation=1) == 3


@pytest.mark.parametrize(
    ("peak", "replica", "headroom", "utilisation", "message"),
    [
        (100, 0, 0.2, 0.7, "replica throughput"),
        (100, 10, -0.1, 0.7, "headroom"),
        (100, 10, 0.2, 0.0, "target utilisation"),
        (100, 10, 0.2, 1.1, "target utilisation"),
        (-1, 10, 0.2, 0.7, "negative"),
    ],
)
def test_replicas_needed_rejects_bad_inputs(
    peak: float, replica: float, headroom: float, utilisation: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        replicas_needed(peak, replica, headroom, utilisation)


def test_capital_recovery_factor_known_values() -> None:
    assert capital_recovery_factor(0.08, 5) == pytest.approx(0.25046, abs=5e-6)
    assert capital_recovery_factor(0.10, 3) == pytest.approx(0.40211, abs=5e-6)
    assert capital_recovery_factor(0.0, 4) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="years"):
        capital_recovery_factor(0.08, 0)
    with pytest.raises(ValueError, match="rate"):
        capital_recovery_factor(-1.0, 5)


def test_bought_gpu_costs_annualised_capex_net_of_residual_plus_power() -> None:
    own = OwnershipCosts(
        mode="bought",
        purchase_usd_per_gpu=30_000,
        server_overhead_share=0.25,
        life_years=5,
        residual_value_share=0.1,
        cost_of_capital_per_year=0.08,
        gpu_power_kw=0.7,
        pue=1.3,
        usd_per_kwh=0.12,
    )
    capex = 30_000 * 1.25
    annual = (capex - 0.1 * capex / 1.08**5) * 0.08 * 1.08**5 / (1.08**5 - 1)
    assert own.annualised_capex_usd_per_gpu == pytest.approx(annual)
    assert own.power_usd_per_gpu_month() == pytest.approx(0.7 * 1.3 * 0.12 * 730)
    assert own.usd_per_gpu_month() == pytest.approx(annual / 12 + 0.7 * 1.3 * 0.12 * 730)
    rented = OwnershipCosts(mode="reserved", usd_per_gpu_hour=2.0)
    assert rented.usd_per_gpu_month() == pytest.approx(1460.0)
    assert rented.annualised_capex_usd_per_gpu == 0.0 and rented.power_usd_per_gpu_month() == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "leased", "usd_per_gpu_hour": 1.0}, "unknown ownership mode"),
        ({"mode": "on-demand"}, "positive usd_per_gpu_hour"),
        ({"mode": "bought"}, "positive purchase_usd_per_gpu"),
        ({"mode": "on-demand", "usd_per_gpu_hour": -1.0}, "must not be negative"),
        ({"mode": "bought", "purchase_usd_per_gpu": 1.0, "residual_value_share": 1.5}, "residual value"),
        ({"mode": "bought", "purchase_usd_per_gpu": 1.0, "pue": 0.9}, "PUE"),
        ({"mode": "bought", "purchase_usd_per_gpu": 1.0, "life_years": 0}, "years"),
        ({"mode": "bought", "purchase_usd_per_gpu": 1.0, "capex_timing": "later"}, "capex timing"),
    ],
)
def test_ownership_costs_reject_bad_inputs(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OwnershipCosts(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gpus_per_replica": 0}, "at least one GPU"),
        ({"replica_output_tokens_per_s": 0.0}, "replica throughput"),
        ({"basis": "busy-time"}, "allocation basis"),
        ({"target_utilisation": 0.0}, "target utilisation"),
    ],
)
def test_self_host_plan_rejects_bad_inputs(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "gpu": "H100 SXM",
        "gpus_per_replica": 1,
        "replica_output_tokens_per_s": 1000.0,
        "ownership": OwnershipCosts(usd_per_gpu_hour=2.0),
    }
    with pytest.raises(ValueError, match=message):
        SelfHostPlan(**{**base, **kwargs})  # type: ignore[arg-type]


def _plan(mode: str = "on-demand", gpus_per_replica: int = 2, ops: float = 0.0) -> SelfHostPlan:
    if mode == "bought":
        own = OwnershipCosts(mode="bought", purchase_usd_per_gpu=30_000, ops_usd_per_month=ops)
    else:
        own = OwnershipCosts(mode=mode, usd_per_gpu_hour=2.0, ops_usd_per_month=ops)
    return SelfHostPlan("H100 SXM", gpus_per_replica, 1000.0, own, headroom=0.0, target_utilisation=1.0)


def test_gpus_come_in_whole_units_as_volume_grows() -> None:
    # Average tokens/s of 500, 1000, 1500, 2500 on 1000 tokens/s replicas -> 1, 1, 2, 3 replicas of 2 GPUs.
    volumes = np.array([500, 1000, 1500, 2500]) * SECONDS_PER_MONTH
    gpus = self_host_gpus(volumes, _plan(), peak_to_average=1.0)
    assert gpus.tolist() == [2, 2, 4, 6]
    assert gpus.dtype.kind == "i"
    doubled_peak = self_host_gpus(volumes, _plan(), peak_to_average=2.0)
    assert doubled_peak.tolist() == [2, 4, 6, 10]


def test_on_demand_fleets_shrink_but_committed_fleets_keep_their_peak() -> None:
    volumes = np.array([2500, 500, 500]) * SECONDS_PER_MONTH
    assert self_host_gpus(volumes, _plan("on-demand"), 1.0).tolist() == [6, 2, 2]
    assert self_host_gpus(volumes, _plan("reserved"), 1.0).tolist() == [6, 6, 6]
    assert self_host_gpus(volumes, _plan("bought"), 1.0).tolist() == [6, 6, 6]


def test_self_host_cost_is_gpus_times_monthly_price_on_any_array_shape() -> None:
    volumes = np.array([[500, 1500], [2500, 2500]]) * SECONDS_PER_MONTH
    cost = self_host_monthly_cost(volumes, _plan(ops=1000.0), 1.0)
    assert cost.shape == (2, 2)
    np.testing.assert_allclose(cost, np.array([[2, 4], [6, 6]]) * 2.0 * 730 + 1000.0)
    halved = self_host_monthly_cost(volumes, _plan(), 1.0, gpu_price_multiplier=np.array([1.0, 0.5]))
    np.testing.assert_allclose(halved, np.array([[2, 2], [6, 3]]) * 2.0 * 730)


def test_bought_fleets_ignore_rental_price_falls_and_can_pay_upfront() -> None:
    volumes = np.array([500, 1500, 1500]) * SECONDS_PER_MONTH
    plan = _plan("bought", ops=500.0)
    per_gpu = plan.ownership.usd_per_gpu_month()
    cost = self_host_monthly_cost(volumes, plan, 1.0, gpu_price_multiplier=0.1)
    np.testing.assert_allclose(cost, np.array([2, 4, 4]) * per_gpu + 500.0)
    upfront_plan = SelfHostPlan(
        "H100 SXM",
        2,
        1000.0,
        OwnershipCosts(mode="bought", purchase_usd_per_gpu=30_000, capex_timing="upfront"),
        headroom=0.0,
        target_utilisation=1.0,
    )
    upfront = self_host_monthly_cost(volumes, upfront_plan, 1.0)
    power = upfront_plan.ownership.power_usd_per_gpu_month()
    np.testing.assert_allclose(upfront, np.array([2, 2, 0]) * 37_500 + np.array([2, 4, 4]) * power)


def test_peak_below_average_or_bad_hours_raise() -> None:
    with pytest.raises(ValueError, match="peak-to-average"):
        self_host_gpus(np.array([1e9]), _plan(), peak_to_average=0.5)
    with pytest.raises(ValueError, match="hours"):
        self_host_gpus(np.array([1e9]), _plan(), peak_to_average=1.0, hours_per_month=0)


def test_hours_per_month_sets_the_rental_bill() -> None:
    cost = self_host_monthly_cost(np.array([0.0]), _plan(gpus_per_replica=1), 1.0, hours_per_month=720)
    assert cost[0] == pytest.approx(2.0 * 720)
    assert math.isclose(float(self_host_monthly_cost(np.array([0.0]), _plan(gpus_per_replica=1), 1.0)[0]), 1460.0)
