"""What people cost to run a self-hosted fleet: the typical figure the forms suggest, with its source and arithmetic.

Self-hosting is never free of people: someone patches drivers, upgrades the serving engine, watches the fleet and
answers its pages. Frontier does not assume a figure (a $0 default made self-hosting look cheaper than it is); it
asks, and offers this one as a starting point: a quarter of one engineer's fully loaded cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MEDIAN_ENGINEER_USD_PER_YEAR = 133_080.0  # US software developers, median annual pay
ENGINEER_PAY_SOURCE = (
    "US Bureau of Labor Statistics, Occupational Outlook Handbook: software developers, median pay May 2024"
)
LOADED_COST_FACTOR = 1.3  # benefits, payroll taxes and overhead on top of pay
TYPICAL_ENGINEER_SHARE = 0.25  # a quarter of one engineer for a small inference fleet


def typical_ops_usd_per_month() -> float:
    """A quarter of one engineer's loaded monthly cost: 133,080 x 1.3 / 12 x 0.25 = about $3,604."""
    return MEDIAN_ENGINEER_USD_PER_YEAR * LOADED_COST_FACTOR / 12 * TYPICAL_ENGINEER_SHARE


def typical_ops_text() -> str:
    """The typical figure with its arithmetic and source, for a form's help."""
    return (
        f"Typical: about ${typical_ops_usd_per_month():,.0f} a month, a quarter of one engineer "
        f"(${MEDIAN_ENGINEER_USD_PER_YEAR:,.0f} a year median pay x {LOADED_COST_FACTOR} for benefits and overhead / "
        f"12 x {TYPICAL_ENGINEER_SHARE}; pay: {ENGINEER_PAY_SOURCE}). Enter 0 only if nobody's time goes to it."
    )


def ops_share_text(option: str, ops_usd_per_month: float, months: int, option_total_usd: float) -> str:
    """Operations staff's share of a self-hosted option's total over the horizon, in one sentence."""
    staff = ops_usd_per_month * months
    share = staff / option_total_usd if option_total_usd > 0 else 0.0
    return f"Operations staff: ${staff:,.0f} over {months} months, {share:.0%} of {option}'s total."


def ops_share_lines(options: Sequence[object], totals: Mapping[str, float], months: int) -> list[str]:
    """One sentence per self-hosted option whose plan carries operations staff: their share of its total."""
    lines = []
    for option in options:
        plan = getattr(option, "plan", None)
        ops = getattr(getattr(plan, "ownership", None), "ops_usd_per_month", 0.0) or 0.0
        name = getattr(option, "name", "")
        if ops > 0 and name in totals:
            lines.append(ops_share_text(name, ops, months, float(totals[name])))
    return lines
