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

from pricing.cost import Pricer
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


def _litellm_pricer(prices: pd.DataFrame, sheet_name: str) -> Pricer:
    # litellm computes its own tiers, time-of-day and cache-read prices, so its costs agree with litellm exactly.
    del prices
    return LitellmPricer(sheet_name=sheet_name)


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
