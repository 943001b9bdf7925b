"""Benchmark: one store shared by the app, the command line and a probe (issue 13), `--only share`.

Since issue 13 no Frontier process keeps the database file open: each store call attaches the file to the process's
in-memory DuckDB (read-only to read, read-write to write) and detaches it when no thread needs it, and an open that
finds the file held by another process is retried. Three parts:

1. What opening per call costs a read: 20 small store reads against one connection held open (the store before
   issue 13), and a new DuckDB connection per call (the naive "open, do, close") against the same baseline.
2. Page script runs and the CLI against today: the Live probes page (which reads the runs on every run) and the
   Projections page (eleven store reads a run) rerun in AppTest, and `python -m pricing frontier --json` as a whole
   process, here and in the tree as it was before issue 13's store change (`git archive` of BEFORE_COMMIT into
   .bench/, which is git-ignored), in separate processes, alternately.
3. The issue's scenario: a real `streamlit run app.py` serving 10 sessions of the Prices & self-hosting page in
   Chromium (four store reads a run; each session rerun over and over with Streamlit's R key), while `python -m
   evals probe` stores 200 requests (and 2 warm-ups) from a loopback server and a loop of `python -m pricing
   frontier --json` reads beside it. It counts lock errors (a command that exits with the busy message, a page
   showing an error, requests the probe could not store) and lost rows (requests measured but not in the store),
   and times the CLI reads and the page reruns while the probe writes against the same without it. The same
   scenario on the tree before issue 13 shows what it did: its app holds the file for its whole life, so every
   command exits with "Conflicting lock".
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.timing import Row, Table, Timing, fmt_seconds, measure_pair
from evals.loopback import LoopbackConfig, LoopbackServer
from pricing.sources.seed import seed
from pricing.store import PROJECT_ROOT, Store
from pricing.store.db import SQL_ENDPOINTS, SQL_RUNS
from tests import browser_support as bs

CALLS = 20  # store reads per timed sample: a page's worth and more
# The last commit before issue 13 changed the store: its app held a read-write connection for its whole life.
BEFORE_COMMIT = "03037a49d435b36751775e2e1f91ffd6f791a460"
BENCH_DIR = PROJECT_ROOT / ".bench"
SESSIONS = 10
SESSION_PAGE = "costs"  # Prices & self-hosting: four store reads a run (its request quote prices from the store)
PROBE_REQUESTS = 200
PROBE_WARMUP = 2
PROBE_LEVEL = 4
# 50 ms to the first token, then 19 more 10 ms apart: about 0.25 s a request, 13 s for 200 at 4 in flight.
LOOPBACK = LoopbackConfig(ttft_ms=50, itl_ms=10, output_tokens=20)
MIN_ROUNDS = 4  # page rounds per phase at least (the quiet phase has no probe to wait for)
MIN_READS = 3
PAGE_TIMEOUT_MS = 120_000
PAGE_PROCESSES = 3  # AppTest processes per tree for the page comparison
PAGE_RERUNS = 5  # reruns timed in each, the median kept
PAGES = (("views/probes.py", "Live probes page"), ("views/projections.py", "Projections page"))
CLI_READ = ("pricing", "frontier", "--metric", "arena_elo", "--json")
LOCK_WORDS = ("Conflicting lock", "is held by", "Cannot open the database", "could not be stored")

# Times warm reruns of one page in AppTest, run in a fresh process from a tree's folder; prints {"seconds": median}.
PAGE_WORKER = """
import json, logging, os, sys, time
sys.path.insert(0, os.getcwd())
logging.disable(logging.WARNING)
from streamlit.testing.v1 import AppTest
page, reruns = sys.argv[1], int(sys.argv[2])
at = AppTest.from_file(os.path.join(os.getcwd(), "app.py"), default_timeout=180)
at.run()
at.switch_page(page)
at.run()
if at.exception:
    raise SystemExit(f"{page} raised: {at.exception[0].value}")
