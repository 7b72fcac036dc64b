"""SQL of the ledger: one statement per function, always scoped to one user.

The four collections have the same statements over different columns, so each collection's
SQL is written out once from its explicit column list (`Statements`), never per request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from ledger.collections import COLLECTIONS, Collection
from ledger.domain import shown_columns
from nestegg_common.db import Connection


@dataclass(frozen=True)
class Statements:
    """Every statement a collection's routes run."""

    insert: str
    select_one: str
    lock_one: str
    first_page: str
    next_page: str
    update: str
    delete: str
    select_all_for_user: str
    delete_all_for_user: str
    count_for_user: str


def statements_for(c: Collection) -> Statements:
    """Write the SQL of one collection from its column list."""
    cols = ", ".join(c.columns)
    returned = f"id, {cols}, version, created_at, updated_at"
    values = ", ".join(f"${i}" for i in range(3, len(c.columns) + 3))
    assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(c.columns, start=3))
    # Qualified: a bare `id` in ORDER BY would name the page's `id::text AS id` output column
    # (a sort of text instead of the index's order).
    order = f"ORDER BY {c.table}.created_at DESC, {c.table}.id DESC"
    shown = shown_columns(c)  # pages are read as JSON values, never converted row by row
    return Statements(
        insert=(
            f"INSERT INTO {c.table} (id, user_id, {cols}) VALUES ($1, $2, {values}) "
            f"RETURNING {returned}"
        ),
        select_one=f"SELECT {returned} FROM {c.table} WHERE user_id = $1 AND id = $2",
        lock_one=f"SELECT {returned} FROM {c.table} WHERE user_id = $1 AND id = $2 FOR UPDATE",
        first_page=f"SELECT {shown} FROM {c.table} WHERE user_id = $1 {order} LIMIT $2",
        next_page=(
            f"SELECT {shown} FROM {c.table} WHERE user_id = $1 AND (created_at, id) < ($2, $3) "
            f"{order} LIMIT $4"
        ),
        update=(
            f"UPDATE {c.table} SET {assignments}, version = version + 1, "
            f"updated_at = clock_timestamp() WHERE user_id = $1 AND id = $2 RETURNING {returned}"
        ),
        delete=(
            f"DELETE FROM {c.table} WHERE user_id = $1 AND id = $2 "
            "AND ($3::integer IS NULL OR version = $3) RETURNING id"
        ),
        select_all_for_user=(
            f"SELECT {returned} FROM {c.table} WHERE user_id = $1 ORDER BY created_at, id"
        ),
        delete_all_for_user=f"DELETE FROM {c.table} WHERE user_id = $1",
        # Counts no further than the quota: the cost stays bounded whatever the user holds.
        count_for_user=(
            f"SELECT count(*) FROM (SELECT 1 FROM {c.table} WHERE user_id = $1 LIMIT $2) AS held"
        ),
    )


SQL: dict[str, Statements] = {c.name: statements_for(c) for c in COLLECTIONS}

# A `once` record is one payment, not a yearly flow: the recurring totals leave it out and
# the one-time totals add it up (docs/API.md, Ledger).
_PER_YEAR = "CASE frequency WHEN 'monthly' THEN amount * 12 WHEN 'annual' THEN amount ELSE 0 END"
_ONCE = "CASE frequency WHEN 'once' THEN amount ELSE 0 END"
_SUMMARY = f"""
SELECT
    (SELECT round(coalesce(sum(balance), 0), 2) FROM assets WHERE user_id = $1) AS total_assets,
    (SELECT round(coalesce(sum(balance), 0), 2) FROM debts WHERE user_id = $1) AS total_debts,
    i.annual_income, i.one_time_income, e.annual_expenses, e.one_time_expenses
FROM (SELECT round(coalesce(sum({_PER_YEAR}), 0), 2) AS annual_income,
             round(coalesce(sum({_ONCE}), 0), 2) AS one_time_income
        FROM incomes WHERE user_id = $1) AS i,
     (SELECT round(coalesce(sum({_PER_YEAR}), 0), 2) AS annual_expenses,
             round(coalesce(sum({_ONCE}), 0), 2) AS one_time_expenses
        FROM expenses WHERE user_id = $1) AS e
"""

_DELETE_IDEMPOTENCY_KEYS_FOR_USER = "DELETE FROM idempotency_keys WHERE user_id = $1"


