"""Limits: paths ≤ 100,000; per user, 3 computations a minute and 1 at a time (as configured)."""

from __future__ import annotations

import asyncio

import pytest

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
    for name in ("run", "compare", "solve"):
        path, body = paths[name]
        response = await api.post(planner, path, body)
        assert response.status == 200, (name, await response.text())
    path, body = paths[fourth]
    retry_after = await assert_too_many(api, await api.post(planner, path, body))
    assert 58 <= retry_after <= 61  # the first of the three started moments ago
    # Another user has their own allowance.
    other = new_user()
    upstream.person(other.id, age=60, retire_at=60, plan_to=65, assets=[asset(1000)])
    theirs = await api.create_projection(other, "Theirs", **DETERMINISTIC)
    assert (await api.run(other, theirs["id"]))["cached"] is False


async def test_a_cached_run_still_counts_towards_the_minute(api, planner) -> None:
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    for _ in range(3):
        await api.run(planner, projection["id"])
    response = await api.post(planner, f"/projections/{projection['id']}/run")
    await assert_too_many(api, response)
    assert await api.count("runs", planner.id) == 1


async def test_a_second_computation_while_one_is_in_flight_is_a_429(api, planner, upstream) -> None:
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    upstream.delay_s[planner.id] = 0.6  # below the client's timeout, long enough to overlap
    arrived = upstream.arrival(planner.id)
    first = asyncio.create_task(api.post(planner, f"/projections/{projection['id']}/run"))
    await asyncio.wait_for(arrived.wait(), 5)  # the first run is fetching its inputs
    response = await api.post(planner, f"/projections/{projection['id']}/run")
    assert await assert_too_many(api, response) == 1
    response = await api.post(
        planner, f"/projections/{projection['id']}/solve", {**SOLVE, "success_rate": 0.5}
    )
    await assert_too_many(api, response)
    finished = await first
    assert finished.status == 200, await finished.text()
    del upstream.delay_s[planner.id]
    # The slot is free again (and the rejected attempts did not use up the minute).
    assert (await api.run(planner, projection["id"]))["cached"] is True


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
