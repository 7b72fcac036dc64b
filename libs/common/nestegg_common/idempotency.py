"""`Idempotency-Key` on POST: replay the first response, never create twice.

The key is claimed in its own committed transaction (so a concurrent duplicate sees it and gets
409), and the response is stored in the *same* transaction that creates the record, so either
both exist or neither does. A claim whose request died before committing is taken over after
`STALE_CLAIM_S`. Keys are scoped per user and kept at least `RETENTION_H` hours.

Events consumed from other services are deduplicated the same way (`processed_events`, one row
per applied event id); the purge loop also drops those older than `PROCESSED_EVENTS_RETENTION_D`
days, far beyond the few minutes in which the outbox may redeliver an acknowledged event.

Each service that accepts POSTs has this table in its own database:

    idempotency_keys (user_id uuid, key text, request_hash bytea, state text,
                      response_status smallint, response_body jsonb, response_headers jsonb,
                      created_at timestamptz, PRIMARY KEY (user_id, key))
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiohttp import web

from nestegg_common.db import Connection
from nestegg_common.erasure import guard_user_write
from nestegg_common.errors import Conflict, ValidationFailed
from nestegg_common.tasks import lifetime_task

_LOGGER = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
STALE_CLAIM_S = 60
RETENTION_H = 24
PROCESSED_EVENTS_RETENTION_D = 30
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces

_CLAIM = """
INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at)
VALUES ($1, $2, $3, 'in_flight', now())
ON CONFLICT (user_id, key) DO UPDATE
    SET request_hash = EXCLUDED.request_hash, created_at = now()
    WHERE idempotency_keys.state = 'in_flight'
      AND idempotency_keys.created_at < now() - make_interval(secs => $4)
RETURNING key
"""

_SELECT = """
SELECT request_hash, state, response_status, response_body, response_headers
FROM idempotency_keys
WHERE user_id = $1 AND key = $2
"""

_COMPLETE = """
UPDATE idempotency_keys
SET state = 'done', response_status = $3, response_body = $4, response_headers = $5
WHERE user_id = $1 AND key = $2
"""

_RELEASE = """
DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'in_flight'
"""

_PURGE = """
DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)
"""

# Served by processed_events_processed_at_idx (a non-transactional migration in each service).
_PURGE_PROCESSED_EVENTS = """
DELETE FROM processed_events WHERE processed_at < now() - make_interval(days => $1)
"""


@dataclass
class Created:
    """What a create operation answers: status, JSON body and headers (Location, ETag)."""

    body: dict[str, Any]
    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> web.Response:
        """Return it as an HTTP response."""
        return web.Response(
            status=self.status,
            text=json.dumps(self.body),
            content_type="application/json",
            headers=self.headers,
        )


Create = Callable[[Connection], Awaitable[Created]]


def request_fingerprint(request: web.Request, body: bytes) -> bytes:
    """Return what identifies "the same request": method, path and exact body."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def idempotency_key(request: web.Request) -> str | None:
    """Return the request's `Idempotency-Key`, None when absent; 422 when malformed."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY_PATTERN.match(key):
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.",
            errors=[
                {"field": f"header.{HEADER}", "message": "malformed key", "type": "value_error"}
            ],
        )
    return key


async def _replay_or_refuse(
    conn: Connection, user_id: uuid.UUID, key: str, fingerprint: bytes
) -> Created:
    row = await conn.fetchrow(_SELECT, user_id, key)
    if row is None:  # released between our claim attempt and this read: let the client retry
        raise Conflict("A request with this Idempotency-Key is in progress; retry shortly.")
    if bytes(row["request_hash"]) != fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request; use a new key.",
            errors=[
                {
                    "field": f"header.{HEADER}",
                    "message": "reused with another body",
                    "type": "value_error",
                }
            ],
        )
    if row["state"] != "done":
        raise Conflict(
            "A request with this Idempotency-Key is still in progress; retry shortly.",
            headers={"Retry-After": "1"},
        )
    headers = dict(row["response_headers"] or {})
    headers["Idempotent-Replayed"] = "true"
    return Created(body=row["response_body"], status=row["response_status"], headers=headers)


async def create_once(
    pool: asyncpg.Pool,
    request: web.Request,
    *,
    user_id: uuid.UUID,
    body: bytes,
    create: Create,
) -> Created:
    """Run `create` in a transaction, at most once per (user, Idempotency-Key)."""
    key = idempotency_key(request)
    if key is None:
        async with pool.acquire() as conn, conn.transaction():
            return await create(conn)
    fingerprint = request_fingerprint(request, body)
    async with pool.acquire() as conn:
        async with conn.transaction():
            # An erased user's key is never stored (the erasure deletes the claims before it).
            await guard_user_write(conn, user_id)
            claimed = await conn.fetchval(_CLAIM, user_id, key, fingerprint, float(STALE_CLAIM_S))
        if claimed is None:
            return await _replay_or_refuse(conn, user_id, key, fingerprint)
        try:
            async with conn.transaction():
                created = await create(conn)
                await conn.execute(
                    _COMPLETE, user_id, key, created.status, created.body, created.headers
                )
        except BaseException:
            # Validation failures and crashes are not stored: the client may fix and retry.
            await asyncio.shield(conn.execute(_RELEASE, user_id, key))
            raise
    return created


async def purge_expired_keys(pool: asyncpg.Pool, *, retention_h: int = RETENTION_H) -> int:
    """Delete keys older than the retention; return how many."""
    status = await pool.execute(_PURGE, float(retention_h))
    return int(status.split()[-1])


async def purge_processed_events(
    pool: asyncpg.Pool, *, retention_d: int = PROCESSED_EVENTS_RETENTION_D
) -> int:
    """Forget consumed events older than the retention; return how many."""
    status = await pool.execute(_PURGE_PROCESSED_EVENTS, retention_d)
    return int(status.split()[-1])


def purge_context(
    pool_of: Callable[[web.Application], asyncpg.Pool], *, every_s: float = 3600.0
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Purge expired idempotency keys and old processed events for the app's lifetime."""

    async def purge_loop(app: web.Application) -> None:
        purges = (
            ("idempotency keys", purge_expired_keys),
            ("processed events", purge_processed_events),
        )
        while True:
            for what, purge in purges:
                try:
                    removed = await purge(pool_of(app))
                    if removed:
                        _LOGGER.info("purged %s", what, extra={"count": removed})
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                    _LOGGER.warning("purge of %s failed: %s", what, type(err).__name__)
            await asyncio.sleep(every_s)

    return lifetime_task(purge_loop, name="purge")
