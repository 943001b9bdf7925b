"""Benchmark: many browser sessions on one server (issue 13), `--only sessions`.

A real `streamlit run app.py` is started as `make run` starts it (the same flags but the port, and
.streamlit/config.toml) on a copy of a seeded store kept inside the project folder, as `make run` keeps
data/frontier.duckdb. After one warm-up session (imports, the store, the caches), headless Chromium opens new
sessions of the explorer, each in a fresh browser context: one at a time, then 5 and 20 at once. What a session
costs the server is the server process's CPU time (user + system, all threads, from /proc/PID/stat) from before
the sessions open until it is idle again after they close, divided by the number of sessions. The baseline is the
script run alone: the CPU time of app.py + the explorer in a fresh AppTest session in this process, warm.

A second server with Streamlit's default file watcher (`--server.fileWatcherType auto`, what `make run` served
with before issue 13) opens single sessions too, interleaved with ours, for the before/after ratio.

Sessions per minute: sessions opened / seconds from the first navigation until every page has rendered, x 60,
with the browser on the same cores as the server (so a floor for what one server holds), and the CPU bound of one
server process (60 s / its CPU per session: the GIL keeps a Streamlit server's script runs on about one core).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.cold_page import APP_PATH, EXPLORER_PAGE, EXPLORER_TITLE, RUN_TIMEOUT_S, quiet_streamlit
from benchmarks.timing import Row, Table, Timing, fmt_seconds
from pricing.sources.seed import seed
from pricing.store import PROJECT_ROOT, Store
from tests import browser_support as bs

EXPLORER_PATH = "explorer"
CONCURRENT = (5, 20)
GOAL_SESSIONS = 20
GOAL_RATIO = 2.0  # the goal: a session costs the server at most twice its script run
PAGE_TIMEOUT_MS = 180_000  # 20 sessions rendering at once on 2 cores, browser included
QUIET_WINDOW_S = 0.5
QUIET_CPU_S = 0.02  # two clock ticks in half a second: the server is idle
QUIET_TIMEOUT_S = 60.0
WATCHER_ON = ("--server.fileWatcherType", "auto")
# Where the stores live while the suite runs: inside the project folder (git-ignored), as data/ is for `make run`.
BENCH_DIR = PROJECT_ROOT / ".bench"
OVERFLOW = re.compile(rb"Inotify queue overflowed")
TRACEBACK = re.compile(rb"Traceback \(most recent call last\)")
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, every thread) the process has used so far, from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the name in brackets may hold spaces; fields 3.. follow it
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / CLOCK_TICKS_PER_S


def wait_until_idle(pid: int) -> float:
    """Wait until the server uses less than QUIET_CPU_S in QUIET_WINDOW_S; return its CPU seconds then."""
    deadline = time.monotonic() + QUIET_TIMEOUT_S
    last = server_cpu_s(pid)
    while True:
        time.sleep(QUIET_WINDOW_S)  # another process: its CPU clock is all there is to wait on
        now = server_cpu_s(pid)
        if now - last < QUIET_CPU_S or time.monotonic() > deadline:
            return now
        last = now


@dataclass(frozen=True)
class Batch:
    """New sessions opened together on one server: what they cost it and what they showed."""

    sessions: int
    server_cpu_s: float
    wall_s: float  # from the first navigation until every page had rendered
    errors: tuple[str, ...]
    untitled: int  # pages that rendered no title

    @property
    def cpu_per_session_s(self) -> float:
        return self.server_cpu_s / self.sessions


def open_sessions(browser: Any, app: bs.ServedApp, paths: list[str]) -> Batch:
    """Open one new session per path, all at once (a fresh browser context each), wait until every page has
    rendered, close them and wait until the server is idle again."""
    before = wait_until_idle(app.pid)
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1000}) for _ in paths]
    try:
        tabs = [context.new_page() for context in contexts]
        started = time.perf_counter()
        for tab, path in zip(tabs, paths, strict=True):
            tab.goto(f"{app.base_url}/{path}", wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        errors: list[str] = []
        untitled = 0
        for tab, path in zip(tabs, paths, strict=True):
            bs.wait_for_app(tab, PAGE_TIMEOUT_MS)
            errors.extend(f"/{path}: {text}" for text in bs.error_texts(tab))
            untitled += not tab.locator(bs.TITLE).count()
        wall_s = time.perf_counter() - started
    finally:
        for context in contexts:
            context.close()
    after = wait_until_idle(app.pid)
    return Batch(len(paths), after - before, wall_s, tuple(errors), untitled)


def script_run_cpu_s() -> float:
    """CPU seconds of app.py + the explorer in a fresh AppTest session (the default page run first, untimed)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PATH), default_timeout=RUN_TIMEOUT_S)
    at.run()
    at.switch_page(EXPLORER_PAGE)
    started = time.process_time()
    at.run()
    spent = time.process_time() - started
    if at.exception:
        raise RuntimeError(f"{EXPLORER_PAGE} raised: {at.exception[0].value}")
    if EXPLORER_TITLE not in [title.value for title in at.title]:
        raise RuntimeError(f"{EXPLORER_PAGE} did not render its title")
    return spent


