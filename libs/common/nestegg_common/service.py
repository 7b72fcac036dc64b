"""Wire what every service app shares: middlewares, pool, client, health, metrics, serving."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvloop
from aiohttp import web
from opentelemetry import trace

from nestegg_common.auth import (
    FetchJwks,
    JwtVerifier,
    internal_auth_middleware,
    user_auth_middleware,
)
from nestegg_common.db import create_pool
from nestegg_common.erasure import (
    ERASED_USERS,
    ERASED_USERS_PATH,
    ErasedSince,
    ErasedUsers,
    FetchErased,
    erased_rows,
)
from nestegg_common.health import healthz, readiness_handler
from nestegg_common.logs import configure_logging
from nestegg_common.metrics import METRICS, Metrics, PoolCollector, get_metrics, metrics_middleware
from nestegg_common.problems import Handler, problem_middleware, request_id_middleware
from nestegg_common.security import security_headers_middleware
from nestegg_common.server import ReadTimeouts, run
from nestegg_common.service_token import SERVICE_TOKEN
from nestegg_common.settings import CommonSettings, ServiceSettings
from nestegg_common.tasks import lifetime_task
from nestegg_common.telemetry import (
    TRACER_PROVIDER,
    app_tracer_provider,
    instrument_http_client,
    setup_tracing,
    tracing_middleware,
)

_ACCESS_LOGGER = logging.getLogger("nestegg.access")

POOL = web.AppKey("pool", asyncpg.Pool)
HTTP_CLIENT = web.AppKey("http_client", httpx.AsyncClient)
TOKEN_CHECKS = web.AppKey("token_checks", JwtVerifier)


@web.middleware
async def access_log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log one line per request: method, route, status, duration (never bodies or headers)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        # Every process polls the erased users every few seconds: a line each is only noise.
        routine = request.path == ERASED_USERS_PATH and status < 400
        level = logging.DEBUG if routine else logging.INFO
        if _ACCESS_LOGGER.isEnabledFor(level):  # the line's fields only when it is written
            resource = request.match_info.route.resource
            _ACCESS_LOGGER.log(
                level,
                "request",
                extra={
                    "method": request.method,
                    "route": resource.canonical if resource else request.path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


def new_app(
    settings: CommonSettings,
    middlewares: Iterable[Any] = (),
    *,
    tracer_provider: trace.TracerProvider | None = None,
) -> web.Application:
    """Create an app with the shared middlewares in front of the given ones, and `/metrics`.

    `/metrics` answers only callers sending the service token (the scraper), as anything
    else on the app's port may be public.

    It traces with `tracer_provider` if given (tests), else with the process's provider when
    `NESTEGG_OTEL_EXPORTER` is not `none`.
    """
    provider = app_tracer_provider(settings, tracer_provider)
    metrics = Metrics()
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[
            # Outermost, so every answer gets the headers, problems and 404s included.
            security_headers_middleware(hsts_max_age_s=settings.hsts_max_age_s),
            request_id_middleware,
            # Inside the request id (the span records it), outside the access log (whose line
            # then carries the span's trace id).
            *([tracing_middleware(provider)] if provider is not None else []),
            metrics_middleware(metrics),
            access_log_middleware,
            problem_middleware,
            *middlewares,
        ],
    )
    app[METRICS] = metrics
    app[SERVICE_TOKEN] = settings.internal_token.get_secret_value().encode()
    if provider is not None:
        app[TRACER_PROVIDER] = provider
    app.router.add_get("/metrics", get_metrics)
    return app


def pool_context(
    settings: ServiceSettings, pool: asyncpg.Pool | None = None
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Open the service's pool for the app's lifetime (or use and keep the one given)."""

    async def pool_ctx(app: web.Application) -> AsyncIterator[None]:
        if pool is not None:
            app[POOL] = pool
            yield
            return
        app[POOL] = await create_pool(
            settings.database_dsn(),
            min_size=settings.db_pool_min,
            max_size=settings.db_pool_max,
            command_timeout_s=settings.db_command_timeout_s,
            slow_query_ms=settings.slow_query_ms,
            on_slow_query=app[METRICS].slow_queries.inc if METRICS in app else None,
        )
        yield
        await app[POOL].close()

    return pool_ctx


