"""Imports flow one way: domain packages never import Streamlit; pages never touch SQL or litellm."""

from __future__ import annotations

import ast
from pathlib import Path

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
    for path in (ROOT / "pricing").rglob("*.py"):
        assert "streamlit" not in imported_modules(path), path


PAGE_DIR = ROOT / "views"


def test_pages_do_not_import_duckdb_or_litellm() -> None:
    pages = sorted(PAGE_DIR.glob("*.py"))
    assert len(pages) >= 7, "the page scripts are in views/"
    for path in [*pages, ROOT / "app.py"]:
        assert not {"duckdb", "litellm"} & imported_modules(path), path


def test_no_pages_folder_beside_the_entry_script() -> None:
    """Streamlit treats a `pages/` folder next to app.py as a multipage app of the old kind: the first request a
    fresh server gets runs under it (`PagesManager.uses_pages_directory`), so a shared link to /explorer would run
    that script alone, without app.py's navigation and sidebar. The page scripts live in views/ instead."""
    assert not (ROOT / "pages").exists()


def test_only_the_store_imports_duckdb_and_only_one_module_imports_litellm() -> None:
    duck = {p.name for p in (ROOT / "pricing").rglob("*.py") if "duckdb" in imported_modules(p)}
    lite = {p.name for p in (ROOT / "pricing").rglob("*.py") if "litellm" in imported_modules(p)}
    assert duck == {"store.py", "usage_files.py"}  # usage_files queries uploaded files, never the store
    assert lite <= {"litellm_prices.py"}
