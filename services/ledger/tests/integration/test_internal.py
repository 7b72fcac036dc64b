"""Internal endpoints behind the service token: the user snapshot and `user.deleted`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from yarl import URL

COLLECTIONS = ("assets", "debts", "incomes", "expenses")
EMPTY = {c: [] for c in COLLECTIONS}


def event(type_: str = "user.deleted", **payload) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()},
    }


async def fill(api, user, n: int = 2) -> dict[str, list[dict]]:
    """Create n records in each collection; return them as the snapshot lists them."""
    created = {c: [await api.create(c, user) for _ in range(n)] for c in COLLECTIONS}
    return created  # created one after the other, so already oldest first


async def snapshot(client, user_id, headers) -> dict:
    response = await client.get(f"/internal/users/{user_id}/snapshot", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def deliver(client, body, headers) -> dict:
    response = await client.post("/internal/events", json=body, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def idempotency_keys_of(pool, user_id) -> int:
    return await pool.fetchval("SELECT count(*) FROM idempotency_keys WHERE user_id = $1", user_id)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer wrong-token",
        "Bearer ledger-test-internal-token-but-longer",
        "Basic bGVkZ2VyLXRlc3QtaW50ZXJuYWwtdG9rZW4=",
        "ledger-test-internal-token",
    ],
)
async def test_internal_endpoints_refuse_a_missing_or_wrong_service_token(
    client, api, new_user, authorization
) -> None:
    victim = new_user()
    record = await api.create("assets", victim)
    headers = {"Authorization": authorization} if authorization else {}
    got = await client.get(f"/internal/users/{victim.id}/snapshot", headers=headers)
    assert got.headers["WWW-Authenticate"].startswith("Bearer")
    await api.problem(got, 401)
    posted = await client.post("/internal/events", json=event(user_id=victim.id), headers=headers)
    await api.problem(posted, 401)
    assert await api.items("assets", victim) == [record]


async def test_a_users_access_token_does_not_open_internal_endpoints(client, api, new_user) -> None:
    me = new_user()
    record = await api.create("assets", me)
    await api.problem(
        await client.get(f"/internal/users/{me.id}/snapshot", headers=me.headers), 401
    )
    await api.problem(
        await client.post("/internal/events", json=event(user_id=me.id), headers=me.headers),
        401,
    )
    assert await api.items("assets", me) == [record]


async def test_the_snapshot_holds_every_record_of_the_user_and_none_of_another(
    client, api, new_user, seed, internal_headers
) -> None:
    alice, bob = new_user(), new_user()
    alices = await fill(api, alice)
    await fill(api, bob)
    await seed("incomes", alice.id, 60)  # more than one default page
    got = await snapshot(client, alice.id, internal_headers)
    assert set(got) == set(COLLECTIONS)
    assert {c: got[c] for c in ("assets", "debts", "expenses")} == {
        c: alices[c] for c in ("assets", "debts", "expenses")
    }
    assert got["incomes"][:2] == alices["incomes"]
    assert len(got["incomes"]) == 62
    listed = await api.everything(alice)
    assert {c: list(reversed(listed[c])) for c in COLLECTIONS} == got


async def test_the_snapshot_of_a_user_without_records_is_empty(
    client, new_user, internal_headers
) -> None:
    assert await snapshot(client, new_user().id, internal_headers) == EMPTY


async def test_the_snapshot_of_a_malformed_user_id_is_a_404(client, api, internal_headers):
    await api.problem(
        await client.get("/internal/users/not-a-uuid/snapshot", headers=internal_headers), 404
    )


async def test_user_deleted_erases_every_row_and_key_of_the_user_only(
    client, api, new_user, pool, internal_headers
) -> None:
    alice, bob = new_user(), new_user()
    await fill(api, alice)
    bobs = await fill(api, bob)
    for user in (alice, bob):
        keyed = await client.post(
            "/assets", json=api.body("assets"), headers=user.with_headers(Idempotency_Key="k-1")
        )
        assert keyed.status == 201
        bobs_keyed = await keyed.json()
    assert await idempotency_keys_of(pool, alice.id) == 1

    assert await deliver(client, event(user_id=alice.id), internal_headers) == {"applied": True}

    assert await snapshot(client, alice.id, internal_headers) == EMPTY
    assert await idempotency_keys_of(pool, alice.id) == 0
    bobs["assets"].append(bobs_keyed)
    assert await snapshot(client, bob.id, internal_headers) == bobs
    assert await idempotency_keys_of(pool, bob.id) == 1
    # From the event on, A's token is refused here and nothing more is stored for A.
    for method, path in (("GET", "/assets"), ("POST", "/assets"), ("GET", "/ledger/summary")):
        refused = await client.request(
            method, path, json=api.body("assets"), headers=alice.with_headers(Idempotency_Key="k-2")
        )
        assert refused.status == 401, await refused.text()
    assert await idempotency_keys_of(pool, alice.id) == 0


async def test_a_redelivered_event_is_acknowledged_without_effect(
    client, api, new_user, internal_headers
) -> None:
    me = new_user()
    await fill(api, me, 1)
    delivered = event(user_id=me.id)
    assert await deliver(client, delivered, internal_headers) == {"applied": True}
    assert await deliver(client, delivered, internal_headers) == {"applied": False}
    assert await snapshot(client, me.id, internal_headers) == EMPTY


async def test_an_unknown_event_type_is_acknowledged_and_ignored(
    client, api, new_user, internal_headers
) -> None:
    me = new_user()
    records = await fill(api, me, 1)
    unknown = event("user.renamed", user_id=me.id)
    for _ in range(2):  # first delivery and redelivery alike
        assert set(await deliver(client, unknown, internal_headers)) == {"applied"}
        assert await snapshot(client, me.id, internal_headers) == records
        assert await api.everything(me) == {c: list(reversed(records[c])) for c in COLLECTIONS}


async def test_user_deleted_for_a_user_without_records_is_acknowledged(
    client, new_user, internal_headers
) -> None:
    ghost = new_user()
    assert await deliver(client, event(user_id=ghost.id), internal_headers) == {"applied": True}


@pytest.mark.parametrize(
    ("body_change", "field"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"id": None}, "id"),
        ({"type": ""}, "type"),
        ({"type": 5}, "type"),
        ({"payload": "user"}, "payload"),
        ({"payload": None}, "payload"),
        ({"occurred_at": "2026-01-01T00:00:00"}, "occurred_at"),  # no offset: no instant
        ({"occurred_at": "yesterday"}, "occurred_at"),
    ],
)
async def test_a_malformed_event_is_a_422_naming_the_field(
    client, api, new_user, internal_headers, body_change, field
) -> None:
    me = new_user()
    record = await api.create("assets", me)
    body = {**event(user_id=me.id), **body_change}
    response = await client.post("/internal/events", json=body, headers=internal_headers)
    assert await api.fields(response) == [field]
    assert await api.items("assets", me) == [record]


@pytest.mark.parametrize("field", ["id", "type", "payload"])
async def test_an_event_missing_a_field_is_a_422_naming_it(
    client, api, internal_headers, field
) -> None:
    body = event(user_id=uuid.uuid4())
    del body[field]
    response = await client.post("/internal/events", json=body, headers=internal_headers)
    assert await api.fields(response) == [field]


@pytest.mark.parametrize(
    "payload",
    [{}, {"user": "x"}, {"user_id": "not-a-uuid"}, {"user_id": 42}, {"user_id": None}],
    ids=["empty", "other-key", "bad-uuid", "number", "null"],
)
async def test_a_user_deleted_event_without_a_valid_user_id_is_a_422(
    client, api, internal_headers, payload
) -> None:
    body = {**event(), "payload": payload}
    response = await client.post("/internal/events", json=body, headers=internal_headers)
    fields = await api.fields(response)
    assert fields and all("user_id" in field for field in fields), fields


async def test_a_user_deleted_event_that_failed_can_be_redelivered_fixed(
    client, api, new_user, internal_headers
) -> None:
    me = new_user()
    await fill(api, me, 1)
    broken = {**event(), "payload": {"user_id": "not-a-uuid"}}
    response = await client.post("/internal/events", json=broken, headers=internal_headers)
    assert response.status >= 400
    fixed = {**broken, "payload": {"user_id": str(me.id)}}
    assert await deliver(client, fixed, internal_headers) == {"applied": True}
    assert await snapshot(client, me.id, internal_headers) == EMPTY


@pytest.mark.parametrize(
    "template",
    [
        "//internal/users/{}/snapshot",
        "/assets/../internal/users/{}/snapshot",
        "/./internal/users/{}/snapshot",
        "/%69nternal/users/{}/snapshot",
        "/internal%2Fusers/{}/snapshot",
        "/INTERNAL/users/{}/snapshot",
        "/internal/users/{}/snapshot/",
    ],
)
async def test_a_user_token_cannot_reach_the_snapshot_through_path_tricks(
    client, api, new_user, template
) -> None:
    me = new_user()
    await api.create("assets", me)
    url = URL(f"http://{client.host}:{client.port}{template.format(me.id)}", encoded=True)
    response = await client.session.get(url, headers=me.headers)
    assert response.status in (401, 404), await response.text()
    assert response.content_type == "application/problem+json"