def _values(c: Collection, fields: dict[str, Any]) -> list[Any]:
    return [fields[col] for col in c.columns]


async def insert_record(
    conn: Connection, c: Collection, *, user_id: uuid.UUID, fields: dict[str, Any]
) -> asyncpg.Record:
    """Insert a record with a new id and return it."""
    row = await conn.fetchrow(SQL[c.name].insert, uuid.uuid4(), user_id, *_values(c, fields))
    assert row is not None  # INSERT … RETURNING yields the row or raises
    return row


async def count_records(
    conn: Connection, c: Collection, *, user_id: uuid.UUID, at_most: int
) -> int:
    """Return how many records the user holds in a collection, counting at most `at_most`."""
    held: int = await conn.fetchval(SQL[c.name].count_for_user, user_id, at_most)
    return held


async def get_record(
    conn: Connection, c: Collection, *, user_id: uuid.UUID, record_id: uuid.UUID
) -> asyncpg.Record | None:
    """Return the user's record, or None (also for another user's record)."""
    row: asyncpg.Record | None = await conn.fetchrow(SQL[c.name].select_one, user_id, record_id)
    return row


async def lock_record(
    conn: Connection, c: Collection, *, user_id: uuid.UUID, record_id: uuid.UUID
) -> asyncpg.Record | None:
    """Return the user's record locked until the transaction ends."""
    row: asyncpg.Record | None = await conn.fetchrow(SQL[c.name].lock_one, user_id, record_id)
    return row


async def list_records_page(
    conn: Connection,
    c: Collection,
    *,
    user_id: uuid.UUID,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[asyncpg.Record]:
    """Return up to `limit` records, newest first, strictly after the `after` position.

    Each row's values are already JSON (`domain.shown_columns`): `dict(row)` is the record shown.
    """
    s = SQL[c.name]
    if after is None:
        return list(await conn.fetch(s.first_page, user_id, limit))
    return list(await conn.fetch(s.next_page, user_id, after[0], after[1], limit))


async def update_record(
    conn: Connection,
    c: Collection,
    *,
    user_id: uuid.UUID,
    record_id: uuid.UUID,
    fields: dict[str, Any],
) -> asyncpg.Record | None:
    """Write every column of a record and bump its version."""
    row: asyncpg.Record | None = await conn.fetchrow(
        SQL[c.name].update, user_id, record_id, *_values(c, fields)
    )
    return row


async def delete_record(
    conn: Connection,
    c: Collection,
    *,
    user_id: uuid.UUID,
    record_id: uuid.UUID,
    expected_version: int | None,
) -> bool:
    """Delete the record (at `expected_version` when given); say whether a row went."""
    deleted = await conn.fetchval(SQL[c.name].delete, user_id, record_id, expected_version)
    return deleted is not None


async def get_summary(conn: Connection, *, user_id: uuid.UUID) -> asyncpg.Record:
    """Return the user's totals in one statement."""
    row = await conn.fetchrow(_SUMMARY, user_id)
    assert row is not None  # an aggregate over scalar subqueries always yields one row
    return row


async def list_all_records(
    conn: Connection, c: Collection, *, user_id: uuid.UUID
) -> list[asyncpg.Record]:
    """Return every record of the user in a collection, oldest first."""
    return list(await conn.fetch(SQL[c.name].select_all_for_user, user_id))


# What the snapshot's version is made of: every record's (collection, id, version). Every change
# of a record bumps its version and ids are never reused, so the set names the contents.
RECORD_VERSIONS = " UNION ALL ".join(
    f"SELECT '{c.name}' AS kind, id, version FROM {c.table} WHERE user_id = $1" for c in COLLECTIONS
)


async def record_versions(conn: Connection, *, user_id: uuid.UUID) -> list[asyncpg.Record]:
    """Return (kind, id, version) of every record of the user."""
    return list(await conn.fetch(RECORD_VERSIONS, user_id))


async def erase_user(conn: Connection, *, user_id: uuid.UUID) -> None:
    """Delete every row the user owns in this database."""
    for c in COLLECTIONS:
        await conn.execute(SQL[c.name].delete_all_for_user, user_id)
    await conn.execute(_DELETE_IDEMPOTENCY_KEYS_FOR_USER, user_id)
