"""A saved scenario back as the Spend projections form's values, so a scenario opened from a link or the saved
list shows its own assumptions in the inputs, not the page's defaults.

Pure: a scenario in, the values each input takes out, with what could not be put back in words (a model the sheet
no longer prices, a decline set by hand). Names of options are Frontier's own (`api_option`, `self_host_option`):
an API option is named after its sheet key, a self-hosted one 'self-host MODEL on GPU (MODE)'. A shrunk option (one
with a making cost, from `pricing.shrink.service.projection_option`) goes back to the Shrink input as its smaller
model, path and the settings it was costed with, read from the facts its making cost keeps (`MakingCost.shrink`); the
page costs it again with them, against the first API option.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pricing.offers import FREE_TIER
from pricing.planning.projection import ApiOption, DeclineRate, HybridOption, SelfHostOption, ShrinkSettings
from pricing.planning.service import Scenario, SelfHostForm, Uncertainty
from pricing.sizing import BYTES_PER_PARAMETER, normalise_precision

FORM_PRECISIONS = {"fp8": "FP8", "fp16": "FP16", "bf16": "FP16", "int4": "INT4"}  # the form offers these three
_SELF_HOST_NAME = re.compile(r"^self-host (?P<model>.+) on (?P<gpu>.+) \((?P<mode>[^()]+)\)$")
_PRECISION_WORD = re.compile(r"\b(" + "|".join(BYTES_PER_PARAMETER) + r")\b", re.IGNORECASE)
_LATEST_MONTHS = re.compile(r"the latest (\d+) months")


@dataclass(frozen=True)
class ShrinkForm:
    """The Shrink input of Spend projections: the smaller model, the path that makes it and the settings it was
    costed with."""

    candidate: str
    path: str
    settings: ShrinkSettings


@dataclass(frozen=True, kw_only=True)
class FormValues:
    """What each input of the Spend projections form shows for a scenario; `not_restored` says in words what the
    form cannot show (the scenario's own values are still the ones its results use)."""

    horizon_months: int
    upload_id: str | None
    workload: str | None
    mix_months: int
    base_output_tokens: float
    input_output_ratio: float
    growth_model: str
    growth_pct: float
    api_models: tuple[str, ...]
    decline_index: int
    self_host: SelfHostForm | None
    peak_to_average: float
    hybrid_pct: int
    uncertainty: Uncertainty
    shrink: ShrinkForm | None = None
    not_restored: tuple[str, ...] = field(default=())


def api_model_key(option: ApiOption) -> str:
    """The sheet key an API option was priced from (a free tier's name says so after the key)."""
    suffix = f" ({FREE_TIER}, $0)"
    return option.name[: -len(suffix)] if option.name.endswith(suffix) else option.name


def _decline_index(options: Sequence[ApiOption], rates: Sequence[DeclineRate]) -> tuple[int, str | None]:
    """The decline choice the API options were priced with (its source named, else its value), or the default
    with a note."""
    if not options:
        return 0, None
    first = options[0]
    for index, rate in enumerate(rates):
        if rate.source == first.price_decline_source:
            return index, None
    factor = first.price_decline_factor_per_year
    for index, rate in enumerate(rates):
        flat = rate.value_per_year == 0 and factor in (0.0, 1.0)
        if flat or math.isclose(rate.value_per_year, factor, rel_tol=1e-9):
            return index, None
    return 0, f"the API price decline ({factor:g}x a year) is not one of the choices"


def _precision(option: SelfHostOption) -> str | None:
    """The form's precision of a self-hosted plan: its measurement's, else the one its roofline names."""
    plan = option.plan
    texts = [plan.measurement.precision] if plan.measurement is not None else []
    texts.append(plan.throughput_source)
    for text in texts:
        found = _PRECISION_WORD.search(text or "")
        if found:
            return FORM_PRECISIONS.get(normalise_precision(found.group(1)))
    return None


def _self_host(option: SelfHostOption, gpus: Sequence[str]) -> tuple[SelfHostForm | None, list[str]]:
    """The self-hosting form of an option, or None with why."""
    named = _SELF_HOST_NAME.match(option.name)
    precision = _precision(option)
    if named is None or precision is None or option.plan.gpu not in gpus:
        return None, [f"the self-hosted option '{option.name}' is not one the form can set"]
    ownership = option.plan.ownership
    bought = ownership.mode == "bought"
    capital = (
        {
            "cost_of_capital_per_year": ownership.cost_of_capital_per_year,
            "life_years": ownership.life_years,
            "residual_value_share": ownership.residual_value_share,
            "usd_per_kwh": ownership.usd_per_kwh,
            "pue": ownership.pue,
        }
        if bought
        else {}
    )
    form = SelfHostForm(
        model_id=named.group("model"),
        gpu=option.plan.gpu,
        precision=precision,
        mode=ownership.mode,
        usd_per_gpu_hour=ownership.usd_per_gpu_hour,
        purchase_usd_per_gpu=ownership.purchase_usd_per_gpu,
        ops_usd_per_month=ownership.ops_usd_per_month,
        capital=capital,
    )
    return form, []


def _shrink(option: ApiOption | SelfHostOption, api: Sequence[ApiOption]) -> tuple[ShrinkForm | None, list[str]]:
    """The Shrink input of a shrunk option, or None with why; a note when it was costed against another baseline."""
    spec = option.making.shrink if option.making is not None else None
    if spec is None:
        return None, [
            f"the shrunk option '{option.name}' does not say how it was made (a making cost set by hand, or saved "
            "before options kept their shrink settings), so the Shrink input cannot set it; name its model and path "
            "there again"
        ]
    notes = []
    baseline = spec.baseline
    first = api_model_key(api[0]) if api else None
    if baseline != first:
        notes.append(
            f"its shrunk option was costed against {baseline}; the Shrink input costs it against the first API option"
            + (f", {first}" if first else ", and there is none")
        )
    return ShrinkForm(spec.candidate, spec.path, spec.settings), notes


def form_values(
    scenario: Scenario, *, decline_rates: Sequence[DeclineRate], gpus: Sequence[str], uploads: Sequence[str]
) -> FormValues:
    """The form's values for a scenario, given the decline choices, GPUs and kept uploads the form offers."""
    inputs = scenario.inputs
    notes: list[str] = []
    shrunk = [o for o in inputs.options if isinstance(o, ApiOption | SelfHostOption) and o.making is not None]
    api = [o for o in inputs.options if isinstance(o, ApiOption) and o.making is None]
    own = [o for o in inputs.options if isinstance(o, SelfHostOption) and o.making is None]
    hybrids = [o for o in inputs.options if isinstance(o, HybridOption)]
    decline_index, why = _decline_index(api, decline_rates)
    notes += [why] if why else []
    self_host: SelfHostForm | None = None
    if own:
        self_host, problems = _self_host(own[0], gpus)
        notes += problems
    if len(own) > 1:
        notes.append(f"only the first of its {len(own)} self-hosted options can be set in the form")
    shrink: ShrinkForm | None = None
    if shrunk:
        shrink, problems = _shrink(shrunk[0], api)
        notes += problems
    if len(shrunk) > 1:
        notes.append(f"only the first of its {len(shrunk)} shrunk options can be set in the Shrink input")
    hybrid_pct = 0
    if hybrids and own:
        shares = dict(hybrids[0].shares)
        hybrid_pct = round(shares.get(own[0].name, 0.0) * 100)
    upload_id = scenario.upload_id if scenario.upload_id in uploads else None
    if scenario.upload_id and upload_id is None:
        notes.append("its usage upload is not kept in this database, so its volumes are typed in")
    latest = _LATEST_MONTHS.search(scenario.mix_window or "")
    return FormValues(
        horizon_months=inputs.horizon_months,
        upload_id=upload_id,
        workload=scenario.workload,
        mix_months=int(latest.group(1)) if latest else 1,
        base_output_tokens=inputs.base_output_tokens_per_month,
        input_output_ratio=inputs.input_output_ratio,
        growth_model=inputs.growth_model,
        growth_pct=inputs.monthly_growth * 100,
        api_models=tuple(api_model_key(o) for o in api),
        decline_index=decline_index,
        self_host=self_host,
        peak_to_average=inputs.peak_to_average,
        hybrid_pct=hybrid_pct,
        uncertainty=scenario.uncertainty,
        shrink=shrink,
        not_restored=tuple(notes),
    )
