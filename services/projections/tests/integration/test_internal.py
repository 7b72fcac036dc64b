"""Internal endpoints behind the service token: latest run, export, and `user.deleted`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from .helpers import DETERMINISTIC, asset, expense

NOTHING = {"projections": 0, "scenarios": 0, "runs": 0, "idempotency_keys": 0}
EVERYTHING = {"projections": 1, "scenarios": 1, "runs": 2, "idempotency_keys": 1}


def event(type_: str = "user.deleted", **payload) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()},
    }


@pytest_asyncio.fixture
async def filled(client, api, new_user, upstream):
    """Return a user with a projection (made with an Idempotency-Key), a scenario and 2 runs."""

    async def fill():
        me = new_user()
        upstream.person(
            me.id, age=60, retire_at=60, plan_to=63, assets=[asset(9000)], expenses=[expense(100)]
        )
        response = await client.post(
            "/projections",
            json={"name": "Kept", "assumptions": DETERMINISTIC},
            headers={**me.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status == 201
        projection = await response.json()
        scenario = await api.create_scenario(me, projection["id"], "Half", expense_scale=0.5)
        await api.run(me, projection["id"])
        last = await api.run(me, projection["id"], scenario["id"])
        assert await api.counts(me.id) == EVERYTHING
        return me, projection, scenario, last

    return fill


PATHS = ["/internal/users/{}/latest-run", "/internal/users/{}/export"]


@pytest.mark.parametrize("path", [*PATHS, "/internal/events"])
@pytest.mark.parametrize("who", ["nobody", "user", "wrong", "basic"])
async def test_internal_endpoints_refuse_anyone_but_a_service(
    client, api, new_user, filled, path, who
) -> None:
    me, *_ = await filled()
    headers = {
        "nobody": {},
        "user": me.headers,
        "wrong": {"Authorization": "Bearer projections-test-internal-token-not"},
        "basic": {"Authorization": "Basic cHJvamVjdGlvbnMtdGVzdC1pbnRlcm5hbC10b2tlbg=="},
    }[who]
    if path == "/internal/events":
        response = await client.post(path, json=event(user_id=me.id), headers=headers)
    else:
        response = await client.get(path.format(me.id), headers=headers)
    await api.problem(response, 401)
    assert await api.counts(me.id) == EVERYTHING


async def test_the_latest_run_is_given_in_brief(client, filled, new_user, internal_headers) -> None:
    me, projection, scenario, last = await filled()
    response = await client.get(f"/internal/users/{me.id}/latest-run", headers=internal_headers)
    assert response.status == 200, await response.text()
    assert await response.json() == {
        "latest_run": {
            "run_id": last["run_id"],
            "projection_id": projection["id"],
            "projection_name": "Kept",
            "scenario_id": scenario["id"],
            "success_rate": 1.0,
            "inputs_hash": last["inputs_hash"],
            "created_at": last["created_at"],
        }
    }
    nobody = new_user()
    response = await client.get(f"/internal/users/{nobody.id}/latest-run", headers=internal_headers)
    assert await response.json() == {"latest_run": None}


async def test_the_export_holds_every_record_of_the_user_and_no_one_elses(
    client, filled, internal_headers
) -> None:
    me, projection, scenario, last = await filled()
    other, *_ = await filled()
    response = await client.get(f"/internal/users/{me.id}/export", headers=internal_headers)
    assert response.status == 200, await response.text()
    document = await response.json()
    assert [p["id"] for p in document["projections"]] == [projection["id"]]
    assert document["projections"][0]["assumptions"] == projection["assumptions"]
    assert [s["id"] for s in document["scenarios"]] == [scenario["id"]]
    assert document["scenarios"][0]["overrides"] == scenario["overrides"]
    assert len(document["runs"]) == 2
    assert document["runs"][1]["id"] == last["run_id"]
    assert document["runs"][1]["result"]["years"] == last["years"]
    assert str(other.id) not in await response.text()


async def test_user_deleted_erases_that_user_only_and_redelivery_is_a_no_op(
    client, api, filled, internal_headers
) -> None:
    victim, *_ = await filled()
    bystander, bystanders_projection, *_ = await filled()
    deleted = event(user_id=victim.id)
    response = await client.post("/internal/events", json=deleted, headers=internal_headers)
    assert response.status == 200, await response.text()
    assert await response.json() == {"applied": True}
    assert await api.counts(victim.id) == NOTHING
    assert await api.counts(bystander.id) == EVERYTHING

    again = await client.post("/internal/events", json=deleted, headers=internal_headers)
    assert (again.status, await again.json()) == (200, {"applied": False})
    got = await client.get(f"/projections/{bystanders_projection['id']}", headers=bystander.headers)
    assert await got.json() == bystanders_projection


async def test_an_event_of_another_type_is_acknowledged_and_erases_nothing(
    client, api, filled, internal_headers
) -> None:
    me, *_ = await filled()
    response = await client.post(
        "/internal/events", json=event("user.renamed", user_id=me.id), headers=internal_headers
    )
    assert (response.status, await response.json()) == (200, {"applied": True})
    assert await api.counts(me.id) == EVERYTHING


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**event(), "payload": {}}, "payload.user_id"),
        ({**event(), "payload": {"user_id": "not-a-uuid"}}, "payload.user_id"),
        ({**event(), "id": "not-a-uuid"}, "id"),
        ({k: v for k, v in event().items() if k != "type"}, "type"),
        ({**event(), "payload": "x"}, "payload"),
        (["not", "an", "object"], "body"),
    ],
)
async def test_a_malformed_event_is_a_422_and_is_not_recorded(
    client, api, filled, internal_headers, body, field
) -> None:
    me, *_ = await filled()
    response = await client.post("/internal/events", json=body, headers=internal_headers)
    assert field in await api.fields(response)
    assert await api.counts(me.id) == EVERYTHING
    if isinstance(body, dict) and field.startswith("payload"):
        # Not remembered as processed: the same id delivered well-formed still applies.
        fixed = {**body, "payload": {"user_id": str(me.id)}}
        response = await client.post("/internal/events", json=fixed, headers=internal_headers)
        assert await response.json() == {"applied": True}
        assert await api.counts(me.id) == NOTHING
