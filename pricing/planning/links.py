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

SCENARIO_FORMAT = 1
MAX_LINK_BYTES = 64_000  # a link this long is a mistake or an attack, not a scenario


class ScenarioLinkError(ValueError):
    """A scenario link that cannot be read."""


def encode_scenario(data: dict[str, Any]) -> str:
    """Compact, URL-safe text for a scenario dict (keys sorted, so equal scenarios give equal links)."""
    payload = json.dumps({"format": SCENARIO_FORMAT, "scenario": data}, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(payload.encode("utf-8"), 9)).decode("ascii").rstrip("=")


def decode_scenario(token: str) -> dict[str, Any]:
    """The scenario dict from a link's text; ScenarioLinkError says what is wrong."""
    if len(token) > MAX_LINK_BYTES:
        raise ScenarioLinkError("the scenario link is too long to be one of ours")
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), bufsize=MAX_LINK_BYTES)
        envelope = json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise ScenarioLinkError(f"the scenario link is damaged (was it cut off when copied?): {exc}") from None
    if not isinstance(envelope, dict) or envelope.get("format") != SCENARIO_FORMAT:
        raise ScenarioLinkError("the scenario link comes from another version of Frontier and cannot be read")
    scenario = envelope.get("scenario")
    if not isinstance(scenario, dict):
        raise ScenarioLinkError("the scenario link holds no scenario")
    return scenario
