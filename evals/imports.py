"""Benchmark results from the tools NIM and vLLM users already run, read into one shape.

Formats, told apart by content (a renamed file still reads; a file of another kind is refused):
- AIPerf (and GenAI-Perf before it): the summary `profile_export_aiperf.json` (GenAI-Perf: `*_genai_perf.json`),
  the same summary as `profile_export_aiperf.csv`, and the per-request records `profile_export.jsonl`;
- vLLM's `vllm bench serve --save-result` JSON (one result), or the JSON lines `--append-result` writes (one
  result per line, e.g. a concurrency sweep);
- GuideLLM's JSON report (`guidellm run --output kind=json`, or `guidellm benchmark --output-path x.json`).

Each becomes an `ImportedResult`: the tool, its version, when the file says the run started, the model it names,
and one `ImportedLevel` per load level with per-request rows where the file has them. Figures keep the probe's
definitions (`evals.summary`): TTFT from sending to the first token; ITL = (end-to-end - TTFT) / (output tokens
- 1) per request, which is AIPerf's and GenAI-Perf's inter-token latency, GuideLLM's inter_token_latency_ms and
vLLM's TPOT (vLLM's own "ITL" is the gap between streamed chunks, a different figure); per-request output speed
= 1000 / ITL; system output throughput = output tokens / the level's duration, as each tool computes it.

The boundary: bytes in, values out. No store, no Streamlit, no model calls; `evals.import_runs` stores a result
as a probe run. A file that cannot be read is refused with `ImportFileError`, naming the file, what is wrong and
how to fix it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from pricing.limits import (
    MAX_BENCHMARK_CONCURRENCY,
    MAX_BENCHMARK_REQUESTS,
    MAX_LATENCY_MS,
    MAX_RESULT_MIB,
    MAX_TOKENS_PER_MONTH,
    MAX_TOKENS_PER_S,
    InputError,
    LimitError,
    check_csv,
    check_size,
    loads_json,
)

PERCENTILES = ("p50", "p90", "p99")  # the ones a probe's level summary keeps (evals.summary.PERCENTILES)
NOT_STATED = "not stated in the file"
UNTYPED_ERROR = "failed (type not in the file)"  # a summary that counts failures without saying why
MS_PER_UNIT = {"ms": 1.0, "s": 1000.0, "sec": 1000.0, "us": 1e-3, "ns": 1e-6}

Percentiles = dict[str, float | None]


class ImportFileError(InputError):
    """A result file Frontier cannot read, with what is wrong and how to fix it."""


@dataclass(frozen=True)
class ImportedRequest:
    """One request as the tool recorded it. Times in ms; `sent_s` is seconds from the level's first request."""

    phase: str  # "warmup" or "measure"
    sent_s: float | None = None
    ttft_ms: float | None = None
    e2e_ms: float | None = None
    itl_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_estimated: bool | None = None  # counted by the tool's tokenizer, not reported by the server
    error_type: str | None = None  # one of evals.client.ERROR_TYPES; None when it answered
    error_message: str | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class ImportedLevel:
    """One load level: how the tool loaded the server, and what it measured there (successful requests only)."""

    load: str  # as the tool set it: "concurrency 4", "rate 8 requests/s", "all requests at once"
    concurrency: int | None  # requests the tool kept in flight, when it set a concurrency
    request_rate_per_s: float | None  # the rate it sent at, when it set one
    requests: int  # measured requests that ended: succeeded + failed
    succeeded: int
    errors: dict[str, int]
    duration_s: float | None
    ttft_ms: Percentiles
    itl_ms: Percentiles
    e2e_ms: Percentiles
    output_tokens_per_s_per_request: Percentiles
    system_output_tokens_per_s: float
    input_tokens: int | None  # over successful requests
    output_tokens: int | None
    tokens_estimated: bool = False
    mean_in_flight: float | None = None  # measured: the tool's own figure, else Little's law (rate x mean E2E)
    requests_detail: tuple[ImportedRequest, ...] = ()

    @property
    def in_flight(self) -> int:
        """The requests in flight this level stands for: the concurrency set, else the measured mean, at least 1."""
        if self.concurrency is not None:
            return self.concurrency
        return max(1, round(self.mean_in_flight or 1.0))


@dataclass(frozen=True)
class ImportedResult:
    """A result file read: which tool wrote it, when, for which model, and its levels."""

    kind: str  # a key of FORMATS
    tool: str
    tool_version: str | None
    file_name: str
    measured_at: dt.datetime | None  # when the file says the run started (UTC where the file says so)
    model: str | None  # as the file names it; None when the file names none (a CSV, a JSONL)
    levels: tuple[ImportedLevel, ...]
    notes: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        """'AIPerf 0.13.0 import of profile_export_aiperf.json' (the version said missing when the file has none)."""
        version = self.tool_version or "(version not in the file)"
        return f"{self.tool} {version} import of {self.file_name}"


@dataclass(frozen=True)
class ResultFormat:
    """One kind of result file Frontier reads."""

    kind: str
    tool: str
    files: str
    parse: Callable[[Any, str], ImportedResult] = field(repr=False)


def _refuse(file_name: str, problem: str, fix: str = "") -> ImportFileError:
    """'<file>: <what is wrong>. <How to fix it>'."""
    return ImportFileError(f"{file_name}: {problem}" + (f". {fix[:1].upper()}{fix[1:]}" if fix else ""))


