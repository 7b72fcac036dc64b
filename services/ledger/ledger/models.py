"""Request and response bodies of the ledger API (DESIGN §4 record fields)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

Money = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        allow_inf_nan=False,
        description="decimal string, 2 places",
    ),
]
Rate = Annotated[Decimal, Field(max_digits=7, decimal_places=6, allow_inf_nan=False)]
# Four places, as the column stores them: more would be rounded silently.
Allocation = Annotated[
    Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4, allow_inf_nan=False)
]
Age = Annotated[int, Field(ge=0, le=120, strict=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Frequency = Literal["monthly", "annual"]


class Record(BaseModel):
    """A record as written by a client: unknown fields (id, user_id, version…) are refused."""

    model_config = ConfigDict(extra="forbid")


class AgeWindow(Record):
    """Adds the `end_age ≥ start_age` rule to incomes and expenses."""

    start_age: Age | None = None
    end_age: Age | None = None

    @field_validator("end_age")
    @classmethod
    def _end_not_before_start(cls, end_age: int | None, info: ValidationInfo) -> int | None:
        start_age = info.data.get("start_age")
        if start_age is not None and end_age is not None and end_age < start_age:
            raise ValueError(f"end_age ({end_age}) must not be before start_age ({start_age})")
        return end_age


class Asset(Record):
    """Something the user owns."""

    name: Name
    kind: Literal["cash", "taxable", "tax_deferred", "tax_free", "real_estate", "other"]
    balance: Money
    annual_contribution: Money = Decimal("0.00")
    contribution_end_age: Age | None = None
    stock_allocation: Allocation | None = Field(
        None, description="0..1; when omitted: 0 for cash and real_estate, 0.6 otherwise"
    )


class Debt(Record):
    """Something the user owes."""

    name: Name
    kind: Literal["mortgage", "student", "auto", "credit_card", "personal", "other"]
    balance: Money
    interest_rate: Annotated[Rate, Field(ge=0, le=1)]
    monthly_payment: Money


class Income(AgeWindow):
    """Money the user receives."""

    name: Name
    kind: Literal["salary", "pension", "social_security", "rental", "annuity", "other"]
    amount: Money
    frequency: Frequency
    growth_rate: Annotated[Rate, Field(ge=Decimal("-0.5"), le=Decimal("0.5"))] = Decimal("0")
    inflation_indexed: Annotated[bool, Field(strict=True)] = False
    taxable: Annotated[bool, Field(strict=True)] = True


class Expense(AgeWindow):
    """Money the user spends."""

    name: Name
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    amount: Money
    frequency: Frequency
    inflation_indexed: Annotated[bool, Field(strict=True)] = True
    essential: Annotated[bool, Field(strict=True)] = True


class Stored(BaseModel):
    """What every stored record adds to its fields."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class AssetOut(Asset, Stored):
    """An asset as returned."""

    model_config = ConfigDict(extra="ignore")
    stock_allocation: Decimal  # always set once stored


class DebtOut(Debt, Stored):
    """A debt as returned."""

    model_config = ConfigDict(extra="ignore")


class IncomeOut(Income, Stored):
    """An income as returned."""

    model_config = ConfigDict(extra="ignore")


class ExpenseOut(Expense, Stored):
    """An expense as returned."""

    model_config = ConfigDict(extra="ignore")


class Page(BaseModel):
    """One page of a collection, newest first."""

    items: list[dict[str, Any]]
    next_cursor: str | None


class Summary(BaseModel):
    """Totals of a user's ledger, as decimal strings."""

    total_assets: Decimal
    total_debts: Decimal
    net_worth: Decimal
    annual_income: Decimal
    annual_expenses: Decimal
