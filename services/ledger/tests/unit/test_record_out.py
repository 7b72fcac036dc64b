"""`record_out` shows a row exactly as the out-model's JSON dump did, without I/O."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from ledger.collections import ASSETS, COLLECTIONS, DEBTS, EXPENSES, INCOMES, Collection
from ledger.domain import _json_shape, record_out

WITH_FRACTION = datetime(2026, 11, 24, 2, 25, 32, 973720, tzinfo=UTC)
WHOLE_SECOND = datetime(2026, 11, 24, 2, 25, 32, tzinfo=UTC)
# asyncpg gives timestamptz in UTC; another offset still shows as the model showed it.
OFFSET = datetime(2030, 1, 1, 0, 0, 0, 1, tzinfo=timezone(timedelta(hours=2)))
MAX_MONEY = Decimal("999999999999.99")


def stored(fields: dict[str, Any], *, at: datetime, changed: datetime) -> dict[str, Any]:
    """Return a row as the repository's statements give it (with version, never user_id)."""
    return {
        "id": uuid.uuid4(),
        **fields,
        "version": 3,
        "created_at": at,
        "updated_at": changed,
    }


# Column values as PostgreSQL returns them: money with 2 places, rates padded to the scale.
FIELDS: dict[str, list[dict[str, Any]]] = {
    "assets": [
        {
            "name": "Brokerage",
            "kind": "taxable",
            "balance": Decimal("1000.50"),
            "annual_contribution": Decimal("1200.00"),
            "contribution_end_age": 60,
            "stock_allocation": Decimal("0.6000"),
            "owner": "joint",
            "cost_basis": Decimal("800.25"),
            "sell_age": None,
        },
        {
            "name": "Cash",
            "kind": "cash",
            "balance": Decimal("0.00"),
            "annual_contribution": Decimal("0.00"),
            "contribution_end_age": None,
            "stock_allocation": Decimal("0.0000"),
            "owner": "self",
            "cost_basis": None,
            "sell_age": None,
        },
        {
            "name": "x" * 100,
            "kind": "tax_free",
            "balance": MAX_MONEY,
            "annual_contribution": MAX_MONEY,
            "contribution_end_age": 0,
            "stock_allocation": Decimal("1.0000"),
            "owner": "partner",
            "cost_basis": None,
            "sell_age": None,
        },
        {
            "name": "Maison à Genève ☂",
            "kind": "real_estate",
            "balance": Decimal("0.01"),
            "annual_contribution": Decimal("10.10"),
            "contribution_end_age": 120,
            "stock_allocation": Decimal("0.0001"),
            "owner": "joint",
            "cost_basis": MAX_MONEY,
            "sell_age": 75,
        },
    ],
    "debts": [
        {
            "name": "Mortgage",
            "kind": "mortgage",
            "balance": Decimal("250000.00"),
            "interest_rate": Decimal("0.050000"),
            "monthly_payment": Decimal("1500.50"),
            "owner": "joint",
            "payoff_age": 67,
        },
        {
            "name": "Card",
            "kind": "credit_card",
            "balance": Decimal("0.00"),
            "interest_rate": Decimal("0.000000"),
            "monthly_payment": Decimal("0.00"),
            "owner": "self",
            "payoff_age": None,
        },
        {
            "name": "Loan",
            "kind": "personal",
            "balance": MAX_MONEY,
            "interest_rate": Decimal("1.000000"),
            "monthly_payment": MAX_MONEY,
            "owner": "partner",
            "payoff_age": 0,
        },
        {
            "name": "Student",
            "kind": "student",
            "balance": Decimal("12.30"),
            "interest_rate": Decimal("0.000001"),
            "monthly_payment": Decimal("99.99"),
            "owner": "self",
            "payoff_age": None,
        },
    ],
    "incomes": [
        {
            "name": "Salary",
            "kind": "salary",
            "amount": Decimal("5000.00"),
            "frequency": "monthly",
            "start_age": 30,
            "end_age": 65,
            "growth_rate": Decimal("0.020000"),
            "inflation_indexed": False,
            "taxable": True,
            "owner": "self",
            "survivor_fraction": Decimal("0.0000"),
        },
        {
            "name": "Pension",
            "kind": "pension",
            "amount": Decimal("0.00"),
            "frequency": "annual",
            "start_age": None,
            "end_age": None,
            "growth_rate": Decimal("-0.500000"),
            "inflation_indexed": True,
            "taxable": False,
            "owner": "partner",
            "survivor_fraction": Decimal("0.5000"),
        },
        {
            "name": "Rent",
            "kind": "rental",
            "amount": MAX_MONEY,
            "frequency": "monthly",
            "start_age": 0,
            "end_age": 120,
            "growth_rate": Decimal("0.500000"),
            "inflation_indexed": False,
            "taxable": False,
            "owner": "joint",
            "survivor_fraction": Decimal("0.0000"),
        },
        {
            "name": "Annuity",
            "kind": "annuity",
            "amount": Decimal("0.01"),
            "frequency": "annual",
            "start_age": 67,
            "end_age": None,
            "growth_rate": Decimal("0.000000"),
            "inflation_indexed": True,
            "taxable": True,
            "owner": "self",
            "survivor_fraction": Decimal("1.0000"),
        },
        {
            "name": "Other",
            "kind": "other",
            "amount": Decimal("1.00"),
            "frequency": "once",
            "start_age": None,
            "end_age": 70,
            "growth_rate": Decimal("-0.000001"),
            "inflation_indexed": False,
            "taxable": True,
            "owner": "joint",
            "survivor_fraction": Decimal("0.0000"),
        },
    ],
    "expenses": [
        {
            "name": "Rent",
            "category": "housing",
            "amount": Decimal("1200.00"),
            "frequency": "monthly",
            "start_age": 30,
            "end_age": 90,
            "inflation_indexed": True,
            "essential": False,
            "owner": "self",
        },
        {
            "name": "Food",
            "category": "f" * 50,
            "amount": Decimal("0.00"),
            "frequency": "annual",
            "start_age": None,
            "end_age": None,
            "inflation_indexed": False,
            "essential": True,
            "owner": "partner",
        },
        {
            "name": "Travel",
            "category": "travel",
            "amount": MAX_MONEY,
            "frequency": "once",
            "start_age": 0,
            "end_age": 0,
            "inflation_indexed": True,
            "essential": True,
            "owner": "joint",
        },
    ],
}

