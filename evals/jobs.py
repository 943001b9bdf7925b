"""Probe runs in the background of the app: one thread per run, each with a cancel switch.

A run keeps going when the browser tab closes (its requests are stored as they finish), and any
session can watch or cancel it. Threads never touch Streamlit; they only call the runner.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from evals.probe import ProbeSettings
from evals.runner import Endpoint, RunReport, execute_run
from evals.suites import Suite
from evals.summary import Objectives
from pricing.store import Store


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
) -> Job:
    """Start a run in a background thread and return its job."""
    job = Job(run_id=uuid.uuid4().hex[:12], endpoint=endpoint.name, planned_requests=settings.total_requests)

    def work() -> None:
        def on_level(level: int) -> None:
            job.level = level

        try:
            job.report = execute_run(
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
            )
        except Exception as exc:  # shown on the page; measured requests are already stored
            job.error = f"{type(exc).__name__}: {exc}"

    job.thread = threading.Thread(target=work, name=f"probe-{job.run_id}", daemon=True)
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
