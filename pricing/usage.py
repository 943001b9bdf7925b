"""Pricing request logs: parse model/token rows, resolve model names to sheet keys, and cost them.

Names in a log may be a sheet's exact key ("gpt-4o-mini", "gemini/gemma-3-27b-it") or any other
spelling of a model ("GPT-4o mini", "gemma-3-27b-it"). A key is used as named, even a $0 free tier
(labelled so). Any other name stands for its model and resolves to a paid offer by the default offer
rule of `pricing.offers`: the maker's own list price where the maker sells the model, else the cheapest
host of open weights, else the median-priced reseller; flagged prices are passed over. Every resolution
says which key it chose and why. An unknown or unpriced model is an error that names the row, never a
silent zero, and a model offered only at $0 must be named by its key.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import pandas as pd

from pricing.cost import DEFAULT_INPUT_OUTPUT_RATIO, Pricer, SheetPricer, TokenPrice, UnpricedModelError, Usage
from pricing.identity import canonical_model_id
from pricing.limits import MAX_TOKENS_PER_REQUEST
from pricing.offers import FREE_TIER, OFFER_COLUMNS, annotate_offers, base_model_id, choose_offers
from pricing.sheets import SheetError, SheetProblem

REQUEST_COLUMNS = ("model", "input_tokens", "output_tokens")
STAND_IN = ", none usable, so an offer of the same base model (or a variant of it) stands in"  # see resolve_model
OPTIONAL_REQUEST_COLUMNS = ("cached_input_tokens",)


@dataclass(frozen=True)
class ResolvedModel:
    """The sheet key a name resolved to, who sells that offer, and why it was chosen."""

    name: str
    model_key: str
    provider: str | None
    offer_label: str
    reason: str
    free_tier: bool = False
    price_flag_reason: str = ""

    @property
    def note(self) -> str:
        """One line for an output: 'gemma-3-27b-it -> deepinfra/google/gemma-3-27b-it: via deepinfra ...'."""
        flag = f" Price flagged: {self.price_flag_reason}." if self.price_flag_reason else ""
        return f"{self.name} -> {self.model_key} ({self.offer_label}): {self.reason}.{flag}"


@dataclass(frozen=True)
class RequestRow:
    """One row of a request log."""

    row: int
    model: str
    usage: Usage


@dataclass(frozen=True)
class PricedRow:
    """One request with the sheet key it resolved to and its cost."""

    row: int
    model: str
    model_key: str
    usage: Usage
    cost_usd: float
    resolved: ResolvedModel | None = None

    @property
    def free_tier(self) -> bool:
        """Whether the row was priced at a $0 free tier (only ever when named by its key)."""
        return self.resolved is not None and self.resolved.free_tier


def parse_requests(table: pd.DataFrame, file_name: str, input_includes_cached: bool = True) -> list[RequestRow]:
    """Validate a request table; every problem names file, row and column."""
    table = table.rename(columns=lambda c: str(c).strip().lower())
    problems = [
        SheetProblem(file_name, 1, c, "required column is missing from the header row.")
        for c in REQUEST_COLUMNS
        if c not in table.columns
    ]
    if problems:
        raise SheetError(problems)
    rows: list[RequestRow] = []
    for index, raw in enumerate(table.to_dict("records")):
        row_number = index + 2
        model = str(raw.get("model") or "").strip()
        if not model or model.lower() == "nan":
            problems.append(SheetProblem(file_name, row_number, "model", "is empty."))
            continue
        counts: dict[str, int] = {}
        for column in (*REQUEST_COLUMNS[1:], *OPTIONAL_REQUEST_COLUMNS):
            value = raw.get(column)
            if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
                if column in REQUEST_COLUMNS:
                    problems.append(SheetProblem(file_name, row_number, column, "is empty; give a token count."))
                counts[column] = 0
                continue
            try:
                number = float(str(value).replace(",", ""))
            except ValueError:
                problems.append(SheetProblem(file_name, row_number, column, f"'{value}' is not a number of tokens."))
                continue
            if number > MAX_TOKENS_PER_REQUEST:  # infinity included
                problems.append(
                    SheetProblem(
                        file_name,
                        row_number,
                        column,
                        f"{value} tokens is more than one request can carry (at most {MAX_TOKENS_PER_REQUEST:,}, the "
                        "largest context window); check the figure (a unit or exponent slip?).",
                    )
                )
                continue
            if math.isnan(number) or number < 0 or number != math.floor(number):
                problems.append(
                    SheetProblem(
                        file_name, row_number, column, f"{value} is not a whole, non-negative number of tokens."
                    )
                )
                continue
            counts[column] = int(number)
        if len(counts) < 3:
            continue
        input_tokens = counts["input_tokens"] + (0 if input_includes_cached else counts["cached_input_tokens"])
        if counts["cached_input_tokens"] > input_tokens:
            problems.append(
                SheetProblem(
                    file_name,
                    row_number,
                    "cached_input_tokens",
                    "exceeds input_tokens; input_tokens must include cached tokens (or pass the "
                    "Anthropic-style option if your log counts them apart).",
                )
            )
            continue
        rows.append(
            RequestRow(row_number, model, Usage(input_tokens, counts["output_tokens"], counts["cached_input_tokens"]))
        )
    if problems:
        raise SheetError(problems)
    return rows


def _with_offer_columns(prices: pd.DataFrame) -> pd.DataFrame:
    """Prices annotated with offer kind, free tier and price flags (service tables already are)."""
    if all(column in prices for column in OFFER_COLUMNS):
        return prices
    return annotate_offers(prices)


def _blended(offers: pd.DataFrame) -> pd.Series:
    """USD per 1M tokens at the default 3:1 input:output blend, to compare offers of one model."""
    inputs = pd.to_numeric(offers["usd_per_1m_input"], errors="coerce")
    outputs = pd.to_numeric(offers["usd_per_1m_output"], errors="coerce")
    return (DEFAULT_INPUT_OUTPUT_RATIO * inputs + outputs) / (DEFAULT_INPUT_OUTPUT_RATIO + 1)


def _named(name: str, row: pd.Series) -> ResolvedModel:
    free = bool(row.get("free_tier", False))
    return ResolvedModel(
        name=name,
        model_key=str(row["model_key"]),
        provider=row["provider"] if isinstance(row.get("provider"), str) else None,
        offer_label=str(row.get("offer_label") or row.get("provider") or "unnamed provider"),
        reason="named by its key" + (f"; a {FREE_TIER} at $0, used only because it was named" if free else ""),
        free_tier=free,
        price_flag_reason=str(row.get("price_flag_reason") or ""),
    )


def _chosen(
    name: str, model_id: str, own: pd.DataFrame, row: pd.Series, stand_in: bool, all_flagged: bool
) -> ResolvedModel:
    skipped = int(own["free_tier"].astype(bool).sum())
    passed = f"; {skipped} {FREE_TIER} offer{'s' if skipped != 1 else ''} at $0 passed over" if skipped else ""
    if own.empty:
        found = f"{model_id} has no offer of its own in this sheet, so one of the same base model stands in"
    else:
        found = f"{model_id} has {len(own)} offer{'s' if len(own) != 1 else ''} in this sheet"
        found += STAND_IN if stand_in else ""
    flagged = ", every one with a flagged price" if all_flagged else ""
    return ResolvedModel(
        name=name,
        model_key=str(row["model_key"]),
        provider=row["provider"] if isinstance(row["provider"], str) else None,
        offer_label=str(row["offer_label"]),
        reason=f"{found}{flagged}; {row['offer_basis']}{passed}",
        price_flag_reason=str(row["price_flag_reason"] or ""),
    )


def resolve_model(name: str, prices: pd.DataFrame, sheet_name: str) -> ResolvedModel:
    """The offer a model name refers to in a sheet and why; UnpricedModelError with suggestions when none.

    A sheet key (any case) is that offer, even at $0. Any other name is matched to its canonical model
    and resolves to a paid offer by the default offer rule (see the module docstring); a model offered
    only at $0 must be named by its key.
    """
    keys = prices["model_key"].astype(str)
    exact = prices[keys == name]
    if exact.empty:
        exact = prices[keys.str.lower() == name.lower()]
    if not exact.empty:
        return _named(name, _with_offer_columns(prices).loc[exact.index[0]])
    model_id = canonical_model_id(name)
    ids = prices["model_id"].fillna("").astype(str)
    own = ids == model_id
    variants = (ids.map(base_model_id) == base_model_id(model_id)) & ~own
    if model_id and (own | variants).any():
        annotated = _with_offer_columns(prices).assign(_blended_usd=lambda f: _blended(f))
        # The model's own offers first; offers of its base model or sibling variants (priced alike) stand in only
        # when it has no usable one: grok-4-fast's one offer is flagged, its reasoning variant's are not.
        for include_flagged in (False, True):
            for pool, stand_in in ((own, False), (own | variants, True)):
                if pool.any():
                    chosen = choose_offers(
                        annotated[pool].assign(model_id=model_id), "maker", include_flagged, "_blended_usd"
                    )
                    if not chosen.empty:
                        return _chosen(name, model_id, annotated[own], chosen.iloc[0], stand_in, include_flagged)
        free = ", ".join(annotated.loc[own & annotated["free_tier"].astype(bool), "model_key"].astype(str).head(3))
        raise UnpricedModelError(
            name, sheet_name, f"{model_id} is offered only at $0 ({FREE_TIER}): name an offer by its key ({free})."
        )
    close = difflib.get_close_matches(name, list(keys), n=3, cutoff=0.6)
    hint = f"Did you mean {', '.join(close)}?" if close else "Check the spelling against the catalogue."
    raise UnpricedModelError(name, sheet_name, hint)


def resolve_model_key(name: str, prices: pd.DataFrame, sheet_name: str) -> str:
    """The sheet key a model name refers to (see `resolve_model`, which also says why)."""
    return resolve_model(name, prices, sheet_name).model_key


def sheet_pricer(prices: pd.DataFrame, sheet_name: str) -> SheetPricer:
    """A linear pricer over a sheet's current prices."""
    table: dict[str, TokenPrice] = {}
    for row in prices.itertuples(index=False):
        cached = row.usd_per_1m_cached_input
        table[str(row.model_key)] = TokenPrice(
            model_key=str(row.model_key),
            sheet_name=sheet_name,
            usd_per_1m_input=float(row.usd_per_1m_input),
            usd_per_1m_output=float(row.usd_per_1m_output),
            usd_per_1m_cached_input=None if pd.isna(cached) else float(cached),
            effective_date=row.effective_date,
            provider=row.provider if isinstance(row.provider, str) else None,
        )
    return SheetPricer(sheet_name, table)


def price_requests(rows: list[RequestRow], pricer: Pricer, prices: pd.DataFrame, file_name: str) -> list[PricedRow]:
    """Cost every row; unknown or unpriced models are reported together, with their rows."""
    priced: list[PricedRow] = []
    problems: list[SheetProblem] = []
    resolved: dict[str, ResolvedModel] = {}
    prices = _with_offer_columns(prices)
    for request in rows:
        try:
            if request.model not in resolved:
                resolved[request.model] = resolve_model(request.model, prices, pricer.sheet_name)
            found = resolved[request.model]
            cost = pricer.cost_usd(found.model_key, request.usage)
            priced.append(PricedRow(request.row, request.model, found.model_key, request.usage, cost, found))
        except UnpricedModelError as exc:
            problems.append(SheetProblem(file_name, request.row, "model", str(exc)))
    if problems:
        raise SheetError(problems)
    return priced
