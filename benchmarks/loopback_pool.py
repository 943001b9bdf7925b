"""Several loopback server processes sharing one port, which also report how well they kept to their schedule.

evals.loopback serves each connection from a thread of one process, so at a few hundred streams one process
spends its time passing the GIL between sleeping threads, and a late chunk would look like the client's error.
Here `processes` copies of that same server (same handler, same SSE bytes) each bind the port with SO_REUSEPORT,
so the kernel spreads the connections over them. Each also says, on request, what it actually served: from a
request's arrival to its first content piece (served TTFT), the mean gap between its pieces (served ITL), how
late its latest piece left against the schedule, and the CPU seconds the process used. That is the truth as
the server kept it, to set beside what a client measured.

Run as `python -m benchmarks.loopback_pool PORT TTFT_MS ITL_MS OUTPUT_TOKENS` (PORT 0 picks a free port): the
process prints {"base_url": ...}, then answers each line "stats" on stdin with one JSON line, and stops when
stdin closes.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.timing import percentile
from evals import loopback
from evals.loopback import LoopbackConfig, LoopbackServer, RecordedRequest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_S = 10.0


class _SharedPortServer(loopback._Server):
    """The loopback server's HTTP server, bound to the pool's port with SO_REUSEPORT instead of to a free port."""

    port = 0

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self.server_address = (loopback.HOST, self.port)
        super().server_bind()


def _served(request: RecordedRequest, config: LoopbackConfig) -> tuple[float, float, float] | None:
    """(served TTFT ms, served ITL ms, latest piece's lateness ms) of a finished stream; None for anything else."""
    sent = request.pieces_sent_at
    if request.finished_at is None or len(sent) != config.output_tokens or len(sent) < 2:
        return None
    ttft_ms = (sent[0] - request.received_at) * 1000.0
    itl_ms = (sent[-1] - sent[0]) / (len(sent) - 1) * 1000.0
    late_ms = max(
        (at - request.received_at) * 1000.0 - (config.ttft_ms + index * config.itl_ms) for index, at in enumerate(sent)
    )
    return ttft_ms, itl_ms, late_ms


def main(argv: list[str]) -> int:
    """Serve on the shared port until stdin closes, answering "stats" lines."""
    port, ttft_ms, itl_ms, output_tokens = int(argv[0]), float(argv[1]), float(argv[2]), int(argv[3])
    _SharedPortServer.port = port
    loopback._Server = _SharedPortServer  # type: ignore[misc]  # LoopbackServer.start() builds its server from it
    config = LoopbackConfig(ttft_ms=ttft_ms, itl_ms=itl_ms, output_tokens=output_tokens)
    server = LoopbackServer(config)
    base_url = server.start()
    cpu_s = time.process_time()
    try:
        print(json.dumps({"base_url": base_url}), flush=True)
        for line in sys.stdin:  # ends when the parent closes the pipe (or dies)
            if line.strip() != "stats":
                continue
            requests = server.chat_requests()  # between a tool's runs, so no request is in flight
            server.clear()
            served = [s for s in (_served(r, config) for r in requests) if s is not None]
            now = time.process_time()
            print(json.dumps({"served": served, "cpu_s": now - cpu_s}), flush=True)
            cpu_s = now
    finally:
        server.stop()
    return 0


@dataclass(frozen=True)
class Served:
    """What the pool served since the last reading: p50 served TTFT and ITL, p99 lateness, CPU seconds."""

    streams: int
    ttft_p50_ms: float
    itl_p50_ms: float
    late_p99_ms: float
    cpu_s: float


class Pool:
    """The running processes of a pool; `base_url` is the OpenAI base URL they share."""

    def __init__(self, processes: list[subprocess.Popen[str]], base_url: str) -> None:
        self.processes = processes
        self.base_url = base_url

    def served(self) -> Served:
        """What every process served since the last call (streams that finished completely only)."""
        ttft: list[float] = []
        itl: list[float] = []
        late: list[float] = []
        cpu_s = 0.0
        for process in self.processes:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write("stats\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline())
            for served_ttft, served_itl, served_late in answer["served"]:
                ttft.append(served_ttft)
                itl.append(served_itl)
                late.append(served_late)
            cpu_s += float(answer["cpu_s"])
        return Served(len(ttft), percentile(ttft, 50), percentile(itl, 50), percentile(late, 99), cpu_s)


def _start(port: int, ttft_ms: float, itl_ms: float, output_tokens: int) -> tuple[subprocess.Popen[str], str]:
    """One server process on `port` (0: a free one) and the base URL it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loopback_pool", str(port), str(ttft_ms), str(itl_ms), str(output_tokens)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"a loopback server process exited ({process.wait(STOP_TIMEOUT_S)}) before serving")
    return process, str(json.loads(line)["base_url"])


def _stop(process: subprocess.Popen[str]) -> None:
    """Close the process's stdin (its signal to stop) and wait for it, killing it if it hangs."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def serve_pool(processes: int, ttft_ms: float, itl_ms: float, output_tokens: int) -> Iterator[Pool]:
    """`processes` loopback servers on one port for the duration of a with-block."""
    started: list[subprocess.Popen[str]] = []
    try:
        first, base_url = _start(0, ttft_ms, itl_ms, output_tokens)
        started.append(first)
        port = urlsplit(base_url).port or 0
        for _ in range(processes - 1):
            started.append(_start(port, ttft_ms, itl_ms, output_tokens)[0])
        yield Pool(started, base_url)
    finally:
        for process in started:
            _stop(process)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
