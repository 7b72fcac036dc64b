"""Forward a public request to the service that owns it, and its answer back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from nestegg_common.auth import JwtVerifier, bearer_token
from nestegg_common.disconnect import unless_disconnected
from nestegg_common.errors import (
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from nestegg_common.forwarding import vouch_for_client
from nestegg_common.problems import REQUEST_ID_HEADER, current_request_id
from nestegg_common.upstream_client import send

PUBLIC_PREFIX = "/api/v1"

# RFC 9110 §7.6.1 hop-by-hop fields, plus those the HTTP clients compute themselves
# (the client has already decoded the body, so its Content-Encoding no longer applies).
_NOT_FORWARDED = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Host",
        "Content-Length",
        "Content-Encoding",
    )
)


@dataclass(frozen=True)
class Upstream:
    """A service behind the gateway."""

    name: str
    base_url: str


def upstream_path(request: web.Request) -> str:
    """Return the service-side path of a public request; 404 for anything that escapes."""
    raw = request.rel_url.raw_path.removeprefix(PUBLIC_PREFIX)
    segments = request.path.split("/")
    # Dot segments or an encoded slash could smuggle a request to /internal/ past the router.
    if ".." in segments or "." in segments or "%2f" in raw.lower() or "/internal" in request.path:
        raise NotFound(f"No route matches {request.path}.")
    return raw


def _ascii_headers(request: web.Request) -> list[tuple[str, str]]:
    """Return the forwardable headers; non-ASCII values are refused or dropped, never a 500.

    RFC 9110 lets field values carry obs-text, but HTTP clients (httpx) send ASCII only. Where a
    value changes what the request means it is refused as the service would refuse it; any
    other is dropped, as a proxy may do with fields it cannot forward.
    """
    kept = []
    for name, value in request.headers.items():
        if name.lower() in _NOT_FORWARDED:
            continue
        if not value.isascii():
            if name.lower() == "idempotency-key":
                raise ValidationFailed(
                    "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.",
                    errors=[
                        {
                            "field": "header.Idempotency-Key",
                            "message": "not ASCII",
                            "type": "value_error",
                        }
                    ],
                )
            if name.lower() == "if-match":
                raise PreconditionFailed(
                    "If-Match does not name the current version of this record."
                )
            continue
        kept.append((name, value))
    return kept


def forwarded_headers(request: web.Request) -> CIMultiDict[str]:
    """Copy end-to-end headers and add X-Request-Id and a signed X-Forwarded-For, -Proto."""
    headers: CIMultiDict[str] = CIMultiDict(_ascii_headers(request))
    vouch_for_client(request, headers)
    headers["X-Forwarded-Proto"] = request.scheme
    headers[REQUEST_ID_HEADER] = current_request_id.get()
    return headers


def proxy_handler(
    session: Callable[[], aiohttp.ClientSession],
    upstream: Upstream,
    *,
    verifier: JwtVerifier | None,
    time_limit_s: float | None = None,
    drop_with_client: bool = False,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Build a handler that forwards to `upstream`, checking the access token first if given.

    The service's answer may take `time_limit_s` (default: each read `upstream_timeout_s`).
    With `drop_with_client` (the compute routes), a client that disconnects meanwhile takes the
    forwarded request with it: the connection to the service is closed, so the service stops
    too (its computation is cancelled). Other routes answer within the usual timeout and are
    not worth a watcher per request.
    """

    async def forward(request: web.Request) -> web.Response:
        if verifier is not None:
            await verifier.verify(bearer_token(request))  # refuse before the service sees it
        path = upstream_path(request)
        body = await request.read() if request.can_read_body else None  # 413 past the limit
        query = request.rel_url.raw_query_string
        forwarding = send(
            session(),
            upstream.name,
            request.method,
            upstream.base_url.rstrip("/") + path + (f"?{query}" if query else ""),
            headers=forwarded_headers(request),
            body=body,
            time_limit_s=time_limit_s,
        )
        if drop_with_client:
            answer = await unless_disconnected(request, forwarding)
        else:
            answer = await forwarding
        response_headers = CIMultiDict(
            (k, v) for k, v in answer.headers.items() if k.lower() not in _NOT_FORWARDED
        )
        response_headers.popall(REQUEST_ID_HEADER, None)
        return web.Response(status=answer.status, body=answer.body, headers=response_headers)

    return forward
