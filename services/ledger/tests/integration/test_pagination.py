"""Keyset pagination: pages of the requested size, newest first, stable under inserts."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import datetime

import pytest


async def create_in_batches(api, collection, user, n, *, batch=20, label="Record"):
    """Create n records, `batch` at a time concurrently; return the batches in creation order."""
    batches = []
    for start in range(0, n, batch):
        size = min(batch, n - start)
        batches.append(
            await asyncio.gather(
                *(
                    api.create(collection, user, api.body(collection, name=f"{label} {start + i}"))
                    for i in range(size)
                )
            )
        )
    return batches


def newest_first(records):
    return sorted(
        records,
        key=lambda r: (datetime.fromisoformat(r["created_at"]), uuid.UUID(r["id"])),
        reverse=True,
    )


async def fetch_pages(client, collection, user, limit):
    pages, cursor = [], None
    while True:
        params = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        response = await client.get(f"/{collection}", params=params, headers=user.headers)
        assert response.status == 200, await response.text()
        page = await response.json()
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 10, "the cursors never end"


async def test_119_records_come_in_three_pages_each_exactly_once_newest_first(
    client, api, new_user, collection
) -> None:
    me = new_user()
    batches = await create_in_batches(api, collection, me, 119)
    created = [r for b in batches for r in b]
    pages = await fetch_pages(client, collection, me, 50)
    assert [len(p) for p in pages] == [50, 50, 19]
    listed = [r for p in pages for r in p]
    assert listed == newest_first(created)
    assert len({r["id"] for r in listed}) == 119
    # Batches were created one after the other: every later batch is listed before an earlier one.
    position = {r["id"]: i for i, r in enumerate(listed)}
    for earlier, later in itertools.pairwise(batches):
        assert max(position[r["id"]] for r in later) < min(position[r["id"]] for r in earlier)


async def test_records_inserted_between_page_fetches_neither_shift_nor_repeat_the_rest(
    client, api, new_user
) -> None:
    me = new_user()
    originals = newest_first([r for b in await create_in_batches(api, "debts", me, 119) for r in b])
    first = await (await client.get("/debts?limit=50", headers=me.headers)).json()
    assert first["items"] == originals[:50]

    newer = [r for b in await create_in_batches(api, "debts", me, 7, label="New") for r in b]
    second = await (
        await client.get(
            "/debts", params={"limit": "50", "cursor": first["next_cursor"]}, headers=me.headers
        )
    ).json()
    assert second["items"] == originals[50:100]

    await create_in_batches(api, "debts", me, 3, label="Newer")
    third = await (
        await client.get(
            "/debts", params={"limit": "50", "cursor": second["next_cursor"]}, headers=me.headers
        )
    ).json()
    assert third == {"items": originals[100:], "next_cursor": None}

    everything = await api.items("debts", me)
    assert len(everything) == 129
    assert everything[3:10] == newest_first(newer)
    assert everything[10:] == originals


async def test_the_default_page_size_is_50(client, api, new_user, seed) -> None:
    me = new_user()
    await seed("incomes", me.id, 51)
    page = await (await client.get("/incomes", headers=me.headers)).json()
    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None
    rest = await (
        await client.get("/incomes", params={"cursor": page["next_cursor"]}, headers=me.headers)
    ).json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    assert rest["items"][0]["id"] not in {r["id"] for r in page["items"]}


@pytest.mark.parametrize(("count", "pages"), [(200, [200]), (201, [200, 1]), (400, [200, 200])])
async def test_a_limit_of_200_returns_up_to_200_records(
    client, new_user, seed, count, pages
) -> None:
    me = new_user()
    await seed("expenses", me.id, count)
    got = await fetch_pages(client, "expenses", me, 200)
    assert [len(p) for p in got] == pages
    assert len({r["id"] for p in got for r in p}) == count


async def test_a_page_exactly_as_long_as_what_is_left_has_no_next_cursor(
    client, new_user, seed
) -> None:
    me = new_user()
    await seed("assets", me.id, 10)
    page = await (await client.get("/assets?limit=10", headers=me.headers)).json()
    assert len(page["items"]) == 10
    assert page["next_cursor"] is None


async def test_a_cursor_of_one_user_does_not_reveal_another_users_records(
    client, api, new_user, seed
) -> None:
    alice, bob = new_user(), new_user()
    await seed("assets", alice.id, 3)
    await seed("assets", bob.id, 3)
    page = await (await client.get("/assets?limit=1", headers=alice.headers)).json()
    bobs = await (
        await client.get("/assets", params={"cursor": page["next_cursor"]}, headers=bob.headers)
    ).json()
    bob_ids = {r["id"] for r in await api.items("assets", bob)}
    assert {r["id"] for r in bobs["items"]} <= bob_ids
