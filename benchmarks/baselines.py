"""The slow references our fast code is timed and checked against: kept here, not in the production modules.

`pareto_mask_naive` is the O(n^2) dominance check behind `pricing.frontier.pareto_mask`; `monte_carlo_loop` is
`pricing.planning.projection.monte_carlo` one path at a time in Python. Tests cross-check against both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

# The loop must draw and sum exactly as the vectorised code does, so it reuses the projection's own draws,
# per-path spend and summary; only the looping differs.
from pricing.planning.projection import (
    MonteCarloResult,
    ProjectionInputs,
    Uncertain,
    _draws,
    _spend_paths,
    _summarise,
)


def pareto_mask_naive(
    cost: Sequence[float] | npt.ArrayLike,
    quality: Sequence[float] | npt.ArrayLike,
    cost_lower_is_better: bool = True,
    quality_higher_is_better: bool = True,
) -> npt.NDArray[np.bool_]:
    """Reference O(n^2) dominance check: on the frontier unless another point is as good on both, better on one."""
    x = np.asarray(cost, dtype=float)
    y = np.asarray(quality, dtype=float)
    x = x if cost_lower_is_better else -x
    y = y if quality_higher_is_better else -y
    n = x.size
    mask = np.zeros(n, dtype=bool)
    for i in range(n):
        if np.isnan(x[i]) or np.isnan(y[i]):
            continue
        dominated = False
        for j in range(n):
            if i == j or np.isnan(x[j]) or np.isnan(y[j]):
                continue
            if x[j] <= x[i] and y[j] >= y[i] and (x[j] < x[i] or y[j] > y[i]):
                dominated = True
                break
        mask[i] = not dominated
    return mask


def monte_carlo_loop(
    inputs: ProjectionInputs,
    *,
    growth_shift: Uncertain = None,
    api_decline_scale: Uncertain = None,
    gpu_decline_scale: Uncertain = None,
    peak_to_average_scale: Uncertain = None,
    n_paths: int = 10_000,
    seed: int = 0,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
) -> MonteCarloResult:
    """The same as `monte_carlo` one path at a time in Python, with the same draws."""
    specs = {
        "growth_shift": growth_shift,
        "api_decline_scale": api_decline_scale,
        "gpu_decline_scale": gpu_decline_scale,
        "peak_to_average_scale": peak_to_average_scale,
    }
    draws = _draws(n_paths, seed, specs)
    rows: dict[str, list[np.ndarray]] = {option.name: [] for option in inputs.options}
    for path in range(n_paths):
        one = {name: None if values is None else float(values[path]) for name, values in draws.items()}
        for name, values in _spend_paths(inputs, one, ()).items():
            rows[name].append(values)
    spend = {name: np.stack(values) for name, values in rows.items()}
    return _summarise(inputs, spend, quantiles, n_paths, seed)
