"""The one module that calls models: a streamed chat completion through litellm, timed and classified.

Timing follows NVIDIA GenAI-Perf/AIPerf: the clock starts just before the request is handed to the client
and time to first token (TTFT) ends at the first non-empty token (answer or reasoning text). Failures are
not raised: they come back as a result with an error type, so a probe run records them and goes on. Keys
are passed in per call, never stored, and scrubbed from every error message kept.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any


def _litellm() -> ModuleType:
    """litellm, imported on the first call to a model (the import takes seconds; listing runs never needs it)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price map at import
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download a tokenizer mid-stream
    import litellm

    litellm.suppress_debug_info = True  # no feedback banner on every error
    return litellm


ERROR_TYPES = (
    "timeout",
    "rate_limited",
    "server_error",
    "auth_rejected",
    "model_unknown",
    "connection_refused",
    "bad_request",
    "stream_cut",
    "malformed_stream",
    "empty_answer",
    "client_error",
)
CHARS_PER_TOKEN_ESTIMATE = 4.0  # only when the server reports no usage; such counts are marked estimated
MAX_MESSAGE_CHARS = 300


@dataclass(frozen=True)
class Target:
    """Where and how to call a model. The key is passed in, not stored with the target."""

    model: str  # litellm model name, e.g. "nvidia_nim/meta/llama-3.1-8b-instruct" or "gpt-4o-mini"
    api_base: str | None = None


@dataclass
class StreamResult:
    """One request: its timings, tokens, answer and, when it failed, why."""

    ttft_ms: float | None = None
    e2e_ms: float | None = None
    token_times_ms: list[float] = field(default_factory=list)
    answer: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_input_tokens: int | None = None
    tokens_estimated: bool = False
    finish_reason: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the request produced an answer."""
        return self.error_type is None

    @property
    def itl_ms(self) -> float | None:
        """Inter-token latency = (end-to-end - TTFT) / (output tokens - 1), as GenAI-Perf defines it."""
        if self.ttft_ms is None or self.e2e_ms is None or not self.output_tokens or self.output_tokens < 2:
            return None
        return (self.e2e_ms - self.ttft_ms) / (self.output_tokens - 1)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Remove secrets (and anything shaped like a bearer token) from a message, and shorten it."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    text = re.sub(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}", r"\1<redacted>", text)
    text = re.sub(r"\b(sk|nvapi)-[A-Za-z0-9_\-]{8,}", "<redacted>", text)
    return text[:MAX_MESSAGE_CHARS]


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and every one behind it: litellm keeps the provider's in `original_exception`."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        for behind in (getattr(current, "original_exception", None), current.__cause__, current.__context__):
            if isinstance(behind, BaseException):
                pending.append(behind)
    return found


def classify(exc: BaseException) -> tuple[str, int | None]:
    """Map a litellm (or transport) exception to an error type and HTTP status, by its class and its causes'."""
    litellm = _litellm()
    import httpx
    from litellm.exceptions import MidStreamFallbackError

    status = getattr(exc, "status_code", None)
    causes = _causes(exc)
    if isinstance(exc, litellm.Timeout | asyncio.TimeoutError | TimeoutError):
        return "timeout", None
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return "rate_limited", 429
    if isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError) or status in (401, 403):
        return "auth_rejected", status
    if isinstance(exc, litellm.NotFoundError) or status == 404:
        return "model_unknown", 404
    # A stream that broke after it began: litellm wraps whatever broke it (a cut connection, a chunk that is
    # not JSON) in MidStreamFallbackError, reported as a 503 though the server may never have said so.
    if isinstance(exc, MidStreamFallbackError | httpx.RemoteProtocolError):
        if any(isinstance(c, json.JSONDecodeError | UnicodeDecodeError | httpx.DecodingError) for c in causes):
            return "malformed_stream", None
        return "stream_cut", None
    # No server answered: the transport failed before any response, which litellm reports as a 500.
    if any(
        isinstance(c, ConnectionRefusedError)
        or (isinstance(c, httpx.TransportError) and not isinstance(c, httpx.TimeoutException))
        for c in causes
    ):
        return "connection_refused", None
    if isinstance(exc, litellm.BadRequestError) or status == 400:
        return "bad_request", 400
    if isinstance(status, int) and status >= 500:
        return "server_error", status
    if isinstance(exc, litellm.APIConnectionError):
        return "connection_refused", None
    return "client_error", status if isinstance(status, int) else None


def _estimate_tokens(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN_ESTIMATE)) if text else 0


