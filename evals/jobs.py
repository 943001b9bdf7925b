"""Probe runs in the background of the app: one thread per run, each with a cancel switch.

A run keeps going when the browser tab closes (its requests are stored as they finish), and any
session can watch or cancel it. A run interrupted by the death of its process (the app's, or a command
line's) is resumed the same way. Threads never touch Streamlit; they only call the runner.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from evals.probe import ProbeSettings
from evals.runner import ConfigError, Endpoint, RunReport, execute_run, resume_run, stored_setup
from evals.suites import Suite
from evals.summary import Objectives
from pricing.store import Store, StoreError


@dataclass
class Job:
    """A probe run in progress (or just finished) in this server process."""

    run_id: str
    endpoint: str
    planned_requests: int
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    report: RunReport | None = None
    error: str | None = None
    level: int | None = None

    @property
    def running(self) -> bool:
        """Whether the run's thread is still working."""
        return self.thread is not None and self.thread.is_alive()


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


def start(
    store: Store,
    endpoint: Endpoint,
    settings: ProbeSettings,
    sheet_name: str,
    *,
    suite: Suite | None,
    objectives: Objectives,
    judge_endpoint: Endpoint | None = None,
    created_by: str | None = None,
) -> Job:
    """Start a run in a background thread and return its job (`created_by`: who started it)."""
    job = Job(run_id=uuid.uuid4().hex[:12], endpoint=endpoint.name, planned_requests=settings.total_requests)

    def work(on_level: Callable[[int], None]) -> RunReport:
        return execute_run(
            store,
            endpoint,
            settings,
            sheet_name,
            suite=suite,
            objectives=objectives,
            cancel=job.cancel,
            on_level=on_level,
            run_id=job.run_id,
            judge_endpoint=judge_endpoint,
            created_by=created_by,
        )

    return _launch(job, work)


def resume(store: Store, run_id: str, *, suite: Suite | None = None) -> Job:
    """Resume an interrupted run (the requests it had not measured) in a background thread and return its job.

    ConfigError at once when the run cannot be resumed (not interrupted, or its uploaded suite not given).
    """
    setup = stored_setup(store, run_id, suite)
    job = Job(run_id=run_id, endpoint=setup.endpoint.name, planned_requests=setup.settings.total_requests)

    def work(on_level: Callable[[int], None]) -> RunReport:
        return resume_run(store, run_id, suite=suite, cancel=job.cancel, on_level=on_level)

    return _launch(job, work)


def _launch(job: Job, work: Callable[[Callable[[int], None]], RunReport]) -> Job:
    def run() -> None:
        def on_level(level: int) -> None:
            job.level = level

        try:
            job.report = work(on_level)
        except Exception as exc:  # shown on the page; measured requests are already stored
            job.error = str(exc) if isinstance(exc, StoreError | ConfigError) else f"{type(exc).__name__}: {exc}"

    job.thread = threading.Thread(target=run, name=f"probe-{job.run_id}", daemon=True)
    with _LOCK:
        _JOBS[job.run_id] = job
    job.thread.start()
    return job


def get(run_id: str) -> Job | None:
    """The job of a run started by this process, if any."""
    with _LOCK:
        return _JOBS.get(run_id)


def active() -> list[Job]:
    """Runs still in progress."""
    with _LOCK:
        return [job for job in _JOBS.values() if job.running]
