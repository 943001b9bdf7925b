"""Pages read and write through the UI layer's loaders and the use cases, never the store's own methods."""

from __future__ import annotations

import ast
from pathlib import Path

VIEWS = Path(__file__).resolve().parent.parent / "views"


def store_method_calls(path: Path) -> list[str]:
    """Calls like `store.runs()` or `get_store().runs()` in a page script."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            named_store = isinstance(target, ast.Name) and target.id == "store"
            fresh_store = (
                isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "get_store"
            )
            if named_store or fresh_store:
                found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
    return found


def test_pages_never_call_store_methods() -> None:
    pages = sorted(VIEWS.glob("*.py"))
    assert pages
    calls = [call for page in pages for call in store_method_calls(page)]
    assert not calls, f"pages calling the store directly (use ui.common's loaders or a use case): {calls}"


def tables_without_placeholder(path: Path) -> list[str]:
    """st.dataframe / st.data_editor calls that do not say what a missing value shows."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("dataframe", "data_editor")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "st"
            and "placeholder" not in {keyword.arg for keyword in node.keywords}
        ):
            found.append(f"{path.parent.name}/{path.name}:{node.lineno}")
    return found


def test_every_table_shows_a_missing_value_as_a_dash_not_the_word_none() -> None:
    # Streamlit's default shows 'None' in every empty cell: 'Started by None', 'Estimated cost None'.
    scripts = sorted(VIEWS.glob("*.py")) + sorted((VIEWS.parent / "ui").glob("*.py"))
    missing = [call for script in scripts for call in tables_without_placeholder(script)]
    assert not missing, f"tables without placeholder=MISSING: {missing}"
