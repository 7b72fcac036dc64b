"""CORS for `/api/v1/*`: off unless `NESTEGG_CORS_ORIGINS` names the exact origins allowed.

Browsers on those origins may call the API with a bearer token; no cookies are involved, so
credentials are never allowed. A request from any other origin gets no CORS header at all (the
browser then refuses to hand the answer to the page); servers and curl are unaffected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from gateway.proxy import PUBLIC_PREFIX
from nestegg_common.problems import Handler, problem_middleware

ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Request-Id")
EXPOSED_HEADERS = ("ETag", "Location", "Retry-After", "X-Request-Id")
PREFLIGHT_MAX_AGE_S = 600


def _preflight(origin: str) -> web.Response:
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(ALLOWED_METHODS),
            "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
            "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        },
    )


def cors_middleware(origins: Iterable[str]) -> Any:
    """Answer preflights and mark answers readable for the `origins` given (exact matches)."""
    allowed = frozenset(origins)

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(f"{PUBLIC_PREFIX}/"):
            return await handler(request)
        origin = request.headers.get("Origin")
        if origin not in allowed:
            response = await handler(request)
            response.headers.add("Vary", "Origin")  # the answer depends on the Origin sent
            return response
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _preflight(origin)
        # Errors become problems here, inside, so a page can read a 401 or 429 too.
        response = await problem_middleware(request, handler)
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
        response.headers.add("Vary", "Origin")
        return response

    return cors
