"""A shrunk model in the Portfolio: its making cost is a fixed cost paid once it serves anything, and its quality is
the baseline's score times the share it keeps (the low end of an assumed range, or the measured share)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from pricing import service
from pricing.planning import service as planning
from pricing.planning.projection import MakingCost
from pricing.planning.usage_files import load_usage
from pricing.portfolio import service as ps
from pricing.portfolio.optimiser import Candidate, Workload, assignment_usd, optimise
from pricing.shrink import service as shrink
from pricing.store import Store

MONTHS = 12
WORKLOAD = Workload("chat", 100e6, 10e6, quality_floor=1000.0)
LARGE = Candidate("large", usd_per_1m_input=10.0, usd_per_1m_output=30.0, quality=1300.0)


def shrunk(one_off_usd: float, quality: float = 1100.0) -> Candidate:
    making = MakingCost(one_off_usd=one_off_usd, retrain_usd=400.0, retrain_every_months=6, source="test")
    return Candidate("small", usd_per_1m_input=1.0, usd_per_1m_output=3.0, quality=quality, making=making)


def test_a_shrunk_candidate_pays_its_making_cost_once_it_serves() -> None:
    result = optimise([WORKLOAD], [LARGE, shrunk(1000.0)], months=MONTHS)
    assert list(result.assignments["candidate"]) == ["small"]
    tokens = (100 * 1.0 + 10 * 3.0) * MONTHS
    making = 1000.0 + 400.0  # the one-off in month 1, one re-training in month 7 of 12
    assert result.total_usd == pytest.approx(tokens + making)
    assert result.spend_by_month[0] == pytest.approx(130.0 + 1000.0)
    assert result.spend_by_month[6] == pytest.approx(130.0 + 400.0)
    assert result.assignments["monthly_usd"].sum() * MONTHS == pytest.approx(tokens + making)
    assert assignment_usd([WORKLOAD], [LARGE, shrunk(1000.0)], {"chat": "small"}, MONTHS) == pytest.approx(
        tokens + making
    )


def test_a_making_cost_above_the_saving_keeps_the_large_model() -> None:
    saving = (100 * 10.0 + 10 * 30.0 - 130.0) * MONTHS  # 14,040 USD over the year
    result = optimise([WORKLOAD], [LARGE, shrunk(saving)], months=MONTHS)
    assert list(result.assignments["candidate"]) == ["large"]
    assert result.total_usd == pytest.approx((100 * 10.0 + 10 * 30.0) * MONTHS)
    assert "small" not in result.spend_by_option.columns


def test_the_making_cost_is_paid_once_for_every_workload_it_serves() -> None:
    other = Workload("batch", 300e6, 30e6, quality_floor=1000.0)
    result = optimise([WORKLOAD, other], [LARGE, shrunk(5000.0)], months=MONTHS, allow_split=False)
    assert set(result.assignments["candidate"]) == {"small"}
    tokens = (100 * 1.0 + 10 * 3.0 + 300 * 1.0 + 30 * 3.0) * MONTHS
    assert result.total_usd == pytest.approx(tokens + 5000.0 + 400.0)
    by_workload = result.assignments.set_index("workload")["monthly_usd"] * MONTHS
    # split by output tokens: batch carries three quarters of the making cost
    assert by_workload["batch"] == pytest.approx((300 + 90) * MONTHS + 0.75 * 5400.0)


def test_a_floor_above_the_shrunk_quality_keeps_it_out() -> None:
    result = optimise([WORKLOAD], [LARGE, shrunk(0.0, quality=999.0)], months=MONTHS)
    assert list(result.assignments["candidate"]) == ["large"]


USAGE = b"""month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2026-08-01,support,2300000,3450000000,920000000,0
2026-09-01,support,2400000,3600000000,960000000,0
2026-10-01,support,2500000,3750000000,1000000000,0
2026-08-01,legal,1000,3000000,1000000,0
2026-09-01,legal,1000,3000000,1000000,0
2026-10-01,legal,1000,3000000,1000000,0
"""


def monthly(store: Store) -> pd.DataFrame:
    upload = planning.save_upload(store, load_usage(USAGE, "usage.csv", dt.date(2026, 11, 15)))
    return store.usage_monthly(upload)


def baseline_score(store: Store, model: str) -> float:
    facts = ps._load_facts(store, {"arena_elo"})
    return ps._model_quality(store, store_sheet(store), model, facts, {"support": "arena_elo"})["support"]


def store_sheet(store: Store) -> str:
    return service.default_sheet(store)


def test_the_shrunk_candidate_is_checked_at_the_low_end_of_its_assumed_quality(seeded_store: Store) -> None:
    request = shrink.ShrinkRequest("gpt-4o", "llama-3.1-8b-instruct", paths=("distil",))
    metric_of = {"support": "arena_elo", "legal": "arena_elo"}
    made = ps.shrunk_candidate(
        seeded_store, request, monthly(seeded_store), metric_of, sheet_name=store_sheet(seeded_store), months=24
    )
    low = shrink.DISTIL_ASSUMPTION.low
    score = baseline_score(seeded_store, "gpt-4o")
    assert made.candidate.quality_for("support") == pytest.approx(low * score)
    assert made.candidate.making is not None and made.candidate.making.one_off_usd > 0
    assert "low end of the assumed range, 85% (likely 93%)" in made.note
    assert "counted in the totals" in made.note
    assert not re.search(r"\d\.\d+e[+-]\d", made.note)


def test_the_portfolio_weighs_the_shrunk_model_against_its_floors(seeded_store: Store) -> None:
    frame = monthly(seeded_store)
    score = baseline_score(seeded_store, "gpt-4o")
    low = shrink.DISTIL_ASSUMPTION.low
    # legal's floor sits between the low end and the likely share: the low end decides, so it is not served there
    floors = {
        "support": ps.FloorSpec(score * (low - 0.01), None, "arena_elo"),
        "legal": ps.FloorSpec(score * (low + 0.04), None, "arena_elo"),
    }
    request = ps.PortfolioRequest(
        monthly=frame,
        floors=floors,
        months=24,
        api_models=["gpt-4o"],
        self_host=[],
        shrink=shrink.ShrinkRequest("gpt-4o", "llama-3.1-8b-instruct", paths=("distil",)),
    )
    plan = ps.plan_portfolio(seeded_store, request)
    shrunk_option = next(c for c in plan.candidates if c.making is not None)
    served = plan.result.assignments.groupby("workload")["candidate"].apply(set).to_dict()
    assert served == {"support": {shrunk_option.name}, "legal": {"gpt-4o"}}
    assert any(n.startswith(f"Shrunk option {shrunk_option.name}") for n in plan.notes)
    assert shrunk_option.making is not None
    making = shrunk_option.making.monthly_usd(24)
    fleet = plan.result.fleet.set_index("candidate").loc[shrunk_option.name, "monthly_usd"] * 24
    assert plan.result.spend_by_option[shrunk_option.name].sum() == pytest.approx(fleet + making.sum())
    assert plan.result.spend_by_option[shrunk_option.name].iloc[0] >= making[0]
