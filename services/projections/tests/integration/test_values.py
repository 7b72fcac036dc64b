"""Names and money follow the shared value rules in projections too (issue 13, item 7):
nothing invisible, no bidi controls or control characters, only plain decimal money."""

from __future__ import annotations

import pytest

NOTHING = {"projections": 0, "scenarios": 0, "runs": 0, "idempotency_keys": 0}
ONE_EMPTY_PROJECTION = {**NOTHING, "projections": 1}
BAD_NAMES = [
    "\u200b",  # ZERO WIDTH SPACE
    "\u200b\u200c\u200d\ufeff",
    "\u3000",
    "Plan\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u202dPlan",  # LEFT-TO-RIGHT OVERRIDE
    "Pl\u2066an\u2069",  # LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE
    "Plan\u0007",
    "Two\nlines",
]
BAD_MONEY = ["1_000", "\u0663", "1e3", " 5", "1.234", "0x10", True]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_a_projection_name_without_anything_visible_or_with_controls_is_a_422(
    client, api, new_user, name
) -> None:
    me = new_user()
    response = await client.post("/projections", json={"name": name}, headers=me.headers)
    assert await api.fields(response) == ["name"]
    assert await api.counts(me.id) == NOTHING


@pytest.mark.parametrize("name", BAD_NAMES[:4])
async def test_renaming_a_projection_to_a_bad_name_is_a_422(client, api, new_user, name):
    me = new_user()
    projection = await api.create_projection(me, "Base")
    response = await client.patch(
        f"/projections/{projection['id']}", json={"name": name}, headers=me.headers
    )
    assert await api.fields(response) == ["name"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        *(({"extra_expenses": [{"name": n, "amount": "1"}]}, "name") for n in BAD_NAMES[:5]),
        *(
            ({"extra_incomes": [{"name": "Gig", "kind": "other", "amount": m}]}, "amount")
            for m in BAD_MONEY
        ),
        *(({"extra_expenses": [{"name": "Boat", "amount": m}]}, "amount") for m in BAD_MONEY),
        ({"extra_expenses": [{"name": "Boat", "amount": "1", "category": "\u200b"}]}, "category"),
        ({"extra_expenses": [{"name": "Boat", "amount": "1", "essential": 0}]}, "essential"),
        (
            {"extra_expenses": [{"name": "Boat", "amount": "1", "inflation_indexed": "no"}]},
            "inflation_indexed",
        ),
        (
            {"extra_incomes": [{"name": "Gig", "kind": "other", "amount": "1", "taxable": 1}]},
            "taxable",
        ),
    ],
)
async def test_a_scenario_s_extra_records_follow_the_value_rules(
    client, api, new_user, overrides, field
) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    response = await client.post(
        f"/projections/{projection['id']}/scenarios",
        json={"name": "What if", "overrides": overrides},
        headers=me.headers,
    )
    (kind,) = overrides
    assert await api.fields(response) == [f"overrides.{kind}.0.{field}"]
    assert await api.counts(me.id) == ONE_EMPTY_PROJECTION


@pytest.mark.parametrize("name", BAD_NAMES[:4])
async def test_a_scenario_name_follows_the_value_rules(client, api, new_user, name) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    response = await client.post(
        f"/projections/{projection['id']}/scenarios", json={"name": name}, headers=me.headers
    )
    assert await api.fields(response) == ["name"]


async def test_names_are_stored_nfc_normalised_and_trimmed(api, new_user) -> None:
    me = new_user()
    projection = await api.create_projection(me, "  Cafe\u0301  ")
    assert projection["name"] == "Caf\u00e9"
