"""Spend projections through AppTest: a shrunk candidate from the Shrink input is one more option, with what making
it costs in month 1, and the saved scenario keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricing.planning import service as planning
from pricing.store import Store
from tests.test_app import open_page
from tests.test_shrink_page import shrink_db  # noqa: F401 - the fixture


@pytest.mark.usefixtures("shrink_db")
def test_a_shrunk_candidate_is_an_option_with_its_making_cost(shrink_db: Path) -> None:  # noqa: F811
    at = open_page("views/projections.py")
    at.radio(key="proj_usage_source").set_value("kept").run()
    at.selectbox(key="proj_workload").set_value("support").run()
    at.multiselect(key="proj_api_models").set_value(["gpt-4o"]).run()
    at.text_input(key="proj_shrink_candidate").set_value("llama-3.1-8b-instruct")
    at.selectbox(key="proj_shrink_path").set_value("distil").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w.value for w in at.warning if w.value.startswith("Shrink:")]
    assert any("distilled" in c.value and "made for $" in c.value for c in at.caption)
    name = "llama-3.1-8b-instruct distilled, BF16 on H100 SXM"
    assert any(name in str(frame.value.to_string()) for frame in at.dataframe)
    at.text_input(key="proj_scenario_name").set_value("shrunk").run()
    next(b for b in at.button if b.label.startswith("Save")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store(shrink_db)
    saved = planning.load_scenario(store, "shrunk")
    store.close()
    option = next(o for o in saved.inputs.options if o.name == name)
    assert option.making is not None and option.making.one_off_usd > 0  # type: ignore[union-attr]


@pytest.mark.usefixtures("shrink_db")
def test_a_link_to_a_scenario_with_non_default_shrink_settings_fills_the_shrink_input(
    shrink_db: Path,  # noqa: F811
) -> None:
    """Saved with 5,000 examples and 2 epochs, the scenario's link reopens the Shrink input with those settings and
    the same option (re-costed to the same name and figures), not the input's defaults."""
    at = open_page("views/projections.py")
    at.radio(key="proj_usage_source").set_value("kept").run()
    at.selectbox(key="proj_workload").set_value("support").run()
    at.multiselect(key="proj_api_models").set_value(["gpt-4o"]).run()
    at.text_input(key="proj_shrink_candidate").set_value("llama-3.1-8b-instruct")
    at.selectbox(key="proj_shrink_path").set_value("distil").run()
    at.number_input(key="proj_shrink_examples").set_value(5000).run()
    at.number_input(key="proj_shrink_epochs").set_value(2.0).run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="proj_scenario_name").set_value("shrunk-settings").run()
    next(b for b in at.button if b.label.startswith("Save")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store(shrink_db)
    saved = planning.load_scenario(store, "shrunk-settings")
    store.close()
    made = next(o for o in saved.inputs.options if getattr(o, "making", None) is not None)

    again = open_page()
    again.query_params["s"] = planning.scenario_link(saved)
    again.switch_page("views/projections.py").run()
    assert not again.exception, [e.value for e in again.exception]
    assert again.text_input(key="proj_shrink_candidate").value == "llama-3.1-8b-instruct"
    assert again.selectbox(key="proj_shrink_path").value == "distil"
    assert again.number_input(key="proj_shrink_examples").value == 5000
    assert again.number_input(key="proj_shrink_epochs").value == 2.0
    assert any(made.name in str(frame.value.to_string()) for frame in again.dataframe)
