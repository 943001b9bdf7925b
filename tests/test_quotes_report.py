"""The quote comparison PDF, workbook and CSV, read back: figures equal the comparison's, terms and sources shown."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pricing.exports import fmt_usd
from pricing.report.document import usd
from tests.conftest import CliCall

USAGE = """month,workload,requests,input_tokens,output_tokens,cached_input_tokens
2026-10-01,support,100000,100000000,20000000,40000000
2026-11-01,support,100000,100000000,20000000,40000000
2026-11-01,search,50000,50000000,5000000,0
"""
VENDOR_A = """model,usd_per_1m_input,usd_per_1m_output,usd_per_1m_cached_input,effective_date
gpt-4o,2.0,8.0,1.0,2026-01-01
gpt-4o-mini,0.12,0.5,,2026-01-01
"""
VENDOR_B = """model,usd_per_1m_input,usd_per_1m_output,effective_date
gpt-4o,2.25,9.0,2026-02-01
gpt-4o-mini,0.1,0.4,2026-02-01
"""
TERMS = """["Vendor A"]
valid_from = 2026-01-01
valid_until = 2099-06-30
committed_usd_per_month = 500
tiers = [{min_usd_per_month = 1000, discount_pct = 5}]
requests_per_minute = 500
tokens_per_minute = 2000000
uptime_pct = 99.9
support_tier = "enterprise"
data_retention = "zero retention"
residency = "EU"
notes = "renewal by 2027-11"

