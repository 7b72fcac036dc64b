"""DELETE /me: the account goes, and `user.deleted` enters the outbox in the same transaction."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from .helpers import PASSWORD, assert_problem, bearer, logged_in, registered_user


async def signed_in_user(client: TestClient) -> tuple[str, dict[str, Any], dict[str, Any]]:
    email, user = await registered_user(client, prefix="erase")
    return email, user, await logged_in(client, email)


async def events_about(db: asyncpg.Connection, user_id: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT id, event_type, payload FROM outbox WHERE payload->>'user_id' = $1", user_id
    )


async def test_deleting_me_answers_204_and_erases_the_user_profile_and_tokens(
    client: TestClient, db: asyncpg.Connection
) -> None:
    _, user, pair = await signed_in_user(client)
    user_id = uuid.UUID(user["id"])

    response = await client.delete("/me", headers=bearer(pair))

    assert response.status == 204
    assert await response.read() == b""
    assert await db.fetchval("SELECT count(*) FROM users WHERE id = $1", user_id) == 0
    assert await db.fetchval("SELECT count(*) FROM profiles WHERE user_id = $1", user_id) == 0
    assert await db.fetchval("SELECT count(*) FROM refresh_tokens WHERE user_id = $1", user_id) == 0


async def test_after_deletion_the_old_credentials_open_nothing(client: TestClient) -> None:
    email, _, pair = await signed_in_user(client)
    assert (await client.delete("/me", headers=bearer(pair))).status == 204

    # Refused as a credential (401), not answered as a missing account (404).
    await assert_problem(await client.get("/me", headers=bearer(pair)), 401)
    await assert_problem(await client.get("/me/profile", headers=bearer(pair)), 401)
    await assert_problem(await client.delete("/me", headers=bearer(pair)), 401)
    refreshed = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    await assert_problem(refreshed, 401)
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    await assert_problem(login, 401)


async def test_deleting_me_writes_one_user_deleted_event_with_only_the_id(
    client: TestClient, db: asyncpg.Connection
) -> None:
    _, user, pair = await signed_in_user(client)
    assert (await client.delete("/me", headers=bearer(pair))).status == 204

    [event] = await events_about(db, user["id"])
    assert event["event_type"] == "user.deleted"
    assert event["payload"] == {"user_id": user["id"]}
    deliveries = await db.fetch(
        "SELECT subscriber, attempts, delivered_at, last_error FROM outbox_deliveries "
        "WHERE event_id = $1 ORDER BY subscriber",
        event["id"],
    )
    assert [dict(d) for d in deliveries] == [
        {"subscriber": s, "attempts": 0, "delivered_at": None, "last_error": None}
        for s in ("gateway", "ledger", "projections")
    ]


async def test_deleting_me_needs_an_access_token(client: TestClient) -> None:
    await assert_problem(await client.delete("/me"), 401)


async def test_a_failure_after_the_delete_rolls_back_the_user_and_the_event(
    client: TestClient, db: asyncpg.Connection
) -> None:
    _, user, pair = await signed_in_user(client)
    # A real database error raised by the last statement of the unit of work.
    await db.execute(
        """
        CREATE FUNCTION refuse_delivery() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION 'delivery refused for this test'; END $$;
        CREATE TRIGGER refuse_delivery BEFORE INSERT ON outbox_deliveries
        FOR EACH ROW EXECUTE FUNCTION refuse_delivery();
        """
    )
    try:
        await assert_problem(await client.delete("/me", headers=bearer(pair)), 500)
    finally:
        await db.execute(
            "DROP TRIGGER refuse_delivery ON outbox_deliveries; DROP FUNCTION refuse_delivery();"
        )

    me = await client.get("/me", headers=bearer(pair))
    assert me.status == 200 and (await me.json())["id"] == user["id"]
    assert await events_about(db, user["id"]) == []
    assert (await client.delete("/me", headers=bearer(pair))).status == 204
    assert len(await events_about(db, user["id"])) == 1


async def test_concurrent_deletes_of_one_account_erase_it_once_with_one_event(
    client: TestClient, db: asyncpg.Connection
) -> None:
    _, user, pair = await signed_in_user(client)

    responses = await asyncio.gather(
        *(client.delete("/me", headers=bearer(pair)) for _ in range(8))
    )

    assert sorted(r.status for r in responses) == [204] + [404] * 7
    assert len(await events_about(db, user["id"])) == 1


async def test_no_user_is_ever_gone_without_its_event(
    client: TestClient, db: asyncpg.Connection
) -> None:
    users = [await signed_in_user(client) for _ in range(4)]

    await asyncio.gather(*(client.delete("/me", headers=bearer(pair)) for _, _, pair in users))

    for _, user, _ in users:
        assert (
            await db.fetchval("SELECT count(*) FROM users WHERE id = $1", uuid.UUID(user["id"]))
            == 0
        )
        assert len(await events_about(db, user["id"])) == 1
