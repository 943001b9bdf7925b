"""GPUs: datasheet figures from `data/gpu_specs.csv`, and the hourly price of a GPU for a way of renting it.

Datasheet figures (memory, bandwidth, dense tensor TFLOPs, board power) and an assumed purchase price live in
a data file with a source URL and a date per row, so a GPU with stored throughput or prices is added by
adding a row, not code. Hourly prices come in as the store's `gpu_prices` frame; picking one says which kind
of price it is and when it stands in for another (a reserved GPU priced at the on-demand rate).
The boundary: no storage and no sizing maths here (that is `pricing.sizing`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pricing.identity import canonical_gpu

GPU_SPECS_FILE = Path(__file__).resolve().parent.parent / "data" / "gpu_specs.csv"
PURCHASE_PRICE_NOTE = "assumption: typical street price per GPU in 2025, not a quote"
# Order of preference among GPU price types when the wanted one is missing. Reserved and spot rates are
# never stand-ins for on-demand ones: both are cheaper for reasons (commitment, interruption) the user
# did not choose.
GPU_PRICE_TYPES = ("on-demand", "marketplace", "reserved", "spot")
_FALLBACK_ORDER = {
    "on-demand": ("on-demand", "marketplace"),
    "reserved": ("reserved", "on-demand", "marketplace"),
    "marketplace": ("marketplace", "on-demand"),
    "spot": ("spot", "marketplace", "on-demand"),
}
SPEC_COLUMNS = (
    "gpu",
    "memory_gb",
    "memory_bandwidth_gb_s",
    "fp16_tflops_dense",
    "fp8_tflops_dense",
    "fp4_tflops_dense",
    "board_power_kw",
    "purchase_usd",
    "purchase_usd_note",
    "source_url",
    "as_of",
    "note",
)


@dataclass(frozen=True)
class GpuSpec:
    """Datasheet figures of one GPU (dense tensor throughput, no sparsity) and an assumed purchase price."""

    name: str
    memory_gb: float
    memory_bandwidth_gb_s: float
    fp16_tflops: float  # dense FP16/BF16 tensor
    fp8_tflops: float | None  # None: no FP8 tensor cores (FP8 weights are upcast to FP16 for the maths)
    fp4_tflops: float | None
    board_power_kw: float
    purchase_usd: float  # see purchase_usd_note
    source: str  # the datasheet's URL
    purchase_usd_note: str = PURCHASE_PRICE_NOTE
    as_of: dt.date | None = None
    note: str = ""  # anything uncertain about the figures is said here

    def tflops_for(self, precision: str) -> float:
        """Dense tensor TFLOPs at a weight format (fp16, fp8, fp4...), falling back to the next wider one."""
        kind = precision.strip().lower()
        if kind in ("fp4", "int4") and self.fp4_tflops is not None:
            return self.fp4_tflops
        if kind in ("fp4", "int4", "fp8", "int8") and self.fp8_tflops is not None:
            return self.fp8_tflops
        return self.fp16_tflops


def _optional_float(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(str(value))
    return None if math.isnan(number) else number


def read_gpu_specs(path: Path = GPU_SPECS_FILE) -> dict[str, GpuSpec]:
    """GPU datasheet figures by canonical GPU name; a bad row raises with its line and column."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in SPEC_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name}: missing columns {', '.join(missing)}")
    specs: dict[str, GpuSpec] = {}
    for line, record in enumerate(raw.to_dict("records"), start=2):
        name = canonical_gpu(record["gpu"])
        try:
            numbers = {
                column: float(record[column])
                for column in ("memory_gb", "memory_bandwidth_gb_s", "fp16_tflops_dense", "board_power_kw")
            }
            numbers["purchase_usd"] = float(record["purchase_usd"])
            optional = {c: _optional_float(record[c]) for c in ("fp8_tflops_dense", "fp4_tflops_dense")}
        except ValueError as exc:
            raise ValueError(f"{path.name} line {line} ({record['gpu']}): {exc}") from exc
        if any(v <= 0 for v in numbers.values()) or any(v is not None and v <= 0 for v in optional.values()):
            raise ValueError(f"{path.name} line {line} ({record['gpu']}): figures must be positive")
        if not record["source_url"].startswith("https://"):
            raise ValueError(f"{path.name} line {line} ({record['gpu']}): source_url must be an https URL")
        if name in specs:
            raise ValueError(f"{path.name} line {line}: {name} is listed twice")
        specs[name] = GpuSpec(
            name=name,
            memory_gb=numbers["memory_gb"],
            memory_bandwidth_gb_s=numbers["memory_bandwidth_gb_s"],
            fp16_tflops=numbers["fp16_tflops_dense"],
            fp8_tflops=optional["fp8_tflops_dense"],
            fp4_tflops=optional["fp4_tflops_dense"],
            board_power_kw=numbers["board_power_kw"],
            purchase_usd=numbers["purchase_usd"],
            source=record["source_url"],
            purchase_usd_note=record["purchase_usd_note"] or PURCHASE_PRICE_NOTE,
            as_of=dt.date.fromisoformat(record["as_of"]) if record["as_of"] else None,
            note=record["note"],
        )
    return specs


