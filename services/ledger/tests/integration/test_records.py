"""Happy paths of the four collections: create, get, list, partial update, delete, defaults."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

STORED_FIELDS = {"id", "created_at", "updated_at"}

# What the API answers for each VALID_BODIES entry: money with 2 places, rates as numbers.
EXPECTED_FIELDS: dict[str, dict[str, Any]] = {
    "assets": {
        "name": "Brokerage",
        "kind": "taxable",
        "balance": "1000.50",
        "annual_contribution": "1200.00",
        "contribution_end_age": 60,
        "stock_allocation": 0.7,
        "owner": "self",
        "cost_basis": None,
        "sell_age": None,
    },
    "debts": {
        "name": "Mortgage",
        "kind": "mortgage",
        "balance": "250000.00",
        "interest_rate": 0.05,
        "monthly_payment": "1500.50",
        "owner": "self",
        "payoff_age": None,
    },
    "incomes": {
        "name": "Salary",
        "kind": "salary",
        "amount": "5000.00",
        "frequency": "monthly",
        "start_age": 30,
        "end_age": 65,
        "growth_rate": 0.02,
        "inflation_indexed": False,
        "taxable": True,
        "owner": "self",
        "survivor_fraction": 0,
    },
    "expenses": {
        "name": "Rent",
        "category": "housing",
        "amount": "1200.00",
        "frequency": "monthly",
        "start_age": 30,
        "end_age": 90,
        "inflation_indexed": True,
        "essential": False,
        "owner": "self",
    },
}

# One field per collection to change in a PATCH, with what is sent and what comes back.
PATCHES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "assets": ({"balance": "2000", "stock_allocation": 0.25}, {"balance": "2000.00"}),
    "debts": ({"interest_rate": 0.1, "name": "Home loan"}, {"interest_rate": 0.1}),
    "incomes": ({"end_age": 67, "growth_rate": -0.010}, {"growth_rate": -0.01}),
    "expenses": ({"amount": "99.9", "essential": True}, {"amount": "99.90"}),
}

MINIMAL_BODIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "assets": (
        {"name": "Savings", "kind": "taxable", "balance": "0"},
        {
            "balance": "0.00",
            "annual_contribution": "0.00",
            "contribution_end_age": None,
            "owner": "self",
            "cost_basis": None,
            "sell_age": None,
        },
    ),
    "debts": (
        {
            "name": "Card",
            "kind": "credit_card",
            "balance": "0",
            "interest_rate": 0,
            "monthly_payment": "0",
        },
        {
            "balance": "0.00",
            "interest_rate": 0,
            "monthly_payment": "0.00",
            "owner": "self",
            "payoff_age": None,
        },
    ),
    "incomes": (
        {"name": "Pension", "kind": "pension", "amount": "100", "frequency": "annual"},
        {
            "amount": "100.00",
            "start_age": None,
            "end_age": None,
            "growth_rate": 0,
            "inflation_indexed": False,
            "taxable": True,
            "owner": "self",
            "survivor_fraction": 0,
        },
    ),
    "expenses": (
        {"name": "Food", "category": "food", "amount": "10", "frequency": "monthly"},
        {
            "amount": "10.00",
            "start_age": None,
            "end_age": None,
            "inflation_indexed": True,
            "essential": True,
            "owner": "self",
        },
    ),
}


def without_stored(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in STORED_FIELDS}


async def test_a_record_is_created_with_location_etag_and_the_normalised_fields(
    client, api, new_user, collection
) -> None:
    me = new_user()
    response = await client.post(f"/{collection}", json=api.body(collection), headers=me.headers)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert response.headers["ETag"] == '"v1"'
    assert response.headers["Location"] == f"/api/v1/{collection}/{body['id']}"
    assert without_stored(body) == EXPECTED_FIELDS[collection]
    assert set(body) == STORED_FIELDS | set(EXPECTED_FIELDS[collection])
    assert "Idempotent-Replayed" not in response.headers


async def test_a_created_record_can_be_read_back_with_its_etag(
    client, api, new_user, collection
) -> None:
    me = new_user()
    created = await api.create(collection, me)
    response = await client.get(f"/{collection}/{created['id']}", headers=me.headers)
    assert response.status == 200
    assert response.headers["ETag"] == '"v1"'
    assert await response.json() == created


async def test_the_list_shows_the_users_records_newest_first(api, new_user, collection) -> None:
    me = new_user()
    first = await api.create(collection, me)
    second = await api.create(collection, me, api.body(collection, name="Second"))
    assert await api.items(collection, me) == [second, first]


async def test_an_empty_collection_lists_no_items_and_no_cursor(client, new_user, collection):
    response = await client.get(f"/{collection}", headers=new_user().headers)
    assert response.status == 200
    assert await response.json() == {"items": [], "next_cursor": None}


async def test_a_patch_changes_only_the_fields_sent(client, api, new_user, collection) -> None:
    me = new_user()
    created = await api.create(collection, me)
    sent, shown = PATCHES[collection]
    response = await client.patch(
        f"/{collection}/{created['id']}", json=sent, headers=me.with_headers(If_Match='"v1"')
    )
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == '"v2"'
    patched = await response.json()
    expected = {**created, **sent, **shown, "updated_at": patched["updated_at"]}
    assert patched == expected
    assert datetime.fromisoformat(patched["updated_at"]) > datetime.fromisoformat(
        created["updated_at"]
    )
    got = await client.get(f"/{collection}/{created['id']}", headers=me.headers)
    assert got.headers["ETag"] == '"v2"'
    assert await got.json() == patched


async def test_an_empty_patch_changes_no_field(client, api, new_user, collection) -> None:
    me = new_user()
    created = await api.create(collection, me)
    response = await client.patch(f"/{collection}/{created['id']}", json={}, headers=me.headers)
    assert response.status == 200, await response.text()
    assert without_stored(await response.json()) == without_stored(created)


async def test_a_deleted_record_is_gone(client, api, new_user, collection) -> None:
    me = new_user()
    kept = await api.create(collection, me)
    created = await api.create(collection, me)
    response = await client.delete(f"/{collection}/{created['id']}", headers=me.headers)
    assert response.status == 204
    assert await response.read() == b""
    await api.problem(await client.get(f"/{collection}/{created['id']}", headers=me.headers), 404)
    await api.problem(
        await client.delete(f"/{collection}/{created['id']}", headers=me.headers), 404
    )
    assert await api.items(collection, me) == [kept]


async def test_omitted_optional_fields_take_their_documented_defaults(
    api, new_user, collection
) -> None:
    sent, defaults = MINIMAL_BODIES[collection]
    created = await api.create(collection, new_user(), sent)
    assert {k: created[k] for k in defaults} == defaults


@pytest.mark.parametrize(
    ("kind", "allocation"),
    [
        ("cash", 0),
        ("real_estate", 0),
        ("taxable", 0.6),
        ("tax_deferred", 0.6),
        ("tax_free", 0.6),
        ("other", 0.6),
    ],
)
async def test_an_assets_stock_allocation_defaults_by_kind(api, new_user, kind, allocation):
    created = await api.create(
        "assets", new_user(), {"name": "Pot", "kind": kind, "balance": "1200"}
    )
    assert created["stock_allocation"] == allocation
    assert created["balance"] == "1200.00"


async def test_a_stock_allocation_patched_to_null_falls_back_to_the_default(
    client, api, new_user
) -> None:
    me = new_user()
    created = await api.create("assets", me, api.body("assets", kind="cash"))
    assert created["stock_allocation"] == 0.7
    response = await client.patch(
        f"/assets/{created['id']}", json={"stock_allocation": None}, headers=me.headers
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["stock_allocation"] == 0


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("1200", "1200.00"),
        ("1200.5", "1200.50"),
        ("0.01", "0.01"),
        (1200, "1200.00"),
        (19.99, "19.99"),
        ("999999999999.99", "999999999999.99"),
        (1e3, "1000.00"),  # a JSON number may have an exponent; a string may not
    ],
)
async def test_money_is_shown_with_two_places(api, new_user, sent, shown) -> None:
    body = {"name": "Cash", "kind": "cash", "balance": sent}
    created = await api.create("assets", new_user(), body)
    assert created["balance"] == shown


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (0.05, 0.05),
        (0.07, 0.07),
        (1, 1),
        (0, 0),
        (0.000001, 0.000001),
        (0.45e-1, 0.045),
    ],
)
async def test_rates_are_json_numbers_in_and_out(api, new_user, sent, shown) -> None:
    created = await api.create("debts", new_user(), api.body("debts", interest_rate=sent))
    assert created["interest_rate"] == shown
    assert type(created["interest_rate"]) is float


async def test_a_stock_allocation_with_more_places_than_stored_is_refused_not_rounded(
    client, api, new_user
) -> None:
    me = new_user()
    response = await client.post(
        "/assets", json=api.body("assets", stock_allocation=0.123456), headers=me.headers
    )
    if response.status == 201:  # storing it exactly would be as good as refusing it
        assert (await response.json())["stock_allocation"] == 0.123456
        return
    assert await api.fields(response) == ["stock_allocation"]
    assert await api.items("assets", me) == []


async def test_names_are_stored_without_surrounding_whitespace(api, new_user) -> None:
    created = await api.create("assets", new_user(), api.body("assets", name="  Pot  "))
    assert created["name"] == "Pot"


async def test_a_name_of_exactly_100_characters_is_accepted(api, new_user) -> None:
    created = await api.create("assets", new_user(), api.body("assets", name="é" * 100))
    assert created["name"] == "é" * 100
