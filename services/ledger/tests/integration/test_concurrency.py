"""Concurrent writers: `If-Match` lets exactly one win, and no update is ever lost."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

WRITERS = 20


async def test_concurrent_patches_with_the_same_if_match_let_exactly_one_through(
    client, api, new_user, collection
) -> None:
    me = new_user()
    record = await api.create(collection, me)
    url = f"/{collection}/{record['id']}"
    responses = await asyncio.gather(
        *(
            client.patch(
                url, json={"name": f"Writer {i}"}, headers=me.with_headers(If_Match='"v1"')
            )
            for i in range(WRITERS)
        )
    )
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] + [412] * (WRITERS - 1)
    winner = next(r for r in responses if r.status == 200)
    for loser in (r for r in responses if r.status == 412):
        await api.problem(loser, 412)
    after = await client.get(url, headers=me.headers)
    assert after.headers["ETag"] == '"v2"'
    assert await after.json() == await winner.json()


async def test_concurrent_patches_without_if_match_each_advance_the_version_once(
    client, api, new_user, collection
) -> None:
    me = new_user()
    record = await api.create(collection, me)
    url = f"/{collection}/{record['id']}"
    responses = await asyncio.gather(
        *(
            client.patch(url, json={"name": f"Writer {i}"}, headers=me.headers)
            for i in range(WRITERS)
        )
    )
    assert [r.status for r in responses] == [200] * WRITERS
    assert sorted(r.headers["ETag"] for r in responses) == sorted(
        f'"v{v}"' for v in range(2, WRITERS + 2)
    )
    after = await client.get(url, headers=me.headers)
    assert after.headers["ETag"] == f'"v{WRITERS + 1}"'
    last = next(r for r in responses if r.headers["ETag"] == f'"v{WRITERS + 1}"')
    assert await after.json() == await last.json()


async def test_read_modify_write_increments_with_if_match_lose_no_update(
    client, api, new_user
) -> None:
    me = new_user()
    record = await api.create("assets", me, api.body("assets", balance="100"))
    url = f"/assets/{record['id']}"

    async def add_one() -> int:
        attempts = 0
        while True:
            attempts += 1
            got = await client.get(url, headers=me.headers)
            balance = Decimal((await got.json())["balance"]) + 1
            response = await client.patch(
                url,
                json={"balance": str(balance)},
                headers=me.with_headers(If_Match=got.headers["ETag"]),
            )
            if response.status == 200:
                return attempts
            assert response.status == 412, await response.text()
            assert attempts < 200

    attempts = await asyncio.gather(*(add_one() for _ in range(WRITERS)))
    after = await client.get(url, headers=me.headers)
    assert (await after.json())["balance"] == "120.00"
    assert after.headers["ETag"] == f'"v{WRITERS + 1}"'
    assert sum(attempts) >= WRITERS


async def test_a_delete_with_a_stale_if_match_is_a_412_and_the_record_remains(
    client, api, new_user, collection
) -> None:
    me = new_user()
    record = await api.create(collection, me)
    url = f"/{collection}/{record['id']}"
    patched = await client.patch(url, json={"name": "Renamed"}, headers=me.headers)
    assert patched.headers["ETag"] == '"v2"'
    await api.problem(await client.delete(url, headers=me.with_headers(If_Match='"v1"')), 412)
    assert await api.get(collection, record["id"], me) == await patched.json()
    response = await client.delete(url, headers=me.with_headers(If_Match='"v2"'))
    assert response.status == 204
    assert await api.items(collection, me) == []


async def test_a_patch_with_a_stale_if_match_is_a_412_and_changes_nothing(
    client, api, new_user
) -> None:
    me = new_user()
    record = await api.create("debts", me)
    url = f"/debts/{record['id']}"
    current = await (await client.patch(url, json={"name": "One"}, headers=me.headers)).json()
    stale = await client.patch(url, json={"name": "Two"}, headers=me.with_headers(If_Match='"v1"'))
    await api.problem(stale, 412)
    after = await client.get(url, headers=me.headers)
    assert after.headers["ETag"] == '"v2"'
    assert await after.json() == current


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_if_match_star_matches_any_version(client, api, new_user, method) -> None:
    me = new_user()
    record = await api.create("incomes", me)
    url = f"/incomes/{record['id']}"
    await client.patch(url, json={"name": "v2"}, headers=me.headers)
    response = await client.request(
        method, url, json={"name": "v3"}, headers=me.with_headers(If_Match="*")
    )
    assert response.status == (200 if method == "PATCH" else 204), await response.text()
    if method == "PATCH":
        assert response.headers["ETag"] == '"v3"'


@pytest.mark.parametrize(
    "if_match",
    ['W/"v1"', "v1", '"V1"', '"v1", "v2"', '"1"', "garbage", '""', '"v01x"', '"v99999999999"'],
)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_a_weak_or_unusable_if_match_is_a_412_and_changes_nothing(
    client, api, new_user, method, if_match
) -> None:
    me = new_user()
    record = await api.create("expenses", me)
    url = f"/expenses/{record['id']}"
    response = await client.request(
        method, url, json={"name": "Changed"}, headers=me.with_headers(If_Match=if_match)
    )
    await api.problem(response, 412)
    after = await client.get(url, headers=me.headers)
    assert after.headers["ETag"] == '"v1"'
    assert await after.json() == record


async def test_concurrent_deletes_with_the_same_if_match_delete_once(client, api, new_user) -> None:
    me = new_user()
    record = await api.create("assets", me)
    url = f"/assets/{record['id']}"
    responses = await asyncio.gather(
        *(client.delete(url, headers=me.with_headers(If_Match='"v1"')) for _ in range(10))
    )
    statuses = sorted(r.status for r in responses)
    assert statuses[0] == 204
    assert statuses.count(204) == 1
    assert set(statuses[1:]) <= {404, 412}
    assert await api.items("assets", me) == []
