"""Every page through Streamlit's AppTest, started from app.py, against a private seeded database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.usefixtures("app_db")
def test_home_shows_counts_coverage_and_frontier() -> None:
    at = open_page()
    assert at.title[0].value == "Frontier"
    assert int(metric(at, "Priced offers").replace(",", "")) > 3000
    assert "%" in metric(at, "Priced and scored")
    assert any("on the frontier" in m.value for m in at.markdown)
    assert not at.error


@pytest.mark.usefixtures("app_db")
def test_explorer_switches_metric_cost_basis_and_filters() -> None:
    at = open_page("views/explorer.py")
    assert int(metric(at, "On the frontier")) >= 1
    assert len(at.dataframe) == 1
    at.selectbox(key="explorer_metric").set_value("gpqa_diamond").run()
    assert not at.exception
    assert at.query_params["metric"] == ["gpqa_diamond"] or at.query_params["metric"] == "gpqa_diamond"
    at.radio(key="explorer_cost_kind").set_value("task").run()
    assert not at.exception
    at.number_input(key="explorer_output_tokens").set_value(2000).run()
    at.toggle(key="explorer_open_weights").set_value(True).run()
    assert not at.exception
    frontier = at.dataframe[0].value
    assert frontier["open_weights"].fillna(False).all()


@pytest.mark.usefixtures("app_db")
def test_explorer_with_impossible_filter_explains_instead_of_failing() -> None:
    at = open_page("views/explorer.py")
    at.number_input(key="explorer_max_cost").set_value(0.0000001).run()
    assert not at.exception
    assert any("No model has both a price and a score" in w.value for w in at.warning)


@pytest.mark.usefixtures("app_db")
def test_catalogue_search_finds_aliases() -> None:
    at = open_page("views/catalogue.py")
    at.text_input(key="catalogue_search").set_value("llama 3.3 70b").run()
    assert not at.exception
    models = at.dataframe[0].value
    assert (models["model_id"] == "llama-3.3-70b-instruct").any()
    assert any("Join coverage" in c.value for c in at.caption)


@pytest.mark.usefixtures("app_db")
def test_costs_page_quotes_request_and_flags_unpriced_model() -> None:
    at = open_page("views/costs.py")
    assert metric(at, "Cost of this request (gpt-4o-mini)") == "$0.000525"  # 1500 x 0.15 + 500 x 0.6 per 1M
    at.text_input(key="costs_request_typed").set_value("nim/my-private-llama").run()
    assert not at.exception
    assert any("no price for nim/my-private-llama in sheet" in e.value for e in at.error)


@pytest.mark.usefixtures("app_db")
def test_costs_page_sets_a_deployment_price_used_for_quotes() -> None:
    at = open_page("views/costs.py")
    at.text_input(key="costs_deploy_key").set_value("nim/my-private-llama")
    at.number_input(key="costs_deploy_in").set_value(0.2)
    at.number_input(key="costs_deploy_out").set_value(0.4)
    submit = [b for b in at.button if b.label == "Save deployment price"][0]
    submit.click().run()
    assert not at.exception
    assert any("Saved the price of nim/my-private-llama" in s.value for s in at.success)
    at.text_input(key="costs_request_typed").set_value("nim/my-private-llama").run()
    assert metric(at, "Cost of this request (nim/my-private-llama)") == "$0.0005"  # 1500 x 0.2 + 500 x 0.4 per 1M


@pytest.mark.usefixtures("app_db")
def test_self_hosting_calculator_shows_realistic_best_case_and_busy_time() -> None:
    def usd(label: str) -> float:
        return float(metric(at, label).strip("$").replace(",", ""))

    at = open_page("views/costs.py")
    realistic = usd("Realistic (USD per 1M output tokens)")
    best = usd("Best case (USD per 1M output tokens)")
    busy = usd("Busy-time basis (USD per 1M output tokens)")
    assert realistic > best > busy
    assert any("peak hour 2x the average" in c.value for c in at.caption)
    at.slider(key="costs_self_util").set_value(100).run()
    assert metric(at, "Best case (USD per 1M output tokens)") == metric(
        at, "Busy-time basis (USD per 1M output tokens)"
    )
    at.radio(key="costs_self_kind").set_value("reserved").run()
    assert not at.exception
    assert any("reserved" in c.value for c in at.caption)


@pytest.mark.usefixtures("app_db")
def test_explorer_plots_quality_against_measured_speed_and_latency() -> None:
    at = open_page("views/explorer.py")
    at.radio(key="explorer_axis").set_value("output_tokens_per_s").run()
    assert not at.exception
    assert int(metric(at, "Provider offers with a measurement and a score").replace(",", "")) > 10
    table = at.dataframe[0].value
    assert table["output_tokens_per_s"].notna().all()
    at.radio(key="explorer_axis").set_value("ttft_ms").run()
    assert not at.exception


@pytest.mark.usefixtures("app_db")
def test_probes_page_adds_endpoint_runs_suite_and_shows_results() -> None:
    from evals import jobs
    from evals.loopback import LoopbackConfig, LoopbackServer
    from evals.suites import load_suite

    suite = load_suite("intent")
    answers = {item.prompt: str(item.expected) for item in suite.items}
    with LoopbackServer(LoopbackConfig(ttft_ms=5, answers=answers)) as server:
        at = open_page("views/probes.py")
        at.text_input(key="probes_new_name").set_value("loop")
        at.selectbox(key="probes_new_kind").set_value("openai-compatible")
        at.text_input(key="probes_new_model").set_value("test-model")
        at.text_input(key="probes_new_base").set_value(server.base_url)
        next(b for b in at.button if b.label == "Save endpoint").click().run()
        assert not at.exception and not at.error
        at.selectbox(key="probes_suite").set_value("intent").run()
        at.number_input(key="probes_requests_intent").set_value(len(suite.items)).run()
        at.multiselect(key="probes_levels").set_value([1, 4]).run()
        next(b for b in at.button if b.label == "Start run").click().run()
        assert not at.exception
        # The run is a thread of this process (AppTest runs the page here): wait for it to end, then the page's
        # next run finds it finished and says so.
        job = jobs.get(at.session_state["probes_active_run"])
        assert job is not None and job.thread is not None
        job.thread.join(timeout=120)
        assert not job.running, "the probe run did not finish within 120 s"
        at.run()
        assert any("completed" in s.value for s in at.success), [e.value for e in at.error]
        assert metric(at, "Pass rate on intent") == "100.0%"
        assert len(at.dataframe) >= 2 and not at.exception


@pytest.mark.usefixtures("app_db")
def test_probes_page_tests_a_connection_before_saving_and_prices_gpu_time() -> None:
    from evals.loopback import LoopbackConfig, LoopbackServer

    with LoopbackServer(LoopbackConfig(ttft_ms=5)) as server:
        at = open_page("views/probes.py")
        assert any("Add an endpoint on the Endpoints tab first" in i.value for i in at.info)
        at.text_input(key="probes_new_name").set_value("gpu-box")
        at.selectbox(key="probes_new_kind").set_value("openai-compatible")
        at.text_input(key="probes_new_model").set_value("test-model")
        at.text_input(key="probes_new_base").set_value(server.base_url)
        at.text_input(key="probes_new_gpu").set_value("H100 SXM")
        at.number_input(key="probes_new_gpus").set_value(2)
        at.number_input(key="probes_new_usd_gpu").set_value(3.0)
        next(b for b in at.button if b.label == "Test connection").click().run()
        assert not at.exception and not at.error
        assert any("reachable" in s.value and "not saved yet" in s.value for s in at.success)
        assert any("Add an endpoint on the Endpoints tab first" in i.value for i in at.info)  # still nothing saved
        next(b for b in at.button if b.label == "Save endpoint").click().run()
        assert not at.exception and not at.error
        # a self-hosted endpoint's run is priced by GPU time: 2 x $3.00 an hour is $0.10 a minute
        assert any("$0.1000 a minute" in m.value for m in at.markdown)


@pytest.mark.usefixtures("app_db")
def test_probes_page_rejects_bad_endpoint_and_malformed_suite() -> None:
    at = open_page("views/probes.py")
    at.text_input(key="probes_new_name").set_value("bad")
    at.selectbox(key="probes_new_kind").set_value("nim")
    at.text_input(key="probes_new_model").set_value("meta/llama")
    next(b for b in at.button if b.label == "Save endpoint").click().run()
    assert any("needs an api_base" in e.value for e in at.error)


@pytest.mark.usefixtures("app_db")
def test_an_empty_deployment_choice_stays_empty_through_the_link() -> None:
    """Emptying Deployment (whose default is both) is a choice the link keeps (`deploy=`), not the default."""
    at = open_page("views/explorer.py")
    at.multiselect(key="explorer_deployments").set_value([]).run()
    assert not at.exception
    assert at.query_params["deploy"] in ([""], "")
    shared = {name: at.query_params[name] for name in at.query_params}
    again = AppTest.from_file(APP, default_timeout=120)
    for name, value in shared.items():
        again.query_params[name] = value
    again.run()
    again.switch_page("views/explorer.py")
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert again.multiselect(key="explorer_deployments").value == []
