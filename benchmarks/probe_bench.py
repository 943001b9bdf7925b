"""Benchmark 4: the probe harness against a bare httpx streaming client, both on a real loopback server.

The server is evals.loopback's OpenAI-compatible streaming server, run in a child process (see
benchmarks.loopback_proc) so that it never competes with the client under test for the GIL. Ours is the
harness as the product runs one in-process level: `evals.probe.run_level_async` (one `asyncio.run` per batch)
sending requests on the route litellm resolves for Target("openai/test-model", base_url): the lean aiohttp
reader by default (`--only probe` with FRONTIER_PROBE_CLIENT=litellm times litellm's streaming wrapper instead).
The baseline does the same requests with nothing but an `httpx.AsyncClient`: POST /v1/chat/completions with
stream=true, read the SSE lines until `data: [DONE]`, and the same concurrency through an `asyncio.Semaphore`.

1. Harness overhead: requests per second against a zero-delay server (TTFT 0, ITL 0, 16 tokens), so the
   client is the only thing that takes time. The ratio bare/ours is how many times slower the harness is.
2. Timing error: with TTFT 150 ms and ITL 20 ms injected (10 tokens), measured minus injected TTFT (p50,
   p90) and ITL (p50) at several concurrency levels, for both clients. Where ours drifts from the bare
   client, the client (litellm's CPU-heavy streaming wrapper), not the model, is what a probe measures.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from benchmarks.loopback_proc import serve
from benchmarks.timing import Row, Table, Timing, fmt_seconds, percentile
from evals.client import Target, resolve_route
from evals.probe import ProbeSettings, SenderScope, Work, plan_work, run_level_async
from pricing.store import RequestRecord

MODEL = "test-model"
TIMEOUT_S = 60.0
HEADERS = {"Authorization": "Bearer not-needed"}  # what litellm sends to a keyless local server

OVERHEAD_REQUESTS = 200
OVERHEAD_CONCURRENCY = 16
OVERHEAD_TOKENS = 16

INJECTED_TTFT_MS = 150.0
INJECTED_ITL_MS = 20.0
TIMING_TOKENS = 10
# (concurrency, requests per client); each level is split into rounds of at least `concurrency` requests,
# run ours, bare, ours, bare, ... so that a burst of machine noise hits both alike.
TIMING_LEVELS: tuple[tuple[int, int], ...] = ((1, 16), (4, 32), (16, 64), (64, 256))
QUICK_TIMING_LEVELS: tuple[tuple[int, int], ...] = ((1, 8), (4, 16), (16, 32), (64, 64))
ROUNDS = 4


@dataclass(frozen=True)
class Sample:
    """One request's timings as a client measured them (None when it failed or had too few tokens)."""

    ttft_ms: float | None
    itl_ms: float | None
    ok: bool


Batch = Callable[[list[Work], int], list[Sample]]


def ours_batch(target: Target, settings: ProbeSettings) -> Batch:
    """Send works through the probe harness, as one level of a run: one event loop, `concurrency` in flight."""

    route = resolve_route(target, None, settings.client)

    async def level(works: list[Work], concurrency: int, records: list[RequestRecord]) -> None:
        async with SenderScope(route, None) as sender:
            await run_level_async(
                sender,
                works,
                concurrency=concurrency,
                settings=settings,
                on_record=records.append,
                cancel=threading.Event(),
                run_started=time.perf_counter(),
                first_seq=0,
            )

    def batch(works: list[Work], concurrency: int) -> list[Sample]:
        records: list[RequestRecord] = []
        asyncio.run(level(works, concurrency, records))
        return [Sample(r.ttft_ms, r.itl_ms, r.error_type is None) for r in records]

    return batch


