"""Team mode under load: two app replicas, two command-line probes and a refresh on one Postgres store at once.

Real `streamlit run` servers with FRONTIER_DB pointing at a throwaway Postgres database, real `python -m evals probe`
processes against loopback model servers on 127.0.0.1, a real `python -m pricing refresh --from-file`, and headless
Chromium sessions reloading pages on both replicas while they write.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evals.loopback import LoopbackConfig, LoopbackServer
from pricing.store import Store
from tests import browser_support as bs
from tests.conftest import PROJECT_ROOT
from tests.postgres_support import PostgresServer

if not bs.chromium_available():  # pragma: no cover - depends on the machine
    pytest.fail(f"no Chromium at {bs.CHROMIUM}: run `apt-get install chromium` (as .ci/run does)", pytrace=False)

pytestmark = pytest.mark.browser
PER_LEVEL = 100  # two levels (concurrency 1 and 2): 200 measured requests per probe, plus a warm-up per level
REFRESH_FILES = PROJECT_ROOT / "tests" / "fixtures" / "refresh"
LOCK_WORDS = ("lock", "busy", "could not be stored", "deadlock", "serialize")


@pytest.fixture()
def team_db(postgres_server: PostgresServer, seeded_postgres_template: str) -> Iterator[str]:
    url = postgres_server.create_database(template=seeded_postgres_template)
    yield url
    Store(url, read_only=True).close()
    postgres_server.drop_database(url)


def _probe(db: str, model: LoopbackServer) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evals", "probe", "--model", "test-model", "--api-base", model.base_url,
         "--requests", str(PER_LEVEL), "--concurrency", "1,2", "--no-overhead", "--json"],
        cwd=PROJECT_ROOT, env=bs.app_env(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _refresh(db: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pricing", "refresh", "--json",
         "--from-file", f"openrouter={REFRESH_FILES / 'openrouter_models.json'}",
         "--from-file", f"models-dev={REFRESH_FILES / 'models_dev_api.json'}"],
        cwd=PROJECT_ROOT, env=bs.app_env(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _rerun(tab: Any) -> None:
    tab.locator(bs.TITLE).first.click()
    bs.rerun_after(tab, lambda: tab.keyboard.press("r"), 60_000)


def test_two_replicas_two_probes_and_a_refresh_share_one_postgres(team_db: str, browser: Any, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    context = browser.new_context()
    with (
        bs.serve_app(team_db, tmp_path / "a") as replica_a,
        bs.serve_app(team_db, tmp_path / "b") as replica_b,
        LoopbackServer(LoopbackConfig(ttft_ms=5, itl_ms=1)) as model_1,
        LoopbackServer(LoopbackConfig(ttft_ms=5, itl_ms=1)) as model_2,
    ):
        tabs = [context.new_page() for _ in range(4)]
        for tab, (app, path) in zip(
            tabs,
            [(replica_a, "probes"), (replica_b, "probes"), (replica_a, ""), (replica_b, "costs")],
            strict=True,
        ):
            bs.open_page(tab, app.base_url, path, 60_000)
        writers = [_probe(team_db, model_1), _probe(team_db, model_2), _refresh(team_db)]
        reruns = 0
        while any(w.poll() is None for w in writers) or reruns < len(tabs):
            _rerun(tabs[reruns % len(tabs)])
            reruns += 1
        outputs = [w.communicate(timeout=300) for w in writers]
        errors = [text for tab in tabs for text in bs.error_texts(tab)]
        # a replica that wrote nothing itself shows the other processes' runs: its caches followed the store
        bs.open_page(tabs[1], replica_b.base_url, "probes", 60_000)
        results = bs.open_tab(tabs[1], "Results and history")
        history = bs.dataframe_rows(results.locator(f"{bs.DATAFRAME}:has([role='columnheader']:has-text('Status'))"))
        logs = [replica_a.log_path.read_text(errors="replace"), replica_b.log_path.read_text(errors="replace")]
    context.close()

    codes = [w.returncode for w in writers]
    assert codes == [0, 0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs[:2]]
    store = Store(team_db, read_only=True)
    for report in reports:
        assert report["status"] == "completed" and report["requests"] == 2 * PER_LEVEL
        assert not [n for n in report["notes"] if any(word in n.lower() for word in LOCK_WORDS)], report["notes"]
        assert len(store.run_requests(report["run_id"])) == 2 * PER_LEVEL + 2  # 0 lost rows (and 2 warm-ups)
    refresh = json.loads(outputs[2][0])
    assert refresh["ok"], refresh
    assert {"OpenRouter", "models.dev"} <= set(store.price_sheets()["sheet_name"])
    all_stderr = "\n".join(err for _, err in outputs).lower()
    assert not any(word in all_stderr for word in LOCK_WORDS), all_stderr[-2000:]
    assert not errors, errors
    assert reruns >= len(tabs)
    assert all("Traceback" not in log for log in logs), [log[-3000:] for log in logs]
    assert all(any(r["run_id"] in row and "completed" in row for row in history) for r in reports), history
