"""The lean timing path: one streamed chat completion read straight off the socket with aiohttp.

litellm stays the gateway (`evals.client.resolve_route` asks it for the provider's URL, headers, auth and request
body), but its streaming wrapper costs 420-555 us of CPU per chunk here against about 12 us for aiohttp reading
server-sent events, so at load it, not the model, would set the figures. This module reads OpenAI-compatible
SSE (`data: {...}` lines, `data: [DONE]` at the end), timestamps each chunk as it arrives and returns the same
`StreamResult` as the litellm path, classified into the same error types. It imports neither litellm nor
anything of the store, so a worker process starts in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from evals.results import StreamResult, estimate_tokens, finish_result, scrub

LEAN = "lean"  # the path names recorded with each run
LITELLM = "litellm"


@dataclass(frozen=True)
class Route:
    """Where one model's requests go and how they are sent: resolved once per run by litellm.

    `path` says which client measures (LEAN: this module; LITELLM: litellm's acompletion, for APIs that are not
    OpenAI-compatible). `headers` carry the credential, so a Route is never printed, stored or logged.
    """

    path: str
    model: str  # the litellm model name (the litellm path) or the provider's own model name (the lean path)
    provider: str
    url: str | None = None
    body: Mapping[str, Any] = field(default_factory=dict, repr=False)  # fixed fields of every request's body
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    api_base: str | None = None
    why: str = ""  # why this path measures, said in the run

    def payload(self, messages: list[dict[str, str]], max_tokens: int, extra: Mapping[str, Any] | None) -> bytes:
        """The request body: the route's fixed fields, this request's messages and output budget."""
        # The field order of an OpenAI SDK request: model, messages, then the parameters.
        body: dict[str, Any] = {"model": self.body.get("model", self.model), "messages": messages}
        body.update(self.body)
        body["max_completion_tokens" if "max_completion_tokens" in self.body else "max_tokens"] = max_tokens
        body.update(extra or {})
        return json.dumps(body, separators=(",", ":")).encode()


def new_session(limit: int = 0) -> aiohttp.ClientSession:
    """A pooled session for one event loop; `limit` 0 lets every in-flight stream have its own connection."""
    connector = aiohttp.TCPConnector(limit=limit, ttl_dns_cache=300, enable_cleanup_closed=True)
    # No session-wide timeout: each request sets its own deadline.
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None), auto_decompress=True)


class _StreamError(Exception):
    """A stream that broke after it began: cut, or a piece that is not JSON."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _status_error(status: int) -> str:
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth_rejected"
    if status == 404:
        return "model_unknown"
    if status in (400, 413, 422):
        return "bad_request"
    if status >= 500:
        return "server_error"
    return "client_error"


def _retry_after_s(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _error_text(raw: bytes) -> str:
    """The server's own words for an error: an OpenAI-style `error.message`, else the start of the body."""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:200]
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return text.strip()[:200]


def _read_chunk(chunk: dict[str, Any], result: StreamResult, now_ms: float) -> int:
    """Fold one parsed SSE chunk into the result; return 1 if it carried text (answer or reasoning)."""
    carried = 0
    choices = chunk.get("choices") or []
    if choices and isinstance(choices[0], dict):
        choice = choices[0]
        delta = choice.get("delta") or {}
        text = delta.get("content") or ""
        # vLLM/SGLang/NIM reasoning parsers send `reasoning_content` (newer vLLM `reasoning`): a token all the same
        reasoning = delta.get("reasoning_content") or delta.get("reasoning") or ""
        if text or reasoning:
            if result.ttft_ms is None:
                result.ttft_ms = now_ms
            result.token_times_ms.append(now_ms)
            result.answer += text if isinstance(text, str) else ""
            carried = 1
        if choice.get("finish_reason"):
            result.finish_reason = str(choice["finish_reason"])
    usage = chunk.get("usage")
    if isinstance(usage, dict) and usage.get("completion_tokens") is not None:
        result.input_tokens = int(usage.get("prompt_tokens") or 0)
        result.output_tokens = int(usage["completion_tokens"] or 0)
        details = usage.get("completion_tokens_details") or {}
        result.reasoning_tokens = details.get("reasoning_tokens") if isinstance(details, dict) else None
        prompt_details = usage.get("prompt_tokens_details") or {}
        result.cached_input_tokens = prompt_details.get("cached_tokens") if isinstance(prompt_details, dict) else None
    return carried