async def stream_chat(
    target: Target,
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    timeout_s: float,
    api_key: str | None = None,
    clock: Callable[[], float] = time.perf_counter,
    extra: dict[str, Any] | None = None,
) -> StreamResult:
    """Send one streamed chat request and time it; errors are returned, never raised."""
    litellm = _litellm()
    result = StreamResult()
    chunks_with_text = 0
    started = clock()
    try:
        response = await asyncio.wait_for(
            litellm.acompletion(
                model=target.model,
                api_base=target.api_base,
                api_key=api_key or "not-needed",  # local servers take any key; litellm insists on one
                messages=messages,
                max_tokens=max_tokens,
                stream=True,
                stream_options={"include_usage": True},
                timeout=timeout_s,
                max_retries=0,  # retries are the probe's job, so each attempt is counted ...
                num_retries=0,  # ... and litellm's own retry layer must be off too
                **(extra or {}),
            ),
            timeout=timeout_s,
        )
        deadline = started + timeout_s
        iterator = response.__aiter__()
        while True:
            remaining = deadline - clock()
            if remaining <= 0:
                raise TimeoutError("stream exceeded the request timeout")
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), timeout=remaining)
            except StopAsyncIteration:
                break
            now_ms = (clock() - started) * 1000.0
            choices = getattr(chunk, "choices", None) or []
            if choices:
                choice = choices[0]
                delta = getattr(choice, "delta", None)
                text = (getattr(delta, "content", None) or "") if delta is not None else ""
                reasoning = (getattr(delta, "reasoning_content", None) or "") if delta is not None else ""
                if text or reasoning:
                    if result.ttft_ms is None:
                        result.ttft_ms = now_ms
                    result.token_times_ms.append(now_ms)
                    chunks_with_text += 1
                    result.answer += text
                if getattr(choice, "finish_reason", None):
                    result.finish_reason = str(choice.finish_reason)
            usage = getattr(chunk, "usage", None)
            if usage is not None and getattr(usage, "completion_tokens", None) is not None:
                result.input_tokens = int(usage.prompt_tokens or 0)
                result.output_tokens = int(usage.completion_tokens or 0)
                details = getattr(usage, "completion_tokens_details", None)
                result.reasoning_tokens = getattr(details, "reasoning_tokens", None) if details else None
                prompt_details = getattr(usage, "prompt_tokens_details", None)
                result.cached_input_tokens = getattr(prompt_details, "cached_tokens", None) if prompt_details else None
        result.e2e_ms = (clock() - started) * 1000.0
    except BaseException as exc:  # every failure becomes a recorded result
        if isinstance(exc, asyncio.CancelledError):
            raise
        result.e2e_ms = (clock() - started) * 1000.0
        result.error_type, result.http_status = classify(exc)
        partial = getattr(exc, "generated_content", None)
        if isinstance(partial, str) and partial and not result.answer:
            result.answer = partial
        result.retry_after_s = _retry_after(exc)
        result.error_message = scrub(f"{type(exc).__name__}: {exc}", (api_key or "",))
        return result
    if target.model.startswith("nvidia_nim/") and not result.tokens_estimated:
        # litellm's nvidia_nim route drops stream_options, so streamed usage is litellm's own estimate.
        result.tokens_estimated = True
    if result.output_tokens is None:
        # The server reported no usage: estimate, and say so.
        result.output_tokens = chunks_with_text or _estimate_tokens(result.answer)
        result.input_tokens = sum(_estimate_tokens(m.get("content", "")) for m in messages)
        result.tokens_estimated = True
    if not result.answer.strip() and not chunks_with_text:
        result.error_type = "empty_answer"
        result.error_message = f"the model answered nothing (finish reason {result.finish_reason or 'none'})"
    elif result.finish_reason is None:
        result.error_type = "stream_cut"
        result.error_message = "the stream ended without a finish reason"
    return result


async def list_models(target: Target, api_key: str | None, timeout_s: float = 5.0) -> list[str]:
    """Models an OpenAI-compatible server offers (GET /models), for 'Test connection'."""
    import httpx

    if not target.api_base:
        raise ValueError("no api_base: API models are checked with a one-token request instead")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        response = await client.get(target.api_base.rstrip("/") + "/models", headers=headers)
        response.raise_for_status()
        return [str(m.get("id")) for m in response.json().get("data", [])]


def make_judge(target: Target, api_key: str | None, timeout_s: float = 60.0) -> Callable[[str], str]:
    """A judge for the llm_judge scorer: sends the judge prompt to a model the user picked, returns its reply."""

    def judge(prompt: str) -> str:
        response = _litellm().completion(
            model=target.model,
            api_base=target.api_base,
            api_key=api_key or "not-needed",
            messages=[{"role": "user", "content": prompt}],
            max_tokens=32,
            temperature=0,
            timeout=timeout_s,
            max_retries=2,
        )
        return str(response.choices[0].message.content or "")

    return judge
