"""`Idempotency-Key` on POST: a retried create answers the first response and writes once."""

from __future__ import annotations

import asyncio
import uuid

import pytest


def key() -> str:
    return f"key-{uuid.uuid4()}"


async def post(client, collection, user, body, idempotency_key):
    return await client.post(
        f"/{collection}", json=body, headers=user.with_headers(Idempotency_Key=idempotency_key)
    )


async def test_a_retry_with_the_same_key_and_body_replays_the_first_response(
    client, api, new_user, collection
) -> None:
    me, k, body = new_user(), key(), api.body(collection)
    first = await post(client, collection, me, body, k)
    assert first.status == 201, await first.text()
    assert "Idempotent-Replayed" not in first.headers
    retry = await post(client, collection, me, body, k)
    assert retry.status == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content_type == "application/json"
    assert await retry.json() == await first.json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"] == '"v1"'
    assert await api.items(collection, me) == [await first.json()]


async def test_many_sequential_retries_still_leave_one_record(client, api, new_user) -> None:
    me, k, body = new_user(), key(), api.body("assets")
    responses = [await post(client, "assets", me, body, k) for _ in range(5)]
    assert {r.status for r in responses} == {201}
    assert len({(await r.json())["id"] for r in responses}) == 1
    assert len(await api.items("assets", me)) == 1


async def test_the_same_key_with_another_body_is_a_422_and_writes_nothing_more(
    client, api, new_user, collection
) -> None:
    me, k = new_user(), key()
    first = await post(client, collection, me, api.body(collection), k)
    assert first.status == 201
    other = await post(client, collection, me, api.body(collection, name="Other"), k)
    assert await api.fields(other) == ["header.Idempotency-Key"]
    assert await api.items(collection, me) == [await first.json()]


async def test_the_same_key_on_another_collection_is_a_422_and_writes_nothing(
    client, api, new_user
) -> None:
    me, k = new_user(), key()
    assert (await post(client, "incomes", me, api.body("incomes"), k)).status == 201
    other = await post(client, "expenses", me, api.body("expenses"), k)
    assert await api.fields(other) == ["header.Idempotency-Key"]
    assert await api.items("expenses", me) == []
    assert len(await api.items("incomes", me)) == 1


async def test_keys_are_scoped_per_user(client, api, new_user) -> None:
    alice, bob, k, body = new_user(), new_user(), key(), api.body("debts")
    alices = await post(client, "debts", alice, body, k)
    bobs = await post(client, "debts", bob, body, k)
    assert (alices.status, bobs.status) == (201, 201)
    assert "Idempotent-Replayed" not in bobs.headers
    assert (await alices.json())["id"] != (await bobs.json())["id"]
    assert await api.items("debts", alice) == [await alices.json()]
    assert await api.items("debts", bob) == [await bobs.json()]
    # And B's use did not disturb A's: A's retry still replays A's record.
    retry = await post(client, "debts", alice, body, k)
    assert await retry.json() == await alices.json()


async def test_twenty_concurrent_posts_with_one_key_create_exactly_one_record(
    client, api, new_user, collection
) -> None:
    me, k, body = new_user(), key(), api.body(collection)
    responses = await asyncio.gather(*(post(client, collection, me, body, k) for _ in range(20)))
    statuses = [r.status for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = [await r.json() for r in responses if r.status == 201]
    assert created
    assert all(c == created[0] for c in created)
    for conflict in (r for r in responses if r.status == 409):
        await api.problem(conflict, 409)
    assert await api.items(collection, me) == [created[0]]
    # Once settled, the key replays.
    retry = await post(client, collection, me, body, k)
    assert (retry.status, await retry.json()) == (201, created[0])


@pytest.mark.parametrize(
    "bad_key",
    ["has space", "x" * 256, "x" * 300, "tab\tkey", "ключ", ""],
    ids=["space", "256-chars", "300-chars", "tab", "non-ascii", "empty"],
)
async def test_a_malformed_key_is_a_422_and_nothing_is_written(
    client, api, new_user, bad_key
) -> None:
    me = new_user()
    response = await client.post(
        "/assets",
        json=api.body("assets"),
        headers={**me.headers, "Idempotency-Key": bad_key},
    )
    assert await api.fields(response) == ["header.Idempotency-Key"]
    assert await api.items("assets", me) == []


async def test_a_key_of_255_printable_characters_is_accepted(client, api, new_user) -> None:
    me = new_user()
    response = await post(client, "assets", me, api.body("assets"), "~" * 255)
    assert response.status == 201, await response.text()


async def test_a_failed_validation_does_not_burn_the_key(client, api, new_user) -> None:
    me, k = new_user(), key()
    bad = await post(client, "assets", me, api.body("assets", balance="-1"), k)
    assert await api.fields(bad) == ["balance"]
    fixed = await post(client, "assets", me, api.body("assets"), k)
    assert fixed.status == 201, await fixed.text()
    assert "Idempotent-Replayed" not in fixed.headers
    assert await api.items("assets", me) == [await fixed.json()]


async def test_a_malformed_body_does_not_burn_the_key(client, api, new_user) -> None:
    me, k = new_user(), key()
    broken = await client.post(
        "/assets",
        data=b'{"name": ',
        headers=me.with_headers(Idempotency_Key=k, Content_Type="application/json"),
    )
    await api.problem(broken, 400)
    fixed = await post(client, "assets", me, api.body("assets"), k)
    assert fixed.status == 201, await fixed.text()


async def test_a_key_reused_after_the_record_was_deleted_still_replays_without_a_new_row(
    client, api, new_user
) -> None:
    me, k, body = new_user(), key(), api.body("assets")
    first = await post(client, "assets", me, body, k)
    created = await first.json()
    assert (await client.delete(f"/assets/{created['id']}", headers=me.headers)).status == 204
    retry = await post(client, "assets", me, body, k)
    assert retry.status == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert await api.items("assets", me) == []


async def test_posts_without_a_key_each_create_a_record(client, api, new_user) -> None:
    me, body = new_user(), api.body("assets")
    for _ in range(2):
        assert (await client.post("/assets", json=body, headers=me.headers)).status == 201
    assert len(await api.items("assets", me)) == 2


async def test_a_create_refused_after_the_key_was_read_does_not_burn_the_key(
    client, api, new_user
) -> None:
    # A NUL character is refused (PostgreSQL text cannot hold it); whatever refuses a
    # request, the key must stay free for the corrected retry.
    me, k = new_user(), key()
    failed = await post(client, "assets", me, api.body("assets", name="a\x00b"), k)
    assert failed.status >= 400
    assert await api.items("assets", me) == []
    fixed = await post(client, "assets", me, api.body("assets"), k)
    assert fixed.status == 201, await fixed.text()
    assert "Idempotent-Replayed" not in fixed.headers
    assert await api.items("assets", me) == [await fixed.json()]
