"""`python -m pricing shrink --pdf FILE`: the short PDF read back with pdftotext carries the engine's figures (the
same as --json), the quality each path must reach with its status, every assumption with its source, no scientific
notation and no internal keys; a bad --pdf is refused before anything is computed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from pricing.report.document import usd
from tests.conftest import CliCall
from tests.test_shrink_cli import _args, usage_file  # noqa: F401 - the fixture

INTERNAL_KEYS = re.compile(
    r"one_off_usd|retrain_usd|payback_month|savings_usd|likely_share|low_share|high_share|usd_per_gpu_hour|"
    r"monthly_run_usd|required_quality|prob_payback|plan\.ownership|quality_kind|\bnan\b|\bNone\b"
)


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60)
    return " ".join(done.stdout.split())


def test_shrink_pdf_says_what_the_engine_computed(
    app_db: Path,
    pricing_cli: CliCall,
    usage_file: Path,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    out = tmp_path / "shrink.pdf"
    models = ["--baseline", "gpt-4o", "--candidate", "llama-3.1-8b-instruct"]
    run = pricing_cli(_args(usage_file, *models, "--json", "--pdf", str(out)))
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    text = pdf_text(out)
    assert re.search(r"Date: \d{4}-\d{2}-\d{2}", text)
    assert "Baseline (serving the workload today): gpt-4o" in text and "Candidate: llama-3.1-8b-instruct" in text
    assert "The paths side by side over 36 months" in text
    for path in payload["paths"]:
        for figure in (path["one_off_usd"], path["monthly_run_usd_month_1"], *path["savings_usd"].values()):
            assert usd(figure) in text, (path["kind"], figure)
        assert f"pays back month {path['payback_month']}" in text
        quality = path["quality"]
        share = f"{quality['likely_share']:.0%} of the baseline's score (range {quality['low_share']:.0%}-"
        assert share in text
        for cost in path["costs"]:
            assert usd(cost["usd"]) in text
    assert set(payload["paths"][0]["savings_usd"]) == {"18", "24", "36"}
    for horizon in (18, 24, 36):
        assert f"Saving at {horizon} months (USD)" in text
    assert "90% of the baseline's score" in text  # the quality each must reach
    assert "assumption (until two probe runs of one suite measure it)" in text
    assert "Assumptions and their sources" in text
    assert "https://arxiv.org/abs/2411.02355" in text and "https://arxiv.org/abs/2407.21783" in text
    assert "e+" not in text and "e-0" not in text
    assert not INTERNAL_KEYS.search(text), INTERNAL_KEYS.search(text)


@pytest.mark.parametrize(
    ("name", "message"),
    [("shrink.txt", "--pdf must name a .pdf file (got shrink.txt)"), ("missing/shrink.pdf", "its folder does not")],
)
def test_shrink_refuses_a_bad_pdf_name_before_computing(
    app_db: Path,
    pricing_cli: CliCall,
    usage_file: Path,  # noqa: F811 - the fixture
    tmp_path: Path,
    name: str,
    message: str,
) -> None:
    out = tmp_path / name
    run = pricing_cli(_args(usage_file, "--baseline", "gpt-4o", "--candidate", "gpt-4o-mini", "--pdf", str(out)))
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert str(tmp_path) not in run.stderr
    assert not out.exists()
