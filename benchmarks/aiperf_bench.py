"""Benchmark: our probe against NVIDIA AIPerf on the same loopback server, level by level, in one run.

The server is evals.loopback's streaming server with a known truth (TTFT 150 ms, ITL 10 ms, 50 tokens), run as
several processes on one port (benchmarks.loopback_pool) so that it keeps its schedule at 256 streams; each
process reports what it actually served, which the second table shows. At concurrency 1, 16, 64 and 256 both
tools send the same number of requests with the same warm-up, one after the other (who goes first alternates by
level):

- ours is the probe as `python -m evals probe` runs it: `evals.probe.run_probe` with `ProbeSettings` at its
  defaults but for the level and the request count, summarised by `evals.summary.summarise_run` (the figures the
  CLI prints), so any change to the probe's defaults or timing path shows up here unchanged;
- the baseline is `aiperf profile` (AIPerf 0.13.0, installed on first use into `.bench/aiperf-venv`; the only
  network access of any benchmark) with `--streaming --tokenizer builtin --use-server-token-count` and the same
  prompt length, output budget, timeout and warm-up; its p50 TTFT, p50 ITL and output token throughput are read
  from `profile_export_aiperf.json`. The builtin tokenizer is tiktoken's o200k_base, read offline from the copy
  litellm ships.

Goals (issue 12), at every level: our TTFT error (|p50 - 150 ms|) at most 1.25x AIPerf's or AIPerf's + 5 ms; our
ITL error likewise, or AIPerf's + 1 ms; our system output throughput at least 0.9x AIPerf's. If AIPerf cannot be
installed or run, the suite says why and the rest of the benchmarks go on.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.loopback_pool import Served, serve_pool
from benchmarks.timing import Row, Table, Timing
from evals.probe import ProbeSettings, run_probe
from evals.runner import Endpoint
from evals.summary import Objectives, summarise_run
from pricing.store import RequestRecord, request_records_frame

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AIPERF_VERSION = "0.13.0"
AIPERF_VENV = PROJECT_ROOT / ".bench" / "aiperf-venv"
INSTALL_TIMEOUT_S = 900
AIPERF_RUN_TIMEOUT_S = 600
# tiktoken caches a file under the SHA-1 of its URL; AIPerf's builtin tokenizer is o200k_base.
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"

MODEL = "test-model"
TRUTH_TTFT_MS = 150.0
TRUTH_ITL_MS = 10.0
OUTPUT_TOKENS = 50
LEVELS = (1, 16, 64, 256)

TTFT_FACTOR = ITL_FACTOR = 1.25
TTFT_SLACK_MS = 5.0
ITL_SLACK_MS = 1.0
THROUGHPUT_FLOOR = 0.9


def requests_for(concurrency: int, quick: bool) -> int:
    """Measured requests per tool at a level: four waves of `concurrency` (two with --quick), and a floor."""
    return max(2 * concurrency, 16) if quick else max(4 * concurrency, 64)


def limit_tokens_per_s(concurrency: int) -> float:
    """The most output tokens per second the server can give: c streams of 50 tokens each 150 + 49 x 10 ms long."""
    seconds_per_request = (TRUTH_TTFT_MS + (OUTPUT_TOKENS - 1) * TRUTH_ITL_MS) / 1000.0
    return concurrency * OUTPUT_TOKENS / seconds_per_request


def server_processes() -> int:
    """Server processes for the pool: two on a small machine (one loses its schedule at c=256), at most four."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 2
    return min(4, max(2, cpus // 2))


NOT_READ = Served(0, float("nan"), float("nan"), float("nan"), 0.0)


@dataclass(frozen=True)
class Measured:
    """One tool's figures at one level, with what the server served meanwhile and the tool's wall time."""

    ttft_p50_ms: float
    itl_p50_ms: float
    tokens_per_s: float
    duration_s: float
    requests: int
    failed: int
    wall_s: float
    served: Served = NOT_READ

    @property
    def ttft_error_ms(self) -> float:
        return abs(self.ttft_p50_ms - TRUTH_TTFT_MS)

    @property
    def itl_error_ms(self) -> float:
        return abs(self.itl_p50_ms - TRUTH_ITL_MS)


def ensure_aiperf() -> tuple[Path | None, str]:
    """The aiperf executable in its own venv, installing it on first use; (None, why) when that fails."""
    executable = AIPERF_VENV / "bin" / "aiperf"
    marker = AIPERF_VENV / f".installed-aiperf-{AIPERF_VERSION}"
    if marker.exists() and executable.exists():
        return executable, f"AIPerf {AIPERF_VERSION} from {AIPERF_VENV.relative_to(PROJECT_ROOT)}"
    print(
        f"  installing AIPerf {AIPERF_VERSION} into {AIPERF_VENV.relative_to(PROJECT_ROOT)} (once; a minute or two)",
        file=sys.stderr,
        flush=True,
    )
    shutil.rmtree(AIPERF_VENV, ignore_errors=True)
    python = AIPERF_VENV / "bin" / "python"
    steps = (
        ("python -m venv", [sys.executable, "-m", "venv", str(AIPERF_VENV)]),
        (
            f"pip install aiperf=={AIPERF_VERSION}",
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", f"aiperf=={AIPERF_VERSION}"],
        ),
    )
    for label, command in steps:
        try:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except subprocess.CalledProcessError as exc:
            errors = [line for line in (exc.stderr or "").splitlines() if line.strip() and "WARNING" not in line]
            return None, f"{label} failed: {errors[-1] if errors else f'exit {exc.returncode}'}"
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{label} failed: {exc}"
    if not executable.exists():
        return None, f"pip installed aiperf=={AIPERF_VERSION} but {executable} is missing"
    marker.touch()
    return executable, f"AIPerf {AIPERF_VERSION}, just installed into {AIPERF_VENV.relative_to(PROJECT_ROOT)}"


def tiktoken_cache_dir() -> Path | None:
    """The folder where litellm ships tiktoken's files (o200k_base among them), found without importing litellm."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return folder if (folder / hashlib.sha1(O200K_URL.encode()).hexdigest()).exists() else None


def probe_settings(concurrency: int, requests: int) -> ProbeSettings:
    """The probe's default settings but for the level and the number of requests."""
    return ProbeSettings(requests_per_level=requests, concurrency_levels=(concurrency,))


def run_ours(base_url: str, concurrency: int, requests: int) -> Measured:
    """One level through run_probe, as `python -m evals probe --api-base URL --model test-model` sends it."""
    endpoint = Endpoint(name=MODEL, model=MODEL, kind="openai-compatible", api_base=base_url)
    records: list[RequestRecord] = []
    started = time.perf_counter()
    run_probe(endpoint.target, None, probe_settings(concurrency, requests), records.append)
    wall_s = time.perf_counter() - started
    (level,) = summarise_run(request_records_frame(records), Objectives())
    ttft_p50, itl_p50 = level.ttft_ms["p50"], level.itl_ms["p50"]
    return Measured(
        ttft_p50_ms=float("nan") if ttft_p50 is None else ttft_p50,
        itl_p50_ms=float("nan") if itl_p50 is None else itl_p50,
        tokens_per_s=level.system_output_tokens_per_s,
        duration_s=level.duration_s,
        requests=level.requests,
        failed=level.requests - level.succeeded,
        wall_s=wall_s,
    )


def aiperf_command(executable: Path, base_url: str, concurrency: int, requests: int, out_dir: Path) -> list[str]:
    """`aiperf profile` for one level, with the probe's prompt length, output budget, timeout and warm-up."""
    settings = probe_settings(concurrency, requests)
    command = [
        str(executable),
        "profile",
        "--model",
        MODEL,
        "--url",
        base_url.removesuffix("/v1"),
        "--endpoint-type",
        "chat",
        "--streaming",
        "--tokenizer",
        "builtin",
        "--use-server-token-count",
        "--concurrency",
        str(concurrency),
        "--request-count",
        str(requests),
        "--prompt-input-tokens-mean",
        str(settings.input_tokens),
        "--prompt-input-tokens-stddev",
        "0",
        "--prompt-output-tokens-mean",
        str(settings.max_output_tokens),
        "--request-timeout-seconds",
        f"{settings.timeout_s:g}",
        "--output-artifact-dir",
        str(out_dir),
        "--export-level",
        "summary",
        "--ui",
        "none",
        "--no-server-metrics",
        "--no-gpu-telemetry",
    ]
    if settings.warmup_requests:
        command += ["--warmup-request-count", str(settings.warmup_requests)]
    return command


def run_aiperf(
    executable: Path, tokenizers: Path, base_url: str, concurrency: int, requests: int, work_dir: Path
) -> tuple[Measured | None, str]:
    """One level through `aiperf profile`; (None, why) when it fails. The server's figures are added by the caller."""
    out_dir = work_dir / f"c{concurrency}"
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(tokenizers), HF_HUB_OFFLINE="1")
    started = time.perf_counter()
    try:
        done = subprocess.run(
            aiperf_command(executable, base_url, concurrency, requests, out_dir),
            capture_output=True,
            text=True,
            env=env,
            timeout=AIPERF_RUN_TIMEOUT_S,
            cwd=work_dir,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"aiperf failed at c={concurrency}: {exc}"
    wall_s = time.perf_counter() - started
    export = out_dir / "profile_export_aiperf.json"
    if done.returncode != 0 or not export.exists():
        tail = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()][-3:]
        return None, f"aiperf exited {done.returncode} at c={concurrency}: {' | '.join(tail)}"
    data = json.loads(export.read_text(encoding="utf-8"))
    try:
        succeeded = int(data["request_count"]["avg"])
        measured = Measured(
            ttft_p50_ms=float(data["time_to_first_token"]["p50"]),
            itl_p50_ms=float(data["inter_token_latency"]["p50"]),
            tokens_per_s=float(data["output_token_throughput"]["avg"]),
            duration_s=float(data["benchmark_duration"]["avg"]),
            requests=requests,
            failed=max(0, requests - succeeded),
            wall_s=wall_s,
        )
    except (KeyError, TypeError, ValueError) as exc:
        return None, f"aiperf's {export.name} at c={concurrency} lacks a figure: {exc!r}"
    return measured, ""


@dataclass(frozen=True)
class Level:
    """Both tools' figures at one concurrency level (AIPerf's None, with the reason, if it failed)."""

    concurrency: int
    requests: int
    ours: Measured
    aiperf: Measured | None
    aiperf_failure: str = ""

    def misses(self) -> list[str]:
        """The goals this level misses (empty: it meets them all)."""
        ours, theirs = self.ours, self.aiperf
        if theirs is None:
            return ["no AIPerf figures"]
        missed = []
        if ours.failed:
            missed.append(f"{ours.failed} failed")
        if ours.ttft_error_ms > max(TTFT_FACTOR * theirs.ttft_error_ms, theirs.ttft_error_ms + TTFT_SLACK_MS):
            missed.append("TTFT")
        if ours.itl_error_ms > max(ITL_FACTOR * theirs.itl_error_ms, theirs.itl_error_ms + ITL_SLACK_MS):
            missed.append("ITL")
        if ours.tokens_per_s < THROUGHPUT_FLOOR * theirs.tokens_per_s:
            missed.append("tok/s")
        return missed


def _ratio(ours: float, theirs: float) -> str:
    """ours/theirs as '1.23x', or '-' when theirs is too close to zero to divide by."""
    return f"{ours / theirs:.2f}x" if theirs > 0.05 else "-"


def _ms(value: float, digits: int = 1) -> str:
    return f"{value:+.{digits}f} ms"


def _results_table(levels: list[Level], tool: str, processes: int, quick: bool) -> Table:
    """Errors against the truth and throughput of both tools per level, with the verdict on the goals."""
    rows = []
    for level in levels:
        ours, theirs = level.ours, level.aiperf
        verdict = "PASS" if not level.misses() else "FAIL: " + ", ".join(level.misses())
        limit = f"{limit_tokens_per_s(level.concurrency):,.0f}"
        if theirs is None:
            rows.append(
                (
                    str(level.concurrency),
                    str(level.requests),
                    _ms(ours.ttft_p50_ms - TRUTH_TTFT_MS),
                    "-",
                    "-",
                    _ms(ours.itl_p50_ms - TRUTH_ITL_MS, 2),
                    "-",
                    "-",
                    f"{ours.tokens_per_s:,.0f}",
                    "-",
                    limit,
                    "-",
                    verdict,
                )
            )
            continue
        rows.append(
            (
                str(level.concurrency),
                str(level.requests),
                _ms(ours.ttft_p50_ms - TRUTH_TTFT_MS),
                _ms(theirs.ttft_p50_ms - TRUTH_TTFT_MS),
                _ratio(ours.ttft_error_ms, theirs.ttft_error_ms),
                _ms(ours.itl_p50_ms - TRUTH_ITL_MS, 2),
                _ms(theirs.itl_p50_ms - TRUTH_ITL_MS, 2),
                _ratio(ours.itl_error_ms, theirs.itl_error_ms),
                f"{ours.tokens_per_s:,.0f}",
                f"{theirs.tokens_per_s:,.0f}",
                limit,
                f"{ours.tokens_per_s / theirs.tokens_per_s:.2f}x",
                verdict,
            )
        )
    failures = [level.aiperf_failure for level in levels if level.aiperf_failure]
    footnote = (
        f"Truth: TTFT {TRUTH_TTFT_MS:.0f} ms, ITL {TRUTH_ITL_MS:.0f} ms, {OUTPUT_TOKENS} tokens per request "
        f"(evals.loopback in {processes} processes on one port). Errors are p50 minus the truth; the ratios compare "
        f"their sizes. tok/s is system output throughput (all output tokens / the level's duration); limit = c x "
        f"{OUTPUT_TOKENS} / ({TRUTH_TTFT_MS / 1000:g} + {OUTPUT_TOKENS - 1} x {TRUTH_ITL_MS / 1000:g} s). Goals: "
        f"TTFT error <= max({TTFT_FACTOR:g}x AIPerf's, AIPerf's + {TTFT_SLACK_MS:g} ms), ITL error <= "
        f"max({ITL_FACTOR:g}x, + {ITL_SLACK_MS:g} ms), tok/s >= {THROUGHPUT_FLOOR:g}x AIPerf's. Each tool sends the "
        f"same requests after the probe's default warm-up; who goes first alternates by level."
    )
    if failures:
        footnote += "\n" + "\n".join(failures)
    return Table(
        f"Probe vs {tool}, loopback server (TTFT {TRUTH_TTFT_MS:.0f} ms, ITL {TRUTH_ITL_MS:.0f} ms, "
        f"{OUTPUT_TOKENS} tokens){' (quick)' if quick else ''}",
        (
            "c",
            "requests",
            "TTFT err ours",
            "AIPerf",
            "ours/AIPerf",
            "ITL err ours",
            "AIPerf",
            "ours/AIPerf",
            "tok/s ours",
            "AIPerf",
            "limit",
            "ours/AIPerf",
            "goals",
        ),
        tuple(rows),
        footnote,
    )


def _server_table(levels: list[Level], load_before: float) -> Table:
    """What the server served during each tool's run, so a late server is not taken for a client's error."""
    rows = []
    for level in levels:
        for name, measured in (("ours", level.ours), ("AIPerf", level.aiperf)):
            if measured is None:
                continue
            served = measured.served
            rows.append(
                (
                    f"c={level.concurrency} {name}",
                    f"{served.streams}",
                    f"{served.ttft_p50_ms:.1f} ms",
                    f"{served.itl_p50_ms:.2f} ms",
                    f"{served.late_p99_ms:.1f} ms",
                    f"{served.cpu_s:.1f} s",
                    f"{measured.duration_s:.2f} s",
                    f"{measured.wall_s:.1f} s",
                )
            )
    return Table(
        "What the server served during each run (server-side clock, warm-up included)",
        (
            "level, tool",
            "streams",
            "served TTFT p50",
            "served ITL p50",
            "latest piece late, p99",
            "server CPU",
            "level duration",
            "tool wall time",
        ),
        tuple(rows),
        "Served TTFT: from reading the request to sending the first content piece; served ITL: mean gap between "
        "pieces; lateness: a stream's latest piece against its schedule. Tool wall time includes start-up (AIPerf "
        f"starts its services for every level). Load average (1 min) {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after.",
    )


def _skipped(reason: str) -> list[Row | Table]:
    """The suite's whole output when AIPerf is not available: one line saying why."""
    print(f"  aiperf: skipped: {reason}", file=sys.stderr, flush=True)
    return [Table("Probe vs NVIDIA AIPerf: skipped", ("reason",), ((reason,),))]


def run(repeats: int = 7, quick: bool = False) -> list[Row | Table]:
    """A row (level durations, ours vs AIPerf) and two tables: errors and throughput per level, and the server."""
    del repeats  # one run per tool and level: a level is already dozens to a thousand requests
    executable, note = ensure_aiperf()
    if executable is None:
        return _skipped(note)
    tokenizers = tiktoken_cache_dir()
    if tokenizers is None:
        return _skipped("tiktoken's o200k_base file was not found in litellm's tokenizers folder")
    load_before = os.getloadavg()[0]
    processes = server_processes()
    levels: list[Level] = []
    with (
        tempfile.TemporaryDirectory(prefix="frontier-bench-aiperf-") as tmp,
        serve_pool(processes, TRUTH_TTFT_MS, TRUTH_ITL_MS, OUTPUT_TOKENS) as pool,
    ):
        for index, concurrency in enumerate(LEVELS):
            requests = requests_for(concurrency, quick)
            ours: Measured | None = None
            theirs: Measured | None = None
            failure = ""
            order = ("ours", "aiperf") if index % 2 == 0 else ("aiperf", "ours")
            for tool in order:
                pool.served()  # forget what came before this run
                if tool == "ours":
                    ours = replace(run_ours(pool.base_url, concurrency, requests), served=pool.served())
                else:
                    theirs, failure = run_aiperf(
                        executable, tokenizers, pool.base_url, concurrency, requests, Path(tmp)
                    )
                    served = pool.served()
                    theirs = replace(theirs, served=served) if theirs is not None else None
                print(f"  c={concurrency}: {tool} done", file=sys.stderr, flush=True)
            assert ours is not None
            levels.append(Level(concurrency, requests, ours, theirs, failure))
    compared = [level for level in levels if level.aiperf is not None]
    passed = sum(not level.misses() for level in levels)
    tool = f"NVIDIA AIPerf {AIPERF_VERSION}"
    out: list[Row | Table] = []
    if compared:
        out.append(
            Row(
                f"probe vs AIPerf, c={','.join(str(level.concurrency) for level in compared)}, loopback 150/10 ms",
                Timing(tuple(level.ours.duration_s for level in compared)),
                "AIPerf",
                Timing(tuple(level.aiperf.duration_s for level in compared if level.aiperf is not None)),
                False,
                f"time each tool took for the same requests, one figure per level (x{len(compared)} = levels, not "
                f"repeats; ratio = AIPerf's throughput / ours); goals met at {passed} of {len(levels)} levels; {note}",
            )
        )
    out.append(_results_table(levels, tool, processes, quick))
    out.append(_server_table(levels, load_before))
    return out
