"""Migration 0005 on a ledger that already holds records: every user with records starts at
counter 1 (so no counter projections learns can equal one from before), others have none; the
rollback drops the table and applying again gives the same counters."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from ledger.app import MIGRATIONS_DIR
from nestegg_common.migrations import apply_migrations, rollback_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

BEFORE_0005 = 4  # 0001..0004
HOLDERS = [uuid.uuid4() for _ in range(3)]


@pytest.fixture
def old_ledger(pg_server_url: str) -> Iterator[str]:
    name = unique_database_name("mig_user_changes")
    dsn = create_database(pg_server_url, name)
    apply_migrations(dsn, MIGRATIONS_DIR, steps=BEFORE_0005)
    try:
        with psycopg.connect(dsn) as conn:
            # One with an asset and a debt, one with an expense only, one with an income only.
            for user, table, columns, values in (
                (
                    HOLDERS[0],
                    "assets",
                    "name, kind, balance, stock_allocation",
                    "'Cash', 'cash', 10, 0",
                ),
                (
                    HOLDERS[0],
                    "debts",
                    "name, kind, balance, interest_rate, monthly_payment",
                    "'Car', 'auto', 5, 0.05, 1",
                ),
                (
                    HOLDERS[1],
                    "expenses",
                    "name, category, amount, frequency",
                    "'Rent', 'housing', 1, 'monthly'",
                ),
                (
                    HOLDERS[2],
                    "incomes",
                    "name, kind, amount, frequency",
                    "'Job', 'salary', 2, 'annual'",
                ),
            ):
                conn.execute(
                    f"INSERT INTO {table} (id, user_id, {columns}) "  # noqa: S608 - fixed text
                    f"VALUES (%s, %s, {values})",
                    (uuid.uuid4(), user),
                )
        yield dsn
    finally:
        drop_database(pg_server_url, name)


def counters(dsn: str) -> dict[uuid.UUID, int]:
    with psycopg.connect(dsn) as conn:
        return dict(conn.execute("SELECT user_id, counter FROM user_changes").fetchall())


def test_users_with_records_start_at_one_through_apply_rollback_apply(old_ledger: str) -> None:
    apply_migrations(old_ledger, MIGRATIONS_DIR, steps=1)
    assert counters(old_ledger) == dict.fromkeys(HOLDERS, 1)
    rollback_migrations(old_ledger, MIGRATIONS_DIR, steps=1)
    with psycopg.connect(old_ledger) as conn:
        assert conn.execute("SELECT to_regclass('user_changes')").fetchone() == (None,)
    apply_migrations(old_ledger, MIGRATIONS_DIR, steps=1)
    assert counters(old_ledger) == dict.fromkeys(HOLDERS, 1)
