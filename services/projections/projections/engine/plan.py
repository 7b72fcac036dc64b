"""Validate a plan and its assumptions at the engine's edge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .assumptions import (
    MAX_PATHS,
    MAX_SEED,
    Assumptions,
    Guardrails,
    Historical,
    RothConversion,
    SignedRate,
    Tax,
    refuse_booleans,
)

__all__ = [
    "MAX_PATHS",
    "MAX_SEED",
    "Asset",
    "Assumptions",
    "Debt",
    "Expense",
    "FilingStatus",
    "Guardrails",
    "Historical",
    "Income",
    "Owner",
    "Partner",
    "Plan",
    "Profile",
    "RothConversion",
    "Sex",
    "Tax",
    "refuse_booleans",
]

# Money is a decimal string with two places (DESIGN §4); Decimal keeps it exact until the kernel.
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Age = Annotated[int, Field(ge=0, le=120)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# The ledger's record id (a UUID); scenarios' extra records may name one too.
RecordId = Annotated[str, Field(max_length=64)]

AssetKind = Literal["cash", "taxable", "tax_deferred", "tax_free", "real_estate", "other"]
DebtKind = Literal["mortgage", "student", "auto", "credit_card", "personal", "other"]
IncomeKind = Literal["salary", "pension", "social_security", "rental", "annuity", "other"]
Frequency = Literal["monthly", "annual", "once"]
Sex = Literal["female", "male", "unspecified"]
FilingStatus = Literal["single", "married_joint"]
Owner = Literal["self", "partner", "joint"]

_RECORD_ID = "The ledger record's id, when it comes from the ledger; null for one a scenario adds."
_FREQUENCY = (
    "How often `amount` is paid: `monthly` (12 times a year), `annual`, or `once` (one payment "
    "in the year of `start_age`; null `start_age` = this year). Default annual."
)
_OWNER = (
    "Whose it is: `self` (the first person), `partner` (needs a partner in the profile) or "
    "`joint`. An age on a joint record is the first person's age. Default `self`."
)
# DESIGN §4: only these kinds may be owned jointly (retirement accounts and personal incomes
# such as a salary or a benefit always belong to one person).
JOINT_ASSET_KINDS = frozenset({"cash", "taxable", "real_estate", "other"})
JOINT_INCOME_KINDS = frozenset({"rental", "other"})
SURVIVOR_INCOME_KINDS = frozenset({"pension", "annuity"})
COST_BASIS_KINDS = frozenset({"taxable", "real_estate"})


class _Model(BaseModel):
    """Forbid unknown fields so a typo is an error, not a silently ignored input."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Person(_Model):
    """Hold one person's dates: age now, at retirement and (fixed longevity) at death."""

    birth_date: date | None = None
    current_age: Age | None = None
    sex: Sex = "unspecified"
    retirement_age: Age
    life_expectancy: Annotated[int, Field(ge=1, le=120)]

    @model_validator(mode="after")
    def _check_ages(self) -> _Person:
        if self.birth_date is None and self.current_age is None:
            raise ValueError("needs birth_date or current_age")
        if self.retirement_age > self.life_expectancy:
            raise ValueError("retirement_age must not exceed life_expectancy")
        if self.current_age is not None and self.current_age >= self.life_expectancy:
            raise ValueError("current_age must be below life_expectancy")
        return self


class Partner(_Person):
    """Hold the second person of a household (DESIGN §4 `partner`)."""

    name: Annotated[str, Field(max_length=200)] | None = None


class Profile(_Person):
    """Hold who is planning: the first person, the filing status and the partner, if any."""

    display_name: str | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    filing_status: FilingStatus = "single"
    partner: Partner | None = None

    @model_validator(mode="after")
    def _check_household(self) -> Profile:
        if self.filing_status == "married_joint" and self.partner is None:
            raise ValueError("filing_status married_joint needs a partner")
        return self


class Asset(_Model):
    """Hold one asset with the ledger's field names."""

    id: RecordId | None = None
    name: Name
    kind: AssetKind
    balance: Money
    annual_contribution: Money = Decimal("0.00")
    contribution_end_age: Age | None = None
    stock_allocation: Fraction = 0.6
    owner: Owner = "self"
    # What was paid for it (taxable and real_estate); null = the balance (no unrealised gain).
    cost_basis: Money | None = None
    # The owner's age in whose year real estate is sold; null = never sold.
    sell_age: Age | None = None

    @model_validator(mode="after")
    def _check_kind_rules(self) -> Asset:
        if self.owner == "joint" and self.kind not in JOINT_ASSET_KINDS:
            raise ValueError(f"a {self.kind} account belongs to one person; owner cannot be joint")
        if self.cost_basis is not None and self.kind not in COST_BASIS_KINDS:
            raise ValueError("cost_basis applies to taxable and real_estate assets only")
        if self.sell_age is not None and self.kind != "real_estate":
            raise ValueError("sell_age applies to real_estate assets only")
        return self