async def bare_stream(client: httpx.AsyncClient, url: str, work: Work) -> Sample:
    """One streamed request with bare httpx: TTFT at the first non-empty content delta, end at `data: [DONE]`."""
    body = {
        "model": MODEL,
        "messages": work.messages,
        "max_tokens": work.max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    ttft_ms: float | None = None
    e2e_ms: float | None = None
    deltas = 0
    usage_tokens: int | None = None
    try:
        async with client.stream("POST", url, json=body, headers=HEADERS) as response:
            if response.status_code != 200:
                await response.aread()
                return Sample(None, None, False)
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    e2e_ms = (time.perf_counter() - started) * 1000.0
                    continue  # read on to the end of the body, so the connection goes back to the pool
                chunk = json.loads(data)
                choices = chunk.get("choices") or []
                if choices and (choices[0].get("delta") or {}).get("content"):
                    if ttft_ms is None:
                        ttft_ms = (time.perf_counter() - started) * 1000.0
                    deltas += 1
                usage = chunk.get("usage")
                if isinstance(usage, dict) and usage.get("completion_tokens") is not None:
                    usage_tokens = int(usage["completion_tokens"])
    except (httpx.HTTPError, ValueError):
        return Sample(None, None, False)
    if ttft_ms is None or e2e_ms is None:
        return Sample(None, None, False)
    tokens = usage_tokens if usage_tokens is not None else deltas
    itl_ms = (e2e_ms - ttft_ms) / (tokens - 1) if tokens >= 2 else None  # as StreamResult.itl_ms defines it
    return Sample(ttft_ms, itl_ms, True)


def bare_batch(base_url: str) -> Batch:
    """Send works with a fresh httpx.AsyncClient in their own event loop, `concurrency` in flight."""
    url = base_url.rstrip("/") + "/chat/completions"

    async def level(works: list[Work], concurrency: int) -> list[Sample]:
        semaphore = asyncio.Semaphore(concurrency)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S) as client:

            async def one(work: Work) -> Sample:
                async with semaphore:
                    return await bare_stream(client, url, work)

            return list(await asyncio.gather(*(one(work) for work in works)))

    def batch(works: list[Work], concurrency: int) -> list[Sample]:
        return asyncio.run(level(works, concurrency))

    return batch


def _settings(requests: int, max_tokens: int) -> ProbeSettings:
    """Probe settings for synthetic prompts (the default 256-token prompt) and no warm-up of their own."""
    return ProbeSettings(
        requests_per_level=requests,
        warmup_requests=0,
        max_output_tokens=max_tokens,
        timeout_s=TIMEOUT_S,
        client=os.environ.get("FRONTIER_PROBE_CLIENT", "auto"),
    )


def _check(name: str, samples: Sequence[Sample]) -> list[Sample]:
    """The samples, or an error when any request failed (the server is local, so none should)."""
    failed = sum(not s.ok for s in samples)
    if failed:
        raise RuntimeError(f"probe benchmark: {failed} of {len(samples)} {name} requests failed")
    return list(samples)


def _timed(fn: Callable[[], list[Sample]]) -> tuple[float, float, list[Sample]]:
    """(wall seconds, this process's CPU seconds, result) of one call, after a collection (GC stays on)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def bench_overhead(repeats: int) -> tuple[Row, Table]:
    """Requests per second of both clients against a zero-delay server, interleaved."""
    n, c = OVERHEAD_REQUESTS, OVERHEAD_CONCURRENCY
    settings = _settings(n, OVERHEAD_TOKENS)
    works = plan_work(settings, None)
    with serve(0, 0, OVERHEAD_TOKENS) as base_url:
        ours = ours_batch(Target(f"openai/{MODEL}", base_url), settings)
        bare = bare_batch(base_url)
        for name, batch in (("ours", ours), ("bare", bare)):  # warm-up: imports, clients, connections
            _check(name, batch(works[: 2 * c], c))
        walls: dict[str, list[float]] = {"ours": [], "bare": []}
        cpus: dict[str, list[float]] = {"ours": [], "bare": []}
        for _ in range(repeats):
            for name, batch in (("ours", ours), ("bare", bare)):
                wall, cpu, samples = _timed(functools.partial(batch, works, c))
                _check(name, samples)
                walls[name].append(wall)
                cpus[name].append(cpu)
    rate = {name: n / statistics.median(values) for name, values in walls.items()}
    cpu_ms = {name: statistics.median(values) / n * 1000.0 for name, values in cpus.items()}
    ratio = statistics.median(o / b for o, b in zip(walls["ours"], walls["bare"], strict=True))
    notes = (
        f"{n} streamed requests ({OVERHEAD_TOKENS} tokens, 256-token prompt) at concurrency {c} against a zero-delay "
        f"loopback server in its own process: ours {rate['ours']:,.0f} req/s, bare {rate['bare']:,.0f} req/s; "
        f"client CPU per request ours {cpu_ms['ours']:.2f} ms, bare {cpu_ms['bare']:.2f} ms"
    )
    row = Row(
        f"probe harness, {n} requests at c={c}, zero-delay server",
        Timing(tuple(walls["ours"])),
        "bare httpx",
        Timing(tuple(walls["bare"])),
        False,
        notes,
    )

    def line(name: str, label: str) -> tuple[str, str, str, str]:
        fastest = n / min(walls[name])
        return (label, f"{rate[name]:,.0f}", f"{fastest:,.0f}", f"{cpu_ms[name]:.2f} ms")

    table = Table(
        f"Harness overhead: {n} streamed requests at concurrency {c}, zero-delay loopback server "
        f"({OVERHEAD_TOKENS} tokens each), {repeats} interleaved repeats",
        ("client", "requests/s (median)", "requests/s (best)", "client CPU per request"),
        (
            line("ours", f"ours (run_level_async, {os.environ.get('FRONTIER_PROBE_CLIENT', 'auto')} client)"),
            line("bare", "bare httpx.AsyncClient"),
        ),
        f"bare/ours = {ratio:.2f}x: the harness is {ratio:.2f} times slower than a bare streaming client "
        f"(median of per-repeat ratios).",
    )
    return row, table


@dataclass(frozen=True)
class TimingError:
    """Measured minus injected TTFT (p50, p90) and ITL (p50), in ms, over one client's samples."""

    ttft_p50: float
    ttft_p90: float
    itl_p50: float
    count: int

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> TimingError:
        ttft = [s.ttft_ms - INJECTED_TTFT_MS for s in samples if s.ttft_ms is not None]
        itl = [s.itl_ms - INJECTED_ITL_MS for s in samples if s.itl_ms is not None]
        if not ttft or not itl:
            raise RuntimeError("probe benchmark: no timings to compare")
        return cls(percentile(ttft, 50), percentile(ttft, 90), percentile(itl, 50), len(samples))


