"""Limits: paths ≤ 100,000; per user, 3 computations a minute and 1 at a time (as configured)."""

from __future__ import annotations

import asyncio

import pytest

from projections.limits import UserLimiter

from .helpers import DETERMINISTIC, asset, expense

SOLVE = {"target": "annual_spending", "success_rate": 0.9}


@pytest.fixture(scope="module")
def settings_overrides():
    return {"runs_per_minute_per_user": 3, "runs_in_flight_per_user": 1}


@pytest.fixture
def planner(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id, age=60, retire_at=60, plan_to=65, assets=[asset(100_000)], expenses=[expense(5000)]
    )
    return me


def computations(pid: str) -> dict[str, tuple[str, dict]]:
    return {
        "run": (f"/projections/{pid}/run", {}),
        "compare": (f"/projections/{pid}/compare", {}),
        "solve": (f"/projections/{pid}/solve", SOLVE),
        "optimize": (
            f"/projections/{pid}/optimize",
            {"decision": "claiming_ages", "objective": "success_rate"},
        ),
    }


async def assert_too_many(api, response) -> int:
    body = await api.problem(response, 429)
    assert body["type"] == "urn:nestegg:problem:too-many-requests"
    return int(response.headers["Retry-After"])


@pytest.mark.parametrize("fourth", ["run", "compare", "solve", "optimize"])
async def test_the_fourth_computation_within_a_minute_is_a_429_with_retry_after(
    api, planner, new_user, upstream, fourth
) -> None:
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    paths = computations(projection["id"])
    for success_rate in (0.5, 0.6, 0.7):  # three computations; nothing stored for run/compare
        path, body = paths["solve"]
        response = await api.post(planner, path, {**body, "success_rate": success_rate})
        assert response.status == 200, await response.text()
    path, body = paths[fourth]
    retry_after = await assert_too_many(api, await api.post(planner, path, body))
    assert 58 <= retry_after <= 61  # the first of the three started moments ago
    # Another user has their own allowance.
    other = new_user()
    upstream.person(other.id, age=60, retire_at=60, plan_to=65, assets=[asset(1000)])
    theirs = await api.create_projection(other, "Theirs", **DETERMINISTIC)
    assert (await api.run(other, theirs["id"]))["cached"] is False


async def test_reading_stored_results_is_not_a_computation(api, planner) -> None:
    """Issue 19: the 31st cached read of a minute was a 429; a read takes no slot at all."""
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    pid = projection["id"]
    assert (await api.run(planner, pid))["cached"] is False  # 1 computation of 3
    for _ in range(10):  # far past the 3 a minute: stored results, read
        assert (await api.run(planner, pid))["cached"] is True
    compared = await api.post(planner, f"/projections/{pid}/compare")  # baseline stored: a read
    assert compared.status == 200, await compared.text()
    for success_rate in (0.5, 0.6):  # computations 2 and 3
        response = await api.post(
            planner, f"/projections/{pid}/solve", {**SOLVE, "success_rate": success_rate}
        )
        assert response.status == 200, await response.text()
    await assert_too_many(api, await api.post(planner, f"/projections/{pid}/solve", SOLVE))
    assert (await api.run(planner, pid))["cached"] is True  # reads go on
    assert await api.count("runs", planner.id) == 1


async def test_a_slot_held_by_another_replica_refuses_a_computation_not_a_read(
    api, planner, pool
) -> None:
    """The in-flight limit lives in the database: another replica's computation counts."""
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    pid = projection["id"]
    assert (await api.run(planner, pid))["cached"] is False
    other_replica = UserLimiter(pool, in_flight=1, per_minute=1000, lease_s=30)
    async with other_replica.slot(planner.id):
        assert (await api.run(planner, pid))["cached"] is True  # a read needs no slot
        response = await api.post(planner, f"/projections/{pid}/solve", SOLVE)
        assert await assert_too_many(api, response) == 1
    response = await api.post(planner, f"/projections/{pid}/solve", SOLVE)  # released
    assert response.status == 200, await response.text()


async def test_a_lease_of_a_replica_that_died_expires(api, planner, pool) -> None:
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    dead_replica = UserLimiter(pool, in_flight=1, per_minute=1000, lease_s=0.5)
    held = dead_replica.slot(planner.id)
    await held.__aenter__()  # never released: the replica died holding it
    response = await api.post(planner, f"/projections/{projection['id']}/run")
    await assert_too_many(api, response)
    await asyncio.sleep(0.6)
    assert (await api.run(planner, projection["id"]))["cached"] is False


async def test_a_computation_that_fails_frees_its_slot(api, planner, upstream) -> None:
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    upstream.down.add(planner.id)
    await api.problem(await api.post(planner, f"/projections/{projection['id']}/run"), 502)
    upstream.down.discard(planner.id)
    assert (await api.run(planner, projection["id"]))["cached"] is False


async def test_paths_up_to_100000_are_accepted_and_one_more_is_refused(
    client, api, new_user
) -> None:
    me = new_user()
    most = await api.create_projection(me, "Most", paths=100_000)
    assert most["assumptions"]["paths"] == 100_000
    response = await client.post(
        "/projections",
        json={"name": "Too many", "assumptions": {"paths": 100_001}},
        headers=me.headers,
    )
    assert await api.fields(response) == ["assumptions.paths"]
    response = await client.patch(
        f"/projections/{most['id']}", json={"assumptions": {"paths": 100_001}}, headers=me.headers
    )
    assert await api.fields(response) == ["assumptions.paths"]
    response = await client.post(
        f"/projections/{most['id']}/scenarios",
        json={"name": "More", "overrides": {"assumptions": {"paths": 100_001}}},
        headers=me.headers,
    )
    assert await api.fields(response) == ["overrides.assumptions.paths"]
    assert await api.count("projections", me.id) == 1
    assert await api.count("scenarios", me.id) == 0
