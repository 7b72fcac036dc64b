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
from projections.compute import Engine
from projections.engine.allocator import give_back_freed_memory, keep_freed_memory
from projections.handlers import CURSORS, PROJECTIONS, QUOTAS, Quotas
from projections.limits import UserLimiter
from projections.metrics import RunMetrics
from projections.routes import setup_routes
from projections.runs import Projections
from projections.settings import ProjectionsSettings
from projections.upstream import Upstreams
from projections.workers import WorkerPool

# How long past the compute budget a lease of a replica that died mid-computation still counts.
LEASE_MARGIN_S = 10.0
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# What each projections worker imports before it takes jobs: the engine, and the compiled
# `us` kernel warmed (engine/warm.py), so no request pays for numba's compilation.
WORKER_PRELOAD = ("projections.compute", "projections.engine.warm")
# Then each keeps the memory a job frees for its next kernel runs and jobs, and gives it back
# once it has had no job for WORKER_IDLE_S (engine/allocator.py; docs/OPERATIONS.md).
WORKER_SETUP, WORKER_WHEN_IDLE, WORKER_IDLE_S = keep_freed_memory, give_back_freed_memory, 1.0


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
        workers = WorkerPool(
            size=settings.projection_workers,
            memory_limit_bytes=settings.compute_worker_memory_mb * 1024 * 1024,
            preload=WORKER_PRELOAD,
            setup=WORKER_SETUP,
            when_idle=WORKER_WHEN_IDLE,
            idle_s=WORKER_IDLE_S,
            on_replaced=lambda reason: run_metrics.workers_replaced.labels(reason).inc(),
        )
        workers.start()
        # Serve once the workers can compute: their start compiles or loads the us kernel.
        await workers.ready()
        engine = Engine(
            workers,
            budget_s=settings.compute_budget_s,
            max_pending=settings.compute_max_pending,
            max_path_years=settings.compute_max_path_years,
            historical_path=str(settings.historical_data),
            metrics=run_metrics,
        )
        app[PROJECTIONS] = Projections(
            pool=app[POOL],
            engine=engine,
            limiter=UserLimiter(
                app[POOL],
                in_flight=settings.runs_in_flight_per_user,
                per_minute=settings.runs_per_minute_per_user,
                # A lease outlives its request's budget only if its replica died holding it.
                lease_s=settings.compute_budget_s + LEASE_MARGIN_S,
            ),
            upstreams=Upstreams(
                client=app[HTTP_CLIENT],
                accounts_url=settings.accounts_url,
                ledger_url=settings.ledger_url,
                internal_token=settings.internal_token.get_secret_value(),
            ),
            metrics=run_metrics,
            runs_kept=settings.runs_kept_per_projection,
        )
        yield
        await engine.close()

    app.cleanup_ctx.append(projections_ctx)
    app.cleanup_ctx.append(purge_context(lambda a: a[POOL]))
    setup_routes(app)
    return app
