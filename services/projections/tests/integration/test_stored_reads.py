"""A stored result is served as stored (issue 19): the same answer, never a stale one.

A cached `POST /run` sends the result's JSON text as PostgreSQL holds it with the run's own
fields appended (runs.stored_run_json), instead of decoding and encoding it again; reading it
takes none of the user's computation slots (test_limits.py). It must say exactly what the
computed answer said, and any change of the inputs — a ledger record, the profile, the
projection's assumptions, the scenario — must compute again rather than serve what is stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import DETERMINISTIC, asset, expense


@pytest.fixture
def planner(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id, age=60, retire_at=62, plan_to=70, assets=[asset(400_000)], expenses=[expense(20_000)]
    )
    return me


def no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"repeated keys in {keys}"
    return dict(pairs)


async def test_a_stored_run_reads_exactly_as_it_was_computed(api, planner) -> None:
    projection = await api.create_projection(planner, "Base", paths=200)
    computed = await api.run(planner, projection["id"])
    response = await api.post(planner, f"/projections/{projection['id']}/run")
    assert response.status == 200 and response.content_type == "application/json"
    stored = json.loads(await response.text(), object_pairs_hook=no_repeated_keys)
    assert computed["cached"] is False and stored["cached"] is True
    assert {**stored, "cached": False} == computed


async def test_any_changed_input_computes_again_instead_of_serving_the_stored_run(
    api, planner, upstream
) -> None:
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    pid = projection["id"]
    scenario = await api.create_scenario(planner, pid, "Later", retirement_age=64)
    first = await api.run(planner, pid)
    assert (await api.run(planner, pid))["run_id"] == first["run_id"]

    seen = {first["inputs_hash"]}

    async def fresh(scenario_id: str | None = None) -> dict[str, Any]:
        answer = await api.run(planner, pid, scenario_id)
        assert answer["cached"] is False and answer["inputs_hash"] not in seen
        seen.add(answer["inputs_hash"])
        assert (await api.run(planner, pid, scenario_id))["run_id"] == answer["run_id"]
        return answer

    upstream.snapshots[planner.id]["assets"][0]["balance"] = "400001.00"  # a ledger record
    await fresh()
    upstream.profiles[planner.id]["retirement_age"] = 63  # the profile
    await fresh()
    changed = await api.client.patch(
        f"/projections/{pid}", json={"assumptions": {"inflation": 0.031}}, headers=planner.headers
    )
    assert changed.status == 200, await changed.text()  # the projection's assumptions
    await fresh()
    await fresh(scenario["id"])
    changed = await api.client.patch(
        f"/projections/{pid}/scenarios/{scenario['id']}",
        json={"overrides": {"retirement_age": 65}},
        headers=planner.headers,
    )
    assert changed.status == 200, await changed.text()  # the scenario
    await fresh(scenario["id"])


async def test_a_stored_read_fetches_only_the_versions_of_its_inputs(
    api, planner, upstream, pool
) -> None:
    projection = await api.create_projection(planner, "Base", **DETERMINISTIC)
    first = await api.run(planner, projection["id"])
    # A run stored before versions were recorded is found by inputs hash, then tagged.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE runs SET inputs_version = NULL WHERE id = $1", first["run_id"])
    for _ in range(2):
        upstream.calls.clear()
        assert (await api.run(planner, projection["id"]))["run_id"] == first["run_id"]
    assert sorted(what for what, _ in upstream.calls) == ["profile-version", "snapshot-version"]