GPU_SPECS: dict[str, GpuSpec] = read_gpu_specs()


def gpu_spec(gpu: str | GpuSpec) -> GpuSpec:
    """The spec of a GPU by any spelling of its name, or ValueError listing the known ones."""
    if isinstance(gpu, GpuSpec):
        return gpu
    spec = GPU_SPECS.get(canonical_gpu(gpu))
    if spec is None:
        raise ValueError(
            f"no datasheet figures for GPU {gpu!r} in {GPU_SPECS_FILE.name}; known: {', '.join(GPU_SPECS)}"
        )
    return spec


def latest_gpu_prices(gpu_prices: pd.DataFrame, price_type: str = "on-demand") -> pd.DataFrame:
    """One price per GPU: the most recent of the wanted price type, else the most recent of any type."""
    if gpu_prices.empty:
        return gpu_prices.assign(rank=pd.Series(dtype=int))
    frame = gpu_prices.dropna(subset=["usd_per_gpu_hour"]).copy()
    preferred = [price_type, *[t for t in GPU_PRICE_TYPES if t != price_type]]
    frame["type_rank"] = frame["price_type"].map({t: i for i, t in enumerate(preferred)}).fillna(len(preferred))
    frame["as_of_sort"] = pd.to_datetime(frame["as_of"], errors="coerce")
    frame = frame.sort_values(["gpu", "type_rank", "as_of_sort"], ascending=[True, True, False])
    return frame.groupby("gpu", as_index=False).head(1).drop(columns=["type_rank", "as_of_sort"])


@dataclass(frozen=True)
class GpuHourlyPrice:
    """The hourly price of one GPU, the kind of price it is, who quoted it and when, and what was wanted."""

    gpu: str
    usd_per_gpu_hour: float
    price_type: str  # the kind of the price used: on-demand, reserved, marketplace, spot
    wanted_type: str  # the kind asked for; differs from price_type when none of that kind is known
    provider: str
    source: str
    as_of: str | None  # ISO date, or None when the source gives none
    note: str = ""  # why this price stands in for the wanted kind, when the reason is not "none known"
    source_url: str | None = None

    @property
    def fell_back(self) -> bool:
        """Whether this price stands in for a kind of price that is not known for this GPU."""
        return self.price_type != self.wanted_type

    def describe(self) -> str:
        """One line: '$3.16/GPU-hour, GIX index on-demand, 2026-09-08 (source)', and any stand-in said plainly."""
        where = f"{self.source}; {self.source_url}" if self.source_url else self.source
        when = self.as_of or "undated"
        text = f"${self.usd_per_gpu_hour:.2f}/GPU-hour, {self.provider} {self.price_type}, {when} ({where})"
        if self.fell_back:
            reason = self.note or f"no {self.wanted_type} rate known for {self.gpu}"
            text += f"; priced at {self.price_type}, {reason}"
        return text


def pick_gpu_price(gpu_prices: pd.DataFrame, gpu: str, price_type: str = "on-demand") -> GpuHourlyPrice:
    """The latest price of the wanted kind for a GPU, else the nearest stand-in (reserved -> on-demand), said so.

    Raises ValueError when the GPU has no price of the wanted kind nor of an acceptable stand-in.
    """
    if price_type not in _FALLBACK_ORDER:
        raise ValueError(f"unknown GPU price type {price_type!r}; use one of {', '.join(_FALLBACK_ORDER)}")
    name = canonical_gpu(gpu)
    frame = gpu_prices[(gpu_prices["gpu"].astype(str) == name) & gpu_prices["usd_per_gpu_hour"].notna()]
    for kind in _FALLBACK_ORDER[price_type]:
        rows = frame[frame["price_type"] == kind]
        if rows.empty:
            continue
        row = (
            rows.assign(as_of_sort=pd.to_datetime(rows["as_of"], errors="coerce"))
            .sort_values("as_of_sort", ascending=False, na_position="last")
            .iloc[0]
        )
        as_of = pd.Timestamp(row["as_of"]).date().isoformat() if pd.notna(row["as_of"]) else None
        return GpuHourlyPrice(
            gpu=name,
            usd_per_gpu_hour=float(row["usd_per_gpu_hour"]),
            price_type=kind,
            wanted_type=price_type,
            provider=str(row["provider"]),
            source=str(row["source"]),
            as_of=as_of,
            source_url=str(row["source_url"]) if "source_url" in row and isinstance(row["source_url"], str) else None,
        )
    raise ValueError(f"no stored {price_type} hourly price for {gpu}; enter one")
