"""Portfolio optimiser: milp answers against brute force, infeasible and degenerate cases, cascade maths by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from benchmarks.portfolio_bench import growing
from benchmarks.portfolio_brute import brute_force, brute_force_months, brute_force_split
from pricing.planning.projection import ApiOption, SelfHostOption
from pricing.portfolio.optimiser import (
    OPS_STAFF,
    Candidate,
    CascadeSpec,
    InfeasibleError,
    Workload,
    assignment_usd,
    cascade_candidate,
    floor_curve,
    optimise,
)
from pricing.sizing import OwnershipCosts, SelfHostPlan

SECONDS = 730 * 3600  # a month at the default 730 hours


def _random_instance(seed: int) -> tuple[list[Workload], list[Candidate]]:
    rng = np.random.default_rng(seed)
    names = [f"w{i}" for i in range(3)]
    workloads = [
        Workload(
            n,
            float(rng.uniform(0, 2e9)),
            float(rng.uniform(0, 1e9)),
            float(rng.choice([0.5, 0.7, 0.8])) if rng.random() < 0.7 else None,
            float(rng.choice([500, 1000, 3000])) if rng.random() < 0.4 else None,
        )
        for n in names
    ]
    candidates = [
        Candidate(
            f"api{k}",
            "api",
            usd_per_1m_input=float(rng.uniform(0.05, 3)),
            usd_per_1m_output=float(rng.uniform(0.2, 15)),
            quality={n: float(rng.uniform(0.4, 1)) for n in names},
            latency_ms=float(rng.uniform(200, 2000)),
        )
        for k in range(2)
    ] + [
        Candidate(
            f"own{k}",
            "self-host",
            gpu="H100",
            replica_output_tokens_per_s=float(rng.uniform(200, 800)),
            gpus_per_replica=int(rng.integers(1, 3)),
            usd_per_gpu_month=float(rng.uniform(500, 2500)),
            quality=float(rng.uniform(0.6, 0.95)),
            latency_ms=float(rng.uniform(200, 2000)),
        )
        for k in range(2)
    ]
    # the last API model always qualifies, so every instance is feasible
    candidates.append(Candidate("frontier", "api", 5.0, 20.0, quality=1.0, latency_ms=100.0))
    return workloads, candidates


@pytest.mark.parametrize("seed", range(25))
def test_binary_mode_matches_brute_force(seed: int) -> None:
    workloads, candidates = _random_instance(seed)
    result = optimise(workloads, candidates, months=3, allow_split=False)
    assert result.total_usd == pytest.approx(brute_force(workloads, candidates, months=3), rel=1e-9, abs=1e-9)
    assert set(result.assignments["share"]) <= {1.0}
    assert result.assignments.groupby("workload")["share"].sum().tolist() == [1.0] * len(workloads)
    assert result.assignments["monthly_usd"].sum() == pytest.approx(result.monthly_usd)


@pytest.mark.parametrize("seed", range(12))
def test_operations_staff_are_paid_once_anything_is_self_hosted_as_brute_force_finds(seed: int) -> None:
    workloads, candidates = _random_instance(seed)
    free = optimise(workloads, candidates, months=3, allow_split=False)
    for ops in (0.0, 2_000.0, 50_000.0):
        result = optimise(workloads, candidates, months=3, allow_split=False, ops_usd_per_month=ops)
        expected = brute_force(workloads, candidates, months=3, ops_usd_per_month=ops)
        assert result.total_usd == pytest.approx(expected, rel=1e-9, abs=1e-9), ops
        assert result.total_usd >= free.total_usd - 1e-9  # people never make a portfolio cheaper
        self_hosted = (result.assignments["kind"] == "self-host").any()
        staff = result.spend_by_option.get(OPS_STAFF)
        assert (staff is not None and ops > 0) == (self_hosted and ops > 0)
        if staff is not None:
            assert staff.tolist() == [ops] * 3
        assert result.assignments["monthly_usd"].sum() == pytest.approx(result.monthly_usd)
        hosts = [c.name for c in candidates if c.kind == "self-host"]
        single = {w.name: hosts[0] for w in workloads}
        with_staff = assignment_usd(workloads, candidates, single, 3, ops_usd_per_month=ops)
        assert with_staff == pytest.approx(assignment_usd(workloads, candidates, single, 3) + 3 * ops)


def test_staff_tip_a_small_fleet_back_to_the_api() -> None:
    w = Workload("chat", 3e9, 1e9)
    api = Candidate("api", "api", usd_per_1m_input=0.1, usd_per_1m_output=0.4, quality=0.8)  # $700 a month
    own = Candidate(
        "own", "self-host", gpu="H100", replica_output_tokens_per_s=2000.0, gpus_per_replica=1,
        usd_per_gpu_month=500.0, quality=0.8,
    )  # fmt: skip
    assert optimise([w], [api, own], months=12).assignments["candidate"].tolist() == ["own"]
    staffed = optimise([w], [api, own], months=12, ops_usd_per_month=3_604.0)
    assert staffed.assignments["candidate"].tolist() == ["api"]
    assert staffed.total_usd == pytest.approx(12 * 700.0)
    assert staffed.best_single_option == "api"


@pytest.mark.parametrize("seed", range(10))
def test_split_mode_matches_brute_force_and_never_costs_more(seed: int) -> None:
    workloads, candidates = _random_instance(seed)
    split = optimise(workloads, candidates, allow_split=True)
    assert split.total_usd == pytest.approx(brute_force_split(workloads, candidates), rel=1e-7, abs=1e-6)
    assert split.total_usd <= optimise(workloads, candidates, allow_split=False).total_usd + 1e-6
    assert split.best_single_usd is not None and split.total_usd <= split.best_single_usd + 1e-6


def test_random_instances_exercise_fleets_and_splits() -> None:
    results = [optimise(*_random_instance(seed)) for seed in range(10)]
    assert any(not r.fleet.empty for r in results)  # some optima self-host
    assert any(((r.assignments["share"] > 1e-6) & (r.assignments["share"] < 1 - 1e-6)).any() for r in results)


def test_split_versus_no_split_by_hand() -> None:
    # 150 tok/s at peak (peak-to-average 1); a replica carries 100 tok/s for $1000/month; the API charges $6/1M out.
    work = [Workload("chat", 0, 150 * SECONDS)]
    api = Candidate("api", "api", 0, 6.0, quality=1.0)
    own = Candidate(
        "own", "self-host", gpu="L40S", replica_output_tokens_per_s=100, usd_per_gpu_month=1000, quality=1.0
    )
    api_usd = 150 * SECONDS / 1e6 * 6  # 2365.2
    binary = optimise(work, [api, own], allow_split=False, peak_to_average=1)
    assert binary.total_usd == pytest.approx(2000)  # two replicas beat the API
    split = optimise(work, [api, own], allow_split=True, peak_to_average=1)
    assert split.total_usd == pytest.approx(1000 + api_usd / 3)  # one full replica, a third on the API
    shares = dict(zip(split.assignments["candidate"], split.assignments["share"], strict=True))
    assert shares == pytest.approx({"own": 2 / 3, "api": 1 / 3})
    assert split.fleet["replicas"].tolist() == [1] and split.gpus_by_type() == {"L40S": 1}
    assert split.best_single_option == "own" and split.best_single_usd == pytest.approx(2000)


def test_workloads_share_replicas() -> None:
    own = Candidate("own", "self-host", gpu="H100", replica_output_tokens_per_s=100, gpus_per_replica=2,
                    usd_per_gpu_month=500, quality=0.9)  # fmt: skip
    work = [Workload("a", 0, 40 * SECONDS), Workload("b", 0, 60 * SECONDS)]
    result = optimise(work, [own], peak_to_average=1)
    assert result.fleet["replicas"].tolist() == [1] and result.fleet["gpus"].tolist() == [2]
    assert result.total_usd == pytest.approx(1000)
    costs = dict(zip(result.assignments["workload"], result.assignments["monthly_usd"], strict=True))
    assert costs == pytest.approx({"a": 400, "b": 600})  # fleet cost split by load


def test_all_options_fail_a_floor_names_the_workload() -> None:
    cands = [Candidate("small", "api", 0.1, 0.4, quality=0.6), Candidate("mid", "api", 1, 4, quality={"easy": 0.9})]
    work = [Workload("easy", 1e6, 1e6, 0.5), Workload("legal review", 1e6, 1e6, 0.95)]
    with pytest.raises(InfeasibleError, match=r"'legal review'.*quality floor 0\.95.*best available 0\.6 from 'small'"):
        optimise(work, cands)
    with pytest.raises(InfeasibleError) as info:
        optimise(work, cands)
    assert "'easy'" not in str(info.value)


def test_latency_and_combined_infeasibility_are_explained() -> None:
    fast = Candidate("fast", "api", 0.1, 0.4, quality=0.6, latency_ms=150)
    slow = Candidate("slow", "api", 1, 4, quality=0.9, latency_ms=900)
    with pytest.raises(InfeasibleError, match=r"'voice'.*latency objective 100 ms.*fastest 150 ms from 'fast'"):
        optimise([Workload("voice", 1, 1, None, 100)], [fast, slow])
    with pytest.raises(InfeasibleError, match=r"'search'.*both.*floor met by slow.*objective met by fast"):
        optimise([Workload("search", 1, 1, 0.8, 500)], [fast, slow])
    unknown = Candidate("unmeasured", "api", 0.1, 0.1, quality=1.0)  # no latency figure fails any objective
    with pytest.raises(InfeasibleError, match="no candidate has a latency"):
        optimise([Workload("voice", 1, 1, None, 100)], [unknown])


def test_one_option() -> None:
    only = Candidate("only", "api", 2.0, 8.0, quality=0.7)
    result = optimise([Workload("w", 3e6, 1e6)], [only], months=12)
    assert result.total_usd == pytest.approx((3 * 2 + 8) * 12)
    assert result.monthly_usd == pytest.approx(14)
    assert result.best_single_option == "only" and result.saving_vs_best_single_usd == pytest.approx(0)


def test_zero_volume() -> None:
    own = Candidate("own", "self-host", gpu="H100", replica_output_tokens_per_s=100, usd_per_gpu_month=900, quality=1)
    api = Candidate("api", "api", 1, 1, quality=1)
    work = [Workload("idle", 0, 0, 0.5), Workload("idle2", 0, 0)]
    for cands in ([own], [own, api]):
        for split in (True, False):
            result = optimise(work, cands, allow_split=split)
            assert result.total_usd == 0 and result.fleet.empty
            assert result.assignments.groupby("workload")["share"].sum().tolist() == [1.0, 1.0]


def test_cascade_maths_by_hand() -> None:
    small = Candidate("small", "api", 0.1, 0.4, quality={"support": 0.7}, latency_ms=200, output_tokens_per_s=100)
    large = Candidate("large", "api", 3.0, 15.0, quality={"support": 0.95}, latency_ms=800, output_tokens_per_s=50)
    spec = CascadeSpec(small, large, 0.2, check_usd_per_1m_output=0.1, small_quality_when_passing={"support": 0.8})
    cascade = cascade_candidate(spec)
    assert cascade.usd_per_1m_input == pytest.approx(0.1 + 0.2 * 3.0)  # 0.7
    assert cascade.usd_per_1m_output == pytest.approx(0.4 + 0.1 + 0.2 * 15.0)  # 3.5
    assert cascade.quality_for("support") == pytest.approx(0.8 * 0.8 + 0.2 * 0.95)  # 0.83
    # An escalated request waits for the small model's whole answer (200 ms + 100 tokens at 100/s = 1,200 ms),
    # then the large model's first token (800 ms), or its whole answer (800 + 100 / 50 s = 2,800 ms) end to end.
    chat = Workload("support", 1, 1, output_tokens_per_request=101)
    assert cascade.latency_for(chat) == pytest.approx(2000)
    assert cascade.latency_for(replace(chat, latency_metric="e2e")) == pytest.approx(4000)
    assert cascade.latency_for(Workload("support", 1, 1)) is None  # unknown answer length: unknown latency
    # 10M in, 2M out: small 1.0 + 0.8, check 0.2, large on 20%: 0.2 x (30 + 30) = 12; total $14
    work = [Workload("support", 10e6, 2e6, quality_floor=0.8)]
    result = optimise(work, [small, large, cascade])
    assert result.total_usd == pytest.approx(14.0)
    assert result.assignments["candidate"].tolist() == [cascade.name]
    # no escalation: the small model alone, its own latency and (uninformative check) its own quality
    plain = cascade_candidate(CascadeSpec(small, large, 0.0))
    assert (plain.usd_per_1m_input, plain.usd_per_1m_output, plain.latency_for(chat)) == (0.1, 0.4, 200)
    assert plain.quality_for("support") == pytest.approx(0.7)
    everything = cascade_candidate(CascadeSpec(small, large, 1.0))
    assert everything.quality_for("support") == pytest.approx(0.95)


def test_cascade_rejects_bad_inputs() -> None:
    small = Candidate("small", "api", 0.1, 0.4, quality=0.7)
    own = Candidate("own", "self-host", replica_output_tokens_per_s=10, usd_per_gpu_month=1, quality=0.9)
    with pytest.raises(ValueError, match="escalation rate"):
        CascadeSpec(small, small, 1.5)
    with pytest.raises(ValueError, match="API candidates only"):
        cascade_candidate(CascadeSpec(small, own, 0.1))


def test_best_single_option_and_current_assignment() -> None:
    cheap = Candidate("cheap", "api", 0.1, 0.1, quality={"a": 0.9, "b": 0.5})
    good = Candidate("good", "api", 1.0, 1.0, quality=0.9)
    work = [Workload("a", 1e6, 1e6, 0.8), Workload("b", 1e6, 1e6, 0.8)]
    result = optimise(work, [cheap, good], current={"a": "good", "b": {"good": 1.0}})
    assert result.total_usd == pytest.approx(0.2 + 2.0)
    assert result.best_single_option == "good" and result.best_single_usd == pytest.approx(4.0)
    assert result.current_usd == pytest.approx(4.0) and result.saving_vs_current_usd == pytest.approx(1.8)
    none = optimise(work, [cheap, Candidate("b only", "api", 1, 1, quality={"b": 1.0})])
    assert none.best_single_option is None and none.best_single_usd is None


def test_floor_curve() -> None:
    cands = [
        Candidate("s", "api", 0.1, 0.1, quality=0.6),
        Candidate("m", "api", 1, 1, quality=0.8),
        Candidate("l", "api", 10, 10, quality=0.95),
    ]
    work = [Workload("w", 1e6, 0)]
    curve = floor_curve(work, cands, "w", [0.5, 0.7, 0.9, 0.99])
    assert curve["feasible"].tolist() == [True, True, True, False]
    assert curve["total_usd"].tolist()[:3] == pytest.approx([0.1, 1.0, 10.0])
    assert math.isnan(curve["total_usd"].iloc[3])


def test_from_projection_options_and_price_decline() -> None:
    api = Candidate.from_api_option(ApiOption("gpt", 1.0, 4.0, price_decline_factor_per_year=2.0), quality=0.8)
    plan = SelfHostPlan("H100", 2, 1000.0, OwnershipCosts(mode="on-demand", usd_per_gpu_hour=2.0))
    own = Candidate.from_self_host_option(SelfHostOption("own", plan), quality=0.8)
    assert own.usd_per_gpu_month == pytest.approx(2 * 730) and own.gpus_per_replica == 2
    assert own.replica_capacity_tokens_per_s == pytest.approx(1000 * 0.7 / 1.2)
    result = optimise([Workload("w", 1e6, 1e6)], [api], months=12)
    assert result.total_usd == pytest.approx(5 * sum(2 ** (-m / 12) for m in range(1, 13)))


def test_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="not negative"):
        Workload("w", -1, 0)
    with pytest.raises(ValueError, match="kind"):
        Candidate("x", "gpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="throughput"):
        Candidate("x", "self-host")
    with pytest.raises(ValueError, match="unique"):
        optimise([Workload("w", 1, 1)], [Candidate("a", quality=1), Candidate("a", quality=1)])
    with pytest.raises(InfeasibleError, match="no candidates"):
        optimise([Workload("w", 1, 1)], [])


@pytest.mark.parametrize("common", [False, True], ids=["own-rates", "one-rate"])
@pytest.mark.parametrize("seed", range(8))
def test_growth_and_price_decline_match_brute_force(seed: int, common: bool) -> None:
    """Both formulations: per-workload load rows (own rates) and one base load per fleet (one common rate)."""
    months = 6
    workloads, candidates = growing(seed, months, common)
    result = optimise(workloads, candidates, months=months, allow_split=False)
    assert result.total_usd == pytest.approx(brute_force_months(workloads, candidates, months), rel=1e-9)
    assert sum(result.spend_by_month) == pytest.approx(result.total_usd)
    assert len(result.spend_by_month) == months
    by_option = result.spend_by_option
    assert by_option.sum(axis=1).to_numpy() == pytest.approx(np.asarray(result.spend_by_month))
    assert set(by_option.columns) == set(result.assignments["candidate"])
    split = optimise(workloads, candidates, months=months, allow_split=True)
    assert split.total_usd <= result.total_usd + 1e-6


def test_fleet_grows_with_volume_and_committed_fleets_never_shrink() -> None:
    up = (1.0, 2.0, 3.0, 4.0)
    down = (4.0, 3.0, 2.0, 1.0)
    kwargs = {"replica_output_tokens_per_s": 100.0, "usd_per_gpu_month": 1000.0, "quality": 1.0}
    rented = Candidate("rented", "self-host", gpu="H100", **kwargs)  # type: ignore[arg-type]
    owned = Candidate("owned", "self-host", gpu="H100", committed=True, **kwargs)  # type: ignore[arg-type]
    # 100 tokens/s at peak in the base month (peak-to-average 2): one replica per multiple
    grow = [Workload("w", 0, 50 * SECONDS, volume_multipliers=up)]
    result = optimise(grow, [rented], months=4)
    assert result.spend_by_month == pytest.approx((1000, 2000, 3000, 4000))
    assert result.fleet[["gpus_month_1", "gpus"]].iloc[0].tolist() == [1, 4]
    shrink = [Workload("w", 0, 50 * SECONDS, volume_multipliers=down)]
    assert optimise(shrink, [rented], months=4).spend_by_month == pytest.approx((4000, 3000, 2000, 1000))
    assert optimise(shrink, [owned], months=4).spend_by_month == pytest.approx((4000,) * 4)
    with pytest.raises(ValueError, match="cover 4 months"):
        optimise(grow, [rented], months=5)


def test_end_to_end_latency_objective() -> None:
    fast_start = Candidate("fast start", "api", 0.1, 0.1, quality=1.0, latency_ms=100, output_tokens_per_s=20)
    steady = Candidate("steady", "api", 1.0, 1.0, quality=1.0, latency_ms=400, output_tokens_per_s=200)
    unknown_speed = Candidate("no speed", "api", 0.01, 0.01, quality=1.0, latency_ms=50)
    work = Workload("report", 1e6, 1e6, None, 2000, latency_metric="e2e", output_tokens_per_request=201)
    # fast start: 100 + 200 / 20 s = 10,100 ms; steady: 400 + 200 / 200 s = 1,400 ms; no speed: unknown
    assert fast_start.latency_for(work) == pytest.approx(10_100)
    assert steady.latency_for(work) == pytest.approx(1_400)
    result = optimise([work], [fast_start, steady, unknown_speed])
    assert result.assignments["candidate"].tolist() == ["steady"]
    assert result.assignments["latency_ms"].tolist() == pytest.approx([1_400])
    ttft = replace(work, latency_metric="ttft")
    assert optimise([ttft], [fast_start, steady, unknown_speed]).assignments["candidate"].tolist() == ["no speed"]
    with pytest.raises(InfeasibleError, match=r"latency objective 1000 ms \(end to end\).*fastest 1,?400"):
        optimise([replace(work, latency_objective_ms=1000)], [fast_start, steady, unknown_speed])
    with pytest.raises(ValueError, match="latency metric"):
        Workload("w", 1, 1, latency_metric="p99")


def test_current_assignment_problems_are_named() -> None:
    cheap = Candidate("cheap", "api", 0.1, 0.1, quality=0.5, latency_ms=300)
    good = Candidate("good", "api", 1.0, 1.0, quality=0.9, latency_ms=900)
    work = [Workload("chat", 1e6, 1e6, 0.8), Workload("voice", 1e6, 1e6, None, 500)]
    result = optimise(work, [cheap, good], current={"chat": "cheap", "voice": "good"})
    assert result.current_usd == pytest.approx(0.2 + 2.0)
    assert result.current_problems == (
        "chat on cheap: quality 0.5 < floor 0.8",
        "voice on good: TTFT 900 ms > objective 500 ms",
    )
    assert optimise(work, [cheap, good], current={"chat": "good", "voice": "cheap"}).current_problems == ()
    with pytest.raises(ValueError, match="no entry for workload 'voice'"):
        optimise(work, [cheap, good], current={"chat": "good"})


def test_a_time_limit_returns_the_best_found_with_its_proven_gap() -> None:
    rng = np.random.default_rng(7)
    months = 36
    growth = tuple(1.03**m for m in range(1, months + 1))
    work = [Workload(f"w{i}", float(rng.uniform(1e9, 1e11)), float(rng.uniform(1e9, 5e10)), 0.5,
                     volume_multipliers=growth) for i in range(30)]  # fmt: skip
    cands = [Candidate(f"api{k}", "api", float(rng.uniform(0.1, 3)), float(rng.uniform(0.5, 12)), quality=0.9)
             for k in range(10)]  # fmt: skip
    cands += [Candidate(f"own{k}", "self-host", gpu="H100", replica_output_tokens_per_s=float(rng.uniform(500, 5000)),
                        usd_per_gpu_month=float(rng.uniform(800, 2500)), quality=0.9) for k in range(8)]  # fmt: skip
    try:
        result = optimise(work, cands, months=months, time_limit_s=0.05)
    except TimeoutError as exc:
        assert "time limit" in str(exc)
        return
    assert not result.optimal and result.optimality_gap >= 0
    assert sum(result.spend_by_month) == pytest.approx(result.total_usd)
    assert result.assignments.groupby("workload")["share"].sum().to_numpy() == pytest.approx(np.ones(30))
