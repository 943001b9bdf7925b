"""Operations staff: the typical figure's arithmetic, and their share of a self-hosted option's total."""

from __future__ import annotations

import pytest

from pricing.planning.projection import ApiOption, SelfHostOption
from pricing.planning.staff import ops_share_lines, typical_ops_text, typical_ops_usd_per_month
from pricing.sizing import OwnershipCosts, SelfHostPlan


def test_typical_figure_is_a_quarter_of_a_loaded_engineer() -> None:
    assert typical_ops_usd_per_month() == pytest.approx(133_080 * 1.3 / 12 * 0.25)
    assert "$3,604" in typical_ops_text() and "Bureau of Labor Statistics" in typical_ops_text()


def test_staff_share_of_each_self_hosted_total() -> None:
    plan = SelfHostPlan("H100 SXM", 1, 1000.0, OwnershipCosts(usd_per_gpu_hour=2.0, ops_usd_per_month=3000.0))
    unstaffed = SelfHostPlan("H100 SXM", 1, 1000.0, OwnershipCosts(usd_per_gpu_hour=2.0))
    options = [ApiOption("api", 0.2, 0.6), SelfHostOption("own", plan), SelfHostOption("bare", unstaffed)]
    lines = ops_share_lines(options, {"api": 5e4, "own": 1.44e5, "bare": 1e5}, 36)
    assert lines == ["Operations staff: $108,000 over 36 months, 75% of own's total."]  # 3,000 x 36 / 144,000
