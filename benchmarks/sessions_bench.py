"""Benchmark: many browser sessions on one server (issue 13), `--only sessions`.

A real `streamlit run app.py` is started as `make run` starts it (the same flags but the port, and
.streamlit/config.toml) on a copy of a seeded store kept inside the project folder, as `make run` keeps
data/frontier.duckdb there. After a warm-up session (imports, the store, the caches), headless Chromium opens new
sessions of the explorer. What a session costs the server is the server process's CPU time (user + system, every
thread, from /proc/PID/stat) from before it opens until the server is idle again after it closes.

Two kinds of new session: a first visit (a fresh browser context: the page and Streamlit's frontend, about 135
requests and 9 MB, come from the server) and a returning visitor (a new tab in a context that has the frontend
cached; Streamlit serves it as immutable, so a browser fetches it once). The baseline is the script run itself on
the same server: a rerun of the explorer in a session that stays open, measured next to each sample. One at a
time, interleaved; then 5 and 20 first visits at once and 20 returning visits at once (the issue's goal: 20 at once,
every page rendered, 0 errors, at most 2x the script run). --quick opens the single sessions and the 20 returning
visits only.

A second server with Streamlit's default file watcher (`--server.fileWatcherType auto`, what `make run` served
with before issue 13) takes first visits too, interleaved with ours, for the before/after ratio.

Sessions per minute: sessions opened / seconds from the first navigation until every page has rendered, x 60,
with Chromium on the same cores as the server (so a floor for what one server holds); and the server's CPU bound,
60 s / its CPU per session (the GIL keeps one server process's Python on about one core).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.timing import Row, Table, Timing, fmt_seconds
from pricing.sources.seed import seed
from pricing.store import PROJECT_ROOT, Store
from tests import browser_support as bs

EXPLORER = "explorer"
CONCURRENT = (5, 20)
GOAL_SESSIONS = 20
GOAL_RATIO = 2.0  # the goal: a new session costs the server at most twice the script run itself
PAGE_TIMEOUT_MS = 180_000  # 20 sessions rendering at once on 2 cores, the browser included
VIEWPORT = {"width": 1440, "height": 1000}
QUIET_WINDOW_S = 0.5
QUIET_CPU_S = 0.02  # two clock ticks in half a second: the server is idle
QUIET_TIMEOUT_S = 60.0
WATCHER_ON = ("--server.fileWatcherType", "auto")
SINGLE_REPEATS = 5  # at most: CPU time in clock ticks varies little between single sessions
WATCHER_REPEATS = 3
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


def _open_together(app: bs.ServedApp, tabs: list[Any], path: str) -> tuple[float, tuple[str, ...], int]:
    """Navigate every tab to path at once, wait until each has rendered; (seconds, errors, pages without a title)."""
    started = time.perf_counter()
    for tab in tabs:
        tab.goto(f"{app.base_url}/{path}", wait_until="commit", timeout=PAGE_TIMEOUT_MS)
    errors: list[str] = []
    untitled = 0
    for tab in tabs:
        bs.wait_for_app(tab, PAGE_TIMEOUT_MS)
        errors.extend(f"/{path}: {text}" for text in bs.error_texts(tab))
        untitled += not tab.locator(bs.TITLE).count()
    return time.perf_counter() - started, tuple(errors), untitled


def first_visits(browser: Any, app: bs.ServedApp, count: int) -> Batch:
    """`count` first visits of the explorer at once, each in a fresh browser context (nothing cached); closed
    again, and the server idle, before this returns."""
    before = wait_until_idle(app.pid)
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(count)]
    try:
        wall_s, errors, untitled = _open_together(app, [context.new_page() for context in contexts], EXPLORER)
    finally:
        for context in contexts:
            context.close()
    return Batch(count, wait_until_idle(app.pid) - before, wall_s, errors, untitled)


def returning_visits(context: Any, app: bs.ServedApp, count: int) -> Batch:
    """`count` new tabs of the explorer at once in a context that has Streamlit's frontend cached: new sessions of
    a returning visitor."""
    before = wait_until_idle(app.pid)
    tabs = [context.new_page() for _ in range(count)]
    try:
        wall_s, errors, untitled = _open_together(app, tabs, EXPLORER)
    finally:
        for tab in tabs:
            tab.close()
    return Batch(count, wait_until_idle(app.pid) - before, wall_s, errors, untitled)


def frontend_urls(browser: Any, app: bs.ServedApp) -> tuple[str, ...]:
    """Every plain HTTP request a first visit of the explorer makes (the page, Streamlit's frontend, the health and
    host-config calls), recorded from a fresh browser context; not the session's websocket."""
    context = browser.new_context(viewport=VIEWPORT)
    seen: list[str] = []
    try:
        tab = context.new_page()
        tab.on("request", lambda request: seen.append(request.url) if request.method == "GET" else None)
        bs.open_page(tab, app.base_url, EXPLORER, PAGE_TIMEOUT_MS)
    finally:
        context.close()
    return tuple(url for url in dict.fromkeys(seen) if url.startswith(app.base_url) and "_stcore/stream" not in url)