def bench_timing_error(quick: bool) -> tuple[list[Table], dict[int, tuple[TimingError, TimingError]]]:
    """Measured minus injected TTFT and ITL of both clients at each concurrency level."""
    levels = QUICK_TIMING_LEVELS if quick else TIMING_LEVELS
    results: dict[int, tuple[TimingError, TimingError]] = {}
    tables: list[Table] = []
    with serve(INJECTED_TTFT_MS, INJECTED_ITL_MS, TIMING_TOKENS) as base_url:
        most = max(n for _, n in levels)
        settings = _settings(most, TIMING_TOKENS)
        works = plan_work(settings, None)
        ours = ours_batch(Target(f"openai/{MODEL}", base_url), settings)
        bare = bare_batch(base_url)
        for name, batch in (("ours", ours), ("bare", bare)):  # warm-up
            _check(name, batch(works[:2], 1))
        for concurrency, n in levels:
            rounds = max(1, min(ROUNDS, n // concurrency))
            per_round = n // rounds
            samples: dict[str, list[Sample]] = {"ours": [], "bare": []}
            started = time.perf_counter()
            for index in range(rounds):
                chunk = works[index * per_round : (index + 1) * per_round]
                for name, batch in (("ours", ours), ("bare", bare)):
                    samples[name].extend(_check(name, batch(chunk, concurrency)))
            ours_error, bare_error = TimingError.of(samples["ours"]), TimingError.of(samples["bare"])
            results[concurrency] = (ours_error, bare_error)
            elapsed = time.perf_counter() - started

            def ms(value: float) -> str:
                return f"{value:+.1f} ms"

            rows = (
                (f"TTFT - {INJECTED_TTFT_MS:.0f} ms, p50", ours_error.ttft_p50, bare_error.ttft_p50),
                (f"TTFT - {INJECTED_TTFT_MS:.0f} ms, p90", ours_error.ttft_p90, bare_error.ttft_p90),
                (f"ITL - {INJECTED_ITL_MS:.0f} ms, p50", ours_error.itl_p50, bare_error.itl_p50),
            )
            tables.append(
                Table(
                    f"Timing error at concurrency {concurrency}: measured minus injected "
                    f"(TTFT {INJECTED_TTFT_MS:.0f} ms, ITL {INJECTED_ITL_MS:.0f} ms, {TIMING_TOKENS} tokens), "
                    f"{per_round * rounds} requests per client in {rounds} interleaved round(s), "
                    f"{fmt_seconds(elapsed)} for both",
                    ("measured - injected", "ours", "bare httpx", "ours - bare"),
                    tuple((label, ms(o), ms(b), ms(o - b)) for label, o, b in rows),
                )
            )
    return tables, results


def run(repeats: int, quick: bool) -> list[Row | Table]:
    """Harness overhead (one row and a table) and timing error (a table per concurrency level)."""
    load_before = os.getloadavg()[0]
    row, overhead = bench_overhead(repeats)
    tables, _ = bench_timing_error(quick)
    load = (
        f"Load average (1 min) {load_before:.2f} before the probe benchmarks and {os.getloadavg()[0]:.2f} after: "
        "on a shared machine other processes' CPU lands in these figures too."
    )
    last = tables[-1]
    tables[-1] = Table(last.title, last.header, last.rows, f"{last.footnote}\n{load}".strip())
    return [row, overhead, *tables]
