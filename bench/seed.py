"""Seed a realistic dataset straight into the three databases with COPY, not through the API.

Seeded users have predictable ids so pgbench scripts can build them from a random integer:
user n is 00000000-0000-4000-8000-<n as 12 decimal digits>, and the k-th row of a user in a
table is <k as 8 digits>-<table tag>-4000-8000-<n as 12 digits>.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

USER_PREFIX = "00000000-0000-4000-8000-"
TABLE_TAGS = {"assets": "0000", "debts": "0001", "incomes": "0002", "expenses": "0003"}
NOW = datetime.now(UTC)

ASSET_KINDS = ("cash", "taxable", "tax_deferred", "tax_free", "real_estate", "other")
DEBT_KINDS = ("mortgage", "student", "auto", "credit_card", "personal", "other")
EXPENSE_CATEGORIES = ("housing", "food", "transport", "health", "travel", "leisure")


@dataclass(frozen=True)
class Shape:
    """How many rows of each kind a typical user has, and the few with full pages of assets."""

    users: int = 10_000
    assets: int = 10
    debts: int = 2
    incomes: int = 3
    expenses: int = 5
    heavy_users: int = 100  # users 1..heavy_users: enough assets for a full page of 50
    heavy_assets: int = 60

    def assets_of(self, n: int) -> int:
        """Return how many assets user n has."""
        return self.heavy_assets if n <= self.heavy_users else self.assets


def user_id(n: int) -> uuid.UUID:
    """Return the id of seeded user n (1-based)."""
    return uuid.UUID(f"{USER_PREFIX}{n:012d}")


def row_id(table: str, n: int, k: int) -> uuid.UUID:
    """Return the id of user n's k-th row (1-based) in a ledger table."""
    return uuid.UUID(f"{k:08d}-{TABLE_TAGS[table]}-4000-8000-{n:012d}")


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def _created(rng: random.Random) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(1, 3 * 365 * 86400))


Row = tuple[Any, ...]
Ids = list[uuid.UUID]

ASSET_COLUMNS = [
    *("id", "user_id", "name", "kind", "balance", "annual_contribution"),
    *("contribution_end_age", "stock_allocation", "created_at", "updated_at"),
]
DEBT_COLUMNS = [
    *("id", "user_id", "name", "kind", "balance", "interest_rate", "monthly_payment"),
    *("created_at", "updated_at"),
]
INCOME_COLUMNS = [
    *("id", "user_id", "name", "kind", "amount", "frequency", "start_age", "end_age"),
    *("growth_rate", "inflation_indexed", "taxable", "created_at", "updated_at"),
]
EXPENSE_COLUMNS = [
    *("id", "user_id", "name", "category", "amount", "frequency", "start_age", "end_age"),
    *("inflation_indexed", "essential", "created_at", "updated_at"),
]


def asset_rows(rng: random.Random, owner: uuid.UUID, ids: Ids) -> Iterator[Row]:
    """Yield asset rows: accounts and property with contributions and an allocation."""
    for k, rid in enumerate(ids, start=1):
        kind = ASSET_KINDS[k % len(ASSET_KINDS)]
        stocks = Decimal("0") if kind in ("cash", "real_estate") else Decimal(f"{rng.random():.4f}")
        created = _created(rng)
        yield (
            rid,
            owner,
            f"{kind.replace('_', ' ').title()} {k}",
            kind,
            _money(rng, 500, 400_000),
            _money(rng, 0, 20_000) if kind not in ("cash", "real_estate") else Decimal("0.00"),
            rng.choice((None, 60, 65, 67)),
            stocks,
            created,
            created,
        )


def debt_rows(rng: random.Random, owner: uuid.UUID, ids: Ids) -> Iterator[Row]:
    """Yield debt rows: a balance, a rate and a monthly payment."""
    for k, rid in enumerate(ids, start=1):
        kind = DEBT_KINDS[k % len(DEBT_KINDS)]
        created = _created(rng)
        yield (
            rid,
            owner,
            f"{kind.replace('_', ' ').title()} {k}",
            kind,
            _money(rng, 1_000, 300_000),
            Decimal(f"{rng.uniform(0.02, 0.2):.6f}"),
            _money(rng, 100, 2_500),
            created,
            created,
        )


