"""Vendor quotes side by side: the same usage priced under several price sheets, with each sheet's terms.

Pure functions over frozen values; the store, files and pages are the callers' business. The first sheet is
the list (the bundled price map, as a rule); discounts are against it. Volumes are each workload's latest
month times a volume path over the horizon: month m (1 = the month after the latest) at (1 + g)^m for a constant
monthly rate g (0: held flat), or a path the caller fitted (`pricing.planning.quotes` fits the curve Spend
projections uses). Prices are the
sheets' per-1M prices applied linearly to monthly totals, which is exact for negotiated sheets and leaves out
the list map's long-context surcharges.

Terms: volume tiers discount a month's spend at the sheet's prices, in one of two modes. "all-units" (the
default): reach a tier's monthly spend and the whole month gets its discount; the highest tier reached wins.
"graduated" (marginal): each tier's discount applies only to the part of the month's spend from its threshold
up to the next tier's, so a month of spend S under tiers t1 < t2 with d1, d2 saves d1 x (min(S, t2) - t1) +
d2 x (S - t2) when S > t2. A committed spend is a monthly minimum: a month below it is billed the commitment,
and the difference is the shortfall cost.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from pricing.cost import TOKENS_PER_MILLION, TokenPrice

VALID = "valid"
EXPIRED = "expired"
NOT_YET_VALID = "not yet valid"
EXPIRES_IN_HORIZON = "expires within the horizon"
NO_TERMS = "no terms entered"
ALL_UNITS = "all-units"
GRADUATED = "graduated"
TIER_MODES = (ALL_UNITS, GRADUATED)


@dataclass(frozen=True)
class Tier:
    """A volume tier: from this much monthly spend at the sheet's prices, this discount on the whole month."""

    min_usd_per_month: float
    discount_pct: float

    def __post_init__(self) -> None:
        if not (self.min_usd_per_month >= 0 and math.isfinite(self.min_usd_per_month)):
            raise ValueError(
                f"a tier's monthly spend must be a number of dollars, 0 or more (got {self.min_usd_per_month})"
            )
        if not 0 <= self.discount_pct < 100:
            raise ValueError(f"a tier's discount must be a percentage from 0 to below 100 (got {self.discount_pct})")


