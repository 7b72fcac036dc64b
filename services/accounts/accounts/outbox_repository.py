"""SQL of the outbox: record events, claim due deliveries, settle them, purge old ones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from nestegg_common.db import Connection

_INSERT_EVENT = """
INSERT INTO outbox (id, event_type, payload)
VALUES ($1, $2, $3)
"""

# Due after $3 seconds: 0, or the lease of the request that pushes the event itself.
_INSERT_DELIVERIES = """
INSERT INTO outbox_deliveries (event_id, subscriber, next_attempt_at)
SELECT $1, subscriber, now() + make_interval(secs => $3) FROM unnest($2::text[]) AS s (subscriber)
"""

# SKIP LOCKED lets several replicas claim side by side without waiting on or taking each
# other's rows; pushing next_attempt_at past the send timeout (a lease) keeps the claim after
# this short transaction commits, so no lock is held across the HTTP call.
_CLAIM_DUE_DELIVERIES = """
WITH due AS (
    SELECT event_id, subscriber
    FROM outbox_deliveries
    WHERE delivered_at IS NULL AND next_attempt_at <= now() AND subscriber = ANY($1::text[])
    ORDER BY next_attempt_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox_deliveries AS d
SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $3)
FROM due, outbox AS o
WHERE d.event_id = due.event_id AND d.subscriber = due.subscriber AND o.id = d.event_id
RETURNING d.event_id, d.subscriber, d.attempts, o.event_type, o.occurred_at, o.payload
"""

# The request that wrote an event claims its never-tried deliveries to send them at once. They
# were written due only after a lease, so no dispatcher took them meanwhile; if the request
# dies before this, the dispatcher sends them when that lease runs out.
_CLAIM_EVENT_DELIVERIES = """
WITH due AS (
    SELECT event_id, subscriber
    FROM outbox_deliveries
    WHERE event_id = $1 AND delivered_at IS NULL AND attempts = 0
      AND subscriber = ANY($2::text[])
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox_deliveries AS d
SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $3)
FROM due, outbox AS o
WHERE d.event_id = due.event_id AND d.subscriber = due.subscriber AND o.id = d.event_id
RETURNING d.event_id, d.subscriber, d.attempts, o.event_type, o.occurred_at, o.payload
"""

_MARK_DELIVERED = """
UPDATE outbox_deliveries SET delivered_at = now(), last_error = NULL
WHERE event_id = $1 AND subscriber = $2 AND delivered_at IS NULL
"""

# Only the claim that made attempt number $3 may reschedule it: a sender whose lease ran out
# must not overwrite the state a later claim wrote.
_MARK_FAILED = """
UPDATE outbox_deliveries
SET next_attempt_at = now() + make_interval(secs => $4), last_error = $5
WHERE event_id = $1 AND subscriber = $2 AND attempts = $3 AND delivered_at IS NULL
"""

# Both read the partial index of pending deliveries, which stays small while delivery keeps up.
_PENDING_SUMMARY = """
SELECT count(*) AS pending,
       coalesce(extract(epoch FROM now() - min(o.occurred_at))::float8, 0) AS oldest_age_s
FROM outbox_deliveries AS d
JOIN outbox AS o ON o.id = d.event_id
WHERE d.delivered_at IS NULL
"""

_PURGE_DELIVERED_EVENTS = """
DELETE FROM outbox
WHERE id IN (
    SELECT o.id
    FROM outbox AS o
    WHERE o.occurred_at < now() - make_interval(days => $1)
      AND NOT EXISTS (
          SELECT 1 FROM outbox_deliveries AS d
          WHERE d.event_id = o.id AND d.delivered_at IS NULL
      )
    LIMIT $2
)
"""


async def insert_event(
    conn: Connection, *, event_id: uuid.UUID, event_type: str, payload: dict[str, Any]
) -> None:
    """Append an event to the outbox (in the caller's transaction)."""
    await conn.execute(_INSERT_EVENT, event_id, event_type, payload)


async def insert_deliveries(
    conn: Connection, *, event_id: uuid.UUID, subscribers: Sequence[str], due_in_s: float = 0.0
) -> None:
    """Create one pending delivery of the event per subscriber, due in `due_in_s` seconds."""
    await conn.execute(_INSERT_DELIVERIES, event_id, list(subscribers), due_in_s)


async def claim_due_deliveries(
    conn: Connection, *, subscribers: Sequence[str], limit: int, lease_s: float
) -> list[asyncpg.Record]:
    """Count an attempt on up to `limit` due deliveries and hide them from others for `lease_s`."""
    rows: list[asyncpg.Record] = await conn.fetch(
        _CLAIM_DUE_DELIVERIES, list(subscribers), limit, lease_s
    )
    return rows


async def claim_event_deliveries(
    conn: Connection, *, event_id: uuid.UUID, subscribers: Sequence[str], lease_s: float
) -> list[asyncpg.Record]:
    """Count an attempt on one event's pending deliveries and hide them for `lease_s`."""
    rows: list[asyncpg.Record] = await conn.fetch(
        _CLAIM_EVENT_DELIVERIES, event_id, list(subscribers), lease_s
    )
    return rows


async def mark_delivered(conn: Connection, *, event_id: uuid.UUID, subscriber: str) -> None:
    """Record that the subscriber acknowledged the event."""
    await conn.execute(_MARK_DELIVERED, event_id, subscriber)


async def mark_failed(
    conn: Connection,
    *,
    event_id: uuid.UUID,
    subscriber: str,
    attempts: int,
    retry_in_s: float,
    error: str,
) -> None:
    """Record why attempt `attempts` failed and when to try again."""
    await conn.execute(_MARK_FAILED, event_id, subscriber, attempts, retry_in_s, error)


async def pending_summary(conn: Connection) -> tuple[int, float]:
    """Return how many deliveries are pending and the age in seconds of the oldest one's event."""
    row = await conn.fetchrow(_PENDING_SUMMARY)
    assert row is not None
    return int(row["pending"]), float(row["oldest_age_s"])


async def purge_delivered_events(conn: Connection, *, older_than_days: int, limit: int) -> int:
    """Delete up to `limit` events older than the retention that every subscriber acknowledged."""
    status: str = await conn.execute(_PURGE_DELIVERED_EVENTS, older_than_days, limit)
    return int(status.rsplit(" ", 1)[-1])
