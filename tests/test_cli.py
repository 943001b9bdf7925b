"""The command line on a real database file: `main(argv)` in this process, as `python -m pricing` calls it, and one
real subprocess for the entry point itself; bad input exits with code 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, CliCall, run_module


def test_cost_prints_each_row_and_total_with_litellm_prices(app_db: Path) -> None:
    """The smoke test of `python -m pricing` as a real process."""
    result = run_module("pricing", ["cost", "--requests", str(FIXTURES / "requests_ok.csv"), "--json"], app_db)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    costs = [row["cost_usd"] for row in payload["rows"]]
    # gpt-4o: 500 uncached at 2.5, 500 cached at 1.25, 200 out at 10 (USD per 1M); gpt-4o-mini: 0.15 in, 0.6 out
    assert costs[0] == pytest.approx((500 * 2.5 + 500 * 1.25 + 200 * 10) / 1e6)
    assert costs[1] == pytest.approx((2000 * 0.15 + 100 * 0.6) / 1e6)
    assert payload["total_cost_usd"] == pytest.approx(sum(costs))


@pytest.mark.usefixtures("app_db")
def test_cost_text_output_has_total(pricing_cli: CliCall) -> None:
    result = pricing_cli(["cost", "--requests", str(FIXTURES / "requests_ok.csv")])
    assert result.returncode == 0, result.stderr
    assert "total_cost_usd" in result.stdout and "gpt-4o-mini" in result.stdout


@pytest.mark.usefixtures("app_db")
def test_cost_of_unknown_model_exits_2_naming_row(pricing_cli: CliCall, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("model,input_tokens,output_tokens\ngpt-4o,10,10\nnim/my-private-llama,10,10\n")
    result = pricing_cli(["cost", "--requests", str(log)])
    assert result.returncode == 2
    assert "log.csv, row 3, column 'model': no price for nim/my-private-llama in sheet" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["cost", "--requests", "/nonexistent.csv"],
        ["cost", "--requests", str(FIXTURES / "sheet_bad.csv")],
        ["cost", "--requests", str(FIXTURES / "requests_ok.csv"), "--sheet", "No such sheet"],
        ["frontier", "--metric", "no_such_metric"],
        ["frontier"],
    ],
)
@pytest.mark.usefixtures("app_db")
def test_bad_input_exits_2(pricing_cli: CliCall, args: list[str]) -> None:
    result = pricing_cli(args)
    assert result.returncode == 2
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("app_db")
def test_frontier_json_marks_frontier(pricing_cli: CliCall) -> None:
    result = pricing_cli(["frontier", "--metric", "arena_elo", "--json"])
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["higher_is_better"] is True
    candidates = payload["candidates"]
    assert len(candidates) > 50
    on = [c for c in candidates if c["on_frontier"]]
    assert 1 <= len(on) < len(candidates)
    # along the frontier, quality rises with cost
    on.sort(key=lambda c: c["cost_usd"])
    assert all(a["quality"] <= b["quality"] for a, b in zip(on, on[1:], strict=False))


@pytest.mark.usefixtures("app_db")
def test_frontier_text_prints_costs_in_dollars_without_scientific_notation(pricing_cli: CliCall) -> None:
    result = pricing_cli(["frontier", "--metric", "arena_elo", "--cost", "task", "--input-tokens", "100",
                          "--output-tokens", "50"])  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith(("* ", "  ")) and "$" in line]
    assert rows and not re.search(r"\d[eE][+-]\d", result.stdout), result.stdout[:2000]
    assert all(re.search(r" \$0\.0+[1-9]\d* ", row) for row in rows[:5]), rows[:5]  # $0.00000275, not 2.75e-06
    assert re.search(r" 1,\d{3}  ", rows[0]), rows[0]  # Elo with a thousands separator


@pytest.mark.usefixtures("app_db")
def test_frontier_unknown_metric_lists_known(pricing_cli: CliCall) -> None:
    result = pricing_cli(["frontier", "--metric", "vibes"])
    assert result.returncode == 2
    assert "known metrics:" in result.stderr and "arena_elo" in result.stderr


@pytest.mark.usefixtures("app_db")
def test_upload_sheet_then_cost_with_it(pricing_cli: CliCall) -> None:
    result = pricing_cli(["upload-sheet", "--file", str(FIXTURES / "sheet_ok.csv"), "--name", "Acme 2026"])
    assert result.returncode == 0, result.stderr
    result = pricing_cli(["cost", "--requests", str(FIXTURES / "requests_ok.csv"), "--sheet", "Acme 2026"])
    assert result.returncode == 2  # gpt-4o-mini is not in the Acme sheet
    assert "no price for gpt-4o-mini in sheet Acme 2026" in result.stderr
