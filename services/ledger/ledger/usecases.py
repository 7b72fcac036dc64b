"""What the ledger API does, one unit of work (connection + transaction) per operation."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

import asyncpg
from pydantic import BaseModel

from ledger import changes, repository
from ledger.collections import COLLECTIONS, Collection
from ledger.domain import fields_to_store, is_partners, merge_patch, record_out
from ledger.models import Summary
from ledger.partner import PartnerCheck
from nestegg_common.db import Connection
from nestegg_common.erasure import ErasedUsers, guard_user_write
from nestegg_common.errors import NotFound, PreconditionFailed
from nestegg_common.etags import etag_for
from nestegg_common.events import Event, apply_once
from nestegg_common.idempotency import Created
from nestegg_common.input_changes import ChangeAnnouncer
from nestegg_common.pagination import CursorCodec, after_position, page_of
from nestegg_common.quotas import check_quota, lock_quota


def _not_found(c: Collection) -> NotFound:
    return NotFound(f"No such {c.noun}.")


async def create_record(
    conn: Connection,
    c: Collection,
    *,
    user_id: uuid.UUID,
    record: BaseModel,
    quota: int,
    announcer: ChangeAnnouncer,
) -> Created:
    """Insert a record within the user's quota; the answer carries its Location and ETag."""
    await guard_user_write(conn, user_id)
    await lock_quota(conn, scope=f"ledger.{c.name}", owner=user_id)
    held = await repository.count_records(conn, c, user_id=user_id, at_most=quota)
    check_quota(
        held,
        quota,
        detail=f"You already have {quota} {c.name}, the most allowed; delete one to add another.",
    )
    row = await repository.insert_record(
        conn, c, user_id=user_id, fields=fields_to_store(c, record)
    )
    await changes.record_change(conn, user_id, announcer)
    return Created(
        body=record_out(c, row),
        headers={"Location": f"/api/v1/{c.name}/{row['id']}", "ETag": etag_for(row["version"])},
    )


async def get_record(
    pool: asyncpg.Pool, c: Collection, *, user_id: uuid.UUID, record_id: uuid.UUID
) -> tuple[dict[str, Any], int]:
    """Return one of the user's records and its version."""
    async with pool.acquire() as conn:
        row = await repository.get_record(conn, c, user_id=user_id, record_id=record_id)
    if row is None:
        raise _not_found(c)
    return record_out(c, row), row["version"]


async def list_records_page(
    pool: asyncpg.Pool,
    c: Collection,
    *,
    user_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    codec: CursorCodec,
) -> tuple[list[dict[str, Any]], str | None]:
    """Return one page, newest first, and the cursor of the next page (None at the end)."""
    async with pool.acquire() as conn:
        rows = await repository.list_records_page(
            conn, c, user_id=user_id, limit=limit + 1, after=after_position(cursor, codec)
        )
    page, next_cursor = page_of(rows, limit, codec)
    if not page:
        return [], next_cursor
    # Already JSON values (`shown_columns`). The names once per page: `dict(row)` asks every
    # row for its keys, ~40 % slower for a page of 50.
    names = tuple(page[0].keys())
    return [dict(zip(names, row, strict=True)) for row in page], next_cursor


class _PartnerUnchecked(Exception):
    """The merged record belongs to the partner and accounts has not been asked yet."""


async def update_record(
    pool: asyncpg.Pool,
    c: Collection,
    *,
    user_id: uuid.UUID,
    record_id: uuid.UUID,
    patch: Any,
    expected_version: int | None,
    partners: PartnerCheck,
    announcer: ChangeAnnouncer,
) -> tuple[dict[str, Any], int]:
    """Change only the fields sent; the row lock makes concurrent PATCHes serialise.

    When the result belongs to the partner, the first pass rolls back, accounts is asked
    with no connection or lock held, and the update runs again.
    """
    try:
        return await _update_once(
            pool, c, user_id, record_id, patch, expected_version, announcer, partner_checked=False
        )
    except _PartnerUnchecked:
        await partners.require_partner(user_id, noun=c.noun)
    return await _update_once(
        pool, c, user_id, record_id, patch, expected_version, announcer, partner_checked=True
    )