def new_http_client(
    settings: CommonSettings,
    *,
    tracer_provider: trace.TracerProvider | None = None,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """Create the one pooled HTTP client of a process, with explicit timeouts.

    With a `tracer_provider`, every request gets a client span and carries `traceparent`.
    """
    timeout = httpx.Timeout(
        settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s
    )
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    client = httpx.AsyncClient(timeout=timeout, limits=limits, **kwargs)
    instrument_http_client(client, tracer_provider)
    return client


def http_client_context(
    settings: CommonSettings, client: httpx.AsyncClient | None = None
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Keep one HTTP client for the app's lifetime (or use and keep the one given)."""

    async def http_ctx(app: web.Application) -> AsyncIterator[None]:
        app[HTTP_CLIENT] = client or new_http_client(
            settings, tracer_provider=app.get(TRACER_PROVIDER)
        )
        yield
        if client is None:
            await app[HTTP_CLIENT].aclose()

    return http_ctx


def jwks_over_http(app: web.Application, accounts_url: str) -> FetchJwks:
    """Fetch accounts' JWKS with the app's HTTP client."""

    async def fetch() -> dict[str, Any]:
        response = await app[HTTP_CLIENT].get(f"{accounts_url.rstrip('/')}/.well-known/jwks.json")
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    return fetch


def erased_users_over_http(app: web.Application, settings: CommonSettings) -> FetchErased:
    """Read accounts' recent erasures with the app's HTTP client and the service token."""
    url = f"{settings.accounts_url.rstrip('/')}{ERASED_USERS_PATH}"

    async def fetch(since: datetime) -> ErasedSince:
        response = await app[HTTP_CLIENT].get(
            url,
            params={"since": since.isoformat()},
            headers={"Authorization": f"Bearer {settings.internal_token.get_secret_value()}"},
        )
        response.raise_for_status()
        return erased_rows(response.json())

    return fetch


def add_token_checks(app: web.Application, verifier: JwtVerifier, erased: ErasedUsers) -> None:
    """Keep the verifier's keys and the erased users loaded while the app runs.

    Appended to `cleanup_ctx` after the HTTP client they use; `/readyz` waits for both.
    """
    app[ERASED_USERS] = erased
    app[TOKEN_CHECKS] = verifier
    app.cleanup_ctx.append(lifetime_task(lambda _app: verifier.keep_keys(), name="jwks-keys"))
    app.cleanup_ctx.append(lifetime_task(lambda _app: erased.run(), name="erased-users"))


def add_health_routes(app: web.Application, migrations_dir: Path) -> None:
    """Serve `/healthz` and `/readyz` for a service that owns a database."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get(
        "/readyz",
        readiness_handler(POOL, migrations_dir, waiting_for=lambda: app[TOKEN_CHECKS].not_ready()),
    )


def read_timeouts(settings: CommonSettings) -> ReadTimeouts:
    """Return how long a client may take to send a request (docs/OPERATIONS.md, Timeouts)."""
    return ReadTimeouts(
        head_s=settings.header_timeout_s,
        body_s=settings.body_timeout_s,
        idle_s=settings.idle_timeout_s,
    )


def serve(
    build_app: Callable[[], web.Application],
    settings: CommonSettings,
    *,
    service: str,
    port: int,
) -> None:
    """Set up logs and traces, build the app, and run it until SIGINT or SIGTERM."""
    configure_logging(service, level=settings.log_level, fmt=settings.log_format)
    tracer_provider = setup_tracing(service, settings)  # before the app, which traces with it
    try:
        # uvloop: up to 1.5x the gateway's throughput at 64 connections (docs/BENCHMARKS.md).
        run(
            build_app(),
            uvloop.new_event_loop(),
            host=settings.host,
            port=port,
            reuse_port=settings.reuse_port,
            timeouts=read_timeouts(settings),
        )
    finally:
        if tracer_provider is not None:
            tracer_provider.shutdown()  # export what is still queued


def new_service_app(
    settings: ServiceSettings,
    *,
    migrations_dir: Path,
    fetch_jwks: FetchJwks | None = None,
    fetch_erased: FetchErased | None = None,
    public_prefixes: Iterable[str] = (),
    pool: asyncpg.Pool | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> web.Application:
    """Create a service app: shared middlewares, service and user auth, pool, client, health.

    Without `fetch_jwks`, tokens are checked against accounts' JWKS over HTTP; without
    `fetch_erased`, the erased users are read from accounts' `/internal/erased-users`.
    """
    app: web.Application
    jwks = fetch_jwks or (lambda: jwks_over_http(app, settings.accounts_url)())
    erased = ErasedUsers(
        fetch_erased or (lambda since: erased_users_over_http(app, settings)(since)),
        poll_s=settings.erased_users_poll_s,
    )
    verifier = JwtVerifier(
        jwks,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_s=settings.jwks_cache_ttl_s,
        erased=erased,
    )
    app = new_app(
        settings,
        [
            internal_auth_middleware(settings.internal_token.get_secret_value()),
            user_auth_middleware(verifier, public_prefixes=public_prefixes),
        ],
    )
    app[METRICS].registry.register(PoolCollector(lambda: app.get(POOL)))
    app.cleanup_ctx.append(pool_context(settings, pool))
    app.cleanup_ctx.append(http_client_context(settings, http_client))
    add_token_checks(app, verifier, erased)
    add_health_routes(app, migrations_dir)
    return app
