"""Quotas: at most `max_projections_per_user` projections (3 here) and
`max_scenarios_per_projection` scenarios (2 here); past them a create is a 409, even under races."""

from __future__ import annotations

import asyncio
import uuid

import pytest


@pytest.fixture(scope="module")
def settings_overrides():
    return {"max_projections_per_user": 3, "max_scenarios_per_projection": 2}


async def test_the_projection_past_the_quota_is_a_409_that_says_why(api, client, new_user) -> None:
    me = new_user()
    for n in range(3):
        await api.create_projection(me, f"Plan {n}")
    response = await client.post("/projections", json={"name": "One more"}, headers=me.headers)
    body = await api.problem(response, 409)
    assert body["type"] == "urn:nestegg:problem:quota-exceeded"
    assert body["detail"] == (
        "You already have 3 projections, the most allowed; delete one to add another."
    )
    assert await api.count("projections", me.id) == 3
    await api.create_projection(new_user(), "Someone else's")  # each user has their own quota


async def test_deleting_a_projection_makes_room_for_another(api, client, new_user) -> None:
    me = new_user()
    first = await api.create_projection(me, "First")
    for n in range(2):
        await api.create_projection(me, f"Plan {n}")
    deleted = await client.delete(f"/projections/{first['id']}", headers=me.headers)
    assert deleted.status == 204
    await api.create_projection(me, "Instead")


async def test_the_scenario_past_the_quota_is_a_409_and_each_projection_has_its_own(
    api, client, new_user
) -> None:
    me = new_user()
    full, other = await api.create_projection(me, "Full"), await api.create_projection(me, "Other")
    for n in range(2):
        await api.create_scenario(me, full["id"], f"What if {n}")
    response = await client.post(
        f"/projections/{full['id']}/scenarios", json={"name": "Third"}, headers=me.headers
    )
    body = await api.problem(response, 409)
    assert body["detail"] == (
        "This projection already has 2 scenarios, the most allowed; delete one to add another."
    )
    await api.create_scenario(me, other["id"], "Elsewhere")
    assert await api.count("scenarios", me.id) == 3


async def test_a_scenario_of_a_missing_projection_is_still_a_404(api, client, new_user) -> None:
    me = new_user()
    response = await client.post(
        f"/projections/{uuid.uuid4()}/scenarios", json={"name": "Nowhere"}, headers=me.headers
    )
    await api.problem(response, 404)


async def test_concurrent_creates_never_overshoot_either_quota(api, client, new_user) -> None:
    me = new_user()
    responses = await asyncio.gather(
        *(
            client.post("/projections", json={"name": f"Race {n}"}, headers=me.headers)
            for n in range(10)
        )
    )
    assert sorted(r.status for r in responses) == [201] * 3 + [409] * 7
    projection = (await responses[[r.status for r in responses].index(201)].json())["id"]
    responses = await asyncio.gather(
        *(
            client.post(
                f"/projections/{projection}/scenarios",
                json={"name": f"Race {n}"},
                headers=me.headers,
            )
            for n in range(10)
        )
    )
    assert sorted(r.status for r in responses) == [201] * 2 + [409] * 8
    assert await api.counts(me.id) == {
        "projections": 3,
        "scenarios": 2,
        "runs": 0,
        "idempotency_keys": 0,
    }
