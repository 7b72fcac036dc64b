"""A request runs as many statements for a user with 200 records as for one with 1."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from ledger.changes import PAGE_CACHE

COLLECTIONS = ("assets", "debts", "incomes", "expenses")
# Statements a read may run at most, BEGIN/COMMIT included: the point is a fixed number.
MAX_STATEMENTS = 8


@pytest_asyncio.fixture(scope="module")
async def one_and_many(new_user, seed):
    """Return a user with 1 record in each collection and one with 200 in each."""
    one, many = new_user(), new_user()
    for collection in COLLECTIONS:
        await seed(collection, one.id, 1)
        await seed(collection, many.id, 200)
    return one, many


async def page_cache_serving(client) -> None:
    """Wait for the app's page cache listener (the app may have only just started)."""
    for _ in range(500):
        if client.app[PAGE_CACHE].serving:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the page cache never started serving")


async def statements_of(client, queries, path, headers, params=None) -> tuple[int, dict]:
    """Run one request and return how many statements the app's pool ran for it."""
    queries.count = 0
    response = await client.get(path, params=params, headers=headers)
    count = queries.count
    assert response.status == 200, await response.text()
    return count, await response.json()


@pytest.mark.parametrize("limit", ["50", "200"])
async def test_a_list_runs_the_same_statements_for_1_record_as_for_200(
    client, queries, one_and_many, collection, limit
) -> None:
    one, many = one_and_many
    await statements_of(client, queries, f"/{collection}", one.headers)  # warm up the pool
    few, few_page = await statements_of(
        client, queries, f"/{collection}", one.headers, {"limit": limit}
    )
    lots, lots_page = await statements_of(
        client, queries, f"/{collection}", many.headers, {"limit": limit}
    )
    assert (len(few_page["items"]), len(lots_page["items"])) == (1, int(limit))
    assert 1 <= few <= MAX_STATEMENTS
    assert lots == few


async def test_a_page_and_a_record_are_one_statement_each(
    client, queries, one_and_many, collection
) -> None:
    one, _ = one_and_many
    await page_cache_serving(client)
    # A query no other test reads, so the page is not in the page cache yet.
    count, page = await statements_of(
        client, queries, f"/{collection}", one.headers, {"limit": "7"}
    )
    # Just the SELECT: releasing the connection runs no reset statement (nestegg_common.db).
    assert count == 1
    # The same page again comes from the page cache: no statement at all.
    again, same = await statements_of(
        client, queries, f"/{collection}", one.headers, {"limit": "7"}
    )
    assert (again, same) == (0, page)
    record_id = page["items"][0]["id"]
    count, _ = await statements_of(client, queries, f"/{collection}/{record_id}", one.headers)
    assert count == 1


async def test_a_next_page_runs_as_many_statements_as_a_first_page(
    client, queries, one_and_many, collection
) -> None:
    _, many = one_and_many
    first, page = await statements_of(client, queries, f"/{collection}", many.headers)
    following, _ = await statements_of(
        client, queries, f"/{collection}", many.headers, {"cursor": page["next_cursor"]}
    )
    assert following == first


async def test_the_summary_runs_the_same_statements_for_1_record_as_for_200(
    client, queries, one_and_many, new_user
) -> None:
    one, many = one_and_many
    await page_cache_serving(client)
    await statements_of(client, queries, "/ledger/summary", new_user().headers)  # warm the pool
    few, few_summary = await statements_of(client, queries, "/ledger/summary", one.headers)
    lots, lots_summary = await statements_of(client, queries, "/ledger/summary", many.headers)
    assert few_summary["total_assets"] == "1000.50"
    assert lots_summary["total_assets"] == "200100.00"
    assert 1 <= few <= MAX_STATEMENTS
    assert lots == few
    # Read again, it comes from the page cache (the dashboard's ledger part): no statement.
    assert await statements_of(client, queries, "/ledger/summary", many.headers) == (
        0,
        lots_summary,
    )


async def test_the_snapshot_runs_the_same_statements_for_1_record_as_for_200(
    client, queries, one_and_many, internal_headers
) -> None:
    one, many = one_and_many
    path = "/internal/users/{}/snapshot"
    await statements_of(client, queries, path.format(one.id), internal_headers)
    few, few_snapshot = await statements_of(client, queries, path.format(one.id), internal_headers)
    lots, lots_snapshot = await statements_of(
        client, queries, path.format(many.id), internal_headers
    )
    assert [len(v) for v in few_snapshot.values()] == [1, 1, 1, 1]
    assert [len(v) for v in lots_snapshot.values()] == [200, 200, 200, 200]
    assert 4 <= few <= MAX_STATEMENTS
    assert lots == few


async def test_the_query_counter_sees_the_apps_statements(client, queries, new_user) -> None:
    # Guards the tests above: a counter that saw nothing would make them pass vacuously.
    me = new_user()
    queries.count = 0
    response = await client.post(
        "/assets", json={"name": "x", "kind": "cash", "balance": "1"}, headers=me.headers
    )
    assert response.status == 201
    assert queries.count >= 1
