"""Bad fields on PATCH: each is a 422 problem naming the field, and the record is unchanged."""

from __future__ import annotations

from typing import Any

import pytest

UUID = "9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11"

# (collection, the patch sent, the fields the error must name)
BAD_PATCHES: list[tuple[str, dict[str, Any], list[str]]] = [
    # money
    ("assets", {"balance": "-1"}, ["balance"]),
    ("assets", {"balance": "1.234"}, ["balance"]),
    ("assets", {"balance": "1234567890123"}, ["balance"]),
    ("assets", {"balance": "NaN"}, ["balance"]),
    ("assets", {"balance": True}, ["balance"]),
    ("assets", {"annual_contribution": "Infinity"}, ["annual_contribution"]),
    ("debts", {"monthly_payment": "-0.01"}, ["monthly_payment"]),
    ("incomes", {"amount": "1.001"}, ["amount"]),
    ("expenses", {"amount": "-Infinity"}, ["amount"]),
    # kinds, rates, ages, flags
    ("assets", {"kind": "crypto"}, ["kind"]),
    ("assets", {"stock_allocation": 1.5}, ["stock_allocation"]),
    ("assets", {"stock_allocation": -0.5}, ["stock_allocation"]),
    ("assets", {"contribution_end_age": 121}, ["contribution_end_age"]),
    ("assets", {"contribution_end_age": "65"}, ["contribution_end_age"]),
    ("debts", {"interest_rate": 1.0001}, ["interest_rate"]),
    ("debts", {"kind": "loan"}, ["kind"]),
    ("incomes", {"growth_rate": 0.6}, ["growth_rate"]),
    ("incomes", {"start_age": 65.5}, ["start_age"]),
    ("incomes", {"frequency": "weekly"}, ["frequency"]),
    ("incomes", {"taxable": "no"}, ["taxable"]),
    ("expenses", {"end_age": 121}, ["end_age"]),
    ("expenses", {"essential": 1}, ["essential"]),
    ("expenses", {"category": "c" * 51}, ["category"]),
    # names
    ("assets", {"name": ""}, ["name"]),
    ("debts", {"name": "   "}, ["name"]),
    ("incomes", {"name": "x" * 101}, ["name"]),
    ("expenses", {"name": 5}, ["name"]),
    # non-nullable fields set to null
    ("assets", {"name": None}, ["name"]),
    ("assets", {"kind": None}, ["kind"]),
    ("assets", {"balance": None}, ["balance"]),
    ("assets", {"annual_contribution": None}, ["annual_contribution"]),
    ("debts", {"interest_rate": None}, ["interest_rate"]),
    ("debts", {"monthly_payment": None}, ["monthly_payment"]),
    ("incomes", {"amount": None}, ["amount"]),
    ("incomes", {"frequency": None}, ["frequency"]),
    ("incomes", {"growth_rate": None}, ["growth_rate"]),
    ("incomes", {"inflation_indexed": None}, ["inflation_indexed"]),
    ("expenses", {"category": None}, ["category"]),
    ("expenses", {"essential": None}, ["essential"]),
    # read-only and unknown fields
    ("assets", {"id": UUID}, ["id"]),
    ("assets", {"user_id": UUID}, ["user_id"]),
    ("assets", {"version": 9}, ["version"]),
    ("assets", {"created_at": "2020-01-01T00:00:00Z"}, ["created_at"]),
    ("assets", {"updated_at": "2020-01-01T00:00:00Z"}, ["updated_at"]),
    ("debts", {"user_id": UUID, "name": "Mine now"}, ["user_id"]),
    ("incomes", {"version": 1, "id": UUID}, ["id", "version"]),
    ("expenses", {"colour": "red"}, ["colour"]),
]


def case_id(case: tuple[str, dict[str, Any], list[str]]) -> str:
    collection, patch, _ = case
    return f"{collection}-" + "-".join(f"{k}={v!r}"[:24] for k, v in patch.items())


@pytest.mark.parametrize(
    ("collection", "patch", "fields"), BAD_PATCHES, ids=map(case_id, BAD_PATCHES)
)
async def test_a_bad_patch_is_refused_by_name_and_the_record_is_unchanged(
    client, api, new_user, collection, patch, fields
) -> None:
    me = new_user()
    before = await api.create(collection, me)
    response = await client.patch(f"/{collection}/{before['id']}", json=patch, headers=me.headers)
    assert await api.fields(response) == fields
    after = await client.get(f"/{collection}/{before['id']}", headers=me.headers)
    assert after.headers["ETag"] == '"v1"'
    assert await after.json() == before


@pytest.mark.parametrize(
    ("collection", "patch"),
    [
        ("incomes", {"end_age": 29}),  # stored start_age is 30
        ("incomes", {"start_age": 66}),  # stored end_age is 65
        ("expenses", {"end_age": 20}),
        ("expenses", {"start_age": 91}),
        ("expenses", {"start_age": 50, "end_age": 49}),
    ],
)
async def test_a_patch_of_one_age_that_ends_before_it_starts_is_refused(
    client, api, new_user, collection, patch
) -> None:
    me = new_user()
    before = await api.create(collection, me)
    response = await client.patch(f"/{collection}/{before['id']}", json=patch, headers=me.headers)
    problem = await api.problem(response, 422)
    assert "end_age" in problem["errors"][0]["message"]
    assert await api.get(collection, before["id"], me) == before


async def test_a_patch_of_one_age_that_ends_before_it_starts_names_that_age(
    client, api, new_user
) -> None:
    me = new_user()
    before = await api.create("incomes", me)
    response = await client.patch(
        f"/incomes/{before['id']}", json={"end_age": 29}, headers=me.headers
    )
    assert await api.fields(response) == ["end_age"]


async def test_a_patch_clearing_one_age_lifts_the_ordering_rule(client, api, new_user) -> None:
    me = new_user()
    before = await api.create("incomes", me)
    response = await client.patch(
        f"/incomes/{before['id']}", json={"start_age": None, "end_age": 20}, headers=me.headers
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert (body["start_age"], body["end_age"]) == (None, 20)


async def test_a_rejected_patch_does_not_advance_the_version(client, api, new_user) -> None:
    me = new_user()
    before = await api.create("assets", me)
    url = f"/assets/{before['id']}"
    await api.problem(await client.patch(url, json={"balance": "-1"}, headers=me.headers), 422)
    response = await client.patch(
        url, json={"balance": "5"}, headers=me.with_headers(If_Match='"v1"')
    )
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == '"v2"'


async def test_a_patched_name_with_a_nul_character_is_a_422_not_a_500(
    client, api, new_user
) -> None:
    me = new_user()
    before = await api.create("expenses", me)
    response = await client.patch(
        f"/expenses/{before['id']}", json={"name": "a\x00b"}, headers=me.headers
    )
    assert await api.fields(response) == ["name"]