def frontend_cpu_s(app: bs.ServedApp, urls: tuple[str, ...]) -> float:
    """Server CPU seconds of serving those requests alone, one after another, with no session opened: what a first
    visit costs on top of a returning one."""
    before = wait_until_idle(app.pid)
    for url in urls:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
        except urllib.error.HTTPError as answered:  # a 404 the browser got too (an optional file): served all the same
            answered.read()
    return wait_until_idle(app.pid) - before


def rerun_cpu_s(tab: Any, app: bs.ServedApp) -> float:
    """Server CPU seconds of rerunning the page open in tab (Streamlit's R key): the script run itself."""
    before = wait_until_idle(app.pid)
    tab.locator(bs.TITLE).click()  # the key goes to the page, not to a widget that has the focus

    def press_r() -> None:
        tab.keyboard.press("r")

    bs.rerun_after(tab, press_r, PAGE_TIMEOUT_MS)
    errors = bs.error_texts(tab)
    if errors:
        raise RuntimeError("the explorer's rerun failed:\n" + "\n---\n".join(errors))
    return wait_until_idle(app.pid) - before


@contextmanager
def _served(template: Path, folder: Path, name: str, extra_args: tuple[str, ...] = ()) -> Iterator[bs.ServedApp]:
    """A server on its own copy of the seeded store (in folder/name, with its log)."""
    home = folder / name
    home.mkdir()
    db = home / "frontier.duckdb"
    shutil.copyfile(template, db)
    with bs.serve_app(db, home, extra_args=extra_args) as app:
        yield app


def _log_counts(app: bs.ServedApp) -> tuple[int, int]:
    """(tracebacks, inotify queue overflows) in the server's output so far."""
    text = app.log_path.read_bytes()
    return len(TRACEBACK.findall(text)), len(OVERFLOW.findall(text))


@dataclass(frozen=True)
class Measured:
    """Everything the suite measured, for the result rows."""

    first: list[Batch]
    returning: list[Batch]
    reruns: list[float]
    frontend: list[float]  # the frontend's requests alone, next to each rerun
    frontend_requests: int
    watched: list[Batch]
    together: dict[str, tuple[Batch, float]]  # label -> (the batch, a rerun measured right after it)
    ours_log: tuple[int, int]
    watcher_log: tuple[int, int]


def run(repeats: int, quick: bool) -> list[Row | Table]:
    """New explorer sessions on a server served as `make run` serves it, against the script run itself."""
    from playwright import sync_api

    if not bs.chromium_available():
        raise RuntimeError(f"no Chromium at {bs.CHROMIUM}: install Debian's chromium (as .ci/run does)")
    BENCH_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sessions-", dir=BENCH_DIR) as tmp:
        folder = Path(tmp)
        template = folder / "seeded.duckdb"
        store = Store(template)
        seed(store)
        store.close()
        with (
            sync_api.sync_playwright() as playwright,
            _served(template, folder, "ours") as ours,
            _served(template, folder, "watcher", WATCHER_ON) as watcher,
        ):
            browser = bs.launch_chromium(playwright)
            try:
                first_visits(browser, ours, 1)  # warm-up: imports, the store, the caches
                first_visits(browser, watcher, 1)
                urls = frontend_urls(browser, ours)
                keeper = browser.new_context(viewport=VIEWPORT)
                tab = keeper.new_page()
                bs.open_page(tab, ours.base_url, EXPLORER, PAGE_TIMEOUT_MS)
                first: list[Batch] = []
                returning: list[Batch] = []
                reruns: list[float] = []
                frontend: list[float] = []
                watched: list[Batch] = []
                for index in range(min(repeats, SINGLE_REPEATS)):
                    first.append(first_visits(browser, ours, 1))
                    returning.append(returning_visits(keeper, ours, 1))
                    reruns.append(rerun_cpu_s(tab, ours))
                    frontend.append(frontend_cpu_s(ours, urls))
                    if index < WATCHER_REPEATS:
                        watched.append(first_visits(browser, watcher, 1))
                together: dict[str, tuple[Batch, float]] = {}
                for count in () if quick else CONCURRENT:  # --quick: only the goal's batch, returning visits
                    batch = first_visits(browser, ours, count)
                    together[f"{count} first visits at once"] = (batch, rerun_cpu_s(tab, ours))
                batch = returning_visits(keeper, ours, GOAL_SESSIONS)
                together[f"{GOAL_SESSIONS} returning visits at once"] = (batch, rerun_cpu_s(tab, ours))
                keeper.close()
            finally:
                browser.close()
            measured = Measured(
                first,
                returning,
                reruns,
                frontend,
                len(urls),
                watched,
                together,
                _log_counts(ours),
                _log_counts(watcher),
            )
    return _results(measured)