@dataclass(frozen=True)
class SheetTerms:
    """What a quote says besides its prices."""

    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    committed_usd_per_month: float | None = None
    tiers: tuple[Tier, ...] = ()
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    uptime_pct: float | None = None
    support_tier: str | None = None
    data_retention: str | None = None
    residency: str | None = None
    notes: str | None = None
    tier_mode: str = ALL_UNITS  # how tiers discount a month: the whole month (all-units) or each band (graduated)

    def __post_init__(self) -> None:
        if self.tier_mode not in TIER_MODES:
            raise ValueError(f"tier_mode must be one of {', '.join(TIER_MODES)} (got {self.tier_mode!r})")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until ({self.valid_until}) is before valid_from ({self.valid_from})")
        if self.committed_usd_per_month is not None and not self.committed_usd_per_month >= 0:
            raise ValueError(f"committed spend must be 0 or more dollars a month (got {self.committed_usd_per_month})")
        if self.uptime_pct is not None and not 0 <= self.uptime_pct <= 100:
            raise ValueError(f"uptime must be a percentage from 0 to 100 (got {self.uptime_pct})")
        for name in ("requests_per_minute", "tokens_per_minute"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be 0 or more (got {value})")
        thresholds = [tier.min_usd_per_month for tier in self.tiers]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("two tiers start at the same monthly spend; give each tier its own threshold")

    def status(self, today: dt.date, horizon_end: dt.date) -> str:
        """Whether the quote holds today (and through the horizon)."""
        if self.valid_until is not None and self.valid_until < today:
            return EXPIRED
        if self.valid_from is not None and self.valid_from > today:
            return NOT_YET_VALID
        if self.valid_until is not None and self.valid_until < horizon_end:
            return EXPIRES_IN_HORIZON
        return VALID

    def discount_pct_at(self, gross_usd: float) -> float:
        """The all-units tier discount a month of this gross spend earns (0 below every tier)."""
        return max((tier.discount_pct for tier in self.tiers if gross_usd >= tier.min_usd_per_month), default=0.0)

    def tier_discount_usd(self, gross_usd: float) -> float:
        """What the tiers take off a month of this gross spend, in USD, in the sheet's tier mode."""
        if self.tier_mode == ALL_UNITS:
            return gross_usd * self.discount_pct_at(gross_usd) / 100
        bands = sorted(self.tiers, key=lambda tier: tier.min_usd_per_month)
        saved = 0.0
        for tier, upper in zip(bands, [*(t.min_usd_per_month for t in bands[1:]), math.inf], strict=True):
            saved += max(0.0, min(gross_usd, upper) - tier.min_usd_per_month) * tier.discount_pct / 100
        return saved


@dataclass(frozen=True)
class QuoteSheet:
    """One sheet to compare: its name, its price for each model compared (absent: not quoted), its terms."""

    name: str
    prices: Mapping[str, TokenPrice]
    terms: SheetTerms | None = None


@dataclass(frozen=True)
class QuoteComparison:
    """The comparison: prices per model and sheet, spend per sheet and workload, and each sheet's standing."""

    models: pd.DataFrame  # model_key, sheet_name, usd_per_1m_{input,output,cached_input}, discount_*_pct
    spend: pd.DataFrame  # workload, model_key, sheet_name, gross_usd, tier_discount_usd, usd (over the horizon)
    cheapest: pd.DataFrame  # workload, model_key, sheet_name, usd, list_usd, saving_pct
    sheets: pd.DataFrame  # sheet_name, status, usd, committed_usd, commitment_shortfall_usd, next tier and its gap
    horizon_months: int
    monthly_growth: float | None  # the constant rate, None when a volume path was given
    notes: tuple[str, ...] = field(default=())
    growth_label: str = "held flat"  # which growth the volumes follow, in words
    terms: Mapping[str, SheetTerms | None] = field(default_factory=dict)  # each sheet's terms as compared


def monthly_cost_usd(price: TokenPrice, input_tokens: float, output_tokens: float, cached_input_tokens: float) -> float:
    """A month's cost at flat prices; input_tokens include the cached ones (OpenAI's convention)."""
    return (
        (input_tokens - cached_input_tokens) * price.usd_per_1m_input
        + cached_input_tokens * price.usd_per_1m_cached_effective
        + output_tokens * price.usd_per_1m_output
    ) / TOKENS_PER_MILLION


def _discount_pct(price: float | None, list_price: float | None) -> float:
    if price is None or list_price is None or math.isnan(price) or math.isnan(list_price) or list_price <= 0:
        return math.nan
    return (1 - price / list_price) * 100


def _cached(price: TokenPrice) -> float:
    return price.usd_per_1m_cached_effective


def latest_volumes(monthly: pd.DataFrame) -> pd.DataFrame:
    """Each workload's volumes in its latest month: the base the horizon starts from."""
    if monthly.empty:
        raise ValueError("the usage has no months; give monthly volumes per workload")
    latest = monthly.sort_values("month").groupby("workload", sort=True).tail(1)
    return latest.set_index("workload")[["input_tokens", "output_tokens", "cached_input_tokens"]]


def growth_factor_sum(monthly_growth: float, months: int) -> float:
    """Sum over the horizon of (1 + g)^m for m = 1..months: total volume in units of the latest month's."""
    if monthly_growth == 0:
        return float(months)
    return (1 + monthly_growth) * ((1 + monthly_growth) ** months - 1) / monthly_growth


def compare_quotes(
    monthly: pd.DataFrame,
    models: Mapping[str, str],
    sheets: Sequence[QuoteSheet],
    horizon_months: int,
    today: dt.date,
    monthly_growth: float = 0.0,
    volume_path: Sequence[float] | None = None,
    growth_label: str | None = None,
) -> QuoteComparison:
    """Price each workload's usage on its model under every sheet over the horizon; the first sheet is the list.

    `volume_path` (one factor per month of the horizon, against the latest month) replaces `monthly_growth`.
    """
    if len(sheets) < 2:
        raise ValueError("compare at least two sheets: the list and one quote")
    if len({sheet.name for sheet in sheets}) != len(sheets):
        raise ValueError("a sheet is named twice; name each sheet once")
    if not 1 <= horizon_months <= 120:
        raise ValueError(f"the horizon must be 1 to 120 months (got {horizon_months})")
    if not -1 < monthly_growth <= 1:
        raise ValueError(f"monthly growth must be above -100% and at most 100% (got {monthly_growth:.0%})")
    base = latest_volumes(monthly)
    missing = sorted(set(base.index) - set(models))
    if missing:
        raise ValueError(f"no model given for workload(s) {', '.join(missing)}; give WORKLOAD=MODEL for each")
    if volume_path is not None:
        growth = [float(v) for v in volume_path]
        if len(growth) != horizon_months or not all(math.isfinite(v) and v >= 0 for v in growth):
            raise ValueError(f"the volume path needs {horizon_months} factors, each finite and 0 or more")
        label = growth_label or "a given volume path"
    else:
        growth = [(1 + monthly_growth) ** m for m in range(1, horizon_months + 1)]
        label = growth_label or (f"constant {monthly_growth:+.1%} a month" if monthly_growth else "held flat")
    list_sheet = sheets[0]
    model_keys = sorted(set(models[w] for w in base.index))
    horizon_end = _add_months(today, horizon_months)

    model_rows = []
    for sheet in sheets:
        for key in sorted(set(sheet.prices) | set(model_keys)):
            price = sheet.prices.get(key)
            listed = list_sheet.prices.get(key)
            model_rows.append(
                {
                    "model_key": key,
                    "sheet_name": sheet.name,
                    "usd_per_1m_input": price.usd_per_1m_input if price else math.nan,
                    "usd_per_1m_output": price.usd_per_1m_output if price else math.nan,
                    "usd_per_1m_cached_input": _cached(price) if price else math.nan,
                    "discount_input_pct": _discount_pct(
                        price.usd_per_1m_input if price else None, listed.usd_per_1m_input if listed else None
                    ),
                    "discount_output_pct": _discount_pct(
                        price.usd_per_1m_output if price else None, listed.usd_per_1m_output if listed else None
                    ),
                    "discount_cached_pct": _discount_pct(
                        _cached(price) if price else None, _cached(listed) if listed else None
                    ),
                }
            )

    spend_rows = []
    sheet_rows = []
    for sheet in sheets:
        terms = sheet.terms or SheetTerms()
        gross_per_month = {}  # workload -> that workload's month-0 spend at the sheet's prices
        for workload, volumes in base.iterrows():
            price = sheet.prices.get(models[str(workload)])
            if price is not None:
                gross_per_month[str(workload)] = monthly_cost_usd(
                    price,
                    float(volumes["input_tokens"]),
                    float(volumes["output_tokens"]),
                    float(volumes["cached_input_tokens"]),
                )
        base_total = sum(gross_per_month.values())
        discount_usd = {w: 0.0 for w in gross_per_month}
        net_total = shortfall = 0.0
        months_below_commitment = 0
        for factor in growth:
            month_gross = base_total * factor
            month_discount = terms.tier_discount_usd(month_gross)
            for workload, usd in gross_per_month.items():  # a month's discount shared in proportion to spend
                discount_usd[workload] += month_discount * usd / base_total if base_total else 0.0
            month_net = month_gross - month_discount
            net_total += month_net
            if terms.committed_usd_per_month is not None and month_net < terms.committed_usd_per_month:
                shortfall += terms.committed_usd_per_month - month_net
                months_below_commitment += 1
        for workload in base.index:
            model_key = models[str(workload)]
            if str(workload) in gross_per_month:
                gross = gross_per_month[str(workload)] * sum(growth)
                spend_rows.append(
                    {
                        "workload": str(workload),
                        "model_key": model_key,
                        "sheet_name": sheet.name,
                        "gross_usd": gross,
                        "tier_discount_usd": discount_usd[str(workload)],
                        "usd": gross - discount_usd[str(workload)],
                    }
                )
        unreached = sorted(
            (tier for tier in terms.tiers if base_total * max(growth) < tier.min_usd_per_month),
            key=lambda tier: tier.min_usd_per_month,
        )
        next_tier = unreached[0] if unreached else None
        sheet_rows.append(
            {
                "sheet_name": sheet.name,
                "is_list": sheet is list_sheet,
                "status": terms.status(today, horizon_end) if sheet.terms is not None else NO_TERMS,
                "tier_mode": terms.tier_mode,
                "valid_until": terms.valid_until,
                "workloads_quoted": len(gross_per_month),
                "usd": net_total + shortfall,
                "usage_usd": net_total,
                "committed_usd_per_month": terms.committed_usd_per_month,
                "months_below_commitment": months_below_commitment,
                "commitment_shortfall_usd": shortfall,
                "next_tier_usd_per_month": next_tier.min_usd_per_month if next_tier else math.nan,
                "next_tier_discount_pct": next_tier.discount_pct if next_tier else math.nan,
                # what the first month lacks to reach the next tier: the extra spend its discount would need
                "next_tier_gap_usd_per_month": next_tier.min_usd_per_month - base_total if next_tier else math.nan,
            }
        )

    spend = pd.DataFrame(
        spend_rows, columns=["workload", "model_key", "sheet_name", "gross_usd", "tier_discount_usd", "usd"]
    )
    sheet_frame = pd.DataFrame(sheet_rows)
    return QuoteComparison(
        models=pd.DataFrame(model_rows),
        spend=spend,
        cheapest=_cheapest(spend, sheet_frame, list_sheet.name),
        sheets=sheet_frame,
        horizon_months=horizon_months,
        monthly_growth=monthly_growth if volume_path is None else None,
        notes=_notes(sheet_frame, base, models, sheets),
        growth_label=label,
        terms={sheet.name: sheet.terms for sheet in sheets},
    )


def _cheapest(spend: pd.DataFrame, sheets: pd.DataFrame, list_name: str) -> pd.DataFrame:
    """The cheapest valid sheet per workload (expired and not-yet-valid quotes are left out; ties: the first)."""
    usable = set(sheets.loc[~sheets["status"].isin([EXPIRED, NOT_YET_VALID]), "sheet_name"])
    order = {name: i for i, name in enumerate(sheets["sheet_name"])}
    rows = []
    for workload, group in spend.groupby("workload", sort=True):
        candidates = group[group["sheet_name"].isin(usable)]
        if candidates.empty:
            continue
        candidates = candidates.assign(order=candidates["sheet_name"].map(order)).sort_values(["usd", "order"])
        best = candidates.iloc[0]
        listed = group.loc[group["sheet_name"] == list_name, "usd"]
        list_usd = float(listed.iloc[0]) if not listed.empty else math.nan
        rows.append(
            {
                "workload": workload,
                "model_key": best["model_key"],
                "sheet_name": best["sheet_name"],
                "usd": float(best["usd"]),
                "list_usd": list_usd,
                "saving_pct": _discount_pct(float(best["usd"]), list_usd),
            }
        )
    return pd.DataFrame(rows, columns=["workload", "model_key", "sheet_name", "usd", "list_usd", "saving_pct"])


def _notes(
    sheets: pd.DataFrame, base: pd.DataFrame, models: Mapping[str, str], quoted: Sequence[QuoteSheet]
) -> tuple[str, ...]:
    notes = []
    for sheet in quoted:
        for workload in base.index:
            if models[str(workload)] not in sheet.prices:
                notes.append(f"{sheet.name} does not quote {models[str(workload)]} (workload {workload}).")
    for row in sheets.itertuples():
        if row.status == EXPIRED:
            notes.append(f"{row.sheet_name} expired on {row.valid_until}: ask for a new quote before relying on it.")
        elif row.status == EXPIRES_IN_HORIZON:
            notes.append(f"{row.sheet_name} is valid only until {row.valid_until}, before the horizon ends.")
        if row.commitment_shortfall_usd > 0:
            notes.append(
                f"{row.sheet_name}'s usage stays below its commitment of ${row.committed_usd_per_month:,.2f} a month "
                f"in {row.months_below_commitment} month(s): ${row.commitment_shortfall_usd:,.2f} is paid for nothing,"
                f" and the sheet costs ${row.usd:,.2f} in all (the cheapest per workload counts usage only)."
            )
    return tuple(notes)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


TERM_FIELDS = (
    "valid_from",
    "valid_until",
    "committed_usd_per_month",
    "tiers",
    "tier_mode",
    "requests_per_minute",
    "tokens_per_minute",
    "uptime_pct",
    "support_tier",
    "data_retention",
    "residency",
    "notes",
)


def terms_from_mapping(data: Mapping[str, object], where: str) -> SheetTerms:
    """Terms from a TOML/JSON table (dates as ISO text or dates, tiers as a list of tables); ValueError says where."""
    unknown = sorted(set(data) - set(TERM_FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown term(s) {', '.join(unknown)}; known terms: {', '.join(TERM_FIELDS)}")
    values: dict[str, object] = {}
    for name in ("valid_from", "valid_until"):
        if data.get(name) is not None:
            values[name] = _date(data[name], f"{where}.{name}")
    for name in ("committed_usd_per_month", "uptime_pct"):
        if data.get(name) is not None:
            values[name] = _number(data[name], f"{where}.{name}")
    for name in ("requests_per_minute", "tokens_per_minute"):
        if data.get(name) is not None:
            number = _number(data[name], f"{where}.{name}")
            if number != int(number):
                raise ValueError(f"{where}.{name}: give a whole number (got {data[name]!r})")
            values[name] = int(number)
    for name in ("support_tier", "data_retention", "residency", "notes"):
        if data.get(name) is not None:
            values[name] = str(data[name]).strip() or None
    if data.get("tier_mode") is not None:
        mode = str(data["tier_mode"]).strip().lower()
        if mode not in TIER_MODES:
            raise ValueError(
                f"{where}.tier_mode: {data['tier_mode']!r} is not a tier mode; write one of {', '.join(TIER_MODES)}"
            )
        values["tier_mode"] = mode
    tiers = data.get("tiers") or []
    if not isinstance(tiers, list):
        raise ValueError(f"{where}.tiers: give a list of tiers, each with min_usd_per_month and discount_pct")
    parsed = []
    for i, tier in enumerate(tiers, start=1):
        place = f"{where}.tiers[{i}]"
        if not isinstance(tier, Mapping) or set(tier) != {"min_usd_per_month", "discount_pct"}:
            raise ValueError(f"{place}: a tier has exactly min_usd_per_month and discount_pct (got {tier!r})")
        threshold = _number(tier["min_usd_per_month"], f"{place}.min_usd_per_month")
        discount = _number(tier["discount_pct"], f"{place}.discount_pct")
        try:
            parsed.append(Tier(threshold, discount))
        except ValueError as exc:
            raise ValueError(f"{place}: {exc}") from None
    values["tiers"] = tuple(parsed)
    try:
        return SheetTerms(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def terms_to_mapping(terms: SheetTerms) -> dict[str, object]:
    """Terms as plain values (dates as dates, tiers as a list of tables), the inverse of `terms_from_mapping`."""
    values: dict[str, object] = {name: getattr(terms, name) for name in TERM_FIELDS if name != "tiers"}
    values["tiers"] = [{"min_usd_per_month": t.min_usd_per_month, "discount_pct": t.discount_pct} for t in terms.tiers]
    return values


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31") from None


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{where}: {value!r} is not a number; write digits only, e.g. 1000 or 12.5")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a number; write digits only, e.g. 1000 or 12.5") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: {value!r} is not a finite number")
    return number
