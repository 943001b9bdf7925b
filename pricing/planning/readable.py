"""Planning's inputs in words a reader of the report understands: the name and value of each input the sensitivity
moves, and every assumption of a saved scenario as (input, value) rows, with amounts in dollars and thousands
separators, shares in percent, and never an internal key or scientific notation.

Pure: scenario dicts and numbers in, text out. Imports nothing of planning's use cases, so `service` (the
sensitivity) and the report both use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from pricing.exports import fmt_date, fmt_number, fmt_usd

Formatter = Callable[[Any], str]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _share(value: object) -> str:
    """0.25 -> '25%'; 0.025 -> '2.5%'."""
    return "n/a" if _missing(value) else f"{fmt_number(float(value) * 100, 3)}%"  # type: ignore[arg-type]


def _growth(value: object) -> str:
    """A monthly growth rate: '+5% a month'."""
    if _missing(value):
        return "n/a"
    rate = float(value)  # type: ignore[arg-type]
    return f"{'+' if rate > 0 else ''}{fmt_number(rate * 100, 3)}% a month"


def _points(value: object) -> str:
    """A spread of monthly growth: '±2 percentage points a month'."""
    return "n/a" if _missing(value) else f"±{fmt_number(float(value) * 100, 3)} percentage points a month"  # type: ignore[arg-type]


def price_change(value: object) -> str:
    """A price decline factor per year in words: 0 or 1 is flat, 10 'falls 10x a year', 0.5 'rises 2x a year'."""
    if _missing(value):
        return "n/a"
    factor = float(value)  # type: ignore[arg-type]
    if factor in (0.0, 1.0):
        return "held flat"
    if factor < 1:
        return f"rises {fmt_number(1 / factor, 3)}x a year"
    return f"falls {fmt_number(factor, 3)}x a year"


def _times(value: object) -> str:
    return "n/a" if _missing(value) else f"{fmt_number(value, 3)}x"


def _spread(value: object) -> str:
    """A Monte Carlo factor spread: 1 holds the input, 1.5 'x/÷ up to 1.5'."""
    if _missing(value):
        return "n/a"
    return "none (held at the scenario's value)" if float(value) <= 1 else f"x/÷ up to {fmt_number(value, 3)}"  # type: ignore[arg-type]


def _tokens(value: object) -> str:
    return fmt_number(value, 4, "tokens")


def _per_month(value: object) -> str:
    return f"{fmt_usd(value)} a month"


def _text(value: object) -> str:
    if _missing(value):
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return fmt_number(value, 4)
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value) or "none"
    return str(value)


def _history(value: object) -> str:
    if not isinstance(value, list | tuple) or not value:
        return "none (volume and growth set by hand)"
    return f"{len(value)} months, from {fmt_number(value[0], 3)} to {fmt_number(value[-1], 3)} output tokens a month"


GROWTH_MODELS = {
    "constant": "a constant rate set by hand",
    "best": "the curve that fits the history best (AICc)",
    "exponential": "an exponential curve fitted to the history",
    "linear": "a straight line fitted to the history",
    "logistic": "a logistic curve fitted to the history",
}
OWNERSHIP = {"reserved": "rented, reserved", "on-demand": "rented, on demand", "bought": "bought"}
BASES = {"allocation": "GPUs held, busy or idle (the invoice)", "busy": "busy hours only"}

# Scenario fields: (label, formatter). Nested paths are joined with '.', as `assumption_rows` walks them.
SCENARIO_FIELDS: dict[str, tuple[str, Formatter]] = {
    "name": ("Scenario", _text),
    "upload_id": ("Usage upload", lambda v: "none (volumes typed)" if _missing(v) else str(v)),
    "workload": ("Workload", lambda v: "all workloads" if _missing(v) else str(v)),
    "mix_window": ("Input:output and cache mix from", lambda v: "set in the scenario" if _missing(v) else str(v)),
    "inputs.horizon_months": ("Horizon", lambda v: f"{int(v)} months"),
    "inputs.base_output_tokens_per_month": ("Output tokens a month at the start", _tokens),
    "inputs.input_output_ratio": ("Input tokens per output token", lambda v: fmt_number(v, 3)),
    "inputs.cached_share": ("Share of input tokens served from the prompt cache", _share),
    "inputs.growth_model": ("Volume growth", lambda v: GROWTH_MODELS.get(str(v), str(v))),
    "inputs.monthly_growth": ("Monthly volume growth (when set by hand)", _growth),
    "inputs.history_output_tokens": ("Usage history", _history),
    "inputs.peak_to_average": ("Peak-hour traffic over the average hour", _times),
    "inputs.hours_per_month": ("Hours in a month", lambda v: fmt_number(v, 4)),
    "uncertainty.growth_spread_per_month": ("Monte Carlo: extra volume growth", _points),
    "uncertainty.api_decline_spread": ("Monte Carlo: API price change per year", _spread),
    "uncertainty.gpu_decline_spread": ("Monte Carlo: GPU rental price change per year", _spread),
    "uncertainty.peak_to_average_spread": ("Monte Carlo: peak-hour / average traffic", _spread),
    "uncertainty.n_paths": ("Monte Carlo: paths", lambda v: fmt_number(v, 9)),
    "uncertainty.seed": ("Monte Carlo: random seed", lambda v: str(int(v))),
}
# Fields of one option (API, self-hosted or hybrid): (label after the option's name, formatter). None: left out,
# because another row already says it (the option's name and kind, the measurement its throughput source names).
OPTION_FIELDS: dict[str, tuple[str, Formatter] | None] = {
    "type": None,
    "name": None,
    "usd_per_1m_input": ("price per 1M input tokens", fmt_usd),
    "usd_per_1m_output": ("price per 1M output tokens", fmt_usd),
    "usd_per_1m_cached_input": (
        "price per 1M cached input tokens",
        lambda v: "none: billed as input" if _missing(v) else fmt_usd(v),
    ),
    "price_decline_factor_per_year": ("price change", price_change),
    "sheet_name": ("price sheet", _text),
    "source": ("price source", _text),
    "price_decline_source": ("why its price changes so", _text),
    "plan.gpu": ("GPU", _text),
    "plan.gpus_per_replica": ("GPUs per replica", lambda v: fmt_number(v, 4)),
    "plan.replica_output_tokens_per_s": ("output tokens per second per replica", lambda v: fmt_number(v, 4)),
    "plan.ownership.mode": ("GPUs are", lambda v: OWNERSHIP.get(str(v), str(v))),
    "plan.ownership.usd_per_gpu_hour": ("price per GPU-hour", lambda v: fmt_usd(v, 3)),
    "plan.ownership.purchase_usd_per_gpu": ("purchase price per GPU", fmt_usd),
    "plan.ownership.server_overhead_share": ("server share on top of a bought GPU's price", _share),
    "plan.ownership.life_years": ("life of a bought GPU", lambda v: f"{fmt_number(v, 3)} years"),
    "plan.ownership.residual_value_share": ("residual value of a bought GPU", _share),
    "plan.ownership.cost_of_capital_per_year": ("cost of capital a year", _share),
    "plan.ownership.gpu_power_kw": ("power per GPU", lambda v: f"{fmt_number(v, 3)} kW"),
    "plan.ownership.pue": ("data-centre PUE", lambda v: fmt_number(v, 3)),
    "plan.ownership.usd_per_kwh": ("electricity per kWh", fmt_usd),
    "plan.ownership.ops_usd_per_month": ("operations staff", _per_month),
    "plan.ownership.capex_timing": (
        "purchase paid",
        lambda v: "spread over its life" if v == "annualised" else "up front",
    ),
    "plan.headroom": ("headroom above the peak hour", _share),
    "plan.target_utilisation": ("target utilisation at the peak hour", _share),
    "plan.throughput_source": ("throughput source", _text),
    "plan.basis": ("cost counts", lambda v: BASES.get(str(v), str(v))),
    "plan.measurement": None,
    "plan.gpu_price_source": ("GPU price source", _text),
    "plan.gpu_price_type": ("GPU price kind", _text),
    "plan.gpu_price_as_of": ("GPU price date", lambda v: fmt_date(v) if not _missing(v) else "undated"),
    "gpu_price_decline_factor_per_year": ("GPU rental price change", price_change),
    "shares": (
        "traffic split",
        lambda v: ", ".join(f"{_share(share)} on {name}" for name, share in v) if isinstance(v, list | tuple) else "",
    ),
}
LEFT_OUT = {"schema_version", "notes"}
# Ownership terms that only a bought GPU's cost uses: left out of a rented fleet's rows.
BOUGHT_ONLY = frozenset(
    f"plan.ownership.{name}"
    for name in (
        "purchase_usd_per_gpu",
        "server_overhead_share",
        "life_years",
        "residual_value_share",
        "cost_of_capital_per_year",
        "gpu_power_kw",
        "pue",
        "usd_per_kwh",
        "capex_timing",
    )
)


def humane_key(key: str) -> str:
    """A field this module has no words for, readable anyway: 'usd_per_gpu_hour' -> 'USD per GPU hour'."""
    words = key.rsplit(".", 1)[-1].replace("_", " ")
    for raw, nice in (("usd", "USD"), ("1m", "1M"), ("gpu", "GPU"), ("kwh", "kWh"), (" per s", " per second")):
        words = words.replace(raw, nice)
    return words[:1].upper() + words[1:]


def _walk(
    path: str, value: object, rows: list[tuple[str, str]], option: str | None, skip: frozenset[str] = frozenset()
) -> None:
    """Rows for one scenario field (dicts walked down to their leaves), but those in `skip`."""
    if (
        path in skip
        or path.rsplit(".", 1)[-1] in LEFT_OUT
        or (option is not None and OPTION_FIELDS.get(path, ()) is None)
    ):
        return
    spec = OPTION_FIELDS.get(path) if option is not None else SCENARIO_FIELDS.get(path)
    if spec is None and isinstance(value, Mapping):
        for key, inner in value.items():
            _walk(f"{path}.{key}" if path else str(key), inner, rows, option, skip)
        return
    if path == "inputs.options" and isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, Mapping):
                _walk_option(item, rows)
        return
    label, formatter = spec if spec is not None else (humane_key(path), _text)
    rows.append((f"{option}: {label}" if option is not None else label, formatter(value)))


def _walk_option(option: Mapping[str, Any], rows: list[tuple[str, str]]) -> None:
    """Rows for one option, each named after it; a rented fleet without the terms only bought GPUs use."""
    name = str(option.get("name", "option"))
    plan = option.get("plan")
    ownership = plan.get("ownership") if isinstance(plan, Mapping) else None
    bought = isinstance(ownership, Mapping) and ownership.get("mode") == "bought"
    for key, inner in option.items():
        _walk(str(key), inner, rows, name, frozenset() if bought else BOUGHT_ONLY)


def assumption_rows(saved: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every input of a saved scenario (`Scenario.to_dict()`) as (input, value) in words, in the scenario's order:
    the options each under their own name, then the volumes, growth and the Monte Carlo's spreads."""
    rows: list[tuple[str, str]] = []
    for key, value in saved.items():
        _walk(str(key), value, rows, None)
    return rows


