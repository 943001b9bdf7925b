"""The probe harness: send timed, streamed requests to one endpoint across a concurrency sweep.

It warms up before measuring (the first request pays for connection set-up), retries rate-limited requests with
backoff that honours Retry-After, records every other fault as it happens and goes on, and hands each finished
request to a callback at once (so a run that is cancelled or dies keeps what it measured).

Load: a level of more than a few streams is spread over worker processes by default, one per core the machine
gives this process, each with its own event loop and connection pool. The workers start once per run, warm up,
and begin each level together at a shared instant (perf_counter is the system's monotonic clock, shared by
processes). Requests go out at fixed concurrency or, with a request rate, as Poisson arrivals capped by the
level's concurrency. A sweep can stop at saturation (`after_level`). Each level reports the CPU its client
used, which is what tells whether the client, not the model, set the figures. Storage and pricing are the
caller's: this module measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing as mp
import os
import queue
import random
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from evals.client import CLIENT_CHOICES, Route, StreamResult, Target, resolve_route, send
from evals.scorers import get_scorer
from evals.sse import LEAN, new_session
from evals.suites import Suite, SuiteItem
from pricing.store import RequestRecord

OnRecord = Callable[[RequestRecord], None]
PriceFn = Callable[[int, int, int], float | None]  # (input, output, cached) tokens -> USD, None if unpriced
AfterLevel = Callable[[int, list[RequestRecord]], bool]  # (concurrency, its records) -> go on to the next level?
STREAMS_PER_WORKER = 8  # below this many streams per worker, one in-process event loop reads them all easily
LEVEL_START_DELAY_S = 0.25  # workers are told to start a level this long after the order, so they start together

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
    workers: int | None = None  # client worker processes; None = one per core, for levels above a few streams
    client: str = "auto"  # "auto": the lean reader where the route is OpenAI-compatible, else litellm
    request_rate: float | None = None  # requests per second, Poisson arrivals; None = fixed concurrency
    sweep: bool = False  # stop after the level where throughput stops rising or the objectives fail

    def __post_init__(self) -> None:
        if self.requests_per_level < 1:
            raise ValueError("send at least one request per level")
        if not self.concurrency_levels or min(self.concurrency_levels) < 1:
            raise ValueError("concurrency levels must be whole numbers of at least 1, e.g. 1,4,16")
        if self.timeout_s <= 0:
            raise ValueError("the request timeout must be positive")
        if self.max_attempts < 1 or (self.workers is not None and self.workers < 1) or self.warmup_requests < 0:
            raise ValueError("attempts and workers must be at least 1, warm-up requests at least 0")
        if self.client not in CLIENT_CHOICES:
            raise ValueError(f"the client must be one of {', '.join(CLIENT_CHOICES)}, not {self.client!r}")
        if self.request_rate is not None and not self.request_rate > 0:
            raise ValueError("the request rate must be a positive number of requests per second")

    def workers_for(self, concurrency: int) -> int:
        """Worker processes for a level: as set, else one per core once a level has enough streams to share."""
        if self.workers is not None:
            return max(1, min(self.workers, concurrency))
        return max(1, min(available_cores(), concurrency // STREAMS_PER_WORKER))

    @property
    def total_requests(self) -> int:
        """Requests the run will send, warm-up included (retries not counted)."""
        return self.warmup_requests + self.requests_per_level * len(self.concurrency_levels)


def sweep_levels(max_concurrency: int) -> tuple[int, ...]:
    """Doubling concurrency levels from 1 up to (and including) `max_concurrency`: 1, 2, 4, ..., max."""
    if max_concurrency < 1:
        raise ValueError("the sweep's top concurrency must be at least 1")
    levels = [1]
    while levels[-1] * 2 < max_concurrency:
        levels.append(levels[-1] * 2)
    if levels[-1] != max_concurrency:
        levels.append(max_concurrency)
    return tuple(levels)


def level_seqs(settings: ProbeSettings) -> dict[int, range]:
    """The request numbers each concurrency level owns in a run: warm-up first, then a block per level."""
    first = settings.warmup_requests
    blocks = {}
    for index, concurrency in enumerate(settings.concurrency_levels):
        start = first + index * settings.requests_per_level
        blocks[concurrency] = range(start, start + settings.requests_per_level)
    return blocks


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


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


@dataclass
class Sender:
    """How one event loop sends requests: the route, the key, and (on the lean path) its pooled session."""

    route: Route
    api_key: str | None
    session: Any = None  # an aiohttp.ClientSession on the lean path

    async def __call__(self, work: Work, settings: ProbeSettings) -> StreamResult:
        return await send(
            self.route,
            work.messages,
            max_tokens=work.max_tokens,
            timeout_s=settings.timeout_s,
            api_key=self.api_key,
            session=self.session,
        )


class SenderScope:
    """Open the lean path's connection pool for the life of an event loop; nothing on the litellm path."""

    def __init__(self, route: Route, api_key: str | None) -> None:
        self.sender = Sender(route, api_key)

    async def __aenter__(self) -> Sender:
        if self.sender.route.path == LEAN:
            self.sender.session = new_session()
        return self.sender

    async def __aexit__(self, *exc: object) -> None:
        if self.sender.session is not None:
            await self.sender.session.close()