def _number(value: object) -> float | None:
    """A finite number, or None (text such as "1,234.50" as the CSVs write it is read too)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _count(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(round(number))


def _checked(file_name: str, what: str, value: float | None) -> float | None:
    if value is not None and value < 0:
        raise _refuse(file_name, f"{what} is negative ({value:g})", "the file is damaged; export it again")
    return value


def _percentiles(stats: Mapping[str, Any] | None, scale: float = 1.0) -> Percentiles:
    """p50/p90/p99 from a tool's statistics (`median` stands in for p50), scaled into ms."""
    stats = stats or {}
    found: Percentiles = {}
    for key in PERCENTILES:
        value = _number(stats.get(key))
        if value is None and key == "p50":
            value = _number(stats.get("median"))
        found[key] = None if value is None else value * scale
    return found


def _from_values(values: Iterable[float | None]) -> Percentiles:
    """p50/p90/p99 of per-request values with numpy's linear method, as a probe's summary computes them."""
    clean = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if clean.size == 0:
        return {key: None for key in PERCENTILES}
    return {key: float(np.percentile(clean, float(key[1:]))) for key in PERCENTILES}


def _speed(itl_ms: Percentiles) -> Percentiles:
    """Per-request output speed (1000 / ITL) from ITL percentiles: the median maps exactly; the tails swap."""
    p50 = itl_ms.get("p50")
    return {"p50": 1000.0 / p50 if p50 else None, "p90": None, "p99": None}


def _check_percentiles(file_name: str, what: str, figures: Percentiles) -> Percentiles:
    for key, value in figures.items():
        _checked(file_name, f"{what} {key}", value)
    return figures


def error_type_of(status: int | None, message: str | None) -> str:
    """Our error type (evals.client.ERROR_TYPES) for a tool's failed request, from its HTTP status or message."""
    text = (message or "").lower()
    status = status if status is not None else _status_in(text)
    if status == 429 or "rate limit" in text or "too many requests" in text:
        return "rate_limited"
    if status in (401, 403) or "unauthorized" in text or "forbidden" in text:
        return "auth_rejected"
    if status == 404 or "not found" in text:
        return "model_unknown"
    if status == 400 or "bad request" in text:
        return "bad_request"
    server_reasons = ("internal server error", "bad gateway", "service unavailable", "gateway timeout")
    if (status is not None and status >= 500) or any(reason in text for reason in server_reasons):
        return "server_error"
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if "connection refused" in text or "connect call failed" in text or "cannot connect" in text:
        return "connection_refused"
    return "client_error"


_STATUS = re.compile(
    r"(?:\bstatus\b|\bhttp\b|\bcode\b|')\D{0,12}?\b([45]\d\d)\b"
    r"|\b([45]\d\d) (?:internal|bad|service|gateway|too|not|unauthori[sz]ed|forbidden)",
    re.IGNORECASE,
)


def _status_in(message: str | None) -> int | None:
    """An HTTP status a message names ("status 503", "'500 Internal Server Error'"), not any 3-digit number."""
    match = _STATUS.search(message or "")
    return int(match.group(1) or match.group(2)) if match else None


def _requests(count: int) -> str:
    return f"{count} request" + ("" if count == 1 else "s")


def _tally(requests: Iterable[ImportedRequest]) -> dict[str, int]:
    errors: dict[str, int] = {}
    for request in requests:
        if request.error_type is not None:
            errors[request.error_type] = errors.get(request.error_type, 0) + 1
    return errors


def level_from_requests(
    file_name: str,
    requests: list[ImportedRequest],
    *,
    load: str,
    concurrency: int | None,
    request_rate_per_s: float | None,
    duration_s: float | None,
) -> ImportedLevel:
    """A level's figures computed from its measured requests, as a probe's summary computes its own."""
    measured = [r for r in requests if r.phase == "measure"]
    ok = [r for r in measured if r.error_type is None]
    if duration_s is None or duration_s <= 0:
        raise _refuse(file_name, f"the requests of level '{load}' carry no times to measure its duration from")
    output = sum(r.output_tokens or 0 for r in ok)
    itl = _from_values(r.itl_ms for r in ok)
    speeds = [1000.0 / r.itl_ms for r in ok if r.itl_ms]
    busy_s = sum((r.e2e_ms or 0.0) for r in ok) / 1000.0
    return ImportedLevel(
        load=load,
        concurrency=concurrency,
        request_rate_per_s=request_rate_per_s,
        requests=len(measured),
        succeeded=len(ok),
        errors=_tally(measured),
        duration_s=duration_s,
        ttft_ms=_from_values(r.ttft_ms for r in ok),
        itl_ms=itl,
        e2e_ms=_from_values(r.e2e_ms for r in ok),
        output_tokens_per_s_per_request=_from_values(speeds),
        system_output_tokens_per_s=output / duration_s,
        input_tokens=sum(r.input_tokens or 0 for r in ok),
        output_tokens=output,
        tokens_estimated=any(bool(r.tokens_estimated) for r in ok),
        # Little's law: requests in flight on average = time spent in requests / the level's duration
        mean_in_flight=busy_s / duration_s,
        requests_detail=tuple(requests),
    )


