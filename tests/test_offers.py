"""Offers: never a silent $0, never a wild price, the maker's list price by default, prices dated by release.

Pure rules on small frames first, then every case of issue 10 section 2 on the real seeded store.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pricing import service
from pricing.__main__ import main
from pricing.candidates import CandidateOptions, build_candidates
from pricing.cost import UnpricedModelError, Usage
from pricing.litellm_prices import (
    BUNDLED_SHEET_NAME,
    LITELLM_VERSION,
    LitellmRelease,
    bundled_price_date,
    litellm_release,
)
from pricing.offers import (
    MAKER_PROVIDERS,
    RESELLER,
    OfferPrice,
    annotate_offers,
    base_model_id,
    choose_offers,
    maker_of,
    offer_label,
    outlier_reasons,
    usd_text,
)
from pricing.planning import service as planning
from pricing.report import document as report
from pricing.report.charts import frontier_figure
from pricing.store import Store
from pricing.usage import RequestRow, price_requests, resolve_model

APP = str(Path(__file__).resolve().parent.parent / "app.py")
GEMMA = "gemma-3-27b-it"
GEMMA_FREE_KEY = "gemini/gemma-3-27b-it"
GROK_OUTLIER_KEY = "oci/xai.grok-4-fast"
QWEN_OUTLIER_KEY = "openinfer/@oi/Qwen3.5-9B"


def test_outlier_reason_states_price_factor_median_and_count() -> None:
    others = [OfferPrice(0.10, 0.15), OfferPrice(0.09, 0.13), OfferPrice(0.17, 0.25)]
    reasons = outlier_reasons(OfferPrice(5.0, 0.15), others, "qwen3.5", [6.0, 1.5, 2.0])
    assert reasons[0] == "input $5.00/1M is 50x the median $0.10 of 3 other offers"  # 5.0 / 0.10
    assert reasons[1] == (
        "input $5.00/1M costs more than output $0.15/1M, while the median of 3 other qwen3.5 offers charges "
        "2.0x more for output"
    )


def test_outlier_compares_with_the_makers_list_price_when_there_is_one() -> None:
    maker = [OfferPrice(0.30, 2.50)]
    reasons = outlier_reasons(OfferPrice(0.30, 15.0), [OfferPrice(0.15, 0.60), *maker], "gemini-2.5", [], maker)
    assert reasons == ["output $15.00/1M is 6.0x the maker's list price $2.50"]  # 15 / 2.5
    # a reseller far below the maker is a different product or a promotion, not an outlier
    assert outlier_reasons(OfferPrice(0.15, 0.60), maker, "gemini-2.5", [], maker) == []


@pytest.mark.parametrize(
    ("offer", "others"),
    [
        (OfferPrice(5.0, 25.0), [OfferPrice(0.2, 0.5)]),  # one other offer: no telling which of the two is odd
        (OfferPrice(0.0, 0.0), [OfferPrice(0.2, 0.5)] * 3),  # a $0 free tier is labelled apart, never flagged
        (OfferPrice(1.0, 2.5), [OfferPrice(0.2, 0.5)] * 3),  # exactly 5x the median is not more than 5x
        (OfferPrice(0.2, 0.5), []),  # nothing to compare with
    ],
)
def test_outlier_edges_are_not_flagged(offer: OfferPrice, others: list[OfferPrice]) -> None:
    assert outlier_reasons(offer, others, "family", []) == []


def test_usd_text_keeps_cents() -> None:
    assert [usd_text(v) for v in (5.0, 0.1, 0.135, 25.0, 0.0375)] == ["$5.00", "$0.10", "$0.135", "$25.00", "$0.0375"]


def offers_frame() -> pd.DataFrame:
    rows = [  # model_id, provider, key, input, output, open weights
        ("gpt-4o-mini", "openai", "gpt-4o-mini", 0.15, 0.60, False),
        ("gpt-4o-mini", "azure", "azure/gpt-4o-mini", 0.15, 0.60, False),
        ("gpt-4o-mini", "cheapo", "cheapo/gpt-4o-mini", 0.05, 0.20, False),
        ("claude-x", "bedrock", "bedrock/claude-x", 15.0, 75.0, False),
        ("claude-x", "vertex", "vertex/claude-x", 15.0, 75.0, False),
        ("claude-x", "snowflake", "snowflake/claude-x", 5.0, 25.0, False),
        ("llama-3.3-70b-instruct", "host-a", "host-a/llama", 0.20, 0.60, True),
        ("llama-3.3-70b-instruct", "host-b", "host-b/llama", 0.60, 0.60, True),
        ("llama-3.3-70b-instruct", "free", "free/llama", 0.0, 0.0, True),
    ]
    frame = pd.DataFrame(
        rows, columns=["model_id", "provider", "model_key", "usd_per_1m_input", "usd_per_1m_output", "open_weights"]
    )
    return annotate_offers(frame).assign(cost_usd=lambda f: (3 * f["usd_per_1m_input"] + f["usd_per_1m_output"]) / 4)


def test_default_choice_is_the_maker_then_cheapest_host_then_median_reseller() -> None:
    chosen = choose_offers(offers_frame()).set_index("model_id")
    assert chosen.loc["gpt-4o-mini", "model_key"] == "gpt-4o-mini"  # the maker, though a reseller is cheaper
    assert chosen.loc["gpt-4o-mini", "offer_basis"] == "the maker's list price"
    assert chosen.loc["llama-3.3-70b-instruct", "model_key"] == "host-a/llama"  # open weights: cheapest host
    assert chosen.loc["claude-x", "usd_per_1m_input"] == 15.0  # the median reseller, not snowflake's third
    assert chosen.loc["claude-x", "offer_basis"] == "no offer from the maker: the median-priced of 3 resellers"


def test_cheapest_and_all_choices_never_pick_a_free_tier() -> None:
    cheapest = choose_offers(offers_frame(), "cheapest").set_index("model_id")
    assert cheapest.loc["gpt-4o-mini", "model_key"] == "cheapo/gpt-4o-mini"
    assert cheapest.loc["gpt-4o-mini", "offer_label"] == "via cheapo (reseller)"
    assert cheapest.loc["llama-3.3-70b-instruct", "model_key"] == "host-a/llama"
    every = choose_offers(offers_frame(), "all")
    assert len(every) == 8 and "free/llama" not in set(every["model_key"])
    with pytest.raises(ValueError, match="maker, cheapest, all"):
        choose_offers(offers_frame(), "lowest")


def test_offers_equally_cheap_go_to_the_maker() -> None:
    frame = offers_frame()
    frame = frame[frame["model_id"] == "gpt-4o-mini"].iloc[:2]  # openai and azure at the same price
    assert choose_offers(frame, "cheapest")["model_key"].tolist() == ["gpt-4o-mini"]


def test_maker_providers_name_each_makers_own_api() -> None:
    assert "openai" in MAKER_PROVIDERS["OpenAI"] and "gemini" in MAKER_PROVIDERS["Google"]
    assert base_model_id("grok-4-fast:reasoning") == "grok-4-fast"
    labels = annotate_offers(offers_frame()).set_index("model_key")["offer_label"]
    assert labels["gpt-4o-mini"] == "openai (maker's list price)"
    assert labels["free/llama"] == "free (free tier, $0)"
    assert offer_label(None, RESELLER) == "provider not stated"  # an uploaded sheet need not name its seller


def test_release_date_never_after_today() -> None:
    release = LitellmRelease("9.9.9", dt.date(2026, 11, 20), "test", "")
    assert bundled_price_date(dt.date(2026, 1, 1), release) == dt.date(2026, 1, 1)
    assert bundled_price_date(dt.date(2026, 12, 1), release) == dt.date(2026, 11, 20)
    assert bundled_price_date(dt.date(2026, 12, 1), None) == dt.date(2026, 12, 1)


def store_prices(store: Store) -> pd.DataFrame:
    return service.prices_with_deployments(store, service.default_sheet(store))


def offer(prices: pd.DataFrame, key: str) -> pd.Series:
    return prices.set_index("model_key").loc[key]


def test_bare_gemma_resolves_to_a_paid_offer_and_costs_more_than_zero(seeded_store: Store) -> None:
    sheet = service.default_sheet(seeded_store)
    prices = store_prices(seeded_store)
    assert offer(prices, GEMMA_FREE_KEY)["free_tier"]  # Google's own offer of gemma is a $0 free tier
    quote = service.quote_request(seeded_store, sheet, GEMMA, Usage(1_000_000, 1_000_000))
    assert quote.model_key != GEMMA_FREE_KEY and not quote.resolved.free_tier
    paid = prices[(prices["model_id"] == quote.price["model_id"]) & ~prices["free_tier"] & ~prices["price_flagged"]]
    cheapest = paid.loc[(3 * paid["usd_per_1m_input"] + paid["usd_per_1m_output"]).idxmin()]
    assert quote.model_key == cheapest["model_key"]  # open weights, no paid offer from Google: the cheapest host
    assert quote.cost_usd == pytest.approx(cheapest["usd_per_1m_input"] + cheapest["usd_per_1m_output"])
    assert quote.cost_usd > 0
    assert "cheapest host of the open weights" in quote.resolved.reason
    assert "free tier offer at $0 passed over" in quote.resolved.reason
    # the path `cost` and `project` take: resolve, then price with the sheet's pricer
    pricer, sheet_prices = service.pricer_for(seeded_store, sheet)
    rows = price_requests([RequestRow(2, GEMMA, Usage(1000, 1000))], pricer, sheet_prices, "log.csv")
    assert rows[0].cost_usd > 0 and not rows[0].free_tier


def test_naming_the_free_tier_key_costs_zero_and_says_free_tier(seeded_store: Store) -> None:
    sheet = service.default_sheet(seeded_store)
    quote = service.quote_request(seeded_store, sheet, GEMMA_FREE_KEY, Usage(1_000_000, 1_000_000))
    assert quote.cost_usd == 0.0
    assert quote.resolved.free_tier
    assert quote.resolved.offer_label == "gemini (free tier, $0)"
    assert "free tier" in quote.resolved.reason and "named" in quote.resolved.reason


def test_a_model_offered_only_at_zero_must_be_named_by_key(seeded_store: Store) -> None:
    prices = store_prices(seeded_store)
    paid_ids = set(prices.loc[~prices["free_tier"], "model_id"].dropna())
    free_only = prices[prices["free_tier"] & ~prices["model_id"].isin(paid_ids) & prices["model_id"].notna()]
    row = free_only.iloc[0]
    name = str(row["model_id"])
    assert name not in set(prices["model_key"])  # a bare name, not a key
    with pytest.raises(UnpricedModelError, match="offered only at \\$0 \\(free tier\\): name an offer by its key"):
        resolve_model(name, prices, "sheet")
    assert resolve_model(str(row["model_key"]), prices, "sheet").free_tier


@pytest.mark.parametrize("key", [GROK_OUTLIER_KEY, QWEN_OUTLIER_KEY])
def test_outlier_offers_are_flagged_with_their_factor(seeded_store: Store, key: str) -> None:
    prices = store_prices(seeded_store)
    row = offer(prices, key)
    assert row["price_flagged"]
    base = base_model_id(str(row["model_id"]))
    peers = prices[
        (prices["model_id"].fillna("").map(base_model_id) == base) & (prices["model_key"] != key) & ~prices["free_tier"]
    ]
    median = statistics.median(peers["usd_per_1m_input"])
    assert peers["offer_kind"].ne("maker").all()  # neither model is sold by its maker here: the median is the yardstick
    factor = row["usd_per_1m_input"] / median
    assert factor > 10  # 25x and 50x: written without decimals
    expected = f"input {usd_text(row['usd_per_1m_input'])}/1M is {factor:.0f}x the median {usd_text(median)} "
    assert str(row["price_flag_reason"]).startswith(expected + f"of {len(peers)} other offers")


def test_qwen_outlier_is_also_flagged_for_charging_more_for_input_than_output(seeded_store: Store) -> None:
    reason = str(offer(store_prices(seeded_store), QWEN_OUTLIER_KEY)["price_flag_reason"])
    assert "input $5.00/1M costs more than output $0.15/1M, while the median of" in reason


def test_flagged_offers_stay_off_the_default_frontier(seeded_store: Store) -> None:
    sheet = service.default_sheet(seeded_store)
    prices = store_prices(seeded_store)
    grok = str(offer(prices, GROK_OUTLIER_KEY)["model_id"])
    scores = seeded_store.scores()
    metric = str(scores.loc[scores["model_id"] == grok, "benchmark_id"].iloc[0])
    for choice in ("maker", "cheapest", "all"):
        result = service.frontier(seeded_store, metric, sheet, CandidateOptions(offers=choice))
        assert GROK_OUTLIER_KEY not in set(result.candidates["model_key"]), choice
        assert GROK_OUTLIER_KEY in set(result.left_off["model_key"])
    included = service.frontier(seeded_store, metric, sheet, CandidateOptions(offers="all", include_flagged=True))
    row = included.candidates.set_index("model_key").loc[GROK_OUTLIER_KEY]
    assert row["price_flagged"] and "25x the median" in row["price_flag_reason"]
    assert GROK_OUTLIER_KEY not in set(included.left_off["model_key"])


def test_qwen_outlier_stays_off_a_frontier_that_scores_it(seeded_store: Store) -> None:
    prices = store_prices(seeded_store)
    qwen = str(offer(prices, QWEN_OUTLIER_KEY)["model_id"])
    scores = pd.DataFrame(
        {"model_id": [qwen, "gpt-4o-mini"], "score": [50.0, 40.0], "self_reported": False, "source": "test",
         "as_of": dt.date(2026, 1, 1), "benchmark_id": "b", "raw_model_name": "x", "source_url": None}
    )  # fmt: skip
    models = seeded_store.models()
    for choice in ("maker", "cheapest", "all"):
        cands = build_candidates(prices, scores, models, CandidateOptions(offers=choice))
        assert qwen in set(cands["model_id"]) and QWEN_OUTLIER_KEY not in set(cands["model_key"])
    cands = build_candidates(prices, scores, models, CandidateOptions(offers="all", include_flagged=True))
    assert QWEN_OUTLIER_KEY in set(cands["model_key"])


def makers_offer(prices: pd.DataFrame, model_id: str) -> pd.Series:
    own = prices[(prices["model_id"] == model_id) & (prices["offer_kind"] == "maker")]
    assert not own.empty, f"{model_id} has no maker's offer in the seeded store"
    return own.iloc[0]


def claude_sold_by_anthropic(store: Store, prices: pd.DataFrame, metric: str) -> str:
    scored = set(store.scores(metric)["model_id"])
    anthropic = prices[(prices["provider"] == "anthropic") & prices["model_id"].isin(scored)]
    return str(anthropic["model_id"].sort_values().iloc[0])


def test_frontier_defaults_to_the_makers_list_price(seeded_store: Store) -> None:
    sheet = service.default_sheet(seeded_store)
    prices = store_prices(seeded_store)
    metric = "gpqa_diamond"
    models = ["gpt-4o-mini", "gemini-2.5-flash", claude_sold_by_anthropic(seeded_store, prices, metric)]
    result = service.frontier(seeded_store, metric, sheet, CandidateOptions())
    chosen = result.candidates.set_index("model_id")
    for model_id in models:
        maker = makers_offer(prices, model_id)
        row = chosen.loc[model_id]
        assert row["offer_kind"] == "maker", model_id
        assert row["provider"] in MAKER_PROVIDERS[str(maker_of(model_id))]
        assert (row["usd_per_1m_input"], row["usd_per_1m_output"]) == (
            maker["usd_per_1m_input"],
            maker["usd_per_1m_output"],
        )
        assert row["offer_label"].endswith("(maker's list price)")


def test_gemini_flash_via_a_cheaper_reseller_only_when_asked_and_labelled(seeded_store: Store) -> None:
    sheet = service.default_sheet(seeded_store)
    default = service.frontier(seeded_store, "gpqa_diamond", sheet, CandidateOptions()).candidates
    flash = default.set_index("model_id").loc["gemini-2.5-flash"]
    assert (flash["usd_per_1m_input"], flash["usd_per_1m_output"]) == (0.30, 2.50)
    cheapest = service.frontier(seeded_store, "gpqa_diamond", sheet, CandidateOptions(offers="cheapest")).candidates
    cheap = cheapest.set_index("model_id").loc["gemini-2.5-flash"]
    assert cheap["usd_per_1m_output"] < 2.50
    assert cheap["offer_label"] == f"via {cheap['provider']} (reseller)"


def test_claude_opus_4_without_anthropics_offer_is_not_priced_at_snowflakes_third(seeded_store: Store) -> None:
    prices = store_prices(seeded_store)
    quote = resolve_model("claude-opus-4", prices, "sheet")
    row = offer(prices, quote.model_key)
    assert row["provider"] != "snowflake"
    assert (row["usd_per_1m_input"], row["usd_per_1m_output"]) == (15.0, 75.0)


def test_a_bare_name_passes_over_a_flagged_price(seeded_store: Store) -> None:
    prices = store_prices(seeded_store)
    model_id = str(offer(prices, GROK_OUTLIER_KEY)["model_id"])
    resolved = resolve_model(model_id, prices, "sheet")
    assert resolved.model_key != GROK_OUTLIER_KEY and not resolved.price_flag_reason
    assert offer(prices, resolved.model_key)["usd_per_1m_output"] < 1.0  # not OCI's $25


def test_bundled_prices_are_dated_by_the_litellm_release(seeded_store: Store) -> None:
    release = litellm_release(LITELLM_VERSION)
    assert release is not None and release.release_date == dt.date(2026, 11, 20)
    sheets = seeded_store.price_sheets().set_index("sheet_name")
    as_of = pd.Timestamp(sheets.loc[BUNDLED_SHEET_NAME, "as_of"]).date()
    assert as_of == bundled_price_date(dt.date.today(), release)
    assert "release of litellm" in str(sheets.loc[BUNDLED_SHEET_NAME, "note"])
    prices = seeded_store.current_prices(BUNDLED_SHEET_NAME)
    assert len(prices) > 3000  # the price in force today: effective_date <= today still finds every price
    assert set(pd.to_datetime(prices["effective_date"]).dt.date) == {as_of}
    before = seeded_store.current_prices(BUNDLED_SHEET_NAME, as_of - dt.timedelta(days=1))
    assert before.empty  # before the release, litellm had not shipped these prices


def test_staleness_counts_from_the_release_not_the_seed_day(seeded_store: Store) -> None:
    sheet = service.default_sheet(seeded_store)
    as_of = pd.Timestamp(seeded_store.price_sheets().set_index("sheet_name").loc[sheet, "as_of"]).date()
    fresh = service.frontier(seeded_store, "gpqa_diamond", sheet, CandidateOptions(today=as_of + dt.timedelta(30)))
    assert not fresh.candidates["price_stale"].any()
    old = service.frontier(seeded_store, "gpqa_diamond", sheet, CandidateOptions(today=as_of + dt.timedelta(181)))
    assert old.candidates["price_stale"].all()


def test_hover_says_who_sells_each_offer_and_why_a_price_is_flagged(seeded_store: Store) -> None:
    sheet = service.default_sheet(seeded_store)
    result = service.frontier(seeded_store, "gpqa_diamond", sheet, CandidateOptions(offers="all", include_flagged=True))
    figure = frontier_figure(result.candidates, result.metric, result.cost_metric)
    hovers = [
        " | ".join(map(str, row)) for trace in figure.data if trace.customdata is not None for row in trace.customdata
    ]
    assert any(
        "via oci (reseller)" in h and GROK_OUTLIER_KEY in h and "Price flagged: input $5.00/1M is 25x" in h
        for h in hovers
    )
    assert any("openai (maker's list price)" in h for h in hovers)


def test_pdf_names_the_offer_behind_each_price_and_lists_flagged_prices(seeded_store: Store, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:  # pragma: no cover - depends on the machine
        pytest.fail("pdftotext not found: run `apt-get install poppler-utils`", pytrace=False)
    sheet = service.default_sheet(seeded_store)
    options = tuple(planning.api_option(seeded_store, sheet, name) for name in ("gpt-4o-mini", GEMMA_FREE_KEY, GEMMA))
    inputs = planning.build_inputs(None, options, 24, "constant", 0.02, base_output_tokens=5e8)
    scenario = planning.Scenario("Offers", inputs, uncertainty=planning.Uncertainty(n_paths=200))
    path = tmp_path / "report.pdf"
    path.write_bytes(
        report.render_pdf(report.gather(seeded_store, report.ReportRequest(scenario, metric_id="gpqa_diamond")))
    )
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True).stdout
    words = " ".join(text.decode("utf-8").split())
    assert "gemini (free tier, $0)" in words  # the free tier was named, and the options table says so
    assert "(maker's list price)" in words and "(reseller)" in words
    assert "Offers left off: flagged prices" in words and GROK_OUTLIER_KEY in words
    assert "is 25x the median $0.20 of 2 other offers" in words


def test_cost_prices_a_bare_name_paid_and_a_named_free_tier_at_zero(
    app_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f"model,input_tokens,output_tokens\n{GEMMA},1000,1000\n{GEMMA_FREE_KEY},1000,1000\n")
    assert main(["cost", "--requests", str(log), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    bare, named = payload["rows"]
    assert bare["cost_usd"] > 0 and not bare["free_tier"] and bare["model_key"] != GEMMA_FREE_KEY
    assert named["cost_usd"] == 0 and named["free_tier"] and "free tier" in named["offer"]
    reasons = {r["name"]: r["reason"] for r in payload["resolved"]}
    assert "cheapest host of the open weights" in reasons[GEMMA]
    assert "maker's own list price" in payload["resolution_rule"]
    assert main(["cost", "--requests", str(log)]) == 0
    text = capsys.readouterr().out
    assert f"{GEMMA_FREE_KEY} [free tier]" in text
    assert f"{GEMMA} -> {bare['model_key']}" in text and "Offers used" in text


def test_frontier_cli_offer_choices_and_flagged_prices(app_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["frontier", "--metric", "gpqa_diamond", "--api-only", "--json"]
    assert main(args) == 0
    default = json.loads(capsys.readouterr().out)
    assert default["offers"] == "maker" and not default["include_flagged"]
    by_model = {c["model_id"]: c for c in default["candidates"]}
    assert by_model["gpt-4o-mini"]["offer_kind"] == "maker"
    assert GROK_OUTLIER_KEY in {o["model_key"] for o in default["left_off"]}
    assert main([*args, "--all-offers"]) == 0
    alias = json.loads(capsys.readouterr().out)
    assert main([*args, "--offers", "all"]) == 0
    assert alias["candidates"] == json.loads(capsys.readouterr().out)["candidates"]
    assert len(alias["candidates"]) > len(default["candidates"])
    assert main([*args, "--offers", "all", "--include-flagged"]) == 0
    flagged = [c for c in json.loads(capsys.readouterr().out)["candidates"] if c["price_flagged"]]
    assert GROK_OUTLIER_KEY in {c["model_key"] for c in flagged}
    assert all(c["price_flag_reason"] for c in flagged)
    assert main(["frontier", "--metric", "gpqa_diamond", "--api-only"]) == 0
    text = capsys.readouterr().out
    assert "Offers: the maker's list price per model (maker)" in text
    assert "(maker's list price)" in text and "free tier offers at $0 left off" in text


def open_explorer() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/explorer.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.usefixtures("app_db")
def test_explorer_offer_choice_labels_offers_and_travels_in_the_url() -> None:
    at = open_explorer()
    assert at.radio(key="explorer_offers").value == "maker"
    table = at.dataframe[0].value
    assert table["offer_label"].str.contains(r"\(maker's list price\)|\(reseller\)|self-hosted").all()
    assert any("Offers left off" in e.label for e in at.expander)
    assert any("free-tier ($0) offers are never plotted" in c.value for c in at.caption)
    at.radio(key="explorer_offers").set_value("all").run()
    at.toggle(key="explorer_include_flagged").set_value(True).run()
    assert not at.exception
    assert at.query_params["offers"] in (["all"], "all")
    assert at.query_params["flagged"] in (["1"], "1")
    assert any("are included and marked" in c.value for c in at.caption)
