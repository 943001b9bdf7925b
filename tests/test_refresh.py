"""Refreshing sources against a real HTTP server on 127.0.0.1 serving the fixture files and broken variants of them.

No test touches the internet. Every broken file must leave the store exactly as it was, with a clear message.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from pricing.sources import refresh as refreshing
from pricing.sources.registry import SOURCES
from pricing.store import Store
from pricing.store.schema import TABLE_NAMES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refresh"
AA_KEY = "aa-test-key-7f3c9e"
FILES = {
    "litellm": "litellm_map.json",
    "models-dev": "models_dev_api.json",
    "openrouter": "openrouter_models.json",
    "lmarena": "lmarena_text.csv",
    "llm-stats": "llmstats_benchmarks_long.csv",
    "epoch": "epoch_benchmarks_runs.csv",
    "artificial-analysis": "aa_models.json",
    "epoch-mmlu": "epoch_external_benchmark_mmlu.csv",
    "epoch-gsm8k": "epoch_external_benchmark_gsm8k.csv",
    "epoch-livebench": "epoch_external_benchmark_livebench.csv",
    "epoch-aider": "epoch_external_benchmark_aider_polyglot.csv",
}


@dataclass
class Route:
    """What the fixture server answers on one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    delay_s: float = 0.0
    redirect_to: str | None = None
    needs_key: str | None = None


