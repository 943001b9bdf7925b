"""The loopback chat-completions server in a process of its own, for the probe benchmark.

In the benchmark's own process the server's handler threads would compete with the client under test for the
GIL, so a busy client would also delay the server's chunks and the two costs could not be told apart. In its own
process the server has the other core, as a real model server would. Run as
`python -m benchmarks.loopback_proc TTFT_MS ITL_MS OUTPUT_TOKENS`: it prints {"base_url": ...} on one line, then
serves until its stdin is closed. This module imports only the standard library and evals.loopback.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from evals.loopback import LoopbackConfig, LoopbackServer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30.0


def main(argv: list[str]) -> int:
    """Serve with the given delays until stdin closes."""
    ttft_ms, itl_ms, output_tokens = float(argv[0]), float(argv[1]), int(argv[2])
    server = LoopbackServer(LoopbackConfig(ttft_ms=ttft_ms, itl_ms=itl_ms, output_tokens=output_tokens))
    base_url = server.start()
    try:
        print(json.dumps({"base_url": base_url}), flush=True)
        sys.stdin.read()  # returns when the parent closes the pipe (or dies)
    finally:
        server.stop()
    return 0


@contextlib.contextmanager
def serve(ttft_ms: float, itl_ms: float, output_tokens: int) -> Iterator[str]:
    """A loopback server in a child process for the duration of a with-block; yields its /v1 base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loopback_proc", str(ttft_ms), str(itl_ms), str(output_tokens)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the loopback server process exited ({process.wait(START_TIMEOUT_S)}) before serving")
        yield str(json.loads(line)["base_url"])
    finally:
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
