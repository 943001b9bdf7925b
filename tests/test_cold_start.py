"""A fresh server's first page does not pay for what it does not use: litellm (seconds to import), scipy, the PDF
stack and openpyxl are imported by the code that calls them, when it is called."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from evals import client
from pricing import exports, litellm_prices
from pricing.cost import Usage

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "HF_HUB_OFFLINE": "1"}
NOT_ON_THE_FIRST_PAGE = ("litellm", "openai", "scipy", "fpdf", "kaleido", "openpyxl")

RENDER_HOME_EXPLORER_AND_COSTS = f"""
import json, sys
from streamlit.testing.v1 import AppTest

at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=120)
at.run()
assert not at.exception, [e.value for e in at.exception]
assert at.title[0].value == "Frontier"
at.switch_page("views/explorer.py")
at.run()
assert not at.exception, [e.value for e in at.exception]
assert "Frontier explorer" in [t.value for t in at.title]
at.switch_page("views/costs.py")  # quotes a request: flat prices need no litellm
at.run()
assert not at.exception, [e.value for e in at.exception]
assert "Prices & self-hosting" in [t.value for t in at.title]
print(json.dumps(sorted(m for m in {NOT_ON_THE_FIRST_PAGE!r} if m in sys.modules)))
"""


def test_home_explorer_and_costs_render_without_importing_litellm_scipy_or_the_pdf_stack(app_db: Path) -> None:
    # A fresh interpreter: this test process has imported litellm long ago.
    env = {**os.environ, **OFFLINE, "FRONTIER_DB": str(app_db)}
    done = subprocess.run(
        [sys.executable, "-c", RENDER_HOME_EXPLORER_AND_COSTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


class _RecordingFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Stands in for a package on import and records the offline settings as they were at that moment."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.environment_at_import: dict[str, str | None] | None = None

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        return importlib.util.spec_from_loader(fullname, self) if fullname == self.name else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        self.environment_at_import = {name: os.environ.get(name) for name in OFFLINE}
        module.model_cost = {}  # type: ignore[attr-defined]
        module.model_cost_map_url = "file:///nowhere.json"  # type: ignore[attr-defined]


@pytest.fixture()
def litellm_import(monkeypatch: pytest.MonkeyPatch) -> _RecordingFinder:
    """The next `import litellm` runs afresh, with the offline settings unset beforehand."""
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "litellm", raising=False)
    finder = _RecordingFinder("litellm")
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    return finder


def test_litellm_is_imported_with_the_offline_settings_set_first(litellm_import: _RecordingFinder) -> None:
    assert litellm_prices.model_cost_map_url() == "file:///nowhere.json"
    assert litellm_import.environment_at_import == OFFLINE


def test_the_price_map_and_flat_prices_need_no_litellm_import(litellm_import: _RecordingFinder) -> None:
    litellm_prices._bundled_map.cache_clear()  # read afresh, with litellm out of sys.modules
    try:
        cost_map = litellm_prices.model_cost_map()
        assert len(cost_map) > 4000
        assert litellm_prices.LitellmPricer().cost_usd("gpt-4o-mini", Usage(1000, 100)) > 0
    finally:
        litellm_prices._bundled_map.cache_clear()
    assert litellm_import.environment_at_import is None, "litellm was imported"


def test_the_model_client_sets_the_offline_settings_before_importing_litellm(
    litellm_import: _RecordingFinder,
) -> None:
    client._litellm()
    assert litellm_import.environment_at_import == OFFLINE


def test_xlsx_cleaning_drops_the_characters_openpyxl_refuses() -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    assert exports.XLSX_ILLEGAL_CHARACTERS.pattern == ILLEGAL_CHARACTERS_RE.pattern