@contextmanager
def _served(template: Path, folder: Path, name: str, extra_args: tuple[str, ...] = ()) -> Iterator[bs.ServedApp]:
    """A server on its own copy of the seeded store, warmed up by one explorer session."""
    home = folder / name
    home.mkdir()
    db = home / "frontier.duckdb"
    shutil.copyfile(template, db)
    with bs.serve_app(db, home, extra_args=extra_args) as app:
        yield app


def _log_counts(app: bs.ServedApp) -> tuple[int, int]:
    """(tracebacks, inotify queue overflows) in the server's output."""
    text = app.log_path.read_bytes()
    return len(TRACEBACK.findall(text)), len(OVERFLOW.findall(text))


def run(repeats: int, quick: bool) -> list[Row | Table]:
    """New explorer sessions on a server served as `make run` serves it, against the script run alone."""
    from playwright import sync_api

    if not bs.chromium_available():
        raise RuntimeError(f"no Chromium at {bs.CHROMIUM}: install Debian's chromium (as .ci/run does)")
    concurrent_repeats = 1 if quick else min(repeats, 2)
    watcher_repeats = min(repeats, 3)
    BENCH_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sessions-", dir=BENCH_DIR) as tmp:
        folder = Path(tmp)
        template = folder / "seeded.duckdb"
        store = Store(template)
        seed(store)
        store.close()
        shutil.copyfile(template, folder / "apptest.duckdb")
        previous = os.environ.get("FRONTIER_DB")
        os.environ["FRONTIER_DB"] = str(folder / "apptest.duckdb")  # AppTest runs in this process and reads it here
        quiet_streamlit()
        try:
            script_run_cpu_s()  # warm-up: imports, the store, every cache
            with (
                sync_api.sync_playwright() as playwright,
                _served(template, folder, "ours") as ours,
                _served(template, folder, "watcher", WATCHER_ON) as watcher,
            ):
                browser = bs.launch_chromium(playwright)
                try:
                    for app in (ours, watcher):
                        open_sessions(browser, app, [EXPLORER_PATH])  # warm-up: imports, the store, the caches
                    single: list[Batch] = []
                    single_base: list[float] = []
                    watched: list[Batch] = []
                    for index in range(repeats):
                        single.append(open_sessions(browser, ours, [EXPLORER_PATH]))
                        single_base.append(script_run_cpu_s())
                        if index < watcher_repeats:
                            watched.append(open_sessions(browser, watcher, [EXPLORER_PATH]))
                    concurrent: dict[int, tuple[list[Batch], list[float]]] = {}
                    for count in CONCURRENT:
                        batches, base = concurrent.setdefault(count, ([], []))
                        for _ in range(concurrent_repeats):
                            batches.append(open_sessions(browser, ours, [EXPLORER_PATH] * count))
                            base.append(script_run_cpu_s())
                finally:
                    browser.close()
                ours_log, watcher_log = _log_counts(ours), _log_counts(watcher)
        finally:
            if previous is None:
                os.environ.pop("FRONTIER_DB", None)
            else:
                os.environ["FRONTIER_DB"] = previous
    return _results(single, single_base, watched, concurrent, ours_log, watcher_log)


