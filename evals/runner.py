"""Probe runs end to end: endpoint settings and keys, pricing, the harness, storage and the summary.

Used by the CLI and the Probes page alike. Keys are read from the environment or
`.streamlit/secrets.toml` at the moment of use and handed to the client; the store only ever holds the
name of the variable. Requests are written to the store by a writer thread in small batches as they
finish, so the event loop measuring latency never waits on the database and an interrupted run keeps
everything already measured.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import queue
import threading
import time
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from evals.client import Target, list_models, make_judge, stream_chat
from evals.loopback import LoopbackConfig, LoopbackServer
from evals.probe import (
    PriceFn,
    ProbeOutcome,
    ProbeSettings,
    available_cores,
    estimate_cost_usd,
    level_seqs,
    run_probe,
)
from evals.scorers import get_scorer
from evals.suites import Suite, list_suites, load_suite, wilson_interval
from evals.summary import (
    Knee,
    LevelSummary,
    Objectives,
    find_knee,
    flag_client_bound,
    flag_client_load,
    summarise_run,
    sweep_should_continue,
    sweep_stop_reason,
    to_jsonable,
)
from pricing.config import SECRETS_PATH, SecretsFileError, secret_text
from pricing.cost import UnpricedModelError, Usage, self_hosted_usd_per_1m_output
from pricing.identity import canonical_model_id
from pricing.limits import MAX_GPU_COUNT, MAX_TABLE_MIB, MAX_USD_PER_GPU_HOUR, LimitError, read_capped
from pricing.price_sources import pricer_of
from pricing.service import CUSTOM_SHEET_NAME, prices_with_deployments
from pricing.store import REQUEST_RECORD_FIELDS, RequestRecord, Store, StoreError, request_records_frame
from pricing.usage import sheet_pricer

ENDPOINT_KINDS = ("nim", "openai-compatible", "api")
WRITE_EVERY_S = 0.5  # a probe stores its finished requests this often, each time holding the file for milliseconds
DEFAULT_NIM_BASE = "http://localhost:8000/v1"


class ConfigError(ValueError):
    """An endpoint or run setting the user must fix."""


@dataclass(frozen=True)
class Endpoint:
    """A model endpoint to probe. `api_key_env` names where the key lives; the key itself is never kept."""

    name: str
    model: str
    kind: str = "api"
    api_base: str | None = None
    api_key_env: str | None = None
    model_id: str | None = None
    gpu: str | None = None
    gpu_count: int | None = None
    precision: str | None = None
    engine: str | None = None
    usd_per_gpu_hour: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ENDPOINT_KINDS:
            raise ConfigError(f"endpoint kind must be one of {', '.join(ENDPOINT_KINDS)}, not {self.kind!r}")
        if not self.model.strip():
            raise ConfigError("give the model name, e.g. nvidia_nim/meta/llama-3.1-8b-instruct or gpt-4o-mini")
        if self.kind != "api" and not self.api_base:
            raise ConfigError(f"a {self.kind} endpoint needs an api_base, e.g. {DEFAULT_NIM_BASE}")
        if self.api_base and not self.api_base.startswith(("http://", "https://")):
            raise ConfigError(f"api_base must start with http:// or https:// (got {self.api_base!r})")
        if self.gpu_count is not None:
            count = self.gpu_count
            if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_GPU_COUNT:
                raise ConfigError(
                    f"gpu_count must be a whole number from 1 to {MAX_GPU_COUNT:,} (got {self.gpu_count}): the GPUs "
                    "serving the model; leave it out for an API"
                )
            if not (self.gpu or "").strip():
                raise ConfigError(f"gpu_count {self.gpu_count} needs the GPU type too (gpu, e.g. 'H100 SXM')")
        if self.usd_per_gpu_hour is not None and not (
            math.isfinite(self.usd_per_gpu_hour) and 0 <= self.usd_per_gpu_hour <= MAX_USD_PER_GPU_HOUR
        ):
            raise ConfigError(
                f"usd_per_gpu_hour must be from 0 to {MAX_USD_PER_GPU_HOUR:,.0f} (got {self.usd_per_gpu_hour}): "
                "the price of one GPU for one hour"
            )

    @property
    def litellm_model(self) -> str:
        """The model name litellm routes: NIM and OpenAI-compatible servers take a provider prefix."""
        if self.kind == "nim" and not self.model.startswith("nvidia_nim/"):
            return f"nvidia_nim/{self.model}"
        if self.kind == "openai-compatible" and not self.model.startswith(("openai/", "hosted_vllm/")):
            return f"openai/{self.model}"
        return self.model

    @property
    def target(self) -> Target:
        """Where the client sends requests."""
        return Target(self.litellm_model, self.api_base)

    @property
    def canonical_id(self) -> str | None:
        """The canonical model it serves (for joining scores); None when identity refuses its name."""
        return self.model_id or canonical_model_id(self.model) or None

    @property
    def self_hosted(self) -> bool:
        """Whether it runs on GPUs whose price we know, so its cost comes from GPU time."""
        return bool(self.gpu and self.gpu_count and self.usd_per_gpu_hour is not None)

    def as_row(self) -> dict[str, object]:
        """The endpoint as a store row."""
        return asdict(self)


def endpoint_from_row(row: dict[str, Any]) -> Endpoint:
    """An Endpoint from a store row or a config-file table."""
    known = {f for f in Endpoint.__dataclass_fields__}
    values: dict[str, Any] = {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items() if k in known}
    if values.get("gpu_count") is not None:
        values["gpu_count"] = int(values["gpu_count"])
    return Endpoint(**values)


def resolve_api_key(endpoint: Endpoint, secrets_path: Path = SECRETS_PATH) -> str | None:
    """The key from the named environment variable, else the same name in secrets.toml."""
    if not endpoint.api_key_env:
        return None
    value = os.environ.get(endpoint.api_key_env)
    if value:
        return value
    try:
        secret = secret_text(endpoint.api_key_env, secrets_path)
    except SecretsFileError as exc:
        raise ConfigError(str(exc)) from None
    if secret:
        return secret
    raise ConfigError(
        f'the key variable {endpoint.api_key_env} is not set: export it, or add {endpoint.api_key_env} = "..." '
        f"to {secrets_path.name}"
    )


def masked_key(api_key_env: object) -> str:
    """How a key is shown: where it comes from and its last 4 characters, never the key."""
    if not isinstance(api_key_env, str) or not api_key_env:
        return "no key"
    try:
        value = resolve_api_key(Endpoint("k", "m", api_key_env=api_key_env))
    except ConfigError:
        return f"${api_key_env} (not set)"
    tail = value[-4:] if value and len(value) >= 12 else ""
    return f"${api_key_env} (set, ...{tail})" if tail else f"${api_key_env} (set)"


def endpoints_from_file(path: Path) -> list[Endpoint]:
    """Endpoints from a TOML file with [[endpoint]] tables (see endpoints.toml.example)."""
    try:
        content = read_capped(path, path.name, MAX_TABLE_MIB, "An endpoints file has one short table per endpoint.")
        data = tomllib.loads(content.decode("utf-8"))
    except LimitError as exc:
        raise ConfigError(str(exc)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read endpoints from {path}: {exc}") from None
    tables = data.get("endpoint", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: use [[endpoint]] tables")
    endpoints = []
    for index, table in enumerate(tables, start=1):
        if "api_key" in table:
            raise ConfigError(f"{path}, endpoint {index}: keys do not belong here; set api_key_env to a variable name")
        try:
            endpoints.append(endpoint_from_row(table))
        except (ConfigError, TypeError) as exc:
            raise ConfigError(f"{path}, endpoint {index}: {exc}") from exc
    return endpoints


def price_fn_for(store: Store, endpoint: Endpoint, sheet_name: str) -> tuple[PriceFn | None, str]:
    """A per-request pricer and a note saying where prices come from (or why there are none)."""
    if endpoint.self_hosted:
        return None, (
            f"self-hosted on {endpoint.gpu_count}x {endpoint.gpu} at ${endpoint.usd_per_gpu_hour}/GPU-hour: cost "
            "comes from GPU time and the throughput measured, per level"
        )
    prices = prices_with_deployments(store, sheet_name)
    custom = prices[(prices["sheet_name"] == CUSTOM_SHEET_NAME) & (prices["model_key"] == endpoint.name)]
    if not custom.empty:
        pricer = sheet_pricer(custom, CUSTOM_SHEET_NAME)
        return (lambda i, o, c: pricer.cost_usd(endpoint.name, Usage(i, o, min(c, i)))), (
            f"deployment price of {endpoint.name} set in Frontier"
        )
    if endpoint.model in set(prices["model_key"]):
        sheet_prices = pricer_of(sheet_name, prices)
        try:
            sheet_prices.cost_usd(endpoint.model, Usage(1, 1))
        except UnpricedModelError:
            pass
        else:
            return (lambda i, o, c: sheet_prices.cost_usd(endpoint.model, Usage(i, o, min(c, i)))), (
                f"{sheet_name}'s price for {endpoint.model}"
            )
    return None, (
        f"no price for {endpoint.model} in sheet {sheet_name}: set a deployment price named {endpoint.name!r}, "
        "or give the endpoint its GPU type, count and hourly price"
    )


def _self_hosted_costs(endpoint: Endpoint, levels: list[LevelSummary]) -> None:
    for level in levels:
        if not endpoint.self_hosted or level.system_output_tokens_per_s <= 0:
            continue
        cost = self_hosted_usd_per_1m_output(
            float(endpoint.usd_per_gpu_hour or 0), int(endpoint.gpu_count or 1), level.system_output_tokens_per_s
        )
        level.cost_usd = cost.usd_per_hour * level.duration_s / 3600.0
        level.cost_per_success_usd = level.cost_usd / level.succeeded if level.succeeded else None
        level.notes.append(
            f"self-hosted cost ${cost.usd_per_1m_output:.4g} per 1M output tokens at the throughput measured at this "
            "concurrency (allocation basis, GPUs fully used during the run)"
        )


@dataclass(frozen=True)
class ClientOverhead:
    """The harness's own p50 TTFT and ITL (ms) per concurrency level, against a zero-delay endpoint."""

    ttft_ms: dict[int, float]
    itl_ms: dict[int, float]


