"""Two users: one never sees, changes or deletes the other's records."""

from __future__ import annotations

from decimal import Decimal

import pytest

COLLECTIONS = ("assets", "debts", "incomes", "expenses")
PATCH = {"name": "Taken over"}


@pytest.mark.parametrize(
    ("method", "extra_headers"),
    [
        ("GET", {}),
        ("PATCH", {}),
        ("PATCH", {"If-Match": '"v1"'}),
        ("PATCH", {"If-Match": "*"}),
        ("DELETE", {}),
        ("DELETE", {"If-Match": '"v1"'}),
        ("DELETE", {"If-Match": "*"}),
    ],
)
async def test_another_users_record_is_not_found_and_stays_unchanged(
    client, api, new_user, collection, method, extra_headers
) -> None:
    alice, bob = new_user(), new_user()
    record = await api.create(collection, alice)
    response = await client.request(
        method,
        f"/{collection}/{record['id']}",
        json=PATCH if method == "PATCH" else None,
        headers={**bob.headers, **extra_headers},
    )
    problem = await api.problem(response, 404)
    assert record["id"] not in problem["detail"]
    after = await client.get(f"/{collection}/{record['id']}", headers=alice.headers)
    assert after.headers["ETag"] == '"v1"'
    assert await after.json() == record


async def test_the_not_found_of_another_users_record_equals_that_of_a_missing_one(
    client, api, new_user, collection
) -> None:
    alice, bob = new_user(), new_user()
    record = await api.create(collection, alice)
    theirs = await (await client.get(f"/{collection}/{record['id']}", headers=bob.headers)).json()
    missing = await (
        await client.get(f"/{collection}/9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11", headers=bob.headers)
    ).json()
    assert {k: v for k, v in theirs.items() if k not in ("instance", "request_id")} == {
        k: v for k, v in missing.items() if k not in ("instance", "request_id")
    }


async def test_lists_show_only_the_users_own_records(api, new_user) -> None:
    alice, bob = new_user(), new_user()
    alices = {c: [await api.create(c, alice)] for c in COLLECTIONS}
    assert await api.everything(bob) == {c: [] for c in COLLECTIONS}
    bobs = {c: [await api.create(c, bob, api.body(c, name="Bob's"))] for c in COLLECTIONS}
    assert await api.everything(bob) == bobs
    assert await api.everything(alice) == alices


async def test_the_summary_counts_only_the_users_own_records(client, api, new_user) -> None:
    alice, bob = new_user(), new_user()
    for c in COLLECTIONS:
        await api.create(c, alice)
    await api.create("assets", bob, api.body("assets", balance="10"))
    summary = await (await client.get("/ledger/summary", headers=bob.headers)).json()
    assert summary["total_assets"] == "10.00"
    assert summary["net_worth"] == "10.00"
    zeros = [summary["total_debts"], summary["annual_income"], summary["annual_expenses"]]
    assert [Decimal(z) for z in zeros] == [0, 0, 0]


async def test_a_record_cannot_be_moved_to_another_user_by_a_patch(client, api, new_user) -> None:
    alice, bob = new_user(), new_user()
    record = await api.create("assets", alice)
    response = await client.patch(
        f"/assets/{record['id']}", json={"user_id": str(bob.id)}, headers=alice.headers
    )
    assert await api.fields(response) == ["user_id"]
    assert await api.items("assets", bob) == []
    assert await api.items("assets", alice) == [record]


async def test_a_user_id_sent_on_create_is_refused_and_nothing_is_written(
    client, api, new_user
) -> None:
    alice, bob = new_user(), new_user()
    response = await client.post(
        "/assets", json=api.body("assets", user_id=str(bob.id)), headers=alice.headers
    )
    assert await api.fields(response) == ["user_id"]
    assert await api.items("assets", alice) == []
    assert await api.items("assets", bob) == []