TIMES = [(WITH_FRACTION, WITH_FRACTION), (WHOLE_SECOND, WITH_FRACTION), (OFFSET, WHOLE_SECOND)]

CASES = [
    pytest.param(c, stored(fields, at=at, changed=changed), id=f"{c.name}-{i}-{j}")
    for c in COLLECTIONS
    for i, fields in enumerate(FIELDS[c.name])
    for j, (at, changed) in enumerate(TIMES)
]


@pytest.mark.parametrize(("c", "row"), CASES)
def test_a_row_is_shown_exactly_as_the_out_model_dumps_it(
    c: Collection,
    row: dict[str, Any],
    out_model_dump: Callable[[Collection, Any], dict[str, Any]],
) -> None:
    shown, expected = record_out(c, row), out_model_dump(c, row)
    assert list(shown.items()) == list(expected.items())
    # Also the bytes: list equality alone would take True for 1 and 1 for 1.0.
    assert orjson.dumps(shown) == orjson.dumps(expected)


def test_the_cases_set_and_leave_unset_every_optional_field() -> None:
    # Guards the cases above: a new optional field needs a row with it and a row without.
    for c in COLLECTIONS:
        for name, field in c.out_model.model_fields.items():
            if not field.is_required() and field.default is None:
                values = [fields[name] for fields in FIELDS[c.name]]
                assert None in values and any(v is not None for v in values), (c.name, name)


def test_a_row_shows_the_out_model_fields_in_their_order_without_version_or_owner() -> None:
    row = stored(FIELDS["assets"][0], at=WHOLE_SECOND, changed=WITH_FRACTION)
    row["user_id"] = uuid.uuid4()
    shown = record_out(ASSETS, row)
    assert list(shown) == list(ASSETS.out_model.model_fields)
    assert list(shown)[:6] == ["id", "created_at", "updated_at", "name", "kind", "balance"]
    assert shown["created_at"] == "2026-11-24T02:25:32Z"
    assert shown["updated_at"] == "2026-11-24T02:25:32.973720Z"
    assert shown["stock_allocation"] == 0.6


@pytest.mark.parametrize(
    ("c", "rate", "shown"),
    [
        (ASSETS, Decimal("0.6000"), b"0.6"),
        (ASSETS, Decimal("1.0000"), b"1.0"),
        (ASSETS, Decimal("0.0000"), b"0.0"),
        (ASSETS, Decimal("0.0001"), b"0.0001"),
        (DEBTS, Decimal("0.000001"), b"1e-6"),
        (DEBTS, Decimal("0.045000"), b"0.045"),
        (INCOMES, Decimal("-0.500000"), b"-0.5"),
        (INCOMES, Decimal("0.123457"), b"0.123457"),
    ],
)
def test_rates_are_shown_as_json_numbers_without_the_padding_of_their_column(
    c: Collection, rate: Decimal, shown: bytes
) -> None:
    row = stored(FIELDS[c.name][0], at=WHOLE_SECOND, changed=WHOLE_SECOND)
    row[c.rate_columns[0]] = rate
    value = record_out(c, row)[c.rate_columns[0]]
    assert orjson.dumps(value) == shown
    assert Decimal(str(value)) == rate  # the number is the stored value, exactly


@pytest.mark.parametrize(
    ("fraction", "shown"), [(Decimal("0.5000"), b"0.5"), (Decimal("0.0000"), b"0.0")]
)
def test_a_survivor_fraction_is_shown_as_a_json_number(fraction: Decimal, shown: bytes) -> None:
    row = stored(FIELDS["incomes"][1], at=WHOLE_SECOND, changed=WHOLE_SECOND)
    row["survivor_fraction"] = fraction
    assert orjson.dumps(record_out(INCOMES, row)["survivor_fraction"]) == shown


def test_an_unset_cost_basis_is_null_and_a_set_one_money_with_two_places() -> None:
    rows = [stored(fields, at=WHOLE_SECOND, changed=WHOLE_SECOND) for fields in FIELDS["assets"]]
    assert [record_out(ASSETS, row)["cost_basis"] for row in rows[:2]] == ["800.25", None]


def test_expenses_have_no_rate_and_show_money_with_two_places() -> None:
    row = stored(FIELDS["expenses"][1], at=WHOLE_SECOND, changed=WHOLE_SECOND)
    assert EXPENSES.rate_columns == ()
    assert record_out(EXPENSES, row)["amount"] == "0.00"


def test_a_field_without_a_known_json_conversion_is_refused_when_the_shape_is_built() -> None:
    class Odd(BaseModel):
        ratio: float

    odd = Collection(
        name="odd",
        noun="odd",
        table="odd",
        columns=("ratio",),
        rate_columns=(),
        model=Odd,
        out_model=Odd,
    )
    with pytest.raises(TypeError, match=r"Odd\.ratio"):
        _json_shape(odd)
