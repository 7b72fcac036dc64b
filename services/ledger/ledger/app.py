"""Build the ledger service's aiohttp app: the one composition root."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx
from aiohttp import web

from ledger.changes import CHANGE_ANNOUNCER, PAGE_CACHE, PAGE_CHANNEL, PAGE_LISTENER
from ledger.handlers import CURSORS, RECORDS_QUOTA
from ledger.partner import PARTNER_CHECK, PartnerCheck
from ledger.routes import setup_routes
from ledger.settings import LedgerSettings
from nestegg_common.auth import FetchJwks
from nestegg_common.erasure import FetchErased
from nestegg_common.idempotency import purge_context
from nestegg_common.input_changes import ChangeAnnouncer
from nestegg_common.metrics import METRICS
from nestegg_common.page_cache import PageCache, PageCacheCollector
from nestegg_common.page_listener import PageCacheListener
from nestegg_common.pagination import CursorCodec
from nestegg_common.service import HTTP_CLIENT, POOL, new_service_app
from nestegg_common.tasks import lifetime_task

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(
    settings: LedgerSettings,
    *,
    pool: asyncpg.Pool | None = None,
    http_client: httpx.AsyncClient | None = None,
    fetch_jwks: FetchJwks | None = None,
    fetch_erased: FetchErased | None = None,
) -> web.Application:
    """Create the ledger app; pass `pool`, `http_client`, `fetch_jwks`, `fetch_erased` in tests."""
    app = new_service_app(
        settings,
        migrations_dir=MIGRATIONS_DIR,
        pool=pool,
        http_client=http_client,
        fetch_jwks=fetch_jwks,
        fetch_erased=fetch_erased,
    )
    app[CURSORS] = CursorCodec(settings.cursor_secret())
    app[RECORDS_QUOTA] = settings.max_records_per_collection
    app[PARTNER_CHECK] = PartnerCheck(
        client=lambda: app[HTTP_CLIENT],
        accounts_url=settings.accounts_url,
        internal_token=settings.internal_token.get_secret_value(),
    )
    app[CHANGE_ANNOUNCER] = ChangeAnnouncer(
        client=lambda: app[HTTP_CLIENT],
        projections_url=settings.projections_url if settings.announce_input_changes else None,
        internal_token=settings.internal_token.get_secret_value(),
        source="ledger",
    )
    app.cleanup_ctx.append(purge_context(lambda a: a[POOL]))
    cache = app[PAGE_CACHE] = PageCache(max_bytes=settings.ledger_page_cache_mb * 2**20)
    app[METRICS].registry.register(PageCacheCollector(cache))
    listener = PageCacheListener(settings.database_dsn, PAGE_CHANNEL, cache)
    app[PAGE_LISTENER] = listener
    app.cleanup_ctx.append(lifetime_task(lambda _app: listener.run(), name="page-cache-listener"))
    setup_routes(app)
    return app
