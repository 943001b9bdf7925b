"""The cost of one request says which offer a typed name resolved to, and a named free tier says it is $0."""

from __future__ import annotations

import pytest

from tests.test_app import metric, open_page


@pytest.mark.usefixtures("app_db")
def test_a_bare_name_is_quoted_at_a_paid_offer_and_says_which() -> None:
    at = open_page("views/costs.py")
    at.text_input(key="costs_request_typed").set_value("gemma-3-27b-it").run()
    assert not at.exception
    label = next(m.label for m in at.metric if m.label.startswith("Cost of this request"))
    assert "deepinfra/google/gemma-3-27b-it" in label and "free tier" not in label
    assert metric(at, label) != "$0.000000"
    assert any("Offer used: gemma-3-27b-it -> deepinfra/google/gemma-3-27b-it" in c.value for c in at.caption)


@pytest.mark.usefixtures("app_db")
def test_a_free_tier_named_by_key_is_labelled() -> None:
    at = open_page("views/costs.py")
    at.text_input(key="costs_request_typed").set_value("gemini/gemma-3-27b-it").run()
    label = next(m.label for m in at.metric if m.label.startswith("Cost of this request"))
    assert "free tier, $0" in label