async def stream_lean(
    route: Route,
    session: aiohttp.ClientSession,
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    timeout_s: float,
    secrets: tuple[str, ...] = (),
    clock: Callable[[], float] = time.perf_counter,
    extra: Mapping[str, Any] | None = None,
) -> StreamResult:
    """Send one streamed chat request on the lean path and time it; errors are returned, never raised."""
    assert route.url is not None, "a lean route has a URL"
    result = StreamResult()
    data = route.payload(messages, max_tokens, extra)
    chunks_with_text = 0
    done = False
    started = clock()
    try:
        async with asyncio.timeout(timeout_s):
            async with session.post(route.url, data=data, headers=dict(route.headers)) as response:
                if response.status != 200:
                    raw = await response.read()
                    result.e2e_ms = (clock() - started) * 1000.0
                    result.http_status = response.status
                    result.error_type = _status_error(response.status)
                    result.retry_after_s = _retry_after_s(response.headers)
                    result.error_message = scrub(f"HTTP {response.status}: {_error_text(raw)}", secrets)
                    return result
                content = response.content
                while True:
                    try:
                        line = await content.readline()
                    except aiohttp.ClientPayloadError as exc:
                        raise _StreamError("stream_cut", f"the connection broke mid-stream ({exc})") from exc
                    if not line:
                        break
                    if not line.startswith(b"data:"):
                        continue  # blank separators, comments (": keep-alive"), event: and id: lines
                    now_ms = (clock() - started) * 1000.0
                    payload = line[5:].strip()
                    if payload == b"[DONE]":
                        done = True
                        break
                    if not payload:
                        continue
                    try:
                        chunk = json.loads(payload)
                    except ValueError as exc:
                        raise _StreamError("malformed_stream", f"a piece is not JSON: {payload[:80]!r}") from exc
                    if not isinstance(chunk, dict):
                        raise _StreamError("malformed_stream", f"a streamed piece is not an object: {payload[:80]!r}")
                    if "error" in chunk and not chunk.get("choices"):
                        raise _StreamError("server_error", f"the server sent an error mid-stream: {chunk['error']}")
                    chunks_with_text += _read_chunk(chunk, result, now_ms)
        result.e2e_ms = (clock() - started) * 1000.0
    except BaseException as exc:  # every failure becomes a recorded result
        if isinstance(exc, asyncio.CancelledError):
            raise
        result.e2e_ms = (clock() - started) * 1000.0
        result.error_type, message = _classify(exc)
        result.error_message = scrub(message, secrets)
        return result
    if not done and result.finish_reason is None and chunks_with_text:
        result.error_type, result.error_message = "stream_cut", "the stream ended before [DONE] and a finish reason"
        return result
    if result.output_tokens is None:
        # The server reported no usage although it was asked to: estimate, and say so.
        result.output_tokens = chunks_with_text or estimate_tokens(result.answer)
        result.input_tokens = sum(estimate_tokens(m.get("content", "")) for m in messages)
        result.tokens_estimated = True
    return finish_result(result, chunks_with_text)


def _classify(exc: BaseException) -> tuple[str, str]:
    """An exception of the lean path as an error type and a message (not yet scrubbed)."""
    if isinstance(exc, _StreamError):
        return exc.error_type, str(exc)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timeout", "no complete answer within the request timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connection_refused", f"cannot connect: {exc.os_error or exc}"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | ConnectionResetError):
        return "stream_cut", f"the server closed the connection: {exc}"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return "connection_refused", f"{type(exc).__name__}: {exc}"
    return "client_error", f"{type(exc).__name__}: {exc}"
