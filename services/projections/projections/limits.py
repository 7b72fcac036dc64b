"""Per-user computation limits that hold across every replica of the service.

Each computation takes a lease: a row of `compute_leases` in the database all replicas share,
counted and inserted in one transaction under an advisory lock on the user, by the database's
clock. A user may hold `in_flight` unreleased, unexpired leases and start `per_minute` a minute,
whichever replica they reach. A lease expires after `lease_s` (the compute budget plus a
margin), so a replica killed mid-computation frees its user's slot instead of holding it for ever.
Reading a stored result takes no lease: it is not a computation (docs/ARCHITECTURE.md, Compute).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from nestegg_common.errors import TooManyRequests
from nestegg_common.quotas import lock_quota

_SCOPE = "projections.compute"
# Finished leases older than the minute no longer count for anything: drop the user's own.
_FORGET = """
DELETE FROM compute_leases
WHERE user_id = $1 AND started_at <= clock_timestamp() - interval '60 seconds'
  AND (released_at IS NOT NULL OR expires_at <= clock_timestamp())
"""
_COUNT = """
SELECT count(*) FILTER (
           WHERE released_at IS NULL AND expires_at > clock_timestamp()
       ) AS running,
       count(*) FILTER (
           WHERE started_at > clock_timestamp() - interval '60 seconds'
       ) AS this_minute,
       extract(epoch FROM min(started_at) FILTER (
           WHERE started_at > clock_timestamp() - interval '60 seconds'
       ) + interval '60 seconds' - clock_timestamp())::float8 AS minute_frees_in_s
FROM compute_leases WHERE user_id = $1
"""
_TAKE = """
INSERT INTO compute_leases (id, user_id, expires_at)
VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
"""
_RELEASE = "UPDATE compute_leases SET released_at = clock_timestamp() WHERE id = $1"


class UserLimiter:
    """Per user, across replicas: `in_flight` computations at once, `per_minute` a minute."""

    def __init__(
        self, pool: asyncpg.Pool, *, in_flight: int, per_minute: int, lease_s: float
    ) -> None:
        self._pool = pool
        self._in_flight_limit, self._per_minute, self._lease_s = in_flight, per_minute, lease_s

    async def _take(self, user_id: uuid.UUID) -> uuid.UUID:
        lease = uuid.uuid4()
        async with self._pool.acquire() as conn, conn.transaction():
            await lock_quota(conn, scope=_SCOPE, owner=user_id)  # one admission at a time
            await conn.execute(_FORGET, user_id)
            counted = await conn.fetchrow(_COUNT, user_id)
            assert counted is not None  # an aggregate always yields a row
            if counted["this_minute"] >= self._per_minute:
                raise TooManyRequests(
                    f"At most {self._per_minute} projection computations a minute; wait a moment.",
                    retry_after_s=max(1, math.ceil(counted["minute_frees_in_s"] or 1)),
                )
            if counted["running"] >= self._in_flight_limit:
                raise TooManyRequests(
                    f"At most {self._in_flight_limit} projection computations at once; "
                    "wait for one to finish.",
                    retry_after_s=1,
                )
            await conn.execute(_TAKE, lease, user_id, self._lease_s)
        return lease

    @asynccontextmanager
    async def slot(self, user_id: uuid.UUID) -> AsyncIterator[None]:
        """Hold one of the user's slots for the duration; 429 when none is free."""
        lease = await self._take(user_id)
        try:
            yield
        finally:
            async with self._pool.acquire() as conn:
                await conn.execute(_RELEASE, lease)
