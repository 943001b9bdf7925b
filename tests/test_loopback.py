"""The loopback OpenAI-compatible server, exercised raw and through real litellm, including every fault kind."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import litellm  # noqa: E402
import litellm.exceptions  # noqa: E402

from evals.loopback import (  # noqa: E402
    REDACTED,
    LoopbackConfig,
    LoopbackServer,
    RecordedRequest,
    split_tokens,
)

MESSAGES = [{"role": "user", "content": "What is the answer to everything?"}]
NO_RETRY: dict[str, Any] = {"num_retries": 0, "max_retries": 0}


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    """A fresh loopback server with the default configuration."""
    with LoopbackServer(LoopbackConfig()) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _quiet_litellm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep litellm's 'Give Feedback' banner out of the test output."""
    monkeypatch.setattr(litellm, "suppress_debug_info", True)


def _stream(url: str, *, model: str = "openai/test-model", **kwargs: Any) -> tuple[str, str | None, Any]:
    """Stream one completion through litellm; return the text, the last finish_reason and the usage."""
    response = litellm.completion(
        model=model,
        api_base=url,
        api_key=kwargs.pop("api_key", "sk-test"),
        messages=kwargs.pop("messages", MESSAGES),
        stream=True,
        stream_options={"include_usage": True},
        **kwargs,
    )
    text, finish, usage = "", None, None
    for chunk in response:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        usage = getattr(chunk, "usage", None) or usage
    return text, finish, usage


def _complete(url: str, *, model: str = "openai/test-model", **kwargs: Any) -> Any:
    """One non-streamed completion through litellm."""
    return litellm.completion(
        model=model, api_base=url, api_key=kwargs.pop("api_key", "sk-test"), messages=MESSAGES, **kwargs
    )


def _max_overlap(requests: list[RecordedRequest]) -> int:
    """The most requests the server had in flight at once."""
    events = sorted([(r.received_at, 1) for r in requests] + [(r.finished_at or r.received_at, -1) for r in requests])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def _closed_url() -> str:
    """The base URL of a server that has been stopped, so its port refuses connections."""
    srv = LoopbackServer()
    url = srv.start()
    srv.stop()
    return url


def test_split_tokens_gives_exactly_the_requested_count() -> None:
    """Answers split by words, by characters, or padded with whitespace tokens."""
    assert split_tokens("a b c d", 2) == ["a b", " c d"]
    assert "".join(split_tokens("one two three", 10)) == "one two three"
    assert split_tokens("42", 4) == ["4", "2", " ", " "]
    assert all(len(split_tokens("Paris is lovely", n)) == n for n in range(1, 20))


