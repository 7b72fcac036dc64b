"""Request and response bodies of the ledger API (DESIGN §4 record fields).

Value types (money, rates, names) come from `nestegg_common.values`: one definition for every
service, documented in docs/API.md ("Values").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ledger.rules import asset_rules, income_rules, refuse
from nestegg_common.values import DisplayText, Money, Rate, SignedMoney, Text

# Rates and fractions keep the scale of their column: more places are refused, not rounded.
InterestRate = Annotated[Decimal, Rate(ge=0, le=1, places=6)]
GrowthRate = Annotated[Decimal, Rate(ge=-0.5, le=0.5, places=6)]
Allocation = Annotated[Decimal, Rate(ge=0, le=1, places=4)]
Age = Annotated[int, Field(ge=0, le=120, strict=True)]
Category = Annotated[str, Text(50)]
Frequency = Literal["monthly", "annual", "once"]
Owner = Literal["self", "partner", "joint"]

_NAME = "What the user calls it: 1–100 characters, trimmed, something visible."
_FREQUENCY = (
    "How often `amount` is paid: `monthly` (12 times a year), `annual` (once a year) or `once` "
    "(one payment in the year of `start_age`; null `start_age` = this year)."
)
# DESIGN §4; the engine's wording (services/projections/projections/engine/plan.py, _OWNER).
_OWNER = (
    "Whose it is: `self` (the user), `partner` (needs a partner in the profile) or `joint`. "
    "An age on a joint record is the user's age. Default `self`."
)
_START_AGE = (
    "The owner's age (whole years, 0–120) in whose year it starts; null = from now. For a "
    "social_security income, the claiming age: 62–70, null = full retirement age."
)
_END_AGE = (
    "The owner's age (whole years, 0–120) in whose year it last applies, inclusive; null = to "
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
            "name": "Joint brokerage",
            "kind": "taxable",
            "owner": "joint",
            "balance": "84000.00",
            "cost_basis": "61000.00",
            "annual_contribution": "6000.00",
            "stock_allocation": 0.8,
        },
        {
            "name": "Workplace 401(k)",
            "kind": "tax_deferred",
            "balance": "182000.00",
            "annual_contribution": "12000.00",
            "contribution_end_age": 64,
            "stock_allocation": 0.7,
        },
        {
            "name": "Home",
            "kind": "real_estate",
            "owner": "joint",
            "balance": "450000.00",
            "cost_basis": "310000.00",
            "sell_age": 75,
        },
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
        description="The owner's age (0–120) in whose year contributions stop, inclusive; "
        "null = until retirement.",
    )
    stock_allocation: Allocation | None = Field(
        None,
        description="Share held in stocks as a fraction, 0–1, at most 4 places (0.6 = 60 % "
        "stocks, 40 % bonds). Omitted or null: 0 for cash and real_estate, 0.6 otherwise.",
    )
    owner: Owner = Field(
        "self",
        description=_OWNER + " `joint` only for cash, taxable, real_estate and other assets "
        "(a tax_deferred or tax_free account belongs to one person).",
    )
    cost_basis: Money | None = Field(
        None,
        description="taxable and real_estate only: what was paid for it (the gain on a sale is "
        "taxed above it). Null or omitted = the balance (no unrealised gain); other kinds must "
        "leave it null.",
    )
    sell_age: Age | None = Field(
        None,
        description="real_estate only: the owner's age (0–120) in whose year it is sold, the "
        "proceeds going to taxable savings. Null or omitted = never sold; other kinds must "
        "leave it null.",
    )

    @model_validator(mode="after")
    def _kind_rules(self) -> Asset:
        refuse("Asset", asset_rules(self.kind, self.owner, self.cost_basis, self.sell_age))
        return self


class Debt(Record):
    """Something the user owes."""

    model_config = _examples(
        {
            "name": "Mortgage",
            "kind": "mortgage",
            "owner": "joint",
            "balance": "210000.00",
            "interest_rate": 0.045,
            "monthly_payment": "1450.00",
            "payoff_age": 67,
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
    owner: Owner = Field("self", description=_OWNER)
    payoff_age: Age | None = Field(
        None,
        description="The owner's age (0–120) in whose year what is still owed is paid off from "
        "savings. Null or omitted = amortised by `monthly_payment` to the end.",
    )


class Income(AgeWindow):
    """Money the user receives."""

    model_config = _examples(
        {
            "name": "Teachers' pension",
            "kind": "pension",
            "owner": "partner",
            "amount": "2100.00",
            "frequency": "monthly",
            "start_age": 62,
            "inflation_indexed": True,
            "survivor_fraction": 0.5,
        },
        {
            "name": "Salary",
            "kind": "salary",
            "amount": "6500.00",
            "frequency": "monthly",
            "end_age": 64,
            "growth_rate": 0.02,
        },
        {
            "name": "Social Security",
            "kind": "social_security",
            "amount": "2400.00",
            "frequency": "monthly",
            "start_age": 67,
        },
    )

    name: DisplayText = Field(description=_NAME)
    kind: Literal["salary", "pension", "social_security", "rental", "annuity", "other"] = Field(
        description="Where it comes from; a `salary` stops at retirement whatever `end_age` says."
    )
    amount: Money = Field(
        description="What is received each period, in today's money. For social_security: the "
        "monthly or annual benefit at the owner's full retirement age (the PIA)."
    )
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
    owner: Owner = Field(
        "self",
        description=_OWNER + " `joint` only for rental and other incomes (a salary, pension, "
        "social_security or annuity belongs to one person).",
    )
    survivor_fraction: Allocation = Field(
        0.0,  # validated into a Decimal; the schema shows the number 0.0
        validate_default=True,
        description="pension and annuity only: the share paid to the partner after the owner's "
        "death, a fraction 0–1, at most 4 places (0.5 = half). Default 0; other kinds must "
        "leave it 0.",
    )

    @model_validator(mode="after")
    def _kind_rules(self) -> Income:
        rules = income_rules(self.kind, self.owner, self.survivor_fraction, self.start_age)
        refuse("Income", rules)
        return self


class Expense(AgeWindow):
    """Money the user spends."""

    model_config = _examples(
        {
            "name": "Groceries",
            "category": "food",
            "amount": "650.00",
            "frequency": "monthly",
            "essential": True,
            "owner": "joint",
        },
        {
            "name": "New roof",
            "category": "home",
            "amount": "18000.00",
            "frequency": "once",
            "start_age": 68,
            "owner": "joint",
        },
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
    owner: Owner = Field(
        "self",
        description=_OWNER + " A `self` or `partner` expense stops at its owner's death; a "
        "`joint` one continues while either lives.",
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
        description="Every recurring income per year (monthly × 12, annual × 1), whatever its "
        "ages; `once` incomes are not in it (see `one_time_income`)."
    )
    annual_expenses: SignedMoney = Field(
        description="Every recurring expense per year (monthly × 12, annual × 1), whatever its "
        "ages; `once` expenses are not in it (see `one_time_expenses`)."
    )
    one_time_income: SignedMoney = Field(
        description="The sum of every `once` income (one payment each), whatever its age."
    )
    one_time_expenses: SignedMoney = Field(
        description="The sum of every `once` expense (one payment each), whatever its age."
    )
