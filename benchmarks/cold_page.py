"""Loading pages with Streamlit's AppTest, and the fresh-process worker for cold loads.

This module imports nothing of the app (no pricing or pandas), so that a cold load timed in a
fresh process pays for those imports inside the timed page run, as the first visitor of a new server does.
Run as `python -m benchmarks.cold_page app|costs|costs-litellm|trivial TRIVIAL_PAGE` with FRONTIER_DB set; it
prints {"seconds": ...} as its last line. `costs` opens Home, then "Prices & self-hosting" (which quotes a request);
`costs-litellm` does the same after importing litellm, as quoting did before the price map was read from its file.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

APP_PATH = Path(__file__).resolve().parent.parent / "app.py"
EXPLORER_PAGE = "views/explorer.py"
EXPLORER_TITLE = "Frontier explorer"
COSTS_PAGE = "views/costs.py"
COSTS_TITLE = "Prices & self-hosting"
RUN_TIMEOUT_S = 180


BARE_MODE_NOISE = ("missing ScriptRunContext", "No runtime found")


class _DropBareModeNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in BARE_MODE_NOISE)


def quiet_streamlit() -> None:
    """Drop the warnings that every AppTest run prints in bare mode (no server runtime).

    A filter on the two loggers, because Streamlit resets its loggers' levels when it reads its config.
    """
    for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropBareModeNoise) for f in logger.filters):
            logger.addFilter(_DropBareModeNoise())


def open_page(page: str, title: str, app_path: Path = APP_PATH) -> None:
    """Run the app, switch to one of its pages and run it; fail on any exception or a missing title."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app_path), default_timeout=RUN_TIMEOUT_S)
    at.run()
    if at.exception:
        raise RuntimeError(f"app.py raised: {at.exception[0].value}")
    at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].value}")
    if title not in [shown.value for shown in at.title]:
        raise RuntimeError(f"{page} did not render its title")


def open_explorer(app_path: Path = APP_PATH) -> None:
    """Run the app, switch to the explorer and run it; fail on any exception in the page."""
    open_page(EXPLORER_PAGE, EXPLORER_TITLE, app_path)


def open_trivial(page: Path) -> None:
    """Run a page of our own (the one-line baseline)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(page), default_timeout=RUN_TIMEOUT_S)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page.name} raised: {at.exception[0].value}")


def main(argv: list[str]) -> int:
    """Time the first load of the explorer ('app'), of the costs page ('costs', 'costs-litellm') or of the given
    page ('trivial') in this process."""
    kind, trivial = argv[0], Path(argv[1])
    from streamlit.testing.v1 import AppTest  # noqa: F401  (the harness is not what we time)

    quiet_streamlit()
    started = time.perf_counter()
    if kind == "app":
        open_explorer()
    elif kind in ("costs", "costs-litellm"):
        if kind == "costs-litellm":
            from pricing.litellm_prices import litellm_module

            litellm_module()
        open_page(COSTS_PAGE, COSTS_TITLE)
    else:
        open_trivial(trivial)
    print(json.dumps({"seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
