"""Projections and their scenarios: create, read, list in pages, change, delete."""

from __future__ import annotations

import uuid

from projections.engine.plan import Assumptions

from .helpers import DETERMINISTIC, asset, expense

DEFAULTS = Assumptions().model_dump(mode="json")


async def test_creating_a_projection_answers_201_with_location_etag_and_every_default(
    client, api, new_user
) -> None:
    me = new_user()
    response = await client.post(
        "/projections",
        json={"name": "  Early retirement ", "assumptions": {"stock_return": 0.07}},
        headers=me.headers,
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    assert response.headers["Location"] == f"/api/v1/projections/{created['id']}"
    assert response.headers["ETag"] == '"v1"'
    assert created["name"] == "Early retirement"
    assert created["assumptions"] == {**DEFAULTS, "stock_return": 0.07}
    assert set(created) == {"id", "name", "assumptions", "created_at", "updated_at"}
    assert await api.counts(me.id) == {
        "projections": 1,
        "scenarios": 0,
        "runs": 0,
        "idempotency_keys": 0,
    }


async def test_a_projection_reads_back_as_created_with_its_etag(client, api, new_user) -> None:
    me = new_user()
    created = await api.create_projection(me, "Mine", paths=500, seed=7)
    response = await client.get(f"/projections/{created['id']}", headers=me.headers)
    assert response.status == 200
    assert response.headers["ETag"] == '"v1"'
    assert await response.json() == created


async def test_projections_are_listed_newest_first_in_keyset_pages(client, api, new_user) -> None:
    me, other = new_user(), new_user()
    created = [(await api.create_projection(me, f"P{n}"))["id"] for n in range(7)]
    await api.create_projection(other, "Not mine")
    pages, params = [], {"limit": "3"}
    while True:
        response = await client.get("/projections", params=params, headers=me.headers)
        assert response.status == 200, await response.text()
        page = await response.json()
        pages.append([item["id"] for item in page["items"]])
        if page["next_cursor"] is None:
            break
        params = {"limit": "3", "cursor": page["next_cursor"]}
    newest_first = created[::-1]
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:7]]


async def test_patching_one_assumption_keeps_the_others_and_bumps_the_etag(
    client, api, new_user
) -> None:
    me = new_user()
    created = await api.create_projection(
        me, "Base", stock_return=0.08, bond_return=0.03, guardrails={"upper": 0.3}
    )
    response = await client.patch(
        f"/projections/{created['id']}",
        json={"assumptions": {"stock_return": 0.06, "guardrails": {"lower": 0.1}}},
        headers={**me.headers, "If-Match": '"v1"'},
    )
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == '"v2"'
    changed = await response.json()
    assert changed["name"] == "Base"
    assert changed["assumptions"] == {
        **DEFAULTS,
        "stock_return": 0.06,
        "bond_return": 0.03,
        "guardrails": {"upper": 0.3, "lower": 0.1, "adjustment": 0.1},
    }
    renamed = await client.patch(
        f"/projections/{created['id']}", json={"name": "Renamed"}, headers=me.headers
    )
    assert renamed.headers["ETag"] == '"v3"'
    assert (await renamed.json())["assumptions"] == changed["assumptions"]
    got = await client.get(f"/projections/{created['id']}", headers=me.headers)
    assert (await got.json())["name"] == "Renamed"


async def test_a_stale_if_match_gets_412_and_changes_nothing(client, api, new_user) -> None:
    me = new_user()
    created = await api.create_projection(me, "Base")
    url = f"/projections/{created['id']}"
    assert (await client.patch(url, json={"name": "Two"}, headers=me.headers)).status == 200
    stale = {**me.headers, "If-Match": '"v1"'}
    await api.problem(await client.patch(url, json={"name": "Three"}, headers=stale), 412)
    await api.problem(await client.delete(url, headers=stale), 412)
    got = await client.get(url, headers=me.headers)
    assert (await got.json())["name"] == "Two"
    assert got.headers["ETag"] == '"v2"'


async def test_deleting_a_projection_takes_its_scenarios_and_runs_with_it(
    client, api, new_user, upstream
) -> None:
    me, other = new_user(), new_user()
    for user in (me, other):
        upstream.person(
            user.id, age=60, retire_at=60, plan_to=63, assets=[asset(1000)], expenses=[expense(10)]
        )
    mine = await api.create_projection(me, "Mine", **DETERMINISTIC)
    theirs = await api.create_projection(other, "Theirs", **DETERMINISTIC)
    scenario = await api.create_scenario(me, mine["id"], expense_scale=0.5)
    await api.run(me, mine["id"])
    await api.run(me, mine["id"], scenario["id"])
    await api.run(other, theirs["id"])
    assert await api.count("runs", me.id) == 2

    response = await client.delete(
        f"/projections/{mine['id']}", headers={**me.headers, "If-Match": '"v1"'}
    )
    assert response.status == 204
    assert (await client.get(f"/projections/{mine['id']}", headers=me.headers)).status == 404
    assert await api.counts(me.id) == {
        "projections": 0,
        "scenarios": 0,
        "runs": 0,
        "idempotency_keys": 0,
    }
    assert await api.count("runs", other.id) == 1
    await api.problem(await client.delete(f"/projections/{mine['id']}", headers=me.headers), 404)