@dataclass
class FixtureServer:
    """A real HTTP server on 127.0.0.1 whose routes a test sets."""

    routes: dict[str, Route] = field(default_factory=dict)
    seen_keys: list[str] = field(default_factory=list)
    base_url: str = ""
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def _handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            del format, args

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            route = server.routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            if route.delay_s:
                server.stop.wait(route.delay_s)
            if route.redirect_to is not None:
                self.send_response(302)
                self.send_header("Location", route.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.needs_key is not None:
                key = self.headers.get("x-api-key")
                server.seen_keys.append(key or "")
                if key != route.needs_key:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

    return Handler


@pytest.fixture()
def fixture_server() -> Iterator[FixtureServer]:
    server = FixtureServer()
    for name, file_name in FILES.items():
        server.routes[f"/{name}"] = Route(
            body=(FIXTURES / file_name).read_bytes(),
            content_type="text/csv" if file_name.endswith(".csv") else "application/json",
            needs_key=AA_KEY if name == "artificial-analysis" else None,
        )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stop.set()
    httpd.shutdown()
    httpd.server_close()


def _env(server: FixtureServer, **extra: str) -> dict[str, str]:
    """Every source pointed at the fixture server, as FRONTIER_SOURCE_URL_<NAME> would in the app's environment."""
    env = {source.env_name: server.url(f"/{source.name}") for source in SOURCES}
    env["FRONTIER_AA_API_KEY"] = AA_KEY
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def _contents(store: Store) -> dict[str, object]:
    """Every table's row count and the refreshed tables' rows, to compare a store before and after."""
    state: dict[str, object] = {table: store.count(table) for table in sorted(TABLE_NAMES)}
    for sheet in store.price_sheets()["sheet_name"]:
        state[f"prices:{sheet}"] = store.current_prices(str(sheet)).to_csv()
    state["sheets"] = store.price_sheets().drop(columns=["loaded_at"]).to_csv()
    state["scores"] = store.scores().to_csv()
    state["models"] = store.models().to_csv()
    state["aliases"] = store.aliases().to_csv()
    state["api_performance"] = store.api_performance().to_csv()
    state["snapshots"] = store.source_snapshots().to_csv()
    state["changes"] = store.refresh_changes(dt.datetime(2000, 1, 1)).to_csv()
    return state


@pytest.fixture()
def seeded_store(backend_seeded_store: Store) -> Store:
    """Here every refresh of a store runs on both backends: a DuckDB file and a Postgres database."""
    return backend_seeded_store


@pytest.fixture()
def refreshed_store(seeded_store: Store, fixture_server: FixtureServer) -> Store:
    """The seeded store after one forced refresh of every source from the fixture server (the baseline)."""
    report = refreshing.refresh(seeded_store, refreshing.RefreshRequest(force=True), env=_env(fixture_server))
    assert report.ok, [o.message for o in report.outcomes]
    return seeded_store


def test_refresh_loads_every_source_from_its_link(refreshed_store: Store, fixture_server: FixtureServer) -> None:
    snapshots = refreshed_store.source_snapshots()
    assert sorted(snapshots["source_name"]) == sorted(FILES)
    by_source = snapshots.set_index("source_name")
    assert by_source.loc["openrouter", "url"] == fixture_server.url("/openrouter")
    assert len(by_source.loc["openrouter", "content_sha256"]) == 64
    sheets = set(refreshed_store.price_sheets()["sheet_name"])
    assert {"models.dev", "OpenRouter", "Artificial Analysis"} <= sheets
    openrouter = refreshed_store.current_prices("OpenRouter").set_index("model_key")
    assert openrouter.loc["openai/gpt-4o", "usd_per_1m_input"] == pytest.approx(2.5e-06 * 1e6)
    assert "openrouter/auto" not in openrouter.index  # "-1": priced by the model it routes to
    aa = refreshed_store.scores("aa_intelligence_index").set_index("model_id")
    assert aa.loc["o3", "score"] == pytest.approx(65.5)
    assert aa.loc["o3", "source"] == "Artificial Analysis (artificialanalysis.ai)"
    speed = refreshed_store.api_performance()
    o3 = speed[(speed["model_id"] == "o3") & (speed["provider"] == "Artificial Analysis median")].iloc[0]
    assert o3["ttft_ms"] == pytest.approx(11.8 * 1000)
    arena = refreshed_store.scores("arena_elo")
    assert len(arena[arena["source"] == "LMArena"]) == 40
    assert set(arena[arena["source"] == "LMArena"]["as_of"].astype(str)) == {dt.date.today().isoformat()}


def test_the_key_goes_only_into_the_header(
    seeded_store: Store, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    request = refreshing.RefreshRequest(sources=("artificial-analysis",))
    report = refreshing.refresh(seeded_store, request, env=_env(fixture_server))
    assert report.ok and fixture_server.seen_keys == [AA_KEY]
    assert AA_KEY not in json.dumps([o.as_dict() for o in report.outcomes], default=str)
    assert all(AA_KEY not in str(value) for value in _contents(seeded_store).values())


def test_a_named_source_without_its_key_fails_saying_which_variable(
    seeded_store: Store, fixture_server: FixtureServer
) -> None:
    env = _env(fixture_server)
    del env["FRONTIER_AA_API_KEY"]
    before = _contents(seeded_store)
    report = refreshing.refresh(seeded_store, refreshing.RefreshRequest(sources=("artificial-analysis",)), env=env)
    assert report.outcomes[0].status == refreshing.FAILED
    assert "FRONTIER_AA_API_KEY" in report.outcomes[0].message
    assert _contents(seeded_store) == before
    everything = refreshing.refresh(seeded_store, refreshing.RefreshRequest(sources=()), env=env)
    statuses = {o.source: o.status for o in everything.outcomes}
    assert statuses["artificial-analysis"] == refreshing.SKIPPED


def test_a_second_identical_refresh_writes_no_rows(refreshed_store: Store, fixture_server: FixtureServer) -> None:
    before = _contents(refreshed_store)
    report = refreshing.refresh(refreshed_store, refreshing.RefreshRequest(), env=_env(fixture_server))
    assert {o.status for o in report.outcomes} == {refreshing.UNCHANGED}
    assert _contents(refreshed_store) == before


def test_a_first_refresh_that_would_drop_most_of_a_source_is_refused(
    seeded_store: Store, fixture_server: FixtureServer
) -> None:
    before = _contents(seeded_store)
    report = refreshing.refresh(seeded_store, refreshing.RefreshRequest(sources=("lmarena",)), env=_env(fixture_server))
    outcome = report.outcomes[0]
    assert outcome.status == refreshing.REFUSED
    assert "would remove" in outcome.message and "--force" in outcome.message
    assert _contents(seeded_store) == before


def _html_page() -> Route:
    return Route(b"<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>", content_type="text/html")


def _scaled_openrouter(factor: float) -> bytes:
    data = json.loads((FIXTURES / "openrouter_models.json").read_bytes())
    for item in data["data"]:
        if item["pricing"]["prompt"] != "-1":
            item["pricing"]["prompt"] = f"{float(item['pricing']['prompt']) * factor:.10g}"
            item["pricing"]["completion"] = f"{float(item['pricing']['completion']) * factor:.10g}"
    return json.dumps(data).encode()


def _fixture_csv(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


BROKEN: dict[str, tuple[str, Route, str, str]] = {
    "truncated JSON": (
        "openrouter",
        Route((FIXTURES / "openrouter_models.json").read_bytes()[:1500]),
        refreshing.FAILED,
        "not valid JSON",
    ),
    "HTML error page with 200": ("models-dev", _html_page(), refreshing.FAILED, "HTML page"),
    "empty list": ("openrouter", Route(b'{"data": []}'), refreshing.FAILED, "empty list"),
    "renamed column": (
        "lmarena",
        Route(
            (FIXTURES / "lmarena_text.csv").read_bytes().replace(b"arena_score", b"score", 1), content_type="text/csv"
        ),
        refreshing.FAILED,
        "lacks column(s) arena_score",
    ),
    "prices 100x off": ("openrouter", Route(_scaled_openrouter(100)), refreshing.REFUSED, "by over 10x"),
    "HTTP 500": ("litellm", Route(b"oops", status=500), refreshing.FAILED, "answered HTTP 500"),
    "timeout": ("epoch", Route(b"task\n", delay_s=5.0), refreshing.FAILED, "did not answer within"),
    "redirect loop": ("llm-stats", Route(redirect_to="/llm-stats"), refreshing.FAILED, "redirect loop"),
    "Epoch external: renamed column": (
        "epoch-mmlu",
        Route(_fixture_csv("epoch_external_benchmark_mmlu.csv").replace(b",EM,", b",Exact match,", 1)),
        refreshing.FAILED,
        "external_benchmark_mmlu.csv from http://127.0.0.1",
    ),
    "Epoch external: score out of range": (
        "epoch-aider",
        Route(_fixture_csv("epoch_external_benchmark_aider_polyglot.csv").replace(b",88.000,", b",880.000,", 1)),
        refreshing.FAILED,
        "external_benchmark_aider_polyglot.csv row 2, column Percent correct is 880, outside 0 to 100 percent",
    ),
    "Epoch external: score not a number": (
        "epoch-gsm8k",
        Route(_fixture_csv("epoch_external_benchmark_gsm8k.csv").replace(b",56.8%,", b",n/a%,", 1)),
        refreshing.FAILED,
        "row 2, column EM is 'n/a', not a number",
    ),
    "Epoch external: HTML page with 200": ("epoch-livebench", _html_page(), refreshing.FAILED, "HTML page"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_source_leaves_the_store_exactly_as_it_was(
    case: str, refreshed_store: Store, fixture_server: FixtureServer
) -> None:
    name, route, status, words = BROKEN[case]
    fixture_server.routes[f"/{name}"] = route
    before = _contents(refreshed_store)
    env = _env(fixture_server, FRONTIER_FETCH_TIMEOUT_S="0.5")
    started = time.perf_counter()
    report = refreshing.refresh(refreshed_store, refreshing.RefreshRequest(sources=(name,)), env=env)
    outcome = report.outcomes[0]
    assert (outcome.status, outcome.source) == (status, name)
    assert words in outcome.message
    assert "Traceback" not in outcome.message and str(Path.home()) not in outcome.message
    assert _contents(refreshed_store) == before
    assert time.perf_counter() - started < 30


def test_a_failing_source_leaves_the_others_loaded(seeded_store: Store, fixture_server: FixtureServer) -> None:
    fixture_server.routes["/openrouter"] = Route(b"", status=503)
    request = refreshing.RefreshRequest(sources=("openrouter", "models-dev"))
    report = refreshing.refresh(seeded_store, request, env=_env(fixture_server))
    statuses = {o.source: o.status for o in report.outcomes}
    assert statuses == {"openrouter": refreshing.FAILED, "models-dev": refreshing.LOADED}
    assert [o.source for o in report.failed] == ["openrouter"]
    assert "models.dev" in set(seeded_store.price_sheets()["sheet_name"])
    assert "OpenRouter" not in set(seeded_store.price_sheets()["sheet_name"])


def test_the_diff_lists_known_changes_and_is_kept(refreshed_store: Store, fixture_server: FixtureServer) -> None:
    fixture_server.routes["/openrouter"] = Route((FIXTURES / "openrouter_models_v2.json").read_bytes())
    report = refreshing.refresh(
        refreshed_store, refreshing.RefreshRequest(sources=("openrouter",)), env=_env(fixture_server)
    )
    changes = report.outcomes[0].changes
    got = {(r.change, r.model_key, r.field if isinstance(r.field, str) else None) for r in changes.itertuples()}
    assert got == {
        ("new_model", "openai/gpt-5-mini", None),
        ("removed_model", "openai/o3-mini", None),
        ("price_cut", "openai/gpt-4o", "usd_per_1m_input"),
        ("price_rise", "deepseek/deepseek-chat", "usd_per_1m_output"),
    }
    cut = changes[changes["change"] == "price_cut"].iloc[0]
    assert (cut["old_value"], cut["new_value"]) == (pytest.approx(2.5), pytest.approx(1.25))
    assert cut["change_pct"] == pytest.approx(-50.0)
    rise = changes[changes["change"] == "price_rise"].iloc[0]
    assert rise["change_pct"] == pytest.approx(20.0)
    kept = refreshing.changes_since(refreshed_store, dt.date.today())
    assert {"price_cut", "price_rise", "removed_model"} <= set(kept[kept["source_name"] == "openrouter"]["change"])
    # the old price stays as history, the new one is in force from the refresh on
    history = refreshed_store.price_history("OpenRouter", "openai/gpt-4o")
    assert list(history["usd_per_1m_input"]) == [pytest.approx(2.5)] or len(history) == 1
    current = refreshed_store.current_prices("OpenRouter").set_index("model_key")
    assert current.loc["openai/gpt-4o", "usd_per_1m_input"] == pytest.approx(1.25)
    assert "openai/gpt-5-mini" in current.index


def test_a_dry_run_shows_the_diff_and_writes_nothing(refreshed_store: Store, fixture_server: FixtureServer) -> None:
    fixture_server.routes["/openrouter"] = Route((FIXTURES / "openrouter_models_v2.json").read_bytes())
    before = _contents(refreshed_store)
    request = refreshing.RefreshRequest(sources=("openrouter",), dry_run=True)
    outcome = refreshing.refresh(refreshed_store, request, env=_env(fixture_server)).outcomes[0]
    assert outcome.status == refreshing.CHECKED and len(outcome.changes) == 4
    assert _contents(refreshed_store) == before


def test_rows_that_join_no_model_are_reported_and_kept_as_spellings(
    seeded_store: Store, fixture_server: FixtureServer
) -> None:
    request = refreshing.RefreshRequest(sources=("artificial-analysis",))
    outcome = refreshing.refresh(seeded_store, request, env=_env(fixture_server)).outcomes[0]
    assert outcome.unjoined == ("deepseek/deepseek-v3-1",)
    refreshed_store = seeded_store
    snapshot = refreshed_store.source_snapshots().set_index("source_name")
    assert snapshot.loc["artificial-analysis", "rows_loaded"] > 0
    aliases = refreshed_store.aliases()
    aa = aliases[aliases["source"] == "artificial-analysis"].set_index("alias")
    assert aa.loc["openai/o3", "model_id"] == "o3"
    assert pd.isna(aa.loc["deepseek/deepseek-v3-1", "model_id"])  # identity refuses it (which V3 snapshot?)
    assert aa.loc["deepseek/deepseek-v3-1", "reason"]


def test_refresh_command_exit_codes_and_json(
    seeded_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pricing_cli: object
) -> None:
    import shutil

    db = tmp_path / "cli.duckdb"
    shutil.copy(seeded_db_file, db)
    monkeypatch.setenv("FRONTIER_DB", str(db))
    cli = pricing_cli  # type: ignore[assignment]
    ok = cli(["refresh", "--from-file", f"openrouter={FIXTURES / 'openrouter_models.json'}", "--json"])  # type: ignore[operator]
    assert ok.returncode == 0, ok.stderr
    payload = json.loads(ok.stdout)
    assert payload["ok"] and payload["sources"][0]["summary"]["new_model"] == 15
    assert payload["sources"][0]["origin"] == "file:openrouter_models.json"
    assert str(FIXTURES) not in ok.stdout
    again = cli(["refresh", "--from-file", f"openrouter={FIXTURES / 'openrouter_models.json'}"])  # type: ignore[operator]
    assert again.returncode == 0 and "[unchanged]" in again.stdout
    broken = tmp_path / "models.json"
    broken.write_text('{"data": [')
    failed = cli(["refresh", "--from-file", f"openrouter={broken}"])  # type: ignore[operator]
    assert failed.returncode == 3
    assert "not valid JSON" in failed.stderr and str(tmp_path) not in failed.stderr
    unknown = cli(["refresh", "--source", "nowhere"])  # type: ignore[operator]
    assert unknown.returncode == 2 and "known sources: litellm" in unknown.stderr
    changes = cli(["changes", "--since", dt.date.today().isoformat(), "--json"])  # type: ignore[operator]
    assert changes.returncode == 0
    assert {row["source_name"] for row in json.loads(changes.stdout)["changes"]} == {"openrouter"}
    bad_date = cli(["changes", "--since", "last month"])  # type: ignore[operator]
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr


def test_a_refreshed_litellm_price_is_what_costs_are_billed_at(seeded_store: Store, tmp_path: Path) -> None:
    from pricing import service
    from pricing.cost import Usage
    from pricing.litellm_prices import BUNDLED_SHEET_NAME

    cost_map = json.loads((FIXTURES / "litellm_map.json").read_bytes())
    old_usd_per_token = cost_map["gpt-4o"]["input_cost_per_token"]
    cost_map["gpt-4o"]["input_cost_per_token"] = old_usd_per_token / 2
    changed = tmp_path / "model_prices_and_context_window.json"
    changed.write_text(json.dumps(cost_map))
    usage = Usage(input_tokens=1_000_000, output_tokens=0)
    pricer, _ = service.pricer_for(seeded_store, BUNDLED_SHEET_NAME)
    assert pricer.cost_usd("gpt-4o", usage) == pytest.approx(old_usd_per_token * 1e6)
    # the subset map would leave most of the sheet's keys unseen, so it is forced
    request = refreshing.RefreshRequest(files={"litellm": changed}, force=True)
    assert refreshing.refresh(seeded_store, request, env={}).ok
    pricer, _ = service.pricer_for(seeded_store, BUNDLED_SHEET_NAME)
    assert pricer.cost_usd("gpt-4o", usage) == pytest.approx(old_usd_per_token / 2 * 1e6)
    assert pricer.cost_usd("gpt-4o-mini", usage) == pytest.approx(cost_map["gpt-4o-mini"]["input_cost_per_token"] * 1e6)


@pytest.mark.usefixtures("app_db")
def test_home_update_data_panel_refreshes_a_source_and_shows_its_diff(
    fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    for name, value in _env(fixture_server).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="home_refresh_openrouter").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("OpenRouter: loaded 15 rows" in s.value for s in at.success)
    assert any(getattr(d, "key", None) == "home_refresh_history" for d in at.dataframe) or len(at.dataframe) >= 3
    fixture_server.routes["/openrouter"] = Route((FIXTURES / "openrouter_models_v2.json").read_bytes())
    at.button(key="home_refresh_openrouter").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("1 price cut" in s.value and "1 price rise" in s.value for s in at.success)
    diff_tables = [d.value for d in at.dataframe if "change_pct" in d.value.columns]
    assert diff_tables and set(diff_tables[0]["change"]) == {"new model", "removed model", "price cut", "price rise"}


def test_an_epoch_external_file_replaces_only_its_own_benchmark_and_shows_a_changed_score(
    refreshed_store: Store, fixture_server: FixtureServer
) -> None:
    def epoch_external(benchmark_id: str) -> pd.DataFrame:
        scores = refreshed_store.scores(benchmark_id)
        return scores[scores["source"].str.startswith("Epoch AI (external: ")].reset_index(drop=True)

    loaded = epoch_external("gsm8k")
    assert loaded["source"].nunique() == 3  # HELM, Gemma's and Nemotron-4's reports: one file, three sources
    assert set(pd.to_datetime(loaded["as_of"]).dt.date) == {dt.date.today()}  # dated by the refresh
    helm = loaded[loaded["raw_model_name"] == "code-davinci-002"].iloc[0]
    assert (helm["source"], helm["score"]) == ("Epoch AI (external: HELM)", pytest.approx(56.8))
    assert helm["source_url"] == "https://crfm.stanford.edu/helm/classic/latest/#/groups/gsm"  # the report's link
    mmlu, history = epoch_external("mmlu"), refreshed_store.count("score_history")
    changed = _fixture_csv("epoch_external_benchmark_gsm8k.csv").replace(b",56.8%,", b",60.1%,", 1)
    fixture_server.routes["/epoch-gsm8k"] = Route(changed, content_type="text/csv")
    report = refreshing.refresh(
        refreshed_store, refreshing.RefreshRequest(sources=("epoch-gsm8k",)), env=_env(fixture_server)
    )
    outcome = report.outcomes[0]
    assert outcome.status == refreshing.LOADED, outcome.message
    assert list(outcome.changes["change"]) == ["score_change"]
    change = outcome.changes.iloc[0]
    assert (change["model_key"], change["field"]) == ("code-davinci-002", "gsm8k")
    assert (change["old_value"], change["new_value"]) == (pytest.approx(56.8), pytest.approx(60.1))
    assert change["change_pct"] == pytest.approx((60.1 - 56.8) / 56.8 * 100)
    after = epoch_external("gsm8k")
    assert len(after) == len(loaded)
    assert after.loc[after["raw_model_name"] == "code-davinci-002", "score"].iloc[0] == pytest.approx(60.1)
    pd.testing.assert_frame_equal(epoch_external("mmlu"), mmlu)  # the other files' rows share the prefix, untouched
    assert refreshed_store.count("score_history") == history + len(after)


def test_each_epoch_external_file_is_dated_by_its_own_refresh(
    seeded_store: Store, fixture_server: FixtureServer
) -> None:
    request = refreshing.RefreshRequest(sources=("epoch-mmlu",), force=True)  # a 12-row cut of 246 rows: forced
    assert refreshing.refresh(seeded_store, request, env=_env(fixture_server)).ok
    status = refreshing.source_status(seeded_store).set_index("source")
    assert status.loc["epoch-mmlu", "as_of"] == dt.date.today()
    assert status.loc["epoch-gsm8k", "as_of"] == dt.date(2025, 11, 17)  # the shipped snapshot's date, still
    assert "CC BY 4.0" in status.loc["epoch-aider", "credit"]


def test_an_unforced_epoch_external_cut_of_the_shipped_file_is_refused(
    seeded_store: Store, fixture_server: FixtureServer
) -> None:
    before = _contents(seeded_store)
    report = refreshing.refresh(
        seeded_store, refreshing.RefreshRequest(sources=("epoch-gsm8k",)), env=_env(fixture_server)
    )
    assert report.outcomes[0].status == refreshing.REFUSED
    assert "would remove" in report.outcomes[0].message
    assert _contents(seeded_store) == before