def income_rows(rng: random.Random, owner: uuid.UUID, ids: Ids) -> Iterator[Row]:
    """Yield incomes: a salary until retirement, then a pension and Social Security."""
    plans = (
        ("Salary", "salary", 40_000, 150_000, "annual", None, 64),
        ("Pension", "pension", 500, 2_500, "monthly", 65, None),
        ("Social Security", "social_security", 1_200, 3_000, "monthly", 67, None),
    )
    for k, rid in enumerate(ids):
        name, kind, low, high, frequency, start, end = plans[k % len(plans)]
        created = _created(rng)
        yield (
            rid,
            owner,
            name,
            kind,
            _money(rng, low, high),
            frequency,
            start,
            end,
            Decimal(f"{rng.uniform(0, 0.03):.6f}"),
            kind == "social_security",
            True,
            created,
            created,
        )


def expense_rows(rng: random.Random, owner: uuid.UUID, ids: Ids) -> Iterator[Row]:
    """Yield expenses over the plan: housing, food, transport…"""
    for k, rid in enumerate(ids):
        category = EXPENSE_CATEGORIES[k % len(EXPENSE_CATEGORIES)]
        created = _created(rng)
        yield (
            rid,
            owner,
            category.title(),
            category,
            _money(rng, 100, 3_000),
            "monthly",
            None,
            None,
            True,
            category in ("housing", "food", "health"),
            created,
            created,
        )


TABLES = (
    ("assets", ASSET_COLUMNS, asset_rows),
    ("debts", DEBT_COLUMNS, debt_rows),
    ("incomes", INCOME_COLUMNS, income_rows),
    ("expenses", EXPENSE_COLUMNS, expense_rows),
)


async def seed_ledger(dsn: str, shape: Shape, *, seed: int = 7) -> dict[str, int]:
    """COPY every seeded user's ledger rows; return the row count of each table."""
    rng = random.Random(seed)
    counts = {"assets": shape.assets, "debts": shape.debts, "incomes": shape.incomes}
    counts["expenses"] = shape.expenses
    written: dict[str, int] = {}
    conn = await asyncpg.connect(dsn)
    try:
        for table, columns, make in TABLES:
            rows: list[Row] = []
            for n in range(1, shape.users + 1):
                per_user = shape.assets_of(n) if table == "assets" else counts[table]
                ids = [row_id(table, n, k) for k in range(1, per_user + 1)]
                rows.extend(make(rng, user_id(n), ids))
            await conn.copy_records_to_table(table, records=rows, columns=columns)
            written[table] = len(rows)
    finally:
        await conn.close()
    return written


async def seed_bench_user_ledger(
    dsn: str, owner: uuid.UUID, *, assets: int = 200, seed: int = 11
) -> list[uuid.UUID]:
    """COPY the API user's ledger rows (`assets` assets: full pages); return the asset ids."""
    rng = random.Random(seed)
    shape = Shape()
    sizes = {"assets": assets, "debts": shape.debts, "incomes": shape.incomes}
    sizes["expenses"] = shape.expenses
    asset_ids: list[uuid.UUID] = []
    conn = await asyncpg.connect(dsn)
    try:
        for table, columns, make in TABLES:
            ids = [uuid.uuid4() for _ in range(sizes[table])]
            if table == "assets":
                asset_ids = ids
            await conn.copy_records_to_table(
                table, records=list(make(rng, owner, ids)), columns=columns
            )
    finally:
        await conn.close()
    return asset_ids


