"""Every SQL statement the ledger routes and background tasks run, for `make db-audit`."""

from __future__ import annotations

from ledger import changes
from ledger import repository as repo
from ledger.collections import COLLECTIONS, Collection
from nestegg_common.dbops.catalog import ERASURE, HEALTH, IDEMPOTENCY, QUOTA_LOCK, CatalogQuery
from nestegg_common.events import RECORD_PROCESSED_EVENT

_USER = "SELECT user_id FROM assets ORDER BY id LIMIT 1"


def _collection_queries(c: Collection) -> tuple[CatalogQuery, ...]:
    s = repo.SQL[c.name]
    cols = ", ".join(c.columns)
    one = f"SELECT user_id, id FROM {c.table} ORDER BY id LIMIT 1"
    return (
        # POST /{collection}
        CatalogQuery(
            f"{c.name}.insert",
            s.insert,
            f"SELECT gen_random_uuid(), user_id, {cols} FROM {c.table} ORDER BY id LIMIT 1",
        ),
        # POST /{collection}: the quota count, under QUOTA_LOCK
        CatalogQuery(
            f"{c.name}.count_for_user", s.count_for_user, f"SELECT user_id, 200 FROM ({_USER}) u"
        ),
        # GET /{collection}/{id}; PUT and DELETE lock it first
        CatalogQuery(f"{c.name}.select_one", s.select_one, one),
        CatalogQuery(f"{c.name}.lock_one", s.lock_one, one),
        # GET /{collection}: first page, then keyset pages
        CatalogQuery(f"{c.name}.first_page", s.first_page, f"SELECT user_id, 50 FROM ({_USER}) u"),
        CatalogQuery(
            f"{c.name}.next_page",
            s.next_page,
            f"SELECT user_id, created_at, id, 50 FROM {c.table} ORDER BY id LIMIT 1",
        ),
        # PUT /{collection}/{id}
        CatalogQuery(
            f"{c.name}.update",
            s.update,
            f"SELECT user_id, id, {cols} FROM {c.table} ORDER BY id LIMIT 1",
        ),
        # DELETE /{collection}/{id}
        CatalogQuery(
            f"{c.name}.delete",
            s.delete,
            f"SELECT user_id, id, version FROM {c.table} ORDER BY id LIMIT 1",
        ),
        # GET /internal/users/{id}/snapshot; the user.deleted event
        CatalogQuery(f"{c.name}.select_all_for_user", s.select_all_for_user, _USER),
        CatalogQuery(f"{c.name}.delete_all_for_user", s.delete_all_for_user, _USER),
    )


CATALOG = (
    *(q for c in COLLECTIONS for q in _collection_queries(c)),
    # GET /summary
    CatalogQuery("summary", repo._SUMMARY, _USER),
    # POST, PATCH, DELETE /{collection}: the user's change counter (changes.py); the snapshot
    # reads it; the user.deleted event deletes it
    CatalogQuery("user_changes.bump", changes.BUMP, _USER),
    CatalogQuery("user_changes.select", changes.SELECT, _USER),
    CatalogQuery("user_changes.delete", changes.DELETE, _USER),
    # GET /internal/users/{id}/snapshot-version (projections' check of a stored result)
    CatalogQuery("records.versions_of_user", repo.RECORD_VERSIONS, _USER),
    # POST /internal/events
    CatalogQuery(
        "processed_events.record",
        RECORD_PROCESSED_EVENT,
        "SELECT gen_random_uuid(), 'user.deleted'",
    ),
    CatalogQuery("idempotency_keys.delete_for_user", repo._DELETE_IDEMPOTENCY_KEYS_FOR_USER, _USER),
    QUOTA_LOCK,
    *IDEMPOTENCY,
    *ERASURE,
    HEALTH,
)
