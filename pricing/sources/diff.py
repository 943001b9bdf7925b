"""What a refreshed file changes against what the store holds: the diff, and the guards that refuse a bad file.

Pure functions of DataFrames. A price sheet is compared by its model keys (a provider's offer), a score source by
(model, benchmark, source). The diff's rows are `refresh_changes` rows without the snapshot's stamp: new and removed
models, price cuts and rises per field with their percentage, score changes, and a new source.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

import numpy as np
import pandas as pd

CHANGE_COLUMNS = (
    "change",
    "model_key",
    "model_id",
    "field",
    "old_value",
    "new_value",
    "change_pct",
    "new_to_store",
)
PRICE_FIELDS = ("usd_per_1m_input", "usd_per_1m_output")
MAX_DROP_SHARE = 0.2  # a refresh that would remove more than this share of a source's rows is refused
MAX_JUMP_SHARE = 0.1  # ... or that moves more than this share of its prices by over JUMP_FACTOR
JUMP_FACTOR = 10.0
_SAME = 1e-9  # relative difference below which two figures are the same


@dataclass(frozen=True)
class Guard:
    """How much of a source a refresh would remove and how many prices it would move by over 10x."""

    rows_before: int
    rows_removed: int
    prices_compared: int
    prices_jumped: int

    @property
    def drop_share(self) -> float:
        """Share of the source's rows the refresh would remove."""
        return self.rows_removed / self.rows_before if self.rows_before else 0.0

    @property
    def jump_share(self) -> float:
        """Share of prices present before and after that move by over JUMP_FACTOR."""
        return self.prices_jumped / self.prices_compared if self.prices_compared else 0.0

    def refusal(self) -> str | None:
        """Why the refresh is refused without --force, or None."""
        if self.drop_share > MAX_DROP_SHARE:
            return (
                f"it would remove {self.rows_removed:,} of {self.rows_before:,} rows ({self.drop_share:.0%}, more "
                f"than {MAX_DROP_SHARE:.0%}); the file may be cut short or filtered"
            )
        if self.jump_share > MAX_JUMP_SHARE:
            return (
                f"it would move {self.prices_jumped:,} of {self.prices_compared:,} prices by over {JUMP_FACTOR:g}x "
                f"({self.jump_share:.0%}, more than {MAX_JUMP_SHARE:.0%}); the file may have a unit slip"
            )
        return None


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(CHANGE_COLUMNS))


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS)) if rows else _empty()


def _differs(old: float, new: float) -> bool:
    if np.isnan(old) and np.isnan(new):
        return False
    if np.isnan(old) or np.isnan(new):
        return True
    return abs(new - old) > _SAME * max(abs(old), abs(new), 1e-12)


def _pct(old: float, new: float) -> float:
    return (new - old) / old * 100.0 if old else float("nan")


