"""The metric registry: every axis a frontier can use, looked up by name, with its direction and unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

# The quality metric every page, command and report starts from: LMArena's Elo from human votes, independent
# and the widest coverage of priced models.
DEFAULT_METRIC = "arena_elo"


class UnknownMetricError(KeyError):
    """A metric name that is not registered; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Metric:
    """One measurable axis and which way is better."""

    metric_id: str
    name: str
    unit: str
    higher_is_better: bool
    kind: str  # "quality", "cost", "speed" or "latency"
    description: str = ""

    @property
    def label(self) -> str:
        """Axis label with its unit (once: "Arena Elo", not "Arena Elo (Elo)")."""
        if self.unit.lower() in self.name.lower():
            return self.name
        return f"{self.name} ({self.unit})"


COST_METRICS: dict[str, Metric] = {
    "blended_usd_per_1m": Metric(
        "blended_usd_per_1m",
        "Blended price",
        "USD per 1M tokens",
        False,
        "cost",
        "Input and output prices blended at the chosen input:output ratio and cache-hit rate.",
    ),
    "task_usd": Metric(
        "task_usd",
        "Cost per task",
        "USD per request",
        False,
        "cost",
        "Cost of one request of the chosen workload profile (tokens in and out, cache-hit share).",
    ),
}

PERFORMANCE_METRICS: dict[str, Metric] = {
    "output_tokens_per_s": Metric(
        "output_tokens_per_s",
        "Output speed",
        "tokens/s",
        True,
        "speed",
        "Output tokens per second of one request, as measured by the source.",
    ),
    "ttft_ms": Metric(
        "ttft_ms",
        "Time to first token",
        "ms",
        False,
        "latency",
        "Time from sending a request to the first token, as measured by the source.",
    ),
}

_SCALE_UNITS = {"percent": "%", "elo": "Elo", "fraction": "0-1"}


def quality_metrics(benchmarks: pd.DataFrame) -> dict[str, Metric]:
    """Quality metrics from the benchmarks table (benchmark_id, name, scale, higher_is_better)."""
    registry: dict[str, Metric] = {}
    for row in benchmarks.itertuples(index=False):
        registry[str(row.benchmark_id)] = Metric(
            metric_id=str(row.benchmark_id),
            name=str(row.name),
            unit=_SCALE_UNITS.get(str(row.scale), str(row.scale)),
            higher_is_better=bool(row.higher_is_better),
            kind="quality",
            description=str(getattr(row, "description", "") or ""),
        )
    return registry


def get_metric(registry: dict[str, Metric], metric_id: str) -> Metric:
    """Look a metric up by id; an unknown id fails with the list of known ones."""
    try:
        return registry[metric_id]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise UnknownMetricError(f"unknown metric {metric_id!r}; known metrics: {known}") from None


def metric_order(registry: Mapping[str, Metric]) -> list[str]:
    """Metric ids as a picker lists them: the default metric first, then by name."""
    return sorted(registry, key=lambda m: (m != DEFAULT_METRIC, registry[m].name.lower()))
