"""What would make self-hosting break even within the horizon: the volume, GPU price or utilisation at which it does.

"Not within 36 months" tells a CTO nothing about how far off self-hosting is. For a self-hosted option that does
not break even against an API option, each lever is moved on its own, everything else held at the scenario's
values, and the projection is rerun until the option breaks even by the rule of `projection.break_even_month`:
- monthly volume: every month's volume scaled (the base volume, or the history a fitted curve is drawn through);
- GPU price: the hourly rate of rented GPUs (the purchase price of bought ones) scaled down;
- utilisation: the share of each GPU's measured throughput the fleet is planned to use, raised up to 95%.
Each answer is found on a fine geometric grid and refined by bisection, so a step in whole GPUs cannot hide a
threshold between grid points. Volume is scanned upwards and price downwards from the scenario, so the answer is
the smallest change that wins; a lever that cannot win within its range says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pricing.exports import fmt_tokens
from pricing.planning.projection import ProjectionInputs, SelfHostOption, project, scaled_volume, with_input

MAX_VOLUME_FACTOR = 1000.0  # a thousand times today's volume is as far as the scan looks
MIN_PRICE_FACTOR = 0.01  # down to 1% of today's GPU price
MAX_UTILISATION = 0.95
GRID_POINTS = 48
BISECTIONS = 24


@dataclass(frozen=True)
class WinCondition:
    """One lever and the value at which the option breaks even within the horizon (None: not within its range)."""

    lever: str  # "monthly volume", "GPU price", "utilisation"
    now: float  # the scenario's value, in `unit`
    needed: float | None  # the value at which it breaks even, in `unit`
    unit: str
    break_even_month: int | None  # the month it breaks even at `needed`
    text: str  # the condition as a sentence fragment


def _breaks_even(inputs: ProjectionInputs, option: str, versus: str) -> int | None:
    return project(inputs).head_to_head(option, versus).break_even_month


def _threshold(wins: Callable[[float], int | None], grid: np.ndarray) -> tuple[float, int] | None:
    """The first grid value at which `wins` returns a month, refined by bisection against the value before it."""
    previous = None
    for value in grid:
        month = wins(float(value))
        if month is not None:
            if previous is None:
                return float(value), month
            low, high, found = previous, float(value), month
            for _ in range(BISECTIONS):
                middle = (low + high) / 2
                month_mid = wins(middle)
                if month_mid is None:
                    low = middle
                else:
                    high, found = middle, month_mid
            return high, found
        previous = float(value)
    return None


def what_would_win(inputs: ProjectionInputs, option: str, versus: str) -> list[WinCondition]:
    """For a self-hosted option that does not break even against `versus`, the value of each lever at which it would.

    Empty when it already breaks even, or when `option` is not a self-hosted option.
    """
    chosen = next((o for o in inputs.options if o.name == option), None)
    against = next((o for o in inputs.options if o.name == versus), None)
    if not isinstance(chosen, SelfHostOption) or against is None:
        return []
    # Only the two options matter: project them alone (a scenario of 20 options would cost 10x per step).
    inputs = dataclasses.replace(inputs, options=(chosen, against))
    if _breaks_even(inputs, option, versus) is not None:
        return []
    conditions = []

    volume_now = float(project(inputs).volumes["output_tokens"].iloc[0])
    found = _threshold(
        lambda f: _breaks_even(scaled_volume(inputs, f), option, versus),
        np.geomspace(1.0, MAX_VOLUME_FACTOR, GRID_POINTS)[1:],
    )
    conditions.append(
        WinCondition(
            "monthly volume",
            volume_now,
            volume_now * found[0] if found else None,
            "output tokens a month",
            found[1] if found else None,
            f"at {found[0]:.2g}x today's volume ({fmt_tokens(volume_now * found[0])} output tokens in the first "
            f"month, growing as planned) it breaks even in month {found[1]}"
            if found
            else f"not even at {MAX_VOLUME_FACTOR:,.0f}x today's volume",
        )
    )

    ownership = chosen.plan.ownership
    bought = ownership.mode == "bought"
    field = "purchase_usd_per_gpu" if bought else "usd_per_gpu_hour"
    price_now = float(getattr(ownership, field))
    if price_now > 0:
        key = f"{option}.plan.ownership.{field}"
        found = _threshold(
            lambda f: _breaks_even(with_input(inputs, key, price_now * f), option, versus),
            np.geomspace(1.0, MIN_PRICE_FACTOR, GRID_POINTS)[1:],
        )
        unit = "USD per GPU" if bought else "USD per GPU-hour"
        what = "a purchase price" if bought else "a GPU price"
        conditions.append(
            WinCondition(
                "GPU price",
                price_now,
                price_now * found[0] if found else None,
                unit,
                found[1] if found else None,
                f"at {what} of ${price_now * found[0]:,.2f} ({found[0]:.0%} of ${price_now:,.2f}) it breaks even in "
                f"month {found[1]}"
                if found
                else f"not even at {MIN_PRICE_FACTOR:.0%} of today's GPU price: the other costs (power, operations "
                "staff) or the API's price decide",
            )
        )

    utilisation_now = chosen.plan.target_utilisation
    if utilisation_now < MAX_UTILISATION:
        key = f"{option}.plan.target_utilisation"
        found = _threshold(
            lambda u: _breaks_even(with_input(inputs, key, u), option, versus),
            np.linspace(utilisation_now, MAX_UTILISATION, GRID_POINTS)[1:],
        )
        conditions.append(
            WinCondition(
                "utilisation",
                utilisation_now,
                found[0] if found else None,
                "share of measured throughput",
                found[1] if found else None,
                f"planning GPUs at {found[0]:.0%} of their measured throughput instead of {utilisation_now:.0%} it "
                f"breaks even in month {found[1]}"
                if found
                else f"not even at {MAX_UTILISATION:.0%} utilisation",
            )
        )
    return conditions


def win_text(option: str, versus: str, horizon_months: int, conditions: list[WinCondition]) -> str:
    """The conditions as one sentence: what would make `option` break even against `versus`, lever by lever."""
    parts = "; ".join(f"{c.lever}: {c.text}" for c in conditions)
    return (
        f"{option} does not break even against {versus} within {horizon_months} months. Each change alone, the rest "
        f"as planned: {parts}."
    )