def _per_session(batches: list[Batch]) -> Timing:
    return Timing(tuple(batch.cpu_per_session_s for batch in batches))


def _results(measured: Measured) -> list[Row | Table]:
    """The ratio rows, and a table of sessions, throughput, errors and the goal."""
    rerun = "script rerun"
    goal = f"goal <= {GOAL_RATIO:g}x"
    rows: list[Row | Table] = [
        Row(
            "new session, first visit: server CPU",
            _per_session(measured.first),
            rerun,
            Timing(tuple(measured.reruns)),
            False,
            f"explorer in a fresh browser context (frontend fetched: ~135 requests, 9 MB); {goal}",
        ),
        Row(
            "new session, returning visitor: server CPU",
            _per_session(measured.returning),
            rerun,
            Timing(tuple(measured.reruns)),
            False,
            f"explorer in a new tab, frontend cached; {goal}",
        ),
    ]
    rows.append(
        Row(
            "frontend files alone (no session): server CPU",
            Timing(tuple(measured.frontend)),
            rerun,
            Timing(tuple(measured.reruns)),
            False,
            f"the {measured.frontend_requests} plain requests of a first visit, fetched without a browser: what a "
            "first visit adds to a returning one, once per browser",
        )
    )
    for label, (batch, paired_s) in measured.together.items():
        rows.append(
            Row(
                f"{label}: server CPU per session",
                _per_session([batch]),
                rerun,
                Timing((paired_s,)),
                False,
                f"the batch's CPU / {batch.sessions}; {goal}",
            )
        )
    rows.append(
        Row(
            "new session, first visit: server CPU vs file watcher on",
            _per_session(measured.first[: len(measured.watched)]),
            "watcher on",
            _per_session(measured.watched),
            True,
            "first visits to a second server with --server.fileWatcherType auto (Streamlit's default, make run before)",
        )
    )
    rerun_s = statistics.median([*measured.reruns, *(s for _, s in measured.together.values())])
    labelled: list[tuple[str, list[Batch], list[float]]] = [
        ("1 first visit", measured.first, measured.reruns),
        ("1 first visit, watcher on", measured.watched, measured.reruns[: len(measured.watched)]),
        ("1 returning visit", measured.returning, measured.reruns),
        *((label, [batch], [paired]) for label, (batch, paired) in measured.together.items()),
    ]
    table_rows: list[tuple[str, ...]] = []
    for label, batches, reruns in labelled:
        per_session = statistics.median(batch.cpu_per_session_s for batch in batches)
        # as in the rows above: the median of each sample's ratio to the rerun measured next to it
        ratio = statistics.median(b.cpu_per_session_s / r for b, r in zip(batches, reruns, strict=True))
        wall = statistics.median(batch.wall_s for batch in batches)
        sessions = batches[0].sessions
        errors = sum(len(batch.errors) for batch in batches)
        untitled = sum(batch.untitled for batch in batches)
        verdict = ""
        if sessions == GOAL_SESSIONS:
            verdict = "PASS" if not errors and not untitled and ratio <= GOAL_RATIO else "FAIL"
        table_rows.append(
            (
                label,
                str(sessions * len(batches)),
                fmt_seconds(per_session),
                f"{ratio:.2f}x",
                fmt_seconds(wall),
                f"{sessions / wall * 60:.0f}",
                f"{60 / per_session:.0f}",
                str(errors),
                str(untitled),
                verdict,
            )
        )
    footnote = (
        f"Script rerun on the server: {fmt_seconds(rerun_s)} CPU (median). Server output: make run's "
        f"{measured.ours_log[0]} tracebacks, {measured.ours_log[1]} inotify overflows; the watcher's "
        f"{measured.watcher_log[0]} tracebacks, {measured.watcher_log[1]} inotify overflows. Sessions/min: measured, "
        f"with Chromium on the same cores; CPU bound: 60 s / server CPU per session. Goal: {GOAL_SESSIONS} at once, "
        f"every page rendered, 0 errors, server CPU per session <= {GOAL_RATIO:g}x the script run."
    )
    seen = [text for _, batches, _ in labelled for batch in batches for text in batch.errors]
    if seen:
        footnote += "\nErrors seen: " + " | ".join(seen[:3])
    header = (
        "sessions",
        "opened",
        "server CPU/session",
        "x rerun",
        "wall to all rendered",
        "sessions/min",
        "CPU bound/min",
        "errors",
        "untitled",
        "goal",
    )
    rows.append(Table("New explorer sessions on one server", header, tuple(table_rows), footnote))
    return rows