async def _update_once(
    pool: asyncpg.Pool,
    c: Collection,
    user_id: uuid.UUID,
    record_id: uuid.UUID,
    patch: Any,
    expected_version: int | None,
    announcer: ChangeAnnouncer,
    *,
    partner_checked: bool,
) -> tuple[dict[str, Any], int]:
    async with pool.acquire() as conn, conn.transaction():
        await guard_user_write(conn, user_id)
        stored = await repository.lock_record(conn, c, user_id=user_id, record_id=record_id)
        if stored is None:
            raise _not_found(c)
        if expected_version is not None and stored["version"] != expected_version:
            raise PreconditionFailed(f"The {c.noun} changed since you read it; fetch it and retry.")
        merged = merge_patch(c, dict(stored), patch)
        if is_partners(merged) and not partner_checked:
            raise _PartnerUnchecked()
        row = await repository.update_record(
            conn, c, user_id=user_id, record_id=record_id, fields=fields_to_store(c, merged)
        )
        await changes.record_change(conn, user_id, announcer)
    assert row is not None  # the row is locked by us, so it is still there
    return record_out(c, row), row["version"]


async def delete_record(
    pool: asyncpg.Pool,
    c: Collection,
    *,
    user_id: uuid.UUID,
    record_id: uuid.UUID,
    expected_version: int | None,
    announcer: ChangeAnnouncer,
) -> None:
    """Delete a record (only at `expected_version` when If-Match was sent)."""
    async with pool.acquire() as conn, conn.transaction():
        await guard_user_write(conn, user_id)
        deleted = await repository.delete_record(
            conn, c, user_id=user_id, record_id=record_id, expected_version=expected_version
        )
        if not deleted:
            if await repository.get_record(conn, c, user_id=user_id, record_id=record_id) is None:
                raise _not_found(c)
            raise PreconditionFailed(f"The {c.noun} changed since you read it; fetch it and retry.")
        await changes.record_change(conn, user_id, announcer)


async def get_summary(pool: asyncpg.Pool, *, user_id: uuid.UUID) -> Summary:
    """Return the user's totals: assets, debts, net worth, annual income and expenses."""
    async with pool.acquire() as conn:
        row = await repository.get_summary(conn, user_id=user_id)
    return Summary(
        total_assets=row["total_assets"],
        total_debts=row["total_debts"],
        net_worth=row["total_assets"] - row["total_debts"],
        annual_income=row["annual_income"],
        annual_expenses=row["annual_expenses"],
        one_time_income=row["one_time_income"],
        one_time_expenses=row["one_time_expenses"],
    )


def snapshot_version(records: Iterable[tuple[str, uuid.UUID, int]]) -> str:
    """Return the version of a user's snapshot: a digest of every record's (kind, id, version).

    Equal versions mean equal snapshots (a record's version goes up with every change, ids are
    never reused), so projections may serve a result stored for this version without fetching
    the snapshot again (docs/ARCHITECTURE.md, Stored results).
    """
    lines = sorted(f"{kind}:{record_id}:{version}" for kind, record_id, version in records)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


async def get_snapshot(
    pool: asyncpg.Pool, *, user_id: uuid.UUID
) -> tuple[dict[str, list[dict[str, Any]]], str, int]:
    """Return every record of the user, the snapshot's version and change counter, at once."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = {c: await repository.list_all_records(conn, c, user_id=user_id) for c in COLLECTIONS}
        counter = await changes.current(conn, user_id)
    version = snapshot_version(
        (c.name, row["id"], row["version"]) for c, records in rows.items() for row in records
    )
    snapshot = {c.name: [record_out(c, row) for row in records] for c, records in rows.items()}
    return snapshot, version, counter


async def get_snapshot_version(pool: asyncpg.Pool, *, user_id: uuid.UUID) -> str:
    """Return the version `get_snapshot` would give, reading only ids and versions."""
    async with pool.acquire() as conn:
        rows = await repository.record_versions(conn, user_id=user_id)
    return snapshot_version((row["kind"], row["id"], row["version"]) for row in rows)


async def apply_event(pool: asyncpg.Pool, event: Event, *, erased: ErasedUsers) -> bool:
    """Apply an event at most once; say whether it was new."""

    async def erase(conn: Connection, user_id: uuid.UUID) -> None:
        await repository.erase_user(conn, user_id=user_id)
        await changes.erase(conn, user_id)

    return await apply_once(pool, event, erase_user=erase, erased=erased)