["Vendor B"]
valid_until = 2020-01-31
tiers = [{min_usd_per_month = 100, discount_pct = 10}, {min_usd_per_month = 300, discount_pct = 20}]
tier_mode = "graduated"
"""
MIN_PAGE_SHARE = 0.25  # every page holds at least this share of the fullest page's text


@pytest.fixture()
def outputs(app_db: Path, tmp_path: Path, pricing_cli: CliCall) -> tuple[Path, dict[str, object]]:
    for name, text in (("a.csv", VENDOR_A), ("b.csv", VENDOR_B), ("usage.csv", USAGE), ("terms.toml", TERMS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    for file_name, sheet in (("a.csv", "Vendor A"), ("b.csv", "Vendor B")):
        assert pricing_cli(["upload-sheet", "--file", str(tmp_path / file_name), "--name", sheet]).returncode == 0
    args = ["quotes", "--usage", str(tmp_path / "usage.csv"), "--sheet", "Vendor A", "--sheet", "Vendor B"]
    args += ["--model", "gpt-4o", "--model", "search=gpt-4o-mini", "--terms", str(tmp_path / "terms.toml")]
    args += ["--pdf", str(tmp_path / "q.pdf"), "--xlsx", str(tmp_path / "q.xlsx"), "--csv", str(tmp_path / "q.csv")]
    result = pricing_cli([*args, "--json"])
    assert result.returncode == 0, result.stderr
    return tmp_path, json.loads(result.stdout)


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def test_pdf_figures_equal_the_comparison_and_flag_the_expired_quote(outputs: tuple[Path, dict[str, object]]) -> None:
    folder, payload = outputs
    pages = _pages(folder / "q.pdf")
    text = "\n".join(pages)
    flat = re.sub(r"\s+", " ", text)
    for row in payload["spend"]:  # type: ignore[attr-defined]
        assert usd(row["usd"]) in text, row
    for row in payload["sheets"]:  # type: ignore[attr-defined]
        assert usd(row["usd"]) in text, row
    vendor_a = next(r for r in payload["sheets"] if r["sheet_name"] == "Vendor A")  # type: ignore[attr-defined]
    assert usd(vendor_a["commitment_shortfall_usd"]) in text
    assert "EXPIRED on 2020-01-31" in text
    assert "graduated" in flat and "all-units" in flat
    assert "500 requests a minute, 2,000,000 tokens a minute" in flat
    assert "99.9% uptime, enterprise support" in flat
    for price in (2.0, 8.0, 1.0, 2.25, 9.0, 0.12):
        assert fmt_usd(price) in text
    assert "Usage: usage.csv" in flat
    for forbidden in ("e+", "e-0", "nan", "None", "usd_per_1m", "model_key", "sheet_name", "tier_discount_usd"):
        assert forbidden not in text, forbidden
    # Sources: exactly the three sheets compared, with their files
    sources = flat[flat.rindex("Sources") :]
    assert "a.csv" in sources and "b.csv" in sources
    assert "Epoch" not in text and "Artificial Analysis" not in text
    lengths = [len(page.split()) for page in pages]
    assert min(lengths) >= MIN_PAGE_SHARE * max(lengths), lengths


def test_workbook_has_a_sheet_per_table_with_formulas_and_dollar_cells(
    outputs: tuple[Path, dict[str, object]],
) -> None:
    folder, payload = outputs
    book = load_workbook(folder / "q.xlsx")
    assert book.sheetnames == ["Spend", "Spend detail", "Sheets", "Prices per 1M tokens", "Terms", "Sources"]
    spend = book["Spend"]
    headers = [cell.value for cell in spend[1]]
    assert headers[:2] == ["Workload", "Model"] and "Vendor A" in headers and "Vendor B" in headers
    assert spend[1][0].font.bold
    total = [cell.value for cell in spend[spend.max_row]]
    assert total[0] == "Total"
    for position, value in enumerate(total[2:], start=3):
        letter = "ABCDEFGH"[position - 1]
        assert value == f"=SUM({letter}2:{letter}{spend.max_row - 1})"
    expected = {(r["workload"], r["sheet_name"]): r["usd"] for r in payload["spend"]}  # type: ignore[attr-defined]
    for row in spend.iter_rows(min_row=2, max_row=spend.max_row - 1):
        for header, cell in zip(headers[2:], row[2:], strict=True):
            assert cell.value == pytest.approx(expected[(row[0].value, header)])
            assert cell.number_format == '"$"#,##0.00'
    detail = book["Spend detail"]
    assert detail["F2"].value == "=D2-E2"
    assert detail["D2"].value - detail["E2"].value == pytest.approx(expected[(detail["A2"].value, detail["C2"].value)])
    sheets = book["Sheets"]
    assert sheets["E2"].value == "=C2+D2"
    statuses = [row[1].value for row in sheets.iter_rows(min_row=2)]
    assert "EXPIRED on 2020-01-31" in statuses


def test_csv_is_the_spend_table(outputs: tuple[Path, dict[str, object]]) -> None:
    folder, payload = outputs
    rows = list(csv.DictReader(io.StringIO((folder / "q.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(payload["spend"])  # type: ignore[arg-type]
    spend = {(r["Workload"], r["Sheet"]): float(r["Spend (USD)"]) for r in rows}
    for row in payload["spend"]:  # type: ignore[attr-defined]
        assert spend[(row["workload"], row["sheet_name"])] == pytest.approx(row["usd"])
    assert {r["Cheapest valid"] for r in rows} == {"True", "False"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--pdf", "{files}/q.txt"], "--pdf must name a .pdf file (got q.txt)"),
        (["--xlsx", "{files}/nowhere/q.xlsx"], "--xlsx q.xlsx: its folder does not exist"),
        (["--sheet", "Vendor Z", "--pdf", "{files}/q.pdf"], "no price sheet named 'Vendor Z'"),
        (["--terms", "{files}/bad.toml", "--pdf", "{files}/q.pdf"], "bad.toml: [Vendor A].tier_mode"),
    ],
)
def test_report_bad_input_exits_2_and_writes_nothing(
    app_db: Path, tmp_path: Path, pricing_cli: CliCall, extra: list[str], message: str
) -> None:
    (tmp_path / "a.csv").write_text(VENDOR_A, encoding="utf-8")
    (tmp_path / "usage.csv").write_text(USAGE, encoding="utf-8")
    (tmp_path / "bad.toml").write_text('["Vendor A"]\ntier_mode = "stepped"\n', encoding="utf-8")
    assert pricing_cli(["upload-sheet", "--file", str(tmp_path / "a.csv"), "--name", "Vendor A"]).returncode == 0
    args = ["quotes", "--usage", str(tmp_path / "usage.csv"), "--sheet", "Vendor A", "--model", "gpt-4o"]
    result = pricing_cli([*args, *[arg.replace("{files}", str(tmp_path)) for arg in extra]])
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and str(tmp_path) not in result.stderr
    assert not (tmp_path / "q.pdf").exists()


def test_bad_usage_file_exits_2_saying_where(app_db: Path, tmp_path: Path, pricing_cli: CliCall) -> None:
    (tmp_path / "a.csv").write_text(VENDOR_A, encoding="utf-8")
    assert pricing_cli(["upload-sheet", "--file", str(tmp_path / "a.csv"), "--name", "Vendor A"]).returncode == 0
    (tmp_path / "usage.csv").write_text(USAGE.replace("20000000,40000000\n2026-11", "-5,40000000\n2026-11", 1))
    args = ["quotes", "--usage", str(tmp_path / "usage.csv"), "--sheet", "Vendor A", "--model", "gpt-4o"]
    result = pricing_cli([*args, "--pdf", str(tmp_path / "q.pdf")])
    assert result.returncode == 2
    assert "usage.csv" in result.stderr and "output_tokens" in result.stderr
    assert "Traceback" not in result.stderr and str(tmp_path) not in result.stderr
    assert not (tmp_path / "q.pdf").exists()
