"""A stored result is served as stored (issue 19): the same answer, never a stale one.

A cached `POST /run` sends the result's JSON text as PostgreSQL holds it with the run's own
fields appended (runs.stored_run_json), instead of decoding and encoding it again; reading it
takes none of the user's computation slots (test_limits.py). It must say exactly what the
computed answer said, and any change of the inputs — a ledger record, the profile, the
projection's assumptions, the scenario — must compute again rather than serve what is stored.
"""

from __future__ import annotations

import json
import uuid
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


async def test_a_stored_run_reads_exactly_as_it_was_computed(api, planner, pool) -> None:
    projection = await api.create_projection(planner, "Base", paths=200)
    computed = await api.run(planner, projection["id"])
    # Served from its stored text (projections 0006), and, for a run stored before, from jsonb.
    for result_text in ("kept", None):
        if result_text is None:
            async with pool.acquire() as conn:
                await conn.execute(
                    "UPDATE runs SET result_text = NULL WHERE id = $1", computed["run_id"]
                )
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


@pytest.fixture
def counted(new_user, upstream):
    """A planner whose accounts and ledger send change counters (and announce their writes)."""
    me = new_user()
    upstream.person(
        me.id, age=60, retire_at=62, plan_to=70, assets=[asset(400_000)], expenses=[expense(20_000)]
    )
    upstream.counters[me.id] = {"profile": 3, "ledger": 5}
    return me


async def test_a_stored_read_asks_accounts_and_ledger_nothing(api, counted, upstream, pool) -> None:
    projection = await api.create_projection(counted, "Base", **DETERMINISTIC)
    first = await api.run(counted, projection["id"])  # learns the counters read with the inputs
    upstream.calls.clear()
    for _ in range(2):
        assert (await api.run(counted, projection["id"]))["run_id"] == first["run_id"]
    assert upstream.calls == []
    # A run stored before counters were recorded is found by inputs hash once, then tagged.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE runs SET inputs_version = NULL WHERE id = $1", first["run_id"])
    assert (await api.run(counted, projection["id"]))["run_id"] == first["run_id"]
    assert sorted(what for what, _ in upstream.calls) == ["profile", "snapshot"]
    upstream.calls.clear()
    assert (await api.run(counted, projection["id"]))["run_id"] == first["run_id"]
    assert upstream.calls == []


async def test_a_read_right_after_an_announced_write_computes_again(api, counted, upstream) -> None:
    projection = await api.create_projection(counted, "Base", **DETERMINISTIC)
    pid = projection["id"]
    scenario = await api.create_scenario(counted, pid, "Later", retirement_age=64)
    seen: set[str] = set()

    async def fresh(scenario_id: str | None = None) -> None:
        answer = await api.run(counted, pid, scenario_id)
        assert answer["cached"] is False and answer["inputs_hash"] not in seen
        seen.add(answer["inputs_hash"])
        assert (await api.run(counted, pid, scenario_id))["run_id"] == answer["run_id"]

    await fresh()
    await fresh(scenario["id"])
    upstream.snapshots[counted.id]["assets"][0]["balance"] = "400001.00"  # a ledger write
    await api.announce(upstream, counted, "ledger")
    await fresh()
    await fresh(scenario["id"])
    upstream.profiles[counted.id]["life_expectancy"] = 71  # a profile write
    await api.announce(upstream, counted, "profile")
    await fresh(scenario["id"])
    await fresh()


async def test_known_counters_only_rise(api, counted, upstream, pool) -> None:
    projection = await api.create_projection(counted, "Base", **DETERMINISTIC)
    await api.run(counted, projection["id"])
    await api.announce(upstream, counted, "ledger", 9)
    await api.announce(upstream, counted, "ledger", 7)  # late, older: ignored
    await api.announce(upstream, counted, "profile", 4)
    async with pool.acquire() as conn:
        known = await conn.fetchrow(
            "SELECT profile_changes, ledger_changes FROM input_changes WHERE user_id = $1",
            counted.id,
        )
    assert tuple(known) == (4, 9)


async def test_what_makes_a_write_visible_is_its_announcement(api, counted, upstream) -> None:
    """Accounts and ledger announce before committing; here the order is forced the other way."""
    projection = await api.create_projection(counted, "Base", **DETERMINISTIC)
    first = await api.run(counted, projection["id"])
    upstream.snapshots[counted.id]["assets"][0]["balance"] = "1.00"
    upstream.counters[counted.id]["ledger"] += 1  # committed, its announcement still on its way
    # Served from the known counters until the announcement arrives, then computed again.
    assert (await api.run(counted, projection["id"]))["run_id"] == first["run_id"]
    await api.announce(upstream, counted, "ledger", upstream.counters[counted.id]["ledger"])
    assert (await api.run(counted, projection["id"]))["cached"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "ledger", "counter": 0}, "counter"),
        ({"source": "ledger", "counter": "3"}, "counter"),
        ({"source": "scenarios", "counter": 3}, "source"),
        ({"source": "ledger"}, "counter"),
        ({"source": "ledger", "counter": 3, "extra": 1}, "extra"),
    ],
)
async def test_a_malformed_announcement_is_a_422_naming_the_field(
    api, counted, internal_headers, body, field
) -> None:
    response = await api.client.post(
        f"/internal/users/{counted.id}/input-changes", json=body, headers=internal_headers
    )
    assert response.status == 422
    problem = await response.json()
    assert field in [e["field"] for e in problem["errors"]]


async def test_announcements_need_the_service_token(api, counted) -> None:
    response = await api.client.post(
        f"/internal/users/{counted.id}/input-changes",
        json={"source": "ledger", "counter": 2},
        headers=counted.headers,  # a user's token is not the service's
    )
    assert response.status == 401


async def test_an_announcement_for_a_user_erased_here_is_a_410_and_leaves_nothing(
    api, counted, upstream, internal_headers, pool
) -> None:
    await api.announce(upstream, counted, "ledger")
    event = {
        "id": str(uuid.uuid4()),
        "type": "user.deleted",
        "occurred_at": "2026-12-06T10:00:00+00:00",
        "payload": {"user_id": str(counted.id)},
    }
    erased = await api.client.post("/internal/events", json=event, headers=internal_headers)
    assert erased.status == 200, await erased.text()
    late = await api.client.post(
        f"/internal/users/{counted.id}/input-changes",
        json={"source": "ledger", "counter": 9},
        headers=internal_headers,
    )
    assert late.status == 410  # the announcing service refuses the write as erased (401)
    async with pool.acquire() as conn:
        left = await conn.fetchval(
            "SELECT count(*) FROM input_changes WHERE user_id = $1", counted.id
        )
    assert left == 0
