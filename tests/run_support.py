"""Starting a probe run in a store test: the run's row with the fields those tests do not look at left empty."""

from __future__ import annotations

from pricing.store import Store


def start_test_run(
    store: Store,
    run_id: str = "r1",
    *,
    endpoint_name: str | None = None,
    model: str = "m",
    api_base: str | None = None,
    settings_json: str = "{}",
) -> None:
    """Start run_id on store, with no model identity, suite or cost estimate."""
    store.start_run(
        run_id=run_id,
        endpoint_name=endpoint_name,
        model=model,
        api_base=api_base,
        model_id=None,
        suite=None,
        settings_json=settings_json,
        estimated_cost_usd=None,
    )
