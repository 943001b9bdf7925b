"""The one module that calls models: litellm is the gateway, and one of two clients is the stopwatch.

`resolve_route` asks litellm for the provider, URL, headers, auth and request body of a model. Where that route
is an OpenAI-compatible stream (NIM, vLLM, SGLang, TGI, llama.cpp, Ollama's /v1, OpenAI and litellm's
OpenAI-compatible providers) the lean client of `evals.sse` reads it: about 12 us of CPU per chunk, against
420-555 us through litellm's streaming wrapper, which at load would measure the client instead of the model.
Anthropic, Bedrock, Vertex, Gemini and other APIs go through `litellm.acompletion` (`stream_litellm`). Both
return the same `StreamResult`; timing follows NVIDIA GenAI-Perf/AIPerf (the clock starts just before the request
is handed to the client; TTFT ends at the first non-empty token, answer or reasoning). Failures are not raised:
they come back as a result with an error type, so a probe run records them and goes on. Keys are passed in per
call, never stored, and scrubbed from every error message kept.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any

from evals.results import ERROR_TYPES, StreamResult, estimate_tokens, finish_result, scrub
from evals.sse import LEAN, LITELLM, Route, new_session, stream_lean

if TYPE_CHECKING:
    import aiohttp

__all__ = ["ERROR_TYPES", "Route", "StreamResult", "Target", "scrub"]


def _litellm() -> ModuleType:
    """litellm, imported on the first call to a model (the import takes seconds; listing runs never needs it)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price map at import
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download a tokenizer mid-stream
    import litellm

    litellm.suppress_debug_info = True  # no feedback banner on every error
    return litellm


LEAN_PROVIDERS = frozenset(
    {
        # litellm providers whose chat route is a plain OpenAI-compatible /chat/completions stream
        "openai",
        "nvidia_nim",
        "hosted_vllm",
        "custom_openai",
        "openai_like",
        "lm_studio",
        "llamafile",
        "groq",
        "together_ai",
        "deepinfra",
        "fireworks_ai",
        "xai",
        "deepseek",
        "cerebras",
        "sambanova",
        "nebius",
    }
)
CLIENT_CHOICES = ("auto", LEAN, LITELLM)


@dataclass(frozen=True)
class Target:
    """Where and how to call a model. The key is passed in, not stored with the target."""

    model: str  # litellm model name, e.g. "nvidia_nim/meta/llama-3.1-8b-instruct" or "gpt-4o-mini"
    api_base: str | None = None


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


async def stream_litellm(
    target: Target,
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    timeout_s: float,
    api_key: str | None = None,
    clock: Callable[[], float] = time.perf_counter,
    extra: dict[str, Any] | None = None,
) -> StreamResult:
    """Send one streamed chat request through litellm and time it; errors are returned, never raised."""
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
        result.output_tokens = chunks_with_text or estimate_tokens(result.answer)
        result.input_tokens = sum(estimate_tokens(m.get("content", "")) for m in messages)
        result.tokens_estimated = True
    return finish_result(result, chunks_with_text)


def resolve_route(target: Target, api_key: str | None, prefer: str = "auto") -> Route:
    """Ask litellm where and how this model is called; pick the lean path when the route is OpenAI-compatible.

    litellm is the gateway: `get_llm_provider` names the provider and its base URL, and the provider's chat config
    maps the parameters (e.g. `max_completion_tokens` for OpenAI's reasoning models), builds the body, the URL and
    the auth headers. The lean path then only reads the stream. `prefer` forces a path ("lean" fails with the reason
    when the route is not OpenAI-compatible).
    """
    if prefer not in CLIENT_CHOICES:
        raise ValueError(f"client must be one of {', '.join(CLIENT_CHOICES)}, not {prefer!r}")
    litellm = _litellm()
    from litellm.types.utils import LlmProviders
    from litellm.utils import ProviderConfigManager

    litellm_route = Route(LITELLM, target.model, "", api_base=target.api_base)
    try:
        model, provider, dynamic_key, api_base = litellm.get_llm_provider(target.model, api_base=target.api_base)
    except Exception as exc:  # an unknown provider: litellm itself will say so on the first request
        reason = f"litellm does not know the provider of {target.model!r} ({type(exc).__name__})"
        if prefer == LEAN:
            raise ValueError(f"the lean client cannot send to this model: {reason}") from None
        return replace(litellm_route, why=reason)
    litellm_route = replace(litellm_route, provider=provider)
    if prefer == LITELLM:
        return replace(litellm_route, why="litellm client chosen for this run")
    if provider not in LEAN_PROVIDERS or not api_base and provider != "openai":
        reason = (
            f"{provider} is not an OpenAI-compatible stream"
            if provider not in LEAN_PROVIDERS
            else f"no base URL known for {provider}"
        )
        if prefer == LEAN:
            raise ValueError(f"the lean client cannot send to this model: {reason}")
        return replace(litellm_route, why=f"litellm measures: {reason}")
    config = ProviderConfigManager.get_provider_chat_config(model, LlmProviders(provider))
    if config is None:
        return replace(litellm_route, why=f"litellm measures: no chat config for {provider}")
    key = api_key or dynamic_key or "not-needed"  # as the litellm path: local servers take any key
    base = api_base or "https://api.openai.com/v1"  # only OpenAI itself comes without a base URL
    wanted = {"max_tokens": 1, "stream": True, "stream_options": {"include_usage": True}}
    params = config.map_openai_params(wanted, {}, model, drop_params=False)
    headers = config.validate_environment({}, model, [], params, {}, key, base)
    body = config.transform_request(model, [], params, {}, headers)
    # litellm's nvidia_nim config drops stream_options, so NIM's own token counts would never be sent: ask for them.
    body["stream_options"] = {"include_usage": True}
    body.pop("messages", None)
    url = config.get_complete_url(base, key, model, params, {}, stream=True)
    return Route(
        LEAN,
        model,
        provider,
        url=url,
        body=body,
        headers={k: str(v) for k, v in headers.items()},
        api_base=base,
        why=f"{provider} serves an OpenAI-compatible stream: read with aiohttp, litellm resolved the route",
    )


async def send(
    route: Route,
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    timeout_s: float,
    api_key: str | None = None,
    session: aiohttp.ClientSession | None = None,
    extra: dict[str, Any] | None = None,
) -> StreamResult:
    """One timed request on the route's path; on the lean path, `session` pools connections (one per event loop)."""
    if route.path == LITELLM:
        target = Target(route.model, route.api_base)
        return await stream_litellm(
            target, messages, max_tokens=max_tokens, timeout_s=timeout_s, api_key=api_key, extra=extra
        )
    secrets = (api_key or "",)
    if session is not None:
        return await stream_lean(
            route, session, messages, max_tokens=max_tokens, timeout_s=timeout_s, secrets=secrets, extra=extra
        )
    async with new_session() as own:
        return await stream_lean(
            route, own, messages, max_tokens=max_tokens, timeout_s=timeout_s, secrets=secrets, extra=extra
        )


async def stream_chat(
    target: Target,
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    timeout_s: float,
    api_key: str | None = None,
    prefer: str = "auto",
) -> StreamResult:
    """One timed request to a target, routed as a probe would route it (for 'Test connection' and calibration)."""
    route = resolve_route(target, api_key, prefer)
    return await send(route, messages, max_tokens=max_tokens, timeout_s=timeout_s, api_key=api_key)


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
