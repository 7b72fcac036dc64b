"""Build the accounts service's aiohttp app: the one composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiohttp import web

from accounts.erasure import erased_since
from accounts.handlers import ACCOUNTS
from accounts.outbox import dispatcher_context, outbox_metrics
from accounts.passwords import Passwords
from accounts.routes import PUBLIC_PREFIXES, setup_routes
from accounts.settings import AccountsSettings
from accounts.tokens import SigningKey
from accounts.usecases import Accounts
from nestegg_common.erasure import ErasedSince
from nestegg_common.input_changes import ChangeAnnouncer
from nestegg_common.metrics import METRICS
from nestegg_common.service import HTTP_CLIENT, POOL, new_service_app

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(
    settings: AccountsSettings,
    *,
    pool: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> web.Application:
    """Create the accounts app; pass `pool` or `http` to share one (tests)."""
    signing_key = SigningKey.load(
        settings.jwt_private_key.get_secret_value(), settings.jwt_private_key_file
    ).with_previous(settings.previous_public_keys_pem())
    passwords = Passwords(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )

    async def own_jwks() -> dict[str, Any]:
        return signing_key.jwks()  # accounts checks tokens with its own key, no HTTP round trip

    async def own_erased(since: datetime) -> ErasedSince:
        async with app[POOL].acquire() as conn:  # and its own erasures, from its own table
            return await erased_since(conn, since=since)

    app = new_service_app(
        settings,
        migrations_dir=MIGRATIONS_DIR,
        fetch_jwks=own_jwks,
        fetch_erased=own_erased,
        public_prefixes=PUBLIC_PREFIXES,
        pool=pool,
        http_client=http,
    )

    async def accounts_ctx(app: web.Application) -> AsyncIterator[None]:
        announcer = ChangeAnnouncer(
            client=lambda: app[HTTP_CLIENT],
            projections_url=settings.projections_url if settings.announce_input_changes else None,
            internal_token=settings.internal_token.get_secret_value(),
            source="profile",
        )
        app[ACCOUNTS] = Accounts(
            pool=app[POOL],
            passwords=passwords,
            signing_key=signing_key,
            settings=settings,
            announcer=announcer,
        )
        yield

    app.cleanup_ctx.append(accounts_ctx)
    app[METRICS].on_scrape(outbox_metrics(app[METRICS]))
    # Appended after the pool and HTTP client, so it stops before they close.
    app.cleanup_ctx.append(dispatcher_context(settings))
    setup_routes(app)
    return app
