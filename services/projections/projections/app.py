"""Build the projections service's aiohttp app: the one composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
from aiohttp import web

from nestegg_common.auth import FetchJwks
from nestegg_common.erasure import FetchErased
from nestegg_common.idempotency import purge_context
from nestegg_common.metrics import METRICS
from nestegg_common.pagination import CursorCodec
from nestegg_common.service import HTTP_CLIENT, POOL, new_service_app
from projections.compute import Engine, UserLimiter
from projections.handlers import CURSORS, PROJECTIONS, QUOTAS, Quotas
from projections.metrics import RunMetrics
from projections.routes import setup_routes
from projections.runs import Projections
from projections.settings import ProjectionsSettings
from projections.upstream import Upstreams

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(
    settings: ProjectionsSettings,
    *,
    pool: asyncpg.Pool | None = None,
    http_client: httpx.AsyncClient | None = None,
    fetch_jwks: FetchJwks | None = None,
    fetch_erased: FetchErased | None = None,
) -> web.Application:
    """Create the projections app; pass `pool`, `http_client`, `fetch_*` to replace them."""
    app = new_service_app(
        settings,
        migrations_dir=MIGRATIONS_DIR,
        pool=pool,
        http_client=http_client,
        fetch_jwks=fetch_jwks,
        fetch_erased=fetch_erased,
    )
    app[CURSORS] = CursorCodec(settings.cursor_secret())
    app[QUOTAS] = Quotas(
        projections_per_user=settings.max_projections_per_user,
        scenarios_per_projection=settings.max_scenarios_per_projection,
    )
    run_metrics = RunMetrics(app[METRICS].registry)

    async def projections_ctx(app: web.Application) -> AsyncIterator[None]:
        engine = Engine(
            workers=settings.projection_workers,
            timeout_s=settings.compute_timeout_s,
            historical_path=str(settings.historical_data),
        )
        app[PROJECTIONS] = Projections(
            pool=app[POOL],
            engine=engine,
            limiter=UserLimiter(
                in_flight=settings.runs_in_flight_per_user,
                per_minute=settings.runs_per_minute_per_user,
            ),
            upstreams=Upstreams(
                client=app[HTTP_CLIENT],
                accounts_url=settings.accounts_url,
                ledger_url=settings.ledger_url,
                internal_token=settings.internal_token.get_secret_value(),
            ),
            metrics=run_metrics,
        )
        yield
        engine.close()

    app.cleanup_ctx.append(projections_ctx)
    app.cleanup_ctx.append(purge_context(lambda a: a[POOL]))
    setup_routes(app)
    return app
