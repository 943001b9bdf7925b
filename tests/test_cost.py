"""The cost engine against hand-computed arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from pricing.cost import (
    ALLOCATION_BASIS,
    BUSY_BASIS,
    SheetPricer,
    TokenPrice,
    UnpricedModelError,
    Usage,
    WorkloadProfile,
    blended_usd_per_1m,
    linear_cost_usd,
    normalise_usage,
    per_task_usd,
    self_hosted_usd_per_1m_output,
)

PRICE = TokenPrice("m", "sheet", usd_per_1m_input=2.5, usd_per_1m_output=10.0, usd_per_1m_cached_input=1.25)
NO_CACHE_PRICE = TokenPrice("m", "sheet", usd_per_1m_input=0.75, usd_per_1m_output=0.075 * 10)


def test_linear_cost_charges_cached_tokens_at_the_cache_price() -> None:
    usage = Usage(input_tokens=1000, output_tokens=200, cached_input_tokens=400)
    assert linear_cost_usd(PRICE, usage) == pytest.approx((600 * 2.5 + 400 * 1.25 + 200 * 10.0) / 1e6)


def test_sheet_without_cache_price_bills_cached_tokens_as_input() -> None:
    usage = Usage(800, 200, 300)
    assert linear_cost_usd(NO_CACHE_PRICE, usage) == pytest.approx((800 * 0.75 + 200 * 0.75) / 1e6)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (Usage(0, 0), 0.0),
        (Usage(1_000_000, 0), 2.5),
        (Usage(0, 1_000_000), 10.0),
        (Usage(10**12, 10**11), 10**6 * 2.5 + 10**5 * 10.0),
    ],
)
def test_linear_cost_edges(usage: Usage, expected: float) -> None:
    assert linear_cost_usd(PRICE, usage) == pytest.approx(expected)


def test_usage_rejects_negative_and_cached_above_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        Usage(-1, 0)
    with pytest.raises(ValueError, match="exceed"):
        Usage(10, 0, 11)


def test_anthropic_style_usage_is_normalised_to_include_cache_reads() -> None:
    usage = normalise_usage(100, 50, cached_input_tokens=900, input_includes_cached=False)
    assert usage == Usage(1000, 50, 900)


def test_blended_price_at_three_to_one() -> None:
    assert blended_usd_per_1m(PRICE) == pytest.approx((3 * 2.5 + 10.0) / 4)


def test_blended_price_with_cache_hits() -> None:
    expected = (3 * (0.5 * 2.5 + 0.5 * 1.25) + 10.0) / 4
    assert blended_usd_per_1m(PRICE, 3.0, 0.5) == pytest.approx(expected)


def test_blended_price_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError):
        blended_usd_per_1m(PRICE, 3.0, 1.5)
    with pytest.raises(ValueError):
        blended_usd_per_1m(PRICE, -1.0)


def test_per_task_cost() -> None:
    profile = WorkloadProfile(input_tokens_per_request=800, output_tokens_per_request=200, cache_hit_rate=0.25)
    assert per_task_usd(PRICE, profile) == pytest.approx((600 * 2.5 + 200 * 1.25 + 200 * 10.0) / 1e6)


def test_sheet_pricer_names_model_and_sheet_when_unpriced() -> None:
    pricer = SheetPricer("Acme 2026", {"m": PRICE})
    with pytest.raises(UnpricedModelError, match="no price for nim/llama in sheet Acme 2026"):
        pricer.cost_usd("nim/llama", Usage(1, 1))


def test_self_hosted_cost_on_allocation_basis() -> None:
    cost = self_hosted_usd_per_1m_output(usd_per_gpu_hour=3.0, gpu_count=2, output_tokens_per_s=1000, utilisation=0.5)
    assert cost.usd_per_1m_output == pytest.approx(3.0 * 2 / (1000 * 3600 * 0.5) * 1e6)
    assert cost.basis == ALLOCATION_BASIS


def test_busy_time_basis_ignores_utilisation_and_is_cheaper() -> None:
    busy = self_hosted_usd_per_1m_output(3.0, 2, 1000, utilisation=0.5, basis=BUSY_BASIS)
    allocation = self_hosted_usd_per_1m_output(3.0, 2, 1000, utilisation=0.5)
    assert busy.usd_per_1m_output == pytest.approx(3.0 * 2 / (1000 * 3600) * 1e6)
    assert busy.usd_per_1m_output < allocation.usd_per_1m_output


@pytest.mark.parametrize(
    "kwargs",
    [
        {"output_tokens_per_s": 0},
        {"gpu_count": 0},
        {"utilisation": 0.0},
        {"utilisation": 1.2},
        {"usd_per_gpu_hour": -1},
        {"basis": "imaginary"},
    ],
)
def test_self_hosted_cost_rejects_impossible_inputs(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"usd_per_gpu_hour": 3.0, "gpu_count": 1, "output_tokens_per_s": 100, "utilisation": 0.5}
    args.update(kwargs)
    with pytest.raises(ValueError):
        self_hosted_usd_per_1m_output(**args)  # type: ignore[arg-type]


def test_price_staleness() -> None:
    price = TokenPrice("m", "s", 1, 1, effective_date=dt.date(2026, 1, 1))
    assert price.is_stale(dt.date(2026, 11, 27), stale_after_days=180)
    assert not price.is_stale(dt.date(2026, 2, 1), stale_after_days=180)
    assert TokenPrice("m", "s", 1, 1).is_stale(dt.date(2026, 1, 1))
