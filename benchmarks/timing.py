"""Timing helpers and the result table shared by every benchmark."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of one thing."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    def describe(self) -> str:
        """Median, minimum and number of repeats, e.g. '1.23 ms (min 1.10 ms, x7)'."""
        if len(self.samples) == 1:
            return f"{fmt_seconds(self.median)} (x1)"
        return f"{fmt_seconds(self.median)} (min {fmt_seconds(self.min)}, x{len(self.samples)})"


def fmt_seconds(seconds: float) -> str:
    """Seconds in a readable unit."""
    if seconds >= 100.0:
        return f"{seconds:.0f} s"
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def time_once(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes, with the garbage collector paused during the call."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started
    finally:
        gc.enable()


def measure_pair(ours: Callable[[], object], baseline: Callable[[], object], repeats: int) -> tuple[Timing, Timing]:
    """Time both, interleaved (ours, baseline, ours, ...) so that a burst of noise hits both alike."""
    ours_samples: list[float] = []
    base_samples: list[float] = []
    for _ in range(repeats):
        ours_samples.append(time_once(ours))
        base_samples.append(time_once(baseline))
    return Timing(tuple(ours_samples)), Timing(tuple(base_samples))


@dataclass(frozen=True)
class Row:
    """One benchmark's line in the result table.

    With speedup, the ratio is baseline/ours (how many times faster ours is); otherwise it is
    ours/baseline (how many times the bare baseline's time ours takes). Either way it is the median of
    the per-repeat ratios of interleaved runs, which cancels most of the machine's noise.
    """

    name: str
    ours: Timing
    baseline_name: str
    baseline: Timing
    speedup: bool
    notes: str

    @property
    def ratios(self) -> list[float]:
        pairs = zip(self.ours.samples, self.baseline.samples, strict=True)
        return [b / o if self.speedup else o / b for o, b in pairs]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def ratio_text(self) -> str:
        label = f"{self.baseline_name}/ours" if self.speedup else f"ours/{self.baseline_name}"
        value = f"{self.ratio:,.0f}" if self.ratio >= 100 else f"{self.ratio:.3g}"
        return f"{value}x {label}"


def format_table(rows: Sequence[Row]) -> str:
    """A plain-text table, one line per benchmark."""
    header = ("benchmark", "ours: median (min, repeats)", "baseline: median (min, repeats)", "ratio", "notes")
    lines = [
        (row.name, row.ours.describe(), f"{row.baseline_name}: {row.baseline.describe()}", row.ratio_text(), row.notes)
        for row in rows
    ]
    widths = [max(len(str(cells[i])) for cells in [header, *lines]) for i in range(4)]
    out = []
    for cells in [header, *lines]:
        fixed = "  ".join(str(cell).ljust(width) for cell, width in zip(cells[:4], widths, strict=True))
        out.append(f"{fixed}  {cells[4]}")
    out.insert(1, "-" * (sum(widths) + 2 * 4 + len(header[4])))
    return "\n".join(out)


@dataclass(frozen=True)
class Table:
    """A free-form result table that a benchmark prints after the main one (e.g. figures that are not times)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footnote: str = ""

    def format(self) -> str:
        """The title, then the cells in aligned columns (the first left-aligned, the rest right-aligned)."""
        widths = [max(len(cells[i]) for cells in [self.header, *self.rows]) for i in range(len(self.header))]

        def line(cells: tuple[str, ...]) -> str:
            first = cells[0].ljust(widths[0])
            rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
            return "  ".join([first, *rest]).rstrip()

        out = [self.title, line(self.header), "-" * (sum(widths) + 2 * (len(widths) - 1))]
        out.extend(line(cells) for cells in self.rows)
        if self.footnote:
            out.append(self.footnote)
        return "\n".join(out)
