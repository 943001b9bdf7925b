"""What a report is asked for: a small value with no PDF machinery behind it, so pages can build one cheaply."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pricing.metrics import DEFAULT_METRIC

if TYPE_CHECKING:
    from pricing.planning.service import Scenario
    from pricing.portfolio.service import PortfolioSection


@dataclass(frozen=True)
class ReportRequest:
    """What a report is of and for: the scenario (saved name or value), who it is prepared for, the price sheet
    and quality metric of its frontier (default: the bundled sheet, Arena Elo), the quality floor an option must
    meet (none: the report recommends nothing and ranks by cost), the option in use today (an option's name or
    the model it serves; none: no saving is stated), the report date, an optional portfolio section, and whether
    the scenario is a draft from the page's defaults (never loaded or saved), which the title and file name say."""

    scenario: str | Scenario
    prepared_for: str = ""
    sheet_name: str | None = None
    metric_id: str = DEFAULT_METRIC
    quality_floor: float | None = None
    current_option: str | None = None
    today: dt.date | None = None
    portfolio: PortfolioSection | None = None
    draft: bool = False

    def __post_init__(self) -> None:
        # A NaN floor compares false with every score, so the report would silently have none.
        if self.quality_floor is not None and not math.isfinite(self.quality_floor):
            raise ValueError(
                f"the quality floor is {self.quality_floor}; give a number (in the metric's unit), or none"
            )


DRAFT_NAME = "draft from defaults"


def _slug(text: str) -> str:
    """Lower-case words joined by hyphens, safe in a file name on any system ("Base case (EU)" -> "base-case-eu")."""
    return re.sub(r"[^\w]+", "-", text.strip().lower()).strip("-_") or "scenario"


def report_file_name(scenario_name: str, today: dt.date, draft: bool = False, suffix: str = "pdf") -> str:
    """The report's file name: the scenario (or 'draft-from-defaults') and the date,
    `frontier-report-base-case-2026-12-01.pdf`."""
    name = _slug(DRAFT_NAME if draft else scenario_name)
    return f"frontier-report-{name}-{today.isoformat()}.{suffix}"