class Debt(_Model):
    """Hold one debt with the ledger's field names."""

    id: RecordId | None = None
    name: Name
    kind: DebtKind
    balance: Money
    interest_rate: Fraction
    monthly_payment: Money
    owner: Owner = "self"
    # The owner's age in whose year what is still owed is paid off from the portfolio.
    payoff_age: Age | None = None


class _Window(_Model):
    """Check that an age window is not inverted."""

    start_age: Age | None = Field(
        None, description="The age (whole years, 0–120) in whose year it starts; null = from now."
    )
    end_age: Age | None = Field(
        None,
        description="The age (whole years, 0–120) in whose year it last applies, inclusive; "
        "null = to the end of the plan. Not before `start_age`.",
    )

    @model_validator(mode="after")
    def _check_window(self) -> _Window:
        start, end = self.start_age, self.end_age
        if start is not None and end is not None and end < start:
            raise ValueError("end_age must not be below start_age")
        return self


class Income(_Window):
    """Hold one income with the ledger's field names."""

    id: RecordId | None = Field(None, description=_RECORD_ID)
    name: Name = Field(description="What the user calls it.")
    kind: IncomeKind = Field(
        description="Where it comes from; a `salary` stops at retirement whatever `end_age` says."
    )
    amount: Money = Field(description="What is received each period, in today's money.")
    frequency: Frequency = Field("annual", description=_FREQUENCY)
    growth_rate: SignedRate = Field(
        0.0,
        description="Annual nominal growth as a fraction, above −1 and at most 1: 0.02 = grows "
        "2 % a year (on top of inflation when `inflation_indexed`). Default 0.",
    )
    inflation_indexed: bool = Field(
        False, description="Whether it also rises with inflation each year. Default false."
    )
    taxable: bool = Field(True, description="Whether income tax is due on it. Default true.")
    owner: Owner = Field("self", description=_OWNER)
    survivor_fraction: Fraction = Field(
        0.0,
        description="Pension or annuity: the share of it paid to the partner after the owner's "
        "death, a fraction 0–1 (0.5 = half). Default 0; other kinds must leave it 0.",
    )

    @model_validator(mode="after")
    def _check_kind_rules(self) -> Income:
        if self.owner == "joint" and self.kind not in JOINT_INCOME_KINDS:
            raise ValueError(f"a {self.kind} income belongs to one person; owner cannot be joint")
        if self.survivor_fraction and self.kind not in SURVIVOR_INCOME_KINDS:
            raise ValueError("survivor_fraction applies to pension and annuity incomes only")
        return self


class Expense(_Window):
    """Hold one expense with the ledger's field names."""

    id: RecordId | None = Field(None, description=_RECORD_ID)
    name: Name = Field(description="What the user calls it.")
    category: Annotated[str, Field(max_length=100)] = Field(
        "other", description="A free grouping such as `home` or `travel`. Default `other`."
    )
    amount: Money = Field(description="What is spent each period, in today's money.")
    frequency: Frequency = Field("annual", description=_FREQUENCY)
    inflation_indexed: bool = Field(
        True, description="Whether it rises with inflation each year. Default true."
    )
    essential: bool = Field(
        True,
        description="Whether it must be paid whatever the markets do (a failure if not), as "
        "opposed to discretionary. Default true.",
    )
    owner: Owner = Field(
        "self",
        description=_OWNER + " A `self` or `partner` expense stops at its owner's death; a "
        "`joint` one continues while either lives.",
    )


class Plan(_Model):
    """Hold everything one projection needs: profile, ledger records and assumptions."""

    profile: Profile
    assets: list[Asset] = Field(default_factory=list, max_length=200)
    debts: list[Debt] = Field(default_factory=list, max_length=200)
    incomes: list[Income] = Field(default_factory=list, max_length=200)
    expenses: list[Expense] = Field(default_factory=list, max_length=200)
    assumptions: Assumptions = Assumptions()

    @field_validator("assets", "debts", "incomes", "expenses", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return [] if value is None else value

    @model_validator(mode="after")
    def _partner_records_need_a_partner(self) -> Plan:
        if self.profile.partner is not None:
            return self
        for kind in ("assets", "debts", "incomes", "expenses"):
            for index, record in enumerate(getattr(self, kind)):
                if record.owner == "partner":
                    raise ValueError(
                        f"{kind}[{index}] ({record.name!r}) is owned by the partner, but the "
                        "profile has no partner: add the partner or change the record's owner"
                    )
        return self
