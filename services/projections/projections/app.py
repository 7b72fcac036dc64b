"""Build the projections service's aiohttp app: the one composition root."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx
from aiohttp import web

from nestegg_common.service import new_service_app
from projections.routes import setup_routes
from projections.settings import ProjectionsSettings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(
    settings: ProjectionsSettings,
    *,
    pool: asyncpg.Pool | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> web.Application:
    """Create the projections app; pass `pool` or `http_client` to share them (tests)."""
    app = new_service_app(
        settings, migrations_dir=MIGRATIONS_DIR, pool=pool, http_client=http_client
    )
    setup_routes(app)
    return app
