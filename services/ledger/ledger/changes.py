"""The ledger's per-user change counter (issue 19; nestegg_common.input_changes).

Every write of a user's records raises the counter in its own transaction and announces the new
value to projections before committing; a snapshot carries the value it was read with.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from nestegg_common.db import Connection
from nestegg_common.input_changes import ChangeAnnouncer
from nestegg_common.page_cache import PageCache
from nestegg_common.page_listener import PageCacheListener

CHANGE_ANNOUNCER = web.AppKey("change_announcer", ChangeAnnouncer)
# Each process's encoded list pages; migration 0006's triggers NOTIFY this channel with the
# owner's id from every transaction that changes a record, whoever runs it.
PAGE_CACHE = web.AppKey("page_cache", PageCache)
PAGE_CHANNEL = "ledger_records"
PAGE_LISTENER = web.AppKey("page_listener", PageCacheListener)

# The row lock taken here orders concurrent writes of one user: each sees the previous counter
# committed, so a snapshot holding counter N holds every write numbered N or less.
BUMP = """
INSERT INTO user_changes (user_id, counter) VALUES ($1, 1)
ON CONFLICT (user_id) DO UPDATE SET counter = user_changes.counter + 1
RETURNING counter
"""
SELECT = "SELECT counter FROM user_changes WHERE user_id = $1"
DELETE = "DELETE FROM user_changes WHERE user_id = $1"


async def record_change(conn: Connection, user_id: uuid.UUID, announcer: ChangeAnnouncer) -> None:
    """Raise the user's counter and tell projections, inside the write's transaction.

    If projections cannot be told, the announcer raises 503 and the whole write rolls back.
    """
    counter: int = await conn.fetchval(BUMP, user_id)
    await announcer.announce(user_id, counter)


async def current(conn: Connection, user_id: uuid.UUID) -> int:
    """Return the user's counter (0 before any write)."""
    counter: int | None = await conn.fetchval(SELECT, user_id)
    return counter or 0


async def erase(conn: Connection, user_id: uuid.UUID) -> None:
    """Delete the user's counter (erasure)."""
    await conn.execute(DELETE, user_id)