async def _send(
    sender: Sender, work: Work, settings: ProbeSettings, cancel: threading.Event
) -> tuple[StreamResult, int]:
    attempt = 1
    while True:
        result = await sender(work, settings)
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


def poisson_offsets_s(count: int, rate_per_s: float, seed: int) -> list[float]:
    """Send times (s from the level's start) of `count` Poisson arrivals at `rate_per_s`: exponential gaps."""
    rng = random.Random(seed)
    offsets, clock = [], 0.0
    for _ in range(count):
        clock += rng.expovariate(rate_per_s)
        offsets.append(clock)
    return offsets


async def run_level_async(
    sender: Sender,
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
    request_rate: float | None = None,
    seed: int = 0,
    seqs: Sequence[int] | None = None,
) -> int:
    """Send the works with at most `concurrency` in flight (as Poisson arrivals at `request_rate` when given).

    Return how many were sent. `level` labels the records when this is one worker's share of a larger level. The
    works are numbered from `first_seq`, or by `seqs` (one number each) when they are the rest of a level.
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
            result, attempts = await _send(sender, work, settings, cancel)
        make_record = partial(
            _record,
            work,
            result,
            seq=seqs[index] if seqs is not None else first_seq + index,
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

    if request_rate is None:
        await asyncio.gather(*(one(i, w) for i, w in enumerate(works)))
        return sent
    loop = asyncio.get_running_loop()
    started = loop.time()
    tasks = []
    for index, (work, offset) in enumerate(zip(works, poisson_offsets_s(len(works), request_rate, seed), strict=True)):
        await asyncio.sleep(max(0.0, started + offset - loop.time()))
        if cancel.is_set():
            break
        tasks.append(asyncio.create_task(one(index, work)))
    await asyncio.gather(*tasks)
    return sent


@dataclass(frozen=True)
class LevelOrder:
    """A worker's share of one level, sent by the parent."""

    works: list[Work]
    concurrency: int  # this worker's share of the level's streams
    first_seq: int
    seqs: tuple[int, ...]  # each work's number in the run
    level: int  # the level's whole concurrency, which labels the records
    run_started: float
    start_at: float  # perf_counter instant at which every worker begins
    request_rate: float | None
    seed: int


