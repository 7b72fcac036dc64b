"""A list runs as many statements for a user with 60 records as for one with 1."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio

from projections import repository
from projections.engine.plan import Assumptions

# Statements a read may run at most, BEGIN/COMMIT included: the point is a fixed number.
MAX_STATEMENTS = 6


async def seed(pool, user_id: uuid.UUID, n: int) -> uuid.UUID:
    """Insert n projections through the repository; the first one gets n scenarios."""
    assumptions = Assumptions().model_dump(mode="json")
    async with pool.acquire() as conn, conn.transaction():
        rows = [
            await repository.insert_projection(
                conn, user_id=user_id, name=f"P{i}", assumptions=assumptions
            )
            for i in range(n)
        ]
        for i in range(n):
            await repository.insert_scenario(
                conn, user_id=user_id, projection_id=rows[0]["id"], name=f"S{i}", overrides={}
            )
    projection_id: uuid.UUID = rows[0]["id"]
    return projection_id


@pytest_asyncio.fixture(scope="module")
async def one_and_many(pool, new_user):
    """Return (user, projection id) with 1 record each, and the same with 60."""
    one, many = new_user(), new_user()
    return (one, await seed(pool, one.id, 1)), (many, await seed(pool, many.id, 60))


async def statements_of(client, queries, path, headers, params=None) -> tuple[int, dict]:
    """Run one request and return how many statements the app's pool ran for it."""
    queries.count = 0
    response = await client.get(path, params=params, headers=headers)
    count = queries.count
    assert response.status == 200, await response.text()
    return count, await response.json()


@pytest.mark.parametrize("limit", ["50", "200"])
@pytest.mark.parametrize("listing", ["projections", "scenarios"])
async def test_a_list_runs_the_same_statements_for_1_record_as_for_60(
    client, queries, one_and_many, listing, limit
) -> None:
    (one, one_pid), (many, many_pid) = one_and_many

    def path(pid: uuid.UUID) -> str:
        return "/projections" if listing == "projections" else f"/projections/{pid}/scenarios"

    await statements_of(client, queries, path(one_pid), one.headers)  # warm up the pool
    few, few_page = await statements_of(
        client, queries, path(one_pid), one.headers, {"limit": limit}
    )
    lots, lots_page = await statements_of(
        client, queries, path(many_pid), many.headers, {"limit": limit}
    )
    assert len(few_page["items"]) == 1
    assert len(lots_page["items"]) == min(60, int(limit))
    assert 1 <= few <= MAX_STATEMENTS
    assert lots == few


@pytest.mark.parametrize("listing", ["projections", "scenarios"])
async def test_a_next_page_runs_as_many_statements_as_a_first_page(
    client, queries, one_and_many, listing
) -> None:
    _, (many, pid) = one_and_many
    path = "/projections" if listing == "projections" else f"/projections/{pid}/scenarios"
    first, page = await statements_of(client, queries, path, many.headers, {"limit": "25"})
    following, rest = await statements_of(
        client, queries, path, many.headers, {"limit": "25", "cursor": page["next_cursor"]}
    )
    assert len(rest["items"]) == 25
    assert following == first


async def test_the_query_counter_sees_the_apps_statements(client, queries, new_user) -> None:
    # Guards the tests above: a counter that saw nothing would make them pass vacuously.
    me = new_user()
    queries.count = 0
    response = await client.post("/projections", json={"name": "x"}, headers=me.headers)
    assert response.status == 201
    assert queries.count >= 1
