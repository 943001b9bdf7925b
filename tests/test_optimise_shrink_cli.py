"""`python -m pricing optimise --shrink MODEL:PATH`: a shrunk model weighed as one more candidate, made against the
first API option as the Portfolio page does; bad input exits 2 with what to type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliCall
from tests.test_portfolio_service import floors_file, usage_file


@pytest.mark.usefixtures("app_db")
def test_optimise_weighs_a_shrunk_model_against_the_first_api_option(pricing_cli: CliCall, tmp_path: Path) -> None:
    usage, floors = usage_file(tmp_path), floors_file(tmp_path, "workload,quality_floor\nchat,\n")
    args = ["optimise", "--usage", str(usage), "--floors", str(floors), "--months", "12", "--json"]
    result = pricing_cli([*args, "--api", "gpt-4o", "--api", "gpt-4.1", "--shrink", "llama-3.1-8b-instruct:distil"])
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    (shrunk,) = [c for c in payload["candidates"] if c["source"].startswith("shrink (")]
    assert shrunk["name"].startswith("llama-3.1-8b-instruct distilled")
    assert shrunk["source"].startswith("shrink (distil) of llama-3.1-8b-instruct against gpt-4o: Labelling")
    assert "USD" in shrunk["source"]


@pytest.mark.usefixtures("app_db")
@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("llama-3.1-8b-instruct", "--shrink takes MODEL:PATH"),
        ("llama-3.1-8b-instruct:prune", "PATH one of quantise, distil, fine-tune"),
        (":distil", "--shrink takes MODEL:PATH"),
        ("gpt-4o-mini:quantise", "quantising needs an open model"),
    ],
)
def test_optimise_refuses_a_bad_shrink_flag_with_exit_2(
    pricing_cli: CliCall, tmp_path: Path, flag: str, message: str
) -> None:
    usage, floors = usage_file(tmp_path), floors_file(tmp_path, "workload,quality_floor\nchat,\n")
    result = pricing_cli(
        ["optimise", "--usage", str(usage), "--floors", str(floors), "--api", "gpt-4o", "--shrink", flag]
    )
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
