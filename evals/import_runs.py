"""Imported benchmark results stored as probe runs, so they count wherever our own probes count.

An import is a probe run with status "imported": its levels become probe level summaries and its per-request rows
(when the file has them) probe requests, written in one transaction. It then appears in the probe history, in
measured latency (`pricing.portfolio.evidence`), and, through the GPU setup its settings record exactly as an own
run records its endpoint, in the measured throughput behind self-hosted cost and sizing
(`pricing.measured_throughput`). What the file does not say (the GPU, how many, the precision, the engine, and the
model when it names none) the user gives in an `ImportSetup`. The model name goes through `pricing.identity`; a
name it refuses, or one the catalogue does not list, is refused with the fix. The run id is a digest of the file and
the setup, so importing the same result twice is refused instead of counted twice.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from evals.imports import ImportedLevel, ImportedResult, ImportFileError, parse_result
from evals.runner import RunReport
from evals.summary import LevelSummary
from pricing.gpus import gpu_spec
from pricing.identity import resolve_model
from pricing.limits import MAX_GPU_COUNT
from pricing.sizing import normalise_precision
from pricing.store import RequestRecord, Store, StoreError

IMPORTED = "imported"
DATED_BY_FILE = "the date the file states"
DATED_BY_MTIME = "the file's modification time; the file states no date"
DATED_BY_IMPORT = "the day of import; the file states no date"


@dataclass(frozen=True)
class ImportSetup:
    """What a result file does not say: the GPUs it ran on and, if it names none, the model (`model` also overrides)."""

    gpu: str
    gpu_count: int
    precision: str | None = None
    engine: str | None = None
    model: str | None = None
    name: str | None = None  # the endpoint name the run is stored under; default "<tool> import, <n>x <GPU>"

    def checked(self) -> ImportSetup:
        """The setup with the GPU's canonical name, or ValueError saying what to fix."""
        count = self.gpu_count
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_GPU_COUNT:
            raise ValueError(
                f"the GPU count must be a whole number from 1 to {MAX_GPU_COUNT:,} (got {self.gpu_count}): "
                "give --gpu-count N, the GPUs serving the model (tensor x pipeline parallel)"
            )
        gpu = gpu_spec(self.gpu.strip()).name  # ValueError lists the GPUs known
        precision = (self.precision or "").strip() or None
        if precision is not None:
            normalise_precision(precision)  # ValueError lists the precisions known
        return ImportSetup(
            gpu=gpu,
            gpu_count=int(self.gpu_count),
            precision=precision,
            engine=(self.engine or "").strip() or None,
            model=(self.model or "").strip() or None,
            name=(self.name or "").strip() or None,
        )


@dataclass(frozen=True)
class ImportOutcome:
    """A stored import: its run, the model it joined, where its figures came from and when they were measured."""

    run_id: str
    model: str
    model_id: str
    source: str
    measured_on: dt.date
    dated_by: str
    report: RunReport
    result: ImportedResult
    setup: ImportSetup  # as checked: the GPU's canonical name

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the run as `python -m evals probe --json` prints one, with the import's source."""
        payload = self.report.as_json()
        payload["import"] = {
            "model_id": self.model_id,
            "source": self.source,
            "measured_on": self.measured_on.isoformat(),
            "dated_by": self.dated_by,
            "tool": self.result.tool,
            "tool_version": self.result.tool_version,
            "kind": self.result.kind,
            "file_name": self.result.file_name,
            "gpu": self.setup.gpu,
            "gpu_count": self.setup.gpu_count,
            "precision": self.setup.precision,
            "engine": self.setup.engine,
        }
        return payload


def model_for(result: ImportedResult, setup: ImportSetup, catalogue: set[str]) -> tuple[str, str]:
    """(the model's name, its canonical id): the setup's name, else the file's; refused with the fix if unknown."""
    name = setup.model or result.model
    if not name:
        raise ImportFileError(
            f"{result.file_name}: the file names no model. Give it with --model NAME "
            "(its Hugging Face or API name, e.g. meta-llama/Llama-3.1-8B-Instruct)"
        )
    resolution = resolve_model(name)
    if resolution.model_id is None:
        raise ImportFileError(
            f"{result.file_name}: Frontier cannot tell which model {name!r} is ({resolution.reason}). "
            "Give it with --model NAME, e.g. meta-llama/Llama-3.1-8B-Instruct"
        )
    model_id = resolution.model_id
    if catalogue and model_id not in catalogue:
        close = difflib.get_close_matches(model_id, sorted(catalogue), n=3, cutoff=0.6)
        hint = f" (close: {', '.join(close)})" if close else ""
        raise ImportFileError(
            f"{result.file_name}: model {name!r} reads as {model_id!r}, which the catalogue does not list{hint}. "
            "Give a listed model with --model NAME"
        )
    return name, model_id


def _level_summary(level: ImportedLevel, tool: str) -> LevelSummary:
    notes = [f"load as {tool} set it: {level.load}"]
    if level.concurrency is None:
        notes.append(
            f"{tool} set no concurrency here: {level.in_flight} is the mean of requests in flight measured "
            f"({level.mean_in_flight:.2f})"
            if level.mean_in_flight is not None
            else f"{tool} set no concurrency here and measured none: counted as 1"
        )
    return LevelSummary(
        concurrency=level.in_flight,
        requests=level.requests,
        succeeded=level.succeeded,
        errors=dict(level.errors),
        duration_s=level.duration_s or 0.0,
        ttft_ms=dict(level.ttft_ms),
        itl_ms=dict(level.itl_ms),
        e2e_ms=dict(level.e2e_ms),
        output_tokens_per_s_per_request=dict(level.output_tokens_per_s_per_request),
        system_output_tokens_per_s=level.system_output_tokens_per_s,
        goodput_rps=None,
        output_tokens=level.output_tokens or 0,
        input_tokens=level.input_tokens or 0,
        tokens_estimated=level.tokens_estimated,
        cost_usd=None,
        cost_per_success_usd=None,
        retries=0,
        notes=notes,
    )


