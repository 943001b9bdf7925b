"""Imports flow one way: domain packages never import Streamlit; pages never touch SQL or litellm.

The layers themselves are import-linter contracts in pyproject.toml, checked by `make lint`; this file checks
what those contracts cannot say: app.py (a script, not a package), the absence of a pages/ folder, and that
every module of pricing is placed in a layer.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_domain_code_never_imports_streamlit() -> None:
    for path in [*(ROOT / "pricing").rglob("*.py"), *(ROOT / "evals").rglob("*.py")]:
        assert "streamlit" not in imported_modules(path), path


PAGE_DIR = ROOT / "views"


def test_pages_do_not_import_duckdb_or_litellm() -> None:
    pages = sorted(PAGE_DIR.glob("*.py"))
    assert len(pages) >= 7, "the page scripts are in views/"
    for path in [*pages, ROOT / "app.py"]:
        assert not {"duckdb", "litellm"} & imported_modules(path), path


def test_app_uses_only_streamlit_and_the_ui_helpers() -> None:
    """app.py is a script, so the import-linter contracts do not see it: it sits above the pages and the UI layer."""
    assert imported_modules(ROOT / "app.py") <= {"__future__", "os", "streamlit", "ui"}


def test_no_pages_folder_beside_the_entry_script() -> None:
    """Streamlit treats a `pages/` folder next to app.py as a multipage app of the old kind: the first request a
    fresh server gets runs under it (`PagesManager.uses_pages_directory`), so a shared link to /explorer would run
    that script alone, without app.py's navigation and sidebar. The page scripts live in views/ instead."""
    assert not (ROOT / "pages").exists()


def test_only_the_store_imports_duckdb_and_litellm_is_imported_in_one_place_each() -> None:
    domain = [*(ROOT / "pricing").rglob("*.py"), *(ROOT / "evals").rglob("*.py")]
    duck = {p.relative_to(ROOT).as_posix() for p in domain if "duckdb" in imported_modules(p)}
    lite = {p.relative_to(ROOT).as_posix() for p in domain if "litellm" in imported_modules(p)}
    # usage_files queries uploaded files, never the store
    assert {p for p in duck if not p.startswith("pricing/store")} == {"pricing/planning/usage_files.py"}
    assert lite == {"pricing/litellm_prices.py", "evals/client.py"}


def _contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c.get("id") == contract_id)


def test_every_module_of_pricing_has_a_layer() -> None:
    """A layers contract checks only the modules it names, so a new module of pricing must be given its layer."""
    layered = {name.strip() for layer in _contract("domain")["layers"] for name in re.split(r"[|:]", layer)}
    children = {f"pricing.{p.stem}" for p in (ROOT / "pricing").glob("*.py") if p.stem != "__init__"}
    children |= {f"pricing.{p.parent.name}" for p in (ROOT / "pricing").glob("*/__init__.py")}
    assert children - layered == set(), "add these to the 'domain' contract in pyproject.toml"
