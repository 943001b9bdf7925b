"""Pricing request logs: parse model/token rows, resolve model names to sheet keys, and cost them.

Names in a log may be a sheet's exact key ("gpt-4o-mini"), a provider-prefixed key or any alias of a
model ("GPT-4o mini"); they resolve to one key of the chosen sheet, first-party providers preferred.
An unknown or unpriced model is an error that names the row, never a silent zero.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import pandas as pd

from pricing.cost import Pricer, SheetPricer, TokenPrice, UnpricedModelError, Usage
from pricing.identity import canonical_model_id
from pricing.sheets import SheetError, SheetProblem

REQUEST_COLUMNS = ("model", "input_tokens", "output_tokens")
OPTIONAL_REQUEST_COLUMNS = ("cached_input_tokens",)
# When a model is sold by many hosts, a bare name means the maker's own API.
FIRST_PARTY_PROVIDERS = ("openai", "anthropic", "gemini", "mistral", "deepseek", "xai", "nvidia_nim")


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
            if number < 0 or number != int(number):
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


def resolve_model_key(name: str, prices: pd.DataFrame, sheet_name: str) -> str:
    """The sheet key a model name refers to; UnpricedModelError with suggestions when there is none."""
    keys = prices["model_key"]
    if (keys == name).any():
        return name
    lowered = keys.str.lower()
    if (lowered == name.lower()).any():
        return str(keys[lowered == name.lower()].iloc[0])
    matches = prices[prices["model_id"] == canonical_model_id(name)]
    if not matches.empty:
        rank = (
            matches["provider"]
            .map({p: i for i, p in enumerate(FIRST_PARTY_PROVIDERS)})
            .fillna(len(FIRST_PARTY_PROVIDERS))
        )
        best = matches.assign(_rank=rank, _len=matches["model_key"].str.len()).sort_values(["_rank", "_len"])
        return str(best["model_key"].iloc[0])
    close = difflib.get_close_matches(name, list(keys), n=3, cutoff=0.6)
    hint = f"Did you mean {', '.join(close)}?" if close else "Check the spelling against the catalogue."
    raise UnpricedModelError(name, sheet_name, hint)


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
    resolved: dict[str, str] = {}
    for request in rows:
        try:
            if request.model not in resolved:
                resolved[request.model] = resolve_model_key(request.model, prices, pricer.sheet_name)
            key = resolved[request.model]
            priced.append(
                PricedRow(request.row, request.model, key, request.usage, pricer.cost_usd(key, request.usage))
            )
        except UnpricedModelError as exc:
            problems.append(SheetProblem(file_name, request.row, "model", str(exc)))
    if problems:
        raise SheetError(problems)
    return priced
