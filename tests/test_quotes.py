"""Quotes side by side: prices, discounts, tiered spend, commitments and expiry, against closed forms."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from pricing.cost import TokenPrice
from pricing.quotes import (
    EXPIRED,
    EXPIRES_IN_HORIZON,
    NO_TERMS,
    NOT_YET_VALID,
    VALID,
    QuoteSheet,
    SheetTerms,
    Tier,
    compare_quotes,
    growth_factor_sum,
    terms_from_mapping,
    terms_to_mapping,
)

TODAY = dt.date(2026, 6, 15)


def _price(sheet: str, usd_in: float, usd_out: float, usd_cached: float | None = None) -> TokenPrice:
    return TokenPrice("m", sheet, usd_in, usd_out, usd_cached)


def _usage(input_tokens: int = 100_000_000, output_tokens: int = 20_000_000, cached: int = 40_000_000) -> pd.DataFrame:
    # two months: only the latest (2026-05) is the base the horizon starts from
    return pd.DataFrame(
        {
            "month": [dt.date(2026, 4, 1), dt.date(2026, 5, 1)],
            "workload": ["chat", "chat"],
            "requests": [1, 1],
            "input_tokens": [1, input_tokens],
            "output_tokens": [1, output_tokens],
            "cached_input_tokens": [0, cached],
        }
    )


LIST = QuoteSheet("list", {"m": _price("list", 2.5, 10.0, 1.25)})
# 100M input of which 40M cached, 20M output: one month at list = 60*2.5 + 40*1.25 + 20*10 = 400 USD
LIST_MONTH_USD = 60 * 2.5 + 40 * 1.25 + 20 * 10.0


def test_list_spend_is_the_latest_month_held_flat_over_the_horizon() -> None:
    vendor = QuoteSheet("A", {"m": _price("A", 2.0, 8.0, 1.0)})
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 12, TODAY)
    spend = result.spend.set_index("sheet_name")["usd"]
    assert spend["list"] == pytest.approx(12 * LIST_MONTH_USD)
    assert spend["A"] == pytest.approx(12 * (60 * 2.0 + 40 * 1.0 + 20 * 8.0))
    assert result.cheapest.iloc[0]["sheet_name"] == "A"
    assert result.cheapest.iloc[0]["saving_pct"] == pytest.approx((1 - 320 / 400) * 100)


def test_discounts_against_list_per_price() -> None:
    vendor = QuoteSheet("A", {"m": _price("A", 2.0, 9.0)})  # no cache price: cached tokens billed as input
    models = compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 12, TODAY).models.set_index("sheet_name")
    assert models.loc["A", "discount_input_pct"] == pytest.approx((1 - 2.0 / 2.5) * 100)
    assert models.loc["A", "discount_output_pct"] == pytest.approx((1 - 9.0 / 10.0) * 100)
    assert models.loc["A", "discount_cached_pct"] == pytest.approx((1 - 2.0 / 1.25) * 100)
    assert models.loc["list", "discount_input_pct"] == pytest.approx(0.0)


def test_tier_discount_applies_to_months_that_reach_it() -> None:
    # growing 10% a month from 400 USD (month 1 = 440): months reach 500 USD where 400 * 1.1^m >= 500, i.e. m >= 3
    terms = SheetTerms(tiers=(Tier(500.0, 10.0), Tier(1000.0, 20.0)))
    vendor = QuoteSheet("A", {"m": _price("A", 2.5, 10.0, 1.25)}, terms)
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 6, TODAY, monthly_growth=0.1)
    months = [400 * 1.1**m for m in range(1, 7)]
    expected = sum(usd * (0.9 if usd >= 500 else 1.0) for usd in months)
    row = result.spend.set_index("sheet_name").loc["A"]
    assert row["gross_usd"] == pytest.approx(400 * growth_factor_sum(0.1, 6))
    assert row["usd"] == pytest.approx(expected)
    assert row["tier_discount_usd"] == pytest.approx(sum(usd * 0.1 for usd in months[2:]))
    assert growth_factor_sum(0.1, 6) == pytest.approx(sum(1.1**m for m in range(1, 7)))
    assert result.growth_label == "constant +10.0% a month"
    sheet = result.sheets.set_index("sheet_name").loc["A"]
    assert sheet["next_tier_usd_per_month"] == 1000.0
    assert sheet["next_tier_gap_usd_per_month"] == pytest.approx(1000.0 - 400.0)


def test_commitment_not_reached_is_billed_with_its_shortfall() -> None:
    terms = SheetTerms(committed_usd_per_month=500.0)
    vendor = QuoteSheet("A", {"m": _price("A", 2.0, 8.0, 1.0)}, terms)  # 320 USD a month
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 36, TODAY)
    sheet = result.sheets.set_index("sheet_name").loc["A"]
    assert sheet["commitment_shortfall_usd"] == pytest.approx(36 * (500 - 320))
    assert sheet["months_below_commitment"] == 36
    assert sheet["usd"] == pytest.approx(36 * 500)


def test_expired_quote_is_flagged_and_never_cheapest() -> None:
    expired = QuoteSheet("A", {"m": _price("A", 0.1, 0.1)}, SheetTerms(valid_until=dt.date(2026, 6, 14)))
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, expired], 12, TODAY)
    assert result.sheets.set_index("sheet_name").loc["A", "status"] == EXPIRED
    assert result.cheapest.iloc[0]["sheet_name"] == "list"
    assert any("expired on 2026-06-14" in note for note in result.notes)


@pytest.mark.parametrize(
    ("terms", "status"),
    [
        (None, NO_TERMS),
        (SheetTerms(valid_until=dt.date(2030, 1, 1)), VALID),
        (SheetTerms(valid_until=dt.date(2026, 9, 30)), EXPIRES_IN_HORIZON),
        (SheetTerms(valid_from=dt.date(2026, 7, 1)), NOT_YET_VALID),
        (SheetTerms(valid_until=TODAY), EXPIRES_IN_HORIZON),  # valid through its last day
    ],
)
def test_quote_status(terms: SheetTerms | None, status: str) -> None:
    vendor = QuoteSheet("A", {"m": _price("A", 2.0, 8.0)}, terms)
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 12, TODAY)
    assert result.sheets.set_index("sheet_name").loc["A", "status"] == status


def test_ties_go_to_the_first_sheet_and_unquoted_models_are_noted() -> None:
    same = QuoteSheet("A", {"m": _price("A", 2.5, 10.0, 1.25)})
    without = QuoteSheet("B", {})
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, same, without], 12, TODAY)
    assert result.cheapest.iloc[0]["sheet_name"] == "list"
    assert set(result.spend["sheet_name"]) == {"list", "A"}
    assert any("B does not quote m" in note for note in result.notes)
    assert math.isnan(result.models.set_index("sheet_name").loc["B", "usd_per_1m_input"])


def test_zero_traffic_costs_nothing_but_the_commitment() -> None:
    vendor = QuoteSheet("A", {"m": _price("A", 2.0, 8.0)}, SheetTerms(committed_usd_per_month=100.0))
    result = compare_quotes(_usage(0, 0, 0), {"chat": "m"}, [LIST, vendor], 24, TODAY)
    assert result.spend["usd"].tolist() == [0.0, 0.0]
    assert result.sheets.set_index("sheet_name").loc["A", "usd"] == pytest.approx(24 * 100.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon_months": 0}, "horizon"),
        ({"models": {}}, "no model given for workload(s) chat"),
        ({"sheets": [LIST]}, "at least two sheets"),
        ({"sheets": [LIST, LIST]}, "named twice"),
    ],
)
def test_bad_comparisons_say_what_to_fix(kwargs: dict[str, object], message: str) -> None:
    call: dict[str, object] = {
        "monthly": _usage(),
        "models": {"chat": "m"},
        "sheets": [LIST, QuoteSheet("A", {})],
        "horizon_months": 12,
        "today": TODAY,
    }
    call.update(kwargs)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compare_quotes(**call)  # type: ignore[arg-type]


def test_terms_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="before valid_from"):
        SheetTerms(valid_from=dt.date(2026, 2, 1), valid_until=dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="discount"):
        Tier(100.0, 120.0)
    with pytest.raises(ValueError, match="same monthly spend"):
        SheetTerms(tiers=(Tier(100.0, 5.0), Tier(100.0, 10.0)))


def test_graduated_tiers_discount_each_band_of_a_month() -> None:
    # 400 USD a month at list prices; bands: 0-100 at 0%, 100-300 at 10%, 300 and up at 20%
    terms = SheetTerms(tiers=(Tier(100.0, 10.0), Tier(300.0, 20.0)), tier_mode="graduated")
    vendor = QuoteSheet("A", {"m": _price("A", 2.5, 10.0, 1.25)}, terms)
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 12, TODAY)
    row = result.spend.set_index("sheet_name").loc["A"]
    month_discount = (300 - 100) * 0.10 + (400 - 300) * 0.20
    assert row["tier_discount_usd"] == pytest.approx(12 * month_discount)
    assert row["usd"] == pytest.approx(12 * (400 - month_discount))
    assert result.sheets.set_index("sheet_name").loc["A", "tier_mode"] == "graduated"


def test_all_units_tiers_discount_the_whole_month_at_the_highest_tier_reached() -> None:
    terms = SheetTerms(tiers=(Tier(100.0, 10.0), Tier(300.0, 20.0)))  # all-units by default
    vendor = QuoteSheet("A", {"m": _price("A", 2.5, 10.0, 1.25)}, terms)
    result = compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 12, TODAY)
    assert result.spend.set_index("sheet_name").loc["A", "usd"] == pytest.approx(12 * 400 * (1 - 0.20))
    assert result.sheets.set_index("sheet_name").loc["A", "tier_mode"] == "all-units"


@pytest.mark.parametrize(
    ("gross_usd", "graduated", "all_units"),
    [
        (0.0, 0.0, 0.0),
        (99.99, 0.0, 0.0),
        (100.0, 0.0, 100.0 * 0.05),  # at a threshold: all-units earns the tier, graduated has no band above it yet
        (250.0, (250 - 100) * 0.05, 250 * 0.05),
        (1_000.0, (500 - 100) * 0.05 + (1_000 - 500) * 0.15, 1_000 * 0.15),
        (1e12, (500 - 100) * 0.05 + (1e12 - 500) * 0.15, 1e12 * 0.15),
    ],
)
def test_tier_discount_closed_forms(gross_usd: float, graduated: float, all_units: float) -> None:
    tiers = (Tier(500.0, 15.0), Tier(100.0, 5.0))  # given out of order: bands are sorted by threshold
    assert SheetTerms(tiers=tiers, tier_mode="graduated").tier_discount_usd(gross_usd) == pytest.approx(graduated)
    assert SheetTerms(tiers=tiers).tier_discount_usd(gross_usd) == pytest.approx(all_units)


def test_graduated_discount_is_shared_between_workloads_in_proportion_to_spend() -> None:
    usage = pd.DataFrame(
        {
            "month": [dt.date(2026, 5, 1)] * 2,
            "workload": ["a", "b"],
            "requests": [1, 1],
            "input_tokens": [100_000_000, 0],  # a: 100M input at 1 USD = 100 USD; b: 30M output at 10 USD = 300 USD
            "output_tokens": [0, 30_000_000],
            "cached_input_tokens": [0, 0],
        }
    )
    terms = SheetTerms(tiers=(Tier(200.0, 50.0),), tier_mode="graduated")
    sheets = [
        QuoteSheet("list", {"m": _price("list", 1.0, 10.0)}),
        QuoteSheet("A", {"m": _price("A", 1.0, 10.0)}, terms),
    ]
    spend = compare_quotes(usage, {"a": "m", "b": "m"}, sheets, 3, TODAY).spend.set_index(["sheet_name", "workload"])
    month_discount = (400 - 200) * 0.5
    assert spend.loc[("A", "a"), "tier_discount_usd"] == pytest.approx(3 * month_discount * 100 / 400)
    assert spend.loc[("A", "b"), "tier_discount_usd"] == pytest.approx(3 * month_discount * 300 / 400)


def test_tier_mode_from_a_terms_file_is_checked() -> None:
    assert terms_from_mapping({"tier_mode": "Graduated"}, "t.toml: [A]").tier_mode == "graduated"
    assert terms_to_mapping(SheetTerms(tier_mode="graduated"))["tier_mode"] == "graduated"
    with pytest.raises(ValueError, match=r"t.toml: \[A\].tier_mode: 'stepped' is not a tier mode; write one of"):
        terms_from_mapping({"tier_mode": "stepped"}, "t.toml: [A]")


def test_a_volume_path_replaces_the_constant_rate() -> None:
    path = [1.0, 2.0, 0.5]
    vendor = QuoteSheet("A", {"m": _price("A", 2.5, 10.0, 1.25)}, SheetTerms(tiers=(Tier(600.0, 25.0),)))
    result = compare_quotes(
        _usage(), {"chat": "m"}, [LIST, vendor], 3, TODAY, volume_path=path, growth_label="fitted linear"
    )
    spend = result.spend.set_index("sheet_name")["usd"]
    assert spend["list"] == pytest.approx(400 * (1.0 + 2.0 + 0.5))
    assert spend["A"] == pytest.approx(400 * 1.0 + 800 * 0.75 + 200)  # only the 800 USD month reaches the tier
    assert result.growth_label == "fitted linear"
    with pytest.raises(ValueError, match="needs 3 factors"):
        compare_quotes(_usage(), {"chat": "m"}, [LIST, vendor], 3, TODAY, volume_path=[1.0])
