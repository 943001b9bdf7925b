"""The probe harness: send timed, streamed requests to one endpoint across a concurrency sweep.

It warms up before measuring (the first request pays for connection set-up), retries rate-limited
requests with backoff that honours Retry-After, records every other fault as it happens and goes on,
hands each finished request to a callback at once (so a run that is cancelled or dies keeps what it
measured), and can spread a level over several worker processes when one client process would be the
bottleneck. Storage and pricing are the caller's: this module measures.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing as mp
import queue
import random
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from evals.client import StreamResult, Target, stream_chat
from evals.scorers import get_scorer
from evals.suites import Suite, SuiteItem
from pricing.store import RequestRecord

OnRecord = Callable[[RequestRecord], None]
PriceFn = Callable[[int, int, int], float | None]  # (input, output, cached) tokens -> USD, None if unpriced

SYNTHETIC_WORDS = [
    "frontier",
    "model",
    "cost",
    "quality",
    "latency",
    "throughput",
    "token",
    "budget",
    "cluster",
    "request",
    "stream",
    "answer",
    "benchmark",
    "price",
    "sheet",
    "invoice",
    "capacity",
    "planning",
    "inference",
    "serving",
]


@dataclass(frozen=True)
class ProbeSettings:
    """What to send, how many, and how hard."""

    requests_per_level: int = 20
    concurrency_levels: tuple[int, ...] = (1, 4, 16)
    warmup_requests: int = 2
    input_tokens: int = 256  # synthetic prompts only; suite items bring their own prompts
    max_output_tokens: int = 128  # synthetic prompts; suites set their own
    timeout_s: float = 60.0
    max_attempts: int = 4  # per request, counting the first; only rate-limited attempts are retried
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    workers: int = 1

    def __post_init__(self) -> None:
        if self.requests_per_level < 1:
            raise ValueError("send at least one request per level")
        if not self.concurrency_levels or min(self.concurrency_levels) < 1:
            raise ValueError("concurrency levels must be whole numbers of at least 1, e.g. 1,4,16")
        if self.timeout_s <= 0:
            raise ValueError("the request timeout must be positive")
        if self.max_attempts < 1 or self.workers < 1 or self.warmup_requests < 0:
            raise ValueError("attempts and workers must be at least 1, warm-up requests at least 0")

    @property
    def total_requests(self) -> int:
        """Requests the run will send, warm-up included (retries not counted)."""
        return self.warmup_requests + self.requests_per_level * len(self.concurrency_levels)


@dataclass(frozen=True)
class Work:
    """One request to send: its prompt and, for eval suites, the item it answers."""

    messages: list[dict[str, str]]
    max_tokens: int
    item: SuiteItem | None = None


def synthetic_prompt(input_tokens: int, seed: int) -> str:
    """A prompt of about `input_tokens` tokens (4 characters each) that asks for a long answer."""
    rng = random.Random(seed)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < input_tokens * 4:
        words.append(rng.choice(SYNTHETIC_WORDS))
    return "Write a long, detailed essay about the following notes, without stopping early:\n" + " ".join(words)


def plan_work(settings: ProbeSettings, suite: Suite | None) -> list[Work]:
    """The requests of one level: suite items in order (cycling), or synthetic prompts."""
    works = []
    for i in range(settings.requests_per_level):
        if suite is not None:
            item = suite.items[i % len(suite.items)]
            messages = [{"role": "user", "content": item.prompt}]
            if suite.system_prompt:
                messages.insert(0, {"role": "system", "content": suite.system_prompt})
            works.append(Work(messages, suite.max_output_tokens, item))
        else:
            prompt = synthetic_prompt(settings.input_tokens, seed=i)
            works.append(Work([{"role": "user", "content": prompt}], settings.max_output_tokens))
    return works


def estimate_cost_usd(settings: ProbeSettings, suite: Suite | None, price: PriceFn) -> float | None:
    """What the run would cost if every request used its whole output budget (retries not counted)."""
    works = plan_work(settings, suite)
    per_level = 0.0
    for work in works:
        input_tokens = sum(len(m["content"]) for m in work.messages) // 4 + 8
        cost = price(input_tokens, work.max_tokens, 0)
        if cost is None:
            return None
        per_level += cost
    warmup = per_level / len(works) * settings.warmup_requests
    return per_level * len(settings.concurrency_levels) + warmup


def backoff_s(attempt: int, retry_after_s: float | None, base_s: float, cap_s: float) -> float:
    """Wait before the next attempt: the server's Retry-After if given, else capped exponential with jitter."""
    if retry_after_s is not None:
        return min(retry_after_s, cap_s)
    return min(cap_s, base_s * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


class Cancelled(Exception):
    """The run was cancelled; what was measured is kept."""


async def _send(
    target: Target, api_key: str | None, work: Work, settings: ProbeSettings, cancel: threading.Event
) -> tuple[StreamResult, int]:
    attempt = 1
    while True:
        result = await stream_chat(
            target, work.messages, max_tokens=work.max_tokens, timeout_s=settings.timeout_s, api_key=api_key
        )
        if result.error_type != "rate_limited" or attempt >= settings.max_attempts or cancel.is_set():
            return result, attempt
        await asyncio.sleep(backoff_s(attempt, result.retry_after_s, settings.backoff_base_s, settings.backoff_cap_s))
        attempt += 1


def _record(
    work: Work,
    result: StreamResult,
    *,
    seq: int,
    phase: str,
    concurrency: int,
    sent_s: float,
    attempts: int,
    scorer_name: str | None = None,
    price: PriceFn | None = None,
    judge: Callable[[str], str] | None = None,
) -> RequestRecord:
    """The record of one finished request: its measurements, its cost and, for a suite item, its grade."""
    score = passed = detail = None
    if scorer_name and work.item is not None and result.error_type in (None, "empty_answer"):
        outcome = get_scorer(scorer_name).score(result.answer, work.item, judge)
        score, passed, detail = outcome.score, outcome.passed, outcome.detail
    cost = None
    if price is not None and result.input_tokens is not None:
        # Every attempt that reached the model is billed; a rate-limited attempt is not.
        cost = price(result.input_tokens, result.output_tokens or 0, result.cached_input_tokens or 0)
    return RequestRecord(
        seq=seq,
        phase=phase,
        concurrency=concurrency,
        item_id=work.item.id if work.item is not None else None,
        sent_s=sent_s,
        ttft_ms=result.ttft_ms,
        e2e_ms=result.e2e_ms,
        itl_ms=result.itl_ms,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        reasoning_tokens=result.reasoning_tokens,
        tokens_estimated=result.tokens_estimated,
        cost_usd=cost,
        finish_reason=result.finish_reason,
        error_type=result.error_type,
        error_message=result.error_message,
        http_status=result.http_status,
        attempts=attempts,
        score=score,
        passed=passed,
        score_detail=detail,
        answer=result.answer[:500],
    )


async def run_level_async(
    target: Target,
    api_key: str | None,
    works: list[Work],
    *,
    concurrency: int,
    settings: ProbeSettings,
    on_record: OnRecord,
    cancel: threading.Event,
    run_started: float,
    first_seq: int,
    phase: str = "measure",
    scorer_name: str | None = None,
    price: PriceFn | None = None,
    judge: Callable[[str], str] | None = None,
    level: int | None = None,
) -> int:
    """Send the works with at most `concurrency` in flight; return how many were sent.

    `level` labels the records when this is one worker's share of a larger concurrency level.
    """
    semaphore = asyncio.Semaphore(concurrency)
    sent = 0

    async def one(index: int, work: Work) -> None:
        nonlocal sent
        async with semaphore:
            if cancel.is_set():
                return
            sent += 1
            sent_s = time.perf_counter() - run_started
            result, attempts = await _send(target, api_key, work, settings, cancel)
        make_record = partial(
            _record,
            work,
            result,
            seq=first_seq + index,
            phase=phase,
            concurrency=level or concurrency,
            sent_s=sent_s,
            attempts=attempts,
            scorer_name=scorer_name,
            price=price,
            judge=judge,
        )
        # A judge is a blocking model call: grade off the event loop so requests in flight keep their timing.
        record = await asyncio.to_thread(make_record) if judge is not None else make_record()
        on_record(record)

    await asyncio.gather(*(one(i, w) for i, w in enumerate(works)))
    return sent


def _worker_main(
    *,
    target: Target,
    api_key: str | None,
    works: list[Work],
    concurrency: int,
    settings: ProbeSettings,
    first_seq: int,
    out: Any,
    run_started: float,
    level: int,
    go: Any,
) -> None:
    """A worker process: one warm-up request, then its share of a level; records go to the queue.

    Warm-up and level share one event loop, so the connections the warm-up opens are the ones measured.
    A failure is sent to the parent as ("failed", message) instead of vanishing with the process.
    """
    cancel = threading.Event()

    async def main() -> None:
        await stream_chat(target, works[0].messages, max_tokens=1, timeout_s=settings.timeout_s, api_key=api_key)
        out.put(("ready", ""))
        # every worker starts the level together, so the level's duration is the load's, not the start-up skew
        await asyncio.to_thread(go.wait, 120)
        # perf_counter is the system's monotonic clock on Linux, shared by processes, so the parent's start
        # time places this worker's requests on the run's timeline.
        await run_level_async(
            target,
            api_key,
            works,
            concurrency=concurrency,
            settings=settings,
            on_record=out.put,
            cancel=cancel,
            run_started=run_started,
            first_seq=first_seq,
            level=level,
        )

    try:
        asyncio.run(main())
    except BaseException as exc:  # reported to the parent, which records it per request
        out.put(("failed", f"{type(exc).__name__}: {exc}"))
        return
    out.put(None)


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start spawned workers without re-running the parent's main script.

    multiprocessing's spawn re-executes the parent's `__main__` file in each child so pickled functions
    resolve; under Streamlit (and AppTest) that file is app.py, which opens the database the parent holds.
    The worker function lives in this importable module, so the child needs no main script at all.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def run_level_in_workers(
    target: Target,
    api_key: str | None,
    works: list[Work],
    *,
    concurrency: int,
    settings: ProbeSettings,
    on_record: OnRecord,
    cancel: threading.Event,
    run_started: float,
    first_seq: int,
    scorer_name: str | None = None,
    price: PriceFn | None = None,
) -> int:
    """Split a level over worker processes, each with its own event loop and share of the concurrency."""
    workers = min(settings.workers, concurrency, len(works))
    context = mp.get_context("spawn")
    out = context.Queue()
    go = context.Event()
    processes = []
    share = math.ceil(len(works) / workers)
    # Workers get prompts only: suite items (read-only mappings) do not pickle, and grading needs no worker.
    plain = [Work(work.messages, work.max_tokens) for work in works]
    for w in range(workers):
        chunk = plain[w * share : (w + 1) * share]
        if not chunk:
            continue
        per_worker = max(1, concurrency // workers + (1 if w < concurrency % workers else 0))
        process = context.Process(
            target=_worker_main,
            kwargs={
                "target": target,
                "api_key": api_key,
                "works": chunk,
                "concurrency": per_worker,
                "settings": settings,
                "first_seq": first_seq + w * share,
                "out": out,
                "run_started": run_started,
                "level": concurrency,
                "go": go,
            },
            daemon=True,
        )
        with _main_module_hidden():
            process.start()
        processes.append(process)
    finished = 0
    received = 0
    seen: set[int] = set()
    failures: list[str] = []
    ready = 0
    while finished < len(processes):
        if cancel.is_set():
            for process in processes:
                process.terminate()
            break
        try:
            record = out.get(timeout=0.2)
        except queue.Empty:
            if not go.is_set() and not all(p.is_alive() for p in processes):
                go.set()  # a worker died before it was ready: let the others start rather than wait for it
            if any(p.is_alive() for p in processes):
                continue
            try:  # every worker has exited; what they sent may still be in the pipe
                record = out.get(timeout=2.0)
            except queue.Empty:
                break
        if record is None:
            finished += 1
            continue
        if isinstance(record, tuple):
            if record[0] == "ready":
                ready += 1
                if ready + len(failures) >= len(processes):
                    go.set()
                continue
            failures.append(str(record[1]))
            finished += 1
            if ready + len(failures) >= len(processes):
                go.set()
            continue
        if price is not None and record.input_tokens is not None:
            record = replace(record, cost_usd=price(record.input_tokens, record.output_tokens or 0, 0))
        item = works[record.seq - first_seq].item
        if item is not None:
            record = replace(record, item_id=item.id)
            if scorer_name and record.error_type in (None, "empty_answer"):
                outcome = get_scorer(scorer_name).score(record.answer or "", item)
                record = replace(record, score=outcome.score, passed=outcome.passed, score_detail=outcome.detail)
        on_record(record)
        seen.add(record.seq)
        received += 1
    for process in processes:
        process.join(timeout=5)
    if not cancel.is_set():
        # A worker that died or failed leaves requests unmeasured: count them as client errors, never drop them.
        reason = "; ".join(failures) or "a client worker process exited without reporting"
        for index, work in enumerate(works):
            if first_seq + index not in seen:
                on_record(
                    _record(
                        work,
                        StreamResult(error_type="client_error", error_message=reason[:300]),
                        seq=first_seq + index,
                        phase="measure",
                        concurrency=concurrency,
                        sent_s=time.perf_counter() - run_started,
                        attempts=0,
                    )
                )
    return received


@dataclass
class ProbeOutcome:
    """How the run ended."""

    status: str  # "completed" or "cancelled"
    sent: int


def run_probe(
    target: Target,
    api_key: str | None,
    settings: ProbeSettings,
    on_record: OnRecord,
    *,
    suite: Suite | None = None,
    price: PriceFn | None = None,
    cancel: threading.Event | None = None,
    judge: Callable[[str], str] | None = None,
    on_level: Callable[[int], None] | None = None,
) -> ProbeOutcome:
    """Warm up, then run every concurrency level in order; records go to `on_record` as they finish.

    The warm-up and every in-process level share one event loop, so the client's connections are set up
    once (by the warm-up) and reused, instead of a new pool per level.
    """
    stop = cancel or threading.Event()
    scorer_name = suite.scorer if suite is not None else None
    works = plan_work(settings, suite)

    async def all_levels() -> ProbeOutcome:
        run_started = time.perf_counter()
        warmup = [works[i % len(works)] for i in range(settings.warmup_requests)]
        seq = 0
        if warmup:
            await run_level_async(
                target,
                api_key,
                warmup,
                concurrency=1,
                settings=settings,
                on_record=on_record,
                cancel=stop,
                run_started=run_started,
                first_seq=seq,
                phase="warmup",
                scorer_name=scorer_name,
                price=price,
                judge=judge,
            )
            seq += len(warmup)
        sent = len(warmup)
        for concurrency in settings.concurrency_levels:
            if stop.is_set():
                return ProbeOutcome("cancelled", sent)
            if on_level is not None:
                on_level(concurrency)
            if settings.workers > 1 and concurrency > 1:
                sent += await asyncio.to_thread(
                    partial(
                        run_level_in_workers,
                        target,
                        api_key,
                        works,
                        concurrency=concurrency,
                        settings=settings,
                        on_record=on_record,
                        cancel=stop,
                        run_started=run_started,
                        first_seq=seq,
                        scorer_name=scorer_name,
                        price=price,
                    )
                )
            else:
                sent += await run_level_async(
                    target,
                    api_key,
                    works,
                    concurrency=concurrency,
                    settings=settings,
                    on_record=on_record,
                    cancel=stop,
                    run_started=run_started,
                    first_seq=seq,
                    scorer_name=scorer_name,
                    price=price,
                    judge=judge,
                )
            seq += len(works)  # numbers are reserved per level, so a cancelled level leaves gaps, not clashes
        return ProbeOutcome("cancelled" if stop.is_set() else "completed", sent)

    return asyncio.run(all_levels())