async def test_a_scenario_is_created_read_listed_changed_and_deleted(client, api, new_user) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    base = f"/projections/{projection['id']}/scenarios"
    response = await client.post(
        base,
        json={"name": "Retire late", "overrides": {"retirement_age": 67, "expense_scale": 0.9}},
        headers=me.headers,
    )
    assert response.status == 201, await response.text()
    scenario = await response.json()
    assert response.headers["Location"] == f"/api/v1{base}/{scenario['id']}"
    assert response.headers["ETag"] == '"v1"'
    assert scenario["projection_id"] == projection["id"]
    assert scenario["overrides"] == {
        "retirement_age": 67,
        "life_expectancy": None,
        "partner_retirement_age": None,
        "partner_life_expectancy": None,
        "claiming_ages": None,
        "assumptions": {},
        "income_scale": 1.0,
        "expense_scale": 0.9,
        "extra_incomes": [],
        "extra_expenses": [],
    }
    got = await client.get(f"{base}/{scenario['id']}", headers=me.headers)
    assert (got.status, got.headers["ETag"]) == (200, '"v1"')
    assert await got.json() == scenario

    renamed = await client.patch(
        f"{base}/{scenario['id']}", json={"name": "Later"}, headers=me.headers
    )
    assert renamed.status == 200, await renamed.text()
    assert renamed.headers["ETag"] == '"v2"'
    assert (await renamed.json())["overrides"] == scenario["overrides"]

    replaced = await client.patch(
        f"{base}/{scenario['id']}",
        json={"overrides": {"assumptions": {"stock_return": 0.05}}},
        headers={**me.headers, "If-Match": '"v2"'},
    )
    assert replaced.status == 200, await replaced.text()
    overrides = (await replaced.json())["overrides"]
    assert (overrides["retirement_age"], overrides["expense_scale"]) == (None, 1.0)
    assert overrides["assumptions"] == {"stock_return": 0.05}

    stale = {**me.headers, "If-Match": '"v2"'}
    await api.problem(
        await client.patch(f"{base}/{scenario['id']}", json={"name": "x"}, headers=stale), 412
    )
    await api.problem(await client.delete(f"{base}/{scenario['id']}", headers=stale), 412)
    deleted = await client.delete(
        f"{base}/{scenario['id']}", headers={**me.headers, "If-Match": '"v3"'}
    )
    assert deleted.status == 204
    assert (await client.get(f"{base}/{scenario['id']}", headers=me.headers)).status == 404
    assert await api.count("scenarios", me.id) == 0
    assert await api.count("projections", me.id) == 1


async def test_scenarios_are_listed_newest_first_in_keyset_pages(client, api, new_user) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    other_projection = await api.create_projection(me, "Other")
    created = [(await api.create_scenario(me, projection["id"], f"S{n}"))["id"] for n in range(5)]
    await api.create_scenario(me, other_projection["id"], "Elsewhere")
    pages, params = [], {"limit": "2"}
    while True:
        response = await client.get(
            f"/projections/{projection['id']}/scenarios", params=params, headers=me.headers
        )
        assert response.status == 200, await response.text()
        page = await response.json()
        pages.append([item["id"] for item in page["items"]])
        if page["next_cursor"] is None:
            break
        params = {"limit": "2", "cursor": page["next_cursor"]}
    newest_first = created[::-1]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]


async def test_deleting_a_scenario_takes_its_runs_but_not_the_baselines(
    client, api, new_user, upstream
) -> None:
    me = new_user()
    upstream.person(me.id, age=60, retire_at=60, plan_to=62, assets=[asset(1000)])
    projection = await api.create_projection(me, "Base", **DETERMINISTIC)
    scenario = await api.create_scenario(me, projection["id"], retirement_age=61)
    baseline = await api.run(me, projection["id"])
    await api.run(me, projection["id"], scenario["id"])
    assert await api.count("runs", me.id) == 2
    response = await client.delete(
        f"/projections/{projection['id']}/scenarios/{scenario['id']}", headers=me.headers
    )
    assert response.status == 204
    left = await api.pool.fetch("SELECT id, scenario_id FROM runs WHERE user_id = $1", me.id)
    assert [(str(r["id"]), r["scenario_id"]) for r in left] == [(baseline["run_id"], None)]


async def test_a_retried_create_with_an_idempotency_key_creates_one_projection(
    client, api, new_user
) -> None:
    me = new_user()
    headers = {**me.headers, "Idempotency-Key": uuid.uuid4().hex}
    first = await client.post("/projections", json={"name": "Once"}, headers=headers)
    again = await client.post("/projections", json={"name": "Once"}, headers=headers)
    assert (first.status, again.status) == (201, 201)
    assert await again.json() == await first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert await api.count("projections", me.id) == 1
    assert await api.count("idempotency_keys", me.id) == 1
