"""What one timed request produced, shared by both timing paths (lean SSE reader and litellm): the result record,
the error types, token estimates when a server reports no usage, and the scrubbing of secrets from messages.

Timing follows NVIDIA GenAI-Perf/AIPerf: the clock starts just before the request is handed to the client and time
to first token (TTFT) ends at the first non-empty token (answer or reasoning text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


def estimate_tokens(text: str) -> int:
    """Tokens of a text at about four characters each (only when a server reports no counts)."""
    return max(1, round(len(text) / CHARS_PER_TOKEN_ESTIMATE)) if text else 0


def finish_result(result: StreamResult, chunks_with_text: int) -> StreamResult:
    """A stream that ended cleanly: an answer of nothing, or no finish reason, is still a failure."""
    if not result.answer.strip() and not chunks_with_text:
        result.error_type = "empty_answer"
        result.error_message = f"the model answered nothing (finish reason {result.finish_reason or 'none'})"
    elif result.finish_reason is None:
        result.error_type = "stream_cut"
        result.error_message = "the stream ended without a finish reason"
    return result