def measure_client_overhead(
    levels: tuple[int, ...], requests_per_level: int, max_tokens: int = 16, *, settings: ProbeSettings | None = None
) -> ClientOverhead:
    """Run the harness, as the run was set (client path, workers), against a zero-delay loopback endpoint."""
    ttft: dict[int, float] = {}
    itl: dict[int, float] = {}
    base = settings or ProbeSettings()
    with LoopbackServer(LoopbackConfig(output_tokens=max_tokens)) as server:
        calibration = replace(
            base,
            # at least one request per slot, so the level really has `concurrency` streams in flight
            requests_per_level=max(requests_per_level, *levels),
            concurrency_levels=levels,
            warmup_requests=1,
            max_output_tokens=max_tokens,
            timeout_s=30,
            request_rate=None,
            sweep=False,
        )
        records: list[RequestRecord] = []
        run_probe(Target("openai/test-model", server.base_url), None, calibration, records.append)
        for concurrency in levels:
            mine = [r for r in records if r.phase == "measure" and r.concurrency == concurrency]
            ttfts = sorted(r.ttft_ms for r in mine if r.ttft_ms is not None)
            itls = sorted(r.itl_ms for r in mine if r.itl_ms is not None)
            if ttfts:
                ttft[concurrency] = ttfts[len(ttfts) // 2]
            if itls:
                itl[concurrency] = itls[len(itls) // 2]
    return ClientOverhead(ttft, itl)


class _Writer(threading.Thread):
    """Stores records off the measuring thread, in one short write every `WRITE_EVERY_S`.

    Each write opens the file for a few milliseconds, so the app and command-line reads in other processes get it
    between writes. A batch the store could not write (another process held the file past the store's wait) is
    kept and tried again with the next one, so nothing measured is dropped while the file is busy.
    """

    def __init__(self, store: Store, run_id: str) -> None:
        super().__init__(daemon=True)
        self.store, self.run_id = store, run_id
        self.inbox: queue.Queue[RequestRecord | None] = queue.Queue()
        self.records: list[RequestRecord] = []
        self.unstored: list[RequestRecord] = []
        self.error: BaseException | None = None

    def put(self, record: RequestRecord) -> None:
        self.inbox.put(record)

    def run(self) -> None:
        pending: list[RequestRecord] = []
        done = False
        while not done:
            due = time.monotonic() + WRITE_EVERY_S
            while (left := due - time.monotonic()) > 0:
                try:
                    item = self.inbox.get(timeout=left)
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                pending.append(item)
                self.records.append(item)
            if pending and self._write(pending):
                pending = []
        if pending and not self._write(pending):  # the last try, at the end of the run
            self.unstored.extend(pending)

    def _write(self, batch: list[RequestRecord]) -> bool:
        """Store a batch; False when the file stayed busy (the batch is to be tried again)."""
        try:
            self.store.add_probe_requests(self.run_id, batch)
        except StoreError as exc:
            self.error = exc
            return False
        except Exception as exc:  # refused by the database itself: trying again would not help; reported by the run
            self.error = exc
            self.unstored.extend(batch)
        return True

    def finish(self) -> list[RequestRecord]:
        self.inbox.put(None)
        self.join()
        return self.records


@dataclass
class RunReport:
    """What a run measured, as the CLI prints it and the page shows it."""

    run_id: str
    status: str
    endpoint: str
    model: str
    suite: str | None
    estimated_cost_usd: float | None
    price_note: str
    levels: list[LevelSummary]
    errors: dict[str, int]
    requests: int
    quality: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    client_path: str | None = None  # "lean" (aiohttp reading the stream) or "litellm"
    knee: Knee | None = None
    knee_usd_per_1m_output: float | None = None  # self-hosted cost at the knee's throughput

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        payload = asdict(self)
        payload["levels"] = to_jsonable(self.levels)
        return payload


def quality_summary(records: pd.DataFrame, suite_name: str | None, scorer: str | None) -> dict[str, Any] | None:
    """Mean score with a 95% Wilson interval over scored items, cost and latency per item."""
    if suite_name is None:
        return None
    scored = records[(records["phase"] == "measure") & records["score"].notna()]
    if scored.empty:
        return {"suite": suite_name, "items": 0, "mean_score": None, "ci95": None}
    # A sweep asks each item once per level: quality counts each item once, from the first level, so the
    # interval reflects the number of distinct items, not the number of requests.
    first_level = scored[scored["concurrency"] == scored["concurrency"].min()]
    measured = first_level.drop_duplicates(subset=["item_id"], keep="first")
    passed = int(measured["passed"].fillna(False).astype(bool).sum())
    low, high = wilson_interval(passed, len(measured))
    costs = pd.to_numeric(measured["cost_usd"], errors="coerce")
    cost_total = float(costs.sum()) if costs.notna().any() else None
    return {
        "suite": suite_name,
        "scorer": scorer,
        "items": len(measured),
        "mean_score": float(measured["score"].mean()),
        "pass_rate": passed / len(measured),
        "ci95": [low, high],
        "ci_method": "Wilson interval on the pass rate",
        "cost_per_item_usd": cost_total / len(measured) if cost_total is not None else None,
        "cost_per_1000_items_usd": cost_total / len(measured) * 1000 if cost_total is not None else None,
        "e2e_ms_per_item_p50": float(measured["e2e_ms"].median()),
        "basis": f"each item once, answers at concurrency {int(measured['concurrency'].iloc[0])}",
    }


@dataclass(frozen=True)
class RunSetup:
    """What a run sends and how it is priced: fixed at its start, and read back from the store to resume it."""

    run_id: str
    endpoint: Endpoint
    settings: ProbeSettings
    sheet_name: str
    objectives: Objectives
    suite: Suite | None
    suite_name: str | None
    scorer: str | None
    judge_endpoint: Endpoint | None
    price: PriceFn | None
    price_note: str
    estimated_cost_usd: float | None

    def settings_json(self) -> str:
        """What the store keeps of the setup (never a key: endpoints name the variable that holds theirs)."""
        return json.dumps(
            {
                "settings": asdict(self.settings),
                "objectives": asdict(self.objectives),
                "endpoint": self.endpoint.as_row(),
                "sheet": self.sheet_name,
                "price_note": self.price_note,
                "suite": {"name": self.suite_name, "scorer": self.scorer} if self.suite_name else None,
                "judge_endpoint": self.judge_endpoint.as_row() if self.judge_endpoint else None,
            },
            default=str,
        )


def _judge_for(setup: RunSetup) -> Callable[[str], str] | None:
    if setup.suite is None or not get_scorer(setup.suite.scorer).needs_judge:
        return None
    if setup.judge_endpoint is None:
        raise ConfigError(f"suite {setup.suite.name} is scored by an LLM judge: pick a judge model")
    return make_judge(setup.judge_endpoint.target, resolve_api_key(setup.judge_endpoint), setup.settings.timeout_s)


def execute_run(
    store: Store,
    endpoint: Endpoint,
    settings: ProbeSettings,
    sheet_name: str,
    *,
    suite: Suite | None = None,
    objectives: Objectives | None = None,
    cancel: threading.Event | None = None,
    measure_overhead: bool = True,
    on_level: Callable[[int], None] | None = None,
    run_id: str | None = None,
    judge_endpoint: Endpoint | None = None,
    created_by: str | None = None,
) -> RunReport:
    """Run a probe, storing each request as it finishes, and store and return the summary.

    `created_by`: who started it (default: the deployment's user, FRONTIER_USER)."""
    price, price_note = price_fn_for(store, endpoint, sheet_name)
    setup = RunSetup(
        run_id=run_id or uuid.uuid4().hex[:12],
        endpoint=endpoint,
        settings=settings,
        sheet_name=sheet_name,
        objectives=objectives or Objectives(),
        suite=suite,
        suite_name=suite.name if suite else None,
        scorer=suite.scorer if suite else None,
        judge_endpoint=judge_endpoint,
        price=price,
        price_note=price_note,
        estimated_cost_usd=estimate_cost_usd(settings, suite, price) if price is not None else None,
    )
    judge = _judge_for(setup)
    api_key = resolve_api_key(endpoint)
    store.start_run(
        run_id=setup.run_id,
        endpoint_name=endpoint.name,
        model=endpoint.model,
        api_base=endpoint.api_base,
        model_id=endpoint.canonical_id,
        suite=setup.suite_name,
        settings_json=setup.settings_json(),
        estimated_cost_usd=setup.estimated_cost_usd,
        note=price_note,
        created_by=created_by,
    )
    return _probe_and_store(
        store, setup, api_key, judge, cancel=cancel, measure_overhead=measure_overhead, on_level=on_level
    )


def _probe_and_store(
    store: Store,
    setup: RunSetup,
    api_key: str | None,
    judge: Callable[[str], str] | None,
    *,
    cancel: threading.Event | None,
    measure_overhead: bool,
    on_level: Callable[[int], None] | None,
    earlier: pd.DataFrame | None = None,
    only: dict[int, list[int]] | None = None,
) -> RunReport:
    """Send the run's requests (with `earlier` and `only`: the rest of an interrupted run), store them as they
    finish, then store and return the summary of every request the run has."""
    settings, objectives = setup.settings, setup.objectives
    earlier = earlier if earlier is not None else request_records_frame([])
    writer = _Writer(store, setup.run_id)
    writer.start()
    status, notes = "failed", []
    swept: list[LevelSummary] = []
    put, level_started = writer.put, on_level
    if only is not None:
        # The rest of a run continues its clock: shifted so its first level starts where the stored requests end.
        measured_before = earlier[earlier["phase"] == "measure"]
        ends = measured_before["sent_s"] + measured_before["e2e_ms"].fillna(0) / 1000.0
        stored_end_s = float(ends.max()) if len(ends) and ends.notna().any() else 0.0
        resumed_at = time.perf_counter()
        shift_s: list[float] = []

        def level_started(concurrency: int) -> None:
            if not shift_s:
                shift_s.append(stored_end_s - (time.perf_counter() - resumed_at))
            if on_level is not None:
                on_level(concurrency)

        def put(record: RequestRecord) -> None:
            if record.phase == "warmup":  # the numbers of the first warm-up are taken, and warm-ups never count
                return
            offset = shift_s[0] if shift_s else 0.0
            writer.put(replace(record, sent_s=None if record.sent_s is None else record.sent_s + offset))

        for concurrency in settings.concurrency_levels:  # a sweep goes on from the levels measured whole before
            level = earlier[(earlier["phase"] == "measure") & (earlier["concurrency"] == concurrency)]
            if concurrency not in only and not level.empty:
                swept.extend(summarise_run(level, objectives))

    def after_level(concurrency: int, level_records: list[RequestRecord]) -> bool:
        """In a sweep, go on while throughput still rises and the objectives hold."""
        if not settings.sweep:
            return True
        before = earlier[(earlier["phase"] == "measure") & (earlier["concurrency"] == concurrency)]
        level = pd.concat([before, request_records_frame(level_records)], ignore_index=True)
        swept.extend(summarise_run(level[list(REQUEST_RECORD_FIELDS)], objectives))
        return sweep_should_continue(swept, objectives)

    outcome = None
    try:
        outcome = run_probe(
            setup.endpoint.target,
            api_key,
            settings,
            put,
            suite=setup.suite,
            price=setup.price,
            cancel=cancel,
            judge=judge,
            on_level=level_started,
            after_level=after_level,
            only=only,
        )
        status = outcome.status
    except BaseException as exc:
        notes.append(f"run stopped by {type(exc).__name__}; requests measured before it are kept")
        raise
    finally:
        new = request_records_frame(writer.finish())
        if writer.unstored:
            notes.append(f"{len(writer.unstored)} requests could not be stored: {writer.error}")
        if only is not None:
            notes.append(
                f"resumed after an interruption: {int((new['phase'] == 'measure').sum())} requests sent now, "
                f"{int((earlier['phase'] == 'measure').sum())} kept from before"
            )
        records = (
            pd.concat([earlier[list(REQUEST_RECORD_FIELDS)], new], ignore_index=True) if not earlier.empty else new
        )
        report = _report(
            setup,
            records,
            status,
            notes,
            outcome=outcome,
            measure_overhead=measure_overhead and status != "failed",
            swept=swept,
            split_levels=tuple(c for c in (only or {}) if (earlier["concurrency"] == c).any()),
        )
        store.finish_run(setup.run_id, status, json.dumps(report.as_json(), default=str), "; ".join(notes) or None)
    return report


def _report(
    setup: RunSetup,
    records: pd.DataFrame,
    status: str,
    notes: list[str],
    *,
    outcome: ProbeOutcome | None,
    measure_overhead: bool,
    swept: list[LevelSummary] | None = None,
    split_levels: tuple[int, ...] = (),
) -> RunReport:
    """The summary of a run's requests: levels, the client's load and overhead, self-hosted cost, knee, quality."""
    endpoint, settings, objectives = setup.endpoint, setup.settings, setup.objectives
    levels = summarise_run(records, objectives) if not records.empty else []
    for level in levels:
        level.request_rate = settings.request_rate
        if level.concurrency in split_levels:
            level.notes.append(
                "measured in two sittings, before and after an interruption: its throughput is over both, "
                "joined end to start"
            )
    if outcome is not None:
        flag_client_load(levels, outcome.loads, available_cores())
        if outcome.route is not None:
            notes.append(f"measured by the {outcome.route.path} client: {outcome.route.why}")
        if outcome.stopped_after is not None:
            notes.append(
                f"sweep stopped after concurrency {outcome.stopped_after}: {sweep_stop_reason(swept or [], objectives)}"
            )
    if measure_overhead and levels:
        overhead = measure_client_overhead(
            tuple(lv.concurrency for lv in levels),
            min(settings.requests_per_level, 16),
            settings=replace(settings, client=outcome.route.path if outcome and outcome.route else settings.client),
        )
        flag_client_bound(levels, overhead.ttft_ms, overhead_itl_ms=overhead.itl_ms)
    _self_hosted_costs(endpoint, levels)
    knee = find_knee(levels, objectives) if len(levels) > 1 or settings.sweep else None
    knee_cost = None
    if knee is not None and endpoint.self_hosted and knee.output_tokens_per_s > 0:
        knee_cost = self_hosted_usd_per_1m_output(
            float(endpoint.usd_per_gpu_hour or 0), int(endpoint.gpu_count or 1), knee.output_tokens_per_s
        ).usd_per_1m_output
    measured = records[records["phase"] == "measure"] if not records.empty else records
    errors = {str(k): int(v) for k, v in measured["error_type"].dropna().value_counts().items()}
    return RunReport(
        run_id=setup.run_id,
        status=status,
        endpoint=endpoint.name,
        model=endpoint.model,
        suite=setup.suite_name,
        estimated_cost_usd=setup.estimated_cost_usd,
        price_note=setup.price_note,
        levels=levels,
        errors=errors,
        requests=len(measured),
        quality=_with_gpu_time_cost(quality_summary(records, setup.suite_name, setup.scorer), levels, endpoint),
        notes=notes,
        client_path=outcome.route.path if outcome is not None and outcome.route is not None else None,
        knee=knee,
        knee_usd_per_1m_output=knee_cost,
    )


def _with_gpu_time_cost(
    quality: dict[str, Any] | None, levels: list[LevelSummary], endpoint: Endpoint
) -> dict[str, Any] | None:
    """A self-hosted run's quality with its cost per item: the GPU time of the level the items were graded at over
    that level's requests (per-request token prices do not exist for GPUs paid by the hour)."""
    if not quality or not quality.get("items") or quality.get("cost_per_item_usd") is not None or not levels:
        return quality
    graded = min(levels, key=lambda level: level.concurrency)  # quality counts each item at the lowest level
    if not endpoint.self_hosted or graded.cost_usd is None or not graded.requests:
        return quality
    per_item = graded.cost_usd / graded.requests
    return {
        **quality,
        "cost_per_item_usd": per_item,
        "cost_per_1000_items_usd": per_item * 1000,
        "cost_basis": f"GPU time at concurrency {graded.concurrency}: {endpoint.gpu_count} x {endpoint.gpu} at "
        f"${endpoint.usd_per_gpu_hour}/GPU-hour over the level's {graded.duration_s:.1f} s, per request",
    }


INTERRUPTED = "interrupted"
CLOSED = "closed"


def stored_setup(store: Store, run_id: str, suite: Suite | None = None) -> RunSetup:
    """An interrupted run's setup as its start stored it; `suite` stands in for an uploaded suite (a shipped one is
    loaded by name). ConfigError when the run is unknown or not interrupted."""
    rows = store.run(run_id)
    if rows.empty:
        raise ConfigError(f"no probe run {run_id!r}: the Live probes page's history lists the runs and their ids")
    row = rows.iloc[0]
    if row["status"] != INTERRUPTED:
        raise ConfigError(
            f"run {run_id} is {row['status']}: only an interrupted run (its process ended without finishing it) can be "
            "resumed or closed"
        )
    try:
        stored = json.loads(str(row["settings_json"]))
        known = {f.name for f in fields(ProbeSettings)}
        raw = {k: v for k, v in stored["settings"].items() if k in known}
        raw["concurrency_levels"] = tuple(raw["concurrency_levels"])
        settings = ProbeSettings(**raw)
        objectives = Objectives(**stored.get("objectives") or {})
        endpoint = endpoint_from_row(stored["endpoint"])
        judge_row = stored.get("judge_endpoint")
        judge_endpoint = endpoint_from_row(judge_row) if judge_row else None
        sheet_name = str(stored.get("sheet") or "none")
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"run {run_id}'s stored settings cannot be read ({exc}): close it instead") from None
    suite_name = None if pd.isna(row["suite"]) else str(row["suite"])
    scorer = ((stored.get("suite") or {}).get("scorer")) if suite_name else None
    if suite_name and suite is None and suite_name in list_suites():
        suite = load_suite(suite_name)
    if suite is not None and suite.name != suite_name:
        raise ConfigError(f"run {run_id} asked suite {suite_name}, not {suite.name}: give that suite's file")
    price, price_note = price_fn_for(store, endpoint, sheet_name) if sheet_name != "none" else (None, "no price sheet")
    return RunSetup(
        run_id=run_id,
        endpoint=endpoint,
        settings=settings,
        sheet_name=sheet_name,
        objectives=objectives,
        suite=suite,
        suite_name=suite_name,
        scorer=scorer or (suite.scorer if suite else None),
        judge_endpoint=judge_endpoint,
        price=price,
        price_note=str(stored.get("price_note") or price_note),
        estimated_cost_usd=None if pd.isna(row["estimated_cost_usd"]) else float(row["estimated_cost_usd"]),
    )


def requests_left(settings: ProbeSettings, stored: pd.DataFrame) -> dict[int, list[int]]:
    """Per concurrency level, the places in the level whose request the store does not hold (none: level whole)."""
    taken = set(stored["seq"].astype(int)) if not stored.empty else set()
    left = {}
    for concurrency, block in level_seqs(settings).items():
        missing = [index for index, seq in enumerate(block) if seq not in taken]
        if missing:
            left[concurrency] = missing
    return left


def _sweep_rest(setup: RunSetup, earlier: pd.DataFrame, left: dict[int, list[int]]) -> dict[int, list[int]]:
    """What is left of a sweep: nothing after a level, measured whole before, at which the sweep would have stopped."""
    if not setup.settings.sweep:
        return left
    swept: list[LevelSummary] = []
    for index, concurrency in enumerate(setup.settings.concurrency_levels):
        if concurrency in left:
            return left
        level = earlier[(earlier["phase"] == "measure") & (earlier["concurrency"] == concurrency)]
        swept.extend(summarise_run(level[list(REQUEST_RECORD_FIELDS)], setup.objectives))
        if not sweep_should_continue(swept, setup.objectives):
            later = set(setup.settings.concurrency_levels[index + 1 :])
            return {c: places for c, places in left.items() if c not in later}
    return left


def resume_run(
    store: Store,
    run_id: str,
    *,
    suite: Suite | None = None,
    cancel: threading.Event | None = None,
    measure_overhead: bool = True,
    on_level: Callable[[int], None] | None = None,
) -> RunReport:
    """Send the requests an interrupted run had not measured, with its own settings, and finish it.

    Each request keeps the number (and so the prompt or suite item) it had in the run; levels measured whole are not
    sent again, and a sweep that had already stopped sends nothing more. This process takes the run over first, so
    two resumes of one run cannot both send.
    """
    setup = stored_setup(store, run_id, suite)
    if setup.suite_name and setup.suite is None:
        raise ConfigError(
            f"run {run_id} used the uploaded suite {setup.suite_name}: give its file to resume it (or close the run)"
        )
    judge = _judge_for(setup)
    api_key = resolve_api_key(setup.endpoint)
    earlier = store.run_requests(run_id)
    only = _sweep_rest(setup, earlier, requests_left(setup.settings, earlier))
    if not store.claim_interrupted_run(run_id):
        raise ConfigError(f"run {run_id} is no longer interrupted: another process has resumed or closed it")
    if not only:  # every request was stored before the interruption: only the summary is missing
        notes = ["finished after an interruption: every request had been stored"]
        report = _report(
            setup, earlier[list(REQUEST_RECORD_FIELDS)], "completed", notes, outcome=None, measure_overhead=False
        )
        store.finish_run(run_id, "completed", json.dumps(report.as_json(), default=str), "; ".join(notes))
        return report
    return _probe_and_store(
        store,
        setup,
        api_key,
        judge,
        cancel=cancel,
        measure_overhead=measure_overhead,
        on_level=on_level,
        earlier=earlier,
        only=only,
    )


def close_run(store: Store, run_id: str) -> RunReport:
    """Finish an interrupted run as it is: its summary from the requests it stored, status 'closed'."""
    setup = stored_setup(store, run_id)
    records = store.run_requests(run_id)
    records = records[list(REQUEST_RECORD_FIELDS)] if not records.empty else request_records_frame([])
    measured = int((records["phase"] == "measure").sum())
    notes = [f"closed after an interruption with the {measured} requests it had measured"]
    report = _report(setup, records, CLOSED, notes, outcome=None, measure_overhead=False)
    store.finish_run(run_id, CLOSED, json.dumps(report.as_json(), default=str), "; ".join(notes))
    return report


@dataclass(frozen=True)
class ConnectionCheck:
    """The answer to 'Test connection'."""

    ok: bool
    message: str


def check_connection(endpoint: Endpoint, timeout_s: float = 10.0) -> ConnectionCheck:
    """Reachable or not, key rejected, model unknown: one tiny request, classified."""
    try:
        api_key = resolve_api_key(endpoint)
    except ConfigError as exc:
        return ConnectionCheck(False, str(exc))
    if endpoint.api_base:
        try:
            served = asyncio.run(list_models(endpoint.target, api_key, timeout_s))
        except Exception:  # the request below gives the precise answer
            served = []
        bare = (
            endpoint.model.split("/", 1)[1] if endpoint.model.startswith(("nvidia_nim/", "openai/")) else endpoint.model
        )
        if served and bare not in served:
            return ConnectionCheck(
                False, f"reachable, but the server does not serve {bare!r}; it serves: {', '.join(served[:10])}"
            )
    say_ok = [{"role": "user", "content": "Say OK."}]
    result = asyncio.run(stream_chat(endpoint.target, say_ok, max_tokens=4, timeout_s=timeout_s, api_key=api_key))
    messages = {
        "connection_refused": f"not reachable at {endpoint.api_base or 'the provider'}: is the server running?",
        "timeout": f"no answer within {timeout_s:.0f} s",
        "auth_rejected": "reachable, but the key was rejected (check the variable " + str(endpoint.api_key_env) + ")",
        "model_unknown": f"reachable, but the model {endpoint.model!r} is unknown there",
        "rate_limited": "reachable, but rate-limited right now",
    }
    if result.error_type in (None, "empty_answer"):
        return ConnectionCheck(
            True, f"reachable: {endpoint.model} answered in {result.e2e_ms:.0f} ms (first request, set-up included)"
        )
    return ConnectionCheck(False, messages.get(str(result.error_type), f"failed: {result.error_message}"))
