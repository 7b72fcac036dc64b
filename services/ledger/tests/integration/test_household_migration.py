"""Migration 0004 on a ledger that already holds records: they keep every value and take the
defaults; a rollback gives them back unchanged; applying again gives the same defaults."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from ledger.app import MIGRATIONS_DIR
from nestegg_common.migrations import apply_migrations, migration_status, rollback_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

BEFORE_0004 = 3  # 0001..0003
ONLY_0004 = 1  # these tests apply 0004 alone: later migrations would be rolled back first
USER = uuid.uuid4()

# Rows as the release before 0004 wrote them, with its columns only. The Social Security
# income claimed at 60 was allowed then; 0004 keeps it.
OLD_ROWS: dict[str, list[dict[str, Any]]] = {
    "assets": [
        {
            "name": "401(k)",
            "kind": "tax_deferred",
            "balance": "182000.00",
            "stock_allocation": "0.7000",
        },
        {
            "name": "Home",
            "kind": "real_estate",
            "balance": "450000.00",
            "stock_allocation": "0.0000",
        },
    ],
    "debts": [
        {
            "name": "Mortgage",
            "kind": "mortgage",
            "balance": "210000.00",
            "interest_rate": "0.045000",
            "monthly_payment": "1450.00",
        }
    ],
    "incomes": [
        {"name": "Pension", "kind": "pension", "amount": "2100.00", "frequency": "monthly"},
        {
            "name": "Early SS",
            "kind": "social_security",
            "amount": "1500.00",
            "frequency": "annual",
            "start_age": 60,
        },
    ],
    "expenses": [{"name": "Food", "category": "food", "amount": "650.00", "frequency": "monthly"}],
}
DEFAULTS = {
    "assets": {"owner": "self", "cost_basis": None, "sell_age": None},
    "debts": {"owner": "self", "payoff_age": None},
    "incomes": {"owner": "self", "survivor_fraction": "0.0000"},
    "expenses": {"owner": "self"},
}


@pytest.fixture
def old_ledger(pg_server_url: str) -> Iterator[str]:
    name = unique_database_name("mig_household")
    dsn = create_database(pg_server_url, name)
    apply_migrations(dsn, MIGRATIONS_DIR, steps=BEFORE_0004)
    try:
        with psycopg.connect(dsn) as conn:
            for table, rows in OLD_ROWS.items():
                for row in rows:
                    names = ", ".join(["id", "user_id", *row])
                    marks = ", ".join(["%s"] * (len(row) + 2))
                    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - known
                    conn.execute(sql, (uuid.uuid4(), USER, *row.values()))
        yield dsn
    finally:
        drop_database(pg_server_url, name)


def rows_of(dsn: str, table: str, columns: list[str]) -> list[dict[str, Any]]:
    with psycopg.connect(dsn) as conn:
        sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY name"  # noqa: S608 - known
        found = conn.execute(sql).fetchall()
    return [
        {
            c: (None if v is None else v if isinstance(v, int) else str(v))
            for c, v in zip(columns, r, strict=True)
        }
        for r in found
    ]


def old_columns(table: str) -> list[str]:
    return sorted({c for row in OLD_ROWS[table] for c in row})


def as_stored(table: str, defaults: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the old rows as each column reads back, with `defaults` for the new columns."""
    rows = ({c: row.get(c) for c in old_columns(table)} | defaults for row in OLD_ROWS[table])
    return sorted(rows, key=lambda r: r["name"])


def assert_new_columns_defaulted(dsn: str) -> None:
    for table, defaults in DEFAULTS.items():
        columns = old_columns(table) + list(defaults)
        assert rows_of(dsn, table, columns) == as_stored(table, defaults), table


def test_old_rows_keep_their_values_and_take_the_defaults_through_apply_rollback_apply(
    old_ledger: str,
) -> None:
    before = {t: rows_of(old_ledger, t, old_columns(t)) for t in OLD_ROWS}
    assert before == {t: as_stored(t, {}) for t in OLD_ROWS}
    apply_migrations(old_ledger, MIGRATIONS_DIR, steps=ONLY_0004)
    assert_new_columns_defaulted(old_ledger)
    rollback_migrations(old_ledger, MIGRATIONS_DIR, steps=1)
    assert {t: rows_of(old_ledger, t, old_columns(t)) for t in OLD_ROWS} == before
    apply_migrations(old_ledger, MIGRATIONS_DIR)
    assert migration_status(old_ledger, MIGRATIONS_DIR).pending == []
    assert_new_columns_defaulted(old_ledger)


def test_a_once_record_rolls_back_to_the_annual_record_that_pays_the_same_once(
    old_ledger: str,
) -> None:
    apply_migrations(old_ledger, MIGRATIONS_DIR, steps=ONLY_0004)
    with psycopg.connect(old_ledger) as conn:
        conn.execute(
            "INSERT INTO expenses (id, user_id, name, category, amount, frequency, start_age, "
            "owner) VALUES (%s, %s, 'Roof', 'home', 18000, 'once', 68, 'joint')",
            (uuid.uuid4(), USER),
        )
    rollback_migrations(old_ledger, MIGRATIONS_DIR, steps=1)
    assert rows_of(old_ledger, "expenses", ["name", "frequency", "start_age", "end_age"]) == [
        {"name": "Food", "frequency": "monthly", "start_age": None, "end_age": None},
        {"name": "Roof", "frequency": "annual", "start_age": 68, "end_age": 68},
    ]


def test_a_once_record_without_a_start_age_stops_the_rollback_and_nothing_changes(
    old_ledger: str,
) -> None:
    apply_migrations(old_ledger, MIGRATIONS_DIR, steps=ONLY_0004)
    with psycopg.connect(old_ledger) as conn:
        conn.execute(
            "INSERT INTO incomes (id, user_id, name, kind, amount, frequency) "
            "VALUES (%s, %s, 'Bonus', 'other', 5000, 'once')",
            (uuid.uuid4(), USER),
        )
    with pytest.raises(Exception, match="1 once income"):
        rollback_migrations(old_ledger, MIGRATIONS_DIR, steps=1)
    assert migration_status(old_ledger, MIGRATIONS_DIR).applied[-1] == "0004.household_records"
    assert rows_of(old_ledger, "incomes", ["name", "frequency"])[0] == {
        "name": "Bonus",
        "frequency": "once",
    }
