"""How spend planning is shown: the words, tables and chart frames of the Spend projections page (and of the report
where the two say the same thing), built from planning's values.

Pure: values in, text and frames out. No store and no Streamlit; the use cases that read the store are in
`pricing.planning.service`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pricing.exports import fmt_tokens, fmt_usd
from pricing.planning.projection import MIN_FIT_POINTS, DeclineRate, HeadToHead
from pricing.planning.service import (
    BREAK_EVEN_RULE,
    DEFAULT_SELF_HOST_MODEL,
    DefaultModel,
    Outcome,
    SelfHostChoice,
    SelfHostOption,
    Uncertainty,
    UsageSummary,
    decline_label,
    head_to_head_rows,
)
from pricing.planning.usage_files import UsageLoad

NO_SELF_HOST = "(none)"  # the open-model choice that leaves self-hosting out


def _by(row: object) -> str:
    """', by NAME' for a row a named person made (created_by); nothing where the deployment supplied no name."""
    name = getattr(row, "created_by", None)
    return f", by {name}" if isinstance(name, str) and name.strip() else ""


def upload_labels(uploads: pd.DataFrame) -> dict[str, str]:
    """Kept uploads by id, as the Projections page names them: file, when it was uploaded (and by whom), months."""
    return {
        r.upload_id: f"{r.file_name} ({str(r.uploaded_at)[:16]}{_by(r)}, {r.months} months)"
        for r in uploads.itertuples()
    }


def saved_scenarios_text(saved: pd.DataFrame) -> str:
    """The saved scenarios in one line, newest first, each with who saved it (where known) and when (UTC)."""
    if saved.empty:
        return "Saved scenarios: none yet."
    return (
        "Saved scenarios: "
        + ", ".join(f"{r.name} ({str(r.updated_at)[:16]} UTC{_by(r)})" for r in saved.itertuples())
        + "."
    )


def upload_labels_with_workloads(uploads: pd.DataFrame) -> dict[str, str]:
    """Kept uploads by id, as the Portfolio page names them: file, when it was uploaded, its workloads."""
    return {r.upload_id: f"{r.file_name} ({str(r.uploaded_at)[:16]}; {r.workloads})" for r in uploads.itertuples()}


def upload_text(load: UsageLoad) -> str:
    """What was read from a usage file, in one sentence."""
    return (
        f"Read {load.rows_read:,} rows ({load.kind}) from {load.file_name}: {load.months} months, "
        f"workloads {', '.join(load.workloads)}."
    )


def history_months(monthly: pd.DataFrame) -> int:
    """How many calendar months a usage history covers, every workload together."""
    return int(pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m").nunique())


def token_volumes(usage: UsageSummary) -> pd.DataFrame:
    """Output and input tokens per month of a usage history, for a bar chart."""
    return pd.DataFrame({"output tokens": usage.output_tokens, "input tokens": usage.input_tokens}, index=usage.months)


def usage_text(usage: UsageSummary) -> str:
    """Where a projection from this usage starts, and the mix it is priced with."""
    return (
        f"Projections start from the latest month ({fmt_tokens(usage.base_output_tokens)} output tokens) priced with "
        f"{usage.mix_text}."
    )


def can_fit_growth(usage: UsageSummary | None) -> bool:
    """Whether a usage history is long enough to fit growth curves to (else growth is set by hand)."""
    return usage is not None and len(usage.output_tokens) >= MIN_FIT_POINTS


def default_models_text(defaults: Sequence[DefaultModel]) -> str:
    """The default API options and why each was chosen, in one line (markdown)."""
    return "Default API options: " + " · ".join(f"**{d.model_key}**: {d.reason}." for d in defaults)


def decline_text(decline: DeclineRate) -> str:
    """A price-decline choice with its source's address when it has one."""
    return f"{decline_label(decline)}" + (f" Source: {decline.source_url}" if decline.source_url else "")


def self_host_models(models: pd.DataFrame) -> tuple[list[str], int]:
    """The open-model choices for self-hosting (open weights with a known size, after NO_SELF_HOST) and the index of
    the default one (the model the default API options are matched to, else none)."""
    sizable = models[models["param_count_b"].notna() & models["open_weights"].eq(True)]
    ids = sorted(sizable["model_id"])
    index = (ids.index(DEFAULT_SELF_HOST_MODEL) + 1) if DEFAULT_SELF_HOST_MODEL in ids else 0
    return [NO_SELF_HOST, *ids], index


def self_host_text(option: SelfHostOption, choice: SelfHostChoice) -> str:
    """How the self-hosted option a person chose is sized: GPUs per replica, a replica's throughput, the headroom."""
    plan = option.plan
    return (
        f"{choice.model_id} at {choice.precision} needs {plan.gpus_per_replica} x {choice.gpu} per replica; a replica "
        f"serves about {plan.replica_output_tokens_per_s:,.0f} output tokens/s ({plan.throughput_source}). GPUs come "
        f"in whole units sized for peak x {1 + plan.headroom:.1f} headroom at {plan.target_utilisation:.0%} target "
        "utilisation, costed on the allocation basis."
    )


@dataclass(frozen=True)
class BreakEvenHeadline:
    """The first comparison of a self-hosted option as one headline figure: when it breaks even, what it saves (or
    costs more) at the horizon, whether that is a saving, and what the figure means."""

    value: str
    delta: str
    saves: bool
    help: str


def break_even_headline(h: HeadToHead) -> BreakEvenHeadline:
    """The headline figure of one comparison."""
    saves = h.saving_usd >= 0
    return BreakEvenHeadline(
        value=f"month {h.break_even_month}" if h.break_even_month else f"none in {h.horizon_months} months",
        delta=f"{'saves' if saves else 'costs'} {fmt_usd(abs(h.saving_usd))}{'' if saves else ' more'} over "
        f"{h.horizon_months} months",
        saves=saves,
        help=f"{h.option} against {h.versus}. The rule: {BREAK_EVEN_RULE}. The saving is the API's total minus the "
        "self-hosted option's at the horizon; the months ahead and cheaper are below.",
    )


def uncertainty_text(uncertainty: Uncertainty) -> str:
    """How the Monte Carlo draws each input, in one sentence."""
    return "Monte Carlo, centred on this scenario: " + "; ".join(f"{k}: {v}" for k, v in uncertainty.describe()) + "."


def break_even_table(outcome: Outcome) -> pd.DataFrame:
    """Each self-hosted or hybrid option against each API option, one row each: break-even, saving, months ahead and
    cheaper (the sentences and the horizon left out: the table's headings say them)."""
    return pd.DataFrame(head_to_head_rows(outcome)).drop(columns=["summary", "horizon_months"])


def by_period(monthly: pd.DataFrame) -> pd.DataFrame:
    """The monthly table (`service.monthly_table`) with its periods as a column, for a download."""
    return monthly.reset_index(names="period")


def sensitivity_title(horizon_months: int, option: str, versus: str | None = None) -> str:
    """What a tornado chart shows: the horizon cost of an option, or its difference to another."""
    if versus is None:
        return f"What moves the {horizon_months}-month cost of {option}"
    return f"What moves the {horizon_months}-month cost of {option} minus {versus}"


def workload_names(monthly: pd.DataFrame) -> list[str]:
    """The workloads of a usage history, sorted."""
    return sorted(str(w) for w in monthly["workload"].unique())
