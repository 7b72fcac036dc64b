"""Security headers on every response of every process, in one middleware.

Each header is set only when the handler did not set it, so a page with its own policy (the
console's Content-Security-Policy, the JWKS's public caching) keeps it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from nestegg_common.problems import Handler

# For JSON answers: nothing may load from them, nothing may frame them (OWASP REST cheat sheet).
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
    "Cross-Origin-Resource-Policy": "same-origin",
    # Answers carry personal data and tokens: no cache may keep them unless a handler says so.
    "Cache-Control": "no-store",
}


def security_headers(hsts_max_age_s: int = 0) -> dict[str, str]:
    """Return the headers every response gets; HSTS only when `hsts_max_age_s` > 0."""
    headers = dict(SECURITY_HEADERS)
    if hsts_max_age_s > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_max_age_s}"
    return headers


def security_headers_middleware(*, hsts_max_age_s: int = 0) -> Any:
    """Add the security headers to every response a handler did not already give them."""
    headers = security_headers(hsts_max_age_s)

    def add_to(response: web.StreamResponse) -> None:
        if not response.prepared:
            for name, value in headers.items():
                response.headers.setdefault(name, value)

    @web.middleware
    async def add_security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # redirects and anything else raised as a response
            add_to(exc)
            raise
        add_to(response)
        return response

    return add_security_headers
