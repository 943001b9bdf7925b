"""Price sources: where a seeded price sheet comes from, how it is read, how its costs are computed, whose it is.

A source is one registry entry. Adding one (a provider's published sheet, a second price map) touches this module
and a test: seeding writes every entry's sheet, the service and the probes price a sheet with its entry's pricer,
and the app's credit line lists every entry. Sheets a user uploads or sets in the app are no source: they are
priced linearly from their per-1M prices (`pricing.usage.sheet_pricer`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pricing.cost import Pricer, Usage
from pricing.litellm_prices import (
    BUNDLED_SHEET_NAME,
    LITELLM_VERSION,
    LitellmPricer,
    bundled_price_date,
    bundled_price_records,
    bundled_sheet,
    litellm_release,
)
from pricing.store import PriceSheet
from pricing.usage import sheet_pricer


@dataclass(frozen=True)
class PriceSource:
    """One source of a seeded price sheet.

    `read(data_dir, today)` returns the sheet's metadata and its price rows (the store's `prices` columns);
    `pricer(prices, sheet_name)` prices usages of that sheet; `credit` is the line the app and the README show.
    The default source's sheet is the one every page and command starts from.
    """

    sheet_name: str
    licence: str
    credit: str
    read: Callable[[Path, dt.date], tuple[PriceSheet, pd.DataFrame]]
    pricer: Callable[[pd.DataFrame, str], Pricer]
    default: bool = False


def _read_litellm(data_dir: Path, today: dt.date) -> tuple[PriceSheet, pd.DataFrame]:
    # litellm's map dates no price: each is dated by the release that shipped it, not by the seed day.
    release = litellm_release(LITELLM_VERSION, data_dir)
    as_of = bundled_price_date(today, release)
    return bundled_sheet(as_of, release), bundled_price_records(as_of=as_of)


@dataclass(frozen=True)
class _RefreshedLitellmPricer:
    """litellm's own costs for the prices it ships; linear costs for the ones a refresh changed or added."""

    installed: LitellmPricer
    refreshed: Pricer
    refreshed_keys: frozenset[str]

    @property
    def sheet_name(self) -> str:
        """The sheet the prices come from."""
        return self.installed.sheet_name

    def cost_usd(self, model_key: str, usage: Usage) -> float:
        """Cost in USD: litellm's calculation unless a refresh changed this model's price."""
        pricer = self.refreshed if model_key in self.refreshed_keys else self.installed
        return pricer.cost_usd(model_key, usage)


def _shipped_usd_per_1m(cost_map: dict[str, dict[str, object]], key: object, field: str) -> float:
    entry = cost_map.get(str(key))
    value = None if entry is None else entry.get(field)
    return float("nan") if value is None else float(value) * 1e6  # type: ignore[arg-type]


def _litellm_pricer(prices: pd.DataFrame, sheet_name: str) -> Pricer:
    # litellm computes its own tiers, time-of-day and cache-read prices, so its costs agree with litellm exactly.
    # A refresh (`python -m pricing refresh`) can date a newer price into this sheet that the installed litellm
    # does not know: litellm would bill the old one, so those models are priced linearly from the stored price.
    installed = LitellmPricer(sheet_name=sheet_name)
    if prices.empty or "model_key" not in prices:
        return installed
    differs = pd.Series(False, index=prices.index)
    for field, column in (("input_cost_per_token", "usd_per_1m_input"), ("output_cost_per_token", "usd_per_1m_output")):
        shipped = prices["model_key"].map(lambda key, f=field: _shipped_usd_per_1m(installed.cost_map, key, f))
        stored = prices[column].astype(float)
        differs |= shipped.isna() | ((shipped - stored).abs() > 1e-9 * shipped.abs().clip(lower=1e-12))
    changed = prices[differs]
    if changed.empty:
        return installed
    keys = frozenset(str(key) for key in changed["model_key"])
    return _RefreshedLitellmPricer(installed, sheet_pricer(changed, sheet_name), keys)


PRICE_SOURCES: tuple[PriceSource, ...] = (
    PriceSource(
        sheet_name=BUNDLED_SHEET_NAME,
        licence="MIT",
        credit="litellm's bundled price map (MIT)",
        read=_read_litellm,
        pricer=_litellm_pricer,
        default=True,
    ),
)


def source_of(sheet_name: str) -> PriceSource | None:
    """The registry entry that seeds a sheet, or None for a sheet users upload or set."""
    return next((source for source in PRICE_SOURCES if source.sheet_name == sheet_name), None)


def pricer_of(sheet_name: str, prices: pd.DataFrame) -> Pricer:
    """How a sheet's costs are computed: its source's pricer, else linearly from its per-1M prices."""
    source = source_of(sheet_name)
    return source.pricer(prices, sheet_name) if source is not None else sheet_pricer(prices, sheet_name)


def default_sheet_name(names: Sequence[str]) -> str:
    """The sheet pages and commands start from: the default source's if present, else the first; LookupError if
    there is none."""
    if not names:
        raise LookupError("the store has no price sheets; run `python -m pricing seed` first")
    preferred = [source.sheet_name for source in PRICE_SOURCES if source.default]
    return next((name for name in preferred if name in names), str(names[0]))


def credit_line() -> str:
    """Every price source's credit, for the app's footer."""
    return "; ".join(source.credit for source in PRICE_SOURCES)
