"""Benchmark: a full refresh from local files of realistic size against loading the same files at seed time.

The files, written to a temporary folder before anything is timed: litellm's bundled price map (the installed
litellm's model_prices_and_context_window_backup.json, about 3.4 MB) with every 20th priced model's input price cut
10%, as a month of upstream edits would; a models.dev-shaped api.json built from the same map (every chat model
with a price, grouped by provider, prices per 1M tokens, context, a release date); and an OpenRouter
/api/v1/models answer with 400 models built from it (USD-per-token price strings, context_length, created).

Ours is `pricing.sources.refresh.refresh` with the three files handed in (`--from-file`), on a fresh copy of a
seeded store: read and hash each file, check and parse it with its registry reader, compare with the store (the
diff and its guards), resolve every spelling through the identity rules, and write each source in one transaction
with its snapshot, changes, aliases and model facts. The baseline is what seeding the same files costs: read each
file, parse it with the same reader, resolve its spellings as the seed does (`litellm_aliases`) and write it as a
whole sheet (`Store.add_price_sheet`), on a fresh copy of the same store, with no hash, diff, guard, snapshot or
history. Timed interleaved; peak Python memory (tracemalloc: Python and numpy allocations, not DuckDB's own) from
one more interleaved pair. Then the store file's growth: a first refresh, a second identical one (which must write
nothing), and a third with the next month's files (another 5% of litellm's prices and 40 OpenRouter prices moved).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import statistics
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.timing import Row, Table, Timing, fmt_seconds, time_once
from pricing.litellm_prices import is_priced_chat_model
from pricing.sources import refresh as refreshing
from pricing.sources.registry import ReadContext, source_named
from pricing.sources.seed import litellm_aliases, seed
from pricing.store import PriceSheet, Store

OPENROUTER_MODELS = 400
CUT_EVERY = 20  # every 20th priced model's input price moves: 5% of the map


def bundled_map_path() -> Path:
    """The installed litellm's bundled price map (the file litellm reads when offline)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        raise RuntimeError("litellm is not installed")
    return Path(spec.origin).parent / "model_prices_and_context_window_backup.json"