# The inputs the sensitivity moves: the scenario's own fields, and '<option>.<path>' for an option's.
SENSITIVITY_INPUTS: dict[str, tuple[str, Formatter]] = {
    "monthly_growth": ("Monthly volume growth", _growth),
    "growth_shift": ("Monthly growth beyond the fitted curve", lambda v: f"{float(v) * 100:+.0f} points a month"),
    "peak_to_average": ("Peak-hour traffic over the average hour", _times),
    "input_output_ratio": ("Input tokens per output token", lambda v: fmt_number(v, 3)),
    "volume_scale": ("Output tokens, every month", lambda v: f"{fmt_number(v, 3)}x the plan's"),
    "price_decline_factor_per_year": ("API price change per year", price_change),
    "plan.ownership.purchase_usd_per_gpu": ("GPU purchase price", fmt_usd),
    "plan.ownership.usd_per_gpu_hour": ("GPU price per hour", lambda v: fmt_usd(v, 3)),
    "plan.replica_output_tokens_per_s": ("Output tokens per second per replica", lambda v: fmt_number(v, 3)),
}


def _sensitivity_spec(key: str) -> tuple[str, Formatter, str | None]:
    """(label, value formatter, the option it belongs to) of an input the sensitivity moves."""
    for suffix, (label, formatter) in SENSITIVITY_INPUTS.items():
        if key == suffix:
            return label, formatter, None
        if key.endswith("." + suffix):
            return label, formatter, key[: -len(suffix) - 1]
    return humane_key(key), _text, None


def sensitivity_label(key: str, self_hosted: bool = False) -> str:
    """The tornado's name for an input: 'Monthly volume growth', 'GPU price per hour (self-hosted)', 'API price change
    per year (gpt-4o-mini)'. A self-hosted option is named by its role: the chart's title names it in full."""
    label, _, option = _sensitivity_spec(key)
    if option is None:
        return label
    return f"{label} ({'self-hosted' if self_hosted else option})"


def volume_scale_value(factor: float, first_month_output_tokens: float) -> str:
    """The volume's value as the tornado shows it: '0.5x (1,000,000,000 in month 1)'."""
    return f"{fmt_number(factor, 3)}x ({fmt_number(factor * first_month_output_tokens, 3)} in month 1)"


def sensitivity_value(key: str, value: object) -> str:
    """An input's value as the tornado shows it: '+5% a month', '$2.50', '680,000,000'."""
    _, formatter, _ = _sensitivity_spec(key)
    return formatter(value)
