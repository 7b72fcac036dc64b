"""Another user's projection or scenario is not found, whatever the endpoint."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio

from .helpers import DETERMINISTIC, asset, expense


@pytest_asyncio.fixture
async def owned(api, new_user, upstream):
    """Return (owner, intruder, projection, scenario, owner's rows before) with one run done."""
    owner, intruder = new_user(), new_user()
    for user in (owner, intruder):
        upstream.person(
            user.id, age=60, retire_at=60, plan_to=64, assets=[asset(5000)], expenses=[expense(1)]
        )
    projection = await api.create_projection(owner, "Owner's", **DETERMINISTIC)
    scenario = await api.create_scenario(owner, projection["id"], "Owner's what-if")
    await api.run(owner, projection["id"])
    return owner, intruder, projection, scenario, await api.counts(owner.id)


def endpoints(pid: str, sid: str) -> list[tuple[str, str, dict | None]]:
    p, s = f"/projections/{pid}", f"/projections/{pid}/scenarios/{sid}"
    return [
        ("GET", p, None),
        ("PATCH", p, {"name": "Taken"}),
        ("DELETE", p, None),
        ("GET", f"{p}/scenarios", None),
        ("POST", f"{p}/scenarios", {"name": "Planted"}),
        ("GET", s, None),
        ("PATCH", s, {"name": "Taken"}),
        ("DELETE", s, None),
        ("POST", f"{p}/run", {}),
        ("POST", f"{p}/run", {"scenario_id": sid}),
        ("POST", f"{p}/compare", None),
        ("POST", f"{p}/solve", {"target": "retirement_age", "success_rate": 0.9}),
        ("POST", f"{p}/solve", {"target": "annual_spending", "success_rate": 0.9}),
    ]


@pytest.mark.parametrize("index", range(13))
async def test_another_users_projection_is_not_found_on_every_endpoint(
    client, api, owned, index
) -> None:
    owner, intruder, projection, scenario, before = owned
    method, path, body = endpoints(projection["id"], scenario["id"])[index]
    response = await client.request(method, path, json=body, headers=intruder.headers)
    await api.problem(response, 404)
    assert await api.counts(owner.id) == before
    assert await api.counts(intruder.id) == {
        "projections": 0,
        "scenarios": 0,
        "runs": 0,
        "idempotency_keys": 0,
    }
    got = await client.get(f"/projections/{projection['id']}", headers=owner.headers)
    assert (await got.json()) == projection
    got = await client.get(
        f"/projections/{projection['id']}/scenarios/{scenario['id']}", headers=owner.headers
    )
    assert (await got.json()) == scenario


async def test_another_users_scenario_on_ones_own_projection_is_not_found(
    client, api, owned
) -> None:
    owner, intruder, _, scenario, before = owned
    own = await api.create_projection(intruder, "Intruder's", **DETERMINISTIC)
    base = f"/projections/{own['id']}"
    for method, path, body in [
        ("POST", f"{base}/run", {"scenario_id": scenario["id"]}),
        (
            "POST",
            f"{base}/solve",
            {"target": "retirement_age", "success_rate": 0.5, "scenario_id": scenario["id"]},
        ),
        ("GET", f"{base}/scenarios/{scenario['id']}", None),
        ("PATCH", f"{base}/scenarios/{scenario['id']}", {"name": "Taken"}),
        ("DELETE", f"{base}/scenarios/{scenario['id']}", None),
    ]:
        response = await client.request(method, path, json=body, headers=intruder.headers)
        await api.problem(response, 404)
    assert await api.count("runs", intruder.id) == 0
    assert await api.counts(owner.id) == before


async def test_a_scenario_of_another_projection_of_the_same_user_is_not_found(
    client, api, owned
) -> None:
    owner, _, _, scenario, before = owned
    other = await api.create_projection(owner, "Second", **DETERMINISTIC)
    response = await api.post(
        owner, f"/projections/{other['id']}/run", {"scenario_id": scenario["id"]}
    )
    await api.problem(response, 404)
    assert await api.count("runs", owner.id) == before["runs"]


async def test_a_projection_that_never_existed_is_not_found(client, api, new_user) -> None:
    me = new_user()
    missing = uuid.uuid4()
    for method, path, body in endpoints(str(missing), str(uuid.uuid4())):
        response = await client.request(method, path, json=body, headers=me.headers)
        await api.problem(response, 404)


async def test_each_user_lists_only_their_own(client, api, owned) -> None:
    owner, intruder, projection, _, _ = owned
    theirs = await api.create_projection(intruder, "Intruder's")
    for user, expected in ((owner, projection["id"]), (intruder, theirs["id"])):
        listed = await (await client.get("/projections", headers=user.headers)).json()
        assert [item["id"] for item in listed["items"]] == [expected]


async def test_requests_without_a_valid_token_are_refused(client, api, owned) -> None:
    _, _, projection, _, _ = owned
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        response = await client.get(f"/projections/{projection['id']}", headers=headers)
        await api.problem(response, 401)
        response = await client.post(
            f"/projections/{projection['id']}/run", json={}, headers=headers
        )
        await api.problem(response, 401)
