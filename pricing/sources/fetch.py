"""Getting a source's file: over HTTP(S), or from a file a person downloaded elsewhere (air-gapped sites).

The only module of the refresh that touches the network. Proxies and CA bundles follow the usual environment
variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, SSL_CERT_FILE), as httpx reads them with
`trust_env`; the time a fetch may take is FRONTIER_FETCH_TIMEOUT_S (default 30 s, per connect and per read).
A body is read up to MAX_FETCH_MIB and refused past it. An API key goes only into the request's header: no
message here names it, and a link is shown without its query string (a key may ride in it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from pricing.limits import MIB, InputError

DEFAULT_TIMEOUT_S = 30.0
TIMEOUT_ENV = "FRONTIER_FETCH_TIMEOUT_S"
MAX_FETCH_MIB = 64  # litellm's whole price map is about 3.4 MiB, models.dev's api.json under 2 MiB
MAX_REDIRECTS = 5


class FetchError(InputError):
    """A source's file could not be had (network, HTTP status, size), with what to do about it."""


@dataclass(frozen=True)
class Fetched:
    """A source's file as fetched: its bytes, where they came from (shown and stored) and their SHA-256."""

    content: bytes
    origin: str  # the link without its query, or file:NAME for a file handed in
    sha256: str
    content_type: str | None = None


def shown_url(url: str) -> str:
    """A link as it may be shown and stored: no query string, no user or password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def timeout_s(env: Mapping[str, str] | None = None) -> float:
    """The per-operation timeout: FRONTIER_FETCH_TIMEOUT_S, else 30 s."""
    raw = (os.environ if env is None else env).get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise FetchError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds; set it to e.g. 30") from None
    if not 0 < value <= 3600:
        raise FetchError(f"{TIMEOUT_ENV}={raw!r} must be between 0 and 3600 seconds")
    return value


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def fetch_url(url: str, headers: Mapping[str, str] | None = None, timeout: float | None = None) -> Fetched:
    """GET a link and return its body; FetchError says why not (status, timeout, redirect loop, size)."""
    shown = shown_url(url)
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{shown or url!r} is not an http(s) link; give a link such as https://host/file.json")
    limit = MAX_FETCH_MIB * MIB
    try:
        with (
            httpx.Client(
                timeout=timeout or timeout_s(),
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                trust_env=True,
                headers={"User-Agent": "Frontier source refresh", **dict(headers or {})},
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise FetchError(
                    f"{shown} answered HTTP {response.status_code}"
                    + (" (the API key was refused; check it)" if response.status_code in (401, 403) else "")
                    + "; try again later, or point the source at a mirror (--url) or a downloaded file (--from-file)"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"{shown} sent more than {MAX_FETCH_MIB} MiB; that is not this source's file")
                chunks.append(chunk)
            content_type = response.headers.get("content-type")
    except httpx.TimeoutException:
        raise FetchError(
            f"{shown} did not answer within {timeout or timeout_s():g} s; raise {TIMEOUT_ENV} or try again later"
        ) from None
    except httpx.TooManyRedirects:
        raise FetchError(
            f"{shown} redirected more than {MAX_REDIRECTS} times (a redirect loop); use a mirror"
        ) from None
    except httpx.HTTPError as exc:
        # httpx's message names the link and the cause (refused connection, DNS, TLS), never a header.
        reason = type(exc).__name__
        raise FetchError(
            f"{shown} could not be fetched ({reason}); check the network or proxy settings (HTTPS_PROXY, NO_PROXY)"
        ) from None
    content = b"".join(chunks)
    return Fetched(content, shown, _digest(content), content_type)


def read_file(path: Path) -> Fetched:
    """A source's file downloaded elsewhere; stored and shown by its name only, never its folder."""
    try:
        size = path.stat().st_size
        if size > MAX_FETCH_MIB * MIB:
            raise FetchError(f"{path.name} is larger than {MAX_FETCH_MIB} MiB; that is not this source's file")
        content = path.read_bytes()
    except FileNotFoundError:
        raise FetchError(f"{path.name}: no such file; give the path of the downloaded file") from None
    except IsADirectoryError:
        raise FetchError(f"{path.name} is a folder; give the downloaded file itself") from None
    except OSError as exc:
        raise FetchError(f"{path.name} could not be read ({exc.strerror})") from None
    return Fetched(content, f"file:{path.name}", _digest(content))
