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
import os
import queue
import threading
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from evals.client import Target, list_models, make_judge, stream_chat
from evals.loopback import LoopbackConfig, LoopbackServer
from evals.probe import PriceFn, ProbeSettings, available_cores, estimate_cost_usd, run_probe
from evals.scorers import get_scorer
from evals.suites import Suite, wilson_interval
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
from pricing.price_sources import pricer_of
from pricing.service import CUSTOM_SHEET_NAME, prices_with_deployments
from pricing.store import RequestRecord, Store, request_records_frame
from pricing.usage import sheet_pricer

ENDPOINT_KINDS = ("nim", "openai-compatible", "api")
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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read endpoints from {path}: {exc}") from exc
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
    """Writes records to the store in small batches, off the measuring thread."""

    def __init__(self, store: Store, run_id: str) -> None:
        super().__init__(daemon=True)
        self.store, self.run_id = store, run_id
        self.inbox: queue.Queue[RequestRecord | None] = queue.Queue()
        self.records: list[RequestRecord] = []
        self.error: BaseException | None = None

    def put(self, record: RequestRecord) -> None:
        self.inbox.put(record)

    def run(self) -> None:
        done = False
        while not done:
            batch: list[RequestRecord] = []
            try:
                item = self.inbox.get(timeout=0.25)
                while True:
                    if item is None:
                        done = True
                        break
                    batch.append(item)
                    item = self.inbox.get_nowait()
            except queue.Empty:
                pass
            if batch:
                try:
                    self.store.add_probe_requests(self.run_id, batch)
                except BaseException as exc:  # reported by finish(); measuring goes on
                    self.error = exc
                self.records.extend(batch)

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


def quality_summary(records: pd.DataFrame, suite: Suite | None) -> dict[str, Any] | None:
    """Mean score with a 95% Wilson interval over scored items, cost and latency per item."""
    if suite is None:
        return None
    scored = records[(records["phase"] == "measure") & records["score"].notna()]
    if scored.empty:
        return {"suite": suite.name, "items": 0, "mean_score": None, "ci95": None}
    # A sweep asks each item once per level: quality counts each item once, from the first level, so the
    # interval reflects the number of distinct items, not the number of requests.
    first_level = scored[scored["concurrency"] == scored["concurrency"].min()]
    measured = first_level.drop_duplicates(subset=["item_id"], keep="first")
    passed = int(measured["passed"].fillna(False).astype(bool).sum())
    low, high = wilson_interval(passed, len(measured))
    costs = pd.to_numeric(measured["cost_usd"], errors="coerce")
    cost_total = float(costs.sum()) if costs.notna().any() else None
    return {
        "suite": suite.name,
        "scorer": suite.scorer,
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
) -> RunReport:
    """Run a probe, storing each request as it finishes, and store and return the summary."""
    objectives = objectives or Objectives()
    judge = None
    if suite is not None and get_scorer(suite.scorer).needs_judge:
        if judge_endpoint is None:
            raise ConfigError(f"suite {suite.name} is scored by an LLM judge: pick a judge model")
        judge = make_judge(judge_endpoint.target, resolve_api_key(judge_endpoint), settings.timeout_s)
    api_key = resolve_api_key(endpoint)
    price, price_note = price_fn_for(store, endpoint, sheet_name)
    estimate = estimate_cost_usd(settings, suite, price) if price is not None else None
    run_id = run_id or uuid.uuid4().hex[:12]
    settings_json = json.dumps(
        {
            "settings": asdict(settings),
            "objectives": asdict(objectives),
            "endpoint": endpoint.as_row(),
            "sheet": sheet_name,
            "price_note": price_note,
        },
        default=str,
    )
    store.start_run(
        run_id=run_id,
        endpoint_name=endpoint.name,
        model=endpoint.model,
        api_base=endpoint.api_base,
        model_id=endpoint.canonical_id,
        suite=suite.name if suite else None,
        settings_json=settings_json,
        estimated_cost_usd=estimate,
        note=price_note,
    )
    writer = _Writer(store, run_id)
    writer.start()
    status, notes = "failed", []
    swept: list[LevelSummary] = []

    def after_level(concurrency: int, level_records: list[RequestRecord]) -> bool:
        """In a sweep, go on while throughput still rises and the objectives hold."""
        if not settings.sweep:
            return True
        swept.extend(summarise_run(request_records_frame(level_records), objectives))
        return sweep_should_continue(swept, objectives)

    outcome = None
    try:
        outcome = run_probe(
            endpoint.target,
            api_key,
            settings,
            writer.put,
            suite=suite,
            price=price,
            cancel=cancel,
            judge=judge,
            on_level=on_level,
            after_level=after_level,
        )
        status = outcome.status
    except BaseException as exc:
        notes.append(f"run stopped by {type(exc).__name__}; requests measured before it are kept")
        raise
    finally:
        records = request_records_frame(writer.finish())
        if writer.error is not None:
            notes.append(f"some requests could not be stored: {writer.error}")
        levels = summarise_run(records, objectives) if not records.empty else []
        for level in levels:
            level.request_rate = settings.request_rate
        if outcome is not None:
            flag_client_load(levels, outcome.loads, available_cores())
            if outcome.route is not None:
                notes.append(f"measured by the {outcome.route.path} client: {outcome.route.why}")
            if outcome.stopped_after is not None:
                notes.append(
                    f"sweep stopped after concurrency {outcome.stopped_after}: {sweep_stop_reason(swept, objectives)}"
                )
        if measure_overhead and levels and status != "failed":
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
        report = RunReport(
            run_id=run_id,
            status=status,
            endpoint=endpoint.name,
            model=endpoint.model,
            suite=suite.name if suite else None,
            estimated_cost_usd=estimate,
            price_note=price_note,
            levels=levels,
            errors=errors,
            requests=len(measured),
            quality=quality_summary(records, suite),
            notes=notes,
            client_path=outcome.route.path if outcome is not None and outcome.route is not None else None,
            knee=knee,
            knee_usd_per_1m_output=knee_cost,
        )
        store.finish_run(run_id, status, json.dumps(report.as_json(), default=str), "; ".join(notes) or None)
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