def _results(
    single: list[Batch],
    single_base: list[float],
    watched: list[Batch],
    concurrent: dict[int, tuple[list[Batch], list[float]]],
    ours_log: tuple[int, int],
    watcher_log: tuple[int, int],
) -> list[Row | Table]:
    """The ratio rows and the table of sessions, throughput and errors."""
    script = "script run alone (AppTest, CPU)"
    rows: list[Row | Table] = [
        Row(
            "new explorer session, server CPU, 1 at a time",
            Timing(tuple(batch.cpu_per_session_s for batch in single)),
            script,
            Timing(tuple(single_base)),
            False,
            f"server as `make run` serves it; goal <= {GOAL_RATIO:g}x the script run",
        )
    ]
    for count, (batches, base) in concurrent.items():
        rows.append(
            Row(
                f"new explorer session, server CPU, {count} at once",
                Timing(tuple(batch.cpu_per_session_s for batch in batches)),
                script,
                Timing(tuple(base)),
                False,
                f"batch CPU / {count}; goal <= {GOAL_RATIO:g}x the script run",
            )
        )
    rows.append(
        Row(
            "new explorer session, server CPU vs file watcher on",
            Timing(tuple(batch.cpu_per_session_s for batch in single[: len(watched)])),
            "watcher on",
            Timing(tuple(batch.cpu_per_session_s for batch in watched)),
            True,
            "the same single sessions on a second server with --server.fileWatcherType auto (Streamlit's default)",
        )
    )
    script_median = statistics.median([*single_base, *(s for _, base in concurrent.values() for s in base)])
    table_rows: list[tuple[str, ...]] = []
    labelled = [("1 at a time (make run)", single), ("1 at a time (watcher on)", watched)]
    labelled += [(f"{count} at once (make run)", batches) for count, (batches, _) in concurrent.items()]
    for label, batches in labelled:
        per_session = statistics.median(batch.cpu_per_session_s for batch in batches)
        wall = statistics.median(batch.wall_s for batch in batches)
        sessions = batches[0].sessions
        errors = sum(len(batch.errors) for batch in batches)
        untitled = sum(batch.untitled for batch in batches)
        verdict = ""
        if sessions == GOAL_SESSIONS:
            met = not errors and not untitled and per_session <= GOAL_RATIO * script_median
            verdict = "PASS" if met else "FAIL"
        table_rows.append(
            (
                label,
                str(sessions * len(batches)),
                fmt_seconds(per_session),
                f"{per_session / script_median:.2f}x",
                fmt_seconds(wall),
                f"{sessions / wall * 60:.0f}",
                f"{60 / per_session:.0f}",
                str(errors),
                str(untitled),
                verdict,
            )
        )
    footnote = (
        f"Script run alone: {fmt_seconds(script_median)} CPU (median). Server output: make run's server "
        f"{ours_log[0]} tracebacks, {ours_log[1]} inotify overflows; the watcher's server {watcher_log[0]} tracebacks, "
        f"{watcher_log[1]} inotify overflows. Sessions/min measured with Chromium on the same cores; the CPU bound is "
        f"60 s / server CPU per session. Goal: {GOAL_SESSIONS} at once, every page rendered, 0 errors, server CPU per "
        f"session <= {GOAL_RATIO:g}x the script run."
    )
    for batches in [single, watched, *(b for b, _ in concurrent.values())]:
        for batch in batches:
            if batch.errors:
                footnote += "\nErrors seen: " + " | ".join(batch.errors[:3])
                break
    rows.append(
        Table(
            "New explorer sessions on one server",
            (
                "sessions",
                "opened",
                "server CPU/session",
                "x script run",
                "wall to all rendered",
                "sessions/min",
                "CPU bound/min",
                "errors",
                "untitled",
                "goal",
            ),
            tuple(table_rows),
            footnote,
        )
    )
    return rows
