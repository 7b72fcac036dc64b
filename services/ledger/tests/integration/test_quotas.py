"""A user holds at most `max_records_per_collection` records per collection (3 here): the next
create is a 409 quota-exceeded problem, and concurrent creates cannot overshoot the quota."""

from __future__ import annotations

import asyncio

import pytest

from ledger.app import MIGRATIONS_DIR
from ledger.settings import LedgerSettings
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.services import database_name_of

QUOTA = 3
COLLECTION_NAMES = ("assets", "debts", "incomes", "expenses")


@pytest.fixture(scope="module")
def ledger_settings(module_database_url: str) -> LedgerSettings:
    apply_migrations(module_database_url, MIGRATIONS_DIR)
    return LedgerSettings(
        database_url=module_database_url,
        ledger_database=database_name_of(module_database_url),
        internal_token="ledger-test-internal-token",
        max_records_per_collection=QUOTA,
        announce_input_changes=False,
    )


async def count(pool, collection: str, user_id) -> int:
    sql = f"SELECT count(*) FROM {collection} WHERE user_id = $1"  # noqa: S608 - a known name
    assert collection in COLLECTION_NAMES
    return int(await pool.fetchval(sql, user_id))


async def test_the_record_past_the_quota_is_a_409_that_says_why(
    api, client, new_user, pool, collection
) -> None:
    me = new_user()
    for _ in range(QUOTA):
        await api.create(collection, me)
    response = await client.post(f"/{collection}", json=api.body(collection), headers=me.headers)
    body = await api.problem(response, 409)
    assert body["type"] == "urn:nestegg:problem:quota-exceeded"
    assert body["title"] == "Quota exceeded"
    assert body["detail"] == (
        f"You already have {QUOTA} {collection}, the most allowed; delete one to add another."
    )
    assert await count(pool, collection, me.id) == QUOTA


async def test_the_quota_is_per_collection_and_per_user(api, new_user) -> None:
    me, someone_else = new_user(), new_user()
    for _ in range(QUOTA):
        await api.create("assets", me)
    await api.create("debts", me)  # another collection has its own allowance
    await api.create("assets", someone_else)  # and so has another user


async def test_deleting_a_record_makes_room_for_another(api, client, new_user) -> None:
    me = new_user()
    created = [await api.create("incomes", me) for _ in range(QUOTA)]
    full = await client.post("/incomes", json=api.body("incomes"), headers=me.headers)
    await api.problem(full, 409)
    deleted = await client.delete(f"/incomes/{created[0]['id']}", headers=me.headers)
    assert deleted.status == 204
    await api.create("incomes", me)


async def test_concurrent_creates_never_overshoot_the_quota(
    api, client, new_user, pool, collection
) -> None:
    me = new_user()
    responses = await asyncio.gather(
        *(
            client.post(f"/{collection}", json=api.body(collection), headers=me.headers)
            for _ in range(12)
        )
    )
    statuses = sorted(r.status for r in responses)
    assert statuses == [201] * QUOTA + [409] * (12 - QUOTA)
    assert await count(pool, collection, me.id) == QUOTA


async def test_a_replayed_create_is_answered_even_when_the_quota_is_full(
    api, client, new_user
) -> None:
    me = new_user()
    headers = me.with_headers(Idempotency_Key="quota-replay-1")
    first = await client.post("/expenses", json=api.body("expenses"), headers=headers)
    assert first.status == 201
    for _ in range(QUOTA - 1):
        await api.create("expenses", me)
    again = await client.post("/expenses", json=api.body("expenses"), headers=headers)
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == await first.json()
    fresh = me.with_headers(Idempotency_Key="quota-replay-2")
    refused = await client.post("/expenses", json=api.body("expenses"), headers=fresh)
    await api.problem(refused, 409)
    # A refused create releases its key: the same key works once there is room again.
    await client.delete(f"/expenses/{(await first.json())['id']}", headers=me.headers)
    retried = await client.post("/expenses", json=api.body("expenses"), headers=fresh)
    assert retried.status == 201 and "Idempotent-Replayed" not in retried.headers