def test_raw_sse_format_keep_alive_and_endpoints(server: LoopbackServer) -> None:
    """Streamed and plain answers, models and health all reuse one HTTP/1.1 connection."""
    server.config.output_tokens = 3
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = {"model": "test-model", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    conn.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Transfer-Encoding") == "chunked"
    events = [e for e in resp.read().decode().split("\n\n") if e]
    sock = conn.sock
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert [c["choices"][0]["delta"].get("content") for c in chunks[1:4]] == ["4", "2", " "]
    assert chunks[4]["choices"][0]["finish_reason"] == "stop"
    assert chunks[5]["choices"] == [] and chunks[5]["usage"]["completion_tokens"] == 3

    conn.request("POST", "/v1/chat/completions", json.dumps({"model": "test-model", "messages": MESSAGES}))
    plain = json.loads(conn.getresponse().read())
    assert plain["object"] == "chat.completion" and plain["choices"][0]["message"]["content"].strip() == "42"
    assert plain["usage"]["prompt_tokens"] == 9  # ceil(33 chars * 0.25)
    conn.request("GET", "/v1/models")
    assert [m["id"] for m in json.loads(conn.getresponse().read())["data"]] == ["test-model"]
    conn.request("GET", "/health")
    assert json.loads(conn.getresponse().read()) == {"status": "ok"}
    # http.client drops and reopens its socket whenever the server ends a connection, so this proves keep-alive.
    assert sock is not None and conn.sock is sock and len(server.requests) == 4
    conn.close()


def test_unknown_model_error_body_and_answers(server: LoopbackServer) -> None:
    """Unknown models get OpenAI's 404 body; answers are picked by substring of the last user message."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("POST", "/v1/chat/completions", json.dumps({"model": "x", "messages": MESSAGES}))
    resp = conn.getresponse()
    assert resp.status == 404
    assert json.loads(resp.read())["error"] == {
        "message": "The model `x` does not exist",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }
    server.config.answers = {"capital of France": "Paris"}
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    conn.request("POST", "/v1/chat/completions", json.dumps({"model": "test-model", "messages": messages}))
    assert json.loads(conn.getresponse().read())["choices"][0]["message"]["content"].strip() == "Paris"
    conn.close()


def test_stop_interrupts_a_hang_quickly() -> None:
    """stop() wakes a handler sleeping on a 'hang' fault instead of waiting for hang_s."""
    srv = LoopbackServer(LoopbackConfig(faults=["hang"], hang_s=3600))
    srv.start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    conn.request("POST", "/v1/chat/completions", json.dumps({"model": "test-model", "messages": MESSAGES}))
    assert srv.wait_for(lambda: any(r.fault == "hang" for r in srv.requests))  # the handler is on the hang
    record = srv.chat_requests()[0]
    assert not record.done.is_set()
    srv.stop()
    # Only stop() can end a handler an hour from the end of its hang; ten seconds is a timeout, not a window.
    assert record.done.wait(10)
    with pytest.raises((http.client.HTTPException, OSError)):
        conn.getresponse().read()


def test_unknown_fault_kind_is_rejected(server: LoopbackServer) -> None:
    """add_faults refuses names the server does not implement."""
    with pytest.raises(ValueError):
        server.add_faults("teapot")


def test_openai_route_streams_content_usage_and_timing(server: LoopbackServer) -> None:
    """openai/<model> hits api_base; content, usage and the configured TTFT and ITL all arrive, each token as it is
    sent. Checks that cannot flake on a loaded machine: no token arrives before its time (a delay only ever adds),
    and the server holds each token until the client has read the one before, which a client or a socket that
    buffered the stream could never satisfy."""
    server.config.answers = {"capital": "Paris is the capital and the largest city of France by far"}
    messages = [{"role": "user", "content": "Name the capital."}]
    _stream(server.base_url, messages=messages)  # warm litellm's lazy imports and client cache out of the timing
    server.config.ttft_ms, server.config.itl_ms, server.config.output_tokens = 150, 20, 10
    server.config.reasoning_tokens = 5
    read = [threading.Event() for _ in range(10)]  # read[i]: the client has piece i
    held: list[bool] = []  # per piece after the first: was the one before read in time?
    server.before_piece = lambda _record, index: held.append(read[index - 1].wait(10))

    started = time.monotonic()
    arrived: list[float] = []
    text = ""
    usage = None
    response = litellm.completion(
        model="openai/test-model",
        api_base=server.base_url,
        api_key="sk-test",
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
        **NO_RETRY,
    )
    for chunk in response:
        piece = chunk.choices[0].delta.content if chunk.choices else None
        if piece:
            arrived.append(time.monotonic())
            read[len(arrived) - 1].set()
        text += piece or ""
        usage = getattr(chunk, "usage", None) or usage

    assert text == "Paris is the capital and the largest city of France by far"
    assert usage is not None and usage.completion_tokens == 15 and usage.prompt_tokens == 5
    assert usage.completion_tokens_details.reasoning_tokens == 5
    assert len(arrived) == 10 and held == [True] * 9  # token by token, never buffered
    # Piece i is due at TTFT + i * ITL: none reaches the client earlier, so TTFT >= 150 ms and the whole >= 330 ms.
    assert all(at - started >= (150 + i * 20) / 1000 for i, at in enumerate(arrived)), arrived
    # The server-side record agrees: first byte and each piece on that schedule, and it saw the stream_options.
    record = server.chat_requests()[-1]
    assert record.done.wait(10)  # the handler notes finished_at just after the client has read [DONE]
    assert record.first_byte_at is not None and record.finished_at is not None
    assert record.first_byte_at - record.received_at >= 0.150
    sent = record.pieces_sent_at
    assert len(sent) == 10 and all(s - record.received_at >= (150 + i * 20) / 1000 for i, s in enumerate(sent))
    assert all(sent[i] <= arrived[i] for i in range(10))  # each read after it was sent: the same clock, one process
    assert record.body["stream_options"] == {"include_usage": True} and record.model == "test-model"


def test_nvidia_nim_route_hits_api_base_but_drops_stream_options(server: LoopbackServer) -> None:
    """nvidia_nim/<model> also goes to api_base, yet litellm strips stream_options and estimates usage itself."""
    text, finish, usage = _stream(server.base_url, model="nvidia_nim/test-model", **NO_RETRY)
    assert text.strip() == "42" and finish == "stop"
    record = server.chat_requests()[-1]
    assert record.path == "/v1/chat/completions" and record.model == "test-model"
    assert "stream_options" not in record.body
    # So the usage is litellm's own tokenizer estimate, not the server's count (8 completion tokens).
    assert usage is not None and usage.completion_tokens != 8
    plain = _complete(server.base_url, model="nvidia_nim/test-model", **NO_RETRY)
    assert plain.usage.completion_tokens == 8  # non-streamed usage is the server's


def test_either_retry_kwarg_disables_retries_default_is_two(server: LoopbackServer) -> None:
    """The OpenAI SDK under litellm retries twice by default; num_retries=0 or max_retries=0 stops it."""
    cases: list[tuple[dict[str, Any], int]] = [
        ({"num_retries": 0}, 1),
        ({"max_retries": 0}, 1),
        ({"max_retries": 1}, 2),
        ({}, 3),
    ]
    for kwargs, expected in cases:
        server.clear()
        server.config.faults.clear()
        server.add_faults("500", "500", "500", "500")
        with pytest.raises(litellm.exceptions.InternalServerError):
            _stream(server.base_url, **kwargs)
        assert len(server.chat_requests()) == expected, kwargs


def test_positive_num_retries_also_enters_litellms_tenacity_wrapper(server: LoopbackServer) -> None:
    """num_retries=1 makes the SDK retry once, then litellm's own retry wrapper, which needs tenacity, takes over."""
    server.add_faults(*["500"] * 8)
    with pytest.raises(Exception) as caught:  # noqa: B017 - the class depends on whether tenacity is installed
        _stream(server.base_url, num_retries=1)
    assert len(server.chat_requests()) >= 2
    assert "tenacity" in str(caught.value) or isinstance(caught.value, litellm.exceptions.InternalServerError)


def test_429_rate_limit_error_exposes_retry_after_and_is_honoured(server: LoopbackServer) -> None:
    """429 raises RateLimitError with Retry-After in its response headers; SDK retries wait that long."""
    server.config.retry_after_s = 0.3
    server.add_faults("429")
    with pytest.raises(litellm.exceptions.RateLimitError) as caught:
        _stream(server.base_url, **NO_RETRY)
    exc = caught.value
    assert exc.status_code == 429 and exc.response.status_code == 429
    assert exc.response.headers["retry-after"] == "0.3"
    assert getattr(exc, "litellm_response_headers", {})["retry-after"] == "0.3"  # litellm sets it dynamically
    server.clear()
    server.add_faults("429")
    text, _, _ = _stream(server.base_url, max_retries=1)
    first, second = server.chat_requests()
    assert text.strip() == "42" and second.received_at - first.received_at >= 0.3


@pytest.mark.parametrize(
    ("fault", "exc_type", "status"),
    [("500", litellm.exceptions.InternalServerError, 500), ("503", litellm.exceptions.ServiceUnavailableError, 503)],
)
@pytest.mark.parametrize("stream", [True, False])
def test_server_errors(
    server: LoopbackServer, fault: str, exc_type: type[Exception], status: int, stream: bool
) -> None:
    """500 and 503 raise their own litellm classes carrying the status code and the real response headers."""
    server.add_faults(fault)
    with pytest.raises(exc_type) as caught:
        _stream(server.base_url, **NO_RETRY) if stream else _complete(server.base_url, **NO_RETRY)
    assert getattr(caught.value, "status_code", None) == status
    assert getattr(caught.value, "litellm_response_headers", None) is not None


def test_401_authentication_error_and_redacted_authorization(server: LoopbackServer) -> None:
    """A wrong key raises AuthenticationError; the right one works; no key is ever recorded in plain text."""
    server.config.api_key = "sk-right-key"
    with pytest.raises(litellm.exceptions.AuthenticationError) as caught:
        _stream(server.base_url, api_key="sk-wrong-key", **NO_RETRY)
    assert caught.value.status_code == 401
    text, _, _ = _stream(server.base_url, api_key="sk-right-key", **NO_RETRY)
    assert text.strip() == "42"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/v1/models")
    assert conn.getresponse().status == 401
    conn.close()
    assert all(
        r.headers.get("authorization", r.headers.get("Authorization")) in (REDACTED, None) for r in server.requests
    )
    assert any(r.headers.get("authorization") == REDACTED for r in server.requests)
    recorded = repr(server.requests) + repr(vars(server))
    assert "sk-wrong-key" not in recorded
    assert "sk-right-key" not in repr(server.requests)


def test_404_unknown_model_is_not_found_error(server: LoopbackServer) -> None:
    """An unknown model raises NotFoundError with status 404 and OpenAI's message."""
    with pytest.raises(litellm.exceptions.NotFoundError) as caught:
        _stream(server.base_url, model="openai/no-such-model", **NO_RETRY)
    assert caught.value.status_code == 404 and "The model `no-such-model` does not exist" in str(caught.value)


def test_cut_stream_raises_mid_stream_after_partial_content(server: LoopbackServer) -> None:
    """A stream cut before [DONE] raises MidStreamFallbackError after some content, never a silent truncation."""
    server.add_faults("cut")
    received = ""
    with pytest.raises(litellm.exceptions.MidStreamFallbackError) as caught:
        for chunk in litellm.completion(
            model="openai/test-model",
            api_base=server.base_url,
            api_key="sk-test",
            messages=MESSAGES,
            stream=True,
            **NO_RETRY,
        ):
            received += (chunk.choices[0].delta.content or "") if chunk.choices else ""
    exc = caught.value
    assert received == "42 "
    assert exc.generated_content == "42 " and exc.is_pre_first_chunk is False
    assert isinstance(exc, litellm.exceptions.ServiceUnavailableError) and exc.status_code == 500
    assert isinstance(exc.original_exception, litellm.exceptions.APIConnectionError)


def test_cut_non_streamed_body_is_internal_server_error_without_headers(server: LoopbackServer) -> None:
    """A truncated plain body surfaces as InternalServerError(500) with no response headers."""
    server.add_faults("cut")
    with pytest.raises(litellm.exceptions.InternalServerError) as caught:
        _complete(server.base_url, **NO_RETRY)
    assert caught.value.status_code == 500 and getattr(caught.value, "litellm_response_headers", None) is None
    assert "Connection error" in str(caught.value)


def test_malformed_chunk_raises_mid_stream(server: LoopbackServer) -> None:
    """A chunk that is not JSON raises MidStreamFallbackError wrapping the JSON decode error."""
    server.add_faults("malformed")
    with pytest.raises(litellm.exceptions.MidStreamFallbackError) as caught:
        _stream(server.base_url, **NO_RETRY)
    assert "Expecting value" in str(caught.value) and caught.value.generated_content == "4"
    server.add_faults("malformed")
    with pytest.raises(litellm.exceptions.InternalServerError):
        _complete(server.base_url, **NO_RETRY)


def test_empty_and_length_complete_normally(server: LoopbackServer) -> None:
    """'empty' yields no text with finish_reason stop; 'length' yields the text with finish_reason length."""
    server.add_faults("empty", "length")
    text, finish, usage = _stream(server.base_url, **NO_RETRY)
    assert (text, finish, usage.completion_tokens) == ("", "stop", 0)
    text, finish, usage = _stream(server.base_url, **NO_RETRY)
    assert (text.strip(), finish, usage.completion_tokens) == ("42", "length", 8)


@pytest.mark.parametrize("stream", [True, False])
def test_hang_with_client_timeout_raises_timeout(server: LoopbackServer, stream: bool) -> None:
    """A hung server and timeout=0.5 raise litellm.Timeout (status 408) after half a second, while the server is
    still hanging: the client gave up on its own clock, not when the server let go."""
    server.config.hang_s = 60
    server.add_faults("hang")
    started = time.monotonic()
    with pytest.raises(litellm.exceptions.Timeout) as caught:
        if stream:
            _stream(server.base_url, timeout=0.5, **NO_RETRY)
        else:
            _complete(server.base_url, timeout=0.5, **NO_RETRY)
    assert caught.value.status_code == 408 and time.monotonic() - started >= 0.5
    (record,) = server.chat_requests()
    assert record.fault == "hang" and not record.done.is_set()


@pytest.mark.parametrize("stream", [True, False])
def test_refused_connection_is_internal_server_error(stream: bool) -> None:
    """A closed port raises InternalServerError(500) whose cause chain holds httpx.ConnectError."""
    url = _closed_url()
    with pytest.raises(litellm.exceptions.InternalServerError) as caught:
        _stream(url, **NO_RETRY) if stream else _complete(url, **NO_RETRY)
    exc: BaseException | None = caught.value
    assert caught.value.status_code == 500 and getattr(caught.value, "litellm_response_headers", None) is None
    chain = []
    while exc is not None:
        chain.append(type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    assert "APIConnectionError" in chain and "ConnectError" in chain and "ConnectionRefusedError" in chain


def test_64_concurrent_streams_through_acompletion(server: LoopbackServer) -> None:
    """Sixty-four concurrent litellm streams against one server all finish with content and usage."""
    server.config.ttft_ms = 50

    async def one() -> tuple[str, Any]:
        """Stream one completion asynchronously."""
        response = await litellm.acompletion(
            model="openai/test-model",
            api_base=server.base_url,
            api_key="sk-test",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
            **NO_RETRY,
        )
        text, usage = "", None
        async for chunk in response:
            text += (chunk.choices[0].delta.content or "") if chunk.choices else ""
            usage = getattr(chunk, "usage", None) or usage
        return text, usage

    async def main() -> list[tuple[str, Any]]:
        """Warm up, then run 64 at once."""
        await one()
        server.clear()
        return await asyncio.gather(*(one() for _ in range(64)))

    results = asyncio.run(main())
    assert len(results) == 64
    assert all(text.strip() == "42" and usage is not None and usage.completion_tokens == 8 for text, usage in results)
    assert len(server.chat_requests()) == 64
    assert all(r.done.wait(10) for r in server.chat_requests())  # each finished_at noted, so overlaps are whole
    assert _max_overlap(server.chat_requests()) >= 16