times = []
for _ in range(reruns):
    started = time.perf_counter()
    at.run()
    times.append(time.perf_counter() - started)
print(json.dumps({"seconds": sorted(times)[len(times) // 2]}))
"""


def _seeded(folder: Path) -> Path:
    path = folder / "seeded.duckdb"
    store = Store(path)
    seed(store)
    store.close()
    return path


def _copy(template: Path, folder: Path, name: str) -> Path:
    path = folder / name
    shutil.copyfile(template, path)
    return path


def _reads_per_call(store: Store) -> None:
    for _ in range(CALLS // 2):
        store.runs()
        store.endpoints()


def _reads_on(con: duckdb.DuckDBPyConnection) -> None:
    for _ in range(CALLS // 2):
        for sql in (SQL_RUNS, SQL_ENDPOINTS):
            cur = con.cursor()  # as the store did: a cursor per call on the connection it held
            cur.execute(sql).df()
            cur.close()


def _reads_new_connection(path: Path) -> None:
    for _ in range(CALLS // 2):
        for sql in (SQL_RUNS, SQL_ENDPOINTS):
            con = duckdb.connect(str(path), read_only=True)
            con.execute(sql).df()
            con.close()


def opening_rows(template: Path, folder: Path, repeats: int) -> list[Row]:
    """Store reads opened per call against a connection held open, and a new connection per call against it."""
    store = Store(_copy(template, folder, "ours.duckdb"))
    held = duckdb.connect(str(_copy(template, folder, "held.duckdb")), read_only=True)
    naive = _copy(template, folder, "naive.duckdb")  # another file: DuckDB would reuse the held file's open instance
    try:
        ours, baseline = measure_pair(lambda: _reads_per_call(store), lambda: _reads_on(held), repeats)
        opens = store.opens
        naive_timing, naive_baseline = measure_pair(
            lambda: _reads_new_connection(naive), lambda: _reads_on(held), repeats
        )
    finally:
        held.close()
        store.close()
    return [
        Row(
            f"{CALLS} store reads, file opened per operation",
            ours,
            "held open",
            baseline,
            speedup=False,
            notes=f"runs() and endpoints(), small reads; the file was opened {opens} times in all",
        ),
        Row(
            f"{CALLS} reads, a new DuckDB connection per call",
            naive_timing,
            "held open",
            naive_baseline,
            speedup=False,
            notes="what attaching to one in-memory DuckDB per process saves",
        ),
    ]


def before_tree() -> Path | None:
    """The source tree at BEFORE_COMMIT, unpacked once into .bench/; None where git or the commit is missing."""
    tree = BENCH_DIR / f"share-before-{BEFORE_COMMIT[:12]}"
    if (tree / "app.py").exists():
        return tree
    try:
        archive = subprocess.run(
            ["git", "archive", BEFORE_COMMIT], cwd=PROJECT_ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    BENCH_DIR.mkdir(exist_ok=True)
    partial = tree.with_name(tree.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(partial, filter="data")
    partial.rename(tree)
    return tree


def _env(db: Path) -> dict[str, str]:
    return bs.app_env(db)


def _page_seconds(tree: Path, db: Path, page: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PAGE_WORKER, page, str(PAGE_RERUNS)],
        cwd=tree,
        env=_env(db),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"timing {page} in {tree.name} failed:\n{done.stderr[-3000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def page_rows(template: Path, folder: Path, tree: Path | None, processes: int) -> list[Row]:
    """Warm page reruns here against the tree before issue 13 (its own copy of the store), alternately."""
    if tree is None:
        return []
    ours_db, before_db = _copy(template, folder, "pages-ours.duckdb"), _copy(template, folder, "pages-before.duckdb")
    rows = []
    for page, title in PAGES:
        ours: list[float] = []
        before: list[float] = []
        for _ in range(processes):
            ours.append(_page_seconds(PROJECT_ROOT, ours_db, page))
            before.append(_page_seconds(tree, before_db, page))
        rows.append(
            Row(
                f"{title}, warm script run (AppTest)",
                Timing(tuple(ours)),
                "before issue 13",
                Timing(tuple(before)),
                speedup=False,
                notes=f"median of {PAGE_RERUNS} reruns per process; before = one connection held for life",
            )
        )
    return rows


def cli_rows(template: Path, folder: Path, tree: Path | None, processes: int) -> list[Row]:
    """The CLI read as a whole process, here against the tree before issue 13 (no app running), alternately."""
    if tree is None:
        return []
    ours_db, before_db = _copy(template, folder, "cli-ours.duckdb"), _copy(template, folder, "cli-before.duckdb")
    ours: list[float] = []
    before: list[float] = []
    for _ in range(processes):
        for target, db, into in ((PROJECT_ROOT, ours_db, ours), (tree, before_db, before)):
            seconds, code, _, stderr = _cli(target, db, CLI_READ)
            if code != 0:
                raise RuntimeError(f"{' '.join(CLI_READ)} failed in {target.name}: {stderr[-2000:]}")
            into.append(seconds)
    return [
        Row(
            "CLI read (python -m pricing frontier --json)",
            Timing(tuple(ours)),
            "before issue 13",
            Timing(tuple(before)),
            speedup=False,
            notes="a whole process each, no app running; before = one connection held for the process's life",
        )
    ]


@dataclass
class CliReads:
    """The command-line reads of one phase: seconds each, and the failures (with what they printed)."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _cli(tree: Path, db: Path, args: tuple[str, ...], timeout_s: float = 120) -> tuple[float, int, str, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=tree, env=_env(db), capture_output=True, text=True, timeout=timeout_s
    )
    return time.perf_counter() - started, done.returncode, done.stdout, done.stderr


def _read_loop(tree: Path, db: Path, stop: threading.Event, reads: CliReads) -> None:
    """Run the CLI read over and over until stop is set, and at least MIN_READS times."""
    while not stop.is_set() or len(reads.seconds) + len(reads.failures) < MIN_READS:
        seconds, code, _, stderr = _cli(tree, db, CLI_READ)
        if code == 0:
            reads.seconds.append(seconds)
        else:
            reads.failures.append(stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {code}")


@dataclass
class Phase:
    """One phase of the scenario: page rounds (all sessions rerun together), CLI reads and what went wrong."""

    rounds: list[float] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    reads: CliReads = field(default_factory=CliReads)
    probe_exit: int | None = None
    probe_stored: int | None = None
    probe_measured: int | None = None
    probe_notes: list[str] = field(default_factory=list)
    probe_error: str = ""


@contextmanager
def _serve(tree: Path, db: Path, folder: Path) -> Iterator[str]:
    """`streamlit run app.py` from a tree's folder on the given store, as make run serves it; yield its URL."""
    log_path = folder / f"streamlit-{tree.name}.log"
    with open(log_path, "w+b") as log:
        process = subprocess.Popen(
            [sys.executable, *bs.SERVE_ARGS], cwd=tree, env=_env(db), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + bs.HEALTH_TIMEOUT_S
            base_url = None
            while base_url is None or not bs._healthy(base_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.25)  # another process: its log and its health endpoint are all there is to watch
                if base_url is None and (served := bs.SERVED_URL.search(log_path.read_bytes())):
                    base_url = served.group(1).decode()
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _open_sessions(context: Any, base_url: str) -> list[Any]:
    tabs = []
    for _ in range(SESSIONS):
        tab = context.new_page()
        tab.goto(f"{base_url}/{SESSION_PAGE}", wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        tabs.append(tab)
    for tab in tabs:
        bs.wait_for_app(tab, PAGE_TIMEOUT_MS)
        tab.locator(bs.TITLE).first.click()  # Streamlit's R key goes to the page, not to a widget
    return tabs


# Notes when the app's script run starts after the R key, so a rerun that has not started yet is never taken for one
# that has finished.
WATCH_RUN = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__shareRan = false;
    window.__shareObserver?.disconnect();
    window.__shareObserver = new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__shareRan = true;
    });
    window.__shareObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RAN_AND_IDLE = """() => window.__shareRan && document.querySelector('[data-testid="stApp"]')
    .getAttribute('data-test-script-state') === 'notRunning'"""


def _round(tabs: list[Any], phase: Phase) -> None:
    """Rerun every session's page at once (R key) and wait until each has finished; record the time and errors."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for tab in tabs:
        tab.evaluate(WATCH_RUN)
    started = time.perf_counter()
    for tab in tabs:
        tab.keyboard.press("r")
    for tab in tabs:
        try:
            tab.wait_for_function(RAN_AND_IDLE, timeout=PAGE_TIMEOUT_MS)
            bs.wait_for_app(tab, PAGE_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            phase.page_errors.append(f"a session's rerun did not finish within {PAGE_TIMEOUT_MS / 1000:.0f} s")
            continue
        phase.page_errors.extend(bs.error_texts(tab))
    phase.rounds.append(time.perf_counter() - started)


def _probe(tree: Path, db: Path, server: LoopbackServer, phase: Phase) -> None:
    args = ("evals", "probe", "--model", "test-model", "--api-base", server.base_url, "--requests",
            str(PROBE_REQUESTS), "--concurrency", str(PROBE_LEVEL), "--warmup", str(PROBE_WARMUP),
            "--no-overhead", "--json")  # fmt: skip
    _, code, stdout, stderr = _cli(tree, db, args, timeout_s=300)
    phase.probe_exit = code
    if code != 0:
        phase.probe_error = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {code}"
        return
    report = json.loads(stdout)
    phase.probe_measured = int(report["requests"])
    phase.probe_notes = [note for note in report["notes"] if "could not be stored" in note]
    phase.probe_stored = Store(db, read_only=True).count("probe_requests")


def scenario(tree: Path, db: Path, folder: Path, playwright: Any, with_probe: bool) -> Phase:
    """Serve the app from `tree`, open the sessions, then run rounds and the CLI read loop until the probe has ended
    (if there is one) and MIN_ROUNDS rounds are done."""
    phase = Phase()
    with _serve(tree, db, folder) as base_url, LoopbackServer(LOOPBACK) as loopback:
        browser = bs.launch_chromium(playwright)
        try:
            tabs = _open_sessions(browser.new_context(), base_url)
            stop = threading.Event()
            reader = threading.Thread(target=_read_loop, args=(tree, db, stop, phase.reads), daemon=True)
            prober = threading.Thread(target=_probe, args=(tree, db, loopback, phase), daemon=True)
            reader.start()
            if with_probe:
                prober.start()
            while prober.is_alive() or len(phase.rounds) < MIN_ROUNDS:
                _round(tabs, phase)
            stop.set()
            reader.join()
            if with_probe:
                prober.join()
        finally:
            browser.close()
    return phase


def _lock_errors(phase: Phase) -> int:
    texts = [*phase.reads.failures, *phase.page_errors, phase.probe_error, *phase.probe_notes]
    return sum(1 for text in texts if any(word in text for word in LOCK_WORDS))


def _spread(samples: list[float]) -> str:
    if not samples:
        return "-"
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"{fmt_seconds(statistics.median(ordered))} / {fmt_seconds(p90)} (n={len(ordered)})"


def scenario_table(quiet: Phase, busy: Phase, before: Phase | None) -> Table:
    expected = PROBE_REQUESTS + PROBE_WARMUP
    stored = busy.probe_stored if busy.probe_stored is not None else 0
    rows = [
        ("lock errors", str(_lock_errors(quiet)), str(_lock_errors(busy)),
         str(_lock_errors(before)) if before else "-"),
        (
            "lost rows (measured, not stored)",
            "-",
            str(expected - stored) if busy.probe_exit == 0 else f"probe exit {busy.probe_exit}",
            "-" if before is None else ("probe did not start" if before.probe_exit else "?"),
        ),
        ("probe: exit code, rows stored", "-", f"{busy.probe_exit}, {stored} of {expected}",
         "-" if before is None else f"{before.probe_exit}, {before.probe_stored or 0} of {expected}"),
        ("CLI reads: ok / failed", f"{len(quiet.reads.seconds)} / {len(quiet.reads.failures)}",
         f"{len(busy.reads.seconds)} / {len(busy.reads.failures)}",
         "-" if before is None else f"{len(before.reads.seconds)} / {len(before.reads.failures)}"),
        ("CLI read (frontier --json): p50 / p90", _spread(quiet.reads.seconds), _spread(busy.reads.seconds),
         "-" if before is None else _spread(before.reads.seconds)),
        (f"{SESSIONS} sessions rerun the page: p50 / p90", _spread(quiet.rounds), _spread(busy.rounds),
         "-" if before is None else _spread(before.rounds)),
        ("page errors shown", str(len(quiet.page_errors)), str(len(busy.page_errors)),
         "-" if before is None else str(len(before.page_errors))),
    ]  # fmt: skip
    goal = "PASS" if _lock_errors(busy) == 0 and busy.probe_exit == 0 and stored == expected else "FAIL"
    quiet_cli = statistics.median(quiet.reads.seconds) if quiet.reads.seconds else float("nan")
    busy_cli = statistics.median(busy.reads.seconds) if busy.reads.seconds else float("nan")
    quiet_page = statistics.median(quiet.rounds) if quiet.rounds else float("nan")
    busy_page = statistics.median(busy.rounds) if busy.rounds else float("nan")
    footnote = (
        f"Goal (0 lock errors, 0 lost rows): {goal}. While the probe writes, the CLI read's median is "
        f"{busy_cli / quiet_cli:.2f}x its quiet median and the sessions' rerun {busy_page / quiet_page:.2f}x (the "
        "probe, its loopback server and the reads share the machine's cores with the app and Chromium). "
        + ("" if before else "The tree before issue 13 was not run (--quick, or git archive failed). ")
        + "Before issue 13 the app held the file for its whole life: commands exit 2 with 'Conflicting lock'."
    )
    return Table(
        f"Scenario: app serving {SESSIONS} sessions (Prices & self-hosting page, rerun over and over), CLI probe of "
        f"{PROBE_REQUESTS} requests at {PROBE_LEVEL} in flight, CLI read loop",
        ("", "quiet (no probe)", "probe writing", "before issue 13, probe writing"),
        tuple(rows),
        footnote,
    )


def run(repeats: int, quick: bool) -> list[Row | Table]:
    """Opening per call, page runs against the tree before issue 13, and the shared-store scenario."""
    from playwright import sync_api

    if not bs.chromium_available():
        raise RuntimeError(f"no Chromium at {bs.CHROMIUM}: install Debian's chromium (as .ci/run does)")
    BENCH_DIR.mkdir(exist_ok=True)
    tree = before_tree()
    with tempfile.TemporaryDirectory(prefix="share-", dir=BENCH_DIR) as tmp:
        folder = Path(tmp)
        template = _seeded(folder)
        results: list[Row | Table] = [*opening_rows(template, folder, repeats)]
        results.extend(page_rows(template, folder, tree, 1 if quick else PAGE_PROCESSES))
        results.extend(cli_rows(template, folder, tree, 1 if quick else PAGE_PROCESSES))
        with sync_api.sync_playwright() as playwright:
            quiet_db, busy_db = _copy(template, folder, "quiet.duckdb"), _copy(template, folder, "busy.duckdb")
            quiet = scenario(PROJECT_ROOT, quiet_db, folder, playwright, with_probe=False)
            busy = scenario(PROJECT_ROOT, busy_db, folder, playwright, with_probe=True)
            before = None
            if tree is not None and not quick:
                before_db = _copy(template, folder, "before.duckdb")
                before = scenario(tree, before_db, folder, playwright, with_probe=True)
        results.append(scenario_table(quiet, busy, before))
    return results
