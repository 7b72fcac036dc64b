"""A list or aggregate runs as many statements for a user with many records as for one with 1.

Compare is the exception by design: it looks up one stored result per scenario, so it may
grow by exactly that one statement per scenario, and by nothing else (it stores nothing).
"""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio

from projections import repository
from projections.engine.plan import Assumptions

from .helpers import DETERMINISTIC, asset, expense, income

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


_RUNS = """
INSERT INTO runs (id, projection_id, scenario_id, user_id, inputs_hash, engine_version,
                  success_rate, result, created_at)
SELECT gen_random_uuid(), p.id, s.id, p.user_id,
       encode(sha256(convert_to(p.id::text || coalesce(s.id::text, ''), 'UTF8')), 'hex'),
       'test', 0.9, '{"success_rate": 0.9}'::jsonb, p.created_at + interval '1 minute'
FROM projections p LEFT JOIN scenarios s ON s.projection_id = p.id
WHERE p.user_id = $1
UNION ALL  -- and the baseline run of each projection that has a scenario
SELECT gen_random_uuid(), p.id, NULL, p.user_id,
       encode(sha256(convert_to(p.id::text, 'UTF8')), 'hex'),
       'test', 0.8, '{"success_rate": 0.8}'::jsonb, p.created_at + interval '2 minutes'
FROM projections p
WHERE p.user_id = $1 AND EXISTS (SELECT 1 FROM scenarios s WHERE s.projection_id = p.id)
"""


@pytest_asyncio.fixture(scope="module")
async def one_and_many_runs(pool, new_user):
    """Return a user with 1 projection, scenario and run, and one with 200 of each."""
    one, many = new_user(), new_user()
    for user, n in ((one, 1), (many, 200)):
        async with pool.acquire() as conn, conn.transaction():
            rows = [
                await repository.insert_projection(
                    conn, user_id=user.id, name=f"P{i}", assumptions={"mode": "deterministic"}
                )
                for i in range(n)
            ]
            for i, row in enumerate(rows):  # one scenario each: runs of baselines and scenarios
                if i % 2:
                    await repository.insert_scenario(
                        conn, user_id=user.id, projection_id=row["id"], name="S", overrides={}
                    )
            await conn.execute(_RUNS, user.id)
    return one, many


@pytest.mark.parametrize("endpoint", ["export", "latest-run"])
async def test_an_internal_aggregate_runs_the_same_statements_for_1_record_as_for_200(
    client, queries, one_and_many_runs, internal_headers, endpoint
) -> None:
    one, many = one_and_many_runs
    path = f"/internal/users/{{}}/{endpoint}"
    await statements_of(client, queries, path.format(one.id), internal_headers)  # warm up
    few, few_body = await statements_of(client, queries, path.format(one.id), internal_headers)
    lots, lots_body = await statements_of(client, queries, path.format(many.id), internal_headers)
    if endpoint == "export":
        assert [len(few_body[k]) for k in ("projections", "scenarios", "runs")] == [1, 0, 1]
        assert [len(lots_body[k]) for k in ("projections", "scenarios", "runs")] == [200, 100, 300]
    else:
        assert few_body["latest_run"] is not None and lots_body["latest_run"] is not None
    assert 1 <= few <= MAX_STATEMENTS
    assert lots == few


async def projection_with_scenarios(api, upstream, user, n: int) -> str:
    """Create a deterministic projection with n scenarios for a user the stand-in knows."""
    upstream.person(
        user.id,
        age=60,
        retire_at=65,
        plan_to=70,
        assets=[asset(100_000.0)],
        incomes=[income(30_000.0)],
        expenses=[expense(20_000.0)],
    )
    projection = await api.create_projection(user, **DETERMINISTIC)
    async with api.pool.acquire() as conn:  # straight in: scenario quotas are not the point
        for i in range(n):
            await repository.insert_scenario(
                conn,
                user_id=user.id,
                projection_id=uuid.UUID(projection["id"]),
                name=f"Retire at {61 + i % 9}",
                overrides={"retirement_age": 61 + i % 9},
            )
    return str(projection["id"])


async def compared(client, queries, user, projection_id: str) -> tuple[int, list[dict]]:
    queries.count = 0
    response = await client.post(
        f"/projections/{projection_id}/compare", json={}, headers=user.headers
    )
    count = queries.count
    assert response.status == 200, await response.text()
    return count, (await response.json())["runs"]


async def test_compare_adds_one_statement_per_scenario_and_nothing_else(
    api, client, queries, upstream, new_user
) -> None:
    one, many = new_user(), new_user()
    one_pid = await projection_with_scenarios(api, upstream, one, 1)
    many_pid = await projection_with_scenarios(api, upstream, many, 20)
    for user, pid in ((one, one_pid), (many, many_pid)):
        await compared(client, queries, user, pid)  # the first learns the input counters
    # Computing every plan (nothing stored): still one statement per scenario, no write.
    few, _ = await compared(client, queries, one, one_pid)
    lots, _ = await compared(client, queries, many, many_pid)
    assert (lots - few) / (21 - 2) == 1
    for user, pid, runs in ((one, one_pid, 2), (many, many_pid, 21)):  # open every plan
        for column in (await compared(client, queries, user, pid))[1]:
            await api.run(user, pid, column["scenario_id"])
        assert await api.count("runs", user.id) == runs
    few, few_runs = await compared(client, queries, one, one_pid)  # every plan read
    lots, lots_runs = await compared(client, queries, many, many_pid)
    assert all(column["run_id"] is not None for column in few_runs + lots_runs)
    assert (len(few_runs), len(lots_runs)) == (2, 21)
    per_scenario = (lots - few) / (21 - 2)
    # Each scenario needs its own stored-result lookup (its inputs hash depends on the
    # scenario): one statement (releasing its connection runs none, nestegg_common.db). The
    # projection and all its scenarios are read once, whatever their number (one query per
    # scenario here is the N+1 this test exists to catch).
    assert per_scenario == 1
    assert 1 <= few - 2 * per_scenario <= MAX_STATEMENTS
