"""The query catalog: every statement a route or background task runs, for the index audit.

Each service lists its statements in `<service>/query_catalog.py` by referring to the
repository's SQL constants (never a copy of their text), each with a `sample`: a SELECT that
draws representative parameters from the seeded database, so the audit plans the statement
with values a real request would send.
"""

from __future__ import annotations

from dataclasses import dataclass

from nestegg_common import erasure, health, idempotency, quotas


@dataclass(frozen=True)
class CatalogQuery:
    """One statement: its name, its SQL, and a SELECT returning one row of parameters."""

    name: str
    sql: str
    sample: str = ""
    # Why a sort is acceptable here; without a reason, a sort on a large table fails the audit.
    allow_sort: str = ""


HEALTH = CatalogQuery(
    "readyz.applied_migrations",
    health._APPLIED_MIGRATIONS_SQL,
)

_KEY_SAMPLE = "SELECT user_id, key FROM idempotency_keys ORDER BY user_id, key LIMIT 1"

# The idempotency statements every service with POST routes runs, and its purge loop.
IDEMPOTENCY = (
    CatalogQuery(
        "idempotency.claim",
        idempotency._CLAIM,
        "SELECT user_id, key, request_hash, 60.0::float8 FROM idempotency_keys "
        "ORDER BY user_id, key LIMIT 1",
    ),
    CatalogQuery("idempotency.select", idempotency._SELECT, _KEY_SAMPLE),
    CatalogQuery(
        "idempotency.complete",
        idempotency._COMPLETE,
        "SELECT user_id, key, 201, response_body, response_headers FROM idempotency_keys "
        "ORDER BY user_id, key LIMIT 1",
    ),
    CatalogQuery("idempotency.release", idempotency._RELEASE, _KEY_SAMPLE),
    CatalogQuery("idempotency.purge", idempotency._PURGE, "SELECT 24.0::float8"),
    CatalogQuery(
        "processed_events.purge",
        idempotency._PURGE_PROCESSED_EVENTS,
        f"SELECT {idempotency.PROCESSED_EVENTS_RETENTION_D}",
    ),
)

# The per-owner lock every quota-checked creation takes before it counts (no table touched).
QUOTA_LOCK = CatalogQuery("quota.lock", quotas._LOCK, "SELECT 'quota:' || gen_random_uuid()")

# The erasure guard of every write transaction and the user.deleted handler's tombstone, in
# each service that stores user data (nestegg_common.erasure).
_LOCK_SAMPLE = f"SELECT {erasure._LOCK_CLASS}, gen_random_uuid()::text"
ERASURE = (
    CatalogQuery("erasure.lock_write", erasure.LOCK_WRITE, _LOCK_SAMPLE),
    CatalogQuery("erasure.lock_erasure", erasure.LOCK_ERASURE, _LOCK_SAMPLE),
    CatalogQuery("erasure.is_erased", erasure.IS_ERASED, "SELECT gen_random_uuid()"),
    CatalogQuery("erasure.record_tombstone", erasure.RECORD_TOMBSTONE, "SELECT gen_random_uuid()"),
)