def _path(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _first_text(*candidates: Any) -> str | None:
    for candidate in candidates:
        if isinstance(candidate, list) and candidate:
            candidate = candidate[0]
        if isinstance(candidate, Mapping):
            candidate = candidate.get("name")
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def _iso_datetime(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _epoch(seconds: float | None) -> dt.datetime | None:
    if seconds is None or seconds <= 0:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)


def _load_text(concurrency: int | None, rate: float | None, fallback: str) -> str:
    parts = []
    if concurrency is not None:
        parts.append(f"concurrency {concurrency}")
    if rate is not None:
        parts.append(f"rate {rate:g} requests/s")
    return ", ".join(parts) or fallback


# AIPerf and GenAI-Perf: one summary, as JSON (metric -> {unit, avg, p50, ...}) or as the CSV of the same figures.


def _aiperf_level(
    file_name: str,
    metrics: Mapping[str, Any],
    *,
    load: str,
    concurrency: int | None,
    rate: float | None,
    server_counts: bool | None,
) -> ImportedLevel:
    """A level from AIPerf's (or GenAI-Perf's) summary metrics, keyed by snake_case name."""

    def stats(name: str) -> Mapping[str, Any] | None:
        value = metrics.get(name)
        return value if isinstance(value, Mapping) else None

    def avg(*names: str) -> float | None:
        for name in names:
            value = _number((stats(name) or {}).get("avg"))
            if value is not None:
                return value
        return None

    def in_ms(name: str) -> Percentiles:
        found = stats(name)
        unit = str((found or {}).get("unit") or "ms").lower()
        return _check_percentiles(file_name, name, _percentiles(found, MS_PER_UNIT.get(unit, 1.0)))

    system = _checked(file_name, "output_token_throughput", avg("output_token_throughput"))
    if system is None:
        raise _refuse(
            file_name,
            "no output_token_throughput (system output tokens/s)",
            "Import the summary AIPerf writes for a chat or completions endpoint "
            "(profile_export_aiperf.json or .csv); embeddings and rankings runs have no output tokens",
        )
    succeeded = _count(avg("request_count"))
    if succeeded is None:
        raise _refuse(file_name, "no request_count", "the summary is incomplete; export it again with aiperf profile")
    failed = _count(avg("error_request_count")) or 0
    ttft, itl, e2e = in_ms("time_to_first_token"), in_ms("inter_token_latency"), in_ms("request_latency")
    if ttft["p50"] is None and e2e["p50"] is None:
        raise _refuse(
            file_name,
            "no time_to_first_token or request_latency percentiles",
            "run aiperf profile with --streaming so it measures time to first token",
        )
    throughput = avg("request_throughput")
    duration = avg("benchmark_duration")
    if duration is None and throughput:
        duration = succeeded / throughput
    per_user = stats("output_token_throughput_per_user")
    speed = _percentiles(per_user) if per_user else _speed(itl)
    input_total = avg("total_isl", "total_input_sequence_length", "total_usage_prompt_tokens")
    output_total = avg("total_osl", "total_output_sequence_length", "total_output_tokens")
    if input_total is None and avg("input_sequence_length") is not None:
        input_total = (avg("input_sequence_length") or 0.0) * succeeded
    if output_total is None and avg("output_sequence_length") is not None:
        output_total = (avg("output_sequence_length") or 0.0) * succeeded
    in_flight = avg("effective_concurrency")
    if in_flight is None and throughput and e2e["p50"] is not None:
        in_flight = throughput * (avg("request_latency") or e2e["p50"] or 0.0) / 1000.0
    return ImportedLevel(
        load=load,
        concurrency=concurrency,
        request_rate_per_s=rate,
        requests=succeeded + failed,
        succeeded=succeeded,
        errors={UNTYPED_ERROR: failed} if failed else {},
        duration_s=_checked(file_name, "benchmark_duration", duration),
        ttft_ms=ttft,
        itl_ms=itl,
        e2e_ms=e2e,
        output_tokens_per_s_per_request=_check_percentiles(file_name, "output_token_throughput_per_user", speed),
        system_output_tokens_per_s=system,
        input_tokens=_count(input_total),
        output_tokens=_count(output_total),
        tokens_estimated=server_counts is False,
        mean_in_flight=in_flight,
    )


def _aiperf_errors(summary: Any) -> dict[str, int]:
    """Failed requests by our error type, from AIPerf's error_summary ([{error_details: {code, message}, count}])."""
    errors: dict[str, int] = {}
    for entry in summary if isinstance(summary, list) else []:
        details = entry.get("error_details") if isinstance(entry, Mapping) else None
        if not isinstance(details, Mapping):
            continue
        kind = error_type_of(_count(details.get("code")), str(details.get("message") or details.get("type") or ""))
        errors[kind] = errors.get(kind, 0) + (_count(entry.get("count")) or 0)
    return errors


def _aiperf_load(config: Mapping[str, Any]) -> tuple[int | None, float | None]:
    """(concurrency, request rate) as the run set them: AIPerf's profiling phase, else older AIPerf/GenAI-Perf keys."""
    phases = config.get("phases")
    if isinstance(phases, list):
        for phase in phases:
            if isinstance(phase, Mapping) and phase.get("kind", phase.get("name")) == "profiling":
                concurrency = _count(phase.get("concurrency"))
                rate = _number(phase.get("rate", phase.get("request_rate")))
                return concurrency, rate
    loadgen = config.get("loadgen") if isinstance(config.get("loadgen"), Mapping) else config
    assert isinstance(loadgen, Mapping)
    return _count(loadgen.get("concurrency")), _number(loadgen.get("request_rate"))


def parse_aiperf_json(data: Any, file_name: str) -> ImportedResult:
    """AIPerf's profile_export_aiperf.json, or GenAI-Perf's *_genai_perf.json (the same metric dicts)."""
    config = data.get("input_config") if isinstance(data.get("input_config"), Mapping) else {}
    version = data.get("aiperf_version")
    tool = "AIPerf" if version or "phases" in config else "GenAI-Perf"  # GenAI-Perf records no version
    model = _first_text(
        _path(config, "models", "items"),
        _path(config, "endpoint", "model_names"),
        config.get("model_names"),
        config.get("model"),
    )
    concurrency, rate = _aiperf_load(config)
    server_counts = _path(config, "endpoint", "use_server_token_count")
    level = _aiperf_level(
        file_name,
        data,
        load=_load_text(concurrency, rate, NOT_STATED),
        concurrency=concurrency,
        rate=rate,
        server_counts=server_counts if isinstance(server_counts, bool) else None,
    )
    errors = _aiperf_errors(data.get("error_summary"))
    failed = level.requests - level.succeeded
    if errors and sum(errors.values()) == failed:
        level = replace(level, errors=errors)
    notes = []
    if data.get("was_cancelled") is True:
        notes.append("AIPerf says the run was cancelled: the figures cover the requests it finished")
    return ImportedResult(
        kind="aiperf-json",
        tool=tool,
        tool_version=str(version) if version else None,
        file_name=file_name,
        measured_at=_iso_datetime(data.get("start_time")),
        model=model,
        levels=(level,),
        notes=tuple(notes),
    )


_UNIT_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def metric_key(label: str) -> str:
    """'Time to First Token (ms)' -> 'time_to_first_token': a CSV label as the JSON names the metric."""
    base = _UNIT_SUFFIX.sub("", label.strip())
    return re.sub(r"[^a-z0-9()]+", "_", base.lower()).strip("_")


def parse_aiperf_csv(text: str, file_name: str) -> ImportedResult:
    """profile_export_aiperf.csv (or GenAI-Perf's *_genai_perf.csv): per-request statistics, then system figures.

    The CSV carries no model, version, date or load settings: the model comes from --model, the date from the
    file, and the requests in flight from AIPerf's effective concurrency (else Little's law).
    """
    metrics: dict[str, dict[str, Any]] = {}
    header: list[str] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not any(cell.strip() for cell in row):
            header = []
            continue
        if row[0].strip() == "Metric":
            header = [cell.strip() for cell in row]
            continue
        if not header or len(header) < 2 or header[1] not in ("avg", "Value"):
            continue  # GPU telemetry and other sections
        key = metric_key(row[0])
        if header[1] == "Value":
            metrics.setdefault(key, {})["avg"] = row[1] if len(row) > 1 else None
        else:
            metrics.setdefault(key, {}).update(dict(zip(header[1:], row[1:], strict=False)))
    if not metrics:
        raise _refuse(file_name, "no 'Metric' table found", "import the CSV AIPerf or GenAI-Perf wrote, unchanged")
    first_header = text.lstrip("\ufeff").splitlines()[0].split(",")
    tool = "AIPerf" if "sum" in first_header else "GenAI-Perf"
    level = _aiperf_level(
        file_name,
        metrics,
        load=NOT_STATED,
        concurrency=None,
        rate=None,
        server_counts=None,
    )
    return ImportedResult(
        kind="aiperf-csv",
        tool=tool,
        tool_version=None,
        file_name=file_name,
        measured_at=None,
        model=None,
        levels=(level,),
        notes=(
            f"the CSV states no concurrency: this level stands for {_requests(level.in_flight)} in flight, "
            f"the mean {tool} measured",
        ),
    )


def _metric_value(metrics: Mapping[str, Any], name: str) -> float | None:
    entry = metrics.get(name)
    if not isinstance(entry, Mapping):
        return None
    value = _number(entry.get("value"))
    if value is None:
        return None
    unit = str(entry.get("unit") or "").lower()
    return value * MS_PER_UNIT[unit] if unit in MS_PER_UNIT else value


def parse_aiperf_jsonl(records: list[Any], file_name: str) -> ImportedResult:
    """profile_export.jsonl: one record per request ({metadata, metrics, error}); warm-up records kept apart."""
    rows: list[tuple[str, int, int, int, ImportedRequest]] = []  # (phase key, start ns, end ns, index, request)
    for index, record in enumerate(records, start=1):
        metadata, metrics = record.get("metadata"), record.get("metrics")
        if not isinstance(metadata, Mapping) or not isinstance(metrics, Mapping):
            raise _refuse(file_name, f"line {index} has no metadata and metrics", "import AIPerf's file unchanged")
        start, end = _count(metadata.get("request_start_ns")), _count(metadata.get("request_end_ns"))
        if start is None:
            raise _refuse(file_name, f"line {index} has no request_start_ns", "import AIPerf's file unchanged")
        phase = str(metadata.get("benchmark_phase") or metadata.get("phase_kind") or "profiling")
        error = record.get("error") if isinstance(record.get("error"), Mapping) else None
        ttft = _metric_value(metrics, "time_to_first_token")
        e2e = _metric_value(metrics, "request_latency")
        for what, value in (("time_to_first_token", ttft), ("request_latency", e2e)):
            _checked(file_name, f"line {index} {what}", value)
        usage_out = _metric_value(metrics, "usage_completion_tokens")
        output = usage_out if usage_out is not None else _metric_value(metrics, "output_sequence_length")
        usage_in = _metric_value(metrics, "usage_prompt_tokens")
        prompt = usage_in if usage_in is not None else _metric_value(metrics, "input_sequence_length")
        status = _count(error.get("code")) if error else None
        message = str(error.get("message") or error.get("type") or "") if error else None
        request = ImportedRequest(
            phase="warmup" if phase == "warmup" else "measure",
            ttft_ms=ttft,
            e2e_ms=e2e if e2e is not None else ((end - start) / 1e6 if end is not None and not error else None),
            itl_ms=_metric_value(metrics, "inter_token_latency"),
            input_tokens=_count(prompt),
            output_tokens=_count(output),
            tokens_estimated=None if error else usage_out is None,
            error_type=error_type_of(status, message) if error else None,
            error_message=message[:300] if message else None,
            http_status=status,
        )
        key = phase if phase == "warmup" else f"profiling {metadata.get('profiling_index') or 0}"
        rows.append((key, start, end if end is not None else start, index, request))
    if not rows:
        raise _refuse(file_name, "no request records", "import the profile_export.jsonl of a finished aiperf run")
    first_start = min(row[1] for row in rows)
    levels: list[ImportedLevel] = []
    warmups = [
        _with_sent(request, (start - first_start) / 1e9) for key, start, _, _, request in rows if key == "warmup"
    ]
    measured_keys = sorted({row[0] for row in rows if row[0] != "warmup"})
    if not measured_keys:
        raise _refuse(file_name, "only warm-up records", "import the file of a run that reached its profiling phase")
    for position, key in enumerate(measured_keys):
        mine = [row for row in rows if row[0] == key]
        start_ns, end_ns = min(row[1] for row in mine), max(row[2] for row in mine)
        requests = [_with_sent(request, (start - start_ns) / 1e9) for _, start, _, _, request in mine]
        level = level_from_requests(
            file_name,
            (warmups if position == 0 else []) + requests,
            load=NOT_STATED,
            concurrency=None,
            request_rate_per_s=None,
            duration_s=(end_ns - start_ns) / 1e9,
        )
        levels.append(level)
    return ImportedResult(
        kind="aiperf-jsonl",
        tool="AIPerf",
        tool_version=None,
        file_name=file_name,
        measured_at=_epoch(first_start / 1e9),
        model=None,
        levels=tuple(levels),
        notes=tuple(
            f"the records state no concurrency: this level stands for {_requests(level.in_flight)} in flight, "
            "the mean measured from their start and end times (Little's law)"
            for level in levels
        ),
    )


def _with_sent(request: ImportedRequest, sent_s: float) -> ImportedRequest:
    return replace(request, sent_s=sent_s)


# vLLM: `vllm bench serve --save-result` (one result), or --append-result (one result per line).


def _vllm_level(result: Mapping[str, Any], file_name: str) -> ImportedLevel:
    completed = _count(result.get("completed"))
    duration = _number(result.get("duration"))
    system = _number(result.get("output_throughput"))
    missing = [
        name
        for name, value in (("completed", completed), ("duration", duration), ("output_throughput", system))
        if value is None
    ]
    if missing or completed is None or duration is None or system is None:
        raise _refuse(
            file_name,
            f"no {', '.join(missing)} in the vLLM result",
            "import the JSON `vllm bench serve --save-result` writes, unchanged",
        )
    _checked(file_name, "duration", duration)
    _checked(file_name, "output_throughput", system)
    errors_list = result.get("errors") if isinstance(result.get("errors"), list) else None
    failed = _count(result.get("failed"))
    if failed is None and errors_list is not None:
        failed = sum(1 for e in errors_list if e)
    if failed is None:
        failed = max(0, (_count(result.get("num_prompts")) or completed) - completed)
    concurrency = _count(result.get("max_concurrency"))
    rate = _number(result.get("request_rate"))  # "inf" (all at once) reads as None
    load = _load_text(concurrency, rate, "all requests at once (rate inf, no concurrency cap)")

    def stats(metric: str) -> Percentiles:
        return _check_percentiles(
            file_name,
            metric,
            {
                "p50": _number(result.get(f"median_{metric}_ms", result.get(f"p50_{metric}_ms"))),
                "p90": _number(result.get(f"p90_{metric}_ms")),
                "p99": _number(result.get(f"p99_{metric}_ms")),
            },
        )

    requests = _vllm_requests(result, file_name)
    if requests:
        ok_starts = [r.sent_s for r in requests if r.sent_s is not None]
        base = min(ok_starts) if ok_starts else 0.0
        requests = [_with_sent(r, (r.sent_s or base) - base) for r in requests]
    ok = [r for r in requests if r.error_type is None]
    e2e = stats("e2el")
    if e2e["p50"] is None and ok:
        e2e = _from_values(r.e2e_ms for r in ok)
    elif e2e["p50"] is None:
        latencies = [1000.0 * v for v in result.get("latencies") or [] if (_number(v) or 0) > 0]
        e2e = _from_values(latencies)
    itl = stats("tpot")  # vLLM's TPOT = (E2E - TTFT) / (output tokens - 1): our ITL
    ttft = stats("ttft")
    if ok:  # percentiles vLLM was not asked for (it keeps p99 alone by default) come from the requests
        from_requests = {"ttft": _from_values(r.ttft_ms for r in ok), "itl": _from_values(r.itl_ms for r in ok)}
        ttft = {key: ttft[key] if ttft[key] is not None else from_requests["ttft"][key] for key in PERCENTILES}
        itl = {key: itl[key] if itl[key] is not None else from_requests["itl"][key] for key in PERCENTILES}
    mean_e2e = _number(result.get("mean_e2el_ms"))
    if mean_e2e is None and ok:
        mean_e2e = sum(r.e2e_ms or 0.0 for r in ok) / len(ok)
    throughput = _number(result.get("request_throughput"))
    return ImportedLevel(
        load=load,
        concurrency=concurrency,
        request_rate_per_s=rate,
        requests=completed + failed,
        succeeded=completed,
        errors=_tally(requests) if requests else ({UNTYPED_ERROR: failed} if failed else {}),
        duration_s=duration,
        ttft_ms=ttft,
        itl_ms=itl,
        e2e_ms=e2e,
        output_tokens_per_s_per_request=_from_values(1000.0 / r.itl_ms for r in ok if r.itl_ms) if ok else _speed(itl),
        system_output_tokens_per_s=system,
        input_tokens=_count(result.get("total_input_tokens")),
        output_tokens=_count(result.get("total_output_tokens")),
        mean_in_flight=throughput * mean_e2e / 1000.0 if throughput and mean_e2e else None,
        requests_detail=tuple(requests),
    )


def _vllm_requests(result: Mapping[str, Any], file_name: str) -> list[ImportedRequest]:
    """Per-request rows from --save-detailed's lists (seconds), when all of them are there."""
    names = ("ttfts", "latencies", "input_lens", "output_lens", "errors")
    lists: list[list[Any]] = [value for value in (result.get(name) for name in names) if isinstance(value, list)]
    if len(lists) != len(names):
        return []
    if len({len(values) for values in lists}) != 1:
        raise _refuse(file_name, "the per-request lists (ttfts, latencies, ...) differ in length", "export it again")
    ttfts, latencies, input_lens, output_lens, errors = lists
    starts_found = result.get("start_times")
    starts: list[Any] = starts_found if isinstance(starts_found, list) else [None] * len(ttfts)
    requests = []
    for ttft_s, latency_s, prompt, output, error, start in zip(
        ttfts, latencies, input_lens, output_lens, errors, starts, strict=False
    ):
        message = str(error) if error else None
        if message:
            status = _status_in(message)
            requests.append(
                ImportedRequest(
                    phase="measure",
                    sent_s=_number(start),
                    input_tokens=_count(prompt),
                    error_type=error_type_of(status, message),
                    error_message=message[:300],
                    http_status=status,
                )
            )
            continue
        ttft, e2e, out = _number(ttft_s), _number(latency_s), _count(output)
        ttft_ms = None if ttft is None else 1000.0 * ttft
        e2e_ms = None if e2e is None else 1000.0 * e2e
        itl = (e2e_ms - ttft_ms) / (out - 1) if e2e_ms is not None and ttft_ms is not None and out and out > 1 else None
        requests.append(
            ImportedRequest(
                phase="measure",
                sent_s=_number(start),
                ttft_ms=_checked(file_name, "a ttft", ttft_ms),
                e2e_ms=_checked(file_name, "a latency", e2e_ms),
                itl_ms=itl,
                input_tokens=_count(prompt),
                output_tokens=out,
            )
        )
    return requests


def parse_vllm(results: list[Any], file_name: str) -> ImportedResult:
    """One result per level: `--save-result` writes one, `--append-result` one per line."""
    levels = tuple(_vllm_level(result, file_name) for result in results)
    first = results[0]
    model = _first_text(first.get("model_id"), first.get("model"))
    version = first.get("vllm_version") or first.get("version")  # only when given with --metadata
    when = None
    if isinstance(first.get("date"), str):
        try:
            when = dt.datetime.strptime(first["date"], "%Y%m%d-%H%M%S")
        except ValueError:
            when = None
    notes = ["vLLM writes the date in the benchmarking machine's local time"] if when else []
    return ImportedResult(
        kind="vllm-bench",
        tool="vLLM bench serve",
        tool_version=str(version) if version else None,
        file_name=file_name,
        measured_at=when,
        model=model,
        levels=levels,
        notes=tuple(notes),
    )


# GuideLLM: a report of benchmarks, one per strategy (synchronous, concurrent@N, constant or poisson rate, ...).


def _distribution(metrics: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    entry = metrics.get(name)
    if isinstance(entry, Mapping) and isinstance(entry.get("successful"), Mapping):
        successful = entry["successful"]
        assert isinstance(successful, Mapping)
        merged = dict(successful)
        if isinstance(successful.get("percentiles"), Mapping):
            merged.update(successful["percentiles"])
        return merged
    return None


def _guidellm_strategy(benchmark: Mapping[str, Any]) -> tuple[str, int | None, float | None]:
    strategy = _path(benchmark, "config", "strategy") or _path(benchmark, "args", "strategy") or {}
    kind = str(strategy.get("type_") or strategy.get("type") or "")
    if kind == "synchronous":
        return "synchronous (one request at a time)", 1, None
    if kind == "concurrent":
        streams = _count(strategy.get("streams"))
        return f"concurrency {streams}", streams, None
    if kind in ("constant", "poisson", "async"):
        rate = _number(strategy.get("rate"))
        return f"{kind} rate {rate:g} requests/s" if rate is not None else f"{kind} rate", None, rate
    if kind == "throughput":
        return "max throughput (all requests at once)", None, None
    return kind or NOT_STATED, None, None


def _guidellm_requests(benchmark: Mapping[str, Any], file_name: str, start: float | None) -> list[ImportedRequest]:
    lists = benchmark.get("requests") if isinstance(benchmark.get("requests"), Mapping) else {}
    assert isinstance(lists, Mapping)
    requests = []
    for status in ("successful", "errored"):  # incomplete ones were cut off when the level ended: neither
        for entry in lists.get(status) or []:
            if not isinstance(entry, Mapping):
                continue
            sent = _number(entry.get("request_start_time", entry.get("start_time")))
            latency = _number(entry.get("request_latency"))
            info = entry.get("info") if isinstance(entry.get("info"), Mapping) else {}
            assert isinstance(info, Mapping)
            message = (entry.get("error") or info.get("error")) if status == "errored" else None
            http_status = _status_in(str(message)) if message else None
            requests.append(
                ImportedRequest(
                    phase="measure",
                    sent_s=None if sent is None or start is None else max(0.0, sent - start),
                    ttft_ms=_checked(
                        file_name, "a time_to_first_token_ms", _number(entry.get("time_to_first_token_ms"))
                    ),
                    e2e_ms=None if latency is None else _checked(file_name, "a request_latency", 1000.0 * latency),
                    itl_ms=_number(entry.get("inter_token_latency_ms")),
                    input_tokens=_count(entry.get("prompt_tokens")),
                    output_tokens=_count(entry.get("output_tokens")),
                    error_type=error_type_of(http_status, str(message or "error")) if status == "errored" else None,
                    error_message=str(message or "error")[:300] if status == "errored" else None,
                    http_status=http_status,
                )
            )
    return requests


def _guidellm_level(benchmark: Mapping[str, Any], file_name: str, index: int) -> ImportedLevel:
    metrics = benchmark.get("metrics")
    if not isinstance(metrics, Mapping):
        raise _refuse(file_name, f"benchmark {index} has no metrics", "import the report GuideLLM wrote, unchanged")
    load, concurrency, rate = _guidellm_strategy(benchmark)
    start = _number(benchmark.get("start_time")) or _number(_path(benchmark, "run_stats", "start_time"))
    end = _number(benchmark.get("end_time")) or _number(_path(benchmark, "run_stats", "end_time"))
    duration = _number(benchmark.get("duration")) or (end - start if start is not None and end is not None else None)
    if duration is None or duration <= 0:
        raise _refuse(file_name, f"benchmark {index} ({load}) has no duration", "import the report unchanged")
    output = _distribution(metrics, "output_token_count")
    prompt = _distribution(metrics, "prompt_token_count")
    ttft = _distribution(metrics, "time_to_first_token_ms")
    if output is None or ttft is None:
        raise _refuse(
            file_name,
            f"benchmark {index} ({load}) has no output_token_count or time_to_first_token_ms",
            "import a GuideLLM report of a generative (text) benchmark",
        )
    totals = metrics.get("request_totals") or _path(benchmark, "run_stats", "requests_made") or {}
    requests = _guidellm_requests(benchmark, file_name, start)
    ok = [r for r in requests if r.error_type is None]
    succeeded = _count(totals.get("successful")) if isinstance(totals, Mapping) else None
    errored = _count(totals.get("errored")) if isinstance(totals, Mapping) else None
    succeeded = len(ok) if succeeded is None else succeeded
    errored = len(requests) - len(ok) if errored is None else errored
    output_total = _number(output.get("total_sum"))
    if output_total is None:
        output_total = (_number(output.get("mean")) or 0.0) * succeeded
    _checked(file_name, "output_token_count", output_total)
    e2e_stats = _distribution(metrics, "request_latency")
    itl = _percentiles(_distribution(metrics, "inter_token_latency_ms"))
    errors = _tally(requests)
    if sum(errors.values()) != errored:
        errors = {UNTYPED_ERROR: errored} if errored else {}
    concurrency_stats = _distribution(metrics, "request_concurrency")
    prompt_total = _number((prompt or {}).get("total_sum"))
    return ImportedLevel(
        load=load,
        concurrency=concurrency,
        request_rate_per_s=rate,
        requests=succeeded + errored,
        succeeded=succeeded,
        errors=errors,
        duration_s=duration,
        ttft_ms=_check_percentiles(file_name, "time_to_first_token_ms", _percentiles(ttft)),
        itl_ms=_check_percentiles(file_name, "inter_token_latency_ms", itl),
        e2e_ms=_check_percentiles(file_name, "request_latency", _percentiles(e2e_stats, 1000.0)),
        output_tokens_per_s_per_request=(
            _from_values(1000.0 / r.itl_ms for r in ok if r.itl_ms) if ok else _speed(itl)
        ),
        system_output_tokens_per_s=output_total / duration,
        input_tokens=_count(prompt_total),
        output_tokens=_count(output_total),
        mean_in_flight=_number((concurrency_stats or {}).get("mean")),
        requests_detail=tuple(requests),
    )


def parse_guidellm(data: Any, file_name: str) -> ImportedResult:
    """GuideLLM's report: metadata (its version), the run's config (model) and one benchmark per strategy."""
    benchmarks = data.get("benchmarks")
    if not isinstance(benchmarks, list) or not benchmarks:
        raise _refuse(file_name, "the report holds no benchmarks", "import the report of a finished guidellm run")
    first = benchmarks[0] if isinstance(benchmarks[0], Mapping) else {}
    model = _first_text(
        _path(data, "config", "spec", "backend", "model"),
        _path(first, "config", "backend", "model"),
        _path(first, "worker", "backend_model"),
        _path(data, "args", "model"),
    )
    version = _path(data, "metadata", "guidellm_version")
    start = _number(first.get("start_time")) or _number(_path(first, "run_stats", "start_time"))
    levels, notes = [], []
    for index, benchmark in enumerate(benchmarks, start=1):
        if not isinstance(benchmark, Mapping):
            raise _refuse(file_name, f"benchmark {index} is not an object", "import the report GuideLLM wrote")
        level = _guidellm_level(benchmark, file_name, index)
        levels.append(level)
        totals = _path(benchmark, "metrics", "request_totals") or _path(benchmark, "run_stats", "requests_made")
        cut = _count(totals.get("incomplete")) if isinstance(totals, Mapping) else None
        if cut:
            notes.append(f"{level.load}: {cut} requests still running when GuideLLM ended the level are left out")
    return ImportedResult(
        kind="guidellm",
        tool="GuideLLM",
        tool_version=str(version) if version else None,
        file_name=file_name,
        measured_at=_epoch(start),
        model=model,
        levels=tuple(levels),
        notes=tuple(notes),
    )


FORMATS: dict[str, ResultFormat] = {
    fmt.kind: fmt
    for fmt in (
        ResultFormat(
            "aiperf-json",
            "AIPerf / GenAI-Perf",
            "profile_export_aiperf.json (GenAI-Perf: *_genai_perf.json)",
            parse_aiperf_json,
        ),
        ResultFormat(
            "aiperf-csv",
            "AIPerf / GenAI-Perf",
            "profile_export_aiperf.csv (GenAI-Perf: *_genai_perf.csv)",
            parse_aiperf_csv,
        ),
        ResultFormat("aiperf-jsonl", "AIPerf", "profile_export.jsonl (one record per request)", parse_aiperf_jsonl),
        ResultFormat(
            "vllm-bench", "vLLM bench serve", "the --save-result JSON, or --append-result JSON lines", parse_vllm
        ),
        ResultFormat(
            "guidellm", "GuideLLM", "the JSON report (--output kind=json, or --output-path x.json)", parse_guidellm
        ),
    )
}
KNOWN_FILES = "; ".join(f"{fmt.tool}: {fmt.files}" for fmt in FORMATS.values())


def _json_lines(text: str, file_name: str) -> list[Any] | None:
    """Every non-empty line as JSON; None when the first is not a JSON line; refused when a later one is not."""
    values = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values.append(loads_json(line))
        except ValueError as exc:
            if not values:
                return None
            raise _refuse(
                file_name, f"line {number} is not valid JSON ({exc})", "was the file cut short? Copy it again"
            ) from None
    return values


def _is_vllm(value: Any) -> bool:
    return (
        isinstance(value, Mapping) and "request_throughput" in value and ("completed" in value or "duration" in value)
    )


def _is_aiperf_summary(value: Mapping[str, Any]) -> bool:
    if "aiperf_version" in value:
        return True
    metric = value.get("time_to_first_token", value.get("request_latency"))
    return isinstance(metric, Mapping) and "avg" in metric


def parse_result(content: bytes, file_name: str) -> ImportedResult:
    """Read a result file of any known kind, told by its content; ImportFileError says what is wrong and the fix.

    Every figure is checked against what a benchmark can measure (pricing.limits): a damaged or doctored file
    with a throughput of 1e308 tokens/s would otherwise make self-hosting look free."""
    result = _parse(content, file_name)
    for level in result.levels:
        _check_plausible(file_name, level)
    return result


def _check_plausible(file_name: str, level: ImportedLevel) -> None:
    """Refuse a level whose counts, rates or times no benchmark measures."""
    figures: list[tuple[str, float | None, float]] = [
        ("requests", level.requests, MAX_BENCHMARK_REQUESTS),
        ("concurrency", level.concurrency, MAX_BENCHMARK_CONCURRENCY),
        ("requests in flight", level.mean_in_flight, MAX_BENCHMARK_CONCURRENCY),
        ("request rate (requests/s)", level.request_rate_per_s, MAX_BENCHMARK_CONCURRENCY),
        ("duration (s)", level.duration_s, MAX_LATENCY_MS / 1000 * 365),
        ("system output tokens/s", level.system_output_tokens_per_s, MAX_TOKENS_PER_S),
        ("input tokens", level.input_tokens, MAX_TOKENS_PER_MONTH),
        ("output tokens", level.output_tokens, MAX_TOKENS_PER_MONTH),
        *((f"failed requests ({kind})", count, MAX_BENCHMARK_REQUESTS) for kind, count in level.errors.items()),
        *((f"TTFT {key} (ms)", value, MAX_LATENCY_MS) for key, value in level.ttft_ms.items()),
        *((f"ITL {key} (ms)", value, MAX_LATENCY_MS) for key, value in level.itl_ms.items()),
        *((f"E2E {key} (ms)", value, MAX_LATENCY_MS) for key, value in level.e2e_ms.items()),
        *(
            (f"output tokens/s per request {key}", value, MAX_TOKENS_PER_S)
            for key, value in level.output_tokens_per_s_per_request.items()
        ),
    ]
    for what, value, maximum in figures:
        if value is not None and not (math.isfinite(value) and value <= maximum):
            raise _refuse(
                file_name,
                f"level '{level.load}': {what} is {value:g}, more than any benchmark measures (at most {maximum:g})",
                "the file is damaged or was edited; export it again from the benchmark tool",
            )


def _parse(content: bytes, file_name: str) -> ImportedResult:
    try:
        check_size(len(content), file_name, MAX_RESULT_MIB, "Import the summary the tool writes beside it, or split it")
    except LimitError as exc:
        raise ImportFileError(str(exc)) from None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(file_name, "not a text file", f"import one of: {KNOWN_FILES}") from None
    if not text.strip():
        raise _refuse(file_name, "the file is empty", f"import one of: {KNOWN_FILES}")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = loads_json(text)
        except ValueError as exc:
            lines = _json_lines(text, file_name)
            if lines and all(isinstance(line, Mapping) for line in lines):
                return _parse_lines(lines, file_name)
            raise _refuse(
                file_name, f"not valid JSON ({exc})", "was the file cut short? Copy it again from the benchmark machine"
            ) from None
        return _parse_json(data, file_name)
    if stripped.startswith("Metric,"):
        try:
            check_csv(content, file_name, MAX_RESULT_MIB)
        except LimitError as exc:
            raise ImportFileError(str(exc)) from None
        return FORMATS["aiperf-csv"].parse(text, file_name)
    raise _refuse(file_name, "not a result file Frontier knows", f"import one of: {KNOWN_FILES}")


def _parse_json(data: Any, file_name: str) -> ImportedResult:
    if isinstance(data, Mapping):
        if isinstance(data.get("benchmarks"), list):
            return FORMATS["guidellm"].parse(data, file_name)
        if _is_vllm(data):
            return FORMATS["vllm-bench"].parse([data], file_name)
        if _is_aiperf_summary(data):
            return FORMATS["aiperf-json"].parse(data, file_name)
        if "metadata" in data and "metrics" in data:  # a profile_export.jsonl of one record
            return FORMATS["aiperf-jsonl"].parse([data], file_name)
        if "experiments" in data:
            raise _refuse(
                file_name,
                "this is perf_analyzer's raw export, not GenAI-Perf's summary",
                "import the *_genai_perf.json beside it",
            )
    raise _refuse(file_name, "JSON, but not a result Frontier knows", f"import one of: {KNOWN_FILES}")


def _parse_lines(lines: list[Any], file_name: str) -> ImportedResult:
    first = lines[0]
    if "metadata" in first and "metrics" in first:
        return FORMATS["aiperf-jsonl"].parse(lines, file_name)
    if all(_is_vllm(line) for line in lines):
        return FORMATS["vllm-bench"].parse(lines, file_name)
    raise _refuse(file_name, "JSON lines, but not results Frontier knows", f"import one of: {KNOWN_FILES}")
