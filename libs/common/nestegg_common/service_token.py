"""The deployment's service token as each app holds it, and the one check of a caller's copy."""

from __future__ import annotations

import hmac

from aiohttp import web

# NESTEGG_INTERNAL_TOKEN's bytes; empty when none is configured, and then nothing matches it.
SERVICE_TOKEN = web.AppKey("service_token", bytes)


def carries_service_token(request: web.Request) -> bool:
    """Tell whether the request sends `Authorization: Bearer <the service token>`."""
    expected = request.app.get(SERVICE_TOKEN, b"")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not given.isascii():
        return False
    return hmac.compare_digest(given.strip().encode(), expected)
