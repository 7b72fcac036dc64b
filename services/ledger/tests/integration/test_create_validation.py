"""Bad fields on POST: each is a 422 problem naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

MISSING = object()  # the field is left out of the body

TOO_LONG_NAME = "x" * 101

# (collection, field, value sent); the error must name `field`.
BAD_FIELDS: list[tuple[str, str, Any]] = [
    # money
    ("assets", "balance", "-1"),
    ("assets", "balance", "-0.01"),
    ("assets", "balance", "1.234"),
    ("assets", "balance", "1234567890123"),  # 13 whole digits; numeric(14,2) holds 12
    ("assets", "balance", "123456789012345"),
    ("assets", "balance", "1e20"),
    ("assets", "balance", 1e20),
    ("assets", "balance", "NaN"),
    ("assets", "balance", "nan"),
    ("assets", "balance", "Infinity"),
    ("assets", "balance", "-Infinity"),
    ("assets", "balance", True),
    ("assets", "balance", False),
    ("assets", "balance", None),
    ("assets", "balance", "abc"),
    ("assets", "balance", ""),
    ("assets", "balance", ["1"]),
    ("assets", "balance", {"amount": "1"}),
    ("assets", "balance", MISSING),
    # only plain ASCII decimals (issue 13 item 7): Python's Decimal reads all of these
    ("assets", "balance", "1_000"),
    ("assets", "balance", "\u0663"),  # ٣, ARABIC-INDIC DIGIT THREE
    ("assets", "balance", "1e3"),
    ("assets", "balance", "1E3"),
    ("assets", "balance", " 12"),
    ("assets", "balance", "12 "),
    ("assets", "balance", "+12"),
    ("assets", "balance", ".5"),
    ("assets", "balance", "5."),
    ("assets", "balance", "1.230"),
    ("assets", "balance", "0x10"),
    ("debts", "monthly_payment", "1,000.00"),
    ("incomes", "amount", "\uff11"),  # １, FULLWIDTH DIGIT ONE
    ("expenses", "amount", "1_0.00"),
    ("assets", "annual_contribution", "-5"),
    ("assets", "annual_contribution", "0.001"),
    ("assets", "annual_contribution", None),
    ("debts", "balance", "-100"),
    ("debts", "monthly_payment", "12.345"),
    ("debts", "monthly_payment", MISSING),
    ("incomes", "amount", "-1"),
    ("incomes", "amount", "Infinity"),
    ("incomes", "amount", True),
    ("incomes", "amount", MISSING),
    ("expenses", "amount", "99999999999999"),
    ("expenses", "amount", "NaN"),
    ("expenses", "amount", MISSING),
    # kinds and enumerations
    ("assets", "kind", "crypto"),
    ("assets", "kind", "CASH"),
    ("assets", "kind", 1),
    ("assets", "kind", None),
    ("assets", "kind", MISSING),
    ("debts", "kind", "loan"),
    ("debts", "kind", MISSING),
    ("incomes", "kind", "lottery"),
    ("incomes", "frequency", "weekly"),
    ("incomes", "frequency", MISSING),
    ("expenses", "frequency", "daily"),
    ("expenses", "frequency", None),
    # rates
    ("assets", "stock_allocation", "1.01"),
    ("assets", "stock_allocation", "-0.1"),
    ("assets", "stock_allocation", 2),
    ("assets", "stock_allocation", "NaN"),
    ("assets", "stock_allocation", "half"),
    ("debts", "interest_rate", "1.01"),
    ("debts", "interest_rate", "-0.01"),
    ("debts", "interest_rate", "0.1234567"),
    ("debts", "interest_rate", "Infinity"),
    ("debts", "interest_rate", None),
    ("debts", "interest_rate", MISSING),
    ("incomes", "growth_rate", "0.51"),
    ("incomes", "growth_rate", "-0.51"),
    ("incomes", "growth_rate", None),
    # rates are JSON numbers, not strings (docs/API.md, "Values")
    ("assets", "stock_allocation", "0.6"),
    ("debts", "interest_rate", "0.05"),
    ("incomes", "growth_rate", "0.02"),
    ("debts", "interest_rate", True),
    # ages
    ("assets", "contribution_end_age", 121),
    ("assets", "contribution_end_age", -1),
    ("assets", "contribution_end_age", "65"),
    ("assets", "contribution_end_age", 65.5),
    ("assets", "contribution_end_age", 65.0),
    ("assets", "contribution_end_age", True),
    ("incomes", "start_age", 121),
    ("incomes", "start_age", "30"),
    ("incomes", "end_age", 65.5),
    ("expenses", "start_age", -1),
    ("expenses", "end_age", 200),
    ("expenses", "end_age", "90"),
    # flags are strict booleans
    ("incomes", "inflation_indexed", "yes"),
    ("incomes", "taxable", 1),
    ("incomes", "taxable", None),
    ("expenses", "essential", "true"),
    ("expenses", "inflation_indexed", 0),
    # names and categories
    ("assets", "name", ""),
    ("assets", "name", "   "),
    ("assets", "name", TOO_LONG_NAME),
    ("assets", "name", 123),
    ("assets", "name", None),
    ("assets", "name", MISSING),
    ("debts", "name", ""),
    ("incomes", "name", TOO_LONG_NAME),
    ("expenses", "name", ["Rent"]),
    ("expenses", "category", ""),
    ("expenses", "category", "c" * 51),
    ("expenses", "category", MISSING),
    # nothing visible, bidi overrides/isolates, control characters (issue 13 item 7)
    ("assets", "name", "\u200b"),  # ZERO WIDTH SPACE alone
    ("assets", "name", " \u200b\u200d\ufeff "),
    ("assets", "name", "\u00a0\u3000"),  # no-break and ideographic spaces
    ("assets", "name", "\u2060"),  # WORD JOINER
    ("assets", "name", "Savings\u202e"),  # RIGHT-TO-LEFT OVERRIDE
    ("debts", "name", "\u202dLoan"),  # LEFT-TO-RIGHT OVERRIDE
    ("incomes", "name", "Pay\u2066check\u2069"),  # LEFT-TO-RIGHT ISOLATE … POP
    ("expenses", "name", "Rent\u202a"),
    ("expenses", "name", "Line\nbreak"),
    ("expenses", "name", "Tab\there"),
    ("expenses", "name", "Bell\u0007"),
    ("expenses", "name", "C1\u0085x"),
    ("expenses", "name", "Para\u2029graph"),
    ("expenses", "category", "\u200b"),
    ("expenses", "category", "food\u2067"),
    # fields a client may not send
    ("assets", "id", "9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11"),
    ("assets", "user_id", "9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11"),
    ("assets", "version", 7),
    ("assets", "created_at", "2020-01-01T00:00:00Z"),
    ("assets", "updated_at", "2020-01-01T00:00:00Z"),
    ("debts", "user_id", "9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11"),
    ("incomes", "id", "9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11"),
    ("expenses", "version", 1),
    ("expenses", "colour", "red"),
    ("incomes", "start", 30),
]


def case_id(case: tuple[str, str, Any]) -> str:
    collection, field, value = case
    shown = "missing" if value is MISSING else repr(value)[:20]
    return f"{collection}-{field}-{shown}"


def body_with(api, collection: str, field: str, value: Any) -> dict[str, Any]:
    body = api.body(collection)
    if value is MISSING:
        body.pop(field)
    else:
        body[field] = value
    return body


@pytest.mark.parametrize(("collection", "field", "value"), BAD_FIELDS, ids=map(case_id, BAD_FIELDS))
async def test_a_bad_field_is_refused_by_name_and_nothing_is_written(
    client, api, new_user, collection, field, value
) -> None:
    me = new_user()
    response = await client.post(
        f"/{collection}", json=body_with(api, collection, field, value), headers=me.headers
    )
    assert await api.fields(response) == [field]
    assert await api.everything(me) == {
        "assets": [],
        "debts": [],
        "incomes": [],
        "expenses": [],
    }


async def test_every_bad_field_of_a_body_is_named_at_once(client, api, new_user) -> None:
    me = new_user()
    body = api.body("debts", balance="-1", kind="loan", interest_rate="2", extra=True)
    del body["name"]
    response = await client.post("/debts", json=body, headers=me.headers)
    assert sorted(await api.fields(response)) == [
        "balance",
        "extra",
        "interest_rate",
        "kind",
        "name",
    ]
    assert await api.items("debts", me) == []


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Cafe\u0301", "Caf\u00e9"),  # NFC: e + combining acute → é
        ("  Ma\u0308rz  ", "M\u00e4rz"),
        ("\u05d7\u05e1\u05db\u05d5\u05df", "\u05d7\u05e1\u05db\u05d5\u05df"),  # Hebrew
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467", None),  # family emoji, joined
    ],
)
async def test_names_are_stored_nfc_normalised_and_trimmed(api, new_user, sent, stored) -> None:
    created = await api.create("assets", new_user(), api.body("assets", name=sent))
    assert created["name"] == (sent if stored is None else stored)


@pytest.mark.parametrize("collection", ["incomes", "expenses"])
async def test_an_end_age_before_the_start_age_is_refused_and_nothing_is_written(
    client, api, new_user, collection
) -> None:
    me = new_user()
    body = api.body(collection, start_age=65, end_age=64)
    problem = await api.problem(
        await client.post(f"/{collection}", json=body, headers=me.headers), 422
    )
    assert "end_age" in problem["errors"][0]["message"]
    assert await api.items(collection, me) == []


@pytest.mark.parametrize("collection", ["incomes", "expenses"])
async def test_an_end_age_equal_to_the_start_age_is_accepted(api, new_user, collection) -> None:
    created = await api.create(
        collection, new_user(), api.body(collection, start_age=65, end_age=65)
    )
    assert (created["start_age"], created["end_age"]) == (65, 65)


@pytest.mark.parametrize("collection", ["incomes", "expenses"])
async def test_an_end_age_before_the_start_age_is_reported_on_the_end_age_field(
    client, api, new_user, collection
) -> None:
    body = api.body(collection, start_age=65, end_age=64)
    response = await client.post(f"/{collection}", json=body, headers=new_user().headers)
    assert await api.fields(response) == ["end_age"]


@pytest.mark.parametrize("collection", ["assets", "expenses"])
async def test_a_name_with_a_nul_character_is_a_422_not_a_500(
    client, api, new_user, collection
) -> None:
    me = new_user()
    response = await client.post(
        f"/{collection}", json=api.body(collection, name="Pay\x00day"), headers=me.headers
    )
    assert await api.fields(response) == ["name"]
    assert await api.items(collection, me) == []


@pytest.mark.parametrize("collection", ["assets", "expenses"])
async def test_a_name_with_a_lone_surrogate_is_refused_by_name(client, api, new_user, collection):
    me = new_user()
    response = await client.post(
        f"/{collection}", json=api.body(collection, name="Lone \ud800"), headers=me.headers
    )
    assert await api.fields(response) == ["name"]
    assert await api.items(collection, me) == []
