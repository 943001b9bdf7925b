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
