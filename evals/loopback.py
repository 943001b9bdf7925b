"""A controllable OpenAI-compatible chat-completions server on 127.0.0.1, run in a background thread.

It serves two purposes: tests use it as a model endpoint whose latency, answers and failures they script, and the
product uses it with zero delays to measure the probe harness's own overhead.

Endpoints: ``GET /v1/models``, ``POST /v1/chat/completions`` (streamed as OpenAI-style SSE over chunked transfer
encoding, or as one JSON body) and ``GET /health``.

Why the standard library (``http.server.ThreadingHTTPServer``) rather than aiohttp, which litellm pulls into the venv:
one blocking thread per connection keeps each stream's timing independent of every other stream (a slow client or a
busy handler can never stall an event loop that all streams share), delays are plain ``Event.wait`` calls that
``stop()`` can interrupt, no event loop has to be run in and torn down from a side thread, and the module stays usable
if litellm ever drops aiohttp. Sixty-four concurrent streams are 64 mostly sleeping threads, which is cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
FAULT_KINDS = frozenset({"429", "500", "503", "cut", "malformed", "empty", "hang", "length"})
DEFAULT_ANSWER = "42"
REDACTED = "<redacted>"
# Headers that can carry a credential; their values are never recorded.
_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization"})
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass
class LoopbackConfig:
    """How the server answers; tests may change it between requests."""

    ttft_ms: float = 0
    itl_ms: float = 0
    output_tokens: int = 8
    answers: dict[str, str] = field(default_factory=dict)
    report_usage: bool = True
    prompt_tokens_per_char: float = 0.25
    models: tuple[str, ...] = ("test-model",)
    api_key: str | None = None
    faults: list[str] = field(default_factory=list)
    retry_after_s: float = 1.0
    hang_s: float = 30.0
    reasoning_tokens: int = 0


@dataclass
class RecordedRequest:
    """One request as the server saw it, with credentials redacted. Times are time.monotonic() readings."""

    method: str
    path: str
    model: str | None
    headers: dict[str, str]
    body: Any
    received_at: float
    first_byte_at: float | None = None
    finished_at: float | None = None
    fault: str | None = None
    # When each streamed content piece was handed to the socket, in order.
    pieces_sent_at: list[float] = field(default_factory=list)
    # Set once the handler is through with the request, however it ended (answered, cut, hung up on, refused), so a
    # test can wait for that instead of polling finished_at.
    done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)


def answer_for(config: LoopbackConfig, messages: Any) -> str:
    """The configured answer whose key occurs in the last user message, else the default."""
    last_user = ""
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict) and message.get("role") == "user":
                last_user = _text_of(message.get("content"))
    for key, answer in config.answers.items():
        if key in last_user:
            return answer
    return DEFAULT_ANSWER


def split_tokens(text: str, count: int) -> list[str]:
    """Split text into exactly count non-empty pieces whose concatenation, stripped, is the text."""
    if count <= 0:
        return []
    words = text.split(" ")
    if len(words) >= count:
        # Near-equal groups of words; the separating space travels at the start of the next piece.
        bounds = [round(i * len(words) / count) for i in range(count + 1)]
        groups = [" ".join(words[bounds[i] : bounds[i + 1]]) for i in range(count)]
        return [groups[0]] + [" " + group for group in groups[1:]]
    if len(text) >= count:
        bounds = [round(i * len(text) / count) for i in range(count + 1)]
        return [text[bounds[i] : bounds[i + 1]] for i in range(count)]
    # Too short to make count pieces: pad with whitespace tokens so the token count (and timing) stays as configured.
    return list(text) + [" "] * (count - len(text))


def prompt_token_count(config: LoopbackConfig, messages: Any) -> int:
    """Estimated prompt tokens: characters of all message text times prompt_tokens_per_char, at least 1."""
    chars = 0
    if isinstance(messages, list):
        chars = sum(len(_text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    return max(1, math.ceil(chars * config.prompt_tokens_per_char))


def _text_of(content: Any) -> str:
    """The text of a message content, which may be a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _error_body(message: str, kind: str, code: str | None) -> dict[str, Any]:
    """An OpenAI-style error body."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _key_digest(key: str) -> bytes:
    """A digest of an API key, so comparisons never need the plain key kept in server state."""
    return hashlib.sha256(key.encode()).digest()


class _Server(ThreadingHTTPServer):
    """The HTTP server with a deep accept backlog and a registry of open connections so stop() can cut them."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, owner: LoopbackServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((HOST, 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away; report anything else."""
        exc = sys.exc_info()[1]
        if isinstance(exc, _DISCONNECTS) or self.owner.stopping.is_set():
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Handles one connection; HTTP/1.1 keep-alive is kept unless a fault cuts it."""

    protocol_version = "HTTP/1.1"
    server_version = "Loopback/1.0"
    # Without this, Nagle's algorithm holds small SSE chunks back for up to 40 ms and ruins the timing.
    disable_nagle_algorithm = True
    # Idle keep-alive connections are dropped after this long.
    timeout = 120
    server: _Server
    _in_hand: RecordedRequest | None = None

    def setup(self) -> None:
        """Register the connection so stop() can close it."""
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        """Unregister the connection."""
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(*_DISCONNECTS, OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request access log."""

    @property
    def owner(self) -> LoopbackServer:
        """The LoopbackServer this handler serves."""
        return self.server.owner

    def do_GET(self) -> None:
        """Serve /health and /v1/models."""
        record = self._record(None)
        path = self.path.split("?", 1)[0]
        try:
            if path == "/health":
                self._send_json(200, {"status": "ok"}, record)
            elif path == "/v1/models":
                if self._authorized(record):
                    data = [
                        {"id": m, "object": "model", "created": 0, "owned_by": "loopback"} for m in self._config.models
                    ]
                    self._send_json(200, {"object": "list", "data": data}, record)
            else:
                self._send_json(404, _error_body(f"Unknown path {path}", "invalid_request_error", None), record)
        except _DISCONNECTS:
            self.close_connection = True
        finally:
            self._done()

    def do_POST(self) -> None:
        """Serve /v1/chat/completions."""
        try:
            self._post()
        except _DISCONNECTS:
            self.close_connection = True
        finally:
            self._done()

    def _done(self) -> None:
        """Mark the request in hand as over and wake whoever waits on it."""
        record, self._in_hand = self._in_hand, None
        if record is not None:
            self.owner.finished(record)

    @property
    def _config(self) -> LoopbackConfig:
        """The server's current configuration."""
        return self.owner.config

    def _post(self) -> None:
        """Validate a chat-completions request, then answer it, applying the next fault if one is queued."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        model = body.get("model") if isinstance(body, dict) else None
        record = self._record(body, model if isinstance(model, str) else None)
        path = self.path.split("?", 1)[0]
        if path != "/v1/chat/completions":
            self._send_json(404, _error_body(f"Unknown path {path}", "invalid_request_error", None), record)
            return
        if not self._authorized(record):
            return
        if not isinstance(body, dict):
            self._send_json(
                400, _error_body("Request body is not a JSON object", "invalid_request_error", None), record
            )
            return
        if model not in self._config.models:
            message = f"The model `{model}` does not exist"
            self._send_json(404, _error_body(message, "invalid_request_error", "model_not_found"), record)
            return
        config = self._config
        fault = record.fault = self.owner.take_fault()
        self.owner.changed()
        if fault == "hang" and self.owner.stopping.wait(config.hang_s):
            self.close_connection = True
            return
        if fault in ("429", "500", "503"):
            self._send_status_fault(int(fault), config, record)
            return
        if body.get("stream"):
            self._stream(body, config, fault, record)
        else:
            self._complete(body, config, fault, record)

    def _record(self, body: Any, model: str | None = None) -> RecordedRequest:
        """Record this request with secret headers redacted."""
        headers = {k: (REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in self.headers.items()}
        record = RecordedRequest(self.command, self.path, model, headers, body, time.monotonic())
        self._in_hand = record
        self.owner.record(record)
        return record

    def _authorized(self, record: RecordedRequest) -> bool:
        """Check the bearer token when an API key is configured; answer 401 when it is missing or wrong."""
        expected = self._config.api_key
        if expected is None:
            return True
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(_key_digest(token.strip()), _key_digest(expected)):
            return True
        message = "Incorrect API key provided." if header else "You didn't provide an API key."
        self._send_json(401, _error_body(message, "invalid_request_error", "invalid_api_key"), record)
        return False

    def _send_status_fault(self, status: int, config: LoopbackConfig, record: RecordedRequest) -> None:
        """Answer with an HTTP error status, as an overloaded or failing provider would."""
        if status == 429:
            body = _error_body("Rate limit reached; retry later.", "rate_limit_error", "rate_limit_exceeded")
            self._send_json(429, body, record, {"Retry-After": f"{config.retry_after_s:g}"})
        elif status == 503:
            self._send_json(503, _error_body("The server is overloaded.", "server_error", None), record)
        else:
            self._send_json(500, _error_body("The server had an error.", "server_error", None), record)

    def _send_json(
        self, status: int, payload: Any, record: RecordedRequest, extra: dict[str, str] | None = None
    ) -> None:
        """Send a complete JSON response with a Content-Length, so the connection can be reused."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        record.first_byte_at = time.monotonic()
        self.wfile.write(data)
        record.finished_at = time.monotonic()

    def _wait_until(self, deadline: float) -> bool:
        """Sleep until a monotonic deadline; False when the server is stopping."""
        remaining = deadline - time.monotonic()
        return not (remaining > 0 and self.owner.stopping.wait(remaining))

    def _complete(
        self, body: dict[str, Any], config: LoopbackConfig, fault: str | None, record: RecordedRequest
    ) -> None:
        """Answer without streaming, after the time the whole generation would take."""
        start = record.received_at
        pieces = (
            [] if fault == "empty" else split_tokens(answer_for(config, body.get("messages")), config.output_tokens)
        )
        if pieces and not self._wait_until(start + (config.ttft_ms + (len(pieces) - 1) * config.itl_ms) / 1000):
            self.close_connection = True
            return
        model = str(body["model"])
        message: dict[str, Any] = {"role": "assistant", "content": "".join(pieces), "refusal": None}
        payload: dict[str, Any] = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "length" if fault == "length" else "stop"}],
        }
        if config.report_usage:
            payload["usage"] = self._usage(config, body, len(pieces))
        if fault == "malformed":
            self._send_raw(200, b'{"id": "chatcmpl-broken", "choices": [', record)
        elif fault == "cut":
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            record.first_byte_at = time.monotonic()
            self.wfile.write(data[: len(data) // 2])
            self._cut(record)
        else:
            self._send_json(200, payload, record)

    def _send_raw(self, status: int, data: bytes, record: RecordedRequest) -> None:
        """Send bytes as a JSON-typed body verbatim."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        record.first_byte_at = time.monotonic()
        self.wfile.write(data)
        record.finished_at = time.monotonic()

    def _usage(self, config: LoopbackConfig, body: dict[str, Any], content_tokens: int) -> dict[str, Any]:
        """Token usage in OpenAI's shape; reasoning tokens count toward completion tokens, as OpenAI reports them."""
        prompt = prompt_token_count(config, body.get("messages"))
        completion = content_tokens + config.reasoning_tokens
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"reasoning_tokens": config.reasoning_tokens},
        }

    def _stream(self, body: dict[str, Any], config: LoopbackConfig, fault: str | None, record: RecordedRequest) -> None:
        """Stream the answer as SSE chunks, one content token per chunk, on the configured schedule."""
        start = record.received_at
        pieces = (
            [] if fault == "empty" else split_tokens(answer_for(config, body.get("messages")), config.output_tokens)
        )
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        model = str(body["model"])

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            """One chat.completion.chunk with a single choice."""
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [choice],
            }

        # Headers go out with the first token, as with a provider that answers once prefill is done.
        if not self._wait_until(start + config.ttft_ms / 1000):
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        record.first_byte_at = time.monotonic()
        self._event(chunk({"role": "assistant", "content": ""}))
        cut_after = min(3, max(1, len(pieces) // 2))
        before_piece = self.owner.before_piece
        for index, piece in enumerate(pieces):
            if index and not self._wait_until(start + (config.ttft_ms + index * config.itl_ms) / 1000):
                self._cut(record)
                return
            if index and before_piece is not None:
                before_piece(record, index)
            record.pieces_sent_at.append(time.monotonic())
            self._event(chunk({"content": piece}))
            if fault == "malformed" and index == 0:
                self._write_chunk(b'data: {"id": "chatcmpl-broken", "choices": [{"delta": \n\n')
            if fault == "cut" and index + 1 == cut_after:
                self._cut(record)
                return
        self._event(chunk({}, "length" if fault == "length" else "stop"))
        stream_options = body.get("stream_options")
        if config.report_usage and isinstance(stream_options, dict) and stream_options.get("include_usage"):
            usage = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": self._usage(config, body, len(pieces)),
            }
            self._event(usage)
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        record.finished_at = time.monotonic()

    def _event(self, payload: dict[str, Any]) -> None:
        """Send one SSE data event."""
        self._write_chunk(b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        """Send one HTTP/1.1 chunk; wfile is unbuffered, so it leaves at once."""
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")

    def _cut(self, record: RecordedRequest) -> None:
        """Drop the connection mid-response, without the end of the body."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        record.finished_at = time.monotonic()


class LoopbackServer:
    """An OpenAI-compatible server on 127.0.0.1 in a background thread; use start()/stop() or `with`."""

    def __init__(self, config: LoopbackConfig | None = None) -> None:
        self.config = config if config is not None else LoopbackConfig()
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        # Tests may set this: called in the handler's thread before each streamed content piece but the first, with
        # the request and the piece's index (e.g. to hold the stream until the client has read the piece before).
        self.before_piece: Callable[[RecordedRequest, int], None] | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port; only valid after start()."""
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ending in /v1."""
        return f"http://{HOST}:{self.port}/v1"

    def start(self) -> str:
        """Bind a free port, serve in a daemon thread, and return the base URL."""
        if self._server is not None:
            return self.base_url
        self.stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="loopback-server", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and close every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        server.server_close()
        with server.connections_lock:
            connections = list(server.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        """Start the server."""
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()

    def add_faults(self, *kinds: str) -> None:
        """Queue faults, one consumed per chat-completions request that passes auth and model checks."""
        unknown = [k for k in kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds: {unknown}")
        with self._lock:
            self.config.faults.extend(kinds)

    def take_fault(self) -> str | None:
        """Pop the next queued fault, if any."""
        with self._lock:
            return self.config.faults.pop(0) if self.config.faults else None

    def record(self, request: RecordedRequest) -> None:
        """Append a recorded request."""
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    def changed(self) -> None:
        """Wake wait_for() callers: a recorded request changed (took a fault)."""
        with self._changed:
            self._changed.notify_all()

    def finished(self, request: RecordedRequest) -> None:
        """Mark a recorded request as over (its handler is through with it) and wake its waiters."""
        request.done.set()
        self.changed()

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
        """Wait until predicate() holds, re-checked whenever a request arrives, takes a fault or ends; False on
        timeout. The predicate runs under the server's lock: read `requests`, not chat_requests()."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout_s)

    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded chat-completions requests, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path.startswith("/v1/chat/completions")]

    def clear(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self.requests.clear()


@contextlib.contextmanager
def running(config: LoopbackConfig | None = None) -> Iterator[LoopbackServer]:
    """A started server for the duration of a with-block."""
    with LoopbackServer(config) as server:
        yield server
