"""Who did what, in the app: the rows a person creates from a page carry their user name, and the pages say so.

The name is the signed-in user's where the server has authentication configured, else FRONTIER_USER; here
FRONTIER_USER, as a deployment without authentication sets it.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def _projections() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/projections.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _save(at: AppTest, name: str) -> None:
    at.text_input(key="proj_scenario_name").set_value(name)
    next(b for b in at.button if b.label == "Save scenario").click().run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.usefixtures("app_db")
def test_a_scenario_saved_on_the_page_shows_its_author(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTIER_USER", "ana")
    at = _projections()
    _save(at, "Base case")
    assert any("Saved 'Base case'" in s.value for s in at.success)
    line = next(c.value for c in at.caption if c.value.startswith("Saved scenarios:"))
    assert "Base case (" in line and ", by ana)" in line


@pytest.mark.usefixtures("app_db")
def test_a_name_another_user_saved_is_refused_on_the_page_with_who_and_when(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTIER_USER", "ana")
    _save(_projections(), "Q3 plan")
    monkeypatch.setenv("FRONTIER_USER", "ben")  # another person, in another session
    at = _projections()
    _save(at, "Q3 plan")
    assert not any("Saved 'Q3 plan'" in s.value for s in at.success)
    message = next(e.value for e in at.error if "Q3 plan" in e.value)
    assert "was saved by ana at " in message and "nothing was written" in message
    line = next(c.value for c in at.caption if c.value.startswith("Saved scenarios:"))
    assert ", by ana)" in line and "ben" not in line


def test_histories_name_who_made_a_row_and_leave_it_out_where_nobody_was_named() -> None:
    import pandas as pd

    from pricing.planning import display

    uploads = pd.DataFrame(
        {
            "upload_id": ["a1", "b2"],
            "file_name": ["usage.csv", "old.csv"],
            "uploaded_at": [pd.Timestamp("2026-11-27 09:15:42"), pd.Timestamp("2026-10-01 08:00:00")],
            "months": [6, 3],
            "created_by": ["ana", None],
        }
    )
    assert display.upload_labels(uploads) == {
        "a1": "usage.csv (2026-11-27 09:15, by ana, 6 months)",
        "b2": "old.csv (2026-10-01 08:00, 3 months)",
    }
    saved = pd.DataFrame({"name": ["Q3", "Old"], "updated_at": uploads["uploaded_at"], "created_by": ["ben", None]})
    assert display.saved_scenarios_text(saved) == (
        "Saved scenarios: Q3 (2026-11-27 09:15 UTC, by ben), Old (2026-10-01 08:00 UTC)."
    )
    assert display.saved_scenarios_text(saved.iloc[0:0]) == "Saved scenarios: none yet."


@pytest.mark.parametrize(
    ("info", "env", "recorded"),
    [
        ({"is_logged_in": True, "name": "Ada Lovelace", "email": "ada@example.org"}, {}, "Ada Lovelace"),
        ({"is_logged_in": True, "email": " ada@example.org "}, {"FRONTIER_USER": "ops"}, "ada@example.org"),
        ({"is_logged_in": True, "sub": "oidc|42"}, {}, "oidc|42"),
        ({"is_logged_in": False, "name": "Ada"}, {"FRONTIER_USER": "ops"}, "ops"),  # not signed in: the deployment's
        ({}, {"FRONTIER_USER": "  "}, None),  # no authentication and no name: nobody
        ({"is_logged_in": True, "name": "", "token": "secret"}, {}, None),  # a claim that is no name is never used
    ],
)
def test_the_signed_in_user_names_the_rows_else_the_deployment(
    info: dict[str, object], env: dict[str, str], recorded: str | None
) -> None:
    """What `st.user` holds where the server has authentication configured (AppTest cannot sign in), as a mapping."""
    from pricing.store import session_user

    assert session_user(info, env) == recorded
