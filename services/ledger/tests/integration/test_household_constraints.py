"""Each household rule also holds in the database (migration 0004): a statement that bypasses
the API and breaks one fails on its CHECK; what the rules allow is stored."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

# The columns every row needs, per table; a case adds or overrides some.
BASE: dict[str, dict[str, Any]] = {
    "assets": {"name": "A", "kind": "taxable", "balance": 1, "stock_allocation": 0.5},
    "debts": {
        "name": "D",
        "kind": "mortgage",
        "balance": 1,
        "interest_rate": 0.05,
        "monthly_payment": 1,
    },
    "incomes": {"name": "I", "kind": "other", "amount": 1, "frequency": "annual"},
    "expenses": {"name": "E", "category": "c", "amount": 1, "frequency": "annual"},
}

# (table, columns set, the CHECK constraint that must refuse the row)
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("assets", {"owner": "spouse"}, "assets_owner_check"),
    ("debts", {"owner": "both"}, "debts_owner_check"),
    ("incomes", {"owner": ""}, "incomes_owner_check"),
    ("expenses", {"owner": "JOINT"}, "expenses_owner_check"),
    ("assets", {"kind": "tax_deferred", "owner": "joint"}, "assets_joint_kind_check"),
    ("assets", {"kind": "tax_free", "owner": "joint"}, "assets_joint_kind_check"),
    *(
        ("incomes", {"kind": kind, "owner": "joint"}, "incomes_joint_kind_check")
        for kind in ("salary", "pension", "annuity")
    ),
    ("incomes", {"kind": "social_security", "owner": "joint"}, "incomes_joint_kind_check"),
    ("assets", {"cost_basis": -0.01}, "assets_cost_basis_check"),
    *(
        ("assets", {"kind": kind, "cost_basis": 10}, "assets_cost_basis_kind_check")
        for kind in ("cash", "tax_deferred", "tax_free", "other")
    ),
    ("assets", {"kind": "real_estate", "sell_age": 121}, "assets_sell_age_check"),
    ("assets", {"kind": "real_estate", "sell_age": -1}, "assets_sell_age_check"),
    *(
        ("assets", {"kind": kind, "sell_age": 70}, "assets_sell_age_kind_check")
        for kind in ("cash", "taxable", "tax_deferred", "tax_free", "other")
    ),
    ("debts", {"payoff_age": 121}, "debts_payoff_age_check"),
    ("debts", {"payoff_age": -1}, "debts_payoff_age_check"),
    (
        "incomes",
        {"kind": "pension", "survivor_fraction": 1.0001},
        "incomes_survivor_fraction_check",
    ),
    ("incomes", {"kind": "pension", "survivor_fraction": -0.5}, "incomes_survivor_fraction_check"),
    *(
        (
            "incomes",
            {"kind": kind, "survivor_fraction": 0.5},
            "incomes_survivor_fraction_kind_check",
        )
        for kind in ("salary", "social_security", "rental", "other")
    ),
    ("incomes", {"frequency": "weekly"}, "incomes_frequency_check"),
    ("expenses", {"frequency": "daily"}, "expenses_frequency_check"),
    *(
        (
            "incomes",
            {"kind": "social_security", "start_age": age},
            "incomes_social_security_claiming_age_check",
        )
        for age in (0, 61, 71, 120)
    ),
]

ALLOWED: list[tuple[str, dict[str, Any]]] = [
    *(
        ("assets", {"kind": k, "owner": "joint"})
        for k in ("cash", "taxable", "real_estate", "other")
    ),
    *(("assets", {"kind": k, "owner": "partner"}) for k in ("tax_deferred", "tax_free")),
    ("assets", {"kind": "taxable", "cost_basis": 0}),
    ("assets", {"kind": "real_estate", "cost_basis": 5, "sell_age": 0}),
    ("assets", {"kind": "real_estate", "sell_age": 120}),
    ("debts", {"owner": "joint", "payoff_age": 120}),
    *(("incomes", {"kind": k, "owner": "joint"}) for k in ("rental", "other")),
    ("incomes", {"kind": "pension", "survivor_fraction": 1}),
    ("incomes", {"kind": "annuity", "survivor_fraction": 0.0001}),
    ("incomes", {"kind": "social_security", "start_age": 62}),
    ("incomes", {"kind": "social_security", "start_age": 70}),
    ("incomes", {"kind": "social_security", "start_age": None}),
    ("incomes", {"frequency": "once", "start_age": None}),
    ("expenses", {"frequency": "once", "owner": "joint"}),
]


async def insert(conn: asyncpg.Connection, table: str, columns: dict[str, Any]) -> None:
    row = {"id": uuid.uuid4(), "user_id": uuid.uuid4(), **BASE[table], **columns}
    names = ", ".join(row)
    values = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    sql = f"INSERT INTO {table} ({names}) VALUES ({values})"  # noqa: S608 - known names
    await conn.execute(sql, *row.values())


def case_id(table: str, columns: dict[str, Any]) -> str:
    return f"{table}-" + "-".join(f"{k}={v}" for k, v in columns.items())


@pytest.mark.parametrize(
    ("table", "columns", "constraint"), REFUSED, ids=[case_id(t, c) for t, c, _ in REFUSED]
)
async def test_a_row_breaking_a_rule_is_refused_by_its_check(
    pool: asyncpg.Pool, table: str, columns: dict[str, Any], constraint: str
) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError) as refused:
            await insert(conn, table, columns)
    assert refused.value.constraint_name == constraint


@pytest.mark.parametrize(("table", "columns"), ALLOWED, ids=[case_id(t, c) for t, c in ALLOWED])
async def test_a_row_within_the_rules_is_stored(
    pool: asyncpg.Pool, table: str, columns: dict[str, Any]
) -> None:
    async with pool.acquire() as conn:
        await insert(conn, table, columns)


async def test_an_update_breaking_a_rule_is_refused_too(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await insert(conn, "assets", {"name": "Joint cash", "kind": "cash", "owner": "joint"})
        with pytest.raises(asyncpg.CheckViolationError) as refused:
            await conn.execute("UPDATE assets SET kind = 'tax_free' WHERE name = 'Joint cash'")
    assert refused.value.constraint_name == "assets_joint_kind_check"


async def test_new_columns_take_the_documented_defaults(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for table in BASE:
            await insert(conn, table, {"name": "Defaults"})
        owners = await conn.fetch(
            "SELECT owner FROM assets WHERE name = 'Defaults' UNION ALL "
            "SELECT owner FROM debts WHERE name = 'Defaults' UNION ALL "
            "SELECT owner FROM incomes WHERE name = 'Defaults' UNION ALL "
            "SELECT owner FROM expenses WHERE name = 'Defaults'"
        )
        asset = await conn.fetchrow(
            "SELECT cost_basis, sell_age FROM assets WHERE name = 'Defaults'"
        )
        payoff = await conn.fetchval("SELECT payoff_age FROM debts WHERE name = 'Defaults'")
        fraction = await conn.fetchval(
            "SELECT survivor_fraction FROM incomes WHERE name = 'Defaults'"
        )
    assert [r["owner"] for r in owners] == ["self"] * 4
    assert (asset["cost_basis"], asset["sell_age"], payoff, fraction) == (None, None, None, 0)