def _priced(cost_map: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The map's priced chat models (what the bundled sheet holds), with numeric input and output prices."""
    return [
        (key, entry)
        for key, entry in cost_map.items()
        if isinstance(entry, dict)
        and is_priced_chat_model(entry)
        and isinstance(entry.get("input_cost_per_token"), int | float)
        and isinstance(entry.get("output_cost_per_token"), int | float)
    ]


def _context(entry: dict[str, Any]) -> int:
    value = entry.get("max_input_tokens")
    return int(value) if isinstance(value, int | float) and value > 0 else 128_000


def litellm_file(cost_map: dict[str, Any], month: int) -> bytes:
    """The bundled map with every CUT_EVERY-th priced model's input price cut 10% (shifted by month)."""
    edited = json.loads(json.dumps(cost_map))
    for index, (key, _) in enumerate(_priced(cost_map)):
        if (index + month) % CUT_EVERY == 0:
            edited[key]["input_cost_per_token"] = cost_map[key]["input_cost_per_token"] * 0.9
    return json.dumps(edited, indent=4).encode()


def models_dev_file(cost_map: dict[str, Any]) -> bytes:
    """models.dev's api.json shape: providers by id, each with its models priced in USD per 1M tokens."""
    providers: dict[str, dict[str, Any]] = {}
    for key, entry in _priced(cost_map):
        provider = str(entry.get("litellm_provider") or "unknown")
        model_key = key.split("/", 1)[1] if key.startswith(provider + "/") else key
        record = providers.setdefault(provider, {"id": provider, "name": provider, "env": [], "models": {}})
        record["models"][model_key] = {
            "id": model_key,
            "name": model_key,
            "release_date": "2025-06-01",
            "open_weights": False,
            "cost": {
                "input": entry["input_cost_per_token"] * 1e6,
                "output": entry["output_cost_per_token"] * 1e6,
                **(
                    {"cache_read": entry["cache_read_input_token_cost"] * 1e6}
                    if isinstance(entry.get("cache_read_input_token_cost"), int | float)
                    else {}
                ),
            },
            "limit": {"context": _context(entry), "output": 8192},
        }
    return json.dumps(providers).encode()


def openrouter_file(cost_map: dict[str, Any], month: int) -> bytes:
    """OpenRouter's /api/v1/models shape with OPENROUTER_MODELS models; in a later month 40 prices rise 5%."""
    rows = []
    seen: set[str] = set()
    for key, entry in _priced(cost_map):
        model_id = key if "/" in key else f"{entry.get('litellm_provider', 'unknown')}/{key}"
        if model_id in seen:
            continue
        seen.add(model_id)
        factor = 1.05 if month and len(rows) % 10 == 0 else 1.0
        rows.append(
            {
                "id": model_id,
                "name": model_id,
                "created": 1_730_000_000 + len(rows),
                "context_length": _context(entry),
                "pricing": {
                    "prompt": f"{entry['input_cost_per_token'] * factor:.12g}",
                    "completion": f"{entry['output_cost_per_token']:.12g}",
                },
            }
        )
        if len(rows) == OPENROUTER_MODELS:
            break
    return json.dumps({"data": rows}).encode()


def write_files(folder: Path, month: int) -> dict[str, Path]:
    """The three sources' files for a month, written into folder."""
    cost_map = json.loads(bundled_map_path().read_text())
    files = {
        "litellm": (folder / f"model_prices_and_context_window-{month}.json", litellm_file(cost_map, month)),
        "models-dev": (folder / f"api-{month}.json", models_dev_file(cost_map)),
        "openrouter": (folder / f"models-{month}.json", openrouter_file(cost_map, month)),
    }
    for path, content in files.values():
        path.write_bytes(content)
    return {name: path for name, (path, _) in files.items()}


def refresh_files(db_path: Path, files: dict[str, Path]) -> refreshing.RefreshReport:
    """Ours: a refresh of the three sources from files handed in."""
    store = Store(db_path)
    try:
        return refreshing.refresh(store, refreshing.RefreshRequest(files=files), env={})
    finally:
        store.close()


def seed_time_load(db_path: Path, files: dict[str, Path]) -> None:
    """The baseline: each file parsed by the same reader, its spellings resolved as the seed does, written whole."""
    store = Store(db_path)
    try:
        benchmarks = frozenset(str(b) for b in store.benchmarks()["benchmark_id"])
        for name, path in files.items():
            source = source_named(name)
            as_of = dt.date.today()
            parsed = source.read(path.read_bytes(), ReadContext(as_of, f"file:{path.name}", path.name, benchmarks))
            assert parsed.prices is not None and source.sheet_name is not None
            litellm_aliases(parsed.prices)
            sheet = PriceSheet(source.sheet_name, source.sheet_kind, source.credit, as_of, path.name)
            store.add_price_sheet(sheet, parsed.prices)
    finally:
        store.close()


def _peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _size_mib(path: Path) -> float:
    return path.stat().st_size / 2**20


def run(repeats: int, quick: bool) -> list[Row | Table]:
    """The refresh benchmark."""
    del quick  # the files are the point: --quick only takes fewer repeats
    with tempfile.TemporaryDirectory(prefix="frontier-bench-refresh-") as tmp:
        folder = Path(tmp)
        this_month = write_files(folder, 0)
        next_month = write_files(folder, 1)
        seeded = folder / "seeded.duckdb"
        store = Store(seeded)
        seed(store)
        store.close()

        def fresh_copy(label: str) -> Path:
            path = folder / f"{label}.duckdb"
            shutil.copyfile(seeded, path)
            return path

        refresh_files(fresh_copy("warm-ours"), this_month)  # lazy imports and caches out of the way
        seed_time_load(fresh_copy("warm-base"), this_month)
        ours_s: list[float] = []
        base_s: list[float] = []
        for index in range(repeats):  # interleaved; each run on its own fresh copy, copied outside the timing
            ours_path, base_path = fresh_copy(f"ours-{index}"), fresh_copy(f"base-{index}")
            ours_s.append(time_once(lambda p=ours_path: refresh_files(p, this_month)))
            base_s.append(time_once(lambda p=base_path: seed_time_load(p, this_month)))
        peak_ours = _peak_mib(lambda: refresh_files(fresh_copy("mem-ours"), this_month))
        peak_base = _peak_mib(lambda: seed_time_load(fresh_copy("mem-base"), this_month))

        growth_path = fresh_copy("growth")
        sizes = [_size_mib(growth_path)]
        outcomes = []
        for files in (this_month, this_month, next_month):
            report = refresh_files(growth_path, files)
            outcomes.append(", ".join(f"{o.source} {o.status}" for o in report.outcomes))
            sizes.append(_size_mib(growth_path))
        first = refresh_files(fresh_copy("summary"), this_month)
        ours_file_mib = statistics.median(_size_mib(p) for p in folder.glob("ours-*.duckdb"))
        base_file_mib = statistics.median(_size_mib(p) for p in folder.glob("base-*.duckdb"))
        file_mib = {name: path.stat().st_size / 2**20 for name, path in this_month.items()}
    rows_loaded = ", ".join(f"{o.source} {o.rows:,} rows in {fmt_seconds(o.seconds)}" for o in first.outcomes)
    notes = (
        f"files: litellm map {file_mib['litellm']:.1f} MiB, models.dev {file_mib['models-dev']:.1f} MiB, OpenRouter "
        f"{OPENROUTER_MODELS} models {file_mib['openrouter']:.2f} MiB ({rows_loaded}); peak Python memory "
        f"(tracemalloc) {peak_ours:.1f} MiB against {peak_base:.1f} MiB ({peak_ours / peak_base:.2f}x); store file "
        f"after: {ours_file_mib:.1f} MiB against {base_file_mib:.1f} MiB"
    )
    row = Row(
        "refresh 3 sources from files", Timing(tuple(ours_s)), "seed-time load", Timing(tuple(base_s)), False, notes
    )
    growth = Table(
        "Store file size per refresh (MiB, after closing the store)",
        ("refresh", "outcomes", "file size", "growth"),
        tuple(
            (label, outcome, f"{after:.2f}", f"{after - before:+.2f}")
            for label, outcome, before, after in zip(
                ("1: this month's files", "2: the same files again", "3: next month's files"),
                outcomes,
                sizes[:-1],
                sizes[1:],
                strict=True,
            )
        ),
        f"Seeded store before the first refresh: {sizes[0]:.2f} MiB.",
    )
    return [row, growth]
