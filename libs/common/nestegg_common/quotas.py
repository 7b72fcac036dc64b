"""Per-user record quotas, counted race-free inside the transaction that creates the record.

A creation takes a transaction-scoped advisory lock on (scope, owner) before it counts, so two
concurrent creations for the same owner count one after the other: the second sees the first's
row (READ COMMITTED takes a fresh snapshot per statement, after the lock is granted) and a quota
of N can never be overshot. Other owners, reads and deletes are not blocked.
"""

from __future__ import annotations

import uuid

from nestegg_common.db import Connection
from nestegg_common.errors import QuotaExceeded

# hashtext() folds the key to 32 bits; a collision only makes two owners wait for each other.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext($1))"


async def lock_quota(conn: Connection, *, scope: str, owner: uuid.UUID) -> None:
    """Serialise creations in `scope` for `owner` until the current transaction ends."""
    await conn.execute(_LOCK, f"{scope}:{owner}")


def check_quota(held: int, limit: int, *, detail: str) -> None:
    """Refuse (409 quota-exceeded) when `held` records already reach `limit`."""
    if held >= limit:
        raise QuotaExceeded(detail)
