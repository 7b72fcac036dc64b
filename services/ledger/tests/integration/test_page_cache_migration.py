"""Migration 0006: every change of a record NOTIFYs `ledger_records` with its owner, at commit
only, once per owner and transaction; a TRUNCATE says `*`; the rollback stops it all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from ledger.app import MIGRATIONS_DIR
from ledger.changes import PAGE_CHANNEL
from nestegg_common.migrations import apply_migrations, rollback_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

INSERTS = {
    "assets": ("name, kind, balance, stock_allocation", "'Cash', 'cash', 10, 0"),
    "debts": (
        "name, kind, balance, interest_rate, monthly_payment",
        "'Car', 'auto', 5, 0.05, 1",
    ),
    "incomes": ("name, kind, amount, frequency", "'Job', 'salary', 2, 'annual'"),
    "expenses": ("name, category, amount, frequency", "'Rent', 'housing', 1, 'monthly'"),
}


@pytest.fixture
def ledger(pg_server_url: str) -> Iterator[str]:
    name = unique_database_name("mig_page_cache")
    dsn = create_database(pg_server_url, name)
    apply_migrations(dsn, MIGRATIONS_DIR)
    try:
        yield dsn
    finally:
        drop_database(pg_server_url, name)


def heard(listener: psycopg.Connection) -> list[str]:
    return [n.payload for n in listener.notifies(timeout=0.3, stop_after=None)]


def test_each_change_names_its_owner_at_commit_and_rollback_stops_it(ledger: str) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    with (
        psycopg.connect(ledger, autocommit=True) as listener,
        psycopg.connect(ledger) as writer,
    ):
        listener.execute(f"LISTEN {PAGE_CHANNEL}")
        for table, (columns, values) in INSERTS.items():
            with writer.transaction():
                for _ in range(3):
                    writer.execute(
                        f"INSERT INTO {table} (id, user_id, {columns}) "  # noqa: S608 - fixed
                        f"VALUES (%s, %s, {values})",
                        (uuid.uuid4(), owner),
                    )
                assert heard(listener) == []  # nothing before the commit
            assert heard(listener) == [str(owner)]  # three rows, one notification
            writer.execute(f"UPDATE {table} SET user_id = %s", (other,))  # noqa: S608
            writer.commit()
            assert sorted(heard(listener)) == sorted([str(owner), str(other)])
            writer.execute(f"DELETE FROM {table}")  # noqa: S608
            writer.commit()
            assert heard(listener) == [str(other)]
        columns, values = INSERTS["assets"]
        writer.execute(
            f"INSERT INTO assets (id, user_id, {columns}) VALUES (%s, %s, {values})",  # noqa: S608
            (uuid.uuid4(), owner),
        )
        writer.rollback()
        assert heard(listener) == []  # a write rolled back changed nothing: no notification
        writer.execute("TRUNCATE assets")
        writer.commit()
        assert heard(listener) == ["*"]
    rollback_migrations(ledger, MIGRATIONS_DIR, steps=1)
    with (
        psycopg.connect(ledger, autocommit=True) as listener,
        psycopg.connect(ledger, autocommit=True) as writer,
    ):
        listener.execute(f"LISTEN {PAGE_CHANNEL}")
        columns, values = INSERTS["assets"]
        writer.execute(
            f"INSERT INTO assets (id, user_id, {columns}) VALUES (%s, %s, {values})",  # noqa: S608
            (uuid.uuid4(), owner),
        )
        assert heard(listener) == []