def _records(levels: tuple[ImportedLevel, ...]) -> list[RequestRecord]:
    records: list[RequestRecord] = []
    for level in levels:
        for request in level.requests_detail:
            records.append(
                RequestRecord(
                    seq=len(records),
                    phase=request.phase,
                    concurrency=level.in_flight,
                    sent_s=request.sent_s,
                    ttft_ms=request.ttft_ms,
                    e2e_ms=request.e2e_ms,
                    itl_ms=request.itl_ms,
                    input_tokens=request.input_tokens,
                    output_tokens=request.output_tokens,
                    tokens_estimated=request.tokens_estimated,
                    error_type=request.error_type,
                    error_message=request.error_message,
                    http_status=request.http_status,
                    attempts=1,
                )
            )
    return records


def _measured_at(
    result: ImportedResult, file_modified: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, str]:
    if result.measured_at is not None:
        return result.measured_at.replace(tzinfo=None), DATED_BY_FILE
    if file_modified is not None:
        return file_modified.replace(tzinfo=None), DATED_BY_MTIME
    return now, DATED_BY_IMPORT


def import_result(
    store: Store,
    result: ImportedResult,
    content: bytes,
    setup: ImportSetup,
    *,
    file_modified: dt.datetime | None = None,
    now: dt.datetime | None = None,
    created_by: str | None = None,
) -> ImportOutcome:
    """Store a parsed result as an imported probe run with its requests, in one transaction; refused with the fix.

    `created_by`: who imported it (default: the deployment's user, FRONTIER_USER)."""
    setup = setup.checked()
    if not any(level.succeeded for level in result.levels):
        raise ImportFileError(f"{result.file_name}: no request succeeded, so there is nothing to measure")
    catalogue = set(store.models()["model_id"].dropna().astype(str))
    model, model_id = model_for(result, setup, catalogue)
    moment = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started_at, dated_by = _measured_at(result, file_modified, moment)
    digest = hashlib.sha256(content + json.dumps(asdict(setup), sort_keys=True).encode()).hexdigest()
    run_id = f"imp-{digest[:10]}"
    name = setup.name or f"{result.tool} import, {setup.gpu_count}x {setup.gpu}"
    source = result.source
    measured_on = started_at.date()
    levels = [_level_summary(level, result.tool) for level in result.levels]
    errors: dict[str, int] = {}
    for level in result.levels:
        for kind, count in level.errors.items():
            errors[kind] = errors.get(kind, 0) + count
    report = RunReport(
        run_id=run_id,
        status=IMPORTED,
        endpoint=name,
        model=model,
        suite=None,
        estimated_cost_usd=None,
        price_note=(
            f"{source}, measured {measured_on} ({dated_by}); an import carries no prices: self-hosted cost comes from "
            f"the {setup.gpu} price and this throughput"
        ),
        levels=levels,
        errors=errors,
        requests=sum(level.requests for level in result.levels),
        notes=list(result.notes),
    )
    summary = report.as_json()
    for shown, level in zip(summary["levels"], result.levels, strict=True):
        shown.update(
            load=level.load,
            request_rate=level.request_rate_per_s,
            concurrency_stated=level.concurrency is not None,
            mean_in_flight=level.mean_in_flight,
        )
    settings = {
        # the same keys an own run records for its endpoint, so GPU-based joins read both alike
        "endpoint": {
            "name": name,
            "model": model,
            "model_id": model_id,
            "gpu": setup.gpu,
            "gpu_count": setup.gpu_count,
            "precision": setup.precision,
            "engine": setup.engine,
        },
        "import": {
            "kind": result.kind,
            "tool": result.tool,
            "tool_version": result.tool_version,
            "file_name": result.file_name,
            "sha256": hashlib.sha256(content).hexdigest(),
            "measured_at": started_at.isoformat(),
            "dated_by": dated_by,
        },
        "source": source,
    }
    if not store.run(run_id).empty:
        raise ImportFileError(
            f"{result.file_name}: already imported as run {run_id} (same file, same GPU setup); nothing was added"
        )
    try:
        store.add_finished_run(
            run_id=run_id,
            endpoint_name=name,
            model=model,
            model_id=model_id,
            status=IMPORTED,
            started_at=started_at,
            settings_json=json.dumps(settings, default=str),
            summary_json=json.dumps(summary, default=str),
            note=f"{source}; measured {measured_on} ({dated_by})",
            records=_records(result.levels),
            created_by=created_by,
        )
    except StoreError as exc:
        raise ImportFileError(f"{result.file_name}: {exc}; nothing was added") from exc
    return ImportOutcome(run_id, model, model_id, source, measured_on, dated_by, report, result, setup)


def import_file(
    store: Store,
    content: bytes,
    file_name: str,
    setup: ImportSetup,
    *,
    file_modified: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ImportOutcome:
    """Read a result file of any known kind and store it as an imported probe run (see `import_result`)."""
    return import_result(store, parse_result(content, file_name), content, setup, file_modified=file_modified, now=now)
