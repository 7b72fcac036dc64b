"""Build the gateway's aiohttp app: the one composition root."""

from __future__ import annotations

import httpx
from aiohttp import web

from gateway.aggregate import Backends
from gateway.cors import cors_middleware
from gateway.events import receive_event
from gateway.health import readiness_handler
from gateway.openapi import API_DOCUMENT, ApiDocument
from gateway.proxy import Upstream
from gateway.routes import setup_routes
from gateway.settings import GatewaySettings
from gateway.user_limits import UserRequestLimiter
from nestegg_common.auth import JwtVerifier, internal_auth_middleware
from nestegg_common.erasure import ErasedUsers
from nestegg_common.health import healthz
from nestegg_common.service import (
    add_token_checks,
    erased_users_over_http,
    http_client_context,
    jwks_over_http,
    new_app,
)
from nestegg_common.upstream_client import UPSTREAM_SESSION, upstream_session_context


def create_app(
    settings: GatewaySettings, *, http_client: httpx.AsyncClient | None = None
) -> web.Application:
    """Create the gateway app; pass `http_client` to share one (tests)."""
    accounts = Upstream("accounts", settings.accounts_url)
    ledger = Upstream("ledger", settings.ledger_url)
    projections = Upstream("projections", settings.projections_url)
    app = new_app(
        settings,
        [
            *([cors_middleware(settings.cors_origins)] if settings.cors_origins else []),
            # Only the gateway's own /internal/events; it never forwards /internal/ paths, and
            # to anyone without the service token they do not exist (404).
            internal_auth_middleware(settings.internal_token.get_secret_value(), hide=True),
        ],
    )
    # httpx for the JWKS, readiness and OpenAPI assembly (as in every process); aiohttp's
    # client for what each public request forwards (upstream_client.py says why).
    app.cleanup_ctx.append(http_client_context(settings, http_client))
    app.cleanup_ctx.append(upstream_session_context(settings))
    erased = ErasedUsers(
        lambda since: erased_users_over_http(app, settings)(since),
        poll_s=settings.erased_users_poll_s,
    )
    verifier = JwtVerifier(
        lambda: jwks_over_http(app, settings.accounts_url)(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_s=settings.jwks_cache_ttl_s,
        erased=erased,
    )
    add_token_checks(app, verifier, erased)
    app.router.add_get("/healthz", healthz)
    app.router.add_get(
        "/readyz",
        readiness_handler([accounts, ledger, projections], waiting_for=verifier.not_ready),
    )
    app.router.add_post("/internal/events", receive_event)  # user.deleted, from accounts
    app[API_DOCUMENT] = ApiDocument(
        [accounts, ledger, projections], internal_token=settings.internal_token.get_secret_value()
    )
    backends = Backends(
        session=lambda: app[UPSTREAM_SESSION],
        accounts=accounts,
        ledger=ledger,
        projections=projections,
        internal_token=settings.internal_token.get_secret_value(),
    )
    setup_routes(
        app,
        accounts=accounts,
        ledger=ledger,
        projections=projections,
        verifier=verifier,
        backends=backends,
        compute_timeout_s=settings.compute_timeout_s,
        user_limiter=UserRequestLimiter(
            rate_per_s=settings.user_requests_per_s, burst=settings.user_request_burst
        ),
    )
    return app
