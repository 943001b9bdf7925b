"""Open the dashboard in the user's browser once the server answers its health check (used by `make run`)."""

from __future__ import annotations

import sys
import time
import urllib.request
import webbrowser


def main(port: str) -> None:
    """Poll /_stcore/health for up to two minutes, then open the page; without a browser, do nothing."""
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    webbrowser.open(url)
                    return
        except OSError:
            pass
        time.sleep(1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "8501")