def _worker_main(
    *, slot: int, route: Route, api_key: str | None, settings: ProbeSettings, warmup: Work, inbox: Any, out: Any
) -> None:
    """A worker process for the whole run: warm up once, then run each level it is sent; records go to `out`.

    Messages to the parent: ("ready", slot, ""), each RequestRecord, ("level_done", slot, cpu_s) after each level,
    and ("failed", slot, message) if the worker breaks, instead of vanishing with the process.
    """
    cancel = threading.Event()

    async def main() -> None:
        async with SenderScope(route, api_key) as sender:
            await sender(replace(warmup, max_tokens=1), settings)
            out.put(("ready", slot, ""))
            while True:
                order = await asyncio.to_thread(inbox.get)
                if order is None:
                    return
                await asyncio.sleep(max(0.0, order.start_at - time.perf_counter()))
                cpu_started = time.process_time()
                await run_level_async(
                    sender,
                    order.works,
                    concurrency=order.concurrency,
                    settings=settings,
                    on_record=out.put,
                    cancel=cancel,
                    run_started=order.run_started,
                    first_seq=order.first_seq,
                    level=order.level,
                    request_rate=order.request_rate,
                    seed=order.seed,
                    seqs=order.seqs,
                )
                out.put(("level_done", slot, time.process_time() - cpu_started))

    try:
        asyncio.run(main())
    except BaseException as exc:  # reported to the parent, which records it per request
        out.put(("failed", slot, f"{type(exc).__name__}: {exc}"))


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


@dataclass
class LevelLoad:
    """What the client spent on one level: its processes, their CPU seconds and the level's wall time."""

    workers: int
    cpu_s: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def busiest_share(self) -> float | None:
        """The busiest client process's CPU time over the level's wall time (1.0 = a core fully used)."""
        return max(self.cpu_s) / self.wall_s if self.cpu_s and self.wall_s > 0 else None


