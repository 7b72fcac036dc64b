"""Request and response bodies of the ledger API (DESIGN §4 record fields).

Value types (money, rates, names) come from `nestegg_common.values`: one definition for every
service, documented in docs/API.md ("Values").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from nestegg_common.values import DisplayText, Money, Rate, SignedMoney, Text

# Rates and fractions keep the scale of their column: more places are refused, not rounded.
InterestRate = Annotated[Decimal, Rate(ge=0, le=1, places=6)]
GrowthRate = Annotated[Decimal, Rate(ge=-0.5, le=0.5, places=6)]
Allocation = Annotated[Decimal, Rate(ge=0, le=1, places=4)]
Age = Annotated[int, Field(ge=0, le=120, strict=True)]
Category = Annotated[str, Text(50)]
Frequency = Literal["monthly", "annual"]

_NAME = "What the user calls it: 1–100 characters, trimmed, something visible."
_FREQUENCY = "How often `amount` is paid: `monthly` (12 times a year) or `annual` (once a year)."
_START_AGE = "The user's age (whole years, 0–120) in whose year it starts; null = from now."
_END_AGE = (
    "The user's age (whole years, 0–120) in whose year it last applies, inclusive; null = to "
    "the end of the plan. Not before `start_age`."
)


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    """Request examples, shown in the OpenAPI document (and checked against the schema)."""
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class Record(BaseModel):
    """A record as written by a client: unknown fields (id, user_id, version…) are refused."""

    model_config = ConfigDict(extra="forbid")


class AgeWindow(Record):
    """Adds the `end_age ≥ start_age` rule to incomes and expenses."""

    start_age: Age | None = Field(None, description=_START_AGE)
    end_age: Age | None = Field(None, description=_END_AGE)

    @field_validator("end_age")
    @classmethod
    def _end_not_before_start(cls, end_age: int | None, info: ValidationInfo) -> int | None:
        start_age = info.data.get("start_age")
        if start_age is not None and end_age is not None and end_age < start_age:
            raise ValueError(f"end_age ({end_age}) must not be before start_age ({start_age})")
        return end_age


class Asset(Record):
    """Something the user owns."""

    model_config = _examples(
        {
            "name": "Workplace 401(k)",
            "kind": "tax_deferred",
            "balance": "182000.00",
            "annual_contribution": "12000.00",
            "contribution_end_age": 64,
            "stock_allocation": 0.7,
        }
    )

    name: DisplayText = Field(description=_NAME)
    kind: Literal["cash", "taxable", "tax_deferred", "tax_free", "real_estate", "other"] = Field(
        description="How it is held and taxed: `cash`, `taxable` (a brokerage account), "
        "`tax_deferred` (401(k), traditional IRA), `tax_free` (Roth), `real_estate`, `other`."
    )
    balance: Money = Field(description="What it is worth today, in the profile's currency.")
    annual_contribution: Money = Field(
        Decimal("0.00"), description="What is paid in each year until `contribution_end_age`."
    )
    contribution_end_age: Age | None = Field(
        None,
        description="The user's age (0–120) in whose year contributions stop, inclusive; "
        "null = until retirement.",
    )
    stock_allocation: Allocation | None = Field(
        None,
        description="Share held in stocks as a fraction, 0–1, at most 4 places (0.6 = 60 % "
        "stocks, 40 % bonds). Omitted or null: 0 for cash and real_estate, 0.6 otherwise.",
    )


class Debt(Record):
    """Something the user owes."""

    model_config = _examples(
        {
            "name": "Mortgage",
            "kind": "mortgage",
            "balance": "210000.00",
            "interest_rate": 0.045,
            "monthly_payment": "1450.00",
        }
    )

    name: DisplayText = Field(description=_NAME)
    kind: Literal["mortgage", "student", "auto", "credit_card", "personal", "other"] = Field(
        description="What kind of loan it is."
    )
    balance: Money = Field(description="What is owed today, in the profile's currency.")
    interest_rate: InterestRate = Field(
        description="Annual nominal interest rate as a fraction, 0–1, at most 6 places: "
        "0.045 = 4.5 % a year."
    )
    monthly_payment: Money = Field(
        description="What is paid each month until the debt is paid off."
    )


class Income(AgeWindow):
    """Money the user receives."""

    model_config = _examples(
        {
            "name": "Salary",
            "kind": "salary",
            "amount": "6500.00",
            "frequency": "monthly",
            "end_age": 64,
            "growth_rate": 0.02,
        }
    )

    name: DisplayText = Field(description=_NAME)
    kind: Literal["salary", "pension", "social_security", "rental", "annuity", "other"] = Field(
        description="Where it comes from; a `salary` stops at retirement whatever `end_age` says."
    )
    amount: Money = Field(description="What is received each period, in today's money.")
    frequency: Frequency = Field(description=_FREQUENCY)
    growth_rate: GrowthRate = Field(
        0.0,  # validated into a Decimal; the schema shows the number 0.0
        validate_default=True,
        description="Annual nominal growth as a fraction, −0.5–0.5, at most 6 places: 0.02 = "
        "grows 2 % a year (on top of inflation when `inflation_indexed`). Default 0.",
    )
    inflation_indexed: Annotated[bool, Field(strict=True)] = Field(
        False, description="Whether it also rises with inflation each year. Default false."
    )
    taxable: Annotated[bool, Field(strict=True)] = Field(
        True, description="Whether income tax is due on it. Default true."
    )


class Expense(AgeWindow):
    """Money the user spends."""

    model_config = _examples(
        {
            "name": "Groceries",
            "category": "food",
            "amount": "650.00",
            "frequency": "monthly",
            "essential": True,
        }
    )

    name: DisplayText = Field(description=_NAME)
    category: Category = Field(
        description="A free grouping such as `home` or `travel`: 1–50 characters, trimmed."
    )
    amount: Money = Field(description="What is spent each period, in today's money.")
    frequency: Frequency = Field(description=_FREQUENCY)
    inflation_indexed: Annotated[bool, Field(strict=True)] = Field(
        True, description="Whether it rises with inflation each year. Default true."
    )
    essential: Annotated[bool, Field(strict=True)] = Field(
        True,
        description="Whether it must be paid whatever the markets do (a failure if not), as "
        "opposed to discretionary. Default true.",
    )


class Stored(BaseModel):
    """What every stored record adds to its fields."""

    id: uuid.UUID = Field(description="The record's id.")
    created_at: datetime = Field(description="When it was created (RFC 3339, UTC).")
    updated_at: datetime = Field(description="When it last changed (RFC 3339, UTC).")


class AssetOut(Asset, Stored):
    """An asset as returned."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=None)
    stock_allocation: Allocation = Field(  # always set once stored
        description="Share held in stocks as a fraction, 0–1 (0.6 = 60 % stocks, 40 % bonds)."
    )


class DebtOut(Debt, Stored):
    """A debt as returned."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=None)


class IncomeOut(Income, Stored):
    """An income as returned."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=None)


class ExpenseOut(Expense, Stored):
    """An expense as returned."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=None)


class Page(BaseModel):
    """One page of a collection, newest first."""

    items: list[dict[str, Any]]
    next_cursor: str | None


class Summary(BaseModel):
    """Totals of a user's ledger, money as decimal strings with 2 places."""

    total_assets: SignedMoney = Field(description="Sum of every asset's balance.")
    total_debts: SignedMoney = Field(description="Sum of every debt's balance.")
    net_worth: SignedMoney = Field(description="`total_assets − total_debts`; may be negative.")
    annual_income: SignedMoney = Field(
        description="Every income per year (monthly × 12), whatever its ages."
    )
    annual_expenses: SignedMoney = Field(
        description="Every expense per year (monthly × 12), whatever its ages."
    )
