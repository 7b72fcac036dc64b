"""The household fields of DESIGN §4 (issue 15): each rule is a 422 naming its field, on POST
and on the record a PATCH would leave; what the rules allow is stored and shown as sent."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

# (collection, changes to the valid body, the field the 422 must name). Partner-owned records
# need accounts: tests/integration/test_partner_check.py.
BROKEN_RULES: list[tuple[str, dict[str, Any], str]] = [
    # owner: an enumeration
    ("assets", {"owner": "spouse"}, "owner"),
    ("assets", {"owner": None}, "owner"),
    ("debts", {"owner": "both"}, "owner"),
    ("incomes", {"owner": "SELF"}, "owner"),
    ("expenses", {"owner": 1}, "owner"),
    # joint only for cash, taxable, real_estate, other assets
    ("assets", {"kind": "tax_deferred", "owner": "joint"}, "owner"),
    ("assets", {"kind": "tax_free", "owner": "joint"}, "owner"),
    # joint only for rental and other incomes
    ("incomes", {"kind": "salary", "owner": "joint"}, "owner"),
    ("incomes", {"kind": "pension", "owner": "joint"}, "owner"),
    ("incomes", {"kind": "social_security", "owner": "joint", "start_age": None}, "owner"),
    ("incomes", {"kind": "annuity", "owner": "joint"}, "owner"),
    # cost_basis: money ≥ 0, only taxable and real_estate
    ("assets", {"cost_basis": "-1"}, "cost_basis"),
    ("assets", {"cost_basis": "1.234"}, "cost_basis"),
    ("assets", {"cost_basis": "1e3"}, "cost_basis"),
    ("assets", {"cost_basis": True}, "cost_basis"),
    ("assets", {"kind": "cash", "cost_basis": "100"}, "cost_basis"),
    ("assets", {"kind": "tax_deferred", "cost_basis": "100"}, "cost_basis"),
    ("assets", {"kind": "tax_free", "cost_basis": "0"}, "cost_basis"),
    ("assets", {"kind": "other", "cost_basis": "100"}, "cost_basis"),
    # sell_age: 0–120, only real_estate
    ("assets", {"kind": "real_estate", "sell_age": 121}, "sell_age"),
    ("assets", {"kind": "real_estate", "sell_age": -1}, "sell_age"),
    ("assets", {"kind": "real_estate", "sell_age": "70"}, "sell_age"),
    ("assets", {"kind": "real_estate", "sell_age": 70.0}, "sell_age"),
    ("assets", {"kind": "taxable", "sell_age": 70}, "sell_age"),
    ("assets", {"kind": "cash", "sell_age": 70}, "sell_age"),
    # payoff_age: 0–120
    ("debts", {"payoff_age": 121}, "payoff_age"),
    ("debts", {"payoff_age": -1}, "payoff_age"),
    ("debts", {"payoff_age": "67"}, "payoff_age"),
    # survivor_fraction: a number 0–1 with at most 4 places, non-zero only for pension/annuity
    ("incomes", {"kind": "pension", "survivor_fraction": 1.01}, "survivor_fraction"),
    ("incomes", {"kind": "pension", "survivor_fraction": -0.1}, "survivor_fraction"),
    ("incomes", {"kind": "pension", "survivor_fraction": 0.12345}, "survivor_fraction"),
    ("incomes", {"kind": "pension", "survivor_fraction": "0.5"}, "survivor_fraction"),
    ("incomes", {"kind": "annuity", "survivor_fraction": None}, "survivor_fraction"),
    ("incomes", {"kind": "salary", "survivor_fraction": 0.5}, "survivor_fraction"),
    (
        "incomes",
        {"kind": "social_security", "survivor_fraction": 1, "start_age": 67, "end_age": None},
        "survivor_fraction",
    ),
    ("incomes", {"kind": "rental", "survivor_fraction": 0.0001}, "survivor_fraction"),
    ("incomes", {"kind": "other", "survivor_fraction": 0.5}, "survivor_fraction"),
    # Social Security: start_age is the claiming age, 62–70 or null
    ("incomes", {"kind": "social_security", "start_age": 61, "end_age": None}, "start_age"),
    ("incomes", {"kind": "social_security", "start_age": 71, "end_age": None}, "start_age"),
    ("incomes", {"kind": "social_security", "start_age": 30, "end_age": 65}, "start_age"),
]

# What the rules allow, at their edges: (collection, changes, what the answer shows).
ALLOWED: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    *(
        ("assets", {"kind": kind, "owner": "joint"}, {"owner": "joint"})
        for kind in ("cash", "taxable", "real_estate", "other")
    ),
    *(
        ("incomes", {"kind": kind, "owner": "joint"}, {"owner": "joint"})
        for kind in ("rental", "other")
    ),
    ("debts", {"owner": "joint", "payoff_age": 0}, {"owner": "joint", "payoff_age": 0}),
    ("debts", {"payoff_age": 120}, {"payoff_age": 120}),
    ("expenses", {"owner": "joint"}, {"owner": "joint"}),
    ("assets", {"kind": "taxable", "cost_basis": "0"}, {"cost_basis": "0.00"}),
    ("assets", {"kind": "real_estate", "cost_basis": 310000.5}, {"cost_basis": "310000.50"}),
    ("assets", {"kind": "real_estate", "sell_age": 0}, {"sell_age": 0}),
    ("assets", {"kind": "real_estate", "sell_age": 120}, {"sell_age": 120}),
    ("assets", {"kind": "tax_deferred", "cost_basis": None, "sell_age": None}, {"owner": "self"}),
    ("incomes", {"kind": "pension", "survivor_fraction": 1}, {"survivor_fraction": 1.0}),
    ("incomes", {"kind": "annuity", "survivor_fraction": 0.6667}, {"survivor_fraction": 0.6667}),
    ("incomes", {"kind": "salary", "survivor_fraction": 0}, {"survivor_fraction": 0.0}),
    (
        "incomes",
        {"kind": "social_security", "start_age": 62, "end_age": None},
        {"start_age": 62},
    ),
    (
        "incomes",
        {"kind": "social_security", "start_age": 70, "end_age": None},
        {"start_age": 70},
    ),
    (
        "incomes",
        {"kind": "social_security", "start_age": None, "end_age": None},
        {"start_age": None},
    ),
    ("incomes", {"kind": "other", "frequency": "once"}, {"frequency": "once"}),
    ("expenses", {"frequency": "once", "start_age": 68, "end_age": None}, {"frequency": "once"}),
]


def case_id(case: tuple[str, dict[str, Any], Any]) -> str:
    collection, changes, _ = case
    return f"{collection}-" + "-".join(f"{k}={v!r}"[:24] for k, v in changes.items())


@pytest.mark.parametrize(
    ("collection", "changes", "field"), BROKEN_RULES, ids=map(case_id, BROKEN_RULES)
)
async def test_a_broken_rule_is_a_422_naming_its_field_and_nothing_is_written(
    client, api, new_user, collection, changes, field
) -> None:
    me = new_user()
    response = await client.post(
        f"/{collection}", json=api.body(collection, **changes), headers=me.headers
    )
    problem = await api.problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    # Refused by the field's own rule, not as a field the API does not know.
    assert problem["errors"][0]["type"] != "extra_forbidden"
    assert await api.items(collection, me) == []


@pytest.mark.parametrize(("collection", "changes", "shown"), ALLOWED, ids=map(case_id, ALLOWED))
async def test_what_the_rules_allow_is_stored_and_shown_as_sent(
    api, new_user, collection, changes, shown
) -> None:
    me = new_user()
    created = await api.create(collection, me, api.body(collection, **changes))
    assert {k: created[k] for k in shown} == shown
    assert await api.get(collection, created["id"], me) == created


async def test_every_broken_rule_of_a_body_is_named_at_once(client, api, new_user) -> None:
    body = api.body("assets", kind="tax_deferred", owner="joint", cost_basis="5", sell_age=70)
    response = await client.post("/assets", json=body, headers=new_user().headers)
    errors = (await api.problem(response, 422))["errors"]
    assert sorted((e["field"], e["type"]) for e in errors) == [
        ("cost_basis", "cost_basis_kind"),
        ("owner", "owner_kind"),
        ("sell_age", "sell_age_kind"),
    ]


# (collection, stored record's changes, PATCH body, the field the 422 must name)
BROKEN_BY_PATCH: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("assets", {"kind": "taxable", "owner": "joint"}, {"kind": "tax_deferred"}, "owner"),
    ("assets", {"kind": "taxable"}, {"kind": "tax_free", "owner": "joint"}, "owner"),
    ("assets", {"kind": "taxable", "cost_basis": "500"}, {"kind": "cash"}, "cost_basis"),
    ("assets", {"kind": "real_estate", "sell_age": 75}, {"kind": "other"}, "sell_age"),
    ("incomes", {"kind": "rental", "owner": "joint"}, {"kind": "salary"}, "owner"),
    (
        "incomes",
        {"kind": "pension", "survivor_fraction": 0.5},
        {"kind": "other"},
        "survivor_fraction",
    ),
    (
        "incomes",
        {"kind": "social_security", "start_age": 67, "end_age": None},
        {"start_age": 60},
        "start_age",
    ),
    (
        "incomes",
        {"kind": "other", "start_age": 55, "end_age": None},
        {"kind": "social_security"},
        "start_age",
    ),
    ("debts", {}, {"owner": "nobody"}, "owner"),
]


@pytest.mark.parametrize(
    ("collection", "stored", "patch", "field"),
    BROKEN_BY_PATCH,
    ids=[f"{c}-{'-'.join(p)}" for c, _, p, _ in BROKEN_BY_PATCH],
)
async def test_a_patch_is_refused_when_the_merged_record_breaks_a_rule(
    client, api, new_user, collection, stored, patch, field
) -> None:
    me = new_user()
    created = await api.create(collection, me, api.body(collection, **stored))
    response = await client.patch(f"/{collection}/{created['id']}", json=patch, headers=me.headers)
    problem = await api.problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["type"] != "extra_forbidden"  # a rule, not an unknown field
    assert await api.get(collection, created["id"], me) == created


async def test_a_patch_can_fix_what_it_breaks_in_the_same_body(client, api, new_user) -> None:
    me = new_user()
    created = await api.create("assets", me, api.body("assets", kind="taxable", owner="joint"))
    response = await client.patch(
        f"/assets/{created['id']}",
        json={"kind": "tax_deferred", "owner": "self"},
        headers=me.headers,
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["owner"] == "self"


CLAIMING_AGE_CHECK = (
    "CHECK (kind <> 'social_security' OR start_age IS NULL OR start_age BETWEEN 62 AND 70)"
)


async def store_as_before_0004(pool: asyncpg.Pool, user_id: uuid.UUID, start_age: int) -> str:
    """Store a Social Security income claimed at `start_age`, as a release before 0004 could.

    The migration leaves such rows in place (its CHECK is NOT VALID); to make one here the
    CHECK is dropped for the insert and put back exactly as 0004 adds it.
    """
    record_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"ALTER TABLE incomes DROP CONSTRAINT {CLAIMING_AGE}")
        await conn.execute(
            "INSERT INTO incomes (id, user_id, name, kind, amount, frequency, start_age) "
            "VALUES ($1, $2, 'Social Security', 'social_security', 1800, 'monthly', $3)",
            record_id,
            user_id,
            start_age,
        )
        await conn.execute(
            f"ALTER TABLE incomes ADD CONSTRAINT {CLAIMING_AGE} {CLAIMING_AGE_CHECK} NOT VALID"
        )
    return str(record_id)


CLAIMING_AGE = "incomes_social_security_claiming_age_check"


async def test_a_stored_claiming_age_outside_62_70_is_shown_but_a_patch_must_fix_it(
    client, api, new_user, pool
) -> None:
    me = new_user()
    record_id = await store_as_before_0004(pool, me.id, 60)
    stored = await api.get("incomes", record_id, me)
    assert stored["start_age"] == 60  # left as stored; the engine clamps it
    response = await client.patch(
        f"/incomes/{record_id}", json={"amount": "1900"}, headers=me.headers
    )
    assert await api.fields(response) == ["start_age"]
    assert await api.get("incomes", record_id, me) == stored
    fixed = await client.patch(
        f"/incomes/{record_id}", json={"amount": "1900", "start_age": 62}, headers=me.headers
    )
    assert fixed.status == 200, await fixed.text()
    assert ((await fixed.json())["start_age"], (await fixed.json())["amount"]) == (62, "1900.00")


async def test_the_snapshot_projections_reads_carries_every_household_field(
    client, api, new_user, internal_headers
) -> None:
    me = new_user()
    home = await api.create(
        "assets",
        me,
        api.body("assets", kind="real_estate", owner="joint", cost_basis="310000", sell_age=75),
    )
    mortgage = await api.create("debts", me, api.body("debts", owner="joint", payoff_age=67))
    pension = await api.create(
        "incomes", me, api.body("incomes", kind="pension", survivor_fraction=0.5)
    )
    roof = await api.create(
        "expenses", me, api.body("expenses", frequency="once", start_age=68, end_age=None)
    )
    response = await client.get(f"/internal/users/{me.id}/snapshot", headers=internal_headers)
    assert response.status == 200, await response.text()
    assert await response.json() == {
        "assets": [home],
        "debts": [mortgage],
        "incomes": [pension],
        "expenses": [roof],
    }
    assert (home["owner"], home["cost_basis"], home["sell_age"]) == ("joint", "310000.00", 75)
    assert (mortgage["owner"], mortgage["payoff_age"]) == ("joint", 67)
    assert (pension["owner"], pension["survivor_fraction"]) == ("self", 0.5)
    assert (roof["owner"], roof["frequency"], roof["start_age"]) == ("self", "once", 68)
