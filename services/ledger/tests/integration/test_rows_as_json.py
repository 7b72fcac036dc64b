"""Rows read back from PostgreSQL are shown exactly as the out-model's JSON dump shows them.

The unit tests build rows by hand; these use asyncpg's own types (its UUID, timestamptz in
UTC, numerics padded to the column's scale) for every collection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import asyncpg
import orjson

from ledger import repository, usecases
from ledger.collections import COLLECTIONS, Collection
from ledger.domain import fields_to_store, record_out
from nestegg_common.pagination import CursorCodec

MAX_MONEY = "999999999999.99"

# Bodies as a client sends them, at the edges of each field.
BODIES: dict[str, list[dict[str, Any]]] = {
    "assets": [
        {"name": "Cash", "kind": "cash", "balance": "0"},
        {"name": "Brokerage", "kind": "taxable", "balance": "1000.5", "stock_allocation": 0.6},
        {
            "name": "House",
            "kind": "real_estate",
            "balance": MAX_MONEY,
            "annual_contribution": MAX_MONEY,
            "contribution_end_age": 0,
            "stock_allocation": 1,
        },
        {"name": "IRA", "kind": "tax_deferred", "balance": "1", "stock_allocation": 0.0001},
    ],
    "debts": [
        {
            "name": "Card",
            "kind": "credit_card",
            "balance": "0",
            "interest_rate": 0,
            "monthly_payment": "0",
        },
        {
            "name": "Loan",
            "kind": "personal",
            "balance": MAX_MONEY,
            "interest_rate": 1,
            "monthly_payment": MAX_MONEY,
        },
        {
            "name": "Student",
            "kind": "student",
            "balance": "12.3",
            "interest_rate": 0.000001,
            "monthly_payment": "99.99",
        },
    ],
    "incomes": [
        {"name": "Salary", "kind": "salary", "amount": "5000", "frequency": "monthly"},
        {
            "name": "Pension",
            "kind": "pension",
            "amount": MAX_MONEY,
            "frequency": "annual",
            "start_age": 0,
            "end_age": 120,
            "growth_rate": -0.5,
            "inflation_indexed": True,
            "taxable": False,
        },
        {
            "name": "Rent",
            "kind": "rental",
            "amount": "0",
            "frequency": "monthly",
            "end_age": 70,
            "growth_rate": 0.000001,
        },
    ],
    "expenses": [
        {"name": "Food", "category": "food", "amount": "0", "frequency": "annual"},
        {
            "name": "Travel",
            "category": "travel",
            "amount": MAX_MONEY,
            "frequency": "monthly",
            "start_age": 30,
            "end_age": 90,
            "inflation_indexed": False,
            "essential": False,
        },
    ],
}


async def stored_rows(pool: asyncpg.Pool, c: Collection) -> list[asyncpg.Record]:
    """Insert every body of `c` for a new user through the repository; return the rows."""
    user_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        for body in BODIES[c.name]:
            fields = fields_to_store(c, c.model.model_validate(body))
            await repository.insert_record(conn, c, user_id=user_id, fields=fields)
        return await repository.list_all_records(conn, c, user_id=user_id)


async def test_stored_rows_are_shown_exactly_as_the_out_model_dumps_them(
    pool: asyncpg.Pool, out_model_dump: Callable[[Collection, Any], dict[str, Any]]
) -> None:
    for c in COLLECTIONS:
        rows = await stored_rows(pool, c)
        assert len(rows) == len(BODIES[c.name])
        for row in rows:
            shown, expected = record_out(c, row), out_model_dump(c, row)
            assert list(shown.items()) == list(expected.items()), c.name
            assert orjson.dumps(shown) == orjson.dumps(expected), c.name


async def test_a_page_reads_rows_as_the_bytes_record_out_shows(
    pool: asyncpg.Pool, out_model_dump: Callable[[Collection, Any], dict[str, Any]]
) -> None:
    # Pages are read with the values already JSON (`shown_columns`: uuid and money as text,
    # rates as float8, timestamps written with "Z") instead of converting each row in Python.
    codec = CursorCodec("a test secret")
    for c in COLLECTIONS:
        stored = await stored_rows(pool, c)
        async with pool.acquire() as conn:
            user_id = await conn.fetchval(
                f"SELECT user_id FROM {c.table} WHERE id = $1",  # noqa: S608 (a known table)
                stored[0]["id"],
            )
        by_id = {str(row["id"]): row for row in stored}
        seen: list[str] = []
        cursor = None
        while True:  # pages of 2, so the next-page statement and the cursor are read too
            page, cursor = await usecases.list_records_page(
                pool, c, user_id=user_id, limit=2, cursor=cursor, codec=codec
            )
            for shown in page:
                expected = out_model_dump(c, by_id[shown["id"]])
                assert list(shown) == list(expected), c.name  # the same keys in the same order
                assert orjson.dumps(shown, option=orjson.OPT_UTC_Z) == orjson.dumps(expected)
                seen.append(shown["id"])
            if cursor is None:
                break
        assert seen == [str(row["id"]) for row in reversed(stored)], c.name  # newest first


async def test_every_rate_a_column_can_hold_reads_as_the_float_python_makes_of_it(
    pool: asyncpg.Pool,
) -> None:
    # PostgreSQL's numeric → float8 and Python's float(Decimal) both round correctly: the same
    # double, hence the same shortest JSON, for each of these (every scale, both signs).
    async with pool.acquire() as conn:
        typmod = await conn.fetchval(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'incomes'::regclass AND attname = 'growth_rate'"
        )
        assert typmod.startswith("numeric(")
        values = [
            f"{sign}0.{digits:06d}" for sign in ("", "-") for digits in range(0, 1_000_000, 997)
        ]
        values += ["1", "-1", "0.1", "0.3", "0.000001", "0.999999"]
        rows = await conn.fetch(
            "SELECT v::text AS t, v::float8 AS f FROM unnest($1::text[]::numeric[]) AS v", values
        )
    for row in rows:
        assert row["f"] == float(Decimal(row["t"])), row["t"]
        assert orjson.dumps(row["f"]) == orjson.dumps(float(Decimal(row["t"]))), row["t"]


async def test_a_page_is_read_in_the_index_order_without_a_sort(pool: asyncpg.Pool) -> None:
    # The page's `id` output column is text: ORDER BY must still name the table's uuid column,
    # or PostgreSQL sorts the user's rows as text instead of walking the page index.
    for c in COLLECTIONS:
        async with pool.acquire() as conn:
            await conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
            try:
                plan = await conn.fetchval(
                    f"EXPLAIN (FORMAT JSON) {repository.SQL[c.name].first_page}",
                    uuid.uuid4(),
                    51,
                )
            finally:
                await conn.execute("RESET enable_seqscan; RESET enable_bitmapscan")
        assert "Sort" not in plan and "Index Scan" in plan, (c.name, plan)
