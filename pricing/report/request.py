"""What a report is asked for: a small value with no PDF machinery behind it, so pages can build one cheaply."""

from __future__ import annotations

import datetime as dt
import math
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
    meet (none: the summary says so), the option in use today (default: the dearest API option), the report
    date, and an optional portfolio section."""

    scenario: str | Scenario
    prepared_for: str = ""
    sheet_name: str | None = None
    metric_id: str = DEFAULT_METRIC
    quality_floor: float | None = None
    current_option: str | None = None
    today: dt.date | None = None
    portfolio: PortfolioSection | None = None

    def __post_init__(self) -> None:
        # A NaN floor compares false with every score, so the report would silently have none.
        if self.quality_floor is not None and not math.isfinite(self.quality_floor):
            raise ValueError(
                f"the quality floor is {self.quality_floor}; give a number (in the metric's unit), or none"
            )
