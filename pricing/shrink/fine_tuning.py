"""Hosted fine-tuning prices: the shipped `data/fine_tuning_prices.csv` and files users add in the same shape.

One row per provider and base model: USD per 1M training tokens (every epoch's tokens count), the fine-tuned model's
own USD per 1M input, cached input and output tokens, the pricing page it comes from and the date it was read.
A bad file fails with its name, row and column, and what to write instead.
The boundary: reading and matching only; costing is `pricing.shrink.engine`'s.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pricing.limits import InputError

FINE_TUNING_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "fine_tuning_prices.csv"
COLUMNS = (
    "provider",
    "base_model",
    "usd_per_1m_training_tokens",
    "usd_per_1m_input",
    "usd_per_1m_cached_input",
    "usd_per_1m_output",
    "source_url",
    "as_of",
)
PRICE_COLUMNS = ("usd_per_1m_training_tokens", "usd_per_1m_input", "usd_per_1m_output")
MAX_USD_PER_1M = 1e4  # no token, trained or served, costs $10,000 per million


class FineTuningFileError(InputError):
    """A fine-tuning price file Frontier cannot use; the message names the file, row and column."""


@dataclass(frozen=True)
class FineTuningPrice:
    """One provider's fine-tuning of one base model: training price and the tuned model's own token prices."""

    provider: str
    base_model: str
    usd_per_1m_training_tokens: float
    usd_per_1m_input: float
    usd_per_1m_cached_input: float | None
    usd_per_1m_output: float
    source_url: str
    as_of: dt.date
    file_name: str

    @property
    def source(self) -> str:
        """'openai fine-tuning price, https://..., 2025-06-01 (fine_tuning_prices.csv)'."""
        return f"{self.provider} fine-tuning price, {self.source_url}, {self.as_of.isoformat()} ({self.file_name})"


def _number(value: str, where: str, column: str, optional: bool = False) -> float | None:
    text = value.strip()
    if not text and optional:
        return None
    try:
        number = float(text)
    except ValueError:
        raise FineTuningFileError(
            f"{where}, column {column}: {text!r} is not a number; write USD per 1M tokens such as 3.00"
        ) from None
    if not math.isfinite(number) or not 0 <= number <= MAX_USD_PER_1M:
        raise FineTuningFileError(
            f"{where}, column {column}: {text} is outside 0 to {MAX_USD_PER_1M:,.0f} USD per 1M tokens"
        )
    return number


def read_fine_tuning_prices(
    content: bytes | Path = FINE_TUNING_FILE, file_name: str | None = None
) -> list[FineTuningPrice]:
    """Rows of a fine-tuning price file; FineTuningFileError names the file, row (1 = header) and column."""
    name = file_name or (content.name if isinstance(content, Path) else "fine-tuning prices")
    raw = content.read_bytes() if isinstance(content, Path) else content
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FineTuningFileError(f"{name}: not a readable CSV file ({str(exc).splitlines()[0]})") from None
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise FineTuningFileError(
            f"{name}: missing columns {', '.join(missing)}; the header is {','.join(COLUMNS)}[,note]"
        )
    rows: list[FineTuningPrice] = []
    for row_number, record in enumerate(frame.to_dict("records"), start=2):
        where = f"{name}, row {row_number}"
        for column in ("provider", "base_model"):
            if not record[column].strip():
                raise FineTuningFileError(f"{where}, column {column}: empty; name the {column.replace('_', ' ')}")
        prices = {column: _number(record[column], where, column) for column in PRICE_COLUMNS}
        cached = _number(record["usd_per_1m_cached_input"], where, "usd_per_1m_cached_input", optional=True)
        if not record["source_url"].strip().startswith("https://"):
            raise FineTuningFileError(f"{where}, column source_url: give the https:// pricing page the prices are from")
        try:
            as_of = dt.date.fromisoformat(record["as_of"].strip())
        except ValueError:
            raise FineTuningFileError(
                f"{where}, column as_of: {record['as_of']!r} is not a date; write the day you read the prices, "
                "such as 2025-06-01"
            ) from None
        rows.append(
            FineTuningPrice(
                provider=record["provider"].strip(),
                base_model=record["base_model"].strip(),
                usd_per_1m_training_tokens=float(prices["usd_per_1m_training_tokens"] or 0.0),
                usd_per_1m_input=float(prices["usd_per_1m_input"] or 0.0),
                usd_per_1m_cached_input=cached,
                usd_per_1m_output=float(prices["usd_per_1m_output"] or 0.0),
                source_url=record["source_url"].strip(),
                as_of=as_of,
                file_name=name,
            )
        )
    return rows


def find_fine_tuning(model: str, prices: list[FineTuningPrice]) -> FineTuningPrice | None:
    """The row for a model: its exact base model, else the one whose dated name starts with it; later files win."""
    wanted = model.strip().lower()
    for row in reversed(prices):
        if row.base_model.lower() == wanted:
            return row
    for row in reversed(prices):
        if row.base_model.lower().startswith(wanted + "-"):
            return row
    return None