def _model_id(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def price_diff(
    old: pd.DataFrame, new: pd.DataFrame, known_model_ids: Set[str]
) -> tuple[pd.DataFrame, pd.DataFrame, Guard]:
    """(changes, the rows to write: new or changed offers, guard) of a sheet's current prices against a fetched file."""
    old_by_key = old.drop_duplicates("model_key", keep="last").set_index("model_key") if not old.empty else None
    rows: list[dict[str, object]] = []
    write = np.zeros(len(new), dtype=bool)
    compared = jumped = 0
    for position, row in enumerate(new.itertuples(index=False)):
        key = str(row.model_key)
        model_id = _model_id(row.model_id)
        if old_by_key is None or key not in old_by_key.index:
            write[position] = True
            rows.append(
                {
                    "change": "new_model",
                    "model_key": key,
                    "model_id": model_id,
                    "new_to_store": model_id is not None and model_id not in known_model_ids,
                }
            )
            continue
        before = old_by_key.loc[key]
        moved = False
        for field in (*PRICE_FIELDS, "usd_per_1m_cached_input"):
            old_value, new_value = float(before[field]), float(getattr(row, field))
            if not _differs(old_value, new_value):
                continue
            write[position] = True
            if field not in PRICE_FIELDS or np.isnan(old_value) or np.isnan(new_value):
                continue
            ratio = new_value / old_value if old_value else np.inf if new_value else 1.0
            moved = moved or ratio > JUMP_FACTOR or ratio < 1 / JUMP_FACTOR
            rows.append(
                {
                    "change": "price_cut" if new_value < old_value else "price_rise",
                    "model_key": key,
                    "model_id": model_id,
                    "field": field,
                    "old_value": old_value,
                    "new_value": new_value,
                    "change_pct": _pct(old_value, new_value),
                    "new_to_store": False,
                }
            )
        compared += 1
        jumped += int(moved)
    removed = [] if old_by_key is None else sorted(set(old_by_key.index) - set(new["model_key"].astype(str)))
    for key in removed:
        rows.append(
            {
                "change": "removed_model",
                "model_key": key,
                "model_id": _model_id(old_by_key.loc[key, "model_id"]) if old_by_key is not None else None,
                "new_to_store": False,
            }
        )
    guard = Guard(0 if old_by_key is None else len(old_by_key), len(removed), compared, jumped)
    return _frame(rows), new[write].reset_index(drop=True), guard


def score_diff(old: pd.DataFrame, new: pd.DataFrame, known_model_ids: Set[str]) -> tuple[pd.DataFrame, Guard]:
    """(changes, guard) of a source's scores in the store against a fetched file's, per (model, benchmark, source).

    The source is in the key because one file may cite several reports for the same model and benchmark (Epoch's
    compilations); for a source with one name it changes nothing.
    """
    key = ["model_id", "benchmark_id", "source"]
    old_scores = old.drop_duplicates(key).set_index(key)["score"] if not old.empty else pd.Series(dtype=float)
    new_scores = new.drop_duplicates(key).set_index(key)["score"] if not new.empty else pd.Series(dtype=float)
    names = dict(zip(new["model_id"], new["raw_model_name"], strict=False)) if not new.empty else {}
    old_names = dict(zip(old["model_id"], old["raw_model_name"], strict=False)) if not old.empty else {}
    rows: list[dict[str, object]] = []
    old_models = set(old["model_id"]) if not old.empty else set()
    new_models = set(new["model_id"]) if not new.empty else set()
    for model_id in sorted(new_models - old_models):
        rows.append(
            {
                "change": "new_model",
                "model_key": names.get(model_id),
                "model_id": model_id,
                "new_to_store": model_id not in known_model_ids,
            }
        )
    for model_id in sorted(old_models - new_models):
        rows.append(
            {
                "change": "removed_model",
                "model_key": old_names.get(model_id),
                "model_id": model_id,
                "new_to_store": False,
            }
        )
    common = old_scores.index.intersection(new_scores.index)
    for model_id, benchmark_id, source in common:
        before = float(old_scores[(model_id, benchmark_id, source)])
        after = float(new_scores[(model_id, benchmark_id, source)])
        if _differs(before, after):
            rows.append(
                {
                    "change": "score_change",
                    "model_key": names.get(model_id),
                    "model_id": model_id,
                    "field": benchmark_id,
                    "old_value": before,
                    "new_value": after,
                    "change_pct": _pct(before, after),
                    "new_to_store": False,
                }
            )
    removed = len(old_scores.index.difference(new_scores.index))
    return _frame(rows), Guard(len(old_scores), removed, 0, 0)


def new_source_change(title: str) -> pd.DataFrame:
    """The change a source's first load records."""
    return _frame([{"change": "new_source", "model_key": title, "new_to_store": False}])


def summary(changes: pd.DataFrame) -> dict[str, int]:
    """How many changes of each kind."""
    if changes.empty:
        return {}
    return {str(k): int(v) for k, v in changes["change"].value_counts().sort_index().items()}
