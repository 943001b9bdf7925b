"""`python -m pricing quotes` on a real database file: sheets side by side with their terms; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliCall

USAGE = """month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2026-10-01,support,100000,100000000,20000000,40000000
2026-11-01,support,100000,100000000,20000000,40000000
2026-11-01,search,50000,50000000,5000000,0
"""
SHEET = """model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date
gpt-4o,2.0,8.0,1.0,2026-01-01
gpt-4o-mini,0.12,0.5,,2026-01-01
"""
TERMS = """["Vendor A"]
valid_from = 2026-01-01
valid_until = 2099-06-30
committed_usd_per_month = 500
tiers = [{min_usd_per_month = 1000, discount_pct = 5}]
requests_per_minute = 500
uptime_pct = 99.9
support_tier = "enterprise"
residency = "EU"
"""


@pytest.fixture()
def files(app_db: Path, tmp_path: Path, pricing_cli: CliCall) -> Path:
    (tmp_path / "usage.csv").write_text(USAGE, encoding="utf-8")
    (tmp_path / "a.csv").write_text(SHEET, encoding="utf-8")
    (tmp_path / "terms.toml").write_text(TERMS, encoding="utf-8")
    assert pricing_cli(["upload-sheet", "--file", str(tmp_path / "a.csv"), "--name", "Vendor A"]).returncode == 0
    return tmp_path


def _quotes(files: Path, *extra: str) -> list[str]:
    return [
        "quotes",
        "--usage",
        str(files / "usage.csv"),
        "--sheet",
        "Vendor A",
        "--model",
        "gpt-4o",
        "--model",
        "search=gpt-4o-mini",
        *extra,
    ]


def test_quotes_json_prices_both_workloads_with_the_commitment_shortfall(files: Path, pricing_cli: CliCall) -> None:
    result = pricing_cli(_quotes(files, "--terms", str(files / "terms.toml"), "--json", "--save-terms"))
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    spend = {(row["workload"], row["sheet_name"]): row["usd"] for row in payload["spend"]}
    assert spend[("support", "Vendor A")] == pytest.approx(36 * (60 * 2.0 + 40 * 1.0 + 20 * 8.0))
    assert spend[("search", "Vendor A")] == pytest.approx(36 * (50 * 0.12 + 5 * 0.5))  # no cache price, no cache
    vendor = next(row for row in payload["sheets"] if row["sheet_name"] == "Vendor A")
    month_usd = 60 * 2.0 + 40 * 1.0 + 20 * 8.0 + 50 * 0.12 + 5 * 0.5
    assert vendor["commitment_shortfall_usd"] == pytest.approx(36 * (500 - month_usd))
    assert vendor["next_tier_gap_usd_per_month"] == pytest.approx(1000 - month_usd)
    assert vendor["status"] == "valid"
    assert {row["workload"]: row["sheet_name"] for row in payload["cheapest"]} == {
        "search": "Vendor A",
        "support": "Vendor A",
    }
    assert payload["terms_saved"] == ["Vendor A"]
    # saved terms are used next time without --terms
    again = json.loads(pricing_cli(_quotes(files, "--json")).stdout)
    assert next(r for r in again["sheets"] if r["sheet_name"] == "Vendor A")["committed_usd_per_month"] == 500


def test_quotes_text_flags_an_expired_quote(files: Path, pricing_cli: CliCall) -> None:
    (files / "old.json").write_text('{"Vendor A": {"valid_until": "2020-01-31"}}', encoding="utf-8")
    result = pricing_cli(_quotes(files, "--terms", str(files / "old.json")))
    assert result.returncode == 0, result.stderr
    assert "expired" in result.stdout
    assert "Vendor A expired on 2020-01-31" in result.stdout


@pytest.mark.parametrize(
    ("extra", "terms", "message"),
    [
        (["--sheet", "No such sheet"], None, "no price sheet named 'No such sheet'"),
        (["--model", "chat=gpt-4o"], None, "no workload 'chat' in the usage"),
        (["--terms", "{files}/missing.toml"], None, "no such file (--terms)"),
        (["--terms", "{files}/t.toml"], '["Vendor A"]\nvalid_until = "soon"\n', "t.toml: [Vendor A].valid_until"),
        (["--terms", "{files}/t.toml"], '["Vendor A"]\nvalid_until = 2026-01-01\n"', "not valid TOML"),
        (["--terms", "{files}/t.toml"], '["Vendor A"]\nuptime_pct = 120\n', "uptime must be a percentage"),
        (["--terms", "{files}/t.toml"], '["Vendor A"]\ntiers = [{min_usd_per_month = 1}]\n', "tiers[1]"),
        (["--terms", "{files}/t.toml"], '["Vendor A"]\ncolour = "red"\n', "unknown term(s) colour"),
        (["--terms", "{files}/t.toml"], '["Vendor B"]\nnotes = "x"\n', "not compared: Vendor B"),
        (["--terms", "{files}/t.json"], '{"Vendor A": [1]}', "one table per sheet"),
    ],
)
def test_quotes_bad_input_exits_2_saying_what_to_fix(
    files: Path, pricing_cli: CliCall, extra: list[str], terms: str | None, message: str
) -> None:
    extra = [arg.replace("{files}", str(files)) for arg in extra]
    if terms is not None:
        Path(extra[-1]).write_text(terms, encoding="utf-8")
    result = pricing_cli(_quotes(files, *extra))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert str(files) not in result.stderr.replace(str(files / "missing.toml"), "")


def test_quotes_without_a_model_for_every_workload_exits_2(files: Path, pricing_cli: CliCall) -> None:
    args = ["quotes", "--usage", str(files / "usage.csv"), "--sheet", "Vendor A", "--model", "search=gpt-4o-mini"]
    result = pricing_cli(args)
    assert result.returncode == 2
    assert "no model for workload(s) support" in result.stderr


def test_upload_sheet_keeps_its_terms_and_refuses_terms_of_another_sheet(
    app_db: Path, tmp_path: Path, pricing_cli: CliCall
) -> None:
    (tmp_path / "b.csv").write_text(SHEET, encoding="utf-8")
    (tmp_path / "b.toml").write_text(TERMS.replace("Vendor A", "Vendor B"), encoding="utf-8")
    upload = ["upload-sheet", "--file", str(tmp_path / "b.csv"), "--name", "Vendor B", "--terms"]
    refused = pricing_cli([*upload, str(tmp_path / "terms_of_a.toml")])
    assert refused.returncode == 2 and "no such file (--terms)" in refused.stderr
    (tmp_path / "terms_of_a.toml").write_text(TERMS, encoding="utf-8")
    refused = pricing_cli([*upload, str(tmp_path / "terms_of_a.toml")])
    assert refused.returncode == 2 and 'named ["Vendor B"]' in refused.stderr
    assert "Vendor B" not in pricing_cli(["sheets"]).stdout  # bad terms leave no sheet behind
    result = pricing_cli([*upload, str(tmp_path / "b.toml")])
    assert result.returncode == 0, result.stderr
    assert "Saved its terms from b.toml." in result.stdout
    (tmp_path / "usage.csv").write_text(USAGE, encoding="utf-8")
    args = ["quotes", "--usage", str(tmp_path / "usage.csv"), "--sheet", "Vendor B", "--model", "gpt-4o", "--json"]
    payload = json.loads(pricing_cli(args).stdout)
    vendor = next(row for row in payload["sheets"] if row["sheet_name"] == "Vendor B")
    assert vendor["committed_usd_per_month"] == 500 and vendor["next_tier_usd_per_month"] == 1000
