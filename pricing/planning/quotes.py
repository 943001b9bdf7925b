"""Quotes projected as Spend projections projects: the usage's volumes follow the growth that page uses by default.

The default is the curve fitted to the usage's total output tokens per month, best by AICc (the same fit and the
same history the Spend projections page draws, so its label reads the same); a constant monthly rate replaces it
when one is given. Every workload keeps its latest month's volumes and mix and moves with the total's path. The
pricing itself, tiers and commitments are `pricing.quotes`'; this module only chooses the volume path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pricing import service
from pricing.planning.projection import MIN_FIT_POINTS, constant_growth, fit_growth, project_volumes
from pricing.planning.service import summarise_usage
from pricing.quotes import QuoteComparison, SheetTerms
from pricing.store import Store

FITTED_NOTE = "as Spend projections fits it"


@dataclass(frozen=True)
class QuoteGrowth:
    """The volume of each month of the horizon against the latest month's, and how it was chosen, in words."""

    path: tuple[float, ...]
    label: str


def quote_growth(monthly: pd.DataFrame, months: int, monthly_growth: float | None = None) -> QuoteGrowth:
    """A constant rate when given; else the best curve (by AICc) fitted to the total output tokens per month."""
    if monthly_growth is not None:
        if not -1 < monthly_growth <= 1:
            raise ValueError(f"monthly growth must be above -100% and at most 100% (got {monthly_growth:.0%})")
        label = f"constant {monthly_growth:+.1%} a month, set by hand" if monthly_growth else "held flat, set by hand"
        return QuoteGrowth(tuple(float(v) for v in constant_growth(1.0, monthly_growth, months)), label)
    history = summarise_usage(monthly).output_tokens
    base = history[-1] if history else 0.0
    if len(history) < MIN_FIT_POINTS or base <= 0:
        why = (
            f"the usage has {len(history)} month(s); a curve needs {MIN_FIT_POINTS}"
            if len(history) < MIN_FIT_POINTS
            else "the latest month has no output tokens"
        )
        return QuoteGrowth((1.0,) * months, f"held flat: no growth curve fitted ({why})")
    try:
        fits = fit_growth(np.asarray(history, dtype=float))
    except ValueError as exc:
        return QuoteGrowth((1.0,) * months, f"held flat: no growth curve fitted ({exc})")
    if not fits:
        return QuoteGrowth((1.0,) * months, "held flat: no growth curve converged on the usage")
    volumes = np.clip(project_volumes(fits[0], len(history), months), 0.0, None) / base
    return QuoteGrowth(tuple(float(v) for v in volumes), f"fitted {fits[0].label}, best by AICc ({FITTED_NOTE})")


def compare_projected(
    store: Store,
    monthly: pd.DataFrame,
    models: Mapping[str, str],
    sheet_names: Sequence[str],
    *,
    horizon_months: int,
    today: dt.date | None = None,
    monthly_growth: float | None = None,
    terms: Mapping[str, SheetTerms] | None = None,
) -> QuoteComparison:
    """Sheets side by side (`service.compare_sheets`) over volumes grown as `quote_growth` says."""
    growth = quote_growth(monthly, horizon_months, monthly_growth)
    return service.compare_sheets(
        store,
        monthly,
        models,
        sheet_names,
        horizon_months,
        today,
        monthly_growth=monthly_growth or 0.0,
        terms=terms,
        volume_path=None if monthly_growth is not None else growth.path,
        growth_label=growth.label,
    )
