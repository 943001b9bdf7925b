"""Scenarios as shareable text: every assumption of a projection, encoded for a URL and decoded safely.

A scenario is a JSON object (the projection inputs plus which usage upload it uses). In a link it
travels compressed and base64url-encoded, so a link reproduces the view exactly; decoding checks the
format version and reports a damaged link clearly instead of raising a parser error.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from pricing.limits import MAX_LINK_CHARS, MAX_SCENARIO_BYTES, InputError

SCENARIO_FORMAT = 1


class ScenarioLinkError(InputError):
    """A scenario link that cannot be read."""


def encode_scenario(data: dict[str, Any]) -> str:
    """Compact, URL-safe text for a scenario dict (keys sorted, so equal scenarios give equal links)."""
    payload = json.dumps({"format": SCENARIO_FORMAT, "scenario": data}, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(payload.encode("utf-8"), 9)).decode("ascii").rstrip("=")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a scenario holds")


def decode_scenario(token: str) -> dict[str, Any]:
    """The scenario dict from a link's text; ScenarioLinkError says what is wrong.

    The link is refused before it is read past MAX_LINK_CHARS, and inflated only up to MAX_SCENARIO_BYTES: a
    small link can inflate a thousandfold (zlib.decompress's bufsize is where it starts, not a cap).
    """
    if len(token) > MAX_LINK_CHARS:
        raise ScenarioLinkError(
            f"the scenario link is {len(token):,} characters; Frontier's links are at most {MAX_LINK_CHARS:,}. "
            "Open the page without it, or ask for the link again"
        )
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), MAX_SCENARIO_BYTES + 1)
        if len(raw) > MAX_SCENARIO_BYTES or inflater.unconsumed_tail:
            raise ScenarioLinkError(
                f"the scenario link inflates to more than {MAX_SCENARIO_BYTES // 1024} KiB, far more than any "
                "scenario; it was not made by Frontier. Open the page without it"
            )
        if not inflater.eof:
            raise ValueError("the compressed text ends early")
        envelope = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except ScenarioLinkError:
        raise
    except RecursionError:
        raise ScenarioLinkError("the scenario link is damaged: it nests values hundreds deep") from None
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise ScenarioLinkError(f"the scenario link is damaged (was it cut off when copied?): {exc}") from None
    if not isinstance(envelope, dict) or envelope.get("format") != SCENARIO_FORMAT:
        raise ScenarioLinkError("the scenario link comes from another version of Frontier and cannot be read")
    scenario = envelope.get("scenario")
    if not isinstance(scenario, dict):
        raise ScenarioLinkError("the scenario link holds no scenario")
    return scenario