class WorkerPool:
    """Client worker processes kept for a whole run; each level is split over as many of them as it needs."""

    def __init__(self, route: Route, api_key: str | None, settings: ProbeSettings, warmup: Work, size: int) -> None:
        context = mp.get_context("spawn")
        self.out = context.Queue()
        self.inboxes = [context.Queue() for _ in range(size)]
        self.processes = []
        for slot, inbox in enumerate(self.inboxes):
            process = context.Process(
                target=_worker_main,
                kwargs={
                    "slot": slot,
                    "route": route,
                    "api_key": api_key,
                    "settings": settings,
                    "warmup": Work(warmup.messages, warmup.max_tokens),
                    "inbox": inbox,
                    "out": self.out,
                },
                daemon=True,
            )
            with _main_module_hidden():
                process.start()
            self.processes.append(process)
        self.failures: list[str] = []
        self.alive = [True] * size
        self.ready = 0

    def wait_ready(self, cancel: threading.Event, timeout_s: float = 120.0) -> None:
        """Wait until every worker has warmed up (or failed, or died)."""
        deadline = time.monotonic() + timeout_s
        while self.ready + len(self.failures) < len(self.processes) and time.monotonic() < deadline:
            if cancel.is_set() or not any(p.is_alive() for p in self.processes):
                return
            try:
                message = self.out.get(timeout=0.2)
            except queue.Empty:
                dead = sum(not p.is_alive() for p in self.processes)
                if self.ready + len(self.failures) + dead >= len(self.processes):
                    return  # a worker died before it was ready: the others start rather than wait for it
                continue
            if isinstance(message, tuple) and message[0] == "ready":
                self.ready += 1
            elif isinstance(message, tuple) and message[0] == "failed":
                self.failures.append(str(message[2]))

    def close(self) -> None:
        """Tell the workers to stop; terminate any that do not."""
        for inbox, process in zip(self.inboxes, self.processes, strict=True):
            if process.is_alive():
                inbox.put(None)
        for process in self.processes:
            process.join(timeout=3)
            if process.is_alive():
                process.terminate()

    def run_level(
        self,
        works: list[Work],
        *,
        concurrency: int,
        workers: int,
        settings: ProbeSettings,
        on_record: OnRecord,
        cancel: threading.Event,
        run_started: float,
        first_seq: int,
        scorer_name: str | None = None,
        price: PriceFn | None = None,
        judge: Callable[[str], str] | None = None,
        request_rate: float | None = None,
        seqs: Sequence[int] | None = None,
    ) -> tuple[int, LevelLoad]:
        """Split a level over `workers` of the pool's processes; grade and price records here as they arrive."""
        numbers = list(seqs) if seqs is not None else list(range(first_seq, first_seq + len(works)))
        by_seq = dict(zip(numbers, works, strict=True))
        usable = [i for i, p in enumerate(self.processes) if p.is_alive()][:workers]
        load = LevelLoad(workers=len(usable))
        share = math.ceil(len(works) / max(1, len(usable)))
        start_at = time.perf_counter() + LEVEL_START_DELAY_S
        busy = []
        for slot, index in enumerate(usable):
            chunk = works[slot * share : (slot + 1) * share]
            chunk_seqs = tuple(numbers[slot * share : (slot + 1) * share])
            if not chunk:
                continue
            per_worker = max(1, concurrency // len(usable) + (1 if slot < concurrency % len(usable) else 0))
            order = LevelOrder(
                works=[Work(w.messages, w.max_tokens) for w in chunk],  # suite items do not pickle; graded here
                concurrency=per_worker,
                first_seq=first_seq + slot * share,
                seqs=chunk_seqs,
                level=concurrency,
                run_started=run_started,
                start_at=start_at,
                request_rate=request_rate / len(usable) if request_rate else None,  # Poisson streams add up
                seed=first_seq + slot,
            )
            self.inboxes[index].put(order)
            busy.append(index)
        received = 0
        pending = set(busy)  # workers whose level is not done
        seen: set[int] = set()
        failures: list[str] = []

        def take(message: Any) -> None:
            nonlocal received
            if isinstance(message, tuple):
                if message[0] == "level_done":
                    load.cpu_s.append(float(message[2]))
                    pending.discard(int(message[1]))
                elif message[0] == "failed":
                    failures.append(str(message[2]))
                    pending.discard(int(message[1]))
                return
            record = self._finish_record(message, by_seq, scorer_name, price, judge)
            on_record(record)
            seen.add(record.seq)
            received += 1

        while pending:
            if cancel.is_set():
                for index in busy:
                    self.processes[index].terminate()
                break
            try:
                take(self.out.get(timeout=0.2))
            except queue.Empty:
                dead = {index for index in pending if not self.processes[index].is_alive()}
                if dead:
                    pending -= dead  # killed or crashed without a word: what it sent is read below
                    failures.append(f"{len(dead)} client worker process(es) exited without reporting")
        with contextlib.suppress(queue.Empty):
            while failures and not cancel.is_set():  # what a dead worker sent before it died may be in the pipe
                take(self.out.get(timeout=0.5))
        load.wall_s = max(0.0, time.perf_counter() - start_at)
        if not cancel.is_set():
            # A worker that died or failed leaves requests unmeasured: count them as client errors, never drop them.
            reason = "; ".join(failures) or "a client worker process exited without reporting"  # unmeasured
            for number, work in by_seq.items():
                if number not in seen:
                    on_record(
                        _record(
                            work,
                            StreamResult(error_type="client_error", error_message=reason[:300]),
                            seq=number,
                            phase="measure",
                            concurrency=concurrency,
                            sent_s=time.perf_counter() - run_started,
                            attempts=0,
                        )
                    )
        return received, load

    @staticmethod
    def _finish_record(
        record: RequestRecord,
        by_seq: dict[int, Work],
        scorer_name: str | None,
        price: PriceFn | None,
        judge: Callable[[str], str] | None,
    ) -> RequestRecord:
        """Price and grade a worker's record in the parent, which holds the suite items and the judge."""
        if price is not None and record.input_tokens is not None:
            record = replace(record, cost_usd=price(record.input_tokens, record.output_tokens or 0, 0))
        item = by_seq[record.seq].item
        if item is not None:
            record = replace(record, item_id=item.id)
            if scorer_name and record.error_type in (None, "empty_answer"):
                outcome = get_scorer(scorer_name).score(record.answer or "", item, judge)
                record = replace(record, score=outcome.score, passed=outcome.passed, score_detail=outcome.detail)
        return record


@dataclass
class ProbeOutcome:
    """How the run ended, which client measured it, and what the client spent on each level."""

    status: str  # "completed" or "cancelled"
    sent: int
    route: Route | None = None
    loads: dict[int, LevelLoad] = field(default_factory=dict)  # per concurrency level
    stopped_after: int | None = None  # the level after which `after_level` ended a sweep


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
    after_level: AfterLevel | None = None,
    only: Mapping[int, Sequence[int]] | None = None,
) -> ProbeOutcome:
    """Warm up, then run every concurrency level in order; records go to `on_record` as they finish.

    litellm resolves the route once; the warm-up and every in-process level share one event loop and connection
    pool, and levels that need workers share one pool of processes started (and warmed up) at the first such
    level. `after_level` sees each level's records and may end a sweep by returning False. `only` (resuming a
    run) sends, per concurrency level, just the requests at those places in the level; levels it omits are skipped.
    Every request keeps the number it has in a whole run (`level_seqs`).
    """
    stop = cancel or threading.Event()
    scorer_name = suite.scorer if suite is not None else None
    works = plan_work(settings, suite)
    route = resolve_route(target, api_key, settings.client)
    outcome = ProbeOutcome("completed", 0, route)
    pool: WorkerPool | None = None

    async def all_levels() -> None:
        nonlocal pool
        run_started = time.perf_counter()
        async with SenderScope(route, api_key) as sender:
            warmup = [works[i % len(works)] for i in range(settings.warmup_requests)]
            seq = 0
            if warmup:
                await run_level_async(
                    sender,
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
            outcome.sent = len(warmup)
            for concurrency in settings.concurrency_levels:
                if stop.is_set():
                    outcome.status = "cancelled"
                    return
                level_works, numbers = works, None  # the whole level, numbered from `seq`
                if only is not None:
                    indexes = list(only.get(concurrency, ()))
                    if not indexes:
                        seq += len(works)
                        continue
                    level_works, numbers = [works[i] for i in indexes], [seq + i for i in indexes]
                if on_level is not None:
                    on_level(concurrency)
                level_records: list[RequestRecord] = []

                def keep(record: RequestRecord, into: list[RequestRecord] = level_records) -> None:
                    into.append(record)
                    on_record(record)

                workers = settings.workers_for(concurrency)
                if workers > 1:
                    if pool is None:
                        pool = await asyncio.to_thread(
                            WorkerPool,
                            route,
                            api_key,
                            settings,
                            works[0],
                            max(settings.workers_for(c) for c in settings.concurrency_levels),
                        )
                        await asyncio.to_thread(pool.wait_ready, stop)
                    sent, load = await asyncio.to_thread(
                        partial(
                            pool.run_level,
                            level_works,
                            concurrency=concurrency,
                            workers=workers,
                            settings=settings,
                            on_record=keep,
                            cancel=stop,
                            run_started=run_started,
                            first_seq=seq,
                            scorer_name=scorer_name,
                            price=price,
                            judge=judge,
                            request_rate=settings.request_rate,
                            seqs=numbers,
                        )
                    )
                else:
                    load = LevelLoad(workers=1)
                    cpu_started, wall_started = time.thread_time(), time.perf_counter()
                    sent = await run_level_async(
                        sender,
                        level_works,
                        concurrency=concurrency,
                        settings=settings,
                        on_record=keep,
                        cancel=stop,
                        run_started=run_started,
                        first_seq=seq,
                        scorer_name=scorer_name,
                        price=price,
                        judge=judge,
                        request_rate=settings.request_rate,
                        seed=seq,
                        seqs=numbers,
                    )
                    # the event loop's own thread: the CPU the client spent reading, not the store's writer
                    load.cpu_s.append(time.thread_time() - cpu_started)
                    load.wall_s = time.perf_counter() - wall_started
                outcome.sent += sent
                outcome.loads[concurrency] = load
                seq += len(works)  # numbers are reserved per level, so a cancelled level leaves gaps, not clashes
                if stop.is_set():
                    break
                if after_level is not None and not after_level(concurrency, level_records):
                    outcome.stopped_after = concurrency
                    break
        outcome.status = "cancelled" if stop.is_set() else "completed"

    try:
        asyncio.run(all_levels())
    finally:
        if pool is not None:
            pool.close()
    return outcome
