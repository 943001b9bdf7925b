"""Request failures are told apart by their exception classes and causes, never by their message text."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import httpx
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import litellm  # noqa: E402
from litellm.exceptions import MidStreamFallbackError  # noqa: E402

from evals.client import ERROR_TYPES, classify  # noqa: E402

WHERE = {"model": "test-model", "llm_provider": "openai"}
REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def _caused_by(exc: BaseException, cause: BaseException) -> BaseException:
    """`exc` as litellm raises it while handling `cause`."""
    try:
        try:
            raise cause
        except BaseException as inner:
            raise exc from inner
    except BaseException as outer:
        return outer


def _mid_stream(cause: BaseException) -> BaseException:
    return MidStreamFallbackError(message="stream broke", original_exception=cause, **WHERE)  # type: ignore[arg-type]


CASES: list[tuple[str, Callable[[], BaseException], tuple[str, int | None]]] = [
    ("timeout", lambda: litellm.Timeout(message="slow", **WHERE), ("timeout", None)),
    ("our own deadline", lambda: TimeoutError("stream exceeded the request timeout"), ("timeout", None)),
    ("429", lambda: litellm.RateLimitError(message="slow down", **WHERE), ("rate_limited", 429)),
    ("401", lambda: litellm.AuthenticationError(message="bad key", **WHERE), ("auth_rejected", 401)),
    ("404", lambda: litellm.NotFoundError(message="no such model", **WHERE), ("model_unknown", 404)),
    ("400", lambda: litellm.BadRequestError(message="bad", **WHERE), ("bad_request", 400)),
    ("503", lambda: litellm.ServiceUnavailableError(message="busy", **WHERE), ("server_error", 503)),
    (
        "refused",
        lambda: _caused_by(litellm.InternalServerError(message="x", **WHERE), httpx.ConnectError("", request=REQUEST)),
        ("connection_refused", None),
    ),
    (
        # the message says "Connection error", but nothing behind it failed to connect: the server answered 500
        "500 worded like a refusal",
        lambda: litellm.InternalServerError(message="Connection error.", **WHERE),
        ("server_error", 500),
    ),
    ("cut mid-stream", lambda: _mid_stream(httpx.ReadError("peer closed", request=REQUEST)), ("stream_cut", None)),
    ("bare protocol error", lambda: httpx.RemoteProtocolError("incomplete chunked read"), ("stream_cut", None)),
    (
        "chunk that is not JSON",
        lambda: _mid_stream(
            _caused_by(litellm.APIConnectionError(message="x", **WHERE), json.JSONDecodeError("Expecting", "{", 1))
        ),
        ("malformed_stream", None),
    ),
    ("anything else", lambda: ValueError("Connection refused"), ("client_error", None)),
]


@pytest.mark.parametrize(("make", "expected"), [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES])
def test_failures_are_classified_by_class_and_cause(
    make: Callable[[], BaseException], expected: tuple[str, int | None]
) -> None:
    assert classify(make()) == expected
    assert expected[0] in ERROR_TYPES
