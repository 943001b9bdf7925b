"""Quotes grow volumes as Spend projections does: the curve fitted to the usage by default, a constant by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from pricing import service
from pricing.planning.quotes import compare_projected, quote_growth
from pricing.store import Store
from tests.conftest import CliCall

TODAY = dt.date(2026, 12, 1)
VENDOR_A = (
    b"model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date\ngpt-4o,2.0,8.0,1.0,2026-01-01\n"
)


def _linear_usage(months: int = 5) -> pd.DataFrame:
    # output 10M, 20M, ... 50M a month with 3x input, none cached: an exact straight line
    return pd.DataFrame(
        {
            "month": [dt.date(2026, m + 1, 1) for m in range(months)],
            "workload": ["support"] * months,
            "requests": [100_000] * months,
            "input_tokens": [30_000_000 * (m + 1) for m in range(months)],
            "output_tokens": [10_000_000 * (m + 1) for m in range(months)],
            "cached_input_tokens": [0] * months,
        }
    )


def test_default_growth_is_the_fitted_curve_of_spend_projections() -> None:
    growth = quote_growth(_linear_usage(), 4)
    # months 6..9 of a line through 10M, 20M, ... 50M, against the latest month's 50M
    assert growth.path == pytest.approx([60 / 50, 70 / 50, 80 / 50, 90 / 50])
    assert growth.label.startswith("fitted linear: +10M per month")
    assert "best by AICc" in growth.label


def test_growth_by_hand_and_too_short_a_history() -> None:
    assert quote_growth(_linear_usage(), 3, 0.05).path == pytest.approx([1.05, 1.05**2, 1.05**3])
    assert quote_growth(_linear_usage(), 3, 0.05).label == "constant +5.0% a month, set by hand"
    short = quote_growth(_linear_usage(3), 2)
    assert short.path == (1.0, 1.0)
    assert short.label == "held flat: no growth curve fitted (the usage has 3 month(s); a curve needs 5)"


def test_quotes_project_the_fitted_path_under_every_sheet(seeded_store: Store) -> None:
    service.upload_price_sheet(seeded_store, "Vendor A", "a.csv", VENDOR_A, TODAY)
    result = compare_projected(
        seeded_store, _linear_usage(), {"support": "gpt-4o"}, ["Vendor A"], horizon_months=12, today=TODAY
    )
    spend = result.spend.set_index("sheet_name")["usd"]
    volume = sum((50 + 10 * m) / 50 for m in range(1, 13))  # months 6..17 of the line, in latest months
    latest_usd_list = 150 * 2.5 + 50 * 10.0  # 150M input, 50M output
    latest_usd_a = 150 * 2.0 + 50 * 8.0
    assert spend[service.default_sheet(seeded_store)] == pytest.approx(volume * latest_usd_list)
    assert spend["Vendor A"] == pytest.approx(volume * latest_usd_a)
    assert result.growth_label.startswith("fitted linear")


def test_cli_says_which_growth_it_used(app_db: Path, tmp_path: Path, pricing_cli: CliCall) -> None:
    (tmp_path / "a.csv").write_bytes(VENDOR_A)
    assert pricing_cli(["upload-sheet", "--file", str(tmp_path / "a.csv"), "--name", "Vendor A"]).returncode == 0
    _linear_usage().to_csv(tmp_path / "usage.csv", index=False)
    args = ["quotes", "--usage", str(tmp_path / "usage.csv"), "--sheet", "Vendor A", "--model", "gpt-4o"]
    fitted = pricing_cli([*args, "--months", "12", "--json"])
    assert fitted.returncode == 0, fitted.stderr
    payload = json.loads(fitted.stdout)
    assert payload["growth"].startswith("fitted linear: +10M per month")
    spend = {row["sheet_name"]: row["usd"] for row in payload["spend"]}
    assert spend["Vendor A"] == pytest.approx(sum((50 + 10 * m) / 50 for m in range(1, 13)) * (150 * 2.0 + 50 * 8.0))
    by_hand = pricing_cli([*args, "--months", "2", "--growth", "10%"])
    assert by_hand.returncode == 0, by_hand.stderr
    assert "growth: constant +10.0% a month, set by hand." in by_hand.stdout
    bad = pricing_cli([*args, "--growth", "fast"])
    assert bad.returncode == 2
    assert "--growth takes a monthly rate in percent" in bad.stderr and "Traceback" not in bad.stderr