async def seed_accounts(dsn: str, shape: Shape, *, seed: int = 13) -> int:
    """COPY users and profiles (the password hash is a placeholder: nobody logs in as them)."""
    rng = random.Random(seed)
    users, profiles = [], []
    for n in range(1, shape.users + 1):
        uid = user_id(n)
        created = _created(rng)
        users.append((uid, f"user{n}@bench.example", "$argon2id$v=19$seeded", created, created))
        birth = date(rng.randrange(1950, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
        retire = rng.choice((60, 62, 65, 67))
        profiles.append((uid, birth, retire, rng.choice((85, 90, 95)), created))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "users",
            records=users,
            columns=["id", "email", "password_hash", "created_at", "updated_at"],
        )
        await conn.copy_records_to_table(
            "profiles",
            records=profiles,
            columns=["user_id", "birth_date", "retirement_age", "life_expectancy", "updated_at"],
        )
    finally:
        await conn.close()
    return len(users)


async def seed_projections(
    dsn: str, shape: Shape, *, template: asyncpg.Record | dict[str, Any], seed: int = 17
) -> dict[str, int]:
    """COPY one projection, one scenario and one stored run per user, shaped like `template`.

    `template` is the API user's real run (its assumptions and result), so the stored rows have
    the size and shape of real ones.
    """
    rng = random.Random(seed)
    assumptions = json.dumps(template["assumptions"])
    result = json.dumps(template["result"])
    projections, scenarios, runs = [], [], []
    for n in range(1, shape.users + 1):
        uid, pid, sid = user_id(n), uuid.uuid4(), uuid.uuid4()
        created = _created(rng)
        projections.append((pid, uid, "Retirement plan", assumptions, created, created))
        overrides = json.dumps({"retirement_age": rng.choice((60, 62, 67, 70))})
        scenarios.append((sid, pid, uid, "Retire at another age", overrides, created, created))
        runs.append(
            (
                uuid.uuid4(),
                pid,
                None,
                uid,
                f"{rng.getrandbits(256):064x}",
                template["engine_version"],
                rng.getrandbits(62),
                rng.random(),
                result,
                created,
            )
        )
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "projections",
            records=projections,
            columns=["id", "user_id", "name", "assumptions", "created_at", "updated_at"],
        )
        await conn.copy_records_to_table(
            "scenarios",
            records=scenarios,
            columns=[
                "id",
                "projection_id",
                "user_id",
                "name",
                "overrides",
                "created_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "runs",
            records=runs,
            columns=[
                "id",
                "projection_id",
                "scenario_id",
                "user_id",
                "inputs_hash",
                "engine_version",
                "seed",
                "success_rate",
                "result",
                "created_at",
            ],
        )
    finally:
        await conn.close()
    return {"projections": len(projections), "scenarios": len(scenarios), "runs": len(runs)}


async def bench_run_template(dsn: str, projection_id: uuid.UUID) -> dict[str, Any]:
    """Return the API user's stored run and its projection's assumptions, as seeding templates."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT p.assumptions::text AS assumptions, r.result::text AS result, "
            "r.engine_version FROM runs r JOIN projections p ON p.id = r.projection_id "
            "WHERE r.projection_id = $1 LIMIT 1",
            projection_id,
        )
    finally:
        await conn.close()
    assert row is not None, "the API user's run was not stored"
    return {
        "assumptions": json.loads(row["assumptions"]),
        "result": json.loads(row["result"]),
        "engine_version": row["engine_version"],
        "result_bytes": len(row["result"]),
    }


async def vacuum_analyze(dsn: str) -> None:
    """VACUUM ANALYZE a database: fresh statistics and visibility map, as after autovacuum."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


async def wait_until_settled(
    dsn: str, owner: uuid.UUID, name: str, *, quiet_s: float = 1.0, limit_s: float = 30.0
) -> None:
    """Wait until no asset called `name` has been added for `quiet_s` (at most `limit_s`)."""
    conn = await asyncpg.connect(dsn)
    try:
        count, deadline = -1, asyncio.get_running_loop().time() + limit_s
        while asyncio.get_running_loop().time() < deadline:  # bounded
            now = await conn.fetchval(
                "SELECT count(*) FROM assets WHERE user_id = $1 AND name = $2", owner, name
            )
            if now == count:
                return
            count = now
            await asyncio.sleep(quiet_s)
    finally:
        await conn.close()


async def delete_rows_named(dsn: str, owner: uuid.UUID, name: str) -> int:
    """Delete the API user's assets called `name` (what the POST load created)."""
    conn = await asyncpg.connect(dsn)
    try:
        status = await conn.execute(
            "DELETE FROM assets WHERE user_id = $1 AND name = $2", owner, name
        )
    finally:
        await conn.close()
    return int(status.split()[-1])
