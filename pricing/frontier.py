"""Pareto frontiers: which options no other option beats on both cost and quality.

Pure and generic over two numeric axes with known directions, so the same code serves quality
against blended price, per-task cost, latency or throughput. O(n log n): one sort, one sweep.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd


def pareto_mask(
    cost: Sequence[float] | npt.ArrayLike,
    quality: Sequence[float] | npt.ArrayLike,
    cost_lower_is_better: bool = True,
    quality_higher_is_better: bool = True,
) -> npt.NDArray[np.bool_]:
    """True for points on the frontier. Exact ties are all kept; points with NaN are never on it.

    A point is dominated when another is at least as good on both axes and strictly better on one.
    """
    x = np.asarray(cost, dtype=float)
    y = np.asarray(quality, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"cost and quality differ in length ({x.size} vs {y.size})")
    # Orient both axes so that smaller x and larger y are better.
    x = x if cost_lower_is_better else -x
    y = y if quality_higher_is_better else -y
    mask = np.zeros(x.shape, dtype=bool)
    valid = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    if valid.size == 0:
        return mask
    # Sort by cost ascending, then quality descending: each point need only beat those before it.
    order = valid[np.lexsort((-y[valid], x[valid]))]
    best_y = -np.inf
    best_x = np.nan
    for index in order:
        xi, yi = x[index], y[index]
        if yi > best_y:
            mask[index] = True
            best_y, best_x = yi, xi
        elif yi == best_y and xi == best_x:
            mask[index] = True  # an exact tie with a frontier point is not dominated
    return mask


def mark_frontier(
    frame: pd.DataFrame,
    cost_column: str,
    quality_column: str,
    cost_lower_is_better: bool = True,
    quality_higher_is_better: bool = True,
) -> pd.DataFrame:
    """A copy of the frame with an `on_frontier` column, sorted along the frontier's cost axis."""
    result = frame.copy()
    result["on_frontier"] = pareto_mask(
        result[cost_column].to_numpy(dtype=float),
        result[quality_column].to_numpy(dtype=float),
        cost_lower_is_better,
        quality_higher_is_better,
    )
    return result.sort_values(
        [cost_column, quality_column], ascending=[cost_lower_is_better, not quality_higher_is_better]
    ).reset_index(drop=True)
